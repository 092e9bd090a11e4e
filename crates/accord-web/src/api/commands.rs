//! The commands on a case, one address each under `/api/v1/cases/{id}/`:
//! record a discussion, approve it, agree and complete actions, submit a
//! form, escalate, extend a deadline, record a breach, convene a panel,
//! record a representation, resolve, confirm the outcome, record learning,
//! withdraw, close, reopen, record a change of circumstances, and correct.
//!
//! Every body carries `expected_version`: the case's `version` when the
//! sender read it. If the case has changed since, the answer is 409 and
//! nothing is written (DESIGN.md §4: a conflict, never a lost update).
//! Each handler opens the case as the access rules allow (a case the
//! sender may not see is a 404), checks the people and agencies the body
//! names against the partnership's directory, lets the engine decide the
//! command against the case's policy (a refusal is a 403 or 422 naming the
//! rule, the document section and the field), appends what it decided in
//! one transaction and answers with the case as it now stands.

use accord_case::{
    ActionDetails, AgencyId, Amendment, Command, Context, DiscussionRecord, Extension, FormValues,
    MissingConfirmation, PanelSeat, Participant, Sequence, SubjectId, Text,
};
use accord_policy::{FormId, GroupId, ResolutionRoute, StageNumber, ThemeId};
use accord_store::{Conflict, Reader};
use axum::extract::State;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::{IntoResponses, ToSchema};

use super::{
    case_view::CaseView,
    cases::{Opened, known_agency, known_person, open_visible},
    limits,
};
use crate::{
    ApiError, AppState, ErrorBody,
    access::{self, Standing},
    auth::Principal,
    extract::{Json, Path},
};

/// What every command answers.
#[derive(IntoResponses)]
#[allow(dead_code, clippy::large_enum_variant)] // Only the OpenAPI document reads it.
pub(crate) enum CommandResponses {
    /// Done: the case as it now stands, with its new `version`.
    #[response(status = 200)]
    Done(#[to_schema] CaseView),
    /// The body is not JSON, or a path parameter cannot be read.
    #[response(status = 400)]
    BadRequest(#[to_schema] ErrorBody),
    /// Nobody is signed in.
    #[response(status = 401)]
    NotSignedIn(ErrorBody),
    /// The token may not write; or you may read the case but do not work
    /// on it (`not_working_on_this_case`); or the policy gives this to
    /// someone else (only a manager, only the stage's decider, only the
    /// raising agency, only a party): the `code` names the rule.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such case, or not one you may see.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The case has changed since `expected_version`: read it again, and
    /// decide again on what it now says.
    #[response(status = 409)]
    Stale(ErrorBody),
    /// The body is too large.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// The body is not labelled JSON.
    #[response(status = 415)]
    NotJson(ErrorBody),
    /// A field is wrong, or the policy refuses the command: `code` names
    /// the rule, `section` the part of the document, `field` what to
    /// change.
    #[response(status = 422)]
    Refused(ErrorBody),
}

/// A change about to be made to a case the sender may see, at the version
/// they read.
pub(crate) struct Change<'s> {
    state: &'s AppState,
    principal: &'s Principal,
    opened: Opened<'s>,
}

impl<'s> Change<'s> {
    /// Opens case `id` for `principal` to change, if they may (submitting
    /// `form`, when given) and it is at `expected`.
    pub(crate) async fn open(
        state: &'s AppState,
        principal: &'s Principal,
        id: &str,
        expected: Sequence,
        form: Option<&FormId>,
    ) -> Result<Change<'s>, ApiError> {
        let opened = open_visible(state, principal, id).await?;
        if !opened.may_change(principal, form) {
            return Err(ApiError::Forbidden {
                code: "not_working_on_this_case",
                message: if opened.standing == Standing::FormRole {
                    let asked: Vec<String> =
                        access::forms_asked_of(&principal.person, &opened.case, &opened.policy)
                            .into_iter()
                            .map(|f| {
                                opened
                                    .policy
                                    .form(f)
                                    .map_or_else(|| f.to_string(), |f| f.title.clone())
                            })
                            .collect();
                    format!(
                        "your part in this case is the form its stage asks of you ({}): submit \
                         that, and ask the stage's leads for anything else",
                        asked.join("; ")
                    )
                } else {
                    "you were told of this case, so you may read it, but only the people working \
                     on it may change it: ask the stage's leads"
                        .to_owned()
                },
            });
        }
        let actual = opened.case.version();
        if actual != expected {
            return Err(ApiError::Conflict(Conflict {
                case: opened.case.id().clone(),
                expected: Some(expected),
                actual: Some(actual),
            }));
        }
        Ok(Change {
            state,
            principal,
            opened,
        })
    }

