//! The TOTP second factor (RFC 6238: six digits, 30-second steps, SHA-1,
//! which every authenticator app reads), and a partnership's rule that
//! everyone signing in to it has one (migration `0005_second_factor.sql`).
//!
//! Enrolment is two steps: [`Store::begin_second_factor`] makes a secret
//! for the person's app, and [`Store::confirm_second_factor`] keeps it once
//! a code from the app proves the app has it. After that
//! [`Store::check_second_factor`] checks the code at each sign-in. A code is
//! accepted from the step before to the step after now (the clock of a
//! phone is seldom exact), and each step's code is accepted once: the step
//! is written with a conditional update, so two sign-ins racing with one
//! code cannot both win.
//!
//! The secret has to be readable to check codes, so unlike a password it is
//! not hashed; it lives beside the password hashes, apart from the
//! directory, and is never printed or logged.

use accord_case::PersonId;
use jiff::Timestamp;
use totp_rs::{Builder, Secret, Totp};

use crate::{AccountError, ChangedBy, Person, Store, StoreError};

/// A second factor being set up: what the person's authenticator app
/// needs. Shown once, to the person enrolling.
#[derive(Clone)]
pub struct Enrolment {
    /// The shared secret in base32, for typing into an app.
    pub secret: String,
    /// The same as an `otpauth://totp/…` URI, for a QR code.
    pub uri: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment { .. }")
    }
}

/// What a code given at sign-in came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorCheck {
    /// The person has no confirmed second factor.
    NotEnrolled,
    /// The code is right, and had not been used.
    Accepted,
    /// The code is wrong, out of time, or already used.
    Refused,
}

/// Where someone stands with the second factor, at this moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactorStanding {
    /// Their partnership requires one of everyone.
    pub required: bool,
    /// They have one, confirmed.
    pub enrolled: bool,
}

impl SecondFactorStanding {
    /// Required and not yet set up: until it is, they may only set it up.
    pub fn must_enrol(self) -> bool {
        self.required && !self.enrolled
    }
}

/// How many digits a code has.
pub const DIGITS: u8 = 6;
/// How long each code lasts, in seconds.
pub const STEP_SECONDS: u64 = 30;

/// What a person's second-factor secret is sealed for: it opens for them
/// alone.
pub(crate) fn secret_context(person: &str) -> String {
    format!("second factor\0{person}")
}

fn totp(secret_base32: &str, issuer: &str, account: &str) -> Result<Totp, AccountError> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|_| AccountError::Hash("a stored second-factor secret is unreadable".into()))?;
    // A colon would end the label early in the otpauth URI.
    let clean = |s: &str| s.replace(':', " ");
    Builder::new()
        .with_digits(DIGITS)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .with_issuer(Some(clean(issuer)))
        .with_account_name(clean(account))
        .build()
        .map_err(|e| AccountError::Hash(format!("a second-factor secret cannot be used: {e}")))
}

fn seconds(now: Timestamp) -> u64 {
    u64::try_from(now.as_second()).unwrap_or(0)
}

/// The step a right, unused `code` belongs to at `now`, given the last step
/// already used.
fn accepted_step(
    secret_base32: &str,
    code: &str,
    now: Timestamp,
    last_step: Option<i64>,
) -> Result<Option<i64>, AccountError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let step = totp(secret_base32, "Accord", "check")?
        .check(&code, seconds(now))
        .and_then(|s| i64::try_from(s).ok());
    Ok(step.filter(|s| last_step.is_none_or(|last| *s > last)))
}

