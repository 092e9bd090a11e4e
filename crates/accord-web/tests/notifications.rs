//! Notifications, calendar feeds and failed email in the browser, on the
//! seeded demo in real SQLite, with the job runner (`accord_jobs`) run
//! over the same store to deliver what the demo's cases have to say:
//!
//! - `/notifications` and My work show a person what was delivered to
//!   them, and nobody else's;
//! - a calendar feed is made, read without a session as iCalendar whose
//!   events are the person's own cases' deadlines (never a child's name),
//!   replaced and revoked;
//! - administrators see the email to their own partnership's people that
//!   could not be sent, and put it back to be sent; nobody else sees it;
//! - a breach the job runner records reads as Accord's own, and nobody
//!   may be given Accord's own sign-in name.

mod common;

use std::collections::BTreeSet;

use accord_calendar::Calendars;
use accord_case::PersonId;
use accord_store::{ChangedBy, Channel, DeliveryStatus};
use common::{Session, TestApp, failed_emails, run_jobs, sign_in, spawn_app_with_demo_and_clock};

/// The page at `path` as `session`: its status and HTML.
async fn page(app: &TestApp, session: &Session, path: &str) -> (u16, String) {
    let response = session
        .on(app.client.get(app.url(path)))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Posts the form at `path` as `session`, with its CSRF token as a form
/// field (as the pages send it, not as a header).
async fn post_form(app: &TestApp, session: &Session, path: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("cookie", &session.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={}", session.csrf))
        .send()
        .await
        .unwrap()
}

/// `text` as askama escapes it in a page.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn person(id: &str) -> PersonId {
    PersonId::parse(id).unwrap()
}

/// How many notifications a notifications page shows.
fn shown(html: &str) -> usize {
    html.matches("<div class=\"accord-notice\"").count()
}

/// The app's line for `delivery`, as stored.
fn happened(delivery: &accord_store::Delivery) -> &str {
    &delivery
        .notice
        .as_ref()
        .expect("the job runner writes the app's words")
        .happened
}

/// The HTML of notification `id` on a notifications page.
fn item(html: &str, id: i64) -> &str {
    let start = html
        .find(&format!("id=\"notice-{id}\""))
        .unwrap_or_else(|| panic!("notification {id} is on the page"));
    let rest = &html[start..];
    let end = ["<hr", "</main>"]
        .iter()
        .filter_map(|e| rest.find(e))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

#[tokio::test]
async fn notifications_are_shown_to_the_person_they_were_delivered_to_only() {
    let (app, state, clock) = spawn_app_with_demo_and_clock().await;
    let store = state.store();
    let team = sign_in(&app, "hav-partnership-team").await;

    // Before the jobs run, nobody has been told anything.
    let (status, html) = page(&app, &team, "/notifications").await;
    assert_eq!(status, 200);
    assert!(html.contains("You have no notifications."), "{html}");
    assert_eq!(shown(&html), 0);

    run_jobs(&state, &clock).await;

    // Havering's people, with what was delivered to each.
    let mut told = Vec::new();
    for p in store.people("havering").await.unwrap() {
        let delivered = store.notifications_for(&p.id, 100).await.unwrap();
        told.push((p, delivered));
    }
    let (someone, theirs) = told
        .iter()
        .max_by_key(|(_, d)| d.len())
        .expect("someone in Havering is told something");
    assert!(!theirs.is_empty());
    assert!(theirs.iter().all(|d| d.channel == Channel::InApp));
    let (nobody, _) = told
        .iter()
        .find(|(p, d)| d.is_empty() && p.tier != accord_policy::RoleTier::Admin)
        .expect("someone in Havering is told nothing");
    let session = sign_in(&app, &someone.sign_in).await;
    let (status, html) = page(&app, &session, "/notifications").await;
    assert_eq!(status, 200);
    assert_eq!(shown(&html), theirs.len().min(100), "{}", someone.sign_in);
    for d in theirs.iter().take(100) {
        assert!(html.contains(&escaped(happened(d))), "{}", happened(d));
        assert!(html.contains(&format!("href=\"/cases/{}\"", d.case.as_ref().unwrap())));
    }
    assert!(
        html.contains("aria-current=\"page\""),
        "the navigation marks it"
    );
    assert!(html.contains("href=\"/notifications\""));

    // My work lists the latest five, and leads to the rest.
    let (_, my_work) = page(&app, &session, "/my-work").await;
    assert!(my_work.contains("All your notifications"));
    for d in theirs.iter().take(5) {
        assert!(my_work.contains(&escaped(happened(d))), "{}", happened(d));
    }
    let listed = my_work
        .split("id=\"notifications\"")
        .nth(1)
        .unwrap()
        .split("<h2")
        .next()
        .unwrap()
        .matches("<li>")
        .count();
    assert_eq!(listed, theirs.len().min(5));

    // Someone told nothing sees none of it.
    let other = sign_in(&app, &nobody.sign_in).await;
    let (_, html) = page(&app, &other, "/notifications").await;
    assert!(html.contains("You have no notifications."));
    assert_eq!(shown(&html), 0);
    let (_, my_work) = page(&app, &other, "/my-work").await;
    assert!(my_work.contains("You have no notifications."));
    let subjects: BTreeSet<&str> = theirs.iter().map(happened).collect();
    for subject in subjects {
        assert!(!html.contains(&escaped(subject)), "{subject}");
    }

    // An administrator has no notifications in the navigation.
    let admin = sign_in(&app, "hav-admin").await;
    let (_, html) = page(&app, &admin, "/admin").await;
    assert!(!html.contains("href=\"/notifications\""));

    // Someone not signed in is sent to sign in.
    let response = app.get("/notifications").await;
    assert_eq!(response.status(), 303);
}

/// Every subject's name in the demo's cases, from their raise events.
fn subjects_names(demo: &accord_demo::Demo) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Array(subjects)) = map.get("subjects") {
                    for s in subjects {
                        if let Some(name) = s["name"].as_str() {
                            out.push(name.to_owned());
                        }
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::to_value(&demo.cases).unwrap(), &mut out);
    out.sort();
    out.dedup();
    out
}

/// The feed's address on the page made after `POST /calendar-feed`.
fn feed_url(html: &str) -> String {
    let input = html
        .split("id=\"feed-url\"")
        .nth(1)
        .expect("the page shows the address");
    input
        .split("value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("the address is the field's value")
        .replace("&#38;", "&")
}

/// The cases of the events in `ics`, by their summaries.
fn feed_cases(ics: &str) -> BTreeSet<String> {
    ics.split("\r\n")
        .filter_map(|l| l.strip_prefix("SUMMARY:"))
        .map(|s| s.split(':').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_calendar_feed_lists_your_deadlines_until_it_is_revoked() {
    let (app, state, clock) = spawn_app_with_demo_and_clock().await;
    run_jobs(&state, &clock).await;
    let who = "hav-csc-manager";
    let session = sign_in(&app, who).await;

    let (status, html) = page(&app, &session, "/calendar-feed").await;
    assert_eq!(status, 200);
    assert!(html.contains("Your deadlines in Outlook or Google Calendar"));
    assert!(
        html.contains("You do not have a calendar address."),
        "{html}"
    );
    assert!(html.contains("Anyone with the link can see the case references and due dates"));
    let (_, my_work) = page(&app, &session, "/my-work").await;
    assert!(my_work.contains("href=\"/calendar-feed\""));

    // Without the session's token the form does nothing.
    let forged = app
        .client
        .post(app.url("/calendar-feed"))
        .header("cookie", &session.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf_token=wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(
        state
            .store()
            .calendar_feed_since(&person(who))
            .await
            .unwrap(),
        None
    );

    let made = post_form(&app, &session, "/calendar-feed").await;
    assert_eq!(made.status(), 200);
    let html = made.text().await.unwrap();
    let url = feed_url(&html);
    assert!(
        url.starts_with(&format!("{}/calendar/", app.address)),
        "{url}"
    );
    assert!(url.ends_with(".ics"), "{url}");
    // Shown once: the page afterwards says there is one, and since when.
    let (_, html) = page(&app, &session, "/calendar-feed").await;
    assert!(!html.contains("id=\"feed-url\""));
    assert!(
        html.contains("You have a calendar address, made on"),
        "{html}"
    );

    // The feed needs no session.
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.headers().contains_key("content-security-policy"));
    let ics = response.text().await.unwrap();
    assert!(
        ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{ics}"
    );
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(!ics.replace("\r\n", "").contains('\n'), "CRLF only");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{line}");
    }
    let unfolded = ics.replace("\r\n ", "");
    assert_eq!(
        unfolded.matches("BEGIN:VEVENT").count(),
        unfolded.matches("END:VEVENT").count()
    );
    assert!(unfolded.contains("DTSTART;VALUE=DATE:"));
    assert!(unfolded.contains("DESCRIPTION:"));

    // Its events are the deadlines of the manager's own cases: each one
    // they may see, and every open one with a date their My work lists.
    let in_feed = feed_cases(&unfolded);
    assert!(!in_feed.is_empty(), "{unfolded}");
    let (_, register) = common::get_as(&app, &session, "/api/v1/register").await;
    let visible: BTreeSet<String> = register["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(in_feed.is_subset(&visible), "{in_feed:?} / {visible:?}");
    let deadlines = state
        .store()
        .deadlines_before(jiff::Timestamp::MAX)
        .await
        .unwrap();
    let (_, due) = common::get_as(&app, &session, "/api/v1/me/deadlines").await;
    for case in due["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        if deadlines.iter().any(|d| d.case.as_str() == id) {
            assert!(in_feed.contains(id), "{id} is due and not in the feed");
        }
    }
    let events = unfolded.matches("BEGIN:VEVENT").count();
    let expected = deadlines
        .iter()
        .filter(|d| in_feed.contains(d.case.as_str()))
        .count();
    assert_eq!(events, expected, "one event per open deadline");
    for d in deadlines
        .iter()
        .filter(|d| in_feed.contains(d.case.as_str()))
    {
        let uid = format!(
            "UID:{}-{}-{}@accord",
            d.case,
            d.form
                .as_ref()
                .map_or_else(|| format!("stage-{}", d.stage), |f| f.to_string()),
            d.due.as_microsecond()
        );
        assert!(unfolded.contains(&uid), "{uid}");
        let day = d.last_day.strftime("%Y%m%d").to_string();
        assert!(unfolded.contains(&format!("DTSTART;VALUE=DATE:{day}")));
        // A deadline whose breach is recorded reads as overdue, not due.
        let word = if d.breached { "overdue" } else { "due" };
        let title = unfolded[unfolded.find(&uid).unwrap()..]
            .lines()
            .find_map(|l| l.strip_prefix("SUMMARY:"))
            .unwrap()
            .to_owned();
        assert!(title.ends_with(&format!(" {word}")), "{title}");
    }
    assert!(
        deadlines
            .iter()
            .any(|d| d.breached && in_feed.contains(d.case.as_str())),
        "the feed holds an overdue deadline, so both titles are checked"
    );
    assert!(
        !in_feed.iter().any(|c| !c.starts_with("HAV-")),
        "another partnership's case"
    );

    // No child is named, in any case of any partnership.
    let calendars = Calendars::builtin();
    let demo =
        accord_demo::demo(clock.now(), &calendars, &accord_policy::builtin(&calendars)).unwrap();
    let names = subjects_names(&demo);
    assert!(!names.is_empty());
    let text = unfolded.replace("\\,", ",");
    for name in &names {
        assert!(!text.contains(name.as_str()), "{name} is in the feed");
        for part in name.split_whitespace().filter(|p| p.len() > 3) {
            assert!(!text.contains(part), "{part} (of {name}) is in the feed");
        }
    }

    // The address works without `.ics` too; a made-up one is not found.
    let bare = url.trim_end_matches(".ics");
    assert_eq!(reqwest::get(bare).await.unwrap().status(), 200);
    let unknown = format!("{}/calendar/{}.ics", app.address, "0".repeat(64));
    assert_eq!(reqwest::get(&unknown).await.unwrap().status(), 404);
    assert_eq!(
        reqwest::get(format!("{}/calendar/..%2F..", app.address))
            .await
            .unwrap()
            .status(),
        404
    );

    // A new address replaces the old one.
    let again = post_form(&app, &session, "/calendar-feed").await;
    let newer = feed_url(&again.text().await.unwrap());
    assert_ne!(newer, url);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
    assert_eq!(reqwest::get(&newer).await.unwrap().status(), 200);

    // Turning it off stops it.
    let revoked = post_form(&app, &session, "/calendar-feed/revoke").await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(revoked.headers()["location"], "/calendar-feed?done=revoked");
    assert_eq!(reqwest::get(&newer).await.unwrap().status(), 404);
    let (_, html) = page(&app, &session, "/calendar-feed?done=revoked").await;
    assert!(html.contains("Your calendar address is turned off"));
    assert!(html.contains("You do not have a calendar address."));
}

#[tokio::test]
async fn a_disabled_account_s_calendar_feed_stops() {
    let (app, state, _clock) = spawn_app_with_demo_and_clock().await;
    let session = sign_in(&app, "hav-csc-practitioner").await;
    let made = post_form(&app, &session, "/calendar-feed").await;
    let url = feed_url(&made.text().await.unwrap());
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    state
        .store()
        .disable_account(
            "hav-csc-practitioner",
            state.now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
}

#[tokio::test]
async fn administrators_see_and_retry_their_own_partnership_s_failed_email() {
    let (app, state, _clock) = spawn_app_with_demo_and_clock().await;
    failed_emails(
        &state,
        &[
            ("hav-csc-manager", "hav.manager@havering.example.org"),
            ("sut-csc-manager", "sut.manager@sutton.example.org"),
        ],
    )
    .await;
    let failed = state
        .store()
        .deliveries_with_status(DeliveryStatus::Failed, 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 2);
    let ours = failed
        .iter()
        .find(|d| d.person.as_str() == "hav-csc-manager")
        .unwrap();
    let theirs = failed
        .iter()
        .find(|d| d.person.as_str() == "sut-csc-manager")
        .unwrap();

    // Nobody but an administrator sees it.
    let manager = sign_in(&app, "hav-csc-manager").await;
    let (status, html) = page(&app, &manager, "/admin/messages").await;
    assert_eq!(status, 403);
    assert!(!html.contains("hav.manager@havering.example.org"));
    let refused = post_form(
        &app,
        &manager,
        &format!("/admin/messages/{}/retry", ours.id),
    )
    .await;
    assert_eq!(refused.status(), 403);

    let admin = sign_in(&app, "hav-admin").await;
    let (status, home) = page(&app, &admin, "/admin").await;
    assert_eq!(status, 200);
    assert!(home.contains("href=\"/admin/messages\""));
    assert!(
        home.contains("<strong class=\"govuk-tag govuk-tag--red\">1</strong>"),
        "{home}"
    );
    let (status, html) = page(&app, &admin, "/admin/messages").await;
    assert_eq!(status, 200);
    assert!(html.contains("hav.manager@havering.example.org"), "{html}");
    assert!(html.contains("Recipient address rejected"));
    assert!(html.contains(ours.case.as_ref().unwrap().as_str()));
    assert!(!html.contains("sut.manager@sutton.example.org"), "Sutton's");
    assert!(html.contains(&format!("/admin/messages/{}/retry", ours.id)));

    // Trying again needs the session's token.
    let forged = app
        .client
        .post(app.url(&format!("/admin/messages/{}/retry", ours.id)))
        .header("cookie", &admin.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf_token=wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    // Another partnership's email is not theirs to retry.
    let other = post_form(
        &app,
        &admin,
        &format!("/admin/messages/{}/retry", theirs.id),
    )
    .await;
    assert_eq!(other.status(), 303);
    assert_eq!(
        other.headers()["location"],
        "/admin/messages?done=not-failed"
    );

    let retried = post_form(&app, &admin, &format!("/admin/messages/{}/retry", ours.id)).await;
    assert_eq!(retried.status(), 303);
    assert_eq!(
        retried.headers()["location"],
        "/admin/messages?done=retried"
    );
    let (_, html) = page(&app, &admin, "/admin/messages?done=retried").await;
    assert!(html.contains("Accord will try to send the email again"));
    assert!(!html.contains("hav.manager@havering.example.org"));
    let store = state.store();
    let pending = store
        .deliveries_with_status(DeliveryStatus::Pending, 10)
        .await
        .unwrap();
    assert_eq!(pending.iter().map(|d| d.id).collect::<Vec<_>>(), [ours.id]);
    let still = store
        .deliveries_with_status(DeliveryStatus::Failed, 10)
        .await
        .unwrap();
    assert_eq!(still.iter().map(|d| d.id).collect::<Vec<_>>(), [theirs.id]);

    // An address that names no email is not found.
    let (status, _) = page(&app, &admin, "/admin/messages/x/retry").await;
    assert_eq!(status, 405, "only a form post retries");
    let bad = post_form(&app, &admin, "/admin/messages/not-a-number/retry").await;
    assert_eq!(bad.status(), 404);
}

#[tokio::test]
async fn a_breach_the_job_runner_records_reads_as_accord_s_own() {
    let (app, state, clock) = spawn_app_with_demo_and_clock().await;
    run_jobs(&state, &clock).await;
    let breached = state
        .store()
        .deadlines_before(jiff::Timestamp::MAX)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.breached && d.case.as_str().starts_with("HAV-"))
        .expect("a Havering deadline has passed in the demo");
    let team = sign_in(&app, "hav-partnership-team").await;
    let (status, html) = page(&app, &team, &format!("/cases/{}", breached.case)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Accord (automatic deadline check)"),
        "{}",
        breached.case
    );
}

/// Nobody may sign in as Accord itself, whose events a breach is recorded
/// under: an administrator cannot give the name to a person.
#[tokio::test]
async fn nobody_may_take_accord_s_own_name() {
    let (app, _state, _clock) = spawn_app_with_demo_and_clock().await;
    let admin = sign_in(&app, "hav-admin").await;
    let response = app
        .client
        .post(app.url("/admin/people/new"))
        .header("cookie", &admin.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf_token={}&name=Someone&sign_in=Accord&password=three+random+words+here",
            admin.csrf
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("That sign-in name is kept for Accord itself"),
        "{html}"
    );
}

/// What the app's line says for each kind of notification and reminder,
/// by its stored occasion (`accord_jobs::message`).
fn says(occasion: &str) -> &'static str {
    match occasion {
        "raised" => "has been raised with your agency, at ",
        "stage_entry" => " is now at ",
        "stage_exit" => " has been escalated from ",
        "resolved" => " has been resolved at ",
        "outcome_feedback" => "The outcome of ",
        "closed" => " has been closed at ",
        "breach" => " has passed.",
        "immediate_risk" => " was raised about a child at immediate risk of significant harm.",
        "form_submitted" => " has been sent to you.",
        "form_returned" => " has been completed and returned.",
        "circumstances_changed" => " is now Looked After or has a Child Protection Plan.",
        "reminder" => " is coming up.",
        other => panic!("a kind of notification this test does not know: {other}"),
    }
}

/// Issue 14 §6: every notification and reminder the five policies sent in
/// the demo reads as a line in the app, not as an email: what happened,
/// naming the case by reference; what to do and by when only when there
/// is something to do (a stage the reader leads, raised with them or
/// overdue, and every reminder: HAV-STAGE-1-TIMESCALE, ER-STAGES-5-DAYS);
/// the policy's words beside it otherwise; a link named by the case's
/// reference; and none of the email's furniture.
#[tokio::test]
async fn each_kind_of_notification_reads_as_a_line_to_act_on() {
    let (app, state, clock) = spawn_app_with_demo_and_clock().await;
    let store = state.store();
    // HAV-5 (Havering §2.5): a child on an open case is made subject to a
    // Child Protection Plan and becomes Looked After, so the IRO is told.
    let social_worker = sign_in(&app, "hav-csc-practitioner").await;
    let (_, register) = common::get_as(&app, &social_worker, "/api/v1/register").await;
    let mut changed = false;
    for case in register["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let (_, shown) = common::get_as(&app, &social_worker, &format!("/api/v1/cases/{id}")).await;
        let subject = &shown["subjects"][0];
        if subject["looked_after"] == true || subject["child_protection_plan"] == true {
            continue;
        }
        let (status, _) = common::post_as(
            &app,
            &social_worker,
            &format!("/api/v1/cases/{id}/circumstances"),
            &serde_json::json!({
                "subject": subject["id"], "child_protection_plan": true, "looked_after": true,
                "immediate_risk": false, "reason": "A plan was made, and the child is accommodated.",
                "expected_version": shown["version"],
            }),
        )
        .await;
        if status == 200 {
            changed = true;
            break;
        }
    }
    assert!(changed, "a Havering case's circumstances could be changed");
    let pass = run_jobs(&state, &clock).await;
    assert!(pass.reminders > 0, "the demo has a deadline near: {pass:?}");

    // One of each kind, per partnership, with whom it was shown to.
    let mut samples = std::collections::BTreeMap::new();
    for partnership in store.partnerships().await.unwrap() {
        for p in store.people(&partnership.id).await.unwrap() {
            for d in store.notifications_for(&p.id, 1_000).await.unwrap() {
                let todo = d.notice.as_ref().is_some_and(|n| n.todo.is_some());
                samples
                    .entry((partnership.id.clone(), d.occasion.clone(), todo))
                    .or_insert((p.sign_in.clone(), d));
            }
        }
    }
    let kinds: BTreeSet<&str> = samples.keys().map(|(_, o, _)| o.as_str()).collect();
    for kind in [
        "raised",
        "stage_entry",
        "stage_exit",
        "breach",
        "reminder",
        "resolved",
    ] {
        assert!(kinds.contains(kind), "the demo sends {kind}: {kinds:?}");
    }
    assert!(
        samples.keys().any(|(_, _, todo)| *todo),
        "one with something to do"
    );
    assert!(
        samples.keys().any(|(_, _, todo)| !*todo),
        "one with nothing to do"
    );
    assert_eq!(
        samples
            .keys()
            .map(|(p, _, _)| p.as_str())
            .collect::<BTreeSet<_>>()
            .len(),
        5,
        "each of the five policies"
    );

    let mut pages: std::collections::HashMap<String, String> = Default::default();
    for ((partnership, occasion, todo), (sign_in_name, d)) in &samples {
        if !pages.contains_key(sign_in_name) {
            let session = sign_in(&app, sign_in_name).await;
            let (status, html) = page(&app, &session, "/notifications").await;
            assert_eq!(status, 200);
            pages.insert(sign_in_name.clone(), html);
        }
        let html = item(&pages[sign_in_name], d.id);
        let words = d.notice.as_ref().unwrap();
        let case = d.case.as_ref().unwrap().as_str();
        let context = format!("{partnership} {occasion} to {sign_in_name}: {html}");
        assert!(words.happened.contains(case), "{context}");
        assert!(words.happened.contains(says(occasion)), "{context}");
        assert!(html.contains(&escaped(&words.happened)), "{context}");
        assert!(
            html.contains(&format!(
                "<a class=\"govuk-link\" href=\"/cases/{case}\">Open {case}</a>"
            )),
            "{context}"
        );
        assert!(html.contains(">Unread</strong>"), "{context}");
        // The email's words stay the email's.
        assert!(d.subject.starts_with("Accord "), "{}", d.subject);
        for email in [
            "Accord ",
            "Sign in to Accord",
            "https://",
            "Open the case:",
            "You are told because",
        ] {
            assert!(!html.contains(email), "{email:?} in {context}");
        }
        assert_eq!(html.contains("What you need to do"), *todo, "{context}");
        assert_eq!(html.contains("By when"), *todo, "{context}");
        if *todo {
            let todo = words.todo.as_deref().unwrap();
            assert!(html.contains(&escaped(todo)), "{context}");
            assert!(html.contains(&escaped(words.by_when.as_deref().unwrap())));
            assert!(words.detail.is_empty());
        } else if occasion != "reminder" {
            // The policy's words are told beside what happened.
            assert!(!words.detail.is_empty(), "{context}");
            assert!(html.contains(&escaped(&words.detail)), "{context}");
        }
    }
    // A reminder always asks something of its reader.
    assert!(!samples.keys().any(|(_, o, todo)| o == "reminder" && !todo));
    // Havering §1.4 (HAV-STAGE-1-TIMESCALE): the breach of one working
    // week at Stage One, to the stage's leads, asks them to act now.
    let breach = samples
        .iter()
        .find(|((p, o, todo), _)| p == "havering" && o == "breach" && *todo)
        .map(|(_, (_, d))| d.notice.clone().unwrap())
        .expect("a Havering breach to act on");
    assert_eq!(
        breach.by_when.as_deref(),
        Some("Now: the deadline has passed.")
    );
}

/// Issue 14 §6: marking read, one and all, by form posts with the
/// session's token; the header counts the unread on every page; and
/// another person's notification cannot be marked read by you.
#[tokio::test]
async fn notifications_are_marked_read_by_their_reader_only() {
    let (app, state, clock) = spawn_app_with_demo_and_clock().await;
    let store = state.store();
    run_jobs(&state, &clock).await;
    let manager = person("hav-csc-manager");
    let theirs = store.notifications_for(&manager, 1_000).await.unwrap();
    assert!(theirs.len() >= 2, "{theirs:?}");
    let unread = theirs.len();
    let session = sign_in(&app, "hav-csc-manager").await;

    // The count is in the header of every page, in words a screen reader
    // reads whole.
    let count = format!("({unread}<span class=\"govuk-visually-hidden\"> unread</span>)");
    for path in ["/my-work", "/register", "/policies", "/notifications"] {
        let (status, html) = page(&app, &session, path).await;
        assert_eq!(status, 200, "{path}");
        let nav = html.split("id=\"navigation\"").nth(1).unwrap();
        let link = &nav[nav.find("href=\"/notifications\"").unwrap()..];
        let link = &link[..link.find("</a>").unwrap()];
        assert!(link.contains("Notifications"), "{path}: {link}");
        assert!(link.ends_with(&count), "{path}: {link}");
    }
    let (_, html) = page(&app, &session, "/notifications").await;
    assert!(html.contains(&format!("You have {unread} unread notifications.")));
    assert_eq!(html.matches(">Unread</strong>").count(), unread);

    // Another person's notification is not yours to mark: it is answered
    // as one that does not exist, and stays unread.
    let practitioner = sign_in(&app, "hav-csc-practitioner").await;
    let refused = post_form(
        &app,
        &practitioner,
        &format!("/notifications/{}/read", theirs[0].id),
    )
    .await;
    assert_eq!(refused.status(), 404);
    assert!(refused.text().await.unwrap().contains("Page not found"));
    assert_eq!(
        store.unread_notifications(&manager).await.unwrap(),
        unread as u64
    );
    // Nor is an address that names no notification.
    for bad in ["/notifications/not-a-number/read", "/notifications/0/read"] {
        assert_eq!(post_form(&app, &session, bad).await.status(), 404, "{bad}");
    }
    // Without the session's token nothing is marked.
    let forged = app
        .client
        .post(app.url(&format!("/notifications/{}/read", theirs[0].id)))
        .header("cookie", &session.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf_token=wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(
        store.unread_notifications(&manager).await.unwrap(),
        unread as u64
    );

    // Marking one read goes back to it, no longer marked unread.
    let one = &theirs[0];
    let marked = post_form(&app, &session, &format!("/notifications/{}/read", one.id)).await;
    assert_eq!(marked.status(), 303);
    assert_eq!(
        marked.headers()["location"],
        format!("/notifications#notice-{}", one.id).as_str()
    );
    let (_, html) = page(&app, &session, "/notifications").await;
    assert!(!item(&html, one.id).contains(">Unread</strong>"));
    assert!(!item(&html, one.id).contains("Mark as read"));
    assert!(item(&html, theirs[1].id).contains(">Unread</strong>"));
    assert!(html.contains(&format!(
        "Notifications</strong> ({}<span class=\"govuk-visually-hidden\"> unread</span>)",
        unread - 1
    )));
    assert!(!html.contains(&count));

    // Mark all as read.
    let all = post_form(&app, &session, "/notifications/read-all").await;
    assert_eq!(all.status(), 303);
    assert_eq!(all.headers()["location"], "/notifications?done=all-read");
    let (_, html) = page(&app, &session, "/notifications?done=all-read").await;
    assert!(html.contains("All your notifications are marked as read"));
    assert!(html.contains("You have read them all."));
    assert!(!html.contains(">Unread</strong>"));
    assert!(!html.contains("Mark all as read"));
    assert!(
        !html.contains("unread</span>)"),
        "no count when none is unread"
    );
    assert_eq!(store.unread_notifications(&manager).await.unwrap(), 0);
    // Nobody else's were touched.
    assert!(
        store
            .notifications_for(&person("hav-csc-practitioner"), 1_000)
            .await
            .unwrap()
            .iter()
            .all(|d| d.read_at.is_none())
    );
}

/// Issue 19: a partnership's administrator registers webhook endpoints at
/// `/admin/webhooks`, each mistake named with what to fix; the secret is
/// shown once, on the page after adding, and in no other page; a failing
/// endpoint is shown with its last error, as failed email is; pausing,
/// resuming and removing are audited; another partnership's administrator
/// finds nothing, and a manager may not look.
#[tokio::test]
async fn an_administrator_registers_a_webhook_and_sees_where_it_stands() {
    let (app, state, clock) = spawn_app_with_demo_and_clock().await;
    let store = state.store();
    let admin = sign_in(&app, "hav-admin").await;
    let (status, page) = common::page_as(&app, &admin, "/admin/webhooks").await;
    assert_eq!(status, 200);
    assert!(page.contains("You have not added an endpoint"), "{page}");
    let (_, home) = common::page_as(&app, &admin, "/admin").await;
    assert!(home.contains("href=\"/admin/webhooks\""), "{home}");
    let (status, form) = common::page_as(&app, &admin, "/admin/webhooks/new").await;
    assert_eq!(status, 200);
    assert_eq!(form.matches("name=\"kinds\"").count(), 7, "{form}");

    // Each mistake is named, with what to fix.
    let nobody = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hook = format!("http://127.0.0.1:{nobody}/accord");
    for (fields, says) in [
        (
            vec![
                ("url", "http://integration.havering.gov.uk/accord"),
                ("kinds", "raised"),
            ],
            "Enter an address starting https://",
        ),
        (
            vec![("url", "https://10.0.0.5/accord"), ("kinds", "raised")],
            "private network",
        ),
        (
            vec![("url", hook.as_str()), ("kinds", "raised")],
            "Allow private addresses",
        ),
        (
            vec![("url", "https://integration.havering.gov.uk/accord")],
            "Choose at least one kind of event",
        ),
        (
            vec![
                ("url", "https://integration.havering.gov.uk/accord"),
                ("kinds", "all"),
            ],
            "Choose from the kinds of event listed",
        ),
    ] {
        let response = common::post_form_as(&app, &admin, "/admin/webhooks/new", &fields).await;
        assert_eq!(response.status(), 422, "{fields:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains(says), "{fields:?}: {page}");
        assert!(page.contains("govuk-error-summary"), "{page}");
    }
    assert!(store.webhooks("havering").await.unwrap().is_empty());

    // Added: the secret is shown this once.
    let response = common::post_form_as(
        &app,
        &admin,
        "/admin/webhooks/new",
        &[
            ("url", hook.as_str()),
            ("kinds", "raised"),
            ("kinds", "deadline_breached"),
            ("allow_private", "yes"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let shown = response.text().await.unwrap();
    let endpoints = store.webhooks("havering").await.unwrap();
    assert_eq!(endpoints.len(), 1);
    let endpoint = &endpoints[0];
    assert_eq!(endpoint.url, hook);
    assert!(endpoint.allow_private && !endpoint.paused);
    let secret = store.webhook_secret(&endpoint.id).await.unwrap().unwrap();
    assert!(shown.contains(&secret), "{shown}");

    // A case raised; nobody answers at the endpoint.
    let practitioner = sign_in(&app, "hav-health-practitioner").await;
    let (status, _) = common::post_as(
        &app,
        &practitioner,
        "/api/v1/cases",
        &common::havering_raise(),
    )
    .await;
    assert_eq!(status, 201);
    let pass = run_jobs(&state, &clock).await;
    assert_eq!(pass.webhooks_failed, 1, "{pass:?}");
    let (_, list) = common::page_as(&app, &admin, "/admin/webhooks").await;
    assert!(!list.contains(&secret), "the secret is shown only once");
    assert!(list.contains(&hook), "{list}");
    assert!(list.contains("Failing"), "{list}");
    assert!(
        list.contains("1 failure in a row. Last: could not connect"),
        "{list}"
    );

    // Another partnership's administrator finds nothing; a manager may not
    // look.
    let other = sign_in(&app, "sut-admin").await;
    let (_, theirs) = common::page_as(&app, &other, "/admin/webhooks").await;
    assert!(!theirs.contains(&hook));
    for action in ["pause", "resume", "remove"] {
        let response = common::post_form_as(
            &app,
            &other,
            &format!("/admin/webhooks/{}/{action}", endpoint.id),
            &[("confirm", "yes")],
        )
        .await;
        assert_eq!(response.status(), 404, "{action}");
    }
    let manager = sign_in(&app, "hav-csc-manager").await;
    let (status, _) = common::page_as(&app, &manager, "/admin/webhooks").await;
    assert_eq!(status, 403);

    // Paused, resumed, removed: each audited, by whom.
    for (action, fields, done) in [
        ("pause", vec![], "paused"),
        ("resume", vec![], "resumed"),
        ("remove", vec![("confirm", "yes")], "removed"),
    ] {
        let response = common::post_form_as(
            &app,
            &admin,
            &format!("/admin/webhooks/{}/{action}", endpoint.id),
            &fields,
        )
        .await;
        assert_eq!(response.status(), 303, "{action}");
        assert_eq!(
            response.headers()["location"],
            format!("/admin/webhooks?done={done}").as_str()
        );
        if action == "pause" {
            let (_, list) = common::page_as(&app, &admin, "/admin/webhooks").await;
            assert!(list.contains("Paused"), "{list}");
        }
    }
    assert!(store.webhooks("havering").await.unwrap().is_empty());
    let audit = store.directory_audit("havering", 20).await.unwrap();
    let mut about: Vec<_> = audit
        .iter()
        .filter(|e| e.subject_id == endpoint.id)
        .collect();
    about.reverse();
    assert_eq!(
        about.iter().map(|e| e.what.as_str()).collect::<Vec<_>>(),
        [
            "webhook.added",
            "webhook.paused",
            "webhook.resumed",
            "webhook.removed"
        ]
    );
    assert!(
        about
            .iter()
            .all(|e| e.by == ChangedBy::Person(PersonId::parse("hav-admin").unwrap()))
    );
    let (_, audit_page) = common::page_as(&app, &admin, "/admin/audit").await;
    assert!(
        audit_page.contains("Paused a webhook endpoint"),
        "{audit_page}"
    );
    let text = format!("{about:?}");
    assert!(!text.contains(&secret), "the audit never holds the secret");
}
