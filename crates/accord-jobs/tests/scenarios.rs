//! Scenario tests: one per policy, the clock moved across a demo case's
//! reminder and deadline, asserting exactly which messages reach the SMTP
//! server (a real one, aiosmtpd), to whom, and when. Then deadlines across
//! the March and October clock changes and a bank-holiday weekend, on a
//! Havering case raised for the purpose.

mod common;

use std::fmt::Write as _;

use accord_calendar::Due;
use accord_jobs::reminder_at;
use accord_store::{DeadlineEntry, Store};
use common::{Backend, Mail, SmtpSink, TestClock, at, demo_store, fresh_url, runner, world};
use jiff::{SignedDuration, Timestamp, tz::TimeZone};

/// Monday 2 March 2026, 09:00 in London: the demo's "now".
const T0: &str = "2026-03-02T09:00:00Z";

fn london(t: Timestamp) -> String {
    t.to_zoned_datetime(TimeZone::get("Europe/London").unwrap())
        .strftime("%a %-d %b %Y %H:%M %Z")
        .to_string()
}

/// Who each demo address belongs to, by id.
fn who(address: &str) -> String {
    static PEOPLE: std::sync::OnceLock<std::collections::HashMap<String, String>> =
        std::sync::OnceLock::new();
    let people = PEOPLE.get_or_init(|| {
        let (calendars, policies) = world();
        let demo = accord_demo::demo(at(T0), calendars, policies).unwrap();
        demo.people
            .iter()
            .map(|p| (p.email.clone(), p.id.to_string()))
            .collect()
    });
    people
        .get(address)
        .cloned()
        .unwrap_or_else(|| address.to_owned())
}

/// The mail about `case` received since `seen` messages, as lines of
/// "person: subject", sorted.
fn mail_about(sink: &SmtpSink, seen: &mut usize, case: &str) -> Vec<String> {
    let all: Vec<Mail> = sink.messages();
    let new = all[*seen..].to_vec();
    *seen = all.len();
    let tag = format!("Accord {case}:");
    let mut lines: Vec<String> = new
        .iter()
        .filter(|m| m.subject.starts_with(&tag))
        .map(|m| format!("{}: {}", who(&m.to), m.subject))
        .collect();
    lines.sort();
    lines
}

/// The open case of `prefix` at the lowest stage whose deadline, and its
/// reminder, are still to come at `now`; that deadline.
async fn upcoming(store: &Store, prefix: &str, now: Timestamp) -> DeadlineEntry {
    let (calendars, policies) = world();
    let mut candidates = Vec::new();
    for d in store.deadlines_before(Timestamp::MAX).await.unwrap() {
        if !d.case.as_str().starts_with(prefix) || d.breached {
            continue;
        }
        let case = store.load_case(&d.case).await.unwrap().unwrap();
        let policy = policies.iter().find(|p| p.id == *case.policy()).unwrap();
        let calendar = calendars.get(&policy.calendar).unwrap();
        if reminder_at(&d, policy.alerts.remind_working_days_before, calendar) > now {
            candidates.push(d);
        }
    }
    // A stage's own deadline first, then a form's (Isle of Man Stage Four
    // has only its referral form's).
    candidates.sort_by_key(|d| (d.form.is_some(), d.stage, d.due));
    candidates
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("the demo has an open {prefix} case with a deadline to come"))
}

