//! Issue 11 through the administration pages, on the real server:
//!
//! - an administrator sends a password reset link instead of typing a
//!   password (issue 13 §4), which ends nothing until it is used (using it
//!   is in `invitations.rs`), and a disabled account's tokens stay revoked
//!   when it is enabled again (finding 4), on SQLite and PostgreSQL;
//! - nobody changes their own role or policy roles, or disables themselves,
//!   and every change shows on `/admin/audit` to their own partnership's
//!   administrators only (finding 6);
//! - a sign-in name that differs from another only in capital letters is
//!   refused with a field error, not a failure (finding 11).

mod common;

use accord_store::Person;
use accord_web::AppState;
use common::{Backend, TestApp, bearer_token, sign_in, spawn_app_with_directory};

const ADMIN: &str = "hav-admin";
const MANAGER: &str = "hav-police-manager";

/// Posts a form of `fields` to `path` as `session`, with its CSRF token as
/// a form field, as the pages send it.
use common::post_form_as as post_form;

use common::page_as as page;

/// Who `/api/v1/me` says signs in with `header` (a cookie or a bearer
/// token): its status.
async fn me(app: &TestApp, name: &str, value: &str) -> u16 {
    app.client
        .get(app.url("/api/v1/me"))
        .header(name, value)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn person(state: &AppState, sign_in: &str) -> Person {
    state
        .store()
        .person_by_sign_in(sign_in)
        .await
        .unwrap()
        .unwrap()
}

/// The details form as the person page fills it for `p`, with `changes`.
fn details<'a>(p: &'a Person, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", p.name.as_str()),
        ("job_title", p.job_title.as_str()),
        ("email", p.email.as_str()),
        ("agency", p.agency.as_str()),
        ("tier", p.tier.id()),
    ];
    fields.extend(p.declared_roles.iter().map(|r| ("roles", r.as_str())));
    for (key, value) in changes {
        fields.retain(|(k, _)| k != key);
        fields.push((key, value));
    }
    fields
}

async fn an_admin_page_reset_link_changes_nothing_until_it_is_used(backend: Backend) {
    let (app, _state, _clock) = spawn_app_with_directory(backend, &[ADMIN, MANAGER]).await;
    let admin = sign_in(&app, ADMIN).await;
    let manager = sign_in(&app, MANAGER).await;
    let token = bearer_token(&app, &manager, &["read"]).await;
    assert_eq!(me(&app, "cookie", &manager.cookie).await, 200);
    assert_eq!(me(&app, "authorization", &token).await, 200);

    // The administrator never types a password: the page has no field
    // for one, and the old action is gone.
    let (_, person_page) = page(&app, &admin, &format!("/admin/people/{MANAGER}")).await;
    assert!(
        person_page.contains("Send a password reset link"),
        "{person_page}"
    );
    assert!(!person_page.contains("new_password"), "{person_page}");
    let old = post_form(
        &app,
        &admin,
        &format!("/admin/people/{MANAGER}/password"),
        &[("new_password", "a brand new pass phrase")],
    )
    .await;
    assert_eq!(old.status(), 404);

    let reset = post_form(
        &app,
        &admin,
        &format!("/admin/people/{MANAGER}/reset-link"),
        &[],
    )
    .await;
    assert_eq!(reset.status(), 303);
    assert_eq!(
        reset.headers()["location"],
        format!("/admin/people/{MANAGER}?done=reset-link").as_str()
    );
    // Until they use the link (tests/invitations.rs), nothing ends.
    assert_eq!(me(&app, "cookie", &manager.cookie).await, 200);
    assert_eq!(me(&app, "authorization", &token).await, 200);
    let (_, done) = page(
        &app,
        &admin,
        &format!("/admin/people/{MANAGER}?done=reset-link"),
    )
    .await;
    assert!(
        done.contains("goes by email once this server sends email"),
        "{done}"
    );

    // A token is revoked by disabling, and enabling again does not bring
    // it back.
    // Disabling is confirmed on its own page (issue 14 §7).
    for action in ["disable", "enable"] {
        let changed = post_form(
            &app,
            &admin,
            &format!("/admin/people/{MANAGER}/{action}"),
            &[("confirm", "yes")],
        )
        .await;
        assert_eq!(changed.status(), 303, "{action}");
    }
    assert_eq!(me(&app, "authorization", &token).await, 401);
    assert_eq!(me(&app, "cookie", &manager.cookie).await, 401);
}

