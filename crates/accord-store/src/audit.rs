//! The directory audit (DESIGN.md §4: "Changes to the directory (people,
//! roles, agencies, accounts, settings) are recorded too: who, whom, before
//! and after, when"), in migration `0008_directory_audit.sql`.
//!
//! Every change to a partnership, an agency, a person, an account (a
//! password set, disabling, enabling, an API token made or revoked), a
//! second factor (confirmed or reset) or a partnership's setting appends
//! one [`AuditEntry`] in the same transaction as the change: who made it
//! ([`ChangedBy`]), to what ([`AuditSubject`] and an id), a short name for
//! what changed (`person.tier`, `account.disabled`), and the values before
//! and after as canonical JSON. Only ids and values are kept: never a
//! password hash, a second-factor secret or a token's secret.
//!
//! The entries form a hash chain of their own, encoded with the event log's
//! canonical JSON (`canonical.rs`) and checked by [`Store::verify`] after
//! the events. Each entry hashes one envelope:
//!
//! ```text
//! {"actor":{"id":"hav-admin","kind":"person"},"after":{"tier":"chair"},
//!  "at":"2026-12-01T10:00:00Z","before":{"tier":"manager"},
//!  "partnership":"havering","previous_hash":"0000…0000","sequence":1,
//!  "subject":{"id":"hav-admin","kind":"person"},"what":"person.tier"}
//! ```
//!
//! Appends lock the one-row `audit_head` (`FOR UPDATE` on PostgreSQL;
//! SQLite's writer already holds the write lock), so concurrent changes
//! are serialised into one gapless chain. The lock is taken as the
//! transaction's last step, after the change itself, so it is held only
//! for the moment of the append.

use std::borrow::Cow;

use accord_case::PersonId;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::{
    Store, StoreError,
    canonical::{self, Hash},
};

/// Who made a change to the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangedBy {
    /// Someone signed in: an administrator on the administration pages, or
    /// a person changing their own account (their API tokens, their second
    /// factor).
    Person(PersonId),
    /// A tool acting without a signed-in person: the command line at the
    /// server ([`ChangedBy::COMMAND_LINE`]) or the demo seeding
    /// ([`ChangedBy::DEMO`]).
    System(Cow<'static, str>),
}

impl ChangedBy {
    /// `accord user …` and `accord partnership …`, run at the server.
    pub const COMMAND_LINE: ChangedBy = ChangedBy::System(Cow::Borrowed("accord-cli"));
    /// `accord demo seed`.
    pub const DEMO: ChangedBy = ChangedBy::System(Cow::Borrowed("demo"));

    fn kind(&self) -> &'static str {
        match self {
            ChangedBy::Person(_) => "person",
            ChangedBy::System(_) => "system",
        }
    }

    /// The person's id, or the tool's name.
    pub fn id(&self) -> &str {
        match self {
            ChangedBy::Person(p) => p.as_str(),
            ChangedBy::System(name) => name,
        }
    }

    fn parse(kind: &str, id: &str) -> Option<ChangedBy> {
        match kind {
            "person" => PersonId::parse(id).ok().map(ChangedBy::Person),
            "system" => Some(ChangedBy::System(Cow::Owned(id.to_owned()))),
            _ => None,
        }
    }
}

/// What kind of record a change was made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSubject {
    /// A partnership's name, policy or prefixes.
    Partnership,
    /// An agency's name, kind or partnership.
    Agency,
    /// A person's details, tier or roles.
    Person,
    /// A person's account: password, disabled or not, API tokens.
    Account,
    /// A person's second factor.
    SecondFactor,
    /// A partnership's setting, such as requiring a second factor.
    Setting,
    /// What was done to a case's record as a whole: a legal hold placed
    /// or released, a subject access export made (issue 17).
    Case,
}

impl AuditSubject {
    const ALL: [AuditSubject; 7] = [
        AuditSubject::Partnership,
        AuditSubject::Agency,
        AuditSubject::Person,
        AuditSubject::Account,
        AuditSubject::SecondFactor,
        AuditSubject::Setting,
        AuditSubject::Case,
    ];

