//! Rules for the years no list is published for: fixed dates with substitute
//! days, the nth or last weekday of a month, and days relative to Easter.
//!
//! A year's bank holidays are placed in two passes, which is what reproduces
//! the gov.uk lists, substitute names included:
//!
//! 1. every rule whose own date is a free weekday takes it (so Boxing Day on
//!    Monday 26 December 2022 stays Boxing Day);
//! 2. in file order, every fixed-date rule that fell on a weekend or on a day
//!    already taken moves to the next free weekday and is named
//!    "… (substitute day)" (so Christmas Day 2022 is Tuesday 27 December).
//!
//! A rule with `after` waits for the named rule and falls after it: Scotland's
//! 2 January follows New Year's Day as observed, which is how 2 January 2023
//! became "New Year's Day (substitute day)" and 3 January "2nd January
//! (substitute day)".

use jiff::civil::{Date, Weekday};

use crate::days;

/// Which week of the month a weekday rule picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Week {
    /// The first to fifth such weekday (a fifth may not exist).
    Nth(i8),
    /// The last such weekday.
    Last,
}

/// How a rule finds its date in a given year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum When {
    /// The same month and day every year.
    Fixed {
        month: i8,
        day: i8,
        /// On a weekend or a day already taken, move to the next free weekday.
        substitute: bool,
        /// Index of an earlier rule this one must fall after.
        after: Option<usize>,
    },
    /// A weekday of a month ("last Monday in May"), shifted by `offset_days`.
    Weekday {
        month: i8,
        week: Week,
        weekday: Weekday,
        offset_days: i16,
    },
    /// Days after Easter Sunday (negative for before): Good Friday is -2.
    Easter { offset_days: i16 },
}

/// One recurring bank holiday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) name: String,
    /// `name` with " (substitute day)", kept so derived lists can borrow it.
    pub(crate) substitute_name: String,
    pub(crate) when: When,
    /// The first and last years the rule applies in, where it has them.
    pub(crate) from_year: Option<i16>,
    pub(crate) to_year: Option<i16>,
}

impl Rule {
    pub(crate) fn new(
        name: String,
        when: When,
        from_year: Option<i16>,
        to_year: Option<i16>,
    ) -> Rule {
        Rule {
            substitute_name: format!("{name} (substitute day)"),
            name,
            when,
            from_year,
            to_year,
        }
    }

    fn applies_in(&self, year: i16) -> bool {
        self.from_year.is_none_or(|from| year >= from) && self.to_year.is_none_or(|to| year <= to)
    }

    /// The rule's own day number in `year`, before any substitution; `None`
    /// when the year has no such day (29 February, a fifth Monday).
    fn own_day(&self, year: i16) -> Option<i32> {
        match self.when {
            When::Fixed { month, day, .. } => Date::new(year, month, day).ok().map(days::number),
            When::Weekday {
                month,
                week,
                weekday,
                offset_days,
            } => {
                let nth = match week {
                    Week::Nth(n) => n,
                    Week::Last => -1,
                };
                let first = Date::new(year, month, 1).ok()?;
                let found = first.nth_weekday_of_month(nth, weekday).ok()?;
                (found.month() == month).then(|| days::number(found) + i32::from(offset_days))
            }
            When::Easter { offset_days } => {
                easter_sunday(year).map(|sunday| days::number(sunday) + i32::from(offset_days))
            }
        }
    }
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian computus,
/// as given by Meeus).
pub(crate) fn easter_sunday(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    Date::new(year, month as i8, day as i8).ok()
}

/// The bank holidays `rules` give in `year`, as (day number, name) in date
/// order. Names borrow from the rules, so nothing is formatted per call.
pub(crate) fn holidays_in(rules: &[Rule], year: i16) -> Vec<(i32, &str)> {
    let mut placed: Vec<(i32, &str)> = Vec::with_capacity(rules.len() + 2);
    let mut observed: Vec<Option<i32>> = vec![None; rules.len()];
    let mut waiting: Vec<(usize, i32)> = Vec::new();
    let taken = |placed: &[(i32, &str)], day: i32| placed.iter().any(|&(d, _)| d == day);

    for (index, rule) in rules.iter().enumerate() {
        if !rule.applies_in(year) {
            continue;
        }
        let Some(day) = rule.own_day(year) else {
            continue;
        };
        let follows_another = matches!(rule.when, When::Fixed { after: Some(_), .. });
        if !follows_another && !days::is_weekend(day) && !taken(&placed, day) {
            placed.push((day, &rule.name));
            observed[index] = Some(day);
        } else {
            waiting.push((index, day));
        }
    }

    for (index, own) in waiting {
        let rule = &rules[index];
        // Only fixed dates have substitutes; any other rule that lands on a
        // day already taken adds no extra day off.
        let When::Fixed {
            substitute, after, ..
        } = rule.when
        else {
            continue;
        };
        let not_before = after
            .and_then(|other| observed[other])
            .map_or(own, |other_day| own.max(other_day + 1));
        let mut day = not_before;
        if substitute {
            while days::is_weekend(day) || taken(&placed, day) {
                day += 1;
            }
        } else if days::is_weekend(day) || taken(&placed, day) {
            continue;
        }
        let name = if day == own {
            &rule.name
        } else {
            &rule.substitute_name
        };
        placed.push((day, name));
        observed[index] = Some(day);
    }

    placed.sort_unstable_by_key(|&(day, _)| day);
    placed
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn easter_matches_known_dates() {
        for (year, month, day) in [
            (1970, 3, 29),
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(year), Some(date(year, month, day)), "{year}");
        }
    }

    fn fixed(name: &str, month: i8, day: i8, after: Option<usize>) -> Rule {
        let when = When::Fixed {
            month,
            day,
            substitute: true,
            after,
        };
        Rule::new(name.to_owned(), when, None, None)
    }

    fn named(rules: &[Rule], year: i16) -> Vec<(Date, String)> {
        holidays_in(rules, year)
            .into_iter()
            .map(|(day, name)| (days::date(day), name.to_owned()))
            .collect()
    }

    #[test]
    fn christmas_on_sunday_keeps_boxing_day_on_monday() {
        let rules = [
            fixed("Christmas Day", 12, 25, None),
            fixed("Boxing Day", 12, 26, None),
        ];
        assert_eq!(
            named(&rules, 2022),
            [
                (date(2022, 12, 26), "Boxing Day".to_owned()),
                (
                    date(2022, 12, 27),
                    "Christmas Day (substitute day)".to_owned()
                ),
            ]
        );
        assert_eq!(
            named(&rules, 2027),
            [
                (
                    date(2027, 12, 27),
                    "Christmas Day (substitute day)".to_owned()
                ),
                (date(2027, 12, 28), "Boxing Day (substitute day)".to_owned()),
            ]
        );
    }

    #[test]
    fn second_of_january_follows_new_year_as_observed() {
        let rules = [
            fixed("New Year’s Day", 1, 1, None),
            fixed("2nd January", 1, 2, Some(0)),
        ];
        assert_eq!(
            named(&rules, 2023),
            [
                (
                    date(2023, 1, 2),
                    "New Year’s Day (substitute day)".to_owned()
                ),
                (date(2023, 1, 3), "2nd January (substitute day)".to_owned()),
            ]
        );
        assert_eq!(
            named(&rules, 2021),
            [
                (date(2021, 1, 1), "New Year’s Day".to_owned()),
                (date(2021, 1, 4), "2nd January (substitute day)".to_owned()),
            ]
        );
    }
}
