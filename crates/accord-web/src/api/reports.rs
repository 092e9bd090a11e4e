//! The report to the board (issue 15 §3): the partnership's figures over a
//! quarter or a year, anonymised ([`accord_insight::anonymise`]: no count
//! of 1 to 4, no median of fewer than 5 cases, nothing to work back by
//! subtraction), with the learning recorded by theme and what changed
//! because of it, and the business manager's narrative. A report is made
//! once, from the insight figures ([`figures`]), and kept as issued: its
//! [`ReportContent`] is stored as it was shown, names and all, and every
//! rendering of it (the page, the PDF, the CSV and the JSON) reads the same
//! [`sections`] of the stored content, never the cases again.
//!
//! It names no child and holds no free text of a case: the figures count
//! cases, and the names it keeps are of stages, agencies, areas and
//! learning themes.
//!
//! The API serves an issued report as JSON
//! (`GET /api/v1/partnerships/{id}/reports/{number}`) and as CSV
//! (`…/reports/{number}/report.csv`), to whoever
//! [`access::may_read_board_reports`].

use std::collections::BTreeMap;

use accord_insight::{Anonymised, Period, Shown, anonymise};
use accord_policy::StageNumber;
use accord_store::BoardReport;
use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use jiff::Timestamp;

use super::insight::{InsightQuery, figures};
use crate::{
    ApiError, AppState, ErrorBody, access,
    auth::Principal,
    extract::{Json, Path},
    pages::learning_log::{LOG_EVENTS, Logged, logged},
};

/// What an issued report shows, stored as it was issued, so that a later
/// case, correction or rename changes nothing the board was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReportContent {
    /// The partnership's name, as it was.
    pub(crate) partnership: String,
    /// Who issued it: their name and agency, as they were.
    pub(crate) issued_by: String,
    /// The figures, anonymised: each count a whole number (0, or 5 or
    /// more), `fewer than 5`, or `withheld`.
    pub(crate) figures: Anonymised,
    /// The words for what the figures count, as they were.
    pub(crate) names: Names,
    /// What changed because of the learning, theme by theme.
    pub(crate) what_changed: WhatChanged,
}

/// The words for the stages, agencies, areas and themes the figures count,
/// by their ids, as they stood when the report was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Names {
    /// Each stage's name, by its number.
    pub(crate) stages: BTreeMap<u8, String>,
    /// Each agency's name, by its id.
    pub(crate) agencies: BTreeMap<String, String>,
    /// Each area of disagreement's words, by its id.
    pub(crate) areas: BTreeMap<String, String>,
    /// Each learning theme's words, by its id.
    pub(crate) themes: BTreeMap<String, String>,
}

impl Names {
    fn stage(&self, stage: StageNumber) -> String {
        self.stages
            .get(&stage.get())
            .cloned()
            .unwrap_or_else(|| format!("Stage {}", stage.get()))
    }

    fn of(map: &BTreeMap<String, String>, id: &str) -> String {
        map.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}

/// What changed because of the learning recorded in the period (issue 15
/// §3: "the learning log's themes and what changed because of them"): for
/// each theme, the learning recorded under it, and its follow-up actions
/// done and still open.
///
/// This is the one place a report says what changed. The learning log's
/// follow-up actions (an owner, a due date, done) fill in
/// [`ThemeChange::follow_ups`]; until they are recorded a theme carries
/// its count of learning alone, and the report says that no follow-up is
/// recorded yet rather than showing a count of none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct WhatChanged {
    /// Each theme with learning recorded in the period.
    pub(crate) themes: Vec<ThemeChange>,
}

/// What changed because of one learning theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct ThemeChange {
    /// The theme's id in the policy.
    pub(crate) theme: String,
    /// The learning recorded under it in the period.
    pub(crate) recorded: Shown,
    /// Its follow-up actions, once the learning log records them.
    pub(crate) follow_ups: Option<FollowUps>,
}

/// The follow-up actions of a theme's learning, anonymised as every count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub(crate) struct FollowUps {
    /// Done by the end of the period.
    pub(crate) done: Shown,
    /// Still open at the end of the period.
    pub(crate) open: Shown,
}

