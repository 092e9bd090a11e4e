//! A leaver's open work at the storage layer, on both backends (issue 13
//! §3, "Leavers"): `Store::open_work_of` lists what the demo's cases give a
//! practitioner by name, and appending a handover moves it in the register
//! (so the access rules and My work follow) and gives the newcomer the
//! leaver's notifications on the case in the app, in the same transaction,
//! with the chain intact.

#[macro_use]
mod common;

use accord_case::{Case, Command, Context, DirectoryEntry, OpenWork, Text};
use accord_store::{ChangedBy, Channel, Directory, NewDelivery, Verification};
use common::{Backend, TestDb, sample::*};

both_backends!(handing_over_the_raisers_part_moves_the_register_and_the_notifications);

async fn handing_over_the_raisers_part_moves_the_register_and_the_notifications(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let now = at("2025-06-02T09:30:00Z");
    let (calendars, policies) = world();
    let demo = accord_demo::demo(now, calendars, policies).unwrap();
    store.seed((&demo).into()).await.unwrap();

    let leaver = store
        .person_by_sign_in("hav-health-practitioner")
        .await
        .unwrap()
        .unwrap();
    let listed = store.open_work_of(&leaver).await.unwrap();
    let entry = listed
        .iter()
        .find(|w| w.work == [OpenWork::Raiser])
        .expect("the health visitor raised an open case")
        .entry
        .clone();
    let id = entry.case.clone();
    assert!(entry.involvement.people.contains(&leaver.id));

    // The leaver was told something of the case in the app.
    let pending = store.pending_notifications(10_000).await.unwrap();
    let notice = pending
        .iter()
        .find(|n| n.case == id)
        .expect("the case has a notification waiting");
    store
        .deliver_notification(
            notice.global_seq,
            &[NewDelivery {
                key: accord_store::delivery_key(
                    &format!("n{}", notice.global_seq),
                    &leaver.id,
                    Channel::InApp,
                ),
                case: id.clone(),
                person: leaver.id.clone(),
                channel: Channel::InApp,
                address: String::new(),
                subject: "What the leaver was told".to_owned(),
                body: notice.message.clone(),
                occasion: "stage_entry".to_owned(),
                notice: accord_store::Notice {
                    happened: format!("{id} is now at Stage 2."),
                    detail: String::new(),
                    todo: Some(notice.message.clone()),
                    by_when: Some("By the end of Friday 6 June 2025.".to_owned()),
                },
            }],
            now,
        )
        .await
        .unwrap();

    // The leaver had read it.
    let read = store.notifications_for(&leaver.id, 1).await.unwrap()[0].id;
    assert!(
        store
            .mark_notification_read(&leaver.id, read, now)
            .await
            .unwrap()
    );

    // A colleague joins, and the administrator hands the part to them.
    let successor = accord_store::Person {
        id: accord_case::PersonId::parse("hav-health-practitioner-2").unwrap(),
        sign_in: "hav-health-practitioner-2".to_owned(),
        name: "Robin Okafor".to_owned(),
        email: "robin.okafor@example.org".to_owned(),
        ..leaver.clone()
    };
    store
        .put_directory(
            Directory {
                partnerships: &[],
                agencies: &[],
                people: std::slice::from_ref(&successor),
            },
            &ChangedBy::COMMAND_LINE,
            now,
        )
        .await
        .unwrap();
    let admin = store.person_by_sign_in("hav-admin").await.unwrap().unwrap();
    let case: Case = store.load_case(&id).await.unwrap().unwrap();
    let policy = policies.iter().find(|p| p.id == *case.policy()).unwrap();
    let calendar = calendars.get(&policy.calendar).unwrap();
    let ctx = Context {
        people: vec![DirectoryEntry {
            person: successor.actor(),
            active: true,
        }],
        ..Context::new(now, admin.actor())
    };
    let events = case
        .decide(
            policy,
            calendar,
            Command::HandOver {
                from: leaver.id.clone(),
                to: successor.id.clone(),
                work: OpenWork::Raiser,
                reason: Text::parse("Left the service").unwrap(),
            },
            &ctx,
        )
        .unwrap();
    store.append(Some(case.version()), &events).await.unwrap();

    let entry = store
        .register_entry(&id, "havering")
        .await
        .unwrap()
        .unwrap();
    assert!(entry.involvement.people.contains(&successor.id));
    assert!(!entry.involvement.people.contains(&leaver.id));
    assert!(
        !store
            .open_work_of(&leaver)
            .await
            .unwrap()
            .iter()
            .any(|w| w.entry.case == id && !w.work.is_empty())
    );
    assert!(
        store
            .open_work_of(&successor)
            .await
            .unwrap()
            .iter()
            .any(|w| w.entry.case == id && w.work == [OpenWork::Raiser])
    );
    let theirs = store.notifications_for(&successor.id, 100).await.unwrap();
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    assert_eq!(theirs[0].case.as_ref(), Some(&id));
    assert_eq!(theirs[0].subject, "What the leaver was told");
    // The app's words come with it, unread by the newcomer (issue 14 §6).
    let words = theirs[0]
        .notice
        .as_ref()
        .expect("the app's words are copied");
    assert_eq!(words.happened, format!("{id} is now at Stage 2."));
    assert_eq!(words.todo.as_deref(), Some(notice.message.as_str()));
    assert_eq!(theirs[0].read_at, None);
    assert_eq!(store.unread_notifications(&successor.id).await.unwrap(), 1);
    assert_eq!(store.unread_notifications(&leaver.id).await.unwrap(), 0);
    // The leaver keeps their own copy: their history is theirs.
    assert_eq!(
        store
            .notifications_for(&leaver.id, 100)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
}
