//! `GET /api/v1/register` and `GET /api/v1/me/deadlines` over the real
//! server on the seeded demo: each lists only what the access rules let the
//! reader see, overdue first.

mod common;

use std::collections::BTreeSet;

use accord_calendar::{Calendars, WorkingDays};
use common::{TestApp, sign_in, spawn_app_with_demo};
use jiff::Timestamp;
use serde_json::{Value, json};

async fn list_as(app: &TestApp, who: &str, path: &str) -> Vec<Value> {
    let session = sign_in(app, who).await;
    let response = session
        .on(app.client.get(app.url(path)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{who} GET {path}");
    let body: Value = response.json().await.unwrap();
    body["cases"].as_array().unwrap().clone()
}

fn ids(cases: &[Value]) -> BTreeSet<String> {
    cases
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Overdue first, then by due, those without a deadline last.
fn assert_ordered(cases: &[Value]) {
    let key = |c: &Value| {
        let due = c["due"].as_str().map(|d| d.parse::<Timestamp>().unwrap());
        (!c["overdue"].as_bool().unwrap(), due.is_none(), due)
    };
    for pair in cases.windows(2) {
        assert!(
            key(&pair[0]) <= key(&pair[1]),
            "{} before {}",
            pair[0],
            pair[1]
        );
    }
}

#[tokio::test]
async fn the_chair_sees_their_partnerships_open_cases_and_no_others() {
    let (app, state) = spawn_app_with_demo().await;
    let now = state.now();
    let register = state.store().register().await.unwrap();
    let havering: BTreeSet<String> = register
        .iter()
        .filter(|e| e.case.as_str().starts_with("HAV-"))
        .map(|e| e.case.as_str().to_owned())
        .collect();
    assert!(!havering.is_empty());

    let cases = list_as(&app, "hav-chair", "/api/v1/register").await;
    assert_eq!(ids(&cases), havering);
    assert_ordered(&cases);
    for case in &cases {
        let entry = register
            .iter()
            .find(|e| e.case.as_str() == case["id"])
            .unwrap();
        assert_eq!(case["policy"], entry.policy.as_str());
        assert_eq!(case["track"], entry.track.as_str());
        assert_eq!(case["stage"], entry.stage.get());
        assert_eq!(case["stage_name"], entry.stage_name.as_str());
        assert_eq!(
            case["parties"],
            json!([entry.raising_agency.as_str(), entry.other_agency.as_str()])
        );
        // Only an open case's clock runs: a resolved one awaits confirmation.
        let open = entry.status == accord_case::Status::Open;
        assert_eq!(case["overdue"], open && entry.due.is_some_and(|d| d <= now));
        // Issue 14 §9: the API agrees with `accord register` that a resolved
        // case is "resolved, awaiting confirmation", with no due date.
        if open {
            assert_eq!(case["due"], json!(entry.due.map(|d| d.to_string())));
        } else {
            assert_eq!(case["status"], "resolved");
            assert_eq!(case["due"], Value::Null, "{case}");
        }
        assert_ne!(case["status"], "closed");
        assert_ne!(case["status"], "withdrawn");
    }
    let sutton = list_as(&app, "sut-chair", "/api/v1/register").await;
    assert!(!sutton.is_empty());
    assert!(ids(&sutton).iter().all(|id| id.starts_with("SUT-")));
}

#[tokio::test]
async fn a_manager_sees_only_cases_involving_their_agency_and_admin_sees_none() {
    let (app, state) = spawn_app_with_demo().await;
    let expected: BTreeSet<String> = state
        .store()
        .register()
        .await
        .unwrap()
        .iter()
        .filter(|e| {
            e.raising_agency.as_str() == "hav-police" || e.other_agency.as_str() == "hav-police"
        })
        .map(|e| e.case.as_str().to_owned())
        .collect();
    assert!(!expected.is_empty());
    let cases = list_as(&app, "hav-police-manager", "/api/v1/register").await;
    assert_eq!(ids(&cases), expected);
    assert!(
        list_as(&app, "hav-admin", "/api/v1/register")
            .await
            .is_empty()
    );
    assert!(
        list_as(&app, "hav-admin", "/api/v1/me/deadlines")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_register_filters_by_stage_agency_and_overdue() {
    let (app, _state) = spawn_app_with_demo().await;
    let all = list_as(&app, "hav-chair", "/api/v1/register").await;
    let by = |f: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        ids(&all.iter().filter(|c| f(c)).cloned().collect::<Vec<_>>())
    };
    let overdue = list_as(&app, "hav-chair", "/api/v1/register?overdue=true").await;
    assert_eq!(ids(&overdue), by(&|c| c["overdue"] == true));
    let stage = list_as(&app, "hav-chair", "/api/v1/register?stage=1").await;
    assert_eq!(ids(&stage), by(&|c| c["stage"] == 1));
    let agency = list_as(&app, "hav-chair", "/api/v1/register?agency=hav-school").await;
    assert_eq!(
        ids(&agency),
        by(&|c| c["parties"]
            .as_array()
            .unwrap()
            .contains(&json!("hav-school")))
    );
    assert!(!agency.is_empty() && agency.len() < all.len());
    let both = list_as(
        &app,
        "hav-chair",
        "/api/v1/register?stage=1&agency=hav-school",
    )
    .await;
    assert_eq!(
        ids(&both),
        ids(&stage).intersection(&ids(&agency)).cloned().collect()
    );
    let chair = sign_in(&app, "hav-chair").await;
    let bad = chair
        .on(app.client.get(app.url("/api/v1/register?stage=first")))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn my_deadlines_are_the_visible_open_cases_due_within_five_working_days_or_overdue() {
    let (app, state) = spawn_app_with_demo().await;
    let now = state.now();
    let calendars = Calendars::builtin();
    let register = state.store().register().await.unwrap();
    for who in ["hav-chair", "hav-police-manager", "sut-chair"] {
        let visible = list_as(&app, who, "/api/v1/register").await;
        let expected: BTreeSet<String> = visible
            .iter()
            .filter(|c| c["status"] == "open")
            .filter(|c| {
                let entry = register
                    .iter()
                    .find(|e| e.case.as_str() == c["id"])
                    .unwrap();
                let Some(due) = entry.due else { return false };
                let policies = state.policies();
                let policy = policies.iter().find(|p| p.id == entry.policy).unwrap();
                let calendar = calendars.get(&policy.calendar).unwrap();
                let tz = calendar.time_zone();
                let last = calendar
                    .add_working_days(tz.to_datetime(now).date(), WorkingDays::new(5).unwrap());
                due <= now
                    || tz
                        .to_datetime(due - jiff::SignedDuration::from_secs(1))
                        .date()
                        <= last
            })
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        let mine = list_as(&app, who, "/api/v1/me/deadlines").await;
        assert_eq!(ids(&mine), expected, "{who}");
        assert_ordered(&mine);
        if who == "hav-chair" {
            assert!(!mine.is_empty(), "the demo has Havering deadlines");
            assert!(mine.len() < visible.len(), "not every case is due soon");
        }
    }
}

/// Issue 14 §7: the register's CSV writes dates as spreadsheets sort them
/// (`2026-11-25`, not "Wednesday 25 November 2026"), a case due "as soon
/// as possible" with no date, and every row parses as RFC 4180.
#[tokio::test]
async fn the_register_csv_writes_sortable_dates() {
    let (app, _state) = common::spawn_app_with_demo().await;
    let team = common::sign_in(&app, "hav-partnership-team").await;
    let (status, text) = common::page_as(&app, &team, "/register.csv").await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[5], "Raised on");
    assert_eq!(header[6], "Due by the end of");
    let iso = |s: &str| s.parse::<jiff::civil::Date>().is_ok() && s.len() == 10;
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        assert!(iso(&record[5]), "raised on {:?}", &record[5]);
        assert!(
            record[6].is_empty() || iso(&record[6]),
            "due {:?}",
            &record[6]
        );
        rows += 1;
    }
    assert!(rows > 3, "{text}");
}

/// Issue 14 §7: "Due in the next 5 working days" leaves out the fifth day.
/// A Havering case raised now is due by the end of the fifth working day
/// (HAV-2, "within one working week"): it is due in the next five.
#[tokio::test]
async fn a_case_due_on_the_fifth_working_day_is_due_in_the_next_five() {
    let (app, _state) = spawn_app_with_demo().await;
    let practitioner = sign_in(&app, "hav-school-practitioner").await;
    let (status, case) = common::post_as(
        &app,
        &practitioner,
        "/api/v1/cases",
        &common::havering_raise(),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    let (status, soon) = common::get_as(&app, &practitioner, "/api/v1/me/deadlines").await;
    assert_eq!(status, 200, "{soon}");
    let ids: Vec<&str> = soon["cases"]
        .as_array()
        .or_else(|| soon.as_array())
        .expect("a list")
        .iter()
        .filter_map(|c| c["case"].as_str().or_else(|| c["id"].as_str()))
        .collect();
    assert!(ids.contains(&case["id"].as_str().unwrap()), "{soon}");
}

/// Issue 14 §7: "A resolved case shows under 'Awaiting you' with a past due
/// date, not marked resolved." Every resolved case on a Havering manager's
/// My work says it is resolved and awaiting closure, with no due date.
#[tokio::test]
async fn a_resolved_case_on_my_work_says_it_is_resolved() {
    let (app, _state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    let (_, register) = common::get_as(&app, &team, "/api/v1/register").await;
    let resolved: Vec<String> = register["cases"]
        .as_array()
        .or_else(|| register.as_array())
        .expect("a list")
        .iter()
        .filter(|c| c["status"] == "resolved")
        .map(|c| {
            c["id"]
                .as_str()
                .or_else(|| c["case"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        !resolved.is_empty(),
        "the demo has resolved cases: {register}"
    );
    let mut seen = 0;
    for manager in [
        "hav-csc-manager",
        "hav-health-manager",
        "hav-police-manager",
        "hav-school-manager",
    ] {
        let session = sign_in(&app, manager).await;
        let (_, page) = common::page_as(&app, &session, "/my-work").await;
        for id in &resolved {
            let Some(at) = page.find(&format!("/cases/{id}\"")) else {
                continue;
            };
            let row = &page[at..at + page[at..].find("</tr>").unwrap_or(page.len() - at)];
            assert!(
                row.contains("Resolved, awaiting closure"),
                "{manager}, {id}: {row}"
            );
            assert!(!row.contains("due by the end"), "{manager}, {id}: {row}");
            seen += 1;
        }
    }
    assert!(seen > 0, "a manager awaits a resolved case in the demo");
}

/// Issue 14 §7: "A closed case's tracker still says 'Current stage'." A
/// closed or withdrawn demo case's page says where it ended, and no stage
/// is current.
#[tokio::test]
async fn an_ended_case_has_no_current_stage() {
    let (app, state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    let mut ended = Vec::new();
    for n in 1..=30 {
        let id: accord_case::CaseId = format!("HAV-DEMO-{n:04}").parse().unwrap();
        if let Some(case) = state.store().load_case(&id).await.unwrap()
            && matches!(
                case.status(),
                accord_case::Status::Closed | accord_case::Status::Withdrawn
            )
        {
            ended.push(id.to_string());
        }
    }
    assert!(!ended.is_empty(), "the demo has ended cases");
    for id in ended {
        let (_, page) = common::page_as(&app, &team, &format!("/cases/{id}")).await;
        assert!(!page.contains("Current stage"), "{id}: {page}");
        assert!(
            page.contains("Closed at this stage") || page.contains("Withdrawn at this stage"),
            "{id}: {page}"
        );
    }
}

/// Every page of the event feed as `who`, `limit` at a time from the
/// start, with `query` added; checks each page carries on from the last.
async fn feed_as(app: &TestApp, who: &str, query: &str, limit: u32) -> Vec<Value> {
    let session = sign_in(app, who).await;
    let mut after = String::new();
    let mut all: Vec<Value> = Vec::new();
    loop {
        let path = format!("/api/v1/events?limit={limit}&after={after}{query}");
        let response = session
            .on(app.client.get(app.url(&path)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{who} GET {path}");
        let body: Value = response.json().await.unwrap();
        let events = body["events"].as_array().unwrap().clone();
        let next = body["next"].as_str().unwrap().to_owned();
        if events.is_empty() {
            // An empty page keeps the place it was given.
            assert_eq!(next, if after.is_empty() { "0" } else { &after });
            return all;
        }
        assert!(events.len() <= limit as usize);
        assert_eq!(
            next,
            events.last().unwrap()["sequence"]
                .as_u64()
                .unwrap()
                .to_string()
        );
        all.extend(events);
        after = next;
    }
}

/// Issue 19: `GET /api/v1/events` lists what happened to the cases the
/// reader may see, in the order it was recorded, a page at a time, each
/// event saying which case, which version, what kind and when, and
/// nothing of the child.
#[tokio::test]
async fn the_event_feed_lists_what_happened_to_the_cases_the_reader_may_see() {
    let (app, state) = spawn_app_with_demo().await;
    let store = state.store();
    let kind_of = |name: &str| match name {
        "raised" | "escalated" | "resolved" | "withdrawn" | "closed" | "reopened" => {
            Some(name.to_owned())
        }
        "breach_recorded" => Some("deadline_breached".to_owned()),
        _ => None,
    };
    // What each case holds, read from the cases themselves.
    let mut expected: BTreeSet<(String, u64, String)> = BTreeSet::new();
    let mut police: BTreeSet<String> = BTreeSet::new();
    let mut names: Vec<String> = Vec::new();
    for entry in store.all_cases().await.unwrap() {
        if !entry.case.as_str().starts_with("HAV-") {
            continue;
        }
        if [&entry.raising_agency, &entry.other_agency]
            .iter()
            .any(|a| a.as_str() == "hav-police")
        {
            police.insert(entry.case.to_string());
        }
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        names.extend(case.subjects().iter().map(|s| s.name.as_str().to_owned()));
        for event in store.load(&entry.case).await.unwrap() {
            if let Some(kind) = kind_of(event.body.name()) {
                expected.insert((event.case.to_string(), event.sequence.get(), kind));
            }
        }
    }
    let kinds: BTreeSet<&str> = expected.iter().map(|(_, _, k)| k.as_str()).collect();
    assert!(kinds.len() >= 4, "the demo has several kinds: {kinds:?}");
    assert!(!names.is_empty());

    let chair = feed_as(&app, "hav-chair", "", 7).await;
    let sequences: Vec<u64> = chair
        .iter()
        .map(|e| e["sequence"].as_u64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    let listed: BTreeSet<(String, u64, String)> = chair
        .iter()
        .map(|e| {
            (
                e["case"]["reference"].as_str().unwrap().to_owned(),
                e["case"]["version"].as_u64().unwrap(),
                e["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(listed, expected);
    for event in &chair {
        let keys: BTreeSet<&str> = event
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "case",
                "id",
                "kind",
                "occurred_at",
                "partnership",
                "sequence"
            ]
            .into()
        );
        assert_eq!(event["partnership"], "havering");
        assert_eq!(event["id"], format!("evt_{}", event["sequence"]));
        let text = event.to_string();
        for name in &names {
            assert!(!text.contains(name.as_str()), "{text} names {name}");
        }
    }

    // Only the kinds asked for.
    let breaches = feed_as(&app, "hav-chair", "&kind=deadline_breached,closed", 50).await;
    assert!(!breaches.is_empty());
    assert_eq!(
        breaches.len(),
        expected
            .iter()
            .filter(|(_, _, k)| k == "deadline_breached" || k == "closed")
            .count()
    );

    // A police manager hears only of the cases their agency is party to;
    // an administrator, who sees no case, of none; Sutton's chair of
    // Sutton's cases only.
    let manager = feed_as(&app, "hav-police-manager", "", 100).await;
    assert!(!manager.is_empty());
    let theirs: BTreeSet<String> = manager
        .iter()
        .map(|e| e["case"]["reference"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(theirs, police);
    assert!(feed_as(&app, "hav-admin", "", 100).await.is_empty());
    let sutton = feed_as(&app, "sut-chair", "", 100).await;
    assert!(!sutton.is_empty());
    assert!(sutton.iter().all(|e| e["partnership"] == "sutton"));

    // Each bad parameter is named, with what to do instead.
    let session = sign_in(&app, "hav-chair").await;
    for (query, field) in [
        ("kind=breach", "kind"),
        ("after=yesterday", "after"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
    ] {
        let response = session
            .on(app.client.get(app.url(&format!("/api/v1/events?{query}"))))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], field, "{query}: {body}");
    }
}
