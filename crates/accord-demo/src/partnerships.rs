//! The five demo partnerships, one per built-in policy: their names, member
//! agencies, the people who hold each role their policy declares, and the
//! words their policy uses for each kind of disagreement.

use crate::{directory::AgencyKind, stories::Topic};

/// How a demo partnership is made.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The partnership's id.
    pub(crate) id: &'static str,
    /// Its name.
    pub(crate) name: &'static str,
    /// The built-in policy it runs.
    pub(crate) policy: &'static str,
    /// The start of its case ids.
    pub(crate) case_prefix: &'static str,
    /// The start of its sign-in names and agency ids.
    pub(crate) sign_in_prefix: &'static str,
    /// Where its people's emails are.
    pub(crate) email_domain: &'static str,
    /// Its member agencies. The last also seats the panel member.
    pub(crate) agencies: &'static [Member],
    /// The partnership's own team.
    pub(crate) team: Team,
    /// Who holds each role the policy declares; a role not listed goes by
    /// [`Holder::by_tier`].
    pub(crate) roles: &'static [(&'static str, Holder)],
    /// The policy's area of disagreement for each kind of story.
    pub(crate) areas: &'static [(Topic, &'static str)],
}

/// A member agency.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    /// Its short name in ids and sign-ins, such as `police`.
    pub(crate) short: &'static str,
    /// Its name.
    pub(crate) name: &'static str,
    /// What kind of organisation it is.
    pub(crate) kind: AgencyKind,
}

/// The partnership's own team.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Team {
    /// Its short name.
    pub(crate) short: &'static str,
    /// Its name.
    pub(crate) name: &'static str,
    /// The job titles of its partnership-team person, chair and administrator.
    pub(crate) titles: [&'static str; 3],
}

/// Who holds a declared role.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Holder {
    /// The person of the role's tier in every member agency (Havering's
    /// agency members on the HSCP).
    EveryAgency,
    /// The person of the role's tier in the member agency of this kind
    /// (Sutton's children's social care team manager).
    Agency(AgencyKind),
    /// The partnership team's person of the role's tier (the chair, the
    /// Business Manager).
    Team,
    /// A person of their own, in the member agency of this kind or, for
    /// `None`, the partnership's team; titled as given or by the role's name.
    Own {
        /// Their agency's kind; `None` for the partnership's team.
        kind: Option<AgencyKind>,
        /// Their job title; `None` for the role's name.
        title: Option<&'static str>,
    },
}

impl Holder {
    /// For a role a plan does not list: agency tiers are held in every
    /// member agency, partnership tiers by a person of their own.
    pub(crate) fn by_tier(tier: accord_policy::RoleTier) -> Holder {
        use accord_policy::RoleTier as T;
        match tier {
            T::Practitioner
            | T::Manager
            | T::SafeguardingLead
            | T::SeniorManager
            | T::HeadOfService => Holder::EveryAgency,
            _ => Holder::Own {
                kind: None,
                title: None,
            },
        }
    }
}

impl Plan {
    /// The member agency of `kind`. Every plan has children's social care,
    /// health, police and education, which is all the stories ask for.
    pub(crate) fn member(&self, kind: AgencyKind) -> &Member {
        self.agencies
            .iter()
            .find(|m| m.kind == kind)
            .unwrap_or(&self.agencies[0])
    }

    /// The area of disagreement the policy files a story of `topic` under.
    pub(crate) fn area(&self, topic: Topic) -> Option<&'static str> {
        self.areas
            .iter()
            .find(|(t, _)| *t == topic)
            .map(|(_, a)| *a)
    }
}

use AgencyKind as K;
use Topic as T;

