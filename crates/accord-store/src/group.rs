//! Group commit (issue 18): the commands and case reads that arrive while
//! one transaction commits share the next one, and its one fsync.
//!
//! Each [`Store::append_read`](crate::Store::append_read),
//! [`Store::raise`](crate::Store::raise) and
//! [`Store::record_read`](crate::Store::record_read) hands its work to the
//! store's queue and waits for its answer. The first to find the queue idle
//! starts a task that drains it: it takes everything waiting, up to
//! [`MOST`], runs each piece inside one write transaction under its own
//! savepoint, and commits once. A piece that fails (a conflict, an erased
//! case, a refused raise) is rolled back to its savepoint alone, so one
//! command's refusal never fails the others. Each is decided against the
//! latest state, the pieces before it in the same transaction included.
//!
//! Answers are sent only after the commit: nothing is acknowledged that a
//! crash could lose. If the commit fails, every piece that had succeeded is
//! told it failed, and nothing of the group is written.
//!
//! Nobody waits for a group to fill. While one group commits, the next
//! gathers; under no load each piece commits alone, as before.

use std::{
    any::Any,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use accord_case::{CaseId, Event, PersonId, Sequence};
use jiff::Timestamp;
use tokio::sync::oneshot;

use crate::{AppendError, Appended, StoreError};

/// The most pieces one transaction carries. Enough to pass the disk's
/// commit rate many times over; few enough that one group's transaction
/// stays short.
pub(crate) const MOST: usize = 64;

/// Who read a case and why, owned so that it can wait in the queue.
#[derive(Debug, Clone)]
pub(crate) struct OwnedReader {
    pub(crate) person: PersonId,
    pub(crate) purpose: String,
}

impl OwnedReader {
    pub(crate) fn of(reader: crate::Reader<'_>) -> Self {
        Self {
            person: reader.person.clone(),
            purpose: reader.purpose.to_owned(),
        }
    }

    pub(crate) fn borrowed(&self) -> crate::Reader<'_> {
        crate::Reader {
            person: &self.person,
            purpose: &self.purpose,
        }
    }
}

/// Makes a new case's events for the id issued to it, or refuses with the
/// caller's own error, boxed.
pub(crate) type Build =
    Box<dyn FnOnce(CaseId) -> Result<Vec<Event>, Box<dyn Any + Send>> + Send + 'static>;

/// One piece of work for the group.
pub(crate) enum Task {
    /// Append to cases' streams, with the read of the first by `reader`.
    Append {
        streams: Vec<(Option<Sequence>, Vec<Event>)>,
        reader: Option<OwnedReader>,
    },
    /// Issue the next case id of `prefix` and `year`, build the case's
    /// events for it, and append them.
    Raise {
        prefix: String,
        year: i16,
        build: Build,
        reader: Option<OwnedReader>,
    },
    /// Write one access-log row.
    Read {
        case: CaseId,
        reader: OwnedReader,
        at: Timestamp,
    },
}

/// An append's streams as the store appends them, each checked first.
pub(crate) fn checked_streams(
    streams: &[(Option<Sequence>, Vec<Event>)],
) -> Result<Vec<crate::Append<'_>>, AppendError> {
    streams
        .iter()
        .map(|(expected, events)| {
            let stream = crate::Append {
                expected: *expected,
                events,
            };
            crate::check_append(&stream)?;
            Ok(stream)
        })
        .collect()
}

/// What a piece did, once its group committed.
pub(crate) enum Done {
    Appended(Vec<Appended>),
    Raised(Box<Appended>, Vec<Event>),
    Read,
}

/// Why a piece did nothing.
pub(crate) enum Failed {
    /// The store refused it, or the database failed.
    Append(AppendError),
    /// A raise's `build` refused, with the caller's error.
    Refused(Box<dyn Any + Send>),
    /// A raise's `build` panicked, with the panic's payload.
    Panicked(Box<dyn Any + Send>),
}

impl From<AppendError> for Failed {
    fn from(e: AppendError) -> Self {
        Self::Append(e)
    }
}

impl From<StoreError> for Failed {
    fn from(e: StoreError) -> Self {
        Self::Append(e.into())
    }
}

/// A piece and where its answer goes.
pub(crate) struct Work {
    pub(crate) task: Task,
    pub(crate) answer: Answer,
}

