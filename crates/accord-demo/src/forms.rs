//! Filling a policy's forms from what is on the demo case: the referrer's
//! name and agency, the pseudonymised subject, the concern, the discussions
//! at earlier stages and, once there is one, the outcome. Fields are found
//! by the ids the built-in forms use; any other field gets an answer of its
//! kind, so a field added to a policy file does not stop the demo.

use accord_case::{Concern, FieldValue, FormValues};
use accord_policy::{Field, FieldKind, FieldRequired, Form};
use jiff::civil::Date;

use crate::directory::Person;

/// An earlier stage's attempt at resolving the disagreement.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// The stage's number.
    pub(crate) stage: u8,
    /// When it was discussed.
    pub(crate) on: Date,
    /// Who took part, by name.
    pub(crate) who: String,
    /// What came of it.
    pub(crate) outcome: String,
}

/// What a form is filled from.
#[derive(Debug)]
pub(crate) struct Filling<'a> {
    /// The day it is filled in.
    pub(crate) today: Date,
    /// Who fills it in.
    pub(crate) by: &'a Person,
    /// The raising agency's name.
    pub(crate) raising_agency: &'a str,
    /// The other agency's name.
    pub(crate) other_agency: &'a str,
    /// The subject's pseudonym ("Child C"), date of birth, and whether they
    /// are an adult; `None` for a strategic issue.
    pub(crate) subject: Option<(&'a str, Date, bool)>,
    /// The concern as raised.
    pub(crate) concern: &'a Concern,
    /// The stages tried so far.
    pub(crate) attempts: &'a [Attempt],
    /// The senior officers meeting at this stage, by name and agency.
    pub(crate) officers: &'a [(&'a str, &'a str)],
    /// The outcome, for the fields filled in as the stage ends.
    pub(crate) outcome: Option<&'a str>,
}

/// Answers to `form`: every field required on submission and every
/// optional one, and, when `complete`, those required before the stage ends.
pub(crate) fn fill(form: &Form, with: &Filling<'_>, complete: bool) -> FormValues {
    let mut values = FormValues::new();
    for field in form.sections.iter().flat_map(|s| &s.fields) {
        if complete || field.required != FieldRequired::BeforeStageEnds {
            values = values.with(field.id.clone(), answer(field, with, None));
        }
    }
    values
}

/// The answer to one field; `row` is the attempt a row of a stages table
/// describes.
fn answer(field: &Field, with: &Filling<'_>, row: Option<&Attempt>) -> FieldValue {
    let text = |s: &str| FieldValue::Text(s.to_owned());
    let concern = with.concern;
    match field.kind {
        FieldKind::Date => FieldValue::Date(match (field.id.as_str(), row, with.subject) {
            (_, Some(a), _) => a.on,
            ("date-of-birth", None, Some((_, born, _))) => born,
            _ => with.today,
        }),
        FieldKind::YesNo => FieldValue::YesNo(field.id.as_str() == "head-of-service-contacted"),
        FieldKind::Choice => {
            let wanted = match (field.id.as_str(), row, with.subject) {
                ("stage", Some(a), _) => usize::from(a.stage.saturating_sub(1)),
                ("child-or-adult", _, Some((_, _, true))) => 1,
                _ => 0,
            };
            let options = &field.options;
            text(
                options
                    .get(wanted)
                    .or(options.first())
                    .map_or("", String::as_str),
            )
        }
        FieldKind::Rows => FieldValue::Rows(rows(field, with)),
        _ => {
            let answer = match (field.id.as_str(), row) {
                ("who", Some(a)) => a.who.clone(),
                ("outcome", Some(a)) => a.outcome.clone(),
                ("name-of-referrer" | "senior-manager-name" | "name" | "who", None) => {
                    with.by.name.clone()
                }
                ("job-title" | "senior-manager-job-title", None) => with.by.job_title.clone(),
                ("agency" | "referring-agency" | "department", None) => {
                    with.raising_agency.to_owned()
                }
                ("other-agency", None) => with.other_agency.to_owned(),
                ("address-email" | "senior-manager-contact", None) => with.by.email.clone(),
                ("family-address", None) => {
                    "Held on the child's record in the raising agency; not repeated here.".into()
                }
                ("agencies-involved", None) => {
                    format!("{} and {}.", with.raising_agency, with.other_agency)
                }
                (
                    "issues-of-concern"
                    | "issues-and-concerns"
                    | "the-problem"
                    | "written-account"
                    | "nature-of-dispute",
                    None,
                ) => concern.disputed.as_str().to_owned(),
                ("risk-or-need" | "risk-assessment", None) => concern.evidence.as_str().to_owned(),
                ("outcome-sought" | "outcome-to-be-achieved" | "resolution-sought" | "what", _) => {
                    concern.outcome_sought.as_str().to_owned()
                }
                ("timescale", None) => "Within 10 working days.".into(),
                ("attempts-made", None) => attempts_in_words(with.attempts),
                (
                    "outcome" | "outcome-achieved" | "outcome-of-discussion" | "chairs-decision",
                    None,
                ) => with
                    .outcome
                    .unwrap_or("Agreed at the meeting; see the case record.")
                    .to_owned(),
                _ if field.kind == FieldKind::Signature => {
                    format!("Signed electronically by {}", with.by.name)
                }
                _ if field.kind == FieldKind::Address => with.by.email.clone(),
                _ => "See the case record.".into(),
            };
            FieldValue::Text(answer)
        }
    }
}

