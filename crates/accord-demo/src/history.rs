//! A partnership with a long, made-up history: hundreds of disagreements
//! raised over about two years, each walked with real commands to a stage
//! and an end chosen by a seeded random generator, with the breaches the
//! job runner would have recorded on the way. The same seed, `now` and
//! policies give the same history, so a test can count what it should
//! find (issue 15: "figures checked by hand") and a benchmark can grow one
//! as large as it needs.

use accord_calendar::Calendars;
use accord_case::CaseId;
use accord_policy::{Policy, ResolutionRoute, StageNumber};
use jiff::Timestamp;

use crate::{
    Demo, DemoCase, DemoError,
    clock::Clock,
    directory::{self, Names},
    partnerships::PLANS,
    stories::PROFESSIONAL,
    walk::{Raising, Walk, When},
};

/// About two years of working days: how long ago the oldest case may have
/// been raised.
const TWO_YEARS: u32 = 2 * 252;

/// Builds the partnership running the built-in policy `policy` (such as
/// `havering-2022`), with `cases` disagreements on its default track
/// raised over the two years before `now`, chosen by `seed`. Case ids run
/// `HAV-HIST-0001`, `HAV-HIST-0002`… with the partnership's prefix.
pub fn history(
    policy: &str,
    cases: usize,
    seed: u64,
    now: Timestamp,
    calendars: &Calendars,
    policies: &[Policy],
) -> Result<Demo, DemoError> {
    let plan = PLANS
        .iter()
        .find(|p| p.policy == policy)
        .ok_or_else(|| DemoError::MissingPolicy(policy.to_owned()))?;
    let policy = policies
        .iter()
        .find(|p| p.id.as_str() == plan.policy)
        .ok_or_else(|| DemoError::MissingPolicy(plan.policy.to_owned()))?;
    let calendar = calendars
        .get(&policy.calendar)
        .map_err(|_| DemoError::MissingCalendar {
            policy: policy.id.to_string(),
            calendar: policy.calendar.to_string(),
        })?;
    let dir = directory::Directory::build(plan, policy, &mut Names::default());
    let clock = Clock::new(now, calendar);
    let track = policy.default_track();
    let first = track.first_stage().number;
    let last = track.stages.iter().map(|s| s.number).max().unwrap_or(first);
    // The areas a case on the track may be raised under at its first stage.
    let areas: Vec<_> = policy
        .areas_for(&track.id)
        .filter(|a| policy.entry_stage(track, &a.id).number == first)
        .map(|a| a.id.clone())
        .collect();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = Vec::with_capacity(cases);
    for n in 0..cases {
        let id = CaseId::parse(&format!("{}-HIST-{:04}", plan.case_prefix, n + 1))
            .expect("history case ids are valid");
        let refused = |refusal| DemoError::Refused {
            case: id.clone(),
            refusal: Box::new(refusal),
        };
        let story = &PROFESSIONAL[rng.usize(..PROFESSIONAL.len())];
        let immediate_risk = rng.u8(..10) == 0;
        let start_at = (immediate_risk && rng.bool())
            .then(|| track.immediate_risk_entry.first().copied())
            .flatten();
        let start = start_at.unwrap_or(first);
        // Lower stages are reached more often than higher ones.
        let mut target = start;
        while target < last && rng.u8(..10) < 4 {
            target = StageNumber::new(target.get() + 1).unwrap_or(target);
        }
        let mut walk = Walk::raise(
            policy,
            calendar,
            &dir,
            &clock,
            story,
            Raising {
                case: id.clone(),
                track,
                area: areas[rng.usize(..areas.len())].clone(),
                who: format!("Child {}", n + 1),
                child_protection_plan: rng.u8(..4) == 0,
                looked_after: rng.u8(..5) == 0,
                immediate_risk,
                start_at,
                when: When::Days {
                    ago: rng.u32(20..=TWO_YEARS),
                    slot: 0,
                },
            },
        )
        .map_err(refused)?;
        while walk.case.stage() < target {
            walk.advance(rng.u32(0..=8));
            walk.record_breaches();
            walk.escalate().map_err(refused)?;
        }
        walk.advance(rng.u32(0..=10));
        walk.record_breaches();
        match rng.u8(..20) {
            // Still being worked.
            0..=4 => walk.keep_working().map_err(refused)?,
            5..=7 => walk.withdraw().map_err(refused)?,
            end => {
                let route = [
                    None,
                    Some(ResolutionRoute::Decision),
                    Some(ResolutionRoute::Panel),
                    Some(ResolutionRoute::WithoutAgreement),
                ][rng.usize(..4)];
                walk.resolve(route).map_err(refused)?;
                if end >= 11 {
                    walk.advance(rng.u32(0..=3));
                    walk.close(rng.u8(..4) != 0).map_err(refused)?;
                    if rng.bool() {
                        let nth = rng.usize(..8);
                        walk.record_learning(nth).map_err(refused)?;
                        walk.follow_up_learning(nth).map_err(refused)?;
                    }
                }
            }
        }
        out.push(DemoCase {
            id,
            partnership: plan.id.to_owned(),
            policy: policy.id.clone(),
            events: walk.events,
        });
    }
    Ok(Demo {
        partnerships: vec![dir.partnership],
        agencies: dir.agencies,
        people: dir.people,
        cases: out,
    })
}
