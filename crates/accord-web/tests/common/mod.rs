//! The test app: Accord's web application served on a free port (port 0)
//! against a fresh SQLite file per test (or a fresh PostgreSQL database,
//! through the store's own test harness), and the state for `oneshot`
//! tests that need no socket.
#![allow(dead_code)]

/// The store's PostgreSQL harness: a throwaway cluster (or
/// `ACCORD_TEST_DATABASE_URL`) with a fresh database per test.
#[path = "../../../accord-store/tests/common/postgres.rs"]
pub mod postgres;

use accord_calendar::Calendars;
use accord_store::Store;
use accord_web::AppState;
use tempfile::TempDir;
use tokio::sync::oneshot;

use std::sync::{Arc, Mutex};

use jiff::Timestamp;

/// A running server; it stops when dropped.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub address: String,
    /// A client for it.
    pub client: reqwest::Client,
    /// The SQLite database it serves, when it is one.
    pub database_url: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    _dir: Option<TempDir>,
}

impl TestApp {
    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers")
    }

    /// GETs `path` and reads the JSON body, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.json().await.expect("a JSON body")
    }

    /// POSTs `body` to `path` as `content_type`.
    pub async fn post(&self, path: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the server answers")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A fresh store, and the state over it, with the built-in calendars and
/// policies. The folder holds the SQLite file.
pub async fn state() -> (AppState, TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    (state_at(&url).await, dir)
}

/// The master key of every store these tests open: one per test process,
/// so a store opened twice on one database reads what it wrote.
pub fn master_key() -> std::sync::Arc<dyn accord_store::MasterKey> {
    static KEY: std::sync::OnceLock<std::sync::Arc<dyn accord_store::MasterKey>> =
        std::sync::OnceLock::new();
    KEY.get_or_init(|| std::sync::Arc::new(accord_store::LocalMasterKey::generate()))
        .clone()
}

/// The state over the store at `url`.
pub async fn state_at(url: &str) -> AppState {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let store = Store::open(url, policies.clone(), master_key())
        .await
        .unwrap_or_else(|e| panic!("cannot open the test store: {e}"));
    AppState::new(store, calendars, policies)
}

/// Serves the application on 127.0.0.1 port 0 against a fresh SQLite file.
pub async fn spawn_app() -> TestApp {
    let (state, dir) = state().await;
    serve(state, Some(dir)).await
}

/// A clock a test moves by hand, so that throttles and expiries pass
/// without sleeping.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<Timestamp>>);

impl TestClock {
    /// Monday 2 June 2025, 10:30 BST.
    pub fn new() -> TestClock {
        TestClock(Arc::new(Mutex::new(
            "2025-06-02T09:30:00Z".parse().expect("a time"),
        )))
    }

    /// Now, by this clock.
    pub fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap() = at;
    }

    /// Moves the clock on by `seconds`.
    pub fn advance(&self, seconds: i64) {
        let mut now = self.0.lock().unwrap();
        *now += jiff::SignedDuration::from_secs(seconds);
    }
}

/// The password every test person has.
pub const PASSWORD: &str = accord_demo::DEMO_PASSWORD;

/// A fresh SQLite store holding the demo directory (no cases), where
/// `sign_ins` have [`PASSWORD`], read by `clock`.
pub async fn state_with_people(sign_ins: &[&str], clock: &TestClock) -> (AppState, TempDir) {
    let (state, dir) = state().await;
    (with_people(state, sign_ins, clock).await, dir)
}

