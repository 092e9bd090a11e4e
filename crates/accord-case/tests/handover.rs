//! Leavers (issue 13 §3): "Their open work (stage leads, actions, panel
//! seats) is listed for an administrator to hand over to someone else, and
//! each handover is recorded on the case." Walked on Plymouth's policy,
//! whose Stage Two is led by the practitioners and whose Stage Five panel
//! seats Board representatives.

mod common;

use accord_case::{
    ActionDetails, Actor, Command, EventBody, OpenWork, PanelSeat, PersonId, Refusal, Status,
};
use accord_policy::RoleTier;
use common::*;

const POLICY: &str = "plymouth-2025";
const RAISED: &str = "2025-11-03T09:00:00Z";
const LATER: &str = "2025-11-05T09:00:00Z";

fn teacher() -> Actor {
    actor("teacher", "school", RoleTier::Practitioner)
}
fn new_teacher() -> Actor {
    actor("new-teacher", "school", RoleTier::Practitioner)
}
fn social_worker() -> Actor {
    actor("sw", "childrens-social-care", RoleTier::Practitioner)
}
fn administrator() -> Actor {
    actor("admin", "pscb", RoleTier::Admin)
}
fn dsl() -> Actor {
    holding(
        "dsl",
        "school",
        RoleTier::SafeguardingLead,
        &[
            "designated-person",
            "named-designated-safeguarding-representative",
        ],
    )
}

fn raised() -> Harness {
    let (policy, _) = policy(POLICY);
    Harness::raise(
        POLICY,
        raise(policy, "childrens-social-care"),
        &teacher(),
        at(RAISED),
    )
    .unwrap()
}

fn hand_over(from: &Actor, to: &Actor, work: OpenWork) -> Command {
    Command::HandOver {
        from: from.person.clone(),
        to: to.person.clone(),
        work,
        reason: text("Left the service on 4 November"),
    }
}

#[test]
fn the_raisers_part_goes_to_a_colleague_in_the_raising_agency_and_is_on_the_record() {
    let mut h = raised();
    let teacher = teacher();
    let new_teacher = new_teacher();
    assert_eq!(h.case.open_work_of(&teacher.person), vec![OpenWork::Raiser]);
    disable(&teacher);
    let events = h.ok(
        hand_over(&teacher, &new_teacher, OpenWork::Raiser),
        &administrator(),
        at(LATER),
    );
    match &events[..] {
        [e] => match &e.body {
            EventBody::HandedOver { work, from, to, .. } => {
                assert_eq!(*work, OpenWork::Raiser);
                assert_eq!(from, &teacher.person);
                assert_eq!(to, &new_teacher.person);
                assert_eq!(e.actor.person.as_str(), "admin");
            }
            other => panic!("expected a handover, got {other:?}"),
        },
        other => panic!("expected one event, got {other:?}"),
    }
    // The raise stays as it was; who carries it now has changed.
    assert_eq!(h.case.raised_by().person, teacher.person);
    assert_eq!(h.case.raiser(), &new_teacher.person);
    assert!(h.case.open_work_of(&teacher.person).is_empty());
    assert_eq!(
        h.case.open_work_of(&new_teacher.person),
        vec![OpenWork::Raiser]
    );
    let involved = h.case.involvement(h.policy).people;
    assert!(involved.contains(&new_teacher.person));
    assert!(!involved.contains(&teacher.person));
    assert_eq!(h.case.handovers().len(), 1);
    // The newcomer's Stage One discussion with the designated person is
    // the raiser's side's, as the teacher's would have been.
    h.ok(
        discussion(
            at(LATER),
            &[
                (&new_teacher, "practitioner"),
                (&dsl(), "designated-person"),
            ],
            false,
        ),
        &new_teacher,
        at(LATER),
    );
    h.ok(
        Command::Escalate {
            to: stage(2),
            reason: text("Still disagree"),
        },
        &new_teacher,
        at(LATER),
    );
}

