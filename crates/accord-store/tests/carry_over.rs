//! Carrying over a database written before issue 17 (README, "Carrying
//! over a database written before issue 17"), on both backends: a
//! database made by migrations 0001 to 0020 alone, holding events in plain
//! text under the old hash chain, a search asked and a second factor's
//! secret, is opened by this version. The old chain is checked, every
//! event sealed under a data key of its case and hashed again, the search
//! and the secret sealed; afterwards `verify` passes, every event reads as
//! it was written, nothing personal is left in plain text, and the second
//! factor still accepts its codes. An old log that does not verify is not
//! carried over.

#[macro_use]
mod common;

use accord_case::{Case, Event};
use accord_store::{CaseSearch, OpenError, Store, Verification};
use common::{Backend, TestDb, contains, every_byte, sample::*};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

both_backends!(
    an_old_database_is_sealed_and_hashed_again_once,
    an_old_log_that_does_not_verify_is_not_carried_over,
);

/// The secret of the second factor the old database holds, in base32.
const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// A summary no sealed database may show in plain text.
const SUMMARY: &str = "Discussed the school nurse's referral for Poppy Threlfall";

/// Applies migrations 0001 to 0020, as Accord before issue 17 did.
async fn old_schema(db: &TestDb) {
    let kind = match db.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(kind);
    let old = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&all).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let version: u32 = name[..4].parse().unwrap();
        if version <= 20 {
            std::fs::copy(entry.path(), old.path().join(&name)).unwrap();
        }
    }
    let migrator = sqlx::migrate::Migrator::new(old.path()).await.unwrap();
    match db.backend {
        Backend::Sqlite => {
            let options: sqlx::sqlite::SqliteConnectOptions = db
                .url
                .parse::<sqlx::sqlite::SqliteConnectOptions>()
                .unwrap()
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// `value` as canonical JSON, as `src/canonical.rs` describes it: object
/// keys sorted by their bytes at every level, no whitespace. Written here
/// again so that the old chain is made independently of the store.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", parts.join(","))
        }
        scalar => scalar.to_string(),
    }
}

/// The SQL that writes `events` in the old format, following the chain at
/// `head` (global sequence and hash), and the new head.
fn old_rows(
    events: &[Event],
    mut head: (u64, [u8; 32]),
    blob: impl Fn(&[u8]) -> String,
) -> (Vec<String>, (u64, [u8; 32])) {
    let mut sql = Vec::new();
    for event in events {
        let seq = head.0 + 1;
        let actor = serde_json::to_value(&event.actor).unwrap();
        let body = serde_json::to_value(&event.body).unwrap();
        let at = event.at.to_string();
        let mut envelope = Map::new();
        envelope.insert("actor".into(), actor.clone());
        envelope.insert("at".into(), Value::String(at.clone()));
        envelope.insert("body".into(), body.clone());
        envelope.insert("case".into(), Value::String(event.case.to_string()));
        envelope.insert("global_sequence".into(), Value::from(seq));
        envelope.insert("previous_hash".into(), Value::String(hex::encode(head.1)));
        envelope.insert("sequence".into(), Value::from(event.sequence.get()));
        let bytes = canonical(&Value::Object(envelope));
        let hash: [u8; 32] = Sha256::digest(bytes.as_bytes()).into();
        let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
        sql.push(format!(
            "INSERT INTO events (global_seq, case_id, case_seq, event_type, at, actor, body, \
             canonical, prev_hash, hash) VALUES ({seq}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
            quote(event.case.as_str()),
            event.sequence.get(),
            quote(event.body.name()),
            quote(&at),
            quote(&canonical(&actor)),
            quote(&canonical(&body)),
            blob(bytes.as_bytes()),
            blob(&head.1),
            blob(&hash),
        ));
        head = (seq, hash);
    }
    (sql, head)
}

