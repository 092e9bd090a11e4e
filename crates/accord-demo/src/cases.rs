//! The demo disagreements of each partnership: for every track, a case open
//! at every stage, with some overdue and some within their deadline, and
//! others resolved, closed or withdrawn; each placed in time relative to
//! `now` so that what is overdue stays overdue whenever the demo is built.

use accord_calendar::Calendar;
use accord_case::CaseId;
use accord_policy::{CountFrom, Policy, ResolutionRoute, StageNumber, TimescaleSpec, Track};
use jiff::SignedDuration;

use crate::{
    DemoCase, DemoError,
    clock::Clock,
    directory::Directory,
    partnerships::Plan,
    stories::{ADULT, About, CONFERENCE, PROFESSIONAL, STRATEGIC, Story},
    walk::{Raising, Walk, When},
};

/// Where an open case stands against its current stage's deadline. A stage
/// with no timescale is open-ended whatever is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deadline {
    /// Entered recently enough that the deadline is still ahead.
    Within,
    /// Entered long enough ago that the deadline has passed.
    Overdue,
    /// Overdue, then given more time with a reason, which puts the deadline
    /// ahead again.
    Extended,
}

/// How a demo case ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Open at its stage, being worked.
    Open,
    /// Open at a panel stage with the Resolution Panel convened; `false`
    /// when the other agency cannot sit (Plymouth's "where possible").
    Panel(bool),
    /// Resolved by this route, awaiting confirmation.
    Resolved(Option<ResolutionRoute>),
    /// Resolved and closed: with the other party's confirmation or the
    /// recorded reason it is missing, and with learning or not.
    Closed {
        route: Option<ResolutionRoute>,
        other_confirms: bool,
        learning: bool,
    },
    /// Withdrawn by the raiser.
    Withdrawn,
    /// Open, its stage ended yesterday by a decision to escalate that waits
    /// for the next stage's entry forms (Isle of Man: the referral form).
    Referring,
}

/// One demo case.
#[derive(Debug, Clone, Copy)]
struct Spec {
    track: &'static str,
    stage: u8,
    story: &'static Story,
    deadline: Deadline,
    end: End,
    child_protection_plan: bool,
    looked_after: bool,
    immediate_risk: bool,
    start_above_first_stage: bool,
}

impl Spec {
    fn at(track: &'static str, stage: u8, story: &'static Story) -> Spec {
        Spec {
            track,
            stage,
            story,
            deadline: Deadline::Within,
            end: End::Open,
            child_protection_plan: false,
            looked_after: false,
            immediate_risk: false,
            start_above_first_stage: false,
        }
    }
    fn overdue(self) -> Spec {
        Spec {
            deadline: Deadline::Overdue,
            ..self
        }
    }
    fn extended(self) -> Spec {
        Spec {
            deadline: Deadline::Extended,
            ..self
        }
    }
    fn ends(self, end: End) -> Spec {
        Spec { end, ..self }
    }
    fn closed(self, route: Option<ResolutionRoute>, other_confirms: bool, learning: bool) -> Spec {
        self.ends(End::Closed {
            route,
            other_confirms,
            learning,
        })
    }
    fn child_protection_plan(self) -> Spec {
        Spec {
            child_protection_plan: true,
            ..self
        }
    }
    fn looked_after(self) -> Spec {
        Spec {
            looked_after: true,
            ..self
        }
    }
    fn immediate_risk(self, start_above_first_stage: bool) -> Spec {
        Spec {
            immediate_risk: true,
            start_above_first_stage,
            ..self
        }
    }
}

const P: &[Story] = PROFESSIONAL;
const PRO: &str = "professional";
const CONF: &str = "conference-dissent";
const STRAT: &str = "strategic";
use ResolutionRoute::{Decision, Panel, WithoutAgreement};

