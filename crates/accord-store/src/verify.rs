//! Checking the hash chains: every event in global order, its place, its
//! link to the one before, its hash, and that its queryable columns still
//! say what its hashed bytes say (DESIGN.md §4, `accord verify`); then the
//! directory audit's entries (`audit.rs`) the same way.

use std::fmt;

use serde_json::Value;

use crate::{
    audit::{self, AuditRow},
    canonical::{self, GENESIS, Hash},
};

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every event and every directory audit entry checked out.
    Intact {
        /// How many events were checked.
        events: u64,
        /// The hash of the last event (zeros for an empty log). Writing it
        /// down somewhere else lets a later verify prove the log was not
        /// rewritten wholesale.
        head: Hash,
        /// How many directory audit entries were checked.
        audit_entries: u64,
        /// The hash of the last directory audit entry (zeros for none).
        audit_head: Hash,
    },
    /// The first problem: in the events, in global order, or else in the
    /// directory audit.
    Broken(Break),
}

/// Which hash chain a break is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    /// The case events.
    Events,
    /// The directory audit: changes to people, agencies, accounts and
    /// settings.
    DirectoryAudit,
}

impl Chain {
    fn noun(self) -> &'static str {
        match self {
            Chain::Events => "event",
            Chain::DirectoryAudit => "directory audit entry",
        }
    }
}

/// The first broken or missing event or audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// Which chain it is in.
    pub chain: Chain,
    /// The global sequence number of the event (or the number of the
    /// audit entry) at fault.
    pub global_seq: u64,
    /// Its case, where the event is there to say (a missing event's case
    /// is unknown; this is then the case of the next event present).
    /// `None` in the directory audit.
    pub case: Option<String>,
    /// What is wrong.
    pub problem: Problem,
    /// How many events (or audit entries) before it checked out.
    pub checked: u64,
}

/// What is wrong with an event or an audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The event is missing: the log jumps over it to `next`.
    Missing {
        /// The next global sequence number present.
        next: u64,
    },
    /// Events at the end of the log are missing: the chain head records
    /// more than the log holds.
    MissingAtEnd {
        /// The last global sequence number the chain head records.
        head: u64,
    },
    /// The event does not link to the hash of the event before it.
    BrokenLink,
    /// The event's stored hash is not the hash of its stored bytes.
    HashMismatch,
    /// The event's columns no longer say what its hashed bytes say.
    ColumnsAltered,
    /// The chain head's hash is not the last event's hash.
    HeadMismatch,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.global_seq;
        let noun = self.chain.noun();
        let case = self
            .case
            .as_deref()
            .map(|c| format!(" (case {c})"))
            .unwrap_or_default();
        let log = match self.chain {
            Chain::Events => "the log",
            Chain::DirectoryAudit => "the directory audit",
        };
        let written = match self.chain {
            Chain::Events => "events were",
            Chain::DirectoryAudit => "entries were",
        };
        match &self.problem {
            Problem::Missing { next } => write!(
                f,
                "{noun} {n} is missing: {log} jumps from {} to {next}{case}",
                n - 1
            ),
            Problem::MissingAtEnd { head } => write!(
                f,
                "{noun} {n} is missing: {log} ends at {} but {head} {written} written",
                n - 1
            ),
            Problem::BrokenLink => write!(
                f,
                "{noun} {n}{case} does not link to {noun} {}: one of the two was altered or replaced",
                n.saturating_sub(1)
            ),
            Problem::HashMismatch => write!(
                f,
                "{noun} {n}{case} was altered: its hash does not match its stored bytes"
            ),
            Problem::ColumnsAltered => write!(
                f,
                "{noun} {n}{case} was altered: its stored fields no longer match its hashed bytes"
            ),
            Problem::HeadMismatch => write!(
                f,
                "{noun} {n}{case} is not the one the chain head records: the end of {log} was replaced"
            ),
        }
    }
}

/// One stored event as read for checking.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct EventRow {
    pub global_seq: i64,
    pub case_id: String,
    pub case_seq: i64,
    pub event_type: String,
    pub at: String,
    pub actor: String,
    pub body: String,
    pub canonical: Vec<u8>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// One stored event's columns, borrowed: from an [`EventRow`], or straight
