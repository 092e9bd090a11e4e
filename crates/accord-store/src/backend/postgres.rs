//! PostgreSQL, for a hosted service: a connection pool, and a one-row chain
//! head locked `FOR UPDATE` by every append, so appends from any number of
//! connections and servers are serialised into one gapless chain.

use std::time::Duration;

use sqlx::{
    Connection, PgConnection, Postgres,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
};

use crate::{OpenError, error::one_line};

type Db = Postgres;

/// Locks the chain head until commit: the next append waits here.
const HEAD_FOR_UPDATE: &str = "SELECT global_seq, hash FROM chain_head WHERE id = 1 FOR UPDATE";

async fn begin_write(pool: &PgPool) -> Result<Tx, sqlx::Error> {
    pool.begin().await
}

/// One snapshot for the whole walk, so appends during `verify` are not
/// half-seen.
async fn begin_read(pool: &PgPool) -> Result<Tx, sqlx::Error> {
    pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
}

/// What lets the carry-over of a log written before migration 0021 seal
/// its rows in place, inside its transaction, and what puts the append-only
/// rule back before it commits (as in migrations 0001 and 0012).
const SUSPEND_APPEND_ONLY: &[&str] = &[
    "ALTER TABLE events DISABLE TRIGGER events_append_only",
    "ALTER TABLE search_log DISABLE TRIGGER search_log_append_only",
];
const RESTORE_APPEND_ONLY: &[&str] = &[
    "ALTER TABLE events ENABLE TRIGGER events_append_only",
    "ALTER TABLE search_log ENABLE TRIGGER search_log_append_only",
];

/// Nothing to do once a carry-over has committed: old row versions are
/// PostgreSQL's to vacuum, and never in a dump.
const AFTER_CARRY_OVER: &[&str] = &[];

use crate::audit::postgres as audit;

use crate::follow_ups::postgres::write as write_follow_ups;
super::common_queries!();
super::sqlx_group_commit!();

/// Walks the event chain up to its head, `head_seq` with `head_hash`, a
/// page at a time in `tx`'s snapshot: each page's own checks (its hashes,
/// its columns) run on the machine's cores while the next page is read,
/// and the links between events are then walked in order.
async fn check_events(
    _reader: &Pool<Db>,
    tx: &mut Tx,
    head_seq: u64,
    head_hash: &[u8],
    progress: &mut impl FnMut(u64),
) -> Result<Result<(u64, Hash), crate::verify::Break>, StoreError> {
    let mut check = ChainCheck::new(Chain::Events);
    let mut after = 0_i64;
    // Each page's own checks (its hashes, its columns) run on the
    // machine's cores while the next page is read; the links
    // between events are then walked in order.
    let mut checking: Option<tokio::task::JoinHandle<_>> = None;
    loop {
        let rows = event_page(tx, after).await?;
        if let Some(last) = rows.last() {
            after = last.global_seq;
        }
        if let Some(checked) = checking.take() {
            let (page, own): (Vec<EventRow>, Vec<_>) =
                checked.await.map_err(|e| StoreError::Damaged {
                    case: "(verify)".into(),
                    reason: format!("checking a page of events failed: {e}"),
                })?;
            for (row, own) in page.iter().zip(&own) {
                if let Err(fault) = check.check_checked(row, own) {
                    return Ok(Err(fault));
                }
            }
            progress(check.checked());
        }
        if rows.is_empty() {
            break;
        }
        checking = Some(tokio::task::spawn_blocking(move || {
            let own = crate::verify::own_checks(&rows);
            (rows, own)
        }));
    }
    Ok(check.finish(head_seq, head_hash))
}

/// A page of the log for `verify` and the carry-over.
async fn event_page(tx: &mut Tx, after: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(super::EVENT_PAGE)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut **tx)
        .await
}

/// An open PostgreSQL store.
#[derive(Debug, Clone)]
pub(crate) struct PgBackend {
    pub pool: PgPool,
}

const HINT: &str = "check the host, port, database, user and password in --database-url or ACCORD_DATABASE_URL, and that PostgreSQL is running";

/// Connects and brings the schema up to date.
pub(crate) async fn open(options: PgConnectOptions) -> Result<PgBackend, OpenError> {
    // A command is answered only once its commit is on disk: every
    // connection asks for that, whatever the server's default.
    let options = options.options([("synchronous_commit", "on")]);
    let location = format!(
        "{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or(options.get_username()),
    );
    let connect_error = |e: sqlx::Error| OpenError::Connect {
        backend: "PostgreSQL",
        location: location.clone(),
        reason: one_line(&e),
        hint: HINT,
    };
    // One direct connection first: a pool retries until its timeout and
    // then reports only "timed out", hiding "connection refused" or
    // "password authentication failed".
    PgConnection::connect_with(&options)
        .await
        .map_err(connect_error)?
        .close()
        .await
        .map_err(connect_error)?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(15))
        .connect_with(options)
        .await
        .map_err(connect_error)?;
    sqlx::migrate!("migrations/postgres")
        .run(&pool)
        .await
        .map_err(|e| OpenError::Migrate {
            location,
            reason: one_line(&e),
        })?;
    Ok(PgBackend { pool })
}

impl PgBackend {
    /// The server's settings an acknowledged commit's durability rests on,
    /// as Accord's own connections see them.
    pub(crate) async fn durability(&self) -> Result<Vec<(&'static str, String)>, sqlx::Error> {
        let mut settings = Vec::new();
        for name in ["fsync", "synchronous_commit", "full_page_writes"] {
            let (value,): (String,) = sqlx::query_as("SELECT current_setting($1)")
                .bind(name)
                .fetch_one(&self.pool)
                .await?;
            settings.push((name, value));
        }
        Ok(settings)
    }
}
