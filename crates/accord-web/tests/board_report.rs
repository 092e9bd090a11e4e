//! The report to the board (issue 15 §3), over a small generated East
//! Riding partnership, so that many of its counts are 1 to 4:
//!
//! - **Suppression.** No cell of the issued report's page, PDF, CSV or
//!   JSON is a count of 1 to 4 (each says "fewer than 5"), and no child's
//!   name, date of birth, NHS number or local identifier, nor any free
//!   text of a case, is in any of them, although the history holds them.
//! - **Kept as issued.** Cases raised in the period afterwards change the
//!   figures, and not the issued report.
//! - **Who.** The partnership team and administrators prepare and issue;
//!   the chair reads; others of the partnership are refused, and another
//!   partnership's reports do not exist for them. Issuing is in the
//!   directory audit; bad input is named in the error summary.
//! - **Browser.** The pages in real Chromium pass axe-core, at desktop and
//!   phone widths, with screenshots for the README.

mod browser;
mod common;

use std::collections::BTreeSet;

use accord_calendar::Calendars;
use accord_demo::Demo;
use accord_web::AppState;
use browser::Browser;
use common::{Backend, Session, TestApp, page_as, post_form_as, sign_in};
use jiff::Timestamp;
use serde_json::Value;

/// The history's clock, and the year the reports cover.
const NOW: &str = "2026-11-30T12:00:00Z";
const FROM: &str = "2025-12-01";
const TO: &str = "2026-11-30";

/// The child whose details the first case of the history is given: none of
/// them may reach a report.
const CHILD_NAME: &str = "Zebedee Quillfeather";
const CHILD_BORN: &str = "2014-03-09";
const CHILD_NHS: &str = "9434765919";
const CHILD_LOCAL_ID: &str = "LCS-778812";

/// East Riding's history of `cases` disagreements (seed 2015), the first
/// naming [`CHILD_NAME`] with a date of birth, NHS number and local
/// identifier.
fn history(cases: usize) -> Demo {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let mut history = accord_demo::history(
        "east-riding-2018",
        cases,
        2015,
        NOW.parse().unwrap(),
        &calendars,
        &policies,
    )
    .expect("the history");
    let first = &mut history.cases[0].events[0];
    let mut raised = serde_json::to_value(&*first).unwrap();
    let subject = find_key(&mut raised, "subjects")
        .and_then(|s| s.get_mut(0))
        .expect("the raise names its subject");
    subject["name"] = CHILD_NAME.into();
    subject["date_of_birth"] = CHILD_BORN.into();
    subject["nhs_number"] = CHILD_NHS.into();
    subject["local_id"] = CHILD_LOCAL_ID.into();
    *first = serde_json::from_value(raised).expect("a raise with the child's details");
    history
}

