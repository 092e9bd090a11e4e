//! The reports to the board (issue 15 §3): `/reports` lists those the
//! partnership issued; `/reports/new` prepares one for a quarter, a year or
//! any days, showing it as the board will see it (anonymised, with its
//! charts) above a box for the business manager's narrative; `POST
//! /reports` issues it, keeping it as issued; `/reports/{number}` shows an
//! issued report, printable, with its PDF (`/reports/{number}/report.pdf`,
//! typeset by [`accord_pdf`]) and its CSV and JSON from the API.
//!
//! The figures and their words are [`crate::api::reports`]'s: the page,
//! the PDF and the downloads all draw its sections of the stored content.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use jiff::civil::Date;
use serde::Deserialize;

use super::{
    Chrome, PageError, Section as NavSection, Viewer,
    extract::{Form, Path, Query},
    form::{Errors, FieldError, Posted, Question},
    html, html_with_status,
    insight::{Chart, DateBoxes, PeriodQuery, chart, date_parts, mistake},
    words,
};
use crate::{
    ApiError, AppState, access,
    api::reports::{
        ReportContent, Section, day, file_name, issued, period_words, prepare, sections,
    },
};

/// What a report says about how it is anonymised, on the page and in the
/// PDF.
const ANONYMISED: &str = "These figures are anonymised. A count of 1 to 4 shows as \u{201c}fewer \
                          than 5\u{201d}, and a count that would let one be worked out from a \
                          total shows as \u{201c}withheld\u{201d}. No median or 90th percentile \
                          is shown for fewer than 5 cases. The report names no child and holds \
                          nothing written on a case.";

/// One part of a report as the page draws it: its table, and its chart.
pub(crate) struct Part {
    pub(crate) s: Section,
    pub(crate) chart: Option<Chart>,
    /// The chart beside the table (a table of one column of counts), or
    /// above it (a wider table).
    pub(crate) side_by_side: bool,
}

fn parts(content: &ReportContent) -> Vec<Part> {
    sections(content)
        .into_iter()
        .map(|s| {
            let chart = s.bars.clone().filter(|b| !b.is_empty()).map(|bars| {
                chart(
                    s.id,
                    s.heading,
                    "",
                    "",
                    bars.into_iter()
                        .map(|(label, n)| (label, n, None))
                        .collect(),
                )
            });
            Part {
                side_by_side: s.columns.len() == 2,
                chart,
                s,
            }
        })
        .collect()
}

/// A period offered at a click.
pub(crate) struct Offer {
    from: Date,
    to: Date,
    pub(crate) text: String,
    pub(crate) href: String,
    pub(crate) current: bool,
}

/// The first day of the quarter `day` is in.
fn quarter_start(day: Date) -> Date {
    let month = (day.month() - 1) / 3 * 3 + 1;
    Date::new(day.year(), month, 1).unwrap_or(day)
}

/// The last four whole quarters and the last two whole financial years
/// (April to March) before `today`.
fn offers(today: Date, chosen: Option<(Date, Date)>) -> (Vec<Offer>, Vec<Offer>) {
    let offer = |from: Date, to: Date, text: String| Offer {
        from,
        to,
        href: format!("/reports/new?from={from}&to={to}"),
        current: chosen == Some((from, to)),
        text,
    };
    let mut quarters = Vec::new();
    let mut start = quarter_start(today);
    for _ in 0..4 {
        let Ok(from) = start.checked_sub(jiff::Span::new().months(3)) else {
            break;
        };
        let to = start.yesterday().unwrap_or(start);
        quarters.push(offer(
            from,
            to,
            format!("{} to {}", from.strftime("%B"), to.strftime("%B %Y")),
        ));
        start = from;
    }
    let mut years = Vec::new();
    let this_year_from = if today.month() >= 4 {
        today.year()
    } else {
        today.year() - 1
    };
    for back in 1..=2 {
        let year = this_year_from - back;
        if let (Ok(from), Ok(to)) = (Date::new(year, 4, 1), Date::new(year + 1, 3, 31)) {
            years.push(offer(
                from,
                to,
                format!("April {year} to March {}", year + 1),
            ));
        }
    }
    (quarters, years)
}

#[derive(Template)]
#[template(path = "report_prepare.html")]
struct PreparePage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    quarters: Vec<Offer>,
    years: Vec<Offer>,
    days: [DateBoxes; 2],
    /// The report as it would be issued, once a period is chosen.
    preview: Option<Preview>,
}

