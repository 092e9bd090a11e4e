//! Learning follow-ups (issue 15 §2, migration `0018_learning_log.sql`):
//! the actions agreed to follow up learning, each with an owner and a due
//! date, as a projection kept with the case's register row, so that My work,
//! the calendar feed and the overdue reminder find someone's follow-ups
//! without reading every case. The words (what is to be done, what was
//! learned) stay in the events.
//!
//! An overdue follow-up is reminded once: the reminder's row and its
//! deliveries are written in one transaction ([`Store::remind_follow_up`]),
//! apart from the projection, which a rebuild rewrites.

use accord_case::{Case, CaseId, PersonId, Sequence};
use jiff::{Timestamp, civil::Date};

use crate::{NewDelivery, Store, StoreError, projection::to_i64};

/// A learning follow-up as the projection keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpEntry {
    /// The case whose learning it follows up.
    pub case: CaseId,
    /// Its event: the way to name it.
    pub follow_up: Sequence,
    /// The learning's event.
    pub learning: Sequence,
    /// Who will do it.
    pub owner: PersonId,
    /// The last day it is due on.
    pub due_on: Date,
    /// When it was agreed.
    pub agreed_at: Timestamp,
    /// When it was done; `None` while it is not.
    pub done_at: Option<Timestamp>,
}

/// A follow-up row as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct FollowUpRow {
    pub case_id: String,
    pub follow_up_seq: i64,
    pub learning_seq: i64,
    pub owner: String,
    pub due_on: String,
    pub agreed_at_us: i64,
    pub done_at_us: Option<i64>,
}

/// The follow-up rows `case` leaves.
pub(crate) fn rows(case: &Case) -> Vec<FollowUpRow> {
    case.learning()
        .iter()
        .flat_map(|l| l.follow_ups.iter().map(move |f| (l, f)))
        .map(|(l, f)| FollowUpRow {
            case_id: case.id().to_string(),
            follow_up_seq: to_i64(f.sequence.get()),
            learning_seq: to_i64(l.sequence.get()),
            owner: f.details.who.to_string(),
            due_on: f.details.by_when.to_string(),
            agreed_at_us: f.agreed_at.as_microsecond(),
            done_at_us: f.completed.as_ref().map(|c| c.at.as_microsecond()),
        })
        .collect()
}

impl TryFrom<FollowUpRow> for FollowUpEntry {
    type Error = StoreError;

    fn try_from(r: FollowUpRow) -> Result<Self, StoreError> {
        let damaged = |what: &str| StoreError::Damaged {
            case: r.case_id.clone(),
            reason: format!("a learning follow-up's {what} is not valid"),
        };
        let seq = |n: i64| {
            u64::try_from(n)
                .ok()
                .and_then(|n| Sequence::new(n).ok())
                .ok_or_else(|| damaged("event number"))
        };
        Ok(FollowUpEntry {
            case: CaseId::parse(&r.case_id).map_err(|_| damaged("case id"))?,
            follow_up: seq(r.follow_up_seq)?,
            learning: seq(r.learning_seq)?,
            owner: PersonId::parse(&r.owner).map_err(|_| damaged("owner"))?,
            due_on: r.due_on.parse().map_err(|_| damaged("due date"))?,
            agreed_at: Timestamp::from_microsecond(r.agreed_at_us)
                .map_err(|_| damaged("agreement time"))?,
            done_at: r
                .done_at_us
                .map(Timestamp::from_microsecond)
                .transpose()
                .map_err(|_| damaged("completion time"))?,
        })
    }
}

const COLUMNS: &str =
    "f.case_id, f.follow_up_seq, f.learning_seq, f.owner, f.due_on, f.agreed_at_us, f.done_at_us";

/// Clears a case's follow-ups before the append writes them afresh.
pub(crate) const DELETE_OF_CASE: &str = "DELETE FROM follow_ups WHERE case_id = $1";
/// Writes one follow-up row of a case.
pub(crate) const INSERT: &str = "INSERT INTO follow_ups (case_id, follow_up_seq, learning_seq, \
     owner, due_on, agreed_at_us, done_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7)";

