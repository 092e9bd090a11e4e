//! Deciding: each command checked against the case's policy version, and
//! either the events it produces or the rule that refuses it.

use accord_calendar::Calendar;
use accord_policy::{
    AreaId, Before, Form, FormId, FormNeeded, Inclusion, Policy, RecordKind, Relation, Requirement,
    ResolutionRoute, RoleRef, RoleTier, SignpostEffect, Stage, Track, Trigger,
};
use jiff::civil::Date;

use crate::{
    ActionDetails, Actor, AgencyId, Amendment, Case, Command, Context, DirectoryEntry,
    DiscussionRecord, Event, EventBody, FormValues, MissingConfirmation, PanelSeat, PersonId,
    Raise, Raised, Refusal, Sequence, Status, Subject, SubjectId, Text,
    batch::{Batch, holds},
    dates,
    deadline::{agreed_due, entry_form_dues, extended, form_dues, stage_due},
    form::{self, Completeness},
    refusal::design,
};

impl Case {
    /// Raises a disagreement: the events that start a new case, or why it
    /// cannot be one. The actor is the professional raising it.
    pub fn raise(
        policy: &Policy,
        calendar: &Calendar,
        raise: Raise,
        ctx: &Context,
    ) -> Result<Vec<Event>, Refusal> {
        check_calendar(policy, calendar)?;
        let track = match &raise.track {
            Some(id) => policy.track(id).ok_or_else(|| Refusal::UnknownTrack {
                track: id.to_string(),
                section: design::CONCEPTS.into(),
            })?,
            None => policy.default_track(),
        };
        if let Some(id) = &raise.signpost {
            // DESIGN.md §5: disagreements outside the procedure are signposted
            // at the start and never recorded as cases. A signpost the
            // document gives only as advice (Sutton §1's whistle blowing
            // policies) never refuses a raise: the raiser was shown it, and
            // chose to raise the disagreement all the same.
            match policy.out_of_scope.iter().find(|s| &s.id == id) {
                Some(s) if s.effect == SignpostEffect::Advice => {}
                Some(s) => {
                    return Err(Refusal::OutOfScope {
                        concern: s.concern.clone(),
                        go_to: s.go_to.clone(),
                        section: s.section.clone(),
                    });
                }
                None => {
                    return Err(Refusal::UnknownSignpost {
                        signpost: id.to_string(),
                        section: design::RULES.into(),
                    });
                }
            }
        }
        if raise.other_agency == ctx.actor.agency {
            return Err(Refusal::OwnAgency {
                section: design::RULES.into(),
            });
        }
        if !policy.areas_for(&track.id).any(|a| a.id == raise.area) {
            return Err(Refusal::NotAPolicyArea {
                area: raise.area.to_string(),
                track: track.id.to_string(),
                section: track.section.clone(),
            });
        }
        check_subjects(policy, track, &raise.subjects, "subjects", ctx)?;
        let start = starting_stage(policy, track, &raise)?;
        let forms = raise
            .forms
            .iter()
            .map(|(id, values)| check_submission(policy, &raise.area, id, values, None, ctx))
            .collect::<Result<Vec<_>, Refusal>>()?;
        for needed in start
            .forms
            .iter()
            .filter(|f| f.needed == FormNeeded::ToEnter)
        {
            if !forms.iter().any(|(form, _)| form.id == needed.form) {
                return Err(form_not_submitted(
                    policy,
                    needed.form.clone(),
                    start,
                    &needed.section,
                ));
            }
        }

        let mut batch = Batch::raising(
            policy,
            raise.case.clone(),
            &raise.area,
            ctx.now,
            ctx.actor.clone(),
        );
        let area_id = raise.area.clone();
        let raised = batch.emit(EventBody::Raised(Box::new(Raised {
            policy: policy.id.clone(),
            policy_version: policy.version,
            track: track.id.clone(),
            area: raise.area,
            other_agency: raise.other_agency,
            other_professional: raise.other_professional,
            subjects: raise.subjects.clone(),
            concern: raise.concern,
            stage: start.number,
            later_start_reason: raise.start_at.map(|s| s.reason),
            due: stage_due(calendar, start, ctx.now, ctx.now),
            form_dues: form_dues(calendar, start, ctx.now, ctx.now),
        })));
        for (form, values) in forms {
            batch.submit_form(form, start.number, values, &[]);
        }
        if raise.subjects.iter().any(|s| s.immediate_risk) {
            batch.notify_immediate_risk(policy, start.number, raised);
        }
        batch.notify_stage(start, Trigger::Entry, &raise.subjects, raised);
        // A case started past a stage for immediate risk has still reached
        // it: Plymouth's Business Manager keeps "a record of all on-going
        // disagreements" from Stage Three, however the case got there.
        // Told as of the stage it starts at, which is where it is.
        for n in track
            .stages
            .iter()
            .filter(|s| s.number < start.number)
            .flat_map(|s| &s.notifications)
            .filter(|n| n.on == Trigger::Reached && holds(n.when, &raise.subjects))
        {
            batch.notify(
                &n.to,
                crate::Occasion::StageEntry,
                start.number,
                &n.message,
                &n.section,
                &n.attach,
                raised,
            );
        }
        // The other side always hears of a disagreement about its work:
        // what is disputed, what the stage asks of them and by when.
        let area = policy
            .areas
            .iter()
            .find(|a| a.id == area_id)
            .map_or_else(|| area_id.to_string(), |a| a.label.clone());
        batch.alert_stage(
            &policy.alerts.raised_to,
            crate::Occasion::Raised,
            start,
            &format!("What is disputed: {area}. "),
            raised,
        );
        Ok(batch.events)
    }

