//! The two backends. What they share — every query but how a transaction
//! starts and how the chain head is locked — is written once in
//! [`common_queries`] and expanded in each backend's module, where `Db`,
//! `HEAD_FOR_UPDATE`, `begin_write` and `begin_read` say how that backend
//! does those. Both dialects accept `$1` placeholders, `ON CONFLICT … DO
//! UPDATE` and row-value comparisons, so the SQL text is the same.

pub(crate) mod postgres;
pub(crate) mod sqlite;
pub(crate) mod sqlite_group;

/// The statements a command's transaction runs, written once for both
/// backends and for SQLite's group commit, which runs them on the
/// connection's own thread ([`sqlite_group`]).
pub(crate) mod sql {
    pub(crate) const STREAM_VERSION: &str = "SELECT MAX(case_seq) FROM events WHERE case_id = $1";
    pub(crate) const LOAD_CASE: &str = "SELECT e.case_seq, e.at, e.actor, e.body, k.wrapped, \
         k.erased_at_us FROM events e LEFT JOIN case_keys k ON k.case_id = e.case_id \
         WHERE e.case_id = $1 ORDER BY e.case_seq";
    pub(crate) const INSERT_READ: &str = "INSERT INTO access_log (case_id, person_id, at, at_us, \
         purpose) VALUES ($1, $2, $3, $4, $5)";
    pub(crate) const NEXT_CASE_NUMBER: &str = "INSERT INTO case_numbers (prefix, year, last) \
         VALUES ($1, $2, 1) ON CONFLICT (prefix, year) DO UPDATE SET last = case_numbers.last + 1 \
         RETURNING last";
    pub(crate) const UPDATE_HEAD: &str =
        "UPDATE chain_head SET global_seq = $1, hash = $2 WHERE id = 1";
    pub(crate) const INSERT_CASE_KEY: &str =
        "INSERT INTO case_keys (case_id, wrapped, master_id) VALUES ($1, $2, $3)";
    pub(crate) const HAND_OVER: &str = "INSERT INTO deliveries (key, case_id, person_id, channel, \
         address, subject, body, occasion, created_at_us, status, attempts, next_attempt_at_us, \
         sent_at_us, happened, detail, todo, by_when) \
         SELECT 'handover:' || $3 || ':' || key, case_id, $3, channel, address, \
         subject, body, occasion, created_at_us, status, attempts, \
         next_attempt_at_us, sent_at_us, happened, detail, todo, by_when \
         FROM deliveries WHERE case_id = $1 AND person_id = $2 AND channel = $4 \
         ORDER BY id ON CONFLICT (key) DO NOTHING";
    pub(crate) const INSERT_EVENT: &str = "INSERT INTO events (global_seq, case_id, case_seq, \
         event_type, at, actor, body, canonical, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    pub(crate) const INSERT_OUTBOX: &str = "INSERT INTO outbox (global_seq, case_id, case_seq, \
         recipient, occasion, stage, message, section, attachments, due_at_us, idempotency_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (global_seq) DO UPDATE SET case_id = excluded.case_id, \
         case_seq = excluded.case_seq, recipient = excluded.recipient, \
         occasion = excluded.occasion, stage = excluded.stage, message = excluded.message, \
         section = excluded.section, attachments = excluded.attachments, \
         due_at_us = excluded.due_at_us, idempotency_key = excluded.idempotency_key";
    pub(crate) const UPSERT_REGISTER: &str = "INSERT INTO case_register (case_id, policy_id, \
         policy_version, track, stage, stage_name, leads, raising_agency, other_agency, area, \
         raised_at_us, status, due_at_us, version, involvement, searchable, facts_version, \
         queue_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $17) \
         ON CONFLICT (case_id) DO UPDATE SET policy_id = excluded.policy_id, \
         policy_version = excluded.policy_version, track = excluded.track, \
         stage = excluded.stage, stage_name = excluded.stage_name, leads = excluded.leads, \
         raising_agency = excluded.raising_agency, other_agency = excluded.other_agency, \
         area = excluded.area, raised_at_us = excluded.raised_at_us, \
         status = excluded.status, due_at_us = excluded.due_at_us, \
         version = excluded.version, involvement = excluded.involvement, \
         searchable = excluded.searchable, facts_version = excluded.facts_version, \
         queue_us = excluded.queue_us";
    pub(crate) const DELETE_DEADLINES: &str = "DELETE FROM deadlines WHERE case_id = $1";
    pub(crate) const INSERT_DEADLINE: &str = "INSERT INTO deadlines (case_id, form, stage, \
         due_at_us, last_day, breached) VALUES ($1, $2, $3, $4, $5, $6)";
    pub(crate) const DELETE_INVOLVEMENT: &str = "DELETE FROM case_involvement WHERE case_id = $1";
    pub(crate) const UPSERT_FACTS: &str = "INSERT INTO case_facts (case_id, raising_agency, \
         facts, stamp) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (case_id) DO UPDATE SET raising_agency = excluded.raising_agency, \
         facts = excluded.facts, stamp = excluded.stamp";
    pub(crate) const DELETE_SUBJECTS: &str = "DELETE FROM case_subjects WHERE case_id = $1";
    pub(crate) const INSERT_SUBJECT: &str = "INSERT INTO case_subjects (case_id, subject_id, \
         blind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    pub(crate) const DELETE_PEOPLE: &str = "DELETE FROM case_people WHERE case_id = $1";
    pub(crate) const INSERT_PERSON: &str =
        "INSERT INTO case_people (case_id, person_id) VALUES ($1, $2)";

    /// Inserts `n` involvement keys of one case: the case as `$1`, the
    /// keys as `$2` on.
    pub(crate) fn insert_involvement(n: usize) -> String {
        let values: Vec<String> = (0..n).map(|i| format!("($1, ${})", i + 2)).collect();
        format!(
            "INSERT INTO case_involvement (case_id, who) VALUES {} ON CONFLICT DO NOTHING",
            values.join(", ")
        )
    }
}

/// One row of `sql::LOAD_CASE`: an event's number, time, actor and sealed
/// body, with its case's wrapped key and when that was erased.
pub(crate) type CaseRow = (i64, String, String, String, Option<Vec<u8>>, Option<i64>);

/// A case's stored rows (`sql::LOAD_CASE`), opened with its data key, and
/// the key.
pub(crate) fn open_case(
    keys: &crate::keys::Keys,
    case: &accord_case::CaseId,
    rows: Vec<CaseRow>,
) -> Result<(Vec<accord_case::Event>, crate::sealing::CaseKey), crate::StoreError> {
    let key = match rows.first() {
        Some((_, _, _, _, wrapped, erased)) => {
            crate::case_key(keys, case.as_str(), wrapped.as_deref(), *erased)?
        }
        None => crate::sealing::CaseKey::Missing,
    };
    let events = rows
        .into_iter()
        .map(|(seq, at, actor, body, _, _)| {
            crate::decode_event(case, seq, &at, &actor, &body, &key)
        })
        .collect::<Result<_, _>>()?;
    Ok((events, key))
}

/// Reads the events after `after` in the log's order, a page of
/// `sql::PAGE` at a time, for `verify` and the carry-over.
pub(crate) const EVENT_PAGE: &str = "SELECT global_seq, case_id, case_seq, event_type, at, actor, \
     body, canonical, prev_hash, hash FROM events WHERE global_seq > $1 \
     ORDER BY global_seq LIMIT $2";

/// The chain head as its row holds it.
pub(crate) fn head_from(
    seq: i64,
    hash: Vec<u8>,
) -> Result<(u64, crate::canonical::Hash), crate::StoreError> {
    let damaged = || crate::StoreError::Damaged {
        case: "(chain head)".into(),
        reason: "the chain head row is not a sequence number and a hash".into(),
    };
    Ok((
        u64::try_from(seq).map_err(|_| damaged())?,
        crate::canonical::Hash::try_from(hash.as_slice()).map_err(|_| damaged())?,
    ))
}

/// A stream about to be appended to, as [`open_case`] read it: its events
/// and its open data key, or why it cannot be appended to.
pub(crate) fn open_key(
    case: &accord_case::CaseId,
    (events, key): (Vec<accord_case::Event>, crate::sealing::CaseKey),
) -> Result<(Vec<accord_case::Event>, crate::keys::DataKey), crate::StoreError> {
    match key {
        crate::sealing::CaseKey::Open(key) => Ok((events, key)),
        crate::sealing::CaseKey::Erased => Err(crate::StoreError::Erased {
            case: case.to_string(),
        }),
        crate::sealing::CaseKey::Missing => Err(crate::StoreError::Damaged {
            case: case.to_string(),
            reason: "the case has no data key".into(),
        }),
    }
}

/// When the last of `events` was recorded.
pub(crate) fn last_at(events: &[accord_case::Event]) -> jiff::Timestamp {
    events.last().map_or(jiff::Timestamp::UNIX_EPOCH, |e| e.at)
}

/// A unique violation on `(case_id, case_seq)` means another writer
/// appended at the same version: the typed conflict, not a failure.
pub(crate) fn unique_is_conflict(
    e: sqlx::Error,
    case: &accord_case::CaseId,
    expected: Option<accord_case::Sequence>,
) -> crate::AppendError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => crate::Conflict {
            case: case.clone(),
            expected,
            actual: None,
        }
        .into(),
        _ => crate::StoreError::from(e).into(),
    }
}

