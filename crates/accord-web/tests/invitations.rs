//! Issue 13 §4, "People invited, not told a password", on the real server
//! with the real job runner sending through a real SMTP server (aiosmtpd):
//!
//! - an administrator adds someone with no password; their invitation
//!   arrives by email, its link lets them choose their own password and
//!   sign in, and then works no more; the database never held the link's
//!   token, only its hash;
//! - a link stops working when it expires, and when a newer one replaces
//!   it;
//! - "Forgotten your password?" answers an unknown address with the very
//!   same page and status as a known one, emails only the known one, and
//!   using its link ends every session, API token and calendar feed the
//!   person had (SQLite and PostgreSQL); asking too often is throttled.

mod common;

/// The job tests' real SMTP server. It brings its own copy of the store's
/// PostgreSQL harness, which `common` holds too: two copies of one file.
#[allow(clippy::duplicate_mod)]
#[path = "../../accord-jobs/tests/common/mod.rs"]
mod mail;

use std::sync::Arc;

use accord_calendar::Calendars;
use accord_web::AppState;
use common::{Backend, Session, TestApp, TestClock, bearer_token, sign_in};
use mail::SmtpSink;

const ADMIN: &str = "hav-admin";
const MANAGER: &str = "hav-police-manager";
const NEW_PASSWORD: &str = "kettle orchard lantern";

/// One pass of the job runner over `state`'s store at `clock`'s time,
/// sending email to `sink` with links to `app`.
async fn run_jobs(state: &AppState, clock: &TestClock, sink: &SmtpSink, app: &TestApp) {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let clock = clock.clone();
    accord_jobs::Runner::new(
        state.store().clone(),
        policies,
        calendars,
        Some(sink.mailer()),
        &app.url(""),
    )
    .with_clock(Arc::new(move || clock.now()))
    .run_once()
    .await
    .expect("the jobs run");
}

/// The body of `raw` as a mail program shows it: quoted-printable or
/// base64 decoded.
fn body_of(raw: &str) -> String {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let head = head.to_ascii_lowercase();
    if head.contains("content-transfer-encoding: quoted-printable") {
        let joined = body.replace("=\r\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8(out).unwrap()
    } else if head.contains("content-transfer-encoding: base64") {
        use std::process::{Command, Stdio};
        let mut child = Command::new("base64")
            .arg("-d")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), body.as_bytes()).unwrap();
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    } else {
        body.to_owned()
    }
}

/// The messages `sink` has received for `address`, as (subject, body).
fn mail_to(sink: &SmtpSink, address: &str) -> Vec<(String, String)> {
    sink.messages()
        .into_iter()
        .filter(|m| m.to.contains(address))
        .map(|m| (m.subject.clone(), body_of(&m.raw)))
        .collect()
}

/// The link's token in an email's body.
fn token_in(body: &str, app: &TestApp) -> String {
    let start = app.url("/account/set-password/");
    let at = body.find(&start).expect("the email holds the link") + start.len();
    let token: String = body[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "{body}");
    token
}

/// Posts a form of `fields` to `path`, as `session` when there is one.
async fn post_form(
    app: &TestApp,
    session: Option<&Session>,
    cookie: Option<&str>,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut body = form_urlencoded::Serializer::new(String::new());
    if let Some(s) = session {
        body.append_pair("csrf_token", &s.csrf);
    }
    let body = body.extend_pairs(fields).finish();
    let mut request = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(s) = session {
        request = request.header("cookie", &s.cookie);
    } else if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    request.send().await.unwrap()
}

