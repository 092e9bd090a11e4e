//! The partnership's records on the web (issue 17 §2 and §3): the
//! partnership team answers a subject access request at `/subject-access`
//! and downloads the export as a PDF or JSON; administrators set the
//! retention schedule at `/retention`, and the team places and releases
//! legal holds there. Each refuses those it is not for, and names what to
//! fix in every bad answer.

mod browser;
mod common;

use accord_case::{Case, CaseId};
use accord_store::{AuditSubject, ChangedBy};
use browser::Browser;
use common::{TestApp, page_as, post_form_as, sign_in, spawn_app_with_demo};

/// A closed Havering demo case, and one of its children's names.
async fn closed_case(state: &accord_web::AppState) -> (Case, String) {
    for entry in state.store().all_cases().await.unwrap() {
        if entry.case.as_str().starts_with("HAV-") && entry.status.is_closed() {
            let case = state.store().load_case(&entry.case).await.unwrap().unwrap();
            if let Some(child) = case.subjects().first() {
                let name = child.name.as_str().to_owned();
                return (case, name);
            }
        }
    }
    panic!("Havering's demo has a closed case about a child");
}

async fn body(response: reqwest::Response) -> (u16, String) {
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn status_of(app: &TestApp, who: &str, path: &str, fields: &[(&str, &str)]) -> u16 {
    let session = sign_in(app, who).await;
    post_form_as(app, &session, path, fields)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_team_downloads_everything_held_about_a_child_and_the_download_is_recorded() {
    let (app, state) = spawn_app_with_demo().await;
    let (case, name) = closed_case(&state).await;
    let team = sign_in(&app, "hav-partnership-team").await;

    let (status, page) = page_as(&app, &team, "/subject-access").await;
    assert_eq!(status, 200);
    assert!(page.contains("Answer a subject access request"));
    assert!(
        page.contains("check_before_release"),
        "the page says what to review"
    );
    // My work leads the team there.
    let (_, work) = page_as(&app, &team, "/my-work").await;
    assert!(work.contains("href=\"/subject-access\""));
    assert!(work.contains("href=\"/retention\""));

    // JSON: the case, the child, free text marked, and who read it.
    let response = post_form_as(
        &app,
        &team,
        "/subject-access",
        &[
            ("about", "child"),
            ("child_name", &name),
            ("format", "json"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"subject-access-")
            && disposition.ends_with(".json\""),
        "{disposition}"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let export: serde_json::Value = response.json().await.unwrap();
    let cases = export["cases"].as_array().unwrap();
    let ours = cases
        .iter()
        .find(|c| c["case"] == case.id().as_str())
        .unwrap_or_else(|| panic!("the export holds {}: {export}", case.id()));
    assert_eq!(ours["subjects"][0]["name"], name.as_str());
    assert!(ours.to_string().contains("\"check_before_release\":true"));
    assert_eq!(export["made_by"], "hav-partnership-team");

    // The PDF of the same.
    let response = post_form_as(
        &app,
        &team,
        "/subject-access",
        &[("about", "child"), ("child_name", &name), ("format", "pdf")],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");

    // Each download is recorded: in the directory audit, by reference
    // only, and in the case's access log.
    let audit = state.store().directory_audit("havering", 50).await.unwrap();
    let made: Vec<_> = audit
        .iter()
        .filter(|e| e.what == "subject_access.export")
        .collect();
    assert_eq!(made.len(), 2, "each download is an export made");
    for entry in made {
        assert_eq!(entry.subject, AuditSubject::Case);
        assert_eq!(
            entry.by,
            ChangedBy::Person(accord_case::PersonId::parse("hav-partnership-team").unwrap())
        );
        assert!(
            entry.after["cases"]
                .to_string()
                .contains(case.id().as_str())
        );
        assert!(!entry.after.to_string().contains(&name));
    }
    let reads = state.store().reads_of(case.id()).await.unwrap();
    assert_eq!(
        reads
            .iter()
            .filter(|r| r.purpose == "subject access")
            .count(),
        2
    );

    // A professional's: every case they took part in.
    let response = post_form_as(
        &app,
        &team,
        "/subject-access",
        &[
            ("about", "professional"),
            ("person", case.raised_by().person.as_str()),
            ("format", "json"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let theirs: serde_json::Value = response.json().await.unwrap();
    assert_eq!(theirs["about"], "a professional");
    assert!(
        theirs["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["case"] == case.id().as_str()),
        "the raiser's export holds the case they raised"
    );
}

#[tokio::test]
async fn a_subject_access_request_says_what_to_fix_and_refuses_everyone_but_the_team() {
    let (app, _state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    for (fields, field, message) in [
        (
            vec![("about", "child"), ("format", "pdf")],
            "child_name",
            "Enter words of the child&#39;s name, their date of birth, NHS number or local identifier",
        ),
        (
            vec![("about", "child"), ("nhs_number", "123"), ("format", "pdf")],
            "nhs_number",
            "An NHS number has 10 digits; you typed 3",
        ),
        (
            vec![
                ("about", "child"),
                ("dob-day", "31"),
                ("dob-month", "2"),
                ("dob-year", "2015"),
            ],
            "dob",
            "The date of birth must be a real date",
        ),
        (
            vec![("about", "professional"), ("format", "json")],
            "person",
            "Choose the professional the request is about",
        ),
        (
            vec![("about", "professional"), ("person", "nobody-here")],
            "person",
            "Choose a professional from the list",
        ),
    ] {
        let (status, page) =
            body(post_form_as(&app, &team, "/subject-access", &fields).await).await;
        assert_eq!(status, 422, "{fields:?}");
        assert!(page.contains("govuk-error-summary"), "{fields:?}");
        assert!(
            page.contains(&format!("href=\"#{field}")),
            "{fields:?} names {field}"
        );
        assert!(page.contains(message), "{fields:?}: {message}");
    }
    // What was typed is kept.
    let (_, page) = body(
        post_form_as(
            &app,
            &team,
            "/subject-access",
            &[
                ("about", "child"),
                ("child_name", "Ali"),
                ("nhs_number", "123"),
            ],
        )
        .await,
    )
    .await;
    assert!(page.contains("value=\"Ali\""));

    for who in ["hav-admin", "hav-csc-practitioner", "hav-chair"] {
        let session = sign_in(&app, who).await;
        let (status, _) = page_as(&app, &session, "/subject-access").await;
        assert_eq!(status, 403, "{who} may not open the page");
        let (_, work) = page_as(&app, &session, "/my-work").await;
        assert!(!work.contains("href=\"/subject-access\""), "{who}");
        assert_eq!(
            status_of(
                &app,
                who,
                "/subject-access",
                &[("about", "child"), ("child_name", "Child")]
            )
            .await,
            403,
            "{who} may not make an export"
        );
    }
}

#[tokio::test]
async fn administrators_set_the_schedule_and_the_team_holds_cases() {
    let (app, state) = spawn_app_with_demo().await;
    let (case, _) = closed_case(&state).await;
    let id = case.id().to_string();
    let admin = sign_in(&app, "hav-admin").await;

    let (status, page) = page_as(&app, &admin, "/retention").await;
    assert_eq!(status, 200);
    assert!(page.contains("No schedule is set, so no case is erased."));
    let (_, home) = page_as(&app, &admin, "/admin").await;
    assert!(home.contains("href=\"/retention\"") && home.contains("Not set"));

    // Every bad answer is named, with what to do.
    for (fields, field, message) in [
        (
            vec![("notice_days", "30")],
            "years_after_closure",
            "Enter the years after closure, the birthday&#39;s age, or both",
        ),
        (
            vec![("years_after_closure", "0"), ("notice_days", "30")],
            "years_after_closure",
            "The years after closure must be between 1 and 120",
        ),
        (
            vec![("years_after_closure", "six"), ("notice_days", "30")],
            "years_after_closure",
            "The years after closure must be a whole number, like 5",
        ),
        (
            vec![("until_birthday", "25"), ("notice_days", "400")],
            "notice_days",
            "The days of notice must be from 0 to 365",
        ),
        (
            vec![("until_birthday", "25"), ("notice_days", "")],
            "notice_days",
            "Enter how many days of notice the partnership team has, from 0 to 365",
        ),
    ] {
        let (status, page) =
            body(post_form_as(&app, &admin, "/retention/schedule", &fields).await).await;
        assert_eq!(status, 422, "{fields:?}");
        assert!(page.contains(&format!("href=\"#{field}\"")), "{fields:?}");
        assert!(page.contains(message), "{fields:?}: {message}");
    }
    assert_eq!(
        state.store().retention_schedule("havering").await.unwrap(),
        None
    );

    let response = post_form_as(
        &app,
        &admin,
        "/retention/schedule",
        &[
            ("years_after_closure", "6"),
            ("until_birthday", "25"),
            ("notice_days", "30"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/retention?done=schedule");
    let schedule = state
        .store()
        .retention_schedule("havering")
        .await
        .unwrap()
        .expect("saved");
    assert_eq!(schedule.years_after_closure, Some(6));
    assert_eq!(schedule.until_birthday, Some(25));
    assert_eq!(schedule.notice_days, 30);
    let audit = state.store().directory_audit("havering", 20).await.unwrap();
    let set = audit
        .iter()
        .find(|e| e.what == "setting.retention")
        .expect("audited");
    assert_eq!(
        set.by,
        ChangedBy::Person(accord_case::PersonId::parse("hav-admin").unwrap())
    );
    assert_eq!(set.after["years_after_closure"], 6);

    let (_, page) = page_as(&app, &admin, "/retention?done=schedule").await;
    assert!(page.contains("The retention schedule is saved"));
    assert!(page.contains(
        "Each closed case is kept 6 years after it closed and until the youngest child&#39;s \
         25th birthday, whichever is later. The partnership team is told 30 days before one is \
         erased."
    ));
    // The plan lists the closed case by reference; an administrator sees
    // no case, so it is no link for them.
    assert!(page.contains(&format!("<span class=\"accord-nowrap\">{id}</span>")));
    assert!(!page.contains(&format!("href=\"/cases/{id}\"")));
    assert!(!page.contains("Place a legal hold"), "holds are the team's");

    // The team places a hold, with its reason; nothing else.
    let team = sign_in(&app, "hav-partnership-team").await;
    let (status, page) = page_as(&app, &team, "/retention").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"/cases/{id}\"")));
    assert!(
        !page.contains("Save the schedule"),
        "the schedule is the administrators'"
    );
    assert_eq!(
        status_of(
            &app,
            "hav-partnership-team",
            "/retention/schedule",
            &[("years_after_closure", "1"), ("notice_days", "0")]
        )
        .await,
        403
    );
    for (fields, field, message) in [
        (
            vec![("case", ""), ("reason", "A review")],
            "case",
            "Enter the reference of the case to hold",
        ),
        (
            vec![("case", "HAV-NOPE-9999"), ("reason", "A review")],
            "case",
            "Your partnership has no case",
        ),
        (
            vec![("case", id.as_str()), ("reason", " ")],
            "reason",
            "Enter why the case must be kept",
        ),
    ] {
        let (status, page) =
            body(post_form_as(&app, &team, "/retention/holds", &fields).await).await;
        assert_eq!(status, 422, "{fields:?}");
        assert!(page.contains(&format!("href=\"#{field}\"")), "{fields:?}");
        assert!(page.contains(message), "{fields:?}: {message}");
    }
    let reason = "Child Safeguarding Practice Review under way";
    let lower = id.to_lowercase();
    let response = post_form_as(
        &app,
        &team,
        "/retention/holds",
        &[("case", lower.as_str()), ("reason", reason)],
    )
    .await;
    assert_eq!(
        response.status(),
        303,
        "a reference in small letters is the same case"
    );
    let holds = state.store().legal_holds().await.unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].case, CaseId::parse(&id).unwrap());
    assert_eq!(holds[0].reason, reason);
    let (_, page) = page_as(&app, &team, "/retention?done=held").await;
    assert!(page.contains(reason), "the team reads the reason");
    // Holding it again is refused, and says why.
    let (status, again) = body(
        post_form_as(
            &app,
            &team,
            "/retention/holds",
            &[("case", id.as_str()), ("reason", "Court")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(again.contains("is held already"));
    // The administrator sees that it is held, and not why.
    let (_, page) = page_as(&app, &admin, "/retention").await;
    assert!(page.contains("A hold placed by"));
    assert!(!page.contains(reason));
    assert_eq!(
        status_of(
            &app,
            "hav-admin",
            &format!("/retention/holds/{id}/release"),
            &[]
        )
        .await,
        403
    );

    let response = post_form_as(&app, &team, &format!("/retention/holds/{id}/release"), &[]).await;
    assert_eq!(response.status(), 303);
    assert!(state.store().legal_holds().await.unwrap().is_empty());
    let response = post_form_as(&app, &team, &format!("/retention/holds/{id}/release"), &[]).await;
    assert_eq!(response.status(), 404, "there is no hold left to release");

    // Removing the schedule.
    let response = post_form_as(&app, &admin, "/retention/schedule", &[("remove", "yes")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        state.store().retention_schedule("havering").await.unwrap(),
        None
    );

    for who in ["hav-csc-practitioner", "hav-chair"] {
        let session = sign_in(&app, who).await;
        let (status, _) = page_as(&app, &session, "/retention").await;
        assert_eq!(status, 403, "{who}");
        assert_eq!(
            status_of(
                &app,
                who,
                "/retention/holds",
                &[("case", id.as_str()), ("reason", "x")]
            )
            .await,
            403,
            "{who}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_records_pages_pass_axe_in_chromium_on_a_desk_and_a_phone() {
    let (app, state) = spawn_app_with_demo().await;
    let (case, _) = closed_case(&state).await;
    let id = case.id().to_string();
    let mut b = Browser::start("records-pages", &app.address).await;

    // An administrator sets the schedule, from Administration.
    b.sign_in("hav-admin").await;
    b.open("/admin").await;
    b.follow("Retention").await;
    assert_eq!(b.text("h1").await, "Retention and legal holds");
    b.axe("no schedule").await;
    b.press_button("form[action='/retention/schedule'] button[type=submit]")
        .await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("Enter the years after closure")
    );
    b.axe("a schedule with no rule").await;
    b.fill("years_after_closure", "6").await;
    b.fill("notice_days", "30").await;
    b.press_button("form[action='/retention/schedule'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/retention?done=schedule");
    assert!(
        b.text("#schedule")
            .await
            .contains("6 years after it closed")
    );
    b.axe("a schedule set").await;
    b.at_phone_width("retention-admin-phone").await;
    b.sign_out().await;

    // The team holds a case, then answers a request with nobody named.
    b.sign_in("hav-partnership-team").await;
    b.open("/my-work").await;
    b.follow("Retention and legal holds").await;
    b.fill("case", &id).await;
    b.fill("reason", "Court proceedings").await;
    b.press_button("form[action='/retention/holds'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/retention?done=held");
    assert!(b.text("main").await.contains("Court proceedings"));
    b.axe("a case held").await;
    b.screenshot("held").await;
    b.at_phone_width("retention-team-phone").await;
    b.open("/my-work").await;
    b.follow("Answer a subject access request").await;
    b.axe("the subject access page").await;
    b.press_button("main form button[value=pdf]").await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("Enter words of the child's name")
    );
    b.axe("a request about nobody").await;
    b.at_phone_width("subject-access-phone").await;
    b.close().await;
}
