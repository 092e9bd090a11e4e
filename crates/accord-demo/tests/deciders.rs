//! Who may decide is a role, never a tier (DESIGN.md §2), checked over the
//! whole demo directory: for every built-in policy and every command a
//! policy reserves for a role (deciding directly, convening a Resolution
//! Panel, arbitrating, recording a panel's decision, completing a form's
//! section that names who completes it, concurring), only the people who
//! hold that role are allowed, and everyone else is refused with the role
//! named (the web layer answers that refusal with a 403).

use std::sync::OnceLock;

use accord_calendar::Calendars;
use accord_case::{
    Case, Command, Context, EventBody, FieldValue, FormValues, Offer, PanelSeat, Refusal, Status,
    Text,
};
use accord_demo::{Demo, Person, demo};
use accord_policy::{
    FieldKind, Policy, RecordKind, Relation, Requirement, ResolutionRoute, RoleRef, RoleTier, Stage,
};
use jiff::Timestamp;
use jiff::civil::Date;
use proptest::prelude::*;
use proptest::sample::Index;

/// Monday 2 June 2025, 10:30 BST: an ordinary working morning.
const NOW: &str = "2025-06-02T09:30:00Z";

/// A command a policy reserves for the holders of some roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reserved {
    /// The stage's decider resolves it directly, or arbitrates (Sutton
    /// §7d, East Riding §5, Havering §2.10, Plymouth Stage Five, Isle of
    /// Man Stage Four, Sutton §6 by area).
    Decide,
    /// The stage's decider convenes its Resolution Panel (Havering §2.10,
    /// Plymouth Stage Five).
    Convene,
    /// Whoever the policy names for the panel records its decision
    /// (Plymouth Stage Five: "The decision of the ... Resolution Panel will
    /// be final in this matter").
    RecordPanelDecision,
    /// Whoever the stage names records that it ended without agreement,
    /// from an agency not in dispute where the stage says so (East Riding
    /// §4, Stage Five: the mediation chair, "a Partnership Member from an
    /// uninvolved agency").
    EndWithoutAgreement,
    /// The role a form's section names in `completed_by` completes it
    /// (Sutton Appendix 1: "Safeguarding Advisor: Sign: ___ Date: ___";
    /// the Isle of Man Director's "outcome of agreed actions"; the
    /// Independent LSCB Chair's written response).
    CompleteSection {
        /// The form.
        form: usize,
        /// Its section.
        section: usize,
    },
    /// The holder of the role a stage names concurs, before the move it
    /// allows (Sutton §7c: "If the designated lead concurs").
    Concur,
}

/// An open case at a stage where something is reserved, as the demo made
/// it (or, for a panel's decision, with the panel convened by its Chair).
struct Reservation {
    policy: &'static Policy,
    partnership: String,
    case: Case,
    reserved: Reserved,
}

fn world() -> &'static (Calendars, Vec<Policy>, Demo) {
    static WORLD: OnceLock<(Calendars, Vec<Policy>, Demo)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let calendars = Calendars::builtin();
        let policies = accord_policy::builtin(&calendars);
        let demo = demo(NOW.parse().unwrap(), &calendars, &policies).expect("the demo builds");
        (calendars, policies, demo)
    })
}

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn policy(id: &str) -> &'static Policy {
    world().1.iter().find(|p| p.id.as_str() == id).unwrap()
}

fn stage<'p>(policy: &'p Policy, case: &Case) -> &'p Stage {
    policy
        .track(case.track())
        .and_then(|t| t.stage(case.stage()))
        .expect("the case's stage is in its policy")
}

fn people_of(partnership: &str) -> Vec<&'static Person> {
    world()
        .2
        .people
        .iter()
        .filter(|p| p.partnership == partnership)
        .collect()
}

