//! The storage suite, run unchanged against SQLite and PostgreSQL: each
//! test below is an `async fn(Backend)`, and `both_backends!` instantiates
//! it once per backend, each on a fresh database (DESIGN.md §4).

#[macro_use]
mod common;

use std::sync::Arc;

use accord_case::{EventBody, Occasion, PersonId, Sequence, Status};
use accord_store::{AppendError, Conflict, Problem, Store, Verification};
use common::{Backend, TestDb, projections, sample::*};

both_backends!(
    a_havering_case_is_stored_folded_and_projected,
    a_stale_version_is_a_conflict_and_writes_nothing,
    concurrent_appends_at_one_version_have_one_winner,
    concurrent_writers_lose_no_append,
    a_withdrawn_case_leaves_the_register_and_the_deadlines,
    reads_are_logged,
    a_changed_byte_is_named_by_verify,
    a_changed_field_is_named_by_verify,
    a_deleted_event_is_named_as_missing,
    the_database_refuses_to_edit_events_and_reads,
    rebuild_reproduces_every_projection,
    a_case_under_an_unloaded_policy_is_refused,
    backup,
);

fn seq(n: u64) -> Sequence {
    Sequence::new(n).unwrap()
}

/// Raises `id` and escalates it to Stage 2, one append per command.
async fn raise_and_escalate(store: &Store, id: &str) -> accord_case::Case {
    let raised = store
        .append(None, &raise(id, at("2025-03-03T10:00:00Z")))
        .await
        .unwrap();
    let talk = discussion(
        &raised.case,
        at("2025-03-03T14:00:00Z"),
        "Discussed the referral.",
    );
    let talked = store
        .append(Some(raised.case.version()), &talk)
        .await
        .unwrap();
    let up = escalate(&talked.case, at("2025-03-04T09:00:00Z"));
    store
        .append(Some(talked.case.version()), &up)
        .await
        .unwrap()
        .case
}

/// Havering §2.5 (HAV-5): escalating a looked-after child's case to Stage 2
/// notifies the IRO. The events come back as written, the register names
/// the stage and its leads from the policy, and the outbox holds the IRO's
/// notification with a key derived from its event's hash.
async fn a_havering_case_is_stored_folded_and_projected(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let raised_events = raise("HAV-1", at("2025-03-03T10:00:00Z"));
    let raised = store.append(None, &raised_events).await.unwrap();
    assert_eq!(raised.global, 1..=raised_events.len() as u64);
    let case = raise_and_escalate_from(&store, raised.case).await;

    let events = store.load(&case_id("HAV-1")).await.unwrap();
    assert_eq!(&events[..raised_events.len()], &raised_events[..]);
    assert_eq!(
        store.load_case(&case_id("HAV-1")).await.unwrap(),
        Some(case.clone())
    );
    assert_eq!(store.load_case(&case_id("NONE")).await.unwrap(), None);

    let register = store.register().await.unwrap();
    assert_eq!(register.len(), 1);
    let entry = &register[0];
    let (policy, _) = havering();
    let stage2 = policy.default_track().stage(stage(2)).unwrap();
    assert_eq!(entry.stage, stage(2));
    assert_eq!(entry.stage_name, stage2.name);
    assert_eq!(entry.leads.raising, stage2.leads.raising);
    assert_eq!(entry.leads.other, stage2.leads.other);
    assert_eq!(entry.raising_agency.as_str(), "nhs-trust");
    assert_eq!(entry.other_agency.as_str(), "childrens-social-care");
    assert_eq!(entry.status, Status::Open);
    assert_eq!(entry.version, case.version());
    assert_eq!(entry.due, case.due().instant());

    let deadlines = store.deadlines_before(jiff::Timestamp::MAX).await.unwrap();
    assert_eq!(deadlines.len(), 1);
    assert_eq!(Some(deadlines[0].due), case.due().instant());
    let due = deadlines[0].due;
    assert!(store.deadlines_before(due).await.unwrap().is_empty());

    let outbox = store.pending_notifications(100).await.unwrap();
    let notices: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.body, EventBody::NotificationDue(_)))
        .collect();
    assert_eq!(outbox.len(), notices.len());
    let iro = outbox
        .iter()
        .find(|n| n.recipient.id() == "iro")
        .expect("the IRO is notified at Stage 2");
    assert_eq!(iro.occasion, Occasion::StageEntry);
    assert_eq!(iro.stage, stage(2));
    let keys: std::collections::HashSet<_> = outbox.iter().map(|n| &n.idempotency_key).collect();
    assert_eq!(
        keys.len(),
        outbox.len(),
        "each notification has its own key"
    );

    assert_eq!(
        store.event_count().await.unwrap(),
        events.len() as u64,
        "one stream, so every event is this case's"
    );
    match store.verify().await.unwrap() {
        Verification::Intact { events: n, .. } => assert_eq!(n, events.len() as u64),
        broken => panic!("{broken:?}"),
    }
}

