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

/// IOM-4: "There should be no deviation ... unless information indicates
/// that a child or vulnerable adult is at immediate risk of significant
/// harm and only then must the process be urgently expedited": the safeguarding
/// lead is told, but no stage is skipped.
#[test]
fn isle_of_man_immediate_risk_expedites_but_skips_no_stage() {
    let (policy, _) = policy(POLICY);
    let mut adult = vulnerable_adult();
    adult.immediate_risk = true;
    let mut r = raise(policy, "adult-social-care");
    r.subjects = vec![adult];
    r.start_at = Some(LaterStart {
        stage: stage(3),
        reason: text("Immediate risk"),
    });
    let refused = Harness::raise(POLICY, r.clone(), &nurse(), at(RAISED))
        .err()
        .unwrap();
    assert!(
        matches!(refused, Refusal::ImmediateRiskEntryNotAllowed { ref allowed, .. } if allowed.is_empty())
    );
    r.start_at = None;
    let h = Harness::raise(POLICY, r, &nurse(), at(RAISED)).unwrap();
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

fn at_stage_four() -> (Harness, Vec<accord_case::Event>) {
    let mut h = at_stage_three();
    let entered = escalate(&mut h, 4, &senior_manager(), REFERRED);
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
/// days" (Appendix 1), "for the attention of the Director of Multi-agency
/// Safeguarding" (Stage Four). The case enters Stage Four on the decision to
/// refer, the Director is told at once, the form is due 5 Isle of Man
/// working days later, and Stage Four cannot be resolved without it.
#[test]
fn isle_of_man_stage4_referral_form_goes_to_the_director() {
    let (mut h, entered) = at_stage_four();
    assert_eq!(h.case.stage(), stage(4));
    let director_told = notifications(&entered)
        .into_iter()
        .find(|n| n.to.id() == "director-of-multi-agency-safeguarding")
        .expect("the Director is notified");
    assert_eq!(director_told.occasion, Occasion::StageEntry);
    assert_eq!(director_told.section, "Stage Four");
    assert_eq!(director_told.attach.len(), 1);
    assert_eq!(director_told.attach[0].form, referral_form());
    assert_eq!(director_told.attach[0].submission, None);

    // The Board has no timescale; the form's 5 working days are the case's
    // deadline, skipping Monday 7 July.
    assert_eq!(h.case.stage_due(), Due::AsSoonAsPossible);
    assert_eq!(h.case.form_due(&referral_form()), Some(referral_due()));
    assert_eq!(h.case.due(), referral_due());
    assert_eq!(h.case.pending_form_dues().len(), 1);
    assert!(matches!(
        &entered[0].body,
        EventBody::Escalated { form_dues, .. }
            if form_dues.len() == 1 && form_dues[0].due == referral_due()
    ));
    assert!(!h.case.is_overdue(at("2025-07-09T22:59:59Z")));
    assert!(h.case.is_overdue(at("2025-07-09T23:00:00Z")));

    let resolve = Command::Resolve {
        route: ResolutionRoute::Decision,
        outcome: text("Adult social care will convene an Adult Protection Case Conference."),
        outstanding_issues: text("None."),
    };
    let refused = h
        .run(resolve, &independent_chair(), at("2025-07-02T09:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::FormNotSubmitted { ref form, stage: s, .. }
        if *form == referral_form() && s == stage(4))
    );
    assert_eq!(refused.section(), "Stage Four; Appendix 1");

    // The referral part must be complete on submission; the outcome
    // section is filled in before the stage ends.
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
    let outcome_fields = ["outcome-of-discussion", "agreed-actions", "date-returned"];
    let submitted = h.ok(
        submit(h.policy, "referral-form", &outcome_fields),
        &senior_manager(),
        at("2025-07-03T09:00:00Z"),
    );
    let sent = notifications(&submitted)
        .into_iter()
        .find(|n| n.to.id() == "director-of-multi-agency-safeguarding")
        .expect("the form goes to the Director");
    assert_eq!(sent.occasion, Occasion::FormSubmitted);
    assert_eq!(sent.attach[0].submission, Some(submitted[0].sequence));
    // In on time: nothing is outstanding, and the Board has no timescale.
    assert_eq!(h.case.form_due(&referral_form()), None);
    assert!(h.case.pending_form_dues().is_empty());
    assert_eq!(h.case.form_dues()[0].due, referral_due());
    assert_eq!(h.case.due(), Due::AsSoonAsPossible);
    assert!(!h.case.is_overdue(at("2025-07-10T09:00:00Z")));
}

/// IOM-9: the referral form "within 5 working days" (Appendix 1). A form
/// still missing at the end of Wednesday 9 July is a breach of Stage Four,
/// recorded once, and the stage's breach notifications fire; once the form
/// is in there is no deadline left to breach.
#[test]
fn isle_of_man_a_late_referral_form_is_a_breach() {
    let (mut h, _) = at_stage_four();
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
            stage: stage(4),
            due: referral_due(),
            form: Some(referral_form()),
        }
    );
    let breach = &h.case.current_visit().breaches;
    assert_eq!(breach.len(), 1);
    assert_eq!(breach[0].form, Some(referral_form()));
    let stage_four = h.case.current_stage(h.policy).unwrap();
    let expected: Vec<&str> = stage_four
        .notifications
        .iter()
        .filter(|n| n.on == accord_policy::Trigger::Breach)
        .map(|n| n.to.id())
        .collect();
    let told: Vec<&str> = notifications(&events)
        .into_iter()
        .map(|n| {
            assert_eq!(n.occasion, Occasion::Breach);
            n.to.id()
        })
        .collect();
    assert_eq!(told, expected);
    // A late referral form tells the senior managers and the tier above them.
    assert_eq!(told, ["stage-leads", "next-tier-up"]);
    assert!(matches!(
        h.run(
            Command::RecordBreach,
            &senior_manager(),
            at("2025-07-10T09:00:00Z")
        ),
        Err(Refusal::BreachAlreadyRecorded { .. })
    ));

    // The late form still comes in; then nothing is outstanding.
    h.ok(
        submit(
            h.policy,
            "referral-form",
            &["outcome-of-discussion", "agreed-actions", "date-returned"],
        ),
        &senior_manager(),
        at("2025-07-10T10:00:00Z"),
    );
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
    let outcome_fields = ["outcome-of-discussion", "agreed-actions", "date-returned"];
    h.ok(
        submit(h.policy, "referral-form", &outcome_fields),
        &senior_manager(),
        at("2025-07-02T09:00:00Z"),
    );

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
