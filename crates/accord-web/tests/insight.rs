//! Insight's figures checked by hand (issue 15, "How we will know it
//! works"): a generated partnership with a known history — a seeded random
//! generator, 300 East Riding disagreements over two years, each walked by
//! the case engine's own commands and appended by the real store — gives
//! figures that this test computes again on its own from every event of
//! every case, and compares one by one: the counts, the stages, the
//! medians and 90th percentiles in working days, the breaches, the matrix
//! of who disagrees with whom, the areas, the outcomes, immediate risk,
//! learning and the months. On SQLite and on PostgreSQL.
//!
//! The test's own arithmetic is written apart from `accord-insight`'s: it
//! walks whole streams (not the store's reduced read), counts working days
//! with the calendar's deadline arithmetic (`add_working_days`), and sorts
//! and interpolates its own percentiles.

mod common;

use std::collections::BTreeMap;

use accord_calendar::{Calendar, Calendars, WorkingDays};
use accord_case::{Amendment, Event, EventBody};
use accord_insight::{Filter, Insight, Period, Question};
use accord_web::AppState;
use common::Backend;
use jiff::{Timestamp, civil::Date};

/// When the history ends: every event is before it.
const NOW: &str = "2026-11-30T12:00:00Z";
/// The partnership the history is made for.
const PARTNERSHIP: &str = "east-riding";

/// A fresh store of `backend` holding the generated history, and every
/// case's whole stream as the store gives it back.
async fn history_on(backend: Backend) -> (AppState, Vec<Vec<Event>>, Option<tempfile::TempDir>) {
    let (state, dir) = common::east_riding_history(backend, 300, NOW.parse().unwrap()).await;
    let mut streams = Vec::new();
    for entry in state.store().all_cases().await.unwrap() {
        streams.push(state.store().load(&entry.case).await.unwrap());
    }
    assert_eq!(streams.len(), 300);
    (state, streams, dir)
}

fn calendar() -> Calendar {
    let calendars = Calendars::builtin();
    calendars
        .get(&"england-and-wales".parse().unwrap())
        .unwrap()
        .clone()
}

/// The figures as Accord computes them: the facts the store keeps of each
/// case of the partnership, then `accord-insight`.
async fn accord_figures(state: &AppState, question: &Question) -> Insight {
    let facts = state.store().facts_of(PARTNERSHIP).await.unwrap();
    accord_insight::insight(&facts, &calendar(), question)
}

/// Working days from `a` to `b` by the deadline arithmetic: how many
/// deadlines of k working days, counted from `a`'s day, end on or before
/// `b`'s day.
fn working_days(calendar: &Calendar, a: Timestamp, b: Timestamp) -> u32 {
    let zone = calendar.time_zone().clone();
    let (from, to) = (
        a.to_zoned_datetime(zone.clone()).date(),
        b.to_zoned_datetime(zone).date(),
    );
    let mut k = 0;
    while calendar.add_working_days(from, WorkingDays::new(k + 1).unwrap()) <= to {
        k += 1;
    }
    k
}

/// PERCENTILE.INC, by hand.
fn percentile_inc(values: &[u32], p: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().map(|x| f64::from(*x)).collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return None;
    }
    let h = (v.len() - 1) as f64 * p;
    let i = h.floor() as usize;
    let j = (i + 1).min(v.len() - 1);
    Some(v[i] + (h - i as f64) * (v[j] - v[i]))
}

fn close(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what}: {a} ≠ {b}"),
        (a, b) => assert_eq!(a, b, "{what}"),
    }
}

/// The figures for `question`, computed from whole streams by hand.
#[derive(Debug, Default)]
struct ByHand {
    raised: u32,
    resolved: u32,
    withdrawn: u32,
    open_at_start: u32,
    open_at_end: u32,
    stage_reached: BTreeMap<u8, u32>,
    resolved_at_stage: BTreeMap<u8, u32>,
    resolution_days: Vec<u32>,
    stage_days: BTreeMap<u8, Vec<u32>>,
    breaches_by_stage: BTreeMap<u8, u32>,
    breaches_by_agency: BTreeMap<String, u32>,
    matrix: BTreeMap<(String, String), u32>,
    areas: BTreeMap<String, u32>,
    routes: BTreeMap<String, u32>,
    immediate_risk: u32,
    started_higher: u32,
    themes: BTreeMap<String, u32>,
    raised_by_month: BTreeMap<String, u32>,
}

