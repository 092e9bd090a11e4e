//! Telling other systems what happened to a case (issue 19, migration
//! `0024_webhooks.sql`): the event feed that systems pull, and the webhook
//! endpoints an administrator registers for a partnership, which the job
//! runner pushes the same events to.
//!
//! The event log is the outbox. An event is committed in the transaction
//! that decided it, and every append holds the chain head until it
//! commits, so the global sequence is committed in order and has no gaps.
//! A reader that has seen sequence *n* has seen everything before it. So
//! an endpoint keeps only how far it has been told (`delivered_seq`): the
//! runner sends what follows in order, and moves the mark on after each
//! answer of 2xx. Nothing is written per event, a receiver that is down
//! misses nothing, and one that answered but whose answer was lost is
//! sent the event again (at least once).
//!
//! An event here says only which case, which version of it, what kind of
//! thing happened and when: never a child's name, details or anything
//! typed. A receiver reads the case itself through the API, with its own
//! token, under the access rules.

use std::net::{IpAddr, Ipv4Addr};

use accord_case::{AgencyId, CaseId};
use jiff::Timestamp;
use serde_json::json;

use crate::audit::{AuditSubject, Draft};
use crate::projection::{person_key, role_key};
use crate::{AccountError, ChangedBy, RegisterReader, Store, StoreError};

/// The kinds of event told to other systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A disagreement was raised.
    Raised,
    /// It moved up to the next stage.
    Escalated,
    /// A deadline passed with what was due not done.
    DeadlineBreached,
    /// An outcome was recorded.
    Resolved,
    /// The professional who raised it withdrew it.
    Withdrawn,
    /// It was closed.
    Closed,
    /// It was opened again.
    Reopened,
}

impl EventKind {
    /// Every kind, in the order a case meets them.
    pub const ALL: [EventKind; 7] = [
        EventKind::Raised,
        EventKind::Escalated,
        EventKind::DeadlineBreached,
        EventKind::Resolved,
        EventKind::Withdrawn,
        EventKind::Closed,
        EventKind::Reopened,
    ];

    /// Its name in bodies, addresses and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Raised => "raised",
            EventKind::Escalated => "escalated",
            EventKind::DeadlineBreached => "deadline_breached",
            EventKind::Resolved => "resolved",
            EventKind::Withdrawn => "withdrawn",
            EventKind::Closed => "closed",
            EventKind::Reopened => "reopened",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// What an administrator reads beside it.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Raised => "A disagreement is raised",
            EventKind::Escalated => "A case moves up a stage",
            EventKind::DeadlineBreached => "A deadline is breached",
            EventKind::Resolved => "An outcome is recorded",
            EventKind::Withdrawn => "A case is withdrawn",
            EventKind::Closed => "A case is closed",
            EventKind::Reopened => "A case is reopened",
        }
    }

    /// The stored event type it is told for.
    fn event_type(self) -> &'static str {
        match self {
            EventKind::DeadlineBreached => "breach_recorded",
            other => other.as_str(),
        }
    }

    fn of_event_type(event_type: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.event_type() == event_type)
    }
}

/// One event as other systems are told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    /// Its place in the record's global order: the feed's cursor.
    pub sequence: u64,
    /// The case, by its reference.
    pub case: CaseId,
    /// The case's version once this event was recorded.
    pub version: u64,
    /// What happened.
    pub kind: EventKind,
    /// When it was recorded.
    pub at: Timestamp,
}

impl FeedEvent {
    /// Its id, the same in the feed and in every webhook delivery of it,
    /// for a receiver to recognise a repeat.
    pub fn id(&self) -> String {
        format!("evt_{}", self.sequence)
    }

    /// The JSON a webhook delivery carries and the feed lists: which case,
    /// which version, what kind and when, and the API address to read
    /// the case at (`base_url` is Accord's own, such as
    /// `https://accord.example.org`). Nothing else: no name, no detail, no
    /// text anyone typed.
    pub fn to_json(&self, partnership: &str, base_url: &str) -> serde_json::Value {
        json!({
            "id": self.id(),
            "sequence": self.sequence,
            "kind": self.kind.as_str(),
            "occurred_at": self.at.to_string(),
            "partnership": partnership,
            "case": {
                "reference": self.case.as_str(),
                "version": self.version,
                "href": format!("{}/api/v1/cases/{}", base_url.trim_end_matches('/'), self.case),
            },
        })
    }
}

