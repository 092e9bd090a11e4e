//! The case page: `GET /cases/{id}` shows a disagreement to someone the
//! access rules let see it, and `GET /cases/{id}/print` the same for the
//! child's file. A summary list, the stage tracker (every stage in
//! order, in words, drawn as a line of stages), what the disagreement is about, then its
//! discussions, actions, forms, panel, outcome, learning and notifications,
//! and the chronology of every event with who and when.
//!
//! It reads the case as the API does ([`crate::api::cases::open_visible`]:
//! a case they may not see is the same "page not found" as no case) and
//! writes the read to the access log.

use super::extract::{Path, Query};
use accord_case::{Case, Event, EventBody, FieldValue, FormValues, Status, Subject};
use accord_policy::{Field, Policy, ResolutionRoute};
use askama::Template;
use axum::{extract::State, response::Response};

use jiff::Timestamp;

use super::{
    Chrome, Done, PageError, Section, Viewer,
    case_actions::{self, Act},
    html, words,
};
use crate::{
    AppState,
    api::{case_view::CaseView, cases::open_to_show},
};

/// One row of a summary list.
pub(crate) struct Row {
    pub(crate) key: &'static str,
    pub(crate) value: String,
}

/// A subject, as the page shows them.
pub(crate) struct SubjectRow {
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) flags: Vec<&'static str>,
    /// Their date of birth and identifiers, in words; empty when none was
    /// given.
    pub(crate) details: String,
}

/// A stage of the track, in words and on the tracker.
pub(crate) struct StageRow {
    pub(crate) number: u8,
    pub(crate) name: String,
    /// "Passed", "Current stage", "Resolved at this stage" (closed,
    /// withdrawn), "Skipped" or "Not reached".
    pub(crate) state: &'static str,
    pub(crate) due: String,
    pub(crate) overdue: bool,
    pub(crate) timescale: String,
}

/// The stage tracker: every stage of the track in order, as a list that
/// lies across the page on a wide screen and down it on a phone (issue 14
/// §4), with each stage's whole name.
pub(crate) struct Tracker {
    /// "Stage 2 of 5: Line manager to line manager. Due by the end of …".
    pub(crate) label: String,
    pub(crate) stages: Vec<TrackerStage>,
}

/// One stage on the tracker.
pub(crate) struct TrackerStage {
    pub(crate) number: u8,
    pub(crate) name: String,
    /// Its modifier class: passed, current, overdue, or none.
    pub(crate) class: &'static str,
    /// Whether the case stands at it.
    pub(crate) current: bool,
    /// Its state in words, as the stage list says it.
    pub(crate) state: &'static str,
    /// "10 working days".
    pub(crate) timescale: String,
    /// "Due by the end of …", when the case has been at it.
    pub(crate) due: Option<String>,
    pub(crate) overdue: bool,
}

pub(crate) struct DiscussionRow {
    pub(crate) sequence: u64,
    pub(crate) stage: u8,
    pub(crate) when: String,
    pub(crate) how: &'static str,
    pub(crate) who: Vec<String>,
    pub(crate) summary: String,
    pub(crate) agreed: bool,
    pub(crate) approved: Option<String>,
    pub(crate) corrected: bool,
}

pub(crate) struct ActionRow {
    pub(crate) who: String,
    pub(crate) what: String,
    pub(crate) by_when: String,
    pub(crate) done: Option<String>,
}

/// A submitted form, laid out as the document lays it out: its sections
/// under their headings, and every field in the document's order and
/// words, answered or not (issue 14 §5).
pub(crate) struct FormRow {
    pub(crate) title: String,
    /// Where the document prints it: "Appendix A".
    pub(crate) section: String,
    pub(crate) stage: u8,
    pub(crate) when: String,
    pub(crate) by: String,
    pub(crate) sections: Vec<FormSectionView>,
}

/// One section of a form.
pub(crate) struct FormSectionView {
    /// Its heading; empty when it only repeats the form's title.
    pub(crate) title: String,
    pub(crate) fields: Vec<FieldView>,
}

