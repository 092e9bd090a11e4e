//! How fast working-day arithmetic and deadline instants are: the hot path
//! when a million open cases have their deadlines computed.

use std::hint::black_box;

use accord_calendar::{CalendarId, Calendars, Timescale, WorkingDays};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::{Timestamp, ToSpan, civil::date};

/// 1,000 start dates spread over 2020-2034, each with 1 to 20 working days:
/// 20,000 additions per iteration.
fn add_working_days(c: &mut Criterion) {
    let calendars = Calendars::builtin();
    let england = calendars
        .get(&"england-and-wales".parse::<CalendarId>().unwrap())
        .unwrap();
    let starts: Vec<_> = (0..1_000i64)
        .map(|i| date(2020, 1, 1).checked_add((i * 5).days()).unwrap())
        .collect();
    let spans: Vec<_> = (1..=20).map(|n| WorkingDays::new(n).unwrap()).collect();
    let mut group = c.benchmark_group("add_working_days");
    group.throughput(Throughput::Elements((starts.len() * spans.len()) as u64));
    group.bench_function("1..=20 days from 1000 dates, 2020-2034", |b| {
        b.iter(|| {
            for &start in &starts {
                for &n in &spans {
                    black_box(england.add_working_days(black_box(start), n));
                }
            }
        })
    });
    // Before 1970 the index does not cover the dates and the rules count
    // a day at a time: the slow path, for comparison.
    let old_starts: Vec<_> = (0..50i64)
        .map(|i| date(1960, 1, 1).checked_add((i * 5).days()).unwrap())
        .collect();
    group.throughput(Throughput::Elements(
        (old_starts.len() * spans.len()) as u64,
    ));
    group.bench_function("1..=20 days from 50 dates, 1960 (rules only)", |b| {
        b.iter(|| {
            for &start in &old_starts {
                for &n in &spans {
                    black_box(england.add_working_days(black_box(start), n));
                }
            }
        })
    });
    group.finish();
}

/// `Calendar::due` for 1,000 start instants: working days (time zone
/// conversion both ways) and hours.
fn due(c: &mut Criterion) {
    let calendars = Calendars::builtin();
    let scotland = calendars
        .get(&"scotland".parse::<CalendarId>().unwrap())
        .unwrap();
    let first: Timestamp = "2026-01-05T09:30:00Z".parse().unwrap();
    let starts: Vec<_> = (0..1_000i64)
        .map(|i| first.checked_add((i * 7919).minutes()).unwrap())
        .collect();
    let ten_days = Timescale::WorkingDays(WorkingDays::new(10).unwrap());
    let mut group = c.benchmark_group("due");
    group.throughput(Throughput::Elements(starts.len() as u64));
    group.bench_function("10 working days from 1000 instants", |b| {
        b.iter(|| {
            for &start in &starts {
                black_box(scotland.due(black_box(start), ten_days));
            }
        })
    });
    group.bench_function("72 hours from 1000 instants", |b| {
        b.iter(|| {
            for &start in &starts {
                black_box(scotland.due(black_box(start), Timescale::Hours(72)));
            }
        })
    });
    group.finish();
}

/// Building the four built-in calendars (done once per process).
fn build(c: &mut Criterion) {
    let source = include_str!("../data/england-and-wales.toml");
    c.bench_function(
        "Calendar::from_toml england-and-wales (1970-2200 index)",
        |b| b.iter(|| black_box(accord_calendar::Calendar::from_toml(black_box(source)).unwrap())),
    );
}

criterion_group!(benches, add_working_days, due, build);
criterion_main!(benches);
