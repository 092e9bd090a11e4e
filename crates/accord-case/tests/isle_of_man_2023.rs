//! Isle of Man Safeguarding Board, Resolving Professional Differences,
//! April 2023: a disagreement about a vulnerable adult climbs to the Board,
//! with the referral form going to the Director of Multi-agency
//! Safeguarding and coming back with the outcome.

mod common;

use accord_calendar::Due;
use accord_case::{Actor, Command, EventBody, LaterStart, Occasion, Refusal, Status};
use accord_policy::{ResolutionRoute, RoleTier, SignpostId, SubjectKind};
use common::*;

const POLICY: &str = "isle-of-man-2023";

fn nurse() -> Actor {
    actor("nurse", "manx-care", RoleTier::Practitioner)
}
fn nurse_manager() -> Actor {
    actor("ward-manager", "manx-care", RoleTier::Manager)
}
fn senior_manager() -> Actor {
    actor("senior", "manx-care", RoleTier::SeniorManager)
}
/// The Director completes the form's "outcome of agreed actions" section,
/// which only the holder of that role may (its `completed_by`).
fn director() -> Actor {
    holding(
        "director",
        "safeguarding-board",
        RoleTier::PartnershipTeam,
        &["director-of-multi-agency-safeguarding"],
    )
}
fn independent_chair() -> Actor {
    holding(
        "independent-chair",
        "safeguarding-board",
        RoleTier::Chair,
        &["independent-chair"],
    )
}

fn vulnerable_adult() -> accord_case::Subject {
    let mut adult = child("a1", false, false, false);
    adult.kind = SubjectKind::VulnerableAdult;
    adult.name = text("Adult B");
    adult
}

/// Thursday 5 June 2025, 10:00 BST: the day before the TT Bank Holiday.
const RAISED: &str = "2025-06-05T09:00:00Z";

fn raised() -> Harness {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "adult-social-care");
    r.area = "adult-protection-case-conference".parse().unwrap();
    r.subjects = vec![vulnerable_adult()];
    Harness::raise(POLICY, r, &nurse(), at(RAISED)).unwrap()
}

fn escalate(h: &mut Harness, to: u8, by: &Actor, now: &str) -> Vec<accord_case::Event> {
    h.ok(
        Command::Escalate {
            to: stage(to),
            reason: text("Unresolved"),
        },
        by,
        at(now),
    )
}

fn at_stage_three() -> Harness {
    let mut h = raised();
    escalate(&mut h, 2, &nurse_manager(), "2025-06-09T13:00:00Z");
    escalate(&mut h, 3, &senior_manager(), "2025-06-11T13:00:00Z");
    h
}

/// IOM-1: "This policy and guidance focusses on all organisations who work
/// with children, young people and vulnerable adults" (§1). A disagreement
/// about a vulnerable adult is a case here.
#[test]
fn isle_of_man_accepts_a_case_about_a_vulnerable_adult() {
    let h = raised();
    assert_eq!(h.case.subjects()[0].kind, SubjectKind::VulnerableAdult);
    assert_eq!(h.case.stage(), stage(1));
    assert_eq!(h.case.status(), Status::Open);
}

/// IOM-5 and IOM-10: Stage One "within 1 working day" on the Isle of Man
/// calendar. Raised on Thursday 5 June 2025, the day before the TT Bank
/// Holiday, it is due at the end of Monday 9 June (midnight BST).
#[test]
fn isle_of_man_stage1_is_one_working_day_around_the_tt_holiday() {
    let h = raised();
    assert_eq!(
        h.case.due(),
        Due::At {
            instant: at("2025-06-09T23:00:00Z"),
            last_day: date("2025-06-09"),
        }
    );
    assert!(!h.case.is_overdue(at("2025-06-09T22:59:59Z")));
    assert!(h.case.is_overdue(at("2025-06-09T23:00:00Z")));
}

/// IOM-6: Stage Two "within 2 working days" of the line managers taking it
/// up; IOM-7: Stage Three has no fixed timescale.
#[test]
fn isle_of_man_stage2_is_two_working_days_and_stage3_open_ended() {
    let mut h = raised();
    escalate(&mut h, 2, &nurse_manager(), "2025-06-09T13:00:00Z");
    assert_eq!(due_day(&h.case), date("2025-06-11"));
    escalate(&mut h, 3, &senior_manager(), "2025-06-11T13:00:00Z");
    assert_eq!(h.case.due(), Due::AsSoonAsPossible);
}

