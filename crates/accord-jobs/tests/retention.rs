//! The retention schedule worked by the job runner on a controllable clock
//! (issue 17 §2, "How we will know it works"), on both backends: the
//! schedule erases exactly the cases due, skips the one on legal hold, and
//! gives the partnership team notice first; insight's figures do not change
//! when a case is erased, and `accord verify` still passes.

mod common;

use std::collections::BTreeSet;

use accord_case::{CaseId, ErasureRule, EventBody};
use accord_store::{ChangedBy, RetentionDue, RetentionSchedule, Store, Verification};
use common::{Backend, TestClock, at, demo_store, fresh_url, runner};
use jiff::{SignedDuration, ToSpan, civil::Date, tz::TimeZone};

const T0: &str = "2026-03-02T09:00:00Z";

fn london_day(at: jiff::Timestamp) -> Date {
    at.to_zoned_datetime(TimeZone::get("Europe/London").unwrap())
        .date()
}

/// 09:00 in London on `day`.
fn morning(day: Date) -> jiff::Timestamp {
    day.at(9, 0, 0, 0)
        .to_zoned_datetime(TimeZone::get("Europe/London").unwrap())
        .unwrap()
        .timestamp()
}

/// Havering's closed cases, each with the day it closed.
async fn closed_cases(store: &Store) -> Vec<(CaseId, Date)> {
    let mut closed = Vec::new();
    for entry in store.all_cases().await.unwrap() {
        if !entry.case.as_str().starts_with("HAV-") || !entry.status.is_closed() {
            continue;
        }
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        closed.push((
            entry.case.clone(),
            london_day(case.closures().last().unwrap().at),
        ));
    }
    closed
}

