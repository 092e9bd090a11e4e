//! Calendars: which local dates are bank holidays, and working-day arithmetic.
//!
//! SKELETON: the public surface other crates build on. Bodies marked
//! `todo!()` are being written; signatures are the contract.

use std::{collections::BTreeMap, fmt, str::FromStr};

use jiff::{civil::Date, tz::TimeZone};
use serde::{Deserialize, Serialize};

use crate::WorkingDays;

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
    /// A calendar or override file could not be read.
    #[error("{0}")]
    Invalid(String),
}

/// One jurisdiction's bank holidays.
#[derive(Debug, Clone)]
pub struct Calendar {
    id: CalendarId,
    name: String,
    zone: TimeZone,
    holidays: BTreeMap<Date, String>,
}

impl Calendar {
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

    /// The bank holidays in `year`, in date order.
    pub fn holidays(&self, year: i16) -> Vec<Holiday> {
        let _ = year;
        todo!()
    }

    /// The bank holiday's name if `date` is one.
    pub fn bank_holiday(&self, date: Date) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    /// Monday to Friday and not a bank holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        let _ = date;
        todo!()
    }

    /// The `n`th working day strictly after `date`.
    pub fn add_working_days(&self, date: Date, n: WorkingDays) -> Date {
        let _ = (date, n);
        todo!()
    }
}

/// A set of calendars, looked up by id.
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    by_id: BTreeMap<CalendarId, Calendar>,
}

impl Calendars {
    /// The four calendars Accord ships: `england-and-wales`, `scotland`,
    /// `northern-ireland` and `isle-of-man`.
    pub fn builtin() -> Calendars {
        todo!()
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
