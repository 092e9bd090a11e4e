//! An administrator adds a calendar file or an override file; mistakes are
//! reported with the line and column to fix, and nothing half-applies.

use accord_calendar::{Calendar, CalendarError, CalendarId, Calendars, WorkingDays};
use jiff::civil::date;

const JERSEY_LIKE: &str = r#"id = "channel-example"
name = "Channel example"
time_zone = "Europe/London"

[published]
source = "test data"
first_year = 2030
last_year = 2030

[published.holidays]
2030-01-01 = "New Year’s Day"
2030-05-09 = "Liberation Day"

[[rules]]
name = "New Year’s Day"
month = 1
day = 1
substitute = true

[[rules]]
name = "Liberation Day"
month = 5
day = 9
"#;

fn located(error: CalendarError) -> (usize, usize, String) {
    match error {
        CalendarError::InvalidAt {
            line,
            column,
            message,
        } => (line, column, message),
        other => panic!("expected a located error, got {other:?}"),
    }
}

#[test]
fn an_added_calendar_is_used_like_a_built_in_one() {
    let calendar = Calendar::from_toml(JERSEY_LIKE).unwrap();
    assert_eq!(calendar.published_years(), Some(2030..=2030));
    assert_eq!(
        calendar.bank_holiday(date(2030, 5, 9)),
        Some("Liberation Day")
    );
    // 9 May 2032 is a Sunday and the rule has no substitute.
    assert!(calendar.is_working_day(date(2032, 5, 10)));
    let mut calendars = Calendars::builtin();
    assert!(calendars.insert(calendar).is_none());
    let id: CalendarId = "channel-example".parse().unwrap();
    let added = calendars.get(&id).unwrap();
    let one = WorkingDays::new(1).unwrap();
    assert_eq!(
        added.add_working_days(date(2030, 5, 8), one),
        date(2030, 5, 10)
    );
    assert_eq!(calendars.iter().count(), 5);
}

#[test]
fn a_misspelt_field_is_refused_where_it_is() {
    let source = JERSEY_LIKE.replace("substitute = true", "substitue = true");
    let (line, column, message) = located(Calendar::from_toml(&source).unwrap_err());
    assert_eq!((line, column), (18, 1));
    assert!(message.contains("unknown field `substitue`"), "{message}");
}

#[test]
fn a_date_that_does_not_exist_is_refused_where_it_is() {
    let source = JERSEY_LIKE.replace("2030-05-09 = ", "2030-02-30 = ");
    let (line, column, message) = located(Calendar::from_toml(&source).unwrap_err());
    assert_eq!((line, column), (12, 1));
    assert!(message.contains("write dates as YYYY-MM-DD"), "{message}");
}

#[test]
fn an_unknown_time_zone_is_refused_where_it_is() {
    let source = JERSEY_LIKE.replace("Europe/London", "Europe/Londres");
    let (line, column, message) = located(Calendar::from_toml(&source).unwrap_err());
    assert_eq!((line, column), (3, 13));
    assert!(message.contains("Europe/Londres"), "{message}");
}

#[test]
fn a_published_year_without_dates_is_refused() {
    let source = JERSEY_LIKE.replace("last_year = 2030", "last_year = 2031");
    let (line, _, message) = located(Calendar::from_toml(&source).unwrap_err());
    assert_eq!(line, 5);
    assert!(message.contains("no bank holidays in 2031"), "{message}");
}

#[test]
fn a_rule_that_cannot_be_placed_is_refused_at_the_rule() {
    let source = JERSEY_LIKE.replace("day = 9\n", "day = 9\nafter = \"Easter\"\n");
    let (line, _, message) = located(Calendar::from_toml(&source).unwrap_err());
    // The second [[rules]] header.
    assert_eq!(line, 20);
    assert!(message.contains("not an earlier rule"), "{message}");

    let source = JERSEY_LIKE.replace("month = 5\nday = 9", "month = 5\nweekday = \"monday\"");
    let (_, _, message) = located(Calendar::from_toml(&source).unwrap_err());
    assert!(message.contains("say when the rule falls"), "{message}");
}

