//! The demo data against what issue 3 asks of it: a partnership per
//! built-in policy with people in every role, a case open at every stage of
//! every track, overdue and within-deadline cases, resolved, closed and
//! withdrawn ones; every stream valid under the engine, the same every time
//! for the same `now`, and built without refusal whatever `now` is.

use std::{collections::HashSet, sync::OnceLock};

use accord_calendar::Calendars;
use accord_case::{Case, EventBody, Occasion, Status};
use accord_demo::{Demo, demo};
use accord_policy::{Policy, RoleRef, RoleTier};
use jiff::Timestamp;

fn world() -> &'static (Calendars, Vec<Policy>) {
    static WORLD: OnceLock<(Calendars, Vec<Policy>)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let calendars = Calendars::builtin();
        let policies = accord_policy::builtin(&calendars);
        (calendars, policies)
    })
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Monday 2 June 2025, 10:30 BST: an ordinary working morning.
const NOW: &str = "2025-06-02T09:30:00Z";

fn build(now: &str) -> Demo {
    let (calendars, policies) = world();
    demo(at(now), calendars, policies).unwrap_or_else(|e| panic!("demo at {now}: {e}"))
}

fn policy(id: &str) -> &'static Policy {
    world().1.iter().find(|p| p.id.as_str() == id).unwrap()
}

/// Each case, folded, with its policy.
fn folded(demo: &Demo) -> Vec<(&'static Policy, &accord_demo::DemoCase, Case)> {
    demo.cases
        .iter()
        .map(|c| {
            let case =
                Case::fold(&c.events).unwrap_or_else(|e| panic!("{} does not fold: {e}", c.id));
            (policy(c.policy.as_str()), c, case)
        })
        .collect()
}

#[test]
fn there_is_a_partnership_per_built_in_policy() {
    let demo = build(NOW);
    let mut policies: Vec<&str> = demo
        .partnerships
        .iter()
        .map(|p| p.policy.as_str())
        .collect();
    policies.sort_unstable();
    let mut builtin: Vec<&str> = world().1.iter().map(|p| p.id.as_str()).collect();
    builtin.sort_unstable();
    assert_eq!(policies, builtin);
    for p in &demo.partnerships {
        let agencies = demo
            .agencies
            .iter()
            .filter(|a| a.partnership == p.id)
            .count();
        assert!(
            (4..=6).contains(&agencies),
            "{} has {agencies} agencies",
            p.id
        );
    }
}

#[test]
fn every_stage_of_every_track_has_an_open_case() {
    let demo = build(NOW);
    let cases = folded(&demo);
    for policy in &world().1 {
        for track in &policy.tracks {
            for stage in &track.stages {
                assert!(
                    cases.iter().any(|(p, _, c)| p.id == policy.id
                        && c.track() == &track.id
                        && c.stage() == stage.number
                        && c.status() == Status::Open),
                    "{} {} Stage {} has no open case",
                    policy.id,
                    track.id,
                    stage.number
                );
            }
        }
    }
}

#[test]
fn every_policy_has_overdue_within_deadline_resolved_closed_and_withdrawn_cases() {
    let now = at(NOW);
    let demo = build(NOW);
    let cases = folded(&demo);
    for policy in &world().1 {
        let mine: Vec<&Case> = cases
            .iter()
            .filter(|(p, _, _)| p.id == policy.id)
            .map(|(_, _, c)| c)
            .collect();
        let has = |f: &dyn Fn(&Case) -> bool| mine.iter().any(|c| f(c));
        let timed = policy
            .tracks
            .iter()
            .flat_map(|t| &t.stages)
            .any(|s| !matches!(s.timescale.length, accord_policy::TimescaleSpec::None));
        if timed {
            assert!(has(&|c| c.is_overdue(now)), "{}: none overdue", policy.id);
            assert!(
                has(&|c| c.status() == Status::Open
                    && c.due().instant().is_some()
                    && !c.is_overdue(now)),
                "{}: none within deadline",
                policy.id
            );
        }
        // Plymouth gives no timescales: its open cases are all "as soon as possible".
        assert!(
            has(&|c| c.status() == Status::Open && c.due().instant().is_none()),
            "{}: none open-ended",
            policy.id
        );
        assert!(
            has(&|c| c.status() == Status::Resolved),
            "{}: none resolved",
            policy.id
        );
        assert!(
            has(&|c| c.status() == Status::Closed),
            "{}: none closed",
            policy.id
        );
        assert!(
            has(&|c| c.status() == Status::Withdrawn),
            "{}: none withdrawn",
            policy.id
        );
        // Closed after resolution: with each party's confirmation or a
        // recorded reason, or by a final decision.
        for c in mine.iter().filter(|c| c.status() == Status::Closed) {
            let closure = c.closures().last().unwrap();
            let outcome = c.outcome().unwrap();
            assert!(
                closure.by_final_decision
                    || !policy.outcome.written_confirmation
                    || outcome.confirmations.len() + closure.missing_confirmations.len() >= 2,
                "{} closed without confirmations",
                c.id()
            );
        }
    }
}

