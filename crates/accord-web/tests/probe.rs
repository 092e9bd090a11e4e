//! Regression tests for what a probe of the running server found (issue
//! 11), each named for the finding it closes, on SQLite and PostgreSQL
//! where storage is involved. The scope matrix (finding 1) is
//! `scope_matrix.rs`; the throttle races (finding 3) are
//! `throttle_races.rs`.

mod common;

use accord_store::ThrottleRule;
use common::{
    Backend, Session, TestApp, bearer_token, post_as, sign_in, spawn_app_with_demo,
    spawn_app_with_directory,
};
use serde_json::{Value, json};

const MANAGER: &str = "hav-police-manager";
const PRACTITIONER: &str = "hav-school-practitioner";
const ADMIN: &str = "hav-admin";

/// How many attempts a rule lets be checked before it locks: its free
/// tries, and the one that earns the first lock.
fn checked_at_most(rule: ThrottleRule) -> usize {
    rule.free as usize + 1
}

/// Finding 5: a NUL, another control character or a bidirectional
/// override is refused at the boundary as a 422 naming the field, on both
/// backends alike, whether anyone is signed in or not; nothing reaches the
/// database.
async fn control_characters_are_refused_naming_the_field(backend: Backend) {
    let (app, state, _clock) =
        spawn_app_with_directory(backend, &[MANAGER, PRACTITIONER, ADMIN]).await;
    let refused = |body: &Value, field: &str| {
        assert_eq!(body["code"], "invalid_character", "{body}");
        assert_eq!(body["field"], field, "{body}");
    };
    // Signing in, nobody signed in yet.
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "sign_in": "hav\u{0}x", "password": "a wrong password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    refused(&response.json().await.unwrap(), "sign_in");
    // A token's label.
    let manager = sign_in(&app, MANAGER).await;
    let (status, body) = post_as(
        &app,
        &manager,
        "/api/v1/tokens",
        &json!({ "scopes": ["read"], "label": "nightly\u{1b}[31m export" }),
    )
    .await;
    assert_eq!(status, 422);
    refused(&body, "label");
    // A child's name that would read backwards.
    let practitioner = sign_in(&app, PRACTITIONER).await;
    let raise = json!({
        "area": "levels-of-need",
        "other_agency": "hav-csc",
        "subjects": [{ "id": "c1", "name": "Child \u{202e}Q", "kind": "child",
            "child_protection_plan": false, "looked_after": false, "immediate_risk": false }],
        "concern": { "disputed": "Closed.\nNo further action.", "evidence": "Seen\tat A&E.",
            "outcome_sought": "A strategy discussion." },
    });
    let (status, body) = post_as(&app, &practitioner, "/api/v1/cases", &raise).await;
    assert_eq!(status, 422, "{body}");
    refused(&body, "subjects[0].name");
    assert!(
        body["message"].as_str().unwrap().contains("U+202E"),
        "{body}"
    );
    // Tabs and line breaks in free text are fine.
    let mut fine = raise.clone();
    fine["subjects"][0]["name"] = json!("Child Q");
    let (status, body) = post_as(&app, &practitioner, "/api/v1/cases", &fine).await;
    assert_eq!(status, 201, "{body}");
    // A query parameter is a 400 naming it; a path parameter, nothing there.
    let response = practitioner
        .on(app.client.get(app.url("/api/v1/register?area=levels%00")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["field"], "area", "{body}");
    let response = manager
        .on(app.client.delete(app.url("/api/v1/tokens/ab%00cd")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    // The pages: the sign-in form and the administrator's forms answer
    // with the error page, naming the field.
    for (session, path, form) in [
        (
            None,
            "/sign-in",
            "sign_in=hav%00x&password=a+wrong+password",
        ),
        (
            Some(sign_in(&app, ADMIN).await),
            "/admin/agencies/new",
            "name=Police%00&kind=police",
        ),
        (
            Some(sign_in(&app, ADMIN).await),
            "/admin/people/new",
            "name=A%E2%80%AEB&sign_in=hav-new&job_title=x&agency=hav-police&tier=manager",
        ),
    ] {
        let mut request = app
            .client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded");
        let mut body = form.to_owned();
        if let Some(session) = &session {
            request = request.header("cookie", &session.cookie);
            body = format!("csrf_token={}&{body}", session.csrf);
        }
        let response = request.body(body).send().await.unwrap();
        assert_eq!(response.status(), 422, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let page = response.text().await.unwrap();
        assert!(page.contains("character"), "{path}: {page}");
    }
    // Nothing of any of it was stored.
    let agencies = state.store().agencies("havering").await.unwrap();
    assert!(agencies.iter().all(|a| !a.name.contains('\u{0}')));
}

#[tokio::test]
async fn control_characters_are_refused_naming_the_field_on_sqlite() {
    control_characters_are_refused_naming_the_field(Backend::Sqlite).await;
}

#[tokio::test]
async fn control_characters_are_refused_naming_the_field_on_postgres() {
    control_characters_are_refused_naming_the_field(Backend::Postgres).await;
}

/// Finding 8: the action forms show the child's name and the case, so
/// showing one writes the access log, as the case page does.
#[tokio::test]
async fn an_action_form_is_a_read_of_the_case_and_is_logged() {
    let (app, state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    let case = accord_case::CaseId::parse("HAV-DEMO-0001").unwrap();
    let before = state.store().reads_of(&case).await.unwrap().len();
    for action in ["record-change-of-circumstances", "record-discussion"] {
        let response = team
            .on(app
                .client
                .get(app.url(&format!("/cases/HAV-DEMO-0001/{action}"))))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{action}");
    }
    let reads = state.store().reads_of(&case).await.unwrap();
    assert_eq!(reads.len(), before + 2);
    let last = reads.last().unwrap();
    assert_eq!(last.person.as_str(), "hav-partnership-team");
    assert_eq!(last.purpose, "page: action form");
}

/// Finding 12: a failed or throttled sign-in on the page answers with the
/// status the API would, and a throttled one says when to try again.
#[tokio::test]
async fn a_failed_or_throttled_sign_in_page_says_so_in_its_status() {
    let (app, _state, _clock) = spawn_app_with_directory(Backend::Sqlite, &[MANAGER]).await;
    let attempt = || {
        app.client
            .post(app.url("/sign-in"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("sign_in={MANAGER}&password=not+the+password"))
            .send()
    };
    for _ in 0..checked_at_most(ThrottleRule::ACCOUNT) {
        let response = attempt().await.unwrap();
        assert_eq!(response.status(), 401);
        let page = response.text().await.unwrap();
        assert!(page.contains("is not right"), "{page}");
    }
    let response = attempt().await.unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Too many failed sign-ins")
    );
    // A form sent blank says what to fill in, as a 422.
    let response = app
        .client
        .post(app.url("/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("sign_in=&password=")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

/// A discussion on a case of the demo, held at `held_at`.
fn discussion(held_at: &str, version: u64) -> Value {
    json!({ "expected_version": version, "record": {
        "held_at": held_at, "how": "phone",
        "participants": [{ "person": "hav-school-practitioner", "agency": "hav-school",
            "role": "practitioner" }],
        "summary": "Talked it through.", "ended_in_agreement": false } })
}

/// Finding 12: a discussion dated in the year 1 or 9999 is refused with a
/// clear message naming the field, not stored and not an unclear 422.
#[tokio::test]
async fn dates_outside_the_range_a_case_holds_are_refused_clearly() {
    let (app, _state) = spawn_app_with_demo().await;
    let practitioner = sign_in(&app, PRACTITIONER).await;
    let case: Value = common::get_as(&app, &practitioner, "/api/v1/cases/HAV-DEMO-0001")
        .await
        .1;
    let version = case["version"].as_u64().unwrap();
    let path = "/api/v1/cases/HAV-DEMO-0001/discussions";
    for held_at in [
        "0001-01-01T09:00:00Z",
        "9999-01-01T09:00:00Z",
        "9999-12-31T23:00:00Z",
    ] {
        let (status, body) =
            post_as(&app, &practitioner, path, &discussion(held_at, version)).await;
        assert_eq!(status, 422, "{held_at}: {body}");
        assert_eq!(body["field"], "record.held_at", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("between 1 January 2000 and 31 December 2099"),
            "{message}"
        );
        assert!(!message.contains("Unix timestamp"), "{message}");
    }
    // An action due in 9999 likewise.
    let action = json!({ "expected_version": version, "details": {
        "who": "hav-school-practitioner", "agency": "hav-school",
        "what": "Send the chronology.", "by_when": "9999-01-01" } });
    let (status, body) = post_as(
        &app,
        &practitioner,
        "/api/v1/cases/HAV-DEMO-0001/actions",
        &action,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("details.by_when")),
        "{body}"
    );
}

/// Finding 12: a page's query string that cannot be read gets the error
/// page, not a plain-text 400.
#[tokio::test]
async fn a_malformed_query_string_on_a_page_gets_the_error_page() {
    let (app, _state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    for path in [
        "/register?stage=1&stage=2",
        "/sign-in?next=%00",
        "/calendar-feed?done=a&done=b",
    ] {
        let response = team.on(app.client.get(app.url(path))).send().await.unwrap();
        assert!(
            response.status().is_client_error(),
            "{path}: {}",
            response.status()
        );
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        let page = response.text().await.unwrap();
        assert!(page.contains("govuk-"), "{path}: {page}");
    }
}

/// Raises a Havering disagreement as `session` with `key`.
async fn raise_with_key(
    app: &TestApp,
    session: &Session,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    session
        .on(app.client.post(app.url("/api/v1/cases")))
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Finding 12: a client that retries `POST /api/v1/cases` with the same
/// `Idempotency-Key` gets the first answer again, not a second case.
async fn a_retried_raise_with_its_key_raises_one_case(backend: Backend) {
    let (app, state, _clock) = spawn_app_with_directory(backend, &[PRACTITIONER]).await;
    let practitioner = sign_in(&app, PRACTITIONER).await;
    let raise = json!({
        "area": "levels-of-need",
        "other_agency": "hav-csc",
        "subjects": [{ "id": "c1", "name": "Child Q", "kind": "child",
            "child_protection_plan": false, "looked_after": false, "immediate_risk": false }],
        "concern": { "disputed": "Closed.", "evidence": "A&E.", "outcome_sought": "A strategy discussion." },
    });
    let first = raise_with_key(&app, &practitioner, "7c1f-raise-1", &raise).await;
    assert_eq!(first.status(), 201);
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let first: Value = first.json().await.unwrap();
    let again = raise_with_key(&app, &practitioner, "7c1f-raise-1", &raise).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(
        state.store().register_of("havering").await.unwrap().len(),
        1
    );
    // The same key with another request is a mistake, said so.
    let mut other = raise.clone();
    other["area"] = json!("roles-and-responsibilities");
    let reused = raise_with_key(&app, &practitioner, "7c1f-raise-1", &other).await;
    assert_eq!(reused.status(), 422);
    let body: Value = reused.json().await.unwrap();
    assert_eq!(body["code"], "idempotency_key_reused");
    // Another key raises another case; a refused request keeps no answer.
    let mut refused = raise.clone();
    refused["other_agency"] = json!("hav-school");
    let response = raise_with_key(&app, &practitioner, "7c1f-raise-2", &refused).await;
    assert_eq!(response.status(), 422);
    let response = raise_with_key(&app, &practitioner, "7c1f-raise-2", &raise).await;
    assert_eq!(response.status(), 201);
    assert!(!response.headers().contains_key("idempotent-replayed"));
    assert_eq!(
        state.store().register_of("havering").await.unwrap().len(),
        2
    );
    // Another credential's same key is its own.
    let token = bearer_token(&app, &practitioner, &["read", "write"]).await;
    let response = app
        .client
        .post(app.url("/api/v1/cases"))
        .header("authorization", &token)
        .header("idempotency-key", "7c1f-raise-1")
        .json(&raise)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert!(!response.headers().contains_key("idempotent-replayed"));
    // A secret shown once is never kept to be shown again.
    let response = practitioner
        .on(app.client.post(app.url("/api/v1/tokens")))
        .header("idempotency-key", "token-1")
        .json(&json!({ "scopes": ["read"], "label": "export" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn a_retried_raise_with_its_key_raises_one_case_on_sqlite() {
    a_retried_raise_with_its_key_raises_one_case(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_retried_raise_with_its_key_raises_one_case_on_postgres() {
    a_retried_raise_with_its_key_raises_one_case(Backend::Postgres).await;
}
