//! The insight page in real Chromium (issue 15 §1), and again with
//! JavaScript off: a
//! generated East Riding history of two years, its figures drawn as SVG
//! charts with their tables beside them, filtered by area, for the
//! partnership team and an administrator; axe-core on every state, and a
//! screenshot of each in `target/browser-screenshots/`. Someone else of
//! the partnership is refused, and has no link to it. The learning log
//! (issue 15 §2) is reached from it and checked the same way.

mod browser;
mod common;

use accord_calendar::Calendars;
use browser::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_insight_page_draws_each_figure_as_a_chart_beside_its_table() {
    let (state, dir) = common::state().await;
    let calendars = Calendars::builtin();
    let history = accord_demo::history(
        "east-riding-2018",
        200,
        2015,
        "2026-11-30T12:00:00Z".parse().unwrap(),
        &calendars,
        &accord_policy::builtin(&calendars),
    )
    .expect("the history");
    state.store().seed((&history).into()).await.unwrap();
    let app = common::serve(state.clone(), Some(dir)).await;
    let mut b = Browser::start("insight", &app.address).await;

    b.sign_in("ery-partnership-team").await;
    b.open("/my-work").await;
    b.follow("Insight").await;
    assert_eq!(b.text("h1").await, "Insight");
    b.open("/insight?from=2025-12-01&to=2026-11-30").await;
    let main = b.text("main").await;
    assert!(
        main.contains("1 December 2025 to 30 November 2026"),
        "{main}"
    );
    // Every chart is an image with its own title and description, and its
    // figures are in the table beside it.
    let charts = b
        .client
        .find_all(fantoccini::Locator::Css("svg[role=img]"))
        .await
        .unwrap();
    assert!(charts.len() >= 9, "{} charts", charts.len());
    for chart in &charts {
        let labelled = chart.attr("aria-labelledby").await.unwrap().unwrap();
        assert_eq!(labelled.split(' ').count(), 2, "a title and a description");
    }
    let raised = b.text(".accord-insight-counts").await;
    // The same figure as accord-insight gives from the store.
    let facts: Vec<_> = state
        .store()
        .histories_of("east-riding", accord_insight::EVENTS_COUNTED)
        .await
        .unwrap()
        .iter()
        .map(|h| accord_insight::CaseFacts::from_events(h).unwrap())
        .collect();
    let question = accord_insight::Question {
        period: accord_insight::Period::new(
            "2025-12-01".parse().unwrap(),
            "2026-11-30".parse().unwrap(),
        )
        .unwrap(),
        filter: accord_insight::Filter::default(),
    };
    let figures = accord_insight::insight(
        &facts,
        calendars
            .get(&"england-and-wales".parse().unwrap())
            .unwrap(),
        &question,
    );
    assert!(figures.counts.raised > 0);
    assert!(
        raised.contains(&format!("Raised {}", figures.counts.raised))
            || raised.contains(&format!("Raised\n{}", figures.counts.raised)),
        "{raised}"
    );
    assert!(main.contains("Who disagrees with whom"));
    assert!(
        main.contains("Training needs") || main.contains("training needs"),
        "{main}"
    );
    b.axe("the insight page").await;
    b.screenshot("insight").await;
    b.docs_shot("insight").await;
    b.at_phone_width("insight-phone").await;

    // Each figure leads to the cases behind it.
    b.click(".accord-insight-counts a").await;
    b.wait_for(|p| p.starts_with("/insight/cases")).await;
    assert_eq!(
        b.text("main h2").await,
        format!("{} disagreements", figures.counts.raised)
    );
    assert!(b.text("main").await.contains("ERY-HIST-"));
    b.axe("the cases behind a figure").await;
    b.screenshot("insight-cases").await;
    b.at_phone_width("insight-cases-phone").await;
    b.follow("Back to insight").await;
    // A cell of who disagrees with whom.
    let pair = &figures.matrix[0];
    b.click(&format!(
        "a[href*=\"figure=pair&of={}&by={}\"]",
        pair.raising, pair.other
    ))
    .await;
    b.wait_for(|p| p.starts_with("/insight/cases")).await;
    let heading = b.text("main h2").await;
    assert!(heading.starts_with(&pair.count.to_string()), "{heading}");
    // A month's count of the disagreements raised in it.
    b.open("/insight?from=2025-12-01&to=2026-11-30").await;
    let january = figures
        .months
        .iter()
        .find(|m| m.label == "2026-01")
        .expect("January 2026 is in the period");
    assert!(january.counts.raised > 0);
    b.click("a[href*=\"from=2026-01-01&to=2026-01-31\"][href$=\"figure=raised\"]")
        .await;
    b.wait_for(|p| p.starts_with("/insight/cases")).await;
    let heading = b.text("main h2").await;
    assert!(
        heading.starts_with(&january.counts.raised.to_string()),
        "{heading}"
    );
    b.open("/insight?from=2025-12-01&to=2026-11-30").await;

    // Filtered to one area: fewer raised.
    b.find("#area")
        .await
        .select_by_value("communication")
        .await
        .unwrap();
    b.submit().await;
    assert!(b.path().await.contains("area=communication"));
    let filtered = b.text(".accord-insight-counts").await;
    assert_ne!(filtered, raised);
    b.axe("the insight page, filtered").await;
    b.screenshot("insight-filtered").await;

    // A period that ends before it starts is named in the error summary.
    b.open("/insight?from=2025-04-01&to=2025-03-31").await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("The last day must be")
    );
    b.axe("the insight page with a mistake").await;
    b.screenshot("insight-mistake").await;

    // The period is typed in GOV.UK date boxes, as everywhere in Accord: a
    // quarter, then a day that is not a date, kept as typed to put right.
    for (id, value) in [
        ("from", "1"),
        ("from-month", "4"),
        ("from-year", "2026"),
        ("to", "30"),
        ("to-month", "6"),
        ("to-year", "2026"),
    ] {
        b.fill(id, value).await;
    }
    b.submit().await;
    assert_eq!(b.text("main h2").await, "1 April 2026 to 30 June 2026");
    b.fill("from", "31").await;
    b.fill("from-month", "2").await;
    b.submit().await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("Enter the first day of the period as a real date")
    );
    assert_eq!(
        b.find("#from")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("31")
    );
    assert!(b.present(".govuk-form-group--error #from").await);
    b.axe("the insight page with a day that is not a date")
        .await;

    // Issue 15 §2: the learning log, from the insight page, by theme and
    // by group, with the follow-ups agreed and where each stands.
    b.open("/insight").await;
    b.follow("The learning log: what was learned, and the follow-ups agreed")
        .await;
    assert_eq!(b.text("h1").await, "Learning log");
    let log = b.text("main").await;
    assert!(log.contains("Identification of training needs"), "{log}");
    assert!(b.present(".govuk-tag--green").await, "a follow-up done");
    assert!(b.present(".govuk-tag--red").await, "a follow-up overdue");
    b.axe("the learning log").await;
    b.screenshot("learning-log").await;
    b.docs_shot("learning-log").await;
    b.at_phone_width("learning-log-phone").await;
    b.click("#by-group").await;
    b.find("#show")
        .await
        .select_by_value("overdue")
        .await
        .unwrap();
    b.submit().await;
    assert!(b.path().await.contains("by=group"));
    let overdue = b.text("main").await;
    assert!(overdue.contains("The ERSCP Service Manager"), "{overdue}");
    assert!(b.present(".govuk-tag--red").await);
    assert!(!b.present(".govuk-tag--green").await, "overdue only");
    b.axe("the learning log by group, overdue only").await;
    b.screenshot("learning-log-by-group").await;
    b.sign_out().await;

    // An administrator sees the figures too.
    b.sign_in("ery-admin").await;
    b.open("/insight").await;
    assert_eq!(b.text("h1").await, "Insight");
    assert!(
        b.client
            .find_all(fantoccini::Locator::Css("a[href^=\"/insight/cases\"]"))
            .await
            .unwrap()
            .is_empty(),
        "an administrator opens no case"
    );
    b.axe("the insight page, for an administrator").await;
    b.open("/insight/cases?figure=raised").await;
    assert!(
        b.text("main")
            .await
            .contains("see the partnership's figures but not its cases")
    );
    assert!(!b.text("main").await.contains("ERY-HIST-"));
    b.sign_out().await;

    // A practitioner has no link to it, and is refused it.
    b.sign_in("ery-csc-practitioner").await;
    assert!(!b.text("header").await.contains("Insight"));
    b.open("/insight").await;
    assert_ne!(b.text("h1").await, "Insight");
    b.axe("insight refused").await;
    b.close().await;

    // Without JavaScript the page is the same: its charts are drawn by the
    // server, and its filters are a plain form. (axe-core needs scripts,
    // so it ran above.)
    let b = Browser::start_without_javascript("insight-without-javascript", &app.address).await;
    b.sign_in("ery-chair").await;
    b.open("/insight?from=2025-12-01&to=2026-11-30").await;
    let drawn = b
        .client
        .find_all(fantoccini::Locator::Css("svg[role=img] rect"))
        .await
        .unwrap();
    assert!(!drawn.is_empty());
    b.find("#area")
        .await
        .select_by_value("communication")
        .await
        .unwrap();
    b.submit().await;
    assert!(b.path().await.contains("area=communication"));
    assert_eq!(b.text(".accord-insight-counts").await, filtered);
    b.close().await;
}