/// The cases of the partnership running `policy`.
fn specs(policy: &str) -> Vec<Spec> {
    match policy {
        "east-riding-2018" => vec![
            Spec::at(PRO, 1, &P[0]),
            Spec::at(PRO, 2, &P[1]).overdue(),
            Spec::at(PRO, 3, &P[2]).child_protection_plan(),
            Spec::at(PRO, 4, &P[6]),
            Spec::at(PRO, 4, &P[3]).overdue(),
            Spec::at(PRO, 5, &P[4]),
            Spec::at(CONF, 1, &CONFERENCE[0]),
            Spec::at(CONF, 2, &CONFERENCE[1]),
            Spec::at(CONF, 2, &CONFERENCE[2]).overdue(),
            Spec::at(CONF, 3, &CONFERENCE[0]),
            Spec::at(PRO, 4, &P[5]).closed(None, true, true),
            Spec::at(PRO, 5, &P[7]).closed(None, false, true),
            Spec::at(PRO, 2, &P[8]).ends(End::Resolved(None)),
            Spec::at(CONF, 3, &CONFERENCE[1]).closed(Some(Decision), true, false),
            Spec::at(PRO, 3, &P[9]).ends(End::Withdrawn),
            // ER-10: a mediation that ended without agreement, the decision
            // finalised by the mediation chair's record.
            Spec::at(PRO, 5, &P[0]).closed(Some(WithoutAgreement), true, false),
        ],
        "havering-2022" => vec![
            Spec::at(PRO, 1, &P[0]).immediate_risk(false),
            Spec::at(PRO, 1, &P[4]).overdue(),
            Spec::at(PRO, 2, &P[1]).looked_after(),
            Spec::at(PRO, 2, &P[5]).child_protection_plan().overdue(),
            Spec::at(PRO, 3, &P[6]),
            Spec::at(PRO, 3, &P[2]).overdue(),
            Spec::at(PRO, 4, &P[3]).ends(End::Panel(true)),
            Spec::at(PRO, 4, &P[7]).closed(Some(Panel), false, false),
            Spec::at(PRO, 2, &P[9]).ends(End::Resolved(None)),
            Spec::at(PRO, 1, &P[2]).closed(None, true, false),
            Spec::at(PRO, 2, &P[8]).ends(End::Withdrawn),
        ],
        "isle-of-man-2023" => vec![
            Spec::at(PRO, 1, &P[0]),
            Spec::at(PRO, 1, &P[6]).overdue(),
            Spec::at(PRO, 2, &ADULT[0]),
            Spec::at(PRO, 2, &P[1]).overdue(),
            Spec::at(PRO, 3, &ADULT[1]),
            Spec::at(PRO, 4, &P[7]),
            Spec::at(PRO, 4, &P[3]).ends(End::Resolved(Some(Decision))),
            Spec::at(PRO, 2, &P[4]).closed(None, false, false),
            Spec::at(PRO, 1, &P[9]).closed(None, true, false),
            Spec::at(PRO, 1, &P[2]).ends(End::Withdrawn),
            Spec::at(PRO, 4, &P[5]).closed(Some(Decision), true, true),
            // IOM-9: Stage Three exhausted yesterday, the referral form to come.
            Spec::at(PRO, 3, &P[8]).ends(End::Referring),
        ],
        "plymouth-2025" => vec![
            Spec::at(PRO, 1, &P[0]),
            Spec::at(PRO, 2, &P[4]),
            Spec::at(PRO, 3, &P[1]),
            Spec::at(PRO, 3, &P[6]).immediate_risk(true),
            Spec::at(PRO, 4, &P[2]),
            Spec::at(PRO, 5, &P[3]).ends(End::Panel(false)),
            Spec::at(PRO, 5, &P[7]).closed(Some(Panel), true, true),
            Spec::at(PRO, 5, &P[8]).ends(End::Resolved(Some(Decision))),
            Spec::at(PRO, 2, &P[9]).ends(End::Resolved(None)),
            Spec::at(PRO, 3, &P[5]).closed(None, true, true),
            Spec::at(PRO, 4, &P[0]).closed(None, false, false),
            Spec::at(PRO, 1, &P[1]).ends(End::Withdrawn),
        ],
        "sutton-2015" => vec![
            Spec::at(PRO, 1, &P[0]),
            Spec::at(PRO, 1, &P[4]).overdue(),
            Spec::at(PRO, 2, &P[1]),
            Spec::at(PRO, 3, &P[2]).extended(),
            Spec::at(PRO, 3, &P[6]).overdue(),
            Spec::at(PRO, 4, &P[5]).child_protection_plan(),
            Spec::at(PRO, 5, &P[7]).overdue(),
            Spec::at(PRO, 6, &P[8]),
            Spec::at(PRO, 6, &P[9]).closed(None, true, true),
            Spec::at(STRAT, 1, &STRATEGIC[0]),
            Spec::at(STRAT, 2, &STRATEGIC[1]),
            Spec::at(STRAT, 1, &STRATEGIC[2]).closed(Some(Decision), true, true),
            Spec::at(CONF, 1, &CONFERENCE[0]),
            Spec::at(CONF, 2, &CONFERENCE[1]),
            Spec::at(CONF, 3, &CONFERENCE[2]),
            Spec::at(CONF, 4, &CONFERENCE[0]),
            Spec::at(CONF, 5, &CONFERENCE[1]),
            Spec::at(CONF, 4, &CONFERENCE[2]).ends(End::Resolved(None)),
            Spec::at(PRO, 2, &P[3]).closed(None, true, true),
            Spec::at(PRO, 1, &P[5]).ends(End::Withdrawn),
        ],
        _ => Vec::new(),
    }
}

