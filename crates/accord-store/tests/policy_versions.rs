//! Issue 13 §2 on both backends: a partnership installs its own policy in
//! versions. Each version is kept as it was checked, with when and by whom,
//! and the database refuses to change or remove one; the rules for what may
//! be installed; and another process (the server, the job runner) finds a
//! version installed elsewhere the first time it needs it.

#[macro_use]
mod common;

use std::sync::Arc;

use accord_policy::Policy;
use accord_store::{ChangedBy, InstallError, Store, Verification};
use common::{Backend, TestDb, sample::*};
use jiff::Timestamp;

both_backends!(
    versions_are_kept_with_when_and_by_whom_and_the_newest_is_in_force,
    what_may_not_be_installed_is_refused_with_what_to_do,
    another_process_finds_a_version_installed_elsewhere,
    the_database_refuses_to_change_an_installed_version,
);

fn now() -> Timestamp {
    at("2025-06-02T09:30:00Z")
}

/// Havering's built-in policy as a partnership's own file: id `id`, at
/// `version`.
fn own(id: &str, version: u32) -> (Policy, String) {
    let (_, source) = accord_policy::BUILTIN
        .iter()
        .find(|(id, _)| *id == "havering-2022")
        .unwrap();
    let source = source
        .replacen("id = \"havering-2022\"", &format!("id = \"{id}\""), 1)
        .replacen("version = 1", &format!("version = {version}"), 1);
    let (calendars, _) = world();
    (Policy::from_toml(&source, calendars).unwrap(), source)
}

/// A store holding the demo directory.
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

async fn install(
    store: &Store,
    partnership: &str,
    id: &str,
    version: u32,
) -> Result<bool, InstallError> {
    let (policy, source) = own(id, version);
    let by = ChangedBy::Person("hav-admin".parse().unwrap());
    store
        .install_policy(partnership, policy, &source, now(), &by)
        .await
        .map(|i| i.unchanged)
}

async fn versions_are_kept_with_when_and_by_whom_and_the_newest_is_in_force(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let (calendars, _) = world();
    assert!(
        !install(&store, "havering", "havering-own", 1)
            .await
            .unwrap()
    );
    let partnership = store
        .partnerships()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == "havering")
        .unwrap();
    assert_eq!(
        partnership.policy.as_str(),
        "havering-own",
        "the partnership now runs it"
    );
    assert!(
        !install(&store, "havering", "havering-own", 2)
            .await
            .unwrap()
    );
    // The same file again as the same version changes nothing.
    assert!(
        install(&store, "havering", "havering-own", 2)
            .await
            .unwrap()
    );

    let history = store.installed_policies(Some("havering")).await.unwrap();
    assert_eq!(
        history.iter().map(|h| h.version).collect::<Vec<_>>(),
        [1, 2]
    );
    let (_, source) = own("havering-own", 2);
    assert_eq!(history[1].source, source, "the file is kept exactly");
    assert_eq!(history[1].sha256, accord_store::source_sha256(&source));
    assert_eq!(history[1].installed_by, "hav-admin");
    assert_eq!(history[1].installed_at, now());
    let in_force = store
        .policy_in_force(&"havering-own".parse().unwrap(), calendars)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(in_force.version, 2);
    // Each install is one entry in the directory audit, and verify holds.
    let audit = store.directory_audit("havering", 500).await.unwrap();
    let mut installs: Vec<_> = audit
        .iter()
        .filter(|e| e.what == "policy.installed")
        .collect();
    installs.sort_by_key(|e| e.seq);
    assert_eq!(installs.len(), 2);
    assert_eq!(installs[0].before["policy"], "havering-2022");
    assert_eq!(installs[0].after["version"], 1);
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
}

async fn what_may_not_be_installed_is_refused_with_what_to_do(backend: Backend) {
    let (_db, store) = directory(backend).await;
    let err = install(&store, "havering", "havering-2022", 2)
        .await
        .unwrap_err();
    assert!(matches!(err, InstallError::BuiltinId(_)), "{err}");
    let err = install(&store, "nowhere", "nowhere-2026", 1)
        .await
        .unwrap_err();
    assert!(matches!(err, InstallError::UnknownPartnership(_)), "{err}");

    install(&store, "havering", "havering-own", 3)
        .await
        .unwrap();
    let err = install(&store, "havering", "havering-own", 2)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "version 2 of `havering-own` is older than version 3, which is installed already: set \
         `version = 4` in the file and install it again"
    );
    // Version 3 again, from a different file.
    let (policy, source) = own("havering-own", 3);
    let changed = source.replacen("working_days = 5", "working_days = 4", 1);
    let err = store
        .install_policy(
            "havering",
            policy,
            &changed,
            now(),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "version 3 of `havering-own` is installed already, from a different file: set \
         `version = 4` in the file and install it again"
    );
    // Another partnership cannot take Havering's id.
    let err = install(&store, "plymouth", "havering-own", 4)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the policy id `havering-own` belongs to another partnership (havering): give your \
         partnership's policy its own `id`"
    );
    assert_eq!(
        store.installed_policies(None).await.unwrap().len(),
        1,
        "nothing else was written"
    );
}

async fn another_process_finds_a_version_installed_elsewhere(backend: Backend) {
    let (db, store) = directory(backend).await;
    let (calendars, _) = world();
    // The server's store, open before the install.
    let server = db.open().await;
    let id = "havering-own".parse().unwrap();
    assert!(server.policies().get(&id, 1).is_none());
    install(&store, "havering", "havering-own", 1)
        .await
        .unwrap();
    // In force at once, without a restart.
    let found = server
        .policy_in_force(&id, calendars)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.version, 1);
    install(&store, "havering", "havering-own", 2)
        .await
        .unwrap();
    let older = server
        .policy_version(&id, 1, calendars)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(older.version, 1);
    // A store opened afresh loads every installed version as it starts.
    let fresh = db.open().await;
    fresh.load_installed_policies(calendars).await.unwrap();
    assert!(fresh.policies().get(&id, 1).is_some());
    assert_eq!(fresh.policies().newest(&id).map(|p| p.version), Some(2));
    // A clone shares what it knows.
    let clone = fresh.clone();
    let (extra, _) = own("havering-extra", 1);
    fresh.know_policies([Arc::new(extra)]);
    assert!(
        clone
            .policies()
            .get(&"havering-extra".parse().unwrap(), 1)
            .is_some()
    );
}

async fn the_database_refuses_to_change_an_installed_version(backend: Backend) {
    let (db, store) = directory(backend).await;
    install(&store, "havering", "havering-own", 1)
        .await
        .unwrap();
    let mut refused = vec![
        "UPDATE policy_versions SET source = 'id = \"x\"'",
        "DELETE FROM policy_versions",
    ];
    if backend == Backend::Postgres {
        refused.push("TRUNCATE policy_versions");
    }
    for sql in refused {
        let err = db.raw(sql).await.expect_err(sql);
        let text = err.to_string();
        assert!(
            text.contains("kept as they were") || text.contains("append-only"),
            "{sql}: {text}"
        );
    }
    assert_eq!(store.installed_policies(None).await.unwrap().len(), 1);
}
