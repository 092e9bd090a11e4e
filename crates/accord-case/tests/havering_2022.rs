//! Havering HSCP, Escalation & Dispute Resolution Policy, August 2022: a
//! health visitor disagrees with children's social care, and the case
//! climbs to the HSCP Chair's Resolution Panel.

mod common;

use accord_calendar::{Due, WorkingDays};
use accord_case::{Command, Occasion, PanelSeat, PersonId, Refusal, Status};
use accord_policy::{ResolutionRoute, RoleTier, SignpostId};
use common::*;

const POLICY: &str = "havering-2022";

struct People {
    health_visitor: accord_case::Actor,
    social_worker: accord_case::Actor,
    hv_manager: accord_case::Actor,
    sw_manager: accord_case::Actor,
    hv_senior: accord_case::Actor,
    sw_senior: accord_case::Actor,
    /// The health trust's member on the HSCP (§2.8), who also sits on the
    /// full Board (§2.12).
    hv_member: accord_case::Actor,
    /// Children's social care's member on the HSCP.
    sw_member: accord_case::Actor,
    chair: accord_case::Actor,
}

fn people() -> People {
    People {
        health_visitor: actor("hv", "nhs-trust", RoleTier::Practitioner),
        social_worker: actor("sw", "childrens-social-care", RoleTier::Practitioner),
        hv_manager: actor("hv-manager", "nhs-trust", RoleTier::Manager),
        sw_manager: actor("sw-manager", "childrens-social-care", RoleTier::Manager),
        hv_senior: actor("hv-senior", "nhs-trust", RoleTier::SeniorManager),
        sw_senior: actor(
            "sw-senior",
            "childrens-social-care",
            RoleTier::SeniorManager,
        ),
        hv_member: holding(
            "hv-director",
            "nhs-trust",
            RoleTier::HeadOfService,
            &["hscp-member"],
        ),
        sw_member: board_member("dcs", "childrens-social-care"),
        chair: holding("hscp-chair", "hscp", RoleTier::Chair, &["hscp-chair"]),
    }
}

/// An agency's member on the HSCP, who sits on its full Board (§2.8,
/// §2.12).
fn board_member(person: &str, agency_id: &str) -> accord_case::Actor {
    holding(person, agency_id, RoleTier::HeadOfService, &["hscp-member"])
}

/// Monday 3 March 2025, 10:00 (GMT).
const RAISED: &str = "2025-03-03T10:00:00Z";

fn raised_with(subject: accord_case::Subject) -> Harness {
    let p = people();
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.subjects = vec![subject];
    Harness::raise(POLICY, r, &p.health_visitor, at(RAISED)).unwrap()
}

fn escalate(
    h: &mut Harness,
    to: u8,
    by: &accord_case::Actor,
    now: &str,
) -> Vec<accord_case::Event> {
    h.ok(
        Command::Escalate {
            to: stage(to),
            reason: text("Not resolved through discussion"),
        },
        by,
        at(now),
    )
}

/// Walks a case to Stage Four, with every discussion the policy requires.
fn at_stage_four() -> Harness {
    let p = people();
    let mut h = at_stage_three_discussed();
    h.ok(
        discussion(
            at("2025-03-06T11:00:00Z"),
            &[
                (&p.hv_senior, "senior-manager"),
                (&p.sw_senior, "senior-manager"),
                (&p.hv_member, "hscp-member"),
                (&p.sw_member, "hscp-member"),
            ],
            false,
        ),
        &p.hv_senior,
        at("2025-03-06T12:00:00Z"),
    );
    escalate(&mut h, 4, &p.hv_senior, "2025-03-07T09:00:00Z");
    h
}

/// Walks a case to Stage Three and records the senior managers'
/// discussion there, but not yet one with the HSCP members.
fn at_stage_three_discussed() -> Harness {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    h.ok(
        discussion(
            at("2025-03-03T14:00:00Z"),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.social_worker, "practitioner"),
            ],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T15:00:00Z"),
    );
    escalate(&mut h, 2, &p.hv_manager, "2025-03-04T09:00:00Z");
    h.ok(
        discussion(
            at("2025-03-04T11:00:00Z"),
            &[(&p.hv_manager, "manager"), (&p.sw_manager, "manager")],
            false,
        ),
        &p.hv_manager,
        at("2025-03-04T12:00:00Z"),
    );
    escalate(&mut h, 3, &p.hv_manager, "2025-03-05T09:00:00Z");
    h.ok(
        discussion(
            at("2025-03-05T11:00:00Z"),
            &[
                (&p.hv_senior, "senior-manager"),
                (&p.sw_senior, "senior-manager"),
            ],
            false,
        ),
        &p.hv_senior,
        at("2025-03-05T12:00:00Z"),
    );
    h
}

/// A seat on the panel for `person`, an agency's member on the HSCP.
fn seat(person: &str, agency_id: &str) -> PanelSeat {
    board_member(person, agency_id);
    PanelSeat {
        person: PersonId::parse(person).unwrap(),
        agency: agency(agency_id),
    }
}

/// HAV-2 (reading): "professionals should attempt to resolve differences
/// through discussion within one working week" (§1.4). Stages One to Three
/// share 5 working days from the raise: Monday 3 March 2025 is due at the
/// end of Monday 10 March, whichever of those stages the case is at.
#[test]
fn havering_discussion_stages_share_one_working_week_from_the_raise() {
    let h = at_stage_four();
    let visits = h.case.stage_history();
    for visit in &visits[..3] {
        assert_eq!(
            visit.due,
            Due::At {
                instant: at("2025-03-11T00:00:00Z"),
                last_day: date("2025-03-10"),
            },
            "Stage {}",
            visit.stage
        );
    }
    // §2.10 gives the HSCP Chair no timescale: "as soon as possible", with
    // the time at the stage shown instead of a date.
    assert_eq!(h.case.due(), Due::AsSoonAsPossible);
    assert_eq!(
        h.case.time_at_stage(at("2025-03-07T12:00:00Z")).as_hours(),
        3
    );
    assert!(!h.case.is_overdue(at("2030-01-01T00:00:00Z")));
}

/// HAV-5: "If the case involves a child subject to a Child Protection Plan
/// or a Looked After Child, the Independent Reviewing Officer (IRO) must
/// also be notified" (§2.5).
#[test]
fn havering_stage2_notifies_iro_for_looked_after_child() {
    let p = people();
    let mut h = raised_with(child("c1", false, true, false));
    h.ok(
        discussion(
            at("2025-03-03T14:00:00Z"),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.social_worker, "practitioner"),
            ],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T15:00:00Z"),
    );
    let events = escalate(&mut h, 2, &p.hv_manager, "2025-03-04T09:00:00Z");
    let iro = notifications(&events)
        .into_iter()
        .find(|n| n.to.id() == "iro")
        .expect("the IRO is notified");
    assert_eq!(iro.occasion, Occasion::StageEntry);
    assert_eq!(iro.section, "§2.5");
    assert_eq!(iro.stage, stage(2));
    // The notification follows the escalation that caused it, in one append.
    assert_eq!(iro.cause, events[0].sequence);
    // HAV-8: leaving Stage One tells the worker who raised it.
    assert!(notifies(&events, "raiser", Occasion::StageExit));
}

