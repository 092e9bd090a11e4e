//! Personal data sealed per case, and erased by destroying the case's key
//! (issue 17 §1, "How we will know it works"), on both backends:
//!
//! - the child's name, date of birth and a sentence of free text are in no
//!   byte of the SQLite file, nor of a `pg_dump`, before or after erasure;
//! - after erasure `accord verify` still passes, and the register, the
//!   chronology and insight's facts keep the case's shape, marked erased;
//! - one altered byte of ciphertext fails both `verify` and the read, and a
//!   wrapped key moved to another case does not open;
//! - the wrong master key is a clear error at start-up, never an empty read.

#[macro_use]
mod common;

use std::sync::Arc;

use accord_case::{Case, CaseId, ErasureRule, Event, EventBody, Sequence};
use accord_store::{
    EraseError, KeyError, LocalMasterKey, OpenError, Store, StoreError, Verification,
};
use common::{Backend, TestDb, contains, every_byte, sample::*};

both_backends!(
    erasure_leaves_the_chain_and_the_shape_and_nothing_personal,
    an_altered_ciphertext_or_a_moved_key_does_not_open,
    the_wrong_master_key_is_named_at_start_up,
    drafts_answers_searches_and_secrets_are_sealed_at_rest,
    a_childs_identifiers_are_in_no_byte_before_or_after_erasure,
);

/// What the test looks for: the child's name, their date of birth as
/// stored dates are written, and a sentence of the concern.
struct Personal {
    name: String,
    born: Option<String>,
    sentence: String,
}

impl Personal {
    fn of(case: &Case) -> Personal {
        let subject = case
            .subjects()
            .iter()
            .max_by_key(|s| s.date_of_birth.is_some())
            .expect("a case has a subject");
        Personal {
            name: subject.name.as_str().to_owned(),
            born: subject.date_of_birth.map(|d| d.to_string()),
            sentence: case.concern().disputed.as_str().to_owned(),
        }
    }

    fn all(&self) -> Vec<&str> {
        let mut all = vec![self.name.as_str(), self.sentence.as_str()];
        all.extend(self.born.as_deref());
        all
    }
}

/// The demo, seeded, and one of its closed cases whose child has a date of
/// birth where one has.
async fn demo_with_a_closed_case(db: &TestDb) -> (Store, Case) {
    let store = db.open().await;
    let (calendars, policies) = world();
    let demo = accord_demo::demo(at("2025-06-02T09:30:00Z"), calendars, policies).unwrap();
    store.seed((&demo).into()).await.unwrap();
    let mut closed = Vec::new();
    for entry in store.all_cases().await.unwrap() {
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        if case.status().is_closed() {
            closed.push(case);
        }
    }
    let case = closed
        .into_iter()
        .max_by_key(|c| c.subjects().iter().any(|s| s.date_of_birth.is_some()))
        .expect("the demo has a closed case");
    (store, case)
}

async fn erase(store: &Store, case: &Case) -> Result<accord_store::Appended, EraseError> {
    store
        .erase(
            case.id(),
            ErasureRule::YearsAfterClosure { years: 6 },
            jiff::civil::date(2031, 6, 2),
            at("2031-06-02T02:00:00Z"),
            case.raised_by().clone(),
        )
        .await
}

