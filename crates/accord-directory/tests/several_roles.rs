//! Several roles across groups (issue 13 §3: "A person may hold several
//! roles, in their own agency and in partnership groups (a head of service
//! who is also a Board member and a panel member)"), end to end: imported
//! from `people.csv` with a senior tier and two of Plymouth's roles, the
//! same person leads children's social care's side at Stage Four as its
//! operations manager and sits on the Stage Five Resolution Panel as its
//! Board representative, each checked by the engine against what the
//! directory gives them.

use accord_calendar::Calendars;
use accord_case::{
    Case, Command, Context, DirectoryEntry, DiscussionMode, DiscussionRecord, PanelSeat,
    Participant, Raise, Subject, SubjectId, Text,
};
use accord_directory::{
    Agency, AgencyKind, Partnership, Person,
    csv_files::{CsvFile, Stored, import},
};
use accord_policy::{RoleRef, StageNumber};
use jiff::Timestamp;

const AGENCIES: &str = "id,name,kind
nor-school,Northshire Academy,education
nor-csc,Northshire Children's Services,childrens-social-care
nor-police,Northshire Police,police
";

/// `nor-ops` is a senior manager who holds the agency's Stage Four role
/// and its seat on the Board.
const PEOPLE: &str = "sign_in,name,email,agency,tier,roles,job_title
nor-teacher,Jo Teacher,jo@school.example,nor-school,practitioner,,Teacher
nor-dsl,Kim Lead,kim@school.example,nor-school,safeguarding-lead,designated-person;named-designated-safeguarding-representative,DSL
nor-deputy,Lee Deputy,lee@school.example,nor-school,manager,,Deputy head
nor-head,Max Head,max@school.example,nor-school,head-of-service,pscb-board-representative,Headteacher
nor-sw,Sam Worker,sam@csc.example,nor-csc,practitioner,,Social worker
nor-tm,Tay Manager,tay@csc.example,nor-csc,manager,,Team manager
nor-ops,Priya Shah,priya@csc.example,nor-csc,senior-manager,operations-manager;pscb-board-representative,Operations manager and Board member
nor-supt,Ros Super,ros@police.example,nor-police,head-of-service,pscb-board-representative,Superintendent
nor-chair,Cam Chair,cam@team.example,nor-team,chair,pscb-chair,Independent chair
";