/// `state` with the demo directory written into its store (no cases),
/// `sign_ins` having [`PASSWORD`], reading the time from `clock`.
pub async fn with_people(state: AppState, sign_ins: &[&str], clock: &TestClock) -> AppState {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let demo = accord_demo::demo(clock.now(), &calendars, &policies).expect("the demo");
    let store = state.store();
    store
        .put_directory(
            (&demo).into(),
            &accord_store::ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let password = accord_store::Password::parse(PASSWORD).unwrap();
    for sign_in in sign_ins {
        let person = store.person_by_sign_in(sign_in).await.unwrap().unwrap();
        store
            .set_password(
                &person.id,
                &password,
                clock.now(),
                &accord_store::ChangedBy::COMMAND_LINE,
            )
            .await
            .unwrap();
    }
    let clock = clock.clone();
    state.with_clock(move || clock.now())
}

/// A fresh store of `backend` holding East Riding's generated history of
/// `cases` disagreements, seed 2015, every event before `now`
/// (`accord_demo::history`, walked with real commands and appended by the
/// store), with the SQLite file's folder, if any, to keep.
pub async fn east_riding_history(
    backend: Backend,
    cases: usize,
    now: Timestamp,
) -> (AppState, Option<TempDir>) {
    let (state, dir) = match backend {
        Backend::Sqlite => {
            let (state, dir) = state().await;
            (state, Some(dir))
        }
        Backend::Postgres => (state_at(&postgres::fresh_database().await).await, None),
    };
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let history = accord_demo::history("east-riding-2018", cases, 2015, now, &calendars, &policies)
        .expect("the engine accepts every step of the history");
    let seeded = state
        .store()
        .seed((&history).into())
        .await
        .expect("the history is appended");
    assert_eq!(seeded.added.len(), cases);
    (state, dir)
}

/// Which database a test serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh database on the test PostgreSQL server.
    Postgres,
}

/// Serves the application on `backend` with the demo directory (no cases),
/// `sign_ins` having [`PASSWORD`], on a clock the test sets; and the state,
/// to look in its store.
pub async fn spawn_app_with_directory(
    backend: Backend,
    sign_ins: &[&str],
) -> (TestApp, AppState, TestClock) {
    let clock = TestClock::new();
    let (state, dir) = match backend {
        Backend::Sqlite => {
            let (state, dir) = state().await;
            (state, Some(dir))
        }
        Backend::Postgres => (state_at(&postgres::fresh_database().await).await, None),
    };
    let state = with_people(state, sign_ins, &clock).await;
    (serve(state.clone(), dir).await, state, clock)
}

/// A signed-in browser session: its cookie and its CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The cookie, as `accord_session=…`.
    pub cookie: String,
    /// The token every change made with it must carry.
    pub csrf: String,
}

impl Session {
    /// `request` sent with this session's cookie and CSRF token.
    pub fn on(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
    }
}

/// A Havering raise about children's social care, about Child Q, for
/// whoever posts it to `/api/v1/cases` (a school practitioner, in most
/// tests).
pub fn havering_raise() -> serde_json::Value {
    serde_json::json!({
        "area": "levels-of-need",
        "other_agency": "hav-csc",
        "subjects": [{ "id": "c1", "name": "Child Q", "kind": "child",
            "child_protection_plan": false, "looked_after": false, "immediate_risk": false }],
        "concern": {
            "disputed": "The referral was closed with no further action.",
            "evidence": "Three attendances at A&E in two months.",
            "outcome_sought": "A strategy discussion."
        },
    })
}

