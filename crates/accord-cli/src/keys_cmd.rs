//! `accord keys new|show|rotate` and `accord erase`: the master key, and
//! erasing a case's personal data by destroying its data key (issue 17 §1).

use std::io::Write;

use accord_calendar::Calendars;
use accord_case::{CaseId, ErasureRule};
use accord_policy::RoleTier;
use accord_store::{LocalMasterKey, MasterKey};
use jiff::Timestamp;

use crate::{
    Cli, CliError, KeysCommand, Outcome,
    store_cmd::{OpenStore, open_store},
};

/// Runs `accord keys …`.
pub(crate) fn run(
    cli: &Cli,
    calendars: &Calendars,
    cmd: &KeysCommand,
    out: &mut dyn Write,
) -> Outcome {
    match cmd {
        KeysCommand::New { file } => {
            let key = LocalMasterKey::create(file).map_err(|e| CliError(e.to_string()))?;
            writeln!(
                out,
                "Wrote master key {} to {}, readable by its owner alone. Keep a copy apart from the database and its backups.",
                key.id(),
                file.display()
            )?;
            Ok(true)
        }
        KeysCommand::Show => {
            let OpenStore { runtime, store } = open_store(cli, calendars)?;
            writeln!(
                out,
                "This database's keys are wrapped by master key {}.",
                store.master_key_id()
            )?;
            runtime.block_on(store.close());
            Ok(true)
        }
        KeysCommand::Rotate { to } => {
            let new = LocalMasterKey::read(to).map_err(|e| CliError(e.to_string()))?;
            let OpenStore { runtime, store } = open_store(cli, calendars)?;
            if new.id() == store.master_key_id() {
                return Err(CliError(format!(
                    "{} holds master key {}, the one already in use: make a new one with `accord keys new FILE`",
                    to.display(),
                    new.id()
                )));
            }
            let old = store.master_key_id().to_owned();
            let (cases, secrets) = runtime.block_on(store.rotate_master_key(&new))?;
            runtime.block_on(store.close());
            writeln!(
                out,
                "Wrapped {cases} case keys, {secrets} secrets and the key ring under master key {} instead of {old}. \
                 From now on start Accord with --master-key-file {} (or ACCORD_MASTER_KEY_FILE): master key {old} opens nothing here any more.",
                new.id(),
                to.display()
            )?;
            Ok(true)
        }
    }
}

/// `accord erase CASE --by SIGN-IN [--confirm]`.
pub(crate) fn erase(
    cli: &Cli,
    calendars: &Calendars,
    case: &str,
    by: &str,
    confirm: bool,
    out: &mut dyn Write,
) -> Outcome {
    let id =
        CaseId::parse(case).map_err(|_| CliError(format!("`{case}` is not a case reference")))?;
    let OpenStore { runtime, store } = open_store(cli, calendars)?;
    let done = runtime.block_on(async {
        let person = store
            .person_by_sign_in(by)
            .await?
            .ok_or_else(|| CliError(format!("nobody signs in as `{by}`")))?;
        let actor = person.actor();
        if actor.tier != RoleTier::PartnershipTeam {
            return Err(CliError(format!(
                "{by} is not of the partnership team: only the team instructs an erasure"
            )));
        }
        store
            .register_entry(&id, &person.partnership)
            .await?
            .ok_or_else(|| CliError(format!("{} has no case {id}", person.partnership)))?;
        if !confirm {
            writeln!(
                out,
                "{id}'s personal data would be erased: its subjects' names, dates of birth and identifiers, \
                 its free text and its form answers, for good. Its stages, dates, agencies and outcome would stay. \
                 Run again with --confirm to erase it."
            )?;
            return Ok(false);
        }
        let now = Timestamp::now();
        let london = jiff::tz::TimeZone::get("Europe/London")
            .map_err(|e| CliError(format!("the Europe/London time zone: {e}")))?;
        let today = now.to_zoned_datetime(london).date();
        match store
            .erase(&id, ErasureRule::Instruction, today, now, actor)
            .await
        {
            Ok(_) => {
                writeln!(
                    out,
                    "Erased {id}'s personal data on {by}'s instruction. `accord verify` still proves the record whole."
                )?;
                Ok(true)
            }
            Err(e) => Err(CliError(e.to_string())),
        }
    });
    runtime.block_on(store.close());
    done
}
