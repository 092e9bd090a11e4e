//! Snapshots of the rendered HTML of the case page and the register
//! (issue 5), on the seeded demo at a fixed time, so that any change to
//! what a practitioner or the partnership team sees shows up in review as
//! a change to `tests/snapshots/*.snap`. The session's CSRF token, the one
//! thing that differs between runs, is replaced by `[csrf]`.
//!
//! To accept a deliberate change: `cargo insta review`, or run with
//! `INSTA_UPDATE=always` and read the diff before committing.

mod common;

use common::{Session, TestApp, sign_in, spawn_app_with_demo};

async fn page(app: &TestApp, session: &Session, path: &str) -> String {
    let response = session
        .on(app.client.get(app.url(path)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let html = response.text().await.unwrap();
    html.replace(&session.csrf, "[csrf]")
}

/// Havering's HAV-DEMO-0007: at Stage 4 with the HSCP Chair, a Resolution
/// Panel convened (§2.12), as the partnership team sees it.
#[tokio::test]
async fn the_case_page_of_a_case_with_a_panel() {
    let (app, _state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    insta::assert_snapshot!(page(&app, &team, "/cases/HAV-DEMO-0007").await);
}

/// The print view of the same case, for the child's file.
#[tokio::test]
async fn the_print_view_of_a_case() {
    let (app, _state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    insta::assert_snapshot!(page(&app, &team, "/cases/HAV-DEMO-0007/print").await);
}

/// The register of Havering's open disagreements, and filtered to the
/// overdue ones.
#[tokio::test]
async fn the_register_whole_and_filtered() {
    let (app, _state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    insta::assert_snapshot!("register", page(&app, &team, "/register").await);
    insta::assert_snapshot!(
        "register_overdue",
        page(&app, &team, "/register?overdue=yes").await
    );
}

/// Havering's single sign-on page with none set up, and the form that adds
/// an identity provider, as its administrator sees them (issue 16).
#[tokio::test]
async fn the_single_sign_on_pages() {
    let (app, _state) = spawn_app_with_demo().await;
    let admin = sign_in(&app, "hav-admin").await;
    insta::assert_snapshot!("admin_sign_in", page(&app, &admin, "/admin/sign-in").await);
    insta::assert_snapshot!(
        "admin_sign_in_new",
        page(&app, &admin, "/admin/sign-in/new").await
    );
}