/// Havering keeps each closed case a year, with 30 days' notice.
async fn keep_a_year(store: &Store) {
    store
        .set_retention_schedule(
            "havering",
            Some(RetentionSchedule {
                years_after_closure: Some(1),
                until_birthday: None,
                notice_days: 30,
            }),
            at(T0),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
}

fn erased(store_events: &[accord_case::Event]) -> Option<(ErasureRule, Date)> {
    store_events.iter().find_map(|e| match e.body {
        EventBody::Erased { rule, due_on } => Some((rule, due_on)),
        _ => None,
    })
}

async fn the_schedule_gives_notice_then_erases_exactly_the_cases_due(backend: Backend) {
    let (url, _dir) = fresh_url(backend).await;
    let store = demo_store(&url, at(T0)).await;
    let closed = closed_cases(&store).await;
    assert!(
        closed.len() >= 3,
        "Havering's demo has closed cases: {closed:?}"
    );
    // A day on which the cases closed up to the middle one are a year old,
    // and the others not yet.
    let mut days: Vec<Date> = closed.iter().map(|c| c.1).collect();
    days.sort();
    let today = days[days.len() / 2].checked_add(1.year()).unwrap();
    // The cases a year old by `day`.
    let due_by = |day: Date| -> BTreeSet<CaseId> {
        closed
            .iter()
            .filter(|(_, closed_on)| closed_on.checked_add(1.year()).unwrap() <= day)
            .map(|c| c.0.clone())
            .collect()
    };
    let due = due_by(today);
    let not_due: BTreeSet<CaseId> = closed
        .iter()
        .map(|c| c.0.clone())
        .filter(|c| !due.contains(c))
        .collect();
    assert!(due.len() >= 2 && !not_due.is_empty(), "{due:?} {not_due:?}");
    keep_a_year(&store).await;
    // One case due is kept for a Child Safeguarding Practice Review.
    let held = due.iter().next().unwrap().clone();
    let team = store
        .person_by_sign_in("hav-partnership-team")
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .place_legal_hold(
                &held,
                "havering",
                "Child Safeguarding Practice Review under way",
                &team.id,
                at(T0),
            )
            .await
            .unwrap()
    );
    // Insight's facts of the closed cases: the ones erasure touches. (The
    // open ones change as the runner records their breaches over the
    // year the clock moves.)
    let closed_facts = |all: std::sync::Arc<Vec<accord_insight::CaseFacts>>| {
        all.iter()
            .filter(|f| closed.iter().any(|c| c.0 == f.case))
            .cloned()
            .collect::<Vec<_>>()
    };
    let facts_before = closed_facts(store.facts_of("havering").await.unwrap());

    // The plan says what falls due and when, and changes nothing.
    let plan = store.retention_plan("havering", london_day).await.unwrap();
    assert_eq!(plan.len(), closed.len());
    for entry in &plan {
        let closed_on = closed.iter().find(|c| c.0 == entry.case).unwrap().1;
        assert_eq!(
            entry.due,
            RetentionDue::On {
                date: closed_on.checked_add(1.year()).unwrap(),
                rule: ErasureRule::YearsAfterClosure { years: 1 },
            }
        );
        assert_eq!(entry.hold.is_some(), entry.case == held);
        assert!(entry.notice.is_none());
    }

    // On the day: notice to the team for each case due but the held one,
    // and nothing erased.
    let clock = TestClock::new(morning(today));
    let jobs = runner(&store, &clock, None);
    let pass = jobs.run_once().await.unwrap();
    assert_eq!(pass.retention_notices, due.len() - 1);
    assert_eq!(pass.erasures, 0);
    let told = store.notifications_for(&team.id, 500).await.unwrap();
    for case in &due {
        let is_told = told
            .iter()
            .any(|n| n.case.as_ref() == Some(case) && n.occasion == "retention_notice");
        assert_eq!(is_told, case != &held, "{case}");
    }
    // A day before the notice runs out, still nothing is erased; cases
    // that fell due since are given notice in their turn.
    clock.advance(SignedDuration::from_hours(24 * 29));
    let day_29 = london_day(clock.now());
    let pass = jobs.run_once().await.unwrap();
    let newly = due_by(day_29).len() - due.len();
    assert_eq!((pass.retention_notices, pass.erasures), (newly, 0));

    // When it has run out, exactly the cases due on the first day and not
    // held are erased, each under the rule that made it due, as Accord.
    clock.advance(SignedDuration::from_hours(24));
    let pass = jobs.run_once().await.unwrap();
    assert_eq!(pass.erasures, due.len() - 1);
    assert_eq!(
        pass.retention_notices,
        due_by(london_day(clock.now())).len() - due.len() - newly
    );
    for (case, closed_on) in &closed {
        let events = store.load(case).await.unwrap();
        let expected = (due.contains(case) && case != &held).then(|| {
            (
                ErasureRule::YearsAfterClosure { years: 1 },
                closed_on.checked_add(1.year()).unwrap(),
            )
        });
        assert_eq!(erased(&events), expected, "{case}");
        if expected.is_some() {
            assert_eq!(events.last().unwrap().actor.person.as_str(), "accord");
        }
    }
    assert_eq!(
        closed_facts(store.facts_of("havering").await.unwrap()),
        facts_before,
        "insight's figures do not change when cases are erased"
    );
    assert!(matches!(
        store.verify().await.unwrap(),
        Verification::Intact { .. }
    ));
    // The next pass the same day does nothing more.
    let pass = jobs.run_once().await.unwrap();
    assert_eq!((pass.retention_notices, pass.erasures), (0, 0));

    // Released, the held case is given notice, then erased in its turn.
    assert!(
        store
            .release_legal_hold(
                &held,
                "havering",
                clock.now(),
                &ChangedBy::Person(team.id.clone())
            )
            .await
            .unwrap()
    );
    let pass = jobs.run_once().await.unwrap();
    assert_eq!((pass.retention_notices, pass.erasures), (1, 0));
    clock.advance(SignedDuration::from_hours(24 * 30));
    jobs.run_once().await.unwrap();
    assert!(erased(&store.load(&held).await.unwrap()).is_some());
    // A case that was not yet due a notice's length ago is not erased.
    let noticed_by = due_by(london_day(clock.now()).checked_sub(30.days()).unwrap());
    for case in &not_due {
        if !noticed_by.contains(case) {
            assert!(erased(&store.load(case).await.unwrap()).is_none(), "{case}");
        }
    }
}

