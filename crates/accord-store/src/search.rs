//! Finding any case (issue 14 §1): what a search asks ([`CaseSearch`]), the
//! rows of the search projection written beside each case's register row
//! (migration 0012: its children's names, dates of birth and identifiers,
//! and everyone who ever took part), and the search log, where every search
//! is kept with who asked, what and which cases they were shown.
//!
//! The store answers with the cases of one partnership that match; who may
//! see which of them is the access rules' to say, above the store.

use accord_case::{Case, CaseId, Event, LocalId, NhsNumber, PersonId, Status};
use jiff::{Timestamp, civil::Date};

/// What a search asks. Every criterion given must hold; those about the
/// child must all hold of the same child.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseSearch {
    /// Part of the case reference, such as `HAV-2026-00`, in any case.
    pub reference: Option<String>,
    /// Words of the child's name, each found anywhere in it, in any case.
    pub child_name: Option<String>,
    /// The child's date of birth.
    pub date_of_birth: Option<Date>,
    /// The child's NHS number.
    pub nhs_number: Option<NhsNumber>,
    /// The child's local identifier, in any case.
    pub local_id: Option<LocalId>,
    /// An agency in the disagreement, raising or other.
    pub agency: Option<String>,
    /// People of whom at least one took part in the case; `None` for
    /// anyone. An empty list matches no case (a name that is nobody's).
    pub people: Option<Vec<PersonId>>,
    /// Where the case stands; empty for any status.
    pub statuses: Vec<Status>,
    /// Raised at or after this instant.
    pub raised_from: Option<Timestamp>,
    /// Raised before this instant.
    pub raised_before: Option<Timestamp>,
}

/// One search, as the search log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRecord {
    /// Who searched.
    pub person: PersonId,
    /// When.
    pub at: Timestamp,
    /// What they asked, as the JSON the caller wrote.
    pub query: String,
    /// The cases they were shown, in the order shown.
    pub shown: Vec<CaseId>,
}

/// A child of a case as search compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubjectSearchRow {
    pub subject_id: String,
    pub name_folded: String,
    pub date_of_birth: Option<String>,
    pub nhs_number: Option<String>,
    pub local_id_folded: Option<String>,
}

/// The search rows of `case`'s children or adults.
pub(crate) fn subject_rows(case: &Case) -> Vec<SubjectSearchRow> {
    case.subjects()
        .iter()
        .map(|s| SubjectSearchRow {
            subject_id: s.id.to_string(),
            name_folded: s.name.as_str().to_lowercase(),
            date_of_birth: s.date_of_birth.map(|d| d.to_string()),
            nhs_number: s.nhs_number.as_ref().map(|n| n.digits().to_owned()),
            local_id_folded: s.local_id.as_ref().map(LocalId::folded),
        })
        .collect()
}

