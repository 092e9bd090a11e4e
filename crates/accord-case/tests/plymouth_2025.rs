//! Plymouth PSCB, Escalation Policy, October 2025: a teacher disagrees with
//! children's social care; the Business Manager keeps the register from
//! Stage Three, and the Stage Five Resolution Panel's decision is final.

mod common;

use accord_calendar::{Due, WorkingDays};
use accord_case::{
    Actor, Command, Event, LaterStart, MissingConfirmation, Occasion, PanelSeat, PersonId, Refusal,
    Status,
};
use accord_policy::{ResolutionRoute, RoleTier};
use common::*;

const POLICY: &str = "plymouth-2025";
const RAISED: &str = "2025-11-03T09:00:00Z";

fn teacher() -> Actor {
    actor("teacher", "school", RoleTier::Practitioner)
}
/// The school's designated safeguarding lead: the designated person a
/// worker consults at Stage One, and its named representative at Stages
/// Four and Five.
fn dsl() -> Actor {
    holding(
        "dsl",
        "school",
        RoleTier::SafeguardingLead,
        &[
            "designated-person",
            "named-designated-safeguarding-representative",
        ],
    )
}
fn school_manager() -> Actor {
    actor("deputy", "school", RoleTier::Manager)
}
/// Children's social care's operations manager (Stage Four).
fn operations_manager() -> Actor {
    holding(
        "ops",
        "childrens-social-care",
        RoleTier::SeniorManager,
        &["operations-manager"],
    )
}
fn social_worker() -> Actor {
    actor("sw", "childrens-social-care", RoleTier::Practitioner)
}
fn team_manager() -> Actor {
    actor("tm", "childrens-social-care", RoleTier::Manager)
}
fn chair() -> Actor {
    holding("pscb-chair", "pscb", RoleTier::Chair, &["pscb-chair"])
}

fn raised() -> Harness {
    let (policy, _) = policy(POLICY);
    Harness::raise(
        POLICY,
        raise(policy, "childrens-social-care"),
        &teacher(),
        at(RAISED),
    )
    .unwrap()
}

/// The people who lead each side of Stage `n`, in the roles it names.
fn leads_of(n: u8) -> Vec<(Actor, &'static str)> {
    match n {
        // Stage One: the worker consults their agency's designated person.
        1 => vec![(teacher(), "practitioner"), (dsl(), "designated-person")],
        2 => vec![
            (teacher(), "practitioner"),
            (social_worker(), "practitioner"),
        ],
        3 => vec![(school_manager(), "manager"), (team_manager(), "manager")],
        _ => vec![
            (dsl(), "named-designated-safeguarding-representative"),
            (operations_manager(), "operations-manager"),
        ],
    }
}

/// A discussion at Stage `n` between the people who lead its sides, with
/// `more` taking part too.
fn leads_discussion(n: u8, when: &str, more: &[(&Actor, &str)], agreement: bool) -> Command {
    let leads = leads_of(n);
    let mut who: Vec<(&Actor, &str)> = leads.iter().map(|(a, r)| (a, *r)).collect();
    who.extend_from_slice(more);
    discussion(at(when), &who, agreement)
}

/// Records the discussion every stage requires, then escalates.
fn discuss_and_escalate(h: &mut Harness, to: u8, now: &str) -> Vec<Event> {
    h.ok(leads_discussion(to - 1, now, &[], false), &dsl(), at(now));
    h.ok(
        Command::Escalate {
            to: stage(to),
            reason: text("The differences remain"),
        },
        &dsl(),
        at(now),
    )
}

fn at_stage_five() -> Harness {
    let mut h = raised();
    for to in 2..=5 {
        discuss_and_escalate(&mut h, to, "2025-11-04T10:00:00Z");
    }
    h
}

/// A seat on the panel for `person`, their agency's representative on the
/// Board (Stage Five).
fn seat(person: &str, agency_id: &str) -> PanelSeat {
    holding(
        person,
        agency_id,
        RoleTier::HeadOfService,
        &["pscb-board-representative"],
    );
    PanelSeat {
        person: PersonId::parse(person).unwrap(),
        agency: agency(agency_id),
    }
}

