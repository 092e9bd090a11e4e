//! The access rules (issue 4), in one place: [`may_see`] decides whether a
//! person may see a case. Everything that shows or changes a case asks it,
//! and a case someone may not see is answered exactly as a case that does
//! not exist.
//!
//! The rules, in order:
//!
//! 1. **Nobody ever sees another partnership's data.** A case belongs to its
//!    raising agency's partnership, as the directory records it; a case whose
//!    partnership cannot be found is seen by nobody.
//! 2. **Admins see no case content**, whatever else is true of them.
//! 3. **Personal involvement**, for every other tier
//!    ([`Case::involvement`]): the person who raised the case, the named
//!    other professional, a lead, whoever has an action or a learning
//!    follow-up on it not yet done, and a member convened to its panel. A
//!    *lead* is anyone recorded as a participant in a discussion held at
//!    the case's current stage: the case
//!    records who took part, not who leads, and whoever is discussing it now
//!    is leading it. Participants of earlier stages' discussions are not
//!    leads any more.
//! 4. **Managers, safeguarding leads, senior managers and heads of service**
//!    see the cases involving their own agency, as raising or other agency.
//! 5. **The partnership team and the chair** see every case in their
//!    partnership.
//! 6. **An IRO** sees the cases they were notified about. Notifications go to
//!    a role, not to a person, so a case with a notification due to the
//!    `iro` tier counts as notified to every IRO of its partnership. The
//!    same holds for a role the policy declares, which is the partnership's
//!    to fill (Havering's HSCP Chair, Plymouth's Business Manager, the Isle
//!    of Man's Director): its holders see the cases it was told of. A
//!    notification to an agency tier, such as a safeguarding lead told of
//!    immediate risk, reaches that agency's people through rule 4, not every
//!    safeguarding lead in the partnership.
//! 7. **A role the policy asks to act at the case's current stage**, by
//!    completing a section of a form the stage needs (Sutton's Safeguarding
//!    Advisor signs Appendix 1): its holders see the case while it is at
//!    that stage. Declared roles only, as in rule 6.
//!
//! Practitioners and panel members see only what rules 3, 6 and 7 give
//! them.
//!
//! **Seeing is not changing.** Those whom rule 6 alone lets see a case only
//! read it, and those whom rule 7 alone lets see it only submit the form it
//! asks of them ([`Standing::may_act`], with the form compared against
//! [`forms_asked_of`]: the Advisor may submit Appendix 1 and no other form);
//! everyone else who may see it may ask the
//! engine for any command, and the policy decides (only a manager extends,
//! only the chair convenes a panel…).

use accord_case::{AgencyId, Case, Involvement};
use accord_policy::{FormId, GroupId, LearningGroup, Policy, RoleRef, RoleTier};
use accord_store::{Person, RegisterEntry};

/// What the rules look at in a case: its partnership, the two agencies in
/// dispute, and who is involved and whom it has told. Made from a folded
/// case ([`CaseFacts::of_case`]) or from its register entry
/// ([`CaseFacts::of_entry`]), which keeps the same facts, so that one
/// function decides for a case page and for a list alike.
#[derive(Debug, Clone, Copy)]
pub struct CaseFacts<'a> {
    /// The case's partnership (its raising agency's); `None` when the
    /// directory does not know the agency, which nobody may see.
    pub partnership: Option<&'a str>,
    /// The raising agency, then the other.
    pub parties: [&'a AgencyId; 2],
    /// Who is personally involved, and whom it has told.
    pub involvement: &'a Involvement,
}

impl<'a> CaseFacts<'a> {
    /// The facts of a folded `case`, whose [`Case::involvement`] is
    /// `involvement`, in `partnership`.
    pub fn of_case(
        case: &'a Case,
        involvement: &'a Involvement,
        partnership: Option<&'a str>,
    ) -> CaseFacts<'a> {
        CaseFacts {
            partnership,
            parties: case.parties(),
            involvement,
        }
    }

    /// The facts of a register entry in `partnership`.
    pub fn of_entry(entry: &'a RegisterEntry, partnership: Option<&'a str>) -> CaseFacts<'a> {
        CaseFacts {
            partnership,
            parties: [&entry.raising_agency, &entry.other_agency],
            involvement: &entry.involvement,
        }
    }
}

