//! Accord's web pages: server-rendered HTML on the same server as the API,
//! following the GOV.UK Design System's patterns and components (from
//! `govuk-frontend`, built into `static/` by `scripts/build-assets`) but
//! not GOV.UK's crown, logotype or typeface, since Accord is not a GOV.UK
//! service. Every page works without JavaScript; the one module the pages
//! load only starts GOV.UK Frontend's components.
//!
//! Each page is an askama template in `templates/` (checked when the crate
//! compiles, and escaped by default) over a struct here. The pages read
//! through the same pieces as the API — the access rules, the case view,
//! the register — so what a person sees in the browser is what the API
//! would give them.

mod account_link;
mod admin;
mod admin_import;
mod admin_policy;
mod admin_sign_in;
mod admin_webhooks;
mod assets;
mod calendar_feed;
mod case_actions;
mod case_page;
mod case_pdf;
mod extract;
mod footer_pages;
mod form;
mod handover;
mod insight;
pub(crate) mod learning_log;
mod my_work;
mod notifications;
mod password;
mod policy_forms;
mod policy_page;
mod provider_sign_in;
mod raise;
mod register_page;
mod reports;
mod retention;
mod search;
mod second_factor;
mod sign_in;
mod subject_access;
mod viewer;
mod words;

use std::sync::Arc;

use askama::Template;
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};

use crate::{ApiError, AppState, csrf::RefusedForm};

pub(crate) use viewer::Viewer;

