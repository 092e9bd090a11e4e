//! Job runner figures, printed as lines for BENCHMARKS.md:
//!
//! - the scan for due reminders and passed deadlines over 1,000,000 open
//!   deadlines (`ACCORD_BENCH_DEADLINES` changes it), on SQLite and
//!   PostgreSQL: the deadline index is filled directly, spread over the
//!   next year, and each scan is timed 20 times;
//! - the time from a deadline passing to its breach email reaching a real
//!   SMTP server (aiosmtpd), with the runner passing once a second on a
//!   clock that puts the deadline two seconds ahead: measured from the
//!   deadline to the moment the server wrote the message;
//! - webhooks (issue 19), on SQLite and PostgreSQL: 2,000 cases raised
//!   while an endpoint waits (`ACCORD_BENCH_WEBHOOK_EVENTS` changes it),
//!   then the passes that deliver them to a real HTTP receiver on this
//!   machine, timed; and a page of 100 of the event feed, read from the
//!   start and from the end of the record, for the partnership team and
//!   for an agency's manager, each timed 20 times.
//!
//! `cargo bench -p accord-jobs --bench jobs` measures; under `cargo test`
//! it runs once at a small size as a smoke test.

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use common::{Backend, SmtpSink, at, demo_store, fresh_url, world};
use jiff::{SignedDuration, Timestamp};
use sqlx::Connection;

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let deadlines: i64 = if measuring {
        std::env::var("ACCORD_BENCH_DEADLINES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_000_000)
    } else {
        2_000
    };
    let samples = if measuring { 5 } else { 1 };
    let webhook_events: usize = if measuring {
        std::env::var("ACCORD_BENCH_WEBHOOK_EVENTS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(2_000)
    } else {
        50
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            scan(backend, deadlines).await;
        }
        latency(samples).await;
        for backend in [Backend::Sqlite, Backend::Postgres] {
            webhooks(backend, webhook_events).await;
        }
    });
    if !measuring {
        println!(
            "(smoke run: `cargo bench -p accord-jobs --bench jobs` measures at 1,000,000 deadlines)"
        );
    }
}

/// Fills the deadline index with `n` open deadlines and times the scans.
async fn scan(backend: Backend, n: i64) {
    let (url, _dir) = fresh_url(backend).await;
    let master = std::sync::Arc::new(accord_store::LocalMasterKey::generate());
    let store = accord_store::Store::open(&url, world().1.clone(), master)
        .await
        .unwrap();
    let now = at("2026-03-02T09:00:00Z");
    let day = 24 * 3600 * 1_000_000_i64;
    // One deadline per case, spread evenly over the next 365 days; a
    // thousandth already passed and unbreached.
    let fill = format!(
        "INSERT INTO deadlines (case_id, form, stage, due_at_us, last_day, breached) \
         SELECT 'BEN-2026-' || i, '', 1, {start} + i * ({span} / {n}), '2026-03-02', 0 \
         FROM generate_series(1, {n}) AS s(i)",
        start = now.as_microsecond() - day,
        span = 366 * day,
    );
    let started = Instant::now();
    match backend {
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(fill))
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::raw_sql("ANALYZE deadlines")
                .execute(&mut c)
                .await
                .unwrap();
        }
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let fill = format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
                 INSERT INTO deadlines (case_id, form, stage, due_at_us, last_day, breached) \
                 SELECT 'BEN-2026-' || i, '', 1, {start} + i * ({span} / {n}), '2026-03-02', 0 FROM s",
                start = now.as_microsecond() - day,
                span = 366 * day,
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(fill))
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::raw_sql("ANALYZE").execute(&mut c).await.unwrap();
        }
    }
    let filled = started.elapsed();
    let until = now
        .checked_add(accord_jobs::reminder_window(&world().1))
        .unwrap();
    let mut reminders = Vec::new();
    let mut breaches = Vec::new();
    let (mut due_soon, mut passed) = (0, 0);
    for _ in 0..20 {
        let t = Instant::now();
        due_soon = store
            .unreminded_deadlines(until, 2_000)
            .await
            .unwrap()
            .len();
        reminders.push(t.elapsed());
        let t = Instant::now();
        passed = store.unbreached_deadlines(now, 500).await.unwrap().len();
        breaches.push(t.elapsed());
    }
    reminders.sort();
    breaches.sort();
    println!(
        "{backend:?}: {n} open deadlines (filled in {:.1}s). Reminder scan (due within the \
         reminder window, first 2,000 of them: {due_soon} rows): median {:.2} ms, worst {:.2} ms. Breach scan \
         (passed, first 500: {passed} rows): median {:.2} ms, worst {:.2} ms.",
        filled.as_secs_f64(),
        ms(reminders[10]),
        ms(reminders[19]),
        ms(breaches[10]),
        ms(breaches[19]),
    );
    store.close().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Times a deadline passing to its breach email arriving, `samples` times.
