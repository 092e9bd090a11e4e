//! SQLite's group commit without a handoff per statement (issue 18).
//!
//! sqlx runs every SQLite statement on a worker thread of its own, and
//! hands each one to it and its answer back across a channel: a command's
//! twenty-odd statements (the stream's version, its events, the chain head,
//! each projection, the savepoints, the access log) paid twenty-odd thread
//! wake-ups each way, and the server's profile showed that, not the disk,
//! bounding what it could write.
//!
//! Here a group begins its transaction through sqlx as before, then takes
//! the connection's own handle while sqlx's worker waits (sqlx's
//! `lock_handle`), and runs every piece of the group on it directly, in
//! this task, through rusqlite's prepared-statement cache: one handoff to
//! begin, one to take the handle, one to commit, whatever the group holds.
//! The statements are the same text as PostgreSQL's (`super::sql`), and the
//! steps the same as [`super::sqlx_group_commit`]'s: each piece under its
//! own savepoint, refused pieces rolled back alone, and every answer sent
//! only after the commit.

use std::ptr::NonNull;

use accord_case::{Case, CaseId, Event, Sequence};
use jiff::Timestamp;
use rusqlite::{Connection, Statement, ToSql};
use sqlx::{SqlitePool, error::DatabaseError};

use super::sql;
use crate::{
    Append, AppendError, Appended, Conflict, Reader, StoreError,
    canonical::{self, Hash},
    group::{Done, Failed, Task, Work, shared_failure},
    keys::{DataKey, Keys},
    projection::{self, Policies, to_i64},
    verify::{Break, Chain, ChainCheck, EventRow, EventView, Link},
};

/// Commits one group of pieces (see [`crate::group`]) in one transaction
/// on the writer's one connection.
pub(crate) async fn commit_group(
    writer: &SqlitePool,
    keys: &Keys,
    policies: &Policies,
    work: Vec<Work>,
) {
    // A caller that stopped waiting (a client that went away) is not
    // written for: a command dropped before its commit leaves nothing.
    let work: Vec<Work> = work.into_iter().filter(|w| !w.answer.is_closed()).collect();
    if work.is_empty() {
        return;
    }
    let (tasks, answers): (Vec<Task>, Vec<_>) =
        work.into_iter().map(|w| (w.task, w.answer)).unzip();
    let fail_all = |answers: Vec<tokio::sync::oneshot::Sender<_>>, cause: &StoreError| {
        for answer in answers {
            let _ = answer.send(Err(shared_failure(cause).into()));
        }
    };
    let mut tx = match super::sqlite::begin_write(writer).await {
        Ok(tx) => tx,
        Err(e) => return fail_all(answers, &e.into()),
    };
    let ran = match tx.lock_handle().await {
        Ok(mut locked) => run_all(locked.as_raw_handle(), keys, policies, tasks),
        Err(e) => return fail_all(answers, &e.into()),
    };
    let committed = match ran.broken {
        None if ran.nothing_to_commit => {
            let _ = tx.rollback().await;
            Ok(())
        }
        None => tx.commit().await.map_err(StoreError::from),
        Some(cause) => {
            let _ = tx.rollback().await;
            Err(cause)
        }
    };
    crate::group::answer_all(answers.into_iter().zip(ran.outcomes), &committed);
}

/// What running a group's pieces left.
struct Ran {
    /// Each piece's outcome, in order; `None` for a piece not run because
    /// the transaction broke first.
    outcomes: Vec<Option<Result<Done, Failed>>>,
    /// Why the transaction can no longer commit, if it cannot.
    broken: Option<StoreError>,
    /// A piece alone was refused: there is nothing to commit.
    nothing_to_commit: bool,
}

