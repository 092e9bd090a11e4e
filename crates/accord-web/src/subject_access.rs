//! The subject access export as a readable PDF (issue 17 §3): what the
//! reviewer must do before release, then each case's record and who read
//! it. The partnership team's page (`/subject-access`) and `accord
//! subject-access` both print it, so that the two give the same document.

use std::collections::HashMap;

use accord_case::PersonId;
use accord_pdf::{Block, Entry, Part, Prose, Record, RenderError};
use accord_store::SubjectAccess;
use jiff::{Timestamp, tz::TimeZone};
use serde_json::Value;

/// The export as a PDF: `partnership` by name, made by `made_by`, each
/// person of `people` by name and job title, times in `zone`.
pub fn pdf(
    export: &SubjectAccess,
    partnership: &str,
    made_by: &str,
    people: &HashMap<PersonId, String>,
    zone: &TimeZone,
) -> Result<Vec<u8>, RenderError> {
    accord_pdf::render(&pdf_record(export, partnership, made_by, people, zone))
}

/// The export as a record to print: what the reviewer must do, then each
/// case's events and reads.
fn pdf_record(
    export: &SubjectAccess,
    partnership: &str,
    made_by: &str,
    people: &HashMap<PersonId, String>,
    zone: &TimeZone,
) -> Record {
    let when = |at: Timestamp| {
        at.to_zoned_datetime(zone.clone())
            .strftime("%-d %B %Y %H:%M")
            .to_string()
    };
    let who = |id: &PersonId| people.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut parts = vec![Part {
        heading: "Before release".into(),
        note: String::new(),
        blocks: vec![Block::Text {
            text: Prose::new(&format!(
                "{}\n\nPassages to check are marked [Check before release].",
                export.review
            )),
        }],
    }];
    if export.cases.is_empty() {
        parts.push(Part {
            heading: "Cases".into(),
            note: String::new(),
            blocks: vec![Block::Text {
                text: Prose::new("Accord holds no disagreement about them."),
            }],
        });
    }
    for case in &export.cases {
        let mut blocks = Vec::new();
        let mut facts = vec![Entry {
            key: "Status".into(),
            value: accord_pdf::Answer::Text {
                text: Prose::new(case.status),
            },
        }];
        if case.erased {
            facts.push(Entry {
                key: "Erased".into(),
                value: accord_pdf::Answer::Text {
                    text: Prose::new("Its personal data was erased: only its shape is left."),
                },
            });
        }
        for subject in &case.subjects {
            let mut about = vec![subject.name.as_str().to_owned()];
            if let Some(born) = subject.date_of_birth {
                about.push(format!("born {born}"));
            }
            if let Some(nhs) = &subject.nhs_number {
                about.push(format!("NHS number {nhs}"));
            }
            if let Some(local) = &subject.local_id {
                about.push(format!("local identifier {local}"));
            }
            facts.push(Entry {
                key: "About".into(),
                value: accord_pdf::Answer::Text {
                    text: Prose::new(&about.join(", ")),
                },
            });
        }
        blocks.push(Block::Entries { rows: facts });
        blocks.push(Block::Heading {
            text: "What the record says".into(),
        });
        blocks.push(Block::Table {
            columns: vec!["When".into(), "Who".into(), "What".into(), "Record".into()],
            rows: case
                .events
                .iter()
                .map(|e| {
                    vec![
                        Prose::new(&when(e.at)),
                        Prose::new(&who(&e.by)),
                        Prose::new(&e.kind.replace('_', " ")),
                        Prose::new(&lines(&e.record, "").join("\n")),
                    ]
                })
                .collect(),
        });
        blocks.push(Block::Heading {
            text: "Who read this record".into(),
        });
        blocks.push(Block::Table {
            columns: vec!["When".into(), "Who".into(), "Why".into()],
            rows: case
                .reads
                .iter()
                .map(|r| {
                    vec![
                        Prose::new(&when(r.at)),
                        Prose::new(&who(&r.by)),
                        Prose::new(&r.purpose),
                    ]
                })
                .collect(),
        });
        parts.push(Part {
            heading: format!("Disagreement {}", case.case),
            note: String::new(),
            blocks,
        });
    }
    Record {
        marking: "OFFICIAL-SENSITIVE".into(),
        partnership: partnership.to_owned(),
        reference: "Subject access".into(),
        title: format!("Everything Accord holds about {}", export.about),
        status: "For review before release".into(),
        printed: format!("Made by {made_by} on {}", when(export.made_at)),
        parts,
    }
}

/// `record` as lines of "field: value", with marked passages flagged.
fn lines(record: &Value, prefix: &str) -> Vec<String> {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.replace('_', " ")
        } else {
            format!("{prefix} › {}", k.replace('_', " "))
        }
    };
    match record {
        Value::Object(map) if map.get("check_before_release") == Some(&Value::Bool(true)) => {
            let text = match map.get("text") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => lines(other, "").join("; "),
                None => String::new(),
            };
            vec![format!("{prefix}: [Check before release] {text}")]
        }
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() != "type")
            .flat_map(|(k, v)| lines(v, &key(k)))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| lines(v, &format!("{prefix} {}", i + 1)))
            .collect(),
        Value::Null => Vec::new(),
        Value::String(s) => vec![format!("{prefix}: {s}")],
        other => vec![format!("{prefix}: {other}")],
    }
}
