//! Sign-in: local passwords hashed with argon2id, the throttle on failed
//! sign-ins, server-side sessions and scoped API tokens. Every secret is
//! kept only as a hash, in tables apart from the directory (migration
//! `0003_accounts.sql`).
//!
//! **The throttle rule.** Failures are counted per *account* (the sign-in
//! name as typed, so an unknown name is throttled exactly like a real one
//! and the answers reveal nothing) and per *client address*. The first
//! [`ThrottleRule::free`] failures cost nothing; each one after that locks
//! the key for twice as long as the last (1 s, 2 s, 4 s…) up to
//! [`ThrottleRule::longest`]. While a key is locked, attempts are refused
//! before any password is checked and are not counted, so a flood of
//! guesses can never lock anyone out for longer than the longest lock: the
//! right password works for the right person once it has passed. A
//! successful sign-in clears the account's count; a key whose last failure
//! is older than [`ThrottleRule::forget_after`] starts again from nothing.

use std::{sync::LazyLock, time::Duration};

use accord_case::PersonId;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    ChangedBy, DirectoryError, Person, SecondFactorStanding, Store, StoreError, hash_gate::HASHING,
};

/// The fewest characters a password may have. NCSC guidance favours length
/// over complexity rules: twelve characters, such as three random words,
/// and nothing else demanded.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The most characters a password may have: long enough for any pass
/// phrase or password manager, short enough that hashing it costs nothing
/// extra.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A password of an acceptable length. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A password that cannot be used, and what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Too short to resist guessing.
    #[error(
        "the password has {chars} characters; use at least {MIN_PASSWORD_CHARS}, such as three random words"
    )]
    TooShort {
        /// How many it had.
        chars: usize,
    },
    /// Longer than Accord accepts.
    #[error("the password has {chars} characters; use at most {MAX_PASSWORD_CHARS}")]
    TooLong {
        /// How many it had.
        chars: usize,
    },
}

impl Password {
    /// The password, if its length (in characters, not bytes) is between
    /// [`MIN_PASSWORD_CHARS`] and [`MAX_PASSWORD_CHARS`]. Nothing else is
    /// demanded of it, and it is taken exactly as typed.
    pub fn parse(text: &str) -> Result<Password, PasswordError> {
        let chars = text.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            Err(PasswordError::TooShort { chars })
        } else if chars > MAX_PASSWORD_CHARS {
            Err(PasswordError::TooLong { chars })
        } else {
            Ok(Password(text.to_owned()))
        }
    }

    /// The password as typed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// What a password can be used for through an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Reading: GET requests.
    Read,
    /// Changing things: commands on cases, revoking tokens.
    Write,
}

impl Scope {
    /// Every scope; a signed-in session has them all.
    pub const ALL: [Scope; 2] = [Scope::Read, Scope::Write];

    /// The scope's name, as stored and as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// How a throttle counts failures and how long it locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures allowed before the first lock.
    pub free: u32,
    /// The longest a key is ever locked for.
    pub longest: Duration,
    /// A failure this long after the last one starts the count again.
    pub forget_after: Duration,
}

impl ThrottleRule {
    /// Per account: five tries, then locks of 1 s, 2 s, 4 s… up to 15
    /// minutes.
    pub const ACCOUNT: ThrottleRule = ThrottleRule {
        free: 5,
        longest: Duration::from_secs(15 * 60),
        forget_after: Duration::from_secs(60 * 60),
    };
    /// Per client address: more tries, since a whole office may share one
    /// address, then the same backoff.
    pub const ADDRESS: ThrottleRule = ThrottleRule {
        free: 20,
        longest: Duration::from_secs(15 * 60),
        forget_after: Duration::from_secs(60 * 60),
    };

    /// How long the `failures`th failure locks for, if at all.
    pub fn lock_after(&self, failures: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(self.free)?.checked_sub(1)?;
        let seconds = 1u64.checked_shl(beyond).unwrap_or(u64::MAX);
        Some(Duration::from_secs(seconds).min(self.longest))
    }
}

/// What checking a sign-in name and password found.
#[derive(Debug, Clone)]
pub enum SignInCheck {
    /// The password is right and the account is enabled.
    Verified(Person),
    /// The password is right but the account is disabled.
    Disabled,
    /// No such person, no password set, or the wrong password: the same
    /// answer, after the same work, whichever it was.
    Refused,
}

/// A password could not be set or an account changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Nobody signs in with that name.
    #[error("nobody signs in as `{sign_in}`: check the name, or add them with `accord user add`")]
    NoSuchPerson {
        /// The name given.
        sign_in: String,
    },
    /// No partnership has that id.
    #[error("there is no partnership `{partnership}`: check the id (`accord register` lists them)")]
    NoSuchPartnership {
        /// The id given.
        partnership: String,
    },
    /// The password could not be hashed (the system's random source failed).
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading the directory failed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// Every core is hashing passwords and the queue behind them is full:
    /// nothing was checked or changed. Try again after `retry_after`
    /// seconds.
    #[error(
        "Accord is busy checking other passwords: nothing was checked or changed; try again in {retry_after} seconds"
    )]
    Busy {
        /// Seconds to wait before trying again.
        retry_after: u64,
    },
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        AccountError::Store(StoreError::Database(e))
    }
}

/// A new API token: its public id and the secret, shown once.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The token's id, for revoking it.
    pub id: String,
    /// The bearer secret, `accord_ID_SECRET`. Only its hash is stored.
    pub secret: String,
}

/// An API token as stored (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id.
    pub id: String,
    /// Whose it is.
    pub person: PersonId,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// What its owner called it.
    pub label: String,
    /// When it was made.
    pub created_at: Timestamp,
}

/// The argon2id hasher with the crate's defaults (19 MiB, two passes, one
/// lane: OWASP's recommended minimum).
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