/// Which partnership a case belongs to: its raising agency's, looked up by
/// `agency_partnership`; `None` if the directory does not know the agency.
pub fn case_partnership<'a>(
    case: &Case,
    agency_partnership: impl Fn(&AgencyId) -> Option<&'a str>,
) -> Option<&'a str> {
    agency_partnership(&case.raised_by().agency)
}

/// How someone stands to a case, by the rules above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Not theirs to see (rules 1 and 2, or no rule gives it them).
    None,
    /// Told of it (rule 6): they may read it.
    Onlooker,
    /// Asked to complete a section of a form its current stage needs (rule
    /// 7): they may read it and submit that form.
    FormRole,
    /// Working on it, through their part in it, their agency or their
    /// partnership role (rules 3 to 5): they may read and change it, as far
    /// as the policy lets them.
    Working,
}

/// How `person` stands to the case `facts` describe.
pub fn standing(person: &Person, facts: CaseFacts<'_>) -> Standing {
    if facts.partnership != Some(person.partnership.as_str()) || person.tier == RoleTier::Admin {
        return Standing::None;
    }
    let involvement = facts.involvement;
    let working = match person.tier {
        RoleTier::PartnershipTeam | RoleTier::Chair => true,
        RoleTier::Manager
        | RoleTier::SafeguardingLead
        | RoleTier::SeniorManager
        | RoleTier::HeadOfService => facts.parties.contains(&&person.agency),
        _ => false,
    } || involvement.people.contains(&person.id);
    let holds = |roles: &[RoleRef]| {
        roles
            .iter()
            .any(|role| holds_partnership_role(person, role))
    };
    if working {
        Standing::Working
    } else if holds(&involvement.acting) {
        Standing::FormRole
    } else if holds(&involvement.notified) {
        Standing::Onlooker
    } else {
        Standing::None
    }
}

/// What the register asks of the store for `person` (issue 18): the rules
/// of [`standing`] as a query, so that a page of the register is checked
/// in the database, never case by case. `None` for an administrator, who
/// sees no case. `tests/register_pages.rs` holds it to [`may_see`] for
/// every demo person and case.
pub fn register_reader(person: &Person) -> Option<accord_store::RegisterReader> {
    let (whole_partnership, agency) = match person.tier {
        RoleTier::Admin => return None,
        RoleTier::PartnershipTeam | RoleTier::Chair => (true, None),
        RoleTier::Manager
        | RoleTier::SafeguardingLead
        | RoleTier::SeniorManager
        | RoleTier::HeadOfService => (false, Some(person.agency.clone())),
        _ => (false, None),
    };
    let mut roles: Vec<RoleRef> = person
        .declared_roles
        .iter()
        .cloned()
        .map(RoleRef::Declared)
        .collect();
    if person.tier == RoleTier::Iro {
        roles.push(RoleRef::Tier(RoleTier::Iro));
    }
    Some(accord_store::RegisterReader {
        partnership: person.partnership.clone(),
        whole_partnership,
        agency,
        person: person.id.clone(),
        roles,
    })
}

/// Whether `person` holds `role` as rules 6 and 7 count it: a role the
/// policy declares, which the partnership fills, or the IRO's.
fn holds_partnership_role(person: &Person, role: &RoleRef) -> bool {
    matches!(role, RoleRef::Declared(_) | RoleRef::Tier(RoleTier::Iro)) && person.holds(role)
}

/// The forms the current stage of `case` asks `person` to complete a
/// section of (rule 7): each form the stage needs with a section whose
/// `completed_by` is a role they hold (Sutton Appendix 1: the Safeguarding
/// Advisor's signature, at Stage 2). They are the only forms someone whom
/// rule 7 alone lets see the case may submit.
pub fn forms_asked_of<'p>(person: &Person, case: &Case, policy: &'p Policy) -> Vec<&'p FormId> {
    let mut forms: Vec<&FormId> = case
        .current_stage(policy)
        .into_iter()
        .flat_map(|stage| &stage.forms)
        .filter_map(|needed| policy.form(&needed.form))
        .filter(|form| {
            form.sections
                .iter()
                .filter_map(|s| s.completed_by.as_ref())
                .any(|role| holds_partnership_role(person, role))
        })
        .map(|form| &form.id)
        .collect();
    forms.dedup();
    forms
}

/// Whether `person` may see the case `facts` describe.
pub fn may_see(person: &Person, facts: CaseFacts<'_>) -> bool {
    standing(person, facts) != Standing::None
}

