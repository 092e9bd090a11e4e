//! `accord demo seed` and `accord register`: writing the demo partnerships
//! into the store, and showing the open disagreements by stage. The CLI is
//! where the clock lives: the demo is built as of now, and "overdue" means
//! overdue now.

use std::{collections::BTreeMap, io::Write};

use accord_calendar::Calendars;
use accord_demo::SignIn;
use accord_policy::Policy;
use accord_store::{DatabaseLocation, Partnership, RegisterEntry, Seeded};
use jiff::Timestamp;

use crate::{Cli, CliError, Outcome, format, store_cmd};

/// `accord demo seed`: builds the demo as of now and writes what the store
/// does not have yet, then prints the counts, where the database is and
/// the sign-ins.
pub fn seed(cli: &Cli, calendars: &Calendars, out: &mut dyn Write) -> Outcome {
    let policies = accord_policy::builtin(calendars);
    let demo = accord_demo::demo(Timestamp::now(), calendars, &policies)?;
    let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
    let seeded = runtime.block_on(store.seed((&demo).into()));
    runtime.block_on(store.close());
    let seeded = seeded?;
    let at = where_is(cli)?;
    summary(&seeded, &at, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Demo sign-ins, one person per role; every demo person's password is `{}`:",
        accord_demo::DEMO_PASSWORD
    )?;
    for partnership in &demo.partnerships {
        writeln!(out)?;
        writeln!(out, "{} ({})", partnership.name, partnership.id)?;
        // One line per person, with every role they are the sign-in for.
        let mut people: Vec<(SignIn, Vec<String>)> = Vec::new();
        for s in demo.sign_ins() {
            if s.partnership != partnership.id {
                continue;
            }
            match people.iter_mut().find(|(p, _)| p.sign_in == s.sign_in) {
                Some((_, roles)) => roles.push(s.role),
                None => {
                    let role = s.role.clone();
                    people.push((s, vec![role]));
                }
            }
        }
        let width = people
            .iter()
            .map(|(s, _)| s.sign_in.len())
            .max()
            .unwrap_or(0);
        for (s, roles) in people {
            writeln!(
                out,
                "  {:width$}  {}: {}, {}",
                s.sign_in,
                roles.join(", "),
                s.name,
                s.agency
            )?;
        }
    }
    Ok(true)
}

fn summary(seeded: &Seeded, at: &str, out: &mut dyn Write) -> std::io::Result<()> {
    if seeded.added.is_empty() {
        writeln!(
            out,
            "Nothing to add: the {} demo cases are already in {at}.",
            seeded.skipped.len()
        )?;
        writeln!(
            out,
            "The directory is up to date: {} partnerships, {} agencies, {} people.",
            seeded.partnerships, seeded.agencies, seeded.people
        )
    } else {
        writeln!(out, "Seeded the demo into {at}:")?;
        writeln!(
            out,
            "  {} partnerships, {} agencies, {} people",
            seeded.partnerships, seeded.agencies, seeded.people
        )?;
        writeln!(
            out,
            "  {} cases added ({} events), {} already there",
            seeded.added.len(),
            seeded.events,
            seeded.skipped.len()
        )
    }
}

/// Where the database is, for people: the SQLite file, or a PostgreSQL URL
/// without its password.
fn where_is(cli: &Cli) -> Result<String, CliError> {
    let location = DatabaseLocation::resolve(cli.database_url.as_deref(), cli.data_dir.as_deref())?;
    Ok(match location {
        DatabaseLocation::SqliteFile(path) => path.display().to_string(),
        DatabaseLocation::SqliteUrl(url) => url,
        DatabaseLocation::PostgresUrl(url) => without_password(&url),
    })
}

/// `postgres://user:secret@host/db` as `postgres://user@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(u, _)| u);
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}

