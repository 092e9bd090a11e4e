//! The TOTP second factor and the sign-in records' housekeeping on both
//! backends (issue 4: "A TOTP second factor that a partnership can require
//! for every role"): enrolling takes a code from the app before it is in
//! force, a code signs in once, two sign-ins racing with one code cannot
//! both win, an administrator's reset removes it, a partnership's rule is
//! kept, and expired sessions and forgotten failures are pruned.

#[macro_use]
mod common;

use accord_demo::Demo;
use accord_store::{AccountError, Person, SecondFactorCheck, Store, ThrottleRule, code_at};
use common::{Backend, TestDb, sample::*};
use jiff::{SignedDuration, Timestamp};

both_backends!(
    enrolling_takes_a_code_from_the_app_before_it_is_in_force,
    a_code_signs_in_once,
    two_sign_ins_racing_with_one_code_cannot_both_win,
    an_administrator_resets_a_lost_second_factor,
    a_partnership_requires_a_second_factor_of_everyone,
    where_someone_stands_is_read_afresh,
    expired_sessions_and_forgotten_failures_are_pruned,
    an_administrator_sees_who_can_sign_in_and_how,
);

/// Tuesday 1 December 2026, 10:00:05 UTC: early in a 30-second step.
fn now() -> Timestamp {
    at("2026-12-01T10:00:05Z")
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

fn person<'d>(demo: &'d Demo, sign_in: &str) -> &'d Person {
    demo.people.iter().find(|p| p.sign_in == sign_in).unwrap()
}

