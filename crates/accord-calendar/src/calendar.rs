//! Calendars: which local dates are bank holidays, and working-day arithmetic.
//!
//! Each [`Calendar`] precomputes its bank holidays and a working-day index for
//! the years 1970 to 2200 when it is built, so the questions asked in hot
//! paths ([`Calendar::is_working_day`], [`Calendar::add_working_days`]) are
//! answered by array reads without allocating. Dates outside those years are
//! answered from the rules, more slowly.

use std::{
    collections::BTreeMap,
    fmt,
    ops::RangeInclusive,
    str::FromStr,
    sync::{Arc, OnceLock},
};

use jiff::{civil::Date, tz::TimeZone};
use serde::{Deserialize, Serialize};

use crate::{
    WorkingDays, days,
    definition::Definition,
    file,
    table::{FIRST_YEAR, LAST_YEAR, Lookup, WorkingDayIndex},
};

/// The calendars Accord ships, embedded at build time. `data/README.md` says
/// where each list comes from.
const BUILTIN_SOURCES: [&str; 4] = [
    include_str!("../data/england-and-wales.toml"),
    include_str!("../data/scotland.toml"),
    include_str!("../data/northern-ireland.toml"),
    include_str!("../data/isle-of-man.toml"),
];

/// A calendar's id, such as `england-and-wales`: lowercase letters, digits
/// and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct CalendarId(String);

impl CalendarId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CalendarId {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if ok {
            Ok(CalendarId(s.to_owned()))
        } else {
            Err(CalendarError::BadId(s.to_owned()))
        }
    }
}

impl TryFrom<String> for CalendarId {
    type Error = CalendarError;
    fn try_from(s: String) -> Result<Self, CalendarError> {
        s.parse()
    }
}

impl From<CalendarId> for String {
    fn from(id: CalendarId) -> String {
        id.0
    }
}

impl fmt::Display for CalendarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One bank holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    /// The local date.
    pub date: Date,
    /// Its name, as published ("Spring bank holiday").
    pub name: String,
}

/// What can go wrong reading or using calendars.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The id is not lowercase words joined by hyphens.
    #[error(
        "`{0}` is not a calendar id: use lowercase letters, digits and hyphens, like `england-and-wales`"
    )]
    BadId(String),
    /// No calendar has this id.
    #[error("there is no calendar `{id}`; known calendars: {known}")]
    Unknown {
        /// The id asked for.
        id: String,
        /// The ids that exist, comma-separated.
        known: String,
    },
    /// A calendar or override file could not be read, and the fault has no
    /// single place in it.
    #[error("{0}")]
    Invalid(String),
    /// A calendar or override file is wrong at a known place.
    #[error("line {line}, column {column}: {message}")]
    InvalidAt {
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column (in characters) of the fault.
        column: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// One jurisdiction's bank holidays.
#[derive(Clone)]
pub struct Calendar {
    id: CalendarId,
    name: String,
    zone: TimeZone,
    definition: Arc<Definition>,
    /// Worked out from `definition` for 1970 to 2200; shared between clones.
    derived: Arc<Derived>,
}

/// What a calendar precomputes when it is built.
struct Derived {
    holidays: BTreeMap<Date, String>,
    index: WorkingDayIndex,
}

impl Derived {
    fn from(definition: &Definition) -> Derived {
        let mut holidays = BTreeMap::new();
        let mut days_off = Vec::new();
        for year in FIRST_YEAR..=LAST_YEAR {
            for (day, name) in definition.holidays_in(year) {
                holidays.insert(days::date(day), name.to_owned());
                days_off.push(day);
            }
        }
        Derived {
            holidays,
            index: WorkingDayIndex::build(&days_off),
        }
    }
}

impl fmt::Debug for Calendar {
    // The precomputed tables are thousands of entries; show what identifies
    // the calendar instead.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("zone", &self.zone.iana_name())
            .field("published_years", &self.published_years())
            .field("rules", &self.definition.rules.len())
            .field("overrides", &self.definition.overrides.len())
            .finish()
    }
}

