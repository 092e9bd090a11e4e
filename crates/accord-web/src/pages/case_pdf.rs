//! `GET /cases/{id}/print.pdf`: the print view as a PDF to keep in the
//! child's file (issue 14 §5), typeset by [`accord_pdf`] from the same
//! [`CasePage`] the print view draws, so that what is filed says what was
//! seen. The same access rules as the print view, its own purpose in the
//! access log, and never cached.

use accord_pdf::{Answer, Block, Entry, Part, Prose, Record};
use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use super::{
    PageError, Viewer,
    case_page::{self, CasePage, FieldAnswer, Row, Showing},
    extract::Path,
};
use crate::{ApiError, AppState};

/// The printed record as a PDF download named by the case reference.
pub(crate) async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = case_page::build(&state, &viewer, &id, Showing::Pdf, None).await?;
    let record = record(&page);
    // Typesetting is a few hundred milliseconds of work for the processor:
    // off the threads that answer requests.
    let pdf = tokio::task::spawn_blocking(move || accord_pdf::render(&record))
        .await
        .map_err(|e| PageError::new(ApiError::Internal(Box::new(e)), &viewer))?
        .map_err(|e| PageError::new(ApiError::Internal(Box::new(e)), &viewer))?;
    let mut response = pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    // A case reference is letters, digits and hyphens (`CaseId`), so it
    // needs no quoting in the header.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}.pdf\"", page.id)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn text(value: &str) -> Answer {
    if value.trim().is_empty() {
        Answer::Blank
    } else {
        Answer::Text { text: value.into() }
    }
}

fn entry(key: impl Into<String>, value: Answer) -> Entry {
    Entry {
        key: key.into(),
        value,
    }
}

fn entries(rows: &[Row]) -> Block {
    Block::Entries {
        rows: rows.iter().map(|r| entry(r.key, text(&r.value))).collect(),
    }
}

fn part(heading: &str, blocks: Vec<Block>) -> Part {
    Part {
        heading: heading.to_owned(),
        note: String::new(),
        blocks,
    }
}

fn words(text: &str) -> Block {
    Block::Text { text: text.into() }
}

fn table(columns: &[&str], rows: Vec<Vec<String>>) -> Block {
    Block::Table {
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        rows: rows
            .into_iter()
            .map(|row| row.into_iter().map(Prose::from).collect())
            .collect(),
    }
}