async fn raise_and_escalate_from(store: &Store, case: accord_case::Case) -> accord_case::Case {
    let talk = discussion(&case, at("2025-03-03T14:00:00Z"), "Discussed the referral.");
    let talked = store.append(Some(case.version()), &talk).await.unwrap();
    let up = escalate(&talked.case, at("2025-03-04T09:00:00Z"));
    store
        .append(Some(talked.case.version()), &up)
        .await
        .unwrap()
        .case
}

/// DESIGN.md §4: "A concurrent writer gets a conflict, never a lost update."
async fn a_stale_version_is_a_conflict_and_writes_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let raised = store
        .append(None, &raise("HAV-1", at("2025-03-03T10:00:00Z")))
        .await
        .unwrap();
    let stale = raised.case.clone();
    let first = discussion(&stale, at("2025-03-03T14:00:00Z"), "First discussion.");
    store.append(Some(stale.version()), &first).await.unwrap();
    let count = store.event_count().await.unwrap();

    let second = discussion(&stale, at("2025-03-03T15:00:00Z"), "Second discussion.");
    let err = store
        .append(Some(stale.version()), &second)
        .await
        .unwrap_err();
    let AppendError::Conflict(conflict) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        conflict,
        Conflict {
            case: case_id("HAV-1"),
            expected: Some(stale.version()),
            actual: Some(seq(stale.version().get() + first.len() as u64)),
        }
    );
    assert!(conflict.to_string().contains("reload"));

    // Raising the same case again is a conflict too.
    let err = store
        .append(None, &raise("HAV-1", at("2025-03-05T10:00:00Z")))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AppendError::Conflict(Conflict {
            actual: Some(_),
            ..
        })
    ));
    // Events numbered from the wrong place are refused before any write.
    let err = store.append(None, &second).await.unwrap_err();
    assert!(matches!(err, AppendError::Invalid { .. }), "{err:?}");

    assert_eq!(
        store.event_count().await.unwrap(),
        count,
        "nothing was written"
    );
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
}