impl Calendar {
    /// Reads a calendar file (the format is described in `data/README.md`).
    ///
    /// ```
    /// use accord_calendar::Calendar;
    /// use jiff::civil::date;
    ///
    /// let example = Calendar::from_toml(r#"
    ///     id = "example"
    ///     name = "Example"
    ///     time_zone = "Europe/London"
    ///
    ///     [[rules]]
    ///     name = "Christmas Day"
    ///     month = 12
    ///     day = 25
    ///     substitute = true
    /// "#).unwrap();
    /// assert_eq!(example.bank_holiday(date(2027, 12, 27)), Some("Christmas Day (substitute day)"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CalendarError::InvalidAt`] with the line and column to fix when the
    /// TOML is malformed, has a field this format does not know, or says
    /// something impossible (an unknown time zone, a date that does not exist,
    /// a published year with no dates).
    pub fn from_toml(source: &str) -> Result<Calendar, CalendarError> {
        let source = file::calendar(source)?;
        Ok(Calendar {
            derived: Arc::new(Derived::from(&source.definition)),
            id: source.id,
            name: source.name,
            zone: source.zone,
            definition: Arc::new(source.definition),
        })
    }

    /// The calendar's id.
    pub fn id(&self) -> &CalendarId {
        &self.id
    }

    /// Its display name, such as "England and Wales".
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The time zone deadlines are computed and shown in (Europe/London for
    /// every UK calendar, including the Isle of Man).
    pub fn time_zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The years for which the calendar holds an officially published list;
    /// other years come from its rules.
    pub fn published_years(&self) -> Option<RangeInclusive<i16>> {
        self.definition.published_years()
    }

    /// Where the published list comes from.
    pub fn published_source(&self) -> Option<&str> {
        self.definition
            .published
            .as_ref()
            .map(|published| published.source.as_str())
    }

    /// The bank holidays in `year`, in date order.
    pub fn holidays(&self, year: i16) -> Vec<Holiday> {
        to_holidays(self.definition.holidays_in(year))
    }

    /// The bank holidays the rules and overrides alone give in `year`,
    /// ignoring any published list: what [`Calendar::holidays`] would say if
    /// nothing were published. Comparing the two for a published year checks
    /// the list and the rules against each other.
    pub fn ruled_holidays(&self, year: i16) -> Vec<Holiday> {
        to_holidays(self.definition.ruled_holidays_in(year))
    }

    /// The bank holiday's name if `date` is one.
    pub fn bank_holiday(&self, date: Date) -> Option<&str> {
        if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
            return self.derived.holidays.get(&date).map(String::as_str);
        }
        let day = days::number(date);
        self.definition
            .holidays_in(date.year())
            .into_iter()
            .find_map(|(d, name)| (d == day).then_some(name))
    }

    /// Monday to Friday and not a bank holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.is_working_day_number(days::number(date), &mut YearCache::default())
    }

    /// How many working days fall strictly after `from` and on or before
    /// `to`: how long something begun on `from` and done on `to` took, in
    /// working days (0 when `to` is not after `from`). From 1970 to 2200
    /// this is two array reads; outside those years it counts day by day.
    pub fn working_days_after(&self, from: Date, to: Date) -> u32 {
        if let Some(n) = self
            .derived
            .index
            .count_after(days::number(from), days::number(to))
        {
            return n;
        }
        let mut count = 0;
        let mut day = from;
        while day < to {
            let Ok(next) = day.tomorrow() else { break };
            day = next;
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }

    /// The `n`th working day strictly after `date` (DESIGN.md §3: one working
    /// day after Friday 24 December 2027 in England and Wales is Wednesday 29
    /// December, because the 27th and 28th are substitute days).
    ///
    /// From 1970 to 2200 this is two array reads; outside those years it
    /// counts day by day using the rules.
    ///
    /// # Panics
    ///
    /// When the answer would fall after 31 December 9999, the last date
    /// `jiff` represents.
    pub fn add_working_days(&self, date: Date, n: WorkingDays) -> Date {
        let day = days::number(date);
        match self.derived.index.nth_after(day, n.get()) {
            Lookup::Found(found) => found,
            Lookup::Beyond {
                last_working,
                remaining,
            } => self.count_by_rules(last_working, remaining),
            Lookup::Outside => self.count_by_rules(day, n.get()),
        }
    }

    /// The slow path: step a day at a time, asking the index where it covers
    /// the day and the rules (a year at a time) where it does not.
    fn count_by_rules(&self, mut day: i32, mut remaining: u32) -> Date {
        let mut cache = YearCache::default();
        while remaining > 0 {
            day += 1;
            if self.is_working_day_number(day, &mut cache) {
                remaining -= 1;
            }
        }
        days::date(day)
    }

    fn is_working_day_number(&self, day: i32, cache: &mut YearCache) -> bool {
        if days::is_weekend(day) {
            return false;
        }
        if let Some(working) = self.derived.index.is_working_day(day) {
            return working;
        }
        let year = days::date(day).year();
        if cache.year != Some(year) {
            cache.year = Some(year);
            cache.days_off.clear();
            cache.days_off.extend(
                self.definition
                    .holidays_in(year)
                    .into_iter()
                    .map(|(d, _)| d),
            );
        }
        !cache.days_off.contains(&day)
    }

    /// Applies override changes and recomputes what depends on them.
    fn apply(&mut self, changes: &[(Date, Option<String>)]) {
        let definition = Arc::make_mut(&mut self.definition);
        for (date, change) in changes {
            definition.overrides.insert(*date, change.clone());
        }
        self.derived = Arc::new(Derived::from(&self.definition));
    }
}

