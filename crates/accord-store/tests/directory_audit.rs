//! Issue 11 on both backends: a new password or disabling ends every
//! session, token and calendar feed, and nothing revives them (finding 4);
//! every change to the directory is recorded in an append-only, hash-chained
//! audit that `verify` checks (finding 6); sign-in names are unique
//! whatever their case (finding 11).

#[macro_use]
mod common;

use accord_demo::Demo;
use accord_policy::{RoleId, RoleTier};
use accord_store::{
    AuditEntry, AuditSubject, Chain, ChangedBy, Directory, DirectoryError, Password, Problem,
    Scope, SignInCheck, Store, Verification, code_at,
};
use common::{Backend, TestDb, sample::*};
use jiff::Timestamp;
use serde_json::json;

both_backends!(
    a_new_password_ends_every_session_token_and_calendar_feed,
    disabling_revokes_tokens_and_the_feed_for_good,
    sign_in_names_are_unique_whatever_their_case,
    every_kind_of_change_is_recorded_with_who_whom_before_and_after,
    verify_names_an_altered_or_missing_audit_entry,
    the_database_refuses_to_edit_the_audit,
    concurrent_changes_make_one_gapless_audit_chain,
);

fn now() -> Timestamp {
    at("2025-06-02T09:30:00Z")
}

const MANAGER: &str = "hav-police-manager";
const ADMIN: &str = "hav-admin";
const CLI: &ChangedBy = &ChangedBy::COMMAND_LINE;

fn password(text: &str) -> Password {
    Password::parse(text).unwrap()
}

/// A store holding the demo directory, written by the demo seeding's actor.
async fn directory(backend: Backend) -> (TestDb, Store, Demo) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, policies) = world();
    let demo = accord_demo::demo(now(), calendars, policies).unwrap();
    store
        .put_directory((&demo).into(), &ChangedBy::DEMO, now())
        .await
        .unwrap();
    (db, store, demo)
}

async fn person(store: &Store, sign_in: &str) -> accord_store::Person {
    store.person_by_sign_in(sign_in).await.unwrap().unwrap()
}

/// Everything a person can reach Accord with besides their password: a
/// session, an API token and a calendar feed, made now.
async fn access(store: &Store, who: &accord_store::Person) -> (String, String, String) {
    let session = store.create_session(&who.id, now()).await.unwrap();
    let token = store
        .create_token(
            &who.id,
            &[Scope::Read],
            "reports",
            now(),
            &ChangedBy::Person(who.id.clone()),
        )
        .await
        .unwrap();
    let feed = store.new_calendar_feed(&who.id, now()).await.unwrap();
    (session, token.secret, feed)
}

/// Whether each of the three still works: session, token, feed.
async fn still_works(
    store: &Store,
    (session, token, feed): &(String, String, String),
) -> [bool; 3] {
    [
        store
            .session_person(session, now())
            .await
            .unwrap()
            .is_some(),
        store.token_person(token).await.unwrap().is_some(),
        store.calendar_feed_owner(feed).await.unwrap().is_some(),
    ]
}

async fn a_new_password_ends_every_session_token_and_calendar_feed(backend: Backend) {
    let (_db, store, _) = directory(backend).await;
    let manager = person(&store, MANAGER).await;
    store
        .set_password(&manager.id, &password("correct horse battery"), now(), CLI)
        .await
        .unwrap();
    let old = access(&store, &manager).await;
    assert_eq!(still_works(&store, &old).await, [true; 3]);

    store
        .set_password(
            &manager.id,
            &password("a brand new pass phrase"),
            now(),
            CLI,
        )
        .await
        .unwrap();
    assert_eq!(
        still_works(&store, &old).await,
        [false; 3],
        "whoever held the old session, token or feed is out"
    );
    // What they make after the reset works.
    let new = access(&store, &manager).await;
    assert_eq!(still_works(&store, &new).await, [true; 3]);
    // Setting a password for nobody is an error, not a silent success.
    let nobody = accord_case::PersonId::parse("hav-nobody").unwrap();
    assert!(
        store
            .set_password(&nobody, &password("correct horse battery"), now(), CLI)
            .await
            .is_err()
    );
}

