//! A partnership's directory as two CSV files, to import and to export
//! (issue 13 §3): `agencies.csv` (`id,name,kind`) and `people.csv`
//! (`sign_in,name,email,agency,tier,roles,job_title`).
//!
//! [`import`] checks both files against each other, the partnership's
//! policy and what is already stored, and answers either the records to
//! write or every mistake, each with its file, line and column: nothing is
//! half-imported. Someone already in the directory is matched by sign-in
//! name or email and updated in place, so importing the same file twice
//! changes nothing. [`export_agencies`] and [`export_people`] write the same
//! format back, with any cell a spreadsheet would read as a formula
//! prefixed by `'`, which [`import`] takes off again.

use std::collections::{BTreeMap, BTreeSet};

use accord_case::{AgencyId, PersonId};
use accord_policy::{Policy, RoleId, RoleTier};

use crate::{Agency, AgencyKind, Partnership, Person};

/// The columns of `agencies.csv`, in the order the template gives them.
pub const AGENCY_COLUMNS: [&str; 3] = ["id", "name", "kind"];

/// The columns of `people.csv`, in the order the template gives them.
/// `roles` holds the ids of the policy's declared roles the person holds,
/// separated by `;`: each of the person's own tier, or a role of a
/// partnership group ([`Person::may_hold`]); it may be empty.
pub const PEOPLE_COLUMNS: [&str; 7] = [
    "sign_in",
    "name",
    "email",
    "agency",
    "tier",
    "roles",
    "job_title",
];

/// One mistake in an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistake {
    /// The file's name, as given.
    pub file: String,
    /// Its line, from 1 (the header).
    pub line: u64,
    /// Its column, from 1; 0 where the mistake is the whole row.
    pub column: usize,
    /// What is wrong and what to do, in a sentence.
    pub message: String,
}

impl std::fmt::Display for Mistake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column == 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

/// A file to import: its name, for mistakes, and its text.
#[derive(Debug, Clone, Copy)]
pub struct CsvFile<'a> {
    /// Its name, such as `people.csv`.
    pub name: &'a str,
    /// Its text.
    pub text: &'a str,
}

/// What an import would write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// Every agency in the file, as it is to be stored.
    pub agencies: Vec<Agency>,
    /// Every person in the file, as they are to be stored: someone already
    /// in the directory keeps their id.
    pub people: Vec<Person>,
    /// How many of the agencies are new.
    pub new_agencies: usize,
    /// How many of the people are new.
    pub new_people: usize,
}

/// What the directory holds already: every agency and everyone Accord
/// knows, of every partnership (ids, sign-in names and emails are unique
/// across partnerships, so an import may never take another's).
#[derive(Debug, Clone, Copy)]
pub struct Stored<'a> {
    /// Every agency, of every partnership.
    pub agencies: &'a [Agency],
    /// Everyone, of every partnership.
    pub people: &'a [Person],
}

