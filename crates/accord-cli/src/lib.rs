//! The `accord` command line: argument parsing and the administration tools.
//!
//! `main.rs` only calls [`run`]. Each subcommand lives in its own module and
//! writes to the writer it is given, so its output can be read back in tests
//! without a process.

mod calendar_cmd;
mod demo_cmd;
mod directory_cmd;
mod format;
mod handover_cmd;
mod identity_provider_cmd;
mod jobs_cmd;
mod keys_cmd;
mod memory;
mod policy_cmd;
mod retention_cmd;
mod serve_cmd;
pub mod store_cmd;
mod subject_access_cmd;
mod user_cmd;
mod webhook_cmd;

use std::{
    io::{self, Write},
    path::PathBuf,
    process::ExitCode,
};

use clap::{Parser, Subcommand, ValueEnum};

/// Accord runs a safeguarding partnership's escalation policy for resolving
/// professional disagreements.
#[derive(Debug, Parser)]
#[command(name = "accord", version, about, long_about = None)]
pub struct Cli {
    /// A folder of extra calendar and override files (`*.toml`) that an
    /// administrator keeps. They are read after the built-in calendars.
    #[arg(long, env = "ACCORD_CALENDAR_DIR", global = true, value_name = "DIR")]
    pub calendar_dir: Option<PathBuf>,