async fn erasure_leaves_the_chain_and_the_shape_and_nothing_personal(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (store, case) = demo_with_a_closed_case(&db).await;
    let personal = Personal::of(&case);
    let partnership = partnership_of(&store, case.parties()[0]).await;

    // Sealed from the start: nothing personal is in the database's bytes,
    // though the case reads as recorded and search finds the child.
    let bytes = every_byte(&db).await;
    for needle in personal.all() {
        assert!(
            !contains(&bytes, needle),
            "{needle:?} is stored in plain text"
        );
    }
    let by_name = accord_store::CaseSearch {
        child_name: Some(personal.name.clone()),
        ..Default::default()
    };
    let found = store.search_cases(&partnership, &by_name).await.unwrap();
    assert!(
        found.iter().any(|e| &e.case == case.id()),
        "search finds the child"
    );
    let facts_before = store.facts_of(&partnership).await.unwrap();
    let entry_before = store.register_entry(case.id(), &partnership).await.unwrap();

    let erased = erase(&store, &case).await.unwrap();
    assert!(erased.case.erased().is_some());

    // The chain is whole.
    assert!(
        matches!(store.verify().await.unwrap(), Verification::Intact { .. }),
        "verify passes after erasure"
    );
    // Nothing personal is anywhere: not in the file, not in a dump.
    let bytes = every_byte(&db).await;
    for needle in personal.all() {
        assert!(!contains(&bytes, needle), "{needle:?} survived erasure");
    }
    // The chronology keeps the shape: every event, at its stage and time,
    // every text "Erased", every identifier gone; the last says why.
    let events = store.load(case.id()).await.unwrap();
    assert_eq!(events.len() as u64, case.version().get() + 1);
    let read = Case::fold(&events).unwrap();
    assert_eq!(read.status(), case.status());
    assert_eq!(read.stage(), case.stage());
    assert_eq!(read.raised_at(), case.raised_at());
    assert!(
        read.subjects()
            .iter()
            .all(|s| s.name.as_str() == accord_store::ERASED
                && s.date_of_birth.is_none()
                && s.nhs_number.is_none()
                && s.local_id.is_none())
    );
    assert_eq!(read.concern().disputed.as_str(), accord_store::ERASED);
    let last = events.last().unwrap();
    assert!(matches!(
        last.body,
        EventBody::Erased {
            rule: ErasureRule::YearsAfterClosure { years: 6 },
            ..
        }
    ));
    let text = serde_json::to_string(&events).unwrap();
    for needle in personal.all() {
        assert!(
            !contains(text.as_bytes(), needle),
            "{needle:?} is read after erasure"
        );
    }
    // The register and insight are as they were.
    let entry_after = store.register_entry(case.id(), &partnership).await.unwrap();
    assert_eq!(
        entry_before
            .as_ref()
            .map(|e| (&e.status, e.stage, e.raised_at)),
        entry_after
            .as_ref()
            .map(|e| (&e.status, e.stage, e.raised_at))
    );
    let facts_after = store.facts_of(&partnership).await.unwrap();
    assert_eq!(facts_before, facts_after, "insight's facts do not change");
    // Search no longer finds the child.
    let found = store.search_cases(&partnership, &by_name).await.unwrap();
    assert!(found.iter().all(|e| &e.case != case.id()));
    // A rebuild reads the shape back the same.
    store.rebuild(|_, _| {}).await.unwrap();
    assert_eq!(store.load(case.id()).await.unwrap(), events);
    assert_eq!(store.facts_of(&partnership).await.unwrap(), facts_after);

    // Nothing more is recorded on it, and it is not erased twice.
    let more = Event {
        case: case.id().clone(),
        sequence: Sequence::new(events.len() as u64 + 1).unwrap(),
        at: at("2031-06-03T09:00:00Z"),
        actor: case.raised_by().clone(),
        body: EventBody::Erased {
            rule: ErasureRule::Instruction,
            due_on: jiff::civil::date(2031, 6, 3),
        },
    };
    let refused = store
        .append(Some(Sequence::new(events.len() as u64).unwrap()), &[more])
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            accord_store::AppendError::Store(StoreError::Erased { .. })
        ),
        "{refused}"
    );
    let again = erase(&store, &read).await.unwrap_err();
    assert!(matches!(again, EraseError::AlreadyErased { .. }), "{again}");
    // An open case is not erased.
    let open = store
        .register_of(&partnership)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo has an open case");
    let open = store.load_case(&open.case).await.unwrap().unwrap();
    let refused = erase(&store, &open).await.unwrap_err();
    assert!(matches!(refused, EraseError::NotClosed(_)), "{refused}");
}

