//! For every published year, the rules plus the known one-off overrides give
//! exactly the published list, names included. A typo in a published date or
//! a bug in a rule makes this fail.

use accord_calendar::{Calendars, Holiday};

fn show(list: &[Holiday]) -> Vec<String> {
    list.iter()
        .map(|h| format!("{} {}", h.date, h.name))
        .collect()
}

#[test]
fn every_published_year_is_what_the_rules_and_overrides_give() {
    let calendars = Calendars::builtin();
    let mut years_checked = 0;
    for calendar in calendars.iter() {
        let years = calendar
            .published_years()
            .unwrap_or_else(|| panic!("{} ships a published list", calendar.id()));
        for year in years {
            let published = calendar.holidays(year);
            let ruled = calendar.ruled_holidays(year);
            assert_eq!(
                show(&ruled),
                show(&published),
                "{} {year}: rules plus overrides (left) differ from the published list (right)",
                calendar.id()
            );
            years_checked += 1;
        }
    }
    // Three gov.uk divisions for 2018-2027 and the Isle of Man for 2020-2026.
    assert_eq!(years_checked, 3 * 10 + 7);
}
