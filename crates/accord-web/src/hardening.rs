//! What every response gets whatever route answered it: security headers,
//! `Cache-Control: no-store` unless the route says otherwise, HSTS when
//! Accord is reached over HTTPS, the body size limit, CSRF protection
//! ([`crate::csrf`]), and a request log line that names the route but never
//! the data.
//!
//! Caching: nearly every answer carries someone's data (a case, the
//! register, a person's deadlines, the directory), so nothing is stored by
//! browsers or proxies unless its route says it may be. The public
//! reference data (policies, calendars, the health check, the OpenAPI
//! document, the static assets) set their own `Cache-Control`.

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{HeaderName, HeaderValue, header},
    response::Response,
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

/// The HSTS policy sent when session cookies are `Secure` (so Accord is
/// reached over HTTPS): a year, subdomains included, so a browser that has
/// been there once never sends a request, or its cookie, in clear text.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// Wraps `router` in the hardening layers. `draw_refusals` turns a request
/// the CSRF layer refused into what its caller should see (the pages draw
/// a page); it runs inside the header layers, so its answer gets them too.
pub(crate) fn harden(
    router: Router<AppState>,
    state: &AppState,
    draw_refusals: fn(Response) -> Response,
) -> Router<AppState> {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    let router = router
        // Forged requests are refused before any handler runs.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::csrf::protect,
        ))
        .layer(axum::middleware::map_response(move |r| async move {
            draw_refusals(r)
        }))
        // The limit applies to every extractor that reads a body; ours turn
        // its rejection into a JSON 413 (see `extract::Json`).
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ));
    let router = if state.secure_cookies() {
        router.layer(header(
            header::STRICT_TRANSPORT_SECURITY,
            STRICT_TRANSPORT_SECURITY,
        ))
    } else {
        // Over plain HTTP (development, or tests) HSTS would be ignored by
        // browsers at best and lock a host out of HTTP at worst.
        router
    };
    router
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Same-origin, not no-referrer: with no-referrer browsers send
        // `Origin: null` on our own forms, which the CSRF layer must refuse.
        // Other sites still learn nothing (no Referer leaves Accord). A
        // route may ask for less: the link that sets a password, whose
        // address holds a secret, sends none at all.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
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
