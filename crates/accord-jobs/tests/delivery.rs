//! Delivery guarantees, against a real SMTP server (aiosmtpd) and real
//! SQLite and PostgreSQL: outbox rows become deliveries once, email is
//! marked sent only once the server accepts it, a server that is down is
//! retried with backoff until it is back, a permanent refusal is shown to
//! administrators, and two runners on one PostgreSQL never send twice, even
//! through an SMTP server so slow that claims lapse while a batch is sent.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use accord_store::{Channel, DeliveryStatus, Store};
use common::{Backend, SmtpSink, TestClock, at, demo_store, fresh_url, runner};
use jiff::SignedDuration;

/// Monday 2 March 2026, 09:00 in London: the demo's "now".
const T0: &str = "2026-03-02T09:00:00Z";

async fn email_deliveries(store: &Store) -> BTreeMap<String, DeliveryStatus> {
    let mut all = BTreeMap::new();
    for status in [
        DeliveryStatus::Pending,
        DeliveryStatus::Sending,
        DeliveryStatus::Sent,
        DeliveryStatus::Failed,
    ] {
        for d in store.deliveries_with_status(status, 100_000).await.unwrap() {
            if d.channel == Channel::Email {
                all.insert(d.key, d.status);
            }
        }
    }
    all
}

/// The key in a Message-ID `<key@domain>`.
fn key_of(message_id: &str) -> String {
    message_id
        .trim_matches(|c| c == '<' || c == '>')
        .split('@')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_notification_is_emailed_once_and_never_names_a_child() {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let store = demo_store(&url, at(T0)).await;
    let sink = SmtpSink::start();
    let clock = TestClock::new(at(T0));
    let jobs = runner(&store, &clock, Some(&sink));

    let first = jobs.run_once().await.unwrap();
    assert!(
        first.notifications > 0,
        "the demo's notifications are delivered"
    );
    assert!(
        first.breaches > 0,
        "the demo's overdue cases get their breaches"
    );
    assert_eq!(first.emails_retrying + first.emails_failed, 0);
    let again = jobs.run_once().await.unwrap();
    assert!(
        again.is_idle(),
        "a second pass finds nothing left to do: {again:?}"
    );

    let mail = sink.messages();
    let deliveries = email_deliveries(&store).await;
    assert_eq!(mail.len(), first.emails_sent);
    assert_eq!(mail.len(), deliveries.len());
    assert!(deliveries.values().all(|s| *s == DeliveryStatus::Sent));
    let ids: BTreeSet<String> = mail.iter().map(|m| key_of(&m.message_id)).collect();
    assert_eq!(ids.len(), mail.len(), "no Message-ID is sent twice");
    assert_eq!(ids, deliveries.keys().cloned().collect());

    // Email bodies carry the case reference, never the child's name.
    let mut names = BTreeSet::new();
    for entry in store.all_cases().await.unwrap() {
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        names.extend(case.subjects().iter().map(|s| s.name.to_string()));
    }
    assert!(!names.is_empty());
    for m in &mail {
        assert!(m.subject.starts_with("Accord "), "{}", m.subject);
        // Read as the reader reads it: decoded, so that a name split by a
        // quoted-printable soft line break is still found.
        assert!(m.body.contains("https://accord.example.org/cases/"));
        let read = format!("{}\n{}", m.subject, m.body);
        for name in &names {
            // "Child P" is not "Child Protection Plan".
            let named = read.match_indices(name.as_str()).any(|(i, _)| {
                !read[i + name.len()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
            });
            assert!(!named, "an email names {name}: {}", m.subject);
        }
    }
}

/// The check above reads the body decoded: a name a quoted-printable soft
/// line break splits in the raw message is found whole.
#[test]
fn a_name_split_by_a_soft_line_break_is_read_whole() {
    let raw = "Subject: Accord HAV-2026-0001\r\n\
               Content-Transfer-Encoding: quoted-printable\r\n\r\n\
               About Child=\r\n P, =C2=A3 and =3D.\r\n";
    let mail = common::parse(raw);
    assert!(!mail.raw.contains("Child P"));
    assert!(mail.body.contains("Child P, £ and =."), "{}", mail.body);
}

#[tokio::test]
async fn a_server_that_is_down_is_retried_until_it_is_back() {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let store = demo_store(&url, at(T0)).await;
    let mut sink = SmtpSink::start();
    sink.stop();
    let clock = TestClock::new(at(T0));
    let jobs = runner(&store, &clock, Some(&sink));

    let down = jobs.run_once().await.unwrap();
    assert_eq!(down.emails_sent, 0);
    assert!(down.emails_retrying > 0);
    let waiting = store
        .deliveries_with_status(DeliveryStatus::Pending, 100_000)
        .await
        .unwrap();
    let first_try = waiting
        .iter()
        .find(|d| d.attempts == 1)
        .expect("one was tried");
    assert_eq!(
        first_try.next_attempt_at,
        at(T0).checked_add(SignedDuration::from_secs(30)).unwrap(),
        "the first retry is 30 seconds later"
    );
    assert!(first_try.last_error.is_some());

    // Still down: each email is tried again after 30 seconds, then after
    // a minute (oldest due first, 50 a pass).
    let mut second = None;
    for _ in 0..50 {
        clock.advance(SignedDuration::from_secs(30));
        let pass = jobs.run_once().await.unwrap();
        assert_eq!(pass.emails_sent, 0);
        let again = store
            .deliveries_with_status(DeliveryStatus::Pending, 100_000)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.id == first_try.id && d.attempts == 2);
        if let Some(d) = again {
            second = Some((d, clock.now()));
            break;
        }
    }
    let (tried_twice, when) = second.expect("the first email is tried a second time");
    assert_eq!(
        tried_twice.next_attempt_at,
        when.checked_add(SignedDuration::from_secs(60)).unwrap()
    );

    // Back: everything goes, once, as its retries come round.
    sink.restart();
    for _ in 0..20 {
        clock.advance(SignedDuration::from_mins(10));
        jobs.run_once().await.unwrap();
    }
    let deliveries = email_deliveries(&store).await;
    assert!(
        deliveries.values().all(|s| *s == DeliveryStatus::Sent),
        "{deliveries:?}"
    );
    let mail = sink.messages();
    let ids: BTreeSet<String> = mail.iter().map(|m| key_of(&m.message_id)).collect();
    assert_eq!(mail.len(), deliveries.len(), "none lost, none doubled");
    assert_eq!(ids, deliveries.keys().cloned().collect());
}

/// README: "One that fails is tried again after 30 seconds, then a minute,
/// doubling up to four hours, twelve times in all". With the server down
/// for good, one email is followed through every attempt: the waits
/// between them double from 30 seconds and stop at four hours, and after
/// the twelfth it is given up on, with the server's error kept for
/// administrators, and never tried again.
#[tokio::test]
async fn a_server_down_for_good_is_tried_twelve_times_backing_off_to_four_hours() {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let (calendars, policies) = common::world();
    let store = Store::open(&url, policies.clone(), common::master_key())
        .await
        .unwrap();
    let mut demo = accord_demo::demo(at(T0), calendars, policies).unwrap();
    demo.cases.truncate(1);
    store.seed((&demo).into()).await.unwrap();
    let mut sink = SmtpSink::start();
    sink.stop();
    let clock = TestClock::new(at(T0));
    let jobs = runner(&store, &clock, Some(&sink));

    let find = |id: i64| {
        let store = store.clone();
        async move {
            for status in [DeliveryStatus::Pending, DeliveryStatus::Failed] {
                if let Some(d) = store
                    .deliveries_with_status(status, 100_000)
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|d| d.id == id)
                {
                    return d;
                }
            }
            panic!("delivery {id} is pending or failed")
        }
    };
    jobs.run_once().await.unwrap();
    let followed = store
        .deliveries_with_status(DeliveryStatus::Pending, 100_000)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.channel == Channel::Email && d.attempts == 1)
        .expect("an email was tried once")
        .id;
    // The wait after each attempt, as (attempt, seconds).
    let mut waits = Vec::new();
    let mut last_attempt = 0;
    let mut given_up = None;
    for _ in 0..40 {
        let d = find(followed).await;
        if d.attempts != last_attempt {
            last_attempt = d.attempts;
            if d.status == DeliveryStatus::Failed {
                given_up = Some(d);
                break;
            }
            let wait = d.next_attempt_at.duration_since(clock.now());
            waits.push((d.attempts, wait.as_secs()));
        }
        // Past any wait: the next pass tries it again.
        clock.advance(SignedDuration::from_hours(5));
        jobs.run_once().await.unwrap();
    }
    let expected: Vec<(u32, i64)> = vec![
        (1, 30),
        (2, 60),
        (3, 120),
        (4, 240),
        (5, 480),
        (6, 960),
        (7, 1_920),
        (8, 3_840),
        (9, 7_680),
        (10, 14_400),
        (11, 14_400),
    ];
    assert_eq!(
        waits, expected,
        "the waits double from 30 s and stop at 4 h"
    );
    let given_up = given_up.expect("the email is given up on");
    assert_eq!(given_up.attempts, accord_jobs::MAX_ATTEMPTS);
    assert_eq!(given_up.attempts, 12);
    assert!(given_up.last_error.is_some(), "the server's error is kept");
    // Never tried again, however long the server stays down.
    for _ in 0..3 {
        clock.advance(SignedDuration::from_hours(5));
        jobs.run_once().await.unwrap();
    }
    let after = find(followed).await;
    assert_eq!(after.status, DeliveryStatus::Failed);
    assert_eq!(after.attempts, 12);
}

