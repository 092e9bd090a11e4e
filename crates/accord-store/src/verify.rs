//! Checking the hash chain: every event in global order, its place, its
//! link to the one before, its hash, and that its queryable columns still
//! say what its hashed bytes say (DESIGN.md §4, `accord verify`).

use std::fmt;

use serde_json::Value;

use crate::canonical::{self, GENESIS, Hash};

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every event checked out.
    Intact {
        /// How many events were checked.
        events: u64,
        /// The hash of the last event (zeros for an empty log). Writing it
        /// down somewhere else lets a later verify prove the log was not
        /// rewritten wholesale.
        head: Hash,
    },
    /// The first problem in global order.
    Broken(Break),
}

/// The first broken or missing event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The global sequence number of the event at fault.
    pub global_seq: u64,
    /// Its case, where the event is there to say (a missing event's case
    /// is unknown; this is then the case of the next event present).
    pub case: Option<String>,
    /// What is wrong.
    pub problem: Problem,
    /// How many events before it checked out.
    pub checked: u64,
}

/// What is wrong with an event.
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
        let case = self
            .case
            .as_deref()
            .map(|c| format!(" (case {c})"))
            .unwrap_or_default();
        match &self.problem {
            Problem::Missing { next } => write!(
                f,
                "event {n} is missing: the log jumps from {} to {next}{case}",
                n - 1
            ),
            Problem::MissingAtEnd { head } => write!(
                f,
                "event {n} is missing: the log ends at {} but {head} events were written",
                n - 1
            ),
            Problem::BrokenLink => write!(
                f,
                "event {n}{case} does not link to event {}: one of the two was altered or replaced",
                n.saturating_sub(1)
            ),
            Problem::HashMismatch => write!(
                f,
                "event {n}{case} was altered: its hash does not match its stored bytes"
            ),
            Problem::ColumnsAltered => write!(
                f,
                "event {n}{case} was altered: its stored fields no longer match its hashed bytes"
            ),
            Problem::HeadMismatch => write!(
                f,
                "event {n}{case} is not the event the chain head records: the end of the log was replaced"
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

/// Walks the chain one event at a time.
#[derive(Debug)]
pub(crate) struct ChainCheck {
    next: u64,
    prev: Hash,
}

impl ChainCheck {
    pub fn new() -> ChainCheck {
        ChainCheck {
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
        let fault = |global_seq: u64, problem: Problem| Break {
            global_seq,
            case: Some(row.case_id.clone()),
            problem,
            checked: self.checked(),
        };
        if global_seq != self.next {
            return Err(fault(self.next, Problem::Missing { next: global_seq }));
        }
        if row.prev_hash != self.prev {
            return Err(fault(global_seq, Problem::BrokenLink));
        }
        let hash = canonical::sha256(&row.canonical);
        if row.hash != hash {
            return Err(fault(global_seq, Problem::HashMismatch));
        }
        if !columns_match(row, global_seq) {
            return Err(fault(global_seq, Problem::ColumnsAltered));
        }
        self.prev = hash;
        self.next += 1;
        Ok(())
    }

    /// Checks the end of the log against the chain head.
    pub fn finish(self, head_seq: u64, head_hash: &[u8]) -> Verification {
        let checked = self.checked();
        if head_seq > checked {
            return Verification::Broken(Break {
                global_seq: self.next,
                case: None,
                problem: Problem::MissingAtEnd { head: head_seq },
                checked,
            });
        }
        if head_seq < checked || head_hash != self.prev {
            return Verification::Broken(Break {
                global_seq: checked,
                case: None,
                problem: Problem::HeadMismatch,
                checked: checked.saturating_sub(1),
            });
        }
        Verification::Intact {
            events: checked,
            head: self.prev,
        }
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