/// One field of a form and its answer.
pub(crate) struct FieldView {
    pub(crate) label: String,
    pub(crate) answer: FieldAnswer,
}

/// A field's answer on the page.
pub(crate) enum FieldAnswer {
    /// Not answered.
    Blank,
    /// Text, a date, yes or no.
    Text(String),
    /// A table's column headings and its rows, one cell per column.
    Table(Vec<String>, Vec<Vec<String>>),
}

/// A row whose key is not fixed.
pub(crate) struct Labelled {
    pub(crate) key: String,
    pub(crate) value: String,
}

pub(crate) struct PanelView {
    pub(crate) stage: u8,
    pub(crate) members: Vec<String>,
    pub(crate) shortfall: Option<String>,
    pub(crate) representations: Vec<Labelled>,
}

pub(crate) struct OutcomeView {
    pub(crate) stage: u8,
    pub(crate) route: &'static str,
    pub(crate) agreed: String,
    pub(crate) outstanding: String,
    pub(crate) final_decision: bool,
    pub(crate) confirmations: Vec<String>,
    pub(crate) awaiting: Vec<String>,
    /// Whether the policy asks the agencies to confirm it in writing.
    pub(crate) confirmation_asked: bool,
}

pub(crate) struct LearningRow {
    pub(crate) theme: String,
    pub(crate) forwarded_to: Option<String>,
    pub(crate) note: String,
    /// The actions agreed to follow it up.
    pub(crate) follow_ups: Vec<ActionRow>,
}

pub(crate) struct EntryRow {
    pub(crate) sequence: u64,
    pub(crate) when: String,
    pub(crate) who: String,
    pub(crate) what: String,
}

#[derive(Template)]
#[template(path = "case.html")]
pub(crate) struct CasePage {
    pub(crate) chrome: Chrome,
    pub(crate) print: bool,
    /// The partnership's name, which the printed record carries.
    pub(crate) partnership: String,
    /// "Printed by NAME (AGENCY) on DATE at TIME", for the print view.
    pub(crate) printed: String,
    /// The protective marking of the printed record.
    pub(crate) marking: &'static str,
    pub(crate) id: String,
    pub(crate) status: &'static str,
    pub(crate) status_class: &'static str,
    pub(crate) summary: Vec<Row>,
    pub(crate) subjects: Vec<SubjectRow>,
    pub(crate) concern: Vec<Row>,
    pub(crate) tracker: Tracker,
    pub(crate) stages: Vec<StageRow>,
    pub(crate) discussions: Vec<DiscussionRow>,
    pub(crate) actions: Vec<ActionRow>,
    pub(crate) forms: Vec<FormRow>,
    pub(crate) panel: Option<PanelView>,
    pub(crate) outcome: Option<OutcomeView>,
    pub(crate) learning: Vec<LearningRow>,
    pub(crate) notices: Vec<EntryRow>,
    pub(crate) chronology: Vec<EntryRow>,
    /// Why its personal data is no longer shown, once erased (issue 17).
    pub(crate) erased: Option<String>,
    /// What the viewer may do, as links to the forms.
    pub(crate) can_do: Vec<(String, String)>,
    /// What was just done, from the form that sent them here.
    pub(crate) done: Option<&'static str>,
    /// Who Accord is telling of what was just done, by name; empty when
    /// nothing was just done.
    pub(crate) told: Vec<String>,
    /// The roles of what was just done that nobody in the directory holds,
    /// so that nobody could be told.
    pub(crate) untold: Vec<String>,
}

/// The case page.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let done = if done.done == "raised" {
        Some("The disagreement is raised")
    } else {
        Act::from_slug(&done.done).map(Act::done)
    };
    let page = build(&state, &viewer, &id, Showing::Page, done).await?;
    Ok(html(&page))
}

/// The case, to print for the child's file.
pub(crate) async fn print(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = build(&state, &viewer, &id, Showing::Print, None).await?;
    Ok(html(&page))
}

/// The protective marking at the top and bottom of every printed page: a
/// case names a child and what professionals think of their safety.
pub(crate) const MARKING: &str = "OFFICIAL-SENSITIVE";

