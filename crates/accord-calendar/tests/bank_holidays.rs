//! Named bank holidays that deadlines depend on: the one-off days, each
//! calendar's own holidays, substitute days, and years only the rules cover.

use accord_calendar::{Calendar, CalendarId, Calendars, WorkingDays};
use jiff::civil::{Date, date};

fn calendar(id: &str) -> Calendar {
    Calendars::builtin()
        .get(&id.parse::<CalendarId>().unwrap())
        .unwrap()
        .clone()
}

const UK: [&str; 3] = ["england-and-wales", "scotland", "northern-ireland"];
const ALL: [&str; 4] = [
    "england-and-wales",
    "scotland",
    "northern-ireland",
    "isle-of-man",
];

fn assert_holiday(id: &str, day: Date, name: &str) {
    let calendar = calendar(id);
    assert_eq!(calendar.bank_holiday(day), Some(name), "{id} {day}");
    assert!(!calendar.is_working_day(day), "{id} {day}");
}

fn assert_working(id: &str, day: Date) {
    let calendar = calendar(id);
    assert_eq!(calendar.bank_holiday(day), None, "{id} {day}");
    assert!(calendar.is_working_day(day), "{id} {day}");
}

#[test]
fn design_example_one_working_day_after_christmas_eve_2027() {
    // DESIGN.md §3: the 27th and 28th are substitute days.
    let england = calendar("england-and-wales");
    let one = WorkingDays::new(1).unwrap();
    assert_eq!(
        england.add_working_days(date(2027, 12, 24), one),
        date(2027, 12, 29)
    );
}

#[test]
fn platinum_jubilee_2022_moved_the_spring_bank_holiday() {
    for id in UK {
        assert_holiday(id, date(2022, 6, 2), "Spring bank holiday");
        assert_holiday(id, date(2022, 6, 3), "Platinum Jubilee bank holiday");
        assert_working(id, date(2022, 5, 30));
    }
    assert_holiday("isle-of-man", date(2022, 6, 2), "Spring Bank Holiday");
    assert_holiday(
        "isle-of-man",
        date(2022, 6, 3),
        "Platinum Jubilee Bank Holiday",
    );
    assert_working("isle-of-man", date(2022, 5, 30));
}

#[test]
fn state_funeral_of_queen_elizabeth_ii_19_september_2022() {
    for id in ALL {
        assert_holiday(
            id,
            date(2022, 9, 19),
            "Bank Holiday for the State Funeral of Queen Elizabeth II",
        );
    }
}

#[test]
fn coronation_of_king_charles_iii_8_may_2023_added_to_early_may() {
    for id in UK {
        assert_holiday(
            id,
            date(2023, 5, 8),
            "Bank holiday for the coronation of King Charles III",
        );
        assert_holiday(id, date(2023, 5, 1), "Early May bank holiday");
    }
    assert_holiday(
        "isle-of-man",
        date(2023, 5, 8),
        "Bank Holiday for the Coronation of King Charles III",
    );
    assert_holiday("isle-of-man", date(2023, 5, 1), "Early May Bank Holiday");
}

#[test]
fn ve_day_2020_moved_early_may_to_friday_8_may() {
    for id in UK {
        assert_holiday(id, date(2020, 5, 8), "Early May bank holiday (VE day)");
        assert_working(id, date(2020, 5, 4));
    }
    assert_holiday(
        "isle-of-man",
        date(2020, 5, 8),
        "Early May Bank Holiday (VE Day)",
    );
}

#[test]
fn isle_of_man_tt_bank_holiday() {
    for day in [
        date(2022, 6, 10),
        date(2023, 6, 9),
        date(2024, 6, 7),
        date(2025, 6, 6),
        date(2026, 6, 5),
    ] {
        assert_holiday("isle-of-man", day, "TT Bank Holiday");
    }
    // The rule for years not yet announced: race-week Friday.
    assert_holiday("isle-of-man", date(2027, 6, 11), "TT Bank Holiday");
    // None of the UK calendars has it.
    assert_working("england-and-wales", date(2026, 6, 5));
}

