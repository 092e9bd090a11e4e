//! The directory: `GET /api/v1/partnerships` and, under
//! `/api/v1/partnerships/{id}/`, its agencies and people. Everyone signed
//! in sees their own partnership's directory, which raising a disagreement
//! and recording who took part need, and never another's: another
//! partnership is answered as one that does not exist.
//!
//! People are listed with what a colleague needs to name them on a record
//! (name, job title, agency, role), not their sign-in name or email.

use accord_store::{Partnership, Person};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    ApiError, AppState, ErrorBody,
    auth::Principal,
    extract::{Json, Path, Query},
};

/// A Safeguarding Children Partnership.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PartnershipInfo {
    /// Its id, such as `havering`.
    id: String,
    /// Its name.
    name: String,
    /// The policy its disagreements run under.
    policy: String,
}

/// A member agency, or the partnership's own team.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AgencyInfo {
    /// Its id, such as `hav-police`.
    id: String,
    /// Its name.
    name: String,
    /// What kind of organisation it is, such as `police` or
    /// `partnership-team`.
    #[schema(example = "police")]
    kind: String,
}

/// Someone in the partnership, as colleagues name them on a record.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PersonInfo {
    /// Their id, to name them in a discussion, an action or a panel.
    id: String,
    /// Their name.
    name: String,
    /// Their job title.
    job_title: String,
    /// Their agency's id.
    agency: String,
    /// Their role tier, such as `manager`.
    #[schema(example = "manager")]
    tier: String,
    /// The policy roles they hold, such as `business-manager`.
    roles: Vec<String>,
}

impl From<&Partnership> for PartnershipInfo {
    fn from(p: &Partnership) -> Self {
        PartnershipInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            policy: p.policy.to_string(),
        }
    }
}

impl From<&Person> for PersonInfo {
    fn from(p: &Person) -> Self {
        PersonInfo {
            id: p.id.to_string(),
            name: p.name.clone(),
            job_title: p.job_title.clone(),
            agency: p.agency.to_string(),
            tier: p.tier.id().to_owned(),
            roles: p
                .declared_roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
        }
    }
}