/// The print view's content as the record to typeset, part for part in the
/// print view's order and words.
pub(crate) fn record(page: &CasePage) -> Record {
    let mut parts = vec![part("Summary", vec![entries(&page.summary)])];
    parts.push(part(
        "Stages",
        vec![Block::Entries {
            rows: page
                .stages
                .iter()
                .map(|s| {
                    let mut state = s.state.to_owned();
                    if !s.due.is_empty() {
                        state = format!("{state}, {}", s.due);
                    }
                    if s.overdue {
                        state.push_str(". Overdue");
                    }
                    entry(
                        format!("{}. {} ({})", s.number, s.name, s.timescale),
                        text(&state),
                    )
                })
                .collect(),
        }],
    ));
    parts.push(part(
        "Who it is about",
        vec![if page.subjects.is_empty() {
            words("No child or adult: it is a partnership issue.")
        } else {
            Block::Entries {
                rows: page
                    .subjects
                    .iter()
                    .map(|s| {
                        let mut about = vec![s.kind];
                        about.extend(&s.flags);
                        entry(s.name.clone(), text(&about.join(". ")))
                    })
                    .collect(),
            }
        }],
    ));
    parts.push(part(
        "What the disagreement is about",
        vec![entries(&page.concern)],
    ));
    let mut discussions = Vec::new();
    if page.discussions.is_empty() {
        discussions.push(words("No discussion has been recorded yet."));
    }
    for d in &page.discussions {
        discussions.push(Block::Heading {
            text: format!(
                "Stage {}, {}{}",
                d.stage,
                d.when,
                if d.corrected {
                    " (corrected: see the chronology)"
                } else {
                    ""
                }
            ),
        });
        let mut rows = vec![
            entry("How", text(d.how)),
            entry("Who took part", text(&d.who.join("\n"))),
            entry("Summary", text(&d.summary)),
            entry(
                "Ended in agreement",
                text(if d.agreed { "Yes" } else { "No" }),
            ),
        ];
        if let Some(on) = &d.approved {
            rows.push(entry("Approved", text(on)));
        }
        discussions.push(Block::Entries { rows });
    }
    parts.push(part("Discussions", discussions));
    parts.push(part(
        "Actions",
        vec![if page.actions.is_empty() {
            words("No action has been agreed.")
        } else {
            table(
                &["Who", "What", "By when", "Done"],
                page.actions
                    .iter()
                    .map(|a| {
                        vec![
                            a.who.clone(),
                            a.what.clone(),
                            a.by_when.clone(),
                            a.done.clone().unwrap_or_else(|| "Not yet".to_owned()),
                        ]
                    })
                    .collect(),
            )
        }],
    ));
    for f in &page.forms {
        let mut blocks = Vec::new();
        for section in &f.sections {
            if !section.title.is_empty() {
                blocks.push(Block::Heading {
                    text: section.title.clone(),
                });
            }
            blocks.push(Block::Entries {
                rows: section
                    .fields
                    .iter()
                    .map(|field| {
                        entry(
                            field.label.clone(),
                            match &field.answer {
                                FieldAnswer::Blank => Answer::Blank,
                                FieldAnswer::Text(t) => text(t),
                                FieldAnswer::Table(columns, rows) => Answer::Table {
                                    columns: columns.clone(),
                                    rows: rows
                                        .iter()
                                        .map(|row| row.iter().map(|c| Prose::new(c)).collect())
                                        .collect(),
                                },
                            },
                        )
                    })
                    .collect(),
            });
        }
        parts.push(Part {
            heading: f.title.clone(),
            note: format!(
                "{}Submitted at Stage {}, {}, by {}.",
                if f.section.is_empty() {
                    String::new()
                } else {
                    format!("{} of the policy. ", f.section)
                },
                f.stage,
                f.when,
                f.by
            ),
            blocks,
        });
    }
    if let Some(panel) = &page.panel {
        let mut blocks = vec![
            words(&format!("Convened at Stage {}.", panel.stage)),
            words(&panel.members.join("\n")),
        ];
        if let Some(shortfall) = &panel.shortfall {
            blocks.push(words(&format!(
                "A disputing agency could not sit: {shortfall}"
            )));
        }
        if !panel.representations.is_empty() {
            blocks.push(Block::Heading {
                text: "Representations".to_owned(),
            });
            blocks.push(Block::Entries {
                rows: panel
                    .representations
                    .iter()
                    .map(|r| entry(r.key.clone(), text(&r.value)))
                    .collect(),
            });
        }
        parts.push(part("Resolution Panel", blocks));
    }
    if let Some(outcome) = &page.outcome {
        let mut rows = vec![
            entry(
                "Resolved at",
                text(&format!(
                    "Stage {}: {}{}",
                    outcome.stage,
                    outcome.route,
                    if outcome.final_decision {
                        " (a final decision)"
                    } else {
                        ""
                    }
                )),
            ),
            entry("Agreed outcome", text(&outcome.agreed)),
            entry("Outstanding issues", text(&outcome.outstanding)),
        ];
        if outcome.confirmation_asked {
            let mut confirmed = if outcome.confirmations.is_empty() {
                "Not yet".to_owned()
            } else {
                outcome.confirmations.join("\n")
            };
            if !outcome.awaiting.is_empty() {
                confirmed.push_str(&format!("\nAwaiting: {}.", outcome.awaiting.join(", ")));
            }
            rows.push(entry("Confirmed in writing", text(&confirmed)));
        }
        parts.push(part("Outcome", vec![Block::Entries { rows }]));
    }
    if !page.learning.is_empty() {
        parts.push(part(
            "Learning",
            vec![Block::Entries {
                rows: page
                    .learning
                    .iter()
                    .map(|l| {
                        let mut note = match &l.forwarded_to {
                            Some(to) => format!("{} (forwarded to {to})", l.note),
                            None => l.note.clone(),
                        };
                        for f in &l.follow_ups {
                            note.push_str(&format!(
                                "\n\nFollow-up: {}: {}, by {}. {}",
                                f.who,
                                f.what,
                                f.by_when,
                                f.done.as_deref().unwrap_or("Not yet done.")
                            ));
                        }
                        entry(l.theme.clone(), text(&note))
                    })
                    .collect(),
            }],
        ));
    }
    parts.push(part(
        "Notifications",
        vec![if page.notices.is_empty() {
            words("Nobody has been notified.")
        } else {
            words(
                &page
                    .notices
                    .iter()
                    .map(|n| format!("{}, to the {}: {}", n.when, n.who, n.what))
                    .collect::<Vec<_>>()
                    .join("\n\n"),
            )
        }],
    ));
    parts.push(part(
        "Chronology",
        vec![table(
            &["Entry", "When", "Who", "What"],
            page.chronology
                .iter()
                .map(|e| {
                    vec![
                        e.sequence.to_string(),
                        e.when.clone(),
                        e.who.clone(),
                        e.what.clone(),
                    ]
                })
                .collect(),
        )],
    ));
    Record {
        marking: page.marking.to_owned(),
        partnership: page.partnership.clone(),
        reference: page.id.clone(),
        title: page.chrome.title.clone(),
        status: page.status.to_owned(),
        printed: page.printed.clone(),
        parts,
    }
}
