//! The case's state: a fold over its events, and what the case page reads.
//!
//! [`Case::apply`] trusts its event: every check happened in
//! [`Case::decide`](crate::Case::decide) before the event existed, so applying
//! never fails. [`Case::fold`] checks only the shape of the stream (it starts
//! with the raise, numbers run 1, 2, 3…, one case throughout).

use accord_calendar::Due;
use accord_policy::{
    AreaId, FormId, GroupId, Policy, PolicyId, ResolutionRoute, RoleRef, RoleTier, Stage,
    StageNumber, ThemeId, TrackId,
};
use jiff::{SignedDuration, Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

use crate::{
    ActionDetails, Actor, AgencyId, Amendment, CaseId, Concern, DiscussionRecord, Event, EventBody,
    Extension, FormDue, FormValues, MissingConfirmation, NotificationDue, PanelSeat, PersonId,
    Sequence, Subject, SubjectId, Text,
};

/// A disagreement, as its events have left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    id: CaseId,
    policy: PolicyId,
    policy_version: u32,
    track: TrackId,
    area: AreaId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    raised_at: Timestamp,
    raised_by: Actor,
    raiser: PersonId,
    other_agency: AgencyId,
    other_professional: Option<PersonId>,
    subjects: Vec<Subject>,
    concern: Concern,
    stages: Vec<StageVisit>,
    discussions: Vec<Discussion>,
    actions: Vec<Action>,
    forms: Vec<FormSubmission>,
    panel: Option<Panel>,
    outcome: Option<Outcome>,
    earlier_outcomes: Vec<Outcome>,
    learning: Vec<LearningRecord>,
    notifications: Vec<Notice>,
    corrections: Vec<CorrectionRecord>,
    circumstance_changes: Vec<CircumstanceChange>,
    closures: Vec<Closure>,
    concurrences: Vec<Concurrence>,
    handovers: Vec<Handover>,
    /// When and why its personal data was erased, if it was; left out of
    /// the case as shown until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    erased: Option<Erasure>,
    status: Status,
    version: Sequence,
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being worked at its current stage.
    Open,
    /// An outcome is agreed; awaiting written confirmation and closure.
    Resolved,
    /// Closed after resolution or by a final decision.
    Closed,
    /// Withdrawn by the raising agency.
    Withdrawn,
}

impl Status {
    /// Closed or withdrawn: only an explicit reopening changes it.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Closed | Status::Withdrawn)
    }
}

/// How a case came to be at a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// It was raised here.
    Raised,
    /// It was escalated here.
    Escalated,
    /// It was reopened here.
    Reopened,
}

/// One stay at a stage. The last is the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageVisit {
    /// The stage.
    pub stage: StageNumber,
    /// How the case got here.
    pub entry: Entry,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub entered_at: Timestamp,
    /// Who decided it.
    pub entered_by: Actor,
    /// Why (escalation, reopening, or immediate-risk start above Stage 1).
    pub reason: Option<Text>,
    /// When it was due on entry.
    pub original_due: Due,
    /// When it is due now, after extensions.
    pub due: Due,
    /// When its forms that carry a `within` are due, set on entry, and the
    /// next stage's entry forms an escalation decided here awaits (Isle of
    /// Man: the referral form "within 5 working days" of Stage Three's end).
    pub form_dues: Vec<FormDue>,
    /// Extensions granted here.
    pub extensions: Vec<ExtensionRecord>,
    /// Timescales agreed for the case here (Sutton §5), in order: the last
    /// set the due, unless an extension followed it.
    pub agreed_timescales: Vec<AgreedTimescaleRecord>,
    /// Breaches recorded here.
    pub breaches: Vec<BreachRecord>,
    /// When the case left (escalated, closed or withdrawn).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub left_at: Option<Timestamp>,
    /// The escalation decided here that waits for the next stage's entry
    /// forms (Isle of Man: Stage Three exhausted, the referral form to
    /// come); its forms' deadlines are among `form_dues`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awaiting_entry: Option<AwaitedEntry>,
}

/// An escalation decided and waiting for the forms its stage needs to be
/// entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwaitedEntry {
    /// Its event.
    pub sequence: Sequence,
    /// The stage it waits to enter.
    pub to: StageNumber,
    /// When it was decided: the end of the stage the case is at.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub decided_at: Timestamp,
    /// Who decided it.
    pub decided_by: Actor,
    /// Why.
    pub reason: Text,
}

/// An extension of a stage's deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtensionRecord {
    /// Its event.
    pub sequence: Sequence,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who granted it.
    pub by: Actor,
    /// How much more time.
    pub extension: Extension,
    /// Why.
    pub reason: Text,
    /// The due it set.
    pub due: Due,
}

/// A timescale agreed for the case at a stage (Sutton §5), shorter or
/// longer than the policy's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreedTimescaleRecord {
    /// Its event.
    pub sequence: Sequence,
    /// When it was recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who recorded it.
    pub by: Actor,
    /// The agreed length, from the stage's clock start.
    pub timescale: Extension,
    /// Why.
    pub reason: Text,
    /// The due it set.
    pub due: Due,
}

/// Whether the holder of the role a stage names concurred (Sutton §7c:
/// the designated lead, with the concerns of the professional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Concurrence {
    /// Its event.
    pub sequence: Sequence,
    /// The stage it was given at.
    pub stage: StageNumber,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who gave it.
    pub by: Actor,
    /// Whether they concur.
    pub concurs: bool,
    /// Why.
    pub reason: Text,
}