async fn disabling_revokes_tokens_and_the_feed_for_good(backend: Backend) {
    let (_db, store, _) = directory(backend).await;
    let manager = person(&store, MANAGER).await;
    store
        .set_password(&manager.id, &password("correct horse battery"), now(), CLI)
        .await
        .unwrap();
    let old = access(&store, &manager).await;
    assert!(store.disable_account(MANAGER, now(), CLI).await.unwrap());
    assert_eq!(still_works(&store, &old).await, [false; 3]);

    // Enabling, or a new password (which enables too), revives nothing.
    assert!(store.enable_account(MANAGER, now(), CLI).await.unwrap());
    assert_eq!(still_works(&store, &old).await, [false; 3]);
    assert!(store.disable_account(MANAGER, now(), CLI).await.unwrap());
    store
        .set_password(
            &manager.id,
            &password("a brand new pass phrase"),
            now(),
            CLI,
        )
        .await
        .unwrap();
    assert_eq!(still_works(&store, &old).await, [false; 3]);
    assert!(matches!(
        store
            .check_password(MANAGER, "a brand new pass phrase")
            .await
            .unwrap(),
        SignInCheck::Verified(_)
    ));
}

async fn sign_in_names_are_unique_whatever_their_case(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let manager = person(&store, MANAGER).await;
    store
        .set_password(&manager.id, &password("correct horse battery"), now(), CLI)
        .await
        .unwrap();
    // Found however it is typed, and signs in however it is typed.
    let shouted = MANAGER.to_ascii_uppercase();
    assert_eq!(person(&store, &shouted).await.id, manager.id);
    assert!(matches!(
        store
            .check_password(&shouted, "correct horse battery")
            .await
            .unwrap(),
        SignInCheck::Verified(p) if p.id == manager.id
    ));

    // A new person whose name differs only in case is refused…
    let twin = accord_store::Person {
        id: accord_case::PersonId::parse(&shouted).unwrap(),
        sign_in: shouted.clone(),
        ..manager.clone()
    };
    let refused = store
        .put_directory(
            Directory {
                partnerships: &[],
                agencies: &[],
                people: std::slice::from_ref(&twin),
            },
            CLI,
            now(),
        )
        .await;
    let Err(DirectoryError::Refused { record, reason }) = refused else {
        panic!("a sign-in name differing only in case was stored: {refused:?}")
    };
    assert_eq!(record, format!("person {shouted}"));
    assert!(reason.contains("capital letters"), "{reason}");

    // …and so is renaming someone else to it.
    let other = demo
        .people
        .iter()
        .find(|p| p.partnership == "havering" && p.id != manager.id)
        .unwrap();
    let renamed = accord_store::Person {
        sign_in: "Hav-Police-Manager".to_owned(),
        ..other.clone()
    };
    assert!(matches!(
        store
            .put_directory(
                Directory {
                    partnerships: &[],
                    agencies: &[],
                    people: std::slice::from_ref(&renamed),
                },
                CLI,
                now(),
            )
            .await,
        Err(DirectoryError::Refused { .. })
    ));
    // Nothing was written, nor recorded.
    assert_eq!(person(&store, &other.sign_in).await.sign_in, other.sign_in);
    assert!(
        store
            .directory_audit("havering", 1_000)
            .await
            .unwrap()
            .iter()
            .all(|e| e.subject_id != shouted && e.what != "person.sign_in")
    );
}

/// The entries about `subject_id`, oldest first.
fn about<'a>(entries: &'a [AuditEntry], subject_id: &str) -> Vec<&'a AuditEntry> {
    let mut found: Vec<&AuditEntry> = entries
        .iter()
        .filter(|e| e.subject_id == subject_id)
        .collect();
    found.sort_by_key(|e| e.seq);
    found
}