#[test]
fn isle_of_man_tt_bank_holiday_moved_to_august_when_the_races_were_cancelled() {
    assert_holiday(
        "isle-of-man",
        date(2020, 8, 28),
        "TT Bank Holiday (moved to August)",
    );
    assert_holiday(
        "isle-of-man",
        date(2021, 8, 27),
        "TT Bank Holiday (moved to August)",
    );
    assert_working("isle-of-man", date(2020, 6, 12));
    assert_working("isle-of-man", date(2021, 6, 11));
}

#[test]
fn isle_of_man_tynwald_day_moves_to_monday_off_a_weekend() {
    assert_holiday("isle-of-man", date(2022, 7, 5), "Tynwald Day");
    assert_holiday("isle-of-man", date(2024, 7, 5), "Tynwald Day");
    // 5 July 2025 was a Saturday, 5 July 2026 a Sunday.
    assert_holiday(
        "isle-of-man",
        date(2025, 7, 7),
        "Tynwald Day (substitute day)",
    );
    assert_holiday(
        "isle-of-man",
        date(2026, 7, 6),
        "Tynwald Day (substitute day)",
    );
    assert_holiday("isle-of-man", date(2027, 7, 5), "Tynwald Day");
    assert_holiday(
        "isle-of-man",
        date(2020, 7, 6),
        "Tynwald Day (substitute day)",
    );
    assert_working("england-and-wales", date(2024, 7, 5));
}

#[test]
fn scotland_second_of_january_and_new_year_substitutes() {
    assert_holiday("scotland", date(2024, 1, 2), "2nd January");
    assert_holiday("scotland", date(2021, 1, 4), "2nd January (substitute day)");
    assert_holiday(
        "scotland",
        date(2022, 1, 3),
        "New Year’s Day (substitute day)",
    );
    assert_holiday("scotland", date(2022, 1, 4), "2nd January (substitute day)");
    assert_holiday(
        "scotland",
        date(2023, 1, 2),
        "New Year’s Day (substitute day)",
    );
    assert_holiday("scotland", date(2023, 1, 3), "2nd January (substitute day)");
    assert_working("england-and-wales", date(2023, 1, 3));
    // Ruled: 1 January 2028 is a Saturday.
    assert_holiday(
        "scotland",
        date(2028, 1, 3),
        "New Year’s Day (substitute day)",
    );
    assert_holiday("scotland", date(2028, 1, 4), "2nd January (substitute day)");
}

#[test]
fn scotland_st_andrews_day_summer_holiday_and_no_easter_monday() {
    assert_holiday("scotland", date(2023, 11, 30), "St Andrew’s Day");
    assert_holiday(
        "scotland",
        date(2024, 12, 2),
        "St Andrew’s Day (substitute day)",
    );
    assert_holiday(
        "scotland",
        date(2025, 12, 1),
        "St Andrew’s Day (substitute day)",
    );
    assert_holiday("scotland", date(2025, 8, 4), "Summer bank holiday");
    assert_working("scotland", date(2025, 8, 25));
    assert_working("scotland", date(2025, 4, 21));
    assert_holiday("england-and-wales", date(2025, 4, 21), "Easter Monday");
}

#[test]
fn scotland_world_cup_bank_holiday_15_june_2026() {
    assert_holiday(
        "scotland",
        date(2026, 6, 15),
        "Bank holiday for Scotland’s return to the FIFA World Cup",
    );
    assert_working("england-and-wales", date(2026, 6, 15));
}

