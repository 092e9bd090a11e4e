//! `accord policy …`: list, show, check and draw the timeline of policies.

use std::io::Write;

use accord_calendar::{Calendars, Timescale};
use accord_policy::{
    CountFrom, Field, FieldKind, FieldRequired, Form, FormNeeded, Policy, PolicyId, SignpostEffect,
    Stage, Track, TrackId, timeline,
};
use jiff::{civil::DateTime, tz::TimeZone};
use serde::Serialize;

use accord_store::ChangedBy;
use jiff::Timestamp;

use crate::{
    Cli, CliError, Format, Outcome, PolicyCommand,
    format::{due, local_time, words},
    store_cmd,
};

pub(crate) fn run(
    cli: &Cli,
    cmd: &PolicyCommand,
    calendars: &Calendars,
    out: &mut dyn Write,
) -> Outcome {
    match cmd {
        PolicyCommand::List { format } => list(&accord_policy::builtin(calendars), *format, out),
        PolicyCommand::Show {
            id,
            version,
            format,
        } => {
            let policies = accord_policy::builtin(calendars);
            let installed;
            let policy = match (find(&policies, id), version) {
                (Ok(p), None) => p,
                (Ok(p), Some(v)) if p.version == *v => p,
                (found, _) => {
                    installed = installed_version(cli, calendars, id, *version)?.ok_or_else(
                        || match found {
                            Err(e) => e,
                            Ok(p) => CliError(format!(
                                "the built-in policy {id} has version {} only",
                                p.version
                            )),
                        },
                    )?;
                    &installed
                }
            };
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(policy)?)?,
                Format::Text => show(policy, out)?,
            }
            Ok(true)
        }
        PolicyCommand::Install {
            file,
            partnership,
            yes,
        } => install(cli, calendars, file, partnership, *yes, out),
        PolicyCommand::History {
            partnership,
            format,
        } => history(cli, calendars, partnership, *format, out),
        PolicyCommand::Check { files } => check(files, calendars, out),
        PolicyCommand::New { from } => {
            let policies = accord_policy::builtin(calendars);
            let policy = find(&policies, from)?;
            let (_, source) = accord_policy::BUILTIN
                .iter()
                .find(|(id, _)| *id == policy.id.as_str())
                .expect("every built-in policy has its source");
            // A header of comments, so the copy is still a valid policy
            // file that `accord policy check` passes as it stands.
            writeln!(
                out,
                "# A copy of the built-in policy {} version {}, to make a partnership's own.\n\
                 # Change at least `id` (your partnership's, such as \"northshire-2026\"),\n\
                 # `partnership` and `title`; then the stages, timescales, roles, forms and\n\
                 # notifications your own document sets out, each with its `section`.\n\
                 # Check it with: accord policy check FILE\n",
                policy.id, policy.version
            )?;
            out.write_all(source.as_bytes())?;
            Ok(true)
        }
        PolicyCommand::Timeline {
            id,
            track,
            raised,
            format,
        } => {
            let policies = accord_policy::builtin(calendars);
            let policy = find(&policies, id)?;
            print_timeline(policy, calendars, track.as_deref(), raised, *format, out)
        }
    }
}

/// An installed policy `id` at `version` (the newest when `None`), from the
/// store `cli` names.
fn installed_version(
    cli: &Cli,
    calendars: &Calendars,
    id: &str,
    version: Option<u32>,
) -> Result<Option<Policy>, CliError> {
    let Ok(id) = id.parse::<PolicyId>() else {
        return Ok(None);
    };
    let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
    let found = match version {
        Some(v) => store.policies().get(&id, v).cloned(),
        None => store.policies().newest(&id).cloned(),
    };
    runtime.block_on(store.close());
    Ok(found.map(|p| Policy::clone(&p)))
}