/// The roles `reserved` is for at the case's stage, with `area-route`
/// read as the role the case's area routes to (Sutton §6).
fn roles_for(policy: &Policy, case: &Case, reserved: Reserved) -> Vec<RoleRef> {
    let stage = stage(policy, case);
    let roles = match reserved {
        Reserved::Decide | Reserved::Convene => &stage.leads.decides[..],
        Reserved::RecordPanelDecision => stage.panel_recorders(),
        Reserved::EndWithoutAgreement => stage.without_agreement_recorders(),
        Reserved::CompleteSection { form, section } => {
            policy.forms[form].sections[section].completed_by.as_slice()
        }
        Reserved::Concur => concurrence(stage).map_or(&[][..], |r| &r.by[..]),
    };
    roles
        .iter()
        .map(|r| match r {
            RoleRef::Relation(Relation::AreaRoute) => policy
                .areas
                .iter()
                .find(|a| &a.id == case.area())
                .and_then(|a| a.routes_to.clone())
                .expect("an area-route stage's area routes somewhere"),
            other => other.clone(),
        })
        .collect()
}

/// The names a refusal must give for `roles`: the document's own.
fn names(policy: &Policy, roles: &[RoleRef]) -> Vec<String> {
    roles
        .iter()
        .map(|r| match r {
            RoleRef::Declared(id) => policy.role(id).unwrap().name.clone(),
            other => other.id().to_owned(),
        })
        .collect()
}

/// A context for `person` now, with the partnership's whole directory, as
/// the storage layer would look up whoever a command names.
fn context(person: &Person, partnership: &str) -> Context {
    Context {
        people: people_of(partnership)
            .into_iter()
            .map(Person::directory_entry)
            .collect(),
        ..Context::new(now(), person.actor())
    }
}

fn text(s: &str) -> Text {
    Text::parse(s).unwrap()
}

/// The concurrence `stage` requires, if any.
fn concurrence(stage: &Stage) -> Option<&Requirement> {
    stage
        .requirements
        .iter()
        .find(|r| r.record == RecordKind::Concurrence)
}

/// Whether `person` may do what `reserved` is for: they hold one of
/// `roles`, and for a concurrence given from the raising agency only, are
/// of it.
fn may(
    policy: &Policy,
    case: &Case,
    reserved: Reserved,
    roles: &[RoleRef],
    person: &Person,
) -> bool {
    let holds = roles.iter().any(|role| person.holds(role));
    match reserved {
        Reserved::Concur => {
            holds
                && concurrence(stage(policy, case)).is_none_or(|r| {
                    !r.by_raising_agency || person.agency == case.raised_by().agency
                })
        }
        _ => holds,
    }
}

/// The form's latest answers on the case, with every field of the section
/// answered afresh: a day before any date already there, and words no
/// one has written on it.
fn section_answered(policy: &Policy, case: &Case, form: usize, section: usize) -> FormValues {
    let form = &policy.forms[form];
    let mut values = case
        .latest_form(&form.id)
        .map(|s| s.values.clone())
        .unwrap_or_default();
    let today: Date = "2025-06-02".parse().unwrap();
    for field in &form.sections[section].fields {
        let value = match (field.kind, values.get(&field.id)) {
            (FieldKind::Date, Some(FieldValue::Date(d))) => {
                FieldValue::Date(d.yesterday().unwrap())
            }
            (FieldKind::Date, _) => FieldValue::Date(today),
            (FieldKind::YesNo, Some(FieldValue::YesNo(b))) => FieldValue::YesNo(!b),
            (FieldKind::YesNo, _) => FieldValue::YesNo(true),
            (FieldKind::Choice, _) => FieldValue::Text(field.options[0].clone()),
            (FieldKind::Rows, _) => FieldValue::Rows(vec![]),
            _ => FieldValue::Text(format!("Completed in the property test: {}", field.label)),
        };
        values.0.insert(field.id.clone(), value);
    }
    values
}

