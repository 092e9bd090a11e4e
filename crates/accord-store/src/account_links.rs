//! Invitations and password resets (issue 13 §4, migration
//! `0011_account_links.sql`): a single-use link, sent by email, with which
//! someone sets their own password, so that nobody else ever sees or
//! types it.
//!
//! **The token is never stored.** Asking for a link
//! ([`Store::send_account_link`], [`Store::invite_new_people`],
//! [`Store::request_password_reset`]) writes, in one transaction, an email
//! delivery whose subject and body only describe the link, a row in
//! `account_links` tied to that delivery with no token yet, and the
//! directory audit's entry. The job runner, when it claims the email,
//! calls [`Store::mint_account_link`]: that makes 32 random bytes, keeps
//! their SHA-256 against the delivery (replacing any token an earlier
//! attempt made, so a resend after a crash or a refused send leaves exactly
//! one working link: the one in the last email sent) and returns the token
//! for the runner to put into the message it sends, which is kept nowhere.
//! A copy of the database, its deliveries included, therefore holds no
//! link that works.
//!
//! **How long a link lasts** is counted from when it is sent: an
//! invitation's for the days the server is configured with (the job
//! runner's `ACCORD_INVITATION_DAYS`, or `invitation_days` in `accord
//! serve`'s config file; [`DEFAULT_INVITATION_DAYS`] by default), a reset's
//! for [`RESET_LINK_LIFETIME`], since someone who asked for one is waiting
//! for it.
//!
//! **Single use.** Setting a password with a link
//! ([`Store::use_account_link`]) marks it used in the same transaction as
//! the password, with a condition that only an unused, unrevoked,
//! unexpired link meets, so two submissions cannot both use it. It also
//! ends every session, API token and calendar feed the person had, as an
//! administrator's reset always has, and revokes every other link to them.
//! A newer link to someone revokes their older ones.

use accord_case::PersonId;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use crate::{
    AccountError, ChangedBy, Password, Person, Store, StoreError, hash_gate::HASHING, hash_password,
};

/// How many days an invitation's link works for, unless the server is
/// configured otherwise.
pub const DEFAULT_INVITATION_DAYS: u16 = 7;

/// How long a password reset's link works for: two hours from when it is
/// sent. Someone who asked for it is waiting for it, and a short life
/// leaves little time for a mailbox read by someone else.
pub const RESET_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(2);

/// Who the directory audit records as asking for a reset from the
/// "Forgotten your password?" page: nobody is signed in there.
pub const FORGOTTEN_PASSWORD: ChangedBy =
    ChangedBy::System(std::borrow::Cow::Borrowed("forgotten-password"));

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkPurpose {
    /// Someone new sets their first password.
    Invitation,
    /// Someone sets a new password in place of one they have forgotten.
    Reset,
}

impl LinkPurpose {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Reset => "reset",
        }
    }

    fn parse(s: &str) -> Option<LinkPurpose> {
        match s {
            "invitation" => Some(LinkPurpose::Invitation),
            "reset" => Some(LinkPurpose::Reset),
            _ => None,
        }
    }

    /// The occasion its email's delivery is written with, by which the job
    /// runner knows to make the link as it sends it.
    pub fn occasion(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Reset => "password_reset",
        }
    }

    /// The purpose whose email is written with `occasion`, if any.
    pub fn of_occasion(occasion: &str) -> Option<LinkPurpose> {
        [LinkPurpose::Invitation, LinkPurpose::Reset]
            .into_iter()
            .find(|p| p.occasion() == occasion)
    }

    fn audit_what(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "account.invitation_sent",
            LinkPurpose::Reset => "account.reset_link_sent",
        }
    }

    /// What the delivery row says in place of the message, which holds a
    /// link and is therefore written only as it is sent.
    fn placeholder(self) -> (&'static str, &'static str) {
        match self {
            LinkPurpose::Invitation => (
                "Invitation to set a password for Accord",
                "An invitation with a single-use link to set a password. The link is made as \
                 the email is sent and is not kept.",
            ),
            LinkPurpose::Reset => (
                "Link to reset a password for Accord",
                "A single-use link to set a new password. The link is made as the email is \
                 sent and is not kept.",
            ),
        }
    }
}

