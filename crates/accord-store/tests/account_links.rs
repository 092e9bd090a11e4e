//! Invitation and reset links on both backends (issue 13 §4): made only
//! as their email is sent, stored only as a hash, replaced by a resend so
//! that one link of an email works, spent once even by requests sent
//! together, withdrawn by a newer link, and never for a disabled account;
//! a reset for an unknown address writes nothing; an import's people are
//! invited once; the audit says what went, never the token.

#[macro_use]
mod common;

use accord_store::{
    ChangedBy, DeliveryStatus, LinkPurpose, Mint, MintedLink, Password, SignInCheck, Store,
};
use common::{Backend, TestDb, sample::*};
use jiff::{SignedDuration, Timestamp};

both_backends!(
    a_link_is_made_as_its_email_is_sent_and_a_resend_replaces_it,
    a_link_sets_the_password_once_even_when_used_twice_at_once,
    a_link_expires_and_a_newer_one_withdraws_the_older,
    a_reset_for_an_unknown_or_disabled_address_writes_nothing,
    an_import_invites_each_new_person_once,
);

const MANAGER: &str = "hav-police-manager";

fn now() -> Timestamp {
    at("2025-06-02T09:30:00Z")
}

fn lifetime(p: LinkPurpose) -> SignedDuration {
    match p {
        LinkPurpose::Invitation => SignedDuration::from_hours(7 * 24),
        LinkPurpose::Reset => accord_store::RESET_LINK_LIFETIME,
    }
}

/// A store holding the demo directory (no cases, no passwords).
async fn directory(backend: Backend) -> (TestDb, Store) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, policies) = world();
    let demo = accord_demo::demo(now(), calendars, policies).unwrap();
    store
        .put_directory((&demo).into(), &ChangedBy::COMMAND_LINE, now())
        .await
        .unwrap();
    (db, store)
}

async fn person(store: &Store, sign_in: &str) -> accord_store::Person {
    store.person_by_sign_in(sign_in).await.unwrap().unwrap()
}

/// Claims the emails due and mints each one's link, as the runner does.
async fn send(store: &Store, at: Timestamp) -> Vec<MintedLink> {
    let mut links = Vec::new();
    for d in store
        .claim_emails(at, SignedDuration::from_mins(5), 50)
        .await
        .unwrap()
    {
        assert!(d.case.is_none(), "an account email belongs to no case");
        if let Mint::Made(link) = store.mint_account_link(d.id, at, lifetime).await.unwrap() {
            links.push(link);
        }
        store
            .finish_attempt(&d, &accord_store::Attempt::Sent, at)
            .await
            .unwrap();
    }
    links
}

/// How many rows `sql` (a `SELECT 1 …`) finds in `db`.
async fn count(db: &TestDb, sql: &str) -> i64 {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(format!("SELECT count(*) FROM ({sql}) AS found"));
    match db.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
        }
    }
}

fn pw(text: &str) -> Password {
    Password::parse(text).unwrap()
}

