//! Insight (issue 15 §1): what the partnership learns from its
//! disagreements over a period, as JSON
//! (`GET /api/v1/partnerships/{id}/insight`) and as CSV
//! (`GET /api/v1/partnerships/{id}/insight.csv`), with the period and the
//! filters as query parameters. The figures are `accord-insight`'s, computed
//! from the facts of every case raised in the partnership, which the store
//! keeps beside each case's events (`Store::facts_of`), each defined in the
//! OpenAPI document; the insight page reads the same [`figures`].
//!
//! Who may ask is [`access::may_see_insight`]: the partnership team, the
//! chair, administrators and the holders of the roles of the groups the
//! policy forwards learning to, of their own partnership only.

use std::{collections::HashMap, sync::Arc};

use accord_case::AgencyId;
use accord_insight::{CaseFacts, Filter, Insight, Period, Question, Spread};
use accord_policy::{Policy, StageNumber};
use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    ApiError, AppState, ErrorBody, access,
    auth::Principal,
    extract::{Json, Path, Query},
};

/// The longest period asked about, in years: enough for any board's
/// comparison, and a bound on the months and quarters answered.
const LONGEST_PERIOD_YEARS: i16 = 10;

/// The period and filters, as query parameters.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct InsightQuery {
    /// The period's first day, as YYYY-MM-DD. When left out: the day after
    /// the same date a year before `to`, so the period is a year.
    pub(crate) from: Option<String>,
    /// The period's last day, included, as YYYY-MM-DD. When left out: today,
    /// in Europe/London time.
    pub(crate) to: Option<String>,
    /// Only cases this agency is in, as the raising agency or the agency
    /// whose decision is disputed, such as `hav-police`.
    pub(crate) agency: Option<String>,
    /// Only cases of this area of disagreement, such as `levels-of-need`.
    pub(crate) area: Option<String>,
    /// Only cases on this track, such as `professional`.
    pub(crate) track: Option<String>,
}

/// The figures, with what names them: the policy in force and the
/// partnership's agencies by id.
pub(crate) struct Answered {
    /// The figures.
    pub(crate) insight: Insight,
    /// The partnership's policy, as in force.
    pub(crate) policy: Arc<Policy>,
    /// The partnership's agencies' names, by id.
    pub(crate) agencies: HashMap<AgencyId, String>,
    /// The facts of every case of the partnership the figures were
    /// computed from, for the cases behind a figure.
    pub(crate) facts: Arc<Vec<CaseFacts>>,
}

impl Answered {
    /// An agency's name, or its id if the directory no longer has it.
    pub(crate) fn agency_name(&self, id: &AgencyId) -> String {
        self.agencies
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// A stage's name: the filtered track's own, or on every track the
    /// stage's number alone, since tracks name their stages differently.
    pub(crate) fn stage_name(&self, stage: StageNumber) -> String {
        let track = self
            .insight
            .question
            .filter
            .track
            .as_ref()
            .and_then(|t| self.policy.tracks.iter().find(|x| &x.id == t))
            .or_else(|| (self.policy.tracks.len() == 1).then(|| self.policy.default_track()));
        match track.and_then(|t| t.stage(stage)) {
            Some(s) => format!("Stage {}: {}", stage.get(), s.name),
            None => format!("Stage {}", stage.get()),
        }
    }

    /// An area's words, or its id if the policy no longer lists it.
    pub(crate) fn area_name(&self, id: &accord_policy::AreaId) -> String {
        self.policy
            .areas
            .iter()
            .find(|a| &a.id == id)
            .map_or_else(|| id.to_string(), |a| a.label.clone())
    }

    /// A learning theme's words, or its id if the policy no longer has it.
    pub(crate) fn theme_name(&self, id: &accord_policy::ThemeId) -> String {
        self.policy
            .learning
            .themes
            .iter()
            .find(|t| &t.id == id)
            .map_or_else(|| id.to_string(), |t| t.label.clone())
    }
}

fn bad(field: &str, message: String) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_parameter",
        message,
        field: Some(field.to_owned()),
    }
}

