//! Subject access (issue 17 §3, "How we will know it works"), on both
//! backends: for a child, the export holds every event, form and
//! access-log entry of every case about them, and nothing about another
//! child; every passage of free text is marked for review; for a
//! professional, every case they took part in, with every child withheld;
//! and making it is recorded.

#[macro_use]
mod common;

use accord_case::{
    AgencyId, Case, Event, EventBody, NhsNumber, PersonId, Subject, SubjectId, Text,
};
use accord_store::{AuditSubject, CaseSearch, DataSubject, Store};
use common::{Backend, TestDb, sample::*};

both_backends!(a_childs_export_holds_their_cases_and_nothing_of_another_child);

const POPPY_NHS: &str = "943 476 5919";

fn child(id: &str, name: &str, nhs: &str) -> Subject {
    Subject {
        id: SubjectId::parse(id).unwrap(),
        name: Text::parse(name).unwrap(),
        kind: accord_policy::SubjectKind::Child,
        child_protection_plan: false,
        looked_after: false,
        immediate_risk: false,
        date_of_birth: Some(jiff::civil::date(2019, 4, 12)),
        nhs_number: Some(NhsNumber::parse(nhs).unwrap()),
        local_id: None,
    }
}

/// A Havering case about `subjects`, raised by the demo's health
/// practitioner, with one discussion recorded as `summary`.
async fn havering_case(store: &Store, id: &str, subjects: Vec<Subject>, summary: &str) {
    let now = at("2025-06-03T10:00:00Z");
    let as_havering = |events: &mut Vec<Event>| {
        for event in events.iter_mut() {
            event.actor.person = PersonId::parse("hav-health-practitioner").unwrap();
            event.actor.agency = AgencyId::parse("hav-health").unwrap();
        }
    };
    let mut events = raise(id, now);
    if let EventBody::Raised(raised) = &mut events[0].body {
        raised.subjects = subjects;
        raised.other_agency = AgencyId::parse("hav-csc").unwrap();
    }
    as_havering(&mut events);
    let case = Case::fold(&events).unwrap();
    let mut more = discussion(&case, now, summary);
    as_havering(&mut more);
    events.extend(more);
    store.append(None, &events).await.unwrap();
}

async fn a_childs_export_holds_their_cases_and_nothing_of_another_child(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, policies) = world();
    let demo = accord_demo::demo(at("2025-06-02T09:30:00Z"), calendars, policies).unwrap();
    store.seed((&demo).into()).await.unwrap();
    havering_case(
        &store,
        "HAV-2025-0101",
        vec![
            child("c1", "Poppy Threlfall", POPPY_NHS),
            child("c2", "Alfie Threlfall", "401 023 2137"),
        ],
        "Discussed both children with Dr Amir Khan.",
    )
    .await;
    havering_case(
        &store,
        "HAV-2025-0102",
        vec![child("c1", "Poppy Threlfall", POPPY_NHS)],
        "Poppy's school raised a second concern.",
    )
    .await;
    havering_case(
        &store,
        "HAV-2025-0103",
        vec![child("c1", "Ruby Marsh", "450 557 7104")],
        "Ruby's case is about another family.",
    )
    .await;
    let manager = PersonId::parse("hav-csc-manager").unwrap();
    store
        .record_read(
            &case_id("HAV-2025-0101"),
            &manager,
            at("2025-06-04T09:00:00Z"),
            "case page",
        )
        .await
        .unwrap();
    let team = store
        .person_by_sign_in("hav-partnership-team")
        .await
        .unwrap()
        .unwrap();

    let asked = DataSubject::Child(CaseSearch {
        nhs_number: Some(NhsNumber::parse(POPPY_NHS).unwrap()),
        ..CaseSearch::default()
    });
    let now = at("2025-07-01T09:00:00Z");
    let export = store
        .subject_access("havering", &asked, &team.id, now)
        .await
        .unwrap();
    let ids: Vec<&str> = export.cases.iter().map(|c| c.case.as_str()).collect();
    assert_eq!(ids, ["HAV-2025-0101", "HAV-2025-0102"]);
    let text = serde_json::to_string(&export).unwrap();
    // Every event of each case, and the read.
    for (case, id) in export.cases.iter().zip(["HAV-2025-0101", "HAV-2025-0102"]) {
        assert_eq!(
            case.events.len(),
            store.load(&case_id(id)).await.unwrap().len()
        );
        assert_eq!(case.subjects.len(), 1);
        assert_eq!(case.subjects[0].name.as_str(), "Poppy Threlfall");
    }
    assert!(
        export.cases[0]
            .reads
            .iter()
            .any(|r| r.by == manager && r.purpose == "case page")
    );
    // Nothing of another child: not Poppy's brother, not Ruby.
    for other in [
        "Alfie",
        "401 023 2137",
        "4010232137",
        "Ruby",
        "another family",
    ] {
        assert!(!text.contains(other), "{other} is in Poppy's export");
    }
    assert!(text.contains("someone else the disagreement is about"));
    // Every passage of free text is marked for review, and the export says
    // why.
    assert!(text.contains("Dr Amir Khan"));
    let marked = text.matches("\"check_before_release\":true").count();
    let summary = export.cases[0]
        .events
        .iter()
        .find(|e| e.kind == "discussion_recorded")
        .unwrap();
    assert_eq!(
        summary.record["record"]["summary"]["check_before_release"],
        serde_json::json!(true)
    );
    let raised = &export.cases[0].events[0].record;
    for field in ["disputed", "evidence", "outcome_sought"] {
        assert_eq!(
            raised["concern"][field]["check_before_release"], true,
            "{field}"
        );
    }
    assert!(marked >= 8, "{marked} passages marked");
    assert!(export.review.contains("check_before_release"));

    // Making it is recorded: in the directory audit, by case reference
    // only, and as a read of each case.
    let audit = store.directory_audit("havering", 50).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.what == "subject_access.export")
        .expect("the export is audited");
    assert_eq!(entry.subject, AuditSubject::Case);
    assert!(!entry.after.to_string().contains("Poppy"));
    assert_eq!(
        entry.after["cases"],
        serde_json::json!(["HAV-2025-0101", "HAV-2025-0102"])
    );
    let reads = store.reads_of(&case_id("HAV-2025-0102")).await.unwrap();
    assert!(
        reads
            .iter()
            .any(|r| r.person == team.id && r.purpose == "subject access")
    );

    // A professional's export: every case they took part in, every child
    // withheld.
    let practitioner = PersonId::parse("hav-health-practitioner").unwrap();
    let theirs = store
        .subject_access(
            "havering",
            &DataSubject::Professional(practitioner),
            &team.id,
            now,
        )
        .await
        .unwrap();
    let ids: Vec<&str> = theirs.cases.iter().map(|c| c.case.as_str()).collect();
    for id in ["HAV-2025-0101", "HAV-2025-0102", "HAV-2025-0103"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let text = serde_json::to_string(&theirs).unwrap();
    for child in ["Poppy", "Alfie", "Ruby"] {
        assert!(
            !text.contains(&format!("\"name\":\"{child}")),
            "{child} is named"
        );
    }
}
