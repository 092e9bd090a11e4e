//! Cross-site request forgery protection for everything signed in with the
//! session cookie. The cookie is `SameSite=Strict`, so browsers already
//! keep it off other sites' requests; this is the second lock, for older
//! browsers and for the HTML forms to come.
//!
//! - A request whose browser says it comes from another site
//!   (`Sec-Fetch-Site: cross-site`) never changes anything, signed in or
//!   not, so another site cannot sign someone in to its own account either.
//! - A request that changes something (any method but GET, HEAD, OPTIONS)
//!   and is signed in with the session cookie must carry the session's
//!   CSRF token: in the `X-CSRF-Token` header, or as the `csrf_token`
//!   field of an HTML form post. The token is given when signing in and by
//!   `GET /api/v1/me`; it is the SHA-256 of the session secret, so the
//!   server keeps nothing more and the token says nothing of the secret.
//! - A request with a bearer token needs none: another site cannot make a
//!   browser send one. Nor does signing in (`/api/v1/session`, the sign-in
//!   page), or signing out through the API, so a browser holding an expired
//!   session's cookie can always do both.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, HeaderName, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{ApiError, BODY_LIMIT, auth::session_cookie};

/// The header an API client sends the token in.
pub const CSRF_HEADER: HeaderName = HeaderName::from_static("x-csrf-token");

/// Where people sign in (and, through the API, out).
const SIGN_IN_PATHS: [&str; 2] = ["/api/v1/session", "/sign-in"];

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

/// The middleware: refuses forged requests with 403, passes the rest on.
pub(crate) async fn protect(request: Request, next: Next) -> Response {
    // The API answers in JSON; a page's form, with a page.
    let api = request.uri().path().starts_with("/api/");
    match check(request, next).await {
        Ok(response) => response,
        Err(error) if api => error.into_response(),
        Err(error) => crate::pages::form_refused(error),
    }
}

async fn check(request: Request, next: Next) -> Result<Response, ApiError> {
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
    // Bearer tokens cannot be forged by another site. Signing in and out
    // needs no token either: another site cannot sign a browser in
    // (Sec-Fetch-Site, above, and SameSite=Strict) and signing out is
    // harmless, while a browser holding an expired session's cookie must
    // still be able to do both.
    if headers.contains_key(header::AUTHORIZATION) || SIGN_IN_PATHS.contains(&request.uri().path())
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
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
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
    Err(missing_token())
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
    fn the_token_is_fixed_per_session_and_hides_the_secret() {
        let a = token_for("5f3e");
        assert_eq!(a, token_for("5f3e"));
        assert_ne!(a, token_for("5f3f"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("5f3e"));
    }
}