/// from the database's row while it is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventView<'a> {
    pub global_seq: i64,
    pub case_id: &'a str,
    pub case_seq: i64,
    pub event_type: &'a str,
    pub at: &'a str,
    pub actor: &'a str,
    pub body: &'a str,
    pub canonical: &'a [u8],
    pub prev_hash: &'a [u8],
}

impl EventRow {
    fn view(&self) -> EventView<'_> {
        EventView {
            global_seq: self.global_seq,
            case_id: &self.case_id,
            case_seq: self.case_seq,
            event_type: &self.event_type,
            at: &self.at,
            actor: &self.actor,
            body: &self.body,
            canonical: &self.canonical,
            prev_hash: &self.prev_hash,
        }
    }
}

/// What the walk needs of one event once its own checks are made: its
/// place, its case (to name in a fault), its link and stored hash (`None`
/// where the column is not 32 bytes, which no hash equals), and its own
/// checks. Made while reading, so that nothing more of the row is kept.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub global_seq: i64,
    pub case_id: String,
    pub prev_hash: Option<Hash>,
    pub hash: Option<Hash>,
    pub own: OwnCheck,
}

impl Link {
    /// The link of the event `view`, whose stored hash is `hash`.
    pub(crate) fn of(view: &EventView<'_>, hash: &[u8]) -> Link {
        Link {
            global_seq: view.global_seq,
            case_id: view.case_id.to_owned(),
            prev_hash: Hash::try_from(view.prev_hash).ok(),
            hash: Hash::try_from(hash).ok(),
            own: own_check(view),
        }
    }
}

/// Walks a chain one link at a time.
#[derive(Debug)]
pub(crate) struct ChainCheck {
    chain: Chain,
    next: u64,
    prev: Hash,
}

impl ChainCheck {
    pub fn new(chain: Chain) -> ChainCheck {
        ChainCheck {
            chain,
            next: 1,
            prev: GENESIS,
        }
    }

    /// How many events have checked out.
    pub fn checked(&self) -> u64 {
        self.next - 1
    }

    /// Checks the next event in global order.
    pub fn check(&mut self, row: &EventRow) -> Result<(), Break> {
        let global_seq = u64::try_from(row.global_seq).unwrap_or(0);
        self.link(
            global_seq,
            Some(&row.case_id),
            &row.prev_hash,
            canonical::sha256(&row.canonical),
            &row.hash,
            || columns_match(&row.view(), global_seq),
        )
    }

    /// Checks the next event in order, its own checks already made by
    /// [`own_checks`].
    pub fn check_checked(&mut self, row: &EventRow, own: &OwnCheck) -> Result<(), Break> {
        self.link(
            u64::try_from(row.global_seq).unwrap_or(0),
            Some(&row.case_id),
            &row.prev_hash,
            own.hash,
            &row.hash,
            || own.columns_match,
        )
    }

    /// Checks the next event in order from its [`Link`].
    pub fn check_link(&mut self, link: &Link) -> Result<(), Break> {
        self.link(
            u64::try_from(link.global_seq).unwrap_or(0),
            Some(&link.case_id),
            link.prev_hash.as_ref().map_or(&[][..], |h| &h[..]),
            link.own.hash,
            link.hash.as_ref().map_or(&[][..], |h| &h[..]),
            || link.own.columns_match,
        )
    }

    /// Checks the next directory audit entry in order.
    pub fn check_audit(&mut self, row: &AuditRow) -> Result<(), Break> {
        let seq = u64::try_from(row.seq).unwrap_or(0);
        self.link(
            seq,
            None,
            &row.prev_hash,
            canonical::sha256(&row.canonical),
            &row.hash,
            || audit::columns_match(row, seq),
        )
    }

    /// Checks one link: its place, its link to the one before, its hash,
    /// and (last, as the dearest) that its columns say what it hashed.
    fn link(
        &mut self,
        seq: u64,
        case: Option<&str>,
        prev_hash: &[u8],
        hash: Hash,
        stored_hash: &[u8],
        columns_match: impl FnOnce() -> bool,
    ) -> Result<(), Break> {
        let fault = |seq: u64, problem: Problem| Break {
            chain: self.chain,
            global_seq: seq,
            case: case.map(str::to_owned),
            problem,
            checked: self.checked(),
        };
        if seq != self.next {
            return Err(fault(self.next, Problem::Missing { next: seq }));
        }
        if prev_hash != self.prev {
            return Err(fault(seq, Problem::BrokenLink));
        }
        if stored_hash != hash {
            return Err(fault(seq, Problem::HashMismatch));
        }
        if !columns_match() {
            return Err(fault(seq, Problem::ColumnsAltered));
        }
        self.prev = hash;
        self.next += 1;
        Ok(())
    }