#[tokio::test]
async fn an_address_the_server_refuses_is_shown_to_administrators() {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let store = demo_store(&url, at(T0)).await;
    // The IRO's mailbox no longer exists.
    let (calendars, policies) = common::world();
    let mut demo = accord_demo::demo(at(T0), calendars, policies).unwrap();
    for p in &mut demo.people {
        if p.id.as_str() == "hav-iro" {
            p.email = "refused-iro@havering.example.org".into();
        }
    }
    store
        .put_directory(
            (&demo).into(),
            &accord_store::ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let sink = SmtpSink::start();
    let clock = TestClock::new(at(T0));
    let pass = runner(&store, &clock, Some(&sink))
        .run_once()
        .await
        .unwrap();
    assert!(pass.emails_failed > 0);

    let failed = store
        .deliveries_with_status(DeliveryStatus::Failed, 100)
        .await
        .unwrap();
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|d| d.person.as_str() == "hav-iro"));
    assert!(failed[0].last_error.as_deref().unwrap().contains("550"));
    assert_eq!(failed[0].attempts, 1, "a permanent refusal is not retried");
    assert!(
        sink.messages().iter().all(|m| !m.to.contains("refused")),
        "nothing reached the refused address"
    );
    // The IRO still sees it in the app.
    let hav_iro = accord_case::PersonId::parse("hav-iro").unwrap();
    assert!(
        !store
            .notifications_for(&hav_iro, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // An administrator puts one back once the address is fixed.
    assert!(
        store
            .retry_delivery(failed[0].id, clock.now())
            .await
            .unwrap()
    );
    assert!(
        !store
            .retry_delivery(failed[0].id, clock.now())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn two_runners_on_one_postgresql_never_send_a_message_twice() {
    let (url, _) = fresh_url(Backend::Postgres).await;
    let store = demo_store(&url, at(T0)).await;
    let other = Store::open(&url, common::world().1.clone(), common::master_key())
        .await
        .unwrap();
    let sink = SmtpSink::start();
    let clock = TestClock::new(at(T0));
    let a = runner(&store, &clock, Some(&sink));
    let b = runner(&other, &clock, Some(&sink));

    for _ in 0..3 {
        let (x, y) = tokio::join!(a.run_once(), b.run_once());
        x.unwrap();
        y.unwrap();
    }
    let deliveries = email_deliveries(&store).await;
    assert!(!deliveries.is_empty());
    assert!(deliveries.values().all(|s| *s == DeliveryStatus::Sent));
    let mail = sink.messages();
    let mut seen = BTreeMap::new();
    for m in &mail {
        *seen.entry(key_of(&m.message_id)).or_insert(0) += 1;
    }
    let doubled: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "sent twice: {doubled:?}");
    assert_eq!(mail.len(), deliveries.len());

    // Each breach was recorded once, however the runners raced.
    let breaches = common::breaches_each_recorded_once(&store).await;
    assert!(breaches > 0);
}

/// Issue 20 §2: a runner claims a batch of emails under one lease and sends
/// them one by one. Behind a server that takes 0.4 s over each message, the
/// claims on the batch's tail lapse (after 2 s) before their turn, and the
/// other runner takes them over. Each email must still go exactly once: the
/// first runner renews each claim just before sending, and leaves any that
/// lapsed. Both runners read a clock that runs in real time, since the
/// lease must really lapse. (Without the renewal, the first runner sent the
/// tail again after the second had.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_behind_a_slow_smtp_server_send_each_email_once() {
    let (url, _) = fresh_url(Backend::Postgres).await;
    // The demo's people, and a few of its cases: enough email for a batch
    // whose tail lapses, few enough to send in seconds.
    let (calendars, policies) = common::world();
    let store = Store::open(&url, policies.clone(), common::master_key())
        .await
        .unwrap();
    let mut demo = accord_demo::demo(at(T0), calendars, policies).unwrap();
    demo.cases.truncate(4);
    store.seed((&demo).into()).await.unwrap();
    let other = Store::open(&url, policies.clone(), common::master_key())
        .await
        .unwrap();
    let sink = SmtpSink::start_with_delay(0.4);
    let started = std::time::Instant::now();
    let clock: accord_jobs::Clock = std::sync::Arc::new(move || {
        at(T0)
            .checked_add(SignedDuration::try_from(started.elapsed()).unwrap())
            .unwrap()
    });
    let lease = SignedDuration::from_secs(2);
    let runners = [
        runner(&store, &TestClock::new(at(T0)), Some(&sink))
            .with_clock(clock.clone())
            .with_lease(lease),
        runner(&other, &TestClock::new(at(T0)), Some(&sink))
            .with_clock(clock)
            .with_lease(lease),
    ];
    // Both run pass after pass until every email is sent, or two minutes.
    let until = started + std::time::Duration::from_secs(120);
    let mut tasks = Vec::new();
    for runner in runners {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                runner.run_once().await.unwrap();
                let deliveries = email_deliveries(&store).await;
                let done = !deliveries.is_empty()
                    && deliveries.values().all(|s| *s == DeliveryStatus::Sent);
                if done || std::time::Instant::now() > until {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let deliveries = email_deliveries(&store).await;
    assert!(
        deliveries.len() > 8,
        "enough emails that a batch's claims lapse: {}",
        deliveries.len()
    );
    assert!(
        deliveries.values().all(|s| *s == DeliveryStatus::Sent),
        "{deliveries:?}"
    );
    let mut seen = BTreeMap::new();
    for m in sink.messages() {
        *seen.entry(key_of(&m.message_id)).or_insert(0) += 1;
    }
    let doubled: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "sent more than once: {doubled:?}");
    assert_eq!(seen.len(), deliveries.len(), "every email arrived");
}

#[tokio::test]
async fn a_notification_nobody_can_receive_is_kept_until_someone_holds_the_role() {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let store = demo_store(&url, at(T0)).await;
    // Havering's only IRO becomes an administrator, who is told nothing:
    // HAV-5's notifications to the IRO have nobody to go to.
    let (calendars, policies) = common::world();
    let mut demo = accord_demo::demo(at(T0), calendars, policies).unwrap();
    let iro = demo
        .people
        .iter_mut()
        .find(|p| p.id.as_str() == "hav-iro")
        .unwrap();
    iro.tier = accord_policy::RoleTier::Admin;
    store
        .put_directory(
            (&demo).into(),
            &accord_store::ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let clock = TestClock::new(at(T0));
    let jobs = runner(&store, &clock, None);
    jobs.run_once().await.unwrap();
    let unaddressed = store.unaddressed_notifications(100).await.unwrap();
    assert!(!unaddressed.is_empty(), "HAV-5: the IRO must be notified");
    assert!(unaddressed.iter().all(|n| n.recipient.id() == "iro"));
    assert!(
        unaddressed
            .iter()
            .all(|n| n.case.as_str().starts_with("HAV-"))
    );
    let hav_iro = accord_case::PersonId::parse("hav-iro").unwrap();
    assert!(
        store
            .notifications_for(&hav_iro, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // Still nobody: kept, and nothing is written.
    let again = jobs.run_once().await.unwrap();
    assert_eq!(again.notifications, 0);
    assert_eq!(
        store.unaddressed_notifications(100).await.unwrap().len(),
        unaddressed.len()
    );

    // An IRO again: the next pass tells them, and none is left waiting.
    demo.people
        .iter_mut()
        .find(|p| p.id.as_str() == "hav-iro")
        .unwrap()
        .tier = accord_policy::RoleTier::Iro;
    store
        .put_directory(
            (&demo).into(),
            &accord_store::ChangedBy::COMMAND_LINE,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let pass = jobs.run_once().await.unwrap();
    assert_eq!(pass.notifications, unaddressed.len());
    assert!(
        store
            .unaddressed_notifications(100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.notifications_for(&hav_iro, 100).await.unwrap().len(),
        unaddressed.len()
    );
}
