//! The background jobs' settings (email and the address links point to),
//! read from the environment or from the server's config file, and
//! `accord jobs run-once`.

use std::{io::Write, path::Path};

use accord_calendar::Calendars;
use accord_jobs::{MailSettings, Mailer, Runner};
use accord_store::{DatabaseLocation, Store};

use crate::{Cli, CliError, Outcome};

/// Each setting: its environment variable, and its key in the config file.
const SETTINGS: [(&str, &str, &str); 9] = [
    ("ACCORD_BASE_URL", "", "base_url"),
    ("ACCORD_INVITATION_DAYS", "", "invitation_days"),
    ("ACCORD_SMTP_HOST", "smtp", "host"),
    ("ACCORD_SMTP_PORT", "smtp", "port"),
    ("ACCORD_SMTP_SECURITY", "smtp", "security"),
    ("ACCORD_SMTP_USERNAME", "smtp", "username"),
    ("ACCORD_SMTP_PASSWORD", "smtp", "password"),
    ("ACCORD_MAIL_FROM", "smtp", "from"),
    ("ACCORD_EMAIL_LEASE_SECONDS", "smtp", "lease_seconds"),
];

/// The settings the jobs run with.
pub(crate) struct JobSettings {
    /// Email, if it is set up.
    pub(crate) mail: Option<MailSettings>,
    pub(crate) base_url: Option<String>,
    /// How long a server holds an email it is sending.
    pub(crate) lease: jiff::SignedDuration,
    /// How many days an invitation's link works for, from when it is sent.
    pub(crate) invitation_days: u16,
}

impl JobSettings {
    /// A runner on `store` with these settings. Call it inside the async
    /// runtime: the mailer's connection pool lives on it.
    pub(crate) fn runner(
        self,
        store: &Store,
        policies: Vec<accord_policy::Policy>,
        calendars: &Calendars,
        default_base_url: &str,
    ) -> Result<Runner, CliError> {
        let mailer = self
            .mail
            .as_ref()
            .map(Mailer::new)
            .transpose()
            .map_err(|e| CliError(e.to_string()))?;
        Ok(Runner::new(
            store.clone(),
            policies,
            calendars.clone(),
            mailer,
            self.base_url.as_deref().unwrap_or(default_base_url),
        )
        .with_lease(self.lease)
        .with_invitation_days(self.invitation_days))
    }
}

/// Reads the settings: an environment variable wins over the config file
/// (TOML: `base_url` at the top, the rest in an `[smtp]` table).
pub(crate) fn settings(config: Option<&Path>) -> Result<JobSettings, CliError> {
    let file = match config {
        None => toml::Table::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError(format!(
                    "cannot read the config file {}: {e}",
                    path.display()
                ))
            })?;
            text.parse::<toml::Table>().map_err(|e| {
                CliError(format!(
                    "the config file {} is not valid TOML: {e}",
                    path.display()
                ))
            })?
        }
    };
    let var = |name: &str| -> Option<String> {
        if let Ok(value) = std::env::var(name) {
            return Some(value);
        }
        let (_, table, key) = SETTINGS.iter().find(|(n, _, _)| *n == name)?;
        let scope = if table.is_empty() {
            Some(&file)
        } else {
            file.get(*table).and_then(toml::Value::as_table)
        };
        match scope?.get(*key)? {
            toml::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    };
    let mut mail = MailSettings::from_vars(var).map_err(|e| CliError(e.to_string()))?;
    let lease = match var("ACCORD_EMAIL_LEASE_SECONDS") {
        None => accord_jobs::LEASE,
        Some(s) => match s.trim().parse::<u32>() {
            Ok(n) if n >= 2 => jiff::SignedDuration::from_secs(i64::from(n)),
            _ => {
                return Err(CliError(format!(
                    "ACCORD_EMAIL_LEASE_SECONDS is `{s}`: give a whole number of seconds, 2 or \
                     more (the default is 300)"
                )));
            }
        },
    };
    // A send must give up before its claim runs out, or a second server
    // could send the same email while the first still waits.
    if let Some(mail) = &mut mail {
        let half = std::time::Duration::from_secs((lease.as_secs() / 2).max(1) as u64);
        mail.timeout = mail.timeout.min(half);
    }
    let invitation_days = match var("ACCORD_INVITATION_DAYS") {
        None => accord_store::DEFAULT_INVITATION_DAYS,
        Some(s) => match s.trim().parse::<u16>() {
            Ok(n @ 1..=90) => n,
            _ => {
                return Err(CliError(format!(
                    "ACCORD_INVITATION_DAYS is `{s}`: give how many days an invitation's link \
                     works for, a whole number from 1 to 90 (the default is {})",
                    accord_store::DEFAULT_INVITATION_DAYS
                )));
            }
        },
    };
    Ok(JobSettings {
        mail,
        base_url: var("ACCORD_BASE_URL"),
        lease,
        invitation_days,
    })
}

/// `accord jobs run-once`: one pass of every background job, then a line
/// saying what it did.
pub(crate) fn run_once(
    cli: &Cli,
    calendars: &Calendars,
    config: Option<&Path>,
    out: &mut dyn Write,
) -> Outcome {
    let settings = settings(config)?;
    let location = DatabaseLocation::resolve(cli.database_url.as_deref(), cli.data_dir.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let policies = accord_policy::builtin(calendars);
        let store = Store::open_location(
            &location,
            policies.clone(),
            crate::store_cmd::master_key(cli)?,
        )
        .await?;
        let email = settings.mail.is_some();
        let runner = settings.runner(&store, policies, calendars, "http://127.0.0.1:8080")?;
        let pass = runner
            .run_once()
            .await
            .map_err(|e| CliError(format!("the jobs stopped: {e}")))?;
        store.close().await;
        writeln!(
            out,
            "Breaches recorded: {}. Reminders sent: {}. Notifications delivered in the app: {}.",
            pass.breaches, pass.reminders, pass.notifications
        )?;
        writeln!(
            out,
            "Cases given notice of erasure: {}. Cases erased under the retention schedule: {}.",
            pass.retention_notices, pass.erasures
        )?;
        if email {
            writeln!(
                out,
                "Emails sent: {}; to try again later: {}; given up on: {}.",
                pass.emails_sent, pass.emails_retrying, pass.emails_failed
            )?;
        } else {
            writeln!(
                out,
                "Email is off: set ACCORD_SMTP_HOST and ACCORD_MAIL_FROM to send it."
            )?;
        }
        Ok(true)
    })
}
