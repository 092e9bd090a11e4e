//! A Havering disagreement from raise to close in real Chromium, by three
//! people, each using only the pages (issue 5): a social worker raises it
//! about a child subject to a Child Protection Plan and works Stage One,
//! their manager takes it through Stages Two and Three, and the HSCP Chair
//! convenes a Resolution Panel of three agencies, hears both sides,
//! resolves it and closes it.
//!
//! The policy, quoted: "If the case involves a child subject to a Child
//! Protection Plan or a Looked After Child, the Independent Reviewing
//! Officer (IRO) must also be notified" (§2.5; HAV-5); "The respective
//! agency members on the HSCP must be engaged in seeking resolution before
//! the case is raised with the HSCP Chair" (§2.8; HAV-6); the Chair may
//! convene "a Resolution Panel ... Senior officer from three agencies who
//! are members of the full Board" (§2.12; HAV-7).
//!
//! axe-core checks every page and every form state on the way, errors
//! included, with no WCAG 2.2 AA violation allowed; each page is
//! screenshotted into `target/browser-screenshots/havering-journey/`.

mod browser;
mod common;

use browser::Browser;
use common::{get_as, sign_in, spawn_app_with_demo_and_clock};

/// Checks the page with axe and screenshots it as `name`.
async fn look(b: &mut Browser, name: &str) {
    b.axe(name).await;
    b.screenshot(name).await;
}

/// Checks the page at a phone's width, 320 CSS pixels: nothing scrolls
/// sideways (WCAG 2.2 1.4.10, reflow) and axe passes; then back to the
/// desktop.
async fn on_a_phone(b: &mut Browser, name: &str) {
    b.client.set_window_size(320, 640).await.unwrap();
    let wide = b
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    assert!(wide <= 320, "{name} is {wide}px wide at 320px");
    b.axe(&format!("{name} at 320px")).await;
    b.screenshot(&format!("{name}-phone")).await;
    b.client.set_window_size(1280, 1000).await.unwrap();
}

/// The error summary's text, after a form was sent with mistakes.
async fn errors(b: &Browser) -> String {
    b.text(".govuk-error-summary").await
}

/// Records a discussion held at `time` today with `people` picked by
/// typing their names (the person recording is chosen already).
async fn record_discussion(b: &mut Browser, case: &str, time: &str, people: &[&str], name: &str) {
    b.open(&format!("/cases/{case}")).await;
    b.follow("Record a discussion").await;
    b.fill("held_at", time).await;
    b.choose("how", "meeting").await;
    for p in people {
        b.pick_person("participants", p).await;
    }
    b.fill(
        "summary",
        "Each side set out its view of the referral; actions agreed are on the record.",
    )
    .await;
    b.choose("agreed", "no").await;
    look(b, name).await;
    b.submit().await;
    assert!(
        b.path().await.ends_with("?done=record-discussion"),
        "{}",
        b.text("main").await
    );
}