/// The demo partnerships, in the order of the built-in policies.
pub(crate) const PLANS: &[Plan] = &[
    Plan {
        id: "east-riding",
        name: "East Riding Safeguarding Children Partnership",
        policy: "east-riding-2018",
        case_prefix: "ERY",
        sign_in_prefix: "ery",
        email_domain: "erscp.example.org",
        agencies: &[
            Member {
                short: "csc",
                name: "East Riding Children's Social Care",
                kind: K::ChildrensSocialCare,
            },
            Member {
                short: "health",
                name: "East Riding 0-19 Public Health Nursing Service",
                kind: K::Health,
            },
            Member {
                short: "police",
                name: "Humberside Police, East Riding",
                kind: K::Police,
            },
            Member {
                short: "school",
                name: "Wolds Edge Secondary School",
                kind: K::Education,
            },
            Member {
                short: "probation",
                name: "Probation Service, East Riding",
                kind: K::Probation,
            },
        ],
        team: Team {
            short: "erscp",
            name: "ERSCP Team",
            titles: [
                "ERSCP Team officer",
                "Chair of the ERSCP",
                "ERSCP systems administrator",
            ],
        },
        roles: &[
            ("erscp-team", Holder::Team),
            ("erscp-chair", Holder::Team),
            (
                "erscp-service-manager",
                Holder::Own {
                    kind: None,
                    title: Some("ERSCP Service Manager"),
                },
            ),
            (
                "management-evaluation-and-effectiveness-group",
                Holder::Own {
                    kind: None,
                    title: Some("Chair of the Management, Evaluation and Effectiveness Group"),
                },
            ),
            (
                "conference-chair",
                Holder::Own {
                    kind: Some(K::ChildrensSocialCare),
                    title: Some("Child protection conference chair"),
                },
            ),
        ],
        areas: &[
            (T::Threshold, "levels-of-need-thresholds"),
            (T::NeedForAction, "response-to-reported-concern"),
            (T::Roles, "roles-and-responsibilities"),
            (T::InformationSharing, "communication"),
            (T::Communication, "communication"),
            (T::Plan, "progressing-plans"),
            (T::Conference, "decision-making"),
        ],
    },
    Plan {
        id: "havering",
        name: "Havering Safeguarding Children Partnership",
        policy: "havering-2022",
        case_prefix: "HAV",
        sign_in_prefix: "hav",
        email_domain: "havering-scp.example.org",
        agencies: &[
            Member {
                short: "csc",
                name: "Havering Children's Social Care",
                kind: K::ChildrensSocialCare,
            },
            Member {
                short: "health",
                name: "North East London community health services, Havering",
                kind: K::Health,
            },
            Member {
                short: "police",
                name: "Metropolitan Police, East Area",
                kind: K::Police,
            },
            Member {
                short: "school",
                name: "Hornchurch Fields Academy",
                kind: K::Education,
            },
            Member {
                short: "probation",
                name: "Probation Service, Havering",
                kind: K::Probation,
            },
        ],
        team: Team {
            short: "hscp",
            name: "Havering Safeguarding Children Partnership team",
            titles: [
                "Partnership Business Manager",
                "HSCP Independent Chair",
                "Partnership systems administrator",
            ],
        },
        roles: &[
            ("named-safeguarding-professional", Holder::Agency(K::Health)),
            (
                "health-designated-safeguarding-representative",
                Holder::Own {
                    kind: Some(K::Health),
                    title: Some("Designated nurse for safeguarding children"),
                },
            ),
            ("hscp-chair", Holder::Team),
            ("partnership-mailbox", Holder::Team),
        ],
        areas: &[
            (T::Threshold, "levels-of-need"),
            (T::NeedForAction, "need-for-action"),
            (T::Roles, "roles-and-responsibilities"),
            (T::InformationSharing, "progressing-plans-and-communication"),
            (T::Communication, "progressing-plans-and-communication"),
            (T::Plan, "progressing-plans-and-communication"),
        ],
    },
    Plan {
        id: "isle-of-man",
        name: "Isle of Man Safeguarding Board",
        policy: "isle-of-man-2023",
        case_prefix: "IOM",
        sign_in_prefix: "iom",
        email_domain: "iom-safeguarding-board.example.org",
        agencies: &[
            Member {
                short: "cfd",
                name: "Children and Families Division",
                kind: K::ChildrensSocialCare,
            },
            Member {
                short: "health",
                name: "Manx Care community health services",
                kind: K::Health,
            },
            Member {
                short: "police",
                name: "Isle of Man Constabulary",
                kind: K::Police,
            },
            Member {
                short: "school",
                name: "Ballacross High School",
                kind: K::Education,
            },
            Member {
                short: "asc",
                name: "Adult Social Care",
                kind: K::AdultSocialCare,
            },
        ],
        team: Team {
            short: "board",
            name: "Safeguarding Board Office",
            titles: [
                "Director of Multi-agency Safeguarding",
                "Independent Chair of the Safeguarding Board",
                "Safeguarding Board systems administrator",
            ],
        },
        roles: &[
            ("director-of-multi-agency-safeguarding", Holder::Team),
            ("independent-chair", Holder::Team),
        ],
        areas: &[
            (T::Threshold, "threshold"),
            (T::NeedForAction, "strategy-discussion"),
            (T::Roles, "roles-and-responsibilities"),
            (T::InformationSharing, "information-sharing"),
            (T::Communication, "information-sharing"),
            (T::Plan, "inadequate-plan"),
            (T::AdultProtection, "adult-protection-case-conference"),
            (T::AdultThreshold, "threshold"),
        ],
    },
    Plan {
        id: "plymouth",
        name: "Plymouth Safeguarding Children Board",
        policy: "plymouth-2025",
        case_prefix: "PLY",
        sign_in_prefix: "ply",
        email_domain: "plymouth-scb.example.org",
        agencies: &[
            Member {
                short: "csc",
                name: "Plymouth Children's Social Care",
                kind: K::ChildrensSocialCare,
            },
            Member {
                short: "health",
                name: "Plymouth community health NHS services",
                kind: K::Health,
            },
            Member {
                short: "police",
                name: "Devon and Cornwall Police, Plymouth",
                kind: K::Police,
            },
            Member {
                short: "school",
                name: "Stonehouse Quay Primary School",
                kind: K::Education,
            },
            Member {
                short: "probation",
                name: "Probation Service, Plymouth",
                kind: K::Probation,
            },
        ],
        team: Team {
            short: "pscb",
            name: "PSCB Business Unit",
            titles: [
                "PSCB Business Manager",
                "Chair of the PSCB",
                "PSCB systems administrator",
            ],
        },
        roles: &[
            ("business-manager", Holder::Team),
            ("pscb-chair", Holder::Team),
        ],
        areas: &[
            (T::Threshold, "levels-of-need"),
            (T::NeedForAction, "need-for-action"),
            (T::Roles, "roles-and-responsibilities"),
            (T::InformationSharing, "communication"),
            (T::Communication, "communication"),
            (T::Plan, "need-for-action"),
        ],
    },
    Plan {
        id: "sutton",
        name: "Sutton Local Safeguarding Children Board",
        policy: "sutton-2015",
        case_prefix: "SUT",
        sign_in_prefix: "sut",
        email_domain: "sutton-lscb.example.org",
        agencies: &[
            Member {
                short: "csc",
                name: "Sutton Children's Social Care",
                kind: K::ChildrensSocialCare,
            },
            Member {
                short: "health",
                name: "Sutton community health NHS services",
                kind: K::Health,
            },
            Member {
                short: "police",
                name: "Metropolitan Police, South West Area",
                kind: K::Police,
            },
            Member {
                short: "school",
                name: "Beddington Vale Primary School",
                kind: K::Education,
            },
            Member {
                short: "probation",
                name: "Probation Service, Sutton",
                kind: K::Probation,
            },
        ],
        team: Team {
            short: "lscb",
            name: "Sutton LSCB business unit",
            titles: [
                "LSCB Business Manager",
                "Independent LSCB Chair",
                "LSCB systems administrator",
            ],
        },
        roles: &[
            ("independent-lscb-chair", Holder::Team),
            ("csc-team-manager", Holder::Agency(K::ChildrensSocialCare)),
            ("designated-nurse-or-doctor", Holder::Agency(K::Health)),
            (
                "csc-safeguarding-manager",
                Holder::Agency(K::ChildrensSocialCare),
            ),
            (
                "conference-chair",
                Holder::Own {
                    kind: Some(K::ChildrensSocialCare),
                    title: Some("Child protection conference chair"),
                },
            ),
            (
                "safeguarding-advisor",
                Holder::Own {
                    kind: None,
                    title: Some("LSCB safeguarding advisor"),
                },
            ),
        ],
        areas: &[
            (T::Threshold, "point-of-referral"),
            (T::NeedForAction, "point-of-referral"),
            (T::Roles, "assessment-and-care-planning"),
            (T::InformationSharing, "assessment-and-care-planning"),
            (T::Communication, "child-protection-plan-implementation"),
            (T::Plan, "child-protection-plan-implementation"),
            (T::Conference, "registration-or-deregistration"),
            (T::StrategicQuality, "quality-assurance"),
            (T::StrategicTraining, "learning-and-development"),
            (T::StrategicPolicy, "policy-and-practice"),
        ],
    },
];
