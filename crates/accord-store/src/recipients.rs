//! Who a notification is for: the policy names roles (`iro`,
//! `stage-leads`, `business-manager`); the directory names people. A role
//! is read against the case it is about, so "the stage's leads" are the
//! people of the two agencies in dispute who hold the current stage's lead
//! roles, and "the next tier up" the tier above them in the same agencies.

use std::collections::BTreeSet;

use accord_case::{AgencyId, Case, Occasion, PersonId};
use accord_policy::{Policy, Relation, RoleRef, RoleTier};

use crate::Person;

/// The people a notification to `to` on `occasion` reaches: its
/// [`recipients`], less the person who raised the case when it is the
/// raise itself they would hear of (issue 12 §7: the other side is told;
/// the raiser knows).
pub fn told<'p>(
    to: &RoleRef,
    occasion: Occasion,
    case: &Case,
    policy: &Policy,
    people: &'p [Person],
) -> Vec<&'p Person> {
    let mut out = recipients(to, case, policy, people);
    if occasion == Occasion::Raised {
        out.retain(|p| p.id != case.raised_by().person);
    }
    out
}

/// The people `to` means on `case`, among `people` (its partnership's
/// directory), each once and in id order. Empty when nobody in the
/// directory holds the role: the caller logs it for an administrator.
pub fn recipients<'p>(
    to: &RoleRef,
    case: &Case,
    policy: &Policy,
    people: &'p [Person],
) -> Vec<&'p Person> {
    let mut ids = BTreeSet::new();
    collect(to, case, policy, people, &mut ids, 0);
    people.iter().filter(|p| ids.contains(&p.id)).collect()
}

fn collect(
    to: &RoleRef,
    case: &Case,
    policy: &Policy,
    people: &[Person],
    out: &mut BTreeSet<PersonId>,
    depth: u8,
) {
    // A policy's area route names a role, never a chain of relations; the
    // bound keeps a malformed one from looping.
    if depth > 2 {
        return;
    }
    let [raising, other] = case.parties();
    let leads = case.current_stage(policy).map(|s| &s.leads);
    match to {
        RoleRef::Relation(Relation::Raiser) => {
            out.insert(case.raiser().clone());
        }
        RoleRef::Relation(Relation::RaiserAgencyLead) => {
            if let Some(leads) = leads {
                side(case, raising, &leads.raising, policy, people, out);
            }
        }
        RoleRef::Relation(Relation::OtherAgencyLead) => {
            if let Some(leads) = leads {
                side(case, other, &leads.other, policy, people, out);
            }
        }
        RoleRef::Relation(Relation::StageLeads) => {
            if let Some(leads) = leads {
                side(case, raising, &leads.raising, policy, people, out);
                side(case, other, &leads.other, policy, people, out);
            }
        }
        RoleRef::Relation(Relation::NextTierUp) => {
            if let Some(leads) = leads {
                for (agency, roles) in [(raising, &leads.raising), (other, &leads.other)] {
                    // A side with no lead at this stage has nobody to go
                    // above (East Riding's Stage One is within one agency).
                    if roles.is_empty() {
                        continue;
                    }
                    // Above the most senior of the side's leads, so that
                    // nobody is told twice as both a lead and the tier up.
                    let mut highest = roles
                        .iter()
                        .filter_map(|r| tier_of(policy, r))
                        .max()
                        .unwrap_or(RoleTier::Practitioner);
                    // A practitioner side with nobody named is already led
                    // by the tier above its practitioners (`side`): the
                    // tier up is above that, so nobody hears of one
                    // deadline twice.
                    if highest == RoleTier::Practitioner
                        && agency == other
                        && case.raised_by().agency != *other
                        && case.other_professional().is_none()
                    {
                        highest = RoleTier::Manager;
                    }
                    above(agency, highest, people, out);
                }
            }
        }
        RoleRef::Relation(Relation::AreaRoute) => {
            let route = policy
                .areas
                .iter()
                .find(|a| &a.id == case.area())
                .and_then(|a| a.routes_to.as_ref());
            if let Some(route) = route {
                collect(route, case, policy, people, out, depth + 1);
            }
        }
        RoleRef::Relation(Relation::Panel) => {
            if let Some(panel) = case.panel() {
                out.extend(panel.members.iter().map(|m| m.person.clone()));
            }
        }
        role => {
            let partnership_wide = tier_of(policy, role).is_none_or(is_partnership_tier);
            out.extend(
                people
                    .iter()
                    .filter(|p| p.holds(role))
                    .filter(|p| partnership_wide || p.agency == *raising || p.agency == *other)
                    .map(|p| p.id.clone()),
            );
        }
    }
}