/// A link just made for an email being sent: the token goes into the
/// message and nowhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct MintedLink {
    /// The secret in the link (64 hex digits). Never stored.
    pub token: String,
    /// What it is for.
    pub purpose: LinkPurpose,
    /// Whose it is.
    pub person: PersonId,
    /// When it stops working.
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for MintedLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MintedLink")
            .field("purpose", &self.purpose)
            .field("person", &self.person)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What minting found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mint {
    /// A fresh token for the email.
    Made(MintedLink),
    /// The link is no longer wanted (used, or replaced by a newer one):
    /// the email must not go.
    Withdrawn,
}

/// The SHA-256 of a link's token, as stored.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_hex(bytes: usize) -> Result<String, StoreError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| StoreError::Damaged {
        case: "(account link)".into(),
        reason: format!("no random numbers for a link: {e}"),
    })?;
    Ok(hex::encode(buf))
}

fn bad(reason: &str) -> StoreError {
    StoreError::Damaged {
        case: "(account link)".into(),
        reason: reason.to_owned(),
    }
}

macro_rules! link_queries {
    ($begin:literal) => {
        use jiff::Timestamp;
        use sqlx::Pool;

        use super::LinkPurpose;
        use crate::{
            ChangedBy,
            audit::{AuditSubject, Draft},
        };

        type Conn = <Db as sqlx::Database>::Connection;

        /// Withdraws the emails of `person`'s live links not yet sent:
        /// their links are about to stop working, so they must not go.
        pub(crate) async fn withdraw_unsent(
            conn: &mut Conn,
            person: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "UPDATE deliveries SET status = 'withdrawn' WHERE status = 'pending' \
                 AND id IN (SELECT delivery_id FROM account_links WHERE person_id = $1 \
                 AND used_at_us IS NULL AND revoked_at_us IS NULL)",
            )
            .bind(person)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// Writes the email and the link for `person` (revoking their
        /// earlier links) and its audit entry, inside the caller's
        /// transaction; `false` if they have no email address.
        async fn write_link(
            conn: &mut Conn,
            person: &str,
            purpose: LinkPurpose,
            key: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<bool, sqlx::Error> {
            let found: Option<(String, String, bool)> = sqlx::query_as(
                "SELECT p.partnership_id, p.email, COALESCE(c.disabled, FALSE) FROM people p \
                 LEFT JOIN credentials c ON c.person_id = p.id WHERE p.id = $1",
            )
            .bind(person)
            .fetch_optional(&mut *conn)
            .await?;
            let Some((partnership, email, disabled)) = found else {
                return Ok(false);
            };
            let email = email.trim().to_owned();
            // A disabled account's link would not work: only enabling it
            // (an administrator's act) lets them back in.
            if email.is_empty() || disabled {
                return Ok(false);
            }
            let now_us = at.as_microsecond();
            withdraw_unsent(&mut *conn, person).await?;
            let replaced = sqlx::query(
                "UPDATE account_links SET revoked_at_us = $2 WHERE person_id = $1 \
                 AND used_at_us IS NULL AND revoked_at_us IS NULL",
            )
            .bind(person)
            .bind(now_us)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            let (subject, body) = purpose.placeholder();
            let delivery: i64 = sqlx::query_scalar(
                "INSERT INTO deliveries (key, case_id, person_id, channel, address, subject, \
                 body, occasion, created_at_us, status, next_attempt_at_us) \
                 VALUES ($1, '', $2, 'email', $3, $4, $5, $6, $7, 'pending', $7) RETURNING id",
            )
            .bind(key)
            .bind(person)
            .bind(&email)
            .bind(subject)
            .bind(body)
            .bind(purpose.occasion())
            .bind(now_us)
            .fetch_one(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO account_links (delivery_id, person_id, purpose, created_at_us) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(delivery)
            .bind(person)
            .bind(purpose.as_str())
            .bind(now_us)
            .execute(&mut *conn)
            .await?;
            // The address it went to and whether an earlier link stopped
            // working: never anything of the link itself.
            let draft = Draft::new(
                &partnership,
                AuditSubject::Account,
                person,
                purpose.audit_what(),
                serde_json::Value::Null,
                serde_json::json!({"email": email, "earlier_links_revoked": replaced}),
            );
            audit::append(&mut *conn, by, at, &[draft]).await?;
            Ok(true)
        }

        pub(super) async fn send(
            writer: &Pool<Db>,
            person: &str,
            purpose: LinkPurpose,
            key: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<bool, sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            let sent = write_link(&mut *tx, person, purpose, key, at, by).await?;
            tx.commit().await?;
            Ok(sent)
        }

        /// Invites each of `people` who has no password and has never been
        /// sent a link; returns who was invited.
        pub(super) async fn invite_new(
            writer: &Pool<Db>,
            people: &[(&str, String)],
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<Vec<String>, sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            let mut invited = Vec::new();
            for (person, key) in people {
                let known: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM credentials WHERE person_id = $1) \
                     OR EXISTS (SELECT 1 FROM account_links WHERE person_id = $1)",
                )
                .bind(*person)
                .fetch_one(&mut *tx)
                .await?;
                if !known
                    && write_link(&mut *tx, person, LinkPurpose::Invitation, key, at, by).await?
                {
                    invited.push((*person).to_owned());
                }
            }
            tx.commit().await?;
            Ok(invited)
        }

        /// A reset link for each enabled person whose email is `email`
        /// (however capitalised). The same statements run whether or not
        /// anyone has that address; only the rows they find differ.
        pub(super) async fn request_reset(
            writer: &Pool<Db>,
            email: &str,
            keys: impl Fn() -> Result<String, crate::StoreError>,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<usize, crate::StoreError> {
            let mut tx = writer.begin_with($begin).await?;
            let people: Vec<String> = sqlx::query_scalar(
                "SELECT p.id FROM people p LEFT JOIN credentials c ON c.person_id = p.id \
                 WHERE lower(p.email) = lower($1) AND COALESCE(c.disabled, FALSE) = FALSE \
                 ORDER BY p.id",
            )
            .bind(email.trim())
            .fetch_all(&mut *tx)
            .await?;
            let mut sent = 0;
            for person in &people {
                sent += usize::from(
                    write_link(&mut *tx, person, LinkPurpose::Reset, &keys()?, at, by).await?,
                );
            }
            tx.commit().await?;
            Ok(sent)
        }

        /// Gives the link of delivery `delivery` the token hash `hash`,
        /// lasting until the purpose's lifetime from `at`, if the link is
        /// still wanted: its person, purpose and expiry.
        pub(super) async fn mint(
            writer: &Pool<Db>,
            delivery: i64,
            hash: &str,
            at: Timestamp,
            lifetime: impl Fn(LinkPurpose) -> jiff::SignedDuration,
        ) -> Result<Option<(String, LinkPurpose, i64)>, crate::StoreError> {
            let mut tx = writer.begin_with($begin).await?;
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT person_id, purpose FROM account_links WHERE delivery_id = $1 \
                 AND used_at_us IS NULL AND revoked_at_us IS NULL",
            )
            .bind(delivery)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((person, purpose)) = row else {
                return Ok(None);
            };
            let purpose = LinkPurpose::parse(&purpose)
                .ok_or_else(|| super::bad("a link's purpose is unreadable"))?;
            let expires = at
                .checked_add(lifetime(purpose))
                .unwrap_or(Timestamp::MAX)
                .as_microsecond();
            sqlx::query(
                "UPDATE account_links SET token_hash = $2, sent_at_us = $3, expires_at_us = $4 \
                 WHERE delivery_id = $1",
            )
            .bind(delivery)
            .bind(hash)
            .bind(at.as_microsecond())
            .bind(expires)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some((person, purpose, expires)))
        }

        /// The person and purpose of the link whose token hashes to `hash`,
        /// if it works at `now_us`.
        pub(super) async fn usable(
            reader: &Pool<Db>,
            hash: &str,
            now_us: i64,
        ) -> Result<Option<(String, String)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT l.person_id, l.purpose FROM account_links l \
                 LEFT JOIN credentials c ON c.person_id = l.person_id \
                 WHERE l.token_hash = $1 AND l.used_at_us IS NULL AND l.revoked_at_us IS NULL \
                 AND l.expires_at_us > $2 AND COALESCE(c.disabled, FALSE) = FALSE",
            )
            .bind(hash)
            .bind(now_us)
            .fetch_optional(reader)
            .await
        }
    };
}

