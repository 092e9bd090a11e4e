//! `accord policy timeline`: when each stage starts and falls due if every
//! stage runs to its full timescale and is escalated on its last day, on the
//! real England and Wales calendar (DESIGN.md §3).

use accord_calendar::{Calendar, CalendarId, Calendars, Due};
use accord_policy::{Policy, Timeline, timeline};
use jiff::{Timestamp, civil::date, tz::TimeZone};

/// A one-track policy whose stages have these timescales, written as the
/// inside of a `timescale = { … }` table.
fn policy(timescales: &[&str]) -> Policy {
    let mut source = String::from(
        r#"id = "timeline-example"
version = 1
title = "Resolving professional disagreements"
partnership = "Example Safeguarding Children Partnership"
calendar = "england-and-wales"
subjects = ["child"]
areas = []

[document]
title = "Example"
file = "example.txt"
dated = "2026"

[immediate_risk]
instruction = "Inform your designated safeguarding lead at once."
notify = ["safeguarding-lead"]
section = "1"

[outcome]
written_confirmation = true
section = "3"

[learning]
themes = []
forward_to = []
section = "4"

[[tracks]]
id = "professional"
name = "Professional disagreement"
description = "About a child."
section = "2"
"#,
    );
    for (i, timescale) in timescales.iter().enumerate() {
        let n = i + 1;
        source.push_str(&format!(
            "\n[[tracks.stages]]\nnumber = {n}\nname = \"Stage {n}\"\nsection = \"2.{n}\"\n\
             summary = \"s\"\nleads = {{ raising = [\"manager\"] }}\ntimescale = {{ {timescale} }}\n"
        ));
    }
    Policy::from_toml(&source, &Calendars::builtin())
        .unwrap_or_else(|mistakes| panic!("test policy is invalid: {mistakes:#?}"))
}

fn england_and_wales(calendars: &Calendars) -> &Calendar {
    let id: CalendarId = "england-and-wales".parse().expect("id");
    calendars.get(&id).expect("England and Wales is built in")
}

/// The timeline of a policy with these timescales, raised at `raised`
/// (local UK time, `YYYY-MM-DDTHH:MM`).
fn timeline_of(timescales: &[&str], raised: &str) -> Timeline {
    let calendars = Calendars::builtin();
    let policy = policy(timescales);
    timeline(
        policy.default_track(),
        england_and_wales(&calendars),
        uk(raised),
    )
}

fn uk(local: &str) -> Timestamp {
    let local: jiff::civil::DateTime = local.parse().expect("local date and time");
    local
        .to_zoned_datetime(TimeZone::get("Europe/London").expect("zone"))
        .expect("unambiguous")
        .timestamp()
}

fn utc(instant: &str) -> Timestamp {
    instant.parse().expect("RFC 3339 instant")
}

/// Due at the end of local day `last_day`, whose midnight is `instant`.
fn due(instant: &str, last_day: (i16, i8, i8)) -> Due {
    Due::At {
        instant: utc(instant),
        last_day: date(last_day.0, last_day.1, last_day.2),
    }
}

/// DESIGN.md §3: a one-working-day stage entered on Friday 24 December 2027
/// is due at the end of Wednesday 29 December; the 27th and 28th are
/// substitute days. The next stage starts on the 29th, as it would when
/// someone escalates on that last working day (issue 12 §6), so its two
/// working days are the 30th and 31st: it is due at the end of Friday 31
/// December, not a day later as it would be counted from midnight.
#[test]
fn a_one_working_day_stage_raised_on_christmas_eve_2027_is_due_at_the_end_of_29_december() {
    let timeline = timeline_of(
        &["working_days = 1", "working_days = 2"],
        "2027-12-24T09:00",
    );
    let [first, second] = timeline.stages.as_slice() else {
        panic!("two stages")
    };
    assert_eq!(first.starts, Some(utc("2027-12-24T09:00:00Z")));
    assert_eq!(first.due, due("2027-12-30T00:00:00Z", (2027, 12, 29)));
    assert_eq!(second.starts, Some(utc("2027-12-29T09:00:00Z")));
    assert_eq!(second.due, due("2028-01-01T00:00:00Z", (2027, 12, 31)));
}

/// DESIGN.md §3, "No timescale": never an invented date, for that stage or
/// any after it.
#[test]
fn an_open_ended_stage_makes_every_later_stage_open_ended() {
    let timeline = timeline_of(
        &["working_days = 1", "none = true", "working_days = 2"],
        "2027-03-01T09:00",
    );
    let starts: Vec<_> = timeline.stages.iter().map(|s| s.starts).collect();
    let dues: Vec<_> = timeline.stages.iter().map(|s| s.due).collect();
    assert_eq!(
        starts,
        [
            Some(uk("2027-03-01T09:00")),
            Some(uk("2027-03-02T09:00")),
            None
        ]
    );
    assert_eq!(
        dues,
        [
            due("2027-03-03T00:00:00Z", (2027, 3, 2)),
            Due::AsSoonAsPossible,
            Due::AsSoonAsPossible
        ]
    );
}

