//! Finding any case through the API (issue 14 §1): `GET /api/v1/cases`
//! with the same criteria as the search page, answering only with the
//! cases the access rules let the caller see, a page at a time with the
//! count. The page (`pages::search`) runs the same [`run`], so both are
//! written to the search log alike.

use accord_case::{LocalId, NhsNumber, PersonId, Status};
use accord_store::{CaseSearch, Person, RegisterEntry};
use axum::extract::State;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    ApiError, AppState, ErrorBody, access,
    auth::Principal,
    extract::{Json, Query},
};

/// How many cases a page of results shows.
pub(crate) const PER_PAGE: usize = 20;

/// What a search asked, as the search log keeps it: only what was given.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Asked {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) child_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) date_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) nhs_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) local_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) agency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) person: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) status: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) raised_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) raised_to: Option<String>,
    pub(crate) page: usize,
}

/// One page of what a search found.
pub(crate) struct Found {
    /// How many cases the searcher may see match, on every page.
    pub(crate) total: usize,
    /// This page's, newest first.
    pub(crate) entries: Vec<RegisterEntry>,
}

/// Runs `search` for `person` and writes it to the search log as `asked`:
/// the cases of their partnership that match, those the access rules let
/// them see, page `page` (from 1) of them.
pub(crate) async fn run(
    state: &AppState,
    person: &Person,
    search: &CaseSearch,
    asked: &Asked,
    page: usize,
) -> Result<Found, ApiError> {
    let partnership = Some(person.partnership.as_str());
    let visible: Vec<RegisterEntry> = state
        .store()
        .search_cases(&person.partnership, search)
        .await?
        .into_iter()
        .filter(|e| access::may_see(person, access::CaseFacts::of_entry(e, partnership)))
        .collect();
    let total = visible.len();
    let entries: Vec<RegisterEntry> = visible
        .into_iter()
        .skip(page.saturating_sub(1).saturating_mul(PER_PAGE))
        .take(PER_PAGE)
        .collect();
    let shown: Vec<accord_case::CaseId> = entries.iter().map(|e| e.case.clone()).collect();
    let query = serde_json::to_string(asked).expect("what was asked always serialises");
    state
        .store()
        .record_search(&person.id, state.now(), &query, &shown)
        .await?;
    Ok(Found { total, entries })
}

/// What to find: every criterion given must hold, and those about the
/// child must hold of the same child.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// All or part of the case reference, such as `HAV-2026-00`.
    reference: Option<String>,
    /// Words of the child's name, each found anywhere in it, in any case.
    child_name: Option<String>,
    /// The child's date of birth, such as `2019-04-12`.
    #[param(value_type = Option<String>, format = Date)]
    date_of_birth: Option<Date>,
    /// The child's NHS number, such as `943 476 5919`; its check digit is
    /// checked.
    nhs_number: Option<String>,
    /// The child's local identifier (LCS or Mosaic id), in any case.
    local_id: Option<String>,
    /// An agency in the disagreement, raising or other, such as
    /// `hav-police`.
    agency: Option<String>,
    /// A person who raised or took part in it, by id.
    person: Option<String>,
    /// Statuses, separated by commas: `open`, `resolved`, `closed`,
    /// `withdrawn`; any when left out.
    status: Option<String>,
    /// Raised on or after this date (UK time), such as `2026-04-01`.
    #[param(value_type = Option<String>, format = Date)]
    raised_from: Option<Date>,
    /// Raised on or before this date (UK time).
    #[param(value_type = Option<String>, format = Date)]
    raised_to: Option<Date>,
    /// The page, from 1; 20 cases a page.
    #[param(minimum = 1)]
    page: Option<usize>,
}

/// A case found.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FoundCase {
    /// Its reference, such as `HAV-2026-0012`.
    id: String,
    /// Where it stands: `open`, `resolved`, `closed` or `withdrawn`.
    status: String,
    /// Its current (or last) stage, from 1.
    stage: u8,
    /// That stage's name.
    stage_name: String,
    /// The agencies in disagreement: the raising agency, then the other.
    parties: Vec<String>,
    /// When it was raised (RFC 3339).
    raised_at: String,
}

/// A page of what a search found.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchResults {
    /// How many cases you may see match, on every page.
    total: usize,
    /// This page, from 1.
    page: usize,
    /// How many cases a page holds.
    per_page: usize,
    /// This page's cases, newest first.
    cases: Vec<FoundCase>,
}

