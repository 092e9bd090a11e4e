//! Beyond one machine (issue 18): two `accord serve` processes on one
//! PostgreSQL, behind Debian's HAProxy, both running the background jobs
//! and emailing a real SMTP server (aiosmtpd). Clients raise disagreements
//! and record discussions through the load balancer, and one server is
//! killed (SIGKILL) in the middle of it. Then:
//! - every write a client was told succeeded is in the database;
//! - the clients carry on through the other server;
//! - someone signed in before the kill is still signed in, by cookie and by
//!   token, since sessions live in the database;
//! - every breach is recorded once, however the two job runners raced;
//! - every email is sent, and none twice, except that the one message a
//!   killed server had in flight may go again with the same Message-ID
//!   (SMTP cannot say whether a message whose reply never came was taken).

#[path = "../../accord-jobs/tests/common/mod.rs"]
mod common;
mod support;

use std::{
    collections::BTreeMap,
    io::Write,
    path::Path,
    process::{Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use accord_store::{Channel, DeliveryStatus, LocalMasterKey, Store};
use common::{SmtpSink, free_port};
use serde_json::{Value, json};
use support::served::{Running, client, serve, sign_in};

/// `accord` against the shared database, key and SMTP server.
fn accord(url: &str, key: &Path, data: &Path, sink: &SmtpSink) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command
        .arg("--data-dir")
        .arg(data)
        .env("ACCORD_DATABASE_URL", url)
        .env("ACCORD_MASTER_KEY_FILE", key)
        // Claims that lapse in seconds, so the survivor takes over the
        // killed server's emails while the test waits.
        .env("ACCORD_EMAIL_LEASE_SECONDS", "4")
        .env("ACCORD_JOBS_EVERY", "1")
        .env_remove("RUST_LOG")
        .env_remove("ACCORD_CONFIG");
    sink.configure(&mut command);
    command
}

/// HAProxy in the foreground, balancing over `servers`, each checked on
/// `/api/v1/health` five times a second and taken out after two failures.
/// A request that cannot connect is tried again on the other server; one
/// that was sent is never retried, so no write is made twice.
fn haproxy(dir: &Path, port: u16, servers: &[&str]) -> Running {
    let binary = ["/usr/sbin/haproxy", "/usr/bin/haproxy"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("HAProxy is installed (scripts/test installs Debian's haproxy)");
    let mut config = format!(
        "global\n  maxconn 512\n\
         defaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  \
         timeout server 30s\n  retries 3\n  option redispatch\n\
         frontend accord\n  bind 127.0.0.1:{port}\n  default_backend servers\n\
         backend servers\n  balance roundrobin\n  option httpchk GET /api/v1/health\n  \
         http-check expect status 200\n"
    );
    for (i, server) in servers.iter().enumerate() {
        config.push_str(&format!(
            "  server accord{i} {server} check inter 200ms fall 2 rise 2\n"
        ));
    }
    let file = dir.join("haproxy.cfg");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(config.as_bytes())
        .unwrap();
    let child = Command::new(binary)
        .arg("-db")
        .arg("-f")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy starts");
    Running(child)
}

fn raise_body(n: usize) -> Value {
    json!({
        "area": "levels-of-need",
        "other_agency": "hav-csc",
        "subjects": [{"id": "c1", "name": format!("Child {n}"), "kind": "child",
                      "child_protection_plan": false, "looked_after": false,
                      "immediate_risk": false}],
        "concern": {"disputed": "The referral was closed with no further action.",
                    "evidence": "Three attendances at A&E in two months.",
                    "outcome_sought": "A strategy discussion."}
    })
}

fn discussion_body(version: u64, held_at: &str) -> Value {
    json!({"expected_version": version, "record": {
        "held_at": held_at, "how": "phone",
        "participants": [
            {"person": "hav-school-practitioner", "agency": "hav-school", "role": "practitioner"},
            {"person": "hav-csc-practitioner", "agency": "hav-csc", "role": "practitioner"}],
        "summary": "Discussed the referral; not resolved.",
        "ended_in_agreement": false}})
}

/// What the clients were told was written: each case's highest version.
type Acknowledged = Arc<Mutex<BTreeMap<String, u64>>>;

/// One client's loop until `stop`: raise, then record a discussion on it,
/// each write's acknowledgement noted. Failures (the killed server's
/// requests in flight) are counted, not retried.
fn load(
    base: String,
    token: String,
    worker: usize,
    acknowledged: Acknowledged,
    failures: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) {
    let http = client();
    let auth = token;
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let raised = http
            .post(format!("{base}/api/v1/cases"))
            .header("authorization", &auth)
            .json(&raise_body(worker * 10_000 + n))
            .send();
        let case: Value = match raised {
            Ok(r) if r.status() == 201 => r.json().unwrap(),
            _ => {
                failures.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        let id = case["id"].as_str().unwrap().to_owned();
        let version = case["version"].as_u64().unwrap();
        acknowledged.lock().unwrap().insert(id.clone(), version);
        let held_at = case["raised_at"].as_str().unwrap();
        let discussed = http
            .post(format!("{base}/api/v1/cases/{id}/discussions"))
            .header("authorization", &auth)
            .json(&discussion_body(version, held_at))
            .send();
        match discussed {
            Ok(r) if r.status() == 200 => {
                let case: Value = r.json().unwrap();
                let version = case["version"].as_u64().unwrap();
                acknowledged.lock().unwrap().insert(id, version);
            }
            _ => {
                failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Waits until `check` holds, or panics with `what` after `limit`.
fn wait_for(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A plain test: the clients are blocking, and the database is read on a
/// runtime of the test's own.
#[test]
fn one_of_two_servers_killed_mid_load_loses_nothing_and_sends_nothing_twice() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = runtime.block_on(common::postgres::fresh_database());
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("master.key");
    LocalMasterKey::create(&key).unwrap();
    let sink = SmtpSink::start();
    let seeded = accord(&url, &key, dir.path(), &sink)
        .args(["demo", "seed"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(seeded.success(), "the demo seeds into PostgreSQL");

    let quiet = || {
        let mut command = accord(&url, &key, dir.path(), &sink);
        command.stderr(Stdio::null());
        command
    };
    let (mut one, one_at) = serve(quiet());
    let (_two, two_at) = serve(quiet());
    let front = free_port();
    let _proxy = haproxy(dir.path(), front, &[&one_at, &two_at]);
    let base = format!("http://127.0.0.1:{front}");
    wait_for(Duration::from_secs(30), "HAProxy answers", || {
        client()
            .get(format!("{base}/api/v1/health"))
            .send()
            .is_ok_and(|r| r.status() == 200)
    });

    let (cookie, token) = sign_in(&base, "hav-school-practitioner");
    let acknowledged: Acknowledged = Arc::default();
    let failures = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|worker| {
            let (base, token) = (base.clone(), token.clone());
            let (acknowledged, failures, stop) =
                (acknowledged.clone(), failures.clone(), stop.clone());
            std::thread::spawn(move || load(base, token, worker, acknowledged, failures, stop))
        })
        .collect();

    // Under load for two seconds, then one server dies mid-request.
    std::thread::sleep(Duration::from_secs(2));
    let before_kill = acknowledged.lock().unwrap().len();
    assert!(before_kill > 0, "the clients wrote through both servers");
    one.0.kill().unwrap();
    one.0.wait().unwrap();
    // The clients carry on through the survivor.
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > before_kill,
        "writes went on after the kill: {} before, {} in all",
        before_kill,
        acknowledged.len()
    );

    // Signed in before the kill, still signed in after it.
    let me = client()
        .get(format!("{base}/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(me.status(), 200, "the session cookie still works");
    let me = client()
        .get(format!("{base}/api/v1/me"))
        .header("authorization", &token)
        .send()
        .unwrap();
    assert_eq!(me.status(), 200, "the API token still works");

    runtime.block_on(check_database(&url, &key, &sink, &acknowledged));
    println!(
        "{} cases written, {} requests failed at the kill",
        acknowledged.len(),
        failures.load(Ordering::Relaxed)
    );
}

/// What the database and the SMTP server hold once the load is over.
async fn check_database(
    url: &str,
    key: &Path,
    sink: &SmtpSink,
    acknowledged: &BTreeMap<String, u64>,
) {
    // Every acknowledged write is in the database.
    let master = Arc::new(LocalMasterKey::read(key).unwrap());
    let store = Store::open(url, common::world().1.clone(), master)
        .await
        .unwrap();
    for (id, version) in acknowledged {
        let case = store
            .load_case(&accord_case::CaseId::parse(id).unwrap())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{id} was acknowledged and is not stored"));
        assert!(
            case.version().get() >= *version,
            "{id} was acknowledged at version {version} and is stored at {}",
            case.version().get()
        );
    }

    // The survivor sends what was left, the killed server's claims
    // included once they lapse.
    let mut pending = usize::MAX;
    let start = Instant::now();
    while pending > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{pending} emails were never sent"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        pending = 0;
        for status in [DeliveryStatus::Pending, DeliveryStatus::Sending] {
            pending += store
                .deliveries_with_status(status, 100_000)
                .await
                .unwrap()
                .iter()
                .filter(|d| d.channel == Channel::Email)
                .count();
        }
    }
    let sent = store
        .deliveries_with_status(DeliveryStatus::Sent, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.channel == Channel::Email)
        .count();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for mail in sink.messages() {
        *seen.entry(mail.message_id).or_default() += 1;
    }
    assert_eq!(seen.len(), sent, "every email sent reached the server");
    let again: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        again.len() <= 1 && again.iter().all(|(_, n)| **n == 2),
        "only the message in flight at the kill may go again: {again:?}"
    );

    // Each breach was recorded once, however the two runners raced.
    let breaches = common::breaches_each_recorded_once(&store).await;
    assert!(breaches > 0, "the demo's overdue cases were breached");
    println!("{sent} emails sent");
}
