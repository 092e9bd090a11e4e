//! The demo directory: partnerships, their member agencies and their people,
//! as plain serialisable records the storage layer can write as they are.

use accord_case::{AgencyId, PersonId};
use accord_policy::{Policy, RoleId, RoleTier};

pub use accord_directory::{Agency, AgencyKind, Partnership, Person};

use crate::partnerships::{Holder, Plan};

/// One partnership's directory: the partnership, its agencies (member
/// agencies first, its own team last) and its people.
#[derive(Debug, Clone)]
pub(crate) struct Directory {
    pub(crate) partnership: Partnership,
    pub(crate) agencies: Vec<Agency>,
    pub(crate) people: Vec<Person>,
}

/// The tiers every member agency has a person at, lowest first.
const AGENCY_TIERS: [RoleTier; 5] = [
    RoleTier::Practitioner,
    RoleTier::Manager,
    RoleTier::SafeguardingLead,
    RoleTier::SeniorManager,
    RoleTier::HeadOfService,
];

/// The tiers the partnership's own team has a person at.
const TEAM_TIERS: [RoleTier; 3] = [RoleTier::PartnershipTeam, RoleTier::Chair, RoleTier::Admin];

/// Fictional first names and surnames. Their counts are coprime, so
/// pairing the `n`th of each gives a different name for each `n` up to
/// their product: far more people than the demo has.
const FIRST_NAMES: [&str; 41] = [
    "Amara", "Ben", "Chloe", "Dev", "Ellie", "Femi", "Grace", "Hamza", "Isla", "Jonah", "Kiran",
    "Lena", "Marcus", "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Sami", "Tess", "Umar", "Vera",
    "Wes", "Yasmin", "Zac", "Aled", "Bronwen", "Cormac", "Delyth", "Ewan", "Fern", "Gethin",
    "Hollie", "Ifan", "Jude", "Kezia", "Lowri", "Mabli", "Niamh", "Orla", "Rhys",
];
const SURNAMES: [&str; 43] = [
    "Abbott",
    "Brightwell",
    "Carrow",
    "Dunmore",
    "Elsworth",
    "Fairley",
    "Greaves",
    "Holloway",
    "Ingram",
    "Jessop",
    "Kettering",
    "Lathbury",
    "Marlow",
    "Northey",
    "Ormerod",
    "Pellow",
    "Quarrie",
    "Rendell",
    "Stannard",
    "Trevaskis",
    "Upton",
    "Venning",
    "Wickens",
    "Yelland",
    "Ashdown",
    "Brennock",
    "Callister",
    "Denholm",
    "Eskdale",
    "Fenwick",
    "Garside",
    "Haslam",
    "Illingworth",
    "Kinvig",
    "Loxley",
    "Moorcroft",
    "Nettleton",
    "Oxley",
    "Pemberton",
    "Quilliam",
    "Redfern",
    "Skillicorn",
    "Thwaites",
];

/// Issues the demo's fictional names in a fixed order.
#[derive(Debug, Default)]
pub(crate) struct Names(usize);

impl Names {
    fn next(&mut self) -> (&'static str, &'static str) {
        let n = self.0;
        self.0 += 1;
        (
            FIRST_NAMES[n % FIRST_NAMES.len()],
            SURNAMES[n % SURNAMES.len()],
        )
    }
}

