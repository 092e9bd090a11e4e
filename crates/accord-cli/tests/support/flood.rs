//! A sign-in flood against the real `accord serve` process, shared by the
//! flood test (`tests/sign_in_flood.rs`, which asserts what the server
//! does) and the flood benchmark (`benches/sign_in_flood.rs`, which
//! reports how fast and how large).
//!
//! Many clients sign in with names nobody has, half through the API and
//! half through the sign-in page's form, each answer followed at once by
//! the next attempt, while one other client asks for
//! `GET /api/v1/health` again and again; the flood stops once that client
//! has had its answers. Every attempt carries a fresh name and, through
//! the trusted proxy the server is started with, a fresh client address,
//! so the sign-in throttle never steps in and every attempt asks for a
//! password hash: the flood tests the hashing gate, not the throttle.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::json;

/// A running `accord serve --demo`, stopped with SIGTERM when dropped.
pub struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts `accord serve --demo` on a free loopback port with a fresh
    /// SQLite database in `data`, believing `X-Forwarded-For` from
    /// loopback, and waits for its address.
    pub fn start(data: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .args(["--trusted-proxy", "127.0.0.1", "--data-dir"])
            .arg(data)
            .env_remove("ACCORD_DATABASE_URL")
            .env_remove("ACCORD_CALENDAR_DIR")
            .env_remove("ACCORD_CONFIG")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("accord serve starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // The demo's sign-ins come first.
        let base = loop {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "accord serve exited before it said where it serves"
            );
            if let Some(address) = line.trim().strip_prefix("Accord is serving on ") {
                break address.trim_end_matches('/').to_owned();
            }
        };
        // Keep draining standard output so the server never blocks on it.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Server { child, base }
    }

    /// The absolute address of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Resident memory, in KiB, from `/proc/PID/status`.
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    /// The resident memory that is the heap and stacks (`RssAnon`), not
    /// the binary's own pages, in KiB.
    pub fn anon_kib(&self) -> u64 {
        self.status_kib("RssAnon:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server is running");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in /proc/PID/status"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// One answer to a sign-in attempt.
#[derive(Debug, Clone)]
pub struct SignInAnswer {
    /// Whether it was the sign-in page's form (`POST /sign-in`) rather
    /// than the API (`POST /api/v1/session`).
    pub page: bool,
    /// Its status.
    pub status: u16,
    /// Its `Content-Type`.
    pub content_type: String,
    /// Its `Retry-After`, if any.
    pub retry_after: Option<String>,
    /// How long it took.
    pub took: Duration,
}

/// What happened during one flood.
#[derive(Debug)]
pub struct Flood {
    /// Resident memory before the flood, in KiB.
    pub rss_before: u64,
    /// The largest resident memory seen during it, in KiB.
    pub rss_peak: u64,
    /// Resident memory once every attempt was answered, in KiB.
    pub rss_after: u64,
    /// Of that, heap and stacks before and after the flood, in KiB.
    pub anon: (u64, u64),
    /// Each health check's status and time, in order.
    pub health: Vec<(u16, Duration)>,
    /// Every sign-in attempt's answer.
    pub sign_ins: Vec<SignInAnswer>,
}

/// Runs `clients` sign-in clients against `server` until `checks` health
/// checks, made one after another once the first sign-in is answered,
/// have been answered.
pub async fn flood(server: &Arc<Server>, clients: usize, checks: usize) -> Flood {
    let probe = reqwest::Client::new();
    let health = probe.get(server.url("/api/v1/health")).send().await;
    assert_eq!(health.expect("the server answers").status(), 200);
    let rss_before = server.rss_kib();
    let anon_before = server.anon_kib();

    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::<SignInAnswer>::new()));
    let first_answer = Arc::new(tokio::sync::Notify::new());
    let peak = {
        let (server, stop) = (server.clone(), stop.clone());
        tokio::spawn(async move {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(server.rss_kib());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        })
    };
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (server, stop) = (server.clone(), stop.clone());
        let (answers, first_answer) = (answers.clone(), first_answer.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut attempt = 0usize;
            while !stop.load(Ordering::Relaxed) {
                // A fresh name and address for every attempt.
                let address = format!(
                    "10.{}.{}.{}",
                    client % 256,
                    (attempt / 256) % 256,
                    attempt % 256
                );
                let name = format!("nobody-{client}-{attempt}");
                // Every other client signs in through the page's form.
                let page = client % 2 == 1;
                let request = if page {
                    http.post(server.url("/sign-in"))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(format!("sign_in={name}&password=not+anybody%27s+password"))
                } else {
                    http.post(server.url("/api/v1/session")).json(&json!({
                        "sign_in": name,
                        "password": "not anybody's password",
                    }))
                };
                let started = Instant::now();
                let response = request
                    .header("x-forwarded-for", address)
                    .send()
                    .await
                    .expect("the server answers every sign-in");
                let status = response.status().as_u16();
                let content_type = response
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap_or_default().to_owned())
                    .unwrap_or_default();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap_or_default().to_owned());
                let _ = response.bytes().await;
                answers.lock().unwrap().push(SignInAnswer {
                    page,
                    status,
                    content_type,
                    retry_after,
                    took: started.elapsed(),
                });
                first_answer.notify_one();
                attempt += 1;
            }
        }));
    }
    first_answer.notified().await;
    let mut health = Vec::new();
    for _ in 0..checks {
        let started = Instant::now();
        let status = probe
            .get(server.url("/api/v1/health"))
            .send()
            .await
            .map_or(0, |r| r.status().as_u16());
        health.push((status, started.elapsed()));
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    let rss_peak = peak.await.unwrap();
    let rss_after = server.rss_kib();
    let anon = (anon_before, server.anon_kib());
    let sign_ins = std::mem::take(&mut *answers.lock().unwrap());
    Flood {
        rss_before,
        rss_peak,
        rss_after,
        anon,
        health,
        sign_ins,
    }
}
