//! `accord demo seed` at the storage layer, on both backends: the demo's
//! directory and every demo case go into a fresh database with their
//! projections (the register at every stage, the overdue cases in the
//! deadline index, the notifications in the outbox), and seeding again adds
//! nothing and leaves the chain intact (issue 3, "It is idempotent").

#[macro_use]
mod common;

use std::collections::{BTreeSet, HashSet};

use accord_case::{Case, EventBody, Status};
use accord_demo::Demo;
use accord_store::{Directory, DirectoryError, Verification};
use common::{Backend, TestDb, projections, sample::*};
use jiff::{Timestamp, ToSpan};

both_backends!(
    seeding_the_demo_stores_every_case_with_its_projections,
    seeding_again_later_adds_nothing_and_the_chain_verifies,
    the_directory_is_upserted_and_refuses_what_does_not_fit,
);

/// Monday 2 June 2025, 10:30 BST: an ordinary working morning.
fn now() -> Timestamp {
    at("2025-06-02T09:30:00Z")
}

fn demo_at(now: Timestamp) -> Demo {
    let (calendars, policies) = world();
    accord_demo::demo(now, calendars, policies).unwrap_or_else(|e| panic!("the demo: {e}"))
}

fn folded(demo: &Demo) -> Vec<Case> {
    demo.cases
        .iter()
        .map(|c| Case::fold(&c.events).unwrap_or_else(|e| panic!("{}: {e}", c.id)))
        .collect()
}

fn intact_count(v: Verification) -> u64 {
    match v {
        Verification::Intact { events, .. } => events,
        Verification::Broken(b) => panic!("the chain is broken: {b}"),
    }
}

/// The partnership's records from the demo, in the store's order (by id).
fn demo_directory(demo: &Demo, partnership: &str) -> (Vec<String>, Vec<String>) {
    let mut agencies: Vec<String> = demo
        .agencies
        .iter()
        .filter(|a| a.partnership == partnership)
        .map(|a| a.id.to_string())
        .collect();
    agencies.sort();
    let mut people: Vec<String> = demo
        .people
        .iter()
        .filter(|p| p.partnership == partnership)
        .map(|p| p.id.to_string())
        .collect();
    people.sort();
    (agencies, people)
}

async fn seeding_the_demo_stores_every_case_with_its_projections(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let demo = demo_at(now());
    let seeded = store.seed((&demo).into()).await.unwrap();

    let ids: Vec<_> = demo.cases.iter().map(|c| c.id.clone()).collect();
    assert_eq!(seeded.added, ids);
    assert!(seeded.skipped.is_empty());
    let total: usize = demo.cases.iter().map(|c| c.events.len()).sum();
    assert_eq!(seeded.events, total as u64);
    assert_eq!(store.event_count().await.unwrap(), total as u64);

    // Every case's stream, exactly as the demo made it.
    for case in &demo.cases {
        assert_eq!(
            store.load(&case.id).await.unwrap(),
            case.events,
            "{}",
            case.id
        );
    }

    // The register lists every case not closed or withdrawn, at its stage
    // as the policy names it.
    let cases = folded(&demo);
    let expected: HashSet<_> = cases
        .iter()
        .filter(|c| !c.status().is_closed())
        .map(|c| (c.id().clone(), c.stage(), c.status()))
        .collect();
    let register = store.register().await.unwrap();
    let listed: HashSet<_> = register
        .iter()
        .map(|e| (e.case.clone(), e.stage, e.status))
        .collect();
    assert_eq!(listed, expected);
    assert!(register.iter().any(|e| e.status == Status::Resolved));
    for entry in &register {
        let policy = world()
            .1
            .iter()
            .find(|p| p.id == entry.policy)
            .expect("a built-in policy");
        let stage = policy
            .track(&entry.track)
            .and_then(|t| t.stage(entry.stage))
            .expect("the stage is in the policy");
        assert_eq!(entry.stage_name, stage.name, "{}", entry.case);
    }
    // Closed and withdrawn cases are stored too, off the register.
    assert_eq!(store.all_cases().await.unwrap().len(), demo.cases.len());

    // The overdue cases are exactly those due before `now`.
    let overdue: BTreeSet<_> = cases
        .iter()
        .filter(|c| c.is_overdue(now()))
        .map(|c| c.id().clone())
        .collect();
    assert!(!overdue.is_empty(), "the demo has overdue cases");
    let due_before: BTreeSet<_> = store
        .deadlines_before(now())
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.case)
        .collect();
    assert_eq!(due_before, overdue);

    // The outbox holds every notification the demo's events call for.
    let notices: BTreeSet<_> = demo
        .cases
        .iter()
        .flat_map(|c| &c.events)
        .filter(|e| matches!(e.body, EventBody::NotificationDue(_)))
        .map(|e| (e.case.clone(), e.sequence))
        .collect();
    assert!(!notices.is_empty(), "the demo has notifications");
    let outbox: BTreeSet<_> = store
        .pending_notifications(u32::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.case, n.event))
        .collect();
    assert_eq!(outbox, notices);

    // The directory reads back as the demo wrote it.
    let mut partnerships = demo.partnerships.clone();
    partnerships.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(store.partnerships().await.unwrap(), partnerships);
    for p in &demo.partnerships {
        let (agencies, people) = demo_directory(&demo, &p.id);
        let stored_agencies = store.agencies(&p.id).await.unwrap();
        let stored_people = store.people(&p.id).await.unwrap();
        let agency_ids: Vec<String> = stored_agencies.iter().map(|a| a.id.to_string()).collect();
        let person_ids: Vec<String> = stored_people.iter().map(|p| p.id.to_string()).collect();
        assert_eq!(agency_ids, agencies);
        assert_eq!(person_ids, people);
        for person in &stored_people {
            assert_eq!(Some(person), demo.person(&person.id));
        }
        for agency in &stored_agencies {
            assert!(demo.agencies.contains(agency), "{}", agency.id);
        }
    }
    assert!(
        store
            .people("no-such-partnership")
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(intact_count(store.verify().await.unwrap()), total as u64);
}

