//! `accord_web::app` called directly, with no socket: what axum's testing
//! example recommends for most tests.

mod common;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[tokio::test]
async fn the_router_answers_without_a_socket() {
    let (state, _dir) = common::state().await;
    let response = accord_web::app(state)
        .oneshot(
            Request::get("/api/v1/calendars/isle-of-man/holidays/2026")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    // Tynwald Day is the Isle of Man's own.
    assert!(
        body["holidays"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"].as_str().unwrap().contains("Tynwald")),
        "{body}"
    );
}

#[tokio::test]
async fn a_closed_database_is_a_503_that_names_no_cause() {
    let (state, _dir) = common::state().await;
    state.store().clone().close().await;
    let response = accord_web::app(state)
        .oneshot(Request::get("/api/v1/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "database_unreachable");
    assert!(
        !body["message"].as_str().unwrap().contains("pool"),
        "{body}"
    );
}