/// A prepared report, before it is issued.
struct Preview {
    period: String,
    from: String,
    to: String,
    anonymised: &'static str,
    parts: Vec<Part>,
    narrative: Vec<Question>,
    csrf_token: String,
}

/// Refuses `viewer` unless they may prepare and issue reports.
async fn may_issue(viewer: &Viewer) -> Result<(), PageError> {
    if access::may_issue_board_report(&viewer.principal.person) {
        return Ok(());
    }
    Err(PageError::new(
        ApiError::Forbidden {
            code: "not_for_your_role",
            message: "reports to the board are prepared and issued by the partnership team and \
                      administrators"
                .to_owned(),
        },
        viewer,
    ))
}

/// Today, in Europe/London.
fn today(state: &AppState) -> Date {
    state.now().to_zoned_datetime(words::uk()).date()
}

/// The narrative's box, with what was typed and what to fix.
fn narrative_question(posted: &Posted, errors: &Errors) -> Question {
    Question::textarea("narrative", "Your narrative for the board", posted)
        .hint(
            "What the figures mean, what has changed and what the partnership will do next. Do \
             not name a child or a professional, or copy anything written on a case: the \
             report is anonymised, and is kept as issued.",
        )
        .checked(errors)
}

/// The prepare page for `query`, with what was `posted` and the
/// `errors` to fix.
async fn prepare_page(
    state: &AppState,
    viewer: &Viewer,
    query: &PeriodQuery,
    posted: &Posted,
    mut errors: Errors,
) -> Result<PreparePage, PageError> {
    let today = today(state);
    // Until a period is chosen, the last whole quarter.
    let last_quarter = offers(today, None).0.into_iter().next();
    let mut asked = query.query();
    if let Some(q) = last_quarter.filter(|_| !query.asked()) {
        asked.from = Some(q.from.to_string());
        asked.to = Some(q.to.to_string());
    }
    let (preview, days) = match prepare(state, &viewer.principal, &asked).await {
        Ok(content) => {
            let period = content.figures.question.period;
            let days = [
                DateBoxes::new("from", date_parts(period.from)),
                DateBoxes::new("to", date_parts(period.to)),
            ];
            let preview = Preview {
                period: period_words(&period),
                from: period.from.to_string(),
                to: period.to.to_string(),
                anonymised: ANONYMISED,
                parts: parts(&content),
                narrative: vec![narrative_question(posted, &errors)],
                csrf_token: viewer.csrf_token().to_owned(),
            };
            (Some(preview), days)
        }
        Err(ApiError::BadRequest {
            field: Some(field),
            message,
            ..
        }) => {
            let mut days = query.typed();
            let message = mistake(&field, &message);
            for d in &mut days {
                if d.name == field {
                    d.error = Some(message.clone());
                }
            }
            errors.add(&field, message);
            (None, days)
        }
        Err(e) => return Err(PageError::new(e, viewer)),
    };
    let chosen = preview
        .as_ref()
        .and_then(|p| Some((p.from.parse::<Date>().ok()?, p.to.parse::<Date>().ok()?)));
    let (quarters, years) = offers(today, chosen);
    let mut chrome = Chrome::new(
        "Prepare a report to the board",
        NavSection::Insight,
        Some(viewer),
    );
    chrome.has_errors = !errors.is_empty();
    Ok(PreparePage {
        chrome,
        errors: errors.0,
        quarters,
        years,
        days,
        preview,
    })
}

/// `GET /reports/new`: choose the period, and see the report as it would
/// be issued.
pub(crate) async fn new(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    may_issue(&viewer).await?;
    let page = prepare_page(
        &state,
        &viewer,
        &query,
        &Posted::default(),
        Errors::default(),
    )
    .await?;
    Ok(html(&page))
}

/// The most characters of a narrative: a page or two for the board.
const MOST_NARRATIVE: usize = 20_000;

