//! East Riding ERSCP, Resolving Inter-Agency Disagreements, 2018: a school
//! nurse disagrees with the police; Stages One to Four must finish within 5
//! days of the raise, Appendix A goes to the ERSCP Team at Stage Four, and
//! Stage Five mediation finishes within a further 5.

mod common;

use accord_calendar::Due;
use accord_case::{Actor, Command, Event, EventBody, Occasion, Refusal, Status};
use accord_policy::{ResolutionRoute, RoleTier};
use common::*;

const POLICY: &str = "east-riding-2018";

fn nurse() -> Actor {
    actor("school-nurse", "health", RoleTier::Practitioner)
}
fn nurse_manager() -> Actor {
    actor("nurse-manager", "health", RoleTier::Manager)
}
fn named_nurse() -> Actor {
    holding(
        "named-nurse",
        "health",
        RoleTier::SafeguardingLead,
        &["named-designated-safeguarding-representative"],
    )
}
/// The health trust's senior manager (Stage Five; the conference's named
/// senior manager).
fn health_senior() -> Actor {
    actor("health-senior", "health", RoleTier::SeniorManager)
}
fn constable() -> Actor {
    actor("constable", "police", RoleTier::Practitioner)
}
fn sergeant() -> Actor {
    actor("sergeant", "police", RoleTier::Manager)
}
fn inspector() -> Actor {
    actor("inspector", "police", RoleTier::SeniorManager)
}
fn conference_chair() -> Actor {
    holding(
        "conference-chair",
        "erscp",
        RoleTier::Chair,
        &["conference-chair"],
    )
}
fn mediation_chair() -> Actor {
    holding(
        "probation-head",
        "probation",
        RoleTier::HeadOfService,
        &["mediation-chair"],
    )
}

/// Wednesday 21 May 2025, 10:00 BST, the week before the Spring Bank Holiday.
const RAISED: &str = "2025-05-21T09:00:00Z";

fn raised() -> Harness {
    let (policy, _) = policy(POLICY);
    Harness::raise(POLICY, raise(policy, "police"), &nurse(), at(RAISED)).unwrap()
}

/// The people who lead Stage `n` of the case's track, in the roles it
/// names: Stage One of the professional track is within the health trust
/// (§4: "your own line manager"); the conference track starts with the two
/// professionals at the conference.
fn leads_of(h: &Harness, n: u8) -> Vec<(Actor, &'static str)> {
    let conference = h.case.track().as_str() == "conference-dissent";
    match (conference, n) {
        (false, 1) => vec![(nurse(), "practitioner"), (nurse_manager(), "manager")],
        (false, 2) | (true, 1) => vec![(nurse(), "practitioner"), (constable(), "practitioner")],
        (false, 3) => vec![(nurse_manager(), "manager"), (sergeant(), "manager")],
        (false, 4) => vec![
            (
                named_nurse(),
                "named-designated-safeguarding-representative",
            ),
            (inspector(), "senior-manager"),
        ],
        _ => vec![
            (health_senior(), "senior-manager"),
            (inspector(), "senior-manager"),
        ],
    }
}

fn discuss_and_escalate(h: &mut Harness, to: u8, by: &Actor, now: &str) -> Vec<Event> {
    let leads = leads_of(h, to - 1);
    let who: Vec<(&Actor, &str)> = leads.iter().map(|(a, r)| (a, *r)).collect();
    h.ok(discussion(at(now), &who, false), by, at(now));
    h.ok(
        Command::Escalate {
            to: stage(to),
            reason: text("Not resolved"),
        },
        by,
        at(now),
    )
}

fn at_stage_three() -> Harness {
    let mut h = raised();
    discuss_and_escalate(&mut h, 2, &nurse_manager(), "2025-05-21T13:00:00Z");
    discuss_and_escalate(&mut h, 3, &nurse_manager(), "2025-05-22T09:00:00Z");
    h
}

fn stage_four_fields() -> [&'static str; 3] {
    [
        "date-of-stage-4-meeting",
        "senior-officers-at-stage-4",
        "outcome",
    ]
}

