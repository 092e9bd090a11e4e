//! Issue 14 §3 in Chromium: who took part in a discussion, and the agency
//! a disagreement is with, are picked by typing. With JavaScript the search box is a combobox used by keyboard
//! alone: type, arrow, Enter to choose, each chosen person listed with a
//! Remove button, and the results announced. Without JavaScript the same
//! form finds people with a button and ticks, and a professional with no
//! account is written down. axe-core checks each state at desktop width and
//! at 320 CSS pixels, where nothing scrolls sideways. (axe-core cannot run
//! where Chromium runs no scripts: the plain form's states are checked for
//! sideways scrolling there, and its markup, the same with or without
//! scripts until `accord.mjs` enhances it, by axe in the first test.) Screenshots are in
//! `target/browser-screenshots/picker-*`.

mod browser;
mod common;

use browser::Browser;
use common::{TestApp, TestClock, post_as, sign_in, spawn_app_with_demo_and_clock};
use fantoccini::key::Key;
use serde_json::json;

/// A case raised by a school practitioner about children's social care,
/// an hour ago; its id.
async fn raised(app: &TestApp, clock: &TestClock) -> String {
    let me = sign_in(app, "hav-school-practitioner").await;
    let (status, case) = post_as(app, &me, "/api/v1/cases", &common::havering_raise()).await;
    assert_eq!(status, 201, "{case}");
    clock.advance(60 * 60);
    case["id"].as_str().unwrap().to_owned()
}

fn key(k: Key) -> String {
    char::from(k).to_string()
}

/// At 320 CSS pixels wide: the page does not scroll sideways (WCAG 2.2
/// 1.4.10) and, where the page runs scripts, axe passes.
async fn at_320(b: &mut Browser, name: &str, axe: bool) {
    let _ = b.client.set_window_size(320, 640).await;
    let width = b
        .client
        .execute(
            "return [window.innerWidth, document.documentElement.scrollWidth]",
            vec![],
        )
        .await
        .unwrap();
    let [inner, scroll] = [width[0].as_u64().unwrap(), width[1].as_u64().unwrap()];
    assert!(
        scroll <= inner,
        "{name}: {scroll}px wide in a {inner}px window"
    );
    if axe {
        b.axe(&format!("{name}, 320px wide")).await;
    }
    let png = b.client.screenshot().await.unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/browser-screenshots/picker-phone");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    let _ = b.client.set_window_size(1280, 1000).await;
}