/// IOM-10: Tynwald Day, Saturday 5 July 2025, is kept on Monday 7 July, so
/// Stage Two entered on Thursday 3 July is due on Tuesday 8 July.
#[test]
fn isle_of_man_stage2_skips_the_tynwald_substitute_day() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "adult-social-care");
    r.subjects = vec![vulnerable_adult()];
    let mut h = Harness::raise(POLICY, r, &nurse(), at("2025-07-02T09:00:00Z")).unwrap();
    escalate(&mut h, 2, &nurse_manager(), "2025-07-03T09:00:00Z");
    assert_eq!(due_day(&h.case), date("2025-07-08"));
}

/// IOM-3: "a need to make a direct complaint about an individual's poor
/// practice within another agency ... should be managed outside of the
/// escalation procedural process" (Areas falling outside of this Procedure).
#[test]
fn isle_of_man_a_complaint_about_an_individual_is_not_a_case() {
    let (policy, _) = policy(POLICY);
    let mut r = raise(policy, "adult-social-care");
    r.signpost = Some("complaint-about-individual".parse::<SignpostId>().unwrap());
    let refused = Harness::raise(POLICY, r, &nurse(), at(RAISED))
        .err()
        .unwrap();
    assert!(
        matches!(refused, Refusal::OutOfScope { ref go_to, .. } if go_to.contains("complaint or grievance"))
    );
    assert_eq!(refused.section(), "Areas falling outside of this Procedure");
}

/// IOM-4 (reading): "There should be no deviation by any organisation with
/// following the resolution process unless information indicates that a
/// child or vulnerable adult is at immediate risk of significant harm and
/// only then must the process be urgently expedited" (Resolving
/// Professional Differences). Expedited: with immediate risk, and a reason
/// on the record, the case may start at Stage Two or Three; never at the
/// Board, and never without the risk. The safeguarding lead is told at once.
#[test]
fn isle_of_man_immediate_risk_may_start_at_stage_two_or_three_with_a_reason() {
    let (policy, _) = policy(POLICY);
    let mut adult = vulnerable_adult();
    adult.immediate_risk = true;
    let mut r = raise(policy, "adult-social-care");
    r.subjects = vec![adult];
    let later = |n: u8| {
        Some(LaterStart {
            stage: stage(n),
            reason: text("Adult B was assaulted at home last night and the carer remains there."),
        })
    };

    r.start_at = later(4);
    let refused = Harness::raise(POLICY, r.clone(), &nurse(), at(RAISED))
        .err()
        .unwrap();
    assert!(
        matches!(refused, Refusal::ImmediateRiskEntryNotAllowed { ref allowed, .. }
            if *allowed == [stage(2), stage(3)]),
        "{refused:?}"
    );
    assert_eq!(refused.section(), "Resolving Professional Differences");

    let mut no_risk = r.clone();
    no_risk.subjects = vec![vulnerable_adult()];
    no_risk.start_at = later(3);
    assert!(matches!(
        Harness::raise(POLICY, no_risk, &nurse(), at(RAISED)),
        Err(Refusal::LaterStartNeedsImmediateRisk { .. })
    ));

    r.start_at = later(3);
    let h = Harness::raise(POLICY, r, &senior_manager(), at(RAISED)).unwrap();
    assert_eq!(h.case.stage(), stage(3));
    assert_eq!(
        h.case.current_visit().reason.as_ref().unwrap().as_str(),
        "Adult B was assaulted at home last night and the carer remains there."
    );
    assert!(notifies(
        &h.events,
        "safeguarding-lead",
        Occasion::ImmediateRisk
    ));
}

/// Tuesday 1 July 2025, 10:30 BST: the senior manager refers the case to
/// the Safeguarding Board, the week Tynwald Day (Saturday 5 July) is kept on
/// Monday 7 July.
const REFERRED: &str = "2025-07-01T09:30:00Z";

/// The outcome of agreed actions section, which the Director fills in
/// before Stage Four ends.
const OUTCOME_FIELDS: [&str; 3] = ["outcome-of-discussion", "agreed-actions", "date-returned"];