fn find_key<'v>(value: &'v mut Value, key: &str) -> Option<&'v mut Value> {
    match value {
        Value::Object(map) => {
            if map.contains_key(key) {
                return map.get_mut(key);
            }
            map.values_mut().find_map(|v| find_key(v, key))
        }
        Value::Array(items) => items.iter_mut().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

/// Serves `history`'s first `seeded` cases on SQLite, at [`NOW`].
async fn serve(history: &Demo, seeded: usize) -> (TestApp, AppState) {
    serve_on(Backend::Sqlite, history, seeded).await
}

/// Serves `history`'s first `seeded` cases on `backend`, at [`NOW`].
async fn serve_on(backend: Backend, history: &Demo, seeded: usize) -> (TestApp, AppState) {
    let (state, dir) = match backend {
        Backend::Sqlite => {
            let (state, dir) = common::state().await;
            (state, Some(dir))
        }
        Backend::Postgres => (
            common::state_at(&common::postgres::fresh_database().await).await,
            None,
        ),
    };
    let now: Timestamp = NOW.parse().unwrap();
    let state = state.with_clock(move || now);
    let first = Demo {
        cases: history.cases[..seeded].to_vec(),
        ..history.clone()
    };
    state.store().seed((&first).into()).await.unwrap();
    let app = common::serve(state.clone(), dir).await;
    (app, state)
}

/// What must never be in a report: each child's name and details, and
/// every piece of free text written on a case.
fn secrets(history: &Demo) -> Vec<String> {
    let mut out: BTreeSet<String> = [
        CHILD_NAME,
        CHILD_BORN,
        "9 March 2014",
        "09/03/2014",
        CHILD_NHS,
        "943 476 5919",
        CHILD_LOCAL_ID,
    ]
    .map(str::to_owned)
    .into();
    fn texts(value: &Value, key: &str, out: &mut BTreeSet<String>) {
        match value {
            // Each child's name ("Child 12").
            Value::Object(map) if key == "subjects" => {
                out.extend(map.get("name").and_then(Value::as_str).map(str::to_owned));
            }
            Value::Object(map) => map.iter().for_each(|(k, v)| texts(v, k, out)),
            Value::Array(items) => items.iter().for_each(|v| texts(v, key, out)),
            // Whatever was typed: words with spaces, not ids or codes.
            Value::String(s) if s.contains(' ') && s.len() >= 30 => {
                out.insert(s.clone());
            }
            _ => {}
        }
    }
    for case in &history.cases {
        for event in &case.events {
            let body = serde_json::to_value(&event.body).unwrap();
            texts(&body, "", &mut out);
        }
    }
    // The names of agencies are in the events too, and a report names
    // agencies: they are not a child's details.
    for agency in &history.agencies {
        out.remove(&agency.name);
    }
    out.into_iter().collect()
}

/// The text of every page of `pdf`, runs of white space as one space.
fn pdf_text(pdf: &[u8]) -> String {
    let document = lopdf::Document::load_mem(pdf).expect("a PDF lopdf can read");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).expect("the PDF's text");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fails if `cell` is a count of 1 to 4. Working days are written with a
/// decimal point, so a whole number is a count.
fn no_small_count(what: &str, cell: &str) {
    if let Ok(n) = cell.trim().parse::<u32>() {
        assert!(n == 0 || n >= 5, "{what} shows a count of {n}");
    }
}

/// The cells of the report's tables and the counts its charts write.
fn html_cells(html: &str) -> Vec<String> {
    let mut cells = Vec::new();
    for open in [
        "<td class=\"govuk-table__cell govuk-table__cell--numeric\">",
        "<text class=\"accord-chart__value\"",
    ] {
        for piece in html.split(open).skip(1) {
            let start = if open.ends_with('>') {
                0
            } else {
                piece.find('>').map_or(0, |i| i + 1)
            };
            let end = piece.find("</").unwrap_or(piece.len());
            cells.push(piece[start..end].to_owned());
        }
    }
    cells
}

/// Every count in the report's JSON: the values of the keys that hold one.
fn json_counts(value: &Value, key: &str, out: &mut Vec<Value>) {
    const COUNTS: &[&str] = &[
        "count",
        "cases",
        "raised",
        "resolved",
        "withdrawn",
        "open_at_start",
        "open_at_end",
        "breaches",
        "agreed",
        "decided",
        "panel",
        "without_agreement",
        "started_above_first_stage",
        "recorded",
        "done",
        "open",
    ];
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| json_counts(v, k, out)),
        Value::Array(items) => items.iter().for_each(|v| json_counts(v, key, out)),
        v if COUNTS.contains(&key) => out.push(v.clone()),
        _ => {}
    }
}

/// Issues the report of [`FROM`] to [`TO`] as `session`, answering its
/// address.
async fn issue(app: &TestApp, session: &Session, narrative: &str) -> String {
    let response = post_form_as(
        app,
        session,
        "/reports",
        &[("from", FROM), ("to", TO), ("narrative", narrative)],
    )
    .await;
    assert_eq!(response.status(), 303, "the report is issued");
    let to = response.headers()["location"].to_str().unwrap().to_owned();
    to.split('?').next().unwrap().to_owned()
}

