//! `accord verify`, `rebuild`, `backup`, `demo seed` and `register`, run as
//! a process against real databases: what they print and exit with, and that bad input (an
//! unreachable server, a wrong password, a read-only or missing file) gives
//! one clear error line and a non-zero exit, never a panic.

#[path = "../../accord-store/tests/common/master_key.rs"]
mod master_key;
#[path = "../../accord-store/tests/common/postgres.rs"]
mod postgres;
#[path = "../../accord-store/tests/common/sample.rs"]
mod sample;

use std::{
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::Path,
    process::{Command, Output},
};

use accord_store::Store;

fn accord(args: &[&str]) -> Output {
    accord_at(Path::new(env!("CARGO_BIN_EXE_accord")), args)
}

fn accord_at(binary: &Path, args: &[&str]) -> Output {
    command(binary).args(args).output().expect("accord runs")
}

fn command(binary: &Path) -> Command {
    let mut c = Command::new(binary);
    c.env_remove("ACCORD_DATABASE_URL")
        .env_remove("ACCORD_DATA_DIR")
        .env("ACCORD_MASTER_KEY_FILE", master_key::master_key_file())
        .env_remove("ACCORD_CALENDAR_DIR");
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

/// One line on standard error, starting `error:`, a non-zero exit, and no
/// panic.
fn assert_one_error_line(o: &Output) -> String {
    let err = text(&o.stderr);
    assert!(!o.status.success(), "expected failure, got success: {err}");
    assert!(!err.contains("panicked"), "it panicked: {err}");
    assert_eq!(err.lines().count(), 1, "one line, got: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

/// Writes two sample Havering cases to the SQLite file `url` names.
fn two_cases(url: &str) -> u64 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        for id in ["HAV-1", "HAV-2"] {
            let raised = store
                .append(None, &sample::raise(id, sample::at("2025-03-03T10:00:00Z")))
                .await
                .unwrap();
            let talk =
                sample::discussion(&raised.case, sample::at("2025-03-03T14:00:00Z"), "Talked.");
            let talked = store
                .append(Some(raised.case.version()), &talk)
                .await
                .unwrap();
            let up = sample::escalate(&talked.case, sample::at("2025-03-04T09:00:00Z"));
            store
                .append(Some(talked.case.version()), &up)
                .await
                .unwrap();
        }
        let n = store.event_count().await.unwrap();
        store.close().await;
        n
    })
}

#[test]
fn verify_counts_rebuild_rebuilds_and_backup_copies_a_sqlite_record() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accord.sqlite");
    let url = format!("sqlite://{}", db.display());
    let n = two_cases(&url);

    let o = accord(&["verify", "--database-url", &url]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with(&format!("{n} events checked")),
        "{}",
        text(&o.stdout)
    );

    // The environment variable works as the flag does.
    let o = command(Path::new(env!("CARGO_BIN_EXE_accord")))
        .arg("rebuild")
        .env("ACCORD_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(&format!("from {n} events")),
        "{}",
        text(&o.stdout)
    );

    let copy = dir.path().join("copy.sqlite");
    let o = accord(&["backup", copy.to_str().unwrap(), "--database-url", &url]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = accord(&[
        "verify",
        "--database-url",
        &format!("sqlite://{}", copy.display()),
    ]);
    assert!(text(&o.stdout).starts_with(&format!("{n} events checked")));
    let o = accord(&["backup", copy.to_str().unwrap(), "--database-url", &url]);
    assert!(assert_one_error_line(&o).contains("already exists"));
}

#[test]
fn without_a_url_the_record_is_in_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = accord(&["verify", "--data-dir", data.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("0 events checked"));
    assert!(data.join("accord.sqlite").is_file());
}

#[test]
fn verify_exits_1_naming_an_altered_event() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    two_cases(&url);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "DROP TRIGGER events_no_update; \
             UPDATE events SET at = '2025-03-03T10:00:01Z' WHERE global_seq = 2",
        )
        .execute(&mut c)
        .await
        .unwrap();
    });
    let o = accord(&["verify", "--database-url", &url]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.contains("event 2 (case HAV-1) was altered"), "{out}");
}

