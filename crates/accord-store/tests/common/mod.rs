//! Shared test helpers: a fresh database of either backend per test, the
//! sample Havering cases, and a snapshot of every projection.
#![allow(dead_code)]

pub mod postgres;
pub mod sample;

/// Instantiates each `async fn(Backend)` named once per backend, in
/// modules `sqlite` and `postgres`, each test on a fresh database.
#[allow(unused_macros)]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await
                }
            )*
        }
    };
}

/// As [`both_backends`], each test on a one-thread runtime: every task it
/// spawns runs only when it waits, so what the tasks queue before the first
/// of them is served is certain, not a matter of timing.
#[allow(unused_macros)]
macro_rules! both_backends_on_one_thread {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await
                }
            )*
        }
    };
}

use accord_store::{
    AppendError, DeadlineEntry, LocalMasterKey, MasterKey, OutboxEntry, RegisterEntry, Store,
};

/// Why a test raise's `build` refused: on purpose, or as the store did.
#[derive(Debug)]
pub enum Refused {
    OnPurpose,
    Append(AppendError),
}

impl From<AppendError> for Refused {
    fn from(e: AppendError) -> Self {
        Refused::Append(e)
    }
}
use jiff::Timestamp;
use tempfile::TempDir;

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A new database on the test PostgreSQL server.
    Postgres,
}

/// A fresh, empty database for one test.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    /// The backend.
    pub backend: Backend,
    /// The SQLite file's folder, removed when the test ends.
    pub dir: Option<TempDir>,
    /// The master key its data keys are wrapped by.
    pub master: std::sync::Arc<dyn MasterKey>,
}

impl TestDb {
    /// A new empty database.
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
                TestDb {
                    url,
                    backend,
                    dir: Some(dir),
                    master: std::sync::Arc::new(LocalMasterKey::generate()),
                }
            }
            Backend::Postgres => TestDb {
                url: postgres::fresh_database().await,
                backend,
                dir: None,
                master: std::sync::Arc::new(LocalMasterKey::generate()),
            },
        }
    }

    /// Opens the store with every built-in policy.
    pub async fn open(&self) -> Store {
        Store::open(&self.url, sample::policies(), self.master.clone())
            .await
            .unwrap_or_else(|e| panic!("cannot open the test store: {e}"))
    }

    /// Runs raw SQL through an ordinary connection, as an attacker with
    /// the file or a database login would.
    pub async fn raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        use sqlx::Connection;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await?;
                Ok(sqlx::raw_sql(sql).execute(&mut c).await?.rows_affected())
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await?;
                Ok(sqlx::raw_sql(sql).execute(&mut c).await?.rows_affected())
            }
        }
    }

    /// Reads one event's stored canonical bytes.
    pub async fn canonical(&self, global_seq: i64) -> Vec<u8> {
        use sqlx::Connection;
        let q = "SELECT canonical FROM events WHERE global_seq = $1";
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(q)
                    .bind(global_seq)
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(q)
                    .bind(global_seq)
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            }
        }
    }

    /// Overwrites one event's canonical bytes, with its protection off.
    pub async fn overwrite_canonical(&self, global_seq: i64, bytes: Vec<u8>) {
        use sqlx::Connection;
        let q = "UPDATE events SET canonical = $1 WHERE global_seq = $2";
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::raw_sql("DROP TRIGGER events_no_update")
                    .execute(&mut c)
                    .await
                    .unwrap();
                sqlx::query(q)
                    .bind(bytes)
                    .bind(global_seq)
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::raw_sql("ALTER TABLE events DISABLE TRIGGER events_append_only")
                    .execute(&mut c)
                    .await
                    .unwrap();
                sqlx::query(q)
                    .bind(bytes)
                    .bind(global_seq)
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
    }

    /// The SQL that turns off the protection against editing events.
    pub fn disable_protection(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;",
            Backend::Postgres => "ALTER TABLE events DISABLE TRIGGER events_append_only;",
        }
    }
}

/// Every byte the database holds, as an administrator with a copy of it
/// would read it: the SQLite file with its write-ahead log, or a
/// `pg_dump` of the PostgreSQL database.
pub async fn every_byte(db: &TestDb) -> Vec<u8> {
    match db.backend {
        Backend::Sqlite => {
            let path = db.url.trim_start_matches("sqlite://");
            let mut bytes = std::fs::read(path).unwrap();
            if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                bytes.extend(wal);
            }
            bytes
        }
        Backend::Postgres => {
            let pg_dump = postgres::find_tool("pg_dump").unwrap();
            let out = std::process::Command::new(pg_dump)
                .arg("--dbname")
                .arg(&db.url)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        }
    }
}

/// Whether `needle` is in `haystack` as a whole: not followed by a letter
/// or digit, so the demo's pseudonym "Child S" is not found in "Child
/// Safeguarding Partnership".
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    let n = needle.len();
    (0..haystack.len().saturating_sub(n - 1)).any(|i| {
        &haystack[i..i + n] == needle.as_bytes()
            && haystack
                .get(i + n)
                .is_none_or(|next| !next.is_ascii_alphanumeric())
    })
}

/// Every projection as callers read it.
#[derive(Debug, PartialEq, Eq)]
pub struct Projections {
    pub cases: Vec<RegisterEntry>,
    pub deadlines: Vec<DeadlineEntry>,
    pub outbox: Vec<OutboxEntry>,
}

/// Reads every projection.
pub async fn projections(store: &Store) -> Projections {
    Projections {
        cases: store.all_cases().await.unwrap(),
        deadlines: store.deadlines_before(Timestamp::MAX).await.unwrap(),
        outbox: store.pending_notifications(u32::MAX).await.unwrap(),
    }
}
