//! A partnership's own policy, in versions (issue 13 §2; migration
//! `0010_policy_versions.sql`).
//!
//! The five built-in policies are in the binary. A partnership that writes
//! its own (`accord policy new --from havering-2022`) installs it with
//! [`Store::install_policy`]: the file exactly as it was checked is kept,
//! with when and by whom, and is never changed or removed, because cases
//! raised under it stay bound to it. The version in force for a partnership
//! is the newest version of the policy its directory record names; new
//! disagreements are raised under it, and open ones carry on under the
//! version they were raised under, with their deadlines unchanged.
//!
//! Every process that serves or works on cases (the server, the job
//! runner, the command line) keeps the versions it knows in memory, in the
//! store's [`Policies`], shared by every clone of the store. A version
//! installed by another process is loaded the first time it is needed:
//! [`Store::policy_in_force`] asks the database which version is newest,
//! and [`Store::load_installed_policies`] reads any it has not seen.

use std::sync::Arc;

use accord_calendar::Calendars;
use accord_policy::{Diagnostic, Policy, PolicyId};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::{ChangedBy, Policies, Store, StoreError};

/// One installed version of a partnership's policy, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPolicy {
    /// The policy's id, as its file gives it.
    pub policy: PolicyId,
    /// Its version.
    pub version: u32,
    /// The partnership that installed it.
    pub partnership: String,
    /// The file, exactly as it was checked and installed.
    pub source: String,
    /// The SHA-256 of `source`, in hexadecimal.
    pub sha256: String,
    /// When it was installed, and so took effect.
    pub installed_at: Timestamp,
    /// Who installed it: a person's id, or the tool's name
    /// (`accord-cli`).
    pub installed_by: String,
}

/// What [`Store::install_policy`] did.
#[derive(Debug, Clone)]
pub struct Installation {
    /// The version now in force.
    pub policy: Arc<Policy>,
    /// The version that was in force before, if the store knows it.
    pub previous: Option<Arc<Policy>>,
    /// True when this very file was already installed as this version:
    /// nothing was written.
    pub unchanged: bool,
}

/// A policy file could not be installed. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The partnership is not in the directory.
    #[error("there is no partnership `{0}`: create it first with `accord partnership create`")]
    UnknownPartnership(String),
    /// The file keeps a built-in policy's id.
    #[error(
        "`{0}` is the id of a built-in policy: give your partnership's policy its own `id`, \
         such as \"northshire-2026\", and install it again"
    )]
    BuiltinId(PolicyId),
    /// Another partnership runs, or installed, a policy with this id.
    #[error(
        "the policy id `{policy}` belongs to another partnership ({other}): give your \
         partnership's policy its own `id`"
    )]
    AnotherPartnership {
        /// The id.
        policy: PolicyId,
        /// The partnership that has it.
        other: String,
    },
    /// This version is installed already, from a different file.
    #[error(
        "version {version} of `{policy}` is installed already, from a different file: set \
         `version = {next}` in the file and install it again"
    )]
    VersionTaken {
        /// The id.
        policy: PolicyId,
        /// The version the file gives.
        version: u32,
        /// The version to give instead.
        next: u32,
    },
    /// A newer version is installed already.
    #[error(
        "version {version} of `{policy}` is older than version {newest}, which is installed \
         already: set `version = {next}` in the file and install it again"
    )]
    NotNewer {
        /// The id.
        policy: PolicyId,
        /// The version the file gives.
        version: u32,
        /// The newest installed.
        newest: u32,
        /// The version to give instead.
        next: u32,
    },
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for InstallError {
    fn from(e: sqlx::Error) -> Self {
        InstallError::Store(StoreError::Database(e))
    }
}