/// What the case is being shown as; each is its own purpose in the access
/// log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Showing {
    /// The case page.
    Page,
    /// The print view.
    Print,
    /// The printed record as a PDF.
    Pdf,
}

/// The case, as `viewer` may see it, with the read written to the access
/// log.
pub(crate) async fn build(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    showing: Showing,
    done: Option<&'static str>,
) -> Result<CasePage, PageError> {
    let fail = |e| PageError::new(e, viewer);
    let principal = &viewer.principal;
    let print = showing != Showing::Page;
    let purpose = match showing {
        Showing::Page => "page: case",
        Showing::Print => "page: case, printed",
        Showing::Pdf => "page: case, printed as PDF",
    };
    let opened = open_to_show(state, principal, id, purpose)
        .await
        .map_err(fail)?;
    let names = words::Names::load(state, principal.partnership())
        .await
        .map_err(fail)?;
    let now = state.now();
    let policy = opened.policy;
    let view = CaseView::new(opened.case.clone(), &opened.events, &policy, now);
    let case = &opened.case;
    let title = format!("Disagreement {}", case.id());
    let (status, status_class) = status_words(case.status());
    let stages = stage_rows(case, &policy, now);
    let can_do = if print || !opened.standing.may_act(true) {
        Vec::new()
    } else {
        let mut links = case_actions::links(case, &policy, viewer);
        if !opened.standing.may_act(false) {
            // A form role submits the form asked of them and nothing else.
            let asked = crate::access::forms_asked_of(&viewer.principal.person, case, &policy);
            links.retain(|(href, _)| {
                asked
                    .iter()
                    .any(|form| href.ends_with(&format!("/submit-form?form={form}")))
            });
        }
        links
    };
    let (told, untold) = match done {
        Some(_) => just_told(state, principal, case, &opened.events, &policy)
            .await
            .map_err(fail)?,
        None => (Vec::new(), Vec::new()),
    };
    let page = CasePage {
        erased: case.erased().map(|e| {
            format!(
                "This case's personal data was erased on {} under {}. What remains is its shape: \
                 its stages, dates, agencies and outcome. Every name, identifier, form answer \
                 and piece of free text now reads \u{201c}{}\u{201d}.",
                words::day(e.at),
                e.rule,
                accord_store::ERASED
            )
        }),
        can_do,
        done,
        told,
        untold,
        chrome: Chrome::new(title, Section::None, Some(viewer)),
        print,
        partnership: viewer.partnership_name.clone(),
        printed: format!(
            "Printed by {} ({}) on {}",
            principal.person.name,
            names.agency(&principal.person.agency),
            words::when(now)
        ),
        marking: MARKING,
        id: case.id().to_string(),
        status,
        status_class,
        summary: summary(case, &policy, &view, &names, now),
        subjects: case.subjects().iter().map(subject_row).collect(),
        concern: vec![
            Row {
                key: "What was decided or not done",
                value: case.concern().disputed.to_string(),
            },
            Row {
                key: "The evidence",
                value: case.concern().evidence.to_string(),
            },
            Row {
                key: "The outcome sought",
                value: case.concern().outcome_sought.to_string(),
            },
        ],
        tracker: tracker(&stages),
        stages,
        discussions: case
            .discussions()
            .iter()
            .map(|d| DiscussionRow {
                sequence: d.sequence.get(),
                stage: d.stage.get(),
                when: words::when(d.record.held_at),
                how: match d.record.how {
                    accord_case::DiscussionMode::Phone => "By telephone",
                    accord_case::DiscussionMode::FaceToFace => "Face to face",
                    accord_case::DiscussionMode::Meeting => "Meeting",
                    accord_case::DiscussionMode::ProfessionalsMeeting => "Professionals meeting",
                },
                who: d
                    .record
                    .participants
                    .iter()
                    .map(|p| {
                        format!(
                            "{} ({}, {})",
                            names.person(&p.person),
                            words::role(&policy, &p.role),
                            names.agency(&p.agency)
                        )
                    })
                    .chain(d.record.unlisted_participants.iter().map(unlisted_words))
                    .collect(),
                summary: d.record.summary.to_string(),
                agreed: d.record.ended_in_agreement,
                approved: d.approved_on.map(|on| on.strftime("%-d %B %Y").to_string()),
                corrected: !d.corrected_by.is_empty(),
            })
            .collect(),
        actions: case
            .actions()
            .iter()
            .map(|a| action_row(&a.details, a.completed.as_ref(), &names))
            .collect(),
        forms: case
            .forms()
            .iter()
            .map(|f| {
                let form = policy.form(&f.form);
                FormRow {
                    title: form.map_or_else(|| f.form.to_string(), |form| form.title.clone()),
                    section: form.map(|form| form.section.clone()).unwrap_or_default(),
                    stage: f.stage.get(),
                    when: words::when(f.at),
                    by: names.person(&f.by.person),
                    sections: form
                        .map(|form| laid_out(form, &f.values))
                        .unwrap_or_default(),
                }
            })
            .collect(),
        panel: case.panel().map(|p| PanelView {
            stage: p.stage.get(),
            members: p
                .members
                .iter()
                .map(|m| format!("{}, {}", names.person(&m.person), names.agency(&m.agency)))
                .collect(),
            shortfall: p.shortfall_reason.as_ref().map(|r| r.to_string()),
            representations: p
                .representations
                .iter()
                .map(|r| Labelled {
                    key: names.agency(&r.agency),
                    value: r.summary.to_string(),
                })
                .collect(),
        }),
        outcome: case.outcome().map(|o| OutcomeView {
            stage: o.stage.get(),
            route: match o.route {
                ResolutionRoute::Agreement => "Agreed between the leads",
                ResolutionRoute::Decision => "Decided",
                ResolutionRoute::Panel => "Decided by the Resolution Panel",
                ResolutionRoute::WithoutAgreement => {
                    "Ended without agreement; the decision finalised"
                }
            },
            agreed: o.agreed.to_string(),
            outstanding: o.outstanding_issues.to_string(),
            final_decision: o.final_decision,
            confirmations: o
                .confirmations
                .iter()
                .map(|c| {
                    format!(
                        "{} confirmed on {}: {}",
                        names.agency(&c.agency),
                        words::when(c.at),
                        c.statement
                    )
                })
                .collect(),
            confirmation_asked: policy.outcome.written_confirmation,
            awaiting: case
                .unconfirmed_parties()
                .into_iter()
                .map(|a| names.agency(a))
                .collect(),
        }),
        learning: case
            .learning()
            .iter()
            .map(|l| LearningRow {
                theme: policy
                    .learning
                    .themes
                    .iter()
                    .find(|t| t.id == l.theme)
                    .map_or_else(|| l.theme.to_string(), |t| t.label.clone()),
                forwarded_to: l.forwarded_to.as_ref().map(|g| {
                    policy
                        .learning
                        .group(g)
                        .map_or_else(|| g.to_string(), |g| g.label.clone())
                }),
                note: l.note.to_string(),
                follow_ups: l
                    .follow_ups
                    .iter()
                    .map(|f| action_row(&f.details, f.completed.as_ref(), &names))
                    .collect(),
            })
            .collect(),
        notices: case
            .notifications()
            .iter()
            .map(|n| EntryRow {
                sequence: n.sequence.get(),
                when: words::when(n.at),
                who: words::role(&policy, &n.notification.to),
                what: n.notification.message.clone(),
            })
            .collect(),
        chronology: opened
            .events
            .iter()
            .map(|e| EntryRow {
                sequence: e.sequence.get(),
                when: words::when(e.at),
                who: format!(
                    "{}, {}",
                    names.person(&e.actor.person),
                    names.agency(&e.actor.agency)
                ),
                what: event_words(e, &policy, &names),
            })
            .collect(),
    };
    Ok(page)
}

