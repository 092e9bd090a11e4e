//! Cross-site request forgery protection for every request that changes
//! something (any method but GET, HEAD, OPTIONS). The session cookie is
//! `SameSite=Strict`, so browsers already keep it off other sites'
//! requests; this is the second lock, for older browsers, for browsers
//! that send no `Sec-Fetch-Site`, and for the HTML forms.
//!
//! - A request whose browser says it comes from another site
//!   (`Sec-Fetch-Site: cross-site`) never changes anything, signed in or
//!   not, so another site cannot sign someone in to its own account either.
//! - Nor does one whose `Origin` (or, without one, `Referer`) is not this
//!   server's own: the configured base URL ([`AppState::base_url`]) when
//!   there is one, else the request's `Host`. An `Origin` of `null` (a
//!   sandboxed frame, a `data:` page, a redirect from elsewhere) is not
//!   this server's either. Browsers send `Origin` on every cross-origin
//!   POST, so this holds even where `Sec-Fetch-Site` is not sent; a client
//!   that is not a browser sends neither header and is unaffected.
//! - A change signed in with the session cookie must carry the session's
//!   CSRF token: in the `X-CSRF-Token` header, or as the `csrf_token`
//!   field of an HTML form post. The token is given when signing in and by
//!   `GET /api/v1/me`; it is the SHA-256 of the session secret, so the
//!   server keeps nothing more and the token says nothing of the secret.
//! - An API request with a bearer token (`Authorization`, under `/api/`)
//!   needs none: another site cannot make a browser send one. The pages
//!   take only the session cookie, so an `Authorization` header excuses
//!   nothing there. Signing in (`/api/v1/session`, the sign-in page) and
//!   signing out through the API need no token either, so a browser
//!   holding an expired session's cookie can always do both.
//!
//! A refusal is answered as JSON under `/api/`; elsewhere it leaves a
//! [`RefusedForm`] on the response for the pages to draw as a page, since
//! this layer sits below the pages and never reaches up into them.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderName, Method, Uri, header},
    middleware::Next,
    response::Response,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{ApiError, AppState, UPLOAD_LIMIT, auth::session_cookie, body_limit};

/// The header an API client sends the token in.
pub const CSRF_HEADER: HeaderName = HeaderName::from_static("x-csrf-token");

/// Where people sign in (and, through the API, out).
const SIGN_IN_PATHS: [&str; 3] = ["/api/v1/session", "/sign-in", "/sign-in/provider/code"];

/// The field an HTML form sends the token in.
pub const CSRF_FIELD: &str = "csrf_token";

/// The CSRF token of the session whose cookie holds `secret`.
pub fn token_for(secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"accord csrf token\0");
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}

/// A form that was refused before any page handler saw it, left in the
/// response's extensions: the pages draw it as a page (see
/// `pages::draw_refused_forms`). Only responses outside `/api/` carry one.
#[derive(Debug, Clone)]
pub struct RefusedForm(pub Arc<ApiError>);

/// The middleware: refuses forged requests with 403, passes the rest on.
pub(crate) async fn protect(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // The API answers in JSON; a page's form, with a page.
    let api = request.uri().path().starts_with("/api/");
    match check(&state, api, request, next).await {
        Ok(response) => response,
        Err(error) => {
            let mut response = error.body_response();
            if !api {
                response
                    .extensions_mut()
                    .insert(RefusedForm(Arc::new(error)));
            }
            response
        }
    }
}

async fn check(
    state: &AppState,
    api: bool,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return Ok(next.run(request).await);
    }
    let headers = request.headers();
    if headers
        .get("sec-fetch-site")
        .is_some_and(|site| site.as_bytes() == b"cross-site")
    {
        return Err(ApiError::Forbidden {
            code: "cross_site_request",
            message: "this request came from another site, so Accord will not act on it: \
                      use Accord's own pages"
                .to_owned(),
        });
    }
    if !from_here(state, request.uri(), headers) {
        return Err(ApiError::Forbidden {
            code: "cross_origin_request",
            message: "this request came from a page that is not Accord's own (its Origin or \
                      Referer is another address), so Accord will not act on it: use Accord's \
                      own pages, at the address Accord was configured with (base_url)"
                .to_owned(),
        });
    }
    // Bearer tokens cannot be forged by another site, and only the API
    // takes them. Signing in and out needs no token either: another site
    // cannot sign a browser in (the checks above, and SameSite=Strict) and
    // signing out is harmless, while a browser holding an expired
    // session's cookie must still be able to do both.
    if (api && headers.contains_key(header::AUTHORIZATION))
        || SIGN_IN_PATHS.contains(&request.uri().path())
    {
        return Ok(next.run(request).await);
    }
    let Some(secret) = session_cookie(headers) else {
        return Ok(next.run(request).await);
    };
    let expected = token_for(&secret);
    if let Some(sent) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if same(sent.trim(), &expected) {
            Ok(next.run(request).await)
        } else {
            Err(wrong_token())
        };
    }
    if is_form(headers) {
        // The directory import's confirmation carries its checked files
        // back as fields, so its path reads more (`UPLOAD_PATHS`).
        let limit = body_limit(request.uri().path());
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|e| unreadable_form(e, limit))?;
        let sent = form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == CSRF_FIELD)
            .map(|(_, value)| value.into_owned());
        return match sent {
            Some(sent) if same(&sent, &expected) => Ok(next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await),
            Some(_) => Err(wrong_token()),
            None => Err(missing_token()),
        };
    }
    if let Some(boundary) = multipart_boundary(headers) {
        // A file upload (the policy and directory pages): the token is one
        // of its fields. The body is read whole, within the upload limit on
        // the routes that take files and the ordinary limit elsewhere, and
        // handed on as it came.
        let limit = body_limit(request.uri().path());
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|e| unreadable_form(e, limit))?;
        let sent = multipart_field(bytes.clone(), &boundary, CSRF_FIELD).await;
        return match sent {
            Some(sent) if same(&sent, &expected) => Ok(next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await),
            Some(_) => Err(wrong_token()),
            None => Err(missing_token()),
        };
    }
    Err(missing_token())
}

