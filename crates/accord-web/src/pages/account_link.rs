//! Choosing your own password with a link from an email, and asking for
//! one (issue 13 §4: "People invited, not told a password").
//!
//! - `GET /account/set-password/{token}` is the link in an invitation or a
//!   password reset (see `accord_store`'s `account_links`). It keeps the
//!   token in a short-lived cookie only this path reads and sends the
//!   browser on to `/account/set-password`, answering with
//!   `Referrer-Policy: no-referrer`: so the token leaves the address bar at
//!   once, is in no page's address, and is never sent as a `Referer`,
//!   while the form on the next page still posts with its own origin
//!   (a page served with `no-referrer` would post `Origin: null`, which
//!   the CSRF layer rightly refuses).
//! - `GET /account/set-password` asks for the new password twice, or says
//!   the link does not work (used, expired, replaced by a newer one, or
//!   never sent) and what to do; `POST` sets it, which spends the link and
//!   ends every session, API token and calendar feed the person had. It
//!   signs nobody in: they sign in with the new password, which leads into
//!   setting up a second factor where their partnership requires one.
//! - `GET /account/forgotten-password` asks for an email address, and
//!   `POST` answers with the same words and status whether or not the
//!   address is anyone's, after the same work: the request is counted
//!   against the sign-in throttle under the address (so nobody can flood
//!   a mailbox), and the store writes a reset email for the job runner to
//!   send if the address is known, so the request never waits on the mail
//!   server.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{
    Chrome, PageError, Section,
    extract::{Form, Path},
    form::{Errors, FieldError},
    html_with_status, sentence,
};
use crate::{
    ApiError, AppState,
    api::session::account_key,
    auth::{self},
};
use accord_store::{LinkPurpose, Password, RESET_LINK_LIFETIME, ThrottleRule};

/// The cookie that carries a link's token from the link to the form.
const LINK_COOKIE: &str = "accord-link";
/// Where it is sent: the form's own path, and nowhere else.
const LINK_PATH: &str = "/account/set-password";
/// How long it lasts: long enough to choose a password.
const LINK_COOKIE_SECONDS: u32 = 60 * 60;

/// A token as a link carries it: 64 hex digits. Anything else is no
/// link, and never reaches a header.
fn token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn link_cookie(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie_named(headers, LINK_COOKIE).filter(|v| token_shape(v))
}

fn set_link_cookie(token: &str, secure: bool) -> HeaderValue {
    // Lax, not Strict: the link is opened from a mail program, another
    // site, and the cookie must come with the redirect that follows.
    crate::auth::lax_cookie(
        LINK_COOKIE,
        LINK_PATH,
        Some(token),
        u64::from(LINK_COOKIE_SECONDS),
        secure,
    )
}

fn clear_link_cookie(secure: bool) -> HeaderValue {
    crate::auth::lax_cookie(LINK_COOKIE, LINK_PATH, None, 0, secure)
}

/// What the set-password page shows.
enum Shown {
    /// The form, for someone with a working link.
    Form { purpose: LinkPurpose, name: String },
    /// The password is set.
    Done { second_factor_next: bool },
    /// The link does not work.
    NotWorking,
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    /// For a browser that is also signed in: the session's CSRF token,
    /// which the CSRF layer asks of any change it sends.
    csrf_token: Option<String>,
    form: bool,
    invitation: bool,
    name: String,
    done: bool,
    second_factor_next: bool,
    reset_hours: i64,
}

