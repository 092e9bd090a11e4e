//! What every response gets whatever route answered it: security headers,
//! the body size limit, CSRF protection ([`crate::csrf`]), and a request
//! log line that names the route but never the data.

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{HeaderName, HeaderValue, header},
};
use tower_http::{
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::{AppState, BODY_LIMIT};

/// The Content-Security-Policy on every response. No inline script or
/// style and nothing from another origin, so injected markup cannot run;
/// `frame-ancestors 'none'` stops the pages being framed (clickjacking).
/// The vendored Swagger UI at `/api/docs` loads only its own files, so it
/// needs nothing wider.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; \
     form-action 'self'";

/// Wraps `router` in the hardening layers.
pub(crate) fn harden(router: Router<AppState>) -> Router<AppState> {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    router
        // Forged requests are refused before any handler runs.
        .layer(axum::middleware::from_fn(crate::csrf::protect))
        // The limit applies to every extractor that reads a body; ours turn
        // its rejection into a JSON 413 (see `extract::Json`).
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(
            // The span names the method and the route's pattern
            // (`/api/v1/cases/{id}`), never the path or query as sent,
            // which may one day carry something about a person.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("(no route)", MatchedPath::as_str);
                    tracing::info_span!("request", method = %request.method(), route)
                })
                // One line per answered request (status and time) at the
                // default log level; the request itself adds nothing more.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
}
