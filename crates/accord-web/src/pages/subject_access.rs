//! `/subject-access` (issue 17 §3): the partnership team answers a subject
//! access request. They say whom it is about (a child, by the words of
//! their name or an identifier, or a professional of the directory) and
//! download everything Accord holds about them across every case, as a
//! PDF to read or as JSON, with who read those records. Free text is
//! marked for review before release. Each download is an export made,
//! recorded in the directory audit and in each case's access log, as
//! `accord subject-access` records it.

use std::collections::HashMap;

use accord_case::{LocalId, NhsNumber, PersonId};
use accord_store::{CaseSearch, DataSubject, REVIEW, SubjectAccess};
use askama::Template;
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::{
    Chrome, PageError, Section, Viewer,
    extract::Form,
    form::{Choice, Errors, FieldError, Posted, Question},
    html, html_with_status, words,
};
use crate::{ApiError, AppState, access};

#[derive(Template)]
#[template(path = "subject_access.html")]
struct SubjectAccessPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    partnership: String,
    review: &'static str,
    child: Vec<Question>,
    professional: Vec<Question>,
    csrf_token: String,
}

/// Refuses `viewer` unless they may answer a subject access request.
async fn may_answer(viewer: &Viewer) -> Result<(), PageError> {
    if access::may_answer_subject_access(&viewer.principal.person) {
        return Ok(());
    }
    Err(PageError::new(
        ApiError::Forbidden {
            code: "not_for_your_role",
            message: "subject access requests are answered by the partnership team".to_owned(),
        },
        viewer,
    ))
}

/// The page, with what was `posted` and the `errors` to fix.
async fn page(
    state: &AppState,
    viewer: &Viewer,
    posted: &Posted,
    errors: &Errors,
) -> Result<SubjectAccessPage, PageError> {
    let people = state
        .store()
        .people(viewer.principal.person.partnership.as_str())
        .await
        .map_err(|e| PageError::new(ApiError::from(e), viewer))?;
    let names = words::Names::load(state, viewer.principal.person.partnership.as_str())
        .await
        .map_err(|e| PageError::new(e, viewer))?;
    let mut choices = vec![Choice::new("", "Choose a professional")];
    let mut people: Vec<_> = people.into_iter().collect();
    people.sort_by(|a, b| a.name.cmp(&b.name));
    choices.extend(people.iter().map(|p| {
        Choice::new(
            p.id.as_str(),
            format!("{} ({}, {})", p.name, p.job_title, names.agency(&p.agency)),
        )
    }));
    let child = vec![
        Question::text("child_name", "Words of the child's name", posted)
            .hint(
                "Each word, whole or its first three letters or more, as it was recorded: \
                 \u{201c}Ali Khan\u{201d} or \u{201c}Ali Kha\u{201d}.",
            )
            .checked(errors),
        Question::date("dob", "Date of birth", posted)
            .hint("For example, 27 3 2015")
            .checked(errors),
        Question::text("nhs_number", "NHS number", posted)
            .hint("10 digits, like 943 476 5919")
            .width("govuk-input--width-10")
            .numeric()
            .checked(errors),
        Question::text("local_id", "Local identifier", posted)
            .hint("The child's number in an agency's own system")
            .width("govuk-input--width-20")
            .checked(errors),
    ];
    let professional =
        vec![Question::select("person", "The professional", choices, posted).checked(errors)];
    let mut chrome = Chrome::new(
        "Answer a subject access request",
        Section::None,
        Some(viewer),
    );
    chrome.has_errors = !errors.is_empty();
    Ok(SubjectAccessPage {
        chrome,
        errors: errors.0.clone(),
        partnership: viewer.partnership_name.clone(),
        review: REVIEW,
        child,
        professional,
        csrf_token: viewer.csrf_token().to_owned(),
    })
}

/// `GET /subject-access`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    may_answer(&viewer).await?;
    let page = page(&state, &viewer, &Posted::default(), &Errors::default()).await?;
    Ok(html(&page))
}