    /// The database: `sqlite://PATH` (the default kind: one file) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`. Without it, Accord
    /// uses `accord.sqlite` in the data folder.
    #[arg(
        long,
        env = "ACCORD_DATABASE_URL",
        global = true,
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// The data folder, created if need be, for the default SQLite
    /// database. Defaults to `$XDG_DATA_HOME/accord`, else
    /// `~/.local/share/accord`, else `./accord-data`.
    #[arg(long, env = "ACCORD_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The file holding the master key, which wraps every case's data key
    /// and the secrets kept beside the directory. Without it, Accord uses
    /// `master.key` in the data folder, made on first run. Keep it apart
    /// from the database and its backups.
    #[arg(
        long,
        env = "ACCORD_MASTER_KEY_FILE",
        global = true,
        value_name = "FILE"
    )]
    pub master_key_file: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bank-holiday calendars and working-day arithmetic.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The escalation policies Accord runs.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Walk the record's hash chains: the case events, then the directory
    /// audit. Exits 0 and prints how many of each were checked, or exits 1
    /// naming the first broken or missing one.
    Verify,
    /// Rebuild the case register, deadline index and notification outbox
    /// from the record.
    Rebuild,
    /// Copy the database while it runs. SQLite only: for PostgreSQL it says
    /// how to use `pg_dump`.
    Backup {
        /// The file to write; it must not exist.
        file: PathBuf,
    },
    /// The demo partnerships, their people and their disagreements.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// List the open disagreements by partnership and stage, with when each
    /// is due and which are overdue now.
    Register {
        /// Only this partnership, such as `havering`.
        #[arg(long, value_name = "ID")]
        partnership: Option<String>,
    },
    /// Run the web application and its JSON API until Ctrl-C or SIGTERM,
    /// then let requests in flight finish. Prints the address it serves on.
    Serve {
        /// The address and port to listen on; port 0 lets the system choose.
        #[arg(
            long,
            env = "ACCORD_LISTEN",
            default_value = "127.0.0.1:8080",
            value_name = "ADDR"
        )]
        listen: std::net::SocketAddr,
        /// Seed the demo partnerships first, as `accord demo seed` does, and
        /// print their sign-ins.
        #[arg(long)]
        demo: bool,
        /// Mark session cookies `Secure`, so browsers send them only over
        /// HTTPS: set it whenever users reach Accord through a proxy that
        /// terminates TLS.
        #[arg(long, env = "ACCORD_SECURE_COOKIES")]
        secure_cookies: bool,
        /// The address of a reverse proxy in front of Accord, whose
        /// `X-Forwarded-For` names the client (repeat it, or separate
        /// addresses with commas, for several). Without it, the sign-in
        /// throttle counts the proxy's address for everyone behind it.
        #[arg(
            long = "trusted-proxy",
            env = "ACCORD_TRUSTED_PROXIES",
            value_delimiter = ',',
            value_name = "IP"
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// The server's config file (TOML): `base_url`, `invitation_days`
        /// (how many days an invitation's link works for, from when it is
        /// sent: 7 unless set; `ACCORD_INVITATION_DAYS`), and email in an
        /// `[smtp]` table with `host`, `port`, `security` (`starttls`,
        /// `tls` or `none`), `username`, `password` and `from`. Each can
        /// be set in the environment instead: `ACCORD_BASE_URL`,
        /// `ACCORD_SMTP_HOST`, `ACCORD_SMTP_PORT`, `ACCORD_SMTP_SECURITY`,
        /// `ACCORD_SMTP_USERNAME`, `ACCORD_SMTP_PASSWORD`,
        /// `ACCORD_MAIL_FROM`. Without an SMTP host, notifications are
        /// shown in the app only.
        #[arg(long, env = "ACCORD_CONFIG", value_name = "FILE")]
        config: Option<PathBuf>,
        /// How often the background jobs run (breaches, reminders,
        /// notifications, email), in seconds.
        #[arg(
            long,
            env = "ACCORD_JOBS_EVERY",
            default_value_t = 30,
            value_name = "SECONDS"
        )]
        jobs_every: u64,
        /// How long a client has to send a request's headers, in seconds,
        /// from connecting or from the last answer on a kept-alive
        /// connection; the connection is closed after it.
        #[arg(
            long,
            env = "ACCORD_HEADER_READ_TIMEOUT",
            default_value_t = 15,
            value_name = "SECONDS"
        )]
        header_read_timeout: u64,
        /// How long a request's body has to arrive in full, in seconds;
        /// a body still incomplete is answered 400 and its connection
        /// closed.
        #[arg(
            long,
            env = "ACCORD_BODY_READ_TIMEOUT",
            default_value_t = 30,
            value_name = "SECONDS"
        )]
        body_read_timeout: u64,
        /// The most connections served at once; further clients wait
        /// until one closes.
        #[arg(
            long,
            env = "ACCORD_MAX_CONNECTIONS",
            default_value_t = 512,
            value_name = "N"
        )]
        max_connections: usize,
    },
    /// The background jobs `accord serve` runs: breaches, reminders,
    /// notifications and email.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Local accounts: add someone, set a new password, disable them, or
    /// reset a lost second factor.
    #[command(subcommand)]
    User(UserCommand),
    /// Create a partnership, and what it asks of everyone who signs in to it.
    #[command(subcommand)]
    Partnership(PartnershipCommand),
    /// A partnership's agencies and people, imported from CSV and exported
    /// to it.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Single sign-on: the identity providers (OpenID Providers) a
    /// partnership's people sign in through, and the people a provider
    /// vouched for whom the directory does not know.
    #[command(subcommand)]
    IdentityProvider(IdentityProviderCommand),
    /// The master key, which wraps every case's data key and the secrets
    /// kept beside the directory.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Each partnership's retention schedule, the cases it makes due, and
    /// legal holds that keep a case whatever it says.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// The webhook endpoints other systems are told of a partnership's
    /// cases' events at: where each stands, and adding, pausing, resuming
    /// and removing them.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Answer a subject access request: everything Accord holds about one
    /// child or professional, across every case of your partnership, with
    /// who read it and when, written as JSON and as a PDF to review before
    /// release. Free text is marked for the reviewer to check, since it
    /// may name other people. Making it is recorded.
    SubjectAccess {
        /// The sign-in of the partnership team member answering it.
        #[arg(long, value_name = "SIGN-IN")]
        by: String,
        /// Words of the child's name.
        #[arg(long, value_name = "WORDS")]
        child_name: Option<String>,
        /// The child's date of birth, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        date_of_birth: Option<String>,
        /// The child's NHS number.
        #[arg(long, value_name = "NUMBER")]
        nhs_number: Option<String>,
        /// The child's local identifier.
        #[arg(long, value_name = "ID")]
        local_id: Option<String>,
        /// A professional, by their sign-in, instead of a child.
        #[arg(long, value_name = "SIGN-IN")]
        professional: Option<String>,
        /// The folder to write the JSON and the PDF in.
        #[arg(long, value_name = "FOLDER")]
        out: PathBuf,
    },
    /// Erase a closed case's personal data on the partnership team's
    /// instruction, before the retention schedule would (such as a request
    /// to erase that was upheld): its data key is destroyed, so its
    /// subjects, free text and form answers can be read by no one; its
    /// stages, dates, agencies and outcome stay, and `accord verify` still
    /// passes. It cannot be undone.
    Erase {
        /// The case's reference, such as `HAV-2025-0001`.
        case: String,
        /// The sign-in of the partnership team member whose instruction it
        /// is.
        #[arg(long, value_name = "SIGN-IN")]
        by: String,
        /// Erase it: without this, say what would be erased and change
        /// nothing.
        #[arg(long)]
        confirm: bool,
    },
}

