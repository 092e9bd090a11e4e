//! Insight's projection at the storage layer, on both backends (issue 15
//! §1, migration 0016): the facts the store keeps of each case are exactly
//! what `CaseFacts::from_events` reads from the case's whole stream — after
//! a generated history and the demo are appended, after later commands
//! that change a case's facts (a correction putting a child at immediate
//! risk, a withdrawal, a reopening, learning recorded after the close),
//! and for cases stored before the projection existed or written at
//! another version of it, which opening the store recomputes; and the
//! facts a store keeps in memory between questions (migration 0019)
//! follow what another server writes and rebuilds.

#[macro_use]
mod common;

use accord_case::{Actor, Amendment, Case, CaseId, Command, Context, Sequence, Status, Text};
use accord_demo::Demo;
use accord_insight::CaseFacts;
use accord_policy::RoleTier;
use accord_store::{CaseSearch, Store};
use common::{Backend, TestDb, sample::at};
use jiff::Timestamp;

both_backends!(
    each_cases_facts_are_what_its_events_say,
    facts_follow_commands_that_change_them_late,
    facts_are_refilled_for_cases_stored_before_them_or_at_another_version,
    facts_kept_between_questions_follow_another_servers_writes_and_rebuilds,
);

/// When the generated history ends: every event of it is before.
const NOW: &str = "2026-11-30T12:00:00Z";

/// A fresh store holding the demo (every partnership, as of June 2025)
/// and East Riding's generated history of 200 cases over the two years
/// to [`NOW`], seed 2015; and that history.
async fn seeded(backend: Backend) -> (TestDb, Store, Demo) {
    let db = TestDb::new(backend).await;
    let store = db.open().await;
    let (calendars, policies) = common::sample::world();
    let demo = accord_demo::demo(at("2025-06-02T09:30:00Z"), calendars, policies).unwrap();
    store.seed((&demo).into()).await.unwrap();
    let history =
        accord_demo::history("east-riding-2018", 200, 2015, at(NOW), calendars, policies).unwrap();
    store.seed((&history).into()).await.unwrap();
    (db, store, history)
}

/// Checks that the facts the store keeps of every case of `partnership`
/// are `CaseFacts::from_events` of its whole stream, and that they are
/// every case of it; returns them.
async fn facts_match_events(store: &Store, partnership: &str) -> Vec<CaseFacts> {
    let facts = store.facts_of(partnership).await.unwrap();
    let mut cases: Vec<CaseId> = store
        .search_cases(partnership, &CaseSearch::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.case)
        .collect();
    cases.sort();
    let kept: Vec<CaseId> = facts.iter().map(|f| f.case.clone()).collect();
    assert_eq!(kept, cases, "one row for each case of {partnership}, by id");
    for kept in facts.iter() {
        let events = store.load(&kept.case).await.unwrap();
        let read = CaseFacts::from_events(&events).unwrap();
        assert_eq!(kept, &read, "{}", kept.case);
    }
    facts.to_vec()
}

async fn each_cases_facts_are_what_its_events_say(backend: Backend) {
    let (_db, store, history) = seeded(backend).await;
    let ery = facts_match_events(&store, "east-riding").await;
    // The demo's East Riding cases and the history's, and none of
    // another partnership's.
    assert!(ery.len() > history.cases.len(), "{}", ery.len());
    assert!(
        ery.iter()
            .all(|f| f.raising_agency.as_str().starts_with("ery-"))
    );
    for partnership in ["havering", "sutton", "plymouth", "isle-of-man"] {
        let facts = facts_match_events(&store, partnership).await;
        assert!(!facts.is_empty(), "{partnership}");
    }
    // The history is rich enough for the comparison to mean something.
    let with = |has: &dyn Fn(&CaseFacts) -> bool| ery.iter().filter(|f| has(f)).count();
    assert!(with(&|f| f.visits.len() > 1) > 20);
    assert!(with(&|f| !f.resolutions.is_empty()) > 50);
    assert!(with(&|f| !f.withdrawals.is_empty()) > 10);
    assert!(with(&|f| !f.closures.is_empty()) > 10);
    assert!(with(&|f| !f.breaches.is_empty()) > 10);
    assert!(with(&|f| !f.learning.is_empty()) > 5);
    assert!(with(&|f| f.immediate_risk) > 5);
    assert!(with(&|f| f.visits.iter().any(|v| v.ended_at.is_none())) > 20);
}

/// The case `id` as its events leave it.
async fn case(store: &Store, id: &CaseId) -> Case {
    Case::fold(&store.load(id).await.unwrap()).unwrap()
}

