//! Accord's demo data: a partnership for each built-in policy, with its
//! agencies, a person in every role, and disagreements at every stage.
//!
//! [`demo`] builds it all from the time it is given, deterministically:
//! the same `now`, calendars and policies give the same ids and the same
//! events. Nothing here reads a clock, a file or a database; `accord demo
//! seed` writes what it returns.
//!
//! **Time.** Every event is placed a number of *working days* before the
//! local date of `now`, on the policy's calendar, at 09:00 and twenty
//! minutes apart; so a case raised eight working days before `now` on a
//! five-working-day stage is overdue whenever the demo is seeded, and one
//! raised two working days before is not. The one exception is East
//! Riding's 72-hour conference adjournment, which an open case within its
//! deadline entered three hours before `now`. Seeding again later gives
//! the same cases at later times: ids match, so the store can skip cases
//! it already has.
//!
//! **Events.** Every case is raised and walked with `accord-case`'s own
//! commands ([`Case::raise`](accord_case::Case::raise),
//! [`Case::decide`](accord_case::Case::decide)) by the people of its
//! partnership's directory, so it obeys every rule a real case does. A
//! command the engine refuses is a [`DemoError`], never a hand-made event.
//!
//! **People.** Names, emails and children are fictional: children are
//! "Child A", "Child B"…; emails are at `example.org` domains. Each
//! person's sign-in name says where they sit ([`Person::sign_in`]), and
//! [`Demo::sign_ins`] lists one person per role per partnership.
//!
//! ```
//! use accord_calendar::Calendars;
//!
//! let calendars = Calendars::builtin();
//! let policies = accord_policy::builtin(&calendars);
//! let now = "2025-06-02T09:30:00Z".parse().unwrap();
//! let demo = accord_demo::demo(now, &calendars, &policies).unwrap();
//! assert_eq!(demo.partnerships.len(), 5);
//! assert!(demo.cases.iter().any(|c| c.id.as_str() == "HAV-DEMO-0001"));
//! assert!(demo.sign_ins().iter().any(|s| s.sign_in == "hav-csc-practitioner"));
//! ```

mod cases;
mod clock;
mod directory;
mod forms;
mod history;
mod partnerships;
mod stories;
mod walk;

use accord_calendar::Calendars;
use accord_case::{CaseId, Event, PersonId, Refusal};
use accord_policy::{Policy, PolicyId, RoleId, RoleRef, RoleTier};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use directory::{Agency, AgencyKind, Partnership, Person};
pub use history::history;

impl<'a> From<&'a Demo> for accord_directory::Directory<'a> {
    fn from(demo: &'a Demo) -> accord_directory::Directory<'a> {
        accord_directory::Directory {
            partnerships: &demo.partnerships,
            agencies: &demo.agencies,
            people: &demo.people,
        }
    }
}

impl<'a> From<&'a Demo> for accord_directory::Seed<'a> {
    /// The demo as a seed: its directory, its cases, and the published
    /// [`DEMO_PASSWORD`] for its people.
    fn from(demo: &'a Demo) -> accord_directory::Seed<'a> {
        accord_directory::Seed {
            directory: demo.into(),
            cases: demo
                .cases
                .iter()
                .map(|c| (&c.id, c.events.as_slice()))
                .collect(),
            password: DEMO_PASSWORD,
        }
    }
}

/// The password every demo person signs in with. It is published (the
/// README lists it beside the demo sign-ins), so a demo database must never
/// hold real data.
pub const DEMO_PASSWORD: &str = "accord-demo-password";

/// Everything the demo contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demo {
    /// One partnership per built-in policy.
    pub partnerships: Vec<Partnership>,
    /// Their member agencies and their own teams.
    pub agencies: Vec<Agency>,
    /// Their people: every role tier, and every role each policy declares.
    pub people: Vec<Person>,
    /// The disagreements, each as the events to append to its stream.
    pub cases: Vec<DemoCase>,
}