fn command(reserved: Reserved, seats: Vec<PanelSeat>) -> Command {
    match reserved {
        Reserved::Decide | Reserved::RecordPanelDecision | Reserved::EndWithoutAgreement => {
            Command::Resolve {
                route: match reserved {
                    Reserved::Decide => ResolutionRoute::Decision,
                    Reserved::EndWithoutAgreement => ResolutionRoute::WithoutAgreement,
                    _ => ResolutionRoute::Panel,
                },
                outcome: text("The agreed outcome."),
                outstanding_issues: text("None."),
            }
        }
        Reserved::Convene => Command::ConvenePanel {
            members: seats,
            shortfall_reason: Some(text("A party could not release a senior officer.")),
        },
        Reserved::Concur => Command::RecordConcurrence {
            concurs: true,
            reason: text("I concur with the concerns of the professional."),
        },
        Reserved::CompleteSection { .. } => {
            unreachable!("a section's answers depend on the case: see `section_answered`")
        }
    }
}

/// The command `r` reserves.
fn reserved_command(r: &Reservation) -> Command {
    match r.reserved {
        Reserved::CompleteSection { form, section } => Command::SubmitForm {
            form: r.policy.forms[form].id.clone(),
            values: section_answered(r.policy, &r.case, form, section),
        },
        other => command(other, seats(r.policy, &r.partnership, &r.case)),
    }
}

/// Senior officers from the parties and enough other agencies to make a
/// panel of the rule's size.
fn seats(policy: &Policy, partnership: &str, case: &Case) -> Vec<PanelSeat> {
    let wanted = stage(policy, case)
        .panel
        .as_ref()
        .map_or(3, |r| usize::from(r.min_agencies));
    let parties = case.parties();
    let mut seats: Vec<PanelSeat> = Vec::new();
    let mut officers: Vec<&Person> = people_of(partnership)
        .into_iter()
        .filter(|p| p.tier == RoleTier::HeadOfService)
        .collect();
    officers.sort_by_key(|p| !parties.contains(&&p.agency));
    for p in officers {
        if seats.len() >= wanted.max(2) {
            break;
        }
        if !seats.iter().any(|s| s.agency == p.agency) {
            seats.push(PanelSeat {
                person: p.id.clone(),
                agency: p.agency.clone(),
            });
        }
    }
    seats
}

/// Every open demo case at a stage where a command is reserved, and for
/// each stage with a panel rule, the same case with its panel convened by
/// the first person the directory says may convene it.
fn reservations() -> &'static [Reservation] {
    static ALL: OnceLock<Vec<Reservation>> = OnceLock::new();
    ALL.get_or_init(|| {
        let (calendars, _, demo) = world();
        let mut out = Vec::new();
        for c in &demo.cases {
            let policy = policy(c.policy.as_str());
            let case = Case::fold(&c.events).unwrap();
            if case.status() != Status::Open {
                continue;
            }
            let here = stage(policy, &case);
            let mut reserved = Vec::new();
            if here.resolution.contains(&ResolutionRoute::Decision) {
                reserved.push(Reserved::Decide);
            }
            if here.resolution.contains(&ResolutionRoute::WithoutAgreement) {
                reserved.push(Reserved::EndWithoutAgreement);
            }
            let convened = case.panel().is_some_and(|p| p.stage == here.number);
            if here.panel.is_some() && !convened {
                reserved.push(Reserved::Convene);
                let convener = people_of(&c.partnership)
                    .into_iter()
                    .find(|p| {
                        roles_for(policy, &case, Reserved::Convene)
                            .iter()
                            .any(|r| p.holds(r))
                    })
                    .expect("the directory has someone who convenes the panel");
                let calendar = calendars.get(&policy.calendar).unwrap();
                let events = case
                    .decide(
                        policy,
                        calendar,
                        command(Reserved::Convene, seats(policy, &c.partnership, &case)),
                        &context(convener, &c.partnership),
                    )
                    .unwrap_or_else(|r| {
                        panic!("{} could not convene on {}: {r}", convener.id, c.id)
                    });
                let mut with_panel = case.clone();
                for e in &events {
                    with_panel.apply(e);
                }
                out.push(Reservation {
                    policy,
                    partnership: c.partnership.clone(),
                    case: with_panel,
                    reserved: Reserved::RecordPanelDecision,
                });
            }
            if convened {
                reserved.push(Reserved::RecordPanelDecision);
                // The same case as it stood just before its panel was
                // convened, made by the same real commands.
                let before = c
                    .events
                    .iter()
                    .position(|e| matches!(e.body, EventBody::PanelConvened { .. }))
                    .expect("a convened panel has its event");
                let unconvened = Case::fold(&c.events[..before]).unwrap();
                out.push(Reservation {
                    policy,
                    partnership: c.partnership.clone(),
                    case: unconvened,
                    reserved: Reserved::Convene,
                });
            }
            // Every section of a form the stage needs that names who
            // completes it.
            for needed in &here.forms {
                let f = policy
                    .forms
                    .iter()
                    .position(|f| f.id == needed.form)
                    .expect("a stage's form is declared");
                for (section, s) in policy.forms[f].sections.iter().enumerate() {
                    if s.completed_by.is_some() {
                        reserved.push(Reserved::CompleteSection { form: f, section });
                    }
                }
            }
            if concurrence(here).is_some() {
                reserved.push(Reserved::Concur);
            }
            for r in reserved {
                out.push(Reservation {
                    policy,
                    partnership: c.partnership.clone(),
                    case: case.clone(),
                    reserved: r,
                });
            }
        }
        // A case the demo took past a concurrence (Sutton §7c), as it stood
        // just before the concurrence was recorded, made by the same real
        // commands.
        for c in &demo.cases {
            if let Some(at) = c
                .events
                .iter()
                .position(|e| matches!(e.body, EventBody::ConcurrenceRecorded { .. }))
            {
                out.push(Reservation {
                    policy: policy(c.policy.as_str()),
                    partnership: c.partnership.clone(),
                    case: Case::fold(&c.events[..at]).unwrap(),
                    reserved: Reserved::Concur,
                });
            }
        }
        out
    })
}

