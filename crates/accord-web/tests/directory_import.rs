//! Importing the directory on the administration page (issue 13 §3), on
//! the real server, SQLite and PostgreSQL: the files go up as a browser
//! sends them (multipart/form-data), every mistake is named with its file,
//! line and column in the error summary while nothing is written, the
//! corrected files show what would change and import on confirming, and
//! importing them again changes nothing. The templates download as CSV
//! attachments and import cleanly themselves.

mod common;

use accord_web::AppState;
use common::{Backend, Session, TestApp, sign_in, spawn_app_with_directory};

const ADMIN: &str = "hav-admin";
const BOUNDARY: &str = "----accord-test-boundary-7MA4YWxkTrZu0gW";

/// Posts `files` (field, file name, text) and the session's CSRF token as
/// a browser posts a form with file inputs.
async fn upload(
    app: &TestApp,
    session: &Session,
    token: Option<&str>,
    files: &[(&str, &str, &str)],
) -> reqwest::Response {
    let mut body = String::new();
    if let Some(token) = token {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
        ));
    }
    for (field, name, text) in files {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n{text}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    app.client
        .post(app.url("/admin/directory/import"))
        .header("cookie", &session.cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

use common::post_form_as as post_form;

/// The hidden fields of the check page's confirmation form, as the
/// browser sends them back.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in ["agencies_text", "people_text", "digest"] {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html
            .find(&marker)
            .unwrap_or_else(|| panic!("{name} in {html}"))
            + marker.len();
        let end = start + html[start..].find('"').unwrap();
        let value = html[start..end]
            .replace("&#10;", "\n")
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        out.push((name.to_owned(), value));
    }
    out
}

async fn people_of(state: &AppState) -> usize {
    state.store().people("havering").await.unwrap().len()
}

async fn audit_of(state: &AppState) -> usize {
    state
        .store()
        .directory_audit("havering", 10_000)
        .await
        .unwrap()
        .len()
}

const AGENCIES: &str = "id,name,kind\nhav-housing,Havering Housing,housing\n";
const PEOPLE: &str = "sign_in,name,email,agency,tier,roles,job_title\n\
hav-housing-officer,Ada Mensah,ada.mensah@housing.example.org,hav-housing,practitioner,,Housing officer\n\
hav-housing-head,Tomasz Wilk,tomasz.wilk@housing.example.org,hav-housing,head-of-service,hscp-member,Head of housing\n";