    /// Opens case `id` for any command but a form submission.
    pub(crate) async fn begin(
        state: &'s AppState,
        principal: &'s Principal,
        id: &str,
        expected: Sequence,
    ) -> Result<Change<'s>, ApiError> {
        Change::open(state, principal, id, expected, None).await
    }

    /// Decides `command`, appends what it decided, and answers with the
    /// case as it now stands.
    async fn commit(self, command: Command, purpose: &str) -> Result<Json<CaseView>, ApiError> {
        let now = self.state.now();
        let (case, events, policy) = self.apply(command, purpose).await?;
        Ok(Json(CaseView::new(case, &events, &policy, now)))
    }

    /// Decides `command`, appends what it decided with the read of the
    /// answer by `purpose`, and gives the case as it now stands, every
    /// event on it, and its policy.
    pub(crate) async fn apply(
        self,
        command: Command,
        purpose: &str,
    ) -> Result<
        (
            accord_case::Case,
            Vec<accord_case::Event>,
            std::sync::Arc<accord_policy::Policy>,
        ),
        ApiError,
    > {
        let people = self.directory_entries(&command).await?;
        let Opened {
            case,
            mut events,
            policy,
            calendar,
            ..
        } = self.opened;
        let now = self.state.now();
        let ctx = Context {
            people,
            ..Context::new(now, self.principal.person.actor())
        };
        let decided = case.decide(&policy, calendar, command, &ctx)?;
        // The change and the read of the answer are recorded together.
        let reader = Reader {
            person: self.principal.id(),
            purpose,
        };
        let appended = self
            .state
            .store()
            .append_read(Some(case.version()), &decided, reader)
            .await?;
        events.extend(decided);
        Ok((appended.case, events, policy))
    }

    /// The directory's entry for each person `command` names, as the
    /// engine checks them: their agency, tier and roles, and whether their
    /// account is disabled. Someone of another partnership, or nobody, is
    /// left out, and the engine refuses the command naming them.
    async fn directory_entries(
        &self,
        command: &Command,
    ) -> Result<Vec<accord_case::DirectoryEntry>, ApiError> {
        let store = self.state.store();
        let mut entries: Vec<accord_case::DirectoryEntry> = Vec::new();
        for (_, id) in command.people_named() {
            if entries.iter().any(|e| &e.person.person == id) {
                continue;
            }
            let Some(person) = store
                .person(id)
                .await?
                .filter(|p| p.partnership == self.principal.partnership())
            else {
                continue;
            };
            entries.push(accord_case::DirectoryEntry {
                person: person.actor(),
                active: !store.account_disabled(id).await?,
            });
        }
        Ok(entries)
    }

    /// 422 unless `participants` are people of the partnership, each of
    /// the agency given.
    pub(crate) async fn participants(
        &self,
        field: &str,
        who: &[Participant],
    ) -> Result<(), ApiError> {
        limits::items(field, who.len(), limits::MAX_PEOPLE)?;
        for (i, p) in who.iter().enumerate() {
            known_person(
                self.state,
                self.principal,
                &format!("{field}[{i}].person"),
                &p.person,
                Some(&p.agency),
            )
            .await?;
        }
        Ok(())
    }

    /// 422 unless `agency` is one of the partnership's.
    pub(crate) async fn agency(&self, field: &str, agency: &AgencyId) -> Result<(), ApiError> {
        let agencies = self
            .state
            .store()
            .agencies(self.principal.partnership())
            .await?;
        known_agency(&agencies, field, agency)
    }

    /// 422 unless the action's holder is a person of the partnership, of
    /// the agency given.
    pub(crate) async fn action(
        &self,
        field: &str,
        details: &ActionDetails,
    ) -> Result<(), ApiError> {
        known_person(
            self.state,
            self.principal,
            &format!("{field}.who"),
            &details.who,
            Some(&details.agency),
        )
        .await
    }
}

/// The case path parameter.
type CaseId = String;

// --- Discussions ---------------------------------------------------------