pub(crate) mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::audit::sqlite as audit;
    link_queries!("BEGIN IMMEDIATE");
}

pub(crate) mod postgres {
    type Db = sqlx::Postgres;
    use crate::audit::postgres as audit;
    link_queries!("BEGIN");
}

/// A fresh delivery key (the email's Message-ID) for a link's email.
fn new_key() -> Result<String, StoreError> {
    random_hex(16).map(|r| format!("account-{r}"))
}

impl Store {
    /// Sends `person` a link for `purpose`, asked for `by` someone at
    /// `now`: writes its email for the job runner to send (with no token:
    /// see the module's notes), revokes their earlier links, and records it
    /// in the directory audit, in one transaction. `false`, with nothing
    /// written, if there is no such person, they have no email address, or
    /// their account is disabled.
    pub async fn send_account_link(
        &self,
        person: &PersonId,
        purpose: LinkPurpose,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, StoreError> {
        let key = new_key()?;
        Ok(on_pool!(self, write_pool, pool, m =>
            m::send(pool, person.as_str(), purpose, &key, now, by).await)?)
    }

    /// Invites each of `people` who has an email address, no password and
    /// has never been sent a link: the people a directory import has just
    /// added. Running it again invites nobody twice. Returns who was
    /// invited.
    pub async fn invite_new_people(
        &self,
        people: &[&PersonId],
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<Vec<PersonId>, StoreError> {
        let mut keyed = Vec::with_capacity(people.len());
        for p in people {
            keyed.push((p.as_str(), new_key()?));
        }
        let invited = on_pool!(self, write_pool, pool, m =>
            m::invite_new(pool, &keyed, now, by).await)?;
        invited
            .iter()
            .map(|id| PersonId::parse(id).map_err(|_| bad("a person id is unreadable")))
            .collect()
    }

    /// "Forgotten your password?": a reset link to each enabled person
    /// whose email address is `email`, recorded as asked for by
    /// [`FORGOTTEN_PASSWORD`]. It does the same work whether or not anyone
    /// has that address (one transaction, one look-up), and says nothing
    /// about which it was; the email goes from the job runner, so the
    /// request never waits on the mail server.
    pub async fn request_password_reset(
        &self,
        email: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, write_pool, pool, m =>
            m::request_reset(pool, email, new_key, now, &FORGOTTEN_PASSWORD).await)?;
        Ok(())
    }

    /// Makes the link for email delivery `delivery` as the job runner sends
    /// it at `now`: a fresh token whose hash replaces any earlier one for
    /// that email, lasting `lifetime(purpose)`. [`Mint::Withdrawn`] when the
    /// link is no longer wanted.
    pub async fn mint_account_link(
        &self,
        delivery: i64,
        now: Timestamp,
        lifetime: impl Fn(LinkPurpose) -> SignedDuration,
    ) -> Result<Mint, StoreError> {
        let token = random_hex(32)?;
        let hash = token_hash(&token);
        let minted = on_pool!(self, write_pool, pool, m =>
            m::mint(pool, delivery, &hash, now, &lifetime).await)?;
        let Some((person, purpose, expires)) = minted else {
            return Ok(Mint::Withdrawn);
        };
        Ok(Mint::Made(MintedLink {
            token,
            purpose,
            person: PersonId::parse(&person).map_err(|_| bad("a person id is unreadable"))?,
            expires_at: Timestamp::from_microsecond(expires)
                .map_err(|_| bad("an expiry is unreadable"))?,
        }))
    }

    /// Whose link `token` is and what for, if it works at `now`: sent,
    /// unused, not replaced, not expired, and its account not disabled.
    pub async fn account_link(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<Option<(Person, LinkPurpose)>, StoreError> {
        let hash = token_hash(token);
        let row = on_pool!(self, read_pool, pool, m =>
            m::usable(pool, &hash, now.as_microsecond()).await)?;
        let Some((person, purpose)) = row else {
            return Ok(None);
        };
        let purpose = LinkPurpose::parse(&purpose).ok_or_else(|| bad("unreadable purpose"))?;
        let id = PersonId::parse(&person).map_err(|_| bad("a person id is unreadable"))?;
        Ok(self
            .person(&id)
            .await
            .map_err(|e| bad(&e.to_string()))?
            .map(|p| (p, purpose)))
    }

    /// Sets `password` with the link `token` at `now`, if it works: the
    /// link is spent, every other link to them is revoked, and their
    /// sessions, API tokens and calendar feed end, in one transaction
    /// recorded as their own change. `None`, with nothing changed, if the
    /// link does not work (unknown, used, replaced, expired, or the
    /// account disabled), or was used by another request first.
    pub async fn use_account_link(
        &self,
        token: &str,
        password: &Password,
        now: Timestamp,
    ) -> Result<Option<(Person, LinkPurpose)>, AccountError> {
        let Some((person, purpose)) = self.account_link(token, now).await? else {
            return Ok(None);
        };
        let password = password.clone();
        let hash = HASHING.run(move || hash_password(&password)).await??;
        let by = ChangedBy::Person(person.id.clone());
        let used = crate::accounts::use_link(self, &token_hash(token), &hash, now, &by).await?;
        Ok(used.then_some((person, purpose)))
    }
}