    /// Decides `command` against the policy version this case is bound to:
    /// the events to append, or the rule that refuses it. Pure: `ctx`
    /// carries the time and the actor.
    pub fn decide(
        &self,
        policy: &Policy,
        calendar: &Calendar,
        command: Command,
        ctx: &Context,
    ) -> Result<Vec<Event>, Refusal> {
        self.check_bound(policy)?;
        check_calendar(policy, calendar)?;
        let track = policy
            .track(self.track())
            .ok_or_else(|| Refusal::UnknownTrack {
                track: self.track().to_string(),
                section: design::CONCEPTS.into(),
            })?;
        let stage = track
            .stage(self.stage())
            .expect("a policy of the case's id and version has the case's stage");
        // A closed case changes only by an explicit reopening; learning may
        // still be recorded and followed up, because Sutton §7e takes
        // learning forward "when the issue is resolved or closed" and a final
        // decision closes at once.
        // An erased case keeps its shape and nothing else: it takes no
        // further command (issue 17).
        if self.erased().is_some() {
            return Err(Refusal::CaseErased {
                section: design::RECORD.into(),
            });
        }
        if self.status().is_closed()
            && !matches!(
                command,
                Command::Reopen { .. }
                    | Command::RecordLearning { .. }
                    | Command::AgreeFollowUp { .. }
                    | Command::CompleteFollowUp { .. }
            )
        {
            return Err(closed());
        }
        check_command_dates(&command)?;
        let mut batch = Batch::after(policy, self, ctx.now, ctx.actor.clone());
        let here = self.stage();
        match command {
            Command::RecordDiscussion { record } => {
                self.check_discussion(policy, &record, "record", &[], ctx)?;
                check_chair(policy, self, stage, &record)?;
                batch.emit(EventBody::DiscussionRecorded {
                    stage: here,
                    record,
                });
            }
            Command::ApproveDiscussion {
                discussion,
                approved_on,
            } => self.approve(&mut batch, discussion, approved_on, ctx)?,
            Command::AgreeAction { details } => {
                check_due_date(calendar, &details, ctx)?;
                self.check_action_owner(&details, "details", ctx)?;
                batch.emit(EventBody::ActionAgreed {
                    stage: here,
                    details,
                });
            }
            Command::CompleteAction { action, note } => {
                let found = self
                    .actions()
                    .iter()
                    .find(|a| a.sequence == action)
                    .ok_or_else(|| Refusal::NoSuchAction {
                        sequence: action,
                        section: design::RECORD.into(),
                    })?;
                if found.completed.is_some() {
                    return Err(Refusal::AlreadyCompleted {
                        sequence: action,
                        section: design::RECORD.into(),
                    });
                }
                batch.emit(EventBody::ActionCompleted { action, note });
            }
            Command::SubmitForm { form, values } => {
                let latest = self.latest_form(&form).map(|s| &s.values);
                let (form, values) =
                    check_submission(policy, self.area(), &form, &values, latest, ctx)?;
                self.submit_and_enter(&mut batch, policy, calendar, track, stage, form, values)?;
            }
            Command::Escalate { to, reason } => {
                self.escalate(&mut batch, policy, calendar, track, stage, to, reason)?;
            }
            Command::ExtendDeadline { by, reason } => {
                self.require_open(policy)?;
                require_manager(&ctx.actor)?;
                if !by.is_within_a_year() {
                    return Err(Refusal::ExtensionTooLong {
                        section: design::TIME.into(),
                    });
                }
                // An extension moves the stage's own deadline; a form's
                // `within` is the document's and stays as set on entry.
                let due =
                    extended(calendar, self.stage_due(), by).ok_or_else(|| no_deadline(stage))?;
                batch.emit(EventBody::DeadlineExtended {
                    stage: here,
                    by,
                    reason,
                    due,
                });
            }
            Command::RecordBreach => {
                self.require_open(policy)?;
                let (form, due) = self.passed_deadline(stage, ctx)?;
                let message = breach_message(policy, stage, form.as_ref());
                let cause = batch.emit(EventBody::BreachRecorded {
                    stage: here,
                    due,
                    form,
                });
                // A form's missed deadline is the stage's breach too: the
                // stage's breach notifications fire (DESIGN.md §3). A stage
                // that names nobody still tells its leads and the tier above
                // them, as the policy's alerts say.
                let told = batch.notify_stage(stage, Trigger::Breach, self.subjects(), cause);
                if told == 0 {
                    for to in &policy.alerts.breach_to {
                        batch.notify(
                            to,
                            crate::Occasion::Breach,
                            here,
                            &message,
                            design::TIME,
                            &[],
                            cause,
                        );
                    }
                }
            }
            Command::ConvenePanel {
                members,
                shortfall_reason,
            } => self.convene(&mut batch, policy, stage, members, shortfall_reason, ctx)?,
            Command::RecordRepresentation { agency, summary } => {
                self.require_open(policy)?;
                self.current_panel(stage)?;
                batch.emit(EventBody::RepresentationRecorded {
                    stage: here,
                    agency,
                    summary,
                });
            }
            Command::Resolve {
                route,
                outcome,
                outstanding_issues,
            } => self.resolve(
                &mut batch,
                policy,
                stage,
                route,
                outcome,
                outstanding_issues,
                ctx,
            )?,
            Command::ConfirmOutcome { statement } => {
                self.require_resolved(policy)?;
                let agency = ctx.actor.agency.clone();
                self.require_party(policy, &agency)?;
                if !self.unconfirmed_parties().contains(&&agency) {
                    return Err(Refusal::AlreadyConfirmed {
                        agency,
                        section: policy.outcome.section.clone(),
                    });
                }
                batch.emit(EventBody::OutcomeConfirmed { agency, statement });
            }
            Command::RecordLearning {
                theme,
                forwarded_to,
                note,
            } => {
                let learning = &policy.learning;
                if self.status() == Status::Open {
                    return Err(Refusal::NotYetResolved {
                        section: learning.section.clone(),
                    });
                }
                if !learning.themes.iter().any(|t| t.id == theme) {
                    return Err(Refusal::UnknownTheme {
                        theme: theme.to_string(),
                        section: learning.section.clone(),
                    });
                }
                if let Some(given) = forwarded_to
                    .as_ref()
                    .filter(|f| learning.group(f).is_none())
                {
                    return Err(Refusal::NotALearningDestination {
                        given: given.to_string(),
                        allowed: learning
                            .forward_to
                            .iter()
                            .map(|g| g.id.to_string())
                            .collect(),
                        section: learning.section.clone(),
                    });
                }
                batch.emit(EventBody::LearningRecorded {
                    theme,
                    forwarded_to,
                    note,
                });
            }
            Command::AgreeFollowUp { learning, details } => {
                if !self.learning().iter().any(|l| l.sequence == learning) {
                    return Err(Refusal::NoSuchLearning {
                        sequence: learning,
                        section: policy.learning.section.clone(),
                    });
                }
                check_due_date(calendar, &details, ctx)?;
                check_follow_up_owner(&details, ctx)?;
                batch.emit(EventBody::FollowUpAgreed { learning, details });
            }
            Command::CompleteFollowUp { follow_up, note } => {
                let (_, found) =
                    self.follow_up(follow_up)
                        .ok_or_else(|| Refusal::NoSuchFollowUp {
                            sequence: follow_up,
                            section: policy.learning.section.clone(),
                        })?;
                if found.completed.is_some() {
                    return Err(Refusal::AlreadyCompleted {
                        sequence: follow_up,
                        section: policy.learning.section.clone(),
                    });
                }
                batch.emit(EventBody::FollowUpCompleted { follow_up, note });
            }
            Command::Withdraw { reason } => {
                self.require_open(policy)?;
                if ctx.actor.agency != self.raised_by().agency {
                    return Err(Refusal::NotRaisingAgency {
                        section: design::RULES.into(),
                    });
                }
                let cause = batch.emit(EventBody::Withdrawn {
                    stage: here,
                    reason,
                });
                batch.notify_stage(stage, Trigger::Closed, self.subjects(), cause);
            }
            Command::Close {
                missing_confirmations,
            } => self.close(&mut batch, policy, stage, missing_confirmations)?,
            Command::Reopen { reason } => {
                self.reopen(&mut batch, policy, calendar, stage, reason, ctx)?;
            }
            Command::Correct {
                corrects,
                reason,
                amendment,
            } => self.correct(&mut batch, policy, track, corrects, reason, amendment, ctx)?,
            Command::RecordChangeOfCircumstances {
                subject,
                child_protection_plan,
                looked_after,
                immediate_risk,
                reason,
            } => self.change_circumstances(
                &mut batch,
                policy,
                stage,
                subject,
                [child_protection_plan, looked_after, immediate_risk],
                reason,
            )?,
            Command::RecordConcurrence { concurs, reason } => {
                self.require_open(policy)?;
                check_concurring(policy, self, stage, &ctx.actor)?;
                batch.emit(EventBody::ConcurrenceRecorded {
                    stage: here,
                    concurs,
                    reason,
                });
            }
            Command::HandOver {
                from,
                to,
                work,
                reason,
            } => self.hand_over_work(&mut batch, policy, stage, from, to, work, reason, ctx)?,
            Command::AgreeTimescale { timescale, reason } => {
                self.require_open(policy)?;
                let allowed = stage.agreed_timescale.as_ref().ok_or_else(|| {
                    Refusal::TimescaleNotAgreedHere {
                        stage: here,
                        section: stage.section.clone(),
                    }
                })?;
                require_manager(&ctx.actor)?;
                if !timescale.is_within_a_year() {
                    return Err(Refusal::AgreedTimescaleTooLong {
                        section: design::TIME.into(),
                    });
                }
                // Sutton §5: "the timescale given the specific circumstances
                // of each case" replaces the stage's default, counted from
                // the same start; unlike an extension it may shorten it.
                let due = agreed_due(
                    calendar,
                    stage,
                    self.current_visit().entered_at,
                    self.raised_at(),
                    timescale,
                );
                if let Some(instant) = due.instant().filter(|i| *i <= ctx.now) {
                    return Err(Refusal::AgreedTimescalePassed {
                        due: instant,
                        section: allowed.section.clone(),
                    });
                }
                batch.emit(EventBody::TimescaleAgreed {
                    stage: here,
                    timescale,
                    reason,
                    due,
                });
            }
        }
        Ok(batch.events)
    }

    fn check_bound(&self, policy: &Policy) -> Result<(), Refusal> {
        if &policy.id == self.policy() && policy.version == self.policy_version() {
            Ok(())
        } else {
            Err(Refusal::PolicyMismatch {
                case_policy: self.policy().to_string(),
                case_version: self.policy_version(),
                given_policy: policy.id.to_string(),
                given_version: policy.version,
                section: design::CONCEPTS.into(),
            })
        }
    }

    fn require_open(&self, policy: &Policy) -> Result<(), Refusal> {
        match (self.status(), self.outcome()) {
            (Status::Open, _) => Ok(()),
            (Status::Resolved, Some(outcome)) => Err(Refusal::AlreadyResolved {
                stage: outcome.stage,
                section: policy.outcome.section.clone(),
            }),
            _ => Err(closed()),
        }
    }

    /// The earliest deadline of the current stage that has passed and whose
    /// breach is not yet on record: the stage's own (`None`) or a pending
    /// form's. Each call records one, so a stage and a form that are both
    /// late are two breaches.
    fn passed_deadline(
        &self,
        stage: &Stage,
        ctx: &Context,
    ) -> Result<(Option<FormId>, accord_calendar::Due), Refusal> {
        let deadlines = self.open_deadlines();
        if deadlines.is_empty() {
            return Err(no_deadline(stage));
        }
        let (passed, upcoming): (Vec<_>, Vec<_>) =
            deadlines.into_iter().partition(|d| d.instant <= ctx.now);
        if let Some(d) = passed
            .iter()
            .filter(|d| !d.breached)
            .min_by_key(|d| d.instant)
        {
            return Ok((d.form.clone(), d.due));
        }
        match upcoming.iter().map(|d| d.instant).min() {
            Some(due) if passed.is_empty() => Err(Refusal::NotOverdue {
                due,
                section: design::TIME.into(),
            }),
            _ => Err(Refusal::BreachAlreadyRecorded {
                section: design::TIME.into(),
            }),
        }
    }

    fn require_resolved(&self, policy: &Policy) -> Result<(), Refusal> {
        match self.status() {
            Status::Resolved => Ok(()),
            Status::Open => Err(Refusal::NotYetResolved {
                section: policy.outcome.section.clone(),
            }),
            Status::Closed | Status::Withdrawn => Err(closed()),
        }
    }

    fn require_party(&self, policy: &Policy, agency: &AgencyId) -> Result<(), Refusal> {
        if self.parties().contains(&agency) {
            Ok(())
        } else {
            Err(Refusal::NotAParty {
                agency: agency.clone(),
                section: policy.outcome.section.clone(),
            })
        }
    }