/// The connection sqlx has lent by `lock_handle`, to run statements on it
/// directly.
///
/// The caller keeps sqlx's `LockedSqliteHandle` alive for as long as the
/// connection returned here lives, and drops this first: while the lock is
/// held, sqlx's worker cannot use the handle, and rusqlite neither closes a
/// connection it did not open nor keeps anything of it once dropped (its
/// cached statements are finalized then).
#[allow(unsafe_code)]
fn lend(handle: NonNull<rusqlite::ffi::sqlite3>) -> rusqlite::Result<Connection> {
    // SAFETY: `handle` is an open connection (sqlx hands out only those),
    // used by nothing else while its lock is held, which outlives the
    // returned connection, as said above.
    unsafe { Connection::from_handle(handle.as_ptr()) }
}

/// A page of the log after `after`, up to `limit` events, read on the
/// connection sqlx lent (see `sqlite::event_page`).
pub(crate) fn event_page(
    handle: NonNull<rusqlite::ffi::sqlite3>,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    let conn = lend(handle).map_err(db)?;
    let mut st = prepared(&conn, super::EVENT_PAGE, &[&after, &limit])?;
    let mut rows = st.raw_query();
    let mut page = Vec::with_capacity(usize::try_from(limit).unwrap_or(0));
    while let Some(row) = rows.next().map_err(db)? {
        page.push(EventRow {
            global_seq: row.get(0).map_err(db)?,
            case_id: row.get(1).map_err(db)?,
            case_seq: row.get(2).map_err(db)?,
            event_type: row.get(3).map_err(db)?,
            at: row.get(4).map_err(db)?,
            actor: row.get(5).map_err(db)?,
            body: row.get(6).map_err(db)?,
            canonical: row.get(7).map_err(db)?,
            prev_hash: row.get(8).map_err(db)?,
            hash: row.get(9).map_err(db)?,
        });
    }
    Ok(page)
}

/// Runs `f`, which blocks, on this task's thread: through
/// `block_in_place` on a runtime with worker threads to take over its
/// other tasks, or as it is on one without.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// Reads a run of the log for [`walk_events`].
const EVENTS_BETWEEN: &str = "SELECT global_seq, case_id, case_seq, event_type, at, actor, \
     body, canonical, prev_hash, hash FROM events WHERE global_seq BETWEEN $1 AND $2 \
     ORDER BY global_seq";

/// Walks the event chain to its head (`head_seq`, `head_hash`) in pages
/// of `page` events: page `p` holds the events numbered `p * page + 1` to
/// `(p + 1) * page`, and the last page every event after. Each lent
/// connection's thread reads every so many pages, making each event's own
/// checks ([`crate::verify::own_check`]) as it reads it, and keeps only
/// its [`Link`]; this thread walks the links in order, so that a gap, a
/// broken link or an event past the head is found as the sqlx walk finds
/// it. At most two pages a connection wait to be walked.
pub(crate) fn walk_events(
    handles: &[NonNull<rusqlite::ffi::sqlite3>],
    page: i64,
    head_seq: u64,
    head_hash: &[u8],
    progress: &mut impl FnMut(u64),
) -> Result<Result<(u64, Hash), Break>, sqlx::Error> {
    let connections = handles
        .iter()
        .map(|handle| lend(*handle))
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)?;
    walk_connections(connections, page, head_seq, head_hash, progress)
}

/// [`walk_events`] on `connections`, one reading thread each.
pub(crate) fn walk_connections(
    connections: Vec<Connection>,
    page: i64,
    head_seq: u64,
    head_hash: &[u8],
    progress: &mut impl FnMut(u64),
) -> Result<Result<(u64, Hash), Break>, sqlx::Error> {
    let readers = connections.len().max(1);
    let page_size = u64::try_from(page).unwrap_or(1).max(1);
    let pages = head_seq / page_size + 1;
    std::thread::scope(|scope| {
        let mut pages_read = Vec::with_capacity(readers);
        for (first, conn) in connections.into_iter().enumerate() {
            let (send, receive) = std::sync::mpsc::sync_channel(2);
            pages_read.push(receive);
            scope.spawn(move || {
                let mut p = first as u64;
                while p < pages {
                    let low = to_i64(p * page_size + 1);
                    let high = if p + 1 == pages {
                        i64::MAX
                    } else {
                        to_i64((p + 1) * page_size)
                    };
                    let links = read_links(&conn, low, high, page_size);
                    let failed = links.is_err();
                    // The walk stopped (a fault found): so does this.
                    if send.send(links).is_err() || failed {
                        return;
                    }
                    p += readers as u64;
                }
            });
        }
        let mut check = ChainCheck::new(Chain::Events);
        for p in 0..pages {
            let links = pages_read[(p % readers as u64) as usize]
                .recv()
                .map_err(|_| db(rusqlite::Error::QueryReturnedNoRows))??;
            for link in &links {
                if let Err(fault) = check.check_link(link) {
                    return Ok(Err(fault));
                }
            }
            progress(check.checked());
        }
        Ok(check.finish(head_seq, head_hash))
    })
}