fn by_hand(streams: &[Vec<Event>], question: &Question, calendar: &Calendar) -> ByHand {
    let zone = calendar.time_zone().clone();
    let day = |t: Timestamp| t.to_zoned_datetime(zone.clone()).date();
    let p = question.period;
    let inside = |t: Timestamp| (p.from..=p.to).contains(&day(t));
    let before_start = |t: Timestamp| day(t) < p.from;
    let by_end = |t: Timestamp| day(t) <= p.to;
    let mut h = ByHand::default();
    for events in streams {
        let EventBody::Raised(raise) = &events[0].body else {
            panic!("a stream starts with its raise")
        };
        let raiser = events[0].actor.agency.as_str().to_owned();
        let other = raise.other_agency.as_str().to_owned();
        let f = &question.filter;
        if f.agency
            .as_ref()
            .is_some_and(|a| a.as_str() != raiser && a.as_str() != other)
            || f.area.as_ref().is_some_and(|a| a != &raise.area)
            || f.track.as_ref().is_some_and(|t| t != &raise.track)
        {
            continue;
        }
        let raised_at = events[0].at;
        // Walk the stream once, keeping the state as of the period's start
        // and end, the stage's entry, and the last outcome in the period.
        let mut highest_by_end = raise.stage.get();
        let mut stage_entered = Some((raise.stage.get(), raised_at));
        let mut last_resolution = None;
        let mut withdrew = false;
        let mut at_risk = raise.subjects.iter().any(|s| s.immediate_risk);
        for e in events {
            let end_stage = |entered: &mut Option<(u8, Timestamp)>, h: &mut ByHand| {
                if let Some((stage, since)) = entered.take()
                    && inside(e.at)
                {
                    h.stage_days
                        .entry(stage)
                        .or_default()
                        .push(working_days(calendar, since, e.at));
                }
            };
            match &e.body {
                EventBody::Escalated { to, .. } => {
                    end_stage(&mut stage_entered, &mut h);
                    stage_entered = Some((to.get(), e.at));
                    if by_end(e.at) {
                        highest_by_end = highest_by_end.max(to.get());
                    }
                }
                EventBody::EscalationDecided { .. } => end_stage(&mut stage_entered, &mut h),
                EventBody::Resolved { stage, route, .. } => {
                    end_stage(&mut stage_entered, &mut h);
                    if inside(e.at) {
                        last_resolution = Some((stage.get(), *route, e.at));
                    }
                }
                EventBody::Withdrawn { .. } => {
                    end_stage(&mut stage_entered, &mut h);
                    withdrew |= inside(e.at);
                }
                EventBody::Closed { .. } => {
                    end_stage(&mut stage_entered, &mut h);
                }
                EventBody::Reopened { stage, .. } => {
                    stage_entered = Some((stage.get(), e.at));
                }
                EventBody::BreachRecorded { stage, .. } if inside(e.at) => {
                    *h.breaches_by_stage.entry(stage.get()).or_default() += 1;
                    *h.breaches_by_agency.entry(raiser.clone()).or_default() += 1;
                    *h.breaches_by_agency.entry(other.clone()).or_default() += 1;
                }
                EventBody::LearningRecorded { theme, .. } if inside(e.at) => {
                    *h.themes.entry(theme.as_str().to_owned()).or_default() += 1;
                }
                EventBody::Corrected {
                    corrects,
                    amendment: Amendment::Subjects { subjects },
                    ..
                } if corrects.get() == 1 => {
                    at_risk = subjects.iter().any(|s| s.immediate_risk);
                }
                _ => {}
            }
        }
        // Open at an instant: raised before it, and the last ending or
        // reopening before it, if any, a reopening.
        let open_while = |before: &dyn Fn(Timestamp) -> bool| {
            let mut open = before(raised_at);
            for e in events.iter().filter(|e| before(e.at)) {
                match e.body {
                    EventBody::Resolved { .. }
                    | EventBody::Withdrawn { .. }
                    | EventBody::Closed { .. } => open = false,
                    EventBody::Reopened { .. } => open = true,
                    _ => {}
                }
            }
            open
        };
        h.open_at_start += u32::from(open_while(&before_start));
        h.open_at_end += u32::from(open_while(&by_end));
        if inside(raised_at) {
            h.raised += 1;
            *h.stage_reached.entry(highest_by_end).or_default() += 1;
            *h.matrix.entry((raiser.clone(), other.clone())).or_default() += 1;
            *h.areas.entry(raise.area.as_str().to_owned()).or_default() += 1;
            if at_risk {
                h.immediate_risk += 1;
                h.started_higher += u32::from(raise.later_start_reason.is_some());
            }
            let d = day(raised_at);
            *h.raised_by_month
                .entry(format!("{:04}-{:02}", d.year(), d.month()))
                .or_default() += 1;
        }
        if let Some((stage, route, at)) = last_resolution {
            h.resolved += 1;
            *h.resolved_at_stage.entry(stage).or_default() += 1;
            h.resolution_days
                .push(working_days(calendar, raised_at, at));
            let route = serde_json::to_value(route).unwrap();
            *h.routes
                .entry(route.as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        h.withdrawn += u32::from(withdrew);
    }
    h
}

/// Compares every figure of `a` (Accord's) with `h` (by hand).
fn compare(a: &Insight, h: &ByHand) {
    assert_eq!(a.counts.raised, h.raised, "raised");
    assert_eq!(a.counts.resolved, h.resolved, "resolved");
    assert_eq!(a.counts.withdrawn, h.withdrawn, "withdrawn");
    assert_eq!(a.counts.open_at_start, h.open_at_start, "open at the start");
    assert_eq!(a.counts.open_at_end, h.open_at_end, "open at the end");
    let stages = |v: &[accord_insight::StageCount]| -> BTreeMap<u8, u32> {
        v.iter().map(|s| (s.stage.get(), s.count)).collect()
    };
    assert_eq!(stages(&a.stage_reached), h.stage_reached, "stage reached");
    assert_eq!(
        stages(&a.resolved_at_stage),
        h.resolved_at_stage,
        "stage resolved at"
    );
    assert_eq!(a.time_to_resolution.cases as usize, h.resolution_days.len());
    close(
        a.time_to_resolution.median,
        percentile_inc(&h.resolution_days, 0.5),
        "median time to resolution",
    );
    close(
        a.time_to_resolution.p90,
        percentile_inc(&h.resolution_days, 0.9),
        "90th percentile time to resolution",
    );
    let at_stage: BTreeMap<u8, _> = a
        .time_at_stage
        .iter()
        .map(|s| (s.stage.get(), s.time))
        .collect();
    assert_eq!(
        at_stage.keys().collect::<Vec<_>>(),
        h.stage_days.keys().collect::<Vec<_>>(),
        "stages timed"
    );
    for (stage, days) in &h.stage_days {
        let t = at_stage[stage];
        assert_eq!(t.cases as usize, days.len(), "stays at stage {stage}");
        close(
            t.median,
            percentile_inc(days, 0.5),
            &format!("median at stage {stage}"),
        );
        close(
            t.p90,
            percentile_inc(days, 0.9),
            &format!("p90 at stage {stage}"),
        );
    }
    assert_eq!(
        stages(&a.breaches_by_stage),
        h.breaches_by_stage,
        "breaches by stage"
    );
    let by_agency: BTreeMap<String, u32> = a
        .breaches_by_agency
        .iter()
        .map(|c| (c.agency.as_str().to_owned(), c.count))
        .collect();
    assert_eq!(by_agency, h.breaches_by_agency, "breaches by agency");
    let matrix: BTreeMap<(String, String), u32> = a
        .matrix
        .iter()
        .map(|p| {
            (
                (p.raising.as_str().to_owned(), p.other.as_str().to_owned()),
                p.count,
            )
        })
        .collect();
    assert_eq!(matrix, h.matrix, "who disagrees with whom");
    let areas: BTreeMap<String, u32> = a
        .areas
        .iter()
        .map(|c| (c.area.as_str().to_owned(), c.count))
        .collect();
    assert_eq!(areas, h.areas, "areas");
    let route = |r: &str| h.routes.get(r).copied().unwrap_or(0);
    assert_eq!(a.outcomes.agreed, route("agreement"), "agreed");
    assert_eq!(a.outcomes.decided, route("decision"), "decided");
    assert_eq!(a.outcomes.panel, route("panel"), "by panel");
    assert_eq!(a.outcomes.without_agreement, route("without-agreement"));
    assert_eq!(a.outcomes.withdrawn, h.withdrawn, "withdrawn outcomes");
    assert_eq!(a.immediate_risk.raised, h.immediate_risk, "immediate risk");
    assert_eq!(a.immediate_risk.started_above_first_stage, h.started_higher);
    let themes: BTreeMap<String, u32> = a
        .learning_themes
        .iter()
        .map(|c| (c.theme.as_str().to_owned(), c.count))
        .collect();
    assert_eq!(themes, h.themes, "learning themes");
    let months: BTreeMap<String, u32> = a
        .months
        .iter()
        .filter(|m| m.counts.raised > 0)
        .map(|m| (m.label.clone(), m.counts.raised))
        .collect();
    assert_eq!(months, h.raised_by_month, "raised by month");
    let quarters: u32 = a.quarters.iter().map(|q| q.counts.raised).sum();
    assert_eq!(quarters, h.raised, "the quarters add up");
}

/// Whether two JSON values are the same, numbers to within parsing's
/// last digit.
fn same_json(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() < 1e-9, "{at}: {x} ≠ {y}");
        }
        (V::Array(x), V::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                same_json(x, y, &format!("{at}[{i}]"));
            }
        }
        (V::Object(x), V::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (k, v) in x {
                same_json(v, &y[k], &format!("{at}.{k}"));
            }
        }
        (x, y) => assert_eq!(x, y, "{at}"),
    }
}

