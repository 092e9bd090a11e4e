//! A page of the register at national scale (issue 18): for 100, 10,000
//! and 100,000 open cases on embedded SQLite and on PostgreSQL, the time
//! the store takes to give one page of 50, for the partnership team (who
//! see every case), with a filter that most cases pass and one that few
//! do, and for the practitioner who raised a handful of them (whom the
//! access rules let see only those). The goal is a time that stays flat as
//! the register grows.
//!
//! `cargo bench -p accord-store --bench register`; under `cargo test` it
//! runs once at 100 and 1,000 cases as a smoke test.

#[path = "../tests/common/postgres.rs"]
mod postgres;
#[path = "../tests/common/sample.rs"]
mod sample;

use std::time::{Duration, Instant};

use accord_case::{AgencyId, Event, PersonId};
use accord_directory::{Agency, AgencyKind, Partnership};
use accord_policy::PolicyId;
use accord_store::{Append, ChangedBy, Directory, RegisterFilter, RegisterReader, Store};

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let sizes: &[u64] = if measuring {
        &[100, 10_000, 100_000]
    } else {
        &[100, 1_000]
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(run(sizes, measuring));
}

async fn run(sizes: &[u64], measuring: bool) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let repeats = if measuring { 200 } else { 3 };
    println!(
        "| open cases | backend | team, no filter | team, stage 1 | team, stage 2 (none) | the practitioner's 5 |"
    );
    println!("|---|---|---|---|---|---|");
    for &n in sizes {
        let sqlite_url = format!(
            "sqlite://{}",
            dir.path().join(format!("register-{n}.sqlite")).display()
        );
        let pg_url = postgres::fresh_database_on(postgres::durable_server()).await;
        for (name, url) in [("SQLite", sqlite_url), ("PostgreSQL", pg_url)] {
            let master = std::sync::Arc::new(accord_store::LocalMasterKey::generate());
            let store = Store::open(&url, sample::policies(), master)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            fill(&store, n).await;
            let team = RegisterReader {
                partnership: "sample".into(),
                whole_partnership: true,
                agency: None,
                person: PersonId::parse("team-1").unwrap(),
                roles: Vec::new(),
            };
            let practitioner = RegisterReader {
                partnership: "sample".into(),
                whole_partnership: false,
                agency: None,
                person: PersonId::parse("sw-2").unwrap(),
                roles: Vec::new(),
            };
            let stage = |s: u8| RegisterFilter {
                stage: Some(s),
                ..RegisterFilter::default()
            };
            let now = sample::at("2025-03-03T10:00:00Z");
            let mut cells = Vec::new();
            for (reader, filter, want) in [
                (&team, RegisterFilter::default(), 50.min(n as usize)),
                (&team, stage(1), 50.min(n as usize)),
                (&team, stage(2), 0),
                (&practitioner, RegisterFilter::default(), 5),
            ] {
                let mut times = Vec::with_capacity(repeats);
                for _ in 0..repeats {
                    let start = Instant::now();
                    let page = store
                        .register_page(reader, &filter, now, None, 50)
                        .await
                        .unwrap();
                    times.push(start.elapsed());
                    assert_eq!(page.entries.len(), want, "{name}, {n} cases, {filter:?}");
                }
                times.sort();
                cells.push(format!(
                    "{} / {}",
                    ms(times[times.len() / 2]),
                    ms(times[times.len() * 99 / 100])
                ));
            }
            println!("| {n} | {name} | {} |", cells.join(" | "));
            store.close().await;
        }
    }
    println!("(median / 99th percentile of {repeats} pages of 50, in milliseconds)");
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// A partnership of the sample's two agencies, with `n` open cases raised
/// by the health visitor, the first 5 of them naming another social
/// worker (`sw-2`) as the professional they disagree with.
async fn fill(store: &Store, n: u64) {
    let partnership = Partnership {
        id: "sample".into(),
        name: "Sample Safeguarding Children Partnership".into(),
        policy: "havering-2022".parse::<PolicyId>().unwrap(),
        case_prefix: "SAM".into(),
        sign_in_prefix: "sam".into(),
    };
    let agency = |id: &str, kind| Agency {
        id: AgencyId::parse(id).unwrap(),
        partnership: "sample".into(),
        name: id.into(),
        kind,
    };
    store
        .put_directory(
            Directory {
                partnerships: &[partnership],
                agencies: &[
                    agency("nhs-trust", AgencyKind::Health),
                    agency("childrens-social-care", AgencyKind::ChildrensSocialCare),
                ],
                people: &[],
            },
            &ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let now = sample::at("2025-03-03T10:00:00Z");
    let mut raised = 0;
    while raised < n {
        let batch: Vec<Vec<Event>> = (raised..(raised + 500).min(n))
            .map(|i| {
                let mut events = sample::raise(&format!("SAM-{i}"), now);
                if i < 5 {
                    // The practitioner's own: they are the other
                    // professional the case names.
                    if let accord_case::EventBody::Raised(r) = &mut events[0].body {
                        r.other_professional = Some(PersonId::parse("sw-2").unwrap());
                    }
                }
                events
            })
            .collect();
        let streams: Vec<Append<'_>> = batch
            .iter()
            .map(|events| Append {
                expected: None,
                events,
            })
            .collect();
        store.append_all(&streams).await.unwrap();
        raised += batch.len() as u64;
    }
}
