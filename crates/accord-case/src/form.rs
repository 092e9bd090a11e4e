//! Form answers, checked against the policy's form: field ids, kinds,
//! choices, rows, and which fields must be answered when.
//!
//! A field required `on-submit` must be answered on every submission; one
//! required `before-stage-ends` (East Riding Appendix A's "Outcome") may be
//! left blank until the stage that needs the form is left or resolved.

use std::collections::BTreeMap;

use accord_policy::{Field, FieldId, FieldKind, FieldRequired, Form};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The answers on one submission of a form, by field id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct FormValues(pub BTreeMap<FieldId, FieldValue>);

impl FormValues {
    /// No answers yet.
    pub fn new() -> FormValues {
        FormValues::default()
    }

    /// Adds an answer, builder-style.
    pub fn with(mut self, field: FieldId, value: FieldValue) -> FormValues {
        self.0.insert(field, value);
        self
    }

    /// The answer to `field`, if any.
    pub fn get(&self, field: &FieldId) -> Option<&FieldValue> {
        self.0.get(field)
    }
}

/// One answer. Text, long text, addresses, signatures and choices are all
/// text; the form's field kind says which is which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldValue {
    /// Text of any text-like kind, or the chosen option of a `choice`.
    Text(String),
    /// A date.
    Date(Date),
    /// Yes (`true`) or no.
    YesNo(bool),
    /// The rows of a table, each answering the field's columns
    /// (Sutton Appendix 1: who will do what, what, by when).
    Rows(Vec<FormValues>),
}

impl FieldValue {
    /// Blank text and an empty table count as unanswered.
    pub(crate) fn is_answered(&self) -> bool {
        match self {
            FieldValue::Text(s) => !s.trim().is_empty(),
            FieldValue::Rows(rows) => !rows.is_empty(),
            FieldValue::Date(_) | FieldValue::YesNo(_) => true,
        }
    }
}

/// A field on a form, named for a person to find: its path (`outcome`, or
/// `actions/2/by-when` for a column of the second row) and its printed label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldRef {
    /// The field's id, with the row number and column id for a table cell.
    pub path: String,
    /// The field's words, as the document prints them.
    pub label: String,
}

/// An answer that does not fit its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    /// The field.
    pub field: FieldRef,
    /// What is wrong, in words the person filling the form can act on.
    pub problem: String,
}

/// How far a submission must be complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completeness {
    /// Fields required on submission.
    OnSubmit,
    /// Fields required on submission and before the stage ends.
    BeforeStageEnds,
}

impl Completeness {
    fn requires(self, required: FieldRequired) -> bool {
        match required {
            FieldRequired::OnSubmit => true,
            FieldRequired::BeforeStageEnds => self == Completeness::BeforeStageEnds,
            FieldRequired::Optional => false,
        }
    }
}

/// Every field of `form`, across its sections, in order.
fn fields(form: &Form) -> impl Iterator<Item = &Field> {
    form.sections.iter().flat_map(|s| s.fields.iter())
}

/// Answers that name no field of the form, or do not fit their field's kind.
pub(crate) fn problems(form: &Form, values: &FormValues) -> Vec<FieldProblem> {
    let known: Vec<&Field> = fields(form).collect();
    let mut out = Vec::new();
    check_values(&known, values, "", &mut out);
    out
}

fn check_values(known: &[&Field], values: &FormValues, prefix: &str, out: &mut Vec<FieldProblem>) {
    for (id, value) in &values.0 {
        let path = format!("{prefix}{id}");
        let Some(field) = known.iter().find(|f| &f.id == id) else {
            out.push(FieldProblem {
                field: FieldRef {
                    path,
                    label: id.to_string(),
                },
                problem: "this form has no such field".into(),
            });
            continue;
        };
        let here = FieldRef {
            path: path.clone(),
            label: field.label.clone(),
        };
        let text_kind = matches!(
            field.kind,
            FieldKind::Text
                | FieldKind::LongText
                | FieldKind::Address
                | FieldKind::Signature
                | FieldKind::Choice
        );
        let problem = match (field.kind, value) {
            (FieldKind::Choice, FieldValue::Text(s))
                if !s.trim().is_empty() && !field.options.iter().any(|o| o == s.trim()) =>
            {
                Some(format!("choose one of: {}", field.options.join(", ")))
            }
            (_, FieldValue::Text(_)) if text_kind => None,
            (FieldKind::Date, FieldValue::Date(date)) => crate::dates::FORM_ANSWERS.problem(*date),
            (FieldKind::YesNo, FieldValue::YesNo(_)) => None,
            (FieldKind::Rows, FieldValue::Rows(rows)) => {
                let columns: Vec<&Field> = field.columns.iter().collect();
                for (i, row) in rows.iter().enumerate() {
                    check_values(&columns, row, &format!("{path}/{}/", i + 1), out);
                }
                None
            }
            (kind, _) => Some(format!("expected {}", kind_words(kind))),
        };
        if let Some(problem) = problem {
            out.push(FieldProblem {
                field: here,
                problem,
            });
        }
    }
}