fn period(from: &str, to: &str) -> Period {
    Period::new(from.parse::<Date>().unwrap(), to.parse().unwrap()).unwrap()
}

async fn figures_checked_by_hand(backend: Backend) {
    let (state, streams, dir) = history_on(backend).await;
    let calendar = calendar();
    let whole = Question {
        period: period("2024-11-01", "2026-11-30"),
        filter: Filter::default(),
    };
    let a = accord_figures(&state, &whole).await;
    let h = by_hand(&streams, &whole, &calendar);
    compare(&a, &h);
    // The history is rich enough for every figure to be tested: nothing
    // here may pass by counting nothing.
    assert_eq!(h.raised, 300);
    assert!(
        h.resolved > 100 && h.withdrawn > 20 && h.open_at_end > 20,
        "{h:?}"
    );
    assert!(h.resolution_days.iter().any(|d| *d > 5));
    let p90 = a.time_to_resolution.p90.unwrap();
    assert!(p90 > a.time_to_resolution.median.unwrap());
    assert!(h.stage_days.len() >= 4 && h.breaches_by_stage.values().sum::<u32>() > 20);
    assert!(h.matrix.len() >= 4 && h.areas.len() >= 3 && h.themes.len() >= 2);
    assert!(h.immediate_risk > 5);
    assert!(h.routes.len() >= 2);
    assert_eq!(a.months.len(), 25);
    assert_eq!(a.quarters.len(), 9);

    // A quarter, whose cases began before it and go on after it.
    let quarter = Question {
        period: period("2025-07-01", "2025-09-30"),
        filter: Filter::default(),
    };
    let h = by_hand(&streams, &quarter, &calendar);
    assert!(h.open_at_start > 0 && h.raised > 10);
    compare(&accord_figures(&state, &quarter).await, &h);

    // One agency's cases, and one area's, over a year.
    let agency = a.matrix[0].raising.clone();
    for filter in [
        Filter {
            agency: Some(agency),
            ..Filter::default()
        },
        Filter {
            area: Some(a.areas[0].area.clone()),
            ..Filter::default()
        },
        Filter {
            track: Some("professional".parse().unwrap()),
            ..Filter::default()
        },
    ] {
        let question = Question {
            period: period("2025-04-01", "2026-03-31"),
            filter,
        };
        let h = by_hand(&streams, &question, &calendar);
        assert!(h.raised > 0);
        compare(&accord_figures(&state, &question).await, &h);
    }

    // The API answers with the same figures, as JSON and as CSV.
    let app = common::serve(state.clone(), dir).await;
    let team = common::sign_in(&app, "ery-partnership-team").await;
    let path = "/api/v1/partnerships/east-riding/insight?from=2024-11-01&to=2026-11-30";
    let (status, json) = common::get_as(&app, &team, path).await;
    assert_eq!(status, 200, "{json}");
    same_json(&json, &serde_json::to_value(&a).unwrap(), "");
    let csv = team
        .on(app
            .client
            .get(app.url(&path.replace("/insight?", "/insight.csv?"))))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "figure,of,by,value");
    assert_eq!(lines[1], "Raised,,,300");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("\"Raised by, about\","))
            .count(),
        a.matrix.len()
    );
    let median = format!(
        "Time to resolution,,median working days,{:.1}",
        a.time_to_resolution.median.unwrap()
    );
    assert!(lines.contains(&median.as_str()), "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_checked_by_hand_on_sqlite() {
    figures_checked_by_hand(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_checked_by_hand_on_postgres() {
    figures_checked_by_hand(Backend::Postgres).await;
}

/// Who may ask for a partnership's insight: its team, chair and
/// administrators, of their own partnership; a 403 for anyone else of it,
/// a 404 for another partnership, and a 400 naming a parameter that cannot
/// be read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insight_is_for_the_partnership_team_chair_and_administrators() {
    let (app, _state) = common::spawn_app_with_demo().await;
    let path = "/api/v1/partnerships/havering/insight";
    for (who, status) in [
        ("hav-partnership-team", 200),
        ("hav-chair", 200),
        ("hav-admin", 200),
        ("hav-csc-practitioner", 403),
        ("hav-police-manager", 403),
        ("hav-csc-head-of-service", 403),
        ("hav-iro", 403),
    ] {
        let session = common::sign_in(&app, who).await;
        let (got, body) = common::get_as(&app, &session, path).await;
        assert_eq!(got, status, "{who}: {body}");
        if status == 200 {
            // The demo's cases, over the year to today.
            assert!(body["counts"]["raised"].as_u64().unwrap() > 0, "{body}");
            assert_eq!(body["months"].as_array().unwrap().len(), 13);
        }
    }
    let team = common::sign_in(&app, "hav-partnership-team").await;
    let (got, _) = common::get_as(&app, &team, "/api/v1/partnerships/plymouth/insight").await;
    assert_eq!(got, 404);
    for (query, field) in [
        ("from=2025-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2025-04-01&to=2025-03-31", "to"),
        ("from=2000-01-01&to=2025-01-01", "to"),
        ("agency=ply-police", "agency"),
        ("area=no-such-area", "area"),
        ("track=no-such-track", "track"),
    ] {
        let (got, body) = common::get_as(&app, &team, &format!("{path}?{query}")).await;
        assert_eq!(got, 400, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}");
        // The page names the mistake in its error summary, linked to the
        // field, above the figures of the last year.
        let (got, html) = common::page_as(&app, &team, &format!("/insight?{query}")).await;
        assert_eq!(got, 200, "{query}");
        assert!(html.contains("There is a problem"), "{query}");
        assert!(html.contains(&format!("href=\"#{field}\"")), "{query}");
        assert!(html.contains("<title>Error: "), "{query}");
    }
    let (_, html) = common::page_as(&app, &team, "/insight?from=2025-04-01&to=2025-03-31").await;
    assert!(html.contains("The last day must be the same as or after the first day"));
}

/// The figures' definitions are in the OpenAPI document, as the
/// definitions a Business Manager takes to the board.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_figure_is_defined_in_the_openapi_document() {
    let app = common::spawn_app().await;
    let doc = app.get_json("/api/openapi.json", 200).await;
    let schemas = &doc["components"]["schemas"];
    let described = |schema: &str, field: &str| -> String {
        schemas[schema]["properties"][field]["description"]
            .as_str()
            .unwrap_or_else(|| panic!("{schema}.{field} has no definition: {}", schemas[schema]))
            .to_owned()
    };
    assert!(
        described("Counts", "open_at_start").contains("neither resolved, withdrawn nor closed")
    );
    assert!(described("Insight", "stage_reached").contains("highest stage"));
    assert!(described("Insight", "breaches_by_agency").contains("twice the breaches"));
    assert!(described("Insight", "matrix").contains("raised"));
    assert!(
        schemas["Spread"]["description"]
            .as_str()
            .unwrap()
            .contains("PERCENTILE.INC")
    );
    assert!(described("Outcomes", "panel").contains("Resolution Panel"));
    assert!(doc["paths"]["/api/v1/partnerships/{id}/insight"]["get"].is_object());
    assert!(
        doc["paths"]["/api/v1/partnerships/{id}/insight.csv"]["get"]["responses"]["200"]["content"]
            ["text/csv"]
            .is_object()
    );
}