async fn every_kind_of_change_is_recorded_with_who_whom_before_and_after(backend: Backend) {
    let (_db, store, demo) = directory(backend).await;
    let admin = person(&store, ADMIN).await;
    let by_admin = ChangedBy::Person(admin.id.clone());
    let manager = person(&store, MANAGER).await;
    let later = at("2025-06-03T11:00:00Z");

    // Seeding recorded every record of the demo as added, by the demo.
    let seeded = store.directory_audit("havering", 1_000).await.unwrap();
    let havering_records = demo
        .people
        .iter()
        .filter(|p| p.partnership == "havering")
        .count()
        + demo
            .agencies
            .iter()
            .filter(|a| a.partnership == "havering")
            .count()
        + 1;
    assert_eq!(seeded.len(), havering_records);
    assert!(
        seeded
            .iter()
            .all(|e| e.by == ChangedBy::DEMO && e.what.ends_with(".added") && e.before.is_null())
    );
    let added = about(&seeded, MANAGER);
    assert_eq!(added[0].subject, AuditSubject::Person);
    assert_eq!(added[0].after["tier"], json!(manager.tier.id()));

    // Writing the same directory again changes nothing, and records nothing.
    store
        .put_directory((&demo).into(), &ChangedBy::DEMO, later)
        .await
        .unwrap();
    assert_eq!(
        store
            .directory_audit("havering", 1_000)
            .await
            .unwrap()
            .len(),
        seeded.len()
    );

    // A person's tier and roles; an agency's name; the partnership's name.
    let hscp: RoleId = "hscp-member".parse().unwrap();
    let promoted = accord_store::Person {
        tier: RoleTier::HeadOfService,
        declared_roles: vec![hscp.clone()],
        ..manager.clone()
    };
    let mut agency = demo
        .agencies
        .iter()
        .find(|a| a.id == manager.agency)
        .unwrap()
        .clone();
    agency.name = "Metropolitan Police, East Area BCU".to_owned();
    let mut partnership = demo
        .partnerships
        .iter()
        .find(|p| p.id == "havering")
        .unwrap()
        .clone();
    let old_name = partnership.name.clone();
    partnership.name = format!("{old_name} (renamed)");
    store
        .put_directory(
            Directory {
                partnerships: std::slice::from_ref(&partnership),
                agencies: std::slice::from_ref(&agency),
                people: std::slice::from_ref(&promoted),
            },
            &by_admin,
            later,
        )
        .await
        .unwrap();

    // The account: a password, a token made and revoked, disabled, enabled.
    store
        .set_password(
            &manager.id,
            &password("correct horse battery"),
            later,
            &by_admin,
        )
        .await
        .unwrap();
    let by_manager = ChangedBy::Person(manager.id.clone());
    let token = store
        .create_token(
            &manager.id,
            &[Scope::Write, Scope::Read],
            "reports",
            later,
            &by_manager,
        )
        .await
        .unwrap();
    assert!(
        store
            .revoke_token(&manager.id, &token.id, later, &by_manager)
            .await
            .unwrap()
    );
    let token2 = store
        .create_token(&manager.id, &[Scope::Read], "dashboard", later, &by_manager)
        .await
        .unwrap();
    store.create_session(&manager.id, later).await.unwrap();
    assert!(
        store
            .disable_account(MANAGER, later, &by_admin)
            .await
            .unwrap()
    );
    assert!(store.enable_account(MANAGER, later, CLI).await.unwrap());

    // The second factor: set up by the person, reset by an administrator;
    // the partnership's rule, switched on.
    let enrolment = store
        .begin_second_factor(&manager, "Accord", later)
        .await
        .unwrap()
        .unwrap();
    let code = code_at(&enrolment.secret, later).unwrap();
    assert!(
        store
            .confirm_second_factor(&manager.id, &code, later, &by_manager)
            .await
            .unwrap()
    );
    assert!(
        store
            .reset_second_factor(MANAGER, later, &by_admin)
            .await
            .unwrap()
    );
    store
        .require_second_factor("havering", true, later, &by_admin)
        .await
        .unwrap();
    // Saying it again changes nothing and is not recorded.
    store
        .require_second_factor("havering", true, later, &by_admin)
        .await
        .unwrap();

    let all = store.directory_audit("havering", 1_000).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let changes: Vec<&AuditEntry> = all.iter().filter(|e| e.at == later).rev().collect();
    let summary: Vec<(&str, &ChangedBy, AuditSubject, &str)> = changes
        .iter()
        .map(|e| (e.what.as_str(), &e.by, e.subject, e.subject_id.as_str()))
        .collect();
    let police = manager.agency.as_str();
    assert_eq!(
        summary,
        vec![
            (
                "partnership.name",
                &by_admin,
                AuditSubject::Partnership,
                "havering"
            ),
            ("agency.name", &by_admin, AuditSubject::Agency, police),
            (
                "person.declared_roles+tier",
                &by_admin,
                AuditSubject::Person,
                MANAGER
            ),
            (
                "account.password",
                &by_admin,
                AuditSubject::Account,
                MANAGER
            ),
            ("token.created", &by_manager, AuditSubject::Account, MANAGER),
            ("token.revoked", &by_manager, AuditSubject::Account, MANAGER),
            ("token.created", &by_manager, AuditSubject::Account, MANAGER),
            (
                "account.disabled",
                &by_admin,
                AuditSubject::Account,
                MANAGER
            ),
            ("account.enabled", CLI, AuditSubject::Account, MANAGER),
            (
                "second_factor.confirmed",
                &by_manager,
                AuditSubject::SecondFactor,
                MANAGER
            ),
            (
                "second_factor.reset",
                &by_admin,
                AuditSubject::SecondFactor,
                MANAGER
            ),
            (
                "setting.second_factor_required",
                &by_admin,
                AuditSubject::Setting,
                "havering"
            ),
        ]
    );
    let value = |i: usize| (changes[i].before.clone(), changes[i].after.clone());
    assert_eq!(
        value(0),
        (json!({"name": old_name}), json!({"name": partnership.name}))
    );
    assert_eq!(value(1).1, json!({"name": agency.name}));
    assert_eq!(
        value(2),
        (
            json!({"tier": manager.tier.id(), "declared_roles": manager.declared_roles.iter().map(|r| r.as_str()).collect::<Vec<_>>()}),
            json!({"tier": "head-of-service", "declared_roles": ["hscp-member"]})
        )
    );
    assert_eq!(
        value(3),
        (
            json!({"password": "none"}),
            json!({"password": "new", "disabled": false, "sessions_ended": 0,
                   "tokens_revoked": [], "calendar_feed_revoked": false})
        )
    );
    assert_eq!(
        value(4).1,
        json!({"token": token.id, "scopes": ["read", "write"], "label": "reports"})
    );
    assert_eq!(
        value(5),
        (
            json!({"token": token.id, "revoked": false}),
            json!({"token": token.id, "revoked": true})
        )
    );
    assert_eq!(
        value(7),
        (
            json!({"disabled": false}),
            json!({"disabled": true, "sessions_ended": 1, "tokens_revoked": [token2.id],
                   "calendar_feed_revoked": false})
        )
    );
    assert_eq!(
        value(8),
        (json!({"disabled": true}), json!({"disabled": false}))
    );
    assert_eq!(
        value(9),
        (json!({"confirmed": false}), json!({"confirmed": true}))
    );
    assert_eq!(value(10), (json!({"confirmed": true}), json!(null)));
    assert_eq!(
        value(11),
        (
            json!({"second_factor_required": false}),
            json!({"second_factor_required": true})
        )
    );

    // Never a secret: no password hash, token secret or TOTP secret.
    let text = format!("{all:?}");
    for secret in [
        "$argon2",
        token.secret.as_str(),
        token2.secret.as_str(),
        enrolment.secret.as_str(),
    ] {
        assert!(!text.contains(secret), "the audit holds a secret");
    }
    // Another partnership's administrators see none of it.
    assert!(
        store
            .directory_audit("sutton", 1_000)
            .await
            .unwrap()
            .iter()
            .all(|e| e.partnership == "sutton" && e.at != later)
    );
    let Verification::Intact { audit_entries, .. } = store.verify().await.unwrap() else {
        panic!("the chains should verify")
    };
    let everywhere: usize = demo.people.len() + demo.agencies.len() + demo.partnerships.len();
    assert_eq!(audit_entries as usize, everywhere + changes.len());
}

