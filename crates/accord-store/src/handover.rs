//! A leaver's open work (issue 13 §3, "Leavers"): what an administrator
//! must hand to someone else when a person's account is disabled, so that
//! nothing falls through. Two kinds, read from the register and the cases:
//! - the work a case gives them by name ([`Case::open_work_of`]): the
//!   raiser's part, the other agency's named professional, actions not yet
//!   done, panel seats. Handed over with `Command::HandOver`, recorded on
//!   the case.
//! - the stages whose lead role on their agency's side (or whose deciding
//!   role) only they held among the people still working: nobody would be
//!   awaited or told. That is mended in the directory (someone else is
//!   given the role), not on the case, so it is listed for the
//!   administrator with the role to give.

use accord_case::{OpenWork, Status};
use accord_policy::{RoleRef, RoleTier};

use crate::{DirectoryError, Person, RegisterEntry, Store};

/// One case where a person has work to hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseWork {
    /// The case, as the register holds it.
    pub entry: RegisterEntry,
    /// The work the case gives them by name.
    pub work: Vec<OpenWork>,
    /// The roles leading or deciding its current stage that they hold and
    /// nobody else still working where the role counts holds (in their
    /// agency, or in the partnership for a deciding role).
    pub sole_lead: Vec<RoleRef>,
}

impl Store {
    /// Every case of `person`'s partnership that is not closed or
    /// withdrawn where they have open work: work the case gives them by
    /// name, or a stage only they lead. Oldest case first, as the register
    /// lists them.
    pub async fn open_work_of(&self, person: &Person) -> Result<Vec<CaseWork>, DirectoryError> {
        let entries = self.register_of(&person.partnership).await?;
        let people = self.people(&person.partnership).await?;
        let disabled = self.disabled_people(&person.partnership).await?;
        let working: Vec<&Person> = people
            .iter()
            .filter(|p| p.id != person.id && !disabled.contains(&p.id))
            .collect();
        let mut out = Vec::new();
        for entry in entries {
            if entry.status.is_closed() {
                continue;
            }
            let work = if entry.involvement.people.contains(&person.id) {
                self.load_case(&entry.case)
                    .await?
                    .map(|case| case.open_work_of(&person.id))
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            let sole_lead = if entry.status == Status::Open {
                sole_lead(person, &entry, &working)
            } else {
                Vec::new()
            };
            if !work.is_empty() || !sole_lead.is_empty() {
                out.push(CaseWork {
                    entry,
                    work,
                    sole_lead,
                });
            }
        }
        Ok(out)
    }
}

/// The roles of `entry`'s current stage that `person` leads or decides it
/// in and none of `working` (everyone else still able to sign in) does.
fn sole_lead(person: &Person, entry: &RegisterEntry, working: &[&Person]) -> Vec<RoleRef> {
    let leads = &entry.leads;
    let mut side: Vec<&RoleRef> = Vec::new();
    if person.agency == entry.raising_agency {
        side.extend(&leads.raising);
    }
    if person.agency == entry.other_agency {
        side.extend(&leads.other);
    }
    // A practitioner's side is led by the practitioner in the case (the
    // raiser, or the named other professional), which is work the case
    // gives them by name, or else by the tier above: never by every
    // practitioner of the agency, so being the only one leaves no gap.
    let in_agency = side
        .into_iter()
        .filter(|r| {
            !matches!(
                r,
                RoleRef::Relation(_) | RoleRef::Tier(RoleTier::Practitioner)
            ) && person.holds(r)
        })
        .filter(|r| {
            !working
                .iter()
                .any(|p| p.agency == person.agency && p.holds(r))
        });
    let deciding = leads
        .decides
        .iter()
        .filter(|r| !matches!(r, RoleRef::Relation(_)) && person.holds(r))
        .filter(|r| !working.iter().any(|p| p.holds(r)));
    let mut out: Vec<RoleRef> = in_agency.chain(deciding).cloned().collect();
    out.dedup();
    out
}