fn kind_words(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text
        | FieldKind::LongText
        | FieldKind::Address
        | FieldKind::Signature
        | FieldKind::Choice => "text",
        FieldKind::Date => "a date",
        FieldKind::YesNo => "yes or no",
        FieldKind::Rows => "a table of rows",
    }
}

/// The fields that `completeness` requires and `values` leaves unanswered,
/// including required columns of each row.
pub(crate) fn missing(
    form: &Form,
    values: &FormValues,
    completeness: Completeness,
) -> Vec<FieldRef> {
    let known: Vec<&Field> = fields(form).collect();
    let mut out = Vec::new();
    missing_in(&known, values, completeness, "", &mut out);
    out
}

fn missing_in(
    known: &[&Field],
    values: &FormValues,
    completeness: Completeness,
    prefix: &str,
    out: &mut Vec<FieldRef>,
) {
    for field in known {
        let path = format!("{prefix}{}", field.id);
        match values.get(&field.id) {
            Some(value) if value.is_answered() => {
                if let FieldValue::Rows(rows) = value {
                    let columns: Vec<&Field> = field.columns.iter().collect();
                    for (i, row) in rows.iter().enumerate() {
                        missing_in(
                            &columns,
                            row,
                            completeness,
                            &format!("{path}/{}/", i + 1),
                            out,
                        );
                    }
                }
            }
            _ if completeness.requires(field.required) => out.push(FieldRef {
                path,
                label: field.label.clone(),
            }),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        serde_json::from_value(serde_json::json!({
            "id": "referral",
            "title": "Referral",
            "section": "Appendix 1",
            "sections": [{
                "title": "Referral",
                "fields": [
                    { "id": "date", "label": "Date", "kind": "date" },
                    { "id": "urgent", "label": "Urgent?", "kind": "choice", "options": ["Yes", "No"] },
                    { "id": "outcome", "label": "Outcome", "kind": "long-text", "required": "before-stage-ends" },
                    { "id": "note", "label": "Note", "kind": "text", "required": "optional" },
                    { "id": "actions", "label": "Actions", "kind": "rows", "columns": [
                        { "id": "what", "label": "What", "kind": "text" },
                        { "id": "by-when", "label": "By when", "kind": "date" }
                    ]}
                ]
            }]
        }))
        .unwrap()
    }

    fn id(s: &str) -> FieldId {
        s.parse().unwrap()
    }

    #[test]
    fn wrong_kinds_unknown_fields_and_bad_choices_are_problems() {
        let values = FormValues::new()
            .with(id("date"), FieldValue::Text("Monday".into()))
            .with(id("urgent"), FieldValue::Text("Maybe".into()))
            .with(id("colour"), FieldValue::Text("blue".into()));
        let paths: Vec<String> = problems(&form(), &values)
            .into_iter()
            .map(|p| p.field.path)
            .collect();
        assert_eq!(paths, ["colour", "date", "urgent"]);
    }

    #[test]
    fn before_stage_ends_fields_wait_until_the_stage_ends() {
        let row = FormValues::new().with(id("what"), FieldValue::Text("Visit".into()));
        let values = FormValues::new()
            .with(id("date"), FieldValue::Date(jiff::civil::date(2025, 3, 3)))
            .with(id("urgent"), FieldValue::Text("Yes".into()))
            .with(id("actions"), FieldValue::Rows(vec![row]));
        let paths = |c| -> Vec<String> {
            missing(&form(), &values, c)
                .into_iter()
                .map(|f| f.path)
                .collect()
        };
        assert_eq!(paths(Completeness::OnSubmit), ["actions/1/by-when"]);
        assert_eq!(
            paths(Completeness::BeforeStageEnds),
            ["outcome", "actions/1/by-when"]
        );
    }

    #[test]
    fn blank_text_and_empty_tables_are_unanswered() {
        let values = FormValues::new()
            .with(id("date"), FieldValue::Date(jiff::civil::date(2025, 3, 3)))
            .with(id("urgent"), FieldValue::Text("   ".into()))
            .with(id("actions"), FieldValue::Rows(vec![]));
        let missing: Vec<String> = missing(&form(), &values, Completeness::OnSubmit)
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(missing, ["urgent", "actions"]);
        assert!(problems(&form(), &values).is_empty());
    }
}
