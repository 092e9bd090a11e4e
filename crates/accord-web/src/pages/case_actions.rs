//! What people do to a case in the browser: each command as a form at
//! `/cases/{id}/{action}` — record a discussion, agree an action and mark
//! it done, escalate, extend a deadline, convene a panel and record what it
//! hears, resolve, confirm the outcome, record learning, withdraw, close,
//! reopen and record a change of circumstances. (Submitting one of the
//! policy's own forms is in [`super::policy_forms`].)
//!
//! A form is offered only to someone the access rules let work on the case
//! and to whom the engine offers the command ([`Case::offers`]); anyone
//! else who follows the address is told why not. What was typed is read
//! into the engine's command here, and the command goes through the same
//! [`Change`] as the API's, so the engine's rules, the version check and
//! the access log are the same whichever way a command comes. A mistake,
//! a refusal or a change made meanwhile by someone else shows the form
//! again with everything typed kept and an error summary saying what to
//! fix; success goes back to the case page, which says what was done.

use super::extract::{Form, Path, Query};
use accord_calendar::WorkingDays;
use accord_case::{
    ActionDetails, AgencyId, Case, Command, DiscussionMode, DiscussionRecord, Extension,
    MissingConfirmation, Offer, PanelSeat, Participant, Sequence, Text, UnlistedParticipant,
};
use accord_policy::{
    Before, FormId, Inclusion, Policy, RecordKind, ResolutionRoute, RoleRef, RoleTier, Stage,
};
use accord_store::{Agency, Person};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Chrome, PageError, Section, Viewer,
    form::{
        Block, Choice, Errors, Picker, PickerAsk, Posted, Question, QuestionPage, UnlistedRow,
        not_chosen, today_parts, uk_instant,
    },
    html_with_status, policy_forms, sentence, stage_words, words,
};
use crate::{
    ApiError, AppState,
    api::{cases::open_visible, commands::Change, partnerships::PickFor},
};

/// A command as a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Act {
    RecordDiscussion,
    ApproveDiscussion,
    AgreeAction,
    CompleteAction,
    SubmitForm,
    Escalate,
    ExtendDeadline,
    ConvenePanel,
    RecordRepresentation,
    Resolve,
    ConfirmOutcome,
    RecordLearning,
    AgreeFollowUp,
    CompleteFollowUp,
    Withdraw,
    Close,
    Reopen,
    RecordChangeOfCircumstances,
    AgreeTimescale,
    RecordConcurrence,
}

impl Act {
    const ALL: [Act; 20] = [
        Act::RecordDiscussion,
        Act::ApproveDiscussion,
        Act::AgreeAction,
        Act::CompleteAction,
        Act::SubmitForm,
        Act::Escalate,
        Act::ExtendDeadline,
        Act::ConvenePanel,
        Act::RecordRepresentation,
        Act::Resolve,
        Act::ConfirmOutcome,
        Act::RecordLearning,
        Act::AgreeFollowUp,
        Act::CompleteFollowUp,
        Act::Withdraw,
        Act::Close,
        Act::Reopen,
        Act::RecordChangeOfCircumstances,
        Act::AgreeTimescale,
        Act::RecordConcurrence,
    ];

    /// The last part of its address.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Act::RecordDiscussion => "record-discussion",
            Act::ApproveDiscussion => "approve-discussion",
            Act::AgreeAction => "agree-action",
            Act::CompleteAction => "complete-action",
            Act::SubmitForm => "submit-form",
            Act::Escalate => "escalate",
            Act::ExtendDeadline => "extend-deadline",
            Act::ConvenePanel => "convene-panel",
            Act::RecordRepresentation => "record-representation",
            Act::Resolve => "resolve",
            Act::ConfirmOutcome => "confirm-outcome",
            Act::RecordLearning => "record-learning",
            Act::AgreeFollowUp => "agree-follow-up",
            Act::CompleteFollowUp => "complete-follow-up",
            Act::Withdraw => "withdraw",
            Act::Close => "close",
            Act::Reopen => "reopen",
            Act::RecordChangeOfCircumstances => "record-change-of-circumstances",
            Act::AgreeTimescale => "agree-timescale",
            Act::RecordConcurrence => "record-concurrence",
        }
    }

    /// The act whose address ends `slug`.
    pub(crate) fn from_slug(slug: &str) -> Option<Act> {
        Act::ALL.into_iter().find(|a| a.slug() == slug)
    }

    /// Its page's heading, and its link's words on the case page.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Act::RecordDiscussion => "Record a discussion",
            Act::ApproveDiscussion => "Approve a discussion record",
            Act::AgreeAction => "Agree an action",
            Act::CompleteAction => "Mark an action as done",
            Act::SubmitForm => "Submit a form",
            Act::Escalate => "Escalate to the next stage",
            Act::ExtendDeadline => "Extend the deadline",
            Act::ConvenePanel => "Convene the Resolution Panel",
            Act::RecordRepresentation => "Record a representation to the panel",
            Act::Resolve => "Record the outcome",
            Act::ConfirmOutcome => "Confirm the outcome in writing",
            Act::RecordLearning => "Record learning",
            Act::AgreeFollowUp => "Agree a follow-up to the learning",
            Act::CompleteFollowUp => "Mark a learning follow-up as done",
            Act::Withdraw => "Withdraw the disagreement",
            Act::Close => "Close the case",
            Act::Reopen => "Reopen the case",
            Act::RecordChangeOfCircumstances => "Record a change of circumstances",
            Act::AgreeTimescale => "Agree the timescale for this case",
            Act::RecordConcurrence => "Record whether you concur",
        }
    }

    /// What the case page says once it is done.
    pub(crate) fn done(self) -> &'static str {
        match self {
            Act::RecordDiscussion => "The discussion is on the record",
            Act::ApproveDiscussion => "The discussion record is approved",
            Act::AgreeAction => "The action is on the record",
            Act::CompleteAction => "The action is marked as done",
            Act::SubmitForm => "The form is on the record",
            Act::Escalate => "The case has moved to the next stage",
            Act::ExtendDeadline => "The deadline is extended",
            Act::ConvenePanel => "The Resolution Panel is convened",
            Act::RecordRepresentation => "The representation is on the record",
            Act::Resolve => "The outcome is on the record",
            Act::ConfirmOutcome => "Your agency's confirmation is on the record",
            Act::RecordLearning => "The learning is on the record",
            Act::AgreeFollowUp => {
                "The follow-up is on the record, and its owner can see it in My work"
            }
            Act::CompleteFollowUp => "The follow-up is marked as done",
            Act::Withdraw => "The disagreement is withdrawn",
            Act::Close => "The case is closed",
            Act::Reopen => "The case is reopened",
            Act::RecordChangeOfCircumstances => "The change of circumstances is on the record",
            Act::AgreeTimescale => "The agreed timescale is on the record, with its new deadline",
            Act::RecordConcurrence => "Whether you concur is on the record",
        }
    }

    /// The words of its button.
    fn button(self) -> &'static str {
        match self {
            Act::RecordDiscussion
            | Act::AgreeAction
            | Act::AgreeFollowUp
            | Act::RecordRepresentation => "Put it on the record",
            Act::ApproveDiscussion => "Approve the record",
            Act::CompleteAction | Act::CompleteFollowUp => "Mark as done",
            Act::SubmitForm => "Submit the form",
            Act::Escalate => "Escalate",
            Act::ExtendDeadline => "Extend the deadline",
            Act::ConvenePanel => "Convene the panel",
            Act::Resolve => "Record the outcome",
            Act::ConfirmOutcome => "Confirm",
            Act::RecordLearning => "Record the learning",
            Act::Withdraw => "Withdraw it",
            Act::Close => "Close the case",
            Act::Reopen => "Reopen the case",
            Act::RecordChangeOfCircumstances => "Record the change",
            Act::AgreeTimescale => "Put the timescale on the record",
            Act::RecordConcurrence => "Put it on the record",
        }
    }

    /// Whether `offer` is this act.
    fn is(self, offer: &Offer) -> bool {
        matches!(
            (self, offer),
            (Act::RecordDiscussion, Offer::RecordDiscussion)
                | (Act::ApproveDiscussion, Offer::ApproveDiscussion)
                | (Act::AgreeAction, Offer::AgreeAction)
                | (Act::CompleteAction, Offer::CompleteAction)
                | (Act::SubmitForm, Offer::SubmitForm(_))
                | (Act::Escalate, Offer::Escalate { .. })
                | (Act::ExtendDeadline, Offer::ExtendDeadline)
                | (Act::ConvenePanel, Offer::ConvenePanel)
                | (Act::RecordRepresentation, Offer::RecordRepresentation)
                | (Act::Resolve, Offer::Resolve(_))
                | (Act::ConfirmOutcome, Offer::ConfirmOutcome)
                | (Act::RecordLearning, Offer::RecordLearning)
                | (Act::AgreeFollowUp, Offer::AgreeFollowUp)
                | (Act::CompleteFollowUp, Offer::CompleteFollowUp)
                | (Act::Withdraw, Offer::Withdraw)
                | (Act::Close, Offer::Close)
                | (Act::Reopen, Offer::Reopen)
                | (
                    Act::RecordChangeOfCircumstances,
                    Offer::RecordChangeOfCircumstances
                )
                | (Act::AgreeTimescale, Offer::AgreeTimescale)
                | (Act::RecordConcurrence, Offer::RecordConcurrence)
        )
    }

    /// Why someone following its address may not do it now.
    fn why_not(self) -> &'static str {
        match self {
            Act::ExtendDeadline => {
                "only a manager or someone more senior extends a deadline, and only at a stage \
                 that has one (DESIGN.md §3)"
            }
            Act::ApproveDiscussion => {
                "only a manager or someone more senior approves a discussion record, and only \
                 where the policy asks for approval"
            }
            Act::ConvenePanel => {
                "only the stage's decider, or the partnership team for them, convenes the \
                 Resolution Panel, at the stage that has one, once"
            }
            Act::Withdraw => "only the agency that raised the disagreement withdraws it",
            Act::AgreeTimescale => {
                "only a manager or someone more senior agrees the timescale for a case, and only \
                 at a stage whose timescale the policy lets be agreed for the case"
            }
            Act::RecordConcurrence => {
                "only a holder of the role the stage names records whether they concur, and \
                 only at the stage that asks for it"
            }
            Act::ConfirmOutcome => {
                "only an agency in the disagreement confirms the outcome, once, after it is \
                 recorded, where the policy asks for confirmation"
            }
            Act::Reopen => {
                "only a manager or someone more senior reopens a closed case, and a final \
                 decision stands"
            }
            _ => "the case is not at a point where it can be done",
        }
    }

    /// The question a refusal about the API's `field` belongs to; the first
    /// question when it names none this form has.
    fn question_for(self, field: Option<&str>, first: &str) -> String {
        let mapped = match (self, field.unwrap_or("")) {
            (Act::RecordDiscussion, "record.held_at") => "held_on",
            (Act::RecordDiscussion, f) if f.starts_with("record.participants") => "participants",
            (Act::RecordDiscussion, f) if f.starts_with("record.unlisted_participants") => {
                "unlisted-1-name"
            }
            (Act::ConvenePanel, f) if f.starts_with("members") => "members",
            (Act::AgreeAction | Act::AgreeFollowUp, "details.by_when") => "by_when",
            (Act::AgreeAction | Act::AgreeFollowUp, "details.who") => "who",
            (Act::AgreeFollowUp, "learning") => "learning",
            (Act::CompleteFollowUp, "follow_up" | "action") => "follow_up",
            (Act::ConvenePanel, "shortfall_reason") => "shortfall_reason",
            (Act::Resolve, "route") => "route",
            (Act::ExtendDeadline, "by") => "amount",
            (Act::AgreeTimescale, "timescale") => "amount",
            (Act::RecordLearning, "theme") => "theme",
            (Act::RecordLearning, "forwarded_to") => "forwarded_to",
            _ => first,
        };
        mapped.to_owned()
    }
}