/// The reader's partnership if `id` names it; otherwise a 404, the same as
/// for a partnership that does not exist.
pub(crate) async fn own(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Partnership, ApiError> {
    let not_found = || ApiError::NotFound {
        code: "unknown_partnership",
        message: format!(
            "there is no partnership `{id}` you may see: yours is `{}`",
            principal.partnership()
        ),
    };
    if id != principal.partnership() {
        return Err(not_found());
    }
    state
        .store()
        .partnerships()
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(not_found)
}

/// Your partnership (the only one you may see).
#[utoipa::path(
    get,
    path = "/api/v1/partnerships",
    operation_id = "listPartnerships",
    tag = "directory",
    responses(
        (status = 200, description = "Your partnership, as a list of one.", body = Vec<PartnershipInfo>),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<PartnershipInfo>>, ApiError> {
    let mine = own(&state, &principal, principal.partnership()).await?;
    Ok(Json(vec![PartnershipInfo::from(&mine)]))
}

/// A partnership's agencies: its member agencies and its own team.
#[utoipa::path(
    get,
    path = "/api/v1/partnerships/{id}/agencies",
    operation_id = "listAgencies",
    tag = "directory",
    params(("id" = String, Path, description = "Your partnership's id, such as `havering`.")),
    responses(
        (status = 200, description = "The agencies, by id.", body = Vec<AgencyInfo>),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
        (status = 404, description = "Not your partnership.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn agencies(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<AgencyInfo>>, ApiError> {
    let partnership = own(&state, &principal, &id).await?;
    let agencies = state.store().agencies(&partnership.id).await?;
    Ok(Json(
        agencies
            .iter()
            .map(|a| AgencyInfo {
                id: a.id.to_string(),
                name: a.name.clone(),
                kind: match serde_json::to_value(a.kind) {
                    Ok(serde_json::Value::String(s)) => s,
                    other => format!("{other:?}"),
                },
            })
            .collect(),
    ))
}

/// A partnership's people.
#[utoipa::path(
    get,
    path = "/api/v1/partnerships/{id}/people",
    operation_id = "listPeople",
    tag = "directory",
    params(("id" = String, Path, description = "Your partnership's id, such as `havering`.")),
    responses(
        (status = 200, description = "The people, by id.", body = Vec<PersonInfo>),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
        (status = 404, description = "Not your partnership.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn people(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<PersonInfo>>, ApiError> {
    let partnership = own(&state, &principal, &id).await?;
    let people = state.store().people(&partnership.id).await?;
    Ok(Json(people.iter().map(PersonInfo::from).collect()))
}

/// What to find people by.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SuggestionQuery {
    /// What was typed: part of a name, a job title or an agency's name.
    /// Every word must match. Blank finds nobody.
    #[serde(default)]
    q: String,
    /// The most people to answer with, from 1 to 50; 10 when left out.
    #[param(minimum = 1, maximum = 50)]
    limit: Option<usize>,
    /// Only the people of this agency, such as `hav-csc`.
    #[serde(default)]
    agency: Option<String>,
}

/// People a picker suggests for what was typed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Suggestions {
    /// How many people match in all, of whom `people` are the best.
    total: usize,
    /// The best matches: names starting with what was typed first.
    people: Vec<Suggestion>,
}

/// Someone a picker suggests.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Suggestion {
    /// Their id, to send as a participant.
    id: String,
    /// Their name.
    name: String,
    /// Their job title.
    job_title: String,
    /// Their agency's id.
    agency: String,
    /// Their agency's name.
    agency_name: String,
    /// How a picker shows them: "Name, job title (agency)".
    label: String,
}

/// People to pick, found by what was typed: those of your partnership who
/// work on cases, never an administrator or anyone whose account is
/// disabled (issue 14 §3). A partnership may have thousands of people; this
/// answers a picker as someone types.
#[utoipa::path(
    get,
    path = "/api/v1/partnerships/{id}/people/suggestions",
    operation_id = "suggestPeople",
    tag = "directory",
    params(
        ("id" = String, Path, description = "Your partnership's id, such as `havering`."),
        SuggestionQuery,
    ),
    responses(
        (status = 200, description = "The people who match, best first.", body = Suggestions),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
        (status = 404, description = "Not your partnership.", body = ErrorBody),
        (status = 400, description = "The limit is not from 1 to 50.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn suggestions(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(query): Query<SuggestionQuery>,
) -> Result<Json<Suggestions>, ApiError> {
    let limit = suggestion_limit(query.limit)?;
    let partnership = own(&state, &principal, &id).await?;
    let agency = query.agency.as_deref();
    let found = suggest(&state, &partnership.id, &query.q, limit, |p| {
        agency.is_none_or(|a| p.agency.as_str() == a)
    })
    .await?;
    Ok(Json(found))
}

/// Whom a case's people picker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum PickFor {
    /// Someone who took part in a discussion: anyone who works on cases.
    Participant,
    /// Whoever will do an agreed action: someone of an agency in the
    /// disagreement, or of the partnership's team or its chair.
    ActionOwner,
    /// A member of the panel the current stage convenes: someone holding
    /// a role its rule seats, or, where it names none, a senior officer.
    PanelMember,
    /// Whoever will do a learning follow-up: anyone working in the
    /// partnership, since learning is the partnership's.
    FollowUpOwner,
}

impl PickFor {
    /// Whether `person` may be picked for this on `case`, as the engine
    /// will judge them ([`accord_case::Case::may_own_action`],
    /// [`accord_case::Case::may_sit_on_panel`]).
    pub(crate) fn allows(
        self,
        case: &accord_case::Case,
        policy: &accord_policy::Policy,
        person: &Person,
    ) -> bool {
        match self {
            PickFor::Participant => true,
            PickFor::ActionOwner => case.may_own_action(&person.actor()),
            PickFor::PanelMember => case.may_sit_on_panel(policy, &person.actor()),
            PickFor::FollowUpOwner => true,
        }
    }

    /// Its name in a query, such as `action-owner`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PickFor::Participant => "participant",
            PickFor::ActionOwner => "action-owner",
            PickFor::PanelMember => "panel-member",
            PickFor::FollowUpOwner => "follow-up-owner",
        }
    }
}