async fn a_link_is_made_as_its_email_is_sent_and_a_resend_replaces_it(backend: Backend) {
    let (db, store) = directory(backend).await;
    let manager = person(&store, MANAGER).await;
    assert!(
        store
            .send_account_link(
                &manager.id,
                LinkPurpose::Invitation,
                now(),
                &ChangedBy::COMMAND_LINE
            )
            .await
            .unwrap()
    );
    let waiting = store
        .deliveries_with_status(DeliveryStatus::Pending, 10)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].address, manager.email);
    assert_eq!(waiting[0].occasion, "invitation");

    // The runner claims it and makes a link, then dies before marking it
    // sent: when the claim runs out, the resend makes a new link, and
    // only the newest works.
    let claimed = store
        .claim_emails(now(), SignedDuration::from_mins(5), 50)
        .await
        .unwrap();
    let Mint::Made(first) = store
        .mint_account_link(claimed[0].id, now(), lifetime)
        .await
        .unwrap()
    else {
        panic!("a live link")
    };
    let later = now() + SignedDuration::from_mins(6);
    let resent = send(&store, later).await;
    assert_eq!(resent.len(), 1);
    let second = &resent[0];
    assert_ne!(first.token, second.token);
    assert_eq!(
        second.expires_at,
        later + SignedDuration::from_hours(7 * 24)
    );
    assert!(
        store
            .account_link(&first.token, later)
            .await
            .unwrap()
            .is_none()
    );
    let (whose, purpose) = store
        .account_link(&second.token, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (whose.id, purpose),
        (manager.id.clone(), LinkPurpose::Invitation)
    );

    // Neither token is anywhere in the database; the live one's hash is.
    for token in [&first.token, &second.token] {
        let n = count(
            &db,
            &format!(
                "SELECT 1 FROM deliveries WHERE body LIKE '%{token}%' OR subject LIKE '%{token}%' \
                 UNION ALL SELECT 1 FROM account_links WHERE token_hash = '{token}' \
                 UNION ALL SELECT 1 FROM directory_audit WHERE after_json LIKE '%{token}%'"
            ),
        )
        .await;
        assert_eq!(n, 0);
    }
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(second.token.as_bytes()));
    let n = count(
        &db,
        &format!("SELECT 1 FROM account_links WHERE token_hash = '{hash}'"),
    )
    .await;
    assert_eq!(n, 1);
    let audit = store.directory_audit("havering", 10).await.unwrap();
    let sent = audit
        .iter()
        .find(|e| e.what == "account.invitation_sent")
        .expect("recorded");
    assert_eq!(sent.by, ChangedBy::COMMAND_LINE);
    assert_eq!(sent.after["email"], manager.email.as_str());
}

