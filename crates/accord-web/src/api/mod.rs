//! The JSON API under `/api`: the `/api/v1` routes, the OpenAPI document
//! that describes them ([`ApiDoc`], served at `/api/openapi.json`) and the
//! interactive docs at `/api/docs/`.
//!
//! The reference data — policies, timelines, calendars, checking a policy
//! file — holds no personal data and needs no sign-in. Signing in
//! (`session`), who is signed in (`me`) and API tokens (`tokens`) are here
//! too. Everything else takes a [`crate::Principal`]: the directory of the
//! reader's own partnership (`partnerships`), and cases (`cases`, their
//! `commands`, the `register`), behind the access rules in
//! [`crate::access`].

mod calendars;
pub(crate) mod case_view;
pub(crate) mod cases;
pub(crate) mod commands;
mod events;
mod health;
pub(crate) mod insight;
pub(crate) mod limits;
pub(crate) mod partnerships;
pub(crate) mod password;
mod policies;
pub(crate) mod register;
pub(crate) mod reports;
pub(crate) mod search;
pub(crate) mod second_factor;
pub(crate) mod session;
mod tokens;

use axum::{
    Router,
    http::{HeaderValue, header},
    middleware::map_response,
    response::Response,
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
        second_factor::begin,
        second_factor::confirm,
        password::change,
        tokens::create,
        tokens::revoke,
        partnerships::list,
        partnerships::agencies,
        partnerships::people,
        partnerships::suggestions,
        partnerships::case_suggestions,
        cases::raise,
        search::search,
        cases::show,
        commands::record_discussion,
        commands::approve_discussion,
        commands::agree_action,
        commands::complete_action,
        commands::submit_form,
        commands::escalate,
        commands::extend_deadline,
        commands::record_breach,
        commands::agree_timescale,
        commands::record_concurrence,
        commands::convene_panel,
        commands::record_representation,
        commands::resolve,
        commands::confirm_outcome,
        commands::record_learning,
        commands::agree_follow_up,
        commands::complete_follow_up,
        commands::withdraw,
        commands::close,
        commands::reopen,
        commands::record_change_of_circumstances,
        commands::correct,
        register::register,
        register::my_deadlines,
        events::list,
        insight::insight,
        insight::insight_csv,
        reports::report,
        reports::report_csv,
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes, &IdempotencyKeys),
    tags(
        (name = "service", description = "Whether the service can answer."),
        (name = "policies", description = "The escalation policies Accord runs, and when each stage would fall due."),
        (name = "calendars", description = "Bank-holiday calendars working days are counted on."),
        (name = "directory", description = "Your partnership, its agencies and its people."),
        (name = "cases", description = "Disagreements, as the access rules let the reader see them: raising one, reading one, the register, your deadlines, and the feed of what happened to them."),
        (name = "case commands", description = "Everything that can happen to a raised case, each checked against the policy it was raised under. Send the case's `version` as `expected_version`: a case changed since is a 409."),
        (name = "insight", description = "What the partnership learns from its disagreements over a period, for its partnership team, chair and administrators: every figure defined on its field; and the reports issued to its board, anonymised as issued. Times are in working days on the policy's calendar: the working days after the day something began, up to and including the day it ended, as deadlines count them."),
        (name = "sign-in", description = "Signing in with a password (a session cookie) and API tokens for other systems."),
    )
)]
pub struct ApiDoc;

/// The two ways to sign in: the session cookie a password sign-in sets
/// (with the session's CSRF token on every change), and a bearer API token.
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
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                crate::csrf::CSRF_HEADER.as_str(),
                "The session's CSRF token (`csrf_token` from signing in or GET /api/v1/me), \
                 which every change made with the session cookie sends.",
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The `Idempotency-Key` header on every operation that raises or changes a
/// case (see [`crate::idempotency`]), described once here rather than on
/// each handler.
struct IdempotencyKeys;

impl Modify for IdempotencyKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            ObjectBuilder, Required, Type,
            path::{ParameterBuilder, ParameterIn},
        };
        let parameter = ParameterBuilder::new()
            .name(crate::idempotency::IDEMPOTENCY_KEY.as_str())
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "A key of your choosing (a UUID, say), new for each request: a retry sent with \
                 the same key and credential within a day is answered as the first was \
                 (`Idempotent-Replayed: true`), so a retry never raises a second case or records \
                 a change twice. The same key with a different request is a 422; a retry while \
                 the first is still being answered, a 409.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255))
                    .pattern(Some("^[!-~]+$")),
            ))
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !(path == "/api/v1/cases" || path.starts_with("/api/v1/cases/")) {
                continue;
            }
            if let Some(post) = item.post.as_mut() {
                post.parameters
                    .get_or_insert_with(Vec::new)
                    .push(parameter.clone().into());
            }
        }
    }
}

