//! Property tests of the case state machine: random sequences of commands,
//! from random people at random times, under every built-in policy.
//!
//! Whatever is asked, a case never moves down a stage, never changes an
//! event it already has, never reopens without an event that says so, a
//! change of circumstances moves only the subject's flags, and its state is
//! always the fold of its stream (DESIGN.md §4, §5).
//!
//! And the random commands reach far enough for that to mean something
//! (issue 20): if most of them began to be refused, every invariant would
//! hold of cases that never moved. So the run also counts how many of its
//! scenarios took a case above its first stage, convened a panel, and
//! closed a case, and how many commands were accepted, and fails if any of
//! those falls away.

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
        /// The role each side took part in (a stage may ask for a
        /// discussion between, say, each side's manager).
        roles: [usize; 2],
        agreement: bool,
        /// Both sides in the role the stage's record asks for, where it
        /// names one, instead of `roles`: so that runs meet what each stage
        /// needs before a case moves on, and climb.
        as_asked: bool,
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
        8 => (0..5usize, 0..5usize, 0..4u8, any::<bool>()).prop_map(|(a, b, asked, agreement)| {
            // Mostly as the stage asks, sometimes anyhow.
            Step::Discuss { roles: [a, b], agreement, as_asked: asked > 0 }
        }),
        3 => (0..4usize).prop_map(Step::Approve),
        1 => Just(Step::AgreeAction),
        1 => (0..4usize).prop_map(Step::CompleteAction),
        4 => (0..4usize, any::<bool>()).prop_map(|(form, leave_out_first)| Step::SubmitForm { form, leave_out_first }),
        12 => prop_oneof![1 => Just(-1i8), 1 => Just(0), 6 => Just(1), 1 => Just(2)].prop_map(Step::Escalate),
        1 => (1u32..4).prop_map(Step::Extend),
        1 => Just(Step::Breach),
        4 => (1u8..5, any::<bool>(), any::<bool>()).prop_map(|(agencies, with_parties, reason)| Step::Convene { agencies, with_parties, reason }),
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
        // The chair holds each policy's chair role, which decides at the
        // top of the ladder and convenes its panel.
        holding(
            "chair",
            "partnership",
            RoleTier::Chair,
            &[
                "hscp-chair",
                "pscb-chair",
                "erscp-chair",
                "independent-chair",
            ],
        ),
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

/// Someone of `agency` who holds `role` (a tier, or a role the policy
/// declares), entered in the directory, and the role to record them in;
/// the raiser for the raiser, and a practitioner where no role is named.
fn member(
    policy: &accord_policy::Policy,
    of: &accord_case::AgencyId,
    role: Option<&accord_policy::RoleRef>,
) -> (accord_case::Actor, String) {
    use accord_policy::{Relation, RoleRef};
    match role {
        Some(RoleRef::Relation(Relation::Raiser)) if of.as_str() == "agency-a" => {
            (people()[0].clone(), "practitioner".to_owned())
        }
        Some(RoleRef::Tier(tier)) => (
            actor(&format!("{of}-{}", tier.id()), of.as_str(), *tier),
            tier.id().to_owned(),
        ),
        Some(RoleRef::Declared(id)) => {
            let tier = policy.role(id).map_or(RoleTier::SeniorManager, |r| r.tier);
            (
                holding(&format!("{of}-{id}"), of.as_str(), tier, &[id.as_str()]),
                id.to_string(),
            )
        }
        _ => (
            actor(
                &format!("{of}-practitioner"),
                of.as_str(),
                RoleTier::Practitioner,
            ),
            "practitioner".to_owned(),
        ),
    }
}