    /// Its name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditSubject::Partnership => "partnership",
            AuditSubject::Agency => "agency",
            AuditSubject::Person => "person",
            AuditSubject::Account => "account",
            AuditSubject::SecondFactor => "second_factor",
            AuditSubject::Setting => "setting",
            AuditSubject::Case => "case",
        }
    }

    fn parse(name: &str) -> Option<AuditSubject> {
        AuditSubject::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One change to the directory, as the audit keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its place in the audit chain, from 1.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// The partnership whose directory changed.
    pub partnership: String,
    /// Who changed it.
    pub by: ChangedBy,
    /// What kind of record changed.
    pub subject: AuditSubject,
    /// Which: the partnership's, agency's or person's id (a person's for
    /// their account and second factor, a partnership's for its settings).
    pub subject_id: String,
    /// What changed, in short: `person.added`, `person.tier`,
    /// `person.tier+declared_roles`, `account.password`,
    /// `account.disabled`, `token.created`, `second_factor.reset`,
    /// `setting.second_factor_required`…
    pub what: String,
    /// The values that changed, as they were (`null` for something new).
    pub before: Value,
    /// The values that changed, as they are now (`null` for something
    /// removed).
    pub after: Value,
}

/// A change to append, within the transaction that makes it.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub partnership: String,
    pub subject: AuditSubject,
    pub subject_id: String,
    pub what: String,
    pub before: Value,
    pub after: Value,
}

impl Draft {
    pub fn new(
        partnership: &str,
        subject: AuditSubject,
        subject_id: &str,
        what: impl Into<String>,
        before: Value,
        after: Value,
    ) -> Draft {
        Draft {
            partnership: partnership.to_owned(),
            subject,
            subject_id: subject_id.to_owned(),
            what: what.into(),
            before,
            after,
        }
    }

    /// The change from `before` (`None`: a new record) to `after`, both a
    /// record's fields as JSON, keeping only the fields that differ; `None`
    /// if nothing does. A new record is `{kind}.added`; a changed one
    /// `{kind}.{field}`, or the fields joined by `+` when several changed.
    pub fn diff(
        partnership: &str,
        subject: AuditSubject,
        subject_id: &str,
        before: Option<Map<String, Value>>,
        after: Map<String, Value>,
    ) -> Option<Draft> {
        let kind = subject.as_str();
        let Some(before) = before else {
            return Some(Draft::new(
                partnership,
                subject,
                subject_id,
                format!("{kind}.added"),
                Value::Null,
                Value::Object(after),
            ));
        };
        let changed: Vec<&String> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, _)| k)
            .collect();
        if changed.is_empty() {
            return None;
        }
        let pick = |m: &Map<String, Value>| -> Value {
            Value::Object(
                changed
                    .iter()
                    .map(|k| ((*k).clone(), m.get(*k).cloned().unwrap_or(Value::Null)))
                    .collect(),
            )
        };
        let names: Vec<&str> = changed.iter().map(|k| k.as_str()).collect();
        Some(Draft::new(
            partnership,
            subject,
            subject_id,
            format!("{kind}.{}", names.join("+")),
            pick(&before),
            pick(&after),
        ))
    }
}

/// One stored audit entry as read for checking and listing.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub partnership_id: String,
    pub actor_kind: String,
    pub actor_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub what: String,
    pub before_json: String,
    pub after_json: String,
    pub canonical: Vec<u8>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// The columns of [`AuditRow`], in order.
const COLUMNS: &str = "seq, at, partnership_id, actor_kind, actor_id, subject_kind, subject_id, \
    what, before_json, after_json, canonical, prev_hash, hash";

/// The canonical envelope bytes of an audit entry's parts.
#[allow(clippy::too_many_arguments)]
fn envelope(
    seq: u64,
    at: &str,
    partnership: &str,
    actor: (&str, &str),
    subject: (&str, &str),
    what: &str,
    before: Value,
    after: Value,
    prev_hash: &Hash,
) -> Vec<u8> {
    canonical::to_canonical_bytes(&json!({
        "actor": {"kind": actor.0, "id": actor.1},
        "after": after,
        "at": at,
        "before": before,
        "partnership": partnership,
        "previous_hash": hex::encode(prev_hash),
        "sequence": seq,
        "subject": {"kind": subject.0, "id": subject.1},
        "what": what,
    }))
}