async fn a_birthday_rule_keeps_a_case_until_the_later_day_and_never_guesses_a_birth(
    backend: Backend,
) {
    let (url, _dir) = fresh_url(backend).await;
    let store = demo_store(&url, at(T0)).await;
    // Two children with dates of birth, whose disagreements were
    // withdrawn: one turns 25 before the case is six years closed, the
    // other after.
    for (id, born) in [
        ("HAV-2026-0901", jiff::civil::date(2005, 6, 1)),
        ("HAV-2026-0902", jiff::civil::date(2019, 6, 1)),
    ] {
        let case = common::raise_havering_about(&store, id, at(T0), Some(born)).await;
        withdraw(&store, &case).await;
    }
    store
        .set_retention_schedule(
            "havering",
            Some(RetentionSchedule {
                years_after_closure: Some(6),
                until_birthday: Some(25),
                notice_days: 30,
            }),
            at(T0),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let plan = store.retention_plan("havering", london_day).await.unwrap();
    assert!(!plan.is_empty());
    let mut dated = 0;
    for entry in &plan {
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        let youngest = case.subjects().iter().filter_map(|s| s.date_of_birth).max();
        let six_years = entry.closed_on.checked_add(6.years()).unwrap();
        match youngest {
            None => assert_eq!(entry.due, RetentionDue::NoDateOfBirth, "{}", entry.case),
            Some(born) => {
                dated += 1;
                let birthday = born.checked_add(25.years()).unwrap();
                let expected = if birthday > six_years {
                    RetentionDue::On {
                        date: birthday,
                        rule: ErasureRule::UntilBirthday { age: 25 },
                    }
                } else {
                    RetentionDue::On {
                        date: six_years,
                        rule: ErasureRule::YearsAfterClosure { years: 6 },
                    }
                };
                assert_eq!(entry.due, expected, "{}", entry.case);
            }
        }
    }
    assert_eq!(dated, 2, "the two children with dates of birth");
    let due_of = |id: &str| plan.iter().find(|e| e.case.as_str() == id).unwrap().due;
    assert!(matches!(
        due_of("HAV-2026-0901"),
        RetentionDue::On {
            rule: ErasureRule::YearsAfterClosure { years: 6 },
            ..
        }
    ));
    assert_eq!(
        due_of("HAV-2026-0902"),
        RetentionDue::On {
            date: jiff::civil::date(2044, 6, 1),
            rule: ErasureRule::UntilBirthday { age: 25 },
        }
    );
    // A schedule with no rule, or a rule of no years, is refused, saying
    // what to fix.
    for bad in [
        RetentionSchedule {
            years_after_closure: None,
            until_birthday: None,
            notice_days: 30,
        },
        RetentionSchedule {
            years_after_closure: Some(0),
            until_birthday: None,
            notice_days: 30,
        },
    ] {
        let err = store
            .set_retention_schedule("havering", Some(bad), at(T0), &ChangedBy::COMMAND_LINE)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("rule"), "{err}");
    }
}

/// Withdraws `case`, by the health practitioner who raised it.
async fn withdraw(store: &Store, case: &accord_case::Case) {
    let (calendars, policies) = common::world();
    let policy = policies
        .iter()
        .find(|p| p.id.as_str() == "havering-2022")
        .unwrap();
    let calendar = calendars.get(&policy.calendar).unwrap();
    let ctx = accord_case::Context::new(at(T0), case.raised_by().clone());
    let events = case
        .decide(
            policy,
            calendar,
            accord_case::Command::Withdraw {
                reason: accord_case::Text::parse("Resolved between the workers.").unwrap(),
            },
            &ctx,
        )
        .unwrap();
    store.append(Some(case.version()), &events).await.unwrap();
}

