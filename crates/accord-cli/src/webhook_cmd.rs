//! `accord webhook list|add|pause|resume|remove` (issue 19): a
//! partnership's webhook endpoints at the command line, as on its
//! Webhooks page.

use std::io::Write;

use accord_calendar::Calendars;
use accord_store::{ChangedBy, EventKind, Store, webhook_problems};
use jiff::Timestamp;

use crate::{
    Cli, CliError, Outcome, WebhookCommand,
    retention_cmd::partnership_exists,
    store_cmd::{OpenStore, open_store},
};

/// Runs `accord webhook …`.
pub(crate) fn run(
    cli: &Cli,
    calendars: &Calendars,
    cmd: &WebhookCommand,
    out: &mut dyn Write,
) -> Outcome {
    let OpenStore { runtime, store } = open_store(cli, calendars)?;
    let done = runtime.block_on(webhook(&store, cmd, out));
    runtime.block_on(store.close());
    done
}

fn kinds_of(names: &[String]) -> Result<Vec<EventKind>, CliError> {
    if names.is_empty() {
        return Ok(EventKind::ALL.to_vec());
    }
    names
        .iter()
        .map(|name| {
            EventKind::parse(name.trim()).ok_or_else(|| {
                CliError(format!(
                    "`{name}` is not a kind of event: use {}",
                    EventKind::ALL.map(EventKind::as_str).join(", ")
                ))
            })
        })
        .collect()
}

fn io(e: std::io::Error) -> CliError {
    CliError(format!("writing the answer: {e}"))
}

async fn webhook(store: &Store, cmd: &WebhookCommand, out: &mut dyn Write) -> Outcome {
    let by = ChangedBy::COMMAND_LINE;
    let now = Timestamp::now();
    match cmd {
        WebhookCommand::List { partnership } => {
            partnership_exists(store, partnership).await?;
            let endpoints = store.webhooks(partnership).await?;
            if endpoints.is_empty() {
                writeln!(out, "{partnership} has no webhook endpoint.").map_err(io)?;
            }
            for e in endpoints {
                let standing = if e.paused {
                    "paused".to_owned()
                } else if e.failures > 0 {
                    format!("failing, {} in a row", e.failures)
                } else {
                    "active".to_owned()
                };
                let kinds: Vec<&str> = e.kinds.iter().map(|k| k.as_str()).collect();
                writeln!(out, "{}  {}  {}", e.id, e.url, standing).map_err(io)?;
                writeln!(out, "    events: {}", kinds.join(", ")).map_err(io)?;
                if e.allow_private {
                    writeln!(out, "    may reach private addresses").map_err(io)?;
                }
                match e.last_delivered_at {
                    Some(at) => writeln!(out, "    last delivered: {at}"),
                    None => writeln!(out, "    last delivered: nothing yet"),
                }
                .map_err(io)?;
                if let Some(error) = e.last_error.filter(|_| e.failures > 0) {
                    writeln!(out, "    last error: {error}").map_err(io)?;
                }
            }
            Ok(true)
        }
        WebhookCommand::Add {
            partnership,
            url,
            kinds,
            allow_private,
        } => {
            partnership_exists(store, partnership).await?;
            let kinds = kinds_of(kinds)?;
            if let Some(problem) = webhook_problems(url, &kinds, *allow_private).first() {
                let hint = if problem.message.contains("Allow private addresses") {
                    " (at the command line, --allow-private)"
                } else {
                    ""
                };
                return Err(CliError(format!(
                    "{}: {}{hint}",
                    problem.field, problem.message
                )));
            }
            let (endpoint, secret) = store
                .add_webhook(partnership, url, &kinds, *allow_private, now, &by)
                .await
                .map_err(|e| CliError(e.to_string()))?;
            writeln!(out, "Added {} for {}.", endpoint.id, endpoint.url).map_err(io)?;
            writeln!(
                out,
                "Its signing secret, shown this once; give it to whoever runs the receiver:"
            )
            .map_err(io)?;
            writeln!(out, "{secret}").map_err(io)?;
            Ok(true)
        }
        WebhookCommand::Pause { id, partnership } | WebhookCommand::Resume { id, partnership } => {
            let pause = matches!(cmd, WebhookCommand::Pause { .. });
            if !store
                .pause_webhook(partnership, id, pause, now, &by)
                .await?
            {
                return Err(CliError(format!(
                    "{partnership} has no webhook endpoint `{id}`: `accord webhook list \
                     --partnership {partnership}` lists them"
                )));
            }
            let words = if pause {
                "paused: its events wait until it is resumed"
            } else {
                "resumed: it is sent everything it missed on the next pass"
            };
            writeln!(out, "{id} is {words}.").map_err(io)?;
            Ok(true)
        }
        WebhookCommand::Remove { id, partnership } => {
            if !store.remove_webhook(partnership, id, now, &by).await? {
                return Err(CliError(format!(
                    "{partnership} has no webhook endpoint `{id}`: `accord webhook list \
                     --partnership {partnership}` lists them"
                )));
            }
            writeln!(out, "{id} is removed: it is sent nothing more.").map_err(io)?;
            Ok(true)
        }
    }
}