    fn approve(
        &self,
        batch: &mut Batch<'_>,
        discussion: Sequence,
        approved_on: Date,
        ctx: &Context,
    ) -> Result<(), Refusal> {
        let found = self
            .discussions()
            .iter()
            .find(|d| d.sequence == discussion)
            .ok_or_else(|| Refusal::NoSuchDiscussion {
                sequence: discussion,
                section: design::RECORD.into(),
            })?;
        // Sutton §7b: records are "formally approved", which is a manager's act.
        require_manager(&ctx.actor)?;
        if found.approved_on.is_some() {
            return Err(Refusal::AlreadyApproved {
                sequence: discussion,
                section: design::RECORD.into(),
            });
        }
        batch.emit(EventBody::DiscussionApproved {
            discussion,
            approved_on,
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn escalate(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        calendar: &Calendar,
        track: &Track,
        stage: &Stage,
        to: accord_policy::StageNumber,
        reason: Text,
    ) -> Result<(), Refusal> {
        self.require_open(policy)?;
        let from = stage.number;
        if let Some(awaited) = self.awaiting_entry() {
            return Err(self.awaits_forms(policy, track, awaited.to));
        }
        if to <= from {
            return Err(Refusal::StageBackwards {
                from,
                to,
                section: stage.section.clone(),
            });
        }
        // DESIGN.md §5: stages move forward one at a time, unless the stage
        // asked for may be entered directly from here.
        let next = track
            .next_stage(from)
            .ok_or_else(|| Refusal::NoFurtherStage {
                stage: from,
                section: stage.section.clone(),
            })?;
        let target = if to == next.number {
            next
        } else {
            let direct = track.stage(to).filter(|t| {
                t.direct_entry
                    .as_ref()
                    .is_some_and(|d| d.from.contains(&from))
            });
            let Some(target) = direct else {
                return Err(Refusal::StageSkip {
                    from,
                    to,
                    next: next.number,
                    section: next.section.clone(),
                });
            };
            self.check_direct_entry(policy, from, next.number, target)?;
            target
        };
        self.check_leaving(policy, stage, Before::Escalate)?;
        let refusals = self.entry_refusals(policy, target);
        if refusals.is_empty() {
            self.enter(batch, policy, calendar, stage, target, reason);
            return Ok(());
        }
        // A stage whose missing entry forms are each timed from the decision
        // to escalate (`within`) is entered when they come: the decision
        // ends this stage and starts their clocks (Isle of Man Appendix 1:
        // "If stages 1-3 have been exhausted ... within 5 working days").
        let awaited = entry_form_dues(calendar, target, batch.at(), self.raised_at());
        let all_timed = target
            .forms
            .iter()
            .filter(|f| f.needed == FormNeeded::ToEnter && self.latest_form(&f.form).is_none())
            .all(|f| awaited.iter().any(|d| d.form == f.form));
        if !all_timed || awaited.is_empty() {
            return Err(refusals.into_iter().next().expect("not empty"));
        }
        let form_dues = awaited
            .into_iter()
            .filter(|d| self.latest_form(&d.form).is_none())
            .collect();
        batch.emit(EventBody::EscalationDecided {
            from,
            to: target.number,
            reason,
            form_dues,
        });
        Ok(())
    }

    /// Enters `next` from `stage`: the escalation, the notifications of
    /// leaving one and entering the other, and what entering records.
    fn enter(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        calendar: &Calendar,
        stage: &Stage,
        next: &Stage,
        reason: Text,
    ) {
        let due = stage_due(calendar, next, batch.at(), self.raised_at());
        let cause = batch.emit(EventBody::Escalated {
            from: stage.number,
            to: next.number,
            reason,
            due,
            form_dues: form_dues(calendar, next, batch.at(), self.raised_at()),
        });
        batch.notify_stage(stage, Trigger::Exit, self.subjects(), cause);
        batch.notify_stage(next, Trigger::Entry, self.subjects(), cause);
        // Whoever leads the new stage on each side now has to act, and
        // hears so even where the document names nobody to tell.
        batch.alert_stage(
            &policy.alerts.escalated_to,
            crate::Occasion::StageEntry,
            next,
            "",
            cause,
        );
        self.record_on_entry(batch, policy, next);
    }

    /// What entering `stage` puts on record about the subjects: East Riding
    /// §5, "In the interim period, the child should be the subject of a
    /// Child Protection Plan", recorded for each child not yet on one as a
    /// change of circumstances at the stage, with the document's words as
    /// the reason, so that what it newly makes due is sent.
    fn record_on_entry(&self, batch: &mut Batch<'_>, policy: &Policy, stage: &Stage) {
        let Some(effects) = stage.on_entry.as_ref().filter(|e| e.child_protection_plan) else {
            return;
        };
        let Ok(reason) = Text::parse(&format!("{} ({})", effects.reason, effects.section)) else {
            return;
        };
        let mut after: Vec<Subject> = self.subjects().to_vec();
        let mut last = None;
        for subject in after
            .iter_mut()
            .filter(|s| s.kind == accord_policy::SubjectKind::Child && !s.child_protection_plan)
        {
            subject.child_protection_plan = true;
            last = Some(batch.emit(EventBody::CircumstancesChanged {
                stage: stage.number,
                subject: subject.id.clone(),
                child_protection_plan: true,
                looked_after: subject.looked_after,
                immediate_risk: subject.immediate_risk,
                reason: reason.clone(),
            }));
        }
        if let Some(cause) = last {
            self.notify_newly_holding(
                batch,
                policy,
                &after,
                crate::Occasion::CircumstancesChanged,
                cause,
            );
        }
    }

    /// Refuses a direct entry to `target` from `from` unless the latest
    /// submission of its entry form answers its question Yes (Isle of Man
    /// Stage Four: "and/or the discussions raise significant policy issues").
    fn check_direct_entry(
        &self,
        policy: &Policy,
        from: accord_policy::StageNumber,
        next: accord_policy::StageNumber,
        target: &Stage,
    ) -> Result<(), Refusal> {
        let Some(direct) = &target.direct_entry else {
            return Ok(());
        };
        let answered_yes = self.latest_form(&direct.form).is_some_and(|s| {
            matches!(
                s.values.get(&direct.yes_to),
                Some(crate::FieldValue::YesNo(true))
            )
        });
        if answered_yes {
            return Ok(());
        }
        let form = policy.form(&direct.form);
        Err(Refusal::DirectEntryNotJustified {
            from,
            stage: target.number,
            next,
            title: form.map_or_else(|| direct.form.to_string(), |f| f.title.clone()),
            question: form
                .and_then(|f| {
                    f.sections
                        .iter()
                        .flat_map(|s| &s.fields)
                        .find(|f| f.id == direct.yes_to)
                })
                .map_or_else(|| direct.yes_to.to_string(), |f| f.label.clone()),
            section: direct.section.clone(),
        })
    }

    /// The refusal of a second escalation while one decided waits for its
    /// stage's entry forms: which forms are still to come.
    fn awaits_forms(
        &self,
        policy: &Policy,
        track: &Track,
        to: accord_policy::StageNumber,
    ) -> Refusal {
        let target = track.stage(to);
        let forms = target
            .into_iter()
            .flat_map(|t| &t.forms)
            .filter(|f| f.needed == FormNeeded::ToEnter && self.latest_form(&f.form).is_none())
            .map(|f| {
                policy
                    .form(&f.form)
                    .map_or_else(|| f.form.to_string(), |form| form.title.clone())
            })
            .collect();
        Refusal::EntryAwaitsForms {
            stage: to,
            forms,
            section: target
                .and_then(|t| t.forms.iter().find(|f| f.needed == FormNeeded::ToEnter))
                .map_or_else(|| design::RULES.to_owned(), |f| f.section.clone()),
        }
    }

    /// Submits a form and, where it is the last entry form an escalation
    /// decided at this stage waits for, enters that stage: the form is how
    /// the stage is entered (Isle of Man Appendix 1: the senior manager
    /// "should notify the Director ... by completing the referral form").
    /// Whoever the entry notifications tell with this form attached is not
    /// told of the submission a second time.
    #[allow(clippy::too_many_arguments)]
    fn submit_and_enter(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        calendar: &Calendar,
        track: &Track,
        stage: &Stage,
        form: &Form,
        values: FormValues,
    ) -> Result<(), Refusal> {
        let target = self
            .awaiting_entry()
            .and_then(|a| track.stage(a.to).map(|t| (a, t)))
            .filter(|(_, target)| {
                target
                    .forms
                    .iter()
                    .filter(|f| f.needed == FormNeeded::ToEnter && f.form != form.id)
                    .all(|f| {
                        self.check_form_complete(
                            policy,
                            &f.form,
                            target,
                            &f.section,
                            Completeness::OnSubmit,
                        )
                        .is_ok()
                    })
                    && target
                        .forms
                        .iter()
                        .any(|f| f.form == form.id && f.needed == FormNeeded::ToEnter)
            });
        let Some((awaited, target)) = target else {
            batch.submit_form(form, stage.number, values, &[]);
            return Ok(());
        };
        let told_on_entry: Vec<RoleRef> = target
            .notifications
            .iter()
            .filter(|n| {
                n.on.on_entry() && holds(n.when, self.subjects()) && n.attach.contains(&form.id)
            })
            .map(|n| n.to.clone())
            .collect();
        batch.submit_form(form, stage.number, values, &told_on_entry);
        self.enter(
            batch,
            policy,
            calendar,
            stage,
            target,
            awaited.reason.clone(),
        );
        Ok(())
    }

    /// What must be on record before the case leaves `stage` by `how`: the
    /// stage's required records, its `to-leave` forms, and every field of
    /// its forms required "before the stage ends".
    fn check_leaving(&self, policy: &Policy, stage: &Stage, how: Before) -> Result<(), Refusal> {
        match self.leaving_refusals(policy, stage, how).into_iter().next() {
            Some(refusal) => Err(refusal),
            None => Ok(()),
        }
    }

    /// Every reason [`Case::check_leaving`] would give, in the order it
    /// checks them.
    pub(crate) fn leaving_refusals(
        &self,
        policy: &Policy,
        stage: &Stage,
        how: Before,
    ) -> Vec<Refusal> {
        let mut refusals = Vec::new();
        for req in stage
            .requirements
            .iter()
            .filter(|r| r.before == Before::LeavingStage || r.before == how)
        {
            let met = if req.record == RecordKind::Concurrence {
                // Sutton §7c: the latest word of whoever may concur counts,
                // and only a concurrence allows the move.
                self.concurrences()
                    .iter()
                    .rev()
                    .find(|c| c.stage == stage.number && may_concur(policy, self, req, &c.by))
                    .is_some_and(|c| c.concurs)
            } else {
                self.discussions().iter().any(|d| {
                    d.stage == stage.number
                        && (req.record == RecordKind::Discussion || d.approved_on.is_some())
                        && self.between_the_sides(policy, stage, &d.record)
                        && req.with.as_ref().is_none_or(|with| {
                            let took_part = |agency: Option<&AgencyId>| {
                                d.record.participants.iter().any(|p| {
                                    agency.is_none_or(|a| &p.agency == a)
                                        && role_matches(policy, &p.role, with)
                                })
                            };
                            // Havering §2.8: "The respective agency members
                            // on the HSCP": one for each side, not one of
                            // anyone's.
                            if req.each_side {
                                self.parties().into_iter().all(|a| took_part(Some(a)))
                            } else {
                                took_part(None)
                            }
                        })
                })
            };
            if !met {
                refusals.push(Refusal::RequirementUnmet {
                    description: req.description.clone(),
                    section: req.section.clone(),
                });
            }
        }
        for needed in &stage.forms {
            if let Err(refusal) = self.check_form_complete(
                policy,
                &needed.form,
                stage,
                &needed.section,
                Completeness::BeforeStageEnds,
            ) {
                refusals.push(refusal);
            }
        }
        refusals
    }

    /// The forms `next` needs before the case can enter it that are not yet
    /// complete, as the refusals an escalation would meet.
    pub(crate) fn entry_refusals(&self, policy: &Policy, next: &Stage) -> Vec<Refusal> {
        next.forms
            .iter()
            .filter(|f| f.needed == FormNeeded::ToEnter)
            .filter_map(|needed| {
                self.check_form_complete(
                    policy,
                    &needed.form,
                    next,
                    &needed.section,
                    Completeness::OnSubmit,
                )
                .err()
            })
            .collect()
    }

    fn check_form_complete(
        &self,
        policy: &Policy,
        id: &FormId,
        stage: &Stage,
        section: &str,
        completeness: Completeness,
    ) -> Result<(), Refusal> {
        let form = policy.form(id).ok_or_else(|| unknown_form(id))?;
        let submission = self
            .latest_form(id)
            .ok_or_else(|| form_not_submitted(policy, id.clone(), stage, section))?;
        let missing_fields = form::missing(form, &submission.values, completeness);
        if missing_fields.is_empty() {
            Ok(())
        } else {
            Err(Refusal::FormIncomplete {
                form: id.clone(),
                title: form.title.clone(),
                missing_fields,
                section: section.to_owned(),
            })
        }
    }

    fn current_panel(&self, stage: &Stage) -> Result<&crate::Panel, Refusal> {
        self.panel()
            .filter(|p| p.stage == stage.number)
            .ok_or_else(|| Refusal::PanelNotConvened {
                section: stage
                    .panel
                    .as_ref()
                    .map_or(&stage.section, |rule| &rule.section)
                    .clone(),
            })
    }

    fn convene(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        stage: &Stage,
        members: Vec<PanelSeat>,
        shortfall_reason: Option<Text>,
        ctx: &Context,
    ) -> Result<(), Refusal> {
        self.require_open(policy)?;
        let rule = stage
            .panel
            .as_ref()
            .ok_or_else(|| Refusal::NoPanelAtThisStage {
                stage: stage.number,
                section: stage.section.clone(),
            })?;
        check_decider(policy, self, stage, &ctx.actor)?;
        if members.is_empty() {
            return Err(Refusal::NoPanelMembers {
                section: rule.section.clone(),
            });
        }
        // Havering §2.12, "a senior officer from three agencies who are
        // members of the full Board", and Plymouth Stage Five, "Board
        // representatives from three agencies": a seat counts only for
        // someone the policy seats, so a practitioner, or the partnership
        // team's own agency, never makes up the number.
        for (i, seat) in members.iter().enumerate() {
            let field = format!("members[{i}].person");
            let entry = named(ctx, &field, &seat.person, &seat.agency)?;
            if !entry.active {
                return Err(Refusal::SeatHolderInactive {
                    field,
                    person: seat.person.clone(),
                    section: rule.section.clone(),
                });
            }
            if !rule.seats.is_empty() && !rule.seats.iter().any(|r| entry.person.holds(r)) {
                return Err(Refusal::NotAPanelSeat {
                    field,
                    person: seat.person.clone(),
                    seats: role_names(policy, self, &rule.seats),
                    section: rule.section.clone(),
                });
            }
        }
        let mut agencies: Vec<&AgencyId> = members.iter().map(|m| &m.agency).collect();
        agencies.sort();
        agencies.dedup();
        let got = u8::try_from(agencies.len()).unwrap_or(u8::MAX);
        // Havering §2.12 and Plymouth Stage Five: "from three agencies" is a
        // must in both; only the disputing agencies' seats are "where
        // possible" in Plymouth.
        if got < rule.min_agencies {
            return Err(Refusal::PanelTooSmall {
                required: rule.min_agencies,
                got,
                section: rule.section.clone(),
            });
        }
        let mut absent: Vec<AgencyId> = self
            .parties()
            .into_iter()
            .filter(|p| !agencies.contains(p))
            .cloned()
            .collect();
        absent.dedup();
        if !absent.is_empty() {
            match (rule.include_disputing, &shortfall_reason) {
                (Inclusion::Required, _) => {
                    return Err(Refusal::PanelLacksDisputingAgencies {
                        missing: absent,
                        section: rule.section.clone(),
                    });
                }
                (Inclusion::WherePossible, None) => {
                    return Err(Refusal::PanelShortfallNeedsReason {
                        missing: absent,
                        section: rule.section.clone(),
                    });
                }
                (Inclusion::WherePossible, Some(_)) => {}
            }
        }
        batch.emit(EventBody::PanelConvened {
            stage: stage.number,
            members,
            shortfall_reason,
            absent_disputing_agencies: absent,
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        stage: &Stage,
        route: ResolutionRoute,
        outcome: Text,
        outstanding_issues: Text,
        ctx: &Context,
    ) -> Result<(), Refusal> {
        self.require_open(policy)?;
        if !stage.resolution.contains(&route) {
            return Err(Refusal::RouteNotAllowed {
                route: route_words(route).into(),
                allowed: stage
                    .resolution
                    .iter()
                    .map(|r| route_words(*r).into())
                    .collect(),
                section: stage.section.clone(),
            });
        }
        match route {
            ResolutionRoute::Agreement => {}
            ResolutionRoute::Decision => check_decider(policy, self, stage, &ctx.actor)?,
            ResolutionRoute::WithoutAgreement => {
                check_without_agreement_recorder(policy, self, stage, &ctx.actor)?;
                // East Riding §4, Stage Five: the meeting is "a final
                // opportunity ... before the decision is finalised", so it
                // ends without agreement only once a meeting did.
                if !self
                    .discussions()
                    .iter()
                    .any(|d| d.stage == stage.number && !d.record.ended_in_agreement)
                {
                    return Err(Refusal::NoDisagreementRecorded {
                        stage: stage.number,
                        section: stage
                            .without_agreement
                            .as_ref()
                            .map_or(&stage.section, |rule| &rule.section)
                            .clone(),
                    });
                }
            }
            ResolutionRoute::Panel => {
                let panel = self.current_panel(stage)?;
                check_panel_recorder(policy, self, stage, &ctx.actor)?;
                if let Some(rule) = stage.panel.as_ref().filter(|r| r.hears_representations) {
                    // Havering §2.13: the panel "will receive representations
                    // from those involved in the dispute" before it resolves.
                    let mut missing: Vec<AgencyId> = self
                        .parties()
                        .into_iter()
                        .filter(|p| !panel.representations.iter().any(|r| &r.agency == *p))
                        .cloned()
                        .collect();
                    missing.dedup();
                    if !missing.is_empty() {
                        return Err(Refusal::RepresentationsNotHeard {
                            missing,
                            section: rule.section.clone(),
                        });
                    }
                }
            }
        }
        self.check_leaving(policy, stage, Before::Resolve)?;
        // A stage may be final by some routes only: Plymouth Stage Five's
        // "The decision of the Plymouth Safeguarding Children Board
        // Resolution Panel will be final in this matter" says nothing of the
        // Chair resolving the issue direct.
        let final_decision = stage.is_final(route);
        let cause = batch.emit(EventBody::Resolved {
            stage: stage.number,
            route,
            outcome,
            outstanding_issues,
            final_decision,
        });
        batch.notify_stage(stage, Trigger::Resolved, self.subjects(), cause);
        let feedback = format!(
            "The disagreement has been resolved at Stage {}: read the agreed outcome on the case.",
            stage.number
        );
        for to in &policy.outcome.feedback_to {
            batch.notify(
                to,
                crate::Occasion::OutcomeFeedback,
                stage.number,
                &feedback,
                &policy.outcome.section,
                &[],
                cause,
            );
        }
        // Whoever raised it hears how it ended, even where the document
        // forgets to say so (the policy's `alerts.resolved_to`).
        for to in &policy.alerts.resolved_to {
            if !batch.tells(to, cause) {
                batch.notify(
                    to,
                    crate::Occasion::OutcomeFeedback,
                    stage.number,
                    &feedback,
                    design::TIME,
                    &[],
                    cause,
                );
            }
        }
        if final_decision {
            // DESIGN.md §5: "A final decision closes the case at that stage."
            // The written decision is itself the confirmation, so none is
            // awaited from the parties.
            let closed = batch.emit(EventBody::Closed {
                stage: stage.number,
                by_final_decision: true,
                missing_confirmations: Vec::new(),
            });
            batch.notify_stage(stage, Trigger::Closed, self.subjects(), closed);
        }
        Ok(())
    }

    fn close(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        stage: &Stage,
        missing_confirmations: Vec<MissingConfirmation>,
    ) -> Result<(), Refusal> {
        self.require_resolved(policy)?;
        for m in &missing_confirmations {
            self.require_party(policy, &m.agency)?;
        }
        if policy.outcome.written_confirmation {
            let parties: Vec<AgencyId> = self
                .unconfirmed_parties()
                .into_iter()
                .filter(|p| !missing_confirmations.iter().any(|m| &m.agency == *p))
                .cloned()
                .collect();
            if !parties.is_empty() {
                return Err(Refusal::ConfirmationsMissing {
                    parties,
                    section: policy.outcome.section.clone(),
                });
            }
        }
        let cause = batch.emit(EventBody::Closed {
            stage: stage.number,
            by_final_decision: false,
            missing_confirmations,
        });
        batch.notify_stage(stage, Trigger::Closed, self.subjects(), cause);
        Ok(())
    }

    fn reopen(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        calendar: &Calendar,
        stage: &Stage,
        reason: Text,
        ctx: &Context,
    ) -> Result<(), Refusal> {
        if !self.status().is_closed() {
            return Err(Refusal::NotClosed {
                section: design::RECORD.into(),
            });
        }
        if self.closures().last().is_some_and(|c| c.by_final_decision) {
            return Err(Refusal::FinalDecisionStands {
                section: stage.section.clone(),
            });
        }
        require_manager(&ctx.actor)?;
        let due = stage_due(calendar, stage, ctx.now, self.raised_at());
        let cause = batch.emit(EventBody::Reopened {
            stage: stage.number,
            reason,
            due,
            form_dues: form_dues(calendar, stage, ctx.now, self.raised_at()),
        });
        batch.notify_stage(stage, Trigger::Entry, self.subjects(), cause);
        self.record_on_entry(batch, policy, stage);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::too_many_arguments)]
    fn correct(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        track: &Track,
        corrects: Sequence,
        reason: Text,
        amendment: Amendment,
        ctx: &Context,
    ) -> Result<(), Refusal> {
        if corrects > self.version() {
            return Err(Refusal::NoSuchEvent {
                sequence: corrects,
                section: design::RECORD.into(),
            });
        }
        let does_not_fit = |hint: &str| Refusal::CorrectionDoesNotFit {
            corrects,
            hint: hint.into(),
            section: design::RECORD.into(),
        };
        let mut newly_holding: Vec<Subject> = Vec::new();
        match &amendment {
            Amendment::Discussion { record } => {
                let Some(found) = self.discussions().iter().find(|d| d.sequence == corrects) else {
                    return Err(does_not_fit("a discussion correction names a discussion"));
                };
                self.check_discussion(
                    policy,
                    record,
                    "amendment.record",
                    &found.record.participants,
                    ctx,
                )?;
                // The corrected record is held to the rules of the stage it
                // belongs to, which may be an earlier one.
                if let Some(held_at) = policy
                    .track(self.track())
                    .and_then(|t| t.stage(found.stage))
                {
                    check_chair(policy, self, held_at, record)?;
                }
            }
            Amendment::Action { details } => {
                let Some(found) = self.actions().iter().find(|a| a.sequence == corrects) else {
                    return Err(does_not_fit("an action correction names an action"));
                };
                // A correction says what was agreed then, so its date may
                // have passed since, and an owner it keeps may have left
                // since; a new owner is checked.
                if (&found.details.who, &found.details.agency) != (&details.who, &details.agency) {
                    self.check_action_owner(details, "amendment.details", ctx)?;
                }
            }
            Amendment::Concern { .. } | Amendment::Subjects { .. }
                if corrects != Sequence::FIRST =>
            {
                return Err(does_not_fit(
                    "the concern and subjects are corrected on the raise, event #1",
                ));
            }
            Amendment::Subjects { subjects } => {
                check_subjects(policy, track, subjects, "amendment.subjects", ctx)?;
                newly_holding.clone_from(subjects);
            }
            Amendment::Concern { .. } | Amendment::Erratum { .. } => {}
        }
        let cause = batch.emit(EventBody::Corrected {
            corrects,
            reason,
            amendment,
        });
        if !newly_holding.is_empty() {
            // A flag that now holds fires what it would have fired had it
            // been right from the start (Havering §2.5: the IRO "must also
            // be notified"); conditions that already held fired then.
            self.notify_newly_holding(
                batch,
                policy,
                &newly_holding,
                crate::Occasion::StageEntry,
                cause,
            );
        }
        Ok(())
    }
}

impl Case {
    /// Records a change in one subject's circumstances and emits what it
    /// newly makes due (`notify_newly_holding`). Unlike a correction, the
    /// record was right: the child's situation moved on.
    fn change_circumstances(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        stage: &Stage,
        subject: SubjectId,
        flags: [bool; 3],
        reason: Text,
    ) -> Result<(), Refusal> {
        let [child_protection_plan, looked_after, immediate_risk] = flags;
        let Some(current) = self.subjects().iter().find(|s| s.id == subject) else {
            return Err(Refusal::NoSuchSubject {
                subject,
                section: design::CONCEPTS.into(),
            });
        };
        if (
            current.child_protection_plan,
            current.looked_after,
            current.immediate_risk,
        ) == (child_protection_plan, looked_after, immediate_risk)
        {
            return Err(Refusal::CircumstancesUnchanged {
                subject,
                section: design::CONCEPTS.into(),
            });
        }
        let after: Vec<Subject> = self
            .subjects()
            .iter()
            .map(|s| {
                let mut s = s.clone();
                if s.id == subject {
                    s.child_protection_plan = child_protection_plan;
                    s.looked_after = looked_after;
                    s.immediate_risk = immediate_risk;
                }
                s
            })
            .collect();
        let cause = batch.emit(EventBody::CircumstancesChanged {
            stage: stage.number,
            subject,
            child_protection_plan,
            looked_after,
            immediate_risk,
            reason,
        });
        self.notify_newly_holding(
            batch,
            policy,
            &after,
            crate::Occasion::CircumstancesChanged,
            cause,
        );
        Ok(())
    }

    /// Emits what the subjects' flags becoming `after` newly makes due.
    ///
    /// Immediate risk arising tells whom the policy names, at once
    /// (DESIGN.md §5: "the DSL is notified"), even on a case already
    /// resolved, since the risk is to the child and not to the agreement.
    ///
    /// While the case is open, an entry notification that depends on a
    /// flag fires when the flag comes to hold: the current stage's, and
    /// those of every stage the case has been at on its way there. Its
    /// condition is about the case, not the moment of entry: Havering §2.5,
    /// "If the case involves a child subject to a Child Protection Plan or a
    /// Looked After Child, the Independent Reviewing Officer (IRO) must also
    /// be notified", a line the §4 flowchart repeats in Stage 3's box; so a
    /// child who becomes Looked After at Stage Three is owed the IRO
    /// notification Stage Two would have sent. A condition that already
    /// held fired then and does not fire again.
    fn notify_newly_holding(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        after: &[Subject],
        occasion: crate::Occasion,
        cause: Sequence,
    ) {
        let before = self.subjects();
        let newly = |c: accord_policy::Condition| !holds(c, before) && holds(c, after);
        if newly(accord_policy::Condition::ImmediateRisk) {
            batch.notify_immediate_risk(policy, self.stage(), cause);
        }
        if self.status() != Status::Open {
            return;
        }
        let Some(track) = policy.track(self.track()) else {
            return;
        };
        let mut been_at: Vec<accord_policy::StageNumber> =
            self.stage_history().iter().map(|v| v.stage).collect();
        been_at.sort_unstable();
        been_at.dedup();
        let mut sent: Vec<(&RoleRef, &str)> = Vec::new();
        for n in been_at
            .into_iter()
            .filter_map(|number| track.stage(number))
            .flat_map(|s| &s.notifications)
            .filter(|n| n.on.on_entry() && n.when != accord_policy::Condition::Always)
            .filter(|n| newly(n.when))
        {
            if sent.contains(&(&n.to, n.message.as_str())) {
                continue;
            }
            sent.push((&n.to, &n.message));
            batch.notify(
                &n.to,
                occasion,
                self.stage(),
                &n.message,
                &n.section,
                &n.attach,
                cause,
            );
        }
    }
}

fn closed() -> Refusal {
    Refusal::CaseClosed {
        section: design::RECORD.into(),
    }
}

fn no_deadline(stage: &Stage) -> Refusal {
    Refusal::NoDeadline {
        stage: stage.number,
        section: stage.section.clone(),
    }
}

fn unknown_form(id: &FormId) -> Refusal {
    Refusal::UnknownForm {
        form: id.clone(),
        section: design::CONCEPTS.into(),
    }
}

fn form_not_submitted(policy: &Policy, form: FormId, stage: &Stage, section: &str) -> Refusal {
    let title = policy
        .form(&form)
        .map_or_else(|| form.to_string(), |f| f.title.clone());
    Refusal::FormNotSubmitted {
        form,
        title,
        stage: stage.number,
        section: section.to_owned(),
    }
}

fn check_calendar(policy: &Policy, calendar: &Calendar) -> Result<(), Refusal> {
    if calendar.id() == &policy.calendar {
        Ok(())
    } else {
        Err(Refusal::CalendarMismatch {
            policy_calendar: policy.calendar.to_string(),
            given: calendar.id().to_string(),
            section: design::TIME.into(),
        })
    }
}

pub(crate) fn require_manager(actor: &Actor) -> Result<(), Refusal> {
    if actor.is_manager_or_above() {
        Ok(())
    } else {
        Err(Refusal::NotAManager {
            tier: actor.tier.id().into(),
            section: design::TIME.into(),
        })
    }
}

/// IOM-1: the Isle of Man covers vulnerable adults; the others children
/// only. A case on a track about a child names one (issue 12 §6: with no
/// child, Havering §2.5's IRO condition could never hold).
///
/// A date of birth falls between 1900 (an adult at risk may be old) and
/// today in the United Kingdom: a date in the future is a mistype (issue
/// 14 §2). `field` is where the subjects are in the request.
fn check_subjects(
    policy: &Policy,
    track: &Track,
    subjects: &[Subject],
    field: &str,
    ctx: &Context,
) -> Result<(), Refusal> {
    for (i, subject) in subjects.iter().enumerate() {
        if let Some(born) = subject.date_of_birth {
            let today = crate::dates::uk_date(ctx.now);
            let problem = if born > today {
                Some(format!(
                    "A date of birth must be today or in the past; {} is in the future",
                    born.strftime("%-d %B %Y")
                ))
            } else {
                crate::dates::FORM_ANSWERS.problem(born)
            };
            if let Some(problem) = problem {
                return Err(Refusal::DateOutOfRange {
                    field: format!("{field}[{i}].date_of_birth"),
                    problem,
                    section: design::CONCEPTS.into(),
                });
            }
        }
    }
    if track.needs_subject && subjects.is_empty() {
        return Err(Refusal::NoSubjects {
            kinds: policy
                .subjects
                .iter()
                .map(|k| kind_words(*k))
                .collect::<Vec<_>>()
                .join(" or "),
            section: track.section.clone(),
        });
    }
    match subjects.iter().find(|s| !policy.subjects.contains(&s.kind)) {
        None => Ok(()),
        Some(s) => Err(Refusal::SubjectKindNotCovered {
            kind: kind_words(s.kind).into(),
            covered: policy
                .subjects
                .iter()
                .map(|k| kind_words(*k))
                .collect::<Vec<_>>()
                .join(" and "),
            section: format!("{} (whom it covers)", policy.document.title),
        }),
    }
}

fn kind_words(kind: accord_policy::SubjectKind) -> &'static str {
    match kind {
        accord_policy::SubjectKind::Child => "child",
        accord_policy::SubjectKind::VulnerableAdult => "vulnerable adult",
    }
}

fn route_words(route: ResolutionRoute) -> &'static str {
    match route {
        ResolutionRoute::Agreement => "agreement",
        ResolutionRoute::Decision => "decision",
        ResolutionRoute::Panel => "panel",
        ResolutionRoute::WithoutAgreement => "ending without agreement",
    }
}

/// The stage a raise starts at: the area's entry stage (Sutton §7b: a
/// disagreement in assessment and care planning starts with the team
/// manager and the first line manager), or a later stage the track allows
/// for immediate risk. A later start never goes below the entry stage.
fn starting_stage<'p>(
    policy: &'p Policy,
    track: &'p Track,
    raise: &Raise,
) -> Result<&'p Stage, Refusal> {
    let entry = policy.entry_stage(track, &raise.area);
    let Some(later) = raise.start_at.as_ref().filter(|l| l.stage != entry.number) else {
        return Ok(entry);
    };
    if later.stage < entry.number {
        return Err(Refusal::BelowEntryStage {
            stage: later.stage,
            entry: entry.number,
            area: raise.area.to_string(),
            section: entry.section.clone(),
        });
    }
    if !raise.subjects.iter().any(|s| s.immediate_risk) {
        return Err(Refusal::LaterStartNeedsImmediateRisk {
            section: policy.immediate_risk.section.clone(),
        });
    }
    let not_allowed = || Refusal::ImmediateRiskEntryNotAllowed {
        stage: later.stage,
        allowed: track.immediate_risk_entry.clone(),
        first: entry.number,
        section: policy.immediate_risk.section.clone(),
    };
    if !track.immediate_risk_entry.contains(&later.stage) {
        return Err(not_allowed());
    }
    track.stage(later.stage).ok_or_else(not_allowed)
}

