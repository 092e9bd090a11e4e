//! The events one command produces, numbered on from the case's version,
//! with the policy's notifications emitted right after the event that
//! caused them so that the storage layer writes its outbox in the same
//! append (DESIGN.md §4).

use accord_policy::{
    AnswerNotification, AreaId, Condition, Form, FormId, Policy, Relation, RoleRef, Stage,
    StageNumber, Trigger,
};
use jiff::Timestamp;

use crate::{
    Actor, Attachment, Case, CaseId, Event, EventBody, FieldValue, FormValues, NotificationDue,
    Occasion, Sequence, Subject,
    form::{self, Completeness},
};

/// Events being produced for one command.
pub(crate) struct Batch<'c> {
    case: CaseId,
    at: Timestamp,
    actor: Actor,
    next: Sequence,
    prior: Option<&'c Case>,
    area_route: Option<RoleRef>,
    pub(crate) events: Vec<Event>,
}

impl<'c> Batch<'c> {
    /// A batch for the raise of `case` in `area`.
    pub(crate) fn raising(
        policy: &Policy,
        case: CaseId,
        area: &AreaId,
        at: Timestamp,
        actor: Actor,
    ) -> Batch<'c> {
        Batch {
            case,
            at,
            actor,
            next: Sequence::FIRST,
            prior: None,
            area_route: area_route(policy, area),
            events: Vec::new(),
        }
    }

    /// A batch that follows `prior`'s last event.
    pub(crate) fn after(
        policy: &Policy,
        prior: &'c Case,
        at: Timestamp,
        actor: Actor,
    ) -> Batch<'c> {
        Batch {
            case: prior.id().clone(),
            at,
            actor,
            next: prior.version().next(),
            prior: Some(prior),
            area_route: area_route(policy, prior.area()),
            events: Vec::new(),
        }
    }

    /// The time every event in the batch carries.
    pub(crate) fn at(&self) -> Timestamp {
        self.at
    }

    /// Appends an event and returns its number.
    pub(crate) fn emit(&mut self, body: EventBody) -> Sequence {
        let sequence = self.next;
        self.events.push(Event {
            case: self.case.clone(),
            sequence,
            at: self.at,
            actor: self.actor.clone(),
            body,
        });
        self.next = sequence.next();
        sequence
    }

    /// The latest submission of `form`, counting this batch's own.
    fn latest_form(&self, form: &FormId) -> Option<(Sequence, &FormValues)> {
        let own = self.events.iter().rev().find_map(|e| match &e.body {
            EventBody::FormSubmitted {
                form: f, values, ..
            } if f == form => Some((e.sequence, values)),
            _ => None,
        });
        own.or_else(|| {
            self.prior
                .and_then(|c| c.latest_form(form))
                .map(|s| (s.sequence, &s.values))
        })
    }

    /// Emits one notification.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn notify(
        &mut self,
        to: &RoleRef,
        occasion: Occasion,
        stage: StageNumber,
        message: &str,
        section: &str,
        attach: &[FormId],
        cause: Sequence,
    ) {
        // The case knows its area, so `area-route` is named as the role it
        // routes to (Sutton §6: the subgroup chair for that area of LSCB
        // business); resolving roles to people is the storage layer's job.
        let to = match (to, &self.area_route) {
            (RoleRef::Relation(Relation::AreaRoute), Some(route)) => route,
            _ => to,
        };
        let attach = attach
            .iter()
            .map(|form| Attachment {
                form: form.clone(),
                submission: self.latest_form(form).map(|(s, _)| s),
            })
            .collect();
        self.emit(EventBody::NotificationDue(Box::new(NotificationDue {
            to: to.clone(),
            occasion,
            stage,
            message: message.to_owned(),
            section: section.to_owned(),
            attach,
            cause,
        })));
    }

    /// Emits `stage`'s notifications for `trigger` whose condition holds
    /// for `subjects`.
    pub(crate) fn notify_stage(
        &mut self,
        stage: &Stage,
        trigger: Trigger,
        subjects: &[Subject],
        cause: Sequence,
    ) -> usize {
        let occasion = match trigger {
            Trigger::Entry | Trigger::Reached => Occasion::StageEntry,
            Trigger::Exit => Occasion::StageExit,
            Trigger::Resolved => Occasion::Resolved,
            Trigger::Breach => Occasion::Breach,
            Trigger::Closed => Occasion::Closed,
        };
        let mut told = 0;
        for n in stage
            .notifications
            .iter()
            .filter(|n| n.on == trigger || (trigger == Trigger::Entry && n.on == Trigger::Reached))
            .filter(|n| holds(n.when, subjects))
        {
            self.notify(
                &n.to,
                occasion,
                stage.number,
                &n.message,
                &n.section,
                &n.attach,
                cause,
            );
            told += 1;
        }
        told
    }

    /// Tells `roles` of what event `cause` did, as the policy's `[alerts]`
    /// ask, with `message`; a role the batch already tells of it is left
    /// out, and so is either side of `stage-leads` that the stage's own
    /// notifications already tell, so that nobody hears of one change
    /// twice (issue 12 §7).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn alert(
        &mut self,
        roles: &[RoleRef],
        occasion: Occasion,
        stage: StageNumber,
        message: &str,
        section: &str,
        cause: Sequence,
    ) -> usize {
        let leads = RoleRef::Relation(Relation::StageLeads);
        let sides = [
            RoleRef::Relation(Relation::RaiserAgencyLead),
            RoleRef::Relation(Relation::OtherAgencyLead),
        ];
        let mut told = 0;
        for role in roles {
            if self.tells(role, cause) || (sides.contains(role) && self.tells(&leads, cause)) {
                continue;
            }
            let untold: Vec<&RoleRef> = sides.iter().filter(|s| !self.tells(s, cause)).collect();
            let to: Vec<RoleRef> = if *role == leads && untold.len() < sides.len() {
                untold.into_iter().cloned().collect()
            } else {
                vec![role.clone()]
            };
            for to in to {
                self.notify(&to, occasion, stage, message, section, &[], cause);
                told += 1;
            }
        }
        told
    }

    /// [`Batch::alert`] with what `stage` asks of them, after `before`:
    /// "What the policy asks at Stage 2 (…): …", the stage's own summary,
    /// under its section.
    pub(crate) fn alert_stage(
        &mut self,
        roles: &[RoleRef],
        occasion: Occasion,
        stage: &Stage,
        before: &str,
        cause: Sequence,
    ) -> usize {
        let message = format!(
            "{before}What the policy asks at Stage {} ({}): {}",
            stage.number, stage.name, stage.summary
        );
        self.alert(
            roles,
            occasion,
            stage.number,
            &message,
            &stage.section,
            cause,
        )
    }

    /// Whether this batch already tells `to` of what event `cause` did.
    pub(crate) fn tells(&self, to: &RoleRef, cause: Sequence) -> bool {
        self.events.iter().any(|e| match &e.body {
            EventBody::NotificationDue(n) => n.cause == cause && &n.to == to,
            _ => false,
        })
    }

    /// Emits the immediate-risk notifications (DESIGN.md §5: "the DSL is
    /// notified"), with the policy's instruction as the message.
    pub(crate) fn notify_immediate_risk(
        &mut self,
        policy: &Policy,
        stage: StageNumber,
        cause: Sequence,
    ) {
        let risk = &policy.immediate_risk;
        for to in &risk.notify {
            self.notify(
                to,
                Occasion::ImmediateRisk,
                stage,
                &risk.instruction,
                &risk.section,
                &[],
                cause,
            );
        }
    }

    /// Emits a form's submission and whom it goes to: its `send_to` on
    /// every submission, and its `returned_to` once every field is answered
    /// for the first time (Isle of Man Stage Four: the outcome section
    /// "returned back to the responsible agency"). Roles in `told_otherwise`
    /// are not sent the submission: the stage it enters tells them, with
    /// the form attached.
    pub(crate) fn submit_form(
        &mut self,
        form: &Form,
        stage: StageNumber,
        values: FormValues,
        told_otherwise: &[RoleRef],
    ) {
        let was_complete = self
            .latest_form(&form.id)
            .is_some_and(|(_, v)| form::missing(form, v, Completeness::BeforeStageEnds).is_empty());
        let now_complete = form::missing(form, &values, Completeness::BeforeStageEnds).is_empty();
        // Sutton Appendix 1: "Should the Head of Service be contacted? Yes"
        // tells the heads of service, once, when the answer first becomes
        // Yes; submitting the form again with the same answer tells nobody
        // again.
        let answered: Vec<&AnswerNotification> = {
            let before = self.latest_form(&form.id).map(|(_, v)| v);
            form.sections
                .iter()
                .flat_map(|s| &s.fields)
                .flat_map(|field| {
                    let now = answer(values.get(&field.id));
                    let then = answer(before.and_then(|v| v.get(&field.id)));
                    field
                        .on_answer
                        .iter()
                        .filter(move |on| now == Some(on.answer.as_str()) && then != now)
                })
                .collect()
        };
        let cause = self.emit(EventBody::FormSubmitted {
            form: form.id.clone(),
            stage,
            values,
        });
        let attach = [form.id.clone()];
        for on in answered {
            self.notify(
                &on.to,
                Occasion::FormSubmitted,
                stage,
                &on.message,
                &on.section,
                &attach,
                cause,
            );
        }
        for to in form.send_to.iter().filter(|r| !told_otherwise.contains(r)) {
            let message = format!("The {} has been submitted.", form.title);
            self.notify(
                to,
                Occasion::FormSubmitted,
                stage,
                &message,
                &form.section,
                &attach,
                cause,
            );
        }
        if let Some(to) = form
            .returned_to
            .as_ref()
            .filter(|_| now_complete && !was_complete)
        {
            let message = format!("The completed {} is returned to you.", form.title);
            self.notify(
                to,
                Occasion::FormReturned,
                stage,
                &message,
                &form.section,
                &attach,
                cause,
            );
        }
    }
}

