//! The pages' extractors: the path, the query string and a posted form,
//! each answered, when it cannot be read or holds what no text may
//! ([`crate::extract::check_text`]), with the error page rather than the
//! API's JSON or axum's plain text (issue 11, findings 5 and 12).

use axum::{
    extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use super::PageError;
use crate::{
    ApiError,
    extract::{check_pairs, check_path},
};

/// Path parameters, as [`crate::extract::Path`] reads them.
#[derive(Debug)]
pub(crate) struct Path<T>(pub(crate) T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let crate::extract::Path(value) =
            crate::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(value))
    }
}

/// A route that may have no path parameters (a form for a new thing, or for
/// an existing one by id).
impl<T, S> OptionalFromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send + 'static,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, PageError> {
        check_path(parts, state).await?;
        let value = <axum::extract::Path<T> as OptionalFromRequestParts<S>>::from_request_parts(
            parts, state,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(value.map(|axum::extract::Path(value)| Path(value)))
    }
}

/// Query parameters, as [`crate::extract::Query`] reads them.
#[derive(Debug)]
pub(crate) struct Query<T>(pub(crate) T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let crate::extract::Query(value) =
            crate::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(value))
    }
}

/// A urlencoded form post of type `T` (often `Vec<(String, String)>`, for
/// the form kit's [`super::form::Posted`]).
#[derive(Debug)]
pub(crate) struct Form<T>(pub(crate) T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        let (parts, body) = request.into_parts();
        // The few routes that take files read more (`UPLOAD_PATHS`).
        let limit = crate::body_limit(parts.uri.path());
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
            if limit == crate::UPLOAD_LIMIT {
                crate::too_large_upload()
            } else {
                ApiError::PayloadTooLarge
            }
        })?;
        check_pairs(&bytes)?;
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let axum::Form(value) = axum::Form::<T>::from_request(request, state)
            .await
            .map_err(|rejection| ApiError::BadRequest {
                code: "unreadable_form",
                message: format!(
                    "the form could not be read ({}): go back, and send it again",
                    rejection.body_text()
                ),
                field: None,
            })?;
        Ok(Form(value))
    }
}
