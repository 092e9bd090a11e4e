//! Finding any case at the storage layer, on both backends (issue 14 §1):
//! a search answers only with its partnership's cases, in every state,
//! matches the child's details on the search rows kept beside the
//! register, refills those rows for cases stored before them, and is kept
//! in the append-only search log.

#[macro_use]
mod common;

use accord_case::{CaseId, EventBody, LocalId, NhsNumber, PersonId, Status};
use accord_store::{CaseSearch, Store};
use common::{Backend, TestDb, sample::at};

both_backends!(
    a_search_answers_only_with_its_partnerships_cases_in_every_state,
    the_childs_details_are_found_on_the_search_rows,
    search_rows_are_refilled_for_cases_stored_before_them,
    every_search_is_kept_in_the_append_only_search_log,
);

async fn seeded(backend: Backend) -> (TestDb, Store, accord_demo::Demo) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, policies) = common::sample::world();
    let demo = accord_demo::demo(at("2025-06-02T09:30:00Z"), calendars, policies).unwrap();
    store.seed((&demo).into()).await.unwrap();
    (db, store, demo)
}

/// A copy of Havering demo case `from` as case `to`, whose first child is
/// born on 12 April 2019 with NHS number 943 476 5919 and local identifier
/// LCS-12345.
async fn named_copy(store: &Store, from: &CaseId, to: &str) -> CaseId {
    let to = CaseId::parse(to).unwrap();
    let mut events = store.load(from).await.unwrap();
    for e in &mut events {
        e.case = to.clone();
        if let EventBody::Raised(raised) = &mut e.body {
            let child = &mut raised.subjects[0];
            child.date_of_birth = Some(jiff::civil::date(2019, 4, 12));
            child.nhs_number = Some(NhsNumber::parse("943 476 5919").unwrap());
            child.local_id = Some(LocalId::parse("LCS-12345").unwrap());
        }
    }
    store.append(None, &events).await.unwrap();
    to
}

async fn a_search_answers_only_with_its_partnerships_cases_in_every_state(backend: Backend) {
    let (_db, store, demo) = seeded(backend).await;
    let everything = store.all_cases().await.unwrap();
    for partnership in &demo.partnerships {
        let prefix = format!("{}-", partnership.case_prefix);
        let found = store
            .search_cases(&partnership.id, &CaseSearch::default())
            .await
            .unwrap();
        let mut expected: Vec<&CaseId> = everything
            .iter()
            .filter(|e| e.case.as_str().starts_with(&prefix))
            .map(|e| &e.case)
            .collect();
        let mut got: Vec<&CaseId> = found.iter().map(|e| &e.case).collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "{}", partnership.id);
        // Closed and withdrawn cases are found too, not only the register's.
        for status in [Status::Closed, Status::Withdrawn] {
            let only = CaseSearch {
                statuses: vec![status],
                ..CaseSearch::default()
            };
            let found = store.search_cases(&partnership.id, &only).await.unwrap();
            assert!(found.iter().all(|e| e.status == status));
            assert_eq!(
                found.len(),
                everything
                    .iter()
                    .filter(|e| e.case.as_str().starts_with(&prefix) && e.status == status)
                    .count()
            );
        }
    }
    assert!(
        store
            .search_cases("nowhere", &CaseSearch::default())
            .await
            .unwrap()
            .is_empty()
    );
    // Another partnership's reference is not found from Havering.
    let plymouth = everything
        .iter()
        .find(|e| e.case.as_str().starts_with("PLY-"))
        .unwrap();
    let by_reference = CaseSearch {
        reference: Some(plymouth.case.to_string()),
        ..CaseSearch::default()
    };
    assert!(
        store
            .search_cases("havering", &by_reference)
            .await
            .unwrap()
            .is_empty()
    );
    let found = store.search_cases("plymouth", &by_reference).await.unwrap();
    assert_eq!(found.len(), 1);
}