/// A field's answer as a policy's `on_answer` names it: `yes` or `no`, or
/// a choice's option.
fn answer(value: Option<&FieldValue>) -> Option<&str> {
    match value? {
        FieldValue::YesNo(true) => Some("yes"),
        FieldValue::YesNo(false) => Some("no"),
        FieldValue::Text(t) => Some(t.trim()),
        FieldValue::Date(_) | FieldValue::Rows(_) => None,
    }
}

/// The role a case in `area` routes to, if the policy names one.
fn area_route(policy: &Policy, area: &AreaId) -> Option<RoleRef> {
    policy
        .areas
        .iter()
        .find(|a| &a.id == area)
        .and_then(|a| a.routes_to.clone())
}

/// Whether a notification's condition holds for these subjects.
pub(crate) fn holds(condition: Condition, subjects: &[Subject]) -> bool {
    let any = |f: fn(&Subject) -> bool| subjects.iter().any(f);
    match condition {
        Condition::Always => true,
        Condition::ChildProtectionPlan => any(|s| s.child_protection_plan),
        Condition::LookedAfter => any(|s| s.looked_after),
        Condition::ChildProtectionPlanOrLookedAfter => {
            any(|s| s.child_protection_plan || s.looked_after)
        }
        Condition::ImmediateRisk => any(|s| s.immediate_risk),
    }
}
