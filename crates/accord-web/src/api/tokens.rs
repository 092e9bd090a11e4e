//! API tokens for other systems: `POST /api/v1/tokens` makes one (from a
//! password session only), shown once and stored as its SHA-256;
//! `DELETE /api/v1/tokens/{id}` revokes one. A token is sent as
//! `Authorization: Bearer accord_…` and may do only what its scopes allow.

use accord_store::{ChangedBy, Scope};
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    ApiError, AppState, ErrorBody,
    auth::{PasswordSession, Principal},
    extract::{Json, Path},
};

/// The longest label a token may have.
const MAX_LABEL_CHARS: usize = 100;

/// A token to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTokenRequest {
    /// What it may do: `read`, `write`, or both.
    #[schema(value_type = Vec<String>, example = json!(["read"]))]
    scopes: Vec<Scope>,
    /// What it is for, such as the name of the system that uses it.
    #[schema(example = "children's services case system")]
    label: String,
}

/// A new token. `token` is shown only this once: keep it secret.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NewTokenBody {
    /// Its id, for revoking it.
    id: String,
    /// The bearer secret, to send as `Authorization: Bearer …`.
    token: String,
    /// What it may do.
    scopes: Vec<String>,
    /// What it is for.
    label: String,
}

/// Make an API token (signed in with a password only).
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    operation_id = "createToken",
    tag = "sign-in",
    request_body = NewTokenRequest,
    responses(
        (status = 201, description = "The token, shown once.", body = NewTokenBody),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 413, description = "The body is too large.", body = ErrorBody),
        (status = 415, description = "The body is not labelled JSON.", body = ErrorBody),
        (status = 403, description = "Signed in with a token, which cannot make tokens.", body = ErrorBody),
        (status = 422, description = "No scopes, or the label is blank or too long.", body = ErrorBody),
    ),
    security(("session" = [], "csrf" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    PasswordSession(principal): PasswordSession<Principal>,
    Json(body): Json<NewTokenRequest>,
) -> Result<Response, ApiError> {
    let invalid = |field: &str, message: &str| ApiError::Unprocessable {
        code: "invalid_body",
        message: message.to_owned(),
        field: Some(field.to_owned()),
    };
    if body.scopes.is_empty() {
        return Err(invalid(
            "scopes",
            "give the token at least one scope: `read`, `write`, or both",
        ));
    }
    let label = body.label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        return Err(invalid(
            "label",
            "label the token with what uses it, in 1 to 100 characters",
        ));
    }
    let token = state
        .store()
        .create_token(
            principal.id(),
            &body.scopes,
            label,
            state.now(),
            &ChangedBy::Person(principal.id().clone()),
        )
        .await?;
    let mut scopes: Vec<Scope> = body.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let mut response = (
        StatusCode::CREATED,
        Json(NewTokenBody {
            id: token.id,
            token: token.secret,
            scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            label: label.to_owned(),
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Revoke one of your API tokens.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    operation_id = "revokeToken",
    tag = "sign-in",
    params(("id" = String, Path, description = "The token's id.")),
    responses(
        (status = 204, description = "Revoked: it no longer works."),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token lacks the `write` scope.", body = ErrorBody),
        (status = 404, description = "You have no live token with that id.", body = ErrorBody),
    ),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state
        .store()
        .revoke_token(
            principal.id(),
            &id,
            state.now(),
            &ChangedBy::Person(principal.id().clone()),
        )
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound {
            code: "unknown_token",
            message: "you have no live token with that id: it may be revoked already".to_owned(),
        })
    }
}
