//! The record of truth: an append-only, hash-chained log of case events,
//! with the projections that are rebuilt from it, on SQLite (the default:
//! one file) or PostgreSQL (a hosted service). DESIGN.md §4 says what it
//! guarantees; this crate is the only code that writes it.
//!
//! - Each case is a stream of [`Event`]s numbered 1, 2, 3…; every event also
//!   has a gapless **global** sequence number. An append states the version
//!   it expects ([`Append::expected`]); if another writer got there first it
//!   fails with a typed [`Conflict`] and writes nothing.
//! - Each stored event keeps its canonical encoding (see [`canonical`]),
//!   the hash of the event before it in the global chain and its own
//!   SHA-256. [`Store::verify`] walks the chain and names the first broken
//!   or missing event. Nothing in this crate updates or deletes an event,
//!   and database triggers refuse it.
//! - The case register, the deadline index, the notification outbox and
//!   each case's facts for insight are written in the same transaction as
//!   the events that change them, and [`Store::rebuild`] recomputes them
//!   from the log.
//! - Reads of a case are recorded with [`Store::record_read`] in an
//!   append-only access log.
//! - The directory of partnerships, agencies and people
//!   ([`Store::put_directory`]) is ordinary data beside the log, and
//!   [`Store::seed`] writes a seed, such as the demo, into a store. Every change to it,
//!   and to accounts and settings, is appended to the directory audit
//!   ([`Store::directory_audit`]), a hash chain of its own that
//!   [`Store::verify`] checks too.
//! - The personal data in each case's events is sealed with a data key of
//!   the case's own, wrapped by a master key kept outside the database
//!   ([`keys`], [`sealing`]); [`Store::erase`] destroys a case's key, and
//!   the chain, which hashes what is stored, still verifies.
//! - Sign-in secrets (argon2id password hashes, sessions, API tokens) and
//!   the throttle on failed sign-ins are kept apart from the directory;
//!   see [`Store::check_password`] and the rule in [`ThrottleRule`].
//!
//! ```no_run
//! # async fn demo(events: Vec<accord_case::Event>) -> Result<(), Box<dyn std::error::Error>> {
//! use accord_calendar::Calendars;
//! use std::sync::Arc;
//!
//! use accord_store::{LocalMasterKey, Store, Verification};
//!
//! let policies = accord_policy::builtin(&Calendars::builtin());
//! // The master key wraps every case's data key; it is kept outside the
//! // database (`--master-key-file`, or `master.key` in the data folder).
//! let (master, _) = LocalMasterKey::locate(None, std::path::Path::new("."))?;
//! let store = Store::open("sqlite://accord.sqlite", policies, Arc::new(master)).await?;
//! // `events` came from `Case::raise`: a new case expects no stream yet.
//! let appended = store.append(None, &events).await?;
//! println!("{} is at stage {}", appended.case.id(), appended.case.stage());
//! assert!(matches!(store.verify().await?, Verification::Intact { .. }));
//! # Ok(()) }
//! ```

/// Runs `$body` with `$pool` bound to the backend's write or read pool
/// (`$rw`: `write_pool` or `read_pool`) and `$m` naming the calling
/// module's `sqlite` or `postgres` query module.
macro_rules! on_pool {
    ($store:expr, $rw:ident, $pool:ident, $m:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite(b) => {
                let $pool = b.$rw();
                use sqlite as $m;
                $body
            }
            $crate::Backend::Postgres(b) => {
                let $pool = b.$rw();
                use postgres as $m;
                $body
            }
        }
    };
}

mod account_links;
mod accounts;
mod audit;
mod backend;
mod board_reports;
pub mod canonical;
mod delivery;
mod directory;
mod drafts;
mod error;
mod facts;
mod follow_ups;
mod group;
mod handover;
mod hash_gate;
mod idempotency;
pub mod identity_providers;
pub mod keys;
mod location;
mod partnership_pages;
mod policy_versions;
mod projection;
mod recipients;
mod register;
mod retention;
pub mod sealing;
mod search;
pub mod second_factor;
mod seed;
mod subject_access;
mod verify;
mod webhooks;