fn status_words(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Open => ("Open", "govuk-tag--blue"),
        Status::Resolved => ("Resolved, awaiting closure", "govuk-tag--green"),
        Status::Closed => ("Closed", "govuk-tag--grey"),
        Status::Withdrawn => ("Withdrawn", "govuk-tag--grey"),
    }
}

fn summary(
    case: &Case,
    policy: &Policy,
    view: &CaseView,
    names: &words::Names,
    now: Timestamp,
) -> Vec<Row> {
    let [raising, other] = case.parties();
    let stage = case
        .current_stage(policy)
        .map_or_else(String::new, |s| super::stage_words(s.number, &s.name));
    let mut due = words::due(&case.due());
    if case.status() != Status::Open {
        due = match case.status() {
            Status::Resolved => "Nothing more at this stage: the outcome is recorded".to_owned(),
            _ => "Nothing: the case has ended".to_owned(),
        };
    } else if case.due().instant().is_none() {
        due.push_str(&format!(
            " (at this stage for {})",
            words::duration(case.time_at_stage(now).as_mins())
        ));
    }
    if case.status() == Status::Open && case.is_overdue(now) {
        due = format!("Overdue: it was due {due}");
    } else {
        due = sentence_start(&due);
    }
    // Isle of Man Appendix 1: Stage Three has ended, and the case reaches
    // the Board only when the referral form is submitted.
    if let Some(awaiting) = case.awaiting_entry() {
        let forms: Vec<String> = case
            .pending_form_dues()
            .iter()
            .map(|f| {
                policy
                    .form(&f.form)
                    .map_or_else(|| f.form.to_string(), |form| form.title.clone())
            })
            .collect();
        due = format!(
            "{due}. Stage {} has ended: the case enters Stage {} when the {} is submitted",
            case.stage(),
            awaiting.to,
            forms.join(" and the ")
        );
    }
    vec![
        Row {
            key: "Policy",
            // A case runs under the version it was raised under, whatever
            // version is in force now (issue 13 §2).
            value: format!("{}, version {}", policy.title, policy.version),
        },
        Row {
            key: "Track",
            value: view_track(policy, case),
        },
        Row {
            key: "Area of disagreement",
            value: policy
                .areas
                .iter()
                .find(|a| &a.id == case.area())
                .map_or_else(|| case.area().to_string(), |a| super::capitalised(&a.label)),
        },
        Row {
            key: "Raised",
            value: format!(
                "{} by {}, {}",
                words::when(case.raised_at()),
                names.person(&case.raised_by().person),
                names.agency(raising)
            ),
        },
        Row {
            key: "About the decision of",
            value: match case.other_professional() {
                Some(p) => format!("{}, {}", names.person(p), names.agency(other)),
                None => names.agency(other),
            },
        },
        Row {
            key: "Stage",
            value: stage,
        },
        Row {
            key: "Due",
            value: due,
        },
        Row {
            key: "Case reference",
            value: view.id().to_string(),
        },
    ]
}

