//! Finding people in a directory by what someone types: part of a name, a
//! job title or an agency's name. A partnership may have thousands of
//! people, so pickers show only who matches (issue 14 §3); the pages' plain
//! search and the API's suggestions both ask this one function, so they
//! agree on who is found and in what order.

use crate::{Agency, Person};

/// The people of `people` who match `query` and `keep` allows, best first,
/// at most `limit` of them, and how many matched in all.
///
/// Every word typed must be found, ignoring case, in the person's name,
/// job title or agency's name. Those whose name starts with what was typed
/// come first, then those with a word of their name starting with a
/// word typed, then the rest; each group in name order. A blank
/// query matches nobody: nobody is offered the whole directory.
pub fn find_people<'p>(
    people: &'p [Person],
    agencies: &[Agency],
    query: &str,
    limit: usize,
    keep: impl Fn(&Person) -> bool,
) -> Found<'p> {
    let query = query.trim().to_lowercase();
    let terms: Vec<&str> = query.split_whitespace().collect();
    if terms.is_empty() {
        return Found {
            total: 0,
            people: Vec::new(),
        };
    }
    let agency_name = |p: &Person| {
        agencies
            .iter()
            .find(|a| a.id == p.agency)
            .map_or("", |a| a.name.as_str())
    };
    let mut matched: Vec<(u8, String, &Person)> = people
        .iter()
        .filter_map(|p| {
            let name = p.name.to_lowercase();
            let haystack = format!(
                "{name} {} {}",
                p.job_title.to_lowercase(),
                agency_name(p).to_lowercase()
            );
            if !terms.iter().all(|t| haystack.contains(t)) || !keep(p) {
                return None;
            }
            let rank = if name.starts_with(&query) {
                0
            } else if name
                .split_whitespace()
                .any(|w| terms.iter().any(|t| w.starts_with(t)))
            {
                1
            } else {
                2
            };
            Some((rank, name, p))
        })
        .collect();
    let total = matched.len();
    matched.sort_by(|a, b| (a.0, &a.1, &a.2.id).cmp(&(b.0, &b.1, &b.2.id)));
    matched.truncate(limit);
    Found {
        total,
        people: matched.into_iter().map(|(_, _, p)| p).collect(),
    }
}

/// How a picker names `person` of the agency `agency_name`: "Sam Carter,
/// Detective Sergeant (Northshire Police)", or without the job title when
/// there is none.
pub fn label(person: &Person, agency_name: &str) -> String {
    if person.job_title.trim().is_empty() {
        format!("{}, {agency_name}", person.name)
    } else {
        format!("{}, {} ({agency_name})", person.name, person.job_title)
    }
}

/// What [`find_people`] found.
#[derive(Debug)]
pub struct Found<'p> {
    /// How many matched in all.
    pub total: usize,
    /// The best of them, up to the limit asked for.
    pub people: Vec<&'p Person>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_case::{AgencyId, PersonId};
    use accord_policy::RoleTier;

    fn person(id: &str, name: &str, job: &str, agency: &str) -> Person {
        Person {
            id: PersonId::parse(id).unwrap(),
            sign_in: id.to_owned(),
            name: name.to_owned(),
            job_title: job.to_owned(),
            email: format!("{id}@example.org"),
            partnership: "p".to_owned(),
            agency: AgencyId::parse(agency).unwrap(),
            tier: RoleTier::Practitioner,
            declared_roles: Vec::new(),
        }
    }

    fn names<'a>(found: &Found<'a>) -> Vec<&'a str> {
        found.people.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn every_word_must_match_a_name_job_title_or_agency_and_names_starting_so_come_first() {
        let agencies = vec![
            Agency {
                id: AgencyId::parse("police").unwrap(),
                partnership: "p".to_owned(),
                name: "Northshire Police".to_owned(),
                kind: crate::AgencyKind::Police,
            },
            Agency {
                id: AgencyId::parse("csc").unwrap(),
                partnership: "p".to_owned(),
                name: "Northshire Children's Services".to_owned(),
                kind: crate::AgencyKind::ChildrensSocialCare,
            },
        ];
        let people = vec![
            person("a", "Sam Carter", "Detective Sergeant", "police"),
            person("b", "Carys Jones", "Social worker", "csc"),
            person("c", "Ann Macarthy", "Team manager", "csc"),
            person("d", "Carl Price", "Sergeant", "police"),
        ];
        let all = |_: &Person| true;
        let found = find_people(&people, &agencies, "car", 10, all);
        assert_eq!(
            names(&found),
            ["Carl Price", "Carys Jones", "Sam Carter", "Ann Macarthy"]
        );
        let found = find_people(&people, &agencies, "  SERGEANT police ", 10, all);
        assert_eq!(names(&found), ["Carl Price", "Sam Carter"]);
        let found = find_people(&people, &agencies, "children's car", 1, all);
        assert_eq!((found.total, names(&found)), (2, vec!["Carys Jones"]));
        assert_eq!(find_people(&people, &agencies, "   ", 10, all).total, 0);
        let found = find_people(&people, &agencies, "car", 10, |p| p.id.as_str() != "d");
        assert_eq!(found.total, 3, "whom `keep` refuses is never found");
    }
}
