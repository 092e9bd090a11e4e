//! Events: the case record. Every change is one, appended and never edited
//! (DESIGN.md §4). Their serde names are stable: the storage layer hashes a
//! canonical encoding of them, so renaming a variant or field breaks every
//! stored chain.

use accord_calendar::Due;
use accord_policy::{
    AreaId, FormId, GroupId, PolicyId, ResolutionRoute, RoleRef, StageNumber, ThemeId, TrackId,
};
use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

use crate::{
    ActionDetails, Actor, AgencyId, Amendment, CaseId, Concern, DiscussionRecord, Extension,
    FormValues, MissingConfirmation, OpenWork, PanelSeat, PersonId, Sequence, Subject, SubjectId,
    Text,
};

/// One entry in a case's stream: who, when, where in the stream, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// The case.
    pub case: CaseId,
    /// Its position in the case's stream.
    pub sequence: Sequence,
    /// When it was recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who recorded it.
    pub actor: Actor,
    /// What happened.
    pub body: EventBody,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    /// The disagreement was raised. Always the first event.
    Raised(Box<Raised>),
    /// A discussion was recorded.
    DiscussionRecorded {
        /// The stage it belongs to.
        stage: StageNumber,
        /// The record.
        record: DiscussionRecord,
    },
    /// A discussion record was formally approved (Sutton §7b).
    DiscussionApproved {
        /// The discussion's event number.
        discussion: Sequence,
        /// The date of approval.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        approved_on: Date,
    },
    /// An action was agreed.
    ActionAgreed {
        /// The stage it was agreed at.
        stage: StageNumber,
        /// The action.
        details: ActionDetails,
    },
    /// An action was done.
    ActionCompleted {
        /// The action's event number.
        action: Sequence,
        /// What was done.
        note: Option<Text>,
    },
    /// A form was submitted.
    FormSubmitted {
        /// The form.
        form: FormId,
        /// The stage it was submitted at.
        stage: StageNumber,
        /// The answers.
        values: FormValues,
    },
    /// The case moved up a stage. The envelope's actor decided it.
    Escalated {
        /// The stage left.
        from: StageNumber,
        /// The stage entered.
        to: StageNumber,
        /// Why.
        reason: Text,
        /// When the new stage is due, computed on the policy's calendar.
        due: Due,
        /// When the new stage's forms that carry a `within` are due.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        form_dues: Vec<FormDue>,
    },
    /// The leads decided to escalate, and the next stage waits for the
    /// forms it needs to be entered, each due by its `within` counted from
    /// this decision (Isle of Man Appendix 1: "If stages 1-3 have been
    /// exhausted ... the senior manager ... should notify the Director ...
    /// by completing the referral form ... within 5 working days"). The
    /// case enters the stage, with `Escalated`, when the last of them is
    /// submitted. The envelope's actor decided it.
    EscalationDecided {
        /// The stage whose end this marks.
        from: StageNumber,
        /// The stage it waits to enter.
        to: StageNumber,
        /// Why.
        reason: Text,
        /// When each awaited form is due.
        form_dues: Vec<FormDue>,
    },
    /// The current stage was given more time.
    DeadlineExtended {
        /// The stage.
        stage: StageNumber,
        /// How much more.
        by: Extension,
        /// Why.
        reason: Text,
        /// The new due.
        due: Due,
    },
    /// A deadline of the current stage passed: the stage's own, or one of
    /// its forms' (`form`).
    BreachRecorded {
        /// The stage.
        stage: StageNumber,
        /// The deadline that passed.
        due: Due,
        /// The form whose deadline it was; `None` for the stage's own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        form: Option<FormId>,
    },
    /// A Resolution Panel was convened.
    PanelConvened {
        /// The stage.
        stage: StageNumber,
        /// Its members.
        members: Vec<PanelSeat>,
        /// Why a disputing agency could not sit, where that was accepted.
        shortfall_reason: Option<Text>,
        /// The disputing agencies not on the panel, accepted "where
        /// possible" with the reason above: shown as a warning.
        absent_disputing_agencies: Vec<AgencyId>,
    },
    /// A representation was made to the panel.
    RepresentationRecorded {
        /// The stage.
        stage: StageNumber,
        /// The agency making it.
        agency: AgencyId,
        /// What it said.
        summary: Text,
    },
    /// An outcome was agreed or decided.
    Resolved {
        /// The stage it was resolved at.
        stage: StageNumber,
        /// How.
        route: ResolutionRoute,
        /// The agreed outcome.
        outcome: Text,
        /// How outstanding issues will be pursued.
        outstanding_issues: Text,
        /// Whether the decision is final (the Plymouth panel; Sutton's
        /// Independent Chair).
        final_decision: bool,
    },
    /// A party confirmed the outcome in writing.
    OutcomeConfirmed {
        /// The party.
        agency: AgencyId,
        /// The confirmation.
        statement: Text,
    },
    /// Learning was recorded.
    LearningRecorded {
        /// The theme.
        theme: ThemeId,
        /// The group it was forwarded to.
        forwarded_to: Option<GroupId>,
        /// The learning.
        note: Text,
    },
    /// An action was agreed to follow up learning.
    FollowUpAgreed {
        /// The learning's event number.
        learning: Sequence,
        /// Who will do what, by when.
        details: ActionDetails,
    },
    /// A learning follow-up was done.
    FollowUpCompleted {
        /// The follow-up's event number.
        follow_up: Sequence,
        /// What was done.
        note: Option<Text>,
    },
    /// The raising agency withdrew the disagreement. The case is closed.
    Withdrawn {
        /// The stage it was at.
        stage: StageNumber,
        /// Why.
        reason: Text,
    },
    /// The case was closed.
    Closed {
        /// The stage it closed at.
        stage: StageNumber,
        /// Closed by a final decision rather than after confirmation.
        by_final_decision: bool,
        /// Why each unconfirmed party's confirmation is missing.
        missing_confirmations: Vec<MissingConfirmation>,
    },
    /// A closed or withdrawn case was reopened at the stage it ended at.
    Reopened {
        /// The stage.
        stage: StageNumber,
        /// Why.
        reason: Text,
        /// When the reopened stage is due.
        due: Due,
        /// When the reopened stage's forms that carry a `within` are due.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        form_dues: Vec<FormDue>,
    },
    /// A subject's circumstances changed while the case was under way (the
    /// record was right until then; see `Corrected` for a record that was
    /// wrong).
    CircumstancesChanged {
        /// The stage the case was at.
        stage: StageNumber,
        /// The subject.
        subject: SubjectId,
        /// Subject to a Child Protection Plan from now on.
        child_protection_plan: bool,
        /// A Looked After Child from now on.
        looked_after: bool,
        /// At immediate risk of significant harm from now on.
        immediate_risk: bool,
        /// What changed, and when.
        reason: Text,
    },
    /// An earlier event was corrected.
    Corrected {
        /// The event corrected.
        corrects: Sequence,
        /// Why.
        reason: Text,
        /// What it should have said.
        amendment: Amendment,
    },
    /// Someone must be told something: the outbox row, written in the same
    /// append as the event that caused it (DESIGN.md §4).
    NotificationDue(Box<NotificationDue>),
    /// The holder of the role a stage names recorded whether they concur
    /// (Sutton §7c: the designated lead). The envelope's actor gave it.
    ConcurrenceRecorded {
        /// The stage.
        stage: StageNumber,
        /// Whether they concur.
        concurs: bool,
        /// Why.
        reason: Text,
    },
    /// The case's own timescale for the current stage was agreed (Sutton
    /// §5), shorter or longer than the policy's default.
    TimescaleAgreed {
        /// The stage.
        stage: StageNumber,
        /// The agreed length, counted from the stage's clock start.
        timescale: Extension,
        /// Why.
        reason: Text,
        /// The due it sets, computed on the policy's calendar.
        due: Due,
    },
    /// A piece of someone's open work was handed to someone else, because
    /// they left or can no longer do it (issue 13 §3). The envelope's
    /// actor is the administrator who did it.
    HandedOver {
        /// The piece.
        work: OpenWork,
        /// Who held it.
        from: PersonId,
        /// Who holds it now.
        to: PersonId,
        /// Their agency, as the directory held it then: an action or a
        /// panel seat is theirs there.
        agency: AgencyId,
        /// Why.
        reason: Text,
    },
    /// The case's personal data was erased (issue 17 §2): its data key was
    /// destroyed, so its events keep their shape (stages, dates, agencies
    /// and outcome) and nothing else. Says which rule erased it and when it
    /// fell due, and holds no personal data. Nothing follows it.
    Erased {
        /// The rule that erased it.
        rule: ErasureRule,
        /// The day it fell due under that rule.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        due_on: Date,
    },
}

