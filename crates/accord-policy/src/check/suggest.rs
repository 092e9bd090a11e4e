//! "Did you mean …?" for misspelt keys, roles, forms and tracks.

/// The candidate closest to `word`, if any is close enough to be a likely
/// misspelling. Jaro-Winkler favours a shared beginning, which suits ids
/// like `business-manger` and `safeguarding-leed`.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Candidates as a readable list: "`a`, `b` or `c`".
pub(crate) fn one_of<'a>(candidates: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
    match quoted.as_slice() {
        [] => String::from("(none)"),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// "did you mean `x`?" when one candidate is close, otherwise `otherwise`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: impl FnOnce() -> String,
) -> String {
    match nearest(word, candidates) {
        Some(best) => format!("did you mean `{best}`?"),
        None => otherwise(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_a_close_id_and_nothing_for_a_distant_one() {
        let roles = ["business-manager", "director", "chair"];
        assert_eq!(nearest("business-manger", roles), Some("business-manager"));
        assert_eq!(nearest("police", roles), None);
    }

    #[test]
    fn lists_candidates_in_words() {
        assert_eq!(one_of(["a", "b", "c"]), "`a`, `b` or `c`");
        assert_eq!(one_of(["a"]), "`a`");
    }
}
