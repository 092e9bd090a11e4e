//! A partnership's own policy, in versions (issue 13 §2), through the
//! administration pages: the upload is checked and every mistake listed
//! with its line and column; a good file shows what it changes against the
//! version in force before anything takes effect; installing it makes it
//! the version new disagreements are raised under, while open ones keep
//! theirs, deadlines unchanged; and every version stays readable.

mod browser;
mod common;

use accord_store::ChangedBy;
use common::{Backend, Session, TestApp, sign_in, spawn_app_with_directory};
use serde_json::{Value, json};

/// Havering's built-in policy as the partnership's own file: its own id,
/// `version`, and Stage One's timescale (the built-in gives 5 working
/// days, HAV-2: "within one working week").
fn own_policy(version: u32, stage_one_days: u32) -> String {
    let (_, source) = accord_policy::BUILTIN
        .iter()
        .find(|(id, _)| *id == "havering-2022")
        .unwrap();
    let source = source
        .replacen("id = \"havering-2022\"", "id = \"havering-own-2026\"", 1)
        .replacen("version = 1", &format!("version = {version}"), 1);
    // Stage One's is the first timescale in the file.
    let at = source
        .find("[tracks.stages.timescale]\nworking_days = 5")
        .unwrap();
    format!(
        "{}[tracks.stages.timescale]\nworking_days = {stage_one_days}{}",
        &source[..at],
        &source[at + "[tracks.stages.timescale]\nworking_days = 5".len()..]
    )
}

/// The admin's session cookie and CSRF token, for the pages.
async fn admin(app: &TestApp) -> Session {
    sign_in(app, "hav-admin").await
}

/// POSTs a multipart form of `fields` (name, value, and a file name for a
/// file) to `path` as `session`, sending the CSRF token as a field, as a
/// browser's form does: the status and the page.
async fn upload(
    app: &TestApp,
    session: &Session,
    path: &str,
    fields: &[(&str, &str, Option<&str>)],
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new().text("csrf_token", session.csrf.clone());
    for (name, value, file) in fields {
        let part = reqwest::multipart::Part::text(value.to_string());
        let part = match file {
            Some(f) => part
                .file_name(f.to_string())
                .mime_str("application/toml")
                .unwrap(),
            None => part,
        };
        form = form.part(name.to_string(), part);
    }
    let response = app
        .client
        .post(app.url(path))
        .header("cookie", &session.cookie)
        .header("origin", &app.address)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    (status, location.unwrap_or(body))
}

/// A hidden field's value on `page`, HTML entities decoded.
fn hidden(page: &str, name: &str) -> String {
    let start = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&start)
        .unwrap_or_else(|| panic!("no field {name} on the page: {page}"))
        + start.len();
    let value = &page[at..at + page[at..].find('"').unwrap()];
    decode(value)
}

