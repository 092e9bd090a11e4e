//! Finding any case (issue 14 §1): `GET /search` is a plain GET form, so it
//! works without JavaScript and can be bookmarked, asking by case
//! reference, by the child's name, date of birth, NHS number or local
//! identifier, by agency, by person involved, by status and by when it was
//! raised. It answers only with the cases the access rules let the
//! searcher see ([`crate::access::may_see`]), a page at a time with a
//! count, and every search is written to the store's search log (and each
//! case shown to the access log), never to a log line.
//!
//! `GET /my-disagreements` lists every case the signed-in person raised or
//! takes part in, at any stage and in any state.

use accord_case::{AgencyId, LocalId, NhsNumber, PersonId, Status};
use accord_store::{CaseSearch, Person, RegisterEntry};
use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use jiff::Timestamp;

use super::{
    Chrome, PageError, Section, Viewer,
    extract::Query,
    form::{Choice, Errors, FieldError, Posted, Question},
    html, html_with_status, words,
};
use crate::{
    ApiError, AppState, access,
    api::search::{Asked, PER_PAGE, run, status_named},
};

/// The statuses a search offers, as the form sends and the page says them.
const STATUSES: [(&str, &str, Status); 4] = [
    ("open", "Open", Status::Open),
    ("resolved", "Resolved, awaiting closure", Status::Resolved),
    ("closed", "Closed", Status::Closed),
    ("withdrawn", "Withdrawn", Status::Withdrawn),
];

/// The people of `partnership` whose name or sign-in contains `typed`, in
/// any case.
pub(crate) fn people_called(people: &[Person], typed: &str) -> Vec<PersonId> {
    let typed = typed.trim().to_lowercase();
    people
        .iter()
        .filter(|p| p.name.to_lowercase().contains(&typed) || p.sign_in.to_lowercase() == typed)
        .map(|p| p.id.clone())
        .collect()
}

/// A case as a result.
pub(crate) struct ResultRow {
    pub(crate) id: String,
    pub(crate) status: &'static str,
    pub(crate) stage: String,
    pub(crate) parties: String,
    pub(crate) children: Vec<String>,
    /// When and under which rule its personal data was erased, if it was
    /// (issue 17): its children are then not shown, since they read
    /// "Erased".
    pub(crate) erased: Option<String>,
    pub(crate) raised: String,
}

/// A link of the pagination.
pub(crate) struct PageLink {
    pub(crate) number: usize,
    pub(crate) href: String,
    pub(crate) current: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    questions: Vec<Question>,
    more: Vec<Question>,
    searched: bool,
    total: usize,
    first: usize,
    last: usize,
    rows: Vec<ResultRow>,
    pages: Vec<PageLink>,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "my_disagreements.html")]
struct MyDisagreementsPage {
    chrome: Chrome,
    rows: Vec<ResultRow>,
}

fn status_words(status: Status) -> &'static str {
    STATUSES
        .iter()
        .find(|s| s.2 == status)
        .map_or("Open", |s| s.1)
}

/// The result rows of `entries`, each naming its children, read from the
/// case itself.
pub(crate) async fn result_rows(
    state: &AppState,
    names: &words::Names,
    entries: &[RegisterEntry],
) -> Result<Vec<ResultRow>, ApiError> {
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        let case = state.store().load_case(&e.case).await?;
        let erased = case
            .as_ref()
            .and_then(|c| c.erased())
            .map(|x| format!("Erased on {} under {}", words::day(x.at), x.rule));
        let children = match (&case, &erased) {
            (_, Some(_)) | (None, _) => Vec::new(),
            (Some(case), None) => case
                .subjects()
                .iter()
                .map(|s| {
                    let details = words::subject_details(s);
                    if details.is_empty() {
                        s.name.to_string()
                    } else {
                        format!("{} ({})", s.name, details.join(", "))
                    }
                })
                .collect(),
        };
        rows.push(ResultRow {
            id: e.case.to_string(),
            status: status_words(e.status),
            stage: super::stage_words(e.stage, &e.stage_name),
            parties: format!(
                "{} about {}",
                names.agency(&e.raising_agency),
                names.agency(&e.other_agency)
            ),
            children,
            erased,
            raised: words::day(e.raised_at),
        });
    }
    Ok(rows)
}

/// The start of `date` in the UK, as an instant.
fn start_of(date: jiff::civil::Date) -> Option<Timestamp> {
    super::form::uk_instant(date, jiff::civil::Time::midnight())
}

