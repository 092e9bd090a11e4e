//! Importing a partnership's directory from CSV (issue 13 §3): "A CSV with
//! five kinds of mistake (unknown agency, duplicate email, unknown role, a
//! missing column, a bad email) writes nothing and names each mistake's
//! line. The corrected file imports, and importing it again changes
//! nothing."

use accord_calendar::Calendars;
use accord_directory::{
    Agency, AgencyKind, Partnership, Person,
    csv_files::{CsvFile, Stored, export_agencies, export_people, import},
};
use accord_policy::Policy;

fn havering() -> Policy {
    let calendars = Calendars::builtin();
    accord_policy::builtin(&calendars)
        .into_iter()
        .find(|p| p.id.as_str() == "havering-2022")
        .unwrap()
}

fn northshire() -> Partnership {
    Partnership {
        id: "northshire".into(),
        name: "Northshire Safeguarding Children Partnership".into(),
        policy: "havering-2022".parse().unwrap(),
        case_prefix: "NOR".into(),
        sign_in_prefix: "northshire".into(),
    }
}

fn team() -> Agency {
    Agency {
        id: accord_case::AgencyId::parse("northshire-team").unwrap(),
        partnership: "northshire".into(),
        name: "Northshire team".into(),
        kind: AgencyKind::PartnershipTeam,
    }
}

const AGENCIES: &str = "id,name,kind
northshire-police,Northshire Police,police
northshire-csc,Northshire Children's Social Care,childrens-social-care
northshire-ccg,=Northshire ICB,health
";

const PEOPLE: &str = "sign_in,name,email,agency,tier,roles,job_title
nor-pc,Asha Patel,asha.patel@police.example,northshire-police,practitioner,,Detective constable
nor-sw,Ben Osei,ben.osei@csc.example,northshire-csc,practitioner,,Social worker
nor-hos,Cara Lund,cara.lund@csc.example,northshire-csc,head-of-service,hscp-member,\"Head of service, children's social care\"
";

fn run(
    agencies: &str,
    people: &str,
    stored_people: &[Person],
) -> Result<accord_directory::csv_files::Imported, Vec<accord_directory::csv_files::Mistake>> {
    let stored_agencies = [team()];
    import(
        &northshire(),
        &havering(),
        CsvFile {
            name: "agencies.csv",
            text: agencies,
        },
        CsvFile {
            name: "people.csv",
            text: people,
        },
        Stored {
            agencies: &stored_agencies,
            people: stored_people,
        },
    )
}

#[test]
fn five_kinds_of_mistake_are_each_named_by_line_and_nothing_is_imported() {
    let people = "sign_in,name,email,agency,tier,roles
nor-pc,Asha Patel,asha.patel@police.example,northshire-fire,practitioner,
nor-sw,Ben Osei,asha.patel@police.example,northshire-csc,practitioner,
nor-hos,Cara Lund,cara.lund@csc.example,northshire-csc,head-of-service,board-chair
nor-tm,Dan Moss,dan.moss at csc,northshire-csc,manager,
";
    let mistakes = run(AGENCIES, people, &[]).unwrap_err();
    let said: Vec<String> = mistakes.iter().map(ToString::to_string).collect();
    // The missing column stops the people file being read row by row.
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(
        said[0].starts_with("people.csv:1: the header has no `job_title` column"),
        "{said:#?}"
    );

    let people = people
        .replace("tier,roles\n", "tier,roles,job_title\n")
        .replace(",\n", ",,\n")
        .replace("board-chair\n", "board-chair,\n");
    let mistakes = run(AGENCIES, &people, &[]).unwrap_err();
    let said: Vec<String> = mistakes.iter().map(ToString::to_string).collect();
    assert_eq!(said.len(), 4, "{said:#?}");
    assert!(
        said[0].starts_with("people.csv:2:4: there is no agency `northshire-fire` in northshire"),
        "{said:#?}"
    );
    assert!(
        said[1].starts_with("people.csv:3:3: `asha.patel@police.example` is also on line 2"),
        "{said:#?}"
    );
    assert!(
        said[2]
            .starts_with("people.csv:4:6: `board-chair` is not a role of the policy havering-2022"),
        "{said:#?}"
    );
    assert!(
        said[3].starts_with("people.csv:5:3: `dan.moss at csc` is not an email address"),
        "{said:#?}"
    );
}

