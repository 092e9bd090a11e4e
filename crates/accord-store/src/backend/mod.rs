//! The two backends. What they share — every query but how a transaction
//! starts and how the chain head is locked — is written once in
//! [`common_queries`] and expanded in each backend's module, where `Db`,
//! `HEAD_FOR_UPDATE`, `begin_write` and `begin_read` say how that backend
//! does those. Both dialects accept `$1` placeholders, `ON CONFLICT … DO
//! UPDATE` and row-value comparisons, so the SQL text is the same.

pub(crate) mod postgres;
pub(crate) mod sqlite;

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
        };

        type Tx = Transaction<'static, Db>;

        /// How many events one query reads while walking the log.
        const PAGE: i64 = 5_000;

        async fn read_head(tx: &mut Tx) -> Result<(u64, Hash), StoreError> {
            let (seq, hash): (i64, Vec<u8>) =
                sqlx::query_as(HEAD_FOR_UPDATE).fetch_one(&mut **tx).await?;
            let damaged = || StoreError::Damaged {
                case: "(chain head)".into(),
                reason: "the chain head row is not a sequence number and a hash".into(),
            };
            Ok((
                u64::try_from(seq).map_err(|_| damaged())?,
                Hash::try_from(hash.as_slice()).map_err(|_| damaged())?,
            ))
        }

        async fn stream_version(
            tx: &mut Tx,
            case: &CaseId,
        ) -> Result<Option<Sequence>, StoreError> {
            let (max,): (Option<i64>,) =
                sqlx::query_as("SELECT MAX(case_seq) FROM events WHERE case_id = $1")
                    .bind(case.as_str())
                    .fetch_one(&mut **tx)
                    .await?;
            Ok(max.and_then(|n| u64::try_from(n).ok()).and_then(|n| Sequence::new(n).ok()))
        }

        async fn load_in(
            conn: &mut <Db as sqlx::Database>::Connection,
            case: &CaseId,
        ) -> Result<Vec<Event>, StoreError> {
            let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT case_seq, at, actor, body FROM events WHERE case_id = $1 ORDER BY case_seq",
            )
            .bind(case.as_str())
            .fetch_all(&mut *conn)
            .await?;
            rows.into_iter()
                .map(|(seq, at, actor, body)| crate::decode_event(case, seq, &at, &actor, &body))
                .collect()
        }

        /// Appends each stream in order, in one transaction: all or nothing,
        /// with the read of the first stream's case by `reader`, if given.
        pub(crate) async fn append(
            writer: &Pool<Db>,
            policies: &Policies,
            streams: &[Append<'_>],
            reader: Option<Reader<'_>>,
        ) -> Result<Vec<Appended>, AppendError> {
            for stream in streams {
                crate::check_append(stream)?;
            }
            let mut tx = begin_write(writer).await.map_err(StoreError::from)?;
            let appended = append_in(&mut tx, policies, streams).await?;
            if let (Some(reader), Some(first)) = (reader, appended.first()) {
                insert_read(&mut *tx, first.case.id(), reader, last_at(streams[0].events))
                    .await?;
            }
            tx.commit().await.map_err(StoreError::from)?;
            Ok(appended)
        }

        /// When the last of `events` was recorded.
        fn last_at(events: &[Event]) -> Timestamp {
            events.last().map_or(Timestamp::UNIX_EPOCH, |e| e.at)
        }

        /// Writes one access-log row, inside a transaction or on its own.
        async fn insert_read<'e>(
            executor: impl sqlx::Executor<'e, Database = Db>,
            case: &CaseId,
            reader: Reader<'_>,
            at: Timestamp,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO access_log (case_id, person_id, at, at_us, purpose) \
                 VALUES ($1, $2, $3, $4, $5)",
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

        /// Issues the next case id of `prefix` and `year`, lets `build` make
        /// the new case's events for it, and appends them, all in one
        /// transaction: if `build` refuses, nothing is written and the
        /// number is not used.
        pub(crate) async fn raise<E: From<AppendError>>(
            writer: &Pool<Db>,
            policies: &Policies,
            prefix: &str,
            year: i16,
            build: impl FnOnce(CaseId) -> Result<Vec<Event>, E>,
            reader: Option<Reader<'_>>,
        ) -> Result<Appended, E> {
            let store_error = |e: sqlx::Error| E::from(AppendError::from(StoreError::from(e)));
            let mut tx = begin_write(writer).await.map_err(store_error)?;
            // The row lock this upsert takes holds other raises of the same
            // prefix and year until commit, so each number is issued once.
            let (last,): (i64,) = sqlx::query_as(
                "INSERT INTO case_numbers (prefix, year, last) VALUES ($1, $2, 1) \
                 ON CONFLICT (prefix, year) DO UPDATE SET last = case_numbers.last + 1 \
                 RETURNING last",
            )
            .bind(prefix)
            .bind(i64::from(year))
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
            let id = crate::case_id(prefix, year, last)?;
            let events = build(id)?;
            let stream = Append { expected: None, events: &events };
            crate::check_append(&stream)?;
            let mut appended = append_in(&mut tx, policies, &[stream]).await?;
            if let Some(reader) = reader {
                insert_read(&mut *tx, appended[0].case.id(), reader, last_at(&events))
                    .await
                    .map_err(|e| E::from(AppendError::from(e)))?;
            }
            tx.commit().await.map_err(store_error)?;
            Ok(appended.remove(0))
        }

        /// The body of an append, inside the caller's transaction.
        async fn append_in(
            tx: &mut Tx,
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
                let mut events = match actual {
                    Some(_) => load_in(tx, case_id).await?,
                    None => Vec::new(),
                };
                let first = head_seq + 1;
                for event in stream.events {
                    head_seq += 1;
                    let sealed = canonical::seal(event, head_seq, head_hash);
                    insert_event(tx, &sealed).await.map_err(|e| {
                        unique_is_conflict(e, case_id, stream.expected)
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
                write_case(tx, &case, &events, policies, to_i64(head_seq)).await?;
                appended.push(Appended {
                    global: first..=head_seq,
                    case,
                });
            }
            sqlx::query("UPDATE chain_head SET global_seq = $1, hash = $2 WHERE id = 1")
                .bind(to_i64(head_seq))
                .bind(&head_hash[..])
                .execute(&mut **tx)
                .await
                .map_err(StoreError::from)?;
            Ok(appended)
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
                "INSERT INTO deliveries (key, case_id, person_id, channel, address, subject, \
                 body, occasion, created_at_us, status, attempts, next_attempt_at_us, \
                 sent_at_us, happened, detail, todo, by_when) \
                 SELECT 'handover:' || $3 || ':' || key, case_id, $3, channel, address, \
                 subject, body, occasion, created_at_us, status, attempts, \
                 next_attempt_at_us, sent_at_us, happened, detail, todo, by_when \
                 FROM deliveries WHERE case_id = $1 AND person_id = $2 AND channel = $4 \
                 ORDER BY id \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(case.as_str())
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(crate::Channel::InApp.as_str())
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// A unique violation on `(case_id, case_seq)` means another writer
        /// appended at the same version: the typed conflict, not a failure.
        fn unique_is_conflict(
            e: sqlx::Error,
            case: &CaseId,
            expected: Option<Sequence>,
        ) -> AppendError {
            match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() => Conflict {
                    case: case.clone(),
                    expected,
                    actual: None,
                }
                .into(),
                _ => StoreError::from(e).into(),
            }
        }

        async fn insert_event(tx: &mut Tx, e: &canonical::Sealed) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO events (global_seq, case_id, case_seq, event_type, at, actor, body, \
                 canonical, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
                "INSERT INTO outbox (global_seq, case_id, case_seq, recipient, occasion, stage, \
                 message, section, attachments, due_at_us, idempotency_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (global_seq) DO UPDATE SET case_id = excluded.case_id, \
                 case_seq = excluded.case_seq, recipient = excluded.recipient, \
                 occasion = excluded.occasion, stage = excluded.stage, message = excluded.message, \
                 section = excluded.section, attachments = excluded.attachments, \
                 due_at_us = excluded.due_at_us, idempotency_key = excluded.idempotency_key",
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
            case: &Case,
            events: &[Event],
            policies: &Policies,
            stamp: i64,
        ) -> Result<(), StoreError> {
            let (r, deadlines): (RegisterRow, Vec<DeadlineRow>) =
                projection::case_rows(case, policies)?;
            sqlx::query(
                "INSERT INTO case_register (case_id, policy_id, policy_version, track, stage, \
                 stage_name, leads, raising_agency, other_agency, area, raised_at_us, status, \
                 due_at_us, version, involvement, searchable, facts_version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, \
                 $16) \
                 ON CONFLICT (case_id) DO UPDATE SET policy_id = excluded.policy_id, \
                 policy_version = excluded.policy_version, track = excluded.track, \
                 stage = excluded.stage, stage_name = excluded.stage_name, leads = excluded.leads, \
                 raising_agency = excluded.raising_agency, other_agency = excluded.other_agency, \
                 area = excluded.area, raised_at_us = excluded.raised_at_us, \
                 status = excluded.status, due_at_us = excluded.due_at_us, \
                 version = excluded.version, involvement = excluded.involvement, \
                 searchable = excluded.searchable, facts_version = excluded.facts_version",
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
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM deadlines WHERE case_id = $1")
                .bind(&r.case_id)
                .execute(&mut **tx)
                .await?;
            for d in deadlines {
                sqlx::query(
                    "INSERT INTO deadlines (case_id, form, stage, due_at_us, last_day, breached) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
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
            write_search_rows(tx, case, events).await?;
            write_facts(tx, events, stamp).await
        }

        /// Replaces what insight keeps of the case whose whole stream is
        /// `events` (migration 0016): its facts as `accord-insight` reads
        /// them, stamped with the chain head after the append (migration
        /// 0019) so that `facts_since` finds them.
        async fn write_facts(tx: &mut Tx, events: &[Event], stamp: i64) -> Result<(), StoreError> {
            let row = crate::facts::facts_row(events)?;
            sqlx::query(
                "INSERT INTO case_facts (case_id, raising_agency, facts, stamp) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (case_id) DO UPDATE SET raising_agency = excluded.raising_agency, \
                 facts = excluded.facts, stamp = excluded.stamp",
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
            case: &Case,
            events: &[Event],
        ) -> Result<(), StoreError> {
            let id = case.id().as_str();
            sqlx::query("DELETE FROM case_subjects WHERE case_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            for s in crate::search::subject_rows(case) {
                sqlx::query(
                    "INSERT INTO case_subjects (case_id, subject_id, name_folded, \
                     date_of_birth, nhs_number, local_id_folded) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(&s.subject_id)
                .bind(&s.name_folded)
                .bind(&s.date_of_birth)
                .bind(&s.nhs_number)
                .bind(&s.local_id_folded)
                .execute(&mut **tx)
                .await?;
            }
            sqlx::query("DELETE FROM case_people WHERE case_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            for person in crate::search::people_rows(case, events) {
                sqlx::query("INSERT INTO case_people (case_id, person_id) VALUES ($1, $2)")
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
            partnership: &str,
            search: &crate::CaseSearch,
        ) -> Result<Vec<RegisterEntry>, StoreError> {
            let (wheres, binds) = crate::search::conditions(partnership, search);
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
        pub(crate) async fn load(reader: &Pool<Db>, case: &CaseId) -> Result<Vec<Event>, StoreError> {
            let mut conn = reader.acquire().await?;
            load_in(&mut conn, case).await
        }

        /// The events of `kinds` of every case raised in `partnership`,
        /// grouped by case in stream order, in one query.
        pub(crate) async fn histories_of(
            reader: &Pool<Db>,
            partnership: &str,
            kinds: &[&str],
        ) -> Result<Vec<Vec<Event>>, StoreError> {
            let placeholders: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT e.case_id, e.case_seq, e.at, e.actor, e.body FROM events e \
                 JOIN case_register r ON r.case_id = e.case_id \
                 WHERE r.raising_agency IN (SELECT id FROM agencies WHERE partnership_id = $1) \
                 AND e.event_type IN ({}) ORDER BY e.case_id, e.case_seq",
                placeholders.join(", ")
            );
            let mut query = sqlx::query_as::<_, (String, i64, String, String, String)>(
                sqlx::AssertSqlSafe(sql),
            )
            .bind(partnership);
            for kind in kinds {
                query = query.bind(*kind);
            }
            let rows = query.fetch_all(reader).await?;
            let mut out: Vec<Vec<Event>> = Vec::new();
            let mut current: Option<CaseId> = None;
            for (case, seq, at, actor, body) in rows {
                if current.as_ref().is_none_or(|c| c.as_str() != case) {
                    let id = CaseId::parse(&case).map_err(|e| StoreError::Damaged {
                        case: case.clone(),
                        reason: e.to_string(),
                    })?;
                    current = Some(id);
                    out.push(Vec::new());
                }
                let (Some(id), Some(events)) = (current.as_ref(), out.last_mut()) else {
                    continue;
                };
                events.push(crate::decode_event(id, seq, &at, &actor, &body)?);
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

        /// Records that `person` read `case`.
        pub(crate) async fn record_read(
            writer: &Pool<Db>,
            case: &CaseId,
            person: &PersonId,
            at: Timestamp,
            purpose: &str,
        ) -> Result<(), StoreError> {
            insert_read(writer, case, Reader { person, purpose }, at).await
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
            let mut check = ChainCheck::new(Chain::Events);
            let mut after = 0_i64;
            loop {
                let rows: Vec<EventRow> = sqlx::query_as(
                    "SELECT global_seq, case_id, case_seq, event_type, at, actor, body, \
                     canonical, prev_hash, hash FROM events WHERE global_seq > $1 \
                     ORDER BY global_seq LIMIT $2",
                )
                .bind(after)
                .bind(PAGE)
                .fetch_all(&mut *tx)
                .await?;
                let Some(last) = rows.last() else { break };
                after = last.global_seq;
                for row in &rows {
                    if let Err(fault) = check.check(row) {
                        return Ok(Verification::Broken(fault));
                    }
                }
                progress(check.checked());
            }
            let (events, head) =
                match check.finish(u64::try_from(head_seq).unwrap_or(0), &head_hash) {
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

        /// Recomputes every projection from the log in one transaction.
        pub(crate) async fn rebuild(
            writer: &Pool<Db>,
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
            loop {
                let rows: Vec<(i64, String, i64, String, String, String, Vec<u8>)> = sqlx::query_as(
                    "SELECT global_seq, case_id, case_seq, at, actor, body, hash FROM events \
                     WHERE (case_id, case_seq) > ($1, $2) ORDER BY case_id, case_seq LIMIT $3",
                )
                .bind(&after.0)
                .bind(after.1)
                .bind(PAGE)
                .fetch_all(&mut *tx)
                .await?;
                let Some(last) = rows.last() else { break };
                after = (last.1.clone(), last.2);
                for (global_seq, case_id, case_seq, at, actor, body, hash) in rows {
                    let case = CaseId::parse(&case_id).map_err(|_| StoreError::Damaged {
                        reason: "its case id is not valid".into(),
                        case: case_id.clone(),
                    })?;
                    let event = crate::decode_event(&case, case_seq, &at, &actor, &body)?;
                    if current.first().is_some_and(|e| e.case != event.case) {
                        write_folded(&mut tx, &current, policies, head).await?;
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
                write_folded(&mut tx, &current, policies, head).await?;
            }
            tx.commit().await?;
            Ok(done)
        }

        async fn write_folded(
            tx: &mut Tx,
            events: &[Event],
            policies: &Policies,
            stamp: i64,
        ) -> Result<(), StoreError> {
            let case = Case::fold(events).map_err(|source| StoreError::Stream {
                case: events[0].case.clone(),
                source,
            })?;
            write_case(tx, &case, events, policies, stamp).await
        }
    };
}

pub(crate) use common_queries;