    /// Checks the end of the chain against its head; the count checked and
    /// the last hash if they agree.
    pub fn finish(self, head_seq: u64, head_hash: &[u8]) -> Result<(u64, Hash), Break> {
        let checked = self.checked();
        if head_seq > checked {
            return Err(Break {
                chain: self.chain,
                global_seq: self.next,
                case: None,
                problem: Problem::MissingAtEnd { head: head_seq },
                checked,
            });
        }
        if head_seq < checked || head_hash != self.prev {
            return Err(Break {
                chain: self.chain,
                global_seq: checked,
                case: None,
                problem: Problem::HeadMismatch,
                checked: checked.saturating_sub(1),
            });
        }
        Ok((checked, self.prev))
    }
}

/// What can be checked of one event without the events before it: the
/// hash of its stored bytes, and whether its columns say what those bytes
/// say. Made for a page of events at once, in parallel, by
/// [`own_checks`]; the links between them are then checked in order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OwnCheck {
    hash: Hash,
    columns_match: bool,
}

/// The [`OwnCheck`] of each of `rows`, in order, shared out among the
/// machine's cores.
pub(crate) fn own_checks(rows: &[EventRow]) -> Vec<OwnCheck> {
    let one = |row: &EventRow| own_check(&row.view());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if cores == 1 || rows.len() < 64 {
        return rows.iter().map(one).collect();
    }
    let chunk = rows.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let workers: Vec<_> = rows
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("checking events does not panic"))
            .collect()
    })
}

/// The [`OwnCheck`] of one event.
pub(crate) fn own_check(view: &EventView<'_>) -> OwnCheck {
    OwnCheck {
        hash: canonical::sha256(view.canonical),
        columns_match: columns_match(view, u64::try_from(view.global_seq).unwrap_or(0)),
    }
}

/// Whether the row's columns say exactly what its hashed bytes say.
fn columns_match(row: &EventView<'_>, global_seq: u64) -> bool {
    match columns_spell_envelope(row, global_seq) {
        Some(true) => body_type(row.body).as_deref() == Some(row.event_type),
        // Columns that do not spell the bytes out as Accord writes them
        // may still say the same in other words: re-encode them.
        Some(false) | None => columns_encode_to_envelope(row, global_seq),
    }
}

/// The `type` of an event body, read without building the body.
fn body_type(body: &str) -> Option<std::borrow::Cow<'_, str>> {
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_str::<Kind<'_>>(body).ok()?.kind
}

/// Whether the hashed bytes are the envelope of the row's columns as
/// Accord writes them (the actor and body columns are canonical JSON, see
/// `canonical::seal`), compared piece by piece without parsing a column;
/// `None` where a text column would need escaping, which Accord's never do.
fn columns_spell_envelope(row: &EventView<'_>, global_seq: u64) -> Option<bool> {
    let plain = |s: &str| !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
    if !plain(row.at) || !plain(row.case_id) || row.prev_hash.len() != 32 {
        return None;
    }
    let case_seq = u64::try_from(row.case_seq).ok()?;
    let mut hex = [0_u8; 64];
    hex::encode_to_slice(row.prev_hash, &mut hex).ok()?;
    let (global_seq, case_seq) = (global_seq.to_string(), case_seq.to_string());
    let pieces: [&[u8]; 15] = [
        b"{\"actor\":",
        row.actor.as_bytes(),
        b",\"at\":\"",
        row.at.as_bytes(),
        b"\",\"body\":",
        row.body.as_bytes(),
        b",\"case\":\"",
        row.case_id.as_bytes(),
        b"\",\"global_sequence\":",
        global_seq.as_bytes(),
        b",\"previous_hash\":\"",
        &hex,
        b"\",\"sequence\":",
        case_seq.as_bytes(),
        b"}",
    ];
    let mut rest = row.canonical;
    for piece in pieces {
        match rest.strip_prefix(piece) {
            Some(after) => rest = after,
            None => return Some(false),
        }
    }
    Some(rest.is_empty())
}

