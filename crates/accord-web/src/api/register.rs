//! The register and my deadlines: `GET /api/v1/register` lists the open
//! disagreements the reader may see, and `GET /api/v1/me/deadlines` those of
//! them falling due within five working days or already overdue. Both ask
//! the access rules ([`crate::access::may_see`]) of every case, so nothing
//! of another partnership's, or of a case the reader may not see, is listed.

use accord_calendar::WorkingDays;
use accord_case::Status;
use accord_store::{Person, RegisterEntry};
use axum::extract::State;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    ApiError, AppState, ErrorBody, access,
    auth::Principal,
    extract::{Json, Query},
};

/// How many working days ahead "my deadlines" looks.
const DEADLINE_HORIZON: u32 = 5;

/// One disagreement on the register.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RegisterItem {
    /// Its id, such as `HAV-DEMO-0001`.
    id: String,
    /// The policy it runs under.
    policy: String,
    /// The track it follows.
    track: String,
    /// Its current stage, from 1.
    stage: u8,
    /// That stage's name, as the policy document writes it.
    stage_name: String,
    /// Where it stands: `open` or `resolved`.
    status: String,
    /// The agencies in disagreement: the raising agency, then the other.
    parties: Vec<String>,
    /// When the current stage falls due, if it has a running deadline (RFC
    /// 3339). A resolved case has none: it awaits confirmation of its
    /// outcome, as `accord register` says, not a deadline.
    due: Option<String>,
    /// Whether that deadline has passed, by the service's clock.
    overdue: bool,
}

/// The register, overdue first, then soonest due.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RegisterList {
    /// The disagreements.
    cases: Vec<RegisterItem>,
    /// Where the next page starts, to pass as `after`; left out on the
    /// last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

/// How many cases a page of the register holds unless `limit` says.
pub(crate) const PAGE: u32 = 100;

/// The most a page may hold.
pub(crate) const MOST_PAGE: u32 = 500;

/// Filters on the register.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RegisterQuery {
    /// Only cases at this stage.
    pub(crate) stage: Option<u8>,
    /// Only cases this agency is a party to, such as `hav-police`.
    pub(crate) agency: Option<String>,
    /// Only cases in this area of disagreement, such as `levels-of-need`.
    pub(crate) area: Option<String>,
    /// `true` for only overdue cases, `false` for only those not overdue.
    pub(crate) overdue: Option<bool>,
    /// How many cases a page holds, from 1 to 500; 100 if not given.
    #[serde(default)]
    pub(crate) limit: Option<u32>,
    /// Where the page starts: the `next` of the page before.
    #[serde(default)]
    pub(crate) after: Option<String>,
}

impl RegisterQuery {
    /// The filters, as the store asks them.
    pub(crate) fn filter(&self) -> accord_store::RegisterFilter {
        accord_store::RegisterFilter {
            stage: self.stage,
            agency: self.agency.clone(),
            area: self.area.clone(),
            overdue: self.overdue,
        }
    }

    /// The page asked for: where it starts and how many it holds.
    pub(crate) fn page(&self) -> Result<(Option<accord_store::RegisterCursor>, u32), ApiError> {
        let bad = |field: &str, message: String| ApiError::BadRequest {
            code: "invalid_parameter",
            message,
            field: Some(field.to_owned()),
        };
        let limit = match self.limit {
            None => PAGE,
            Some(n) if (1..=MOST_PAGE).contains(&n) => n,
            Some(n) => {
                return Err(bad(
                    "limit",
                    format!("a page holds from 1 to {MOST_PAGE} cases, not {n}"),
                ));
            }
        };
        let after = self
            .after
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e: accord_store::BadCursor| bad("after", e.to_string()))?;
        Ok((after, limit))
    }
}

/// One page of the register that `principal` may see, as `query` asks,
/// filtered, checked and paged in the database.
pub(crate) async fn page(
    state: &AppState,
    principal: &Principal,
    query: &RegisterQuery,
    now: Timestamp,
) -> Result<accord_store::RegisterPage, ApiError> {
    let (after, limit) = query.page()?;
    let Some(reader) = access::register_reader(&principal.person) else {
        return Ok(accord_store::RegisterPage {
            entries: Vec::new(),
            next: None,
        });
    };
    Ok(state
        .store()
        .register_page(&reader, &query.filter(), now, after.as_ref(), limit)
        .await?)
}

