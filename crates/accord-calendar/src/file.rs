//! The TOML formats of calendar files and override files, and errors that
//! point at the line and column to fix.
//!
//! A calendar file:
//!
//! ```toml
//! id = "england-and-wales"          # lowercase words joined by hyphens
//! name = "England and Wales"
//! time_zone = "Europe/London"       # an IANA time zone name
//!
//! [published]                       # optional: an official list
//! source = "https://www.gov.uk/bank-holidays.json (england-and-wales)"
//! first_year = 2018                 # the list covers these whole years,
//! last_year = 2027                  # and the rules every other year
//!
//! [published.holidays]              # every bank holiday in those years
//! 2027-12-27 = "Christmas Day (substitute day)"
//!
//! [[rules]]                         # a fixed date, moved off weekends
//! name = "Christmas Day"
//! month = 12
//! day = 25
//! substitute = true                 # "Christmas Day (substitute day)"
//! # after = "New Year’s Day"        # optional: fall after that rule's day
//!
//! [[rules]]                         # a weekday of a month
//! name = "Spring bank holiday"
//! month = 5
//! week = "last"                     # first, second, third, fourth, fifth, last
//! weekday = "monday"
//! # offset_days = 11                # optional: days after that weekday
//!
//! [[rules]]                         # days after Easter Sunday
//! name = "Good Friday"
//! easter = -2
//! # from_year = 1978, to_year = …   # optional, on any rule
//!
//! [overrides.add]                   # applied last, in every year
//! 2022-06-03 = "Platinum Jubilee bank holiday"
//!
//! [overrides.remove]                # the text says why
//! 2022-05-30 = "Spring bank holiday moved to 2 June for the Platinum Jubilee"
//! ```
//!
//! An override file has `calendars = ["england-and-wales", …]` and the same
//! `[add]` and `[remove]` tables.

use std::{collections::BTreeMap, ops::Range};

use jiff::{
    civil::{Date, Weekday},
    tz::TimeZone,
};
use serde::Deserialize;
use toml::Spanned;

use crate::{
    CalendarError, CalendarId,
    definition::{Definition, Published},
    rules::{Rule, Week, When},
};

/// A calendar file after checking: everything a [`crate::Calendar`] needs.
pub(crate) struct CalendarSource {
    pub(crate) id: CalendarId,
    pub(crate) name: String,
    pub(crate) zone: TimeZone,
    pub(crate) definition: Definition,
}

