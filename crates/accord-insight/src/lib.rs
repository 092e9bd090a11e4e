//! What a partnership learns from its disagreements (issue 15 §1): how many
//! were raised, resolved, withdrawn and open over a period; how far they
//! went and where they were resolved; how long they took, in working days
//! on the policy's calendar; which deadlines passed; who disagrees with
//! whom, about what; how they ended; how many began with a child at
//! immediate risk; what was learned; and how each of these moved month by
//! month and quarter by quarter.
//!
//! The figures are computed from each case's facts as its events say them
//! ([`CaseFacts::from_events`]), never from a summary edited beside them,
//! so they can be checked against the record: the store keeps those facts
//! as a projection, written with the events and rebuilt from them. Each
//! figure is defined on the field of [`Insight`] that holds it. Pure: the
//! caller passes the facts and the policy's calendar.
//!
//! The insight page, its JSON and CSV, and the board report all read one
//! [`Insight`], so they cannot disagree; the board report reads it through
//! [`anonymise`], which hides every count under 5.
//!
//! ```
//! use accord_calendar::Calendars;
//! use accord_insight::{Filter, Period, Question, insight};
//!
//! let calendars = Calendars::builtin();
//! let england = calendars.get(&"england-and-wales".parse().unwrap()).unwrap();
//! let question = Question {
//!     period: Period::new("2025-04-01".parse().unwrap(), "2026-03-31".parse().unwrap()).unwrap(),
//!     filter: Filter::default(),
//! };
//! let figures = insight(&[], england, &question);
//! assert_eq!(figures.counts.raised, 0);
//! assert_eq!(figures.quarters.len(), 4);
//! assert_eq!(figures.quarters[0].label, "2025-04 to 2025-06");
//! ```

mod anonymise;
mod behind;
mod facts;
mod figures;
mod spread;

pub use anonymise::{
    Anonymised, Counted, CountsShown, Days, ImmediateRiskShown, OutcomesShown, PairShown,
    SMALLEST_SHOWN, Shown, SpreadShown, StageTimeShown, TrendShown, anonymise,
};
pub use behind::{Figure, cases_behind};
pub use facts::{CaseFacts, EVENTS_COUNTED, FactsError, Resolution, Visit};
pub use figures::{
    AgencyCount, AgencyPair, AreaCount, Counts, Filter, ImmediateRisk, Insight, Outcomes, Period,
    Question, StageCount, StageSpread, ThemeCount, Trend, insight,
};
pub use spread::{Spread, percentile, working_days_between};
