//! `accord subject-access` (issue 17 §3): everything Accord holds about one
//! person, a child or a professional, as JSON and as a readable PDF, for
//! the partnership team to review and release.

use std::{collections::HashMap, io::Write, path::Path};

use accord_calendar::Calendars;
use accord_case::{LocalId, NhsNumber, PersonId};
use accord_pdf::{Block, Entry, Part, Prose, Record};
use accord_policy::RoleTier;
use accord_store::{CaseSearch, DataSubject, Store, SubjectAccess};
use jiff::{Timestamp, civil::Date, tz::TimeZone};
use serde_json::Value;

use crate::{
    Cli, CliError, Outcome,
    store_cmd::{OpenStore, open_store},
};

/// Whom `accord subject-access` asks about.
pub(crate) struct Asked<'a> {
    pub(crate) by: &'a str,
    pub(crate) child_name: Option<&'a str>,
    pub(crate) date_of_birth: Option<&'a str>,
    pub(crate) nhs_number: Option<&'a str>,
    pub(crate) local_id: Option<&'a str>,
    pub(crate) professional: Option<&'a str>,
    pub(crate) out: &'a Path,
}

/// Runs `accord subject-access`.
pub(crate) fn run(
    cli: &Cli,
    calendars: &Calendars,
    asked: &Asked<'_>,
    out: &mut dyn Write,
) -> Outcome {
    let OpenStore { runtime, store } = open_store(cli, calendars)?;
    let done = runtime.block_on(export(&store, asked, out));
    runtime.block_on(store.close());
    done
}

fn bad(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError(format!("{what}: {e}"))
}

async fn export(store: &Store, asked: &Asked<'_>, out: &mut dyn Write) -> Outcome {
    let person = store
        .person_by_sign_in(asked.by)
        .await?
        .ok_or_else(|| CliError(format!("nobody signs in as `{}`", asked.by)))?;
    if person.actor().tier != RoleTier::PartnershipTeam {
        return Err(CliError(format!(
            "{} is not of the partnership team: only the team answers a subject access request",
            asked.by
        )));
    }
    let partnership = person.partnership.clone();
    let subject = match asked.professional {
        Some(sign_in) => {
            if asked.child_name.is_some()
                || asked.date_of_birth.is_some()
                || asked.nhs_number.is_some()
                || asked.local_id.is_some()
            {
                return Err(CliError(
                    "ask about a child or a professional, not both".into(),
                ));
            }
            let professional = store
                .person_by_sign_in(sign_in)
                .await?
                .filter(|p| p.partnership == partnership)
                .ok_or_else(|| {
                    CliError(format!(
                        "{partnership} has nobody who signs in as `{sign_in}`"
                    ))
                })?;
            DataSubject::Professional(professional.id)
        }
        None => {
            let search = CaseSearch {
                child_name: asked
                    .child_name
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
                date_of_birth: asked
                    .date_of_birth
                    .map(|d| d.trim().parse::<Date>())
                    .transpose()
                    .map_err(|e| bad("--date-of-birth, as YYYY-MM-DD", e))?,
                nhs_number: asked
                    .nhs_number
                    .map(NhsNumber::parse)
                    .transpose()
                    .map_err(|e| bad("--nhs-number", e))?,
                local_id: asked
                    .local_id
                    .map(LocalId::parse)
                    .transpose()
                    .map_err(|e| bad("--local-id", e))?,
                ..CaseSearch::default()
            };
            if search == CaseSearch::default() {
                return Err(CliError(
                    "say whom the request is about: --child-name, --date-of-birth, --nhs-number or --local-id for a child, or --professional SIGN-IN".into(),
                ));
            }
            DataSubject::Child(search)
        }
    };
    if !asked.out.is_dir() {
        return Err(CliError(format!(
            "{} is not a folder: name the folder to write the export in with --out",
            asked.out.display()
        )));
    }
    let now = Timestamp::now();
    let london =
        TimeZone::get("Europe/London").map_err(|e| bad("the Europe/London time zone", e))?;
    let stamp = now
        .to_zoned_datetime(london.clone())
        .strftime("%Y%m%d-%H%M%S")
        .to_string();
    let json_path = asked.out.join(format!("subject-access-{stamp}.json"));
    let pdf_path = asked.out.join(format!("subject-access-{stamp}.pdf"));
    for path in [&json_path, &pdf_path] {
        if path.exists() {
            return Err(CliError(format!("{} exists already", path.display())));
        }
    }
    let export = store
        .subject_access(&partnership, &subject, &person.id, now)
        .await?;
    let people: HashMap<PersonId, String> = store
        .people(&partnership)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), format!("{} ({})", p.name, p.job_title)))
        .collect();
    let partnership_name = store
        .partnerships()
        .await?
        .into_iter()
        .find(|p| p.id == partnership)
        .map_or_else(|| partnership.clone(), |p| p.name);
    let json = serde_json::to_vec_pretty(&export).map_err(|e| bad("the export", e))?;
    let record = pdf_record(&export, &partnership_name, &person.name, &people, &london);
    let pdf = accord_pdf::render(&record).map_err(|e| bad("the PDF", e))?;
    std::fs::write(&json_path, json).map_err(|e| bad(&json_path.display().to_string(), e))?;
    std::fs::write(&pdf_path, pdf).map_err(|e| bad(&pdf_path.display().to_string(), e))?;
    writeln!(
        out,
        "Wrote {} and {}: {} cases about {}. {}",
        json_path.display(),
        pdf_path.display(),
        export.cases.len(),
        export.about,
        accord_store::REVIEW
    )?;
    writeln!(
        out,
        "The export is recorded in the directory audit, and each case's read in its access log."
    )?;
    Ok(true)
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
