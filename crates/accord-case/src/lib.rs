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
//! [`Policy`]: accord_policy::Policy

mod batch;
mod case;
mod command;
mod deadline;
mod decide;
mod event;
mod form;
mod id;
mod record;
mod refusal;

pub use case::{
    Action, BreachRecord, Case, Closure, Confirmation, CorrectionRecord, Discussion, Entry,
    ExtensionRecord, FormSubmission, LearningRecord, Notice, Outcome, Panel, Representation,
    StageVisit, Status, StreamError,
};
pub use command::{Command, LaterStart, Raise};
pub use event::{Attachment, Event, EventBody, NotificationDue, Occasion, Raised};
pub use form::{FieldProblem, FieldRef, FieldValue, FormValues};
pub use id::{AgencyId, BadInput, CaseId, PersonId, Sequence, SubjectId, Text};
pub use record::{
    ActionDetails, Actor, Amendment, Concern, Context, DiscussionMode, DiscussionRecord, Extension,
    MissingConfirmation, PanelSeat, Participant, Subject,
};
pub use refusal::Refusal;
