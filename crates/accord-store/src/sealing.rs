//! How an event's personal data is sealed with its case's data key
//! (issue 17 §1), so that destroying the key erases it and the hash chain
//! still holds.
//!
//! An event is stored as its **shape**: the body with every personal value
//! (a subject's name, date of birth, NHS number and local identifier; free
//! text; a form's answers; the names of people without an account) put
//! aside, and the whole body sealed under the case's data key in one
//! `sealed` member:
//!
//! ```text
//! {"type":"raised","stage":1,"subjects":[{"id":"s1","name":"Erased",…}],
//!  …,"sealed":"AeKx…"}
//! ```
//!
//! The chain hashes the shape with its `sealed` member, which is what is
//! stored. While the case's key exists, a read opens `sealed` and gets the
//! body as it was recorded; once the key is destroyed, a read gets the
//! shape, which still says what happened, at which stage, when and by
//! which agencies, with every text [`ERASED`] and every identifier gone.
//!
//! What is personal is listed in [`PERSONAL`], by where it sits in a body.
//! A body with nothing personal in it (a breach, an approval) is stored as
//! it is.
//!
//! [`seal`] and [`open`] are public for the `sealing` benchmark, which
//! measures what they add to an append and to a case read.

use accord_case::{CaseId, EventBody};
use base64::Engine as _;
use serde_json::Value;

use crate::StoreError;
pub use crate::keys::DataKey;

/// A case's data key, as a read finds it.
#[derive(Debug, Clone)]
pub enum CaseKey {
    /// The key, unwrapped.
    Open(DataKey),
    /// The case's personal data was erased: its events read as shapes.
    Erased,
    /// The case has no key: a sealed body cannot be read, and is an error,
    /// never a silent shape.
    Missing,
}

/// What a text reads once its case's personal data has been erased.
pub const ERASED: &str = "Erased";

/// The member of a stored body that holds the sealed body.
const SEALED: &str = "sealed";

/// What to do with a personal value in the shape.
#[derive(Debug, Clone, Copy)]
enum Put {
    /// Replace text with [`ERASED`].
    Text,
    /// Leave it out (an optional identifier).
    Out,
    /// Replace with no answers.
    NoAnswers,
}

/// Where the personal values sit in an event body, as paths of members
/// (`*` for every element of an array), and what the shape holds instead.
/// A path that is not in a body is skipped, so one list serves every kind.
/// Each is checked against every kind of event the demo records in
/// `shapes_hold_no_free_text_or_identifier`.
const PERSONAL: &[(&[&str], Put)] = &[
    // The raise: whom it is about, and the concern.
    (&["subjects", "*", "name"], Put::Text),
    (&["subjects", "*", "date_of_birth"], Put::Out),
    (&["subjects", "*", "nhs_number"], Put::Out),
    (&["subjects", "*", "local_id"], Put::Out),
    (&["concern", "disputed"], Put::Text),
    (&["concern", "evidence"], Put::Text),
    (&["concern", "outcome_sought"], Put::Text),
    (&["later_start_reason"], Put::Text),
    // Discussions.
    (&["record", "summary"], Put::Text),
    (&["record", "unlisted_participants", "*", "name"], Put::Text),
    (&["record", "unlisted_participants", "*", "role"], Put::Out),
    (
        &["record", "unlisted_participants", "*", "agency"],
        Put::Text,
    ),
    // Actions and follow-ups.
    (&["details", "what"], Put::Text),
    // Forms.
    (&["values"], Put::NoAnswers),
    // Free text of every other kind.
    (&["reason"], Put::Text),
    (&["note"], Put::Text),
    (&["summary"], Put::Text),
    (&["statement"], Put::Text),
    (&["outcome"], Put::Text),
    (&["outstanding_issues"], Put::Text),
    (&["shortfall_reason"], Put::Text),
    (&["missing_confirmations", "*", "reason"], Put::Text),
    // Corrections carry what they correct.
    (&["amendment", "record", "summary"], Put::Text),
    (
        &["amendment", "record", "unlisted_participants", "*", "name"],
        Put::Text,
    ),
    (
        &["amendment", "record", "unlisted_participants", "*", "role"],
        Put::Out,
    ),
    (
        &[
            "amendment",
            "record",
            "unlisted_participants",
            "*",
            "agency",
        ],
        Put::Text,
    ),
    (&["amendment", "details", "what"], Put::Text),
    (&["amendment", "concern", "disputed"], Put::Text),
    (&["amendment", "concern", "evidence"], Put::Text),
    (&["amendment", "concern", "outcome_sought"], Put::Text),
    (&["amendment", "subjects", "*", "name"], Put::Text),
    (&["amendment", "subjects", "*", "date_of_birth"], Put::Out),
    (&["amendment", "subjects", "*", "nhs_number"], Put::Out),
    (&["amendment", "subjects", "*", "local_id"], Put::Out),
    (&["amendment", "note"], Put::Text),
];