/// Builds the demo cases of one partnership.
pub(crate) fn build(
    plan: &Plan,
    policy: &Policy,
    calendar: &Calendar,
    dir: &Directory,
    clock: &Clock<'_>,
) -> Result<Vec<DemoCase>, DemoError> {
    let mut out = Vec::new();
    for (n, spec) in specs(plan.policy).iter().enumerate() {
        let Some(track) = policy.tracks.iter().find(|t| t.id.as_str() == spec.track) else {
            continue;
        };
        let id = CaseId::parse(&format!("{}-DEMO-{:04}", plan.case_prefix, n + 1))
            .expect("demo case ids are valid");
        let refused = |refusal| DemoError::Refused {
            case: id.clone(),
            refusal: Box::new(refusal),
        };
        let events = walk(
            plan,
            policy,
            calendar,
            dir,
            clock,
            track,
            spec,
            n,
            id.clone(),
        )
        .map_err(refused)?;
        out.push(DemoCase {
            id,
            partnership: plan.id.to_owned(),
            policy: policy.id.clone(),
            events,
        });
    }
    Ok(out)
}

/// Raises one case and walks it to its stage and its end.
#[allow(clippy::too_many_arguments)]
fn walk(
    plan: &Plan,
    policy: &Policy,
    calendar: &Calendar,
    dir: &Directory,
    clock: &Clock<'_>,
    track: &Track,
    spec: &Spec,
    n: usize,
    id: CaseId,
) -> Result<Vec<accord_case::Event>, accord_case::Refusal> {
    let target = StageNumber::new(spec.stage).unwrap_or(StageNumber::FIRST);
    // A story is filed under the policy's area for its kind; if that area
    // would start the case above the stage wanted, or is not offered on
    // the track, under the track's first area that starts low enough.
    let offered: Vec<_> = policy.areas_for(&track.id).collect();
    let starts_low = |a: &accord_policy::Area| policy.entry_stage(track, &a.id).number <= target;
    let area = plan
        .area(spec.story.topic)
        .and_then(|want| offered.iter().find(|a| a.id.as_str() == want))
        .filter(|a| starts_low(a))
        .or_else(|| offered.iter().find(|a| starts_low(a)))
        .map(|a| a.id.clone())
        .expect("every track offers an area that starts at its first stage");
    let start_at = (spec.start_above_first_stage && track.immediate_risk_entry.contains(&target))
        .then_some(target);
    let start = start_at.unwrap_or_else(|| policy.entry_stage(track, &area).number);
    let escalations = u32::from(target.get().saturating_sub(start.get()));
    // The raise and the first escalation share a day; each later
    // escalation takes a day more, so the case reaches its stage
    // `escalations - 1` working days after the raise.
    let spread = escalations.saturating_sub(1);
    let n32 = u32::try_from(n).unwrap_or(0);
    let ended = !matches!(spec.end, End::Open | End::Panel(_) | End::Referring);
    let stage = track.stage(target).unwrap_or_else(|| track.first_stage());
    let when = if ended {
        When::Days {
            ago: 12 + n32 % 6 + spread,
            slot: 0,
        }
    } else {
        entry_time(
            stage.timescale.length,
            stage.timescale.from,
            spec.deadline,
            spread,
            n32,
            clock,
        )
    };
    let who = match spec.story.about {
        About::Adult(_) => format!("Adult {}", letter(n)),
        _ => format!("Child {}", letter(n)),
    };
    let mut walk = Walk::raise(
        policy,
        calendar,
        dir,
        clock,
        spec.story,
        Raising {
            case: id,
            track,
            area,
            who,
            child_protection_plan: spec.child_protection_plan,
            looked_after: spec.looked_after,
            immediate_risk: spec.immediate_risk,
            start_at,
            when,
        },
    )?;
    while walk.case.stage() < target {
        walk.escalate()?;
        if walk.case.stage() < target {
            walk.next_day();
        }
    }
    match spec.end {
        End::Open => {
            if n % 2 == 1 {
                walk.keep_working()?;
            }
            if spec.deadline == Deadline::Extended {
                walk.on_day(1);
                walk.extend(5)?;
            }
        }
        End::Panel(other_can_sit) => {
            walk.keep_working()?;
            walk.convene_panel(other_can_sit, 1)?;
        }
        End::Resolved(route) => {
            walk.next_day();
            walk.resolve(route)?;
        }
        End::Closed {
            route,
            other_confirms,
            learning,
        } => {
            walk.next_day();
            walk.resolve(route)?;
            walk.next_day();
            walk.close(other_confirms)?;
            if learning {
                walk.record_learning(n)?;
                walk.follow_up_learning(n)?;
            }
        }
        End::Withdrawn => {
            walk.next_day();
            walk.withdraw()?;
        }
        End::Referring => {
            walk.on_day(1);
            walk.decide_to_escalate()?;
        }
    }
    Ok(walk.events)
}

