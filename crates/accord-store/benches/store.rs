//! Event-store figures on both backends, printed as a table:
//!
//! - durable single-event commands per second from 1, 16 and 64 concurrent
//!   writers, and how many commands shared each commit, next to the raw commit rate
//!   of a bare SQLite insert loop (one row per transaction, WAL,
//!   `synchronous=FULL`) on the same disk in the same run: the fsync bound;
//! - the rate of batched appends used to build a large log;
//! - verify and rebuild rates over that log.
//!
//! `cargo bench -p accord-store --bench store` measures at 1,000,000
//! events (`ACCORD_BENCH_EVENTS` changes it) with 2,000 single appends.
//! Under `cargo test` it runs once at a small size as a smoke test.
//! PostgreSQL is `ACCORD_TEST_DATABASE_URL`, or a throwaway cluster with
//! fsync on (the tests' cluster has it off).

#[path = "../tests/common/postgres.rs"]
mod postgres;
#[path = "../tests/common/sample.rs"]
mod sample;

use std::time::{Duration, Instant};

use accord_case::{Case, Event};
use accord_store::{Append, Store, Verification};
use sqlx::{
    Connection,
    sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous},
};

/// Sizes for one run.
struct Sizes {
    log_events: u64,
    single_appends: u64,
    events_per_case: usize,
    cases_per_batch: usize,
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let sizes = if measuring {
        Sizes {
            log_events: std::env::var("ACCORD_BENCH_EVENTS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(1_000_000),
            single_appends: 2_000,
            events_per_case: 100,
            cases_per_batch: 50,
        }
    } else {
        Sizes {
            log_events: 2_000,
            single_appends: 20,
            events_per_case: 50,
            cases_per_batch: 10,
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(run(&sizes, measuring));
}

async fn run(sizes: &Sizes, measuring: bool) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let sqlite_url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let pg_url = postgres::fresh_database_on(postgres::durable_server()).await;
    for (name, url) in [("SQLite", sqlite_url), ("PostgreSQL", pg_url)] {
        let master = std::sync::Arc::new(accord_store::LocalMasterKey::generate());
        let store = Store::open(&url, sample::policies(), master)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // Every figure is measured on a log of the full size: the log is
        // built first, then verified, rebuilt and appended to.
        let (built, took) = build_log(&store, sizes).await;
        println!(
            "{name}: batched appends: {built} events in {:.1}s = {:.0} events/s",
            took.as_secs_f64(),
            built as f64 / took.as_secs_f64()
        );
        let total = store.event_count().await.unwrap();
        let start = Instant::now();
        let verified = store.verify().await.unwrap();
        let took = start.elapsed();
        let Verification::Intact { events, .. } = verified else {
            panic!("{name}: the benchmark log does not verify: {verified:?}")
        };
        assert_eq!(events, total);
        println!(
            "{name}: verify: {events} events in {:.1}s = {:.0} events/s",
            took.as_secs_f64(),
            events as f64 / took.as_secs_f64()
        );
        let start = Instant::now();
        let read = store.rebuild(|_, _| {}).await.unwrap();
        let took = start.elapsed();
        assert_eq!(read, total);
        println!(
            "{name}: rebuild: {read} events in {:.1}s = {:.0} events/s",
            took.as_secs_f64(),
            read as f64 / took.as_secs_f64()
        );
        // fsync latency on a virtual disk drifts, so the bare loop runs
        // right before and right after the single appends, on the same disk.
        let raw_file = |n: &str| dir.path().join(format!("raw-{name}-{n}.sqlite"));
        let raw_before = raw_sqlite_commits(&raw_file("before"), sizes.single_appends).await;
        let mut rates = Vec::new();
        for writers in [1, 16, 64] {
            let before = store.group_figures();
            let rate = concurrent_appends(&store, sizes.single_appends, writers).await;
            let after = store.group_figures();
            let per_commit = (after.pieces - before.pieces) as f64
                / (after.transactions - before.transactions).max(1) as f64;
            rates.push((writers, rate, per_commit));
        }
        let raw_after = raw_sqlite_commits(&raw_file("after"), sizes.single_appends).await;
        let raw = (raw_before + raw_after) / 2.0;
        println!(
            "bare SQLite insert loop (one row per transaction, WAL, synchronous=FULL): {raw_before:.0} commits/s before, {raw_after:.0} after"
        );
        for (writers, rate, per_commit) in rates {
            println!(
                "{name}: durable single-event commands, {writers} writers, log of {total} events: {rate:.0}/s ({:.0}% of the bare SQLite commit rate, mean of before and after), {per_commit:.1} commands a commit",
                100.0 * rate / raw
            );
        }
        store.close().await;
    }
    if !measuring {
        println!(
            "(smoke run: `cargo bench -p accord-store --bench store` measures at 1,000,000 events)"
        );
    }
}

/// Commits per second of a bare insert loop, one row per transaction.
async fn raw_sqlite_commits(path: &std::path::Path, n: u64) -> f64 {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut c = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        .execute(&mut c)
        .await
        .unwrap();
    let body = vec![7_u8; 1024];
    // Warm up: the first commits also grow a new WAL file.
    for i in 0..n / 10 {
        sqlx::query("INSERT INTO t (id, body) VALUES ($1, $2)")
            .bind(-1 - i as i64)
            .bind(&body)
            .execute(&mut c)
            .await
            .unwrap();
    }
    let start = Instant::now();
    for i in 0..n {
        sqlx::query("INSERT INTO t (id, body) VALUES ($1, $2)")
            .bind(i as i64)
            .bind(&body)
            .execute(&mut c)
            .await
            .unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Durable single-event commands per second from `writers` concurrent
/// writers, `n` in all: about 100 open cases shared out among the writers,
/// each writer recording discussions on its own cases in turn, each
/// command its own append, answered once it is durable. (Cases stay short
/// whatever the number of writers: each append reads its case.)
async fn concurrent_appends(store: &Store, n: u64, writers: u64) -> f64 {
    let now = sample::at("2025-03-03T10:00:00Z");
    let per_writer = (100 / writers).max(1);
    let mut shares = Vec::new();
    for w in 0..writers {
        let mut cases = Vec::new();
        for i in 0..per_writer {
            let id = format!("W{writers}-{w}-{i}");
            cases.push(
                store
                    .append(None, &sample::raise(&id, now))
                    .await
                    .unwrap()
                    .case,
            );
        }
        shares.push(cases);
    }
    let each = n.div_ceil(writers);
    let start = Instant::now();
    let tasks: Vec<_> = shares
        .into_iter()
        .map(|mut cases| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..each as usize {
                    let k = i % cases.len();
                    let case = &cases[k];
                    let events = sample::discussion(case, now, "Discussed the referral decision.");
                    cases[k] = store
                        .append(Some(case.version()), &events)
                        .await
                        .unwrap()
                        .case;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    (each * writers) as f64 / start.elapsed().as_secs_f64()
}

/// Appends whole cases in batches until the log holds `sizes.log_events`;
/// returns the events written and the time taken.
async fn build_log(store: &Store, sizes: &Sizes) -> (u64, Duration) {
    let now = sample::at("2025-03-03T10:00:00Z");
    let mut written = store.event_count().await.unwrap();
    let before = written;
    let mut took = Duration::ZERO;
    let mut next_case = 0_u64;
    while written < sizes.log_events {
        let batch: Vec<Vec<Event>> = (0..sizes.cases_per_batch)
            .map(|_| {
                next_case += 1;
                whole_case(&format!("BULK-{next_case}"), now, sizes.events_per_case)
            })
            .collect();
        let streams: Vec<Append<'_>> = batch
            .iter()
            .map(|events| Append {
                expected: None,
                events,
            })
            .collect();
        let start = Instant::now();
        store.append_all(&streams).await.unwrap();
        took += start.elapsed();
        written += batch.iter().map(|e| e.len() as u64).sum::<u64>();
    }
    (written - before, took)
}

/// A case raised and then discussed until it has about `events` events.
fn whole_case(id: &str, now: jiff::Timestamp, events: usize) -> Vec<Event> {
    let mut stream = sample::raise(id, now);
    let mut case = Case::fold(&stream).unwrap();
    while stream.len() < events {
        for event in sample::discussion(&case, now, "Discussed the referral decision.") {
            case.apply(&event);
            stream.push(event);
        }
    }
    stream
}
