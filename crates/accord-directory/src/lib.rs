//! The directory: a partnership, its member agencies and its people, with
//! the roles of the partnership's policy each person holds. These are the
//! records a real partnership keeps and the store writes as they are; the
//! demo builds its five partnerships from them like any partnership would
//! (issue 13: the store depends on no demo).
//!
//! Pure: no I/O. [`Directory`] is a directory to write, and [`Seed`] a
//! directory with cases to append and a password for its people, such as
//! the demo's.

pub mod csv_files;
pub mod search;

use accord_case::{Actor, AgencyId, CaseId, Event, PersonId};
use accord_policy::{Policy, PolicyId, Role, RoleId, RoleRef, RoleTier};
use serde::{Deserialize, Serialize};

/// A Safeguarding Children Partnership (or Board): the tenant, running one
/// built-in policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partnership {
    /// Stable id, such as `havering`.
    pub id: String,
    /// Its name, such as "Havering Safeguarding Children Partnership".
    pub name: String,
    /// The policy its disagreements run under.
    pub policy: PolicyId,
    /// The start of its case ids, such as `HAV` in `HAV-2025-0001`.
    pub case_prefix: String,
    /// The start of its people's sign-in names, such as `hav`.
    pub sign_in_prefix: String,
}

/// What kind of organisation an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgencyKind {
    /// The local authority's children's social care.
    ChildrensSocialCare,
    /// Health: an NHS trust, the Integrated Care Board, a GP practice.
    Health,
    /// The police force.
    Police,
    /// Education and early years: a school, a college, a nursery, the
    /// education service.
    Education,
    /// The probation service.
    Probation,
    /// The youth justice service.
    YouthJustice,
    /// Housing: the council's housing service, a housing association.
    Housing,
    /// Adult social care (the Isle of Man policy covers vulnerable adults).
    AdultSocialCare,
    /// A voluntary or community sector organisation.
    VoluntarySector,
    /// Any other partner.
    Other,
    /// The partnership's own team: Business Manager, chairs, administrator.
    PartnershipTeam,
}

impl AgencyKind {
    /// Every kind, in the order a list offers them.
    pub const ALL: [AgencyKind; 11] = [
        AgencyKind::ChildrensSocialCare,
        AgencyKind::Police,
        AgencyKind::Health,
        AgencyKind::Education,
        AgencyKind::Probation,
        AgencyKind::YouthJustice,
        AgencyKind::Housing,
        AgencyKind::AdultSocialCare,
        AgencyKind::VoluntarySector,
        AgencyKind::Other,
        AgencyKind::PartnershipTeam,
    ];
}

/// A member organisation of a partnership, or the partnership's own team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Stable id, unique across Accord, such as `hav-police`.
    pub id: AgencyId,
    /// The partnership it belongs to.
    pub partnership: String,
    /// Its name.
    pub name: String,
    /// What kind of organisation it is.
    pub kind: AgencyKind,
}

/// Someone who signs in to Accord: a practitioner, manager, chair or
/// administrator of one partnership, in one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Stable id, unique across Accord; the demo's are the same text as
    /// `sign_in`.
    pub id: PersonId,
    /// The name they sign in with: the partnership's prefix, their agency's
    /// short name where they belong to a member agency, then their tier or
    /// declared role, such as `hav-police-manager` or `hav-chair`.
    pub sign_in: String,
    /// Their full name.
    pub name: String,
    /// Their job title in their agency.
    pub job_title: String,
    /// Their email, where their invitations and notifications go.
    pub email: String,
    /// The partnership whose directory they are in.
    pub partnership: String,
    /// Their agency.
    pub agency: AgencyId,
    /// Their role tier.
    pub tier: RoleTier,
    /// The roles of the partnership's policy they hold, each of their own
    /// tier, such as Havering's `hscp-member`. One person can hold several:
    /// a Plymouth designated safeguarding lead is both the `designated-person`
    /// of Stage One and the `named-designated-safeguarding-representative`
    /// of Stage Four.
    pub declared_roles: Vec<RoleId>,
}

impl Person {
    /// Who they are when they act on a case.
    pub fn actor(&self) -> Actor {
        Actor {
            person: self.id.clone(),
            agency: self.agency.clone(),
            tier: self.tier,
            roles: self.declared_roles.clone(),
        }
    }