/// What erased a case's personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErasureRule {
    /// The partnership's retention schedule: this many years after the
    /// case was closed or withdrawn.
    YearsAfterClosure {
        /// The years.
        years: u32,
    },
    /// The partnership's retention schedule: until the youngest subject's
    /// birthday of this age.
    UntilBirthday {
        /// The age.
        age: u32,
    },
    /// The partnership team's instruction before the schedule's time, such
    /// as a request to erase that was upheld (UK GDPR Article 17).
    Instruction,
}

impl std::fmt::Display for ErasureRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErasureRule::YearsAfterClosure { years: 1 } => f.write_str("1 year after closure"),
            ErasureRule::YearsAfterClosure { years } => write!(f, "{years} years after closure"),
            ErasureRule::UntilBirthday { age } => {
                write!(f, "until the youngest subject's {age}th birthday")
            }
            ErasureRule::Instruction => f.write_str("the partnership team's instruction"),
        }
    }
}

/// The raise: the disagreement as first put on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Raised {
    /// The policy it is bound to.
    pub policy: PolicyId,
    /// The policy version it is bound to.
    pub policy_version: u32,
    /// The track.
    pub track: TrackId,
    /// The area of disagreement.
    pub area: AreaId,
    /// The agency whose decision is disputed.
    pub other_agency: AgencyId,
    /// The professional there, where known.
    pub other_professional: Option<PersonId>,
    /// Whom it is about.
    pub subjects: Vec<Subject>,
    /// What is disputed, the evidence and the outcome sought.
    pub concern: Concern,
    /// The stage it starts at.
    pub stage: StageNumber,
    /// Why it starts above the first stage, for immediate risk.
    pub later_start_reason: Option<Text>,
    /// When the starting stage is due.
    pub due: Due,
    /// When the starting stage's forms that carry a `within` are due.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub form_dues: Vec<FormDue>,
}

