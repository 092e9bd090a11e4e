//! The people picker at a partnership's real size (issue 14 §3, "Scale"):
//! Havering's demo grown to 60 agencies and 5,000 people, on SQLite, then
//! the time the server takes to answer, over loopback, for
//!
//! - the discussion form with its picker (`GET /cases/{id}/record-discussion`);
//! - the plain form's "Find people" (`POST` with `find=participants`);
//! - the combobox's suggestions (`GET …/people/suggestions?q=`).
//!
//! `cargo bench -p accord-web --bench picker_scale` measures 200 requests
//! of each and prints the median and 95th percentile; under `cargo test`
//! (`cargo test -p accord-web --bench picker_scale`) it runs 3 of each as
//! a smoke test. Nothing here asserts a time: BENCHMARKS.md records them.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use accord_calendar::Calendars;
use accord_case::{AgencyId, PersonId};
use accord_directory::{Agency, AgencyKind, Directory, Person};
use accord_policy::RoleTier;
use common::{Session, TestApp, post_as, sign_in, spawn_app_with_demo_and_clock};
use serde_json::json;
use support::{get, report, time};

const AGENCIES: usize = 60;
const PEOPLE: usize = 5_000;

const FIRST: [&str; 25] = [
    "Aisha", "Ben", "Carys", "Dan", "Efe", "Fatima", "George", "Hana", "Isaac", "Jess", "Kwame",
    "Leah", "Mo", "Nia", "Owen", "Priya", "Quinn", "Rhys", "Sara", "Tom", "Uma", "Vik", "Wen",
    "Yusuf", "Zoe",
];
const LAST: [&str; 20] = [
    "Smith", "Jones", "Patel", "Khan", "Evans", "Okafor", "Nowak", "Murphy", "Clarke", "Singh",
    "Walker", "Hughes", "Ahmed", "Price", "Wright", "Kaur", "Baker", "Lewis", "Hall", "Young",
];
const JOBS: [(&str, RoleTier); 5] = [
    ("Social worker", RoleTier::Practitioner),
    ("Health visitor", RoleTier::Practitioner),
    ("Designated safeguarding lead", RoleTier::Practitioner),
    ("Team manager", RoleTier::Manager),
    ("Service manager", RoleTier::SeniorManager),
];

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let runs = if measuring { 200 } else { 3 };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(run(runs));
}

/// Havering's demo directory with generated agencies and people added until
/// it has [`AGENCIES`] agencies and [`PEOPLE`] people.
async fn grow(state: &accord_web::AppState, now: jiff::Timestamp) -> (usize, usize) {
    let calendars = Calendars::builtin();
    let mut demo =
        accord_demo::demo(now, &calendars, &accord_policy::builtin(&calendars)).expect("the demo");
    let havering = |p: &str| p == "havering";
    let have_agencies = demo
        .agencies
        .iter()
        .filter(|a| havering(&a.partnership))
        .count();
    let have_people = demo
        .people
        .iter()
        .filter(|p| havering(&p.partnership))
        .count();
    let new_agencies: Vec<Agency> = (1..=AGENCIES - have_agencies)
        .map(|n| Agency {
            id: AgencyId::parse(&format!("hav-gen-{n:02}")).unwrap(),
            partnership: "havering".to_owned(),
            name: format!("Havering Generated Agency {n:02}"),
            kind: AgencyKind::Other,
        })
        .collect();
    for i in 0..PEOPLE - have_people {
        let agency = &new_agencies[i % new_agencies.len()];
        let (job, tier) = JOBS[i % JOBS.len()];
        let id = format!("hav-gen-person-{i:04}");
        demo.people.push(Person {
            id: PersonId::parse(&id).unwrap(),
            sign_in: id.clone(),
            name: format!(
                "{} {}",
                FIRST[i % FIRST.len()],
                LAST[(i / FIRST.len()) % LAST.len()]
            ),
            job_title: job.to_owned(),
            email: format!("{id}@havering.example.org"),
            partnership: "havering".to_owned(),
            agency: agency.id.clone(),
            tier,
            declared_roles: Vec::new(),
        });
    }
    demo.agencies.extend(new_agencies);
    state
        .store()
        .put_directory(
            Directory {
                partnerships: &demo.partnerships,
                agencies: &demo.agencies,
                people: &demo.people,
            },
            &accord_store::ChangedBy::COMMAND_LINE,
            now,
        )
        .await
        .expect("the grown directory is written");
    let agencies = state.store().agencies("havering").await.unwrap().len();
    let people = state.store().people("havering").await.unwrap().len();
    (agencies, people)
}

async fn run(runs: usize) {
    let (app, state, clock) = spawn_app_with_demo_and_clock().await;
    let (agencies, people) = grow(&state, clock.now()).await;
    assert_eq!((agencies, people), (AGENCIES, PEOPLE));
    let me = sign_in(&app, "hav-school-practitioner").await;
    let (status, case) = post_as(
        &app,
        &me,
        "/api/v1/cases",
        &json!({
            "area": "levels-of-need",
            "other_agency": "hav-csc",
            "subjects": [{ "id": "c1", "name": "Child Q", "kind": "child",
                "child_protection_plan": false, "looked_after": false, "immediate_risk": false }],
            "concern": { "disputed": "Closed.", "evidence": "Attendances.", "outcome_sought": "A meeting." },
        }),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_str().unwrap();
    let form = format!("/cases/{id}/record-discussion");
    let page = get(&app, &me, &form).await;
    let marker = "name=\"expected_version\" value=\"";
    let at = page.find(marker).unwrap() + marker.len();
    let version = page[at..].split('"').next().unwrap().to_owned();
    assert_eq!(
        page.matches("type=\"checkbox\"").count(),
        1,
        "no list of 5,000"
    );

    println!(
        "The people picker, Havering grown to {agencies} agencies and {people} people (SQLite)"
    );
    println!(
        "{:<58} {:>10} {:>10} {:>10}",
        "request", "median", "p95", "max"
    );
    let form_times = time(runs, || async { get(&app, &me, &form).await.len() }).await;
    report("GET the discussion form with its picker", &form_times);
    let find = [
        ("csrf_token", me.csrf.as_str()),
        ("expected_version", version.as_str()),
        ("participants", "hav-school-practitioner"),
        ("participants-find", "smith"),
        ("find", "participants"),
    ];
    let find_times = time(runs, || async {
        let page = post_form(&app, &me, &form, &find).await;
        assert!(page.contains("people match “smith”"), "{page}");
        page.len()
    })
    .await;
    report(
        "POST \"Find people\" for \"smith\" (no JavaScript)",
        &find_times,
    );
    for q in ["sm", "priya okafor"] {
        let path = format!(
            "/api/v1/partnerships/havering/people/suggestions?q={}",
            q.replace(' ', "%20")
        );
        let times = time(runs, || async { get(&app, &me, &path).await.len() }).await;
        report(
            &format!("GET suggestions for \"{q}\" (the combobox)"),
            &times,
        );
    }
}

async fn post_form(
    app: &TestApp,
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
) -> String {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let response = session
        .on(app.client.post(app.url(path)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}
