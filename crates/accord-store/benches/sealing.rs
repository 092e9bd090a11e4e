//! What sealing each case's personal data (issue 17 §1) costs, measured in
//! one run over every event of the demo's five partnerships:
//!
//! - writing: each event body encoded for the log as before (its JSON and
//!   its SHA-256), against the same with its personal data put aside and
//!   the body sealed under its case's key (`sealing::seal`);
//! - reading: each stored body parsed as before, against opened with its
//!   case's key (`sealing::open`);
//! - beside them, what the store's own work costs in the same run on
//!   SQLite: appending the demo (per event) and reading a case (per case),
//!   so the sealing's share of an append and of a case read can be read
//!   off.
//!
//! `cargo bench -p accord-store --bench sealing` measures; under `cargo
//! test` it runs once, small, as a smoke test.

#[path = "../tests/common/sample.rs"]
mod sample;

use std::{sync::Arc, time::Instant};

use accord_case::{CaseId, EventBody};
use accord_store::{
    CaseKey, LocalMasterKey, Store,
    sealing::{self, DataKey},
};
use sha2::{Digest, Sha256};

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let rounds = if measuring { 30 } else { 1 };
    let (calendars, policies) = sample::world();
    let demo = accord_demo::demo(sample::at("2025-06-02T09:30:00Z"), calendars, policies).unwrap();
    let events: Vec<&accord_case::Event> = demo.cases.iter().flat_map(|c| &c.events).collect();
    let keys: Vec<DataKey> = demo.cases.iter().map(|_| DataKey::generate()).collect();
    let key_of = |case: &CaseId| {
        let i = demo.cases.iter().position(|c| &c.id == case).unwrap();
        &keys[i]
    };
    let n = events.len() as f64 * f64::from(rounds);

    // Writing, as before and sealed, alternately so that both see the same
    // machine.
    let mut plain_write = 0.0;
    let mut sealed_write = 0.0;
    let mut plain_texts = Vec::new();
    let mut sealed_texts = Vec::new();
    for round in 0..rounds {
        let started = Instant::now();
        for event in &events {
            let body = serde_json::to_value(&event.body).unwrap();
            let text = serde_json::to_vec(&body).unwrap();
            std::hint::black_box(Sha256::digest(&text));
            if round == 0 {
                plain_texts.push(String::from_utf8(text).unwrap());
            }
        }
        plain_write += started.elapsed().as_secs_f64();
        let started = Instant::now();
        for event in &events {
            let body = serde_json::to_value(&event.body).unwrap();
            let stored = sealing::seal(
                &body,
                event.case.as_str(),
                event.sequence.get(),
                key_of(&event.case),
            );
            let text = serde_json::to_vec(&stored).unwrap();
            std::hint::black_box(Sha256::digest(&text));
            if round == 0 {
                sealed_texts.push(String::from_utf8(text).unwrap());
            }
        }
        sealed_write += started.elapsed().as_secs_f64();
    }

    // Reading, as before and opened.
    let mut plain_read = 0.0;
    let mut sealed_read = 0.0;
    for _ in 0..rounds {
        let started = Instant::now();
        for text in &plain_texts {
            std::hint::black_box(serde_json::from_str::<EventBody>(text).unwrap());
        }
        plain_read += started.elapsed().as_secs_f64();
        let started = Instant::now();
        for (event, text) in events.iter().zip(&sealed_texts) {
            let key = CaseKey::Open(key_of(&event.case).clone());
            std::hint::black_box(
                sealing::open(&event.case, event.sequence.get(), text, &key).unwrap(),
            );
        }
        sealed_read += started.elapsed().as_secs_f64();
    }
    let stored_plain: usize = plain_texts.iter().map(String::len).sum();
    let stored_sealed: usize = sealed_texts.iter().map(String::len).sum();

    // The store's own work in the same run: the demo appended, every case
    // read, on SQLite.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (append_per_event, read_per_case, events_per_case) = runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
        let store = Store::open(
            &url,
            sample::policies(),
            Arc::new(LocalMasterKey::generate()),
        )
        .await
        .unwrap();
        let started = Instant::now();
        store.seed((&demo).into()).await.unwrap();
        let append = started.elapsed().as_secs_f64() / events.len() as f64;
        let started = Instant::now();
        for _ in 0..rounds {
            for case in &demo.cases {
                std::hint::black_box(store.load_case(&case.id).await.unwrap());
            }
        }
        let read = started.elapsed().as_secs_f64() / (demo.cases.len() as f64 * f64::from(rounds));
        store.close().await;
        (append, read, events.len() as f64 / demo.cases.len() as f64)
    });

    let us = |s: f64| s * 1e6;
    let seal_cost = (sealed_write - plain_write) / n;
    let open_cost = (sealed_read - plain_read) / n;
    println!(
        "{} events of {} cases, {rounds} rounds",
        events.len(),
        demo.cases.len()
    );
    println!("| measure | as before | sealed | added |");
    println!("|---|---|---|---|");
    println!(
        "| encode a body for the log, per event | {:.1} µs | {:.1} µs | {:.1} µs |",
        us(plain_write / n),
        us(sealed_write / n),
        us(seal_cost)
    );
    println!(
        "| read a stored body, per event | {:.1} µs | {:.1} µs | {:.1} µs |",
        us(plain_read / n),
        us(sealed_read / n),
        us(open_cost)
    );
    println!(
        "| bytes stored, all bodies | {stored_plain} | {stored_sealed} | {:+.0}% |",
        (stored_sealed as f64 / stored_plain as f64 - 1.0) * 100.0
    );
    println!(
        "| SQLite: append (the demo, in batches), per event | | {:.1} µs | sealing {:.1}% of it |",
        us(append_per_event),
        seal_cost / append_per_event * 100.0
    );
    println!(
        "| SQLite: read a case ({events_per_case:.1} events), per case | | {:.1} µs | opening {:.1}% of it |",
        us(read_per_case),
        open_cost * events_per_case / read_per_case * 100.0
    );
}
