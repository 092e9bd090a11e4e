//! `accord user disable` lists a leaver's open work and `accord user
//! handover` hands a piece of it on, run as a process over the seeded demo
//! (issue 13 §3, "Leavers"): the handover is on the case's record, the
//! engine refuses someone of another agency with one clear line, and a
//! piece already handed over is not handed twice.

#[path = "../../accord-store/tests/common/master_key.rs"]
mod master_key;
#[path = "../../accord-store/tests/common/sample.rs"]
mod sample;

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use accord_case::{EventBody, OpenWork};
use accord_store::Store;
use tempfile::TempDir;

/// A SQLite file holding the whole demo, cases and passwords, and its URL.
fn demo() -> (TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let (calendars, policies) = sample::world();
        let demo = accord_demo::demo(jiff::Timestamp::now(), calendars, policies).unwrap();
        store.seed((&demo).into()).await.unwrap();
        store.close().await;
    });
    (dir, url)
}

fn accord(url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .env_remove("ACCORD_DATABASE_URL")
        .env_remove("ACCORD_DATA_DIR")
        .env("ACCORD_MASTER_KEY_FILE", master_key::master_key_file())
        .env_remove("ACCORD_CALENDAR_DIR")
        .arg("--database-url")
        .arg(url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("accord runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn succeeded(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn failed(o: &Output) -> String {
    assert!(!o.status.success(), "expected a failure");
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn disabling_lists_open_work_and_handover_records_it_on_the_case() {
    let (_dir, url) = demo();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (case, agency) = runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let leaver = store
            .person_by_sign_in("hav-health-practitioner")
            .await
            .unwrap()
            .unwrap();
        let work = store.open_work_of(&leaver).await.unwrap();
        store.close().await;
        let case = work
            .iter()
            .find(|w| w.work.contains(&OpenWork::Raiser))
            .expect("the demo's health visitor raised an open case")
            .entry
            .case
            .to_string();
        (case, leaver.agency.to_string())
    });
    succeeded(&accord(
        &url,
        &[
            "user",
            "add",
            "--sign-in",
            "hav-health-practitioner-2",
            "--partnership",
            "havering",
            "--agency",
            &agency,
            "--name",
            "Robin Okafor",
            "--email",
            "robin.okafor@example.org",
            "--tier",
            "practitioner",
        ],
        "three random words\n",
    ));

    let out = succeeded(&accord(
        &url,
        &["user", "disable", "hav-health-practitioner"],
        "",
    ));
    assert!(out.contains("Disabled hav-health-practitioner"), "{out}");
    assert!(out.contains(&format!("{case} at Stage")), "{out}");
    assert!(out.contains("--work raiser"), "{out}");

    let handover = |to: &str| {
        accord(
            &url,
            &[
                "user",
                "handover",
                "hav-health-practitioner",
                "--case",
                &case,
                "--work",
                "raiser",
                "--to",
                to,
                "--by",
                "hav-admin",
                "--reason",
                "Left the service on Friday",
            ],
            "",
        )
    };
    let err = failed(&handover("hav-police-practitioner"));
    assert!(err.contains("but this work belongs to"), "{err}");
    let out = succeeded(&handover("hav-health-practitioner-2"));
    assert!(out.contains("it is on the case's record"), "{out}");
    let err = failed(&handover("hav-health-practitioner-2"));
    assert!(err.contains("holds no such open work"), "{err}");

    runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let id = accord_case::CaseId::parse(&case).unwrap();
        let events = store.load(&id).await.unwrap();
        let last = events.last().unwrap();
        match &last.body {
            EventBody::HandedOver { from, to, work, .. } => {
                assert_eq!(from.as_str(), "hav-health-practitioner");
                assert_eq!(to.as_str(), "hav-health-practitioner-2");
                assert_eq!(*work, OpenWork::Raiser);
                assert_eq!(last.actor.person.as_str(), "hav-admin");
            }
            other => panic!("expected the handover last, got {other:?}"),
        }
        store.close().await;
    });
}
