//! A case whose personal data was erased (issue 17 §1), as people and
//! systems see it: the case page and its print view say it was erased, when
//! and under which rule, and show its shape (stages, dates, agencies,
//! outcome) with no name or free text; the API's case says the same; the
//! register still lists it; search no longer finds its child; and nothing
//! more can be recorded on it.

mod common;

use accord_case::{Case, ErasureRule};
use common::{get_as, page_as, post_as, sign_in, spawn_app_with_demo};

#[tokio::test]
async fn an_erased_case_shows_its_shape_and_says_why_nothing_else() {
    let (app, state) = spawn_app_with_demo().await;
    let store = state.store();
    let mut closed: Option<Case> = None;
    for entry in store.all_cases().await.unwrap() {
        if entry.case.as_str().starts_with("HAV-") && entry.status.is_closed() {
            closed = Some(store.load_case(&entry.case).await.unwrap().unwrap());
            break;
        }
    }
    let case = closed.expect("Havering's demo has a closed case");
    let id = case.id().to_string();
    let name = case.subjects()[0].name.as_str().to_owned();
    let disputed = case.concern().disputed.as_str().to_owned();
    let team = sign_in(&app, "hav-partnership-team").await;

    // Before: the page names the child, and search finds them.
    let (status, page) = page_as(&app, &team, &format!("/cases/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&disputed));
    let query = format!("/api/v1/cases?child_name={}", name.replace(' ', "+"));
    let (_, found) = get_as(&app, &team, &query).await;
    assert!(found.to_string().contains(&id), "{found}");

    store
        .erase(
            case.id(),
            ErasureRule::YearsAfterClosure { years: 6 },
            jiff::civil::date(2031, 6, 2),
            state.now(),
            case.raised_by().clone(),
        )
        .await
        .unwrap();

    for path in [format!("/cases/{id}"), format!("/cases/{id}/print")] {
        let (status, page) = page_as(&app, &team, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains("id=\"erased\""), "{path} says it was erased");
        assert!(
            page.contains("6 years after closure"),
            "{path} names the rule"
        );
        assert!(!page.contains(&disputed), "{path} shows the concern");
        assert!(page.contains(accord_store::ERASED));
    }
    let (status, shown) = get_as(&app, &team, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        shown["erased"]["rule"],
        serde_json::json!({"kind": "years_after_closure", "years": 6})
    );
    assert_eq!(shown["subjects"][0]["name"], accord_store::ERASED);
    assert!(!shown.to_string().contains(&disputed));
    assert_eq!(
        shown["chronology"].as_array().unwrap().last().unwrap()["type"],
        "erased"
    );
    // It is still found by its reference, closed, with its shape.
    let (_, by_reference) = get_as(
        &app,
        &team,
        &format!("/api/v1/cases?reference={id}&status=closed,withdrawn"),
    )
    .await;
    assert!(by_reference.to_string().contains(&id), "{by_reference}");
    // The search page and My disagreements mark it erased, say when and
    // under which rule, and show no child.
    let (status, results) = page_as(&app, &team, &format!("/search?reference={id}")).await;
    assert_eq!(status, 200);
    assert!(
        results.contains(&format!("href=\"/cases/{id}\"")),
        "found by reference"
    );
    assert!(results.contains("govuk-tag--purple\">Erased</strong>"));
    assert!(results.contains("under 6 years after closure: its personal data is no longer held"));
    assert!(!results.contains(&name), "no child is shown");
    assert!(!results.contains(&format!("<br>{}", accord_store::ERASED)));
    let raiser = state
        .store()
        .person(&case.raised_by().person)
        .await
        .unwrap()
        .expect("the raiser is in the directory");
    let theirs = sign_in(&app, &raiser.sign_in).await;
    let (_, mine) = page_as(&app, &theirs, "/my-disagreements").await;
    assert!(
        mine.contains(&format!("href=\"/cases/{id}\"")),
        "they raised it"
    );
    assert!(mine.contains("govuk-tag--purple\">Erased</strong>"));
    assert!(!mine.contains(&name));
    // Search no longer finds the child.
    let (_, found) = get_as(&app, &team, &query).await;
    assert!(!found.to_string().contains(&id), "{found}");
    // Nothing more is recorded on it: reopening is refused, and says why.
    let (status, refused) = post_as(
        &app,
        &team,
        &format!("/api/v1/cases/{id}/reopening"),
        &serde_json::json!({ "expected_version": shown["version"], "reason": "New concerns" }),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("erased"), "{refused}");
}