/// The associated data an event's sealed body is bound to: its case and
/// its place in the case, so a sealed body moved to another event does not
/// open.
fn context(case: &str, sequence: u64) -> Vec<u8> {
    format!("event\0{case}\0{sequence}").into_bytes()
}

/// The body to store and hash for `body`, the `sequence`th event of `case`:
/// its shape, with the whole body sealed by `key` where anything in it is
/// personal.
pub fn seal(body: &Value, case: &str, sequence: u64, key: &DataKey) -> Value {
    let mut shape = body.clone();
    if !redact(&mut shape) {
        return shape;
    }
    let plain = zeroize::Zeroizing::new(crate::canonical::to_canonical_bytes(body));
    let sealed = key.seal(&context(case, sequence), &plain);
    if let Value::Object(map) = &mut shape {
        map.insert(
            SEALED.to_owned(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(sealed)),
        );
    }
    shape
}

/// The body of the `sequence`th event of `case` as stored (`stored`): the
/// body as recorded, opened with the case's key, or its shape where the
/// case's personal data was erased.
pub fn open(
    case: &CaseId,
    sequence: u64,
    stored: &str,
    key: &CaseKey,
) -> Result<EventBody, StoreError> {
    let damaged = |reason: String| StoreError::Damaged {
        case: case.to_string(),
        reason,
    };
    let unreadable = || damaged(format!("event {sequence} has an unreadable body"));
    // Only the sealed member is read first; the shape is parsed as a body
    // only where it is what is read.
    let Sealed { sealed } = serde_json::from_str(stored).map_err(|_| unreadable())?;
    match (sealed, key) {
        (None, _) | (Some(_), CaseKey::Erased) => {
            serde_json::from_str(stored).map_err(|_| unreadable())
        }
        (Some(_), CaseKey::Missing) => Err(damaged(format!(
            "event {sequence}'s personal data is sealed, but the case has no data key"
        ))),
        (Some(sealed), CaseKey::Open(key)) => {
            let unopened = || {
                damaged(format!(
                    "event {sequence}'s personal data did not open with the case's key: it has been altered, or moved from another event"
                ))
            };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(sealed)
                .map_err(|_| unopened())?;
            let plain = key
                .open(&context(case.as_str(), sequence), &bytes)
                .ok_or_else(unopened)?;
            serde_json::from_slice(&plain)
                .map_err(|_| damaged(format!("event {sequence}'s sealed body is unreadable")))
        }
    }
}

/// The sealed member of a stored body, read without the rest.
#[derive(serde::Deserialize)]
struct Sealed {
    sealed: Option<String>,
}

/// `body` as a subject access export shows it (issue 17 §3): the subjects
/// not in `keep` (by subject id) withheld, and every passage of free text
/// and every form's answers marked `check_before_release`, since they may
/// name other people.
pub(crate) fn for_release(body: &Value, keep: &[&str]) -> Value {
    let mut out = body.clone();
    for list in [&["subjects"][..], &["amendment", "subjects"]] {
        let Some(Value::Array(items)) = member_mut(&mut out, list) else {
            continue;
        };
        for item in items {
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if !keep.contains(&id.as_str()) {
                *item = serde_json::json!({
                    "id": id,
                    "withheld": "someone else the disagreement is about",
                });
            }
        }
    }
    for (path, put) in PERSONAL {
        let about_subjects = path.first() == Some(&"subjects")
            || path.get(..2) == Some(&["amendment", "subjects"][..]);
        if !about_subjects && matches!(put, Put::Text | Put::NoAnswers) {
            mark_at(&mut out, path);
        }
    }
    out
}

fn member_mut<'v>(value: &'v mut Value, path: &[&str]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(*key))
}

fn mark_at(value: &mut Value, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if *first == "*" {
        if let Value::Array(items) = value {
            for item in items {
                mark_at(item, rest);
            }
        }
        return;
    }
    let Value::Object(map) = value else {
        return;
    };
    if !rest.is_empty() {
        if let Some(inner) = map.get_mut(*first) {
            mark_at(inner, rest);
        }
        return;
    }
    match map.get(*first) {
        None | Some(Value::Null) => {}
        Some(Value::Object(answers)) if answers.is_empty() => {}
        Some(found) => {
            let marked = serde_json::json!({
                "text": found,
                "check_before_release": true,
            });
            map.insert((*first).to_owned(), marked);
        }
    }
}

