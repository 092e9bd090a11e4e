//! The event feed (issue 19): `GET /api/v1/events` lists what happened to
//! the cases the reader may see, in the order it was recorded, a page at
//! a time, for a system that would rather pull than be sent webhooks. Each
//! event is the same as a webhook delivery's body: which case, which
//! version of it, what kind of thing happened and when. Nothing of the
//! child or of what anyone wrote: read the case for that, under the access
//! rules.

use accord_store::EventKind;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    ApiError, AppState, ErrorBody, access,
    auth::Principal,
    extract::{Json, Query},
};

/// How many events a page holds unless `limit` says.
const PAGE: u32 = 100;

/// The most a page may hold.
const MOST_PAGE: u32 = 1000;

/// The case an event is about.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct EventCase {
    /// Its reference, such as `HAV-2026-0042`.
    reference: String,
    /// Its version once this event was recorded: the case as read now has
    /// this version or a later one.
    version: u64,
    /// Where the API reads it.
    href: String,
}

/// One event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct FeedItem {
    /// Its id, the same in the feed and in each webhook delivery of it,
    /// such as `evt_1234`.
    id: String,
    /// Its place in the order events were recorded.
    sequence: u64,
    /// What happened: `raised`, `escalated`, `deadline_breached`,
    /// `resolved`, `withdrawn`, `closed` or `reopened`.
    kind: String,
    /// When it was recorded (RFC 3339).
    occurred_at: String,
    /// The partnership whose case it is.
    partnership: String,
    /// The case.
    case: EventCase,
}

/// A page of the event feed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EventList {
    /// The events, oldest first.
    events: Vec<FeedItem>,
    /// Where to carry on from: pass it as `after` for the next page, or
    /// later for what has happened since. On an empty page it is the
    /// `after` given.
    next: String,
}

/// What the feed is asked for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EventQuery {
    /// Where to start: the `next` of the page before; from the beginning
    /// if not given.
    #[serde(default)]
    after: Option<String>,
    /// Only these kinds, separated by commas, such as
    /// `escalated,deadline_breached`; every kind if not given.
    #[serde(default)]
    kind: Option<String>,
    /// How many events a page holds, from 1 to 1000; 100 if not given.
    #[serde(default)]
    limit: Option<u32>,
}

/// What happened to the cases you may see, in order.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    operation_id = "listEvents",
    tag = "cases",
    params(EventQuery),
    responses(
        (status = 200, description = "A page of events of the cases you may see, oldest first. Keep `next` and ask again with it as `after` for what follows.", body = EventList),
        (status = 400, description = "`after`, `kind` or `limit` cannot be read.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<EventQuery>,
) -> Result<Json<EventList>, ApiError> {
    let bad = |field: &str, message: String| ApiError::BadRequest {
        code: "invalid_parameter",
        message,
        field: Some(field.to_owned()),
    };
    let limit = match query.limit {
        None => PAGE,
        Some(n) if (1..=MOST_PAGE).contains(&n) => n,
        Some(n) => {
            return Err(bad(
                "limit",
                format!("a page holds from 1 to {MOST_PAGE} events, not {n}"),
            ));
        }
    };
    let after: u64 = match query.after.as_deref() {
        None | Some("") => 0,
        Some(text) => text.parse().map_err(|_| {
            bad(
                "after",
                format!("`{text}` is not a place in the feed: pass the `next` of a page"),
            )
        })?,
    };
    let kinds: Vec<EventKind> = match query.kind.as_deref() {
        None | Some("") => EventKind::ALL.to_vec(),
        Some(text) => text
            .split(',')
            .map(|k| {
                EventKind::parse(k.trim()).ok_or_else(|| {
                    bad(
                        "kind",
                        format!(
                            "`{}` is not a kind of event: use {}",
                            k.trim(),
                            EventKind::ALL.map(EventKind::as_str).join(", ")
                        ),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let Some(reader) = access::register_reader(&principal.person) else {
        return Ok(Json(EventList {
            events: Vec::new(),
            next: after.to_string(),
        }));
    };
    let page = state
        .store()
        .event_feed(&reader, &kinds, after, limit)
        .await?;
    let base = state.base_url().unwrap_or("").to_owned();
    let events = page
        .events
        .iter()
        .map(|e| {
            serde_json::from_value(e.to_json(&reader.partnership, &base))
                .expect("an event reads as a feed item")
        })
        .collect();
    Ok(Json(EventList {
        events,
        next: page.next.to_string(),
    }))
}
