//! Sign-in over the real server (issue 4, "Sign-in"): a password sets a
//! session cookie with the right flags; an unknown name and a wrong
//! password get the same answer; a disabled account is refused; 100 wrong
//! passwords are throttled and the right person still gets in once the
//! lock passes; API tokens are scoped, shown once and revocable; every
//! refusal is the JSON error shape.

mod common;

use common::{PASSWORD, Session, TestApp, spawn_app_with_people};
use reqwest::{Response, header};
use serde_json::{Value, json};

const MANAGER: &str = "hav-police-manager";
const CHAIR: &str = "hav-chair";

async fn sign_in(app: &TestApp, name: &str, password: &str) -> Response {
    app.client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "sign_in": name, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn signed_in(app: &TestApp, name: &str) -> Session {
    common::sign_in(app, name).await
}

async fn me_with(app: &TestApp, header: (&str, String)) -> Response {
    app.client
        .get(app.url("/api/v1/me"))
        .header(header.0, header.1)
        .send()
        .await
        .unwrap()
}

async fn assert_error(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status, "expected {code}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    body
}

#[tokio::test]
async fn the_right_password_signs_in_with_a_hardened_session_cookie() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let response = sign_in(&app, MANAGER, PASSWORD).await;
    assert_eq!(response.status(), 200);
    let set = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set.starts_with("accord_session="), "{set}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(set.contains(flag), "{flag} in {set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP by default: {set}");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["sign_in"], MANAGER);
    assert_eq!(body["partnership"], "havering");
    assert_eq!(body["tier"], "manager");
    let text = body.to_string();
    assert!(
        !text.contains("argon2") && !text.contains(PASSWORD),
        "{text}"
    );

    let me = me_with(&app, ("cookie", cookie_of(&set))).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["sign_in"], MANAGER);
    assert_eq!(me["signed_in_with"], "session");
    assert_eq!(me["scopes"], json!(["read", "write"]));
}

fn cookie_of(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn secure_cookies_are_marked_secure() {
    use accord_web::app;
    use tower::ServiceExt;
    let clock = common::TestClock::new();
    let (state, _dir) = common::state_with_people(&[MANAGER], &clock).await;
    let state = state.with_secure_cookies(true);
    let request = axum::http::Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({ "sign_in": MANAGER, "password": PASSWORD }).to_string(),
        ))
        .unwrap();
    let response = app(state).oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let set = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(set.contains("; Secure"), "{set}");
}

#[tokio::test]
async fn an_unknown_name_and_a_wrong_password_get_the_same_answer() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let wrong = sign_in(&app, MANAGER, "not the password at all").await;
    let unknown = sign_in(&app, "hav-nobody-at-all", PASSWORD).await;
    let short = sign_in(&app, MANAGER, "x").await;
    let mut answers = Vec::new();
    for response in [wrong, unknown, short] {
        assert_eq!(response.status(), 401);
        assert!(response.headers().get(header::SET_COOKIE).is_none());
        answers.push(response.text().await.unwrap());
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    let body: Value = serde_json::from_str(&answers[0]).unwrap();
    assert_eq!(body["code"], "sign_in_failed");
}

#[tokio::test]
async fn a_disabled_account_is_refused() {
    let (app, clock) = spawn_app_with_people(&[MANAGER]).await;
    let session = signed_in(&app, MANAGER).await;
    let store = accord_store::Store::open(
        &app_database(&app),
        accord_policy::builtin(&accord_calendar::Calendars::builtin()),
        common::master_key(),
    )
    .await;
    // The app's own store is behind the server; disable through a second
    // handle on the same file, as `accord user disable` would.
    let store = store.unwrap();
    assert!(
        store
            .disable_account(MANAGER, clock.now(), &accord_store::ChangedBy::COMMAND_LINE)
            .await
            .unwrap()
    );
    assert_error(
        sign_in(&app, MANAGER, PASSWORD).await,
        403,
        "account_disabled",
    )
    .await;
    // A wrong password says nothing about it.
    assert_error(
        sign_in(&app, MANAGER, "wrong password!!").await,
        401,
        "sign_in_failed",
    )
    .await;
    // The session it had is over.
    assert_error(
        me_with(&app, ("cookie", session.cookie.clone())).await,
        401,
        "session_expired",
    )
    .await;
}

