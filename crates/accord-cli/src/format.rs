//! How dates, instants and timescales are written for people: UK style, in
//! Europe/London time.

use accord_calendar::Due;
use jiff::{Timestamp, civil::Date, tz::TimeZone};

/// "Wed 29 Dec 2027".
pub(crate) fn long_date(date: Date) -> String {
    date.strftime("%a %-d %b %Y").to_string()
}

/// "Fri 24 Dec 2027 09:00" in `zone`; "start of Wed 5 Jan 2028" at local
/// midnight, which is when a stage begins after the one before it ran to
/// the end of its last day.
pub(crate) fn local_time(instant: Timestamp, zone: &TimeZone) -> String {
    let local = instant.to_zoned_datetime(zone.clone());
    if local.time() == jiff::civil::Time::midnight() {
        format!("start of {}", long_date(local.date()))
    } else {
        local.strftime("%a %-d %b %Y %H:%M").to_string()
    }
}

/// "end of Wed 29 Dec 2027" for day deadlines, the local time for hours,
/// and "as soon as possible" when there is no timescale.
pub(crate) fn due(due: &Due, zone: &TimeZone) -> String {
    match due {
        Due::AsSoonAsPossible => "as soon as possible".to_owned(),
        Due::At { instant, last_day } => {
            let local = instant.to_zoned_datetime(zone.clone());
            if local.date() != *last_day {
                format!("end of {}", long_date(*last_day))
            } else {
                local_time(*instant, zone)
            }
        }
    }
}

/// A deadline known only by its instant, as the register stores it: "end
/// of Wed 29 Dec 2027" when it falls at local midnight (the end of a day
/// deadline's last day), else the local time.
pub(crate) fn deadline(instant: Timestamp, zone: &TimeZone) -> String {
    let local = instant.to_zoned_datetime(zone.clone());
    match local.date().yesterday() {
        Ok(last_day) if local.time() == jiff::civil::Time::midnight() => {
            format!("end of {}", long_date(last_day))
        }
        _ => local_time(instant, zone),
    }
}

/// A schema enum's policy-file spelling as words: `child-protection-plan`
/// becomes "child protection plan".
pub(crate) fn words<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('-', " ")))
        .unwrap_or_default()
}
