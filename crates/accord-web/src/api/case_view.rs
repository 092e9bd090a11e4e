//! The case as the API shows it: [`CaseView`], what `GET
//! /api/v1/cases/{id}` and every command answer with. It is the folded case
//! (every record on it) with what a case page needs worked out from the
//! policy: the current stage's name and deadline, whether it is overdue,
//! how long it has been at the stage, every stage of its track for the
//! stage tracker, and the chronology of every event with who and when.

use accord_calendar::Due;
use accord_case::{Actor, AgencyId, Case, Sequence};
use accord_policy::{Policy, StageNumber, Track};
use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

use super::policies::TimescaleInfo;

/// A disagreement: everything on its record, and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CaseView {
    /// The record, as its events leave it: the raise (subjects, concern,
    /// parties), each stay at a stage, discussions, actions, forms, the
    /// panel, the outcome and its confirmations, learning, notifications,
    /// corrections, closures, its `status` and its `version` (send it back
    /// as `expected_version` with the next command).
    #[serde(flatten)]
    case: Case,
    /// The policy's title.
    policy_title: String,
    /// The track's name.
    track_name: String,
    /// The area of disagreement, in the policy's words.
    area_label: String,
    /// The agencies in disagreement: the raising agency, then the other.
    #[schema(value_type = Vec<String>)]
    parties: [AgencyId; 2],
    /// The current stage's number.
    stage: StageNumber,
    /// Its name, as the document writes it.
    stage_name: String,
    /// When what is pending next falls due: the stage's deadline, or a
    /// form it needs sooner; "as soon as possible" where neither gives a
    /// date, never an invented one.
    due: Due,
    /// Whether that deadline has passed, by the service's clock.
    overdue: bool,
    /// How long the case has been at its current stage, in whole minutes.
    minutes_at_stage: i64,
    /// Every stage of the track, in order, for the stage tracker.
    ladder: Vec<LadderStage>,
    /// Every event on the record, in order, with who and when.
    chronology: Vec<ChronologyEntry>,
}

/// One stage of the case's track, as the stage tracker draws it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LadderStage {
    /// Its number.
    number: StageNumber,
    /// Its name.
    name: String,
    /// How long it may take.
    timescale: TimescaleInfo,
    /// `passed` (the case was here and moved on), `current`, or `ahead`.
    #[schema(example = "current")]
    state: &'static str,
    /// When it was (or is) due, for a stage the case has been at: the due
    /// of its latest stay, after extensions.
    due: Option<Due>,
    /// Whether a breach of its deadline is on the record.
    breached: bool,
}

/// One event on the record.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChronologyEntry {
    /// Its number in the case's stream.
    sequence: Sequence,
    /// When it was recorded.
    #[schema(value_type = String, format = DateTime)]
    at: Timestamp,
    /// Who recorded it.
    actor: Actor,
    /// What kind of event it is, such as `raised`, `discussion_recorded`,
    /// `escalated` or `notification_due`.
    #[serde(rename = "type")]
    #[schema(example = "escalated")]
    kind: &'static str,
}

impl CaseView {
    /// The view of `case`, whose events are `events`, under `policy` (the
    /// version it is bound to), at `now`.
    pub(crate) fn new(
        case: Case,
        events: &[accord_case::Event],
        policy: &Policy,
        now: Timestamp,
    ) -> CaseView {
        let track = policy.track(case.track());
        let stage_name = case
            .current_stage(policy)
            .map_or_else(String::new, |s| s.name.clone());
        let area_label = policy
            .areas
            .iter()
            .find(|a| &a.id == case.area())
            .map_or_else(|| case.area().to_string(), |a| a.label.clone());
        let [raising, other] = case.parties();
        CaseView {
            policy_title: policy.title.clone(),
            track_name: track.map_or_else(String::new, |t| t.name.clone()),
            area_label,
            parties: [raising.clone(), other.clone()],
            stage: case.stage(),
            stage_name,
            due: case.due(),
            overdue: case.is_overdue(now),
            minutes_at_stage: case.time_at_stage(now).as_mins(),
            ladder: track.map_or_else(Vec::new, |t| ladder(&case, t)),
            chronology: events
                .iter()
                .map(|e| ChronologyEntry {
                    sequence: e.sequence,
                    at: e.at,
                    actor: e.actor.clone(),
                    kind: e.body.name(),
                })
                .collect(),
            case,
        }
    }

    /// The case's id.
    pub(crate) fn id(&self) -> &accord_case::CaseId {
        self.case.id()
    }
}

/// Every stage of `track` with where `case` stands on it.
fn ladder(case: &Case, track: &Track) -> Vec<LadderStage> {
    let history = case.stage_history();
    track
        .stages
        .iter()
        .map(|stage| {
            let latest = history.iter().rev().find(|v| v.stage == stage.number);
            let state = if stage.number == case.stage() {
                "current"
            } else if latest.is_some() {
                "passed"
            } else {
                "ahead"
            };
            LadderStage {
                number: stage.number,
                name: stage.name.clone(),
                timescale: TimescaleInfo::of(stage),
                state,
                due: latest.map(|v| v.due),
                breached: history
                    .iter()
                    .any(|v| v.stage == stage.number && !v.breaches.is_empty()),
            }
        })
        .collect()
}
