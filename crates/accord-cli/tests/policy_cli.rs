//! Issue 13 §2 at the command line: a partnership created with a policy
//! file of its own; `accord policy install` checks a new version, lists
//! what it changes against the version in force and installs nothing
//! without `--yes`; `accord policy history` lists every version with when
//! and by whom; and every installed version can still be shown.

use std::{
    path::Path,
    process::{Command, Output},
};

/// Runs `accord --database-url URL ARGS…`.
fn accord(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .env_remove("ACCORD_DATABASE_URL")
        .env_remove("ACCORD_DATA_DIR")
        .env_remove("ACCORD_MASTER_KEY_FILE")
        .env_remove("ACCORD_CALENDAR_DIR")
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .expect("accord runs")
}

fn succeeded(o: &Output) -> String {
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// `accord policy new --from havering-2022`, made Northshire's own: its id,
/// `version`, and Stage One's timescale in working days.
fn northshire(dir: &Path, version: u32, stage_one_days: u32) -> String {
    let new = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["policy", "new", "--from", "havering-2022"])
        .output()
        .unwrap();
    let source = String::from_utf8(new.stdout).unwrap();
    let source = source
        .replacen("id = \"havering-2022\"", "id = \"northshire-2026\"", 1)
        .replacen("version = 1", &format!("version = {version}"), 1)
        .replacen(
            "[tracks.stages.timescale]\nworking_days = 5",
            &format!("[tracks.stages.timescale]\nworking_days = {stage_one_days}"),
            1,
        );
    let path = dir.join(format!("northshire-v{version}.toml"));
    std::fs::write(&path, source).unwrap();
    path.display().to_string()
}

#[test]
fn a_partnership_runs_its_own_policy_in_versions() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let v1 = northshire(dir.path(), 1, 5);
    let made = succeeded(&accord(
        &url,
        &[
            "partnership",
            "create",
            "northshire",
            "--name",
            "Northshire Safeguarding Children Partnership",
            "--policy",
            &v1,
        ],
    ));
    assert!(made.contains("running northshire-2026 version 1"), "{made}");

    let history = succeeded(&accord(
        &url,
        &["policy", "history", "--partnership", "northshire"],
    ));
    assert!(history.contains("northshire-2026 version 1"), "{history}");
    assert!(history.contains("by accord-cli"), "{history}");
    assert!(history.contains("(in force)"), "{history}");

    // Version 2, checked and listed, but not installed without --yes.
    let v2 = northshire(dir.path(), 2, 3);
    let shown = succeeded(&accord(
        &url,
        &["policy", "install", &v2, "--partnership", "northshire"],
    ));
    assert!(
        shown.contains("valid policy northshire-2026 version 2"),
        "{shown}"
    );
    assert!(
        shown.contains("What changes against northshire-2026 version 1"),
        "{shown}"
    );
    assert!(
        shown.contains("timescale changes from 5 working days")
            && shown.contains("to 3 working days"),
        "{shown}"
    );
    assert!(shown.contains("Nothing is installed yet"), "{shown}");
    let history = succeeded(&accord(
        &url,
        &["policy", "history", "--partnership", "northshire"],
    ));
    assert!(!history.contains("version 2"), "{history}");

    let installed = succeeded(&accord(
        &url,
        &[
            "policy",
            "install",
            &v2,
            "--partnership",
            "northshire",
            "--yes",
        ],
    ));
    assert!(
        installed.contains("Installed northshire-2026 version 2 for northshire"),
        "{installed}"
    );
    assert!(
        installed.contains("the 0 open ones carry on under the versions they were raised under"),
        "{installed}"
    );
    // Again: nothing changes.
    let again = succeeded(&accord(
        &url,
        &[
            "policy",
            "install",
            &v2,
            "--partnership",
            "northshire",
            "--yes",
        ],
    ));
    assert!(
        again.contains("is already in force for northshire: nothing to install"),
        "{again}"
    );

    let history = succeeded(&accord(
        &url,
        &[
            "policy",
            "history",
            "--partnership",
            "northshire",
            "--format",
            "json",
        ],
    ));
    let rows: serde_json::Value = serde_json::from_str(&history).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["in_force"], false);
    assert_eq!(rows[1]["in_force"], true);
    assert_eq!(rows[1]["version"], 2);

    // Every version can still be read.
    let old = succeeded(&accord(
        &url,
        &[
            "policy",
            "show",
            "northshire-2026",
            "--version",
            "1",
            "--format",
            "json",
        ],
    ));
    let old: serde_json::Value = serde_json::from_str(&old).unwrap();
    assert_eq!(old["version"], 1);
    assert_eq!(
        old["tracks"][0]["stages"][0]["timescale"]["working_days"],
        5
    );
}

/// A file with mistakes is printed mistake by mistake as FILE:LINE:COL,
/// exits 1 and installs nothing; a copy that keeps a built-in's id is one
/// clear error line.
#[test]
fn a_file_with_mistakes_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    succeeded(&accord(
        &url,
        &[
            "partnership",
            "create",
            "northshire",
            "--name",
            "Northshire",
            "--policy",
            "havering-2022",
        ],
    ));
    let good = northshire(dir.path(), 1, 5);
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        std::fs::read_to_string(&good).unwrap().replacen(
            "working_days = 5",
            "working_days = \"five\"",
            1,
        ),
    )
    .unwrap();
    let broken = broken.display().to_string();
    let out = accord(
        &url,
        &[
            "policy",
            "install",
            &broken,
            "--partnership",
            "northshire",
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed.contains(&format!("{broken}:")), "{printed}");
    assert!(printed.contains("nothing is installed"), "{printed}");

    let builtin = dir.path().join("copy.toml");
    let copy = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["policy", "new", "--from", "plymouth-2025"])
        .output()
        .unwrap();
    std::fs::write(&builtin, copy.stdout).unwrap();
    let out = accord(
        &url,
        &[
            "policy",
            "install",
            builtin.to_str().unwrap(),
            "--partnership",
            "northshire",
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("`plymouth-2025` is the id of a built-in policy"),
        "{err}"
    );

    let history = succeeded(&accord(
        &url,
        &["policy", "history", "--partnership", "northshire"],
    ));
    assert!(
        history.contains("northshire runs the built-in policy havering-2022 version 1, and has installed no policy of its own"),
        "{history}"
    );
}

/// `--calendar` is checked against the policy's own calendar, which sets
/// it: another calendar needs a policy of the partnership's own that names
/// it, and the error says how to make one.
#[test]
fn the_calendar_is_the_policys() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let create = |calendar: &str| {
        accord(
            &url,
            &[
                "partnership",
                "create",
                "fife",
                "--name",
                "Fife",
                "--policy",
                "havering-2022",
                "--calendar",
                calendar,
            ],
        )
    };
    let out = create("scotland");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("havering-2022 counts working days on the england-and-wales calendar: to count them on scotland, make a policy of your own"),
        "{err}"
    );
    let out = create("narnia");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("there is no calendar `narnia`: choose one of"),
        "{err}"
    );
    let made = succeeded(&create("england-and-wales"));
    assert!(made.contains("running havering-2022 version 1"), "{made}");
}
