//! The printed record of a disagreement as a PDF, for the child's file
//! (issue 14 §5): what the print view shows, typeset by typst in process,
//! with its fonts compiled into the binary, so that what is filed is what
//! was seen and nothing is read from the machine or the network.
//!
//! The case never becomes typst markup. The document is one fixed template
//! (`record.typ`), which reads the [`Record`] as JSON from a virtual file
//! with `json()`; a child's name such as `#set` or `*` or `]` is a string
//! in that data, typeset as the text it is.
//!
//! ```
//! let record = accord_pdf::Record::example();
//! let pdf = accord_pdf::render(&record).unwrap();
//! assert!(pdf.starts_with(b"%PDF-"));
//! ```

mod world;

use serde::Serialize;

/// What the record says, in the order it is printed. Every string is text
/// to be typeset as it is; [`Prose`] keeps its paragraphs and line breaks.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// The protective marking printed at the top and bottom of every page.
    pub marking: String,
    /// The partnership's name.
    pub partnership: String,
    /// The case reference, such as `SUT-DEMO-0003`.
    pub reference: String,
    /// The heading: "Disagreement SUT-DEMO-0003".
    pub title: String,
    /// "Open", "Closed" and so on.
    pub status: String,
    /// "Printed by NAME (AGENCY) on DATE at TIME".
    pub printed: String,
    /// The parts of the record, each under its heading.
    pub parts: Vec<Part>,
}

/// One part of the record under its heading: "Summary", "Discussions", a
/// form.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// Its heading.
    pub heading: String,
    /// A line under the heading, such as where a form comes from; may be
    /// empty.
    pub note: String,
    /// What it holds, in order.
    pub blocks: Vec<Block>,
}

/// A piece of a part.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Block {
    /// A sub-heading.
    Heading {
        /// Its words.
        text: String,
    },
    /// Paragraphs of text.
    Text {
        /// The text.
        text: Prose,
    },
    /// Questions and their answers, or facts and their values, one a row.
    Entries {
        /// The rows.
        rows: Vec<Entry>,
    },
    /// A chart, drawn as SVG, with what it shows in words for those who
    /// cannot see it. The SVG is an image the template places; it is never
    /// read as markup.
    Chart {
        /// The chart, as a standalone SVG document.
        svg: String,
        /// What it shows, in words.
        description: String,
    },
    /// A table.
    Table {
        /// The column headings.
        columns: Vec<String>,
        /// The rows, each with one cell per column.
        rows: Vec<Vec<Prose>>,
    },
}

/// A label and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The label, as the page or the document words it.
    pub key: String,
    /// The answer.
    pub value: Answer,
}

/// An answer on the record.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Answer {
    /// Not answered: printed as "Not answered", as the page says it.
    Blank,
    /// Text.
    Text {
        /// The text.
        text: Prose,
    },
    /// A table of rows (a form's "who will do what, by when").
    Table {
        /// The column headings.
        columns: Vec<String>,
        /// The rows; none prints "Not answered" under the headings.
        rows: Vec<Vec<Prose>>,
    },
}

/// Text as paragraphs of lines: what someone typed, with its blank lines
/// and line breaks kept (issue 14 §7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Prose(pub Vec<Vec<String>>);

impl Prose {
    /// `text` split into paragraphs at blank lines, and each paragraph into
    /// its lines; trailing spaces and empty paragraphs are dropped.
    pub fn new(text: &str) -> Prose {
        let mut paragraphs = Vec::new();
        let mut lines: Vec<String> = Vec::new();
        for line in text.lines() {
            let line = line.trim_end();
            if line.trim().is_empty() {
                if !lines.is_empty() {
                    paragraphs.push(std::mem::take(&mut lines));
                }
            } else {
                lines.push(line.to_owned());
            }
        }
        if !lines.is_empty() {
            paragraphs.push(lines);
        }
        Prose(paragraphs)
    }

    /// Whether there is no text at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Prose {
    fn from(text: &str) -> Prose {
        Prose::new(text)
    }
}

impl From<String> for Prose {
    fn from(text: String) -> Prose {
        Prose::new(&text)
    }
}

/// Why a record could not be made into a PDF. It never holds the record's
/// text, so it may be logged.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The template did not compile or lay out; a fault in Accord, not in
    /// the case.
    #[error("the record's template failed: {0}")]
    Template(String),
    /// The PDF could not be written.
    #[error("the PDF could not be written: {0}")]
    Export(String),
}

/// The record as a PDF, with its fonts embedded.
pub fn render(record: &Record) -> Result<Vec<u8>, RenderError> {
    let data = serde_json::to_vec(record).map_err(|e| RenderError::Export(e.to_string()))?;
    let world = world::RecordWorld::new(data);
    let document: typst_layout::PagedDocument = typst::compile(&world)
        .output
        .map_err(|errors| RenderError::Template(world.describe(&errors)))?;
    let options = typst_pdf::PdfOptions {
        // The same case printed twice is the same document.
        ident: typst::foundations::Smart::Custom(record.reference.clone()),
        creator: typst::foundations::Smart::Custom(Some("Accord".to_owned())),
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options)
        .map_err(|errors| RenderError::Export(world.describe(&errors)))
}

impl Record {
    /// A small record, for the examples and tests.
    pub fn example() -> Record {
        Record {
            marking: "OFFICIAL-SENSITIVE".to_owned(),
            partnership: "Northshire Safeguarding Children Partnership".to_owned(),
            reference: "NOR-0001".to_owned(),
            title: "Disagreement NOR-0001".to_owned(),
            status: "Open".to_owned(),
            printed: "Printed by Jo Park (Northshire team) on 7 December 2026 at 9:05am".to_owned(),
            parts: vec![Part {
                heading: "Summary".to_owned(),
                note: String::new(),
                blocks: vec![Block::Entries {
                    rows: vec![Entry {
                        key: "Case reference".to_owned(),
                        value: Answer::Text {
                            text: "NOR-0001".into(),
                        },
                    }],
                }],
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_placed_as_an_image_beside_its_words() {
        let mut record = Record::example();
        record.parts[0].blocks.push(Block::Chart {
            svg: "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 20\" width=\"100\">\
                  <rect x=\"0\" y=\"0\" width=\"60\" height=\"20\" fill=\"#1d70b8\"/></svg>"
                .to_owned(),
            description: "Raised: 60".to_owned(),
        });
        let pdf = render(&record).expect("the record with its chart");
        assert!(pdf.starts_with(b"%PDF-"));
        // An SVG that is not one is the template's fault, and says so.
        record.parts[0].blocks.push(Block::Chart {
            svg: "#set text(red)".to_owned(),
            description: String::new(),
        });
        assert!(matches!(render(&record), Err(RenderError::Template(_))));
    }
}
