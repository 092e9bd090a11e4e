//! The directory: partnerships, their agencies and their people, as the
//! store keeps them. Unlike events this is ordinary data, upserted in place
//! by [`Store::put_directory`] and read with [`Store::partnerships`],
//! [`Store::agencies`] and [`Store::people`]; each record that a write
//! changes is recorded in the directory audit (`audit.rs`), with its fields
//! before and after, in the same transaction.
//!
//! Sign-in names are unique whatever their case (migration 0008), and
//! [`Store::person_by_sign_in`] finds someone however the name is typed.
//!
//! The records are `accord-directory`'s, which were made to be written as
//! they are. Nothing secret is kept here: sign-in secrets (issue 4) belong in a
//! table of their own, keyed by person, so that listing people never reads
//! a password hash.

use accord_case::{AgencyId, PersonId};
use accord_policy::{PolicyId, RoleId, RoleTier};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};

pub use accord_directory::{Agency, AgencyKind, Directory, Partnership, Person};

use crate::{ChangedBy, Store, StoreError};
use jiff::Timestamp;

/// The directory could not be written or read. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The database refused a record: it names a partnership or agency that
    /// does not exist, or takes a sign-in name someone else has.
    #[error("{record} cannot be stored: {reason}")]
    Refused {
        /// Which record, such as `person hav-police-manager` (an id, never
        /// a name or an email).
        record: String,
        /// Why, and what to do.
        reason: String,
    },
    /// A stored record cannot be read back as what it should be.
    #[error(
        "the stored {record} cannot be read ({reason}): correct it, or write the directory again"
    )]
    Damaged {
        /// Which record, by id.
        record: String,
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for DirectoryError {
    fn from(e: sqlx::Error) -> Self {
        DirectoryError::Store(StoreError::Database(e))
    }
}

/// A partnership as stored.
#[derive(Debug, sqlx::FromRow)]
struct PartnershipRow {
    id: String,
    name: String,
    policy_id: String,
    case_prefix: String,
    sign_in_prefix: String,
}

/// An agency as stored.
#[derive(Debug, sqlx::FromRow)]
struct AgencyRow {
    id: String,
    partnership_id: String,
    name: String,
    kind: String,
}

/// A person as stored.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PersonRow {
    id: String,
    partnership_id: String,
    agency_id: String,
    sign_in: String,
    name: String,
    job_title: String,
    email: String,
    tier: String,
    declared_roles: String,
}

/// How a unit enum serialises, without the quotes: `head-of-service`.
fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => panic!("expected a unit variant to serialise as a string, got {other:?}"),
    }
}

/// A unit enum from its serialised name.
fn from_name<T: DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

fn damaged(record: String, what: &str, value: &str) -> DirectoryError {
    DirectoryError::Damaged {
        record,
        reason: format!("its {what} `{value}` is not valid"),
    }
}

impl TryFrom<PartnershipRow> for Partnership {
    type Error = DirectoryError;
    fn try_from(r: PartnershipRow) -> Result<Self, DirectoryError> {
        let record = || format!("partnership {}", r.id);
        Ok(Partnership {
            policy: r
                .policy_id
                .parse::<PolicyId>()
                .map_err(|_| damaged(record(), "policy", &r.policy_id))?,
            id: r.id,
            name: r.name,
            case_prefix: r.case_prefix,
            sign_in_prefix: r.sign_in_prefix,
        })
    }
}

impl TryFrom<AgencyRow> for Agency {
    type Error = DirectoryError;
    fn try_from(r: AgencyRow) -> Result<Self, DirectoryError> {
        let record = || format!("agency {}", r.id);
        Ok(Agency {
            id: AgencyId::parse(&r.id).map_err(|_| damaged(record(), "id", &r.id))?,
            kind: from_name::<AgencyKind>(&r.kind)
                .ok_or_else(|| damaged(record(), "kind", &r.kind))?,
            partnership: r.partnership_id,
            name: r.name,
        })
    }
}

