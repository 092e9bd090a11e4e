//! Issue 20: "Request logs … name routes, never people or children",
//! proven. `accord serve` runs at its most talkative (`RUST_LOG=debug`),
//! its jobs emailing a real SMTP server, through a whole scenario on each
//! backend: a disagreement raised about a child with a name, a date of
//! birth, an NHS number and a local identifier; a discussion and an
//! escalation in free text; the case read through the API, its page and
//! its print view; the child searched for by name and NHS number, by the
//! API's and the page's query strings. Then everything the server wrote to
//! standard error is searched for each of those, and for the people who
//! took part, by name and by id.

#[path = "../../accord-jobs/tests/common/mod.rs"]
mod common;
mod support;

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::SmtpSink;
use serde_json::{Value, json};
use support::served::{client, serve, sign_in};

const RAISER: &str = "hav-school-practitioner";
const OTHER: &str = "hav-csc-practitioner";
const MANAGER: &str = "hav-school-manager";

/// What the scenario writes that identifies a child or says what happened
/// to them, each of which must never reach a log line.
const CHILD_NAME: &str = "Zebedee Quartermaine";
const DATE_OF_BIRTH: &str = "2014-07-19";
const NHS_NUMBER: &str = "9434765919";
const LOCAL_ID: &str = "LCS-778812";
const SENTENCES: [&str; 5] = [
    "The referral about the bruising was closed without a strategy discussion.",
    "Bruising to both upper arms seen at school on two occasions.",
    "A strategy discussion within two working days.",
    "Both practitioners spoke on the telephone about the bruising and did not agree.",
    "Still not agreed after the practitioners spoke about the upper arms.",
];

fn accord(data: &Path, url: Option<&str>, sink: &SmtpSink) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command
        .arg("--data-dir")
        .arg(data)
        .env("ACCORD_JOBS_EVERY", "1")
        .env("RUST_LOG", "debug")
        .env_remove("ACCORD_CONFIG")
        .env_remove("ACCORD_MASTER_KEY_FILE");
    sink.configure(&mut command);
    match url {
        Some(url) => command.env("ACCORD_DATABASE_URL", url),
        None => command.env_remove("ACCORD_DATABASE_URL"),
    };
    command
}

