//! Webhook deliveries (issue 19): each endpoint an administrator
//! registered is sent its partnership's events, one POST an event, in the
//! order they were recorded, signed in the Standard Webhooks form
//! (<https://www.standardwebhooks.com/>):
//!
//! - `webhook-id`: the event's id (`evt_1234`), the same each time it is
//!   sent, so a receiver can drop a repeat;
//! - `webhook-timestamp`: when this attempt was signed, in seconds since
//!   1970 UTC;
//! - `webhook-signature`: `v1,` and the base64 HMAC-SHA256, keyed with
//!   the bytes of the secret after `whsec_` (base64), of
//!   `{webhook-id}.{webhook-timestamp}.{body}`.
//!
//! A receiver recomputes the signature, compares it in constant time, and
//! refuses a timestamp more than five minutes from its own clock, so a
//! delivery captured on the way cannot be replayed later
//! ([`REPLAY_WINDOW`]).
//!
//! An endpoint is claimed before it is sent to, so two runners never send
//! one endpoint's events side by side, and its mark moves past each event
//! only when the receiver answers 2xx. A failure stops that endpoint's
//! pass; it is tried again after [`crate::backoff`], and paused, for an
//! administrator to see with its last error, after [`crate::MAX_ATTEMPTS`]
//! failures in a row. Resumed, it is sent everything it missed.
//!
//! Only public addresses are reached unless an administrator allowed
//! private ones for the endpoint: a name is checked each time it is
//! looked up, and the connection goes to the address checked, so a name
//! that changes its answer cannot lead a delivery into Accord's own
//! network. Redirects are not followed.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use accord_store::{Store, StoreError, WebhookEndpoint, is_public};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use reqwest_webhooks as reqwest;
use sha2::Sha256;

/// How far a receiver should let a delivery's timestamp be from its own
/// clock before it refuses it as a replay.
pub const REPLAY_WINDOW: SignedDuration = SignedDuration::from_mins(5);

/// How long a delivery may take, connection and answer together.
const TIMEOUT: Duration = Duration::from_secs(10);

/// How many events are read for an endpoint at a time.
const EVENTS_A_READ: u32 = 200;

/// How long one pass keeps sending to an endpoint that keeps answering,
/// well inside the runner's lease on it: a receiver back after a long
/// outage catches up over a few passes without holding up the others.
const SENDING_A_PASS: Duration = Duration::from_secs(60);

/// How many endpoints one pass takes.
const ENDPOINTS_A_PASS: u32 = 100;

