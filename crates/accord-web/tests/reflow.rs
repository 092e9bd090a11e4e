//! Every page reflows on a phone (issue 14 §4; WCAG 2.2 SC 1.4.10,
//! Reflow): at 320×640 CSS pixels no page scrolls sideways, and each still
//! passes axe-core at WCAG 2.2 AA.
//!
//! "Every page" is found, not listed: the test signs in as each kind of
//! user of the Havering and Sutton demos and follows every link the pages
//! offer, as far as they lead, so a page added later is checked without
//! anyone remembering to add it here. Pages that differ only in an id
//! (`/cases/HAV-DEMO-0001` and `/cases/HAV-DEMO-0002`) count as one, so
//! the walk stays short; downloads (CSV, iCalendar, PDF, JSON) are not
//! pages and are left out. Each page is screenshotted at phone width into
//! `target/browser-screenshots/reflow/`.

mod browser;
mod common;

use std::collections::{BTreeSet, VecDeque};

use browser::Browser;
use common::spawn_app_with_demo;
use serde_json::json;

/// The narrowest width WCAG's reflow criterion asks for, and a phone's
/// height.
const WIDTH: u32 = 320;
const HEIGHT: u32 = 640;

/// How many distinct pages one person's walk may visit: a bound, so that a
/// page that links to ever new addresses cannot make the walk endless.
const MOST: usize = 80;

/// `path`, with each segment that names one thing (an id, a token, a case
/// reference) replaced, so that pages of one kind count once.
fn kind_of(path: &str) -> String {
    let (path, _query) = path.split_once('?').unwrap_or((path, ""));
    let mut kind = Vec::new();
    let mut after_collection = false;
    for segment in path.split('/') {
        let is_id =
            (after_collection && segment != "new") || segment.chars().any(|c| c.is_ascii_digit());
        kind.push(if is_id { "{id}" } else { segment });
        after_collection = !is_id && COLLECTIONS.contains(&segment);
    }
    kind.join("/")
}

/// The segments after which a path names one thing by its id:
/// `/admin/people/hav-csc-practitioner` is a page of the kind
/// `/admin/people/{id}`.
const COLLECTIONS: &[&str] = &["cases", "people", "agencies", "policies", "versions"];

/// Whether `path` is a page to walk to: on this server, not a download,
/// not the API, and not a link that acts when followed.
fn is_page(path: &str) -> bool {
    let bare = path.split(['?', '#']).next().unwrap_or(path);
    path.starts_with('/')
        && !path.starts_with("//")
        && !bare.starts_with("/api")
        && !bare.starts_with("/static")
        && !bare.starts_with("/calendar/")
        && !bare.starts_with("/account/set-password/")
        && ![".csv", ".ics", ".pdf", ".json", ".svg", ".toml"]
            .iter()
            .any(|ext| bare.ends_with(ext))
}

/// The same-origin links on the page shown, as paths with their queries.
async fn links(b: &Browser) -> Vec<String> {
    let found = b
        .client
        .execute(
            "return Array.from(document.querySelectorAll('a[href]'))
               .map(a => new URL(a.href, location.href))
               .filter(u => u.origin === location.origin)
               .map(u => u.pathname + u.search);",
            vec![],
        )
        .await
        .expect("the links are read");
    serde_json::from_value::<Vec<String>>(found).expect("a list of paths")
}

/// How wide the page is laid out, in CSS pixels, and the widest elements
/// that stick out past the viewport, to say what to fix.
async fn overflow(b: &Browser) -> (u64, String) {
    let measured = b
        .client
        .execute(
            "const width = document.documentElement.clientWidth;
             const wide = Array.from(document.querySelectorAll('body *'))
               .filter(e => e.getBoundingClientRect().right > width + 0.5)
               .filter(e => !Array.from(e.children)
                 .some(c => c.getBoundingClientRect().right > width + 0.5))
               .slice(0, 5)
               .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (e.className && typeof e.className === 'string'
                    ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                 + ' (' + Math.round(e.getBoundingClientRect().right) + 'px)');
             const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
             const words = [];
             while (walker.nextNode() && words.length < 3) {
               const range = document.createRange();
               range.selectNodeContents(walker.currentNode);
               if (range.getBoundingClientRect().right > width + 0.5) {
                 words.push('text \"' + walker.currentNode.textContent.trim().slice(0, 40) + '\"');
               }
             }
             return [document.documentElement.scrollWidth, wide.concat(words).join(', ')];",
            vec![],
        )
        .await
        .expect("the page is measured");
    let width = measured[0].as_u64().expect("a width");
    let wide = measured[1].as_str().unwrap_or_default().to_owned();
    (width, wide)
}