#[tokio::test]
async fn an_admin_page_reset_link_changes_nothing_until_it_is_used_on_sqlite() {
    an_admin_page_reset_link_changes_nothing_until_it_is_used(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_admin_page_reset_link_changes_nothing_until_it_is_used_on_postgres() {
    an_admin_page_reset_link_changes_nothing_until_it_is_used(Backend::Postgres).await;
}

/// `hav-admin` set their own tier to `chair` and read every case. Now the
/// page refuses, and says who can do it; changing someone else is
/// recorded and shown on the audit page.
#[tokio::test]
async fn nobody_changes_their_own_role_and_every_change_is_shown_to_administrators() {
    let (app, state, _clock) =
        spawn_app_with_directory(Backend::Sqlite, &[ADMIN, MANAGER, "sut-admin"]).await;
    let admin = sign_in(&app, ADMIN).await;
    let me_before = person(&state, ADMIN).await;
    let path = format!("/admin/people/{ADMIN}");

    let refused = post_form(
        &app,
        &admin,
        &path,
        &details(&me_before, &[("tier", "chair")]),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("govuk-error-summary"), "{html}");
    assert!(
        html.contains("You cannot change your own role: ask another administrator to do it"),
        "{html}"
    );
    let disabled = post_form(&app, &admin, &format!("{path}/disable"), &[]).await;
    assert_eq!(disabled.status(), 422);
    assert_eq!(person(&state, ADMIN).await, me_before, "nothing changed");

    // Their own name and email they may change.
    let renamed = post_form(
        &app,
        &admin,
        &path,
        &details(&me_before, &[("job_title", "Systems administrator")]),
    )
    .await;
    assert_eq!(renamed.status(), 303);

    // Someone else's role they may change, and it is recorded.
    let manager = person(&state, MANAGER).await;
    let promoted = post_form(
        &app,
        &admin,
        &format!("/admin/people/{MANAGER}"),
        &details(&manager, &[("tier", "head-of-service")]),
    )
    .await;
    assert_eq!(promoted.status(), 303);

    let (status, home) = page(&app, &admin, "/admin").await;
    assert_eq!(status, 200);
    assert!(home.contains("href=\"/admin/audit\""));
    let (status, audit) = page(&app, &admin, "/admin/audit").await;
    assert_eq!(status, 200);
    let newest = audit
        .find("Changed their role")
        .expect("the role change is shown");
    let older = audit
        .find("Changed their job title")
        .expect("the job title change is shown");
    assert!(newest < older, "newest first");
    let start = audit[..newest].rfind("<tr").unwrap();
    let row = &audit[start..newest + audit[newest..].find("</tr>").unwrap()];
    for words in [
        me_before.name.as_str(),
        manager.name.as_str(),
        "Role: Line manager",
        "Role: Head of service",
    ] {
        assert!(row.contains(words), "{words} in {row}");
    }
    // Nothing was recorded about the administrator's own role.
    let entries = state
        .store()
        .directory_audit("havering", 1_000)
        .await
        .unwrap();
    assert!(
        !entries
            .iter()
            .any(|e| e.subject_id == ADMIN && e.what.contains("tier"))
    );

    // Another partnership's administrator sees none of Havering's changes;
    // nobody else sees the page at all.
    let sutton = sign_in(&app, "sut-admin").await;
    let (status, theirs) = page(&app, &sutton, "/admin/audit").await;
    assert_eq!(status, 200);
    assert!(!theirs.contains(&manager.name) && !theirs.contains("Changed their role"));
    let not_admin = sign_in(&app, MANAGER).await;
    let (status, _) = page(&app, &not_admin, "/admin/audit").await;
    assert_eq!(status, 403);
}

/// A Sutton admin created `HAV-CSC-MANAGER` beside `hav-csc-manager`.
#[tokio::test]
async fn a_sign_in_name_differing_only_in_case_is_refused_on_the_page() {
    let (app, state, _clock) = spawn_app_with_directory(Backend::Sqlite, &[ADMIN]).await;
    let admin = sign_in(&app, ADMIN).await;
    let existing = person(&state, MANAGER).await;
    let shouted = MANAGER.to_ascii_uppercase();
    let response = post_form(
        &app,
        &admin,
        "/admin/people/new",
        &[
            ("name", "Someone Else"),
            ("job_title", "Detective Sergeant"),
            ("email", "someone@met.example.org"),
            ("agency", existing.agency.as_str()),
            ("tier", "manager"),
            ("sign_in", shouted.as_str()),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!(
            "Someone already signs in as {MANAGER}, which differs from this name only in capital letters"
        )),
        "{html}"
    );
    assert_eq!(person(&state, &shouted).await.id, existing.id);
}
