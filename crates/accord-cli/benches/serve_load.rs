//! Load on the real `accord serve` process, over HTTP, on the seeded demo
//! in embedded SQLite (issue 4's benchmark):
//!
//! - reading the case page JSON (`GET /api/v1/cases/{id}`, which also
//!   writes the read to the access log) and the register;
//! - reading the same as a browser does, as HTML pages (`GET /cases/{id}`
//!   and `GET /register`, issue 5);
//! - raising and escalating cases (raise, record the Stage One discussion,
//!   escalate to Stage Two: three durable appends a case);
//!
//! each at 1, 16 and 64 connections, with throughput and p50/p99 latency;
//! the server's resident memory idle and at its peak under each load; and
//! the time from starting the process to its first answered request.
//!
//! Then (issue 18): case pages read while the register is read on as many
//! connections again, each timed apart; the server's memory 30 seconds
//! after the load ends, beside its memory idle; and, on a second server,
//! one page of 50 of the register, unfiltered and filtered to Stage 1, as
//! the register grows to 100, 10,000 and 100,000 open cases, raised
//! through the API.
//!
//! `cargo bench -p accord-cli --bench serve_load` measures (10 seconds a
//! run; `ACCORD_BENCH_SECONDS` changes it). Under `cargo test` it runs each
//! load once, briefly, at one connection, as a smoke test. The load
//! generator runs on the same machine as the server, so both share its
//! cores; each connection is one keep-alive HTTP/1.1 connection sending
//! its next request as soon as the last is answered.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const PASSWORD: &str = "accord-demo-password";

fn accord(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command
        .env_remove("ACCORD_DATABASE_URL")
        .env_remove("ACCORD_CALENDAR_DIR")
        .env("RUST_LOG", "warn")
        .arg("--data-dir")
        .arg(data);
    command
}