/// Puts the shape's placeholders in place of every personal value in
/// `body`; whether there was any.
fn redact(body: &mut Value) -> bool {
    let mut any = false;
    for (path, put) in PERSONAL {
        any |= redact_at(body, path, *put);
    }
    any
}

fn redact_at(value: &mut Value, path: &[&str], put: Put) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    if *first == "*" {
        let Value::Array(items) = value else {
            return false;
        };
        let mut any = false;
        for item in items {
            any |= redact_at(item, rest, put);
        }
        return any;
    }
    let Value::Object(map) = value else {
        return false;
    };
    if !rest.is_empty() {
        return map
            .get_mut(*first)
            .is_some_and(|inner| redact_at(inner, rest, put));
    }
    match (put, map.get(*first)) {
        (_, None | Some(Value::Null)) => false,
        (Put::Text, Some(_)) => {
            map.insert((*first).to_owned(), Value::String(ERASED.to_owned()));
            true
        }
        (Put::Out, Some(_)) => {
            map.remove(*first);
            true
        }
        (Put::NoAnswers, Some(Value::Object(answers))) if answers.is_empty() => false,
        (Put::NoAnswers, Some(_)) => {
            map.insert((*first).to_owned(), Value::Object(serde_json::Map::new()));
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_opens_as_recorded_with_its_key_and_as_its_shape_without() {
        let case = CaseId::parse("HAV-2025-0001").unwrap();
        let body = serde_json::json!({
            "type": "withdrawn", "stage": 2, "reason": "Ava's mother moved to Leeds"
        });
        let key = DataKey::generate();
        let stored = seal(&body, case.as_str(), 4, &key);
        let text = serde_json::to_string(&stored).unwrap();
        assert!(!text.contains("Ava"), "{text}");
        let key = CaseKey::Open(key);
        let opened = open(&case, 4, &text, &key).unwrap();
        assert_eq!(serde_json::to_value(&opened).unwrap(), body);
        let shape = open(&case, 4, &text, &CaseKey::Erased).unwrap();
        assert_eq!(
            serde_json::to_value(&shape).unwrap(),
            serde_json::json!({"type": "withdrawn", "stage": 2, "reason": ERASED})
        );
        // Bound to its place: another event number does not open it.
        let moved = open(&case, 5, &text, &key).unwrap_err().to_string();
        assert!(moved.contains("altered, or moved"), "{moved}");
        // A sealed body with no key is an error, never a silent shape.
        let missing = open(&case, 4, &text, &CaseKey::Missing)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("no data key"), "{missing}");
    }

    /// Every string the shape of any demo event keeps is an id, a kind, a
    /// date or [`ERASED`]: none has a space in it (as names and free text
    /// do), except the policy's own words a notification quotes. Each kind
    /// of event the demo records is checked, so a personal field added to
    /// an event and not to [`PERSONAL`] fails here.
    #[test]
    fn shapes_hold_no_free_text_or_identifier() {
        let calendars = accord_calendar::Calendars::builtin();
        let policies = accord_policy::builtin(&calendars);
        let now = "2025-06-02T09:30:00Z".parse().unwrap();
        let demo = accord_demo::demo(now, &calendars, &policies).unwrap();
        let mut kinds = std::collections::BTreeSet::new();
        let mut identifiers = 0;
        let mut bodies: Vec<EventBody> = demo
            .cases
            .iter()
            .flat_map(|c| c.events.iter().map(|e| e.body.clone()))
            .collect();
        bodies.extend(made_elsewhere(&bodies));
        for body in &bodies {
            kinds.insert(body.name());
            let mut shape = serde_json::to_value(body).unwrap();
            redact(&mut shape);
            let text = shape.to_string();
            identifiers += usize::from(text.contains("nhs_number") || text.contains("local_id"));
            assert!(!text.contains("date_of_birth"), "{text}");
            check_strings(&shape, &mut Vec::new(), &text);
        }
        assert_eq!(identifiers, 0);
        // Every kind of event with anything written in it.
        for kind in [
            "raised",
            "discussion_recorded",
            "action_agreed",
            "action_completed",
            "form_submitted",
            "escalated",
            "escalation_decided",
            "deadline_extended",
            "panel_convened",
            "representation_recorded",
            "resolved",
            "outcome_confirmed",
            "learning_recorded",
            "follow_up_agreed",
            "follow_up_completed",
            "withdrawn",
            "closed",
            "reopened",
            "circumstances_changed",
            "corrected",
            "concurrence_recorded",
            "timescale_agreed",
            "handed_over",
        ] {
            assert!(kinds.contains(kind), "no {kind} was checked");
        }
    }

    /// Events of the kinds the demo does not record, each with text in
    /// every field it has, made from what the demo's do.
    fn made_elsewhere(bodies: &[EventBody]) -> Vec<EventBody> {
        use accord_case::{ActionDetails, Amendment, OpenWork, Sequence, Text};
        let text = |s: &str| Text::parse(s).unwrap();
        let raised = bodies
            .iter()
            .find_map(|b| match b {
                EventBody::Raised(r) => Some(r.clone()),
                _ => None,
            })
            .unwrap();
        let record = bodies
            .iter()
            .find_map(|b| match b {
                EventBody::DiscussionRecorded { record, .. } => Some(record.clone()),
                _ => None,
            })
            .unwrap();
        let mut record = record;
        record
            .unlisted_participants
            .push(accord_case::UnlistedParticipant {
                name: text("Dr Amir Khan"),
                role: Some(text("General practitioner")),
                agency: text("Church Street Surgery"),
            });
        let details = ActionDetails {
            who: raised
                .other_professional
                .clone()
                .unwrap_or_else(|| accord_case::PersonId::parse("someone").unwrap()),
            agency: raised.other_agency.clone(),
            what: text("Visit the family at home"),
            by_when: jiff::civil::date(2025, 7, 1),
        };
        let mut subjects = raised.subjects.clone();
        subjects[0].name = text("Ava Smith");
        subjects[0].date_of_birth = Some(jiff::civil::date(2019, 4, 12));
        subjects[0].nhs_number = Some(accord_case::NhsNumber::parse("943 476 5919").unwrap());
        subjects[0].local_id = Some(accord_case::LocalId::parse("LCS 12345").unwrap());
        let mut raised_with_ids = raised.clone();
        raised_with_ids.subjects = subjects.clone();
        raised_with_ids.later_start_reason = Some(text("Ava was seen with bruising"));
        let corrected = |amendment| EventBody::Corrected {
            corrects: Sequence::FIRST,
            reason: text("The record had a mistake"),
            amendment,
        };
        vec![
            EventBody::Raised(raised_with_ids),
            EventBody::DiscussionRecorded {
                stage: raised.stage,
                record: record.clone(),
            },
            EventBody::ActionAgreed {
                stage: raised.stage,
                details: details.clone(),
            },
            EventBody::ActionCompleted {
                action: Sequence::FIRST,
                note: Some(text("Visited on Tuesday")),
            },
            EventBody::Reopened {
                stage: raised.stage,
                reason: text("New concerns about Ava"),
                due: raised.due,
                form_dues: Vec::new(),
            },
            EventBody::TimescaleAgreed {
                stage: raised.stage,
                timescale: accord_case::Extension::CalendarDays(std::num::NonZeroU32::MIN),
                reason: text("Agreed at the meeting"),
                due: raised.due,
            },
            EventBody::HandedOver {
                work: OpenWork::Raiser,
                from: details.who.clone(),
                to: details.who.clone(),
                agency: details.agency.clone(),
                reason: text("Jo Bloggs has left"),
            },
            corrected(Amendment::Discussion { record }),
            corrected(Amendment::Action { details }),
            corrected(Amendment::Concern {
                concern: raised.concern.clone(),
            }),
            corrected(Amendment::Subjects { subjects }),
            corrected(Amendment::Erratum {
                note: text("The date was wrong"),
            }),
        ]
    }

    fn check_strings(value: &Value, path: &mut Vec<String>, whole: &str) {
        match value {
            Value::String(s) => {
                let quoted = matches!(path.last().map(String::as_str), Some("message" | "section"));
                assert!(
                    quoted || s == ERASED || !s.contains(' '),
                    "{} keeps {s:?} in {whole}",
                    path.join("/")
                );
            }
            Value::Array(items) => {
                for item in items {
                    check_strings(item, path, whole);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    path.push(key.clone());
                    check_strings(item, path, whole);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    #[test]
    fn a_body_with_nothing_personal_is_stored_as_it_is() {
        let body = serde_json::json!({"type": "discussion_approved", "discussion": 2,
            "approved_on": "2025-03-04"});
        assert_eq!(seal(&body, "HAV-2025-0001", 3, &DataKey::generate()), body);
    }
}
