//! Crash safety (DESIGN.md §4): a writer process appending in a loop is
//! killed with SIGKILL. After reopening, every append it reported as
//! committed is there, the chain verifies, and the projections are exactly
//! what a fresh rebuild computes. Run on both backends.

mod common;

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

use accord_store::Verification;
use common::{Backend, TestDb, projections, sample::case_id};

/// How many commits to let the writer report before killing it.
const COMMITS_BEFORE_KILL: usize = 150;

async fn killed_writer_loses_nothing_it_reported(backend: Backend) {
    let mut db = TestDb::new(backend).await;
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("master.key");
    db.master = std::sync::Arc::new(accord_store::LocalMasterKey::create(&key_file).unwrap());
    // Create the schema first, so the writer spends its life appending.
    db.open().await.close().await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_accord-store-crash-writer"))
        .arg(&db.url)
        .arg(&key_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the crash writer starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut reported: HashMap<String, u64> = HashMap::new();
    for _ in 0..COMMITS_BEFORE_KILL {
        let line = lines
            .next()
            .expect("the writer reports commits until killed")
            .unwrap();
        let (case, version) = line.split_once(' ').unwrap();
        reported.insert(case.to_owned(), version.parse().unwrap());
    }
    // `Child::kill` sends SIGKILL on Unix: no destructor, no flush, no
    // rollback runs in the writer.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the writer was killed, not finished");
    // Lines it printed after we stopped reading were committed too.
    for line in lines.map_while(Result::ok) {
        if let Some((case, version)) = line.split_once(' ') {
            reported.insert(case.to_owned(), version.parse().unwrap());
        }
    }

    let store = db.open().await;
    for (case, version) in &reported {
        let events = store.load(&case_id(case)).await.unwrap();
        assert!(
            events.len() as u64 >= *version,
            "{case} was reported at version {version} but has {} events",
            events.len()
        );
    }
    match store.verify().await.unwrap() {
        Verification::Intact { events, .. } => assert!(events as usize >= COMMITS_BEFORE_KILL),
        Verification::Broken(fault) => panic!("after the crash: {fault}"),
    }
    let before = projections(&store).await;
    store.rebuild(|_, _| {}).await.unwrap();
    assert_eq!(projections(&store).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_killed_writer_loses_nothing_it_reported() {
    killed_writer_loses_nothing_it_reported(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_writer_loses_nothing_it_reported() {
    killed_writer_loses_nothing_it_reported(Backend::Postgres).await
}
