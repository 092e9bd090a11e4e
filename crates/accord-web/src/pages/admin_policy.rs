//! The partnership's policy, for its administrators (issue 13 §2): the
//! version in force and its history, the file to start a new version from,
//! and an upload that checks a new version, shows what it changes against
//! the version in force, and installs it only when the administrator
//! confirms.
//!
//! - `GET /admin/policy`: the version in force, every installed version,
//!   and the upload form.
//! - `GET /admin/policy/file`: the file of the version in force, to edit.
//! - `POST /admin/policy/check`: the uploaded file, checked. Every mistake
//!   is listed with its line, column and hint in the error summary; a file
//!   without mistakes is shown as the list of what it changes, with a
//!   button to install it.
//! - `POST /admin/policy/install`: installs the file that was checked. The
//!   confirming form carries the file back, with its SHA-256 as shown, and
//!   it is checked again here, so what is installed is what was shown and
//!   nothing unchecked can be installed.
//!
//! Both posts are `multipart/form-data` (a file upload), within
//! [`crate::UPLOAD_LIMIT`], with the CSRF token as one of their fields.

use accord_policy::{Policy, PolicyChange};
use accord_store::{ChangedBy, InstallError, source_sha256};
use askama::Template;
use axum::{
    extract::{Multipart, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use super::{
    Chrome, Done, PageError, Viewer,
    admin::{Admin, admin},
    extract::Query,
    form::FieldError,
    html, html_with_status, words,
};
use crate::{ApiError, AppState};

/// The file input's name and id.
const FILE_FIELD: &str = "policy_file";

/// One installed version, as the page lists it.
struct VersionRow {
    number: u32,
    policy: String,
    href: String,
    since: String,
    by: String,
    in_force: bool,
}

#[derive(Template)]
#[template(path = "admin_policy.html")]
struct PolicyPage {
    chrome: Chrome,
    partnership: String,
    title: String,
    policy_href: String,
    version: u32,
    /// Whether the partnership runs a built-in policy as it is.
    builtin: bool,
    history: Vec<VersionRow>,
    csrf_token: String,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
}

/// A group of changes under one heading.
struct ChangeGroup {
    heading: &'static str,
    sentences: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_policy_check.html")]
struct CheckPage {
    chrome: Chrome,
    partnership: String,
    file_name: String,
    title: String,
    id: String,
    version: u32,
    current: String,
    open_cases: usize,
    groups: Vec<ChangeGroup>,
    /// Roles the new version no longer has that people still hold.
    orphaned: Vec<String>,
    source: String,
    sha256: String,
    csrf_token: String,
}

/// `GET /admin/policy`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let done = (done.done == "installed").then_some(
        "The new version is in force: disagreements raised from now on run under it, and open \
         ones carry on under the version they were raised under",
    );
    page(&state, &a, Vec::new(), done, StatusCode::OK).await
}

async fn page(
    state: &AppState,
    a: &Admin<'_>,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let store = state.store();
    let in_force = state
        .current_policy(&a.partnership.policy)
        .await
        .map_err(|e| a.fail(e))?;
    let installed = store
        .installed_policies(Some(&a.partnership.id))
        .await
        .map_err(|e| a.fail(e))?;
    let history = installed
        .iter()
        .rev()
        .map(|h| VersionRow {
            number: h.version,
            policy: h.policy.to_string(),
            href: format!("/policies/{}/versions/{}", h.policy, h.version),
            since: words::day(h.installed_at),
            by: installed_by(a, &h.installed_by),
            in_force: h.policy == in_force.id && h.version == in_force.version,
        })
        .collect();
    let mut chrome = a.chrome("Policy", &super::form::Errors::default());
    chrome.has_errors = !errors.is_empty();
    let page = PolicyPage {
        chrome,
        partnership: a.partnership.name.clone(),
        title: in_force.title.clone(),
        policy_href: format!("/policies/{}", in_force.id),
        version: in_force.version,
        builtin: accord_policy::BUILTIN
            .iter()
            .any(|(id, _)| *id == in_force.id.as_str()),
        history,
        csrf_token: a.viewer.csrf_token().to_owned(),
        errors,
        done,
    };
    Ok(html_with_status(status, &page))
}

/// Who installed a version, in words.
fn installed_by(a: &Admin<'_>, by: &str) -> String {
    a.people.iter().find(|p| p.id.as_str() == by).map_or_else(
        || {
            if by == ChangedBy::COMMAND_LINE.id() {
                "The command line at the server".to_owned()
            } else {
                by.to_owned()
            }
        },
        |p| p.name.clone(),
    )
}

/// `GET /admin/policy/file`: the file of the version in force.
pub(crate) async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let in_force = state
        .current_policy(&a.partnership.policy)
        .await
        .map_err(|e| a.fail(e))?;
    let source = match accord_policy::BUILTIN
        .iter()
        .find(|(id, _)| *id == in_force.id.as_str())
    {
        Some((_, source)) => (*source).to_owned(),
        None => state
            .store()
            .installed_policy(&in_force.id, in_force.version)
            .await
            .map_err(|e| a.fail(e))?
            .map(|h| h.source)
            .ok_or_else(|| {
                a.fail(ApiError::Internal(
                    format!("{} version {} has no file", in_force.id, in_force.version).into(),
                ))
            })?,
    };
    let name = format!("{}-version-{}.toml", in_force.id, in_force.version);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/toml; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        source,
    )
        .into_response())
}