/// An override file after checking.
pub(crate) struct OverrideSource {
    pub(crate) calendars: Vec<(CalendarId, Range<usize>)>,
    pub(crate) changes: Vec<(Date, Option<String>)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    id: Spanned<String>,
    name: Spanned<String>,
    time_zone: Spanned<String>,
    published: Option<Spanned<PublishedFile>>,
    #[serde(default)]
    rules: Vec<Spanned<RuleFile>>,
    #[serde(default)]
    overrides: ChangesFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishedFile {
    source: String,
    first_year: Spanned<i16>,
    last_year: Spanned<i16>,
    holidays: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    name: String,
    month: Option<i8>,
    day: Option<i8>,
    substitute: Option<bool>,
    after: Option<String>,
    week: Option<WeekName>,
    weekday: Option<WeekdayName>,
    offset_days: Option<i16>,
    easter: Option<i16>,
    from_year: Option<i16>,
    to_year: Option<i16>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum WeekName {
    First,
    Second,
    Third,
    Fourth,
    Fifth,
    Last,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum WeekdayName {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ChangesFile {
    #[serde(default)]
    add: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    remove: BTreeMap<Spanned<String>, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideFile {
    calendars: Spanned<Vec<Spanned<String>>>,
    // Spelled out rather than flattened from `ChangesFile`: serde cannot deny
    // unknown fields through `flatten`.
    #[serde(default)]
    add: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    remove: BTreeMap<Spanned<String>, String>,
}

/// Reads and checks a calendar file.
pub(crate) fn calendar(source: &str) -> Result<CalendarSource, CalendarError> {
    let at = |span: Range<usize>, message: String| located(source, span, message);
    let file: CalendarFile = toml::from_str(source).map_err(|e| toml_error(source, &e))?;

    let id = file
        .id
        .get_ref()
        .parse::<CalendarId>()
        .map_err(|e| at(file.id.span(), e.to_string()))?;
    if file.name.get_ref().trim().is_empty() {
        return Err(at(
            file.name.span(),
            "give the calendar a name, such as \"England and Wales\"".into(),
        ));
    }
    let zone = TimeZone::get(file.time_zone.get_ref()).map_err(|_| {
        at(
            file.time_zone.span(),
            format!(
                "`{}` is not a time zone name this build knows; use an IANA name such as \"Europe/London\"",
                file.time_zone.get_ref()
            ),
        )
    })?;

    let published = file.published.map(|p| published(source, p)).transpose()?;
    let mut rules: Vec<Rule> = Vec::with_capacity(file.rules.len());
    for rule in file.rules {
        let span = rule.span();
        let rule = rule_from(rule.into_inner(), &rules).map_err(|message| at(span, message))?;
        rules.push(rule);
    }
    let overrides = changes(source, file.overrides)?.into_iter().collect();

    Ok(CalendarSource {
        id,
        name: file.name.into_inner(),
        zone,
        definition: Definition {
            published,
            rules,
            overrides,
        },
    })
}

/// Reads and checks an override file. Whether its calendars exist is for the
/// caller to check, with the spans given.
pub(crate) fn overrides(source: &str) -> Result<OverrideSource, CalendarError> {
    let file: OverrideFile = toml::from_str(source).map_err(|e| toml_error(source, &e))?;
    if file.calendars.get_ref().is_empty() {
        return Err(located(
            source,
            file.calendars.span(),
            "name at least one calendar, such as calendars = [\"england-and-wales\"]".into(),
        ));
    }
    let calendars = file
        .calendars
        .into_inner()
        .into_iter()
        .map(|id| {
            let span = id.span();
            id.get_ref()
                .parse::<CalendarId>()
                .map(|parsed| (parsed, span.clone()))
                .map_err(|e| located(source, span, e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let changes = changes(
        source,
        ChangesFile {
            add: file.add,
            remove: file.remove,
        },
    )?;
    Ok(OverrideSource { calendars, changes })
}

fn published(source: &str, file: Spanned<PublishedFile>) -> Result<Published, CalendarError> {
    let whole = file.span();
    let file = file.into_inner();
    let (first_year, last_year) = (*file.first_year.get_ref(), *file.last_year.get_ref());
    if first_year > last_year {
        return Err(located(
            source,
            file.last_year.span(),
            format!("last_year {last_year} is before first_year {first_year}"),
        ));
    }
    let mut holidays = BTreeMap::new();
    for (date, name) in file.holidays {
        let span = date.span();
        let date = parse_date(source, &date)?;
        if !(first_year..=last_year).contains(&date.year()) {
            return Err(located(
                source,
                span,
                format!(
                    "{date} is outside the published years {first_year} to {last_year}; widen them or move the date to [overrides.add]"
                ),
            ));
        }
        holidays.insert(date, non_empty_name(source, name)?);
    }
    if let Some(missing) = (first_year..=last_year)
        .find(|year| !holidays.keys().any(|date: &Date| date.year() == *year))
    {
        return Err(located(
            source,
            whole,
            format!(
                "the published list has no bank holidays in {missing}; add that year's dates or narrow first_year and last_year"
            ),
        ));
    }
    Ok(Published {
        source: file.source,
        first_year,
        last_year,
        holidays,
    })
}

fn rule_from(file: RuleFile, earlier: &[Rule]) -> Result<Rule, String> {
    let name = file.name.trim().to_owned();
    if name.is_empty() {
        return Err("give the rule a name, such as \"Christmas Day\"".into());
    }
    if earlier.iter().any(|rule| rule.name == name) {
        return Err(format!(
            "there is already a rule named \"{name}\"; rule names must differ"
        ));
    }
    if let (Some(from), Some(to)) = (file.from_year, file.to_year)
        && from > to
    {
        return Err(format!("to_year {to} is before from_year {from}"));
    }
    let fixed_only = file.substitute.is_some() || file.after.is_some();
    let weekday_only = file.week.is_some() || file.weekday.is_some() || file.offset_days.is_some();
    let when = match (file.easter, file.day) {
        (Some(offset_days), None) if file.month.is_none() && !fixed_only && !weekday_only => {
            When::Easter { offset_days }
        }
        (Some(_), _) => {
            return Err(
                "an `easter` rule takes only `name`, `easter` and optional `from_year`/`to_year`"
                    .into(),
            );
        }
        (None, Some(day)) if !weekday_only => {
            let month = file
                .month
                .ok_or("a fixed-date rule needs `month` as well as `day`")?;
            // 2000 is a leap year, so 29 February is allowed (and skipped in
            // other years).
            Date::new(2000, month, day)
                .map_err(|_| format!("month {month}, day {day} is not a date"))?;
            let after = file
                .after
                .map(|other| {
                    earlier
                        .iter()
                        .position(|rule| rule.name == other)
                        .ok_or_else(|| format!("`after` names \"{other}\", which is not an earlier rule in this file"))
                })
                .transpose()?;
            When::Fixed {
                month,
                day,
                substitute: file.substitute.unwrap_or(false),
                after,
            }
        }
        (None, Some(_)) => {
            return Err(
                "a rule has either `day` (a fixed date) or `week` and `weekday`, not both".into(),
            );
        }
        (None, None) => {
            let (Some(week), Some(weekday), Some(month)) = (file.week, file.weekday, file.month)
            else {
                return Err("say when the rule falls: `month` and `day`; `month`, `week` and `weekday`; or `easter`".into());
            };
            if fixed_only {
                return Err(
                    "`substitute` and `after` apply only to fixed-date rules (with `day`)".into(),
                );
            }
            if !(1..=12).contains(&month) {
                return Err(format!("month {month} is not between 1 and 12"));
            }
            When::Weekday {
                month,
                week: match week {
                    WeekName::First => Week::Nth(1),
                    WeekName::Second => Week::Nth(2),
                    WeekName::Third => Week::Nth(3),
                    WeekName::Fourth => Week::Nth(4),
                    WeekName::Fifth => Week::Nth(5),
                    WeekName::Last => Week::Last,
                },
                weekday: match weekday {
                    WeekdayName::Monday => Weekday::Monday,
                    WeekdayName::Tuesday => Weekday::Tuesday,
                    WeekdayName::Wednesday => Weekday::Wednesday,
                    WeekdayName::Thursday => Weekday::Thursday,
                    WeekdayName::Friday => Weekday::Friday,
                    WeekdayName::Saturday => Weekday::Saturday,
                    WeekdayName::Sunday => Weekday::Sunday,
                },
                offset_days: file.offset_days.unwrap_or(0),
            }
        }
    };
    Ok(Rule::new(name, when, file.from_year, file.to_year))
}

fn changes(source: &str, file: ChangesFile) -> Result<Vec<(Date, Option<String>)>, CalendarError> {
    let mut changes = Vec::with_capacity(file.add.len() + file.remove.len());
    let mut added = BTreeMap::new();
    for (date, name) in file.add {
        let date_at = parse_date(source, &date)?;
        added.insert(date_at, date.span());
        changes.push((date_at, Some(non_empty_name(source, name)?)));
    }
    for date in file.remove.into_keys() {
        let parsed = parse_date(source, &date)?;
        if added.contains_key(&parsed) {
            return Err(located(
                source,
                date.span(),
                format!("{parsed} is both added and removed; keep one"),
            ));
        }
        changes.push((parsed, None));
    }
    Ok(changes)
}

fn parse_date(source: &str, text: &Spanned<String>) -> Result<Date, CalendarError> {
    let parsed = (text.get_ref().len() == 10)
        .then(|| text.get_ref().parse::<Date>().ok())
        .flatten();
    parsed.ok_or_else(|| {
        located(
            source,
            text.span(),
            format!(
                "`{}` is not a date; write dates as YYYY-MM-DD, like 2027-12-27",
                text.get_ref()
            ),
        )
    })
}

fn non_empty_name(source: &str, name: Spanned<String>) -> Result<String, CalendarError> {
    let trimmed = name.get_ref().trim();
    if trimmed.is_empty() {
        return Err(located(
            source,
            name.span(),
            "give the bank holiday its official name".into(),
        ));
    }
    Ok(trimmed.to_owned())
}

fn toml_error(source: &str, error: &toml::de::Error) -> CalendarError {
    let message = error.message().trim_end().to_owned();
    match error.span() {
        Some(span) => located(source, span, message),
        None => CalendarError::Invalid(message),
    }
}

/// An error at the 1-based line and column where `span` starts.
pub(crate) fn located(source: &str, span: Range<usize>, message: String) -> CalendarError {
    let before = source.get(..span.start).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |text| text.chars().count())
        + 1;
    CalendarError::InvalidAt {
        line,
        column,
        message,
    }
}