/// Follows the link with `token` as a browser would: its answer must send
/// the browser on without a Referer, holding the token in a cookie; then
/// the page it leads to. Returns the cookie, the status and the HTML.
async fn follow(app: &TestApp, token: &str) -> (String, u16, String) {
    let first = app.get(&format!("/account/set-password/{token}")).await;
    assert_eq!(first.status(), 303);
    assert_eq!(first.headers()["location"], "/account/set-password");
    assert_eq!(first.headers()["referrer-policy"], "no-referrer");
    let cookie = first.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = app
        .client
        .get(app.url("/account/set-password"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let status = page.status().as_u16();
    (cookie, status, page.text().await.unwrap())
}

/// Whether `needle` appears anywhere in the text of any column of any
/// table of the SQLite database at `url`.
async fn anywhere_in(url: &str, needle: &str) -> bool {
    use sqlx::Row;
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut found = false;
    for table in tables {
        let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
        let any = columns
            .iter()
            .map(|c| format!("instr(lower(CAST(\"{c}\" AS TEXT)), $1) > 0"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{table}\" WHERE {any}"
        )))
        .bind(needle.to_ascii_lowercase())
        .fetch_one(&pool)
        .await
        .unwrap();
        found |= n > 0;
    }
    pool.close().await;
    found
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// Adds Robin Ashby to Havering's police as `admin`, from the page.
async fn add_robin(app: &TestApp, state: &AppState, admin: &Session) {
    let police = state
        .store()
        .person_by_sign_in(MANAGER)
        .await
        .unwrap()
        .unwrap()
        .agency;
    let added = post_form(
        app,
        Some(admin),
        None,
        "/admin/people/new",
        &[
            ("name", "Robin Ashby"),
            ("job_title", "Detective Constable"),
            ("email", "robin.ashby@met.example.org"),
            ("agency", police.as_str()),
            ("tier", "practitioner"),
            ("sign_in", "hav-robin"),
        ],
    )
    .await;
    assert_eq!(added.status(), 303);
    assert_eq!(
        added.headers()["location"],
        "/admin/people/hav-robin?done=invited"
    );
}

async fn api_sign_in(app: &TestApp, name: &str, password: &str) -> u16 {
    app.client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"sign_in": name, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_invited_person_chooses_their_own_password_with_a_link_that_works_once() {
    let (app, state, clock) = common::spawn_app_with_directory(Backend::Sqlite, &[ADMIN]).await;
    let sink = SmtpSink::start();
    let admin = sign_in(&app, ADMIN).await;

    // The page no longer asks the administrator for a password.
    let form = app
        .client
        .get(app.url("/admin/people/new"))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("Add a person"), "{form}");
    assert!(
        !form.contains("A first password") && !form.contains("name=\"password\""),
        "{form}"
    );
    // Issue 14 §7: the address is an email field, for a phone's keyboard.
    assert!(
        form.contains("name=\"email\" type=\"email\" spellcheck=\"false\""),
        "{form}"
    );
    add_robin(&app, &state, &admin).await;
    assert_eq!(api_sign_in(&app, "hav-robin", NEW_PASSWORD).await, 401);

    run_jobs(&state, &clock, &sink, &app).await;
    let mail = mail_to(&sink, "robin.ashby@met.example.org");
    assert_eq!(mail.len(), 1, "{mail:?}");
    let (subject, body) = &mail[0];
    assert!(subject.contains("You are invited to Accord"), "{subject}");
    assert!(
        body.starts_with("Robin Ashby, you have been added"),
        "{body}"
    );
    let token = token_in(body, &app);

    // Only the token's hash is stored: not in the delivery, not anywhere.
    let database = app.database_url.clone().unwrap();
    assert!(!anywhere_in(&database, &token).await);
    assert!(anywhere_in(&database, &sha256_hex(&token)).await);

    let (cookie, status, page) = follow(&app, &token).await;
    assert_eq!(status, 200);
    assert!(page.contains("Choose your password"), "{page}");
    // Every mistake is named in the error summary.
    let mismatch = post_form(
        &app,
        None,
        Some(&cookie),
        "/account/set-password",
        &[
            ("new_password", NEW_PASSWORD),
            ("confirm_password", "something else entirely"),
        ],
    )
    .await;
    assert_eq!(mismatch.status(), 422);
    let html = mismatch.text().await.unwrap();
    assert!(html.contains("govuk-error-summary"), "{html}");
    assert!(
        html.contains("href=\"#confirm_password\">Type the password again, exactly as above"),
        "{html}"
    );
    let short = post_form(
        &app,
        None,
        Some(&cookie),
        "/account/set-password",
        &[("new_password", "short"), ("confirm_password", "short")],
    )
    .await;
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("at least 12"));

    let set = post_form(
        &app,
        None,
        Some(&cookie),
        "/account/set-password",
        &[
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(set.status(), 200);
    let done = set.text().await.unwrap();
    assert!(done.contains("Your password is set"), "{done}");
    assert_eq!(api_sign_in(&app, "hav-robin", NEW_PASSWORD).await, 200);

    // Spent: the same link, and the same form, do nothing more.
    let again = post_form(
        &app,
        None,
        Some(&cookie),
        "/account/set-password",
        &[
            ("new_password", "another long password"),
            ("confirm_password", "another long password"),
        ],
    )
    .await;
    assert_eq!(again.status(), 404);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("This link does not work")
    );
    let (_, status, page) = follow(&app, &token).await;
    assert_eq!(status, 404);
    assert!(page.contains("ask for a new link"), "{page}");
    assert_eq!(api_sign_in(&app, "hav-robin", NEW_PASSWORD).await, 200);

    // The audit says an invitation went and a password was chosen, and
    // holds no token.
    let audit = app
        .client
        .get(app.url("/admin/audit"))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains("Sent an invitation to choose a password"),
        "{audit}"
    );
    assert!(
        audit.contains("Chosen by them: With an invitation"),
        "{audit}"
    );
    assert!(!audit.contains(&token));
}

#[tokio::test]
async fn a_link_stops_working_when_it_expires_or_a_newer_one_replaces_it() {
    let (app, state, clock) = common::spawn_app_with_directory(Backend::Sqlite, &[ADMIN]).await;
    let sink = SmtpSink::start();
    let admin = sign_in(&app, ADMIN).await;
    add_robin(&app, &state, &admin).await;
    run_jobs(&state, &clock, &sink, &app).await;
    let first = token_in(&mail_to(&sink, "robin.ashby@met.example.org")[0].1, &app);

    // Seven days after it was sent, to the minute, it has expired.
    clock.advance(7 * 24 * 60 * 60 + 60);
    let (_, status, page) = follow(&app, &first).await;
    assert_eq!(status, 404);
    assert!(page.contains("This link does not work"), "{page}");

    // The administrator sends it again: the new link works, the old never.
    let admin = sign_in(&app, ADMIN).await;
    let resent = post_form(
        &app,
        Some(&admin),
        None,
        "/admin/people/hav-robin/invite",
        &[],
    )
    .await;
    assert_eq!(resent.status(), 303);
    run_jobs(&state, &clock, &sink, &app).await;
    let mail = mail_to(&sink, "robin.ashby@met.example.org");
    assert_eq!(mail.len(), 2);
    let second = token_in(&mail[1].1, &app);
    assert_ne!(first, second);
    let (_, status, _) = follow(&app, &second).await;
    assert_eq!(status, 200);

    // A third invitation replaces the second before it is used.
    post_form(
        &app,
        Some(&admin),
        None,
        "/admin/people/hav-robin/invite",
        &[],
    )
    .await;
    run_jobs(&state, &clock, &sink, &app).await;
    let (_, status, _) = follow(&app, &second).await;
    assert_eq!(status, 404);
    let third = token_in(&mail_to(&sink, "robin.ashby@met.example.org")[2].1, &app);
    let (_, status, _) = follow(&app, &third).await;
    assert_eq!(status, 200);
}

async fn a_forgotten_password_link_ends_every_session_token_and_feed(backend: Backend) {
    let (app, state, clock) = common::spawn_app_with_directory(backend, &[MANAGER]).await;
    let sink = SmtpSink::start();
    let manager = state
        .store()
        .person_by_sign_in(MANAGER)
        .await
        .unwrap()
        .unwrap();
    let session = sign_in(&app, MANAGER).await;
    let token = bearer_token(&app, &session, &["read"]).await;
    let feed = state
        .store()
        .new_calendar_feed(&manager.id, clock.now())
        .await
        .unwrap();

    let ask = |email: String| {
        let app = &app;
        async move {
            let response = post_form(
                app,
                None,
                None,
                "/account/forgotten-password",
                &[("email", &email)],
            )
            .await;
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    // The same address typed with other capitals and a stray space is the
    // same address; an unknown one gets the very same page.
    let known = ask(format!(" {} ", manager.email.to_uppercase())).await;
    let unknown = ask("nobody.here@met.example.org".to_owned()).await;
    assert_eq!(known.0, 200);
    assert_eq!(unknown.0, known.0);
    assert_eq!(known.1, unknown.1, "the same bytes, known or not");
    assert!(known.1.contains("Check your email"), "{}", known.1);

    // Nothing changes until the link is used.
    assert_eq!(me(&app, "cookie", &session.cookie).await, 200);
    run_jobs(&state, &clock, &sink, &app).await;
    assert!(mail_to(&sink, "nobody.here@met.example.org").is_empty());
    let mail = mail_to(&sink, &manager.email);
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].0.contains("Reset your password"), "{:?}", mail[0]);
    assert_eq!(sink.messages().len(), 1);
    let link = token_in(&mail[0].1, &app);
    assert_eq!(me(&app, "cookie", &session.cookie).await, 200);
    assert_eq!(me(&app, "authorization", &token).await, 200);

    let (cookie, status, page) = follow(&app, &link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Choose a new password"), "{page}");
    let set = post_form(
        &app,
        None,
        Some(&cookie),
        "/account/set-password",
        &[
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(set.status(), 200);
    assert_eq!(me(&app, "cookie", &session.cookie).await, 401);
    assert_eq!(me(&app, "authorization", &token).await, 401);
    assert_eq!(app.get(&format!("/calendar/{feed}")).await.status(), 404);
    assert_eq!(api_sign_in(&app, MANAGER, common::PASSWORD).await, 401);
    assert_eq!(api_sign_in(&app, MANAGER, NEW_PASSWORD).await, 200);
}

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

#[tokio::test]
async fn a_forgotten_password_link_ends_every_session_token_and_feed_on_sqlite() {
    a_forgotten_password_link_ends_every_session_token_and_feed(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_forgotten_password_link_ends_every_session_token_and_feed_on_postgres() {
    a_forgotten_password_link_ends_every_session_token_and_feed(Backend::Postgres).await;
}

/// Nobody can flood a mailbox: requests for one address count against the
/// sign-in throttle, known address or not.
#[tokio::test]
async fn asking_for_links_again_and_again_is_throttled_by_address() {
    let (app, state, clock) = common::spawn_app_with_directory(Backend::Sqlite, &[]).await;
    let sink = SmtpSink::start();
    let manager = state
        .store()
        .person_by_sign_in(MANAGER)
        .await
        .unwrap()
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = post_form(
            &app,
            None,
            None,
            "/account/forgotten-password",
            &[("email", &manager.email)],
        )
        .await;
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            let html = r.text().await.unwrap();
            assert!(html.contains("wait 1 second and ask again"), "{html}");
        }
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
    // Each link replaces the one before: of those asked for before the
    // runner's pass, only the newest goes, and none shows as failed.
    run_jobs(&state, &clock, &sink, &app).await;
    assert_eq!(mail_to(&sink, &manager.email).len(), 1);
    let failed = state
        .store()
        .deliveries_with_status(accord_store::DeliveryStatus::Failed, 100)
        .await
        .unwrap();
    assert!(failed.is_empty(), "{failed:?}");

    // Blank and malformed addresses are named in the error summary.
    for (email, says) in [
        ("", "Enter your email address"),
        (
            "not an address",
            "Enter an email address in the correct format",
        ),
    ] {
        let r = post_form(
            &app,
            None,
            None,
            "/account/forgotten-password",
            &[("email", email)],
        )
        .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("href=\"#email\">{says}")), "{html}");
    }
}
