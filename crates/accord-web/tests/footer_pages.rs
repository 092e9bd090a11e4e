//! The footer's pages (issue 14 §8: "The footer links to an accessibility
//! statement, a privacy notice, and help and contact pages. Each
//! partnership can set the words and addresses of its own."), on the real
//! server over the demo: read signed out and signed in, set by a
//! partnership's administrator, refused to everyone else, and audited.

mod common;

use common::{page_as, post_form_as, sign_in, spawn_app_with_demo};

const PAGES: [(&str, &str); 4] = [
    ("accessibility", "Accessibility statement"),
    ("privacy", "Privacy notice"),
    ("help", "Help"),
    ("contact", "Contact"),
];

#[tokio::test]
async fn every_page_links_to_the_four_and_each_reads_without_signing_in() {
    let (app, _state) = spawn_app_with_demo().await;
    let sign_in_page = app.get("/sign-in").await.text().await.unwrap();
    for (slug, title) in PAGES {
        assert!(
            sign_in_page.contains(&format!("href=\"/about/{slug}\">{title}</a>")),
            "the footer has no link to {slug}"
        );
        let response = app.get(&format!("/about/{slug}")).await;
        assert_eq!(response.status(), 200, "{slug}");
        let body = response.text().await.unwrap();
        assert!(body.contains(&format!("<h1 class=\"govuk-heading-l\">{title}</h1>")));
        assert!(!body.contains("{whose}"));
    }
    let privacy = app.get("/about/privacy").await.text().await.unwrap();
    assert!(
        privacy.contains("your partnership is the controller"),
        "{privacy}"
    );
    assert!(privacy.contains("Data Protection Act 2018, Schedule 1"));
    assert!(privacy.contains("0303 123 1113"));
    let help = app.get("/about/help").await.text().await.unwrap();
    assert!(help.contains("If a child is at immediate risk"));
    assert_eq!(app.get("/about/cookies").await.status(), 404);
    assert_eq!(
        app.get("/about/privacy?partnership=nowhere").await.status(),
        404
    );

    // Signed in, the words name the reader's own partnership.
    let practitioner = sign_in(&app, "hav-csc-practitioner").await;
    let (status, page) = page_as(&app, &practitioner, "/about/privacy").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("the Havering Safeguarding Children Partnership is the controller"),
        "{page}"
    );
}

#[tokio::test]
async fn an_administrator_sets_their_partnerships_own_words_and_address() {
    let (app, state) = spawn_app_with_demo().await;
    let admin = sign_in(&app, "hav-admin").await;
    let (status, list) = page_as(&app, &admin, "/admin/pages").await;
    assert_eq!(status, 200);
    assert_eq!(
        list.matches("Accord&#39;s standard words").count(),
        4,
        "{list}"
    );

    // A mistake is named, and what was typed is kept.
    let response = post_form_as(
        &app,
        &admin,
        "/admin/pages/privacy",
        &[
            ("words", "Our notice."),
            ("address", "www.havering.gov.uk/privacy"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Enter the page&#39;s full address, starting https://"),
        "{page}"
    );
    assert!(page.contains("Our notice."));

    let words = "The Havering Safeguarding Children Partnership is the controller.\n\n\
                 Write to the HSCP business unit at Town Hall, Romford.\nRM1 3BD";
    let response = post_form_as(
        &app,
        &admin,
        "/admin/pages/privacy",
        &[
            ("words", words),
            ("address", "https://www.havering.gov.uk/privacy"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin/pages?done=privacy");
    let (_, list) = page_as(&app, &admin, "/admin/pages?done=privacy").await;
    assert!(list.contains("The privacy notice is saved"));
    assert!(list.contains("Your own words and a link"));

    // Havering's people read Havering's words, paragraphs and lines kept,
    // with the link to its own page; Sutton's still read the standard words.
    let practitioner = sign_in(&app, "hav-csc-practitioner").await;
    let (_, page) = page_as(&app, &practitioner, "/about/privacy").await;
    assert!(page.contains(
        "<p class=\"govuk-body\">Write to the HSCP business unit at Town Hall, Romford.<br>RM1 3BD</p>"
    ), "{page}");
    assert!(page.contains(
        "<a class=\"govuk-link\" href=\"https://www.havering.gov.uk/privacy\">Read Havering Safeguarding Children Partnership&#39;s own privacy notice</a>"
    ), "{page}");
    assert!(!page.contains("What Accord records"));
    let sutton = sign_in(&app, "sut-school-practitioner").await;
    let (_, page) = page_as(&app, &sutton, "/about/privacy").await;
    assert!(page.contains("What Accord records"));

    // Signed out, the standard page lists the partnerships that have their
    // own, and each reads as its people do.
    let public = app.get("/about/privacy").await.text().await.unwrap();
    assert!(
        public.contains("href=\"/about/privacy?partnership=havering\""),
        "{public}"
    );
    let public = app
        .get("/about/privacy?partnership=havering")
        .await
        .text()
        .await
        .unwrap();
    assert!(public.contains("RM1 3BD"));

    // Nobody but an administrator may change them.
    let manager = sign_in(&app, "hav-csc-manager").await;
    let response = post_form_as(
        &app,
        &manager,
        "/admin/pages/privacy",
        &[("words", "Not mine to change"), ("address", "")],
    )
    .await;
    assert_eq!(response.status(), 403);
    let (_, page) = page_as(&app, &practitioner, "/about/privacy").await;
    assert!(page.contains("RM1 3BD"));

    // The change is in the directory audit, with who made it.
    let audit = state.store().directory_audit("havering", 50).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.what == "setting.page.privacy")
        .expect("the change is audited");
    assert_eq!(
        entry.by,
        accord_store::ChangedBy::Person("hav-admin".parse().unwrap())
    );
    assert_eq!(
        entry.after["address"],
        "https://www.havering.gov.uk/privacy"
    );

    // Emptied, the page goes back to the standard words.
    let response = post_form_as(
        &app,
        &admin,
        "/admin/pages/privacy",
        &[("words", ""), ("address", "")],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, page) = page_as(&app, &practitioner, "/about/privacy").await;
    assert!(page.contains("What Accord records"));
}