macro_rules! second_factor_queries {
    ($begin:literal) => {
        use jiff::Timestamp;
        use serde_json::json;
        use sqlx::Pool;

        use crate::{
            ChangedBy,
            audit::{AuditSubject, Draft},
        };

        /// The person's secret, whether it is confirmed, and the last step used.
        pub(crate) async fn get(
            reader: &Pool<Db>,
            person: &str,
        ) -> Result<Option<(String, Option<String>, Option<i64>)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT secret, confirmed_at, last_step FROM second_factors WHERE person_id = $1",
            )
            .bind(person)
            .fetch_optional(reader)
            .await
        }

        /// Starts (or starts again) an unconfirmed enrolment; `false` if a
        /// confirmed second factor is there, which is kept.
        pub(crate) async fn begin(
            writer: &Pool<Db>,
            person: &str,
            secret: &str,
            now: &str,
        ) -> Result<bool, sqlx::Error> {
            let n = sqlx::query(
                "INSERT INTO second_factors (person_id, secret, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id) DO UPDATE SET secret = excluded.secret, \
                 created_at = excluded.created_at, last_step = NULL \
                 WHERE second_factors.confirmed_at IS NULL",
            )
            .bind(person)
            .bind(secret)
            .bind(now)
            .execute(writer)
            .await?
            .rows_affected();
            Ok(n > 0)
        }

        /// Uses `step` of the confirmed secret `secret` at a sign-in;
        /// `false` if a later or equal step was used first (a replay or a
        /// race) or the secret is no longer the person's (it was reset
        /// meanwhile).
        pub(crate) async fn use_step(
            writer: &Pool<Db>,
            person: &str,
            secret: &str,
            step: i64,
        ) -> Result<bool, sqlx::Error> {
            let n = sqlx::query(
                "UPDATE second_factors SET last_step = $3 \
                 WHERE person_id = $1 AND secret = $2 AND confirmed_at IS NOT NULL \
                 AND (last_step IS NULL OR last_step < $3)",
            )
            .bind(person)
            .bind(secret)
            .bind(step)
            .execute(writer)
            .await?
            .rows_affected();
            Ok(n > 0)
        }

        /// Uses `step` of `secret` to confirm its enrolment, and records
        /// the confirmation, in one transaction; `false` if a later or
        /// equal step was used first or the secret is no longer the
        /// person's (enrolment began again meanwhile).
        pub(crate) async fn confirm(
            writer: &Pool<Db>,
            person: &str,
            secret: &str,
            step: i64,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<bool, sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            let confirmed_before: Option<Option<String>> = sqlx::query_scalar(
                "SELECT confirmed_at FROM second_factors WHERE person_id = $1 AND secret = $2",
            )
            .bind(person)
            .bind(secret)
            .fetch_optional(&mut *tx)
            .await?;
            let n = sqlx::query(
                "UPDATE second_factors SET last_step = $3, \
                 confirmed_at = COALESCE(confirmed_at, $4) \
                 WHERE person_id = $1 AND secret = $2 \
                 AND (last_step IS NULL OR last_step < $3)",
            )
            .bind(person)
            .bind(secret)
            .bind(step)
            .bind(at.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0
                && confirmed_before == Some(None)
                && let Some(partnership) = audit::partnership_of(&mut *tx, person).await?
            {
                let draft = Draft::new(
                    &partnership,
                    AuditSubject::SecondFactor,
                    person,
                    "second_factor.confirmed",
                    json!({"confirmed": false}),
                    json!({"confirmed": true}),
                );
                audit::append(&mut *tx, by, at, &[draft]).await?;
            }
            tx.commit().await?;
            Ok(n > 0)
        }

        /// Removes `person`'s second factor, confirmed or begun, and
        /// records it, in one transaction; `false` if they had none.
        pub(crate) async fn remove(
            writer: &Pool<Db>,
            person: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<bool, sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            let confirmed: Option<Option<String>> =
                sqlx::query_scalar("SELECT confirmed_at FROM second_factors WHERE person_id = $1")
                    .bind(person)
                    .fetch_optional(&mut *tx)
                    .await?;
            let n = sqlx::query("DELETE FROM second_factors WHERE person_id = $1")
                .bind(person)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if let Some(confirmed) = confirmed
                && let Some(partnership) = audit::partnership_of(&mut *tx, person).await?
            {
                let draft = Draft::new(
                    &partnership,
                    AuditSubject::SecondFactor,
                    person,
                    "second_factor.reset",
                    json!({"confirmed": confirmed.is_some()}),
                    serde_json::Value::Null,
                );
                audit::append(&mut *tx, by, at, &[draft]).await?;
            }
            tx.commit().await?;
            Ok(n > 0)
        }

        /// Whether the partnership requires a second factor, and whether
        /// the person has one, in one query.
        pub(crate) async fn standing(
            reader: &Pool<Db>,
            partnership: &str,
            person: &str,
        ) -> Result<(bool, bool), sqlx::Error> {
            sqlx::query_as(
                "SELECT COALESCE((SELECT second_factor_required FROM partnership_settings \
                 WHERE partnership_id = $1), FALSE), EXISTS (SELECT 1 FROM second_factors \
                 WHERE person_id = $2 AND confirmed_at IS NOT NULL)",
            )
            .bind(partnership)
            .bind(person)
            .fetch_one(reader)
            .await
        }

        pub(crate) async fn required(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Option<(bool,)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT second_factor_required FROM partnership_settings WHERE partnership_id = $1",
            )
            .bind(partnership)
            .fetch_optional(reader)
            .await
        }

        /// Sets the partnership's rule, recording it if it changed, in one
        /// transaction.
        pub(crate) async fn set_required(
            writer: &Pool<Db>,
            partnership: &str,
            required: bool,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<(), sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            let before: Option<bool> = sqlx::query_scalar(
                "SELECT second_factor_required FROM partnership_settings WHERE partnership_id = $1",
            )
            .bind(partnership)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO partnership_settings (partnership_id, second_factor_required) \
                 VALUES ($1, $2) ON CONFLICT (partnership_id) DO UPDATE SET \
                 second_factor_required = excluded.second_factor_required",
            )
            .bind(partnership)
            .bind(required)
            .execute(&mut *tx)
            .await?;
            let before = before.unwrap_or(false);
            if before != required {
                let draft = Draft::new(
                    partnership,
                    AuditSubject::Setting,
                    partnership,
                    "setting.second_factor_required",
                    json!({"second_factor_required": before}),
                    json!({"second_factor_required": required}),
                );
                audit::append(&mut *tx, by, at, &[draft]).await?;
            }
            tx.commit().await
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::audit::sqlite as audit;
    // Audited changes take the write lock at once, as appends do.
    second_factor_queries!("BEGIN IMMEDIATE");
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::audit::postgres as audit;
    second_factor_queries!("BEGIN");
}

