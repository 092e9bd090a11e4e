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

//!
//! Beside it, the same document as an integrator's tools read it (issue
//! 19): openapi-spec-validator must find no error in it, and a Python
//! client generated from it by openapi-python-client must walk a case
//! (`openapi_client/walk.py`). Both are pinned in `scripts/test`, which
//! installs them in a virtual environment named in `ACCORD_OPENAPI_TOOLS`.

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

/// The virtual environment holding openapi-spec-validator and
/// openapi-python-client.
fn openapi_tools() -> PathBuf {
    match std::env::var_os("ACCORD_OPENAPI_TOOLS") {
        Some(path) => PathBuf::from(path),
        None => panic!(
            "openapi-spec-validator and openapi-python-client are not installed: run \
             ./scripts/test, which installs them, or make a virtual environment with `pip \
             install openapi-spec-validator==0.9.0 openapi-python-client==0.29.1` and name it in \
             ACCORD_OPENAPI_TOOLS"
        ),
    }
}

/// Runs `command` off the test's threads; fails the test, with what it
/// printed, unless it succeeds. Returns its standard output.
async fn run(mut command: Command, what: &'static str) -> String {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{what} could not start: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

/// Issue 19: "openapi-spec-validator runs on the document in the test
/// suite and fails it on any error." It failed before on operation ids
/// used twice, and on a pattern written with `\p{L}`, which JSON Schema's
/// regular expressions do not have.
#[tokio::test]
async fn openapi_spec_validator_finds_no_error_in_the_document() {
    let tools = openapi_tools();
    let app = common::spawn_app().await;
    let doc = app.get("/api/openapi.json").await.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, &doc).unwrap();
    let mut validator = Command::new(tools.join("bin/openapi-spec-validator"));
    validator.arg(&path);
    let said = run(validator, "openapi-spec-validator").await;
    assert!(said.contains(": OK"), "{said}");
}

/// Issue 19: a client generated from the live document signs in, makes a
/// token, raises a disagreement, records the Stage One discussion,
/// escalates and reads the case back, each answer the typed model the
/// document promises; what it read is what the server recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_python_client_walks_a_case() {
    let tools = openapi_tools();
    let (app, state, _clock) = spawn_app_with_demo_on(Backend::Sqlite).await;
    let doc = app.get("/api/openapi.json").await.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("openapi.json");
    std::fs::write(&doc_path, &doc).unwrap();
    // No formatter runs after generating: nothing else need be installed.
    let config = dir.path().join("generator.yml");
    std::fs::write(&config, "post_hooks: []\n").unwrap();
    let mut generate = Command::new(tools.join("bin/openapi-python-client"));
    generate
        .args(["generate", "--meta", "none", "--path"])
        .arg(&doc_path)
        .arg("--output-path")
        .arg(dir.path().join("accord_client"))
        .arg("--config")
        .arg(&config);
    let said = run(generate, "openapi-python-client").await;
    assert!(!said.contains("Warning"), "the generator warned:\n{said}");

    let walk = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/openapi_client/walk.py");
    let mut python = Command::new(tools.join("bin/python"));
    python
        .arg(walk)
        .arg(app.url(""))
        .arg(common::PASSWORD)
        .arg(common::havering_raise().to_string())
        .env("PYTHONPATH", dir.path());
    let out = run(python, "the generated client's walk").await;
    let read: serde_json::Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|_| panic!("not JSON: {out}"));

    let id = accord_case::CaseId::parse(read["id"].as_str().unwrap()).unwrap();
    let case = state.store().load_case(&id).await.unwrap().unwrap();
    assert_eq!(read["version"], case.version().get());
    assert_eq!(read["escalated_version"], case.version().get());
    assert_eq!(read["stage"], 2);
    assert_eq!(read["status"], "open");
    assert_eq!(read["discussions"], 1);
    assert_eq!(read["events"][0], serde_json::json!(["raised", 1]));
    assert_eq!(read["events"][1][0], "escalated");
    assert_eq!(case.raised_by().person.as_str(), "hav-school-practitioner");
}
