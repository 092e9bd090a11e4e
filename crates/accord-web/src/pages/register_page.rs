//! The partnership register: `GET /register` lists the open disagreements
//! the reader may see (all of them, for the partnership team and the
//! chair), overdue first, filterable by stage, agency, area and overdue,
//! fifty a page, each page read from the store's register page (issue 18)
//! as the API reads it; `GET /register.csv` is the whole list, with the
//! same filters, as a CSV file for the Business Manager's reports, read a
//! page at a time.

use super::extract::Query;
use accord_store::RegisterEntry;
use askama::Template;
use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use jiff::Timestamp;
use serde::Deserialize;

use super::{Chrome, PageError, Section, Viewer, html, words};
use crate::{
    AppState,
    api::register::{MOST_PAGE, RegisterQuery, overdue, page},
};

/// How many cases a page of the register shows.
const SHOWN: u32 = 50;

/// The filters as the form sends them: empty means "any".
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    overdue: String,
    /// Where the page starts: the last page's `next`.
    #[serde(default)]
    after: String,
}

impl Filters {
    fn query(&self) -> RegisterQuery {
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        RegisterQuery {
            stage: self.stage.trim().parse().ok(),
            agency: given(&self.agency),
            area: given(&self.area),
            overdue: (self.overdue == "yes").then_some(true),
            limit: Some(SHOWN),
            // A place that cannot be read starts from the first page.
            after: given(&self.after).filter(|a| a.parse::<accord_store::RegisterCursor>().is_ok()),
        }
    }

    /// The query string that gives the same list, for the CSV link.
    fn query_string(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("stage", &self.stage)
            .append_pair("agency", &self.agency)
            .append_pair("area", &self.area)
            .append_pair("overdue", &self.overdue)
            .finish()
    }

    /// The link to the page starting after `next`, with the same filters.
    fn next_link(&self, next: &accord_store::RegisterCursor) -> String {
        format!(
            "/register?{}&after={}",
            self.query_string(),
            form_urlencoded::byte_serialize(next.to_string().as_bytes()).collect::<String>()
        )
    }
}

/// One choice of a filter.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) text: String,
    pub(crate) selected: bool,
}

/// One disagreement on the register.
pub(crate) struct RegisterRow {
    pub(crate) id: String,
    pub(crate) stage: String,
    pub(crate) raising: String,
    pub(crate) other: String,
    pub(crate) area: String,
    pub(crate) due: String,
    /// When it was raised and is due, as spreadsheets sort dates, for the
    /// CSV.
    pub(crate) raised_on: String,
    pub(crate) due_on: String,
    pub(crate) overdue: bool,
    pub(crate) status: &'static str,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    chrome: Chrome,
    stages: Vec<Choice>,
    agencies: Vec<Choice>,
    areas: Vec<Choice>,
    overdue_only: bool,
    rows: Vec<RegisterRow>,
    csv_link: String,
    filtered: bool,
    /// Whether this page follows another.
    later: bool,
    /// The link to the next page, if there is one.
    next_link: Option<String>,
    /// The link to the first page, with the same filters.
    first_link: String,
}

/// The rows of `query`'s page `viewer` may see, with what naming them
/// needs, and where the next page starts.
async fn rows(
    state: &AppState,
    viewer: &Viewer,
    query: &RegisterQuery,
    now: Timestamp,
) -> Result<(Vec<RegisterRow>, Option<accord_store::RegisterCursor>), PageError> {
    let fail = |e| PageError::new(e, viewer);
    let principal = &viewer.principal;
    let page = page(state, principal, query, now).await.map_err(fail)?;
    let names = words::Names::load(state, principal.partnership())
        .await
        .map_err(fail)?;
    let policies = state.policies();
    let area_label = |entry: &RegisterEntry| {
        policies
            .iter()
            .find(|p| p.id == entry.policy && p.version == entry.policy_version)
            .and_then(|p| p.areas.iter().find(|a| a.id == entry.area))
            .map_or_else(|| entry.area.to_string(), |a| a.label.clone())
    };
    let rows = page
        .entries
        .iter()
        .map(|e| RegisterRow {
            id: e.case.to_string(),
            stage: super::stage_words(e.stage, &e.stage_name),
            raising: names.agency(&e.raising_agency),
            other: names.agency(&e.other_agency),
            area: super::capitalised(&area_label(e)),
            due: e
                .due
                .map_or_else(|| "As soon as possible".to_owned(), words::due_day),
            raised_on: words::iso_day(e.raised_at),
            due_on: e.due.map_or_else(String::new, words::iso_due_day),
            overdue: overdue(e, now),
            status: match e.status {
                accord_case::Status::Resolved => "Resolved, awaiting closure",
                _ => "Open",
            },
        })
        .collect();
    Ok((rows, page.next))
}

