//! The reports a partnership issued to its board (issue 15 §3, migration
//! `0017_board_reports.sql`): "Keep every issued report, as issued, with
//! who issued it and when."
//!
//! The store keeps what the web layer made: the period, the business
//! manager's narrative and the content as shown (JSON the store does not
//! read), numbered from 1 in each partnership. Issuing one writes its entry
//! in the directory audit in the same transaction, as every administrative
//! change does; the database refuses any change to a report once issued.

use jiff::{Timestamp, civil::Date};

use crate::{ChangedBy, Store, StoreError};

/// A report to issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBoardReport<'a> {
    /// The partnership issuing it.
    pub partnership: &'a str,
    /// Its period's first day.
    pub from: Date,
    /// Its period's last day, included.
    pub to: Date,
    /// The business manager's narrative, as typed.
    pub narrative: &'a str,
    /// What it shows, as JSON, exactly as it is to be shown for good.
    pub content: &'a str,
}

/// A report as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardReport {
    /// The partnership that issued it.
    pub partnership: String,
    /// Its number in that partnership, from 1.
    pub number: u32,
    /// Its period's first day.
    pub from: Date,
    /// Its period's last day, included.
    pub to: Date,
    /// The business manager's narrative, as typed.
    pub narrative: String,
    /// What it shows, as JSON.
    pub content: String,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// Who issued it: a person's id, or a tool's name.
    pub issued_by: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    partnership_id: String,
    number: i64,
    period_from: String,
    period_to: String,
    narrative: String,
    content: String,
    issued_at_us: i64,
    issued_by: String,
}

impl Row {
    fn report(self) -> Result<BoardReport, StoreError> {
        let damaged = |reason: String| StoreError::Damaged {
            case: format!("board report {} of {}", self.number, self.partnership_id),
            reason,
        };
        let date = |s: &str| {
            s.parse::<Date>()
                .map_err(|e| damaged(format!("its period: {e}")))
        };
        Ok(BoardReport {
            number: u32::try_from(self.number).map_err(|e| damaged(e.to_string()))?,
            from: date(&self.period_from)?,
            to: date(&self.period_to)?,
            issued_at: Timestamp::from_microsecond(self.issued_at_us)
                .map_err(|e| damaged(e.to_string()))?,
            partnership: self.partnership_id,
            narrative: self.narrative,
            content: self.content,
            issued_by: self.issued_by,
        })
    }
}

macro_rules! report_queries {
    ($begin:literal, $lock:literal) => {
        use jiff::Timestamp;
        use serde_json::json;
        use sqlx::Pool;

        use super::{NewBoardReport, Row};
        use crate::audit::{AuditSubject, Draft};
        use crate::ChangedBy;

        pub(crate) async fn all(reader: &Pool<Db>, partnership: &str) -> Result<Vec<Row>, sqlx::Error> {
            sqlx::query_as(
                "SELECT partnership_id, number, period_from, period_to, narrative, content, \
                 issued_at_us, issued_by FROM board_reports WHERE partnership_id = $1 \
                 ORDER BY number DESC",
            )
            .bind(partnership)
            .fetch_all(reader)
            .await
        }

        pub(crate) async fn one(
            reader: &Pool<Db>,
            partnership: &str,
            number: i64,
        ) -> Result<Option<Row>, sqlx::Error> {
            sqlx::query_as(
                "SELECT partnership_id, number, period_from, period_to, narrative, content, \
                 issued_at_us, issued_by FROM board_reports \
                 WHERE partnership_id = $1 AND number = $2",
            )
            .bind(partnership)
            .bind(number)
            .fetch_optional(reader)
            .await
        }

        /// Issues the report with the partnership's next number, and
        /// records it in the directory audit, in one transaction.
        pub(crate) async fn issue(
            writer: &Pool<Db>,
            report: &NewBoardReport<'_>,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<i64, sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            // Two reports issued at once take their numbers in turn.
            sqlx::query($lock)
                .bind(report.partnership)
                .execute(&mut *tx)
                .await?;
            let (number,): (i64,) = sqlx::query_as(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM board_reports WHERE partnership_id = $1",
            )
            .bind(report.partnership)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO board_reports (partnership_id, number, period_from, period_to, \
                 narrative, content, issued_at_us, issued_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(report.partnership)
            .bind(number)
            .bind(report.from.to_string())
            .bind(report.to.to_string())
            .bind(report.narrative)
            .bind(report.content)
            .bind(at.as_microsecond())
            .bind(by.id())
            .execute(&mut *tx)
            .await?;
            let draft = Draft::new(
                report.partnership,
                AuditSubject::Partnership,
                report.partnership,
                "report.issued",
                json!(null),
                json!({
                    "report": number,
                    "from": report.from.to_string(),
                    "to": report.to.to_string(),
                }),
            );
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await?;
            Ok(number)
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::audit::sqlite as audit;
    // Audited changes take the write lock at once, as appends do.
    report_queries!(
        "BEGIN IMMEDIATE",
        "SELECT id FROM partnerships WHERE id = $1"
    );
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::audit::postgres as audit;
    report_queries!(
        "BEGIN",
        "SELECT id FROM partnerships WHERE id = $1 FOR UPDATE"
    );
}

impl Store {
    /// Issues `report` at `now`, as `by`, with the partnership's next
    /// number, which it answers; the directory audit records it in the same
    /// transaction.
    pub async fn issue_board_report(
        &self,
        report: &NewBoardReport<'_>,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<u32, StoreError> {
        let number = on_pool!(self, write_pool, pool, m => m::issue(pool, report, now, by).await)?;
        u32::try_from(number).map_err(|e| StoreError::Damaged {
            case: format!("board report {number} of {}", report.partnership),
            reason: e.to_string(),
        })
    }

    /// Every report `partnership` issued, newest first.
    pub async fn board_reports(&self, partnership: &str) -> Result<Vec<BoardReport>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m => m::all(pool, partnership).await)?;
        rows.into_iter().map(Row::report).collect()
    }

    /// Report `number` of `partnership`, as issued.
    pub async fn board_report(
        &self,
        partnership: &str,
        number: u32,
    ) -> Result<Option<BoardReport>, StoreError> {
        let row = on_pool!(self, read_pool, pool, m =>
            m::one(pool, partnership, i64::from(number)).await)?;
        row.map(Row::report).transpose()
    }
}
