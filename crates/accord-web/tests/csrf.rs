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

/// A sign-in as a browser sends it from a page whose origin is `origin`
/// (and, for browsers that send no `Origin`, whose address is `referer`).
async fn sign_in_from(
    app: &common::TestApp,
    origin: Option<&str>,
    referer: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "sign_in": MANAGER, "password": PASSWORD }));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(referer) = referer {
        request = request.header("referer", referer);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_sign_in_from_another_origin_is_refused_where_the_browser_sends_no_sec_fetch_site() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    for (origin, referer) in [
        (Some("http://evil.example"), None),
        // A sandboxed frame or a data: page.
        (Some("null"), None),
        (None, Some("http://evil.example/sign-in")),
        // The same host on another port is another origin.
        (Some("http://127.0.0.1:1"), None),
    ] {
        let response = sign_in_from(&app, origin, referer).await;
        assert_eq!(response.status(), 403, "{origin:?} {referer:?}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{origin:?} {referer:?}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "cross_origin_request");
    }
    // Accord's own pages, by Origin or by Referer, and a program that
    // sends neither, sign in.
    let own = app.address.clone();
    for (origin, referer) in [
        (Some(own.as_str()), None),
        (None, Some(format!("{own}/sign-in?next=/register"))),
        (None, None),
    ] {
        let response = sign_in_from(&app, origin, referer.as_deref()).await;
        assert_eq!(response.status(), 200, "{origin:?} {referer:?}");
        // What the refusals above lack: the session cookie a sign-in sets.
        assert!(
            response.headers().get("set-cookie").is_some(),
            "{origin:?} {referer:?}"
        );
    }
}

#[tokio::test]
async fn the_sign_in_page_refuses_another_origin_with_a_page() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let response = app
        .client
        .post(app.url("/sign-in"))
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("sign_in={MANAGER}&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("set-cookie").is_none());
    // The same form from Accord's own page signs in and sets the cookie the
    // refusal lacks, so the check above can fail.
    let own = app
        .client
        .post(app.url("/sign-in"))
        .header("origin", app.address.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("sign_in={MANAGER}&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 303);
    assert!(own.headers().get("set-cookie").is_some());
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
    );
    // The page gets the security headers every answer gets.
    assert!(response.headers().contains_key("content-security-policy"));
    let page = response.text().await.unwrap();
    assert!(page.contains("sent from another website"), "{page}");
}

#[tokio::test]
async fn an_authorization_header_excuses_no_page_from_the_csrf_token() {
    let (app, _) = spawn_app_with_people(&[MANAGER]).await;
    let session = sign_in(&app, MANAGER).await;
    // Signing out through the pages, with the cookie, no token, and an
    // Authorization header the pages do not take.
    let response = app
        .client
        .post(app.url("/sign-out"))
        .header("cookie", &session.cookie)
        .header("authorization", "Bearer accord_anything")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("opened in an earlier session"), "{page}");
    // The session is still there.
    let (status, _) = common::get_as(&app, &session, "/api/v1/me").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn with_a_base_url_only_its_origin_is_this_servers() {
    use axum::{
        body::Body,
        extract::ConnectInfo,
        http::{Request, header},
    };
    use tower::ServiceExt;

    let clock = common::TestClock::new();
    let (state, _dir) = common::state_with_people(&[MANAGER], &clock).await;
    let app = accord_web::app(state.with_base_url(Some("https://accord.example.org/".to_owned())));
    let sign_in = |origin: &str| {
        let mut request = Request::post("/api/v1/session")
            .header(header::HOST, "10.0.0.5:8080")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({ "sign_in": MANAGER, "password": PASSWORD }).to_string(),
            ))
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 9))));
        app.clone().oneshot(request)
    };
    assert_eq!(
        sign_in("https://accord.example.org")
            .await
            .unwrap()
            .status(),
        200
    );
    // The Host the proxy passed on is not the address people use.
    assert_eq!(sign_in("http://10.0.0.5:8080").await.unwrap().status(), 403);
    assert_eq!(
        sign_in("http://accord.example.org").await.unwrap().status(),
        403
    );
}