/// The status and JSON body of `response`.
pub async fn answer(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

/// GETs `path` as `session`: the status and the JSON body.
pub async fn get_as(app: &TestApp, session: &Session, path: &str) -> (u16, serde_json::Value) {
    answer(
        session
            .on(app.client.get(app.url(path)))
            .send()
            .await
            .expect("the server answers"),
    )
    .await
}

/// GETs the page at `path` as `session`: the status and the HTML.
pub async fn page_as(app: &TestApp, session: &Session, path: &str) -> (u16, String) {
    let response = session
        .on(app.client.get(app.url(path)))
        .send()
        .await
        .expect("the server answers");
    (response.status().as_u16(), response.text().await.unwrap())
}

/// POSTs a page's form to `path` as `session`, with its CSRF token, as a
/// browser sends it.
pub async fn post_form_as(
    app: &TestApp,
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf_token", &session.csrf)
        .extend_pairs(fields)
        .finish();
    // The token goes in the form only, as a browser sends it: a test that
    // posts a wrong token sees the form's refusal.
    app.client
        .post(app.url(path))
        .header("cookie", &session.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("the server answers")
}

/// POSTs `body` to `path` as `session`: the status and the JSON body.
pub async fn post_as(
    app: &TestApp,
    session: &Session,
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    answer(
        session
            .on(app.client.post(app.url(path)))
            .json(body)
            .send()
            .await
            .expect("the server answers"),
    )
    .await
}

/// A new API token of `session`'s person with `scopes`, as the
/// `Authorization` header's value.
pub async fn bearer_token(app: &TestApp, session: &Session, scopes: &[&str]) -> String {
    let (status, token) = post_as(
        app,
        session,
        "/api/v1/tokens",
        &serde_json::json!({ "scopes": scopes, "label": "a test's system" }),
    )
    .await;
    assert_eq!(status, 201, "{token}");
    format!("Bearer {}", token["token"].as_str().unwrap())
}

/// Signs `name` in with [`PASSWORD`].
pub async fn sign_in(app: &TestApp, name: &str) -> Session {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({ "sign_in": name, "password": PASSWORD }))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200, "{name} signs in");
    session_of(response).await
}

/// The session a successful sign-in's answer sets.
pub async fn session_of(response: reqwest::Response) -> Session {
    let set = response.headers()["set-cookie"].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_owned();
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    Session {
        cookie,
        csrf: body["csrf_token"]
            .as_str()
            .expect("a session has a CSRF token")
            .to_owned(),
    }
}
/// Serves the application on port 0 against a fresh PostgreSQL database.
pub async fn spawn_app_on_postgres() -> TestApp {
    let url = postgres::fresh_database().await;
    serve(state_at(&url).await, None).await
}

/// Serves `state` on 127.0.0.1 port 0, keeping `dir` (its SQLite file's
/// folder, if any) until the app is dropped.
pub async fn serve(state: AppState, dir: Option<TempDir>) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    serve_on(listener, state, dir).await
}

