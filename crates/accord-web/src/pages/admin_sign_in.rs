//! Single sign-on, as a partnership's administrators set it up (issue 16):
//! the identity providers its people sign in through, at `/admin/sign-in`,
//! each added, changed and removed there; the redirect URL to register at
//! each; and the people a provider vouched for whom the directory does not
//! know, to add.
//!
//! A provider's client secret is written, never read back: its input is a
//! password input that is never filled, and left empty on a change it
//! keeps the secret already set. The store checks every setting
//! ([`ProviderSettings::problems`]) and audits every change.

use accord_store::identity_providers::{group_roles_text, parse_group_roles};
use accord_store::{IdentityClaim, IdentityProvider, ProviderSettings, UnknownSignIn};
use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use super::admin::{Admin, admin};
use super::extract::{Form, Path, Query};
use super::form::{Block, Choice, Errors, Posted, Question, QuestionPage};
use super::{Done, PageError, Viewer, html, html_with_status, words};
use crate::{ApiError, AppState};

/// The list's address.
const LIST: &str = "/admin/sign-in";

/// How each claim is offered, with a hint.
fn claim_choice(claim: IdentityClaim) -> Choice {
    match claim {
        IdentityClaim::Email => Choice::new("email", "Their email address (email)").hint(
            "Matched to the email address in Accord's directory. Use it when the provider's \
             email addresses are the ones your directory holds.",
        ),
        IdentityClaim::Subject => Choice::new("sub", "The provider's subject (sub)").hint(
            "A stable id for the person at this provider, linked to their directory entry the \
             first time they sign in by a verified email address.",
        ),
        IdentityClaim::ObjectId => Choice::new("oid", "Microsoft Entra ID's object id (oid)").hint(
            "The same for the person in every application of your Entra ID tenant; linked \
                 like the subject.",
        ),
    }
}

fn claim_words(claim: IdentityClaim) -> &'static str {
    match claim {
        IdentityClaim::Email => "Email address",
        IdentityClaim::Subject => "Subject (sub)",
        IdentityClaim::ObjectId => "Entra object id (oid)",
    }
}

/// The words after saving, removing.
fn done_words(done: &str) -> Option<&'static str> {
    Some(match done {
        "added" => "The identity provider is added",
        "saved" => "The identity provider is saved",
        "removed" => {
            "The identity provider is removed: its people sign in with a password until you add \
             another"
        }
        _ => return None,
    })
}

/// One provider, as the list shows it.
struct ProviderRow {
    id: String,
    name: String,
    issuer: String,
    domains: String,
    claim: &'static str,
    enabled: bool,
    passwords_off: bool,
}

/// One person turned away, as the list shows them.
struct UnknownRow {
    email: String,
    name: String,
    provider: String,
    first: String,
    last: String,
    attempts: i64,
    /// The page that adds them, their email and name filled in.
    add: String,
}

#[derive(Template)]
#[template(path = "admin_sign_in.html")]
struct SignInPage {
    chrome: super::Chrome,
    partnership: String,
    providers: Vec<ProviderRow>,
    /// The redirect URL, when Accord knows its own address.
    callback: Option<String>,
    unknown: Vec<UnknownRow>,
    done: Option<&'static str>,
}