/// An installed version no longer passes `accord policy check`, so cases
/// bound to it cannot be worked.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The stored file fails its check (a calendar it names is gone, or a
    /// newer Accord checks more strictly).
    #[error(
        "installed policy {policy} version {version} no longer passes its check: {}; restore the \
         calendar it names, or run the Accord release that installed it",
        .problems.iter().map(|d| d.render("policy")).collect::<Vec<_>>().join("; ")
    )]
    Invalid {
        /// The id.
        policy: String,
        /// The version.
        version: i64,
        /// What is wrong.
        problems: Vec<Diagnostic>,
    },
    /// Reading failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for LoadError {
    fn from(e: sqlx::Error) -> Self {
        LoadError::Store(StoreError::Database(e))
    }
}

/// An installed version as stored.
#[derive(Debug, sqlx::FromRow)]
struct VersionRow {
    policy_id: String,
    version: i64,
    partnership_id: String,
    source: String,
    source_sha256: String,
    installed_at_us: i64,
    installed_by: String,
}

impl VersionRow {
    fn read(self) -> Result<InstalledPolicy, StoreError> {
        let damaged = |what: &str| {
            StoreError::Database(sqlx::Error::Decode(
                format!(
                    "installed policy {} version {}: its {what} is not valid",
                    self.policy_id, self.version
                )
                .into(),
            ))
        };
        Ok(InstalledPolicy {
            policy: self.policy_id.parse().map_err(|_| damaged("id"))?,
            version: u32::try_from(self.version).map_err(|_| damaged("version"))?,
            partnership: self.partnership_id.clone(),
            sha256: self.source_sha256.clone(),
            installed_at: Timestamp::from_microsecond(self.installed_at_us)
                .map_err(|_| damaged("time"))?,
            installed_by: self.installed_by.clone(),
            source: self.source,
        })
    }
}

const COLUMNS: &str =
    "policy_id, version, partnership_id, source, source_sha256, installed_at_us, installed_by";

