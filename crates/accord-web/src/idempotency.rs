//! Idempotency keys: a client that sends `Idempotency-Key: …` with a POST
//! that raises a case or changes one, and then retries it (a timeout, a
//! dropped connection), gets the first answer again instead of a second
//! case or a discussion recorded twice (issue 11, finding 12).
//!
//! The key is claimed before the handler runs, for the credential the
//! request carries (a token or a session, kept only as a hash), so one
//! client's key never answers another's request. A successful (2xx) answer
//! is kept for a day ([`accord_store::IDEMPOTENCY_KEPT_FOR`]); any other is
//! let go, since it changed nothing and a retry should be answered afresh.
//! The same key with a different request is a 422; a retry that arrives
//! while the first is still being answered is a 409.
//!
//! API tokens and second-factor secrets are shown once and never kept, so
//! their routes refuse a key (400) rather than store a secret to replay.

use accord_store::IdempotencyClaim;
use axum::{
    body::Body,
    extract::{OriginalUri, Request, State},
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::{ApiError, AppState, BODY_LIMIT, ErrorBody, auth::session_cookie};

/// The request header that carries the key.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The response header on an answer given again.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// What a POST to `path` (under `/api`) does with a key.
#[derive(Debug, PartialEq, Eq)]
enum Keeps {
    /// Raising a case, and every case command: the answer is kept.
    Answer,
    /// Its answer is a secret shown once: a key is refused.
    Never,
    /// It creates nothing a retry could double: the key is ignored.
    Nothing,
}

fn keeps(path: &str) -> Keeps {
    if path == "/api/v1/cases" || path.starts_with("/api/v1/cases/") {
        Keeps::Answer
    } else if path == "/api/v1/tokens" || path.starts_with("/api/v1/me/second-factor") {
        Keeps::Never
    } else {
        Keeps::Nothing
    }
}

/// The key sent, if any: 1 to 255 visible ASCII characters.
fn key_of(request: &Request) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| ApiError::BadRequest {
            code: "invalid_idempotency_key",
            message: "the Idempotency-Key must be 1 to 255 visible ASCII characters, such as a \
                      UUID: make one per request, and send the same one when retrying it"
                .to_owned(),
            field: Some("Idempotency-Key".to_owned()),
        })
}

/// A hash of the credential the request carries, or `None` if it carries
/// none (it will be answered 401, which is not kept).
fn credential_of(request: &Request) -> Option<String> {
    let credential = match request.headers().get(header::AUTHORIZATION) {
        Some(value) => value.as_bytes().to_vec(),
        None => session_cookie(request.headers())?.into_bytes(),
    };
    let mut hasher = Sha256::new();
    hasher.update(b"accord idempotency credential\0");
    hasher.update(&credential);
    Some(hex::encode(hasher.finalize()))
}

/// The middleware, on the API's routes.
pub(crate) async fn keep_answers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match answer(state, request, next).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn answer(state: AppState, request: Request, next: Next) -> Result<Response, ApiError> {
    if request.method() != Method::POST {
        return Ok(next.run(request).await);
    }
    let Some(key) = key_of(&request)? else {
        return Ok(next.run(request).await);
    };
    // Nested under `/api`, the request's own URI has lost the prefix.
    let path = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().path().to_owned(), |u| u.path().to_owned());
    match keeps(&path) {
        Keeps::Nothing => return Ok(next.run(request).await),
        Keeps::Never => {
            return Err(ApiError::BadRequest {
                code: "idempotency_key_not_kept",
                message: "this address answers with a secret that is shown once and never \
                          kept, so it cannot be answered again: send it without an \
                          Idempotency-Key, and if a retry made two, revoke the one you do not use"
                    .to_owned(),
                field: Some("Idempotency-Key".to_owned()),
            });
        }
        Keeps::Answer => {}
    }
    let Some(credential) = credential_of(&request) else {
        return Ok(next.run(request).await);
    };
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    hasher.update(b"\0");
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());
    let store = state.store();
    match store
        .claim_idempotency_key(&credential, &key, &request_hash, state.now())
        .await?
    {
        IdempotencyClaim::Claimed => {}
        IdempotencyClaim::Answered {
            status,
            content_type,
            body,
        } => {
            let status =
                StatusCode::from_u16(status).map_err(|e| ApiError::Internal(Box::new(e)))?;
            let mut response = (status, body).into_response();
            let headers = response.headers_mut();
            if let Some(content_type) = content_type.and_then(|c| HeaderValue::try_from(c).ok()) {
                headers.insert(header::CONTENT_TYPE, content_type);
            }
            headers.insert(REPLAYED, HeaderValue::from_static("true"));
            return Ok(response);
        }
        IdempotencyClaim::InFlight => {
            // A 409: the same request conflicts with itself until its
            // first copy is answered.
            let body = ErrorBody {
                code: "idempotency_key_in_use".to_owned(),
                message: "a request with this Idempotency-Key is still being answered: wait a \
                          moment and send it again"
                    .to_owned(),
                field: Some("Idempotency-Key".to_owned()),
                section: None,
            };
            return Ok((StatusCode::CONFLICT, axum::Json(body)).into_response());
        }
        IdempotencyClaim::Mismatch => {
            return Err(ApiError::Unprocessable {
                code: "idempotency_key_reused",
                message: "this Idempotency-Key was sent before with a different request: make a \
                          new key for each new request, and reuse one only to retry the same \
                          request"
                    .to_owned(),
                field: Some("Idempotency-Key".to_owned()),
            });
        }
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !response.status().is_success() {
        store.release_idempotency_key(&credential, &key).await?;
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    // Our own answers are small; a larger one would be a server fault.
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    store
        .answer_idempotency_key(
            &credential,
            &key,
            parts.status.as_u16(),
            content_type,
            &body,
        )
        .await?;
    Ok(Response::from_parts(parts, Body::from(body)))
}
