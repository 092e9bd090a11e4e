//! The insight page (issue 15 §1): `GET /insight` shows the partnership's
//! figures over a period, filtered by agency, area and track, for the
//! partnership team, the chair and administrators. Each chart is drawn here
//! as SVG (`role="img"`, with a title and a description), with its figures
//! in a table beside it, and needs no JavaScript. The figures are the API's
//! ([`crate::api::insight::figures`]), so the page, the JSON and the CSV
//! cannot disagree.

use askama::Template;
use axum::{extract::State, response::Response};
use serde::Deserialize;

use super::{Chrome, PageError, Section, Viewer, extract::Query, html, register_page::Choice};
use crate::{
    AppState,
    api::insight::{Answered, InsightQuery, days, figures},
};

/// The widest a chart's bars run, in SVG units.
const BAR_SPACE: f64 = 230.0;
/// Where the bars start: the labels take the room to their left.
const BARS_START: f64 = 190.0;
/// The height of one bar's row.
const ROW: u32 = 28;

/// The form's fields as sent: empty means "any" (or the default period).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    track: String,
}

impl Filters {
    fn query(&self) -> InsightQuery {
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        InsightQuery {
            from: given(&self.from),
            to: given(&self.to),
            agency: given(&self.agency),
            area: given(&self.area),
            track: given(&self.track),
        }
    }
}

/// One bar of a chart, and its row in the table beside it.
pub(crate) struct Bar {
    /// What it counts, in words.
    pub(crate) label: String,
    /// The label as the chart draws it: cut short where it would not fit
    /// (the table beside it and the chart's description give it whole).
    pub(crate) short: String,
    /// How many.
    pub(crate) value: u32,
    /// Its length, in SVG units.
    pub(crate) width: String,
    /// Its top, in SVG units.
    pub(crate) y: u32,
    /// Where its label's and value's baseline is.
    pub(crate) text_y: u32,
    /// Where its value is written: just past its end.
    pub(crate) value_x: String,
}

/// A horizontal bar chart with its table.
pub(crate) struct Chart {
    /// Unique on the page, for `aria-labelledby`.
    pub(crate) id: &'static str,
    /// Its heading.
    pub(crate) title: &'static str,
    /// What it shows, for those who cannot see it.
    pub(crate) description: String,
    /// The table's first column's heading.
    pub(crate) of: &'static str,
    /// The table's count column's heading.
    pub(crate) unit: &'static str,
    /// The bars.
    pub(crate) bars: Vec<Bar>,
    /// The SVG's height.
    pub(crate) height: u32,
}

