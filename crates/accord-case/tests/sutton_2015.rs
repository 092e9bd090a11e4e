//! Sutton LSCB, Multi-agency Escalation Policy and Procedure, September
//! 2015: a strategic issue routed to its subgroup chair, and a professional
//! disagreement that climbs to the Independent LSCB Chair, whose written
//! response is final.

mod common;

use accord_calendar::Due;
use accord_case::{ActionDetails, Actor, Command, FieldValue, Occasion, Offer, Refusal, Status};
use accord_policy::{ResolutionRoute, RoleTier};
use common::*;

const POLICY: &str = "sutton-2015";

fn teacher() -> Actor {
    actor("teacher", "school", RoleTier::Practitioner)
}
fn dsl() -> Actor {
    actor("dsl", "school", RoleTier::SafeguardingLead)
}
fn social_worker() -> Actor {
    actor(
        "social-worker",
        "childrens-social-care",
        RoleTier::Practitioner,
    )
}
/// The school's first line manager (§7b).
fn school_manager() -> Actor {
    holding(
        "school-manager",
        "school",
        RoleTier::Manager,
        &["first-line-manager"],
    )
}
/// Children's social care's team manager (§7b).
fn team_manager() -> Actor {
    holding(
        "team-manager",
        "childrens-social-care",
        RoleTier::Manager,
        &["csc-team-manager"],
    )
}
fn school_senior() -> Actor {
    actor("school-senior", "school", RoleTier::SeniorManager)
}
fn senior_manager() -> Actor {
    actor("senior", "childrens-social-care", RoleTier::SeniorManager)
}
/// The school's head of service, its member of the LSCB (§7d).
fn head_of_service() -> Actor {
    holding("hos", "school", RoleTier::HeadOfService, &["lscb-member"])
}
/// Children's social care's head of service, its member of the LSCB.
fn csc_head() -> Actor {
    holding(
        "csc-hos",
        "childrens-social-care",
        RoleTier::HeadOfService,
        &["lscb-member"],
    )
}
fn advisor() -> Actor {
    holding(
        "advisor",
        "lscb",
        RoleTier::SafeguardingLead,
        &["safeguarding-advisor"],
    )
}
fn independent_chair() -> Actor {
    holding(
        "independent-chair",
        "lscb",
        RoleTier::Chair,
        &["independent-lscb-chair"],
    )
}

/// Monday 1 December 2025, 10:00 GMT.
const RAISED: &str = "2025-12-01T10:00:00Z";

/// Appendix 1's "Safeguarding Advisor: Sign: ___ Date: ___", which only the
/// Safeguarding Advisor completes.
const ADVISORS_PART: [&str; 3] = [
    "safeguarding-advisor-name",
    "safeguarding-advisor-signature",
    "safeguarding-advisor-date",
];

/// Appendix 1 as the referrer submits it: every field but the Advisor's
/// and any in `leave_out`.
fn referrers_part(policy: &accord_policy::Policy, leave_out: &[&str]) -> Command {
    let leave_out: Vec<&str> = ADVISORS_PART.iter().chain(leave_out).copied().collect();
    submit(policy, "appendix-1", &leave_out)
}

/// The Safeguarding Advisor's section of Appendix 1, and nothing else.
fn advisors_part() -> Command {
    let (policy, _) = policy(POLICY);
    let all = fill(form(policy, "appendix-1"), &[]);
    let mut values = accord_case::FormValues::new();
    for id in ADVISORS_PART {
        let id: accord_policy::FieldId = id.parse().unwrap();
        values = values.with(id.clone(), all.get(&id).unwrap().clone());
    }
    Command::SubmitForm {
        form: "appendix-1".parse().unwrap(),
        values,
    }
}