#[test]
fn the_demo_shows_the_policies_distinctive_rules() {
    let demo = build(NOW);
    let cases = folded(&demo);
    let of = |id: &'static str| cases.iter().filter(move |(p, _, _)| p.id.as_str() == id);
    // Havering §2.5: a Looked After child at Stage Two brings in the IRO.
    assert!(of("havering-2022").any(|(_, _, c)| {
        c.stage().get() == 2
            && c.subjects().iter().any(|s| s.looked_after)
            && c.notifications()
                .iter()
                .any(|n| n.notification.to.id() == "iro")
    }));
    // Havering §2.12: a panel of three agencies including both in dispute.
    assert!(
        of("havering-2022").any(|(_, _, c)| c.panel().is_some_and(|p| {
            let agencies: HashSet<_> = p.members.iter().map(|m| &m.agency).collect();
            agencies.len() >= 3 && c.parties().iter().all(|a| agencies.contains(a))
        }))
    );
    // Plymouth: immediate risk starts a case above Stage One.
    assert!(
        of("plymouth-2025")
            .any(|(_, _, c)| c.immediate_risk() && c.stage_history()[0].stage.get() > 1)
    );
    // Plymouth Stage Five: the panel's decision is final.
    assert!(of("plymouth-2025").any(|(_, _, c)| c.outcome().is_some_and(|o| o.final_decision)));
    // The forms the stages need: East Riding Appendix A, the Isle of Man
    // referral form, Sutton Appendix 1.
    for (policy, form) in [
        ("east-riding-2018", "appendix-a"),
        ("isle-of-man-2023", "referral-form"),
        ("sutton-2015", "appendix-1"),
    ] {
        assert!(
            of(policy).any(|(_, _, c)| c.forms().iter().any(|f| f.form.as_str() == form)),
            "{policy}: no {form}"
        );
    }
    // The Isle of Man covers vulnerable adults.
    assert!(of("isle-of-man-2023").any(|(_, _, c)| {
        c.subjects()
            .iter()
            .any(|s| s.kind == accord_policy::SubjectKind::VulnerableAdult)
    }));
    // Learning on closed cases, where the policy names themes.
    for policy in world().1.iter().filter(|p| !p.learning.themes.is_empty()) {
        assert!(
            cases
                .iter()
                .filter(|(p, _, _)| p.id == policy.id)
                .any(|(_, _, c)| c.status() == Status::Closed && !c.learning().is_empty()),
            "{}: no learning",
            policy.id
        );
    }
    // A deadline extended with a reason, and an immediate-risk notification.
    assert!(
        cases
            .iter()
            .any(|(_, _, c)| c.stage_history().iter().any(|v| !v.extensions.is_empty()))
    );
    assert!(cases.iter().any(|(_, _, c)| {
        c.notifications()
            .iter()
            .any(|n| n.notification.occasion == Occasion::ImmediateRisk)
    }));
}