/// Stage Three exhausted on 1 July, the referral form in on 2 July: the
/// case at the Board, with the events that took it there.
fn at_stage_four() -> (Harness, Vec<accord_case::Event>) {
    let mut h = at_stage_three();
    escalate(&mut h, 4, &senior_manager(), REFERRED);
    let entered = h.ok(
        submit(h.policy, "referral-form", &OUTCOME_FIELDS),
        &senior_manager(),
        at("2025-07-02T09:00:00Z"),
    );
    assert_eq!(h.case.stage(), stage(4));
    (h, entered)
}

fn referral_form() -> accord_policy::FormId {
    "referral-form".parse().unwrap()
}

/// The referral form's deadline: the end of the fifth Isle of Man working
/// day after 1 July 2025, Tynwald Day's substitute excepted: Wednesday 9
/// July, midnight BST.
fn referral_due() -> Due {
    Due::At {
        instant: at("2025-07-09T23:00:00Z"),
        last_day: date("2025-07-09"),
    }
}

/// IOM-9 and IOM-10 (reading): "If stages 1-3 have been exhausted and the
/// matter remains unresolved the senior manager from the concerned agency
/// should notify the Director of Multi-Agency Safeguarding by completing the
/// referral form and highlighting the issues/ concerns within 5 working
/// days" (Appendix 1); "The escalation to the Safeguarding Board should be
/// made via the Senior Manager ... by using the 'Resolving Professional
/// Differences Escalation Referral Form'" (Stage Four). The escalation out
/// of Stage Three ends it and starts the 5 working days; the case reaches
/// the Board only with the form, and the Director is told by the form.
#[test]
fn isle_of_man_stage4_is_entered_by_the_referral_form_within_5_working_days_of_stage3_ending() {
    let mut h = at_stage_three();
    // Before escalating, nothing stands in the way, and the screen can say
    // the form will be awaited.
    assert!(
        h.case
            .outstanding(h.policy, accord_policy::Before::Escalate)
            .is_empty()
    );
    let awaited = h.case.awaited_on_escalation(h.policy);
    assert_eq!(awaited.len(), 1);
    assert_eq!(awaited[0].form, referral_form());
    let decided = escalate(&mut h, 4, &senior_manager(), REFERRED);
    assert!(matches!(
        &decided[0].body,
        EventBody::EscalationDecided { from, to, form_dues, .. }
            if *from == stage(3) && *to == stage(4)
                && form_dues.len() == 1 && form_dues[0].due == referral_due()
    ));
    // Not at the Board yet, and nobody there is told: nothing is referred.
    assert_eq!(h.case.stage(), stage(3));
    assert_eq!(decided.len(), 1, "{decided:?}");
    let awaited = h.case.awaiting_entry().expect("the referral is awaited");
    assert_eq!(awaited.to, stage(4));
    assert_eq!(awaited.decided_at, at(REFERRED));
    // The 5 working days run from the end of Stage Three, skipping Tynwald
    // Day's substitute (Monday 7 July): the case is due then.
    assert_eq!(h.case.form_due(&referral_form()), Some(referral_due()));
    assert_eq!(h.case.due(), referral_due());
    assert!(!h.case.is_overdue(at("2025-07-09T22:59:59Z")));
    assert!(h.case.is_overdue(at("2025-07-09T23:00:00Z")));
    // Escalating again does not move it: the form does.
    let refused = h
        .run(
            Command::Escalate {
                to: stage(4),
                reason: text("Unresolved"),
            },
            &senior_manager(),
            at("2025-07-02T08:00:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(&refused, Refusal::EntryAwaitsForms { stage: s, forms, .. }
            if *s == stage(4) && *forms == ["Resolving Professional Differences Escalation Referral Form"]),
        "{refused:?}"
    );
    assert!(
        refused
            .to_string()
            .contains("submit the Resolving Professional Differences Escalation Referral Form")
    );
    assert!(
        !h.case
            .offers(h.policy, &senior_manager())
            .contains(&accord_case::Offer::Escalate { to: stage(4) })
    );
    assert!(
        h.case
            .offers(h.policy, &senior_manager())
            .contains(&accord_case::Offer::SubmitForm(referral_form()))
    );

    // The referral part must be complete on submission (the outcome
    // section is the Director's, filled in before the stage ends); an
    // incomplete form neither enters Stage Four nor is kept.
    let incomplete = submit(
        h.policy,
        "referral-form",
        &[
            "issues-and-concerns",
            "outcome-of-discussion",
            "agreed-actions",
            "date-returned",
        ],
    );
    let refused = h
        .run(incomplete, &senior_manager(), at("2025-07-03T09:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::FormIncomplete { ref missing_fields, .. }
        if missing_fields.iter().map(|f| f.path.as_str()).collect::<Vec<_>>() == ["issues-and-concerns"])
    );
    assert_eq!(h.case.stage(), stage(3));

    let entered = h.ok(
        submit(h.policy, "referral-form", &OUTCOME_FIELDS),
        &senior_manager(),
        at("2025-07-03T09:00:00Z"),
    );
    assert!(matches!(entered[0].body, EventBody::FormSubmitted { .. }));
    assert!(matches!(
        &entered[1].body,
        EventBody::Escalated { from, to, reason, .. }
            if *from == stage(3) && *to == stage(4) && reason.as_str() == "Unresolved"
    ));
    assert_eq!(h.case.stage(), stage(4));
    assert_eq!(h.case.current_visit().entered_by, senior_manager());
    // The Director is told once, by the form: Stage Four's entry
    // notification, with this submission attached.
    let director: Vec<_> = notifications(&entered)
        .into_iter()
        .filter(|n| n.to.id() == "director-of-multi-agency-safeguarding")
        .collect();
    assert_eq!(director.len(), 1, "{director:?}");
    assert_eq!(director[0].occasion, Occasion::StageEntry);
    assert_eq!(director[0].section, "Stage Four");
    assert_eq!(director[0].attach[0].form, referral_form());
    assert_eq!(director[0].attach[0].submission, Some(entered[0].sequence));
    // In on time: the Board has no timescale, and nothing is outstanding.
    assert_eq!(h.case.stage_due(), Due::AsSoonAsPossible);
    assert_eq!(h.case.due(), Due::AsSoonAsPossible);
    assert!(h.case.pending_form_dues().is_empty());
    assert!(h.case.awaiting_entry().is_none());
    assert!(!h.case.is_overdue(at("2025-07-10T09:00:00Z")));
}

