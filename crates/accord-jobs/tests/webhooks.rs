//! Webhooks (issue 19) against a real receiver: a small HTTP server this
//! test starts, which checks each delivery's signature and timestamp the
//! way the README tells an integrator to ("Integrating with Accord"),
//! written here from that description rather than with Accord's own
//! signing code. On both backends:
//!
//! - every event of the partnership's cases arrives, in the order it was
//!   recorded, each case's versions rising, and nothing of another
//!   partnership's;
//! - a receiver that is down for a while gets everything once it is back;
//! - a delivery replayed later, with its old timestamp, is refused by the
//!   documented check, as is one whose body was changed;
//! - no body carries a child's name, or anything anyone typed;
//! - an endpoint that keeps failing is paused, with its last error, and
//!   resumed is sent what it missed.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use accord_case::{Case, Command, Context, Text};
use accord_store::{ChangedBy, EventKind, Store};
use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use common::{Backend, TestClock, at, demo_store, fresh_url, raise_havering, runner, world};
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

/// Monday 2 March 2026, 09:00 in London: the demo's "now".
const T0: &str = "2026-03-02T09:00:00Z";

/// One delivery the receiver accepted.
#[derive(Debug, Clone)]
struct Got {
    endpoint: String,
    headers: HeaderMap,
    body: Bytes,
    json: serde_json::Value,
}

/// The receiver: each endpoint (a path) has its secret; it can be made to
/// answer 503 as if down; its clock is the test's.
struct Receiver {
    secrets: Mutex<BTreeMap<String, String>>,
    clock: TestClock,
    down: AtomicBool,
    got: Mutex<Vec<Got>>,
    refused: Mutex<Vec<String>>,
}

/// The README's check, step by step: the timestamp within five minutes of
/// the receiver's clock; the HMAC-SHA256 of `id.timestamp.body`, keyed
/// with the base64 after `whsec_`, equal (in constant time) to one of the
/// `v1,` signatures in the header.
fn check(secret: &str, headers: &HeaderMap, body: &[u8], now: Timestamp) -> Result<(), String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(format!("no {name} header"))
    };
    let id = header("webhook-id")?;
    let timestamp: i64 = header("webhook-timestamp")?
        .parse()
        .map_err(|_| "a timestamp that is not a number".to_owned())?;
    if (now.as_second() - timestamp).abs() > 5 * 60 {
        return Err(format!("timestamp {timestamp} is too far from now"));
    }
    let key = STANDARD
        .decode(
            secret
                .strip_prefix("whsec_")
                .ok_or("a secret without whsec_")?,
        )
        .map_err(|_| "a secret that is not base64".to_owned())?;
    let signatures = header("webhook-signature")?;
    for signature in signatures.split(' ') {
        let Some(b64) = signature.strip_prefix("v1,") else {
            continue;
        };
        let Ok(given) = STANDARD.decode(b64) else {
            continue;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        if mac.verify_slice(&given).is_ok() {
            return Ok(());
        }
    }
    Err("no signature matches".to_owned())
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    Path(endpoint): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if receiver.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Some(secret) = receiver.secrets.lock().unwrap().get(&endpoint).cloned() else {
        return StatusCode::NOT_FOUND;
    };
    if let Err(why) = check(&secret, &headers, &body, receiver.clock.now()) {
        receiver.refused.lock().unwrap().push(why);
        return StatusCode::UNAUTHORIZED;
    }
    let json = serde_json::from_slice(&body).expect("a delivery's body is JSON");
    receiver.got.lock().unwrap().push(Got {
        endpoint,
        headers,
        body,
        json,
    });
    StatusCode::NO_CONTENT
}