/// When an open case is raised so that its current stage, reached
/// `spread` working days after the raise, stands as `deadline` asks
/// against its timescale. Working days count back from today: a stage of
/// N working days whose clock started K working days ago is overdue when
/// K > N and not when K ≤ N (see `Clock`).
fn entry_time(
    length: TimescaleSpec,
    from: CountFrom,
    deadline: Deadline,
    spread: u32,
    n: u32,
    clock: &Clock<'_>,
) -> When {
    let days = |raised_ago: u32| When::Days {
        ago: raised_ago,
        slot: 0,
    };
    let overdue = deadline != Deadline::Within;
    match length {
        TimescaleSpec::WorkingDays(wd) => {
            let wd = wd.get();
            match (from, overdue) {
                (CountFrom::StageStart, false) => days(wd.clamp(1, 2) + spread),
                (CountFrom::StageStart, true) => days(wd + 3 + spread),
                (CountFrom::Raised, false) => days(1 + spread),
                (CountFrom::Raised, true) => days((wd + 3).max(spread + 1)),
            }
        }
        TimescaleSpec::Hours(_) | TimescaleSpec::CalendarDays(_) if !overdue => When::Recent(
            clock
                .now()
                .checked_sub(SignedDuration::from_hours(3))
                .unwrap_or(clock.now()),
        ),
        TimescaleSpec::Hours(hours) => days(hours.div_ceil(24) + 3 + spread),
        TimescaleSpec::CalendarDays(d) => days(d + 3 + spread),
        TimescaleSpec::None => days(3 + n % 4 + spread),
    }
}

/// The `n`th pseudonym letter: A to Z, then AA, AB…
fn letter(n: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let first = char::from(letters[n % 26]);
    if n < 26 {
        first.to_string()
    } else {
        format!("{}{first}", char::from(letters[(n / 26 - 1) % 26]))
    }
}