/// A store with some audit entries and a few events.
async fn audited(backend: Backend) -> (TestDb, Store, u64) {
    let (db, store, _) = directory(backend).await;
    store
        .append(None, &raise("HAV-1", at("2025-03-03T10:00:00Z")))
        .await
        .unwrap();
    store
        .require_second_factor("havering", true, now(), CLI)
        .await
        .unwrap();
    let Verification::Intact {
        audit_entries,
        events,
        ..
    } = store.verify().await.unwrap()
    else {
        panic!("a fresh store verifies")
    };
    assert!(events > 0);
    (db, store, audit_entries)
}

fn unprotect_audit(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "DROP TRIGGER directory_audit_no_update; DROP TRIGGER directory_audit_no_delete;"
        }
        Backend::Postgres => {
            "ALTER TABLE directory_audit DISABLE TRIGGER directory_audit_append_only;"
        }
    }
}

async fn verify_names_an_altered_or_missing_audit_entry(backend: Backend) {
    let (db, store, n) = audited(backend).await;
    // An attacker with the database rewrites who made a change, with the
    // trigger dropped first, as one with the file or a database login would.
    let target = n / 2;
    let changed = db
        .raw(&format!(
            "{} UPDATE directory_audit SET actor_id = 'someone-else' WHERE seq = {target}",
            unprotect_audit(backend)
        ))
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let Verification::Broken(fault) = store.verify().await.unwrap() else {
        panic!("verify missed an altered audit entry")
    };
    assert_eq!(fault.chain, Chain::DirectoryAudit);
    assert_eq!(fault.global_seq, target);
    assert_eq!(fault.problem, Problem::ColumnsAltered);
    assert_eq!(fault.checked, target - 1);
    assert!(
        fault
            .to_string()
            .contains(&format!("directory audit entry {target} was altered")),
        "{fault}"
    );

    // Removing the last entry is caught by the audit head.
    let (db, store, n) = audited(backend).await;
    db.raw(&format!(
        "{} DELETE FROM directory_audit WHERE seq = {n}",
        unprotect_audit(backend)
    ))
    .await
    .unwrap();
    let Verification::Broken(fault) = store.verify().await.unwrap() else {
        panic!("verify missed a removed audit entry")
    };
    assert_eq!(
        (fault.chain, fault.global_seq, fault.problem.clone()),
        (Chain::DirectoryAudit, n, Problem::MissingAtEnd { head: n })
    );
    assert!(
        fault.to_string().contains("directory audit entry"),
        "{fault}"
    );
}