/// One demo disagreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCase {
    /// Its id, such as `HAV-DEMO-0001`.
    pub id: CaseId,
    /// The partnership it belongs to.
    pub partnership: String,
    /// The policy it was raised under (at the version in its first event).
    pub policy: PolicyId,
    /// Its stream, numbered from 1, ready to append.
    pub events: Vec<Event>,
}

/// One line of the demo's sign-in sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// The partnership.
    pub partnership: String,
    /// The role: a tier such as `manager`, or a role the partnership's
    /// policy declares, such as `business-manager`.
    pub role: String,
    /// The sign-in name.
    pub sign_in: String,
    /// The person's name.
    pub name: String,
    /// Their agency's name.
    pub agency: String,
}

/// Why the demo could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DemoError {
    /// A built-in policy the demo has a partnership for was not given.
    #[error("the demo needs the built-in policy `{0}`: pass every built-in policy")]
    MissingPolicy(String),
    /// A policy's calendar was not given.
    #[error(
        "the demo needs the calendar `{calendar}` of policy `{policy}`: pass the built-in calendars"
    )]
    MissingCalendar {
        /// The policy.
        policy: String,
        /// Its calendar.
        calendar: String,
    },
    /// The case engine refused a step of a demo case: the demo no longer
    /// fits its policy, which the demo's tests exist to catch.
    #[error("demo case {case} was refused by the case engine ({}): {refusal}", refusal.section())]
    Refused {
        /// The case.
        case: CaseId,
        /// The engine's refusal.
        refusal: Box<Refusal>,
    },
}

/// Builds the demo as of `now`, from the built-in `calendars` and
/// `policies`.
pub fn demo(now: Timestamp, calendars: &Calendars, policies: &[Policy]) -> Result<Demo, DemoError> {
    let mut names = directory::Names::default();
    let mut out = Demo {
        partnerships: Vec::new(),
        agencies: Vec::new(),
        people: Vec::new(),
        cases: Vec::new(),
    };
    for plan in partnerships::PLANS {
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
        let dir = directory::Directory::build(plan, policy, &mut names);
        let clock = clock::Clock::new(now, calendar);
        out.cases
            .extend(cases::build(plan, policy, calendar, &dir, &clock)?);
        out.partnerships.push(dir.partnership);
        out.agencies.extend(dir.agencies);
        out.people.extend(dir.people);
    }
    Ok(out)
}

impl Demo {
    /// The person with this id.
    pub fn person(&self, id: &PersonId) -> Option<&Person> {
        self.people.iter().find(|p| &p.id == id)
    }

    /// One person per role per partnership: for every tier, the first
    /// person at it, then for every declared role, its first holder. This
    /// is the list the README and `accord serve --demo` print.
    pub fn sign_ins(&self) -> Vec<SignIn> {
        let mut out = Vec::new();
        for partnership in &self.partnerships {
            let people: Vec<&Person> = self
                .people
                .iter()
                .filter(|p| p.partnership == partnership.id)
                .collect();
            let mut roles: Vec<RoleRef> = RoleTier::ALL.into_iter().map(RoleRef::Tier).collect();
            let mut declared: Vec<&RoleId> =
                people.iter().flat_map(|p| &p.declared_roles).collect();
            declared.sort();
            declared.dedup();
            roles.extend(declared.into_iter().cloned().map(RoleRef::Declared));
            for role in roles {
                let Some(person) = people.iter().find(|p| p.holds(&role)) else {
                    continue;
                };
                out.push(SignIn {
                    partnership: partnership.id.clone(),
                    role: role.id().to_owned(),
                    sign_in: person.sign_in.clone(),
                    name: person.name.clone(),
                    agency: self
                        .agencies
                        .iter()
                        .find(|a| a.id == person.agency)
                        .map_or_else(String::new, |a| a.name.clone()),
                });
            }
        }
        out
    }
}