/// PLY-5: at Stage Three "The manager should also notify the PSCB Business
/// Manager, who will keep a record of all on-going disagreements".
#[test]
fn plymouth_stage3_notifies_the_business_manager() {
    let mut h = raised();
    let to_two = discuss_and_escalate(&mut h, 2, "2025-11-03T15:00:00Z");
    assert!(!notifies(&to_two, "business-manager", Occasion::StageEntry));
    let to_three = discuss_and_escalate(&mut h, 3, "2025-11-04T15:00:00Z");
    let n = notifications(&to_three)
        .into_iter()
        .find(|n| n.to.id() == "business-manager")
        .expect("the Business Manager is notified");
    assert_eq!(n.occasion, Occasion::StageEntry);
    assert_eq!(n.section, "Stage Three");
}

/// PLY-6: at Stage Four "The PSCB Business Manager should be advised of any
/// outcome": resolved, or referred on to the Chair.
#[test]
fn plymouth_business_manager_is_told_any_stage4_outcome() {
    let mut h = raised();
    for to in 2..=4 {
        discuss_and_escalate(&mut h, to, "2025-11-04T10:00:00Z");
    }
    h.ok(
        leads_discussion(4, "2025-11-05T09:00:00Z", &[], false),
        &dsl(),
        at("2025-11-05T09:30:00Z"),
    );
    let mut resolved = h.case.clone();
    let events = h.ok(
        Command::Escalate {
            to: stage(5),
            reason: text("The operations managers could not agree"),
        },
        &dsl(),
        at("2025-11-05T10:00:00Z"),
    );
    assert!(notifies(&events, "business-manager", Occasion::StageExit));
    assert!(notifies(&events, "pscb-chair", Occasion::StageEntry));

    // The other branch: resolved at Stage Four.
    let (policy, calendar) = policy(POLICY);
    let ctx = context(&dsl(), at("2025-11-05T10:00:00Z"));
    let events = resolved
        .decide(
            policy,
            calendar,
            Command::Resolve {
                route: ResolutionRoute::Agreement,
                outcome: text("An assessment will start."),
                outstanding_issues: text("None."),
            },
            &ctx,
        )
        .unwrap();
    events.iter().for_each(|e| resolved.apply(e));
    assert!(notifies(&events, "business-manager", Occasion::Resolved));
    // PLY-8: the designated lead feeds back to the professional who raised it.
    assert!(notifies(&events, "raiser", Occasion::OutcomeFeedback));
}

/// PLY-9: "Some matters may be resolved very quickly, and this will be
/// determined locally" (Timescales): no stage has a date, so none can be
/// extended or breached, and the case page shows the time at the stage.
#[test]
fn plymouth_has_no_fixed_timescales() {
    let mut h = raised();
    assert_eq!(h.case.due(), Due::AsSoonAsPossible);
    assert_eq!(
        h.case.time_at_stage(at("2025-11-05T09:00:00Z")).as_hours(),
        48
    );
    let extend = Command::ExtendDeadline {
        by: accord_case::Extension::WorkingDays(WorkingDays::new(1).unwrap()),
        reason: text("Awaiting a report"),
    };
    assert!(matches!(
        h.run(extend, &dsl(), at(RAISED)),
        Err(Refusal::NoDeadline { .. })
    ));
    assert!(matches!(
        h.run(Command::RecordBreach, &dsl(), at("2026-01-01T00:00:00Z")),
        Err(Refusal::NoDeadline { .. })
    ));
}

/// PLY-2: "if a child is thought to be at risk of immediate harm,
/// discretion should be used as to which stage is initiated"
/// (Introduction). Starting at Stage Three registers it with the Business
/// Manager at once; without a child at immediate risk it is refused.
#[test]
fn plymouth_immediate_risk_may_start_at_a_later_stage() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.start_at = Some(LaterStart {
        stage: stage(3),
        reason: text("Bruising seen today; the child is at risk of immediate harm"),
    });
    let refused = Harness::raise(POLICY, r.clone(), &teacher(), at(RAISED))
        .err()
        .unwrap();
    assert!(matches!(
        refused,
        Refusal::LaterStartNeedsImmediateRisk { .. }
    ));
    assert_eq!(refused.section(), "Introduction");

    r.subjects = vec![child("c1", false, false, true)];
    let h = Harness::raise(POLICY, r, &teacher(), at(RAISED)).unwrap();
    assert_eq!(h.case.stage(), stage(3));
    assert_eq!(
        h.case.current_visit().reason.as_ref().unwrap().as_str(),
        "Bruising seen today; the child is at risk of immediate harm"
    );
    assert!(notifies(
        &h.events,
        "business-manager",
        Occasion::StageEntry
    ));
    assert!(notifies(
        &h.events,
        "safeguarding-lead",
        Occasion::ImmediateRisk
    ));
}

