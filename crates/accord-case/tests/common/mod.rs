//! Shared helpers for the case tests: the built-in policies, people, and a
//! harness that appends what `decide` returns, as the storage layer would.
#![allow(dead_code)]

use std::sync::OnceLock;

use accord_calendar::{Calendar, Calendars};
use accord_case::{
    Actor, AgencyId, Case, CaseId, Command, Concern, Context, DirectoryEntry, DiscussionMode,
    DiscussionRecord, Event, EventBody, FieldValue, FormValues, NotificationDue, Occasion,
    Participant, PersonId, Raise, Refusal, Subject, SubjectId, Text,
};
use accord_policy::{Field, FieldKind, Form, FormId, Policy, RoleRef, RoleTier, StageNumber};
use jiff::{Timestamp, civil::Date};

/// The built-in calendars and policies, loaded once per test binary.
pub fn world() -> &'static (Calendars, Vec<Policy>) {
    static WORLD: OnceLock<(Calendars, Vec<Policy>)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let calendars = Calendars::builtin();
        let policies = accord_policy::builtin(&calendars);
        (calendars, policies)
    })
}

/// A built-in policy and its calendar.
pub fn policy(id: &str) -> (&'static Policy, &'static Calendar) {
    let (calendars, policies) = world();
    let policy = policies
        .iter()
        .find(|p| p.id.as_str() == id)
        .unwrap_or_else(|| panic!("no built-in policy {id}"));
    (policy, calendars.get(&policy.calendar).unwrap())
}

/// An instant, written as UTC.
pub fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A local date.
pub fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// Parses free text.
pub fn text(s: &str) -> Text {
    Text::parse(s).unwrap()
}

/// An agency id.
pub fn agency(s: &str) -> AgencyId {
    AgencyId::parse(s).unwrap()
}

thread_local! {
    /// The test's directory: everyone it made with [`actor`] or
    /// [`holding`], as the storage layer would look them up for a command
    /// that names them. Each test runs on its own thread, so each has its
    /// own.
    static DIRECTORY: std::cell::RefCell<Vec<DirectoryEntry>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn enter(actor: &Actor) {
    DIRECTORY.with(|d| {
        let mut d = d.borrow_mut();
        d.retain(|e| e.person.person != actor.person);
        d.push(DirectoryEntry {
            person: actor.clone(),
            active: true,
        });
    });
}

/// The test's directory, for a command's [`Context`].
pub fn directory() -> Vec<DirectoryEntry> {
    DIRECTORY.with(|d| d.borrow().clone())
}

/// Marks `actor`'s account disabled in the test's directory.
pub fn disable(actor: &Actor) {
    DIRECTORY.with(|d| {
        for e in d.borrow_mut().iter_mut() {
            if e.person.person == actor.person {
                e.active = false;
            }
        }
    });
}

/// A context for `by` at `now`, with the test's directory.
pub fn context(by: &Actor, now: Timestamp) -> Context {
    Context {
        people: directory(),
        ..Context::new(now, by.clone())
    }
}

/// Someone acting, entered in the test's directory.
pub fn actor(person: &str, agency_id: &str, tier: RoleTier) -> Actor {
    let actor = Actor {
        person: PersonId::parse(person).unwrap(),
        agency: agency(agency_id),
        tier,
        roles: Vec::new(),
    };
    enter(&actor);
    actor
}

/// Someone who also holds `roles` of the policy, as the directory says
/// (DESIGN.md §2: who decides is a role, never a tier).
pub fn holding(person: &str, agency_id: &str, tier: RoleTier, roles: &[&str]) -> Actor {
    let actor = Actor {
        roles: roles.iter().map(|r| r.parse().unwrap()).collect(),
        ..actor(person, agency_id, tier)
    };
    enter(&actor);
    actor
}

/// A stage number.
pub fn stage(n: u8) -> StageNumber {
    StageNumber::new(n).unwrap()
}

/// A role as a policy file writes it.
pub fn role(id: &str) -> RoleRef {
    RoleRef::parse(id).unwrap()
}

/// A child with the given flags.
pub fn child(id: &str, cp_plan: bool, looked_after: bool, immediate_risk: bool) -> Subject {
    Subject {
        id: SubjectId::parse(id).unwrap(),
        name: text("Child A"),
        kind: accord_policy::SubjectKind::Child,
        child_protection_plan: cp_plan,
        looked_after,
        immediate_risk,
        date_of_birth: None,
        nhs_number: None,
        local_id: None,
    }
}

/// A raise with sensible defaults: the default track, the policy's first
/// area, one child without flags, raised about `other`.
pub fn raise(policy: &Policy, other: &str) -> Raise {
    let track = policy.default_track();
    Raise {
        case: CaseId::parse("case-1").unwrap(),
        track: None,
        area: policy.areas_for(&track.id).next().unwrap().id.clone(),
        signpost: None,
        other_agency: agency(other),
        other_professional: None,
        subjects: vec![child("c1", false, false, false)],
        concern: Concern {
            disputed: text("The referral was closed with no further action."),
            evidence: text("Three attendances at A&E in two months."),
            outcome_sought: text("A strategy discussion."),
        },
        start_at: None,
        forms: Vec::new(),
    }
}

/// A discussion held at `when` between the two actors, in the roles given.
pub fn discussion(when: Timestamp, who: &[(&Actor, &str)], agreement: bool) -> Command {
    Command::RecordDiscussion {
        record: DiscussionRecord {
            held_at: when,
            how: DiscussionMode::Phone,
            participants: who
                .iter()
                .map(|(a, r)| Participant {
                    person: a.person.clone(),
                    agency: a.agency.clone(),
                    role: role(r),
                })
                .collect(),
            summary: text("Discussed the referral decision and the evidence."),
            unlisted_participants: Vec::new(),
            ended_in_agreement: agreement,
        },
    }
}

/// Answers to every field of `form` of the right kind, leaving out fields
/// whose id is in `leave_out`.
pub fn fill(form: &Form, leave_out: &[&str]) -> FormValues {
    let mut values = FormValues::new();
    for field in form.sections.iter().flat_map(|s| &s.fields) {
        if !leave_out.contains(&field.id.as_str()) {
            values = values.with(field.id.clone(), answer(field));
        }
    }
    values
}

fn answer(field: &Field) -> FieldValue {
    match field.kind {
        FieldKind::Date => FieldValue::Date(date("2025-03-10")),
        FieldKind::YesNo => FieldValue::YesNo(true),
        FieldKind::Choice => FieldValue::Text(field.options[0].clone()),
        FieldKind::Rows => {
            let mut row = FormValues::new();
            for column in &field.columns {
                row = row.with(column.id.clone(), answer(column));
            }
            FieldValue::Rows(vec![row])
        }
        _ => FieldValue::Text(format!("Answer to {}", field.label)),
    }
}

/// The form with this id.
pub fn form<'p>(policy: &'p Policy, id: &str) -> &'p Form {
    policy.form(&id.parse::<FormId>().unwrap()).unwrap()
}