fn at_stage_four() -> (Harness, Vec<Event>) {
    let mut h = at_stage_three();
    h.ok(
        discussion(
            at("2025-05-23T09:00:00Z"),
            &[(&nurse_manager(), "manager"), (&sergeant(), "manager")],
            false,
        ),
        &nurse_manager(),
        at("2025-05-23T09:00:00Z"),
    );
    h.ok(
        submit(h.policy, "appendix-a", &stage_four_fields()),
        &named_nurse(),
        at("2025-05-23T10:00:00Z"),
    );
    let entered = h.ok(
        Command::Escalate {
            to: stage(4),
            reason: text("The line managers could not agree"),
        },
        &named_nurse(),
        at("2025-05-23T10:00:00Z"),
    );
    (h, entered)
}

/// ER-3 (reading): "The maximum timescale for completion of a dispute up to
/// Stage 4 is 5 days. In the rare circumstances that Stage 5 has to be
/// employed, this should be begun 5 days from the original dispute being
/// raised and completed within a further 5 days" (§3). The days are calendar
/// days: "Resolution needs to be found within timescales that are linked to
/// the needs of the child, not the convenience of the professionals" (§3).
/// Raised on Wednesday 21 May 2025, Stages One to Four are all due at the
/// end of Monday 26 May, the Spring Bank Holiday notwithstanding, and Stage
/// Five at the end of Saturday 31 May.
#[test]
fn east_riding_five_and_ten_day_limits_are_calendar_days_from_the_raise() {
    let (mut h, _) = at_stage_four();
    let five_days = Due::At {
        instant: at("2025-05-26T23:00:00Z"),
        last_day: date("2025-05-26"),
    };
    for visit in h.case.stage_history() {
        assert_eq!(visit.due, five_days, "Stage {}", visit.stage);
    }
    h.ok(
        submit(h.policy, "appendix-a", &[]),
        &named_nurse(),
        at("2025-05-28T09:00:00Z"),
    );
    discuss_and_escalate(&mut h, 5, &named_nurse(), "2025-05-29T09:00:00Z");
    assert_eq!(
        h.case.due(),
        Due::At {
            instant: at("2025-05-31T23:00:00Z"),
            last_day: date("2025-05-31"),
        }
    );
    assert!(!h.case.is_overdue(at("2025-05-31T22:59:59Z")));
    assert!(h.case.is_overdue(at("2025-05-31T23:00:00Z")));
}

/// ER-8: "The agency which found it necessary to escalate an issue to such
/// a high level ... should advise the other organisation of their intention
/// to do so and complete Appendix A, and return it to the ERSCP Team"
/// (§4, Stage Four). Appendix A is required to enter Stage Four.
#[test]
fn east_riding_appendix_a_is_required_at_stage4() {
    let mut h = at_stage_three();
    h.ok(
        discussion(
            at("2025-05-23T09:00:00Z"),
            &[(&nurse_manager(), "manager"), (&sergeant(), "manager")],
            false,
        ),
        &nurse_manager(),
        at("2025-05-23T09:00:00Z"),
    );
    let escalate = Command::Escalate {
        to: stage(4),
        reason: text("Not resolved"),
    };
    let refused = h
        .run(escalate.clone(), &named_nurse(), at("2025-05-23T10:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::FormNotSubmitted { ref title, .. } if title == "Stage 4 Monitoring Information")
    );
    assert_eq!(refused.section(), "§4, Stage Four; Appendix A");

    // ER-9: the referral part of Appendix A is required on submission.
    let refused = h
        .run(
            submit(
                h.policy,
                "appendix-a",
                &["children", "family-address", "outcome"],
            ),
            &named_nurse(),
            at("2025-05-23T10:00:00Z"),
        )
        .unwrap_err();
    let Refusal::FormIncomplete {
        missing_fields,
        section,
        ..
    } = refused
    else {
        panic!("expected FormIncomplete, got {refused:?}");
    };
    assert_eq!(section, "Appendix A");
    let paths: Vec<&str> = missing_fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["children", "family-address"]);
    assert_eq!(missing_fields[1].label, "Family Address");

    let submitted = h.ok(
        submit(h.policy, "appendix-a", &stage_four_fields()),
        &named_nurse(),
        at("2025-05-23T10:00:00Z"),
    );
    assert!(notifies(&submitted, "erscp-team", Occasion::FormSubmitted));
    assert!(notifies(
        &submitted,
        "erscp-service-manager",
        Occasion::FormSubmitted
    ));
    h.ok(escalate, &named_nurse(), at("2025-05-23T10:00:00Z"));
    assert_eq!(h.case.stage(), stage(4));
}