#[tokio::test]
async fn people_are_picked_by_typing_with_the_keyboard_alone() {
    let (app, _state, clock) = spawn_app_with_demo_and_clock().await;
    let case = raised(&app, &clock).await;
    let mut b = Browser::start("picker-keyboard", &app.address).await;
    b.sign_in("hav-school-practitioner").await;
    b.open(&format!("/cases/{case}/record-discussion")).await;
    assert_eq!(
        b.find("#participants")
            .await
            .attr("role")
            .await
            .unwrap()
            .as_deref(),
        Some("combobox")
    );
    assert!(!b.present("button[name=find][value=participants]").await);
    assert!(b.text("#participants-chosen").await.contains("Chosen (1)"));
    b.axe("the discussion form").await;
    b.screenshot("form").await;
    at_320(&mut b, "form", true).await;

    // Type, hear how many were found, arrow to Ifan Kinvig, Enter.
    b.tab_to("#participants").await;
    b.press("kinv").await;
    let option = "#participants-listbox [data-value=hav-csc-practitioner]";
    b.wait_for_element(option).await;
    assert_eq!(
        b.find("#participants")
            .await
            .attr("aria-expanded")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    b.wait_for_text("[role=status]", "found").await;
    b.axe("the suggestions open").await;
    b.screenshot("suggestions").await;
    b.docs_shot("people-picker").await;
    at_320(&mut b, "suggestions", true).await;
    b.press(&key(Key::Down)).await;
    assert!(b.present(&format!("{option}[aria-selected=true]")).await);
    let active = b
        .find("#participants")
        .await
        .attr("aria-activedescendant")
        .await
        .unwrap();
    assert!(active.is_some_and(|id| id.starts_with("participants-listbox-")));
    b.press(&key(Key::Enter)).await;
    assert!(
        b.focused("#participants").await,
        "the focus stays in the box"
    );
    assert!(
        b.present("input[type=hidden][name=participants][value=hav-csc-practitioner]")
            .await
    );
    assert!(b.text("#participants-chosen").await.contains("Chosen (2)"));
    b.wait_for_text("[role=status]", "Ifan Kinvig").await;
    assert!(b.text_content("[role=status]").await.contains("added"));
    assert_eq!(
        b.find("#participants")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("")
    );
    b.screenshot("chosen").await;

    // Escape closes the list; Remove takes someone off and keeps the focus.
    b.press("jude").await;
    b.wait_for_element("#participants-listbox [role=option]")
        .await;
    b.press(&key(Key::Escape)).await;
    assert!(!b.present("#participants-listbox [role=option]").await);
    b.fill("participants", "").await;
    b.tab_to("#participants-chosen li:last-child button").await;
    assert!(
        b.text("#participants-chosen li:last-child")
            .await
            .contains("Ifan Kinvig")
    );
    b.press(&key(Key::Enter)).await;
    assert!(
        !b.present("input[name=participants][value=hav-csc-practitioner]")
            .await
    );
    assert!(
        b.focused("#participants-chosen button").await,
        "focus on the next Remove"
    );
    b.wait_for_text("[role=status]", "removed").await;

    // A professional without an account, missing their agency: the error
    // is on the form, with what was picked kept.
    b.pick_person("participants", "hav-csc-practitioner").await;
    b.fill("unlisted-1-name", "Dr Priya Okafor").await;
    b.submit().await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("Enter the agency or organisation professional 1 works for")
    );
    assert!(b.text("#participants-chosen").await.contains("Ifan Kinvig"));
    b.axe("the form with mistakes").await;
    b.screenshot("errors").await;
    at_320(&mut b, "errors", true).await;
    b.fill("unlisted-1-name", "").await;

    // The discussion goes on the record.
    b.fill("held_at", "10:45am").await;
    b.tab_to("input[name=how]").await;
    b.arrow_to("phone").await;
    b.fill("summary", "We spoke by phone about the referral.")
        .await;
    b.choose("agreed", "no").await;
    b.axe("the form filled in").await;
    b.screenshot("filled").await;
    b.submit().await;
    assert!(
        b.path().await.ends_with("?done=record-discussion"),
        "{}",
        b.text("main").await
    );
    assert!(
        b.text("main").await.contains("Ifan Kinvig (practitioner"),
        "{}",
        b.text("main").await
    );
    b.close().await;
}

#[tokio::test]
async fn the_same_form_works_without_javascript_and_records_an_unlisted_professional() {
    let (app, _state, clock) = spawn_app_with_demo_and_clock().await;
    let case = raised(&app, &clock).await;
    let mut b = Browser::start_without_javascript("picker-without-javascript", &app.address).await;
    b.sign_in("hav-school-practitioner").await;
    b.open(&format!("/cases/{case}/record-discussion")).await;
    assert_eq!(
        b.find("#participants").await.attr("role").await.unwrap(),
        None
    );
    b.screenshot("form").await;
    at_320(&mut b, "plain-form", false).await;

    // Find people: the form again, with whom it found to tick.
    b.fill("held_at", "10:45am").await;
    b.fill("participants", "Kinvig").await;
    b.click_and_wait("button[name=find][value=participants]")
        .await;
    assert!(
        b.text("#participants-found")
            .await
            .contains("1 person matches “Kinvig”")
    );
    assert_eq!(
        b.find("#held_at")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("10:45am")
    );
    b.screenshot("found").await;
    at_320(&mut b, "plain-found", false).await;
    b.choose("participants", "hav-csc-practitioner").await;
    b.fill("participants", "").await;

    // A professional without an account: the agency is missing at first.
    b.fill("unlisted-1-name", "Dr Priya Okafor").await;
    b.fill("unlisted-1-role", "GP").await;
    b.choose("how", "phone").await;
    b.fill(
        "summary",
        "The GP joined the call and shared the attendances.",
    )
    .await;
    b.choose("agreed", "no").await;
    b.submit().await;
    let errors = b.text(".govuk-error-summary").await;
    assert!(
        errors.contains("Enter the agency or organisation professional 1 works for"),
        "{errors}"
    );
    assert!(
        b.present("input[name=participants][value=hav-csc-practitioner][checked]")
            .await
    );
    b.screenshot("unlisted-error").await;
    b.fill("unlisted-1-agency", "Harold Hill Surgery").await;
    b.submit().await;
    assert!(
        b.path().await.ends_with("?done=record-discussion"),
        "{}",
        b.text("main").await
    );
    let page = b.text("main").await;
    assert!(page.contains("Ifan Kinvig (practitioner"), "{page}");
    assert!(
        page.contains("Dr Priya Okafor (GP, Harold Hill Surgery; no Accord account)"),
        "{page}"
    );
    b.screenshot("recorded").await;
    b.close().await;
}

