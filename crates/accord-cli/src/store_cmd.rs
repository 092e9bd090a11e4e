//! `accord verify`, `accord rebuild` and `accord backup`: the commands that
//! open the event store. They alone need an async runtime, so it is made
//! here, per command, rather than in `main`.

use std::{io::Write, path::Path, sync::Arc};

use accord_calendar::Calendars;
use accord_store::{
    BackendKind, Chain, DatabaseLocation, LocalMasterKey, Located, MasterKey, Store, Verification,
    default_data_dir,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{Cli, CliError, Outcome};

/// A runtime and the store opened on it, for commands that read or write
/// the record (`verify`, `rebuild`, `backup`, `demo seed`).
pub struct OpenStore {
    /// The runtime to `block_on` store calls with.
    pub runtime: tokio::runtime::Runtime,
    /// The store at `--database-url`, or in `--data-dir`.
    pub store: Store,
}

/// Opens the store `cli` names, with the built-in policies and every
/// version a partnership installed, on `calendars`.
pub fn open_store(cli: &Cli, calendars: &Calendars) -> Result<OpenStore, CliError> {
    let location = DatabaseLocation::resolve(cli.database_url.as_deref(), cli.data_dir.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    let policies = accord_policy::builtin(calendars);
    let store = runtime.block_on(Store::open_location(&location, policies, master_key(cli)?))?;
    // The versions partnerships installed, which their cases are bound to.
    runtime.block_on(store.load_installed_policies(calendars))?;
    Ok(OpenStore { runtime, store })
}

/// The master key `cli` names, or `master.key` in the data folder, made
/// there on first run, which is said on standard error.
pub fn master_key(cli: &Cli) -> Result<Arc<dyn MasterKey>, CliError> {
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let (key, located) = LocalMasterKey::locate(cli.master_key_file.as_deref(), &data_dir)
        .map_err(|e| CliError(e.to_string()))?;
    if let Located::Made(path) = &located {
        eprintln!(
            "Accord made a new master key in {}. It unlocks the personal data of every case in \
             this database: keep a copy somewhere safe, apart from the database and its backups, \
             because without it nothing sealed can be read.",
            path.display()
        );
    }
    Ok(Arc::new(key))
}

/// `accord verify`: exit 0 with the count of events and directory audit
/// entries checked, or 1 naming the first broken or missing one, with a
/// progress bar on standard error (hidden when it is not a terminal).
pub fn verify(cli: &Cli, calendars: &Calendars, out: &mut dyn Write) -> Outcome {
    let OpenStore { runtime, store } = open_store(cli, calendars)?;
    // A long log shows how far it has got, on a terminal only.
    let total = runtime.block_on(store.event_count())?;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} events checked ({per_sec}, {eta} left)")
            .expect("the template is valid"),
    );
    let found = runtime.block_on(store.verify_with_progress(|done| bar.set_position(done)));
    bar.finish_and_clear();
    let found = found?;
    runtime.block_on(store.close());
    match found {
        Verification::Intact {
            events,
            head,
            audit_entries,
            audit_head,
        } => {
            writeln!(
                out,
                "{events} events checked: the chain is intact (head {})",
                hex_prefix(&head)
            )?;
            writeln!(
                out,
                "{audit_entries} directory audit entries checked: the audit chain is intact (head {})",
                hex_prefix(&audit_head)
            )?;
            Ok(true)
        }
        Verification::Broken(fault) => {
            writeln!(
                out,
                "verify failed after {} good {}: {fault}",
                fault.checked,
                match fault.chain {
                    Chain::Events => "events",
                    Chain::DirectoryAudit => "directory audit entries",
                }
            )?;
            Ok(false)
        }
    }
}

/// `accord rebuild`: recomputes every projection, with a progress bar on
/// standard error (hidden when it is not a terminal).
pub fn rebuild(cli: &Cli, calendars: &Calendars, out: &mut dyn Write) -> Outcome {
    let OpenStore { runtime, store } = open_store(cli, calendars)?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} events ({per_sec}, {eta} left)")
            .expect("the template is valid"),
    );
    let read = runtime.block_on(store.rebuild(|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    }));
    bar.finish_and_clear();
    let read = read?;
    runtime.block_on(store.close());
    writeln!(
        out,
        "rebuilt the case register, deadline index and outbox from {read} events"
    )?;
    Ok(true)
}

/// `accord backup FILE`: an online copy of a SQLite store; PostgreSQL says
/// how to use `pg_dump` and exits 1.
pub fn backup(cli: &Cli, calendars: &Calendars, file: &Path, out: &mut dyn Write) -> Outcome {
    let OpenStore { runtime, store } = open_store(cli, calendars)?;
    let kind = store.kind();
    let done = runtime.block_on(store.backup(file));
    runtime.block_on(store.close());
    done?;
    debug_assert_eq!(kind, BackendKind::Sqlite);
    writeln!(out, "backed up to {}", file.display())?;
    writeln!(out, "{BACKUP_HOLDS}")?;
    Ok(true)
}

/// What every backup holds, said with every backup (issue 17 §4).
pub const BACKUP_HOLDS: &str = "The copy holds every case's data key, wrapped by the master key: \
keep the master key file apart from it, since the two together open every case. A case erased \
after this copy was made stays readable in it until the copy itself is destroyed, so keep \
copies no longer than the retention schedule allows (README, \"Backups and keys\").";

fn hex_prefix(hash: &[u8; 32]) -> String {
    hash[..8].iter().map(|b| format!("{b:02x}")).collect()
}