/// Enrols `who` and returns their secret, as their app holds it.
/// Gives `who` the demo's password, so that they may hold sessions and
/// tokens.
async fn with_password(store: &Store, who: &Person) {
    let password = accord_store::Password::parse(accord_demo::DEMO_PASSWORD).unwrap();
    store
        .set_password(
            &who.id,
            &password,
            now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
}

async fn enrolled(store: &Store, who: &Person) -> String {
    let enrolment = store
        .begin_second_factor(who, "Accord havering", now())
        .await
        .unwrap()
        .expect("nothing to replace");
    let code = code_at(&enrolment.secret, now()).unwrap();
    assert!(
        store
            .confirm_second_factor(
                &who.id,
                &code,
                now(),
                &accord_store::ChangedBy::COMMAND_LINE
            )
            .await
            .unwrap()
    );
    enrolment.secret
}

async fn enrolling_takes_a_code_from_the_app_before_it_is_in_force(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let manager = person(&demo, "hav-police-manager");
    assert!(!store.has_second_factor(&manager.id).await.unwrap());
    let first = store
        .begin_second_factor(manager, "Accord havering", now())
        .await
        .unwrap()
        .unwrap();
    assert!(first.uri.starts_with("otpauth://totp/"), "{}", first.uri);
    // Begun, not in force: signing in is not yet asked for a code.
    assert!(!store.has_second_factor(&manager.id).await.unwrap());
    assert_eq!(
        store
            .check_second_factor(&manager.id, &code_at(&first.secret, now()).unwrap(), now())
            .await
            .unwrap(),
        SecondFactorCheck::NotEnrolled
    );
    // Starting again replaces the secret; the first app's codes stop working.
    let second = store
        .begin_second_factor(manager, "Accord havering", now())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(first.secret, second.secret);
    let stale = code_at(&first.secret, now()).unwrap();
    assert!(
        !store
            .confirm_second_factor(
                &manager.id,
                &stale,
                now(),
                &accord_store::ChangedBy::COMMAND_LINE
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_second_factor(
                &manager.id,
                "000000x",
                now(),
                &accord_store::ChangedBy::COMMAND_LINE
            )
            .await
            .unwrap()
    );
    let code = code_at(&second.secret, now()).unwrap();
    assert!(
        store
            .confirm_second_factor(
                &manager.id,
                &code,
                now(),
                &accord_store::ChangedBy::COMMAND_LINE
            )
            .await
            .unwrap()
    );
    assert!(store.has_second_factor(&manager.id).await.unwrap());
    // Once in force, it is not replaced by starting again.
    assert!(
        store
            .begin_second_factor(manager, "Accord havering", now())
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_code_signs_in_once(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let manager = person(&demo, "hav-police-manager");
    let secret = enrolled(&store, manager).await;
    // The code used to confirm cannot sign in again.
    let used = code_at(&secret, now()).unwrap();
    assert_eq!(
        store
            .check_second_factor(&manager.id, &used, now())
            .await
            .unwrap(),
        SecondFactorCheck::Refused
    );
    let later = now() + SignedDuration::from_secs(30);
    let code = code_at(&secret, later).unwrap();
    assert_eq!(
        store
            .check_second_factor(&manager.id, &code, later)
            .await
            .unwrap(),
        SecondFactorCheck::Accepted
    );
    assert_eq!(
        store
            .check_second_factor(&manager.id, &code, later)
            .await
            .unwrap(),
        SecondFactorCheck::Refused
    );
    assert_eq!(
        store
            .check_second_factor(&manager.id, "123456", later)
            .await
            .unwrap(),
        SecondFactorCheck::Refused
    );
    // Someone who never enrolled has nothing to check.
    let chair = person(&demo, "hav-chair");
    assert_eq!(
        store
            .check_second_factor(&chair.id, &code, later)
            .await
            .unwrap(),
        SecondFactorCheck::NotEnrolled
    );
}

async fn two_sign_ins_racing_with_one_code_cannot_both_win(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let manager = person(&demo, "hav-police-manager").clone();
    let secret = enrolled(&store, &manager).await;
    let later = now() + SignedDuration::from_secs(60);
    let code = code_at(&secret, later).unwrap();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (store, id, code) = (store.clone(), manager.id.clone(), code.clone());
        tasks.push(tokio::spawn(async move {
            store.check_second_factor(&id, &code, later).await.unwrap()
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        if task.await.unwrap() == SecondFactorCheck::Accepted {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 1);
}

async fn an_administrator_resets_a_lost_second_factor(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let manager = person(&demo, "hav-police-manager");
    enrolled(&store, manager).await;
    assert!(
        store
            .reset_second_factor(
                "hav-police-manager",
                jiff::Timestamp::now(),
                &accord_store::ChangedBy::COMMAND_LINE
            )
            .await
            .unwrap()
    );
    assert!(!store.has_second_factor(&manager.id).await.unwrap());
    assert!(
        !store
            .reset_second_factor(
                "hav-police-manager",
                jiff::Timestamp::now(),
                &accord_store::ChangedBy::COMMAND_LINE
            )
            .await
            .unwrap()
    );
    assert!(matches!(
        store
            .reset_second_factor(
                "hav-nobody",
                jiff::Timestamp::now(),
                &accord_store::ChangedBy::COMMAND_LINE
            )
            .await,
        Err(AccountError::NoSuchPerson { .. })
    ));
    // They can set one up again.
    enrolled(&store, manager).await;
}

async fn a_partnership_requires_a_second_factor_of_everyone(backend: Backend) {
    let (_db, store, _demo) = directory(backend).await;
    assert!(!store.second_factor_required("havering").await.unwrap());
    store
        .require_second_factor(
            "havering",
            true,
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    assert!(store.second_factor_required("havering").await.unwrap());
    assert!(!store.second_factor_required("sutton").await.unwrap());
    store
        .require_second_factor(
            "havering",
            false,
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    assert!(!store.second_factor_required("havering").await.unwrap());
    let unknown = store
        .require_second_factor(
            "nowhere",
            true,
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await;
    assert!(
        matches!(&unknown, Err(AccountError::NoSuchPartnership { partnership }) if partnership == "nowhere"),
        "{unknown:?}"
    );
}

async fn where_someone_stands_is_read_afresh(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let manager = person(&demo, "hav-police-manager");
    // What a request reads with its session or token, in the same query,
    // says the same as the standing read on its own.
    with_password(&store, manager).await;
    let session = store.create_session(&manager.id, now()).await.unwrap();
    let token = store
        .create_token(
            &manager.id,
            &[accord_store::Scope::Read],
            "reports",
            now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let standing = || async {
        let alone = store.second_factor_standing(manager).await?;
        let (by_session, with_session) = store
            .session_holder(&session, now())
            .await
            .unwrap()
            .expect("the session signs them in");
        let (_, by_token, with_token) = store
            .token_holder(&token.secret)
            .await
            .unwrap()
            .expect("the token signs them in");
        assert_eq!(by_session.id, manager.id);
        assert_eq!(by_token.id, manager.id);
        for with in [with_session, with_token] {
            assert_eq!(
                (with.required, with.enrolled),
                (alone.required, alone.enrolled)
            );
        }
        Ok::<_, accord_store::StoreError>(alone)
    };
    let s = standing().await.unwrap();
    assert!(!s.required && !s.enrolled && !s.must_enrol());
    store
        .require_second_factor(
            "havering",
            true,
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let s = standing().await.unwrap();
    assert!(s.required && !s.enrolled && s.must_enrol());
    enrolled(&store, manager).await;
    let s = standing().await.unwrap();
    assert!(s.required && s.enrolled && !s.must_enrol());
    store
        .reset_second_factor(
            "hav-police-manager",
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    assert!(standing().await.unwrap().must_enrol());
    // Another partnership's rule is not theirs.
    store
        .require_second_factor(
            "havering",
            false,
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    store
        .require_second_factor(
            "sutton",
            true,
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    assert!(!standing().await.unwrap().must_enrol());
}

async fn expired_sessions_and_forgotten_failures_are_pruned(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let manager = person(&demo, "hav-police-manager");
    with_password(&store, manager).await;
    let old = store.create_session(&manager.id, now()).await.unwrap();
    let hours = |h: i64| SignedDuration::from_hours(h);
    let fresh = store
        .create_session(&manager.id, now() + hours(7))
        .await
        .unwrap();
    for _ in 0..8 {
        store
            .record_failure("account:someone", ThrottleRule::ACCOUNT, now())
            .await
            .unwrap();
    }
    store
        .record_failure(
            "account:recent",
            ThrottleRule::ACCOUNT,
            now() + hours(8) + SignedDuration::from_mins(30),
        )
        .await
        .unwrap();
    let later = now() + hours(9);
    assert_eq!(store.prune_sign_in_records(later).await.unwrap(), (1, 1));
    assert!(store.session_person(&old, now()).await.unwrap().is_none());
    assert!(store.session_person(&fresh, later).await.unwrap().is_some());
    // Pruning again finds nothing more: the recent failure is kept.
    assert_eq!(store.prune_sign_in_records(later).await.unwrap(), (0, 0));
}

/// The administration pages list each account: disabled or not, with a
/// second factor or not; people with no password are not listed.
async fn an_administrator_sees_who_can_sign_in_and_how(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let manager = person(&demo, "hav-csc-manager");
    let worker = person(&demo, "hav-csc-practitioner");
    let password = accord_store::Password::parse("a long enough password").unwrap();
    store
        .set_password(
            &manager.id,
            &password,
            now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    store
        .set_password(
            &worker.id,
            &password,
            now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    enrolled(&store, manager).await;
    store
        .disable_account(
            &worker.sign_in,
            now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let mut states = store.account_states("havering").await.unwrap();
    states.sort_by(|a, b| a.person.cmp(&b.person));
    assert_eq!(
        states,
        vec![
            accord_store::AccountState {
                person: manager.id.clone(),
                disabled: false,
                second_factor: true,
            },
            accord_store::AccountState {
                person: worker.id.clone(),
                disabled: true,
                second_factor: false,
            },
        ]
    );
    assert!(store.account_states("sutton").await.unwrap().is_empty());
}
