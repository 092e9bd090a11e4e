//! The disagreement: an event-sourced aggregate checked against its policy.
//!
//! A case is raised under one version of one partnership's [`Policy`]
//! (`accord-policy`) and stays bound to it. Every change is a [`Command`]
//! decided against that policy: [`Case::decide`] returns either the
//! [`Event`]s to append (with any [`NotificationDue`] events right after the
//! event that caused them, so the outbox is written in the same append) or a
//! [`Refusal`] naming the rule and the document section it comes from. The
//! state is a fold over the events ([`Case::fold`], [`Case::apply`]).
//!
//! Nothing here reads a clock, a file or a database: the time and the actor
//! come in a [`Context`] with every command, and deadlines are computed on
//! the policy's [`Calendar`](accord_calendar::Calendar) (DESIGN.md §3).
//!
//! ```
//! use accord_calendar::Calendars;
//! use accord_case::*;
//! use accord_policy::RoleTier;
//!
//! let calendars = Calendars::builtin();
//! let policies = accord_policy::builtin(&calendars);
//! let havering = policies.iter().find(|p| p.id.as_str() == "havering-2022").unwrap();
//! let calendar = calendars.get(&havering.calendar).unwrap();
//! let text = |s: &str| Text::parse(s).unwrap();
//! let ctx = Context::new(
//!     "2025-03-03T10:00:00Z".parse().unwrap(),
//!     Actor {
//!         person: PersonId::parse("hv-1").unwrap(),
//!         agency: AgencyId::parse("nhs-trust").unwrap(),
//!         tier: RoleTier::Practitioner,
//!         roles: Vec::new(),
//!     },
//! );
//! let raise = Raise {
//!     case: CaseId::parse("HAV-2025-0001").unwrap(),
//!     track: None,
//!     area: "levels-of-need".parse().unwrap(),
//!     signpost: None,
//!     other_agency: AgencyId::parse("childrens-social-care").unwrap(),
//!     other_professional: None,
//!     subjects: vec![Subject {
//!         id: SubjectId::parse("c1").unwrap(),
//!         name: text("Child A"),
//!         kind: accord_policy::SubjectKind::Child,
//!         child_protection_plan: false,
//!         looked_after: false,
//!         immediate_risk: false,
//!         date_of_birth: None,
//!         nhs_number: None,
//!         local_id: None,
//!     }],
//!     concern: Concern {
//!         disputed: text("The referral was closed with no further action."),
//!         evidence: text("Three attendances at A&E in two months."),
//!         outcome_sought: text("A strategy discussion."),
//!     },
//!     start_at: None,
//!     forms: vec![],
//! };
//! let events = Case::raise(havering, calendar, raise, &ctx).unwrap();
//! let case = Case::fold(&events).unwrap();
//!
//! // Stage One needs a discussion record before anyone escalates (§4).
//! let refusal = case
//!     .decide(havering, calendar, Command::Escalate {
//!         to: case.stage().next().unwrap(),
//!         reason: text("No reply"),
//!     }, &ctx)
//!     .unwrap_err();
//! assert_eq!(refusal.section(), "§4");
//! ```
//!
//! [`Policy`]: accord_policy::Policy

mod batch;
mod case;
mod child;
mod command;
pub mod dates;
mod deadline;
mod decide;
mod event;
mod form;
mod id;
mod offer;
#[cfg(feature = "openapi")]
mod openapi;
mod record;
mod refusal;

pub use case::{
    Action, AgreedTimescaleRecord, AwaitedEntry, BreachRecord, Case, CircumstanceChange, Closure,
    Completion, Concurrence, Confirmation, CorrectionRecord, Discussion, Entry, Erasure,
    ExtensionRecord, FollowUp, FormSubmission, Handover, Involvement, LearningRecord, Notice,
    OpenDeadline, Outcome, Panel, Representation, StageVisit, Status, StreamError,
};
pub use child::{IdentifierProblem, LocalId, NhsNumber};
pub use command::{Command, LaterStart, Raise};
pub use event::{
    Attachment, ErasureRule, Event, EventBody, FormDue, NotificationDue, Occasion, Raised,
};
pub use form::{FieldProblem, FieldRef, FieldValue, FormValues};
pub use id::{AgencyId, BadInput, CaseId, PersonId, Sequence, SubjectId, Text};
pub use offer::Offer;
pub use record::{
    ActionDetails, Actor, Amendment, Concern, Context, DirectoryEntry, DiscussionMode,
    DiscussionRecord, Extension, MissingConfirmation, OpenWork, PanelSeat, Participant, Subject,
    UnlistedParticipant,
};
pub use refusal::Refusal;