/// Walks one policy's case across its reminder and its deadline, and
/// returns what was sent when, for the snapshot.
async fn scenario(prefix: &str) -> String {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let store = demo_store(&url, at(T0)).await;
    let sink = SmtpSink::start();
    let clock = TestClock::new(at(T0));
    let jobs = runner(&store, &clock, Some(&sink));
    jobs.run_once().await.unwrap();
    let deadline = upcoming(&store, prefix, at(T0)).await;
    let case = store.load_case(&deadline.case).await.unwrap().unwrap();
    let (calendars, policies) = world();
    let policy = policies.iter().find(|p| p.id == *case.policy()).unwrap();
    let calendar = calendars.get(&policy.calendar).unwrap();
    let id = deadline.case.to_string();
    let mut seen = sink.messages().len();
    let mut out = String::new();
    let what = deadline
        .form
        .as_ref()
        .map_or_else(|| "its stage".to_owned(), |f| format!("form {f}"));
    writeln!(
        out,
        "{id} at stage {}: {what} is due by the end of {} ({})",
        deadline.stage,
        deadline.last_day,
        london(deadline.due)
    )
    .unwrap();

    let remind = reminder_at(
        &deadline,
        policy.alerts.remind_working_days_before,
        calendar,
    );
    let minute = SignedDuration::from_mins(1);
    let steps = [
        (
            "a minute before the reminder",
            remind.checked_sub(minute).unwrap(),
        ),
        ("the reminder", remind),
        (
            "a minute before the deadline",
            deadline.due.checked_sub(minute).unwrap(),
        ),
        ("the deadline", deadline.due),
        (
            "an hour after",
            deadline
                .due
                .checked_add(SignedDuration::from_hours(1))
                .unwrap(),
        ),
    ];
    for (what, when) in steps {
        clock.set(when);
        jobs.run_once().await.unwrap();
        writeln!(out, "\n{what} ({}):", london(when)).unwrap();
        let lines = mail_about(&sink, &mut seen, &id);
        if lines.is_empty() {
            writeln!(out, "  nothing").unwrap();
        }
        for line in lines {
            writeln!(out, "  {line}").unwrap();
        }
    }
    // The breach is on the record, by Accord, once.
    let after = store.load_case(&deadline.case).await.unwrap().unwrap();
    let breaches = &after.current_visit().breaches;
    assert_eq!(breaches.len(), 1, "{id}: {breaches:?}");
    out
}

#[tokio::test]
async fn havering_stage_leads_are_reminded_then_told_of_the_breach_with_the_tier_above() {
    // DESIGN.md §3: "A breach notifies the case's leads and the next tier
    // up."
    insta::assert_snapshot!(scenario("HAV").await);
}