/// What one form asks and says, before the frame.
pub(crate) struct View {
    pub(crate) intro: Vec<String>,
    pub(crate) blocks: Vec<Block>,
    pub(crate) questions: Vec<Question>,
    pub(crate) hidden: Vec<(String, String)>,
}

/// What a form needs to know of the case and the partnership.
pub(crate) struct Ctx<'a> {
    pub(crate) case: &'a Case,
    pub(crate) policy: &'a Policy,
    pub(crate) people: &'a [Person],
    /// The people whose accounts are disabled: they have left, and no
    /// picker offers them.
    pub(crate) disabled: &'a [accord_case::PersonId],
    pub(crate) agencies: &'a [Agency],
    pub(crate) viewer: &'a Viewer,
    pub(crate) now: Timestamp,
    /// Whether the viewer's only part in the case is a form's section the
    /// stage asks of them (access rule 7): their form page asks that
    /// section alone.
    pub(crate) form_role_only: bool,
}

impl Ctx<'_> {
    fn stage(&self) -> Option<&Stage> {
        self.case.current_stage(self.policy)
    }

    fn next_stage(&self) -> Option<&Stage> {
        self.policy
            .track(self.case.track())
            .and_then(|t| t.next_stage(self.case.stage()))
    }

    /// The stage an escalation goes to: the one `posted` names where the
    /// engine offers escalating straight to it (Isle of Man Stage Four, for
    /// significant policy issues), else the next stage.
    fn escalation_target(&self, posted: &Posted) -> Option<&Stage> {
        let track = self.policy.track(self.case.track())?;
        let asked = posted
            .get("to")
            .parse::<u8>()
            .ok()
            .and_then(accord_policy::StageNumber::new)
            .filter(|to| Some(*to) != self.next_stage().map(|s| s.number))
            .filter(|to| {
                self.case
                    .offers(self.policy, &self.viewer.principal.person.actor())
                    .contains(&Offer::Escalate { to: *to })
            });
        match asked {
            Some(to) => track.stage(to),
            None => self.next_stage(),
        }
    }

    fn agency_name(&self, id: &AgencyId) -> String {
        self.agencies
            .iter()
            .find(|a| &a.id == id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    }

    fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id.as_str() == id)
    }

    /// Whether `person` may be picked: someone who works on cases (not an
    /// administrator) whose account is not disabled (issue 14 §3: "Disabled
    /// people never appear in pickers").
    fn pickable(&self, person: &Person) -> bool {
        person.tier != RoleTier::Admin && !self.disabled.contains(&person.id)
    }

    /// The people picker `name`: who is chosen in `posted`, and whom the
    /// text typed in its search box finds, of those who may be picked for
    /// `pick_for`. It never lists everyone: a partnership may have
    /// thousands (issue 14 §3).
    /// A learning theme's words, as the policy writes them.
    fn theme_words(&self, theme: &accord_policy::ThemeId) -> String {
        self.policy
            .learning
            .theme(theme)
            .map_or_else(|| theme.to_string(), |t| super::capitalised(&t.label))
    }

    fn picker(&self, posted: &Posted, name: &str, pick_for: PickFor) -> Picker {
        let single = matches!(pick_for, PickFor::ActionOwner | PickFor::FollowUpOwner);
        Picker::build(
            PickerAsk {
                people: self.people,
                agencies: self.agencies,
                posted,
                name,
                single,
                what: match pick_for {
                    PickFor::Participant => "Tick the people who took part.",
                    PickFor::ActionOwner | PickFor::FollowUpOwner => "Choose who will do it.",
                    PickFor::PanelMember => "Tick the panel's members.",
                },
                source: format!(
                    "/api/v1/cases/{}/people/suggestions?for={}",
                    self.case.id(),
                    pick_for.as_str()
                ),
            },
            |p| self.pickable(p) && pick_for.allows(self.case, self.policy, p),
        )
    }
}

/// Who will do what by when, as an action's or a follow-up's form asks it,
/// with a mistake noted in `e` for each question not answered.
fn action_details(ctx: &Ctx, posted: &Posted, e: &mut Errors) -> Option<ActionDetails> {
    let who = match posted.get("who") {
        "" => {
            e.add("who", not_chosen(posted, "who", "Select who will do it"));
            None
        }
        id => {
            let p = ctx.person(id);
            if p.is_none() {
                e.add("who", "Select someone from the list");
            }
            p
        }
    };
    let what = e.take("what", posted.text("what", "Enter what will be done"));
    let by_when = e.take("by_when", posted.date("by_when", "the date it is due by"));
    Some(ActionDetails {
        who: who?.id.clone(),
        agency: who?.agency.clone(),
        what: what?,
        by_when: by_when?,
    })
}

/// The learning follow-ups of `case` not yet done.
fn open_follow_ups(case: &Case) -> impl Iterator<Item = &accord_case::FollowUp> {
    case.learning()
        .iter()
        .flat_map(|l| &l.follow_ups)
        .filter(|f| f.completed.is_none())
}

/// The role someone takes part in at `stage`: a policy role they hold that
/// the stage names (its leads, its decider or chair, or a role its
/// requirements need, as Havering §2.8 needs the HSCP members), else their
/// tier.
fn role_at(stage: Option<&Stage>, person: &Person) -> RoleRef {
    if let Some(stage) = stage {
        let leads = &stage.leads;
        let named: Vec<&RoleRef> = leads
            .raising
            .iter()
            .chain(&leads.other)
            .chain(&leads.decides)
            .chain(&leads.chairs)
            .chain(stage.requirements.iter().filter_map(|r| r.with.as_ref()))
            .collect();
        if let Some(role) = person
            .declared_roles
            .iter()
            .map(|id| RoleRef::Declared(id.clone()))
            .find(|r| named.contains(&r))
        {
            return role;
        }
    }
    RoleRef::Tier(person.tier)
}

