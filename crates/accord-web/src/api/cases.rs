//! Cases: `GET /api/v1/cases/{id}` shows a case's summary to someone the
//! access rules ([`crate::access::may_see`]) let see it, and writes the read
//! to the access log. A case they may not see is answered exactly as a case
//! that does not exist: its existence is not revealed.

use accord_case::CaseId;
use accord_store::Scope;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    ApiError, AppState, ErrorBody, access,
    auth::Principal,
    extract::{Json, Path},
};

/// Why the access log says the case was read.
const PURPOSE: &str = "api: case summary";

/// A case at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CaseSummary {
    /// Its id, such as `HAV-DEMO-0001`.
    id: String,
    /// The policy it runs under.
    policy: String,
    /// The track it follows.
    track: String,
    /// Its current stage, from 1.
    stage: u8,
    /// Where it stands: `open`, `resolved`, `closed` or `withdrawn`.
    status: String,
    /// When what is pending next falls due.
    #[schema(value_type = Object)]
    due: serde_json::Value,
    /// The agencies in disagreement: the raising agency, then the other.
    parties: Vec<String>,
}

/// The answer for a case that does not exist, or that the reader may not see.
fn no_such_case() -> ApiError {
    ApiError::NotFound {
        code: "unknown_case",
        message: "there is no case with this id that you may see: check the id, \
                  or ask your partnership team"
            .to_owned(),
    }
}

/// Show a case's summary.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    tag = "cases",
    params(("id" = String, Path, description = "The case id, such as `HAV-DEMO-0001`.")),
    responses(
        (status = 200, description = "The case.", body = CaseSummary),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
        (status = 404, description = "No such case, or not one you may see.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CaseSummary>, ApiError> {
    principal.require(Scope::Read)?;
    let Ok(id) = CaseId::parse(&id) else {
        return Err(no_such_case());
    };
    let store = state.store();
    let Some(case) = store.load_case(&id).await? else {
        return Err(no_such_case());
    };
    // Only the reader's own partnership's agencies are looked at: a case
    // raised by any other agency has no partnership the reader can see.
    let agencies = store.agencies(principal.partnership()).await?;
    let partnership = access::case_partnership(&case, |agency| {
        agencies
            .iter()
            .find(|a| a.id == *agency)
            .map(|a| a.partnership.as_str())
    });
    let involvement = case.involvement();
    if !access::may_see(
        &principal.person,
        access::CaseFacts::of_case(&case, &involvement, partnership),
    ) {
        return Err(no_such_case());
    }
    store
        .record_read(case.id(), principal.id(), state.now(), PURPOSE)
        .await?;
    let text = |value: serde_json::Value| match value {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    Ok(Json(CaseSummary {
        id: case.id().as_str().to_owned(),
        policy: text(serde_json::to_value(case.policy()).unwrap_or_default()),
        track: text(serde_json::to_value(case.track()).unwrap_or_default()),
        stage: case.stage().get(),
        status: text(serde_json::to_value(case.status()).unwrap_or_default()),
        due: serde_json::to_value(case.due()).unwrap_or_default(),
        parties: case
            .parties()
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
    }))
}