/// Checks `agencies` and `people` for `partnership`, whose policy is
/// `policy`, against what is `stored`: the records to write, or every
/// mistake.
pub fn import(
    partnership: &Partnership,
    policy: &Policy,
    agencies: CsvFile<'_>,
    people: CsvFile<'_>,
    stored: Stored<'_>,
) -> Result<Imported, Vec<Mistake>> {
    let mut mistakes = Vec::new();
    let mut out = Imported::default();

    // Agencies first: people name them.
    let mut agency_ids: BTreeSet<AgencyId> = stored
        .agencies
        .iter()
        .filter(|a| a.partnership == partnership.id)
        .map(|a| a.id.clone())
        .collect();
    let mut seen_agencies = BTreeSet::new();
    for row in rows(agencies, &AGENCY_COLUMNS, &mut mistakes) {
        let mut wrong = |column: usize, message: String| {
            mistakes.push(Mistake {
                file: agencies.name.to_owned(),
                line: row.line,
                column,
                message,
            });
        };
        let id = match AgencyId::parse(row.get(0)) {
            Ok(id) => id,
            Err(_) => {
                wrong(
                    row.column(0),
                    format!(
                        "`{}` cannot be an agency id: use 1 to 64 letters, digits, `-` or `_`, such as `{}-police`",
                        row.get(0),
                        partnership.id
                    ),
                );
                continue;
            }
        };
        if !seen_agencies.insert(id.clone()) {
            wrong(
                row.column(0),
                format!("the agency `{id}` is listed twice: keep one line for it"),
            );
            continue;
        }
        if stored
            .agencies
            .iter()
            .any(|a| a.id == id && a.partnership != partnership.id)
        {
            wrong(
                row.column(0),
                format!(
                    "`{id}` is already an agency of another partnership: give this one an id of its own, such as `{}-{id}`",
                    partnership.id
                ),
            );
            continue;
        }
        let name = row.get(1);
        if name.is_empty() {
            wrong(row.column(1), "give the agency's name".to_owned());
        }
        let kind = match kind_named(row.get(2)) {
            Some(kind) => kind,
            None => {
                wrong(
                    row.column(2),
                    format!(
                        "`{}` is not a kind of agency: use one of {}",
                        row.get(2),
                        kind_names().join(", ")
                    ),
                );
                continue;
            }
        };
        if name.is_empty() {
            continue;
        }
        if !stored.agencies.iter().any(|a| a.id == id) {
            out.new_agencies += 1;
        }
        // (An agency of this partnership's keeps its id; one of another's
        // was refused above.)
        agency_ids.insert(id.clone());
        out.agencies.push(Agency {
            id,
            partnership: partnership.id.clone(),
            name: name.to_owned(),
            kind,
        });
    }

    let mut seen_sign_ins = BTreeMap::new();
    let mut assigned: BTreeMap<PersonId, u64> = BTreeMap::new();
    let mut seen_emails = BTreeMap::new();
    for row in rows(people, &PEOPLE_COLUMNS, &mut mistakes) {
        let before = mistakes.len();
        let mut wrong = |column: usize, message: String| {
            mistakes.push(Mistake {
                file: people.name.to_owned(),
                line: row.line,
                column,
                message,
            });
        };
        let sign_in = row.get(0);
        let id = PersonId::parse(sign_in);
        if id.is_err() {
            wrong(
                row.column(0),
                format!(
                    "`{sign_in}` cannot be a sign-in name: use 1 to 64 letters, digits, `-` or `_`"
                ),
            );
        } else if let Some(first) = seen_sign_ins.insert(sign_in.to_lowercase(), row.line) {
            wrong(
                row.column(0),
                format!(
                    "`{sign_in}` is also on line {first}: each person signs in with their own name"
                ),
            );
        }
        let name = row.get(1);
        if name.is_empty() {
            wrong(row.column(1), "give the person's full name".to_owned());
        }
        let email = row.get(2);
        if !is_email(email) {
            wrong(
                row.column(2),
                format!("`{email}` is not an email address: give one such as name@agency.example"),
            );
        } else if let Some(first) = seen_emails.insert(email.to_lowercase(), row.line) {
            wrong(
                row.column(2),
                format!("`{email}` is also on line {first}: each person needs their own email"),
            );
        }
        let agency = AgencyId::parse(row.get(3))
            .ok()
            .filter(|a| agency_ids.contains(a));
        if agency.is_none() {
            wrong(
                row.column(3),
                format!(
                    "there is no agency `{}` in {}: add it to the agencies file, or use one of its ids",
                    row.get(3),
                    partnership.id
                ),
            );
        }
        let tier = RoleTier::ALL.into_iter().find(|t| t.id() == row.get(4));
        if tier.is_none() {
            wrong(
                row.column(4),
                format!(
                    "`{}` is not a role tier: use one of {}",
                    row.get(4),
                    RoleTier::ALL.map(RoleTier::id).join(", ")
                ),
            );
        }
        let mut roles = Vec::new();
        for held in row
            .get(5)
            .split(';')
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            let role = held
                .parse::<RoleId>()
                .ok()
                .and_then(|id| policy.role(&id).map(|r| (id, r)));
            match (role, tier) {
                (None, _) => wrong(
                    row.column(5),
                    format!(
                        "`{held}` is not a role of the policy {}: use one of {}",
                        policy.id,
                        policy
                            .roles
                            .iter()
                            .map(|r| r.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                (Some((_, role)), Some(tier)) if !Person::may_hold(policy, role, tier) => wrong(
                    row.column(5),
                    format!(
                        "`{held}` is held at the {} tier, and this person is {}: give them that tier, or leave the role out",
                        role.tier.id(),
                        tier.id()
                    ),
                ),
                (Some((id, _)), _) => roles.push(id),
            }
        }
        if mistakes.len() > before {
            continue;
        }
        let (Ok(id), Some(agency), Some(tier)) = (id, agency, tier) else {
            continue;
        };
        // Someone already in the directory, by sign-in name or by email.
        let by_sign_in = stored
            .people
            .iter()
            .find(|p| p.sign_in.eq_ignore_ascii_case(sign_in));
        let by_email = stored
            .people
            .iter()
            .find(|p| p.email.eq_ignore_ascii_case(email));
        let existing = match (by_sign_in, by_email) {
            (Some(a), Some(b)) if a.id != b.id => {
                mistakes.push(Mistake {
                    file: people.name.to_owned(),
                    line: row.line,
                    column: row.column(2),
                    message: format!(
                        "`{email}` is the email of `{}`, not of `{sign_in}`: correct one of them",
                        b.sign_in
                    ),
                });
                continue;
            }
            (a, b) => a.or(b),
        };
        if let Some(p) = existing.filter(|p| p.partnership != partnership.id) {
            mistakes.push(Mistake {
                file: people.name.to_owned(),
                line: row.line,
                column: row.column(0),
                message: format!(
                    "`{}` is already someone of another partnership: choose another sign-in name and email",
                    p.sign_in
                ),
            });
            continue;
        }
        // A new person takes their sign-in name as their id, which nobody
        // stored may hold already (an earlier import may have renamed its
        // holder's sign-in); and no two rows may be one person.
        if existing.is_none() && stored.people.iter().any(|p| p.id == id) {
            mistakes.push(Mistake {
                file: people.name.to_owned(),
                line: row.line,
                column: row.column(0),
                message: format!(
                    "`{sign_in}` is the id of someone already in Accord under another sign-in name: choose another sign-in name"
                ),
            });
            continue;
        }
        let id = existing.map_or(id, |p| p.id.clone());
        if let Some(first) = assigned.insert(id.clone(), row.line) {
            mistakes.push(Mistake {
                file: people.name.to_owned(),
                line: row.line,
                column: 0,
                message: format!(
                    "this line and line {first} are the same person (by sign-in name or email): keep one line for them"
                ),
            });
            continue;
        }
        if existing.is_none() {
            out.new_people += 1;
        }
        out.people.push(Person {
            id,
            sign_in: sign_in.to_owned(),
            name: name.to_owned(),
            job_title: row.get(6).to_owned(),
            email: email.to_owned(),
            partnership: partnership.id.clone(),
            agency,
            tier,
            declared_roles: roles,
        });
    }
    if mistakes.is_empty() {
        Ok(out)
    } else {
        Err(mistakes)
    }
}

/// `agencies.csv` for `agencies`.
pub fn export_agencies(agencies: &[Agency]) -> String {
    write(
        &AGENCY_COLUMNS,
        agencies.iter().map(|a| {
            vec![
                a.id.to_string(),
                a.name.clone(),
                kind_name(a.kind).to_owned(),
            ]
        }),
    )
}

/// `people.csv` for `people`.
pub fn export_people(people: &[Person]) -> String {
    write(
        &PEOPLE_COLUMNS,
        people.iter().map(|p| {
            vec![
                p.sign_in.clone(),
                p.name.clone(),
                p.email.clone(),
                p.agency.to_string(),
                p.tier.id().to_owned(),
                p.declared_roles
                    .iter()
                    .map(RoleId::as_str)
                    .collect::<Vec<_>>()
                    .join(";"),
                p.job_title.clone(),
            ]
        }),
    )
}

fn write(columns: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(columns)
        .expect("writing to memory cannot fail");
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| guarded(cell)))
            .expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail"))
        .expect("CSV of UTF-8 cells is UTF-8")
}