/// The demo is built from the clock, so a second seed a few days later has
/// the same ids at later times: every case is skipped, nothing is added to
/// the log or its projections, and the chain still verifies.
async fn seeding_again_later_adds_nothing_and_the_chain_verifies(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let first = store.seed((&demo_at(now())).into()).await.unwrap();
    let events = store.event_count().await.unwrap();
    let before = projections(&store).await;

    let later = demo_at(now().checked_add(72.hours()).unwrap());
    assert_ne!(later.cases[0].events, demo_at(now()).cases[0].events);
    let again = store.seed((&later).into()).await.unwrap();
    assert!(again.added.is_empty(), "added {:?}", again.added);
    assert_eq!(again.skipped, first.added);
    assert_eq!(again.events, 0);
    assert_eq!(store.event_count().await.unwrap(), events);
    assert_eq!(projections(&store).await, before);
    assert_eq!(intact_count(store.verify().await.unwrap()), events);

    // A store reopened on the same database sees the same.
    store.close().await;
    let store = db.open().await;
    let third = store.seed((&later).into()).await.unwrap();
    assert!(third.added.is_empty());
    assert_eq!(store.event_count().await.unwrap(), events);

    // A demo case someone else already raised is left as it is, and the
    // rest are added.
    let fresh = TestDb::new(backend).await;
    let store = fresh.open().await;
    let demo = demo_at(now());
    let taken = &demo.cases[1];
    store.append(None, &taken.events).await.unwrap();
    let seeded = store.seed((&demo).into()).await.unwrap();
    assert_eq!(seeded.skipped, vec![taken.id.clone()]);
    assert_eq!(seeded.added.len(), demo.cases.len() - 1);
    assert_eq!(
        intact_count(store.verify().await.unwrap()),
        store.event_count().await.unwrap()
    );
}

async fn the_directory_is_upserted_and_refuses_what_does_not_fit(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let demo = demo_at(now());
    store
        .put_directory(
            (&demo).into(),
            &accord_store::ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();

    // Writing a record again replaces it.
    let mut moved = demo.people[0].clone();
    moved.job_title = "Advanced practitioner".into();
    store
        .put_directory(
            Directory {
                partnerships: &[],
                agencies: &[],
                people: std::slice::from_ref(&moved),
            },
            &accord_store::ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let people = store.people(&moved.partnership).await.unwrap();
    assert_eq!(people.iter().find(|p| p.id == moved.id), Some(&moved));
    assert_eq!(
        people.len(),
        demo_directory(&demo, &moved.partnership).1.len()
    );

    // A person whose agency is in another partnership is refused, and
    // nothing of that write is kept.
    let other = demo
        .agencies
        .iter()
        .find(|a| a.partnership != moved.partnership)
        .unwrap();
    let mut stray = demo.people[1].clone();
    stray.agency = other.id.clone();
    let mut renamed = demo.partnerships[0].clone();
    renamed.name = "Renamed partnership".into();
    let err = store
        .put_directory(
            Directory {
                partnerships: std::slice::from_ref(&renamed),
                agencies: &[],
                people: std::slice::from_ref(&stray),
            },
            &accord_store::ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap_err();
    let DirectoryError::Refused { record, reason } = &err else {
        panic!("expected a refusal, got {err}");
    };
    assert_eq!(record, &format!("person {}", stray.id));
    assert!(reason.contains("agency"), "{reason}");
    assert!(!err.to_string().contains(&stray.name), "no names: {err}");
    let stored = store.partnerships().await.unwrap();
    assert!(stored.iter().all(|p| p.name != renamed.name));

    // A sign-in name is one person's.
    let mut twin = demo.people[2].clone();
    twin.id = accord_case::PersonId::parse("someone-new").unwrap();
    let err = store
        .put_directory(
            Directory {
                partnerships: &[],
                agencies: &[],
                people: std::slice::from_ref(&twin),
            },
            &accord_store::ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DirectoryError::Refused { reason, .. } if reason.contains("sign-in name")),
        "{err}"
    );
}
