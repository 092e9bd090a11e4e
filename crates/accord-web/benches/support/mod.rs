//! What the web benchmarks share: timing requests one at a time over
//! loopback, and printing the median, 95th percentile and worst.

use std::time::{Duration, Instant};

use crate::common::{Session, TestApp};

/// GETs `path` as `session`, which must answer 200: its body.
pub async fn get(app: &TestApp, session: &Session, path: &str) -> String {
    let response = session
        .on(app.client.get(app.url(path)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// Times `runs` calls of `request`, after one unmeasured call that warms
/// the caches; the times, shortest first.
pub async fn time<F, Fut>(runs: usize, mut request: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    request().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(request().await);
        times.push(started.elapsed());
    }
    times.sort();
    times
}

/// Prints `what` with the median, 95th percentile and worst of `times`
/// (shortest first).
pub fn report(what: &str, times: &[Duration]) {
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{what:<58} {:>10} {:>10} {:>10}",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(*times.last().unwrap())
    );
}