/// Many writers append at the same version at once: exactly one wins.
async fn concurrent_appends_at_one_version_have_one_winner(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let raised = store
        .append(None, &raise("HAV-1", at("2025-03-03T10:00:00Z")))
        .await
        .unwrap();
    let case = Arc::new(raised.case);
    let writers = 16;
    let barrier = Arc::new(tokio::sync::Barrier::new(writers));
    let mut tasks = Vec::new();
    for i in 0..writers {
        let (store, case, barrier) = (store.clone(), case.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let events = discussion(&case, at("2025-03-03T14:00:00Z"), &format!("Writer {i}."));
            barrier.wait().await;
            store.append(Some(case.version()), &events).await
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => wins += 1,
            Err(AppendError::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(wins, 1);
    let events = store.load(&case_id("HAV-1")).await.unwrap();
    assert_eq!(events.len() as u64, case.version().get() + 1);
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
}

/// Many writers each keep appending to one case, reloading after each
/// conflict: every version is won by exactly one writer, every append a
/// writer was told succeeded is in the stream, and the chain verifies.
async fn concurrent_writers_lose_no_append(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    store
        .append(None, &raise("HAV-1", at("2025-03-03T10:00:00Z")))
        .await
        .unwrap();
    let (writers, each) = (12, 5);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut won = Vec::new();
            let mut conflicts = 0;
            while won.len() < each {
                let case = store.load_case(&case_id("HAV-1")).await.unwrap().unwrap();
                let summary = format!("Writer {w} append {}.", won.len());
                let events = discussion(&case, at("2025-03-03T14:00:00Z"), &summary);
                match store.append(Some(case.version()), &events).await {
                    Ok(done) => won.push((done.case.version(), summary)),
                    Err(AppendError::Conflict(_)) => conflicts += 1,
                    Err(e) => panic!("{e}"),
                }
            }
            (won, conflicts)
        }));
    }
    let mut won = Vec::new();
    for task in tasks {
        won.extend(task.await.unwrap().0);
    }
    let events = store.load(&case_id("HAV-1")).await.unwrap();
    let mut versions: Vec<_> = won.iter().map(|(v, _)| *v).collect();
    versions.sort();
    versions.dedup();
    assert_eq!(versions.len(), writers * each, "no version was won twice");
    for (version, summary) in &won {
        let event = &events[version.get() as usize - 1];
        let EventBody::DiscussionRecorded { record, .. } = &event.body else {
            panic!("{event:?}")
        };
        assert_eq!(
            record.summary.as_str(),
            summary,
            "the winner's own event is stored"
        );
    }
    let recorded = events
        .iter()
        .filter(|e| matches!(e.body, EventBody::DiscussionRecorded { .. }))
        .count();
    assert_eq!(recorded, writers * each, "no append was lost or doubled");
    match store.verify().await.unwrap() {
        Verification::Intact { events: n, .. } => assert_eq!(n, events.len() as u64),
        broken => panic!("{broken:?}"),
    }
}

/// The register holds every open disagreement; a withdrawn one leaves it
/// and the deadline index but stays in the record.
async fn a_withdrawn_case_leaves_the_register_and_the_deadlines(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    raise_and_escalate(&store, "HAV-1").await;
    let other = store
        .append(None, &raise("HAV-2", at("2025-03-05T10:00:00Z")))
        .await
        .unwrap();
    assert_eq!(store.register().await.unwrap().len(), 2);
    assert_eq!(
        store
            .deadlines_before(jiff::Timestamp::MAX)
            .await
            .unwrap()
            .len(),
        2
    );

    let out = withdraw(&other.case, at("2025-03-06T10:00:00Z"));
    store
        .append(Some(other.case.version()), &out)
        .await
        .unwrap();
    let open: Vec<_> = store
        .register()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.case)
        .collect();
    assert_eq!(open, vec![case_id("HAV-1")]);
    let all = store.all_cases().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].status, Status::Withdrawn);
    let due: Vec<_> = store
        .deadlines_before(jiff::Timestamp::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.case)
        .collect();
    assert_eq!(due, vec![case_id("HAV-1")]);
}

/// DESIGN.md §4: "Reads of a case are logged as well."
async fn reads_are_logged(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    raise_and_escalate(&store, "HAV-1").await;
    let iro = PersonId::parse("iro-1").unwrap();
    let manager = PersonId::parse("bm-1").unwrap();
    let t1 = at("2025-03-05T09:00:00Z");
    let t2 = at("2025-03-05T09:30:00.5Z");
    store
        .record_read(&case_id("HAV-1"), &iro, t1, "case page")
        .await
        .unwrap();
    store
        .record_read(&case_id("HAV-1"), &manager, t2, "register export")
        .await
        .unwrap();
    let reads = store.reads_of(&case_id("HAV-1")).await.unwrap();
    assert_eq!(reads.len(), 2);
    assert_eq!(
        (&reads[0].person, reads[0].at, reads[0].purpose.as_str()),
        (&iro, t1, "case page")
    );
    assert_eq!((&reads[1].person, reads[1].at), (&manager, t2));
    assert!(store.reads_of(&case_id("HAV-2")).await.unwrap().is_empty());
}

