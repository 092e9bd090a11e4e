//! The `accord` command line, run as a process: exit codes, output formats
//! and error messages exactly as an administrator or a script sees them.

use std::process::{Command, Output};

/// Runs `accord` with a data folder of its own, so that a command which
/// opens the default database never reads or writes the real one in the
/// user's home (`$XDG_DATA_HOME/accord`).
fn accord(args: &[&str]) -> Output {
    let data = tempfile::tempdir().expect("a temporary folder");
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .env_remove("ACCORD_CALENDAR_DIR")
        .env_remove("ACCORD_DATABASE_URL")
        .env_remove("ACCORD_DATA_DIR")
        .env_remove("ACCORD_MASTER_KEY_FILE")
        .env("XDG_DATA_HOME", data.path())
        .output()
        .expect("the accord binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

#[test]
fn calendar_list_names_the_four_uk_calendars() {
    let o = accord(&["calendar", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for id in [
        "england-and-wales",
        "scotland",
        "northern-ireland",
        "isle-of-man",
    ] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
}

/// DESIGN.md §3: "a one-working-day stage entered on Friday 24 December
/// 2027, England and Wales, is due at the end of Wednesday 29 December. The
/// 27th and 28th are substitute days."
#[test]
fn add_working_days_skips_christmas_substitute_days() {
    let o = accord(&[
        "calendar",
        "add-working-days",
        "england-and-wales",
        "2027-12-24",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2027-12-29\n");
}

#[test]
fn holidays_as_json_are_date_and_name_objects() {
    let o = accord(&[
        "calendar",
        "holidays",
        "england-and-wales",
        "2022",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let days: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).expect("JSON array");
    let dates: Vec<&str> = days.iter().map(|d| d["date"].as_str().unwrap()).collect();
    // The 2022 one-off days: Spring bank holiday moved to 2 June, the
    // Platinum Jubilee on 3 June, the State Funeral on 19 September.
    for date in ["2022-06-02", "2022-06-03", "2022-09-19"] {
        assert!(dates.contains(&date), "{date} missing from {dates:?}");
    }
    for d in &days {
        let obj = d.as_object().unwrap();
        assert_eq!(obj.len(), 2, "only date and name: {d}");
        assert!(!obj["name"].as_str().unwrap().is_empty());
    }
}

#[test]
fn unknown_calendar_is_one_clear_error_line() {
    let o = accord(&["calendar", "holidays", "wales", "2026"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("wales") && err.contains("england-and-wales"),
        "{err}"
    );
}

#[test]
fn a_date_that_is_not_a_date_says_how_to_write_one() {
    let o = accord(&[
        "calendar",
        "add-working-days",
        "scotland",
        "24/12/2027",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("YYYY-MM-DD"), "{}", stderr(&o));
}

/// Far-future dates are refused with the years that work, never a panic.
#[test]
fn dates_outside_the_supported_years_are_refused_clearly() {
    for args in [
        &[
            "calendar",
            "add-working-days",
            "isle-of-man",
            "9999-12-30",
            "5",
        ][..],
        &["calendar", "holidays", "scotland", "2500"],
        &[
            "policy",
            "timeline",
            "havering-2022",
            "--raised",
            "9999-12-30T10:00",
        ],
    ] {
        let o = accord(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("from 1900 to 2200"), "{args:?}: {err}");
    }
}

#[test]
fn zero_working_days_is_refused() {
    let o = accord(&[
        "calendar",
        "add-working-days",
        "scotland",
        "2027-12-24",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("between 1 and"), "{}", stderr(&o));
}

#[test]
fn policy_list_names_the_five_built_in_policies() {
    let o = accord(&["policy", "list", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let ids: Vec<&str> = list.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "east-riding-2018",
            "havering-2022",
            "isle-of-man-2023",
            "plymouth-2025",
            "sutton-2015"
        ]
    );
    let text = stdout(&accord(&["policy", "list"]));
    assert!(text.contains("havering-2022"), "{text}");
}

#[test]
fn policy_show_prints_stages_forms_and_notes() {
    let o = accord(&["policy", "show", "havering-2022"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for expected in [
        "Stage 1",
        "Stage 4",
        "Panel: at least 3 agencies",
        "Notes",
        "iro",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` missing from:\n{text}"
        );
    }
}

#[test]
fn policy_show_unknown_id_lists_the_known_ones() {
    let o = accord(&["policy", "show", "havering"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("havering-2022"), "{}", stderr(&o));
}

#[test]
fn every_built_in_policy_file_passes_policy_check() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../accord-policy/policies");
    for id in [
        "east-riding-2018",
        "havering-2022",
        "isle-of-man-2023",
        "plymouth-2025",
        "sutton-2015",
    ] {
        let file = format!("{dir}/{id}.toml");
        let o = accord(&["policy", "check", &file]);
        assert!(o.status.success(), "{id}: {}{}", stdout(&o), stderr(&o));
    }
}

#[test]
fn policy_check_reports_file_line_column_and_hint_and_exits_1() {
    let dir = tempdir();
    let file = dir.join("broken.toml");
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../accord-policy/policies/havering-2022.toml"
    ))
    .unwrap()
    .replacen(
        "calendar = \"england-and-wales\"",
        "calendar = \"england\"",
        1,
    );
    std::fs::write(&file, &source).unwrap();
    let line = source
        .lines()
        .position(|l| l.starts_with("calendar = "))
        .unwrap()
        + 1;

    let o = accord(&["policy", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let text = stdout(&o);
    let prefix = format!("{}:{line}:", file.display());
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&prefix),
        "expected {prefix}… got:\n{text}"
    );
    assert!(first.contains("england"), "{text}");
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("hint:"),
        "{text}"
    );
}

#[test]
fn policy_check_of_a_missing_file_is_an_error() {
    let o = accord(&["policy", "check", "/nonexistent/policy.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot read /nonexistent/policy.toml"),
        "{}",
        stderr(&o)
    );
}

/// ER-3 (reading): "The maximum timescale for completion of a dispute up to
/// Stage 4 is 5 days. … Stage 5 … should be begun 5 days from the original
/// dispute being raised and completed within a further 5 days." Calendar
/// days, as the policy's note reads them: Christmas and the New Year do not
/// stop the child's clock.
#[test]
fn east_riding_timeline_applies_the_five_and_ten_day_limits() {
    let o = accord(&[
        "policy",
        "timeline",
        "east-riding-2018",
        "--raised",
        "2027-12-23T10:00",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let body: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let stages = body["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 5);
    // Raised Thursday 23 December 2027: the fifth day after it is Tuesday
    // 28 December, the Boxing Day substitute, bank holidays notwithstanding.
    assert_eq!(stages[3]["due"]["last_day"], "2027-12-28");
    // The tenth is Sunday 2 January 2028.
    assert_eq!(stages[4]["due"]["last_day"], "2028-01-02");
}

#[test]
fn isle_of_man_timeline_is_open_ended_after_stage_three() {
    let o = accord(&[
        "policy",
        "timeline",
        "isle-of-man-2023",
        "--raised",
        "2026-07-02T09:30",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let stage = |n: usize| {
        text.lines()
            .find(|l| l.starts_with(&format!("Stage {n} ")))
            .unwrap()
            .to_owned()
    };
    // IOM-5: within 1 working day. Friday 3 July 2026 is a working day.
    assert!(stage(1).contains("end of Fri 3 Jul 2026"), "{text}");
    // IOM-6: within 2 working days of Stage 2's start (escalated on Friday
    // 3 July, its last day): Monday 6 July is Tynwald Day (5 July falls on a Sunday), so
    // Tuesday 7 and Wednesday 8 July.
    assert!(stage(2).contains("end of Wed 8 Jul 2026"), "{text}");
    // IOM-7: no fixed timescale; everything after it is open-ended.
    assert!(stage(3).contains("open-ended"), "{text}");
    assert!(stage(4).contains("open-ended"), "{text}");
}

/// ER-3: stages 1–4 share the 5 days from raising, so in the timeline,
/// where each stage is escalated on its last day, Stages Two to Four all
/// begin on the last of the five days and are due at its end; Stage Five
/// then has until the end of the tenth. The header says how the policy
/// counts its days, which for East Riding is calendar days.
#[test]
fn east_riding_timeline_shows_the_shared_five_days() {
    let o = accord(&[
        "policy",
        "timeline",
        "east-riding-2018",
        "--raised",
        "2026-03-30T10:00",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let line = |n: usize| {
        text.lines()
            .find(|l| l.starts_with(&format!("Stage {n} ")))
            .unwrap()
            .to_owned()
    };
    assert!(text.contains("escalated on its last day"), "{text}");
    assert!(!text.contains("working days on"), "{text}");
    assert!(line(1).contains("Mon 30 Mar 2026 10:00"), "{text}");
    for n in 2..=4 {
        assert!(line(n).contains("Sat 4 Apr 2026 10:00"), "{text}");
        assert!(line(n).contains("end of Sat 4 Apr 2026"), "{text}");
        assert!(!line(n).contains("already past"), "{text}");
    }
    assert!(line(5).contains("end of Thu 9 Apr 2026"), "{text}");
}

#[test]
fn timeline_with_a_badly_written_time_says_how_to_write_it() {
    let o = accord(&[
        "policy",
        "timeline",
        "havering-2022",
        "--raised",
        "tomorrow",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("YYYY-MM-DDTHH:MM"), "{}", stderr(&o));
}

#[test]
fn timeline_for_an_unknown_track_lists_the_tracks() {
    let o = accord(&[
        "policy",
        "timeline",
        "sutton-2015",
        "--track",
        "nope",
        "--raised",
        "2026-01-05T09:00",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("strategic"), "{}", stderr(&o));
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "accord-cli-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Issue 13 §2: "Start from a built-in: `accord policy new --from
/// havering-2022 > ours.toml`". The copy is a valid policy file as it
/// stands, says what to change, and once its id is changed it is checked
/// as the partnership's own; an unknown built-in is one clear error.
#[test]
fn a_partnerships_own_policy_starts_from_a_built_in() {
    let o = accord(&["policy", "new", "--from", "havering-2022"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let copy = stdout(&o);
    assert!(
        copy.starts_with("# A copy of the built-in policy havering-2022 version 1"),
        "{copy}"
    );
    assert!(copy.contains("id = \"havering-2022\""));
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.toml");
    std::fs::write(
        &ours,
        copy.replacen("id = \"havering-2022\"", "id = \"northshire-2026\"", 1),
    )
    .unwrap();
    let checked = accord(&["policy", "check", ours.to_str().unwrap()]);
    assert!(
        checked.status.success(),
        "{}{}",
        stdout(&checked),
        stderr(&checked)
    );
    assert!(
        stdout(&checked).contains("northshire-2026"),
        "{}",
        stdout(&checked)
    );

    let unknown = accord(&["policy", "new", "--from", "croydon-2024"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("there is no policy `croydon-2024`"),
        "{}",
        stderr(&unknown)
    );
}
