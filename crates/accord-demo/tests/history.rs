//! The generated history (issue 15): hundreds of cases over two years, each
//! walked by the case engine, the same for the same seed.

use accord_calendar::Calendars;
use accord_case::{Case, EventBody, Status};

#[test]
fn a_history_is_walked_by_the_engine_and_repeats_for_its_seed() {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let now = "2026-11-30T12:00:00Z".parse().unwrap();
    let history = accord_demo::history("east-riding-2018", 300, 15, now, &calendars, &policies)
        .expect("the engine accepts every step of the history");
    assert_eq!(history.cases.len(), 300);
    let cases: Vec<Case> = history
        .cases
        .iter()
        .map(|c| Case::fold(&c.events).expect("each history folds into a case"))
        .collect();
    // Every way a case can stand, and breaches and learning on the way.
    for status in [
        Status::Open,
        Status::Resolved,
        Status::Closed,
        Status::Withdrawn,
    ] {
        assert!(
            cases.iter().any(|c| c.status() == status),
            "no case is {status:?}"
        );
    }
    let events = || history.cases.iter().flat_map(|c| &c.events);
    assert!(events().any(|e| matches!(e.body, EventBody::BreachRecorded { .. })));
    assert!(events().any(|e| matches!(e.body, EventBody::LearningRecorded { .. })));
    assert!(cases.iter().any(|c| c.stage().get() == 4));
    // Raised over about two years, every event before now.
    let first = cases.iter().map(Case::raised_at).min().unwrap();
    assert!(now.duration_since(first).as_hours() > 24 * 600);
    assert!(events().all(|e| e.at < now));
    let again =
        accord_demo::history("east-riding-2018", 300, 15, now, &calendars, &policies).unwrap();
    assert_eq!(again, history);
}
