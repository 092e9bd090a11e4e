//! What single sign-on keeps (issue 16, migration 0020), on SQLite and
//! PostgreSQL: a partnership's identity providers, set up and changed with
//! each change audited and the client secret never shown back; sign-ins
//! under way at a provider, each used once and only for ten minutes;
//! stable subjects linked to directory people; people the directory does
//! not know, written down for the administrator; sessions that remember
//! their provider for signing out there; and local passwords switched off
//! for a provider's domains.

#[macro_use]
mod common;

use accord_case::PersonId;
use accord_store::{
    AccountError, AwaitingCode, ChangedBy, IdentityClaim, IdentityProvider, ProviderSettings,
    ProviderSignIn, Store, Verification,
};
use common::{Backend, TestDb, sample::*};
use jiff::{SignedDuration, Timestamp};

both_backends!(
    providers_are_set_up_changed_and_removed_with_each_change_audited_and_no_secret_shown,
    a_sign_in_at_a_provider_is_used_once_and_only_for_ten_minutes,
    subjects_emails_unknown_people_sessions_and_barred_passwords,
);

fn now() -> Timestamp {
    at("2026-12-07T09:30:00Z")
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

fn entra() -> IdentityProvider {
    IdentityProvider {
        id: "havering-entra".into(),
        partnership: "havering".into(),
        name: "London Borough of Havering".into(),
        issuer: "https://login.microsoftonline.com/tenant/v2.0".into(),
        client_id: "accord-havering".into(),
        domains: vec!["havering.gov.uk".into()],
        claim: IdentityClaim::ObjectId,
        mfa_acr: Vec::new(),
        group_roles: Vec::new(),
        passwords_off: false,
        enabled: true,
    }
}

async fn providers_are_set_up_changed_and_removed_with_each_change_audited_and_no_secret_shown(
    backend: Backend,
) {
    let (_db, store) = directory(backend).await;
    let admin = ChangedBy::Person("hav-admin".parse().unwrap());
    store
        .save_identity_provider(
            &ProviderSettings {
                provider: entra(),
                client_secret: Some("first-secret".into()),
            },
            now(),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(
        store.identity_providers(Some("havering")).await.unwrap(),
        vec![entra()]
    );
    assert!(
        store
            .identity_providers(Some("sutton"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .identity_provider_secret("havering-entra")
            .await
            .unwrap()
            .as_deref(),
        Some("first-secret")
    );

    // Changed without a secret: the stored one is kept.
    let mut changed = entra();
    changed.name = "Havering Council".into();
    changed.passwords_off = true;
    changed.group_roles = vec![("hscp-chairs".into(), "partnership-chair".into())];
    store
        .save_identity_provider(
            &ProviderSettings {
                provider: changed.clone(),
                client_secret: None,
            },
            now(),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(
        store.identity_provider("havering-entra").await.unwrap(),
        Some(changed.clone())
    );
    assert_eq!(
        store
            .identity_provider_secret("havering-entra")
            .await
            .unwrap()
            .as_deref(),
        Some("first-secret")
    );
    // A new secret replaces it.
    store
        .save_identity_provider(
            &ProviderSettings {
                provider: changed.clone(),
                client_secret: Some("second-secret".into()),
            },
            now(),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .identity_provider_secret("havering-entra")
            .await
            .unwrap()
            .as_deref(),
        Some("second-secret")
    );

    // Another partnership may not take over the id.
    let mut stolen = entra();
    stolen.partnership = "sutton".into();
    assert!(matches!(
        store
            .save_identity_provider(
                &ProviderSettings {
                    provider: stolen,
                    client_secret: Some("x".into()),
                },
                now(),
                &ChangedBy::Person("sut-admin".parse().unwrap()),
            )
            .await,
        Err(AccountError::NoSuchPartnership { .. })
    ));

    assert!(
        store
            .remove_identity_provider("havering-entra", now(), &admin)
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_identity_provider("havering-entra", now(), &admin)
            .await
            .unwrap()
    );
    assert!(store.identity_providers(None).await.unwrap().is_empty());

    let entries: Vec<_> = store
        .directory_audit("havering", 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.what == "setting.identity_provider.havering-entra")
        .collect();
    assert_eq!(entries.len(), 4, "{entries:#?}");
    let text = format!("{entries:?}");
    assert!(!text.contains("first-secret") && !text.contains("second-secret"));
    let renamed = entries
        .iter()
        .find(|e| {
            e.before["name"] == "London Borough of Havering"
                && e.after["name"] == "Havering Council"
        })
        .unwrap();
    assert_eq!(renamed.by, admin);
    assert_eq!(renamed.before["passwords_off"], false);
    assert_eq!(renamed.after["passwords_off"], true);
    assert!(
        entries
            .iter()
            .any(|e| e.after["client_secret"] == "changed")
    );
    assert!(entries.iter().any(|e| e.after.is_null()));
    let verified = store.verify().await.unwrap();
    assert!(
        matches!(verified, Verification::Intact { .. }),
        "{verified:?}"
    );
}

async fn a_sign_in_at_a_provider_is_used_once_and_only_for_ten_minutes(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let admin = ChangedBy::Person("hav-admin".parse().unwrap());
    store
        .save_identity_provider(
            &ProviderSettings {
                provider: entra(),
                client_secret: Some("s".into()),
            },
            now(),
            &admin,
        )
        .await
        .unwrap();
    let begun = ProviderSignIn {
        provider: "havering-entra".into(),
        state: "state-1".into(),
        nonce: "nonce-1".into(),
        pkce_verifier: "verifier-1".into(),
        next: "/my-work".into(),
    };
    let secret = store.begin_provider_sign_in(&begun, now()).await.unwrap();
    assert_eq!(
        store
            .take_provider_sign_in(&secret, now() + SignedDuration::from_mins(9))
            .await
            .unwrap(),
        Some(begun.clone())
    );
    // Once only: a replayed answer finds nothing.
    assert_eq!(
        store.take_provider_sign_in(&secret, now()).await.unwrap(),
        None
    );
    // Late: taken, and refused.
    let late = store.begin_provider_sign_in(&begun, now()).await.unwrap();
    assert_eq!(
        store
            .take_provider_sign_in(&late, now() + SignedDuration::from_mins(10))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.take_provider_sign_in("made-up", now()).await.unwrap(),
        None
    );

    // Waiting for Accord's own code: five wrong codes and it is over.
    let waiting = AwaitingCode {
        provider: "havering-entra".into(),
        person: "hav-csc-practitioner".parse().unwrap(),
        id_token: "eyJ.token.sig".into(),
        next: String::new(),
    };
    let held = store.hold_for_code(&waiting, now()).await.unwrap();
    // Not a sign-in waiting for the provider.
    assert_eq!(
        store.take_provider_sign_in(&held, now()).await.unwrap(),
        None
    );
    assert_eq!(
        store.awaiting_code(&held, now()).await.unwrap(),
        Some(waiting.clone())
    );
    for _ in 0..4 {
        assert!(store.provider_code_failed(&held).await.unwrap());
    }
    assert!(!store.provider_code_failed(&held).await.unwrap());
    assert_eq!(store.awaiting_code(&held, now()).await.unwrap(), None);
    let again = store.hold_for_code(&waiting, now()).await.unwrap();
    assert_eq!(
        store
            .awaiting_code(&again, now() + SignedDuration::from_mins(11))
            .await
            .unwrap(),
        None
    );
    assert!(store.forget_provider_sign_in(&again).await.unwrap());
    assert!(!store.forget_provider_sign_in(&again).await.unwrap());
    // Pruning removes what has expired.
    store.begin_provider_sign_in(&begun, now()).await.unwrap();
    assert!(
        store
            .prune_provider_sign_ins(now() + SignedDuration::from_mins(11))
            .await
            .unwrap()
            >= 2
    );
}

async fn subjects_emails_unknown_people_sessions_and_barred_passwords(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let admin = ChangedBy::Person("hav-admin".parse().unwrap());
    let practitioner = store
        .person(&"hav-csc-practitioner".parse::<PersonId>().unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut provider = entra();
    provider.domains = vec![
        practitioner
            .email
            .rsplit_once('@')
            .unwrap()
            .1
            .to_lowercase(),
    ];
    store
        .save_identity_provider(
            &ProviderSettings {
                provider: provider.clone(),
                client_secret: Some("s".into()),
            },
            now(),
            &admin,
        )
        .await
        .unwrap();

    // By email, whatever its case, within the partnership only.
    let shouted = practitioner.email.to_uppercase();
    assert_eq!(
        store
            .person_by_email("havering", &shouted)
            .await
            .unwrap()
            .map(|p| p.id),
        Some(practitioner.id.clone())
    );
    assert_eq!(
        store
            .person_by_email("sutton", &practitioner.email)
            .await
            .unwrap(),
        None
    );

    // A subject links once and keeps its person.
    assert_eq!(
        store
            .person_by_provider_subject("havering-entra", "oid-1")
            .await
            .unwrap(),
        None
    );
    store
        .link_provider_subject("havering-entra", "oid-1", &practitioner.id, now())
        .await
        .unwrap();
    store
        .link_provider_subject(
            "havering-entra",
            "oid-1",
            &"hav-chair".parse().unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .person_by_provider_subject("havering-entra", "oid-1")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(practitioner.id.clone())
    );

    // Unknown people, counted, newest first, forgotten once added.
    for _ in 0..2 {
        store
            .record_unknown_sign_in(
                "havering-entra",
                "New.Starter@Havering.gov.uk",
                "New Starter",
                now(),
            )
            .await
            .unwrap();
    }
    let unknown = store.unknown_sign_ins("havering").await.unwrap();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].email, "new.starter@havering.gov.uk");
    assert_eq!(unknown[0].attempts, 2);
    assert!(store.unknown_sign_ins("sutton").await.unwrap().is_empty());
    store
        .forget_unknown_sign_ins("new.starter@havering.gov.uk")
        .await
        .unwrap();
    assert!(store.unknown_sign_ins("havering").await.unwrap().is_empty());

    // A session remembers its provider and token; a password's does not.
    let session = store.create_session(&practitioner.id, now()).await.unwrap();
    assert_eq!(store.session_provider(&session).await.unwrap(), None);
    store
        .mark_provider_session(&session, "havering-entra", "eyJ.id.token", true)
        .await
        .unwrap();
    let marked = store.session_provider(&session).await.unwrap().unwrap();
    assert_eq!(
        (
            marked.provider.as_str(),
            marked.id_token.as_str(),
            marked.mfa
        ),
        ("havering-entra", "eyJ.id.token", true)
    );

    // Local passwords: allowed until the provider switches them off.
    assert_eq!(store.password_barred_by(&practitioner).await.unwrap(), None);
    provider.passwords_off = true;
    store
        .save_identity_provider(
            &ProviderSettings {
                provider: provider.clone(),
                client_secret: None,
            },
            now(),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .password_barred_by(&practitioner)
            .await
            .unwrap()
            .map(|p| p.id),
        Some("havering-entra".to_owned())
    );
    // A disabled provider bars nothing.
    provider.enabled = false;
    store
        .save_identity_provider(
            &ProviderSettings {
                provider,
                client_secret: None,
            },
            now(),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(store.password_barred_by(&practitioner).await.unwrap(), None);
}
