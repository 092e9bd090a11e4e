//! Issue 11, finding 3: the sign-in throttle cannot be beaten by
//! concurrency. Each test sends its attempts all at once, and at most the
//! rule's attempts are checked, on SQLite and PostgreSQL.
//!
//! Password hashing is bounded by one gate for the whole process, and these
//! floods fill it, so the tests here take turns (`TURNS`) rather than turn
//! one another's sign-ins away.

mod common;

use accord_store::{ThrottleRule, code_at};
use common::{Backend, PASSWORD, enrol, sign_in, spawn_app_with_directory};
use serde_json::{Value, json};

const MANAGER: &str = "hav-police-manager";

/// One flood at a time.
static TURNS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Sends `n` copies of the request `make` builds, all at once, and counts
/// the answers by status.
async fn all_at_once(
    n: usize,
    make: impl Fn(usize) -> reqwest::RequestBuilder,
) -> std::collections::BTreeMap<u16, usize> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let request = make(i);
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut counts = std::collections::BTreeMap::new();
    for task in tasks {
        *counts.entry(task.await.unwrap()).or_insert(0) += 1;
    }
    counts
}

/// How many attempts a rule lets be checked before it locks: its free
/// tries, and the one that earns the first lock.
fn checked_at_most(rule: ThrottleRule) -> usize {
    rule.free as usize + 1
}

/// Finding 3: 40 wrong passwords for one account, sent together, let at
/// most the account rule's attempts be checked; the rest are 429 with
/// `Retry-After`, and none signs in.
async fn forty_wrong_passwords_at_once_are_throttled_as_forty_in_a_row(backend: Backend) {
    let _turn = TURNS.lock().await;
    let (app, _state, _clock) = spawn_app_with_directory(backend, &[MANAGER]).await;
    let counts = all_at_once(40, |i| {
        app.client
            .post(app.url("/api/v1/session"))
            .json(&json!({ "sign_in": MANAGER, "password": format!("wrong password {i}") }))
    })
    .await;
    let checked = counts.get(&401).copied().unwrap_or(0);
    assert!(
        checked <= checked_at_most(ThrottleRule::ACCOUNT),
        "{checked} wrong passwords were checked: {counts:?}"
    );
    assert!(checked >= 1, "{counts:?}");
    // The rest were refused unchecked (or, at most, turned away while
    // password hashing was busy).
    let refused = counts.get(&429).copied().unwrap_or(0) + counts.get(&503).copied().unwrap_or(0);
    assert_eq!(checked + refused, 40, "{counts:?}");
    assert!(counts.get(&429).copied().unwrap_or(0) > 0, "{counts:?}");
    // And the lock holds for the right password too, until it passes. (An
    // attempt turned away by the hashing gate, which the tests running
    // beside this one share, was never checked and is taken back, so the
    // lock it would have earned goes with it.)
    if counts.contains_key(&503) {
        return;
    }
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "sign_in": MANAGER, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_wrong_passwords_at_once_are_throttled_as_forty_in_a_row_on_sqlite() {
    forty_wrong_passwords_at_once_are_throttled_as_forty_in_a_row(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_wrong_passwords_at_once_are_throttled_as_forty_in_a_row_on_postgres() {
    forty_wrong_passwords_at_once_are_throttled_as_forty_in_a_row(Backend::Postgres).await;
}

/// Finding 3, the address: 40 unknown names from one address, sent
/// together, let at most the address rule's attempts be checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_names_guessed_at_once_from_one_address_are_throttled_by_the_address() {
    let _turn = TURNS.lock().await;
    let (app, _state, _clock) = spawn_app_with_directory(Backend::Sqlite, &[MANAGER]).await;
    let counts = all_at_once(40, |i| {
        app.client
            .post(app.url("/api/v1/session"))
            .json(&json!({ "sign_in": format!("nobody-{i}"), "password": "a wrong password" }))
    })
    .await;
    let checked = counts.get(&401).copied().unwrap_or(0);
    assert!(
        checked <= checked_at_most(ThrottleRule::ADDRESS),
        "{checked} guesses were checked: {counts:?}"
    );
    assert!(counts.get(&429).copied().unwrap_or(0) > 0, "{counts:?}");
}

/// Finding 3, the second factor: 17 wrong codes with the right password,
/// sent together, let at most the account rule's attempts be checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_codes_sent_at_once_are_throttled_as_if_sent_in_a_row() {
    let _turn = TURNS.lock().await;
    let (app, _state, clock) = spawn_app_with_directory(Backend::Sqlite, &[MANAGER]).await;
    let session = sign_in(&app, MANAGER).await;
    let secret = enrol(&app, &session, &clock).await;
    // Codes that are not now's: the current one plus one, modulo a million.
    let right: u32 = code_at(&secret, clock.now()).unwrap().parse().unwrap();
    let counts = all_at_once(17, |i| {
        let wrong = format!("{:06}", (right + 1 + i as u32) % 1_000_000);
        app.client
            .post(app.url("/api/v1/session"))
            .json(&json!({ "sign_in": MANAGER, "password": PASSWORD, "code": wrong }))
    })
    .await;
    let checked = counts.get(&401).copied().unwrap_or(0);
    assert!(
        checked <= checked_at_most(ThrottleRule::ACCOUNT),
        "{checked} codes were checked: {counts:?}"
    );
    assert!(counts.get(&429).copied().unwrap_or(0) > 0, "{counts:?}");
}

/// A password sign-in without its code is no failure: someone with a
/// second factor who sends name and password first, then the code, is not
/// brought nearer the lock each time.
#[tokio::test]
async fn asking_for_the_code_does_not_count_against_the_account() {
    let _turn = TURNS.lock().await;
    let (app, _state, clock) = spawn_app_with_directory(Backend::Sqlite, &[MANAGER]).await;
    let session = sign_in(&app, MANAGER).await;
    enrol(&app, &session, &clock).await;
    for _ in 0..(ThrottleRule::ACCOUNT.free + 3) {
        let response = app
            .client
            .post(app.url("/api/v1/session"))
            .json(&json!({ "sign_in": MANAGER, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "second_factor_required");
    }
}