#[tokio::test]
async fn plymouth_sets_no_timescales_so_nothing_is_reminded_or_breached() {
    // PLY-9: "No fixed timescales." Plymouth's stages give no working
    // days: DESIGN.md §3, "Never show an invented date". Sixty days on,
    // no Plymouth case has a reminder or a breach.
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let store = demo_store(&url, at(T0)).await;
    let sink = SmtpSink::start();
    let clock = TestClock::new(at(T0));
    let jobs = runner(&store, &clock, Some(&sink));
    jobs.run_once().await.unwrap();
    let before = sink.messages().len();
    for _ in 0..60 {
        clock.advance(SignedDuration::from_hours(24));
        jobs.run_once().await.unwrap();
    }
    let later: Vec<Mail> = sink.messages()[before..].to_vec();
    // A learning follow-up's last day is one the partnership set itself
    // (issue 15 §2), not a timescale of the policy, so it is reminded.
    let (follow_ups, others): (Vec<&Mail>, Vec<&Mail>) = later
        .iter()
        .filter(|m| m.subject.starts_with("Accord PLY-"))
        .partition(|m| m.subject.ends_with(": learning follow-up overdue"));
    assert!(
        others.is_empty(),
        "{:?}",
        others.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(
        !follow_ups.is_empty(),
        "the demo's Plymouth follow-up not done falls overdue within the sixty days"
    );
    assert!(
        later.iter().any(|m| m.subject.contains("deadline")),
        "other partnerships' deadlines pass"
    );
    for entry in store.all_cases().await.unwrap() {
        if entry.case.as_str().starts_with("PLY-") {
            let case = store.load_case(&entry.case).await.unwrap().unwrap();
            assert!(case.current_visit().breaches.is_empty());
        }
    }
}

#[tokio::test]
async fn sutton_reminder_and_breach() {
    insta::assert_snapshot!(scenario("SUT").await);
}

#[tokio::test]
async fn east_riding_breach_involves_managers_at_the_next_level() {
    // ER-4: "If a stage is delayed, involve the managers at the next level".
    insta::assert_snapshot!(scenario("ERY").await);
}

#[tokio::test]
async fn isle_of_man_reminder_and_breach() {
    insta::assert_snapshot!(scenario("IOM").await);
}

// --- Deadlines across time changes ----------------------------------------

/// Raises at `raised`, then checks the Stage One deadline is the end of
/// `last_day` in London, that nothing is recorded a second before it, and
/// that the breach is recorded at it, with the reminder at the start of
/// that day.
async fn breach_lands(raised: &str, last_day: &str, due_utc: &str, remind_utc: &str) {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    // An empty demo: just the directory, as of long before.
    let store = demo_store(&url, at("2025-01-06T09:00:00Z")).await;
    let sink = SmtpSink::start();
    let clock = TestClock::new(at("2025-01-06T09:00:00Z"));
    let jobs = runner(&store, &clock, Some(&sink));
    clock.set(at(raised));
    jobs.run_once().await.unwrap();
    let case = common::raise_havering(&store, "HAV-2026-9001", at(raised)).await;
    let Due::At {
        instant,
        last_day: day,
    } = case.stage_due()
    else {
        panic!("Stage One has a deadline");
    };
    assert_eq!(day.to_string(), last_day);
    assert_eq!(
        instant,
        at(due_utc),
        "due at local midnight ending {last_day}"
    );
    jobs.run_once().await.unwrap();
    let mut seen = sink.messages().len();

    let second = SignedDuration::from_secs(1);
    clock.set(at(remind_utc).checked_sub(second).unwrap());
    jobs.run_once().await.unwrap();
    assert!(mail_about(&sink, &mut seen, "HAV-2026-9001").is_empty());
    clock.set(at(remind_utc));
    jobs.run_once().await.unwrap();
    let reminders = mail_about(&sink, &mut seen, "HAV-2026-9001");
    assert_eq!(
        reminders,
        [
            "hav-csc-practitioner: Accord HAV-2026-9001: deadline approaching",
            "hav-health-practitioner: Accord HAV-2026-9001: deadline approaching",
        ],
        "the two practitioners are reminded at the start of the last day"
    );

    clock.set(instant.checked_sub(second).unwrap());
    jobs.run_once().await.unwrap();
    let case = store.load_case(case.id()).await.unwrap().unwrap();
    assert!(
        case.current_visit().breaches.is_empty(),
        "not a second early"
    );
    assert!(mail_about(&sink, &mut seen, "HAV-2026-9001").is_empty());

    clock.set(instant);
    assert_eq!(jobs.run_once().await.unwrap().breaches, 1);
    let case = store.load_case(case.id()).await.unwrap().unwrap();
    assert_eq!(case.current_visit().breaches.len(), 1);
    let told = mail_about(&sink, &mut seen, "HAV-2026-9001");
    assert!(!told.is_empty());
    assert!(
        told.iter()
            .all(|l| l.ends_with("deadline passed at Stage One: Discuss with the other worker")),
        "{told:?}"
    );
}

#[tokio::test]
async fn a_deadline_after_the_march_clock_change_falls_at_midnight_bst() {
    // Raised Monday 23 March 2026; clocks go forward on Sunday 29 March.
    // Five working days end on Monday 30 March, at 23:00 UTC.
    breach_lands(
        "2026-03-23T10:00:00Z",
        "2026-03-30",
        "2026-03-30T23:00:00Z",
        "2026-03-29T23:00:00Z",
    )
    .await;
}

#[tokio::test]
async fn a_deadline_after_the_october_clock_change_falls_at_midnight_gmt() {
    // Raised Monday 19 October 2026; clocks go back on Sunday 25 October.
    // Five working days end on Monday 26 October, at midnight UTC.
    breach_lands(
        "2026-10-19T09:00:00Z",
        "2026-10-26",
        "2026-10-27T00:00:00Z",
        "2026-10-26T00:00:00Z",
    )
    .await;
}

#[tokio::test]
async fn a_deadline_raised_on_the_friday_before_a_bank_holiday_skips_the_monday() {
    // Raised Friday 28 August 2026; Monday 31 August is the summer bank
    // holiday in England and Wales, so five working days end on Monday
    // 7 September.
    breach_lands(
        "2026-08-28T14:00:00Z",
        "2026-09-07",
        "2026-09-07T23:00:00Z",
        "2026-09-06T23:00:00Z",
    )
    .await;
}

#[tokio::test]
async fn a_deadline_on_the_friday_before_a_bank_holiday_is_the_end_of_that_friday() {
    // Raised Friday 21 August 2026: five working days end on Friday 28
    // August, the working day before the bank holiday, and the reminder
    // goes at the start of that Friday.
    breach_lands(
        "2026-08-21T10:00:00Z",
        "2026-08-28",
        "2026-08-28T23:00:00Z",
        "2026-08-27T23:00:00Z",
    )
    .await;
}

// --- Stage notifications, from the demo's history -------------------------

#[tokio::test]
async fn stage_notifications_reach_the_people_the_policies_name() {
    let (url, _dir) = fresh_url(Backend::Sqlite).await;
    let store = demo_store(&url, at(T0)).await;
    let sink = SmtpSink::start();
    let clock = TestClock::new(at(T0));
    runner(&store, &clock, Some(&sink))
        .run_once()
        .await
        .unwrap();
    let mail = sink.messages();
    let got = |case: &str, person: &str, subject_part: &str| -> Option<Mail> {
        mail.iter()
            .find(|m| {
                m.subject.starts_with(&format!("Accord {case}:"))
                    && who(&m.to) == person
                    && m.subject.contains(subject_part)
            })
            .cloned()
    };
    let (_, policies) = world();
    let mut checked = std::collections::BTreeMap::<&str, usize>::new();
    for entry in store.all_cases().await.unwrap() {
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        let id = case.id().as_str();
        let policy = policies.iter().find(|p| p.id == *case.policy()).unwrap();
        let track = policy.track(case.track()).unwrap();
        for visit in case.stage_history() {
            let stage = track.stage(visit.stage).unwrap();
            let entered = if stage.name.to_lowercase().starts_with("stage") {
                format!("now at {}", stage.name)
            } else {
                format!("now at Stage {} ({})", visit.stage, stage.name)
            };
            let n = visit.stage.get();
            let professional = track.id.as_str() == "professional";
            match (case.policy().as_str(), n) {
                // PLY-5: "The PSCB Business Manager is notified and keeps a
                // record of all ongoing disagreements."
                ("plymouth-2025", 3) => {
                    assert!(got(id, "ply-partnership-team", &entered).is_some(), "{id}");
                    *checked
                        .entry("Plymouth Stage 3: Business Manager")
                        .or_default() += 1;
                }
                // IOM-9: "The senior manager sends the referral form to the
                // Director of Multi-agency Safeguarding."
                ("isle-of-man-2023", 4) => {
                    let m = got(id, "iom-partnership-team", &entered).expect(id);
                    assert!(m.raw.contains("read it on the case"), "{id}");
                    *checked.entry("Isle of Man Stage 4: Director").or_default() += 1;
                }
                // ER-8: "The ERSCP Team is informed with Appendix A."
                ("east-riding-2018", 4) if professional => {
                    let m = got(id, "ery-partnership-team", &entered).expect(id);
                    assert!(m.raw.contains("Appendix A"), "{id}");
                    *checked
                        .entry("East Riding Stage 4: ERSCP team, Appendix A")
                        .or_default() += 1;
                }
                // HAV-5: "If the child has a Child Protection Plan or is
                // Looked After, the IRO must be notified" (§2.5), and only then.
                ("havering-2022", 2) => {
                    let flagged = case
                        .subjects()
                        .iter()
                        .any(|s| s.child_protection_plan || s.looked_after);
                    assert_eq!(got(id, "hav-iro", &entered).is_some(), flagged, "{id}");
                    *checked
                        .entry(if flagged {
                            "Havering Stage 2: IRO told"
                        } else {
                            "Havering Stage 2: IRO not told"
                        })
                        .or_default() += 1;
                }
                _ => {}
            }
        }
        // HAV-8, PLY-8: the outcome is shared with whoever raised the
        // concern; the policy's alerts make it so for every policy.
        if case.outcome().is_some() {
            let raiser = case.raised_by().person.as_str();
            assert!(
                got(id, raiser, "resolved").is_some()
                    || got(id, raiser, "outcome agreed").is_some(),
                "{id}: the raiser {raiser} is told of the resolution"
            );
            *checked.entry("raiser told of the resolution").or_default() += 1;
        }
    }
    insta::assert_debug_snapshot!(checked);
}