/// A discussion to put on the record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordDiscussion {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// When it was held, how, who took part (each as the role they took
    /// part in, such as `manager` or a policy's `hscp-member`), what was
    /// said and decided, and whether it ended in agreement.
    record: DiscussionRecord,
}

/// Record a discussion at the case's current stage.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/discussions",
    operation_id = "recordDiscussion",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = RecordDiscussion,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn record_discussion(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<RecordDiscussion>,
) -> Result<Json<CaseView>, ApiError> {
    let change = Change::begin(&state, &principal, &id, body.expected_version).await?;
    change
        .participants("record.participants", &body.record.participants)
        .await?;
    limits::unlisted_participants("record.unlisted_participants", &body.record)?;
    change
        .commit(
            Command::RecordDiscussion {
                record: body.record,
            },
            "api: discussion recorded",
        )
        .await
}

/// The formal approval of a discussion record (Sutton §7b).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApproveDiscussion {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// The date of approval, entered on the record.
    #[schema(value_type = String, format = Date)]
    approved_on: Date,
}

/// Approve a discussion record, with the date of approval.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/discussions/{discussion}/approval",
    operation_id = "approveDiscussion",
    tag = "case commands",
    params(
        ("id" = String, Path, description = "The case id."),
        ("discussion" = u64, Path, minimum = 1, description = "The discussion's event number (its `sequence`)."),
    ),
    request_body = ApproveDiscussion,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn approve_discussion(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, discussion)): Path<(CaseId, Sequence)>,
    Json(body): Json<ApproveDiscussion>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::ApproveDiscussion {
                discussion,
                approved_on: body.approved_on,
            },
            "api: discussion approved",
        )
        .await
}

// --- Actions --------------------------------------------------------------

/// An action to agree: who will do what by when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgreeAction {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// Who (a person of your partnership, with their agency), what, and by
    /// when.
    details: ActionDetails,
}

/// Agree an action: who will do what by when (Sutton Appendix 1).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/actions",
    operation_id = "agreeAction",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = AgreeAction,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn agree_action(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<AgreeAction>,
) -> Result<Json<CaseView>, ApiError> {
    let change = Change::begin(&state, &principal, &id, body.expected_version).await?;
    change.action("details", &body.details).await?;
    change
        .commit(
            Command::AgreeAction {
                details: body.details,
            },
            "api: action agreed",
        )
        .await
}

/// An agreed action, done.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompleteAction {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// What was done, if worth saying.
    #[serde(default)]
    note: Option<Text>,
}

/// Mark an agreed action done.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/actions/{action}/completion",
    operation_id = "completeAction",
    tag = "case commands",
    params(
        ("id" = String, Path, description = "The case id."),
        ("action" = u64, Path, minimum = 1, description = "The action's event number (its `sequence`)."),
    ),
    request_body = CompleteAction,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn complete_action(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, action)): Path<(CaseId, Sequence)>,
    Json(body): Json<CompleteAction>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::CompleteAction {
                action,
                note: body.note,
            },
            "api: action completed",
        )
        .await
}

// --- Forms ----------------------------------------------------------------

/// Answers on one of the policy's forms.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmitForm {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// The answers, by field id; a table's answer is its rows.
    values: FormValues,
}

/// Submit a form (or a later, fuller version of it), such as East Riding's
/// Appendix A or the Isle of Man referral form.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/forms/{form}",
    operation_id = "submitForm",
    tag = "case commands",
    params(
        ("id" = String, Path, description = "The case id."),
        ("form" = String, Path, description = "The policy's form id, such as `appendix-a`."),
    ),
    request_body = SubmitForm,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn submit_form(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, form)): Path<(CaseId, FormId)>,
    Json(body): Json<SubmitForm>,
) -> Result<Json<CaseView>, ApiError> {
    limits::form_values("values", &body.values)?;
    Change::open(&state, &principal, &id, body.expected_version, Some(&form))
        .await?
        .commit(
            Command::SubmitForm {
                form,
                values: body.values,
            },
            "api: form submitted",
        )
        .await
}

// --- Stages and deadlines -------------------------------------------------

/// A move up one stage.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Escalate {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// The stage to move to: always the next one, named so that a stale
    /// screen cannot escalate twice.
    to: StageNumber,
    /// Why the stage could not resolve it.
    reason: Text,
}

/// Escalate the case to the next stage; you are recorded as who decided.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/escalation",
    operation_id = "escalateCase",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = Escalate,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn escalate(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<Escalate>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::Escalate {
                to: body.to,
                reason: body.reason,
            },
            "api: escalated",
        )
        .await
}