/// Issue 11: `accord verify` walks the directory audit too, and names the
/// first entry altered behind Accord's back.
#[test]
fn verify_exits_1_naming_an_altered_directory_audit_entry() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let n = two_cases(&url);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let (calendars, policies) = sample::world();
        let demo =
            accord_demo::demo(sample::at("2025-06-02T09:30:00Z"), calendars, policies).unwrap();
        store
            .put_directory(
                (&demo).into(),
                &accord_store::ChangedBy::DEMO,
                sample::at("2025-06-02T09:30:00Z"),
            )
            .await
            .unwrap();
        store.close().await;
    });
    let o = accord(&["verify", "--database-url", &url]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with(&format!("{n} events checked")), "{out}");
    assert!(
        out.contains("directory audit entries checked: the audit chain is intact"),
        "{out}"
    );

    // Someone with the file makes hav-police-manager a chair in the record
    // of when they were added.
    runtime.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "DROP TRIGGER directory_audit_no_update; \
             UPDATE directory_audit SET after_json = replace(after_json, '\"manager\"', '\"chair\"') \
             WHERE subject_id = 'hav-police-manager'",
        )
        .execute(&mut c)
        .await
        .unwrap();
    });
    let o = accord(&["verify", "--database-url", &url]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(
        out.contains("good directory audit entries: directory audit entry"),
        "{out}"
    );
    assert!(
        out.contains("was altered: its stored fields no longer match its hashed bytes"),
        "{out}"
    );
}

#[test]
fn an_unreachable_postgres_is_one_error_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://accord:secret@127.0.0.1:{port}/accord");
    let o = accord(&["verify", "--database-url", &url]);
    let err = assert_one_error_line(&o);
    assert!(
        err.contains("could not open the PostgreSQL database"),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "the password is never printed: {err}"
    );
}

#[test]
fn a_wrong_postgres_password_is_one_error_line() {
    let server = postgres::server();
    let url = server
        .admin_url
        .replacen(postgres::PASSWORD, "not-the-password", 1);
    assert_ne!(
        url, server.admin_url,
        "the test server's URL carries its password"
    );
    let o = accord(&["verify", "--database-url", &url]);
    let err = assert_one_error_line(&o);
    assert!(err.contains("password"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
}

#[test]
fn a_missing_folder_is_one_error_line() {
    let o = accord(&[
        "rebuild",
        "--database-url",
        "sqlite:///no/such/folder/accord.sqlite",
    ]);
    assert!(assert_one_error_line(&o).contains("/no/such/folder does not exist"));
}

#[test]
fn a_database_opened_read_only_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accord.sqlite");
    two_cases(&format!("sqlite://{}", db.display()));
    let o = accord(&[
        "rebuild",
        "--database-url",
        &format!("sqlite://{}?mode=ro", db.display()),
    ]);
    assert!(assert_one_error_line(&o).contains("readonly"));
}

/// A file and folder the user may not write. Root may write anything, so
/// as root the command runs as `nobody`, from a copy of the binary it can
/// reach.
#[test]
fn a_read_only_file_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accord.sqlite");
    two_cases(&format!("sqlite://{}", db.display()));
    let binary = dir.path().join("accord");
    std::fs::copy(env!("CARGO_BIN_EXE_accord"), &binary).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let url = format!("sqlite://{}", db.display());
    let as_root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    // The master key, in a file of nobody's own (it must be its owner's alone).
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("master.key");
    let o = if as_root {
        std::fs::copy(master_key::master_key_file(), &key_file).unwrap();
        let nobody = Command::new("id").args(["-u", "nobody"]).output().unwrap();
        let nobody: u32 = String::from_utf8(nobody.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::os::unix::fs::chown(keys.path(), Some(nobody), None).unwrap();
        std::os::unix::fs::chown(&key_file, Some(nobody), None).unwrap();
        Command::new("runuser")
            .args(["-u", "nobody", "--"])
            .arg(&binary)
            .args(["rebuild", "--database-url", &url])
            .env_remove("ACCORD_DATABASE_URL")
            .env("ACCORD_MASTER_KEY_FILE", &key_file)
            .env("HOME", dir.path())
            .output()
            .unwrap()
    } else {
        accord_at(&binary, &["rebuild", "--database-url", &url])
    };
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = assert_one_error_line(&o);
    assert!(
        err.contains("readonly") || err.contains("unable to open"),
        "{err}"
    );
}

/// The number in "Seeded the demo …: N cases added (E events)".
fn events_added(out: &str) -> u64 {
    let (_, rest) = out
        .split_once(" cases added (")
        .expect("a count of cases added");
    rest.split_once(' ').unwrap().0.parse().unwrap()
}

/// Issue 3: `accord demo seed` is idempotent. The first run adds every
/// demo case and prints the sign-ins; the second adds nothing; the chain
/// verifies with the same count both times.
#[test]
fn demo_seed_twice_adds_nothing_and_verify_passes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accord.sqlite");
    let url = format!("sqlite://{}", db.display());

    let o = accord(&["demo", "seed", "--database-url", &url]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.starts_with(&format!("Seeded the demo into {url}:")),
        "{out}"
    );
    assert!(out.contains("5 partnerships"), "{out}");
    assert!(out.contains(", 0 already there"), "{out}");
    for sign_in in [
        "hav-csc-practitioner",
        "ply-chair",
        "iom-iro",
        "sut-admin",
        "ery-panel-member",
    ] {
        assert!(out.contains(sign_in), "{sign_in} is not listed: {out}");
    }
    let n = events_added(&out);
    assert!(n > 0);
    let o = accord(&["verify", "--database-url", &url]);
    assert!(
        text(&o.stdout).starts_with(&format!("{n} events checked")),
        "{}",
        text(&o.stdout)
    );

    let o = accord(&["demo", "seed", "--database-url", &url]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("Nothing to add: the "), "{out}");
    assert!(out.contains("hav-csc-practitioner"), "{out}");
    let o = accord(&["verify", "--database-url", &url]);
    assert!(o.status.success(), "{}", text(&o.stdout));
    assert!(
        text(&o.stdout).starts_with(&format!("{n} events checked")),
        "{}",
        text(&o.stdout)
    );
}

