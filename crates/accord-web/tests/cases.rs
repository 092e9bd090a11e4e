//! `GET /api/v1/cases/{id}` over the real server, on the seeded demo: a
//! reader the access rules allow gets the summary and the read is logged; a
//! case they may not see is the same 404 as a case that does not exist.
//! The case's page and its print view are logged as reads too, each under
//! its own purpose (issue 20: "reads of pages are logged").

mod common;

use accord_case::CaseId;
use common::{Session, TestApp, page_as, post_as, spawn_app_with_demo};
use reqwest::Response;
use serde_json::{Value, json};

async fn signed_in(app: &TestApp, name: &str) -> Session {
    common::sign_in(app, name).await
}

async fn case_as(app: &TestApp, session: &Session, id: &str) -> Response {
    session
        .on(app.client.get(app.url(&format!("/api/v1/cases/{id}"))))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reader_the_rules_allow_sees_the_summary_and_the_read_is_logged() {
    let (app, state) = spawn_app_with_demo().await;
    let cookie = signed_in(&app, "hav-school-practitioner").await;
    let case = CaseId::parse("HAV-DEMO-0001").unwrap();
    assert!(state.store().reads_of(&case).await.unwrap().is_empty());

    let response = case_as(&app, &cookie, "HAV-DEMO-0001").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], "HAV-DEMO-0001");
    assert_eq!(body["policy"], "havering-2022");
    assert_eq!(body["stage"], 1);
    assert_eq!(body["status"], "open");
    assert_eq!(body["parties"], json!(["hav-school", "hav-csc"]));
    assert!(
        body["track"].is_string() && body["due"].is_object(),
        "{body}"
    );

    let reads = state.store().reads_of(&case).await.unwrap();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].person.as_str(), "hav-school-practitioner");
}

#[tokio::test]
async fn the_case_page_and_its_print_view_are_logged_as_reads() {
    let (app, state) = spawn_app_with_demo().await;
    let reader = signed_in(&app, "hav-school-practitioner").await;
    let case = CaseId::parse("HAV-DEMO-0001").unwrap();
    assert!(state.store().reads_of(&case).await.unwrap().is_empty());

    let (status, html) = page_as(&app, &reader, "/cases/HAV-DEMO-0001").await;
    assert_eq!(status, 200);
    assert!(html.contains("HAV-DEMO-0001"));
    let reads = state.store().reads_of(&case).await.unwrap();
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0].person.as_str(), "hav-school-practitioner");
    assert_eq!(reads[0].purpose, "page: case");

    let (status, _) = page_as(&app, &reader, "/cases/HAV-DEMO-0001/print").await;
    assert_eq!(status, 200);
    let reads = state.store().reads_of(&case).await.unwrap();
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert_eq!(reads[1].person.as_str(), "hav-school-practitioner");
    assert_eq!(reads[1].purpose, "page: case, printed");

    // A page of a case they may not see is not found, and nothing is
    // logged against it.
    let other = CaseId::parse("HAV-DEMO-0005").unwrap();
    let before = state.store().reads_of(&other).await.unwrap().len();
    for path in ["/cases/HAV-DEMO-0005", "/cases/HAV-DEMO-0005/print"] {
        let (status, _) = page_as(&app, &reader, path).await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(state.store().reads_of(&other).await.unwrap().len(), before);
}

#[tokio::test]
async fn a_case_someone_may_not_see_is_the_same_404_as_no_case_and_is_not_logged() {
    let (app, state) = spawn_app_with_demo().await;
    let unknown = |session: Session| {
        let app = &app;
        async move { case_as(app, &session, "HAV-DEMO-9999").await }
    };
    for (who, id) in [
        ("hav-school-practitioner", "HAV-DEMO-0005"), // another agency's case
        ("hav-chair", "SUT-DEMO-0001"),               // another partnership's
        ("hav-admin", "HAV-DEMO-0001"),               // admins see no case
    ] {
        let cookie = signed_in(&app, who).await;
        let refused = case_as(&app, &cookie, id).await;
        let none = unknown(cookie).await;
        assert_eq!(refused.status(), 404, "{who} × {id}");
        assert_eq!(none.status(), 404);
        let refused: Value = refused.json().await.unwrap();
        let none: Value = none.json().await.unwrap();
        assert_eq!(refused, none, "{who} × {id}: nothing tells them apart");
        assert_eq!(refused["code"], "unknown_case");
        let case = CaseId::parse(id).unwrap();
        assert!(state.store().reads_of(&case).await.unwrap().is_empty());
    }
    // The chair sees every case of their own partnership.
    let chair = signed_in(&app, "hav-chair").await;
    assert_eq!(case_as(&app, &chair, "HAV-DEMO-0005").await.status(), 200);
}