/// The links of the events numbered `low` to `high`, in order.
fn read_links(conn: &Connection, low: i64, high: i64, page: u64) -> Result<Vec<Link>, sqlx::Error> {
    use rusqlite::types::ValueRef;
    let mut st = prepared(conn, EVENTS_BETWEEN, &[&low, &high])?;
    let mut rows = st.raw_query();
    let mut links = Vec::with_capacity(usize::try_from(page).unwrap_or(0));
    while let Some(row) = rows.next().map_err(db)? {
        let bytes = |i: usize| match row.get_ref(i).map_err(db)? {
            ValueRef::Text(b) | ValueRef::Blob(b) => Ok(b),
            _ => Err(db(rusqlite::Error::InvalidColumnType(
                i,
                "an event column".into(),
                row.get_ref(i)
                    .map_or(rusqlite::types::Type::Null, |v| v.data_type()),
            ))),
        };
        let text = |i: usize| {
            std::str::from_utf8(bytes(i)?).map_err(|e| db(rusqlite::Error::Utf8Error(i, e)))
        };
        let view = EventView {
            global_seq: row.get(0).map_err(db)?,
            case_id: text(1)?,
            case_seq: row.get(2).map_err(db)?,
            event_type: text(3)?,
            at: text(4)?,
            actor: text(5)?,
            body: text(6)?,
            canonical: bytes(7)?,
            prev_hash: bytes(8)?,
        };
        links.push(Link::of(&view, bytes(9)?));
    }
    Ok(links)
}

/// Runs every piece, each under its own savepoint unless it is alone, on
/// the connection whose handle sqlx has lent.
fn run_all(
    handle: NonNull<rusqlite::ffi::sqlite3>,
    keys: &Keys,
    policies: &Policies,
    tasks: Vec<Task>,
) -> Ran {
    let conn = match lend(handle) {
        Ok(conn) => conn,
        Err(e) => {
            return Ran {
                outcomes: tasks.iter().map(|_| None).collect(),
                broken: Some(db(e).into()),
                nothing_to_commit: false,
            };
        }
    };
    // Room for every statement a piece runs, so that none is prepared
    // twice in one group.
    conn.set_prepared_statement_cache_capacity(64);
    let alone = tasks.len() == 1;
    let mut ran = Ran {
        outcomes: Vec::with_capacity(tasks.len()),
        broken: None,
        nothing_to_commit: false,
    };
    for task in tasks {
        if ran.broken.is_some() {
            ran.outcomes.push(None);
            continue;
        }
        if !alone && let Err(e) = exec(&conn, "SAVEPOINT accord_piece", &[]) {
            ran.broken = Some(e.into());
            ran.outcomes.push(None);
            continue;
        }
        let outcome = run_piece(&conn, keys, policies, task);
        if alone {
            ran.nothing_to_commit = outcome.is_err();
        } else {
            let end = if outcome.is_ok() {
                exec(&conn, "RELEASE SAVEPOINT accord_piece", &[])
            } else {
                exec(&conn, "ROLLBACK TO SAVEPOINT accord_piece", &[])
                    .and_then(|_| exec(&conn, "RELEASE SAVEPOINT accord_piece", &[]))
            };
            if let Err(e) = end {
                ran.broken = Some(e.into());
            }
        }
        ran.outcomes.push(Some(outcome));
    }
    ran
}

