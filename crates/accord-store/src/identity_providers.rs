//! Single sign-on through each organisation's own OpenID Provider (issue
//! 16, migration `0020_identity_providers.sql`): the providers an
//! administrator sets up for a partnership, the sign-ins under way at one,
//! the stable subjects linked to directory people, the people a provider
//! vouched for whom the directory does not know, and the sessions begun
//! through a provider.
//!
//! The OpenID Connect protocol itself (discovery, the tokens and their
//! checks) is the web crate's; this module keeps what it needs between
//! requests. Every change to a provider is written to the directory audit
//! in its own transaction, the client secret only as "set" or "changed".

use accord_case::PersonId;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use crate::audit::{AuditSubject, Draft};
use crate::{AccountError, ChangedBy, Person, Store, StoreError};

/// How long a sign-in at a provider may take, from leaving Accord to the
/// last code typed: ten minutes.
pub const PROVIDER_SIGN_IN_LENGTH: SignedDuration = SignedDuration::from_secs(600);

/// How many wrong second-factor codes a sign-in through a provider may
/// have before it must start again at the provider.
pub const PROVIDER_CODE_TRIES: i64 = 5;

/// Which claim of a provider's ID token says who someone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityClaim {
    /// Their email address, matched to the directory's.
    Email,
    /// The provider's subject (`sub`), stable for the person at that
    /// provider, linked the first time they sign in.
    Subject,
    /// Microsoft Entra ID's object id (`oid`), the same for the person in
    /// every application of the tenant; linked like `sub`.
    ObjectId,
}

impl IdentityClaim {
    /// Every claim, in the order the pages offer them.
    pub const ALL: [IdentityClaim; 3] = [
        IdentityClaim::Email,
        IdentityClaim::Subject,
        IdentityClaim::ObjectId,
    ];

    /// Its name in the token, the database and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityClaim::Email => "email",
            IdentityClaim::Subject => "sub",
            IdentityClaim::ObjectId => "oid",
        }
    }

    /// The claim named `name`.
    pub fn parse(name: &str) -> Option<IdentityClaim> {
        IdentityClaim::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// An identity provider as the administrator set it up; never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityProvider {
    /// Its id, in addresses: `havering-entra`.
    pub id: String,
    /// The partnership whose people sign in through it.
    pub partnership: String,
    /// Its name on the sign-in page: "London Borough of Havering".
    pub name: String,
    /// The issuer's URL, which Accord discovers it from.
    pub issuer: String,
    /// The client id Accord is registered as there.
    pub client_id: String,
    /// The email domains it serves, lower case: `havering.gov.uk`.
    pub domains: Vec<String>,
    /// Which claim identifies a person.
    pub claim: IdentityClaim,
    /// The `acr` values that show the provider's own second factor (an
    /// `amr` of `mfa` always does).
    pub mfa_acr: Vec<String>,
    /// A group claim's values, each mapped to a role of the partnership's
    /// policy: `(group, role)`.
    pub group_roles: Vec<(String, String)>,
    /// People of its domains may not sign in with a local password.
    pub passwords_off: bool,
    /// It is offered on the sign-in page and accepted.
    pub enabled: bool,
}

impl IdentityProvider {
    /// Whether `email` is of one of its domains (an exact match of the
    /// part after the last `@`, whatever its case).
    pub fn serves(&self, email: &str) -> bool {
        email_domain(email).is_some_and(|d| self.domains.contains(&d))
    }
}

/// The domain of `email`, lower case; `None` if it has none.
pub fn email_domain(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then(|| domain.to_ascii_lowercase())
}

/// A provider as an administrator sets it up: [`IdentityProvider`] with
/// the client secret, which `None` keeps as it was.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// What is shown of it.
    pub provider: IdentityProvider,
    /// A new client secret; `None` keeps the one stored (a new provider
    /// must have one).
    pub client_secret: Option<String>,
}

/// What is wrong with a provider's settings, field by field, in words
/// for the administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsProblem {
    /// The field: `id`, `name`, `issuer`, `client_id`, `client_secret`,
    /// `domains`, `mfa_acr`, `group_roles`.
    pub field: &'static str,
    /// What to fix.
    pub message: String,
}