/// A hash checked when there is no real one (an unknown name, or a person
/// with no password), so that the answer takes as long either way.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hasher()
        .hash_password_with_salt(
            b"no such account: this hash is never matched",
            b"accord-dummy-salt",
        )
        .expect("argon2 hashes with its default parameters")
        .to_string()
});

/// Hashes `password` with a fresh random salt, as a PHC string.
pub fn hash_password(password: &Password) -> Result<String, AccountError> {
    hasher()
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `hash`; a hash that cannot
/// be read matches nothing.
fn matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Hashing is deliberately slow and large: off the async threads, and
/// through the gate that bounds how many hashes run at once.
async fn matches_blocking(password: String, hash: Option<String>) -> Result<bool, AccountError> {
    HASHING
        .run(move || {
            let real = hash.is_some();
            let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
            matches(&password, &hash) && real
        })
        .await
}

/// 256 random bits as hex.
fn random_hex(bytes: usize) -> Result<String, AccountError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(hex::encode(buf))
}

/// How a secret is stored: its SHA-256 in hex. Session ids and tokens are
/// 256 random bits, so a fast hash is enough; passwords get argon2id.
/// The id a session is stored by: the SHA-256 of its cookie's secret, so
/// that knowing it signs nobody in.
pub fn session_id(secret: &str) -> String {
    secret_hash(secret)
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn bad_time(what: &str) -> StoreError {
    StoreError::Damaged {
        case: "(sign-in records)".to_owned(),
        reason: format!("a stored {what} time is unreadable"),
    }
}

fn parse_time(text: &str, what: &str) -> Result<Timestamp, StoreError> {
    text.parse().map_err(|_| bad_time(what))
}

/// Expands the queries for one backend into the calling module, which
/// names the sqlx database `Db`.
/// Whether the person `p`'s partnership requires a second factor, and
/// whether they have one, as `required` and `enrolled`.
macro_rules! standing_columns {
    () => {
        "COALESCE((SELECT ps.second_factor_required FROM partnership_settings ps \
         WHERE ps.partnership_id = p.partnership_id), FALSE) AS required, \
         EXISTS (SELECT 1 FROM second_factors f WHERE f.person_id = p.id \
         AND f.confirmed_at IS NOT NULL) AS enrolled"
    };
}

/// A live token, whose person, and their standing (see `token_holder`).
const TOKEN_HOLDER: &str = concat!(
    "SELECT t.id AS token_id, t.scopes, t.label, t.created_at, p.id, p.partnership_id, \
     p.agency_id, p.sign_in, p.name, p.job_title, p.email, p.tier, p.declared_roles, ",
    standing_columns!(),
    " FROM api_tokens t JOIN credentials c ON c.person_id = t.person_id \
     JOIN people p ON p.id = t.person_id \
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND c.disabled = FALSE"
);

/// A session of an account not disabled, whose person, and their standing
/// (see `session_holder`).
const SESSION_HOLDER: &str = concat!(
    "SELECT s.expires_at, p.id, p.partnership_id, p.agency_id, p.sign_in, p.name, \
     p.job_title, p.email, p.tier, p.declared_roles, ",
    standing_columns!(),
    " FROM sessions s JOIN credentials c ON c.person_id = s.person_id \
     JOIN people p ON p.id = s.person_id \
     WHERE s.id_hash = $1 AND c.disabled = FALSE"
);

#[derive(sqlx::FromRow)]
struct TokenHolderRow {
    token_id: String,
    scopes: String,
    label: String,
    created_at: String,
    #[sqlx(flatten)]
    person: crate::directory::PersonRow,
    required: bool,
    enrolled: bool,
}

#[derive(sqlx::FromRow)]
struct SessionHolderRow {
    expires_at: String,
    #[sqlx(flatten)]
    person: crate::directory::PersonRow,
    required: bool,
    enrolled: bool,
}

macro_rules! account_queries {
    ($begin:literal, $lock:literal) => {
        use jiff::Timestamp;
        use sqlx::Pool;

        use crate::{
            ChangedBy,
            audit::{AuditSubject, Draft},
        };

        /// The stored hash and disabled flag of the person signing in as
        /// `sign_in`, with their id.
        pub(crate) async fn credential(
            reader: &Pool<Db>,
            sign_in: &str,
        ) -> Result<Option<(String, Option<String>, bool)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT p.id, c.password_hash, COALESCE(c.disabled, FALSE) FROM people p \
                 LEFT JOIN credentials c ON c.person_id = p.id \
                 WHERE lower(p.sign_in) = lower($1)",
            )
            .bind(sign_in)
            .fetch_optional(reader)
            .await
        }

        type Conn = <Db as sqlx::Database>::Connection;

        /// Ends every way `person` is signed in or reaches Accord without
        /// a password: deletes their sessions, marks their live API tokens
        /// revoked (for good: nothing makes a revoked token live again) and
        /// deletes their calendar feed. Returns what went, for the audit.
        async fn end_access(
            conn: &mut Conn,
            person: &str,
            now: &str,
        ) -> Result<serde_json::Map<String, serde_json::Value>, sqlx::Error> {
            let sessions = sqlx::query("DELETE FROM sessions WHERE person_id = $1")
                .bind(person)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            let mut tokens: Vec<String> = sqlx::query_scalar(
                "UPDATE api_tokens SET revoked_at = $2 WHERE person_id = $1 \
                 AND revoked_at IS NULL RETURNING id",
            )
            .bind(person)
            .bind(now)
            .fetch_all(&mut *conn)
            .await?;
            tokens.sort();
            let feed = sqlx::query("DELETE FROM calendar_feeds WHERE person_id = $1")
                .bind(person)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            let mut ended = serde_json::Map::new();
            ended.insert("sessions_ended".into(), sessions.into());
            ended.insert("tokens_revoked".into(), tokens.into());
            ended.insert("calendar_feed_revoked".into(), (feed > 0).into());
            Ok(ended)
        }

        /// Sets `person`'s password hash and enables their account, ends
        /// their sessions, tokens and calendar feed, and records it, in one
        /// transaction; `false` if there is no such person.
        pub(crate) async fn set_password(
            writer: &Pool<Db>,
            person: &str,
            hash: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<bool, sqlx::Error> {
            let now = at.to_string();
            let mut tx = writer.begin_with($begin).await?;
            let Some(partnership) = audit::partnership_of(&mut *tx, person).await? else {
                return Ok(false);
            };
            let before: Option<bool> =
                sqlx::query_scalar("SELECT disabled FROM credentials WHERE person_id = $1")
                    .bind(person)
                    .fetch_optional(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO credentials (person_id, password_hash, disabled, created_at, changed_at) \
                 VALUES ($1, $2, FALSE, $3, $3) ON CONFLICT (person_id) DO UPDATE SET \
                 password_hash = excluded.password_hash, disabled = FALSE, \
                 changed_at = excluded.changed_at",
            )
            .bind(person)
            .bind(hash)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            let mut after = end_access(&mut *tx, person, &now).await?;
            after.insert("password".into(), "new".into());
            after.insert("disabled".into(), false.into());
            // Only that a password was set: never the hash, nor anything
            // that would tell one password from another.
            let before = match before {
                Some(disabled) => serde_json::json!({"password": "set", "disabled": disabled}),
                None => serde_json::json!({"password": "none"}),
            };
            let draft = Draft::new(
                &partnership,
                AuditSubject::Account,
                person,
                "account.password",
                before,
                serde_json::Value::Object(after),
            );
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await?;
            Ok(true)
        }

        /// Spends the link whose token hashes to `token_hash` (if it is
        /// unused, unrevoked and unexpired at `at`) to set its person's
        /// password `hash`: ends their sessions, tokens and calendar feed,
        /// revokes their other links and records it, in one transaction.
        /// `false`, with nothing changed, if the link does not work or the
        /// account is disabled.
        pub(crate) async fn use_link(
            writer: &Pool<Db>,
            token_hash: &str,
            hash: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<bool, sqlx::Error> {
            let now = at.to_string();
            let now_us = at.as_microsecond();
            let mut tx = writer.begin_with($begin).await?;
            // The condition makes it single-use: of two requests with the
            // same link, the second finds nothing to update.
            let spent: Option<(String, String)> = sqlx::query_as(
                "UPDATE account_links SET used_at_us = $2 WHERE token_hash = $1 \
                 AND used_at_us IS NULL AND revoked_at_us IS NULL AND expires_at_us > $2 \
                 RETURNING person_id, purpose",
            )
            .bind(token_hash)
            .bind(now_us)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((person, purpose)) = spent else {
                return Ok(false);
            };
            let before: Option<bool> =
                sqlx::query_scalar("SELECT disabled FROM credentials WHERE person_id = $1")
                    .bind(&person)
                    .fetch_optional(&mut *tx)
                    .await?;
            if before == Some(true) {
                // Disabled since the link was sent: only an administrator
                // enables an account.
                return Ok(false);
            }
            let Some(partnership) = audit::partnership_of(&mut *tx, &person).await? else {
                return Ok(false);
            };
            sqlx::query(
                "INSERT INTO credentials (person_id, password_hash, disabled, created_at, changed_at) \
                 VALUES ($1, $2, FALSE, $3, $3) ON CONFLICT (person_id) DO UPDATE SET \
                 password_hash = excluded.password_hash, changed_at = excluded.changed_at",
            )
            .bind(&person)
            .bind(hash)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            links::withdraw_unsent(&mut *tx, &person).await?;
            sqlx::query(
                "UPDATE account_links SET revoked_at_us = $2 WHERE person_id = $1 \
                 AND used_at_us IS NULL AND revoked_at_us IS NULL",
            )
            .bind(&person)
            .bind(now_us)
            .execute(&mut *tx)
            .await?;
            let mut after = end_access(&mut *tx, &person, &now).await?;
            after.insert("password".into(), "new".into());
            after.insert("with_link".into(), purpose.into());
            let before = match before {
                Some(_) => serde_json::json!({"password": "set"}),
                None => serde_json::json!({"password": "none"}),
            };
            let draft = Draft::new(
                &partnership,
                AuditSubject::Account,
                &person,
                "account.password",
                before,
                serde_json::Value::Object(after),
            );
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await?;
            Ok(true)
        }

        /// Sets `person`'s own new password `hash` and ends their sessions
        /// but `keep` (the session they changed it from), recorded as their
        /// own change. Their API tokens and calendar feed stay: they are
        /// theirs to revoke, and a password change is not a reset.
        pub(crate) async fn change_own_password(
            writer: &Pool<Db>,
            person: &str,
            hash: &str,
            keep: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<bool, sqlx::Error> {
            let now = at.to_string();
            let mut tx = writer.begin_with($begin).await?;
            let Some(partnership) = audit::partnership_of(&mut *tx, person).await? else {
                return Ok(false);
            };
            let changed = sqlx::query(
                "UPDATE credentials SET password_hash = $2, changed_at = $3 \
                 WHERE person_id = $1 AND NOT disabled",
            )
            .bind(person)
            .bind(hash)
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            let ended = sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND id_hash <> $2")
                .bind(person)
                .bind(keep)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let draft = Draft::new(
                &partnership,
                AuditSubject::Account,
                person,
                "account.password",
                serde_json::json!({"password": "set"}),
                serde_json::json!({"password": "changed by its holder", "other_sessions_ended": ended}),
            );
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await?;
            Ok(true)
        }

        /// Sets `hash` for each person who has no password yet; returns how
        /// many were set.
        pub(crate) async fn set_missing_passwords(
            writer: &Pool<Db>,
            people: &[&str],
            hash: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<usize, sqlx::Error> {
            let now = at.to_string();
            let mut tx = writer.begin_with($begin).await?;
            let mut drafts = Vec::new();
            for person in people {
                let set = sqlx::query(
                    "INSERT INTO credentials (person_id, password_hash, disabled, created_at, \
                     changed_at) VALUES ($1, $2, FALSE, $3, $3) ON CONFLICT (person_id) DO NOTHING",
                )
                .bind(*person)
                .bind(hash)
                .bind(&now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if set > 0
                    && let Some(partnership) = audit::partnership_of(&mut *tx, person).await?
                {
                    drafts.push(Draft::new(
                        &partnership,
                        AuditSubject::Account,
                        person,
                        "account.password",
                        serde_json::json!({"password": "none"}),
                        serde_json::json!({"password": "new", "disabled": false}),
                    ));
                }
            }
            audit::append(&mut *tx, by, at, &drafts).await?;
            tx.commit().await?;
            Ok(drafts.len())
        }

        /// Whether `person`'s account is disabled; `false` for someone with
        /// no password, who has never been shut out.
        pub(crate) async fn account_disabled(
            reader: &Pool<Db>,
            person: &str,
        ) -> Result<bool, sqlx::Error> {
            let disabled: Option<bool> =
                sqlx::query_scalar("SELECT disabled FROM credentials WHERE person_id = $1")
                    .bind(person)
                    .fetch_optional(reader)
                    .await?;
            Ok(disabled.unwrap_or(false))
        }

        /// Each of `partnership`'s people with a password: whether their
        /// account is disabled, and whether they have a second factor.
        pub(crate) async fn account_states(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Vec<(String, bool, bool)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT c.person_id, c.disabled, EXISTS (SELECT 1 FROM second_factors f \
                 WHERE f.person_id = c.person_id AND f.confirmed_at IS NOT NULL) \
                 FROM credentials c JOIN people p ON p.id = c.person_id \
                 WHERE p.partnership_id = $1",
            )
            .bind(partnership)
            .fetch_all(reader)
            .await
        }

        /// Disables or enables `person`'s account, in one transaction with
        /// its record; disabling also ends their sessions, tokens and
        /// calendar feed for good. `false` if they have no password.
        pub(crate) async fn set_disabled(
            writer: &Pool<Db>,
            person: &str,
            disabled: bool,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<bool, sqlx::Error> {
            let now = at.to_string();
            let mut tx = writer.begin_with($begin).await?;
            let before: Option<bool> =
                sqlx::query_scalar("SELECT disabled FROM credentials WHERE person_id = $1")
                    .bind(person)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(before) = before else {
                return Ok(false);
            };
            sqlx::query(
                "UPDATE credentials SET disabled = $2, changed_at = $3 WHERE person_id = $1",
            )
            .bind(person)
            .bind(disabled)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            let mut after = serde_json::Map::new();
            if disabled {
                after = end_access(&mut *tx, person, &now).await?;
            }
            after.insert("disabled".into(), disabled.into());
            // Disabling twice still ends what may have begun since, and
            // that is recorded; enabling twice changes nothing.
            let ended_something = after.get("sessions_ended").is_some_and(|n| n != 0)
                || after.get("tokens_revoked").is_some_and(|t| t != &serde_json::json!([]))
                || after.get("calendar_feed_revoked") == Some(&serde_json::Value::Bool(true));
            if (before != disabled || ended_something)
                && let Some(partnership) = audit::partnership_of(&mut *tx, person).await?
            {
                let what = if disabled { "account.disabled" } else { "account.enabled" };
                let draft = Draft::new(
                    &partnership,
                    AuditSubject::Account,
                    person,
                    what,
                    serde_json::json!({"disabled": before}),
                    serde_json::Value::Object(after),
                );
                audit::append(&mut *tx, by, at, &[draft]).await?;
            }
            tx.commit().await?;
            Ok(true)
        }

        pub(crate) async fn failures(
            reader: &Pool<Db>,
            key: &str,
        ) -> Result<Option<(i64, String, Option<String>)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT failures, last_failure_at, locked_until FROM sign_in_failures \
                 WHERE throttle_key = $1",
            )
            .bind(key)
            .fetch_optional(reader)
            .await
        }

        /// Changes `key`'s failure count in one transaction: the row is
        /// read (and locked), `next` decides from what it held the new
        /// count and lock, or that nothing is written, and that is
        /// written, so concurrent attempts each see the one before.
        pub(crate) async fn update_failures<T>(
            writer: &Pool<Db>,
            key: &str,
            at: &str,
            next: impl FnOnce(Option<(i64, String, Option<String>)>) -> Result<(Option<(i64, Option<String>)>, T), crate::StoreError>,
        ) -> Result<T, crate::StoreError> {
            let mut tx = writer.begin_with($begin).await?;
            // Make sure the row exists, so two first attempts lock one row.
            let inserted = sqlx::query(
                "INSERT INTO sign_in_failures (throttle_key, failures, last_failure_at) \
                 VALUES ($1, 0, $2) ON CONFLICT (throttle_key) DO NOTHING",
            )
            .bind(key)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let row: Option<(i64, String, Option<String>)> = if inserted > 0 {
                None
            } else {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT failures, last_failure_at, locked_until FROM sign_in_failures \
                     WHERE throttle_key = $1{}",
                    $lock
                )))
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?
            };
            let (write, answer) = next(row)?;
            if let Some((failures, locked_until)) = write {
                sqlx::query(
                    "UPDATE sign_in_failures SET failures = $2, last_failure_at = $3, \
                     locked_until = $4 WHERE throttle_key = $1",
                )
                .bind(key)
                .bind(failures)
                .bind(at)
                .bind(&locked_until)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(answer)
        }

        pub(crate) async fn clear_failures(writer: &Pool<Db>, key: &str) -> Result<(), sqlx::Error> {
            sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
                .bind(key)
                .execute(writer)
                .await?;
            Ok(())
        }

        pub(crate) async fn insert_session(
            writer: &Pool<Db>,
            id_hash: &str,
            person: &str,
            now: &str,
            expires: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO sessions (id_hash, person_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id_hash)
            .bind(person)
            .bind(now)
            .bind(expires)
            .execute(writer)
            .await?;
            Ok(())
        }

        /// Every session's hash and expiry, and every throttle key's last
        /// failure and lock, for pruning.
        pub(crate) async fn expiries(
            reader: &Pool<Db>,
        ) -> Result<(Vec<(String, String)>, Vec<(String, String, Option<String>)>), sqlx::Error> {
            let sessions = sqlx::query_as("SELECT id_hash, expires_at FROM sessions")
                .fetch_all(reader)
                .await?;
            let failures = sqlx::query_as(
                "SELECT throttle_key, last_failure_at, locked_until FROM sign_in_failures",
            )
            .fetch_all(reader)
            .await?;
            Ok((sessions, failures))
        }

        pub(crate) async fn prune(
            writer: &Pool<Db>,
            sessions: &[String],
            keys: &[String],
        ) -> Result<(), sqlx::Error> {
            let mut tx = writer.begin().await?;
            for hash in sessions {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
            }
            for key in keys {
                sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }

        pub(crate) async fn delete_session(writer: &Pool<Db>, id_hash: &str) -> Result<(), sqlx::Error> {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(writer)
                .await?;
            Ok(())
        }

        /// Stores a new token and records it (its id, scopes and label:
        /// never its secret or hash), in one transaction.
        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn insert_token(
            writer: &Pool<Db>,
            id: &str,
            person: &str,
            token_hash: &str,
            scopes: &[&str],
            label: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<(), sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            sqlx::query(
                "INSERT INTO api_tokens (id, person_id, token_hash, scopes, label, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(person)
            .bind(token_hash)
            .bind(scopes.join(" "))
            .bind(label)
            .bind(at.to_string())
            .execute(&mut *tx)
            .await?;
            if let Some(partnership) = audit::partnership_of(&mut *tx, person).await? {
                let draft = Draft::new(
                    &partnership,
                    AuditSubject::Account,
                    person,
                    "token.created",
                    serde_json::Value::Null,
                    serde_json::json!({"token": id, "scopes": scopes, "label": label}),
                );
                audit::append(&mut *tx, by, at, &[draft]).await?;
            }
            tx.commit().await
        }

        /// The live token `token_hash`, its person, and their second
        /// factor's standing, in one query: what every request with a
        /// token reads before anything else.
        pub(crate) async fn token_holder(
            reader: &Pool<Db>,
            token_hash: &str,
        ) -> Result<Option<super::TokenHolderRow>, sqlx::Error> {
            sqlx::query_as(super::TOKEN_HOLDER)
                .bind(token_hash)
                .fetch_optional(reader)
                .await
        }

        /// The session `id_hash`, its person, and their second factor's
        /// standing, in one query: what every page reads first.
        pub(crate) async fn session_holder(
            reader: &Pool<Db>,
            id_hash: &str,
        ) -> Result<Option<super::SessionHolderRow>, sqlx::Error> {
            sqlx::query_as(super::SESSION_HOLDER)
                .bind(id_hash)
                .fetch_optional(reader)
                .await
        }

        pub(crate) async fn revoke_token(
            writer: &Pool<Db>,
            person: &str,
            id: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<bool, sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            let n = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $3 WHERE id = $2 AND person_id = $1 \
                 AND revoked_at IS NULL",
            )
            .bind(person)
            .bind(id)
            .bind(at.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0
                && let Some(partnership) = audit::partnership_of(&mut *tx, person).await?
            {
                let draft = Draft::new(
                    &partnership,
                    AuditSubject::Account,
                    person,
                    "token.revoked",
                    serde_json::json!({"token": id, "revoked": false}),
                    serde_json::json!({"token": id, "revoked": true}),
                );
                audit::append(&mut *tx, by, at, &[draft]).await?;
            }
            tx.commit().await?;
            Ok(n > 0)
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::account_links::sqlite as links;
    use crate::audit::sqlite as audit;
    // Take the write lock at once, so no other writer reads a failure
    // count between this one's read and write.
    account_queries!("BEGIN IMMEDIATE", "");
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::account_links::postgres as links;
    use crate::audit::postgres as audit;
    account_queries!("BEGIN", " FOR UPDATE");
}

/// Whether someone with a password may sign in, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountState {
    /// The person.
    pub person: PersonId,
    /// Their account is disabled: they cannot sign in.
    pub disabled: bool,
    /// They have set up a second factor.
    pub second_factor: bool,
}

/// A throttle key's row as stored.
#[derive(Debug, Default)]
struct StoredFailures {
    count: u32,
    last: Option<Timestamp>,
    locked_until: Option<Timestamp>,
}

impl StoredFailures {
    /// The failures that still count at `now`: none once `rule` has
    /// forgotten the last one.
    fn failures(&self, rule: ThrottleRule, now: Timestamp) -> u32 {
        let forget = SignedDuration::try_from(rule.forget_after).unwrap_or(SignedDuration::MAX);
        match self.last {
            Some(last) if now.duration_since(last) < forget => self.count,
            _ => 0,
        }
    }
}

/// Until when `failures` failures at `now` lock a key under `rule`.
fn lock_at(rule: ThrottleRule, failures: u32, now: Timestamp) -> Option<Timestamp> {
    rule.lock_after(failures).and_then(|d| {
        SignedDuration::try_from(d)
            .ok()
            .and_then(|d| now.checked_add(d).ok())
    })
}

/// Spends a link to set a password (see `account_links.rs`): `false` if
/// it does not work.
pub(crate) async fn use_link(
    store: &Store,
    token_hash: &str,
    hash: &str,
    at: Timestamp,
    by: &ChangedBy,
) -> Result<bool, StoreError> {
    Ok(on_pool!(store, write_pool, pool, m =>
        m::use_link(pool, token_hash, hash, at, by).await)?)
}

/// How long a session lasts from sign-in: a working day.
pub const SESSION_LENGTH: Duration = Duration::from_secs(8 * 60 * 60);

impl Store {
    /// Sets `person`'s password with a fresh salt, enabling the account if
    /// it was disabled, and ends every session, API token and calendar
    /// feed they had: whoever knew the old password, or took a token while
    /// they could, is out. Recorded as changed `by` someone at `now`.
    pub async fn set_password(
        &self,
        person: &PersonId,
        password: &Password,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<(), AccountError> {
        let password = password.clone();
        let hash = HASHING.run(move || hash_password(&password)).await??;
        let set = on_pool!(self, write_pool, pool, m =>
            m::set_password(pool, person.as_str(), &hash, now, by).await)?;
        if !set {
            return Err(AccountError::NoSuchPerson {
                sign_in: person.to_string(),
            });
        }
        Ok(())
    }

    /// `person` changes their own password from the session `session`
    /// ([`session_id`] of its cookie's secret): `current` must be their password now, and
    /// `new` becomes it. Their other sessions end; this one, their API
    /// tokens and their calendar feed stay (issue 13 §4: "Changing it ends
    /// their other sessions"). `Ok(false)` when `current` is wrong, or the
    /// account is disabled or has no password, with nothing changed.
    pub async fn change_own_password(
        &self,
        person: &Person,
        session: &str,
        current: &str,
        new: &Password,
        now: Timestamp,
    ) -> Result<bool, AccountError> {
        let found =
            on_pool!(self, read_pool, pool, m => m::credential(pool, &person.sign_in).await)?;
        let hash = found
            .filter(|(id, _, disabled)| id == person.id.as_str() && !disabled)
            .and_then(|(_, hash, _)| hash);
        if !matches_blocking(current.to_owned(), hash).await? {
            return Ok(false);
        }
        let new = new.clone();
        let hash = HASHING.run(move || hash_password(&new)).await??;
        let keep = session;
        let by = ChangedBy::Person(person.id.clone());
        Ok(on_pool!(self, write_pool, pool, m =>
            m::change_own_password(pool, person.id.as_str(), &hash, keep, now, &by).await)?)
    }

    /// Gives every person in `people` who has no password yet the one whose
    /// PHC string is `hash` (the demo's shared password, hashed once);
    /// returns how many were given it. Passwords already set are kept.
    pub async fn set_missing_passwords(
        &self,
        people: &[&PersonId],
        hash: &str,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<usize, AccountError> {
        let ids: Vec<&str> = people.iter().map(|p| p.as_str()).collect();
        Ok(on_pool!(self, write_pool, pool, m =>
            m::set_missing_passwords(pool, &ids, hash, now, by).await)?)
    }

    /// Checks `password` for whoever signs in as `sign_in`. Always hashes
    /// once, against a dummy hash when there is no such person or no
    /// password, so an unknown name takes as long and answers the same as
    /// a wrong password.
    pub async fn check_password(
        &self,
        sign_in: &str,
        password: &str,
    ) -> Result<SignInCheck, AccountError> {
        let found = on_pool!(self, read_pool, pool, m => m::credential(pool, sign_in).await)?;
        let (person, hash, disabled) = match found {
            Some((person, hash, disabled)) => (Some(person), hash, disabled),
            None => (None, None, false),
        };
        if !matches_blocking(password.to_owned(), hash).await? {
            return Ok(SignInCheck::Refused);
        }
        if disabled {
            return Ok(SignInCheck::Disabled);
        }
        let Some(person) = person else {
            return Ok(SignInCheck::Refused);
        };
        let person = PersonId::parse(&person).map_err(|_| StoreError::Damaged {
            case: "(directory)".to_owned(),
            reason: "a stored person id is unreadable".to_owned(),
        })?;
        Ok(match self.person(&person).await? {
            Some(p) => SignInCheck::Verified(p),
            None => SignInCheck::Refused,
        })
    }

    /// Whether `person`'s account is disabled, so that nothing new is given
    /// to them to do; `false` for someone who has no password.
    pub async fn account_disabled(&self, person: &PersonId) -> Result<bool, StoreError> {
        Ok(on_pool!(self, read_pool, pool, m => m::account_disabled(pool, person.as_str()).await)?)
    }

    /// The people of `partnership` whose accounts are disabled: they have
    /// left, so no picker offers them (issue 13 §3, "Leavers").
    pub async fn disabled_people(&self, partnership: &str) -> Result<Vec<PersonId>, StoreError> {
        Ok(self
            .account_states(partnership)
            .await?
            .into_iter()
            .filter(|s| s.disabled)
            .map(|s| s.person)
            .collect())
    }

    /// Where each of `partnership`'s people stands: people without a
    /// password are not listed (they cannot sign in).
    pub async fn account_states(&self, partnership: &str) -> Result<Vec<AccountState>, StoreError> {
        let rows =
            on_pool!(self, read_pool, pool, m => m::account_states(pool, partnership).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(person, disabled, second_factor)| {
                Some(AccountState {
                    person: PersonId::parse(&person).ok()?,
                    disabled,
                    second_factor,
                })
            })
            .collect())
    }

    /// Disables `sign_in`'s account: they cannot sign in, their sessions
    /// end, and their API tokens and calendar feed are revoked for good
    /// (enabling the account or setting a password later never brings
    /// them back; they make new ones). Returns `false` if they had no
    /// password to disable.
    pub async fn disable_account(
        &self,
        sign_in: &str,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, AccountError> {
        self.set_disabled(sign_in, true, now, by).await
    }

    /// Enables `sign_in`'s account again with the password it had. The
    /// tokens and feed that disabling revoked stay revoked.
    pub async fn enable_account(
        &self,
        sign_in: &str,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, AccountError> {
        self.set_disabled(sign_in, false, now, by).await
    }

    async fn set_disabled(
        &self,
        sign_in: &str,
        disabled: bool,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, AccountError> {
        let person =
            self.person_by_sign_in(sign_in)
                .await?
                .ok_or_else(|| AccountError::NoSuchPerson {
                    sign_in: sign_in.to_owned(),
                })?;
        Ok(on_pool!(self, write_pool, pool, m =>
            m::set_disabled(pool, person.id.as_str(), disabled, now, by).await)?)
    }

    /// When `key` is locked until, if it is locked at `now`.
    pub async fn throttled_until(
        &self,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let row = on_pool!(self, read_pool, pool, m => m::failures(pool, key).await)?;
        let Some((_, _, Some(until))) = row else {
            return Ok(None);
        };
        let until = parse_time(&until, "lock")?;
        Ok((until > now).then_some(until))
    }

    /// Counts a failed sign-in against `key` under `rule`, locked or not;
    /// returns when the key is now locked until, if it is.
    pub async fn record_failure(
        &self,
        key: &str,
        rule: ThrottleRule,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        self.change_failures(key, now, |stored| {
            let failures = stored.failures(rule, now).saturating_add(1);
            let until = lock_at(rule, failures, now);
            Ok((Some((failures, until)), until))
        })
        .await
    }

    /// An attempt to sign in (or to give a code) under `key`, counted
    /// before anything is checked: if `key` is locked at `now` the attempt
    /// is refused and `Err` says until when; otherwise it is counted as a
    /// failure at once, with the lock that count earns, and a success
    /// afterwards takes it back ([`Store::clear_failures`],
    /// [`Store::refund_attempt`]). Check and count are one transaction, so
    /// attempts sent together cannot all slip past the lock before any of
    /// them has failed (issue 11, finding 3).
    pub async fn count_attempt(
        &self,
        key: &str,
        rule: ThrottleRule,
        now: Timestamp,
    ) -> Result<Result<(), Timestamp>, StoreError> {
        self.change_failures(key, now, |stored| {
            if let Some(until) = stored.locked_until.filter(|until| *until > now) {
                return Ok((None, Err(until)));
            }
            let failures = stored.failures(rule, now).saturating_add(1);
            Ok((Some((failures, lock_at(rule, failures, now))), Ok(())))
        })
        .await
    }

    /// Takes back one attempt [`Store::count_attempt`] counted against
    /// `key`, as when it turned out not to be a failure (a right password
    /// from an address others share). The lock goes too if the count left
    /// earns none.
    pub async fn refund_attempt(
        &self,
        key: &str,
        rule: ThrottleRule,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.change_failures(key, now, |stored| {
            let failures = stored.failures(rule, now).saturating_sub(1);
            let until = if rule.lock_after(failures).is_some() {
                stored.locked_until
            } else {
                None
            };
            Ok((Some((failures, until)), ()))
        })
        .await
    }

    /// Reads `key`'s stored count and lock and writes what `next` makes of
    /// them, in one transaction.
    async fn change_failures<T>(
        &self,
        key: &str,
        now: Timestamp,
        next: impl FnOnce(StoredFailures) -> Result<(Option<(u32, Option<Timestamp>)>, T), StoreError>,
    ) -> Result<T, StoreError> {
        let next = |row: Option<(i64, String, Option<String>)>| {
            let stored = match row {
                None => StoredFailures::default(),
                Some((count, last, locked)) => StoredFailures {
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                    last: Some(parse_time(&last, "failure")?),
                    locked_until: locked.map(|l| parse_time(&l, "lock")).transpose()?,
                },
            };
            let (write, answer) = next(stored)?;
            Ok((
                write.map(|(failures, until)| (i64::from(failures), until.map(|t| t.to_string()))),
                answer,
            ))
        };
        let at = now.to_string();
        on_pool!(self, write_pool, pool, m => m::update_failures(pool, key, &at, next).await)
    }

    /// Forgets `key`'s failures (after a successful sign-in).
    pub async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        Ok(on_pool!(self, write_pool, pool, m => m::clear_failures(pool, key).await)?)
    }

    /// Starts a session for `person`, lasting [`SESSION_LENGTH`]; returns
    /// its secret id (256 random bits, hex), which only the cookie holds.
    pub async fn create_session(
        &self,
        person: &PersonId,
        now: Timestamp,
    ) -> Result<String, AccountError> {
        let secret = random_hex(32)?;
        let expires = now
            .checked_add(SignedDuration::try_from(SESSION_LENGTH).expect("eight hours fits"))
            .map_err(|_| bad_time("expiry"))?
            .to_string();
        let now = now.to_string();
        on_pool!(self, write_pool, pool, m =>
            m::insert_session(pool, &secret_hash(&secret), person.as_str(), &now, &expires).await)?;
        Ok(secret)
    }

    /// Who the session `secret` signs in at `now`: `None` if it does not
    /// exist, has expired, or its account is disabled.
    pub async fn session_person(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<Person>, AccountError> {
        Ok(self
            .session_holder(secret, now)
            .await?
            .map(|(person, _)| person))
    }

    /// Who the session `secret` signs in at `now`, and their second
    /// factor's standing, read in one query: `None` if it does not exist,
    /// has expired, or its account is disabled.
    pub async fn session_holder(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<(Person, SecondFactorStanding)>, AccountError> {
        let hash = secret_hash(secret);
        let row = on_pool!(self, read_pool, pool, m => m::session_holder(pool, &hash).await)?;
        let Some(row) = row else {
            return Ok(None);
        };
        if parse_time(&row.expires_at, "session expiry")? <= now {
            on_pool!(self, write_pool, pool, m => m::delete_session(pool, &hash).await)?;
            return Ok(None);
        }
        let standing = SecondFactorStanding {
            required: row.required,
            enrolled: row.enrolled,
        };
        Ok(Some((Person::try_from(row.person)?, standing)))
    }

    /// Removes the sessions expired at `now`, and the failed-sign-in counts
    /// that are unlocked and older than their rule forgets (the longer of
    /// the two rules). Returns how many of each went. Nothing is lost: an
    /// expired session signs nobody in, and a forgotten count would start
    /// from nothing anyway.
    pub async fn prune_sign_in_records(
        &self,
        now: Timestamp,
    ) -> Result<(usize, usize), StoreError> {
        let (sessions, failures) = on_pool!(self, read_pool, pool, m => m::expiries(pool).await)?;
        let forget = [ThrottleRule::ACCOUNT, ThrottleRule::ADDRESS]
            .iter()
            .map(|r| r.forget_after)
            .max()
            .and_then(|d| SignedDuration::try_from(d).ok())
            .unwrap_or(SignedDuration::MAX);
        let expired: Vec<String> = sessions
            .into_iter()
            .filter(|(_, expires)| expires.parse::<Timestamp>().is_ok_and(|t| t <= now))
            .map(|(hash, _)| hash)
            .collect();
        let forgotten: Vec<String> = failures
            .into_iter()
            .filter(|(_, last, locked)| {
                let unlocked = locked
                    .as_deref()
                    .is_none_or(|l| l.parse::<Timestamp>().is_ok_and(|t| t <= now));
                let old = last
                    .parse::<Timestamp>()
                    .is_ok_and(|t| now.duration_since(t) >= forget);
                unlocked && old
            })
            .map(|(key, _, _)| key)
            .collect();
        on_pool!(self, write_pool, pool, m => m::prune(pool, &expired, &forgotten).await)?;
        Ok((expired.len(), forgotten.len()))
    }

    /// Ends the session `secret`, if it exists.
    pub async fn end_session(&self, secret: &str) -> Result<(), StoreError> {
        let hash = secret_hash(secret);
        Ok(on_pool!(self, write_pool, pool, m => m::delete_session(pool, &hash).await)?)
    }

    /// Makes an API token for `person` with `scopes`, recorded as made
    /// `by` someone; the secret in the answer is not stored and cannot be
    /// shown again.
    pub async fn create_token(
        &self,
        person: &PersonId,
        scopes: &[Scope],
        label: &str,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<NewToken, AccountError> {
        let id = random_hex(8)?;
        let secret = format!("accord_{id}_{}", random_hex(32)?);
        let mut names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        names.sort();
        names.dedup();
        on_pool!(self, write_pool, pool, m => m::insert_token(
            pool, &id, person.as_str(), &secret_hash(&secret), &names, label, now, by,
        ).await)?;
        Ok(NewToken { id, secret })
    }

    /// The live token whose secret is `secret`, and whose it is; `None` if
    /// there is none, it was revoked, or its account is disabled.
    pub async fn token_person(
        &self,
        secret: &str,
    ) -> Result<Option<(ApiToken, Person)>, AccountError> {
        Ok(self
            .token_holder(secret)
            .await?
            .map(|(token, person, _)| (token, person)))
    }

    /// The live token whose secret is `secret`, whose it is, and their
    /// second factor's standing, read in one query: `None` if there is no
    /// such token, it was revoked, or its account is disabled.
    pub async fn token_holder(
        &self,
        secret: &str,
    ) -> Result<Option<(ApiToken, Person, SecondFactorStanding)>, AccountError> {
        let hash = secret_hash(secret);
        let row = on_pool!(self, read_pool, pool, m => m::token_holder(pool, &hash).await)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let owner = Person::try_from(row.person)?;
        let token = ApiToken {
            id: row.token_id,
            person: owner.id.clone(),
            scopes: row.scopes.split(' ').filter_map(Scope::parse).collect(),
            label: row.label,
            created_at: parse_time(&row.created_at, "token")?,
        };
        let standing = SecondFactorStanding {
            required: row.required,
            enrolled: row.enrolled,
        };
        Ok(Some((token, owner, standing)))
    }

    /// Revokes `person`'s token `id`; `false` if they have no such live
    /// token.
    pub async fn revoke_token(
        &self,
        person: &PersonId,
        id: &str,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, StoreError> {
        Ok(on_pool!(self, write_pool, pool, m =>
            m::revoke_token(pool, person.as_str(), id, now, by).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_needs_twelve_to_256_characters() {
        assert_eq!(
            Password::parse("short").unwrap_err(),
            PasswordError::TooShort { chars: 5 }
        );
        assert!(Password::parse("correct horse").is_ok());
        // Characters, not bytes: twelve accented letters are enough.
        assert!(Password::parse(&"é".repeat(12)).is_ok());
        assert_eq!(
            Password::parse(&"x".repeat(257)).unwrap_err(),
            PasswordError::TooLong { chars: 257 }
        );
        let message = PasswordError::TooShort { chars: 5 }.to_string();
        assert!(message.contains("at least 12"), "{message}");
    }

    #[test]
    fn a_password_never_shows_in_debug() {
        let p = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn hashes_are_argon2id_phc_strings_that_verify() {
        let p = Password::parse("correct horse battery").unwrap();
        let hash = hash_password(&p).unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(matches("correct horse battery", &hash));
        assert!(!matches("correct horse battery!", &hash));
        assert!(!matches("correct horse battery", "not a hash"));
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
    }

    #[test]
    fn the_throttle_doubles_after_the_free_tries_up_to_its_longest() {
        let rule = ThrottleRule::ACCOUNT;
        assert_eq!(rule.lock_after(5), None);
        assert_eq!(rule.lock_after(6), Some(Duration::from_secs(1)));
        assert_eq!(rule.lock_after(7), Some(Duration::from_secs(2)));
        assert_eq!(rule.lock_after(10), Some(Duration::from_secs(16)));
        assert_eq!(rule.lock_after(100), Some(Duration::from_secs(15 * 60)));
        assert_eq!(
            rule.lock_after(u32::MAX),
            Some(Duration::from_secs(15 * 60))
        );
    }
}