impl Directory {
    /// Builds a partnership's directory from its plan and its policy.
    pub(crate) fn build(plan: &Plan, policy: &Policy, names: &mut Names) -> Directory {
        let partnership = Partnership {
            id: plan.id.to_owned(),
            name: plan.name.to_owned(),
            policy: policy.id.clone(),
            case_prefix: plan.case_prefix.to_owned(),
            sign_in_prefix: plan.sign_in_prefix.to_owned(),
        };
        let mut d = Directory {
            partnership,
            agencies: Vec::new(),
            people: Vec::new(),
        };
        for member in plan.agencies {
            d.add_agency(plan, member.short, member.name, member.kind);
            for tier in AGENCY_TIERS {
                let title = job_title(member.kind, tier);
                d.add_person(plan, names, member.short, tier, title, Some(tier.id()));
            }
        }
        d.add_agency(
            plan,
            plan.team.short,
            plan.team.name,
            AgencyKind::PartnershipTeam,
        );
        for (tier, title) in TEAM_TIERS.into_iter().zip(plan.team.titles) {
            d.add_person(plan, names, plan.team.short, tier, title, None);
        }
        // The IRO works for the local authority that looks after the child;
        // the panel member is a senior officer of a Board member agency.
        let csc = plan.member(AgencyKind::ChildrensSocialCare).short;
        d.add_person(
            plan,
            names,
            csc,
            RoleTier::Iro,
            "Independent Reviewing Officer",
            None,
        );
        let panel_agency = plan.agencies[plan.agencies.len() - 1];
        d.add_person(
            plan,
            names,
            panel_agency.short,
            RoleTier::PanelMember,
            "Senior officer and Board member, Resolution Panel",
            None,
        );
        for role in &policy.roles {
            let holder = plan
                .roles
                .iter()
                .find(|(id, _)| *id == role.id.as_str())
                .map_or_else(|| Holder::by_tier(role.tier), |(_, h)| *h);
            d.assign(plan, names, policy, &role.id, holder);
        }
        d
    }

    fn add_agency(&mut self, plan: &Plan, short: &str, name: &str, kind: AgencyKind) {
        self.agencies.push(Agency {
            id: id(&format!("{}-{short}", plan.sign_in_prefix)),
            partnership: plan.id.to_owned(),
            name: name.to_owned(),
            kind,
        });
    }

    /// Adds a person. `suffix` ends their sign-in name after the agency's
    /// short name; `None` for the partnership-level people, whose sign-in
    /// is the prefix and their tier (`hav-chair`, `hav-iro`).
    fn add_person(
        &mut self,
        plan: &Plan,
        names: &mut Names,
        agency_short: &str,
        tier: RoleTier,
        job_title: &str,
        suffix: Option<&str>,
    ) -> usize {
        let sign_in = match suffix {
            Some(s) => format!("{}-{agency_short}-{s}", plan.sign_in_prefix),
            None => format!("{}-{}", plan.sign_in_prefix, tier.id()),
        };
        self.add_named(plan, names, agency_short, tier, job_title, sign_in)
    }

    fn add_named(
        &mut self,
        plan: &Plan,
        names: &mut Names,
        agency_short: &str,
        tier: RoleTier,
        job_title: &str,
        sign_in: String,
    ) -> usize {
        let (first, last) = names.next();
        self.people.push(Person {
            id: PersonId::parse(&sign_in).expect("demo sign-in names are valid person ids"),
            email: format!(
                "{}.{}@{}",
                first.to_lowercase(),
                last.to_lowercase(),
                plan.email_domain
            ),
            name: format!("{first} {last}"),
            job_title: job_title.to_owned(),
            partnership: plan.id.to_owned(),
            agency: id(&format!("{}-{agency_short}", plan.sign_in_prefix)),
            tier,
            declared_roles: Vec::new(),
            sign_in,
        });
        self.people.len() - 1
    }