use std::{ops::RangeInclusive, path::Path, str::FromStr, sync::Arc};

use accord_case::{Actor, Case, CaseId, Event, EventBody, PersonId, Sequence};
use accord_policy::Policy;
use jiff::Timestamp;
use sqlx::{postgres::PgConnectOptions, sqlite::SqliteConnectOptions};

use backend::{
    postgres::{self, PgBackend},
    sqlite::{self, SqliteBackend},
};

pub use account_links::{
    DEFAULT_INVITATION_DAYS, FORGOTTEN_PASSWORD, LinkPurpose, Mint, MintedLink, RESET_LINK_LIFETIME,
};
pub use accounts::{
    AccountError, AccountState, ApiToken, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, NewToken,
    Password, PasswordError, SESSION_LENGTH, Scope, SignInCheck, ThrottleRule, hash_password,
    session_id,
};
pub use audit::{AUDIT_SHOWN, AuditEntry, AuditSubject, ChangedBy};
pub use board_reports::{BoardReport, NewBoardReport};
pub use delivery::{
    Attempt, Channel, Delivery, DeliveryStatus, NewDelivery, Notice, delivery_key, reminder_key,
};
pub use directory::{Agency, AgencyKind, Directory, DirectoryError, Partnership, Person};
pub use drafts::DRAFT_KEPT_FOR;
pub use error::{AppendError, BackupError, Conflict, EraseError, OpenError, StoreError};
pub use follow_ups::FollowUpEntry;
pub use group::GroupFigures;
pub use handover::CaseWork;
pub use idempotency::{IDEMPOTENCY_CLAIM_HOLDS, IDEMPOTENCY_KEPT_FOR, IdempotencyClaim};
pub use identity_providers::{
    AwaitingCode, IdentityClaim, IdentityProvider, ProviderSession, ProviderSettings,
    ProviderSignIn, UnknownSignIn,
};
pub use keys::{KeyError, LocalMasterKey, Located, MasterKey};
pub use location::{DatabaseLocation, default_data_dir};
pub use partnership_pages::{FooterPage, PartnershipPage};
pub use policy_versions::{
    InstallError, Installation, InstalledPolicy, LoadError as PolicyLoadError, source_sha256,
};
pub use projection::{DeadlineEntry, OutboxEntry, Policies, RegisterEntry, StageLeads};
pub use recipients::{recipients, told};
pub use register::{BadCursor, RegisterCursor, RegisterFilter, RegisterPage, RegisterReader};
pub use retention::{
    LegalHold, PlanEntry, RetentionDue, RetentionError, RetentionNotice, RetentionSchedule,
};
pub use sealing::{CaseKey, ERASED};
pub use search::{CaseSearch, SearchRecord};
pub use second_factor::{Enrolment, SecondFactorCheck, SecondFactorStanding, code_at};
pub use seed::{SeedError, Seeded};
pub use subject_access::{CaseExport, DataSubject, EventExport, REVIEW, ReadExport, SubjectAccess};
pub use verify::{Break, Chain, Problem, Verification};
pub use webhooks::{
    EventKind, FeedEvent, FeedPage, WebhookEndpoint, WebhookProblem, is_public, webhook_problems,
};

/// Which database a store is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// One SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// An open event store.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// Shared by every clone; replaced whole (copy on write) when a
    /// version is installed or loaded, so readers keep a consistent set.
    policies: Arc<std::sync::RwLock<Arc<Policies>>>,
    /// Insight's facts of each partnership, as last read.
    facts: Arc<facts::FactsCache>,
    /// The master key and the index key (issue 17 §1).
    keys: Arc<keys::Keys>,
    /// Commands and reads waiting to share a commit (issue 18).
    group: Arc<group::Group>,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqliteBackend),
    Postgres(PgBackend),
}

/// New events for one case's stream, and the version the stream must be
/// at for them to follow.
#[derive(Debug, Clone, Copy)]
pub struct Append<'a> {
    /// The stream's version when the case was read: `None` for a new case.
    pub expected: Option<Sequence>,
    /// The events, numbered on from `expected`, all of one case.
    pub events: &'a [Event],
}