fn chart(
    id: &'static str,
    title: &'static str,
    of: &'static str,
    unit: &'static str,
    rows: Vec<(String, u32)>,
) -> Chart {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let description = if rows.is_empty() {
        "None in this period.".to_owned()
    } else {
        rows.iter()
            .map(|(label, value)| format!("{label}: {value}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let bars = rows
        .into_iter()
        .zip(0u32..)
        .map(|((label, value), i)| {
            let width = f64::from(value) / f64::from(max) * BAR_SPACE;
            Bar {
                short: shortened(&label),
                label,
                value,
                width: format!("{width:.1}"),
                y: i * ROW + 4,
                text_y: i * ROW + 21,
                value_x: format!("{:.1}", BARS_START + width + 6.0),
            }
        })
        .collect::<Vec<_>>();
    let height = u32::try_from(bars.len()).unwrap_or(0).max(1) * ROW + 8;
    Chart {
        id,
        title,
        description,
        of,
        unit,
        bars,
        height,
    }
}

/// The most characters of a label a chart draws.
const LABEL_CHARS: usize = 24;

fn shortened(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// A row of the time table.
pub(crate) struct TimeRow {
    pub(crate) of: String,
    pub(crate) cases: u32,
    pub(crate) median: String,
    pub(crate) p90: String,
}

/// A row of the month or quarter table.
pub(crate) struct TrendRow {
    pub(crate) label: String,
    pub(crate) raised: u32,
    pub(crate) resolved: u32,
    pub(crate) withdrawn: u32,
    pub(crate) open_at_end: u32,
    pub(crate) breaches: u32,
    pub(crate) median: String,
}

/// The matrix of who disagrees with whom.
pub(crate) struct Matrix {
    /// The agencies disputed, as columns.
    pub(crate) columns: Vec<String>,
    /// Each raising agency and its count against each column.
    pub(crate) rows: Vec<(String, Vec<u32>)>,
}

#[derive(Template)]
#[template(path = "insight.html")]
struct InsightPage {
    chrome: Chrome,
    from: String,
    to: String,
    agencies: Vec<Choice>,
    areas: Vec<Choice>,
    tracks: Vec<Choice>,
    period: String,
    filtered: bool,
    csv_link: String,
    counts: Vec<(&'static str, u32)>,
    months: Chart,
    month_rows: Vec<TrendRow>,
    quarter_rows: Vec<TrendRow>,
    charts: Vec<Chart>,
    times: Vec<TimeRow>,
    matrix: Matrix,
}

fn trend_rows(trends: &[accord_insight::Trend]) -> Vec<TrendRow> {
    trends
        .iter()
        .map(|t| TrendRow {
            label: t.label.clone(),
            raised: t.counts.raised,
            resolved: t.counts.resolved,
            withdrawn: t.counts.withdrawn,
            open_at_end: t.counts.open_at_end,
            breaches: t.breaches,
            median: or_dash(days(t.time_to_resolution.median)),
        })
        .collect()
}

fn or_dash(s: String) -> String {
    if s.is_empty() { "–".to_owned() } else { s }
}

/// A month's name for a chart: "2025-04" as "Apr 2025".
fn month_words(label: &str) -> String {
    format!("{label}-01")
        .parse::<jiff::civil::Date>()
        .map_or_else(|_| label.to_owned(), |d| d.strftime("%b %Y").to_string())
}

fn page(viewer: &Viewer, filters: &Filters, a: &Answered) -> InsightPage {
    let i = &a.insight;
    let q = &i.question;
    let stage_rows = |counts: &[accord_insight::StageCount]| -> Vec<(String, u32)> {
        counts
            .iter()
            .map(|s| (a.stage_name(s.stage), s.count))
            .collect()
    };
    let o = i.outcomes;
    let charts = vec![
        chart(
            "stage-reached",
            "Highest stage reached",
            "Stage",
            "Disagreements raised in the period",
            stage_rows(&i.stage_reached),
        ),
        chart(
            "resolved-at",
            "Stage resolved at",
            "Stage",
            "Disagreements resolved in the period",
            stage_rows(&i.resolved_at_stage),
        ),
        chart(
            "outcomes",
            "Outcomes",
            "Outcome",
            "Disagreements",
            vec![
                ("Agreed".to_owned(), o.agreed),
                ("Decided".to_owned(), o.decided),
                ("By a Resolution Panel".to_owned(), o.panel),
                ("Without agreement".to_owned(), o.without_agreement),
                ("Withdrawn".to_owned(), o.withdrawn),
            ],
        ),
        chart(
            "areas",
            "Areas of disagreement",
            "Area",
            "Disagreements raised",
            i.areas
                .iter()
                .map(|x| (super::capitalised(&a.area_name(&x.area)), x.count))
                .collect(),
        ),
        chart(
            "breaches-by-stage",
            "Deadlines breached, by stage",
            "Stage",
            "Deadlines breached",
            stage_rows(&i.breaches_by_stage),
        ),
        chart(
            "breaches-by-agency",
            "Deadlines breached, by agency",
            "Agency",
            "Deadlines breached on its cases",
            i.breaches_by_agency
                .iter()
                .map(|x| (a.agency_name(&x.agency), x.count))
                .collect(),
        ),
        chart(
            "immediate-risk",
            "Immediate risk",
            "Raised",
            "Disagreements",
            vec![
                (
                    "With a child at immediate risk".to_owned(),
                    i.immediate_risk.raised,
                ),
                (
                    "Of those, started above Stage 1".to_owned(),
                    i.immediate_risk.started_above_first_stage,
                ),
            ],
        ),
        chart(
            "learning",
            "Learning themes",
            "Theme",
            "Learning recorded",
            i.learning_themes
                .iter()
                .map(|x| (super::capitalised(&a.theme_name(&x.theme)), x.count))
                .collect(),
        ),
    ];
    let mut times = vec![TimeRow {
        of: "From raising to resolution".to_owned(),
        cases: i.time_to_resolution.cases,
        median: or_dash(days(i.time_to_resolution.median)),
        p90: or_dash(days(i.time_to_resolution.p90)),
    }];
    times.extend(i.time_at_stage.iter().map(|s| TimeRow {
        of: format!("At {}", a.stage_name(s.stage)),
        cases: s.time.cases,
        median: or_dash(days(s.time.median)),
        p90: or_dash(days(s.time.p90)),
    }));
    let mut raising: Vec<_> = i.matrix.iter().map(|p| p.raising.clone()).collect();
    raising.dedup();
    let mut others: Vec<_> = i.matrix.iter().map(|p| p.other.clone()).collect();
    others.sort();
    others.dedup();
    let matrix = Matrix {
        columns: others.iter().map(|x| a.agency_name(x)).collect(),
        rows: raising
            .iter()
            .map(|r| {
                (
                    a.agency_name(r),
                    others
                        .iter()
                        .map(|x| {
                            i.matrix
                                .iter()
                                .find(|p| &p.raising == r && &p.other == x)
                                .map_or(0, |p| p.count)
                        })
                        .collect(),
                )
            })
            .collect(),
    };
    let mut agencies: Vec<Choice> = a
        .agencies
        .iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            text: name.clone(),
            selected: q.filter.agency.as_ref() == Some(id),
        })
        .collect();
    agencies.sort_by(|x, y| x.text.cmp(&y.text));
    let c = i.counts;
    let query = filters.query();
    let day = |d: jiff::civil::Date| d.strftime("%-d %B %Y").to_string();
    InsightPage {
        chrome: Chrome::new("Insight", Section::Insight, Some(viewer)),
        from: q.period.from.to_string(),
        to: q.period.to.to_string(),
        agencies,
        areas: a
            .policy
            .areas
            .iter()
            .map(|x| Choice {
                value: x.id.to_string(),
                text: super::capitalised(&x.label),
                selected: q.filter.area.as_ref() == Some(&x.id),
            })
            .collect(),
        tracks: a
            .policy
            .tracks
            .iter()
            .map(|t| Choice {
                value: t.id.to_string(),
                text: t.name.clone(),
                selected: q.filter.track.as_ref() == Some(&t.id),
            })
            .collect(),
        period: format!("{} to {}", day(q.period.from), day(q.period.to)),
        filtered: query.agency.is_some() || query.area.is_some() || query.track.is_some(),
        csv_link: format!(
            "/api/v1/partnerships/{}/insight.csv?from={}&to={}{}",
            viewer.principal.partnership(),
            q.period.from,
            q.period.to,
            [
                ("agency", &query.agency),
                ("area", &query.area),
                ("track", &query.track)
            ]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("&{k}={}", encode(v))))
            .collect::<String>()
        ),
        counts: vec![
            ("Raised", c.raised),
            ("Resolved", c.resolved),
            ("Withdrawn", c.withdrawn),
            ("Open at the start", c.open_at_start),
            ("Open at the end", c.open_at_end),
        ],
        months: chart(
            "months",
            "Disagreements raised each month",
            "Month",
            "Raised",
            i.months
                .iter()
                .map(|m| (month_words(&m.label), m.counts.raised))
                .collect(),
        ),
        month_rows: trend_rows(&i.months),
        quarter_rows: trend_rows(&i.quarters),
        charts,
        times,
        matrix,
    }
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The insight page.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let partnership = viewer.principal.partnership().to_owned();
    let answered = figures(&state, &viewer.principal, &partnership, &filters.query())
        .await
        .map_err(|e| PageError::new(e, &viewer))?;
    Ok(html(&page(&viewer, &filters, &answered)))
}