/// ER-8: "the ERSCP Team should be made aware of this" with Appendix A;
/// and "The agency which found it necessary to escalate an issue to such a
/// high level in an organisation should advise the other organisation of
/// their intention to do so" (§4, Stage Four). The advice goes as the case
/// leaves Stage Three, the escalation itself, not after it reaches Stage
/// Four.
#[test]
fn east_riding_stage4_informs_the_erscp_team_with_appendix_a() {
    let (h, entered) = at_stage_four();
    let team = notifications(&entered)
        .into_iter()
        .find(|n| n.to.id() == "erscp-team" && n.occasion == Occasion::StageEntry)
        .expect("the ERSCP Team is informed");
    assert_eq!(team.attach[0].form.as_str(), "appendix-a");
    assert_eq!(
        team.attach[0].submission,
        Some(h.case.latest_form(&team.attach[0].form).unwrap().sequence)
    );
    let advice = notifications(&entered)
        .into_iter()
        .find(|n| n.to.id() == "other-agency-lead")
        .expect("the other agency is advised");
    assert_eq!(advice.occasion, Occasion::StageExit);
    assert_eq!(advice.stage, stage(3));
    assert_eq!(advice.section, "§4, Stage Four");
    assert_eq!(advice.cause, entered[0].sequence);
    assert!(!notifies(
        &entered,
        "other-agency-lead",
        Occasion::StageEntry
    ));
}

/// ER-9: the date of the Stage 4 meeting, the senior officers involved and
/// the outcome are known only during Stage Four, so Stage Four cannot end
/// until Appendix A carries them.
#[test]
fn east_riding_stage4_cannot_end_without_appendix_a_outcome() {
    let (mut h, _) = at_stage_four();
    h.ok(
        discussion(
            at("2025-05-27T09:00:00Z"),
            &[
                (
                    &named_nurse(),
                    "named-designated-safeguarding-representative",
                ),
                (&inspector(), "senior-manager"),
            ],
            true,
        ),
        &named_nurse(),
        at("2025-05-27T10:00:00Z"),
    );
    let resolve = Command::Resolve {
        route: ResolutionRoute::Agreement,
        outcome: text("Police will share the incident log with the school nurse."),
        outstanding_issues: text("None."),
    };
    let refused = h
        .run(resolve.clone(), &named_nurse(), at("2025-05-27T11:00:00Z"))
        .unwrap_err();
    let Refusal::FormIncomplete { missing_fields, .. } = refused else {
        panic!("expected FormIncomplete, got {refused:?}");
    };
    let paths: Vec<&str> = missing_fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, stage_four_fields());
    h.ok(
        submit(h.policy, "appendix-a", &[]),
        &named_nurse(),
        at("2025-05-27T11:00:00Z"),
    );
    let events = h.ok(resolve, &named_nurse(), at("2025-05-27T11:30:00Z"));
    // Appendix A returns to the ERSCP Team with the outcome.
    let back = notifications(&events)
        .into_iter()
        .find(|n| n.to.id() == "erscp-team")
        .unwrap();
    assert_eq!(back.occasion, Occasion::Resolved);
    assert!(back.attach[0].submission.is_some());
}

/// ER-4: "When this occurs, careful consideration should be given to
/// involving managers at the next level of the structure by letting them
/// know there is a disagreement, that a speedy response is required to
/// safeguard the child's welfare" (§3). A breach tells the next tier up and
/// the stage's own leads (DESIGN.md §3).
#[test]
fn east_riding_a_delay_involves_the_next_tier_up() {
    let mut h = at_stage_three();
    let events = h.ok(Command::RecordBreach, &nurse(), at("2025-05-30T08:00:00Z"));
    let breach = notifications(&events)
        .into_iter()
        .filter(|n| n.occasion == Occasion::Breach)
        .collect::<Vec<_>>();
    let mut recipients: Vec<&str> = breach.iter().map(|n| n.to.id()).collect();
    recipients.sort_unstable();
    assert_eq!(recipients, ["next-tier-up", "stage-leads"]);
    let next_tier = breach.iter().find(|n| n.to.id() == "next-tier-up").unwrap();
    assert_eq!(next_tier.section, "§3");
    assert!(next_tier.message.contains("a speedy response is required"));
    let leads = breach.iter().find(|n| n.to.id() == "stage-leads").unwrap();
    assert_eq!(leads.section, "§3");
    assert_eq!(leads.stage, stage(3));
    assert_eq!(h.case.current_visit().breaches.len(), 1);
}

