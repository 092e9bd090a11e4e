//! `accord serve`: runs the web application, its JSON API and the
//! background jobs (see `accord_jobs`) on a
//! multi-threaded runtime until Ctrl-C or SIGTERM, then lets requests in
//! flight finish and closes the database before exiting.

use std::{
    io::Write,
    net::{IpAddr, SocketAddr},
};

use accord_calendar::Calendars;
use accord_store::{DatabaseLocation, Store};
use accord_web::AppState;

use crate::{Cli, CliError, Outcome, demo_cmd, jobs_cmd};

/// How `accord serve` was asked to run.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Where to listen.
    pub(crate) listen: SocketAddr,
    /// Seed the demo first.
    pub(crate) demo: bool,
    /// Mark session cookies `Secure`.
    pub(crate) secure_cookies: bool,
    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub(crate) trusted_proxies: Vec<IpAddr>,
    /// The config file, if any.
    pub(crate) config: Option<std::path::PathBuf>,
    /// How often the background jobs run.
    pub(crate) jobs_every: std::time::Duration,
    /// The timeouts and the cap on connections.
    pub(crate) limits: accord_web::ConnectionLimits,
}

/// `accord serve [--listen ADDR] [--demo] [--secure-cookies] [--trusted-proxy IP]
/// [--header-read-timeout S] [--body-read-timeout S] [--max-connections N]`.
/// Prints the address it serves on once it is listening (with `--listen
/// 127.0.0.1:0`, the port the system chose), and logs requests to standard
/// error.
pub(crate) fn serve(
    cli: &Cli,
    calendars: &Calendars,
    options: Options,
    out: &mut dyn Write,
) -> Outcome {
    let Options {
        listen,
        demo,
        secure_cookies,
        trusted_proxies,
        config,
        jobs_every,
        limits,
    } = options;
    // First, so that even seeding the demo's passwords gives memory back.
    crate::memory::return_large_blocks();
    let settings = jobs_cmd::settings(config.as_deref())?;
    if demo {
        demo_cmd::seed(cli, calendars, out)?;
        writeln!(out)?;
    }
    init_logging();
    let location = DatabaseLocation::resolve(cli.database_url.as_deref(), cli.data_dir.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let policies = accord_policy::builtin(calendars);
        let store = Store::open_location(&location, policies.clone(), crate::store_cmd::master_key(cli)?)
            .await?;
        store.load_installed_policies(calendars).await?;
        // A database that does not keep its commits through a power cut
        // loses what Accord has answered for: say so where administrators
        // look.
        for (setting, value) in store.durability().await? {
            let durable = matches!(
                (setting, value.as_str()),
                ("journal_mode", "wal") | ("synchronous", "full" | "extra") | (_, "on")
            );
            if !durable {
                tracing::warn!(
                    setting,
                    value,
                    "the database is not set to keep what it commits through a power cut"
                );
            }
        }
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            CliError(format!(
                "cannot listen on {listen}: {e}; choose another address with --listen"
            ))
        })?;
        let address = listener.local_addr()?;
        // Before announcing the address, so that a SIGTERM sent as soon as
        // it is printed shuts down gracefully rather than killing us.
        let shutdown = accord_web::shutdown_signal()?;
        writeln!(out, "Accord is serving on http://{address}/")?;
        writeln!(out, "API documentation: http://{address}/api/docs/")?;
        // An empty database has nobody who could sign in: say what to do
        // next (issue 13 §1). Only commands are printed, never a secret, so
        // the console of a shared server gives nobody a way in.
        if store.partnerships().await?.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "This database has no partnership yet, so nobody can sign in. Next:"
            )?;
            writeln!(
                out,
                "  accord partnership create ID --name \"…\" --policy BUILT-IN-ID|FILE   (accord policy list lists the built-in policies)"
            )?;
            writeln!(
                out,
                "  accord user add ID-admin --partnership ID --agency ID-team --tier admin --name \"…\" --email …   (they are emailed an invitation)"
            )?;
            writeln!(
                out,
                "The README's \"Setting up your partnership\" walks through it, with importing agencies and people from CSV."
            )?;
            writeln!(
                out,
                "Or run `accord serve --demo` to try Accord with the demo partnerships."
            )?;
        }
        out.flush()?;
        let email = settings.mail.is_some();
        let base_url = settings.base_url.clone();
        let runner = settings.runner(
            &store,
            policies.clone(),
            calendars,
            &format!("http://{address}"),
        )?;
        if email {
            writeln!(
                out,
                "Email is on: notifications are sent by SMTP as well as shown here."
            )?;
        } else {
            writeln!(
                out,
                "Email is off: notifications are shown in Accord only (see --config)."
            )?;
        }
        out.flush()?;
        let (stop_jobs, jobs_stopped) = tokio::sync::oneshot::channel::<()>();
        let jobs = tokio::spawn(runner.run(jobs_every, async {
            let _ = jobs_stopped.await;
        }));
        let state = AppState::new(store.clone(), calendars.clone(), policies)
            .with_secure_cookies(secure_cookies)
            .with_trusted_proxies(trusted_proxies)
            .with_base_url(base_url)
            .with_email(email);
        let served = accord_web::serve_with_limits(listener, state, limits, shutdown).await;
        // The jobs finish the step they are in; an email mid-send is
        // either marked or sent again after its lease.
        let _ = stop_jobs.send(());
        let _ = jobs.await;
        store.close().await;
        served.map_err(|e| CliError(format!("the server failed: {e}")))?;
        writeln!(out, "Stopped: every request in flight was answered.")?;
        Ok(true)
    })
}

/// Request and error logs to standard error, filtered by `RUST_LOG`
/// (`info` when unset). Log lines name routes and causes, never people.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests that run `execute` twice) keeps the first.
    // Colour only for a terminal: a log file keeps plain text.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
