//! The figures themselves: each counted over a [`Question`]'s period and
//! filter, each defined where it is declared, since a Business Manager
//! takes them to the board.

use std::collections::BTreeMap;

use accord_calendar::Calendar;
use accord_case::AgencyId;
use accord_policy::{AreaId, ResolutionRoute, StageNumber, ThemeId, TrackId};
use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

use crate::{
    facts::CaseFacts,
    spread::{Days, Spread},
};

/// A run of whole days, from the start of `from` to the end of `to`, in
/// Europe/London time (the time zone of every calendar Accord ships).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    /// Its first day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: Date,
    /// Its last day, included.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: Date,
}

impl Period {
    /// The days `from` to `to`, both included; `None` if `to` is before
    /// `from`.
    pub fn new(from: Date, to: Date) -> Option<Period> {
        (from <= to).then_some(Period { from, to })
    }

    /// The instant the period starts, on `calendar`'s time zone.
    pub fn start(&self, calendar: &Calendar) -> Timestamp {
        start_of(self.from, calendar)
    }

    /// The instant just after it ends: the start of the day after `to`.
    pub fn end(&self, calendar: &Calendar) -> Timestamp {
        start_of(self.to.tomorrow().unwrap_or(self.to), calendar)
    }

    /// Its first and just-after-last instants, worked out once for the
    /// many comparisons a figure makes.
    fn bounds(&self, calendar: &Calendar) -> (Timestamp, Timestamp) {
        (self.start(calendar), self.end(calendar))
    }
}

fn start_of(day: Date, calendar: &Calendar) -> Timestamp {
    day.to_zoned_datetime(calendar.time_zone().clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN)
}

/// Which cases count: all three, when given, must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Filter {
    /// Cases this agency is in: as the agency that raised the disagreement
    /// or as the agency whose decision is disputed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub agency: Option<AgencyId>,
    /// Cases of this area of disagreement.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub area: Option<AreaId>,
    /// Cases on this track.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub track: Option<TrackId>,
}

impl Filter {
    /// Whether `case` counts.
    pub fn admits(&self, case: &CaseFacts) -> bool {
        self.agency.as_ref().is_none_or(|a| case.involves(a))
            && self.area.as_ref().is_none_or(|a| &case.area == a)
            && self.track.as_ref().is_none_or(|t| &case.track == t)
    }
}

/// What the figures are asked of: a period and a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// The period.
    pub period: Period,
    /// Which cases count.
    #[serde(default)]
    pub filter: Filter,
}

/// Everything the partnership learns over a period: the insight page, its
/// JSON and its CSV, and later the board report, all read this one value.
///
/// Every figure counts only the cases the question's filter admits. Each
/// says which of them it counts: those **raised** in the period, those
/// **resolved** in it (an outcome recorded in it), or the events recorded in
/// it; a case raised before the period and resolved in it counts among the
/// resolved, not the raised.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Insight {
    /// What was asked.
    pub question: Question,
    /// Raised, resolved, withdrawn and open.
    pub counts: Counts,
    /// For each stage, the cases raised in the period whose highest stage,
    /// by the period's end, was that one. Stages none reached are left out.
    pub stage_reached: Vec<StageCount>,
    /// For each stage, the cases resolved in the period at that stage (the
    /// last outcome recorded in the period, if reopened and resolved again).
    pub resolved_at_stage: Vec<StageCount>,
    /// Of the cases resolved in the period, the working days from the raise
    /// to the outcome (the last recorded in the period).
    pub time_to_resolution: Spread,
    /// For each stage, the working days each stay there took, from entering
    /// it (raised, escalated or reopened there) to leaving it (a decision to
    /// escalate, an escalation, an outcome, a withdrawal or a closure), over
    /// the stays that ended in the period. A stay still going on at the
    /// period's end is not counted.
    pub time_at_stage: Vec<StageSpread>,
    /// For each stage, the deadlines recorded as breached in the period
    /// (a stage's own or one of its forms'; each breach once).
    pub breaches_by_stage: Vec<StageCount>,
    /// For each agency, the deadlines recorded as breached in the period on
    /// cases it is in. A stage's deadline is both sides' to meet, so each
    /// breach counts once for each of the case's two agencies, and this
    /// column adds up to twice the breaches.
    pub breaches_by_agency: Vec<AgencyCount>,
    /// Who disagrees with whom: for each pair of the agency that raised a
    /// case and the agency whose decision it disputes, the cases raised in
    /// the period between them. Pairs with none are left out.
    pub matrix: Vec<AgencyPair>,
    /// For each area of disagreement, the cases raised in the period.
    pub areas: Vec<AreaCount>,
    /// How the cases that ended in the period ended.
    pub outcomes: Outcomes,
    /// Of the cases raised in the period, those raised with a subject at
    /// immediate risk of significant harm.
    pub immediate_risk: ImmediateRisk,
    /// For each learning theme, the learning recorded in the period under it.
    pub learning_themes: Vec<ThemeCount>,
    /// The counts for each calendar month the period touches, each clipped
    /// to the period.
    pub months: Vec<Trend>,
    /// The counts for each quarter the period touches (January to March,
    /// April to June, July to September, October to December, so that a
    /// financial year from April is four of them), each clipped to the
    /// period.
    pub quarters: Vec<Trend>,
}