impl TryFrom<PersonRow> for Person {
    type Error = DirectoryError;
    fn try_from(r: PersonRow) -> Result<Self, DirectoryError> {
        let record = || format!("person {}", r.id);
        Ok(Person {
            id: PersonId::parse(&r.id).map_err(|_| damaged(record(), "id", &r.id))?,
            agency: AgencyId::parse(&r.agency_id)
                .map_err(|_| damaged(record(), "agency", &r.agency_id))?,
            tier: from_name::<RoleTier>(&r.tier)
                .ok_or_else(|| damaged(record(), "tier", &r.tier))?,
            declared_roles: serde_json::from_str::<Vec<RoleId>>(&r.declared_roles)
                .map_err(|_| damaged(record(), "declared roles", &r.declared_roles))?,
            sign_in: r.sign_in,
            name: r.name,
            job_title: r.job_title,
            email: r.email,
            partnership: r.partnership_id,
        })
    }
}

/// What the database's refusal of `record` means, or the failure as it is.
fn refused(e: sqlx::Error, record: String, missing: &str) -> DirectoryError {
    let reason = match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => missing.to_owned(),
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            "its sign-in name belongs to someone else, or differs from theirs only in capital \
             letters: choose another"
                .to_owned()
        }
        _ => return e.into(),
    };
    DirectoryError::Refused { record, reason }
}

/// A record's fields as JSON, for the audit's before and after. Both sides
/// are made from the stored text forms, so an unchanged field compares
/// equal whichever side it came from.
fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("every record's fields are a JSON object"),
    }
}

fn partnership_fields(p: &Partnership) -> Map<String, Value> {
    fields(json!({
        "name": p.name,
        "policy": p.policy.as_str(),
        "case_prefix": p.case_prefix,
        "sign_in_prefix": p.sign_in_prefix,
    }))
}

fn partnership_row_fields(r: &PartnershipRow) -> Map<String, Value> {
    fields(json!({
        "name": r.name,
        "policy": r.policy_id,
        "case_prefix": r.case_prefix,
        "sign_in_prefix": r.sign_in_prefix,
    }))
}

fn agency_fields(a: &Agency) -> Map<String, Value> {
    fields(json!({"partnership": a.partnership, "name": a.name, "kind": name_of(&a.kind)}))
}

fn agency_row_fields(r: &AgencyRow) -> Map<String, Value> {
    fields(json!({"partnership": r.partnership_id, "name": r.name, "kind": r.kind}))
}

fn person_fields(p: &Person) -> Map<String, Value> {
    let roles: Vec<&str> = p.declared_roles.iter().map(|r| r.as_str()).collect();
    fields(json!({
        "partnership": p.partnership,
        "agency": p.agency.as_str(),
        "sign_in": p.sign_in,
        "name": p.name,
        "job_title": p.job_title,
        "email": p.email,
        "tier": p.tier.id(),
        "declared_roles": roles,
    }))
}

fn person_row_fields(r: &PersonRow) -> Map<String, Value> {
    fields(json!({
        "partnership": r.partnership_id,
        "agency": r.agency_id,
        "sign_in": r.sign_in,
        "name": r.name,
        "job_title": r.job_title,
        "email": r.email,
        "tier": r.tier,
        "declared_roles": serde_json::from_str::<Value>(&r.declared_roles)
            .unwrap_or_else(|_| Value::String(r.declared_roles.clone())),
    }))
}