/// The Safeguarding Advisor signs Appendix 1.
fn advisor_signs(h: &mut Harness, now: &str) {
    h.ok(advisors_part(), &advisor(), at(now));
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

fn escalate(h: &mut Harness, to: u8, by: &Actor, now: &str) -> Vec<accord_case::Event> {
    h.ok(
        Command::Escalate {
            to: stage(to),
            reason: text("Unresolved within the timescale"),
        },
        by,
        at(now),
    )
}

/// The people who lead each side of Stage `n` of the professional track,
/// in the roles it names (§7a, §7b, §7d).
fn leads_of(n: u8) -> Vec<(Actor, &'static str)> {
    match n {
        1 => vec![
            (teacher(), "practitioner"),
            (social_worker(), "practitioner"),
        ],
        2 => vec![
            (school_manager(), "first-line-manager"),
            (team_manager(), "csc-team-manager"),
        ],
        3 => vec![
            (school_senior(), "senior-manager"),
            (senior_manager(), "senior-manager"),
        ],
        4 => vec![
            (head_of_service(), "head-of-service"),
            (csc_head(), "head-of-service"),
        ],
        _ => vec![
            (head_of_service(), "lscb-member"),
            (csc_head(), "lscb-member"),
        ],
    }
}

/// A discussion at the case's current stage between the people who lead
/// its sides.
fn leads_discussion(h: &Harness, now: &str) -> Command {
    let leads = leads_of(h.case.stage().get());
    let who: Vec<(&Actor, &str)> = leads.iter().map(|(a, r)| (a, *r)).collect();
    discussion(at(now), &who, false)
}

/// Records a discussion and approves it, as §7b requires from Stage Two.
fn approved_discussion(h: &mut Harness, now: &str) {
    let events = h.ok(leads_discussion(h, now), &dsl(), at(now));
    h.ok(
        Command::ApproveDiscussion {
            discussion: events[0].sequence,
            approved_on: date(&now[..10]),
        },
        &dsl(),
        at(now),
    );
}

/// A case at Stage Two, Appendix 1 submitted without its outcome.
fn at_stage_two() -> Harness {
    let mut h = raised();
    h.ok(
        discussion(
            at("2025-12-01T14:00:00Z"),
            &[
                (&teacher(), "practitioner"),
                (&social_worker(), "practitioner"),
            ],
            false,
        ),
        &teacher(),
        at("2025-12-01T14:00:00Z"),
    );
    h.ok(
        referrers_part(h.policy, &["outcome-achieved"]),
        &dsl(),
        at("2025-12-02T09:00:00Z"),
    );
    escalate(&mut h, 2, &dsl(), "2025-12-02T09:00:00Z");
    h
}

/// A case at Stage Six, the Independent LSCB Chair.
fn at_stage_six() -> Harness {
    let mut h = at_stage_two();
    approved_discussion(&mut h, "2025-12-03T10:00:00Z");
    h.ok(
        referrers_part(h.policy, &[]),
        &dsl(),
        at("2025-12-03T11:00:00Z"),
    );
    advisor_signs(&mut h, "2025-12-03T11:30:00Z");
    escalate(&mut h, 3, &dsl(), "2025-12-03T12:00:00Z");
    approved_discussion(&mut h, "2025-12-04T10:00:00Z");
    escalate(&mut h, 4, &senior_manager(), "2025-12-04T12:00:00Z");
    h.ok(
        discussion(
            at("2025-12-05T10:00:00Z"),
            &[
                (&head_of_service(), "head-of-service"),
                (&csc_head(), "head-of-service"),
            ],
            false,
        ),
        &head_of_service(),
        at("2025-12-05T10:00:00Z"),
    );
    h.ok(
        submit(h.policy, "written-report-to-heads-of-service", &[]),
        &head_of_service(),
        at("2025-12-05T11:00:00Z"),
    );
    escalate(&mut h, 5, &head_of_service(), "2025-12-05T12:00:00Z");
    h.ok(
        discussion(
            at("2025-12-08T10:00:00Z"),
            &[
                (&head_of_service(), "lscb-member"),
                (&csc_head(), "lscb-member"),
            ],
            false,
        ),
        &head_of_service(),
        at("2025-12-08T10:00:00Z"),
    );
    h.ok(
        submit(
            h.policy,
            "referral-to-independent-chair",
            &["chairs-decision", "date-of-response"],
        ),
        &head_of_service(),
        at("2025-12-08T11:00:00Z"),
    );
    escalate(&mut h, 6, &head_of_service(), "2025-12-08T12:00:00Z");
    h
}

/// SUT-1 and SUT-2: "concerns would organise themselves into the specific
/// areas of LSCB business ... Each Chair is responsible for seeking a
/// resolution within the framework of the subgroup, and if not resolved
/// refer matters directly to the Independent LSCB Chair" (§6). A strategic
/// issue about quality assurance goes to the quality assurance subgroup chair.
#[test]
fn sutton_strategic_track_routes_to_the_subgroup_chair() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "police");
    r.track = Some("strategic".parse().unwrap());
    r.area = "quality-assurance".parse().unwrap();
    r.subjects = vec![];
    let mut h = Harness::raise(POLICY, r, &dsl(), at(RAISED)).unwrap();
    let routed = notifications(&h.events)
        .into_iter()
        .find(|n| n.occasion == Occasion::StageEntry)
        .expect("the subgroup chair is told");
    assert_eq!(routed.to.id(), "quality-assurance-subgroup-chair");
    assert_eq!(routed.section, "§6");

    let entered = escalate(&mut h, 2, &dsl(), "2025-12-03T09:00:00Z");
    assert!(notifies(
        &entered,
        "independent-lscb-chair",
        Occasion::StageEntry
    ));

    // The professional track's areas are not offered on the strategic track.
    let mut r = raise(policy, "police");
    r.track = Some("strategic".parse().unwrap());
    r.area = "point-of-referral".parse().unwrap();
    assert!(matches!(
        Harness::raise(POLICY, r, &dsl(), at(RAISED)),
        Err(Refusal::NotAPolicyArea { .. })
    ));
}

