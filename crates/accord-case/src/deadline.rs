//! When a stage falls due, on the policy's calendar (DESIGN.md §3).
//!
//! Dues (the stage's, and those of its forms that carry a `within`) are
//! computed once, when a stage is entered or extended, and written into the
//! event. The record then says which deadline people were held to,
//! even if an administrator later corrects the calendar.

use accord_calendar::{Calendar, Due};
use accord_policy::{CountFrom, FormNeeded, Stage, StageTimescale};
use jiff::Timestamp;

use crate::{Extension, FormDue};

/// When `stage` is due if entered at `entered` on a case raised at `raised`.
pub(crate) fn stage_due(
    calendar: &Calendar,
    stage: &Stage,
    entered: Timestamp,
    raised: Timestamp,
) -> Due {
    timescale_due(calendar, &stage.timescale, entered, raised)
}

/// When a timescale counted from a stage entered at `entered` (or from the
/// raise at `raised`, where it says so) falls due.
fn timescale_due(
    calendar: &Calendar,
    timescale: &StageTimescale,
    entered: Timestamp,
    raised: Timestamp,
) -> Due {
    let start = match timescale.from {
        CountFrom::StageStart => entered,
        // East Riding §3: "begun 5 days from the original dispute being raised".
        CountFrom::Raised => raised,
    };
    calendar.due(start, timescale.timescale())
}

/// The deadlines `stage` sets for its `to-leave` forms that carry a
/// `within`, if entered at `entered`: each is due as a stage timescale of
/// that length would be (Isle of Man Appendix 1: the referral form "within
/// 5 working days" of the case entering Stage Four). A `to-enter` form's
/// clock starts when the previous stage's leads decide to escalate
/// ([`entry_form_dues`]), so it sets no deadline here; nor does a `within`
/// of no fixed length.
pub(crate) fn form_dues(
    calendar: &Calendar,
    stage: &Stage,
    entered: Timestamp,
    raised: Timestamp,
) -> Vec<FormDue> {
    stage
        .forms
        .iter()
        .filter(|f| f.needed == FormNeeded::ToLeave)
        .filter_map(|f| {
            let due = timescale_due(calendar, f.within.as_ref()?, entered, raised);
            due.instant().is_some().then(|| FormDue {
                form: f.form.clone(),
                due,
            })
        })
        .collect()
}

/// The deadlines `next`'s `to-enter` forms that carry a `within` set when
/// the leads decide at `decided` to escalate to it: the end of the stage
/// before (Isle of Man Appendix 1: "If stages 1-3 have been exhausted ...
/// the senior manager ... should notify the Director ... by completing the
/// referral form ... within 5 working days").
pub(crate) fn entry_form_dues(
    calendar: &Calendar,
    next: &Stage,
    decided: Timestamp,
    raised: Timestamp,
) -> Vec<FormDue> {
    next.forms
        .iter()
        .filter(|f| f.needed == FormNeeded::ToEnter)
        .filter_map(|f| {
            let due = timescale_due(calendar, f.within.as_ref()?, decided, raised);
            due.instant().is_some().then(|| FormDue {
                form: f.form.clone(),
                due,
            })
        })
        .collect()
}

/// When `stage` is due under a timescale agreed for the case (Sutton §5):
/// `agreed` counted from where the stage's own timescale counts from, so it
/// may fall before or after the policy's default.
pub(crate) fn agreed_due(
    calendar: &Calendar,
    stage: &Stage,
    entered: Timestamp,
    raised: Timestamp,
    agreed: Extension,
) -> Due {
    let start = match stage.timescale.from {
        CountFrom::StageStart => entered,
        CountFrom::Raised => raised,
    };
    calendar.due(start, agreed.timescale())
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
