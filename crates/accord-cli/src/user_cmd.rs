//! `accord user add|reset-password|disable|handover|reset-second-factor` and
//! `accord partnership require-second-factor`: local accounts and how
//! people sign in, for the operator at the server. `user add` invites
//! someone by email to choose their own password (issue 13 §4: nobody else
//! sees or types it). `user reset-password` is the operator's tool for when
//! email cannot reach someone: its password is read without echo at a
//! terminal, or as one line of standard input when it is piped (so scripts
//! and tests can set one); it and its hash are never printed. Every
//! change is recorded in the directory audit as made by the command line
//! ([`ChangedBy::COMMAND_LINE`]).

use std::io::{BufRead, IsTerminal, Write};

use accord_calendar::Calendars;
use accord_case::{AgencyId, PersonId};
use accord_policy::{Policy, RoleTier};
use accord_store::{
    Agency, AgencyKind, ChangedBy, Directory, LinkPurpose, Partnership, Password, Person,
};
use jiff::Timestamp;

use crate::{Cli, CliError, Outcome, PartnershipCommand, UserCommand, store_cmd};

/// Runs one `accord user …` command.
pub fn run(cli: &Cli, calendars: &Calendars, cmd: &UserCommand, out: &mut dyn Write) -> Outcome {
    match cmd {
        UserCommand::Add {
            sign_in,
            partnership,
            agency,
            name,
            email,
            tier,
            job_title,
        } => {
            let agency = AgencyId::parse(agency)
                .map_err(|_| CliError(format!("`{agency}` is not an agency id")))?;
            let id = PersonId::parse(sign_in).map_err(|_| {
                CliError(format!(
                    "`{sign_in}` cannot be a sign-in name: use 1 to 64 letters, digits, `-` or `_`"
                ))
            })?;
            let tier = parse_tier(tier)?;
            for (what, value) in [("--name", name), ("--email", email)] {
                if value.trim().is_empty() {
                    return Err(CliError(format!("{what} cannot be blank")));
                }
            }
            if !email.contains('@') {
                return Err(CliError(format!(
                    "`{email}` is not an email address: give one such as name@agency.example"
                )));
            }
            let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
            let done = runtime.block_on(async {
                let created = match store.person_by_sign_in(sign_in).await? {
                    Some(existing) if existing.sign_in != *sign_in => {
                        return Err(CliError(format!(
                            "`{sign_in}` differs only in capital letters from `{}`, who already \
                             signs in: choose another sign-in name, or use `accord user \
                             reset-password {}` for them",
                            existing.sign_in, existing.sign_in
                        )));
                    }
                    Some(existing) if existing.partnership != *partnership => {
                        return Err(CliError(format!(
                            "`{sign_in}` already signs in to partnership {}: choose another sign-in name",
                            existing.partnership
                        )));
                    }
                    Some(_) => false,
                    None => {
                        let known = store.agencies(partnership).await?;
                        if !known.iter().any(|a| a.id == agency) {
                            let ids: Vec<String> =
                                known.iter().map(|a| a.id.to_string()).collect();
                            return Err(CliError(if ids.is_empty() {
                                format!(
                                    "there is no partnership `{partnership}`: add its directory first (`accord demo seed` adds the demo partnerships)"
                                )
                            } else {
                                format!(
                                    "`{agency}` is not an agency of {partnership}: choose one of {}",
                                    ids.join(", ")
                                )
                            }));
                        }
                        let person = Person {
                            id: id.clone(),
                            sign_in: sign_in.clone(),
                            name: name.trim().to_owned(),
                            job_title: job_title.trim().to_owned(),
                            email: email.trim().to_owned(),
                            partnership: partnership.clone(),
                            agency: agency.clone(),
                            tier,
                            declared_roles: Vec::new(),
                        };
                        store
                            .put_directory(
                                Directory {
                                    partnerships: &[],
                                    agencies: &[],
                                    people: std::slice::from_ref(&person),
                                },
                                &ChangedBy::COMMAND_LINE,
                                Timestamp::now(),
                            )
                            .await?;
                        // Whoever an identity provider vouched for under
                        // this address is no longer unknown.
                        store.forget_unknown_sign_ins(&person.email).await?;
                        true
                    }
                };
                let person = store
                    .person_by_sign_in(sign_in)
                    .await?
                    .ok_or_else(|| CliError(format!("`{sign_in}` could not be added")))?;
                // Someone who already has a password is sent a reset link:
                // nobody at the server chooses or sees their password.
                let has_password = store
                    .account_states(&person.partnership)
                    .await?
                    .iter()
                    .any(|s| s.person == person.id);
                let purpose = if has_password {
                    LinkPurpose::Reset
                } else {
                    LinkPurpose::Invitation
                };
                let sent = store
                    .send_account_link(
                        &person.id,
                        purpose,
                        Timestamp::now(),
                        &ChangedBy::COMMAND_LINE,
                    )
                    .await?;
                Ok((created, purpose, sent, person.email))
            });
            runtime.block_on(store.close());
            let (created, purpose, sent, address) = done?;
            let link = match purpose {
                LinkPurpose::Invitation => "an invitation to choose their own password",
                LinkPurpose::Reset => "a link to choose a new password",
            };
            if created {
                writeln!(out, "Added {sign_in} to {partnership}.")?;
            } else {
                writeln!(
                    out,
                    "{sign_in} was already in {partnership}: their details are unchanged."
                )?;
            }
            if sent {
                writeln!(
                    out,
                    "Accord emails them {link} at {address} when its background jobs next run \
                     (with `accord serve`, or `accord jobs run-once`). If email cannot reach \
                     them, `accord user reset-password {sign_in}` sets one at the server."
                )?;
            } else {
                writeln!(
                    out,
                    "No email was sent: they have no email address, or their account is \
                     disabled. `accord user reset-password {sign_in}` sets a password at the \
                     server and enables the account."
                )?;
            }
            Ok(true)
        }
        UserCommand::ResetPassword { sign_in } => {
            let password = read_password(out)?;
            let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
            let done = runtime.block_on(async {
                let person = store.person_by_sign_in(sign_in).await?.ok_or_else(|| {
                    CliError(format!(
                        "nobody signs in as `{sign_in}`: check the name, or add them with `accord user add`"
                    ))
                })?;
                store
                    .set_password(
                        &person.id,
                        &password,
                        Timestamp::now(),
                        &ChangedBy::COMMAND_LINE,
                    )
                    .await?;
                Ok::<_, CliError>(())
            });
            runtime.block_on(store.close());
            done?;
            writeln!(
                out,
                "Set a new password for {sign_in}; their account is enabled. Their sessions, API tokens and calendar feed have ended: they sign in again and make new ones."
            )?;
            Ok(true)
        }
        UserCommand::Disable { sign_in } => {
            let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
            let done = runtime.block_on(store.disable_account(
                sign_in,
                Timestamp::now(),
                &ChangedBy::COMMAND_LINE,
            ));
            let mut listed = Vec::new();
            let work = match &done {
                // A leaver's open work is listed for handing over at once.
                Ok(true) => runtime.block_on(async {
                    match store.person_by_sign_in(sign_in).await? {
                        Some(person) => {
                            crate::handover_cmd::list(&store, &person, &mut listed).await
                        }
                        None => Ok(()),
                    }
                }),
                _ => Ok(()),
            };
            runtime.block_on(store.close());
            if done? {
                writeln!(
                    out,
                    "Disabled {sign_in}: they cannot sign in, their sessions have ended, and their API tokens and calendar feed are revoked for good. `accord user reset-password {sign_in}` lets them sign in again, with tokens and a feed they make anew."
                )?;
                work?;
                out.write_all(&listed)?;
            } else {
                writeln!(out, "{sign_in} has no password, so cannot sign in already.")?;
            }
            Ok(true)
        }
        UserCommand::Handover {
            from,
            case,
            work,
            to,
            by,
            reason,
        } => {
            let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
            let mut said = Vec::new();
            let done = runtime.block_on(crate::handover_cmd::hand_over(
                &store,
                calendars,
                &crate::handover_cmd::Handover {
                    from,
                    case,
                    work,
                    to,
                    by,
                    reason,
                },
                &mut said,
            ));
            runtime.block_on(store.close());
            done?;
            out.write_all(&said)?;
            Ok(true)
        }
        UserCommand::ResetSecondFactor { sign_in } => {
            let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
            let done = runtime.block_on(store.reset_second_factor(
                sign_in,
                Timestamp::now(),
                &ChangedBy::COMMAND_LINE,
            ));
            runtime.block_on(store.close());
            if done? {
                writeln!(
                    out,
                    "Removed {sign_in}'s second factor: they sign in with their password, and set up a new one where their partnership requires it."
                )?;
            } else {
                writeln!(out, "{sign_in} has no second factor to remove.")?;
            }
            Ok(true)
        }
    }
}