/// A deadline that passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BreachRecord {
    /// Its event.
    pub sequence: Sequence,
    /// When it was recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The deadline that passed.
    pub due: Due,
    /// The form whose deadline it was; `None` for the stage's own.
    pub form: Option<FormId>,
}

/// A discussion on the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discussion {
    /// Its event: the way to name it.
    pub sequence: Sequence,
    /// The stage it belongs to.
    pub stage: StageNumber,
    /// Who recorded it.
    pub recorded_by: Actor,
    /// The record, as last corrected.
    pub record: DiscussionRecord,
    /// The date of formal approval (Sutton §7b).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub approved_on: Option<Date>,
    /// The corrections to it, in order.
    pub corrected_by: Vec<Sequence>,
}

/// An agreed action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Action {
    /// Its event: the way to name it.
    pub sequence: Sequence,
    /// The stage it was agreed at.
    pub stage: StageNumber,
    /// Who recorded it.
    pub agreed_by: Actor,
    /// Who, what, by when, as last corrected.
    pub details: ActionDetails,
    /// When it was done, by whom, and any note.
    pub completed: Option<Completion>,
    /// The corrections to it, in order.
    pub corrected_by: Vec<Sequence>,
}

/// When and by whom an action was marked done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Completion {
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who.
    pub by: Actor,
    /// What was done, if worth saying.
    pub note: Option<Text>,
}

/// One submission of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormSubmission {
    /// Its event.
    pub sequence: Sequence,
    /// The form.
    pub form: FormId,
    /// The stage it was submitted at.
    pub stage: StageNumber,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// By whom.
    pub by: Actor,
    /// The answers.
    pub values: FormValues,
}

/// A convened Resolution Panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Panel {
    /// Its event.
    pub sequence: Sequence,
    /// The stage.
    pub stage: StageNumber,
    /// Who convened it.
    pub convened_by: Actor,
    /// Its members.
    pub members: Vec<PanelSeat>,
    /// Why a disputing agency could not sit.
    pub shortfall_reason: Option<Text>,
    /// Disputing agencies not on it: a warning on the case page.
    pub absent_disputing_agencies: Vec<AgencyId>,
    /// The representations it heard.
    pub representations: Vec<Representation>,
}

/// A representation to the panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Representation {
    /// Its event.
    pub sequence: Sequence,
    /// The agency making it.
    pub agency: AgencyId,
    /// What it said.
    pub summary: Text,
}

/// The agreed outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcome {
    /// Its event.
    pub sequence: Sequence,
    /// The stage it was reached at.
    pub stage: StageNumber,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who recorded it.
    pub by: Actor,
    /// How it was reached.
    pub route: ResolutionRoute,
    /// The agreed outcome.
    pub agreed: Text,
    /// How outstanding issues will be pursued.
    pub outstanding_issues: Text,
    /// Whether the decision is final.
    pub final_decision: bool,
    /// The parties' written confirmations.
    pub confirmations: Vec<Confirmation>,
}

/// A party's written confirmation of the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Confirmation {
    /// Its event.
    pub sequence: Sequence,
    /// The party.
    pub agency: AgencyId,
    /// Who confirmed.
    pub by: PersonId,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The confirmation.
    pub statement: Text,
}

/// Learning taken from the disagreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LearningRecord {
    /// Its event.
    pub sequence: Sequence,
    /// The theme.
    pub theme: ThemeId,
    /// The group it was forwarded to: an id of the policy's
    /// `learning.forward_to`.
    pub forwarded_to: Option<GroupId>,
    /// The learning.
    pub note: Text,
    /// When it was recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The actions agreed to follow it up, each with an owner and a due
    /// date, tracked to done (issue 15 §2).
    pub follow_ups: Vec<FollowUp>,
}

/// An action agreed to follow up learning: who will do what, by when, and
/// when it was done. Sutton §7e: learning is "identified and considered by
/// the relevant LSCB sub-group"; East Riding §6 names what may follow
/// (training, commissioning, new practice guidance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    /// Its event: the way to name it.
    pub sequence: Sequence,
    /// Who agreed it.
    pub agreed_by: Actor,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub agreed_at: Timestamp,
    /// Who, what, by when.
    pub details: ActionDetails,
    /// When it was done, by whom, and any note.
    pub completed: Option<Completion>,
}

/// A notification due, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    /// Its event.
    pub sequence: Sequence,
    /// When it fell due.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Whom, what, why.
    pub notification: NotificationDue,
}

/// A correction of an earlier event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CorrectionRecord {
    /// Its event.
    pub sequence: Sequence,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who made it.
    pub by: Actor,
    /// The event corrected.
    pub corrects: Sequence,
    /// Why.
    pub reason: Text,
    /// What it should have said.
    pub amendment: Amendment,
}

/// A change in a subject's circumstances, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CircumstanceChange {
    /// Its event.
    pub sequence: Sequence,
    /// When it was recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who recorded it.
    pub by: Actor,
    /// The stage the case was at.
    pub stage: StageNumber,
    /// The subject.
    pub subject: SubjectId,
    /// Subject to a Child Protection Plan from then on.
    pub child_protection_plan: bool,
    /// A Looked After Child from then on.
    pub looked_after: bool,
    /// At immediate risk of significant harm from then on.
    pub immediate_risk: bool,
    /// What changed.
    pub reason: Text,
}