/// One piece of a group, inside its transaction.
fn run_piece(
    conn: &Connection,
    keys: &Keys,
    policies: &Policies,
    task: Task,
) -> Result<Done, Failed> {
    match task {
        Task::Append { streams, reader } => {
            let streams = crate::group::checked_streams(&streams)?;
            let appended = append_in(conn, keys, policies, &streams)?;
            if let (Some(reader), Some(first)) = (reader, appended.first()) {
                let at = super::last_at(streams[0].events);
                insert_read(conn, first.case.id(), reader.borrowed(), at)?;
            }
            Ok(Done::Appended(appended))
        }
        Task::Raise {
            prefix,
            year,
            build,
            reader,
        } => {
            // As on PostgreSQL: the chain head first, then the case number,
            // whose row is issued again if the raise is refused and rolled
            // back to its savepoint.
            read_head(conn)?;
            let last = next_case_number(conn, &prefix, year)?;
            let id = crate::case_id(&prefix, year, last)?;
            // A `build` that panics fails its own piece; the panic goes on
            // in the caller's task.
            let events = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(id)))
                .map_err(Failed::Panicked)?
                .map_err(Failed::Refused)?;
            let stream = Append {
                expected: None,
                events: &events,
            };
            crate::check_append(&stream)?;
            let mut appended = append_in(conn, keys, policies, &[stream])?;
            if let Some(reader) = reader {
                let at = super::last_at(&events);
                insert_read(conn, appended[0].case.id(), reader.borrowed(), at)?;
            }
            Ok(Done::Raised(Box::new(appended.remove(0)), events))
        }
        Task::Read { case, reader, at } => {
            insert_read(conn, &case, reader.borrowed(), at)?;
            Ok(Done::Read)
        }
    }
}

