//! The TOTP second factor over the real server (issue 4: "A TOTP second
//! factor that a partnership can require for every role"): where Havering
//! requires one, a manager without one signs in to a session that can only
//! set one up; they set it up with a code from their app, and from then on
//! sign in with name, password and a fresh code. Wrong codes are throttled
//! like wrong passwords.

mod common;

use accord_store::code_at;
use common::{
    Backend, PASSWORD, TestApp, answer, bearer_token, enrol, get_as, post_as, session_of,
    spawn_app_with_directory,
};
use serde_json::json;

const MANAGER: &str = "hav-police-manager";

async fn sign_in_with(app: &TestApp, code: Option<&str>) -> reqwest::Response {
    let mut body = json!({ "sign_in": MANAGER, "password": PASSWORD });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    app.client
        .post(app.url("/api/v1/session"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_required_second_factor_is_set_up_at_the_first_sign_in_then_asked_for_every_time() {
    let (app, state, clock) = spawn_app_with_directory(Backend::Sqlite, &[MANAGER]).await;
    state
        .store()
        .require_second_factor(
            "havering",
            true,
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();

    // A password alone signs in, to a session that may only set one up.
    let response = sign_in_with(&app, None).await;
    assert_eq!(response.status(), 200);
    let session = session_of(response).await;
    let (status, me) = get_as(&app, &session, "/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["second_factor"], "enrolment_required");
    for path in ["/api/v1/register", "/api/v1/partnerships"] {
        let (status, body) = get_as(&app, &session, path).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["code"], "second_factor_enrolment_required");
    }
    let (status, body) = post_as(
        &app,
        &session,
        "/api/v1/tokens",
        &json!({ "scopes": ["read"], "label": "a way round" }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("second_factor_enrolment_required"))
    );

    // Set up: the password again, then a secret for the app, then a code
    // from it.
    let (status, body) = post_as(
        &app,
        &session,
        "/api/v1/me/second-factor",
        &json!({ "password": "not the password at all" }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("wrong_password"))
    );
    assert_eq!(body["field"], "password");
    let (status, enrolment) = post_as(
        &app,
        &session,
        "/api/v1/me/second-factor",
        &json!({ "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, 201, "{enrolment}");
    assert_eq!(enrolment["digits"], 6);
    assert_eq!(enrolment["period_seconds"], 30);
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    assert!(enrolment["otpauth_uri"].as_str().unwrap().contains(&secret));
    let (status, body) = post_as(
        &app,
        &session,
        "/api/v1/me/second-factor/confirmation",
        &json!({ "code": "000000" }),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (422, Some("wrong_code")));
    assert_eq!(body["field"], "code");
    let code = code_at(&secret, clock.now()).unwrap();
    let (status, me) = post_as(
        &app,
        &session,
        "/api/v1/me/second-factor/confirmation",
        &json!({ "code": code }),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["second_factor"], "enrolled");
    // The same session may now do everything the manager may.
    assert_eq!(get_as(&app, &session, "/api/v1/register").await.0, 200);
    // And cannot set up a second one over the first.
    let (status, body) = post_as(
        &app,
        &session,
        "/api/v1/me/second-factor",
        &json!({ "password": PASSWORD }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("second_factor_exists"))
    );

    // Next time: a password alone is not enough, nor a wrong or used code.
    clock.advance(60);
    let (status, body) = answer(sign_in_with(&app, None).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("second_factor_required"))
    );
    let (status, body) = answer(sign_in_with(&app, Some("123456")).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("second_factor_failed"))
    );
    let (status, body) = answer(sign_in_with(&app, Some(&code)).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("second_factor_failed"))
    );
    let fresh = code_at(&secret, clock.now()).unwrap();
    let response = sign_in_with(&app, Some(&fresh)).await;
    assert_eq!(response.status(), 200);
    let session = session_of(response).await;
    let (_, me) = get_as(&app, &session, "/api/v1/me").await;
    assert_eq!(me["second_factor"], "enrolled");
    assert_eq!(get_as(&app, &session, "/api/v1/register").await.0, 200);
}

#[tokio::test]
async fn someone_with_a_second_factor_is_asked_for_it_even_where_it_is_not_required() {
    let (app, _state, clock) = spawn_app_with_directory(Backend::Sqlite, &[MANAGER]).await;
    let session = session_of(sign_in_with(&app, None).await).await;
    let (_, me) = get_as(&app, &session, "/api/v1/me").await;
    assert_eq!(me["second_factor"], "not_enrolled");
    let secret = enrol(&app, &session, &clock).await;
    clock.advance(30);
    assert_eq!(sign_in_with(&app, None).await.status(), 401);
    let code = code_at(&secret, clock.now()).unwrap();
    assert_eq!(sign_in_with(&app, Some(&code)).await.status(), 200);
}

#[tokio::test]
async fn guessing_codes_is_throttled_like_guessing_passwords() {
    let (app, _state, clock) = spawn_app_with_directory(Backend::Sqlite, &[MANAGER]).await;
    let session = session_of(sign_in_with(&app, None).await).await;
    let secret = enrol(&app, &session, &clock).await;
    let mut statuses = Vec::new();
    for n in 0..12 {
        let guess = format!("{:06}", 100_000 + n);
        statuses.push(sign_in_with(&app, Some(&guess)).await.status().as_u16());
    }
    assert!(statuses[..6].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[6..].iter().all(|s| *s == 429), "{statuses:?}");
    // Once the lock passes, the right person gets in with a fresh code.
    clock.advance(120);
    let fresh = code_at(&secret, clock.now()).unwrap();
    assert_eq!(sign_in_with(&app, Some(&fresh)).await.status(), 200);
}

#[tokio::test]
async fn switching_the_rule_on_holds_at_once_for_sessions_and_tokens_already_made() {
    let (app, state, clock) = spawn_app_with_directory(Backend::Sqlite, &[MANAGER]).await;
    let session = session_of(sign_in_with(&app, None).await).await;
    let token = bearer_token(&app, &session, &["read"]).await;
    let read_with_token = || {
        let (app, token) = (&app, &token);
        async move {
            answer(
                app.client
                    .get(app.url("/api/v1/register"))
                    .header("authorization", token)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    assert_eq!(read_with_token().await.0, 200);
    assert_eq!(get_as(&app, &session, "/api/v1/register").await.0, 200);

    state
        .store()
        .require_second_factor(
            "havering",
            true,
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let (status, body) = read_with_token().await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("second_factor_enrolment_required"))
    );
    let (status, body) = get_as(&app, &session, "/api/v1/register").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("second_factor_enrolment_required"))
    );
    let (_, me) = get_as(&app, &session, "/api/v1/me").await;
    assert_eq!(me["second_factor"], "enrolment_required");

    // Once set up, the same session and token work again.
    enrol(&app, &session, &clock).await;
    assert_eq!(read_with_token().await.0, 200);
    assert_eq!(get_as(&app, &session, "/api/v1/register").await.0, 200);
}