/// `accord policy install FILE --partnership ID [--yes]`.
fn install(
    cli: &Cli,
    calendars: &Calendars,
    file: &std::path::Path,
    partnership: &str,
    yes: bool,
    out: &mut dyn Write,
) -> Outcome {
    let name = file.display().to_string();
    let source =
        std::fs::read_to_string(file).map_err(|e| CliError(format!("cannot read {name}: {e}")))?;
    let policy = match Policy::from_toml(&source, calendars) {
        Ok(policy) => policy,
        Err(mistakes) => {
            for mistake in &mistakes {
                writeln!(out, "{}", mistake.render(&name))?;
            }
            let n = mistakes.len();
            writeln!(
                out,
                "{name}: {n} mistake{}; nothing is installed",
                if n == 1 { "" } else { "s" }
            )?;
            return Ok(false);
        }
    };
    writeln!(
        out,
        "{name}: valid policy {} version {}",
        policy.id, policy.version
    )?;
    let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
    let done = runtime.block_on(async {
        let (in_force, history) = standing(&store, calendars, partnership).await?;
        match &in_force {
            Some(current) => {
                let since = history
                    .iter()
                    .rev()
                    .find(|h| h.policy == current.id && h.version == current.version)
                    .map(|h| format!(", in force since {}", uk_time(h.installed_at)))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "\nWhat changes against {} version {}{since}:",
                    current.id, current.version
                )?;
                write_changes(current, &policy, out)?;
            }
            None => writeln!(out, "\n{partnership} has no policy in force yet.")?,
        }
        // What installing it would meet, said before anyone confirms.
        match store.may_install(partnership, &policy, &source).await {
            Ok(false) => {}
            Ok(true) => {
                writeln!(
                    out,
                    "\n{} version {} is already in force for {partnership}: nothing to install.",
                    policy.id, policy.version
                )?;
                return Ok(true);
            }
            Err(e) => return Err(CliError(e.to_string())),
        }
        if !yes {
            writeln!(
                out,
                "\nNothing is installed yet. To install version {} for {partnership}, run this again with --yes.",
                policy.version
            )?;
            return Ok(true);
        }
        let open = store
            .register_of(partnership)
            .await
            .map(|r| r.iter().filter(|e| e.status == accord_case::Status::Open).count())
            .unwrap_or(0);
        let installed = store
            .install_policy(partnership, policy, &source, Timestamp::now(), &ChangedBy::COMMAND_LINE)
            .await?;
        if installed.unchanged {
            writeln!(
                out,
                "\n{} version {} is already in force for {partnership}: nothing changed.",
                installed.policy.id, installed.policy.version
            )?;
        } else {
            writeln!(
                out,
                "\nInstalled {} version {} for {partnership}. Disagreements raised from now on run under it; the {open} open one{} carr{} on under the version{} {} raised under, with {} deadlines unchanged.",
                installed.policy.id,
                installed.policy.version,
                if open == 1 { "" } else { "s" },
                if open == 1 { "ies" } else { "y" },
                if open == 1 { "" } else { "s" },
                if open == 1 { "it was" } else { "they were" },
                if open == 1 { "its" } else { "their" },
            )?;
        }
        Ok(true)
    });
    runtime.block_on(store.close());
    done
}

/// The version of its policy `partnership` has in force, and every
/// version it installed.
async fn standing(
    store: &accord_store::Store,
    calendars: &Calendars,
    partnership: &str,
) -> Result<
    (
        Option<std::sync::Arc<Policy>>,
        Vec<accord_store::InstalledPolicy>,
    ),
    CliError,
> {
    let Some(found) = store
        .partnerships()
        .await?
        .into_iter()
        .find(|p| p.id == partnership)
    else {
        return Err(CliError(format!(
            "there is no partnership `{partnership}`: create it with `accord partnership create`"
        )));
    };
    let in_force = store.policy_in_force(&found.policy, calendars).await?;
    let history = store.installed_policies(Some(partnership)).await?;
    Ok((in_force, history))
}

/// `accord policy history --partnership ID`.
fn history(
    cli: &Cli,
    calendars: &Calendars,
    partnership: &str,
    format: Format,
    out: &mut dyn Write,
) -> Outcome {
    let store_cmd::OpenStore { runtime, store } = store_cmd::open_store(cli, calendars)?;
    let done = runtime.block_on(async { standing(&store, calendars, partnership).await });
    runtime.block_on(store.close());
    let (in_force, history) = done?;
    let in_force = in_force.map(|p| (p.id.clone(), p.version));
    #[derive(Serialize)]
    struct Row<'a> {
        policy: &'a str,
        version: u32,
        installed_at: String,
        installed_by: &'a str,
        sha256: &'a str,
        in_force: bool,
    }
    let rows: Vec<Row> = history
        .iter()
        .map(|h| Row {
            policy: h.policy.as_str(),
            version: h.version,
            installed_at: h.installed_at.to_string(),
            installed_by: &h.installed_by,
            sha256: &h.sha256,
            in_force: in_force
                .as_ref()
                .is_some_and(|(id, v)| *id == h.policy && *v == h.version),
        })
        .collect();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        Format::Text => {
            if rows.is_empty() {
                match &in_force {
                    Some((id, v)) => writeln!(
                        out,
                        "{partnership} runs the built-in policy {id} version {v}, and has installed no policy of its own."
                    )?,
                    None => writeln!(out, "{partnership} has no policy in force.")?,
                }
            }
            for (row, h) in rows.iter().zip(&history) {
                writeln!(
                    out,
                    "{} version {}  installed {} by {}  sha256 {}{}",
                    row.policy,
                    row.version,
                    uk_time(h.installed_at),
                    row.installed_by,
                    &row.sha256[..12],
                    if row.in_force { "  (in force)" } else { "" }
                )?;
            }
            if let Some((id, v)) = &in_force
                && !rows.is_empty()
                && !rows.iter().any(|r| r.in_force)
            {
                writeln!(out, "In force: the built-in policy {id} version {v}.")?;
            }
        }
    }
    Ok(true)
}

