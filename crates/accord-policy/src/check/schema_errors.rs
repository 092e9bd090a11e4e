//! serde's schema errors, reworded for the person editing a policy file.
//!
//! serde words its errors for programmers ("invalid type: string \"5\",
//! expected u32"). Its formats are fixed by the `serde::de::Error` default
//! methods, so they can be recognised and said again in plain English with a
//! hint. Messages the schema writes itself (`model.rs`) are already plain:
//! they are split into the problem and the advice after it.

/// Where to look when there is nothing more specific to say.
const SEE_EXAMPLES: &str =
    "compare with the built-in policies in crates/accord-policy/policies/, which use every setting";

/// The message and hint for one of serde's error messages.
pub(super) fn explain(message: &str) -> (String, String) {
    let message = message.trim_end();
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return (
            format!("this table is missing `{field}`"),
            format!("add `{field} = …` to it"),
        );
    }
    // "<prefix><found><separator><expected>", split in one step.
    let split = |prefix: &str, separator: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(separator))
    };
    if let Some((word, expected)) = split("unknown variant `", "`, expected ") {
        let allowed = backticked(expected);
        let hint = super::suggest::did_you_mean(word, allowed.iter().copied(), || {
            format!("use {}", super::suggest::one_of(allowed.iter().copied()))
        });
        return (
            format!("`{word}` is not one of the words allowed here"),
            hint,
        );
    }
    if let Some((found, expected)) = split("invalid type: ", ", expected ") {
        let (wanted, hint) = kind(expected);
        return (
            format!("expected {wanted} here, not {}", found_words(found)),
            hint,
        );
    }
    if let Some((found, expected)) = split("invalid value: ", ", expected ") {
        let (wanted, hint) = kind(expected);
        return (
            format!(
                "{} is not allowed here: expected {wanted}",
                found_words(found)
            ),
            hint,
        );
    }
    // The schema's own messages put the advice after the problem.
    for separator in ["; ", ": "] {
        if let Some((problem, advice)) = message.split_once(separator) {
            return (problem.to_owned(), advice.to_owned());
        }
    }
    (message.to_owned(), SEE_EXAMPLES.to_owned())
}

/// The words inside backticks, in order.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// What serde's "expected …" means, and how to write it.
fn kind(expected: &str) -> (String, String) {
    let expected = expected.trim();
    let unsigned_max = |bits: u32| (u128::from(u8::MAX) + 1).pow(bits / 8) - 1;
    if let Some(bits) = expected
        .strip_prefix('u')
        .and_then(|b| b.parse::<u32>().ok())
    {
        return (
            "a whole number".into(),
            format!(
                "write a whole number from 0 to {} without quotes, like `3`",
                unsigned_max(bits)
            ),
        );
    }
    if expected.starts_with('i') && expected[1..].parse::<u32>().is_ok() {
        return (
            "a whole number".into(),
            "write a whole number without quotes, like `3`".into(),
        );
    }
    match expected {
        "a string" | "a borrowed string" => (
            "text".into(),
            "put the text in double quotes, like \"Stage 1\"".into(),
        ),
        "a sequence" => (
            "a list".into(),
            "write a list in square brackets, like `[\"manager\"]`".into(),
        ),
        "a boolean" => ("`true` or `false`".into(), "write `true` or `false`".into()),
        _ if expected.starts_with("struct ") => (
            "a table".into(),
            "write a table: its name in [brackets] on its own line, then its settings".into(),
        ),
        _ => (expected.to_owned(), SEE_EXAMPLES.into()),
    }
}

/// serde's description of a value found, in words.
fn found_words(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return format!("the text {text}");
    }
    for (prefix, words) in [
        ("integer ", "the number"),
        ("floating point ", "the number"),
        ("boolean ", ""),
    ] {
        if let Some(value) = found.strip_prefix(prefix) {
            let value = value.trim_matches('`');
            return if words.is_empty() {
                format!("`{value}`")
            } else {
                format!("{words} {value}")
            };
        }
    }
    match found {
        "map" => "a table".into(),
        "sequence" => "a list".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn rewords_a_wrong_type() {
        let (message, hint) = explain("invalid type: string \"5\", expected u32");
        assert_eq!(message, "expected a whole number here, not the text \"5\"");
        assert_eq!(
            hint,
            "write a whole number from 0 to 4294967295 without quotes, like `3`"
        );
    }

    #[test]
    fn suggests_the_nearest_allowed_word() {
        let (message, hint) =
            explain("unknown variant `agrement`, expected one of `agreement`, `decision`, `panel`");
        assert_eq!(message, "`agrement` is not one of the words allowed here");
        assert_eq!(hint, "did you mean `agreement`?");
    }

    #[test]
    fn splits_the_schemas_own_advice_from_the_problem() {
        let (message, hint) =
            explain("hours must be at least 1; for no timescale write `none = true`");
        assert_eq!(message, "hours must be at least 1");
        assert_eq!(hint, "for no timescale write `none = true`");
    }
}
