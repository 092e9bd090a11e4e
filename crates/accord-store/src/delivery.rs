//! Delivering what the policy says people must hear (migration
//! `0007_deliveries.sql`): each notification in the outbox and each
//! reminder before a deadline becomes one delivery per person and channel
//! (in the app, and by email where they have an address), and email
//! deliveries are claimed, sent and marked here.
//!
//! The guarantees, each held by the database rather than by one process:
//! - A notification's deliveries are written, and its outbox row marked
//!   done, in one transaction ([`Store::deliver_notification`]); a reminder's
//!   with the row that says it was sent ([`Store::send_reminder`]).
//! - Every delivery has a unique key, so two job runners resolving the same
//!   notification write its deliveries once.
//! - An email is claimed before it is sent ([`Store::claim_emails`]): one
//!   statement moves it to `sending` with a lease, skipping rows another
//!   runner holds (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the
//!   one writer serialises claims). It is marked sent only after the SMTP
//!   server accepts it. If the process dies between the two, the lease runs
//!   out and it is sent again with the same Message-ID (its key), which
//!   the receiving mail system uses to recognise the repeat.

use std::fmt;

use accord_case::{CaseId, PersonId};
use accord_policy::FormId;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use crate::{DeadlineEntry, OutboxEntry, Store, StoreError, projection::DeadlineRow};

/// How a delivery reaches its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The notifications list in the web application.
    InApp,
    /// Email, by SMTP.
    Email,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
        }
    }

    fn parse(s: &str) -> Option<Channel> {
        match s {
            "in_app" => Some(Channel::InApp),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Claimed by a job runner, which is sending it.
    Sending,
    /// Delivered: shown in the app, or accepted by the SMTP server.
    Sent,
    /// Given up on: an administrator must look at it.
    Failed,
    /// Never sent, and never to be: a newer email replaced it before it
    /// went (an invitation or reset link sent again; see
    /// `account_links.rs`).
    Withdrawn,
}

impl DeliveryStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Withdrawn => "withdrawn",
        }
    }

    fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "sending" => Some(DeliveryStatus::Sending),
            "sent" => Some(DeliveryStatus::Sent),
            "failed" => Some(DeliveryStatus::Failed),
            "withdrawn" => Some(DeliveryStatus::Withdrawn),
            _ => None,
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A delivery to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// Unique per message, person and channel; see [`delivery_key`].
    pub key: String,
    /// The case it is about.
    pub case: CaseId,
    /// Its reader.
    pub person: PersonId,
    /// How it reaches them.
    pub channel: Channel,
    /// Their email address for email, empty in the app.
    pub address: String,
    /// The subject line.
    pub subject: String,
    /// The message, as plain text.
    pub body: String,
    /// What caused it: a notification's occasion, or `reminder`.
    pub occasion: String,
    /// The app's words for it, made from the same facts as `subject` and
    /// `body` (which are the email's).
    pub notice: Notice,
}

/// A notification in the app's words: a line a person acts on, not an
/// email. Made by the job runner (`accord_jobs::message`) from the facts
/// of the notification or reminder, never by editing the email's text.
/// Like the email, it names the case by its reference only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notice {
    /// What happened, as one sentence naming the case by its reference.
    pub happened: String,
    /// What the policy says beside it, when it asks nothing of the
    /// reader; empty otherwise.
    pub detail: String,
    /// What the reader needs to do, when there is something.
    pub todo: Option<String>,
    /// By when, when there is something to do by a time.
    pub by_when: Option<String>,
}

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its row id.
    pub id: i64,
    /// Its unique key, also the email's Message-ID.
    pub key: String,
    /// The case it is about; `None` for an email about the reader's own
    /// account (an invitation or a password reset: see
    /// `account_links.rs`).
    pub case: Option<CaseId>,
    /// Its reader.
    pub person: PersonId,
    /// How it reaches them.
    pub channel: Channel,
    /// Their email address for email, empty in the app.
    pub address: String,
    /// The subject line.
    pub subject: String,
    /// The message.
    pub body: String,
    /// What caused it.
    pub occasion: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// How many times sending has been tried (counting one in progress).
    pub attempts: u32,
    /// When it is next tried, while pending.
    pub next_attempt_at: Timestamp,
    /// When it was delivered.
    pub sent_at: Option<Timestamp>,
    /// Why the last attempt failed, as the mail server said.
    pub last_error: Option<String>,
    /// The app's words for it; `None` for one written before Accord kept
    /// them (migration 0014), or an email about an account.
    pub notice: Option<Notice>,
    /// When its reader marked it read in the app; `None` while unread.
    pub read_at: Option<Timestamp>,
}