fn command(h: &Harness, step: &Step, who: &accord_case::Actor, now: Timestamp) -> Command {
    let people = people();
    let pick = |i: usize, n: usize| if n == 0 { 0 } else { i % n };
    match step {
        Step::Discuss {
            roles,
            agreement,
            as_asked,
        } => {
            let stage = h
                .policy
                .track(h.case.track())
                .and_then(|t| t.stage(h.case.stage()));
            match stage.filter(|_| *as_asked) {
                // As the stage asks: each side by someone of its agency in
                // the role that leads the stage, and, where a record must
                // be made with someone of a role, one of that role from
                // each side too.
                Some(stage) => {
                    let [raising, other] = [agency("agency-a"), agency("agency-b")];
                    let mut who = vec![
                        member(h.policy, &raising, stage.leads.raising.first()),
                        member(h.policy, &other, stage.leads.other.first()),
                    ];
                    if let Some(with) = stage.requirements.iter().find_map(|r| r.with.as_ref()) {
                        who.push(member(h.policy, &raising, Some(with)));
                        who.push(member(h.policy, &other, Some(with)));
                    }
                    let who: Vec<(&accord_case::Actor, &str)> =
                        who.iter().map(|(a, r)| (a, r.as_str())).collect();
                    discussion(now, &who, *agreement)
                }
                None => discussion(
                    now,
                    &[(&people[0], ROLES[roles[0]]), (&people[3], ROLES[roles[1]])],
                    *agreement,
                ),
            }
        }
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
            // Each seat taken by someone holding a role the stage's panel
            // seats, of a Board agency or, with the parties, of each side.
            let seats = h
                .policy
                .track(h.case.track())
                .and_then(|t| t.stage(h.case.stage()))
                .and_then(|s| s.panel.as_ref())
                .and_then(|p| p.seats.first().cloned());
            let seat = |of: &str| {
                let (a, _) = member(h.policy, &agency(of), seats.as_ref());
                PanelSeat {
                    person: a.person,
                    agency: a.agency,
                }
            };
            let mut members: Vec<PanelSeat> = (0..*agencies)
                .map(|i| seat(&format!("board-agency-{i}")))
                .collect();
            if *with_parties {
                for party in ["agency-a", "agency-b"] {
                    members.push(seat(party));
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
        prop::collection::vec((step(), 0..7usize, 0u16..80), 0..100),
    )
}

/// How far one scenario took its case.
#[derive(Debug, Default)]
struct Reached {
    above_first_stage: bool,
    panel_convened: bool,
    closed: bool,
    accepted: usize,
    asked: usize,
}

/// How far the whole run reached: scenarios reaching each point, and
/// commands accepted of those asked.
#[derive(Debug, Default)]
struct Coverage {
    scenarios: usize,
    above_first_stage: usize,
    panel_convened: usize,
    closed: usize,
    accepted: usize,
    asked: usize,
}

impl Coverage {
    fn add(&mut self, r: &Reached) {
        self.scenarios += 1;
        self.above_first_stage += usize::from(r.above_first_stage);
        self.panel_convened += usize::from(r.panel_convened);
        self.closed += usize::from(r.closed);
        self.accepted += r.accepted;
        self.asked += r.asked;
    }
}

#[test]
fn commands_never_rewrite_history_or_move_a_case_backwards() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(200));
    let coverage = std::sync::Mutex::new(Coverage::default());
    let result = runner.run(&scenario(), |(p, looked_after, steps)| {
        let reached = one_scenario(p, looked_after, &steps)?;
        coverage.lock().unwrap().add(&reached);
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let c = coverage.into_inner().unwrap();
    // Floors well under what a run reaches (about two scenarios in three
    // leave their first stage, one in three closes, one in twenty convenes
    // a panel, and a quarter of commands are accepted), and far above what
    // a run of refusals would.
    eprintln!("{c:?}");
    assert!(
        c.above_first_stage * 4 >= c.scenarios,
        "too few cases left their first stage: {c:?}"
    );
    assert!(
        c.closed * 20 >= c.scenarios,
        "too few cases were closed: {c:?}"
    );
    assert!(
        c.panel_convened * 100 >= c.scenarios,
        "too few panels were convened: {c:?}"
    );
    assert!(
        c.accepted * 10 >= c.asked,
        "too many commands were refused: {c:?}"
    );
}

/// One random scenario: the invariants after every command, and how far
/// the case got.
fn one_scenario(
    p: usize,
    looked_after: bool,
    steps: &[(Step, usize, u16)],
) -> Result<Reached, TestCaseError> {
    let people = people();
    let policy_id = POLICIES[p];
    let (policy, _) = common::policy(policy_id);
    let mut r = raise(policy, "agency-b");
    r.subjects = vec![child("c1", false, looked_after, false)];
    let mut now = at("2025-03-03T09:30:00Z");
    let mut h = Harness::raise(policy_id, r, &people[0], now).unwrap();
    let first_stage = h.case.stage();
    let mut reached = Reached::default();

    for (step, who, hours) in steps {
        now += SignedDuration::from_hours(i64::from(*hours));
        // A panel is convened by the chair: half the attempts are theirs,
        // so that runs which reach a panel's stage convene one.
        let who = match step {
            Step::Convene { .. } if who % 2 == 0 => &people[4],
            _ => &people[*who],
        };
        let before = h.case.clone();
        let history: Vec<Event> = h.events.clone();
        let command = command(&h, step, who, now);
        reached.asked += 1;
        match h.run(command, who, now) {
            Ok(new) => {
                reached.accepted += 1;
                reached.closed |= h.case.status().is_closed();
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
                let reopened = new
                    .iter()
                    .any(|e| matches!(e.body, EventBody::Reopened { .. }));
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
                    prop_assert_eq!(
                        [s.child_protection_plan, s.looked_after, s.immediate_risk],
                        *flags
                    );
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
    reached.above_first_stage = h.case.stage() > first_stage;
    reached.panel_convened = h
        .events
        .iter()
        .any(|e| matches!(e.body, EventBody::PanelConvened { .. }));
    // The state is the fold of the stream.
    prop_assert_eq!(&Case::fold(&h.events).unwrap(), &h.case);
    if h.case.status() == Status::Open {
        prop_assert!(h.case.outcome().is_none());
    }
    Ok(reached)
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
            roles: [0, 1],
            agreement: true,
            as_asked: false,
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