/// More time for the current stage, with the reason (DESIGN.md §3: never
/// a silent pause).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExtendDeadline {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// How much more: `{"working_days": 5}`, `{"hours": 24}` or
    /// `{"calendar_days": 7}`.
    by: Extension,
    /// Why.
    reason: Text,
}

/// Extend the current stage's deadline (managers and above).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/extensions",
    operation_id = "extendDeadline",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = ExtendDeadline,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn extend_deadline(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<ExtendDeadline>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::ExtendDeadline {
                by: body.by,
                reason: body.reason,
            },
            "api: deadline extended",
        )
        .await
}

/// The case's own timescale for the current stage (Sutton §5).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgreeTimescale {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// The agreed length, counted from when the stage's clock started:
    /// `{"working_days": 3}`, `{"hours": 48}` or `{"calendar_days": 10}`.
    /// Shorter or longer than the policy's default.
    timescale: Extension,
    /// Why, such as where and by whom it was agreed.
    reason: Text,
}

/// Agree the case's own timescale for the current stage, shorter or longer
/// than the policy's (managers and above, where the stage allows it, as
/// Sutton §5 does: "the timescale given the specific circumstances of each
/// case").
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/timescale",
    operation_id = "agreeTimescale",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = AgreeTimescale,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn agree_timescale(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<AgreeTimescale>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::AgreeTimescale {
                timescale: body.timescale,
                reason: body.reason,
            },
            "api: timescale agreed",
        )
        .await
}

/// Whether the holder of the role the stage names concurs (Sutton §7c).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordConcurrence {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// Whether you concur with the concerns raised.
    concurs: bool,
    /// Why, in your words.
    reason: Text,
}

/// Record whether you concur, holding the role the current stage names
/// (Sutton §7c: "If the designated lead concurs with the concerns of the
/// professional"): only its holders may, and the move it allows waits for
/// it. Anyone else is answered 403, naming the role.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/concurrence",
    operation_id = "recordConcurrence",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = RecordConcurrence,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn record_concurrence(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<RecordConcurrence>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::RecordConcurrence {
                concurs: body.concurs,
                reason: body.reason,
            },
            "api: concurrence recorded",
        )
        .await
}

/// A command that needs nothing but the version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AtVersion {
    /// The case's `version` as you read it.
    expected_version: Sequence,
}

/// Record that a deadline of the current stage has passed (its own, or a
/// form's it still needs); the stage's breach notifications fire.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/breaches",
    operation_id = "recordBreach",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = AtVersion,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn record_breach(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<AtVersion>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(Command::RecordBreach, "api: breach recorded")
        .await
}

// --- Panels ---------------------------------------------------------------

/// A Resolution Panel to convene.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConvenePanel {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// Its members, each a person of your partnership with the agency they
    /// represent.
    members: Vec<PanelSeat>,
    /// Why a disputing agency could not sit, where the policy asks for
    /// them only "where possible" (Plymouth Stage Five).
    #[serde(default)]
    shortfall_reason: Option<Text>,
}

/// Convene a Resolution Panel at the current stage; the policy's panel rule
/// (how many agencies, which must sit) is checked.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/panel",
    operation_id = "convenePanel",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = ConvenePanel,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn convene_panel(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<ConvenePanel>,
) -> Result<Json<CaseView>, ApiError> {
    let change = Change::begin(&state, &principal, &id, body.expected_version).await?;
    limits::items("members", body.members.len(), limits::MAX_PEOPLE)?;
    for (i, seat) in body.members.iter().enumerate() {
        known_person(
            &state,
            &principal,
            &format!("members[{i}].person"),
            &seat.person,
            Some(&seat.agency),
        )
        .await?;
    }
    change
        .commit(
            Command::ConvenePanel {
                members: body.members,
                shortfall_reason: body.shortfall_reason,
            },
            "api: panel convened",
        )
        .await
}

/// A representation made to the panel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordRepresentation {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// The agency making it.
    agency: AgencyId,
    /// What it said.
    summary: Text,
}