/// `text` with its HTML character references decoded: named (`&amp;`) and
/// numeric (`&#38;`, `&#x26;`).
fn decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = at
            + rest[at..]
                .find(';')
                .expect("a character reference ends with ;");
        let name = &rest[at + 1..end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&n[2..], 16).unwrap()).unwrap()
            }
            n if n.starts_with('#') => char::from_u32(n[1..].parse().unwrap()).unwrap(),
            other => panic!("an unknown character reference &{other};"),
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Checks `file` on the upload page and installs it as the page offers.
async fn install(app: &TestApp, admin: &Session, file: &str) -> String {
    let (status, page) = upload(
        app,
        admin,
        "/admin/policy/check",
        &[("policy_file", file, Some("havering-own.toml"))],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let source = hidden(&page, "source");
    assert_eq!(source, file, "the page carries the checked file back whole");
    let (status, location) = upload(
        app,
        admin,
        "/admin/policy/install",
        &[
            ("source", &source, None),
            ("sha256", &hidden(&page, "sha256"), None),
            ("against", &hidden(&page, "against"), None),
            ("file_name", "havering-own.toml", None),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(location, "/admin/policy?done=installed");
    page
}

/// A Havering raise about children's social care.
fn raise() -> Value {
    let mut raise = common::havering_raise();
    raise["subjects"][0]["looked_after"] = json!(true);
    raise
}

async fn raise_case(app: &TestApp, session: &Session) -> Value {
    let (status, case) = common::post_as(app, session, "/api/v1/cases", &raise()).await;
    assert_eq!(status, 201, "{case}");
    case
}

async fn page(app: &TestApp, session: &Session, path: &str) -> String {
    let (status, page) = common::page_as(app, session, path).await;
    assert_eq!(status, 200, "GET {path}");
    page
}

/// Issue 13: "Installing version 2 with a shorter timescale leaves an open
/// case's deadline where it was, and gives a new case the shorter one. Both
/// cases' pages say which version they run under."
async fn a_new_version_applies_to_new_cases_only(backend: Backend) {
    let (app, state, _clock) =
        spawn_app_with_directory(backend, &["hav-admin", "hav-school-practitioner"]).await;
    let admin = admin(&app).await;
    let practitioner = sign_in(&app, "hav-school-practitioner").await;

    let check = install(&app, &admin, &own_policy(1, 5)).await;
    assert!(
        check.contains("Check what the new version changes"),
        "{check}"
    );
    let first = raise_case(&app, &practitioner).await;
    assert_eq!(first["policy"], "havering-own-2026");
    assert_eq!(first["policy_version"], 1);
    // HAV-2: five working days from Monday 2 June 2025 ends Monday 9 June.
    assert_eq!(first["due"]["last_day"], "2025-06-09");

    // Version 2 gives Stage One 3 working days; the check lists it.
    let check = install(&app, &admin, &own_policy(2, 3)).await;
    assert!(
        check.contains("5 working days") && check.contains("3 working days"),
        "the change list names the old and new timescale: {check}"
    );
    let second = raise_case(&app, &practitioner).await;
    assert_eq!(second["policy_version"], 2);
    assert_eq!(second["due"]["last_day"], "2025-06-05");

    // The open case keeps its version and its deadline.
    let id = first["id"].as_str().unwrap();
    let (status, again) = common::get_as(&app, &practitioner, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(again["policy_version"], 1);
    assert_eq!(again["due"]["last_day"], "2025-06-09");

    let first_page = page(&app, &practitioner, &format!("/cases/{id}")).await;
    assert!(first_page.contains("version 1"), "{first_page}");
    let second_id = second["id"].as_str().unwrap();
    let second_page = page(&app, &practitioner, &format!("/cases/{second_id}")).await;
    assert!(second_page.contains("version 2"), "{second_page}");

    // Every version stays readable, with when and by whom.
    let history = page(&app, &admin, "/admin/policy").await;
    assert!(history.contains("havering-own-2026 version 1"), "{history}");
    assert!(history.contains("havering-own-2026 version 2"), "{history}");
    let old = page(
        &app,
        &practitioner,
        "/policies/havering-own-2026/versions/1",
    )
    .await;
    assert!(old.contains("No longer in force: version 2 is"), "{old}");
    let current = page(&app, &practitioner, "/policies/havering-own-2026").await;
    assert!(current.contains("Version 2, in force"), "{current}");

    // The API gives the version in force.
    let api = app
        .get_json("/api/v1/policies/havering-own-2026", 200)
        .await;
    assert_eq!(api["version"], 2, "{api}");

    // Rebuilding the projections from the log reads each case under its
    // own installed version: the deadlines are where they were.
    state.store().rebuild(|_, _| {}).await.unwrap();
    let register = state.store().register_of("havering").await.unwrap();
    for (case, version, last_day) in [(&first, 1, "2025-06-09"), (&second, 2, "2025-06-05")] {
        let entry = register
            .iter()
            .find(|e| e.case.as_str() == case["id"].as_str().unwrap())
            .unwrap();
        assert_eq!(entry.policy_version, version);
        let due = entry.due.unwrap();
        let day = due
            .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/London").unwrap())
            .date()
            .yesterday()
            .unwrap();
        assert_eq!(day.to_string(), last_day);
    }

    // Both installs are in the directory audit, by the administrator.
    let audit = state
        .store()
        .directory_audit("havering", 100)
        .await
        .unwrap();
    let installs: Vec<_> = audit
        .iter()
        .filter(|e| e.what == "policy.installed")
        .collect();
    assert_eq!(installs.len(), 2);
    assert!(
        installs
            .iter()
            .all(|e| e.by == ChangedBy::Person("hav-admin".parse().unwrap()))
    );
}

#[tokio::test]
async fn a_new_version_applies_to_new_cases_only_on_sqlite() {
    a_new_version_applies_to_new_cases_only(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_new_version_applies_to_new_cases_only_on_postgres() {
    a_new_version_applies_to_new_cases_only(Backend::Postgres).await;
}

/// Every mistake in an uploaded file is listed with its line and column, in
/// the error summary and at the file input, and nothing is installed.
#[tokio::test]
async fn a_file_with_mistakes_is_listed_mistake_by_mistake_and_nothing_is_installed() {
    let (app, state, _clock) = spawn_app_with_directory(Backend::Sqlite, &["hav-admin"]).await;
    let admin = admin(&app).await;
    let broken = own_policy(1, 5)
        .replacen("working_days = 5", "working_days = \"five\"", 1)
        .replacen("from = \"raised\"", "from = \"whenever\"", 1);
    let (status, page) = upload(
        &app,
        &admin,
        "/admin/policy/check",
        &[("policy_file", &broken, Some("havering-own.toml"))],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("There is a problem"), "{page}");
    assert!(page.contains("href=\"#policy_file\""), "{page}");
    assert!(
        page.contains("Line "),
        "each mistake names its line: {page}"
    );
    assert!(page.contains(", column "), "{page}");
    assert!(page.contains("Nothing was installed"), "{page}");
    assert!(
        state
            .store()
            .installed_policies(None)
            .await
            .unwrap()
            .is_empty()
    );

    // No file, and a file that is not text.
    let (status, page) = upload(&app, &admin, "/admin/policy/check", &[]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Choose the policy file to upload"), "{page}");

    // A copy that keeps the built-in's id is refused when it is checked,
    // before anyone is offered to install it.
    let builtin = accord_policy::BUILTIN[0].1;
    let (status, page) = upload(
        &app,
        &admin,
        "/admin/policy/check",
        &[("policy_file", builtin, Some("copy.toml"))],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("copy.toml cannot be installed"), "{page}");
    assert!(page.contains("is the id of a built-in policy"), "{page}");
    assert!(!page.contains("Install version"), "{page}");

    // A file changed after it was checked is not installed.
    let (_, page) = upload(
        &app,
        &admin,
        "/admin/policy/check",
        &[("policy_file", &own_policy(1, 5), Some("own.toml"))],
    )
    .await;
    let (status, page) = upload(
        &app,
        &admin,
        "/admin/policy/install",
        &[
            ("source", &own_policy(1, 4), None),
            ("sha256", &hidden(&page, "sha256"), None),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("did not arrive whole"), "{page}");
    assert!(
        state
            .store()
            .installed_policies(None)
            .await
            .unwrap()
            .is_empty()
    );

    // A version installed elsewhere after the changes were listed: they
    // were listed against the wrong version, so nothing is installed.
    let (_, checked) = upload(
        &app,
        &admin,
        "/admin/policy/check",
        &[("policy_file", &own_policy(2, 5), Some("own.toml"))],
    )
    .await;
    let v1_source = own_policy(1, 5);
    let v1 = accord_policy::Policy::from_toml(&v1_source, &accord_calendar::Calendars::builtin())
        .unwrap();
    state
        .store()
        .install_policy(
            "havering",
            v1,
            &v1_source,
            jiff::Timestamp::now(),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let (status, page) = upload(
        &app,
        &admin,
        "/admin/policy/install",
        &[
            ("source", &hidden(&checked, "source"), None),
            ("sha256", &hidden(&checked, "sha256"), None),
            ("against", &hidden(&checked, "against"), None),
        ],
    )
    .await;
    assert_eq!(status, 409, "{page}");
    assert!(
        page.contains("was installed after you checked the file"),
        "{page}"
    );
    assert_eq!(
        state.store().installed_policies(None).await.unwrap().len(),
        1
    );
}

/// An upload without the session's CSRF token changes nothing.
#[tokio::test]
async fn an_upload_without_the_csrf_token_is_refused() {
    let (app, state, _clock) = spawn_app_with_directory(Backend::Sqlite, &["hav-admin"]).await;
    let admin = admin(&app).await;
    let form = reqwest::multipart::Form::new()
        .text("source", own_policy(1, 5))
        .text("sha256", accord_store::source_sha256(&own_policy(1, 5)));
    let response = app
        .client
        .post(app.url("/admin/policy/install"))
        .header("cookie", &admin.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let wrong = reqwest::multipart::Form::new()
        .text("csrf_token", "not-the-token")
        .text("source", own_policy(1, 5))
        .text("sha256", accord_store::source_sha256(&own_policy(1, 5)));
    let response = app
        .client
        .post(app.url("/admin/policy/install"))
        .header("cookie", &admin.cookie)
        .multipart(wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        state
            .store()
            .installed_policies(None)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The file of the version in force downloads, to start the next version
/// from: the built-in's file as it is.
#[tokio::test]
async fn the_file_in_force_downloads() {
    let (app, _state, _clock) = spawn_app_with_directory(Backend::Sqlite, &["hav-admin"]).await;
    let admin = admin(&app).await;
    let response = app
        .client
        .get(app.url("/admin/policy/file"))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"havering-2022-version-1.toml\""
    );
    let text = response.text().await.unwrap();
    assert_eq!(
        text,
        accord_policy::BUILTIN
            .iter()
            .find(|(id, _)| *id == "havering-2022")
            .unwrap()
            .1
    );
}

/// The policy pages in Chromium, each passing axe-core: the administrator
/// downloads nothing and uploads a file with a mistake (listed in the error
/// summary), then a good file (its changes listed), installs it, and the
/// policy's page shows the version in force and its history, and an older
/// version says it is no longer in force.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_installs_a_version_in_the_browser() {
    let (app, _state, _clock) = spawn_app_with_directory(Backend::Sqlite, &["hav-admin"]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut b = browser::Browser::start("policy-versions", &app.address).await;
    b.sign_in("hav-admin").await;
    b.open("/admin").await;
    b.follow("Policy").await;
    assert_eq!(b.path().await, "/admin/policy");
    let page = b.text("main").await;
    assert!(page.contains("runs a policy built into Accord"), "{page}");
    b.axe("the policy, for administrators").await;
    b.screenshot("admin-policy").await;

    // A file with a mistake: listed, nothing installed.
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        own_policy(1, 5).replacen("working_days = 5", "working_days = \"five\"", 1),
    )
    .unwrap();
    b.find("#policy_file")
        .await
        .send_keys(broken.to_str().unwrap())
        .await
        .unwrap();
    b.submit().await;
    let summary = b.text(".govuk-error-summary").await;
    assert!(summary.contains("Line "), "{summary}");
    b.axe("the policy upload, with a mistake").await;
    b.screenshot("admin-policy-mistake").await;

    // Version 1 of the partnership's own, then version 2.
    for (version, days) in [(1, 5), (2, 3)] {
        let file = dir.path().join(format!("own-{version}.toml"));
        std::fs::write(&file, own_policy(version, days)).unwrap();
        b.open("/admin/policy").await;
        b.find("#policy_file")
            .await
            .send_keys(file.to_str().unwrap())
            .await
            .unwrap();
        b.submit().await;
        let check = b.text("main").await;
        assert!(
            check.contains("Check what the new version changes"),
            "{check}"
        );
        if version == 2 {
            assert!(check.contains("3 working days"), "{check}");
            b.axe("the changes a new version makes").await;
            b.screenshot("admin-policy-check").await;
        }
        b.click("main form button[type=submit]").await;
        b.wait_for(|p| p.ends_with("?done=installed")).await;
    }
    let page = b.text("main").await;
    assert!(page.contains("havering-own-2026 version 2"), "{page}");
    assert!(page.contains("In force"), "{page}");
    b.axe("the policy after installing").await;

    b.follow("havering-own-2026 version 1").await;
    let old = b.text("main").await;
    assert!(old.contains("No longer in force: version 2 is"), "{old}");
    b.axe("an earlier version of a policy").await;
    b.screenshot("policy-version-1").await;
    b.follow("Read the version in force").await;
    assert_eq!(b.path().await, "/policies/havering-own-2026");
    assert!(b.text("main").await.contains("Version 2, in force"));
    b.close().await;
}

/// Only the routes that take files read a large multipart body: elsewhere
/// one is refused at the ordinary limit, before anything else, so nobody
/// can make the server hold megabytes on any route. On the upload routes a
/// file past the ordinary limit arrives and is checked; and the token a
/// multipart form carries is what the CSRF check reads.
#[tokio::test]
async fn only_the_upload_routes_read_a_large_multipart_body() {
    let (app, _state, _clock) = spawn_app_with_directory(Backend::Sqlite, &["hav-admin"]).await;
    let admin = admin(&app).await;
    let big = "x".repeat(100 * 1024);
    let multipart = |token: Option<&str>, text: &str| {
        let mut form = reqwest::multipart::Form::new();
        if let Some(t) = token {
            form = form.text("csrf_token", t.to_owned());
        }
        form.text("note", text.to_owned())
    };
    let send = |path: &str, form: reqwest::multipart::Form| {
        app.client
            .post(app.url(path))
            .header("cookie", &admin.cookie)
            .multipart(form)
            .send()
    };
    // Elsewhere: a large body is refused at the ordinary limit.
    let response = send("/api/v1/cases", multipart(Some(&admin.csrf), &big))
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    // A small one without the token, or with a wrong one, is refused as such.
    let response = send("/api/v1/cases", multipart(None, "small"))
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "csrf_token_missing", "{body}");
    let response = send("/api/v1/cases", multipart(Some("not-it"), "small"))
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "csrf_token_wrong", "{body}");

    // The policy upload reads a file past 64 KiB and checks it.
    let padded = format!("{}\n# {big}\n", own_policy(1, 5));
    let (status, page) = upload(
        &app,
        &admin,
        "/admin/policy/check",
        &[("policy_file", &padded, Some("long.toml"))],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Check what the new version changes"),
        "{page}"
    );
}