/// Where a stage's chair must come from an uninvolved agency and no one
/// decides it (East Riding §4, Stage Five: "identify a Partnership Member
/// from an uninvolved agency to chair a meeting"), anyone taking part in a
/// discussion in the chair's role must be from an agency not in dispute.
/// The discussion is where the chair acts: it is the record of the meeting
/// they chair.
fn check_chair(
    policy: &Policy,
    case: &Case,
    stage: &Stage,
    record: &DiscussionRecord,
) -> Result<(), Refusal> {
    let leads = &stage.leads;
    if !leads.decides_from_uninvolved_agency || !leads.decides.is_empty() {
        return Ok(());
    }
    let involved_chair = record.participants.iter().find(|p| {
        leads
            .chairs
            .iter()
            .any(|c| role_matches(policy, &p.role, c))
            && case.parties().contains(&&p.agency)
    });
    match involved_chair {
        Some(p) => Err(Refusal::ChairNotUninvolved {
            agency: p.agency.clone(),
            section: stage.section.clone(),
        }),
        None => Ok(()),
    }
}

/// Refuses a date in `command` outside the range a case may hold (form
/// answers are checked with the form).
fn check_command_dates(command: &Command) -> Result<(), Refusal> {
    match command {
        Command::RecordDiscussion { record } => {
            dates::check_instant("record.held_at", record.held_at)
        }
        Command::ApproveDiscussion { approved_on, .. } => dates::check("approved_on", *approved_on),
        Command::AgreeAction { details } | Command::AgreeFollowUp { details, .. } => {
            dates::check("details.by_when", details.by_when)
        }
        _ => Ok(()),
    }
}