/// `accord retention …`. Changes are recorded in the directory audit.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Set a partnership's schedule. A case is kept while any rule given
    /// keeps it, and falls due when all have passed.
    Set {
        /// The partnership, such as `havering`.
        #[arg(long, value_name = "ID")]
        partnership: String,
        /// Keep each case this many years after it closed or was withdrawn.
        #[arg(long, value_name = "YEARS")]
        years_after_closure: Option<u32>,
        /// Keep each case until its youngest subject's birthday of this age.
        #[arg(long, value_name = "AGE")]
        until_birthday: Option<u32>,
        /// Tell the partnership team this many days before erasing a case.
        #[arg(long, value_name = "DAYS", default_value_t = 30)]
        notice_days: u32,
    },
    /// Show a partnership's schedule.
    Show {
        /// The partnership.
        #[arg(long, value_name = "ID")]
        partnership: String,
    },
    /// List what falls due under a partnership's schedule, and when,
    /// changing nothing.
    Plan {
        /// The partnership.
        #[arg(long, value_name = "ID")]
        partnership: String,
    },
    /// Keep a case whatever the schedule says, such as during a Child
    /// Safeguarding Practice Review or court proceedings.
    Hold {
        /// The case's reference.
        case: String,
        /// The sign-in of the partnership team member placing it.
        #[arg(long, value_name = "SIGN-IN")]
        by: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Release a legal hold: the schedule applies to the case again.
    Release {
        /// The case's reference.
        case: String,
        /// The sign-in of the partnership team member releasing it.
        #[arg(long, value_name = "SIGN-IN")]
        by: String,
    },
}

/// `accord webhook …`. Changes are recorded in the directory audit, as
/// made at the command line.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// List a partnership's endpoints: each one's address, kinds of event,
    /// whether it is active, failing or paused, and its last error.
    List {
        /// The partnership, such as `havering`.
        #[arg(long, value_name = "ID")]
        partnership: String,
    },
    /// Add an endpoint and print its signing secret, which is shown this
    /// once. It is told the events recorded from now on.
    Add {
        /// The partnership.
        #[arg(long, value_name = "ID")]
        partnership: String,
        /// Where to post each event, starting https://.
        #[arg(long, value_name = "URL")]
        url: String,
        /// A kind of event to send: raised, escalated, deadline_breached,
        /// resolved, withdrawn, closed or reopened. Repeat it for more;
        /// every kind when not given.
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
        /// Let it reach private addresses and this machine: only for a
        /// receiver on your own network.
        #[arg(long)]
        allow_private: bool,
    },
    /// Pause an endpoint: its events wait until it is resumed.
    Pause {
        /// The endpoint's id, such as `wh-0123456789abcdef`.
        id: String,
        /// Its partnership.
        #[arg(long, value_name = "ID")]
        partnership: String,
    },
    /// Resume an endpoint: it is tried at once and sent what it missed.
    Resume {
        /// The endpoint's id.
        id: String,
        /// Its partnership.
        #[arg(long, value_name = "ID")]
        partnership: String,
    },
    /// Remove an endpoint: it is sent nothing more.
    Remove {
        /// The endpoint's id.
        id: String,
        /// Its partnership.
        #[arg(long, value_name = "ID")]
        partnership: String,
    },
}