/// The query an action's address may carry.
#[derive(Debug, Deserialize)]
pub(crate) struct ActQuery {
    /// For submitting a form: which.
    #[serde(default)]
    form: String,
    /// For escalating straight to a later stage: which.
    #[serde(default)]
    to: String,
}

/// Shows the form for `action` on case `id`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Query(query): Query<ActQuery>,
) -> Result<Response, PageError> {
    let act = Act::from_slug(&action).ok_or_else(|| not_found(&viewer))?;
    let mut posted = Posted::default();
    if !query.form.is_empty() {
        posted.set("form", query.form);
    }
    if !query.to.is_empty() {
        posted.set("to", query.to);
    }
    respond(&state, &viewer, &id, act, posted, false).await
}

/// Reads, checks and carries out the form for `action` on case `id`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let act = Act::from_slug(&action).ok_or_else(|| not_found(&viewer))?;
    respond(&state, &viewer, &id, act, Posted::from_pairs(pairs), true).await
}

fn not_found(viewer: &Viewer) -> PageError {
    PageError::new(super::no_such_page(), viewer)
}

/// The action's page, or the change it makes. A page that shows the case
/// (the form, or the form again with what to fix) is a read of it and is
/// written to the access log (issue 11, finding 8); a change made redirects
/// to the case, and its events logged the read already.
async fn respond(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    act: Act,
    posted: Posted,
    sent: bool,
) -> Result<Response, PageError> {
    let response = answer(state, viewer, id, act, posted, sent).await?;
    if !response.status().is_redirection()
        && let Ok(case) = accord_case::CaseId::parse(id)
    {
        state
            .store()
            .record_read(
                &case,
                viewer.principal.id(),
                state.now(),
                "page: action form",
            )
            .await
            .map_err(|e| PageError::new(e.into(), viewer))?;
    }
    Ok(response)
}