/// The store's queue, shared by every clone of the store.
#[derive(Default)]
pub(crate) struct Group {
    queue: Mutex<Queue>,
    transactions: AtomicU64,
    pieces: AtomicU64,
}

/// How far commands have shared commits since the store opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupFigures {
    /// Write transactions the queue ran.
    pub transactions: u64,
    /// Commands and reads they carried.
    pub pieces: u64,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Work>,
    draining: bool,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group").finish_non_exhaustive()
    }
}

impl Group {
    /// Queues `task`; true if the caller must start a task to drain the
    /// queue, because none is draining it.
    pub(crate) fn push(&self, work: Work) -> bool {
        let mut queue = self.lock();
        queue.waiting.push(work);
        !std::mem::replace(&mut queue.draining, true)
    }

    /// The next group, up to [`MOST`] pieces in the order they came; `None`
    /// when the queue is empty, and then the queue is idle again.
    fn next(&self) -> Option<Vec<Work>> {
        let mut queue = self.lock();
        if queue.waiting.is_empty() {
            queue.draining = false;
            return None;
        }
        let take = queue.waiting.len().min(MOST);
        self.transactions.fetch_add(1, Ordering::Relaxed);
        self.pieces.fetch_add(take as u64, Ordering::Relaxed);
        Some(queue.waiting.drain(..take).collect())
    }

    /// The figures so far.
    pub(crate) fn figures(&self) -> GroupFigures {
        GroupFigures {
            transactions: self.transactions.load(Ordering::Relaxed),
            pieces: self.pieces.load(Ordering::Relaxed),
        }
    }

    /// Marks the queue idle, and hands back what was waiting in it.
    fn stopped(&self) -> Vec<Work> {
        let mut queue = self.lock();
        queue.draining = false;
        std::mem::take(&mut queue.waiting)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The right to drain the queue, held by the one task draining it. Made
/// when a piece finds the queue idle, and moved into the drainer, so that
/// however the drainer ends (the queue emptied, or its task dropped before
/// or while it ran, as when a runtime shuts down, or a panic) the queue is
/// left idle. If the drainer ends early, every piece still waiting is
/// dropped, and its caller told the store stopped, rather than left
/// waiting for a drainer that will not come.
pub(crate) struct Draining {
    group: Arc<Group>,
    emptied: bool,
}

impl Draining {
    pub(crate) fn new(group: Arc<Group>) -> Self {
        Self {
            group,
            emptied: false,
        }
    }

    /// The next group to commit; `None` once the queue is empty.
    pub(crate) fn next(&mut self) -> Option<Vec<Work>> {
        let next = self.group.next();
        self.emptied = next.is_none();
        next
    }
}

impl Drop for Draining {
    fn drop(&mut self) {
        if !self.emptied {
            let orphans = self.group.stopped();
            drop(orphans);
        }
    }
}

/// Tells each piece what became of it once its group's commit is known:
/// its own refusal, whatever the commit did; what it did, if the commit
/// held; the commit's failure otherwise. `None` is a piece not run because
/// the group broke before it, which only a failed commit leaves.
pub(crate) fn answer_all(
    answers: impl IntoIterator<Item = (Answer, Option<Result<Done, Failed>>)>,
    committed: &Result<(), StoreError>,
) {
    for (answer, outcome) in answers {
        let outcome = match (committed, outcome) {
            (_, Some(Err(refused))) => Err(refused),
            (Ok(()), Some(done)) => done,
            (Err(cause), _) => Err(Failed::from(shared_failure(cause))),
            (Ok(()), None) => unreachable!("every piece runs unless the group broke"),
        };
        // A caller that stopped waiting is no longer told.
        let _ = answer.send(outcome);
    }
}

/// Where a piece's answer goes.
pub(crate) type Answer = oneshot::Sender<Result<Done, Failed>>;

/// The error a piece is given when its group's commit failed, or the store
/// closed before it ran. Every piece of a group gets its own copy of the
/// one cause.
pub(crate) fn shared_failure(cause: &dyn std::fmt::Display) -> AppendError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::other(cause.to_string()))).into()
}

/// A piece's failure where only a [`StoreError`] can be told: a read of a
/// case fails only as the database does.
pub(crate) fn into_store_error(e: AppendError) -> StoreError {
    match e {
        AppendError::Store(e) => e,
        other => StoreError::Database(sqlx::Error::Io(std::io::Error::other(other.to_string()))),
    }
}