/// Raised, resolved, withdrawn and open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    /// Cases raised in the period.
    pub raised: u32,
    /// Cases with an outcome recorded in the period (agreed, decided, by a
    /// panel or without agreement), each once.
    pub resolved: u32,
    /// Cases withdrawn in the period, each once.
    pub withdrawn: u32,
    /// Cases being worked at the start of the period: raised before it and
    /// neither resolved, withdrawn nor closed since they were raised or
    /// last reopened.
    pub open_at_start: u32,
    /// Cases being worked at the end of the period, in the same sense.
    pub open_at_end: u32,
}

/// A count for one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageCount {
    /// The stage's number.
    #[cfg_attr(feature = "openapi", schema(value_type = u8))]
    pub stage: StageNumber,
    /// How many.
    pub count: u32,
}

/// The time spent at one stage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageSpread {
    /// The stage's number.
    #[cfg_attr(feature = "openapi", schema(value_type = u8))]
    pub stage: StageNumber,
    /// The stays, in working days.
    pub time: Spread,
}

/// A count for one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyCount {
    /// The agency.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub agency: AgencyId,
    /// How many.
    pub count: u32,
}

/// The cases one agency raised about another's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyPair {
    /// The agency that raised them.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub raising: AgencyId,
    /// The agency whose decision they dispute.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub other: AgencyId,
    /// How many.
    pub count: u32,
}

/// A count for one area of disagreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaCount {
    /// The area.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub area: AreaId,
    /// How many.
    pub count: u32,
}

/// A count for one learning theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThemeCount {
    /// The theme.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub theme: ThemeId,
    /// How many learning records.
    pub count: u32,
}

/// How the cases that ended in the period ended: the cases resolved in it,
/// by the route of their outcome (the last recorded in the period), and the
/// cases withdrawn in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcomes {
    /// Agreed between the two sides' leads.
    pub agreed: u32,
    /// Decided by the stage's decider (a partnership chair resolving it
    /// direct; Sutton's Independent Chair's written response).
    pub decided: u32,
    /// Decided by a Resolution Panel.
    pub panel: u32,
    /// Finalised as it stood when the stage's meeting ended without
    /// agreement (East Riding Stage 5).
    pub without_agreement: u32,
    /// Withdrawn by the agency that raised them.
    pub withdrawn: u32,
}

/// Immediate-risk entries among the cases raised in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImmediateRisk {
    /// Raised with a subject at immediate risk of significant harm, as the
    /// raise recorded it (or a correction of the raise says it should
    /// have); a change of circumstances later is not counted.
    pub raised: u32,
    /// Of those, started above their track's first stage, with the reason
    /// the raise records (Plymouth: "discretion over which stage to start
    /// at").
    pub started_above_first_stage: u32,
}

/// The counts for one month or quarter of the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    /// Its name: `2025-04` for a month, `2025-04 to 2025-06` for a quarter.
    pub label: String,
    /// Its days, clipped to the period asked about.
    pub period: Period,
    /// Raised, resolved, withdrawn and open, as in [`Counts`].
    pub counts: Counts,
    /// Deadlines recorded as breached in it.
    pub breaches: u32,
    /// Of the cases resolved in it, the working days from raise to outcome.
    pub time_to_resolution: Spread,
}

