//! A flood of sign-ins with unknown names against the real `accord serve`
//! (issue 11, finding 2): 200 clients (half through the API, half through
//! the sign-in page) each signing in again as soon as they are answered, while one more client reads `GET /api/v1/health`
//! over and over. Reports the server's resident memory before, at its
//! peak during and after the flood, the health checks' p50 and p99, and
//! how sign-ins were answered (checked, or turned away by the hashing
//! gate) and how fast.
//!
//! `cargo bench -p accord-cli --bench sign_in_flood` measures (2,000
//! health checks; `ACCORD_BENCH_CHECKS` changes it). Under `cargo test`
//! it runs once, small (20 clients, 5 health checks), as a smoke test.
//! The clients run on the same machine as the server and share its cores.

#[path = "../tests/support/flood.rs"]
#[allow(dead_code)]
mod flood;

use std::{sync::Arc, time::Duration};

use flood::{Server, SignInAnswer, flood};

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// The `q` quantile of `times`, which must not be empty.
fn quantile(times: &mut [Duration], q: f64) -> Duration {
    times.sort();
    times[((times.len() as f64 * q) as usize).min(times.len() - 1)]
}

fn answered(sign_ins: &[SignInAnswer], which: impl Fn(&SignInAnswer) -> bool) -> String {
    let mut times: Vec<Duration> = sign_ins
        .iter()
        .filter(|a| which(a))
        .map(|a| a.took)
        .collect();
    if times.is_empty() {
        return "none".to_owned();
    }
    format!(
        "{} (p50 {}, p99 {})",
        times.len(),
        ms(quantile(&mut times, 0.5)),
        ms(quantile(&mut times, 0.99))
    )
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (clients, checks) = if measuring {
        let checks = std::env::var("ACCORD_BENCH_CHECKS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2000);
        (200, checks)
    } else {
        (20, 5)
    };
    let data = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = Arc::new(Server::start(data.path()));
    let flood = runtime.block_on(flood(&server, clients, checks));
    let mut health: Vec<Duration> = flood.health.iter().map(|(_, took)| *took).collect();
    let failed = flood.health.iter().filter(|(s, _)| *s != 200).count();
    println!("{clients} sign-in clients, {checks} health checks during the flood");
    println!(
        "resident memory: {} before, {} at peak, {} after",
        mib(flood.rss_before),
        mib(flood.rss_peak),
        mib(flood.rss_after)
    );
    println!(
        "of which heap and stacks (RssAnon): {} before, {} after",
        mib(flood.anon.0),
        mib(flood.anon.1)
    );
    println!(
        "GET /api/v1/health during the flood: p50 {}, p99 {}, {failed} not answered 200",
        ms(quantile(&mut health, 0.5)),
        ms(quantile(&mut health, 0.99))
    );
    println!(
        "sign-ins checked (401, from the API or the page with its form again): {}",
        answered(&flood.sign_ins, |a| a.status != 503)
    );
    println!(
        "sign-ins turned away (503): {}",
        answered(&flood.sign_ins, |a| a.status == 503)
    );
}