/// Issue 14 §3, "Pick people and agencies by typing": the agency a
/// disagreement is with is a combobox over the partnership's other
/// agencies. Down on the empty box lists them all; typing part of a name
/// lists those that match and says how many; text naming no agency leaves
/// nothing chosen, and the page says what to fix; Enter on a closed list
/// sends the form, as in any text box.
#[tokio::test]
async fn an_agency_is_chosen_by_typing_part_of_its_name() {
    let (app, state, _clock) = spawn_app_with_demo_and_clock().await;
    let mut b = Browser::start("picker-agency", &app.address).await;
    b.sign_in("hav-school-practitioner").await;
    b.open("/raise").await;
    b.click("a.govuk-button--start").await;
    assert_eq!(b.path().await, "/raise/scope");
    b.choose("scope", "none").await;
    b.submit().await;
    assert_eq!(b.path().await, "/raise/other-agency");
    assert_eq!(
        b.find("#other_agency")
            .await
            .attr("role")
            .await
            .unwrap()
            .as_deref(),
        Some("combobox")
    );
    b.axe("the agency chooser").await;

    // Down on the empty box: every agency but the raiser's own and the
    // partnership's team, which is in no disagreement.
    let others = state
        .store()
        .agencies("havering")
        .await
        .unwrap()
        .iter()
        .filter(|a| {
            a.id.as_str() != "hav-school" && a.kind != accord_directory::AgencyKind::PartnershipTeam
        })
        .count();
    b.tab_to("#other_agency").await;
    b.press(&key(Key::Down)).await;
    b.wait_for_element("#other_agency-listbox [role=option]")
        .await;
    let listed = b
        .client
        .execute(
            "return document.querySelectorAll('#other_agency-listbox [role=option]').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(listed, json!(others));
    assert!(
        !b.present("#other_agency-listbox [data-value=hav-school]")
            .await
    );
    b.wait_for_text("[role=status]", "agencies found").await;
    b.axe("the whole list open").await;
    b.screenshot("agency-list").await;
    b.docs_shot("agency-chooser").await;
    b.press(&key(Key::Escape)).await;
    assert!(!b.present("#other_agency-listbox [role=option]").await);

    // Text that names no agency: nothing is chosen, and Enter sends the
    // form to say so.
    b.press("zzz").await;
    b.wait_for_text("[role=status]", "No agency matches").await;
    let before = b.path().await;
    b.enter().await;
    assert_eq!(b.path().await, before);
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("Select the agency you disagree with")
    );
    b.axe("the agency chooser with its error").await;

    // Part of a name, then the arrows and Enter.
    b.fill("other_agency", "police").await;
    b.wait_for_text("[role=status]", "1 agency found").await;
    b.arrow_to_option("other_agency", "hav-police").await;
    assert_eq!(
        b.find("#other_agency")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Metropolitan Police, East Area")
    );
    at_320(&mut b, "agency-chosen", true).await;
    b.submit().await;
    assert_eq!(b.path().await, "/raise/other-professional");
}