/// What an upload form sent.
#[derive(Default)]
struct Upload {
    file_name: String,
    source: Option<Result<String, ()>>,
    sha256: String,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(e.body_text()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            FILE_FIELD | "source" => {
                if let Some(file_name) = field.file_name() {
                    upload.file_name = file_name.to_owned();
                }
                let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                // Browsers send a form's text with CR LF line breaks
                // whatever the file had, so the file is kept, checked and
                // hashed with LF line breaks, whichever way it arrives.
                upload.source = Some(
                    String::from_utf8(bytes.to_vec())
                        .map(|s| s.replace("\r\n", "\n"))
                        .map_err(|_| ()),
                );
            }
            "file_name" => {
                upload.file_name = field.text().await.map_err(|e| e.body_text())?;
            }
            "sha256" => upload.sha256 = field.text().await.map_err(|e| e.body_text())?,
            _ => {}
        }
    }
    Ok(upload)
}

/// The file an upload sent, checked: the policy, or every mistake for the
/// error summary.
fn check(upload: &Upload, state: &AppState) -> Result<(Policy, String), Vec<FieldError>> {
    let one = |message: &str| vec![FieldError::new(FILE_FIELD, message)];
    let source = match &upload.source {
        None => return Err(one("Choose the policy file to upload")),
        Some(Err(())) => {
            return Err(one(
                "The file must be plain text (a .toml file): save it as text, not as a Word \
                 document or a PDF, and upload it again",
            ));
        }
        Some(Ok(s)) if s.trim().is_empty() => {
            return Err(one(
                "The file is empty: choose the policy file, such as northshire-2026.toml",
            ));
        }
        Some(Ok(s)) => s.clone(),
    };
    match Policy::from_toml(&source, state.calendars()) {
        Ok(policy) => Ok((policy, source)),
        Err(mistakes) => Err(mistakes
            .iter()
            .map(|d| {
                let hint = d.hint.trim();
                FieldError::new(
                    FILE_FIELD,
                    format!(
                        "Line {}, column {}: {}{}",
                        d.line,
                        d.column,
                        super::sentence(d.message.trim()).trim_end_matches('.'),
                        if hint.is_empty() {
                            String::new()
                        } else {
                            format!(". {}", super::sentence(hint).trim_end_matches('.'))
                        }
                    ),
                )
            })
            .collect()),
    }
}