/// Computes every figure for `question` from the facts of a partnership's
/// cases, counting working days on `calendar` (the policy's).
pub fn insight(cases: &[CaseFacts], calendar: &Calendar, question: &Question) -> Insight {
    let days = Days::new(calendar);
    let admitted: Vec<&CaseFacts> = cases.iter().filter(|c| question.filter.admits(c)).collect();
    let period = question.period;
    let start = period.start(calendar);
    let end = period.end(calendar);
    let within = |at: Timestamp| start <= at && at < end;

    let raised: Vec<&CaseFacts> = admitted
        .iter()
        .copied()
        .filter(|c| within(c.raised_at))
        .collect();
    let resolved = resolved_in(&admitted, (start, end));

    let mut stage_reached = Tally::default();
    let mut matrix = Tally::default();
    let mut areas = Tally::default();
    let mut immediate_risk = ImmediateRisk::default();
    for case in &raised {
        if let Some(stage) = case.stage_reached_by(end) {
            stage_reached.add(stage);
        }
        matrix.add((case.raising_agency.clone(), case.other_agency.clone()));
        areas.add(case.area.clone());
        if case.immediate_risk {
            immediate_risk.raised += 1;
            if case.started_above_first_stage {
                immediate_risk.started_above_first_stage += 1;
            }
        }
    }

    let mut resolved_at_stage = Tally::default();
    let mut outcomes = Outcomes::default();
    for (_, resolution) in &resolved {
        resolved_at_stage.add(resolution.stage);
        match resolution.route {
            ResolutionRoute::Agreement => outcomes.agreed += 1,
            ResolutionRoute::Decision => outcomes.decided += 1,
            ResolutionRoute::Panel => outcomes.panel += 1,
            ResolutionRoute::WithoutAgreement => outcomes.without_agreement += 1,
        }
    }
    let counts = counts(&admitted, &period, calendar);
    outcomes.withdrawn = counts.withdrawn;

    let mut stays: BTreeMap<StageNumber, Vec<u32>> = BTreeMap::new();
    let mut breaches_by_stage = Tally::default();
    let mut breaches_by_agency = Tally::default();
    let mut learning = Tally::default();
    for case in &admitted {
        for visit in &case.visits {
            if let Some(ended) = visit.ended_at.filter(|t| within(*t)) {
                stays
                    .entry(visit.stage)
                    .or_default()
                    .push(days.between(visit.entered_at, ended));
            }
        }
        for (stage, _) in case.breaches.iter().filter(|(_, at)| within(*at)) {
            breaches_by_stage.add(*stage);
            breaches_by_agency.add(case.raising_agency.clone());
            breaches_by_agency.add(case.other_agency.clone());
        }
        for (theme, _) in case.learning.iter().filter(|(_, at)| within(*at)) {
            learning.add(theme.clone());
        }
    }

    Insight {
        question: question.clone(),
        counts,
        stage_reached: stage_counts(stage_reached),
        resolved_at_stage: stage_counts(resolved_at_stage),
        time_to_resolution: resolution_times(&resolved, &days),
        time_at_stage: stays
            .into_iter()
            .map(|(stage, days)| StageSpread {
                stage,
                time: Spread::of(days),
            })
            .collect(),
        breaches_by_stage: stage_counts(breaches_by_stage),
        breaches_by_agency: breaches_by_agency
            .into_iter()
            .map(|(agency, count)| AgencyCount { agency, count })
            .collect(),
        matrix: matrix
            .into_iter()
            .map(|((raising, other), count)| AgencyPair {
                raising,
                other,
                count,
            })
            .collect(),
        areas: areas
            .into_iter()
            .map(|(area, count)| AreaCount { area, count })
            .collect(),
        outcomes,
        immediate_risk,
        learning_themes: learning
            .into_iter()
            .map(|(theme, count)| ThemeCount { theme, count })
            .collect(),
        months: trends(&admitted, &period, calendar, &days, 1),
        quarters: trends(&admitted, &period, calendar, &days, 3),
    }
}

/// Counts of things by key, in key order.
struct Tally<K: Ord>(BTreeMap<K, u32>);

impl<K: Ord> Default for Tally<K> {
    fn default() -> Self {
        Tally(BTreeMap::new())
    }
}

impl<K: Ord> Tally<K> {
    fn add(&mut self, key: K) {
        *self.0.entry(key).or_default() += 1;
    }
}