/// A hold placed after the notice was given, then released: the team is
/// told afresh and has the whole notice again, rather than the case being
/// erased on the next pass with no warning. And the runner's list of what
/// is due matches the plan's.
async fn a_released_hold_gives_a_fresh_notice(backend: Backend) {
    let (url, _dir) = fresh_url(backend).await;
    let store = demo_store(&url, at(T0)).await;
    let closed = closed_cases(&store).await;
    let today = closed
        .iter()
        .map(|c| c.1)
        .max()
        .unwrap()
        .checked_add(1.year())
        .unwrap();
    keep_a_year(&store).await;
    let due = store
        .retention_due("havering", london_day, today)
        .await
        .unwrap();
    let plan = store.retention_plan("havering", london_day).await.unwrap();
    assert_eq!(
        due, plan,
        "every closed case is due a year after the last closed"
    );
    assert_eq!(due.len(), closed.len());
    let earlier = store
        .retention_due("havering", london_day, today.yesterday().unwrap())
        .await
        .unwrap();
    assert_eq!(
        earlier.len(),
        closed.len() - 1,
        "the last closed is not due the day before"
    );

    let clock = TestClock::new(morning(today));
    let jobs = runner(&store, &clock, None);
    let pass = jobs.run_once().await.unwrap();
    assert_eq!(pass.retention_notices, closed.len());
    // Told, the team holds one case.
    let held = closed[0].0.clone();
    let team = store
        .person_by_sign_in("hav-partnership-team")
        .await
        .unwrap()
        .unwrap();
    store
        .place_legal_hold(
            &held,
            "havering",
            "Court proceedings",
            &team.id,
            clock.now(),
        )
        .await
        .unwrap();
    clock.advance(SignedDuration::from_hours(24 * 30));
    let pass = jobs.run_once().await.unwrap();
    assert_eq!(pass.erasures, closed.len() - 1);
    assert!(erased(&store.load(&held).await.unwrap()).is_none());
    // Released, it is told afresh, not erased at once.
    store
        .release_legal_hold(
            &held,
            "havering",
            clock.now(),
            &ChangedBy::Person(team.id.clone()),
        )
        .await
        .unwrap();
    let pass = jobs.run_once().await.unwrap();
    assert_eq!((pass.retention_notices, pass.erasures), (1, 0));
    assert!(erased(&store.load(&held).await.unwrap()).is_none());
    clock.advance(SignedDuration::from_hours(24 * 29));
    assert_eq!(jobs.run_once().await.unwrap().erasures, 0);
    clock.advance(SignedDuration::from_hours(24));
    assert_eq!(jobs.run_once().await.unwrap().erasures, 1);
    assert!(erased(&store.load(&held).await.unwrap()).is_some());
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_schedule_gives_notice_then_erases_exactly_the_cases_due() {
        super::the_schedule_gives_notice_then_erases_exactly_the_cases_due(super::Backend::Sqlite)
            .await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_birthday_rule_keeps_a_case_until_the_later_day_and_never_guesses_a_birth() {
        super::a_birthday_rule_keeps_a_case_until_the_later_day_and_never_guesses_a_birth(
            super::Backend::Sqlite,
        )
        .await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_released_hold_gives_a_fresh_notice() {
        super::a_released_hold_gives_a_fresh_notice(super::Backend::Sqlite).await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_schedule_gives_notice_then_erases_exactly_the_cases_due() {
        super::the_schedule_gives_notice_then_erases_exactly_the_cases_due(super::Backend::Postgres)
            .await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_birthday_rule_keeps_a_case_until_the_later_day_and_never_guesses_a_birth() {
        super::a_birthday_rule_keeps_a_case_until_the_later_day_and_never_guesses_a_birth(
            super::Backend::Postgres,
        )
        .await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_released_hold_gives_a_fresh_notice() {
        super::a_released_hold_gives_a_fresh_notice(super::Backend::Postgres).await
    }
}
