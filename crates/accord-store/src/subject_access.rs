//! Subject access (issue 17 §3): everything Accord holds about one person,
//! a child or a professional, across every case of a partnership, with
//! who read those records and when, for the partnership team to review
//! and release.
//!
//! Free text cannot be checked for other people's personal data
//! automatically, so every passage of it (and every form's answers) is
//! marked `check_before_release`; other children or adults a disagreement
//! is about are withheld. Making an export is recorded in the directory
//! audit, by case reference only.

use accord_case::{Case, CaseId, Event, PersonId, Subject, SubjectId};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

use crate::{
    CaseSearch, ChangedBy, Store, StoreError,
    audit::{AuditSubject, Draft},
};

/// Whom an export is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSubject {
    /// A child or adult at risk, found as search finds them: by words of
    /// their name, date of birth, NHS number or local identifier (only
    /// those fields of the search are read).
    Child(CaseSearch),
    /// A professional in the directory.
    Professional(PersonId),
}

/// What the reviewer is told, in every export.
pub const REVIEW: &str = "Before release, read every passage marked \
\"check_before_release\": free text and form answers may name or describe other people, \
which Accord cannot detect, and they may need to be removed. Other children or adults \
the disagreements are about are already withheld.";

/// Everything Accord holds about one person.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectAccess {
    /// The partnership.
    pub partnership: String,
    /// "a child or adult at risk" or "a professional".
    pub about: &'static str,
    /// The professional, for a professional's export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub professional: Option<PersonId>,
    /// When it was made.
    pub made_at: Timestamp,
    /// Who made it.
    pub made_by: PersonId,
    /// What the reviewer must do before release.
    pub review: &'static str,
    /// Every case about them, oldest first.
    pub cases: Vec<CaseExport>,
}

/// One case in an export.
#[derive(Debug, Clone, Serialize)]
pub struct CaseExport {
    /// The case.
    pub case: CaseId,
    /// Where it stands: "open", "closed"…
    pub status: &'static str,
    /// The subjects of the case the export is about (for a child's).
    pub subjects: Vec<Subject>,
    /// Whether its personal data was erased, so that only its shape is
    /// left.
    pub erased: bool,
    /// Every event, in order, with free text marked for review.
    pub events: Vec<EventExport>,
    /// Who read the case, and when.
    pub reads: Vec<ReadExport>,
}

/// One event of a case in an export.
#[derive(Debug, Clone, Serialize)]
pub struct EventExport {
    /// Its number in the case.
    pub sequence: u64,
    /// When.
    pub at: Timestamp,
    /// Who recorded it.
    pub by: PersonId,
    /// What it was, such as `discussion_recorded`.
    pub kind: &'static str,
    /// What it records.
    pub record: serde_json::Value,
}

/// One read of a case.
#[derive(Debug, Clone, Serialize)]
pub struct ReadExport {
    /// Who read it.
    pub by: PersonId,
    /// When.
    pub at: Timestamp,
    /// Why, as the reading screen or tool states it.
    pub purpose: String,
}

/// Whether `subject` is the one `search` asks for: every word of the name
/// a word of theirs or its beginning of three letters or more, and each
/// identifier given equal.
fn is_asked_for(subject: &Subject, search: &CaseSearch) -> bool {
    let words: Vec<String> = subject
        .name
        .as_str()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let name = search.child_name.as_deref().is_none_or(|asked| {
        asked.split_whitespace().all(|w| {
            let w = w.to_lowercase();
            words.iter().any(|word| {
                *word == w
                    || (w.chars().count() >= crate::search::NAME_PREFIX_CHARS
                        && word.starts_with(&w))
            })
        })
    });
    name && search
        .date_of_birth
        .is_none_or(|d| subject.date_of_birth == Some(d))
        && search
            .nhs_number
            .as_ref()
            .is_none_or(|n| subject.nhs_number.as_ref() == Some(n))
        && search
            .local_id
            .as_ref()
            .is_none_or(|l| subject.local_id.as_ref().map(|s| s.folded()) == Some(l.folded()))
}

