//! Raise drafts on both backends (issue 5: "Nothing typed is lost on an
//! error"): a person's answers are kept between the question pages, each
//! save replaces the last, one person's draft is not another's, and a draft
//! goes once discarded or after 30 days untouched, since it holds a child's
//! details before they are on any case.

#[macro_use]
mod common;

use accord_demo::Demo;
use accord_store::{DRAFT_KEPT_FOR, Store};
use common::{Backend, TestDb, sample::*};
use jiff::{SignedDuration, Timestamp};

both_backends!(
    a_draft_is_kept_replaced_and_discarded,
    drafts_untouched_for_30_days_are_removed,
);

fn now() -> Timestamp {
    at("2026-12-01T10:00:00Z")
}

async fn directory(backend: Backend) -> (TestDb, Store, Demo) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, policies) = world();
    let demo = accord_demo::demo(now(), calendars, policies).unwrap();
    store
        .put_directory(
            (&demo).into(),
            &accord_store::ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    (db, store, demo)
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn a_draft_is_kept_replaced_and_discarded(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let me = &demo.people[0].id;
    let someone_else = &demo.people[1].id;
    assert_eq!(store.raise_draft(me).await.unwrap(), None);

    let first = pairs(&[
        ("subject-name", "Child A"),
        ("flags", "looked_after"),
        ("flags", "cpp"),
    ]);
    store.save_raise_draft(me, &first, now()).await.unwrap();
    assert_eq!(store.raise_draft(me).await.unwrap(), Some(first));
    assert_eq!(store.raise_draft(someone_else).await.unwrap(), None);

    let second = pairs(&[
        ("subject-name", "Child A – “Ellie”"),
        ("area", "levels-of-need"),
    ]);
    store.save_raise_draft(me, &second, now()).await.unwrap();
    assert_eq!(store.raise_draft(me).await.unwrap(), Some(second));

    store.discard_raise_draft(me).await.unwrap();
    assert_eq!(store.raise_draft(me).await.unwrap(), None);
    // Discarding nothing is not a mistake.
    store.discard_raise_draft(me).await.unwrap();
}

async fn drafts_untouched_for_30_days_are_removed(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let old = &demo.people[0].id;
    let recent = &demo.people[1].id;
    let answers = pairs(&[("area", "levels-of-need")]);
    store.save_raise_draft(old, &answers, now()).await.unwrap();
    store
        .save_raise_draft(recent, &answers, now() + SignedDuration::from_hours(48))
        .await
        .unwrap();

    let just_before = now() + DRAFT_KEPT_FOR;
    assert_eq!(store.prune_raise_drafts(just_before).await.unwrap(), 0);
    let after = just_before + SignedDuration::from_secs(1);
    assert_eq!(store.prune_raise_drafts(after).await.unwrap(), 1);
    assert_eq!(store.raise_draft(old).await.unwrap(), None);
    assert_eq!(store.raise_draft(recent).await.unwrap(), Some(answers));
}