/// A fresh folder holding the seeded demo.
fn seeded_demo() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let seeded = accord(data.path())
        .args(["demo", "seed"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(seeded.success(), "the demo seeds");
    data
}

/// A running server, stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    base: String,
    /// Its standard output, kept open: the server stops if what it prints
    /// cannot be written.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    /// Starts `accord serve` on a free port and waits for its address.
    fn start(data: &Path) -> (Server, Instant) {
        let started = Instant::now();
        let mut child = accord(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("accord serve starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let address = line
            .trim()
            .strip_prefix("Accord is serving on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .trim_end_matches('/')
            .to_owned();
        (
            Server {
                child,
                base: address,
                _stdout: stdout,
            },
            started,
        )
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Proportional set size, in MiB, from `/proc`: resident memory with
    /// pages shared with other processes (the binary's code) counted in
    /// share, as the RT comparison measures it.
    fn pss_mib(&self) -> f64 {
        self.proc_mib("smaps_rollup", "Pss:")
    }

    /// Resident memory, in MiB, from `/proc`.
    fn rss_mib(&self) -> f64 {
        self.proc_mib("status", "VmRSS:")
    }

    /// The figure after `key` in the process's `/proc` file `file`, in
    /// kB, as MiB; 0 once the process has gone.
    fn proc_mib(&self, file: &str, key: &str) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/{file}", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
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

/// One keep-alive connection.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap()
}

/// Signs `who` in with their password: the session cookie a browser sends
/// with every page (pages take no token), and the session's CSRF token.
async fn session(server: &Server, who: &str) -> (String, String) {
    let response = client()
        .post(server.url("/api/v1/session"))
        .json(&json!({ "sign_in": who, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{who} signs in");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let me: Value = response.json().await.unwrap();
    (cookie, me["csrf_token"].as_str().unwrap().to_owned())
}

/// A read-write API token for `who`.
async fn token(server: &Server, who: &str) -> String {
    let (cookie, csrf) = session(server, who).await;
    let made: Value = client()
        .post(server.url("/api/v1/tokens"))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({ "scopes": ["read", "write"], "label": "load test" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    format!("Bearer {}", made["token"].as_str().unwrap())
}

/// What one load does per step; each step's requests are timed one by one.
#[derive(Clone)]
enum Load {
    /// Read the case page JSON of these cases in turn.
    CasePage {
        cases: Arc<Vec<String>>,
        as_: String,
    },
    /// Read the register, with this query (`""` for its first page of
    /// 100, as the API gives it unasked).
    Register { as_: String, query: &'static str },
    /// Read the case page as a browser does: the HTML page, with the
    /// session cookie `as_`.
    CaseHtml {
        cases: Arc<Vec<String>>,
        as_: String,
    },
    /// Read the register page as a browser does, with the session cookie
    /// `as_`.
    RegisterHtml { as_: String },
    /// Raise a case, record its Stage One discussion, escalate it.
    RaiseAndEscalate { raiser: String, manager: String },
}

const RAISE: &str = r#"{
  "area": "levels-of-need",
  "other_agency": "hav-csc",
  "subjects": [{ "id": "c1", "name": "Child L", "kind": "child",
    "child_protection_plan": false, "looked_after": true, "immediate_risk": false }],
  "concern": { "disputed": "The referral was closed with no further action.",
    "evidence": "Three attendances at A&E in two months.",
    "outcome_sought": "A strategy discussion." }
}"#;

impl Load {
    fn name(&self) -> &'static str {
        match self {
            Load::CasePage { .. } => "case page JSON (GET /api/v1/cases/{id})",
            Load::Register { .. } => "register (GET /api/v1/register)",
            Load::CaseHtml { .. } => "case page HTML (GET /cases/{id})",
            Load::RegisterHtml { .. } => "register page HTML (GET /register)",
            Load::RaiseAndEscalate { .. } => "raise, discussion, escalate (3 POSTs a case)",
        }
    }

    /// Runs one step, pushing each request's latency.
    async fn step(
        &self,
        http: &reqwest::Client,
        server: &Server,
        n: usize,
        out: &mut Vec<Duration>,
    ) {
        let send = |request: reqwest::RequestBuilder| async move {
            let started = Instant::now();
            let response = request.send().await.expect("the server answers");
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (started.elapsed(), status, body)
        };
        match self {
            Load::CasePage { cases, as_ } => {
                let id = &cases[n % cases.len()];
                let (took, status, body) = send(
                    http.get(server.url(&format!("/api/v1/cases/{id}")))
                        .header("authorization", as_),
                )
                .await;
                assert_eq!(status, 200, "{body}");
                out.push(took);
            }
            Load::Register { as_, query } => {
                let (took, status, body) = send(
                    http.get(server.url(&format!("/api/v1/register{query}")))
                        .header("authorization", as_),
                )
                .await;
                assert_eq!(status, 200, "{body}");
                out.push(took);
            }
            Load::CaseHtml { cases, as_ } => {
                let id = &cases[n % cases.len()];
                let started = Instant::now();
                let response = http
                    .get(server.url(&format!("/cases/{id}")))
                    .header("cookie", as_)
                    .send()
                    .await
                    .expect("the server answers");
                let status = response.status();
                let page = response.text().await.unwrap_or_default();
                out.push(started.elapsed());
                assert_eq!(status, 200, "{page}");
                assert!(page.contains("Chronology"), "the whole case page");
            }
            Load::RegisterHtml { as_ } => {
                let started = Instant::now();
                let response = http
                    .get(server.url("/register"))
                    .header("cookie", as_)
                    .send()
                    .await
                    .expect("the server answers");
                let status = response.status();
                let page = response.text().await.unwrap_or_default();
                out.push(started.elapsed());
                assert_eq!(status, 200, "{page}");
            }
            Load::RaiseAndEscalate { raiser, manager } => {
                let (took, status, case) = send(
                    http.post(server.url("/api/v1/cases"))
                        .header("authorization", raiser)
                        .header("content-type", "application/json")
                        .body(RAISE),
                )
                .await;
                assert_eq!(status, 201, "{case}");
                out.push(took);
                let id = case["id"].as_str().unwrap().to_owned();
                let talk = json!({ "expected_version": case["version"], "record": {
                    "held_at": case["raised_at"], "how": "phone",
                    "participants": [
                        { "person": "hav-school-practitioner", "agency": "hav-school", "role": "practitioner" },
                        { "person": "hav-csc-practitioner", "agency": "hav-csc", "role": "practitioner" }],
                    "summary": "Discussed the referral decision; no agreement.",
                    "ended_in_agreement": false } });
                let (took, status, talked) = send(
                    http.post(server.url(&format!("/api/v1/cases/{id}/discussions")))
                        .header("authorization", raiser)
                        .json(&talk),
                )
                .await;
                assert_eq!(status, 200, "{talked}");
                out.push(took);
                let up = json!({ "expected_version": talked["version"], "to": 2,
                    "reason": "Not resolved between practitioners." });
                let (took, status, body) = send(
                    http.post(server.url(&format!("/api/v1/cases/{id}/escalation")))
                        .header("authorization", manager)
                        .json(&up),
                )
                .await;
                assert_eq!(status, 200, "{body}");
                out.push(took);
            }
        }
    }
}

/// What one run measured.
struct Measured {
    requests: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
    peak_rss_mib: f64,
}

/// Runs `load` on `connections` connections for `length` (or, in smoke
/// mode, `steps` steps on each).
async fn run(
    server: &Arc<Server>,
    load: &Load,
    connections: usize,
    length: Duration,
    steps: Option<usize>,
) -> Measured {
    let stop = Arc::new(AtomicBool::new(false));
    let peak = {
        let (server, stop) = (server.clone(), stop.clone());
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(server.rss_mib());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            peak.max(server.rss_mib())
        })
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (server, load) = (server.clone(), load.clone());
        tasks.push(tokio::spawn(async move {
            let http = client();
            let mut latencies = Vec::new();
            let mut n = c;
            loop {
                let done = match steps {
                    Some(steps) => n - c >= steps * connections,
                    None => started.elapsed() >= length,
                };
                if done {
                    break;
                }
                load.step(&http, &server, n, &mut latencies).await;
                n += connections;
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let peak_rss_mib = peak.await.unwrap();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Measured {
        requests: all.len(),
        seconds,
        p50: at(0.50),
        p99: at(0.99),
        peak_rss_mib,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// One row of the results table.
fn print_row(load: &str, connections: usize, m: &Measured) {
    println!(
        "| {load} | {connections} | {} | {:.0} requests/s | {} | {} | {:.1} MiB |",
        m.requests,
        m.requests as f64 / m.seconds,
        ms(m.p50),
        ms(m.p99),
        m.peak_rss_mib
    );
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let length = Duration::from_secs(
        std::env::var("ACCORD_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10),
    );
    let data = seeded_demo();

    // Start-up: process start to the first answered request, five times.
    let mut startups = Vec::new();
    for _ in 0..if measuring { 5 } else { 1 } {
        let (server, started) = Server::start(data.path());
        let probe = reqwest::blocking::Client::new();
        loop {
            match probe.get(server.url("/api/v1/health")).send() {
                Ok(r) if r.status().is_success() => break,
                _ if started.elapsed() > Duration::from_secs(60) => {
                    panic!("the server did not answer within a minute")
                }
                _ => std::thread::sleep(Duration::from_millis(2)),
            }
        }
        startups.push(started.elapsed());
    }
    startups.sort();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = answering(data.path()).await;
        let probe = client();
        let team = token(&server, "hav-partnership-team").await;
        let (team_cookie, _) = session(&server, "hav-partnership-team").await;
        let raiser = token(&server, "hav-school-practitioner").await;
        let manager = token(&server, "hav-school-manager").await;
        let register: Value = probe
            .get(server.url("/api/v1/register"))
            .header("authorization", &team)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let cases: Vec<String> = register["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle = server.rss_mib();
        let idle_pss = server.pss_mib();

        println!(
            "start-up to first answered request: {} (fastest of {}), {} (median)",
            ms(startups[0]),
            startups.len(),
            ms(startups[startups.len() / 2])
        );
        println!("resident memory idle: {idle:.1} MiB (PSS {idle_pss:.1} MiB)");
        println!();
        println!("| load | connections | requests | throughput | p50 | p99 | peak RSS |");
        println!("|---|---|---|---|---|---|---|");
        let cases = Arc::new(cases);
        let loads = [
            Load::CasePage {
                cases: cases.clone(),
                as_: team.clone(),
            },
            Load::Register {
                as_: team.clone(),
                query: "",
            },
            Load::CaseHtml {
                cases,
                as_: team_cookie.clone(),
            },
            Load::RegisterHtml { as_: team_cookie },
            Load::RaiseAndEscalate { raiser, manager },
        ];
        let connections: &[usize] = if measuring { &[1, 16, 64] } else { &[1] };
        let register_again = loads[1].clone();
        for load in &loads {
            for &c in connections {
                let steps = (!measuring).then_some(3);
                let m = run(&server, load, c, length, steps).await;
                print_row(load.name(), c, &m);
            }
        }
        // The register again, now holding every case the raise runs added.
        let open = open_cases(&server, &team).await;
        let c = if measuring { 16 } else { 1 };
        let m = run(
            &server,
            &register_again,
            c,
            length,
            (!measuring).then_some(3),
        )
        .await;
        print_row(
            &format!("register's first page of 100, {open} open cases after the raise runs"),
            c,
            &m,
        );

        // Case pages while the register is read on as many connections
        // again: a case read must not queue behind register reads.
        let half = if measuring { 8 } else { 1 };
        let steps = (!measuring).then_some(3);
        let (cases_read, registers_read) = tokio::join!(
            run(&server, &loads[0], half, length, steps),
            run(&server, &register_again, half, length, steps),
        );
        print_row(
            &format!("case page JSON, while the register is read on {half} more"),
            half,
            &cases_read,
        );
        print_row(
            &format!("register, while case pages are read on {half} more"),
            half,
            &registers_read,
        );

        // What the server keeps once the load has ended.
        let settle = Duration::from_secs(if measuring { 30 } else { 1 });
        tokio::time::sleep(settle).await;
        println!();
        println!(
            "memory {} s after the load: RSS {:.1} MiB, PSS {:.1} MiB (idle before it: RSS {idle:.1}, PSS {idle_pss:.1})",
            settle.as_secs(),
            server.rss_mib(),
            server.pss_mib()
        );
    });

    let sizes: &[usize] = if measuring {
        &[100, 10_000, 100_000]
    } else {
        &[100]
    };
    runtime.block_on(register_as_it_grows(sizes, length, measuring));
}

/// One page of 50 of the register, unfiltered and at Stage 1, read at 16
/// connections, as a fresh demo's register grows to each of `sizes` open
/// cases by raises through the API.
async fn register_as_it_grows(sizes: &[usize], length: Duration, measuring: bool) {
    let data = seeded_demo();
    let server = answering(data.path()).await;
    let team = token(&server, "hav-partnership-team").await;
    let raiser = token(&server, "hav-school-practitioner").await;
    let mut now = open_cases(&server, &team).await;
    println!();
    println!(
        "| open cases | register page of 50 | connections | requests | throughput | p50 | p99 | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let c = if measuring { 16 } else { 1 };
    for &size in sizes {
        if size > now {
            raise_many(&server, &raiser, size - now).await;
        }
        now = open_cases(&server, &team).await;
        for (name, query) in [
            ("unfiltered", "?limit=50"),
            ("Stage 1", "?limit=50&stage=1"),
        ] {
            let load = Load::Register {
                as_: team.clone(),
                query,
            };
            let m = run(&server, &load, c, length, (!measuring).then_some(3)).await;
            println!(
                "| {now} | {name} | {c} | {} | {:.0} requests/s | {} | {} | {:.1} MiB |",
                m.requests,
                m.requests as f64 / m.seconds,
                ms(m.p50),
                ms(m.p99),
                m.peak_rss_mib
            );
        }
    }
}

/// How many open cases the register lists for `team`, paging through it
/// 500 at a time.
async fn open_cases(server: &Server, team: &str) -> usize {
    let (mut open, mut after) = (0, None::<String>);
    loop {
        let query = match &after {
            Some(next) => format!("?limit=500&after={next}"),
            None => "?limit=500".to_owned(),
        };
        let page: Value = client()
            .get(server.url(&format!("/api/v1/register{query}")))
            .header("authorization", team)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        open += page["cases"].as_array().unwrap().len();
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return open,
        }
    }
}

/// A server started on `data`, once it answers.
async fn answering(data: &Path) -> Arc<Server> {
    let (server, _) = Server::start(data);
    let probe = client();
    while probe
        .get(server.url("/api/v1/health"))
        .send()
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Arc::new(server)
}

/// Raises `n` cases through the API on 64 connections.
async fn raise_many(server: &Arc<Server>, raiser: &str, n: usize) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..64.min(n) {
        let (server, raiser, next) = (server.clone(), raiser.to_owned(), next.clone());
        tasks.push(tokio::spawn(async move {
            let http = client();
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let response = http
                    .post(server.url("/api/v1/cases"))
                    .header("authorization", &raiser)
                    .header("content-type", "application/json")
                    .body(RAISE)
                    .send()
                    .await
                    .expect("the server answers");
                assert_eq!(response.status(), 201, "a raise is accepted");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}
