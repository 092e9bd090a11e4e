//! The JSON API under `/api`: the `/api/v1` routes, the OpenAPI document
//! that describes them ([`ApiDoc`], served at `/api/openapi.json`) and the
//! interactive docs at `/api/docs/`.
//!
//! Everything here so far is public reference data — policies, timelines,
//! calendars, checking a policy file — which holds no personal data and so
//! needs no sign-in. Case routes come with sign-in and access control.

mod calendars;
mod health;
mod policies;

use axum::{
    Router,
    routing::{get, post},
};
use utoipa::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::{ApiError, AppState, ErrorBody};

/// The OpenAPI 3 description of the API, served at `/api/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Accord",
        description = "Runs a Safeguarding Children Partnership's escalation policy for \
            resolving professional disagreements. Every error is a JSON `ErrorBody` with a \
            stable `code`, a `message` a person can act on and, where one is at fault, the \
            `field`."
    ),
    paths(
        health::health,
        policies::list,
        policies::show,
        policies::timeline,
        policies::check,
        calendars::list,
        calendars::holidays,
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "service", description = "Whether the service can answer."),
        (name = "policies", description = "The escalation policies Accord runs, and when each stage would fall due."),
        (name = "calendars", description = "Bank-holiday calendars working days are counted on."),
    )
)]
pub struct ApiDoc;

/// The `/api` routes, to be nested at `/api`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/health", get(health::health))
        .route("/v1/policies", get(policies::list))
        .route("/v1/policies/{id}", get(policies::show))
        .route("/v1/policies/{id}/timeline", get(policies::timeline))
        .route("/v1/policy-checks", post(policies::check))
        .route("/v1/calendars", get(calendars::list))
        .route(
            "/v1/calendars/{id}/holidays/{year}",
            get(calendars::holidays),
        )
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
}

/// `/api/openapi.json` and the Swagger UI at `/api/docs/`, served from
/// files compiled into the binary.
pub(crate) fn docs() -> Router<AppState> {
    SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", ApiDoc::openapi())
        // Swagger UI otherwise sends the document to swagger.io's online
        // validator; nothing about the service should leave it.
        .config(Config::default().validator_url("none"))
        .into()
}

async fn no_route() -> ApiError {
    ApiError::NotFound {
        code: "no_such_route",
        message: "there is nothing at this address: the routes are listed at /api/docs/ and in /api/openapi.json".to_owned(),
    }
}

async fn wrong_method() -> ApiError {
    ApiError::MethodNotAllowed
}