#[tokio::test]
async fn nobody_signed_in_gets_a_401() {
    let (app, _state) = spawn_app_with_demo().await;
    assert_eq!(app.get("/api/v1/cases/HAV-DEMO-0001").await.status(), 401);
}

/// A Havering raise about children's social care, by whoever `cookie`
/// signs in.
fn havering_raise() -> Value {
    let mut raise = common::havering_raise();
    raise["subjects"][0]["looked_after"] = json!(true);
    raise
}

/// HAV-1: a practitioner raises a disagreement; it starts at Stage One,
/// under an id the partnership's prefix and the year make, and the answer
/// is the whole case, with its stage tracker and chronology.
#[tokio::test]
async fn raising_answers_201_with_the_new_case_where_it_can_be_read() {
    let (app, state) = spawn_app_with_demo().await;
    let cookie = signed_in(&app, "hav-school-practitioner").await;
    let response = cookie
        .on(app.client.post(app.url("/api/v1/cases")))
        .json(&havering_raise())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers()["location"],
        "/api/v1/cases/HAV-2025-0001"
    );
    let case: Value = response.json().await.unwrap();
    assert_eq!(case["id"], "HAV-2025-0001");
    assert_eq!(case["policy"], "havering-2022");
    assert_eq!(case["stage"], 1);
    assert_eq!(case["status"], "open");
    // The raise and the notification that tells the other side of it
    // (issue 12 §7).
    assert_eq!(case["version"], 2);
    assert_eq!(case["raised_by"]["person"], "hav-school-practitioner");
    assert_eq!(case["parties"], json!(["hav-school", "hav-csc"]));
    assert_eq!(case["subjects"][0]["name"], "Child Q");
    // §1.4: one working week from Monday 2 June 2025 is the end of Monday 9 June.
    assert_eq!(case["due"]["last_day"], "2025-06-09");
    assert_eq!(case["overdue"], false);
    let ladder = case["ladder"].as_array().unwrap();
    assert_eq!(ladder.len(), 4);
    assert_eq!(ladder[0]["state"], "current");
    assert_eq!(ladder[3]["state"], "ahead");
    assert_eq!(case["chronology"][0]["type"], "raised");
    let reads = state
        .store()
        .reads_of(&CaseId::parse("HAV-2025-0001").unwrap())
        .await
        .unwrap();
    assert_eq!(reads.len(), 1);

    // The next raise gets the next number.
    let (status, second) = post_as(&app, &cookie, "/api/v1/cases", &havering_raise()).await;
    assert_eq!(status, 201);
    assert_eq!(second["id"], "HAV-2025-0002");
}

