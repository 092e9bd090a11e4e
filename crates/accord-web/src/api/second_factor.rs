//! Setting up the TOTP second factor: `POST /api/v1/me/second-factor`
//! makes a secret for the person's authenticator app, and `POST
//! /api/v1/me/second-factor/confirmation` keeps it once a code from the app
//! proves the app has it. From then on they sign in with a code too. Both
//! take a password session, including one whose partnership requires a
//! second factor it does not have yet (which may do nothing else until it
//! is confirmed), and starting asks for the password again, so that someone
//! holding a stolen session cannot put their own phone on the account.
//!
//! A lost phone is an administrator's `accord user reset-second-factor`.

use accord_store::{
    ChangedBy, MAX_PASSWORD_CHARS, SignInCheck,
    second_factor::{DIGITS, STEP_SECONDS},
};
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::session::{Attempt, Me, second_factor_state};
use std::net::IpAddr;

use accord_store::second_factor::Enrolment;

use crate::{
    ApiError, AppState, ErrorBody,
    auth::{ClientAddress, Enrolling, PasswordSession, Principal},
    extract::Json,
};

/// What an authenticator app needs. Shown once: keep it secret.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NewSecondFactor {
    /// The shared secret in base32, to type into the app.
    secret: String,
    /// The same as an `otpauth://totp/…` URI, to show as a QR code.
    otpauth_uri: String,
    /// How many digits each code has.
    #[schema(example = 6)]
    digits: u8,
    /// How many seconds each code lasts.
    #[schema(example = 30)]
    period_seconds: u64,
    /// The algorithm, as apps name it.
    #[schema(example = "SHA1")]
    algorithm: &'static str,
}

/// Your password, again: setting up a second factor is for the person,
/// not for whoever holds their session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Password {
    /// Your password, exactly as typed.
    #[schema(max_length = 256)]
    password: String,
}

/// A code from the authenticator app.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Code {
    /// The six digits the app shows now.
    #[schema(max_length = 20, example = "492039")]
    code: String,
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Start setting up a second factor: a secret for your authenticator app.
/// Starting again replaces a secret not yet confirmed.
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor",
    operation_id = "beginSecondFactor",
    tag = "sign-in",
    request_body = Password,
    responses(
        (status = 201, description = "The secret, shown once; confirm it with a code next.", body = NewSecondFactor),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "Signed in with a token: set it up from a password session.", body = ErrorBody),
        (status = 413, description = "The body is too large.", body = ErrorBody),
        (status = 415, description = "The body is not labelled JSON.", body = ErrorBody),
        (status = 422, description = "The password is not right (`wrong_password`), or you have a second factor already (`second_factor_exists`): an administrator resets a lost one.", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords or codes; `Retry-After` says when to try again.", body = ErrorBody),
        (status = 503, description = "Too many passwords are being checked at once: nothing was checked; `Retry-After` says when to try again.", body = ErrorBody),
    ),
    security(("session" = [], "csrf" = []))
)]
pub(crate) async fn begin(
    State(state): State<AppState>,
    PasswordSession(Enrolling(principal)): PasswordSession<Enrolling>,
    ClientAddress(address): ClientAddress,
    Json(body): Json<Password>,
) -> Result<Response, ApiError> {
    let enrolment = begin_enrolment(&state, &principal, address, &body.password).await?;
    Ok(no_store(
        (
            StatusCode::CREATED,
            Json(NewSecondFactor {
                secret: enrolment.secret,
                otpauth_uri: enrolment.uri,
                digits: DIGITS,
                period_seconds: STEP_SECONDS,
                algorithm: "SHA1",
            }),
        )
            .into_response(),
    ))
}

/// Confirm your new second factor with a code from your authenticator app.
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor/confirmation",
    operation_id = "confirmSecondFactor",
    tag = "sign-in",
    request_body = Code,
    responses(
        (status = 200, description = "Confirmed: from now on you sign in with a code, and this session may do everything you may.", body = Me),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 413, description = "The body is too large.", body = ErrorBody),
        (status = 415, description = "The body is not labelled JSON.", body = ErrorBody),
        (status = 403, description = "Signed in with a token.", body = ErrorBody),
        (status = 422, description = "The code is not the one the app shows now for the secret being set up (`wrong_code`).", body = ErrorBody),
        (status = 429, description = "Too many wrong codes or passwords; `Retry-After` says when to try again.", body = ErrorBody),
    ),
    security(("session" = [], "csrf" = []))
)]
pub(crate) async fn confirm(
    State(state): State<AppState>,
    PasswordSession(Enrolling(principal)): PasswordSession<Enrolling>,
    ClientAddress(address): ClientAddress,
    Json(body): Json<Code>,
) -> Result<Response, ApiError> {
    confirm_enrolment(&state, &principal, address, &body.code).await?;
    let store = state.store();
    let standing = store.second_factor_standing(&principal.person).await?;
    let me = Me::new(
        &principal.person,
        &principal.scopes,
        &principal.signed_in_with,
        second_factor_state(standing),
    );
    Ok(no_store(Json(me).into_response()))
}

/// Starts setting up `principal`'s second factor, once `password` proves
/// it is them: the secret for their app. The API and the page both start
/// here.
pub(crate) async fn begin_enrolment(
    state: &AppState,
    principal: &Principal,
    address: Option<IpAddr>,
    password: &str,
) -> Result<Enrolment, ApiError> {
    principal.require_session()?;
    let now = state.now();
    let store = state.store();
    let attempt = Attempt::count(store, &principal.person.sign_in, address, now).await?;
    let verified = password.chars().count() <= MAX_PASSWORD_CHARS
        && matches!(
            attempt
                .check_password(&principal.person.sign_in, password)
                .await?,
            SignInCheck::Verified(ref p) if p.id == principal.person.id
        );
    if !verified {
        return Err(ApiError::Unprocessable {
            code: "wrong_password",
            message: "that is not your password: setting up a second factor needs it again"
                .to_owned(),
            field: Some("password".to_owned()),
        });
    }
    attempt.succeeded().await?;
    let issuer = format!("Accord {}", principal.partnership());
    let enrolment = store
        .begin_second_factor(&principal.person, &issuer, now)
        .await?
        .ok_or_else(|| ApiError::Unprocessable {
            code: "second_factor_exists",
            message: "you have a second factor already: if you have lost it, ask your \
                      partnership's administrator to reset it"
                .to_owned(),
            field: None,
        })?;
    Ok(enrolment)
}

/// Keeps the second factor being set up once `code` is the one its app
/// shows now.
pub(crate) async fn confirm_enrolment(
    state: &AppState,
    principal: &Principal,
    address: Option<IpAddr>,
    code: &str,
) -> Result<(), ApiError> {
    principal.require_session()?;
    let now = state.now();
    let store = state.store();
    let attempt = Attempt::count(store, &principal.person.sign_in, address, now).await?;
    let confirmed = code.len() <= 20
        && store
            .confirm_second_factor(
                principal.id(),
                code,
                now,
                &ChangedBy::Person(principal.id().clone()),
            )
            .await?;
    if !confirmed {
        return Err(ApiError::Unprocessable {
            code: "wrong_code",
            message: "that code is not the one your authenticator app shows now: check the \
                      app was set up with this secret, and enter the current code"
                .to_owned(),
            field: Some("code".to_owned()),
        });
    }
    attempt.succeeded().await
}