/// IOM-9: a referral form completed before the senior manager escalates
/// takes the case to the Board at once, the Director told with it.
#[test]
fn isle_of_man_a_referral_form_completed_first_takes_the_case_straight_to_the_board() {
    let mut h = at_stage_three();
    h.ok(
        submit(h.policy, "referral-form", &OUTCOME_FIELDS),
        &senior_manager(),
        at("2025-07-01T09:00:00Z"),
    );
    let entered = escalate(&mut h, 4, &senior_manager(), REFERRED);
    assert!(matches!(entered[0].body, EventBody::Escalated { .. }));
    assert_eq!(h.case.stage(), stage(4));
    let director = notifications(&entered)
        .into_iter()
        .find(|n| n.to.id() == "director-of-multi-agency-safeguarding")
        .expect("the Director is told");
    assert!(director.attach[0].submission.is_some());
}

/// IOM-9 and IOM-4 (reading): "In the unlikely event that the issue is not
/// resolved by the steps described above and/or the discussions raise
/// significant policy issues, the matter should be urgently referred to the
/// Safeguarding Board for resolution" (Stage Four). From Stage One or Two a
/// case goes straight to the Board when the referral form says the
/// discussions raise significant policy issues, and not otherwise.
#[test]
fn isle_of_man_significant_policy_issues_go_straight_to_the_board() {
    let mut h = raised();
    let to_board = Command::Escalate {
        to: stage(4),
        reason: text(
            "The discussions raise a significant policy issue: the threshold guidance for adults with fluctuating capacity.",
        ),
    };
    let refused = h
        .run(
            to_board.clone(),
            &senior_manager(),
            at("2025-06-05T13:00:00Z"),
        )
        .unwrap_err();
    assert_eq!(
        refused,
        Refusal::DirectEntryNotJustified {
            from: stage(1),
            stage: stage(4),
            next: stage(2),
            title: "Resolving Professional Differences Escalation Referral Form".into(),
            question: "Do the discussions raise significant policy issues?".into(),
            section: "Stage Four".into(),
        }
    );
    // Stage Three is not a route from Stage One.
    assert!(matches!(
        h.run(
            Command::Escalate {
                to: stage(3),
                reason: text("Unresolved")
            },
            &senior_manager(),
            at("2025-06-05T13:00:00Z")
        ),
        Err(Refusal::StageSkip { .. })
    ));
    // The form is offered here, since it is the way to the Board.
    assert!(
        h.case
            .offers(h.policy, &senior_manager())
            .contains(&accord_case::Offer::SubmitForm(referral_form()))
    );
    // A form that says "no" is not a reason to pass over the stages.
    let no = accord_case::Command::SubmitForm {
        form: referral_form(),
        values: fill(form(h.policy, "referral-form"), &OUTCOME_FIELDS).with(
            "significant-policy-issues".parse().unwrap(),
            accord_case::FieldValue::YesNo(false),
        ),
    };
    h.ok(no, &senior_manager(), at("2025-06-05T13:00:00Z"));
    assert!(matches!(
        h.run(
            to_board.clone(),
            &senior_manager(),
            at("2025-06-05T13:10:00Z")
        ),
        Err(Refusal::DirectEntryNotJustified { .. })
    ));
    assert!(
        !h.case
            .offers(h.policy, &senior_manager())
            .contains(&accord_case::Offer::Escalate { to: stage(4) })
    );
    h.ok(
        submit(h.policy, "referral-form", &OUTCOME_FIELDS),
        &senior_manager(),
        at("2025-06-05T13:20:00Z"),
    );
    assert!(
        h.case
            .offers(h.policy, &senior_manager())
            .contains(&accord_case::Offer::Escalate { to: stage(4) })
    );
    let entered = h.ok(to_board, &senior_manager(), at("2025-06-05T13:30:00Z"));
    assert!(matches!(
        &entered[0].body,
        EventBody::Escalated { from, to, .. } if *from == stage(1) && *to == stage(4)
    ));
    assert_eq!(h.case.stage(), stage(4));
    assert!(notifies(
        &entered,
        "director-of-multi-agency-safeguarding",
        Occasion::StageEntry
    ));
    // The Board then works as ever: the Independent Chair decides.
    assert_eq!(h.case.due(), Due::AsSoonAsPossible);
}