/// Whether re-encoding the row's columns gives exactly its hashed bytes.
pub(crate) fn columns_match(row: &AuditRow, seq: u64) -> bool {
    let (Ok(before), Ok(after), Ok(prev)) = (
        serde_json::from_str::<Value>(&row.before_json),
        serde_json::from_str::<Value>(&row.after_json),
        <Hash>::try_from(row.prev_hash.as_slice()),
    ) else {
        return false;
    };
    envelope(
        seq,
        &row.at,
        &row.partnership_id,
        (&row.actor_kind, &row.actor_id),
        (&row.subject_kind, &row.subject_id),
        &row.what,
        before,
        after,
        &prev,
    ) == row.canonical
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<AuditEntry, StoreError> {
        let damaged = |what: &str| StoreError::Damaged {
            case: "(directory audit)".to_owned(),
            reason: format!("entry {} has an unreadable {what}", r.seq),
        };
        Ok(AuditEntry {
            seq: u64::try_from(r.seq).map_err(|_| damaged("number"))?,
            at: r.at.parse().map_err(|_| damaged("time"))?,
            by: ChangedBy::parse(&r.actor_kind, &r.actor_id).ok_or_else(|| damaged("actor"))?,
            subject: AuditSubject::parse(&r.subject_kind).ok_or_else(|| damaged("subject"))?,
            before: serde_json::from_str(&r.before_json).map_err(|_| damaged("before"))?,
            after: serde_json::from_str(&r.after_json).map_err(|_| damaged("after"))?,
            partnership: r.partnership_id,
            subject_id: r.subject_id,
            what: r.what,
        })
    }
}

/// Expands the audit's queries for one backend into the calling module,
/// which names the sqlx database `Db`; `$lock` is what locks the audit
/// head row until commit.
macro_rules! audit_queries {
    ($lock:literal) => {
        use jiff::Timestamp;
        use sqlx::Pool;

        use super::{AuditRow, COLUMNS, ChangedBy, Draft, envelope};
        use crate::canonical::{self, Hash};

        type Conn = <Db as sqlx::Database>::Connection;

        /// Appends `drafts`, made by `by` at `at`, to the audit chain,
        /// inside the caller's transaction (`conn`), which must commit
        /// soon after: the head stays locked until it does.
        pub(crate) async fn append(
            conn: &mut Conn,
            by: &ChangedBy,
            at: Timestamp,
            drafts: &[Draft],
        ) -> Result<(), sqlx::Error> {
            if drafts.is_empty() {
                return Ok(());
            }
            let (seq, hash): (i64, Vec<u8>) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT seq, hash FROM audit_head WHERE id = 1{}",
                $lock
            )))
            .fetch_one(&mut *conn)
            .await?;
            let damaged =
                || sqlx::Error::Decode("the audit head is not a number and a hash".into());
            let mut seq = u64::try_from(seq).map_err(|_| damaged())?;
            let mut prev = Hash::try_from(hash.as_slice()).map_err(|_| damaged())?;
            let at_text = at.to_string();
            for d in drafts {
                seq += 1;
                let bytes = envelope(
                    seq,
                    &at_text,
                    &d.partnership,
                    (by_kind(by), by.id()),
                    (d.subject.as_str(), &d.subject_id),
                    &d.what,
                    d.before.clone(),
                    d.after.clone(),
                    &prev,
                );
                let hash = canonical::sha256(&bytes);
                sqlx::query(
                    "INSERT INTO directory_audit (seq, at, at_us, partnership_id, actor_kind, \
                     actor_id, subject_kind, subject_id, what, before_json, after_json, \
                     canonical, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(crate::projection::to_i64(seq))
                .bind(&at_text)
                .bind(at.as_microsecond())
                .bind(&d.partnership)
                .bind(by_kind(by))
                .bind(by.id())
                .bind(d.subject.as_str())
                .bind(&d.subject_id)
                .bind(&d.what)
                .bind(canonical::to_canonical_string(&d.before))
                .bind(canonical::to_canonical_string(&d.after))
                .bind(&bytes)
                .bind(&prev[..])
                .bind(&hash[..])
                .execute(&mut *conn)
                .await?;
                prev = hash;
            }
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(crate::projection::to_i64(seq))
                .bind(&prev[..])
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        fn by_kind(by: &ChangedBy) -> &'static str {
            by.kind()
        }

        /// The partnership of the person `person`, read in the caller's
        /// transaction.
        pub(crate) async fn partnership_of(
            conn: &mut Conn,
            person: &str,
        ) -> Result<Option<String>, sqlx::Error> {
            sqlx::query_scalar("SELECT partnership_id FROM people WHERE id = $1")
                .bind(person)
                .fetch_optional(&mut *conn)
                .await
        }

        /// Up to `limit` of `partnership`'s entries, newest first.
        pub(crate) async fn list(
            reader: &Pool<Db>,
            partnership: &str,
            limit: i64,
        ) -> Result<Vec<AuditRow>, sqlx::Error> {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM directory_audit WHERE partnership_id = $1 \
                 ORDER BY seq DESC LIMIT $2"
            )))
            .bind(partnership)
            .bind(limit)
            .fetch_all(reader)
            .await
        }

        /// Up to `limit` entries after `after`, in order, for `verify`.
        pub(crate) async fn page(
            conn: &mut Conn,
            after: i64,
            limit: i64,
        ) -> Result<Vec<AuditRow>, sqlx::Error> {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM directory_audit WHERE seq > $1 ORDER BY seq LIMIT $2"
            )))
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await
        }

        /// The audit head: the last entry's number and hash.
        pub(crate) async fn head(conn: &mut Conn) -> Result<(i64, Vec<u8>), sqlx::Error> {
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut *conn)
                .await
        }
    };
}

