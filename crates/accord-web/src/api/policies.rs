//! `/api/v1/policies…` and `/api/v1/policy-checks`: the escalation
//! policies Accord runs, when each stage of a track would fall due, and
//! checking a policy file before it is installed.

use accord_calendar::Due;
use accord_policy::{CountFrom, Policy, PolicyId, Stage, TimescaleSpec, Track, TrackId};
use accord_store::Policies;
use axum::extract::State;
use jiff::{Timestamp, civil::DateTime, tz::TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    ApiError, AppState, ErrorBody,
    extract::{Json, Path, Query},
};

/// One policy, as listed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PolicySummary {
    /// Stable id, such as `havering-2022`.
    #[schema(example = "havering-2022")]
    id: String,
    /// Bumped on every change; a case stays bound to the version it was
    /// raised under.
    version: u32,
    /// The policy's own title.
    title: String,
    /// The partnership that owns it.
    partnership: String,
    /// The bank-holiday calendar its working days are counted on.
    #[schema(example = "england-and-wales")]
    calendar: String,
    /// Its tracks; the first is the default.
    tracks: Vec<TrackSummary>,
}

/// A track, as listed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TrackSummary {
    /// Its id, such as `professional`.
    id: String,
    /// Its name.
    name: String,
    /// How many stages its ladder has.
    stages: usize,
}

impl From<&Policy> for PolicySummary {
    fn from(p: &Policy) -> Self {
        PolicySummary {
            id: p.id.to_string(),
            version: p.version,
            title: p.title.clone(),
            partnership: p.partnership.clone(),
            calendar: p.calendar.to_string(),
            tracks: p
                .tracks
                .iter()
                .map(|t| TrackSummary {
                    id: t.id.to_string(),
                    name: t.name.clone(),
                    stages: t.stages.len(),
                })
                .collect(),
        }
    }
}

/// Everything a policy says: its ladders in a described shape, and the
/// whole policy file's content in `definition`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PolicyDetail {
    /// The policy as listed.
    #[serde(flatten)]
    summary: PolicySummary,
    /// The document the policy encodes.
    document: DocumentInfo,
    /// Each track with its stages, in order.
    ladders: Vec<Ladder>,
    /// Readings of vague passages, and anything else a reader should know.
    notes: Vec<NoteInfo>,
    /// The complete policy (areas, forms, leads, notifications, panel
    /// rules…) in the policy file's own schema, as `accord policy show
    /// --format json` prints it.
    #[schema(value_type = Object)]
    definition: serde_json::Value,
}

/// The document a policy encodes.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DocumentInfo {
    /// Its title.
    title: String,
    /// Its file name under `policy-documents/`.
    file: String,
    /// The date it carries, as printed.
    dated: String,
    /// Its review date, where it gives one.
    review: Option<String>,
}

/// A track's ladder of stages.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Ladder {
    /// The track's id.
    track: String,
    /// Its name.
    name: String,
    /// What kind of disagreement it is for.
    description: String,
    /// The document section that sets it out.
    section: String,
    /// The stages, in order.
    stages: Vec<StageInfo>,
}

/// One rung of a ladder.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StageInfo {
    /// Its number, from 1.
    number: u8,
    /// Its name, as the document writes it.
    name: String,
    /// The document section that sets it out.
    section: String,
    /// What happens at this stage.
    summary: String,
    /// How long it may take.
    timescale: TimescaleInfo,
    /// Whether a decision here is final and closes the case.
    final_decision: bool,
}

/// A stage's timescale.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TimescaleInfo {
    /// `working_days`, `hours`, `calendar_days`, or `none` ("as soon as
    /// possible").
    #[schema(example = "working_days")]
    unit: &'static str,
    /// How many; absent for `none`.
    length: Option<u32>,
    /// `stage-start` or `raised`: when the clock starts.
    #[schema(example = "stage-start")]
    from: &'static str,
    /// The timescale in words, such as "5 working days".
    words: String,
}