/// `GET /admin/sign-in`: the partnership's identity providers, the
/// redirect URL, and the people who could not sign in.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let store = state.store();
    let providers = store
        .identity_providers(Some(&a.partnership.id))
        .await
        .map_err(|e| a.fail(e))?;
    let unknown = store
        .unknown_sign_ins(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?;
    let provider_name = |id: &str| {
        providers
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_owned(), |p| p.name.clone())
    };
    let unknown = unknown
        .into_iter()
        .map(|u: UnknownSignIn| UnknownRow {
            add: format!(
                "/admin/people/new?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("email", &u.email)
                    .append_pair("name", &u.name)
                    .finish()
            ),
            provider: provider_name(&u.provider),
            first: words::when(u.first_at),
            last: words::when(u.last_at),
            attempts: u.attempts,
            email: u.email,
            name: u.name,
        })
        .collect();
    let providers = providers
        .iter()
        .map(|p| ProviderRow {
            id: p.id.clone(),
            name: p.name.clone(),
            issuer: p.issuer.clone(),
            domains: p.domains.join(", "),
            claim: claim_words(p.claim),
            enabled: p.enabled,
            passwords_off: p.passwords_off,
        })
        .collect();
    Ok(html(&SignInPage {
        chrome: a.chrome("Single sign-on", &Errors::default()),
        partnership: a.partnership.name.clone(),
        providers,
        callback: state.base_url().map(|base| {
            format!(
                "{}{}",
                base.trim_end_matches('/'),
                crate::oidc::CALLBACK_PATH
            )
        }),
        unknown,
        done: done_words(&done.done),
    }))
}

/// The role ids of the partnership's policy in force, which a group may be
/// mapped to.
async fn policy_roles(state: &AppState, a: &Admin<'_>) -> Result<Vec<String>, PageError> {
    let policy = state
        .current_policy(&a.partnership.policy)
        .await
        .map_err(|e| a.fail(e))?;
    Ok(policy
        .roles
        .iter()
        .map(|r| r.id.as_str().to_owned())
        .collect())
}

/// The questions, `new` when adding a provider.
fn questions(posted: &Posted, roles: &[String], new: bool) -> Vec<Question> {
    let mut q = Vec::new();
    if new {
        q.push(
            Question::text("id", "Id", posted)
                .hint(
                    "A short name for Accord's records and addresses, of lower-case letters, \
                     digits and hyphens, such as havering-entra. It cannot be changed later.",
                )
                .width("govuk-input--width-20"),
        );
    }
    q.push(
        Question::text("name", "Name on the sign-in page", posted).hint(
            "What people choose on the sign-in page, such as London Borough of Havering or \
             Havering staff.",
        ),
    );
    q.push(Question::text("issuer", "Issuer URL", posted).hint(
        "The provider's address, which Accord finds everything else from. For Microsoft \
             Entra ID: https://login.microsoftonline.com/YOUR-TENANT-ID/v2.0; for Google: \
             https://accounts.google.com",
    ));
    q.push(
        Question::text("client_id", "Client id", posted).hint(
            "The client id (application id) the provider gave Accord when you registered it.",
        ),
    );
    q.push(
        Question::text("client_secret", "Client secret", posted)
            .hint(if new {
                "The secret the provider gave Accord. Accord never shows it again."
            } else {
                "Leave it empty to keep the secret you set. Enter a new one only when the \
                 provider has given you a new one. Accord never shows it."
            })
            .secret(),
    );
    q.push(Question::text("domains", "Email domains", posted).hint(
        "The email domains whose people sign in through this provider, separated by spaces \
             or commas, such as havering.gov.uk onesource.co.uk",
    ));
    q.push(Question::radios(
        "claim",
        "Which claim identifies a person",
        IdentityClaim::ALL.into_iter().map(claim_choice).collect(),
        posted,
    ));
    q.push(
        Question::text(
            "mfa_acr",
            "acr values that show the provider's own second factor (optional)",
            posted,
        )
        .hint(
            "Separated by spaces. Accord accepts the provider's own second factor when its \
             token's amr claim says mfa, or its acr claim is one of these; otherwise Accord asks \
             for its own code where your partnership requires a second factor.",
        ),
    );
    q.push(
        Question::textarea("group_roles", "Groups that give a role (optional)", posted).hint(
            format!(
                "One a line, as group=role, where group is a value of the provider's groups \
                 claim and role is a role of your policy: {}. Leave it empty to keep roles in \
                 Accord's directory only.",
                roles.join(", ")
            ),
        ),
    );
    q.push(Question::checkboxes(
        "passwords_off",
        "Local passwords",
        vec![
            Choice::new(
                "yes",
                "Switch off local passwords for people of these domains",
            )
            .hint(
                "They must sign in through this provider. Leave it unticked while you try the \
                 provider out.",
            ),
        ],
        posted,
    ));
    q.push(Question::checkboxes(
        "enabled",
        "The sign-in page",
        vec![
            Choice::new("yes", "Offer this provider on the sign-in page")
                .hint("Untick it to stop anyone signing in through it, without removing it."),
        ],
        posted,
    ));
    q
}

