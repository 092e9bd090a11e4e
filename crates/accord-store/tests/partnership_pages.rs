//! A partnership's own footer pages (issue 14 §8: "Each partnership can
//! set the words and addresses of its own"), on SQLite and PostgreSQL:
//! kept per partnership, cleared back to Accord's standard words, and every
//! change in the directory audit with who made it and what it was before.

#[macro_use]
mod common;

use accord_store::{AccountError, ChangedBy, FooterPage, PartnershipPage, Store, Verification};
use common::{Backend, TestDb, sample::*};
use jiff::Timestamp;

both_backends!(
    each_partnership_sets_its_own_pages_and_each_change_is_audited,
    a_partnership_that_does_not_exist_sets_nothing,
);

fn now() -> Timestamp {
    at("2026-12-06T09:30:00Z")
}

async fn directory(backend: Backend) -> (TestDb, Store) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, policies) = world();
    let demo = accord_demo::demo(now(), calendars, policies).unwrap();
    store
        .put_directory((&demo).into(), &ChangedBy::DEMO, now())
        .await
        .unwrap();
    (db, store)
}

async fn each_partnership_sets_its_own_pages_and_each_change_is_audited(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let admin = ChangedBy::Person("hav-admin".parse().unwrap());
    assert!(
        store
            .partnership_pages("havering")
            .await
            .unwrap()
            .is_empty()
    );

    let words = "The HSCP is the controller.\n\nWrite to the business unit.";
    let address = "https://www.havering.gov.uk/privacy";
    store
        .set_partnership_page(
            "havering",
            FooterPage::Privacy,
            words,
            Some(address),
            now(),
            &admin,
        )
        .await
        .unwrap();
    store
        .set_partnership_page(
            "havering",
            FooterPage::Accessibility,
            "",
            Some(address),
            now(),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(
        store.partnership_pages("havering").await.unwrap(),
        vec![
            PartnershipPage {
                page: FooterPage::Accessibility,
                words: String::new(),
                address: Some(address.to_owned()),
            },
            PartnershipPage {
                page: FooterPage::Privacy,
                words: words.to_owned(),
                address: Some(address.to_owned()),
            },
        ]
    );
    // Another partnership's pages are its own.
    assert!(store.partnership_pages("sutton").await.unwrap().is_empty());

    // Saving the same again changes nothing and records nothing.
    let audited = store.directory_audit("havering", 100).await.unwrap().len();
    store
        .set_partnership_page(
            "havering",
            FooterPage::Privacy,
            words,
            Some(address),
            now(),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(
        store.directory_audit("havering", 100).await.unwrap().len(),
        audited
    );

    // Empty words and no address go back to the standard words.
    store
        .set_partnership_page("havering", FooterPage::Privacy, "", None, now(), &admin)
        .await
        .unwrap();
    let pages = store.partnership_pages("havering").await.unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].page, FooterPage::Accessibility);

    let entries = store.directory_audit("havering", 100).await.unwrap();
    let privacy: Vec<_> = entries
        .iter()
        .filter(|e| e.what == "setting.page.privacy")
        .collect();
    assert_eq!(privacy.len(), 2, "{entries:#?}");
    let cleared = privacy.iter().max_by_key(|e| e.seq).unwrap();
    assert_eq!(cleared.by, admin);
    assert_eq!(cleared.before["words"], words);
    assert_eq!(cleared.before["address"], address);
    assert_eq!(cleared.after["words"], "");
    // The audit chain still verifies with the new entries in it.
    let verified = store.verify().await.unwrap();
    assert!(
        matches!(verified, Verification::Intact { audit_entries, .. } if audit_entries >= 3),
        "{verified:?}"
    );
}

async fn a_partnership_that_does_not_exist_sets_nothing(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let err = store
        .set_partnership_page(
            "nowhere",
            FooterPage::Help,
            "Words",
            None,
            now(),
            &ChangedBy::DEMO,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AccountError::NoSuchPartnership { .. }),
        "{err}"
    );
    assert!(store.partnership_pages("nowhere").await.unwrap().is_empty());
}