/// Whom the posted form asks about, or what to fix.
fn read(posted: &Posted, people: &[accord_store::Person]) -> Result<DataSubject, Errors> {
    let mut e = Errors::default();
    let given = |name: &str| Some(posted.get(name).trim().to_owned()).filter(|s| !s.is_empty());
    if posted.get("about") == "professional" {
        return match given("person") {
            Some(id) => people
                .iter()
                .find(|p| p.id.as_str() == id)
                .map(|p| DataSubject::Professional(p.id.clone()))
                .ok_or_else(|| {
                    e.add("person", "Choose a professional from the list");
                    e
                }),
            None => {
                e.add("person", "Choose the professional the request is about");
                Err(e)
            }
        };
    }
    let mut search = CaseSearch {
        child_name: given("child_name"),
        ..CaseSearch::default()
    };
    let blank = ["day", "month", "year"]
        .iter()
        .all(|p| posted.get(&format!("dob-{p}")).trim().is_empty());
    if !blank {
        search.date_of_birth = e.take("dob", posted.date("dob", "the date of birth"));
    }
    if let Some(nhs) = given("nhs_number") {
        search.nhs_number = e.take(
            "nhs_number",
            NhsNumber::parse(&nhs).map_err(|p| p.to_string()),
        );
    }
    if let Some(id) = given("local_id") {
        search.local_id = e.take("local_id", LocalId::parse(&id).map_err(|p| p.to_string()));
    }
    if !e.is_empty() {
        return Err(e);
    }
    if search == CaseSearch::default() {
        e.add(
            "child_name",
            "Enter words of the child's name, their date of birth, NHS number or local identifier",
        );
        return Err(e);
    }
    Ok(DataSubject::Child(search))
}

/// `POST /subject-access`: makes the export of whom the form names, as
/// the button pressed asks (`format`: `pdf` or `json`), and downloads it.
/// What is missing or wrong is named above the same form, with what was
/// typed kept.
pub(crate) async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    may_answer(&viewer).await?;
    let fail = |e: ApiError| PageError::new(e, &viewer);
    let posted = Posted::from_pairs(pairs);
    let partnership = viewer.principal.person.partnership.as_str().to_owned();
    let people = state
        .store()
        .people(&partnership)
        .await
        .map_err(|e| fail(e.into()))?;
    let subject = match read(&posted, &people) {
        Ok(subject) => subject,
        Err(errors) => {
            let page = page(&state, &viewer, &posted, &errors).await?;
            return Ok(html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let now = state.now();
    let export = state
        .store()
        .subject_access(&partnership, &subject, &viewer.principal.person.id, now)
        .await
        .map_err(|e| fail(e.into()))?;
    let stamp = now
        .to_zoned_datetime(words::uk())
        .strftime("%Y%m%d-%H%M%S")
        .to_string();
    let (body, kind, file) = if posted.get("format") == "json" {
        let json = serde_json::to_vec_pretty(&export)
            .map_err(|e| fail(ApiError::Internal(Box::new(e))))?;
        (
            json,
            "application/json",
            format!("subject-access-{stamp}.json"),
        )
    } else {
        let pdf = pdf(export, &people, &viewer).await.map_err(fail)?;
        (
            pdf,
            "application/pdf",
            format!("subject-access-{stamp}.pdf"),
        )
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `export` typeset, off the threads that answer requests.
async fn pdf(
    export: SubjectAccess,
    people: &[accord_store::Person],
    viewer: &Viewer,
) -> Result<Vec<u8>, ApiError> {
    let names: HashMap<PersonId, String> = people
        .iter()
        .map(|p| (p.id.clone(), format!("{} ({})", p.name, p.job_title)))
        .collect();
    let partnership = viewer.partnership_name.clone();
    let made_by = viewer.principal.person.name.clone();
    tokio::task::spawn_blocking(move || {
        crate::subject_access::pdf(&export, &partnership, &made_by, &names, &words::uk())
    })
    .await
    .map_err(|e| ApiError::Internal(Box::new(e)))?
    .map_err(|e| ApiError::Internal(Box::new(e)))
}