/// The `/api` routes, to be nested at `/api`.
///
/// Everything here is `no-store` (see `hardening`) except the public
/// reference data, which [`reference_data`] marks cacheable, and the
/// health check, which may be kept but must be asked again each time.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/health",
            get(health::health).layer(map_response(|mut response: Response| async move {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                response
            })),
        )
        .merge(reference_data())
        .route("/v1/policy-checks", post(policies::check))
        .route(
            "/v1/session",
            post(session::sign_in).delete(session::sign_out),
        )
        .route("/v1/me", get(session::me))
        .route("/v1/me/second-factor", post(second_factor::begin))
        .route(
            "/v1/me/second-factor/confirmation",
            post(second_factor::confirm),
        )
        .route("/v1/me/password", post(password::change))
        .route("/v1/tokens", post(tokens::create))
        .route("/v1/tokens/{id}", delete(tokens::revoke))
        .route("/v1/partnerships", get(partnerships::list))
        .route(
            "/v1/partnerships/{id}/agencies",
            get(partnerships::agencies),
        )
        .route("/v1/partnerships/{id}/people", get(partnerships::people))
        .route("/v1/partnerships/{id}/insight", get(insight::insight))
        .route(
            "/v1/partnerships/{id}/insight.csv",
            get(insight::insight_csv),
        )
        .route(
            "/v1/partnerships/{id}/reports/{number}",
            get(reports::report),
        )
        .route(
            "/v1/partnerships/{id}/reports/{number}/report.csv",
            get(reports::report_csv),
        )
        .route(
            "/v1/partnerships/{id}/people/suggestions",
            get(partnerships::suggestions),
        )
        .route("/v1/cases", post(cases::raise).get(search::search))
        .route("/v1/cases/{id}", get(cases::show))
        .route(
            "/v1/cases/{id}/people/suggestions",
            get(partnerships::case_suggestions),
        )
        .route(
            "/v1/cases/{id}/discussions",
            post(commands::record_discussion),
        )
        .route(
            "/v1/cases/{id}/discussions/{discussion}/approval",
            post(commands::approve_discussion),
        )
        .route("/v1/cases/{id}/actions", post(commands::agree_action))
        .route(
            "/v1/cases/{id}/actions/{action}/completion",
            post(commands::complete_action),
        )
        .route("/v1/cases/{id}/forms/{form}", post(commands::submit_form))
        .route("/v1/cases/{id}/escalation", post(commands::escalate))
        .route("/v1/cases/{id}/extensions", post(commands::extend_deadline))
        .route("/v1/cases/{id}/breaches", post(commands::record_breach))
        .route("/v1/cases/{id}/timescale", post(commands::agree_timescale))
        .route(
            "/v1/cases/{id}/concurrence",
            post(commands::record_concurrence),
        )
        .route("/v1/cases/{id}/panel", post(commands::convene_panel))
        .route(
            "/v1/cases/{id}/panel/representations",
            post(commands::record_representation),
        )
        .route("/v1/cases/{id}/outcome", post(commands::resolve))
        .route(
            "/v1/cases/{id}/outcome/confirmations",
            post(commands::confirm_outcome),
        )
        .route("/v1/cases/{id}/learning", post(commands::record_learning))
        .route(
            "/v1/cases/{id}/learning/{learning}/follow-ups",
            post(commands::agree_follow_up),
        )
        .route(
            "/v1/cases/{id}/follow-ups/{follow_up}/completion",
            post(commands::complete_follow_up),
        )
        .route("/v1/cases/{id}/withdrawal", post(commands::withdraw))
        .route("/v1/cases/{id}/closure", post(commands::close))
        .route("/v1/cases/{id}/reopening", post(commands::reopen))
        .route(
            "/v1/cases/{id}/circumstances",
            post(commands::record_change_of_circumstances),
        )
        .route("/v1/cases/{id}/corrections", post(commands::correct))
        .route("/v1/register", get(register::register))
        .route("/v1/me/deadlines", get(register::my_deadlines))
        .route("/v1/events", get(events::list))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
}

/// The policies and calendars: the same for everyone. The calendars change
/// only with a new release of Accord, so browsers and proxies may keep them
/// for an hour, as they keep the static assets. A policy changes whenever a
/// partnership installs a new version (issue 13 §2), so a kept copy is
/// asked about again every time.
fn reference_data() -> Router<AppState> {
    let policies = Router::new()
        .route("/v1/policies", get(policies::list))
        .route("/v1/policies/{id}", get(policies::show))
        .route("/v1/policies/{id}/timeline", get(policies::timeline))
        .layer(map_response(revalidated));
    Router::new()
        .route("/v1/calendars", get(calendars::list))
        .route(
            "/v1/calendars/{id}/holidays/{year}",
            get(calendars::holidays),
        )
        .layer(map_response(cacheable))
        .merge(policies)
}

/// Marks a successful answer of public data that may change at any time
/// as one a cache may keep but must ask about again before each use.
async fn revalidated(mut response: Response) -> Response {
    if response.status().is_success() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, no-cache"),
        );
    }
    response
}

/// Marks a successful answer of public reference data cacheable for an
/// hour; a failure (such as an unknown policy) stays `no-store`.
async fn cacheable(mut response: Response) -> Response {
    if response.status().is_success() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        );
    }
    response
}

/// `/api/openapi.json` and the Swagger UI at `/api/docs/`, served from
/// files compiled into the binary: public reference data, cacheable.
pub(crate) fn docs() -> Router<AppState> {
    Router::from(
        SwaggerUi::new("/api/docs")
            .url("/api/openapi.json", ApiDoc::openapi())
            // Swagger UI otherwise sends the document to swagger.io's online
            // validator; nothing about the service should leave it.
            .config(Config::default().validator_url("none")),
    )
    .layer(map_response(cacheable))
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
