//! The case printed for the child's file (issue 14 §5), on the seeded
//! demo: the print view in real Chromium, with the partnership, who printed
//! it and when, the OFFICIAL-SENSITIVE marking, a back link and a print
//! button, passing axe-core at desktop width and at 320 CSS pixels; and the
//! same record as a PDF, read back with lopdf, holding the case reference,
//! the marking and each form's labels and answers, laid out as Sutton's
//! Appendix 1 (SUT-11), East Riding's Appendix A (ER-9) and the Isle of
//! Man's referral form (IOM-9) lay them out.

mod browser;
mod common;

use browser::Browser;
use common::{Session, TestApp, page_as, sign_in, spawn_app_with_demo};

/// The text of every page of `pdf`, in order, with runs of white space as
/// one space so that a phrase broken across lines is still found.
fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    let document = lopdf::Document::load_mem(pdf).expect("a PDF lopdf can read");
    document
        .get_pages()
        .keys()
        .map(|n| {
            let text = document.extract_text(&[*n]).expect("the page's text");
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// GETs the PDF at `path` as `session`, checking how it is served.
async fn pdf_as(app: &TestApp, session: &Session, path: &str, reference: &str) -> Vec<u8> {
    let response = session
        .on(app.client.get(app.url(path)))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"{reference}.pdf\"").as_str()
    );
    assert_eq!(headers["cache-control"], "no-store");
    let body = response.bytes().await.unwrap().to_vec();
    assert!(body.starts_with(b"%PDF-"), "{path} is a PDF");
    body
}