impl TimescaleInfo {
    /// `stage`'s timescale.
    pub(crate) fn of(stage: &Stage) -> TimescaleInfo {
        let length = stage.timescale.length;
        TimescaleInfo {
            unit: match length {
                TimescaleSpec::WorkingDays(_) => "working_days",
                TimescaleSpec::Hours(_) => "hours",
                TimescaleSpec::CalendarDays(_) => "calendar_days",
                TimescaleSpec::None => "none",
            },
            length: match length {
                TimescaleSpec::WorkingDays(n) => Some(n.get()),
                TimescaleSpec::Hours(n) | TimescaleSpec::CalendarDays(n) => Some(n),
                TimescaleSpec::None => None,
            },
            from: match stage.timescale.from {
                CountFrom::StageStart => "stage-start",
                CountFrom::Raised => "raised",
            },
            words: stage.timescale.timescale().to_string(),
        }
    }
}

/// A note in a policy file.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NoteInfo {
    /// What it is about.
    topic: String,
    /// The note.
    text: String,
    /// True when it records a reading chosen where the document is vague.
    reading: bool,
}

impl PolicyDetail {
    fn new(p: &Policy) -> Result<PolicyDetail, ApiError> {
        Ok(PolicyDetail {
            summary: PolicySummary::from(p),
            document: DocumentInfo {
                title: p.document.title.clone(),
                file: p.document.file.clone(),
                dated: p.document.dated.clone(),
                review: p.document.review.clone(),
            },
            ladders: p.tracks.iter().map(Ladder::from).collect(),
            notes: p
                .notes
                .iter()
                .map(|n| NoteInfo {
                    topic: n.topic.clone(),
                    text: n.text.clone(),
                    reading: n.reading,
                })
                .collect(),
            definition: serde_json::to_value(p).map_err(|e| ApiError::Internal(Box::new(e)))?,
        })
    }
}

impl From<&Track> for Ladder {
    fn from(t: &Track) -> Self {
        Ladder {
            track: t.id.to_string(),
            name: t.name.clone(),
            description: t.description.clone(),
            section: t.section.clone(),
            stages: t
                .stages
                .iter()
                .map(|s| StageInfo {
                    number: s.number.get(),
                    name: s.name.clone(),
                    section: s.section.clone(),
                    summary: s.summary.clone(),
                    timescale: TimescaleInfo::of(s),
                    final_decision: s.final_decision,
                })
                .collect(),
        }
    }
}

/// Every policy Accord runs.
#[utoipa::path(
    get,
    path = "/api/v1/policies",
    operation_id = "listPolicies",
    tag = "policies",
    responses((status = 200, description = "The policies.", body = [PolicySummary]))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<PolicySummary>>, ApiError> {
    fresh(&state).await?;
    Ok(Json(
        state
            .policies()
            .newest_of_each()
            .into_iter()
            .map(|p| PolicySummary::from(&**p))
            .collect(),
    ))
}

/// Loads any version a partnership installed since this server last
/// looked, so every answer gives the versions in force now.
async fn fresh(state: &AppState) -> Result<(), ApiError> {
    Ok(state
        .store()
        .load_installed_policies(state.calendars())
        .await?)
}

/// Everything one policy says.
#[utoipa::path(
    get,
    path = "/api/v1/policies/{id}",
    operation_id = "showPolicy",
    tag = "policies",
    params(("id" = String, Path, description = "The policy's id, such as `havering-2022`.")),
    responses(
        (status = 200, description = "The policy, at its latest version.", body = PolicyDetail),
        (status = 404, description = "There is no such policy.", body = ErrorBody),
    )
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PolicyDetail>, ApiError> {
    fresh(&state).await?;
    PolicyDetail::new(find(&state.policies(), &id)?).map(Json)
}

/// The query of a timeline.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TimelineQuery {
    /// The track's id; the policy's first track when left out.
    track: Option<String>,
    /// When the disagreement was raised: UK local time as
    /// `YYYY-MM-DDTHH:MM` (like `2027-12-23T10:00`), or an RFC 3339
    /// instant (like `2027-12-23T10:00:00Z`).
    #[param(example = "2027-12-23T10:00")]
    raised: Option<String>,
}