/// The `webhook-signature` header of a delivery of `body` with id `id`
/// signed at `timestamp` (seconds since 1970) with `secret` (`whsec_…`).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes a key of any length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Looks names up and keeps only public addresses: the connection is
/// made to an address this returned, so the check cannot be raced.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| is_public(a.ip()))
                .collect();
            if public.is_empty() {
                let shown = found
                    .first()
                    .map_or(String::new(), |a| format!(" ({})", a.ip()));
                return Err(format!(
                    "{host} is on a private network or this machine{shown}: allow private \
                     addresses for this endpoint if that is meant"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// The two ways out: to public addresses only, and to any (for endpoints
/// an administrator allowed private addresses).
#[derive(Clone)]
pub(crate) struct Senders {
    public: reqwest::Client,
    any: reqwest::Client,
}

impl Senders {
    pub(crate) fn new() -> Senders {
        let builder = || {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(TIMEOUT)
                .connect_timeout(TIMEOUT)
                .user_agent(concat!("Accord-Webhooks/", env!("CARGO_PKG_VERSION")))
        };
        Senders {
            public: builder()
                .dns_resolver(Arc::new(PublicOnly))
                .build()
                .expect("an HTTP client with rustls builds"),
            any: builder()
                .build()
                .expect("an HTTP client with rustls builds"),
        }
    }
}

/// What one pass did for webhooks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Sent {
    pub delivered: usize,
    pub failed: usize,
}

/// Sends every claimed endpoint what it has not been told, each endpoint
/// in its own task.
pub(crate) async fn deliver(
    store: &Store,
    senders: &Senders,
    now: Timestamp,
    lease: SignedDuration,
    base_url: &str,
) -> Result<Sent, StoreError> {
    let until = now.checked_add(lease).unwrap_or(now);
    let endpoints = store.claim_webhooks(now, until, ENDPOINTS_A_PASS).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for endpoint in endpoints {
        let (store, senders, base_url) = (store.clone(), senders.clone(), base_url.to_owned());
        tasks.spawn(async move {
            let result = deliver_one(&store, &senders, &endpoint, now, &base_url).await;
            // Given up whatever happened, so the next pass may take it.
            let released = store.release_webhook(&endpoint.id).await;
            result.and_then(|sent| released.map(|()| sent))
        });
    }
    let mut total = Sent::default();
    while let Some(joined) = tasks.join_next().await {
        let sent = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
        total.delivered += sent.delivered;
        total.failed += sent.failed;
    }
    Ok(total)
}

async fn deliver_one(
    store: &Store,
    senders: &Senders,
    endpoint: &WebhookEndpoint,
    now: Timestamp,
    base_url: &str,
) -> Result<Sent, StoreError> {
    let mut sent = Sent::default();
    let Some(secret) = store.webhook_secret(&endpoint.id).await? else {
        return Ok(sent);
    };
    let client = if endpoint.allow_private {
        &senders.any
    } else {
        &senders.public
    };
    // Checked again once a pass, before anything is sent: an address
    // written as a number is never looked up, so the resolver never sees
    // it. A problem is a failed attempt, shown with its words.
    let problems =
        accord_store::webhook_problems(&endpoint.url, &endpoint.kinds, endpoint.allow_private);
    let refused = problems.first().map(|p| p.message.clone());
    let began = std::time::Instant::now();
    let mut mark = endpoint.delivered_seq;
    loop {
        // Read the head first: every event up to it is committed.
        let head = store.last_sequence().await?;
        let events = store
            .partnership_events(
                &endpoint.partnership,
                &endpoint.kinds,
                mark,
                head,
                EVENTS_A_READ,
            )
            .await?;
        for event in &events {
            let body = serde_json::to_vec(&event.to_json(&endpoint.partnership, base_url))
                .expect("an event's JSON serialises");
            let attempt = match &refused {
                Some(problem) => Err(problem.clone()),
                None => post(client, endpoint, &secret, &event.id(), now, body).await,
            };
            match attempt {
                Ok(()) => {
                    store
                        .webhook_delivered(&endpoint.id, event.sequence, now)
                        .await?;
                    mark = event.sequence;
                    sent.delivered += 1;
                }
                Err(error) => {
                    let failures = endpoint.failures.saturating_add(1);
                    let next = now.checked_add(crate::backoff(failures)).unwrap_or(now);
                    tracing::warn!(
                        endpoint = %endpoint.id,
                        failures,
                        error = %error,
                        "a webhook delivery failed; trying again later"
                    );
                    store
                        .webhook_failed(&endpoint.id, &error, now, next, crate::MAX_ATTEMPTS)
                        .await?;
                    sent.failed += 1;
                    return Ok(sent);
                }
            }
        }
        if events.len() < EVENTS_A_READ as usize {
            // None is wanted up to the head: move the mark past it, so
            // the next pass does not read those events again.
            if head > mark {
                store.webhook_passed(&endpoint.id, head).await?;
            }
            return Ok(sent);
        }
        if began.elapsed() >= SENDING_A_PASS {
            return Ok(sent);
        }
    }
}

/// Posts one delivery; `Err` says why it failed, for the administrator.
async fn post(
    client: &reqwest::Client,
    endpoint: &WebhookEndpoint,
    secret: &str,
    id: &str,
    now: Timestamp,
    body: Vec<u8>,
) -> Result<(), String> {
    let timestamp = now.as_second();
    let signature = sign(secret, id, timestamp, &body);
    let answer = client
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!(
            "the receiver answered {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_owned())
    }
}

/// A failed request in words, with the cause reqwest wraps.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        format!("no answer within {} seconds", TIMEOUT.as_secs())
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name that leads into this machine is refused by the client for
    /// public endpoints even when something answers there: the address is
    /// checked where the connection is made, not only when registering.
    #[tokio::test]
    async fn a_public_endpoint_cannot_reach_this_machine_by_name() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let senders = Senders::new();
        let url = format!("http://localhost:{port}/");
        let error = senders.public.post(&url).send().await.unwrap_err();
        let said = describe(&error);
        assert!(said.contains("private network or this machine"), "{said}");
        // The permissive client, for an endpoint an administrator allowed,
        // gets there.
        let accepted = tokio::spawn(async move { listener.accept().await.is_ok() });
        let _ = senders
            .any
            .post(&url)
            .timeout(Duration::from_millis(300))
            .send()
            .await;
        assert!(accepted.await.unwrap());
    }

    /// The example of the Standard Webhooks specification, so that any
    /// receiver's library for it accepts Accord's deliveries.
    #[test]
    fn a_signature_is_the_standard_webhooks_one() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