impl ProviderSettings {
    /// What must be fixed before these settings can be kept: an empty list
    /// when they can. `roles` are the roles of the partnership's policy, for
    /// the group mapping; `new` says whether the provider is being added.
    pub fn problems(&self, roles: &[String], new: bool) -> Vec<SettingsProblem> {
        let p = &self.provider;
        let mut out = Vec::new();
        let mut problem = |field, message: String| out.push(SettingsProblem { field, message });
        let slug = |s: &str| {
            !s.is_empty()
                && s.len() <= 60
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !s.starts_with('-')
        };
        if !slug(&p.id) || ["callback", "code"].contains(&p.id.as_str()) {
            problem(
                "id",
                "Enter an id of lower-case letters, digits and hyphens, such as havering-entra"
                    .into(),
            );
        } else if p.id == "new" {
            // `/admin/sign-in/new` is the page that adds a provider.
            problem(
                "id",
                "The id new is kept for Accord's own pages: choose another, such as \
                 havering-entra"
                    .into(),
            );
        }
        if p.name.trim().is_empty() || p.name.chars().count() > 100 {
            problem(
                "name",
                "Enter the provider's name as people will see it on the sign-in page, in 100 \
                 characters or fewer"
                    .into(),
            );
        }
        let issuer_ok = p.issuer.len() <= 500
            && (p.issuer.starts_with("https://")
                || p.issuer.starts_with("http://127.0.0.1")
                || p.issuer.starts_with("http://localhost")
                || p.issuer.starts_with("http://[::1]"))
            && !p.issuer.contains(['?', '#', ' ']);
        if !issuer_ok {
            problem(
                "issuer",
                "Enter the issuer's address as the provider gives it, starting https://, such as \
                 https://login.microsoftonline.com/TENANT-ID/v2.0"
                    .into(),
            );
        }
        if p.client_id.trim().is_empty() || p.client_id.len() > 500 {
            problem(
                "client_id",
                "Enter the client id (application id) the provider gave Accord".into(),
            );
        }
        match &self.client_secret {
            Some(secret) if secret.trim().is_empty() || secret.len() > 2000 => problem(
                "client_secret",
                "Enter the client secret the provider gave Accord".into(),
            ),
            None if new => problem(
                "client_secret",
                "Enter the client secret the provider gave Accord".into(),
            ),
            _ => {}
        }
        let domain_ok = |d: &String| {
            d.contains('.')
                && d.len() <= 253
                && d.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        };
        if p.domains.is_empty() || !p.domains.iter().all(domain_ok) {
            problem(
                "domains",
                "Enter the email domains the provider serves, such as havering.gov.uk, \
                 separated by spaces"
                    .into(),
            );
        }
        if p.mfa_acr.iter().any(|v| v.len() > 200) {
            problem(
                "mfa_acr",
                "Enter each acr value as the provider sends it, separated by spaces".into(),
            );
        }
        for (group, role) in &p.group_roles {
            if group.is_empty() || !roles.iter().any(|r| r == role) {
                problem(
                    "group_roles",
                    format!(
                        "Write each mapping as group=role, one a line, with a role of the \
                         partnership's policy ({}): `{group}={role}` is not one",
                        roles.join(", ")
                    ),
                );
                break;
            }
        }
        out
    }
}

/// A sign-in begun at a provider, as Accord keeps it until the provider
/// answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSignIn {
    /// The provider.
    pub provider: String,
    /// The `state` sent, which the answer must carry back.
    pub state: String,
    /// The `nonce` sent, which the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier whose challenge was sent.
    pub pkce_verifier: String,
    /// Where to go once signed in: a path of Accord's, or empty.
    pub next: String,
}

/// Someone the provider has vouched for, waiting to give Accord's own
/// second-factor code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingCode {
    /// The provider.
    pub provider: String,
    /// Who.
    pub person: PersonId,
    /// The ID token the provider gave, kept for signing out there.
    pub id_token: String,
    /// Where to go once signed in.
    pub next: String,
}

/// Someone a provider vouched for whom the directory does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSignIn {
    /// The provider.
    pub provider: String,
    /// Their email, as the provider gave it.
    pub email: String,
    /// Their name, as the provider gave it.
    pub name: String,
    /// When they first tried.
    pub first_at: Timestamp,
    /// When they last tried.
    pub last_at: Timestamp,
    /// How many times they tried.
    pub attempts: i64,
}

/// A session begun through a provider: which, and the ID token it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSession {
    /// The provider.
    pub provider: String,
    /// The ID token, for the provider's sign-out.
    pub id_token: String,
    /// The provider showed its own second factor, which stands in for
    /// Accord's.
    pub mfa: bool,
}

type ProviderRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
);

const PROVIDER_COLUMNS: &str = "id, partnership_id, name, issuer, client_id, domains, claim, \
    mfa_acr, group_roles, passwords_off, enabled";

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

