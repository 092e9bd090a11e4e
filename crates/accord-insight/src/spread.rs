//! How long things took: working days between two instants on the policy's
//! calendar, and the median and 90th percentile of a set of them.

use std::{cell::RefCell, collections::HashMap};

use accord_calendar::Calendar;
use jiff::{Timestamp, civil::Date};
use serde::Serialize;

/// The working days from `start` to `end`: how many working days on
/// `calendar` fall strictly after the local date of `start` and on or before
/// the local date of `end` (Europe/London time).
///
/// It is the count a deadline uses (DESIGN.md §3: a deadline of N working
/// days is due at the end of the Nth working day strictly after the day the
/// clock started), so a stage of 5 working days met its deadline exactly
/// when its time here is 5 or less. Something begun and finished on one
/// day, or over a weekend, took 0.
pub fn working_days_between(calendar: &Calendar, start: Timestamp, end: Timestamp) -> u32 {
    let zone = calendar.time_zone();
    let from = start.to_zoned_datetime(zone.clone()).date();
    let to = end.to_zoned_datetime(zone.clone()).date();
    calendar.working_days_after(from, to)
}

/// Working days between instants, as [`working_days_between`] counts them,
/// for the many a question's figures count: each quarter of an hour's
/// local date is worked out once and remembered. The time zone's offsets
/// and the changes between them fall on quarter hours (Europe/London's on
/// the hour), so every instant of one quarter hour has the same local
/// date.
pub(crate) struct Days<'c> {
    calendar: &'c Calendar,
    dates: RefCell<HashMap<i64, Date>>,
}

/// A quarter of an hour, in seconds.
const QUARTER_HOUR: i64 = 15 * 60;

impl<'c> Days<'c> {
    pub(crate) fn new(calendar: &'c Calendar) -> Days<'c> {
        Days {
            calendar,
            dates: RefCell::new(HashMap::new()),
        }
    }

    fn date(&self, at: Timestamp) -> Date {
        let quarter = at.as_second().div_euclid(QUARTER_HOUR);
        *self.dates.borrow_mut().entry(quarter).or_insert_with(|| {
            at.to_zoned_datetime(self.calendar.time_zone().clone())
                .date()
        })
    }

    /// [`working_days_between`] `start` and `end`.
    pub(crate) fn between(&self, start: Timestamp, end: Timestamp) -> u32 {
        self.calendar
            .working_days_after(self.date(start), self.date(end))
    }
}

/// The middle and the long tail of a set of times, in working days.
///
/// Both are the percentile by linear interpolation between closest ranks,
/// the method of a spreadsheet's `PERCENTILE.INC` (and `MEDIAN`): sort the
/// n values; the p-th percentile is at rank r = 1 + p × (n − 1), and where
/// r falls between two ranks it is the value at the lower rank plus the
/// fraction of r times the difference to the next. So a board member can
/// check each figure against the CSV in a spreadsheet. The median of an even
/// number of times is the mean of the middle two; the 90th percentile is the
/// time that nine in ten took no longer than. Times are whole working
/// days, so both are always whole, halves or tenths: each is given to one
/// decimal place, which only drops the noise of binary arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Spread {
    /// How many times were measured.
    pub cases: u32,
    /// Their median, in working days; absent when none were measured.
    pub median: Option<f64>,
    /// Their 90th percentile, in working days; absent when none were
    /// measured.
    pub p90: Option<f64>,
}

impl Spread {
    /// The spread of `days`, in any order.
    pub fn of(mut days: Vec<u32>) -> Spread {
        days.sort_unstable();
        Spread {
            cases: u32::try_from(days.len()).unwrap_or(u32::MAX),
            median: percentile(&days, 0.5),
            p90: percentile(&days, 0.9),
        }
    }
}

/// The `p`th percentile (0 to 1) of `sorted`, as [`Spread`] defines it.
pub fn percentile(sorted: &[u32], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    #[allow(clippy::cast_precision_loss)]
    let rank = p * last as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let below = rank.floor() as usize;
    let above = (below + 1).min(last);
    let fraction = rank - rank.floor();
    let low = f64::from(sorted[below]);
    let high = f64::from(sorted[above]);
    Some(((low + fraction * (high - low)) * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use accord_calendar::Calendars;

    use super::*;

    #[test]
    fn percentiles_interpolate_as_a_spreadsheet_does() {
        // PERCENTILE.INC({1,2,3,4,5,6,7,8,9,10}, 0.9) = 9.1; MEDIAN = 5.5.
        let s = Spread::of((1..=10).rev().collect());
        assert_eq!(s.cases, 10);
        assert_eq!(s.median, Some(5.5));
        assert!((s.p90.unwrap() - 9.1).abs() < 1e-9);
        // One value is its own median and 90th percentile.
        assert_eq!(Spread::of(vec![4]).p90, Some(4.0));
        assert_eq!(Spread::of(vec![]).median, None);
        // MEDIAN({0,0,7}) = 0; PERCENTILE.INC({0,0,7}, 0.9) = 5.6.
        let s = Spread::of(vec![7, 0, 0]);
        assert_eq!(s.median, Some(0.0));
        assert!((s.p90.unwrap() - 5.6).abs() < 1e-9);
    }

    /// Remembering each quarter hour's date changes no count, across the
    /// clocks changing in both directions and at every minute of the day.
    #[test]
    fn remembered_dates_count_as_the_time_zone_does() {
        let calendars = Calendars::builtin();
        let england = calendars
            .get(&"england-and-wales".parse().unwrap())
            .unwrap();
        let days = Days::new(england);
        let start: Timestamp = "2026-03-27T10:00:00Z".parse().unwrap();
        for minutes in (0..60 * 24 * 220).step_by(7) {
            let end = start + jiff::SignedDuration::from_mins(minutes);
            assert_eq!(
                days.between(start, end),
                working_days_between(england, start, end),
                "{end}"
            );
        }
    }

    #[test]
    fn working_days_count_as_deadlines_do() {
        let calendars = Calendars::builtin();
        let england = calendars
            .get(&"england-and-wales".parse().unwrap())
            .unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // Friday 24 December 2027 to Wednesday 29 December: the 27th and
        // 28th are substitute days, so one working day (DESIGN.md §3).
        assert_eq!(
            working_days_between(
                england,
                at("2027-12-24T10:00:00Z"),
                at("2027-12-29T16:00:00Z")
            ),
            1
        );
        // The same day, and a weekend, take none.
        assert_eq!(
            working_days_between(
                england,
                at("2027-12-24T10:00:00Z"),
                at("2027-12-24T23:00:00Z")
            ),
            0
        );
        assert_eq!(
            working_days_between(
                england,
                at("2026-03-06T10:00:00Z"),
                at("2026-03-08T10:00:00Z")
            ),
            0
        );
        // 23:30 UTC on 29 March 2026 is already the 30th in London (BST).
        assert_eq!(
            working_days_between(
                england,
                at("2026-03-27T10:00:00Z"),
                at("2026-03-29T23:30:00Z")
            ),
            1
        );
    }
}
