//! `POST /api/v1/me/password`: a signed-in person changes their own
//! password, from a password session only (issue 13 §4). Their other
//! sessions end; the one they changed it from, their API tokens and their
//! calendar feed stay. An administrator never sets someone else's
//! password here: `accord user reset-password` is the operator's.

use accord_store::Password;
use axum::{extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    ApiError, AppState, ErrorBody,
    api::session::Attempt,
    auth::{ClientAddress, PasswordSession, Principal, SignedInWith},
    extract::Json,
};

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    /// The password now.
    current_password: String,
    /// The new one: 12 to 256 characters.
    new_password: String,
}

/// Change your own password (signed in with a password only).
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    operation_id = "changePassword",
    tag = "sign-in",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed: your other sessions have ended."),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "Signed in with a token, which cannot change a password.", body = ErrorBody),
        (status = 413, description = "The body is too large.", body = ErrorBody),
        (status = 415, description = "The body is not labelled JSON.", body = ErrorBody),
        (status = 422, description = "The password now is wrong (`wrong_password`), or the new one is too short or too long (`weak_password`).", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords: wait as `Retry-After` says.", body = ErrorBody),
        (status = 503, description = "Too many passwords are being checked: try again in a second.", body = ErrorBody),
    ),
    security(("session" = [], "csrf" = []))
)]
pub(crate) async fn change(
    State(state): State<AppState>,
    PasswordSession(principal): PasswordSession<Principal>,
    ClientAddress(address): ClientAddress,
    Json(body): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    change_password(
        &state,
        &principal,
        address,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes `principal`'s password from their session, as the API and the
/// page both do: a 422 naming the field for a wrong password now or a new
/// one Accord does not accept. A wrong password now counts against the
/// sign-in throttle like a wrong password at sign-in, so a session left
/// open cannot be used to guess it.
pub(crate) async fn change_password(
    state: &AppState,
    principal: &Principal,
    address: Option<std::net::IpAddr>,
    current: &str,
    new: &str,
) -> Result<(), ApiError> {
    let SignedInWith::Session { session_id, .. } = &principal.signed_in_with else {
        return Err(ApiError::Forbidden {
            code: "session_required",
            message: "sign in with your password to change it: an API token cannot".to_owned(),
        });
    };
    let new = Password::parse(new).map_err(|e| ApiError::Unprocessable {
        code: "weak_password",
        message: format!("{e}: choose a new password of 12 to 256 characters"),
        field: Some("new_password".to_owned()),
    })?;
    let attempt = Attempt::count(
        state.store(),
        &principal.person.sign_in,
        address,
        state.now(),
    )
    .await?;
    let changed = match state
        .store()
        .change_own_password(&principal.person, session_id, current, &new, state.now())
        .await
    {
        Err(busy @ accord_store::AccountError::Busy { .. }) => {
            attempt.not_a_failure().await?;
            return Err(busy.into());
        }
        changed => changed?,
    };
    if changed {
        attempt.succeeded().await?;
    } else {
        return Err(ApiError::Unprocessable {
            code: "wrong_password",
            message: "that is not your password now: type the password you signed in with"
                .to_owned(),
            field: Some("current_password".to_owned()),
        });
    }
    Ok(())
}
