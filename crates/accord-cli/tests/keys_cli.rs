//! `accord keys` and `accord erase` (issue 17 §1), against real databases:
//!
//! - the master key is rotated without rewriting an event, and a rotation
//!   killed between wrapping the keys again and committing leaves every
//!   key under the old master key, on PostgreSQL, where the test can hold
//!   the rotation at its last step;
//! - without its master key a database is a clear error, never an empty
//!   read;
//! - a closed case is erased on the partnership team's instruction, and
//!   `accord verify` still passes.

#[path = "../../accord-store/tests/common/postgres.rs"]
mod postgres;
#[path = "../../accord-store/tests/common/sample.rs"]
mod sample;

use std::{
    path::Path,
    process::{Command, Output, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use accord_store::{KeyError, LocalMasterKey, MasterKey, OpenError, Store};
use sqlx::Connection;

fn accord(url: &str, key_file: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_accord"));
    c.env_remove("ACCORD_DATABASE_URL")
        .env_remove("ACCORD_DATA_DIR")
        .env_remove("ACCORD_CALENDAR_DIR")
        .env("ACCORD_MASTER_KEY_FILE", key_file)
        .arg("--database-url")
        .arg(url)
        .args(args);
    c
}

fn run(url: &str, key_file: &Path, args: &[&str]) -> Output {
    accord(url, key_file, args).output().expect("accord runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn key(file: &Path) -> Arc<dyn MasterKey> {
    Arc::new(LocalMasterKey::read(file).unwrap())
}

/// The demo in a new database, sealed under the key in `key_file`.
async fn demo_in(url: &str, key_file: &Path) {
    let store = Store::open(url, sample::policies(), key(key_file))
        .await
        .unwrap();
    let (calendars, policies) = sample::world();
    let demo = accord_demo::demo(sample::at("2025-06-02T09:30:00Z"), calendars, policies).unwrap();
    store.seed((&demo).into()).await.unwrap();
    store.close().await;
}

/// Opens the store with the key in `file`, reading every case, or says why
/// it cannot.
async fn read_everything(url: &str, file: &Path) -> Result<usize, OpenError> {
    let store = Store::open(url, sample::policies(), key(file)).await?;
    let cases = store.all_cases().await.unwrap();
    for entry in &cases {
        assert!(!store.load(&entry.case).await.unwrap().is_empty());
    }
    assert!(matches!(
        store.verify().await.unwrap(),
        accord_store::Verification::Intact { .. }
    ));
    store.close().await;
    Ok(cases.len())
}

fn wrong_key(result: Result<usize, OpenError>) -> String {
    match result {
        Err(OpenError::Keys(KeyError::WrongMasterKey { expected, .. })) => expected,
        other => panic!("expected the wrong master key to be named, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_killed_before_it_commits_leaves_the_old_key_and_a_finished_one_the_new() {
    let url = postgres::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.key");
    let new = dir.path().join("new.key");
    LocalMasterKey::create(&old).unwrap();
    demo_in(&url, &old).await;
    let made = run(&url, &old, &["keys", "new", new.to_str().unwrap()]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let (old_id, new_id) = (key(&old).id().to_owned(), key(&new).id().to_owned());
    assert!(text(&made.stdout).contains(&new_id));
    let shown = run(&url, &old, &["keys", "show"]);
    assert!(
        text(&shown.stdout).contains(&old_id),
        "{}",
        text(&shown.stdout)
    );

    // Hold the key ring, which the rotation wraps last, so that it waits
    // there with every case key wrapped again and nothing committed.
    let mut holder = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("LOCK TABLE key_ring IN EXCLUSIVE MODE")
        .execute(&mut holder)
        .await
        .unwrap();
    let mut rotating = accord(
        &url,
        &old,
        &["keys", "rotate", "--to", new.to_str().unwrap()],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut watcher = sqlx::PgConnection::connect(&url).await.unwrap();
    let started = Instant::now();
    loop {
        let (waiting,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
             AND query LIKE 'UPDATE key_ring%'",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the rotation never reached the key ring"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The crash: SIGKILL, with the case keys wrapped again, uncommitted.
    rotating.kill().unwrap();
    assert!(!rotating.wait().unwrap().success());
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();

    // Everything is still under the old key, and only the old key.
    let cases = read_everything(&url, &old).await.unwrap();
    assert!(cases > 10);
    assert_eq!(wrong_key(read_everything(&url, &new).await), old_id);

    // Rotated to the end, everything is under the new key alone.
    let rotated = run(
        &url,
        &old,
        &["keys", "rotate", "--to", new.to_str().unwrap()],
    );
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    let said = text(&rotated.stdout);
    assert!(
        said.contains(&format!("Wrapped {cases} case keys")),
        "{said}"
    );
    assert_eq!(read_everything(&url, &new).await.unwrap(), cases);
    assert_eq!(wrong_key(read_everything(&url, &old).await), new_id);
    // Rotating to the key in use says so.
    let again = run(
        &url,
        &new,
        &["keys", "rotate", "--to", new.to_str().unwrap()],
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already in use"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn a_missing_or_wrong_master_key_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let right = dir.path().join("right.key");
    LocalMasterKey::create(&right).unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(demo_in(&url, &right));
    let missing = run(&url, &dir.path().join("gone.key"), &["verify"]);
    assert!(!missing.status.success());
    let err = text(&missing.stderr);
    assert!(
        err.contains("could not read the master key file") && err.contains("gone.key"),
        "{err}"
    );
    let other = dir.path().join("other.key");
    LocalMasterKey::create(&other).unwrap();
    let wrong = run(&url, &other, &["register"]);
    assert!(!wrong.status.success());
    let err = text(&wrong.stderr);
    assert!(
        err.contains(key(&right).id()) && err.contains("--master-key-file"),
        "{err}"
    );
    assert!(
        text(&wrong.stdout).is_empty(),
        "nothing is read without the key"
    );
    let verified = run(&url, &right, &["verify"]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
}

#[test]
fn a_closed_case_is_erased_on_the_teams_instruction_and_the_chain_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let key_file = dir.path().join("master.key");
    LocalMasterKey::create(&key_file).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(demo_in(&url, &key_file));
    let closed = runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), key(&key_file))
            .await
            .unwrap();
        let mut found = None;
        for entry in store.all_cases().await.unwrap() {
            if entry.case.as_str().starts_with("HAV-") && entry.status.is_closed() {
                found = Some(entry.case.to_string());
                break;
            }
        }
        store.close().await;
        found.expect("Havering's demo has a closed case")
    });

    // Not the team: refused.
    let refused = run(
        &url,
        &key_file,
        &["erase", &closed, "--by", "hav-csc-manager"],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("partnership team"),
        "{}",
        text(&refused.stderr)
    );
    // Without --confirm: what would happen, and nothing done.
    let asked = run(
        &url,
        &key_file,
        &["erase", &closed, "--by", "hav-partnership-team"],
    );
    assert!(!asked.status.success());
    assert!(
        text(&asked.stdout).contains("--confirm"),
        "{}",
        text(&asked.stdout)
    );
    let erased = run(
        &url,
        &key_file,
        &[
            "erase",
            &closed,
            "--by",
            "hav-partnership-team",
            "--confirm",
        ],
    );
    assert!(erased.status.success(), "{}", text(&erased.stderr));
    assert!(
        text(&erased.stdout).contains("Erased"),
        "{}",
        text(&erased.stdout)
    );
    let verified = run(&url, &key_file, &["verify"]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    let twice = run(
        &url,
        &key_file,
        &[
            "erase",
            &closed,
            "--by",
            "hav-partnership-team",
            "--confirm",
        ],
    );
    assert!(!twice.status.success());
    assert!(
        text(&twice.stderr).contains("erased already"),
        "{}",
        text(&twice.stderr)
    );
    runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), key(&key_file))
            .await
            .unwrap();
        let id = accord_case::CaseId::parse(&closed).unwrap();
        let case = store.load_case(&id).await.unwrap().unwrap();
        let erasure = case.erased().expect("the case is erased");
        assert_eq!(erasure.rule, accord_case::ErasureRule::Instruction);
        assert!(
            case.subjects()
                .iter()
                .all(|s| s.name.as_str() == accord_store::ERASED)
        );
    });
}

#[test]
fn a_retention_schedule_is_set_planned_and_a_case_held_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let key_file = dir.path().join("master.key");
    LocalMasterKey::create(&key_file).unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(demo_in(&url, &key_file));
    let accord = |args: &[&str]| run(&url, &key_file, args);

    let none = accord(&["retention", "plan", "--partnership", "havering"]);
    assert!(
        text(&none.stdout).contains("no retention schedule"),
        "{}",
        text(&none.stdout)
    );
    let bad = accord(&["retention", "set", "--partnership", "havering"]);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("needs a rule"),
        "{}",
        text(&bad.stderr)
    );
    let set = accord(&[
        "retention",
        "set",
        "--partnership",
        "havering",
        "--years-after-closure",
        "6",
        "--until-birthday",
        "25",
        "--notice-days",
        "28",
    ]);
    assert!(set.status.success(), "{}", text(&set.stderr));
    let shown = text(&accord(&["retention", "show", "--partnership", "havering"]).stdout);
    assert!(
        shown.contains("6 years after closure")
            && shown.contains("25th birthday")
            && shown.contains("28 days"),
        "{shown}"
    );
    let plan = accord(&["retention", "plan", "--partnership", "havering"]);
    assert!(plan.status.success(), "{}", text(&plan.stderr));
    let listed = text(&plan.stdout);
    assert!(
        listed.contains("Nothing is changed by this list."),
        "{listed}"
    );
    let case = listed
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .next()
                .filter(|w| w.starts_with("HAV-"))
        })
        .expect("a closed Havering case is listed")
        .to_owned();
    assert!(listed.contains("due on") || listed.contains("no subject's date of birth"));

    let held = accord(&[
        "retention",
        "hold",
        &case,
        "--by",
        "hav-partnership-team",
        "--reason",
        "Child Safeguarding Practice Review under way",
    ]);
    assert!(held.status.success(), "{}", text(&held.stderr));
    let listed = text(&accord(&["retention", "plan", "--partnership", "havering"]).stdout);
    let line = listed.lines().find(|l| l.starts_with(&case)).unwrap();
    assert!(
        line.contains("on legal hold since") && line.contains("Practice Review"),
        "{line}"
    );
    let again = accord(&[
        "retention",
        "hold",
        &case,
        "--by",
        "hav-partnership-team",
        "--reason",
        "again",
    ]);
    assert!(
        text(&again.stderr).contains("already"),
        "{}",
        text(&again.stderr)
    );
    let not_team = accord(&["retention", "release", &case, "--by", "hav-csc-manager"]);
    assert!(text(&not_team.stderr).contains("partnership team"));
    let released = accord(&[
        "retention",
        "release",
        &case,
        "--by",
        "hav-partnership-team",
    ]);
    assert!(released.status.success(), "{}", text(&released.stderr));
    let listed = text(&accord(&["retention", "plan", "--partnership", "havering"]).stdout);
    assert!(
        !listed
            .lines()
            .find(|l| l.starts_with(&case))
            .unwrap()
            .contains("legal hold")
    );
    // Every change is in the directory audit, and the chains verify.
    let verified = accord(&["verify"]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
}