/// HAV-5: a child with a Child Protection Plan notifies the IRO too; a
/// child with neither does not.
#[test]
fn havering_stage2_notifies_iro_only_for_a_plan_or_looked_after_child() {
    let p = people();
    for (subject, expected) in [
        (child("c1", true, false, false), true),
        (child("c1", false, false, false), false),
    ] {
        let mut h = raised_with(subject);
        h.ok(
            discussion(
                at("2025-03-03T14:00:00Z"),
                &[
                    (&p.health_visitor, "practitioner"),
                    (&p.social_worker, "practitioner"),
                ],
                false,
            ),
            &p.health_visitor,
            at("2025-03-03T15:00:00Z"),
        );
        let events = escalate(&mut h, 2, &p.hv_manager, "2025-03-04T09:00:00Z");
        assert_eq!(notifies(&events, "iro", Occasion::StageEntry), expected);
    }
}

/// HAV-5: learning at Stage Two that the child is Looked After is a
/// correction of the raise, and it tells the IRO then.
#[test]
fn havering_correcting_a_child_to_looked_after_at_stage2_notifies_iro() {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    h.ok(
        discussion(
            at("2025-03-03T14:00:00Z"),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.social_worker, "practitioner"),
            ],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T15:00:00Z"),
    );
    escalate(&mut h, 2, &p.hv_manager, "2025-03-04T09:00:00Z");
    let events = h.ok(
        Command::Correct {
            corrects: accord_case::Sequence::FIRST,
            reason: text("The child became Looked After last month"),
            amendment: accord_case::Amendment::Subjects {
                subjects: vec![child("c1", false, true, false)],
            },
        },
        &p.hv_manager,
        at("2025-03-04T10:00:00Z"),
    );
    assert!(notifies(&events, "iro", Occasion::StageEntry));
    assert!(h.case.subjects()[0].looked_after);
    // The raise itself is unchanged: the correction is a new event.
    match &h.events[0].body {
        accord_case::EventBody::Raised(r) => assert!(!r.subjects[0].looked_after),
        other => panic!("first event is {}", other.name()),
    }
}

/// A case at Stage Two with one child and no flags.
fn at_stage_two() -> Harness {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    h.ok(
        discussion(
            at("2025-03-03T14:00:00Z"),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.social_worker, "practitioner"),
            ],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T15:00:00Z"),
    );
    escalate(&mut h, 2, &p.hv_manager, "2025-03-04T09:00:00Z");
    h
}

/// A change of circumstances for child `c1`.
fn change(cp_plan: bool, looked_after: bool, immediate_risk: bool, why: &str) -> Command {
    Command::RecordChangeOfCircumstances {
        subject: accord_case::SubjectId::parse("c1").unwrap(),
        child_protection_plan: cp_plan,
        looked_after,
        immediate_risk,
        reason: text(why),
    }
}

/// HAV-5: "If the case involves a child subject to a Child Protection Plan
/// or a Looked After Child, the Independent Reviewing Officer (IRO) must
/// also be notified" (§2.5). A child made subject to a Child Protection Plan
/// while the case is at Stage Two is a change of circumstances, not a
/// correction: the raise stands, and the IRO is told then, once.
#[test]
fn havering_child_protection_plan_made_at_stage2_notifies_iro() {
    let p = people();
    let mut h = at_stage_two();
    let events = h.ok(
        change(
            true,
            false,
            false,
            "A Child Protection Plan was made at conference today",
        ),
        &p.sw_manager,
        at("2025-03-05T09:00:00Z"),
    );
    assert!(matches!(
        events[0].body,
        accord_case::EventBody::CircumstancesChanged { stage: s, child_protection_plan: true, .. } if s == stage(2)
    ));
    let told = notifications(&events);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].to.id(), "iro");
    assert_eq!(told[0].occasion, Occasion::CircumstancesChanged);
    assert_eq!(told[0].section, "§2.5");
    assert_eq!(told[0].stage, stage(2));
    assert_eq!(told[0].cause, events[0].sequence);
    assert!(h.case.subjects()[0].child_protection_plan);
    assert!(h.case.corrections().is_empty());
    assert_eq!(h.case.circumstance_changes().len(), 1);
    match &h.events[0].body {
        accord_case::EventBody::Raised(r) => assert!(!r.subjects[0].child_protection_plan),
        other => panic!("first event is {}", other.name()),
    }

    // Becoming Looked After as well: the IRO already knows.
    let events = h.ok(
        change(true, true, false, "Accommodated under section 20"),
        &p.sw_manager,
        at("2025-03-05T10:00:00Z"),
    );
    assert!(notifications(&events).is_empty());
    // Nothing changed, nothing recorded.
    assert!(matches!(
        h.run(
            change(true, true, false, "Again"),
            &p.sw_manager,
            at("2025-03-05T11:00:00Z")
        ),
        Err(Refusal::CircumstancesUnchanged { .. })
    ));
    let unknown = Command::RecordChangeOfCircumstances {
        subject: accord_case::SubjectId::parse("c9").unwrap(),
        child_protection_plan: true,
        looked_after: false,
        immediate_risk: false,
        reason: text("Wrong child"),
    };
    assert!(matches!(
        h.run(unknown, &p.sw_manager, at("2025-03-05T11:00:00Z")),
        Err(Refusal::NoSuchSubject { .. })
    ));
}

/// HAV-5 (reading): §2.5 sits under Stage Two, but its condition is about
/// the case ("If the case involves ... a Looked After Child"), and the §4
/// flowchart repeats it in Stage 3's box: "If child is subject of a CP Plan
/// or is a Looked After Child, notify the Independent Reviewing Officer." A
/// child who becomes Looked After while the case is at Stage Three is owed
/// the IRO notification Stage Two would have sent, so it goes then.
#[test]
fn havering_child_becoming_looked_after_at_stage3_notifies_iro() {
    let p = people();
    let mut h = at_stage_two();
    h.ok(
        discussion(
            at("2025-03-04T11:00:00Z"),
            &[(&p.hv_manager, "manager"), (&p.sw_manager, "manager")],
            false,
        ),
        &p.hv_manager,
        at("2025-03-04T12:00:00Z"),
    );
    let entered = escalate(&mut h, 3, &p.hv_manager, "2025-03-05T09:00:00Z");
    assert!(!notifies(&entered, "iro", Occasion::StageEntry));
    let events = h.ok(
        change(
            false,
            true,
            false,
            "Placed in foster care under an interim care order",
        ),
        &p.sw_senior,
        at("2025-03-06T09:00:00Z"),
    );
    let iro = notifications(&events)
        .into_iter()
        .find(|n| n.to.id() == "iro")
        .expect("the IRO is notified");
    assert_eq!(iro.occasion, Occasion::CircumstancesChanged);
    assert_eq!(iro.section, "§2.5");
    assert_eq!(iro.stage, stage(3));
    assert_eq!(notifications(&events).len(), 1);
}