/// The key of the delivery of message `source` (a notification's
/// idempotency key, or a reminder's) to `person` by `channel`: stable, so
/// the same delivery written twice is one row.
pub fn delivery_key(source: &str, person: &PersonId, channel: Channel) -> String {
    let digest = Sha256::digest(format!("{source}\n{person}\n{}", channel.as_str()));
    hex::encode(&digest[..16])
}

/// The source key of the reminder before one deadline.
pub fn reminder_key(case: &CaseId, form: Option<&FormId>, due: Timestamp) -> String {
    let form = form.map_or("", |f| f.as_str());
    let digest = Sha256::digest(format!(
        "reminder\n{case}\n{form}\n{}",
        due.as_microsecond()
    ));
    hex::encode(digest)
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    key: String,
    case_id: String,
    person_id: String,
    channel: String,
    address: String,
    subject: String,
    body: String,
    occasion: String,
    created_at_us: i64,
    status: String,
    attempts: i64,
    next_attempt_at_us: i64,
    sent_at_us: Option<i64>,
    last_error: Option<String>,
    happened: String,
    detail: String,
    todo: String,
    by_when: String,
    read_at_us: Option<i64>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;
    fn try_from(r: DeliveryRow) -> Result<Delivery, StoreError> {
        let bad = |what: &str| StoreError::Damaged {
            case: r.case_id.clone(),
            reason: format!("delivery {} has an unreadable {what}", r.id),
        };
        let time = |us: i64, what: &str| Timestamp::from_microsecond(us).map_err(|_| bad(what));
        Ok(Delivery {
            id: r.id,
            case: if r.case_id.is_empty() {
                None
            } else {
                Some(CaseId::parse(&r.case_id).map_err(|_| bad("case id"))?)
            },
            person: PersonId::parse(&r.person_id).map_err(|_| bad("person"))?,
            channel: Channel::parse(&r.channel).ok_or_else(|| bad("channel"))?,
            status: DeliveryStatus::parse(&r.status).ok_or_else(|| bad("status"))?,
            attempts: u32::try_from(r.attempts).map_err(|_| bad("attempt count"))?,
            created_at: time(r.created_at_us, "creation time")?,
            next_attempt_at: time(r.next_attempt_at_us, "next attempt time")?,
            sent_at: r
                .sent_at_us
                .map(|us| time(us, "sending time"))
                .transpose()?,
            read_at: r
                .read_at_us
                .map(|us| time(us, "reading time"))
                .transpose()?,
            notice: (!r.happened.is_empty()).then(|| Notice {
                happened: r.happened,
                detail: r.detail,
                todo: Some(r.todo).filter(|t| !t.is_empty()),
                by_when: Some(r.by_when).filter(|t| !t.is_empty()),
            }),
            key: r.key,
            address: r.address,
            subject: r.subject,
            body: r.body,
            occasion: r.occasion,
            last_error: r.last_error,
        })
    }
}

const COLUMNS: &str = "id, key, case_id, person_id, channel, address, subject, body, occasion, \
    created_at_us, status, attempts, next_attempt_at_us, sent_at_us, last_error, happened, detail, \
    todo, by_when, read_at_us";