async fn latency(samples: usize) {
    let mut results = Vec::new();
    for sample in 0..samples {
        let (url, _dir) = fresh_url(Backend::Sqlite).await;
        let raised = at("2026-03-23T10:00:00Z");
        let store = demo_store(&url, at("2025-01-06T09:00:00Z")).await;
        let id = format!("HAV-2026-{:04}", 9000 + sample);
        let case = common::raise_havering(&store, &id, raised).await;
        let due = case.stage_due().instant().unwrap();
        let sink = SmtpSink::start();
        // Everything up to just before the deadline is delivered first.
        let before = common::runner(
            &store,
            &common::TestClock::new(due.checked_sub(SignedDuration::from_secs(3)).unwrap()),
            Some(&sink),
        );
        before.run_once().await.unwrap();
        let already = sink.messages().len();
        // The runner's clock: the deadline passes two seconds from now.
        let start_real = Timestamp::now();
        let offset = due.duration_since(start_real) - SignedDuration::from_secs(2);
        let deadline_real = start_real
            .checked_add(SignedDuration::from_secs(2))
            .unwrap();
        let clock: accord_jobs::Clock =
            Arc::new(move || Timestamp::now().checked_add(offset).unwrap());
        let runner =
            common::runner(&store, &common::TestClock::new(due), Some(&sink)).with_clock(clock);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(runner.run(Duration::from_secs(1), async {
            let _ = stopped.await;
        }));
        let arrived = loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let files = std::fs::read_dir(sink.dir.path()).unwrap();
            let mut names: Vec<String> = files
                .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".eml"))
                .collect();
            names.sort();
            if names.len() > already {
                // The server names each file by the nanosecond it wrote it.
                let ns: i128 = names[already][..20].parse().unwrap();
                break Timestamp::from_nanosecond(ns).unwrap();
            }
            assert!(
                Timestamp::now().duration_since(deadline_real) < SignedDuration::from_secs(30),
                "no breach email within 30 seconds"
            );
        };
        let _ = stop.send(());
        task.await.unwrap();
        results.push(arrived.duration_since(deadline_real));
        let _ = SystemTime::now().duration_since(UNIX_EPOCH);
    }
    results.sort();
    let shown: Vec<String> = results
        .iter()
        .map(|d| format!("{:.0} ms", d.as_secs_f64() * 1000.0))
        .collect();
    println!(
        "Deadline passing to the breach email reaching the SMTP server, passes every second: {} \
         (median {:.0} ms)",
        shown.join(", "),
        results[results.len() / 2].as_secs_f64() * 1000.0
    );
}

/// Raises `n` cases while an endpoint waits, then times the passes that
/// deliver their events to a real receiver; then times pages of the feed.
async fn webhooks(backend: Backend, n: usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let (url, _dir) = fresh_url(backend).await;
    let now = at("2026-03-02T09:00:00Z");
    let store = demo_store(&url, now).await;
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let app = axum::Router::new().route(
        "/events",
        axum::routing::post(move |_body: axum::body::Bytes| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let admin = accord_store::ChangedBy::COMMAND_LINE;
    let (endpoint, _) = store
        .add_webhook(
            "havering",
            &format!("http://{address}/events"),
            &[accord_store::EventKind::Raised],
            true,
            now,
            &admin,
        )
        .await
        .unwrap();
    // Paused while the cases are raised and a pass does the rest of their
    // work (their notifications), so that the passes timed below are the
    // webhook's.
    store
        .pause_webhook("havering", &endpoint.id, true, now, &admin)
        .await
        .unwrap();
    let started = Instant::now();
    for i in 0..n {
        common::raise_havering(&store, &format!("HAV-2027-{i:05}"), now).await;
    }
    let raising = started.elapsed();
    let runner = common::runner(&store, &common::TestClock::new(now), None);
    runner.run_once().await.unwrap();
    assert_eq!(received.load(Ordering::SeqCst), 0);
    store
        .pause_webhook("havering", &endpoint.id, false, now, &admin)
        .await
        .unwrap();
    let started = Instant::now();
    let mut passes = 0;
    while received.load(Ordering::SeqCst) < n {
        let pass = runner.run_once().await.unwrap();
        assert_eq!(pass.webhooks_failed, 0);
        passes += 1;
        assert!(passes < 1_000, "the events are never all delivered");
    }
    let delivering = started.elapsed();
    println!(
        "{backend:?}: {n} events raised in {:.1} s; delivered to a receiver on this machine in \
         {passes} passes, {:.2} s: {:.0} events/s, {:.2} ms an event",
        raising.as_secs_f64(),
        delivering.as_secs_f64(),
        n as f64 / delivering.as_secs_f64(),
        ms(delivering) / n as f64
    );

    let events = store.event_count().await.unwrap();
    let team = accord_store::RegisterReader {
        partnership: "havering".to_owned(),
        whole_partnership: true,
        agency: None,
        person: accord_case::PersonId::parse("hav-partnership-team").unwrap(),
        roles: Vec::new(),
    };
    let manager = accord_store::RegisterReader {
        whole_partnership: false,
        agency: Some(accord_case::AgencyId::parse("hav-police").unwrap()),
        person: accord_case::PersonId::parse("hav-police-manager").unwrap(),
        ..team.clone()
    };
    let all = accord_store::EventKind::ALL;
    for (who, reader) in [
        ("the partnership team", &team),
        ("the police's manager", &manager),
    ] {
        for (from, after) in [
            ("the start", 0),
            ("near the end", events.saturating_sub(300)),
        ] {
            let mut times = Vec::new();
            let mut listed = 0;
            for _ in 0..20 {
                let started = Instant::now();
                let page = store.event_feed(reader, &all, after, 100).await.unwrap();
                times.push(started.elapsed());
                listed = page.events.len();
            }
            times.sort();
            println!(
                "{backend:?}: a page of the feed for {who}, from {from} of {events} events: \
                 {listed} listed, median {:.2} ms, worst {:.2} ms",
                ms(times[times.len() / 2]),
                ms(times[times.len() - 1])
            );
        }
    }
}