/// Reads the question `query` asks, against the partnership's policy and
/// agencies, with today (Europe/London) as `today`.
fn question(
    query: &InsightQuery,
    today: Date,
    policy: &Policy,
    agencies: &HashMap<AgencyId, String>,
) -> Result<Question, ApiError> {
    let date = |field: &str, value: &Option<String>| -> Result<Option<Date>, ApiError> {
        value
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<Date>().map_err(|_| {
                    bad(
                        field,
                        format!("`{field}` must be a date written YYYY-MM-DD, such as 2025-04-01"),
                    )
                })
            })
            .transpose()
    };
    let to = date("to", &query.to)?.unwrap_or(today);
    let from = match date("from", &query.from)? {
        Some(from) => from,
        None => to
            .checked_sub(jiff::Span::new().years(1))
            .and_then(|d| d.tomorrow())
            .map_err(|_| bad("to", "`to` is too early a date".to_owned()))?,
    };
    let period = Period::new(from, to)
        .ok_or_else(|| bad("to", "`to` must be on or after `from`".to_owned()))?;
    let longest = from
        .checked_add(jiff::Span::new().years(LONGEST_PERIOD_YEARS))
        .unwrap_or(Date::MAX);
    if to >= longest {
        return Err(bad(
            "to",
            format!("ask about at most {LONGEST_PERIOD_YEARS} years at a time"),
        ));
    }
    let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    let agency = match given(&query.agency) {
        Some(a) => Some(
            AgencyId::parse(&a)
                .ok()
                .filter(|id| agencies.contains_key(id))
                .ok_or_else(|| {
                    bad(
                        "agency",
                        format!("there is no agency `{a}` in your partnership"),
                    )
                })?,
        ),
        None => None,
    };
    let area = match given(&query.area) {
        Some(a) => Some(
            policy
                .areas
                .iter()
                .find(|x| x.id.as_str() == a)
                .map(|x| x.id.clone())
                .ok_or_else(|| bad("area", format!("the policy has no area `{a}`")))?,
        ),
        None => None,
    };
    let track = match given(&query.track) {
        Some(t) => Some(
            policy
                .tracks
                .iter()
                .find(|x| x.id.as_str() == t)
                .map(|x| x.id.clone())
                .ok_or_else(|| bad("track", format!("the policy has no track `{t}`")))?,
        ),
        None => None,
    };
    Ok(Question {
        period,
        filter: Filter {
            agency,
            area,
            track,
        },
    })
}

/// The figures `query` asks for, of partnership `id`, if `principal` may
/// see them: a 404 for another partnership (as for one that does not
/// exist), a 403 for someone of it who may not.
pub(crate) async fn figures(
    state: &AppState,
    principal: &Principal,
    id: &str,
    query: &InsightQuery,
) -> Result<Answered, ApiError> {
    let partnership = super::partnerships::own(state, principal, id).await?;
    let policy = state.current_policy(&partnership.policy).await?;
    if !access::may_see_insight(&principal.person, &policy) {
        return Err(ApiError::Forbidden {
            code: "not_for_your_role",
            message: "insight is for the partnership team, the chair, administrators and the \
                      groups the policy forwards learning to"
                .to_owned(),
        });
    }
    let calendar = state.calendar_of(&policy)?;
    let agencies: HashMap<AgencyId, String> = state
        .store()
        .agencies(&partnership.id)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let today = state
        .now()
        .to_zoned_datetime(calendar.time_zone().clone())
        .date();
    let question = question(query, today, &policy, &agencies)?;
    // The facts the store keeps of each case (migration 0016), written
    // with its events, and kept in memory between questions (0019): only
    // the cases written since the last question are read, and no event.
    let facts = state.store().facts_of(&partnership.id).await?;
    let insight = accord_insight::insight(&facts, calendar, &question);
    Ok(Answered {
        insight,
        policy,
        agencies,
        facts,
    })
}