/// A closing or withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Closure {
    /// Its event.
    pub sequence: Sequence,
    /// The stage.
    pub stage: StageNumber,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// By whom.
    pub by: Actor,
    /// Closed by a final decision.
    pub by_final_decision: bool,
    /// Why each unconfirmed party's confirmation is missing.
    pub missing_confirmations: Vec<MissingConfirmation>,
    /// The withdrawal reason, if it was withdrawn.
    pub withdrawn: Option<Text>,
}

/// The erasure of a case's personal data (issue 17 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Erasure {
    /// The event that recorded it.
    pub sequence: Sequence,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The rule that erased it.
    pub rule: crate::ErasureRule,
    /// The day it fell due under that rule.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due_on: Date,
}

/// A piece of open work handed from one person to another (issue 13 §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Handover {
    /// Its event.
    pub sequence: Sequence,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The administrator who did it.
    pub by: Actor,
    /// The piece.
    pub work: crate::OpenWork,
    /// Who held it.
    pub from: PersonId,
    /// Who holds it now.
    pub to: PersonId,
    /// Why.
    pub reason: Text,
}

/// Who is personally involved in a case, whom it has told, and which roles
/// its policy asks to act now ([`Case::involvement`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Involvement {
    /// Who carries the raiser's part (who raised it, or whom it was handed
    /// to when they left), its named other professional, everyone who took part
    /// in a discussion at the current stage, whoever has an action or a
    /// learning follow-up on it not yet done, and the members of its panel;
    /// by id, each once.
    pub people: Vec<PersonId>,
    /// The roles its notifications were addressed to, each once, such as
    /// `iro` (Havering §2.5).
    pub notified: Vec<RoleRef>,
    /// The roles its policy asks to complete a section of a form its
    /// current stage needs, each once, such as Sutton's
    /// `safeguarding-advisor` (Appendix 1).
    #[serde(default)]
    pub acting: Vec<RoleRef>,
}

/// A dated deadline of an open case's current stage; see
/// [`Case::open_deadlines`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDeadline {
    /// The form it is for; `None` for the stage's own.
    pub form: Option<FormId>,
    /// The deadline.
    pub due: Due,
    /// The instant it passes.
    pub instant: Timestamp,
    /// Whether its breach has been recorded.
    pub breached: bool,
}

/// A stream that cannot be a case's: the storage layer's data is damaged or
/// mixed up, so the case is not shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// No events.
    #[error("the stream is empty: a case starts with its raise")]
    Empty,
    /// The first event is not the raise.
    #[error("the stream starts with `{found}`, not `raised`")]
    NotRaisedFirst {
        /// The first event's type.
        found: &'static str,
    },
    /// A second raise.
    #[error("event {sequence} raises the case a second time")]
    RaisedAgain {
        /// Where.
        sequence: Sequence,
    },
    /// A gap or repeat in the numbering.
    #[error("expected event {expected}, found {found}")]
    OutOfSequence {
        /// The number expected.
        expected: Sequence,
        /// The number found.
        found: Sequence,
    },
    /// An event of another case.
    #[error("event {sequence} belongs to case {found}, not {expected}")]
    WrongCase {
        /// Where.
        sequence: Sequence,
        /// This case.
        expected: CaseId,
        /// The other case.
        found: CaseId,
    },
}

