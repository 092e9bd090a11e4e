//! Issue 20: what durability rests on, asserted. The crash test
//! (`tests/crash.rs`) kills the writing process; that an answered command
//! also outlives the machine rests on the database's settings, which are
//! asserted here as Accord's own connections see them. A change that
//! weakened them (SQLite's `synchronous` to `NORMAL` or `OFF`, the journal
//! out of WAL, PostgreSQL's `synchronous_commit` off) fails here.

mod common;

use common::{Backend, TestDb, postgres, sample};

fn setting<'a>(settings: &'a [(&'static str, String)], name: &str) -> &'a str {
    settings
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{name} is reported: {settings:?}"))
}

#[tokio::test]
async fn sqlite_writes_through_wal_with_synchronous_full() {
    let db = TestDb::new(Backend::Sqlite).await;
    let store = db.open().await;
    let settings = store.durability().await.unwrap();
    assert_eq!(setting(&settings, "journal_mode"), "wal");
    assert_eq!(setting(&settings, "synchronous"), "full");
}

/// On a server that keeps its commits (the benchmarks' cluster, fsync on),
/// every setting reads `on`.
#[tokio::test]
async fn postgresql_commits_are_flushed_before_they_are_answered() {
    let url = postgres::fresh_database_on(postgres::durable_server()).await;
    let store = accord_store::Store::open(
        &url,
        sample::policies(),
        std::sync::Arc::new(accord_store::LocalMasterKey::generate()),
    )
    .await
    .unwrap();
    let settings = store.durability().await.unwrap();
    assert_eq!(setting(&settings, "fsync"), "on");
    assert_eq!(setting(&settings, "synchronous_commit"), "on");
    assert_eq!(setting(&settings, "full_page_writes"), "on");
}

/// Accord asks for `synchronous_commit = on` on its own connections, so a
/// database whose default is `off` still flushes each commit before it is
/// answered. And the report reads the server itself: the tests' shared
/// cluster, which runs with fsync off, is reported so.
#[tokio::test]
async fn postgresql_synchronous_commit_is_on_whatever_the_database_default() {
    let db = TestDb::new(Backend::Postgres).await;
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    db.raw(&format!(
        "ALTER DATABASE \"{name}\" SET synchronous_commit = off"
    ))
    .await
    .unwrap();
    let store = db.open().await;
    let settings = store.durability().await.unwrap();
    assert_eq!(setting(&settings, "synchronous_commit"), "on");
    if std::env::var_os("ACCORD_TEST_DATABASE_URL").is_none() {
        assert_eq!(
            setting(&settings, "fsync"),
            "off",
            "the tests' own cluster runs with fsync off, and is reported so"
        );
    }
}
