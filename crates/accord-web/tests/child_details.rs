//! The child's details (issue 14 §2) through the API, and where they must
//! never go: a disagreement raised with a child's name, date of birth, NHS
//! number and local identifier is told to the people the policy names by
//! email (through a real SMTP server, aiosmtpd) and in the app, and is on
//! their calendar feed, and none of those holds any of the child's
//! details, only the case reference.

mod common;

/// The job tests' real SMTP server. It brings its own copy of the store's
/// PostgreSQL harness, which `common` holds too: two copies of one file.
#[allow(clippy::duplicate_mod)]
#[path = "../../accord-jobs/tests/common/mod.rs"]
mod mail;

use std::sync::Arc;

use accord_calendar::Calendars;
use common::{post_as, sign_in, spawn_app_with_demo_and_clock};
use serde_json::{Value, json};

/// Everything that would identify the child, as typed and as shown.
const DETAILS: [&str; 8] = [
    "Tobias Quillfeather",
    "Quillfeather",
    "9434765919",
    "943 476 5919",
    "LCS-88213",
    "2019-04-12",
    "12 April 2019",
    "12/04/2019",
];

fn raise_with_details(nhs_number: &str, born: &str) -> Value {
    json!({
        "area": "levels-of-need",
        "other_agency": "hav-csc",
        "subjects": [{ "id": "c1", "name": "Tobias Quillfeather", "kind": "child",
            "child_protection_plan": true, "looked_after": true, "immediate_risk": true,
            "date_of_birth": born, "nhs_number": nhs_number, "local_id": "LCS-88213" }],
        "concern": {
            "disputed": "The referral was closed with no further action.",
            "evidence": "Three attendances at A&E in two months.",
            "outcome_sought": "A strategy discussion."
        }
    })
}

fn absent(what: &str, text: &str) {
    for detail in DETAILS {
        assert!(!text.contains(detail), "{detail} is in {what}:\n{text}");
    }
}

/// HAV-3: a raise with immediate risk tells the DSL, and the other side is
/// told of it, by email and in the app, naming the case, never the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_childs_details_are_never_in_email_notifications_or_the_calendar_feed() {
    let (app, state, clock) = spawn_app_with_demo_and_clock().await;
    let raiser = sign_in(&app, "hav-school-practitioner").await;

    // Mistakes in the details are refused, naming the field, and say what
    // to fix.
    let (status, body) = post_as(
        &app,
        &raiser,
        "/api/v1/cases",
        &raise_with_details("943 476 5918", "2019-04-12"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "subjects[0].nhs_number", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("last digit"),
        "{body}"
    );
    let (status, body) = post_as(
        &app,
        &raiser,
        "/api/v1/cases",
        &raise_with_details("943 476 5919", "2031-01-01"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "subjects[0].date_of_birth", "{body}");

    let (status, case) = post_as(
        &app,
        &raiser,
        "/api/v1/cases",
        &raise_with_details("943 476 5919", "2019-04-12"),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    // The record keeps them: the NHS number as digits.
    assert_eq!(case["subjects"][0]["nhs_number"], "9434765919");
    assert_eq!(case["subjects"][0]["date_of_birth"], "2019-04-12");
    assert_eq!(case["subjects"][0]["local_id"], "LCS-88213");

    // The job runner tells everyone the policy names, by email too.
    let sink = mail::SmtpSink::start();
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let now = clock.clone();
    accord_jobs::Runner::new(
        state.store().clone(),
        policies,
        calendars,
        Some(sink.mailer()),
        &app.url(""),
    )
    .with_clock(Arc::new(move || now.now()))
    .run_once()
    .await
    .expect("the jobs run");
    let about: Vec<_> = sink
        .messages()
        .into_iter()
        .filter(|m| m.raw.contains(&id) || m.subject.contains(&id))
        .collect();
    assert!(!about.is_empty(), "email was sent about {id}");
    for m in &sink.messages() {
        absent("an email", &m.raw);
        absent("an email's subject", &m.subject);
    }
    let mut told = 0;
    for person in state.store().people("havering").await.unwrap() {
        for d in state
            .store()
            .notifications_for(&person.id, 500)
            .await
            .unwrap()
        {
            if d.case.as_ref().is_some_and(|c| c.as_str() == id) {
                told += 1;
            }
            absent("a notification", &format!("{}\n{}", d.subject, d.body));
        }
    }
    assert!(told > 0, "someone is told of {id} in the app");

    // The raiser's calendar feed lists the case's deadline, by reference.
    let made = app
        .client
        .post(app.url("/calendar-feed"))
        .header("cookie", &raiser.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={}", raiser.csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 200);
    let html = made.text().await.unwrap();
    let url = html
        .split("id=\"feed-url\"")
        .nth(1)
        .and_then(|s| s.split("value=\"").nth(1))
        .and_then(|v| v.split('"').next())
        .expect("the page shows the feed's address")
        .replace("&#38;", "&");
    let feed = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(feed.contains(&id), "{feed}");
    absent("the calendar feed", &feed);
}

/// Every case a search with no criteria finds for `session`, page by page.
async fn found_by(app: &common::TestApp, session: &common::Session) -> Vec<String> {
    let mut found = Vec::new();
    for page in 1.. {
        let (status, body) =
            common::get_as(app, session, &format!("/api/v1/cases?page={page}")).await;
        assert_eq!(status, 200, "{body}");
        let cases = body["cases"].as_array().unwrap();
        found.extend(cases.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        if cases.is_empty() {
            assert_eq!(found.len() as u64, body["total"].as_u64().unwrap());
            break;
        }
    }
    found
}

/// Issue 14 §1, on SQLite and PostgreSQL: for a person of every tier, a
/// search finds exactly the cases, in every state, that they may open, and
/// never one they may not.
async fn search_finds_exactly_what_each_person_may_see(backend: common::Backend) {
    let (app, state, _clock) = common::spawn_app_with_demo_on(backend).await;
    let every_case = state.store().all_cases().await.unwrap();
    for who in [
        "hav-csc-practitioner",
        "hav-csc-manager",
        "hav-iro",
        "hav-panel-member",
        "hav-partnership-team",
        "hav-admin",
        "sut-safeguarding-advisor",
    ] {
        let session = sign_in(&app, who).await;
        let found = found_by(&app, &session).await;
        let mut may_open = Vec::new();
        for entry in &every_case {
            let (status, _) =
                common::get_as(&app, &session, &format!("/api/v1/cases/{}", entry.case)).await;
            if status == 200 {
                may_open.push(entry.case.to_string());
            }
        }
        let mut found_sorted = found.clone();
        found_sorted.sort();
        may_open.sort();
        assert_eq!(found_sorted, may_open, "{who} on {backend:?}");
        // A closed case they may see is found when asked for closed ones.
        let (_, closed) = common::get_as(&app, &session, "/api/v1/cases?status=closed").await;
        for c in closed["cases"].as_array().unwrap() {
            assert_eq!(c["status"], "closed");
            assert!(found.contains(&c["id"].as_str().unwrap().to_owned()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_exactly_what_each_person_may_see_on_sqlite() {
    search_finds_exactly_what_each_person_may_see(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_exactly_what_each_person_may_see_on_postgresql() {
    search_finds_exactly_what_each_person_may_see(common::Backend::Postgres).await;
}