/// Whether `person` may see their partnership's insight (issue 15 §1):
/// the figures over every case of the partnership, which count cases and
/// name no child. The partnership team and the chair, who see every case
/// (rule 5); administrators, who keep the partnership running and see no
/// case (rule 2); and whoever holds the role of a group the partnership's
/// `policy` forwards learning to (Sutton's subgroup chairs, East Riding's
/// Service Manager and its Management, Evaluation and Effectiveness
/// Group). They see the figures, and only the team and the chair the cases
/// behind them, as [`may_see`] decides for each. Practitioners, managers,
/// leads, panel members and IROs see their own cases, not the
/// partnership's figures.
pub fn may_see_insight(person: &Person, policy: &Policy) -> bool {
    matches!(
        person.tier,
        RoleTier::PartnershipTeam | RoleTier::Chair | RoleTier::Admin
    ) || learning_groups_of(person, policy).next().is_some()
}

/// The groups of `policy`'s `learning.forward_to` whose role `person`
/// holds: the learning forwarded to them is theirs to see and follow up.
pub fn learning_groups_of<'p>(
    person: &Person,
    policy: &'p Policy,
) -> impl Iterator<Item = &'p LearningGroup> {
    policy
        .learning
        .forward_to
        .iter()
        .filter(move |g| g.role.as_ref().is_some_and(|r| person.holds(r)))
}

/// Which learning `person` may read in their partnership's learning log
/// (issue 15 §2), if any. The partnership team and the chair, who see
/// every case, read all of it; the holder of a group's role reads what was
/// forwarded to their groups. Administrators see no case content (rule 2),
/// and learning is case content.
pub fn learning_log_reach(person: &Person, policy: &Policy) -> Option<LogReach> {
    match person.tier {
        RoleTier::PartnershipTeam | RoleTier::Chair => Some(LogReach::All),
        RoleTier::Admin => None,
        _ => {
            let groups: Vec<GroupId> = learning_groups_of(person, policy)
                .map(|g| g.id.clone())
                .collect();
            (!groups.is_empty()).then_some(LogReach::Groups(groups))
        }
    }
}

/// How much of the learning log someone reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogReach {
    /// All of it.
    All,
    /// What was forwarded to these groups.
    Groups(Vec<GroupId>),
}

impl LogReach {
    /// Whether learning forwarded to `group` is in reach.
    pub fn reaches(&self, group: Option<&GroupId>) -> bool {
        match self {
            LogReach::All => true,
            LogReach::Groups(groups) => group.is_some_and(|g| groups.contains(g)),
        }
    }
}

/// Whether the insight page links each figure to the cases behind it for
/// `person`: those who see every case of their partnership (rule 5), the
/// partnership team and the chair. The list still asks [`may_see`] of
/// each case.
pub fn may_open_insight_cases(person: &Person) -> bool {
    matches!(person.tier, RoleTier::PartnershipTeam | RoleTier::Chair)
}

/// Whether `person` may read the reports their partnership issued to its
/// board (issue 15 §3): whoever may see its insight, since a report is the
/// same figures, anonymised, with the business manager's narrative.
pub fn may_read_board_reports(person: &Person, policy: &Policy) -> bool {
    may_see_insight(person, policy)
}

/// Whether `person` may prepare and issue a report to their partnership's
/// board (issue 15 §3): the partnership team, where the business manager
/// sits (DESIGN.md §1: they "report themes and learning to subgroups"), and
/// the partnership's administrators. The chair reads the reports and does
/// not issue them.
pub fn may_issue_board_report(person: &Person) -> bool {
    matches!(person.tier, RoleTier::PartnershipTeam | RoleTier::Admin)
}

/// Whether `person` may answer a subject access request (issue 17 §3):
/// the partnership team, who read every case and release what the law
/// asks. Administrators see no disagreement, so they may not.
pub fn may_answer_subject_access(person: &Person) -> bool {
    person.tier == RoleTier::PartnershipTeam
}

/// Whether `person` may read their partnership's retention schedule and
/// what it makes due (issue 17 §2): the partnership team, who are told
/// before a case is erased and place legal holds, and the administrators,
/// who set the schedule. The plan names cases by reference only.
pub fn may_see_retention(person: &Person) -> bool {
    matches!(person.tier, RoleTier::PartnershipTeam | RoleTier::Admin)
}

/// Whether `person` may set their partnership's retention schedule: its
/// administrators, as they keep its other settings.
pub fn may_set_retention(person: &Person) -> bool {
    person.tier == RoleTier::Admin
}