/// The form, with the answers it is to keep (`completed_sections`), if
/// `values` fit it, are the actor's to give and, so kept, answer
/// everything required on submission. `latest` is the form's latest
/// submission on the case, if any.
fn check_submission<'p>(
    policy: &'p Policy,
    area: &AreaId,
    id: &FormId,
    values: &FormValues,
    latest: Option<&FormValues>,
    ctx: &Context,
) -> Result<(&'p Form, FormValues), Refusal> {
    let form = policy.form(id).ok_or_else(|| unknown_form(id))?;
    let problems = form::problems(form, values);
    if !problems.is_empty() {
        return Err(Refusal::FormInvalid {
            form: id.clone(),
            title: form.title.clone(),
            problems,
            section: form.section.clone(),
        });
    }
    let values = completed_sections(policy, area, form, values, latest, ctx)?;
    let missing_fields = form::missing(form, &values, Completeness::OnSubmit);
    if !missing_fields.is_empty() {
        return Err(Refusal::FormIncomplete {
            form: id.clone(),
            title: form.title.clone(),
            missing_fields,
            section: form.section.clone(),
        });
    }
    Ok((form, values))
}

/// Whether `actor` holds `role` on `case`: a tier or declared role they
/// hold, or for `area-route` the role the case's area routes to (Sutton §6:
/// each area of LSCB business goes to its own subgroup chair, so the chair
/// of another subgroup does not hold it). Other relations name nobody who
/// may decide.
fn holds_on(policy: &Policy, case: &Case, actor: &Actor, role: &RoleRef) -> bool {
    holds_in(policy, case.area(), actor, role)
}