async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    act: Act,
    mut posted: Posted,
    sent: bool,
) -> Result<Response, PageError> {
    let fail = |e| PageError::new(e, viewer);
    let principal = &viewer.principal;
    let opened = open_visible(state, principal, id).await.map_err(fail)?;
    let form: Option<FormId> = (act == Act::SubmitForm)
        .then(|| posted.get("form").parse().ok())
        .flatten();
    let standing_allows = opened.may_change(principal, form.as_ref());
    let actor = principal.person.actor();
    let offers = opened.case.offers(&opened.policy, &actor);
    let offered = offers.iter().any(|o| act.is(o))
        && (act != Act::SubmitForm
            || offers
                .iter()
                .any(|o| matches!(o, Offer::SubmitForm(f) if f.as_str() == posted.get("form"))));
    if !standing_allows || !offered {
        let message = if standing_allows {
            format!(
                "You cannot {} now: {}.",
                lower_first(act.title()),
                act.why_not()
            )
        } else if opened.standing == crate::access::Standing::FormRole {
            let asked: Vec<String> =
                crate::access::forms_asked_of(&principal.person, &opened.case, &opened.policy)
                    .into_iter()
                    .filter_map(|f| opened.policy.form(f).map(|f| f.title.clone()))
                    .collect();
            format!(
                "Your part in this case is your section of the {}: submit that from the case \
                 page, and ask the stage's leads for anything else.",
                asked.join(" and the ")
            )
        } else {
            "You can read this case, but only the people working on it can change it: ask the \
             stage's leads."
                .to_owned()
        };
        return Err(fail(ApiError::Forbidden {
            code: "not_offered",
            message,
        }));
    }
    let store = state.store();
    let people = store
        .people(principal.partnership())
        .await
        .map_err(|e| fail(e.into()))?;
    let agencies = store
        .agencies(principal.partnership())
        .await
        .map_err(|e| fail(e.into()))?;
    let disabled = store
        .disabled_people(principal.partnership())
        .await
        .map_err(|e| fail(e.into()))?;
    let now = state.now();
    let ctx = Ctx {
        case: &opened.case,
        policy: &opened.policy,
        people: &people,
        disabled: &disabled,
        agencies: &agencies,
        viewer,
        now,
        form_role_only: opened.standing == crate::access::Standing::FormRole,
    };
    let version = opened.case.version();
    if !sent {
        for (k, v) in defaults(act, &ctx, &posted) {
            posted.set(&k, v);
        }
        return Ok(page(
            act,
            &ctx,
            &posted,
            &Errors::default(),
            version,
            StatusCode::OK,
        ));
    }
    let expected = posted
        .get("expected_version")
        .parse::<u64>()
        .ok()
        .and_then(|n| Sequence::new(n).ok());
    let Some(expected) = expected else {
        return Err(fail(ApiError::invalid_parameter(
            "expected_version",
            "the form was not sent whole: open the case again and start the form afresh",
        )));
    };
    // "Find people" or "Add another professional", pressed without
    // JavaScript: the form again, with what was found or a blank row, and
    // everything chosen and typed kept.
    if !posted.get("find").is_empty() {
        return Ok(page(
            act,
            &ctx,
            &posted,
            &Errors::default(),
            expected,
            StatusCode::OK,
        ));
    }
    let command = match command(act, &ctx, &posted) {
        Ok(command) => command,
        Err(errors) => {
            return Ok(page(
                act,
                &ctx,
                &posted,
                &errors,
                expected,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let first = view(act, &ctx, &posted, &Errors::default())
        .questions
        .first()
        .map_or_else(String::new, |q| q.name.clone());
    // Opened afresh to change: the access rules and the version are checked
    // as the API checks them.
    let change = Change::open(state, principal, id, expected, form.as_ref()).await;
    let outcome = match change {
        Ok(change) => change
            .apply(command, &format!("page: {}", act.slug()))
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?done={}", act.slug())).into_response()),
        Err(error) => {
            let mut errors = Errors::default();
            let mut version = expected;
            match &error {
                ApiError::Conflict(conflict) => {
                    errors.add(
                        &first,
                        "Someone else changed this case while you were filling in this form. \
                         Check the case (open it in a new tab), then send this again: what \
                         you wrote is kept below",
                    );
                    if let Some(actual) = conflict.actual {
                        version = actual;
                    }
                }
                ApiError::Refused { refusal, .. }
                    if policy_forms::refusal_errors(ctx.policy, refusal, &mut errors) => {}
                ApiError::Refused { refusal, field } => {
                    let field = act.question_for(field.as_deref(), &first);
                    errors.add(
                        &field,
                        format!(
                            "{} ({})",
                            sentence(&refusal.to_string()).trim_end_matches('.'),
                            refusal.section()
                        ),
                    );
                }
                ApiError::Unprocessable { message, field, .. } => {
                    let field = act.question_for(field.as_deref(), &first);
                    errors.add(&field, sentence(message).trim_end_matches('.').to_owned());
                }
                _ => return Err(fail(error)),
            }
            // Shown against the case as it is now.
            let opened = open_visible(state, principal, id).await.map_err(fail)?;
            let ctx = Ctx {
                case: &opened.case,
                ..ctx
            };
            Ok(page(
                act,
                &ctx,
                &posted,
                &errors,
                version,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

fn page(
    act: Act,
    ctx: &Ctx,
    posted: &Posted,
    errors: &Errors,
    version: Sequence,
    status: StatusCode,
) -> Response {
    let view = view(act, ctx, posted, errors);
    let mut hidden = view.hidden;
    hidden.push(("expected_version".to_owned(), version.get().to_string()));
    let title = if act == Act::SubmitForm {
        policy_forms::title(ctx, posted.get("form"))
    } else {
        act.title().to_owned()
    };
    let mut chrome = Chrome::new(title, Section::None, Some(ctx.viewer));
    chrome.has_errors = !errors.is_empty();
    let id = ctx.case.id();
    let page = QuestionPage {
        chrome,
        errors: errors.0.clone(),
        caption: id.to_string(),
        back: (format!("/cases/{id}"), "Back to the case".to_owned()),
        action: format!("/cases/{id}/{}", act.slug()),
        intro: view.intro,
        blocks: view.blocks,
        questions: view.questions,
        hidden,
        csrf_token: ctx.viewer.csrf_token().to_owned(),
        button: act.button().to_owned(),
        warning_button: matches!(act, Act::Withdraw | Act::Close),
        cancel: Some((format!("/cases/{id}"), "Cancel".to_owned())),
        secondary: None,
    };
    html_with_status(status, &page)
}

/// What a form starts with.
fn defaults(act: Act, ctx: &Ctx, posted: &Posted) -> Vec<(String, String)> {
    match act {
        Act::SubmitForm => policy_forms::defaults(ctx, posted.get("form")),
        Act::RecordDiscussion => {
            let mut d = today_parts("held_on", ctx.now);
            d.push((
                "participants".to_owned(),
                ctx.viewer.principal.id().to_string(),
            ));
            d
        }
        Act::ApproveDiscussion => today_parts("approved_on", ctx.now),
        Act::Resolve => ctx
            .case
            .offers(ctx.policy, &ctx.viewer.principal.person.actor())
            .into_iter()
            .find_map(|o| match o {
                Offer::Resolve(routes) if routes.len() == 1 => Some(vec![(
                    "route".to_owned(),
                    route_value(routes[0]).to_owned(),
                )]),
                _ => None,
            })
            .unwrap_or_default(),
        Act::RecordChangeOfCircumstances => {
            let mut d = Vec::new();
            if let [only] = ctx.case.subjects() {
                d.push(("subject".to_owned(), only.id.to_string()));
            }
            d
        }
        _ => Vec::new(),
    }
}

fn route_value(route: ResolutionRoute) -> &'static str {
    match route {
        ResolutionRoute::Agreement => "agreement",
        ResolutionRoute::Decision => "decision",
        ResolutionRoute::Panel => "panel",
        ResolutionRoute::WithoutAgreement => "without-agreement",
    }
}

fn route_words(route: ResolutionRoute) -> (&'static str, &'static str) {
    match route {
        ResolutionRoute::Agreement => (
            "The leads agreed it",
            "The two sides reached agreement at this stage.",
        ),
        ResolutionRoute::Decision => (
            "The stage's decider decided it",
            "Resolved direct by the person who decides at this stage.",
        ),
        ResolutionRoute::Panel => (
            "The Resolution Panel decided it",
            "The panel heard the representations and resolved it.",
        ),
        ResolutionRoute::WithoutAgreement => (
            "The meeting ended without agreement",
            "As the meeting's chair, record that it did not reach agreement: write the decision as finalised and how the outstanding issues will be pursued. This is final and closes the case.",
        ),
    }
}

const MODES: [(DiscussionMode, &str, &str); 4] = [
    (DiscussionMode::Phone, "phone", "By telephone"),
    (DiscussionMode::FaceToFace, "face-to-face", "Face to face"),
    (
        DiscussionMode::Meeting,
        "meeting",
        "A meeting, in person or online",
    ),
    (
        DiscussionMode::ProfessionalsMeeting,
        "professionals-meeting",
        "A professionals meeting",
    ),
];

/// The questions and words of `act`'s form.
fn view(act: Act, ctx: &Ctx, posted: &Posted, errors: &Errors) -> View {
    let mut intro = Vec::new();
    let mut blocks = Vec::new();
    let mut hidden = Vec::new();
    let stage_name = ctx
        .stage()
        .map_or_else(String::new, |s| stage_words(s.number, &s.name));
    let questions = match act {
        Act::RecordDiscussion => {
            intro.push(format!(
                "Record a discussion held at {stage_name}, as you would write it on the child's \
                 file. Once recorded it cannot be edited: a mistake is put right by a correction \
                 beside it."
            ));
            vec![
                Question::date("held_on", "When was it held?", posted)
                    .hint("For example, 27 3 2026"),
                Question::text("held_at", "What time did it start?", posted)
                    .hint("For example, 9:30am or 14:30")
                    .width("govuk-input--width-5"),
                Question::radios(
                    "how",
                    "How was it held?",
                    MODES
                        .iter()
                        .map(|(_, value, words)| Choice::new(*value, *words))
                        .collect(),
                    posted,
                ),
                Question::people(
                    "participants",
                    "Who took part?",
                    ctx.picker(posted, "participants", PickFor::Participant),
                    posted,
                )
                .hint("Find everyone who took part who has an Accord account, yourself included."),
                Question::unlisted(
                    "unlisted",
                    "Anyone else who took part without an Accord account (optional)",
                    unlisted_rows(posted, errors),
                    posted,
                )
                .hint(
                    "For example, a GP or a school's designated safeguarding lead. Give their \
                     name and agency, and their role if you know it.",
                ),
                Question::textarea("summary", "What was said and decided?", posted)
                    .hint("Include the actions agreed and the reasons for the decisions."),
                Question::yes_no("agreed", "Did it end in agreement?", posted)
                    .hint("If it did, record the outcome next."),
            ]
        }
        Act::ApproveDiscussion => {
            let options = ctx
                .case
                .discussions()
                .iter()
                .filter(|d| d.approved_on.is_none())
                .map(|d| {
                    Choice::new(
                        d.sequence.get().to_string(),
                        format!("Stage {}, {}", d.stage, words::when(d.record.held_at)),
                    )
                    .hint(clip(d.record.summary.as_str()))
                })
                .collect();
            vec![
                Question::radios("discussion", "Which discussion record?", options, posted),
                Question::date("approved_on", "When was it approved?", posted)
                    .hint("The date of approval goes on the record."),
            ]
        }
        Act::AgreeAction => {
            // An action goes to someone of an agency in the disagreement or
            // of the partnership's team (issue 12 §2), found by typing.
            vec![
                Question::people(
                    "who",
                    "Who will do it?",
                    ctx.picker(posted, "who", PickFor::ActionOwner),
                    posted,
                )
                .hint("Someone of an agency in the disagreement, or of the partnership's team."),
                Question::textarea("what", "What will be done?", posted),
                Question::date("by_when", "By when?", posted).hint("For example, 27 3 2026"),
            ]
        }
        Act::AgreeFollowUp => {
            let learning = ctx.case.learning();
            let mut questions = Vec::new();
            if learning.len() == 1 {
                hidden.push((
                    "learning".to_owned(),
                    learning[0].sequence.get().to_string(),
                ));
                intro.push(format!(
                    "It follows up: {}",
                    clip(learning[0].note.as_str())
                ));
            } else {
                questions.push(Question::radios(
                    "learning",
                    "Which learning does it follow up?",
                    learning
                        .iter()
                        .map(|l| {
                            Choice::new(l.sequence.get().to_string(), clip(l.note.as_str()))
                                .hint(ctx.theme_words(&l.theme))
                        })
                        .collect(),
                    posted,
                ));
            }
            questions.extend([
                Question::people(
                    "who",
                    "Who will do it?",
                    ctx.picker(posted, "who", PickFor::FollowUpOwner),
                    posted,
                )
                .hint(
                    "Anyone working in the partnership, such as the chair of the group the \
                     learning went to. They see it in My work and are reminded if it is overdue.",
                ),
                Question::textarea("what", "What will be done?", posted)
                    .hint("For example, a change to training, a procedure or practice guidance."),
                Question::date("by_when", "By when?", posted).hint("For example, 27 3 2026"),
            ]);
            questions
        }
        Act::CompleteFollowUp => {
            let options = open_follow_ups(ctx.case)
                .map(|f| {
                    let who = ctx
                        .person(f.details.who.as_str())
                        .map_or_else(|| f.details.who.to_string(), |p| p.name.clone());
                    Choice::new(f.sequence.get().to_string(), f.details.what.to_string()).hint(
                        format!("{who}, by {}", f.details.by_when.strftime("%A %-d %B %Y")),
                    )
                })
                .collect();
            vec![
                Question::radios("follow_up", "Which follow-up is done?", options, posted),
                Question::textarea("note", "What was done (optional)", posted)
                    .hint("What changed because of the learning: it goes into the learning log."),
            ]
        }
        Act::CompleteAction => {
            let options = ctx
                .case
                .actions()
                .iter()
                .filter(|a| a.completed.is_none())
                .map(|a| {
                    let who = ctx
                        .person(a.details.who.as_str())
                        .map_or_else(|| a.details.who.to_string(), |p| p.name.clone());
                    Choice::new(a.sequence.get().to_string(), a.details.what.to_string()).hint(
                        format!("{who}, by {}", a.details.by_when.strftime("%A %-d %B %Y")),
                    )
                })
                .collect();
            vec![
                Question::radios("action", "Which action is done?", options, posted),
                Question::textarea("note", "What was done (optional)", posted),
            ]
        }
        Act::SubmitForm => {
            let form_view = policy_forms::view(ctx, posted, errors);
            intro = form_view.intro;
            blocks = form_view.blocks;
            hidden = form_view.hidden;
            form_view.questions
        }
        Act::Escalate => {
            if let Some(next) = ctx.escalation_target(posted) {
                hidden.push(("to".to_owned(), next.number.to_string()));
                intro.push(format!(
                    "The case moves from {stage_name} to {}.",
                    stage_words(next.number, &next.name)
                ));
                let mut about =
                    Block::new(format!("What {} is", stage_words(next.number, &next.name)))
                        .paragraph(next.summary.clone())
                        .paragraph(format!("Timescale: {}.", next.timescale.timescale()));
                about.items = leads_in_words(ctx.policy, &next.leads);
                blocks.push(about);
                let outstanding = ctx.case.outstanding(ctx.policy, Before::Escalate);
                let mut needs = Block::new("Before you escalate");
                if outstanding.is_empty() {
                    needs = needs.paragraph(format!(
                        "Everything {} needs before the case leaves it is on the record.",
                        stage_name
                    ));
                } else {
                    needs.warning = true;
                    needs = needs.paragraph("The policy needs these first:");
                    needs.items = outstanding
                        .iter()
                        .map(|r| format!("{} ({})", sentence(&r.to_string()), r.section()))
                        .collect();
                }
                blocks.push(needs);
                // Isle of Man Appendix 1: escalating ends this stage, and
                // the referral form, due within 5 working days, takes the
                // case into the next.
                let awaited = ctx.case.awaited_on_escalation(ctx.policy);
                if !awaited.is_empty()
                    && next.number == ctx.case.stage().next().unwrap_or(next.number)
                {
                    let mut after = Block::new("After you escalate");
                    after = after.paragraph(format!(
                        "{stage_name} ends when you escalate. The case enters {} when this is submitted:",
                        stage_words(next.number, &next.name)
                    ));
                    after.items = awaited
                        .iter()
                        .map(|f| {
                            let title = ctx
                                .policy
                                .form(&f.form)
                                .map_or_else(|| f.form.to_string(), |form| form.title.clone());
                            match f.within {
                                Some(within) => format!(
                                    "the {title}, due within {} ({})",
                                    within.timescale(),
                                    f.section
                                ),
                                None => format!("the {title} ({})", f.section),
                            }
                        })
                        .collect();
                    blocks.push(after);
                }
                let told = ctx.case.notified_on_escalation(ctx.policy);
                if !told.is_empty() {
                    let mut block = Block::new("Who will be told");
                    block.items = told
                        .iter()
                        .map(|n| {
                            format!(
                                "{}: {} ({})",
                                super::capitalised(&words::role(ctx.policy, &n.to)),
                                n.message,
                                n.section
                            )
                        })
                        .collect();
                    blocks.push(block);
                }
            }
            vec![
                Question::textarea(
                    "reason",
                    &format!("Why could {stage_name} not resolve it?"),
                    posted,
                )
                .hint("This goes on the record and to the people at the next stage."),
            ]
        }
        Act::ExtendDeadline => {
            intro.push(format!(
                "{stage_name} is due {}. An extension moves the deadline on from then; it \
                 never pauses the case. Give the reason, which goes on the record.",
                words::due(&ctx.case.stage_due())
            ));
            vec![
                Question::text("amount", "How much longer?", posted)
                    .width("govuk-input--width-3")
                    .numeric(),
                length_unit(posted),
                Question::textarea("reason", "Why is more time needed?", posted),
            ]
        }
        Act::AgreeTimescale => {
            let allowed = ctx
                .stage()
                .and_then(|s| s.agreed_timescale.as_ref())
                .map_or_else(String::new, |a| format!(" ({})", a.section));
            let default = ctx
                .stage()
                .map_or_else(String::new, |s| s.timescale.timescale().to_string());
            intro.push(format!(
                "{stage_name} is due {}. The policy gives it {default}, and lets the timescale \
                 for this case be agreed given its specific circumstances{allowed}: it may be \
                 shorter or longer, counts from the same start, and replaces the current \
                 deadline. Give the reason, which goes on the record.",
                words::due(&ctx.case.stage_due())
            ));
            vec![
                Question::text("amount", "How long is the agreed timescale?", posted)
                    .width("govuk-input--width-3")
                    .numeric()
                    .hint("Counted from the start of the stage."),
                length_unit(posted),
                Question::textarea("reason", "Why, and where was it agreed?", posted).hint(
                    "For example: agreed on the Appendix 1 form, given the date of the child's \
                     review conference.",
                ),
            ]
        }
        Act::RecordConcurrence => {
            if let Some(req) = ctx.stage().and_then(|s| {
                s.requirements
                    .iter()
                    .find(|r| r.record == RecordKind::Concurrence)
            }) {
                intro.push(format!("{} ({})", req.description, req.section));
            }
            intro.push(
                "Say whether you concur, and why. The case moves on only once you have \
                 recorded that you concur; you can record a change of mind later."
                    .to_owned(),
            );
            vec![
                Question::yes_no(
                    "concurs",
                    "Do you concur with the concerns of the professional?",
                    posted,
                ),
                Question::textarea("reason", "Why?", posted)
                    .hint("This goes on the record, with your name and the date."),
            ]
        }
        Act::ConvenePanel => {
            if let Some(rule) = ctx.stage().and_then(|s| s.panel.as_ref()) {
                let mut block = Block::new("Who sits on it")
                    .paragraph(format!("{} ({})", rule.membership, rule.section));
                block.items.push(format!(
                    "Members from at least {} agencies.",
                    rule.min_agencies
                ));
                block.items.push(match rule.include_disputing {
                    Inclusion::Required => {
                        "The agencies in disagreement must each have a member.".to_owned()
                    }
                    Inclusion::WherePossible => "The agencies in disagreement each have a member \
                                                 where possible; if one cannot, say why."
                        .to_owned(),
                });
                blocks.push(block);
            }
            // Only those the policy seats are offered (Havering §2.12's
            // members of the full Board); a policy that names no seats
            // offers its senior officers.
            let mut questions = vec![
                Question::people(
                    "members",
                    "Who are its members?",
                    ctx.picker(posted, "members", PickFor::PanelMember),
                    posted,
                )
                .hint("Find and choose a senior officer for each agency that sits on it."),
            ];
            if ctx
                .stage()
                .and_then(|s| s.panel.as_ref())
                .is_some_and(|r| r.include_disputing == Inclusion::WherePossible)
            {
                questions.push(
                    Question::textarea(
                        "shortfall_reason",
                        "If an agency in disagreement cannot sit, why not? (optional)",
                        posted,
                    )
                    .hint("Leave this blank if both agencies have a member."),
                );
            }
            questions
        }
        Act::RecordRepresentation => {
            let [raising, other] = ctx.case.parties();
            let mut options = vec![
                Choice::new(raising.as_str(), ctx.agency_name(raising)),
                Choice::new(other.as_str(), ctx.agency_name(other)),
            ];
            options.extend(
                ctx.agencies
                    .iter()
                    .filter(|a| &a.id != raising && &a.id != other)
                    .map(|a| Choice::new(a.id.as_str(), a.name.clone())),
            );
            vec![
                Question::agency("agency", "Which agency made it?", options, posted)
                    .hint("The agencies in the disagreement come first."),
                Question::textarea("summary", "What did it say?", posted),
            ]
        }
        Act::Resolve => {
            let outstanding = ctx.case.outstanding(ctx.policy, Before::Resolve);
            if !outstanding.is_empty() {
                let mut needs = Block::new("Before you record the outcome")
                    .paragraph("The policy needs these first:");
                needs.warning = true;
                needs.items = outstanding
                    .iter()
                    .map(|r| format!("{} ({})", sentence(&r.to_string()), r.section()))
                    .collect();
                blocks.push(needs);
            }
            if ctx.stage().is_some_and(|s| s.final_decision) {
                blocks.push(Block::new("A final decision").paragraph(
                    "A decision at this stage is final in the policy: recording it closes the \
                     case.",
                ));
            }
            let routes = ctx
                .case
                .offers(ctx.policy, &ctx.viewer.principal.person.actor())
                .into_iter()
                .find_map(|o| match o {
                    Offer::Resolve(routes) => Some(routes),
                    _ => None,
                })
                .unwrap_or_default();
            vec![
                Question::radios(
                    "route",
                    "How was it resolved?",
                    routes
                        .into_iter()
                        .map(|r| {
                            let (label, hint) = route_words(r);
                            Choice::new(route_value(r), label).hint(hint)
                        })
                        .collect(),
                    posted,
                ),
                Question::textarea("outcome", "What is the agreed outcome?", posted),
                Question::textarea(
                    "outstanding_issues",
                    "How will any outstanding issues be taken forward?",
                    posted,
                )
                .hint("If there are none, say so."),
            ]
        }
        Act::ConfirmOutcome => {
            intro.push(format!(
                "Confirm the outcome in writing for {} ({}).",
                ctx.agency_name(ctx.viewer.principal.agency()),
                ctx.policy.outcome.section
            ));
            vec![
                Question::textarea("statement", "Your agency's confirmation", posted)
                    .hint("Write the confirmation, or say where the signed copy is kept."),
            ]
        }
        Act::RecordLearning => {
            let learning = &ctx.policy.learning;
            let mut forward = vec![Choice::new("", "Not forwarded")];
            forward.extend(
                learning
                    .forward_to
                    .iter()
                    .map(|g| Choice::new(g.id.as_str(), super::capitalised(&g.label))),
            );
            let mut questions = vec![Question::radios(
                "theme",
                "What is the learning about?",
                learning
                    .themes
                    .iter()
                    .map(|t| Choice::new(t.id.as_str(), super::capitalised(&t.label)))
                    .collect(),
                posted,
            )];
            if !learning.forward_to.is_empty() {
                questions.push(Question::radios(
                    "forwarded_to",
                    "Where has it been forwarded?",
                    forward,
                    posted,
                ));
            }
            questions.push(Question::textarea("note", "What is the learning?", posted));
            questions
        }
        Act::Withdraw => {
            intro.push(
                "Withdrawing ends the disagreement at this stage. It stays on the record, and a \
                 manager can reopen it."
                    .to_owned(),
            );
            vec![Question::textarea(
                "reason",
                "Why is it being withdrawn?",
                posted,
            )]
        }
        Act::Close => {
            intro.push(
                "Closing takes the case off the register of open disagreements. It stays on the \
                 record, and a manager can reopen it unless it ended in a final decision."
                    .to_owned(),
            );
            if ctx.policy.outcome.written_confirmation {
                ctx.case
                    .unconfirmed_parties()
                    .into_iter()
                    .map(|a| {
                        Question::textarea(
                            &format!("missing-{a}"),
                            &format!("Why has {} not confirmed the outcome?", ctx.agency_name(a)),
                            posted,
                        )
                        .hint(format!(
                            "The policy asks each agency to confirm the outcome in writing ({}).",
                            ctx.policy.outcome.section
                        ))
                    })
                    .collect()
            } else {
                Vec::new()
            }
        }
        Act::Reopen => {
            intro.push(format!(
                "The case reopens at {stage_name}, with the stage's timescale counted afresh \
                 from now."
            ));
            vec![Question::textarea(
                "reason",
                "Why is it being reopened?",
                posted,
            )]
        }
        Act::RecordChangeOfCircumstances => {
            intro.push(
                "Record what has changed since the disagreement was raised. The record as it was \
                 stays; anyone the policy says must now be told is told."
                    .to_owned(),
            );
            let subjects = ctx.case.subjects();
            let mut questions = vec![Question::radios(
                "subject",
                "Who has it changed for?",
                subjects
                    .iter()
                    .map(|s| Choice::new(s.id.as_str(), s.name.to_string()))
                    .collect(),
                posted,
            )];
            let chosen = subjects
                .iter()
                .find(|s| s.id.as_str() == posted.get("subject"))
                .or(subjects.first());
            let mut flags = vec![
                Choice::new(
                    "child_protection_plan",
                    "Subject to a Child Protection Plan",
                ),
                Choice::new("looked_after", "A Looked After Child"),
                Choice::new(
                    "immediate_risk",
                    "Thought to be at immediate risk of significant harm",
                ),
            ];
            if !posted.has("flags_sent", "yes")
                && let Some(s) = chosen
            {
                flags[0].checked = s.child_protection_plan;
                flags[1].checked = s.looked_after;
                flags[2].checked = s.immediate_risk;
            }
            hidden.push(("flags_sent".to_owned(), "yes".to_owned()));
            questions.push(
                Question::checkboxes("flags", "What is true now?", flags, posted)
                    .hint("Tick all that are true now, and untick any that are no longer."),
            );
            questions.push(Question::textarea(
                "reason",
                "What changed, and when?",
                posted,
            ));
            questions
        }
    };
    View {
        intro,
        blocks,
        questions: questions.into_iter().map(|q| q.checked(errors)).collect(),
        hidden,
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|s| seen.insert(s.clone()));
    v
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(120).collect();
    if s.chars().count() > 120 {
        out.push('…');
    }
    out
}

/// The people ticked in `name`, each a person of the directory, or what
/// to fix.
fn chosen_people<'p>(
    ctx: &'p Ctx,
    posted: &Posted,
    name: &str,
    none: &str,
    errors: &mut Errors,
) -> Vec<&'p Person> {
    let ids = posted.all(name);
    if ids.is_empty() {
        errors.add(name, not_chosen(posted, name, none));
        return Vec::new();
    }
    let mut people = Vec::new();
    for id in ids {
        match ctx.person(id) {
            Some(p) if !people.iter().any(|q: &&Person| q.id == p.id) => people.push(p),
            Some(_) => {}
            None => errors.add(name, "Choose people from the list"),
        }
    }
    people
}

/// The most professionals without an account a form reads.
const UNLISTED_AT_MOST: usize = 20;

/// The professionals without an account typed on the form, as
/// `unlisted-{n}-name`, `-role` and `-agency`: those with anything typed, in
/// order, as (name, role, agency).
fn unlisted_typed(posted: &Posted) -> Vec<[String; 3]> {
    (1..=UNLISTED_AT_MOST)
        .map(|n| {
            ["name", "role", "agency"].map(|part| {
                posted
                    .get(&format!("unlisted-{n}-{part}"))
                    .trim()
                    .to_owned()
            })
        })
        .filter(|row| row.iter().any(|v| !v.is_empty()))
        .collect()
}

/// The rows the form shows: those typed, numbered afresh from 1 (as
/// [`unlisted_participants`] numbers their mistakes), and a blank one to
/// fill when there are none or "Add another professional" was pressed.
fn unlisted_rows(posted: &Posted, errors: &Errors) -> Vec<UnlistedRow> {
    let mut rows: Vec<UnlistedRow> = unlisted_typed(posted)
        .into_iter()
        .enumerate()
        .map(|(i, [name, role, agency])| UnlistedRow {
            number: i + 1,
            name,
            role,
            agency,
            name_error: errors.on(&format!("unlisted-{}-name", i + 1)),
            agency_error: errors.on(&format!("unlisted-{}-agency", i + 1)),
        })
        .collect();
    if (rows.is_empty() || posted.get("find") == "unlisted") && rows.len() < UNLISTED_AT_MOST {
        rows.push(UnlistedRow {
            number: rows.len() + 1,
            ..UnlistedRow::default()
        });
    }
    rows
}

/// The professionals without an account typed on the form, each with a
/// name and an agency (issue 14 §3), or a mistake for each that lacks one.
fn unlisted_participants(posted: &Posted, e: &mut Errors) -> Vec<UnlistedParticipant> {
    let max = crate::api::limits::MAX_NAME_CHARS;
    let mut people = Vec::new();
    for (i, [name, role, agency]) in unlisted_typed(posted).into_iter().enumerate() {
        let n = i + 1;
        let mut part = |field: &str, value: &str, blank: String, what: &str| {
            let key = format!("unlisted-{n}-{field}");
            if value.chars().count() > max {
                e.add(
                    &key,
                    format!("The {what} of professional {n} must be {max} characters or fewer"),
                );
                None
            } else {
                match Text::parse(value) {
                    Ok(text) => Some(text),
                    Err(_) if blank.is_empty() => None,
                    Err(_) => {
                        e.add(&key, blank);
                        None
                    }
                }
            }
        };
        let name = part(
            "name",
            &name,
            format!("Enter the name of professional {n}, or clear their row"),
            "name",
        );
        let role = part("role", &role, String::new(), "role");
        let agency = part(
            "agency",
            &agency,
            format!("Enter the agency or organisation professional {n} works for"),
            "agency",
        );
        if let (Some(name), Some(agency)) = (name, agency) {
            people.push(UnlistedParticipant { name, role, agency });
        }
    }
    people
}

/// The event number chosen in `name`, if it is one of `allowed`.
fn chosen_sequence(
    posted: &Posted,
    name: &str,
    allowed: impl Iterator<Item = Sequence>,
    none: &str,
) -> Result<Sequence, String> {
    let raw = posted.get(name);
    if raw.is_empty() {
        return Err(none.to_owned());
    }
    let mut allowed = allowed;
    allowed
        .find(|s| s.get().to_string() == raw)
        .ok_or_else(|| none.to_owned())
}

/// `act`'s command from what was posted, or every mistake in it.
fn command(act: Act, ctx: &Ctx, posted: &Posted) -> Result<Command, Errors> {
    let mut e = Errors::default();
    let command = match act {
        Act::RecordDiscussion => {
            let date = e.take("held_on", posted.date("held_on", "the date it was held"));
            let time = e.take("held_at", posted.time("held_at", "the time it started"));
            let how = MODES
                .iter()
                .find(|(_, v, _)| *v == posted.get("how"))
                .map(|(m, _, _)| *m);
            if how.is_none() {
                e.add("how", "Select how it was held");
            }
            let unlisted = unlisted_participants(posted, &mut e);
            let people = if posted.all("participants").is_empty() && !unlisted.is_empty() {
                Vec::new()
            } else {
                chosen_people(
                    ctx,
                    posted,
                    "participants",
                    "Find and choose everyone who took part",
                    &mut e,
                )
            };
            let typed = posted.get("participants-find").trim();
            if !typed.is_empty() {
                e.add(
                    "participants",
                    format!(
                        "You typed \u{201c}{typed}\u{201d} but did not choose anyone: choose \
                         them from the people found, or clear the box"
                    ),
                );
            }
            if people.len() + unlisted.len() > crate::api::limits::MAX_PEOPLE {
                e.add(
                    "participants",
                    format!(
                        "A discussion can name at most {} people: take off anyone who did not \
                         take part",
                        crate::api::limits::MAX_PEOPLE
                    ),
                );
            }
            let summary = e.take(
                "summary",
                posted.text("summary", "Enter what was said and decided"),
            );
            let agreed = yes_no(
                posted,
                "agreed",
                "Select yes if it ended in agreement",
                &mut e,
            );
            let held_at = match (date, time) {
                (Some(d), Some(t)) => match uk_instant(d, t) {
                    Some(at) if at > ctx.now => {
                        e.add(
                            "held_on",
                            "The date and time it was held must be in the past",
                        );
                        None
                    }
                    Some(at) => Some(at),
                    None => {
                        e.add("held_on", "The date it was held must be a real date");
                        None
                    }
                },
                _ => None,
            };
            let stage = ctx.stage();
            match (held_at, how, summary, agreed) {
                (Some(held_at), Some(how), Some(summary), Some(agreed)) if e.is_empty() => {
                    Command::RecordDiscussion {
                        record: DiscussionRecord {
                            held_at,
                            how,
                            participants: people
                                .iter()
                                .map(|p| Participant {
                                    person: p.id.clone(),
                                    agency: p.agency.clone(),
                                    role: role_at(stage, p),
                                })
                                .collect(),
                            unlisted_participants: unlisted,
                            summary,
                            ended_in_agreement: agreed,
                        },
                    }
                }
                _ => return Err(e),
            }
        }
        Act::ApproveDiscussion => {
            let discussion = e.take(
                "discussion",
                chosen_sequence(
                    posted,
                    "discussion",
                    ctx.case
                        .discussions()
                        .iter()
                        .filter(|d| d.approved_on.is_none())
                        .map(|d| d.sequence),
                    "Select the discussion record to approve",
                ),
            );
            let on = e.take(
                "approved_on",
                posted.date("approved_on", "the date it was approved"),
            );
            match (discussion, on) {
                (Some(discussion), Some(approved_on)) => Command::ApproveDiscussion {
                    discussion,
                    approved_on,
                },
                _ => return Err(e),
            }
        }
        Act::AgreeAction => match action_details(ctx, posted, &mut e) {
            Some(details) => Command::AgreeAction { details },
            None => return Err(e),
        },
        Act::AgreeFollowUp => {
            let learning = e.take(
                "learning",
                chosen_sequence(
                    posted,
                    "learning",
                    ctx.case.learning().iter().map(|l| l.sequence),
                    "Select the learning it follows up",
                ),
            );
            let details = action_details(ctx, posted, &mut e);
            match (learning, details) {
                (Some(learning), Some(details)) if e.is_empty() => {
                    Command::AgreeFollowUp { learning, details }
                }
                _ => return Err(e),
            }
        }
        Act::CompleteFollowUp => {
            let follow_up = e.take(
                "follow_up",
                chosen_sequence(
                    posted,
                    "follow_up",
                    open_follow_ups(ctx.case).map(|f| f.sequence),
                    "Select the follow-up that is done",
                ),
            );
            let note = e.take("note", posted.optional_text("note")).flatten();
            match follow_up {
                Some(follow_up) if e.is_empty() => Command::CompleteFollowUp { follow_up, note },
                _ => return Err(e),
            }
        }
        Act::CompleteAction => {
            let action = e.take(
                "action",
                chosen_sequence(
                    posted,
                    "action",
                    ctx.case
                        .actions()
                        .iter()
                        .filter(|a| a.completed.is_none())
                        .map(|a| a.sequence),
                    "Select the action that is done",
                ),
            );
            let note = e.take("note", posted.optional_text("note")).flatten();
            match action {
                Some(action) if e.is_empty() => Command::CompleteAction { action, note },
                _ => return Err(e),
            }
        }
        Act::SubmitForm => return policy_forms::command(ctx, posted),
        Act::Escalate => {
            let to = ctx.escalation_target(posted).map(|s| s.number);
            let reason = e.take(
                "reason",
                posted.text("reason", "Enter why this stage could not resolve it"),
            );
            match (to, reason) {
                (Some(to), Some(reason)) if posted.get("to") == to.to_string() => {
                    Command::Escalate { to, reason }
                }
                (Some(_), Some(_)) => {
                    e.add(
                        "reason",
                        "The case has moved on since you opened this form: check the case and \
                         escalate again if it is still needed",
                    );
                    return Err(e);
                }
                _ => {
                    if to.is_none() {
                        e.add("reason", "There is no stage above this one");
                    }
                    return Err(e);
                }
            }
        }
        Act::ExtendDeadline => {
            let by = length(posted, "how much longer", &mut e);
            let reason = e.take(
                "reason",
                posted.text("reason", "Enter why more time is needed"),
            );
            match (by, reason) {
                (Some(by), Some(reason)) if e.is_empty() => Command::ExtendDeadline { by, reason },
                _ => return Err(e),
            }
        }
        Act::AgreeTimescale => {
            let timescale = length(posted, "how long the agreed timescale is", &mut e);
            let reason = e.take(
                "reason",
                posted.text(
                    "reason",
                    "Enter why this timescale was agreed, and where it was agreed",
                ),
            );
            match (timescale, reason) {
                (Some(timescale), Some(reason)) if e.is_empty() => {
                    Command::AgreeTimescale { timescale, reason }
                }
                _ => return Err(e),
            }
        }
        Act::RecordConcurrence => {
            let concurs = yes_no(
                posted,
                "concurs",
                "Select whether you concur with the concerns of the professional",
                &mut e,
            );
            let reason = e.take(
                "reason",
                posted.text("reason", "Enter why you do or do not concur"),
            );
            match (concurs, reason) {
                (Some(concurs), Some(reason)) if e.is_empty() => {
                    Command::RecordConcurrence { concurs, reason }
                }
                _ => return Err(e),
            }
        }
        Act::ConvenePanel => {
            let members =
                chosen_people(ctx, posted, "members", "Select the panel's members", &mut e);
            let shortfall_reason = e
                .take("shortfall_reason", posted.optional_text("shortfall_reason"))
                .flatten();
            if !e.is_empty() {
                return Err(e);
            }
            Command::ConvenePanel {
                members: members
                    .iter()
                    .map(|p| PanelSeat {
                        person: p.id.clone(),
                        agency: p.agency.clone(),
                    })
                    .collect(),
                shortfall_reason,
            }
        }
        Act::RecordRepresentation => {
            let agency = ctx
                .agencies
                .iter()
                .find(|a| a.id.as_str() == posted.get("agency"))
                .map(|a| a.id.clone());
            if agency.is_none() {
                e.add("agency", "Select the agency that made it");
            }
            let summary = e.take("summary", posted.text("summary", "Enter what it said"));
            match (agency, summary) {
                (Some(agency), Some(summary)) => Command::RecordRepresentation { agency, summary },
                _ => return Err(e),
            }
        }
        Act::Resolve => {
            let route = [
                ResolutionRoute::Agreement,
                ResolutionRoute::Decision,
                ResolutionRoute::Panel,
            ]
            .into_iter()
            .find(|r| route_value(*r) == posted.get("route"));
            if route.is_none() {
                e.add("route", "Select how it was resolved");
            }
            let outcome = e.take(
                "outcome",
                posted.text("outcome", "Enter the agreed outcome"),
            );
            let outstanding_issues = e.take(
                "outstanding_issues",
                posted.text(
                    "outstanding_issues",
                    "Enter how outstanding issues will be taken forward, or say there are none",
                ),
            );
            match (route, outcome, outstanding_issues) {
                (Some(route), Some(outcome), Some(outstanding_issues)) => Command::Resolve {
                    route,
                    outcome,
                    outstanding_issues,
                },
                _ => return Err(e),
            }
        }
        Act::ConfirmOutcome => {
            match e.take(
                "statement",
                posted.text("statement", "Enter your agency's confirmation"),
            ) {
                Some(statement) => Command::ConfirmOutcome { statement },
                None => return Err(e),
            }
        }
        Act::RecordLearning => {
            let learning = &ctx.policy.learning;
            let theme = learning
                .themes
                .iter()
                .find(|t| t.id.as_str() == posted.get("theme"))
                .map(|t| t.id.clone());
            if theme.is_none() {
                e.add("theme", "Select what the learning is about");
            }
            let forwarded_to = match posted.get("forwarded_to") {
                "" => None,
                f if let Some(g) = learning.forward_to.iter().find(|g| g.id.as_str() == f) => {
                    Some(g.id.clone())
                }
                _ => {
                    e.add("forwarded_to", "Select where it has been forwarded");
                    None
                }
            };
            let note = e.take("note", posted.text("note", "Enter the learning"));
            match (theme, note) {
                (Some(theme), Some(note)) if e.is_empty() => Command::RecordLearning {
                    theme,
                    forwarded_to,
                    note,
                },
                _ => return Err(e),
            }
        }
        Act::Withdraw => match e.take(
            "reason",
            posted.text("reason", "Enter why it is being withdrawn"),
        ) {
            Some(reason) => Command::Withdraw { reason },
            None => return Err(e),
        },
        Act::Close => {
            let mut missing = Vec::new();
            if ctx.policy.outcome.written_confirmation {
                for agency in ctx.case.unconfirmed_parties() {
                    let name = format!("missing-{agency}");
                    if let Some(reason) = e.take(
                        &name,
                        posted.text(
                            &name,
                            &format!(
                                "Enter why {} has not confirmed the outcome",
                                ctx.agency_name(agency)
                            ),
                        ),
                    ) {
                        missing.push(MissingConfirmation {
                            agency: agency.clone(),
                            reason,
                        });
                    }
                }
            }
            if !e.is_empty() {
                return Err(e);
            }
            Command::Close {
                missing_confirmations: missing,
            }
        }
        Act::Reopen => match e.take(
            "reason",
            posted.text("reason", "Enter why it is being reopened"),
        ) {
            Some(reason) => Command::Reopen { reason },
            None => return Err(e),
        },
        Act::RecordChangeOfCircumstances => {
            let subject = ctx
                .case
                .subjects()
                .iter()
                .find(|s| s.id.as_str() == posted.get("subject"))
                .map(|s| s.id.clone());
            if subject.is_none() {
                e.add("subject", "Select who it has changed for");
            }
            let reason = e.take(
                "reason",
                posted.text("reason", "Enter what changed, and when"),
            );
            match (subject, reason) {
                (Some(subject), Some(reason)) => Command::RecordChangeOfCircumstances {
                    subject,
                    child_protection_plan: posted.has("flags", "child_protection_plan"),
                    looked_after: posted.has("flags", "looked_after"),
                    immediate_risk: posted.has("flags", "immediate_risk"),
                    reason,
                },
                _ => return Err(e),
            }
        }
    };
    if e.is_empty() { Ok(command) } else { Err(e) }
}

/// How a length of time is counted: the question beside its number.
fn length_unit(posted: &Posted) -> Question {
    Question::radios(
        "unit",
        "Counted in",
        vec![
            Choice::new("working-days", "Working days")
                .hint("Bank holidays on the policy's calendar are left out."),
            Choice::new("calendar-days", "Calendar days"),
            Choice::new("hours", "Hours"),
        ],
        posted,
    )
}

/// The length of time posted in `amount` and `unit`; `what` names it in
/// the mistake ("how much longer").
fn length(posted: &Posted, what: &str, e: &mut Errors) -> Option<Extension> {
    let unit = posted.get("unit");
    let max = match unit {
        "hours" => Extension::MAX_HOURS,
        "calendar-days" => Extension::MAX_CALENDAR_DAYS,
        _ => Extension::MAX_WORKING_DAYS,
    };
    let amount = e.take("amount", posted.number("amount", what, max));
    if !matches!(unit, "working-days" | "calendar-days" | "hours") {
        e.add(
            "unit",
            "Select whether it is counted in working days, calendar days or hours",
        );
    }
    amount.and_then(|n| match unit {
        "working-days" => WorkingDays::new(n).map(Extension::WorkingDays),
        "calendar-days" => std::num::NonZeroU32::new(n).map(Extension::CalendarDays),
        "hours" => std::num::NonZeroU32::new(n).map(Extension::Hours),
        _ => None,
    })
}

/// The yes or no chosen in `name`.
pub(crate) fn yes_no(posted: &Posted, name: &str, none: &str, e: &mut Errors) -> Option<bool> {
    match posted.get(name) {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            e.add(name, none);
            None
        }
    }
}

/// The actions `viewer` may take on `case`, as links for its page.
pub(crate) fn links(case: &Case, policy: &Policy, viewer: &Viewer) -> Vec<(String, String)> {
    let actor = viewer.principal.person.actor();
    let id = case.id();
    case.offers(policy, &actor)
        .into_iter()
        .filter_map(|offer| {
            let act = Act::ALL.into_iter().find(|a| a.is(&offer))?;
            Some(match &offer {
                Offer::SubmitForm(form) => (
                    format!("/cases/{id}/submit-form?form={form}"),
                    format!(
                        "Submit the {}",
                        policy
                            .form(form)
                            .map_or_else(|| form.to_string(), |f| f.title.clone())
                    ),
                ),
                // Escalating past the next stage names where it goes.
                Offer::Escalate { to } if Some(*to) != case.stage().next() => (
                    format!("/cases/{id}/{}?to={to}", act.slug()),
                    format!("Escalate straight to Stage {to}"),
                ),
                Offer::Escalate { to } => (
                    format!("/cases/{id}/{}", act.slug()),
                    format!("Escalate to Stage {to}"),
                ),
                _ => (
                    format!("/cases/{id}/{}", act.slug()),
                    act.title().to_owned(),
                ),
            })
        })
        .collect()
}

/// Who leads a stage, side by side, naming each role as the policy does
/// (issue 14 §7: "'Led by: manager' should name the role"): "Leads for
/// both agencies: line manager", "Decides: HSCP Chair".
fn leads_in_words(policy: &accord_policy::Policy, leads: &accord_policy::Leads) -> Vec<String> {
    let names = |roles: &[accord_policy::RoleRef]| {
        dedup(roles.iter().map(|r| words::role(policy, r)).collect()).join(" or ")
    };
    let mut items = Vec::new();
    let (raising, other) = (names(&leads.raising), names(&leads.other));
    match (raising.is_empty(), other.is_empty()) {
        (false, false) if raising == other => {
            items.push(format!("Leads for both agencies: {raising}"))
        }
        _ => {
            if !raising.is_empty() {
                items.push(format!("Leads for the raising agency: {raising}"));
            }
            if !other.is_empty() {
                items.push(format!("Leads for the other agency: {other}"));
            }
        }
    }
    if !leads.decides.is_empty() {
        items.push(format!("Decides: {}", names(&leads.decides)));
    }
    if !leads.chairs.is_empty() {
        items.push(format!("Chairs: {}", names(&leads.chairs)));
    }
    items
}

#[cfg(test)]
mod tests {
    use accord_calendar::Calendars;

    use super::leads_in_words;

    fn leads(policy: &str, track: &str, stage: u8) -> Vec<String> {
        let calendars = Calendars::builtin();
        let policies = accord_policy::builtin(&calendars);
        let policy = policies
            .iter()
            .find(|p| p.id.as_str() == policy)
            .unwrap_or_else(|| panic!("{policy}"));
        let stage = policy
            .tracks
            .iter()
            .find(|t| t.id.as_str() == track)
            .and_then(|t| t.stages.iter().find(|s| s.number.get() == stage))
            .unwrap_or_else(|| panic!("{track} stage {stage}"));
        leads_in_words(policy, &stage.leads)
    }

    /// Issue 14 §7: "'Led by: manager' should name the role". Havering's
    /// Stage Two is line manager to line manager, and health may bring its
    /// named safeguarding professional instead (HAV-5).
    #[test]
    fn who_leads_a_stage_names_each_side_and_the_role() {
        assert_eq!(
            leads("havering-2022", "professional", 2),
            [
                "Leads for the raising agency: line manager or Named Safeguarding Professional",
                "Leads for the other agency: line manager"
            ]
        );
        // Havering's Stage One is a discussion with the other worker (HAV-4).
        assert_eq!(
            leads("havering-2022", "professional", 1),
            ["Leads for both agencies: practitioner"]
        );
    }
}