/// Space- or comma-separated words, lower-cased where `lower`, each once.
fn words_of(text: &str, lower: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|c: char| c.is_whitespace() || c == ',') {
        let w = if lower {
            w.trim().to_lowercase()
        } else {
            w.trim().to_owned()
        };
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The settings posted for provider `id` of `partnership`, or what to fix
/// in them.
fn read_settings(
    posted: &Posted,
    partnership: &str,
    id: &str,
    roles: &[String],
    new: bool,
) -> Result<ProviderSettings, Errors> {
    let claim = IdentityClaim::parse(posted.get("claim"));
    let secret = posted.get("client_secret").trim();
    let settings = ProviderSettings {
        provider: IdentityProvider {
            id: id.trim().to_owned(),
            partnership: partnership.to_owned(),
            name: posted.get("name").trim().to_owned(),
            issuer: posted.get("issuer").trim().to_owned(),
            client_id: posted.get("client_id").trim().to_owned(),
            domains: words_of(posted.get("domains"), true),
            claim: claim.unwrap_or(IdentityClaim::Email),
            mfa_acr: words_of(posted.get("mfa_acr"), false),
            group_roles: parse_group_roles(&posted.get("group_roles").replace("\r\n", "\n")),
            passwords_off: posted.has("passwords_off", "yes"),
            enabled: posted.has("enabled", "yes"),
        },
        client_secret: (!secret.is_empty()).then(|| secret.to_owned()),
    };
    let mut errors = Errors::default();
    for problem in settings.problems(roles, new) {
        errors.add(problem.field, problem.message);
    }
    if claim.is_none() {
        errors.add("claim", "Select which claim identifies a person");
    }
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

/// The form, adding a provider (`changing` `None`) or changing the one
/// set up already.
fn form_page(
    a: &Admin<'_>,
    changing: Option<&IdentityProvider>,
    posted: &Posted,
    roles: &[String],
    errors: &Errors,
) -> Response {
    let new = changing.is_none();
    let questions = questions(posted, roles, new);
    let mut listed = errors.0.clone();
    listed.sort_by_key(|e| questions.iter().position(|q| q.name == e.field));
    let (title, action, intro, button) = match changing {
        None => (
            "Add an identity provider".to_owned(),
            "/admin/sign-in/new".to_owned(),
            vec![
                "Register Accord at the provider first, as a web application, with the redirect \
                 URL shown on the Single sign-on page. The provider then gives you the issuer \
                 URL, a client id and a client secret to enter here."
                    .to_owned(),
            ],
            "Add the provider",
        ),
        Some(p) => (
            format!("Change {}", p.name),
            format!("/admin/sign-in/{}", p.id),
            vec![format!("Its id is {}.", p.id)],
            "Save the provider",
        ),
    };
    let view = QuestionPage {
        chrome: a.chrome(title, errors),
        errors: listed,
        caption: format!("Administration: {}", a.partnership.name),
        back: (LIST.to_owned(), "Single sign-on".to_owned()),
        action,
        intro,
        blocks: Vec::new(),
        questions: questions.into_iter().map(|q| q.checked(errors)).collect(),
        hidden: Vec::new(),
        csrf_token: a.viewer.csrf_token().to_owned(),
        button: button.to_owned(),
        warning_button: false,
        cancel: Some((LIST.to_owned(), "Cancel".to_owned())),
        secondary: (!new).then(|| {
            (
                "remove".to_owned(),
                "ask".to_owned(),
                "Remove this provider".to_owned(),
            )
        }),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_with_status(status, &view)
}

/// What the form shows of a provider set up already: never its secret.
fn posted_of(p: &IdentityProvider) -> Posted {
    let mut posted = Posted::default();
    posted.set("name", p.name.clone());
    posted.set("issuer", p.issuer.clone());
    posted.set("client_id", p.client_id.clone());
    posted.set("domains", p.domains.join(" "));
    posted.set("claim", p.claim.as_str());
    posted.set("mfa_acr", p.mfa_acr.join(" "));
    posted.set("group_roles", group_roles_text(&p.group_roles));
    if p.passwords_off {
        posted.set("passwords_off", "yes");
    }
    if p.enabled {
        posted.set("enabled", "yes");
    }
    posted
}

/// Provider `id`, if it is of the administrator's partnership: another
/// partnership's is as missing as one that does not exist.
async fn own_provider(
    state: &AppState,
    a: &Admin<'_>,
    id: &str,
) -> Result<IdentityProvider, PageError> {
    state
        .store()
        .identity_provider(id)
        .await
        .map_err(|e| a.fail(e))?
        .filter(|p| p.partnership == a.partnership.id)
        .ok_or_else(|| a.fail(super::no_such_page()))
}

/// `GET /admin/sign-in/new`.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let roles = policy_roles(&state, &a).await?;
    let mut posted = Posted::default();
    posted.set("claim", "email");
    posted.set("enabled", "yes");
    Ok(form_page(&a, None, &posted, &roles, &Errors::default()))
}

/// `POST /admin/sign-in/new`.
pub(crate) async fn add(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let roles = policy_roles(&state, &a).await?;
    let posted = Posted::from_pairs(pairs);
    let id = posted.get("id").trim().to_owned();
    let mut settings = read_settings(&posted, &a.partnership.id, &id, &roles, true);
    if !id.is_empty()
        && state
            .store()
            .identity_provider(&id)
            .await
            .map_err(|e| a.fail(e))?
            .is_some()
    {
        let mut errors = settings.err().unwrap_or_default();
        errors.add(
            "id",
            "There is an identity provider with this id already: choose another",
        );
        settings = Err(errors);
    }
    let settings = match settings {
        Ok(s) => s,
        Err(errors) => return Ok(form_page(&a, None, &posted, &roles, &errors)),
    };
    state
        .store()
        .save_identity_provider(&settings, state.now(), &a.by())
        .await
        .map_err(|e| a.fail(ApiError::Internal(Box::new(e))))?;
    tracing::info!("an administrator added an identity provider");
    Ok(Redirect::to("/admin/sign-in?done=added").into_response())
}

/// `GET /admin/sign-in/{id}`.
pub(crate) async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let provider = own_provider(&state, &a, &id).await?;
    let roles = policy_roles(&state, &a).await?;
    Ok(form_page(
        &a,
        Some(&provider),
        &posted_of(&provider),
        &roles,
        &Errors::default(),
    ))
}

/// `POST /admin/sign-in/{id}`: saves the changes, or, from the form's
/// "Remove this provider", asks to be sure.
pub(crate) async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let provider = own_provider(&state, &a, &id).await?;
    let posted = Posted::from_pairs(pairs);
    if posted.get("remove") == "ask" {
        return Ok(confirm_remove(&a, &provider));
    }
    let roles = policy_roles(&state, &a).await?;
    let settings = match read_settings(&posted, &a.partnership.id, &provider.id, &roles, false) {
        Ok(s) => s,
        Err(errors) => return Ok(form_page(&a, Some(&provider), &posted, &roles, &errors)),
    };
    state
        .store()
        .save_identity_provider(&settings, state.now(), &a.by())
        .await
        .map_err(|e| a.fail(ApiError::Internal(Box::new(e))))?;
    tracing::info!("an administrator changed an identity provider");
    Ok(Redirect::to("/admin/sign-in?done=saved").into_response())
}

