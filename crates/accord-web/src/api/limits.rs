//! How much Accord keeps of anything one request writes, beyond the body
//! limit ([`crate::BODY_LIMIT`]) and the engine's own bound on free text
//! ([`accord_case::Text::MAX_CHARS`]): names are short, lists are a
//! meeting's worth, and a form is a form. Each check answers 422 naming
//! the field.

use accord_case::{FieldValue, FormValues, Text};

use crate::ApiError;

/// The most subjects a disagreement is about.
pub(crate) const MAX_SUBJECTS: usize = 20;
/// The most people in one discussion or on one panel.
pub(crate) const MAX_PEOPLE: usize = 50;
/// The most missing confirmations named at closure.
pub(crate) const MAX_PARTIES: usize = 10;
/// The longest name or short label, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 200;
/// The most answers on one form, counting each table cell.
pub(crate) const MAX_FORM_ANSWERS: usize = 500;

/// 422 unless a list at `field` has at most `max` items.
pub(crate) fn items(field: &str, len: usize, max: usize) -> Result<(), ApiError> {
    if len <= max {
        Ok(())
    } else {
        Err(ApiError::Unprocessable {
            code: "too_many",
            message: format!("`{field}` has {len} entries; Accord keeps at most {max}"),
            field: Some(field.to_owned()),
        })
    }
}

/// 422 unless a discussion names at most [`MAX_PEOPLE`] people in all,
/// and each professional without an account at `field` has a name, role and
/// agency no longer than a name.
pub(crate) fn unlisted_participants(
    field: &str,
    record: &accord_case::DiscussionRecord,
) -> Result<(), ApiError> {
    let unlisted = &record.unlisted_participants;
    items(
        field,
        record.participants.len() + unlisted.len(),
        MAX_PEOPLE,
    )?;
    for (i, p) in unlisted.iter().enumerate() {
        chars(
            &format!("{field}[{i}].name"),
            p.name.as_str(),
            MAX_NAME_CHARS,
        )?;
        if let Some(role) = &p.role {
            chars(&format!("{field}[{i}].role"), role.as_str(), MAX_NAME_CHARS)?;
        }
        chars(
            &format!("{field}[{i}].agency"),
            p.agency.as_str(),
            MAX_NAME_CHARS,
        )?;
    }
    Ok(())
}

/// 422 unless `text` at `field` has at most `max` characters.
pub(crate) fn chars(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    let len = text.chars().count();
    if len <= max {
        Ok(())
    } else {
        Err(ApiError::Unprocessable {
            code: "too_long",
            message: format!("`{field}` is {len} characters long; keep it to {max} or fewer"),
            field: Some(field.to_owned()),
        })
    }
}

/// 422 unless the answers on a form at `field` fit: at most
/// [`MAX_FORM_ANSWERS`] in all, each text at most as long as any text on
/// the record.
pub(crate) fn form_values(field: &str, values: &FormValues) -> Result<(), ApiError> {
    let mut count = 0;
    walk(field, values, &mut count)?;
    items(field, count, MAX_FORM_ANSWERS)
}

fn walk(field: &str, values: &FormValues, count: &mut usize) -> Result<(), ApiError> {
    for (id, value) in &values.0 {
        *count += 1;
        let here = format!("{field}.{id}");
        match value {
            FieldValue::Text(text) => chars(&here, text, Text::MAX_CHARS)?,
            FieldValue::Rows(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    walk(&format!("{here}[{i}]"), row, count)?;
                }
            }
            FieldValue::Date(_) | FieldValue::YesNo(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_answer_deep_in_a_table_is_named_by_its_path() {
        let row = FormValues::new().with(
            "what".parse().unwrap(),
            FieldValue::Text("x".repeat(Text::MAX_CHARS + 1)),
        );
        let values =
            FormValues::new().with("actions".parse().unwrap(), FieldValue::Rows(vec![row]));
        let err = form_values("values", &values).unwrap_err();
        assert_eq!(err.body().field.as_deref(), Some("values.actions[0].what"));
        assert_eq!(err.body().code, "too_long");
    }

    #[test]
    fn too_many_answers_are_refused() {
        let row = FormValues::new().with("a".parse().unwrap(), FieldValue::YesNo(true));
        let values = FormValues::new().with(
            "rows".parse().unwrap(),
            FieldValue::Rows(vec![row; MAX_FORM_ANSWERS]),
        );
        assert_eq!(
            form_values("values", &values).unwrap_err().body().code,
            "too_many"
        );
    }
}