macro_rules! follow_up_queries {
    () => {
        use sqlx::{Pool, Transaction};

        use super::{COLUMNS, FollowUpRow};
        use crate::NewDelivery;

        /// Replaces the follow-up rows of `case_id` within the append's
        /// transaction.
        pub(crate) async fn write(
            tx: &mut Transaction<'static, Db>,
            case_id: &str,
            rows: &[FollowUpRow],
        ) -> Result<(), sqlx::Error> {
            sqlx::query(super::DELETE_OF_CASE)
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
            for r in rows {
                sqlx::query(super::INSERT)
                    .bind(&r.case_id)
                    .bind(r.follow_up_seq)
                    .bind(r.learning_seq)
                    .bind(&r.owner)
                    .bind(&r.due_on)
                    .bind(r.agreed_at_us)
                    .bind(r.done_at_us)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        pub(super) async fn open_of(
            reader: &Pool<Db>,
            person: &str,
        ) -> Result<Vec<FollowUpRow>, sqlx::Error> {
            let sql = format!(
                "SELECT {COLUMNS} FROM follow_ups f WHERE f.owner = $1 \
                 AND f.done_at_us IS NULL ORDER BY f.due_on, f.case_id, f.follow_up_seq"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(person)
                .fetch_all(reader)
                .await
        }

        pub(super) async fn unreminded_overdue(
            reader: &Pool<Db>,
            before: &str,
            limit: i64,
        ) -> Result<Vec<FollowUpRow>, sqlx::Error> {
            let sql = format!(
                "SELECT {COLUMNS} FROM follow_ups f WHERE f.done_at_us IS NULL \
                 AND f.due_on < $1 AND NOT EXISTS (SELECT 1 FROM follow_up_reminders r \
                 WHERE r.case_id = f.case_id AND r.follow_up_seq = f.follow_up_seq) \
                 ORDER BY f.due_on, f.case_id, f.follow_up_seq LIMIT $2"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(before)
                .bind(limit)
                .fetch_all(reader)
                .await
        }

        pub(super) async fn remind(
            writer: &Pool<Db>,
            case_id: &str,
            follow_up_seq: i64,
            deliveries: &[NewDelivery],
            now_us: i64,
        ) -> Result<bool, sqlx::Error> {
            let mut tx = begin_write(writer).await?;
            let fresh = sqlx::query(
                "INSERT INTO follow_up_reminders (case_id, follow_up_seq, sent_at_us) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(case_id)
            .bind(follow_up_seq)
            .bind(now_us)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if fresh {
                insert_deliveries(&mut tx, deliveries, now_us).await?;
            }
            tx.commit().await?;
            Ok(fresh)
        }
    };
}

// Each backend's queries, beginning writes and writing deliveries as the
// delivery module does.
pub(crate) mod sqlite {
    use crate::delivery::sqlite::{begin_write, insert_all as insert_deliveries};
    type Db = sqlx::Sqlite;
    follow_up_queries!();
}

pub(crate) mod postgres {
    use crate::delivery::postgres::{begin_write, insert_all as insert_deliveries};
    type Db = sqlx::Postgres;
    follow_up_queries!();
}

fn entries(rows: Vec<FollowUpRow>) -> Result<Vec<FollowUpEntry>, StoreError> {
    rows.into_iter().map(FollowUpEntry::try_from).collect()
}

impl Store {
    /// The learning follow-ups `person` owns that are not done, soonest
    /// due first: for My work and their calendar feed.
    pub async fn open_follow_ups_of(
        &self,
        person: &PersonId,
    ) -> Result<Vec<FollowUpEntry>, StoreError> {
        entries(on_pool!(self, read_pool, pool, m =>
            m::open_of(pool, person.as_str()).await)?)
    }

    /// Up to `limit` follow-ups not done whose last day is before `today`
    /// and whose overdue reminder has not been sent, soonest due first.
    pub async fn unreminded_overdue_follow_ups(
        &self,
        today: Date,
        limit: u32,
    ) -> Result<Vec<FollowUpEntry>, StoreError> {
        let today = today.to_string();
        entries(on_pool!(self, read_pool, pool, m =>
            m::unreminded_overdue(pool, &today, i64::from(limit)).await)?)
    }

    /// Records the overdue reminder of `follow_up` and writes its
    /// deliveries, in one transaction; `false` (and nothing written) if it
    /// had already been sent.
    pub async fn remind_follow_up(
        &self,
        follow_up: &FollowUpEntry,
        deliveries: &[NewDelivery],
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let case = follow_up.case.as_str();
        let seq = to_i64(follow_up.follow_up.get());
        Ok(on_pool!(self, write_pool, pool, m =>
            m::remind(pool, case, seq, deliveries, now.as_microsecond()).await)?)
    }
}
