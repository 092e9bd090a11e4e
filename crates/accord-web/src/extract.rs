//! Extractors that answer a malformed request with an [`ApiError`] (and so
//! the same JSON error body as every other failure) instead of axum's
//! plain-text rejections, naming the field at fault where there is one.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request, rejection::PathRejection},
    http::{StatusCode, header, request::Parts},
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

/// Reads `bytes` as a `T`, classifying what is wrong when it is not one,
/// and refusing text no field may hold ([`check_text`]) wherever it is.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: T = parse_shape(bytes)?;
    // Read again as plain JSON to look at every string, keys included. The
    // body is at most 64 KiB, so reading it twice costs little.
    let json: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest {
            code: "malformed_json",
            message: format!("the request body is not valid JSON ({e})"),
            field: None,
        })?;
    check_json(&json, &mut String::new())?;
    Ok(value)
}

/// Refuses the first string in `value` (a key or a value) that
/// [`check_text`] refuses, naming it by its path (`subjects[0].name`).
fn check_json(value: &serde_json::Value, path: &mut String) -> Result<(), ApiError> {
    use serde_json::Value;
    let field = |path: &str| {
        if path.is_empty() {
            ".".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        Value::String(text) => check_text(&field(path), text),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_json(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                check_text(&field(path), key)?;
                check_json(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Why `text` cannot be taken, if it cannot: it holds a control character
/// other than a tab or a line break (a NUL, which PostgreSQL cannot store
/// and SQLite would keep silently, an escape, a C1 control), or an
/// invisible bidirectional override or isolate (U+202A–U+202E,
/// U+2066–U+2069), which can make a name read backwards on the page and in
/// the register (issue 11, finding 5). Refused the same on both backends,
/// at the boundary, before anything is stored.
pub fn text_problem(text: &str) -> Option<String> {
    text.chars().find_map(|c| match c {
        '\t' | '\n' | '\r' => None,
        c if c.is_control() => Some(format!(
            "contains a control character (U+{:04X}) that text may not hold: remove it and \
             send it again",
            u32::from(c)
        )),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some(format!(
            "contains an invisible character (U+{:04X}) that changes the direction of the text \
             around it: remove it and send it again",
            u32::from(c)
        )),
        _ => None,
    })
}

/// A 422 naming `field` if `text` holds what no text may ([`text_problem`]).
pub fn check_text(field: &str, text: &str) -> Result<(), ApiError> {
    match text_problem(text) {
        None => Ok(()),
        Some(problem) => Err(ApiError::Unprocessable {
            code: "invalid_character",
            message: format!("`{field}` {problem}"),
            field: Some(field.to_owned()),
        }),
    }
}

/// Refuses the first name or value of a urlencoded form that
/// [`check_text`] refuses (a 422 naming the field).
pub fn check_pairs(encoded: &[u8]) -> Result<(), ApiError> {
    for (name, value) in form_urlencoded::parse(encoded) {
        check_text(&name, &name)?;
        check_text(&name, &value)?;
    }
    Ok(())
}

/// Refuses the first name or value of a query string that [`text_problem`]
/// refuses, as a 400 naming the parameter, as any parameter that cannot be
/// read is.
pub fn check_query(query: &str) -> Result<(), ApiError> {
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(problem) = text_problem(&name).or_else(|| text_problem(&value)) {
            return Err(ApiError::invalid_parameter(
                &name,
                format!("the query parameter `{name}` {problem}"),
            ));
        }
    }
    Ok(())
}

/// Reads `bytes` as a `T`, classifying what is wrong when it is not one.
fn parse_shape<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
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
                } else if is_about_time(&inner) {
                    // jiff's own words name Unix seconds and offsets, which
                    // say nothing to the person who typed the date.
                    format!(
                        "`{path}` is not a date and time Accord can hold: give one such as \
                         2026-12-07T10:30:00Z, between 1 January 2000 and 31 December 2099"
                    )
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

/// Whether a field's error came from reading a date or time.
fn is_about_time(error: &serde_json::Error) -> bool {
    let words = error.to_string();
    ["timestamp", "datetime", "civil date"]
        .iter()
        .any(|w| words.contains(w))
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

/// Path parameters; one that cannot be read is a 400 naming it, and one
/// holding what no text may ([`check_text`]) a 422.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        check_path(parts, state).await?;
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(value))
    }
}

/// Refuses a path parameter holding what no text may ([`text_problem`]):
/// nothing Accord keeps is named so, so there is nothing at that address,
/// the same 404 as any other unknown id (and the database is never asked
/// about it).
pub async fn check_path<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<(), ApiError> {
    if let Ok(params) = axum::extract::RawPathParams::from_request_parts(parts, state).await {
        for (key, value) in &params {
            if let Some(problem) = text_problem(value) {
                return Err(ApiError::NotFound {
                    code: "no_such_resource",
                    message: format!("there is nothing at this address: the {key} {problem}"),
                });
            }
        }
    }
    Ok(())
}

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

/// Query parameters; a query string that cannot be read is a 400, and one
/// holding what no text may ([`check_text`]) a 422.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        check_query(parts.uri.query().unwrap_or_default())?;
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(value))
    }
}

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
