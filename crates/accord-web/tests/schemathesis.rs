//! Schemathesis (from PyPI) against the real server's `/api/openapi.json`
//! (issue 4): it generates requests for every operation from the document,
//! valid and not, and checks every answer. There must be no 5xx, no status
//! the document does not list for the operation, no wrong content type and
//! no body that breaks its schema.
//!
//! The server holds the seeded demo on PostgreSQL, which refuses what
//! SQLite would store silently (a NUL in text, issue 11): Schemathesis
//! generates strings with NULs and every other control character, and none
//! may reach the database as a 5xx. It signs in with a read
//! and write API token of Havering's partnership team, who may see every
//! Havering case. It is told the demo's real case ids, agencies, people and
//! small version numbers, so besides random input its requests reach real
//! cases, the directory checks and the engine's rules.
//!
//! `scripts/test` installs Schemathesis in a virtual environment under
//! `target/` and names it in `ACCORD_SCHEMATHESIS`; without either that or
//! `schemathesis` on the `PATH` this test fails, saying how to install it.

mod common;

use std::{fmt::Write as _, path::PathBuf, process::Command};

use common::{Backend, bearer_token, sign_in, spawn_app_with_demo_on};

/// How many requests Schemathesis makes per operation and phase: enough to
/// try every field's edge cases, few enough to finish in a minute or two.
const MAX_EXAMPLES: &str = "25";

fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("ACCORD_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let on_path = Command::new("schemathesis").arg("--version").output();
    match on_path {
        Ok(out) if out.status.success() => PathBuf::from("schemathesis"),
        _ => panic!(
            "Schemathesis is not installed: run ./scripts/test, which installs it, or \
             `pip install schemathesis` and put it on the PATH (or name it in \
             ACCORD_SCHEMATHESIS)"
        ),
    }
}

/// A TOML array of strings.
fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schemathesis_finds_no_server_error_and_no_answer_that_breaks_the_document() {
    let program = schemathesis();
    let (app, state, _clock) = spawn_app_with_demo_on(Backend::Postgres).await;
    let team = sign_in(&app, "hav-partnership-team").await;
    let bearer = bearer_token(&app, &team, &["read", "write"]).await;

    let store = state.store();
    let cases: Vec<String> = store
        .register_of("havering")
        .await
        .unwrap()
        .iter()
        .map(|e| e.case.to_string())
        .collect();
    let agencies: Vec<String> = store
        .agencies("havering")
        .await
        .unwrap()
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    let people: Vec<String> = store
        .people("havering")
        .await
        .unwrap()
        .iter()
        .map(|p| p.id.to_string())
        .collect();
    let numbers: Vec<String> = (1..=30).map(|n| n.to_string()).collect();

    let dir = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for (name, values) in [
        ("cases", &cases),
        ("agencies", &agencies),
        ("people", &people),
    ] {
        writeln!(
            config,
            "[dictionaries.{name}]\nvalues = {}\n",
            strings(values.iter().map(String::as_str))
        )
        .unwrap();
    }
    writeln!(
        config,
        "[dictionaries.numbers]\nvalues = [{}]\n",
        numbers.join(", ")
    )
    .unwrap();
    // Every character, NUL and the other controls included, in every string.
    writeln!(
        config,
        "[generation]\nallow-x00 = true\ncodec = \"utf-8\"\n"
    )
    .unwrap();
    let binding =
        |dictionary: &str, p: f64| format!("{{ dictionary = {dictionary:?}, probability = {p} }}");
    writeln!(config, "[parameters]").unwrap();
    for (key, dictionary, p) in [
        ("body.expected_version", "numbers", 0.5),
        ("body.other_agency", "agencies", 0.7),
        ("body.agency", "agencies", 0.7),
        ("body.other_professional", "people", 0.5),
        ("body.record.participants[*].person", "people", 0.7),
        ("body.record.participants[*].agency", "agencies", 0.7),
        ("body.details.who", "people", 0.7),
        ("body.details.agency", "agencies", 0.7),
        ("body.members[*].person", "people", 0.7),
        ("body.members[*].agency", "agencies", 0.7),
    ] {
        writeln!(config, "{key:?} = {}", binding(dictionary, p)).unwrap();
    }
    writeln!(
        config,
        "\n[[operations]]\ninclude-path-regex = \"^/api/v1/cases/\\\\{{id\\\\}}\"\nparameters = {{ \"path.id\" = {} }}",
        binding("cases", 0.8)
    )
    .unwrap();
    writeln!(
        config,
        "\n[[operations]]\ninclude-path-regex = \"^/api/v1/partnerships/\"\nparameters = {{ \"path.id\" = \"havering\" }}"
    )
    .unwrap();
    let config_path = dir.path().join("schemathesis.toml");
    std::fs::write(&config_path, &config).unwrap();

    let schema = app.url("/api/openapi.json");
    let report = dir.path().join("report");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(program)
            .arg("--config-file")
            .arg(&config_path)
            .args(["run", &schema])
            .args(["--header", &format!("Authorization:{bearer}")])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,\
                 response_schema_conformance",
            ])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--max-examples", MAX_EXAMPLES])
            .args(["--workers", "2", "--seed", "4242", "--no-color"])
            .arg("--report-dir")
            .arg(&report)
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .expect("schemathesis runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{stdout}\n{stderr}\nconfig:\n{config}"
    );
    // It ran every operation the document lists.
    let doc = app.get_json("/api/openapi.json", 200).await;
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert!(
        stdout.contains(&format!("Tested: {operations}")),
        "not every operation was tested:\n{stdout}"
    );
    println!("{stdout}");
}