/// The partnership's figures over a period: raised, resolved, withdrawn and
/// open; the stage reached and the stage resolved at; time to resolution
/// and at each stage (median and 90th percentile, in working days);
/// breaches by stage and agency; who disagrees with whom; areas; outcomes;
/// immediate-risk entries; learning themes; and each month and quarter.
/// Each figure's definition is on its field.
#[utoipa::path(
    get,
    path = "/api/v1/partnerships/{id}/insight",
    operation_id = "showInsight",
    tag = "insight",
    params(
        ("id" = String, Path, description = "Your partnership's id, such as `havering`."),
        InsightQuery,
    ),
    responses(
        (status = 200, description = "The figures.", body = Insight),
        (status = 400, description = "A date or filter cannot be read, or names nothing in your partnership.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read, or you are not of the partnership team, a chair, an administrator or a group the policy forwards learning to.", body = ErrorBody),
        (status = 404, description = "Not your partnership.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn insight(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(query): Query<InsightQuery>,
) -> Result<Json<Insight>, ApiError> {
    Ok(Json(
        figures(&state, &principal, &id, &query).await?.insight,
    ))
}

/// The same figures as CSV, one figure a row, for a spreadsheet: the
/// columns are `figure`, `of` (the stage, agency, area, theme, month or
/// quarter it is of, by name), `by` (the second agency of the matrix, or
/// which measure of a time or a month) and `value` (a count, or working
/// days to one decimal place, blank when nothing was measured).
#[utoipa::path(
    get,
    path = "/api/v1/partnerships/{id}/insight.csv",
    operation_id = "downloadInsightCsv",
    tag = "insight",
    params(
        ("id" = String, Path, description = "Your partnership's id, such as `havering`."),
        InsightQuery,
    ),
    responses(
        (status = 200, description = "The figures, one a row.", content_type = "text/csv", body = String),
        (status = 400, description = "A date or filter cannot be read, or names nothing in your partnership.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read, or you are not of the partnership team, a chair, an administrator or a group the policy forwards learning to.", body = ErrorBody),
        (status = 404, description = "Not your partnership.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn insight_csv(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(query): Query<InsightQuery>,
) -> Result<Response, ApiError> {
    let answered = figures(&state, &principal, &id, &query).await?;
    let body = csv_of(&answered).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let period = answered.insight.question.period;
    let name = format!(
        "attachment; filename=\"insight-{id}-{}-to-{}.csv\"",
        period.from, period.to
    );
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// One row of the CSV: figure, of, by, value.
pub(crate) type Row = [String; 4];

/// Working days to one decimal place; blank when none were measured.
pub(crate) fn days(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v:.1}"))
}

/// Every figure of `a` as rows, in the page's order.
pub(crate) fn rows(a: &Answered) -> Vec<Row> {
    let i = &a.insight;
    let mut out: Vec<Row> = Vec::new();
    let mut row = |figure: &str, of: String, by: &str, value: String| {
        out.push([figure.to_owned(), of, by.to_owned(), value]);
    };
    let c = i.counts;
    for (figure, n) in [
        ("Raised", c.raised),
        ("Resolved", c.resolved),
        ("Withdrawn", c.withdrawn),
        ("Open at the start", c.open_at_start),
        ("Open at the end", c.open_at_end),
    ] {
        row(figure, String::new(), "", n.to_string());
    }
    for s in &i.stage_reached {
        row(
            "Highest stage reached",
            a.stage_name(s.stage),
            "",
            s.count.to_string(),
        );
    }
    for s in &i.resolved_at_stage {
        row(
            "Resolved at stage",
            a.stage_name(s.stage),
            "",
            s.count.to_string(),
        );
    }
    let mut spread = |figure: &str, of: String, t: &Spread| {
        row(figure, of.clone(), "cases", t.cases.to_string());
        row(figure, of.clone(), "median working days", days(t.median));
        row(figure, of, "90th percentile working days", days(t.p90));
    };
    spread("Time to resolution", String::new(), &i.time_to_resolution);
    for s in &i.time_at_stage {
        spread("Time at stage", a.stage_name(s.stage), &s.time);
    }
    for s in &i.breaches_by_stage {
        row(
            "Deadlines breached by stage",
            a.stage_name(s.stage),
            "",
            s.count.to_string(),
        );
    }
    for b in &i.breaches_by_agency {
        row(
            "Deadlines breached by agency",
            a.agency_name(&b.agency),
            "",
            b.count.to_string(),
        );
    }
    for p in &i.matrix {
        out.push([
            "Raised by, about".to_owned(),
            a.agency_name(&p.raising),
            a.agency_name(&p.other),
            p.count.to_string(),
        ]);
    }
    for x in &i.areas {
        out.push([
            "Area of disagreement".to_owned(),
            a.area_name(&x.area),
            String::new(),
            x.count.to_string(),
        ]);
    }
    let o = i.outcomes;
    for (of, n) in [
        ("Agreed", o.agreed),
        ("Decided", o.decided),
        ("By a Resolution Panel", o.panel),
        ("Without agreement", o.without_agreement),
        ("Withdrawn", o.withdrawn),
    ] {
        out.push([
            "Outcome".to_owned(),
            of.to_owned(),
            String::new(),
            n.to_string(),
        ]);
    }
    out.push([
        "Immediate risk".to_owned(),
        "Raised with a subject at immediate risk".to_owned(),
        String::new(),
        i.immediate_risk.raised.to_string(),
    ]);
    out.push([
        "Immediate risk".to_owned(),
        "Started above the first stage".to_owned(),
        String::new(),
        i.immediate_risk.started_above_first_stage.to_string(),
    ]);
    for t in &i.learning_themes {
        out.push([
            "Learning theme".to_owned(),
            a.theme_name(&t.theme),
            String::new(),
            t.count.to_string(),
        ]);
    }
    for (figure, trends) in [("Month", &i.months), ("Quarter", &i.quarters)] {
        for t in trends {
            for (by, value) in [
                ("raised", t.counts.raised.to_string()),
                ("resolved", t.counts.resolved.to_string()),
                ("withdrawn", t.counts.withdrawn.to_string()),
                ("open at the end", t.counts.open_at_end.to_string()),
                ("deadlines breached", t.breaches.to_string()),
                (
                    "median working days to resolution",
                    days(t.time_to_resolution.median),
                ),
            ] {
                out.push([figure.to_owned(), t.label.clone(), by.to_owned(), value]);
            }
        }
    }
    out
}

/// The CSV file: a header, then [`rows`], every cell safe from being read
/// as a formula.
fn csv_of(a: &Answered) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(["figure", "of", "by", "value"])?;
    for r in rows(a) {
        out.write_record(r.iter().map(|cell| crate::csv_cell::formula_safe(cell)))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}
