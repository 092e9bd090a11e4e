//! The background jobs from the command line, against a real SMTP server
//! (aiosmtpd):
//! - `accord jobs run-once` killed while it is sending email, then run
//!   again: every email reaches the server, none is lost, and the one in
//!   flight when the process died is sent again with the same Message-ID,
//!   so the receiving mail system can recognise it;
//! - `accord serve` runs the jobs and emails through the server its config
//!   file and environment name.

#[path = "../../accord-jobs/tests/common/mod.rs"]
mod common;

use std::{
    collections::BTreeMap,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use accord_store::{Channel, DeliveryStatus, Store};
use common::SmtpSink;

fn accord(data: &std::path::Path, sink: &SmtpSink) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command
        .arg("--data-dir")
        .arg(data)
        .env_remove("ACCORD_MASTER_KEY_FILE")
        // A claim that runs out quickly, so the test need not wait five
        // minutes for the dead process's claim to lapse.
        .env("ACCORD_EMAIL_LEASE_SECONDS", "4")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    sink.configure(&mut command);
    command
}

#[tokio::test]
async fn killed_while_sending_then_restarted_every_email_arrives_and_none_twice_by_message_id() {
    let data = tempfile::tempdir().unwrap();
    // The server waits a second before accepting each message.
    let mut sink = SmtpSink::start_with_delay(1.0);
    let seeded = accord(data.path(), &sink)
        .args(["demo", "seed"])
        .status()
        .unwrap();
    assert!(seeded.success());

    let mut running = accord(data.path(), &sink)
        .args(["jobs", "run-once"])
        .spawn()
        .unwrap();
    let started = Instant::now();
    while sink.messages().len() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no email was sent"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Killed while the third is with the server, written there but not
    // yet acknowledged (the server waits a second before its 250).
    running.kill().unwrap();
    let in_flight = sink.messages()[2].message_id.clone();
    running.wait().unwrap();
    let before_restart = sink.messages().len();
    sink.restart();
    std::thread::sleep(Duration::from_secs(5));
    let finished = accord(data.path(), &sink)
        .args(["jobs", "run-once"])
        .status()
        .unwrap();
    assert!(finished.success());

    let url = format!("sqlite://{}", data.path().join("accord.sqlite").display());
    let master = accord_store::LocalMasterKey::read(&data.path().join("master.key")).unwrap();
    let store = Store::open(&url, common::world().1.clone(), std::sync::Arc::new(master))
        .await
        .unwrap();
    let mut keys = BTreeMap::new();
    for status in [
        DeliveryStatus::Pending,
        DeliveryStatus::Sending,
        DeliveryStatus::Failed,
        DeliveryStatus::Sent,
    ] {
        for d in store.deliveries_with_status(status, 100_000).await.unwrap() {
            if d.channel == Channel::Email {
                keys.insert(d.key.clone(), d.status);
            }
        }
    }
    assert!(
        keys.len() > before_restart,
        "most email was still to send at the kill"
    );
    assert!(
        keys.values().all(|s| *s == DeliveryStatus::Sent),
        "every email is marked sent: {keys:?}"
    );
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for m in sink.messages() {
        let key = m
            .message_id
            .trim_matches(['<', '>'])
            .split('@')
            .next()
            .unwrap()
            .to_owned();
        *received.entry(key).or_default() += 1;
    }
    assert_eq!(
        received.keys().collect::<Vec<_>>(),
        keys.keys().collect::<Vec<_>>(),
        "each email arrives under its own Message-ID, none lost"
    );
    // The email in flight at the kill is sent again, once, under its own
    // Message-ID; no other is.
    let in_flight = in_flight
        .trim_matches(['<', '>'])
        .split('@')
        .next()
        .unwrap();
    let repeated: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert_eq!(
        repeated,
        vec![(&in_flight.to_owned(), &2)],
        "only the email in flight at the kill is sent again, once"
    );
}

#[test]
fn serve_runs_the_jobs_and_emails_through_the_configured_server() {
    let data = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start();
    let config = data.path().join("accord.toml");
    // The config file gives the base URL and asks for STARTTLS, which the
    // test server does not offer; the environment's `none` wins over it,
    // as the environment always does, so the email goes.
    std::fs::write(
        &config,
        "base_url = \"https://accord.havering.example.org/\"\n[smtp]\nsecurity = \"starttls\"\n",
    )
    .unwrap();
    let mut server = accord(data.path(), &sink)
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--jobs-every",
            "1",
        ])
        .arg("--config")
        .arg(&config)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while sink.messages().is_empty() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = server.kill();
            panic!("accord serve sent no email");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = server.kill();
    let _ = server.wait();
    let mail = &sink.messages()[0];
    assert!(mail.subject.starts_with("Accord "), "{}", mail.subject);
    assert!(
        mail.raw
            .contains("https://accord.havering.example.org/cases/"),
        "links use the configured base URL"
    );
}

/// Issue 13 §4: `accord user add` invites by email, and the job runner
/// sends the invitation with a link lasting as many days as the config
/// file's `invitation_days` says, counted from when it is sent; a value
/// that is not a number of days is one clear error.
#[tokio::test]
async fn an_invitation_goes_by_email_with_the_configured_lifetime() {
    let data = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start();
    let config = data.path().join("accord.toml");
    std::fs::write(
        &config,
        "base_url = \"https://accord.havering.example.org\"\ninvitation_days = 3\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        accord(data.path(), &sink)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    };
    let created = run(&[
        "partnership",
        "create",
        "northshire",
        "--name",
        "Northshire Safeguarding Children Partnership",
        "--policy",
        "havering-2022",
    ]);
    assert!(created.status.success());
    let added = run(&[
        "user",
        "add",
        "--sign-in",
        "northshire-admin",
        "--partnership",
        "northshire",
        "--agency",
        "northshire-team",
        "--name",
        "Ade Bello",
        "--email",
        "ade.bello@northshire.example",
        "--tier",
        "admin",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let config_arg = config.to_str().unwrap();
    let bad = accord(data.path(), &sink)
        .args(["jobs", "run-once", "--config", config_arg])
        .env("ACCORD_INVITATION_DAYS", "a week")
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        said.contains("ACCORD_INVITATION_DAYS is `a week`"),
        "{said}"
    );
    assert!(sink.messages().is_empty());

    let sent = run(&["jobs", "run-once", "--config", config_arg]);
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let mail = sink.messages();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].to.contains("ade.bello@northshire.example"));
    assert!(
        mail[0]
            .raw
            .replace("=\r\n", "")
            .contains("https://accord.havering.example.org/account/set-password/"),
        "{}",
        mail[0].raw
    );

    let url = format!("sqlite://{}", data.path().join("accord.sqlite").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let (sent_at, expires_at): (i64, i64) =
        sqlx::query_as("SELECT sent_at_us, expires_at_us FROM account_links")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(expires_at - sent_at, 3 * 24 * 60 * 60 * 1_000_000);
    pool.close().await;
}