/// Escalates `case` with a reason; returns the escalation page's text.
async fn escalate(b: &mut Browser, case: &str, to: u8, name: &str) -> String {
    b.open(&format!("/cases/{case}")).await;
    b.follow(&format!("Escalate to Stage {to}")).await;
    let page = b.text("main").await;
    b.fill(
        "reason",
        "The agencies still disagree about whether the threshold is met.",
    )
    .await;
    look(b, name).await;
    b.submit().await;
    assert!(
        b.path().await.ends_with("?done=escalate"),
        "{}",
        b.text("main").await
    );
    page
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_havering_disagreement_runs_from_raise_to_close_in_the_browser() {
    let (app, state, clock) = spawn_app_with_demo_and_clock().await;
    let mut b = Browser::start("havering-journey", &app.address).await;

    // --- 1. Ifan Kinvig, a social worker, raises it -----------------------
    b.sign_in("hav-csc-practitioner").await;
    b.open("/raise").await;
    let start = b.text("main").await;
    // HAV-3: the immediate-risk instruction, and the out-of-scope
    // signposting (§1.8), come before the first question.
    assert!(
        start.contains("the Designated Safeguarding Lead in your agency should be informed"),
        "{start}"
    );
    assert!(start.contains("whistleblowing"), "{start}");
    look(&mut b, "raise-start").await;
    b.docs_shot("raise").await;
    b.follow("Start now").await;

    // A page sent with nothing chosen says what to choose.
    b.submit().await;
    assert!(
        errors(&b)
            .await
            .contains("Select whether your concern is one of these")
    );
    assert!(b.client.title().await.unwrap().starts_with("Error: "));
    look(&mut b, "raise-scope-error").await;
    b.choose("scope", "none").await;
    b.submit().await;

    // Havering's policy has one procedure: no question of one choice
    // (issue 14 §7), so the next asks which agency.
    assert_eq!(b.path().await, "/raise/other-agency");
    b.choose_agency("other_agency", "hav-health").await;
    look(&mut b, "raise-other-agency").await;
    b.submit().await;

    b.pick_person("other_professional", "hav-health-practitioner")
        .await;
    look(&mut b, "raise-other-professional").await;
    b.submit().await;

    // A flag ticked without a name is a mistake; the tick is kept.
    b.choose("s1-flags", "child_protection_plan").await;
    b.submit().await;
    assert!(errors(&b).await.contains("Enter their full name"));
    assert!(
        b.find("input[name=s1-flags][value=child_protection_plan]")
            .await
            .is_selected()
            .await
            .unwrap(),
        "what was ticked is kept"
    );
    look(&mut b, "raise-who-error").await;
    b.fill("s1-name", "Ellie Rowe").await;
    // Issue 14 §2: the child's date of birth, NHS number and local
    // identifier. An NHS number whose check digit is wrong says so.
    b.fill("s1-dob", "12").await;
    b.fill("s1-dob-month", "4").await;
    b.fill("s1-dob-year", "2019").await;
    b.fill("s1-nhs", "943 476 5918").await;
    b.fill("s1-local_id", "LCS-20417").await;
    b.submit().await;
    assert!(
        errors(&b).await.contains("its last digit does not match"),
        "{}",
        errors(&b).await
    );
    look(&mut b, "raise-who-nhs-error").await;
    b.fill("s1-nhs", "943 476 5919").await;
    b.submit().await;

    // No immediate risk, so no immediate-risk page: the area is next.
    assert_eq!(b.path().await, "/raise/area");
    b.choose("area", "need-for-action").await;
    look(&mut b, "raise-area").await;
    b.submit().await;

    b.fill(
        "disputed",
        "The referral about Ellie was closed with no further action.",
    )
    .await;
    b.submit().await;
    let missing = errors(&b).await;
    assert!(missing.contains("Enter your evidence"), "{missing}");
    assert!(missing.contains("Enter the outcome you want"), "{missing}");
    assert_eq!(
        b.find("#disputed")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("The referral about Ellie was closed with no further action."),
        "nothing typed is lost"
    );
    look(&mut b, "raise-concern-error").await;
    b.fill(
        "evidence",
        "The health visitor saw bruising on two visits in May; notes attached to the file.",
    )
    .await;
    b.fill("outcome_sought", "A strategy discussion this week.")
        .await;
    b.submit().await;

    assert_eq!(b.path().await, "/raise/check");
    let answers = b.text("main").await;
    assert!(
        answers.contains(
            "Ellie Rowe (born 12 April 2019, NHS number 943 476 5919, local identifier \
             LCS-20417): Child Protection Plan"
        ),
        "{answers}"
    );
    assert!(answers.contains("North East London community health services"));
    look(&mut b, "raise-check").await;
    b.docs_shot("raise-check").await;
    // Changing an answer comes back to the check page.
    b.click("#change-area").await;
    b.wait_for(|p| p.starts_with("/raise/area")).await;
    b.choose("area", "levels-of-need").await;
    b.submit().await;
    assert_eq!(b.path().await, "/raise/check");
    assert!(b.text("main").await.contains("Levels of need"));
    b.submit().await;

    let path = b.path().await;
    let case = path
        .strip_prefix("/cases/")
        .and_then(|p| p.strip_suffix("?done=raised"))
        .unwrap_or_else(|| panic!("raised, at {path}"))
        .to_owned();
    assert!(case.starts_with("HAV-2025-"), "{case}");
    assert!(
        b.text(".govuk-notification-banner")
            .await
            .contains("raised")
    );
    assert!(
        b.text("main")
            .await
            .contains("Stage One: Discuss with the other worker")
    );
    look(&mut b, "case-raised").await;

    // Stage One: the workers' discussion, an hour later.
    clock.advance(2 * 60 * 60);
    b.open(&format!("/cases/{case}")).await;
    b.follow("Record a discussion").await;
    // The time is missing: the error says so, and who was picked is kept.
    b.pick_person("participants", "hav-health-practitioner")
        .await;
    b.submit().await;
    let missing = errors(&b).await;
    assert!(missing.contains("Enter the time it started"), "{missing}");
    assert!(
        b.present("input[name=participants][value=hav-health-practitioner]")
            .await,
        "whoever was picked is kept"
    );
    assert!(missing.contains("Select how it was held"), "{missing}");
    look(&mut b, "discussion-error").await;
    b.fill("held_at", "11:45am").await;
    b.choose("how", "phone").await;
    b.fill(
        "summary",
        "We spoke by phone; health will not reopen the referral.",
    )
    .await;
    b.choose("agreed", "no").await;
    b.submit().await;
    assert!(b.path().await.ends_with("?done=record-discussion"));
    let escalation = escalate(&mut b, &case, 2, "escalate-to-stage-2").await;
    // HAV-5: the escalation page says the IRO will be told, and they are.
    assert!(
        escalation.contains("Independent Reviewing Officer"),
        "{escalation}"
    );
    let notices = b.text("main").await;
    assert!(
        notices.contains("to the Independent Reviewing Officer (IRO): A professional disagreement about a child subject to a Child Protection Plan"),
        "{notices}"
    );
    look(&mut b, "case-at-stage-2").await;
    assert!(
        b.text("main")
            .await
            .contains("Born 12 April 2019, NHS number 943 476 5919, local identifier LCS-20417")
    );
    // Issue 14 §1: the raiser's case stays on My disagreements once it has
    // left Stage One.
    b.follow("My disagreements").await;
    let mine = b.text("main").await;
    assert!(mine.contains(&case), "{mine}");
    assert!(
        mine.contains("Stage Two: Escalate to line manager"),
        "{mine}"
    );
    look(&mut b, "my-disagreements-at-stage-2").await;
    b.sign_out().await;

    // --- 2. Jude Loxley, the social worker's manager, Stages 2 and 3 -----
    clock.advance(60 * 60);
    b.sign_in("hav-csc-manager").await;
    record_discussion(
        &mut b,
        &case,
        "1:15pm",
        &["hav-health-manager"],
        "discussion-stage-2",
    )
    .await;
    // An action agreed at the discussion, then done.
    b.open(&format!("/cases/{case}")).await;
    b.follow("Agree an action").await;
    b.submit().await;
    let missing = errors(&b).await;
    assert!(missing.contains("Select who will do it"), "{missing}");
    assert!(missing.contains("Enter the date it is due by"), "{missing}");
    look(&mut b, "agree-action-error").await;
    b.pick_person("who", "hav-health-manager").await;
    b.fill(
        "what",
        "Share the health visitor's notes with children's social care.",
    )
    .await;
    b.fill("by_when", "4").await;
    b.fill("by_when-month", "6").await;
    b.fill("by_when-year", "2025").await;
    b.submit().await;
    assert!(
        b.path().await.ends_with("?done=agree-action"),
        "{}",
        b.text("main").await
    );
    b.follow("Mark an action as done").await;
    b.submit().await;
    assert!(errors(&b).await.contains("Select the action that is done"));
    look(&mut b, "complete-action-error").await;
    b.click("input[name=action]").await;
    b.fill("note", "Notes shared by secure email.").await;
    b.submit().await;
    assert!(b.path().await.ends_with("?done=complete-action"));
    assert!(
        b.text("main")
            .await
            .contains("Notes shared by secure email.")
    );
    escalate(&mut b, &case, 3, "escalate-to-stage-3").await;

    // HAV-6: before the HSCP members are engaged, the page says what the
    // Chair needs and escalating is refused.
    clock.advance(60 * 60);
    b.open(&format!("/cases/{case}")).await;
    b.follow("Escalate to Stage 4").await;
    let needs = b.text(".govuk-warning-text").await;
    assert!(
        needs.contains("The respective agency members on the HSCP must be engaged"),
        "{needs}"
    );
    look(&mut b, "escalate-needs").await;
    b.fill("reason", "Not resolved by the senior managers.")
        .await;
    b.submit().await;
    let refused = errors(&b).await;
    assert!(
        refused.contains("(§3.1)") || refused.contains("(§2.8)"),
        "{refused}"
    );
    assert_eq!(
        b.find("#reason")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Not resolved by the senior managers."),
        "the reason typed is kept"
    );
    look(&mut b, "escalate-refused").await;
    record_discussion(
        &mut b,
        &case,
        "2:20pm",
        &[
            "hav-csc-senior-manager",
            "hav-health-senior-manager",
            "hav-csc-head-of-service",
            "hav-health-head-of-service",
        ],
        "discussion-stage-3",
    )
    .await;
    escalate(&mut b, &case, 4, "escalate-to-stage-4").await;
    assert!(
        b.text("main")
            .await
            .contains("Stage Four: Resolution by HSCP Chair")
    );
    b.sign_out().await;

    // --- 3. Sami Quarrie, the HSCP Chair, Stage 4 ------------------------
    clock.advance(24 * 60 * 60);
    b.sign_in("hav-chair").await;
    b.open(&format!("/cases/{case}")).await;
    b.follow("Convene the Resolution Panel").await;
    // Only the agencies' members of the full Board are offered (§2.12), and
    // two agencies are too few: the engine's refusal is shown.
    b.pick_person("members", "hav-csc-head-of-service").await;
    b.pick_person("members", "hav-health-head-of-service").await;
    b.submit().await;
    let too_few = errors(&b).await;
    assert!(too_few.contains("§2.12"), "{too_few}");
    look(&mut b, "panel-too-small").await;
    b.pick_person("members", "hav-police-head-of-service").await;
    b.submit().await;
    assert!(b.path().await.ends_with("?done=convene-panel"));
    let panel = b.text("main").await;
    let police_member = state
        .store()
        .person(&accord_case::PersonId::parse("hav-police-head-of-service").unwrap())
        .await
        .unwrap()
        .unwrap()
        .name;
    assert!(
        panel.contains(&format!("{police_member}, Metropolitan Police, East Area")),
        "{panel}"
    );

    for agency in ["hav-csc", "hav-health"] {
        b.open(&format!("/cases/{case}")).await;
        b.follow("Record a representation to the panel").await;
        b.choose_agency("agency", agency).await;
        b.fill("summary", "The agency's view, as put to the panel.")
            .await;
        look(&mut b, &format!("representation-{agency}")).await;
        b.submit().await;
        assert!(b.path().await.ends_with("?done=record-representation"));
    }
    record_discussion(
        &mut b,
        &case,
        "10:00am",
        &[
            "hav-csc-senior-manager",
            "hav-health-senior-manager",
            "hav-police-senior-manager",
        ],
        "discussion-stage-4",
    )
    .await;
    b.open(&format!("/cases/{case}")).await;
    b.follow("Record the outcome").await;
    b.choose("route", "panel").await;
    b.fill(
        "outcome",
        "A strategy discussion is held by Friday, led by children's social care.",
    )
    .await;
    b.fill("outstanding_issues", "None.").await;
    look(&mut b, "resolve").await;
    b.submit().await;
    assert!(b.path().await.ends_with("?done=resolve"));
    b.follow("Close the case").await;
    look(&mut b, "close").await;
    b.submit().await;
    assert!(b.path().await.ends_with("?done=close"));
    let closed = b.text("main").await;
    assert!(closed.contains("Closed"), "{closed}");
    // The chronology says who did each thing: three different people.
    let chronology = b.text("table:last-of-type").await;
    for who in ["Ifan Kinvig", "Jude Loxley", "Sami Quarrie"] {
        assert!(chronology.contains(who), "{who} in {chronology}");
    }
    look(&mut b, "case-closed").await;
    b.sign_out().await;

    // --- 4. The social worker finds the closed case again -----------------
    // Issue 14 §1: on My disagreements, closed, and by the child's NHS
    // number on the search, which is kept in the search log.
    b.sign_in("hav-csc-practitioner").await;
    b.open("/my-disagreements").await;
    let mine = b.text("main").await;
    assert!(mine.contains(&case) && mine.contains("Closed"), "{mine}");
    look(&mut b, "my-disagreements-closed").await;
    b.docs_shot("my-disagreements").await;
    on_a_phone(&mut b, "my-disagreements").await;
    b.follow("Find a case").await;
    look(&mut b, "search").await;
    on_a_phone(&mut b, "search").await;
    // A mistyped NHS number says what to fix, and nothing is searched.
    b.fill("nhs_number", "943 476 591").await;
    b.submit().await;
    assert!(
        errors(&b).await.contains("10 digits"),
        "{}",
        errors(&b).await
    );
    look(&mut b, "search-error").await;
    b.fill("nhs_number", "9434765919").await;
    b.choose("status", "closed").await;
    b.submit().await;
    let found = b.text("main").await;
    assert!(found.contains("1 case found"), "{found}");
    assert!(found.contains(&case), "{found}");
    assert!(found.contains("NHS number 943 476 5919"), "{found}");
    let path = b.path().await;
    assert!(
        path.starts_with("/search?") && path.contains("nhs_number=9434765919"),
        "{path}"
    );
    look(&mut b, "search-found-by-nhs-number").await;
    b.docs_shot("search").await;
    on_a_phone(&mut b, "search-found").await;
    let practitioner = accord_case::PersonId::parse("hav-csc-practitioner").unwrap();
    let searches = state.store().searches_by(&practitioner).await.unwrap();
    let last = searches.last().expect("the search is logged");
    assert!(last.query.contains("9434765919"), "{}", last.query);
    assert_eq!(last.shown, vec![accord_case::CaseId::parse(&case).unwrap()]);
    // The result leads to the case.
    b.follow(&case).await;
    assert_eq!(b.path().await, format!("/cases/{case}"));
    b.close().await;
}

/// Presses Tab to `css` and types `text` into it.
async fn type_into(b: &Browser, css: &str, text: &str) {
    b.tab_to(css).await;
    b.press(text).await;
}

/// Presses Tab to the page's first button and Enter on it.
async fn continue_with_keys(b: &Browser) {
    b.tab_to("main form button[type=submit]").await;
    b.enter().await;
}

/// The whole raise journey with the keyboard alone: Tab to move, the arrow
/// keys to choose among radios, Space to tick, Enter to go on. It raises a
/// Plymouth disagreement about a child at immediate risk, which the policy
/// lets start at a later stage: "if a child is thought to be at risk of
/// immediate harm, discretion should be used as to which stage is
/// initiated" (Introduction; PLY-3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raise_journey_can_be_done_with_the_keyboard_alone() {
    use fantoccini::key::Key;
    let space = char::from(Key::Space).to_string();
    let (app, _state, _clock) = spawn_app_with_demo_and_clock().await;
    let mut b = Browser::start("keyboard-raise", &app.address).await;
    b.sign_in("ply-school-practitioner").await;
    b.open("/my-work").await;

    // The skip link comes first, then the service navigation.
    b.press(&char::from(Key::Tab).to_string()).await;
    assert!(
        b.focused(".govuk-skip-link").await,
        "the skip link is first"
    );
    b.tab_to("a[href='/raise']").await;
    b.enter().await;
    assert_eq!(b.path().await, "/raise");
    b.tab_to("a.govuk-button--start").await;
    b.enter().await;

    // Plymouth's policy names nothing out of its scope and has one
    // procedure, so the first question is which agency.
    assert_eq!(b.path().await, "/raise/other-agency");

    // The agency is chosen by typing part of its name, then the arrow
    // keys and Enter (issue 14 §3).
    b.tab_to("#other_agency").await;
    b.press("social care").await;
    b.arrow_to_option("other_agency", "ply-csc").await;
    continue_with_keys(&b).await;

    b.tab_to("input[name=professional_unknown]").await;
    b.press(&space).await;
    continue_with_keys(&b).await;

    type_into(&b, "#s1-name", "Jayden Moss").await;
    b.tab_to("input[name=s1-flags][value=immediate_risk]").await;
    b.press(&space).await;
    continue_with_keys(&b).await;

    // Immediate risk: the instruction to act now, and a later start.
    assert_eq!(b.path().await, "/raise/immediate-risk");
    let page = b.text("main").await;
    assert!(page.contains("Do this now"), "{page}");
    assert!(page.contains("discretion should be used as to which stage is initiated"));
    b.axe("the immediate-risk page").await;
    b.screenshot("immediate-risk").await;
    b.tab_to("input[name=start_at]").await;
    b.arrow_to("2").await;
    // A later stage needs a reason: Enter without one shows the error.
    continue_with_keys(&b).await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("why the stages below")
    );
    // The error summary takes the focus, so it is read out first.
    assert!(b.focused(".govuk-error-summary").await);
    b.axe("the immediate-risk page with an error").await;
    type_into(
        &b,
        "#start_reason",
        "Jayden disclosed an assault at home this morning.",
    )
    .await;
    continue_with_keys(&b).await;

    assert_eq!(b.path().await, "/raise/area");
    b.tab_to("input[name=area]").await;
    b.arrow_to("need-for-action").await;
    continue_with_keys(&b).await;

    type_into(&b, "#disputed", "The strategy meeting was not called.").await;
    type_into(&b, "#evidence", "Jayden's disclosure to his teacher.").await;
    type_into(&b, "#outcome_sought", "A strategy meeting today.").await;
    continue_with_keys(&b).await;

    assert_eq!(b.path().await, "/raise/check");
    let answers = b.text("main").await;
    assert!(answers.contains("Jayden Moss: at immediate risk of significant harm"));
    assert!(answers.contains("Jayden disclosed an assault"), "{answers}");
    b.screenshot("check").await;
    continue_with_keys(&b).await;

    let path = b.path().await;
    assert!(path.ends_with("?done=raised"), "{path}");
    // Started at Stage Two, with the reason on the record.
    let tracker = b.text_content(".accord-tracker__summary").await;
    assert!(tracker.starts_with("Stage 2 of 5"), "{tracker}");
    let case = b.text("main").await;
    assert!(
        case.contains("Jayden disclosed an assault at home this morning"),
        "{case}"
    );
    b.close().await;
}