/// Whether re-encoding the row's columns gives exactly its hashed bytes.
fn columns_encode_to_envelope(row: &EventView<'_>, global_seq: u64) -> bool {
    let (Ok(actor), Ok(body)) = (
        serde_json::from_str::<Value>(row.actor),
        serde_json::from_str::<Value>(row.body),
    ) else {
        return false;
    };
    if body.get("type").and_then(Value::as_str) != Some(row.event_type) {
        return false;
    }
    let (Ok(case_seq), Ok(prev)) = (u64::try_from(row.case_seq), <Hash>::try_from(row.prev_hash))
    else {
        return false;
    };
    canonical::envelope(
        row.case_id,
        case_seq,
        row.at,
        actor,
        body,
        global_seq,
        &prev,
    ) == row.canonical
}

#[cfg(test)]
mod tests {
    use accord_case::{Actor, AgencyId, CaseId, Event, EventBody, PersonId, Sequence, Text};
    use accord_policy::{RoleTier, StageNumber};

    use super::*;
    use crate::keys::DataKey;

    /// Event `n` of a chain, stored as Accord stores it.
    fn row(n: u64, prev: Hash, key: &DataKey) -> EventRow {
        let event = Event {
            case: CaseId::parse(&format!("HAV-2025-{:04}", n % 7 + 1)).unwrap(),
            sequence: Sequence::new(n / 7 + 1).unwrap(),
            at: "2025-03-03T10:00:00Z".parse().unwrap(),
            actor: Actor {
                person: PersonId::parse("hav-school-practitioner").unwrap(),
                agency: AgencyId::parse("hav-school").unwrap(),
                tier: RoleTier::Practitioner,
                roles: Vec::new(),
            },
            body: EventBody::Withdrawn {
                stage: StageNumber::new(1).unwrap(),
                reason: Text::parse("Ava's family moved to Leeds").unwrap(),
            },
        };
        let s = canonical::seal(&event, n, prev, key);
        EventRow {
            global_seq: i64::try_from(s.global_seq).unwrap(),
            case_id: s.case_id,
            case_seq: i64::try_from(s.case_seq).unwrap(),
            event_type: s.event_type.to_owned(),
            at: s.at,
            actor: s.actor,
            body: s.body,
            canonical: s.canonical,
            prev_hash: s.prev_hash.to_vec(),
            hash: s.hash.to_vec(),
        }
    }

    fn chain(n: u64) -> Vec<EventRow> {
        let key = DataKey::generate();
        let mut prev = GENESIS;
        (1..=n)
            .map(|i| {
                let r = row(i, prev, &key);
                prev = r.hash.clone().try_into().unwrap();
                r
            })
            .collect()
    }

    #[test]
    fn the_parallel_checks_agree_with_checking_one_event_at_a_time() {
        let mut rows = chain(500);
        rows[321].event_type = "closed".into();
        rows[400].canonical[20] ^= 1;
        let own = own_checks(&rows);
        assert_eq!(own.len(), rows.len());
        for (i, (row, own)) in rows.iter().zip(&own).enumerate() {
            assert_eq!(own.hash, canonical::sha256(&row.canonical), "{i}");
            let global_seq = u64::try_from(row.global_seq).unwrap();
            assert_eq!(
                own.columns_match,
                columns_encode_to_envelope(&row.view(), global_seq),
                "{i}"
            );
            assert_eq!(own.columns_match, i != 321 && i != 400, "{i}");
        }
        let mut check = ChainCheck::new(Chain::Events);
        let fault = rows
            .iter()
            .zip(&own)
            .find_map(|(row, own)| check.check_checked(row, own).err())
            .expect("the changed type is found");
        assert_eq!(
            (fault.global_seq, fault.problem),
            (322, Problem::ColumnsAltered)
        );
    }

