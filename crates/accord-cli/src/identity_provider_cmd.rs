//! `accord identity-provider list|add|set|remove|unknown`: single sign-on
//! (issue 16) for the operator at the server, alike with the admin pages at
//! `/admin/sign-in`. The settings are checked by the store's own
//! [`ProviderSettings::problems`], each mistake named by its option. A
//! client secret is read from a file or standard input, never taken as an
//! argument (arguments show in `ps`), and never printed. Every change is
//! recorded in the directory audit as the command line's.

use std::io::{Read, Write};

use accord_calendar::Calendars;
use accord_store::identity_providers::group_roles_text;
use accord_store::{ChangedBy, IdentityClaim, IdentityProvider, ProviderSettings, Store};
use jiff::Timestamp;

use crate::{Cli, CliError, IdentityProviderCommand, Outcome, ProviderArgs, store_cmd};

/// Runs one `accord identity-provider …` command.
pub fn run(
    cli: &Cli,
    calendars: &Calendars,
    cmd: &IdentityProviderCommand,
    out: &mut dyn Write,
) -> Outcome {
    // The secret is read before the store is opened, so that a missing
    // file is said before anything else.
    let secret = match cmd {
        IdentityProviderCommand::Add { settings, .. }
        | IdentityProviderCommand::Set { settings, .. } => read_secret(settings)?,
        _ => None,
    };
    let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
    let done = runtime.block_on(async {
        match cmd {
            IdentityProviderCommand::List { partnership } => {
                list(&store, partnership.as_deref(), out).await
            }
            IdentityProviderCommand::Add {
                partnership,
                id,
                settings,
            } => {
                let mut provider = IdentityProvider {
                    id: id.trim().to_owned(),
                    partnership: partnership.clone(),
                    name: String::new(),
                    issuer: String::new(),
                    client_id: String::new(),
                    domains: Vec::new(),
                    claim: IdentityClaim::Email,
                    mfa_acr: Vec::new(),
                    group_roles: Vec::new(),
                    passwords_off: false,
                    enabled: true,
                };
                apply(&mut provider, settings)?;
                if store.identity_provider(&provider.id).await?.is_some() {
                    return Err(CliError(format!(
                        "there is an identity provider `{}` already: choose another --id, or \
                         change it with `accord identity-provider set {}`",
                        provider.id, provider.id
                    )));
                }
                let settings = ProviderSettings {
                    provider,
                    client_secret: secret,
                };
                save(&store, calendars, &settings, true).await?;
                writeln!(
                    out,
                    "Added identity provider {} for {}: register Accord there with the redirect \
                     URL BASE_URL/sign-in/provider/callback, BASE_URL being the address people \
                     reach Accord at.",
                    settings.provider.id, settings.provider.partnership
                )?;
                Ok(true)
            }
            IdentityProviderCommand::Set {
                id,
                settings,
                no_group_roles,
                passwords_on,
                enabled,
            } => {
                let mut provider = store.identity_provider(id).await?.ok_or_else(|| {
                    CliError(format!(
                        "there is no identity provider `{id}`: `accord identity-provider list` \
                         lists them"
                    ))
                })?;
                apply(&mut provider, settings)?;
                if *no_group_roles {
                    provider.group_roles.clear();
                }
                if *passwords_on {
                    provider.passwords_off = false;
                }
                if *enabled {
                    provider.enabled = true;
                }
                let settings = ProviderSettings {
                    provider,
                    client_secret: secret,
                };
                save(&store, calendars, &settings, false).await?;
                writeln!(
                    out,
                    "Changed identity provider {}{}.",
                    settings.provider.id,
                    if settings.client_secret.is_some() {
                        ", with its new client secret"
                    } else {
                        ", its client secret kept"
                    }
                )?;
                Ok(true)
            }
            IdentityProviderCommand::Remove { id } => {
                if !store
                    .remove_identity_provider(id, Timestamp::now(), &ChangedBy::COMMAND_LINE)
                    .await?
                {
                    return Err(CliError(format!(
                        "there is no identity provider `{id}`: `accord identity-provider list` \
                         lists them"
                    )));
                }
                writeln!(
                    out,
                    "Removed identity provider {id}: its people sign in with a password."
                )?;
                Ok(true)
            }
            IdentityProviderCommand::Unknown { partnership } => {
                unknown(&store, partnership, out).await
            }
        }
    });
    runtime.block_on(store.close());
    done
}

/// The client secret from `--client-secret-file` or standard input, if
/// either was given: its lines' ends trimmed.
fn read_secret(args: &ProviderArgs) -> Result<Option<String>, CliError> {
    let text = if let Some(file) = &args.client_secret_file {
        std::fs::read_to_string(file).map_err(|e| {
            CliError(format!(
                "cannot read the client secret from {}: {e}",
                file.display()
            ))
        })?
    } else if args.client_secret_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            CliError(format!(
                "cannot read the client secret from standard input: {e}"
            ))
        })?;
        text
    } else {
        return Ok(None);
    };
    Ok(Some(text.trim().to_owned()))
}

