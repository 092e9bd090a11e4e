//! When a stage falls due, on the policy's calendar (DESIGN.md §3).
//!
//! Dues are computed once, when a stage is entered or extended, and written
//! into the event. The record then says which deadline people were held to,
//! even if an administrator later corrects the calendar.

use accord_calendar::{Calendar, Due};
use accord_policy::{CountFrom, Stage};
use jiff::Timestamp;

use crate::Extension;

/// When `stage` is due if entered at `entered` on a case raised at `raised`.
pub(crate) fn stage_due(
    calendar: &Calendar,
    stage: &Stage,
    entered: Timestamp,
    raised: Timestamp,
) -> Due {
    let start = match stage.timescale.from {
        CountFrom::StageStart => entered,
        // East Riding §3: "begun 5 days from the original dispute being raised".
        CountFrom::Raised => raised,
    };
    calendar.due(start, stage.timescale.timescale())
}

/// `due` extended by `by`: hours run on from the deadline instant; days
/// count from the last day that was due, so two working days on a Friday
/// deadline end on Tuesday. `None` when there is no deadline to extend.
pub(crate) fn extended(calendar: &Calendar, due: Due, by: Extension) -> Option<Due> {
    let Due::At { instant, last_day } = due else {
        return None;
    };
    let start = match by {
        Extension::Hours(_) => instant,
        Extension::WorkingDays(_) | Extension::CalendarDays(_) => last_day
            .to_zoned_datetime(calendar.time_zone().clone())
            .expect("local midnight always resolves in the calendar's zone")
            .timestamp(),
    };
    Some(calendar.due(start, by.timescale()))
}