/// `accord keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new master key to FILE, which must not exist, readable by
    /// its owner alone.
    New {
        /// The file.
        file: PathBuf,
    },
    /// Say which master key is in use: its id, never the key.
    Show,
    /// Wrap every case's data key and every sealed secret under the master
    /// key in FILE instead of the one in use, in one transaction, without
    /// rewriting an event. Then start Accord with `--master-key-file FILE`:
    /// the old key no longer opens anything.
    Rotate {
        /// The file holding the new master key, as `accord keys new` writes.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
}

/// `accord identity-provider …`. A client secret is read from a file
/// (`--client-secret-file`) or standard input (`--client-secret-stdin`),
/// never from an argument, which anyone on the server could read in `ps`;
/// and it is never printed. Every change is recorded in the directory
/// audit as made by the command line.
#[derive(Debug, Subcommand)]
pub enum IdentityProviderCommand {
    /// List the identity providers, each with its settings but never its
    /// client secret.
    List {
        /// Only this partnership's, such as `havering`.
        #[arg(long, value_name = "ID")]
        partnership: Option<String>,
    },
    /// Add an identity provider to a partnership. Register Accord at the
    /// provider first, with the redirect URL
    /// `BASE_URL/sign-in/provider/callback`.
    Add {
        /// The partnership whose people sign in through it, such as
        /// `havering`.
        #[arg(long, value_name = "ID")]
        partnership: String,
        /// Its id, of lower-case letters, digits and hyphens, such as
        /// `havering-entra`.
        #[arg(long)]
        id: String,
        /// What it is set to.
        #[command(flatten)]
        settings: ProviderArgs,
    },
    /// Change an identity provider: only the settings given change.
    Set {
        /// Its id.
        id: String,
        /// What changes.
        #[command(flatten)]
        settings: ProviderArgs,
        /// Replace its groups with none (`--group-role` replaces them with
        /// those given).
        #[arg(long, conflicts_with = "group_role")]
        no_group_roles: bool,
        /// Switch local passwords back on for its domains.
        #[arg(long, conflicts_with = "passwords_off")]
        passwords_on: bool,
        /// Offer it on the sign-in page again.
        #[arg(long, conflicts_with = "disabled")]
        enabled: bool,
    },
    /// Remove an identity provider, with the people linked through it;
    /// its people sign in with a password again.
    Remove {
        /// Its id.
        id: String,
    },
    /// List the people a partnership's providers vouched for whom the
    /// directory does not know, most recent first, to add with `accord
    /// user add`.
    Unknown {
        /// The partnership's id, such as `havering`.
        #[arg(long, value_name = "ID")]
        partnership: String,
    },
}

/// An identity provider's settings on the command line; `add` needs
/// `--name`, `--issuer`, `--client-id`, `--domains` and a client secret.
#[derive(Debug, clap::Args)]
pub struct ProviderArgs {
    /// Its name on the sign-in page, such as "London Borough of Havering".
    #[arg(long)]
    pub name: Option<String>,
    /// The issuer's URL, such as
    /// `https://login.microsoftonline.com/TENANT-ID/v2.0`.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// The client id (application id) the provider gave Accord.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// A file holding the client secret the provider gave Accord.
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// Read the client secret from standard input.
    #[arg(long, conflicts_with = "client_secret_file")]
    pub client_secret_stdin: bool,
    /// The email domains it serves, separated by spaces or commas, such as
    /// "havering.gov.uk onesource.co.uk".
    #[arg(long)]
    pub domains: Option<String>,
    /// Which claim identifies a person: email, sub, or oid (Microsoft
    /// Entra ID's object id). email when added without it.
    #[arg(long)]
    pub claim: Option<String>,
    /// The acr values that show the provider's own second factor,
    /// separated by spaces (an amr of mfa always does).
    #[arg(long, value_name = "VALUES")]
    pub mfa_acr: Option<String>,
    /// A value of the provider's groups claim that gives a role of the
    /// partnership's policy, as group=role; repeat it for several.
    #[arg(long, value_name = "GROUP=ROLE")]
    pub group_role: Vec<String>,
    /// Switch off local passwords for people of its domains: they must
    /// sign in through it.
    #[arg(long)]
    pub passwords_off: bool,
    /// Do not offer it on the sign-in page, nor accept it.
    #[arg(long)]
    pub disabled: bool,
}