/// `instant` in UK local time, where every built-in calendar counts.
fn uk_time(instant: Timestamp) -> String {
    match TimeZone::get("Europe/London") {
        Ok(zone) => local_time(instant, &zone),
        Err(_) => instant.to_string(),
    }
}

/// Every change from `from` to `to`, one line each.
fn write_changes(from: &Policy, to: &Policy, out: &mut dyn Write) -> std::io::Result<()> {
    let changes = accord_policy::changes(from, to);
    if changes.is_empty() {
        writeln!(out, "  nothing that changes how a case is run")?;
    }
    for change in changes {
        writeln!(out, "  - {change}")?;
    }
    Ok(())
}

fn find<'a>(policies: &'a [Policy], id: &str) -> Result<&'a Policy, CliError> {
    let known = || {
        policies
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let id: PolicyId = id.parse().map_err(|_| {
        CliError(format!(
            "`{id}` is not a policy id; known policies: {}",
            known()
        ))
    })?;
    policies.iter().find(|p| p.id == id).ok_or_else(|| {
        CliError(format!(
            "there is no policy `{id}`; known policies: {}",
            known()
        ))
    })
}

fn list(policies: &[Policy], format: Format, out: &mut dyn Write) -> Outcome {
    #[derive(Serialize)]
    struct Row<'a> {
        id: &'a str,
        version: u32,
        title: &'a str,
        partnership: &'a str,
        calendar: &'a str,
        tracks: Vec<TrackRow<'a>>,
    }
    #[derive(Serialize)]
    struct TrackRow<'a> {
        id: &'a str,
        name: &'a str,
        stages: usize,
    }
    let rows: Vec<Row> = policies
        .iter()
        .map(|p| Row {
            id: p.id.as_str(),
            version: p.version,
            title: &p.title,
            partnership: &p.partnership,
            calendar: p.calendar.as_str(),
            tracks: p
                .tracks
                .iter()
                .map(|t| TrackRow {
                    id: t.id.as_str(),
                    name: &t.name,
                    stages: t.stages.len(),
                })
                .collect(),
        })
        .collect();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        Format::Text => {
            let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &rows {
                let tracks = r
                    .tracks
                    .iter()
                    .map(|t| format!("{} ({} stages)", t.id, t.stages))
                    .collect::<Vec<_>>()
                    .join(", ");
                writeln!(out, "{:width$}  {} — {}", r.id, r.partnership, r.title)?;
                writeln!(
                    out,
                    "{:width$}  calendar {}; tracks: {tracks}",
                    "", r.calendar
                )?;
            }
        }
    }
    Ok(true)
}

fn check(files: &[std::path::PathBuf], calendars: &Calendars, out: &mut dyn Write) -> Outcome {
    let mut all_valid = true;
    for file in files {
        let name = file.display().to_string();
        let source = std::fs::read_to_string(file)
            .map_err(|e| CliError(format!("cannot read {name}: {e}")))?;
        match Policy::from_toml(&source, calendars) {
            Ok(policy) => writeln!(
                out,
                "{name}: valid policy {} version {}",
                policy.id, policy.version
            )?,
            Err(mistakes) => {
                all_valid = false;
                for mistake in &mistakes {
                    writeln!(out, "{}", mistake.render(&name))?;
                }
                let n = mistakes.len();
                writeln!(out, "{name}: {n} mistake{}", if n == 1 { "" } else { "s" })?;
            }
        }
    }
    Ok(all_valid)
}