/// The engine's refusals come back as 4xx naming the rule, the document
/// section and the field to change; nothing is written.
#[tokio::test]
async fn refusals_name_the_rule_the_section_and_the_field() {
    let (app, state) = spawn_app_with_demo().await;
    let practitioner = signed_in(&app, "hav-school-practitioner").await;

    // DESIGN.md §5: a disagreement with your own agency is whistleblowing.
    let mut own = havering_raise();
    own["other_agency"] = json!("hav-school");
    let (status, body) = post_as(&app, &practitioner, "/api/v1/cases", &own).await;
    assert_eq!(status, 422);
    assert_eq!(body["code"], "own_agency");
    assert_eq!(body["field"], "other_agency");
    assert!(body["section"].is_string(), "{body}");

    // An area from another policy's list.
    let mut area = havering_raise();
    area["area"] = json!("assessment-and-care-planning");
    let (status, body) = post_as(&app, &practitioner, "/api/v1/cases", &area).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("not_a_policy_area"))
    );
    assert_eq!(body["field"], "area");

    // Out of scope: signposted, never a case (HAV-9).
    let mut signposted = havering_raise();
    signposted["signpost"] = json!("whistleblowing");
    let (status, body) = post_as(&app, &practitioner, "/api/v1/cases", &signposted).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("out_of_scope")));
    assert!(
        body["message"].as_str().unwrap().contains("take it to"),
        "{body}"
    );

    // An agency or a person not in the directory.
    let mut stranger = havering_raise();
    stranger["other_agency"] = json!("sut-csc");
    let (status, body) = post_as(&app, &practitioner, "/api/v1/cases", &stranger).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unknown_agency"))
    );
    let mut wrong = havering_raise();
    wrong["other_professional"] = json!("hav-police-manager");
    let (status, body) = post_as(&app, &practitioner, "/api/v1/cases", &wrong).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("wrong_agency")));
    assert_eq!(body["field"], "other_professional");
    let mut twins = havering_raise();
    twins["subjects"] = json!([twins["subjects"][0], twins["subjects"][0]]);
    let (status, body) = post_as(&app, &practitioner, "/api/v1/cases", &twins).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("duplicate_subject"))
    );
    assert_eq!(body["field"], "subjects[1].id");

    let (_, case) = post_as(&app, &practitioner, "/api/v1/cases", &havering_raise()).await;
    let id = case["id"].as_str().unwrap();
    let events = state.store().event_count().await.unwrap();

    // HAV-3 (§4): Stage One needs a recorded discussion before it is left.
    let manager = signed_in(&app, "hav-school-manager").await;
    let escalate = json!({ "expected_version": 2, "to": 2, "reason": "No reply." });
    let path = format!("/api/v1/cases/{id}/escalation");
    let (status, body) = post_as(&app, &manager, &path, &escalate).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("requirement_unmet"))
    );
    assert_eq!(body["section"], "§4");

    // A stage is never skipped.
    let skip = json!({ "expected_version": 2, "to": 3, "reason": "Urgent." });
    let (status, body) = post_as(&app, &manager, &path, &skip).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("stage_skip")));
    assert_eq!(body["field"], "to");

    // DESIGN.md §3: only a manager extends a deadline, with a reason.
    let extend =
        json!({ "expected_version": 2, "by": { "working_days": 3 }, "reason": "Waiting." });
    let path = format!("/api/v1/cases/{id}/extensions");
    let (status, body) = post_as(&app, &practitioner, &path, &extend).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("not_a_manager"))
    );

    // Someone who is not in the partnership cannot be recorded as taking part.
    let talk = json!({ "expected_version": 2, "record": {
        "held_at": "2025-06-02T08:00:00Z", "how": "phone",
        "participants": [{ "person": "sut-csc-manager", "agency": "sut-csc", "role": "manager" }],
        "summary": "Talked it through.", "ended_in_agreement": false } });
    let path = format!("/api/v1/cases/{id}/discussions");
    let (status, body) = post_as(&app, &practitioner, &path, &talk).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unknown_person"))
    );
    assert_eq!(body["field"], "record.participants[0].person");

    // A blank reason is refused by the body's own rules, naming the field.
    let blank = json!({ "expected_version": 2, "to": 2, "reason": "   " });
    let path = format!("/api/v1/cases/{id}/escalation");
    let (status, body) = post_as(&app, &manager, &path, &blank).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("invalid_body")));
    assert_eq!(body["field"], "reason");

    assert_eq!(state.store().event_count().await.unwrap(), events);
}

/// DESIGN.md §4: two people act on what they both read; the second is told
/// the case has changed (409) and nothing of theirs is written.
#[tokio::test]
async fn acting_on_a_stale_read_is_a_409_and_writes_nothing() {
    let (app, state) = spawn_app_with_demo().await;
    let practitioner = signed_in(&app, "hav-school-practitioner").await;
    let (_, case) = post_as(&app, &practitioner, "/api/v1/cases", &havering_raise()).await;
    let id = case["id"].as_str().unwrap().to_owned();
    let read = case["version"].as_u64().unwrap();

    let talk = |summary: &str| {
        json!({ "expected_version": read, "record": {
            "held_at": "2025-06-02T09:30:00Z", "how": "phone",
            "participants": [
                { "person": "hav-school-practitioner", "agency": "hav-school", "role": "practitioner" },
                { "person": "hav-csc-practitioner", "agency": "hav-csc", "role": "practitioner" }],
            "summary": summary, "ended_in_agreement": false } })
    };
    let path = format!("/api/v1/cases/{id}/discussions");
    let (status, first) = post_as(&app, &practitioner, &path, &talk("First account.")).await;
    assert_eq!(status, 200, "{first}");
    assert!(first["version"].as_u64().unwrap() > read);
    let events = state.store().event_count().await.unwrap();

    let other = signed_in(&app, "hav-csc-practitioner").await;
    let (status, second) = post_as(&app, &other, &path, &talk("Second account.")).await;
    assert_eq!(status, 409);
    assert_eq!(second["code"], "stale_version");
    assert!(
        second["message"].as_str().unwrap().contains("reload"),
        "{second}"
    );
    assert_eq!(state.store().event_count().await.unwrap(), events);
}

