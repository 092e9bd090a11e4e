//! Changing your own password in the browser (issue 13 §4): `GET
//! /account/password` asks for the password now and the new one twice,
//! and `POST` changes it through the API's own `change_password`. Your
//! other sessions end; this one goes on, and the page says so.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use super::{
    Chrome, PageError, Section, Viewer,
    extract::Form,
    form::{Errors, FieldError},
    html_with_status,
};
use crate::{ApiError, AppState, api::password::change_password};

#[derive(Template)]
#[template(path = "password.html")]
struct Page {
    chrome: Chrome,
    errors: Vec<FieldError>,
    csrf_token: String,
    /// The password was changed just now.
    changed: bool,
}

impl Page {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn page(viewer: &Viewer, errors: Errors, changed: bool) -> Response {
    let mut chrome = Chrome::new("Change your password", Section::None, Some(viewer));
    chrome.has_errors = !errors.is_empty();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_with_status(
        status,
        &Page {
            chrome,
            errors: errors.0,
            csrf_token: viewer.csrf_token().to_owned(),
            changed,
        },
    )
}

/// `GET /account/password`.
pub(crate) async fn show(viewer: Viewer) -> Response {
    page(&viewer, Errors::default(), false)
}

/// What the form sends.
#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /account/password`.
pub(crate) async fn change(
    State(state): State<AppState>,
    viewer: Viewer,
    crate::auth::ClientAddress(address): crate::auth::ClientAddress,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let mut errors = Errors::default();
    if form.current_password.is_empty() {
        errors.add("current_password", "Enter your password now");
    }
    if form.new_password.is_empty() {
        errors.add("new_password", "Enter a new password");
    } else if form.new_password != form.confirm_password {
        errors.add(
            "confirm_password",
            "Type the new password again, exactly as above",
        );
    }
    if !errors.is_empty() {
        return Ok(page(&viewer, errors, false));
    }
    match change_password(
        &state,
        &viewer.principal,
        address,
        &form.current_password,
        &form.new_password,
    )
    .await
    {
        Ok(()) => Ok(page(&viewer, Errors::default(), true)),
        Err(ApiError::Unprocessable { field, message, .. }) => {
            let field = field.unwrap_or_else(|| "current_password".to_owned());
            let message = match field.as_str() {
                "current_password" => {
                    "Your password now is not right: type the one you signed in with".to_owned()
                }
                _ => super::sentence(&message),
            };
            errors.add(&field, message);
            Ok(page(&viewer, errors, false))
        }
        Err(e) => Err(PageError::new(e, &viewer)),
    }
}