/// Walks every page the person signed in can reach from `start`,
/// checking each kind of page not yet in `checked`; returns the problems
/// found.
async fn walk(b: &mut Browser, start: &[&str], checked: &mut BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut queue: VecDeque<String> = start.iter().map(|s| (*s).to_owned()).collect();
    // Each person opens each kind of page once, to find the links it
    // offers them (a manager's case page offers "Escalate", a
    // practitioner's does not); each kind is checked once in all.
    let mut opened = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if !is_page(&path) || !opened.insert(kind_of(&path)) {
            continue;
        }
        assert!(
            opened.len() <= MOST,
            "the walk passed {MOST} kinds of page: is a page linking to endless addresses?"
        );
        b.open(&path).await;
        if checked.insert(kind_of(&path)) {
            let (width, wide) = overflow(b).await;
            if width > u64::from(WIDTH) {
                problems.push(format!(
                    "{path} is {width}px wide at {WIDTH}px; sticking out: {wide}"
                ));
            }
            b.axe(&format!("{path} at {WIDTH}px")).await;
            b.screenshot(&kind_of(&path).replace(['/', '{', '}'], "_"))
                .await;
        }
        for link in links(b).await {
            if is_page(&link) && !opened.contains(&kind_of(&link)) {
                queue.push_back(link);
            }
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_reflows_at_320_pixels_and_passes_axe() {
    let (app, _state) = spawn_app_with_demo().await;
    let mut b = Browser::start_sized("reflow", &app.address, (WIDTH, HEIGHT)).await;
    // Check the page itself is laid out at the width asked for.
    b.open("/sign-in").await;
    let inner = b
        .client
        .execute("return window.innerWidth;", vec![])
        .await
        .expect("the width is read");
    assert_eq!(inner, json!(WIDTH), "the window is not {WIDTH}px wide");

    let mut seen = BTreeSet::new();
    let mut problems = walk(
        &mut b,
        &["/sign-in", "/account/forgotten-password"],
        &mut seen,
    )
    .await;
    // Each kind of user, for the pages only they reach: a practitioner
    // raises and records, a manager escalates, the partnership team reads
    // the register and the policy, a chair convenes a panel, an
    // administrator looks after the directory; Sutton has forms.
    // The raise journey's questions are opened directly: each shows its
    // question whatever was answered before.
    let raise = [
        "/raise/scope",
        "/raise/policy",
        "/raise/other-agency",
        "/raise/other-professional",
        "/raise/who-it-is-about",
        "/raise/immediate-risk",
        "/raise/area",
        "/raise/concern",
        "/raise/form",
        "/raise/check",
        "/raise/elsewhere",
    ];
    for who in [
        "hav-csc-practitioner",
        "hav-csc-manager",
        "hav-partnership-team",
        "hav-chair",
        "hav-admin",
        "sut-school-practitioner",
        "sut-safeguarding-advisor",
    ] {
        b.sign_in(who).await;
        let start: Vec<&str> = ["/my-work", "/admin"].into_iter().chain(raise).collect();
        problems.extend(walk(&mut b, &start, &mut seen).await);
        // Signing out is a button in the header's menu, which a phone
        // folds away; forgetting the session cookie ends the visit alike.
        b.client.delete_all_cookies().await.expect("the cookies go");
    }
    // A case on a phone, for the README: its tracker, whole.
    b.sign_in("hav-partnership-team").await;
    b.open("/cases/HAV-DEMO-0002").await;
    assert!(b.text("h1").await.contains("HAV-DEMO-0002"));
    b.whole_page_shot("case-phone", true).await;
    assert!(
        seen.len() >= 40,
        "the walk found only {} kinds of page: {seen:?}",
        seen.len()
    );
    assert!(
        problems.is_empty(),
        "pages scroll sideways on a phone:\n{}",
        problems.join("\n")
    );
    b.close().await;
}