/// Who reads the case an append answers with, and why: written to the
/// access log in the append's own transaction, so a change and the read of
/// its answer are recorded together or not at all.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    /// Who.
    pub person: &'a PersonId,
    /// Why, as the screen or tool states it.
    pub purpose: &'a str,
}

/// What an append wrote.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The case as the append left it.
    pub case: Case,
    /// The global sequence numbers the events were given.
    pub global: RangeInclusive<u64>,
}

/// One read of a case, from the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// Who read it.
    pub person: PersonId,
    /// When.
    pub at: Timestamp,
    /// Why, as the reading screen or tool states it.
    pub purpose: String,
}

/// Runs `$body` with `$b` bound to the backend and `$m` naming its module.
macro_rules! on_backend {
    ($self:expr, $b:ident, $m:ident => $body:expr) => {
        match &$self.backend {
            Backend::Sqlite($b) => {
                use sqlite as $m;
                $body
            }
            Backend::Postgres($b) => {
                use postgres as $m;
                $body
            }
        }
    };
}

impl Store {
    /// Opens the store at `url` (`sqlite://PATH` or `postgres://…`),
    /// creating a SQLite file if need be, and brings its schema up to date.
    /// `policies` are every policy version a stored case may be bound to,
    /// normally `accord_policy::builtin(&Calendars::builtin())`.
    pub async fn open(
        url: &str,
        policies: impl IntoIterator<Item = Policy>,
        master: Arc<dyn MasterKey>,
    ) -> Result<Store, OpenError> {
        Store::open_location(&DatabaseLocation::parse(url)?, policies, master).await
    }

    /// Opens the store at `location`; see [`Store::open`].
    pub async fn open_location(
        location: &DatabaseLocation,
        policies: impl IntoIterator<Item = Policy>,
        master: Arc<dyn MasterKey>,
    ) -> Result<Store, OpenError> {
        let bad = |e: sqlx::Error| OpenError::BadUrl {
            reason: error::one_line(&e),
        };
        let backend = match location {
            DatabaseLocation::SqliteFile(path) => {
                Backend::Sqlite(sqlite::open(SqliteConnectOptions::new().filename(path)).await?)
            }
            DatabaseLocation::SqliteUrl(url) => Backend::Sqlite(
                sqlite::open(SqliteConnectOptions::from_str(url).map_err(bad)?).await?,
            ),
            DatabaseLocation::PostgresUrl(url) => Backend::Postgres(
                postgres::open(PgConnectOptions::from_str(url).map_err(bad)?).await?,
            ),
        };
        let mut ring = Vec::with_capacity(keys::RING.len());
        for name in keys::RING {
            ring.push(
                match &backend {
                    Backend::Sqlite(b) => {
                        sqlite::ring_key(b.write_pool(), master.as_ref(), name).await
                    }
                    Backend::Postgres(b) => {
                        postgres::ring_key(b.write_pool(), master.as_ref(), name).await
                    }
                }
                .map_err(OpenError::from_store)?,
            );
        }
        let [index, search_log]: [keys::DataKey; 2] =
            ring.try_into().expect("one key for each name of the ring");
        let store = Store {
            backend,
            policies: Arc::new(std::sync::RwLock::new(Arc::new(Policies::new(policies)))),
            facts: Arc::default(),
            keys: Arc::new(keys::Keys::new(master, index, search_log)),
            group: Arc::default(),
        };
        // A log written before its personal data was sealed (migration
        // 0021) is checked, sealed and hashed again, once.
        let carried = on_backend!(store, b, m => m::carry_over(b.write_pool(), &store.keys).await)
            .map_err(OpenError::from_store)?;
        if let Some((events, old, new)) = &carried {
            tracing::info!(
                events,
                old_head = %hex::encode(old),
                new_head = %hex::encode(new),
                "the log's personal data is now sealed per case, and its chain hashed again"
            );
        }
        // Register rows written before the involvement column existed
        // (migration 0004), before the search rows (0012) or before, or at
        // another version of, insight's facts (0016) are recomputed from
        // the log once.
        let stale = on_backend!(store, b, m => m::needs_rebuild(b.read_pool()).await)
            .map_err(OpenError::Upgrade)?;
        // A carried-over log is rebuilt too: its outbox names events by
        // their new hashes, and its search rows are blind indexes now.
        if stale || carried.is_some() {
            store.rebuild(|_, _| {}).await.map_err(OpenError::Upgrade)?;
        }
        Ok(store)
    }