/// [`holds_on`] for a case in `area`, before or after it is raised.
fn holds_in(policy: &Policy, area: &AreaId, actor: &Actor, role: &RoleRef) -> bool {
    match role {
        RoleRef::Relation(Relation::AreaRoute) => policy
            .areas
            .iter()
            .find(|a| &a.id == area)
            .and_then(|a| a.routes_to.as_ref())
            .filter(|r| !matches!(r, RoleRef::Relation(_)))
            .is_some_and(|r| actor.holds(r)),
        other => actor.holds(other),
    }
}

/// The names of `roles`, as the document writes them, for a refusal that
/// says whom to ask. `area-route` names the role the case's area routes to.
fn role_names(policy: &Policy, case: &Case, roles: &[RoleRef]) -> Vec<String> {
    role_names_in(policy, case.area(), roles)
}

/// [`role_names`] for a case in `area`, before or after it is raised.
fn role_names_in(policy: &Policy, area: &AreaId, roles: &[RoleRef]) -> Vec<String> {
    roles
        .iter()
        .map(|r| {
            let r = match r {
                RoleRef::Relation(Relation::AreaRoute) => policy
                    .areas
                    .iter()
                    .find(|a| &a.id == area)
                    .and_then(|a| a.routes_to.as_ref())
                    .unwrap_or(r),
                other => other,
            };
            match r {
                RoleRef::Declared(id) => policy
                    .role(id)
                    .map_or_else(|| id.to_string(), |r| r.name.clone()),
                other => other.id().to_owned(),
            }
        })
        .collect()
}

