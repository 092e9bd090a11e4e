//! Rotating the master key (issue 17 §1), on both backends: everything it
//! seals (each case's data key, the key ring, second factors, raise
//! drafts, legal holds' reasons, searches, webhook secrets) reads back under the new key
//! alone, without an event rewritten.

#[macro_use]
mod common;

use std::sync::Arc;

use accord_store::{KeyError, LocalMasterKey, MasterKey, OpenError, Store, Verification};
use common::{Backend, TestDb, sample::*};

both_backends!(everything_the_master_key_seals_reads_back_under_the_new_one);

async fn everything_the_master_key_seals_reads_back_under_the_new_one(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, builtin) = world();
    let demo = accord_demo::demo(at("2025-06-02T09:30:00Z"), calendars, builtin).unwrap();
    store.seed((&demo).into()).await.unwrap();
    let now = at("2025-06-03T09:00:00Z");
    let manager = store
        .person_by_sign_in("hav-csc-manager")
        .await
        .unwrap()
        .unwrap();
    let team = store
        .person_by_sign_in("hav-partnership-team")
        .await
        .unwrap()
        .unwrap();
    let case = store.register_of("havering").await.unwrap().remove(0).case;
    store
        .place_legal_hold(&case, "havering", "Court proceedings", &team.id, now)
        .await
        .unwrap();
    store
        .save_raise_draft(
            &manager.id,
            &[("subjects[0].name".into(), "Poppy".into())],
            now,
        )
        .await
        .unwrap();
    let enrolment = store
        .begin_second_factor(&manager, "Accord", now)
        .await
        .unwrap()
        .unwrap();
    store
        .record_search(&manager.id, now, "{\"child_name\":\"Poppy\"}", &[])
        .await
        .unwrap();
    let (webhook, webhook_secret) = store
        .add_webhook(
            "havering",
            "https://integration.havering.gov.uk/accord",
            &[accord_store::EventKind::Escalated],
            false,
            now,
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let events_before = store.event_count().await.unwrap();
    let Verification::Intact { head, .. } = store.verify().await.unwrap() else {
        panic!("the record verifies")
    };

    let new: Arc<dyn MasterKey> = Arc::new(LocalMasterKey::generate());
    store.rotate_master_key(new.as_ref()).await.unwrap();
    store.close().await;

    let old = db.master.clone();
    let err = Store::open(&db.url, policies(), old).await.unwrap_err();
    assert!(
        matches!(err, OpenError::Keys(KeyError::WrongMasterKey { .. })),
        "{err}"
    );
    let store = Store::open(&db.url, policies(), new).await.unwrap();
    // No event was rewritten: the chain's head is as it was.
    assert_eq!(store.event_count().await.unwrap(), events_before);
    let Verification::Intact { head: after, .. } = store.verify().await.unwrap() else {
        panic!("the record verifies")
    };
    assert_eq!(head, after);
    for entry in store.all_cases().await.unwrap() {
        assert!(!store.load(&entry.case).await.unwrap().is_empty());
    }
    let holds = store.legal_holds().await.unwrap();
    assert_eq!(holds[0].reason, "Court proceedings");
    // Issue 19: a webhook's signing secret is sealed by the master key too.
    assert_eq!(
        store.webhook_secret(&webhook.id).await.unwrap(),
        Some(webhook_secret)
    );
    assert_eq!(
        store.raise_draft(&manager.id).await.unwrap().unwrap()[0].1,
        "Poppy"
    );
    assert!(
        store
            .searches_by(&manager.id)
            .await
            .unwrap()
            .last()
            .unwrap()
            .query
            .contains("Poppy")
    );
    let code = accord_store::code_at(&enrolment.secret, now).unwrap();
    assert!(
        store
            .confirm_second_factor(
                &manager.id,
                &code,
                now,
                &accord_store::ChangedBy::Person(manager.id.clone())
            )
            .await
            .unwrap()
    );
    // Search still finds children: the index key came across.
    let name = store.load_case(&case).await.unwrap().unwrap().subjects()[0]
        .name
        .to_string();
    let found = store
        .search_cases(
            "havering",
            &accord_store::CaseSearch {
                child_name: Some(name),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(found.iter().any(|e| e.case == case));
}