async fn an_altered_ciphertext_or_a_moved_key_does_not_open(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (store, case) = demo_with_a_closed_case(&db).await;
    let id = case.id().as_str();
    let other: CaseId = store
        .all_cases()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.case)
        .find(|c| c != case.id())
        .unwrap();

    // One byte of the raise's sealed body, in the column a read opens.
    let (body,): (String,) = query_one(
        &db,
        &format!("SELECT body FROM events WHERE case_id = '{id}' AND case_seq = 1"),
    )
    .await;
    let sealed_at = body.find("\"sealed\":\"").unwrap() + 20;
    let mut altered = body.clone().into_bytes();
    altered[sealed_at] = if altered[sealed_at] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let altered = String::from_utf8(altered).unwrap();
    db.raw(&format!(
        "{} UPDATE events SET body = '{}' WHERE case_id = '{id}' AND case_seq = 1",
        db.disable_protection(),
        altered.replace('\'', "''")
    ))
    .await
    .unwrap();
    let Verification::Broken(fault) = store.verify().await.unwrap() else {
        panic!("verify missed an altered ciphertext")
    };
    assert_eq!(fault.case.as_deref(), Some(id));
    let unread = store.load(case.id()).await.unwrap_err().to_string();
    assert!(unread.contains("did not open"), "{unread}");

    // The other case's wrapped key, moved onto a third case: it does not
    // open there.
    let third: CaseId = store
        .all_cases()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.case)
        .find(|c| c != case.id() && c != &other)
        .unwrap();
    db.raw(&format!(
        "UPDATE case_keys SET wrapped = (SELECT wrapped FROM case_keys WHERE case_id = '{other}') \
         WHERE case_id = '{third}'"
    ))
    .await
    .unwrap();
    let moved = store.load(&third).await.unwrap_err();
    assert!(
        matches!(&moved, StoreError::Keys(KeyError::Unopened { what }) if what.contains(third.as_str())),
        "{moved}"
    );
    // The case whose key it was still reads.
    assert!(!store.load(&other).await.unwrap().is_empty());
}

async fn the_wrong_master_key_is_named_at_start_up(backend: Backend) {
    let mut db = TestDb::new(backend).await;
    let store = db.open().await;
    store
        .append(None, &raise("HAV-1", at("2025-03-03T10:00:00Z")))
        .await
        .unwrap();
    store.close().await;
    let right = db.master.id().to_owned();
    let wrong = Arc::new(LocalMasterKey::generate());
    let wrong_id = accord_store::MasterKey::id(wrong.as_ref()).to_owned();
    db.master = wrong;
    let err = Store::open(&db.url, policies(), db.master.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OpenError::Keys(KeyError::WrongMasterKey { expected, given })
            if expected == &right && given == &wrong_id),
        "{err}"
    );
    let words = err.to_string();
    assert!(
        words.contains(&right) && words.contains("--master-key-file"),
        "{words}"
    );
}

/// Beside the events, what names a child or would open an account is
/// sealed too: a raise's draft, the answer kept for a retried request, what
/// a search asked, and a second factor's secret.
async fn drafts_answers_searches_and_secrets_are_sealed_at_rest(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (store, _) = demo_with_a_closed_case(&db).await;
    let now = at("2025-06-02T10:00:00Z");
    let manager = store
        .person_by_sign_in("hav-csc-manager")
        .await
        .unwrap()
        .unwrap();
    let name = "Poppy Threlfall";
    store
        .save_raise_draft(
            &manager.id,
            &[("subjects[0].name".into(), name.into())],
            now,
        )
        .await
        .unwrap();
    assert!(
        store
            .claim_idempotency_key("credential", "key-1", "request", now)
            .await
            .is_ok()
    );
    store
        .answer_idempotency_key(
            "credential",
            "key-1",
            201,
            Some("application/json"),
            format!("{{\"subjects\":[{{\"name\":\"{name}\"}}]}}").as_bytes(),
        )
        .await
        .unwrap();
    store
        .record_search(
            &manager.id,
            now,
            &format!("{{\"child_name\":\"{name}\"}}"),
            &[],
        )
        .await
        .unwrap();
    let enrolment = store
        .begin_second_factor(&manager, "Accord", now)
        .await
        .unwrap()
        .unwrap();
    let bytes = every_byte(&db).await;
    assert!(
        !contains(&bytes, name),
        "a child's name is stored in plain text"
    );
    assert!(
        !contains(&bytes, &enrolment.secret),
        "a second factor's secret is in plain text"
    );
    // Each reads back as it was written.
    assert_eq!(
        store.raise_draft(&manager.id).await.unwrap().unwrap()[0].1,
        name
    );
    let accord_store::IdempotencyClaim::Answered { body, .. } = store
        .claim_idempotency_key("credential", "key-1", "request", now)
        .await
        .unwrap()
    else {
        panic!("the answer is kept")
    };
    assert!(String::from_utf8(body).unwrap().contains(name));
    let searches = store.searches_by(&manager.id).await.unwrap();
    assert!(searches.last().unwrap().query.contains(name));
    let code = accord_store::code_at(&enrolment.secret, now).unwrap();
    assert!(
        store
            .confirm_second_factor(
                &manager.id,
                &code,
                now,
                &accord_store::ChangedBy::Person(manager.id.clone())
            )
            .await
            .unwrap()
    );
}