    #[test]
    fn columns_are_read_without_parsing_when_they_spell_the_envelope() {
        let rows = chain(3);
        for row in &rows {
            let n = u64::try_from(row.global_seq).unwrap();
            assert_eq!(columns_spell_envelope(&row.view(), n), Some(true));
            assert!(columns_match(&row.view(), n));
        }
        // The same actor in other words (spaces, another key order) no
        // longer spells the envelope, but still says what was hashed.
        let mut reworded = rows[1].clone();
        let actor: Value = serde_json::from_str(&reworded.actor).unwrap();
        reworded.actor = serde_json::to_string_pretty(&actor).unwrap();
        assert_eq!(columns_spell_envelope(&reworded.view(), 2), Some(false));
        assert!(columns_match(&reworded.view(), 2));
        // Anything said differently is altered: the stage, the sequence,
        // the case.
        let mut altered = rows[1].clone();
        altered.body = altered.body.replace("\"stage\":1", "\"stage\":2");
        assert!(!columns_match(&altered.view(), 2));
        let mut altered = rows[1].clone();
        altered.case_seq += 1;
        assert!(!columns_match(&altered.view(), 2));
        assert!(!columns_match(&rows[1].view(), 3), "its place in the chain");
        let mut altered = rows[1].clone();
        altered.case_id = "HAV-2025-0099".into();
        assert!(!columns_match(&altered.view(), 2));
        assert_eq!(body_type(&rows[0].body).as_deref(), Some("withdrawn"));
    }

    /// SQLite's walk reads pages on several connections at once and walks
    /// their links in order: it must find exactly what one walk of the
    /// rows in order finds, wherever a fault falls among its pages.
    #[test]
    fn the_walk_on_several_connections_finds_what_one_walk_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        let setup = rusqlite::Connection::open(&path).unwrap();
        setup
            .execute_batch(
                "PRAGMA journal_mode=WAL; CREATE TABLE events (global_seq INTEGER PRIMARY KEY, \
                 case_id TEXT, case_seq INTEGER, event_type TEXT, at TEXT, actor TEXT, body TEXT, \
                 canonical BLOB, prev_hash BLOB, hash BLOB)",
            )
            .unwrap();
        let store = |rows: &[EventRow]| {
            setup.execute("DELETE FROM events", []).unwrap();
            for r in rows {
                setup
                    .execute(
                        "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        rusqlite::params![
                            r.global_seq,
                            r.case_id,
                            r.case_seq,
                            r.event_type,
                            r.at,
                            r.actor,
                            r.body,
                            r.canonical,
                            r.prev_hash,
                            r.hash
                        ],
                    )
                    .unwrap();
            }
        };
        let one_walk = |rows: &[EventRow], head: u64, head_hash: &[u8]| {
            let mut check = ChainCheck::new(Chain::Events);
            for r in rows {
                check.check(r)?;
            }
            check.finish(head, head_hash)
        };
        let walk = |head: u64, head_hash: &[u8]| {
            let connections = (0..3)
                .map(|_| rusqlite::Connection::open(&path).unwrap())
                .collect();
            let mut seen = Vec::new();
            let walked = crate::backend::sqlite_group::walk_connections(
                connections,
                7,
                head,
                head_hash,
                &mut |n| seen.push(n),
            )
            .unwrap();
            assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress only grows");
            walked
        };
        let rows = chain(60);
        let head: Hash = rows[59].hash.clone().try_into().unwrap();
        let mut tampered: Vec<(&str, Vec<EventRow>, u64)> = Vec::new();
        tampered.push(("intact", rows.clone(), 60));
        let mut gap = rows.clone();
        gap.remove(22);
        tampered.push(("event 23 missing, mid-page", gap, 60));
        let mut gap = rows.clone();
        gap.drain(13..15);
        tampered.push(("events 14 and 15 missing, across pages", gap, 60));
        let mut altered = rows.clone();
        altered[40].event_type = "closed".into();
        tampered.push(("event 41's type altered", altered, 60));
        let mut altered = rows.clone();
        altered[48].canonical[20] ^= 1;
        tampered.push(("event 49's bytes altered", altered, 60));
        tampered.push(("an event past the head", rows.clone(), 59));
        tampered.push(("the head past the last event", rows.clone(), 61));
        tampered.push(("an empty log", Vec::new(), 0));
        for (what, rows, head_seq) in tampered {
            store(&rows);
            let head_hash = if rows.is_empty() { GENESIS } else { head };
            let expected = one_walk(&rows, head_seq, &head_hash);
            let walked = walk(head_seq, &head_hash);
            assert_eq!(format!("{walked:?}"), format!("{expected:?}"), "{what}");
            assert_eq!(
                what == "intact" || what == "an empty log",
                walked.is_ok(),
                "{what}"
            );
        }
    }
}