macro_rules! delivery_queries {
    () => {
        use sqlx::{Pool, Transaction};

        use super::{COLUMNS, DeliveryRow, NewDelivery};
        use crate::projection::DeadlineRow;

        pub(crate) async fn insert_all(
            tx: &mut Transaction<'static, Db>,
            deliveries: &[NewDelivery],
            now_us: i64,
        ) -> Result<(), sqlx::Error> {
            for d in deliveries {
                // In the app a delivery is done once it is written.
                let (status, sent_at) = match d.channel {
                    super::Channel::InApp => ("sent", Some(now_us)),
                    super::Channel::Email => ("pending", None),
                };
                sqlx::query(
                    "INSERT INTO deliveries (key, case_id, person_id, channel, address, subject, \
                     body, occasion, created_at_us, status, next_attempt_at_us, sent_at_us, \
                     happened, detail, todo, by_when) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $11, $12, $13, $14, $15) \
                     ON CONFLICT (key) DO NOTHING",
                )
                .bind(&d.key)
                .bind(d.case.as_str())
                .bind(d.person.as_str())
                .bind(d.channel.as_str())
                .bind(&d.address)
                .bind(&d.subject)
                .bind(&d.body)
                .bind(&d.occasion)
                .bind(now_us)
                .bind(status)
                .bind(sent_at)
                .bind(&d.notice.happened)
                .bind(&d.notice.detail)
                .bind(d.notice.todo.as_deref().unwrap_or(""))
                .bind(d.notice.by_when.as_deref().unwrap_or(""))
                .execute(&mut **tx)
                .await?;
            }
            Ok(())
        }

        pub(super) async fn deliver_notification(
            writer: &Pool<Db>,
            global_seq: i64,
            deliveries: &[NewDelivery],
            now_us: i64,
            addressed: bool,
        ) -> Result<(), sqlx::Error> {
            let mut tx = begin_write(writer).await?;
            insert_all(&mut tx, deliveries, now_us).await?;
            // Nobody to tell is kept in sight: administrators see it, and
            // each pass tries again in case someone now holds the role.
            let status = if deliveries.is_empty() && !addressed {
                "unaddressed"
            } else {
                "resolved"
            };
            sqlx::query("UPDATE outbox SET status = $2 WHERE global_seq = $1")
                .bind(global_seq)
                .bind(status)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }

        pub(super) async fn send_reminder(
            writer: &Pool<Db>,
            deadline: &DeadlineRow,
            deliveries: &[NewDelivery],
            now_us: i64,
        ) -> Result<bool, sqlx::Error> {
            let mut tx = begin_write(writer).await?;
            let fresh = sqlx::query(
                "INSERT INTO reminders (case_id, form, due_at_us, sent_at_us) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(&deadline.case_id)
            .bind(&deadline.form)
            .bind(deadline.due_at_us)
            .bind(now_us)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if fresh {
                insert_all(&mut tx, deliveries, now_us).await?;
            }
            tx.commit().await?;
            Ok(fresh)
        }

        pub(super) async fn unreminded(
            reader: &Pool<Db>,
            until_us: i64,
            limit: i64,
        ) -> Result<Vec<DeadlineRow>, sqlx::Error> {
            sqlx::query_as(
                "SELECT d.case_id, d.form, d.stage, d.due_at_us, d.last_day, d.breached \
                 FROM deadlines d WHERE d.breached = 0 AND d.due_at_us <= $1 AND NOT EXISTS \
                 (SELECT 1 FROM reminders r WHERE r.case_id = d.case_id AND r.form = d.form \
                 AND r.due_at_us = d.due_at_us) ORDER BY d.due_at_us, d.case_id LIMIT $2",
            )
            .bind(until_us)
            .bind(limit)
            .fetch_all(reader)
            .await
        }

        pub(super) async fn unbreached(
            reader: &Pool<Db>,
            now_us: i64,
            limit: i64,
        ) -> Result<Vec<DeadlineRow>, sqlx::Error> {
            sqlx::query_as(
                "SELECT case_id, form, stage, due_at_us, last_day, breached FROM deadlines \
                 WHERE breached = 0 AND due_at_us <= $1 ORDER BY due_at_us, case_id LIMIT $2",
            )
            .bind(now_us)
            .bind(limit)
            .fetch_all(reader)
            .await
        }

        pub(super) async fn claim(
            writer: &Pool<Db>,
            now_us: i64,
            until_us: i64,
            limit: i64,
        ) -> Result<Vec<DeliveryRow>, sqlx::Error> {
            let sql = format!(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, \
                 claimed_until_us = $2 WHERE id IN (SELECT id FROM deliveries \
                 WHERE channel = 'email' AND ((status = 'pending' AND next_attempt_at_us <= $1) \
                 OR (status = 'sending' AND claimed_until_us <= $1)) \
                 ORDER BY next_attempt_at_us, id LIMIT $3{SKIP_LOCKED}) RETURNING {COLUMNS}"
            );
            let mut tx = begin_write(writer).await?;
            let mut rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(now_us)
                .bind(until_us)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.sort_by_key(|r| r.id);
            Ok(rows)
        }

        /// Extends attempt `attempt`'s claim on delivery `id` to `until_us`,
        /// if the claim still holds at `now_us`: no other runner may have
        /// taken it since.
        pub(super) async fn renew(
            writer: &Pool<Db>,
            id: i64,
            attempt: i64,
            now_us: i64,
            until_us: i64,
        ) -> Result<bool, sqlx::Error> {
            Ok(sqlx::query(
                "UPDATE deliveries SET claimed_until_us = $4 \
                 WHERE id = $1 AND attempts = $2 AND status = 'sending' \
                 AND claimed_until_us > $3",
            )
            .bind(id)
            .bind(attempt)
            .bind(now_us)
            .bind(until_us)
            .execute(writer)
            .await?
            .rows_affected()
                == 1)
        }

        /// Ends attempt `attempt` of delivery `id` with `status`, unless
        /// another runner has since claimed it.
        pub(super) async fn finish(
            writer: &Pool<Db>,
            id: i64,
            attempt: i64,
            status: &str,
            next_attempt_us: i64,
            sent_at_us: Option<i64>,
            error: Option<&str>,
        ) -> Result<bool, sqlx::Error> {
            Ok(sqlx::query(
                "UPDATE deliveries SET status = $3, next_attempt_at_us = $4, sent_at_us = $5, \
                 last_error = COALESCE($6, last_error), claimed_until_us = NULL \
                 WHERE id = $1 AND attempts = $2 AND status = 'sending'",
            )
            .bind(id)
            .bind(attempt)
            .bind(status)
            .bind(next_attempt_us)
            .bind(sent_at_us)
            .bind(error)
            .execute(writer)
            .await?
            .rows_affected()
                == 1)
        }

        pub(super) async fn retry(
            writer: &Pool<Db>,
            id: i64,
            now_us: i64,
        ) -> Result<bool, sqlx::Error> {
            Ok(sqlx::query(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at_us = $2 \
                 WHERE id = $1 AND status = 'failed'",
            )
            .bind(id)
            .bind(now_us)
            .execute(writer)
            .await?
            .rows_affected()
                == 1)
        }

        pub(super) async fn list(
            reader: &Pool<Db>,
            filter: &str,
            value: &str,
            limit: i64,
        ) -> Result<Vec<DeliveryRow>, sqlx::Error> {
            let sql = format!(
                "SELECT {COLUMNS} FROM deliveries WHERE {filter} ORDER BY id DESC LIMIT $2"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .bind(limit)
                .fetch_all(reader)
                .await
        }

        pub(super) async fn unread(reader: &Pool<Db>, person: &str) -> Result<i64, sqlx::Error> {
            // Matches the partial index `deliveries_unread` (migration 0014).
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM deliveries \
                 WHERE person_id = $1 AND channel = 'in_app' AND read_at_us IS NULL",
            )
            .bind(person)
            .fetch_one(reader)
            .await
        }

        pub(super) async fn mark_read(
            writer: &Pool<Db>,
            person: &str,
            id: Option<i64>,
            now_us: i64,
        ) -> Result<u64, sqlx::Error> {
            let mut tx = begin_write(writer).await?;
            let done = match id {
                // One of the person's own: found whether or not it was
                // read already, and the first reading kept.
                Some(id) => sqlx::query(
                    "UPDATE deliveries SET read_at_us = COALESCE(read_at_us, $3) \
                     WHERE id = $1 AND person_id = $2 AND channel = 'in_app'",
                )
                .bind(id)
                .bind(person)
                .bind(now_us)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                None => sqlx::query(
                    "UPDATE deliveries SET read_at_us = $2 \
                     WHERE person_id = $1 AND channel = 'in_app' AND read_at_us IS NULL",
                )
                .bind(person)
                .bind(now_us)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            };
            tx.commit().await?;
            Ok(done)
        }

        pub(super) async fn put_feed(
            writer: &Pool<Db>,
            person: &str,
            token_hash: Option<&str>,
            now_us: i64,
        ) -> Result<(), sqlx::Error> {
            let mut tx = begin_write(writer).await?;
            sqlx::query("DELETE FROM calendar_feeds WHERE person_id = $1")
                .bind(person)
                .execute(&mut *tx)
                .await?;
            if let Some(hash) = token_hash {
                sqlx::query(
                    "INSERT INTO calendar_feeds (token_hash, person_id, created_at_us) \
                     VALUES ($1, $2, $3)",
                )
                .bind(hash)
                .bind(person)
                .bind(now_us)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        }

        pub(super) async fn feed(
            reader: &Pool<Db>,
            column: &str,
            value: &str,
        ) -> Result<Option<(String, i64)>, sqlx::Error> {
            let sql = format!(
                "SELECT person_id, created_at_us FROM calendar_feeds WHERE {column} = $1"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .fetch_optional(reader)
                .await
        }
    };
}

pub(crate) mod sqlite {
    type Db = sqlx::Sqlite;
    /// One writer connection and `BEGIN IMMEDIATE` already serialise claims.
    const SKIP_LOCKED: &str = "";
    pub(crate) async fn begin_write(
        pool: &sqlx::SqlitePool,
    ) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }
    delivery_queries!();
}

pub(crate) mod postgres {
    type Db = sqlx::Postgres;
    /// Rows another runner is claiming are passed over, not waited for.
    const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
    pub(crate) async fn begin_write(
        pool: &sqlx::PgPool,
    ) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        pool.begin().await
    }
    delivery_queries!();
}

/// How an attempt to send an email ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The SMTP server accepted it.
    Sent,
    /// It failed but may succeed later: try again at `next`.
    Retry {
        /// When.
        next: Timestamp,
        /// What went wrong.
        error: String,
    },
    /// It can never succeed as it is (the server refused the address, or
    /// every retry failed): shown to administrators.
    Failed {
        /// What went wrong.
        error: String,
    },
}