/// Decides `command` on case `id` as `actor` at `now`, by the policy it
/// was raised under, and appends what it records.
async fn act(store: &Store, id: &CaseId, actor: Actor, now: Timestamp, command: Command) {
    let (calendars, policies) = common::sample::world();
    let case = case(store, id).await;
    let policy = policies
        .iter()
        .find(|p| &p.id == case.policy() && p.version == case.policy_version())
        .unwrap();
    let calendar = calendars.get(&policy.calendar).unwrap();
    let events = case
        .decide(policy, calendar, command, &Context::new(now, actor))
        .unwrap_or_else(|refusal| panic!("{id}: {refusal}"));
    store.append(Some(case.version()), &events).await.unwrap();
}

/// The person of the history's directory who raised `case`, and a
/// manager of their agency.
fn raiser_and_manager(history: &Demo, case: &Case) -> (Actor, Actor) {
    let raiser = history
        .people
        .iter()
        .find(|p| &p.id == case.raiser())
        .unwrap();
    let manager = history
        .people
        .iter()
        .find(|p| p.agency == raiser.agency && p.tier == RoleTier::Manager)
        .unwrap();
    (raiser.actor(), manager.actor())
}

fn text(s: &str) -> Text {
    Text::parse(s).unwrap()
}

async fn facts_follow_commands_that_change_them_late(backend: Backend) {
    let (_db, store, history) = seeded(backend).await;
    let before = facts_match_events(&store, "east-riding").await;
    let of = |facts: &[CaseFacts], id: &CaseId| -> CaseFacts {
        facts.iter().find(|f| &f.case == id).unwrap().clone()
    };
    let mut open = Vec::new();
    let mut closed = Vec::new();
    for f in before.iter().filter(|f| f.case.as_str().contains("-HIST-")) {
        let case = case(&store, &f.case).await;
        match case.status() {
            Status::Open if !f.immediate_risk => open.push(case),
            Status::Closed if case.closures().last().is_some_and(|c| !c.by_final_decision) => {
                closed.push(case)
            }
            _ => {}
        }
    }
    assert!(open.len() >= 2 && !closed.is_empty());
    let mut now: Timestamp = at(NOW);
    let mut tick = || {
        now += jiff::SignedDuration::from_hours(26);
        now
    };

    // The raise is corrected: its child was at immediate risk all along.
    let corrected = &open[0];
    let (raiser, _) = raiser_and_manager(&history, corrected);
    let mut subjects = corrected.subjects().to_vec();
    subjects[0].immediate_risk = true;
    act(
        &store,
        corrected.id(),
        raiser,
        tick(),
        Command::Correct {
            corrects: Sequence::FIRST,
            reason: text("The referral said the child was at immediate risk."),
            amendment: Amendment::Subjects { subjects },
        },
    )
    .await;

    // Another is withdrawn, then its manager reopens it.
    let withdrawn = &open[1];
    let (raiser, manager) = raiser_and_manager(&history, withdrawn);
    act(
        &store,
        withdrawn.id(),
        raiser,
        tick(),
        Command::Withdraw {
            reason: text("Children's social care has since opened an assessment."),
        },
    )
    .await;
    let after_withdrawal = facts_match_events(&store, "east-riding").await;
    assert_eq!(
        of(&after_withdrawal, withdrawn.id()).withdrawals.len(),
        of(&before, withdrawn.id()).withdrawals.len() + 1
    );
    act(
        &store,
        withdrawn.id(),
        manager,
        tick(),
        Command::Reopen {
            reason: text("The assessment was closed the next day."),
        },
    )
    .await;

    // A closed case is reopened, and learning is recorded on another.
    let reopened = &closed[0];
    let (_, manager) = raiser_and_manager(&history, reopened);
    act(
        &store,
        reopened.id(),
        manager,
        tick(),
        Command::Reopen {
            reason: text("The agreed plan was not followed."),
        },
    )
    .await;
    let (_, policies) = common::sample::world();
    let ery = policies
        .iter()
        .find(|p| p.id.as_str() == "east-riding-2018")
        .unwrap();
    let learned = closed.last().unwrap();
    let (raiser, _) = raiser_and_manager(&history, learned);
    act(
        &store,
        learned.id(),
        raiser,
        tick(),
        Command::RecordLearning {
            theme: ery.learning.themes.last().unwrap().id.clone(),
            forwarded_to: None,
            note: text("Referrals should say what risk was seen, and when."),
        },
    )
    .await;

    let after = facts_match_events(&store, "east-riding").await;
    let (was, is) = (of(&before, corrected.id()), of(&after, corrected.id()));
    assert!(!was.immediate_risk && is.immediate_risk, "{is:?}");
    let is = of(&after, withdrawn.id());
    assert_eq!(is.reopenings.len(), 1, "{is:?}");
    assert_eq!(is.visits.last().unwrap().ended_at, None);
    let (was, is) = (of(&before, reopened.id()), of(&after, reopened.id()));
    assert_eq!(is.reopenings.len(), was.reopenings.len() + 1);
    assert_eq!(is.visits.len(), was.visits.len() + 1);
    let (was, is) = (of(&before, learned.id()), of(&after, learned.id()));
    assert_eq!(is.learning.len(), was.learning.len() + 1);
    // Nothing else moved.
    let changed = [corrected.id(), withdrawn.id(), reopened.id(), learned.id()];
    for f in after.iter().filter(|f| !changed.contains(&&f.case)) {
        assert_eq!(f, &of(&before, &f.case));
    }
}

