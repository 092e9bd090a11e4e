//! `GET /api/v1/health`: whether the service can reach its database, for
//! load balancers and monitoring.

use accord_store::BackendKind;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{ApiError, AppState, ErrorBody, extract::Json};

/// The service is up and its database answers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// Always `ok`; a failure is a 503 with an error body instead.
    #[schema(example = "ok")]
    status: &'static str,
    /// `sqlite` or `postgresql`.
    #[schema(example = "sqlite")]
    database: &'static str,
}

/// Whether the database answers.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    operation_id = "showHealth",
    tag = "service",
    responses(
        (status = 200, description = "The database answers.", body = Health),
        (status = 503, description = "The database cannot be reached.", body = ErrorBody),
    )
)]
pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    // Any read proves the database answers; the count is not shown, since
    // how busy a partnership is is not public.
    state
        .store()
        .event_count()
        .await
        .map_err(ApiError::Unavailable)?;
    Ok(Json(Health {
        status: "ok",
        database: match state.store().kind() {
            BackendKind::Sqlite => "sqlite",
            BackendKind::Postgres => "postgresql",
        },
    }))
}
