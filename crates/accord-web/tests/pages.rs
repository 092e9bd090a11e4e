//! The web pages in real Chromium, on the seeded demo (issue 5): signing
//! in through the page, My work, a case page with its stage tracker and its
//! print view, the register with its filters and CSV, and signing out.
//! axe-core runs on every page with no WCAG 2.2 AA violation allowed, and
//! every page is screenshotted into `target/browser-screenshots/`.

mod browser;
mod common;

use browser::Browser;
use common::{PASSWORD, spawn_app_with_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partnership_team_signs_in_reads_its_work_a_case_and_the_register() {
    let (app, _state) = spawn_app_with_demo().await;
    let mut b = Browser::start("partnership-team", &app.address).await;

    // A page that needs someone signed in sends them to sign in first, and
    // back afterwards.
    b.open("/register").await;
    assert_eq!(b.path().await, "/sign-in?next=%2Fregister");
    b.axe("the sign-in page").await;
    b.screenshot("sign-in").await;

    // A mistake is shown in the error summary and by the field, and the
    // name typed is kept.
    b.fill("sign_in", "hav-partnership-team").await;
    b.fill("password", "not the password").await;
    b.press_button("main button[type=submit]").await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("is not right")
    );
    assert_eq!(
        b.find("#sign_in")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("hav-partnership-team")
    );
    assert!(b.client.title().await.unwrap().starts_with("Error: "));
    b.axe("the sign-in page with an error").await;
    b.screenshot("sign-in-error").await;

    b.fill("password", PASSWORD).await;
    b.click("main button[type=submit]").await;
    b.wait_for(|p| p == "/register").await;
    b.axe("the register").await;
    b.screenshot("register").await;
    b.docs_shot("register").await;
    let listed = b.text("table").await;
    assert!(listed.contains("HAV-DEMO-0001"), "{listed}");
    assert!(!listed.contains("SUT-DEMO"), "another partnership's case");

    // Filtering by "overdue only" keeps only overdue cases.
    b.click("#overdue").await;
    b.click("#filters button[type=submit]").await;
    b.wait_for(|p| p.contains("overdue=yes")).await;
    let overdue = b.text("table tbody").await;
    let rows: Vec<&str> = overdue.lines().filter(|l| l.contains("HAV-DEMO")).collect();
    assert!(!rows.is_empty(), "the demo has overdue cases: {overdue}");
    for line in &rows {
        assert!(line.contains("Overdue"), "{line}");
    }
    // HAV-DEMO-0007 has no deadline (its panel is convened): not overdue.
    assert!(!overdue.contains("HAV-DEMO-0007"), "{overdue}");
    assert!(listed.contains("HAV-DEMO-0007"), "{listed}");
    b.axe("the register, filtered").await;
    b.screenshot("register-overdue").await;

    b.open("/my-work").await;
    assert_eq!(b.text("h1").await, "My work");
    b.axe("My work").await;
    b.screenshot("my-work").await;
    b.docs_shot("my-work").await;

    // A case with a panel convened, at Stage 4.
    b.open("/cases/HAV-DEMO-0007").await;
    assert!(b.text("h1").await.contains("HAV-DEMO-0007"));
    let tracker = b.find(".accord-tracker__summary").await;
    let label = tracker.text().await.unwrap_or_default();
    assert!(label.starts_with("Stage 4 of 4: "), "{label}");
    assert!(b.text("main").await.contains("Resolution Panel"));
    b.axe("a case page").await;
    b.screenshot("case").await;
    b.docs_shot("case").await;

    b.open("/cases/HAV-DEMO-0007/print").await;
    b.axe("a case's print view").await;
    b.screenshot("case-print").await;

    // Another partnership's case is a page that is not found.
    b.open("/cases/SUT-DEMO-0001").await;
    assert_eq!(b.text("h1").await, "Page not found");
    b.axe("page not found").await;

    b.click("form.accord-sign-out button").await;
    b.wait_for(|p| p == "/sign-in").await;
    b.open("/my-work").await;
    assert!(b.path().await.starts_with("/sign-in"));
    b.close().await;
}