/// A token with only the `read` scope reads cases but changes nothing.
#[tokio::test]
async fn a_read_token_cannot_raise_or_change_a_case() {
    let (app, _state) = spawn_app_with_demo().await;
    let cookie = signed_in(&app, "hav-school-practitioner").await;
    let (status, token) = post_as(
        &app,
        &cookie,
        "/api/v1/tokens",
        &json!({ "scopes": ["read"], "label": "case system" }),
    )
    .await;
    assert_eq!(status, 201);
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    let read = app
        .client
        .get(app.url("/api/v1/cases/HAV-DEMO-0001"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    for (path, body) in [
        ("/api/v1/cases".to_owned(), havering_raise()),
        (
            "/api/v1/cases/HAV-DEMO-0001/escalation".to_owned(),
            json!({ "expected_version": 1, "to": 2, "reason": "No reply." }),
        ),
    ] {
        let response = app
            .client
            .post(app.url(&path))
            .header("authorization", &bearer)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "insufficient_scope");
    }
}

/// DESIGN.md §2 and SUT-8: "A written response will be provided to confirm
/// the decision by the Chair, which is the final stage of the process"
/// (Sutton §7d). A subgroup chair, at the same chair tier as the
/// Independent LSCB Chair, who tries to record that decision is answered
/// 403, naming the role that decides; nothing is written. The Independent
/// LSCB Chair is not refused for who they are.
#[tokio::test]
async fn deciding_without_the_role_is_a_403_that_names_the_role() {
    let (app, state, clock) = common::spawn_app_with_demo_and_clock().await;
    let calendars = accord_calendar::Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let demo = accord_demo::demo(clock.now(), &calendars, &policies).expect("the demo");
    let sutton = policies
        .iter()
        .find(|p| p.id.as_str() == "sutton-2015")
        .unwrap();
    let independent_chair = accord_policy::RoleRef::parse("independent-lscb-chair").unwrap();
    let (case_id, version) = demo
        .cases
        .iter()
        .filter(|c| c.policy == sutton.id)
        .find_map(|c| {
            let case = accord_case::Case::fold(&c.events).unwrap();
            let stage = sutton.track(case.track())?.stage(case.stage())?;
            (case.status() == accord_case::Status::Open
                && stage.leads.decides == [independent_chair.clone()]
                && stage
                    .resolution
                    .contains(&accord_policy::ResolutionRoute::Decision))
            .then(|| (c.id.to_string(), c.events.len()))
        })
        .expect("the demo has a Sutton case with the Independent LSCB Chair");
    let holder = |role: &str| {
        let role = accord_policy::RoleRef::parse(role).unwrap();
        demo.people
            .iter()
            .find(|p| p.partnership == "sutton" && p.holds(&role))
            .unwrap_or_else(|| panic!("the demo has a Sutton {role}"))
            .sign_in
            .clone()
    };
    let decide = json!({
        "expected_version": version,
        "route": "decision",
        "outcome": "Children's social care will hold a strategy discussion.",
        "outstanding_issues": "None.",
    });
    let path = format!("/api/v1/cases/{case_id}/outcome");
    let events = state.store().event_count().await.unwrap();

    let subgroup_chair = signed_in(&app, &holder("quality-assurance-subgroup-chair")).await;
    let (status, body) = post_as(&app, &subgroup_chair, &path, &decide).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("not_the_decider")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Independent LSCB Chair"),
        "{body}"
    );
    assert_eq!(body["section"], "§7d");
    assert_eq!(state.store().event_count().await.unwrap(), events);

    let chair = signed_in(&app, &holder("independent-lscb-chair")).await;
    let (status, body) = post_as(&app, &chair, &path, &decide).await;
    assert_ne!(status, 403, "{body}");
    assert_ne!(body["code"], "not_the_decider");
}