/// What to find people for a case by.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CaseSuggestionQuery {
    /// What was typed: part of a name, a job title or an agency's name.
    /// Every word must match. Blank finds nobody.
    #[serde(default)]
    q: String,
    /// The most people to answer with, from 1 to 50; 10 when left out.
    #[param(minimum = 1, maximum = 50)]
    limit: Option<usize>,
    /// What they are picked for: `participant` (the default),
    /// `action-owner`, `panel-member` or `follow-up-owner`.
    #[serde(default, rename = "for")]
    #[param(rename = "for", inline)]
    pick_for: Option<PickFor>,
}

/// People to pick on a case, found by what was typed, of those who may be
/// picked for what `for` names: anyone who works on cases to have taken
/// part, someone of an agency in the disagreement or of the partnership's
/// team to own an action, someone the panel rule seats to sit on the
/// panel. Never an administrator or anyone whose account is disabled. The
/// case must be one you may see; this shows nothing of it but who may be
/// picked.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/people/suggestions",
    operation_id = "suggestCasePeople",
    tag = "directory",
    params(
        ("id" = String, Path, description = "The case id, such as `HAV-DEMO-0001`."),
        CaseSuggestionQuery,
    ),
    responses(
        (status = 200, description = "The people who match, best first.", body = Suggestions),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not read.", body = ErrorBody),
        (status = 404, description = "No such case, or not one you may see.", body = ErrorBody),
        (status = 400, description = "The limit is not from 1 to 50, or `for` is not one of `participant`, `action-owner` and `panel-member`.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn case_suggestions(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(query): Query<CaseSuggestionQuery>,
) -> Result<Json<Suggestions>, ApiError> {
    let limit = suggestion_limit(query.limit)?;
    let opened = super::cases::open_visible(&state, &principal, &id).await?;
    let pick_for = query.pick_for.unwrap_or(PickFor::Participant);
    let found = suggest(&state, principal.partnership(), &query.q, limit, |p| {
        pick_for.allows(&opened.case, &opened.policy, p)
    })
    .await?;
    Ok(Json(found))
}

fn suggestion_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    let limit = limit.unwrap_or(10);
    if (1..=50).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::invalid_parameter(
            "limit",
            "`limit` must be a whole number from 1 to 50",
        ))
    }
}

/// The people of `partnership` who match `q`, at most `limit`, of those
/// who work on cases, are not disabled, and `keep` allows.
async fn suggest(
    state: &AppState,
    partnership: &str,
    q: &str,
    limit: usize,
    keep: impl Fn(&Person) -> bool,
) -> Result<Suggestions, ApiError> {
    let store = state.store();
    let people = store.people(partnership).await?;
    let agencies = store.agencies(partnership).await?;
    let disabled = store.disabled_people(partnership).await?;
    let found = accord_directory::search::find_people(&people, &agencies, q, limit, |p| {
        p.tier != accord_policy::RoleTier::Admin && !disabled.contains(&p.id) && keep(p)
    });
    let agency_name = |p: &Person| {
        agencies
            .iter()
            .find(|a| a.id == p.agency)
            .map_or_else(|| p.agency.to_string(), |a| a.name.clone())
    };
    Ok(Suggestions {
        total: found.total,
        people: found
            .people
            .iter()
            .map(|p| {
                let agency_name = agency_name(p);
                Suggestion {
                    id: p.id.to_string(),
                    name: p.name.clone(),
                    job_title: p.job_title.clone(),
                    agency: p.agency.to_string(),
                    label: accord_directory::search::label(p, &agency_name),
                    agency_name,
                }
            })
            .collect(),
    })
}