/// Whether `person` may place or release a legal hold on a case of their
/// partnership: the partnership team, who know of the reviews and
/// proceedings a case is needed for.
pub fn may_hold_cases(person: &Person) -> bool {
    person.tier == RoleTier::PartnershipTeam
}

impl Standing {
    /// Whether someone so standing may change the case: those working on
    /// it, and those a form of its current stage asks for when
    /// `submitting_their_form` (a form of [`forms_asked_of`] them, not any
    /// form). Who may do which command is then the policy's to say.
    pub fn may_act(self, submitting_their_form: bool) -> bool {
        match self {
            Standing::Working => true,
            Standing::FormRole => submitting_their_form,
            Standing::Onlooker | Standing::None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use accord_calendar::Calendars;

    use super::*;

    /// Who, which case, and whether they may see it. `own` is a case they
    /// raised or lead, or that involves their agency, panel or notice as
    /// their rule needs; `agency` is another agency's case in their
    /// partnership; `partnership` is another partnership's case.
    const MATRIX: &[(&str, &str, &str, bool)] = &[
        // who                         case             what it is         allowed
        (
            "hav-school-practitioner",
            "HAV-DEMO-0001",
            "own: raised",
            true,
        ),
        (
            "hav-police-practitioner",
            "HAV-DEMO-0002",
            "own: lead now",
            true,
        ),
        (
            "hav-police-practitioner",
            "HAV-DEMO-0011",
            "agency: lead before",
            false,
        ),
        ("hav-school-practitioner", "HAV-DEMO-0005", "agency", false),
        (
            "hav-school-practitioner",
            "SUT-DEMO-0001",
            "partnership",
            false,
        ),
        (
            "hav-police-manager",
            "HAV-DEMO-0010",
            "own: raising agency",
            true,
        ),
        ("hav-police-manager", "HAV-DEMO-0001", "agency", false),
        ("hav-police-manager", "SUT-DEMO-0004", "partnership", false),
        (
            "hav-health-safeguarding-lead",
            "HAV-DEMO-0003",
            "own: raising agency",
            true,
        ),
        (
            "hav-health-safeguarding-lead",
            "HAV-DEMO-0005",
            "agency",
            false,
        ),
        (
            "hav-health-safeguarding-lead",
            "SUT-DEMO-0003",
            "partnership",
            false,
        ),
        (
            "hav-csc-senior-manager",
            "HAV-DEMO-0001",
            "own: other agency",
            true,
        ),
        ("hav-csc-senior-manager", "HAV-DEMO-0006", "agency", false),
        (
            "hav-csc-senior-manager",
            "SUT-DEMO-0001",
            "partnership",
            false,
        ),
        (
            "hav-school-head-of-service",
            "HAV-DEMO-0002",
            "own: raising agency",
            true,
        ),
        (
            "hav-school-head-of-service",
            "HAV-DEMO-0005",
            "agency",
            false,
        ),
        (
            "hav-school-head-of-service",
            "SUT-DEMO-0001",
            "partnership",
            false,
        ),
        (
            "hav-partnership-team",
            "HAV-DEMO-0001",
            "own partnership",
            true,
        ),
        (
            "hav-partnership-team",
            "HAV-DEMO-0005",
            "own partnership",
            true,
        ),
        (
            "hav-partnership-team",
            "SUT-DEMO-0001",
            "partnership",
            false,
        ),
        ("hav-chair", "HAV-DEMO-0001", "own partnership", true),
        ("hav-chair", "HAV-DEMO-0005", "own partnership", true),
        ("hav-chair", "IOM-DEMO-0001", "partnership", false),
        ("hav-panel-member", "HAV-DEMO-0007", "own: convened", true),
        (
            "hav-panel-member",
            "HAV-DEMO-0001",
            "agency: not convened",
            false,
        ),
        (
            "hav-panel-member",
            "PLY-DEMO-0006",
            "partnership: a panel",
            false,
        ),
        ("hav-iro", "HAV-DEMO-0003", "own: notified", true),
        (
            "hav-iro",
            "HAV-DEMO-0001",
            "agency: own agency, not notified",
            false,
        ),
        ("hav-iro", "SUT-DEMO-0001", "partnership", false),
        ("hav-admin", "HAV-DEMO-0001", "own partnership", false),
        ("hav-admin", "HAV-DEMO-0005", "own partnership", false),
        ("hav-admin", "SUT-DEMO-0001", "partnership", false),
    ];

    /// Issue 15 §1 and §2: "the groups the policy names" see the
    /// partnership's insight, and the learning forwarded to them. Sutton's
    /// subgroup chairs are often senior managers of a member agency; here
    /// the learning and development subgroup's chair is one.
    #[test]
    fn a_learning_groups_role_holder_sees_insight_and_their_groups_learning() {
        let calendars = Calendars::builtin();
        let source = accord_policy::BUILTIN
            .iter()
            .find(|(id, _)| *id == "sutton-2015")
            .expect("Sutton is built in")
            .1;
        let role = "id = \"learning-and-development-subgroup-chair\"\nname = \"Chair of the LSCB learning and development subgroup\"\ntier = \"chair\"";
        assert!(source.contains(role));
        let source = source.replace(
            role,
            &role.replace("tier = \"chair\"", "tier = \"senior-manager\""),
        );
        let policy = Policy::from_toml(&source, &calendars).expect("still a valid policy");
        let person = |tier: RoleTier, roles: &[&str]| Person {
            id: "sut-someone".parse().unwrap(),
            sign_in: "sut-someone".into(),
            name: "Someone".into(),
            job_title: String::new(),
            email: String::new(),
            partnership: "sutton".into(),
            agency: "sut-health".parse().unwrap(),
            tier,
            declared_roles: roles.iter().map(|r| r.parse().unwrap()).collect(),
        };
        let chair_of_group = person(
            RoleTier::SeniorManager,
            &["learning-and-development-subgroup-chair"],
        );
        assert!(may_see_insight(&chair_of_group, &policy));
        assert!(!may_open_insight_cases(&chair_of_group));
        let reach = learning_log_reach(&chair_of_group, &policy).expect("reads the log");
        assert_eq!(
            reach,
            LogReach::Groups(vec!["learning-and-development".parse().unwrap()])
        );
        assert!(reach.reaches(Some(&"learning-and-development".parse().unwrap())));
        assert!(!reach.reaches(Some(&"policy-and-practice".parse().unwrap())));
        assert!(
            !reach.reaches(None),
            "learning forwarded nowhere is the team's"
        );

        let other_senior = person(RoleTier::SeniorManager, &[]);
        assert!(!may_see_insight(&other_senior, &policy));
        assert_eq!(learning_log_reach(&other_senior, &policy), None);
        let admin = person(RoleTier::Admin, &[]);
        assert!(may_see_insight(&admin, &policy));
        assert_eq!(
            learning_log_reach(&admin, &policy),
            None,
            "learning is case content, which administrators do not see"
        );
        for tier in [RoleTier::PartnershipTeam, RoleTier::Chair] {
            assert_eq!(
                learning_log_reach(&person(tier, &[]), &policy),
                Some(LogReach::All)
            );
        }
    }

    #[test]
    fn the_access_matrix_holds_row_by_row() {
        let calendars = Calendars::builtin();
        let now: jiff::Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let policies = accord_policy::builtin(&calendars);
        let demo = accord_demo::demo(now, &calendars, &policies).expect("the demo builds");
        let agencies: HashMap<&AgencyId, &str> = demo
            .agencies
            .iter()
            .map(|a| (&a.id, a.partnership.as_str()))
            .collect();
        let people: HashMap<&str, &Person> =
            demo.people.iter().map(|p| (p.id.as_str(), p)).collect();
        let cases: HashMap<&str, Case> = demo
            .cases
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    Case::fold(&c.events).expect("demo cases fold"),
                )
            })
            .collect();