/// Runs one `accord partnership …` command.
pub fn partnership(
    cli: &Cli,
    calendars: &Calendars,
    cmd: &PartnershipCommand,
    out: &mut dyn Write,
) -> Outcome {
    match cmd {
        PartnershipCommand::Create {
            id,
            name,
            policy,
            calendar,
            case_prefix,
            team_name,
        } => create_partnership(
            cli,
            calendars,
            id,
            name,
            policy,
            calendar.as_deref(),
            case_prefix.as_deref(),
            team_name.as_deref(),
            out,
        ),
        PartnershipCommand::RequireSecondFactor { partnership, off } => {
            let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
            let done = runtime.block_on(store.require_second_factor(
                partnership,
                !off,
                Timestamp::now(),
                &ChangedBy::COMMAND_LINE,
            ));
            runtime.block_on(store.close());
            done?;
            if *off {
                writeln!(
                    out,
                    "{partnership} no longer requires a second factor; those who have one still sign in with it."
                )?;
            } else {
                writeln!(
                    out,
                    "{partnership} now requires a second factor of everyone: whoever has none sets one up at their next sign-in, before anything else."
                )?;
            }
            Ok(true)
        }
    }
}

fn parse_tier(tier: &str) -> Result<RoleTier, CliError> {
    RoleTier::ALL
        .into_iter()
        .find(|t| t.id() == tier)
        .ok_or_else(|| {
            let ids: Vec<&str> = RoleTier::ALL.iter().map(|t| t.id()).collect();
            CliError(format!(
                "`{tier}` is not a role tier: choose one of {}",
                ids.join(", ")
            ))
        })
}