fn print_timeline(
    policy: &Policy,
    calendars: &Calendars,
    track: Option<&str>,
    raised: &str,
    format: Format,
    out: &mut dyn Write,
) -> Outcome {
    let track = match track {
        None => policy.default_track(),
        Some(id) => {
            let known = || {
                policy
                    .tracks
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let parsed: TrackId = id.parse().map_err(|_| {
                CliError(format!(
                    "`{id}` is not a track id; {} has: {}",
                    policy.id,
                    known()
                ))
            })?;
            policy.track(&parsed).ok_or_else(|| {
                CliError(format!(
                    "{} has no track `{id}`; it has: {}",
                    policy.id,
                    known()
                ))
            })?
        }
    };
    let calendar = calendars.get(&policy.calendar)?;
    let zone = calendar.time_zone();
    let raised = parse_local(raised, zone)?;
    let timeline = timeline(track, calendar, raised);
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Body<'a> {
                policy: &'a str,
                version: u32,
                track: &'a str,
                calendar: &'a str,
                raised: jiff::Timestamp,
                #[serde(flatten)]
                timeline: &'a accord_policy::Timeline,
            }
            let body = Body {
                policy: policy.id.as_str(),
                version: policy.version,
                track: track.id.as_str(),
                calendar: policy.calendar.as_str(),
                raised,
                timeline: &timeline,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&body)?)?;
        }
        Format::Text => {
            writeln!(out, "{} — {}", policy.partnership, policy.title)?;
            writeln!(out, "Track: {} ({})", track.name, track.id)?;
            writeln!(
                out,
                "Raised {} (UK time), days counted on the {} calendar",
                local_time(raised, zone),
                calendar.name()
            )?;
            writeln!(
                out,
                "If every stage runs to its full timescale and is escalated on its last day, at \
                 the time of day it was raised (a limit in hours: when it runs out), as when \
                 someone escalates on the last working day:"
            )?;
            writeln!(out)?;
            let rows: Vec<[String; 4]> = timeline
                .stages
                .iter()
                .zip(&track.stages)
                .map(|(entry, stage)| {
                    [
                        format!("Stage {}", entry.number),
                        entry.name.clone(),
                        entry
                            .starts
                            .map_or_else(|| "—".to_owned(), |s| local_time(s, zone)),
                        match (entry.starts, stage.timescale.timescale()) {
                            (None, _) => "open-ended".to_owned(),
                            (Some(_), Timescale::None) => {
                                "open-ended: as soon as possible".to_owned()
                            }
                            (Some(starts), _) => {
                                // A limit counted from raising can be used up
                                // before the stage begins (East Riding §3).
                                let past = entry.due.instant().is_some_and(|d| d <= starts);
                                format!(
                                    "{} ({}){}",
                                    due(&entry.due, zone),
                                    timescale_words(stage),
                                    if past {
                                        ": already past when the stage starts"
                                    } else {
                                        ""
                                    }
                                )
                            }
                        },
                    ]
                })
                .collect();
            write_table(out, &["Stage", "Name", "Starts", "Due"], &rows)?;
        }
    }
    Ok(true)
}

/// A UK local time as typed, such as `2027-12-24T09:00`, to an instant.
fn parse_local(text: &str, zone: &TimeZone) -> Result<jiff::Timestamp, CliError> {
    let bad = || {
        CliError(format!(
            "`{text}` is not a date and time: write it as YYYY-MM-DDTHH:MM in UK time, like 2027-12-24T09:00"
        ))
    };
    let local: DateTime = text.parse().map_err(|_| bad())?;
    crate::calendar_cmd::check_year(local.year())?;
    Ok(local
        .to_zoned_datetime(zone.clone())
        .map_err(|_| bad())?
        .timestamp())
}

fn timescale_words(stage: &Stage) -> String {
    let t = stage.timescale.timescale();
    match stage.timescale.from {
        CountFrom::StageStart => format!("{t} from the stage's start"),
        CountFrom::Raised => format!("{t} from raising"),
    }
}

fn write_table(
    out: &mut dyn Write,
    header: &[&str; 4],
    rows: &[[String; 4]],
) -> std::io::Result<()> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i == 3 {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        s
    };
    writeln!(out, "{}", line(*header))?;
    for row in rows {
        writeln!(out, "{}", line([&row[0], &row[1], &row[2], &row[3]]))?;
    }
    Ok(())
}

