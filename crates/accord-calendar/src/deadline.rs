//! Timescales and the instants they fall due (DESIGN.md §3).

use std::fmt;

use jiff::{Timestamp, ToSpan, civil::Date};
use serde::{Deserialize, Serialize};

use crate::Calendar;

/// A positive number of working days. Zero is not a timescale: a stage with
/// no fixed time is [`Timescale::None`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct WorkingDays(u32);

/// The most working days any timescale may span: about forty years, far
/// beyond any escalation policy, and small enough that arithmetic never
/// leaves the range `jiff` can represent.
pub const MAX_WORKING_DAYS: u32 = 10_000;

impl WorkingDays {
    /// `None` when `n` is zero or more than [`MAX_WORKING_DAYS`].
    pub fn new(n: u32) -> Option<WorkingDays> {
        (1..=MAX_WORKING_DAYS)
            .contains(&n)
            .then_some(WorkingDays(n))
    }

    /// The number of working days.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for WorkingDays {
    type Error = String;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        WorkingDays::new(n).ok_or_else(|| {
            format!("working days must be between 1 and {MAX_WORKING_DAYS}, not {n}")
        })
    }
}

impl From<WorkingDays> for u32 {
    fn from(w: WorkingDays) -> u32 {
        w.0
    }
}

/// How long a stage (or a whole disagreement) may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Timescale {
    /// Due at the end of the Nth working day strictly after the local date
    /// the clock started on.
    WorkingDays(WorkingDays),
    /// Due N hours of elapsed time after the clock started (East Riding's
    /// conference adjournment of at most 72 hours).
    Hours(u32),
    /// Due at the end of the Nth calendar day strictly after the local date
    /// the clock started on.
    CalendarDays(u32),
    /// "As soon as possible": no date is ever invented.
    None,
}

impl fmt::Display for Timescale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        match *self {
            Timescale::WorkingDays(n) => write!(f, "{} working day{}", n.get(), plural(n.get())),
            Timescale::Hours(n) => write!(f, "{n} hour{}", plural(n)),
            Timescale::CalendarDays(n) => write!(f, "{n} calendar day{}", plural(n)),
            Timescale::None => f.write_str("as soon as possible"),
        }
    }
}

/// When something falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Due {
    /// Due at `instant` (UTC). For day-based timescales `last_day` is the
    /// local date whose end is the deadline and `instant` is the local
    /// midnight that ends it; for hours `last_day` is the local date of the
    /// instant.
    At {
        /// The deadline itself: overdue from this instant on.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        instant: Timestamp,
        /// The local (Europe/London) date to show as the due date.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        last_day: Date,
    },
    /// No timescale: "as soon as possible".
    AsSoonAsPossible,
}

impl Due {
    /// The deadline instant, if there is one.
    pub fn instant(&self) -> Option<Timestamp> {
        match self {
            Due::At { instant, .. } => Some(*instant),
            Due::AsSoonAsPossible => None,
        }
    }

    /// True when `now` is at or past the deadline.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.instant().is_some_and(|due| now >= due)
    }
}

impl Calendar {
    /// When a clock started at `start` with `timescale` falls due, computed
    /// in this calendar's time zone so that clock changes never shift a due
    /// date.
    pub fn due(&self, start: Timestamp, timescale: Timescale) -> Due {
        let zone = self.time_zone();
        let start_date = start.to_zoned_datetime(zone.clone()).date();
        let end_of = |last_day: Date| {
            let next = last_day
                .tomorrow()
                .expect("dates stay far inside jiff's range");
            let instant = next
                .to_zoned_datetime(zone.clone())
                .expect("local midnight always resolves in Europe/London")
                .timestamp();
            Due::At { instant, last_day }
        };
        match timescale {
            Timescale::WorkingDays(n) => end_of(self.add_working_days(start_date, n)),
            Timescale::CalendarDays(n) => end_of(
                start_date
                    .checked_add(i64::from(n).days())
                    .expect("calendar days stay far inside jiff's range"),
            ),
            Timescale::Hours(n) => {
                let instant = start
                    .checked_add(i64::from(n).hours())
                    .expect("hours stay far inside jiff's range");
                Due::At {
                    instant,
                    last_day: instant.to_zoned_datetime(zone.clone()).date(),
                }
            }
            Timescale::None => Due::AsSoonAsPossible,
        }
    }
}
