//! Issue 15 §2, the learning log: learning recorded on a case gets a theme
//! from the policy's own list and the group it went to, and follow-up
//! actions, each with an owner and a due date, tracked to done. The log
//! lists it by theme and by group, with what was done and what is overdue;
//! an overdue follow-up is reminded like any deadline; and the follow-ups
//! appear in My work and in their owners' calendar feed.
//!
//! East Riding §6, "Learning lessons" (ER-13): training needs, commissioning
//! needs, new agency practice guidance and new ERSCP practice guidance,
//! with "details of the resolution … forwarded to the ERSCP Service Manager
//! for consideration of any multi-agency learning".

mod common;

use accord_calendar::Calendars;
use accord_case::{Case, EventBody};
use accord_store::CaseSearch;
use common::*;
use jiff::ToSpan;

const TEAM: &str = "ery-partnership-team";
const SERVICE_MANAGER: &str = "ery-erscp-service-manager";

/// The East Riding demo's learning, counted from its events: pieces of
/// learning, follow-ups agreed, follow-ups done, and the learning of each
/// theme.
fn demo_learning(clock: &TestClock) -> (usize, usize, usize, Vec<(String, usize)>) {
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let demo = accord_demo::demo(clock.now(), &calendars, &policies).expect("the demo");
    let events = demo
        .cases
        .iter()
        .filter(|c| c.partnership == "east-riding")
        .flat_map(|c| &c.events);
    let (mut learned, mut agreed, mut done) = (0, 0, 0);
    let mut themes: Vec<(String, usize)> = Vec::new();
    for event in events {
        match &event.body {
            EventBody::LearningRecorded { theme, .. } => {
                learned += 1;
                match themes.iter_mut().find(|(t, _)| t == theme.as_str()) {
                    Some((_, n)) => *n += 1,
                    None => themes.push((theme.to_string(), 1)),
                }
            }
            EventBody::FollowUpAgreed { .. } => agreed += 1,
            EventBody::FollowUpCompleted { .. } => done += 1,
            _ => {}
        }
    }
    (learned, agreed, done, themes)
}

/// The figure the log's summary gives for `key`.
fn figure(page: &str, key: &str) -> usize {
    let marker = format!(
        "<dt class=\"govuk-summary-list__key\">{key}</dt><dd class=\"govuk-summary-list__value\">"
    );
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{key} in {page}"))
        + marker.len();
    page[at..].split('<').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_learning_log_lists_the_learning_by_theme_and_by_group_with_its_follow_ups() {
    let (app, _state, clock) = spawn_app_with_demo_and_clock().await;
    let (learned, agreed, done, themes) = demo_learning(&clock);
    assert!(learned > 1 && agreed == learned && done > 0 && done < agreed);

    let team = sign_in(&app, TEAM).await;
    let (status, log) = page_as(&app, &team, "/learning").await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(figure(&log, "Learning recorded"), learned);
    assert_eq!(figure(&log, "Follow-ups agreed"), agreed);
    assert_eq!(figure(&log, "Done"), done);
    // Listed under the policy's own themes (ER-13), in its order.
    let calendars = Calendars::builtin();
    let policy = accord_policy::builtin(&calendars)
        .into_iter()
        .find(|p| p.id.as_str() == "east-riding-2018")
        .unwrap();
    let mut last = 0;
    for t in &policy.learning.themes {
        let heading = format!("id=\"theme-{}\"", t.id);
        match themes.iter().find(|(id, _)| id == t.id.as_str()) {
            Some((_, n)) => {
                let at = log.find(&heading).unwrap_or_else(|| panic!("{heading}"));
                assert!(at > last, "themes in the policy's order");
                last = at;
                let (_, one) = page_as(&app, &team, &format!("/learning?theme={}", t.id)).await;
                assert_eq!(figure(&one, "Learning recorded"), *n, "{}", t.id);
            }
            None => assert!(!log.contains(&heading)),
        }
    }
    assert!(log.contains("govuk-tag--green\">Done</strong>"));

    // By group: "forwarded to the ERSCP Service Manager" (§6).
    let (_, by_group) = page_as(&app, &team, "/learning?by=group").await;
    assert_eq!(figure(&by_group, "Learning recorded"), learned);
    assert!(
        by_group.contains(
            "The ERSCP Service Manager, for consideration of any multi-agency learning (§6)"
        ),
        "{by_group}"
    );

    // A choice that names nothing shows nothing, and says so.
    let (_, none) = page_as(&app, &team, "/learning?theme=no-such-theme").await;
    assert_eq!(figure(&none, "Learning recorded"), 0);
    assert!(none.contains("No learning matches these choices."));

    // The insight page leads to it, for those who may read it.
    let (_, insight) = page_as(&app, &team, "/insight").await;
    assert!(insight.contains("href=\"/learning\""));

    // Learning is case content: not for administrators, who see no case,
    // nor for a practitioner, who sees their own cases only.
    for who in ["ery-admin", "ery-csc-practitioner"] {
        let session = sign_in(&app, who).await;
        let (status, page) = page_as(&app, &session, "/learning").await;
        assert_eq!(status, 403, "{who}: {page}");
        assert!(
            page.contains("learning log is for the partnership team"),
            "{page}"
        );
    }
    let admin = sign_in(&app, "ery-admin").await;
    let (_, insight) = page_as(&app, &admin, "/insight").await;
    assert!(!insight.contains("href=\"/learning\""));
}

/// An East Riding case with learning on record whose follow-ups are all
/// done, so that a reminder on it is the test's own; and its first
/// learning's event number.
async fn learned_case(state: &accord_web::AppState) -> (Case, u64) {
    let entries = state
        .store()
        .search_cases("east-riding", &CaseSearch::default())
        .await
        .unwrap();
    for entry in entries {
        let case = state.store().load_case(&entry.case).await.unwrap().unwrap();
        let all_done = case
            .learning()
            .iter()
            .flat_map(|l| &l.follow_ups)
            .all(|f| f.completed.is_some());
        if let (Some(l), true) = (case.learning().first(), all_done) {
            let seq = l.sequence.get();
            return (case, seq);
        }
    }
    panic!("the East Riding demo has learning followed up and done")
}

/// The follow-ups of East Riding's cases not done whose last day is before
/// `today`, counted from each case as the engine folds it.
async fn overdue_in_east_riding(state: &accord_web::AppState, today: jiff::civil::Date) -> usize {
    let mut n = 0;
    for entry in state
        .store()
        .search_cases("east-riding", &CaseSearch::default())
        .await
        .unwrap()
    {
        let case = state.store().load_case(&entry.case).await.unwrap().unwrap();
        n += case
            .learning()
            .iter()
            .flat_map(|l| &l.follow_ups)
            .filter(|f| f.completed.is_none() && f.details.by_when < today)
            .count();
    }
    n
}

fn version_of(page: &str) -> String {
    let marker = "name=\"expected_version\" value=\"";
    let at = page.find(marker).unwrap() + marker.len();
    page[at..].split('"').next().unwrap().to_owned()
}

/// POSTs a form and answers its status and where it sends the browser
/// (or the page, when it shows one).
async fn post_form(
    app: &TestApp,
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let response = post_form_as(app, session, path, fields).await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location.unwrap_or(response.text().await.unwrap()))
}

