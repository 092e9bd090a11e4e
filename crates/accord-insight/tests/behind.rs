//! The cases behind each figure are the cases it counts (issue 15 §1), on a
//! generated two-year history walked by the case engine.

use accord_calendar::Calendars;
use accord_insight::{CaseFacts, Figure, Filter, Period, Question, cases_behind, insight};
use accord_policy::ResolutionRoute;

#[test]
fn every_figure_lists_the_cases_it_counts() {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let history = accord_demo::history(
        "east-riding-2018",
        300,
        7,
        "2026-11-30T12:00:00Z".parse().unwrap(),
        &calendars,
        &policies,
    )
    .unwrap();
    let facts: Vec<CaseFacts> = history
        .cases
        .iter()
        .map(|c| CaseFacts::from_events(&c.events).unwrap())
        .collect();
    let calendar = calendars
        .get(&"england-and-wales".parse().unwrap())
        .unwrap();
    let question = Question {
        period: Period::new("2025-04-01".parse().unwrap(), "2026-03-31".parse().unwrap()).unwrap(),
        filter: Filter::default(),
    };
    let i = insight(&facts, calendar, &question);
    let n = |figure: Figure| cases_behind(&facts, calendar, &question, &figure).len() as u32;
    assert!(i.counts.raised > 50);
    assert_eq!(n(Figure::Raised), i.counts.raised);
    assert_eq!(n(Figure::Resolved), i.counts.resolved);
    assert_eq!(n(Figure::Withdrawn), i.counts.withdrawn);
    assert_eq!(n(Figure::OpenAtStart), i.counts.open_at_start);
    assert_eq!(n(Figure::OpenAtEnd), i.counts.open_at_end);
    assert_eq!(n(Figure::TimeToResolution), i.time_to_resolution.cases);
    for s in &i.stage_reached {
        assert_eq!(n(Figure::StageReached(s.stage)), s.count);
    }
    for s in &i.resolved_at_stage {
        assert_eq!(n(Figure::ResolvedAtStage(s.stage)), s.count);
    }
    for s in &i.time_at_stage {
        // A case may stay at a stage twice only if reopened.
        assert!(n(Figure::TimeAtStage(s.stage)) <= s.time.cases);
        assert!(n(Figure::TimeAtStage(s.stage)) > 0);
    }
    for s in &i.breaches_by_stage {
        let cases = n(Figure::BreachedAtStage(s.stage));
        assert!(cases > 0 && cases <= s.count);
    }
    for a in &i.breaches_by_agency {
        let cases = n(Figure::BreachedOnAgency(a.agency.clone()));
        assert!(cases > 0 && cases <= a.count);
    }
    for p in &i.matrix {
        assert_eq!(n(Figure::Pair(p.raising.clone(), p.other.clone())), p.count);
    }
    for a in &i.areas {
        assert_eq!(n(Figure::Area(a.area.clone())), a.count);
    }
    assert_eq!(
        n(Figure::Outcome(ResolutionRoute::Agreement)),
        i.outcomes.agreed
    );
    assert_eq!(
        n(Figure::Outcome(ResolutionRoute::Decision)),
        i.outcomes.decided
    );
    assert_eq!(n(Figure::Outcome(ResolutionRoute::Panel)), i.outcomes.panel);
    assert_eq!(
        n(Figure::Outcome(ResolutionRoute::WithoutAgreement)),
        i.outcomes.without_agreement
    );
    assert_eq!(n(Figure::ImmediateRisk), i.immediate_risk.raised);
    assert_eq!(
        n(Figure::StartedAboveFirstStage),
        i.immediate_risk.started_above_first_stage
    );
    for t in &i.learning_themes {
        let cases = n(Figure::Theme(t.theme.clone()));
        assert!(cases > 0 && cases <= t.count);
    }
}