/// ER-10: "the Chair of the ERSCP should be approached to identify a
/// Partnership Member from an uninvolved agency to chair a meeting"; "The
/// chair of this meeting will then report on issues arising from this
/// process to the ERSCP Management, Evaluation and Effectiveness Group".
#[test]
fn east_riding_stage5_mediation_reports_to_the_meeg() {
    let (mut h, _) = at_stage_four();
    h.ok(
        submit(h.policy, "appendix-a", &[]),
        &named_nurse(),
        at("2025-05-28T09:00:00Z"),
    );
    let entered = discuss_and_escalate(&mut h, 5, &named_nurse(), "2025-05-29T09:00:00Z");
    assert!(notifies(&entered, "erscp-chair", Occasion::StageEntry));
    assert!(notifies(&entered, "erscp-team", Occasion::StageExit));
    let senior_managers_only = discussion(
        at("2025-06-03T10:00:00Z"),
        &[
            (&inspector(), "senior-manager"),
            (&health_senior(), "senior-manager"),
        ],
        true,
    );
    // The meeting is chaired by the Partnership Member from an uninvolved
    // agency: a record of the senior managers alone does not meet Stage
    // Five's requirement, so resolving on it is refused.
    h.ok(
        senior_managers_only,
        &named_nurse(),
        at("2025-06-03T11:00:00Z"),
    );
    let refused = h
        .run(
            Command::Resolve {
                route: ResolutionRoute::Agreement,
                outcome: text("A joint visit within two days."),
                outstanding_issues: text("None."),
            },
            &named_nurse(),
            at("2025-06-03T11:30:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::RequirementUnmet { ref section, .. } if section == "§2; §4, Stage Five"),
        "{refused:?}"
    );
    let probation = mediation_chair();
    h.ok(
        discussion(
            at("2025-06-03T10:00:00Z"),
            &[
                (&probation, "mediation-chair"),
                (&inspector(), "senior-manager"),
                (&health_senior(), "senior-manager"),
            ],
            true,
        ),
        &named_nurse(),
        at("2025-06-03T12:00:00Z"),
    );
    let events = h.ok(
        Command::Resolve {
            route: ResolutionRoute::Agreement,
            outcome: text("A joint visit within two days."),
            outstanding_issues: text("Information-sharing protocol to the Management, Evaluation and Effectiveness Group."),
        },
        &named_nurse(),
        at("2025-06-03T12:00:00Z"),
    );
    assert!(notifies(
        &events,
        "management-evaluation-and-effectiveness-group",
        Occasion::Resolved
    ));
    assert!(notifies(&events, "raiser", Occasion::OutcomeFeedback));
}

/// ER-10: "the Chair of the ERSCP should be approached to identify a
/// Partnership Member from an uninvolved agency to chair a meeting of the
/// most senior managers with operational responsibility for the case"
/// (§4, Stage Five). The mediation meeting's record is refused when its
/// chair is from an agency in dispute, and accepted with a chair from an
/// uninvolved agency; the senior managers still resolve it by agreement.
#[test]
fn east_riding_stage5_chair_comes_from_an_uninvolved_agency() {
    let (mut h, _) = at_stage_four();
    h.ok(
        submit(h.policy, "appendix-a", &[]),
        &named_nurse(),
        at("2025-05-28T09:00:00Z"),
    );
    discuss_and_escalate(&mut h, 5, &named_nurse(), "2025-05-29T09:00:00Z");
    let superintendent = holding(
        "superintendent",
        "police",
        RoleTier::HeadOfService,
        &["mediation-chair"],
    );
    let meeting = |chair: &Actor| {
        discussion(
            at("2025-06-03T10:00:00Z"),
            &[
                (chair, "mediation-chair"),
                (&inspector(), "senior-manager"),
                (&health_senior(), "senior-manager"),
            ],
            true,
        )
    };
    let refused = h
        .run(
            meeting(&superintendent),
            &superintendent,
            at("2025-06-03T12:00:00Z"),
        )
        .unwrap_err();
    assert_eq!(
        refused,
        Refusal::ChairNotUninvolved {
            agency: agency("police"),
            section: "§4, Stage Five".into(),
        }
    );
    assert!(h.case.discussions().iter().all(|d| d.stage != stage(5)));

    let probation = mediation_chair();
    h.ok(meeting(&probation), &probation, at("2025-06-03T12:00:00Z"));
    // The chair does not decide: the involved agencies resolve it.
    assert!(matches!(
        h.run(
            Command::Resolve {
                route: ResolutionRoute::Decision,
                outcome: text("A joint visit."),
                outstanding_issues: text("None."),
            },
            &probation,
            at("2025-06-03T13:00:00Z"),
        ),
        Err(Refusal::RouteNotAllowed { .. })
    ));
    h.ok(
        Command::Resolve {
            route: ResolutionRoute::Agreement,
            outcome: text("A joint visit within two days."),
            outstanding_issues: text("None."),
        },
        &named_nurse(),
        at("2025-06-03T13:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Resolved);
}

/// ER-13 and §2: learning themes are the policy's four, forwarded to the
/// ERSCP Service Manager; "There must be written confirmation between the
/// parties about an agreed outcome".
#[test]
fn east_riding_learning_and_written_confirmation() {
    let mut h = at_stage_three();
    let learning = Command::RecordLearning {
        theme: "training-needs".parse().unwrap(),
        forwarded_to: Some(h.policy.learning.forward_to[0].id.clone()),
        note: text("Joint training on information sharing for school nurses and police."),
    };
    assert!(matches!(
        h.run(
            learning.clone(),
            &nurse_manager(),
            at("2025-05-23T09:00:00Z")
        ),
        Err(Refusal::NotYetResolved { .. })
    ));
    h.ok(
        discussion(
            at("2025-05-23T09:00:00Z"),
            &[(&nurse_manager(), "manager"), (&sergeant(), "manager")],
            true,
        ),
        &nurse_manager(),
        at("2025-05-23T09:00:00Z"),
    );
    h.ok(
        Command::Resolve {
            route: ResolutionRoute::Agreement,
            outcome: text("Police will share the log."),
            outstanding_issues: text("None."),
        },
        &nurse_manager(),
        at("2025-05-23T10:00:00Z"),
    );
    let unknown = Command::RecordLearning {
        theme: "commissioning".parse().unwrap(),
        forwarded_to: None,
        note: text("x"),
    };
    assert!(matches!(
        h.run(unknown, &nurse_manager(), at("2025-05-23T10:00:00Z")),
        Err(Refusal::UnknownTheme { .. })
    ));
    h.ok(learning, &nurse_manager(), at("2025-05-23T10:00:00Z"));
    assert!(matches!(
        h.run(
            Command::Close {
                missing_confirmations: vec![]
            },
            &nurse_manager(),
            at("2025-05-23T11:00:00Z")
        ),
        Err(Refusal::ConfirmationsMissing { .. })
    ));
    for who in [nurse_manager(), sergeant()] {
        h.ok(
            Command::ConfirmOutcome {
                statement: text("Confirmed in writing"),
            },
            &who,
            at("2025-05-23T11:00:00Z"),
        );
    }
    h.ok(
        Command::Close {
            missing_confirmations: vec![],
        },
        &nurse_manager(),
        at("2025-05-23T12:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Closed);
    assert_eq!(h.case.learning().len(), 1);
}

/// ER-12: "the conference should be adjourned for a maximum of 72 hours"
/// (§5): 72 hours of elapsed time, whatever the day or the clocks do.
#[test]
fn east_riding_conference_adjournment_is_72_hours() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "police");
    r.track = Some("conference-dissent".parse().unwrap());
    r.area = policy
        .areas_for(&"conference-dissent".parse().unwrap())
        .next()
        .unwrap()
        .id
        .clone();
    // Friday 28 March 2025, 14:00 GMT; the clocks go forward on the Sunday.
    let mut h = Harness::raise(POLICY, r, &nurse(), at("2025-03-28T14:00:00Z")).unwrap();
    assert_eq!(h.case.due(), Due::AsSoonAsPossible);
    discuss_and_escalate(&mut h, 2, &nurse_manager(), "2025-03-28T15:00:00Z");
    assert_eq!(h.case.due().instant(), Some(at("2025-03-31T15:00:00Z")));
}

/// ER-2: "the designated safeguarding lead in your agency should be
/// consulted immediately" (§1).
#[test]
fn east_riding_immediate_risk_consults_the_dsl() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "police");
    r.subjects = vec![child("c1", false, false, true)];
    let h = Harness::raise(POLICY, r, &nurse(), at(RAISED)).unwrap();
    let n = notifications(&h.events)
        .into_iter()
        .find(|n| n.occasion == Occasion::ImmediateRisk)
        .unwrap();
    assert_eq!(n.to.id(), "safeguarding-lead");
    assert_eq!(n.section, "§1");
}

/// ER-12: "Differences in view arising during conferences should be managed
/// by the conference chair ... If there is still no resolution, the ERSCP
/// should be asked to arbitrate" (§5). The arbitration is the ERSCP's, so
/// the conference chair, whose conference the dissent is about, cannot
/// record it, though they sit at the same tier as the Chair of the ERSCP;
/// the refusal names the role that arbitrates.
#[test]
fn east_riding_conference_chair_cannot_arbitrate_their_own_conference() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "police");
    r.track = Some("conference-dissent".parse().unwrap());
    r.area = policy
        .areas_for(&"conference-dissent".parse().unwrap())
        .next()
        .unwrap()
        .id
        .clone();
    let mut h = Harness::raise(POLICY, r, &nurse(), at("2025-03-28T14:00:00Z")).unwrap();
    discuss_and_escalate(&mut h, 2, &nurse_manager(), "2025-03-28T15:00:00Z");
    h.ok(
        discussion(
            at("2025-03-31T10:00:00Z"),
            &[
                (&conference_chair(), "conference-chair"),
                (&inspector(), "senior-manager"),
                (&health_senior(), "senior-manager"),
            ],
            false,
        ),
        &conference_chair(),
        at("2025-03-31T11:00:00Z"),
    );
    h.ok(
        Command::Escalate {
            to: stage(3),
            reason: text("Still no resolution after the adjournment"),
        },
        &inspector(),
        at("2025-03-31T16:00:00Z"),
    );
    h.ok(
        discussion(
            at("2025-03-31T17:00:00Z"),
            &[
                (&inspector(), "senior-manager"),
                (&health_senior(), "senior-manager"),
            ],
            false,
        ),
        &inspector(),
        at("2025-03-31T17:00:00Z"),
    );
    let arbitrate = Command::Resolve {
        route: ResolutionRoute::Decision,
        outcome: text("The child remains subject to a Child Protection Plan."),
        outstanding_issues: text("None."),
    };
    let refused = h
        .run(
            arbitrate.clone(),
            &conference_chair(),
            at("2025-04-01T09:00:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(&refused, Refusal::NotTheDecider { deciders, .. } if deciders == &["Chair of the ERSCP"])
    );
    assert_eq!(refused.section(), "§5");
    assert!(refused.to_string().contains("Chair of the ERSCP"));
    // A chair-tier person who holds no role the stage names is refused too.
    let any_chair = actor("another-chair", "erscp", RoleTier::Chair);
    assert!(matches!(
        h.run(arbitrate.clone(), &any_chair, at("2025-04-01T09:00:00Z")),
        Err(Refusal::NotTheDecider { .. })
    ));
    let erscp_chair = holding("erscp-chair", "erscp", RoleTier::Chair, &["erscp-chair"]);
    h.ok(arbitrate, &erscp_chair, at("2025-04-01T10:00:00Z"));
    // The arbitration is "the final decision" (§5): it closes the case.
    assert_eq!(h.case.status(), Status::Closed);
    assert!(h.case.outcome().unwrap().final_decision);
}