/// The body of an append, inside the group's transaction: the same steps
/// as the sqlx backends' `append_in`.
fn append_in(
    conn: &Connection,
    keys: &Keys,
    policies: &Policies,
    streams: &[Append<'_>],
) -> Result<Vec<Appended>, AppendError> {
    let (mut head_seq, mut head_hash) = read_head(conn)?;
    let mut appended = Vec::with_capacity(streams.len());
    for stream in streams {
        let case_id = &stream.events[0].case;
        let actual = stream_version(conn, case_id)?;
        if actual != stream.expected {
            return Err(Conflict {
                case: case_id.clone(),
                expected: stream.expected,
                actual,
            }
            .into());
        }
        let (mut events, key) = match actual {
            Some(_) => super::open_key(case_id, load_in(conn, keys, case_id)?)?,
            None => {
                let key = DataKey::generate();
                let wrapped = keys
                    .wrap_case_key(case_id.as_str(), &key)
                    .map_err(StoreError::from)?;
                exec(
                    conn,
                    sql::INSERT_CASE_KEY,
                    &[&case_id.as_str(), &wrapped, &keys.master().id()],
                )
                .map_err(|e| super::unique_is_conflict(e, case_id, stream.expected))?;
                (Vec::new(), key)
            }
        };
        let first = head_seq + 1;
        for event in stream.events {
            head_seq += 1;
            let e = canonical::seal(event, head_seq, head_hash, &key);
            exec(
                conn,
                sql::INSERT_EVENT,
                &[
                    &to_i64(e.global_seq),
                    &e.case_id,
                    &to_i64(e.case_seq),
                    &e.event_type,
                    &e.at,
                    &e.actor,
                    &e.body,
                    &e.canonical,
                    &&e.prev_hash[..],
                    &&e.hash[..],
                ],
            )
            .map_err(|err| super::unique_is_conflict(err, case_id, stream.expected))?;
            if let Some(r) = projection::outbox_row(event, head_seq, &e.hash) {
                exec(
                    conn,
                    sql::INSERT_OUTBOX,
                    &[
                        &r.global_seq,
                        &r.case_id,
                        &r.case_seq,
                        &r.recipient,
                        &r.occasion,
                        &r.stage,
                        &r.message,
                        &r.section,
                        &r.attachments,
                        &r.due_at_us,
                        &r.idempotency_key,
                    ],
                )
                .map_err(StoreError::from)?;
            }
            if let accord_case::EventBody::HandedOver { from, to, .. } = &event.body {
                exec(
                    conn,
                    sql::HAND_OVER,
                    &[
                        &case_id.as_str(),
                        &from.as_str(),
                        &to.as_str(),
                        &crate::Channel::InApp.as_str(),
                    ],
                )
                .map_err(StoreError::from)?;
            }
            head_hash = e.hash;
        }
        events.extend_from_slice(stream.events);
        let case = Case::fold(&events).map_err(|source| StoreError::Stream {
            case: case_id.clone(),
            source,
        })?;
        write_case(conn, keys, &case, &events, policies, to_i64(head_seq))?;
        appended.push(Appended {
            global: first..=head_seq,
            case,
        });
    }
    exec(
        conn,
        sql::UPDATE_HEAD,
        &[&to_i64(head_seq), &&head_hash[..]],
    )
    .map_err(StoreError::from)?;
    Ok(appended)
}

/// Issues the next number of `prefix` and `year`.
fn next_case_number(conn: &Connection, prefix: &str, year: i16) -> Result<i64, StoreError> {
    let mut st = prepared(conn, sql::NEXT_CASE_NUMBER, &[&prefix, &i64::from(year)])?;
    let mut rows = st.raw_query();
    let row = rows
        .next()
        .map_err(db)?
        .ok_or_else(|| db(rusqlite::Error::QueryReturnedNoRows))?;
    Ok(row.get(0).map_err(db)?)
}

/// The chain head, which `BEGIN IMMEDIATE` already holds for this
/// transaction.
fn read_head(conn: &Connection) -> Result<(u64, Hash), StoreError> {
    let mut st = prepared(conn, super::sqlite::HEAD_FOR_UPDATE, &[])?;
    let mut rows = st.raw_query();
    let row = rows
        .next()
        .map_err(db)?
        .ok_or_else(|| db(rusqlite::Error::QueryReturnedNoRows))?;
    super::head_from(row.get(0).map_err(db)?, row.get(1).map_err(db)?)
}

/// The last sequence number of `case`'s stream, if it has one.
fn stream_version(conn: &Connection, case: &CaseId) -> Result<Option<Sequence>, StoreError> {
    let mut st = prepared(conn, sql::STREAM_VERSION, &[&case.as_str()])?;
    let mut rows = st.raw_query();
    let max: Option<i64> = match rows.next().map_err(db)? {
        Some(row) => row.get(0).map_err(db)?,
        None => None,
    };
    Ok(max
        .and_then(|n| u64::try_from(n).ok())
        .and_then(|n| Sequence::new(n).ok()))
}

/// A case's events, opened with its data key, and the key.
fn load_in(
    conn: &Connection,
    keys: &Keys,
    case: &CaseId,
) -> Result<(Vec<Event>, crate::sealing::CaseKey), StoreError> {
    let mut st = prepared(conn, sql::LOAD_CASE, &[&case.as_str()])?;
    let mut rows = st.raw_query();
    let mut read = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        read.push((
            row.get(0).map_err(db)?,
            row.get(1).map_err(db)?,
            row.get(2).map_err(db)?,
            row.get(3).map_err(db)?,
            row.get(4).map_err(db)?,
            row.get(5).map_err(db)?,
        ));
    }
    super::open_case(keys, case, read)
}

/// Writes one access-log row.
fn insert_read(
    conn: &Connection,
    case: &CaseId,
    reader: Reader<'_>,
    at: Timestamp,
) -> Result<(), StoreError> {
    exec(
        conn,
        sql::INSERT_READ,
        &[
            &case.as_str(),
            &reader.person.as_str(),
            &at.to_string(),
            &at.as_microsecond(),
            &reader.purpose,
        ],
    )?;
    Ok(())
}