/// `POST /reports`: issue the report of the period posted, with its
/// narrative, and keep it as issued. A narrative left out or too long is
/// named in the error summary above the same preview, with what was typed
/// kept.
pub(crate) async fn issue(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    may_issue(&viewer).await?;
    let posted = Posted::from_pairs(pairs);
    let query = PeriodQuery {
        from: posted.get("from").to_owned(),
        to: posted.get("to").to_owned(),
        ..PeriodQuery::default()
    };
    let narrative = posted.get("narrative").trim().replace("\r\n", "\n");
    let mut errors = Errors::default();
    if narrative.is_empty() {
        errors.add(
            "narrative",
            "Enter your narrative for the board: what the figures mean and what will happen next",
        );
    } else if narrative.chars().count() > MOST_NARRATIVE {
        errors.add(
            "narrative",
            format!(
                "The narrative must be {} characters or fewer; it has {}",
                words::thousands(MOST_NARRATIVE),
                words::thousands(narrative.chars().count())
            ),
        );
    }
    let fail = |e: ApiError| PageError::new(e, &viewer);
    let content = match prepare(&state, &viewer.principal, &query.query()).await {
        Ok(content) if errors.is_empty() => content,
        Ok(_) | Err(ApiError::BadRequest { .. }) => {
            let page = prepare_page(&state, &viewer, &query, &posted, errors).await?;
            return Ok(html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(e) => return Err(fail(e)),
    };
    let period = content.figures.question.period;
    let stored =
        serde_json::to_string(&content).map_err(|e| fail(ApiError::Internal(Box::new(e))))?;
    let number = state
        .store()
        .issue_board_report(
            &accord_store::NewBoardReport {
                partnership: viewer.principal.partnership(),
                from: period.from,
                to: period.to,
                narrative: &narrative,
                content: &stored,
            },
            state.now(),
            &accord_store::ChangedBy::Person(viewer.principal.person.id.clone()),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    tracing::info!(report = number, "a report to the board was issued");
    Ok(Redirect::to(&format!("/reports/{number}?done=issued")).into_response())
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ListPage {
    chrome: Chrome,
    may_issue: bool,
    reports: Vec<Listed>,
}

struct Listed {
    number: u32,
    period: String,
    issued: String,
}

/// `GET /reports`: every report the partnership issued, newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let person = &viewer.principal.person;
    // Whoever may see the insight (`access::may_read_board_reports`), as
    // the viewer was read with the partnership's policy.
    if !viewer.sees_insight {
        return Err(PageError::new(
            ApiError::Forbidden {
                code: "not_for_your_role",
                message:
                    "reports to the board are for the partnership team, the chair, the groups the \
                      policy forwards learning to and \
                          administrators"
                        .to_owned(),
            },
            &viewer,
        ));
    }
    let reports = state
        .store()
        .board_reports(viewer.principal.partnership())
        .await
        .map_err(|e| PageError::new(e.into(), &viewer))?;
    let names = words::Names::load(&state, viewer.principal.partnership())
        .await
        .map_err(|e| PageError::new(e, &viewer))?;
    let page = ListPage {
        chrome: Chrome::new("Reports to the board", NavSection::Insight, Some(&viewer)),
        may_issue: access::may_issue_board_report(person),
        reports: reports
            .into_iter()
            .map(|r| Listed {
                number: r.number,
                period: format!("{} to {}", day(r.from), day(r.to)),
                issued: format!(
                    "{}, by {}",
                    words::when(r.issued_at),
                    issuer(&names, &r.issued_by)
                ),
            })
            .collect(),
    };
    Ok(html(&page))
}

/// Who issued a report, by the id the store keeps.
fn issuer(names: &words::Names, id: &str) -> String {
    accord_case::PersonId::parse(id).map_or_else(|_| id.to_owned(), |p| names.person(&p))
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    done: Option<String>,
    partnership: String,
    issued: String,
    printed: String,
    anonymised: &'static str,
    narrative: Vec<Vec<String>>,
    parts: Vec<Part>,
    pdf: String,
    csv: String,
    json: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    done: String,
}

/// Everything an issued report's page and PDF say, for `viewer`.
struct Shown {
    report: accord_store::BoardReport,
    content: ReportContent,
    issued: String,
    printed: String,
}

async fn shown(state: &AppState, viewer: &Viewer, number: &str) -> Result<Shown, PageError> {
    let fail = |e: ApiError| PageError::new(e, viewer);
    let partnership = viewer.principal.partnership();
    let (report, content) = issued(state, &viewer.principal, partnership, number)
        .await
        .map_err(fail)?;
    let names = words::Names::load(state, partnership).await.map_err(fail)?;
    let person = &viewer.principal.person;
    Ok(Shown {
        issued: format!(
            "Report {} to the board, issued by {} on {}",
            report.number,
            content.issued_by,
            words::when(report.issued_at)
        ),
        printed: format!(
            "Printed by {} ({}) on {}",
            person.name,
            names.agency(&person.agency),
            words::when(state.now())
        ),
        report,
        content,
    })
}

/// `GET /reports/{number}`: an issued report, as issued, to read or print.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(number): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let s = shown(&state, &viewer, &number).await?;
    let partnership = viewer.principal.partnership();
    let period = s.content.figures.question.period;
    let page = ReportPage {
        chrome: Chrome::new(
            format!("Report to the board: {}", period_words(&period)),
            NavSection::Insight,
            Some(&viewer),
        ),
        done: (done.done == "issued")
            .then(|| format!("Report {} is issued and kept as it is now", s.report.number)),
        partnership: s.content.partnership.clone(),
        issued: s.issued,
        printed: s.printed,
        anonymised: ANONYMISED,
        narrative: words::paragraphs(&s.report.narrative),
        parts: parts(&s.content),
        pdf: format!("/reports/{}/report.pdf", s.report.number),
        csv: format!(
            "/api/v1/partnerships/{partnership}/reports/{}/report.csv",
            s.report.number
        ),
        json: format!(
            "/api/v1/partnerships/{partnership}/reports/{}",
            s.report.number
        ),
    };
    Ok(html(&page))
}

/// `GET /reports/{number}/report.pdf`: the issued report as a PDF,
/// typeset by [`accord_pdf`] from the same sections as the page.
pub(crate) async fn pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let s = shown(&state, &viewer, &number).await?;
    let name = file_name(&s.report);
    let record = record(&s, &name).map_err(|e| PageError::new(e, &viewer))?;
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| {
        PageError::new(ApiError::Internal(e), &viewer)
    };
    // Typesetting is processor work: off the threads that answer requests.
    let pdf = tokio::task::spawn_blocking(move || accord_pdf::render(&record))
        .await
        .map_err(|e| fail(Box::new(e)))?
        .map_err(|e| fail(Box::new(e)))?;
    let mut response = pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.pdf\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The report as a printed record: the narrative, what anonymised means,
/// then each section's chart and table, as the page draws them.
fn record(s: &Shown, reference: &str) -> Result<accord_pdf::Record, ApiError> {
    use accord_pdf::{Block, Part as PdfPart, Prose, Record};
    let period = s.content.figures.question.period;
    let mut pdf_parts = vec![
        PdfPart {
            heading: "From the business manager".to_owned(),
            note: String::new(),
            blocks: vec![Block::Text {
                text: Prose::new(&s.report.narrative),
            }],
        },
        PdfPart {
            heading: "About these figures".to_owned(),
            note: String::new(),
            blocks: vec![Block::Text {
                text: Prose::new(ANONYMISED),
            }],
        },
    ];
    for part in parts(&s.content) {
        let section = part.s;
        let mut blocks = Vec::new();
        if let Some(chart) = part.chart.filter(|_| !section.rows.is_empty()) {
            let svg = chart
                .standalone_svg()
                .map_err(|e| ApiError::Internal(Box::new(e)))?;
            blocks.push(Block::Chart {
                svg,
                description: chart.description,
            });
        }
        if section.rows.is_empty() {
            blocks.push(Block::Text {
                text: Prose::new("None in this period."),
            });
        } else {
            blocks.push(Block::Table {
                columns: section.columns.clone(),
                rows: section
                    .rows
                    .iter()
                    .map(|(of, cells)| {
                        std::iter::once(Prose::new(of))
                            .chain(cells.iter().map(|c| Prose::new(c)))
                            .collect()
                    })
                    .collect(),
            });
        }
        pdf_parts.push(PdfPart {
            heading: section.heading.to_owned(),
            note: section.note.to_owned(),
            blocks,
        });
    }
    Ok(Record {
        marking: super::case_page::MARKING.to_owned(),
        partnership: s.content.partnership.clone(),
        reference: reference.to_owned(),
        title: format!("Report to the board: {}", period_words(&period)),
        status: s.issued.clone(),
        printed: s.printed.clone(),
        parts: pdf_parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_periods_offered_are_whole_quarters_and_financial_years_before_today() {
        let today: Date = "2026-12-07".parse().unwrap();
        let (quarters, years) = offers(today, None);
        let texts: Vec<&str> = quarters.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "July to September 2026",
                "April to June 2026",
                "January to March 2026",
                "October to December 2025"
            ]
        );
        assert_eq!(
            quarters[0].href,
            "/reports/new?from=2026-07-01&to=2026-09-30"
        );
        let texts: Vec<&str> = years.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(
            texts,
            ["April 2025 to March 2026", "April 2024 to March 2025"]
        );
        // In March, the financial year still running started the April
        // before last.
        let (_, years) = offers("2026-03-15".parse().unwrap(), None);
        assert_eq!(years[0].text, "April 2024 to March 2025");
    }
}
