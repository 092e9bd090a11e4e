//! Sample Havering disagreements made with `accord-case`, for the storage
//! tests, the crash writer and the benchmarks: a health visitor raises a
//! disagreement with children's social care about a looked-after child,
//! records discussions, and a manager escalates it to Stage 2 (which
//! notifies the IRO, Havering §2.5).
#![allow(dead_code)]

use std::sync::OnceLock;

use accord_calendar::{Calendar, Calendars};
use accord_case::{
    Actor, AgencyId, Case, CaseId, Command, Concern, Context, DiscussionMode, DiscussionRecord,
    Event, Participant, PersonId, Raise, Subject, SubjectId, Text,
};
use accord_policy::{Policy, RoleRef, RoleTier, StageNumber};
use jiff::Timestamp;

/// The built-in calendars and policies, loaded once.
pub fn world() -> &'static (Calendars, Vec<Policy>) {
    static WORLD: OnceLock<(Calendars, Vec<Policy>)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let calendars = Calendars::builtin();
        let policies = accord_policy::builtin(&calendars);
        (calendars, policies)
    })
}

/// Every built-in policy, as a store is opened with.
pub fn policies() -> Vec<Policy> {
    world().1.clone()
}

/// Havering's policy and its calendar.
pub fn havering() -> (&'static Policy, &'static Calendar) {
    let (calendars, policies) = world();
    let policy = policies
        .iter()
        .find(|p| p.id.as_str() == "havering-2022")
        .expect("Havering is built in");
    (
        policy,
        calendars
            .get(&policy.calendar)
            .expect("its calendar is built in"),
    )
}

fn text(s: &str) -> Text {
    Text::parse(s).expect("sample text is not blank")
}

fn actor(person: &str, agency: &str, tier: RoleTier) -> Actor {
    Actor {
        person: PersonId::parse(person).expect("a valid person id"),
        agency: AgencyId::parse(agency).expect("a valid agency id"),
        tier,
        roles: Vec::new(),
    }
}

/// The health visitor who raises the disagreements.
pub fn health_visitor() -> Actor {
    actor("hv-1", "nhs-trust", RoleTier::Practitioner)
}

fn social_worker() -> Actor {
    actor("sw-1", "childrens-social-care", RoleTier::Practitioner)
}

fn hv_manager() -> Actor {
    actor("hv-manager-1", "nhs-trust", RoleTier::Manager)
}

/// An instant, written as UTC.
/// A context for `by` at `now`, with the sample's people as the directory
/// holds them.
fn context(by: Actor, now: Timestamp) -> Context {
    Context {
        people: [health_visitor(), social_worker(), hv_manager()]
            .into_iter()
            .map(|person| accord_case::DirectoryEntry {
                person,
                active: true,
            })
            .collect(),
        ..Context::new(now, by)
    }
}

pub fn at(s: &str) -> Timestamp {
    s.parse().expect("a valid instant")
}

/// A case id.
pub fn case_id(s: &str) -> CaseId {
    CaseId::parse(s).expect("a valid case id")
}

/// The events that raise Havering case `id` at `now` about a looked-after
/// child.
pub fn raise(id: &str, now: Timestamp) -> Vec<Event> {
    let (policy, calendar) = havering();
    let track = policy.default_track();
    let raise = Raise {
        case: case_id(id),
        track: None,
        area: policy
            .areas_for(&track.id)
            .next()
            .expect("an area")
            .id
            .clone(),
        signpost: None,
        other_agency: AgencyId::parse("childrens-social-care").expect("a valid agency id"),
        other_professional: None,
        subjects: vec![Subject {
            id: SubjectId::parse("c1").expect("a valid subject id"),
            name: text("Child A"),
            kind: accord_policy::SubjectKind::Child,
            child_protection_plan: false,
            looked_after: true,
            immediate_risk: false,
            date_of_birth: None,
            nhs_number: None,
            local_id: None,
        }],
        concern: Concern {
            disputed: text("The referral was closed with no further action."),
            evidence: text("Three attendances at A&E in two months."),
            outcome_sought: text("A strategy discussion."),
        },
        start_at: None,
        forms: Vec::new(),
    };
    Case::raise(policy, calendar, raise, &context(health_visitor(), now))
        .expect("Havering accepts the sample raise")
}

fn decide(case: &Case, command: Command, by: Actor, now: Timestamp) -> Vec<Event> {
    let (policy, calendar) = havering();
    case.decide(policy, calendar, command, &context(by, now))
        .expect("Havering accepts the sample command")
}

/// A discussion between the health visitor and the social worker, with
/// `summary` as its record.
pub fn discussion(case: &Case, now: Timestamp, summary: &str) -> Vec<Event> {
    let participant = |a: Actor| Participant {
        person: a.person,
        agency: a.agency,
        role: RoleRef::parse("practitioner").expect("a tier"),
    };
    let command = Command::RecordDiscussion {
        record: DiscussionRecord {
            held_at: now,
            how: DiscussionMode::Phone,
            participants: vec![participant(health_visitor()), participant(social_worker())],
            summary: text(summary),
            unlisted_participants: Vec::new(),
            ended_in_agreement: false,
        },
    };
    decide(case, command, health_visitor(), now)
}

/// The health visitor's manager escalates to the next stage.
pub fn escalate(case: &Case, now: Timestamp) -> Vec<Event> {
    let to = case.stage().next().expect("a next stage");
    let command = Command::Escalate {
        to,
        reason: text("Not resolved through discussion"),
    };
    decide(case, command, hv_manager(), now)
}

/// The health visitor withdraws the disagreement.
pub fn withdraw(case: &Case, now: Timestamp) -> Vec<Event> {
    let command = Command::Withdraw {
        reason: text("Social care opened an assessment."),
    };
    decide(case, command, health_visitor(), now)
}

/// Stage `n`.
pub fn stage(n: u8) -> StageNumber {
    StageNumber::new(n).expect("a stage number")
}