/// Expands the directory's queries for one backend into the calling
/// module, which names the sqlx database `Db`; `$begin` starts a write
/// transaction.
macro_rules! directory_queries {
    ($begin:literal) => {
        use sqlx::Pool;

        use super::{
            AgencyRow, Directory, DirectoryError, PartnershipRow, PersonRow, agency_fields,
            agency_row_fields, name_of, partnership_fields, partnership_row_fields,
            person_fields, person_row_fields, refused,
        };
        use crate::{
            Agency, ChangedBy, Partnership, Person,
            audit::{AuditSubject, Draft},
        };

        /// Upserts every record in one transaction, all or nothing, with
        /// an audit entry for each record that changed.
        pub(crate) async fn put(
            writer: &Pool<Db>,
            dir: Directory<'_>,
            by: &ChangedBy,
            at: jiff::Timestamp,
        ) -> Result<(), DirectoryError> {
            let mut tx = writer.begin_with($begin).await?;
            let mut drafts = Vec::new();
            for p in dir.partnerships {
                let before: Option<PartnershipRow> = sqlx::query_as(
                    "SELECT id, name, policy_id, case_prefix, sign_in_prefix FROM partnerships \
                     WHERE id = $1",
                )
                .bind(&p.id)
                .fetch_optional(&mut *tx)
                .await?;
                drafts.extend(Draft::diff(
                    &p.id,
                    AuditSubject::Partnership,
                    &p.id,
                    before.as_ref().map(partnership_row_fields),
                    partnership_fields(p),
                ));
                sqlx::query(
                    "INSERT INTO partnerships (id, name, policy_id, case_prefix, sign_in_prefix) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                     policy_id = excluded.policy_id, case_prefix = excluded.case_prefix, \
                     sign_in_prefix = excluded.sign_in_prefix",
                )
                .bind(&p.id)
                .bind(&p.name)
                .bind(p.policy.as_str())
                .bind(&p.case_prefix)
                .bind(&p.sign_in_prefix)
                .execute(&mut *tx)
                .await?;
            }
            for a in dir.agencies {
                let before: Option<AgencyRow> = sqlx::query_as(
                    "SELECT id, partnership_id, name, kind FROM agencies WHERE id = $1",
                )
                .bind(a.id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                drafts.extend(Draft::diff(
                    &a.partnership,
                    AuditSubject::Agency,
                    a.id.as_str(),
                    before.as_ref().map(agency_row_fields),
                    agency_fields(a),
                ));
                sqlx::query(
                    "INSERT INTO agencies (id, partnership_id, name, kind) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET partnership_id = excluded.partnership_id, \
                     name = excluded.name, kind = excluded.kind",
                )
                .bind(a.id.as_str())
                .bind(&a.partnership)
                .bind(&a.name)
                .bind(name_of(&a.kind))
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    refused(
                        e,
                        format!("agency {}", a.id),
                        "its partnership is not in the directory, or its people are in another: \
                         add the partnership first",
                    )
                })?;
            }
            for p in dir.people {
                let before: Option<PersonRow> = sqlx::query_as(
                    "SELECT id, partnership_id, agency_id, sign_in, name, job_title, email, tier, \
                     declared_roles FROM people WHERE id = $1",
                )
                .bind(p.id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                drafts.extend(Draft::diff(
                    &p.partnership,
                    AuditSubject::Person,
                    p.id.as_str(),
                    before.as_ref().map(person_row_fields),
                    person_fields(p),
                ));
                let roles: Vec<&str> = p.declared_roles.iter().map(|r| r.as_str()).collect();
                sqlx::query(
                    "INSERT INTO people (id, partnership_id, agency_id, sign_in, name, job_title, \
                     email, tier, declared_roles) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (id) DO UPDATE SET partnership_id = excluded.partnership_id, \
                     agency_id = excluded.agency_id, sign_in = excluded.sign_in, \
                     name = excluded.name, job_title = excluded.job_title, email = excluded.email, \
                     tier = excluded.tier, declared_roles = excluded.declared_roles",
                )
                .bind(p.id.as_str())
                .bind(&p.partnership)
                .bind(p.agency.as_str())
                .bind(&p.sign_in)
                .bind(&p.name)
                .bind(&p.job_title)
                .bind(&p.email)
                .bind(p.tier.id())
                .bind(serde_json::to_string(&roles).expect("role ids always serialise"))
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    refused(
                        e,
                        format!("person {}", p.id),
                        "their agency is not one of their partnership's: add the agency to that \
                         partnership first",
                    )
                })?;
            }
            audit::append(&mut *tx, by, at, &drafts).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Every partnership, by id.
        pub(crate) async fn partnerships(reader: &Pool<Db>) -> Result<Vec<Partnership>, DirectoryError> {
            let rows: Vec<PartnershipRow> = sqlx::query_as(
                "SELECT id, name, policy_id, case_prefix, sign_in_prefix FROM partnerships \
                 ORDER BY id",
            )
            .fetch_all(reader)
            .await?;
            rows.into_iter().map(Partnership::try_from).collect()
        }

        /// A partnership's agencies, by id.
        pub(crate) async fn agencies(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Vec<Agency>, DirectoryError> {
            let rows: Vec<AgencyRow> = sqlx::query_as(
                "SELECT id, partnership_id, name, kind FROM agencies WHERE partnership_id = $1 \
                 ORDER BY id",
            )
            .bind(partnership)
            .fetch_all(reader)
            .await?;
            rows.into_iter().map(Agency::try_from).collect()
        }

        /// The person for whom `column` (`id`, or `lower(sign_in)` with a
        /// lower-cased `value`) equals `value`.
        pub(crate) async fn person_where(
            reader: &Pool<Db>,
            column: &'static str,
            value: &str,
        ) -> Result<Option<Person>, DirectoryError> {
            let sql = format!(
                "SELECT id, partnership_id, agency_id, sign_in, name, job_title, email, tier, \
                 declared_roles FROM people WHERE {column} = $1"
            );
            let row: Option<PersonRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .fetch_optional(reader)
                .await?;
            row.map(Person::try_from).transpose()
        }

        /// A partnership's people, by id.
        pub(crate) async fn people(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Vec<Person>, DirectoryError> {
            let rows: Vec<PersonRow> = sqlx::query_as(
                "SELECT id, partnership_id, agency_id, sign_in, name, job_title, email, tier, \
                 declared_roles FROM people WHERE partnership_id = $1 ORDER BY id",
            )
            .bind(partnership)
            .fetch_all(reader)
            .await?;
            rows.into_iter().map(Person::try_from).collect()
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::audit::sqlite as audit;
    // Take the write lock at once, as appends do, rather than upgrading a
    // read lock part-way (which SQLite may refuse as busy).
    directory_queries!("BEGIN IMMEDIATE");
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::audit::postgres as audit;
    directory_queries!("BEGIN");
}

impl Store {
    /// Writes `directory`, replacing the stored partnerships, agencies and
    /// people that have the same ids and keeping the rest, in one
    /// transaction, recording each record it changes as changed `by`
    /// someone at `at` in the directory audit.
    pub async fn put_directory(
        &self,
        directory: Directory<'_>,
        by: &ChangedBy,
        at: Timestamp,
    ) -> Result<(), DirectoryError> {
        on_pool!(self, write_pool, pool, m => m::put(pool, directory, by, at).await)
    }

    /// Every partnership, by id.
    pub async fn partnerships(&self) -> Result<Vec<Partnership>, DirectoryError> {
        on_pool!(self, read_pool, pool, m => m::partnerships(pool).await)
    }

    /// The agencies of `partnership` (its member agencies and its own
    /// team), by id; empty if there is no such partnership.
    pub async fn agencies(&self, partnership: &str) -> Result<Vec<Agency>, DirectoryError> {
        on_pool!(self, read_pool, pool, m => m::agencies(pool, partnership).await)
    }

    /// The person who signs in as `sign_in`, however its letters are
    /// cased (sign-in names are unique whatever their case), if anyone
    /// does.
    pub async fn person_by_sign_in(&self, sign_in: &str) -> Result<Option<Person>, DirectoryError> {
        let folded = sign_in.to_ascii_lowercase();
        on_pool!(self, read_pool, pool, m => m::person_where(pool, "lower(sign_in)", &folded).await)
    }

    /// The person with id `id`, if there is one.
    pub async fn person(&self, id: &PersonId) -> Result<Option<Person>, DirectoryError> {
        on_pool!(self, read_pool, pool, m => m::person_where(pool, "id", id.as_str()).await)
    }

    /// The people of `partnership`, by id; empty if there is no such
    /// partnership.
    pub async fn people(&self, partnership: &str) -> Result<Vec<Person>, DirectoryError> {
        on_pool!(self, read_pool, pool, m => m::people(pool, partnership).await)
    }
}
