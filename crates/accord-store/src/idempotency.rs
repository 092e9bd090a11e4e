//! Idempotency keys (migration `0009_idempotency_keys.sql`): the first
//! answer to a POST sent with an `Idempotency-Key`, kept for a day so that a
//! client's retry of the same request is answered the same, and does not
//! raise a second case or record a discussion twice (issue 11).
//!
//! A key is claimed before the request is answered ([`Store::claim_idempotency_key`]),
//! in one statement, so two copies of a request sent together cannot both
//! be answered: the second finds the claim and is told to wait.

use jiff::{SignedDuration, Timestamp};

use crate::{Store, StoreError};

/// How long a key's answer is kept: a day, longer than any client retries.
pub const IDEMPOTENCY_KEPT_FOR: SignedDuration = SignedDuration::from_hours(24);

/// How long a claim with no answer yet holds: a request that has not been
/// answered in this time died with its server, and a retry may take it.
pub const IDEMPOTENCY_CLAIM_HOLDS: SignedDuration = SignedDuration::from_mins(2);

/// What a key held when a request claimed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is new (or its claim was abandoned): answer the request,
    /// then [`Store::answer_idempotency_key`] or
    /// [`Store::release_idempotency_key`].
    Claimed,
    /// The same request was answered before: answer it the same.
    Answered {
        /// The status it was answered with.
        status: u16,
        /// The answer's `Content-Type`.
        content_type: Option<String>,
        /// The answer's body.
        body: Vec<u8>,
    },
    /// The same request is being answered now.
    InFlight,
    /// The key was used for a different request.
    Mismatch,
}

macro_rules! idempotency_queries {
    () => {
        use sqlx::Pool;

        /// Inserts the claim unless the key is held; replaces an abandoned
        /// one. Returns whether this request holds it now.
        pub(crate) async fn claim(
            writer: &Pool<Db>,
            credential: &str,
            key: &str,
            request: &str,
            at_us: i64,
            abandoned_before_us: i64,
        ) -> Result<bool, sqlx::Error> {
            let claimed = sqlx::query(
                "INSERT INTO idempotency_keys (credential_hash, idempotency_key, request_hash, \
                 created_at_us) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (credential_hash, idempotency_key) DO UPDATE SET \
                 request_hash = excluded.request_hash, created_at_us = excluded.created_at_us \
                 WHERE idempotency_keys.status IS NULL \
                 AND idempotency_keys.created_at_us < $5",
            )
            .bind(credential)
            .bind(key)
            .bind(request)
            .bind(at_us)
            .bind(abandoned_before_us)
            .execute(writer)
            .await?
            .rows_affected();
            Ok(claimed > 0)
        }

        pub(crate) async fn held(
            writer: &Pool<Db>,
            credential: &str,
            key: &str,
        ) -> Result<Option<(String, Option<i64>, Option<String>, Option<Vec<u8>>)>, sqlx::Error>
        {
            sqlx::query_as(
                "SELECT request_hash, status, content_type, body FROM idempotency_keys \
                 WHERE credential_hash = $1 AND idempotency_key = $2",
            )
            .bind(credential)
            .bind(key)
            .fetch_optional(writer)
            .await
        }

        pub(crate) async fn answer(
            writer: &Pool<Db>,
            credential: &str,
            key: &str,
            status: i64,
            content_type: Option<&str>,
            body: &[u8],
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5 \
                 WHERE credential_hash = $1 AND idempotency_key = $2",
            )
            .bind(credential)
            .bind(key)
            .bind(status)
            .bind(content_type)
            .bind(body)
            .execute(writer)
            .await?;
            Ok(())
        }

        pub(crate) async fn release(
            writer: &Pool<Db>,
            credential: &str,
            key: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "DELETE FROM idempotency_keys WHERE credential_hash = $1 \
                 AND idempotency_key = $2 AND status IS NULL",
            )
            .bind(credential)
            .bind(key)
            .execute(writer)
            .await?;
            Ok(())
        }

        pub(crate) async fn delete_before(
            writer: &Pool<Db>,
            before_us: i64,
        ) -> Result<u64, sqlx::Error> {
            Ok(
                sqlx::query("DELETE FROM idempotency_keys WHERE created_at_us < $1")
                    .bind(before_us)
                    .execute(writer)
                    .await?
                    .rows_affected(),
            )
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    idempotency_queries!();
}

mod postgres {
    type Db = sqlx::Postgres;
    idempotency_queries!();
}

/// What a kept answer is sealed for: the credential and key it answers.
fn answer_context(credential: &str, key: &str) -> String {
    format!("idempotent answer\0{credential}\0{key}")
}

impl Store {
    /// Claims `key` for the request whose hash is `request`, sent with the
    /// credential whose hash is `credential`, at `now`; or says what the
    /// key already holds.
    pub async fn claim_idempotency_key(
        &self,
        credential: &str,
        key: &str,
        request: &str,
        now: Timestamp,
    ) -> Result<IdempotencyClaim, StoreError> {
        let at = now.as_microsecond();
        let abandoned = at - IDEMPOTENCY_CLAIM_HOLDS.as_micros() as i64;
        if on_pool!(self, write_pool, pool, m =>
            m::claim(pool, credential, key, request, at, abandoned).await)?
        {
            return Ok(IdempotencyClaim::Claimed);
        }
        // Read on the writer, so the claim just refused is seen.
        let held = on_pool!(self, write_pool, pool, m => m::held(pool, credential, key).await)?;
        Ok(match held {
            // Released between the two statements: this request may retry.
            None => IdempotencyClaim::InFlight,
            Some((hash, _, _, _)) if hash != request => IdempotencyClaim::Mismatch,
            Some((_, None, _, _)) => IdempotencyClaim::InFlight,
            Some((_, Some(status), content_type, body)) => IdempotencyClaim::Answered {
                status: u16::try_from(status).map_err(|_| StoreError::Damaged {
                    case: "(idempotency keys)".into(),
                    reason: format!("a kept answer has the status {status}"),
                })?,
                content_type,
                body: self
                    .keys
                    .master()
                    .unwrap(&answer_context(credential, key), &body.unwrap_or_default())?
                    .to_vec(),
            },
        })
    }

    /// Keeps the answer to the request that claimed `key`.
    pub async fn answer_idempotency_key(
        &self,
        credential: &str,
        key: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), StoreError> {
        // The answer is a case as its raiser sees it, child and all: kept
        // sealed by the master key (issue 17).
        let sealed = self
            .keys
            .master()
            .wrap(&answer_context(credential, key), body)?;
        Ok(on_pool!(self, write_pool, pool, m =>
            m::answer(pool, credential, key, i64::from(status), content_type, &sealed).await)?)
    }

    /// Gives up the claim on `key`: the request changed nothing (it was
    /// refused, or failed), so a retry is answered afresh.
    pub async fn release_idempotency_key(
        &self,
        credential: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        Ok(on_pool!(self, write_pool, pool, m => m::release(pool, credential, key).await)?)
    }

    /// Removes the keys older than [`IDEMPOTENCY_KEPT_FOR`] at `now`, and
    /// says how many went.
    pub async fn prune_idempotency_keys(&self, now: Timestamp) -> Result<u64, StoreError> {
        let before = now.as_microsecond() - IDEMPOTENCY_KEPT_FOR.as_micros() as i64;
        Ok(on_pool!(self, write_pool, pool, m => m::delete_before(pool, before).await)?)
    }
}