#[test]
fn a_subject_access_export_is_written_as_json_and_pdf_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let key_file = dir.path().join("master.key");
    LocalMasterKey::create(&key_file).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(demo_in(&url, &key_file));
    let (case, name) = runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), key(&key_file))
            .await
            .unwrap();
        let entry = store.register_of("havering").await.unwrap().remove(0);
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        let name = case.subjects()[0].name.as_str().to_owned();
        store.close().await;
        (entry.case.to_string(), name)
    });
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().to_str().unwrap();
    let accord = |args: &[&str]| run(&url, &key_file, args);

    let nobody = accord(&[
        "subject-access",
        "--by",
        "hav-partnership-team",
        "--out",
        folder,
    ]);
    assert!(!nobody.status.success());
    assert!(
        text(&nobody.stderr).contains("say whom"),
        "{}",
        text(&nobody.stderr)
    );
    let not_team = accord(&[
        "subject-access",
        "--by",
        "hav-csc-manager",
        "--child-name",
        &name,
        "--out",
        folder,
    ]);
    assert!(text(&not_team.stderr).contains("partnership team"));

    let made = accord(&[
        "subject-access",
        "--by",
        "hav-partnership-team",
        "--child-name",
        &name,
        "--out",
        folder,
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(
        text(&made.stdout).contains("check_before_release"),
        "{}",
        text(&made.stdout)
    );
    let mut files: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    let cases: Vec<&str> = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case"].as_str().unwrap())
        .collect();
    assert!(cases.contains(&case.as_str()), "{cases:?}");
    let pdf = std::fs::read(&files[1]).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    let theirs = tempfile::tempdir().unwrap();
    let professional = accord(&[
        "subject-access",
        "--by",
        "hav-partnership-team",
        "--professional",
        "hav-health-practitioner",
        "--out",
        theirs.path().to_str().unwrap(),
    ]);
    assert!(
        professional.status.success(),
        "{}",
        text(&professional.stderr)
    );
    assert!(text(&professional.stdout).contains("a professional"));
}