    /// What the directory says of them when a command names them. The demo
    /// disables nobody.
    pub fn directory_entry(&self) -> accord_case::DirectoryEntry {
        accord_case::DirectoryEntry {
            person: self.actor(),
            active: true,
        }
    }

    /// Whether someone of `tier` may hold `role`, one of the roles
    /// `policy` declares, beside their tier (issue 13 §3: "A person may
    /// hold several roles, in their own agency and in partnership groups (a
    /// head of service who is also a Board member and a panel member)"). A
    /// role in their own agency is of their own tier: Plymouth's designated
    /// person is a safeguarding lead. A role in a partnership group may be
    /// held beside any tier of a manager or above (the panels' "senior
    /// officer", Havering §2.12), never a practitioner's or an
    /// administrator's (who takes no part in cases): a role a Resolution
    /// Panel seats (Plymouth's `pscb-board-representative`, Havering's
    /// `hscp-member`), or one of a partnership tier (a chair, a panel
    /// member, the partnership team, an IRO). So a senior manager who leads
    /// their agency at Stage Four as its operations manager can also be its
    /// Board representative.
    pub fn may_hold(policy: &Policy, role: &Role, tier: RoleTier) -> bool {
        role.tier == tier
            || (!matches!(tier, RoleTier::Practitioner | RoleTier::Admin)
                && is_group_role(policy, role))
    }

    /// Whether they hold `role` as a tier or as a declared role. Relations
    /// to a case (`raiser`, `stage-leads`…) are held by nobody in general.
    pub fn holds(&self, role: &RoleRef) -> bool {
        match role {
            RoleRef::Tier(tier) => self.tier == *tier,
            RoleRef::Declared(id) => self.declared_roles.contains(id),
            RoleRef::Relation(_) => false,
        }
    }
}

/// A directory to write: partnerships, their agencies and their people.
/// Each agency's partnership and each person's agency must be in it or
/// already stored.
#[derive(Debug, Clone, Copy)]
pub struct Directory<'a> {
    /// The partnerships.
    pub partnerships: &'a [Partnership],
    /// Their agencies and own teams.
    pub agencies: &'a [Agency],
    /// Their people.
    pub people: &'a [Person],
}

/// A directory with cases to append to it, each a whole stream, and the
/// password its people sign in with until they set their own: what
/// `accord demo seed` writes.
#[derive(Debug, Clone)]
pub struct Seed<'a> {
    /// The directory.
    pub directory: Directory<'a>,
    /// The cases, each as its id and the events of its stream from the first.
    pub cases: Vec<(&'a CaseId, &'a [Event])>,
    /// The password given to each of its people who has none.
    pub password: &'a str,
}

/// Whether `role` belongs to a partnership group rather than to one
/// agency's line: a Resolution Panel seats it, or its tier is the
/// partnership's.
fn is_group_role(policy: &Policy, role: &Role) -> bool {
    let seated = policy
        .tracks
        .iter()
        .flat_map(|t| &t.stages)
        .filter_map(|s| s.panel.as_ref())
        .flat_map(|p| &p.seats)
        .any(|seat| matches!(seat, RoleRef::Declared(id) if *id == role.id));
    seated
        || matches!(
            role.tier,
            RoleTier::Chair | RoleTier::PanelMember | RoleTier::PartnershipTeam | RoleTier::Iro
        )
}

#[cfg(test)]
mod tests {
    use super::AgencyKind;

    /// Every kind is stored by its kebab-case name and read back as itself,
    /// and `ALL` lists each once (issue 13: the partners a real partnership
    /// has).
    #[test]
    fn every_agency_kind_is_stored_by_name_and_listed_once() {
        let mut names = Vec::new();
        for kind in AgencyKind::ALL {
            let name = serde_json::to_value(kind).unwrap();
            let back: AgencyKind = serde_json::from_value(name.clone()).unwrap();
            assert_eq!(back, kind);
            names.push(name.as_str().unwrap().to_owned());
        }
        assert!(names.contains(&"youth-justice".to_owned()));
        assert!(names.contains(&"voluntary-sector".to_owned()));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AgencyKind::ALL.len());
    }
}