/// At Stage Five, escalated there on 29 May with Appendix A complete.
fn at_stage_five() -> Harness {
    let (mut h, _) = at_stage_four();
    h.ok(
        submit(h.policy, "appendix-a", &[]),
        &named_nurse(),
        at("2025-05-28T09:00:00Z"),
    );
    discuss_and_escalate(&mut h, 5, &named_nurse(), "2025-05-29T09:00:00Z");
    h
}

/// The mediation meeting, chaired by `chair`, ending in agreement or not.
fn mediation(chair: &Actor, agreement: bool) -> Command {
    discussion(
        at("2025-06-03T10:00:00Z"),
        &[
            (chair, "mediation-chair"),
            (&inspector(), "senior-manager"),
            (&health_senior(), "senior-manager"),
        ],
        agreement,
    )
}

fn without_agreement() -> Command {
    Command::Resolve {
        route: ResolutionRoute::WithoutAgreement,
        outcome: text(
            "Police maintain their decision not to hold a strategy discussion; it is finalised.",
        ),
        outstanding_issues: text(
            "The information-sharing protocol goes to the Management, Evaluation and Effectiveness Group.",
        ),
    }
}

/// ER-10 (reading): the Stage Five meeting is "a final opportunity for the
/// involved agencies to ensure that there is a full understanding of the
/// issues before the decision is finalised", and "The chair of this meeting
/// will then report on issues arising from this process to the ERSCP
/// Management, Evaluation and Effectiveness Group" (§4, Stage Five). A
/// deadlocked mediation has an exit: its chair records that it ended
/// without agreement, the decision is final and the case closes, and the
/// Group is told.
#[test]
fn east_riding_stage5_mediation_can_end_without_agreement_and_the_group_is_told() {
    let mut h = at_stage_five();
    // Not before a meeting has ended without agreement.
    let refused = h
        .run(
            without_agreement(),
            &mediation_chair(),
            at("2025-06-03T09:00:00Z"),
        )
        .unwrap_err();
    assert_eq!(
        refused,
        Refusal::NoDisagreementRecorded {
            stage: stage(5),
            section: "§4, Stage Five".into(),
        }
    );
    h.ok(
        mediation(&mediation_chair(), false),
        &mediation_chair(),
        at("2025-06-03T12:00:00Z"),
    );
    // Only the mediation chair records it: not the senior managers, nor a
    // head of service who does not hold the role.
    for who in [
        named_nurse(),
        inspector(),
        actor("probation-deputy", "probation", RoleTier::HeadOfService),
    ] {
        let refused = h
            .run(without_agreement(), &who, at("2025-06-03T12:30:00Z"))
            .unwrap_err();
        assert!(
            matches!(&refused, Refusal::NotWhoRecordsWithoutAgreement { recorders, .. }
                if *recorders == ["Partnership Member from an uninvolved agency, chairing the Stage Five meeting"]),
            "{refused:?}"
        );
        assert_eq!(refused.section(), "§4, Stage Five");
    }
    // A holder of the role from an agency in dispute is refused too.
    let police_chair = holding(
        "superintendent",
        "police",
        RoleTier::HeadOfService,
        &["mediation-chair"],
    );
    assert_eq!(
        h.run(
            without_agreement(),
            &police_chair,
            at("2025-06-03T12:30:00Z")
        )
        .unwrap_err(),
        Refusal::RecorderNotUninvolved {
            agency: agency("police"),
            section: "§4, Stage Five".into(),
        }
    );
    assert!(
        h.case
            .offers(h.policy, &mediation_chair())
            .contains(&accord_case::Offer::Resolve(vec![
                ResolutionRoute::Agreement,
                ResolutionRoute::WithoutAgreement
            ]))
    );
    assert!(
        h.case
            .offers(h.policy, &named_nurse())
            .contains(&accord_case::Offer::Resolve(vec![
                ResolutionRoute::Agreement
            ]))
    );

    let events = h.ok(
        without_agreement(),
        &mediation_chair(),
        at("2025-06-03T13:00:00Z"),
    );
    let outcome = h.case.outcome().unwrap();
    assert_eq!(outcome.route, ResolutionRoute::WithoutAgreement);
    assert!(outcome.final_decision);
    assert_eq!(h.case.status(), Status::Closed);
    assert!(h.case.closures().last().unwrap().by_final_decision);
    let group = notifications(&events)
        .into_iter()
        .find(|n| n.to.id() == "management-evaluation-and-effectiveness-group")
        .expect("the Group is told");
    assert_eq!(group.occasion, Occasion::Resolved);
    assert_eq!(group.section, "§4, Stage Five");
    assert!(notifies(&events, "raiser", Occasion::OutcomeFeedback));
}

