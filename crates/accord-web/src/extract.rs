//! Extractors that answer a malformed request with an [`ApiError`] (and so
//! the same JSON error body as every other failure) instead of axum's
//! plain-text rejections, naming the field at fault where there is one.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request, rejection::PathRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};

use crate::ApiError;

/// A JSON request body of type `T`, or a JSON response body.
///
/// A body that is not JSON is a 400 saying where it breaks; JSON of the
/// wrong shape is a 422 naming the field (`subjects[0].name`); a body over
/// [`crate::BODY_LIMIT`] is a 413; a body not labelled
/// `application/json` is a 415.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
                _ => ApiError::BadRequest {
                    code: "unreadable_body",
                    message: "the request body could not be read to the end: send it again"
                        .to_owned(),
                    field: None,
                },
            }
        })?;
        parse(&bytes).map(Json)
    }
}

/// Reads `bytes` as a `T`, classifying what is wrong when it is not one.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let malformed = |inner: &serde_json::Error| ApiError::BadRequest {
        code: "malformed_json",
        message: format!(
            "the request body is not valid JSON ({inner}): check the quotes, commas and brackets near there"
        ),
        field: None,
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => ApiError::Unprocessable {
                code: "invalid_body",
                message: if path == "." {
                    format!("the request body is not what this address takes: {inner}")
                } else {
                    format!("`{path}` is not right: {inner}")
                },
                field: (path != ".").then_some(path),
            },
            _ => malformed(&inner),
        }
    })?;
    // Anything after the value is a mistake too, such as two bodies pasted
    // together.
    deserializer.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Path parameters; one that cannot be read is a 400 naming it.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        use axum::extract::path::ErrorKind;
        match rejection {
            PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                ErrorKind::ParseErrorAtKey { key, value, .. } => {
                    ApiError::invalid_parameter(key, format!("`{value}` is not a valid {key}"))
                }
                ErrorKind::InvalidUtf8InPathParam { key } => {
                    ApiError::invalid_parameter(key, format!("the {key} is not valid UTF-8 text"))
                }
                _ => ApiError::BadRequest {
                    code: "invalid_parameter",
                    message: e.body_text(),
                    field: None,
                },
            },
            // The route and its handler disagree: a bug on our side.
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

/// Query parameters; a query string that cannot be read is a 400.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::BadRequest {
            code: "invalid_query",
            message: format!(
                "the query string cannot be read ({}): see /api/docs/ for this address's parameters",
                rejection.body_text()
            ),
            field: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        source: String,
        subjects: Vec<Subject>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Subject {
        age: u8,
    }

    #[test]
    fn broken_json_is_a_400_that_says_where() {
        let err = parse::<Body>(br#"{"source": "x",, }"#).unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        let body = err.body();
        assert_eq!(body.code, "malformed_json");
        assert!(body.message.contains("line 1 column"), "{}", body.message);
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        let err = parse::<Body>(br#"{"source": "x", "subjects": []} x"#).unwrap_err();
        assert_eq!(err.body().code, "malformed_json");
    }

    #[test]
    fn the_wrong_shape_is_a_422_naming_the_field() {
        let err = parse::<Body>(br#"{"source": "x", "subjects": [{"age": "nine"}]}"#).unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.body().field.as_deref(), Some("subjects[0].age"));
    }

    #[test]
    fn a_missing_field_is_a_422() {
        let err = parse::<Body>(br#"{"subjects": []}"#).unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            err.body().message.contains("source"),
            "{}",
            err.body().message
        );
    }
}