/// One year's bank holidays, remembered while counting outside the index.
#[derive(Default)]
struct YearCache {
    year: Option<i16>,
    days_off: Vec<i32>,
}

fn to_holidays(list: Vec<(i32, &str)>) -> Vec<Holiday> {
    list.into_iter()
        .map(|(day, name)| Holiday {
            date: days::date(day),
            name: name.to_owned(),
        })
        .collect()
}

/// A set of calendars, looked up by id.
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    by_id: BTreeMap<CalendarId, Calendar>,
}

impl Calendars {
    /// The four calendars Accord ships: `england-and-wales`, `scotland`,
    /// `northern-ireland` and `isle-of-man`.
    ///
    /// They are built once per process and shared, so calling this again is
    /// cheap.
    pub fn builtin() -> Calendars {
        static BUILTIN: OnceLock<Calendars> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let mut calendars = Calendars::default();
                for source in BUILTIN_SOURCES {
                    let calendar = Calendar::from_toml(source)
                        .unwrap_or_else(|e| panic!("a built-in calendar file is invalid: {e}"));
                    calendars.insert(calendar);
                }
                calendars
            })
            .clone()
    }

    /// Adds a calendar (an administrator's file read with
    /// [`Calendar::from_toml`]), returning the one it replaces, if any.
    pub fn insert(&mut self, calendar: Calendar) -> Option<Calendar> {
        self.by_id.insert(calendar.id.clone(), calendar)
    }

    /// Applies an administrator's override file to the calendars it names.
    /// Later files win over earlier ones and over the calendars' own data.
    ///
    /// ```
    /// use accord_calendar::{Calendars, CalendarId};
    /// use jiff::civil::date;
    ///
    /// let mut calendars = Calendars::builtin();
    /// calendars.apply_overrides(r#"
    ///     calendars = ["isle-of-man"]
    ///     [add]
    ///     2027-06-11 = "TT Bank Holiday"
    /// "#).unwrap();
    /// let isle_of_man = calendars.get(&"isle-of-man".parse::<CalendarId>().unwrap()).unwrap();
    /// assert_eq!(isle_of_man.bank_holiday(date(2027, 6, 11)), Some("TT Bank Holiday"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CalendarError::InvalidAt`] when the file is malformed or names a
    /// calendar that does not exist; nothing is changed then.
    pub fn apply_overrides(&mut self, source: &str) -> Result<(), CalendarError> {
        let overrides = file::overrides(source)?;
        for (id, span) in &overrides.calendars {
            if let Err(unknown) = self.get(id) {
                return Err(file::located(source, span.clone(), unknown.to_string()));
            }
        }
        for (id, _) in &overrides.calendars {
            if let Some(calendar) = self.by_id.get_mut(id) {
                calendar.apply(&overrides.changes);
            }
        }
        Ok(())
    }

    /// The calendar with this id.
    pub fn get(&self, id: &CalendarId) -> Result<&Calendar, CalendarError> {
        self.by_id.get(id).ok_or_else(|| CalendarError::Unknown {
            id: id.to_string(),
            known: self
                .by_id
                .keys()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Every calendar, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Calendar> {
        self.by_id.values()
    }
}