fn unprocessable(field: &str, message: String) -> ApiError {
    ApiError::Unprocessable {
        code: "invalid_search",
        message,
        field: Some(field.to_owned()),
    }
}

/// The status named `value`, if it is one.
pub(crate) fn status_named(value: &str) -> Option<Status> {
    match value {
        "open" => Some(Status::Open),
        "resolved" => Some(Status::Resolved),
        "closed" => Some(Status::Closed),
        "withdrawn" => Some(Status::Withdrawn),
        _ => None,
    }
}

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Resolved => "resolved",
        Status::Closed => "closed",
        Status::Withdrawn => "withdrawn",
    }
}

impl SearchQuery {
    fn search(&self) -> Result<(CaseSearch, Asked), ApiError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let mut asked = Asked {
            reference: given(&self.reference),
            child_name: given(&self.child_name),
            date_of_birth: self.date_of_birth.map(|d| d.to_string()),
            nhs_number: given(&self.nhs_number),
            local_id: given(&self.local_id),
            agency: given(&self.agency),
            person: given(&self.person),
            raised_from: self.raised_from.map(|d| d.to_string()),
            raised_to: self.raised_to.map(|d| d.to_string()),
            page: self.page.unwrap_or(1),
            ..Asked::default()
        };
        let mut search = CaseSearch {
            reference: asked.reference.clone(),
            child_name: asked.child_name.clone(),
            date_of_birth: self.date_of_birth,
            agency: asked.agency.clone(),
            ..CaseSearch::default()
        };
        if let Some(nhs) = &asked.nhs_number {
            search.nhs_number = Some(
                NhsNumber::parse(nhs).map_err(|p| unprocessable("nhs_number", p.to_string()))?,
            );
        }
        if let Some(id) = &asked.local_id {
            search.local_id =
                Some(LocalId::parse(id).map_err(|p| unprocessable("local_id", p.to_string()))?);
        }
        if let Some(person) = &asked.person {
            search.people = Some(vec![PersonId::parse(person).map_err(|_| {
                unprocessable(
                    "person",
                    format!("`{person}` is not a person id, such as `hav-csc-practitioner`"),
                )
            })?]);
        }
        for value in given(&self.status).iter().flat_map(|s| s.split(',')) {
            let value = value.trim();
            let status = status_named(value).ok_or_else(|| {
                unprocessable(
                    "status",
                    format!("`{value}` is not a status: use open, resolved, closed or withdrawn"),
                )
            })?;
            search.statuses.push(status);
            asked.status.push(value.to_owned());
        }
        if let (Some(from), Some(to)) = (self.raised_from, self.raised_to)
            && to < from
        {
            return Err(unprocessable(
                "raised_to",
                "raised_to must be the same as or after raised_from".to_owned(),
            ));
        }
        let start = |d: Date| {
            let london = jiff::tz::TimeZone::get("Europe/London").ok()?;
            d.to_datetime(jiff::civil::Time::midnight())
                .to_zoned_datetime(london)
                .ok()
                .map(|z| z.timestamp())
        };
        search.raised_from = self.raised_from.and_then(start);
        search.raised_before = self
            .raised_to
            .and_then(|d| d.tomorrow().ok())
            .and_then(start);
        if asked.page == 0 {
            return Err(unprocessable(
                "page",
                "Pages are numbered from 1".to_owned(),
            ));
        }
        Ok((search, asked))
    }
}

/// Find cases you may see.
#[utoipa::path(
    get,
    path = "/api/v1/cases",
    operation_id = "searchCases",
    tag = "cases",
    params(SearchQuery),
    responses(
        (status = 200, description = "The cases you may see that match, newest first, a page at a time; the search is written to the search log.", body = SearchResults),
        (status = 400, description = "A criterion cannot be read.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
        (status = 422, description = "A criterion is not valid, such as an NHS number whose check digit is wrong; `field` names it.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn search(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let (search, asked) = query.search()?;
    let page = asked.page;
    let found = run(&state, &principal.person, &search, &asked, page).await?;
    Ok(Json(SearchResults {
        total: found.total,
        page,
        per_page: PER_PAGE,
        cases: found
            .entries
            .iter()
            .map(|e| FoundCase {
                id: e.case.to_string(),
                status: status_text(e.status).to_owned(),
                stage: e.stage.get(),
                stage_name: e.stage_name.clone(),
                parties: vec![e.raising_agency.to_string(), e.other_agency.to_string()],
                raised_at: e.raised_at.to_string(),
            })
            .collect(),
    }))
}