/// ER-10: by agreement the Group is told as well, and the agreed outcome
/// awaits the parties' written confirmation (§2), not closed as final.
#[test]
fn east_riding_stage5_agreement_also_tells_the_group_and_awaits_confirmation() {
    let mut h = at_stage_five();
    h.ok(
        mediation(&mediation_chair(), true),
        &mediation_chair(),
        at("2025-06-03T12:00:00Z"),
    );
    let events = h.ok(
        Command::Resolve {
            route: ResolutionRoute::Agreement,
            outcome: text("A joint visit within two days."),
            outstanding_issues: text("None."),
        },
        &named_nurse(),
        at("2025-06-03T13:00:00Z"),
    );
    assert!(notifies(
        &events,
        "management-evaluation-and-effectiveness-group",
        Occasion::Resolved
    ));
    assert_eq!(h.case.status(), Status::Resolved);
    assert!(!h.case.outcome().unwrap().final_decision);
}

/// A conference-dissent case at the conference chair's stage.
fn conference_case() -> Harness {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "police");
    r.track = Some("conference-dissent".parse().unwrap());
    r.area = policy
        .areas_for(&"conference-dissent".parse().unwrap())
        .next()
        .unwrap()
        .id
        .clone();
    Harness::raise(POLICY, r, &nurse(), at("2025-03-28T14:00:00Z")).unwrap()
}

