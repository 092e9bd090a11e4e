//! Why a command was refused: one variant per rule, each naming the
//! document section it comes from and saying, in plain English, what to do.

use accord_policy::{FormId, StageNumber};
use jiff::Timestamp;
use serde::Serialize;

use crate::{AgencyId, FieldProblem, FieldRef, PersonId, Sequence, SubjectId};

/// Rules from DESIGN.md rather than from a policy document.
pub(crate) mod design {
    /// Concepts: a case "stays bound to the policy version it was raised
    /// under"; what a discussion record holds.
    pub const CONCEPTS: &str = "DESIGN.md §2";
    /// Calendars, extensions, reminders and breaches.
    pub const TIME: &str = "DESIGN.md §3";
    /// The append-only record: corrections, closure.
    pub const RECORD: &str = "DESIGN.md §4";
    /// The rules the engine enforces.
    pub const RULES: &str = "DESIGN.md §5";
}

/// A command the case's policy does not allow, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Refusal {
    /// The policy passed in is not the version the case was raised under.
    #[error(
        "this case is bound to {case_policy} version {case_version}, not {given_policy} version {given_version}: load the version it was raised under"
    )]
    PolicyMismatch {
        /// The case's policy.
        case_policy: String,
        /// The case's policy version.
        case_version: u32,
        /// The policy given.
        given_policy: String,
        /// The version given.
        given_version: u32,
        /// Where the rule is.
        section: String,
    },
    /// The calendar passed in is not the policy's.
    #[error(
        "deadlines for this policy are counted on the `{policy_calendar}` calendar, not `{given}`: pass the policy's calendar"
    )]
    CalendarMismatch {
        /// The policy's calendar.
        policy_calendar: String,
        /// The calendar given.
        given: String,
        /// Where the rule is.
        section: String,
    },
    /// The policy has no such track.
    #[error("this policy has no `{track}` track: choose one of its tracks")]
    UnknownTrack {
        /// The track asked for.
        track: String,
        /// Where the rule is.
        section: String,
    },
    /// The concern is outside the procedure and is never a case.
    #[error("{concern} is outside this procedure: take it to {go_to}")]
    OutOfScope {
        /// The kind of concern.
        concern: String,
        /// Where to take it.
        go_to: String,
        /// Where the rule is.
        section: String,
    },
    /// The raiser named an out-of-scope kind this policy does not list.
    #[error(
        "this policy lists no out-of-scope concern `{signpost}`: answer the screening questions again"
    )]
    UnknownSignpost {
        /// The id given.
        signpost: String,
        /// Where the rule is.
        section: String,
    },
    /// The disagreement names the raiser's own agency.
    #[error(
        "a disagreement is with another agency; a concern about your own organisation goes to its whistleblowing procedure"
    )]
    OwnAgency {
        /// Where the rule is.
        section: String,
    },
    /// The area is not one the policy lists for the track.
    #[error(
        "`{area}` is not an area of disagreement on the `{track}` track: choose one the policy lists"
    )]
    NotAPolicyArea {
        /// The area given.
        area: String,
        /// The track.
        track: String,
        /// Where the rule is.
        section: String,
    },
    /// The policy does not cover this kind of subject.
    #[error("this policy covers {covered} only, not a {kind}: use the procedure that covers them")]
    SubjectKindNotCovered {
        /// The kind given.
        kind: String,
        /// The kinds the policy covers.
        covered: String,
        /// Where the rule is.
        section: String,
    },
    /// Starting above the stage a disagreement starts at (the track's
    /// first, or the area's entry stage) without a subject at immediate risk.
    #[error(
        "a disagreement starts at the first stage for its area unless a subject is at immediate risk of significant harm: flag the risk or start at that stage"
    )]
    LaterStartNeedsImmediateRisk {
        /// Where the rule is.
        section: String,
    },
    /// A later start below the stage the area of disagreement starts at.
    #[error(
        "a disagreement about `{area}` starts at Stage {entry}, not Stage {stage}: raise it at Stage {entry}"
    )]
    BelowEntryStage {
        /// The stage asked for.
        stage: StageNumber,
        /// The area's entry stage.
        entry: StageNumber,
        /// The area of disagreement.
        area: String,
        /// Where the rule is: the entry stage's section.
        section: String,
    },
    /// The track does not allow starting at that stage.
    #[error(
        "this track does not allow starting at Stage {stage} for immediate risk{}: expedite from Stage {first} instead",
        allowed_words(allowed)
    )]
    ImmediateRiskEntryNotAllowed {
        /// The stage asked for.
        stage: StageNumber,
        /// The stages the track allows.
        allowed: Vec<StageNumber>,
        /// The stage it would start at: the track's first, or the area's
        /// entry stage.
        first: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// The case is closed: only an explicit reopening changes it.
    #[error("this case is closed: reopen it, with a reason, before changing it")]
    CaseClosed {
        /// Where the rule is.
        section: String,
    },
    /// The case's personal data was erased: nothing more is recorded on it.
    #[error(
        "this case's personal data was erased, so nothing more can be recorded on it: raise a new disagreement if there is more to do"
    )]
    CaseErased {
        /// Where the rule is.
        section: String,
    },
    /// The case has been resolved; it awaits confirmation and closure.
    #[error(
        "this case was resolved at Stage {stage}: confirm the outcome and close it, or close and reopen it"
    )]
    AlreadyResolved {
        /// The stage it was resolved at.
        stage: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// The case has not been resolved yet.
    #[error("this case has not been resolved yet: record the agreed outcome first, or withdraw it")]
    NotYetResolved {
        /// Where the rule is.
        section: String,
    },
    /// Escalation must go one stage at a time.
    #[error("the case is at Stage {from}: escalate to Stage {next} first; stages are not skipped")]
    StageSkip {
        /// The current stage.
        from: StageNumber,
        /// The stage asked for.
        to: StageNumber,
        /// The next stage.
        next: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// Stages never move backwards.
    #[error("the case is already at Stage {from}; a case never goes back to Stage {to}")]
    StageBackwards {
        /// The current stage.
        from: StageNumber,
        /// The stage asked for.
        to: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// There is no stage above this one.
    #[error("Stage {stage} is the last stage of this track: resolve the disagreement here")]
    NoFurtherStage {
        /// The current stage.
        stage: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// A record the stage requires is missing.
    #[error("{description} It is needed before the case can move on")]
    RequirementUnmet {
        /// The rule, in the policy's words.
        description: String,
        /// Where the rule is.
        section: String,
    },
    /// The policy has no such form.
    #[error("this policy has no form `{form}`")]
    UnknownForm {
        /// The form given.
        form: FormId,
        /// Where the rule is.
        section: String,
    },
    /// A form needed for the move has not been submitted.
    #[error("submit the {title} first: Stage {stage} needs it")]
    FormNotSubmitted {
        /// The form.
        form: FormId,
        /// Its title.
        title: String,
        /// The stage that needs it.
        stage: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// A form is missing answers it needs.
    #[error(
        "the {title} is missing: {}; fill them in and submit it again",
        labels(missing_fields)
    )]
    FormIncomplete {
        /// The form.
        form: FormId,
        /// Its title.
        title: String,
        /// The unanswered fields.
        missing_fields: Vec<FieldRef>,
        /// Where the rule is.
        section: String,
    },
    /// Answers that do not fit the form.
    #[error("some answers on the {title} do not fit: {}", problem_words(problems))]
    FormInvalid {
        /// The form.
        form: FormId,
        /// Its title.
        title: String,
        /// What is wrong.
        problems: Vec<FieldProblem>,
        /// Where the rule is.
        section: String,
    },
    /// Only a manager or above may do this.
    #[error("only a manager or someone more senior may do this; you are recorded as `{tier}`")]
    NotAManager {
        /// The actor's tier.
        tier: String,
        /// Where the rule is.
        section: String,
    },
    /// The stage has no deadline to extend or breach.
    #[error(
        "Stage {stage} has no fixed timescale (\"as soon as possible\"): there is no deadline to extend or breach"
    )]
    NoDeadline {
        /// The stage.
        stage: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// An extension longer than a year.
    #[error(
        "an extension of more than a year is a pause, not more time: give at most {} working days, {} calendar days or {} hours, and extend again later if need be",
        crate::Extension::MAX_WORKING_DAYS,
        crate::Extension::MAX_CALENDAR_DAYS,
        crate::Extension::MAX_HOURS
    )]
    ExtensionTooLong {
        /// Where the rule is.
        section: String,
    },
    /// The deadline has not passed.
    #[error("the deadline {due} has not passed yet")]
    NotOverdue {
        /// The deadline.
        due: Timestamp,
        /// Where the rule is.
        section: String,
    },
    /// This deadline's breach is already on the record.
    #[error("the breach of this deadline is already recorded")]
    BreachAlreadyRecorded {
        /// Where the rule is.
        section: String,
    },
    /// The stage has no Resolution Panel.
    #[error("Stage {stage} has no Resolution Panel: resolve it as the policy says")]
    NoPanelAtThisStage {
        /// The stage.
        stage: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// Only a holder of a role the stage names as its decider may decide,
    /// convene a panel or arbitrate; a tier is never a stand-in for the
    /// role (DESIGN.md §2).
    #[error(
        "only the {} may do this at this stage: ask them to record it, or ask the partnership's administrator to add the role to your account if you hold it",
        deciders.join(" or the ")
    )]
    NotTheDecider {
        /// The roles that decide, as the document names them.
        deciders: Vec<String>,
        /// Where the rule is.
        section: String,
    },
    /// Only the Resolution Panel decides, and only a holder of a role the
    /// policy names for the panel records its decision.
    #[error(
        "only the Resolution Panel decides, and its decision is recorded by the {}: ask them to record it",
        recorders.join(" or the ")
    )]
    NotThePanelsRecorder {
        /// The roles that record the panel's decision, as the document
        /// names them.
        recorders: Vec<String>,
        /// Where the rule is.
        section: String,
    },
    /// The decider must come from an agency not in dispute.
    #[error(
        "this stage is decided by someone from an agency not involved in the disagreement: ask the chair to identify one"
    )]
    DeciderNotUninvolved {
        /// Where the rule is.
        section: String,
    },
    /// The stage's chair must come from an agency not in dispute.
    #[error(
        "this stage's meeting is chaired by someone from an agency not involved in the disagreement, and {agency} is a party to it: ask the partnership's chair to identify a member from an uninvolved agency to chair it"
    )]
    ChairNotUninvolved {
        /// The disputing agency the chair was recorded from.
        agency: AgencyId,
        /// Where the rule is.
        section: String,
    },
    /// The panel has too few agencies.
    #[error(
        "a Resolution Panel needs at least {required} agencies; this one has {got}: add members from more agencies"
    )]
    PanelTooSmall {
        /// The fewest agencies allowed.
        required: u8,
        /// The agencies on it.
        got: u8,
        /// Where the rule is.
        section: String,
    },
    /// A disputing agency must sit on the panel.
    #[error(
        "the agencies in dispute must sit on the Resolution Panel; missing: {}",
        agencies(missing)
    )]
    PanelLacksDisputingAgencies {
        /// The disputing agencies not on it.
        missing: Vec<AgencyId>,
        /// Where the rule is.
        section: String,
    },
    /// A disputing agency is missing "where possible": say why.
    #[error(
        "the agencies in dispute should sit on the panel where possible; missing: {}: record why they could not",
        agencies(missing)
    )]
    PanelShortfallNeedsReason {
        /// The disputing agencies not on it.
        missing: Vec<AgencyId>,
        /// Where the rule is.
        section: String,
    },
    /// No panel has been convened at this stage.
    #[error("no Resolution Panel has been convened at this stage: convene one first")]
    PanelNotConvened {
        /// Where the rule is.
        section: String,
    },
    /// The panel has not heard every side.
    #[error(
        "the panel has not yet heard representations from: {}",
        agencies(missing)
    )]
    RepresentationsNotHeard {
        /// The disputing agencies not yet heard.
        missing: Vec<AgencyId>,
        /// Where the rule is.
        section: String,
    },
    /// The stage cannot be resolved this way.
    #[error("this stage is resolved by {}, not by {route}", allowed.join(" or "))]
    RouteNotAllowed {
        /// The route asked for.
        route: String,
        /// The routes allowed.
        allowed: Vec<String>,
        /// Where the rule is.
        section: String,
    },
    /// The actor's agency is not a party to the disagreement.
    #[error("{agency} is not a party to this disagreement")]
    NotAParty {
        /// The agency.
        agency: AgencyId,
        /// Where the rule is.
        section: String,
    },
    /// The party has already confirmed the outcome.
    #[error("{agency} has already confirmed the outcome")]
    AlreadyConfirmed {
        /// The agency.
        agency: AgencyId,
        /// Where the rule is.
        section: String,
    },
    /// Parties have not confirmed and no reason is recorded.
    #[error(
        "each party confirms the outcome in writing; not yet: {}: record their confirmation or why it is missing",
        agencies(parties)
    )]
    ConfirmationsMissing {
        /// The parties.
        parties: Vec<AgencyId>,
        /// Where the rule is.
        section: String,
    },
    /// The policy has no such learning theme.
    #[error("`{theme}` is not one of this policy's learning themes")]
    UnknownTheme {
        /// The theme given.
        theme: String,
        /// Where the rule is.
        section: String,
    },
    /// Learning goes where the policy says.
    #[error("learning is forwarded to {}, not {given:?}", allowed.join(" or "))]
    NotALearningDestination {
        /// What was given.
        given: String,
        /// Where the policy forwards learning.
        allowed: Vec<String>,
        /// Where the rule is.
        section: String,
    },
    /// Only the raising agency may withdraw.
    #[error("only the agency that raised the disagreement may withdraw it")]
    NotRaisingAgency {
        /// Where the rule is.
        section: String,
    },
    /// The case is not closed.
    #[error("this case is not closed, so there is nothing to reopen")]
    NotClosed {
        /// Where the rule is.
        section: String,
    },
    /// A final decision is not reopened.
    #[error("this case was closed by a final decision, which stands")]
    FinalDecisionStands {
        /// Where the rule is.
        section: String,
    },
    /// No event at that position is a discussion.
    #[error("event {sequence} is not a discussion on this case")]
    NoSuchDiscussion {
        /// The position given.
        sequence: Sequence,
        /// Where the rule is.
        section: String,
    },
    /// The discussion was already approved.
    #[error("discussion {sequence} is already approved")]
    AlreadyApproved {
        /// The discussion.
        sequence: Sequence,
        /// Where the rule is.
        section: String,
    },
    /// No event at that position is an action.
    #[error("event {sequence} is not an action on this case")]
    NoSuchAction {
        /// The position given.
        sequence: Sequence,
        /// Where the rule is.
        section: String,
    },
    /// No event at that position is learning.
    #[error("event {sequence} is not learning recorded on this case")]
    NoSuchLearning {
        /// The position given.
        sequence: Sequence,
        /// Where the rule is.
        section: String,
    },
    /// No event at that position is a learning follow-up.
    #[error("event {sequence} is not a learning follow-up on this case")]
    NoSuchFollowUp {
        /// The position given.
        sequence: Sequence,
        /// Where the rule is.
        section: String,
    },
    /// Administrators keep the partnership running and take no part in
    /// cases.
    #[error(
        "{person} is an administrator, who takes no part in cases: give it to someone working in the partnership"
    )]
    AdministratorTakesNoPart {
        /// The request field that names them.
        field: String,
        /// Who was named.
        person: PersonId,
        /// Where the rule is.
        section: String,
    },
    /// The action was already completed.
    #[error("action {sequence} is already complete")]
    AlreadyCompleted {
        /// The action.
        sequence: Sequence,
        /// Where the rule is.
        section: String,
    },
    /// No such event on this case.
    #[error("this case has no event {sequence}")]
    NoSuchEvent {
        /// The position given.
        sequence: Sequence,
        /// Where the rule is.
        section: String,
    },
    /// The correction does not fit the event it names.
    #[error("event {corrects} is not something this correction can amend: {hint}")]
    CorrectionDoesNotFit {
        /// The event named.
        corrects: Sequence,
        /// What would fit.
        hint: String,
        /// Where the rule is.
        section: String,
    },
    /// A discussion needs someone who took part.
    #[error("say who took part in the discussion")]
    NoParticipants {
        /// Where the rule is.
        section: String,
    },
    /// A date outside the range a case may hold (`crate::dates`).
    #[error("`{field}`: {problem}")]
    DateOutOfRange {
        /// The request field, such as `record.held_at`.
        field: String,
        /// What is wrong, and the range.
        problem: String,
        /// Where the rule is.
        section: String,
    },
    /// A discussion is recorded after it happens.
    #[error("a discussion is recorded after it takes place, not before")]
    DiscussionInFuture {
        /// Where the rule is.
        section: String,
    },
    /// No subject of the case has that id.
    #[error("this case is about no subject `{subject}`: choose one of the case's subjects")]
    NoSuchSubject {
        /// The id given.
        subject: SubjectId,
        /// Where the rule is.
        section: String,
    },
    /// A change of circumstances that changes nothing.
    #[error(
        "the record already shows these circumstances for `{subject}`: record only what has changed"
    )]
    CircumstancesUnchanged {
        /// The subject.
        subject: SubjectId,
        /// Where the rule is.
        section: String,
    },
    /// A panel needs members.
    #[error("name the members of the Resolution Panel")]
    NoPanelMembers {
        /// Where the rule is.
        section: String,
    },
    /// The command names someone the directory was not asked about, or
    /// who is not in it.
    #[error(
        "`{field}`: there is nobody `{person}` in the partnership's directory: choose someone from its people"
    )]
    UnknownPerson {
        /// The request field that names them.
        field: String,
        /// Who was named.
        person: PersonId,
        /// Where the rule is.
        section: String,
    },
    /// Someone named with an agency that is not theirs.
    #[error("`{field}`: `{person}` works for `{works_for}`: name their own agency")]
    NotTheirAgency {
        /// The request field that names them.
        field: String,
        /// Who was named.
        person: PersonId,
        /// Their agency, as the directory holds it.
        works_for: AgencyId,
        /// Where the rule is.
        section: String,
    },
    /// A participant recorded in a role they do not hold (issue 12 §2: "A
    /// participant's role must be one they hold").
    #[error(
        "`{field}`: they do not hold the role `{role}`: record the role they took part in, which is one the directory gives them ({held})"
    )]
    RoleNotHeld {
        /// The request field that names the role.
        field: String,
        /// The role claimed.
        role: String,
        /// The roles they do hold.
        held: String,
        /// Where the rule is.
        section: String,
    },
    /// A discussion dated before the disagreement was raised.
    #[error(
        "the discussion is dated before the disagreement was raised: record discussions held since it was raised, and put anything earlier in the concern's evidence"
    )]
    DiscussionBeforeRaised {
        /// Where the rule is.
        section: String,
    },
    /// A new action due before today.
    #[error("an action cannot be due before today ({today}): give the date it will be done by")]
    ActionDueInPast {
        /// Today, where the partnership is.
        today: jiff::civil::Date,
        /// Where the rule is.
        section: String,
    },
    /// An action given to someone whose account is disabled.
    #[error(
        "`{field}`: `{person}` can no longer sign in, so cannot do the action: give it to someone working now"
    )]
    ActionOwnerInactive {
        /// The request field that names them.
        field: String,
        /// Who was named.
        person: PersonId,
        /// Where the rule is.
        section: String,
    },
    /// An action given to someone outside the case.
    #[error(
        "`{field}`: `{person}` works for neither agency in this disagreement nor the partnership's team: give the action to someone in {}",
        agencies(parties)
    )]
    ActionOwnerNotInvolved {
        /// The request field that names them.
        field: String,
        /// Who was named.
        person: PersonId,
        /// The agencies in dispute.
        parties: Vec<AgencyId>,
        /// Where the rule is.
        section: String,
    },
    /// A panel seat given to someone whose account is disabled.
    #[error(
        "`{field}`: `{person}` can no longer sign in, so cannot sit on the Resolution Panel: choose someone working now"
    )]
    SeatHolderInactive {
        /// The request field that names them.
        field: String,
        /// Who was named.
        person: PersonId,
        /// Where the rule is.
        section: String,
    },
    /// A panel seat given to someone the policy does not seat.
    #[error(
        "`{field}`: `{person}` cannot sit on the Resolution Panel: its seats are for {}",
        seats.join(" or ")
    )]
    NotAPanelSeat {
        /// The request field that names them.
        field: String,
        /// Who was named.
        person: PersonId,
        /// The roles the policy seats, by name.
        seats: Vec<String>,
        /// Where the rule is.
        section: String,
    },
    /// A case on a track about a child names none.
    #[error(
        "name the {kinds} this disagreement is about: a case on this track is about a named {kinds}"
    )]
    NoSubjects {
        /// Whom the policy covers, in words.
        kinds: String,
        /// Where the rule is.
        section: String,
    },
    /// The escalation is already decided and waits for the forms its stage
    /// needs to be entered (Isle of Man Appendix 1: the referral form).
    #[error(
        "the decision to escalate to Stage {stage} is already on record: submit the {}; the case enters Stage {stage} when it is submitted",
        forms.join(" and the ")
    )]
    EntryAwaitsForms {
        /// The stage waiting to be entered.
        stage: StageNumber,
        /// The titles of the forms still to come.
        forms: Vec<String>,
        /// Where the rule is.
        section: String,
    },
    /// Escalating straight to a later stage, passing over those between,
    /// without the answer on the entry form that allows it.
    #[error(
        "to escalate straight from Stage {from} to Stage {stage}, submit the {title} answering Yes to \"{question}\"; otherwise escalate to Stage {next}"
    )]
    DirectEntryNotJustified {
        /// The current stage.
        from: StageNumber,
        /// The stage asked for.
        stage: StageNumber,
        /// The next stage, one up.
        next: StageNumber,
        /// The entry form's title.
        title: String,
        /// The question that must be answered Yes.
        question: String,
        /// Where the rule is.
        section: String,
    },
    /// Only a holder of a role the stage names may record that it ended
    /// without agreement; a tier is never a stand-in for the role
    /// (DESIGN.md §2).
    #[error(
        "only the {} may record that this stage ended without agreement: ask them to record it, or ask the partnership's administrator to add the role to your account if you hold it",
        recorders.join(" or the ")
    )]
    NotWhoRecordsWithoutAgreement {
        /// The roles that record it, as the document names them.
        recorders: Vec<String>,
        /// Where the rule is.
        section: String,
    },
    /// Whoever records that the stage ended without agreement chairs its
    /// meeting, and must come from an agency not in dispute.
    #[error(
        "this stage's meeting is chaired, and its ending without agreement recorded, by someone from an agency not involved in the disagreement, and {agency} is a party to it: ask the chair from the uninvolved agency to record it"
    )]
    RecorderNotUninvolved {
        /// The actor's agency, a party to the disagreement.
        agency: AgencyId,
        /// Where the rule is.
        section: String,
    },
    /// Ending a stage without agreement needs the record of a discussion at
    /// it that ended without agreement.
    #[error(
        "no discussion at Stage {stage} is recorded as ending without agreement: record the meeting, saying it did not reach agreement, before recording that the stage ended without it"
    )]
    NoDisagreementRecorded {
        /// The stage.
        stage: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// Only a holder of the role a form's section names completes it.
    #[error(
        "only the {} completes \"{section_title}\" on the {title}: leave it for them, and submit the rest of the form",
        completers.join(" or the ")
    )]
    NotTheSectionsCompleter {
        /// The form.
        form: FormId,
        /// Its title.
        title: String,
        /// The section's heading.
        section_title: String,
        /// The roles that complete it, as the document names them.
        completers: Vec<String>,
        /// Where the rule is: the form's section of the document.
        section: String,
    },
    /// The stage asks nobody to concur.
    #[error("Stage {stage} asks for no one's concurrence: record a discussion instead")]
    NoConcurrenceAtThisStage {
        /// The stage.
        stage: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// Only a holder of the role the stage names concurs.
    #[error(
        "only the {}{} may record whether they concur: ask them to record it, or ask the partnership's administrator to add the role to your account if you hold it",
        concurring.join(" or the "),
        if *raising_agency_only { " of the agency that raised the disagreement" } else { "" }
    )]
    NotTheConcurringRole {
        /// The roles that concur, as the document names them.
        concurring: Vec<String>,
        /// Whether they must be of the raising agency.
        raising_agency_only: bool,
        /// Where the rule is.
        section: String,
    },
    /// The stage's timescale is the policy's, not one agreed per case.
    #[error(
        "Stage {stage}'s timescale is set by the policy and cannot be agreed for this case: record an extension, with its reason, if it needs longer"
    )]
    TimescaleNotAgreedHere {
        /// The stage.
        stage: StageNumber,
        /// Where the rule is.
        section: String,
    },
    /// An agreed timescale longer than a year.
    #[error(
        "a timescale of more than a year is a pause, not a timescale: agree at most {} working days, {} calendar days or {} hours",
        crate::Extension::MAX_WORKING_DAYS,
        crate::Extension::MAX_CALENDAR_DAYS,
        crate::Extension::MAX_HOURS
    )]
    AgreedTimescaleTooLong {
        /// Where the rule is.
        section: String,
    },
    /// An agreed timescale whose deadline has already passed.
    #[error(
        "counted from the start of the stage, that timescale ended at {due}, which has passed: agree a longer one, or record the breach"
    )]
    AgreedTimescalePassed {
        /// The deadline it would set.
        due: Timestamp,
        /// Where the rule is.
        section: String,
    },
    /// A handover asked by someone who does not keep the directory.
    #[error(
        "only an administrator hands a leaver's open work to someone else: ask your partnership's administrator"
    )]
    NotAnAdministrator {
        /// Where the rule is.
        section: String,
    },
    /// A handover of work the person does not hold on this case.
    #[error(
        "`{person}` holds no such open work on this case (it may be done, or handed over already): read the case's open work again"
    )]
    NoSuchOpenWork {
        /// Who was said to hold it.
        person: PersonId,
        /// Where the rule is.
        section: String,
    },
    /// A handover to the person who holds the work already.
    #[error("`{person}` holds this work already: hand it to someone else")]
    HandOverToSamePerson {
        /// Who was named.
        person: PersonId,
        /// Where the rule is.
        section: String,
    },
    /// Work handed to someone whose account is disabled.
    #[error(
        "`{field}`: `{person}` can no longer sign in, so cannot take this work on: choose someone working now"
    )]
    SuccessorInactive {
        /// The request field that names them.
        field: String,
        /// Who was named.
        person: PersonId,
        /// Where the rule is.
        section: String,
    },
    /// Work handed to an administrator, who takes no part in cases.
    #[error(
        "`{field}`: `{person}` is an administrator, and administrators take no part in cases: choose someone who works on them"
    )]
    SuccessorIsAdministrator {
        /// The request field that names them.
        field: String,
        /// Who was named.
        person: PersonId,
        /// Where the rule is.
        section: String,
    },
    /// Work handed to someone of another agency than the one it belongs to.
    #[error(
        "`to`: `{person}` works for `{works_for}`, but this work belongs to `{needed}`: choose someone there"
    )]
    SuccessorNotOfAgency {
        /// Who was named in `to`.
        person: PersonId,
        /// Their agency.
        works_for: AgencyId,
        /// The agency the work belongs to.
        needed: AgencyId,
        /// Where the rule is.
        section: String,
    },
}