/// ER-3 (reading): Stages 1–4 share the 5 working days from the raise;
/// Stage 5 begins on their last day (escalated then, at the time of day
/// the case was raised) and completes within a further 5, so it is due 10
/// working days from the raise.
#[test]
fn east_riding_stages_one_to_four_share_five_days_from_raising_and_stage_five_a_further_five() {
    let five = "working_days = 5, from = \"raised\"";
    let timeline = timeline_of(
        &[
            five,
            five,
            five,
            five,
            "working_days = 10, from = \"raised\"",
        ],
        "2027-10-04T10:00",
    );
    // Monday 4 October 2027 (BST): the fifth working day after is Monday
    // the 11th, the tenth is Monday the 18th.
    let day_five = due("2027-10-11T23:00:00Z", (2027, 10, 11));
    let day_ten = due("2027-10-18T23:00:00Z", (2027, 10, 18));
    let rows: Vec<_> = timeline
        .stages
        .iter()
        .map(|s| (s.number.get(), s.starts, s.due))
        .collect();
    let raised = Some(uk("2027-10-04T10:00"));
    let after_five = Some(uk("2027-10-11T10:00"));
    assert_eq!(
        rows,
        [
            (1, raised, day_five),
            (2, after_five, day_five),
            (3, after_five, day_five),
            (4, after_five, day_five),
            (5, after_five, day_ten),
        ]
    );
}

/// ER-12: the conference is adjourned for at most 72 hours. Hours are
/// elapsed time, so across the end of British Summer Time (Sunday 31
/// October 2027) the wall clock reads an hour earlier than it started.
#[test]
fn a_72_hour_adjournment_is_72_hours_of_elapsed_time_across_the_clock_change() {
    let timeline = timeline_of(&["hours = 72"], "2027-10-29T12:00");
    assert_eq!(
        timeline.stages[0].due,
        due("2027-11-01T11:00:00Z", (2027, 11, 1))
    );
    assert_eq!(
        timeline.stages[0].due.instant(),
        Some(uk("2027-11-01T11:00"))
    );
}

/// DESIGN.md §3: daylight saving changes must not shift a due date. Each
/// working-day deadline is local midnight, whichever side of 31 October
/// 2027 it falls.
#[test]
fn a_chain_of_working_day_stages_across_the_october_clock_change_keeps_local_dates() {
    let timeline = timeline_of(
        &["working_days = 1", "working_days = 2", "working_days = 1"],
        "2027-10-28T09:00",
    );
    let rows: Vec<_> = timeline.stages.iter().map(|s| (s.starts, s.due)).collect();
    assert_eq!(
        rows,
        [
            // Thursday 28th (BST) → end of Friday 29th, midnight BST.
            (
                Some(utc("2027-10-28T08:00:00Z")),
                due("2027-10-29T23:00:00Z", (2027, 10, 29))
            ),
            // Escalated on Friday 29th at 09:00 BST → Monday 1, Tuesday 2
            // November (GMT).
            (
                Some(uk("2027-10-29T09:00")),
                due("2027-11-03T00:00:00Z", (2027, 11, 2))
            ),
            // Escalated on Tuesday 2nd at 09:00, now GMT → Wednesday 3rd.
            (
                Some(uk("2027-11-02T09:00")),
                due("2027-11-04T00:00:00Z", (2027, 11, 3))
            ),
        ]
    );
}

/// A stage counted from raising can be entered after its deadline has
/// passed; the next stage then starts at once, never before this one.
#[test]
fn a_stage_already_overdue_when_entered_hands_over_at_once() {
    let timeline = timeline_of(
        &[
            "working_days = 5",
            "working_days = 2, from = \"raised\"",
            "working_days = 1",
        ],
        "2027-03-01T09:00",
    );
    // Stage One's five working days end on Monday 8 March, and it is
    // escalated that day.
    let stage_two_start = uk("2027-03-08T09:00");
    assert_eq!(timeline.stages[1].starts, Some(stage_two_start));
    assert_eq!(
        timeline.stages[1].due,
        due("2027-03-04T00:00:00Z", (2027, 3, 3))
    );
    assert_eq!(timeline.stages[2].starts, Some(stage_two_start));
}

/// `--format json`: RFC 3339 instants in UTC, and the local due date.
#[test]
fn a_timeline_serializes_to_rfc_3339_instants_and_local_due_dates() {
    let timeline = timeline_of(&["working_days = 1", "none = true"], "2027-12-24T09:00");
    let json = serde_json::to_value(&timeline).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({
            "stages": [
                {
                    "number": 1,
                    "name": "Stage 1",
                    "starts": "2027-12-24T09:00:00Z",
                    "due": { "kind": "at", "instant": "2027-12-30T00:00:00Z", "last_day": "2027-12-29" }
                },
                {
                    "number": 2,
                    "name": "Stage 2",
                    "starts": "2027-12-29T09:00:00Z",
                    "due": { "kind": "as_soon_as_possible" }
                }
            ]
        })
    );
}