    /// The settings the durability of what Accord acknowledges rests on,
    /// as the database reports them on Accord's own connections, by name:
    /// on SQLite `journal_mode` (`wal`) and `synchronous` (`full`); on
    /// PostgreSQL `fsync`, `synchronous_commit` (which Accord sets `on` on
    /// each connection) and `full_page_writes`, each `on` on a server
    /// that keeps what it commits through a power cut. A command is
    /// answered after its commit, so with these an answered command
    /// outlives the process that wrote it (`tests/crash.rs`) and, as far as
    /// the disk keeps its word, the machine.
    pub async fn durability(&self) -> Result<Vec<(&'static str, String)>, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite(b) => b.durability().await?,
            Backend::Postgres(b) => b.durability().await?,
        })
    }

    /// Which database this is.
    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Appends `events` to their case's stream if it is at `expected`
    /// (`None` for a new case), with the projections, in one transaction,
    /// shared with other commands arriving at the same time (see
    /// [`group`]): it returns once that transaction has committed.
    pub async fn append(
        &self,
        expected: Option<Sequence>,
        events: &[Event],
    ) -> Result<Appended, AppendError> {
        self.append_one(expected, events, None).await
    }

    /// [`Store::append`], recording in the same transaction that `reader`
    /// reads the case as the append leaves it (at the last event's time).
    pub async fn append_read(
        &self,
        expected: Option<Sequence>,
        events: &[Event],
        reader: Reader<'_>,
    ) -> Result<Appended, AppendError> {
        self.append_one(expected, events, Some(reader)).await
    }

    async fn append_one(
        &self,
        expected: Option<Sequence>,
        events: &[Event],
        reader: Option<Reader<'_>>,
    ) -> Result<Appended, AppendError> {
        check_append(&Append { expected, events })?;
        let task = group::Task::Append {
            streams: vec![(expected, events.to_vec())],
            reader: reader.map(group::OwnedReader::of),
        };
        match self.in_group(task).await {
            Ok(group::Done::Appended(mut appended)) if appended.len() == 1 => {
                Ok(appended.remove(0))
            }
            Ok(_) => unreachable!("an append is answered with what it appended"),
            Err(group::Failed::Append(e)) => Err(e),
            Err(group::Failed::Refused(_) | group::Failed::Panicked(_)) => {
                unreachable!("only a raise's build refuses or panics")
            }
        }
    }

    /// Hands `task` to the group commit and waits until the transaction
    /// that carries it has committed or failed.
    async fn in_group(&self, task: group::Task) -> Result<group::Done, group::Failed> {
        let (answer, told) = tokio::sync::oneshot::channel();
        if self.group.push(group::Work { task, answer }) {
            let draining = group::Draining::new(self.group.clone());
            tokio::spawn(self.clone().drain_group(draining));
        }
        told.await.unwrap_or_else(|_| {
            Err(group::shared_failure(&"the store stopped before this could be written").into())
        })
    }

    /// How many write transactions the commands and reads of this store
    /// (and its clones) took, and how many they carried: the benchmarks'
    /// measure of how far commits were shared.
    pub fn group_figures(&self) -> GroupFigures {
        self.group.figures()
    }

    /// Commits group after group until nothing waits.
    async fn drain_group(self, mut draining: group::Draining) {
        while let Some(work) = draining.next() {
            let policies = self.policies();
            on_backend!(self, b, m =>
                m::commit_group(b.write_pool(), &self.keys, &policies, work).await);
        }
    }

    /// Appends to several streams in one transaction: all or nothing. Used
    /// to load many cases at once (the demo data, benchmarks).
    pub async fn append_all(&self, streams: &[Append<'_>]) -> Result<Vec<Appended>, AppendError> {
        on_backend!(self, b, m =>
            m::append(b.write_pool(), &self.keys, &self.policies(), streams, None).await)
    }

    /// A case's events in order; empty if there is no such case.
    pub async fn load(&self, case: &CaseId) -> Result<Vec<Event>, StoreError> {
        on_backend!(self, b, m => m::load(b.read_pool(), &self.keys, case).await)
    }

    /// A case as its events leave it; `None` if there is no such case.
    pub async fn load_case(&self, case: &CaseId) -> Result<Option<Case>, StoreError> {
        let events = self.load(case).await?;
        if events.is_empty() {
            return Ok(None);
        }
        Case::fold(&events)
            .map(Some)
            .map_err(|source| StoreError::Stream {
                case: case.clone(),
                source,
            })
    }

    /// The register: every disagreement not closed or withdrawn, oldest
    /// first.
    pub async fn register(&self) -> Result<Vec<RegisterEntry>, StoreError> {
        on_backend!(self, b, m => m::register(b.read_pool(), false, None).await)
    }

    /// The register of one partnership: its disagreements not closed or
    /// withdrawn, by the partnership of the agency that raised each,
    /// oldest first. Filtered in the database, so no other partnership's
    /// case is read.
    pub async fn register_of(&self, partnership: &str) -> Result<Vec<RegisterEntry>, StoreError> {
        on_backend!(self, b, m => m::register(b.read_pool(), false, Some(partnership)).await)
    }

    /// The register row of `case`, closed or not, if it was raised in
    /// `partnership`: what the access rules need to decide whether someone
    /// may see it, read without loading its events, so a case someone may
    /// not see costs what a missing one does.
    pub async fn register_entry(
        &self,
        case: &CaseId,
        partnership: &str,
    ) -> Result<Option<RegisterEntry>, StoreError> {
        on_backend!(self, b, m => m::register_entry(b.read_pool(), case, partnership).await)
    }

    /// Raises a new case under the next id of `prefix` and `year` (the
    /// partnership's case prefix and the local year of raising:
    /// `HAV-2026-0001`, `HAV-2026-0002`…). `build` makes the case's events
    /// for the id, normally with `Case::raise`; the id is issued, the
    /// events appended and the projections written in one transaction, so
    /// if `build` refuses (or anything fails) nothing is written and the
    /// number is issued again next time. With a `reader`, the read of the
    /// new case is written to the access log in the same transaction. That
    /// transaction is shared with other commands (see [`group`]); `build`
    /// runs inside it, so it must be quick and do no I/O. Returns what was
    /// appended and the events `build` made.
    pub async fn raise<E: From<AppendError> + Send + 'static>(
        &self,
        prefix: &str,
        year: i16,
        build: impl FnOnce(CaseId) -> Result<Vec<Event>, E> + Send + 'static,
        reader: Option<Reader<'_>>,
    ) -> Result<(Appended, Vec<Event>), E> {
        let task = group::Task::Raise {
            prefix: prefix.to_owned(),
            year,
            build: Box::new(move |id| {
                build(id).map_err(|e| Box::new(e) as Box<dyn std::any::Any + Send>)
            }),
            reader: reader.map(group::OwnedReader::of),
        };
        match self.in_group(task).await {
            Ok(group::Done::Raised(appended, events)) => Ok((*appended, events)),
            Ok(_) => unreachable!("a raise is answered with what it raised"),
            Err(group::Failed::Append(e)) => Err(E::from(e)),
            Err(group::Failed::Refused(refused)) => Err(*refused
                .downcast::<E>()
                .unwrap_or_else(|_| unreachable!("a raise's build refuses with its own error"))),
            Err(group::Failed::Panicked(payload)) => std::panic::resume_unwind(payload),
        }
    }

    /// The events of the kinds named in `kinds` (their `type`, such as
    /// `raised` or `escalated`) of every case raised in `partnership`, in
    /// any state, one stream per case in stream order; read in one query,
    /// for figures over the partnership's whole history (`accord-insight`).
    /// Every stream starts with its raise if `kinds` includes `raised`.
    pub async fn histories_of(
        &self,
        partnership: &str,
        kinds: &[&str],
    ) -> Result<Vec<Vec<Event>>, StoreError> {
        on_backend!(self, b, m =>
            m::histories_of(b.read_pool(), &self.keys, partnership, kinds).await)
    }

    /// The facts of every case raised in `partnership`, in any state, by
    /// case id, as `accord_insight::CaseFacts::from_events` reads each
    /// one's events: from insight's projection (migration 0016), kept in
    /// the same transaction as every append. What insight's figures are
    /// computed from.
    ///
    /// The store keeps what it last read of each partnership, shared by
    /// every clone, and reads only the rows written since (migration
    /// 0019): the first question reads every row, later ones the cases
    /// that changed. No event is read.
    pub async fn facts_of(
        &self,
        partnership: &str,
    ) -> Result<Arc<Vec<accord_insight::CaseFacts>>, StoreError> {
        self.facts
            .facts_of(partnership, |since| async move {
                on_backend!(self, b, m => m::facts_since(b.read_pool(), partnership, since).await)
            })
            .await
    }

    /// Every case, closed and withdrawn ones included, oldest first.
    pub async fn all_cases(&self) -> Result<Vec<RegisterEntry>, StoreError> {
        on_backend!(self, b, m => m::register(b.read_pool(), true, None).await)
    }

    /// Open cases whose deadline falls before `before`, soonest first.
    pub async fn deadlines_before(
        &self,
        before: Timestamp,
    ) -> Result<Vec<DeadlineEntry>, StoreError> {
        on_backend!(self, b, m => m::deadlines_before(b.read_pool(), before).await)
    }

    /// Up to `limit` notifications not yet sent, oldest first.
    pub async fn pending_notifications(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        on_backend!(self, b, m => m::notifications_with_status(b.read_pool(), "pending", limit).await)
    }

    /// Up to `limit` notifications with `status`, in the order they became
    /// due: oldest first while pending, newest first otherwise.
    pub(crate) async fn notifications_with_status(
        &self,
        status: &str,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        on_backend!(self, b, m => m::notifications_with_status(b.read_pool(), status, limit).await)
    }

    /// Records that `person` read `case` at `at`, and why (DESIGN.md §4:
    /// "who looked at which child's record, and when").
    pub async fn record_read(
        &self,
        case: &CaseId,
        person: &PersonId,
        at: Timestamp,
        purpose: &str,
    ) -> Result<(), StoreError> {
        let task = group::Task::Read {
            case: case.clone(),
            reader: group::OwnedReader {
                person: person.clone(),
                purpose: purpose.to_owned(),
            },
            at,
        };
        match self.in_group(task).await {
            Ok(_) => Ok(()),
            Err(group::Failed::Append(e)) => Err(group::into_store_error(e)),
            Err(group::Failed::Refused(_) | group::Failed::Panicked(_)) => {
                unreachable!("only a raise's build refuses or panics")
            }
        }
    }

    /// The cases raised in `partnership` that match `search`, in any
    /// state, newest first: read from the search rows kept beside the
    /// register (migration 0012), never by folding events. Who may see
    /// which of them is for the access rules to decide.
    pub async fn search_cases(
        &self,
        partnership: &str,
        search: &CaseSearch,
    ) -> Result<Vec<RegisterEntry>, StoreError> {
        on_backend!(self, b, m =>
            m::search_cases(b.read_pool(), &self.keys, partnership, search).await)
    }

    /// Writes a search to the search log (who, when, what was asked, as
    /// `query`'s JSON, and which cases were shown) and each case shown to
    /// the access log as read for `search`, in one transaction. Never to a
    /// log line: what was asked may name a child.
    pub async fn record_search(
        &self,
        person: &PersonId,
        at: Timestamp,
        query: &str,
        shown: &[CaseId],
    ) -> Result<(), StoreError> {
        let query = search::seal_query(&self.keys, person.as_str(), query);
        on_backend!(self, b, m =>
            m::record_search(b.write_pool(), person, at, &query, shown).await)
    }

    /// The searches `person` made, oldest first.
    pub async fn searches_by(&self, person: &PersonId) -> Result<Vec<SearchRecord>, StoreError> {
        let mut searches = on_backend!(self, b, m => m::searches_by(b.read_pool(), person).await)?;
        for search in &mut searches {
            search.query = search::open_query(&self.keys, person.as_str(), &search.query)?;
        }
        Ok(searches)
    }

    /// Who read `case`, in order.
    pub async fn reads_of(&self, case: &CaseId) -> Result<Vec<AccessRecord>, StoreError> {
        on_backend!(self, b, m => m::reads_of(b.read_pool(), case).await)
    }

    /// How many events the log holds.
    pub async fn event_count(&self) -> Result<u64, StoreError> {
        on_backend!(self, b, m => m::event_count(b.read_pool()).await)
    }

    /// Walks the whole event chain in global order, then the directory
    /// audit's; see [`Verification`].
    pub async fn verify(&self) -> Result<Verification, StoreError> {
        self.verify_with_progress(|_| {}).await
    }

    /// [`Store::verify`], calling `progress` with the count checked so far.
    pub async fn verify_with_progress(
        &self,
        progress: impl FnMut(u64),
    ) -> Result<Verification, StoreError> {
        on_backend!(self, b, m => m::verify(b.read_pool(), progress).await)
    }

    /// Recomputes the register, the deadline index, the search rows,
    /// insight's facts and the outbox from the log, calling `progress(done, total)` as it goes, and returns the
    /// number of events read. Notifications keep their delivery status.
    pub async fn rebuild(&self, progress: impl FnMut(u64, u64)) -> Result<u64, StoreError> {
        on_backend!(self, b, m =>
            m::rebuild(b.write_pool(), &self.keys, &self.policies(), progress).await)
    }

    /// Erases the personal data of `case` (issue 17 §1): appends its
    /// `Erased` event, saying which `rule` erased it and when it fell due,
    /// and destroys its data key and its search rows, in one transaction.
    /// From then on its events read as their shapes: its stages, dates,
    /// agencies and outcome, every text `Erased`. The chain still verifies,
    /// and nothing more can be recorded on the case. Only a closed or
    /// withdrawn case is erased.
    pub async fn erase(
        &self,
        case: &CaseId,
        rule: accord_case::ErasureRule,
        due_on: jiff::civil::Date,
        at: Timestamp,
        actor: accord_case::Actor,
    ) -> Result<Appended, EraseError> {
        let folded = self
            .load_case(case)
            .await?
            .ok_or_else(|| EraseError::NoSuchCase(case.clone()))?;
        if let Some(erasure) = folded.erased() {
            return Err(EraseError::AlreadyErased {
                case: case.clone(),
                at: erasure.at,
            });
        }
        if !folded.status().is_closed() {
            return Err(EraseError::NotClosed(case.clone()));
        }
        let expected = folded.version();
        let erasure = Event {
            case: case.clone(),
            sequence: expected.next(),
            at,
            actor,
            body: EventBody::Erased { rule, due_on },
        };
        let appended = on_backend!(self, b, m =>
            m::erase(b.write_pool(), &self.keys, &self.policies(), expected, &erasure).await)?;
        Ok(appended)
    }

    /// Wraps every case's data key, the key ring and every secret sealed
    /// by the master key under `new` instead of the master key this store
    /// was opened with, in one transaction, without rewriting an event
    /// (issue 17 §1, `accord keys rotate`). A crash before it commits
    /// leaves everything under the current key. From the commit on, the
    /// store opens with `new` alone. Says how many case keys and secrets
    /// were wrapped again.
    pub async fn rotate_master_key(&self, new: &dyn MasterKey) -> Result<(u64, u64), StoreError> {
        on_backend!(self, b, m => m::rotate(b.write_pool(), &self.keys, new).await)
    }

    /// The id of the master key this store was opened with.
    pub fn master_key_id(&self) -> &str {
        self.keys.master().id()
    }

    /// Writes an online, consistent copy of a SQLite store to `to`, which
    /// must not exist. PostgreSQL is backed up with `pg_dump`:
    /// [`BackupError::UsePgDump`] says how.
    pub async fn backup(&self, to: &Path) -> Result<(), BackupError> {
        match &self.backend {
            Backend::Sqlite(b) => b.backup(to).await,
            Backend::Postgres(_) => Err(BackupError::UsePgDump),
        }
    }

    /// Closes every connection, waiting for work in flight.
    pub async fn close(self) {
        match self.backend {
            Backend::Sqlite(b) => {
                b.writer.close().await;
                b.reader.close().await;
            }
            Backend::Postgres(b) => b.pool.close().await,
        }
    }
}