#[test]
fn the_corrected_files_import_and_again_change_nothing_and_export_the_same() {
    let first = run(AGENCIES, PEOPLE, &[]).unwrap();
    assert_eq!((first.new_agencies, first.new_people), (3, 3));
    assert_eq!(first.agencies[2].name, "=Northshire ICB");
    let hos = &first.people[2];
    assert_eq!(hos.id.as_str(), "nor-hos");
    assert_eq!(hos.declared_roles, ["hscp-member".parse().unwrap()]);
    assert_eq!(hos.job_title, "Head of service, children's social care");

    // Stored, then imported again: the same records, none new.
    let again = run(AGENCIES, PEOPLE, &first.people).unwrap();
    assert_eq!(
        (again.new_people, again.people.clone()),
        (0, first.people.clone())
    );

    // Someone matched by email keeps their id when their sign-in changes.
    let renamed = PEOPLE.replace("nor-pc,", "nor-asha,");
    let moved = run(AGENCIES, &renamed, &first.people).unwrap();
    assert_eq!(moved.new_people, 0);
    assert_eq!(moved.people[0].id.as_str(), "nor-pc");
    assert_eq!(moved.people[0].sign_in, "nor-asha");

    // The export reads back as what was imported, with the formula guarded.
    let agencies = export_agencies(&first.agencies);
    assert!(agencies.contains("'=Northshire ICB"), "{agencies}");
    let people = export_people(&first.people);
    let back = run(&agencies, &people, &first.people).unwrap();
    assert_eq!(back.agencies, first.agencies);
    assert_eq!(back.people, first.people);
}

#[test]
fn a_role_at_another_tier_and_someone_of_another_partnership_are_refused() {
    let people = "sign_in,name,email,agency,tier,roles,job_title
nor-pc,Asha Patel,asha.patel@police.example,northshire-police,practitioner,hscp-member,
";
    let said = run(AGENCIES, people, &[]).unwrap_err()[0].to_string();
    assert!(
        said.contains(
            "`hscp-member` is held at the head-of-service tier, and this person is practitioner"
        ),
        "{said}"
    );

    let elsewhere = Person {
        id: accord_case::PersonId::parse("nor-pc").unwrap(),
        sign_in: "nor-pc".into(),
        name: "Someone else".into(),
        job_title: String::new(),
        email: "someone@else.example".into(),
        partnership: "havering".into(),
        agency: accord_case::AgencyId::parse("hav-police").unwrap(),
        tier: accord_policy::RoleTier::Practitioner,
        declared_roles: Vec::new(),
    };
    let said = run(AGENCIES, PEOPLE, &[elsewhere]).unwrap_err()[0].to_string();
    assert!(
        said.contains("is already someone of another partnership"),
        "{said}"
    );
}

