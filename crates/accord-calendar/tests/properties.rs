//! Properties of working-day arithmetic and deadline instants (DESIGN.md §3),
//! checked over random calendars, dates and timescales.

use accord_calendar::{Calendar, Calendars, Due, Timescale, WorkingDays};
use jiff::{
    Timestamp, ToSpan,
    civil::{Date, Weekday, date, time},
};
use proptest::prelude::*;

fn calendars() -> Vec<Calendar> {
    Calendars::builtin().iter().cloned().collect()
}

fn england() -> Calendar {
    Calendars::builtin()
        .get(&"england-and-wales".parse().unwrap())
        .unwrap()
        .clone()
}

fn any_calendar() -> impl Strategy<Value = Calendar> {
    proptest::sample::select(calendars())
}

/// Dates from 1900 to 2400, so the rules-only years either side of the
/// precomputed 1970-2200 are exercised too.
fn any_date() -> impl Strategy<Value = Date> {
    (0i64..182_000).prop_map(|n| date(1900, 1, 1).checked_add(n.days()).unwrap())
}

/// The nth working day after `start`, counted a day at a time from the
/// holiday names alone: an oracle independent of the working-day index.
fn count_by_hand(calendar: &Calendar, start: Date, n: u32) -> Date {
    let mut day = start;
    let mut left = n;
    while left > 0 {
        day = day.tomorrow().unwrap();
        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        if !weekend && calendar.bank_holiday(day).is_none() {
            left -= 1;
        }
    }
    day
}

/// An instant within three days either side of a clock change (last Sunday
/// of March or October) in Europe/London.
fn near_clock_change() -> impl Strategy<Value = Timestamp> {
    (1996i16..2100, prop::bool::ANY, -72i64 * 3600..72 * 3600).prop_map(|(year, march, seconds)| {
        let month = if march { 3 } else { 10 };
        let change = date(year, month, 1)
            .nth_weekday_of_month(-1, Weekday::Sunday)
            .unwrap()
            .at(1, 0, 0, 0)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp();
        change.checked_add(seconds.seconds()).unwrap()
    })
}

proptest! {
    /// How long something took in working days (insight's times) is what
    /// counting the days between by hand gives, inside the index's years
    /// and either side of them: 0 for the same day or a day before.
    #[test]
    fn working_days_after_counts_the_working_days_between(
        calendar in any_calendar(),
        from in any_date(),
        days in -10i64..400,
    ) {
        let to = from.checked_add(days.days()).unwrap();
        let mut expected = 0;
        let mut day = from;
        while day < to {
            day = day.tomorrow().unwrap();
            let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
            if !weekend && calendar.bank_holiday(day).is_none() {
                expected += 1;
            }
        }
        prop_assert_eq!(calendar.working_days_after(from, to), expected);
    }

    #[test]
    fn a_working_days_due_date_is_a_working_day_after_the_start(
        calendar in any_calendar(),
        start in any_date(),
        n in 1u32..=400,
    ) {
        let due = calendar.add_working_days(start, WorkingDays::new(n).unwrap());
        prop_assert!(due > start);
        prop_assert!(calendar.is_working_day(due));
        prop_assert_eq!(due, count_by_hand(&calendar, start, n));
    }

    #[test]
    fn adding_n_then_m_working_days_is_adding_n_plus_m(
        calendar in any_calendar(),
        start in any_date(),
        n in 1u32..=5_000,
        m in 1u32..=5_000,
    ) {
        let days = |k| WorkingDays::new(k).unwrap();
        let stepwise = calendar.add_working_days(calendar.add_working_days(start, days(n)), days(m));
        prop_assert_eq!(stepwise, calendar.add_working_days(start, days(n + m)));
    }

    #[test]
    fn working_days_fall_due_at_local_midnight_ending_the_last_day(
        calendar in any_calendar(),
        start in near_clock_change(),
        n in 1u32..=30,
    ) {
        let zone = calendar.time_zone().clone();
        let start_day = start.to_zoned_datetime(zone.clone()).date();
        let due = calendar.due(start, Timescale::WorkingDays(WorkingDays::new(n).unwrap()));
        let Due::At { instant, last_day } = due else {
            return Err(TestCaseError::fail("working days always have a due instant"));
        };
        prop_assert_eq!(last_day, calendar.add_working_days(start_day, WorkingDays::new(n).unwrap()));
        let local = instant.to_zoned_datetime(zone);
        prop_assert_eq!(local.time(), time(0, 0, 0, 0));
        prop_assert_eq!(local.date(), last_day.tomorrow().unwrap());
        prop_assert!(instant > start);
    }

    #[test]
    fn hours_are_elapsed_time_across_clock_changes(
        calendar in any_calendar(),
        start in near_clock_change(),
        hours in 0u32..=200,
    ) {
        let due = calendar.due(start, Timescale::Hours(hours));
        let instant = due.instant().expect("hours always have a due instant");
        prop_assert_eq!(instant.as_second() - start.as_second(), i64::from(hours) * 3600);
        let local_day = instant.to_zoned_datetime(calendar.time_zone().clone()).date();
        prop_assert_eq!(due, Due::At { instant, last_day: local_day });
    }
}

#[test]
fn seventy_two_hours_across_the_october_change_end_an_hour_earlier_on_the_clock() {
    // East Riding's conference adjournment: at most 72 hours. Clocks go back
    // at 02:00 BST on Sunday 31 October 2027.
    let england = england();
    let zone = england.time_zone().clone();
    let start = date(2027, 10, 29)
        .at(12, 0, 0, 0)
        .to_zoned_datetime(zone.clone())
        .unwrap()
        .timestamp();
    let due = england.due(start, Timescale::Hours(72)).instant().unwrap();
    assert_eq!(due.as_second() - start.as_second(), 72 * 3600);
    let local = due.to_zoned_datetime(zone);
    assert_eq!(
        (local.date(), local.time()),
        (date(2027, 11, 1), time(11, 0, 0, 0))
    );
}

#[test]
fn a_working_day_deadline_across_the_march_change_is_still_midnight() {
    // Friday 26 March 2027, 16:00 GMT; clocks go forward on Sunday 28 March,
    // and Good Friday and Easter Monday (26, 29 March) are bank holidays in
    // England and Wales. Two working days: Tuesday 30 and Wednesday 31 March,
    // due at midnight BST ending the 31st, which is 23:00 UTC.
    let england = england();
    let start = date(2027, 3, 26)
        .at(16, 0, 0, 0)
        .to_zoned_datetime(england.time_zone().clone())
        .unwrap()
        .timestamp();
    let due = england.due(start, Timescale::WorkingDays(WorkingDays::new(2).unwrap()));
    let expected: Timestamp = "2027-03-31T23:00:00Z".parse().unwrap();
    assert_eq!(
        due,
        Due::At {
            instant: expected,
            last_day: date(2027, 3, 31)
        }
    );
}
