//! The register a page at a time (issue 18): its filters, its order and
//! its paging in the query, and who may see each case checked there too
//! (migration 0023), so that a page costs what it holds, however many
//! cases the register holds.
//!
//! The order is the register's own: overdue first, then soonest due, then
//! the cases with no deadline running, each by case id. It is kept as one
//! column (`queue_us`), so paging is by keyset: a page starts after the
//! last case of the one before, so cases raised or closed meanwhile shift
//! no page; a case whose deadline changes moves to its new place.

use std::{fmt, str::FromStr};

use accord_case::{AgencyId, CaseId, PersonId, Status};
use accord_policy::RoleRef;
use jiff::Timestamp;

use crate::{
    RegisterEntry, Store, StoreError,
    projection::{person_key, role_key},
};

/// Who reads the register, as the access rules see them. The access rules
/// are accord-web's (`access::standing`); it says here which cases they
/// let this reader see, in terms the query can ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterReader {
    /// Their partnership: no other's case is read.
    pub partnership: String,
    /// Whether they see every case of it (the team, the chair).
    pub whole_partnership: bool,
    /// The agency whose cases they see, as a party to them (a manager and
    /// above in an agency).
    pub agency: Option<AgencyId>,
    /// Who they are: they see the cases they are involved in.
    pub person: PersonId,
    /// The roles they hold that a case's notifications and forms count
    /// (a declared role of the policy, or the IRO's).
    pub roles: Vec<RoleRef>,
}

/// The filters of a page of the register; each one given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterFilter {
    /// Only cases at this stage.
    pub stage: Option<u8>,
    /// Only cases this agency is a party to.
    pub agency: Option<String>,
    /// Only cases in this area of disagreement.
    pub area: Option<String>,
    /// Only overdue cases (`true`), or only those not overdue (`false`).
    pub overdue: Option<bool>,
}

/// Where a page of the register starts: after this case, in the
/// register's order. Written as text for a link or an API's `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterCursor {
    queue_us: i64,
    case: CaseId,
}

impl RegisterCursor {
    /// The cursor just after `entry`.
    pub fn after(entry: &RegisterEntry) -> RegisterCursor {
        RegisterCursor {
            queue_us: queue_of(entry),
            case: entry.case.clone(),
        }
    }
}

/// Where `entry` stands in the register's order, as the projection writes
/// it (`projection::queue_us`).
fn queue_of(entry: &RegisterEntry) -> i64 {
    match (entry.status, entry.due) {
        (Status::Open, Some(due)) => due.as_microsecond(),
        _ => i64::MAX,
    }
}

impl fmt::Display for RegisterCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.queue_us, self.case)
    }
}

/// A cursor that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a place in the register: use the `next` the last page gave")]
pub struct BadCursor(pub String);

impl FromStr for RegisterCursor {
    type Err = BadCursor;

    fn from_str(s: &str) -> Result<RegisterCursor, BadCursor> {
        let bad = || BadCursor(s.to_owned());
        let (queue, case) = s.split_once('.').ok_or_else(bad)?;
        Ok(RegisterCursor {
            queue_us: queue.parse().map_err(|_| bad())?,
            case: CaseId::parse(case).map_err(|_| bad())?,
        })
    }
}

/// One page of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterPage {
    /// Its cases, in the register's order.
    pub entries: Vec<RegisterEntry>,
    /// Where the next page starts, if there is one.
    pub next: Option<RegisterCursor>,
}

/// A page's query, for the backends.
pub(crate) struct PageQuery<'a> {
    pub partnership: &'a str,
    /// `None` for every case of the partnership; else the agency (if
    /// any) and the involvement keys that let the reader see a case.
    pub visible: Option<(Option<&'a str>, Vec<String>)>,
    pub filter: &'a RegisterFilter,
    pub now: i64,
    pub after: Option<(i64, &'a str)>,
    pub limit: i64,
}

impl Store {
    /// Up to `limit` cases of the register that `reader` may see and
    /// `filter` admits at `now`, in the register's order, starting after
    /// `after`: filtered, checked and paged in the query, with the
    /// indexes of migration 0023, so that the page costs what it holds.
    pub async fn register_page(
        &self,
        reader: &RegisterReader,
        filter: &RegisterFilter,
        now: Timestamp,
        after: Option<&RegisterCursor>,
        limit: u32,
    ) -> Result<RegisterPage, StoreError> {
        let keys = || {
            std::iter::once(person_key(&reader.person))
                .chain(reader.roles.iter().filter_map(role_key))
                .collect::<Vec<_>>()
        };
        let query = PageQuery {
            partnership: &reader.partnership,
            visible: (!reader.whole_partnership)
                .then(|| (reader.agency.as_ref().map(AgencyId::as_str), keys())),
            filter,
            now: now.as_microsecond(),
            after: after.map(|c| (c.queue_us, c.case.as_str())),
            limit: i64::from(limit.max(1)) + 1,
        };
        let mut entries = match &self.backend {
            crate::Backend::Sqlite(b) => {
                crate::backend::sqlite::register_page(b.read_pool(), &query).await?
            }
            crate::Backend::Postgres(b) => {
                crate::backend::postgres::register_page(b.read_pool(), &query).await?
            }
        };
        let more = entries.len() > limit.max(1) as usize;
        entries.truncate(limit.max(1) as usize);
        let next = more
            .then(|| entries.last().map(RegisterCursor::after))
            .flatten();
        Ok(RegisterPage { entries, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written_and_a_bad_one_says_so() {
        let cursor = RegisterCursor {
            queue_us: 1_767_225_600_000_000,
            case: CaseId::parse("HAV-2026-0042").unwrap(),
        };
        assert_eq!(cursor.to_string().parse::<RegisterCursor>(), Ok(cursor));
        for bad in ["", "12", "x.HAV-1", "12.HAV 1"] {
            assert_eq!(
                bad.parse::<RegisterCursor>(),
                Err(BadCursor(bad.to_owned()))
            );
        }
    }
}