fn view_track(policy: &Policy, case: &Case) -> String {
    policy
        .track(case.track())
        .map_or_else(|| case.track().to_string(), |t| t.name.clone())
}

fn sentence_start(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn subject_row(s: &Subject) -> SubjectRow {
    let mut flags = Vec::new();
    if s.child_protection_plan {
        flags.push("Child Protection Plan");
    }
    if s.looked_after {
        flags.push("Looked After");
    }
    if s.immediate_risk {
        flags.push("At immediate risk of significant harm");
    }
    SubjectRow {
        name: s.name.to_string(),
        kind: match s.kind {
            accord_policy::SubjectKind::Child => "Child",
            accord_policy::SubjectKind::VulnerableAdult => "Adult at risk",
        },
        flags,
        details: sentence_start(&super::words::subject_details(s).join(", ")),
    }
}

fn stage_rows(case: &Case, policy: &Policy, now: Timestamp) -> Vec<StageRow> {
    let Some(track) = policy.track(case.track()) else {
        return Vec::new();
    };
    let history = case.stage_history();
    track
        .stages
        .iter()
        .map(|stage| {
            let latest = history.iter().rev().find(|v| v.stage == stage.number);
            let here = stage.number == case.stage();
            let overdue = here && case.is_overdue(now);
            StageRow {
                number: stage.number.get(),
                name: stage.name.clone(),
                // Where the case stands, or where it ended; a stage below
                // it that it never stood at was passed over (Plymouth's
                // direct entry).
                state: match (here, latest, case.status()) {
                    (true, _, Status::Open) => CURRENT,
                    (true, _, Status::Resolved) => "Resolved at this stage",
                    (true, _, Status::Closed) => "Closed at this stage",
                    (true, _, Status::Withdrawn) => "Withdrawn at this stage",
                    (false, Some(_), _) => "Passed",
                    (false, None, _) if stage.number < case.stage() => "Skipped",
                    (false, None, _) => "Not reached",
                },
                due: latest.map_or_else(String::new, |v| sentence_start(&words::due(&v.due))),
                overdue,
                timescale: stage.timescale.timescale().to_string(),
            }
        })
        .collect()
}

/// The state of the stage an open case stands at.
const CURRENT: &str = "Current stage";

fn tracker(stages: &[StageRow]) -> Tracker {
    let current = stages.iter().find(|s| s.state == CURRENT);
    let label = match current {
        Some(s) => format!(
            "Stage {} of {}: {}. {}{}",
            s.number,
            stages.len(),
            s.name,
            s.due,
            if s.overdue { " Overdue." } else { "" }
        ),
        None => format!("{} stages", stages.len()),
    };
    let stages = stages
        .iter()
        .map(|s| TrackerStage {
            number: s.number,
            name: s.name.clone(),
            class: match s.state {
                CURRENT if s.overdue => "accord-tracker__stage--overdue",
                CURRENT => "accord-tracker__stage--current",
                "Passed"
                | "Resolved at this stage"
                | "Closed at this stage"
                | "Withdrawn at this stage" => "accord-tracker__stage--passed",
                _ => "",
            },
            current: s.state == CURRENT,
            state: s.state,
            timescale: s.timescale.clone(),
            due: (!s.due.is_empty()).then(|| s.due.clone()),
            overdue: s.overdue,
        })
        .collect();
    Tracker { label, stages }
}

/// A form's sections and every one of its fields, in the document's order
/// and words, with the answers given and "not answered" for the rest: East
/// Riding's Appendix A (ER-9), the Isle of Man referral form (IOM-9) and
/// Sutton's Appendix 1 (SUT-11) as their documents lay them out.
fn laid_out(form: &accord_policy::Form, values: &FormValues) -> Vec<FormSectionView> {
    form.sections
        .iter()
        .map(|section| FormSectionView {
            title: if section.title == form.title {
                String::new()
            } else {
                section.title.clone()
            },
            fields: section
                .fields
                .iter()
                .map(|field| FieldView {
                    label: field.label.clone(),
                    answer: match values.get(&field.id) {
                        None => FieldAnswer::Blank,
                        Some(FieldValue::Rows(rows)) => FieldAnswer::Table(
                            field.columns.iter().map(|c| c.label.clone()).collect(),
                            rows.iter()
                                .map(|row| {
                                    field
                                        .columns
                                        .iter()
                                        .map(|c| {
                                            row.get(&c.id).map(answer_text).unwrap_or_default()
                                        })
                                        .collect()
                                })
                                .collect(),
                        ),
                        Some(value) => FieldAnswer::Text(answer_text(value)),
                    },
                })
                .collect(),
        })
        .collect()
}

/// A single answer in words; a table's rows in one line.
fn answer_text(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(t) => t.clone(),
        FieldValue::Date(d) => d.strftime("%-d %B %Y").to_string(),
        FieldValue::YesNo(true) => "Yes".to_owned(),
        FieldValue::YesNo(false) => "No".to_owned(),
        FieldValue::Rows(rows) => format!("{} rows", rows.len()),
    }
}

