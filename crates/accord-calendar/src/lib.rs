//! UK bank-holiday calendars, working-day arithmetic and deadline instants.
//!
//! A [`Calendar`] knows which days are bank holidays in one jurisdiction:
//! the officially published dates for every year they are published, rules
//! (Easter by the computus, substitute days, "first Monday in May") for other
//! years, and an administrator's override list on top. [`Calendar::due`] turns
//! a start instant and a [`Timescale`] into a [`Due`] instant, following
//! DESIGN.md §3: working days end at local midnight in Europe/London, hours
//! are elapsed time.
//!
//! ```
//! use accord_calendar::{Calendars, CalendarId, WorkingDays};
//! use jiff::civil::date;
//!
//! let calendars = Calendars::builtin();
//! let england = calendars.get(&"england-and-wales".parse::<CalendarId>().unwrap()).unwrap();
//! // Friday 24 December 2027: the 27th and 28th are substitute days.
//! let due = england.add_working_days(date(2027, 12, 24), WorkingDays::new(1).unwrap());
//! assert_eq!(due, date(2027, 12, 29));
//! ```
//!
//! Nothing here reads files or the clock: the caller passes calendar sources
//! in and time in. The four built-in calendars are TOML files under `data/`
//! (their format and sources are in `data/README.md`); an administrator's own
//! calendar file goes through [`Calendar::from_toml`] and [`Calendars::insert`],
//! and an override file (one-off days added or removed) through
//! [`Calendars::apply_overrides`]. Mistakes in either come back as
//! [`CalendarError::InvalidAt`] with the line and column to fix.

mod calendar;
mod days;
mod deadline;
mod definition;
mod file;
#[cfg(feature = "openapi")]
pub mod openapi;
mod rules;
mod table;

pub use calendar::{Calendar, CalendarError, CalendarId, Calendars, Holiday};
pub use deadline::{Due, Timescale, WorkingDays};