async fn a_link_sets_the_password_once_even_when_used_twice_at_once(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let manager = person(&store, MANAGER).await;
    store
        .set_password(
            &manager.id,
            &pw("the old pass phrase"),
            now(),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let session = store.create_session(&manager.id, now()).await.unwrap();
    store
        .send_account_link(
            &manager.id,
            LinkPurpose::Reset,
            now(),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let link = send(&store, now()).await.remove(0);
    // Nothing changes until it is used.
    assert!(
        store
            .session_person(&session, now())
            .await
            .unwrap()
            .is_some()
    );

    let (first, second) = (pw("first new pass phrase"), pw("second new pass phrase"));
    let (a, b) = tokio::join!(
        store.use_account_link(&link.token, &first, now()),
        store.use_account_link(&link.token, &second, now()),
    );
    let used: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(used.len(), 1, "spent once");
    let first = matches!(
        store
            .check_password(MANAGER, "first new pass phrase")
            .await
            .unwrap(),
        SignInCheck::Verified(_)
    );
    let second = matches!(
        store
            .check_password(MANAGER, "second new pass phrase")
            .await
            .unwrap(),
        SignInCheck::Verified(_)
    );
    assert!(first != second, "exactly one of the two passwords is set");
    assert!(
        store
            .session_person(&session, now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .account_link(&link.token, now())
            .await
            .unwrap()
            .is_none()
    );
    let audit = store.directory_audit("havering", 10).await.unwrap();
    let set = audit.iter().find(|e| e.what == "account.password").unwrap();
    assert_eq!(set.by, ChangedBy::Person(manager.id.clone()));
    assert_eq!(set.after["with_link"], "reset");
    assert_eq!(set.after["sessions_ended"], 1);
}

async fn a_link_expires_and_a_newer_one_withdraws_the_older(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let manager = person(&store, MANAGER).await;
    let by = ChangedBy::COMMAND_LINE;
    store
        .send_account_link(&manager.id, LinkPurpose::Reset, now(), &by)
        .await
        .unwrap();
    let link = send(&store, now()).await.remove(0);
    let expired = now() + accord_store::RESET_LINK_LIFETIME;
    assert!(
        store
            .account_link(&link.token, expired)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .use_account_link(&link.token, &pw("too late a pass phrase"), expired)
            .await
            .unwrap()
            .is_none()
    );

    // Two asked for before the runner passes: the older is withdrawn,
    // never sent, and shown nowhere as a failure.
    store
        .send_account_link(&manager.id, LinkPurpose::Reset, now(), &by)
        .await
        .unwrap();
    store
        .send_account_link(&manager.id, LinkPurpose::Reset, now(), &by)
        .await
        .unwrap();
    assert_eq!(
        store
            .deliveries_with_status(DeliveryStatus::Withdrawn, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let sent = send(&store, now()).await;
    assert_eq!(sent.len(), 1);
    // A disabled account's link does nothing.
    store
        .set_password(&manager.id, &pw("an operator pass phrase"), now(), &by)
        .await
        .unwrap();
    store.disable_account(MANAGER, now(), &by).await.unwrap();
    assert!(
        store
            .account_link(&sent[0].token, now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .use_account_link(&sent[0].token, &pw("a sneaky pass phrase"), now())
            .await
            .unwrap()
            .is_none()
    );
    // Nor is a new link sent to a disabled account.
    assert!(
        !store
            .send_account_link(&manager.id, LinkPurpose::Reset, now(), &by)
            .await
            .unwrap()
    );
    assert!(matches!(
        store
            .check_password(MANAGER, "a sneaky pass phrase")
            .await
            .unwrap(),
        SignInCheck::Refused
    ));
}

async fn a_reset_for_an_unknown_or_disabled_address_writes_nothing(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let manager = person(&store, MANAGER).await;
    let before = store.directory_audit("havering", 1000).await.unwrap().len();
    store
        .request_password_reset("nobody.here@met.example.org", now())
        .await
        .unwrap();
    assert!(send(&store, now()).await.is_empty());
    assert_eq!(
        store.directory_audit("havering", 1000).await.unwrap().len(),
        before
    );

    // Known, however capitalised: one link, recorded as asked for at the
    // sign-in page.
    store
        .request_password_reset(&manager.email.to_uppercase(), now())
        .await
        .unwrap();
    let sent = send(&store, now()).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].person, manager.id);
    assert_eq!(sent[0].purpose, LinkPurpose::Reset);
    assert_eq!(
        sent[0].expires_at,
        now() + accord_store::RESET_LINK_LIFETIME
    );
    let audit = store.directory_audit("havering", 1).await.unwrap();
    assert_eq!(audit[0].what, "account.reset_link_sent");
    assert_eq!(audit[0].by, accord_store::FORGOTTEN_PASSWORD);

    // Disabled: nothing.
    let by = ChangedBy::COMMAND_LINE;
    store
        .set_password(&manager.id, &pw("an operator pass phrase"), now(), &by)
        .await
        .unwrap();
    store.disable_account(MANAGER, now(), &by).await.unwrap();
    store
        .request_password_reset(&manager.email, now())
        .await
        .unwrap();
    assert!(send(&store, now()).await.is_empty());
}

async fn an_import_invites_each_new_person_once(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let people = store.people("havering").await.unwrap();
    let manager = person(&store, MANAGER).await;
    let by = ChangedBy::COMMAND_LINE;
    store
        .set_password(&manager.id, &pw("an operator pass phrase"), now(), &by)
        .await
        .unwrap();
    let ids: Vec<_> = people.iter().map(|p| &p.id).collect();
    let invited = store.invite_new_people(&ids, now(), &by).await.unwrap();
    let with_email = people.iter().filter(|p| !p.email.trim().is_empty()).count();
    // Everyone with an address but the one with a password.
    assert_eq!(invited.len(), with_email - 1);
    assert!(!invited.contains(&manager.id));
    assert!(
        store
            .invite_new_people(&ids, now(), &by)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(send(&store, now()).await.len(), invited.len());
}
