//! The dates a case may hold: sensible ranges, so that a discussion "held"
//! in the year 1 or an action due in 9999 is refused with a clear message
//! rather than stored, or tripping over a deadline that cannot be counted
//! (issue 11, finding 12).

use jiff::{Timestamp, civil::Date, tz::Offset};

use crate::{Refusal, refusal::design};

/// A range of dates a case may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// The first date in it.
    pub earliest: Date,
    /// The last.
    pub latest: Date,
}

/// When something on a case happened or is due: a discussion, its
/// approval, an action's date. No escalation policy Accord runs is older
/// than 2000, and nothing it holds happened before.
pub const EVENTS: DateRange = DateRange {
    earliest: jiff::civil::date(2000, 1, 1),
    latest: jiff::civil::date(2099, 12, 31),
};

/// A date answered on a policy's form, which may be a parent's date of
/// birth (East Riding's Appendix A asks for it).
pub const FORM_ANSWERS: DateRange = DateRange {
    earliest: jiff::civil::date(1900, 1, 1),
    latest: jiff::civil::date(2099, 12, 31),
};

impl DateRange {
    /// What is wrong with `date`, if it is outside the range, in words for
    /// the person who typed it.
    pub fn problem(self, date: Date) -> Option<String> {
        (!(self.earliest..=self.latest).contains(&date)).then(|| {
            format!(
                "{} is not a date a case can hold here: give a date between {} and {}",
                date.strftime("%-d %B %Y"),
                self.earliest.strftime("%-d %B %Y"),
                self.latest.strftime("%-d %B %Y"),
            )
        })
    }
}

/// The date in the United Kingdom (Europe/London, which the Isle of Man
/// shares) at `now`.
pub fn uk_date(now: Timestamp) -> Date {
    match jiff::tz::TimeZone::get("Europe/London") {
        Ok(tz) => tz.to_datetime(now).date(),
        Err(_) => Offset::UTC.to_datetime(now).date(),
    }
}

/// Refuses `date`, given as `field`, outside [`EVENTS`].
pub(crate) fn check(field: &str, date: Date) -> Result<(), Refusal> {
    match EVENTS.problem(date) {
        None => Ok(()),
        Some(problem) => Err(Refusal::DateOutOfRange {
            field: field.to_owned(),
            problem,
            section: design::CONCEPTS.into(),
        }),
    }
}

/// Refuses the instant `at`, given as `field`, whose date is outside
/// [`EVENTS`] (by UTC: the UK date differs from it by an hour at most, which
/// only matters at the range's ends).
pub(crate) fn check_instant(field: &str, at: Timestamp) -> Result<(), Refusal> {
    check(field, Offset::UTC.to_datetime(at).date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_holds_this_century_and_says_which_it_is() {
        assert_eq!(EVENTS.problem(jiff::civil::date(2026, 12, 6)), None);
        assert_eq!(EVENTS.problem(EVENTS.earliest), None);
        assert_eq!(EVENTS.problem(EVENTS.latest), None);
        let problem = EVENTS.problem(jiff::civil::date(1, 1, 1)).unwrap();
        assert!(
            problem.contains("between 1 January 2000 and 31 December 2099"),
            "{problem}"
        );
        assert!(EVENTS.problem(jiff::civil::date(9999, 12, 31)).is_some());
        // A parent's date of birth on a form is older than any event.
        assert_eq!(FORM_ANSWERS.problem(jiff::civil::date(1981, 2, 28)), None);
        assert!(FORM_ANSWERS.problem(jiff::civil::date(1, 1, 1)).is_some());
        assert!(check_instant("record.held_at", "0001-01-01T00:00:00Z".parse().unwrap()).is_err());
    }
}