/// ER-12: "If the issue is not resolved, the conference should be adjourned
/// for a maximum of 72 hours and the chair should discuss the matter with
/// the named senior managers from each agency. In the interim period, the
/// child should be the subject of a Child Protection Plan" (§5). Adjourning
/// records the interim plan; the adjournment cannot end until the chair's
/// discussion with the senior managers is recorded.
#[test]
fn east_riding_conference_adjournment_records_the_interim_plan_and_the_chairs_discussion() {
    let mut h = conference_case();
    assert!(!h.case.subjects()[0].child_protection_plan);
    let adjourned = discuss_and_escalate(&mut h, 2, &nurse_manager(), "2025-03-28T15:00:00Z");
    // The escalation, then the interim plan recorded at the adjourned stage.
    let interim = adjourned
        .iter()
        .find_map(|e| match &e.body {
            EventBody::CircumstancesChanged {
                stage: s,
                child_protection_plan,
                reason,
                ..
            } => Some((*s, *child_protection_plan, reason.as_str().to_owned())),
            _ => None,
        })
        .expect("the interim plan is recorded");
    assert_eq!(interim.0, stage(2));
    assert!(interim.1);
    assert_eq!(
        interim.2,
        "In the interim period, the child should be the subject of a Child Protection Plan. (§5)"
    );
    assert!(h.case.subjects()[0].child_protection_plan);
    assert_eq!(h.case.circumstance_changes().len(), 1);
    assert_eq!(h.case.circumstance_changes()[0].by, nurse_manager());

    // Without the chair's discussion with the senior managers, the
    // adjournment cannot end: not by arbitration, not by agreement.
    let to_erscp = Command::Escalate {
        to: stage(3),
        reason: text("Still no resolution after the adjournment"),
    };
    let senior_managers_alone = discussion(
        at("2025-03-31T10:00:00Z"),
        &[
            (&inspector(), "senior-manager"),
            (&health_senior(), "senior-manager"),
        ],
        false,
    );
    h.ok(
        senior_managers_alone,
        &inspector(),
        at("2025-03-31T10:30:00Z"),
    );
    let refused = h
        .run(to_erscp.clone(), &inspector(), at("2025-03-31T11:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(&refused, Refusal::RequirementUnmet { description, section }
            if description.contains("conference chair's discussion") && section == "§5"),
        "{refused:?}"
    );
    h.ok(
        discussion(
            at("2025-03-31T12:00:00Z"),
            &[
                (&conference_chair(), "conference-chair"),
                (&inspector(), "senior-manager"),
                (&health_senior(), "senior-manager"),
            ],
            false,
        ),
        &conference_chair(),
        at("2025-03-31T12:30:00Z"),
    );
    h.ok(to_erscp, &inspector(), at("2025-03-31T13:00:00Z"));
    assert_eq!(h.case.stage(), stage(3));
    // Already on a plan: arbitration's entry records nothing further.
    assert_eq!(h.case.circumstance_changes().len(), 1);
}