impl SqliteBackend {
    fn write_pool(&self) -> &sqlx::SqlitePool {
        &self.writer
    }
    fn read_pool(&self) -> &sqlx::SqlitePool {
        &self.reader
    }
}

impl PgBackend {
    fn write_pool(&self) -> &sqlx::PgPool {
        &self.pool
    }
    fn read_pool(&self) -> &sqlx::PgPool {
        &self.pool
    }
}

/// Checks that `stream` can follow its expected version: one case, numbered
/// on without gaps.
fn check_append(stream: &Append<'_>) -> Result<(), AppendError> {
    let Some(first) = stream.events.first() else {
        return Err(AppendError::Empty);
    };
    let mut next = stream.expected.map_or(Sequence::FIRST, Sequence::next);
    for event in stream.events {
        if event.case != first.case {
            return Err(AppendError::Invalid {
                case: first.case.clone(),
                reason: format!("event {} belongs to case {}", event.sequence, event.case),
            });
        }
        if event.sequence != next {
            return Err(AppendError::Invalid {
                case: first.case.clone(),
                reason: format!("expected event {next} next, found {}", event.sequence),
            });
        }
        if stream.expected.is_some() && matches!(event.body, EventBody::Raised(_)) {
            return Err(AppendError::Invalid {
                case: first.case.clone(),
                reason: "a case is raised only once".into(),
            });
        }
        next = next.next();
    }
    Ok(())
}