    /// Gives a declared role of the policy to the people the plan says hold it.
    fn assign(
        &mut self,
        plan: &Plan,
        names: &mut Names,
        policy: &Policy,
        role: &RoleId,
        holder: Holder,
    ) {
        let Some(tier) = policy.role(role).map(|r| r.tier) else {
            return;
        };
        let holders: Vec<usize> = match holder {
            Holder::EveryAgency => (0..self.people.len())
                .filter(|&i| {
                    let p = &self.people[i];
                    p.tier == tier && short_of(plan, &p.agency) != plan.team.short
                })
                .collect(),
            Holder::Agency(kind) => (0..self.people.len())
                .filter(|&i| {
                    let p = &self.people[i];
                    p.tier == tier && short_of(plan, &p.agency) == plan.member(kind).short
                })
                .take(1)
                .collect(),
            Holder::Team => (0..self.people.len())
                .filter(|&i| {
                    let p = &self.people[i];
                    p.tier == tier && short_of(plan, &p.agency) == plan.team.short
                })
                .take(1)
                .collect(),
            Holder::Own { kind, title } => {
                let short = match kind {
                    Some(k) => plan.member(k).short,
                    None => plan.team.short,
                };
                let title = title.unwrap_or_else(|| {
                    policy.role(role).map_or(role.as_str(), |r| r.name.as_str())
                });
                let sign_in = format!("{}-{role}", plan.sign_in_prefix);
                vec![self.add_named(plan, names, short, tier, title, sign_in)]
            }
        };
        for i in holders {
            self.people[i].declared_roles.push(role.clone());
        }
    }
}

/// The short name an agency id was made from (`hav-police` → `police`).
fn short_of<'a>(plan: &Plan, agency: &'a AgencyId) -> &'a str {
    agency
        .as_str()
        .strip_prefix(plan.sign_in_prefix)
        .and_then(|s| s.strip_prefix('-'))
        .unwrap_or(agency.as_str())
}

fn id(s: &str) -> AgencyId {
    AgencyId::parse(s).expect("demo agency ids are valid")
}

/// The job title of the person at `tier` in an agency of `kind`.
fn job_title(kind: AgencyKind, tier: RoleTier) -> &'static str {
    use AgencyKind as K;
    use RoleTier as T;
    match (kind, tier) {
        (K::ChildrensSocialCare, T::Practitioner) => "Social worker",
        (K::ChildrensSocialCare, T::Manager) => "Team manager, assessment and intervention",
        (K::ChildrensSocialCare, T::SafeguardingLead) => "Child protection adviser",
        (K::ChildrensSocialCare, T::SeniorManager) => "Service manager, safeguarding",
        (K::ChildrensSocialCare, _) => "Head of children's social care",
        (K::Health, T::Practitioner) => "Health visitor",
        (K::Health, T::Manager) => "Health visiting team leader",
        (K::Health, T::SafeguardingLead) => "Named nurse for safeguarding children",
        (K::Health, T::SeniorManager) => "Associate director of nursing",
        (K::Health, _) => "Director of nursing and quality",
        (K::Police, T::Practitioner) => "Detective constable, child abuse investigation",
        (K::Police, T::Manager) => "Detective sergeant",
        (K::Police, T::SafeguardingLead) => "Detective inspector, safeguarding hub",
        (K::Police, T::SeniorManager) => "Detective chief inspector, public protection",
        (K::Police, _) => "Detective superintendent, public protection",
        (K::Education, T::Practitioner) => "Class teacher",
        (K::Education, T::Manager) => "Head of year",
        (K::Education, T::SafeguardingLead) => "Designated safeguarding lead",
        (K::Education, T::SeniorManager) => "Headteacher",
        (K::Education, _) => "Head of education safeguarding",
        (K::Probation, T::Practitioner) => "Probation officer",
        (K::Probation, T::Manager) => "Senior probation officer",
        (K::Probation, T::SafeguardingLead) => "Safeguarding lead, probation",
        (K::Probation, T::SeniorManager) => "Head of probation delivery unit",
        (K::Probation, _) => "Regional head of public protection",
        (K::AdultSocialCare, T::Practitioner) => "Social worker, adult social care",
        (K::AdultSocialCare, T::Manager) => "Team manager, adult social care",
        (K::AdultSocialCare, T::SafeguardingLead) => "Adult safeguarding lead",
        (K::AdultSocialCare, T::SeniorManager) => "Operations manager, adult social care",
        (K::AdultSocialCare, _) => "Head of adult social care",
        // The demo has no agency of these kinds.
        (K::YouthJustice | K::Housing | K::VoluntarySector | K::Other, _) => "Officer",
        (K::PartnershipTeam, _) => "Partnership officer",
    }
}
