//! The register a page at a time (issue 18): the store filters, checks
//! who may see each case and pages by keyset in the query (migration
//! 0023). These tests hold the query to the access rules and the filters
//! as they are written in Rust (`access::may_see`, the register's order),
//! for every person and case of the demo, on both backends; then walk the
//! API's pages and the register page's "Next page" as people and systems
//! do.

mod common;

use accord_case::Status;
use accord_store::{RegisterEntry, RegisterFilter, Store};
use accord_web::access;
use common::{
    Backend, TestApp, get_as, havering_raise, page_as, post_as, sign_in, spawn_app_with_demo_on,
};
use jiff::Timestamp;

/// The register's order, as it was sorted in memory before it was paged
/// in the query: overdue first, then soonest due, then the cases with no
/// deadline running, each by id.
fn register_order(a: &RegisterEntry, b: &RegisterEntry, now: Timestamp) -> std::cmp::Ordering {
    let running = |e: &RegisterEntry| e.due.filter(|_| e.status == Status::Open);
    let overdue = |e: &RegisterEntry| running(e).is_some_and(|d| d <= now);
    overdue(b)
        .cmp(&overdue(a))
        .then_with(|| match (running(a), running(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.case.as_str().cmp(b.case.as_str()))
}

fn admits(filter: &RegisterFilter, e: &RegisterEntry, now: Timestamp) -> bool {
    let overdue = e.status == Status::Open && e.due.is_some_and(|d| d <= now);
    filter.stage.is_none_or(|s| e.stage.get() == s)
        && filter
            .agency
            .as_deref()
            .is_none_or(|a| e.raising_agency.as_str() == a || e.other_agency.as_str() == a)
        && filter.area.as_deref().is_none_or(|a| e.area.as_str() == a)
        && filter.overdue.is_none_or(|o| overdue == o)
}

/// Every page of the register for `reader`, `size` at a time.
async fn walk(
    store: &Store,
    reader: &accord_store::RegisterReader,
    filter: &RegisterFilter,
    now: Timestamp,
    size: u32,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .register_page(reader, filter, now, after.as_ref(), size)
            .await
            .unwrap();
        assert!(page.entries.len() <= size as usize);
        seen.extend(page.entries.iter().map(|e| e.case.to_string()));
        match page.next {
            Some(next) => {
                assert_eq!(
                    page.entries.len(),
                    size as usize,
                    "only a full page has a next"
                );
                after = Some(next);
            }
            None => break,
        }
    }
    seen
}

async fn every_person_sees_in_the_query_what_the_access_rules_let_them(backend: Backend) {
    let (_app, state, clock) = spawn_app_with_demo_on(backend).await;
    let store = state.store();
    let now = clock.now();
    let mut checked_people = 0;
    let mut seen_somewhere = 0;
    for partnership in store.partnerships().await.unwrap() {
        let register = store.register_of(&partnership.id).await.unwrap();
        assert!(!register.is_empty(), "{} has open cases", partnership.id);
        let mut filters = vec![
            RegisterFilter::default(),
            RegisterFilter {
                overdue: Some(true),
                ..RegisterFilter::default()
            },
            RegisterFilter {
                overdue: Some(false),
                ..RegisterFilter::default()
            },
        ];
        for stage in 1..=4 {
            filters.push(RegisterFilter {
                stage: Some(stage),
                ..RegisterFilter::default()
            });
        }
        for e in register.iter().take(3) {
            filters.push(RegisterFilter {
                agency: Some(e.other_agency.to_string()),
                ..RegisterFilter::default()
            });
            filters.push(RegisterFilter {
                area: Some(e.area.to_string()),
                stage: Some(e.stage.get()),
                ..RegisterFilter::default()
            });
        }
        for person in store.people(&partnership.id).await.unwrap() {
            let reader = access::register_reader(&person);
            for filter in &filters {
                let mut expected: Vec<&RegisterEntry> = register
                    .iter()
                    .filter(|e| {
                        access::may_see(
                            &person,
                            access::CaseFacts::of_entry(e, Some(partnership.id.as_str())),
                        )
                    })
                    .filter(|e| admits(filter, e, now))
                    .collect();
                expected.sort_by(|a, b| register_order(a, b, now));
                let expected: Vec<String> = expected.iter().map(|e| e.case.to_string()).collect();
                let Some(reader) = &reader else {
                    assert!(expected.is_empty(), "{} sees no case", person.id);
                    continue;
                };
                for size in [2, 500] {
                    let got = walk(store, reader, filter, now, size).await;
                    assert_eq!(
                        got, expected,
                        "{} ({:?}), {filter:?}, pages of {size}",
                        person.id, person.tier
                    );
                }
                seen_somewhere += expected.len();
            }
            checked_people += 1;
        }
    }
    assert!(checked_people > 20, "{checked_people} people checked");
    assert!(
        seen_somewhere > 100,
        "the people see cases: {seen_somewhere}"
    );
}

/// Raises `n` more Havering cases as the school's practitioner.
async fn raise(app: &TestApp, n: usize) {
    let practitioner = sign_in(app, "hav-school-practitioner").await;
    for _ in 0..n {
        let (status, body) = post_as(app, &practitioner, "/api/v1/cases", &havering_raise()).await;
        assert_eq!(status, 201, "{body}");
    }
}

async fn the_api_and_the_page_walk_the_register_a_page_at_a_time(backend: Backend) {
    let (app, state, _clock) = spawn_app_with_demo_on(backend).await;
    raise(&app, 55).await;
    let team = sign_in(&app, "hav-partnership-team").await;
    let everyone = state.store().register_of("havering").await.unwrap().len();
    assert!(everyone > 55);

    // The API, three at a time, then all at once: the same cases in the
    // same order, each once.
    let (status, all) = get_as(&app, &team, "/api/v1/register?limit=500").await;
    assert_eq!(status, 200);
    assert!(all.get("next").is_none(), "one page holds them all");
    let all: Vec<String> = all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), everyone);
    let mut walked = Vec::new();
    let mut path = "/api/v1/register?limit=3".to_owned();
    loop {
        let (status, page) = get_as(&app, &team, &path).await;
        assert_eq!(status, 200, "{page}");
        walked.extend(
            page["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/register?limit=3&after={next}"),
            None => break,
        }
    }
    assert_eq!(walked, all);
    // Unless asked, a page holds 100.
    let (_, first) = get_as(&app, &team, "/api/v1/register").await;
    assert_eq!(first["cases"].as_array().unwrap().len(), everyone.min(100));
    for (path, field) in [
        ("/api/v1/register?limit=0", "limit"),
        ("/api/v1/register?limit=501", "limit"),
        ("/api/v1/register?after=yesterday", "after"),
    ] {
        let (status, body) = get_as(&app, &team, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["field"], field, "{path}: {body}");
    }

    // The page: fifty, then "Next page" to the rest, each case once.
    let (status, first) = page_as(&app, &team, "/register").await;
    assert_eq!(status, 200);
    let cases = |html: &str| -> Vec<String> {
        html.match_indices("href=\"/cases/")
            .map(|(at, _)| {
                let rest = &html[at + "href=\"/cases/".len()..];
                rest[..rest.find('"').unwrap()].to_owned()
            })
            .collect()
    };
    let on_first = cases(&first);
    assert_eq!(on_first.len(), 50);
    assert_eq!(on_first, all[..50]);
    assert!(first.contains("50 on this page"));
    let next = first
        .split("rel=\"next\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .map(|href| href[..href.find('"').unwrap()].replace("&#38;", "&"))
        .expect("a link to the next page");
    assert!(next.starts_with("/register?"), "{next}");
    let (status, second) = page_as(&app, &team, &next).await;
    assert_eq!(status, 200);
    assert_eq!(cases(&second), all[50..]);
    assert!(second.contains("rel=\"first\""));
    assert!(!second.contains("rel=\"next\""));
    // The CSV holds the whole register, whatever the page.
    let (status, csv) = page_as(&app, &team, "/register.csv").await;
    assert_eq!(status, 200);
    assert_eq!(csv.lines().count(), everyone + 1, "a header and every case");
    for case in &all {
        assert!(
            csv.contains(&format!("\r\n{case},")),
            "{case} is in the CSV"
        );
    }
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_person_sees_in_the_query_what_the_access_rules_let_them() {
        super::every_person_sees_in_the_query_what_the_access_rules_let_them(super::Backend::Sqlite)
            .await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_api_and_the_page_walk_the_register_a_page_at_a_time() {
        super::the_api_and_the_page_walk_the_register_a_page_at_a_time(super::Backend::Sqlite).await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_person_sees_in_the_query_what_the_access_rules_let_them() {
        super::every_person_sees_in_the_query_what_the_access_rules_let_them(
            super::Backend::Postgres,
        )
        .await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_api_and_the_page_walk_the_register_a_page_at_a_time() {
        super::the_api_and_the_page_walk_the_register_a_page_at_a_time(super::Backend::Postgres)
            .await
    }
}