/// The open demo case of Sutton's `track` at `stage`, and its raising
/// agency, as the partnership team's register lists it.
async fn sutton_case_at(app: &common::TestApp, track: &str, stage: u8) -> (String, String) {
    let team = sign_in(app, "sut-partnership-team").await;
    let (status, register) = get_as(app, &team, "/api/v1/register").await;
    assert_eq!(status, 200);
    let case = register["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["track"] == track && c["stage"] == stage && c["status"] == "open")
        .unwrap_or_else(|| panic!("the demo has an open Sutton {track} case at Stage {stage}"));
    (
        case["id"].as_str().unwrap().to_owned(),
        case["parties"][0].as_str().unwrap().to_owned(),
    )
}

/// Sutton, SUT-11 and SUT-7, in the browser. The Safeguarding Advisor,
/// whose only part in a Stage 2 case is their section of Appendix 1, is
/// offered that form alone, asked only their section (the referrer's
/// answers are shown, not asked), and signs it. The raising agency's
/// designated safeguarding lead records, on a conference dissent at
/// Stage 2, whether they concur (§7c), and a page sent without an answer
/// says what to choose.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sutton_advisor_signs_appendix_1_and_the_designated_lead_concurs_in_the_browser() {
    let (app, _state, _clock) = spawn_app_with_demo_and_clock().await;
    let (signing, _) = sutton_case_at(&app, "professional", 2).await;
    let (dissent, raising) = sutton_case_at(&app, "conference-dissent", 2).await;

    let mut b = Browser::start("sutton-advisor", &app.address).await;
    b.sign_in("sut-safeguarding-advisor").await;
    // The case awaits them on My work, which links to it.
    b.open("/my-work").await;
    let page = b.text("main").await;
    let awaiting = page
        .split("Due in the next")
        .next()
        .expect("My work lists what awaits first");
    assert!(awaiting.contains(&signing), "{page}");
    b.follow(&signing).await;
    assert_eq!(b.path().await, format!("/cases/{signing}"));
    let case = b.text("main").await;
    assert!(
        !case.contains("Record a discussion"),
        "the Advisor is offered their form only: {case}"
    );
    b.follow(
        "Submit the Local Safeguarding Children Board multi-agency escalation procedure for \
         professionals re: unresolved child protection or child welfare concerns",
    )
    .await;
    let page = b.text("main").await;
    assert!(
        page.contains("You are asked for your part of it only"),
        "{page}"
    );
    assert!(
        page.contains("The problem: what the disagreement is about"),
        "{page}"
    );
    assert!(
        b.client
            .find(fantoccini::Locator::Id("f-the-problem"))
            .await
            .is_err(),
        "the referrer's answers are not asked of the Advisor"
    );
    look(&mut b, "sutton-advisor-appendix-1").await;
    b.fill("f-safeguarding-advisor-name", "Robin Advisor").await;
    b.fill("f-safeguarding-advisor-signature", "Robin Advisor")
        .await;
    b.fill("f-safeguarding-advisor-date", "2").await;
    b.fill("f-safeguarding-advisor-date-month", "6").await;
    b.fill("f-safeguarding-advisor-date-year", "2025").await;
    b.submit().await;
    assert!(
        b.path().await.ends_with("?done=submit-form"),
        "{}",
        b.text("main").await
    );
    // Another form of the policy is not theirs to submit.
    b.open(&format!(
        "/cases/{signing}/submit-form?form=written-report-to-heads-of-service"
    ))
    .await;
    let refused = b.text("main").await;
    assert!(
        refused.contains("Your part in this case is your section of the Local Safeguarding"),
        "{refused}"
    );
    b.close().await;

    let mut b = Browser::start("sutton-concurrence", &app.address).await;
    b.sign_in(&format!("{raising}-safeguarding-lead")).await;
    b.open(&format!("/cases/{dissent}")).await;
    b.follow("Record whether you concur").await;
    let page = b.text("main").await;
    assert!(page.contains("designated safeguarding lead"), "{page}");
    look(&mut b, "sutton-concurrence").await;
    b.submit().await;
    let missing = errors(&b).await;
    assert!(missing.contains("Select whether you concur"), "{missing}");
    assert!(
        missing.contains("Enter why you do or do not concur"),
        "{missing}"
    );
    look(&mut b, "sutton-concurrence-error").await;
    b.choose("concurs", "yes").await;
    b.fill(
        "reason",
        "The decision leaves the child at risk of significant harm.",
    )
    .await;
    b.submit().await;
    assert!(
        b.path().await.ends_with("?done=record-concurrence"),
        "{}",
        b.text("main").await
    );
    assert!(b.text("main").await.contains("Escalate to Stage 3"));
    b.close().await;
}