/// `POST /admin/policy/check`.
pub(crate) async fn check_upload(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let upload = match multipart {
        Ok(m) => read_upload(m).await,
        Err(e) => Err(e.body_text()),
    };
    let upload = match upload {
        Ok(u) => u,
        Err(reason) => {
            let errors = vec![FieldError::new(
                FILE_FIELD,
                format!("The file could not be read ({reason}): choose it and upload it again"),
            )];
            return page(&state, &a, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (policy, source) = match check(&upload, &state) {
        Ok(checked) => checked,
        Err(errors) => {
            return page(&state, &a, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let in_force = state
        .current_policy(&a.partnership.policy)
        .await
        .map_err(|e| a.fail(e))?;
    let open_cases = state
        .store()
        .register_of(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?
        .iter()
        .filter(|e| e.status == accord_case::Status::Open)
        .count();
    let changes = accord_policy::changes(&in_force, &policy);
    let orphaned = orphaned_roles(&a, &policy);
    let page = CheckPage {
        chrome: a.chrome(
            "Check what the new version changes",
            &super::form::Errors::default(),
        ),
        partnership: a.partnership.name.clone(),
        file_name: upload.file_name.clone(),
        title: policy.title.clone(),
        id: policy.id.to_string(),
        version: policy.version,
        current: format!("{}, version {}", in_force.title, in_force.version),
        open_cases,
        groups: groups(&changes),
        orphaned,
        sha256: source_sha256(&source),
        source,
        csrf_token: viewer.csrf_token().to_owned(),
    };
    Ok(html(&page))
}

/// The changes under their headings, in the order the list gives them.
fn groups(changes: &[PolicyChange]) -> Vec<ChangeGroup> {
    let mut groups: Vec<ChangeGroup> = Vec::new();
    for change in changes {
        let heading = change.part.label();
        match groups.iter_mut().find(|g| g.heading == heading) {
            Some(g) => g.sentences.push(change.sentence.clone()),
            None => groups.push(ChangeGroup {
                heading,
                sentences: vec![change.sentence.clone()],
            }),
        }
    }
    groups
}

/// The roles people of the partnership hold that `policy` does not have,
/// each with who holds it, so the administrator can change them.
fn orphaned_roles(a: &Admin<'_>, policy: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    for person in &a.people {
        for role in &person.declared_roles {
            if !policy.roles.iter().any(|r| r.id == *role) {
                out.push(format!(
                    "{} holds the role `{role}`, which this version does not have: change their \
                     roles after installing it",
                    person.name
                ));
            }
        }
    }
    out
}

/// `POST /admin/policy/install`.
pub(crate) async fn install(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let upload = match multipart {
        Ok(m) => read_upload(m).await.ok(),
        Err(_) => None,
    };
    let checked = upload.as_ref().map(|u| (u, check(u, &state)));
    let (upload, policy, source) = match checked {
        Some((u, Ok((policy, source)))) if source_sha256(&source) == u.sha256 => {
            (u, policy, source)
        }
        _ => {
            let errors = vec![FieldError::new(
                FILE_FIELD,
                "The checked file did not arrive whole: upload it again, check the changes, and \
                 install it",
            )];
            return page(&state, &a, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let installed = state
        .store()
        .install_policy(&a.partnership.id, policy, &source, state.now(), &a.by())
        .await;
    match installed {
        Ok(_) => {
            tracing::info!("an administrator installed a policy version");
            Ok(Redirect::to("/admin/policy?done=installed").into_response())
        }
        Err(InstallError::Store(e)) => Err(a.fail(e)),
        Err(e) => {
            let name = if upload.file_name.is_empty() {
                "The file".to_owned()
            } else {
                upload.file_name.clone()
            };
            let errors = vec![FieldError::new(
                FILE_FIELD,
                format!("{name} cannot be installed: {e}"),
            )];
            page(&state, &a, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