/// As [`serve`], on `listener`, bound already (so that the state can be
/// told its own address first).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    dir: Option<TempDir>,
) -> TestApp {
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(accord_web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let database_url = dir
        .as_ref()
        .map(|d| format!("sqlite://{}", d.path().join("accord.sqlite").display()));
    TestApp {
        address,
        database_url,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        stop: Some(stop),
        _dir: dir,
    }
}

/// Serves the application with the whole demo seeded — directory, cases and
/// everyone's password [`PASSWORD`] — and the state, to look in its store.
pub async fn spawn_app_with_demo() -> (TestApp, AppState) {
    let (app, state, _) = spawn_app_with_demo_and_clock().await;
    (app, state)
}

/// As [`spawn_app_with_demo`], on a clock the test moves.
pub async fn spawn_app_with_demo_and_clock() -> (TestApp, AppState, TestClock) {
    spawn_app_with_demo_on(Backend::Sqlite).await
}

/// As [`spawn_app_with_demo`], on `backend`, on a clock the test moves.
pub async fn spawn_app_with_demo_on(backend: Backend) -> (TestApp, AppState, TestClock) {
    let clock = TestClock::new();
    let (state, dir) = match backend {
        Backend::Sqlite => {
            let (state, dir) = state().await;
            (state, Some(dir))
        }
        Backend::Postgres => (state_at(&postgres::fresh_database().await).await, None),
    };
    let state = with_people(state, &[], &clock).await;
    let calendars = Calendars::builtin();
    let demo = accord_demo::demo(clock.now(), &calendars, &accord_policy::builtin(&calendars))
        .expect("the demo");
    state
        .store()
        .seed((&demo).into())
        .await
        .expect("the demo seeds");
    (serve(state.clone(), dir).await, state, clock)
}

/// Serves the application with the demo directory, `sign_ins` having
/// [`PASSWORD`], on a clock the test moves.
pub async fn spawn_app_with_people(sign_ins: &[&str]) -> (TestApp, TestClock) {
    let clock = TestClock::new();
    let (state, dir) = state_with_people(sign_ins, &clock).await;
    (serve(state, Some(dir)).await, clock)
}

/// One pass of the job runner (`accord_jobs`) over `state`'s store, on
/// `clock`, with no email: every notification waiting is delivered in the
/// app, and every passed deadline's breach recorded, as Accord itself.
pub async fn run_jobs(state: &AppState, clock: &TestClock) -> accord_jobs::Pass {
    let pass = job_pass(state, clock).await;
    assert!(pass.notifications > 0, "{pass:?}");
    pass
}

/// As [`run_jobs`], for a pass that may find nothing to do.
pub async fn job_pass(state: &AppState, clock: &TestClock) -> accord_jobs::Pass {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let clock = clock.clone();
    accord_jobs::Runner::new(
        state.store().clone(),
        policies,
        calendars,
        None,
        "https://accord.example.org",
    )
    .with_clock(Arc::new(move || clock.now()))
    .run_once()
    .await
    .expect("the jobs run")
}

/// Writes an email to each of `to` (person, address) from a notification
/// waiting on a case of their own partnership (its case ids start as their
/// sign-in names do, `HAV-` for `hav-…`), then fails each as a mail server
/// that refused the address would: what an administrator is shown to try
/// again.
pub async fn failed_emails(state: &AppState, to: &[(&str, &str)]) {
    use accord_store::{Attempt, Channel, NewDelivery};
    let store = state.store();
    let now = state.now();
    let pending = store.pending_notifications(10_000).await.unwrap();
    for (person, address) in to {
        let prefix = format!("{}-", person[..3].to_uppercase());
        let entry = pending
            .iter()
            .find(|n| n.case.as_str().starts_with(&prefix))
            .expect("a notification is waiting");
        let person = accord_case::PersonId::parse(person).unwrap();
        let delivery = NewDelivery {
            key: accord_store::delivery_key(&entry.idempotency_key, &person, Channel::Email),
            case: entry.case.clone(),
            person,
            channel: Channel::Email,
            address: (*address).to_owned(),
            subject: format!("Accord {}: now at Stage 2", entry.case),
            body: "The disagreement is now at Stage 2.".to_owned(),
            occasion: "stage_entry".to_owned(),
            notice: accord_store::Notice {
                happened: format!("{} is now at Stage 2.", entry.case),
                ..accord_store::Notice::default()
            },
        };
        store
            .deliver_notification(entry.global_seq, &[delivery], now)
            .await
            .unwrap();
    }
    for claimed in store
        .claim_emails(now, jiff::SignedDuration::from_mins(5), 50)
        .await
        .unwrap()
    {
        let failed = Attempt::Failed {
            error: "550 5.1.1 Recipient address rejected: no such user".to_owned(),
        };
        assert!(store.finish_attempt(&claimed, &failed, now).await.unwrap());
    }
}

/// Sets up a second factor for `session`'s person as their app would, at
/// `clock`'s time; returns the secret the app holds.
pub async fn enrol(app: &TestApp, session: &Session, clock: &TestClock) -> String {
    let (status, enrolment) = post_as(
        app,
        session,
        "/api/v1/me/second-factor",
        &serde_json::json!({ "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, 201, "{enrolment}");
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let code = accord_store::code_at(&secret, clock.now()).unwrap();
    let (status, me) = post_as(
        app,
        session,
        "/api/v1/me/second-factor/confirmation",
        &serde_json::json!({ "code": code }),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["second_factor"], "enrolled");
    secret
}