/// Reads the form into a search, what was asked and the mistakes.
fn read(
    posted: &Posted,
    people: &[Person],
    agencies: &[(AgencyId, String)],
) -> (CaseSearch, Asked, Errors) {
    let mut e = Errors::default();
    let given = |name: &str| Some(posted.get(name).trim().to_owned()).filter(|s| !s.is_empty());
    let mut search = CaseSearch::default();
    let mut asked = Asked::default();
    if let Some(reference) = given("reference") {
        asked.reference = Some(reference.clone());
        search.reference = Some(reference);
    }
    if let Some(name) = given("child_name") {
        asked.child_name = Some(name.clone());
        search.child_name = Some(name);
    }
    let date = |name: &str, what: &str, e: &mut Errors| {
        let blank = ["day", "month", "year"]
            .iter()
            .all(|p| posted.get(&format!("{name}-{p}")).trim().is_empty());
        if blank {
            None
        } else {
            e.take(name, posted.date(name, what))
        }
    };
    if let Some(born) = date("dob", "the date of birth", &mut e) {
        asked.date_of_birth = Some(born.to_string());
        search.date_of_birth = Some(born);
    }
    if let Some(nhs) = given("nhs_number") {
        asked.nhs_number = Some(nhs.clone());
        search.nhs_number = e.take(
            "nhs_number",
            NhsNumber::parse(&nhs).map_err(|p| p.to_string()),
        );
    }
    if let Some(id) = given("local_id") {
        asked.local_id = Some(id.clone());
        search.local_id = e.take("local_id", LocalId::parse(&id).map_err(|p| p.to_string()));
    }
    if let Some(agency) = given("agency") {
        if agencies.iter().any(|(id, _)| id.as_str() == agency) {
            search.agency = Some(agency.clone());
        } else {
            e.add("agency", "Select an agency from the list");
        }
        asked.agency = Some(agency);
    }
    if let Some(person) = given("person") {
        let found = people_called(people, &person);
        if found.is_empty() {
            e.add(
                "person",
                format!(
                    "Nobody in your partnership's directory is called \u{2018}{person}\u{2019}: check the spelling, or give part of their name"
                ),
            );
        }
        search.people = Some(found);
        asked.person = Some(person);
    }
    for value in posted.all("status") {
        match status_named(value) {
            Some(status) => {
                search.statuses.push(status);
                asked.status.push(value.to_owned());
            }
            None => e.add("status", "Select open, resolved, closed or withdrawn"),
        }
    }
    let from = date("from", "the first date", &mut e);
    let to = date("to", "the last date", &mut e);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.add(
            "to",
            "The last date must be the same as or after the first date",
        );
    }
    if let Some(f) = from {
        asked.raised_from = Some(f.to_string());
        search.raised_from = start_of(f);
    }
    if let Some(t) = to {
        asked.raised_to = Some(t.to_string());
        search.raised_before = t.tomorrow().ok().and_then(start_of);
    }
    (search, asked, e)
}