fn allowed_words(allowed: &[StageNumber]) -> String {
    if allowed.is_empty() {
        String::new()
    } else {
        let stages: Vec<String> = allowed.iter().map(|s| format!("Stage {s}")).collect();
        format!(" (it allows {})", stages.join(", "))
    }
}

fn labels(fields: &[FieldRef]) -> String {
    fields
        .iter()
        .map(|f| f.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn problem_words(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field.label, p.problem))
        .collect::<Vec<_>>()
        .join("; ")
}

fn agencies(list: &[AgencyId]) -> String {
    list.iter()
        .map(AgencyId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Refusal {
    /// The document section (or DESIGN.md section) the rule comes from,
    /// such as "§2.12" or "DESIGN.md §3".
    pub fn section(&self) -> &str {
        match self {
            Refusal::PolicyMismatch { section, .. }
            | Refusal::CalendarMismatch { section, .. }
            | Refusal::UnknownTrack { section, .. }
            | Refusal::OutOfScope { section, .. }
            | Refusal::UnknownSignpost { section, .. }
            | Refusal::OwnAgency { section }
            | Refusal::NotAPolicyArea { section, .. }
            | Refusal::SubjectKindNotCovered { section, .. }
            | Refusal::LaterStartNeedsImmediateRisk { section }
            | Refusal::BelowEntryStage { section, .. }
            | Refusal::ImmediateRiskEntryNotAllowed { section, .. }
            | Refusal::CaseClosed { section }
            | Refusal::CaseErased { section }
            | Refusal::AlreadyResolved { section, .. }
            | Refusal::NotYetResolved { section }
            | Refusal::StageSkip { section, .. }
            | Refusal::StageBackwards { section, .. }
            | Refusal::NoFurtherStage { section, .. }
            | Refusal::RequirementUnmet { section, .. }
            | Refusal::UnknownForm { section, .. }
            | Refusal::FormNotSubmitted { section, .. }
            | Refusal::FormIncomplete { section, .. }
            | Refusal::FormInvalid { section, .. }
            | Refusal::NotAManager { section, .. }
            | Refusal::NoDeadline { section, .. }
            | Refusal::ExtensionTooLong { section }
            | Refusal::NotOverdue { section, .. }
            | Refusal::BreachAlreadyRecorded { section }
            | Refusal::NoPanelAtThisStage { section, .. }
            | Refusal::NotTheDecider { section, .. }
            | Refusal::NotThePanelsRecorder { section, .. }
            | Refusal::DeciderNotUninvolved { section }
            | Refusal::ChairNotUninvolved { section, .. }
            | Refusal::PanelTooSmall { section, .. }
            | Refusal::PanelLacksDisputingAgencies { section, .. }
            | Refusal::PanelShortfallNeedsReason { section, .. }
            | Refusal::PanelNotConvened { section }
            | Refusal::RepresentationsNotHeard { section, .. }
            | Refusal::RouteNotAllowed { section, .. }
            | Refusal::NotAParty { section, .. }
            | Refusal::AlreadyConfirmed { section, .. }
            | Refusal::ConfirmationsMissing { section, .. }
            | Refusal::UnknownTheme { section, .. }
            | Refusal::NotALearningDestination { section, .. }
            | Refusal::NotRaisingAgency { section }
            | Refusal::NotClosed { section }
            | Refusal::FinalDecisionStands { section }
            | Refusal::NoSuchDiscussion { section, .. }
            | Refusal::AlreadyApproved { section, .. }
            | Refusal::NoSuchAction { section, .. }
            | Refusal::NoSuchLearning { section, .. }
            | Refusal::NoSuchFollowUp { section, .. }
            | Refusal::AdministratorTakesNoPart { section, .. }
            | Refusal::AlreadyCompleted { section, .. }
            | Refusal::NoSuchEvent { section, .. }
            | Refusal::CorrectionDoesNotFit { section, .. }
            | Refusal::NoParticipants { section }
            | Refusal::DiscussionInFuture { section }
            | Refusal::DateOutOfRange { section, .. }
            | Refusal::NoSuchSubject { section, .. }
            | Refusal::CircumstancesUnchanged { section, .. }
            | Refusal::NoPanelMembers { section }
            | Refusal::UnknownPerson { section, .. }
            | Refusal::NotTheirAgency { section, .. }
            | Refusal::RoleNotHeld { section, .. }
            | Refusal::DiscussionBeforeRaised { section }
            | Refusal::ActionDueInPast { section, .. }
            | Refusal::ActionOwnerInactive { section, .. }
            | Refusal::ActionOwnerNotInvolved { section, .. }
            | Refusal::NotAPanelSeat { section, .. }
            | Refusal::SeatHolderInactive { section, .. }
            | Refusal::NoSubjects { section, .. }
            | Refusal::EntryAwaitsForms { section, .. }
            | Refusal::DirectEntryNotJustified { section, .. }
            | Refusal::NotWhoRecordsWithoutAgreement { section, .. }
            | Refusal::RecorderNotUninvolved { section, .. }
            | Refusal::NoDisagreementRecorded { section, .. }
            | Refusal::NotTheSectionsCompleter { section, .. }
            | Refusal::NoConcurrenceAtThisStage { section, .. }
            | Refusal::NotTheConcurringRole { section, .. }
            | Refusal::TimescaleNotAgreedHere { section, .. }
            | Refusal::AgreedTimescaleTooLong { section }
            | Refusal::AgreedTimescalePassed { section, .. }
            | Refusal::NotAnAdministrator { section }
            | Refusal::NoSuchOpenWork { section, .. }
            | Refusal::HandOverToSamePerson { section, .. }
            | Refusal::SuccessorInactive { section, .. }
            | Refusal::SuccessorIsAdministrator { section, .. }
            | Refusal::SuccessorNotOfAgency { section, .. } => section,
        }
    }
}
