//! Folding case streams into state: one long case of 1,000 events, and
//! 1,000,000 events spread across 10,000 cases (what rebuilding every case
//! page of a large partnership from its log costs).

use std::hint::black_box;

use accord_calendar::{Calendars, WorkingDays};
use accord_case::{
    ActionDetails, Actor, AgencyId, Amendment, Case, CaseId, Command, Concern, Context,
    DiscussionMode, DiscussionRecord, Event, Extension, Participant, PersonId, Raise, Subject,
    SubjectId, Text,
};
use accord_policy::{Policy, RoleRef, RoleTier, SubjectKind};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};

fn text(s: &str) -> Text {
    Text::parse(s).unwrap()
}

fn actor(person: &str, agency: &str, tier: RoleTier) -> Actor {
    Actor {
        person: PersonId::parse(person).unwrap(),
        agency: AgencyId::parse(agency).unwrap(),
        tier,
        roles: Vec::new(),
    }
}

/// A Havering case of exactly `len` events, made by deciding a realistic
/// round of commands (discussions, approvals, actions, extensions,
/// corrections, escalations with their notifications) until it is long
/// enough.
fn stream(policy: &Policy, calendars: &Calendars, case: &str, len: usize) -> Vec<Event> {
    let calendar = calendars.get(&policy.calendar).unwrap();
    let worker = actor("hv", "nhs-trust", RoleTier::Practitioner);
    let manager = Actor {
        roles: vec!["hscp-member".parse().unwrap()],
        ..actor("hv-manager", "nhs-trust", RoleTier::Manager)
    };
    let mut now: Timestamp = "2025-03-03T10:00:00Z".parse().unwrap();
    let raise = Raise {
        case: CaseId::parse(case).unwrap(),
        track: None,
        area: "levels-of-need".parse().unwrap(),
        signpost: None,
        other_agency: AgencyId::parse("childrens-social-care").unwrap(),
        other_professional: None,
        subjects: vec![Subject {
            id: SubjectId::parse("c1").unwrap(),
            name: text("Child A"),
            kind: SubjectKind::Child,
            child_protection_plan: true,
            looked_after: false,
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
    let ctx = |now, actor: &Actor| Context {
        people: vec![
            accord_case::DirectoryEntry {
                person: worker.clone(),
                active: true,
            },
            accord_case::DirectoryEntry {
                person: manager.clone(),
                active: true,
            },
        ],
        ..Context::new(now, actor.clone())
    };
    let mut events = Case::raise(policy, calendar, raise, &ctx(now, &worker)).unwrap();
    let mut state = Case::fold(&events).unwrap();
    let mut round = 0u32;
    while events.len() < len {
        now += SignedDuration::from_mins(30);
        let participant = |a: &Actor, role: &str| Participant {
            person: a.person.clone(),
            agency: a.agency.clone(),
            role: RoleRef::parse(role).unwrap(),
        };
        let commands = vec![
            Command::RecordDiscussion {
                record: DiscussionRecord {
                    held_at: now,
                    how: DiscussionMode::Phone,
                    participants: vec![
                        participant(&worker, "practitioner"),
                        participant(&manager, "hscp-member"),
                    ],
                    summary: text("Discussed the referral decision and the evidence."),
                    unlisted_participants: Vec::new(),
                    ended_in_agreement: false,
                },
            },
            Command::ApproveDiscussion {
                discussion: state.version().next(),
                approved_on: "2025-03-03".parse().unwrap(),
            },
            Command::AgreeAction {
                details: ActionDetails {
                    who: manager.person.clone(),
                    agency: manager.agency.clone(),
                    what: text("Share the chronology with the other agency."),
                    by_when: "2030-04-01".parse().unwrap(),
                },
            },
            Command::ExtendDeadline {
                by: Extension::WorkingDays(WorkingDays::new(1).unwrap()),
                reason: text("Awaiting the GP's report"),
            },
            Command::Correct {
                corrects: state.version(),
                reason: text("Typing error"),
                amendment: Amendment::Erratum {
                    note: text("The date was the 4th"),
                },
            },
            Command::Escalate {
                to: state.stage().next().unwrap(),
                reason: text("Not resolved through discussion"),
            },
        ];
        for command in commands {
            // Approval names the discussion just recorded; later commands may
            // be refused (no next stage, nothing to extend): skip those.
            let command = match command {
                Command::ApproveDiscussion { approved_on, .. } => Command::ApproveDiscussion {
                    discussion: state.discussions().last().unwrap().sequence,
                    approved_on,
                },
                other => other,
            };
            if let Ok(new) = state.decide(policy, calendar, command, &ctx(now, &manager)) {
                new.iter().for_each(|e| state.apply(e));
                events.extend(new);
            }
        }
        round += 1;
        assert!(round < 10_000, "the command round stopped producing events");
    }
    events.truncate(len);
    events
}

fn fold(c: &mut Criterion) {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let havering = policies
        .iter()
        .find(|p| p.id.as_str() == "havering-2022")
        .unwrap();

    let one = stream(havering, &calendars, "case-0", 1_000);
    let mut group = c.benchmark_group("fold");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("one case of 1,000 events", |b| {
        b.iter(|| Case::fold(black_box(&one)).unwrap())
    });

    let template = stream(havering, &calendars, "case-0", 100);
    let cases: Vec<Vec<Event>> = (0..10_000)
        .map(|i| {
            let id = CaseId::parse(&format!("case-{i}")).unwrap();
            template
                .iter()
                .map(|e| Event {
                    case: id.clone(),
                    ..e.clone()
                })
                .collect()
        })
        .collect();
    group.throughput(Throughput::Elements(1_000_000));
    group.sample_size(10);
    group.bench_function("10,000 cases of 100 events", |b| {
        b.iter(|| {
            for events in &cases {
                black_box(Case::fold(black_box(events)).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, fold);
criterion_main!(benches);