/// Every built-in policy has a page drawing each track as a flowchart of
/// its stages, with the same in words, and passes axe-core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_policy_is_drawn_as_a_flowchart_of_its_stages() {
    let (app, _state) = spawn_app_with_demo().await;
    let mut b = Browser::start("policies", &app.address).await;
    b.sign_in("hav-csc-practitioner").await;
    b.open("/policies").await;
    let list = b.text("main").await;
    assert!(list.contains("Your partnership's"), "{list}");
    b.axe("the list of policies").await;
    b.screenshot("policies").await;
    for (id, stages, quote) in [
        // HAV-5: "the Independent Reviewing Officer (IRO) must also be notified" (§2.5).
        ("havering-2022", 4, "Independent Reviewing Officer"),
        (
            "plymouth-2025",
            5,
            "discretion should be used as to which stage is initiated",
        ),
        ("sutton-2015", 6, "Appendix 1"),
        ("east-riding-2018", 5, "conference"),
        ("isle-of-man-2023", 4, "referral form"),
    ] {
        b.open(&format!("/policies/{id}")).await;
        let page = b.text("main").await;
        assert!(page.contains(quote), "{id}: {quote}");
        let boxes = b
            .client
            .execute(
                "return document.querySelector('svg.accord-flowchart').querySelectorAll('rect.accord-flowchart__stage').length",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(boxes, stages, "{id}'s first track");
        let title = b.text_content("svg.accord-flowchart title").await;
        assert!(title.contains(&format!("{stages} stages")), "{title}");
        b.axe(&format!("the {id} policy")).await;
        b.screenshot(id).await;
        if id == "havering-2022" {
            b.docs_shot_of("svg.accord-flowchart", "policy-flowchart")
                .await;
        }
    }
    b.close().await;
}

/// Issue 5: "Sign in, with a second factor where the partnership requires
/// it." Someone whose partnership requires one is sent to set it up before
/// anything else: the password again, then the secret as a QR code and as
/// text, then a code from the app. The next sign-in asks for a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_factor_is_set_up_in_the_browser_when_the_partnership_requires_it() {
    let (app, state, clock) = common::spawn_app_with_demo_and_clock().await;
    state
        .store()
        .require_second_factor(
            "havering",
            true,
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let mut b = Browser::start("second-factor", &app.address).await;
    b.open("/sign-in").await;
    b.fill("sign_in", "hav-csc-manager").await;
    b.fill("password", PASSWORD).await;
    b.submit().await;
    assert_eq!(b.path().await, "/second-factor");
    // Every other page sends them back here until it is set up.
    b.open("/register").await;
    assert_eq!(b.path().await, "/second-factor");
    assert!(
        b.text("main")
            .await
            .contains("Your partnership asks everyone")
    );
    b.axe("setting up a second factor").await;
    b.screenshot("password").await;

    b.fill("password", "not my password").await;
    b.submit().await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("not your password")
    );
    b.axe("setting up a second factor, wrong password").await;
    b.fill("password", PASSWORD).await;
    b.submit().await;

    assert!(b.find("svg.accord-qr").await.is_displayed().await.unwrap());
    let secret: String = b
        .text("#secret")
        .await
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    b.axe("the secret and its QR code").await;
    b.screenshot("secret").await;
    b.fill("code", "000000").await;
    b.submit().await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("not the one your authenticator app shows")
    );
    assert!(
        b.find("svg.accord-qr").await.is_displayed().await.unwrap(),
        "shown again"
    );
    b.axe("the secret, wrong code").await;
    let code = accord_store::code_at(&secret, clock.now()).unwrap();
    b.fill("code", &code).await;
    b.submit().await;
    assert_eq!(b.path().await, "/my-work");
    b.sign_out().await;

    // Next time, the code is asked for; each code signs in once.
    clock.advance(60);
    b.open("/sign-in").await;
    b.fill("sign_in", "hav-csc-manager").await;
    b.fill("password", PASSWORD).await;
    b.submit().await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("6-digit code")
    );
    b.fill("password", PASSWORD).await;
    b.fill(
        "code",
        &accord_store::code_at(&secret, clock.now()).unwrap(),
    )
    .await;
    b.submit().await;
    assert_eq!(b.path().await, "/my-work");
    b.close().await;
}