/// `group=role` lines as pairs; a line without `=` is a group with no
/// role, which [`ProviderSettings::problems`] refuses.
pub fn parse_group_roles(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once('=') {
            Some((g, r)) => (g.trim().to_owned(), r.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

/// Pairs as `group=role` lines.
pub fn group_roles_text(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(g, r)| format!("{g}={r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn provider_of(row: ProviderRow) -> Result<IdentityProvider, StoreError> {
    let (id, partnership, name, issuer, client_id, domains, claim, mfa_acr, group_roles, off, on) =
        row;
    let claim = IdentityClaim::parse(&claim).ok_or_else(|| StoreError::Damaged {
        case: format!("(identity provider {id})"),
        reason: format!("its identifying claim `{claim}` is not one Accord reads"),
    })?;
    Ok(IdentityProvider {
        id,
        partnership,
        name,
        issuer,
        client_id,
        domains: words(&domains),
        claim,
        mfa_acr: words(&mfa_acr),
        group_roles: parse_group_roles(&group_roles),
        passwords_off: off != 0,
        enabled: on != 0,
    })
}

/// What provider `id`'s client secret is sealed for.
pub(crate) fn secret_context(id: &str) -> String {
    format!("identity provider client secret\0{id}")
}

fn random_secret() -> Result<String, AccountError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(hex::encode(buf))
}

fn hash(secret: &str) -> String {
    crate::session_id(secret)
}

fn bad_time() -> StoreError {
    StoreError::Damaged {
        case: "(provider sign-ins)".to_owned(),
        reason: "a stored time is unreadable".to_owned(),
    }
}

macro_rules! provider_queries {
    ($begin:literal) => {
        use serde_json::Value;
        use sqlx::Pool;

        use super::{AuditSubject, ChangedBy, Draft, ProviderRow, PROVIDER_COLUMNS};

        pub(crate) async fn all(
            reader: &Pool<Db>,
            partnership: Option<&str>,
        ) -> Result<Vec<ProviderRow>, sqlx::Error> {
            let sql = format!(
                "SELECT {PROVIDER_COLUMNS} FROM identity_providers \
                 WHERE (CAST($1 AS TEXT) IS NULL OR partnership_id = $1) ORDER BY partnership_id, name, id"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(partnership)
                .fetch_all(reader)
                .await
        }

        pub(crate) async fn one(
            reader: &Pool<Db>,
            id: &str,
        ) -> Result<Option<ProviderRow>, sqlx::Error> {
            let sql = format!("SELECT {PROVIDER_COLUMNS} FROM identity_providers WHERE id = $1");
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(reader)
                .await
        }

        pub(crate) async fn secret(
            reader: &Pool<Db>,
            id: &str,
        ) -> Result<Option<String>, sqlx::Error> {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT client_secret FROM identity_providers WHERE id = $1")
                    .bind(id)
                    .fetch_optional(reader)
                    .await?;
            Ok(row.map(|r| r.0))
        }

        /// Adds or changes a provider, with its audit entry, in one
        /// transaction. `before` and `after` are what the audit shows.
        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn save(
            writer: &Pool<Db>,
            row: &ProviderRow,
            secret: Option<&str>,
            before: Value,
            after: Value,
            at: jiff::Timestamp,
            by: &ChangedBy,
        ) -> Result<(), sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            let (id, partnership, name, issuer, client_id, domains, claim, mfa, groups, off, on) =
                row;
            sqlx::query(
                "INSERT INTO identity_providers (id, partnership_id, name, issuer, client_id, \
                 client_secret, domains, claim, mfa_acr, group_roles, passwords_off, enabled) \
                 VALUES ($1, $2, $3, $4, $5, COALESCE($6, ''), $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                 issuer = excluded.issuer, client_id = excluded.client_id, \
                 client_secret = COALESCE($6, identity_providers.client_secret), \
                 domains = excluded.domains, claim = excluded.claim, \
                 mfa_acr = excluded.mfa_acr, group_roles = excluded.group_roles, \
                 passwords_off = excluded.passwords_off, enabled = excluded.enabled",
            )
            .bind(id)
            .bind(partnership)
            .bind(name)
            .bind(issuer)
            .bind(client_id)
            .bind(secret)
            .bind(domains)
            .bind(claim)
            .bind(mfa)
            .bind(groups)
            .bind(off)
            .bind(on)
            .execute(&mut *tx)
            .await?;
            let draft = Draft::new(
                partnership,
                AuditSubject::Setting,
                partnership,
                &format!("setting.identity_provider.{id}"),
                before,
                after,
            );
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await
        }

        pub(crate) async fn remove(
            writer: &Pool<Db>,
            id: &str,
            partnership: &str,
            before: Value,
            at: jiff::Timestamp,
            by: &ChangedBy,
        ) -> Result<(), sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            for table in ["provider_identities", "provider_sign_ins", "unknown_sign_ins"] {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE provider_id = $1"
                )))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE sessions SET provider_id = NULL, id_token = NULL WHERE provider_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM identity_providers WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let draft = Draft::new(
                partnership,
                AuditSubject::Setting,
                partnership,
                &format!("setting.identity_provider.{id}"),
                before,
                Value::Null,
            );
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await
        }

        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn begin_sign_in(
            writer: &Pool<Db>,
            id_hash: &str,
            provider: &str,
            state: &str,
            nonce: &str,
            verifier: &str,
            next: &str,
            now: &str,
            expires: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO provider_sign_ins (id_hash, provider_id, state, nonce, \
                 pkce_verifier, next, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id_hash)
            .bind(provider)
            .bind(state)
            .bind(nonce)
            .bind(verifier)
            .bind(next)
            .bind(now)
            .bind(expires)
            .execute(writer)
            .await?;
            Ok(())
        }

        /// Takes the sign-in `id_hash` that is still waiting for the
        /// provider: deletes it and returns it, so that it is used once.
        pub(crate) async fn take_sign_in(
            writer: &Pool<Db>,
            id_hash: &str,
        ) -> Result<Option<(String, String, String, String, String, String)>, sqlx::Error> {
            sqlx::query_as(
                "DELETE FROM provider_sign_ins WHERE id_hash = $1 AND person_id IS NULL \
                 RETURNING provider_id, state, nonce, pkce_verifier, next, expires_at",
            )
            .bind(id_hash)
            .fetch_optional(writer)
            .await
        }

        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn hold_for_code(
            writer: &Pool<Db>,
            id_hash: &str,
            provider: &str,
            person: &str,
            id_token: &str,
            next: &str,
            now: &str,
            expires: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO provider_sign_ins (id_hash, provider_id, state, nonce, \
                 pkce_verifier, next, person_id, id_token, created_at, expires_at) \
                 VALUES ($1, $2, '', '', '', $3, $4, $5, $6, $7)",
            )
            .bind(id_hash)
            .bind(provider)
            .bind(next)
            .bind(person)
            .bind(id_token)
            .bind(now)
            .bind(expires)
            .execute(writer)
            .await?;
            Ok(())
        }

        pub(crate) async fn awaiting_code(
            reader: &Pool<Db>,
            id_hash: &str,
        ) -> Result<Option<(String, String, String, String, String, i64)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT provider_id, person_id, id_token, next, expires_at, code_failures \
                 FROM provider_sign_ins WHERE id_hash = $1 AND person_id IS NOT NULL",
            )
            .bind(id_hash)
            .fetch_optional(reader)
            .await
        }

        /// Counts a wrong code; returns how many there have been.
        pub(crate) async fn code_failed(
            writer: &Pool<Db>,
            id_hash: &str,
        ) -> Result<Option<i64>, sqlx::Error> {
            let row: Option<(i64,)> = sqlx::query_as(
                "UPDATE provider_sign_ins SET code_failures = code_failures + 1 \
                 WHERE id_hash = $1 RETURNING code_failures",
            )
            .bind(id_hash)
            .fetch_optional(writer)
            .await?;
            Ok(row.map(|r| r.0))
        }

        pub(crate) async fn forget_sign_in(
            writer: &Pool<Db>,
            id_hash: &str,
        ) -> Result<bool, sqlx::Error> {
            let done = sqlx::query("DELETE FROM provider_sign_ins WHERE id_hash = $1")
                .bind(id_hash)
                .execute(writer)
                .await?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn prune_sign_ins(
            writer: &Pool<Db>,
            now: &str,
        ) -> Result<u64, sqlx::Error> {
            // Times are RFC 3339 in UTC with a `Z`, which sort as text.
            let done = sqlx::query("DELETE FROM provider_sign_ins WHERE expires_at <= $1")
                .bind(now)
                .execute(writer)
                .await?;
            Ok(done.rows_affected())
        }

        pub(crate) async fn identity(
            reader: &Pool<Db>,
            provider: &str,
            subject: &str,
        ) -> Result<Option<String>, sqlx::Error> {
            let row: Option<(String,)> = sqlx::query_as(
                "SELECT person_id FROM provider_identities WHERE provider_id = $1 AND subject = $2",
            )
            .bind(provider)
            .bind(subject)
            .fetch_optional(reader)
            .await?;
            Ok(row.map(|r| r.0))
        }

        pub(crate) async fn link(
            writer: &Pool<Db>,
            provider: &str,
            subject: &str,
            person: &str,
            now: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO provider_identities (provider_id, subject, person_id, linked_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (provider_id, subject) DO NOTHING",
            )
            .bind(provider)
            .bind(subject)
            .bind(person)
            .bind(now)
            .execute(writer)
            .await?;
            Ok(())
        }

        pub(crate) async fn person_by_email(
            reader: &Pool<Db>,
            partnership: &str,
            email: &str,
        ) -> Result<Vec<String>, sqlx::Error> {
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT id FROM people WHERE partnership_id = $1 AND lower(email) = $2",
            )
            .bind(partnership)
            .bind(email)
            .fetch_all(reader)
            .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        }

        pub(crate) async fn record_unknown(
            writer: &Pool<Db>,
            provider: &str,
            email: &str,
            name: &str,
            now: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO unknown_sign_ins (provider_id, email, name, first_at, last_at) \
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (provider_id, email) DO UPDATE SET \
                 name = excluded.name, last_at = excluded.last_at, \
                 attempts = unknown_sign_ins.attempts + 1",
            )
            .bind(provider)
            .bind(email)
            .bind(name)
            .bind(now)
            .execute(writer)
            .await?;
            Ok(())
        }

        pub(crate) async fn unknown(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Vec<(String, String, String, String, String, i64)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT u.provider_id, u.email, u.name, u.first_at, u.last_at, u.attempts \
                 FROM unknown_sign_ins u JOIN identity_providers p ON p.id = u.provider_id \
                 WHERE p.partnership_id = $1 ORDER BY u.last_at DESC, u.email",
            )
            .bind(partnership)
            .fetch_all(reader)
            .await
        }

        pub(crate) async fn forget_unknown(
            writer: &Pool<Db>,
            email: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query("DELETE FROM unknown_sign_ins WHERE lower(email) = $1")
                .bind(email)
                .execute(writer)
                .await?;
            Ok(())
        }

        pub(crate) async fn mark_session(
            writer: &Pool<Db>,
            id_hash: &str,
            provider: &str,
            id_token: &str,
            mfa: bool,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "UPDATE sessions SET provider_id = $2, id_token = $3, provider_mfa = $4 \
                 WHERE id_hash = $1",
            )
            .bind(id_hash)
            .bind(provider)
            .bind(id_token)
            .bind(i64::from(mfa))
            .execute(writer)
                .await?;
            Ok(())
        }

        pub(crate) async fn session_provider(
            reader: &Pool<Db>,
            id_hash: &str,
        ) -> Result<Option<(String, String, i64)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT provider_id, id_token, provider_mfa FROM sessions \
                 WHERE id_hash = $1 AND provider_id IS NOT NULL AND id_token IS NOT NULL",
            )
            .bind(id_hash)
            .fetch_optional(reader)
            .await
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::audit::sqlite as audit;
    // Audited changes take the write lock at once, as appends do.
    provider_queries!("BEGIN IMMEDIATE");
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::audit::postgres as audit;
    provider_queries!("BEGIN");
}