fn app_database(app: &TestApp) -> String {
    app.database_url.clone().expect("a SQLite test app")
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let session = signed_in(&app, MANAGER).await;
    let out = session
        .on(app.client.delete(app.url("/api/v1/session")))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let cleared = out.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_error(
        me_with(&app, ("cookie", session.cookie.clone())).await,
        401,
        "session_expired",
    )
    .await;
}

#[tokio::test]
async fn nobody_signed_in_gets_a_json_401() {
    let (app, _) = spawn_app_with_people(&[]).await;
    let response = app.get("/api/v1/me").await;
    assert_eq!(
        response.headers()[header::WWW_AUTHENTICATE],
        "Bearer realm=\"accord\""
    );
    assert_error(response, 401, "not_signed_in").await;
    assert_error(
        me_with(&app, ("authorization", "Bearer accord_nope".into())).await,
        401,
        "invalid_token",
    )
    .await;
    assert_error(
        me_with(&app, ("authorization", "Basic dXNlcjpwYXNz".into())).await,
        401,
        "invalid_token",
    )
    .await;
    assert_error(
        me_with(&app, ("cookie", "accord_session=forged".into())).await,
        401,
        "session_expired",
    )
    .await;
    let make = app
        .post(
            "/api/v1/tokens",
            "application/json",
            br#"{"scopes":["read"],"label":"x"}"#.to_vec(),
        )
        .await;
    assert_error(make, 401, "not_signed_in").await;
}