/// HAV-3: "If a child is thought to be at immediate harm, the Designated
/// Safeguarding Lead in your agency should be informed immediately" (§1.5).
/// Immediate harm that arises mid-case tells the DSL then; the case stays
/// at its stage, since the policy allows none to be skipped.
#[test]
fn havering_immediate_harm_arising_mid_case_notifies_the_dsl() {
    let p = people();
    let mut h = at_stage_two();
    let events = h.ok(
        change(
            false,
            false,
            true,
            "Disclosed an assault at home this morning",
        ),
        &p.hv_manager,
        at("2025-03-05T09:00:00Z"),
    );
    let dsl = notifications(&events)
        .into_iter()
        .find(|n| n.occasion == Occasion::ImmediateRisk)
        .expect("the DSL is notified");
    assert_eq!(dsl.to.id(), "safeguarding-lead");
    assert_eq!(dsl.section, "§1.5");
    assert_eq!(dsl.stage, stage(2));
    assert!(h.case.immediate_risk());
    assert_eq!(h.case.stage(), stage(2));
    // The risk passing is recorded too, and tells no one.
    let events = h.ok(
        change(
            false,
            false,
            false,
            "Moved to a relative's under a safety plan",
        ),
        &p.hv_manager,
        at("2025-03-06T09:00:00Z"),
    );
    assert!(notifications(&events).is_empty());
    assert!(!h.case.immediate_risk());
}

/// HAV-3: "If a child is thought to be at immediate harm, the Designated
/// Safeguarding Lead in your agency should be informed immediately" (§1.5).
/// The policy allows no stage to be skipped.
#[test]
fn havering_immediate_harm_notifies_the_dsl_but_skips_no_stage() {
    let p = people();
    let h = raised_with(child("c1", false, false, true));
    let dsl = notifications(&h.events)
        .into_iter()
        .find(|n| n.occasion == Occasion::ImmediateRisk)
        .expect("the DSL is notified");
    assert_eq!(dsl.to.id(), "safeguarding-lead");
    assert_eq!(dsl.section, "§1.5");

    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.subjects = vec![child("c1", false, false, true)];
    r.start_at = Some(accord_case::LaterStart {
        stage: stage(2),
        reason: text("The child is at immediate risk"),
    });
    let refused = Harness::raise(POLICY, r, &p.health_visitor, at(RAISED))
        .err()
        .unwrap();
    assert!(matches!(
        refused,
        Refusal::ImmediateRiskEntryNotAllowed { .. }
    ));
    assert_eq!(refused.section(), "§1.5");
}