/// `accord register [--partnership P]`: every disagreement not closed or
/// withdrawn, by partnership and stage, with when it is due and whether it
/// is overdue now. A case belongs to the partnership whose agency raised it.
pub fn register(
    cli: &Cli,
    calendars: &Calendars,
    only: Option<&str>,
    out: &mut dyn Write,
) -> Outcome {
    let policies = accord_policy::builtin(calendars);
    let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
    let read = runtime.block_on(async {
        let register = store.register().await?;
        let mut partnerships = Vec::new();
        for p in store.partnerships().await? {
            let agencies = store.agencies(&p.id).await?;
            partnerships.push((p, agencies));
        }
        Ok::<_, CliError>((register, partnerships))
    });
    runtime.block_on(store.close());
    let (register, partnerships) = read?;
    if let Some(id) = only
        && !partnerships.iter().any(|(p, _)| p.id == id)
    {
        let known: Vec<&str> = partnerships.iter().map(|(p, _)| p.id.as_str()).collect();
        return Err(CliError(if known.is_empty() {
            format!(
                "there is no partnership `{id}`: the directory is empty, run `accord demo seed` first"
            )
        } else {
            format!(
                "there is no partnership `{id}`: choose one of {}",
                known.join(", ")
            )
        }));
    }
    let now = Timestamp::now();
    let mut rest: Vec<&RegisterEntry> = register.iter().collect();
    for (partnership, agencies) in &partnerships {
        let (mine, others): (Vec<&RegisterEntry>, Vec<&RegisterEntry>) = rest
            .into_iter()
            .partition(|e| agencies.iter().any(|a| a.id == e.raising_agency));
        rest = others;
        if only.is_some_and(|id| id != partnership.id) {
            continue;
        }
        section(
            &partnership.name,
            Some(partnership),
            &mine,
            &policies,
            calendars,
            now,
            out,
        )?;
    }
    if only.is_none() && partnerships.is_empty() && rest.is_empty() {
        writeln!(
            out,
            "The register is empty: `accord demo seed` adds the demo partnerships and their disagreements."
        )?;
    } else if only.is_none() && !rest.is_empty() {
        let title = "Disagreements raised by agencies in no partnership's directory";
        section(title, None, &rest, &policies, calendars, now, out)?;
    }
    Ok(true)
}

/// One partnership's disagreements, grouped by track and stage.
fn section(
    title: &str,
    partnership: Option<&Partnership>,
    entries: &[&RegisterEntry],
    policies: &[Policy],
    calendars: &Calendars,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let overdue = entries.iter().filter(|e| is_overdue(e, now)).count();
    writeln!(
        out,
        "{title}: {} disagreements, {overdue} overdue",
        entries.len()
    )?;
    if let Some(p) = partnership {
        writeln!(out, "  policy {}", p.policy)?;
    }
    // Tracks in the policy's order, then stages up the ladder.
    let policy_of = |e: &RegisterEntry| {
        policies
            .iter()
            .find(|p| p.id == e.policy && p.version == e.policy_version)
    };
    let mut by_stage: BTreeMap<_, Vec<&RegisterEntry>> = BTreeMap::new();
    for e in entries {
        let track = policy_of(e)
            .and_then(|p| p.tracks.iter().position(|t| t.id == e.track))
            .unwrap_or(usize::MAX);
        by_stage
            .entry((e.policy.clone(), track, e.track.clone(), e.stage))
            .or_default()
            .push(e);
    }
    for ((_, _, track_id, stage), mut cases) in by_stage {
        cases.sort_by_key(|e| (e.due, e.case.clone()));
        let policy = policy_of(cases[0]);
        let track = policy
            .filter(|p| p.tracks.len() > 1)
            .and_then(|p| p.track(&track_id))
            .map_or_else(String::new, |t| format!("{}, ", t.name));
        // Most documents name their stages "Stage One: …" themselves.
        let name = &cases[0].stage_name;
        if name.starts_with("Stage") {
            writeln!(out, "  {track}{name}")?;
        } else {
            writeln!(out, "  {track}Stage {stage}: {name}")?;
        }
        let zone = policy
            .and_then(|p| calendars.get(&p.calendar).ok())
            .map(|c| c.time_zone().clone())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        let width = cases
            .iter()
            .map(|e| e.case.as_str().len())
            .max()
            .unwrap_or(0);
        for e in cases {
            let when = match (e.status, e.due) {
                (accord_case::Status::Resolved, _) => "resolved, awaiting confirmation".to_owned(),
                (_, Some(due)) => format!("due {}", format::deadline(due, &zone)),
                (_, None) => "due as soon as possible".to_owned(),
            };
            let mark = if is_overdue(e, now) { "  OVERDUE" } else { "" };
            writeln!(
                out,
                "    {:width$}  {when}{mark}  ({} with {})",
                e.case.as_str(),
                e.raising_agency,
                e.other_agency
            )?;
        }
    }
    writeln!(out)?;
    Ok(())
}

/// Open and past its deadline (a stage due at midnight is overdue from
/// midnight, as `Due::is_overdue` has it).
fn is_overdue(e: &RegisterEntry, now: Timestamp) -> bool {
    e.status == accord_case::Status::Open && e.due.is_some_and(|due| now >= due)
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn a_postgres_url_is_shown_without_its_password() {
        assert_eq!(
            without_password("postgres://accord:secret@db.example:5432/accord"),
            "postgres://accord@db.example:5432/accord"
        );
        assert_eq!(
            without_password("postgresql://db.example/accord"),
            "postgresql://db.example/accord"
        );
    }
}