/// Without a URL the demo goes into the data folder, and `accord register`
/// shows it by stage, overdue cases marked, one partnership at a time.
#[test]
fn the_seeded_register_shows_each_partnership_by_stage() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let o = accord(&["register", "--data-dir", data]);
    assert!(
        text(&o.stdout).starts_with("The register is empty"),
        "{}",
        text(&o.stdout)
    );

    let o = accord(&["demo", "seed", "--data-dir", data]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(&format!("{data}/accord.sqlite")),
        "{}",
        text(&o.stdout)
    );

    let o = accord(&["register", "--data-dir", data, "--partnership", "havering"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.starts_with("Havering Safeguarding Children Partnership: "),
        "{out}"
    );
    assert!(
        out.contains("Stage One: Discuss with the other worker"),
        "{out}"
    );
    assert!(out.contains("HAV-DEMO-0001  due end of "), "{out}");
    assert!(out.contains("OVERDUE"), "{out}");
    assert!(out.contains("resolved, awaiting confirmation"), "{out}");
    assert!(!out.contains("PLY-DEMO"), "only Havering: {out}");

    let o = accord(&["register", "--data-dir", data]);
    let out = text(&o.stdout);
    for name in [
        "East Riding",
        "Havering",
        "Isle of Man",
        "Plymouth",
        "Sutton",
    ] {
        assert!(out.contains(name), "{name} is missing: {out}");
    }

    let o = accord(&["register", "--data-dir", data, "--partnership", "nowhere"]);
    let err = assert_one_error_line(&o);
    assert!(err.contains("choose one of east-riding, havering"), "{err}");
}

#[test]
fn demo_seed_with_a_bad_url_is_one_error_line() {
    let o = accord(&[
        "demo",
        "seed",
        "--database-url",
        "mysql://root:secret@db/accord",
    ]);
    let err = assert_one_error_line(&o);
    assert!(
        err.contains("`mysql:` is not a database Accord can use"),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
    let o = accord(&[
        "demo",
        "seed",
        "--database-url",
        "sqlite:///no/such/folder/accord.sqlite",
    ]);
    assert!(assert_one_error_line(&o).contains("/no/such/folder does not exist"));
}
