//! `GET /api/v1/cases/{id}` over the real server, on the seeded demo: a
//! reader the access rules allow gets the summary and the read is logged; a
//! case they may not see is the same 404 as a case that does not exist.

mod common;

use accord_case::CaseId;
use common::{PASSWORD, TestApp, spawn_app_with_demo};
use reqwest::Response;
use serde_json::{Value, json};

async fn signed_in(app: &TestApp, name: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "sign_in": name, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{name} signs in");
    let set = response.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn case_as(app: &TestApp, cookie: &str, id: &str) -> Response {
    app.client
        .get(app.url(&format!("/api/v1/cases/{id}")))
        .header("cookie", cookie)
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
async fn a_case_someone_may_not_see_is_the_same_404_as_no_case_and_is_not_logged() {
    let (app, state) = spawn_app_with_demo().await;
    let unknown = |cookie: String| {
        let app = &app;
        async move { case_as(app, &cookie, "HAV-DEMO-9999").await }
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
