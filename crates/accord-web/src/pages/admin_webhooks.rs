//! Webhooks, as a partnership's administrators set them up (issue 19):
//! the endpoints at `/admin/webhooks` that other systems are told of the
//! partnership's cases' events at, each added, paused, resumed and removed
//! there, with where each stands and its last error, as failed email is
//! shown.
//!
//! An endpoint's signing secret is shown once, on the page after adding
//! it, and never again. Every change is audited by the store.

use accord_store::{EventKind, WebhookEndpoint, webhook_problems};
use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use super::admin::{Admin, admin};
use super::extract::{Form, Path, Query};
use super::form::{Choice, Errors, Posted, Question, QuestionPage};
use super::{Done, PageError, Viewer, html, html_with_status, words};
use crate::AppState;

/// The list's address.
const LIST: &str = "/admin/webhooks";

/// The words after a change.
fn done_words(done: &str) -> Option<&'static str> {
    Some(match done {
        "paused" => "The endpoint is paused: Accord keeps its events until you resume it",
        "resumed" => "The endpoint is resumed: Accord sends it everything it missed",
        "removed" => "The endpoint is removed: Accord sends it nothing more",
        _ => return None,
    })
}

/// One endpoint, as the list shows it.
struct Row {
    id: String,
    url: String,
    kinds: String,
    allow_private: bool,
    paused: bool,
    failures: u32,
    error: Option<String>,
    tried: Option<String>,
    delivered: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_webhooks.html")]
struct ListPage {
    chrome: super::Chrome,
    partnership: String,
    rows: Vec<Row>,
    csrf_token: String,
    done: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "admin_webhook_secret.html")]
struct SecretPage {
    chrome: super::Chrome,
    url: String,
    kinds: String,
    secret: String,
}

/// The kinds as a reader names them, in the order a case meets them.
fn kinds_words(kinds: &[EventKind]) -> String {
    if kinds.len() == EventKind::ALL.len() {
        return "every kind".to_owned();
    }
    kinds
        .iter()
        .map(|k| k.label().to_lowercase())
        .collect::<Vec<_>>()
        .join("; ")
}

/// `GET /admin/webhooks`.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let endpoints = state
        .store()
        .webhooks(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?;
    let rows = endpoints
        .into_iter()
        .map(|e| Row {
            kinds: kinds_words(&e.kinds),
            tried: e.last_attempt_at.map(words::when),
            delivered: e.last_delivered_at.map(words::when),
            error: e.last_error.filter(|_| e.failures > 0),
            id: e.id,
            url: e.url,
            allow_private: e.allow_private,
            paused: e.paused,
            failures: e.failures,
        })
        .collect();
    Ok(html(&ListPage {
        chrome: a.chrome("Webhooks", &Errors::default()),
        partnership: a.partnership.name.clone(),
        rows,
        csrf_token: viewer.csrf_token().to_owned(),
        done: done_words(&done.done),
    }))
}

fn questions(posted: &Posted) -> Vec<Question> {
    vec![
        Question::text("url", "Address", posted).hint(
            "Where Accord posts each event, starting https://, such as \
             https://integration.havering.gov.uk/accord/events",
        ),
        Question::checkboxes(
            "kinds",
            "Which events to send",
            EventKind::ALL
                .into_iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            posted,
        ),
        Question::checkboxes(
            "allow_private",
            "Private addresses",
            vec![Choice::new("yes", "Allow private addresses").hint(
                "Only for a receiver on your own network, or on this server itself. Without \
                     it, Accord reaches only addresses on the public internet, so that no one \
                     can use a webhook to reach into the network Accord runs in.",
            )],
            posted,
        ),
    ]
}

fn form_page(a: &Admin<'_>, posted: &Posted, errors: &Errors) -> Response {
    let questions = questions(posted);
    let mut listed = errors.0.clone();
    listed.sort_by_key(|e| questions.iter().position(|q| q.name == e.field));
    let view = QuestionPage {
        chrome: a.chrome("Add a webhook endpoint", errors),
        errors: listed,
        caption: format!("Administration: {}", a.partnership.name),
        back: (LIST.to_owned(), "Webhooks".to_owned()),
        action: "/admin/webhooks/new".to_owned(),
        intro: vec![
            "Accord posts each event of your partnership's cases to this address, signed with a \
             secret it shows you once you have added it. It sends the events recorded from then \
             on."
            .to_owned(),
        ],
        blocks: Vec::new(),
        questions: questions.into_iter().map(|q| q.checked(errors)).collect(),
        hidden: Vec::new(),
        csrf_token: a.viewer.csrf_token().to_owned(),
        button: "Add the endpoint".to_owned(),
        warning_button: false,
        cancel: Some((LIST.to_owned(), "Cancel".to_owned())),
        secondary: None,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_with_status(status, &view)
}

/// `GET /admin/webhooks/new`: every kind ticked to begin with.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let posted = Posted::from_pairs(
        EventKind::ALL
            .into_iter()
            .map(|k| ("kinds".to_owned(), k.as_str().to_owned()))
            .collect(),
    );
    Ok(form_page(&a, &posted, &Errors::default()))
}

