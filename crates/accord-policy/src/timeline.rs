//! The timeline of a track if every stage ran to its full timescale.
//!
//! This is the picture a practitioner sees before raising ("what happens
//! next and by when", DESIGN.md §1) and the one `accord policy timeline`
//! prints: each stage starts when the one before it falls due, as if every
//! stage were escalated at its deadline. A stage with no timescale has no
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
/// to its full timescale and was escalated at its deadline.
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
/// or at `raised`, as its timescale's `from` says. The next stage starts
/// when this one falls due, or at once if it was already due when it
/// started: a stage counted from raising can be entered after its deadline
/// has passed (East Riding's five days shared by Stages 1–4), and time on
/// the timeline never runs backwards.
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
            next_start = starts.zip(due.instant()).map(|(s, d)| s.max(d));
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
