//! `accord policy timeline` assumes each stage is escalated on its last
//! day (issue 12 §6: it used to start each stage at the previous stage's
//! midnight deadline, a day later than a real escalation on the last
//! working day gives). Here a real case is escalated on that last day, and
//! its next deadline is the one the timeline shows.

mod common;

use accord_case::Command;
use accord_policy::{RoleTier, timeline};
use common::*;

/// IOM-5, IOM-6: Stage 1 within 1 working day, Stage 2 within 2. Raised
/// on Monday 7 June 2027 at 10:30 (BST), Stage 1 is due at the end of
/// Tuesday 8th; escalated on the Tuesday, Stage 2 is due at the end of
/// Thursday 10th, on the case and on the timeline alike.
#[test]
fn a_case_escalated_on_its_last_day_falls_due_when_the_timeline_says() {
    const POLICY: &str = "isle-of-man-2023";
    let (policy, calendar) = policy(POLICY);
    let raised = at("2027-06-07T09:30:00Z");
    let worker = actor("hv", "health", RoleTier::Practitioner);
    let manager = actor("hv-manager", "health", RoleTier::Manager);
    actor("sw", "social-care", RoleTier::Practitioner);
    let mut h = Harness::raise(POLICY, raise(policy, "social-care"), &worker, raised).unwrap();
    let shown = timeline(policy.default_track(), calendar, raised);
    assert_eq!(h.case.due(), shown.stages[0].due);
    assert_eq!(due_day(&h.case), date("2027-06-08"));
    // Escalated on the last day, at the time of day it was raised.
    let last_day = at("2027-06-08T09:30:00Z");
    assert_eq!(shown.stages[1].starts, Some(last_day));
    h.ok(
        Command::Escalate {
            to: stage(2),
            reason: text("No reply from the social worker"),
        },
        &manager,
        last_day,
    );
    assert_eq!(h.case.due(), shown.stages[1].due);
    assert_eq!(due_day(&h.case), date("2027-06-10"));
}
