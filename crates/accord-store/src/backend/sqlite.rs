//! SQLite, the default: one file in WAL mode with `synchronous=FULL`, so a
//! commit is on disk before it returns. Appends go through one writer
//! connection and `BEGIN IMMEDIATE`, so they are serialised within this
//! process and against any other process writing the same file.

use std::{path::Path, time::Duration};

use sqlx::{
    Sqlite,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

use crate::{BackupError, OpenError, error::one_line};

type Db = Sqlite;

/// SQLite has no `FOR UPDATE`: `BEGIN IMMEDIATE` already holds the write lock.
pub(crate) const HEAD_FOR_UPDATE: &str = "SELECT global_seq, hash FROM chain_head WHERE id = 1";

pub(crate) async fn begin_write(pool: &SqlitePool) -> Result<Tx, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// A deferred transaction: its first read fixes the snapshot it sees.
async fn begin_read(pool: &SqlitePool) -> Result<Tx, sqlx::Error> {
    pool.begin().await
}

/// What lets the carry-over of a log written before migration 0021 seal
/// its rows in place, inside its transaction, and what puts the append-only
/// rule back before it commits (as in migrations 0001 and 0012).
const SUSPEND_APPEND_ONLY: &[&str] = &[
    "DROP TRIGGER IF EXISTS events_no_update",
    "DROP TRIGGER IF EXISTS search_log_no_update",
];
const RESTORE_APPEND_ONLY: &[&str] = &[
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN \
     SELECT RAISE(ABORT, 'events are append-only: record a correction instead'); END",
    "CREATE TRIGGER search_log_no_update BEFORE UPDATE ON search_log BEGIN \
     SELECT RAISE(ABORT, 'the search log is append-only'); END",
];

/// Run once a carry-over has committed: the file is written afresh, since
/// pages the carry-over rewrote can keep old plain text in their unused
/// space, and the write-ahead log is copied into it and emptied, so that no
/// trace of the old plain text is left in either.
const AFTER_CARRY_OVER: &[&str] = &["VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"];

use crate::audit::sqlite as audit;

use crate::follow_ups::sqlite::write as write_follow_ups;
super::common_queries!();
pub(crate) use super::sqlite_group::commit_group;

/// Walks the event chain up to its head, `head_seq` with `head_hash`, on
/// as many of the readers' connections as the machine has cores (up to
/// three; `tx` holds the fourth), each reading every so many pages on the
/// connection's own thread and making each event's own checks as it reads
/// it, while this task walks the links in order (issue 18). Every event up
/// to the head is written once and never changed, so each page read in its
/// own snapshot sees what `tx`'s would.
async fn check_events(
    reader: &Pool<Db>,
    _tx: &mut Tx,
    head_seq: u64,
    head_hash: &[u8],
    progress: &mut impl FnMut(u64),
) -> Result<Result<(u64, Hash), crate::verify::Break>, StoreError> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut connections = Vec::new();
    for _ in 0..cores.clamp(1, 3) {
        connections.push(reader.acquire().await?);
    }
    let mut locked = Vec::new();
    for connection in &mut connections {
        locked.push(connection.lock_handle().await?);
    }
    let handles: Vec<_> = locked.iter_mut().map(|l| l.as_raw_handle()).collect();
    let walked = super::sqlite_group::blocking(|| {
        super::sqlite_group::walk_events(&handles, PAGE, head_seq, head_hash, progress)
    });
    drop(locked);
    Ok(walked?)
}

/// A page of the log for `verify` and the carry-over, read on the
/// connection's own thread: through sqlx, every row crossed to this task
/// and was decoded again, and that, not hashing, bounded `verify` (issue
/// 18).
async fn event_page(tx: &mut Tx, after: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    let mut locked = tx.lock_handle().await?;
    super::sqlite_group::event_page(locked.as_raw_handle(), after, PAGE)
}

/// An open SQLite store: one writer connection, a few readers.
#[derive(Debug, Clone)]
pub(crate) struct SqliteBackend {
    pub writer: SqlitePool,
    pub reader: SqlitePool,
}

const HINT: &str = "check the path in --database-url or ACCORD_DATABASE_URL, and that you may write to the file and its folder";

/// Opens (creating if need be) the database at `options`' file and brings
/// its schema up to date.
pub(crate) async fn open(options: SqliteConnectOptions) -> Result<SqliteBackend, OpenError> {
    let path = options.get_filename().to_owned();
    if path.as_os_str() == ":memory:" || path.as_os_str().is_empty() {
        return Err(OpenError::BadUrl {
            reason: "Accord keeps its record in a file: write sqlite://PATH".into(),
        });
    }
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !folder.is_dir()
    {
        return Err(OpenError::MissingFolder(folder.to_owned()));
    }
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // What is deleted or overwritten is zeroed, not left in free pages
        // of the file: a copy of it shows nothing once gone (issue 17).
        .pragma("secure_delete", "ON")
        .busy_timeout(Duration::from_secs(10));
    let location = path.display().to_string();
    let connect_error = |e: sqlx::Error| OpenError::Connect {
        backend: "SQLite",
        location: location.clone(),
        reason: one_line(&e),
        hint: HINT,
    };
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(options.clone())
        .await
        .map_err(connect_error)?;
    sqlx::migrate!("migrations/sqlite")
        .run(&writer)
        .await
        .map_err(|e| OpenError::Migrate {
            location: location.clone(),
            reason: one_line(&e),
        })?;
    let reader = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(connect_error)?;
    Ok(SqliteBackend { writer, reader })
}

impl SqliteBackend {
    /// The settings an acknowledged commit's durability rests on, as the
    /// connection Accord writes through reports them: `journal_mode` and
    /// `synchronous` (by name: `off`, `normal`, `full` or `extra`).
    pub(crate) async fn durability(&self) -> Result<Vec<(&'static str, String)>, sqlx::Error> {
        let (journal,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&self.writer)
            .await?;
        let (synchronous,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&self.writer)
            .await?;
        let synchronous = match synchronous {
            0 => "off",
            1 => "normal",
            2 => "full",
            3 => "extra",
            _ => "unknown",
        };
        Ok(vec![
            ("journal_mode", journal.to_lowercase()),
            ("synchronous", synchronous.to_owned()),
        ])
    }

    /// Copies the database to `to` while it stays online: `VACUUM INTO`
    /// reads one consistent snapshot and writes a compact new file.
    pub(crate) async fn backup(&self, to: &Path) -> Result<(), BackupError> {
        if to.exists() {
            return Err(BackupError::Exists(to.to_owned()));
        }
        if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty())
            && !folder.is_dir()
        {
            return Err(BackupError::MissingFolder(folder.to_owned()));
        }
        let target = to
            .to_str()
            .ok_or_else(|| BackupError::NotUtf8(to.to_owned()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}