#[test]
fn every_policy_has_a_reserved_command_in_the_demo() {
    let all = reservations();
    for policy in &world().1 {
        assert!(
            all.iter().any(|r| r.policy.id == policy.id),
            "no demo case of {} is at a stage with a reserved command",
            policy.id
        );
    }
    for kind in [
        Reserved::Decide,
        Reserved::Convene,
        Reserved::RecordPanelDecision,
        Reserved::EndWithoutAgreement,
        Reserved::Concur,
    ] {
        assert!(
            all.iter().any(|r| r.reserved == kind),
            "{kind:?} is never reserved"
        );
    }
    // Sutton's Safeguarding Advisor signs Appendix 1 (SUT-11).
    assert!(
        all.iter().any(|r| matches!(r.reserved, Reserved::CompleteSection { form, section }
            if r.policy.forms[form].sections[section].completed_by.as_ref().is_some_and(|by| by.id() == "safeguarding-advisor"))),
        "no demo case asks the Safeguarding Advisor to sign"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// DESIGN.md §2, and SUT-2, SUT-8, ER-10, ER-12, HAV-7, PLY-7, IOM-9:
    /// over every demo person and every reserved command, only holders of
    /// the role are allowed, and everyone else is refused naming the role
    /// (a holder from an agency in dispute, where the stage wants one from
    /// an uninvolved agency, is refused for that); what the engine offers
    /// agrees.
    #[test]
    fn only_holders_of_the_role_may_do_what_it_is_reserved_for(
        which in any::<Index>(),
        who in any::<Index>(),
    ) {
        let (calendars, _, _) = world();
        let r = which.get(reservations());
        let people = people_of(&r.partnership);
        let person = *who.get(&people);
        let roles = roles_for(r.policy, &r.case, r.reserved);
        let holds = may(r.policy, &r.case, r.reserved, &roles, person);
        let involved = r.reserved == Reserved::EndWithoutAgreement
            && stage(r.policy, &r.case).leads.decides_from_uninvolved_agency
            && r.case.parties().contains(&&person.agency);
        let calendar = calendars.get(&r.policy.calendar).unwrap();
        let decided = r.case.decide(
            r.policy,
            calendar,
            reserved_command(r),
            &context(person, &r.partnership),
        );
        let expected = names(r.policy, &roles);
        match (&decided, holds) {
            (Err(Refusal::RecorderNotUninvolved { agency, .. }), true) if involved => {
                prop_assert_eq!(agency, &person.agency);
            }
            (_, true) if involved => {
                prop_assert!(false, "{} holds one of {:?} from an agency in dispute but was not refused for it: {:?}", person.id, roles, decided);
            }
            (Err(Refusal::NotWhoRecordsWithoutAgreement { recorders, .. }), false)
                if r.reserved == Reserved::EndWithoutAgreement =>
            {
                prop_assert_eq!(recorders, &expected);
            }
            (Err(Refusal::NotTheSectionsCompleter { completers, .. }), false)
                if matches!(r.reserved, Reserved::CompleteSection { .. }) =>
            {
                prop_assert_eq!(completers, &expected);
            }
            (Err(Refusal::NotTheConcurringRole { concurring, .. }), false)
                if r.reserved == Reserved::Concur =>
            {
                prop_assert_eq!(concurring, &expected);
            }
            (Err(Refusal::NotTheDecider { deciders, .. }), false)
                if matches!(r.reserved, Reserved::Decide | Reserved::Convene) =>
            {
                prop_assert_eq!(deciders, &expected);
            }
            (Err(Refusal::NotThePanelsRecorder { recorders, .. }), false)
                if r.reserved == Reserved::RecordPanelDecision =>
            {
                prop_assert_eq!(recorders, &expected);
            }
            (Err(refusal), false) => {
                prop_assert!(false, "{} holds none of {:?} but was refused for another reason: {}", person.id, roles, refusal);
            }
            (Ok(_), false) => {
                prop_assert!(false, "{} holds none of {:?} but was allowed", person.id, roles);
            }
            (
                Err(
                    Refusal::NotTheDecider { .. }
                    | Refusal::NotThePanelsRecorder { .. }
                    | Refusal::NotWhoRecordsWithoutAgreement { .. }
                    | Refusal::NotTheSectionsCompleter { .. }
                    | Refusal::NotTheConcurringRole { .. },
                ),
                true,
            ) => {
                prop_assert!(false, "{} holds one of {:?} but was refused as not holding it", person.id, roles);
            }
            // A holder may still be refused for what they sent (a form not
            // yet complete, a panel's representations not yet heard).
            (_, true) => {}
        }
        if let (Err(refusal), false) = (&decided, holds) {
            for name in &expected {
                prop_assert!(
                    refusal.to_string().contains(name.as_str()),
                    "{} does not name {}",
                    refusal,
                    name
                );
            }
        }
        let offers = r.case.offers(r.policy, &person.actor());
        let offered = offers.iter().any(|o| match (o, r.reserved) {
            (Offer::Resolve(routes), Reserved::Decide) => routes.contains(&ResolutionRoute::Decision),
            (Offer::ConvenePanel, Reserved::Convene) => true,
            (Offer::Resolve(routes), Reserved::RecordPanelDecision) => routes.contains(&ResolutionRoute::Panel),
            (Offer::Resolve(routes), Reserved::EndWithoutAgreement) => routes.contains(&ResolutionRoute::WithoutAgreement),
            (Offer::RecordConcurrence, Reserved::Concur) => true,
            (Offer::SubmitForm(form), Reserved::CompleteSection { form: f, .. }) => {
                form == &r.policy.forms[f].id
            }
            _ => false,
        });
        if let Reserved::CompleteSection { .. } = r.reserved {
            // The form is offered to all who work on the case, for its
            // other parts; its holders are offered it too.
            prop_assert!(offered || !holds, "{} holds {:?} but is not offered the form", person.id, roles);
        } else {
            prop_assert_eq!(offered, holds && !involved, "offers to {} disagree with the rule", person.id);
        }
    }
}