/// Issue 5: "Administration: agencies, people and roles, and calendars."
/// An administrator adds an agency and a person with a first password,
/// gives them a role the policy names, disables and enables their account,
/// reads those changes on record (issue 11) and the calendars; the person
/// then signs in. Administrators see
/// no case, and nobody else sees administration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_looks_after_agencies_people_and_accounts() {
    let (app, _state) = spawn_app_with_demo().await;
    let mut b = Browser::start("administration", &app.address).await;

    // Someone who is not an administrator is told administration is not
    // theirs.
    b.sign_in("hav-csc-manager").await;
    b.open("/admin").await;
    assert_eq!(b.text("h1").await, "You cannot do that");
    b.sign_out().await;

    b.sign_in("hav-admin").await;
    assert_eq!(b.path().await, "/admin");
    assert!(
        b.text("main")
            .await
            .contains("Administrators see no disagreement")
    );
    b.axe("administration").await;
    b.screenshot("administration").await;
    // An administrator sees no case.
    b.open("/cases/HAV-DEMO-0001").await;
    assert_eq!(b.text("h1").await, "Page not found");

    b.open("/admin/agencies").await;
    b.axe("agencies").await;
    b.screenshot("agencies").await;
    b.follow("Add an agency").await;
    b.submit().await;
    let errors = b.text(".govuk-error-summary").await;
    assert!(errors.contains("Enter the agency's name"), "{errors}");
    b.axe("adding an agency, with errors").await;
    b.fill(
        "name",
        "Barking, Havering and Redbridge University Hospitals",
    )
    .await;
    b.choose("kind", "health").await;
    b.submit().await;
    assert!(b.path().await.ends_with("?done=agency"));
    assert!(
        b.text("table")
            .await
            .contains("Barking, Havering and Redbridge")
    );

    b.open("/admin/people").await;
    assert!(b.text("table").await.contains("Ifan Kinvig"));
    b.axe("people").await;
    b.screenshot("people").await;
    b.follow("Add a person").await;
    b.fill("name", "Olu Adeyemi").await;
    b.fill("email", "olu.adeyemi").await;
    b.fill("sign_in", "hav-bhr-named-nurse").await;
    b.choose("tier", "practitioner").await;
    b.choose("roles", "hscp-member").await;
    b.submit().await;
    let errors = b.text(".govuk-error-summary").await;
    assert!(errors.contains("correct format"), "{errors}");
    assert!(errors.contains("Select their agency"), "{errors}");
    // A practitioner sits on no Board (§2.12: "senior officer").
    assert!(errors.contains("is held by a head of service"), "{errors}");
    assert_eq!(
        b.find("#name")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Olu Adeyemi"),
        "nothing typed is lost"
    );
    b.axe("adding a person, with errors").await;
    b.screenshot("adding-a-person-errors").await;
    b.fill("email", "olu.adeyemi@bhr.example.org").await;
    b.fill("job_title", "Named nurse for safeguarding children")
        .await;
    b.click("select#agency").await;
    b.find("select#agency option:nth-child(2)")
        .await
        .click()
        .await
        .unwrap();
    b.choose("tier", "safeguarding-lead").await;
    b.choose("roles", "hscp-member").await; // untick it
    b.choose("roles", "named-safeguarding-professional").await;
    b.submit().await;
    assert!(
        b.path()
            .await
            .starts_with("/admin/people/hav-bhr-named-nurse"),
        "{}",
        b.text("main").await
    );
    // Issue 13 §4: nobody typed their password; they are invited to
    // choose it (tests/invitation_pages.rs follows the email's link).
    let page = b.text("main").await;
    assert!(page.contains("Named Safeguarding Professional"), "{page}");
    assert!(page.contains("No password yet"), "{page}");
    assert!(
        page.contains("goes by email once this server sends email"),
        "{page}"
    );
    b.axe("a person, invited").await;
    b.screenshot("a-person-invited").await;

    // Someone who signs in already: a reset link, disabling, enabling.
    b.open("/admin/people/hav-csc-manager").await;
    let page = b.text("main").await;
    assert!(page.contains("Can sign in"), "{page}");
    b.axe("a person").await;
    b.screenshot("a-person").await;
    b.click("#reset-link").await;
    b.wait_for(|p| p.ends_with("?done=reset-link")).await;
    assert!(
        b.text("main")
            .await
            .contains("goes by email once this server sends email")
    );
    b.axe("a person, sent a reset link").await;

    // Disabling leads to their open work (issue 13 §3). Back on their
    // page, the account is disabled.
    // It asks first, saying what disabling does (issue 14 §7).
    b.click("#disable").await;
    b.wait_for(|p| p == "/admin/people/hav-csc-manager/disable")
        .await;
    assert!(b.text("main").await.contains("signed out at once"));
    b.axe("disabling an account, asked first").await;
    b.click("main button[type=submit]").await;
    b.wait_for(|p| p.ends_with("/handover?done=disabled")).await;
    assert!(b.text("main").await.contains("Their account is disabled"));
    b.axe("a leaver's open work").await;
    b.open("/admin/people/hav-csc-manager").await;
    assert!(b.text("main").await.contains("Disabled"));
    b.axe("a person, disabled").await;
    b.click("main form[action$='/enable'] button").await;
    b.wait_for(|p| p.ends_with("?done=enabled")).await;

    // A practitioner with open work: each piece with who may take it on,
    // and a mistake named in the error summary.
    b.open("/admin/people/hav-health-practitioner/handover")
        .await;
    assert!(b.text("main").await.contains("raiser's part"));
    b.axe("a person's open work").await;
    b.press_button("main form[action$='/handover'] button")
        .await;
    let errors = b.text(".govuk-error-summary").await;
    assert!(errors.contains("Choose who takes it on"), "{errors}");
    assert!(errors.contains("Enter why it is handed over"), "{errors}");
    b.axe("a person's open work, with errors").await;
    b.screenshot("handing-over-open-work-errors").await;

    // Issue 11: every one of those changes is on record, newest first,
    // in words, and the page passes axe like the rest.
    b.open("/admin").await;
    b.follow("Changes to the directory").await;
    assert_eq!(b.path().await, "/admin/audit");
    let audit = b.text("table").await;
    let enabled = audit
        .find("Enabled their account")
        .unwrap_or_else(|| panic!("{audit}"));
    let added = audit
        .find("Added a person")
        .unwrap_or_else(|| panic!("{audit}"));
    assert!(enabled < added, "newest first: {audit}");
    assert!(audit.contains("Olu Adeyemi"), "{audit}");
    assert!(audit.contains("Added an agency"), "{audit}");
    b.axe("changes to the directory").await;
    b.screenshot("changes-to-the-directory").await;

    b.open("/admin/calendars").await;
    let calendars = b.text("main").await;
    assert!(calendars.contains("England and Wales"), "{calendars}");
    assert!(calendars.contains("Christmas Day"));
    b.axe("calendars").await;
    b.screenshot("calendars").await;

    // Importing the directory from CSV (issue 13 §3): the page with its
    // columns and templates, a mistake in the error summary, and the
    // check of what would change, each passing axe.
    b.open("/admin/people").await;
    b.follow("Import from CSV").await;
    assert_eq!(b.path().await, "/admin/directory/import");
    assert!(b.text("main").await.contains("people.csv template"));
    b.axe("importing the directory").await;
    b.submit().await;
    let errors = b.text(".govuk-error-summary").await;
    assert!(errors.contains("Choose the agencies.csv file"), "{errors}");
    b.axe("importing the directory, with errors").await;
    let dir = std::env::temp_dir().join(format!("accord-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let agencies = dir.join("agencies.csv");
    let people = dir.join("people.csv");
    std::fs::write(
        &agencies,
        "id,name,kind\nhav-housing,Havering Housing,housing\n",
    )
    .unwrap();
    std::fs::write(
        &people,
        "sign_in,name,email,agency,tier,roles,job_title\nhav-housing-officer,Ada Mensah,ada.mensah@housing.example.org,hav-housing,practitioner,,Housing officer\n",
    )
    .unwrap();
    for (id, path) in [("agencies", &agencies), ("people", &people)] {
        b.find(&format!("#{id}"))
            .await
            .send_keys(path.to_str().unwrap())
            .await
            .unwrap();
    }
    b.submit().await;
    let check = b.text("main").await;
    assert!(check.contains("People to add (1)"), "{check}");
    b.axe("checking an import").await;
    b.screenshot("checking-an-import").await;
    b.submit().await;
    assert!(b.path().await.ends_with("?done=imported"));
    std::fs::remove_dir_all(&dir).ok();
    b.sign_out().await;
    b.close().await;
}

/// Notifications, a calendar feed and the email that could not be sent,
/// each page and each state passing axe-core: the notifications the job
/// runner delivered (and the page of someone told nothing), the calendar
/// feed page without a feed, with its address shown once, and turned
/// off; and an administrator's failed email, tried again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_calendar_feeds_and_failed_email_pass_axe() {
    let (app, state, clock) = common::spawn_app_with_demo_and_clock().await;
    common::failed_emails(
        &state,
        &[("hav-csc-manager", "hav.manager@havering.example.org")],
    )
    .await;
    common::run_jobs(&state, &clock).await;
    let mut b = Browser::start("notifications", &app.address).await;

    b.sign_in("hav-chair").await;
    // Issue 14 §6: the header counts the unread, in words a screen
    // reader reads whole.
    let unread = state
        .store()
        .unread_notifications(&accord_case::PersonId::parse("hav-chair").unwrap())
        .await
        .unwrap();
    assert!(unread >= 2, "{unread}");
    let menu = b.text_content("#navigation").await;
    assert!(
        menu.contains(&format!("Notifications ({unread} unread)")),
        "{menu}"
    );
    b.click("#navigation a[href=\"/notifications\"]").await;
    b.wait_for(|path| path == "/notifications").await;
    let main = b.text("main").await;
    assert!(main.contains("is now at Stage Four"), "{main}");
    assert!(main.contains("Unread"));
    assert!(!main.contains("Sign in to Accord"), "{main}");
    assert!(!main.contains("https://"), "{main}");
    b.axe("notifications").await;
    b.screenshot("notifications").await;
    b.docs_shot("notifications").await;
    b.at_phone_width("notifications-phone").await;

    // Marking one read, by its own button, reached with the keyboard:
    // back at it, it is no longer unread, and the header counts one fewer.
    let first = b
        .find(".accord-notice")
        .await
        .attr("id")
        .await
        .unwrap()
        .expect("each notification has an id");
    b.tab_to(&format!("#{first} form button[type=submit]"))
        .await;
    b.enter().await;
    assert_eq!(b.path().await, "/notifications");
    let item = b.text(&format!("#{first}")).await;
    assert!(!item.contains("Unread"), "{item}");
    assert!(!item.contains("Mark as read"), "{item}");
    let menu = b.text_content("#navigation").await;
    assert!(
        menu.contains(&format!("Notifications ({} unread)", unread - 1)),
        "{menu}"
    );
    b.axe("a notification marked read").await;
    b.screenshot("notification-marked-read").await;
    b.at_phone_width("notification-marked-read-phone").await;

    // Mark all as read.
    b.submit().await;
    assert_eq!(b.path().await, "/notifications?done=all-read");
    let main = b.text("main").await;
    assert!(main.contains("All your notifications are marked as read"));
    assert!(main.contains("You have read them all."));
    assert!(!b.text_content("#navigation").await.contains("unread"));
    b.axe("all notifications marked read").await;
    b.screenshot("notifications-all-read").await;
    b.at_phone_width("notifications-all-read-phone").await;

    b.open("/my-work").await;
    b.follow("All your notifications").await;
    assert_eq!(b.path().await, "/notifications");
    b.sign_out().await;

    b.sign_in("hav-csc-head-of-service").await;
    b.open("/notifications").await;
    assert!(b.text("main").await.contains("You have no notifications."));
    b.axe("no notifications").await;

    // Issue 13 §4: changing your own password, reached from My work, with
    // its errors beside the fields, then done.
    b.open("/my-work").await;
    b.follow("Change your password").await;
    assert_eq!(b.path().await, "/account/password");
    b.axe("changing your password").await;
    b.submit().await;
    assert!(b.text("main").await.contains("Enter your password now"));
    b.axe("changing your password, with its errors").await;
    b.fill("current_password", PASSWORD).await;
    b.fill("new_password", "three new random words").await;
    b.fill("confirm_password", "three new random words").await;
    b.submit().await;
    assert!(b.text("main").await.contains("Your password is changed"));
    b.axe("the password changed").await;

    b.open("/my-work").await;
    b.follow("Your deadlines in Outlook or Google Calendar")
        .await;
    assert_eq!(b.path().await, "/calendar-feed");
    assert!(
        b.text("main")
            .await
            .contains("You do not have a calendar address.")
    );
    b.axe("the calendar feed, none yet").await;
    b.screenshot("calendar-feed").await;
    b.submit().await;
    let url = b
        .find("#feed-url")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(url.contains("/calendar/"), "{url}");
    b.axe("the calendar feed's address, shown once").await;
    b.screenshot("calendar-feed-made").await;
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    b.click("#revoke").await;
    b.wait_for(|p| p.ends_with("?done=revoked")).await;
    b.axe("the calendar feed, turned off").await;
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
    b.sign_out().await;

    b.sign_in("hav-admin").await;
    b.follow("Email that could not be sent").await;
    assert!(
        b.text("table")
            .await
            .contains("hav.manager@havering.example.org")
    );
    b.axe("email that could not be sent").await;
    b.screenshot("failed-email").await;
    b.submit().await;
    assert!(b.path().await.ends_with("?done=retried"));
    assert!(
        b.text("main")
            .await
            .contains("Accord will try to send the email again")
    );
    b.axe("email that could not be sent, tried again").await;
    b.screenshot("failed-email-retried").await;
    b.close().await;
}