/// The feed's address on the page made after `POST /calendar-feed`.
fn feed_path(html: &str) -> String {
    let url = html
        .split("id=\"feed-url\"")
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|v| v.split('"').next())
        .expect("the page shows the address");
    let at = url.find("/calendar/").expect("a calendar address");
    url[at..].to_owned()
}

/// How many overdue reminders of a follow-up on case `id` the ERSCP Service
/// Manager has been shown.
async fn reminded(state: &accord_web::AppState, id: &str) -> usize {
    state
        .store()
        .notifications_for(&SERVICE_MANAGER.parse().unwrap(), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| {
            n.notice
                .as_ref()
                .is_some_and(|w| w.happened == format!("A learning follow-up on {id} is overdue."))
        })
        .count()
}

async fn a_follow_up_reaches_its_owner(backend: Backend) {
    let (app, state, clock) = spawn_app_with_demo_on(backend).await;
    let (case, learning) = learned_case(&state).await;
    let id = case.id().to_string();
    let team = sign_in(&app, TEAM).await;

    // Agreed on the case's page, without JavaScript: the owner is chosen
    // from the partnership's people, and every mistake says what to fix.
    let form = format!("/cases/{id}/agree-follow-up");
    let (status, page) = page_as(&app, &team, &form).await;
    assert_eq!(status, 200, "{page}");
    let version = version_of(&page);
    let due = clock
        .now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(10.days())
        .unwrap();
    let (day, month, year) = (
        due.day().to_string(),
        due.month().to_string(),
        due.year().to_string(),
    );
    let learning = learning.to_string();
    let mut fields = vec![
        ("expected_version", version.as_str()),
        ("learning", learning.as_str()),
        ("what", "Bring the case to the practice guidance review."),
        ("by_when-day", day.as_str()),
        ("by_when-month", month.as_str()),
        ("by_when-year", year.as_str()),
    ];
    let (status, page) = post_form(&app, &team, &form, &fields).await;
    assert_eq!(status, 422);
    assert!(page.contains("Select who will do it"), "{page}");
    fields.push(("who", SERVICE_MANAGER));
    let (status, to) = post_form(&app, &team, &form, &fields).await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/cases/{id}?done=agree-follow-up").as_str()),
        "{to}"
    );
    let (_, page) = page_as(&app, &team, &format!("/cases/{id}")).await;
    assert!(page.contains("Bring the case to the practice guidance review."));

    // The owner sees it in My work, and in their calendar.
    let owner = sign_in(&app, SERVICE_MANAGER).await;
    let (_, my_work) = page_as(&app, &owner, "/my-work").await;
    assert!(my_work.contains("Learning follow-ups you own"), "{my_work}");
    assert!(my_work.contains("Bring the case to the practice guidance review."));
    assert!(my_work.contains(&format!("href=\"/cases/{id}\"")));
    let made = post_form_as(&app, &owner, "/calendar-feed", &[]).await;
    let feed = feed_path(&made.text().await.unwrap());
    let ics = app.get(&feed).await.text().await.unwrap();
    let summary = format!("SUMMARY:{id}: learning follow-up due");
    assert!(ics.contains(&summary), "{ics}");
    assert!(ics.contains(&format!("DTSTART;VALUE=DATE:{}", due.strftime("%Y%m%d"))));
    assert!(
        !ics.contains("practice guidance review"),
        "a calendar names the case by its reference only"
    );

    // Once its last day has passed, its owner is reminded, once.
    run_jobs(&state, &clock).await;
    assert_eq!(reminded(&state, &id).await, 0, "not overdue yet");
    // The last day itself is not overdue.
    clock.set(
        due.at(23, 0, 0, 0)
            .in_tz("Europe/London")
            .unwrap()
            .timestamp(),
    );
    job_pass(&state, &clock).await;
    assert_eq!(
        reminded(&state, &id).await,
        0,
        "not overdue on its last day"
    );
    clock.set(
        due.checked_add(1.days())
            .unwrap()
            .at(9, 0, 0, 0)
            .in_tz("Europe/London")
            .unwrap()
            .timestamp(),
    );
    job_pass(&state, &clock).await;
    assert_eq!(reminded(&state, &id).await, 1, "reminded when overdue");
    job_pass(&state, &clock).await;
    assert_eq!(reminded(&state, &id).await, 1, "and only once");
    // Sessions have lapsed over the days passed: sign in again.
    let owner = sign_in(&app, SERVICE_MANAGER).await;
    let team = sign_in(&app, TEAM).await;
    let (_, my_work) = page_as(&app, &owner, "/my-work").await;
    assert!(
        my_work.contains("govuk-tag--red\">Overdue</strong>"),
        "{my_work}"
    );
    let today = clock
        .now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let (_, log) = page_as(&app, &team, "/learning?show=overdue").await;
    let overdue = overdue_in_east_riding(&state, today).await;
    assert!(overdue >= 1);
    assert_eq!(figure(&log, "Overdue"), overdue, "{log}");
    assert!(log.contains(&id));

    // The owner marks it done on the case; it leaves their work.
    let form = format!("/cases/{id}/complete-follow-up");
    let (status, page) = page_as(&app, &owner, &form).await;
    assert_eq!(status, 200, "{page}");
    let version = version_of(&page);
    let (status, page) = post_form(
        &app,
        &owner,
        &form,
        &[("expected_version", version.as_str())],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Select the follow-up that is done"), "{page}");
    let ours = state
        .store()
        .open_follow_ups_of(&SERVICE_MANAGER.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(ours.len(), 1);
    let seq = ours[0].follow_up.get().to_string();
    let (status, to) = post_form(
        &app,
        &owner,
        &form,
        &[
            ("expected_version", version.as_str()),
            ("follow_up", seq.as_str()),
            ("note", "The guidance now has a worked example."),
        ],
    )
    .await;
    assert_eq!(status, 303, "{to}");
    let (_, my_work) = page_as(&app, &owner, "/my-work").await;
    assert!(!my_work.contains("Learning follow-ups you own"));
    let ics = app.get(&feed).await.text().await.unwrap();
    assert!(!ics.contains(&format!("SUMMARY:{id}: learning follow-up")));
    let (_, log) = page_as(&app, &team, "/learning?show=overdue").await;
    assert_eq!(figure(&log, "Overdue"), overdue - 1);
    assert!(!log.contains(&format!("href=\"/cases/{id}\"")));
    let (_, log) = page_as(&app, &team, "/learning").await;
    assert!(log.contains("The guidance now has a worked example."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_reaches_its_owner_and_is_reminded_once_on_sqlite() {
    a_follow_up_reaches_its_owner(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_reaches_its_owner_and_is_reminded_once_on_postgres() {
    a_follow_up_reaches_its_owner(Backend::Postgres).await;
}
