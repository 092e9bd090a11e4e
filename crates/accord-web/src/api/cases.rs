//! Cases: `POST /api/v1/cases` raises a disagreement under the reader's
//! partnership's policy, and `GET /api/v1/cases/{id}` shows one to someone
//! the access rules ([`crate::access::may_see`]) let see it. The commands
//! that change a case are in [`super::commands`]; they open the case the
//! same way ([`open_visible`]).
//!
//! A case someone may not see is answered exactly as a case that does not
//! exist, so its existence is not revealed, and every answer that shows a
//! case writes the read to the access log.

use std::collections::{BTreeMap, BTreeSet};

use accord_calendar::Calendar;
use accord_case::{
    AgencyId, Case, CaseId, Concern, Context, Event, FormValues, LaterStart, PersonId, Raise,
    Refusal, Subject,
};
use accord_policy::{AreaId, FormId, Policy, RoleTier, SignpostId, TrackId};
use accord_store::{Agency, Reader, StoreError};
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{case_view::CaseView, limits};
use crate::{
    ApiError, AppState, ErrorBody, access,
    auth::Principal,
    extract::{Json, Path},
};

/// The answer for a case that does not exist, or that the reader may not see.
pub(crate) fn no_such_case() -> ApiError {
    ApiError::NotFound {
        code: "unknown_case",
        message: "there is no case with this id that you may see: check the id, \
                  or ask your partnership team"
            .to_owned(),
    }
}

/// A case the reader may see, with what deciding a command on it needs.
pub(crate) struct Opened<'s> {
    /// The case.
    pub(crate) case: Case,
    /// Its events, in order.
    pub(crate) events: Vec<Event>,
    /// The policy version it is bound to.
    pub(crate) policy: std::sync::Arc<Policy>,
    /// That policy's calendar.
    pub(crate) calendar: &'s Calendar,
    /// How the reader stands to it.
    pub(crate) standing: access::Standing,
}

impl Opened<'_> {
    /// Whether `principal` may change the case by a command, or, with
    /// `form`, by submitting that form: someone whom only a form's section
    /// lets see it (rule 7) submits the forms its stage asks of them, and
    /// nothing else.
    pub(crate) fn may_change(&self, principal: &Principal, form: Option<&FormId>) -> bool {
        let theirs = form.is_some_and(|form| {
            access::forms_asked_of(&principal.person, &self.case, &self.policy).contains(&form)
        });
        self.standing.may_act(theirs)
    }
}

/// Opens case `id` if `principal` may see it; otherwise the same 404 as a
/// case that does not exist. Nothing is logged: a change logs the read of
/// its answer with its events, and an answer that shows the case uses
/// [`open_to_show`].
///
/// Whether they may see it is first decided from the case's register row,
/// one indexed read, so that a case of another partnership or agency costs
/// what a missing one does and its existence does not show in the time
/// taken (issue 11, finding 12).
pub(crate) async fn open_visible<'s>(
    state: &'s AppState,
    principal: &Principal,
    id: &str,
) -> Result<Opened<'s>, ApiError> {
    let Ok(id) = CaseId::parse(id) else {
        return Err(no_such_case());
    };
    let store = state.store();
    let partnership = principal.partnership();
    let Some(entry) = store.register_entry(&id, partnership).await? else {
        return Err(no_such_case());
    };
    let facts = access::CaseFacts::of_entry(&entry, Some(partnership));
    if access::standing(&principal.person, facts) == access::Standing::None {
        return Err(no_such_case());
    }
    let events = store.load(&id).await?;
    let case = Case::fold(&events).map_err(|source| StoreError::Stream {
        case: id.clone(),
        source,
    })?;
    let (policy, calendar) = state.policy_of(&case).await?;
    let involvement = case.involvement(&policy);
    let standing = access::standing(
        &principal.person,
        access::CaseFacts::of_case(&case, &involvement, Some(partnership)),
    );
    if standing == access::Standing::None {
        return Err(no_such_case());
    }
    Ok(Opened {
        case,
        events,
        policy,
        calendar,
        standing,
    })
}

/// Opens case `id` as [`open_visible`] does, to show it, and writes that
/// `principal` read it to the access log for `purpose`: every answer that
/// shows a case's content without changing it (the case page, its print
/// view, the API's case; issue 11, finding 8).
pub(crate) async fn open_to_show<'s>(
    state: &'s AppState,
    principal: &Principal,
    id: &str,
    purpose: &str,
) -> Result<Opened<'s>, ApiError> {
    let opened = open_visible(state, principal, id).await?;
    state
        .store()
        .record_read(opened.case.id(), principal.id(), state.now(), purpose)
        .await?;
    Ok(opened)
}

