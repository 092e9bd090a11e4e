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

use accord_case::AgencyId;
use accord_insight::{Figure, cases_behind};
use accord_policy::{ResolutionRoute, StageNumber};
use accord_store::{CaseSearch, RegisterEntry};

use super::{
    Chrome, PageError, Section, Viewer,
    extract::Query,
    form::FieldError,
    html,
    register_page::Choice,
    search::{ResultRow, result_rows},
    words,
};
use crate::{
    ApiError, AppState, access,
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
    /// On the list of cases behind a figure: which figure (see [`figure`]).
    #[serde(default)]
    figure: String,
    /// Which stage, agency, area, route or theme of it.
    #[serde(default)]
    of: String,
    /// The agency disputed, for a cell of the matrix.
    #[serde(default)]
    by: String,
    /// The period: a link's days, or the date boxes'.
    #[serde(flatten)]
    period: PeriodQuery,
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
            agency: given(&self.agency),
            area: given(&self.area),
            track: given(&self.track),
            ..self.period.query()
        }
    }
}

/// The period, as a link or the date boxes give it.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PeriodQuery {
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default, rename = "from-day")]
    pub(crate) from_day: String,
    #[serde(default, rename = "from-month")]
    pub(crate) from_month: String,
    #[serde(default, rename = "from-year")]
    pub(crate) from_year: String,
    #[serde(default)]
    pub(crate) to: String,
    #[serde(default, rename = "to-day")]
    pub(crate) to_day: String,
    #[serde(default, rename = "to-month")]
    pub(crate) to_month: String,
    #[serde(default, rename = "to-year")]
    pub(crate) to_year: String,
}

impl PeriodQuery {
    pub(crate) fn query(&self) -> InsightQuery {
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        InsightQuery {
            from: given(&self.from)
                .or_else(|| boxes(&self.from_day, &self.from_month, &self.from_year)),
            to: given(&self.to).or_else(|| boxes(&self.to_day, &self.to_month, &self.to_year)),
            ..InsightQuery::default()
        }
    }

    pub(crate) fn asked(&self) -> bool {
        self.query().from.is_some() || self.query().to.is_some()
    }

    /// The days as typed, to put right: a link's, or the boxes'.
    pub(crate) fn typed(&self) -> [DateBoxes; 2] {
        let typed = |iso: &str, parts: [&str; 3]| -> [String; 3] {
            if iso.trim().is_empty() {
                parts.map(str::to_owned)
            } else {
                let mut p = iso.trim().splitn(3, '-').map(str::to_owned);
                let [y, m, d] = [p.next(), p.next(), p.next()].map(Option::unwrap_or_default);
                [d, m, y]
            }
        };
        [
            DateBoxes::new(
                "from",
                typed(
                    &self.from,
                    [&self.from_day, &self.from_month, &self.from_year],
                ),
            ),
            DateBoxes::new(
                "to",
                typed(&self.to, [&self.to_day, &self.to_month, &self.to_year]),
            ),
        ]
    }
}

/// A day typed in the GOV.UK date boxes as `YYYY-MM-DD`, for the figures'
/// question to read; `None` when all three are blank. A box that is not a
/// number makes a day that is not a date, so that the page asks for a real
/// one.
pub(crate) fn boxes(day: &str, month: &str, year: &str) -> Option<String> {
    let [day, month, year] = [day, month, year].map(str::trim);
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return None;
    }
    let number = |s: &str| s.parse::<u16>().ok();
    Some(match (number(day), number(month), number(year)) {
        (Some(d), Some(m), Some(y)) => format!("{y:04}-{m:02}-{d:02}"),
        _ => format!("{year}-{month}-{day}"),
    })
}

