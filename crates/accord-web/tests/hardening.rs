//! What every answer carries whatever route gave it (issue 11, findings 7
//! and 12): `Cache-Control: no-store` on everything that shows someone's
//! data, while the public reference data says it may be cached; and HSTS
//! when Accord is reached over HTTPS.

mod common;

use axum::{body::Body, http::Request};
use common::{get_as, sign_in, spawn_app_with_demo};
use tower::ServiceExt;

fn cache_control(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("cache-control")
        .map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn answers_that_carry_a_childs_data_are_never_stored() {
    let (app, _) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    let (_, register) = get_as(&app, &team, "/api/v1/register").await;
    let case = register["cases"][0]["id"].as_str().unwrap().to_owned();
    for path in [
        format!("/api/v1/cases/{case}"),
        "/api/v1/register".to_owned(),
        "/api/v1/me/deadlines".to_owned(),
        "/api/v1/partnerships/havering/people".to_owned(),
        "/api/v1/me".to_owned(),
        format!("/cases/{case}"),
        "/register".to_owned(),
        // An error names what was asked for, so it is not kept either.
        "/api/v1/cases/HAV-1999-0001".to_owned(),
    ] {
        let response = app
            .client
            .get(app.url(&path))
            .header("cookie", &team.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(cache_control(&response), "no-store", "{path}");
    }
}

#[tokio::test]
async fn public_reference_data_may_be_cached() {
    let (app, _) = spawn_app_with_demo().await;
    for path in [
        "/api/v1/calendars",
        "/api/v1/calendars/england-and-wales/holidays/2026",
        "/api/openapi.json",
        "/assets/favicon.svg",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            cache_control(&response).starts_with("public, max-age="),
            "{path}: {}",
            cache_control(&response)
        );
    }
    // A partnership may install a new version of its policy at any time
    // (issue 13 §2): a kept copy is asked about again every time.
    for path in ["/api/v1/policies", "/api/v1/policies/havering-2022"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(cache_control(&response), "public, no-cache", "{path}");
    }
    // The health check may be kept, but is asked again every time.
    assert_eq!(cache_control(&app.get("/api/v1/health").await), "no-cache");
    // A policy that does not exist is not remembered as missing.
    assert_eq!(
        cache_control(&app.get("/api/v1/policies/nowhere").await),
        "no-store"
    );
}

async fn hsts(secure_cookies: bool) -> Option<String> {
    let (state, _dir) = common::state().await;
    let response = accord_web::app(state.with_secure_cookies(secure_cookies))
        .oneshot(Request::get("/api/v1/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    response
        .headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn with_secure_cookies_browsers_are_told_to_use_https_only() {
    assert_eq!(
        hsts(true).await.as_deref(),
        Some("max-age=31536000; includeSubDomains")
    );
    assert_eq!(
        hsts(true).await.as_deref(),
        Some(accord_web::STRICT_TRANSPORT_SECURITY)
    );
    // Over plain HTTP it would lock the host out of what it serves.
    assert_eq!(hsts(false).await, None);
}