/// The answers on a form, by the labels the document prints.
pub(crate) fn answers(fields: &[&Field], values: &FormValues) -> Vec<Labelled> {
    let mut out = Vec::new();
    for field in fields {
        let Some(value) = values.get(&field.id) else {
            continue;
        };
        let value = match value {
            FieldValue::Text(t) => t.clone(),
            FieldValue::Date(d) => d.strftime("%-d %B %Y").to_string(),
            FieldValue::YesNo(true) => "Yes".to_owned(),
            FieldValue::YesNo(false) => "No".to_owned(),
            FieldValue::Rows(rows) => rows
                .iter()
                .map(|row| {
                    let columns: Vec<&Field> = field.columns.iter().collect();
                    answers(&columns, row)
                        .into_iter()
                        .map(|r| format!("{} {}", r.key, r.value))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .collect::<Vec<_>>()
                .join(" | "),
        };
        out.push(Labelled {
            key: field.label.clone(),
            value,
        });
    }
    out
}

/// An action or a learning follow-up as the case page lists it.
fn action_row(
    details: &accord_case::ActionDetails,
    completed: Option<&accord_case::Completion>,
    names: &words::Names,
) -> ActionRow {
    ActionRow {
        who: format!(
            "{}, {}",
            names.person(&details.who),
            names.agency(&details.agency)
        ),
        what: details.what.to_string(),
        by_when: details.by_when.strftime("%A %-d %B %Y").to_string(),
        done: completed.map(|c| {
            let note = c
                .note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            format!(
                "Done {} by {}{note}",
                words::when(c.at),
                names.person(&c.by.person)
            )
        }),
    }
}

/// What an event did, in a few words.
fn event_words(event: &Event, policy: &Policy, names: &words::Names) -> String {
    let form_title = |id: &accord_policy::FormId| {
        policy
            .form(id)
            .map_or_else(|| id.to_string(), |f| f.title.clone())
    };
    match &event.body {
        EventBody::Raised(r) => match &r.later_start_reason {
            Some(reason) => format!(
                "Raised at Stage {}, passing over the stages below for immediate risk: {reason}",
                r.stage
            ),
            None => format!("Raised at Stage {}", r.stage),
        },
        EventBody::DiscussionRecorded { stage, .. } => {
            format!("Discussion recorded at Stage {stage}")
        }
        EventBody::DiscussionApproved { discussion, .. } => {
            format!("Discussion record {discussion} approved")
        }
        EventBody::ActionAgreed { .. } => "Action agreed".to_owned(),
        EventBody::ActionCompleted { action, .. } => format!("Action {action} done"),
        EventBody::FormSubmitted { form, .. } => format!("{} submitted", form_title(form)),
        EventBody::Escalated {
            from, to, reason, ..
        } => {
            format!("Escalated from Stage {from} to Stage {to}: {reason}")
        }
        EventBody::EscalationDecided {
            from, to, reason, ..
        } => {
            format!(
                "Stage {from} ended; to enter Stage {to} when its forms are submitted: {reason}"
            )
        }
        EventBody::DeadlineExtended { stage, reason, .. } => {
            format!("Stage {stage}'s deadline extended: {reason}")
        }
        EventBody::BreachRecorded { stage, form, .. } => match form {
            Some(form) => format!("{} overdue at Stage {stage}", form_title(form)),
            None => format!("Stage {stage}'s deadline passed"),
        },
        EventBody::PanelConvened { .. } => "Resolution Panel convened".to_owned(),
        EventBody::RepresentationRecorded { .. } => {
            "Representation to the panel recorded".to_owned()
        }
        EventBody::Resolved { stage, .. } => format!("Resolved at Stage {stage}"),
        EventBody::OutcomeConfirmed { .. } => "Outcome confirmed in writing".to_owned(),
        EventBody::LearningRecorded { .. } => "Learning recorded".to_owned(),
        EventBody::FollowUpAgreed { learning, .. } => {
            format!("Follow-up to the learning of event {learning} agreed")
        }
        EventBody::FollowUpCompleted { follow_up, .. } => {
            format!("Learning follow-up {follow_up} done")
        }
        EventBody::Withdrawn { reason, .. } => format!("Withdrawn: {reason}"),
        EventBody::Closed { .. } => "Closed".to_owned(),
        EventBody::Reopened { stage, reason, .. } => {
            format!("Reopened at Stage {stage}: {reason}")
        }
        EventBody::CircumstancesChanged { reason, .. } => {
            format!("Change of circumstances recorded: {reason}")
        }
        EventBody::Corrected {
            corrects, reason, ..
        } => {
            format!("Entry {corrects} corrected: {reason}")
        }
        EventBody::NotificationDue(n) => {
            format!("Notification to {}", words::role(policy, &n.to))
        }
        EventBody::ConcurrenceRecorded {
            stage,
            concurs,
            reason,
        } => {
            let word = if *concurs {
                "Concurrence recorded"
            } else {
                "Concurrence withheld"
            };
            format!("{word} at Stage {stage}: {reason}")
        }
        EventBody::TimescaleAgreed {
            stage,
            timescale,
            reason,
            due,
        } => format!(
            "Stage {stage}'s timescale agreed for this case as {}, due {}: {reason}",
            words::length(*timescale),
            words::due(due)
        ),
        EventBody::HandedOver {
            work,
            from,
            to,
            reason,
            ..
        } => format!(
            "Open work handed over from {} to {} by {} (administrator): {}. Why: {reason}",
            names.person(from),
            names.person(to),
            names.person(&event.actor.person),
            words::open_work(*work)
        ),
        EventBody::Erased { rule, due_on } => format!(
            "The case's personal data was erased under {rule}, due on {}: what remains is its \
             stages, dates, agencies and outcome",
            due_on.strftime("%-d %B %Y")
        ),
    }
}

/// Who Accord is telling of the viewer's latest change to `case`, by name,
/// job title and agency, and the roles nobody in the directory holds: the
/// notifications its last event caused, resolved as the job runner resolves
/// them (issue 12 §7: the banner "says exactly who was told. It never claims
/// more than happened").
async fn just_told(
    state: &AppState,
    principal: &crate::auth::Principal,
    case: &accord_case::Case,
    events: &[accord_case::Event],
    policy: &accord_policy::Policy,
) -> Result<(Vec<String>, Vec<String>), crate::ApiError> {
    use accord_case::EventBody;
    // The viewer's latest command: the run of events at the end of the
    // stream made at one instant by one actor, as one command's batch is.
    let Some(last) = events.last().filter(|e| e.actor.person == *principal.id()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let causes: Vec<accord_case::Sequence> = events
        .iter()
        .rev()
        .take_while(|e| e.at == last.at && e.actor.person == last.actor.person)
        .filter(|e| !matches!(e.body, EventBody::NotificationDue(_)))
        .map(|e| e.sequence)
        .collect();
    let store = state.store();
    let people = store.people(principal.partnership()).await?;
    let agencies = store.agencies(principal.partnership()).await?;
    let mut told: Vec<&accord_store::Person> = Vec::new();
    let mut untold = Vec::new();
    for n in events.iter().filter_map(|e| match &e.body {
        EventBody::NotificationDue(n) if causes.contains(&n.cause) => Some(n),
        _ => None,
    }) {
        let reached = accord_store::told(&n.to, n.occasion, case, policy, &people);
        if reached.is_empty() {
            untold.push(words::role(policy, &n.to));
        }
        told.extend(reached);
    }
    told.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    told.dedup_by(|a, b| a.id == b.id);
    untold.sort();
    untold.dedup();
    let told = told
        .into_iter()
        .map(|p| {
            let agency = agencies
                .iter()
                .find(|a| a.id == p.agency)
                .map_or_else(|| p.agency.to_string(), |a| a.name.clone());
            if p.job_title.trim().is_empty() {
                format!("{} ({agency})", p.name)
            } else {
                format!("{} ({}, {agency})", p.name, p.job_title)
            }
        })
        .collect();
    Ok((told, untold))
}

/// A professional without an account as the discussion record names them:
/// "Dr Priya Okafor (GP, Harold Hill Surgery; no Accord account)".
fn unlisted_words(p: &accord_case::UnlistedParticipant) -> String {
    match &p.role {
        Some(role) => format!("{} ({role}, {}; no Accord account)", p.name, p.agency),
        None => format!("{} ({}; no Accord account)", p.name, p.agency),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_wrap_at_word_boundaries() {
        assert_eq!(
            words::wrap("Line manager to line manager discussion", 20),
            vec!["Line manager to line", "manager discussion"]
        );
        assert_eq!(words::wrap("Chair", 20), vec!["Chair"]);
    }
}
