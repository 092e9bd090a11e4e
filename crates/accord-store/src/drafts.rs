//! Disagreements being raised in the browser (migration
//! `0006_raise_drafts.sql`): each person's answers so far, kept between the
//! question pages so that nothing typed is lost, and gone once the case is
//! raised, when they start again, or after [`DRAFT_KEPT_FOR`].
//!
//! A draft is a list of the form's names and values, as the pages posted
//! them; the store does not read it. It holds a child's details before they
//! are on any case, so it is kept no longer than it is useful.

use accord_case::PersonId;
use jiff::{SignedDuration, Timestamp};

use crate::{Store, StoreError};

/// How long an untouched draft is kept: 30 days.
pub const DRAFT_KEPT_FOR: SignedDuration = SignedDuration::from_hours(30 * 24);

macro_rules! draft_queries {
    () => {
        use sqlx::Pool;

        pub(crate) async fn get(
            reader: &Pool<Db>,
            person: &str,
        ) -> Result<Option<(String,)>, sqlx::Error> {
            sqlx::query_as("SELECT answers FROM raise_drafts WHERE person_id = $1")
                .bind(person)
                .fetch_optional(reader)
                .await
        }

        pub(crate) async fn put(
            writer: &Pool<Db>,
            person: &str,
            answers: &str,
            at_us: i64,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO raise_drafts (person_id, answers, updated_at_us) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id) DO UPDATE SET answers = excluded.answers, \
                 updated_at_us = excluded.updated_at_us",
            )
            .bind(person)
            .bind(answers)
            .bind(at_us)
            .execute(writer)
            .await?;
            Ok(())
        }

        pub(crate) async fn delete(writer: &Pool<Db>, person: &str) -> Result<(), sqlx::Error> {
            sqlx::query("DELETE FROM raise_drafts WHERE person_id = $1")
                .bind(person)
                .execute(writer)
                .await?;
            Ok(())
        }

        pub(crate) async fn delete_before(
            writer: &Pool<Db>,
            before_us: i64,
        ) -> Result<u64, sqlx::Error> {
            Ok(
                sqlx::query("DELETE FROM raise_drafts WHERE updated_at_us < $1")
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
    draft_queries!();
}

mod postgres {
    type Db = sqlx::Postgres;
    draft_queries!();
}

/// What `person`'s draft is sealed for: it opens for them alone.
pub(crate) fn draft_context(person: &str) -> String {
    format!("raise draft\0{person}")
}

impl Store {
    /// `person`'s draft, as the names and values saved.
    pub async fn raise_draft(
        &self,
        person: &PersonId,
    ) -> Result<Option<Vec<(String, String)>>, StoreError> {
        let row = on_pool!(self, read_pool, pool, m => m::get(pool, person.as_str()).await)?;
        row.map(|(sealed,)| {
            let json = self
                .keys
                .open_text(&draft_context(person.as_str()), &sealed)?;
            serde_json::from_str(&json).map_err(|_| StoreError::Damaged {
                case: "(raise draft)".into(),
                reason: "a saved draft is not a list of names and values".into(),
            })
        })
        .transpose()
    }

    /// Saves `answers` as `person`'s draft at `at`, in place of any before.
    pub async fn save_raise_draft(
        &self,
        person: &PersonId,
        answers: &[(String, String)],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(answers).expect("names and values serialise");
        // A draft names the child: sealed by the master key (issue 17).
        let sealed = self
            .keys
            .seal_text(&draft_context(person.as_str()), &json)?;
        Ok(on_pool!(self, write_pool, pool, m =>
            m::put(pool, person.as_str(), &sealed, at.as_microsecond()).await)?)
    }

    /// Removes `person`'s draft, if there is one.
    pub async fn discard_raise_draft(&self, person: &PersonId) -> Result<(), StoreError> {
        Ok(on_pool!(self, write_pool, pool, m => m::delete(pool, person.as_str()).await)?)
    }

    /// Removes the drafts untouched for [`DRAFT_KEPT_FOR`] at `now`, and
    /// says how many went.
    pub async fn prune_raise_drafts(&self, now: Timestamp) -> Result<u64, StoreError> {
        let before = now.as_microsecond() - DRAFT_KEPT_FOR.as_micros() as i64;
        Ok(on_pool!(self, write_pool, pool, m => m::delete_before(pool, before).await)?)
    }
}
