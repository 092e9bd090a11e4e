//! The JSON API under `/api`: the `/api/v1` routes, the OpenAPI document
//! that describes them ([`ApiDoc`], served at `/api/openapi.json`) and the
//! interactive docs at `/api/docs/`.
//!
//! The reference data — policies, timelines, calendars, checking a policy
//! file — holds no personal data and needs no sign-in. Signing in
//! (`session`), who is signed in (`me`) and API tokens (`tokens`) are here
//! too; case routes will take a [`crate::Principal`] and the access rules.

mod calendars;
mod cases;
mod health;
mod policies;
mod register;
mod session;
mod tokens;

use axum::{
    Router,
    routing::{delete, get, post},
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};
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
        session::sign_in,
        session::sign_out,
        session::me,
        tokens::create,
        tokens::revoke,
        cases::show,
        register::register,
        register::my_deadlines,
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "service", description = "Whether the service can answer."),
        (name = "policies", description = "The escalation policies Accord runs, and when each stage would fall due."),
        (name = "calendars", description = "Bank-holiday calendars working days are counted on."),
        (name = "cases", description = "Disagreements, as the access rules let the reader see them."),
        (name = "sign-in", description = "Signing in with a password (a session cookie) and API tokens for other systems."),
    )
)]
pub struct ApiDoc;

/// The two ways to sign in: the session cookie a password sign-in sets, and
/// a bearer API token.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

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
        .route(
            "/v1/session",
            post(session::sign_in).delete(session::sign_out),
        )
        .route("/v1/me", get(session::me))
        .route("/v1/tokens", post(tokens::create))
        .route("/v1/tokens/{id}", delete(tokens::revoke))
        .route("/v1/cases/{id}", get(cases::show))
        .route("/v1/register", get(register::register))
        .route("/v1/me/deadlines", get(register::my_deadlines))
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
