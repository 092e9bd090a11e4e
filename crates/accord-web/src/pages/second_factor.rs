//! Setting up the second factor in the browser: `GET /second-factor` says
//! why and asks for the password again, `POST /second-factor` shows the
//! secret for the authenticator app (as a QR code and as text to type) and
//! asks for the code the app then shows, and `POST /second-factor/confirm`
//! keeps it. The API's enrolment does the work, with the same throttle.
//!
//! Someone whose partnership requires a second factor they do not have is
//! sent here from every other page until it is set up.

use super::extract::Form;
use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use qrcode::{QrCode, render::svg};
use serde::Deserialize;

use super::{
    Chrome, PageError, Section,
    form::{Errors, FieldError},
    html_with_status, sentence,
    viewer::Enrolling,
};
use crate::{
    ApiError, AppState,
    api::second_factor::{begin_enrolment, confirm_enrolment},
    auth::ClientAddress,
};

#[derive(Template)]
#[template(path = "second_factor.html")]
struct Page {
    chrome: Chrome,
    errors: Vec<FieldError>,
    csrf_token: String,
    /// Why it is asked for: the partnership requires it.
    required: bool,
    /// They have one already.
    has_one: bool,
    /// The secret being set up, once the password is given: as text in
    /// groups of four, as a QR code (SVG), and as sent back with its URI.
    secret: Option<(String, String, String, String)>,
}

impl Page {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn page(
    state: &AppState,
    viewer: &super::Viewer,
    errors: Errors,
    secret: Option<(String, String)>,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| PageError::new(e, viewer);
    let store = state.store();
    let required = store
        .second_factor_required(viewer.principal.partnership())
        .await
        .map_err(|e| fail(e.into()))?;
    let has_one = store
        .has_second_factor(viewer.principal.id())
        .await
        .map_err(|e| fail(e.into()))?;
    let mut chrome = Chrome::new("Set up a second factor", Section::None, Some(viewer));
    chrome.has_errors = !errors.is_empty();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = Page {
        chrome,
        errors: errors.0,
        csrf_token: viewer.csrf_token().to_owned(),
        required,
        has_one,
        secret: secret.map(|(secret, uri)| (grouped(&secret), qr_svg(&uri), secret, uri)),
    };
    Ok(html_with_status(status, &page))
}

/// `ABCDEFGH…` as `ABCD EFGH …`, easier to type.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The otpauth URI as a QR code, as an inline SVG that says what it is.
fn qr_svg(uri: &str) -> String {
    if uri.is_empty() {
        return String::new();
    }
    let Ok(code) = QrCode::new(uri.as_bytes()) else {
        return String::new();
    };
    let drawn = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = drawn.find("<svg").unwrap_or(0);
    drawn[start..].replacen(
        "<svg",
        "<svg role=\"img\" aria-label=\"A QR code for your authenticator app to scan\" \
         class=\"accord-qr\"",
        1,
    )
}

/// `GET /second-factor`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Enrolling(viewer): Enrolling,
) -> Result<Response, PageError> {
    page(&state, &viewer, Errors::default(), None).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    password: String,
}

/// `POST /second-factor`: the password again, then the secret.
pub(crate) async fn begin(
    State(state): State<AppState>,
    Enrolling(viewer): Enrolling,
    ClientAddress(address): ClientAddress,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let mut errors = Errors::default();
    if form.password.is_empty() {
        errors.add("password", "Enter your password");
        return page(&state, &viewer, errors, None).await;
    }
    match begin_enrolment(&state, &viewer.principal, address, &form.password).await {
        Ok(enrolment) => {
            page(
                &state,
                &viewer,
                Errors::default(),
                Some((enrolment.secret, enrolment.uri)),
            )
            .await
        }
        Err(error) => {
            errors.add(
                "password",
                refusal(&error).ok_or_else(|| PageError::new(error, &viewer))?,
            );
            page(&state, &viewer, errors, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    uri: String,
}

/// `POST /second-factor/confirm`: the code from the app keeps it.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    Enrolling(viewer): Enrolling,
    ClientAddress(address): ClientAddress,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let code: String = form.code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut errors = Errors::default();
    let again = || {
        // The secret is shown again from what the page sent; the store
        // checks the code against its own copy.
        let uri = if form.uri.starts_with("otpauth://") {
            form.uri.clone()
        } else {
            String::new()
        };
        Some((form.secret.clone(), uri))
    };
    if code.is_empty() {
        errors.add(
            "code",
            "Enter the 6-digit code your authenticator app shows",
        );
        return page(&state, &viewer, errors, again()).await;
    }
    match confirm_enrolment(&state, &viewer.principal, address, &code).await {
        Ok(()) => Ok(Redirect::to("/my-work").into_response()),
        Err(error) => {
            errors.add(
                "code",
                refusal(&error).ok_or_else(|| PageError::new(error, &viewer))?,
            );
            page(&state, &viewer, errors, again()).await
        }
    }
}

/// A refusal to show by the field, or `None` for one to show as a page.
fn refusal(error: &ApiError) -> Option<String> {
    match error {
        ApiError::Unprocessable { message, .. } => {
            Some(sentence(message).trim_end_matches('.').to_owned())
        }
        ApiError::TooManyAttempts { retry_after } => Some(format!(
            "Too many wrong passwords or codes: wait {} minutes and try again",
            retry_after.div_ceil(60)
        )),
        _ => None,
    }
}