#[test]
fn every_person_tier_and_declared_role_exists_in_every_partnership() {
    let demo = build(NOW);
    for partnership in &demo.partnerships {
        let people: Vec<_> = demo
            .people
            .iter()
            .filter(|p| p.partnership == partnership.id)
            .collect();
        for tier in RoleTier::ALL {
            assert!(
                people.iter().any(|p| p.tier == tier),
                "{} has no {}",
                partnership.id,
                tier.id()
            );
        }
        let policy = policy(partnership.policy.as_str());
        for role in &policy.roles {
            let holders: Vec<_> = people
                .iter()
                .filter(|p| p.holds(&RoleRef::Declared(role.id.clone())))
                .collect();
            assert!(
                !holders.is_empty(),
                "{}: nobody is {}",
                partnership.id,
                role.id
            );
            for p in holders {
                assert_eq!(
                    p.tier, role.tier,
                    "{} holds {} at the wrong tier",
                    p.sign_in, role.id
                );
            }
        }
        for p in &people {
            assert!(p.email.ends_with("example.org"), "{}", p.email);
            assert!(
                p.sign_in
                    .starts_with(&format!("{}-", partnership.sign_in_prefix))
            );
            assert!(
                demo.agencies
                    .iter()
                    .any(|a| a.id == p.agency && a.partnership == partnership.id)
            );
        }
    }
}

#[test]
fn sign_in_names_ids_and_emails_are_unique() {
    let demo = build(NOW);
    let unique = |v: Vec<&str>| {
        let n = v.len();
        let set: HashSet<&str> = v.into_iter().collect();
        set.len() == n
    };
    assert!(unique(
        demo.people.iter().map(|p| p.sign_in.as_str()).collect()
    ));
    assert!(unique(demo.people.iter().map(|p| p.id.as_str()).collect()));
    assert!(unique(
        demo.people.iter().map(|p| p.email.as_str()).collect()
    ));
    assert!(unique(
        demo.people.iter().map(|p| p.name.as_str()).collect()
    ));
    assert!(unique(
        demo.agencies.iter().map(|a| a.id.as_str()).collect()
    ));
    assert!(unique(demo.cases.iter().map(|c| c.id.as_str()).collect()));
    // One person per role per partnership on the sign-in sheet.
    let sheet = demo.sign_ins();
    for partnership in &demo.partnerships {
        let roles: Vec<&str> = sheet
            .iter()
            .filter(|s| s.partnership == partnership.id)
            .map(|s| s.role.as_str())
            .collect();
        assert!(unique(roles.clone()));
        for tier in RoleTier::ALL {
            assert!(
                roles.contains(&tier.id()),
                "{}: no sign-in for {}",
                partnership.id,
                tier.id()
            );
        }
    }
}

#[test]
fn every_actor_and_participant_belongs_to_the_cases_partnership() {
    let demo = build(NOW);
    for c in &demo.cases {
        let belongs = |person: &accord_case::PersonId, agency: &accord_case::AgencyId| {
            demo.person(person)
                .is_some_and(|p| p.partnership == c.partnership && &p.agency == agency)
        };
        for e in &c.events {
            assert!(
                belongs(&e.actor.person, &e.actor.agency),
                "{} #{}: {:?}",
                c.id,
                e.sequence,
                e.actor
            );
            let p = demo.person(&e.actor.person).unwrap();
            assert_eq!(p.tier, e.actor.tier, "{} #{}", c.id, e.sequence);
            match &e.body {
                EventBody::DiscussionRecorded { record, .. } => {
                    for who in &record.participants {
                        assert!(belongs(&who.person, &who.agency), "{}: {who:?}", c.id);
                    }
                }
                EventBody::PanelConvened { members, .. } => {
                    for seat in members {
                        assert!(belongs(&seat.person, &seat.agency), "{}: {seat:?}", c.id);
                    }
                }
                EventBody::Raised(raised) => {
                    let other = demo
                        .agencies
                        .iter()
                        .find(|a| a.id == raised.other_agency)
                        .unwrap();
                    assert_eq!(other.partnership, c.partnership);
                }
                _ => {}
            }
        }
    }
}

#[test]
fn every_event_is_at_or_before_now_and_in_order() {
    for now in [NOW, "2025-12-29T08:15:00Z"] {
        let demo = build(now);
        for c in &demo.cases {
            for pair in c.events.windows(2) {
                assert!(
                    pair[0].at <= pair[1].at,
                    "{} #{} goes back in time",
                    c.id,
                    pair[1].sequence
                );
            }
            assert!(
                c.events.iter().all(|e| e.at <= at(now)),
                "{} is in the future",
                c.id
            );
        }
    }
}

