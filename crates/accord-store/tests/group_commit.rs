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
use common::{Backend, Refused, TestDb, sample::*};

both_backends_on_one_thread!(
    commands_arriving_together_share_a_commit_and_fail_alone,
    a_panicking_build_fails_its_own_raise_and_the_queue_goes_on,
    a_command_whose_read_cannot_be_logged_writes_nothing,
);

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

/// README: a command's change and the read of its answer are written in
/// one transaction. The database is made to refuse one purpose's rows in
/// the access log; a discussion and a raise read under that purpose then
/// write nothing at all (no event, no projection, no case number), while a
/// discussion queued beside them in the same group is written.
async fn a_command_whose_read_cannot_be_logged_writes_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let refuse = match backend {
        Backend::Sqlite => {
            "CREATE TRIGGER refuse_read BEFORE INSERT ON access_log \
             WHEN NEW.purpose = 'test: refused' \
             BEGIN SELECT RAISE(ABORT, 'the test refuses this read'); END;"
        }
        Backend::Postgres => {
            "CREATE FUNCTION refuse_read() RETURNS trigger AS $$ BEGIN \
             IF NEW.purpose = 'test: refused' THEN \
             RAISE EXCEPTION 'the test refuses this read'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER refuse_read BEFORE INSERT ON access_log \
             FOR EACH ROW EXECUTE FUNCTION refuse_read();"
        }
    };
    db.raw(refuse).await.unwrap();
    let now = at("2026-03-02T10:00:00Z");
    let refused_case = store.append(None, &raise("TXN-1", now)).await.unwrap().case;
    let other_case = store.append(None, &raise("TXN-2", now)).await.unwrap().case;
    let events_before = store.event_count().await.unwrap();
    let reader = health_visitor().person;

    let refused = {
        let (store, case, reader) = (store.clone(), refused_case.clone(), reader.clone());
        tokio::spawn(async move {
            let events = discussion(&case, now, "Never recorded.");
            let by = Reader {
                person: &reader,
                purpose: "test: refused",
            };
            store.append_read(Some(case.version()), &events, by).await
        })
    };
    let written = {
        let (store, case, reader) = (store.clone(), other_case.clone(), reader.clone());
        tokio::spawn(async move {
            let events = discussion(&case, now, "Recorded.");
            let by = Reader {
                person: &reader,
                purpose: "test: written",
            };
            store.append_read(Some(case.version()), &events, by).await
        })
    };
    let refused_raise = {
        let (store, reader) = (store.clone(), reader.clone());
        tokio::spawn(async move {
            let by = Reader {
                person: &reader,
                purpose: "test: refused",
            };
            store
                .raise(
                    "TXN",
                    2026,
                    move |id| Ok::<_, Refused>(raise(id.as_str(), now)),
                    Some(by),
                )
                .await
        })
    };
    let outcome = refused.await.unwrap();
    assert!(
        matches!(outcome, Err(AppendError::Store(_))),
        "the command fails with its read: {outcome:?}"
    );
    let outcome = refused_raise.await.unwrap();
    assert!(
        matches!(outcome, Err(Refused::Append(AppendError::Store(_)))),
        "the raise fails with its read: {outcome:?}"
    );
    let appended = written
        .await
        .unwrap()
        .expect("the other command is written");

    let per_discussion = discussion(&refused_case, now, "x").len() as u64;
    assert_eq!(
        store.event_count().await.unwrap(),
        events_before + per_discussion,
        "only the other command's events were written"
    );
    let stored = store.load_case(refused_case.id()).await.unwrap().unwrap();
    assert_eq!(stored.version(), refused_case.version());
    let row = store
        .all_cases()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.case == *refused_case.id())
        .unwrap();
    assert_eq!(row.version, refused_case.version(), "nor its projection");
    assert!(store.reads_of(refused_case.id()).await.unwrap().is_empty());
    assert_eq!(
        appended.case.version().get(),
        other_case.version().get() + per_discussion
    );
    assert_eq!(store.reads_of(other_case.id()).await.unwrap().len(), 1);
    // The refused raise used no number.
    let (raised, _) = store
        .raise(
            "TXN",
            2026,
            move |id| Ok::<_, Refused>(raise(id.as_str(), now)),
            None,
        )
        .await
        .unwrap();
    assert_eq!(raised.case.id().as_str(), "TXN-2026-0001");
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