impl SetPasswordPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn set_password_page(shown: Shown, errors: Errors, headers: &HeaderMap) -> Response {
    let (title, status) = match &shown {
        Shown::Form {
            purpose: LinkPurpose::Invitation,
            ..
        } => ("Choose your password", StatusCode::OK),
        Shown::Form { .. } => ("Choose a new password", StatusCode::OK),
        Shown::Done { .. } => ("Your password is set", StatusCode::OK),
        Shown::NotWorking => ("This link does not work", StatusCode::NOT_FOUND),
    };
    let status = if errors.is_empty() {
        status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut chrome = Chrome::new(title, Section::None, None);
    chrome.has_errors = !errors.is_empty();
    let (form, invitation, name) = match &shown {
        Shown::Form { purpose, name } => (true, *purpose == LinkPurpose::Invitation, name.clone()),
        _ => (false, false, String::new()),
    };
    html_with_status(
        status,
        &SetPasswordPage {
            chrome,
            errors: errors.0,
            csrf_token: auth::session_cookie(headers).map(|s| crate::csrf::token_for(&s)),
            form,
            invitation,
            name,
            done: matches!(shown, Shown::Done { .. }),
            second_factor_next: matches!(
                shown,
                Shown::Done {
                    second_factor_next: true
                }
            ),
            reset_hours: RESET_LINK_LIFETIME.as_hours(),
        },
    )
}

/// `GET /account/set-password/{token}`: the link in the email.
pub(crate) async fn follow(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let mut response = Redirect::to(LINK_PATH).into_response();
    let headers = response.headers_mut();
    let cookie = if token_shape(&token) {
        set_link_cookie(&token.to_ascii_lowercase(), state.secure_cookies())
    } else {
        clear_link_cookie(state.secure_cookies())
    };
    headers.insert(header::SET_COOKIE, cookie);
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// `GET /account/set-password`.
pub(crate) async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let shown = match link_cookie(&headers) {
        None => Shown::NotWorking,
        Some(token) => match state
            .store()
            .account_link(&token, state.now())
            .await
            .map_err(|e| PageError::from(ApiError::from(e)))?
        {
            Some((person, purpose)) => Shown::Form {
                purpose,
                name: person.name,
            },
            None => Shown::NotWorking,
        },
    };
    Ok(set_password_page(shown, Errors::default(), &headers))
}

/// What the form sends.
#[derive(Debug, Deserialize)]
pub(crate) struct NewPasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /account/set-password`.
pub(crate) async fn set(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| PageError::from(e);
    let Some(token) = link_cookie(&headers) else {
        return Ok(set_password_page(
            Shown::NotWorking,
            Errors::default(),
            &headers,
        ));
    };
    let store = state.store();
    let now = state.now();
    let Some((person, purpose)) = store
        .account_link(&token, now)
        .await
        .map_err(|e| fail(e.into()))?
    else {
        return Ok(set_password_page(
            Shown::NotWorking,
            Errors::default(),
            &headers,
        ));
    };
    let mut errors = Errors::default();
    let password = if form.new_password.is_empty() {
        errors.add("new_password", "Enter a password");
        None
    } else {
        match Password::parse(&form.new_password) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.add(
                    "new_password",
                    sentence(&e.to_string()).trim_end_matches('.'),
                );
                None
            }
        }
    };
    if password.is_some() && form.new_password != form.confirm_password {
        errors.add(
            "confirm_password",
            "Type the password again, exactly as above",
        );
    }
    let (Some(password), true) = (password, errors.is_empty()) else {
        let shown = Shown::Form {
            purpose,
            name: person.name,
        };
        return Ok(set_password_page(shown, errors, &headers));
    };
    let used = store
        .use_account_link(&token, &password, now)
        .await
        .map_err(|e| fail(e.into()))?;
    let shown = match used {
        Some((person, _)) => {
            let standing = store
                .second_factor_standing(&person)
                .await
                .map_err(|e| fail(e.into()))?;
            tracing::info!("a password was set with a link");
            Shown::Done {
                second_factor_next: standing.must_enrol(),
            }
        }
        // Used, or replaced, by another request a moment before.
        None => Shown::NotWorking,
    };
    let mut response = set_password_page(shown, Errors::default(), &headers);
    response.headers_mut().insert(
        header::SET_COOKIE,
        clear_link_cookie(state.secure_cookies()),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "forgotten_password.html")]
struct ForgottenPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    email: String,
    /// The request was taken: the answer, the same whoever asked.
    asked: bool,
    reset_hours: i64,
    csrf_token: Option<String>,
}

impl ForgottenPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn forgotten_page(
    status: StatusCode,
    email: String,
    errors: Errors,
    asked: bool,
    headers: &HeaderMap,
) -> Response {
    let title = if asked {
        "Check your email"
    } else {
        "Forgotten your password?"
    };
    let mut chrome = Chrome::new(title, Section::None, None);
    chrome.has_errors = !errors.is_empty();
    html_with_status(
        status,
        &ForgottenPage {
            chrome,
            errors: errors.0,
            email,
            asked,
            reset_hours: RESET_LINK_LIFETIME.as_hours(),
            csrf_token: auth::session_cookie(headers).map(|s| crate::csrf::token_for(&s)),
        },
    )
}

/// `GET /account/forgotten-password`.
pub(crate) async fn forgotten(headers: HeaderMap) -> Response {
    forgotten_page(
        StatusCode::OK,
        String::new(),
        Errors::default(),
        false,
        &headers,
    )
}

/// What the form sends.
#[derive(Debug, Deserialize)]
pub(crate) struct ForgottenForm {
    #[serde(default)]
    email: String,
}

/// The longest email address there can be (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;

/// `POST /account/forgotten-password`.
pub(crate) async fn ask(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ForgottenForm>,
) -> Result<Response, PageError> {
    let email = form.email.trim().to_owned();
    let mut errors = Errors::default();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    } else if email.chars().count() > MAX_EMAIL_CHARS
        || email.chars().any(char::is_whitespace)
        || !email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
    {
        errors.add(
            "email",
            "Enter an email address in the correct format, like name@agency.example",
        );
    }
    if !errors.is_empty() {
        return Ok(forgotten_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            form.email,
            errors,
            false,
            &headers,
        ));
    }
    let store = state.store();
    let now = state.now();
    // Every request counts, known address or not, under the same key the
    // sign-in throttle would give it (no sign-in name holds an `@`).
    let fail = |e: ApiError| PageError::from(e);
    if let Err(until) = store
        .count_attempt(&account_key(&email), ThrottleRule::ACCOUNT, now)
        .await
        .map_err(|e| fail(e.into()))?
    {
        let seconds = u64::try_from(until.duration_since(now).as_secs().max(1)).unwrap_or(1);
        errors.add(
            "email",
            format!(
                "You have asked for several links in a short time: wait {} and ask again",
                super::sign_in::wait_words(seconds)
            ),
        );
        let mut response = forgotten_page(
            StatusCode::TOO_MANY_REQUESTS,
            email,
            errors,
            false,
            &headers,
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return Ok(response);
    }
    store
        .request_password_reset(&email, now)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(forgotten_page(
        StatusCode::OK,
        email,
        Errors::default(),
        true,
        &headers,
    ))
}