#[test]
fn the_same_now_gives_the_same_demo() {
    assert_eq!(build(NOW), build(NOW));
}

#[test]
fn every_stream_round_trips_through_json() {
    let demo = build(NOW);
    for c in &demo.cases {
        let json = serde_json::to_string(&c.events).unwrap();
        let back: Vec<accord_case::Event> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c.events, "{}", c.id);
        Case::fold(&back).unwrap();
    }
    let json = serde_json::to_string(&demo).unwrap();
    assert_eq!(serde_json::from_str::<Demo>(&json).unwrap(), demo);
}

/// The ids of the open cases that are overdue, and of those within a deadline.
fn standing(now: &str) -> (Vec<String>, Vec<String>) {
    let demo = build(now);
    let (mut overdue, mut within) = (Vec::new(), Vec::new());
    for (_, c, case) in folded(&demo) {
        if case.is_overdue(at(now)) {
            overdue.push(c.id.to_string());
        } else if case.status() == Status::Open && case.due().instant().is_some() {
            within.push(c.id.to_string());
        }
    }
    (overdue, within)
}

/// Whatever `now` the demo is seeded at, the engine accepts every step,
/// and the same cases are overdue and the same within their deadlines:
/// over a weekend, the day after a bank holiday, Christmas week, both
/// clock changes, the Isle of Man's TT and Tynwald days, and years
/// beyond the published bank holidays.
#[test]
fn the_demo_builds_the_same_way_at_any_time() {
    let expected = standing(NOW);
    for now in [
        "2025-05-27T06:00:00Z", // Tuesday after the Spring Bank Holiday, 07:00 BST
        "2025-12-27T12:00:00Z", // Saturday of Christmas week
        "2026-01-02T08:59:00Z", // the first working day of the year
        "2025-03-30T01:30:00Z", // the spring clock change
        "2025-10-26T01:30:00Z", // the autumn clock change
        "2025-06-06T11:00:00Z", // Isle of Man: Senior Race Day (TT)
        "2025-07-07T10:00:00Z", // Isle of Man: Tynwald Day
        "2024-02-29T23:59:59Z", // late on a leap day
        "2030-04-22T00:00:00Z", // Easter Monday, beyond the published years
    ] {
        assert_eq!(standing(now), expected, "at {now}");
    }
}

/// IOM-9 and ER-10: the demo shows the states issue 12 added, made by real
/// commands: an Isle of Man case whose Stage Three has ended, waiting for
/// the referral form that takes it to the Board (not yet overdue), and an
/// East Riding mediation closed without agreement, the decision final.
#[test]
fn the_demo_shows_a_referral_awaited_and_a_mediation_ended_without_agreement() {
    let now = at("2026-03-02T10:00:00Z");
    let demo = build("2026-03-02T10:00:00Z");
    let cases: Vec<Case> = demo
        .cases
        .iter()
        .map(|c| Case::fold(&c.events).unwrap())
        .collect();
    let awaiting = cases
        .iter()
        .find(|c| c.policy().as_str() == "isle-of-man-2023" && c.awaiting_entry().is_some())
        .expect("an Isle of Man case waits for its referral form");
    assert_eq!(awaiting.stage().get(), 3);
    assert_eq!(awaiting.awaiting_entry().unwrap().to.get(), 4);
    assert_eq!(
        awaiting.pending_form_dues()[0].form.as_str(),
        "referral-form"
    );
    assert!(!awaiting.is_overdue(now));
    let ended = cases
        .iter()
        .find(|c| {
            c.policy().as_str() == "east-riding-2018"
                && c.earlier_outcomes().is_empty()
                && c.outcome()
                    .is_some_and(|o| o.route == accord_policy::ResolutionRoute::WithoutAgreement)
        })
        .expect("an East Riding mediation ended without agreement");
    assert_eq!(ended.status(), Status::Closed);
    assert!(ended.outcome().unwrap().final_decision);
}
