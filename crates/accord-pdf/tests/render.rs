//! The record typeset as a PDF and read back: what was put in is printed
//! as text, on every page with its marking and page numbers, and nothing a
//! person typed is read as typst markup (issue 14 §5).

use accord_pdf::{Answer, Block, Entry, Part, Prose, Record, render};

/// The text of every page of `pdf`, in order.
fn pages_text(pdf: &[u8]) -> Vec<String> {
    let document = lopdf::Document::load_mem(pdf).expect("a PDF lopdf can read");
    let pages = document.get_pages();
    pages
        .keys()
        .map(|n| document.extract_text(&[*n]).expect("the page's text"))
        .collect()
}

/// All the text, with runs of white space as one space, so that a phrase
/// broken across lines is still found.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text_entry(key: &str, value: &str) -> Entry {
    Entry {
        key: key.to_owned(),
        value: Answer::Text { text: value.into() },
    }
}

#[test]
fn a_childs_name_that_looks_like_typst_markup_is_printed_as_it_was_typed() {
    let hostile = [
        "#set page(paper: \"a0\")",
        "*Bold* _emph_ ]",
        "#panic(\"x\")",
        "$x^2$ \\ @label <tag> `raw`",
        "= Heading",
        "#include \"/etc/passwd\"",
        "<script>alert(1)</script>",
    ];
    let mut record = Record::example();
    record.parts.push(Part {
        heading: "Who it is about".to_owned(),
        note: String::new(),
        blocks: vec![Block::Entries {
            rows: hostile
                .iter()
                .map(|name| text_entry("Name", name))
                .collect(),
        }],
    });
    let pdf = render(&record).expect("the record typesets");
    let text = flat(&pages_text(&pdf).join(" "));
    for name in hostile {
        assert!(text.contains(&flat(name)), "{name:?} in {text}");
    }
    // The page size was not changed by the name.
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    assert_eq!(document.get_pages().len(), 1);
}

#[test]
fn every_page_carries_the_marking_and_its_number_of_the_whole() {
    let mut record = Record::example();
    let long = (0..40)
        .map(|n| format!("Paragraph {n} of what was discussed, long enough to fill the page with words about it."))
        .collect::<Vec<_>>()
        .join("\n\n");
    record.parts.push(Part {
        heading: "Discussions".to_owned(),
        note: String::new(),
        blocks: vec![Block::Text {
            text: Prose::new(&long),
        }],
    });
    let pdf = render(&record).unwrap();
    let pages = pages_text(&pdf);
    assert!(pages.len() >= 2, "{} pages", pages.len());
    let total = pages.len();
    for (i, page) in pages.iter().enumerate() {
        let page = flat(page);
        assert_eq!(
            page.matches("OFFICIAL-SENSITIVE").count(),
            2,
            "top and bottom of page {}: {page}",
            i + 1
        );
        assert!(
            page.contains(&format!("Page {} of {total}", i + 1)),
            "{page}"
        );
        assert!(page.contains("NOR-0001"), "{page}");
    }
    assert!(flat(&pages.join(" ")).contains("Paragraph 39 of what was discussed"));
}

#[test]
fn blank_answers_and_empty_tables_still_print_their_labels() {
    let mut record = Record::example();
    record.parts.push(Part {
        heading: "Appendix 1".to_owned(),
        note: "Sutton LSCB, Appendix 1".to_owned(),
        blocks: vec![
            Block::Heading {
                text: "Identify the following".to_owned(),
            },
            Block::Entries {
                rows: vec![
                    Entry {
                        key: "Should the Head of Service be contacted?".to_owned(),
                        value: Answer::Blank,
                    },
                    Entry {
                        key: "Identify the following:".to_owned(),
                        value: Answer::Table {
                            columns: vec!["Who will do what?".to_owned(), "By when?".to_owned()],
                            rows: Vec::new(),
                        },
                    },
                ],
            },
        ],
    });
    let text = flat(&pages_text(&render(&record).unwrap()).join(" "));
    for label in [
        "Identify the following",
        "Should the Head of Service be contacted?",
        "Who will do what?",
        "By when?",
        "Sutton LSCB, Appendix 1",
    ] {
        assert!(text.contains(label), "{label} in {text}");
    }
    // The question and the table each say they were not answered.
    assert_eq!(text.matches("Not answered").count(), 2, "{text}");
}

#[test]
fn paragraphs_are_split_at_blank_lines_and_keep_their_line_breaks() {
    assert_eq!(
        Prose::new("First line\nsecond line\n\n\n  \nNext paragraph  \n"),
        Prose(vec![
            vec!["First line".to_owned(), "second line".to_owned()],
            vec!["Next paragraph".to_owned()],
        ])
    );
    assert!(Prose::new(" \n\n").is_empty());
    assert_eq!(
        Prose::new("a\r\nb"),
        Prose(vec![vec!["a".to_owned(), "b".to_owned()]])
    );
}

#[test]
fn the_fonts_are_embedded_in_the_pdf() {
    let pdf = render(&Record::example()).unwrap();
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    let embedded = document
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| {
            d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"FontDescriptor".as_slice())
        })
        .filter(|d| d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3"))
        .count();
    assert!(embedded >= 1, "no embedded font program");
    let unembedded = document
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| {
            d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"FontDescriptor".as_slice())
        })
        .filter(|d| !(d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3")))
        .count();
    assert_eq!(unembedded, 0, "a font is referred to but not embedded");
}