/// Writes three cases and returns the store and the number of events.
async fn three_cases(db: &TestDb) -> (Store, u64) {
    let store = db.open().await;
    for id in ["HAV-1", "HAV-2", "HAV-3"] {
        raise_and_escalate(&store, id).await;
    }
    let n = store.event_count().await.unwrap();
    (store, n)
}

/// Changing one byte of one event's hashed bytes with raw SQL (the trigger
/// dropped first, as an attacker with the file would) is found and named.
async fn a_changed_byte_is_named_by_verify(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (store, n) = three_cases(&db).await;
    let target = (n / 2) as i64;
    let mut bytes = db.canonical(target).await;
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    db.overwrite_canonical(target, bytes).await;

    let Verification::Broken(fault) = store.verify().await.unwrap() else {
        panic!("verify missed a changed byte")
    };
    assert_eq!(fault.global_seq, target as u64);
    assert_eq!(fault.problem, Problem::HashMismatch);
    assert_eq!(fault.checked, target as u64 - 1);
    let case = fault.case.clone().unwrap();
    let events = store.load(&case_id(&case)).await.unwrap();
    assert!(!events.is_empty(), "it names the event's real case");
    assert!(
        fault
            .to_string()
            .contains(&format!("event {target} (case {case})"))
    );
}

/// Changing a stored field (how a discussion was held, which its shape
/// keeps in the open) without its hashed bytes is found too: verify
/// re-encodes the fields.
async fn a_changed_field_is_named_by_verify(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (store, _) = three_cases(&db).await;
    let (target,): (i64,) = {
        use sqlx::Connection;
        let q = "SELECT MIN(global_seq) FROM events WHERE event_type = 'discussion_recorded' \
                 AND case_id = 'HAV-2'";
        match backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                sqlx::query_as(q).fetch_one(&mut c).await.unwrap()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
                sqlx::query_as(q).fetch_one(&mut c).await.unwrap()
            }
        }
    };
    let changed = db
        .raw(&format!(
            "{} UPDATE events SET body = replace(body, '\"how\":\"phone\"', '\"how\":\"meeting\"') \
             WHERE global_seq = {target}",
            db.disable_protection()
        ))
        .await
        .unwrap();
    assert!(changed >= 1);
    let Verification::Broken(fault) = store.verify().await.unwrap() else {
        panic!("verify missed a changed field")
    };
    assert_eq!(
        (fault.global_seq, fault.case.as_deref(), &fault.problem),
        (target as u64, Some("HAV-2"), &Problem::ColumnsAltered)
    );
}

/// Deleting an event leaves a gap that verify names; deleting the last
/// one is caught by the chain head.
async fn a_deleted_event_is_named_as_missing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (store, n) = three_cases(&db).await;
    db.raw(&format!(
        "{} DELETE FROM events WHERE global_seq = {n}",
        db.disable_protection()
    ))
    .await
    .unwrap();
    let Verification::Broken(fault) = store.verify().await.unwrap() else {
        panic!("verify missed the last event's removal")
    };
    assert_eq!(fault.global_seq, n);
    assert_eq!(fault.problem, Problem::MissingAtEnd { head: n });

    db.raw("DELETE FROM events WHERE global_seq = 3")
        .await
        .unwrap();
    let Verification::Broken(fault) = store.verify().await.unwrap() else {
        panic!("verify missed a gap")
    };
    assert_eq!(fault.global_seq, 3);
    assert_eq!(fault.problem, Problem::Missing { next: 4 });
    assert!(fault.to_string().contains("event 3 is missing"), "{fault}");
}

