//! The cases behind a figure: for each figure the insight page shows, the
//! cases it counts, chosen by the same definitions (issue 15 §1: "Every
//! figure links to the list of cases behind it"). Who may see them is the
//! caller's to decide.

use accord_calendar::Calendar;
use accord_case::{AgencyId, CaseId};
use accord_policy::{AreaId, ResolutionRoute, StageNumber, ThemeId};
use serde::{Deserialize, Serialize};

use crate::{CaseFacts, Question};

/// One figure of an [`Insight`](crate::Insight), as a link names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Figure {
    /// [`Counts::raised`](crate::Counts::raised).
    Raised,
    /// [`Counts::resolved`](crate::Counts::resolved).
    Resolved,
    /// [`Counts::withdrawn`](crate::Counts::withdrawn), which is also
    /// [`Outcomes::withdrawn`](crate::Outcomes::withdrawn).
    Withdrawn,
    /// [`Counts::open_at_start`](crate::Counts::open_at_start).
    OpenAtStart,
    /// [`Counts::open_at_end`](crate::Counts::open_at_end).
    OpenAtEnd,
    /// One stage of [`Insight::stage_reached`](crate::Insight::stage_reached).
    StageReached(StageNumber),
    /// One stage of [`Insight::resolved_at_stage`](crate::Insight::resolved_at_stage).
    ResolvedAtStage(StageNumber),
    /// The cases timed in [`Insight::time_to_resolution`](crate::Insight::time_to_resolution):
    /// the resolved.
    TimeToResolution,
    /// The cases of the stays timed at one stage of
    /// [`Insight::time_at_stage`](crate::Insight::time_at_stage).
    TimeAtStage(StageNumber),
    /// The cases with a breach at one stage of
    /// [`Insight::breaches_by_stage`](crate::Insight::breaches_by_stage).
    BreachedAtStage(StageNumber),
    /// The cases with a breach counted for one agency in
    /// [`Insight::breaches_by_agency`](crate::Insight::breaches_by_agency).
    BreachedOnAgency(AgencyId),
    /// One cell of [`Insight::matrix`](crate::Insight::matrix).
    Pair(AgencyId, AgencyId),
    /// One area of [`Insight::areas`](crate::Insight::areas).
    Area(AreaId),
    /// The resolved by one route of [`Insight::outcomes`](crate::Insight::outcomes).
    Outcome(ResolutionRoute),
    /// [`ImmediateRisk::raised`](crate::ImmediateRisk::raised).
    ImmediateRisk,
    /// [`ImmediateRisk::started_above_first_stage`](crate::ImmediateRisk::started_above_first_stage).
    StartedAboveFirstStage,
    /// The cases with learning of one theme in
    /// [`Insight::learning_themes`](crate::Insight::learning_themes).
    Theme(ThemeId),
}

/// The cases behind `figure` for `question`, in the order given. A figure
/// that counts cases lists exactly those it counts; one that counts events
/// (breaches, learning) lists each case with at least one of them.
pub fn cases_behind(
    cases: &[CaseFacts],
    calendar: &Calendar,
    question: &Question,
    figure: &Figure,
) -> Vec<CaseId> {
    let start = question.period.start(calendar);
    let end = question.period.end(calendar);
    let within = |at: jiff::Timestamp| start <= at && at < end;
    let raised = |c: &CaseFacts| within(c.raised_at);
    let last_resolution = |c: &CaseFacts| c.resolutions.iter().rfind(|r| within(r.at)).copied();
    cases
        .iter()
        .filter(|c| question.filter.admits(c))
        .filter(|c| match figure {
            Figure::Raised => raised(c),
            Figure::Resolved | Figure::TimeToResolution => last_resolution(c).is_some(),
            Figure::Withdrawn => c.withdrawals.iter().any(|w| within(w.1)),
            Figure::OpenAtStart => c.open_at(start),
            Figure::OpenAtEnd => c.open_at(end),
            Figure::StageReached(s) => raised(c) && c.stage_reached_by(end) == Some(*s),
            Figure::ResolvedAtStage(s) => last_resolution(c).is_some_and(|r| r.stage == *s),
            Figure::TimeAtStage(s) => c
                .visits
                .iter()
                .any(|v| v.stage == *s && v.ended_at.is_some_and(within)),
            Figure::BreachedAtStage(s) => c.breaches.iter().any(|b| b.0 == *s && within(b.1)),
            Figure::BreachedOnAgency(a) => c.involves(a) && c.breaches.iter().any(|b| within(b.1)),
            Figure::Pair(r, o) => raised(c) && &c.raising_agency == r && &c.other_agency == o,
            Figure::Area(a) => raised(c) && &c.area == a,
            Figure::Outcome(route) => last_resolution(c).is_some_and(|r| r.route == *route),
            Figure::ImmediateRisk => raised(c) && c.immediate_risk,
            Figure::StartedAboveFirstStage => {
                raised(c) && c.immediate_risk && c.started_above_first_stage
            }
            Figure::Theme(t) => c.learning.iter().any(|l| &l.0 == t && within(l.1)),
        })
        .map(|c| c.case.clone())
        .collect()
}
