//! Property tests of the case state machine: random sequences of commands,
//! from random people at random times, under every built-in policy.
//!
//! Whatever is asked, a case never moves down a stage, never changes an
//! event it already has, never reopens without an event that says so, a
//! change of circumstances moves only the subject's flags, and its state is
//! always the fold of its stream (DESIGN.md §4, §5).

mod common;

use accord_calendar::WorkingDays;
use accord_case::{
    ActionDetails, Amendment, Case, Command, Event, EventBody, Extension, MissingConfirmation,
    PanelSeat, Sequence, Status,
};
use accord_policy::{ResolutionRoute, RoleTier};
use common::*;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

const POLICIES: [&str; 5] = [
    "east-riding-2018",
    "havering-2022",
    "isle-of-man-2023",
    "plymouth-2025",
    "sutton-2015",
];

/// One random request.
#[derive(Debug, Clone)]
enum Step {
    Discuss {
        role: usize,
        agreement: bool,
    },
    Approve(usize),
    AgreeAction,
    CompleteAction(usize),
    SubmitForm {
        form: usize,
        leave_out_first: bool,
    },
    Escalate(i8),
    Extend(u32),
    Breach,
    Convene {
        agencies: u8,
        with_parties: bool,
        reason: bool,
    },
    Represent(usize),
    Resolve(usize),
    Confirm,
    Learn,
    Withdraw,
    Close {
        reasons: bool,
    },
    Reopen,
    Correct {
        target: u64,
        kind: u8,
    },
    ChangeCircumstances {
        subject: usize,
        flags: [bool; 3],
    },
}

fn step() -> impl Strategy<Value = Step> {
    // Weighted towards discussing and escalating, so that runs climb the
    // ladder far enough to meet forms, panels and final decisions.
    prop_oneof![
        8 => (0..5usize, any::<bool>()).prop_map(|(role, agreement)| Step::Discuss { role, agreement }),
        3 => (0..4usize).prop_map(Step::Approve),
        1 => Just(Step::AgreeAction),
        1 => (0..4usize).prop_map(Step::CompleteAction),
        4 => (0..4usize, any::<bool>()).prop_map(|(form, leave_out_first)| Step::SubmitForm { form, leave_out_first }),
        12 => prop_oneof![1 => Just(-1i8), 1 => Just(0), 6 => Just(1), 1 => Just(2)].prop_map(Step::Escalate),
        1 => (1u32..4).prop_map(Step::Extend),
        1 => Just(Step::Breach),
        2 => (1u8..5, any::<bool>(), any::<bool>()).prop_map(|(agencies, with_parties, reason)| Step::Convene { agencies, with_parties, reason }),
        2 => (0..3usize).prop_map(Step::Represent),
        2 => (0..3usize).prop_map(Step::Resolve),
        2 => Just(Step::Confirm),
        1 => Just(Step::Learn),
        1 => Just(Step::Withdraw),
        1 => any::<bool>().prop_map(|reasons| Step::Close { reasons }),
        2 => Just(Step::Reopen),
        1 => (1u64..40, 0u8..5).prop_map(|(target, kind)| Step::Correct { target, kind }),
        2 => (0..2usize, any::<[bool; 3]>()).prop_map(|(subject, flags)| Step::ChangeCircumstances { subject, flags }),
    ]
}

/// The people who act: both sides at several tiers, the partnership's
/// chair, and panel members from uninvolved agencies.
fn people() -> Vec<accord_case::Actor> {
    vec![
        actor("raiser", "agency-a", RoleTier::Practitioner),
        actor("manager-a", "agency-a", RoleTier::Manager),
        actor("other", "agency-b", RoleTier::Practitioner),
        actor("senior-b", "agency-b", RoleTier::SeniorManager),
        actor("chair", "partnership", RoleTier::Chair),
        actor("mediator", "agency-c", RoleTier::HeadOfService),
        actor("team", "partnership", RoleTier::PartnershipTeam),
    ]
}