impl Case {
    /// Folds a whole stream into the case it records.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Case, StreamError> {
        let mut events = events.into_iter();
        let first = events.next().ok_or(StreamError::Empty)?;
        let mut case = Case::from_raise(first)?;
        for event in events {
            let expected = case.version.next();
            if event.sequence != expected {
                return Err(StreamError::OutOfSequence {
                    expected,
                    found: event.sequence,
                });
            }
            if event.case != case.id {
                return Err(StreamError::WrongCase {
                    sequence: event.sequence,
                    expected: case.id.clone(),
                    found: event.case.clone(),
                });
            }
            if matches!(event.body, EventBody::Raised(_)) {
                return Err(StreamError::RaisedAgain {
                    sequence: event.sequence,
                });
            }
            case.apply(event);
        }
        Ok(case)
    }

    /// The case as its raise leaves it.
    pub fn from_raise(event: &Event) -> Result<Case, StreamError> {
        let EventBody::Raised(raised) = &event.body else {
            return Err(StreamError::NotRaisedFirst {
                found: event.body.name(),
            });
        };
        if event.sequence != Sequence::FIRST {
            return Err(StreamError::OutOfSequence {
                expected: Sequence::FIRST,
                found: event.sequence,
            });
        }
        let raised = raised.as_ref().clone();
        Ok(Case {
            id: event.case.clone(),
            policy: raised.policy,
            policy_version: raised.policy_version,
            track: raised.track,
            area: raised.area,
            raised_at: event.at,
            raised_by: event.actor.clone(),
            raiser: event.actor.person.clone(),
            other_agency: raised.other_agency,
            other_professional: raised.other_professional,
            subjects: raised.subjects,
            concern: raised.concern,
            stages: vec![StageVisit {
                stage: raised.stage,
                entry: Entry::Raised,
                entered_at: event.at,
                entered_by: event.actor.clone(),
                reason: raised.later_start_reason,
                original_due: raised.due,
                due: raised.due,
                form_dues: raised.form_dues,
                extensions: Vec::new(),
                agreed_timescales: Vec::new(),
                breaches: Vec::new(),
                left_at: None,
                awaiting_entry: None,
            }],
            discussions: Vec::new(),
            actions: Vec::new(),
            forms: Vec::new(),
            panel: None,
            outcome: None,
            earlier_outcomes: Vec::new(),
            learning: Vec::new(),
            notifications: Vec::new(),
            corrections: Vec::new(),
            circumstance_changes: Vec::new(),
            closures: Vec::new(),
            concurrences: Vec::new(),
            handovers: Vec::new(),
            erased: None,
            status: Status::Open,
            version: Sequence::FIRST,
        })
    }

    /// Applies the next event. Never fails for an event [`Case::decide`]
    /// produced for this state; an event naming a record that does not
    /// exist changes nothing but the version.
    pub fn apply(&mut self, event: &Event) {
        self.version = event.sequence;
        let (at, actor, sequence) = (event.at, &event.actor, event.sequence);
        match &event.body {
            // Only `from_raise` starts a case; `fold` refuses a second raise.
            EventBody::Raised(_) => {}
            EventBody::DiscussionRecorded { stage, record } => {
                self.discussions.push(Discussion {
                    sequence,
                    stage: *stage,
                    recorded_by: actor.clone(),
                    record: record.clone(),
                    approved_on: None,
                    corrected_by: Vec::new(),
                });
            }
            EventBody::DiscussionApproved {
                discussion,
                approved_on,
            } => {
                if let Some(d) = self.discussion_mut(*discussion) {
                    d.approved_on = Some(*approved_on);
                }
            }
            EventBody::ActionAgreed { stage, details } => self.actions.push(Action {
                sequence,
                stage: *stage,
                agreed_by: actor.clone(),
                details: details.clone(),
                completed: None,
                corrected_by: Vec::new(),
            }),
            EventBody::ActionCompleted { action, note } => {
                if let Some(a) = self.action_mut(*action) {
                    a.completed = Some(Completion {
                        at,
                        by: actor.clone(),
                        note: note.clone(),
                    });
                }
            }
            EventBody::FormSubmitted {
                form,
                stage,
                values,
            } => self.forms.push(FormSubmission {
                sequence,
                form: form.clone(),
                stage: *stage,
                at,
                by: actor.clone(),
                values: values.clone(),
            }),
            EventBody::Escalated {
                to,
                reason,
                due,
                form_dues,
                ..
            } => {
                self.current_visit_mut().left_at = Some(at);
                self.stages.push(StageVisit {
                    stage: *to,
                    entry: Entry::Escalated,
                    entered_at: at,
                    entered_by: actor.clone(),
                    reason: Some(reason.clone()),
                    original_due: *due,
                    due: *due,
                    form_dues: form_dues.clone(),
                    extensions: Vec::new(),
                    agreed_timescales: Vec::new(),
                    breaches: Vec::new(),
                    left_at: None,
                    awaiting_entry: None,
                });
            }
            EventBody::EscalationDecided {
                to,
                reason,
                form_dues,
                ..
            } => {
                let visit = self.current_visit_mut();
                visit.form_dues.extend(form_dues.iter().cloned());
                visit.awaiting_entry = Some(AwaitedEntry {
                    sequence,
                    to: *to,
                    decided_at: at,
                    decided_by: actor.clone(),
                    reason: reason.clone(),
                });
            }
            EventBody::DeadlineExtended {
                by, reason, due, ..
            } => {
                let visit = self.current_visit_mut();
                visit.due = *due;
                visit.extensions.push(ExtensionRecord {
                    sequence,
                    at,
                    by: actor.clone(),
                    extension: *by,
                    reason: reason.clone(),
                    due: *due,
                });
            }
            EventBody::BreachRecorded { due, form, .. } => {
                self.current_visit_mut().breaches.push(BreachRecord {
                    sequence,
                    at,
                    due: *due,
                    form: form.clone(),
                });
            }
            EventBody::PanelConvened {
                stage,
                members,
                shortfall_reason,
                absent_disputing_agencies,
            } => {
                self.panel = Some(Panel {
                    sequence,
                    stage: *stage,
                    convened_by: actor.clone(),
                    members: members.clone(),
                    shortfall_reason: shortfall_reason.clone(),
                    absent_disputing_agencies: absent_disputing_agencies.clone(),
                    representations: Vec::new(),
                });
            }
            EventBody::RepresentationRecorded {
                agency, summary, ..
            } => {
                if let Some(panel) = &mut self.panel {
                    panel.representations.push(Representation {
                        sequence,
                        agency: agency.clone(),
                        summary: summary.clone(),
                    });
                }
            }
            EventBody::Resolved {
                stage,
                route,
                outcome,
                outstanding_issues,
                final_decision,
            } => {
                self.status = Status::Resolved;
                self.outcome = Some(Outcome {
                    sequence,
                    stage: *stage,
                    at,
                    by: actor.clone(),
                    route: *route,
                    agreed: outcome.clone(),
                    outstanding_issues: outstanding_issues.clone(),
                    final_decision: *final_decision,
                    confirmations: Vec::new(),
                });
            }
            EventBody::OutcomeConfirmed { agency, statement } => {
                if let Some(outcome) = &mut self.outcome {
                    outcome.confirmations.push(Confirmation {
                        sequence,
                        agency: agency.clone(),
                        by: actor.person.clone(),
                        at,
                        statement: statement.clone(),
                    });
                }
            }
            EventBody::LearningRecorded {
                theme,
                forwarded_to,
                note,
            } => self.learning.push(LearningRecord {
                sequence,
                theme: theme.clone(),
                forwarded_to: forwarded_to.clone(),
                note: note.clone(),
                at,
                follow_ups: Vec::new(),
            }),
            EventBody::FollowUpAgreed { learning, details } => {
                if let Some(l) = self.learning.iter_mut().find(|l| l.sequence == *learning) {
                    l.follow_ups.push(FollowUp {
                        sequence,
                        agreed_by: actor.clone(),
                        agreed_at: at,
                        details: details.clone(),
                        completed: None,
                    });
                }
            }
            EventBody::FollowUpCompleted { follow_up, note } => {
                if let Some(f) = self.follow_up_mut(*follow_up) {
                    f.completed = Some(Completion {
                        at,
                        by: actor.clone(),
                        note: note.clone(),
                    });
                }
            }
            EventBody::Withdrawn { stage, reason } => {
                self.status = Status::Withdrawn;
                self.current_visit_mut().left_at = Some(at);
                self.closures.push(Closure {
                    sequence,
                    stage: *stage,
                    at,
                    by: actor.clone(),
                    by_final_decision: false,
                    missing_confirmations: Vec::new(),
                    withdrawn: Some(reason.clone()),
                });
            }
            EventBody::Closed {
                stage,
                by_final_decision,
                missing_confirmations,
            } => {
                self.status = Status::Closed;
                self.current_visit_mut().left_at = Some(at);
                self.closures.push(Closure {
                    sequence,
                    stage: *stage,
                    at,
                    by: actor.clone(),
                    by_final_decision: *by_final_decision,
                    missing_confirmations: missing_confirmations.clone(),
                    withdrawn: None,
                });
            }
            EventBody::Reopened {
                stage,
                reason,
                due,
                form_dues,
            } => {
                self.status = Status::Open;
                if let Some(outcome) = self.outcome.take() {
                    self.earlier_outcomes.push(outcome);
                }
                self.stages.push(StageVisit {
                    stage: *stage,
                    entry: Entry::Reopened,
                    entered_at: at,
                    entered_by: actor.clone(),
                    reason: Some(reason.clone()),
                    original_due: *due,
                    due: *due,
                    form_dues: form_dues.clone(),
                    extensions: Vec::new(),
                    agreed_timescales: Vec::new(),
                    breaches: Vec::new(),
                    left_at: None,
                    awaiting_entry: None,
                });
            }
            EventBody::CircumstancesChanged {
                stage,
                subject,
                child_protection_plan,
                looked_after,
                immediate_risk,
                reason,
            } => {
                if let Some(s) = self.subjects.iter_mut().find(|s| &s.id == subject) {
                    s.child_protection_plan = *child_protection_plan;
                    s.looked_after = *looked_after;
                    s.immediate_risk = *immediate_risk;
                }
                self.circumstance_changes.push(CircumstanceChange {
                    sequence,
                    at,
                    by: actor.clone(),
                    stage: *stage,
                    subject: subject.clone(),
                    child_protection_plan: *child_protection_plan,
                    looked_after: *looked_after,
                    immediate_risk: *immediate_risk,
                    reason: reason.clone(),
                });
            }
            EventBody::Corrected {
                corrects,
                reason,
                amendment,
            } => {
                self.amend(*corrects, sequence, amendment);
                self.corrections.push(CorrectionRecord {
                    sequence,
                    at,
                    by: actor.clone(),
                    corrects: *corrects,
                    reason: reason.clone(),
                    amendment: amendment.clone(),
                });
            }
            EventBody::NotificationDue(notification) => self.notifications.push(Notice {
                sequence,
                at,
                notification: notification.as_ref().clone(),
            }),
            EventBody::ConcurrenceRecorded {
                stage,
                concurs,
                reason,
            } => self.concurrences.push(Concurrence {
                sequence,
                stage: *stage,
                at,
                by: actor.clone(),
                concurs: *concurs,
                reason: reason.clone(),
            }),
            EventBody::TimescaleAgreed {
                timescale,
                reason,
                due,
                ..
            } => {
                let visit = self.current_visit_mut();
                visit.due = *due;
                visit.agreed_timescales.push(AgreedTimescaleRecord {
                    sequence,
                    at,
                    by: actor.clone(),
                    timescale: *timescale,
                    reason: reason.clone(),
                    due: *due,
                });
            }
            EventBody::HandedOver {
                work,
                from,
                to,
                agency,
                reason,
            } => {
                self.hand_over(*work, from, to, agency);
                self.handovers.push(Handover {
                    sequence,
                    at,
                    by: actor.clone(),
                    work: *work,
                    from: from.clone(),
                    to: to.clone(),
                    reason: reason.clone(),
                });
            }
            EventBody::Erased { rule, due_on } => {
                self.erased = Some(Erasure {
                    sequence,
                    at,
                    rule: *rule,
                    due_on: *due_on,
                });
            }
        }
    }

    fn hand_over(
        &mut self,
        work: crate::OpenWork,
        from: &PersonId,
        to: &PersonId,
        agency: &AgencyId,
    ) {
        match work {
            crate::OpenWork::Raiser => self.raiser = to.clone(),
            crate::OpenWork::OtherProfessional => self.other_professional = Some(to.clone()),
            crate::OpenWork::Action { action } => {
                if let Some(a) = self.action_mut(action) {
                    a.details.who = to.clone();
                    a.details.agency = agency.clone();
                }
            }
            crate::OpenWork::PanelSeat => {
                if let Some(seat) = self
                    .panel
                    .as_mut()
                    .and_then(|p| p.members.iter_mut().find(|m| &m.person == from))
                {
                    seat.person = to.clone();
                }
            }
        }
    }

    fn amend(&mut self, corrects: Sequence, by: Sequence, amendment: &Amendment) {
        match amendment {
            Amendment::Discussion { record } => {
                if let Some(d) = self.discussion_mut(corrects) {
                    d.record = record.clone();
                    d.corrected_by.push(by);
                }
            }
            Amendment::Action { details } => {
                if let Some(a) = self.action_mut(corrects) {
                    a.details = details.clone();
                    a.corrected_by.push(by);
                }
            }
            Amendment::Concern { concern } => self.concern = concern.clone(),
            Amendment::Subjects { subjects } => self.subjects = subjects.clone(),
            Amendment::Erratum { .. } => {}
        }
    }

    fn current_visit_mut(&mut self) -> &mut StageVisit {
        self.stages
            .last_mut()
            .expect("a case always has the stage it was raised at")
    }

    fn discussion_mut(&mut self, sequence: Sequence) -> Option<&mut Discussion> {
        self.discussions.iter_mut().find(|d| d.sequence == sequence)
    }

    fn action_mut(&mut self, sequence: Sequence) -> Option<&mut Action> {
        self.actions.iter_mut().find(|a| a.sequence == sequence)
    }

    /// The case's id.
    pub fn id(&self) -> &CaseId {
        &self.id
    }

    /// The policy it is bound to.
    pub fn policy(&self) -> &PolicyId {
        &self.policy
    }

    /// The policy version it is bound to.
    pub fn policy_version(&self) -> u32 {
        self.policy_version
    }

    /// Its track.
    pub fn track(&self) -> &TrackId {
        &self.track
    }

    /// Its area of disagreement.
    pub fn area(&self) -> &AreaId {
        &self.area
    }

    /// When it was raised.
    pub fn raised_at(&self) -> Timestamp {
        self.raised_at
    }

    /// Who raised it, and their agency.
    pub fn raised_by(&self) -> &Actor {
        &self.raised_by
    }

    /// Who carries the raiser's part now: the person who raised it, or
    /// whom an administrator handed it to when they left (issue 13 §3).
    /// A stage led by the raiser awaits them, and the raiser's
    /// notifications reach them; [`Case::raised_by`] stays who raised it.
    pub fn raiser(&self) -> &PersonId {
        &self.raiser
    }

    /// Whether `person` raised the case or has carried the raiser's part
    /// since: a discussion they took part in was with the raising side.
    pub fn is_raiser(&self, person: &PersonId) -> bool {
        person == &self.raised_by.person
            || person == &self.raiser
            || self
                .handovers
                .iter()
                .any(|h| h.work == crate::OpenWork::Raiser && &h.to == person)
    }

    /// Open work handed from one person to another, in order.
    pub fn handovers(&self) -> &[Handover] {
        &self.handovers
    }

    /// When and why the case's personal data was erased, if it was: its
    /// events are then their shapes, every text `Erased`.
    pub fn erased(&self) -> Option<&Erasure> {
        self.erased.as_ref()
    }

    /// The pieces of open work the case gives `person` by name, while it
    /// is not closed or withdrawn: the raiser's part, the other agency's
    /// named professional, each action of theirs not yet done, and their
    /// seat on the panel. What an administrator hands over when they
    /// leave (issue 13 §3).
    pub fn open_work_of(&self, person: &PersonId) -> Vec<crate::OpenWork> {
        use crate::OpenWork;
        if self.status.is_closed() {
            return Vec::new();
        }
        let mut out = Vec::new();
        if &self.raiser == person {
            out.push(OpenWork::Raiser);
        }
        if self.other_professional.as_ref() == Some(person) {
            out.push(OpenWork::OtherProfessional);
        }
        out.extend(
            self.actions
                .iter()
                .filter(|a| a.completed.is_none() && &a.details.who == person)
                .map(|a| OpenWork::Action { action: a.sequence }),
        );
        if self
            .panel
            .as_ref()
            .is_some_and(|p| p.members.iter().any(|m| &m.person == person))
        {
            out.push(OpenWork::PanelSeat);
        }
        out
    }

    /// The agency whose decision is disputed.
    pub fn other_agency(&self) -> &AgencyId {
        &self.other_agency
    }

    /// The professional there, where known.
    pub fn other_professional(&self) -> Option<&PersonId> {
        self.other_professional.as_ref()
    }

    /// The two agencies in dispute: the raiser's, then the other.
    pub fn parties(&self) -> [&AgencyId; 2] {
        [&self.raised_by.agency, &self.other_agency]
    }

    /// Whether `person` may be given an action on this case: someone of an
    /// agency in the disagreement, or of the partnership's team or its
    /// chair (issue 12 §2). The engine refuses anyone else
    /// (`ActionOwnerNotInvolved`), and pickers offer no one else.
    pub fn may_own_action(&self, person: &Actor) -> bool {
        matches!(person.tier, RoleTier::PartnershipTeam | RoleTier::Chair)
            || self.parties().contains(&&person.agency)
    }

    /// Whether `person` may take a seat on the panel the current stage
    /// convenes: someone holding a role its rule `seats` (Havering §2.12,
    /// "a senior officer from three agencies who are members of the full
    /// Board"). Where the rule names no seats the engine seats anyone, and
    /// this offers the senior officers: a senior manager, head of service,
    /// panel member or chair. False where the stage convenes no panel.
    pub fn may_sit_on_panel(&self, policy: &Policy, person: &Actor) -> bool {
        let Some(rule) = self.current_stage(policy).and_then(|s| s.panel.as_ref()) else {
            return false;
        };
        if rule.seats.is_empty() {
            matches!(
                person.tier,
                RoleTier::SeniorManager
                    | RoleTier::HeadOfService
                    | RoleTier::PanelMember
                    | RoleTier::Chair
            )
        } else {
            rule.seats.iter().any(|r| person.holds(r))
        }
    }

    /// Whom it is about, as last corrected or changed.
    pub fn subjects(&self) -> &[Subject] {
        &self.subjects
    }

    /// What is disputed, as last corrected.
    pub fn concern(&self) -> &Concern {
        &self.concern
    }

    /// Whether a subject is at immediate risk of significant harm.
    pub fn immediate_risk(&self) -> bool {
        self.subjects.iter().any(|s| s.immediate_risk)
    }

    /// The current stage's number.
    pub fn stage(&self) -> StageNumber {
        self.current_visit().stage
    }

    /// The current stage in the policy, with its leads, timescale and
    /// rules. `None` only for a policy other than the case's.
    pub fn current_stage<'p>(&self, policy: &'p Policy) -> Option<&'p Stage> {
        policy.track(&self.track)?.stage(self.stage())
    }

    /// The current stay at a stage.
    pub fn current_visit(&self) -> &StageVisit {
        self.stages
            .last()
            .expect("a case always has the stage it was raised at")
    }

    /// The escalation decided at the current stage that waits for the next
    /// stage's entry forms, while the case is open.
    pub fn awaiting_entry(&self) -> Option<&AwaitedEntry> {
        self.current_visit()
            .awaiting_entry
            .as_ref()
            .filter(|_| self.status == Status::Open)
    }

    /// Every stay at a stage, in order.
    pub fn stage_history(&self) -> &[StageVisit] {
        &self.stages
    }

    /// The earliest deadline outstanding at the current stage: the stage's
    /// own ([`Case::stage_due`]) or that of a form it needs and has not yet
    /// had ([`Case::pending_form_dues`]). Isle of Man Stage Four has no
    /// timescale, but its referral form is due "within 5 working days", so
    /// that is when the case is due. "As soon as possible" only where
    /// neither gives a date.
    pub fn due(&self) -> Due {
        self.pending_form_dues()
            .into_iter()
            .map(|f| f.due)
            .chain([self.stage_due()])
            .filter_map(|d| d.instant().map(|i| (i, d)))
            .min_by_key(|(i, _)| *i)
            .map_or(Due::AsSoonAsPossible, |(_, d)| d)
    }

    /// When the current stage itself is due, after extensions: the deadline
    /// an extension moves.
    pub fn stage_due(&self) -> Due {
        self.current_visit().due
    }

    /// Every deadline the current stage set for its forms on entry, and
    /// those of the next stage's entry forms an escalation decided here
    /// awaits (Isle of Man: the referral form), whether or not the form has
    /// since come in.
    pub fn form_dues(&self) -> &[FormDue] {
        &self.current_visit().form_dues
    }

    /// The current stage's form deadlines whose form has not been submitted:
    /// what the case page lists as "… due by …".
    pub fn pending_form_dues(&self) -> Vec<&FormDue> {
        self.form_dues()
            .iter()
            .filter(|f| self.latest_form(&f.form).is_none())
            .collect()
    }

    /// When `form` is due at the current stage, while it is still to be
    /// submitted; `None` once it has been, or if the stage sets it no
    /// deadline.
    pub fn form_due(&self, form: &FormId) -> Option<Due> {
        self.pending_form_dues()
            .into_iter()
            .find(|f| &f.form == form)
            .map(|f| f.due)
    }

    /// Every dated deadline the current stage of an open case still has:
    /// its own and each pending form's, each saying whether its breach is
    /// on record. What the deadline index holds, so that reminders go
    /// before each and a breach is recorded once at each. Empty once the
    /// case is resolved, closed or withdrawn: its clock has stopped.
    pub fn open_deadlines(&self) -> Vec<OpenDeadline> {
        if self.status != Status::Open {
            return Vec::new();
        }
        let visit = self.current_visit();
        self.pending_form_dues()
            .into_iter()
            .map(|f| (Some(f.form.clone()), f.due))
            .chain([(None, self.stage_due())])
            .filter_map(|(form, due)| {
                let instant = due.instant()?;
                let breached = visit
                    .breaches
                    .iter()
                    .any(|b| b.form == form && b.due == due);
                Some(OpenDeadline {
                    form,
                    due,
                    instant,
                    breached,
                })
            })
            .collect()
    }

    /// True while the case is open and an outstanding deadline of its
    /// current stage ([`Case::due`]) has passed.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.status == Status::Open && self.due().is_overdue(now)
    }

    /// How long the case has been at its current stage: what the case page
    /// shows for an "as soon as possible" stage instead of a date.
    pub fn time_at_stage(&self, now: Timestamp) -> SignedDuration {
        now.duration_since(self.current_visit().entered_at)
    }

    /// Where it stands.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Discussions, in order recorded.
    pub fn discussions(&self) -> &[Discussion] {
        &self.discussions
    }

    /// Actions, in order agreed.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Every form submission, in order.
    pub fn forms(&self) -> &[FormSubmission] {
        &self.forms
    }

    /// The latest submission of `form`.
    pub fn latest_form(&self, form: &FormId) -> Option<&FormSubmission> {
        self.forms.iter().rev().find(|s| &s.form == form)
    }

    /// The Resolution Panel, once convened.
    pub fn panel(&self) -> Option<&Panel> {
        self.panel.as_ref()
    }

    /// The current agreed outcome, with confirmations.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// Outcomes set aside by reopening.
    pub fn earlier_outcomes(&self) -> &[Outcome] {
        &self.earlier_outcomes
    }

    /// The parties that have not confirmed the current outcome.
    pub fn unconfirmed_parties(&self) -> Vec<&AgencyId> {
        let confirmed = |a: &AgencyId| {
            self.outcome
                .as_ref()
                .is_some_and(|o| o.confirmations.iter().any(|c| &c.agency == a))
        };
        let mut out: Vec<&AgencyId> = self
            .parties()
            .into_iter()
            .filter(|a| !confirmed(a))
            .collect();
        out.dedup();
        out
    }

    /// Learning recorded.
    pub fn learning(&self) -> &[LearningRecord] {
        &self.learning
    }

    /// The learning follow-up whose event is `sequence`, with the learning
    /// it follows up.
    pub fn follow_up(&self, sequence: Sequence) -> Option<(&LearningRecord, &FollowUp)> {
        self.learning.iter().find_map(|l| {
            l.follow_ups
                .iter()
                .find(|f| f.sequence == sequence)
                .map(|f| (l, f))
        })
    }

    fn follow_up_mut(&mut self, sequence: Sequence) -> Option<&mut FollowUp> {
        self.learning
            .iter_mut()
            .flat_map(|l| l.follow_ups.iter_mut())
            .find(|f| f.sequence == sequence)
    }

    /// Notifications due, in order.
    pub fn notifications(&self) -> &[Notice] {
        &self.notifications
    }

    /// Corrections, in order.
    pub fn corrections(&self) -> &[CorrectionRecord] {
        &self.corrections
    }

    /// Changes of circumstances, in order.
    pub fn circumstance_changes(&self) -> &[CircumstanceChange] {
        &self.circumstance_changes
    }

    /// Concurrences recorded (Sutton §7c), in order.
    pub fn concurrences(&self) -> &[Concurrence] {
        &self.concurrences
    }

    /// Closings and withdrawals, in order.
    pub fn closures(&self) -> &[Closure] {
        &self.closures
    }

    /// Who is personally involved in the case now, whom it has told, and
    /// which roles `policy` (the version it is bound to) asks to act at its
    /// current stage: what the access rules need (accord-web's `access`),
    /// small enough to keep beside the case on the register so lists are
    /// filtered without folding every case.
    pub fn involvement(&self, policy: &Policy) -> Involvement {
        let stage = self.stage();
        let mut people: Vec<PersonId> = std::iter::once(&self.raiser)
            .chain(self.other_professional.as_ref())
            .chain(
                self.discussions
                    .iter()
                    .filter(|d| d.stage == stage)
                    .flat_map(|d| d.record.participants.iter().map(|p| &p.person)),
            )
            .chain(
                self.actions
                    .iter()
                    .filter(|a| a.completed.is_none())
                    .map(|a| &a.details.who),
            )
            .chain(
                self.learning
                    .iter()
                    .flat_map(|l| &l.follow_ups)
                    .filter(|f| f.completed.is_none())
                    .map(|f| &f.details.who),
            )
            .chain(
                self.panel
                    .iter()
                    .flat_map(|p| p.members.iter().map(|m| &m.person)),
            )
            .cloned()
            .collect();
        people.sort();
        people.dedup();
        let roles = |roles: Vec<RoleRef>| {
            let mut roles = roles;
            roles.sort_by(|a, b| a.id().cmp(b.id()));
            roles.dedup();
            roles
        };
        let notified = roles(
            self.notifications
                .iter()
                .map(|n| n.notification.to.clone())
                .collect(),
        );
        let acting = roles(
            self.current_stage(policy)
                .into_iter()
                .flat_map(|s| &s.forms)
                .filter_map(|f| policy.form(&f.form))
                .flat_map(|f| &f.sections)
                .filter_map(|s| s.completed_by.clone())
                .collect(),
        );
        Involvement {
            people,
            notified,
            acting,
        }
    }

    /// The number of the last event applied: the stream version the next
    /// append expects.
    pub fn version(&self) -> Sequence {
        self.version
    }
}