macro_rules! export_queries {
    ($begin:literal) => {
        use jiff::Timestamp;
        use sqlx::Pool;

        use crate::{ChangedBy, audit::Draft};

        /// Records an export in the directory audit.
        pub(super) async fn record(
            writer: &Pool<Db>,
            draft: Draft,
            by: &ChangedBy,
            at: Timestamp,
        ) -> Result<(), sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::audit::sqlite as audit;
    export_queries!("BEGIN IMMEDIATE");
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::audit::postgres as audit;
    export_queries!("BEGIN");
}

impl Store {
    /// Everything `partnership` holds about `subject`, for `by` of its
    /// partnership team at `at`: every case about them (a child's: the
    /// cases search finds them in; a professional's: every case they took
    /// part in), each event with its free text and form answers marked for
    /// review and other subjects withheld, and who read each case. The
    /// export itself is recorded in the directory audit, and each case's
    /// read in the access log, as `subject access`.
    pub async fn subject_access(
        &self,
        partnership: &str,
        subject: &DataSubject,
        by: &PersonId,
        at: Timestamp,
    ) -> Result<SubjectAccess, StoreError> {
        let search = match subject {
            DataSubject::Child(search) => CaseSearch {
                child_name: search.child_name.clone(),
                date_of_birth: search.date_of_birth,
                nhs_number: search.nhs_number.clone(),
                local_id: search.local_id.clone(),
                ..CaseSearch::default()
            },
            DataSubject::Professional(person) => CaseSearch {
                people: Some(vec![person.clone()]),
                ..CaseSearch::default()
            },
        };
        let mut found = self.search_cases(partnership, &search).await?;
        found.reverse();
        let mut cases = Vec::new();
        for entry in found {
            let events = self.load(&entry.case).await?;
            let case = Case::fold(&events).map_err(|source| StoreError::Stream {
                case: entry.case.clone(),
                source,
            })?;
            let asked: Vec<Subject> = match subject {
                DataSubject::Child(search) => case
                    .subjects()
                    .iter()
                    .filter(|s| is_asked_for(s, search))
                    .cloned()
                    .collect(),
                DataSubject::Professional(_) => Vec::new(),
            };
            if matches!(subject, DataSubject::Child(_)) && asked.is_empty() {
                continue;
            }
            let keep: Vec<SubjectId> = asked.iter().map(|s| s.id.clone()).collect();
            let reads = self
                .reads_of(&entry.case)
                .await?
                .into_iter()
                .map(|r| ReadExport {
                    by: r.person,
                    at: r.at,
                    purpose: r.purpose,
                })
                .collect();
            cases.push(CaseExport {
                case: entry.case.clone(),
                status: crate::projection::status_name(case.status()),
                subjects: asked,
                erased: case.erased().is_some(),
                events: events.iter().map(|e| export_event(e, &keep)).collect(),
                reads,
            });
        }
        for case in &cases {
            self.record_read(&case.case, by, at, "subject access")
                .await?;
        }
        let draft = Draft::new(
            partnership,
            AuditSubject::Case,
            partnership,
            "subject_access.export",
            serde_json::Value::Null,
            json!({
                "about": match subject {
                    DataSubject::Child(_) => "child",
                    DataSubject::Professional(_) => "professional",
                },
                "cases": cases.iter().map(|c| c.case.as_str()).collect::<Vec<_>>(),
            }),
        );
        on_pool!(self, write_pool, pool, m =>
            m::record(pool, draft, &ChangedBy::Person(by.clone()), at).await)?;
        Ok(SubjectAccess {
            partnership: partnership.to_owned(),
            about: match subject {
                DataSubject::Child(_) => "a child or adult at risk",
                DataSubject::Professional(_) => "a professional",
            },
            professional: match subject {
                DataSubject::Professional(p) => Some(p.clone()),
                DataSubject::Child(_) => None,
            },
            made_at: at,
            made_by: by.clone(),
            review: REVIEW,
            cases,
        })
    }
}

fn export_event(event: &Event, keep: &[SubjectId]) -> EventExport {
    let body = serde_json::to_value(&event.body).expect("an event body always serialises");
    let keep: Vec<&str> = keep.iter().map(SubjectId::as_str).collect();
    EventExport {
        sequence: event.sequence.get(),
        at: event.at,
        by: event.actor.person.clone(),
        kind: event.body.name(),
        record: crate::sealing::for_release(&body, &keep),
    }
}