/// Only a holder of a role the stage names in `decides` decides directly,
/// convenes a panel or arbitrates (DESIGN.md §2: "A tier is never a
/// stand-in for a role"): Sutton §7d's "decision by the Chair" is the
/// Independent LSCB Chair's, not any chair's, and East Riding §5's
/// arbitration is the ERSCP's, not the conference chair's. Where the policy
/// says so, the decider comes from an agency not in dispute (East Riding
/// Stage Five).
pub(crate) fn check_decider(
    policy: &Policy,
    case: &Case,
    stage: &Stage,
    actor: &Actor,
) -> Result<(), Refusal> {
    // On a stage that names no decider the rule is the chair's instead
    // (`check_chair`).
    if stage.leads.decides_from_uninvolved_agency
        && !stage.leads.decides.is_empty()
        && case.parties().contains(&&actor.agency)
    {
        return Err(Refusal::DeciderNotUninvolved {
            section: stage.section.clone(),
        });
    }
    let deciders = &stage.leads.decides;
    if deciders.iter().any(|r| holds_on(policy, case, actor, r)) {
        return Ok(());
    }
    Err(Refusal::NotTheDecider {
        deciders: role_names(policy, case, deciders),
        section: stage.section.clone(),
    })
}

/// Only the Resolution Panel decides, and its decision is recorded by a
/// holder of a role the policy names for the panel (`recorded_by`, else
/// the stage's deciders, who convened it): Plymouth Stage Five, "The
/// decision of the Plymouth Safeguarding Children Board Resolution Panel
/// will be final in this matter", is never recorded by a party's
/// practitioner.
pub(crate) fn check_panel_recorder(
    policy: &Policy,
    case: &Case,
    stage: &Stage,
    actor: &Actor,
) -> Result<(), Refusal> {
    let recorders = stage.panel_recorders();
    if recorders.iter().any(|r| holds_on(policy, case, actor, r)) {
        return Ok(());
    }
    Err(Refusal::NotThePanelsRecorder {
        recorders: role_names(policy, case, recorders),
        section: stage
            .panel
            .as_ref()
            .map_or(&stage.section, |rule| &rule.section)
            .clone(),
    })
}

/// Only a holder of a role the stage names in `without_agreement` records
/// that it ended without agreement, and where the stage's chair must come
/// from an uninvolved agency (East Riding Stage Five: "a Partnership Member
/// from an uninvolved agency to chair a meeting"), so must they.
pub(crate) fn check_without_agreement_recorder(
    policy: &Policy,
    case: &Case,
    stage: &Stage,
    actor: &Actor,
) -> Result<(), Refusal> {
    let section = stage
        .without_agreement
        .as_ref()
        .map_or(&stage.section, |rule| &rule.section);
    let recorders = stage.without_agreement_recorders();
    if !recorders.iter().any(|r| holds_on(policy, case, actor, r)) {
        return Err(Refusal::NotWhoRecordsWithoutAgreement {
            recorders: role_names(policy, case, recorders),
            section: section.clone(),
        });
    }
    if stage.leads.decides_from_uninvolved_agency && case.parties().contains(&&actor.agency) {
        return Err(Refusal::RecorderNotUninvolved {
            agency: actor.agency.clone(),
            section: stage.section.clone(),
        });
    }
    Ok(())
}

/// Whether `actor` may give the concurrence `req` asks for: a holder of a
/// role it names (DESIGN.md §2: never a tier standing in for the role),
/// of the raising agency where it says so (Sutton §7c: "the agency's
/// designated safeguarding lead").
fn may_concur(policy: &Policy, case: &Case, req: &Requirement, actor: &Actor) -> bool {
    req.by.iter().any(|r| holds_on(policy, case, actor, r))
        && (!req.by_raising_agency || actor.agency == case.raised_by().agency)
}

/// Only a holder of a role a concurrence the stage requires names records
/// whether they concur (Sutton §7c: "If the designated lead concurs with
/// the concerns of the professional"): `NoConcurrenceAtThisStage` where the
/// stage asks for none, `NotTheConcurringRole`, naming the role, for
/// anyone else.
pub(crate) fn check_concurring(
    policy: &Policy,
    case: &Case,
    stage: &Stage,
    actor: &Actor,
) -> Result<(), Refusal> {
    let mut asked = stage
        .requirements
        .iter()
        .filter(|r| r.record == RecordKind::Concurrence)
        .peekable();
    let Some(first) = asked.peek().copied() else {
        return Err(Refusal::NoConcurrenceAtThisStage {
            stage: stage.number,
            section: stage.section.clone(),
        });
    };
    if asked.any(|req| may_concur(policy, case, req, actor)) {
        return Ok(());
    }
    Err(Refusal::NotTheConcurringRole {
        concurring: role_names(policy, case, &first.by),
        raising_agency_only: first.by_raising_agency,
        section: first.section.clone(),
    })
}

/// `values` as submitted by `ctx`'s actor, with each section of `form`
/// that names a role in `completed_by` they do not hold kept as `latest`
/// left it (Sutton Appendix 1: "Safeguarding Advisor: Sign: ___ Date:
/// ___" is the Advisor's to sign, not the referrer's to type). Blank
/// answers there are kept as they were, so the rest of the form can be
/// submitted again without them; an answer that differs is refused with
/// the role named.
///
/// Someone who completes a section by their role and leaves another
/// section wholly blank has submitted their own part only: that section
/// keeps its latest answers too, so the Safeguarding Advisor signs without
/// retyping, or erasing, what the referrer wrote.
fn completed_sections(
    policy: &Policy,
    area: &AreaId,
    form: &Form,
    values: &FormValues,
    latest: Option<&FormValues>,
    ctx: &Context,
) -> Result<FormValues, Refusal> {
    let completes = |by: &RoleRef| holds_in(policy, area, &ctx.actor, by);
    let answered = |id: &accord_policy::FieldId| values.get(id).is_some_and(|v| v.is_answered());
    let by_role = form
        .sections
        .iter()
        .filter_map(|s| s.completed_by.as_ref())
        .any(completes);
    let mut kept = values.clone();
    for section in &form.sections {
        let theirs = match section.completed_by.as_ref() {
            Some(by) => completes(by),
            None => !by_role || section.fields.iter().any(|f| answered(&f.id)),
        };
        if theirs {
            continue;
        }
        for field in &section.fields {
            let before = latest
                .and_then(|v| v.get(&field.id))
                .filter(|v| v.is_answered());
            let given = values.get(&field.id).filter(|v| v.is_answered());
            if section.completed_by.is_some() && given.is_some_and(|g| Some(g) != before) {
                return Err(Refusal::NotTheSectionsCompleter {
                    form: form.id.clone(),
                    title: form.title.clone(),
                    section_title: section.title.clone(),
                    completers: role_names_in(policy, area, section.completed_by.as_slice()),
                    section: form.section.clone(),
                });
            }
            match before {
                Some(v) => kept.0.insert(field.id.clone(), v.clone()),
                None => kept.0.remove(&field.id),
            };
        }
    }
    Ok(kept)
}

/// Whether someone who took part as `held` counts as `wanted`: the same
/// role, or a declared role of the wanted tier.
fn role_matches(policy: &Policy, held: &RoleRef, wanted: &RoleRef) -> bool {
    held == wanted
        || matches!((held, wanted), (RoleRef::Declared(id), RoleRef::Tier(t))
            if policy.role(id).is_some_and(|r| r.tier == *t))
}

/// What the stage's leads and the tier above them are told when a deadline
/// passes on a stage whose policy names nobody for it.
fn breach_message(policy: &Policy, stage: &Stage, form: Option<&FormId>) -> String {
    let what = match form.and_then(|f| policy.form(f)) {
        Some(form) => format!("{} was due", form.title),
        None => format!(
            "Stage {} ({}) was due to be finished",
            stage.number, stage.name
        ),
    };
    format!(
        "{what} and the deadline has passed. Agree what happens next today: record the \
         discussion, escalate to the next stage, or record an extension with its reason."
    )
}