/// SUT-12 (reading): the flowchart with the timescales is missing; each
/// professional stage is read as 5 working days from its start. Entered on
/// Tuesday 23 December 2025, a stage is due at the end of Friday 2 January
/// 2026, past Christmas, Boxing Day and New Year's Day.
#[test]
fn sutton_stages_are_five_working_days_from_their_start() {
    let h = raised();
    assert_eq!(due_day(&h.case), date("2025-12-08"));
    let (policy, _) = policy(POLICY);
    let h = Harness::raise(
        POLICY,
        raise(policy, "childrens-social-care"),
        &teacher(),
        at("2025-12-23T10:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        h.case.due(),
        Due::At {
            instant: at("2026-01-03T00:00:00Z"),
            last_day: date("2026-01-02"),
        }
    );
}

/// SUT-3 and SUT-11: the referral form (Appendix 1) defines the problem, the
/// outcome and the timescale, and its rows say who will do what by when. A
/// row whose "By when?" is not a date does not fit the form.
#[test]
fn sutton_appendix_1_rows_are_checked() {
    let mut h = raised();
    h.ok(
        discussion(
            at("2025-12-01T14:00:00Z"),
            &[
                (&teacher(), "practitioner"),
                (&social_worker(), "practitioner"),
            ],
            false,
        ),
        &teacher(),
        at("2025-12-01T14:00:00Z"),
    );
    let refused = h
        .run(
            Command::Escalate {
                to: stage(2),
                reason: text("Unresolved"),
            },
            &dsl(),
            at("2025-12-02T09:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(refused, Refusal::FormNotSubmitted { .. }));
    assert_eq!(refused.section(), "§5; Appendix 1");

    let form = form(h.policy, "appendix-1");
    let mut values = fill(form, &[]);
    let actions: accord_policy::FieldId = "actions".parse().unwrap();
    let mut row = accord_case::FormValues::new();
    row = row
        .with(
            "who".parse().unwrap(),
            FieldValue::Text("Team manager".into()),
        )
        .with(
            "what".parse().unwrap(),
            FieldValue::Text("Re-open the assessment".into()),
        )
        .with(
            "by-when".parse().unwrap(),
            FieldValue::Text("Friday".into()),
        );
    values.0.insert(actions, FieldValue::Rows(vec![row]));
    let refused = h
        .run(
            Command::SubmitForm {
                form: "appendix-1".parse().unwrap(),
                values,
            },
            &dsl(),
            at("2025-12-02T09:00:00Z"),
        )
        .unwrap_err();
    let Refusal::FormInvalid {
        problems, section, ..
    } = refused
    else {
        panic!("expected FormInvalid, got {refused:?}");
    };
    assert_eq!(section, "Appendix 1");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field.path, "actions/1/by-when");
    assert_eq!(problems[0].field.label, "By when?");
}

/// SUT-5: "b) Professional disagreement in assessment and care planning.
/// Most day to day inter-agency differences of opinion will require a
/// children's social care team manager to liaise with the first line manager
/// equivalent in the relevant agencies" (§7b). A disagreement in that area
/// starts at Stage 2, the team manager and the first line manager, not with
/// §7a's re-visit of the referral; entering Stage 2 needs Appendix 1 as any
/// entry does, and immediate risk never starts it lower.
#[test]
fn sutton_assessment_and_care_planning_starts_with_the_team_managers() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.area = "assessment-and-care-planning".parse().unwrap();

    let refused = Harness::raise(POLICY, r.clone(), &dsl(), at(RAISED))
        .err()
        .unwrap();
    assert!(
        matches!(refused, Refusal::FormNotSubmitted { ref form, stage: s, .. }
        if form.as_str() == "appendix-1" && s == stage(2))
    );
    assert_eq!(refused.section(), "§5; Appendix 1");

    let mut leave_out = ADVISORS_PART.to_vec();
    leave_out.push("outcome-achieved");
    r.forms = vec![(
        "appendix-1".parse().unwrap(),
        fill(form(policy, "appendix-1"), &leave_out),
    )];
    let mut below = r.clone();
    below.subjects = vec![child("c1", false, false, true)];
    below.start_at = Some(accord_case::LaterStart {
        stage: stage(1),
        reason: text("Immediate risk"),
    });
    let refused = Harness::raise(POLICY, below, &dsl(), at(RAISED))
        .err()
        .unwrap();
    assert!(
        matches!(refused, Refusal::BelowEntryStage { stage: s, entry, .. }
        if s == stage(1) && entry == stage(2))
    );
    assert_eq!(refused.section(), "§7b");

    let h = Harness::raise(POLICY, r, &dsl(), at(RAISED)).unwrap();
    assert_eq!(h.case.stage(), stage(2));
    assert_eq!(h.case.stage_history().len(), 1);
    assert_eq!(h.case.current_visit().entry, accord_case::Entry::Raised);
    assert!(h.case.current_visit().reason.is_none());
    assert!(h.case.latest_form(&"appendix-1".parse().unwrap()).is_some());
    // Stage 2's 5 working days run from the raise on Monday 1 December.
    assert_eq!(due_day(&h.case), date("2025-12-08"));
    // The point-of-referral area still starts at Stage 1 (SUT-4, §7a).
    assert_eq!(raised().case.stage(), stage(1));
}

/// SUT-6: "The records must be formally approved, with the date entered on
/// the record" (§7b). Stage Two cannot be left on an unapproved record, and
/// only a manager approves.
#[test]
fn sutton_stage2_needs_formally_approved_records() {
    let mut h = at_stage_two();
    let recorded = h.ok(
        discussion(
            at("2025-12-03T10:00:00Z"),
            &[
                (&school_manager(), "first-line-manager"),
                (&team_manager(), "csc-team-manager"),
            ],
            false,
        ),
        &dsl(),
        at("2025-12-03T10:00:00Z"),
    );
    h.ok(
        referrers_part(h.policy, &[]),
        &dsl(),
        at("2025-12-03T11:00:00Z"),
    );
    advisor_signs(&mut h, "2025-12-03T11:30:00Z");
    let refused = h
        .run(
            Command::Escalate {
                to: stage(3),
                reason: text("Unresolved"),
            },
            &dsl(),
            at("2025-12-03T12:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(refused, Refusal::RequirementUnmet { .. }));
    assert_eq!(refused.section(), "§7b");
    let approve = Command::ApproveDiscussion {
        discussion: recorded[0].sequence,
        approved_on: date("2025-12-03"),
    };
    assert!(matches!(
        h.run(approve.clone(), &teacher(), at("2025-12-03T12:00:00Z")),
        Err(Refusal::NotAManager { .. })
    ));
    h.ok(approve, &team_manager(), at("2025-12-03T12:00:00Z"));
    assert_eq!(
        h.case.discussions()[1].approved_on,
        Some(date("2025-12-03"))
    );
    escalate(&mut h, 3, &dsl(), "2025-12-03T12:30:00Z");
}

/// SUT-5 and SUT-11: Appendix 1 records "Outcome achieved following
/// completion of actions", known only once the actions are done; but "If
/// agreement cannot be reached between firstline managers within the
/// stipulated timescale (see flowchart), the issue must be referred without
/// delay through the line management to a senior manager" (§7b). The
/// missing outcome never holds up the escalation to Stage 3.
#[test]
fn sutton_stage2_escalation_is_not_held_up_by_the_outcome_achieved() {
    let mut h = at_stage_two();
    approved_discussion(&mut h, "2025-12-03T10:00:00Z");
    advisor_signs(&mut h, "2025-12-03T11:00:00Z");
    let outcome: accord_policy::FieldId = "outcome-achieved".parse().unwrap();
    let appendix_1 = "appendix-1".parse().unwrap();
    assert!(
        h.case
            .latest_form(&appendix_1)
            .unwrap()
            .values
            .get(&outcome)
            .is_none()
    );
    let events = escalate(&mut h, 3, &dsl(), "2025-12-03T12:00:00Z");
    assert!(matches!(
        events[0].body,
        accord_case::EventBody::Escalated { to, .. } if to == stage(3)
    ));
    assert_eq!(h.case.stage(), stage(3));
    // The outcome can be recorded on the form later, once the actions are done.
    h.ok(
        referrers_part(h.policy, &[]),
        &dsl(),
        at("2025-12-04T09:00:00Z"),
    );
    assert!(
        h.case
            .latest_form(&appendix_1)
            .unwrap()
            .values
            .get(&outcome)
            .is_some()
    );
}

/// SUT-8: "A referral to the Independent LSCB Chair must include a written
/// account of the dispute, what attempts have been made to resolve the
/// matter, an assessment of risk ... and what resolution is sought. A
/// written response will be provided to confirm the decision by the Chair,
/// which is the final stage of the process" (§7d). The Chair's written
/// response is final and closes the case.
#[test]
fn sutton_independent_chairs_written_response_is_final() {
    let mut h = at_stage_six();
    let entry = h
        .case
        .notifications()
        .iter()
        .rev()
        .find(|n| n.notification.to.id() == "independent-lscb-chair")
        .unwrap();
    assert_eq!(
        entry.notification.attach[0].form.as_str(),
        "referral-to-independent-chair"
    );

    let resolve = Command::Resolve {
        route: ResolutionRoute::Decision,
        outcome: text(
            "Children's social care will hold a strategy discussion within two working days.",
        ),
        outstanding_issues: text(
            "The threshold document goes to the policy and practice subgroup.",
        ),
    };
    assert!(matches!(
        h.run(
            resolve.clone(),
            &head_of_service(),
            at("2025-12-10T09:00:00Z")
        ),
        Err(Refusal::NotTheDecider { .. })
    ));
    // No decision without the written response on the referral.
    let refused = h
        .run(
            resolve.clone(),
            &independent_chair(),
            at("2025-12-10T09:00:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::FormIncomplete { ref missing_fields, .. } if missing_fields.len() == 2)
    );
    assert_eq!(refused.section(), "§7d");
    h.ok(
        submit(h.policy, "referral-to-independent-chair", &[]),
        &independent_chair(),
        at("2025-12-10T09:00:00Z"),
    );
    let events = h.ok(resolve, &independent_chair(), at("2025-12-10T10:00:00Z"));
    assert!(notifies(&events, "raiser", Occasion::Resolved));
    assert!(notifies(&events, "stage-leads", Occasion::Resolved));
    assert_eq!(h.case.status(), Status::Closed);
    assert!(h.case.outcome().unwrap().final_decision);
    assert!(matches!(
        h.run(
            Command::Reopen {
                reason: text("Disagree")
            },
            &head_of_service(),
            at("2025-12-11T09:00:00Z")
        ),
        Err(Refusal::FinalDecisionStands { .. })
    ));

    // SUT-9: "When the issue is resolved or closed, any issues for learning
    // and improvement should be identified and considered by the relevant
    // LSCB sub-group" (§7e): learning is still recorded once closed.
    let theme = h.policy.learning.themes[0].id.clone();
    h.ok(
        Command::RecordLearning {
            theme,
            forwarded_to: h.policy.learning.forward_to.first().map(|g| g.id.clone()),
            note: text("Threshold guidance needs examples of cumulative harm."),
        },
        &head_of_service(),
        at("2025-12-12T09:00:00Z"),
    );
    assert_eq!(h.case.learning().len(), 1);
    assert_eq!(h.case.status(), Status::Closed);
    follow_ups_are_owned_dated_and_done(&mut h);
}

/// Issue 15 §2, on the closed case above: learning "considered by the
/// relevant LSCB sub-group" (SUT-9, §7e) is followed up by an action with an
/// owner and a due date, tracked to done. The owner may be anyone working
/// in the partnership (the subgroup's chair, who is in neither agency in
/// dispute), never an administrator; and whoever owns one not yet done is
/// involved in the case, so that they may read it.
fn follow_ups_are_owned_dated_and_done(h: &mut Harness) {
    let learning = h.case.learning()[0].sequence;
    let chair = holding(
        "ld-chair",
        "lscb",
        RoleTier::Chair,
        &["learning-and-development-subgroup-chair"],
    );
    let admin = actor("lscb-admin", "lscb", RoleTier::Admin);
    let details = |who: &Actor, by_when: &str| ActionDetails {
        who: who.person.clone(),
        agency: who.agency.clone(),
        what: text("Add a cumulative harm example to the threshold training."),
        by_when: date(by_when),
    };
    let agree = |who: &Actor, by_when: &str| Command::AgreeFollowUp {
        learning,
        details: details(who, by_when),
    };
    let when = at("2025-12-15T09:00:00Z");
    assert!(matches!(
        h.run(agree(&admin, "2026-01-30"), &head_of_service(), when),
        Err(Refusal::AdministratorTakesNoPart { .. })
    ));
    assert!(matches!(
        h.run(agree(&chair, "2025-12-12"), &head_of_service(), when),
        Err(Refusal::ActionDueInPast { .. })
    ));
    let not_learning = h.case.learning()[0].sequence.next();
    assert!(matches!(
        h.run(
            Command::AgreeFollowUp {
                learning: not_learning,
                details: details(&chair, "2026-01-30"),
            },
            &head_of_service(),
            when
        ),
        Err(Refusal::NoSuchLearning { .. })
    ));
    h.ok(agree(&chair, "2026-01-30"), &head_of_service(), when);
    let follow_up = h.case.version();
    let (of, agreed) = h
        .case
        .follow_up(follow_up)
        .expect("the follow-up is on record");
    assert_eq!(of.sequence, learning);
    assert_eq!(agreed.details.who, chair.person);
    assert!(agreed.completed.is_none());
    let policy = h.policy;
    assert!(
        h.case.involvement(policy).people.contains(&chair.person),
        "the owner of an open follow-up is involved in the case"
    );
    let offers = h.case.offers(policy, &chair);
    assert!(offers.contains(&Offer::CompleteFollowUp));

    h.ok(
        Command::CompleteFollowUp {
            follow_up,
            note: Some(text("The January training has the example.")),
        },
        &chair,
        at("2026-01-20T09:00:00Z"),
    );
    let (_, done) = h.case.follow_up(follow_up).unwrap();
    assert_eq!(
        done.completed.as_ref().map(|c| c.at),
        Some(at("2026-01-20T09:00:00Z"))
    );
    assert!(!h.case.involvement(policy).people.contains(&chair.person));
    assert!(matches!(
        h.run(
            Command::CompleteFollowUp {
                follow_up,
                note: None
            },
            &chair,
            at("2026-01-21T09:00:00Z")
        ),
        Err(Refusal::AlreadyCompleted { .. })
    ));
    assert!(matches!(
        h.run(
            Command::CompleteFollowUp {
                follow_up: learning,
                note: None
            },
            &chair,
            at("2026-01-21T09:00:00Z")
        ),
        Err(Refusal::NoSuchFollowUp { .. })
    ));
}

/// A case at Stage Four, the heads of service, with their discussion on
/// record.
fn at_stage_four() -> Harness {
    let mut h = at_stage_two();
    approved_discussion(&mut h, "2025-12-03T10:00:00Z");
    advisor_signs(&mut h, "2025-12-03T11:00:00Z");
    escalate(&mut h, 3, &dsl(), "2025-12-03T12:00:00Z");
    approved_discussion(&mut h, "2025-12-04T10:00:00Z");
    escalate(&mut h, 4, &senior_manager(), "2025-12-04T12:00:00Z");
    h.ok(
        discussion(
            at("2025-12-05T10:00:00Z"),
            &[
                (&head_of_service(), "head-of-service"),
                (&csc_head(), "head-of-service"),
            ],
            false,
        ),
        &head_of_service(),
        at("2025-12-05T10:00:00Z"),
    );
    h
}

/// SUT-8: "the matter must be referred to the heads of service for each
/// agency involved. Any verbal report should be followed up in writing,
/// showing the nature of the dispute and what attempts have been made to
/// resolve this. If the issue is not resolved at this stage, the matter
/// should be discussed with the LSCB member for the organisation" (§7d).
/// The written follow-up is owed only for a verbal report, so it does not
/// hold up Stage 4; once submitted, it goes to the heads of service and on
/// to the LSCB member when the case leaves Stage 4.
#[test]
fn sutton_heads_of_service_written_follow_up_goes_on_to_the_lscb_member() {
    // No verbal report, no follow-up: Stage 4 is left without it, and the
    // LSCB member is told with nothing attached.
    let mut h = at_stage_four();
    let entered = escalate(&mut h, 5, &head_of_service(), "2025-12-05T12:00:00Z");
    assert_eq!(h.case.stage(), stage(5));
    let member = notifications(&entered)
        .into_iter()
        .find(|n| n.to.id() == "lscb-member" && n.occasion == Occasion::StageExit)
        .expect("the LSCB member is told as the case leaves Stage 4");
    assert_eq!(member.section, "§7d");
    assert_eq!(member.stage, stage(4));
    assert_eq!(
        member.attach[0].form.as_str(),
        "written-report-to-heads-of-service"
    );
    assert_eq!(member.attach[0].submission, None);

    // A verbal report followed up in writing: the follow-up goes to the
    // heads of service on submission and on to the LSCB member on exit.
    let mut h = at_stage_four();
    let submitted = h.ok(
        submit(h.policy, "written-report-to-heads-of-service", &[]),
        &head_of_service(),
        at("2025-12-05T11:00:00Z"),
    );
    assert!(notifies(&submitted, "stage-leads", Occasion::FormSubmitted));
    let entered = escalate(&mut h, 5, &head_of_service(), "2025-12-05T12:00:00Z");
    let member = notifications(&entered)
        .into_iter()
        .find(|n| n.to.id() == "lscb-member" && n.occasion == Occasion::StageExit)
        .expect("the LSCB member is told as the case leaves Stage 4");
    assert_eq!(member.attach[0].submission, Some(submitted[0].sequence));
}

/// SUT-10: "written confirmation between the parties about an agreed
/// outcome of the disagreement and how any outstanding issues will be
/// pursued and concluded" (§7f): resolved at Stage One by agreement, the
/// case closes once both parties confirm.
#[test]
fn sutton_parties_confirm_the_outcome_in_writing() {
    let mut h = raised();
    h.ok(
        discussion(
            at("2025-12-01T14:00:00Z"),
            &[
                (&teacher(), "practitioner"),
                (&social_worker(), "practitioner"),
            ],
            true,
        ),
        &teacher(),
        at("2025-12-01T14:00:00Z"),
    );
    h.ok(
        Command::Resolve {
            route: ResolutionRoute::Agreement,
            outcome: text("The referral will be amended and re-submitted."),
            outstanding_issues: text("None."),
        },
        &teacher(),
        at("2025-12-01T15:00:00Z"),
    );
    assert_eq!(h.case.unconfirmed_parties().len(), 2);
    h.ok(
        Command::ConfirmOutcome {
            statement: text("Email of 2 December"),
        },
        &dsl(),
        at("2025-12-02T09:00:00Z"),
    );
    h.ok(
        Command::ConfirmOutcome {
            statement: text("Email of 2 December"),
        },
        &team_manager(),
        at("2025-12-02T10:00:00Z"),
    );
    h.ok(
        Command::Close {
            missing_confirmations: vec![],
        },
        &teacher(),
        at("2025-12-02T11:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Closed);
}

/// The Sutton LSCB's partnership chairs, each holding the role §6 or §7c
/// names, all at the chair tier.
fn lscb_chairs() -> Vec<Actor> {
    [
        "learning-and-development-subgroup-chair",
        "policy-and-practice-subgroup-chair",
        "quality-assurance-subgroup-chair",
        "case-review-and-cdop-subgroup-chair",
        "hr-matters-subgroup-chair",
        "multi-agency-cse-subgroup-chair",
        "conference-chair",
    ]
    .into_iter()
    .map(|role| holding(role, "lscb", RoleTier::Chair, &[role]))
    .collect()
}

/// SUT-8: "A written response will be provided to confirm the decision by
/// the Chair, which is the final stage of the process" (§7d). The Chair is
/// the Independent LSCB Chair: none of the six subgroup chairs nor a
/// conference chair may record that final decision, though all sit at the
/// chair tier, and each refusal names the Independent LSCB Chair.
#[test]
fn sutton_only_the_independent_lscb_chair_records_the_final_decision() {
    let mut h = at_stage_six();
    h.ok(
        submit(h.policy, "referral-to-independent-chair", &[]),
        &independent_chair(),
        at("2025-12-10T09:00:00Z"),
    );
    let decide = Command::Resolve {
        route: ResolutionRoute::Decision,
        outcome: text("Children's social care will hold a strategy discussion."),
        outstanding_issues: text("None."),
    };
    for chair in lscb_chairs() {
        let refused = h
            .run(decide.clone(), &chair, at("2025-12-10T10:00:00Z"))
            .unwrap_err();
        assert!(
            matches!(&refused, Refusal::NotTheDecider { deciders, .. } if deciders == &["Independent LSCB Chair"]),
            "{} was not refused: {refused}",
            chair.person
        );
        assert_eq!(refused.section(), "§7d");
    }
    assert_eq!(h.case.status(), Status::Open);
    h.ok(decide, &independent_chair(), at("2025-12-10T11:00:00Z"));
    assert!(h.case.outcome().unwrap().final_decision);
}

/// SUT-2: "concerns would organise themselves into the specific areas of
/// LSCB business ... Each Chair is responsible for seeking a resolution
/// within the framework of the subgroup, and if not resolved refer matters
/// directly to the Independent LSCB Chair" (§6). A quality assurance issue
/// is decided by the quality assurance subgroup's chair only: another
/// subgroup's chair is refused with the role that decides it named, and at
/// the next stage only the Independent LSCB Chair decides.
#[test]
fn sutton_strategic_issue_is_decided_by_its_own_subgroup_chair() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "police");
    r.track = Some("strategic".parse().unwrap());
    r.area = "quality-assurance".parse().unwrap();
    r.subjects = vec![];
    let mut h = Harness::raise(POLICY, r, &dsl(), at(RAISED)).unwrap();
    let decide = Command::Resolve {
        route: ResolutionRoute::Decision,
        outcome: text("The audit programme will include the school's referrals."),
        outstanding_issues: text("None."),
    };
    let chairs = lscb_chairs();
    let (own, others): (Vec<&Actor>, Vec<&Actor>) = chairs
        .iter()
        .partition(|c| c.person.as_str() == "quality-assurance-subgroup-chair");
    for other in others {
        let refused = h
            .run(decide.clone(), other, at("2025-12-03T09:00:00Z"))
            .unwrap_err();
        assert!(
            matches!(&refused, Refusal::NotTheDecider { deciders, .. }
                if deciders == &["Chair of the LSCB quality assurance subgroup"]),
            "{} was not refused: {refused}",
            other.person
        );
        assert_eq!(refused.section(), "§6");
    }
    assert!(matches!(
        h.run(
            decide.clone(),
            &independent_chair(),
            at("2025-12-03T09:00:00Z")
        ),
        Err(Refusal::NotTheDecider { .. })
    ));

    // Referred on, the issue is the Independent LSCB Chair's: the subgroup
    // chair whose area it is may no longer decide it.
    escalate(&mut h, 2, own[0], "2025-12-03T10:00:00Z");
    assert!(matches!(
        h.run(decide.clone(), own[0], at("2025-12-03T11:00:00Z")),
        Err(Refusal::NotTheDecider { ref deciders, .. }) if deciders == &["Independent LSCB Chair"]
    ));
    h.ok(decide, &independent_chair(), at("2025-12-03T12:00:00Z"));
    assert_eq!(h.case.status(), Status::Resolved);
}

/// SUT-2 (§6): the subgroup chair whose area the issue is in decides it.
#[test]
fn sutton_subgroup_chair_decides_an_issue_in_their_own_area() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "police");
    r.track = Some("strategic".parse().unwrap());
    r.area = "quality-assurance".parse().unwrap();
    r.subjects = vec![];
    let mut h = Harness::raise(POLICY, r, &dsl(), at(RAISED)).unwrap();
    let own = holding(
        "qa-chair",
        "lscb",
        RoleTier::Chair,
        &["quality-assurance-subgroup-chair"],
    );
    h.ok(
        Command::Resolve {
            route: ResolutionRoute::Decision,
            outcome: text("The audit programme will include the school's referrals."),
            outstanding_issues: text("None."),
        },
        &own,
        at("2025-12-03T09:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Resolved);
}

/// SUT-11: Appendix 1 ends "Safeguarding Advisor: Sign: ___ Date: ___".
/// That section is the Safeguarding Advisor's to complete, and only theirs
/// (its `completed_by`): a referrer who types the Advisor's signature is
/// refused with the role named, on the raise and on a later submission;
/// the referrer's own part goes in without it; and Stage 2, which needs the
/// form, cannot end until the Advisor has signed.
#[test]
fn sutton_appendix_1_advisors_section_is_completed_by_the_safeguarding_advisor_only() {
    // On the raise of a disagreement in assessment and care planning, which
    // starts at Stage 2 with the form.
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.area = "assessment-and-care-planning".parse().unwrap();
    r.forms = vec![(
        "appendix-1".parse().unwrap(),
        fill(form(policy, "appendix-1"), &["outcome-achieved"]),
    )];
    let refused = Harness::raise(POLICY, r, &dsl(), at(RAISED)).err().unwrap();
    assert!(
        matches!(&refused, Refusal::NotTheSectionsCompleter { completers, section_title, .. }
            if completers == &["Safeguarding Advisor"] && section_title == "Safeguarding Advisor"),
        "{refused:?}"
    );
    assert_eq!(refused.section(), "Appendix 1");

    // On a later submission, by the referrer or anyone else without the role.
    let mut h = at_stage_two();
    for typist in [dsl(), team_manager(), teacher()] {
        let refused = h
            .run(
                submit(h.policy, "appendix-1", &["outcome-achieved"]),
                &typist,
                at("2025-12-02T10:00:00Z"),
            )
            .unwrap_err();
        assert!(
            matches!(refused, Refusal::NotTheSectionsCompleter { .. }),
            "{} typed the Advisor's signature: {refused:?}",
            typist.person
        );
    }

    // Without the Advisor's signature, Stage 2 is not left.
    approved_discussion(&mut h, "2025-12-03T10:00:00Z");
    let refused = h
        .run(
            Command::Escalate {
                to: stage(3),
                reason: text("Unresolved"),
            },
            &dsl(),
            at("2025-12-03T11:00:00Z"),
        )
        .unwrap_err();
    let Refusal::FormIncomplete { missing_fields, .. } = &refused else {
        panic!("expected FormIncomplete, got {refused:?}");
    };
    let missing: Vec<&str> = missing_fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(missing, ADVISORS_PART);
    assert!(
        h.case
            .outstanding(h.policy, accord_policy::Before::Escalate)
            .contains(&refused)
    );
}

/// SUT-11: the Safeguarding Advisor reaches Appendix 1 when it is theirs to
/// complete, at Stage 2, and signs their section alone: the referrer's
/// answers stay as the referrer gave them, and the referrer's later, fuller
/// version (the outcome achieved) keeps the Advisor's signature without
/// retyping it. Signed, Stage 2 can be left.
#[test]
fn sutton_safeguarding_advisor_signs_appendix_1_and_the_referrers_answers_stay() {
    let mut h = at_stage_two();
    let appendix_1: accord_policy::FormId = "appendix-1".parse().unwrap();
    let referrers = h.case.latest_form(&appendix_1).unwrap().values.clone();
    assert!(
        h.case
            .offers(h.policy, &advisor())
            .contains(&accord_case::Offer::SubmitForm(appendix_1.clone()))
    );
    advisor_signs(&mut h, "2025-12-02T11:00:00Z");
    let signed = h.case.latest_form(&appendix_1).unwrap();
    assert_eq!(signed.by.person.as_str(), "advisor");
    for (id, value) in &referrers.0 {
        assert_eq!(signed.values.get(id), Some(value), "{id} was kept");
    }
    let signature: accord_policy::FieldId = "safeguarding-advisor-signature".parse().unwrap();
    let advisors_signature = signed.values.get(&signature).cloned();
    assert!(advisors_signature.is_some());

    // The referrer adds the outcome achieved, without the Advisor's part.
    h.ok(
        referrers_part(h.policy, &[]),
        &dsl(),
        at("2025-12-02T12:00:00Z"),
    );
    let fuller = h.case.latest_form(&appendix_1).unwrap();
    assert_eq!(fuller.values.get(&signature).cloned(), advisors_signature);
    assert!(
        fuller
            .values
            .get(&"outcome-achieved".parse().unwrap())
            .is_some()
    );

    approved_discussion(&mut h, "2025-12-03T10:00:00Z");
    escalate(&mut h, 3, &dsl(), "2025-12-03T11:00:00Z");
    assert_eq!(h.case.stage(), stage(3));
}

/// SUT-11: "Should the Head of Service be contacted? Yes No" (Appendix 1).
/// The answer has an effect: Yes tells the heads of service, with the form,
/// once; No, or the same Yes submitted again, tells nobody.
#[test]
fn sutton_appendix_1_yes_to_the_head_of_service_tells_the_heads_of_service() {
    let contacted: accord_policy::FieldId = "head-of-service-contacted".parse().unwrap();
    let with = |answer: bool| {
        let (policy, _) = policy(POLICY);
        let mut leave_out = ADVISORS_PART.to_vec();
        leave_out.push("outcome-achieved");
        let mut values = fill(form(policy, "appendix-1"), &leave_out);
        values
            .0
            .insert(contacted.clone(), FieldValue::YesNo(answer));
        Command::SubmitForm {
            form: "appendix-1".parse().unwrap(),
            values,
        }
    };
    let mut h = raised();
    let no = h.ok(with(false), &dsl(), at("2025-12-01T11:00:00Z"));
    assert!(!notifies(&no, "head-of-service", Occasion::FormSubmitted));

    let yes = h.ok(with(true), &dsl(), at("2025-12-01T12:00:00Z"));
    let told = notifications(&yes)
        .into_iter()
        .find(|n| n.to.id() == "head-of-service")
        .expect("the heads of service are told");
    assert_eq!(told.occasion, Occasion::FormSubmitted);
    assert_eq!(told.section, "Appendix 1");
    assert_eq!(told.attach[0].form.as_str(), "appendix-1");
    assert_eq!(told.attach[0].submission, Some(yes[0].sequence));

    let again = h.ok(with(true), &dsl(), at("2025-12-01T13:00:00Z"));
    assert!(!notifies(
        &again,
        "head-of-service",
        Occasion::FormSubmitted
    ));
}

/// SUT-11 and SUT-5: Appendix 1's "Identify the following: Who will do
/// what? What will be undertaken? By when?" are the actions the managers
/// agree at Stage 2 (§7b), after the form is completed to enter it. They
/// are not needed before they can be known: the form enters Stage 2
/// without them, and a fuller version adds them once agreed.
#[test]
fn sutton_appendix_1_actions_are_not_needed_before_they_are_agreed() {
    let mut h = raised();
    h.ok(
        discussion(
            at("2025-12-01T14:00:00Z"),
            &[
                (&teacher(), "practitioner"),
                (&social_worker(), "practitioner"),
            ],
            false,
        ),
        &teacher(),
        at("2025-12-01T14:00:00Z"),
    );
    h.ok(
        referrers_part(h.policy, &["outcome-achieved", "actions"]),
        &dsl(),
        at("2025-12-02T09:00:00Z"),
    );
    escalate(&mut h, 2, &dsl(), "2025-12-02T09:30:00Z");
    assert_eq!(h.case.stage(), stage(2));
    let actions: accord_policy::FieldId = "actions".parse().unwrap();
    let appendix_1: accord_policy::FormId = "appendix-1".parse().unwrap();
    assert!(
        h.case
            .latest_form(&appendix_1)
            .unwrap()
            .values
            .get(&actions)
            .is_none()
    );
    h.ok(
        referrers_part(h.policy, &["outcome-achieved"]),
        &team_manager(),
        at("2025-12-03T09:00:00Z"),
    );
    assert!(matches!(
        h.case.latest_form(&appendix_1).unwrap().values.get(&actions),
        Some(FieldValue::Rows(rows)) if rows.len() == 1
    ));
}

/// A Child Protection Conference dissent at Stage 2, raised by the school's
/// teacher: the dissent formally raised with the designated safeguarding
/// lead, and that discussion on record.
fn dissent_with_the_designated_lead() -> Harness {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "childrens-social-care");
    r.track = Some("conference-dissent".parse().unwrap());
    r.area = "registration-or-deregistration".parse().unwrap();
    let mut h = Harness::raise(POLICY, r, &teacher(), at(RAISED)).unwrap();
    h.ok(
        discussion(
            at("2025-12-01T11:00:00Z"),
            &[
                (&teacher(), "practitioner"),
                (&social_worker(), "practitioner"),
            ],
            false,
        ),
        &teacher(),
        at("2025-12-01T11:00:00Z"),
    );
    escalate(&mut h, 2, &teacher(), "2025-12-01T12:00:00Z");
    h.ok(
        discussion(
            at("2025-12-01T14:00:00Z"),
            &[(&teacher(), "practitioner"), (&dsl(), "safeguarding-lead")],
            false,
        ),
        &teacher(),
        at("2025-12-01T14:00:00Z"),
    );
    h
}

fn designated_lead(agency: &str) -> Actor {
    holding(
        "designated-lead",
        agency,
        RoleTier::SafeguardingLead,
        &["designated-safeguarding-lead"],
    )
}

/// SUT-7: "the matter should be formally raised with the agency's
/// designated safeguarding lead. If the designated lead concurs with the
/// concerns of the professional, the Children's social care safeguarding
/// manager should be informed in writing" (§7c). The concurrence is on
/// record before the escalation it allows: Stage 3 is refused without it,
/// and while the lead withholds it. Only the raising agency's holder of the
/// designated lead's role records it: a safeguarding lead without the role,
/// or the other agency's designated lead, is refused with the role named.
#[test]
fn sutton_conference_dissent_escalates_only_on_the_designated_leads_concurrence() {
    let mut h = dissent_with_the_designated_lead();
    let to_three = Command::Escalate {
        to: stage(3),
        reason: text("The designated lead concurs"),
    };
    let refused = h
        .run(to_three.clone(), &teacher(), at("2025-12-01T15:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::RequirementUnmet { .. }),
        "{refused:?}"
    );
    assert_eq!(refused.section(), "§7c");

    let concur = |concurs: bool| Command::RecordConcurrence {
        concurs,
        reason: text("The decision to deregister leaves the child at risk."),
    };
    for (who, because) in [
        (dsl(), "a safeguarding lead without the role"),
        (
            designated_lead("childrens-social-care"),
            "the other agency's designated lead",
        ),
        (teacher(), "the dissenting professional"),
    ] {
        let refused = h
            .run(concur(true), &who, at("2025-12-01T15:00:00Z"))
            .unwrap_err();
        assert!(
            matches!(&refused, Refusal::NotTheConcurringRole { concurring, raising_agency_only: true, .. }
                if concurring == &["The agency's designated safeguarding lead"]),
            "{because} was not refused: {refused:?}"
        );
        assert_eq!(refused.section(), "§7c");
        assert!(
            !h.case
                .offers(h.policy, &who)
                .contains(&accord_case::Offer::RecordConcurrence)
        );
    }

    // The lead first withholds concurrence: still no Stage 3.
    let lead = designated_lead("school");
    assert!(
        h.case
            .offers(h.policy, &lead)
            .contains(&accord_case::Offer::RecordConcurrence)
    );
    h.ok(concur(false), &lead, at("2025-12-01T15:30:00Z"));
    assert!(matches!(
        h.run(to_three.clone(), &teacher(), at("2025-12-01T16:00:00Z")),
        Err(Refusal::RequirementUnmet { .. })
    ));
    h.ok(concur(true), &lead, at("2025-12-02T09:00:00Z"));
    assert_eq!(h.case.concurrences().len(), 2);
    let entered = h.ok(to_three, &lead, at("2025-12-02T09:30:00Z"));
    assert_eq!(h.case.stage(), stage(3));
    assert!(notifies(
        &entered,
        "csc-safeguarding-manager",
        Occasion::StageEntry
    ));
    // No stage but Stage 2 asks anyone to concur.
    assert!(matches!(
        h.run(concur(true), &lead, at("2025-12-02T10:00:00Z")),
        Err(Refusal::NoConcurrenceAtThisStage { .. })
    ));
}

/// §1 says only that "all organisations should have internal whistle
/// blowing policies in place to protect staff from speaking up about child
/// abuse concerns"; it puts nothing outside this procedure. The signpost to
/// them is advice: a raise that matched it is still a case.
#[test]
fn sutton_whistleblowing_is_a_signpost_that_never_refuses_a_raise() {
    let (policy, _) = policy(POLICY);
    let signpost = policy
        .out_of_scope
        .iter()
        .find(|s| s.id.as_str() == "whistleblowing")
        .unwrap();
    assert_eq!(signpost.effect, accord_policy::SignpostEffect::Advice);
    assert_eq!(signpost.section, "§1");
    let mut r = raise(policy, "childrens-social-care");
    r.signpost = Some("whistleblowing".parse().unwrap());
    let h = Harness::raise(POLICY, r, &teacher(), at(RAISED)).unwrap();
    assert_eq!(h.case.status(), Status::Open);
    assert_eq!(h.case.stage(), stage(1));
}

/// SUT-3 and SUT-12: the formal resolution process agrees "the timescale
/// given the specific circumstances of each case" (§5). The agreed
/// timescale replaces the stage's 5 working days, counted from the same
/// start, and may shorten it as well as lengthen it, with a reason: Stage 2
/// entered on Tuesday 2 December is due at the end of Tuesday 9 December;
/// agreed at 2 working days it is due at the end of Thursday 4 December,
/// and its breach can be recorded on Friday; agreed again at 10, at the
/// end of Tuesday 16 December. Only a manager agrees it, only where the
/// stage allows, and never a deadline already past.
#[test]
fn sutton_agreed_timescale_shortens_or_lengthens_the_stage() {
    let mut h = at_stage_two();
    assert_eq!(due_day(&h.case), date("2025-12-09"));
    let agree = |days: u8| Command::AgreeTimescale {
        timescale: accord_case::Extension::WorkingDays(
            accord_calendar::WorkingDays::new(u32::from(days)).unwrap(),
        ),
        reason: text("Agreed on Appendix 1 given the child's school exclusion hearing."),
    };
    assert!(matches!(
        h.run(agree(2), &teacher(), at("2025-12-02T10:00:00Z")),
        Err(Refusal::NotAManager { .. })
    ));
    h.ok(agree(2), &team_manager(), at("2025-12-02T10:00:00Z"));
    assert_eq!(due_day(&h.case), date("2025-12-04"));
    assert!(matches!(
        h.case.current_visit().original_due,
        Due::At { last_day, .. } if last_day == date("2025-12-09")
    ));
    let breach = h.ok(Command::RecordBreach, &dsl(), at("2025-12-05T09:00:00Z"));
    assert!(notifies(&breach, "stage-leads", Occasion::Breach));

    h.ok(agree(10), &team_manager(), at("2025-12-05T10:00:00Z"));
    assert_eq!(due_day(&h.case), date("2025-12-16"));
    assert_eq!(h.case.current_visit().agreed_timescales.len(), 2);
    assert!(!h.case.is_overdue(at("2025-12-05T11:00:00Z")));

    // Three working days from 2 December ended on Friday 5 December.
    let refused = h
        .run(agree(3), &team_manager(), at("2025-12-08T09:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::AgreedTimescalePassed { .. }),
        "{refused:?}"
    );
    assert_eq!(refused.section(), "§5");

    // Stage 1, before the form, keeps the policy's timescale.
    let mut h = raised();
    let refused = h
        .run(agree(2), &team_manager(), at("2025-12-01T11:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::TimescaleNotAgreedHere { .. }),
        "{refused:?}"
    );
}