#[test]
fn a_handover_is_refused_to_someone_who_cannot_carry_the_work() {
    let mut h = raised();
    let teacher = teacher();
    disable(&teacher);
    let admin = administrator();
    // Not an administrator.
    let refused = h
        .run(
            hand_over(&teacher, &new_teacher(), OpenWork::Raiser),
            &dsl(),
            at(LATER),
        )
        .unwrap_err();
    assert!(matches!(refused, Refusal::NotAnAdministrator { .. }));
    // To someone of the other agency.
    let refused = h
        .run(
            hand_over(&teacher, &social_worker(), OpenWork::Raiser),
            &admin,
            at(LATER),
        )
        .unwrap_err();
    match &refused {
        Refusal::SuccessorNotOfAgency {
            works_for, needed, ..
        } => {
            assert_eq!(refused.to_string().split(':').next(), Some("`to`"));
            assert_eq!(works_for.as_str(), "childrens-social-care");
            assert_eq!(needed.as_str(), "school");
        }
        other => panic!("expected SuccessorNotOfAgency, got {other:?}"),
    }
    // To someone who has left too.
    let gone = actor("gone", "school", RoleTier::Practitioner);
    disable(&gone);
    assert!(matches!(
        h.run(
            hand_over(&teacher, &gone, OpenWork::Raiser),
            &admin,
            at(LATER)
        ),
        Err(Refusal::SuccessorInactive { .. })
    ));
    // To an administrator, who takes no part in cases.
    let school_admin = actor("school-admin", "school", RoleTier::Admin);
    assert!(matches!(
        h.run(
            hand_over(&teacher, &school_admin, OpenWork::Raiser),
            &admin,
            at(LATER)
        ),
        Err(Refusal::SuccessorIsAdministrator { .. })
    ));
    // Work they do not hold, and to themselves.
    assert!(matches!(
        h.run(
            hand_over(&teacher, &new_teacher(), OpenWork::OtherProfessional),
            &admin,
            at(LATER)
        ),
        Err(Refusal::NoSuchOpenWork { .. })
    ));
    assert!(matches!(
        h.run(
            hand_over(&teacher, &teacher, OpenWork::Raiser),
            &admin,
            at(LATER)
        ),
        Err(Refusal::HandOverToSamePerson { .. })
    ));
    // Nothing was written by any of them.
    assert!(h.case.handovers().is_empty());
    assert_eq!(h.case.raiser(), &teacher.person);
}

#[test]
fn an_open_action_goes_to_someone_in_the_disagreement() {
    let mut h = raised();
    let sw = social_worker();
    let agreed = h.ok(
        Command::AgreeAction {
            details: ActionDetails {
                who: sw.person.clone(),
                agency: sw.agency.clone(),
                what: text("Share the chronology."),
                by_when: date("2025-11-20"),
            },
        },
        &teacher(),
        at(RAISED),
    );
    let action = agreed[0].sequence;
    let work = OpenWork::Action { action };
    assert_eq!(h.case.open_work_of(&sw.person), vec![work]);
    disable(&sw);
    let police = actor("pc", "police", RoleTier::Practitioner);
    match h.run(hand_over(&sw, &police, work), &administrator(), at(LATER)) {
        Err(Refusal::ActionOwnerNotInvolved { field, .. }) => assert_eq!(field, "to"),
        other => panic!("expected ActionOwnerNotInvolved, got {other:?}"),
    }
    let tm = actor("tm", "childrens-social-care", RoleTier::Manager);
    h.ok(hand_over(&sw, &tm, work), &administrator(), at(LATER));
    let moved = &h.case.actions()[0];
    assert_eq!(moved.details.who, tm.person);
    assert_eq!(moved.details.what.as_str(), "Share the chronology.");
    assert!(h.case.open_work_of(&sw.person).is_empty());
    assert_eq!(h.case.open_work_of(&tm.person), vec![work]);
    // Done by the newcomer, it is no longer anyone's open work.
    h.ok(
        Command::CompleteAction { action, note: None },
        &tm,
        at(LATER),
    );
    assert!(h.case.open_work_of(&tm.person).is_empty());
}

/// A seat for `person`, a head of service who is their agency's Board
/// representative: the role Plymouth's Stage Five panel seats.
fn seat(person: &str, agency_id: &str) -> PanelSeat {
    holding(
        person,
        agency_id,
        RoleTier::HeadOfService,
        &["pscb-board-representative"],
    );
    PanelSeat {
        person: PersonId::parse(person).unwrap(),
        agency: agency(agency_id),
    }
}

