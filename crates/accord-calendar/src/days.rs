//! Dates as day numbers (days since 1970-01-01), so working-day arithmetic is
//! integer arithmetic with no error paths or allocation.
//!
//! The conversions are Howard Hinnant's `days_from_civil` and
//! `civil_from_days`, exact for the whole proleptic Gregorian calendar.

use jiff::civil::Date;

/// The day number of `date`: 0 for 1970-01-01, negative before it.
pub(crate) fn number(date: Date) -> i32 {
    let (year, month, day) = (
        i32::from(date.year()),
        i32::from(date.month()),
        i32::from(date.day()),
    );
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date with day number `day`.
///
/// # Panics
///
/// When `day` is outside the years -9999 to 9999 that `jiff` represents.
pub(crate) fn date(day: i32) -> Date {
    let shifted = day + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day_of_month = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i32::from(month <= 2);
    let year = i16::try_from(year).expect("working-day arithmetic stays within jiff's years");
    Date::new(year, month as i8, day_of_month as i8)
        .expect("working-day arithmetic stays within jiff's years")
}

/// Saturday or Sunday.
pub(crate) fn is_weekend(day: i32) -> bool {
    // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
    (day + 3).rem_euclid(7) >= 5
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Weekday, date as ymd};
    use proptest::prelude::*;

    use super::*;

    fn weekday(day: i32) -> Weekday {
        Weekday::from_monday_zero_offset((day + 3).rem_euclid(7) as i8)
            .expect("a remainder of 7 is a weekday")
    }

    #[test]
    fn epoch_and_known_days() {
        assert_eq!(number(ymd(1970, 1, 1)), 0);
        assert_eq!(number(ymd(2000, 3, 1)), 11_017);
        assert_eq!(date(0), ymd(1970, 1, 1));
        assert_eq!(date(-1), ymd(1969, 12, 31));
        assert!(is_weekend(number(ymd(2027, 12, 25))));
        assert!(!is_weekend(number(ymd(2027, 12, 24))));
    }

    proptest! {
        #[test]
        fn round_trips_and_agrees_with_jiff(day in -2_000_000i32..2_000_000) {
            let d = date(day);
            prop_assert_eq!(number(d), day);
            prop_assert_eq!(weekday(day), d.weekday());
            let next = d.tomorrow().unwrap();
            prop_assert_eq!(number(next), day + 1);
            prop_assert_eq!(is_weekend(day), matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday));
        }
    }
}