/// The people of `agency` who lead its side as one of `roles`. A
/// practitioner's side is the practitioner in the case (the raiser, or the
/// named other professional), not every practitioner of the agency.
fn side(
    case: &Case,
    agency: &AgencyId,
    roles: &[RoleRef],
    policy: &Policy,
    people: &[Person],
    out: &mut BTreeSet<PersonId>,
) {
    for role in roles {
        match role {
            RoleRef::Relation(Relation::Raiser) => {
                out.insert(case.raiser().clone());
            }
            RoleRef::Relation(_) => collect(role, case, policy, people, out, 1),
            RoleRef::Tier(RoleTier::Practitioner) => {
                if case.raised_by().agency == *agency {
                    out.insert(case.raiser().clone());
                } else if let Some(named) = case.other_professional() {
                    out.insert(named.clone());
                } else {
                    // Nobody named: the agency's lead for the stage is
                    // the nearest tier above its practitioners (issue 12
                    // §7), not every practitioner it has.
                    above(agency, RoleTier::Practitioner, people, out);
                }
            }
            role => out.extend(in_agency(agency, role, people)),
        }
    }
}

fn in_agency<'a>(
    agency: &'a AgencyId,
    role: &'a RoleRef,
    people: &'a [Person],
) -> impl Iterator<Item = PersonId> + 'a {
    people
        .iter()
        .filter(move |p| p.agency == *agency && p.holds(role))
        .map(|p| p.id.clone())
}

/// The nearest tier above `tier` that anyone in `agency` holds, or the
/// partnership team above the top of the agency.
fn above(agency: &AgencyId, tier: RoleTier, people: &[Person], out: &mut BTreeSet<PersonId>) {
    const LADDER: [RoleTier; 5] = [
        RoleTier::Practitioner,
        RoleTier::Manager,
        RoleTier::SafeguardingLead,
        RoleTier::SeniorManager,
        RoleTier::HeadOfService,
    ];
    let start = LADDER
        .iter()
        .position(|t| *t == tier)
        .map_or(LADDER.len(), |i| i + 1);
    for next in &LADDER[start.min(LADDER.len())..] {
        let found: Vec<PersonId> = people
            .iter()
            .filter(|p| p.agency == *agency && p.tier == *next)
            .map(|p| p.id.clone())
            .collect();
        if !found.is_empty() {
            out.extend(found);
            return;
        }
    }
    // Above an agency's most senior tier is the partnership itself: its
    // team takes up a delay nobody in the agency can (East Riding §3,
    // "involving managers at the next level", at Stage Four).
    out.extend(
        people
            .iter()
            .filter(|p| p.tier == RoleTier::PartnershipTeam)
            .map(|p| p.id.clone()),
    );
}

fn tier_of(policy: &Policy, role: &RoleRef) -> Option<RoleTier> {
    match role {
        RoleRef::Tier(t) => Some(*t),
        RoleRef::Declared(id) => policy.role(id).map(|r| r.tier),
        RoleRef::Relation(_) => None,
    }
}

/// Tiers that belong to the partnership, not to one agency: told wherever
/// they sit.
fn is_partnership_tier(tier: RoleTier) -> bool {
    matches!(
        tier,
        RoleTier::PartnershipTeam
            | RoleTier::Chair
            | RoleTier::PanelMember
            | RoleTier::Iro
            | RoleTier::Admin
    )
}