async fn the_database_refuses_to_edit_the_audit(backend: Backend) {
    let (db, store, n) = audited(backend).await;
    let mut refused = vec![
        "UPDATE directory_audit SET actor_id = 'someone-else'",
        "DELETE FROM directory_audit",
    ];
    if backend == Backend::Postgres {
        refused.push("TRUNCATE directory_audit");
    }
    for sql in refused {
        let err = db.raw(sql).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { audit_entries, .. } if audit_entries == n
    ));
}

/// Changes from many connections at once are appended one after another:
/// one chain, no gaps, no fork.
async fn concurrent_changes_make_one_gapless_audit_chain(backend: Backend) {
    let (_db, store, _) = directory(backend).await;
    let manager = person(&store, MANAGER).await;
    let before = match store.verify().await.unwrap() {
        Verification::Intact { audit_entries, .. } => audit_entries,
        Verification::Broken(b) => panic!("{b}"),
    };
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = store.clone();
        let id = manager.id.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_token(
                    &id,
                    &[Scope::Read],
                    &format!("token {i}"),
                    now(),
                    &ChangedBy::Person(id.clone()),
                )
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    match store.verify().await.unwrap() {
        Verification::Intact { audit_entries, .. } => assert_eq!(audit_entries, before + 12),
        Verification::Broken(b) => panic!("{b}"),
    }
}
