//! The timeline of a track if every stage ran to its full timescale.
//!
//! This is the picture a practitioner sees before raising ("what happens
//! next and by when", DESIGN.md §1) and the one `accord policy timeline`
//! prints: each stage starts on the last day the one before it allows, as if
//! every stage were escalated during its last working day at the time of
//! day the disagreement was raised (a limit in hours, when it runs out).
//! That is what happens when someone escalates on the last day: the next
//! stage's working days count from that day, not from the midnight the
//! deadline passes, which would give each later stage a day more than it
//! has (issue 12 §6). A stage with no timescale has no
//! deadline to escalate at, so it and every stage after it are open-ended;
//! no date is ever invented for them (DESIGN.md §3).
//!
//! Serialized (for `--format json`), instants are RFC 3339 in UTC and each
//! due date carries the local Europe/London date to show:
//!
//! ```json
//! { "stages": [ { "number": 1, "name": "…", "starts": "2027-12-24T09:00:00Z",
//!   "due": { "kind": "at", "instant": "2027-12-30T00:00:00Z", "last_day": "2027-12-29" } } ] }
//! ```

use accord_calendar::{Calendar, Due};
use jiff::Timestamp;
use serde::Serialize;

use crate::{CountFrom, StageNumber, Track};

/// When each stage of a track would start and fall due if every stage ran
/// to its full timescale and was escalated on its last day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// The stages, in order.
    pub stages: Vec<TimelineStage>,
}

/// One stage on a [`Timeline`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineStage {
    /// The stage's number.
    pub number: StageNumber,
    /// The stage's name.
    pub name: String,
    /// When it starts; `None` once an earlier stage is open-ended.
    pub starts: Option<Timestamp>,
    /// When it is due; `AsSoonAsPossible` when it, or an earlier stage, is
    /// open-ended.
    pub due: Due,
}

/// The timeline of `track` for a disagreement raised at `raised`, with
/// deadlines on `calendar`.
///
/// Stage 1 starts at `raised`. Each stage's clock starts at its own start
/// or at `raised`, as its timescale's `from` says. The next stage starts on
/// this one's last day at the time of day it was raised ([`escalated_at`]),
/// or at once if that was already past when it started: a stage counted
/// from raising can be entered after its deadline has passed (East
/// Riding's five days shared by Stages 1–4), and time on the timeline never
/// runs backwards.
pub fn timeline(track: &Track, calendar: &Calendar, raised: Timestamp) -> Timeline {
    let mut next_start = Some(raised);
    let stages = track
        .stages
        .iter()
        .map(|stage| {
            let starts = next_start;
            let due = match starts {
                Some(start) => {
                    let clock = match stage.timescale.from {
                        CountFrom::StageStart => start,
                        CountFrom::Raised => raised,
                    };
                    calendar.due(clock, stage.timescale.timescale())
                }
                None => Due::AsSoonAsPossible,
            };
            next_start = starts
                .zip(escalated_at(
                    calendar,
                    &due,
                    stage.timescale.timescale(),
                    raised,
                ))
                .map(|(s, e)| s.max(e));
            TimelineStage {
                number: stage.number,
                name: stage.name.clone(),
                starts,
                due,
            }
        })
        .collect();
    Timeline { stages }
}

/// When the timeline assumes a stage due at `due` is escalated: during its
/// last day, at the local time of day the disagreement was raised, so that
/// the next stage's working days count from that day as they would for a
/// real escalation on the last day. A limit in hours (East Riding's 72-hour
/// adjournment) runs out at an instant, and is escalated then. `None` for a
/// stage with no deadline.
pub fn escalated_at(
    calendar: &Calendar,
    due: &Due,
    timescale: accord_calendar::Timescale,
    raised: Timestamp,
) -> Option<Timestamp> {
    let Due::At { instant, last_day } = *due else {
        return None;
    };
    if matches!(timescale, accord_calendar::Timescale::Hours(_)) {
        return Some(instant);
    }
    let zone = calendar.time_zone();
    let time_of_day = raised.to_zoned_datetime(zone.clone()).time();
    let on_last_day = last_day
        .to_datetime(time_of_day)
        .to_zoned_datetime(zone.clone())
        .ok()?
        .timestamp();
    // Never after the deadline itself, whatever the clocks did that day.
    Some(on_last_day.min(instant))
}