/// The page that asks whether to remove `provider`.
fn confirm_remove(a: &Admin<'_>, provider: &IdentityProvider) -> Response {
    let view = QuestionPage {
        chrome: a.chrome(
            format!("Remove {} from the sign-in page?", provider.name),
            &Errors::default(),
        ),
        errors: Vec::new(),
        caption: format!("Administration: {}", a.partnership.name),
        back: (format!("/admin/sign-in/{}", provider.id), "Back".to_owned()),
        action: format!("/admin/sign-in/{}/remove", provider.id),
        intro: vec![format!(
            "People of {} will no longer be able to sign in through it. Those already signed in \
             stay signed in until their session ends.",
            provider.domains.join(", ")
        )],
        blocks: vec![
            Block::new("People who cannot sign in with a password")
                .paragraph(if provider.passwords_off {
                    "Local passwords come back on for these domains: anyone without a password \
                     needs an invitation to choose one, from their page in People and roles."
                } else {
                    "Anyone without a password needs an invitation to choose one, from their page \
                     in People and roles."
                })
                .warning(),
        ],
        questions: Vec::new(),
        hidden: vec![("confirm".to_owned(), "yes".to_owned())],
        csrf_token: a.viewer.csrf_token().to_owned(),
        button: "Yes, remove it".to_owned(),
        warning_button: true,
        cancel: Some((
            format!("/admin/sign-in/{}", provider.id),
            "Cancel".to_owned(),
        )),
        secondary: None,
    };
    html(&view)
}

