//! Checking a policy file: every mistake with its line, column and a hint.
//!
//! SKELETON: only parses for now; the semantic checks are being written.

use accord_calendar::Calendars;
use serde::Serialize;

use crate::Policy;

/// One mistake in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: Option<String>,
}

pub(crate) fn check(source: &str, calendars: &Calendars) -> Result<Policy, Vec<Diagnostic>> {
    let _ = calendars;
    toml::from_str(source).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| line_col(source, s.start))
            .unwrap_or((1, 1));
        vec![Diagnostic {
            line,
            column,
            message: e.message().to_owned(),
            hint: None,
        }]
    })
}

fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