async fn facts_are_refilled_for_cases_stored_before_them_or_at_another_version(backend: Backend) {
    let (db, store, _) = seeded(backend).await;
    let written = store.facts_of("east-riding").await.unwrap().to_vec();
    store.close().await;
    // As a database from before migration 0016 would be.
    db.raw("DELETE FROM case_facts").await.unwrap();
    db.raw("UPDATE case_register SET facts_version = NULL")
        .await
        .unwrap();
    let store = db.open().await;
    assert_eq!(facts_match_events(&store, "east-riding").await, written);
    store.close().await;
    // As a database written by a build that read facts differently: its
    // rows say another version, and are recomputed, not believed.
    db.raw("UPDATE case_facts SET facts = '{}'").await.unwrap();
    db.raw("UPDATE case_register SET facts_version = 0")
        .await
        .unwrap();
    let store = db.open().await;
    assert_eq!(facts_match_events(&store, "east-riding").await, written);
}

/// Two servers on one database: the first keeps East Riding's facts
/// between questions, reading only what was written since it last looked
/// (migration 0019). What the second writes, it reads; when the second
/// rebuilds the projections, which rewrites every row without an append,
/// the first reads every row again, and a damaged row it had read is put
/// right.
async fn facts_kept_between_questions_follow_another_servers_writes_and_rebuilds(backend: Backend) {
    let (db, first, history) = seeded(backend).await;
    let second = db.open().await;
    let before = facts_match_events(&first, "east-riding").await;
    let open: Vec<Case> = {
        let mut open = Vec::new();
        for f in before.iter().filter(|f| f.case.as_str().contains("-HIST-")) {
            let case = case(&first, &f.case).await;
            if case.status() == Status::Open && !f.immediate_risk {
                open.push(case);
            }
        }
        open
    };
    let (corrected, other) = (&open[0], &open[1]);

    // The second server corrects a case: the first reads the change.
    let (raiser, _) = raiser_and_manager(&history, corrected);
    let mut subjects = corrected.subjects().to_vec();
    subjects[0].immediate_risk = true;
    act(
        &second,
        corrected.id(),
        raiser,
        at(NOW) + jiff::SignedDuration::from_hours(26),
        Command::Correct {
            corrects: Sequence::FIRST,
            reason: text("The referral said the child was at immediate risk."),
            amendment: Amendment::Subjects { subjects },
        },
    )
    .await;
    let after = facts_match_events(&first, "east-riding").await;
    let of = |facts: &[CaseFacts], id: &CaseId| facts.iter().find(|f| &f.case == id).cloned();
    assert!(of(&after, corrected.id()).unwrap().immediate_risk);
    assert_eq!(after.len(), before.len());

    // A row damaged behind the store's back, holding another case's
    // facts, is read like any row written since.
    db.raw(&format!(
        "UPDATE case_facts SET stamp = stamp + 1000000, \
         facts = (SELECT facts FROM case_facts WHERE case_id = '{}') WHERE case_id = '{}'",
        corrected.id(),
        other.id()
    ))
    .await
    .unwrap();
    let damaged = first.facts_of("east-riding").await.unwrap();
    assert!(of(&damaged, other.id()).unwrap().immediate_risk);
    // The second server rebuilds the projections from the log; the first
    // reads every row again, and they are what the events say.
    second.rebuild(|_, _| {}).await.unwrap();
    assert_eq!(facts_match_events(&first, "east-riding").await, after);
}
