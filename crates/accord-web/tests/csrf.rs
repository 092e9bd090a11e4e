//! CSRF protection over the real server (issue 4, "Hardening"): a change
//! made with the session cookie needs the session's token, in the
//! `X-CSRF-Token` header or an HTML form's `csrf_token` field (signing in
//! and out aside); a request another site made never changes anything; a
//! bearer token needs no CSRF token, since no other site can make a browser
//! send one.

mod common;

use common::{PASSWORD, post_as, sign_in, spawn_app_with_people};
use serde_json::{Value, json};

const MANAGER: &str = "hav-police-manager";

#[tokio::test]
async fn a_change_with_the_session_cookie_needs_its_token() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let session = sign_in(&app, MANAGER).await;
    let token = json!({ "scopes": ["read"], "label": "case system" });

    // The cookie alone, as a forged request would carry it.
    let forged = app
        .client
        .post(app.url("/api/v1/tokens"))
        .header("cookie", &session.cookie)
        .json(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["code"], "csrf_token_missing");
    assert!(body["message"].as_str().unwrap().contains("X-CSRF-Token"));

    // Another session's token, or a made-up one.
    let wrong = app
        .client
        .post(app.url("/api/v1/tokens"))
        .header("cookie", &session.cookie)
        .header("x-csrf-token", "0".repeat(64))
        .json(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["code"], "csrf_token_wrong");

    // The session's own token.
    let made = session
        .on(app.client.post(app.url("/api/v1/tokens")))
        .json(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);

    // Reading needs no token, and says what it is.
    let me: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["csrf_token"], session.csrf.as_str());

    // Signing in and out needs no token, so a browser still holding an
    // old session's cookie can always do both.
    let again = app
        .client
        .post(app.url("/api/v1/session"))
        .header("cookie", &session.cookie)
        .json(&json!({ "sign_in": MANAGER, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let out = app
        .client
        .delete(app.url("/api/v1/session"))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
}

#[tokio::test]
async fn an_html_form_post_carries_the_token_as_a_field() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let session = sign_in(&app, MANAGER).await;
    let form = |fields: &str| {
        app.client
            .post(app.url("/api/v1/tokens"))
            .header("cookie", &session.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(fields.to_owned())
            .send()
    };
    let without = form("label=x&scopes=read").await.unwrap();
    assert_eq!(without.status(), 403);
    let wrong = form("label=x&csrf_token=abc").await.unwrap();
    assert_eq!(wrong.status(), 403);
    // With the field, the request gets past the check to the route, which
    // takes JSON only (the web pages' forms come with their own routes).
    let with = form(&format!("label=x&csrf_token={}", session.csrf))
        .await
        .unwrap();
    assert_eq!(with.status(), 415);
}

#[tokio::test]
async fn a_request_from_another_site_changes_nothing() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    // Signing someone in to an attacker's account from another site.
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({ "sign_in": MANAGER, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "cross_site_request");
    assert!(response_has_no_cookie(&app).await);
    // The same request from Accord's own pages is fine.
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .header("sec-fetch-site", "same-origin")
        .json(&json!({ "sign_in": MANAGER, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn response_has_no_cookie(app: &common::TestApp) -> bool {
    app.get("/api/v1/me").await.status() == 401
}

#[tokio::test]
async fn a_bearer_token_needs_no_csrf_token() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let session = sign_in(&app, MANAGER).await;
    let (_, token) = post_as(
        &app,
        &session,
        "/api/v1/tokens",
        &json!({ "scopes": ["read", "write"], "label": "case system" }),
    )
    .await;
    let revoked = app
        .client
        .delete(app.url(&format!("/api/v1/tokens/{}", token["id"].as_str().unwrap())))
        .header(
            "authorization",
            format!("Bearer {}", token["token"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let me: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["signed_in_with"], "session");
}