/// The id of case number `n` of `prefix` in `year`: `HAV-2026-0001`.
fn case_id(prefix: &str, year: i16, n: i64) -> Result<CaseId, AppendError> {
    let id = format!("{prefix}-{year}-{n:04}");
    CaseId::parse(&id).map_err(|_| AppendError::Invalid {
        case: CaseId::parse("new").expect("`new` is a valid case id"),
        reason: format!(
            "the case prefix `{prefix}` does not make a valid case id: give the partnership a \
             prefix of letters and digits"
        ),
    })
}

/// An event from its stored columns.
fn decode_event(
    case: &CaseId,
    case_seq: i64,
    at: &str,
    actor: &str,
    body: &str,
    key: &sealing::CaseKey,
) -> Result<Event, StoreError> {
    let damaged = |what: &str| StoreError::Damaged {
        case: case.to_string(),
        reason: format!("event {case_seq} has an unreadable {what}"),
    };
    Ok(Event {
        case: case.clone(),
        sequence: u64::try_from(case_seq)
            .ok()
            .and_then(|n| Sequence::new(n).ok())
            .ok_or_else(|| damaged("number"))?,
        at: at.parse().map_err(|_| damaged("time"))?,
        actor: serde_json::from_str::<Actor>(actor).map_err(|_| damaged("actor"))?,
        body: sealing::open(case, u64::try_from(case_seq).unwrap_or(0), body, key)?,
    })
}

/// The key of `case` as a read found its `case_keys` row: the wrapped key
/// (`None` once erased or if there is no row) and when it was erased.
fn case_key(
    keys: &keys::Keys,
    case: &str,
    wrapped: Option<&[u8]>,
    erased_at_us: Option<i64>,
) -> Result<sealing::CaseKey, StoreError> {
    Ok(match (wrapped, erased_at_us) {
        (_, Some(_)) => sealing::CaseKey::Erased,
        (Some(wrapped), None) => sealing::CaseKey::Open(keys.unwrap_case_key(case, wrapped)?),
        (None, None) => sealing::CaseKey::Missing,
    })
}
