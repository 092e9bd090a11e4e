//! Group commit (issue 18), on both backends: commands and case reads that
//! arrive together share one transaction and one commit, yet each is
//! decided against the latest state on its own. A command that conflicts
//! with one before it in the same group, or a raise whose `build` refuses,
//! fails alone; the rest of its group is written, and the log verifies.
//!
//! Each test runs on a one-thread runtime, so every task spawned has queued
//! its piece before the first group is taken: the sharing is certain, not
//! a matter of timing.

#[macro_use]
mod common;

use accord_store::{AppendError, Reader, Verification};
use common::{Backend, TestDb, sample::*};

#[tokio::test]
async fn sqlite_commands_arriving_together_share_a_commit_and_fail_alone() {
    commands_arriving_together_share_a_commit_and_fail_alone(Backend::Sqlite).await
}

#[tokio::test]
async fn postgres_commands_arriving_together_share_a_commit_and_fail_alone() {
    commands_arriving_together_share_a_commit_and_fail_alone(Backend::Postgres).await
}

#[tokio::test]
async fn sqlite_a_panicking_build_fails_its_own_raise_and_the_queue_goes_on() {
    a_panicking_build_fails_its_own_raise_and_the_queue_goes_on(Backend::Sqlite).await
}

#[tokio::test]
async fn postgres_a_panicking_build_fails_its_own_raise_and_the_queue_goes_on() {
    a_panicking_build_fails_its_own_raise_and_the_queue_goes_on(Backend::Postgres).await
}

/// A raise whose `build` panics, queued between two appends: the panic
/// reaches its own caller, the appends on either side are written, and the
/// store goes on taking commands.
async fn a_panicking_build_fails_its_own_raise_and_the_queue_goes_on(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let now = at("2026-03-02T10:00:00Z");
    let first = {
        let store = store.clone();
        tokio::spawn(async move { store.append(None, &raise("PAN-1", now)).await })
    };
    let panicking = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .raise(
                    "PAN",
                    2026,
                    |_| -> Result<Vec<accord_case::Event>, Refused> {
                        panic!("a build that panics")
                    },
                    None,
                )
                .await
        })
    };
    let second = {
        let store = store.clone();
        tokio::spawn(async move { store.append(None, &raise("PAN-2", now)).await })
    };
    assert!(first.await.unwrap().is_ok());
    let panicked = panicking.await.expect_err("the raise's caller panics");
    assert!(panicked.is_panic());
    assert!(second.await.unwrap().is_ok());
    let third = store.append(None, &raise("PAN-3", now)).await;
    assert!(third.is_ok(), "the store goes on: {third:?}");
    let raised = store
        .raise(
            "PAN",
            2026,
            move |id| Ok::<_, Refused>(raise(id.as_str(), now)),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        raised.0.case.id().as_str(),
        "PAN-2026-0001",
        "the panicked raise's number was not used"
    );
}

/// Why a test raise's `build` refused.
#[derive(Debug)]
enum Refused {
    OnPurpose,
    Append(#[allow(dead_code, reason = "read through Debug when a raise fails")] AppendError),
}

impl From<AppendError> for Refused {
    fn from(e: AppendError) -> Self {
        Refused::Append(e)
    }
}

async fn commands_arriving_together_share_a_commit_and_fail_alone(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let now = at("2026-03-02T10:00:00Z");
    let mut cases = Vec::new();
    for i in 0..20 {
        let raised = store
            .append(None, &raise(&format!("GRP-{i}"), now))
            .await
            .unwrap();
        cases.push(raised.case);
    }
    let before = store.group_figures();
    let events_before = store.event_count().await.unwrap();
    let reader = health_visitor().person;

    // Twenty discussions, one on each case; five more on the first five
    // cases decided against the same version, so each of those five
    // conflicts with the discussion queued before it; a raise whose build
    // refuses; a raise that succeeds; and ten reads.
    let mut discussions = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let (store, case) = (store.clone(), case.clone());
        let reader = reader.clone();
        discussions.push(tokio::spawn(async move {
            let events = discussion(&case, now, &format!("Discussion {i}."));
            let by = Reader {
                person: &reader,
                purpose: "test: group commit",
            };
            store.append_read(Some(case.version()), &events, by).await
        }));
    }
    let mut stale = Vec::new();
    for case in cases.iter().take(5) {
        let (store, case) = (store.clone(), case.clone());
        stale.push(tokio::spawn(async move {
            let events = discussion(&case, now, "Decided on what was read before.");
            store.append(Some(case.version()), &events).await
        }));
    }
    let refused = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .raise(
                    "GRP",
                    2026,
                    |_| Err::<Vec<accord_case::Event>, _>(Refused::OnPurpose),
                    None,
                )
                .await
        })
    };
    let raised = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .raise(
                    "GRP",
                    2026,
                    move |id| Ok::<_, Refused>(raise(id.as_str(), now)),
                    None,
                )
                .await
        })
    };
    let mut reads = Vec::new();
    for case in cases.iter().skip(10) {
        let (store, id, reader) = (store.clone(), case.id().clone(), reader.clone());
        reads.push(tokio::spawn(async move {
            store
                .record_read(&id, &reader, now, "test: read in a group")
                .await
        }));
    }

    for task in discussions {
        task.await.unwrap().expect("each discussion is written");
    }
    for task in stale {
        let outcome = task.await.unwrap();
        assert!(
            matches!(outcome, Err(AppendError::Conflict(_))),
            "a command decided against an old version conflicts: {outcome:?}"
        );
    }
    let outcome = refused.await.unwrap();
    assert!(matches!(outcome, Err(Refused::OnPurpose)), "{outcome:?}");
    let (appended, events) = raised.await.unwrap().expect("the raise is written");
    // The refused raise's number was rolled back with it and issued again.
    assert_eq!(appended.case.id().as_str(), "GRP-2026-0001");
    for task in reads {
        task.await.unwrap().expect("each read is logged");
    }

    let after = store.group_figures();
    let pieces = after.pieces - before.pieces;
    let transactions = after.transactions - before.transactions;
    assert_eq!(
        pieces,
        20 + 5 + 2 + 10,
        "every piece went through the queue"
    );
    assert!(
        transactions < pieces,
        "pieces queued together share transactions: {transactions} for {pieces}"
    );

    let per_discussion = discussion(&cases[0], now, "x").len() as u64;
    assert_eq!(
        store.event_count().await.unwrap(),
        events_before + 20 * per_discussion + events.len() as u64,
        "the conflicting and refused pieces wrote nothing, the rest everything"
    );
    for case in &cases {
        let stored = store.load_case(case.id()).await.unwrap().unwrap();
        assert_eq!(
            stored.version().get(),
            case.version().get() + per_discussion,
            "{}",
            case.id()
        );
    }
    for case in cases.iter().skip(10) {
        let reads = store.reads_of(case.id()).await.unwrap();
        assert!(
            reads.iter().any(|r| r.purpose == "test: read in a group"),
            "{}",
            case.id()
        );
    }
    for case in cases.iter().take(10) {
        let reads = store.reads_of(case.id()).await.unwrap();
        assert_eq!(
            reads
                .iter()
                .filter(|r| r.purpose == "test: group commit")
                .count(),
            1,
            "the read of a command's answer joins its commit: {}",
            case.id()
        );
    }
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
}