/// Expands the queries both backends share into the calling module. The
/// module must define `Db` (the sqlx database), `HEAD_FOR_UPDATE` (the
/// query reading the chain head and locking it for this transaction),
/// `write_follow_ups` (the learning follow-ups projection's writer),
/// `begin_write(pool)` and `begin_read(pool)`.
macro_rules! common_queries {
    () => {
        use accord_case::{Case, CaseId, Event, PersonId, Sequence};
        use jiff::Timestamp;
        use sqlx::{Pool, Transaction};

        use crate::{
            AccessRecord, Append, AppendError, Appended, Conflict, Reader, StoreError,
            canonical::{self, Hash},
            projection::{
                self, DeadlineEntry, DeadlineRow, OutboxEntry, OutboxRow, Policies,
                RegisterEntry, RegisterRow, to_i64,
            },
            verify::{Chain, ChainCheck, EventRow, Verification},
            keys::{DataKey, Keys},
            sealing::CaseKey,
        };

        type Tx = Transaction<'static, Db>;

        /// How many events one query reads while walking the log.
        const PAGE: i64 = 5_000;

        async fn read_head(tx: &mut Tx) -> Result<(u64, Hash), StoreError> {
            let (seq, hash): (i64, Vec<u8>) =
                sqlx::query_as(HEAD_FOR_UPDATE).fetch_one(&mut **tx).await?;
            super::head_from(seq, hash)
        }

        async fn stream_version(
            tx: &mut Tx,
            case: &CaseId,
        ) -> Result<Option<Sequence>, StoreError> {
            let (max,): (Option<i64>,) =
                sqlx::query_as(super::sql::STREAM_VERSION)
                    .bind(case.as_str())
                    .fetch_one(&mut **tx)
                    .await?;
            Ok(max.and_then(|n| u64::try_from(n).ok()).and_then(|n| Sequence::new(n).ok()))
        }

        /// A case's events, opened with its data key, and the key.
        async fn load_in(
            conn: &mut <Db as sqlx::Database>::Connection,
            keys: &Keys,
            case: &CaseId,
        ) -> Result<(Vec<Event>, CaseKey), StoreError> {
            let rows: Vec<super::CaseRow> = sqlx::query_as(
                super::sql::LOAD_CASE,
            )
            .bind(case.as_str())
            .fetch_all(&mut *conn)
            .await?;
            super::open_case(keys, case, rows)
        }

        /// Appends each stream in order, in one transaction: all or nothing,
        /// with the read of the first stream's case by `reader`, if given.
        pub(crate) async fn append(
            writer: &Pool<Db>,
            keys: &Keys,
            policies: &Policies,
            streams: &[Append<'_>],
            reader: Option<Reader<'_>>,
        ) -> Result<Vec<Appended>, AppendError> {
            for stream in streams {
                crate::check_append(stream)?;
            }
            let mut tx = begin_write(writer).await.map_err(StoreError::from)?;
            let appended = append_in(&mut tx, keys, policies, streams).await?;
            if let (Some(reader), Some(first)) = (reader, appended.first()) {
                insert_read(&mut *tx, first.case.id(), reader, super::last_at(streams[0].events))
                    .await?;
            }
            tx.commit().await.map_err(StoreError::from)?;
            Ok(appended)
        }

        /// Writes one access-log row, inside a transaction or on its own.
        async fn insert_read<'e>(
            executor: impl sqlx::Executor<'e, Database = Db>,
            case: &CaseId,
            reader: Reader<'_>,
            at: Timestamp,
        ) -> Result<(), StoreError> {
            sqlx::query(
                super::sql::INSERT_READ,
            )
            .bind(case.as_str())
            .bind(reader.person.as_str())
            .bind(at.to_string())
            .bind(at.as_microsecond())
            .bind(reader.purpose)
            .execute(executor)
            .await?;
            Ok(())
        }

        /// The body of an append, inside the caller's transaction.
        async fn append_in(
            tx: &mut Tx,
            keys: &Keys,
            policies: &Policies,
            streams: &[Append<'_>],
        ) -> Result<Vec<Appended>, AppendError> {
            let (mut head_seq, mut head_hash) = read_head(tx).await?;
            let mut appended = Vec::with_capacity(streams.len());
            for stream in streams {
                let case_id = &stream.events[0].case;
                let actual = stream_version(tx, case_id).await?;
                if actual != stream.expected {
                    return Err(Conflict {
                        case: case_id.clone(),
                        expected: stream.expected,
                        actual,
                    }
                    .into());
                }
                let (mut events, key) = match actual {
                    Some(_) => super::open_key(case_id, load_in(tx, keys, case_id).await?)?,
                    None => {
                        let key = DataKey::generate();
                        insert_case_key(tx, keys, case_id, &key)
                            .await
                            .map_err(|e| match e {
                                StoreError::Database(e) => {
                                    super::unique_is_conflict(e, case_id, stream.expected)
                                }
                                e => e.into(),
                            })?;
                        (Vec::new(), key)
                    }
                };
                let first = head_seq + 1;
                for event in stream.events {
                    head_seq += 1;
                    let sealed = canonical::seal(event, head_seq, head_hash, &key);
                    insert_event(tx, &sealed).await.map_err(|e| {
                        super::unique_is_conflict(e, case_id, stream.expected)
                    })?;
                    if let Some(row) = projection::outbox_row(event, head_seq, &sealed.hash) {
                        insert_outbox(tx, &row).await?;
                    }
                    if let accord_case::EventBody::HandedOver { from, to, .. } = &event.body {
                        hand_over_notifications(tx, case_id, from, to).await?;
                    }
                    head_hash = sealed.hash;
                }
                events.extend_from_slice(stream.events);
                let case = Case::fold(&events).map_err(|source| StoreError::Stream {
                    case: case_id.clone(),
                    source,
                })?;
                write_case(tx, keys, &case, &events, policies, to_i64(head_seq)).await?;
                appended.push(Appended {
                    global: first..=head_seq,
                    case,
                });
            }
            sqlx::query(super::sql::UPDATE_HEAD)
                .bind(to_i64(head_seq))
                .bind(&head_hash[..])
                .execute(&mut **tx)
                .await
                .map_err(StoreError::from)?;
            Ok(appended)
        }

        /// Makes `key` the data key of the new case `case`, wrapped by the
        /// master key.
        async fn insert_case_key(
            tx: &mut Tx,
            keys: &Keys,
            case: &CaseId,
            key: &DataKey,
        ) -> Result<(), StoreError> {
            let wrapped = keys.wrap_case_key(case.as_str(), key)?;
            sqlx::query(super::sql::INSERT_CASE_KEY)
                .bind(case.as_str())
                .bind(wrapped)
                .bind(keys.master().id())
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        /// The notifications in the app that `from` had about `case` are
        /// given to `to` too, in the transaction that hands them `from`'s
        /// work on it (issue 13 §3: "handing it over moves the
        /// notifications ... to the new person"), so the newcomer reads
        /// what the leaver was told. Only in the app: old news is not
        /// emailed again. Each copy's key names its new reader and the
        /// original, so handing over a second piece of the same case to
        /// the same person copies nothing twice.
        async fn hand_over_notifications(
            tx: &mut Tx,
            case: &CaseId,
            from: &PersonId,
            to: &PersonId,
        ) -> Result<(), StoreError> {
            sqlx::query(
                super::sql::HAND_OVER,
            )
            .bind(case.as_str())
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(crate::Channel::InApp.as_str())
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn insert_event(tx: &mut Tx, e: &canonical::Sealed) -> Result<(), sqlx::Error> {
            sqlx::query(
                super::sql::INSERT_EVENT,
            )
            .bind(to_i64(e.global_seq))
            .bind(&e.case_id)
            .bind(to_i64(e.case_seq))
            .bind(e.event_type)
            .bind(&e.at)
            .bind(&e.actor)
            .bind(&e.body)
            .bind(&e.canonical)
            .bind(&e.prev_hash[..])
            .bind(&e.hash[..])
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// Writes an outbox row; on a rebuild, refreshes what the log says
        /// and keeps the delivery status.
        async fn insert_outbox(tx: &mut Tx, r: &OutboxRow) -> Result<(), StoreError> {
            sqlx::query(
                super::sql::INSERT_OUTBOX,
            )
            .bind(r.global_seq)
            .bind(&r.case_id)
            .bind(r.case_seq)
            .bind(&r.recipient)
            .bind(&r.occasion)
            .bind(r.stage)
            .bind(&r.message)
            .bind(&r.section)
            .bind(&r.attachments)
            .bind(r.due_at_us)
            .bind(&r.idempotency_key)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// Writes the case's register row, deadlines, follow-ups, search
        /// rows and insight's facts, from `case` folded from `events`; the
        /// facts stamped with `stamp`, the chain head after them.
        async fn write_case(
            tx: &mut Tx,
            keys: &Keys,
            case: &Case,
            events: &[Event],
            policies: &Policies,
            stamp: i64,
        ) -> Result<(), StoreError> {
            let (r, deadlines): (RegisterRow, Vec<DeadlineRow>) =
                projection::case_rows(case, policies)?;
            sqlx::query(
                super::sql::UPSERT_REGISTER,
            )
            .bind(&r.case_id)
            .bind(&r.policy_id)
            .bind(r.policy_version)
            .bind(&r.track)
            .bind(r.stage)
            .bind(&r.stage_name)
            .bind(&r.leads)
            .bind(&r.raising_agency)
            .bind(&r.other_agency)
            .bind(&r.area)
            .bind(r.raised_at_us)
            .bind(&r.status)
            .bind(r.due_at_us)
            .bind(r.version)
            .bind(&r.involvement)
            .bind(crate::facts::FACTS_VERSION)
            .bind(projection::queue_us(case))
            .execute(&mut **tx)
            .await?;
            write_involvement(tx, &r.case_id, &projection::involvement_keys(case, policies))
                .await?;
            sqlx::query(super::sql::DELETE_DEADLINES)
                .bind(&r.case_id)
                .execute(&mut **tx)
                .await?;
            for d in deadlines {
                sqlx::query(
                    super::sql::INSERT_DEADLINE,
                )
                .bind(&d.case_id)
                .bind(&d.form)
                .bind(d.stage)
                .bind(d.due_at_us)
                .bind(&d.last_day)
                .bind(d.breached)
                .execute(&mut **tx)
                .await?;
            }
            write_follow_ups(tx, &r.case_id, &crate::follow_ups::rows(case))
                .await?;
            write_search_rows(tx, keys, case, events).await?;
            write_facts(tx, events, stamp).await
        }

        /// Replaces who the involvement of case `case_id` lets see it
        /// (migration 0023), as `keys`.
        async fn write_involvement(
            tx: &mut Tx,
            case_id: &str,
            keys: &[String],
        ) -> Result<(), StoreError> {
            sqlx::query(super::sql::DELETE_INVOLVEMENT)
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
            if keys.is_empty() {
                return Ok(());
            }
            let sql = super::sql::insert_involvement(keys.len());
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(case_id);
            for key in keys {
                query = query.bind(key);
            }
            query.execute(&mut **tx).await?;
            Ok(())
        }

        /// Replaces what insight keeps of the case whose whole stream is
        /// `events` (migration 0016): its facts as `accord-insight` reads
        /// them, stamped with the chain head after the append (migration
        /// 0019) so that `facts_since` finds them.
        async fn write_facts(tx: &mut Tx, events: &[Event], stamp: i64) -> Result<(), StoreError> {
            let row = crate::facts::facts_row(events)?;
            sqlx::query(
                super::sql::UPSERT_FACTS,
            )
            .bind(&row.case_id)
            .bind(&row.raising_agency)
            .bind(&row.facts)
            .bind(stamp)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// Replaces what search keeps of `case` (migration 0012): its
        /// children as search compares them, and everyone who took part.
        async fn write_search_rows(
            tx: &mut Tx,
            keys: &Keys,
            case: &Case,
            events: &[Event],
        ) -> Result<(), StoreError> {
            let id = case.id().as_str();
            sqlx::query(super::sql::DELETE_SUBJECTS)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            // An erased case is found by its reference and its shape, never
            // by a child: it has no blind indexes.
            if case.erased().is_none() {
                for (subject, blind) in crate::search::subject_rows(keys, case) {
                    sqlx::query(
                        super::sql::INSERT_SUBJECT,
                    )
                    .bind(id)
                    .bind(&subject)
                    .bind(&blind)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            sqlx::query(super::sql::DELETE_PEOPLE)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            for person in crate::search::people_rows(case, events) {
                sqlx::query(super::sql::INSERT_PERSON)
                    .bind(id)
                    .bind(&person)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        /// The cases of `partnership` that match `search`, newest first.
        pub(crate) async fn search_cases(
            reader: &Pool<Db>,
            keys: &Keys,
            partnership: &str,
            search: &crate::CaseSearch,
        ) -> Result<Vec<RegisterEntry>, StoreError> {
            let (wheres, binds) = crate::search::conditions(keys, partnership, search);
            let sql = format!(
                "SELECT {REGISTER_COLUMNS} FROM case_register WHERE {} \
                 ORDER BY raised_at_us DESC, case_id DESC",
                wheres.join(" AND ")
            );
            let mut query = sqlx::query_as::<_, RegisterRow>(sqlx::AssertSqlSafe(sql));
            for bind in binds {
                query = match bind {
                    crate::search::Bind::Text(t) => query.bind(t),
                    crate::search::Bind::Int(n) => query.bind(n),
                };
            }
            let rows: Vec<RegisterRow> = query.fetch_all(reader).await?;
            rows.into_iter().map(RegisterEntry::try_from).collect()
        }

        /// Writes a search to the search log, and the read of each case it
        /// showed to the access log, in one transaction.
        pub(crate) async fn record_search(
            writer: &Pool<Db>,
            person: &PersonId,
            at: Timestamp,
            query: &str,
            shown: &[CaseId],
        ) -> Result<(), StoreError> {
            let mut tx = begin_write(writer).await?;
            let ids: Vec<&str> = shown.iter().map(CaseId::as_str).collect();
            sqlx::query(
                "INSERT INTO search_log (person_id, at, at_us, query, shown) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(person.as_str())
            .bind(at.to_string())
            .bind(at.as_microsecond())
            .bind(query)
            .bind(serde_json::to_string(&ids).expect("ids always serialise"))
            .execute(&mut *tx)
            .await?;
            for case in shown {
                insert_read(&mut *tx, case, Reader { person, purpose: "search" }, at).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        /// The searches `person` made, oldest first.
        pub(crate) async fn searches_by(
            reader: &Pool<Db>,
            person: &PersonId,
        ) -> Result<Vec<crate::SearchRecord>, StoreError> {
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT at, query, shown FROM search_log WHERE person_id = $1 ORDER BY id",
            )
            .bind(person.as_str())
            .fetch_all(reader)
            .await?;
            rows.into_iter()
                .map(|(at, query, shown)| {
                    let damaged = |what: &str| StoreError::Damaged {
                        case: "(search log)".into(),
                        reason: format!("a search log row has an invalid {what}"),
                    };
                    let shown: Vec<CaseId> =
                        serde_json::from_str(&shown).map_err(|_| damaged("list of cases"))?;
                    Ok(crate::SearchRecord {
                        person: person.clone(),
                        at: at.parse().map_err(|_| damaged("time"))?,
                        query,
                        shown,
                    })
                })
                .collect()
        }

        /// A case's events in order.
        pub(crate) async fn load(
            reader: &Pool<Db>,
            keys: &Keys,
            case: &CaseId,
        ) -> Result<Vec<Event>, StoreError> {
            let mut conn = reader.acquire().await?;
            Ok(load_in(&mut conn, keys, case).await?.0)
        }

        /// The events of `kinds` of every case raised in `partnership`,
        /// grouped by case in stream order, in one query.
        pub(crate) async fn histories_of(
            reader: &Pool<Db>,
            keys: &Keys,
            partnership: &str,
            kinds: &[&str],
        ) -> Result<Vec<Vec<Event>>, StoreError> {
            let placeholders: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT e.case_id, e.case_seq, e.at, e.actor, e.body, k.wrapped, k.erased_at_us \
                 FROM events e JOIN case_register r ON r.case_id = e.case_id \
                 LEFT JOIN case_keys k ON k.case_id = e.case_id \
                 WHERE r.raising_agency IN (SELECT id FROM agencies WHERE partnership_id = $1) \
                 AND e.event_type IN ({}) ORDER BY e.case_id, e.case_seq",
                placeholders.join(", ")
            );
            type Row = (String, i64, String, String, String, Option<Vec<u8>>, Option<i64>);
            let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(partnership);
            for kind in kinds {
                query = query.bind(*kind);
            }
            let rows = query.fetch_all(reader).await?;
            let mut out: Vec<Vec<Event>> = Vec::new();
            let mut current: Option<(CaseId, CaseKey)> = None;
            for (case, seq, at, actor, body, wrapped, erased) in rows {
                if current.as_ref().is_none_or(|c| c.0.as_str() != case) {
                    let id = CaseId::parse(&case).map_err(|e| StoreError::Damaged {
                        case: case.clone(),
                        reason: e.to_string(),
                    })?;
                    let key = crate::case_key(keys, &case, wrapped.as_deref(), erased)?;
                    current = Some((id, key));
                    out.push(Vec::new());
                }
                let (Some((id, key)), Some(events)) = (current.as_ref(), out.last_mut()) else {
                    continue;
                };
                events.push(crate::decode_event(id, seq, &at, &actor, &body, key)?);
            }
            Ok(out)
        }

        /// The facts of the cases raised in `partnership` whose facts were
        /// written after the chain head was at `since.head` (every case's
        /// when `since` is `None`, or names another count of rebuilds),
        /// from insight's projection, with the head and the count of
        /// rebuilds they were read at: one snapshot, no events.
        pub(crate) async fn facts_since(
            reader: &Pool<Db>,
            partnership: &str,
            since: Option<crate::facts::Mark>,
        ) -> Result<crate::facts::Changed, StoreError> {
            let mut tx = begin_read(reader).await?;
            let (head, rebuilds): (i64, i64) =
                sqlx::query_as("SELECT global_seq, rebuilds FROM chain_head WHERE id = 1")
                    .fetch_one(&mut *tx)
                    .await?;
            let mark = crate::facts::Mark { head, rebuilds };
            let after = since.filter(|s| s.rebuilds == rebuilds).map(|s| s.head);
            let rows: Vec<(String, String, String)> = match after {
                // Every row of the partnership, by its agencies.
                None => {
                    sqlx::query_as(
                        "SELECT case_id, raising_agency, facts FROM case_facts \
                         WHERE raising_agency IN \
                         (SELECT id FROM agencies WHERE partnership_id = $1)",
                    )
                    .bind(partnership)
                    .fetch_all(&mut *tx)
                    .await?
                }
                // The rows written since, found by their stamp alone (a
                // filter on the agency too can lead the planner to walk
                // every row of the partnership), then kept if they are
                // the partnership's.
                Some(after) => {
                    let agencies: Vec<(String,)> =
                        sqlx::query_as("SELECT id FROM agencies WHERE partnership_id = $1")
                            .bind(partnership)
                            .fetch_all(&mut *tx)
                            .await?;
                    let ours: std::collections::HashSet<String> =
                        agencies.into_iter().map(|a| a.0).collect();
                    let rows: Vec<(String, String, String)> = sqlx::query_as(
                        "SELECT case_id, raising_agency, facts FROM case_facts WHERE stamp > $1",
                    )
                    .bind(after)
                    .fetch_all(&mut *tx)
                    .await?;
                    rows.into_iter().filter(|r| ours.contains(&r.1)).collect()
                }
            };
            tx.rollback().await?;
            let facts = rows
                .iter()
                .map(|(case, agency, facts)| crate::facts::decode(case, agency, facts))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(crate::facts::Changed {
                mark,
                whole: after.is_none(),
                facts,
            })
        }

        const REGISTER_COLUMNS: &str = "case_id, policy_id, policy_version, track, stage, \
            stage_name, leads, raising_agency, other_agency, area, raised_at_us, status, \
            due_at_us, version, involvement";

        /// The register: every case not closed or withdrawn, or every case;
        /// of one partnership (through its raising agency) or of all.
        pub(crate) async fn register(
            reader: &Pool<Db>,
            include_closed: bool,
            partnership: Option<&str>,
        ) -> Result<Vec<RegisterEntry>, StoreError> {
            let mut filters = Vec::new();
            if !include_closed {
                filters.push("status NOT IN ('closed', 'withdrawn')");
            }
            if partnership.is_some() {
                filters.push(
                    "raising_agency IN (SELECT id FROM agencies WHERE partnership_id = $1)",
                );
            }
            let filter = if filters.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", filters.join(" AND "))
            };
            let sql =
                format!("SELECT {REGISTER_COLUMNS} FROM case_register {filter} ORDER BY raised_at_us, case_id");
            let mut query = sqlx::query_as::<_, RegisterRow>(sqlx::AssertSqlSafe(sql));
            if let Some(partnership) = partnership {
                query = query.bind(partnership);
            }
            let rows: Vec<RegisterRow> = query.fetch_all(reader).await?;
            rows.into_iter().map(RegisterEntry::try_from).collect()
        }

        /// One page of the register (`register.rs`): filtered, checked
        /// for the reader and paged by keyset in the query.
        pub(crate) async fn register_page(
            reader: &Pool<Db>,
            q: &crate::register::PageQuery<'_>,
        ) -> Result<Vec<RegisterEntry>, StoreError> {
            // Each condition with its parameters, numbered as they are
            // added.
            let mut sql = format!(
                "SELECT {REGISTER_COLUMNS} FROM case_register WHERE queue_us IS NOT NULL \
                 AND raising_agency IN (SELECT id FROM agencies WHERE partnership_id = $1)"
            );
            let mut texts: Vec<&str> = vec![q.partnership];
            let mut numbers: Vec<(usize, i64)> = Vec::new();
            let mut next = 2_usize;
            let mut param = |sql: &mut String| {
                let n = next;
                next += 1;
                sql.push_str(&format!("${n}"));
                n
            };
            if let Some((agency, keys)) = &q.visible {
                sql.push_str(" AND (");
                if let Some(agency) = agency {
                    sql.push_str("raising_agency = ");
                    param(&mut sql);
                    sql.push_str(" OR other_agency = ");
                    param(&mut sql);
                    sql.push_str(" OR ");
                    texts.push(agency);
                    texts.push(agency);
                }
                sql.push_str("case_id IN (SELECT case_id FROM case_involvement WHERE who IN (");
                for (i, key) in keys.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    param(&mut sql);
                    texts.push(key);
                }
                sql.push_str(")))");
            }
            if let Some(stage) = q.filter.stage {
                sql.push_str(" AND stage = ");
                let n = param(&mut sql);
                numbers.push((n, i64::from(stage)));
            }
            if let Some(agency) = &q.filter.agency {
                sql.push_str(" AND (raising_agency = ");
                param(&mut sql);
                sql.push_str(" OR other_agency = ");
                param(&mut sql);
                sql.push(')');
                texts.push(agency);
                texts.push(agency);
            }
            if let Some(area) = &q.filter.area {
                sql.push_str(" AND area = ");
                param(&mut sql);
                texts.push(area);
            }
            if let Some(overdue) = q.filter.overdue {
                sql.push_str(if overdue { " AND queue_us <= " } else { " AND queue_us > " });
                let n = param(&mut sql);
                numbers.push((n, q.now));
            }
            if let Some((queue, case)) = q.after {
                sql.push_str(" AND (queue_us, case_id) > (");
                let n = param(&mut sql);
                numbers.push((n, queue));
                sql.push_str(", ");
                param(&mut sql);
                texts.push(case);
                sql.push(')');
            }
            sql.push_str(" ORDER BY queue_us, case_id LIMIT ");
            let n = param(&mut sql);
            numbers.push((n, q.limit));
            // Bind in number order: texts and numbers interleave.
            let mut order: Vec<(usize, Result<&str, i64>)> = Vec::new();
            let mut text_at = texts.into_iter();
            for n in 1..next {
                match numbers.iter().find(|(m, _)| *m == n) {
                    Some((_, v)) => order.push((n, Err(*v))),
                    None => order.push((n, Ok(text_at.next().unwrap_or_default()))),
                }
            }
            let mut query = sqlx::query_as::<_, RegisterRow>(sqlx::AssertSqlSafe(sql));
            for (_, value) in order {
                query = match value {
                    Ok(text) => query.bind(text),
                    Err(number) => query.bind(number),
                };
            }
            let rows: Vec<RegisterRow> = query.fetch_all(reader).await?;
            rows.into_iter().map(RegisterEntry::try_from).collect()
        }

        /// The register row of `case`, if it was raised in `partnership`
        /// (through its raising agency): one indexed read, whether the case
        /// is missing or another partnership's.
        pub(crate) async fn register_entry(
            reader: &Pool<Db>,
            case: &CaseId,
            partnership: &str,
        ) -> Result<Option<RegisterEntry>, StoreError> {
            let sql = format!(
                "SELECT {REGISTER_COLUMNS} FROM case_register WHERE case_id = $1 AND \
                 raising_agency IN (SELECT id FROM agencies WHERE partnership_id = $2)"
            );
            let row: Option<RegisterRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(case.as_str())
                .bind(partnership)
                .fetch_optional(reader)
                .await?;
            row.map(RegisterEntry::try_from).transpose()
        }

        /// Whether any register row predates the involvement column or
        /// the search rows (migration 0012), or has insight's facts of
        /// another version than this build writes, or none (migration
        /// 0016).
        pub(crate) async fn needs_rebuild(reader: &Pool<Db>) -> Result<bool, StoreError> {
            let row: Option<(String,)> =
                sqlx::query_as(
                    "SELECT case_id FROM case_register \
                     WHERE involvement IS NULL OR searchable IS NULL \
                     OR facts_version IS NULL OR facts_version <> $1 LIMIT 1",
                )
                    .bind(crate::facts::FACTS_VERSION)
                    .fetch_optional(reader)
                    .await?;
            Ok(row.is_some())
        }

        /// Deadlines falling before `before`, soonest first.
        pub(crate) async fn deadlines_before(
            reader: &Pool<Db>,
            before: Timestamp,
        ) -> Result<Vec<DeadlineEntry>, StoreError> {
            let rows: Vec<DeadlineRow> = sqlx::query_as(
                "SELECT case_id, form, stage, due_at_us, last_day, breached FROM deadlines \
                 WHERE due_at_us < $1 ORDER BY due_at_us, case_id, form",
            )
            .bind(before.as_microsecond())
            .fetch_all(reader)
            .await?;
            rows.into_iter().map(DeadlineEntry::try_from).collect()
        }

        const OUTBOX_COLUMNS: &str = "global_seq, case_id, case_seq, recipient, occasion, stage, \
            message, section, attachments, due_at_us, idempotency_key";

        /// Up to `limit` notifications with `status`: oldest first while
        /// pending, so none waits behind newer ones; newest first otherwise.
        pub(crate) async fn notifications_with_status(
            reader: &Pool<Db>,
            status: &str,
            limit: u32,
        ) -> Result<Vec<OutboxEntry>, StoreError> {
            let order = if status == "pending" { "" } else { " DESC" };
            let sql = format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = $1 \
                 ORDER BY global_seq{order} LIMIT $2"
            );
            let rows: Vec<OutboxRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(status)
                .bind(i64::from(limit))
                .fetch_all(reader)
                .await?;
            rows.into_iter().map(OutboxEntry::try_from).collect()
        }

        /// Who read `case`, in the order they did.
        pub(crate) async fn reads_of(
            reader: &Pool<Db>,
            case: &CaseId,
        ) -> Result<Vec<AccessRecord>, StoreError> {
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT person_id, at, purpose FROM access_log WHERE case_id = $1 ORDER BY id",
            )
            .bind(case.as_str())
            .fetch_all(reader)
            .await?;
            rows.into_iter()
                .map(|(person, at, purpose)| {
                    let damaged = |what: &str| StoreError::Damaged {
                        case: case.to_string(),
                        reason: format!("an access log row has an invalid {what}"),
                    };
                    Ok(AccessRecord {
                        person: PersonId::parse(&person).map_err(|_| damaged("person"))?,
                        at: at.parse().map_err(|_| damaged("time"))?,
                        purpose,
                    })
                })
                .collect()
        }

        /// How many events the log holds.
        pub(crate) async fn event_count(reader: &Pool<Db>) -> Result<u64, StoreError> {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
                .fetch_one(reader)
                .await?;
            Ok(u64::try_from(n).unwrap_or(0))
        }

        /// Up to `PAGE` stored events after global sequence `after`, in
        /// global order, as they are checked: what `verify` and the
        /// carry-over walk.
        /// Walks the whole event chain, then the directory audit's, in one
        /// consistent snapshot.
        pub(crate) async fn verify(
            reader: &Pool<Db>,
            mut progress: impl FnMut(u64),
        ) -> Result<Verification, StoreError> {
            let mut tx = begin_read(reader).await?;
            let (head_seq, head_hash): (i64, Vec<u8>) =
                sqlx::query_as("SELECT global_seq, hash FROM chain_head WHERE id = 1")
                    .fetch_one(&mut *tx)
                    .await?;
            let head_seq = u64::try_from(head_seq).unwrap_or(0);
            let (events, head) =
                match check_events(reader, &mut tx, head_seq, &head_hash, &mut progress).await? {
                    Ok(done) => done,
                    Err(fault) => return Ok(Verification::Broken(fault)),
                };
            let (audit_seq, audit_hash) = audit::head(&mut *tx).await?;
            let mut check = ChainCheck::new(Chain::DirectoryAudit);
            let mut after = 0_i64;
            loop {
                let rows = audit::page(&mut *tx, after, PAGE).await?;
                let Some(last) = rows.last() else { break };
                after = last.seq;
                for row in &rows {
                    if let Err(fault) = check.check_audit(row) {
                        return Ok(Verification::Broken(fault));
                    }
                }
            }
            tx.rollback().await?;
            Ok(
                match check.finish(u64::try_from(audit_seq).unwrap_or(0), &audit_hash) {
                    Ok((audit_entries, audit_head)) => Verification::Intact {
                        events,
                        head,
                        audit_entries,
                        audit_head,
                    },
                    Err(fault) => Verification::Broken(fault),
                },
            )
        }

        /// The key ring's key `name`: unwrapped by `master`, or made and
        /// wrapped by it if this database has none yet. A master key other
        /// than the one the key ring was wrapped by is named and refused,
        /// never used to read nothing.
        pub(crate) async fn ring_key(
            writer: &Pool<Db>,
            master: &dyn crate::keys::MasterKey,
            name: &str,
        ) -> Result<DataKey, StoreError> {
            let mut tx = begin_write(writer).await?;
            const READ: &str = "SELECT wrapped, master_id FROM key_ring WHERE name = $1";
            let mut row: Option<(Vec<u8>, String)> = sqlx::query_as(READ)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
            if row.is_none() {
                let key = DataKey::generate();
                sqlx::query(
                    "INSERT INTO key_ring (name, wrapped, master_id) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(crate::keys::wrap_ring(master, name, &key)?)
                .bind(master.id())
                .execute(&mut *tx)
                .await?;
                row = sqlx::query_as(READ)
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            let Some((wrapped, id)) = row else {
                return Err(StoreError::Damaged {
                    case: "(key ring)".into(),
                    reason: format!("the {name} key was written and cannot be read back"),
                });
            };
            if id != master.id() {
                return Err(crate::keys::KeyError::WrongMasterKey {
                    expected: id,
                    given: master.id().to_owned(),
                }
                .into());
            }
            Ok(Keys::unwrap_ring(master, name, &wrapped)?)
        }

        /// Carries a database written before migration 0021 over to sealed
        /// personal data, once: checks its chain as it was, then seals
        /// every event under a new data key of its case and hashes the
        /// chain again, and seals every search asked and every second
        /// factor's and identity provider's secret, in one transaction.
        /// Says how many events it sealed, or `None` if there was nothing
        /// to carry over.
        pub(crate) async fn carry_over(
            writer: &Pool<Db>,
            keys: &Keys,
        ) -> Result<Option<(u64, Hash, Hash)>, StoreError> {
            let mut tx = begin_write(writer).await?;
            let (head_seq, old_head) = read_head(&mut tx).await?;
            let pending: Option<(i64,)> = sqlx::query_as("SELECT id FROM log_carry_over")
                .fetch_optional(&mut *tx)
                .await?;
            if pending.is_none() {
                tx.rollback().await?;
                return Ok(None);
            }
            for statement in SUSPEND_APPEND_ONLY {
                sqlx::query(*statement).execute(&mut *tx).await?;
            }
            let mut check = ChainCheck::new(Chain::Events);
            let mut case_keys: std::collections::HashMap<String, DataKey> =
                std::collections::HashMap::new();
            let mut prev = canonical::GENESIS;
            let mut after = 0_i64;
            loop {
                let rows = event_page(&mut tx, after).await?;
                let Some(last) = rows.last() else { break };
                after = last.global_seq;
                for row in &rows {
                    check.check(row).map_err(|fault| StoreError::Damaged {
                        case: row.case_id.clone(),
                        reason: format!(
                            "the log written before its personal data was sealed does not verify, so it was not carried over: {fault}"
                        ),
                    })?;
                    let case = CaseId::parse(&row.case_id).map_err(|_| StoreError::Damaged {
                        case: row.case_id.clone(),
                        reason: "its case id is not valid".into(),
                    })?;
                    let event = crate::decode_event(
                        &case,
                        row.case_seq,
                        &row.at,
                        &row.actor,
                        &row.body,
                        &CaseKey::Missing,
                    )?;
                    if !case_keys.contains_key(&row.case_id) {
                        let key = DataKey::generate();
                        insert_case_key(&mut tx, keys, &case, &key).await?;
                        case_keys.insert(row.case_id.clone(), key);
                    }
                    let key = &case_keys[&row.case_id];
                    let global_seq = u64::try_from(row.global_seq).unwrap_or(0);
                    let sealed = canonical::seal(&event, global_seq, prev, key);
                    sqlx::query(
                        "UPDATE events SET body = $1, canonical = $2, prev_hash = $3, hash = $4 \
                         WHERE global_seq = $5",
                    )
                    .bind(&sealed.body)
                    .bind(&sealed.canonical)
                    .bind(&prev[..])
                    .bind(&sealed.hash[..])
                    .bind(row.global_seq)
                    .execute(&mut *tx)
                    .await?;
                    prev = sealed.hash;
                }
            }
            check
                .finish(head_seq, &old_head)
                .map_err(|fault| StoreError::Damaged {
                    case: "(event log)".into(),
                    reason: format!(
                        "the log written before its personal data was sealed does not verify, so it was not carried over: {fault}"
                    ),
                })?;
            sqlx::query("UPDATE chain_head SET hash = $1 WHERE id = 1")
                .bind(&prev[..])
                .execute(&mut *tx)
                .await?;
            let searches: Vec<(i64, String, String)> =
                sqlx::query_as("SELECT id, person_id, query FROM search_log ORDER BY id")
                    .fetch_all(&mut *tx)
                    .await?;
            for (id, person, query) in searches {
                if crate::search::is_sealed(&query) {
                    continue;
                }
                sqlx::query("UPDATE search_log SET query = $1 WHERE id = $2")
                    .bind(crate::search::seal_query(keys, &person, &query))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            // Second factors', identity providers' and drafts' secrets,
            // sealed by the master key; answers kept for retries (a day at
            // most) are let go rather than sealed.
            reseal_secrets(&mut tx, |context, stored| {
                Ok((!crate::keys::is_sealed_text(stored))
                    .then(|| keys.seal_text(context, stored))
                    .transpose()?)
            })
            .await?;
            sqlx::query("DELETE FROM idempotency_keys").execute(&mut *tx).await?;
            for statement in RESTORE_APPEND_ONLY {
                sqlx::query(*statement).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM log_carry_over").execute(&mut *tx).await?;
            tx.commit().await?;
            for statement in AFTER_CARRY_OVER {
                sqlx::query(*statement).execute(writer).await?;
            }
            Ok(Some((head_seq, old_head, prev)))
        }

        /// Wraps every case's data key, every secret sealed by the master
        /// key and, last, the key ring's keys under `new` instead of the
        /// current master key, in one transaction, without rewriting an
        /// event. Until it commits, everything stays under the current key;
        /// once it has, under `new` alone. Says how many case keys and
        /// secrets it wrapped again.
        pub(crate) async fn rotate(
            writer: &Pool<Db>,
            keys: &Keys,
            new: &dyn crate::keys::MasterKey,
        ) -> Result<(u64, u64), StoreError> {
            use crate::keys::{open_text, seal_text, unwrap_case_key, wrap_case_key};
            let old = keys.master().as_ref();
            let mut tx = begin_write(writer).await?;
            let cases: Vec<(String, Vec<u8>)> = sqlx::query_as(
                "SELECT case_id, wrapped FROM case_keys WHERE wrapped IS NOT NULL ORDER BY case_id",
            )
            .fetch_all(&mut *tx)
            .await?;
            for (case, wrapped) in &cases {
                let key = unwrap_case_key(old, case, wrapped)?;
                sqlx::query("UPDATE case_keys SET wrapped = $1, master_id = $2 WHERE case_id = $3")
                    .bind(wrap_case_key(new, case, &key)?)
                    .bind(new.id())
                    .bind(case)
                    .execute(&mut *tx)
                    .await?;
            }
            let secrets = reseal_secrets(&mut tx, |context, stored| {
                let plain = open_text(old, context, stored)?;
                Ok(Some(seal_text(new, context, &plain)?))
            })
            .await?;
            let ring: Vec<(String, Vec<u8>)> =
                sqlx::query_as("SELECT name, wrapped FROM key_ring ORDER BY name")
                    .fetch_all(&mut *tx)
                    .await?;
            for (name, wrapped) in ring {
                let key = Keys::unwrap_ring(old, &name, &wrapped)?;
                sqlx::query("UPDATE key_ring SET wrapped = $1, master_id = $2 WHERE name = $3")
                    .bind(crate::keys::wrap_ring(new, &name, &key)?)
                    .bind(new.id())
                    .bind(&name)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok((cases.len() as u64, secrets))
        }

        /// Seals again each secret kept sealed by the master key (see
        /// `keys::MASTER_SEALED`): `reseal(context, stored)` gives what to
        /// store instead, or `None` to leave it. Says how many it changed.
        async fn reseal_secrets(
            tx: &mut Tx,
            mut reseal: impl FnMut(&str, &str) -> Result<Option<String>, StoreError>,
        ) -> Result<u64, StoreError> {
            let mut changed = 0;
            for sealed in crate::keys::MASTER_SEALED {
                let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {}, {} FROM {}",
                    sealed.key, sealed.column, sealed.table
                )))
                .fetch_all(&mut **tx)
                .await?;
                for (id, stored) in rows {
                    let Some(new) = reseal(&(sealed.context)(&id), &stored)? else {
                        continue;
                    };
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE {} SET {} = $1 WHERE {} = $2",
                        sealed.table, sealed.column, sealed.key
                    )))
                    .bind(new)
                    .bind(&id)
                    .execute(&mut **tx)
                    .await?;
                    changed += 1;
                }
            }
            Ok(changed)
        }

        /// Appends `erasure`, the `Erased` event of its case, and destroys
        /// the case's data key with its search rows, in one transaction
        /// (issue 17 §1): from then on its events read as their shapes.
        pub(crate) async fn erase(
            writer: &Pool<Db>,
            keys: &Keys,
            policies: &Policies,
            expected: Sequence,
            erasure: &Event,
        ) -> Result<Appended, AppendError> {
            let stream = Append {
                expected: Some(expected),
                events: std::slice::from_ref(erasure),
            };
            crate::check_append(&stream)?;
            let mut tx = begin_write(writer).await.map_err(StoreError::from)?;
            let mut appended = append_in(&mut tx, keys, policies, &[stream]).await?;
            let case = erasure.case.as_str();
            sqlx::query(
                "UPDATE case_keys SET wrapped = NULL, master_id = NULL, erased_at_us = $2 \
                 WHERE case_id = $1",
            )
            .bind(case)
            .bind(erasure.at.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
            sqlx::query("DELETE FROM case_subjects WHERE case_id = $1")
                .bind(case)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            tx.commit().await.map_err(StoreError::from)?;
            Ok(appended.remove(0))
        }

        /// Recomputes every projection from the log in one transaction.
        pub(crate) async fn rebuild(
            writer: &Pool<Db>,
            keys: &Keys,
            policies: &Policies,
            mut progress: impl FnMut(u64, u64),
        ) -> Result<u64, StoreError> {
            let mut tx = begin_write(writer).await?;
            // Lock the chain head too, so no append interleaves on PostgreSQL.
            let (head, _) = read_head(&mut tx).await?;
            let head = to_i64(head);
            // Every facts row is rewritten without the head moving: readers
            // that keep them (`facts_since`) read them all again.
            sqlx::query("UPDATE chain_head SET rebuilds = rebuilds + 1 WHERE id = 1")
                .execute(&mut *tx)
                .await?;
            let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
                .fetch_one(&mut *tx)
                .await?;
            let total = u64::try_from(total).unwrap_or(0);
            sqlx::query("DELETE FROM case_register").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM deadlines").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM case_subjects").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM case_people").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM case_involvement")
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM follow_ups").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM case_facts").execute(&mut *tx).await?;
            sqlx::query(
                "DELETE FROM outbox WHERE global_seq NOT IN \
                 (SELECT global_seq FROM events WHERE event_type = 'notification_due')",
            )
            .execute(&mut *tx)
            .await?;
            progress(0, total);
            let mut done = 0_u64;
            let mut after: (String, i64) = (String::new(), 0);
            let mut current: Vec<Event> = Vec::new();
            let mut key: Option<(String, CaseKey)> = None;
            type Row = (i64, String, i64, String, String, String, Vec<u8>, Option<Vec<u8>>, Option<i64>);
            loop {
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT e.global_seq, e.case_id, e.case_seq, e.at, e.actor, e.body, e.hash, \
                     k.wrapped, k.erased_at_us FROM events e \
                     LEFT JOIN case_keys k ON k.case_id = e.case_id \
                     WHERE (e.case_id, e.case_seq) > ($1, $2) \
                     ORDER BY e.case_id, e.case_seq LIMIT $3",
                )
                .bind(&after.0)
                .bind(after.1)
                .bind(PAGE)
                .fetch_all(&mut *tx)
                .await?;
                let Some(last) = rows.last() else { break };
                after = (last.1.clone(), last.2);
                for (global_seq, case_id, case_seq, at, actor, body, hash, wrapped, erased) in rows {
                    let case = CaseId::parse(&case_id).map_err(|_| StoreError::Damaged {
                        reason: "its case id is not valid".into(),
                        case: case_id.clone(),
                    })?;
                    if key.as_ref().is_none_or(|k| k.0 != case_id) {
                        let found = crate::case_key(keys, &case_id, wrapped.as_deref(), erased)?;
                        key = Some((case_id.clone(), found));
                    }
                    let Some((_, case_key)) = key.as_ref() else { continue };
                    let event = crate::decode_event(&case, case_seq, &at, &actor, &body, case_key)?;
                    if current.first().is_some_and(|e| e.case != event.case) {
                        write_folded(&mut tx, keys, &current, policies, head).await?;
                        current.clear();
                    }
                    let hash = Hash::try_from(hash.as_slice()).map_err(|_| StoreError::Damaged {
                        case: case_id.clone(),
                        reason: "a stored hash is not 32 bytes".into(),
                    })?;
                    let global_seq = u64::try_from(global_seq).unwrap_or(0);
                    if let Some(row) = projection::outbox_row(&event, global_seq, &hash) {
                        insert_outbox(&mut tx, &row).await?;
                    }
                    current.push(event);
                    done += 1;
                }
                progress(done, total);
            }
            if !current.is_empty() {
                write_folded(&mut tx, keys, &current, policies, head).await?;
            }
            tx.commit().await?;
            Ok(done)
        }

        async fn write_folded(
            tx: &mut Tx,
            keys: &Keys,
            events: &[Event],
            policies: &Policies,
            stamp: i64,
        ) -> Result<(), StoreError> {
            let case = Case::fold(events).map_err(|source| StoreError::Stream {
                case: events[0].case.clone(),
                source,
            })?;
            write_case(tx, keys, &case, events, policies, stamp).await
        }
    };
}

pub(crate) use common_queries;

/// The group commit written through sqlx, a statement at a time: what
/// PostgreSQL runs, where each statement is a round trip to the server
/// anyway. SQLite runs the same steps on its connection's own thread
/// ([`sqlite_group`]). Expanded after [`common_queries`].
macro_rules! sqlx_group_commit {
    () => {
        /// Commits one group of pieces (see [`crate::group`]): each under
        /// its own savepoint in one write transaction, then one commit, and
        /// every answer sent after it.
        pub(crate) async fn commit_group(
            writer: &Pool<Db>,
            keys: &Keys,
            policies: &Policies,
            work: Vec<crate::group::Work>,
        ) {
            use crate::group::shared_failure;
            let mut tx = match begin_write(writer).await {
                Ok(tx) => tx,
                Err(e) => {
                    let cause = StoreError::from(e);
                    for w in work {
                        let _ = w.answer.send(Err(shared_failure(&cause).into()));
                    }
                    return;
                }
            };
            // Alone, a piece needs no savepoint: if it fails, the whole
            // transaction is rolled back.
            let alone = work.len() == 1;
            let mut answers = Vec::with_capacity(work.len());
            // Why the transaction can no longer commit, if it cannot.
            let mut broken: Option<StoreError> = None;
            // A piece alone that failed: nothing to commit.
            let mut refused_alone = false;
            for crate::group::Work { task, answer } in work {
                // A caller that stopped waiting (a client that went away)
                // is not written for: as before groups, a command dropped
                // before its commit leaves nothing.
                if answer.is_closed() {
                    continue;
                }
                if broken.is_some() {
                    answers.push((answer, None));
                    continue;
                }
                if !alone {
                    if let Err(e) = sqlx::query("SAVEPOINT accord_piece")
                        .execute(&mut *tx)
                        .await
                    {
                        broken = Some(e.into());
                        answers.push((answer, None));
                        continue;
                    }
                }
                let outcome = run_piece(&mut tx, keys, policies, task).await;
                if alone {
                    refused_alone = outcome.is_err();
                } else {
                    let end = if outcome.is_ok() {
                        sqlx::query("RELEASE SAVEPOINT accord_piece")
                            .execute(&mut *tx)
                            .await
                    } else {
                        match sqlx::query("ROLLBACK TO SAVEPOINT accord_piece")
                            .execute(&mut *tx)
                            .await
                        {
                            Ok(_) => {
                                sqlx::query("RELEASE SAVEPOINT accord_piece")
                                    .execute(&mut *tx)
                                    .await
                            }
                            Err(e) => Err(e),
                        }
                    };
                    if let Err(e) = end {
                        broken = Some(e.into());
                    }
                }
                answers.push((answer, Some(outcome)));
            }
            let committed = match broken {
                None if refused_alone => {
                    let _ = tx.rollback().await;
                    Ok(())
                }
                None => tx.commit().await.map_err(StoreError::from),
                Some(cause) => {
                    let _ = tx.rollback().await;
                    Err(cause)
                }
            };
            crate::group::answer_all(answers, &committed);
        }

        /// One piece of a group, inside its transaction.
        async fn run_piece(
            tx: &mut Tx,
            keys: &Keys,
            policies: &Policies,
            task: crate::group::Task,
        ) -> Result<crate::group::Done, crate::group::Failed> {
            use crate::group::{Done, Failed, Task};
            match task {
                Task::Append { streams, reader } => {
                    let streams = crate::group::checked_streams(&streams)?;
                    let appended = append_in(tx, keys, policies, &streams).await?;
                    if let (Some(reader), Some(first)) = (reader, appended.first()) {
                        let at = super::last_at(streams[0].events);
                        insert_read(&mut **tx, first.case.id(), reader.borrowed(), at).await?;
                    }
                    Ok(Done::Appended(appended))
                }
                Task::Raise {
                    prefix,
                    year,
                    build,
                    reader,
                } => {
                    // Every writer locks the chain head before anything
                    // else, so two servers' groups never wait on each
                    // other's locks in opposite orders: a raise locks it
                    // before its case number, as an append does before its
                    // case.
                    read_head(tx).await?;
                    // The row lock this upsert takes holds other raises of
                    // the same prefix and year until commit, so each number
                    // is issued once; a refused raise is rolled back to its
                    // savepoint, and its number issued again.
                    let (last,): (i64,) = sqlx::query_as(super::sql::NEXT_CASE_NUMBER)
                        .bind(&prefix)
                        .bind(i64::from(year))
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(StoreError::from)?;
                    let id = crate::case_id(&prefix, year, last)?;
                    // A `build` that panics fails its own piece; the
                    // panic goes on in the caller's task.
                    let events =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(id)))
                            .map_err(Failed::Panicked)?
                            .map_err(Failed::Refused)?;
                    let stream = Append {
                        expected: None,
                        events: &events,
                    };
                    crate::check_append(&stream)?;
                    let mut appended = append_in(tx, keys, policies, &[stream]).await?;
                    if let Some(reader) = reader {
                        let at = super::last_at(&events);
                        insert_read(&mut **tx, appended[0].case.id(), reader.borrowed(), at)
                            .await?;
                    }
                    Ok(Done::Raised(Box::new(appended.remove(0)), events))
                }
                Task::Read { case, reader, at } => {
                    insert_read(&mut **tx, &case, reader.borrowed(), at).await?;
                    Ok(Done::Read)
                }
            }
        }
    };
}

pub(crate) use sqlx_group_commit;