/// A webhook endpoint as stored; never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id: `wh-` and 16 hex digits.
    pub id: String,
    /// The partnership whose cases it hears of.
    pub partnership: String,
    /// Where deliveries are posted.
    pub url: String,
    /// The kinds of event it wants.
    pub kinds: Vec<EventKind>,
    /// An administrator allowed it to reach private and loopback
    /// addresses.
    pub allow_private: bool,
    /// Paused: by an administrator, or by Accord after too many failures
    /// in a row.
    pub paused: bool,
    /// It has been told every event up to this sequence number.
    pub delivered_seq: u64,
    /// Failed attempts since the last delivery.
    pub failures: u32,
    /// When it is next tried.
    pub next_attempt_at: Timestamp,
    /// Why the last attempt failed, while it is failing.
    pub last_error: Option<String>,
    /// When it was last tried.
    pub last_attempt_at: Option<Timestamp>,
    /// When it last took a delivery.
    pub last_delivered_at: Option<Timestamp>,
    /// When it was registered.
    pub created_at: Timestamp,
}

/// What is wrong with an endpoint an administrator is registering, in
/// words that say what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookProblem {
    /// The field: `url` or `kinds`.
    pub field: &'static str,
    /// What to fix.
    pub message: String,
}

/// Whether `ip` is an address on the public internet: not loopback,
/// private, link-local, shared (carrier-grade NAT), documentation,
/// benchmarking, multicast, reserved or unspecified, and not one of those
/// inside an IPv6 address (mapped, NAT64). A webhook reaches any other
/// address only where an administrator allowed it.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the IPv4 address inside.
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return public_v4(Ipv4Addr::new(a, b, c, d));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible, deprecated
        }
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared, carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

/// Whether `host` names this machine: a loopback address, or `localhost`.
fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// What must be fixed before an endpoint at `url` for `kinds` can be
/// registered: an empty list when it can. Only `https` is allowed, except
/// to this machine itself (a receiver beside Accord, or a test's). An
/// address written as a number must be public unless `allow_private`;
/// a name is checked each time it is looked up, by the job runner.
pub fn webhook_problems(
    url: &str,
    kinds: &[EventKind],
    allow_private: bool,
) -> Vec<WebhookProblem> {
    let mut out = Vec::new();
    let mut problem = |field, message: String| out.push(WebhookProblem { field, message });
    let example = "such as https://integration.havering.gov.uk/accord/events";
    match url::Url::parse(url.trim()) {
        _ if url.trim().is_empty() => problem(
            "url",
            format!("Enter the address Accord should send events to, {example}"),
        ),
        _ if url.len() > 2000 => problem(
            "url",
            "Enter an address of 2,000 characters or fewer".into(),
        ),
        Err(_) => problem(
            "url",
            format!("Enter a whole web address, starting https://, {example}"),
        ),
        Ok(parsed) => match parsed.host() {
            None => problem(
                "url",
                format!("Enter an address with a host name, {example}"),
            ),
            Some(host) => {
                let loopback = is_loopback_host(&host);
                if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
                    problem(
                        "url",
                        format!(
                            "Enter an address starting https://, so that deliveries are \
                             encrypted, {example}"
                        ),
                    );
                } else if !parsed.username().is_empty() || parsed.password().is_some() {
                    problem(
                        "url",
                        "Leave the user name and password out of the address: Accord signs each \
                         delivery instead"
                            .into(),
                    );
                } else if parsed.fragment().is_some() {
                    problem("url", "Leave the part after # out of the address".into());
                } else {
                    let literal = match host {
                        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
                        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
                        url::Host::Domain(_) => None,
                    };
                    let private = literal.is_some_and(|ip| !is_public(ip)) || loopback;
                    if private && !allow_private {
                        problem(
                            "url",
                            "This address is on a private network or this machine. Enter a \
                             public address, or tick \"Allow private addresses\" if the \
                             receiver is on your own network"
                                .into(),
                        );
                    }
                }
            }
        },
    }
    if kinds.is_empty() {
        problem("kinds", "Choose at least one kind of event to send".into());
    }
    out
}

