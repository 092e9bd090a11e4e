//! Finding any case (issue 14 §1): what a search asks ([`CaseSearch`]), the
//! rows of the search projection written beside each case's register row
//! (migration 0012: its children's names, dates of birth and identifiers,
//! and everyone who ever took part), and the search log, where every search
//! is kept with who asked, what and which cases they were shown.
//!
//! The store answers with the cases of one partnership that match; who may
//! see which of them is the access rules' to say, above the store.

use accord_case::{Case, CaseId, Event, LocalId, NhsNumber, PersonId, Status};

use crate::keys::Keys;
use jiff::{Timestamp, civil::Date};

/// What a search asks. Every criterion given must hold; those about the
/// child must all hold of the same child.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseSearch {
    /// Part of the case reference, such as `HAV-2026-00`, in any case.
    pub reference: Option<String>,
    /// Words of the child's name, in any case: each a word of the name or
    /// its beginning of at least [`NAME_PREFIX_CHARS`] characters.
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

/// The shortest beginning of a name's word that search finds it by.
pub const NAME_PREFIX_CHARS: usize = 3;

/// The blind indexes of one word of a child's name as search asks it: the
/// word in lower case.
fn name_word(keys: &Keys, word: &str) -> String {
    keys.blind("name", &word.to_lowercase())
}

/// The search rows of `case`'s children or adults (issue 17 §1): for each,
/// keyed blind indexes of every word of their name and of each beginning
/// of it from [`NAME_PREFIX_CHARS`] characters, of their date of birth,
/// NHS number and local identifier. Equal values give equal indexes under
/// the partnership's index key, so search compares them without a plain
/// copy of any.
pub(crate) fn subject_rows(keys: &Keys, case: &Case) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for s in case.subjects() {
        let id = s.id.to_string();
        for word in s.name.as_str().split_whitespace() {
            let chars: Vec<char> = word.chars().collect();
            rows.push((id.clone(), name_word(keys, word)));
            for end in NAME_PREFIX_CHARS..chars.len() {
                let prefix: String = chars[..end].iter().collect();
                rows.push((id.clone(), name_word(keys, &prefix)));
            }
        }
        if let Some(born) = s.date_of_birth {
            rows.push((id.clone(), keys.blind("born", &born.to_string())));
        }
        if let Some(nhs) = &s.nhs_number {
            rows.push((id.clone(), keys.blind("nhs", nhs.digits())));
        }
        if let Some(local) = &s.local_id {
            rows.push((id.clone(), keys.blind("local", &local.folded())));
        }
    }
    rows.sort();
    rows.dedup();
    rows
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

/// What a sealed search's query starts with.
const SEALED: &str = "sealed:";

/// What was asked in a search (it may name a child), sealed for the search
/// log by the key ring's search log key, bound to who asked.
pub(crate) fn seal_query(keys: &Keys, person: &str, query: &str) -> String {
    use base64::Engine as _;
    let sealed = keys
        .search_log()
        .seal(&query_context(person), query.as_bytes());
    format!(
        "{SEALED}{}",
        base64::engine::general_purpose::STANDARD.encode(sealed)
    )
}

/// Whether a stored query is sealed.
pub(crate) fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

/// What [`seal_query`] sealed.
pub(crate) fn open_query(
    keys: &Keys,
    person: &str,
    stored: &str,
) -> Result<String, crate::StoreError> {
    use base64::Engine as _;
    let damaged = || crate::StoreError::Damaged {
        case: "(search log)".into(),
        reason: "a search's query did not open with the search log's key".into(),
    };
    let sealed = stored
        .strip_prefix(SEALED)
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .ok_or_else(damaged)?;
    let plain = keys
        .search_log()
        .open(&query_context(person), &sealed)
        .ok_or_else(damaged)?;
    String::from_utf8(plain.to_vec()).map_err(|_| damaged())
}

fn query_context(person: &str) -> Vec<u8> {
    format!("search\0{person}").into_bytes()
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
pub(crate) fn conditions(
    keys: &Keys,
    partnership: &str,
    search: &CaseSearch,
) -> (Vec<String>, Vec<Bind>) {
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
    // What is asked of the child, as blind indexes, every one of which
    // one child of the case must have.
    let mut child: Vec<String> = Vec::new();
    if let Some(name) = &search.child_name {
        child.extend(name.split_whitespace().map(|word| name_word(keys, word)));
    }
    if let Some(born) = search.date_of_birth {
        child.push(keys.blind("born", &born.to_string()));
    }
    if let Some(nhs) = &search.nhs_number {
        child.push(keys.blind("nhs", nhs.digits()));
    }
    if let Some(id) = &search.local_id {
        child.push(keys.blind("local", &id.folded()));
    }
    child.sort();
    child.dedup();
    if !child.is_empty() {
        let count = child.len();
        let ps: Vec<String> = child
            .into_iter()
            .map(|blind| next(Bind::Text(blind), &mut binds))
            .collect();
        let n = next(
            Bind::Int(i64::try_from(count).unwrap_or(i64::MAX)),
            &mut binds,
        );
        wheres.push(format!(
            "case_id IN (SELECT case_id FROM case_subjects WHERE blind IN ({}) \
             GROUP BY case_id, subject_id HAVING COUNT(*) = {n})",
            ps.join(", ")
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
        let keys = Keys::new(
            std::sync::Arc::new(crate::keys::LocalMasterKey::generate()),
            crate::keys::DataKey::generate(),
            crate::keys::DataKey::generate(),
        );
        let (wheres, binds) = conditions(&keys, "havering", &search);
        assert_eq!(binds.len(), 8);
        let sql = wheres.join(" AND ");
        for n in 1..=8 {
            assert!(sql.contains(&format!("${n}")), "{sql}");
        }
        assert!(!sql.contains("$9"));
        // No word of the name is bound in plain text.
        for bind in &binds {
            if let Bind::Text(t) = bind {
                assert!(!t.to_lowercase().contains("bloggs"), "{t}");
            }
        }
    }
}