/// An import never takes what another partnership holds: an agency id of
/// another partnership, a new person whose sign-in is already someone's
/// id, or two lines that are one person are each refused.
#[test]
fn an_import_never_takes_another_partnerships_agency_or_person() {
    let theirs = Agency {
        id: accord_case::AgencyId::parse("northshire-police").unwrap(),
        partnership: "havering".into(),
        name: "Someone else's police".into(),
        kind: AgencyKind::Police,
    };
    let stored_agencies = [team(), theirs];
    let said = import(
        &northshire(),
        &havering(),
        CsvFile {
            name: "agencies.csv",
            text: AGENCIES,
        },
        CsvFile {
            name: "people.csv",
            text: PEOPLE,
        },
        Stored {
            agencies: &stored_agencies,
            people: &[],
        },
    )
    .unwrap_err();
    assert!(
        said[0].to_string().starts_with(
            "agencies.csv:2:1: `northshire-police` is already an agency of another partnership"
        ),
        "{said:?}"
    );

    // Someone renamed earlier keeps id `nor-pc`; a new `nor-pc` may not take it.
    let first = run(AGENCIES, PEOPLE, &[]).unwrap();
    let mut renamed = first.people.clone();
    renamed[0].sign_in = "nor-asha".into();
    let newcomer = PEOPLE.replace(
        "nor-pc,Asha Patel,asha.patel@police.example",
        "nor-pc,Pat Cole,pat.cole@police.example",
    );
    let said = run(AGENCIES, &newcomer, &renamed).unwrap_err();
    assert!(
        said[0]
            .to_string()
            .contains("is the id of someone already in Accord"),
        "{said:?}"
    );

    // One line by sign-in, another by the same person's email.
    let twice = format!(
        "{PEOPLE}nor-asha2,Asha P,asha.patel@police.example,northshire-police,practitioner,,\n"
    );
    let said = run(AGENCIES, &twice, &first.people).unwrap_err();
    assert!(
        said.iter()
            .any(|m| m.to_string().contains("are the same person")
                || m.to_string().contains("is also on line 2")),
        "{said:?}"
    );
}

/// Issue 13 §3: "A person may hold several roles, in their own agency and
/// in partnership groups (a head of service who is also a Board member and
/// a panel member)". A senior manager who is their agency's operations
/// manager (Plymouth Stage Four) and its Board representative (Stage Five's
/// panel seat) imports with both; a role in the agency of another tier is
/// still refused.
#[test]
fn a_senior_manager_holds_an_agency_role_and_a_board_seat_beside_it() {
    let calendars = accord_calendar::Calendars::builtin();
    let plymouth = accord_policy::builtin(&calendars)
        .into_iter()
        .find(|p| p.id.as_str() == "plymouth-2025")
        .unwrap();
    let partnership = Partnership {
        policy: plymouth.id.clone(),
        ..northshire()
    };
    let agencies =
        "id,name,kind\nnorthshire-csc,Northshire Children's Services,childrens-social-care\n";
    let people = "sign_in,name,email,agency,tier,roles,job_title
nor-ops,Priya Shah,priya.shah@csc.example,northshire-csc,senior-manager,operations-manager;pscb-board-representative,Operations manager
";
    let imported = import(
        &partnership,
        &plymouth,
        CsvFile {
            name: "agencies.csv",
            text: agencies,
        },
        CsvFile {
            name: "people.csv",
            text: people,
        },
        Stored {
            agencies: &[team()],
            people: &[],
        },
    )
    .unwrap_or_else(|m| panic!("{m:?}"));
    let ops = &imported.people[0];
    assert_eq!(ops.tier, accord_policy::RoleTier::SeniorManager);
    assert_eq!(
        ops.declared_roles,
        [
            "operations-manager".parse().unwrap(),
            "pscb-board-representative".parse().unwrap()
        ]
    );
    // A role in the agency at another tier is not theirs to hold.
    let wrong = people.replace("operations-manager;", "designated-person;");
    let said = import(
        &partnership,
        &plymouth,
        CsvFile {
            name: "agencies.csv",
            text: agencies,
        },
        CsvFile {
            name: "people.csv",
            text: &wrong,
        },
        Stored {
            agencies: &[team()],
            people: &[],
        },
    )
    .unwrap_err();
    assert!(
        said[0]
            .to_string()
            .contains("`designated-person` is held at the safeguarding-lead tier"),
        "{said:?}"
    );
    // A spreadsheet's byte order mark is no part of the header.
    let with_bom = format!("\u{feff}{agencies}");
    assert!(
        import(
            &partnership,
            &plymouth,
            CsvFile {
                name: "agencies.csv",
                text: &with_bom,
            },
            CsvFile {
                name: "people.csv",
                text: people,
            },
            Stored {
                agencies: &[team()],
                people: &[],
            },
        )
        .is_ok()
    );
}
