//! The files the pages load, built into the binary from `static/` (which
//! `scripts/build-assets` makes from the pinned GOV.UK Frontend): nothing
//! is fetched from anywhere else, ever.

use axum::{
    Router,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::AppState;

/// One file: its address, its type and its bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "/assets/accord.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/accord.css"),
    },
    Asset {
        path: "/assets/govuk-frontend.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/govuk-frontend.min.js"),
    },
    Asset {
        path: "/assets/accord.mjs",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/accord.mjs"),
    },
    Asset {
        path: "/assets/favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
];

fn serve(asset: &'static Asset) -> Response {
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    // They change only with a new release of Accord.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// The routes of every asset.
pub(super) fn router() -> Router<AppState> {
    ASSETS.iter().fold(Router::new(), |router, asset| {
        router.route(asset.path, get(move || async move { serve(asset) }))
    })
}