impl WhatChanged {
    /// What changed: for each theme the anonymised `figures` count, the
    /// follow-ups of the learning recorded under it in the period (from
    /// `start` to before `end`) that were done by `end`, and those still
    /// open then, from the learning log's `logged`.
    fn of(
        figures: &Anonymised,
        logged: &[Logged],
        start: Timestamp,
        end: Timestamp,
    ) -> WhatChanged {
        WhatChanged {
            themes: figures
                .learning_themes
                .iter()
                .map(|t| {
                    let follow_ups = logged
                        .iter()
                        .filter(|l| l.theme == t.of && l.at >= start && l.at < end)
                        .flat_map(|l| &l.follow_ups)
                        .filter(|f| f.agreed_at < end);
                    let (mut done, mut open) = (0, 0);
                    for f in follow_ups {
                        match f.done {
                            Some((at, _)) if at < end => done += 1,
                            _ => open += 1,
                        }
                    }
                    ThemeChange {
                        theme: t.of.to_string(),
                        recorded: t.count,
                        follow_ups: Some(FollowUps::shown(done, open)),
                    }
                })
                .collect(),
        }
    }
}

impl FollowUps {
    /// `done` and `open`, anonymised as the report's other counts are: 1
    /// to 4 reads "fewer than 5", and one hidden beside one shown (not 0)
    /// hides that one too, so neither is worked back from the other.
    fn shown(done: u32, open: u32) -> FollowUps {
        let one = |n: u32| {
            if (1..5).contains(&n) {
                Shown::FewerThanFive
            } else {
                Shown::Count(n)
            }
        };
        let (mut done, mut open) = (one(done), one(open));
        let hidden = |s: Shown| s == Shown::FewerThanFive;
        let shown_above_zero = |s: Shown| matches!(s, Shown::Count(n) if n > 0);
        if hidden(done) && shown_above_zero(open) {
            open = Shown::Withheld;
        } else if hidden(open) && shown_above_zero(done) {
            done = Shown::Withheld;
        }
        FollowUps { done, open }
    }
}

/// The report of the days `query` asks about (no filter: a report is of
/// the whole partnership), as `principal` would issue it: a 403 for
/// anyone but the partnership team and administrators.
pub(crate) async fn prepare(
    state: &AppState,
    principal: &Principal,
    query: &InsightQuery,
) -> Result<ReportContent, ApiError> {
    if !access::may_issue_board_report(&principal.person) {
        return Err(ApiError::Forbidden {
            code: "not_for_your_role",
            message: "reports to the board are prepared and issued by the partnership team and \
                      administrators"
                .to_owned(),
        });
    }
    let asked = InsightQuery {
        from: query.from.clone(),
        to: query.to.clone(),
        ..InsightQuery::default()
    };
    let partnership = principal.partnership().to_owned();
    let answered = figures(state, principal, &partnership, &asked).await?;
    let shown = anonymise(&answered.insight);
    let calendar = state.calendar_of(&answered.policy)?;
    let period = &answered.insight.question.period;
    let logged = logged(&state.store().histories_of(&partnership, LOG_EVENTS).await?);
    let mut names = Names::default();
    let stages = shown
        .stage_reached
        .iter()
        .chain(&shown.resolved_at_stage)
        .chain(&shown.breaches_by_stage)
        .map(|s| s.of)
        .chain(shown.time_at_stage.iter().map(|s| s.stage));
    for stage in stages {
        names.stages.insert(stage.get(), answered.stage_name(stage));
    }
    let agencies = shown
        .breaches_by_agency
        .iter()
        .map(|a| &a.of)
        .chain(shown.matrix.iter().flat_map(|p| [&p.raising, &p.other]));
    for agency in agencies {
        names
            .agencies
            .insert(agency.to_string(), answered.agency_name(agency));
    }
    for area in &shown.areas {
        names.areas.insert(
            area.of.to_string(),
            crate::pages::capitalised(&answered.area_name(&area.of)),
        );
    }
    for theme in &shown.learning_themes {
        names.themes.insert(
            theme.of.to_string(),
            crate::pages::capitalised(&answered.theme_name(&theme.of)),
        );
    }
    let partnership = super::partnerships::own(state, principal, &partnership).await?;
    Ok(ReportContent {
        partnership: partnership.name,
        issued_by: format!(
            "{} ({})",
            principal.person.name,
            answered.agency_name(&principal.person.agency)
        ),
        what_changed: WhatChanged::of(
            &shown,
            &logged,
            period.start(calendar),
            period.end(calendar),
        ),
        figures: shown,
        names,
    })
}