/// Writes two cases, a search and a second factor in the old format, and
/// returns the events as written.
async fn old_data(db: &TestDb) -> Vec<Event> {
    let now = at("2025-03-03T10:00:00Z");
    let mut events = Vec::new();
    for id in ["HAV-2025-0001", "HAV-2025-0002"] {
        let raised = raise(id, now);
        let case = Case::fold(&raised).unwrap();
        let mut all = raised.clone();
        all.extend(discussion(&case, now, SUMMARY));
        events.extend(all);
    }
    let blob = |bytes: &[u8]| match db.backend {
        Backend::Sqlite => format!("X'{}'", hex::encode(bytes)),
        Backend::Postgres => format!("'\\x{}'::bytea", hex::encode(bytes)),
    };
    let (mut sql, head) = old_rows(&events, (0, [0; 32]), blob);
    sql.push(format!(
        "UPDATE chain_head SET global_seq = {}, hash = {} WHERE id = 1",
        head.0,
        blob(&head.1)
    ));
    sql.push(
        "INSERT INTO search_log (person_id, at, at_us, query, shown) VALUES \
         ('hav-csc-manager', '2025-03-04T09:00:00Z', 1741078800000000, \
         '{\"child_name\":\"Poppy Threlfall\"}', '[\"HAV-2025-0001\"]')"
            .into(),
    );
    sql.push("INSERT INTO partnerships (id, name, policy_id, case_prefix, sign_in_prefix) VALUES ('havering', 'Havering', 'havering-2022', 'HAV', 'hav')".into());
    for (id, name) in [
        ("hav-csc", "Children''s Social Care"),
        ("nhs-trust", "NHS Trust"),
        ("childrens-social-care", "Children''s Social Care"),
    ] {
        sql.push(format!(
            "INSERT INTO agencies (id, partnership_id, name, kind) VALUES \
             ('{id}', 'havering', '{name}', 'childrens-social-care')"
        ));
    }
    sql.push("INSERT INTO people (id, partnership_id, agency_id, sign_in, name, job_title, email, tier, declared_roles) VALUES ('hav-csc-manager', 'havering', 'hav-csc', 'hav-csc-manager', 'Jude Loxley', 'Team manager', 'jude@example.org', 'manager', '[]')".into());
    sql.push(format!(
        "INSERT INTO second_factors (person_id, secret, created_at, confirmed_at) VALUES \
         ('hav-csc-manager', '{SECRET}', '2025-03-01T09:00:00Z', '2025-03-01T09:01:00Z')"
    ));
    db.raw(&sql.join(";\n")).await.unwrap();
    events
}

async fn an_old_database_is_sealed_and_hashed_again_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    old_schema(&db).await;
    let written = old_data(&db).await;
    assert!(
        contains(&every_byte(&db).await, SUMMARY),
        "the old log is in plain text"
    );

    let store = db.open().await;
    assert!(
        matches!(store.verify().await.unwrap(), Verification::Intact { events, .. } if events == written.len() as u64)
    );
    for id in ["HAV-2025-0001", "HAV-2025-0002"] {
        let id = case_id(id);
        let read = store.load(&id).await.unwrap();
        let expected: Vec<&Event> = written.iter().filter(|e| e.case == id).collect();
        assert_eq!(read.iter().collect::<Vec<_>>(), expected);
    }
    // The register and search were made from the sealed log.
    assert_eq!(store.all_cases().await.unwrap().len(), 2);
    let manager = accord_case::PersonId::parse("hav-csc-manager").unwrap();
    let searches = store.searches_by(&manager).await.unwrap();
    assert_eq!(searches[0].query, "{\"child_name\":\"Poppy Threlfall\"}");
    let code = accord_store::code_at(SECRET, at("2025-03-05T09:00:00Z")).unwrap();
    assert_eq!(
        store
            .check_second_factor(&manager, &code, at("2025-03-05T09:00:00Z"))
            .await
            .unwrap(),
        accord_store::SecondFactorCheck::Accepted
    );
    store.close().await;
    let bytes = every_byte(&db).await;
    for plain in [SUMMARY, "Poppy Threlfall", SECRET] {
        assert!(!contains(&bytes, plain), "{plain:?} is still in plain text");
    }

    // Opened again, nothing is carried over twice, and search finds the
    // children by their blind indexes.
    let store = db.open().await;
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
    let found = store
        .search_cases(
            "havering",
            &CaseSearch {
                child_name: Some("child a".into()),
                ..CaseSearch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
}

async fn an_old_log_that_does_not_verify_is_not_carried_over(backend: Backend) {
    let db = TestDb::new(backend).await;
    old_schema(&db).await;
    old_data(&db).await;
    db.raw(&format!(
        "{} UPDATE events SET body = replace(body, 'school nurse', 'school nurses') \
         WHERE global_seq = 3",
        db.disable_protection()
    ))
    .await
    .unwrap();
    let err = Store::open(&db.url, policies(), db.master.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, OpenError::Upgrade(_)) && err.to_string().contains("does not verify"),
        "{err}"
    );
    // Nothing was changed: the old log is as it was, in plain text.
    assert!(contains(&every_byte(&db).await, "school nurses"));
}