/// IOM-9: the referral form "within 5 working days" (Appendix 1) of Stages
/// One to Three being exhausted. A form still missing at the end of
/// Wednesday 9 July is a breach of Stage Three, where the case still is,
/// recorded once, and its breach notifications fire; the late form then
/// takes the case to the Board, with no deadline left to breach.
#[test]
fn isle_of_man_a_late_referral_form_is_a_breach() {
    let mut h = at_stage_three();
    escalate(&mut h, 4, &senior_manager(), REFERRED);
    let refused = h
        .run(
            Command::RecordBreach,
            &senior_manager(),
            at("2025-07-09T22:59:59Z"),
        )
        .unwrap_err();
    assert_eq!(
        refused,
        Refusal::NotOverdue {
            due: at("2025-07-09T23:00:00Z"),
            section: "DESIGN.md §3".into(),
        }
    );
    let events = h.ok(
        Command::RecordBreach,
        &senior_manager(),
        at("2025-07-10T08:00:00Z"),
    );
    assert_eq!(
        events[0].body,
        EventBody::BreachRecorded {
            stage: stage(3),
            due: referral_due(),
            form: Some(referral_form()),
        }
    );
    let breach = &h.case.current_visit().breaches;
    assert_eq!(breach.len(), 1);
    assert_eq!(breach[0].form, Some(referral_form()));
    let told: Vec<&str> = notifications(&events)
        .into_iter()
        .map(|n| {
            assert_eq!(n.occasion, Occasion::Breach);
            assert_eq!(n.section, "Appendix 1, Stage Four");
            n.to.id()
        })
        .collect();
    // A late referral form tells the senior managers and the tier above them.
    assert_eq!(told, ["stage-leads", "next-tier-up"]);
    assert!(
        notifications(&events)[0]
            .message
            .contains("referral form has not been completed within 5 working days")
    );
    assert!(matches!(
        h.run(
            Command::RecordBreach,
            &senior_manager(),
            at("2025-07-10T09:00:00Z")
        ),
        Err(Refusal::BreachAlreadyRecorded { .. })
    ));

    // The late form still comes in, and takes the case to the Board.
    h.ok(
        submit(h.policy, "referral-form", &OUTCOME_FIELDS),
        &senior_manager(),
        at("2025-07-10T10:00:00Z"),
    );
    assert_eq!(h.case.stage(), stage(4));
    assert!(!h.case.is_overdue(at("2025-07-10T11:00:00Z")));
    assert!(matches!(
        h.run(
            Command::RecordBreach,
            &senior_manager(),
            at("2025-07-10T11:00:00Z")
        ),
        Err(Refusal::NoDeadline { .. })
    ));
}