/// Record a representation made to the Resolution Panel.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/panel/representations",
    operation_id = "recordRepresentation",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = RecordRepresentation,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn record_representation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<RecordRepresentation>,
) -> Result<Json<CaseView>, ApiError> {
    let change = Change::begin(&state, &principal, &id, body.expected_version).await?;
    change.agency("agency", &body.agency).await?;
    change
        .commit(
            Command::RecordRepresentation {
                agency: body.agency,
                summary: body.summary,
            },
            "api: representation recorded",
        )
        .await
}

// --- Outcome, learning and closure ----------------------------------------

/// The agreed outcome at the current stage.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Resolve {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// How it was reached: `agreement`, `decision` or `panel`, as the
    /// stage allows.
    route: ResolutionRoute,
    /// The agreed outcome.
    outcome: Text,
    /// How any outstanding issues will be pursued.
    outstanding_issues: Text,
}

/// Resolve the case at its current stage. A final decision (the Plymouth
/// panel, Sutton's Independent Chair) closes it.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/outcome",
    operation_id = "resolveCase",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = Resolve,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn resolve(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<Resolve>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::Resolve {
                route: body.route,
                outcome: body.outcome,
                outstanding_issues: body.outstanding_issues,
            },
            "api: resolved",
        )
        .await
}

/// Your agency's written confirmation of the outcome.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfirmOutcome {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// The confirmation, or a reference to where it is kept.
    statement: Text,
}

/// Confirm the outcome in writing, for your agency (Plymouth and East
/// Riding ask each party to).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/outcome/confirmations",
    operation_id = "confirmOutcome",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = ConfirmOutcome,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn confirm_outcome(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<ConfirmOutcome>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::ConfirmOutcome {
                statement: body.statement,
            },
            "api: outcome confirmed",
        )
        .await
}

/// Learning from the disagreement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordLearning {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// The policy's theme, such as `training-needs`.
    theme: ThemeId,
    /// The group it was forwarded to: the `id` of one of the policy's
    /// `learning.forward_to` groups, such as `service-manager`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    forwarded_to: Option<GroupId>,
    /// The learning.
    note: Text,
}

/// Record learning, under one of the policy's themes.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/learning",
    operation_id = "recordLearning",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = RecordLearning,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn record_learning(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<RecordLearning>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::RecordLearning {
                theme: body.theme,
                forwarded_to: body.forwarded_to,
                note: body.note,
            },
            "api: learning recorded",
        )
        .await
}

/// An action to follow up learning: who will do what by when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgreeFollowUp {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// Who (anyone working in your partnership, with their agency, such as
    /// a subgroup's chair), what, and by when.
    details: ActionDetails,
}

/// Agree an action to follow up learning recorded on the case, with an
/// owner and a due date (issue 15 §2). Its owner is reminded if it is not
/// done by the end of its due date, and sees it in My work and their
/// calendar feed.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/learning/{learning}/follow-ups",
    operation_id = "agreeFollowUp",
    tag = "case commands",
    params(
        ("id" = String, Path, description = "The case id."),
        ("learning" = u64, Path, minimum = 1, description = "The learning's event number (its `sequence`)."),
    ),
    request_body = AgreeFollowUp,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn agree_follow_up(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, learning)): Path<(CaseId, Sequence)>,
    Json(body): Json<AgreeFollowUp>,
) -> Result<Json<CaseView>, ApiError> {
    let change = Change::begin(&state, &principal, &id, body.expected_version).await?;
    change.action("details", &body.details).await?;
    change
        .commit(
            Command::AgreeFollowUp {
                learning,
                details: body.details,
            },
            "api: learning follow-up agreed",
        )
        .await
}

/// Mark a learning follow-up done.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/follow-ups/{follow_up}/completion",
    operation_id = "completeFollowUp",
    tag = "case commands",
    params(
        ("id" = String, Path, description = "The case id."),
        ("follow_up" = u64, Path, minimum = 1, description = "The follow-up's event number (its `sequence`)."),
    ),
    request_body = CompleteAction,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn complete_follow_up(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, follow_up)): Path<(CaseId, Sequence)>,
    Json(body): Json<CompleteAction>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::CompleteFollowUp {
                follow_up,
                note: body.note,
            },
            "api: learning follow-up completed",
        )
        .await
}

/// A reason, for withdrawing or reopening.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WithReason {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// Why.
    reason: Text,
}

/// Withdraw the disagreement (the raising agency only); the case closes.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/withdrawal",
    operation_id = "withdrawCase",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = WithReason,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<WithReason>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::Withdraw {
                reason: body.reason,
            },
            "api: withdrawn",
        )
        .await
}