/// The new password: typed twice without echo at a terminal, or one line
/// of standard input otherwise.
fn read_password(out: &mut dyn Write) -> Result<Password, CliError> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        out.flush()?;
        let first = rpassword::prompt_password("New password: ")?;
        let again = rpassword::prompt_password("The same again: ")?;
        if first != again {
            return Err(CliError(
                "the two passwords differ: run the command again".to_owned(),
            ));
        }
        first
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line.strip_suffix('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .unwrap_or(&line)
            .to_owned()
    };
    Password::parse(&text).map_err(|e| CliError(format!("{e}, and try again")))
}

/// `accord partnership create`: the partnership and its own team, written
/// as one directory change and recorded in the directory audit as the
/// command line's.
#[allow(clippy::too_many_arguments)]
fn create_partnership(
    cli: &Cli,
    calendars: &Calendars,
    id: &str,
    name: &str,
    policy: &str,
    calendar: Option<&str>,
    case_prefix: Option<&str>,
    team_name: Option<&str>,
    out: &mut dyn Write,
) -> Outcome {
    let slug = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
    };
    if !slug(id) {
        return Err(CliError(format!(
            "`{id}` cannot be a partnership id: use 1 to 64 lower-case letters, digits and `-`, such as `northshire`"
        )));
    }
    if name.trim().is_empty() {
        return Err(CliError("--name cannot be blank".into()));
    }
    let policies = accord_policy::builtin(calendars);
    // A built-in by id, or a file of the partnership's own, checked here
    // and installed as its first version once the partnership exists.
    let own: Option<(Policy, String)> = if policies.iter().any(|p| p.id.as_str() == policy) {
        None
    } else if std::path::Path::new(policy).is_file() {
        let source = std::fs::read_to_string(policy)
            .map_err(|e| CliError(format!("cannot read {policy}: {e}")))?;
        match Policy::from_toml(&source, calendars) {
            Ok(p) if policies.iter().any(|b| b.id == p.id) => {
                return Err(CliError(format!(
                    "{policy} keeps the id of the built-in policy `{}`: give your partnership's policy its own `id`, such as \"{}-{}\", or pass --policy {} to run the built-in as it is",
                    p.id,
                    id,
                    jiff::Timestamp::now().strftime("%Y"),
                    p.id
                )));
            }
            Ok(p) => Some((p, source)),
            Err(mistakes) => {
                for mistake in &mistakes {
                    writeln!(out, "{}", mistake.render(policy))?;
                }
                return Err(CliError(format!(
                    "{policy} has {} mistake{}: correct the file (`accord policy check {policy}`) and run this again; nothing was created",
                    mistakes.len(),
                    if mistakes.len() == 1 { "" } else { "s" }
                )));
            }
        }
    } else {
        let ids: Vec<&str> = policies.iter().map(|p| p.id.as_str()).collect();
        let hint = if policy.ends_with(".toml") || policy.contains('/') {
            " and no such file"
        } else {
            ""
        };
        return Err(CliError(format!(
            "there is no built-in policy `{policy}`{hint}: choose one of {}, or name a policy file of your own",
            ids.join(", ")
        )));
    };
    let policy: &Policy = match &own {
        Some((p, _)) => p,
        None => policies
            .iter()
            .find(|p| p.id.as_str() == policy)
            .expect("found above"),
    };
    // The policy sets the calendar; a different one needs a policy of the
    // partnership's own that names it.
    if let Some(wanted) = calendar {
        let names: Vec<String> = calendars.iter().map(|c| c.id().to_string()).collect();
        if !names.iter().any(|c| c == wanted) {
            return Err(CliError(format!(
                "there is no calendar `{wanted}`: choose one of {}",
                names.join(", ")
            )));
        }
        if policy.calendar.as_str() != wanted && own.is_some() {
            return Err(CliError(format!(
                "{} counts working days on the {} calendar: to count them on {wanted}, set calendar = \"{wanted}\" in the file, check it, and run this again",
                policy.id, policy.calendar
            )));
        }
        if policy.calendar.as_str() != wanted {
            return Err(CliError(format!(
                "{} counts working days on the {} calendar: to count them on {wanted}, make a policy of your own (accord policy new --from {} > ours.toml), set calendar = \"{wanted}\" in it, and pass --policy ours.toml",
                policy.id, policy.calendar, policy.id
            )));
        }
    }
    let case_prefix = match case_prefix {
        Some(p) => p.to_owned(),
        None => id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(3)
            .collect::<String>()
            .to_ascii_uppercase(),
    };
    if case_prefix.is_empty()
        || case_prefix.len() > 12
        || !case_prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(CliError(format!(
            "`{case_prefix}` cannot start case ids: use 1 to 12 capital letters or digits, such as `NOR`"
        )));
    }
    let team_id = format!("{id}-team");
    let team = AgencyId::parse(&team_id).map_err(|_| {
        CliError(format!(
            "`{team_id}` cannot be an agency id: choose a shorter partnership id"
        ))
    })?;
    let partnership = Partnership {
        id: id.to_owned(),
        name: name.trim().to_owned(),
        policy: policy.id.clone(),
        case_prefix: case_prefix.clone(),
        sign_in_prefix: id.to_owned(),
    };
    let agency = Agency {
        id: team.clone(),
        partnership: id.to_owned(),
        name: team_name.map_or_else(|| format!("{} team", name.trim()), |t| t.trim().to_owned()),
        kind: AgencyKind::PartnershipTeam,
    };
    let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
    let done = runtime.block_on(async {
        let existing = store.partnerships().await?;
        if existing.iter().any(|p| p.id == id) {
            return Err(CliError(format!(
                "there is already a partnership `{id}`: choose another id"
            )));
        }
        for p in &existing {
            if store.agencies(&p.id).await?.iter().any(|a| a.id == team) {
                return Err(CliError(format!(
                    "`{team}` is already an agency of {}: choose another partnership id",
                    p.id
                )));
            }
        }
        if existing.iter().any(|p| p.case_prefix == case_prefix) {
            return Err(CliError(format!(
                "another partnership's case ids already start `{case_prefix}`: give --case-prefix"
            )));
        }
        if own.is_some() {
            if let Some(other) = existing.iter().find(|p| p.policy == policy.id) {
                return Err(CliError(format!(
                    "the policy id `{}` belongs to another partnership ({}): give your partnership's policy its own `id`",
                    policy.id, other.id
                )));
            }
            let taken = store.installed_policies(None).await?;
            if let Some(other) = taken.iter().find(|h| h.policy == policy.id) {
                return Err(CliError(format!(
                    "the policy id `{}` belongs to another partnership ({}): give your partnership's policy its own `id`",
                    policy.id, other.partnership
                )));
            }
        }
        store
            .put_directory(
                Directory {
                    partnerships: std::slice::from_ref(&partnership),
                    agencies: std::slice::from_ref(&agency),
                    people: &[],
                },
                &ChangedBy::COMMAND_LINE,
                Timestamp::now(),
            )
            .await?;
        if let Some((file, source)) = &own {
            store
                .install_policy(
                    id,
                    file.clone(),
                    source,
                    Timestamp::now(),
                    &ChangedBy::COMMAND_LINE,
                )
                .await?;
        }
        Ok(())
    });
    runtime.block_on(store.close());
    done?;
    writeln!(
        out,
        "Created {} ({id}), running {} version {}; its case ids start {case_prefix}.",
        partnership.name, policy.id, policy.version,
    )?;
    writeln!(
        out,
        "Its own team is the agency `{team}` ({}).",
        agency.name
    )?;
    writeln!(out, "Next, add its first administrator:")?;
    writeln!(
        out,
        "  accord user add {id}-admin --partnership {id} --agency {team} --tier admin --name \"…\" --email …"
    )?;
    writeln!(
        out,
        "They are emailed an invitation to choose their password (set up email first: see `accord serve --help`; without it, `accord user reset-password {id}-admin` sets one). They sign in with `accord serve` running, and add its agencies and people on the Administration pages."
    )?;
    Ok(true)
}
