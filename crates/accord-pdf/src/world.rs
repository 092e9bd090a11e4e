//! typst's `World` for one record: the template as the only source, the
//! record's JSON as the only other file, the fonts built into the binary,
//! and no clock, file system or network.

use std::sync::LazyLock;

use typst::{
    Library, LibraryExt, World, WorldExt,
    diag::{FileError, FileResult, SourceDiagnostic},
    foundations::{Bytes, Datetime, Duration},
    syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot},
    text::{Font, FontBook},
    utils::LazyHash,
};

/// The template: the record's layout, in typst. It reads the record with
/// `json("/record.json")` and never includes it as markup.
const TEMPLATE: &str = include_str!("record.typ");

/// The library and the fonts, made once per process: parsing the fonts is
/// the slow part of a first render.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

fn file_id(path: &str) -> FileId {
    let path = VirtualPath::new(path).expect("a fixed, valid virtual path");
    RootedPath::new(VirtualRoot::Project, path).intern()
}

/// One record being typeset.
pub(crate) struct RecordWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl RecordWorld {
    /// A world whose `/record.json` is `data`.
    pub(crate) fn new(data: Vec<u8>) -> RecordWorld {
        RecordWorld {
            main: Source::new(file_id("/record.typ"), TEMPLATE.to_owned()),
            data_id: file_id("/record.json"),
            data: Bytes::new(data),
        }
    }

    /// The diagnostics in words, with the template's line for each; the
    /// record's text is never part of them.
    pub(crate) fn describe(&self, errors: &[SourceDiagnostic]) -> String {
        errors
            .iter()
            .map(|e| match self.range(e.span) {
                Some(range) if e.span.id() == Some(self.main.id()) => {
                    let line = TEMPLATE[..range.start.min(TEMPLATE.len())].lines().count();
                    format!("record.typ line {line}: {}", e.message)
                }
                _ => e.message.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl World for RecordWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    /// The record carries its own printed-on date; the template has no
    /// use for a clock, and a PDF made twice is the same.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