/// One bar of a chart, and its row in the table beside it.
pub(crate) struct Bar {
    /// What it counts, in words.
    pub(crate) label: String,
    /// The label as the chart draws it: cut short where it would not fit
    /// (the table beside it and the chart's description give it whole).
    pub(crate) short: String,
    /// How many, in words: a number, or on the board report "fewer than
    /// 5".
    pub(crate) value: String,
    /// Its length, in SVG units.
    pub(crate) width: String,
    /// Its top, in SVG units.
    pub(crate) y: u32,
    /// Where its label's and value's baseline is.
    pub(crate) text_y: u32,
    /// Where its value is written: just past its end.
    pub(crate) value_x: String,
    /// The cases behind it, for those who may open them.
    pub(crate) link: Option<String>,
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

/// What one bar of a chart draws: how long it is, and what it says.
pub(crate) struct Drawn {
    /// The count its length shows; 0 for a count the board report hides,
    /// so that the bar gives away no more than its words.
    length: u32,
    /// The count in words.
    words: String,
}

impl From<u32> for Drawn {
    fn from(count: u32) -> Drawn {
        Drawn {
            length: count,
            words: count.to_string(),
        }
    }
}

impl From<accord_insight::Shown> for Drawn {
    fn from(shown: accord_insight::Shown) -> Drawn {
        Drawn {
            length: shown.count().unwrap_or(0),
            words: shown.to_string(),
        }
    }
}

/// A bar chart of `rows` (label, count, the cases behind it), beside its
/// table: the insight page's, and the board report's with its hidden
/// counts.
pub(crate) fn chart<V: Into<Drawn>>(
    id: &'static str,
    title: &'static str,
    of: &'static str,
    unit: &'static str,
    rows: Vec<(String, V, Option<String>)>,
) -> Chart {
    let rows: Vec<(String, Drawn, Option<String>)> = rows
        .into_iter()
        .map(|(label, value, link)| (label, value.into(), link))
        .collect();
    let max = rows.iter().map(|r| r.1.length).max().unwrap_or(0).max(1);
    let description = if rows.is_empty() {
        "None in this period.".to_owned()
    } else {
        rows.iter()
            .map(|(label, value, _)| format!("{label}: {}", value.words))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let bars = rows
        .into_iter()
        .zip(0u32..)
        .map(|((label, value, link), i)| {
            let width = f64::from(value.length) / f64::from(max) * BAR_SPACE;
            Bar {
                short: shortened(&label),
                label,
                width: format!("{width:.1}"),
                y: i * ROW + 4,
                text_y: i * ROW + 21,
                value_x: format!("{:.1}", BARS_START + width + 6.0),
                link: link.filter(|_| value.length > 0),
                value: value.words,
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

/// A chart as the page draws it, alone.
#[derive(Template)]
#[template(path = "chart_svg.html")]
struct ChartAlone<'c> {
    c: &'c Chart,
}

impl Chart {
    /// The chart as a standalone SVG document, styled as the page styles
    /// it, for a PDF to place as an image (the board report's).
    pub(crate) fn standalone_svg(&self) -> Result<String, askama::Error> {
        let drawn = ChartAlone { c: self }.render()?;
        Ok(drawn
            .trim()
            .replacen(
                "<svg ",
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" \
             style=\"font-family: sans-serif; font-size: 14px\" ",
                1,
            )
            .replace(
                "class=\"accord-chart__bar\"",
                "class=\"accord-chart__bar\" fill=\"#1d70b8\"",
            )
            .replace(
                "class=\"accord-chart__label\"",
                "class=\"accord-chart__label\" fill=\"#0b0c0c\"",
            )
            .replace(
                "class=\"accord-chart__value\"",
                "class=\"accord-chart__value\" fill=\"#0b0c0c\"",
            ))
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
    pub(crate) link: Option<String>,
}

/// One of the counts at the top.
pub(crate) struct Count {
    pub(crate) label: &'static str,
    pub(crate) value: u32,
    pub(crate) link: Option<String>,
}

/// A cell of the matrix.
pub(crate) struct Cell {
    pub(crate) value: u32,
    pub(crate) link: Option<String>,
}

/// A row of the month or quarter table.
pub(crate) struct TrendRow {
    pub(crate) label: String,
    pub(crate) raised: Cell,
    pub(crate) resolved: Cell,
    pub(crate) withdrawn: Cell,
    pub(crate) open_at_end: Cell,
    pub(crate) breaches: u32,
    pub(crate) median: String,
}

/// The matrix of who disagrees with whom.
pub(crate) struct Matrix {
    /// The agencies disputed, as columns.
    pub(crate) columns: Vec<String>,
    /// Each raising agency and its count against each column.
    pub(crate) rows: Vec<(String, Vec<Cell>)>,
}

#[derive(Template)]
#[template(path = "insight.html")]
struct InsightPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    /// The first and last days' boxes.
    days: [DateBoxes; 2],
    agencies: Vec<Choice>,
    areas: Vec<Choice>,
    tracks: Vec<Choice>,
    period: String,
    filtered: bool,
    csv_link: String,
    /// Whether the reader may read the learning log (issue 15 §2).
    learning_log: bool,
    counts: Vec<Count>,
    months: Chart,
    month_rows: Vec<TrendRow>,
    quarter_rows: Vec<TrendRow>,
    charts: Vec<Chart>,
    times: Vec<TimeRow>,
    matrix: Matrix,
}

/// The rows of the month or quarter table, each count leading (for those
/// who may open cases) to the cases behind it in that month or quarter.
fn trend_rows(
    trends: &[accord_insight::Trend],
    filter: &accord_insight::Filter,
    opens: bool,
) -> Vec<TrendRow> {
    trends
        .iter()
        .map(|t| {
            let asked = question_string(&accord_insight::Question {
                period: t.period,
                filter: filter.clone(),
            });
            let cell = |value: u32, figure: &str| Cell {
                value,
                link: (opens && value > 0)
                    .then(|| format!("/insight/cases?{asked}&figure={figure}")),
            };
            TrendRow {
                label: t.label.clone(),
                raised: cell(t.counts.raised, "raised"),
                resolved: cell(t.counts.resolved, "resolved"),
                withdrawn: cell(t.counts.withdrawn, "withdrawn"),
                open_at_end: cell(t.counts.open_at_end, "open-at-end"),
                breaches: t.breaches,
                median: or_dash(days(t.time_to_resolution.median)),
            }
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

/// The query string of `question`, for links that ask it again.
fn question_string(q: &accord_insight::Question) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.append_pair("from", &q.period.from.to_string());
    out.append_pair("to", &q.period.to.to_string());
    if let Some(a) = &q.filter.agency {
        out.append_pair("agency", a.as_str());
    }
    if let Some(a) = &q.filter.area {
        out.append_pair("area", a.as_str());
    }
    if let Some(t) = &q.filter.track {
        out.append_pair("track", t.as_str());
    }
    out.finish()
}

fn page(viewer: &Viewer, a: &Answered) -> InsightPage {
    let i = &a.insight;
    let q = &i.question;
    let asked = question_string(q);
    let opens = crate::access::may_open_insight_cases(&viewer.principal.person);
    // The address of the cases behind a figure, for those who may open
    // them.
    let link = |figure: &str, of: &str, by: &str| -> Option<String> {
        opens.then(|| {
            let mut out = form_urlencoded::Serializer::new(format!("/insight/cases?{asked}&"));
            out.append_pair("figure", figure);
            if !of.is_empty() {
                out.append_pair("of", of);
            }
            if !by.is_empty() {
                out.append_pair("by", by);
            }
            out.finish()
        })
    };
    let stage_rows = |figure: &str, counts: &[accord_insight::StageCount]| {
        counts
            .iter()
            .map(|s| {
                (
                    a.stage_name(s.stage),
                    s.count,
                    link(figure, &s.stage.get().to_string(), ""),
                )
            })
            .collect::<Vec<_>>()
    };
    let o = i.outcomes;
    let charts = vec![
        chart(
            "stage-reached",
            "Highest stage reached",
            "Stage",
            "Disagreements raised in the period",
            stage_rows("stage-reached", &i.stage_reached),
        ),
        chart(
            "resolved-at",
            "Stage resolved at",
            "Stage",
            "Disagreements resolved in the period",
            stage_rows("resolved-at-stage", &i.resolved_at_stage),
        ),
        chart(
            "outcomes",
            "Outcomes",
            "Outcome",
            "Disagreements",
            vec![
                (
                    "Agreed".to_owned(),
                    o.agreed,
                    link("outcome", "agreement", ""),
                ),
                (
                    "Decided".to_owned(),
                    o.decided,
                    link("outcome", "decision", ""),
                ),
                (
                    "By a Resolution Panel".to_owned(),
                    o.panel,
                    link("outcome", "panel", ""),
                ),
                (
                    "Without agreement".to_owned(),
                    o.without_agreement,
                    link("outcome", "without-agreement", ""),
                ),
                (
                    "Withdrawn".to_owned(),
                    o.withdrawn,
                    link("withdrawn", "", ""),
                ),
            ],
        ),
        chart(
            "areas",
            "Areas of disagreement",
            "Area",
            "Disagreements raised",
            i.areas
                .iter()
                .map(|x| {
                    (
                        super::capitalised(&a.area_name(&x.area)),
                        x.count,
                        link("area", x.area.as_str(), ""),
                    )
                })
                .collect(),
        ),
        chart(
            "breaches-by-stage",
            "Deadlines breached, by stage",
            "Stage",
            "Deadlines breached",
            stage_rows("breached-at-stage", &i.breaches_by_stage),
        ),
        chart(
            "breaches-by-agency",
            "Deadlines breached, by agency",
            "Agency",
            "Deadlines breached on its cases",
            i.breaches_by_agency
                .iter()
                .map(|x| {
                    (
                        a.agency_name(&x.agency),
                        x.count,
                        link("breached-on-agency", x.agency.as_str(), ""),
                    )
                })
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
                    link("immediate-risk", "", ""),
                ),
                (
                    "Of those, started above Stage 1".to_owned(),
                    i.immediate_risk.started_above_first_stage,
                    link("started-above-first-stage", "", ""),
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
                .map(|x| {
                    (
                        super::capitalised(&a.theme_name(&x.theme)),
                        x.count,
                        link("theme", x.theme.as_str(), ""),
                    )
                })
                .collect(),
        ),
    ];
    let mut times = vec![TimeRow {
        of: "From raising to resolution".to_owned(),
        cases: i.time_to_resolution.cases,
        median: or_dash(days(i.time_to_resolution.median)),
        p90: or_dash(days(i.time_to_resolution.p90)),
        link: link("time-to-resolution", "", "").filter(|_| i.time_to_resolution.cases > 0),
    }];
    times.extend(i.time_at_stage.iter().map(|s| TimeRow {
        of: format!("At {}", a.stage_name(s.stage)),
        cases: s.time.cases,
        median: or_dash(days(s.time.median)),
        p90: or_dash(days(s.time.p90)),
        link: link("time-at-stage", &s.stage.get().to_string(), ""),
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
                            let n = i
                                .matrix
                                .iter()
                                .find(|p| &p.raising == r && &p.other == x)
                                .map_or(0, |p| p.count);
                            Cell {
                                value: n,
                                link: link("pair", r.as_str(), x.as_str()).filter(|_| n > 0),
                            }
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
    let day = |d: jiff::civil::Date| d.strftime("%-d %B %Y").to_string();
    let count = |label: &'static str, value: u32, figure: &str| Count {
        label,
        value,
        link: link(figure, "", "").filter(|_| value > 0),
    };
    InsightPage {
        chrome: Chrome::new("Insight", Section::Insight, Some(viewer)),
        errors: Vec::new(),
        days: [
            DateBoxes::new("from", date_parts(q.period.from)),
            DateBoxes::new("to", date_parts(q.period.to)),
        ],
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
        filtered: q.filter != accord_insight::Filter::default(),
        learning_log: access::learning_log_reach(&viewer.principal.person, &a.policy).is_some(),
        csv_link: format!(
            "/api/v1/partnerships/{}/insight.csv?{asked}",
            viewer.principal.partnership(),
        ),
        counts: vec![
            count("Raised", c.raised, "raised"),
            count("Resolved", c.resolved, "resolved"),
            count("Withdrawn", c.withdrawn, "withdrawn"),
            count("Open at the start", c.open_at_start, "open-at-start"),
            count("Open at the end", c.open_at_end, "open-at-end"),
        ],
        months: chart(
            "months",
            "Disagreements raised each month",
            "Month",
            "Raised",
            i.months
                .iter()
                .map(|m| {
                    let asked = question_string(&accord_insight::Question {
                        period: m.period,
                        filter: q.filter.clone(),
                    });
                    (
                        month_words(&m.label),
                        m.counts.raised,
                        opens.then(|| format!("/insight/cases?{asked}&figure=raised")),
                    )
                })
                .collect(),
        ),
        month_rows: trend_rows(&i.months, &q.filter, opens),
        quarter_rows: trend_rows(&i.quarters, &q.filter, opens),
        charts,
        times,
        matrix,
    }
}

/// The insight page. A period or filter that cannot be read (a day that is
/// not a date, a last day before the first, or an address edited by hand)
/// is named in the error summary above the figures of the last year, with
/// the days kept as they were typed.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let partnership = viewer.principal.partnership().to_owned();
    let fail = |e| PageError::new(e, &viewer);
    match figures(&state, &viewer.principal, &partnership, &filters.query()).await {
        Ok(answered) => Ok(html(&page(&viewer, &answered))),
        Err(ApiError::BadRequest {
            field: Some(field),
            message,
            ..
        }) => {
            let answered = figures(
                &state,
                &viewer.principal,
                &partnership,
                &InsightQuery::default(),
            )
            .await
            .map_err(fail)?;
            let mut shown = page(&viewer, &answered);
            // The days as they were typed, to put right.
            shown.days = filters.period.typed();
            let message = mistake(&field, &message);
            for day in &mut shown.days {
                if day.name == field {
                    day.error = Some(message.clone());
                }
            }
            shown.chrome.has_errors = true;
            shown.errors = vec![FieldError { message, field }];
            Ok(html(&shown))
        }
        Err(e) => Err(fail(e)),
    }
}

/// One day of the period, as GOV.UK date boxes: day, month and year.
pub(crate) struct DateBoxes {
    /// `from` or `to`: the day box's id, and the others' prefix.
    pub(crate) name: &'static str,
    pub(crate) legend: &'static str,
    pub(crate) hint: &'static str,
    /// What to put right, if anything.
    pub(crate) error: Option<String>,
    pub(crate) parts: [DatePart; 3],
}

/// One box of a day.
pub(crate) struct DatePart {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) label: &'static str,
    pub(crate) width: &'static str,
    pub(crate) value: String,
}

impl DateBoxes {
    /// The boxes of `name`, showing `values` (day, month, year).
    pub(crate) fn new(name: &'static str, values: [String; 3]) -> DateBoxes {
        let (legend, hint) = if name == "from" {
            ("From", "The first day of the period, for example 1 4 2026")
        } else {
            (
                "To",
                "The last day of the period, included, for example 31 3 2027",
            )
        };
        let [day, month, year] = values;
        let part = |part: &str, label, width, value| DatePart {
            id: if part == "day" {
                name.to_owned()
            } else {
                format!("{name}-{part}")
            },
            name: format!("{name}-{part}"),
            label,
            width,
            value,
        };
        DateBoxes {
            name,
            legend,
            hint,
            error: None,
            parts: [
                part("day", "Day", "govuk-input--width-2", day),
                part("month", "Month", "govuk-input--width-2", month),
                part("year", "Year", "govuk-input--width-4", year),
            ],
        }
    }
}

/// `date` as the GOV.UK date boxes show it: day, month and year.
pub(crate) fn date_parts(date: jiff::civil::Date) -> [String; 3] {
    [
        date.day().to_string(),
        date.month().to_string(),
        date.year().to_string(),
    ]
}

/// What to put right, in the page's words, for the API's `message` about
/// `field`.
pub(crate) fn mistake(field: &str, message: &str) -> String {
    match field {
        "from" => "Enter the first day of the period as a real date".to_owned(),
        "to" if message.contains("after") => {
            "The last day must be the same as or after the first day".to_owned()
        }
        "to" if message.contains("years") => super::capitalised(message),
        "to" => "Enter the last day of the period as a real date".to_owned(),
        _ => super::capitalised(&message.replace('`', "")),
    }
}

/// The figure a link to the cases behind it names: `figure`, and where it
/// has one, the stage, agency, area, route or theme it is `of` and the
/// agency it is `by` (a cell of the matrix). `None` for anything else.
fn figure(f: &Filters) -> Option<Figure> {
    let stage = || f.of.parse::<u8>().ok().and_then(StageNumber::new);
    let agency = |s: &str| AgencyId::parse(s).ok();
    Some(match f.figure.as_str() {
        "raised" => Figure::Raised,
        "resolved" => Figure::Resolved,
        "withdrawn" => Figure::Withdrawn,
        "open-at-start" => Figure::OpenAtStart,
        "open-at-end" => Figure::OpenAtEnd,
        "time-to-resolution" => Figure::TimeToResolution,
        "immediate-risk" => Figure::ImmediateRisk,
        "started-above-first-stage" => Figure::StartedAboveFirstStage,
        "stage-reached" => Figure::StageReached(stage()?),
        "resolved-at-stage" => Figure::ResolvedAtStage(stage()?),
        "time-at-stage" => Figure::TimeAtStage(stage()?),
        "breached-at-stage" => Figure::BreachedAtStage(stage()?),
        "breached-on-agency" => Figure::BreachedOnAgency(agency(&f.of)?),
        "pair" => Figure::Pair(agency(&f.of)?, agency(&f.by)?),
        "area" => Figure::Area(f.of.parse().ok()?),
        "theme" => Figure::Theme(f.of.parse().ok()?),
        "outcome" => Figure::Outcome(match f.of.as_str() {
            "agreement" => ResolutionRoute::Agreement,
            "decision" => ResolutionRoute::Decision,
            "panel" => ResolutionRoute::Panel,
            "without-agreement" => ResolutionRoute::WithoutAgreement,
            _ => return None,
        }),
        _ => return None,
    })
}

/// The figure in words, as the list's heading says it.
fn figure_words(figure: &Figure, a: &Answered) -> String {
    match figure {
        Figure::Raised => "Raised in the period".to_owned(),
        Figure::Resolved => "Resolved in the period".to_owned(),
        Figure::Withdrawn => "Withdrawn in the period".to_owned(),
        Figure::OpenAtStart => "Open at the start of the period".to_owned(),
        Figure::OpenAtEnd => "Open at the end of the period".to_owned(),
        Figure::TimeToResolution => "Resolved in the period, timed from raising".to_owned(),
        Figure::ImmediateRisk => "Raised with a child at immediate risk".to_owned(),
        Figure::StartedAboveFirstStage => {
            "Raised with a child at immediate risk and started above Stage 1".to_owned()
        }
        Figure::StageReached(s) => format!(
            "Raised in the period, reaching {} at most",
            a.stage_name(*s)
        ),
        Figure::ResolvedAtStage(s) => format!("Resolved at {}", a.stage_name(*s)),
        Figure::TimeAtStage(s) => {
            format!("A stay at {} that ended in the period", a.stage_name(*s))
        }
        Figure::BreachedAtStage(s) => format!("A deadline breached at {}", a.stage_name(*s)),
        Figure::BreachedOnAgency(x) => {
            format!("A deadline breached on a case {} is in", a.agency_name(x))
        }
        Figure::Pair(r, o) => format!("Raised by {} about {}", a.agency_name(r), a.agency_name(o)),
        Figure::Area(x) => format!("About {}", a.area_name(x)),
        Figure::Theme(t) => format!("Learning about {}", a.theme_name(t)),
        Figure::Outcome(route) => match route {
            ResolutionRoute::Agreement => "Agreed",
            ResolutionRoute::Decision => "Decided",
            ResolutionRoute::Panel => "Decided by a Resolution Panel",
            ResolutionRoute::WithoutAgreement => "Finalised without agreement",
        }
        .to_owned(),
    }
}

#[derive(Template)]
#[template(path = "insight_cases.html")]
struct CasesPage {
    chrome: Chrome,
    what: String,
    period: String,
    back: String,
    may_open: bool,
    rows: Vec<ResultRow>,
}

/// The cases behind one figure: `GET /insight/cases`, with the insight
/// page's period and filters and the figure (see [`figure`]). Those who
/// may see insight but no case (administrators) are told so; each case
/// listed is one [`access::may_see`] lets the reader see, and the list is
/// written to the search log, and each case shown to the access log, as a
/// search's is.
pub(crate) async fn cases(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| PageError::new(e, &viewer);
    let person = &viewer.principal.person;
    let partnership = viewer.principal.partnership().to_owned();
    let answered = figures(&state, &viewer.principal, &partnership, &filters.query())
        .await
        .map_err(fail)?;
    let Some(figure) = figure(&filters) else {
        return Err(fail(ApiError::BadRequest {
            code: "invalid_parameter",
            message: "the link does not name a figure of the insight page".to_owned(),
            field: Some("figure".to_owned()),
        }));
    };
    let question = &answered.insight.question;
    let calendar = state.calendar_of(&answered.policy).map_err(fail)?;
    let behind = cases_behind(&answered.facts, calendar, question, &figure);
    let may_open = access::may_open_insight_cases(person);
    let mut rows = Vec::new();
    if may_open {
        let mut entries: Vec<RegisterEntry> = state
            .store()
            .search_cases(&partnership, &CaseSearch::default())
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .filter(|e| behind.contains(&e.case))
            .filter(|e| access::may_see(person, access::CaseFacts::of_entry(e, Some(&partnership))))
            .collect();
        entries.sort_by(|a, b| b.raised_at.cmp(&a.raised_at).then(b.case.cmp(&a.case)));
        let names = words::Names::load(&state, &partnership)
            .await
            .map_err(fail)?;
        rows = result_rows(&state, &names, &entries).await.map_err(fail)?;
        let shown: Vec<_> = entries.iter().map(|e| e.case.clone()).collect();
        let asked = serde_json::json!({
            "insight": filters.figure,
            "of": filters.of,
            "by": filters.by,
            "question": question,
        })
        .to_string();
        state
            .store()
            .record_search(&person.id, state.now(), &asked, &shown)
            .await
            .map_err(|e| fail(e.into()))?;
    }
    let day = |d: jiff::civil::Date| d.strftime("%-d %B %Y").to_string();
    let page = CasesPage {
        chrome: Chrome::new("The cases behind a figure", Section::Insight, Some(&viewer)),
        what: figure_words(&figure, &answered),
        period: format!(
            "{} to {}",
            day(question.period.from),
            day(question.period.to)
        ),
        back: format!("/insight?{}", question_string(question)),
        may_open,
        rows,
    };
    Ok(html(&page))
}
