//! Notifications in the app, read and unread, on both backends (issue 14
//! §6): each delivery keeps the app's words beside the email's, a person's
//! unread ones are counted, and marking read (one, or all) touches only
//! that person's own.

#[macro_use]
mod common;

use accord_case::PersonId;
use accord_store::{Channel, NewDelivery, Notice, OutboxEntry, Store};
use common::{Backend, TestDb, sample::*};
use jiff::Timestamp;

both_backends!(read_state_and_the_unread_count_are_each_person_s_own);

fn person(id: &str) -> PersonId {
    PersonId::parse(id).unwrap()
}

/// Delivers `entry` to each of `to` in the app, and to the first also by
/// email, with the app's words of a stage to act on.
async fn deliver(store: &Store, entry: &OutboxEntry, to: &[&PersonId], now: Timestamp) {
    let mut deliveries = Vec::new();
    for (i, p) in to.iter().enumerate() {
        let mut channels = vec![(Channel::InApp, String::new())];
        if i == 0 {
            channels.push((Channel::Email, "someone@example.org".to_owned()));
        }
        for (channel, address) in channels {
            deliveries.push(NewDelivery {
                key: accord_store::delivery_key(&entry.idempotency_key, p, channel),
                case: entry.case.clone(),
                person: (*p).clone(),
                channel,
                address,
                subject: format!("Accord {}: now at Stage 1", entry.case),
                body: "The email's own words.".to_owned(),
                occasion: "stage_entry".to_owned(),
                notice: Notice {
                    happened: format!("{} is now at Stage 1.", entry.case),
                    detail: String::new(),
                    todo: Some(entry.message.clone()),
                    by_when: Some("By the end of Friday 6 June 2025.".to_owned()),
                },
            });
        }
    }
    store
        .deliver_notification(entry.global_seq, &deliveries, now)
        .await
        .unwrap();
}

async fn read_state_and_the_unread_count_are_each_person_s_own(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let now = at("2025-06-02T09:30:00Z");
    let (calendars, policies) = world();
    let demo = accord_demo::demo(now, calendars, policies).unwrap();
    store.seed((&demo).into()).await.unwrap();
    let (alex, sam) = (person("hav-csc-practitioner"), person("hav-csc-manager"));
    assert_eq!(store.unread_notifications(&alex).await.unwrap(), 0);

    let pending = store.pending_notifications(10_000).await.unwrap();
    let [first, second, third] = [&pending[0], &pending[1], &pending[2]];
    deliver(&store, first, &[&alex, &sam], now).await;
    deliver(&store, second, &[&alex], now).await;
    deliver(&store, third, &[&sam], now).await;

    // The app's words are kept as written, beside the email's.
    let alex_s = store.notifications_for(&alex, 100).await.unwrap();
    assert_eq!(alex_s.len(), 2, "in the app only: {alex_s:?}");
    let words = alex_s[1].notice.as_ref().unwrap();
    assert_eq!(words.happened, format!("{} is now at Stage 1.", first.case));
    assert_eq!(words.todo.as_deref(), Some(first.message.as_str()));
    assert_eq!(
        words.by_when.as_deref(),
        Some("By the end of Friday 6 June 2025.")
    );
    assert!(alex_s.iter().all(|d| d.read_at.is_none()));
    // An email is not something to read in the app, so it is not counted.
    assert_eq!(store.unread_notifications(&alex).await.unwrap(), 2);
    assert_eq!(store.unread_notifications(&sam).await.unwrap(), 2);

    // Alex marks one read: Sam's copy of the same notification stays unread.
    let later = at("2025-06-02T10:00:00Z");
    assert!(
        store
            .mark_notification_read(&alex, alex_s[1].id, later)
            .await
            .unwrap()
    );
    assert_eq!(store.unread_notifications(&alex).await.unwrap(), 1);
    assert_eq!(store.unread_notifications(&sam).await.unwrap(), 2);
    let again = store.notifications_for(&alex, 100).await.unwrap();
    assert_eq!(again[1].read_at, Some(later));
    assert_eq!(again[0].read_at, None);

    // Marking it again keeps when it was first read.
    assert!(
        store
            .mark_notification_read(&alex, alex_s[1].id, at("2025-06-03T10:00:00Z"))
            .await
            .unwrap()
    );
    assert_eq!(
        store.notifications_for(&alex, 100).await.unwrap()[1].read_at,
        Some(later)
    );

    // Nobody marks another person's: Sam's own, and Alex's email, are not
    // Alex's notifications, nor is an id that names nothing.
    let sam_s = store.notifications_for(&sam, 100).await.unwrap();
    for id in sam_s.iter().map(|d| d.id) {
        assert!(
            !store
                .mark_notification_read(&alex, id, later)
                .await
                .unwrap()
        );
    }
    let email = store
        .deliveries_of(&first.case, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.channel == Channel::Email)
        .unwrap();
    assert!(
        !store
            .mark_notification_read(&alex, email.id, later)
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_notification_read(&alex, i64::MAX, later)
            .await
            .unwrap()
    );
    assert_eq!(store.unread_notifications(&sam).await.unwrap(), 2);
    assert!(
        store
            .notifications_for(&sam, 100)
            .await
            .unwrap()
            .iter()
            .all(|d| d.read_at.is_none())
    );

    // All of Alex's: the one left, and none of Sam's.
    assert_eq!(
        store
            .mark_all_notifications_read(&alex, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.unread_notifications(&alex).await.unwrap(), 0);
    assert_eq!(store.unread_notifications(&sam).await.unwrap(), 2);
    assert_eq!(
        store
            .mark_all_notifications_read(&alex, later)
            .await
            .unwrap(),
        0,
        "nothing left to mark"
    );

    // A new notification arrives unread.
    deliver(&store, &pending[3], &[&alex], now).await;
    assert_eq!(store.unread_notifications(&alex).await.unwrap(), 1);
    assert_eq!(
        store
            .mark_all_notifications_read(&sam, later)
            .await
            .unwrap(),
        2
    );
    assert_eq!(store.unread_notifications(&sam).await.unwrap(), 0);
    assert_eq!(store.unread_notifications(&alex).await.unwrap(), 1);
}