/// The boundary of a `multipart/form-data` body, if it is one.
fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

/// The text of the field `name` in a `multipart/form-data` body.
async fn multipart_field(bytes: axum::body::Bytes, boundary: &str, name: &str) -> Option<String> {
    let mut multipart = multer::Multipart::new(Body::from(bytes).into_data_stream(), boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// Why a form's body could not be read for its token: too large, or it
/// did not arrive in time (the server's body read timeout).
fn unreadable_form(error: axum::Error, limit: usize) -> ApiError {
    let too_large = std::error::Error::source(&error)
        .is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>());
    if too_large && limit == UPLOAD_LIMIT {
        crate::too_large_upload()
    } else if too_large {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadRequest {
            code: "unreadable_body",
            message: "the request body could not be read to the end: send it again".to_owned(),
            field: None,
        }
    }
}

/// A scheme, host and port: what an origin is.
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute URL (`https://accord.example.org/path`);
    /// `None` for anything else, `null` included.
    fn of(url: &str) -> Option<Origin> {
        let uri: Uri = url.trim().parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let host = uri.host()?.to_ascii_lowercase();
        let port = uri.port_u16().or(match scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        })?;
        Some(Origin { scheme, host, port })
    }
}

/// Whether the page that made this request is this server's own, by its
/// `Origin` or, without one, its `Referer`; a request with neither (a
/// program, or an older browser on a same-origin form) is not foreign.
fn from_here(state: &AppState, uri: &Uri, headers: &HeaderMap) -> bool {
    let sent = match (headers.get(header::ORIGIN), headers.get(header::REFERER)) {
        (Some(origin), _) => origin.to_str().ok().and_then(Origin::of),
        (None, Some(referer)) => referer.to_str().ok().and_then(Origin::of),
        (None, None) => return true,
    };
    let Some(sent) = sent else {
        return false;
    };
    match state.base_url() {
        // Behind a proxy the Host may be the proxy's view: the address
        // Accord was told it is reached at decides, scheme and all.
        Some(base) => Origin::of(base).is_some_and(|ours| ours == sent),
        // Without one the scheme is unknown here (TLS may end at a proxy),
        // so the host and port decide.
        None => {
            let host = uri.authority().map(|a| a.as_str().to_owned()).or_else(|| {
                headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_owned)
            });
            host.and_then(|host| Origin::of(&format!("{}://{host}", sent.scheme)))
                .is_some_and(|ours| ours.host == sent.host && ours.port == sent.port)
        }
    }
}

fn missing_token() -> ApiError {
    ApiError::Forbidden {
        code: "csrf_token_missing",
        message: "a change made with the session cookie needs the session's CSRF token: send \
                  the `csrf_token` from POST /api/v1/session or GET /api/v1/me in the \
                  X-CSRF-Token header (or use an API token instead)"
            .to_owned(),
    }
}

fn wrong_token() -> ApiError {
    ApiError::Forbidden {
        code: "csrf_token_wrong",
        message: "the CSRF token is not this session's: reload the page, or read it again from \
                  GET /api/v1/me"
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_a_scheme_host_and_port() {
        let ours = Origin::of("https://Accord.example.org").unwrap();
        assert_eq!(
            ours,
            Origin::of("https://accord.example.org:443/cases/1?x").unwrap()
        );
        assert_ne!(ours, Origin::of("http://accord.example.org").unwrap());
        assert_ne!(ours, Origin::of("https://accord.example.org:8443").unwrap());
        assert_ne!(
            ours,
            Origin::of("https://accord.example.org.evil.example").unwrap()
        );
        assert_eq!(Origin::of("null"), None);
        assert_eq!(Origin::of("/relative/path"), None);
    }

    #[test]
    fn the_token_is_fixed_per_session_and_hides_the_secret() {
        let a = token_for("5f3e");
        assert_eq!(a, token_for("5f3e"));
        assert_ne!(a, token_for("5f3f"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("5f3e"));
    }
}