/// HAV-4: Stage One is a discussion with the other worker; "Record the
/// outcome" (§4 flowchart). Escalating without a discussion record is refused.
#[test]
fn havering_stage1_needs_a_recorded_discussion_before_escalating() {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    let refused = h
        .run(
            Command::Escalate {
                to: stage(2),
                reason: text("No reply"),
            },
            &p.hv_manager,
            at("2025-03-04T09:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(refused, Refusal::RequirementUnmet { .. }));
    assert_eq!(refused.section(), "§4");
    // Stages move one at a time.
    let skip = h
        .run(
            Command::Escalate {
                to: stage(3),
                reason: text("Urgent"),
            },
            &p.hv_manager,
            at("2025-03-04T09:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(skip, Refusal::StageSkip { .. }));
}

/// HAV-6: "The respective agency members on the Havering Safeguarding
/// Children Partnership (HSCP) should be engaged in seeking resolution
/// before the case is raised with the HSCP Chair" (§2.8). HAV-7: the
/// concerned agency e-mails the partnership mailbox (§2.11).
#[test]
fn havering_hscp_members_are_engaged_before_the_chair() {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    h.ok(
        discussion(
            at("2025-03-03T14:00:00Z"),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.social_worker, "practitioner"),
            ],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T15:00:00Z"),
    );
    escalate(&mut h, 2, &p.hv_manager, "2025-03-04T09:00:00Z");
    h.ok(
        discussion(
            at("2025-03-04T11:00:00Z"),
            &[(&p.hv_manager, "manager"), (&p.sw_manager, "manager")],
            false,
        ),
        &p.hv_manager,
        at("2025-03-04T12:00:00Z"),
    );
    escalate(&mut h, 3, &p.hv_manager, "2025-03-05T09:00:00Z");
    h.ok(
        discussion(
            at("2025-03-05T11:00:00Z"),
            &[
                (&p.hv_senior, "senior-manager"),
                (&p.sw_senior, "senior-manager"),
            ],
            false,
        ),
        &p.hv_senior,
        at("2025-03-05T12:00:00Z"),
    );
    let refused = h
        .run(
            Command::Escalate {
                to: stage(4),
                reason: text("Still disagree"),
            },
            &p.hv_senior,
            at("2025-03-06T09:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(refused, Refusal::RequirementUnmet { .. }));
    assert_eq!(refused.section(), "§2.8");

    h.ok(
        discussion(
            at("2025-03-06T11:00:00Z"),
            &[
                (&p.hv_senior, "senior-manager"),
                (&p.sw_senior, "senior-manager"),
                (&p.hv_member, "hscp-member"),
                (&p.sw_member, "hscp-member"),
            ],
            false,
        ),
        &p.hv_senior,
        at("2025-03-06T12:00:00Z"),
    );
    let events = escalate(&mut h, 4, &p.hv_senior, "2025-03-07T09:00:00Z");
    assert!(notifies(
        &events,
        "partnership-mailbox",
        Occasion::StageEntry
    ));
    assert!(notifies(&events, "hscp-chair", Occasion::StageEntry));
}

/// HAV-7: "The Resolution Panel must consist of senior officer from three
/// agencies who are members of the full Board of the HSCP. The senior
/// officers must include the agencies concerned in the professional
/// differences" (§2.12). A panel of two agencies is refused.
#[test]
fn havering_panel_of_two_agencies_is_refused() {
    let p = people();
    let mut h = at_stage_four();
    let two = Command::ConvenePanel {
        members: vec![
            seat("hv-director", "nhs-trust"),
            seat("dcs", "childrens-social-care"),
        ],
        shortfall_reason: Some(text("Nobody else was free")),
    };
    let refused = h
        .run(two, &p.chair, at("2025-03-10T09:00:00Z"))
        .unwrap_err();
    assert_eq!(
        refused,
        Refusal::PanelTooSmall {
            required: 3,
            got: 2,
            section: "§2.12".into(),
        }
    );
    // Three agencies, but not the ones in dispute: refused too, whatever the reason.
    let without_parties = Command::ConvenePanel {
        members: vec![
            seat("a", "police"),
            seat("b", "education"),
            seat("c", "probation"),
        ],
        shortfall_reason: Some(text("Conflict of interest")),
    };
    let refused = h
        .run(without_parties, &p.chair, at("2025-03-10T09:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::PanelLacksDisputingAgencies { ref missing, .. } if missing.len() == 2)
    );
    // Only the Chair convenes it.
    let proper = Command::ConvenePanel {
        members: vec![
            seat("hv-director", "nhs-trust"),
            seat("dcs", "childrens-social-care"),
            seat("supt", "police"),
        ],
        shortfall_reason: None,
    };
    let refused = h
        .run(proper.clone(), &p.hv_senior, at("2025-03-10T09:00:00Z"))
        .unwrap_err();
    assert!(matches!(refused, Refusal::NotTheDecider { .. }));
    h.ok(proper, &p.chair, at("2025-03-10T09:00:00Z"));
    assert_eq!(h.case.panel().unwrap().members.len(), 3);
}

/// HAV-7: "The Panel will receive representations from those involved in
/// the dispute and will collectively resolve the professional differences"
/// (§2.13). HAV-8: the outcome is shared with the worker who raised it
/// (§3.1). The document does not make the decision final, and asks for no
/// written confirmation, so the case closes without one.
#[test]
fn havering_panel_hears_both_sides_then_resolves_and_the_case_closes() {
    let p = people();
    let mut h = at_stage_four();
    h.ok(
        Command::ConvenePanel {
            members: vec![
                seat("hv-director", "nhs-trust"),
                seat("dcs", "childrens-social-care"),
                seat("supt", "police"),
            ],
            shortfall_reason: None,
        },
        &p.chair,
        at("2025-03-10T09:00:00Z"),
    );
    let resolve = Command::Resolve {
        route: ResolutionRoute::Panel,
        outcome: text("A strategy discussion will be convened by Friday."),
        outstanding_issues: text(
            "Threshold guidance to be reviewed by the Case Review Working Group.",
        ),
    };
    h.ok(
        Command::RecordRepresentation {
            agency: agency("nhs-trust"),
            summary: text("Three A&E attendances meet the threshold."),
        },
        &p.hv_senior,
        at("2025-03-11T10:00:00Z"),
    );
    let refused = h
        .run(resolve.clone(), &p.chair, at("2025-03-11T11:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::RepresentationsNotHeard { ref missing, .. } if missing == &[agency("childrens-social-care")])
    );
    h.ok(
        Command::RecordRepresentation {
            agency: agency("childrens-social-care"),
            summary: text("The family is engaging with early help."),
        },
        &p.sw_senior,
        at("2025-03-11T10:30:00Z"),
    );
    // §3.1: the Chair's or the panel's decisions are recorded on the child's file.
    let refused = h
        .run(resolve.clone(), &p.chair, at("2025-03-11T11:00:00Z"))
        .unwrap_err();
    assert_eq!(refused.section(), "§3.1");
    h.ok(
        discussion(
            at("2025-03-11T10:45:00Z"),
            &[
                (&p.chair, "chair"),
                (&p.hv_senior, "senior-manager"),
                (&p.sw_senior, "senior-manager"),
            ],
            true,
        ),
        &p.chair,
        at("2025-03-11T10:50:00Z"),
    );
    let events = h.ok(resolve, &p.chair, at("2025-03-11T11:00:00Z"));
    assert!(notifies(&events, "raiser", Occasion::OutcomeFeedback));
    assert_eq!(h.case.status(), Status::Resolved);
    assert!(!h.case.outcome().unwrap().final_decision);
    h.ok(
        Command::Close {
            missing_confirmations: vec![],
        },
        &p.chair,
        at("2025-03-12T09:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Closed);
}

/// HAV-2: a breach of the working week tells the stage's leads (§1.4), and
/// only a manager may extend the deadline, with a reason (DESIGN.md §3).
#[test]
fn havering_a_missed_week_is_a_breach_and_only_a_manager_extends() {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    let early = h.run(
        Command::RecordBreach,
        &p.health_visitor,
        at("2025-03-10T23:59:59Z"),
    );
    assert!(matches!(early, Err(Refusal::NotOverdue { .. })));
    assert!(h.case.is_overdue(at("2025-03-11T00:00:00Z")));
    let events = h.ok(
        Command::RecordBreach,
        &p.health_visitor,
        at("2025-03-11T00:00:00Z"),
    );
    assert!(notifies(&events, "stage-leads", Occasion::Breach));
    assert!(matches!(
        h.run(
            Command::RecordBreach,
            &p.health_visitor,
            at("2025-03-11T09:00:00Z")
        ),
        Err(Refusal::BreachAlreadyRecorded { .. })
    ));

    let extend = Command::ExtendDeadline {
        by: accord_case::Extension::WorkingDays(WorkingDays::new(2).unwrap()),
        reason: text("The GP's report is due on Wednesday"),
    };
    let refused = h
        .run(
            extend.clone(),
            &p.health_visitor,
            at("2025-03-11T09:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(refused, Refusal::NotAManager { .. }));
    h.ok(extend, &p.hv_manager, at("2025-03-11T09:00:00Z"));
    assert_eq!(due_day(&h.case), date("2025-03-12"));
    assert!(!h.case.is_overdue(at("2025-03-12T12:00:00Z")));

    // DESIGN.md §3, "no silent pausing": more than a year is a pause.
    for by in [
        accord_case::Extension::Hours(std::num::NonZeroU32::new(365 * 24 + 1).unwrap()),
        accord_case::Extension::Hours(std::num::NonZeroU32::MAX),
        accord_case::Extension::CalendarDays(std::num::NonZeroU32::new(367).unwrap()),
        accord_case::Extension::WorkingDays(WorkingDays::new(261).unwrap()),
    ] {
        let refused = h
            .run(
                Command::ExtendDeadline {
                    by,
                    reason: text("Waiting for the court"),
                },
                &p.hv_manager,
                at("2025-03-12T09:00:00Z"),
            )
            .unwrap_err();
        assert!(
            matches!(refused, Refusal::ExtensionTooLong { .. }),
            "{by:?}"
        );
        assert_eq!(refused.section(), "DESIGN.md §3");
    }
    let year = Command::ExtendDeadline {
        by: accord_case::Extension::CalendarDays(std::num::NonZeroU32::new(366).unwrap()),
        reason: text("Waiting for the court"),
    };
    h.ok(year, &p.hv_manager, at("2025-03-12T09:00:00Z"));
}

/// DESIGN.md §3: "A breach notifies the case's leads and the next tier
/// up." A stage whose policy names nobody for its breach still tells them,
/// by the policy's `alerts.breach_to`; one that names people tells only
/// those (Havering §1.4 names both).
#[test]
fn a_breach_on_a_stage_that_names_nobody_tells_the_leads_and_the_tier_above() {
    let p = people();
    let (havering, calendar) = policy(POLICY);
    let mut silent = havering.clone();
    for track in &mut silent.tracks {
        for stage in &mut track.stages {
            stage
                .notifications
                .retain(|n| n.on != accord_policy::Trigger::Breach);
        }
    }
    let silent: &'static accord_policy::Policy = Box::leak(Box::new(silent));
    let mut h = raised_with(child("c1", false, false, false));
    h.policy = silent;
    h.calendar = calendar;
    let events = h.ok(
        Command::RecordBreach,
        &p.health_visitor,
        at("2025-03-11T00:00:00Z"),
    );
    let told: Vec<_> = notifications(&events).into_iter().collect();
    assert_eq!(
        told.iter().map(|n| n.to.id()).collect::<Vec<_>>(),
        ["stage-leads", "next-tier-up"]
    );
    assert!(told.iter().all(|n| n.occasion == Occasion::Breach));
    assert!(told.iter().all(|n| n.section == "DESIGN.md §3"));
    assert!(told[0].message.contains("deadline has passed"));

    // Havering's own stage names its people: its words, not the default.
    let mut own = raised_with(child("c1", false, false, false));
    let events = own.ok(
        Command::RecordBreach,
        &p.health_visitor,
        at("2025-03-11T00:00:00Z"),
    );
    let sections: Vec<_> = notifications(&events)
        .iter()
        .map(|n| n.section.clone())
        .collect();
    assert!(!sections.is_empty());
    assert!(sections.iter().all(|s| s != "DESIGN.md §3"), "{sections:?}");
}

/// DESIGN.md §5, §1.8: concerns about decisions or wrongdoing within your
/// own agency go to its whistleblowing arrangements and are never a case.
#[test]
fn havering_whistleblowing_is_signposted_not_raised() {
    let p = people();
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.signpost = Some("whistleblowing".parse::<SignpostId>().unwrap());
    let refused = Harness::raise(POLICY, r, &p.health_visitor, at(RAISED))
        .err()
        .unwrap();
    assert!(
        matches!(refused, Refusal::OutOfScope { ref go_to, .. } if go_to.contains("whistleblowing"))
    );
    assert_eq!(refused.section(), "§1.8");

    let own = raise(policy, "nhs-trust");
    let refused = Harness::raise(POLICY, own, &p.health_visitor, at(RAISED))
        .err()
        .unwrap();
    assert!(matches!(refused, Refusal::OwnAgency { .. }));
}

/// HAV-1: the areas of disagreement are the four §1.3 lists; Plymouth's
/// "communication" on its own is not one of them. Havering covers children
/// only.
#[test]
fn havering_areas_and_subjects_are_the_policys_own() {
    let p = people();
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.area = "communication".parse().unwrap();
    let refused = Harness::raise(POLICY, r, &p.health_visitor, at(RAISED))
        .err()
        .unwrap();
    assert!(matches!(refused, Refusal::NotAPolicyArea { .. }));
    assert_eq!(refused.section(), "§2");

    let mut r = raise(policy, "childrens-social-care");
    r.subjects[0].kind = accord_policy::SubjectKind::VulnerableAdult;
    let refused = Harness::raise(POLICY, r, &p.health_visitor, at(RAISED))
        .err()
        .unwrap();
    assert!(matches!(refused, Refusal::SubjectKindNotCovered { .. }));
}

/// DESIGN.md §2: a case stays bound to the policy version it was raised
/// under; deciding it against another policy is refused.
#[test]
fn havering_case_refuses_another_policy() {
    let p = people();
    let h = raised_with(child("c1", false, false, false));
    let (plymouth, calendar) = policy("plymouth-2025");
    let refused = h
        .case
        .decide(
            plymouth,
            calendar,
            Command::RecordBreach,
            &context(&p.health_visitor, at(RAISED)),
        )
        .unwrap_err();
    assert!(matches!(refused, Refusal::PolicyMismatch { .. }));
}

/// HAV-6 and DESIGN.md §5: before the case may leave Stage Three for the
/// HSCP Chair, "The respective agency members on the HSCP must be engaged
/// in seeking resolution before the case is raised with the HSCP Chair"
/// (§2.8). A screen can say so before anyone tries: `outstanding` lists
/// what an escalation would be refused for, and empties as it is met.
#[test]
fn havering_stage3_says_what_the_chair_needs_before_escalation() {
    use accord_policy::Before;
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    let needs = h.case.outstanding(h.policy, Before::Escalate);
    assert_eq!(needs.len(), 1, "{needs:?}");
    assert!(matches!(&needs[0], Refusal::RequirementUnmet { section, .. } if section == "§4"));
    h.ok(
        discussion(
            at("2025-03-03T14:00:00Z"),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.social_worker, "practitioner"),
            ],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T15:00:00Z"),
    );
    assert!(h.case.outstanding(h.policy, Before::Escalate).is_empty());

    let h = at_stage_three_discussed();
    let needs = h.case.outstanding(h.policy, Before::Escalate);
    assert_eq!(needs.len(), 1, "{needs:?}");
    assert!(
        matches!(&needs[0], Refusal::RequirementUnmet { section, .. } if section == "§2.8"),
        "{needs:?}"
    );
    // Resolving at Stage Three does not need the HSCP members.
    assert!(h.case.outstanding(h.policy, Before::Resolve).is_empty());
}

/// §2.9–§2.12: at Stage Four the HSCP Chair may resolve it direct or
/// convene a Resolution Panel; the senior managers may still agree. The
/// panel's business is offered only once it is convened, and only the
/// Chair (or the partnership team for them) is offered convening it.
/// Havering asks for no written confirmation (§3.1), so none is offered.
#[test]
fn havering_offers_each_person_only_what_the_policy_lets_them_do() {
    use accord_case::Offer;
    let p = people();
    let mut h = at_stage_four();
    let chair = h.case.offers(h.policy, &p.chair);
    assert!(chair.contains(&Offer::ConvenePanel), "{chair:?}");
    assert!(chair.contains(&Offer::Resolve(vec![ResolutionRoute::Decision])));
    assert!(!chair.contains(&Offer::RecordRepresentation));
    assert!(!chair.iter().any(|o| matches!(o, Offer::Escalate { .. })));
    let senior = h.case.offers(h.policy, &p.hv_senior);
    assert!(!senior.contains(&Offer::ConvenePanel), "{senior:?}");
    assert!(!senior.iter().any(|o| matches!(o, Offer::Resolve(_))));
    assert!(senior.contains(&Offer::ExtendDeadline) == h.case.stage_due().instant().is_some());
    // Only the raising agency withdraws.
    assert!(senior.contains(&Offer::Withdraw));
    assert!(
        !h.case
            .offers(h.policy, &p.sw_senior)
            .contains(&Offer::Withdraw)
    );
    // A practitioner extends no deadline.
    assert!(
        !h.case
            .offers(h.policy, &p.health_visitor)
            .contains(&Offer::ExtendDeadline)
    );

    h.ok(
        Command::ConvenePanel {
            members: vec![
                seat("hv-director", "nhs-trust"),
                seat("dcs", "childrens-social-care"),
                seat("supt", "police"),
            ],
            shortfall_reason: None,
        },
        &p.chair,
        at("2025-03-10T09:00:00Z"),
    );
    let chair = h.case.offers(h.policy, &p.chair);
    assert!(!chair.contains(&Offer::ConvenePanel));
    assert!(chair.contains(&Offer::RecordRepresentation));
    assert!(chair.contains(&Offer::Resolve(vec![
        ResolutionRoute::Decision,
        ResolutionRoute::Panel
    ])));

    for agency in ["nhs-trust", "childrens-social-care"] {
        h.ok(
            Command::RecordRepresentation {
                agency: accord_case::AgencyId::parse(agency).unwrap(),
                summary: text("Our view"),
            },
            &p.chair,
            at("2025-03-11T09:00:00Z"),
        );
    }
    h.ok(
        discussion(
            at("2025-03-11T10:00:00Z"),
            &[
                (&p.chair, "hscp-chair"),
                (&p.hv_senior, "senior-manager"),
                (&p.sw_senior, "senior-manager"),
            ],
            true,
        ),
        &p.chair,
        at("2025-03-11T11:00:00Z"),
    );
    h.ok(
        Command::Resolve {
            route: ResolutionRoute::Panel,
            outcome: text("A joint visit"),
            outstanding_issues: text("None"),
        },
        &p.chair,
        at("2025-03-11T12:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Resolved);
    let after = h.case.offers(h.policy, &p.hv_senior);
    assert_eq!(
        after,
        vec![Offer::Close],
        "no confirmation, no learning themes"
    );
}

// --- Issue 12 §2: every stage's work done by both sides -------------------

/// HAV-4: "2.1 Stage One: Discuss with the other worker ... 2.2 The people
/// who disagree have a discussion". A user recorded a Stage One discussion
/// with only themselves taking part: it is on the record, but it is not a
/// discussion with the other worker, so the case cannot leave Stage One on
/// it. With the social worker taking part, it can.
#[test]
fn havering_stage1_discussion_alone_is_not_a_discussion_with_the_other_worker() {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    h.ok(
        discussion(
            at("2025-03-03T14:00:00Z"),
            &[(&p.health_visitor, "practitioner")],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T15:00:00Z"),
    );
    let escalate_now = Command::Escalate {
        to: stage(2),
        reason: text("No reply"),
    };
    let refused = h
        .run(
            escalate_now.clone(),
            &p.hv_manager,
            at("2025-03-04T09:00:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::RequirementUnmet { .. }),
        "{refused}"
    );
    assert_eq!(refused.section(), "§4");
    // Two people of the raising agency are still one side.
    h.ok(
        discussion(
            at("2025-03-03T16:00:00Z"),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.hv_manager, "manager"),
            ],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T16:30:00Z"),
    );
    assert!(
        h.run(
            escalate_now.clone(),
            &p.hv_manager,
            at("2025-03-04T09:00:00Z")
        )
        .is_err()
    );
    h.ok(
        discussion(
            at("2025-03-03T17:00:00Z"),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.social_worker, "practitioner"),
            ],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T17:30:00Z"),
    );
    h.ok(escalate_now, &p.hv_manager, at("2025-03-04T09:00:00Z"));
}

/// Issue 12 §2: a discussion "cannot be dated before the case was raised or
/// in the future". The user's record was dated 1 January 1990.
#[test]
fn havering_discussion_dated_before_the_raise_is_refused() {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    let dated = |when: &str| {
        discussion(
            at(when),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.social_worker, "practitioner"),
            ],
            false,
        )
    };
    // 1990 is outside the dates any case holds (issue 11).
    assert!(matches!(
        h.run(
            dated("1990-01-01T09:00:00Z"),
            &p.health_visitor,
            at("2025-03-03T15:00:00Z")
        ),
        Err(Refusal::DateOutOfRange { .. })
    ));
    let refused = h
        .run(
            dated("2024-12-20T09:00:00Z"),
            &p.health_visitor,
            at("2025-03-03T15:00:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::DiscussionBeforeRaised { .. }),
        "{refused}"
    );
    // An hour before the raise is still before it.
    assert!(matches!(
        h.run(
            dated("2025-03-03T09:00:00Z"),
            &p.health_visitor,
            at("2025-03-03T15:00:00Z")
        ),
        Err(Refusal::DiscussionBeforeRaised { .. })
    ));
    assert!(matches!(
        h.run(
            dated("2025-03-03T16:00:00Z"),
            &p.health_visitor,
            at("2025-03-03T15:00:00Z")
        ),
        Err(Refusal::DiscussionInFuture { .. })
    ));
    // The moment of the raise itself is allowed.
    h.ok(dated(RAISED), &p.health_visitor, at("2025-03-03T15:00:00Z"));
}

/// Issue 12 §2: "A participant's role must be one they hold." A manager
/// recorded as an HSCP member, or a practitioner as a manager, is refused
/// with the roles the directory gives them; someone recorded with another
/// agency, or nobody the directory knows, is refused too.
#[test]
fn havering_participant_role_must_be_one_they_hold() {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    let with =
        |who: &[(&accord_case::Actor, &str)]| discussion(at("2025-03-03T14:00:00Z"), who, false);
    let refused = h
        .run(
            with(&[
                (&p.health_visitor, "manager"),
                (&p.social_worker, "practitioner"),
            ]),
            &p.health_visitor,
            at("2025-03-03T15:00:00Z"),
        )
        .unwrap_err();
    match &refused {
        Refusal::RoleNotHeld {
            field, role, held, ..
        } => {
            assert_eq!(field, "record.participants[0].role");
            assert_eq!(role, "manager");
            assert_eq!(held, "practitioner");
        }
        other => panic!("expected RoleNotHeld, got {other:?}"),
    }
    assert!(
        refused
            .to_string()
            .contains("record the role they took part in")
    );
    assert!(matches!(
        h.run(
            with(&[
                (&p.hv_manager, "hscp-member"),
                (&p.social_worker, "practitioner")
            ]),
            &p.health_visitor,
            at("2025-03-03T15:00:00Z"),
        ),
        Err(Refusal::RoleNotHeld { .. })
    ));
    // A relation to the case is nobody's role.
    assert!(matches!(
        h.run(
            with(&[
                (&p.health_visitor, "raiser"),
                (&p.social_worker, "practitioner")
            ]),
            &p.health_visitor,
            at("2025-03-03T15:00:00Z"),
        ),
        Err(Refusal::RoleNotHeld { .. })
    ));
    // Recorded with an agency that is not theirs.
    let mut wrong = with(&[
        (&p.health_visitor, "practitioner"),
        (&p.social_worker, "practitioner"),
    ]);
    if let Command::RecordDiscussion { record } = &mut wrong {
        record.participants[1].agency = agency("police");
    }
    assert!(matches!(
        h.run(wrong, &p.health_visitor, at("2025-03-03T15:00:00Z")),
        Err(Refusal::NotTheirAgency { ref field, .. }) if field == "record.participants[1].person"
    ));
    // Someone the directory does not have.
    let stranger = accord_case::Actor {
        person: PersonId::parse("nobody").unwrap(),
        agency: agency("childrens-social-care"),
        tier: RoleTier::Practitioner,
        roles: Vec::new(),
    };
    assert!(matches!(
        h.run(
            with(&[
                (&p.health_visitor, "practitioner"),
                (&stranger, "practitioner")
            ]),
            &p.health_visitor,
            at("2025-03-03T15:00:00Z"),
        ),
        Err(Refusal::UnknownPerson { .. })
    ));
}

/// HAV-6: "The respective agency members on the Havering Safeguarding
/// Children Partnership (HSCP) should be engaged in seeking resolution
/// before the case is raised with the HSCP Chair" (§2.8). "Respective" is
/// one for each side: the health trust's member alone, or an uninvolved
/// agency's member, does not meet it.
#[test]
fn havering_respective_hscp_members_means_one_for_each_side() {
    let p = people();
    let police_member = board_member("police-member", "police");
    let mut h = at_stage_three_discussed();
    let to_the_chair = Command::Escalate {
        to: stage(4),
        reason: text("Still disagree"),
    };
    for members in [
        vec![(&p.hv_member, "hscp-member")],
        vec![
            (&p.hv_member, "hscp-member"),
            (&police_member, "hscp-member"),
        ],
    ] {
        let mut who = vec![
            (&p.hv_senior, "senior-manager"),
            (&p.sw_senior, "senior-manager"),
        ];
        who.extend(members);
        h.ok(
            discussion(at("2025-03-06T11:00:00Z"), &who, false),
            &p.hv_senior,
            at("2025-03-06T12:00:00Z"),
        );
        let refused = h
            .run(
                to_the_chair.clone(),
                &p.hv_senior,
                at("2025-03-07T09:00:00Z"),
            )
            .unwrap_err();
        assert!(
            matches!(refused, Refusal::RequirementUnmet { .. }),
            "{refused}"
        );
        assert_eq!(refused.section(), "§2.8");
    }
    h.ok(
        discussion(
            at("2025-03-06T14:00:00Z"),
            &[
                (&p.hv_senior, "senior-manager"),
                (&p.sw_senior, "senior-manager"),
                (&p.hv_member, "hscp-member"),
                (&p.sw_member, "hscp-member"),
            ],
            false,
        ),
        &p.hv_senior,
        at("2025-03-06T15:00:00Z"),
    );
    h.ok(to_the_chair, &p.hv_senior, at("2025-03-07T09:00:00Z"));
}

/// HAV-7: "The Resolution Panel must consist of senior officer from three
/// agencies who are members of the full Board of the HSCP" (§2.12). A
/// practitioner, a senior manager who is not on the Board, or the
/// partnership team's own officer cannot make up the three.
#[test]
fn havering_panel_seats_only_members_of_the_full_board() {
    let p = people();
    let mut h = at_stage_four();
    let police_officer = actor("pc", "police", RoleTier::Practitioner);
    let team = actor("hscp-officer", "hscp", RoleTier::PartnershipTeam);
    for (outsider, agency_id) in [
        (&police_officer, "police"),
        (&p.hv_senior, "nhs-trust"),
        (&team, "hscp"),
    ] {
        let refused = h
            .run(
                Command::ConvenePanel {
                    members: vec![
                        PanelSeat {
                            person: p.hv_member.person.clone(),
                            agency: agency("nhs-trust"),
                        },
                        PanelSeat {
                            person: p.sw_member.person.clone(),
                            agency: agency("childrens-social-care"),
                        },
                        PanelSeat {
                            person: outsider.person.clone(),
                            agency: agency(agency_id),
                        },
                    ],
                    shortfall_reason: None,
                },
                &p.chair,
                at("2025-03-10T09:00:00Z"),
            )
            .unwrap_err();
        match &refused {
            Refusal::NotAPanelSeat { field, seats, .. } => {
                assert_eq!(field, "members[2].person");
                assert_eq!(
                    seats,
                    &[
                        "Agency member on the Havering Safeguarding Children Partnership (HSCP)",
                        "panel-member"
                    ]
                );
            }
            other => panic!("expected NotAPanelSeat, got {other:?}"),
        }
        assert_eq!(refused.section(), "§2.12");
    }
}

/// Issue 12 §2: "A new action's due date is not in the past. Its owner is an
/// active person in an agency involved in the case, or in the partnership
/// team." The user's action was due on 1 January 2020 and given to a
/// disabled person of an agency not in the case.
#[test]
fn havering_action_is_due_ahead_and_given_to_someone_who_can_do_it() {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    let action = |who: &accord_case::Actor, by_when: &str| Command::AgreeAction {
        details: accord_case::ActionDetails {
            who: who.person.clone(),
            agency: who.agency.clone(),
            what: text("Share the chronology with the other agency."),
            by_when: date(by_when),
        },
    };
    let now = at("2025-03-04T10:00:00Z");
    let refused = h
        .run(
            action(&p.social_worker, "2020-01-01"),
            &p.health_visitor,
            now,
        )
        .unwrap_err();
    match &refused {
        Refusal::ActionDueInPast { today, .. } => assert_eq!(*today, date("2025-03-04")),
        other => panic!("expected ActionDueInPast, got {other:?}"),
    }
    // Yesterday is past; today is not.
    assert!(
        h.run(
            action(&p.social_worker, "2025-03-03"),
            &p.health_visitor,
            now
        )
        .is_err()
    );
    h.ok(
        action(&p.social_worker, "2025-03-04"),
        &p.health_visitor,
        now,
    );

    let uninvolved = actor("pc", "police", RoleTier::Practitioner);
    match h
        .run(action(&uninvolved, "2025-03-10"), &p.health_visitor, now)
        .unwrap_err()
    {
        Refusal::ActionOwnerNotInvolved { field, parties, .. } => {
            assert_eq!(field, "details.who");
            assert_eq!(
                parties,
                [agency("nhs-trust"), agency("childrens-social-care")]
            );
        }
        other => panic!("expected ActionOwnerNotInvolved, got {other:?}"),
    }
    let left = actor("sw-left", "childrens-social-care", RoleTier::Practitioner);
    disable(&left);
    assert!(matches!(
        h.run(action(&left, "2025-03-10"), &p.health_visitor, now),
        Err(Refusal::ActionOwnerInactive { .. })
    ));
    // The partnership team may take an action on any case.
    let team = actor("hscp-officer", "hscp", RoleTier::PartnershipTeam);
    h.ok(action(&team, "2025-03-10"), &p.health_visitor, now);
}

// --- Issue 12 §6 and §7 ---------------------------------------------------

/// Issue 12 §6: "A case about a child names a child. Today `subjects: []`
/// is accepted on the children's tracks, and then Havering's IRO condition
/// can never fire" (HAV-5, §2.5).
#[test]
fn havering_case_names_a_child() {
    let p = people();
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.subjects = Vec::new();
    let refused = Harness::raise(POLICY, r, &p.health_visitor, at(RAISED))
        .err()
        .expect("a raise naming no child is refused");
    assert!(matches!(refused, Refusal::NoSubjects { .. }), "{refused}");
    assert!(refused.to_string().contains("name the child"));
}

/// Issue 12 §7: at the raise, the other professional named on the case is
/// told what is disputed, what the policy asks of them and by when; where
/// none is named, the other agency's lead for the stage is. These are
/// Accord's own `[alerts]`, with defaults, beyond the document's words.
#[test]
fn havering_raise_tells_the_other_side() {
    let p = people();
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.other_professional = Some(p.social_worker.person.clone());
    let h = Harness::raise(POLICY, r, &p.health_visitor, at(RAISED)).unwrap();
    let told = notifications(&h.events);
    assert_eq!(told.len(), 1, "{told:?}");
    let n = told[0];
    assert_eq!(n.occasion, Occasion::Raised);
    assert_eq!(n.to.id(), "stage-leads");
    assert_eq!(n.stage, stage(1));
    assert!(n.message.starts_with("What is disputed: "), "{}", n.message);
    assert!(
        n.message.contains("What the policy asks at Stage 1"),
        "{}",
        n.message
    );
    assert_eq!(n.section, "§2.1");
    assert_eq!(policy.alerts.raised_to, [role("stage-leads")]);
}

/// Issue 12 §7: "At Stage Two only the raiser and the IRO were told, not the
/// police manager who now had to act." At every escalation the people who
/// lead the new stage on each side are told, beside whoever the stage's own
/// notifications name (here the IRO, §2.5).
#[test]
fn havering_escalation_tells_the_new_stages_leads() {
    let p = people();
    let mut h = raised_with(child("c1", true, false, false));
    h.ok(
        discussion(
            at("2025-03-03T14:00:00Z"),
            &[
                (&p.health_visitor, "practitioner"),
                (&p.social_worker, "practitioner"),
            ],
            false,
        ),
        &p.health_visitor,
        at("2025-03-03T15:00:00Z"),
    );
    let events = escalate(&mut h, 2, &p.hv_manager, "2025-03-04T09:00:00Z");
    assert!(notifies(&events, "iro", Occasion::StageEntry));
    let leads: Vec<_> = notifications(&events)
        .into_iter()
        .filter(|n| n.to.id() == "stage-leads")
        .collect();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].occasion, Occasion::StageEntry);
    assert_eq!(leads[0].stage, stage(2));
    assert!(leads[0].message.contains("What the policy asks at Stage 2"));
}

/// Issue 12 §7: the other side being told is Accord's own rule, "policy
/// data with defaults, like `[alerts]`, so a partnership can change them".
/// A partnership whose policy sets `raised_to = []` and `escalated_to =
/// []` tells nobody beyond what its stages' own notifications say.
#[test]
fn havering_a_partnership_may_turn_the_raise_and_escalation_alerts_off() {
    let p = people();
    let (builtin, calendar) = policy(POLICY);
    let mut quiet = builtin.clone();
    quiet.alerts.raised_to = Vec::new();
    quiet.alerts.escalated_to = Vec::new();
    let mut r = raise(&quiet, "childrens-social-care");
    r.other_professional = Some(p.social_worker.person.clone());
    let events =
        accord_case::Case::raise(&quiet, calendar, r, &context(&p.health_visitor, at(RAISED)))
            .unwrap();
    assert!(notifications(&events).is_empty(), "{events:?}");
    let mut case = accord_case::Case::fold(&events).unwrap();
    let discussed = case
        .decide(
            &quiet,
            calendar,
            discussion(
                at("2025-03-03T14:00:00Z"),
                &[
                    (&p.health_visitor, "practitioner"),
                    (&p.social_worker, "practitioner"),
                ],
                false,
            ),
            &context(&p.health_visitor, at("2025-03-03T15:00:00Z")),
        )
        .unwrap();
    for e in &discussed {
        case.apply(e);
    }
    let escalated = case
        .decide(
            &quiet,
            calendar,
            Command::Escalate {
                to: stage(2),
                reason: text("No agreement"),
            },
            &context(&p.hv_manager, at("2025-03-04T09:00:00Z")),
        )
        .unwrap();
    // Stage Two's own notifications only: the raiser hears of it, and no
    // `stage-leads` alert is added.
    assert!(
        notifications(&escalated)
            .iter()
            .all(|n| n.to.id() != "stage-leads"),
        "{escalated:?}"
    );
}

/// A correction says what was agreed then: an action whose owner has since
/// left (their account disabled) can still have its wording put right, but
/// a correction giving it to someone who has left is refused. And a
/// Resolution Panel seat is never given to someone who has left.
#[test]
fn havering_corrections_keep_what_was_recorded_and_panels_seat_only_those_working() {
    let p = people();
    let mut h = raised_with(child("c1", false, false, false));
    let owner = actor(
        "sw-soon-gone",
        "childrens-social-care",
        RoleTier::Practitioner,
    );
    let agreed = h.ok(
        Command::AgreeAction {
            details: accord_case::ActionDetails {
                who: owner.person.clone(),
                agency: owner.agency.clone(),
                what: text("Share the chronology."),
                by_when: date("2025-03-10"),
            },
        },
        &p.health_visitor,
        at("2025-03-04T10:00:00Z"),
    );
    disable(&owner);
    let correct = |who: &accord_case::Actor| Command::Correct {
        corrects: agreed[0].sequence,
        reason: text("Typing error"),
        amendment: accord_case::Amendment::Action {
            details: accord_case::ActionDetails {
                who: who.person.clone(),
                agency: who.agency.clone(),
                what: text("Share the full chronology."),
                by_when: date("2025-03-10"),
            },
        },
    };
    h.ok(
        correct(&owner),
        &p.health_visitor,
        at("2025-03-05T10:00:00Z"),
    );
    let also_gone = actor("sw-gone", "childrens-social-care", RoleTier::Practitioner);
    disable(&also_gone);
    assert!(matches!(
        h.run(
            correct(&also_gone),
            &p.health_visitor,
            at("2025-03-05T11:00:00Z")
        ),
        Err(Refusal::ActionOwnerInactive { .. })
    ));

    let mut h = at_stage_four();
    let gone_member = board_member("police-member-gone", "police");
    disable(&gone_member);
    let refused = h
        .run(
            Command::ConvenePanel {
                members: vec![
                    PanelSeat {
                        person: p.hv_member.person.clone(),
                        agency: agency("nhs-trust"),
                    },
                    PanelSeat {
                        person: p.sw_member.person.clone(),
                        agency: agency("childrens-social-care"),
                    },
                    PanelSeat {
                        person: gone_member.person.clone(),
                        agency: agency("police"),
                    },
                ],
                shortfall_reason: None,
            },
            &p.chair,
            at("2025-03-10T09:00:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::SeatHolderInactive { ref field, .. } if field == "members[2].person"),
        "{refused:?}"
    );
}
