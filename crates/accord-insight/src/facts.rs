//! What one case's events say, as the figures count it: who raised it about
//! whom, when each stage began and ended, and when it was resolved,
//! withdrawn, closed, breached or taught something. Read straight from the
//! events, so a case's history can be asked about any instant in it.

use accord_case::{AgencyId, Amendment, CaseId, Event, EventBody, Sequence};
use accord_policy::{AreaId, ResolutionRoute, StageNumber, ThemeId, TrackId};
use jiff::Timestamp;

/// The kinds of event the figures read (their `type`), so that storage can
/// leave the rest (discussions, forms, notifications) unread; a stream of
/// only these gives the same [`CaseFacts`] as the whole stream.
pub const EVENTS_COUNTED: &[&str] = &[
    "raised",
    "escalation_decided",
    "escalated",
    "resolved",
    "withdrawn",
    "closed",
    "reopened",
    "breach_recorded",
    "learning_recorded",
    "corrected",
];

/// One case's history, reduced to what the figures count. `accord-store`
/// keeps one for every case, written with each append (its `facts.rs`): a
/// change to these fields or to how [`CaseFacts::from_events`] reads them
/// bumps its `FACTS_VERSION`, so stored facts are recomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// The case.
    pub case: CaseId,
    /// Its track.
    pub track: TrackId,
    /// Its area of disagreement.
    pub area: AreaId,
    /// The agency that raised it: the raiser's agency when they raised it.
    pub raising_agency: AgencyId,
    /// The agency whose decision is disputed.
    pub other_agency: AgencyId,
    /// When it was raised.
    pub raised_at: Timestamp,
    /// Whether the raise put a subject at immediate risk of significant
    /// harm, as the raise recorded it or a correction of the raise says it
    /// should have (a later change of circumstances is not an entry).
    pub immediate_risk: bool,
    /// Whether it started above its track's first stage for immediate
    /// risk, with the reason the raise records.
    pub started_above_first_stage: bool,
    /// Each stay at a stage, in order.
    pub visits: Vec<Visit>,
    /// Each outcome recorded, in order (more than one only if reopened).
    pub resolutions: Vec<Resolution>,
    /// Each withdrawal, in order.
    pub withdrawals: Vec<(StageNumber, Timestamp)>,
    /// Each closure, in order.
    pub closures: Vec<Timestamp>,
    /// Each reopening, in order.
    pub reopenings: Vec<Timestamp>,
    /// Each breach recorded: the stage and when.
    pub breaches: Vec<(StageNumber, Timestamp)>,
    /// Each learning record: its theme and when.
    pub learning: Vec<(ThemeId, Timestamp)>,
}

/// One stay at a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    /// The stage.
    pub stage: StageNumber,
    /// When the case entered it (was raised, escalated or reopened there).
    pub entered_at: Timestamp,
    /// When the stay ended: the first of a decision to escalate, an
    /// escalation, an outcome, a withdrawal or a closure; `None` while it
    /// goes on.
    pub ended_at: Option<Timestamp>,
}

/// An outcome recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    /// The stage it was reached at.
    pub stage: StageNumber,
    /// How.
    pub route: ResolutionRoute,
    /// When.
    pub at: Timestamp,
}

/// Why a stream cannot be read as a case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactsError {
    /// The stream is empty or does not start with the raise.
    #[error("case {0} does not start with its raise")]
    NoRaise(String),
}