/// `POST /admin/webhooks/new`: adds the endpoint and shows its secret,
/// once; or says what to fix.
pub(crate) async fn add(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let posted = Posted::from_pairs(pairs);
    let url = posted.get("url").trim().to_owned();
    let mut errors = Errors::default();
    let mut kinds = Vec::new();
    for name in posted.all("kinds") {
        match EventKind::parse(name) {
            Some(kind) => kinds.push(kind),
            None => errors.add("kinds", "Choose from the kinds of event listed"),
        }
    }
    let allow_private = posted.has("allow_private", "yes");
    if errors.is_empty() {
        for problem in webhook_problems(&url, &kinds, allow_private) {
            errors.add(problem.field, problem.message);
        }
    }
    if !errors.is_empty() {
        return Ok(form_page(&a, &posted, &errors));
    }
    let (endpoint, secret): (WebhookEndpoint, String) = state
        .store()
        .add_webhook(
            &a.partnership.id,
            &url,
            &kinds,
            allow_private,
            state.now(),
            &a.by(),
        )
        .await
        .map_err(|e| a.fail(crate::ApiError::Internal(Box::new(e))))?;
    tracing::info!("an administrator added a webhook endpoint");
    Ok(html(&SecretPage {
        chrome: a.chrome("The endpoint is added", &Errors::default()),
        url: endpoint.url,
        kinds: kinds_words(&endpoint.kinds),
        secret,
    }))
}

/// The endpoint `id`, if it is of the administrator's partnership: another
/// partnership's is as missing as one that does not exist.
async fn own(state: &AppState, a: &Admin<'_>, id: &str) -> Result<WebhookEndpoint, PageError> {
    state
        .store()
        .webhook(id)
        .await
        .map_err(|e| a.fail(e))?
        .filter(|e| e.partnership == a.partnership.id)
        .ok_or_else(|| a.fail(super::no_such_page()))
}

async fn set_paused(
    state: AppState,
    viewer: Viewer,
    id: String,
    paused: bool,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let endpoint = own(&state, &a, &id).await?;
    state
        .store()
        .pause_webhook(
            &a.partnership.id,
            &endpoint.id,
            paused,
            state.now(),
            &a.by(),
        )
        .await
        .map_err(|e| a.fail(e))?;
    tracing::info!(
        paused,
        "an administrator paused or resumed a webhook endpoint"
    );
    let done = if paused { "paused" } else { "resumed" };
    Ok(Redirect::to(&format!("{LIST}?done={done}")).into_response())
}

/// `POST /admin/webhooks/{id}/pause`.
pub(crate) async fn pause(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    set_paused(state, viewer, id, true).await
}

/// `POST /admin/webhooks/{id}/resume`: tried at once, and sent what it
/// missed.
pub(crate) async fn resume(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    set_paused(state, viewer, id, false).await
}

/// `POST /admin/webhooks/{id}/remove`: asks to be sure, then removes it.
pub(crate) async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let endpoint = own(&state, &a, &id).await?;
    let posted = Posted::from_pairs(pairs);
    if posted.get("confirm") != "yes" {
        let view = QuestionPage {
            chrome: a.chrome("Remove this webhook endpoint?", &Errors::default()),
            errors: Vec::new(),
            caption: format!("Administration: {}", a.partnership.name),
            back: (LIST.to_owned(), "Webhooks".to_owned()),
            action: format!("/admin/webhooks/{}/remove", endpoint.id),
            intro: vec![format!(
                "Accord will send nothing more to {}, and its secret will no longer be used. To \
                 stop deliveries for a while instead, pause it.",
                endpoint.url
            )],
            blocks: Vec::new(),
            questions: Vec::new(),
            hidden: vec![("confirm".to_owned(), "yes".to_owned())],
            csrf_token: a.viewer.csrf_token().to_owned(),
            button: "Yes, remove it".to_owned(),
            warning_button: true,
            cancel: Some((LIST.to_owned(), "Cancel".to_owned())),
            secondary: None,
        };
        return Ok(html(&view));
    }
    state
        .store()
        .remove_webhook(&a.partnership.id, &endpoint.id, state.now(), &a.by())
        .await
        .map_err(|e| a.fail(e))?;
    tracing::info!("an administrator removed a webhook endpoint");
    Ok(Redirect::to(&format!("{LIST}?done=removed")).into_response())
}
