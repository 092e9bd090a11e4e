//! The reports issued to a partnership's board (issue 15 §3: "Keep every
//! issued report, as issued, with who issued it and when"), on SQLite and
//! PostgreSQL: numbered from 1 in each partnership, read back as they were
//! written, each in the directory audit, and never changed or removed.

#[macro_use]
mod common;

use accord_store::{ChangedBy, NewBoardReport, Store, Verification};
use common::{Backend, TestDb, sample::*};
use jiff::Timestamp;

both_backends!(
    each_report_is_kept_as_issued_numbered_in_its_partnership_and_audited,
    the_database_refuses_to_change_an_issued_report,
);

fn now() -> Timestamp {
    at("2026-12-06T09:30:00Z")
}

async fn directory(backend: Backend) -> (TestDb, Store) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, policies) = world();
    let demo = accord_demo::demo(now(), calendars, policies).unwrap();
    store
        .put_directory((&demo).into(), &ChangedBy::DEMO, now())
        .await
        .unwrap();
    (db, store)
}

fn report<'a>(partnership: &'a str, narrative: &'a str) -> NewBoardReport<'a> {
    NewBoardReport {
        partnership,
        from: "2026-04-01".parse().unwrap(),
        to: "2026-06-30".parse().unwrap(),
        narrative,
        content: r#"{"figures":{"raised":"fewer than 5"}}"#,
    }
}

async fn each_report_is_kept_as_issued_numbered_in_its_partnership_and_audited(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let team = ChangedBy::Person("hav-partnership-team".parse().unwrap());
    assert!(store.board_reports("havering").await.unwrap().is_empty());
    let first = store
        .issue_board_report(&report("havering", "The first quarter."), now(), &team)
        .await
        .unwrap();
    let second = store
        .issue_board_report(&report("havering", "Again."), now(), &team)
        .await
        .unwrap();
    let plymouth = store
        .issue_board_report(
            &report("plymouth", "Plymouth's first."),
            now(),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    assert_eq!((first, second, plymouth), (1, 2, 1));

    let kept = store.board_report("havering", 1).await.unwrap().unwrap();
    assert_eq!(kept.partnership, "havering");
    assert_eq!(kept.number, 1);
    assert_eq!(kept.from.to_string(), "2026-04-01");
    assert_eq!(kept.to.to_string(), "2026-06-30");
    assert_eq!(kept.narrative, "The first quarter.");
    assert_eq!(kept.content, r#"{"figures":{"raised":"fewer than 5"}}"#);
    assert_eq!(kept.issued_at, now());
    assert_eq!(kept.issued_by, "hav-partnership-team");
    let listed: Vec<u32> = store
        .board_reports("havering")
        .await
        .unwrap()
        .iter()
        .map(|r| r.number)
        .collect();
    assert_eq!(listed, [2, 1], "newest first");
    assert!(store.board_report("havering", 3).await.unwrap().is_none());
    assert!(store.board_report("sutton", 1).await.unwrap().is_none());

    let audit = store.directory_audit("havering", 10).await.unwrap();
    let issued: Vec<_> = audit.iter().filter(|e| e.what == "report.issued").collect();
    assert_eq!(issued.len(), 2);
    assert_eq!(issued[0].by, team);
    assert_eq!(issued[0].after["report"], 2);
    assert_eq!(issued[0].after["from"], "2026-04-01");
    // The audit chain still holds with the reports' entries in it.
    let verified = store.verify().await.unwrap();
    assert!(
        matches!(verified, Verification::Intact { audit_entries, .. } if audit_entries >= 3),
        "{verified:?}"
    );
}

async fn the_database_refuses_to_change_an_issued_report(backend: Backend) {
    let (db, store) = directory(backend).await;
    store
        .issue_board_report(
            &report("havering", "As issued."),
            now(),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let mut refused = vec![
        "UPDATE board_reports SET narrative = 'Rewritten.'",
        "DELETE FROM board_reports",
    ];
    if backend == Backend::Postgres {
        refused.push("TRUNCATE board_reports");
    }
    for sql in refused {
        let err = db.raw(sql).await.expect_err(sql);
        let text = err.to_string();
        assert!(
            text.contains("kept as it was issued") || text.contains("append-only"),
            "{sql}: {text}"
        );
    }
    let kept = store.board_report("havering", 1).await.unwrap().unwrap();
    assert_eq!(kept.narrative, "As issued.");
}