impl Case {
    /// A discussion's record is checked against the directory and the
    /// case: someone took part, it was held since the disagreement was
    /// raised and not in the future, and each participant is of the agency
    /// and holds the role they are recorded with (issue 12 §2: "A
    /// participant's role must be one they hold").
    fn check_discussion(
        &self,
        policy: &Policy,
        record: &DiscussionRecord,
        field: &str,
        recorded: &[crate::Participant],
        ctx: &Context,
    ) -> Result<(), Refusal> {
        if record.participants.is_empty() && record.unlisted_participants.is_empty() {
            return Err(Refusal::NoParticipants {
                section: design::CONCEPTS.into(),
            });
        }
        if record.held_at > ctx.now {
            return Err(Refusal::DiscussionInFuture {
                section: design::CONCEPTS.into(),
            });
        }
        if record.held_at < self.raised_at() {
            return Err(Refusal::DiscussionBeforeRaised {
                section: design::CONCEPTS.into(),
            });
        }
        // A correction keeps a participant as recorded then, though they
        // may have changed role or left since; anyone it adds or changes is
        // checked against the directory now.
        for (i, p) in record
            .participants
            .iter()
            .enumerate()
            .filter(|(_, p)| !recorded.contains(p))
        {
            let entry = named(
                ctx,
                &format!("{field}.participants[{i}].person"),
                &p.person,
                &p.agency,
            )?;
            // A relation to the case (`raiser`, `stage-leads`…) is not a
            // role anyone holds: the record names the role they hold.
            if !entry.person.holds(&p.role) {
                return Err(Refusal::RoleNotHeld {
                    field: format!("{field}.participants[{i}].role"),
                    role: p.role.id().to_owned(),
                    held: held_words(policy, &entry.person),
                    section: design::CONCEPTS.into(),
                });
            }
        }
        Ok(())
    }

    /// Whether `record` is a discussion between the sides `stage` names:
    /// on each side the stage leads, someone of that side's agency took
    /// part in one of its lead roles, and at least two people took part.
    /// Only such a discussion meets a stage's requirement (issue 12 §2: a
    /// Stage One discussion "with only themselves taking part" is not a
    /// discussion with the other worker). East Riding's Stage One is within
    /// the raising agency, so names no other side.
    fn between_the_sides(&self, policy: &Policy, stage: &Stage, record: &DiscussionRecord) -> bool {
        let [raising, other] = self.parties();
        let side = |agency: &AgencyId, leads: &[RoleRef]| {
            leads.is_empty()
                || record.participants.iter().any(|p| {
                    &p.agency == agency
                        && leads.iter().any(|lead| match lead {
                            RoleRef::Relation(Relation::Raiser) => self.is_raiser(&p.person),
                            RoleRef::Relation(_) => false,
                            lead => role_matches(policy, &p.role, lead),
                        })
                })
        };
        let mut people: Vec<_> = record.participants.iter().map(|p| &p.person).collect();
        people.sort();
        people.dedup();
        people.len() >= 2 && side(raising, &stage.leads.raising) && side(other, &stage.leads.other)
    }

    /// An action is given to someone who can do it: an active person of an
    /// agency in the disagreement or of the partnership's team (issue 12
    /// §2).
    fn check_action_owner(
        &self,
        details: &ActionDetails,
        field: &str,
        ctx: &Context,
    ) -> Result<(), Refusal> {
        let field = format!("{field}.who");
        let entry = named(ctx, &field, &details.who, &details.agency)?;
        if !entry.active {
            return Err(Refusal::ActionOwnerInactive {
                field,
                person: details.who.clone(),
                section: design::CONCEPTS.into(),
            });
        }
        if !self.may_own_action(&entry.person) {
            return Err(Refusal::ActionOwnerNotInvolved {
                field,
                person: details.who.clone(),
                parties: self.parties().into_iter().cloned().collect(),
                section: design::CONCEPTS.into(),
            });
        }
        Ok(())
    }
}

impl Case {
    /// A leaver's piece of open work goes to someone who can carry it
    /// (issue 13 §3): handed over by an administrator, who keeps the
    /// directory, to someone else who is working now, is no administrator
    /// (who take no part in cases), and is of the agency the piece belongs
    /// to: the raising agency for the raiser's part, the other agency for
    /// its named professional, the panel seat's agency and a role the
    /// panel rule seats for a seat, and for an action anyone an action
    /// may be given to.
    #[allow(clippy::too_many_arguments)]
    fn hand_over_work(
        &self,
        batch: &mut Batch<'_>,
        policy: &Policy,
        stage: &Stage,
        from: PersonId,
        to: PersonId,
        work: crate::OpenWork,
        reason: Text,
        ctx: &Context,
    ) -> Result<(), Refusal> {
        use crate::OpenWork;
        let section = || design::RECORD.to_owned();
        if ctx.actor.tier != RoleTier::Admin {
            return Err(Refusal::NotAnAdministrator { section: section() });
        }
        if !self.open_work_of(&from).contains(&work) {
            return Err(Refusal::NoSuchOpenWork {
                person: from,
                section: section(),
            });
        }
        if from == to {
            return Err(Refusal::HandOverToSamePerson {
                person: to,
                section: section(),
            });
        }
        let field = "to";
        let entry = ctx.person(&to).ok_or_else(|| Refusal::UnknownPerson {
            field: field.to_owned(),
            person: to.clone(),
            section: design::CONCEPTS.into(),
        })?;
        if !entry.active {
            return Err(Refusal::SuccessorInactive {
                field: field.to_owned(),
                person: to,
                section: section(),
            });
        }
        if entry.person.tier == RoleTier::Admin {
            return Err(Refusal::SuccessorIsAdministrator {
                field: field.to_owned(),
                person: to,
                section: section(),
            });
        }
        let agency = entry.person.agency.clone();
        let belongs_to = match work {
            OpenWork::Raiser => Some(self.raised_by().agency.clone()),
            OpenWork::OtherProfessional => Some(self.other_agency().clone()),
            OpenWork::PanelSeat => self
                .panel()
                .and_then(|p| p.members.iter().find(|m| m.person == from))
                .map(|m| m.agency.clone()),
            OpenWork::Action { action } => {
                let details = self
                    .actions()
                    .iter()
                    .find(|a| a.sequence == action)
                    .map(|a| ActionDetails {
                        who: to.clone(),
                        agency: agency.clone(),
                        ..a.details.clone()
                    })
                    .ok_or_else(|| Refusal::NoSuchAction {
                        sequence: action,
                        section: design::RECORD.into(),
                    })?;
                self.check_action_owner(&details, "", ctx)
                    .map_err(|r| match r {
                        Refusal::ActionOwnerNotInvolved {
                            person,
                            parties,
                            section,
                            ..
                        } => Refusal::ActionOwnerNotInvolved {
                            field: field.to_owned(),
                            person,
                            parties,
                            section,
                        },
                        other => other,
                    })?;
                None
            }
        };
        if let Some(needed) = belongs_to
            && needed != agency
        {
            return Err(Refusal::SuccessorNotOfAgency {
                person: to,
                works_for: agency,
                needed,
                section: section(),
            });
        }
        if work == OpenWork::PanelSeat
            && let Some(rule) = stage.panel.as_ref().filter(|r| !r.seats.is_empty())
            && !rule.seats.iter().any(|r| entry.person.holds(r))
        {
            return Err(Refusal::NotAPanelSeat {
                field: field.to_owned(),
                person: to,
                seats: role_names(policy, self, &rule.seats),
                section: rule.section.clone(),
            });
        }
        batch.emit(EventBody::HandedOver {
            work,
            from,
            to,
            agency,
            reason,
        });
        Ok(())
    }
}

/// The directory's entry for the person named at `field`, who must be of
/// `agency`.
fn named<'c>(
    ctx: &'c Context,
    field: &str,
    person: &PersonId,
    agency: &AgencyId,
) -> Result<&'c DirectoryEntry, Refusal> {
    let entry = ctx.person(person).ok_or_else(|| Refusal::UnknownPerson {
        field: field.to_owned(),
        person: person.clone(),
        section: design::CONCEPTS.into(),
    })?;
    if &entry.person.agency != agency {
        return Err(Refusal::NotTheirAgency {
            field: field.to_owned(),
            person: person.clone(),
            works_for: entry.person.agency.clone(),
            section: design::CONCEPTS.into(),
        });
    }
    Ok(entry)
}

/// The roles someone holds, as ids: their tier, then their declared roles.
fn held_words(policy: &Policy, person: &Actor) -> String {
    std::iter::once(person.tier.id())
        .chain(
            person
                .roles
                .iter()
                .filter(|r| policy.role(r).is_some())
                .map(|r| r.as_str()),
        )
        .collect::<Vec<_>>()
        .join(", ")
}

/// A new action is not due in the past: "by when" is a promise, and a date
/// already gone promises nothing (issue 12 §2).
/// A learning follow-up goes to someone working in the partnership now,
/// of the agency named with them: not only the agencies in dispute, since
/// learning is the partnership's (a subgroup's chair, a training lead), and
/// never an administrator, who takes no part in cases.
fn check_follow_up_owner(details: &ActionDetails, ctx: &Context) -> Result<(), Refusal> {
    let field = "details.who";
    let entry = named(ctx, field, &details.who, &details.agency)?;
    if !entry.active {
        return Err(Refusal::ActionOwnerInactive {
            field: field.to_owned(),
            person: details.who.clone(),
            section: design::CONCEPTS.into(),
        });
    }
    if entry.person.tier == RoleTier::Admin {
        return Err(Refusal::AdministratorTakesNoPart {
            field: field.to_owned(),
            person: details.who.clone(),
            section: design::CONCEPTS.into(),
        });
    }
    Ok(())
}

fn check_due_date(
    calendar: &Calendar,
    details: &ActionDetails,
    ctx: &Context,
) -> Result<(), Refusal> {
    let today = ctx
        .now
        .to_zoned_datetime(calendar.time_zone().clone())
        .date();
    if details.by_when < today {
        return Err(Refusal::ActionDueInPast {
            today,
            section: design::CONCEPTS.into(),
        });
    }
    Ok(())
}
