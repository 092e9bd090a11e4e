//! What people ask of a case. Each command is checked against the policy
//! version the case was raised under and either becomes events or a
//! [`Refusal`](crate::Refusal) naming the rule.

use accord_policy::{
    AreaId, FormId, GroupId, ResolutionRoute, SignpostId, StageNumber, ThemeId, TrackId,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{
    ActionDetails, AgencyId, Amendment, CaseId, Concern, DiscussionRecord, Extension, FormValues,
    MissingConfirmation, OpenWork, PanelSeat, PersonId, Sequence, Subject, SubjectId, Text,
};

/// Raising a disagreement: the first command of every case. The person
/// raising it is the [`Context`](crate::Context)'s actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Raise {
    /// The id the storage layer issued for the new case.
    pub case: CaseId,
    /// The track; the policy's first track when `None`.
    pub track: Option<TrackId>,
    /// The area of disagreement, from the policy's list.
    pub area: AreaId,
    /// The signpost the raiser's answers matched, if any. A concern
    /// outside the procedure is never a case: the raise is refused with
    /// where to take it instead (DESIGN.md §5; IOM-3). A signpost that is
    /// advice only never refuses it (Sutton §1).
    pub signpost: Option<SignpostId>,
    /// The agency whose decision, action or inaction is disputed.
    pub other_agency: AgencyId,
    /// The professional in that agency, where known.
    pub other_professional: Option<PersonId>,
    /// The children or adults at risk it is about; empty for a strategic
    /// partnership issue (Sutton §6).
    pub subjects: Vec<Subject>,
    /// What is disputed, the evidence and the outcome sought.
    pub concern: Concern,
    /// Starting above the stage the case would start at (the track's first,
    /// or the area's entry stage, as Sutton §7b's assessment and care
    /// planning starts at Stage 2) because a subject is at immediate risk,
    /// where the track allows it (Plymouth: "discretion … as to which stage
    /// is initiated"). Never below the area's entry stage.
    pub start_at: Option<LaterStart>,
    /// Forms submitted with the raise, such as a stage's entry form.
    pub forms: Vec<(FormId, FormValues)>,
}

/// Entering a track above its starting stage for immediate risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaterStart {
    /// The stage to start at.
    pub stage: StageNumber,
    /// Why the lower stages are passed over.
    pub reason: Text,
}