fn status_text(status: Status) -> String {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

fn item(entry: &RegisterEntry, now: Timestamp) -> RegisterItem {
    RegisterItem {
        id: entry.case.as_str().to_owned(),
        policy: entry.policy.as_str().to_owned(),
        track: entry.track.as_str().to_owned(),
        stage: entry.stage.get(),
        stage_name: entry.stage_name.clone(),
        status: status_text(entry.status),
        parties: vec![
            entry.raising_agency.as_str().to_owned(),
            entry.other_agency.as_str().to_owned(),
        ],
        due: running_due(entry).map(|d| d.to_string()),
        overdue: overdue(entry, now),
    }
}

/// When `entry` falls due, if its clock is running: only a case being
/// worked has one. A resolved case awaits confirmation, not a deadline.
pub(crate) fn running_due(entry: &RegisterEntry) -> Option<Timestamp> {
    entry.due.filter(|_| entry.status == Status::Open)
}

/// Whether `entry`'s deadline has passed at `now`. Only a case being worked
/// has a running clock: a resolved case awaits confirmation, not a
/// deadline.
pub(crate) fn overdue(entry: &RegisterEntry, now: Timestamp) -> bool {
    entry.status == Status::Open && entry.due.is_some_and(|due| due <= now)
}

/// The register entries `principal` may see, overdue first, then by due
/// (those without a deadline last), then by id. Only their own
/// partnership's entries are read, and the access rules are asked of each
/// from the facts the register keeps, without loading any case.
pub(crate) async fn visible(
    state: &AppState,
    principal: &Principal,
    now: Timestamp,
) -> Result<Vec<RegisterEntry>, ApiError> {
    visible_to(state, &principal.person, now).await
}

/// The register entries `person` may see, in the order of [`visible`]:
/// for what is read on someone's behalf without a request of theirs (their
/// calendar feed).
pub(crate) async fn visible_to(
    state: &AppState,
    person: &Person,
    now: Timestamp,
) -> Result<Vec<RegisterEntry>, ApiError> {
    let partnership = Some(person.partnership.as_str());
    let mut seen: Vec<RegisterEntry> = state
        .store()
        .register_of(&person.partnership)
        .await?
        .into_iter()
        .filter(|entry| access::may_see(person, access::CaseFacts::of_entry(entry, partnership)))
        .collect();
    seen.sort_by(|a, b| {
        overdue(b, now)
            .cmp(&overdue(a, now))
            .then_with(|| match (running_due(a), running_due(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.case.as_str().cmp(b.case.as_str()))
    });
    Ok(seen)
}

/// The open disagreements you may see.
#[utoipa::path(
    get,
    path = "/api/v1/register",
    operation_id = "listRegister",
    tag = "cases",
    params(RegisterQuery),
    responses(
        (status = 200, description = "A page of the register, overdue first, then soonest due, then by id; `next` gives where the next page starts.", body = RegisterList),
        (status = 400, description = "A filter cannot be read.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn register(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<RegisterQuery>,
) -> Result<Json<RegisterList>, ApiError> {
    let now = state.now();
    let page = page(&state, &principal, &query, now).await?;
    Ok(Json(RegisterList {
        cases: page.entries.iter().map(|e| item(e, now)).collect(),
        next: page.next.map(|c| c.to_string()),
    }))
}

/// Whether `entry`, an open case, is overdue or falls due within
/// [`DEADLINE_HORIZON`] working days of today on its policy's calendar.
pub(crate) fn due_soon(state: &AppState, entry: &RegisterEntry, now: Timestamp) -> bool {
    let Some(due) = entry.due else {
        return false;
    };
    if due <= now {
        return true;
    }
    let policies = state.policies();
    let policy = policies
        .iter()
        .find(|p| p.id == entry.policy && p.version == entry.policy_version)
        .or_else(|| policies.iter().find(|p| p.id == entry.policy));
    let Some(calendar) = policy.and_then(|p| state.calendars().get(&p.calendar).ok()) else {
        return false;
    };
    let tz = calendar.time_zone().clone();
    let today = tz.to_datetime(now).date();
    let Some(days) = WorkingDays::new(DEADLINE_HORIZON) else {
        return false;
    };
    // A deadline is the midnight after its last day, so it is that last
    // day that must fall within the horizon: a case due by the end of the
    // fifth working day is due in the next five.
    let last_day = tz
        .to_datetime(due - jiff::SignedDuration::from_secs(1))
        .date();
    last_day <= calendar.add_working_days(today, days)
}

/// Your open cases due within five working days, or overdue.
#[utoipa::path(
    get,
    path = "/api/v1/me/deadlines",
    operation_id = "listMyDeadlines",
    tag = "cases",
    responses(
        (status = 200, description = "The open cases you may see that are overdue or fall due within five working days (on each policy's calendar), overdue first.", body = RegisterList),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn my_deadlines(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<RegisterList>, ApiError> {
    let now = state.now();
    let cases = visible(&state, &principal, now)
        .await?
        .iter()
        .filter(|e| e.status == Status::Open && due_soon(&state, e, now))
        .map(|e| item(e, now))
        .collect();
    Ok(Json(RegisterList { cases, next: None }))
}