/// The SHA-256 of a policy file, in hexadecimal.
pub fn source_sha256(source: &str) -> String {
    Sha256::digest(source.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What an install needs to know about the partnership and the policy id,
/// read inside its transaction.
struct Standing {
    /// The policy the partnership runs now.
    current: String,
    /// Another partnership that runs or installed this id.
    other: Option<String>,
    /// The installed row for this id and version, if any: its hash.
    same_version: Option<String>,
    /// The newest installed version of this id.
    newest: Option<i64>,
}

macro_rules! version_queries {
    ($begin:literal, $lock:literal) => {
        use sqlx::Pool;

        use super::{COLUMNS, InstallError, Standing, VersionRow};
        use crate::{
            ChangedBy,
            audit::{AuditSubject, Draft},
        };

        pub(crate) async fn versions(
            reader: &Pool<Db>,
            partnership: Option<&str>,
        ) -> Result<Vec<VersionRow>, sqlx::Error> {
            let sql = format!(
                "SELECT {COLUMNS} FROM policy_versions \
                 WHERE $1 IS NULL OR partnership_id = $1 ORDER BY installed_at_us, policy_id, version"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(partnership)
                .fetch_all(reader)
                .await
        }

        pub(crate) async fn version(
            reader: &Pool<Db>,
            policy: &str,
            version: i64,
        ) -> Result<Option<VersionRow>, sqlx::Error> {
            let sql =
                format!("SELECT {COLUMNS} FROM policy_versions WHERE policy_id = $1 AND version = $2");
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(policy)
                .bind(version)
                .fetch_optional(reader)
                .await
        }

        pub(crate) async fn partnership_policy(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Option<String>, sqlx::Error> {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT policy_id FROM partnerships WHERE id = $1")
                    .bind(partnership)
                    .fetch_optional(reader)
                    .await?;
            Ok(row.map(|(p,)| p))
        }

        pub(crate) async fn keys(reader: &Pool<Db>) -> Result<Vec<(String, i64)>, sqlx::Error> {
            sqlx::query_as("SELECT policy_id, version FROM policy_versions")
                .fetch_all(reader)
                .await
        }

        pub(crate) async fn newest(
            reader: &Pool<Db>,
            policy: &str,
        ) -> Result<Option<i64>, sqlx::Error> {
            let (v,): (Option<i64>,) =
                sqlx::query_as("SELECT MAX(version) FROM policy_versions WHERE policy_id = $1")
                    .bind(policy)
                    .fetch_one(reader)
                    .await?;
            Ok(v)
        }

        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn install(
            writer: &Pool<Db>,
            partnership: &str,
            policy: &str,
            version: i64,
            source: &str,
            sha256: &str,
            previous_version: impl FnOnce(&str) -> Option<u32>,
            at: jiff::Timestamp,
            by: &ChangedBy,
        ) -> Result<Result<bool, InstallError>, sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            // Lock the partnership's row, so two installs for one
            // partnership take turns.
            let current: Option<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT policy_id FROM partnerships WHERE id = $1{}",
                $lock
            )))
            .bind(partnership)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((current,)) = current else {
                return Ok(Err(InstallError::UnknownPartnership(partnership.to_owned())));
            };
            let other: Option<(String,)> = sqlx::query_as(
                "SELECT partnership_id FROM policy_versions \
                 WHERE policy_id = $1 AND partnership_id <> $2 \
                 UNION SELECT id FROM partnerships WHERE policy_id = $1 AND id <> $2 LIMIT 1",
            )
            .bind(policy)
            .bind(partnership)
            .fetch_optional(&mut *tx)
            .await?;
            let same_version: Option<(String,)> = sqlx::query_as(
                "SELECT source_sha256 FROM policy_versions WHERE policy_id = $1 AND version = $2",
            )
            .bind(policy)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?;
            let (newest,): (Option<i64>,) =
                sqlx::query_as("SELECT MAX(version) FROM policy_versions WHERE policy_id = $1")
                    .bind(policy)
                    .fetch_one(&mut *tx)
                    .await?;
            let standing = Standing {
                current,
                other: other.map(|(o,)| o),
                same_version: same_version.map(|(s,)| s),
                newest,
            };
            match standing.judge(policy, version, sha256) {
                Err(e) => return Ok(Err(e)),
                Ok(true) => return Ok(Ok(true)),
                Ok(false) => {}
            }
            sqlx::query(
                "INSERT INTO policy_versions (policy_id, version, partnership_id, source, \
                 source_sha256, installed_at_us, installed_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(policy)
            .bind(version)
            .bind(partnership)
            .bind(source)
            .bind(sha256)
            .bind(at.as_microsecond())
            .bind(by.id())
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE partnerships SET policy_id = $1 WHERE id = $2")
                .bind(policy)
                .bind(partnership)
                .execute(&mut *tx)
                .await?;
            let before = previous_version(&standing.current);
            let draft = Draft::new(
                partnership,
                AuditSubject::Partnership,
                partnership,
                "policy.installed",
                serde_json::json!({"policy": standing.current, "version": before}),
                serde_json::json!({"policy": policy, "version": version, "sha256": sha256}),
            );
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await?;
            Ok(Ok(false))
        }
    };
}

impl Standing {
    /// Whether the file may be installed: `Ok(true)` if it is installed
    /// already as this very version (nothing to do), `Ok(false)` to go on.
    fn judge(&self, policy: &str, version: i64, sha256: &str) -> Result<bool, InstallError> {
        let id: PolicyId = policy
            .parse()
            .expect("the policy's id was checked when its file was");
        if let Some(other) = &self.other {
            return Err(InstallError::AnotherPartnership {
                policy: id,
                other: other.clone(),
            });
        }
        let v = u32::try_from(version).unwrap_or(u32::MAX);
        let next = self
            .newest
            .and_then(|n| u32::try_from(n).ok())
            .map_or(v, |n| n.max(v))
            .saturating_add(1);
        if let Some(hash) = &self.same_version {
            return if hash == sha256 && self.current == policy {
                Ok(true)
            } else {
                Err(InstallError::VersionTaken {
                    policy: id,
                    version: v,
                    next,
                })
            };
        }
        if let Some(newest) = self.newest.filter(|n| *n > version) {
            return Err(InstallError::NotNewer {
                policy: id,
                version: v,
                newest: u32::try_from(newest).unwrap_or(u32::MAX),
                next,
            });
        }
        Ok(false)
    }
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::audit::sqlite as audit;
    version_queries!("BEGIN IMMEDIATE", "");
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::audit::postgres as audit;
    version_queries!("BEGIN", " FOR UPDATE");
}

impl Store {
    /// The policy versions this process knows: the built-in ones and every
    /// installed version loaded so far. A snapshot: installing or loading
    /// a version later does not change it.
    pub fn policies(&self) -> Arc<Policies> {
        self.policies
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Adds `policies` (such as the built-in ones a server starts with) to
    /// those this store knows.
    pub fn know_policies(&self, policies: impl IntoIterator<Item = Arc<Policy>>) {
        let mut guard = self.policies.write().unwrap_or_else(|e| e.into_inner());
        let mut known = Policies::clone(&guard);
        for p in policies {
            known.insert(p);
        }
        *guard = Arc::new(known);
    }

    /// Reads and checks every installed version this process does not know
    /// yet, with `calendars` for their working days. The server, the job
    /// runner and the commands that work on cases call this as they start.
    pub async fn load_installed_policies(&self, calendars: &Calendars) -> Result<(), LoadError> {
        let keys = on_pool!(self, read_pool, pool, m => m::keys(pool).await)?;
        let known = self.policies();
        let mut loaded = Vec::new();
        for (id, version) in keys {
            let known_already = id
                .parse::<PolicyId>()
                .ok()
                .zip(u32::try_from(version).ok())
                .is_some_and(|(id, v)| known.contains(&id, v));
            if known_already {
                continue;
            }
            let row = on_pool!(self, read_pool, pool, m => m::version(pool, &id, version).await)?;
            let Some(row) = row else { continue };
            let policy = Policy::from_toml(&row.source, calendars).map_err(|problems| {
                LoadError::Invalid {
                    policy: id.clone(),
                    version,
                    problems,
                }
            })?;
            loaded.push(Arc::new(policy));
        }
        if !loaded.is_empty() {
            self.know_policies(loaded);
        }
        Ok(())
    }

    /// The version of policy `id` in force: the newest installed, or the
    /// built-in one. Asks the database, so a version another process
    /// installed is in force here at once.
    pub async fn policy_in_force(
        &self,
        id: &PolicyId,
        calendars: &Calendars,
    ) -> Result<Option<Arc<Policy>>, LoadError> {
        let newest = on_pool!(self, read_pool, pool, m => m::newest(pool, id.as_str()).await)?;
        let newest = newest.and_then(|v| u32::try_from(v).ok());
        if let Some(v) = newest
            && !self.policies().contains(id, v)
        {
            self.load_installed_policies(calendars).await?;
        }
        Ok(self.policies().newest(id).cloned())
    }

    /// Policy `id` at `version`, loading it if another process installed it
    /// since this one last looked.
    pub async fn policy_version(
        &self,
        id: &PolicyId,
        version: u32,
        calendars: &Calendars,
    ) -> Result<Option<Arc<Policy>>, LoadError> {
        if let Some(p) = self.policies().get(id, version) {
            return Ok(Some(p.clone()));
        }
        self.load_installed_policies(calendars).await?;
        Ok(self.policies().get(id, version).cloned())
    }

    /// The versions `partnership` installed (every partnership's, for
    /// `None`), oldest first, each with its file.
    pub async fn installed_policies(
        &self,
        partnership: Option<&str>,
    ) -> Result<Vec<InstalledPolicy>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m => m::versions(pool, partnership).await)?;
        rows.into_iter().map(VersionRow::read).collect()
    }

    /// Installed version `version` of policy `id`, with its file.
    pub async fn installed_policy(
        &self,
        id: &PolicyId,
        version: u32,
    ) -> Result<Option<InstalledPolicy>, StoreError> {
        let row = on_pool!(self, read_pool, pool,
            m => m::version(pool, id.as_str(), i64::from(version)).await)?;
        row.map(VersionRow::read).transpose()
    }

    /// Installs `policy`, checked from `source`, as the version in force
    /// for `partnership`, in one transaction with its entry in the
    /// directory audit. New disagreements are raised under it from now;
    /// open ones keep theirs. Refused, with what to do, if the id is a
    /// built-in's or another partnership's, or the version is not newer
    /// than every installed one. Installing the same file again as the
    /// same version changes nothing.
    pub async fn install_policy(
        &self,
        partnership: &str,
        policy: Policy,
        source: &str,
        at: Timestamp,
        by: &ChangedBy,
    ) -> Result<Installation, InstallError> {
        if accord_policy::BUILTIN
            .iter()
            .any(|(id, _)| *id == policy.id.as_str())
        {
            return Err(InstallError::BuiltinId(policy.id));
        }
        let sha256 = source_sha256(source);
        let known = self.policies();
        let previous_of = |current: &str| -> Option<u32> {
            current
                .parse::<PolicyId>()
                .ok()
                .and_then(|id| known.newest(&id).map(|p| p.version))
        };
        let previous_id = self
            .partnership_policy(partnership)
            .await?
            .and_then(|id| id.parse::<PolicyId>().ok());
        let previous = previous_id.and_then(|id| known.newest(&id).cloned());
        let version = i64::from(policy.version);
        let id = policy.id.to_string();
        let unchanged = on_pool!(self, write_pool, pool, m => m::install(
            pool, partnership, &id, version, source, &sha256, previous_of, at, by
        ).await)??;
        let policy = Arc::new(policy);
        self.know_policies([policy.clone()]);
        Ok(Installation {
            previous: previous.filter(|p| !(unchanged && p.version == policy.version)),
            policy,
            unchanged,
        })
    }

    async fn partnership_policy(&self, partnership: &str) -> Result<Option<String>, StoreError> {
        Ok(on_pool!(self, read_pool, pool, m => m::partnership_policy(pool, partnership).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(other: Option<&str>, same: Option<&str>, newest: Option<i64>) -> Standing {
        Standing {
            current: "northshire-2026".into(),
            other: other.map(str::to_owned),
            same_version: same.map(str::to_owned),
            newest,
        }
    }

    #[test]
    fn a_first_version_goes_in() {
        assert!(
            !standing(None, None, None)
                .judge("northshire-2026", 1, "a")
                .unwrap()
        );
    }

    #[test]
    fn the_same_file_again_changes_nothing() {
        assert!(
            standing(None, Some("a"), Some(1))
                .judge("northshire-2026", 1, "a")
                .unwrap()
        );
    }

    #[test]
    fn a_different_file_under_a_taken_version_is_refused_with_the_next_version() {
        let e = standing(None, Some("a"), Some(2))
            .judge("northshire-2026", 2, "b")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "version 2 of `northshire-2026` is installed already, from a different file: set \
             `version = 3` in the file and install it again"
        );
    }

    #[test]
    fn an_older_version_is_refused() {
        let e = standing(None, None, Some(3))
            .judge("northshire-2026", 2, "b")
            .unwrap_err();
        assert!(matches!(
            e,
            InstallError::NotNewer {
                newest: 3,
                next: 4,
                ..
            }
        ));
    }

    #[test]
    fn another_partnerships_id_is_refused() {
        let e = standing(Some("southshire"), None, None)
            .judge("northshire-2026", 1, "a")
            .unwrap_err();
        assert!(matches!(e, InstallError::AnotherPartnership { .. }), "{e}");
    }

    #[test]
    fn the_hash_is_sha256_in_hex() {
        assert_eq!(
            source_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