/// The search page.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| PageError::new(e, &viewer);
    let person = &viewer.principal.person;
    let store = state.store();
    let people = store
        .people(&person.partnership)
        .await
        .map_err(|e| fail(e.into()))?;
    let agencies: Vec<(AgencyId, String)> = store
        .agencies(&person.partnership)
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let searched = !pairs.is_empty();
    let page: usize = pairs
        .iter()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let posted = Posted::from_pairs(pairs.clone());
    let (search, mut asked, errors) = read(&posted, &people, &agencies);
    asked.page = page;
    let mut agency_choices = vec![Choice::new("", "Any agency")];
    agency_choices.extend(
        agencies
            .iter()
            .map(|(id, name)| Choice::new(id.as_str(), name.as_str())),
    );
    let questions: Vec<Question> = vec![
        Question::text("reference", "Case reference", &posted)
            .hint("All or part of it, such as HAV-2026-0012")
            .width("govuk-input--width-20"),
        Question::text("child_name", "Child's name", &posted)
            .hint("Their first name, last name or both")
            .width("govuk-!-width-two-thirds"),
        Question::date("dob", "Child's date of birth", &posted).hint("For example, 27 3 2019"),
        Question::text("nhs_number", "Child's NHS number", &posted)
            .hint("10 digits, like 943 476 5919")
            .width("govuk-input--width-10")
            .numeric(),
        Question::text("local_id", "Child's local identifier", &posted)
            .hint("Their number on the children's social care system, such as an LCS or Mosaic id")
            .width("govuk-input--width-20"),
    ]
    .into_iter()
    .map(|q| q.checked(&errors))
    .collect();
    let more: Vec<Question> = vec![
        Question::select("agency", "Agency", agency_choices, &posted),
        Question::text("person", "Person involved", &posted)
            .hint("Part of the name of someone who raised it or took part in it")
            .width("govuk-!-width-two-thirds"),
        Question::checkboxes(
            "status",
            "Status",
            STATUSES
                .iter()
                .map(|(v, t, _)| Choice::new(*v, *t))
                .collect(),
            &posted,
        )
        .hint("Leave them all unticked for any status"),
        Question::date("from", "Raised on or after", &posted).hint("For example, 1 4 2026"),
        Question::date("to", "Raised on or before", &posted).hint("For example, 30 4 2026"),
    ]
    .into_iter()
    .map(|q| q.checked(&errors))
    .collect();
    let mut chrome = Chrome::new("Find a case", Section::Search, Some(&viewer));
    chrome.has_errors = !errors.is_empty();
    let mut page_view = SearchPage {
        chrome,
        errors: errors.0.clone(),
        questions,
        more,
        searched: searched && errors.is_empty(),
        total: 0,
        first: 0,
        last: 0,
        rows: Vec::new(),
        pages: Vec::new(),
        previous: None,
        next: None,
    };
    if !errors.is_empty() {
        return Ok(html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page_view,
        ));
    }
    if !searched {
        return Ok(html(&page_view));
    }
    let found = run(&state, person, &search, &asked, page)
        .await
        .map_err(fail)?;
    let names = words::Names::load(&state, &person.partnership)
        .await
        .map_err(fail)?;
    page_view.rows = result_rows(&state, &names, &found.entries)
        .await
        .map_err(fail)?;
    page_view.total = found.total;
    if !page_view.rows.is_empty() {
        page_view.first = (page - 1) * PER_PAGE + 1;
        page_view.last = page_view.first + page_view.rows.len() - 1;
    }
    let pages = found.total.div_ceil(PER_PAGE);
    let href = |n: usize| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(k, _)| k != "page") {
            q.append_pair(k, v);
        }
        q.append_pair("page", &n.to_string());
        format!("/search?{}", q.finish())
    };
    if pages > 1 {
        page_view.pages = (1..=pages)
            .map(|n| PageLink {
                number: n,
                href: href(n),
                current: n == page,
            })
            .collect();
        page_view.previous = (page > 1).then(|| href(page - 1));
        page_view.next = (page < pages).then(|| href(page + 1));
    }
    Ok(html(&page_view))
}

/// The cases `person` raised or takes part in, in any state, that the
/// access rules let them see, newest first: those on which the search rows
/// record them (raised, handed, named, in a discussion or action, on the
/// panel, or recording any of its events), and those whose current stage
/// asks a role of theirs to complete a form.
pub(crate) async fn cases_of(
    state: &AppState,
    person: &Person,
) -> Result<Vec<RegisterEntry>, ApiError> {
    let partnership = Some(person.partnership.as_str());
    let store = state.store();
    let mine = CaseSearch {
        people: Some(vec![person.id.clone()]),
        ..CaseSearch::default()
    };
    let mut entries = store.search_cases(&person.partnership, &mine).await?;
    let asked = store
        .search_cases(&person.partnership, &CaseSearch::default())
        .await?
        .into_iter()
        .filter(|e| {
            access::standing(person, access::CaseFacts::of_entry(e, partnership))
                == access::Standing::FormRole
                && !entries.iter().any(|m| m.case == e.case)
        })
        .collect::<Vec<_>>();
    entries.extend(asked);
    entries.retain(|e| access::may_see(person, access::CaseFacts::of_entry(e, partnership)));
    entries.sort_by(|a, b| b.raised_at.cmp(&a.raised_at).then(b.case.cmp(&a.case)));
    Ok(entries)
}

/// My disagreements.
pub(crate) async fn mine(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| PageError::new(e, &viewer);
    let person = &viewer.principal.person;
    let entries = cases_of(&state, person).await.map_err(fail)?;
    let names = words::Names::load(&state, &person.partnership)
        .await
        .map_err(fail)?;
    let rows = result_rows(&state, &names, &entries).await.map_err(fail)?;
    let page = MyDisagreementsPage {
        chrome: Chrome::new("My disagreements", Section::MyDisagreements, Some(&viewer)),
        rows,
    };
    Ok(html(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_words_and_a_name() {
        for (value, words, status) in STATUSES {
            assert_eq!(status_named(value), Some(status));
            assert_eq!(status_words(status), words);
        }
        assert_eq!(status_named("lost"), None);
    }
}