/// The HTML of the page at `path`, as `session`.
async fn html(app: &TestApp, session: &Session, path: &str) -> String {
    let response = session
        .on(app.client.get(app.url(path)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// Issue 12 §7: "A practitioner raised a disagreement about a police
/// decision. The success banner said 'everyone the policy names has been
/// told', while the case page said 'Nobody has been notified'." The other
/// professional named on the case is told at the raise, and the banner
/// names exactly who; where nobody is named, the other agency's lead for
/// the stage (the manager above its practitioners) is told instead. At the
/// escalation, the new stage's leads are told and the case waits on them
/// under "Awaiting you".
#[tokio::test]
async fn the_other_side_is_told_and_the_banner_names_who() {
    let (app, state) = spawn_app_with_demo().await;
    let store = state.store();
    let name_of = |id: &str| {
        let store = store.clone();
        let id = accord_case::PersonId::parse(id).unwrap();
        async move { store.person(&id).await.unwrap().unwrap().name }
    };
    let practitioner = signed_in(&app, "hav-school-practitioner").await;
    let mut named = havering_raise();
    named["other_professional"] = json!("hav-csc-practitioner");
    let (status, case) = post_as(&app, &practitioner, "/api/v1/cases", &named).await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    let page = html(&app, &practitioner, &format!("/cases/{id}?done=raised")).await;
    assert!(page.contains("The disagreement is raised"), "{page}");
    assert!(!page.contains("everyone the policy names"));
    assert!(page.contains("Accord is telling them now"));
    let csc_practitioner = name_of("hav-csc-practitioner").await;
    let csc_manager = name_of("hav-csc-manager").await;
    let banner = banner_of(&page);
    assert!(banner.contains(&csc_practitioner), "{banner}");
    // Only the named professional: not their manager, nor the raiser.
    assert!(!banner.contains(&csc_manager), "{banner}");
    assert!(!banner.contains(&name_of("hav-school-practitioner").await));
    assert!(!page.contains("Nobody has been notified"));

    // Nobody named: the children's social care manager is told.
    let (_, unnamed) = post_as(&app, &practitioner, "/api/v1/cases", &havering_raise()).await;
    let unnamed_id = unnamed["id"].as_str().unwrap().to_owned();
    let page = html(
        &app,
        &practitioner,
        &format!("/cases/{unnamed_id}?done=raised"),
    )
    .await;
    let banner = banner_of(&page);
    assert!(banner.contains(&csc_manager), "{banner}");
    assert!(!banner.contains(&csc_practitioner), "{banner}");

    // Stage One between the two practitioners, then the school's manager
    // escalates: the managers who lead Stage Two are told, and the case
    // waits on the children's social care manager.
    let talk = json!({ "expected_version": case["version"], "record": {
        "held_at": "2025-06-02T09:30:00Z", "how": "phone",
        "participants": [
            { "person": "hav-school-practitioner", "agency": "hav-school", "role": "practitioner" },
            { "person": "hav-csc-practitioner", "agency": "hav-csc", "role": "practitioner" }],
        "summary": "We still disagree.", "ended_in_agreement": false } });
    let (status, after) = post_as(
        &app,
        &practitioner,
        &format!("/api/v1/cases/{id}/discussions"),
        &talk,
    )
    .await;
    assert_eq!(status, 200, "{after}");
    let manager = signed_in(&app, "hav-school-manager").await;
    let escalate =
        json!({ "expected_version": after["version"], "to": 2, "reason": "No agreement." });
    let (status, escalated) = post_as(
        &app,
        &manager,
        &format!("/api/v1/cases/{id}/escalation"),
        &escalate,
    )
    .await;
    assert_eq!(status, 200, "{escalated}");
    let page = html(&app, &manager, &format!("/cases/{id}?done=escalate")).await;
    let banner = banner_of(&page);
    assert!(banner.contains(&csc_manager), "{banner}");
    let other_manager = signed_in(&app, "hav-csc-manager").await;
    let my_work = html(&app, &other_manager, "/my-work").await;
    let awaiting = my_work
        .split("id=\"awaiting\"")
        .nth(1)
        .unwrap()
        .split("<h2")
        .next()
        .unwrap();
    assert!(awaiting.contains(&format!("/cases/{id}")), "{awaiting}");
}

/// The success banner of a case page.
fn banner_of(page: &str) -> &str {
    page.split("govuk-notification-banner__content")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .unwrap_or_else(|| panic!("no success banner: {page}"))
}

/// Issue 12 §2 through the API: a participant in a role they do not hold,
/// an action due in the past, and an action for someone outside the case
/// are each a 422 naming the rule and the field to change; the engine is
/// given what the directory says of the people named, not what the body
/// claims.
#[tokio::test]
async fn the_api_checks_the_people_a_command_names_against_the_directory() {
    let (app, _state) = spawn_app_with_demo().await;
    let practitioner = signed_in(&app, "hav-school-practitioner").await;
    let (_, case) = post_as(&app, &practitioner, "/api/v1/cases", &havering_raise()).await;
    let id = case["id"].as_str().unwrap();
    let version = case["version"].clone();

    let talk = json!({ "expected_version": version, "record": {
        "held_at": "2025-06-02T09:30:00Z", "how": "phone",
        "participants": [
            { "person": "hav-school-practitioner", "agency": "hav-school", "role": "practitioner" },
            { "person": "hav-csc-practitioner", "agency": "hav-csc", "role": "manager" }],
        "summary": "Talked it through.", "ended_in_agreement": false } });
    let (status, body) = post_as(
        &app,
        &practitioner,
        &format!("/api/v1/cases/{id}/discussions"),
        &talk,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("role_not_held")),
        "{body}"
    );
    assert_eq!(body["field"], "record.participants[1].role");

    let action = |who: &str, agency: &str, by_when: &str| {
        json!({ "expected_version": version, "details": {
            "who": who, "agency": agency, "what": "Share the chronology.", "by_when": by_when } })
    };
    let path = format!("/api/v1/cases/{id}/actions");
    let (status, body) = post_as(
        &app,
        &practitioner,
        &path,
        &action("hav-csc-practitioner", "hav-csc", "2020-01-01"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("action_due_in_past")),
        "{body}"
    );
    assert_eq!(body["field"], "details.by_when");
    let (status, body) = post_as(
        &app,
        &practitioner,
        &path,
        &action("hav-police-practitioner", "hav-police", "2025-06-10"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("action_owner_not_involved")),
        "{body}"
    );
    assert_eq!(body["field"], "details.who");
    let (status, body) = post_as(
        &app,
        &practitioner,
        &path,
        &action("hav-csc-practitioner", "hav-csc", "2025-06-10"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// ER-10 and DESIGN.md §2: "a Partnership Member from an uninvolved agency
/// to chair a meeting ... before the decision is finalised" (East Riding
/// §4, Stage Five). Recording that the mediation ended without agreement is
/// the mediation chair's: anyone without the role is answered 403 naming
/// it, a holder from an agency in dispute 403 for that, and nothing is
/// written; the chair from an uninvolved agency, who took part in the
/// meeting, records it and the case closes with the decision final.
#[tokio::test]
async fn ending_a_mediation_without_agreement_is_the_uninvolved_chairs_and_a_403_for_others() {
    let (app, state, clock) = common::spawn_app_with_demo_and_clock().await;
    let calendars = accord_calendar::Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let demo = accord_demo::demo(clock.now(), &calendars, &policies).expect("the demo");
    let east_riding = policies
        .iter()
        .find(|p| p.id.as_str() == "east-riding-2018")
        .unwrap();
    let mediation_chair = accord_policy::RoleRef::parse("mediation-chair").unwrap();
    let (case, version) = demo
        .cases
        .iter()
        .filter(|c| c.policy == east_riding.id)
        .find_map(|c| {
            let case = accord_case::Case::fold(&c.events).unwrap();
            let stage = east_riding.track(case.track())?.stage(case.stage())?;
            (case.status() == accord_case::Status::Open
                && stage
                    .resolution
                    .contains(&accord_policy::ResolutionRoute::WithoutAgreement)
                && case
                    .discussions()
                    .iter()
                    .any(|d| d.stage == stage.number && !d.record.ended_in_agreement))
            .then_some((case, c.events.len()))
        })
        .expect("the demo has an East Riding mediation that did not agree");
    let person = |id: &accord_case::PersonId| {
        demo.people
            .iter()
            .find(|p| &p.id == id)
            .expect("a demo person")
    };
    let chair = case
        .discussions()
        .iter()
        .flat_map(|d| &d.record.participants)
        .find(|p| p.role == mediation_chair)
        .map(|p| person(&p.person))
        .expect("the meeting had its chair");
    let [raising, other] = case.parties();
    let in_dispute = |tier: accord_policy::RoleTier, agency: &accord_case::AgencyId| {
        demo.people
            .iter()
            .find(|p| p.partnership == "east-riding" && p.tier == tier && &p.agency == agency)
            .expect("a person of that tier in the agency")
    };
    let senior_manager = in_dispute(accord_policy::RoleTier::SeniorManager, raising);
    let involved_head = in_dispute(accord_policy::RoleTier::HeadOfService, other);
    assert!(involved_head.holds(&mediation_chair));
    assert!(!senior_manager.holds(&mediation_chair));

    let end = json!({
        "expected_version": version,
        "route": "without-agreement",
        "outcome": "Police maintain their decision; it is finalised.",
        "outstanding_issues": "The information-sharing protocol goes to the Management, Evaluation and Effectiveness Group.",
    });
    let path = format!("/api/v1/cases/{}/outcome", case.id());
    let events = state.store().event_count().await.unwrap();

    let session = signed_in(&app, &senior_manager.sign_in).await;
    let (status, body) = post_as(&app, &session, &path, &end).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("not_who_records_without_agreement")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Partnership Member from an uninvolved agency"),
        "{body}"
    );
    assert_eq!(body["section"], "§4, Stage Five");

    let session = signed_in(&app, &involved_head.sign_in).await;
    let (status, body) = post_as(&app, &session, &path, &end).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("recorder_not_uninvolved")),
        "{body}"
    );
    assert_eq!(state.store().event_count().await.unwrap(), events);

    let session = signed_in(&app, &chair.sign_in).await;
    let (status, body) = post_as(&app, &session, &path, &end).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "closed", "{body}");
}

/// Issue 13 §3, "Leavers: disabling someone removes them from every
/// picker": once their account is disabled, a person is offered neither as
/// a discussion's participant nor as an action's owner, and the engine
/// refuses an action given to them all the same.
#[tokio::test]
async fn someone_who_has_left_is_offered_by_no_picker() {
    let (app, state) = spawn_app_with_demo().await;
    let practitioner = signed_in(&app, "hav-school-practitioner").await;
    let (_, case) = post_as(&app, &practitioner, "/api/v1/cases", &havering_raise()).await;
    let id = case["id"].as_str().unwrap().to_owned();
    // The discussion's picker finds people by typing (issue 14 §3): its
    // suggestions are what it offers.
    let suggested = |answer: Value| {
        answer["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "hav-csc-practitioner")
    };
    let suggestions = "/api/v1/partnerships/havering/people/suggestions?q=Ifan%20Kinvig";
    assert!(suggested(
        common::get_as(&app, &practitioner, suggestions).await.1
    ));
    // The action's owner is found the same way, among those who may own it.
    let owners = format!("/api/v1/cases/{id}/people/suggestions?for=action-owner&q=Ifan%20Kinvig");
    assert!(suggested(
        common::get_as(&app, &practitioner, &owners).await.1
    ));
    state
        .store()
        .disable_account(
            "hav-csc-practitioner",
            state.now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let (_, answer) = common::get_as(&app, &practitioner, suggestions).await;
    assert!(!suggested(answer.clone()), "{answer}");
    let (_, answer) = common::get_as(
        &app,
        &practitioner,
        "/api/v1/partnerships/havering/people/suggestions?q=Jude%20Loxley",
    )
    .await;
    assert_eq!(answer["people"][0]["id"], "hav-csc-manager", "{answer}");
    let (_, answer) = common::get_as(&app, &practitioner, &owners).await;
    assert!(!suggested(answer.clone()), "{answer}");
    let (status, body) = post_as(
        &app,
        &practitioner,
        &format!("/api/v1/cases/{id}/actions"),
        &json!({ "expected_version": case["version"], "details": {
            "who": "hav-csc-practitioner", "agency": "hav-csc",
            "what": "Share the chronology.", "by_when": "2025-06-10" } }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("action_owner_inactive")),
        "{body}"
    );
}
