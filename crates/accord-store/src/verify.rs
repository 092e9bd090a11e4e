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
            &row.canonical,
            &row.hash,
            || columns_match(row, global_seq),
        )
    }

    /// Checks the next directory audit entry in order.
    pub fn check_audit(&mut self, row: &AuditRow) -> Result<(), Break> {
        let seq = u64::try_from(row.seq).unwrap_or(0);
        self.link(seq, None, &row.prev_hash, &row.canonical, &row.hash, || {
            audit::columns_match(row, seq)
        })
    }

    /// Checks one link: its place, its link to the one before, its hash,
    /// and (last, as the dearest) that its columns say what it hashed.
    fn link(
        &mut self,
        seq: u64,
        case: Option<&str>,
        prev_hash: &[u8],
        bytes: &[u8],
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
        let hash = canonical::sha256(bytes);
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

/// Whether re-encoding the row's columns gives exactly its hashed bytes.
fn columns_match(row: &EventRow, global_seq: u64) -> bool {
    let (Ok(actor), Ok(body)) = (
        serde_json::from_str::<Value>(&row.actor),
        serde_json::from_str::<Value>(&row.body),
    ) else {
        return false;
    };
    if body.get("type").and_then(Value::as_str) != Some(row.event_type.as_str()) {
        return false;
    }
    let (Ok(case_seq), Ok(prev)) = (
        u64::try_from(row.case_seq),
        <Hash>::try_from(row.prev_hash.as_slice()),
    ) else {
        return false;
    };
    canonical::envelope(
        &row.case_id,
        case_seq,
        &row.at,
        actor,
        body,
        global_seq,
        &prev,
    ) == row.canonical
}