#[test]
fn northern_ireland_st_patricks_day_and_the_twelfth() {
    assert_holiday("northern-ireland", date(2025, 3, 17), "St Patrick’s Day");
    assert_holiday(
        "northern-ireland",
        date(2024, 3, 18),
        "St Patrick’s Day (substitute day)",
    );
    assert_holiday(
        "northern-ireland",
        date(2019, 3, 18),
        "St Patrick’s Day (substitute day)",
    );
    assert_holiday(
        "northern-ireland",
        date(2024, 7, 12),
        "Battle of the Boyne (Orangemen’s Day)",
    );
    assert_holiday(
        "northern-ireland",
        date(2025, 7, 14),
        "Battle of the Boyne (Orangemen’s Day) (substitute day)",
    );
    assert_holiday(
        "northern-ireland",
        date(2026, 7, 13),
        "Battle of the Boyne (Orangemen’s Day) (substitute day)",
    );
    assert_working("england-and-wales", date(2025, 7, 14));
    assert_working("scotland", date(2025, 3, 17));
}

#[test]
fn christmas_and_boxing_day_substitutes() {
    for id in ALL {
        // 2021 and 2027: Christmas on Saturday, Boxing Day on Sunday.
        for year in [2021, 2027] {
            assert_holiday(id, date(year, 12, 27), "Christmas Day (substitute day)");
            assert_holiday(id, date(year, 12, 28), "Boxing Day (substitute day)");
        }
        // 2022: Christmas on Sunday, so Boxing Day keeps Monday.
        assert_holiday(id, date(2022, 12, 26), "Boxing Day");
        assert_holiday(id, date(2022, 12, 27), "Christmas Day (substitute day)");
        // 2026: Boxing Day on Saturday.
        assert_holiday(id, date(2026, 12, 28), "Boxing Day (substitute day)");
        // Ruled years: 2032 as 2021, 2033 as 2022.
        assert_holiday(id, date(2032, 12, 27), "Christmas Day (substitute day)");
        assert_holiday(id, date(2032, 12, 28), "Boxing Day (substitute day)");
        assert_holiday(id, date(2033, 12, 26), "Boxing Day");
        assert_holiday(id, date(2033, 12, 27), "Christmas Day (substitute day)");
    }
}

#[test]
fn earlier_one_off_days() {
    for id in UK {
        assert_holiday(id, date(1999, 12, 31), "Millennium celebrations");
        assert_holiday(id, date(2002, 6, 3), "Golden Jubilee bank holiday");
        assert_holiday(id, date(2002, 6, 4), "Spring bank holiday");
        assert_working(id, date(2002, 5, 27));
        assert_holiday(id, date(2011, 4, 29), "Royal wedding");
        assert_holiday(id, date(2012, 6, 4), "Spring bank holiday");
        assert_holiday(id, date(2012, 6, 5), "Diamond Jubilee bank holiday");
        assert_working(id, date(2012, 5, 28));
    }
}

#[test]
fn years_outside_the_precomputed_range_follow_the_rules() {
    let england = calendar("england-and-wales");
    // 2300: Christmas Day is a Tuesday; Easter Sunday is 8 April.
    assert_eq!(
        england.bank_holiday(date(2300, 12, 25)),
        Some("Christmas Day")
    );
    assert_eq!(england.bank_holiday(date(2300, 4, 6)), Some("Good Friday"));
    assert!(!england.is_working_day(date(2300, 4, 9)));
    assert_eq!(england.holidays(2300).len(), 8);
    // Before 1974 New Year's Day was not a bank holiday in England and Wales.
    assert!(england.is_working_day(date(1969, 1, 1)));
    assert!(!calendar("scotland").is_working_day(date(1969, 1, 1)));
    // Counting across the edges of the index. From Wednesday 24 December
    // 2200: Christmas and Boxing Day (Thursday, Friday), then 29, 30, 31
    // December, New Year's Day 2201 (Thursday) off, then 2, 5-9 and 12
    // January.
    let ten = WorkingDays::new(10).unwrap();
    assert_eq!(
        england.add_working_days(date(2200, 12, 24), ten),
        date(2201, 1, 12)
    );
    // From Wednesday 24 December 1969: 1 January 1970 was a working day.
    assert_eq!(
        england.add_working_days(date(1969, 12, 24), ten),
        date(1970, 1, 9)
    );
}