const ROLES: [&str; 5] = [
    "practitioner",
    "manager",
    "hscp-member",
    "safeguarding-lead",
    "senior-manager",
];

fn command(h: &Harness, step: &Step, who: &accord_case::Actor, now: Timestamp) -> Command {
    let people = people();
    let pick = |i: usize, n: usize| if n == 0 { 0 } else { i % n };
    match step {
        Step::Discuss { role, agreement } => discussion(
            now,
            &[
                (&people[0], ROLES[*role]),
                (&people[3], ROLES[(*role + 1) % ROLES.len()]),
            ],
            *agreement,
        ),
        Step::Approve(i) => Command::ApproveDiscussion {
            discussion: h
                .case
                .discussions()
                .get(pick(*i, h.case.discussions().len()))
                .map_or(Sequence::FIRST, |d| d.sequence),
            approved_on: now.to_zoned_datetime(h.calendar.time_zone().clone()).date(),
        },
        Step::AgreeAction => Command::AgreeAction {
            details: ActionDetails {
                who: who.person.clone(),
                agency: who.agency.clone(),
                what: text("Share the chronology"),
                by_when: date("2030-01-01"),
            },
        },
        Step::CompleteAction(i) => Command::CompleteAction {
            action: h
                .case
                .actions()
                .get(pick(*i, h.case.actions().len()))
                .map_or(Sequence::FIRST, |a| a.sequence),
            note: None,
        },
        Step::SubmitForm {
            form,
            leave_out_first,
        } => {
            let forms = &h.policy.forms;
            if forms.is_empty() {
                return Command::RecordBreach;
            }
            let f = &forms[pick(*form, forms.len())];
            let first = f.sections[0].fields[0].id.as_str();
            let leave_out: &[&str] = if *leave_out_first { &[first] } else { &[] };
            Command::SubmitForm {
                form: f.id.clone(),
                values: fill(f, leave_out),
            }
        }
        Step::Escalate(delta) => {
            let to = i16::from(h.case.stage().get()) + i16::from(*delta);
            Command::Escalate {
                to: stage(u8::try_from(to.max(1)).unwrap()),
                reason: text("Not resolved at this stage"),
            }
        }
        Step::Extend(n) => Command::ExtendDeadline {
            by: Extension::WorkingDays(WorkingDays::new(*n).unwrap()),
            reason: text("Awaiting the GP's report"),
        },
        Step::Breach => Command::RecordBreach,
        Step::Convene {
            agencies,
            with_parties,
            reason,
        } => {
            let mut members: Vec<PanelSeat> = (0..*agencies)
                .map(|i| PanelSeat {
                    person: accord_case::PersonId::parse(&format!("member-{i}")).unwrap(),
                    agency: agency(&format!("board-agency-{i}")),
                })
                .collect();
            if *with_parties {
                for party in ["agency-a", "agency-b"] {
                    members.push(PanelSeat {
                        person: accord_case::PersonId::parse(&format!("{party}-officer")).unwrap(),
                        agency: agency(party),
                    });
                }
            }
            Command::ConvenePanel {
                members,
                shortfall_reason: reason.then(|| text("The other agency has no Board member free")),
            }
        }
        Step::Represent(i) => Command::RecordRepresentation {
            agency: agency(["agency-a", "agency-b", "agency-c"][*i]),
            summary: text("Our position"),
        },
        Step::Resolve(route) => Command::Resolve {
            route: [
                ResolutionRoute::Agreement,
                ResolutionRoute::Decision,
                ResolutionRoute::Panel,
            ][*route],
            outcome: text("A strategy discussion will be held."),
            outstanding_issues: text("None outstanding."),
        },
        Step::Confirm => Command::ConfirmOutcome {
            statement: text("Confirmed by email"),
        },
        Step::Learn => match h.policy.learning.themes.first() {
            Some(theme) => Command::RecordLearning {
                theme: theme.id.clone(),
                forwarded_to: h.policy.learning.forward_to.first().map(|g| g.id.clone()),
                note: text("Thresholds training"),
            },
            None => Command::RecordBreach,
        },
        Step::Withdraw => Command::Withdraw {
            reason: text("Resolved informally"),
        },
        Step::Close { reasons } => Command::Close {
            missing_confirmations: if *reasons {
                h.case
                    .unconfirmed_parties()
                    .into_iter()
                    .map(|agency| MissingConfirmation {
                        agency: agency.clone(),
                        reason: text("On leave; confirmed verbally"),
                    })
                    .collect()
            } else {
                Vec::new()
            },
        },
        Step::Reopen => Command::Reopen {
            reason: text("The agreed plan was not followed"),
        },
        Step::ChangeCircumstances { subject, flags } => Command::RecordChangeOfCircumstances {
            // The case's one child, or a subject it does not have.
            subject: accord_case::SubjectId::parse(["c1", "c2"][*subject]).unwrap(),
            child_protection_plan: flags[0],
            looked_after: flags[1],
            immediate_risk: flags[2],
            reason: text("Circumstances changed"),
        },
        Step::Correct { target, kind } => Command::Correct {
            corrects: Sequence::new(*target).unwrap(),
            reason: text("Recorded against the wrong child"),
            amendment: match kind {
                0 => Amendment::Erratum {
                    note: text("The date was the 4th"),
                },
                1 => Amendment::Subjects {
                    subjects: vec![child("c1", true, true, true)],
                },
                2 => Amendment::Concern {
                    concern: h.case.concern().clone(),
                },
                3 => match h.case.discussions().first() {
                    Some(d) => Amendment::Discussion {
                        record: d.record.clone(),
                    },
                    None => Amendment::Erratum {
                        note: text("Spelling"),
                    },
                },
                _ => match h.case.actions().first() {
                    Some(a) => Amendment::Action {
                        details: a.details.clone(),
                    },
                    None => Amendment::Erratum {
                        note: text("Spelling"),
                    },
                },
            },
        },
    }
}

