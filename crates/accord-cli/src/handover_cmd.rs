//! A leaver's open work at the command line (issue 13 §3, "Leavers"):
//! `accord user disable` lists it, and `accord user handover` hands one
//! piece to someone else, recorded on the case as the administrator named
//! with `--by` (the engine's `Command::HandOver`), exactly as the
//! administration page does.

use std::io::Write;

use accord_calendar::Calendars;
use accord_case::{CaseId, Command, Context, DirectoryEntry, OpenWork, Text};
use accord_store::{Person, Store};
use jiff::Timestamp;

use crate::CliError;

/// Writes `person`'s open work to `out`: each piece with the `--work` that
/// hands it over, and each stage only they lead by role.
pub(crate) async fn list(
    store: &Store,
    person: &Person,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let work = store.open_work_of(person).await?;
    if work.is_empty() {
        writeln!(
            out,
            "{} has no open work on any case: nothing to hand over.",
            person.sign_in
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{}'s open work, to hand over with `accord user handover {} --case CASE --work WORK --to SIGN-IN --by ADMIN --reason \"…\"`:",
        person.sign_in, person.sign_in
    )?;
    for case in &work {
        for piece in &case.work {
            writeln!(
                out,
                "  {} at Stage {}: --work {}",
                case.entry.case,
                case.entry.stage,
                piece.key()
            )?;
        }
        for role in &case.sole_lead {
            writeln!(
                out,
                "  {} at Stage {}: led by `{}`, which nobody else working in {} holds: give someone that role",
                case.entry.case,
                case.entry.stage,
                role.id(),
                person.agency
            )?;
        }
    }
    Ok(())
}

/// What `accord user handover` asks.
pub(crate) struct Handover<'a> {
    pub(crate) from: &'a str,
    pub(crate) case: &'a str,
    pub(crate) work: &'a str,
    pub(crate) to: &'a str,
    pub(crate) by: &'a str,
    pub(crate) reason: &'a str,
}

/// Hands one piece of `from`'s open work on a case to `to`, as the
/// administrator `by`; the engine refuses whoever cannot carry it.
pub(crate) async fn hand_over(
    store: &Store,
    calendars: &Calendars,
    ask: &Handover<'_>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let find = |sign_in: &str| {
        let sign_in = sign_in.to_owned();
        async move {
            store
                .person_by_sign_in(&sign_in)
                .await?
                .ok_or_else(|| CliError(format!("nobody signs in as `{sign_in}`")))
        }
    };
    let from = find(ask.from).await?;
    let to = find(ask.to).await?;
    let by = find(ask.by).await?;
    for other in [&to, &by] {
        if other.partnership != from.partnership {
            return Err(CliError(format!(
                "{} is of {}, not {}: hand work only within one partnership",
                other.sign_in, other.partnership, from.partnership
            )));
        }
    }
    let work = OpenWork::from_key(ask.work).ok_or_else(|| {
        CliError(format!(
            "`{}` is not a piece of work: use raiser, other-professional, action-N or panel-seat, as `accord user disable` lists them",
            ask.work
        ))
    })?;
    let reason = Text::parse(ask.reason).map_err(|e| CliError(format!("--reason: {e}")))?;
    let id = CaseId::parse(ask.case)
        .map_err(|_| CliError(format!("`{}` is not a case reference", ask.case)))?;
    let no_case = || CliError(format!("{} has no case {id}", from.partnership));
    store
        .register_entry(&id, &from.partnership)
        .await?
        .ok_or_else(no_case)?;
    let case = store.load_case(&id).await?.ok_or_else(no_case)?;
    // The version the case was raised under: built in, or installed.
    let policy = store
        .policy_version(case.policy(), case.policy_version(), calendars)
        .await?
        .ok_or_else(|| {
            CliError(format!(
                "{id} runs {} version {}, which Accord does not have",
                case.policy(),
                case.policy_version()
            ))
        })?;
    let calendar = calendars
        .get(&policy.calendar)
        .map_err(|e| CliError(format!("{id}'s calendar: {e}")))?;
    let ctx = Context {
        people: vec![DirectoryEntry {
            person: to.actor(),
            active: !store.account_disabled(&to.id).await?,
        }],
        ..Context::new(Timestamp::now(), by.actor())
    };
    let command = Command::HandOver {
        from: from.id.clone(),
        to: to.id.clone(),
        work,
        reason,
    };
    let events = case
        .decide(&policy, calendar, command, &ctx)
        .map_err(|r| CliError(format!("{r} ({})", r.section())))?;
    store.append(Some(case.version()), &events).await?;
    writeln!(
        out,
        "Handed {}'s {} on {id} to {}, as {}: it is on the case's record.",
        from.sign_in,
        work.key(),
        to.sign_in,
        by.sign_in
    )?;
    Ok(())
}