/// Report `number` of partnership `id`, as issued, if `principal` may
/// read it: a 404 for another partnership or a report it has not issued,
/// a 403 for someone of it who may not read reports.
pub(crate) async fn issued(
    state: &AppState,
    principal: &Principal,
    id: &str,
    number: &str,
) -> Result<(BoardReport, ReportContent), ApiError> {
    let partnership = super::partnerships::own(state, principal, id).await?;
    let policy = state.current_policy(&partnership.policy).await?;
    if !access::may_read_board_reports(&principal.person, &policy) {
        return Err(ApiError::Forbidden {
            code: "not_for_your_role",
            message:
                "reports to the board are for the partnership team, the chair, the groups the \
                      policy forwards learning to and \
                      administrators"
                    .to_owned(),
        });
    }
    let not_found = || ApiError::NotFound {
        code: "unknown_report",
        message: format!(
            "{} has issued no report numbered `{number}`",
            partnership.name
        ),
    };
    let number: u32 = number.parse().map_err(|_| not_found())?;
    let report = state
        .store()
        .board_report(&partnership.id, number)
        .await?
        .ok_or_else(not_found)?;
    let content: ReportContent =
        serde_json::from_str(&report.content).map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok((report, content))
}

/// One part of a report: a heading, a table, and for a single column of
/// counts the bars of its chart. The page, the PDF and the CSV all draw
/// these, so they cannot differ.
pub(crate) struct Section {
    /// Unique in the report, for the page's ids.
    pub(crate) id: &'static str,
    /// Its heading.
    pub(crate) heading: &'static str,
    /// What it counts, in a sentence; may be empty.
    pub(crate) note: &'static str,
    /// The table's column headings, the first naming the rows.
    pub(crate) columns: Vec<String>,
    /// Each row: what it is of, and a cell for each other column.
    pub(crate) rows: Vec<(String, Vec<String>)>,
    /// The chart's bars (label and count), where it has one.
    pub(crate) bars: Option<Vec<(String, Shown)>>,
}