/// Everything a policy says, for a person reading it at a terminal.
fn show(p: &Policy, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{} (version {})", p.id, p.version)?;
    writeln!(out, "{} — {}", p.partnership, p.title)?;
    writeln!(
        out,
        "Document: {} ({}, dated {}{})",
        p.document.title,
        p.document.file,
        p.document.dated,
        p.document
            .review
            .as_ref()
            .map(|r| format!(", review {r}"))
            .unwrap_or_default()
    )?;
    writeln!(out, "Calendar: {}", p.calendar)?;
    let subjects: Vec<_> = p
        .subjects
        .iter()
        .map(|s| match s {
            accord_policy::SubjectKind::Child => "children",
            accord_policy::SubjectKind::VulnerableAdult => "vulnerable adults",
        })
        .collect();
    writeln!(out, "Covers: {}", subjects.join(" and "))?;

    if !p.roles.is_empty() {
        writeln!(out, "\nRoles")?;
        for r in &p.roles {
            let email = r
                .email
                .as_ref()
                .map(|e| format!(" <{e}>"))
                .unwrap_or_default();
            writeln!(out, "  {} — {}{email} (tier {})", r.id, r.name, r.tier.id())?;
        }
    }

    writeln!(out, "\nAreas of disagreement")?;
    for a in &p.areas {
        let mut extra = Vec::new();
        if !a.tracks.is_empty() {
            extra.push(format!("tracks {}", join(&a.tracks)));
        }
        if let Some(r) = &a.routes_to {
            extra.push(format!("goes to {r}"));
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" ({})", extra.join("; "))
        };
        writeln!(out, "  - {}{extra}", a.label)?;
    }

    for (effect, heading) in [
        (SignpostEffect::OutOfScope, "Outside this procedure"),
        (
            SignpostEffect::Advice,
            "Other routes it points to (a disagreement can still be raised)",
        ),
    ] {
        let mut signposts = p
            .out_of_scope
            .iter()
            .filter(|s| s.effect == effect)
            .peekable();
        if signposts.peek().is_some() {
            writeln!(out, "\n{heading}")?;
            for s in signposts {
                writeln!(out, "  - {}: use {} [{}]", s.concern, s.go_to, s.section)?;
            }
        }
    }

    writeln!(out, "\nImmediate risk [{}]", p.immediate_risk.section)?;
    writeln!(out, "  {}", p.immediate_risk.instruction)?;
    writeln!(out, "  Notifies: {}", join(&p.immediate_risk.notify))?;

    for track in &p.tracks {
        show_track(p, track, out)?;
    }

    for form in &p.forms {
        show_form(form, out)?;
    }

    writeln!(out, "\nOutcome [{}]", p.outcome.section)?;
    writeln!(
        out,
        "  Written confirmation from each party: {}",
        if p.outcome.written_confirmation {
            "required"
        } else {
            "not required"
        }
    )?;
    if !p.outcome.feedback_to.is_empty() {
        writeln!(
            out,
            "  Outcome fed back to: {}",
            join(&p.outcome.feedback_to)
        )?;
    }

    writeln!(out, "\nLearning [{}]", p.learning.section)?;
    for t in &p.learning.themes {
        writeln!(out, "  - {}", t.label)?;
    }
    let groups: Vec<&str> = p
        .learning
        .forward_to
        .iter()
        .map(|g| g.label.as_str())
        .collect();
    writeln!(out, "  Forwarded to: {}", groups.join("; "))?;

    if !p.notes.is_empty() {
        writeln!(out, "\nNotes")?;
        for n in &p.notes {
            let kind = if n.reading { "Reading" } else { "Note" };
            let ids = if n.checklist.is_empty() {
                String::new()
            } else {
                format!(" ({})", n.checklist.join(", "))
            };
            writeln!(out, "  {kind} — {}{ids}: {}", n.topic, n.text)?;
        }
    }
    Ok(())
}