/// When each stage of a track would start and fall due.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TimelineBody {
    /// The policy's id.
    policy: String,
    /// Its version.
    version: u32,
    /// The track's id.
    track: String,
    /// The calendar the working days were counted on.
    calendar: String,
    /// When the disagreement was raised (UTC).
    #[schema(value_type = String, format = DateTime)]
    raised: Timestamp,
    /// The stages, in order.
    stages: Vec<TimelineStageBody>,
}

/// One stage on a timeline.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TimelineStageBody {
    /// The stage's number.
    number: u8,
    /// Its name.
    name: String,
    /// When it would start (UTC); absent once an earlier stage is
    /// open-ended, since no date is ever invented.
    #[schema(value_type = Option<String>, format = DateTime)]
    starts: Option<Timestamp>,
    /// When it would fall due.
    due: DueBody,
}

/// When something falls due.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DueBody {
    /// `at`, or `as_soon_as_possible` for a stage with no timescale (or
    /// after one).
    #[schema(example = "at")]
    kind: &'static str,
    /// The deadline (UTC): overdue from this instant on.
    #[schema(value_type = Option<String>, format = DateTime)]
    instant: Option<Timestamp>,
    /// The UK local date to show as the due date: the deadline is the end
    /// of this day for day-based timescales.
    #[schema(value_type = Option<String>, format = Date)]
    last_day: Option<jiff::civil::Date>,
}

impl From<Due> for DueBody {
    fn from(due: Due) -> Self {
        match due {
            Due::At { instant, last_day } => DueBody {
                kind: "at",
                instant: Some(instant),
                last_day: Some(last_day),
            },
            Due::AsSoonAsPossible => DueBody {
                kind: "as_soon_as_possible",
                instant: None,
                last_day: None,
            },
        }
    }
}

/// When each stage of a track would start and fall due if every stage ran
/// to its full timescale and was escalated on its last day, at the time of
/// day it was raised.
#[utoipa::path(
    get,
    path = "/api/v1/policies/{id}/timeline",
    operation_id = "showPolicyTimeline",
    tag = "policies",
    params(
        ("id" = String, Path, description = "The policy's id, such as `havering-2022`."),
        TimelineQuery,
    ),
    responses(
        (status = 200, description = "The timeline.", body = TimelineBody),
        (status = 400, description = "`raised` or `track` is missing or cannot be read; `field` names which.", body = ErrorBody),
        (status = 404, description = "There is no such policy.", body = ErrorBody),
    )
)]
pub(crate) async fn timeline(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<TimelineQuery>,
) -> Result<Json<TimelineBody>, ApiError> {
    fresh(&state).await?;
    let policies = state.policies();
    let policy = find(&policies, &id)?;
    let track = find_track(policy, query.track.as_deref())?;
    let calendar = state
        .calendars()
        .get(&policy.calendar)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let raised = parse_raised(query.raised.as_deref(), calendar.time_zone())?;
    let timeline = accord_policy::timeline(track, calendar, raised);
    Ok(Json(TimelineBody {
        policy: policy.id.to_string(),
        version: policy.version,
        track: track.id.to_string(),
        calendar: policy.calendar.to_string(),
        raised,
        stages: timeline
            .stages
            .into_iter()
            .map(|s| TimelineStageBody {
                number: s.number.get(),
                name: s.name,
                starts: s.starts,
                due: s.due.into(),
            })
            .collect(),
    }))
}

/// A policy file to check.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PolicyCheckRequest {
    /// The policy file's TOML text.
    source: String,
}

/// What checking a policy file found.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PolicyCheckResult {
    /// True when the file is a valid policy.
    valid: bool,
    /// The policy's id, when valid.
    policy: Option<String>,
    /// Its version, when valid.
    version: Option<u32>,
    /// Every mistake, each with where it is and what to write instead;
    /// empty when valid.
    mistakes: Vec<Mistake>,
}

/// One mistake in a policy file.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Mistake {
    /// 1-based line.
    line: usize,
    /// 1-based column, in characters.
    column: usize,
    /// What is wrong.
    message: String,
    /// What to write instead.
    hint: String,
}

