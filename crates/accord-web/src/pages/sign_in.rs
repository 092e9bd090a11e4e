//! Signing in and out in the browser: `GET /sign-in` shows the form, `POST
//! /sign-in` checks it the same way as the API (the throttle, the password,
//! the code where they have a second factor) and sends them on to the page
//! they asked for, and `POST /sign-out` ends the session.
//!
//! A mistake shows the form again with an error summary and the message by
//! the field; the sign-in name typed is kept, the password never.

use super::extract::{Form, Query};
use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use serde::Deserialize;

use super::{Chrome, Section, form::FieldError, html, html_with_status, viewer::local_path};
use crate::{
    ApiError, AppState,
    api::session::check_sign_in,
    auth::{self, ClientAddress},
};

/// The sign-in page.
#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    sign_in: String,
    next: String,
    ask_code: bool,
    /// The identity providers offered, as (id, name), by partnership and
    /// name (issue 16).
    providers: Vec<(String, String)>,
}

impl SignInPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// Where to go after signing in.
#[derive(Debug, Deserialize)]
pub(crate) struct Next {
    #[serde(default)]
    next: String,
}

fn page(errors: Vec<FieldError>, sign_in: String, next: String, ask_code: bool) -> SignInPage {
    let mut chrome = Chrome::new("Sign in", Section::None, None);
    chrome.has_errors = !errors.is_empty();
    SignInPage {
        chrome,
        errors,
        sign_in,
        next,
        ask_code,
        providers: Vec::new(),
    }
}

/// The enabled identity providers of every partnership, as the sign-in
/// page offers them.
async fn offered(state: &AppState) -> Result<Vec<(String, String)>, ApiError> {
    Ok(state
        .store()
        .identity_providers(None)
        .await?
        .into_iter()
        .filter(|p| p.enabled)
        .map(|p| (p.id, p.name))
        .collect())
}

/// `page` with the identity providers offered.
async fn with_providers(state: &AppState, mut page: SignInPage) -> Result<SignInPage, ApiError> {
    page.providers = offered(state).await?;
    Ok(page)
}

/// Show the sign-in form.
pub(crate) async fn show(State(state): State<AppState>, Query(next): Query<Next>) -> Response {
    let next = local_path(&next.next).unwrap_or_default().to_owned();
    match with_providers(&state, page(Vec::new(), String::new(), next, false)).await {
        Ok(page) => html(&page),
        Err(e) => super::PageError::from(e).into_response(),
    }
}

/// What the sign-in form sends.
#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    sign_in: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// Sign in: on to the page asked for, or the form again saying what to fix.
pub(crate) async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = local_path(&form.next).unwrap_or_default().to_owned();
    let mut errors = Vec::new();
    if form.sign_in.trim().is_empty() {
        errors.push(FieldError::new("sign_in", "Enter your sign-in name"));
    }
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    if !errors.is_empty() {
        let page = page(errors, form.sign_in, next, !form.code.is_empty());
        return match with_providers(&state, page).await {
            Ok(page) => html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
            Err(e) => super::PageError::from(e).into_response(),
        };
    }
    let code = Some(form.code.as_str()).filter(|c| !c.trim().is_empty());
    match check_sign_in(&state, address, &form.sign_in, &form.password, code).await {
        Ok(signed_in) => {
            let to = if signed_in.standing.must_enrol() {
                "/second-factor".to_owned()
            } else if next.is_empty() {
                // Home sends each to their start: My work, or administration.
                "/".to_owned()
            } else {
                next
            };
            let mut response = Redirect::to(&to).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                auth::set_session_cookie(&signed_in.secret, state.secure_cookies()),
            );
            response
        }
        Err(error) => {
            let (field, message, ask_code) = match &error {
                ApiError::Unauthorized { code, .. } if *code == "second_factor_required" => (
                    "code",
                    "Enter the 6-digit code from your authenticator app, with your password again"
                        .to_owned(),
                    true,
                ),
                ApiError::Unauthorized { code, .. } if *code == "second_factor_failed" => (
                    "code",
                    "The code is not right or has been used: enter the code your app shows now, \
                     with your password again"
                        .to_owned(),
                    true,
                ),
                ApiError::Unauthorized { .. } => (
                    "sign_in",
                    "The sign-in name or the password is not right: check both".to_owned(),
                    false,
                ),
                ApiError::TooManyAttempts { retry_after } => (
                    "sign_in",
                    format!(
                        "Too many failed sign-ins: wait {} and try again, or ask your \
                         partnership's administrator to reset your password",
                        wait_words(*retry_after)
                    ),
                    code.is_some(),
                ),
                ApiError::Busy { retry_after } => {
                    // The form again, with the 503 and `Retry-After` the
                    // API gives, so a browser or proxy knows it too.
                    let retry_after = *retry_after;
                    let message = format!(
                        "Accord is busy checking other sign-ins: wait {} and sign in again",
                        wait_words(retry_after)
                    );
                    let mut response = html_with_status(
                        error.status(),
                        &page(
                            vec![FieldError::new("sign_in", message)],
                            form.sign_in,
                            next,
                            code.is_some(),
                        ),
                    );
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
                    return response;
                }
                ApiError::Forbidden { code, .. } if *code == "account_disabled" => (
                    "sign_in",
                    "This account is disabled: ask your partnership's administrator to enable it"
                        .to_owned(),
                    false,
                ),
                ApiError::Forbidden { code, message } if *code == "password_sign_in_off" => {
                    ("sign_in", capitalised(message), false)
                }
                _ => return super::PageError::from(error).into_response(),
            };
            // The page answers with the API's status (401, 403, 429), so a
            // script or a proxy reads a refusal as one, and a throttled
            // sign-in says when to try again (issue 11, finding 12).
            let page = page(
                vec![FieldError::new(field, message)],
                form.sign_in,
                next,
                ask_code,
            );
            let page = match with_providers(&state, page).await {
                Ok(page) => page,
                Err(e) => return super::PageError::from(e).into_response(),
            };
            let mut response = html_with_status(error.status(), &page);
            if let ApiError::TooManyAttempts { retry_after } = error {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            response
        }
    }
}

/// `s` with its first letter a capital: an API message as a sentence.
pub(crate) fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// How long to wait, in words.
pub(crate) fn wait_words(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds} second{}", if seconds == 1 { "" } else { "s" }),
        _ => {
            let minutes = seconds.div_ceil(60);
            format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
        }
    }
}

/// Sign out: the session ends and its cookie goes. A session begun
/// through an identity provider that offers sign-out goes on to sign out
/// there too (RP-initiated logout, issue 16), and comes back to sign-in.
pub(crate) async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut at_provider = None;
    if let Some(secret) = auth::session_cookie(&headers) {
        at_provider = super::provider_sign_in::sign_out_at_provider(&state, &secret).await;
        if let Err(error) = state.store().end_session(&secret).await {
            return super::PageError::from(ApiError::from(error)).into_response();
        }
    }
    let mut response = at_provider.unwrap_or_else(|| Redirect::to("/sign-in").into_response());
    let headers = response.headers_mut();
    headers.insert(
        header::SET_COOKIE,
        auth::clear_session_cookie(state.secure_cookies()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_said_in_seconds_or_whole_minutes() {
        assert_eq!(wait_words(1), "1 second");
        assert_eq!(wait_words(30), "30 seconds");
        assert_eq!(wait_words(61), "2 minutes");
        assert_eq!(wait_words(900), "15 minutes");
    }
}
