//! Importing a partnership's directory from CSV on an administration page
//! (issue 13 §3): `/admin/directory/import`. An administrator uploads
//! `agencies.csv` and `people.csv`; Accord checks them with the same rules
//! as `accord directory import` (`accord_directory::csv_files::import`)
//! and shows every mistake, with its file, line and column, in the page's
//! error summary, writing nothing while any remains. With none, it shows
//! what would change (agencies and people added, updated, unchanged) and
//! asks to confirm. The columns are documented on the page, and each file
//! has a template to download (its header and one example row).
//!
//! Between the check and the confirmation the checked files travel back
//! in the confirmation form, as hidden fields under the session's CSRF
//! token, rather than as a draft kept on the server: nothing is trusted
//! from them. Confirming checks the files again against the directory as
//! it is then, and imports only if the changes are exactly those the
//! administrator was shown (a digest of every record's before and after
//! travels with them); otherwise it shows the new changes to confirm
//! again. No server state is kept, so none outlives the page or needs
//! pruning, and the files are never stored beyond the records imported.
//! The two routes read up to `UPLOAD_LIMIT` (2 MiB) rather than the
//! 64 KiB every other body gets: a directory of thousands of people fits.

use accord_directory::csv_files::{
    AGENCY_COLUMNS, CsvFile, Imported, PEOPLE_COLUMNS, Stored, export_agencies, export_people,
    import,
};
use accord_policy::{Policy, RoleTier};
use accord_store::{Agency, AgencyKind, Directory, Person};
use askama::Template;
use axum::{
    extract::{Multipart, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use sha2::{Digest, Sha256};

use super::{
    Chrome, Done, PageError, Viewer,
    admin::{Admin, KINDS, admin},
    extract::{Form, Query},
    form::{Errors, FieldError, Posted},
    html_with_status, words,
};
use crate::{ApiError, AppState, extract::text_problem};

/// The two files, as the page names them: the form field, and the file
/// name mistakes are reported against.
const FILES: [(&str, &str); 2] = [("agencies", "agencies.csv"), ("people", "people.csv")];

/// What each column of `agencies.csv` holds.
const AGENCY_DOCS: [(&str, &str); 3] = [
    (
        "id",
        "A short id that never changes, unique across Accord: letters, digits, - or _, such as \
         the partnership's prefix and the agency's short name",
    ),
    ("name", "The agency's name, as people know it"),
    ("kind", "What kind of partner it is: one of the kinds below"),
];

/// What each column of `people.csv` holds.
const PEOPLE_DOCS: [(&str, &str); 7] = [
    (
        "sign_in",
        "The name they sign in with, unique across Accord. Someone already in the directory is \
         matched by this or by their email, and updated rather than added again",
    ),
    ("name", "Their full name"),
    (
        "email",
        "Their work email address, where their notifications go",
    ),
    (
        "agency",
        "The id of their agency, from agencies.csv or already in Accord",
    ),
    ("tier", "Their role in their agency: one of the roles below"),
    (
        "roles",
        "The policy's roles they hold, by id, separated by ; (for example a head of service \
         who is also a Board representative). Leave it empty for none",
    ),
    ("job_title", "Their job title in their agency; may be empty"),
];

#[derive(Template)]
#[template(path = "admin_import.html")]
struct ImportPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    csrf_token: String,
    done: Option<&'static str>,
    files: Vec<FileQuestion>,
    agency_columns: Vec<(&'static str, &'static str)>,
    people_columns: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    tiers: Vec<(&'static str, String)>,
    roles: Vec<(String, String, String)>,
}

/// One file to upload, with its mistakes.
struct FileQuestion {
    field: &'static str,
    label: &'static str,
    hint: String,
    problems: Vec<String>,
}

fn file_questions(errors: &Errors) -> Vec<FileQuestion> {
    [
        (
            FILES[0].0,
            "Agencies file (agencies.csv)",
            &AGENCY_COLUMNS[..],
        ),
        (FILES[1].0, "People file (people.csv)", &PEOPLE_COLUMNS[..]),
    ]
    .into_iter()
    .map(|(field, label, columns)| FileQuestion {
        field,
        label,
        hint: format!("Columns: {}", columns.join(", ")),
        problems: errors
            .0
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.clone())
            .collect(),
    })
    .collect()
}

/// One group of changes on the check page.
struct ChangeGroup {
    heading: String,
    names: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_import_check.html")]
struct CheckPage {
    chrome: Chrome,
    csrf_token: String,
    /// Shown when confirming found other changes than were checked.
    changed_since: bool,
    groups: Vec<ChangeGroup>,
    summary: Vec<(&'static str, String)>,
    nothing: bool,
    agencies_text: String,
    people_text: String,
    digest: String,
}

fn done_words(done: &str) -> Option<&'static str> {
    (done == "imported").then_some(
        "The directory is imported. New people are invited by email to choose their own \
         password. Each change is in Changes to the directory, and importing the same files \
         again changes nothing",
    )
}

fn import_page(a: &Admin<'_>, policy: Option<&Policy>, errors: &Errors) -> Response {
    let page = ImportPage {
        chrome: a.chrome("Import agencies and people", errors),
        errors: errors.0.clone(),
        files: file_questions(errors),
        ..page_parts(a, policy)
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_with_status(status, &page)
}

/// `GET /admin/directory/import`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let policy = state.current_policy(&a.partnership.policy).await.ok();
    let page = ImportPage {
        done: done_words(&done.done),
        ..page_parts(&a, policy.as_deref())
    };
    Ok(html_with_status(StatusCode::OK, &page))
}

fn page_parts(a: &Admin<'_>, policy: Option<&Policy>) -> ImportPage {
    ImportPage {
        chrome: a.chrome("Import agencies and people", &Errors::default()),
        errors: Vec::new(),
        csrf_token: a.viewer.csrf_token().to_owned(),
        done: None,
        files: file_questions(&Errors::default()),
        agency_columns: AGENCY_DOCS.to_vec(),
        people_columns: PEOPLE_DOCS.to_vec(),
        kinds: KINDS.iter().map(|(_, id, w)| (*id, *w)).collect(),
        tiers: RoleTier::ALL
            .iter()
            .map(|t| (t.id(), super::capitalised(&words::role_of_tier(*t))))
            .collect(),
        roles: policy
            .map(|p| {
                p.roles
                    .iter()
                    .map(|r| {
                        (
                            r.id.to_string(),
                            r.name.clone(),
                            super::capitalised(&words::role_of_tier(r.tier)),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The two files' text, or what is wrong with them as files.
fn file_text(field: &str, file: &str, bytes: &[u8], errors: &mut Errors) -> String {
    if bytes.is_empty() {
        errors.add(field, format!("Choose the {file} file to upload"));
        return String::new();
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        errors.add(
            field,
            format!(
                "{file} is not UTF-8 text: in your spreadsheet, save it as \"CSV UTF-8\" and \
                 upload it again"
            ),
        );
        return String::new();
    };
    // A spreadsheet's "CSV UTF-8" starts with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(problem) = text_problem(text) {
        let at = text
            .char_indices()
            .find(|(_, c)| text_problem(&c.to_string()).is_some())
            .map_or(0, |(i, _)| i);
        let line = text[..at].matches('\n').count() + 1;
        errors.add(field, format!("{file}, line {line}: the file {problem}"));
        return String::new();
    }
    text.to_owned()
}

/// What the directory holds now: every partnership's agencies and people,
/// as the import checks ids, sign-ins and emails across them all.
async fn stored(state: &AppState, a: &Admin<'_>) -> Result<(Vec<Agency>, Vec<Person>), PageError> {
    let store = state.store();
    let mut agencies = Vec::new();
    let mut people = Vec::new();
    for p in store.partnerships().await.map_err(|e| a.fail(e))? {
        agencies.extend(store.agencies(&p.id).await.map_err(|e| a.fail(e))?);
        people.extend(store.people(&p.id).await.map_err(|e| a.fail(e))?);
    }
    Ok((agencies, people))
}

/// Checks the two files: what they would write, or every mistake as the
/// error summary lists them.
fn check(
    a: &Admin<'_>,
    policy: &Policy,
    texts: [&str; 2],
    stored: (&[Agency], &[Person]),
) -> Result<Imported, Errors> {
    import(
        &a.partnership,
        policy,
        CsvFile {
            name: FILES[0].1,
            text: texts[0],
        },
        CsvFile {
            name: FILES[1].1,
            text: texts[1],
        },
        Stored {
            agencies: stored.0,
            people: stored.1,
        },
    )
    .map_err(|mistakes| {
        let mut errors = Errors::default();
        for m in mistakes {
            let field = FILES
                .iter()
                .find(|(_, name)| *name == m.file)
                .map_or(FILES[0].0, |(field, _)| field);
            let place = if m.column == 0 {
                format!("{}, line {}", m.file, m.line)
            } else {
                format!("{}, line {}, column {}", m.file, m.line, m.column)
            };
            // Every mistake is listed, several to a file: the summary is
            // the list to correct from.
            errors.0.push(FieldError::new(
                field,
                format!(
                    "{place}: {}",
                    super::sentence(&m.message).trim_end_matches('.')
                ),
            ));
        }
        errors
    })
}

/// What an import changes: each record with what is stored of it now.
struct Changes<'i> {
    agencies: Vec<(Option<&'i Agency>, &'i Agency)>,
    people: Vec<(Option<&'i Person>, &'i Person)>,
}

impl<'i> Changes<'i> {
    fn of(imported: &'i Imported, stored: (&'i [Agency], &'i [Person])) -> Changes<'i> {
        Changes {
            agencies: imported
                .agencies
                .iter()
                .map(|a| (stored.0.iter().find(|s| s.id == a.id), a))
                .collect(),
            people: imported
                .people
                .iter()
                .map(|p| (stored.1.iter().find(|s| s.id == p.id), p))
                .collect(),
        }
    }

    /// A digest of every record's before and after: the same only if
    /// confirming would make exactly the changes shown.
    fn digest(&self) -> String {
        let json = serde_json::to_string(&(&self.agencies, &self.people))
            .expect("directory records always serialise");
        hex::encode(Sha256::digest(json.as_bytes()))
    }

    fn new_people(&self) -> Vec<&'i Person> {
        self.people
            .iter()
            .filter(|(before, _)| before.is_none())
            .map(|(_, p)| *p)
            .collect()
    }
}

fn split<T>(records: &[(Option<&T>, &T)]) -> [Vec<usize>; 3]
where
    T: PartialEq,
{
    let mut out = [Vec::new(), Vec::new(), Vec::new()];
    for (i, (before, after)) in records.iter().enumerate() {
        let which = match before {
            None => 0,
            Some(b) if b != after => 1,
            Some(_) => 2,
        };
        out[which].push(i);
    }
    out
}

fn check_page(
    a: &Admin<'_>,
    changes: &Changes<'_>,
    texts: [&str; 2],
    changed_since: bool,
) -> Response {
    let [new_agencies, changed_agencies, same_agencies] = split(&changes.agencies);
    let [new_people, changed_people, same_people] = split(&changes.people);
    let agency = |i: &usize| changes.agencies[*i].1.name.clone();
    let person = |i: &usize| {
        let p = changes.people[*i].1;
        // Their agency may be new in the same files.
        let agency = changes
            .agencies
            .iter()
            .find(|(_, ag)| ag.id == p.agency)
            .map_or_else(|| a.agency_name(&p.agency), |(_, ag)| ag.name.clone());
        format!("{}, {agency}", p.name)
    };
    let mut groups = Vec::new();
    let mut group = |heading: &str, names: Vec<String>| {
        if !names.is_empty() {
            groups.push(ChangeGroup {
                heading: format!("{heading} ({})", names.len()),
                names,
            });
        }
    };
    group("Agencies to add", new_agencies.iter().map(agency).collect());
    group(
        "Agencies to update",
        changed_agencies.iter().map(agency).collect(),
    );
    group("People to add", new_people.iter().map(person).collect());
    group(
        "People to update",
        changed_people.iter().map(person).collect(),
    );
    let nothing = new_agencies.is_empty()
        && changed_agencies.is_empty()
        && new_people.is_empty()
        && changed_people.is_empty();
    let count = |n: usize| n.to_string();
    let page = CheckPage {
        chrome: a.chrome("Check what the import changes", &Errors::default()),
        csrf_token: a.viewer.csrf_token().to_owned(),
        changed_since,
        groups,
        summary: vec![
            ("Agencies added", count(new_agencies.len())),
            ("Agencies updated", count(changed_agencies.len())),
            ("Agencies unchanged", count(same_agencies.len())),
            ("People added", count(new_people.len())),
            ("People updated", count(changed_people.len())),
            ("People unchanged", count(same_people.len())),
        ],
        nothing,
        agencies_text: texts[0].to_owned(),
        people_text: texts[1].to_owned(),
        digest: changes.digest(),
    };
    html_with_status(StatusCode::OK, &page)
}

/// `POST /admin/directory/import`: the two files, to check.
pub(crate) async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let policy = state
        .current_policy(&a.partnership.policy)
        .await
        .map_err(|e| a.fail(e))?;
    let mut files: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let unreadable = |_| {
        a.fail(ApiError::BadRequest {
            code: "unreadable_upload",
            message: "the files could not be read to the end: upload them again".to_owned(),
            field: None,
        })
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(i) = FILES.iter().position(|(f, _)| *f == name) {
            files[i] = field.bytes().await.map_err(unreadable)?.to_vec();
        }
    }
    let mut errors = Errors::default();
    let agencies = file_text(FILES[0].0, FILES[0].1, &files[0], &mut errors);
    let people = file_text(FILES[1].0, FILES[1].1, &files[1], &mut errors);
    if !errors.is_empty() {
        return Ok(import_page(&a, Some(&policy), &errors));
    }
    let (stored_agencies, stored_people) = stored(&state, &a).await?;
    let imported = match check(
        &a,
        &policy,
        [&agencies, &people],
        (&stored_agencies, &stored_people),
    ) {
        Ok(imported) => imported,
        Err(errors) => return Ok(import_page(&a, Some(&policy), &errors)),
    };
    let changes = Changes::of(&imported, (&stored_agencies, &stored_people));
    Ok(check_page(&a, &changes, [&agencies, &people], false))
}

/// `POST /admin/directory/import/confirm`: the checked files, again, to
/// import.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let policy = state
        .current_policy(&a.partnership.policy)
        .await
        .map_err(|e| a.fail(e))?;
    let posted = Posted::from_pairs(pairs);
    let texts = [posted.get("agencies_text"), posted.get("people_text")];
    let (stored_agencies, stored_people) = stored(&state, &a).await?;
    let imported = match check(&a, &policy, texts, (&stored_agencies, &stored_people)) {
        Ok(imported) => imported,
        Err(errors) => return Ok(import_page(&a, Some(&policy), &errors)),
    };
    let changes = Changes::of(&imported, (&stored_agencies, &stored_people));
    if changes.digest() != posted.get("digest") {
        // The directory changed since the check (or the form did): show
        // what confirming would now do, to confirm again.
        return Ok(check_page(&a, &changes, texts, true));
    }
    state
        .store()
        .put_directory(
            Directory {
                partnerships: &[],
                agencies: &imported.agencies,
                people: &imported.people,
            },
            &a.by(),
            state.now(),
        )
        .await
        .map_err(|e| a.fail(e))?;
    let new_people = changes.new_people();
    // invitations: new people are invited here (issue 13 §4), each by
    // email to choose their own password, nobody twice.
    let ids: Vec<_> = new_people.iter().map(|p| &p.id).collect();
    let invited = state
        .store()
        .invite_new_people(&ids, state.now(), &a.by())
        .await
        .map_err(|e| a.fail(e))?;
    tracing::info!(
        new_people = new_people.len(),
        invited = invited.len(),
        "an administrator imported the directory"
    );
    Ok(Redirect::to("/admin/directory/import?done=imported").into_response())
}

/// A template to download: the file's header and one example row, in the
/// format an export writes.
fn template(file: &str, text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        text,
    )
        .into_response()
}

fn example_agency(partnership: &str) -> Agency {
    Agency {
        id: accord_case::AgencyId::parse(&format!("{partnership}-police"))
            .unwrap_or_else(|_| accord_case::AgencyId::parse("police").expect("a valid id")),
        partnership: partnership.to_owned(),
        name: "Example Constabulary".to_owned(),
        kind: AgencyKind::Police,
    }
}

/// `GET /admin/directory/agencies.csv`.
pub(crate) async fn agencies_template(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    Ok(template(
        "agencies.csv",
        export_agencies(&[example_agency(&a.partnership.id)]),
    ))
}

/// `GET /admin/directory/people.csv`.
pub(crate) async fn people_template(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let agency = example_agency(&a.partnership.id);
    let sign_in = format!("{}-manager", agency.id);
    let person = Person {
        id: accord_case::PersonId::parse(&sign_in)
            .unwrap_or_else(|_| accord_case::PersonId::parse("manager").expect("a valid id")),
        sign_in,
        name: "Sam Example".to_owned(),
        job_title: "Detective Sergeant".to_owned(),
        email: "sam.example@police.example.org".to_owned(),
        partnership: a.partnership.id.clone(),
        agency: agency.id,
        tier: RoleTier::Manager,
        declared_roles: Vec::new(),
    };
    Ok(template("people.csv", export_people(&[person])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_have_the_documented_columns_in_order() {
        assert_eq!(
            AGENCY_DOCS.map(|(c, _)| c),
            AGENCY_COLUMNS,
            "every agencies.csv column is documented, in order"
        );
        assert_eq!(PEOPLE_DOCS.map(|(c, _)| c), PEOPLE_COLUMNS);
        let agencies = export_agencies(&[example_agency("nsh")]);
        assert_eq!(
            agencies,
            "id,name,kind\nnsh-police,Example Constabulary,police\n"
        );
    }
}