/// A submission of every field of a form, bar `leave_out`.
pub fn submit(policy: &Policy, id: &str, leave_out: &[&str]) -> Command {
    Command::SubmitForm {
        form: id.parse().unwrap(),
        values: fill(form(policy, id), leave_out),
    }
}

/// A case being worked: its policy, its stream and its state.
pub struct Harness {
    pub policy: &'static Policy,
    pub calendar: &'static Calendar,
    pub events: Vec<Event>,
    pub case: Case,
}

impl Harness {
    /// Raises a case under a built-in policy.
    pub fn raise(
        policy_id: &str,
        raise: Raise,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Harness, Refusal> {
        let (policy, calendar) = self::policy(policy_id);
        let events = Case::raise(policy, calendar, raise, &context(by, now))?;
        let case = Case::fold(&events).unwrap();
        Ok(Harness {
            policy,
            calendar,
            events,
            case,
        })
    }

    /// Decides a command and, if accepted, appends and applies its events.
    pub fn run(
        &mut self,
        command: Command,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Vec<Event>, Refusal> {
        let events = self
            .case
            .decide(self.policy, self.calendar, command, &context(by, now))?;
        for e in &events {
            self.case.apply(e);
        }
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    /// Like [`Harness::run`], panicking with the refusal's message.
    pub fn ok(&mut self, command: Command, by: &Actor, now: Timestamp) -> Vec<Event> {
        self.run(command, by, now)
            .unwrap_or_else(|r| panic!("refused ({}): {r}", r.section()))
    }
}

/// The notifications among `events`.
pub fn notifications(events: &[Event]) -> Vec<&NotificationDue> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::NotificationDue(n) => Some(n.as_ref()),
            _ => None,
        })
        .collect()
}

/// Whether `events` notify `to` on `occasion`.
pub fn notifies(events: &[Event], to: &str, occasion: Occasion) -> bool {
    notifications(events)
        .iter()
        .any(|n| n.to.id() == to && n.occasion == occasion)
}

/// The local date of a deadline, for asserting exact due dates.
pub fn due_day(case: &Case) -> Date {
    match case.due() {
        accord_calendar::Due::At { last_day, .. } => last_day,
        accord_calendar::Due::AsSoonAsPossible => panic!("the stage has no deadline"),
    }
}