fn text(s: &str) -> Text {
    Text::parse(s).unwrap()
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn a_senior_manager_imported_with_a_board_seat_leads_stage_four_and_sits_on_the_panel() {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let policy = policies
        .iter()
        .find(|p| p.id.as_str() == "plymouth-2025")
        .unwrap();
    let calendar = calendars.get(&policy.calendar).unwrap();
    let partnership = Partnership {
        id: "northshire".into(),
        name: "Northshire Safeguarding Children Partnership".into(),
        policy: policy.id.clone(),
        case_prefix: "NOR".into(),
        sign_in_prefix: "nor".into(),
    };
    let team = Agency {
        id: accord_case::AgencyId::parse("nor-team").unwrap(),
        partnership: "northshire".into(),
        name: "Northshire partnership team".into(),
        kind: AgencyKind::PartnershipTeam,
    };
    let imported = import(
        &partnership,
        policy,
        CsvFile {
            name: "agencies.csv",
            text: AGENCIES,
        },
        CsvFile {
            name: "people.csv",
            text: PEOPLE,
        },
        Stored {
            agencies: std::slice::from_ref(&team),
            people: &[],
        },
    )
    .unwrap_or_else(|m| panic!("{m:#?}"));
    let people = &imported.people;
    let who = |sign_in: &str| -> &Person { people.iter().find(|p| p.sign_in == sign_in).unwrap() };
    let ops = who("nor-ops");
    assert!(ops.holds(&RoleRef::parse("operations-manager").unwrap()));
    assert!(ops.holds(&RoleRef::parse("pscb-board-representative").unwrap()));

    let directory: Vec<DirectoryEntry> = people.iter().map(Person::directory_entry).collect();
    let ctx = |by: &Person, now: &str| Context {
        people: directory.clone(),
        ..Context::new(at(now), by.actor())
    };
    let raise = Raise {
        case: accord_case::CaseId::parse("NOR-2025-0001").unwrap(),
        track: None,
        area: policy
            .areas_for(&policy.default_track().id)
            .next()
            .unwrap()
            .id
            .clone(),
        signpost: None,
        other_agency: who("nor-sw").agency.clone(),
        other_professional: None,
        subjects: vec![Subject {
            id: SubjectId::parse("c1").unwrap(),
            name: text("Child A"),
            kind: accord_policy::SubjectKind::Child,
            child_protection_plan: false,
            looked_after: false,
            immediate_risk: false,
            date_of_birth: None,
            nhs_number: None,
            local_id: None,
        }],
        concern: accord_case::Concern {
            disputed: text("The referral was closed with no further action."),
            evidence: text("Three attendances at A&E in two months."),
            outcome_sought: text("A strategy discussion."),
        },
        start_at: None,
        forms: Vec::new(),
    };
    let teacher = who("nor-teacher");
    let events = Case::raise(
        policy,
        calendar,
        raise,
        &ctx(teacher, "2025-11-03T09:00:00Z"),
    )
    .unwrap();
    let mut case = Case::fold(&events).unwrap();
    let run = |case: &mut Case, command: Command, by: &Person, now: &str| {
        let events = case
            .decide(policy, calendar, command, &ctx(by, now))
            .unwrap_or_else(|r| panic!("refused ({}): {r}", r.section()));
        for e in &events {
            case.apply(e);
        }
    };
    // The leads of each stage, in the roles Plymouth names: at Stage Four
    // children's social care's side is its operations manager.
    let leads = |stage: u8| -> Vec<(&Person, &str)> {
        match stage {
            1 => vec![
                (teacher, "practitioner"),
                (who("nor-dsl"), "designated-person"),
            ],
            2 => vec![(teacher, "practitioner"), (who("nor-sw"), "practitioner")],
            3 => vec![(who("nor-deputy"), "manager"), (who("nor-tm"), "manager")],
            _ => vec![
                (
                    who("nor-dsl"),
                    "named-designated-safeguarding-representative",
                ),
                (ops, "operations-manager"),
            ],
        }
    };
    let dsl = who("nor-dsl");
    for to in 2..=5u8 {
        let record = DiscussionRecord {
            held_at: at("2025-11-04T10:00:00Z"),
            how: DiscussionMode::Phone,
            participants: leads(to - 1)
                .into_iter()
                .map(|(p, role)| Participant {
                    person: p.id.clone(),
                    agency: p.agency.clone(),
                    role: RoleRef::parse(role).unwrap(),
                })
                .collect(),
            summary: text("Discussed the referral decision and the evidence."),
            unlisted_participants: Vec::new(),
            ended_in_agreement: false,
        };
        run(
            &mut case,
            Command::RecordDiscussion { record },
            dsl,
            "2025-11-04T10:00:00Z",
        );
        run(
            &mut case,
            Command::Escalate {
                to: StageNumber::new(to).unwrap(),
                reason: text("The differences remain"),
            },
            dsl,
            "2025-11-04T10:00:00Z",
        );
    }
    assert_eq!(case.stage(), StageNumber::new(5).unwrap());
    // The Stage Four discussion counted with her as the operations manager.
    assert!(case.discussions().iter().any(|d| {
        d.stage == StageNumber::new(4).unwrap()
            && d.record.participants.iter().any(|p| p.person == ops.id)
    }));
    // And the Board representative takes children's social care's seat.
    let seat = |p: &Person| PanelSeat {
        person: p.id.clone(),
        agency: p.agency.clone(),
    };
    run(
        &mut case,
        Command::ConvenePanel {
            members: vec![seat(who("nor-head")), seat(ops), seat(who("nor-supt"))],
            shortfall_reason: None,
        },
        who("nor-chair"),
        "2025-11-06T09:00:00Z",
    );
    assert!(
        case.panel()
            .unwrap()
            .members
            .iter()
            .any(|m| m.person == ops.id)
    );
}