async fn an_administrator_imports_the_directory_from_csv(backend: Backend) {
    let (app, state, _clock) = spawn_app_with_directory(backend, &[ADMIN]).await;
    let admin = sign_in(&app, ADMIN).await;
    let people_before = people_of(&state).await;
    let audit_before = audit_of(&state).await;

    // Five kinds of mistake: a missing column, an unknown agency, an
    // unknown role, a duplicate email and a bad email.
    let wrong_agencies = "id,name\nhav-housing,Havering Housing\n";
    let wrong_people = "sign_in,name,email,agency,tier,roles,job_title\n\
hav-x-one,One,one@example.org,hav-nowhere,practitioner,,\n\
hav-x-two,Two,two@example.org,hav-police,manager,no-such-role,\n\
hav-x-three,Three,one@example.org,hav-police,practitioner,,\n\
hav-x-four,Four,not-an-email,hav-police,practitioner,,\n";
    let refused = upload(
        &app,
        &admin,
        Some(&admin.csrf),
        &[
            ("agencies", "agencies.csv", wrong_agencies),
            ("people", "people.csv", wrong_people),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    let summary = &page[page.find("govuk-error-summary").expect("an error summary")..];
    let summary = &summary[..summary.find("</ul>").unwrap()];
    for expected in [
        "agencies.csv, line 1: The header has no `kind` column",
        "people.csv, line 2, column 4:",
        "people.csv, line 3, column 6:",
        "people.csv, line 4, column 3:",
        "people.csv, line 5, column 3:",
    ] {
        assert!(summary.contains(expected), "{expected} in {summary}");
    }
    assert!(summary.contains("href=\"#people\""), "{summary}");
    assert!(summary.contains("href=\"#agencies\""), "{summary}");
    assert_eq!(people_of(&state).await, people_before, "nothing written");
    assert_eq!(audit_of(&state).await, audit_before);

    // Without the session's token the upload is refused before it is read.
    let forged = upload(
        &app,
        &admin,
        None,
        &[
            ("agencies", "agencies.csv", AGENCIES),
            ("people", "people.csv", PEOPLE),
        ],
    )
    .await;
    assert_eq!(forged.status(), 403);

    // The corrected files: what would change, to confirm.
    let checked = upload(
        &app,
        &admin,
        Some(&admin.csrf),
        &[
            ("agencies", "agencies.csv", AGENCIES),
            ("people", "people.csv", PEOPLE),
        ],
    )
    .await;
    assert_eq!(checked.status(), 200);
    let page = checked.text().await.unwrap();
    assert!(page.contains("Agencies to add (1)"), "{page}");
    assert!(page.contains("People to add (2)"), "{page}");
    assert!(page.contains("Tomasz Wilk, Havering Housing"), "{page}");
    assert_eq!(people_of(&state).await, people_before, "nothing yet");
    let fields = hidden_fields(&page);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();

    // A confirmation whose digest is not what the files now do is shown
    // again, to check.
    let mut stale = pairs.clone();
    stale.retain(|(k, _)| *k != "digest");
    stale.push(("digest", "0000"));
    let again = post_form(&app, &admin, "/admin/directory/import/confirm", &stale).await;
    assert_eq!(again.status(), 200);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("The directory changed since you checked")
    );
    assert_eq!(people_of(&state).await, people_before);

    let confirmed = post_form(&app, &admin, "/admin/directory/import/confirm", &pairs).await;
    assert_eq!(confirmed.status(), 303);
    assert_eq!(
        confirmed.headers()["location"],
        "/admin/directory/import?done=imported"
    );
    assert_eq!(people_of(&state).await, people_before + 2);
    let head = state
        .store()
        .person_by_sign_in("hav-housing-head")
        .await
        .unwrap()
        .expect("imported");
    assert_eq!(head.declared_roles.len(), 1);
    // Each new person was invited, once: inviting them again invites nobody.
    let officer = state
        .store()
        .person_by_sign_in("hav-housing-officer")
        .await
        .unwrap()
        .unwrap();
    let again = state
        .store()
        .invite_new_people(
            &[&head.id, &officer.id],
            jiff::Timestamp::now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    // Each change is in the directory audit, made by the administrator.
    let audit = state
        .store()
        .directory_audit("havering", 10_000)
        .await
        .unwrap();
    // Three changes and an invitation to each of the two new people.
    let kinds: Vec<&str> = audit.iter().take(5).map(|e| e.what.as_str()).collect();
    assert_eq!(audit.len(), audit_before + 5, "{kinds:?}");
    assert_eq!(
        kinds,
        [
            "account.invitation_sent",
            "account.invitation_sent",
            "person.added",
            "person.added",
            "agency.added"
        ]
    );
    assert!(
        audit
            .iter()
            .take(5)
            .all(|e| format!("{:?}", e.by).contains(ADMIN))
    );

    // The same files again change nothing.
    let same = upload(
        &app,
        &admin,
        Some(&admin.csrf),
        &[
            ("agencies", "agencies.csv", AGENCIES),
            ("people", "people.csv", PEOPLE),
        ],
    )
    .await;
    let page = same.text().await.unwrap();
    assert!(page.contains("would change nothing"), "{page}");
    assert!(!page.contains("Import the directory</button>"), "{page}");
    assert!(
        page.contains("People unchanged</dt><dd class=\"govuk-summary-list__value\">2"),
        "{page}"
    );
}

#[tokio::test]
async fn an_administrator_imports_the_directory_from_csv_on_sqlite() {
    an_administrator_imports_the_directory_from_csv(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_administrator_imports_the_directory_from_csv_on_postgres() {
    an_administrator_imports_the_directory_from_csv(Backend::Postgres).await;
}

#[tokio::test]
async fn the_templates_download_as_csv_and_import_cleanly() {
    let (app, _state, _clock) = spawn_app_with_directory(Backend::Sqlite, &[ADMIN]).await;
    let admin = sign_in(&app, ADMIN).await;
    let mut texts = Vec::new();
    for file in ["agencies.csv", "people.csv"] {
        let response = admin
            .on(app.client.get(app.url(&format!("/admin/directory/{file}"))))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        assert_eq!(
            response.headers()["content-disposition"],
            format!("attachment; filename=\"{file}\"").as_str()
        );
        texts.push(response.text().await.unwrap());
    }
    assert!(texts[0].starts_with("id,name,kind\n"), "{}", texts[0]);
    assert!(
        texts[1].starts_with("sign_in,name,email,agency,tier,roles,job_title\n"),
        "{}",
        texts[1]
    );
    assert_eq!(texts[1].lines().count(), 2, "a header and one example");
    let checked = upload(
        &app,
        &admin,
        Some(&admin.csrf),
        &[
            ("agencies", "agencies.csv", &texts[0]),
            ("people", "people.csv", &texts[1]),
        ],
    )
    .await;
    assert_eq!(checked.status(), 200);
    let page = checked.text().await.unwrap();
    assert!(page.contains("People to add (1)"), "{page}");
    // Someone who is not an administrator gets no template.
    let (app2, _s, _c) = spawn_app_with_directory(Backend::Sqlite, &["hav-police-manager"]).await;
    let manager = sign_in(&app2, "hav-police-manager").await;
    let refused = manager
        .on(app2.client.get(app2.url("/admin/directory/people.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}

/// A directory larger than the 64 KiB every other body is held to uploads
/// and imports: the upload and its confirmation read up to 2 MiB.
#[tokio::test]
async fn a_directory_larger_than_the_usual_body_limit_imports() {
    let (app, state, _clock) = spawn_app_with_directory(Backend::Sqlite, &[ADMIN]).await;
    let admin = sign_in(&app, ADMIN).await;
    let mut people = String::from("sign_in,name,email,agency,tier,roles,job_title\n");
    for i in 0..1_200 {
        people.push_str(&format!(
            "hav-bulk-{i},Officer Number {i},officer.{i}@police.example.org,hav-police,practitioner,,Police constable\n"
        ));
    }
    assert!(people.len() > accord_web::BODY_LIMIT, "{}", people.len());
    let before = people_of(&state).await;
    let checked = upload(
        &app,
        &admin,
        Some(&admin.csrf),
        &[
            ("agencies", "agencies.csv", "id,name,kind\n"),
            ("people", "people.csv", &people),
        ],
    )
    .await;
    assert_eq!(checked.status(), 200);
    let page = checked.text().await.unwrap();
    assert!(page.contains("People to add (1200)"), "{}", &page[..2000]);
    let fields = hidden_fields(&page);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let confirmed = post_form(&app, &admin, "/admin/directory/import/confirm", &pairs).await;
    assert_eq!(confirmed.status(), 303);
    assert_eq!(people_of(&state).await, before + 1_200);
    // Files over the upload limit are refused with what to do.
    let huge = format!(
        "sign_in,name,email,agency,tier,roles,job_title\n{}",
        "x".repeat(accord_web::UPLOAD_LIMIT)
    );
    let refused = upload(
        &app,
        &admin,
        Some(&admin.csrf),
        &[
            ("agencies", "agencies.csv", "id,name,kind\n"),
            ("people", "people.csv", &huge),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("people.csv into smaller files"),
        "{}",
        &page[..3000.min(page.len())]
    );
    // Any other form is still held to the usual limit.
    let big = "x".repeat(accord_web::BODY_LIMIT + 1);
    let refused = post_form(&app, &admin, "/admin/second-factor", &[("required", &big)]).await;
    assert_eq!(refused.status(), 413);
}