fn post(base: &str, path: &str, token: &str, body: &Value) -> Value {
    let answer = client()
        .post(format!("{base}{path}"))
        .header("authorization", token)
        .json(body)
        .send()
        .unwrap();
    let status = answer.status();
    let body: Value = answer.json().unwrap();
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

fn get(base: &str, path: &str, auth: (&str, &str)) -> String {
    let answer = client()
        .get(format!("{base}{path}"))
        .header(auth.0, auth.1)
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    answer.text().unwrap()
}

/// The demo person's display name, from the directory.
fn name_of(base: &str, token: &str, who: &str) -> String {
    let people: Value = serde_json::from_str(&get(
        base,
        "/api/v1/partnerships/havering/people",
        ("authorization", token),
    ))
    .unwrap();
    people
        .as_array()
        .or_else(|| people["people"].as_array())
        .expect("a list of people")
        .iter()
        .find(|p| p["id"] == who)
        .and_then(|p| p["name"].as_str())
        .unwrap_or_else(|| panic!("{who} is in the directory: {people}"))
        .to_owned()
}

/// Runs the scenario against a server on `url` (SQLite in `data` when
/// `None`) and returns everything it logged, with the people's names.
fn scenario(url: Option<&str>) -> (String, Vec<String>) {
    let data = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start();
    let seeded = accord(data.path(), url, &sink)
        .args(["demo", "seed"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(seeded.success());
    let log = data.path().join("serve.log");
    let mut command = accord(data.path(), url, &sink);
    command.stderr(std::fs::File::create(&log).unwrap());
    let (server, address) = serve(command);
    let base = format!("http://{address}");
    let base = base.as_str();

    let (cookie, token) = sign_in(base, RAISER);
    let (_, manager) = sign_in(base, MANAGER);
    // A wrong password, logged as a failure.
    let refused = client()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"sign_in": OTHER, "password": "not the password"}))
        .send()
        .unwrap();
    assert_eq!(refused.status(), 401);

    let case = post(
        base,
        "/api/v1/cases",
        &token,
        &json!({
            "area": "levels-of-need",
            "other_agency": "hav-csc",
            "subjects": [{"id": "c1", "name": CHILD_NAME, "kind": "child",
                          "date_of_birth": DATE_OF_BIRTH, "nhs_number": NHS_NUMBER,
                          "local_id": LOCAL_ID,
                          "child_protection_plan": true, "looked_after": false,
                          "immediate_risk": false}],
            "concern": {"disputed": SENTENCES[0], "evidence": SENTENCES[1],
                        "outcome_sought": SENTENCES[2]}
        }),
    );
    let id = case["id"].as_str().unwrap().to_owned();
    let discussed = post(
        base,
        &format!("/api/v1/cases/{id}/discussions"),
        &token,
        &json!({"expected_version": case["version"], "record": {
            "held_at": case["raised_at"], "how": "phone",
            "participants": [
                {"person": RAISER, "agency": "hav-school", "role": "practitioner"},
                {"person": OTHER, "agency": "hav-csc", "role": "practitioner"}],
            "summary": SENTENCES[3],
            "ended_in_agreement": false}}),
    );
    post(
        base,
        &format!("/api/v1/cases/{id}/escalation"),
        &manager,
        &json!({"expected_version": discussed["version"], "to": 2, "reason": SENTENCES[4]}),
    );

    // Read back every way, and searched for by what identifies the child.
    let bearer = ("authorization", token.as_str());
    let page = ("cookie", cookie.as_str());
    assert!(get(base, &format!("/api/v1/cases/{id}"), bearer).contains(CHILD_NAME));
    assert!(get(base, &format!("/cases/{id}"), page).contains(CHILD_NAME));
    get(base, &format!("/cases/{id}/print"), page);
    get(base, "/register", page);
    let query = format!(
        "child_name={}&nhs_number={NHS_NUMBER}&local_id={LOCAL_ID}",
        CHILD_NAME.replace(' ', "+")
    );
    assert!(get(base, &format!("/search?{query}"), page).contains(&id));
    // A page that is not there, asked with the child's name in its path.
    let missing = client()
        .get(format!("{base}/cases/{}", CHILD_NAME.replace(' ', "%20")))
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(missing.status(), 404);

    // The jobs tell the other side by email.
    let started = Instant::now();
    while sink.messages().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no email was sent"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let people: Vec<String> = [RAISER, OTHER, MANAGER]
        .iter()
        .flat_map(|who| [who.to_string(), name_of(base, &token, who)])
        .collect();
    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    (logged, people)
}

/// Asserts that no line of `logged` holds anything that identifies the
/// child, says what happened, or names a person.
fn names_no_one(logged: &str, people: &[String]) {
    assert!(
        logged.lines().count() > 20,
        "the server logged the scenario: {logged}"
    );
    assert!(
        logged.contains("/api/v1/cases/{id}/discussions"),
        "requests are logged by route: {logged}"
    );
    let dates = ["2014-07-19", "19 July 2014", "19/07/2014", "20140719"];
    let nhs = ["9434765919", "943 476 5919"];
    let child = [CHILD_NAME, "Zebedee", "Quartermaine", LOCAL_ID];
    let found: Vec<(usize, &str)> = logged
        .lines()
        .enumerate()
        .flat_map(|(n, line)| {
            child
                .iter()
                .chain(&dates)
                .chain(&nhs)
                .chain(&SENTENCES)
                .copied()
                .chain(people.iter().map(String::as_str))
                .filter(move |needle| line.contains(needle))
                .map(move |needle| (n + 1, needle))
        })
        .collect();
    assert!(
        found.is_empty(),
        "the logs name someone or say what happened (line, what): {found:?}"
    );
}

#[test]
fn sqlite_logs_name_no_one_through_a_whole_scenario() {
    let (logged, people) = scenario(None);
    names_no_one(&logged, &people);
}

#[test]
fn postgres_logs_name_no_one_through_a_whole_scenario() {
    let url = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(common::postgres::fresh_database());
    let (logged, people) = scenario(Some(&url));
    names_no_one(&logged, &people);
}