/// `POST /admin/sign-in/{id}/remove`: removes the provider once the
/// administrator has said yes; asks them first otherwise.
pub(crate) async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let provider = own_provider(&state, &a, &id).await?;
    let posted = Posted::from_pairs(pairs);
    if posted.get("confirm") != "yes" {
        return Ok(confirm_remove(&a, &provider));
    }
    state
        .store()
        .remove_identity_provider(&provider.id, state.now(), &a.by())
        .await
        .map_err(|e| a.fail(ApiError::Internal(Box::new(e))))?;
    tracing::info!("an administrator removed an identity provider");
    Ok(Redirect::to("/admin/sign-in?done=removed").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn domains_are_split_on_spaces_and_commas_and_lower_cased() {
        assert_eq!(
            words_of(" Havering.gov.uk,onesource.co.uk  havering.gov.uk ", true),
            vec!["havering.gov.uk", "onesource.co.uk"]
        );
    }

    #[test]
    fn an_empty_secret_keeps_the_one_set_and_a_missing_claim_is_named() {
        let roles = vec!["hscp-chair".to_owned()];
        let form = posted(&[
            ("name", "Havering"),
            ("issuer", "https://login.example.com/t/v2.0"),
            ("client_id", "accord"),
            ("client_secret", "  "),
            ("domains", "havering.gov.uk"),
            ("claim", "oid"),
            ("group_roles", "chairs=hscp-chair\r\n"),
            ("enabled", "yes"),
        ]);
        let settings = read_settings(&form, "havering", "havering-entra", &roles, false).unwrap();
        assert_eq!(settings.client_secret, None);
        assert_eq!(settings.provider.claim, IdentityClaim::ObjectId);
        assert!(settings.provider.enabled && !settings.provider.passwords_off);
        assert_eq!(
            settings.provider.group_roles,
            vec![("chairs".to_owned(), "hscp-chair".to_owned())]
        );
        let errors = read_settings(&form, "havering", "havering-entra", &roles, true).unwrap_err();
        assert!(errors.on("client_secret").is_some());
        let errors = read_settings(&posted(&[]), "havering", "x", &roles, false).unwrap_err();
        assert_eq!(
            errors.on("claim").as_deref(),
            Some("Select which claim identifies a person")
        );
    }
}