/// Closing a resolved case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Close {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// Why each party that has not confirmed the outcome has not; empty
    /// when every party has.
    #[serde(default)]
    #[schema(max_items = 10)]
    missing_confirmations: Vec<MissingConfirmation>,
}

/// Close a resolved case: each party's confirmation, or why it is missing,
/// must be on the record.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/closure",
    operation_id = "closeCase",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = Close,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn close(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<Close>,
) -> Result<Json<CaseView>, ApiError> {
    let change = Change::begin(&state, &principal, &id, body.expected_version).await?;
    limits::items(
        "missing_confirmations",
        body.missing_confirmations.len(),
        limits::MAX_PARTIES,
    )?;
    for (i, missing) in body.missing_confirmations.iter().enumerate() {
        change
            .agency(
                &format!("missing_confirmations[{i}].agency"),
                &missing.agency,
            )
            .await?;
    }
    change
        .commit(
            Command::Close {
                missing_confirmations: body.missing_confirmations,
            },
            "api: closed",
        )
        .await
}

/// Reopen a closed or withdrawn case at the stage it ended at.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/reopening",
    operation_id = "reopenCase",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = WithReason,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn reopen(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<WithReason>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::Reopen {
                reason: body.reason,
            },
            "api: reopened",
        )
        .await
}

// --- Changes and corrections ----------------------------------------------

/// A subject's circumstances since the case was raised: each flag as it
/// now stands.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordChangeOfCircumstances {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// The subject, by their id within the case.
    subject: SubjectId,
    /// Now subject to a Child Protection Plan.
    child_protection_plan: bool,
    /// Now a Looked After Child.
    looked_after: bool,
    /// Now thought to be at immediate risk of significant harm.
    immediate_risk: bool,
    /// What changed, and when.
    reason: Text,
}

/// Record that a subject's circumstances have changed (not a correction:
/// the record was right then). A stage notification whose condition now
/// holds fires, such as Havering's IRO (§2.5).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/circumstances",
    operation_id = "recordCircumstances",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = RecordChangeOfCircumstances,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn record_change_of_circumstances(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<RecordChangeOfCircumstances>,
) -> Result<Json<CaseView>, ApiError> {
    Change::begin(&state, &principal, &id, body.expected_version)
        .await?
        .commit(
            Command::RecordChangeOfCircumstances {
                subject: body.subject,
                child_protection_plan: body.child_protection_plan,
                looked_after: body.looked_after,
                immediate_risk: body.immediate_risk,
                reason: body.reason,
            },
            "api: circumstances changed",
        )
        .await
}

/// A correction: a new event naming the one it corrects and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Correct {
    /// The case's `version` as you read it.
    expected_version: Sequence,
    /// The event corrected, by its number.
    corrects: Sequence,
    /// Why.
    reason: Text,
    /// What it should have said.
    amendment: Amendment,
}

/// Correct an earlier event. Nothing is edited: the correction is added
/// and read alongside what it corrects.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/corrections",
    operation_id = "correctCase",
    tag = "case commands",
    params(("id" = String, Path, description = "The case id.")),
    request_body = Correct,
    responses(CommandResponses),
    security(("session" = [], "csrf" = []), ("token" = []))
)]
pub(crate) async fn correct(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<CaseId>,
    Json(body): Json<Correct>,
) -> Result<Json<CaseView>, ApiError> {
    let change = Change::begin(&state, &principal, &id, body.expected_version).await?;
    match &body.amendment {
        Amendment::Discussion { record } => {
            change
                .participants("amendment.record.participants", &record.participants)
                .await?;
            limits::unlisted_participants("amendment.record.unlisted_participants", record)?;
        }
        Amendment::Action { details } => change.action("amendment.details", details).await?,
        Amendment::Subjects { subjects } => {
            limits::items("amendment.subjects", subjects.len(), limits::MAX_SUBJECTS)?;
            for (i, s) in subjects.iter().enumerate() {
                limits::chars(
                    &format!("amendment.subjects[{i}].name"),
                    s.name.as_str(),
                    limits::MAX_NAME_CHARS,
                )?;
            }
        }
        Amendment::Concern { .. } | Amendment::Erratum { .. } => {}
    }
    change
        .commit(
            Command::Correct {
                corrects: body.corrects,
                reason: body.reason,
                amendment: body.amendment,
            },
            "api: corrected",
        )
        .await
}
