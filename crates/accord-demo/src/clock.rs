//! Demo time, counted back from the `now` the caller gives: every event
//! happens on a working day strictly before today, in office hours, so a
//! case placed "eight working days ago" on a five-working-day stage is
//! overdue whenever the demo is seeded, and one placed "two working days
//! ago" is not.

use accord_calendar::Calendar;
use jiff::{SignedDuration, Timestamp, civil::Date};

/// Turns "`n` working days before today" into instants on a calendar.
#[derive(Debug, Clone)]
pub(crate) struct Clock<'c> {
    now: Timestamp,
    today: Date,
    calendar: &'c Calendar,
}

/// When the first event of a working day happens: 09:00 local time, which
/// exists on every day of the year, clock changes included.
const DAY_STARTS: (i8, i8) = (9, 0);

/// The time between two events of one case on one day.
const BETWEEN_EVENTS: SignedDuration = SignedDuration::from_mins(20);

impl<'c> Clock<'c> {
    /// A clock reading `now` on `calendar`.
    pub(crate) fn new(now: Timestamp, calendar: &'c Calendar) -> Clock<'c> {
        let today = now.to_zoned_datetime(calendar.time_zone().clone()).date();
        Clock {
            now,
            today,
            calendar,
        }
    }

    /// The time the demo is built for.
    pub(crate) fn now(&self) -> Timestamp {
        self.now
    }

    /// The `n`th working day strictly before today (`n` of at least 1):
    /// working days are counted on the policy's calendar, so bank holidays
    /// are skipped just as deadlines skip them.
    pub(crate) fn working_days_ago(&self, n: u32) -> Date {
        let mut day = self.today;
        let mut counted = 0;
        while counted < n.max(1) {
            day = day
                .yesterday()
                .expect("demo dates stay far inside jiff's range");
            if self.calendar.is_working_day(day) {
                counted += 1;
            }
        }
        day
    }

    /// The instant of the `slot`th event on the working day `n` working
    /// days ago: 09:00 local time plus twenty minutes a slot.
    pub(crate) fn at(&self, n: u32, slot: u32) -> Timestamp {
        let (hour, minute) = DAY_STARTS;
        let start = self
            .working_days_ago(n)
            .at(hour, minute, 0, 0)
            .to_zoned_datetime(self.calendar.time_zone().clone())
            .expect("09:00 always exists in Europe/London")
            .timestamp();
        start
            .checked_add(BETWEEN_EVENTS * i32::try_from(slot).unwrap_or(i32::MAX))
            .expect("demo instants stay far inside jiff's range")
    }
}

#[cfg(test)]
mod tests {
    use accord_calendar::Calendars;

    use super::*;

    #[test]
    fn working_days_ago_skip_weekends_and_bank_holidays() {
        let calendars = Calendars::builtin();
        let england = calendars
            .get(&"england-and-wales".parse().unwrap())
            .unwrap();
        // Tuesday 27 May 2025: the day after the Spring Bank Holiday.
        let clock = Clock::new("2025-05-27T10:00:00Z".parse().unwrap(), england);
        assert_eq!(clock.working_days_ago(1), "2025-05-23".parse().unwrap());
        assert_eq!(clock.working_days_ago(2), "2025-05-22".parse().unwrap());
        // Friday 23 May, 09:00 BST.
        assert_eq!(clock.at(1, 0), "2025-05-23T08:00:00Z".parse().unwrap());
        assert_eq!(clock.at(1, 3), "2025-05-23T09:00:00Z".parse().unwrap());
    }
}