impl<K: Ord> IntoIterator for Tally<K> {
    type Item = (K, u32);
    type IntoIter = std::collections::btree_map::IntoIter<K, u32>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

fn stage_counts(tally: Tally<StageNumber>) -> Vec<StageCount> {
    tally
        .into_iter()
        .map(|(stage, count)| StageCount { stage, count })
        .collect()
}

/// The cases with an outcome recorded in `period`, each with the last
/// outcome recorded in it.
fn resolved_in<'c>(
    cases: &[&'c CaseFacts],
    (start, end): (Timestamp, Timestamp),
) -> Vec<(&'c CaseFacts, crate::Resolution)> {
    cases
        .iter()
        .filter_map(|c| {
            c.resolutions
                .iter()
                .rfind(|r| start <= r.at && r.at < end)
                .map(|r| (*c, *r))
        })
        .collect()
}

fn resolution_times(resolved: &[(&CaseFacts, crate::Resolution)], days: &Days) -> Spread {
    Spread::of(
        resolved
            .iter()
            .map(|(c, r)| days.between(c.raised_at, r.at))
            .collect(),
    )
}

fn counts(cases: &[&CaseFacts], period: &Period, calendar: &Calendar) -> Counts {
    let start = period.start(calendar);
    let end = period.end(calendar);
    let mut counts = Counts::default();
    for case in cases {
        let within = |at: Timestamp| start <= at && at < end;
        counts.raised += u32::from(within(case.raised_at));
        counts.resolved += u32::from(case.resolutions.iter().any(|r| within(r.at)));
        counts.withdrawn += u32::from(case.withdrawals.iter().any(|w| within(w.1)));
        counts.open_at_start += u32::from(case.open_at(start));
        counts.open_at_end += u32::from(case.open_at(end));
    }
    counts
}

/// The first and last instants of a case that a month's or quarter's
/// counts read (its raise, outcomes, withdrawals, closures, reopenings and
/// breaches), and whether it is open after the last.
struct Span {
    first: Timestamp,
    last: Timestamp,
    open_after: bool,
}

impl Span {
    fn of(case: &CaseFacts) -> Span {
        let times = std::iter::once(case.raised_at)
            .chain(case.resolutions.iter().map(|r| r.at))
            .chain(case.withdrawals.iter().map(|w| w.1))
            .chain(case.closures.iter().copied())
            .chain(case.reopenings.iter().copied())
            .chain(case.breaches.iter().map(|b| b.1));
        let (mut first, mut last) = (case.raised_at, case.raised_at);
        for t in times {
            first = first.min(t);
            last = last.max(t);
        }
        Span {
            first,
            last,
            open_after: case.open_at(Timestamp::MAX),
        }
    }
}

/// The period cut at each month (`months` = 1) or quarter (3) boundary.
///
/// A case with nothing in a slice counts in it only as open at its start
/// and end, if it was left open before the slice, and not at all if it
/// was raised after; so each slice looks closely only at the cases with
/// something in it, which keeps two years of months over a hundred
/// thousand cases to a few passes rather than thirty-four.
fn trends(
    cases: &[&CaseFacts],
    period: &Period,
    calendar: &Calendar,
    days: &Days,
    months: i8,
) -> Vec<Trend> {
    let spans: Vec<Span> = cases.iter().map(|c| Span::of(c)).collect();
    let mut active: Vec<&CaseFacts> = Vec::with_capacity(cases.len());
    let mut out = Vec::new();
    let mut from = period.from;
    while from <= period.to {
        let first_month = (from.month() - 1) / months * months + 1;
        let Ok(next) = Date::new(from.year(), first_month, 1)
            .and_then(|d| d.checked_add(jiff::Span::new().months(months)))
        else {
            break;
        };
        let to = next.yesterday().unwrap_or(next).min(period.to);
        let slice = Period { from, to };
        let (start, end) = slice.bounds(calendar);
        let label = if months == 1 {
            format!("{:04}-{:02}", from.year(), from.month())
        } else {
            let last = next.yesterday().unwrap_or(next);
            format!(
                "{:04}-{:02} to {:04}-{:02}",
                from.year(),
                first_month,
                last.year(),
                last.month()
            )
        };
        active.clear();
        let mut left_open = 0;
        for (case, span) in cases.iter().zip(&spans) {
            if span.first >= end {
                continue;
            }
            if span.last < start {
                left_open += u32::from(span.open_after);
                continue;
            }
            active.push(case);
        }
        let breaches = active
            .iter()
            .flat_map(|c| &c.breaches)
            .filter(|(_, at)| start <= *at && *at < end)
            .count();
        let mut counts = counts(&active, &slice, calendar);
        counts.open_at_start += left_open;
        counts.open_at_end += left_open;
        out.push(Trend {
            label,
            period: slice,
            counts,
            breaches: u32::try_from(breaches).unwrap_or(u32::MAX),
            time_to_resolution: resolution_times(&resolved_in(&active, (start, end)), days),
        });
        from = next;
    }
    out
}