impl Store {
    /// Whether `partnership` requires a second factor of everyone who
    /// signs in to it.
    pub async fn second_factor_required(&self, partnership: &str) -> Result<bool, StoreError> {
        let row = on_pool!(self, read_pool, pool, m => m::required(pool, partnership).await)?;
        Ok(row.is_some_and(|(required,)| required))
    }

    /// Requires (or stops requiring) a second factor of everyone who signs
    /// in to `partnership`, recorded as set `by` someone at `now`. People
    /// without one are asked to set one up at their next sign-in, before
    /// anything else.
    pub async fn require_second_factor(
        &self,
        partnership: &str,
        required: bool,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<(), AccountError> {
        if !self
            .partnerships()
            .await?
            .iter()
            .any(|p| p.id == partnership)
        {
            return Err(AccountError::NoSuchPartnership {
                partnership: partnership.to_owned(),
            });
        }
        on_pool!(self, write_pool, pool, m =>
            m::set_required(pool, partnership, required, now, by).await)?;
        Ok(())
    }

    /// Whether `person`'s partnership requires a second factor and whether
    /// they have one, read afresh, so a rule switched on (or a second
    /// factor reset) holds at once for sessions and tokens already made.
    pub async fn second_factor_standing(
        &self,
        person: &Person,
    ) -> Result<SecondFactorStanding, StoreError> {
        let (required, enrolled) = on_pool!(self, read_pool, pool, m =>
            m::standing(pool, &person.partnership, person.id.as_str()).await)?;
        Ok(SecondFactorStanding { required, enrolled })
    }

    /// `person`'s second-factor secret as stored (sealed by the master key,
    /// issue 17 §1), opened. The stored form is what the queries compare,
    /// so a secret replaced meanwhile is noticed.
    fn open_secret(&self, person: &PersonId, stored: &str) -> Result<String, StoreError> {
        Ok(self
            .keys
            .open_text(&secret_context(person.as_str()), stored)?)
    }

    /// Whether `person` has a confirmed second factor.
    pub async fn has_second_factor(&self, person: &PersonId) -> Result<bool, StoreError> {
        let row = on_pool!(self, read_pool, pool, m => m::get(pool, person.as_str()).await)?;
        Ok(row.is_some_and(|(_, confirmed, _)| confirmed.is_some()))
    }

    /// Starts setting up a second factor for `person`: a new secret, not
    /// yet in force. Starting again replaces an unconfirmed one. `None` if
    /// they have a confirmed one already, which only an administrator's
    /// reset removes.
    pub async fn begin_second_factor(
        &self,
        person: &Person,
        issuer: &str,
        now: Timestamp,
    ) -> Result<Option<Enrolment>, AccountError> {
        let mut bytes = [0u8; 20];
        getrandom::fill(&mut bytes).map_err(|e| AccountError::Hash(e.to_string()))?;
        let secret = Secret::from(bytes).to_base32();
        let uri = totp(&secret, issuer, &person.sign_in)?
            .to_url()
            .map_err(|e| AccountError::Hash(e.to_string()))?;
        let now = now.to_string();
        let sealed = self
            .keys
            .seal_text(&secret_context(person.id.as_str()), &secret)
            .map_err(StoreError::from)?;
        let begun = on_pool!(self, write_pool, pool, m =>
            m::begin(pool, person.id.as_str(), &sealed, &now).await)?;
        Ok(begun.then_some(Enrolment { secret, uri }))
    }

    /// Confirms `person`'s second factor with a code from their app,
    /// recorded as confirmed `by` someone (normally the person); `false` if
    /// the code is not right now (or enrolment was never begun).
    pub async fn confirm_second_factor(
        &self,
        person: &PersonId,
        code: &str,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, AccountError> {
        let row = on_pool!(self, read_pool, pool, m => m::get(pool, person.as_str()).await)?;
        let Some((secret, _, last)) = row else {
            return Ok(false);
        };
        let Some(step) = accepted_step(&self.open_secret(person, &secret)?, code, now, last)?
        else {
            return Ok(false);
        };
        Ok(on_pool!(self, write_pool, pool, m =>
            m::confirm(pool, person.as_str(), &secret, step, now, by).await)?)
    }

    /// Checks a sign-in's code against `person`'s confirmed second factor.
    pub async fn check_second_factor(
        &self,
        person: &PersonId,
        code: &str,
        now: Timestamp,
    ) -> Result<SecondFactorCheck, AccountError> {
        let row = on_pool!(self, read_pool, pool, m => m::get(pool, person.as_str()).await)?;
        let Some((secret, Some(_), last)) = row else {
            return Ok(SecondFactorCheck::NotEnrolled);
        };
        let Some(step) = accepted_step(&self.open_secret(person, &secret)?, code, now, last)?
        else {
            return Ok(SecondFactorCheck::Refused);
        };
        let used = on_pool!(self, write_pool, pool, m =>
            m::use_step(pool, person.as_str(), &secret, step).await)?;
        Ok(if used {
            SecondFactorCheck::Accepted
        } else {
            SecondFactorCheck::Refused
        })
    }

    /// Removes `sign_in`'s second factor, for someone who has lost their
    /// phone, recorded as removed `by` someone at `now`; `false` if they
    /// had none. They set one up again at their next sign-in where their
    /// partnership requires it.
    pub async fn reset_second_factor(
        &self,
        sign_in: &str,
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
            m::remove(pool, person.id.as_str(), now, by).await)?)
    }
}

