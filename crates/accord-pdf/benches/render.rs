//! How long the printed record takes to typeset as a PDF: a record the
//! size of a demo case that reached a form stage (its summary, stages, four
//! discussions, three actions, Sutton's Appendix 1 with its sections, an
//! outcome, and a 30-entry chronology), and the smallest record, which is
//! mostly the cost of laying out any page.

use std::hint::black_box;

use accord_pdf::{Answer, Block, Entry, Part, Record, render};
use criterion::{Criterion, criterion_group, criterion_main};

fn entry(key: &str, value: &str) -> Entry {
    Entry {
        key: key.to_owned(),
        value: Answer::Text { text: value.into() },
    }
}

fn part(heading: &str, blocks: Vec<Block>) -> Part {
    Part {
        heading: heading.to_owned(),
        note: String::new(),
        blocks,
    }
}

/// A record as big as a demo case with a form.
fn demo_sized() -> Record {
    let mut record = Record::example();
    let summary = [
        ("Policy", "Sutton LSCB escalation policy, version 1"),
        (
            "Track",
            "Differences in professional judgement about a child",
        ),
        ("Area of disagreement", "Thresholds"),
        (
            "Raised",
            "2 May 2025 at 10am by Priya Shah, Sutton Children's Social Care",
        ),
        ("About the decision of", "Sutton Health and Care"),
        ("Stage", "Stage 3 of 6: Heads of service"),
        ("Due", "By the end of Friday 9 May 2025"),
        ("Case reference", "SUT-DEMO-0003"),
    ];
    record.parts = vec![part(
        "Summary",
        vec![Block::Entries {
            rows: summary.iter().map(|(k, v)| entry(k, v)).collect(),
        }],
    )];
    let mut discussions = Vec::new();
    for n in 1..=4 {
        discussions.push(Block::Heading {
            text: format!("Stage {n}, {n} May 2025 at 2pm"),
        });
        discussions.push(Block::Entries {
            rows: vec![
                entry("How", "By telephone"),
                entry("Who took part", "Priya Shah (Social worker, Sutton Children's Social Care)\nGrace Obi (Health visitor, Sutton Health and Care)"),
                entry("Summary", "The health visitor set out the two visits and the bruising seen.\n\nThe social worker explained the threshold decision and agreed to ask the team manager to review it within two working days."),
                entry("Ended in agreement", "No"),
            ],
        });
    }
    record.parts.push(part("Discussions", discussions));
    let fields = [
        "The problem: what the disagreement is about",
        "The outcome to be achieved",
        "The timescale, given the specific circumstances of the case",
        "Should the Head of Service be contacted?",
        "Outcome achieved following completion of actions:",
        "Name of Referrer:",
        "Department:",
        "Sign:",
        "Date:",
        "Safeguarding Advisor:",
    ];
    record.parts.push(Part {
        heading: "Local Safeguarding Children Board multi-agency escalation procedure".to_owned(),
        note: "Appendix 1 of the policy. Submitted at Stage 2, 6 May 2025 at 11am, by Priya Shah."
            .to_owned(),
        blocks: vec![
            Block::Heading {
                text: "Defining the problem".to_owned(),
            },
            Block::Entries {
                rows: fields
                    .iter()
                    .map(|f| {
                        entry(
                            f,
                            "A considered answer of a sentence or two, as the demo gives it.",
                        )
                    })
                    .collect(),
            },
            Block::Entries {
                rows: vec![Entry {
                    key: "Identify the following:".to_owned(),
                    value: Answer::Table {
                        columns: vec![
                            "Who will do what?".to_owned(),
                            "What will be undertaken?".to_owned(),
                            "By when?".to_owned(),
                        ],
                        rows: (0..3)
                            .map(|_| {
                                vec![
                                    "Team manager".into(),
                                    "Review the threshold decision".into(),
                                    "9 May 2025".into(),
                                ]
                            })
                            .collect(),
                    },
                }],
            },
        ],
    });
    record.parts.push(part(
        "Chronology",
        vec![Block::Table {
            columns: ["Entry", "When", "Who", "What"].map(str::to_owned).to_vec(),
            rows: (1..=30)
                .map(|n| {
                    vec![
                        n.to_string().into(),
                        "6 May 2025 at 11am".into(),
                        "Priya Shah, Sutton Children's Social Care".into(),
                        "Discussion recorded at Stage 2".into(),
                    ]
                })
                .collect(),
        }],
    ));
    record
}

fn typeset(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    // The first render parses the fonts, once per process.
    render(&Record::example()).unwrap();
    let demo = demo_sized();
    group.bench_function("a demo-sized case with Appendix 1", |b| {
        b.iter(|| black_box(render(black_box(&demo)).unwrap()))
    });
    let small = Record::example();
    group.bench_function("the smallest record", |b| {
        b.iter(|| black_box(render(black_box(&small)).unwrap()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = typeset
}
criterion_main!(benches);