/// What a cell a spreadsheet would read as a formula starts with.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet would read as a formula, prefixed with `'`.
fn guarded(cell: &str) -> String {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// A cell as imported: trimmed, and without the `'` an export put before
/// what a spreadsheet would read as a formula.
fn unguarded(cell: &str) -> &str {
    let cell = cell.trim();
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// One row of a file, its cells in the order of the wanted columns.
struct Row {
    line: u64,
    cells: Vec<String>,
    positions: Vec<usize>,
}

impl Row {
    fn get(&self, i: usize) -> &str {
        &self.cells[i]
    }

    /// The column, from 1, that the wanted column `i` has in the file.
    fn column(&self, i: usize) -> usize {
        self.positions[i] + 1
    }
}

/// The rows of `file`, each with the `wanted` columns found by the
/// header's names in any order. A missing column, a line that is not CSV,
/// or one with too few cells is a mistake, and no rows are given for a
/// file whose header lacks a column.
fn rows(file: CsvFile<'_>, wanted: &[&str], mistakes: &mut Vec<Mistake>) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        // A spreadsheet's "CSV UTF-8" starts with a byte order mark.
        .from_reader(
            file.text
                .strip_prefix('\u{feff}')
                .unwrap_or(file.text)
                .as_bytes(),
        );
    let mistake = |line: u64, column: usize, message: String| Mistake {
        file: file.name.to_owned(),
        line,
        column,
        message,
    };
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => {
            mistakes.push(mistake(1, 0, format!("the file is not CSV: {e}")));
            return Vec::new();
        }
    };
    let mut positions = Vec::new();
    for name in wanted {
        match header.iter().position(|h| h == name) {
            Some(i) => positions.push(i),
            None => mistakes.push(mistake(
                1,
                0,
                format!(
                    "the header has no `{name}` column: the columns are {}",
                    wanted.join(",")
                ),
            )),
        }
    }
    if positions.len() < wanted.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                mistakes.push(mistake(line, 0, format!("this line is not CSV: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells: Option<Vec<String>> = positions
            .iter()
            .map(|&i| record.get(i).map(|c| unguarded(c).to_owned()))
            .collect();
        match cells {
            Some(cells) => out.push(Row {
                line,
                cells,
                positions: positions.clone(),
            }),
            None => mistakes.push(mistake(
                line,
                0,
                format!(
                    "this line has {} cells, and the header {}: give every column, leaving a cell empty where there is nothing to say",
                    record.len(),
                    header.len()
                ),
            )),
        }
    }
    out
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
        && !domain.contains('@')
}

fn kind_name(kind: AgencyKind) -> &'static str {
    match kind {
        AgencyKind::ChildrensSocialCare => "childrens-social-care",
        AgencyKind::Health => "health",
        AgencyKind::Police => "police",
        AgencyKind::Education => "education",
        AgencyKind::Probation => "probation",
        AgencyKind::YouthJustice => "youth-justice",
        AgencyKind::Housing => "housing",
        AgencyKind::AdultSocialCare => "adult-social-care",
        AgencyKind::VoluntarySector => "voluntary-sector",
        AgencyKind::Other => "other",
        AgencyKind::PartnershipTeam => "partnership-team",
    }
}

fn kind_names() -> Vec<&'static str> {
    AgencyKind::ALL.into_iter().map(kind_name).collect()
}

fn kind_named(name: &str) -> Option<AgencyKind> {
    AgencyKind::ALL.into_iter().find(|k| kind_name(*k) == name)
}