#[test]
fn a_panel_seat_goes_to_someone_of_the_same_agency_whom_the_panel_seats() {
    let mut h = raised();
    let (dsl, ops) = (
        dsl(),
        holding(
            "ops",
            "childrens-social-care",
            RoleTier::SeniorManager,
            &["operations-manager"],
        ),
    );
    let leads = |n: u8| match n {
        1 => vec![
            (teacher(), "practitioner"),
            (dsl.clone(), "designated-person"),
        ],
        2 => vec![
            (teacher(), "practitioner"),
            (social_worker(), "practitioner"),
        ],
        3 => vec![
            (actor("deputy", "school", RoleTier::Manager), "manager"),
            (
                actor("tm", "childrens-social-care", RoleTier::Manager),
                "manager",
            ),
        ],
        _ => vec![
            (dsl.clone(), "named-designated-safeguarding-representative"),
            (ops.clone(), "operations-manager"),
        ],
    };
    for to in 2..=5u8 {
        let who = leads(to - 1);
        let who: Vec<(&Actor, &str)> = who.iter().map(|(a, r)| (a, *r)).collect();
        h.ok(
            discussion(at("2025-11-04T10:00:00Z"), &who, false),
            &dsl,
            at("2025-11-04T10:00:00Z"),
        );
        h.ok(
            Command::Escalate {
                to: stage(to),
                reason: text("The differences remain"),
            },
            &dsl,
            at("2025-11-04T10:00:00Z"),
        );
    }
    let chair = holding("pscb-chair", "pscb", RoleTier::Chair, &["pscb-chair"]);
    h.ok(
        Command::ConvenePanel {
            members: vec![
                seat("head", "school"),
                seat("dcs", "childrens-social-care"),
                seat("supt", "police"),
            ],
            shortfall_reason: None,
        },
        &chair,
        at(LATER),
    );
    let head = actor_of("head");
    assert_eq!(h.case.open_work_of(&head), vec![OpenWork::PanelSeat]);
    let leaver = holding(
        "head",
        "school",
        RoleTier::HeadOfService,
        &["pscb-board-representative"],
    );
    disable(&leaver);
    // A deputy head of the school who is no Board representative.
    let deputy = actor("deputy-head", "school", RoleTier::SeniorManager);
    match h.run(
        hand_over(&leaver, &deputy, OpenWork::PanelSeat),
        &administrator(),
        at(LATER),
    ) {
        Err(Refusal::NotAPanelSeat { field, .. }) => assert_eq!(field, "to"),
        other => panic!("expected NotAPanelSeat, got {other:?}"),
    }
    // A Board representative of another agency keeps the school's seat
    // from being the school's.
    let other_rep = holding(
        "rep",
        "police",
        RoleTier::HeadOfService,
        &["pscb-board-representative"],
    );
    assert!(matches!(
        h.run(
            hand_over(&leaver, &other_rep, OpenWork::PanelSeat),
            &administrator(),
            at(LATER)
        ),
        Err(Refusal::SuccessorNotOfAgency { .. })
    ));
    let successor = holding(
        "new-head",
        "school",
        RoleTier::HeadOfService,
        &["pscb-board-representative"],
    );
    h.ok(
        hand_over(&leaver, &successor, OpenWork::PanelSeat),
        &administrator(),
        at(LATER),
    );
    let members = &h.case.panel().unwrap().members;
    assert!(members.iter().any(|m| m.person == successor.person));
    assert!(!members.iter().any(|m| m.person == leaver.person));
    assert!(
        h.case
            .involvement(h.policy)
            .people
            .contains(&successor.person)
    );
}

fn actor_of(id: &str) -> PersonId {
    PersonId::parse(id).unwrap()
}

#[test]
fn a_withdrawn_case_leaves_no_open_work() {
    let mut h = raised();
    h.ok(
        Command::Withdraw {
            reason: text("Resolved informally"),
        },
        &teacher(),
        at(LATER),
    );
    assert_eq!(h.case.status(), Status::Withdrawn);
    assert!(h.case.open_work_of(&teacher().person).is_empty());
    disable(&teacher());
    assert!(
        h.run(
            hand_over(&teacher(), &new_teacher(), OpenWork::Raiser),
            &administrator(),
            at(LATER)
        )
        .is_err()
    );
}

#[test]
fn the_named_other_professional_goes_to_a_colleague_in_the_other_agency() {
    let (policy, _) = policy(POLICY);
    let sw = social_worker();
    let mut named = raise(policy, "childrens-social-care");
    named.other_professional = Some(sw.person.clone());
    let mut h = Harness::raise(POLICY, named, &teacher(), at(RAISED)).unwrap();
    assert_eq!(
        h.case.open_work_of(&sw.person),
        vec![OpenWork::OtherProfessional]
    );
    disable(&sw);
    let colleague = actor("sw-2", "childrens-social-care", RoleTier::Practitioner);
    assert!(matches!(
        h.run(
            hand_over(&sw, &new_teacher(), OpenWork::OtherProfessional),
            &administrator(),
            at(LATER)
        ),
        Err(Refusal::SuccessorNotOfAgency { .. })
    ));
    h.ok(
        hand_over(&sw, &colleague, OpenWork::OtherProfessional),
        &administrator(),
        at(LATER),
    );
    assert_eq!(h.case.other_professional(), Some(&colleague.person));
    assert!(
        h.case
            .involvement(h.policy)
            .people
            .contains(&colleague.person)
    );
}