/// Show a case: everything on its record, and where it stands.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    operation_id = "showCase",
    tag = "cases",
    params(("id" = String, Path, description = "The case id, such as `HAV-DEMO-0001`.")),
    responses(
        (status = 200, description = "The case.", body = CaseView),
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
) -> Result<Json<CaseView>, ApiError> {
    let opened = open_to_show(&state, &principal, &id, "api: case").await?;
    Ok(Json(CaseView::new(
        opened.case,
        &opened.events,
        &opened.policy,
        state.now(),
    )))
}

/// A disagreement to raise. The person raising it is whoever is signed
/// in; the policy is their partnership's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RaiseRequest {
    /// The track, such as `professional`; the policy's first when left out.
    #[serde(default)]
    pub(crate) track: Option<TrackId>,
    /// The area of disagreement, from the policy's own list (see
    /// `GET /api/v1/policies/{id}`).
    pub(crate) area: AreaId,
    /// The signpost (the policy's `out_of_scope`) the raiser's answers
    /// matched, if any. A concern outside the procedure is never a case,
    /// and the answer says where to take it instead; a signpost that is
    /// advice only (`effect = "advice"`, Sutton §1's whistle blowing) never
    /// refuses the raise.
    #[serde(default)]
    pub(crate) signpost: Option<SignpostId>,
    /// The agency whose decision, action or inaction is disputed: one of
    /// your partnership's agencies, not your own.
    pub(crate) other_agency: AgencyId,
    /// The professional there, where known.
    #[serde(default)]
    pub(crate) other_professional: Option<PersonId>,
    /// The children (or adults at risk) it is about, each with an id of
    /// your choosing within the case, such as `c1`, their name and, where
    /// known, their `date_of_birth`, `nhs_number` (its check digit is
    /// checked; `943 476 5919` or `9434765919`) and `local_id` (their
    /// children's social care system's id). Empty only for a strategic
    /// partnership issue.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub(crate) subjects: Vec<Subject>,
    /// What was decided or not done, the evidence, and the outcome sought.
    pub(crate) concern: Concern,
    /// Starting above the first stage, where a subject is at immediate
    /// risk of significant harm and the policy allows it, with the reason.
    #[serde(default)]
    pub(crate) start_at: Option<LaterStart>,
    /// Forms submitted with the raise, by form id, such as a stage's entry
    /// form.
    #[serde(default)]
    pub(crate) forms: BTreeMap<FormId, FormValues>,
}

/// Raise a disagreement.
#[utoipa::path(
    post,
    path = "/api/v1/cases",
    operation_id = "raiseCase",
    tag = "cases",
    request_body = RaiseRequest,
    responses(
        (status = 201, description = "Raised: the new case, at the stage it starts at. `Location` names it.", body = CaseView),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token may not write, or administrators do not raise cases.", body = ErrorBody),
        (status = 413, description = "The body is too large.", body = ErrorBody),
        (status = 415, description = "The body is not labelled JSON.", body = ErrorBody),
        (status = 409, description = "The case number was taken meanwhile: send it again.", body = ErrorBody),
        (status = 422, description = "A field is wrong, or the policy refuses it (the `code` names the rule, `section` where the document says so, `field` what to change).", body = ErrorBody),
    ),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn raise(
    State(state): State<AppState>,
    principal: Principal,
    Json(body): Json<RaiseRequest>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let (case, written, policy) = raise_case(&state, &principal, body, "api: raised").await?;
    let view = CaseView::new(case, &written, &policy, now);
    let location = format!("/api/v1/cases/{}", view.id());
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&location).expect("a case id is a valid header value"),
    );
    Ok(response)
}

/// Raises `body` for `principal` under their partnership's policy, with
/// the read of the new case recorded for `purpose`: the case, its events
/// and its policy. The API's `POST /api/v1/cases` and the raise pages both
/// raise through here.
pub(crate) async fn raise_case(
    state: &AppState,
    principal: &Principal,
    body: RaiseRequest,
    purpose: &str,
) -> Result<(Case, Vec<Event>, std::sync::Arc<Policy>), ApiError> {
    if principal.tier() == RoleTier::Admin {
        return Err(ApiError::Forbidden {
            code: "admins_do_not_raise",
            message: "administrators look after accounts, agencies and calendars and do not \
                      work on cases: raise it from your practitioner or manager account"
                .to_owned(),
        });
    }
    check_raise(state, principal, &body).await?;
    let partnership = state
        .store()
        .partnerships()
        .await?
        .into_iter()
        .find(|p| p.id == principal.partnership())
        .ok_or_else(|| {
            ApiError::Internal(
                format!("person {} has no partnership record", principal.id()).into(),
            )
        })?;
    let policy = state.current_policy(&partnership.policy).await?;
    let calendar = state.calendar_of(&policy)?;
    let now = state.now();
    let year = calendar.time_zone().to_datetime(now).year();
    let ctx = Context::new(now, principal.person.actor());
    let reader = Reader {
        person: principal.id(),
        purpose,
    };
    // `build` runs inside the store's shared transaction, so it owns what
    // it reads.
    let raising = policy.clone();
    let calendar = calendar.clone();
    let (appended, written) = state
        .store()
        .raise(
            &partnership.case_prefix,
            year,
            move |case| {
                let raise = Raise {
                    case,
                    track: body.track,
                    area: body.area,
                    signpost: body.signpost,
                    other_agency: body.other_agency,
                    other_professional: body.other_professional,
                    subjects: body.subjects,
                    concern: body.concern,
                    start_at: body.start_at,
                    forms: body.forms.into_iter().collect(),
                };
                Case::raise(&raising, &calendar, raise, &ctx).map_err(raise_refusal)
            },
            Some(reader),
        )
        .await?;
    Ok((appended.case, written, policy))
}

