//! `accord directory import|export`: a partnership's agencies and people
//! as CSV (issue 13 §3). The checking is `accord-directory`'s
//! (`csv_files`); this reads and writes the files and the store.

use std::{io::Write, path::Path};

use accord_calendar::Calendars;
use accord_directory::csv_files::{CsvFile, Stored, export_agencies, export_people, import};
use accord_store::{ChangedBy, Directory};
use jiff::Timestamp;

use crate::{Cli, CliError, DirectoryCommand, Outcome, store_cmd};

/// Runs one `accord directory …` command.
pub(crate) fn run(
    cli: &Cli,
    calendars: &Calendars,
    cmd: &DirectoryCommand,
    out: &mut dyn Write,
) -> Outcome {
    match cmd {
        DirectoryCommand::Import {
            agencies,
            people,
            partnership,
            dry_run,
        } => {
            let agencies_text = read(agencies)?;
            let people_text = read(people)?;
            let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
            let mut invited = 0;
            let done = runtime.block_on(async {
                let Some(found) = store
                    .partnerships()
                    .await?
                    .into_iter()
                    .find(|p| &p.id == partnership)
                else {
                    return Err(CliError(format!(
                        "there is no partnership `{partnership}`: create it with `accord partnership create`"
                    )));
                };
                let policy = store
                    .policy_in_force(&found.policy, calendars)
                    .await?
                    .ok_or_else(|| {
                        CliError(format!("{partnership} runs a policy Accord does not have"))
                    })?;
                let mut stored_agencies = Vec::new();
                let mut everyone = Vec::new();
                for p in store.partnerships().await? {
                    stored_agencies.extend(store.agencies(&p.id).await?);
                    everyone.extend(store.people(&p.id).await?);
                }
                let imported = import(
                    &found,
                    &policy,
                    CsvFile {
                        name: &agencies.display().to_string(),
                        text: &agencies_text,
                    },
                    CsvFile {
                        name: &people.display().to_string(),
                        text: &people_text,
                    },
                    Stored {
                        agencies: &stored_agencies,
                        people: &everyone,
                    },
                );
                let imported = match imported {
                    Ok(imported) => imported,
                    Err(mistakes) => {
                        for m in &mistakes {
                            writeln!(out, "{m}")?;
                        }
                        return Err(CliError(format!(
                            "{} mistake{} in the files: nothing was imported; correct them and run it again",
                            mistakes.len(),
                            if mistakes.len() == 1 { "" } else { "s" }
                        )));
                    }
                };
                if !*dry_run {
                    store
                        .put_directory(
                            Directory {
                                partnerships: &[],
                                agencies: &imported.agencies,
                                people: &imported.people,
                            },
                            &ChangedBy::COMMAND_LINE,
                            Timestamp::now(),
                        )
                        .await?;
                    // Issue 13 §4: the people it added are invited by email
                    // to choose their own password; nobody is invited twice.
                    let ids: Vec<_> = imported.people.iter().map(|p| &p.id).collect();
                    invited = store
                        .invite_new_people(&ids, Timestamp::now(), &ChangedBy::COMMAND_LINE)
                        .await?
                        .len();
                }
                Ok(imported)
            });
            runtime.block_on(store.close());
            let imported = done?;
            let verb = if *dry_run { "Would import" } else { "Imported" };
            writeln!(
                out,
                "{verb} {} agencies ({} new) and {} people ({} new) into {partnership}.",
                imported.agencies.len(),
                imported.new_agencies,
                imported.people.len(),
                imported.new_people
            )?;
            if *dry_run {
                writeln!(out, "Nothing was written: run it again without --dry-run.")?;
            } else if invited > 0 {
                writeln!(
                    out,
                    "Accord emails {invited} new {} an invitation to choose their own password when its background jobs next run.",
                    if invited == 1 { "person" } else { "people" }
                )?;
            }
            Ok(true)
        }
        DirectoryCommand::Export {
            partnership,
            agencies,
            people,
        } => {
            for path in [agencies, people] {
                if path.exists() {
                    return Err(CliError(format!(
                        "{} already exists: name a new file",
                        path.display()
                    )));
                }
            }
            let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
            let done = runtime.block_on(async {
                if !store
                    .partnerships()
                    .await?
                    .iter()
                    .any(|p| &p.id == partnership)
                {
                    return Err(CliError(format!("there is no partnership `{partnership}`")));
                }
                Ok((
                    store.agencies(partnership).await?,
                    store.people(partnership).await?,
                ))
            });
            runtime.block_on(store.close());
            let (found_agencies, found_people) = done?;
            write(agencies, &export_agencies(&found_agencies))?;
            write(people, &export_people(&found_people))?;
            writeln!(
                out,
                "Wrote {} agencies to {} and {} people to {}.",
                found_agencies.len(),
                agencies.display(),
                found_people.len(),
                people.display()
            )?;
            Ok(true)
        }
    }
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text)
        .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))
}