/// A child with a date of birth, an NHS number and a local identifier: none
/// is in any byte of the database while the case is open, nor after it is
/// withdrawn and erased.
async fn a_childs_identifiers_are_in_no_byte_before_or_after_erasure(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let now = at("2025-03-03T10:00:00Z");
    let mut events = raise("HAV-2025-0042", now);
    if let EventBody::Raised(raised) = &mut events[0].body {
        let child = &mut raised.subjects[0];
        child.name = accord_case::Text::parse("Poppy Threlfall").unwrap();
        child.date_of_birth = Some(jiff::civil::date(2019, 4, 12));
        child.nhs_number = Some(accord_case::NhsNumber::parse("943 476 5919").unwrap());
        child.local_id = Some(accord_case::LocalId::parse("LCS-88213").unwrap());
    }
    let case = store.append(None, &events).await.unwrap().case;
    let needles = [
        "Poppy Threlfall",
        "2019-04-12",
        "9434765919",
        "943 476 5919",
        "LCS-88213",
    ];
    let bytes = every_byte(&db).await;
    for needle in needles {
        assert!(
            !contains(&bytes, needle),
            "{needle:?} is stored in plain text"
        );
    }
    let (policy, calendar) = havering();
    let ctx = accord_case::Context::new(at("2025-03-04T10:00:00Z"), case.raised_by().clone());
    let withdrawn = case
        .decide(
            policy,
            calendar,
            accord_case::Command::Withdraw {
                reason: accord_case::Text::parse("Poppy Threlfall moved to Leeds.").unwrap(),
            },
            &ctx,
        )
        .unwrap();
    let case = store
        .append(Some(case.version()), &withdrawn)
        .await
        .unwrap()
        .case;
    erase(&store, &case).await.unwrap();
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
    let bytes = every_byte(&db).await;
    for needle in needles.iter().chain(&["moved to Leeds"]) {
        assert!(!contains(&bytes, needle), "{needle:?} survived erasure");
    }
    let read = store.load_case(case.id()).await.unwrap().unwrap();
    assert_eq!(read.status(), accord_case::Status::Withdrawn);
    assert_eq!(read.subjects()[0].nhs_number, None);
}

/// The partnership `agency` is a member of.
async fn partnership_of(store: &Store, agency: &accord_case::AgencyId) -> String {
    for p in store.partnerships().await.unwrap() {
        let agencies = store.agencies(&p.id).await.unwrap();
        if agencies.iter().any(|a| &a.id == agency) {
            return p.id.to_string();
        }
    }
    panic!("{agency} is no partnership's")
}

/// One row of `sql`, read through an ordinary connection.
async fn query_one<T>(db: &TestDb, sql: &str) -> T
where
    T: Send + Unpin,
    for<'r> T:
        sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match db.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query_as(sql).fetch_one(&mut c).await.unwrap()
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_as(sql).fetch_one(&mut c).await.unwrap()
        }
    }
}