/// Checks a policy file, as `accord policy check` does, before an
/// administrator installs it. Nothing is stored.
#[utoipa::path(
    post,
    path = "/api/v1/policy-checks",
    operation_id = "checkPolicy",
    tag = "policies",
    request_body = PolicyCheckRequest,
    responses(
        (status = 200, description = "The file was checked; `valid` says whether it is a policy.", body = PolicyCheckResult),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB.", body = ErrorBody),
        (status = 415, description = "The body is not labelled `application/json`.", body = ErrorBody),
        (status = 422, description = "The body is JSON without a `source` string.", body = ErrorBody),
    )
)]
pub(crate) async fn check(
    State(state): State<AppState>,
    Json(request): Json<PolicyCheckRequest>,
) -> Json<PolicyCheckResult> {
    Json(
        match Policy::from_toml(&request.source, state.calendars()) {
            Ok(policy) => PolicyCheckResult {
                valid: true,
                policy: Some(policy.id.to_string()),
                version: Some(policy.version),
                mistakes: Vec::new(),
            },
            Err(mistakes) => PolicyCheckResult {
                valid: false,
                policy: None,
                version: None,
                mistakes: mistakes
                    .into_iter()
                    .map(|d| Mistake {
                        line: d.line,
                        column: d.column,
                        message: d.message,
                        hint: d.hint,
                    })
                    .collect(),
            },
        },
    )
}

/// The latest version of the policy `id`, or a 404 listing the policies
/// there are.
fn find<'a>(policies: &'a Policies, id: &str) -> Result<&'a Policy, ApiError> {
    let wanted = id.parse::<PolicyId>().ok();
    policies
        .iter()
        .filter(|p| Some(&p.id) == wanted.as_ref())
        .max_by_key(|p| p.version)
        .ok_or_else(|| {
            let mut known: Vec<&str> = policies.iter().map(|p| p.id.as_str()).collect();
            known.dedup();
            ApiError::NotFound {
                code: "unknown_policy",
                message: format!(
                    "there is no policy `{id}`: the policies are {}",
                    known.join(", ")
                ),
            }
        })
}

/// The track named `id`, or the policy's first; an unknown one is a 400
/// naming the tracks there are.
fn find_track<'a>(policy: &'a Policy, id: Option<&str>) -> Result<&'a Track, ApiError> {
    let Some(id) = id else {
        return Ok(policy.default_track());
    };
    id.parse::<TrackId>()
        .ok()
        .and_then(|track| policy.track(&track))
        .ok_or_else(|| {
            let known: Vec<&str> = policy.tracks.iter().map(|t| t.id.as_str()).collect();
            ApiError::invalid_parameter(
                "track",
                format!(
                    "{} has no track `{id}`: its tracks are {}",
                    policy.id,
                    known.join(", ")
                ),
            )
        })
}

/// The years a timeline may start in: those the calendars compute working
/// days for, less a year's margin for the later stages' deadlines.
const RAISED_YEARS: std::ops::RangeInclusive<i16> = 1970..=2199;

/// `raised` as UK local time or as an RFC 3339 instant.
fn parse_raised(raised: Option<&str>, zone: &TimeZone) -> Result<Timestamp, ApiError> {
    let how = "as YYYY-MM-DDTHH:MM in UK time, like 2027-12-23T10:00, or as an RFC 3339 instant, like 2027-12-23T10:00:00Z";
    let Some(text) = raised.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(ApiError::invalid_parameter(
            "raised",
            format!("say when the disagreement was raised with `raised`, {how}"),
        ));
    };
    let instant = text.parse::<Timestamp>().ok().or_else(|| {
        text.parse::<DateTime>()
            .ok()
            .and_then(|local| local.to_zoned_datetime(zone.clone()).ok())
            .map(|zoned| zoned.timestamp())
    });
    let Some(instant) = instant else {
        return Err(ApiError::invalid_parameter(
            "raised",
            format!("`{text}` is not a date and time: write it {how}"),
        ));
    };
    if !RAISED_YEARS.contains(&instant.to_zoned_datetime(zone.clone()).year()) {
        return Err(ApiError::invalid_parameter(
            "raised",
            format!(
                "`{text}` is outside the years Accord counts working days for: give a time from {} to {}",
                RAISED_YEARS.start(),
                RAISED_YEARS.end()
            ),
        ));
    }
    Ok(instant)
}