/// The rows of a table field.
fn rows(field: &Field, with: &Filling<'_>) -> Vec<FormValues> {
    let row = |attempt: Option<&Attempt>| {
        field
            .columns
            .iter()
            .fold(FormValues::new(), |values, column| {
                values.with(column.id.clone(), answer(column, with, attempt))
            })
    };
    let cells = |pairs: &[(&str, FieldValue)]| {
        field
            .columns
            .iter()
            .fold(FormValues::new(), |values, column| {
                let value = pairs
                    .iter()
                    .find(|(id, _)| *id == column.id.as_str())
                    .map_or_else(|| answer(column, with, None), |(_, v)| v.clone());
                values.with(column.id.clone(), value)
            })
    };
    match field.id.as_str() {
        "stages-1-2-3" | "stages-one-to-three" => {
            let tried: Vec<FormValues> = with
                .attempts
                .iter()
                .filter(|a| a.stage <= 3)
                .map(|a| row(Some(a)))
                .collect();
            if tried.is_empty() {
                vec![row(None)]
            } else {
                tried
            }
        }
        "children" | "subjects" | "parents" => {
            let Some((name, born, _)) = with.subject else {
                return vec![row(None)];
            };
            let (first, surname) = name.split_once(' ').unwrap_or((name, ""));
            if field.id.as_str() == "parents" {
                let parent_born = born
                    .checked_sub(jiff::Span::new().years(29))
                    .unwrap_or(born);
                vec![cells(&[
                    ("first-name", FieldValue::Text("Parent".into())),
                    ("surname", FieldValue::Text(format!("of {name}"))),
                    ("date-of-birth", FieldValue::Date(parent_born)),
                ])]
            } else {
                vec![cells(&[
                    ("first-name", FieldValue::Text(first.to_owned())),
                    ("surname", FieldValue::Text(surname.to_owned())),
                ])]
            }
        }
        "senior-officers-at-stage-4" => with
            .officers
            .iter()
            .map(|(name, agency)| {
                cells(&[
                    ("name", FieldValue::Text((*name).to_owned())),
                    ("agency", FieldValue::Text((*agency).to_owned())),
                ])
            })
            .collect(),
        "actions" | "agreed-actions" => {
            let by_when = with
                .today
                .checked_add(jiff::Span::new().days(10))
                .unwrap_or(with.today);
            vec![cells(&[("by-when", FieldValue::Date(by_when))])]
        }
        _ => vec![row(None)],
    }
}

fn attempts_in_words(attempts: &[Attempt]) -> String {
    if attempts.is_empty() {
        return "Discussed between the professionals; see the case record.".into();
    }
    attempts
        .iter()
        .map(|a| format!("Stage {} on {}: {} ({}).", a.stage, a.on, a.outcome, a.who))
        .collect::<Vec<_>>()
        .join(" ")
}
