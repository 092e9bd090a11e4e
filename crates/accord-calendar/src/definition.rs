//! What a calendar file says — published dates, rules and overrides — and the
//! bank holidays they give for any year.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::{days, rules, rules::Rule};

/// An officially published list covering whole years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Published {
    /// Where the list comes from, for people checking it.
    pub(crate) source: String,
    pub(crate) first_year: i16,
    pub(crate) last_year: i16,
    pub(crate) holidays: BTreeMap<Date, String>,
}

/// One calendar's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Definition {
    pub(crate) published: Option<Published>,
    pub(crate) rules: Vec<Rule>,
    /// Applied last: `Some(name)` makes the date a bank holiday (or renames
    /// it), `None` makes it an ordinary day.
    pub(crate) overrides: BTreeMap<Date, Option<String>>,
}

impl Definition {
    /// The published list's years, if there is one.
    pub(crate) fn published_years(&self) -> Option<std::ops::RangeInclusive<i16>> {
        self.published
            .as_ref()
            .map(|published| published.first_year..=published.last_year)
    }

    /// The bank holidays in `year` as (day number, name), in date order: the
    /// published list where the year is published, the rules otherwise, then
    /// the overrides.
    pub(crate) fn holidays_in(&self, year: i16) -> Vec<(i32, &str)> {
        let published = self
            .published
            .as_ref()
            .filter(|published| (published.first_year..=published.last_year).contains(&year));
        let base = match published {
            Some(published) => year_range(&published.holidays, year)
                .map(|(date, name)| (days::number(*date), name.as_str()))
                .collect(),
            None => rules::holidays_in(&self.rules, year),
        };
        self.with_overrides(base, year)
    }

    /// The bank holidays the rules and overrides alone give in `year`,
    /// whether or not a list is published for it.
    pub(crate) fn ruled_holidays_in(&self, year: i16) -> Vec<(i32, &str)> {
        self.with_overrides(rules::holidays_in(&self.rules, year), year)
    }

    fn with_overrides<'a>(
        &'a self,
        mut holidays: Vec<(i32, &'a str)>,
        year: i16,
    ) -> Vec<(i32, &'a str)> {
        for (date, change) in year_range(&self.overrides, year) {
            let day = days::number(*date);
            holidays.retain(|&(d, _)| d != day);
            if let Some(name) = change {
                holidays.push((day, name));
            }
        }
        holidays.sort_unstable_by_key(|&(day, _)| day);
        holidays
    }
}

/// The entries of a date-keyed map that fall in `year`.
fn year_range<V>(map: &BTreeMap<Date, V>, year: i16) -> impl Iterator<Item = (&Date, &V)> {
    let first = Date::new(year, 1, 1).expect("years come from valid dates");
    let last = Date::new(year, 12, 31).expect("years come from valid dates");
    map.range(first..=last)
}