/// Starts the receiver on a port of this machine; returns its address.
async fn start(receiver: Arc<Receiver>) -> String {
    let app = Router::new()
        .route("/{endpoint}", post(receive))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

/// Runs `command` on `case` as `by` (a person of the case, as the engine
/// sees them) and stores it.
async fn run(store: &Store, case: &Case, command: Command, now: Timestamp) -> Case {
    let (calendars, policies) = world();
    let policy = policies
        .iter()
        .find(|p| p.id == *case.policy() && p.version == case.policy_version())
        .unwrap();
    let calendar = calendars.get(&policy.calendar).unwrap();
    let ctx = Context::new(now, case.raised_by().clone());
    let events = case.decide(policy, calendar, command, &ctx).unwrap();
    store
        .append(Some(case.version()), &events)
        .await
        .unwrap()
        .case
}

/// Every event each case holds, as `(case, version)`.
async fn recorded(store: &Store) -> BTreeSet<(String, u64)> {
    let mut seen = BTreeSet::new();
    for entry in store.all_cases().await.unwrap() {
        for event in store.load(&entry.case).await.unwrap() {
            seen.insert((event.case.to_string(), event.sequence.get()));
        }
    }
    seen
}

/// The events of `kinds` Havering's cases hold that are not in `before`,
/// read from the cases themselves: `(case, version, kind)`, sorted.
async fn expected(
    store: &Store,
    kinds: &[EventKind],
    before: &BTreeSet<(String, u64)>,
) -> Vec<(String, u64, String)> {
    let names: BTreeMap<&str, EventKind> = [
        ("raised", EventKind::Raised),
        ("escalated", EventKind::Escalated),
        ("breach_recorded", EventKind::DeadlineBreached),
        ("resolved", EventKind::Resolved),
        ("withdrawn", EventKind::Withdrawn),
        ("closed", EventKind::Closed),
        ("reopened", EventKind::Reopened),
    ]
    .into();
    let mut all = Vec::new();
    // Every case, open or not, of Havering's agencies.
    for entry in store.all_cases().await.unwrap() {
        if !entry.raising_agency.as_str().starts_with("hav-") {
            continue;
        }
        for event in store.load(&entry.case).await.unwrap() {
            let key = (event.case.to_string(), event.sequence.get());
            if let Some(kind) = names.get(event.body.name())
                && kinds.contains(kind)
                && !before.contains(&key)
            {
                all.push((key.0, key.1, kind.as_str().to_owned()));
            }
        }
    }
    all.sort();
    all
}

/// What `endpoint` took, sorted, having checked it came in the order
/// recorded: sequence numbers rising, and each case's versions.
fn deliveries_to(receiver: &Receiver, endpoint: &str) -> Vec<(String, u64, String)> {
    let got: Vec<(u64, String, u64, String)> = receiver
        .got
        .lock()
        .unwrap()
        .iter()
        .filter(|g| g.endpoint == endpoint)
        .map(|g| {
            (
                g.json["sequence"].as_u64().unwrap(),
                g.json["case"]["reference"].as_str().unwrap().to_owned(),
                g.json["case"]["version"].as_u64().unwrap(),
                g.json["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "{got:?}");
    let mut last: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, case, version, _) in &got {
        let before = last.insert(case, *version).unwrap_or(0);
        assert!(before < *version, "{case} went from {before} to {version}");
    }
    let mut sorted: Vec<_> = got.into_iter().map(|(_, c, v, k)| (c, v, k)).collect();
    sorted.sort();
    sorted
}

async fn every_event_arrives_signed_in_order_and_once_back_after_being_down(backend: Backend) {
    let (url, _dir) = fresh_url(backend).await;
    let clock = TestClock::new(at(T0));
    let store = demo_store(&url, clock.now()).await;
    let receiver = Arc::new(Receiver {
        secrets: Mutex::new(BTreeMap::new()),
        clock: clock.clone(),
        down: AtomicBool::new(false),
        got: Mutex::new(Vec::new()),
        refused: Mutex::new(Vec::new()),
    });
    let address = start(receiver.clone()).await;
    let admin = ChangedBy::COMMAND_LINE;
    // Everything, and only breaches; and Sutton's, which must hear only
    // of Sutton's cases.
    let mut endpoints = BTreeMap::new();
    for (path, partnership, kinds) in [
        ("all", "havering", EventKind::ALL.to_vec()),
        ("breaches", "havering", vec![EventKind::DeadlineBreached]),
        ("sutton", "sutton", EventKind::ALL.to_vec()),
    ] {
        let url = format!("{address}/{path}");
        assert!(accord_store::webhook_problems(&url, &kinds, true).is_empty());
        let (endpoint, secret) = store
            .add_webhook(partnership, &url, &kinds, true, clock.now(), &admin)
            .await
            .unwrap();
        assert!(secret.starts_with("whsec_"), "{secret}");
        receiver
            .secrets
            .lock()
            .unwrap()
            .insert(path.to_owned(), secret);
        endpoints.insert(path, endpoint);
    }
    assert_eq!(
        endpoints["all"].delivered_seq,
        store.event_count().await.unwrap(),
        "an endpoint hears of what happens from when it is registered"
    );
    let before = recorded(&store).await;
    let runner = runner(&store, &clock, None);

    // A case raised and withdrawn; another raised, whose deadline then
    // passes with the demo's open cases'.
    let first = raise_havering(&store, "HAV-2026-9001", clock.now()).await;
    run(
        &store,
        &first,
        Command::Withdraw {
            reason: Text::parse("Agreed between the workers.").unwrap(),
        },
        clock.now(),
    )
    .await;
    raise_havering(&store, "HAV-2026-9002", clock.now()).await;
    let pass = runner.run_once().await.unwrap();
    assert_eq!(pass.webhooks_failed, 0, "{pass:?}");
    assert_eq!(
        deliveries_to(&receiver, "all"),
        expected(&store, &EventKind::ALL, &before).await
    );

    // The receiver goes down; deadlines pass meanwhile.
    receiver.down.store(true, Ordering::SeqCst);
    clock.advance(SignedDuration::from_hours(24 * 30));
    let pass = runner.run_once().await.unwrap();
    assert!(pass.breaches > 0, "{pass:?}");
    assert_eq!(pass.webhooks_delivered, 0, "{pass:?}");
    assert_eq!(
        pass.webhooks_failed, 3,
        "each endpoint with breaches to hear of fails"
    );
    let failing = store.webhook(&endpoints["all"].id).await.unwrap().unwrap();
    assert_eq!(failing.failures, 1);
    assert!(!failing.paused);
    assert_eq!(
        failing.last_error.as_deref(),
        Some("the receiver answered 503 Service Unavailable")
    );
    // Not tried again before its backoff is over.
    raise_havering(&store, "HAV-2026-9003", clock.now()).await;
    let pass = runner.run_once().await.unwrap();
    assert_eq!((pass.webhooks_delivered, pass.webhooks_failed), (0, 0));

    // Back: everything missed arrives, in order.
    receiver.down.store(false, Ordering::SeqCst);
    clock.advance(accord_jobs::backoff(1));
    runner.run_once().await.unwrap();
    let all = expected(&store, &EventKind::ALL, &before).await;
    assert!(all.iter().any(|(_, _, k)| k == "deadline_breached"));
    assert!(all.iter().any(|(_, _, k)| k == "withdrawn"));
    assert_eq!(deliveries_to(&receiver, "all"), all);
    let breaches = expected(&store, &[EventKind::DeadlineBreached], &before).await;
    assert!(!breaches.is_empty());
    assert_eq!(deliveries_to(&receiver, "breaches"), breaches);
    let sutton = deliveries_to(&receiver, "sutton");
    assert!(!sutton.is_empty());
    assert!(
        sutton.iter().all(|(case, _, _)| !case.starts_with("HAV-")),
        "Sutton's endpoint hears nothing of Havering's cases: {sutton:?}"
    );
    let healthy = store.webhook(&endpoints["all"].id).await.unwrap().unwrap();
    assert_eq!((healthy.failures, healthy.last_error), (0, None));
    assert!(receiver.refused.lock().unwrap().is_empty());

    let got = receiver.got.lock().unwrap().clone();

    // No body names a child, or carries what anyone wrote.
    let mut words: Vec<String> = vec![
        "Agreed between the workers".into(),
        "The referral was closed".into(),
    ];
    for entry in store.register_of("havering").await.unwrap() {
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        for subject in case.subjects() {
            words.push(subject.name.as_str().to_owned());
        }
    }
    assert!(words.iter().any(|w| w == "Child Z"));
    for g in &got {
        let body = String::from_utf8_lossy(&g.body);
        for word in &words {
            assert!(!body.contains(word.as_str()), "{body} names {word}");
        }
        let keys: BTreeSet<&str> = g
            .json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "case",
                "id",
                "kind",
                "occurred_at",
                "partnership",
                "sequence"
            ]
            .into()
        );
        assert_eq!(
            g.headers["webhook-id"].to_str().unwrap(),
            g.json["id"].as_str().unwrap()
        );
    }

    // A delivery replayed ten minutes on, signature and all, is refused by
    // the timestamp check; so is its body changed under a fresh timestamp.
    let first = got[0].clone();
    let client = reqwest_webhooks::Client::new();
    let replay = |headers: HeaderMap, body: Bytes| {
        let client = client.clone();
        let url = format!("{address}/{}", first.endpoint);
        async move {
            let mut request = client.post(url).body(body);
            for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
                request = request.header(name, headers[name].to_str().unwrap());
            }
            request.send().await.unwrap().status().as_u16()
        }
    };
    clock.advance(SignedDuration::from_mins(10));
    assert_eq!(replay(first.headers.clone(), first.body.clone()).await, 401);
    let mut fresh = first.headers.clone();
    fresh.insert(
        "webhook-timestamp",
        clock.now().as_second().to_string().parse().unwrap(),
    );
    assert_eq!(replay(fresh.clone(), first.body.clone()).await, 401);
    let changed =
        Bytes::from(String::from_utf8_lossy(&first.body).replace("\"raised\"", "\"closed\""));
    assert_eq!(replay(fresh, changed).await, 401);
    let refused = receiver.refused.lock().unwrap().clone();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(refused[0].contains("too far from now"), "{refused:?}");
    assert!(refused[2].contains("no signature matches"), "{refused:?}");
}

#[tokio::test]
async fn every_event_arrives_signed_in_order_on_sqlite() {
    every_event_arrives_signed_in_order_and_once_back_after_being_down(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_event_arrives_signed_in_order_on_postgres() {
    every_event_arrives_signed_in_order_and_once_back_after_being_down(Backend::Postgres).await;
}

/// An endpoint nobody answers at is tried [`accord_jobs::MAX_ATTEMPTS`]
/// times, backing off, then paused with its last error for an
/// administrator; resumed, it is sent everything it missed, more than one
/// read's worth, in one pass.
#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_paused_and_resumed_gets_what_it_missed() {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let clock = TestClock::new(at(T0));
    let store = demo_store(&url, clock.now()).await;
    let port = common::free_port();
    let admin = ChangedBy::COMMAND_LINE;
    let (endpoint, secret) = store
        .add_webhook(
            "havering",
            &format!("http://127.0.0.1:{port}/down"),
            &[EventKind::Raised],
            true,
            clock.now(),
            &admin,
        )
        .await
        .unwrap();
    let runner = runner(&store, &clock, None);
    raise_havering(&store, "HAV-2026-9101", clock.now()).await;
    for attempt in 1..=accord_jobs::MAX_ATTEMPTS {
        let pass = runner.run_once().await.unwrap();
        assert_eq!(pass.webhooks_failed, 1, "attempt {attempt}");
        clock.advance(accord_jobs::backoff(attempt));
    }
    let paused = store.webhook(&endpoint.id).await.unwrap().unwrap();
    assert!(paused.paused);
    assert_eq!(paused.failures, accord_jobs::MAX_ATTEMPTS);
    let error = paused.last_error.unwrap();
    assert!(error.starts_with("could not connect"), "{error}");
    // Paused, it is not tried.
    clock.advance(SignedDuration::from_hours(24));
    assert_eq!(runner.run_once().await.unwrap().webhooks_failed, 0);

    // A receiver comes up there; the administrator resumes the endpoint.
    let receiver = Arc::new(Receiver {
        secrets: Mutex::new([("down".to_owned(), secret)].into()),
        clock: clock.clone(),
        down: AtomicBool::new(false),
        got: Mutex::new(Vec::new()),
        refused: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/{endpoint}", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // More cases are raised meanwhile than one read of events holds.
    for n in 9102..9552 {
        raise_havering(&store, &format!("HAV-2026-{n}"), clock.now()).await;
    }
    assert!(
        store
            .pause_webhook("havering", &endpoint.id, false, clock.now(), &admin)
            .await
            .unwrap()
    );
    let pass = runner.run_once().await.unwrap();
    assert_eq!((pass.webhooks_delivered, pass.webhooks_failed), (451, 0));
    let expected: Vec<(String, u64, String)> = (9101..9552)
        .map(|n| (format!("HAV-2026-{n}"), 1, "raised".to_owned()))
        .collect();
    assert_eq!(deliveries_to(&receiver, "down"), expected);
    // Another partnership's administrator cannot touch it.
    assert!(
        !store
            .remove_webhook("sutton", &endpoint.id, clock.now(), &admin)
            .await
            .unwrap()
    );
    // Each change is in the audit.
    assert!(
        store
            .remove_webhook("havering", &endpoint.id, clock.now(), &admin)
            .await
            .unwrap()
    );
    assert_eq!(store.webhooks("havering").await.unwrap(), Vec::new());
}

/// An endpoint whose address is a private one written as a number is
/// never looked up, so the resolver cannot refuse it: the runner checks
/// the address itself before sending, and records why it sent nothing.
#[tokio::test]
async fn a_private_address_written_as_a_number_is_refused_before_anything_is_sent() {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let clock = TestClock::new(at(T0));
    let store = demo_store(&url, clock.now()).await;
    // Stored directly, as only a changed rule or a hand-edited database
    // could leave it: the page and the command line refuse it.
    let (endpoint, _) = store
        .add_webhook(
            "havering",
            "https://169.254.169.254/latest/meta-data",
            &[EventKind::Raised],
            false,
            clock.now(),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    raise_havering(&store, "HAV-2026-9201", clock.now()).await;
    let pass = runner(&store, &clock, None).run_once().await.unwrap();
    assert_eq!((pass.webhooks_delivered, pass.webhooks_failed), (0, 1));
    let error = store
        .webhook(&endpoint.id)
        .await
        .unwrap()
        .unwrap()
        .last_error
        .unwrap();
    assert!(error.contains("private network"), "{error}");
}