fn show_track(p: &Policy, track: &Track, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "\nTrack {}: {} [{}]",
        track.id, track.name, track.section
    )?;
    writeln!(out, "  {}", track.description)?;
    if !track.immediate_risk_entry.is_empty() {
        writeln!(
            out,
            "  With immediate risk, may start at stage {}",
            join(&track.immediate_risk_entry)
        )?;
    }
    for stage in &track.stages {
        writeln!(
            out,
            "\n  Stage {}: {} [{}]",
            stage.number, stage.name, stage.section
        )?;
        writeln!(out, "    {}", stage.summary)?;
        writeln!(out, "    Leads: {}", leads(stage))?;
        let timescale = match stage.timescale.timescale() {
            Timescale::None => "none: as soon as possible".to_owned(),
            _ => timescale_words(stage),
        };
        writeln!(out, "    Timescale: {timescale}")?;
        let routes: Vec<_> = stage
            .resolution
            .iter()
            .map(|r| match r {
                accord_policy::ResolutionRoute::Agreement => "agreement between the leads",
                accord_policy::ResolutionRoute::Decision => "a direct decision",
                accord_policy::ResolutionRoute::Panel => "a Resolution Panel",
                accord_policy::ResolutionRoute::WithoutAgreement => {
                    "ending without agreement, recorded by its chair, with the decision finalised"
                }
            })
            .collect();
        writeln!(out, "    Resolved by: {}", routes.join(" or "))?;
        if stage.final_decision {
            writeln!(out, "    The decision at this stage is final.")?;
        }
        for r in &stage.requirements {
            writeln!(out, "    Requires: {} [{}]", r.description, r.section)?;
        }
        for f in &stage.forms {
            let title = p
                .form(&f.form)
                .map_or(f.form.as_str(), |form| form.title.as_str());
            let when = match f.needed {
                FormNeeded::ToEnter => "to enter",
                FormNeeded::ToLeave => "to leave",
            };
            writeln!(out, "    Form {when}: {title} [{}]", f.section)?;
        }
        for n in &stage.notifications {
            let when = match n.when {
                accord_policy::Condition::Always => String::new(),
                c => format!(" when {}", words(&c)),
            };
            let attach = if n.attach.is_empty() {
                String::new()
            } else {
                format!(", with {}", join(&n.attach))
            };
            writeln!(
                out,
                "    Notifies {} on {}{when}{attach}: {} [{}]",
                n.to,
                words(&n.on),
                n.message,
                n.section
            )?;
        }
        if let Some(panel) = &stage.panel {
            let inclusion = match panel.include_disputing {
                accord_policy::Inclusion::Required => "must include",
                accord_policy::Inclusion::WherePossible => "includes where possible",
            };
            writeln!(
                out,
                "    Panel: at least {} agencies, {inclusion} the agencies in dispute; {} [{}]",
                panel.min_agencies, panel.membership, panel.section
            )?;
        }
        for m in &stage.may {
            writeln!(out, "    May: {m}")?;
        }
    }
    Ok(())
}

fn leads(stage: &Stage) -> String {
    let mut parts = vec![format!("raising agency: {}", join(&stage.leads.raising))];
    if !stage.leads.other.is_empty() {
        parts.push(format!("other agency: {}", join(&stage.leads.other)));
    }
    if !stage.leads.decides.is_empty() {
        parts.push(format!("decides: {}", join(&stage.leads.decides)));
    }
    parts.join("; ")
}

fn show_form(form: &Form, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "\nForm {}: {} [{}]", form.id, form.title, form.section)?;
    if !form.send_to.is_empty() {
        writeln!(out, "  Sent to: {}", join(&form.send_to))?;
    }
    if let Some(a) = &form.address {
        writeln!(out, "  Address: {a}")?;
    }
    if let Some(r) = &form.returned_to {
        writeln!(out, "  Returned to: {r}")?;
    }
    for section in &form.sections {
        let by = section
            .completed_by
            .as_ref()
            .map(|r| format!(" (completed by {r})"))
            .unwrap_or_default();
        writeln!(out, "  {}{by}", section.title)?;
        for field in &section.fields {
            show_field(field, "    ", out)?;
        }
    }
    Ok(())
}

fn show_field(field: &Field, indent: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let kind = match field.kind {
        FieldKind::Text => "text".to_owned(),
        FieldKind::LongText => "paragraphs".to_owned(),
        FieldKind::Date => "date".to_owned(),
        FieldKind::YesNo => "yes or no".to_owned(),
        FieldKind::Address => "address".to_owned(),
        FieldKind::Choice => format!("one of: {}", field.options.join(", ")),
        FieldKind::Signature => "signature".to_owned(),
        FieldKind::Rows => "rows".to_owned(),
    };
    let required = match field.required {
        FieldRequired::OnSubmit => "required",
        FieldRequired::BeforeStageEnds => "required before the stage ends",
        FieldRequired::Optional => "optional",
    };
    writeln!(out, "{indent}- {} ({kind}, {required})", field.label)?;
    for column in &field.columns {
        show_field(column, &format!("{indent}    "), out)?;
    }
    Ok(())
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
