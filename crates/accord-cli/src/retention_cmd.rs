//! `accord retention set|show|plan|hold|release` (issue 17 §2): each
//! partnership's schedule, what it makes due and when, and legal holds.

use std::io::Write;

use accord_calendar::Calendars;
use accord_case::CaseId;
use accord_policy::RoleTier;
use accord_store::{ChangedBy, RetentionDue, RetentionSchedule, Store};
use jiff::{Timestamp, civil::Date, tz::TimeZone};

use crate::{
    Cli, CliError, Outcome, RetentionCommand,
    store_cmd::{OpenStore, open_store},
};

/// Runs `accord retention …`.
pub(crate) fn run(
    cli: &Cli,
    calendars: &Calendars,
    cmd: &RetentionCommand,
    out: &mut dyn Write,
) -> Outcome {
    let OpenStore { runtime, store } = open_store(cli, calendars)?;
    let done = runtime.block_on(retention(&store, cmd, out));
    runtime.block_on(store.close());
    done
}

fn london() -> Result<TimeZone, CliError> {
    TimeZone::get("Europe/London")
        .map_err(|e| CliError(format!("the Europe/London time zone: {e}")))
}

fn long(date: Date) -> String {
    date.strftime("%-d %B %Y").to_string()
}

/// What `schedule` keeps, in words.
fn words(schedule: &RetentionSchedule) -> String {
    let mut rules = Vec::new();
    if let Some(years) = schedule.years_after_closure {
        rules.push(format!("{years} years after closure"));
    }
    if let Some(age) = schedule.until_birthday {
        rules.push(format!("until the youngest subject's {age}th birthday"));
    }
    format!(
        "each closed case is kept {}, whichever is later; the partnership team is told {} days before one is erased",
        rules.join(" and "),
        schedule.notice_days
    )
}

/// `Ok` if `id` is a partnership's; otherwise the error saying it is not.
pub(crate) async fn partnership_exists(store: &Store, id: &str) -> Result<(), CliError> {
    if store.partnerships().await?.iter().any(|p| p.id == id) {
        Ok(())
    } else {
        Err(CliError(format!("there is no partnership `{id}`")))
    }
}

/// The partnership team member signing in as `by`, and their partnership.
async fn team_member(store: &Store, by: &str) -> Result<accord_store::Person, CliError> {
    let person = store
        .person_by_sign_in(by)
        .await?
        .ok_or_else(|| CliError(format!("nobody signs in as `{by}`")))?;
    if person.actor().tier != RoleTier::PartnershipTeam {
        return Err(CliError(format!(
            "{by} is not of the partnership team: only the team places or releases a legal hold"
        )));
    }
    Ok(person)
}

async fn case_of(store: &Store, case: &str, partnership: &str) -> Result<CaseId, CliError> {
    let id =
        CaseId::parse(case).map_err(|_| CliError(format!("`{case}` is not a case reference")))?;
    store
        .register_entry(&id, partnership)
        .await?
        .ok_or_else(|| CliError(format!("{partnership} has no case {id}")))?;
    Ok(id)
}

async fn retention(store: &Store, cmd: &RetentionCommand, out: &mut dyn Write) -> Outcome {
    match cmd {
        RetentionCommand::Set {
            partnership,
            years_after_closure,
            until_birthday,
            notice_days,
        } => {
            partnership_exists(store, partnership).await?;
            let schedule = RetentionSchedule {
                years_after_closure: *years_after_closure,
                until_birthday: *until_birthday,
                notice_days: *notice_days,
            };
            store
                .set_retention_schedule(
                    partnership,
                    Some(schedule),
                    Timestamp::now(),
                    &ChangedBy::COMMAND_LINE,
                )
                .await
                .map_err(|e| CliError(e.to_string()))?;
            writeln!(
                out,
                "{partnership}'s schedule is set: {}.",
                words(&schedule)
            )?;
            Ok(true)
        }
        RetentionCommand::Show { partnership } => {
            partnership_exists(store, partnership).await?;
            match store.retention_schedule(partnership).await? {
                Some(schedule) => writeln!(out, "{partnership}: {}.", words(&schedule))?,
                None => writeln!(
                    out,
                    "{partnership} has no retention schedule, so nothing is erased: set one with `accord retention set --partnership {partnership} --years-after-closure N`."
                )?,
            }
            Ok(true)
        }
        RetentionCommand::Plan { partnership } => {
            partnership_exists(store, partnership).await?;
            let Some(schedule) = store.retention_schedule(partnership).await? else {
                writeln!(
                    out,
                    "{partnership} has no retention schedule, so nothing falls due."
                )?;
                return Ok(true);
            };
            let zone = london()?;
            let today = Timestamp::now().to_zoned_datetime(zone.clone()).date();
            let plan = store
                .retention_plan(partnership, |at| at.to_zoned_datetime(zone.clone()).date())
                .await?;
            writeln!(out, "{partnership}: {}.", words(&schedule))?;
            writeln!(out, "Nothing is changed by this list.")?;
            if plan.is_empty() {
                writeln!(out, "No closed case is waiting.")?;
            }
            for entry in &plan {
                let closed = long(entry.closed_on);
                let state = match (&entry.due, &entry.hold, &entry.notice) {
                    (_, Some(hold), _) => format!(
                        "on legal hold since {}: {}",
                        long(hold.placed_at.to_zoned_datetime(zone.clone()).date()),
                        hold.reason
                    ),
                    (RetentionDue::NoDateOfBirth, _, _) => {
                        "no subject's date of birth is known, so the birthday rule cannot date it: the partnership team decides".to_owned()
                    }
                    (RetentionDue::On { date, rule }, None, Some(notice)) => format!(
                        "due on {} ({rule}); notice given, erased on or after {}",
                        long(*date),
                        long(notice.erase_on)
                    ),
                    (RetentionDue::On { date, rule }, None, None) if *date <= today => format!(
                        "due on {} ({rule}); notice is given at the next run of the jobs, and it is erased {} days later",
                        long(*date),
                        schedule.notice_days
                    ),
                    (RetentionDue::On { date, rule }, None, None) => {
                        format!("due on {} ({rule})", long(*date))
                    }
                };
                writeln!(out, "{}  closed {closed}  {state}", entry.case)?;
            }
            Ok(true)
        }
        RetentionCommand::Hold { case, by, reason } => {
            let person = team_member(store, by).await?;
            let id = case_of(store, case, &person.partnership).await?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(CliError(
                    "--reason: say why the case is kept, such as \"Child Safeguarding Practice Review under way\"".into(),
                ));
            }
            if store
                .place_legal_hold(
                    &id,
                    &person.partnership,
                    reason,
                    &person.id,
                    Timestamp::now(),
                )
                .await?
            {
                writeln!(
                    out,
                    "{id} is on legal hold: the retention schedule does not erase it until the hold is released."
                )?;
                Ok(true)
            } else {
                Err(CliError(format!("{id} is on legal hold already")))
            }
        }
        RetentionCommand::Release { case, by } => {
            let person = team_member(store, by).await?;
            let id = case_of(store, case, &person.partnership).await?;
            if store
                .release_legal_hold(
                    &id,
                    &person.partnership,
                    Timestamp::now(),
                    &ChangedBy::Person(person.id.clone()),
                )
                .await?
            {
                writeln!(
                    out,
                    "{id}'s legal hold is released: the retention schedule applies to it again."
                )?;
                Ok(true)
            } else {
                Err(CliError(format!("{id} is not on legal hold")))
            }
        }
    }
}