#[test]
fn a_bad_id_is_refused_where_it_is() {
    let source = JERSEY_LIKE.replace("channel-example", "Channel Example");
    let (line, column, message) = located(Calendar::from_toml(&source).unwrap_err());
    assert_eq!((line, column), (1, 6));
    assert!(message.contains("lowercase"), "{message}");
}

#[test]
fn an_override_file_adds_and_removes_days() {
    let mut calendars = Calendars::builtin();
    calendars
        .apply_overrides(
            r#"
calendars = ["england-and-wales", "scotland"]

[add]
2027-12-29 = "Extra bank holiday"

[remove]
2027-12-28 = "Test: Boxing Day substitute worked"
"#,
        )
        .unwrap();
    let one = WorkingDays::new(1).unwrap();
    for id in ["england-and-wales", "scotland"] {
        let calendar = calendars.get(&id.parse().unwrap()).unwrap();
        assert_eq!(
            calendar.add_working_days(date(2027, 12, 24), one),
            date(2027, 12, 28)
        );
        assert_eq!(
            calendar.bank_holiday(date(2027, 12, 29)),
            Some("Extra bank holiday")
        );
    }
    let untouched = calendars.get(&"northern-ireland".parse().unwrap()).unwrap();
    assert_eq!(
        untouched.add_working_days(date(2027, 12, 24), one),
        date(2027, 12, 29)
    );
    // The shared built-in calendars are not changed for anyone else.
    let builtin = Calendars::builtin();
    let england = builtin.get(&"england-and-wales".parse().unwrap()).unwrap();
    assert_eq!(
        england.add_working_days(date(2027, 12, 24), one),
        date(2027, 12, 29)
    );
}

#[test]
fn a_later_override_file_wins() {
    let mut calendars = Calendars::builtin();
    let add = "calendars = [\"isle-of-man\"]\n[add]\n2027-06-04 = \"TT Bank Holiday\"\n";
    let remove = "calendars = [\"isle-of-man\"]\n[remove]\n2027-06-04 = \"TT moved back\"\n";
    calendars.apply_overrides(add).unwrap();
    calendars.apply_overrides(remove).unwrap();
    let isle_of_man = calendars.get(&"isle-of-man".parse().unwrap()).unwrap();
    assert!(isle_of_man.is_working_day(date(2027, 6, 4)));
}

#[test]
fn an_override_for_an_unknown_calendar_changes_nothing() {
    let mut calendars = Calendars::builtin();
    let source = "calendars = [\"scotland\", \"wales\"]\n[add]\n2027-06-04 = \"Extra\"\n";
    let (line, column, message) = located(calendars.apply_overrides(source).unwrap_err());
    assert_eq!((line, column), (1, 26));
    assert!(message.contains("no calendar `wales`"), "{message}");
    let scotland = calendars.get(&"scotland".parse().unwrap()).unwrap();
    assert!(scotland.is_working_day(date(2027, 6, 4)));
}

#[test]
fn an_override_may_not_add_and_remove_the_same_day() {
    let mut calendars = Calendars::builtin();
    let source = "calendars = [\"scotland\"]\n[add]\n2027-06-04 = \"Extra\"\n[remove]\n2027-06-04 = \"no\"\n";
    let (line, column, message) = located(calendars.apply_overrides(source).unwrap_err());
    assert_eq!((line, column), (5, 1));
    assert!(message.contains("both added and removed"), "{message}");
}

#[test]
fn an_override_file_with_an_unknown_table_is_refused() {
    let mut calendars = Calendars::builtin();
    let source = "calendars = [\"scotland\"]\n[added]\n2027-06-04 = \"Extra\"\n";
    let (line, _, message) = located(calendars.apply_overrides(source).unwrap_err());
    assert_eq!(line, 2);
    assert!(message.contains("unknown field `added`"), "{message}");
}