async fn the_childs_details_are_found_on_the_search_rows(backend: Backend) {
    let (_db, store, _demo) = seeded(backend).await;
    let everything = store.all_cases().await.unwrap();
    let havering = everything
        .iter()
        .find(|e| e.case.as_str().starts_with("HAV-") && e.status == Status::Closed)
        .unwrap();
    let copy = named_copy(&store, &havering.case, "HAV-2099-0001").await;
    let search = |s: CaseSearch| {
        let store = store.clone();
        async move {
            store
                .search_cases("havering", &s)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.case)
                .collect::<Vec<_>>()
        }
    };
    let nhs = CaseSearch {
        nhs_number: Some(NhsNumber::parse("9434765919").unwrap()),
        ..CaseSearch::default()
    };
    assert_eq!(search(nhs.clone()).await, vec![copy.clone()]);
    let wrong_plymouth = store.search_cases("plymouth", &nhs).await.unwrap();
    assert!(wrong_plymouth.is_empty());
    let local = CaseSearch {
        local_id: Some(LocalId::parse("lcs-12345").unwrap()),
        ..CaseSearch::default()
    };
    assert_eq!(search(local).await, vec![copy.clone()]);
    let born = CaseSearch {
        date_of_birth: Some(jiff::civil::date(2019, 4, 12)),
        statuses: vec![Status::Closed],
        ..CaseSearch::default()
    };
    assert_eq!(search(born).await, vec![copy.clone()]);
    // Every criterion must hold: the right NHS number and the wrong birth
    // date find nothing.
    let both = CaseSearch {
        date_of_birth: Some(jiff::civil::date(2019, 4, 13)),
        ..nhs.clone()
    };
    assert!(search(both).await.is_empty());
    // The name is found by any of its words, in any case.
    let copied = store.load_case(&copy).await.unwrap().unwrap();
    let name = copied.subjects()[0].name.to_string();
    let word = name.split_whitespace().last().unwrap().to_uppercase();
    let by_name = search(CaseSearch {
        child_name: Some(word.clone()),
        ..CaseSearch::default()
    })
    .await;
    assert!(by_name.contains(&copy), "{word}");
    for id in &by_name {
        let case = store.load_case(id).await.unwrap().unwrap();
        assert!(
            case.subjects()
                .iter()
                .any(|s| s.name.as_str().to_uppercase().contains(&word)),
            "{id}"
        );
    }
    // LIKE's own characters are taken literally.
    assert!(
        search(CaseSearch {
            child_name: Some("%".into()),
            ..CaseSearch::default()
        })
        .await
        .is_empty()
    );
    // A person involved: the raiser finds the case, at any stage.
    let raiser = copied.raised_by().person.clone();
    let theirs = search(CaseSearch {
        people: Some(vec![raiser.clone()]),
        ..CaseSearch::default()
    })
    .await;
    assert!(theirs.contains(&copy));
    for id in &theirs {
        let case = store.load_case(id).await.unwrap().unwrap();
        let events = store.load(id).await.unwrap();
        assert!(
            events.iter().any(|e| e.actor.person == raiser)
                || case.other_professional() == Some(&raiser)
                || case.discussions().iter().any(|d| d
                    .record
                    .participants
                    .iter()
                    .any(|p| p.person == raiser))
                || case.actions().iter().any(|a| a.details.who == raiser),
            "{id}"
        );
    }
    let nobody = search(CaseSearch {
        people: Some(Vec::new()),
        ..CaseSearch::default()
    })
    .await;
    assert!(nobody.is_empty());
    // Raised between: the copy was raised when its original was.
    let window = search(CaseSearch {
        raised_from: Some(copied.raised_at()),
        raised_before: Some(copied.raised_at() + jiff::SignedDuration::from_secs(1)),
        ..CaseSearch::default()
    })
    .await;
    assert!(window.contains(&copy) && window.contains(&havering.case));
    let before = search(CaseSearch {
        raised_before: Some(copied.raised_at()),
        ..nhs
    })
    .await;
    assert!(before.is_empty());
}

async fn search_rows_are_refilled_for_cases_stored_before_them(backend: Backend) {
    let (db, store, _demo) = seeded(backend).await;
    let any = store.all_cases().await.unwrap();
    let from = &any
        .iter()
        .find(|e| e.case.as_str().starts_with("HAV-"))
        .unwrap()
        .case;
    let copy = named_copy(&store, from, "HAV-2099-0002").await;
    store.close().await;
    // As a database from before migration 0012 would be.
    db.raw("DELETE FROM case_subjects").await.unwrap();
    db.raw("DELETE FROM case_people").await.unwrap();
    db.raw("UPDATE case_register SET searchable = NULL")
        .await
        .unwrap();
    let store = db.open().await;
    let found = store
        .search_cases(
            "havering",
            &CaseSearch {
                nhs_number: Some(NhsNumber::parse("943 476 5919").unwrap()),
                ..CaseSearch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].case, copy);
}

async fn every_search_is_kept_in_the_append_only_search_log(backend: Backend) {
    let (db, store, _demo) = seeded(backend).await;
    let person = PersonId::parse("hav-csc-manager").unwrap();
    let case = store.all_cases().await.unwrap()[0].case.clone();
    let when = at("2025-06-03T10:00:00Z");
    store
        .record_search(&person, when, r#"{"nhs_number":"9434765919"}"#, &[])
        .await
        .unwrap();
    store
        .record_search(
            &person,
            when,
            r#"{"status":["closed"]}"#,
            std::slice::from_ref(&case),
        )
        .await
        .unwrap();
    let searches = store.searches_by(&person).await.unwrap();
    assert_eq!(searches.len(), 2);
    assert_eq!(searches[0].query, r#"{"nhs_number":"9434765919"}"#);
    assert!(searches[0].shown.is_empty());
    assert_eq!(searches[1].shown, vec![case.clone()]);
    assert_eq!(searches[1].at, when);
    // The case shown was read, for search.
    let reads = store.reads_of(&case).await.unwrap();
    assert!(
        reads
            .iter()
            .any(|r| r.person == person && r.purpose == "search")
    );
    store.close().await;
    assert!(db.raw("UPDATE search_log SET query = '{}'").await.is_err());
    assert!(db.raw("DELETE FROM search_log").await.is_err());
}
