//! Insight at a partnership's real size (issue 15, "Speed"): East Riding
//! with a generated history of many disagreements, walked with real
//! commands (`accord_demo::history`) and appended by the real store, on
//! SQLite and on PostgreSQL, then the time the server takes to answer
//! `GET /api/v1/partnerships/{id}/insight` for the whole two years, over
//! loopback.
//!
//! `cargo bench -p accord-web --bench insight_scale` generates 3,000 cases
//! (`ACCORD_BENCH_CASES` sets another number, or several separated by
//! commas, each run in turn: `3000,30000,100000`; the target is
//! at 100,000) and times 20 requests on each backend; under `cargo test`
//! (`cargo test -p accord-web --bench insight_scale`) it generates 20 and
//! times 2 as a smoke test. The first request after start is timed on its
//! own: it reads every case's facts, which the store then keeps (migration
//! 0019), so that later requests read only the cases written since. Beside
//! each request it times the answer's two parts on their own, in the
//! benchmark's process: the store's read of the facts (`Store::facts_of`,
//! kept, with nothing changed since) and the figures
//! computed from them (`accord_insight::insight`), and, for comparison, the
//! same answer as it was computed before the facts were kept (migration
//! 0016): every counted event read (`Store::histories_of`) and each case's
//! folded. PostgreSQL is the test
//! suite's throwaway cluster, or the server `ACCORD_TEST_DATABASE_URL`
//! names. Nothing here asserts a time: BENCHMARKS.md records them.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::time::Instant;

use accord_calendar::Calendars;
use accord_insight::{Filter, Period, Question};

use common::{Backend, sign_in};
use support::{get, report, time};

/// When the history ends: every event is before it.
const NOW: &str = "2026-12-01T09:00:00Z";

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = std::env::var("ACCORD_BENCH_CASES")
        .ok()
        .map(|list| {
            list.split(',')
                .map(|n| {
                    n.trim()
                        .parse()
                        .expect("ACCORD_BENCH_CASES is numbers separated by commas")
                })
                .collect()
        })
        .unwrap_or_else(|| vec![if measuring { 3_000 } else { 20 }]);
    let runs = if measuring { 20 } else { 2 };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        println!(
            "{:<58} {:>10} {:>10} {:>10}",
            "request", "median", "p95", "max"
        );
        for cases in sizes {
            for backend in [Backend::Sqlite, Backend::Postgres] {
                run(backend, cases, runs).await;
            }
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
    let app = common::serve(state.clone(), dir).await;
    let team = sign_in(&app, "ery-partnership-team").await;
    let path = "/api/v1/partnerships/east-riding/insight?from=2024-12-01&to=2026-11-30";
    // The first question reads every case's facts; the store keeps them
    // (migration 0019), and later ones read only what changed since.
    // Timed on its own: `time` makes one request unmeasured first.
    let started = Instant::now();
    std::hint::black_box(get(&app, &team, path).await.len());
    let first = vec![started.elapsed()];
    report(
        &format!("GET …/insight, first after start, {cases} cases ({backend:?})"),
        &first,
    );
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
    // The answer's parts, each on its own.
    let store = state.store().clone();
    let read = time(runs, || async {
        store.facts_of("east-riding").await.unwrap().len()
    })
    .await;
    report(
        &format!("  of which the facts read, kept ({backend:?})"),
        &read,
    );
    let facts = store.facts_of("east-riding").await.unwrap();
    let calendars = Calendars::builtin();
    let calendar = calendars
        .get(&"england-and-wales".parse().unwrap())
        .unwrap();
    let question = Question {
        period: Period::new("2024-12-01".parse().unwrap(), "2026-11-30".parse().unwrap()).unwrap(),
        filter: Filter::default(),
    };
    let figures = time(runs, || async {
        accord_insight::insight(&facts, calendar, &question)
            .months
            .len()
    })
    .await;
    report(&format!("  of which the figures ({backend:?})"), &figures);
    // What the answer cost before the facts were kept (migration 0016):
    // a third of every event read and each case's folded, then the same
    // figures. Fewer runs: at 100,000 cases each takes seconds.
    let before = time(runs.min(5), || async {
        let histories = store
            .histories_of("east-riding", accord_insight::EVENTS_COUNTED)
            .await
            .unwrap();
        let facts: Vec<_> = histories
            .iter()
            .map(|h| accord_insight::CaseFacts::from_events(h).unwrap())
            .collect();
        accord_insight::insight(&facts, calendar, &question)
            .months
            .len()
    })
    .await;
    report(
        &format!("  before 0016: events read, folded, figured ({backend:?})"),
        &before,
    );
}
