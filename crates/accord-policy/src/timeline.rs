//! The timeline of a track if every stage ran to its full timescale.
//!
//! SKELETON: being written.

use accord_calendar::{Calendar, Due};
use jiff::Timestamp;
use serde::Serialize;

use crate::{StageNumber, Track};

/// When each stage of a track would start and fall due if every stage ran
/// to its full timescale and was escalated at its deadline.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// The stages, in order.
    pub stages: Vec<TimelineStage>,
}

/// One stage on a [`Timeline`].
#[derive(Debug, Clone, Serialize)]
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

/// The timeline of `track` for a disagreement raised at `raised`.
pub fn timeline(track: &Track, calendar: &Calendar, raised: Timestamp) -> Timeline {
    let _ = (track, calendar, raised);
    todo!()
}