/// What the audit shows of an endpoint: everything but its secret.
fn audited(e: &WebhookEndpoint) -> serde_json::Value {
    json!({
        "url": e.url,
        "kinds": kinds_text(&e.kinds),
        "allow_private": e.allow_private,
        "paused": e.paused,
    })
}

fn kinds_text(kinds: &[EventKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What endpoint `id`'s secret is sealed for.
pub(crate) fn secret_context(id: &str) -> String {
    format!("webhook secret\0{id}")
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AccountError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(buf)
}

type EndpointRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    String,
    Option<i64>,
    Option<i64>,
    i64,
);

const ENDPOINT_COLUMNS: &str = "id, partnership_id, url, kinds, allow_private, status, \
    delivered_seq, failures, next_attempt_at_us, last_error, last_attempt_at_us, \
    last_delivered_at_us, created_at_us";

fn endpoint_of(row: EndpointRow) -> Result<WebhookEndpoint, StoreError> {
    let (
        id,
        partnership,
        url,
        kinds,
        allow_private,
        status,
        seq,
        failures,
        next,
        error,
        tried,
        delivered,
        created,
    ) = row;
    let bad = |what: &str| StoreError::Damaged {
        case: format!("(webhook {id})"),
        reason: format!("its {what} is unreadable"),
    };
    let time = |us: i64, what: &str| Timestamp::from_microsecond(us).map_err(|_| bad(what));
    Ok(WebhookEndpoint {
        kinds: kinds
            .split_whitespace()
            .map(|k| EventKind::parse(k).ok_or_else(|| bad("list of kinds")))
            .collect::<Result<_, _>>()?,
        allow_private: allow_private != 0,
        paused: status == "paused",
        delivered_seq: u64::try_from(seq).map_err(|_| bad("mark"))?,
        failures: u32::try_from(failures).map_err(|_| bad("count of failures"))?,
        next_attempt_at: time(next, "next attempt")?,
        last_error: Some(error).filter(|e| !e.is_empty()),
        last_attempt_at: tried.map(|us| time(us, "last attempt")).transpose()?,
        last_delivered_at: delivered.map(|us| time(us, "last delivery")).transpose()?,
        created_at: time(created, "creation time")?,
        id: id.clone(),
        partnership,
        url,
    })
}

type EventRow = (i64, String, i64, String, String);

fn event_of(row: EventRow) -> Result<FeedEvent, StoreError> {
    let (seq, case, version, event_type, at) = row;
    let bad = |what: &str| StoreError::Damaged {
        case: case.clone(),
        reason: format!("event {seq} has an unreadable {what}"),
    };
    Ok(FeedEvent {
        sequence: u64::try_from(seq).map_err(|_| bad("sequence number"))?,
        version: u64::try_from(version).map_err(|_| bad("version"))?,
        kind: EventKind::of_event_type(&event_type).ok_or_else(|| bad("type"))?,
        at: at.parse().map_err(|_| bad("time"))?,
        case: CaseId::parse(&case).map_err(|_| bad("case id"))?,
    })
}

/// A feed's query, for the backends.
struct FeedQuery<'a> {
    partnership: &'a str,
    /// `None` for every case of the partnership; else the agency (if any)
    /// and the involvement keys that let the reader see a case.
    visible: Option<(Option<&'a str>, Vec<String>)>,
    kinds: &'a [EventKind],
    after: i64,
    up_to: Option<i64>,
    limit: i64,
}

macro_rules! webhook_queries {
    ($begin:literal) => {
        use serde_json::Value;
        use sqlx::Pool;

        use super::{
            AuditSubject, ChangedBy, Draft, ENDPOINT_COLUMNS, EndpointRow, EventRow, FeedQuery,
        };

        pub(super) async fn feed(
            reader: &Pool<Db>,
            q: &FeedQuery<'_>,
        ) -> Result<Vec<EventRow>, sqlx::Error> {
            // Numbered parameters: $1 the mark, $2 the last sequence
            // wanted, $3 the limit, then the texts in the order written.
            let mut texts: Vec<&str> = vec![q.partnership];
            let mut sql = String::from(
                "SELECT e.global_seq, e.case_id, e.case_seq, e.event_type, e.at FROM events e \
                 JOIN case_register r ON r.case_id = e.case_id \
                 WHERE e.global_seq > $1 AND e.global_seq <= $2 \
                 AND r.raising_agency IN (SELECT id FROM agencies WHERE partnership_id = $4) \
                 AND e.event_type IN (",
            );
            let mut n = 5;
            let mut param = |sql: &mut String| {
                sql.push_str(&format!("${n}"));
                n += 1;
            };
            for (i, kind) in q.kinds.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                param(&mut sql);
                texts.push(kind.event_type());
            }
            sql.push(')');
            if let Some((agency, keys)) = &q.visible {
                // Driven from the cases the reader may see, each read by
                // its stream's index, so that a reader who sees a few
                // cases does not walk the whole record for them.
                sql.push_str(" AND e.case_id IN (");
                if let Some(agency) = agency {
                    sql.push_str("SELECT case_id FROM case_register WHERE raising_agency = ");
                    param(&mut sql);
                    sql.push_str(" UNION SELECT case_id FROM case_register WHERE other_agency = ");
                    param(&mut sql);
                    sql.push_str(" UNION ");
                    texts.push(agency);
                    texts.push(agency);
                }
                sql.push_str("SELECT case_id FROM case_involvement WHERE who IN (");
                for (i, key) in keys.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    param(&mut sql);
                    texts.push(key);
                }
                sql.push_str("))");
            }
            sql.push_str(" ORDER BY e.global_seq LIMIT $3");
            let mut query = sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql))
                .bind(q.after)
                .bind(q.up_to.unwrap_or(i64::MAX))
                .bind(q.limit);
            for text in texts {
                query = query.bind(text);
            }
            query.fetch_all(reader).await
        }

        pub(super) async fn last_sequence(reader: &Pool<Db>) -> Result<i64, sqlx::Error> {
            let (seq,): (i64,) = sqlx::query_as("SELECT global_seq FROM chain_head WHERE id = 1")
                .fetch_one(reader)
                .await?;
            Ok(seq)
        }

        pub(super) async fn all(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Vec<EndpointRow>, sqlx::Error> {
            let sql = format!(
                "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE partnership_id = $1 \
                 ORDER BY created_at_us, id"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(partnership)
                .fetch_all(reader)
                .await
        }

        pub(super) async fn one(
            reader: &Pool<Db>,
            id: &str,
        ) -> Result<Option<EndpointRow>, sqlx::Error> {
            let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1");
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(reader)
                .await
        }

        pub(super) async fn secret(
            reader: &Pool<Db>,
            id: &str,
        ) -> Result<Option<String>, sqlx::Error> {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT secret FROM webhook_endpoints WHERE id = $1")
                    .bind(id)
                    .fetch_optional(reader)
                    .await?;
            Ok(row.map(|r| r.0))
        }

        /// Registers an endpoint told of events after the chain head as it
        /// is now, with its audit entry, in one transaction.
        #[allow(clippy::too_many_arguments)]
        pub(super) async fn add(
            writer: &Pool<Db>,
            id: &str,
            partnership: &str,
            url: &str,
            kinds: &str,
            secret: &str,
            allow_private: bool,
            after: Value,
            now: jiff::Timestamp,
            by: &ChangedBy,
        ) -> Result<(), sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            let now_us = now.as_microsecond();
            sqlx::query(
                "INSERT INTO webhook_endpoints (id, partnership_id, url, kinds, secret, \
                 allow_private, delivered_seq, next_attempt_at_us, created_at_us) \
                 VALUES ($1, $2, $3, $4, $5, $6, \
                 (SELECT global_seq FROM chain_head WHERE id = 1), $7, $7)",
            )
            .bind(id)
            .bind(partnership)
            .bind(url)
            .bind(kinds)
            .bind(secret)
            .bind(i64::from(allow_private))
            .bind(now_us)
            .execute(&mut *tx)
            .await?;
            let draft = Draft::new(
                partnership,
                AuditSubject::Setting,
                id,
                "webhook.added",
                Value::Null,
                after,
            );
            audit::append(&mut *tx, by, now, &[draft]).await?;
            tx.commit().await
        }

        /// Pauses or resumes an endpoint, or removes it (`paused` is
        /// `None`), with its audit entry, in one transaction.
        #[allow(clippy::too_many_arguments)]
        pub(super) async fn change(
            writer: &Pool<Db>,
            id: &str,
            partnership: &str,
            paused: Option<bool>,
            before: Value,
            after: Value,
            now: jiff::Timestamp,
            by: &ChangedBy,
        ) -> Result<(), sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            match paused {
                Some(true) => {
                    sqlx::query("UPDATE webhook_endpoints SET status = 'paused' WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                // Resumed: tried at once, its count of failures started again.
                Some(false) => {
                    sqlx::query(
                        "UPDATE webhook_endpoints SET status = 'active', failures = 0, \
                         next_attempt_at_us = $2 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(now.as_microsecond())
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let what = match paused {
                Some(true) => "webhook.paused",
                Some(false) => "webhook.resumed",
                None => "webhook.removed",
            };
            let draft = Draft::new(partnership, AuditSubject::Setting, id, what, before, after);
            audit::append(&mut *tx, by, now, &[draft]).await?;
            tx.commit().await
        }

        /// Active endpoints due at `now` that no runner holds, up to
        /// `limit`; each is claimed until `until` by one statement that
        /// only one runner's can match.
        pub(super) async fn claim(
            writer: &Pool<Db>,
            now: i64,
            until: i64,
            limit: i64,
        ) -> Result<Vec<EndpointRow>, sqlx::Error> {
            let due: Vec<(String,)> = sqlx::query_as(
                "SELECT id FROM webhook_endpoints WHERE status = 'active' \
                 AND next_attempt_at_us <= $1 AND claimed_until_us <= $1 \
                 ORDER BY next_attempt_at_us, id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(writer)
            .await?;
            let mut claimed = Vec::new();
            let sql = format!(
                "UPDATE webhook_endpoints SET claimed_until_us = $2 WHERE id = $1 \
                 AND status = 'active' AND next_attempt_at_us <= $3 AND claimed_until_us <= $3 \
                 RETURNING {ENDPOINT_COLUMNS}"
            );
            for (id,) in due {
                let row: Option<EndpointRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(&id)
                    .bind(until)
                    .bind(now)
                    .fetch_optional(writer)
                    .await?;
                claimed.extend(row);
            }
            Ok(claimed)
        }

        pub(super) async fn delivered(
            writer: &Pool<Db>,
            id: &str,
            seq: i64,
            now: i64,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "UPDATE webhook_endpoints SET \
                 delivered_seq = CASE WHEN delivered_seq < $2 THEN $2 ELSE delivered_seq END, \
                 failures = 0, last_error = '', last_attempt_at_us = $3, \
                 last_delivered_at_us = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(seq)
            .bind(now)
            .execute(writer)
            .await?;
            Ok(())
        }

        pub(super) async fn passed(
            writer: &Pool<Db>,
            id: &str,
            seq: i64,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "UPDATE webhook_endpoints SET \
                 delivered_seq = CASE WHEN delivered_seq < $2 THEN $2 ELSE delivered_seq END \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(seq)
            .execute(writer)
            .await?;
            Ok(())
        }

        #[allow(clippy::too_many_arguments)]
        pub(super) async fn failed(
            writer: &Pool<Db>,
            id: &str,
            error: &str,
            now: i64,
            next: i64,
            pause_at: i64,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "UPDATE webhook_endpoints SET failures = failures + 1, last_error = $2, \
                 last_attempt_at_us = $3, next_attempt_at_us = $4, claimed_until_us = 0, \
                 status = CASE WHEN failures + 1 >= $5 THEN 'paused' ELSE status END \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(now)
            .bind(next)
            .bind(pause_at)
            .execute(writer)
            .await?;
            Ok(())
        }

        pub(super) async fn release(writer: &Pool<Db>, id: &str) -> Result<(), sqlx::Error> {
            sqlx::query("UPDATE webhook_endpoints SET claimed_until_us = 0 WHERE id = $1")
                .bind(id)
                .execute(writer)
                .await?;
            Ok(())
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::audit::sqlite as audit;
    // Audited changes take the write lock at once, as appends do.
    webhook_queries!("BEGIN IMMEDIATE");
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::audit::postgres as audit;
    webhook_queries!("BEGIN");
}

/// One page of the event feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPage {
    /// Its events, in order.
    pub events: Vec<FeedEvent>,
    /// Where the next page starts: the last event's sequence number, or
    /// the mark given when the page is empty.
    pub next: u64,
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Up to `limit` events of `kinds` after sequence `after`, of the
    /// cases of the reader's partnership that `reader` may see now, in
    /// order: checked in the query, as the register is.
    pub async fn event_feed(
        &self,
        reader: &RegisterReader,
        kinds: &[EventKind],
        after: u64,
        limit: u32,
    ) -> Result<FeedPage, StoreError> {
        let keys = || {
            std::iter::once(person_key(&reader.person))
                .chain(reader.roles.iter().filter_map(role_key))
                .collect::<Vec<_>>()
        };
        let q = FeedQuery {
            partnership: &reader.partnership,
            visible: (!reader.whole_partnership)
                .then(|| (reader.agency.as_ref().map(AgencyId::as_str), keys())),
            kinds,
            after: as_i64(after),
            up_to: None,
            limit: i64::from(limit.max(1)),
        };
        let rows = on_pool!(self, read_pool, pool, m => m::feed(pool, &q).await)?;
        let events = rows
            .into_iter()
            .map(event_of)
            .collect::<Result<Vec<_>, _>>()?;
        let next = events.last().map_or(after, |e| e.sequence);
        Ok(FeedPage { events, next })
    }

    /// Up to `limit` events of `kinds` of `partnership`'s cases after
    /// sequence `after` and up to `up_to`, in order: what a webhook
    /// endpoint is sent.
    pub async fn partnership_events(
        &self,
        partnership: &str,
        kinds: &[EventKind],
        after: u64,
        up_to: u64,
        limit: u32,
    ) -> Result<Vec<FeedEvent>, StoreError> {
        let q = FeedQuery {
            partnership,
            visible: None,
            kinds,
            after: as_i64(after),
            up_to: Some(as_i64(up_to)),
            limit: i64::from(limit.max(1)),
        };
        let rows = on_pool!(self, read_pool, pool, m => m::feed(pool, &q).await)?;
        rows.into_iter().map(event_of).collect()
    }

    /// The sequence number of the last event recorded.
    pub async fn last_sequence(&self) -> Result<u64, StoreError> {
        let seq = on_pool!(self, read_pool, pool, m => m::last_sequence(pool).await)?;
        Ok(u64::try_from(seq).unwrap_or_default())
    }

    /// The webhook endpoints of `partnership`, oldest first.
    pub async fn webhooks(&self, partnership: &str) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m => m::all(pool, partnership).await)?;
        rows.into_iter().map(endpoint_of).collect()
    }

    /// The webhook endpoint `id`, if there is one.
    pub async fn webhook(&self, id: &str) -> Result<Option<WebhookEndpoint>, StoreError> {
        let row = on_pool!(self, read_pool, pool, m => m::one(pool, id).await)?;
        row.map(endpoint_of).transpose()
    }

    /// Endpoint `id`'s signing secret, for signing deliveries only.
    pub async fn webhook_secret(&self, id: &str) -> Result<Option<String>, StoreError> {
        let stored = on_pool!(self, read_pool, pool, m => m::secret(pool, id).await)?;
        stored
            .map(|s| Ok(self.keys.open_text(&secret_context(id), &s)?))
            .transpose()
    }

    /// Registers an endpoint of `partnership` at `url` for `kinds`, as done
    /// `by` someone at `now`, and returns it with its signing secret, which
    /// is shown this once. It is told the events recorded from now on.
    /// The settings must have passed [`webhook_problems`].
    pub async fn add_webhook(
        &self,
        partnership: &str,
        url: &str,
        kinds: &[EventKind],
        allow_private: bool,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<(WebhookEndpoint, String), AccountError> {
        if !self
            .partnerships()
            .await?
            .iter()
            .any(|p| p.id == partnership)
        {
            return Err(AccountError::NoSuchPartnership {
                partnership: partnership.to_owned(),
            });
        }
        let id = format!("wh-{}", hex::encode(random_bytes::<8>()?));
        // The Standard Webhooks form: `whsec_` and 32 random bytes in
        // base64, which receivers' libraries read as they are.
        let secret = format!(
            "whsec_{}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                random_bytes::<32>()?
            )
        );
        let mut kinds = kinds.to_vec();
        kinds.sort();
        kinds.dedup();
        let sealed = self
            .keys
            .seal_text(&secret_context(&id), &secret)
            .map_err(StoreError::from)?;
        let url = url.trim();
        let after = json!({
            "url": url,
            "kinds": kinds_text(&kinds),
            "allow_private": allow_private,
            "paused": false,
            "secret": "set",
        });
        on_pool!(self, write_pool, pool, m => m::add(pool, &id, partnership, url,
            &kinds_text(&kinds), &sealed, allow_private, after, now, by).await)?;
        let endpoint = self
            .webhook(&id)
            .await?
            .ok_or_else(|| StoreError::Damaged {
                case: format!("(webhook {id})"),
                reason: "it was not there once added".into(),
            })?;
        Ok((endpoint, secret))
    }

    /// Pauses (`true`) or resumes (`false`) endpoint `id` of
    /// `partnership`; resumed, it is tried at once and sent everything it
    /// missed. `false` if the partnership has no such endpoint.
    pub async fn pause_webhook(
        &self,
        partnership: &str,
        id: &str,
        paused: bool,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, StoreError> {
        self.change_webhook(partnership, id, Some(paused), now, by)
            .await
    }

    /// Removes endpoint `id` of `partnership`. `false` if it has none.
    pub async fn remove_webhook(
        &self,
        partnership: &str,
        id: &str,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, StoreError> {
        self.change_webhook(partnership, id, None, now, by).await
    }

    async fn change_webhook(
        &self,
        partnership: &str,
        id: &str,
        paused: Option<bool>,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, StoreError> {
        let Some(before) = self.webhook(id).await? else {
            return Ok(false);
        };
        if before.partnership != partnership {
            return Ok(false);
        }
        let after = match paused {
            Some(paused) => audited(&WebhookEndpoint {
                paused,
                ..before.clone()
            }),
            None => serde_json::Value::Null,
        };
        on_pool!(self, write_pool, pool, m => m::change(pool, id, partnership, paused,
            audited(&before), after, now, by).await)?;
        Ok(true)
    }

    /// Claims up to `limit` active endpoints due at `now` that no other
    /// runner holds, each until `until`.
    pub async fn claim_webhooks(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let rows = on_pool!(self, write_pool, pool, m => m::claim(pool, now.as_microsecond(),
            until.as_microsecond(), i64::from(limit)).await)?;
        rows.into_iter().map(endpoint_of).collect()
    }

    /// Endpoint `id` took every event up to `sequence` at `now`.
    pub async fn webhook_delivered(
        &self,
        id: &str,
        sequence: u64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, write_pool, pool, m => m::delivered(pool, id, as_i64(sequence),
            now.as_microsecond()).await)?;
        Ok(())
    }

    /// Endpoint `id` wants none of the events up to `sequence`: its mark
    /// moves past them without a delivery.
    pub async fn webhook_passed(&self, id: &str, sequence: u64) -> Result<(), StoreError> {
        on_pool!(self, write_pool, pool, m => m::passed(pool, id, as_i64(sequence)).await)?;
        Ok(())
    }

    /// An attempt at endpoint `id` failed at `now` with `error`: it is
    /// tried again at `next`, and paused once this makes `pause_at`
    /// failures in a row. Its claim is given up.
    pub async fn webhook_failed(
        &self,
        id: &str,
        error: &str,
        now: Timestamp,
        next: Timestamp,
        pause_at: u32,
    ) -> Result<(), StoreError> {
        on_pool!(self, write_pool, pool, m => m::failed(pool, id, error, now.as_microsecond(),
            next.as_microsecond(), i64::from(pause_at)).await)?;
        Ok(())
    }

    /// Gives up the claim on endpoint `id`.
    pub async fn release_webhook(&self, id: &str) -> Result<(), StoreError> {
        on_pool!(self, write_pool, pool, m => m::release(pool, id).await)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::7f00:1",
        ] {
            assert!(!is_public(ip(private)), "{private} is not public");
        }
        for public in [
            "81.2.69.160",
            "8.8.8.8",
            "100.128.0.1",
            "2a00:1450:4009:81f::200e",
            "::ffff:81.2.69.160",
        ] {
            assert!(is_public(ip(public)), "{public} is public");
        }
    }

    #[test]
    fn an_endpoint_must_be_https_and_public_unless_allowed() {
        let all = &EventKind::ALL;
        let fields = |url: &str, allow: bool| -> Vec<&'static str> {
            webhook_problems(url, all, allow)
                .iter()
                .map(|p| p.field)
                .collect()
        };
        assert!(fields("https://integration.havering.gov.uk/accord", false).is_empty());
        for refused in [
            "",
            "integration.havering.gov.uk",
            "http://integration.havering.gov.uk/accord",
            "ftp://integration.havering.gov.uk/",
            "https://user:pw@integration.havering.gov.uk/",
            "https://10.0.0.5/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[::ffff:10.0.0.5]/hook",
            "https://localhost/hook",
            "http://127.0.0.1:8080/hook",
            "https://integration.havering.gov.uk/#x",
        ] {
            assert_eq!(fields(refused, false), ["url"], "{refused:?}");
        }
        // An administrator may allow their own network, and loopback over
        // plain http (a receiver beside Accord); never plain http elsewhere.
        assert!(fields("https://10.0.0.5/hook", true).is_empty());
        assert!(fields("http://127.0.0.1:8080/hook", true).is_empty());
        assert!(fields("http://localhost:8080/hook", true).is_empty());
        assert_eq!(fields("http://10.0.0.5/hook", true), ["url"]);
        assert_eq!(
            webhook_problems("https://example.org/", &[], false)
                .iter()
                .map(|p| p.field)
                .collect::<Vec<_>>(),
            ["kinds"]
        );
    }

    #[test]
    fn an_event_tells_which_case_and_what_kind_and_nothing_more() {
        let event = FeedEvent {
            sequence: 42,
            case: CaseId::parse("HAV-2026-0042").unwrap(),
            version: 7,
            kind: EventKind::DeadlineBreached,
            at: "2026-12-07T10:00:00Z".parse().unwrap(),
        };
        assert_eq!(
            event.to_json("havering", "https://accord.example.org/"),
            json!({
                "id": "evt_42",
                "sequence": 42,
                "kind": "deadline_breached",
                "occurred_at": "2026-12-07T10:00:00Z",
                "partnership": "havering",
                "case": {
                    "reference": "HAV-2026-0042",
                    "version": 7,
                    "href": "https://accord.example.org/api/v1/cases/HAV-2026-0042",
                },
            })
        );
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            assert_eq!(EventKind::of_event_type(kind.event_type()), Some(kind));
        }
    }
}