/// The code `secret_base32` gives at `now`, as an authenticator app would
/// show it: for tests that play the person's phone.
pub fn code_at(secret_base32: &str, now: Timestamp) -> Result<String, AccountError> {
    Ok(totp(secret_base32, "Accord", "code")?
        .generate(seconds(now))
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> String {
        Secret::from([7u8; 20]).to_base32()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_code_is_good_for_the_steps_either_side_and_once() {
        let now = at("2026-12-01T10:00:15Z");
        let code = code_at(&secret(), now).unwrap();
        assert_eq!(code.len(), 6);
        let step = accepted_step(&secret(), &code, now, None).unwrap().unwrap();
        assert_eq!(step, now.as_second() / 30);
        // Typed with a space, as apps show it.
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(
            accepted_step(&secret(), &spaced, now, None).unwrap(),
            Some(step)
        );
        // Thirty seconds late still counts; ninety does not.
        let late = at("2026-12-01T10:00:45Z");
        assert_eq!(
            accepted_step(&secret(), &code, late, None).unwrap(),
            Some(step)
        );
        let too_late = at("2026-12-01T10:01:45Z");
        assert_eq!(
            accepted_step(&secret(), &code, too_late, None).unwrap(),
            None
        );
        // Once used, never again.
        assert_eq!(
            accepted_step(&secret(), &code, now, Some(step)).unwrap(),
            None
        );
    }

    #[test]
    fn anything_but_six_digits_is_refused() {
        let now = at("2026-12-01T10:00:15Z");
        for code in ["", "12345", "1234567", "12a456", "      "] {
            assert_eq!(
                accepted_step(&secret(), code, now, None).unwrap(),
                None,
                "{code:?}"
            );
        }
    }

    #[test]
    fn the_uri_is_one_an_authenticator_app_reads() {
        let uri = totp(&secret(), "Accord: Havering", "hav-police-manager")
            .unwrap()
            .to_url()
            .unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains(&format!("secret={}", secret())), "{uri}");
        assert!(uri.contains("hav-police-manager"), "{uri}");
    }

    #[test]
    fn an_enrolment_never_shows_its_secret_in_debug() {
        let e = Enrolment {
            secret: secret(),
            uri: "otpauth://x".into(),
        };
        assert!(!format!("{e:?}").contains(&secret()));
    }
}
