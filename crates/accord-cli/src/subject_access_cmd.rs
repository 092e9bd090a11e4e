//! `accord subject-access` (issue 17 §3): everything Accord holds about one
//! person, a child or a professional, as JSON and as a readable PDF, for
//! the partnership team to review and release.

use std::{collections::HashMap, io::Write, path::Path};

use accord_calendar::Calendars;
use accord_case::{LocalId, NhsNumber, PersonId};
use accord_policy::RoleTier;
use accord_store::{CaseSearch, DataSubject, Store};
use jiff::{Timestamp, civil::Date, tz::TimeZone};

use crate::{
    Cli, CliError, Outcome,
    store_cmd::{OpenStore, open_store},
};

/// Whom `accord subject-access` asks about.
pub(crate) struct Asked<'a> {
    pub(crate) by: &'a str,
    pub(crate) child_name: Option<&'a str>,
    pub(crate) date_of_birth: Option<&'a str>,
    pub(crate) nhs_number: Option<&'a str>,
    pub(crate) local_id: Option<&'a str>,
    pub(crate) professional: Option<&'a str>,
    pub(crate) out: &'a Path,
}

/// Runs `accord subject-access`.
pub(crate) fn run(
    cli: &Cli,
    calendars: &Calendars,
    asked: &Asked<'_>,
    out: &mut dyn Write,
) -> Outcome {
    let OpenStore { runtime, store } = open_store(cli, calendars)?;
    let done = runtime.block_on(export(&store, asked, out));
    runtime.block_on(store.close());
    done
}

fn bad(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError(format!("{what}: {e}"))
}

async fn export(store: &Store, asked: &Asked<'_>, out: &mut dyn Write) -> Outcome {
    let person = store
        .person_by_sign_in(asked.by)
        .await?
        .ok_or_else(|| CliError(format!("nobody signs in as `{}`", asked.by)))?;
    if person.actor().tier != RoleTier::PartnershipTeam {
        return Err(CliError(format!(
            "{} is not of the partnership team: only the team answers a subject access request",
            asked.by
        )));
    }
    let partnership = person.partnership.clone();
    let subject = match asked.professional {
        Some(sign_in) => {
            if asked.child_name.is_some()
                || asked.date_of_birth.is_some()
                || asked.nhs_number.is_some()
                || asked.local_id.is_some()
            {
                return Err(CliError(
                    "ask about a child or a professional, not both".into(),
                ));
            }
            let professional = store
                .person_by_sign_in(sign_in)
                .await?
                .filter(|p| p.partnership == partnership)
                .ok_or_else(|| {
                    CliError(format!(
                        "{partnership} has nobody who signs in as `{sign_in}`"
                    ))
                })?;
            DataSubject::Professional(professional.id)
        }
        None => {
            let search = CaseSearch {
                child_name: asked
                    .child_name
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
                date_of_birth: asked
                    .date_of_birth
                    .map(|d| d.trim().parse::<Date>())
                    .transpose()
                    .map_err(|e| bad("--date-of-birth, as YYYY-MM-DD", e))?,
                nhs_number: asked
                    .nhs_number
                    .map(NhsNumber::parse)
                    .transpose()
                    .map_err(|e| bad("--nhs-number", e))?,
                local_id: asked
                    .local_id
                    .map(LocalId::parse)
                    .transpose()
                    .map_err(|e| bad("--local-id", e))?,
                ..CaseSearch::default()
            };
            if search == CaseSearch::default() {
                return Err(CliError(
                    "say whom the request is about: --child-name, --date-of-birth, --nhs-number or --local-id for a child, or --professional SIGN-IN".into(),
                ));
            }
            DataSubject::Child(search)
        }
    };
    if !asked.out.is_dir() {
        return Err(CliError(format!(
            "{} is not a folder: name the folder to write the export in with --out",
            asked.out.display()
        )));
    }
    let now = Timestamp::now();
    let london =
        TimeZone::get("Europe/London").map_err(|e| bad("the Europe/London time zone", e))?;
    let stamp = now
        .to_zoned_datetime(london.clone())
        .strftime("%Y%m%d-%H%M%S")
        .to_string();
    let json_path = asked.out.join(format!("subject-access-{stamp}.json"));
    let pdf_path = asked.out.join(format!("subject-access-{stamp}.pdf"));
    for path in [&json_path, &pdf_path] {
        if path.exists() {
            return Err(CliError(format!("{} exists already", path.display())));
        }
    }
    let export = store
        .subject_access(&partnership, &subject, &person.id, now)
        .await?;
    let people: HashMap<PersonId, String> = store
        .people(&partnership)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), format!("{} ({})", p.name, p.job_title)))
        .collect();
    let partnership_name = store
        .partnerships()
        .await?
        .into_iter()
        .find(|p| p.id == partnership)
        .map_or_else(|| partnership.clone(), |p| p.name);
    let json = serde_json::to_vec_pretty(&export).map_err(|e| bad("the export", e))?;
    let pdf =
        accord_web::subject_access::pdf(&export, &partnership_name, &person.name, &people, &london)
            .map_err(|e| bad("the PDF", e))?;
    std::fs::write(&json_path, json).map_err(|e| bad(&json_path.display().to_string(), e))?;
    std::fs::write(&pdf_path, pdf).map_err(|e| bad(&pdf_path.display().to_string(), e))?;
    writeln!(
        out,
        "Wrote {} and {}: {} cases about {}. {}",
        json_path.display(),
        pdf_path.display(),
        export.cases.len(),
        export.about,
        accord_store::REVIEW
    )?;
    writeln!(
        out,
        "The export is recorded in the directory audit, and each case's read in its access log."
    )?;
    Ok(true)
}
