//! The storage layer's errors: one enum for opening a store, one for
//! appending (whose [`Conflict`] callers handle by reloading), one for
//! everything else. Each message says what to do next and never carries
//! personal data (case ids and sequence numbers only), so a caller may log
//! it as it is.

use std::path::PathBuf;

use accord_case::{CaseId, Sequence, StreamError};

/// A store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL names no backend Accord has.
    #[error(
        "`{scheme}` is not a database Accord can use: write sqlite://PATH or postgres://USER@HOST/DATABASE"
    )]
    UnsupportedUrl {
        /// What the URL started with (never the whole URL: it may hold a
        /// password).
        scheme: String,
    },
    /// The URL is for a backend Accord has but could not be read.
    #[error("the database URL is not valid: {reason}")]
    BadUrl {
        /// What was wrong with it.
        reason: String,
    },
    /// The folder that should hold the SQLite file does not exist.
    #[error(
        "the folder {} does not exist: create it, or choose another place with --data-dir or --database-url",
        .0.display()
    )]
    MissingFolder(PathBuf),
    /// The data folder could not be created.
    #[error(
        "could not create the data folder {}: {source}; choose another with --data-dir",
        path.display()
    )]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database refused or could not be reached.
    #[error("could not open the {backend} database {location}: {reason}; {hint}")]
    Connect {
        /// `SQLite` or `PostgreSQL`.
        backend: &'static str,
        /// The file, or host, port, database and user (never a password).
        location: String,
        /// What the driver said, on one line.
        reason: String,
        /// What to check.
        hint: &'static str,
    },
    /// The schema could not be brought up to date.
    #[error(
        "could not bring the database schema at {location} up to date: {reason}; is the database writable, and not from a newer Accord?"
    )]
    Migrate {
        /// Where.
        location: String,
        /// What went wrong, on one line.
        reason: String,
    },
    /// The projections could not be recomputed after an upgrade.
    #[error(
        "could not recompute the register from the log after an upgrade: {0}; run `accord rebuild` to see where it stops"
    )]
    Upgrade(#[source] StoreError),
    /// The master key is missing, unreadable or not this database's.
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyError),
}

impl OpenError {
    /// A store error met while opening: a key problem as itself, anything
    /// else as a failed upgrade.
    pub(crate) fn from_store(e: StoreError) -> OpenError {
        match e {
            StoreError::Keys(k) => OpenError::Keys(k),
            e => OpenError::Upgrade(e),
        }
    }
}

/// A case's personal data could not be erased. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum EraseError {
    /// There is no such case.
    #[error("there is no case {0}")]
    NoSuchCase(CaseId),
    /// The case is still under way.
    #[error("case {0} is not closed or withdrawn: close it before its personal data is erased")]
    NotClosed(CaseId),
    /// It was erased already.
    #[error("the personal data of case {case} was erased already, at {at}")]
    AlreadyErased {
        /// The case.
        case: CaseId,
        /// When.
        at: jiff::Timestamp,
    },
    /// Reading or writing failed, or someone changed the case meanwhile.
    #[error(transparent)]
    Append(#[from] AppendError),
}

impl From<StoreError> for EraseError {
    fn from(e: StoreError) -> EraseError {
        EraseError::Append(AppendError::Store(e))
    }
}

/// An append was refused or failed. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Someone else appended to the case first.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// An append of no events.
    #[error("there are no events to append: decide a command first")]
    Empty,
    /// The events given cannot follow the version stated.
    #[error("events for case {case} cannot be appended: {reason}")]
    Invalid {
        /// The case.
        case: CaseId,
        /// What is wrong, such as a gap in the numbering.
        reason: String,
    },
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The case's stream was not at the version the append expected: another
/// writer got there first. Reload the case, decide again, and retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "case {case} has changed since it was read (expected {}, found {}): reload it and try again",
    version_name(*.expected),
    version_name(*.actual)
)]
pub struct Conflict {
    /// The case.
    pub case: CaseId,
    /// The version the append expected; `None` for a new case.
    pub expected: Option<Sequence>,
    /// The version the stream was at; `None` if it did not exist.
    pub actual: Option<Sequence>,
}

fn version_name(v: Option<Sequence>) -> String {
    match v {
        Some(s) => format!("version {}", s.get()),
        None => "no such case".to_owned(),
    }
}

/// Reading or writing the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("the database failed: {}; check that it is reachable and writable, then retry", one_line(.0))]
    Database(#[from] sqlx::Error),
    /// A key could not be used: the master key refused, or a wrapped key
    /// did not open.
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyError),
    /// The case's personal data was erased: it can be read only as its
    /// shape, and nothing more can be recorded on it.
    #[error("the personal data of case {case} was erased: nothing more can be recorded on it")]
    Erased {
        /// The case.
        case: String,
    },
    /// A stored row cannot be read back as what it should be.
    #[error(
        "stored data for case {case} cannot be read ({reason}); run `accord verify` to find the damaged event"
    )]
    Damaged {
        /// The case.
        case: String,
        /// What is wrong.
        reason: String,
    },
    /// A case's stream is not a case's stream.
    #[error("the stored events of case {case} do not make a case ({source}); run `accord verify`")]
    Stream {
        /// The case.
        case: CaseId,
        /// What is wrong.
        source: StreamError,
    },
    /// A case names a policy version the store was not given.
    #[error(
        "case {case} is bound to policy {policy} version {version}, which neither this Accord nor its database has: restore the database, or run the Accord release that installed it"
    )]
    UnknownPolicy {
        /// The case.
        case: CaseId,
        /// The policy.
        policy: String,
        /// Its version.
        version: u32,
    },
    /// The track or stage a case is at is not in its policy.
    #[error(
        "case {case} is at {what}, which policy {policy} version {version} does not have: the policy file was changed without bumping its version"
    )]
    PolicyMismatch {
        /// The case.
        case: CaseId,
        /// The policy.
        policy: String,
        /// Its version.
        version: u32,
        /// The missing track or stage.
        what: String,
    },
}

/// An error's message on one line, so a command prints one line.
pub(crate) fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A backup could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The target exists; a backup never overwrites.
    #[error("{} already exists: a backup never overwrites a file, choose a new name", .0.display())]
    Exists(PathBuf),
    /// The folder for the target does not exist.
    #[error("the folder {} does not exist: create it first", .0.display())]
    MissingFolder(PathBuf),
    /// SQLite is given file names as UTF-8 text.
    #[error("{} is not a UTF-8 path: choose a simpler file name", .0.display())]
    NotUtf8(PathBuf),
    /// PostgreSQL is backed up with its own tools.
    #[error(
        "PostgreSQL is backed up with its own tools: run `pg_dump --format=custom --file=FILE 'DATABASE_URL'` (restore with `pg_restore --dbname=NEW_DATABASE_URL FILE`). The dump holds every case's data key, wrapped by the master key: keep the master key file apart from it, and keep dumps no longer than the retention schedule allows, since a case erased after a dump stays readable in it (README, \"Backups and keys\")"
    )]
    UsePgDump,
    /// The copy failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