pub(crate) mod sqlite {
    type Db = sqlx::Sqlite;
    // SQLite has no `FOR UPDATE`: every audited change runs in a
    // `BEGIN IMMEDIATE` transaction, which already holds the write lock.
    audit_queries!("");
}

pub(crate) mod postgres {
    type Db = sqlx::Postgres;
    audit_queries!(" FOR UPDATE");
}

/// How many entries [`Store::directory_audit`] reads at most.
pub const AUDIT_SHOWN: u32 = 500;

impl Store {
    /// The changes to `partnership`'s directory, newest first, up to
    /// `limit`.
    pub async fn directory_audit(
        &self,
        partnership: &str,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m =>
            m::list(pool, partnership, i64::from(limit)).await)?;
        rows.into_iter().map(AuditEntry::try_from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_diff_keeps_only_the_fields_that_changed() {
        let before = fields(json!({"tier": "manager", "name": "A", "roles": []}));
        let after = fields(json!({"tier": "chair", "name": "A", "roles": ["x"]}));
        let d = Draft::diff(
            "hav",
            AuditSubject::Person,
            "p",
            Some(before.clone()),
            after,
        )
        .unwrap();
        assert_eq!(d.what, "person.roles+tier");
        assert_eq!(d.before, json!({"tier": "manager", "roles": []}));
        assert_eq!(d.after, json!({"tier": "chair", "roles": ["x"]}));
        assert!(
            Draft::diff(
                "hav",
                AuditSubject::Person,
                "p",
                Some(before.clone()),
                before
            )
            .is_none()
        );
        let added = Draft::diff(
            "hav",
            AuditSubject::Agency,
            "a",
            None,
            fields(json!({"n": 1})),
        )
        .unwrap();
        assert_eq!(
            (added.what.as_str(), added.before),
            ("agency.added", Value::Null)
        );
    }

    #[test]
    fn the_envelope_binds_every_column_and_the_link() {
        let one = envelope(
            1,
            "2026-12-01T10:00:00Z",
            "hav",
            ("person", "hav-admin"),
            ("person", "hav-admin"),
            "person.tier",
            json!({"tier": "manager"}),
            json!({"tier": "chair"}),
            &canonical::GENESIS,
        );
        let text = String::from_utf8(one.clone()).unwrap();
        assert!(
            text.starts_with(
                r#"{"actor":{"id":"hav-admin","kind":"person"},"after":{"tier":"chair"},"#
            ),
            "{text}"
        );
        let other = envelope(
            1,
            "2026-12-01T10:00:00Z",
            "hav",
            ("person", "hav-admin"),
            ("person", "hav-admin"),
            "person.tier",
            json!({"tier": "manager"}),
            json!({"tier": "admin"}),
            &canonical::GENESIS,
        );
        assert_ne!(canonical::sha256(&one), canonical::sha256(&other));
    }
}
