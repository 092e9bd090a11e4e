//! The canonical encoding of a stored event, and the hash chain over it.
//! The directory audit's entries (`audit.rs`) are encoded and chained the
//! same way, with these same functions.
//!
//! Each event is hashed as one **envelope**: a JSON object holding the
//! event exactly as `accord-case` serialises it plus its place in the
//! global chain:
//!
//! ```text
//! {"actor":{…},"at":"2025-03-03T10:00:00Z","body":{"type":"raised",…},
//!  "case":"HAV-2025-0001","global_sequence":1,
//!  "previous_hash":"0000…0000","sequence":1}
//! ```
//!
//! The bytes are canonical JSON: object keys sorted by their UTF-8 bytes at
//! every level, no whitespace between tokens, strings escaped as
//! `serde_json` escapes them (`"`, `\` and control characters only; other
//! characters as UTF-8), integers in plain decimal. `previous_hash` is the
//! lower-case hex SHA-256 of the previous event in global order, 64 zeros
//! for the first. An event's hash is the SHA-256 of these bytes, so it
//! covers its place in the chain as well as its content.
//!
//! The body is the event's **shape**, with its personal data sealed under
//! its case's data key in a `sealed` member (`sealing.rs`, issue 17): the
//! chain hashes what is stored, so destroying the key erases the personal
//! data and leaves every hash as it was.
//!
//! The keys are sorted here rather than left to `serde_json`, whose map
//! order changes with its `preserve_order` feature, which any crate in the
//! build could switch on.

use accord_case::Event;

use crate::keys::DataKey;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The hash before the first event: 32 zero bytes.
pub const GENESIS: Hash = [0; 32];

/// One event ready to store: its canonical bytes and hash, and the columns
/// that repeat them for querying.
#[derive(Debug, Clone)]
pub(crate) struct Sealed {
    pub global_seq: u64,
    pub case_id: String,
    pub case_seq: u64,
    pub event_type: &'static str,
    pub at: String,
    pub actor: String,
    pub body: String,
    pub canonical: Vec<u8>,
    pub prev_hash: Hash,
    pub hash: Hash,
}

/// Seals `event` as global event `global_seq`, following `prev_hash`, its
/// personal data sealed with its case's data key `key` (`sealing.rs`): the
/// body stored and hashed is its shape.
pub(crate) fn seal(event: &Event, global_seq: u64, prev_hash: Hash, key: &DataKey) -> Sealed {
    let actor = serde_json::to_value(&event.actor).expect("an actor always serialises");
    let body = serde_json::to_value(&event.body).expect("an event body always serialises");
    let body = crate::sealing::seal(&body, event.case.as_str(), event.sequence.get(), key);
    let at = event.at.to_string();
    let canonical = envelope(
        event.case.as_str(),
        event.sequence.get(),
        &at,
        actor.clone(),
        body.clone(),
        global_seq,
        &prev_hash,
    );
    let hash = sha256(&canonical);
    Sealed {
        global_seq,
        case_id: event.case.as_str().to_owned(),
        case_seq: event.sequence.get(),
        event_type: event.body.name(),
        at,
        actor: to_canonical_string(&actor),
        body: to_canonical_string(&body),
        canonical,
        prev_hash,
        hash,
    }
}

/// The canonical envelope bytes for an event's parts.
pub(crate) fn envelope(
    case: &str,
    sequence: u64,
    at: &str,
    actor: Value,
    body: Value,
    global_seq: u64,
    prev_hash: &Hash,
) -> Vec<u8> {
    let mut map = Map::new();
    map.insert("actor".into(), actor);
    map.insert("at".into(), Value::String(at.to_owned()));
    map.insert("body".into(), body);
    map.insert("case".into(), Value::String(case.to_owned()));
    map.insert("global_sequence".into(), Value::from(global_seq));
    map.insert(
        "previous_hash".into(),
        Value::String(hex::encode(prev_hash)),
    );
    map.insert("sequence".into(), Value::from(sequence));
    let mut out = Vec::with_capacity(512);
    write_canonical(&Value::Object(map), &mut out);
    out
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// `value` as canonical JSON text.
pub(crate) fn to_canonical_string(value: &Value) -> String {
    String::from_utf8(to_canonical_bytes(value)).expect("JSON text is UTF-8")
}

/// `value` as canonical JSON bytes: what the directory audit hashes (see
/// `audit.rs`), encoded exactly as an event's envelope is.
pub(crate) fn to_canonical_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    out
}

/// Writes `value` as canonical JSON: sorted keys, no whitespace.
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(&Value::String(key.clone()), out);
                out.push(b':');
                write_canonical(value, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

fn write_scalar(value: &Value, out: &mut Vec<u8>) {
    serde_json::to_writer(out, value).expect("writing a JSON scalar to memory cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_at_every_level_without_whitespace() {
        let value: Value =
            serde_json::from_str(r#"{ "b": 1, "a": { "z": [ true, null ], "y": "é\n\"" } }"#)
                .unwrap();
        assert_eq!(
            to_canonical_string(&value),
            r#"{"a":{"y":"é\n\"","z":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn the_envelope_binds_the_previous_hash_and_global_sequence() {
        let actor = serde_json::json!({"person": "p", "agency": "a", "tier": "manager"});
        let body = serde_json::json!({"type": "closed"});
        let one = envelope(
            "c",
            2,
            "2025-01-01T00:00:00Z",
            actor.clone(),
            body.clone(),
            7,
            &GENESIS,
        );
        let text = String::from_utf8(one.clone()).unwrap();
        assert!(text.starts_with(r#"{"actor":{"agency":"a","person":"p","tier":"manager"},"at":"#));
        assert!(text.contains(&format!(r#""previous_hash":"{}""#, "0".repeat(64))));
        let other_link = envelope(
            "c",
            2,
            "2025-01-01T00:00:00Z",
            actor.clone(),
            body.clone(),
            7,
            &[1; 32],
        );
        let other_place = envelope("c", 2, "2025-01-01T00:00:00Z", actor, body, 8, &GENESIS);
        assert_ne!(sha256(&one), sha256(&other_link));
        assert_ne!(sha256(&one), sha256(&other_place));
    }
}