/// The pages, to be merged at the root.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in::show).post(sign_in::submit))
        .route("/sign-out", post(sign_in::sign_out))
        .route(
            "/sign-in/provider/callback",
            get(provider_sign_in::callback),
        )
        .route(
            "/sign-in/provider/code",
            get(provider_sign_in::code_form).post(provider_sign_in::code_submit),
        )
        .route("/sign-in/provider/{id}", get(provider_sign_in::start))
        .route(
            "/second-factor",
            get(second_factor::show).post(second_factor::begin),
        )
        .route("/second-factor/confirm", post(second_factor::confirm))
        .route("/my-work", get(my_work::show))
        .route(
            "/account/password",
            get(password::show).post(password::change),
        )
        .route(
            "/account/set-password",
            get(account_link::show).post(account_link::set),
        )
        .route("/account/set-password/{token}", get(account_link::follow))
        .route(
            "/account/forgotten-password",
            get(account_link::forgotten).post(account_link::ask),
        )
        .route("/notifications", get(notifications::show))
        .route(
            "/notifications/read-all",
            post(notifications::mark_all_read),
        )
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .route(
            "/calendar-feed",
            get(calendar_feed::show).post(calendar_feed::create),
        )
        .route("/calendar-feed/revoke", post(calendar_feed::revoke))
        .route("/calendar/{token}", get(calendar_feed::feed))
        .route("/cases/{id}", get(case_page::show))
        .route("/cases/{id}/print", get(case_page::print))
        .route("/cases/{id}/print.pdf", get(case_pdf::download))
        .route(
            "/cases/{id}/{action}",
            get(case_actions::show).post(case_actions::submit),
        )
        .route("/raise", get(raise::start))
        .route("/raise/start-again", post(raise::start_again))
        .route("/raise/check", get(raise::check_answers).post(raise::raise))
        .route("/raise/elsewhere", get(raise::elsewhere))
        .route("/raise/{step}", get(raise::show).post(raise::answer))
        .route("/admin", get(admin::home))
        .route("/admin/second-factor", post(admin::second_factor_rule))
        .route("/admin/agencies", get(admin::agencies))
        .route(
            "/admin/agencies/new",
            get(admin::agency_form).post(admin::save_agency),
        )
        .route(
            "/admin/agencies/{id}",
            get(admin::agency_form).post(admin::save_agency),
        )
        .route("/admin/people", get(admin::people))
        .route(
            "/admin/people/new",
            get(admin::new_person).post(admin::add_person),
        )
        .route(
            "/admin/people/{id}",
            get(admin::person).post(admin::save_person),
        )
        .route(
            "/admin/people/{id}/handover",
            get(handover::show).post(handover::hand),
        )
        .route(
            "/admin/people/{id}/{action}",
            get(admin::confirm_account).post(admin::account),
        )
        // The upload and its confirmation carry whole CSV files: they read
        // up to UPLOAD_LIMIT, where every other body is held to BODY_LIMIT.
        .route(
            "/admin/directory/import",
            get(admin_import::show)
                .post(admin_import::upload)
                .layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route(
            "/admin/directory/import/confirm",
            post(admin_import::confirm).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route(
            "/admin/directory/agencies.csv",
            get(admin_import::agencies_template),
        )
        .route(
            "/admin/directory/people.csv",
            get(admin_import::people_template),
        )
        .route("/admin/calendars", get(admin::calendars))
        .route("/admin/sign-in", get(admin_sign_in::list))
        .route(
            "/admin/sign-in/new",
            get(admin_sign_in::new_form).post(admin_sign_in::add),
        )
        .route(
            "/admin/sign-in/{id}",
            get(admin_sign_in::edit).post(admin_sign_in::save),
        )
        .route("/admin/sign-in/{id}/remove", post(admin_sign_in::remove))
        .route("/admin/webhooks", get(admin_webhooks::list))
        .route(
            "/admin/webhooks/new",
            get(admin_webhooks::new_form).post(admin_webhooks::add),
        )
        .route("/admin/webhooks/{id}/pause", post(admin_webhooks::pause))
        .route("/admin/webhooks/{id}/resume", post(admin_webhooks::resume))
        .route("/admin/webhooks/{id}/remove", post(admin_webhooks::remove))
        .route("/admin/pages", get(footer_pages::list))
        .route(
            "/admin/pages/{page}",
            get(footer_pages::edit).post(footer_pages::save),
        )
        .route("/about/{page}", get(footer_pages::show))
        .route("/admin/policy", get(admin_policy::show))
        .route("/admin/policy/file", get(admin_policy::file))
        .route(
            "/admin/policy/check",
            post(admin_policy::check_upload).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route(
            "/admin/policy/install",
            post(admin_policy::install).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route("/admin/messages", get(admin::messages))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/messages/{id}/retry", post(admin::retry_message))
        .route("/policies", get(policy_page::list))
        .route("/policies/{id}", get(policy_page::show))
        .route(
            "/policies/{id}/versions/{version}",
            get(policy_page::show_version),
        )
        .route("/register", get(register_page::show))
        .route("/insight", get(insight::show))
        .route("/insight/cases", get(insight::cases))
        .route("/learning", get(learning_log::show))
        .route("/reports", get(reports::list).post(reports::issue))
        .route("/reports/new", get(reports::new))
        .route("/reports/{number}", get(reports::show))
        .route("/reports/{number}/report.pdf", get(reports::pdf))
        .route("/search", get(search::show))
        .route("/my-disagreements", get(search::mine))
        .route("/retention", get(retention::show))
        .route("/retention/schedule", post(retention::set_schedule))
        .route("/retention/holds", post(retention::place_hold))
        .route(
            "/retention/holds/{case}/release",
            post(retention::release_hold),
        )
        .route(
            "/subject-access",
            get(subject_access::show).post(subject_access::export),
        )
        .route("/register.csv", get(register_page::csv))
        .merge(assets::router())
}

/// The home page: your work, once you have signed in.
async fn home(viewer: Option<Viewer>) -> Redirect {
    match viewer {
        Some(v) if v.principal.tier() == accord_policy::RoleTier::Admin => Redirect::to("/admin"),
        Some(_) => Redirect::to("/my-work"),
        None => Redirect::to("/sign-in"),
    }
}

/// What every page's frame shows: its title, whether it reports errors
/// (the title then starts "Error:"), who is signed in, and which part of
/// the navigation is current.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    /// The page's title, as its heading says it.
    pub(crate) title: String,
    /// Whether the page reports errors in an error summary.
    pub(crate) has_errors: bool,
    /// Who is signed in, if anyone.
    pub(crate) viewer: Option<ViewerBar>,
    /// The navigation item this page belongs to.
    pub(crate) section: Section,
}

/// The signed-in person, as the frame shows them.
#[derive(Debug, Clone)]
pub(crate) struct ViewerBar {
    /// Their name.
    pub(crate) name: String,
    /// Their role, in words.
    pub(crate) role: String,
    /// Their partnership's name.
    pub(crate) partnership: String,
    /// The token the sign-out form carries.
    pub(crate) csrf_token: String,
    /// They are an administrator, who looks after the directory and sees
    /// no case.
    pub(crate) admin: bool,
    /// They may see the partnership's insight (`access::may_see_insight`).
    pub(crate) insight: bool,
    /// How many of their notifications they have not marked read.
    pub(crate) unread: u64,
}

/// The parts of the service the navigation leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// No part in particular (sign-in, errors).
    None,
    /// My work.
    MyWork,
    /// Notifications.
    Notifications,
    /// The register.
    Register,
    /// My disagreements.
    MyDisagreements,
    /// Finding a case.
    Search,
    /// Insight: the partnership's figures.
    Insight,
    /// Raising a disagreement.
    Raise,
    /// The policies.
    Policies,
    /// Administration.
    Admin,
}

/// One link of the navigation.
pub(crate) struct NavItem {
    /// Where it goes.
    pub(crate) href: &'static str,
    /// Its words.
    pub(crate) text: &'static str,
    /// Whether it is the page shown.
    pub(crate) current: bool,
    /// How many unread things it leads to, said beside it when any.
    pub(crate) unread: u64,
}

impl Chrome {
    /// The frame of a page titled `title` in `section`, for `viewer`.
    pub(crate) fn new(
        title: impl Into<String>,
        section: Section,
        viewer: Option<&Viewer>,
    ) -> Chrome {
        Chrome {
            title: title.into(),
            has_errors: false,
            viewer: viewer.map(Viewer::bar),
            section,
        }
    }

    /// The navigation's links: an administrator's are administration and
    /// the policies, since they see no case.
    pub(crate) fn navigation(&self) -> Vec<NavItem> {
        let admin = self.viewer.as_ref().is_some_and(|v| v.admin);
        let insight = self.viewer.as_ref().is_some_and(|v| v.insight);
        let items: &[(&'static str, &'static str, Section)] = if admin {
            &[
                ("/admin", "Administration", Section::Admin),
                ("/insight", "Insight", Section::Insight),
                ("/policies", "Policies", Section::Policies),
            ]
        } else if insight {
            &[
                ("/my-work", "My work", Section::MyWork),
                ("/notifications", "Notifications", Section::Notifications),
                ("/raise", "Raise a disagreement", Section::Raise),
                (
                    "/my-disagreements",
                    "My disagreements",
                    Section::MyDisagreements,
                ),
                ("/register", "Register", Section::Register),
                ("/search", "Find a case", Section::Search),
                ("/insight", "Insight", Section::Insight),
                ("/policies", "Policies", Section::Policies),
            ]
        } else {
            &[
                ("/my-work", "My work", Section::MyWork),
                ("/notifications", "Notifications", Section::Notifications),
                ("/raise", "Raise a disagreement", Section::Raise),
                (
                    "/my-disagreements",
                    "My disagreements",
                    Section::MyDisagreements,
                ),
                ("/register", "Register", Section::Register),
                ("/search", "Find a case", Section::Search),
                ("/policies", "Policies", Section::Policies),
            ]
        };
        let unread = self.viewer.as_ref().map_or(0, |v| v.unread);
        items
            .iter()
            .map(|(href, text, section)| NavItem {
                href,
                text,
                current: *section == self.section,
                unread: if *section == Section::Notifications {
                    unread
                } else {
                    0
                },
            })
            .collect()
    }
}

/// Renders `page` as HTML, not to be cached: pages show personal data.
pub(crate) fn html(page: &impl Template) -> Response {
    html_with_status(StatusCode::OK, page)
}

/// Renders `page` as HTML with `status`.
pub(crate) fn html_with_status(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut response = (status, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(cause) => {
            tracing::error!(cause = %cause, "a page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side; it has been logged.",
            )
                .into_response()
        }
    }
}

/// A page that could not be shown, as a page: what went wrong, in words,
/// and where to go instead.
#[derive(Template)]
#[template(path = "problem.html")]
pub(crate) struct ProblemPage {
    chrome: Chrome,
    heading: String,
    message: String,
}

/// Why a page could not be shown.
#[derive(Debug)]
pub(crate) struct PageError {
    error: ApiError,
    viewer: Option<ViewerBar>,
}

impl PageError {
    /// `error`, as `viewer` will see it.
    pub(crate) fn new(error: ApiError, viewer: &Viewer) -> PageError {
        PageError {
            error,
            viewer: Some(viewer.bar()),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError {
            error,
            viewer: None,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.error.status();
        let retry_after = match self.error {
            ApiError::Busy { retry_after } | ApiError::TooManyAttempts { retry_after } => {
                Some(retry_after)
            }
            _ => None,
        };
        let (heading, message) = match status {
            _ if retry_after.is_some() => {
                ("Try again shortly", sentence(&self.error.body().message))
            }
            StatusCode::NOT_FOUND => (
                "Page not found",
                "There is nothing here that you may see. If you typed the address, check it is \
                 right; if you followed a link to a case, ask your partnership team."
                    .to_owned(),
            ),
            StatusCode::FORBIDDEN => ("You cannot do that", sentence(&self.error.body().message)),
            s if s.is_server_error() => {
                // Logged once, here, as the API logs its own.
                let _ = self.error.into_response();
                (
                    "Sorry, there is a problem with the service",
                    "It has been logged. Try again shortly; if it goes on, tell your \
                     partnership's administrator."
                        .to_owned(),
                )
            }
            _ => ("There is a problem", sentence(&self.error.body().message)),
        };
        let page = ProblemPage {
            chrome: Chrome {
                title: heading.to_owned(),
                has_errors: false,
                viewer: self.viewer,
                section: Section::None,
            },
            heading: heading.to_owned(),
            message,
        };
        let mut response = html_with_status(status, &page);
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A stage as a list names it: its name where that says which stage it is
/// ("Stage Two: Escalate to line manager"), else "Stage 2: Chair".
pub(crate) fn stage_words(number: accord_policy::StageNumber, name: &str) -> String {
    if name.starts_with("Stage") {
        name.to_owned()
    } else {
        format!("Stage {number}: {name}")
    }
}

/// `text` with its first letter a capital, as a list's entries start.
pub(crate) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A message from the engine or the API as a sentence: capitalised, with
/// a full stop.
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with(['.', '?', '!']) {
        out.push('.');
    }
    out
}

/// Draws a form the CSRF layer refused ([`crate::csrf::RefusedForm`]) as a
/// page; every other response passes as it is. The layer's own headers
/// (such as `Retry-After`) are kept, its JSON body replaced.
pub(crate) fn draw_refused_forms(mut response: Response) -> Response {
    let Some(RefusedForm(error)) = response.extensions_mut().remove::<RefusedForm>() else {
        return response;
    };
    let error = Arc::try_unwrap(error).unwrap_or_else(|shared| ApiError::Forbidden {
        code: "form_refused",
        message: shared.body().message,
    });
    let mut page = form_refused(error);
    for (name, value) in response.headers() {
        if !page.headers().contains_key(name) && name != header::CONTENT_LENGTH {
            page.headers_mut().insert(name, value.clone());
        }
    }
    page
}

/// The page for a form Accord would not act on: sent from another site, or
/// without this session's token (a page left open since an earlier
/// session, or signed out meanwhile).
fn form_refused(error: ApiError) -> Response {
    let message = match &error {
        ApiError::Forbidden { code, .. }
            if *code == "cross_site_request" || *code == "cross_origin_request" =>
        {
            "This form was sent from another website, so Accord has not acted on it. Use \
             Accord's own pages."
        }
        ApiError::Forbidden { code, .. } if code.starts_with("csrf_token") => {
            "This page was opened in an earlier session, so Accord has not acted on what it \
             sent. Go back, reload the page, and send it again: what you typed may still be \
             there after going back."
        }
        _ => return PageError::from(error).into_response(),
    };
    PageError::from(ApiError::Forbidden {
        code: "form_refused",
        message: message.to_owned(),
    })
    .into_response()
}

/// There is no such page: the error a page answers with for an address
/// that names nothing (a form, agency or person that does not exist).
pub(crate) fn no_such_page() -> ApiError {
    ApiError::NotFound {
        code: "no_such_page",
        message: String::new(),
    }
}

/// What a form that sent someone back did, as its address says
/// (`?done=escalate`), for the page to say so.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    pub(crate) done: String,
}

/// The 404 page for any address that is neither a page nor the API.
pub(crate) async fn not_found(viewer: Option<Viewer>) -> Response {
    let error = no_such_page();
    match viewer {
        Some(viewer) => PageError::new(error, &viewer).into_response(),
        None => PageError::from(error).into_response(),
    }
}