impl Section {
    fn counts(
        id: &'static str,
        heading: &'static str,
        note: &'static str,
        [of, unit]: [&'static str; 2],
        rows: Vec<(String, Shown)>,
    ) -> Section {
        Section {
            id,
            heading,
            note,
            columns: vec![of.to_owned(), unit.to_owned()],
            rows: rows
                .iter()
                .map(|(label, n)| (label.clone(), vec![n.to_string()]))
                .collect(),
            bars: Some(rows),
        }
    }
}

/// The trend table's columns after its first.
const TREND_COLUMNS: [&str; 6] = [
    "Raised",
    "Resolved",
    "Withdrawn",
    "Open at the end",
    "Deadlines breached",
    "Median working days to resolution",
];

fn trend_rows(
    trends: &[accord_insight::TrendShown],
    label: impl Fn(&str) -> String,
) -> Vec<(String, Vec<String>)> {
    trends
        .iter()
        .map(|t| {
            (
                label(&t.label),
                vec![
                    t.counts.raised.to_string(),
                    t.counts.resolved.to_string(),
                    t.counts.withdrawn.to_string(),
                    t.counts.open_at_end.to_string(),
                    t.breaches.to_string(),
                    t.time_to_resolution.median.to_string(),
                ],
            )
        })
        .collect()
}

/// A month's name: "2025-04" as "April 2025".
fn month_words(label: &str) -> String {
    format!("{label}-01")
        .parse::<jiff::civil::Date>()
        .map_or_else(|_| label.to_owned(), |d| d.strftime("%B %Y").to_string())
}

/// A quarter's name: "2025-04 to 2025-06" as "April to June 2025".
fn quarter_words(label: &str) -> String {
    let Some((from, to)) = label.split_once(" to ") else {
        return label.to_owned();
    };
    let month = |m: &str, format: &str| {
        format!("{m}-01")
            .parse::<jiff::civil::Date>()
            .map(|d| d.strftime(format).to_string())
    };
    match (month(from, "%B"), month(to, "%B %Y")) {
        (Ok(from), Ok(to)) => format!("{from} to {to}"),
        _ => label.to_owned(),
    }
}

/// Every part of the report's figures, in the order the board reads them.
pub(crate) fn sections(content: &ReportContent) -> Vec<Section> {
    let f = &content.figures;
    let n = &content.names;
    let c = f.counts;
    let stage_rows = |of: &[accord_insight::Counted<StageNumber>]| -> Vec<(String, Shown)> {
        of.iter().map(|s| (n.stage(s.of), s.count)).collect()
    };
    let o = f.outcomes;
    let times = std::iter::once((
        "From raising to resolution".to_owned(),
        f.time_to_resolution,
    ))
    .chain(
        f.time_at_stage
            .iter()
            .map(|s| (format!("At {}", n.stage(s.stage)), s.time)),
    )
    .map(|(of, t)| {
        (
            of,
            vec![t.cases.to_string(), t.median.to_string(), t.p90.to_string()],
        )
    })
    .collect();
    let mut raising: Vec<&str> = f.matrix.iter().map(|p| p.raising.as_str()).collect();
    raising.dedup();
    let mut others: Vec<&str> = f.matrix.iter().map(|p| p.other.as_str()).collect();
    others.sort_unstable();
    others.dedup();
    let matrix = Section {
        id: "matrix",
        heading: "Who disagrees with whom",
        note: "Disagreements raised in the period: the agency that raised each (rows) and the \
               agency whose decision it disputes (columns).",
        columns: std::iter::once("Raised by".to_owned())
            .chain(
                others
                    .iter()
                    .map(|x| format!("About {}", Names::of(&n.agencies, x))),
            )
            .collect(),
        rows: raising
            .iter()
            .map(|r| {
                (
                    Names::of(&n.agencies, r),
                    others
                        .iter()
                        .map(|x| {
                            f.matrix
                                .iter()
                                .find(|p| p.raising.as_str() == *r && p.other.as_str() == *x)
                                .map_or(Shown::Count(0), |p| p.count)
                                .to_string()
                        })
                        .collect(),
                )
            })
            .collect(),
        bars: None,
    };
    let follow_ups = content
        .what_changed
        .themes
        .iter()
        .any(|t| t.follow_ups.is_some());
    let what_changed = Section {
        id: "what-changed",
        heading: "What changed because of the learning",
        note: if follow_ups {
            "For each theme, the learning recorded in the period, and its follow-up actions done \
             and still open at the period's end."
        } else {
            "For each theme, the learning recorded in the period. No follow-up actions are \
             recorded against this learning yet."
        },
        columns: if follow_ups {
            vec![
                "Theme".to_owned(),
                "Learning recorded".to_owned(),
                "Follow-up actions done".to_owned(),
                "Follow-up actions open".to_owned(),
            ]
        } else {
            vec!["Theme".to_owned(), "Learning recorded".to_owned()]
        },
        rows: content
            .what_changed
            .themes
            .iter()
            .map(|t| {
                let mut cells = vec![t.recorded.to_string()];
                if follow_ups {
                    match t.follow_ups {
                        Some(u) => cells.extend([u.done.to_string(), u.open.to_string()]),
                        None => cells.extend(["0".to_owned(), "0".to_owned()]),
                    }
                }
                (Names::of(&n.themes, &t.theme), cells)
            })
            .collect(),
        bars: Some(
            content
                .what_changed
                .themes
                .iter()
                .map(|t| (Names::of(&n.themes, &t.theme), t.recorded))
                .collect(),
        ),
    };
    vec![
        Section::counts(
            "counts",
            "Disagreements in the period",
            "Raised, resolved and withdrawn count those raised, resolved or withdrawn within the \
             period; open counts those still being worked at its first and last moment.",
            ["Disagreements", "How many"],
            vec![
                ("Raised".to_owned(), c.raised),
                ("Resolved".to_owned(), c.resolved),
                ("Withdrawn".to_owned(), c.withdrawn),
                ("Open at the start".to_owned(), c.open_at_start),
                ("Open at the end".to_owned(), c.open_at_end),
            ],
        ),
        Section {
            id: "quarters",
            heading: "Each quarter",
            note: "",
            columns: std::iter::once("Quarter")
                .chain(TREND_COLUMNS)
                .map(str::to_owned)
                .collect(),
            rows: trend_rows(&f.quarters, quarter_words),
            bars: None,
        },
        Section {
            id: "months",
            heading: "Each month",
            note: "",
            columns: std::iter::once("Month")
                .chain(TREND_COLUMNS)
                .map(str::to_owned)
                .collect(),
            rows: trend_rows(&f.months, month_words),
            bars: Some(
                f.months
                    .iter()
                    .map(|m| (month_words(&m.label), m.counts.raised))
                    .collect(),
            ),
        },
        Section {
            id: "times",
            heading: "How long disagreements took",
            note: "In working days. The median is the middle time; nine in ten took no longer \
                   than the 90th percentile. Neither is shown for fewer than 5 cases.",
            columns: ["Time", "Measured", "Median", "90th percentile"]
                .map(str::to_owned)
                .to_vec(),
            rows: times,
            bars: None,
        },
        matrix,
        Section::counts(
            "stage-reached",
            "Highest stage reached",
            "",
            ["Stage", "Disagreements raised in the period"],
            stage_rows(&f.stage_reached),
        ),
        Section::counts(
            "resolved-at",
            "Stage resolved at",
            "",
            ["Stage", "Disagreements resolved in the period"],
            stage_rows(&f.resolved_at_stage),
        ),
        Section::counts(
            "outcomes",
            "Outcomes",
            "",
            ["Outcome", "Disagreements"],
            vec![
                ("Agreed".to_owned(), o.agreed),
                ("Decided".to_owned(), o.decided),
                ("By a Resolution Panel".to_owned(), o.panel),
                ("Without agreement".to_owned(), o.without_agreement),
                ("Withdrawn".to_owned(), o.withdrawn),
            ],
        ),
        Section::counts(
            "areas",
            "Areas of disagreement",
            "",
            ["Area", "Disagreements raised"],
            f.areas
                .iter()
                .map(|a| (Names::of(&n.areas, a.of.as_str()), a.count))
                .collect(),
        ),
        Section::counts(
            "breaches-by-stage",
            "Deadlines breached, by stage",
            "",
            ["Stage", "Deadlines breached"],
            stage_rows(&f.breaches_by_stage),
        ),
        Section::counts(
            "breaches-by-agency",
            "Deadlines breached, by agency",
            "A stage's deadline is both agencies' to meet, so each breach counts for each.",
            ["Agency", "Deadlines breached on its cases"],
            f.breaches_by_agency
                .iter()
                .map(|a| (Names::of(&n.agencies, a.of.as_str()), a.count))
                .collect(),
        ),
        Section::counts(
            "immediate-risk",
            "Immediate risk",
            "",
            ["Raised", "Disagreements"],
            vec![
                (
                    "With a child at immediate risk".to_owned(),
                    f.immediate_risk.raised,
                ),
                (
                    "Of those, started above Stage 1".to_owned(),
                    f.immediate_risk.started_above_first_stage,
                ),
            ],
        ),
        what_changed,
    ]
}

/// A day as the report writes it: "1 April 2026".
pub(crate) fn day(d: jiff::civil::Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

/// The period in words: "1 April 2026 to 30 June 2026".
pub(crate) fn period_words(period: &Period) -> String {
    format!("{} to {}", day(period.from), day(period.to))
}

/// An issued report, as the API answers it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IssuedReport {
    /// Its number in the partnership, from 1.
    pub(crate) number: u32,
    /// The days it covers.
    pub(crate) period: Period,
    /// When it was issued.
    #[schema(value_type = String, format = DateTime)]
    pub(crate) issued_at: jiff::Timestamp,
    /// The business manager's narrative, as written.
    pub(crate) narrative: String,
    /// What it shows.
    #[serde(flatten)]
    pub(crate) content: ReportContent,
}

/// An issued report to the board, as it was issued: its anonymised figures
/// (no count of 1 to 4: each is `fewer than 5`; a count that would give
/// one away by subtraction is `withheld`; no median or 90th percentile of
/// fewer than 5 cases), the names of what they count, the learning by
/// theme and what changed because of it, the narrative, and who issued it
/// and when.
#[utoipa::path(
    get,
    path = "/api/v1/partnerships/{id}/reports/{number}",
    operation_id = "showReport",
    tag = "insight",
    params(
        ("id" = String, Path, description = "Your partnership's id, such as `havering`."),
        ("number" = u32, Path, description = "The report's number in your partnership, from 1."),
    ),
    responses(
        (status = 200, description = "The report, as issued.", body = IssuedReport),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read, or you are not of the partnership team, a chair or an administrator.", body = ErrorBody),
        (status = 404, description = "Not your partnership, or no such report.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn report(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<IssuedReport>, ApiError> {
    let (report, content) = issued(&state, &principal, &id, &number).await?;
    Ok(Json(IssuedReport {
        number: report.number,
        period: content.figures.question.period,
        issued_at: report.issued_at,
        narrative: report.narrative,
        content,
    }))
}

/// An issued report's figures as CSV, one a row, anonymised as the report
/// is: the columns are `figure` (the part of the report), `of` (its row),
/// `by` (its column, where it has more than one) and `value` (a count, or
/// `fewer than 5`, or `withheld`; or working days).
#[utoipa::path(
    get,
    path = "/api/v1/partnerships/{id}/reports/{number}/report.csv",
    operation_id = "downloadReportCsv",
    tag = "insight",
    params(
        ("id" = String, Path, description = "Your partnership's id, such as `havering`."),
        ("number" = u32, Path, description = "The report's number in your partnership, from 1."),
    ),
    responses(
        (status = 200, description = "The report's figures, one a row.", content_type = "text/csv", body = String),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read, or you are not of the partnership team, a chair or an administrator.", body = ErrorBody),
        (status = 404, description = "Not your partnership, or no such report.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn report_csv(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, number)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (report, content) = issued(&state, &principal, &id, &number).await?;
    let body = csv_of(&content).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}.csv\"",
        file_name(&report)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The name a download of `report` takes, without its extension:
/// `report-havering-3`. A partnership id is letters, digits and hyphens.
pub(crate) fn file_name(report: &BoardReport) -> String {
    format!("report-{}-{}", report.partnership, report.number)
}

/// The CSV: a header, then every cell of every section, each safe from
/// being read as a formula.
fn csv_of(content: &ReportContent) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(["figure", "of", "by", "value"])?;
    for s in sections(content) {
        let by_column = s.columns.len() > 2;
        for (of, cells) in &s.rows {
            for (column, value) in s.columns.iter().skip(1).zip(cells) {
                let by = if by_column { column.as_str() } else { "" };
                out.write_record(
                    [s.heading, of, by, value]
                        .iter()
                        .map(|cell| crate::csv_cell::formula_safe(cell)),
                )?;
            }
        }
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use accord_insight::Days;

    use super::*;

    #[test]
    fn quarters_and_months_are_named_in_words() {
        assert_eq!(quarter_words("2026-04 to 2026-06"), "April to June 2026");
        assert_eq!(month_words("2026-01"), "January 2026");
    }

    #[test]
    fn a_time_of_fewer_than_five_cases_says_so() {
        assert_eq!(Days::FewerThanFiveCases.to_string(), "fewer than 5 cases");
    }
}