/// A deadline a stage sets for one of its forms, where the document times
/// the form rather than the stage (Isle of Man Appendix 1: the referral form
/// "within 5 working days"). Computed on entry and written into the event,
/// like the stage's own due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormDue {
    /// The form.
    pub form: FormId,
    /// When it is due.
    pub due: Due,
}

/// A notification the storage layer must deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationDue {
    /// Whom to tell: resolved to people outside this crate.
    pub to: RoleRef,
    /// What caused it.
    pub occasion: Occasion,
    /// The stage the case was at (or entered).
    pub stage: StageNumber,
    /// What they are told.
    pub message: String,
    /// The policy section that requires it.
    pub section: String,
    /// Forms to send with it.
    pub attach: Vec<Attachment>,
    /// The event that caused it.
    pub cause: Sequence,
}

/// A form sent with a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// The form.
    pub form: FormId,
    /// The submission to send: the latest when the notification was due;
    /// `None` if the form had not been submitted.
    pub submission: Option<Sequence>,
}

/// What caused a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Occasion {
    /// The disagreement was raised: the other side hears what is disputed,
    /// what the stage asks of them and by when (issue 12 §7).
    Raised,
    /// The case entered the stage (or a correction made an entry condition
    /// of it, or of a stage the case was at before, hold).
    StageEntry,
    /// The case left the stage by escalation.
    StageExit,
    /// The case was resolved at the stage.
    Resolved,
    /// The case was closed or withdrawn at the stage.
    Closed,
    /// The stage's deadline passed.
    Breach,
    /// The case was raised with a subject at immediate risk.
    ImmediateRisk,
    /// A form was submitted to the people who receive it.
    FormSubmitted,
    /// A form was completed and goes back to whoever it returns to
    /// (Isle of Man: "returned back to the responsible agency").
    FormReturned,
    /// A subject's circumstances changed so that the condition of an entry
    /// notification of a stage the case has been at now holds (Havering
    /// §2.5: a child who becomes Looked After or gets a Child Protection
    /// Plan, and the IRO "must also be notified").
    CircumstancesChanged,
    /// The outcome is fed back (Plymouth: "Designated lead … feeds back to
    /// professionals with original concerns").
    OutcomeFeedback,
}

impl EventBody {
    /// The stable snake_case name, as serialised in `type`.
    pub fn name(&self) -> &'static str {
        match self {
            EventBody::Raised(_) => "raised",
            EventBody::DiscussionRecorded { .. } => "discussion_recorded",
            EventBody::DiscussionApproved { .. } => "discussion_approved",
            EventBody::ActionAgreed { .. } => "action_agreed",
            EventBody::ActionCompleted { .. } => "action_completed",
            EventBody::FollowUpAgreed { .. } => "follow_up_agreed",
            EventBody::FollowUpCompleted { .. } => "follow_up_completed",
            EventBody::FormSubmitted { .. } => "form_submitted",
            EventBody::Escalated { .. } => "escalated",
            EventBody::EscalationDecided { .. } => "escalation_decided",
            EventBody::DeadlineExtended { .. } => "deadline_extended",
            EventBody::BreachRecorded { .. } => "breach_recorded",
            EventBody::PanelConvened { .. } => "panel_convened",
            EventBody::RepresentationRecorded { .. } => "representation_recorded",
            EventBody::Resolved { .. } => "resolved",
            EventBody::OutcomeConfirmed { .. } => "outcome_confirmed",
            EventBody::LearningRecorded { .. } => "learning_recorded",
            EventBody::Withdrawn { .. } => "withdrawn",
            EventBody::Closed { .. } => "closed",
            EventBody::Reopened { .. } => "reopened",
            EventBody::CircumstancesChanged { .. } => "circumstances_changed",
            EventBody::Corrected { .. } => "corrected",
            EventBody::NotificationDue(_) => "notification_due",
            EventBody::ConcurrenceRecorded { .. } => "concurrence_recorded",
            EventBody::TimescaleAgreed { .. } => "timescale_agreed",
            EventBody::HandedOver { .. } => "handed_over",
            EventBody::Erased { .. } => "erased",
        }
    }
}