/// Everything that can be asked of a raised case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Record a discussion at the current stage.
    RecordDiscussion {
        /// The record.
        record: DiscussionRecord,
    },
    /// Formally approve a discussion record (Sutton §7b).
    ApproveDiscussion {
        /// The discussion's event number.
        discussion: Sequence,
        /// The date of approval, entered on the record.
        approved_on: Date,
    },
    /// Agree an action: who will do what by when.
    AgreeAction {
        /// The action.
        details: ActionDetails,
    },
    /// Mark an agreed action done.
    CompleteAction {
        /// The action's event number.
        action: Sequence,
        /// What was done, if worth saying.
        note: Option<Text>,
    },
    /// Submit a form (or a later, fuller version of it).
    SubmitForm {
        /// The policy's form.
        form: FormId,
        /// The answers.
        values: FormValues,
    },
    /// Move up one stage. The actor is who decided; `reason` is why.
    Escalate {
        /// The stage to move to: always the next one, named so that a
        /// stale screen cannot escalate twice.
        to: StageNumber,
        /// Why the stage could not resolve it.
        reason: Text,
    },
    /// Give the current stage more time, with a reason (DESIGN.md §3).
    ExtendDeadline {
        /// How much more.
        by: Extension,
        /// Why.
        reason: Text,
    },
    /// Record that a deadline of the current stage has passed: the stage's
    /// own, or that of a form it needs and has not had (Isle of Man Stage
    /// Four's referral form), whichever passed first and is not yet on
    /// record. The stage's breach notifications fire either way.
    RecordBreach,
    /// Convene a Resolution Panel at the current stage.
    ConvenePanel {
        /// Its members.
        members: Vec<PanelSeat>,
        /// Why a disputing agency could not sit, where the policy asks for
        /// them only "where possible" (Plymouth Stage Five).
        shortfall_reason: Option<Text>,
    },
    /// Record a representation made to the panel.
    RecordRepresentation {
        /// The agency making it.
        agency: AgencyId,
        /// What it said.
        summary: Text,
    },
    /// Record the agreed outcome at the current stage.
    Resolve {
        /// How it was reached: agreement, a decision, or a panel.
        route: ResolutionRoute,
        /// The agreed outcome.
        outcome: Text,
        /// How any outstanding issues will be pursued.
        outstanding_issues: Text,
    },
    /// The actor's agency confirms the outcome in writing.
    ConfirmOutcome {
        /// The confirmation, or a reference to where it is kept.
        statement: Text,
    },
    /// Record learning from the disagreement.
    RecordLearning {
        /// The policy's theme.
        theme: ThemeId,
        /// The group it was forwarded to: an id of the policy's
        /// `learning.forward_to`.
        forwarded_to: Option<GroupId>,
        /// The learning.
        note: Text,
    },
    /// Agree an action to follow up learning recorded on the case: who will
    /// do what, by when. The owner may be anyone working in the
    /// partnership, such as a subgroup's chair.
    AgreeFollowUp {
        /// The learning's event number.
        learning: Sequence,
        /// Who will do what, by when.
        details: ActionDetails,
    },
    /// Mark a learning follow-up done.
    CompleteFollowUp {
        /// The follow-up's event number.
        follow_up: Sequence,
        /// What was done.
        note: Option<Text>,
    },
    /// The raising agency withdraws the disagreement.
    Withdraw {
        /// Why.
        reason: Text,
    },
    /// Close a resolved case.
    Close {
        /// Why each unconfirmed party's confirmation is missing.
        missing_confirmations: Vec<MissingConfirmation>,
    },
    /// Reopen a closed or withdrawn case at the stage it ended at.
    Reopen {
        /// Why.
        reason: Text,
    },
    /// Record that a subject's circumstances have changed since the case
    /// was raised: a child becomes Looked After or subject to a Child
    /// Protection Plan, or comes to be at immediate risk of significant
    /// harm (or stops being so). Not a correction: the record was right
    /// then, and is kept. A stage notification whose condition newly holds
    /// fires (Havering §2.5: the IRO "must also be notified"), and immediate
    /// risk arising tells whom the policy names at once.
    RecordChangeOfCircumstances {
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
    },
    /// Correct an earlier event by adding a new one.
    Correct {
        /// The event corrected.
        corrects: Sequence,
        /// Why.
        reason: Text,
        /// What it should have said.
        amendment: Amendment,
    },
    /// Record whether the holder of the role the current stage names
    /// concurs with the concerns raised (Sutton §7c: "If the designated
    /// lead concurs with the concerns of the professional, the Children's
    /// social care safeguarding manager should be informed in writing").
    /// Only a holder of that role records it, before the move it allows.
    RecordConcurrence {
        /// Whether they concur.
        concurs: bool,
        /// Why, in their words.
        reason: Text,
    },
    /// Agree the case's own timescale for the current stage, counted from
    /// when the stage's clock started: shorter or longer than the policy's
    /// default, with a reason (Sutton §5: the referral form agrees "the
    /// timescale given the specific circumstances of each case"). Only
    /// where the stage allows it, and never a deadline already past.
    AgreeTimescale {
        /// The agreed length, at most a year.
        timescale: Extension,
        /// Why, such as where it was agreed.
        reason: Text,
    },
    /// Hand a piece of a leaver's open work on the case to someone else
    /// (issue 13 §3). Only an administrator does it, and `to` must be
    /// working now, of the agency the piece belongs to, and able to do it
    /// (a panel seat goes to someone the panel rule seats).
    HandOver {
        /// Who held it: usually someone whose account is disabled.
        from: PersonId,
        /// Who takes it on.
        to: PersonId,
        /// The piece.
        work: OpenWork,
        /// Why, such as "left the service on 31 March".
        reason: Text,
    },
}

impl Command {
    /// Everyone the command names, each with the request field that names
    /// them: a discussion's participants, an action's owner, a panel's
    /// seats, and the same in a correction. The caller looks each up in the
    /// directory and passes what it says in the [`Context`](crate::Context),
    /// so that the engine checks the roles, agencies and standing the
    /// directory gives them rather than those the command claims.
    pub fn people_named(&self) -> Vec<(String, &PersonId)> {
        fn participants<'c>(
            field: &str,
            record: &'c DiscussionRecord,
        ) -> impl Iterator<Item = (String, &'c PersonId)> {
            record
                .participants
                .iter()
                .enumerate()
                .map(move |(i, p)| (format!("{field}.participants[{i}].person"), &p.person))
        }
        match self {
            Command::RecordDiscussion { record } => participants("record", record).collect(),
            Command::AgreeAction { details } | Command::AgreeFollowUp { details, .. } => {
                vec![("details.who".to_owned(), &details.who)]
            }
            Command::HandOver { to, .. } => vec![("to".to_owned(), to)],
            Command::ConvenePanel { members, .. } => members
                .iter()
                .enumerate()
                .map(|(i, m)| (format!("members[{i}].person"), &m.person))
                .collect(),
            Command::Correct { amendment, .. } => match amendment {
                Amendment::Discussion { record } => {
                    participants("amendment.record", record).collect()
                }
                Amendment::Action { details } => {
                    vec![("amendment.details.who".to_owned(), &details.who)]
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}