/// The demo case of `partnership` holding `form`, found by reading its
/// register as `session`.
async fn case_with_form(app: &TestApp, session: &Session, prefix: &str, form: &str) -> String {
    for n in 1..=12 {
        let id = format!("{prefix}-DEMO-{n:04}");
        let (status, html) = page_as(app, session, &format!("/cases/{id}/print")).await;
        if status == 200 && html.contains(&format!("govuk-summary-card__title\">{form}")) {
            return id;
        }
    }
    panic!("no {prefix} demo case holds {form}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_print_view_is_a_record_fit_to_file() {
    let (app, _state) = spawn_app_with_demo().await;
    let mut b = Browser::start("print-view", &app.address).await;
    b.sign_in("hav-partnership-team").await;
    b.open("/cases/HAV-DEMO-0007/print").await;

    assert_eq!(b.text("#marking-top").await, "OFFICIAL-SENSITIVE");
    assert_eq!(b.text("#marking-bottom").await, "OFFICIAL-SENSITIVE");
    assert_eq!(
        b.text("#partnership").await,
        "Havering Safeguarding Children Partnership"
    );
    let printed = b.text("#printed").await;
    // The demo clock's day, in Europe/London time, and who printed it.
    assert!(printed.starts_with("Printed by "), "{printed}");
    assert!(printed.contains(" on 2 June 2025 at "), "{printed}");
    // The back link leads to the case.
    let back = b.find("a.govuk-back-link").await;
    assert_eq!(back.text().await.unwrap(), "Back to the case");
    assert_eq!(
        back.attr("href").await.unwrap().as_deref(),
        Some("/cases/HAV-DEMO-0007")
    );
    // The print button shows where scripts run, and prints.
    let button = b.find("button.accord-print-button").await;
    assert!(
        button.is_displayed().await.unwrap(),
        "the print button shows"
    );
    assert_eq!(button.text().await.unwrap(), "Print this record");
    b.client
        .execute(
            "window.printed = 0; window.print = () => { window.printed += 1; }; return true",
            vec![],
        )
        .await
        .unwrap();
    button.click().await.unwrap();
    let printed_times = b
        .client
        .execute("return window.printed", vec![])
        .await
        .unwrap();
    assert_eq!(printed_times, 1, "the button calls window.print");
    // The PDF is offered beside it.
    let pdf = b.find("a[href='/cases/HAV-DEMO-0007/print.pdf']").await;
    assert!(pdf.text().await.unwrap().contains("PDF"));
    b.axe("the print view").await;
    b.screenshot("case-print").await;
    b.docs_shot("case-print").await;

    // In print, the back link, the button and the navigation are hidden.
    b.client
        .execute(
            "document.querySelectorAll('link[rel=stylesheet]').forEach(l => l.media = 'all'); return true",
            vec![],
        )
        .await
        .unwrap();
    let hidden_in_print = b
        .client
        .execute(
            "const rules = [...document.styleSheets].flatMap(s => [...s.cssRules]);
             const print = rules.filter(r => r.media && [...r.media].includes('print'))
               .flatMap(r => [...r.cssRules]).map(r => r.selectorText || '');
             return ['.accord-no-print', '.govuk-back-link', '.govuk-service-navigation', '.govuk-button']
               .filter(s => print.some(t => t.split(',').map(x => x.trim()).includes(s) ||
                 (s === '.govuk-back-link' && document.querySelector('a.govuk-back-link').classList.contains('accord-no-print'))));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        hidden_in_print.as_array().unwrap().len(),
        4,
        "{hidden_in_print}"
    );
    let page_rule = b
        .client
        .execute(
            "return [...document.styleSheets].flatMap(s => [...s.cssRules])
               .filter(r => r.constructor.name === 'CSSPageRule').map(r => r.cssText).join(' ')",
            vec![],
        )
        .await
        .unwrap();
    let page_rule = page_rule.as_str().unwrap();
    assert!(page_rule.contains("OFFICIAL-SENSITIVE"), "{page_rule}");
    assert!(page_rule.contains("counter(pages)"), "{page_rule}");

    // At a phone's width: nothing of the record's own parts (the marking,
    // the partnership, who printed it, the buttons, the forms) runs off the
    // side, and axe passes. (The chronology table is wider than a phone
    // everywhere it is drawn: issue 14 §4 makes the tables stack.)
    b.client.set_window_size(320, 640).await.unwrap();
    let widths = b
        .client
        .execute(
            "return [window.innerWidth,
               [...document.querySelectorAll('.accord-marking, #partnership, #printed, .accord-no-print, .accord-form, .accord-form *, .govuk-back-link')]
                 .filter(e => e.getBoundingClientRect().right > 320)
                 .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(widths[0], 320, "the window is a phone's width");
    assert_eq!(widths[1], serde_json::json!([]), "wider than the phone");
    b.axe("the print view at 320 CSS pixels").await;
    b.screenshot("case-print-phone").await;

    // East Riding's Appendix A, with its tables of family details and
    // stages, on a phone and at desktop width (ER-9).
    let ery = sign_in(&app, "ery-partnership-team").await;
    let id = case_with_form(&app, &ery, "ERY", "Stage 4 Monitoring Information").await;
    b.sign_out().await;
    b.client.set_window_size(1280, 1000).await.unwrap();
    b.sign_in("ery-partnership-team").await;
    b.open(&format!("/cases/{id}/print")).await;
    let form = b.text(".accord-form").await;
    assert!(
        form.contains("Family Details – First Name, Surname and DOB: Children"),
        "{form}"
    );
    b.axe("Appendix A in the print view").await;
    b.screenshot("case-print-appendix-a").await;
    b.client.set_window_size(320, 640).await.unwrap();
    let wide = b
        .client
        .execute(
            "return [...document.querySelectorAll('.accord-form, .accord-form *')]
               .filter(e => e.getBoundingClientRect().right > 320)
               .map(e => e.tagName + '.' + e.className)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        wide,
        serde_json::json!([]),
        "Appendix A is wider than the phone"
    );
    b.axe("Appendix A in the print view at 320 CSS pixels")
        .await;
    b.screenshot("case-print-appendix-a-phone").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_print_view_without_javascript_has_no_print_button() {
    let (app, _state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    let (status, html) = page_as(&app, &team, "/cases/HAV-DEMO-0007/print").await;
    assert_eq!(status, 200);
    // The button is drawn hidden; only the scripts' `js-enabled` shows it.
    assert!(html.contains("class=\"govuk-button accord-print-button\""));
    let css = app.get("/assets/accord.css").await.text().await.unwrap();
    assert!(
        css.contains(".accord-print-button{display:none}"),
        "hidden by default"
    );
    assert!(css.contains(".js-enabled .accord-print-button{display:inline-block}"));
}

/// Each form, as its document lays it out: its title, its headings and its
/// labels in the document's words, with the answers the demo gave.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pdf_holds_the_reference_the_marking_and_each_forms_fields() {
    let (app, state) = spawn_app_with_demo().await;
    for (who, prefix, form, labels) in [
        // SUT-11: "Should the Head of Service be contacted? Yes/No", who
        // will do what, by when, the outcome, the referrer's and the
        // Safeguarding Advisor's names, signatures and dates.
        (
            "sut-partnership-team",
            "SUT",
            "Local Safeguarding Children Board multi-agency escalation procedure",
            &[
                "Defining the problem",
                "Should the Head of Service be contacted?",
                "Who will do what?",
                "What will be undertaken?",
                "By when?",
                "Outcome achieved following completion of actions:",
                "Name of Referrer:",
                "Department:",
                "Sign:",
                "Safeguarding Advisor:",
            ][..],
        ),
        // ER-9: Appendix A's fields.
        (
            "ery-partnership-team",
            "ERY",
            "Stage 4 Monitoring Information",
            &[
                "Date of Referral",
                "Name of Referrer",
                "Job Title",
                "Address/Email Address",
                "Family Details – First Name, Surname and DOB: Children",
                "Family Address",
                "Issues of Concern/Nature of Disagreement",
                "Dates and Outcomes of Stages 1, 2 and 3",
                "Date of Stage 4 Meeting/Discussion",
                "Names of Senior Officers involved at Stage 4 and their Agency",
            ][..],
        ),
        // IOM-9: the referral form and its "outcome of agreed actions"
        // section.
        (
            "iom-partnership-team",
            "IOM",
            "Resolving Professional Differences Escalation Referral Form",
            &[
                "Referral",
                "The issues/concerns that have arisen",
                "Name of the Senior Manager responsible for raising the concern",
                "Attempts to resolve the disagreement at Stages One to Three",
                "Outcome of agreed actions",
                "The outcome of the discussion",
                "Agreed actions",
            ][..],
        ),
    ] {
        let session = sign_in(&app, who).await;
        let id = case_with_form(&app, &session, prefix, form).await;
        let (_, html) = page_as(&app, &session, &format!("/cases/{id}/print")).await;
        let pdf = pdf_as(&app, &session, &format!("/cases/{id}/print.pdf"), &id).await;
        // Reading it is written to the access log, as the print view is.
        let reads = state
            .store()
            .reads_of(&accord_case::CaseId::parse(&id).unwrap())
            .await
            .unwrap();
        let last = reads.last().expect("the read is logged");
        assert_eq!(last.person.as_str(), who);
        assert_eq!(last.purpose, "page: case, printed as PDF");
        let pages = pdf_pages(&pdf);
        let all = pages.join(" ");
        assert!(all.contains(&id), "{id}");
        for (n, page) in pages.iter().enumerate() {
            assert_eq!(
                page.matches("OFFICIAL-SENSITIVE").count(),
                2,
                "{id}: page {} has the marking at its top and bottom",
                n + 1
            );
            assert!(
                page.contains(&format!("Page {} of {}", n + 1, pages.len())),
                "{id}: page {}",
                n + 1
            );
        }
        // A line may break after a hyphen ("multi-" / "agency"), so labels
        // and answers are compared without their white space.
        let dense = |s: &str| s.split_whitespace().collect::<String>();
        let all = dense(&all);
        assert!(all.contains(&dense(form)), "{id}: {form}");
        for label in labels {
            assert!(all.contains(&dense(label)), "{id}: the PDF holds {label:?}");
            assert!(
                html.contains(&label.replace('&', "&amp;")),
                "{id}: the print view holds {label:?}"
            );
        }
        // Every answer the print view shows for the form is in the PDF.
        let answers = form_answers(&html, form);
        assert!(!answers.is_empty(), "{id}: {form} has answers");
        for answer in answers {
            assert!(
                all.contains(&dense(&answer)),
                "{id}: the PDF holds the answer {answer:?}"
            );
        }
        assert!(all.contains("Printedby"), "{id}");
    }
}

/// The answers of the print view's `form`, as plain text, one a field or
/// cell: what the page shows between `<dd>` and `</dd>` with its tags
/// taken out.
fn form_answers(html: &str, form: &str) -> Vec<String> {
    let start = html
        .find(&format!("govuk-summary-card__title\">{form}"))
        .expect("the form is on the page");
    let card = &html[start..];
    let card = &card[..card.find("govuk-summary-card\"").unwrap_or(card.len())];
    card.split("<dd")
        .skip(1)
        .filter_map(|dd| {
            let inner = &dd[dd.find('>')? + 1..];
            let inner = &inner[..inner.find("</dd>").unwrap_or(inner.len())];
            if inner.contains("<dl") {
                return None;
            }
            let mut text = String::new();
            let mut in_tag = false;
            for c in inner.chars() {
                match c {
                    '<' => {
                        in_tag = true;
                        text.push(' ');
                    }
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            let text = text
                .replace("&#39;", "'")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">");
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            (!text.is_empty() && text != "Not answered").then_some(text)
        })
        .collect()
}

/// Someone who may not see the case gets the same answer for its PDF as
/// for its print view: not found, and nothing is typeset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pdf_is_refused_as_the_print_view_is() {
    let (app, _state) = spawn_app_with_demo().await;
    // Another partnership's case, and an administrator, who sees no case.
    for (who, case) in [
        ("hav-chair", "SUT-DEMO-0001"),
        ("hav-admin", "HAV-DEMO-0001"),
    ] {
        let session = sign_in(&app, who).await;
        let (print, _) = page_as(&app, &session, &format!("/cases/{case}/print")).await;
        let response = session
            .on(app.client.get(app.url(&format!("/cases/{case}/print.pdf"))))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), print, "{who} × {case}");
        assert!(print == 404 || print == 403, "{who} × {case}: {print}");
        assert_ne!(response.headers()["content-type"], "application/pdf");
    }
    // Nobody signed in is sent to sign in.
    let response = app
        .client
        .get(app.url("/cases/HAV-DEMO-0001/print.pdf"))
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), 200);
    assert_ne!(
        response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned()),
        Some("application/pdf".to_owned())
    );
}

