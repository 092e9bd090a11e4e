//! What a person may ask of a case now, and what still stands in the way
//! of leaving its stage: so that a screen offers only the commands the
//! policy lets that person give, and says before they try what the next
//! stage requires, rather than leaving them to find out from a refusal.
//!
//! [`Case::offers`] applies the rules about *who* may do *what* and *when*
//! (only a manager extends a deadline, only the stage's decider convenes a
//! panel, only a party confirms the outcome, only the raising agency
//! withdraws). It does not check the records a command needs: those are
//! what [`Case::outstanding`] lists, and the command's own refusal still
//! has the last word.

use accord_policy::{
    Before, FormId, FormNeeded, Notification, Policy, RecordKind, ResolutionRoute, StageNumber,
    Trigger,
};

use crate::{Actor, Case, Refusal, Status, batch::holds, decide};

/// A command the case offers someone, without its details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// Record a discussion at the current stage.
    RecordDiscussion,
    /// Formally approve a discussion record (Sutton §7b).
    ApproveDiscussion,
    /// Agree an action.
    AgreeAction,
    /// Mark an agreed action done.
    CompleteAction,
    /// Submit one of the forms the current stage or the next one needs.
    SubmitForm(FormId),
    /// Escalate to the next stage.
    Escalate {
        /// The next stage.
        to: StageNumber,
    },
    /// Give the current stage more time.
    ExtendDeadline,
    /// Convene the stage's Resolution Panel.
    ConvenePanel,
    /// Record a representation made to the panel.
    RecordRepresentation,
    /// Record the outcome, by one of these routes.
    Resolve(Vec<ResolutionRoute>),
    /// Confirm the outcome in writing for the actor's agency.
    ConfirmOutcome,
    /// Record learning from the disagreement.
    RecordLearning,
    /// Agree an action to follow up learning recorded.
    AgreeFollowUp,
    /// Mark a learning follow-up done.
    CompleteFollowUp,
    /// Withdraw the disagreement.
    Withdraw,
    /// Close the resolved case.
    Close,
    /// Reopen the closed or withdrawn case.
    Reopen,
    /// Record that a subject's circumstances have changed.
    RecordChangeOfCircumstances,
    /// Record whether the actor, holding the role the stage names,
    /// concurs (Sutton §7c: the designated lead).
    RecordConcurrence,
    /// Agree the case's own timescale for the current stage (Sutton §5).
    AgreeTimescale,
}

impl Case {
    /// The commands `actor` may give the case now under `policy` (the
    /// version it is bound to), in the order a screen lists them.
    pub fn offers(&self, policy: &Policy, actor: &Actor) -> Vec<Offer> {
        let mut offers = Vec::new();
        let track = policy.track(self.track());
        let stage = track.and_then(|t| t.stage(self.stage()));
        let learning = !policy.learning.themes.is_empty();
        match self.status() {
            Status::Open => {
                let Some(stage) = stage else {
                    return offers;
                };
                offers.push(Offer::RecordDiscussion);
                let approvals = track.is_some_and(|t| {
                    t.stages.iter().any(|s| {
                        s.requirements
                            .iter()
                            .any(|r| r.record == RecordKind::ApprovedDiscussion)
                    })
                });
                if approvals
                    && actor.is_manager_or_above()
                    && self.discussions().iter().any(|d| d.approved_on.is_none())
                {
                    offers.push(Offer::ApproveDiscussion);
                }
                offers.push(Offer::AgreeAction);
                if self.actions().iter().any(|a| a.completed.is_none()) {
                    offers.push(Offer::CompleteAction);
                }
                let next = track.and_then(|t| t.next_stage(stage.number));
                let entry_forms = next
                    .into_iter()
                    .flat_map(|n| n.forms.iter().filter(|f| f.needed == FormNeeded::ToEnter));
                // The form that says why a later stage may be entered
                // directly from here (Isle of Man Stage Four's referral form,
                // for "significant policy issues").
                let direct_forms = track.into_iter().flat_map(|t| &t.stages).filter_map(|t| {
                    t.direct_entry
                        .as_ref()
                        .filter(|d| d.from.contains(&stage.number))
                        .map(|d| &d.form)
                });
                let mut forms: Vec<&FormId> = stage
                    .forms
                    .iter()
                    .chain(entry_forms)
                    .map(|f| &f.form)
                    .chain(direct_forms)
                    .collect();
                let mut seen: Vec<&FormId> = Vec::new();
                forms.retain(|f| {
                    let first = !seen.contains(f);
                    seen.push(f);
                    first
                });
                offers.extend(forms.into_iter().cloned().map(Offer::SubmitForm));
                // An escalation already decided waits for its forms; a
                // stage that may be entered directly is offered once its
                // entry form says why (Isle of Man Stage Four).
                if self.awaiting_entry().is_none() {
                    if let Some(next) = next {
                        offers.push(Offer::Escalate { to: next.number });
                    }
                    for direct in track.into_iter().flat_map(|t| &t.stages).filter(|t| {
                        t.direct_entry.as_ref().is_some_and(|d| {
                            d.from.contains(&stage.number)
                                && self.latest_form(&d.form).is_some_and(|s| {
                                    matches!(
                                        s.values.get(&d.yes_to),
                                        Some(crate::FieldValue::YesNo(true))
                                    )
                                })
                        })
                    }) {
                        offers.push(Offer::Escalate { to: direct.number });
                    }
                }
                if actor.is_manager_or_above() && self.stage_due().instant().is_some() {
                    offers.push(Offer::ExtendDeadline);
                }
                if actor.is_manager_or_above() && stage.agreed_timescale.is_some() {
                    offers.push(Offer::AgreeTimescale);
                }
                if decide::check_concurring(policy, self, stage, actor).is_ok() {
                    offers.push(Offer::RecordConcurrence);
                }
                let decider = decide::check_decider(policy, self, stage, actor).is_ok();
                let panel_here = self.panel().is_some_and(|p| p.stage == stage.number);
                if stage.panel.is_some() && decider && !panel_here {
                    offers.push(Offer::ConvenePanel);
                }
                if panel_here {
                    offers.push(Offer::RecordRepresentation);
                }
                let routes: Vec<ResolutionRoute> = stage
                    .resolution
                    .iter()
                    .copied()
                    .filter(|route| match route {
                        ResolutionRoute::Agreement => true,
                        ResolutionRoute::Decision => decider,
                        ResolutionRoute::Panel => {
                            panel_here
                                && decide::check_panel_recorder(policy, self, stage, actor).is_ok()
                        }
                        ResolutionRoute::WithoutAgreement => {
                            decide::check_without_agreement_recorder(policy, self, stage, actor)
                                .is_ok()
                        }
                    })
                    .collect();
                if !routes.is_empty() {
                    offers.push(Offer::Resolve(routes));
                }
                if !self.subjects().is_empty() {
                    offers.push(Offer::RecordChangeOfCircumstances);
                }
                if actor.agency == self.raised_by().agency {
                    offers.push(Offer::Withdraw);
                }
            }
            Status::Resolved => {
                if policy.outcome.written_confirmation
                    && self.unconfirmed_parties().contains(&&actor.agency)
                {
                    offers.push(Offer::ConfirmOutcome);
                }
                if learning {
                    offers.push(Offer::RecordLearning);
                }
                offers.push(Offer::Close);
            }
            Status::Closed | Status::Withdrawn => {
                if learning {
                    offers.push(Offer::RecordLearning);
                }
                let final_decision = self.closures().last().is_some_and(|c| c.by_final_decision);
                if actor.is_manager_or_above() && !final_decision {
                    offers.push(Offer::Reopen);
                }
            }
        }
        // Learning is followed up whatever the case's state: it is the
        // partnership's, and outlives the dispute.
        if !self.learning().is_empty() {
            offers.push(Offer::AgreeFollowUp);
        }
        if self
            .learning()
            .iter()
            .flat_map(|l| &l.follow_ups)
            .any(|f| f.completed.is_none())
        {
            offers.push(Offer::CompleteFollowUp);
        }
        offers
    }