#[tokio::test]
async fn a_hundred_wrong_passwords_are_throttled_and_the_right_person_still_gets_in() {
    let (app, clock) = spawn_app_with_people(&[MANAGER, CHAIR]).await;
    let mut refused = 0;
    let mut throttled = 0;
    let mut retry_after = 0;
    for _ in 0..100 {
        let response = sign_in(&app, MANAGER, "guess guess guess").await;
        match response.status().as_u16() {
            401 => refused += 1,
            429 => {
                throttled += 1;
                retry_after = response.headers()[header::RETRY_AFTER]
                    .to_str()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap();
                assert_error(response, 429, "too_many_attempts").await;
            }
            other => panic!("unexpected {other}"),
        }
    }
    // Five free tries and the one that set the lock; the rest were never
    // checked against the password.
    assert_eq!(refused, 6);
    assert_eq!(throttled, 94);
    // While the lock holds, even the right password waits.
    assert_eq!(sign_in(&app, MANAGER, PASSWORD).await.status(), 429);
    // An attacker who waits out each lock gets ever longer ones.
    for expected in [2, 4, 8] {
        clock.advance(retry_after);
        assert_eq!(
            sign_in(&app, MANAGER, "guess guess guess").await.status(),
            401
        );
        let response = sign_in(&app, MANAGER, "guess guess guess").await;
        assert_eq!(response.status(), 429);
        retry_after = response.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(retry_after, expected);
    }
    // Once the lock passes, the right person signs in, and their count is
    // cleared.
    clock.advance(retry_after);
    let response = sign_in(&app, MANAGER, PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["sign_in"], MANAGER);
    assert_eq!(
        sign_in(&app, MANAGER, "one slip of the finger")
            .await
            .status(),
        401
    );
    assert_eq!(sign_in(&app, MANAGER, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn guessing_across_many_names_from_one_address_is_throttled_too() {
    let (app, clock) = spawn_app_with_people(&[MANAGER]).await;
    let mut statuses = Vec::new();
    for n in 0..30 {
        let response = sign_in(&app, &format!("hav-guess-{n}"), "guess guess guess").await;
        statuses.push(response.status().as_u16());
    }
    // Each name is new, so only the address's count (twenty free) stops it.
    assert!(statuses[..21].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[21..].iter().all(|s| *s == 429), "{statuses:?}");
    clock.advance(60);
    assert_eq!(sign_in(&app, MANAGER, PASSWORD).await.status(), 200);
}

async fn make_token(app: &TestApp, session: &Session, scopes: Value) -> Value {
    let response = session
        .on(app.client.post(app.url("/api/v1/tokens")))
        .json(&json!({ "scopes": scopes, "label": "case system" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    response.json().await.unwrap()
}

fn bearer(token: &Value) -> (&'static str, String) {
    (
        "authorization",
        format!("Bearer {}", token["token"].as_str().unwrap()),
    )
}

#[tokio::test]
async fn a_token_signs_in_a_system_until_it_is_revoked() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let session = signed_in(&app, MANAGER).await;
    let token = make_token(&app, &session, json!(["read", "write"])).await;
    assert_eq!(token["scopes"], json!(["read", "write"]));
    let me = me_with(&app, bearer(&token)).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["sign_in"], MANAGER);
    assert_eq!(me["signed_in_with"], "token");

    let revoke = |id: String| {
        let app = &app;
        let session = &session;
        async move {
            session
                .on(app.client.delete(app.url(&format!("/api/v1/tokens/{id}"))))
                .send()
                .await
                .unwrap()
        }
    };
    let id = token["id"].as_str().unwrap().to_owned();
    assert_eq!(revoke(id.clone()).await.status(), 204);
    assert_error(me_with(&app, bearer(&token)).await, 401, "invalid_token").await;
    assert_error(revoke(id).await, 404, "unknown_token").await;
}

#[tokio::test]
async fn a_token_does_only_what_its_scopes_allow() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let session = signed_in(&app, MANAGER).await;
    let read = make_token(&app, &session, json!(["read"])).await;
    let write = make_token(&app, &session, json!(["write"])).await;
    // A read-only token may not revoke, even itself.
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/tokens/{}", read["id"].as_str().unwrap())))
        .header("authorization", bearer(&read).1)
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "insufficient_scope").await;
    // A write-only token may not read.
    assert_error(
        me_with(&app, bearer(&write)).await,
        403,
        "insufficient_scope",
    )
    .await;
    // No token may make tokens.
    let response = app
        .client
        .post(app.url("/api/v1/tokens"))
        .header("authorization", bearer(&write).1)
        .json(&json!({ "scopes": ["read", "write"], "label": "escalation" }))
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "session_required").await;
    // A token needs a scope and a label.
    for (body, field) in [
        (json!({ "scopes": [], "label": "x" }), "scopes"),
        (json!({ "scopes": ["read"], "label": " " }), "label"),
    ] {
        let response = session
            .on(app.client.post(app.url("/api/v1/tokens")))
            .json(&body)
            .send()
            .await
            .unwrap();
        let error = assert_error(response, 422, "invalid_body").await;
        assert_eq!(error["field"], field);
    }
    let response = session
        .on(app.client.post(app.url("/api/v1/tokens")))
        .json(&json!({ "scopes": ["admin"], "label": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

/// Issue 13 §4: "Signed-in people can change their password. Changing it
/// ends their other sessions." The session it is changed from goes on; the
/// other ends; the old password no longer signs in and the new one does; a
/// wrong password now, a new one too short, or an API token is refused
/// with what to fix, and changes nothing. The page does the same, with its
/// errors beside the fields.
#[tokio::test]
async fn people_change_their_own_password_and_their_other_sessions_end() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let here = signed_in(&app, MANAGER).await;
    let elsewhere = signed_in(&app, MANAGER).await;
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let post = |session: &Session, body: Value| {
        session
            .on(app.client.post(app.url("/api/v1/me/password")))
            .json(&body)
            .send()
    };
    let wrong = post(&here, change("not my password", "three new random words"))
        .await
        .unwrap();
    let body = assert_error(wrong, 422, "wrong_password").await;
    assert_eq!(body["field"], "current_password");
    let short = post(&here, change(PASSWORD, "short")).await.unwrap();
    let body = assert_error(short, 422, "weak_password").await;
    assert_eq!(body["field"], "new_password");
    // Nothing changed: both sessions still read.
    assert_eq!(
        me_with(&app, ("cookie", elsewhere.cookie.clone()))
            .await
            .status(),
        200
    );

    let token = common::bearer_token(&app, &here, &["read", "write"]).await;
    let by_token = app
        .client
        .post(app.url("/api/v1/me/password"))
        .header("authorization", &token)
        .json(&change(PASSWORD, "three new random words"))
        .send()
        .await
        .unwrap();
    assert_error(by_token, 403, "session_required").await;

    let done = post(&here, change(PASSWORD, "three new random words"))
        .await
        .unwrap();
    assert_eq!(done.status(), 204);
    assert_eq!(
        me_with(&app, ("cookie", here.cookie.clone()))
            .await
            .status(),
        200
    );
    assert_error(
        me_with(&app, ("cookie", elsewhere.cookie.clone())).await,
        401,
        "session_expired",
    )
    .await;
    // The API token is theirs to revoke: a password change is not a reset.
    assert_eq!(
        me_with(&app, ("authorization", token.clone()))
            .await
            .status(),
        200
    );
    assert_eq!(sign_in(&app, MANAGER, PASSWORD).await.status(), 401);
    assert_eq!(
        sign_in(&app, MANAGER, "three new random words")
            .await
            .status(),
        200
    );

    // The page: a mismatched confirmation, then a wrong password now, each
    // beside its field; then the change, which says what happened.
    let page = |form: &[(&str, &str)]| {
        let mut pairs: Vec<(&str, &str)> = vec![("csrf_token", here.csrf.as_str())];
        pairs.extend_from_slice(form);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        app.client
            .post(app.url("/account/password"))
            .header("cookie", &here.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let mismatch = page(&[
        ("current_password", "three new random words"),
        ("new_password", "four more random words"),
        ("confirm_password", "four more random word"),
    ])
    .await
    .unwrap();
    assert_eq!(mismatch.status(), 422);
    let html = mismatch.text().await.unwrap();
    assert!(
        html.contains("Type the new password again, exactly as above"),
        "{html}"
    );
    assert!(html.contains("href=\"#confirm_password\""), "{html}");
    let wrong = page(&[
        ("current_password", "not it at all, sorry"),
        ("new_password", "four more random words"),
        ("confirm_password", "four more random words"),
    ])
    .await
    .unwrap();
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Your password now is not right")
    );
    let changed = page(&[
        ("current_password", "three new random words"),
        ("new_password", "four more random words"),
        ("confirm_password", "four more random words"),
    ])
    .await
    .unwrap();
    assert_eq!(changed.status(), 200);
    assert!(
        changed
            .text()
            .await
            .unwrap()
            .contains("Your password is changed")
    );
    assert_eq!(
        sign_in(&app, MANAGER, "four more random words")
            .await
            .status(),
        200
    );
}

/// A wrong password now, given to change it, counts against the sign-in
/// throttle like a wrong password at sign-in: a session left open cannot be
/// used to guess it. Five free tries and the one that sets the lock are
/// checked; the next is turned away (429, with `Retry-After`) unchecked, and
/// signing in as them waits out the same lock.
#[tokio::test]
async fn guessing_the_password_now_through_a_change_is_throttled() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let here = signed_in(&app, MANAGER).await;
    let guess = || {
        here.on(app.client.post(app.url("/api/v1/me/password")))
            .json(&json!({ "current_password": "a wrong guess at it", "new_password": "three new random words" }))
            .send()
    };
    for _ in 0..6 {
        assert_error(guess().await.unwrap(), 422, "wrong_password").await;
    }
    let locked = guess().await.unwrap();
    assert!(locked.headers().contains_key(header::RETRY_AFTER));
    assert_error(locked, 429, "too_many_attempts").await;
    assert_eq!(sign_in(&app, MANAGER, PASSWORD).await.status(), 429);
}