/// Issue 14 §7: free text keeps its paragraphs and line breaks on the
/// raise's check-answers page, the case page, the print view and the PDF,
/// escaped: nothing typed becomes HTML.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_paragraphs_and_line_breaks_are_kept_and_escaped() {
    let (app, state) = spawn_app_with_demo().await;
    let session = sign_in(&app, "hav-csc-practitioner").await;
    let disputed =
        "The referral was closed.\n\nThe school had raised <b>bruising</b> twice:\n3 May\n17 May";
    let evidence = "Notes from both visits.\r\n\r\n\r\nThe GP's letter.";

    // The check-answers page, from a saved draft of the raise.
    let person = accord_case::PersonId::parse("hav-csc-practitioner").unwrap();
    let draft: Vec<(String, String)> = [
        ("scope", "none"),
        ("policy", "havering-2022"),
        ("other_agency", "hav-health"),
        ("other_professional", "hav-health-practitioner"),
        ("s1-name", "Ellie Rowe"),
        ("area", "need-for-action"),
        ("disputed", disputed),
        ("evidence", evidence),
        ("outcome_sought", "A strategy discussion."),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    state
        .store()
        .save_raise_draft(&person, &draft, jiff::Timestamp::now())
        .await
        .unwrap();
    let (status, check) = page_as(&app, &session, "/raise/check").await;
    assert_eq!(status, 200, "{check}");
    let paragraphs = "<p class=\"govuk-body\">The referral was closed.</p><p class=\"govuk-body\">The school had raised &#60;b&#62;bruising&#60;/b&#62; twice:<br>3 May<br>17 May</p>";
    let check = check.replace("&lt;", "&#60;").replace("&gt;", "&#62;");
    assert!(check.contains(paragraphs), "{check}");
    assert!(check.contains("<p class=\"govuk-body\">Notes from both visits.</p><p class=\"govuk-body\">The GP&#39;s letter.</p>") || check.contains("<p class=\"govuk-body\">Notes from both visits.</p><p class=\"govuk-body\">The GP&#x27;s letter.</p>"), "{check}");

    // Raised, then on the case page and the print view.
    let (status, raised) = common::post_as(
        &app,
        &session,
        "/api/v1/cases",
        &serde_json::json!({
            "area": "need-for-action",
            "other_agency": "hav-health",
            "subjects": [{ "id": "c1", "name": "Ellie Rowe", "kind": "child",
                "child_protection_plan": false, "looked_after": false, "immediate_risk": false }],
            "concern": { "disputed": disputed, "evidence": evidence,
                "outcome_sought": "A strategy discussion." },
        }),
    )
    .await;
    assert_eq!(status, 201, "{raised}");
    let id = raised["id"].as_str().unwrap();
    for path in [format!("/cases/{id}"), format!("/cases/{id}/print")] {
        let (status, html) = page_as(&app, &session, &path).await;
        assert_eq!(status, 200);
        let html = html.replace("&lt;", "&#60;").replace("&gt;", "&#62;");
        assert!(html.contains(paragraphs), "{path}: {html}");
        assert!(
            !html.contains("<b>bruising"),
            "{path}: typed HTML is escaped"
        );
    }

    // And in the PDF, line for line.
    let pdf = pdf_as(&app, &session, &format!("/cases/{id}/print.pdf"), id).await;
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for line in [
        "The referral was closed.",
        "The school had raised <b>bruising</b> twice:",
        "3 May",
        "17 May",
        "Notes from both visits.",
        "The GP's letter.",
    ] {
        assert!(
            lines.contains(&line),
            "{line:?} is a line of its own in {lines:#?}"
        );
    }
}