/// Writes the case's register row, deadlines, follow-ups, search rows and
/// insight's facts, as the sqlx backends' `write_case` does.
fn write_case(
    conn: &Connection,
    keys: &Keys,
    case: &Case,
    events: &[Event],
    policies: &Policies,
    stamp: i64,
) -> Result<(), StoreError> {
    let (r, deadlines) = projection::case_rows(case, policies)?;
    let id = r.case_id.as_str();
    exec(
        conn,
        sql::UPSERT_REGISTER,
        &[
            &r.case_id,
            &r.policy_id,
            &r.policy_version,
            &r.track,
            &r.stage,
            &r.stage_name,
            &r.leads,
            &r.raising_agency,
            &r.other_agency,
            &r.area,
            &r.raised_at_us,
            &r.status,
            &r.due_at_us,
            &r.version,
            &r.involvement,
            &crate::facts::FACTS_VERSION,
            &projection::queue_us(case),
        ],
    )?;
    exec(conn, sql::DELETE_INVOLVEMENT, &[&id])?;
    let involvement = projection::involvement_keys(case, policies);
    if !involvement.is_empty() {
        let mut args: Vec<&dyn ToSql> = Vec::with_capacity(involvement.len() + 1);
        args.push(&id);
        args.extend(involvement.iter().map(|k| k as &dyn ToSql));
        exec(conn, &sql::insert_involvement(involvement.len()), &args)?;
    }
    exec(conn, sql::DELETE_DEADLINES, &[&id])?;
    for d in deadlines {
        exec(
            conn,
            sql::INSERT_DEADLINE,
            &[
                &d.case_id,
                &d.form,
                &d.stage,
                &d.due_at_us,
                &d.last_day,
                &d.breached,
            ],
        )?;
    }
    exec(conn, crate::follow_ups::DELETE_OF_CASE, &[&id])?;
    for f in crate::follow_ups::rows(case) {
        exec(
            conn,
            crate::follow_ups::INSERT,
            &[
                &f.case_id,
                &f.follow_up_seq,
                &f.learning_seq,
                &f.owner,
                &f.due_on,
                &f.agreed_at_us,
                &f.done_at_us,
            ],
        )?;
    }
    exec(conn, sql::DELETE_SUBJECTS, &[&id])?;
    // An erased case is found by its reference and its shape, never by a
    // child: it has no blind indexes.
    if case.erased().is_none() {
        for (subject, blind) in crate::search::subject_rows(keys, case) {
            exec(conn, sql::INSERT_SUBJECT, &[&id, &subject, &blind])?;
        }
    }
    exec(conn, sql::DELETE_PEOPLE, &[&id])?;
    for person in crate::search::people_rows(case, events) {
        exec(conn, sql::INSERT_PERSON, &[&id, &person])?;
    }
    let facts = crate::facts::facts_row(events)?;
    exec(
        conn,
        sql::UPSERT_FACTS,
        &[&facts.case_id, &facts.raising_agency, &facts.facts, &stamp],
    )?;
    Ok(())
}

/// Runs `sql` with `args` bound to `$1`, `$2`… by name, as sqlx binds
/// them: a statement may name them in any order, or one twice.
fn exec(conn: &Connection, sql: &str, args: &[&dyn ToSql]) -> Result<usize, sqlx::Error> {
    prepared(conn, sql, args)?.raw_execute().map_err(db)
}

/// `sql` from the connection's cache of prepared statements, with `args`
/// bound.
fn prepared<'c>(
    conn: &'c Connection,
    sql: &str,
    args: &[&dyn ToSql],
) -> Result<rusqlite::CachedStatement<'c>, sqlx::Error> {
    let mut st = conn.prepare_cached(sql).map_err(db)?;
    bind(&mut st, args).map_err(db)?;
    Ok(st)
}