fn row_of(p: &IdentityProvider) -> ProviderRow {
    (
        p.id.clone(),
        p.partnership.clone(),
        p.name.trim().to_owned(),
        p.issuer.trim().to_owned(),
        p.client_id.trim().to_owned(),
        p.domains.join(" "),
        p.claim.as_str().to_owned(),
        p.mfa_acr.join(" "),
        group_roles_text(&p.group_roles),
        i64::from(p.passwords_off),
        i64::from(p.enabled),
    )
}

/// What the audit shows of a provider: everything but the secret, which it
/// shows only as there.
fn audited(p: &IdentityProvider, secret: &str) -> serde_json::Value {
    json!({
        "name": p.name,
        "issuer": p.issuer,
        "client_id": p.client_id,
        "client_secret": secret,
        "domains": p.domains,
        "claim": p.claim.as_str(),
        "mfa_acr": p.mfa_acr,
        "group_roles": group_roles_text(&p.group_roles),
        "passwords_off": p.passwords_off,
        "enabled": p.enabled,
    })
}

impl Store {
    /// The identity providers of `partnership`, or of every partnership,
    /// by partnership and name.
    pub async fn identity_providers(
        &self,
        partnership: Option<&str>,
    ) -> Result<Vec<IdentityProvider>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m => m::all(pool, partnership).await)?;
        rows.into_iter().map(provider_of).collect()
    }

    /// The identity provider `id`, if there is one.
    pub async fn identity_provider(
        &self,
        id: &str,
    ) -> Result<Option<IdentityProvider>, StoreError> {
        let row = on_pool!(self, read_pool, pool, m => m::one(pool, id).await)?;
        row.map(provider_of).transpose()
    }

    /// The client secret of provider `id`: for the code exchange only,
    /// never shown.
    pub async fn identity_provider_secret(&self, id: &str) -> Result<Option<String>, StoreError> {
        let stored = on_pool!(self, read_pool, pool, m => m::secret(pool, id).await)?;
        stored
            .map(|s| Ok(self.keys.open_text(&secret_context(id), &s)?))
            .transpose()
    }

    /// Adds the provider `settings` describes, or changes it, recorded as
    /// done `by` someone at `now`. The settings must have been checked with
    /// [`ProviderSettings::problems`]; a provider of another partnership
    /// with the same id is refused as a partnership that does not have it.
    pub async fn save_identity_provider(
        &self,
        settings: &ProviderSettings,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<(), AccountError> {
        let p = &settings.provider;
        if !self
            .partnerships()
            .await?
            .iter()
            .any(|x| x.id == p.partnership)
        {
            return Err(AccountError::NoSuchPartnership {
                partnership: p.partnership.clone(),
            });
        }
        let before = self.identity_provider(&p.id).await?;
        if let Some(before) = &before
            && before.partnership != p.partnership
        {
            return Err(AccountError::NoSuchPartnership {
                partnership: p.partnership.clone(),
            });
        }
        let (before_json, secret_word) = match &before {
            Some(b) => (
                audited(b, "set"),
                if settings.client_secret.is_some() {
                    "changed"
                } else {
                    "set"
                },
            ),
            None => (serde_json::Value::Null, "set"),
        };
        let row = row_of(p);
        let after = audited(p, secret_word);
        // Sealed by the master key (issue 17 §1): a copy of the database
        // does not give away the partnership's client secret.
        let secret = settings
            .client_secret
            .as_deref()
            .map(|s| self.keys.seal_text(&secret_context(&p.id), s.trim()))
            .transpose()
            .map_err(StoreError::from)?;
        on_pool!(self, write_pool, pool, m =>
            m::save(pool, &row, secret.as_deref(), before_json, after, now, by).await)?;
        Ok(())
    }

    /// Removes the provider `id`, with the subjects linked through it, its
    /// sign-ins under way and its unknown people; sessions begun through
    /// it go on, but no longer sign out at the provider. `false` if there
    /// was no such provider.
    pub async fn remove_identity_provider(
        &self,
        id: &str,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, AccountError> {
        let Some(before) = self.identity_provider(id).await? else {
            return Ok(false);
        };
        let audit = audited(&before, "set");
        on_pool!(self, write_pool, pool, m =>
            m::remove(pool, id, &before.partnership, audit, now, by).await)?;
        Ok(true)
    }

    /// Keeps a sign-in begun at a provider until its answer, for ten
    /// minutes; returns the secret the browser's cookie holds for it.
    pub async fn begin_provider_sign_in(
        &self,
        sign_in: &ProviderSignIn,
        now: Timestamp,
    ) -> Result<String, AccountError> {
        let secret = random_secret()?;
        let expires = (now + PROVIDER_SIGN_IN_LENGTH).to_string();
        on_pool!(self, write_pool, pool, m => m::begin_sign_in(pool, &hash(&secret),
            &sign_in.provider, &sign_in.state, &sign_in.nonce, &sign_in.pkce_verifier,
            &sign_in.next, &now.to_string(), &expires).await)?;
        Ok(secret)
    }

    /// The sign-in whose cookie holds `secret`, taken so that it is used
    /// once: `None` if there is none, it was used, or it has expired.
    pub async fn take_provider_sign_in(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<ProviderSignIn>, StoreError> {
        let row =
            on_pool!(self, write_pool, pool, m => m::take_sign_in(pool, &hash(secret)).await)?;
        let Some((provider, state, nonce, pkce_verifier, next, expires)) = row else {
            return Ok(None);
        };
        let expires: Timestamp = expires.parse().map_err(|_| bad_time())?;
        Ok((expires > now).then_some(ProviderSignIn {
            provider,
            state,
            nonce,
            pkce_verifier,
            next,
        }))
    }

    /// Keeps someone the provider vouched for until they give Accord's own
    /// second-factor code; returns the secret for their cookie.
    pub async fn hold_for_code(
        &self,
        waiting: &AwaitingCode,
        now: Timestamp,
    ) -> Result<String, AccountError> {
        let secret = random_secret()?;
        let expires = (now + PROVIDER_SIGN_IN_LENGTH).to_string();
        on_pool!(self, write_pool, pool, m => m::hold_for_code(pool, &hash(&secret),
            &waiting.provider, waiting.person.as_str(), &waiting.id_token, &waiting.next,
            &now.to_string(), &expires).await)?;
        Ok(secret)
    }

    /// Who is waiting to give a code under `secret`, if they still may.
    pub async fn awaiting_code(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<AwaitingCode>, StoreError> {
        let row =
            on_pool!(self, read_pool, pool, m => m::awaiting_code(pool, &hash(secret)).await)?;
        let Some((provider, person, id_token, next, expires, failures)) = row else {
            return Ok(None);
        };
        let expires: Timestamp = expires.parse().map_err(|_| bad_time())?;
        if expires <= now || failures >= PROVIDER_CODE_TRIES {
            return Ok(None);
        }
        let person = PersonId::parse(&person).map_err(|_| StoreError::Damaged {
            case: "(provider sign-ins)".to_owned(),
            reason: "a waiting person's id is unreadable".to_owned(),
        })?;
        Ok(Some(AwaitingCode {
            provider,
            person,
            id_token,
            next,
        }))
    }

    /// Counts a wrong code for the sign-in under `secret`; returns whether
    /// it may still try.
    pub async fn provider_code_failed(&self, secret: &str) -> Result<bool, StoreError> {
        let failures =
            on_pool!(self, write_pool, pool, m => m::code_failed(pool, &hash(secret)).await)?;
        Ok(failures.is_some_and(|f| f < PROVIDER_CODE_TRIES))
    }

    /// Ends the sign-in under `secret`; whether there was one.
    pub async fn forget_provider_sign_in(&self, secret: &str) -> Result<bool, StoreError> {
        Ok(on_pool!(self, write_pool, pool, m => m::forget_sign_in(pool, &hash(secret)).await)?)
    }

    /// Removes the sign-ins at providers that expired by `now`.
    pub async fn prune_provider_sign_ins(&self, now: Timestamp) -> Result<u64, StoreError> {
        Ok(on_pool!(self, write_pool, pool, m => m::prune_sign_ins(pool, &now.to_string()).await)?)
    }

    /// The person linked to `subject` at `provider`, if anyone is.
    pub async fn person_by_provider_subject(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<Person>, AccountError> {
        let id = on_pool!(self, read_pool, pool, m => m::identity(pool, provider, subject).await)?;
        match id {
            Some(id) => {
                let id = PersonId::parse(&id).map_err(|_| StoreError::Damaged {
                    case: "(provider identities)".to_owned(),
                    reason: "a linked person's id is unreadable".to_owned(),
                })?;
                Ok(self.person(&id).await?)
            }
            None => Ok(None),
        }
    }

    /// Links `subject` at `provider` to `person`, the first time they sign
    /// in through it; a subject already linked keeps its person.
    pub async fn link_provider_subject(
        &self,
        provider: &str,
        subject: &str,
        person: &PersonId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        Ok(on_pool!(self, write_pool, pool, m =>
            m::link(pool, provider, subject, person.as_str(), &now.to_string()).await)?)
    }

    /// The one person of `partnership` whose directory email is `email`,
    /// whatever its case; `None` if nobody's is, or several people's are
    /// (a shared mailbox identifies nobody).
    pub async fn person_by_email(
        &self,
        partnership: &str,
        email: &str,
    ) -> Result<Option<Person>, AccountError> {
        let folded = email.trim().to_lowercase();
        let ids = on_pool!(self, read_pool, pool, m => m::person_by_email(pool, partnership, &folded).await)?;
        let [id] = ids.as_slice() else {
            return Ok(None);
        };
        let id = PersonId::parse(id).map_err(|_| StoreError::Damaged {
            case: "(directory)".to_owned(),
            reason: "a person's id is unreadable".to_owned(),
        })?;
        Ok(self.person(&id).await?)
    }

    /// Writes down someone `provider` vouched for whom the directory does
    /// not know, for the administrator to add.
    pub async fn record_unknown_sign_in(
        &self,
        provider: &str,
        email: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let email = email.trim().to_lowercase();
        let name: String = name.trim().chars().take(200).collect();
        Ok(on_pool!(self, write_pool, pool, m =>
            m::record_unknown(pool, provider, &email, &name, &now.to_string()).await)?)
    }

    /// The people `partnership`'s providers vouched for whom the directory
    /// did not know, most recent first.
    pub async fn unknown_sign_ins(
        &self,
        partnership: &str,
    ) -> Result<Vec<UnknownSignIn>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m => m::unknown(pool, partnership).await)?;
        rows.into_iter()
            .map(|(provider, email, name, first, last, attempts)| {
                Ok(UnknownSignIn {
                    provider,
                    email,
                    name,
                    first_at: first.parse().map_err(|_| bad_time())?,
                    last_at: last.parse().map_err(|_| bad_time())?,
                    attempts,
                })
            })
            .collect()
    }

    /// Forgets the unknown sign-ins of `email`, once its person is added.
    pub async fn forget_unknown_sign_ins(&self, email: &str) -> Result<(), StoreError> {
        let email = email.trim().to_lowercase();
        Ok(on_pool!(self, write_pool, pool, m => m::forget_unknown(pool, &email).await)?)
    }

    /// Marks the session `secret` as begun through `provider`, which gave
    /// `id_token` and, if `mfa`, showed its own second factor.
    pub async fn mark_provider_session(
        &self,
        secret: &str,
        provider: &str,
        id_token: &str,
        mfa: bool,
    ) -> Result<(), StoreError> {
        Ok(on_pool!(self, write_pool, pool, m =>
            m::mark_session(pool, &hash(secret), provider, id_token, mfa).await)?)
    }

    /// The provider the session `secret` was begun through, with the ID
    /// token it gave; `None` for a password's session.
    pub async fn session_provider(
        &self,
        secret: &str,
    ) -> Result<Option<ProviderSession>, StoreError> {
        let row =
            on_pool!(self, read_pool, pool, m => m::session_provider(pool, &hash(secret)).await)?;
        Ok(row.map(|(provider, id_token, mfa)| ProviderSession {
            provider,
            id_token,
            mfa: mfa != 0,
        }))
    }

    /// The enabled provider of `person`'s partnership that serves their
    /// email's domain with local passwords switched off, if there is one:
    /// they must sign in through it.
    pub async fn password_barred_by(
        &self,
        person: &Person,
    ) -> Result<Option<IdentityProvider>, StoreError> {
        Ok(self
            .identity_providers(Some(person.partnership.as_str()))
            .await?
            .into_iter()
            .find(|p| p.enabled && p.passwords_off && p.serves(&person.email)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> IdentityProvider {
        IdentityProvider {
            id: "havering-entra".into(),
            partnership: "havering".into(),
            name: "London Borough of Havering".into(),
            issuer: "https://login.microsoftonline.com/tenant/v2.0".into(),
            client_id: "accord".into(),
            domains: vec!["havering.gov.uk".into()],
            claim: IdentityClaim::ObjectId,
            mfa_acr: Vec::new(),
            group_roles: Vec::new(),
            passwords_off: false,
            enabled: true,
        }
    }

    #[test]
    fn a_provider_serves_only_its_own_domains_exactly() {
        let p = provider();
        assert!(p.serves("Jo.Bloggs@Havering.gov.uk"));
        assert!(!p.serves("jo@evil-havering.gov.uk"));
        assert!(!p.serves("jo@havering.gov.uk.example.com"));
        assert!(!p.serves("havering.gov.uk"));
        assert!(!p.serves("@havering.gov.uk"));
    }

    #[test]
    fn settings_say_what_to_fix_field_by_field() {
        let roles = vec!["partnership-chair".to_owned()];
        let good = ProviderSettings {
            provider: provider(),
            client_secret: Some("s3cret".into()),
        };
        assert_eq!(good.problems(&roles, true), Vec::new());
        let mut bad = good.clone();
        bad.provider.id = "Havering Entra".into();
        bad.provider.issuer = "ftp://example.com".into();
        bad.provider.domains = vec!["nodot".into()];
        bad.provider.group_roles = vec![("leads".into(), "queen".into())];
        bad.client_secret = None;
        let fields: Vec<&str> = bad.problems(&roles, true).iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["id", "issuer", "client_secret", "domains", "group_roles"]
        );
        // Editing keeps the stored secret when none is given.
        assert!(
            bad.problems(&roles, false)
                .iter()
                .all(|p| p.field != "client_secret")
        );
    }

    #[test]
    fn group_roles_read_one_mapping_a_line() {
        assert_eq!(
            parse_group_roles(" leads = partnership-chair \n\nsocial-workers\n"),
            vec![
                ("leads".to_owned(), "partnership-chair".to_owned()),
                ("social-workers".to_owned(), String::new())
            ]
        );
    }
}