/// The register page.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let now = state.now();
    let query = filters.query();
    let (rows, next) = rows(&state, &viewer, &query, now).await?;
    let names = words::Names::load(&state, viewer.principal.partnership())
        .await
        .map_err(|e| PageError::new(e, &viewer))?;
    let partnership = state
        .store()
        .partnerships()
        .await
        .map_err(|e| PageError::new(e.into(), &viewer))?
        .into_iter()
        .find(|p| p.id == viewer.principal.partnership());
    let policy = match partnership {
        Some(p) => state.current_policy(&p.policy).await.ok(),
        None => None,
    };
    let stage_count = policy
        .as_ref()
        .and_then(|p| p.tracks.iter().map(|t| t.stages.len()).max())
        .unwrap_or(0);
    let choice = |value: String, text: String, selected: bool| Choice {
        value,
        text,
        selected,
    };
    let page = RegisterPage {
        chrome: Chrome::new(
            "Register of disagreements",
            Section::Register,
            Some(&viewer),
        ),
        stages: (1..=stage_count)
            .map(|n| {
                choice(
                    n.to_string(),
                    format!("Stage {n}"),
                    query.stage == u8::try_from(n).ok(),
                )
            })
            .collect(),
        agencies: names
            .agencies()
            .into_iter()
            .map(|(id, name)| {
                choice(
                    id.to_string(),
                    name.to_owned(),
                    query.agency.as_deref() == Some(id.as_str()),
                )
            })
            .collect(),
        areas: policy
            .as_ref()
            .map(|p| {
                p.areas
                    .iter()
                    .map(|a| {
                        choice(
                            a.id.to_string(),
                            super::capitalised(&a.label),
                            query.area.as_deref() == Some(a.id.as_str()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        overdue_only: query.overdue == Some(true),
        filtered: query.stage.is_some()
            || query.agency.is_some()
            || query.area.is_some()
            || query.overdue.is_some(),
        csv_link: format!("/register.csv?{}", filters.query_string()),
        later: query.after.is_some(),
        next_link: next.as_ref().map(|n| filters.next_link(n)),
        first_link: format!("/register?{}", filters.query_string()),
        rows,
    };
    Ok(html(&page))
}

/// The register as CSV, with the page's filters.
pub(crate) async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let now = state.now();
    // The whole list, a page at a time.
    let mut query = filters.query();
    query.after = None;
    query.limit = Some(MOST_PAGE);
    let mut rows = Vec::new();
    loop {
        let (page, next) = self::rows(&state, &viewer, &query, now).await?;
        rows.extend(page);
        match next {
            Some(next) => query.after = Some(next.to_string()),
            None => break,
        }
    }
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let fail = |e: csv::Error| PageError::new(crate::ApiError::Internal(Box::new(e)), &viewer);
    // Dates as YYYY-MM-DD, so a spreadsheet sorts them; a case due "as
    // soon as possible" has no date.
    out.write_record([
        "Case",
        "Stage",
        "Raised by",
        "About",
        "Area",
        "Raised on",
        "Due by the end of",
        "Overdue",
        "Status",
    ])
    .map_err(fail)?;
    for r in &rows {
        let fields = [
            r.id.as_str(),
            r.stage.as_str(),
            r.raising.as_str(),
            r.other.as_str(),
            r.area.as_str(),
            r.raised_on.as_str(),
            r.due_on.as_str(),
            if r.overdue { "yes" } else { "no" },
            r.status,
        ];
        out.write_record(fields.iter().map(|f| crate::csv_cell::formula_safe(f)))
            .map_err(fail)?;
    }
    let out = out.into_inner().map_err(|e| {
        PageError::new(crate::ApiError::Internal(Box::new(e.into_error())), &viewer)
    })?;
    let mut response = out.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let name = format!(
        "attachment; filename=\"register-{}-{}.csv\"",
        viewer.principal.partnership(),
        now.strftime("%Y-%m-%d")
    );
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