/// `accord jobs …`
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run every background job once and say what it did: safe beside a
    /// running server, which would do the same work on its next pass.
    RunOnce {
        /// The server's config file, as for `accord serve --config`.
        #[arg(long, env = "ACCORD_CONFIG", value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// `accord directory …`. The files are `agencies.csv` (`id,name,kind`)
/// and `people.csv` (`sign_in,name,email,agency,tier,roles,job_title`),
/// as README's "Setting up your partnership" sets out.
#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Import agencies and people from CSV into a partnership: every
    /// mistake is printed as FILE:LINE:COLUMN with what to do, and nothing
    /// is written while any remains. People already in the directory are
    /// matched by sign-in name or email and updated in place.
    Import {
        /// The agencies file.
        agencies: PathBuf,
        /// The people file.
        people: PathBuf,
        /// The partnership's id, such as `northshire`.
        #[arg(long)]
        partnership: String,
        /// Check the files and say what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a partnership's agencies and people as the two CSV files an
    /// import reads; for a partnership with none yet, they are templates.
    Export {
        /// The partnership's id.
        #[arg(long)]
        partnership: String,
        /// Where to write the agencies; it must not exist.
        #[arg(long)]
        agencies: PathBuf,
        /// Where to write the people; it must not exist.
        #[arg(long)]
        people: PathBuf,
    },
}

/// `accord partnership …`
#[derive(Debug, Subcommand)]
pub enum PartnershipCommand {
    /// Create a partnership from nothing, with its own team as its first
    /// agency, so that its first administrator can be added with `accord
    /// user add … --tier admin`. It runs the policy named, a built-in or a
    /// file of its own; it can install new versions later with `accord
    /// policy install`.
    Create {
        /// Its id, such as `northshire`: 1 to 64 lower-case letters, digits
        /// and `-`.
        id: String,
        /// Its name, such as "Northshire Safeguarding Children Partnership".
        #[arg(long)]
        name: String,
        /// The policy it runs: a built-in, such as `havering-2022`
        /// (`accord policy list` lists them), or a policy file of its own,
        /// such as `ours.toml`, which is checked and installed as its first
        /// version.
        #[arg(long)]
        policy: String,
        /// The bank-holiday calendar its working days are counted on, such
        /// as `scotland` (`accord calendar list`): checked against the
        /// policy's own, which sets it.
        #[arg(long)]
        calendar: Option<String>,
        /// The start of its case ids, such as `NOR` in `NOR-2026-0001`;
        /// made from its id when left out.
        #[arg(long)]
        case_prefix: Option<String>,
        /// The name of its own team, the agency of its Business Manager,
        /// chair and administrators; "<name> team" when left out.
        #[arg(long)]
        team_name: Option<String>,
    },
    /// Require a second factor (a code from an authenticator app) of
    /// everyone who signs in to a partnership, whatever their role; people
    /// without one set it up at their next sign-in, before anything else.
    RequireSecondFactor {
        /// The partnership's id, such as `havering`.
        partnership: String,
        /// Stop requiring it: people who have one keep using it.
        #[arg(long)]
        off: bool,
    },
}

/// `accord user …`. Passwords are read without echo, or as one line of
/// standard input when it is not a terminal; they must have 12 to 256
/// characters.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add someone to a partnership's directory (unless they are there
    /// already) and email them an invitation: a single-use link with which
    /// they choose their own password. Someone who already has a password
    /// is sent a link to choose a new one instead.
    Add {
        /// The name they sign in with, such as `hav-police-manager2`.
        #[arg(long, value_name = "NAME")]
        sign_in: String,
        /// Their partnership's id, such as `havering`.
        #[arg(long, value_name = "ID")]
        partnership: String,
        /// Their agency's id, one of the partnership's.
        #[arg(long, value_name = "ID")]
        agency: String,
        /// Their full name.
        #[arg(long)]
        name: String,
        /// Their email address.
        #[arg(long)]
        email: String,
        /// Their role tier: practitioner, manager, safeguarding-lead,
        /// senior-manager, head-of-service, partnership-team, chair,
        /// panel-member, iro or admin.
        #[arg(long)]
        tier: String,
        /// Their job title.
        #[arg(long, default_value = "")]
        job_title: String,
    },
    /// The operator's tool for when email cannot reach someone: set a new
    /// password for them at the server, enabling their account if it was
    /// disabled, and end their sessions, API tokens and calendar feed.
    /// Otherwise let people choose their own: `accord user add` invites
    /// them, administrators send a reset link from the person's page, and
    /// anyone can ask for one with "Forgotten your password?" at sign-in.
    ResetPassword {
        /// The name they sign in with.
        sign_in: String,
    },
    /// Stop someone signing in, end their sessions, and revoke their API
    /// tokens and calendar feed for good.
    Disable {
        /// The name they sign in with.
        sign_in: String,
    },
    /// Hand one piece of a leaver's open work on a case (as `accord user
    /// disable` lists it) to someone else, recorded on the case as done by
    /// the administrator `--by` (issue 13 §3).
    Handover {
        /// The sign-in of who holds the work now.
        from: String,
        /// The case's reference, such as `HAV-2025-0001`.
        #[arg(long)]
        case: String,
        /// The piece: raiser, other-professional, action-N or panel-seat.
        #[arg(long)]
        work: String,
        /// The sign-in of who takes it on.
        #[arg(long)]
        to: String,
        /// The sign-in of the partnership's administrator handing it over.
        #[arg(long)]
        by: String,
        /// Why, such as "left the service on 31 March".
        #[arg(long)]
        reason: String,
    },
    /// Remove someone's second factor, for a lost or replaced phone; where
    /// their partnership requires one they set up a new one at their next
    /// sign-in.
    ResetSecondFactor {
        /// The name they sign in with.
        sign_in: String,
    },
}