/// IOM-9: "The outcome of the discussion and any agreed actions should be
/// recorded on the 'outcome of agreed actions section' of the referral form
/// and returned back to the responsible agency who made the referral"
/// (Stage Four). The Independent Chair decides; the stage cannot end until
/// the outcome of the discussion is on the form ("any agreed actions" may
/// be none), and the completed form goes back to the referring agency.
#[test]
fn isle_of_man_outcome_is_recorded_on_the_form_and_returned() {
    let (mut h, _) = at_stage_four();

    let resolve = Command::Resolve {
        route: ResolutionRoute::Decision,
        outcome: text("Adult social care will convene an Adult Protection Case Conference."),
        outstanding_issues: text("The Board's policy subgroup will review the threshold guidance."),
    };
    assert!(matches!(
        h.run(
            resolve.clone(),
            &senior_manager(),
            at("2025-07-04T09:00:00Z")
        ),
        Err(Refusal::NotTheDecider { .. })
    ));
    let refused = h
        .run(
            resolve.clone(),
            &independent_chair(),
            at("2025-07-04T09:00:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::FormIncomplete { ref missing_fields, .. }
        if missing_fields.iter().map(|f| f.path.as_str()).collect::<Vec<_>>() == ["outcome-of-discussion"])
    );
    assert_eq!(refused.section(), "Stage Four; Appendix 1");

    // The outcome of the discussion alone completes it: no agreed actions,
    // no date returned.
    let returned = h.ok(
        submit(
            h.policy,
            "referral-form",
            &["agreed-actions", "date-returned"],
        ),
        &director(),
        at("2025-07-04T10:00:00Z"),
    );
    assert!(notifies(
        &returned,
        "raiser-agency-lead",
        Occasion::FormReturned
    ));
    let events = h.ok(resolve, &independent_chair(), at("2025-07-04T11:00:00Z"));
    let back = notifications(&events)
        .into_iter()
        .find(|n| n.occasion == Occasion::Resolved)
        .unwrap();
    assert_eq!(back.to.id(), "raiser-agency-lead");
    assert_eq!(back.attach[0].submission, Some(returned[0].sequence));
    // The document names nobody else to hear of the outcome (its
    // `feedback_to` is empty), so the policy's alerts tell the person who
    // raised it, once.
    let raiser: Vec<_> = notifications(&events)
        .into_iter()
        .filter(|n| n.to.id() == "raiser")
        .collect();
    assert_eq!(raiser.len(), 1);
    assert_eq!(raiser[0].occasion, Occasion::OutcomeFeedback);
    assert_eq!(raiser[0].section, "DESIGN.md §3");
    // The Board's decision is not called final: the case awaits closure.
    assert_eq!(h.case.status(), Status::Resolved);
    h.ok(
        accord_case::Command::Close {
            missing_confirmations: vec![],
        },
        &director(),
        at("2025-07-07T09:00:00Z"),
    );
    assert_eq!(h.case.status(), Status::Closed);
    assert!(matches!(
        h.events.last().unwrap().body,
        EventBody::Closed { .. }
    ));
}

/// IOM-8: "the most senior staff member should escalate their concerns to
/// the next tier of management" (Stage Two). Every escalation records who
/// decided it and why.
#[test]
fn isle_of_man_escalation_records_who_decided_and_why() {
    let h = at_stage_three();
    let visit = h.case.current_visit();
    assert_eq!(visit.entered_by, senior_manager());
    assert_eq!(visit.reason.as_ref().unwrap().as_str(), "Unresolved");
}
