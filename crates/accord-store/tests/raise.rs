//! Raising through the store, on both backends: case ids are issued per
//! partnership prefix and year, in order and without gaps, in the same
//! transaction as the raise; a refused raise uses no number; concurrent
//! raises never share one. And the register the access rules read: one
//! partnership's cases only, each with who is involved, recomputed for rows
//! written before that was kept.

#[macro_use]
mod common;

use std::collections::BTreeSet;

use accord_store::AppendError;
use common::{Backend, Refused, TestDb, sample::*};

both_backends!(
    case_ids_are_issued_in_order_per_prefix_and_year,
    a_refused_raise_writes_nothing_and_uses_no_number,
    concurrent_raises_never_share_an_id,
    the_register_of_a_partnership_holds_only_its_cases,
    rows_from_before_involvement_was_kept_are_recomputed_on_open,
);

async fn raise_as(store: &accord_store::Store, prefix: &str, year: i16) -> String {
    store
        .raise(
            prefix,
            year,
            |id| Ok::<_, Refused>(raise(id.as_str(), at("2026-03-02T10:00:00Z"))),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("the raise is stored: {e:?}"))
        .0
        .case
        .id()
        .to_string()
}

async fn case_ids_are_issued_in_order_per_prefix_and_year(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    assert_eq!(raise_as(&store, "HAV", 2026).await, "HAV-2026-0001");
    assert_eq!(raise_as(&store, "HAV", 2026).await, "HAV-2026-0002");
    // Each partnership and each year counts from one.
    assert_eq!(raise_as(&store, "SUT", 2026).await, "SUT-2026-0001");
    assert_eq!(raise_as(&store, "HAV", 2027).await, "HAV-2027-0001");
    assert_eq!(raise_as(&store, "HAV", 2026).await, "HAV-2026-0003");
    let registered: Vec<String> = store
        .register()
        .await
        .unwrap()
        .iter()
        .map(|e| e.case.to_string())
        .collect();
    assert_eq!(registered.len(), 5);
}

async fn a_refused_raise_writes_nothing_and_uses_no_number(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    assert_eq!(raise_as(&store, "HAV", 2026).await, "HAV-2026-0001");
    let reader = accord_store::Reader {
        person: &health_visitor().person,
        purpose: "test: raised",
    };
    let refused = store
        .raise(
            "HAV",
            2026,
            |id| {
                assert_eq!(id.as_str(), "HAV-2026-0002");
                Err::<Vec<accord_case::Event>, _>(Refused::OnPurpose)
            },
            Some(reader),
        )
        .await;
    assert!(matches!(refused, Err(Refused::OnPurpose)), "{refused:?}");
    assert_eq!(
        store.event_count().await.unwrap(),
        raise("x", now()).len() as u64
    );
    assert_eq!(raise_as(&store, "HAV", 2026).await, "HAV-2026-0002");

    // A prefix that cannot make an id is refused before anything is built.
    let bad = store
        .raise("H A V", 2026, |_| Ok::<_, Refused>(Vec::new()), None)
        .await;
    assert!(
        matches!(&bad, Err(Refused::Append(AppendError::Invalid { reason, .. })) if reason.contains("prefix")),
        "{bad:?}"
    );
}

fn now() -> jiff::Timestamp {
    at("2026-03-02T10:00:00Z")
}

async fn concurrent_raises_never_share_an_id(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let store = store.clone();
        tasks.push(tokio::spawn(
            async move { raise_as(&store, "PLY", 2026).await },
        ));
    }
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap());
    }
    let expected: BTreeSet<String> = (1..=12).map(|n| format!("PLY-2026-{n:04}")).collect();
    assert_eq!(ids, expected);
}

async fn the_register_of_a_partnership_holds_only_its_cases(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, policies) = world();
    let demo = accord_demo::demo(at("2025-06-02T09:30:00Z"), calendars, policies).unwrap();
    store.seed((&demo).into()).await.unwrap();

    let everyone = store.register().await.unwrap();
    for partnership in &demo.partnerships {
        let own = store.register_of(&partnership.id).await.unwrap();
        assert!(!own.is_empty(), "{} has open cases", partnership.id);
        let prefix = format!("{}-", partnership.case_prefix);
        for entry in &own {
            assert!(entry.case.as_str().starts_with(&prefix), "{}", entry.case);
        }
        let expected: Vec<_> = everyone
            .iter()
            .filter(|e| e.case.as_str().starts_with(&prefix))
            .cloned()
            .collect();
        assert_eq!(own, expected, "{}", partnership.id);
    }
    assert!(store.register_of("nowhere").await.unwrap().is_empty());

    // Each entry carries who is involved, as the folded case says.
    for entry in &everyone {
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        let policy = policies
            .iter()
            .find(|p| p.id == *case.policy() && p.version == case.policy_version())
            .unwrap();
        assert_eq!(
            entry.involvement,
            case.involvement(policy),
            "{}",
            entry.case
        );
        assert!(entry.involvement.people.contains(&case.raised_by().person));
    }
}

async fn rows_from_before_involvement_was_kept_are_recomputed_on_open(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let id = raise_as(&store, "HAV", 2026).await;
    let before = store.register().await.unwrap();
    store.close().await;
    db.raw("UPDATE case_register SET involvement = NULL")
        .await
        .unwrap();

    let store = db.open().await;
    let after = store.register().await.unwrap();
    assert_eq!(after, before, "{id}");
    assert!(!after[0].involvement.people.is_empty());
}