/// `accord demo …`
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Write a demo partnership for each built-in policy into the database:
    /// agencies, people in every role, and disagreements at every stage,
    /// some overdue, some resolved, some closed. Running it again adds
    /// nothing. Prints the demo sign-ins.
    Seed,
}

/// `accord calendar …`
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// List the calendars.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List a calendar's bank holidays in one year.
    Holidays {
        /// The calendar's id, such as `england-and-wales`.
        calendar: String,
        /// The year, such as 2027.
        year: i16,
        /// Output format. JSON is an array of `{"date":"YYYY-MM-DD","name":"..."}`.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the Nth working day strictly after a date, as YYYY-MM-DD.
    AddWorkingDays {
        /// The calendar's id, such as `england-and-wales`.
        calendar: String,
        /// The date to count from, as YYYY-MM-DD.
        date: String,
        /// How many working days to add (at least 1).
        days: u32,
    },
}

/// `accord policy …`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List the built-in policies.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show everything a policy says: tracks, stages, timescales, forms,
    /// notifications, panel rules and notes.
    Show {
        /// The policy's id, such as `havering-2022`, or the id of a
        /// partnership's own installed policy.
        id: String,
        /// Which version of an installed policy; the newest when left out.
        #[arg(long)]
        version: Option<u32>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a built-in policy's file, to start a partnership's own policy
    /// from: `accord policy new --from havering-2022 > ours.toml`, then
    /// edit it and `accord policy check ours.toml`.
    New {
        /// The built-in policy to copy, such as `havering-2022`.
        #[arg(long)]
        from: String,
    },
    /// Check policy files. Exits 0 when every file is valid; otherwise
    /// prints each mistake as FILE:LINE:COL: message, with a hint, and
    /// exits 1.
    Check {
        /// The policy files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Install a partnership's own policy file as the version in force.
    /// The file is checked first, and every mistake printed as
    /// FILE:LINE:COL with a hint; then what changes against the version in
    /// force is listed. Nothing is installed without --yes. Disagreements
    /// raised afterwards run under the new version; open ones carry on
    /// under the version they were raised under, deadlines unchanged.
    Install {
        /// The policy file, such as `ours.toml` (start one with `accord
        /// policy new --from havering-2022`).
        file: PathBuf,
        /// The partnership's id, such as `northshire`.
        #[arg(long)]
        partnership: String,
        /// Install it. Without this, only show what would change.
        #[arg(long)]
        yes: bool,
    },
    /// List the policy versions a partnership has installed, each with
    /// when it took effect and who installed it, and the one in force.
    History {
        /// The partnership's id, such as `northshire`.
        #[arg(long)]
        partnership: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show when each stage would start and fall due if every stage ran to
    /// its full timescale and was escalated on its last day.
    Timeline {
        /// The policy's id, such as `havering-2022`.
        id: String,
        /// The track's id; the policy's first track when left out.
        #[arg(long)]
        track: Option<String>,
        /// When the disagreement was raised, in UK local time, as
        /// YYYY-MM-DDTHH:MM.
        #[arg(long)]
        raised: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// How a command prints what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For programs.
    Json,
}

/// A failure the person at the terminal can act on. Printed as one line,
/// `error: …`, and the process exits 1. It never carries personal data.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

/// What a command returns: `Ok(true)` for success, `Ok(false)` when it ran
/// and found problems (such as `policy check` finding mistakes).
pub type Outcome = Result<bool, CliError>;

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let outcome = execute(&cli, &mut out);
    let _ = out.flush();
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(CliError(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// Runs one parsed command, writing its output to `out`.
pub fn execute(cli: &Cli, out: &mut dyn Write) -> Outcome {
    let calendars = calendar_cmd::load_calendars(cli.calendar_dir.as_deref())?;
    match &cli.command {
        Command::Calendar(cmd) => calendar_cmd::run(cmd, &calendars, out),
        Command::Policy(cmd) => policy_cmd::run(cli, cmd, &calendars, out),
        Command::Verify => store_cmd::verify(cli, &calendars, out),
        Command::Rebuild => store_cmd::rebuild(cli, &calendars, out),
        Command::Backup { file } => store_cmd::backup(cli, &calendars, file, out),
        Command::Demo(DemoCommand::Seed) => demo_cmd::seed(cli, &calendars, out),
        Command::Register { partnership } => {
            demo_cmd::register(cli, &calendars, partnership.as_deref(), out)
        }
        Command::Serve {
            listen,
            demo,
            secure_cookies,
            trusted_proxies,
            config,
            jobs_every,
            header_read_timeout,
            body_read_timeout,
            max_connections,
        } => serve_cmd::serve(
            cli,
            &calendars,
            serve_cmd::Options {
                listen: *listen,
                demo: *demo,
                secure_cookies: *secure_cookies,
                trusted_proxies: trusted_proxies.clone(),
                config: config.clone(),
                jobs_every: std::time::Duration::from_secs((*jobs_every).max(1)),
                limits: accord_web::ConnectionLimits {
                    header_read_timeout: std::time::Duration::from_secs(
                        (*header_read_timeout).max(1),
                    ),
                    body_read_timeout: std::time::Duration::from_secs((*body_read_timeout).max(1)),
                    max_connections: (*max_connections).max(1),
                },
            },
            out,
        ),
        Command::Jobs(JobsCommand::RunOnce { config }) => {
            jobs_cmd::run_once(cli, &calendars, config.as_deref(), out)
        }
        Command::User(cmd) => user_cmd::run(cli, &calendars, cmd, out),
        Command::Partnership(cmd) => user_cmd::partnership(cli, &calendars, cmd, out),
        Command::Directory(cmd) => directory_cmd::run(cli, &calendars, cmd, out),
        Command::IdentityProvider(cmd) => identity_provider_cmd::run(cli, &calendars, cmd, out),
        Command::Keys(cmd) => keys_cmd::run(cli, &calendars, cmd, out),
        Command::Retention(cmd) => retention_cmd::run(cli, &calendars, cmd, out),
        Command::Webhook(cmd) => webhook_cmd::run(cli, &calendars, cmd, out),
        Command::SubjectAccess {
            by,
            child_name,
            date_of_birth,
            nhs_number,
            local_id,
            professional,
            out: folder,
        } => subject_access_cmd::run(
            cli,
            &calendars,
            &subject_access_cmd::Asked {
                by,
                child_name: child_name.as_deref(),
                date_of_birth: date_of_birth.as_deref(),
                nhs_number: nhs_number.as_deref(),
                local_id: local_id.as_deref(),
                professional: professional.as_deref(),
                out: folder,
            },
            out,
        ),
        Command::Erase { case, by, confirm } => {
            keys_cmd::erase(cli, &calendars, case, by, *confirm, out)
        }
    }
}