/// Everyone who has taken part in the case whose `events` folded to
/// `case`, at any stage and in any state: who raised it and whom its part
/// was handed to, the named other professional, every discussion's
/// participants, every action's owner, the panel's members, and whoever
/// recorded any of its events; by id, each once.
pub(crate) fn people_rows(case: &Case, events: &[Event]) -> Vec<String> {
    let mut people: Vec<&PersonId> = events.iter().map(|e| &e.actor.person).collect();
    people.push(&case.raised_by().person);
    people.push(case.raiser());
    people.extend(case.other_professional());
    people.extend(
        case.discussions()
            .iter()
            .flat_map(|d| d.record.participants.iter().map(|p| &p.person)),
    );
    people.extend(case.actions().iter().map(|a| &a.details.who));
    people.extend(
        case.panel()
            .iter()
            .flat_map(|p| p.members.iter().map(|m| &m.person)),
    );
    people.extend(case.handovers().iter().map(|h| &h.to));
    let mut ids: Vec<String> = people.into_iter().map(|p| p.to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// `text` as a LIKE pattern that finds it anywhere, with LIKE's own
/// characters escaped by `\`.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A value bound to a search query's placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// The `WHERE` conditions of `search` within `partnership` and their binds,
/// numbered from `$1`.
pub(crate) fn conditions(partnership: &str, search: &CaseSearch) -> (Vec<String>, Vec<Bind>) {
    let mut binds = vec![Bind::Text(partnership.to_owned())];
    let next = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut wheres =
        vec!["raising_agency IN (SELECT id FROM agencies WHERE partnership_id = $1)".to_owned()];
    if let Some(reference) = search
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let p = next(
            Bind::Text(contains_pattern(&reference.to_uppercase())),
            &mut binds,
        );
        wheres.push(format!("UPPER(case_id) LIKE {p} ESCAPE '\\'"));
    }
    let mut child = Vec::new();
    if let Some(name) = &search.child_name {
        for word in name.split_whitespace() {
            let p = next(
                Bind::Text(contains_pattern(&word.to_lowercase())),
                &mut binds,
            );
            child.push(format!("name_folded LIKE {p} ESCAPE '\\'"));
        }
    }
    if let Some(born) = search.date_of_birth {
        let p = next(Bind::Text(born.to_string()), &mut binds);
        child.push(format!("date_of_birth = {p}"));
    }
    if let Some(nhs) = &search.nhs_number {
        let p = next(Bind::Text(nhs.digits().to_owned()), &mut binds);
        child.push(format!("nhs_number = {p}"));
    }
    if let Some(id) = &search.local_id {
        let p = next(Bind::Text(id.folded()), &mut binds);
        child.push(format!("local_id_folded = {p}"));
    }
    if !child.is_empty() {
        wheres.push(format!(
            "case_id IN (SELECT case_id FROM case_subjects WHERE {})",
            child.join(" AND ")
        ));
    }
    if let Some(agency) = &search.agency {
        let p = next(Bind::Text(agency.clone()), &mut binds);
        wheres.push(format!("(raising_agency = {p} OR other_agency = {p})"));
    }
    if let Some(people) = &search.people {
        if people.is_empty() {
            wheres.push("1 = 0".to_owned());
        } else {
            let ps: Vec<String> = people
                .iter()
                .map(|person| next(Bind::Text(person.to_string()), &mut binds))
                .collect();
            wheres.push(format!(
                "case_id IN (SELECT case_id FROM case_people WHERE person_id IN ({}))",
                ps.join(", ")
            ));
        }
    }
    if !search.statuses.is_empty() {
        let ps: Vec<String> = search
            .statuses
            .iter()
            .map(|s| {
                next(
                    Bind::Text(crate::projection::status_name(*s).to_owned()),
                    &mut binds,
                )
            })
            .collect();
        wheres.push(format!("status IN ({})", ps.join(", ")));
    }
    if let Some(from) = search.raised_from {
        let p = next(Bind::Int(from.as_microsecond()), &mut binds);
        wheres.push(format!("raised_at_us >= {p}"));
    }
    if let Some(before) = search.raised_before {
        let p = next(Bind::Int(before.as_microsecond()), &mut binds);
        wheres.push(format!("raised_at_us < {p}"));
    }
    (wheres, binds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_what_like_treats_specially() {
        assert_eq!(contains_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }

    #[test]
    fn every_condition_binds_its_own_placeholder() {
        let search = CaseSearch {
            reference: Some("hav".into()),
            child_name: Some("Jo  Bloggs".into()),
            agency: Some("hav-police".into()),
            statuses: vec![Status::Closed, Status::Withdrawn],
            ..CaseSearch::default()
        };
        let (wheres, binds) = conditions("havering", &search);
        assert_eq!(binds.len(), 7);
        let sql = wheres.join(" AND ");
        for n in 1..=7 {
            assert!(sql.contains(&format!("${n}")), "{sql}");
        }
        assert!(!sql.contains("$8"));
    }
}