fn bind(st: &mut Statement<'_>, args: &[&dyn ToSql]) -> rusqlite::Result<()> {
    st.clear_bindings();
    for (i, arg) in args.iter().enumerate() {
        let name = format!("${}", i + 1);
        let index = st
            .parameter_index(&name)?
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(name))?;
        st.raw_bind_parameter(index, arg)?;
    }
    Ok(())
}

/// A SQLite error met on the lent handle, as sqlx would have reported it,
/// so that the rest of the store (the unique violation that means another
/// writer appended first, above all) reads it the same way.
#[derive(Debug)]
struct RawError {
    message: String,
    code: Option<i32>,
}

fn db(e: rusqlite::Error) -> sqlx::Error {
    let code = match &e {
        rusqlite::Error::SqliteFailure(failure, _) => Some(failure.extended_code),
        _ => None,
    };
    sqlx::Error::Database(Box::new(RawError {
        message: e.to_string(),
        code,
    }))
}

impl std::fmt::Display for RawError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RawError {}

impl DatabaseError for RawError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.code.map(|c| c.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        use sqlx::error::ErrorKind;
        match self.code {
            Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
                ErrorKind::UniqueViolation
            }
            Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => ErrorKind::ForeignKeyViolation,
            Some(ffi::SQLITE_CONSTRAINT_NOTNULL) => ErrorKind::NotNullViolation,
            Some(ffi::SQLITE_CONSTRAINT_CHECK) => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Another writer's append at the same version shows as a unique
    /// violation; the store turns only that into a `Conflict`, so the
    /// error met on the lent handle must say so as sqlx's would.
    #[test]
    fn a_unique_violation_on_the_lent_handle_reads_as_sqlx_reads_one() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE events (case_id TEXT, case_seq INTEGER, \
             PRIMARY KEY (case_id, case_seq)); \
             CREATE TABLE keys (case_id TEXT UNIQUE, n INTEGER NOT NULL CHECK (n > 0))",
        )
        .unwrap();
        let twice = |sql: &str, args: &[&dyn ToSql]| {
            exec(&conn, sql, args).unwrap();
            exec(&conn, sql, args).unwrap_err()
        };
        let e = twice(
            "INSERT INTO events VALUES ($1, $2)",
            &[&"HAV-2026-0001", &1_i64],
        );
        let sqlx::Error::Database(d) = &e else {
            panic!("{e}")
        };
        assert!(d.is_unique_violation(), "{d}");
        let sequence = Sequence::new(1).unwrap();
        let case = CaseId::parse("HAV-2026-0001").unwrap();
        assert!(matches!(
            super::super::unique_is_conflict(e, &case, Some(sequence)),
            AppendError::Conflict(_)
        ));
        let e = twice(
            "INSERT INTO keys VALUES ($1, $2)",
            &[&"HAV-2026-0001", &1_i64],
        );
        assert!(matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation()));
        let e = exec(&conn, "INSERT INTO keys VALUES ($1, $2)", &[&"b", &0_i64]).unwrap_err();
        assert!(matches!(&e, sqlx::Error::Database(d) if d.is_check_violation()));
        let e = exec(&conn, "INSERT INTO keys VALUES ($1, NULL)", &[&"c"]).unwrap_err();
        assert!(
            matches!(&e, sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::NotNullViolation)
        );
    }

    /// Arguments are bound by their names, `$1`, `$2`…, as sqlx binds
    /// them, even where a statement names them out of order or twice (as
    /// `sql::HAND_OVER` does).
    #[test]
    fn arguments_are_bound_by_name_in_any_order() {
        let conn = Connection::open_in_memory().unwrap();
        let mut st = prepared(
            &conn,
            "SELECT $3 || ':' || $1 || ':' || $3 || ':' || $2",
            &[&"one", &"two", &"three"],
        )
        .unwrap();
        let mut rows = st.raw_query();
        let row = rows.next().unwrap().unwrap();
        assert_eq!(row.get::<_, String>(0).unwrap(), "three:one:three:two");
    }
}