        let mut tiers = Vec::new();
        for &(who, case_id, what, allowed) in MATRIX {
            let person = people.get(who).unwrap_or_else(|| panic!("no person {who}"));
            let case = cases
                .get(case_id)
                .unwrap_or_else(|| panic!("no case {case_id}"));
            let partnership = case_partnership(case, |a| agencies.get(a).copied());
            assert!(partnership.is_some(), "{case_id} has a partnership");
            let policy = policies
                .iter()
                .find(|p| p.id == *case.policy() && p.version == case.policy_version())
                .unwrap();
            let involvement = case.involvement(policy);
            assert_eq!(
                may_see(person, CaseFacts::of_case(case, &involvement, partnership)),
                allowed,
                "{who} ({:?}) × {case_id} ({what}): expected {}",
                person.tier,
                if allowed { "allowed" } else { "refused" }
            );
            tiers.push(person.tier);
        }
        for tier in RoleTier::ALL {
            assert!(tiers.contains(&tier), "the matrix has rows for {tier:?}");
        }
    }

    /// Rules 6 and 7 let people read; only rule 7's form may be submitted.
    #[test]
    fn onlookers_only_read_and_form_roles_only_submit_their_form() {
        let calendars = Calendars::builtin();
        let now: jiff::Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let policies = accord_policy::builtin(&calendars);
        let demo = accord_demo::demo(now, &calendars, &policies).expect("the demo builds");
        let mut seen = (false, false);
        for c in &demo.cases {
            let case = Case::fold(&c.events).expect("folds");
            let policy = policies
                .iter()
                .find(|p| p.id == *case.policy() && p.version == case.policy_version())
                .unwrap();
            let involvement = case.involvement(policy);
            let facts = CaseFacts::of_case(&case, &involvement, Some(c.partnership.as_str()));
            for person in demo
                .people
                .iter()
                .filter(|p| p.partnership == c.partnership)
            {
                match standing(person, facts) {
                    Standing::Onlooker => {
                        assert!(may_see(person, facts));
                        assert!(!Standing::Onlooker.may_act(false));
                        assert!(!Standing::Onlooker.may_act(true));
                        seen.0 |= person.tier == RoleTier::Iro;
                    }
                    Standing::FormRole => {
                        assert!(may_see(person, facts));
                        assert!(!involvement.acting.is_empty(), "{}", c.id);
                        seen.1 |= person.sign_in == "sut-safeguarding-advisor";
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(
            seen,
            (true, true),
            "an IRO onlooker and Sutton's Safeguarding Advisor"
        );
        assert!(Standing::FormRole.may_act(true));
        assert!(!Standing::FormRole.may_act(false));
        assert!(Standing::Working.may_act(false));
        assert!(!Standing::None.may_act(true));
    }

    /// Rule 7 names the form: someone a form's section asks for may submit
    /// that form, and no other (Sutton's Safeguarding Advisor: Appendix 1,
    /// at Stage 2).
    #[test]
    fn a_form_role_is_asked_for_its_own_form_only() {
        let calendars = Calendars::builtin();
        let now: jiff::Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let policies = accord_policy::builtin(&calendars);
        let demo = accord_demo::demo(now, &calendars, &policies).expect("the demo builds");
        let advisor = demo
            .people
            .iter()
            .find(|p| p.sign_in == "sut-safeguarding-advisor")
            .unwrap();
        let mut asked_somewhere = false;
        for c in demo.cases.iter().filter(|c| c.partnership == "sutton") {
            let case = Case::fold(&c.events).expect("folds");
            let policy = policies.iter().find(|p| p.id == *case.policy()).unwrap();
            let involvement = case.involvement(policy);
            let facts = CaseFacts::of_case(&case, &involvement, Some("sutton"));
            let asked = forms_asked_of(advisor, &case, policy);
            if standing(advisor, facts) == Standing::FormRole {
                let ids: Vec<&str> = asked.iter().map(|f| f.as_str()).collect();
                assert_eq!(ids, ["appendix-1"], "{}", c.id);
                asked_somewhere = true;
            }
            if case.stage().get() != 2 || case.track().as_str() != "professional" {
                assert!(asked.is_empty(), "{} asks the Advisor for {asked:?}", c.id);
            }
        }
        assert!(asked_somewhere, "a demo case asks the Advisor to sign");
    }

    #[test]
    fn a_case_of_an_unknown_agency_is_seen_by_nobody() {
        let calendars = Calendars::builtin();
        let now: jiff::Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let policies = accord_policy::builtin(&calendars);
        let demo = accord_demo::demo(now, &calendars, &policies).expect("the demo builds");
        let case = Case::fold(&demo.cases[0].events).expect("folds");
        let chair = demo
            .people
            .iter()
            .find(|p| p.tier == RoleTier::Chair && p.partnership == demo.cases[0].partnership)
            .expect("a chair");
        let policy = policies.iter().find(|p| p.id == *case.policy()).unwrap();
        let involvement = case.involvement(policy);
        let facts = |partnership| CaseFacts::of_case(&case, &involvement, partnership);
        assert!(may_see(chair, facts(Some(chair.partnership.as_str()))));
        assert!(!may_see(chair, facts(case_partnership(&case, |_| None))));
    }
}