    /// What is still needed before the case can leave its current stage by
    /// `how`, as the refusals the move would meet: the stage's required
    /// records and forms, and for an escalation the forms the next stage
    /// needs to be entered. Empty when nothing stands in the way (the move
    /// itself may still be refused for another reason, such as there being
    /// no next stage).
    pub fn outstanding(&self, policy: &Policy, how: Before) -> Vec<Refusal> {
        let Some(track) = policy.track(self.track()) else {
            return Vec::new();
        };
        let Some(stage) = track.stage(self.stage()) else {
            return Vec::new();
        };
        let mut refusals = self.leaving_refusals(policy, stage, how);
        if how == Before::Escalate
            && let Some(next) = track.next_stage(stage.number)
        {
            // A form timed from the decision to escalate comes after it
            // (Isle of Man Stage Four's referral form): see
            // [`Case::awaited_on_escalation`].
            let timed: Vec<&FormId> = self
                .awaited_on_escalation(policy)
                .into_iter()
                .map(|f| &f.form)
                .collect();
            refusals.extend(self.entry_refusals(policy, next).into_iter().filter(
                |r| !matches!(r, Refusal::FormNotSubmitted { form, .. } if timed.contains(&form)),
            ));
        }
        refusals
    }

    /// The forms the next stage needs to be entered that an escalation
    /// from here would wait for, each due within its `within` of the
    /// decision (Isle of Man Appendix 1: the referral form "within 5 working
    /// days" of Stages One to Three being exhausted). Empty where a form
    /// without a `within` is missing too: then the escalation is refused
    /// until it is in.
    pub fn awaited_on_escalation<'p>(
        &self,
        policy: &'p Policy,
    ) -> Vec<&'p accord_policy::StageForm> {
        let Some(track) = policy.track(self.track()) else {
            return Vec::new();
        };
        let Some(next) = track.next_stage(self.stage()) else {
            return Vec::new();
        };
        let missing: Vec<&accord_policy::StageForm> = next
            .forms
            .iter()
            .filter(|f| f.needed == FormNeeded::ToEnter && self.latest_form(&f.form).is_none())
            .collect();
        let timed = |f: &&accord_policy::StageForm| {
            f.within
                .is_some_and(|w| w.length != accord_policy::TimescaleSpec::None)
        };
        if missing.iter().all(timed) {
            missing
        } else {
            Vec::new()
        }
    }

    /// Who an escalation from the current stage would tell, and what: the
    /// current stage's exit notifications and the next stage's entry ones
    /// whose condition holds for the case's subjects (Havering §2.5: the
    /// IRO, for a child subject to a Child Protection Plan or Looked After).
    pub fn notified_on_escalation<'p>(&self, policy: &'p Policy) -> Vec<&'p Notification> {
        let Some(track) = policy.track(self.track()) else {
            return Vec::new();
        };
        let Some(stage) = track.stage(self.stage()) else {
            return Vec::new();
        };
        let exit = stage.notifications.iter().filter(|n| n.on == Trigger::Exit);
        let entry = track
            .next_stage(stage.number)
            .into_iter()
            .flat_map(|next| next.notifications.iter().filter(|n| n.on.on_entry()));
        exit.chain(entry)
            .filter(|n| holds(n.when, self.subjects()))
            .collect()
    }
}
