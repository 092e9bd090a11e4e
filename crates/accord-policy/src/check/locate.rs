//! Paths into a policy file and the line and column each one is at.
//!
//! Every positioned diagnostic names the place it is about as a [`Path`]
//! (`tracks[0].stages[2].number`), built from the same indices the typed
//! [`Policy`](crate::Policy) has, because a TOML array deserializes into a
//! `Vec` in order. [`Document`] turns a path into a span by walking the
//! spanned parse tree, so the semantic checks never handle spans themselves.

use std::{fmt, ops::Range};

use toml::{
    Spanned,
    de::{DeTable, DeValue},
};

/// One step into the document: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// Where something is in a policy file, such as `tracks[0].stages[2].number`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(Vec<Segment>);

impl Path {
    /// The whole document.
    pub(crate) fn root() -> Path {
        Path::default()
    }

    /// The value under `key` in this table.
    pub(crate) fn key(&self, key: &str) -> Path {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        Path(segments)
    }

    /// The `index`th element of this array.
    pub(crate) fn index(&self, index: usize) -> Path {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Path(segments)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Which part of a `key = value` line a diagnostic points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    /// The key: for a key that should not be there.
    Key,
    /// The value: for a value that is wrong.
    Value,
}

/// A parsed policy file with the span of every key and value.
pub(crate) struct Document<'s> {
    source: &'s str,
    root: Spanned<DeValue<'s>>,
}

impl<'s> Document<'s> {
    pub(crate) fn new(source: &'s str, root: Spanned<DeTable<'s>>) -> Document<'s> {
        let span = root.span();
        let root = Spanned::new(span, DeValue::Table(root.into_inner()));
        Document { source, root }
    }

    /// The span of the key or value at `path`. Where the path does not exist
    /// in the file (a field left to its default), the nearest enclosing
    /// thing that does: a missing `resolution` points at its stage's
    /// `[[tracks.stages]]` header.
    pub(crate) fn span(&self, path: &Path, at: At) -> Range<usize> {
        let mut best = self.root.span();
        let mut current = self.root.get_ref();
        for (i, segment) in path.0.iter().enumerate() {
            let want_key = at == At::Key && i + 1 == path.0.len();
            let found = match segment {
                Segment::Key(key) => current
                    .as_table()
                    .and_then(|t| t.get_key_value(key.as_str()))
                    .map(|(k, v)| (if want_key { k.span() } else { v.span() }, v)),
                Segment::Index(index) => current
                    .as_array()
                    .and_then(|a| a.get(*index))
                    .map(|v| (v.span(), v)),
            };
            let Some((span, next)) = found else { break };
            best = span;
            current = next.get_ref();
        }
        best
    }

    /// The text of the file.
    pub(crate) fn source(&self) -> &'s str {
        self.source
    }

    /// The 1-based line and column of `path`.
    pub(crate) fn position(&self, path: &Path, at: At) -> (usize, usize) {
        line_col(self.source, self.span(path, at).start)
    }
}

/// The 1-based line and column of a byte offset, counting columns in
/// characters so that a curly quote earlier on the line does not shift them.
pub(crate) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