async fn get(app: &TestApp, session: &Session, path: &str) -> (u16, Vec<u8>) {
    let response = session
        .on(app.client.get(app.url(path)))
        .send()
        .await
        .expect("the server answers");
    (
        response.status().as_u16(),
        response.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_cell_of_a_small_partnerships_report_is_under_five_and_no_child_is_in_it() {
    let history = history(40);
    let (app, state) = serve(&history, 40).await;
    let team = sign_in(&app, "ery-partnership-team").await;

    // The figures as they are: the history has counts of 1 to 4, or this
    // test could not fail.
    let raw = common::get_as(
        &app,
        &team,
        &format!("/api/v1/partnerships/east-riding/insight?from={FROM}&to={TO}"),
    )
    .await
    .1;
    let small: Vec<(String, u64)> = raw["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["area"].as_str().unwrap().to_owned(),
                a["count"].as_u64().unwrap(),
            )
        })
        .filter(|(_, n)| (1..5).contains(n))
        .collect();
    assert!(!small.is_empty(), "some area has 1 to 4 cases: {raw}");

    let narrative = "The quarter's disagreements were resolved quickly.\n\nWe will repeat the \
                     threshold training in the spring.";
    let at = issue(&app, &team, narrative).await;
    assert_eq!(at, "/reports/1");

    let (status, html) = page_as(&app, &team, "/reports/1").await;
    assert_eq!(status, 200);
    assert!(html.contains("1 December 2025 to 30 November 2026"));
    assert!(html.contains("We will repeat the threshold training"));
    assert!(html.contains("fewer than 5"));
    let cells = html_cells(&html);
    assert!(cells.len() > 40, "{} cells", cells.len());
    for cell in &cells {
        no_small_count("the report's page", cell);
    }

    let (status, pdf) = get(&app, &team, "/reports/1/report.pdf").await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    let pdf = pdf_text(&pdf);
    assert!(pdf.contains("fewer than 5"), "{pdf}");
    assert!(
        pdf.contains("We will repeat the threshold training"),
        "{pdf}"
    );
    // The areas with 1 to 4 cases say so in the PDF, never their count.
    let policy = accord_policy::builtin(&Calendars::builtin())
        .into_iter()
        .find(|p| p.id.as_str() == "east-riding-2018")
        .unwrap();
    for (area, n) in &small {
        let label = policy
            .areas
            .iter()
            .find(|a| a.id.as_str() == area)
            .unwrap()
            .label
            .clone();
        let mut label_chars = label.chars();
        let first = label_chars
            .next()
            .unwrap()
            .to_uppercase()
            .collect::<String>();
        let label = format!("{first}{}", label_chars.as_str());
        assert!(
            !pdf.contains(&format!("{label} {n} ")),
            "the PDF shows {label} as {n}"
        );
        assert!(
            pdf.contains(&format!("{label} fewer than 5")),
            "{label} in {pdf}"
        );
    }

    let (status, csv) = get(
        &app,
        &team,
        "/api/v1/partnerships/east-riding/reports/1/report.csv",
    )
    .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut rows = 0;
    for row in reader.records() {
        let row = row.unwrap();
        no_small_count("the CSV", &row[3]);
        rows += 1;
    }
    assert!(rows > 40, "{rows} rows");
    assert!(csv.contains("fewer than 5"));

    let (status, json) =
        common::get_as(&app, &team, "/api/v1/partnerships/east-riding/reports/1").await;
    assert_eq!(status, 200);
    let mut counts = Vec::new();
    json_counts(&json["figures"], "", &mut counts);
    json_counts(&json["what_changed"], "", &mut counts);
    assert!(counts.len() > 40, "{} counts", counts.len());
    for count in &counts {
        match count {
            Value::Number(n) => no_small_count("the JSON", &n.to_string()),
            Value::String(s) => assert!(
                s == "fewer than 5" || s == "withheld",
                "a count in the JSON reads {s}"
            ),
            other => panic!("a count in the JSON is {other}"),
        }
    }
    assert!(counts.contains(&Value::from("fewer than 5")));

    // No child's details or free text of a case, anywhere.
    let secrets = secrets(&history);
    assert!(secrets.len() > 50, "{} secrets", secrets.len());
    assert!(
        secrets.iter().any(|s| s.starts_with("Child ")),
        "the children's names are looked for"
    );
    let json = json.to_string();
    for (what, text) in [
        ("page", &html),
        ("PDF", &pdf),
        ("CSV", &csv),
        ("JSON", &json),
    ] {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "the {what} holds {secret:?}"
            );
        }
    }
    // The child really is in the record: a search finds them.
    let (_, found) = common::get_as(
        &app,
        &team,
        &format!("/api/v1/cases?nhs_number={CHILD_NHS}"),
    )
    .await;
    assert!(found.to_string().contains("ERY-HIST-0001"), "{found}");
    drop(state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issued_report_is_kept_as_issued_when_cases_are_added() {
    kept_as_issued(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issued_report_is_kept_as_issued_when_cases_are_added_on_postgresql() {
    kept_as_issued(Backend::Postgres).await;
}

async fn kept_as_issued(backend: Backend) {
    let history = history(60);
    let (app, state) = serve_on(backend, &history, 40).await;
    let team = sign_in(&app, "ery-partnership-team").await;
    let insight = format!("/api/v1/partnerships/east-riding/insight?from={FROM}&to={TO}");
    let before = common::get_as(&app, &team, &insight).await.1;
    issue(&app, &team, "Our first report.").await;
    let report = "/api/v1/partnerships/east-riding/reports/1";
    let (_, issued) = common::get_as(&app, &team, report).await;
    let (_, page) = page_as(&app, &team, "/reports/1").await;
    let (_, csv) = get(&app, &team, &format!("{report}/report.csv")).await;

    // Twenty more cases, some raised in the period.
    let rest = Demo {
        cases: history.cases[40..].to_vec(),
        ..history.clone()
    };
    state.store().seed((&rest).into()).await.unwrap();
    let after = common::get_as(&app, &team, &insight).await.1;
    assert_ne!(
        before["counts"]["raised"], after["counts"]["raised"],
        "the figures changed"
    );

    assert_eq!(common::get_as(&app, &team, report).await.1, issued);
    // The clock is fixed, so even the line saying when it was printed is
    // the same.
    assert_eq!(page_as(&app, &team, "/reports/1").await.1, page);
    assert_eq!(
        get(&app, &team, &format!("{report}/report.csv")).await.1,
        csv
    );
    // A new report of the same days counts the new cases.
    issue(&app, &team, "Our second report.").await;
    let (_, second) =
        common::get_as(&app, &team, "/api/v1/partnerships/east-riding/reports/2").await;
    assert_ne!(second["figures"], issued["figures"]);
    let (_, list) = page_as(&app, &team, "/reports").await;
    assert!(list.contains("Report 1") && list.contains("Report 2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_and_administrators_issue_reports_and_the_chair_reads_them() {
    let history = history(30);
    let (app, state) = serve(&history, 30).await;
    let team = sign_in(&app, "ery-partnership-team").await;
    let admin = sign_in(&app, "ery-admin").await;
    let chair = sign_in(&app, "ery-chair").await;
    let practitioner = sign_in(&app, "ery-csc-practitioner").await;

    // Mistakes are named in the error summary, and nothing is issued.
    let response = post_form_as(
        &app,
        &team,
        "/reports",
        &[("from", FROM), ("to", TO), ("narrative", "  ")],
    )
    .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("govuk-error-summary"));
    assert!(html.contains("href=\"#narrative\">Enter your narrative for the board"));
    let response = post_form_as(
        &app,
        &team,
        "/reports",
        &[("from", "2026-02-31"), ("to", TO), ("narrative", "Fine.")],
    )
    .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("href=\"#from\">Enter the first day of the period as a real date"));
    let (_, html) = page_as(&app, &team, "/reports/new?from=2026-04-01&to=2026-03-31").await;
    assert!(html.contains("The last day must be the same as or after the first day"));
    assert!(
        state
            .store()
            .board_reports("east-riding")
            .await
            .unwrap()
            .is_empty()
    );

    // Who may prepare and issue.
    for (who, session, may) in [
        ("the team", &team, true),
        ("an administrator", &admin, true),
        ("the chair", &chair, false),
        ("a practitioner", &practitioner, false),
    ] {
        let (status, _) = page_as(&app, session, "/reports/new").await;
        assert_eq!(status == 200, may, "{who} preparing: {status}");
        let response = post_form_as(
            &app,
            session,
            "/reports",
            &[("from", FROM), ("to", TO), ("narrative", "Issued.")],
        )
        .await;
        assert_eq!(
            response.status() == 303,
            may,
            "{who} issuing: {}",
            response.status()
        );
        if !may {
            assert_eq!(response.status(), 403, "{who}");
        }
    }
    let issued = state.store().board_reports("east-riding").await.unwrap();
    assert_eq!(issued.len(), 2);
    assert_eq!(issued[1].issued_by, "ery-partnership-team");
    assert_eq!(issued[0].issued_by, "ery-admin");
    // Issuing is in the directory audit, in words.
    let (_, audit) = page_as(&app, &admin, "/admin/audit").await;
    assert!(audit.contains("Issued a report to the board"), "{audit}");

    // Who may read.
    for (who, session, may) in [
        ("the team", &team, true),
        ("an administrator", &admin, true),
        ("the chair", &chair, true),
        ("a practitioner", &practitioner, false),
    ] {
        for path in [
            "/reports",
            "/reports/1",
            "/reports/1/report.pdf",
            "/api/v1/partnerships/east-riding/reports/1",
            "/api/v1/partnerships/east-riding/reports/1/report.csv",
        ] {
            let (status, _) = get(&app, session, path).await;
            assert_eq!(status, if may { 200 } else { 403 }, "{who}: {path}");
        }
    }
    // A report that was not issued, and another partnership's, are not
    // there.
    for path in [
        "/reports/3",
        "/reports/x",
        "/api/v1/partnerships/east-riding/reports/3",
        "/api/v1/partnerships/havering/reports/1",
    ] {
        assert_eq!(get(&app, &team, path).await.0, 404, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_pages_pass_axe_in_chromium_on_a_desk_and_a_phone() {
    let history = history(120);
    let (app, _state) = serve(&history, 120).await;
    let mut b = Browser::start("board-report", &app.address).await;
    b.sign_in("ery-partnership-team").await;
    b.open("/insight").await;
    b.follow("Reports to the board").await;
    assert_eq!(b.text("h1").await, "Reports to the board");
    b.axe("no report issued yet").await;
    b.follow("Prepare a report").await;
    assert_eq!(b.text("h1").await, "Prepare a report to the board");
    b.follow("April 2025 to March 2026").await;
    assert!(
        b.text("main")
            .await
            .contains("The report: 1 April 2025 to 31 March 2026")
    );
    assert!(b.present("svg[role=img]").await);
    b.axe("a report prepared").await;
    b.screenshot("prepared").await;
    // Issued with no narrative: the error summary says what to fix.
    b.click_and_wait("form[action='/reports'] button[type=submit]")
        .await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("Enter your narrative for the board")
    );
    assert!(b.present(".govuk-form-group--error #narrative").await);
    b.axe("a report with no narrative").await;
    b.fill(
        "narrative",
        "Disagreements fell this year, and most were agreed at Stage 1.\n\nThe \
         partnership will refresh its threshold training in the spring.",
    )
    .await;
    b.click_and_wait("form[action='/reports'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/reports/1?done=issued");
    assert!(
        b.text(".govuk-notification-banner")
            .await
            .contains("Report 1 is issued")
    );
    assert!(
        b.text("main")
            .await
            .contains("refresh its threshold training")
    );
    b.axe("an issued report").await;
    b.screenshot("issued").await;
    b.docs_shot("board-report").await;
    b.at_phone_width("issued-phone").await;
    b.follow("Reports to the board").await;
    assert!(b.text("main").await.contains("Report 1"));
    b.axe("the reports issued").await;
    b.sign_out().await;

    // The chair reads it; they cannot prepare one.
    b.sign_in("ery-chair").await;
    b.open("/reports").await;
    assert!(!b.present("a[href='/reports/new']").await);
    b.follow("Report 1").await;
    assert!(
        b.text("main")
            .await
            .contains("refresh its threshold training")
    );
    b.axe("an issued report, for the chair").await;
    b.close().await;

    // Without JavaScript the preview's charts are drawn by the server and
    // the period is chosen by a link or a plain form.
    let b =
        Browser::start_without_javascript("board-report-without-javascript", &app.address).await;
    b.sign_in("ery-partnership-team").await;
    b.open("/reports/new").await;
    b.follow("April 2025 to March 2026").await;
    assert!(b.present("svg[role=img] rect").await);
    b.close().await;
}
