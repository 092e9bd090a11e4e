//! Checking a policy file: every mistake, with its line, column and a hint.
//!
//! [`check`] runs in three passes, each reporting everything it can:
//!
//! 1. TOML syntax. The parser stops at the first error, so at most one.
//! 2. The schema, through serde. Unknown keys are all collected
//!    ([`unknown`]); a value of the wrong type stops this pass, because
//!    nothing after it can be trusted.
//! 3. Everything that spans more than one field ([`rules`]): stage order,
//!    calendars, references to roles, forms and tracks, duplicate ids,
//!    panels, final decisions and timescales.
//!
//! Every diagnostic is positioned the same way: a check names a [`Path`]
//! such as `tracks[0].stages[2].number` and [`Document`] finds it in the
//! spanned parse tree ([`locate`]).

mod locate;
mod references;
mod rules;
mod schema_errors;
mod suggest;
mod unknown;

use std::fmt;

use accord_calendar::Calendars;
use serde::Serialize;
use toml::de::DeTable;

use crate::Policy;
use locate::{At, Document, Path, line_col};

/// One mistake in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, in words a partnership Business Manager can act on.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

impl Diagnostic {
    /// The diagnostic as the command line prints it:
    ///
    /// ```text
    /// havering.toml:12:10: there is no calendar `england`
    ///   hint: did you mean `england-and-wales`?
    /// ```
    pub fn render(&self, file_name: &str) -> String {
        format!(
            "{file_name}:{}:{}: {}\n  hint: {}",
            self.line, self.column, self.message, self.hint
        )
    }
}

impl fmt::Display for Diagnostic {
    /// `LINE:COL: message`, for places with no file name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Collects diagnostics, turning each [`Path`] into a line and column.
pub(crate) struct Report<'d, 's> {
    document: &'d Document<'s>,
    diagnostics: Vec<Diagnostic>,
}

impl<'d, 's> Report<'d, 's> {
    fn new(document: &'d Document<'s>) -> Self {
        Report {
            document,
            diagnostics: Vec::new(),
        }
    }

    /// A mistake in the value at `path`.
    pub(crate) fn value(
        &mut self,
        path: &Path,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(path, At::Value, message.into(), hint.into());
    }

    /// A key at `path` that should not be there.
    pub(crate) fn key(&mut self, path: &Path, message: impl Into<String>, hint: impl Into<String>) {
        self.push(path, At::Key, message.into(), hint.into());
    }

    /// The 1-based line and column of `path`.
    pub(crate) fn position(&self, path: &Path, at: At) -> (usize, usize) {
        self.document.position(path, at)
    }

    fn push(&mut self, path: &Path, at: At, message: String, hint: String) {
        let (line, column) = self.document.position(path, at);
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message,
            hint,
        });
    }

    /// A mistake at a byte offset, for errors the parser positions itself.
    fn at_offset(&mut self, offset: usize, message: String, hint: String) {
        let (line, column) = line_col(self.document.source(), offset);
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message,
            hint,
        });
    }

    /// Everything reported, in the order it appears in the file.
    fn finish(mut self) -> Vec<Diagnostic> {
        self.diagnostics.sort_by_key(|d| (d.line, d.column));
        self.diagnostics.dedup();
        self.diagnostics
    }
}

pub(crate) fn check(source: &str, calendars: &Calendars) -> Result<Policy, Vec<Diagnostic>> {
    let tree = DeTable::parse(source).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(source, s.start));
        vec![Diagnostic {
            line,
            column,
            message: format!("this is not valid TOML: {}", e.message().trim_end()),
            hint: String::from(
                "check this line: each setting is `key = value`, text goes in \"double quotes\", \
                 lists in [square brackets] and tables start with [name] or [[name]]",
            ),
        }]
    })?;
    let document = Document::new(source, tree.clone());
    let mut report = Report::new(&document);

    let (policy, unknown) = unknown::deserialize::<Policy, _>(toml::de::Deserializer::from(tree));
    for field in &unknown {
        report.key(
            &field.path,
            format!("`{}` is not a setting here", field.key),
            suggest::did_you_mean(&field.key, field.expected.iter().copied(), || {
                format!(
                    "remove it; the settings here are {}",
                    suggest::one_of(field.expected.iter().copied())
                )
            }),
        );
    }
    match policy {
        Ok(policy) => {
            rules::check(&policy, calendars, &mut report);
            let diagnostics = report.finish();
            if diagnostics.is_empty() {
                Ok(policy)
            } else {
                Err(diagnostics)
            }
        }
        Err(e) => {
            let (message, hint) = schema_errors::explain(e.message());
            report.at_offset(e.span().map_or(0, |s| s.start), message, hint);
            Err(report.finish())
        }
    }
}