fn rows(rows: Vec<DeliveryRow>) -> Result<Vec<Delivery>, StoreError> {
    rows.into_iter().map(Delivery::try_from).collect()
}

fn deadlines(rows: Vec<DeadlineRow>) -> Result<Vec<DeadlineEntry>, StoreError> {
    rows.into_iter().map(DeadlineEntry::try_from).collect()
}

fn feed_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Writes the deliveries of notification `global_seq` (from
    /// [`Store::pending_notifications`]) and marks it done, in one
    /// transaction; with no deliveries it is marked unaddressed instead
    /// ([`Store::unaddressed_notifications`]). Deliveries already written
    /// (by another runner) are kept as they are.
    pub async fn deliver_notification(
        &self,
        global_seq: u64,
        deliveries: &[NewDelivery],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let seq = crate::projection::to_i64(global_seq);
        Ok(on_pool!(self, write_pool, pool, m =>
            m::deliver_notification(pool, seq, deliveries, now.as_microsecond(), false).await)?)
    }

    /// Marks notification `global_seq` done with nobody to tell: the role
    /// it names is held, but only by the person it would tell of their own
    /// act (the raiser, of their raise), so it is not kept for
    /// administrators as one nobody could receive.
    pub async fn settle_notification(
        &self,
        global_seq: u64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let seq = crate::projection::to_i64(global_seq);
        Ok(on_pool!(self, write_pool, pool, m =>
            m::deliver_notification(pool, seq, &[], now.as_microsecond(), true).await)?)
    }

    /// Up to `limit` notifications that reached nobody, because nobody in
    /// the directory held the role they were for, newest first.
    pub async fn unaddressed_notifications(
        &self,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        self.notifications_with_status("unaddressed", limit).await
    }

    /// Records the reminder before `deadline` and writes its deliveries,
    /// in one transaction; `false` (and nothing written) if it had already
    /// been sent.
    pub async fn send_reminder(
        &self,
        deadline: &DeadlineEntry,
        deliveries: &[NewDelivery],
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let row = DeadlineRow::from(deadline);
        Ok(on_pool!(self, write_pool, pool, m =>
            m::send_reminder(pool, &row, deliveries, now.as_microsecond()).await)?)
    }

    /// Up to `limit` deadlines not yet breached, falling due by `until`,
    /// whose reminder has not been sent, soonest first.
    pub async fn unreminded_deadlines(
        &self,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DeadlineEntry>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m =>
            m::unreminded(pool, until.as_microsecond(), i64::from(limit)).await)?;
        deadlines(rows)
    }

    /// Up to `limit` deadlines that have passed by `now` with no breach on
    /// record, soonest first.
    pub async fn unbreached_deadlines(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<DeadlineEntry>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m =>
            m::unbreached(pool, now.as_microsecond(), i64::from(limit)).await)?;
        deadlines(rows)
    }

    /// Claims up to `limit` emails due for an attempt at `now` (pending, or
    /// claimed by a runner whose `lease` has run out), for `lease`. Each is
    /// claimed by one runner only.
    pub async fn claim_emails(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let until = now
            .checked_add(lease)
            .unwrap_or(Timestamp::MAX)
            .as_microsecond();
        rows(on_pool!(self, write_pool, pool, m =>
            m::claim(pool, now.as_microsecond(), until, i64::from(limit)).await)?)
    }

    /// Holds `delivery` (as claimed) for `lease` more from `now`, if this
    /// claim on it has not lapsed; `false` if it has, when the runner must
    /// not send it, since another may have claimed it and be sending it
    /// now (issue 20 §2). A runner renews each email's claim just before
    /// sending it, and bounds the send to well within the lease.
    pub async fn renew_email_claim(
        &self,
        delivery: &Delivery,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<bool, StoreError> {
        let until = now
            .checked_add(lease)
            .unwrap_or(Timestamp::MAX)
            .as_microsecond();
        let attempts = i64::from(delivery.attempts);
        Ok(on_pool!(self, write_pool, pool, m =>
            m::renew(pool, delivery.id, attempts, now.as_microsecond(), until).await)?)
    }

    /// Records how the attempt on `delivery` (as claimed) ended, at `now`.
    /// `false` if another runner has claimed it since, when nothing changes.
    pub async fn finish_attempt(
        &self,
        delivery: &Delivery,
        attempt: &Attempt,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let now_us = now.as_microsecond();
        let (status, next, sent, error) = match attempt {
            Attempt::Sent => ("sent", now_us, Some(now_us), None),
            Attempt::Retry { next, error } => {
                ("pending", next.as_microsecond(), None, Some(error.as_str()))
            }
            Attempt::Failed { error } => ("failed", now_us, None, Some(error.as_str())),
        };
        let attempts = i64::from(delivery.attempts);
        Ok(on_pool!(self, write_pool, pool, m =>
            m::finish(pool, delivery.id, attempts, status, next, sent, error).await)?)
    }

    /// Puts a failed delivery back to be tried at `now`, with a fresh count
    /// of attempts; `false` if it is not failed.
    pub async fn retry_delivery(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        Ok(on_pool!(self, write_pool, pool, m =>
            m::retry(pool, id, now.as_microsecond()).await)?)
    }

    /// The latest `limit` deliveries with `status`, newest first: what
    /// administrators see of email that could not be sent.
    pub async fn deliveries_with_status(
        &self,
        status: DeliveryStatus,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        rows(on_pool!(self, read_pool, pool, m =>
            m::list(pool, "status = $1", status.as_str(), i64::from(limit)).await)?)
    }

    /// The latest `limit` notifications shown to `person` in the app,
    /// newest first.
    pub async fn notifications_for(
        &self,
        person: &PersonId,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        rows(on_pool!(self, read_pool, pool, m =>
            m::list(pool, "person_id = $1 AND channel = 'in_app'", person.as_str(),
                i64::from(limit)).await)?)
    }

    /// How many of the notifications shown to `person` in the app they
    /// have not marked read: one count over an index of the unread ones,
    /// cheap enough for the header of every page.
    pub async fn unread_notifications(&self, person: &PersonId) -> Result<u64, StoreError> {
        let n = on_pool!(self, read_pool, pool, m => m::unread(pool, person.as_str()).await)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Marks `person`'s notification `id` read at `now` (kept as it was if
    /// it was read already). `false` if they have no notification `id`:
    /// nobody marks another person's.
    pub async fn mark_notification_read(
        &self,
        person: &PersonId,
        id: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_pool!(self, write_pool, pool, m =>
            m::mark_read(pool, person.as_str(), Some(id), now.as_microsecond()).await)?;
        Ok(done == 1)
    }

    /// Marks every unread notification of `person` read at `now`, and says
    /// how many there were.
    pub async fn mark_all_notifications_read(
        &self,
        person: &PersonId,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        Ok(on_pool!(self, write_pool, pool, m =>
            m::mark_read(pool, person.as_str(), None, now.as_microsecond()).await)?)
    }

    /// Every delivery of `case`, newest first, up to `limit`.
    pub async fn deliveries_of(
        &self,
        case: &CaseId,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        rows(on_pool!(self, read_pool, pool, m =>
            m::list(pool, "case_id = $1", case.as_str(), i64::from(limit)).await)?)
    }

    /// Gives `person` a new private calendar feed at `now`, revoking any
    /// before, and returns its secret token: shown once, stored only as its
    /// hash.
    pub async fn new_calendar_feed(
        &self,
        person: &PersonId,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| StoreError::Damaged {
            case: "(calendar feed)".into(),
            reason: format!("no random numbers for a feed token: {e}"),
        })?;
        let token = hex::encode(secret);
        let hash = feed_hash(&token);
        on_pool!(self, write_pool, pool, m =>
            m::put_feed(pool, person.as_str(), Some(&hash), now.as_microsecond()).await)?;
        Ok(token)
    }

    /// Revokes `person`'s calendar feed, if they have one.
    pub async fn revoke_calendar_feed(&self, person: &PersonId) -> Result<(), StoreError> {
        Ok(on_pool!(self, write_pool, pool, m =>
            m::put_feed(pool, person.as_str(), None, 0).await)?)
    }

    /// Whose calendar feed `token` opens, if anyone's.
    pub async fn calendar_feed_owner(&self, token: &str) -> Result<Option<PersonId>, StoreError> {
        let hash = feed_hash(token);
        let row = on_pool!(self, read_pool, pool, m =>
            m::feed(pool, "token_hash", &hash).await)?;
        row.map(|(person, _)| {
            PersonId::parse(&person).map_err(|_| StoreError::Damaged {
                case: "(calendar feed)".into(),
                reason: "a feed's person id is not valid".into(),
            })
        })
        .transpose()
    }

    /// When `person`'s calendar feed was made, if they have one.
    pub async fn calendar_feed_since(
        &self,
        person: &PersonId,
    ) -> Result<Option<Timestamp>, StoreError> {
        let row = on_pool!(self, read_pool, pool, m =>
            m::feed(pool, "person_id", person.as_str()).await)?;
        Ok(row.and_then(|(_, us)| Timestamp::from_microsecond(us).ok()))
    }
}

impl From<&DeadlineEntry> for DeadlineRow {
    fn from(d: &DeadlineEntry) -> DeadlineRow {
        DeadlineRow {
            case_id: d.case.to_string(),
            form: d.form.as_ref().map(|f| f.to_string()).unwrap_or_default(),
            stage: i64::from(d.stage.get()),
            due_at_us: d.due.as_microsecond(),
            last_day: d.last_day.to_string(),
            breached: i64::from(d.breached),
        }
    }
}