/// DESIGN.md §4: "Nothing is edited or deleted in place." The database
/// itself refuses it through an ordinary connection.
async fn the_database_refuses_to_edit_events_and_reads(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (store, n) = three_cases(&db).await;
    store
        .record_read(
            &case_id("HAV-1"),
            &PersonId::parse("p").unwrap(),
            at("2025-03-05T09:00:00Z"),
            "x",
        )
        .await
        .unwrap();
    let mut refused = vec![
        "UPDATE events SET at = '2020-01-01T00:00:00Z' WHERE global_seq = 1",
        "DELETE FROM events WHERE global_seq = 1",
        "UPDATE access_log SET person_id = 'someone-else'",
        "DELETE FROM access_log",
    ];
    if backend == Backend::Postgres {
        refused.extend(["TRUNCATE events", "TRUNCATE access_log"]);
    }
    for sql in refused {
        let err = db.raw(sql).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(store.event_count().await.unwrap(), n);
    assert_eq!(store.reads_of(&case_id("HAV-1")).await.unwrap().len(), 1);
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
}

/// Projections are rebuilt from the log alone: wiped and rebuilt, they are
/// what the appends wrote; a notification already sent stays sent.
async fn rebuild_reproduces_every_projection(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (store, n) = three_cases(&db).await;
    let other = store
        .append(None, &raise("HAV-4", at("2025-03-05T10:00:00Z")))
        .await
        .unwrap();
    store
        .append(
            Some(other.case.version()),
            &withdraw(&other.case, at("2025-03-06T10:00:00Z")),
        )
        .await
        .unwrap();
    let written = projections(&store).await;
    assert!(!written.outbox.is_empty() && !written.deadlines.is_empty());
    let sent = written.outbox[0].global_seq;
    db.raw(&format!(
        "DELETE FROM case_register; DELETE FROM deadlines; \
         UPDATE outbox SET status = 'sent' WHERE global_seq = {sent}; \
         DELETE FROM outbox WHERE global_seq <> {sent};"
    ))
    .await
    .unwrap();
    assert!(store.all_cases().await.unwrap().is_empty());

    let mut calls = Vec::new();
    let read = store
        .rebuild(|done, total| calls.push((done, total)))
        .await
        .unwrap();
    let total = store.event_count().await.unwrap();
    assert!(total > n);
    assert_eq!(read, total);
    assert_eq!(calls.first(), Some(&(0, total)));
    assert_eq!(calls.last(), Some(&(total, total)));

    let rebuilt = projections(&store).await;
    assert_eq!(rebuilt.cases, written.cases);
    assert_eq!(rebuilt.deadlines, written.deadlines);
    let mut expected_pending = written.outbox.clone();
    expected_pending.retain(|n| n.global_seq != sent);
    assert_eq!(rebuilt.outbox, expected_pending, "the sent one stays sent");
}

/// A store that was not given a case's policy refuses to guess its leads.
async fn a_case_under_an_unloaded_policy_is_refused(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::open(&db.url, Vec::new(), db.master.clone())
        .await
        .unwrap();
    let err = store
        .append(None, &raise("HAV-1", at("2025-03-03T10:00:00Z")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AppendError::Store(accord_store::StoreError::UnknownPolicy { .. })
        ),
        "{err:?}"
    );
    assert_eq!(store.event_count().await.unwrap(), 0, "nothing was written");
}

/// SQLite: an online copy that verifies like the original and is never
/// written over. PostgreSQL: told to use `pg_dump`.
async fn backup(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (store, n) = three_cases(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.sqlite");
    match backend {
        Backend::Sqlite => {
            store.backup(&copy).await.unwrap();
            let restored = Store::open(
                &format!("sqlite://{}", copy.display()),
                policies(),
                db.master.clone(),
            )
            .await
            .unwrap();
            assert_eq!(
                restored.verify().await.unwrap(),
                store.verify().await.unwrap(),
                "the copy has the same chain and head"
            );
            assert_eq!(restored.event_count().await.unwrap(), n);
            let again = store.backup(&copy).await.unwrap_err();
            assert!(
                matches!(again, accord_store::BackupError::Exists(_)),
                "{again}"
            );
            let nowhere = store
                .backup(&dir.path().join("no/such/folder.sqlite"))
                .await;
            assert!(matches!(
                nowhere,
                Err(accord_store::BackupError::MissingFolder(_))
            ));
        }
        Backend::Postgres => {
            let err = store.backup(&copy).await.unwrap_err();
            assert!(err.to_string().contains("pg_dump --format=custom"), "{err}");
            assert!(!copy.exists());
        }
    }
}