/// PLY-3: Stage One keeps "a record of all discussions"; escalating without
/// one is refused.
#[test]
fn plymouth_stage1_needs_a_record() {
    let mut h = raised();
    let refused = h
        .run(
            Command::Escalate {
                to: stage(2),
                reason: text("Unresolved"),
            },
            &teacher(),
            at(RAISED),
        )
        .unwrap_err();
    assert!(matches!(refused, Refusal::RequirementUnmet { .. }));
    assert_eq!(refused.section(), "Stage One");
}

/// PLY-7: "This panel must consist of the Plymouth Safeguarding Children
/// Board representatives from three agencies (including the agencies
/// concerned in the professional differences, where possible)". Three
/// agencies is a must; a disputing agency's absence is accepted only with a
/// recorded reason, and stays on the record as a warning.
#[test]
fn plymouth_panel_shortfall_needs_a_reason_and_is_a_warning() {
    let mut h = at_stage_five();
    let two = Command::ConvenePanel {
        members: vec![seat("head", "school"), seat("supt", "police")],
        shortfall_reason: Some(text("Short notice")),
    };
    assert!(matches!(
        h.run(two, &chair(), at("2025-11-06T09:00:00Z")),
        Err(Refusal::PanelTooSmall {
            required: 3,
            got: 2,
            ..
        })
    ));
    let members = vec![
        seat("head", "school"),
        seat("supt", "police"),
        seat("cn", "health"),
    ];
    let unexplained = Command::ConvenePanel {
        members: members.clone(),
        shortfall_reason: None,
    };
    let refused = h
        .run(unexplained, &chair(), at("2025-11-06T09:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::PanelShortfallNeedsReason { ref missing, .. } if missing == &[agency("childrens-social-care")])
    );
    assert_eq!(refused.section(), "Stage Five");
    h.ok(
        Command::ConvenePanel {
            members,
            shortfall_reason: Some(text(
                "Children's social care's Board member is the decision maker in dispute",
            )),
        },
        &chair(),
        at("2025-11-06T09:00:00Z"),
    );
    assert_eq!(
        h.case.panel().unwrap().absent_disputing_agencies,
        vec![agency("childrens-social-care")]
    );
}

/// PLY-7: "The decision of the Plymouth Safeguarding Children Board
/// Resolution Panel will be final in this matter." The panel hears
/// representations, decides, and the case closes at Stage Five; it cannot
/// be reopened.
#[test]
fn plymouth_panel_decision_is_final() {
    let mut h = at_stage_five();
    // The Chair convenes it: the matter is referred "to the Chair ... (via
    // the PSCB Business Manager) who may either seek to resolve the issue
    // direct or to convene a Resolution Panel". A school's DSL cannot.
    let panel = Command::ConvenePanel {
        members: vec![
            seat("head", "school"),
            seat("dcs", "childrens-social-care"),
            seat("supt", "police"),
        ],
        shortfall_reason: None,
    };
    assert!(matches!(
        h.run(panel.clone(), &dsl(), at("2025-11-06T09:00:00Z")),
        Err(Refusal::NotTheDecider { .. })
    ));
    let business_manager = actor("bm", "pscb", RoleTier::PartnershipTeam);
    h.ok(panel, &chair(), at("2025-11-06T09:00:00Z"));
    for agency_id in ["school", "childrens-social-care"] {
        h.ok(
            Command::RecordRepresentation {
                agency: agency(agency_id),
                summary: text("Our position, in writing"),
            },
            &business_manager,
            at("2025-11-07T10:00:00Z"),
        );
    }
    h.ok(
        leads_discussion(5, "2025-11-07T11:00:00Z", &[(&chair(), "chair")], true),
        &business_manager,
        at("2025-11-07T12:00:00Z"),
    );
    let events = h.ok(
        Command::Resolve {
            route: ResolutionRoute::Panel,
            outcome: text("Children's social care will complete a child and family assessment."),
            outstanding_issues: text(
                "The school's DSL and the team manager will review it together in four weeks.",
            ),
        },
        &chair(),
        at("2025-11-07T14:00:00Z"),
    );
    assert!(notifies(&events, "business-manager", Occasion::Resolved));
    assert_eq!(h.case.status(), Status::Closed);
    assert!(h.case.outcome().unwrap().final_decision);
    assert!(h.case.closures()[0].by_final_decision);
    let refused = h
        .run(
            Command::Reopen {
                reason: text("The school disagrees"),
            },
            &dsl(),
            at("2025-11-10T09:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(refused, Refusal::FinalDecisionStands { .. }));
    assert_eq!(refused.section(), "Stage Five");
}

/// PLY-7 (reading): the Chair "may either seek to resolve the issue direct
/// or to convene a Resolution Panel", and "The decision of the Plymouth
/// Safeguarding Children Board Resolution Panel will be final in this
/// matter". Only the panel's decision is final: the Chair's direct
/// resolution at Stage Five is an ordinary one, closed on the parties'
/// written confirmation and open to reopening, while a panel's decision at
/// the same stage closes the case at once.
#[test]
fn plymouth_stage5_only_the_panels_decision_is_final() {
    let direct = Command::Resolve {
        route: ResolutionRoute::Decision,
        outcome: text("Children's social care will hold a strategy discussion."),
        outstanding_issues: text("The school's DSL will attend it."),
    };
    let mut h = at_stage_five();
    h.ok(
        leads_discussion(5, "2025-11-06T10:00:00Z", &[(&chair(), "chair")], true),
        &chair(),
        at("2025-11-06T11:00:00Z"),
    );
    let events = h.ok(direct, &chair(), at("2025-11-06T12:00:00Z"));
    assert!(notifies(&events, "business-manager", Occasion::Resolved));
    assert_eq!(h.case.status(), Status::Resolved);
    assert!(!h.case.outcome().unwrap().final_decision);
    assert!(h.case.closures().is_empty());
    let close = Command::Close {
        missing_confirmations: vec![],
    };
    assert!(matches!(
        h.run(close.clone(), &chair(), at("2025-11-07T09:00:00Z")),
        Err(Refusal::ConfirmationsMissing { .. })
    ));
    for who in [dsl(), team_manager()] {
        h.ok(
            Command::ConfirmOutcome {
                statement: text("Confirmed by email"),
            },
            &who,
            at("2025-11-07T09:00:00Z"),
        );
    }
    h.ok(close, &chair(), at("2025-11-07T10:00:00Z"));
    assert_eq!(h.case.status(), Status::Closed);
    assert!(!h.case.closures()[0].by_final_decision);
    // Not final, so it may be reopened with a reason.
    h.ok(
        Command::Reopen {
            reason: text("The strategy discussion was not held"),
        },
        &team_manager(),
        at("2025-11-20T09:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Open);
    assert_eq!(h.case.stage(), stage(5));

    // The panel route at the same stage is final and closes the case.
    let business_manager = actor("bm", "pscb", RoleTier::PartnershipTeam);
    h.ok(
        Command::ConvenePanel {
            members: vec![
                seat("head", "school"),
                seat("dcs", "childrens-social-care"),
                seat("supt", "police"),
            ],
            shortfall_reason: None,
        },
        &chair(),
        at("2025-11-21T09:00:00Z"),
    );
    for agency_id in ["school", "childrens-social-care"] {
        h.ok(
            Command::RecordRepresentation {
                agency: agency(agency_id),
                summary: text("Our position, in writing"),
            },
            &business_manager,
            at("2025-11-21T10:00:00Z"),
        );
    }
    h.ok(
        Command::Resolve {
            route: ResolutionRoute::Panel,
            outcome: text("Children's social care will complete a child and family assessment."),
            outstanding_issues: text("None."),
        },
        &chair(),
        at("2025-11-21T14:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Closed);
    assert!(h.case.outcome().unwrap().final_decision);
    assert!(h.case.closures().last().unwrap().by_final_decision);
}

/// PLY-8: "written confirmation between the parties about an agreed outcome
/// of the disagreement and how any outstanding issues will be pursued". A
/// case resolved at Stage Two closes only once each party has confirmed in
/// writing, or the reason a confirmation is missing is recorded.
#[test]
fn plymouth_closing_needs_each_partys_written_confirmation() {
    let mut h = raised();
    discuss_and_escalate(&mut h, 2, "2025-11-03T15:00:00Z");
    h.ok(
        discussion(
            at("2025-11-04T10:00:00Z"),
            &[
                (&teacher(), "practitioner"),
                (&social_worker(), "practitioner"),
            ],
            true,
        ),
        &teacher(),
        at("2025-11-04T10:30:00Z"),
    );
    let close = Command::Close {
        missing_confirmations: vec![],
    };
    assert!(matches!(
        h.run(close.clone(), &teacher(), at("2025-11-04T11:00:00Z")),
        Err(Refusal::NotYetResolved { .. })
    ));
    h.ok(
        Command::Resolve {
            route: ResolutionRoute::Agreement,
            outcome: text("A referral will be re-submitted with the new evidence."),
            outstanding_issues: text("None."),
        },
        &teacher(),
        at("2025-11-04T11:00:00Z"),
    );
    let refused = h
        .run(close.clone(), &teacher(), at("2025-11-05T09:00:00Z"))
        .unwrap_err();
    assert_eq!(
        refused,
        Refusal::ConfirmationsMissing {
            parties: vec![agency("school"), agency("childrens-social-care")],
            section: "Stage Five".into(),
        }
    );
    h.ok(
        Command::ConfirmOutcome {
            statement: text("Confirmed by email, 5 November"),
        },
        &dsl(),
        at("2025-11-05T09:00:00Z"),
    );
    assert!(matches!(
        h.run(
            Command::ConfirmOutcome {
                statement: text("Again")
            },
            &teacher(),
            at("2025-11-05T09:00:00Z")
        ),
        Err(Refusal::AlreadyConfirmed { .. })
    ));
    let police = actor("pc", "police", RoleTier::Practitioner);
    assert!(matches!(
        h.run(
            Command::ConfirmOutcome {
                statement: text("Yes")
            },
            &police,
            at("2025-11-05T09:00:00Z")
        ),
        Err(Refusal::NotAParty { .. })
    ));
    assert!(matches!(
        h.run(close, &teacher(), at("2025-11-05T09:00:00Z")),
        Err(Refusal::ConfirmationsMissing { .. })
    ));
    h.ok(
        Command::Close {
            missing_confirmations: vec![MissingConfirmation {
                agency: agency("childrens-social-care"),
                reason: text("The team manager confirmed by phone and is on leave"),
            }],
        },
        &teacher(),
        at("2025-11-06T09:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Closed);
}

/// PLY-7: "The decision of the Plymouth Safeguarding Children Board
/// Resolution Panel will be final in this matter" (Stage Five). Only the
/// panel decides, so its decision, which closes the case for good, is
/// recorded only by whoever the policy names for the panel (the Chair who
/// convened it, by the policy's reading): not a party's practitioner or
/// safeguarding lead, not the Business Manager, not another chair-tier
/// person. Each is refused with the role named; the Chair's record stands.
#[test]
fn plymouth_only_the_panels_named_recorder_records_its_final_decision() {
    let mut h = at_stage_five();
    let business_manager = holding(
        "bm",
        "pscb",
        RoleTier::PartnershipTeam,
        &["business-manager"],
    );
    let convene = Command::ConvenePanel {
        members: vec![
            seat("head", "school"),
            seat("dcs", "childrens-social-care"),
            seat("supt", "police"),
        ],
        shortfall_reason: None,
    };
    // Convening is the Chair's: "the Chair ... who may either seek to
    // resolve the issue direct or to convene a Resolution Panel".
    for who in [&business_manager, &dsl()] {
        let refused = h
            .run(convene.clone(), who, at("2025-11-06T09:00:00Z"))
            .unwrap_err();
        assert!(matches!(&refused, Refusal::NotTheDecider { deciders, .. }
                if deciders == &["Chair of the Plymouth Safeguarding Children Board"]));
    }
    h.ok(convene, &chair(), at("2025-11-06T09:00:00Z"));
    for agency_id in ["school", "childrens-social-care"] {
        h.ok(
            Command::RecordRepresentation {
                agency: agency(agency_id),
                summary: text("Our position, in writing"),
            },
            &business_manager,
            at("2025-11-07T10:00:00Z"),
        );
    }
    h.ok(
        leads_discussion(5, "2025-11-07T11:00:00Z", &[(&chair(), "pscb-chair")], true),
        &chair(),
        at("2025-11-07T12:00:00Z"),
    );
    let panel_decides = Command::Resolve {
        route: ResolutionRoute::Panel,
        outcome: text("Children's social care will complete a child and family assessment."),
        outstanding_issues: text("None."),
    };
    let another_chair = actor("another-chair", "pscb", RoleTier::Chair);
    for who in [
        &teacher(),
        &social_worker(),
        &dsl(),
        &team_manager(),
        &business_manager,
        &another_chair,
    ] {
        let refused = h
            .run(panel_decides.clone(), who, at("2025-11-07T14:00:00Z"))
            .unwrap_err();
        assert!(
            matches!(&refused, Refusal::NotThePanelsRecorder { recorders, .. }
                if recorders == &["Chair of the Plymouth Safeguarding Children Board"]),
            "{} was not refused: {refused}",
            who.person
        );
        assert_eq!(refused.section(), "Stage Five");
        assert!(
            refused
                .to_string()
                .contains("only the Resolution Panel decides")
        );
    }
    assert_eq!(h.case.status(), Status::Open);
    // Nor is the panel's route offered to them.
    assert!(
        !h.case
            .offers(h.policy, &teacher())
            .iter()
            .any(|o| matches!(o, accord_case::Offer::Resolve(routes) if routes.contains(&ResolutionRoute::Panel)))
    );
    h.ok(panel_decides, &chair(), at("2025-11-07T14:00:00Z"));
    assert_eq!(h.case.status(), Status::Closed);
    assert!(h.case.outcome().unwrap().final_decision);
}

/// PLY-5 and PLY-2, issue 12 §6: the Business Manager "will keep a record
/// of all on-going disagreements" from Stage Three, so a case started at
/// Stage Four for immediate risk is on the record at once, told with the
/// Stage Three message, and only once.
#[test]
fn plymouth_case_started_at_stage4_reaches_the_business_managers_record() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.subjects = vec![child("c1", false, false, true)];
    r.start_at = Some(LaterStart {
        stage: stage(4),
        reason: text("Disclosure today; the child is at risk of immediate harm"),
    });
    let h = Harness::raise(POLICY, r, &teacher(), at(RAISED)).unwrap();
    assert_eq!(h.case.stage(), stage(4));
    let to_bm: Vec<_> = notifications(&h.events)
        .into_iter()
        .filter(|n| n.to.id() == "business-manager")
        .collect();
    assert_eq!(to_bm.len(), 1, "{to_bm:?}");
    assert_eq!(to_bm[0].section, "Stage Three");
    assert!(
        to_bm[0]
            .message
            .contains("record of all on-going disagreements")
    );
    assert_eq!(to_bm[0].occasion, Occasion::StageEntry);
    // Told as of the stage the case is at, where it is, not Stage Three.
    assert_eq!(to_bm[0].stage, stage(4));

    // Started at Stage Five, the same.
    let mut r = raise(policy, "childrens-social-care");
    r.subjects = vec![child("c1", false, false, true)];
    r.start_at = Some(LaterStart {
        stage: stage(5),
        reason: text("Disclosure today; the child is at risk of immediate harm"),
    });
    let h = Harness::raise(POLICY, r, &teacher(), at(RAISED)).unwrap();
    assert!(
        notifications(&h.events)
            .iter()
            .any(|n| n.to.id() == "business-manager" && n.section == "Stage Three")
    );
    // Started at Stage One and escalated through, told once on reaching
    // Stage Three, not again at Stages Four and Five.
    let mut h = raised();
    let mut told = 0;
    for to in 2..=5 {
        let events = discuss_and_escalate(&mut h, to, "2025-11-04T10:00:00Z");
        told += notifications(&events)
            .iter()
            .filter(|n| n.to.id() == "business-manager" && n.section == "Stage Three")
            .count();
    }
    assert_eq!(told, 1);
}

/// PLY-7: "This panel must consist of the Plymouth Safeguarding Children
/// Board representatives from three agencies" (Stage Five). A practitioner
/// of a third agency does not make it three.
#[test]
fn plymouth_panel_seats_only_board_representatives() {
    let mut h = at_stage_five();
    let pc = actor("pc", "police", RoleTier::Practitioner);
    let refused = h
        .run(
            Command::ConvenePanel {
                members: vec![
                    seat("head", "school"),
                    seat("dcs", "childrens-social-care"),
                    PanelSeat {
                        person: pc.person.clone(),
                        agency: pc.agency.clone(),
                    },
                ],
                shortfall_reason: None,
            },
            &chair(),
            at("2025-11-06T09:00:00Z"),
        )
        .unwrap_err();
    match &refused {
        Refusal::NotAPanelSeat { field, seats, .. } => {
            assert_eq!(field, "members[2].person");
            assert_eq!(
                seats,
                &[
                    "Plymouth Safeguarding Children Board representative of a member agency",
                    "panel-member"
                ]
            );
        }
        other => panic!("expected NotAPanelSeat, got {other:?}"),
    }
    assert_eq!(refused.section(), "Stage Five");
}