impl CaseFacts {
    /// Reads one case's events, in stream order.
    pub fn from_events(events: &[Event]) -> Result<CaseFacts, FactsError> {
        let Some(first) = events.first() else {
            return Err(FactsError::NoRaise(String::new()));
        };
        let EventBody::Raised(raised) = &first.body else {
            return Err(FactsError::NoRaise(first.case.as_str().to_owned()));
        };
        let mut subjects_at_risk = raised.subjects.iter().any(|s| s.immediate_risk);
        let mut facts = CaseFacts {
            case: first.case.clone(),
            track: raised.track.clone(),
            area: raised.area.clone(),
            raising_agency: first.actor.agency.clone(),
            other_agency: raised.other_agency.clone(),
            raised_at: first.at,
            immediate_risk: false,
            started_above_first_stage: raised.later_start_reason.is_some(),
            visits: vec![Visit {
                stage: raised.stage,
                entered_at: first.at,
                ended_at: None,
            }],
            resolutions: Vec::new(),
            withdrawals: Vec::new(),
            closures: Vec::new(),
            reopenings: Vec::new(),
            breaches: Vec::new(),
            learning: Vec::new(),
        };
        for event in &events[1..] {
            let at = event.at;
            match &event.body {
                EventBody::EscalationDecided { .. } => facts.end_visit(at),
                EventBody::Escalated { to, .. } => {
                    facts.end_visit(at);
                    facts.visits.push(Visit {
                        stage: *to,
                        entered_at: at,
                        ended_at: None,
                    });
                }
                EventBody::Resolved { stage, route, .. } => {
                    facts.end_visit(at);
                    facts.resolutions.push(Resolution {
                        stage: *stage,
                        route: *route,
                        at,
                    });
                }
                EventBody::Withdrawn { stage, .. } => {
                    facts.end_visit(at);
                    facts.withdrawals.push((*stage, at));
                }
                EventBody::Closed { .. } => {
                    facts.end_visit(at);
                    facts.closures.push(at);
                }
                EventBody::Reopened { stage, .. } => {
                    facts.reopenings.push(at);
                    facts.visits.push(Visit {
                        stage: *stage,
                        entered_at: at,
                        ended_at: None,
                    });
                }
                EventBody::BreachRecorded { stage, .. } => facts.breaches.push((*stage, at)),
                EventBody::LearningRecorded { theme, .. } => {
                    facts.learning.push((theme.clone(), at));
                }
                EventBody::Corrected {
                    corrects,
                    amendment: Amendment::Subjects { subjects },
                    ..
                } if *corrects == Sequence::FIRST => {
                    subjects_at_risk = subjects.iter().any(|s| s.immediate_risk);
                }
                _ => {}
            }
        }
        facts.immediate_risk = subjects_at_risk;
        Ok(facts)
    }

    /// Ends the current stay, if it has not ended.
    fn end_visit(&mut self, at: Timestamp) {
        if let Some(visit) = self.visits.last_mut()
            && visit.ended_at.is_none()
        {
            visit.ended_at = Some(at);
        }
    }

    /// Whether the case was being worked at `instant`: raised before it,
    /// and neither resolved, withdrawn nor closed since it was raised or
    /// last reopened.
    pub fn open_at(&self, instant: Timestamp) -> bool {
        if self.raised_at >= instant {
            return false;
        }
        let last =
            |times: &mut dyn Iterator<Item = Timestamp>| times.filter(|t| *t < instant).max();
        let ended = last(
            &mut self
                .resolutions
                .iter()
                .map(|r| r.at)
                .chain(self.withdrawals.iter().map(|w| w.1))
                .chain(self.closures.iter().copied()),
        );
        let reopened = last(&mut self.reopenings.iter().copied());
        match (ended, reopened) {
            (None, _) => true,
            (Some(e), Some(r)) => r > e,
            (Some(_), None) => false,
        }
    }

    /// The highest stage the case had entered by `instant`.
    pub fn stage_reached_by(&self, instant: Timestamp) -> Option<StageNumber> {
        self.visits
            .iter()
            .filter(|v| v.entered_at < instant)
            .map(|v| v.stage)
            .max()
    }

    /// Whether `agency` is one of the two agencies in the dispute.
    pub fn involves(&self, agency: &AgencyId) -> bool {
        &self.raising_agency == agency || &self.other_agency == agency
    }
}
