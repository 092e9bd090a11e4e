//! Insight at a partnership's real size (issue 15, "Speed"): East Riding
//! with a generated history of many disagreements, walked with real
//! commands (`accord_demo::history`) and appended by the real store, on
//! SQLite and on PostgreSQL, then the time the server takes to answer
//! `GET /api/v1/partnerships/{id}/insight` for the whole two years, over
//! loopback.
//!
//! `cargo bench -p accord-web --bench insight_scale` generates 3,000 cases
//! (`ACCORD_BENCH_CASES` sets another number: the target is
//! 100,000) and times 20 requests on each backend; under `cargo test`
//! (`cargo test -p accord-web --bench insight_scale`) it generates 20 and
//! times 2 as a smoke test. PostgreSQL is the test suite's throwaway
//! cluster, or the server `ACCORD_TEST_DATABASE_URL` names. Nothing here
//! asserts a time: BENCHMARKS.md records them.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::time::Instant;

use common::{Backend, sign_in};
use support::{get, report, time};

/// When the history ends: every event is before it.
const NOW: &str = "2026-12-01T09:00:00Z";

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let cases = std::env::var("ACCORD_BENCH_CASES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(if measuring { 3_000 } else { 20 });
    let runs = if measuring { 20 } else { 2 };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        println!(
            "{:<58} {:>10} {:>10} {:>10}",
            "request", "median", "p95", "max"
        );
        for backend in [Backend::Sqlite, Backend::Postgres] {
            run(backend, cases, runs).await;
        }
    });
}

async fn run(backend: Backend, cases: usize, runs: usize) {
    let started = Instant::now();
    let (state, dir) = common::east_riding_history(backend, cases, NOW.parse().unwrap()).await;
    let events = state.store().event_count().await.unwrap();
    eprintln!(
        "{backend:?}: {cases} cases, {events} events, generated and appended in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let app = common::serve(state, dir).await;
    let team = sign_in(&app, "ery-partnership-team").await;
    let path = "/api/v1/partnerships/east-riding/insight?from=2024-12-01&to=2026-11-30";
    let times = time(runs, || async {
        let answer = get(&app, &team, path).await;
        assert!(answer.contains("\"raised\""), "{answer}");
        answer.len()
    })
    .await;
    report(
        &format!("GET …/insight, two years, {cases} cases, {events} events ({backend:?})"),
        &times,
    );
}