/// A raise's refusal, naming the raise body's field: forms are under
/// `forms`, not `values` as in a form submission.
fn raise_refusal(refusal: Refusal) -> ApiError {
    let field = match &refusal {
        Refusal::FormIncomplete { form, .. } | Refusal::FormInvalid { form, .. } => {
            Some(format!("forms.{form}"))
        }
        Refusal::FormNotSubmitted { .. } | Refusal::UnknownForm { .. } => Some("forms".to_owned()),
        _ => None,
    };
    let mut error = ApiError::from(refusal);
    if let (Some(new), ApiError::Refused { field, .. }) = (field, &mut error) {
        *field = Some(new);
    }
    error
}

/// What the engine cannot know about a raise: that the agencies and people
/// it names are in the reader's partnership's directory, that subject ids
/// are distinct, and that nothing is longer than Accord keeps.
async fn check_raise(
    state: &AppState,
    principal: &Principal,
    body: &RaiseRequest,
) -> Result<(), ApiError> {
    let agencies = state.store().agencies(principal.partnership()).await?;
    known_agency(&agencies, "other_agency", &body.other_agency)?;
    if let Some(other) = &body.other_professional {
        known_person(
            state,
            principal,
            "other_professional",
            other,
            Some(&body.other_agency),
        )
        .await?;
    }
    limits::items("subjects", body.subjects.len(), limits::MAX_SUBJECTS)?;
    let mut ids = BTreeSet::new();
    for (i, subject) in body.subjects.iter().enumerate() {
        limits::chars(
            &format!("subjects[{i}].name"),
            subject.name.as_str(),
            limits::MAX_NAME_CHARS,
        )?;
        if !ids.insert(&subject.id) {
            return Err(ApiError::Unprocessable {
                code: "duplicate_subject",
                message: format!(
                    "two subjects have the id `{}`: give each child or adult their own id, \
                     such as c1, c2",
                    subject.id
                ),
                field: Some(format!("subjects[{i}].id")),
            });
        }
    }
    for (form, values) in &body.forms {
        limits::form_values(&format!("forms.{form}"), values)?;
    }
    Ok(())
}

/// 422 unless `agency` is one of `agencies` (the reader's partnership's).
pub(crate) fn known_agency(
    agencies: &[Agency],
    field: &str,
    agency: &AgencyId,
) -> Result<(), ApiError> {
    if agencies.iter().any(|a| a.id == *agency) {
        Ok(())
    } else {
        Err(ApiError::Unprocessable {
            code: "unknown_agency",
            message: format!(
                "there is no agency `{agency}` in your partnership: choose one from \
                 GET /api/v1/partnerships/{{id}}/agencies"
            ),
            field: Some(field.to_owned()),
        })
    }
}

/// 422 unless `person` is in the reader's partnership's directory and, when
/// `agency` is given, belongs to it.
pub(crate) async fn known_person(
    state: &AppState,
    principal: &Principal,
    field: &str,
    person: &PersonId,
    agency: Option<&AgencyId>,
) -> Result<(), ApiError> {
    let found = state
        .store()
        .person(person)
        .await?
        .filter(|p| p.partnership == principal.partnership());
    let invalid = |code, message: String| ApiError::Unprocessable {
        code,
        message,
        field: Some(field.to_owned()),
    };
    match (found, agency) {
        (None, _) => Err(invalid(
            "unknown_person",
            format!(
                "there is nobody with the id `{person}` in your partnership: choose someone from \
                 GET /api/v1/partnerships/{{id}}/people"
            ),
        )),
        (Some(p), Some(agency)) if p.agency != *agency => Err(invalid(
            "wrong_agency",
            format!(
                "`{person}` works for `{}`, not `{agency}`: name their own agency",
                p.agency
            ),
        )),
        (Some(_), _) => Ok(()),
    }
}
