//! `accord calendar …`: list calendars, their bank holidays, and count
//! working days.

use std::{io::Write, path::Path};

use accord_calendar::{Calendar, CalendarId, Calendars, WorkingDays};
use jiff::civil::Date;
use serde::Serialize;

use crate::{CalendarCommand, CliError, Format, Outcome, format::long_date};

/// The built-in calendars, then every `*.toml` file in `dir` in name order:
/// each is either a whole calendar (which replaces a built-in one with the
/// same id) or an override list for some.
pub(crate) fn load_calendars(dir: Option<&Path>) -> Result<Calendars, CliError> {
    let mut calendars = Calendars::builtin();
    let Some(dir) = dir else {
        return Ok(calendars);
    };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        CliError(format!(
            "cannot read the calendar folder {}: {e}",
            dir.display()
        ))
    })?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for file in files {
        let source = std::fs::read_to_string(&file)
            .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?;
        let located =
            |e: accord_calendar::CalendarError| CliError(format!("{}: {e}", file.display()));
        // An override list names the calendars it changes; anything else is
        // a whole calendar (crates/accord-calendar/data/README.md).
        let is_override_list = source
            .parse::<toml::Table>()
            .is_ok_and(|table| table.contains_key("calendars"));
        if is_override_list {
            calendars.apply_overrides(&source).map_err(located)?;
        } else {
            calendars.insert(Calendar::from_toml(&source).map_err(located)?);
        }
    }
    Ok(calendars)
}

/// The years the command line answers for. Bank-holiday rules are only
/// meaningful for modern years, and far-future dates would run off the end
/// of the date range deadlines are computed in.
const YEARS: std::ops::RangeInclusive<i16> = 1900..=2200;

/// Refuses a year outside [`YEARS`] with a message saying which years work.
pub(crate) fn check_year(year: i16) -> Result<(), CliError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(CliError(format!(
            "{year} is outside the years Accord computes bank holidays for: give a year from {} to {}",
            YEARS.start(),
            YEARS.end()
        )))
    }
}

pub(crate) fn run(cmd: &CalendarCommand, calendars: &Calendars, out: &mut dyn Write) -> Outcome {
    match cmd {
        CalendarCommand::List { format } => list(calendars, *format, out),
        CalendarCommand::Holidays {
            calendar,
            year,
            format,
        } => holidays(calendars, calendar, *year, *format, out),
        CalendarCommand::AddWorkingDays {
            calendar,
            date,
            days,
        } => add_working_days(calendars, calendar, date, *days, out),
    }
}

fn list(calendars: &Calendars, format: Format, out: &mut dyn Write) -> Outcome {
    #[derive(Serialize)]
    struct Row<'a> {
        id: &'a str,
        name: &'a str,
        time_zone: &'a str,
    }
    let rows: Vec<Row> = calendars
        .iter()
        .map(|c| Row {
            id: c.id().as_str(),
            name: c.name(),
            time_zone: c.time_zone().iana_name().unwrap_or("UTC"),
        })
        .collect();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        Format::Text => {
            let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &rows {
                writeln!(out, "{:width$}  {}", r.id, r.name)?;
            }
        }
    }
    Ok(true)
}

fn holidays(
    calendars: &Calendars,
    calendar: &str,
    year: i16,
    format: Format,
    out: &mut dyn Write,
) -> Outcome {
    let calendar = calendars.get(&calendar.parse::<CalendarId>()?)?;
    check_year(year)?;
    let holidays = calendar.holidays(year);
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&holidays)?)?,
        Format::Text => {
            for h in &holidays {
                writeln!(out, "{}  {:<17}  {}", h.date, long_date(h.date), h.name)?;
            }
        }
    }
    Ok(true)
}

fn add_working_days(
    calendars: &Calendars,
    calendar: &str,
    date: &str,
    days: u32,
    out: &mut dyn Write,
) -> Outcome {
    let calendar = calendars.get(&calendar.parse::<CalendarId>()?)?;
    let date: Date = date.parse().map_err(|_| {
        CliError(format!(
            "`{date}` is not a date: write it as YYYY-MM-DD, like 2027-12-24"
        ))
    })?;
    check_year(date.year())?;
    let days = WorkingDays::try_from(days)?;
    writeln!(out, "{}", calendar.add_working_days(date, days))?;
    Ok(true)
}