/// `provider` with the settings given on the command line.
fn apply(provider: &mut IdentityProvider, args: &ProviderArgs) -> Result<(), CliError> {
    let words = |s: &str, lower: bool| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in s.split(|c: char| c.is_whitespace() || c == ',') {
            let w = if lower {
                w.to_lowercase()
            } else {
                w.to_owned()
            };
            if !w.is_empty() && !out.contains(&w) {
                out.push(w);
            }
        }
        out
    };
    if let Some(name) = &args.name {
        provider.name = name.trim().to_owned();
    }
    if let Some(issuer) = &args.issuer {
        provider.issuer = issuer.trim().to_owned();
    }
    if let Some(client_id) = &args.client_id {
        provider.client_id = client_id.trim().to_owned();
    }
    if let Some(domains) = &args.domains {
        provider.domains = words(domains, true);
    }
    if let Some(claim) = &args.claim {
        provider.claim = IdentityClaim::parse(claim.trim()).ok_or_else(|| {
            CliError(format!(
                "`{claim}` is not a claim Accord reads: give --claim email, sub or oid"
            ))
        })?;
    }
    if let Some(acr) = &args.mfa_acr {
        provider.mfa_acr = words(acr, false);
    }
    if !args.group_role.is_empty() {
        provider.group_roles =
            accord_store::identity_providers::parse_group_roles(&args.group_role.join("\n"));
    }
    if args.passwords_off {
        provider.passwords_off = true;
    }
    if args.disabled {
        provider.enabled = false;
    }
    Ok(())
}

/// The option that sets a field of [`ProviderSettings::problems`].
fn option_of(field: &str) -> &'static str {
    match field {
        "id" => "--id",
        "name" => "--name",
        "issuer" => "--issuer",
        "client_id" => "--client-id",
        "client_secret" => "--client-secret-file (or --client-secret-stdin)",
        "domains" => "--domains",
        "mfa_acr" => "--mfa-acr",
        "group_roles" => "--group-role",
        _ => "an option",
    }
}

/// Checks `settings` against the partnership's policy and keeps them.
async fn save(
    store: &Store,
    calendars: &Calendars,
    settings: &ProviderSettings,
    new: bool,
) -> Result<(), CliError> {
    let partnership = &settings.provider.partnership;
    let known = store
        .partnerships()
        .await?
        .into_iter()
        .find(|p| &p.id == partnership)
        .ok_or_else(|| {
            CliError(format!(
                "there is no partnership `{partnership}`: create it first with `accord \
                 partnership create`"
            ))
        })?;
    let roles: Vec<String> = store
        .policy_in_force(&known.policy, calendars)
        .await?
        .map(|p| p.roles.iter().map(|r| r.id.as_str().to_owned()).collect())
        .unwrap_or_default();
    let problems = settings.problems(&roles, new);
    if !problems.is_empty() {
        let said: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", option_of(p.field), p.message))
            .collect();
        return Err(CliError(said.join("; ")));
    }
    store
        .save_identity_provider(settings, Timestamp::now(), &ChangedBy::COMMAND_LINE)
        .await?;
    Ok(())
}

/// `accord identity-provider list`: each provider's settings, never its
/// secret.
async fn list(store: &Store, partnership: Option<&str>, out: &mut dyn Write) -> Outcome {
    let providers = store.identity_providers(partnership).await?;
    if providers.is_empty() {
        writeln!(
            out,
            "No identity providers{}: add one with `accord identity-provider add`.",
            partnership.map_or(String::new(), |p| format!(" for {p}"))
        )?;
        return Ok(true);
    }
    for (i, p) in providers.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{} ({}): {}", p.id, p.partnership, p.name)?;
        writeln!(out, "  issuer:          {}", p.issuer)?;
        writeln!(out, "  client id:       {}", p.client_id)?;
        writeln!(out, "  client secret:   set (never shown)")?;
        writeln!(out, "  domains:         {}", p.domains.join(" "))?;
        writeln!(out, "  claim:           {}", p.claim.as_str())?;
        if !p.mfa_acr.is_empty() {
            writeln!(out, "  mfa acr:         {}", p.mfa_acr.join(" "))?;
        }
        if !p.group_roles.is_empty() {
            writeln!(
                out,
                "  group roles:     {}",
                group_roles_text(&p.group_roles).replace('\n', " ")
            )?;
        }
        writeln!(
            out,
            "  local passwords: {}",
            if p.passwords_off {
                "off for these domains"
            } else {
                "on"
            }
        )?;
        writeln!(
            out,
            "  sign-in page:    {}",
            if p.enabled { "offered" } else { "not offered" }
        )?;
    }
    Ok(true)
}

/// `accord identity-provider unknown`: the people turned away.
async fn unknown(store: &Store, partnership: &str, out: &mut dyn Write) -> Outcome {
    let people = store.unknown_sign_ins(partnership).await?;
    if people.is_empty() {
        writeln!(
            out,
            "Nobody {partnership}'s identity providers vouched for has been turned away."
        )?;
        return Ok(true);
    }
    let zone = jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC);
    for u in people {
        writeln!(
            out,
            "{}  {}  via {}  first {}  last {}  {} attempt{}",
            u.email,
            if u.name.is_empty() {
                "(no name)"
            } else {
                &u.name
            },
            u.provider,
            crate::format::local_time(u.first_at, &zone),
            crate::format::local_time(u.last_at, &zone),
            u.attempts,
            if u.attempts == 1 { "" } else { "s" }
        )?;
    }
    writeln!(
        out,
        "Add those who should have an account, with `accord user add` or at /admin/people; \
         they are no longer listed once added."
    )?;
    Ok(true)
}