fn scenario() -> impl Strategy<Value = (usize, bool, Vec<(Step, usize, u16)>)> {
    (
        0..POLICIES.len(),
        any::<bool>(),
        prop::collection::vec((step(), 0..7usize, 0u16..80), 0..60),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn commands_never_rewrite_history_or_move_a_case_backwards((p, looked_after, steps) in scenario()) {
        let people = people();
        let policy_id = POLICIES[p];
        let (policy, _) = common::policy(policy_id);
        let mut r = raise(policy, "agency-b");
        r.subjects = vec![child("c1", false, looked_after, false)];
        let mut now = at("2025-03-03T09:30:00Z");
        let mut h = Harness::raise(policy_id, r, &people[0], now).unwrap();

        for (step, who, hours) in &steps {
            now += SignedDuration::from_hours(i64::from(*hours));
            let who = &people[*who];
            let before = h.case.clone();
            let history: Vec<Event> = h.events.clone();
            let command = command(&h, step, who, now);
            match h.run(command, who, now) {
                Ok(new) => {
                    // Appended only: numbered on from the case's version,
                    // nothing earlier touched.
                    prop_assert!(!new.is_empty());
                    for (i, e) in new.iter().enumerate() {
                        prop_assert_eq!(e.sequence.get(), before.version().get() + 1 + i as u64);
                        prop_assert_eq!(&e.case, before.id());
                        prop_assert_eq!(e.at, now);
                    }
                    prop_assert_eq!(&h.events[..history.len()], &history[..]);
                    // Never down a stage.
                    prop_assert!(h.case.stage() >= before.stage());
                    // Never reopened without an event that says so.
                    let reopened = new.iter().any(|e| matches!(e.body, EventBody::Reopened { .. }));
                    if before.status().is_closed() && !h.case.status().is_closed() {
                        prop_assert!(reopened);
                    }
                    if reopened {
                        prop_assert!(before.status().is_closed());
                    }
                    // A change of circumstances changes the subject's flags
                    // and nothing about where the case stands; whatever it
                    // tells anyone follows it in the same append.
                    if let Step::ChangeCircumstances { flags, .. } = step {
                        let s = &h.case.subjects()[0];
                        prop_assert_eq!([s.child_protection_plan, s.looked_after, s.immediate_risk], *flags);
                        prop_assert_eq!(h.case.stage(), before.stage());
                        prop_assert_eq!(h.case.status(), before.status());
                        let changed = matches!(new[0].body, EventBody::CircumstancesChanged { .. });
                        prop_assert!(changed);
                        for e in &new[1..] {
                            let follows = matches!(&e.body, EventBody::NotificationDue(n) if n.cause == new[0].sequence);
                            prop_assert!(follows);
                        }
                    }
                    // Stable names: every event survives its serde round trip.
                    for e in &new {
                        let json = serde_json::to_string(e).unwrap();
                        prop_assert_eq!(&serde_json::from_str::<Event>(&json).unwrap(), e);
                    }
                }
                Err(refusal) => {
                    prop_assert_eq!(&h.case, &before);
                    prop_assert!(!refusal.section().is_empty());
                    prop_assert!(!refusal.to_string().is_empty());
                    // A closed case refuses all but reopening and learning.
                    if before.status().is_closed() {
                        let allowed = matches!(refusal, accord_case::Refusal::CaseClosed { .. })
                            || matches!(step, Step::Reopen | Step::Learn);
                        prop_assert!(allowed, "a closed case refused with {:?}", refusal);
                    }
                }
            }
        }
        // The state is the fold of the stream.
        prop_assert_eq!(&Case::fold(&h.events).unwrap(), &h.case);
        if h.case.status() == Status::Open {
            prop_assert!(h.case.outcome().is_none());
        }
    }
}

/// A closed case refuses everything except an explicit reopening (and
/// learning, which Sutton §7e takes "when the issue is resolved or closed").
#[test]
fn a_closed_case_refuses_everything_but_reopening() {
    let people = people();
    let (policy, _) = common::policy("havering-2022");
    let now = at("2025-03-03T09:30:00Z");
    let mut h =
        Harness::raise("havering-2022", raise(policy, "agency-b"), &people[0], now).unwrap();
    h.ok(
        discussion(
            now,
            &[(&people[0], "practitioner"), (&people[2], "practitioner")],
            true,
        ),
        &people[0],
        now,
    );
    h.ok(
        Command::Resolve {
            route: ResolutionRoute::Agreement,
            outcome: text("Agreed"),
            outstanding_issues: text("None"),
        },
        &people[0],
        now,
    );
    h.ok(
        Command::Close {
            missing_confirmations: vec![],
        },
        &people[0],
        now,
    );
    assert_eq!(h.case.status(), Status::Closed);
    for step in [
        Step::Discuss {
            role: 0,
            agreement: true,
        },
        Step::Escalate(1),
        Step::Withdraw,
        Step::Confirm,
        Step::ChangeCircumstances {
            subject: 0,
            flags: [true, true, true],
        },
    ] {
        let cmd = command(&h, &step, &people[1], now);
        assert!(matches!(
            h.run(cmd, &people[1], now),
            Err(accord_case::Refusal::CaseClosed { .. })
        ));
    }
    // Reopening needs a manager and is an event of its own.
    let reopen = Command::Reopen {
        reason: text("The plan was not followed"),
    };
    assert!(matches!(
        h.run(reopen.clone(), &people[0], now),
        Err(accord_case::Refusal::NotAManager { .. })
    ));
    let events = h.ok(reopen, &people[1], now);
    assert!(matches!(events[0].body, EventBody::Reopened { .. }));
    assert_eq!(h.case.status(), Status::Open);
    assert!(h.case.outcome().is_none());
    assert_eq!(h.case.earlier_outcomes().len(), 1);
}
