//! Signing in through an organisation's own identity provider (issue 16):
//! `GET /sign-in/provider/{id}` sends the browser to the provider, and
//! `GET /sign-in/provider/callback` takes its answer, checks it
//! (`crate::oidc`), finds the person in the directory and signs them in.
//!
//! - The sign-in under way is kept by the store under a secret in a
//!   cookie of its own (`SameSite=Lax`, so the provider's redirect back
//!   carries it), used once and for ten minutes: an answer replayed, or
//!   brought to another browser, signs nobody in.
//! - A person is matched by the claim the administrator chose, and only
//!   when the provider vouches for their email and it is of one of the
//!   provider's domains. Someone the directory does not know is told whom
//!   to ask, and written down for the administrator.
//! - A partnership that requires a second factor accepts the provider's
//!   own (an `amr` of `mfa`, or an `acr` the administrator named);
//!   otherwise Accord asks its own code, at `/sign-in/provider/code`.
//! - Every refusal is a page saying what happened and what to do, with
//!   nothing signed in; the server's log names the provider and the kind of
//!   refusal, never the person.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use accord_policy::RoleTier;
use accord_store::{
    AwaitingCode, IdentityClaim, IdentityProvider, Person, ProviderSignIn, SecondFactorCheck,
};

use super::{
    Chrome, Section,
    extract::{Form, Query},
    form::FieldError,
    html_with_status,
    viewer::local_path,
};
use crate::{ApiError, AppState, auth, oidc};

/// The cookie that holds a sign-in under way at a provider.
const SIGN_IN_COOKIE: &str = "accord_provider_sign_in";

/// Where the cookie is sent: the sign-in's own pages only.
const SIGN_IN_PATH: &str = "/sign-in/provider";

fn sign_in_cookie(secret: &str, secure: bool) -> HeaderValue {
    let max_age = accord_store::identity_providers::PROVIDER_SIGN_IN_LENGTH
        .as_secs()
        .unsigned_abs();
    // Lax, not Strict: the provider's redirect back is another site's.
    auth::lax_cookie(SIGN_IN_COOKIE, SIGN_IN_PATH, Some(secret), max_age, secure)
}

fn clear_sign_in_cookie(secure: bool) -> HeaderValue {
    auth::lax_cookie(SIGN_IN_COOKIE, SIGN_IN_PATH, None, 0, secure)
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    auth::cookie_named(headers, name).filter(|v| !v.is_empty() && v.len() <= 128)
}

/// A sign-in that could not finish: what happened, what to do, and whom
/// to ask.
#[derive(Template)]
#[template(path = "sign_in_problem.html")]
struct ProblemPage {
    chrome: Chrome,
    heading: String,
    message: String,
    /// The partnership's administrators, as `name (email)`, when they are
    /// the ones to ask.
    ask: Vec<String>,
}

fn problem(status: StatusCode, heading: &str, message: String, ask: Vec<String>) -> Response {
    let mut response = html_with_status(
        status,
        &ProblemPage {
            chrome: Chrome::new(heading, Section::None, None),
            heading: heading.to_owned(),
            message,
            ask,
        },
    );
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn start_again(message: impl Into<String>) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "You have not been signed in",
        message.into(),
        Vec::new(),
    )
}

/// A page that sends the browser on at once, with a link for one that
/// does not: after a provider's redirect (so that the next request is
/// Accord's own, and carries the `SameSite=Strict` session cookie), and to
/// sign out at the provider after a form (which the pages' content
/// security policy would not follow).
#[derive(Template)]
#[template(path = "continue.html")]
struct ContinuePage {
    chrome: Chrome,
    heading: String,
    to: String,
    link: String,
}

fn continue_to(heading: &str, to: &str, link: &str) -> Response {
    let mut response = html_with_status(
        StatusCode::OK,
        &ContinuePage {
            chrome: Chrome::new(heading, Section::None, None),
            heading: heading.to_owned(),
            to: to.to_owned(),
            link: link.to_owned(),
        },
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn log_refusal(provider: &str, kind: &str, detail: &str) {
    tracing::warn!(provider, kind, detail, "single sign-on refused");
}

/// The redirect URL every provider sends its answer to, under Accord's
/// public address; `None` without one.
fn redirect_url(state: &AppState) -> Option<String> {
    state
        .base_url()
        .map(|base| format!("{}{}", base.trim_end_matches('/'), oidc::CALLBACK_PATH))
}

async fn enabled_provider(state: &AppState, id: &str) -> Result<IdentityProvider, Response> {
    match state.store().identity_provider(id).await {
        Ok(Some(p)) if p.enabled => Ok(p),
        Ok(_) => Err(problem(
            StatusCode::NOT_FOUND,
            "This sign-in is not offered",
            "Accord does not offer sign-in through that provider: go back to the sign-in page \
             and choose your organisation there."
                .into(),
            Vec::new(),
        )),
        Err(e) => Err(super::PageError::from(ApiError::from(e)).into_response()),
    }
}

/// Where to go after signing in.
#[derive(Debug, Deserialize)]
pub(crate) struct Next {
    #[serde(default)]
    next: String,
}

/// Sends the browser to the provider `id` to sign in.
pub(crate) async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(next): Query<Next>,
) -> Response {
    let provider = match enabled_provider(&state, &id).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let Some(redirect) = redirect_url(&state) else {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Single sign-on is not ready",
            "Accord has not been told its public address, which the provider sends you back \
             to: ask your partnership's administrator to set base_url (ACCORD_BASE_URL)."
                .into(),
            Vec::new(),
        );
    };
    let secret = match state.store().identity_provider_secret(&provider.id).await {
        Ok(Some(s)) => s,
        Ok(None) => return start_again("That provider is no longer set up."),
        Err(e) => return super::PageError::from(ApiError::from(e)).into_response(),
    };
    let begun = match state.providers().begin(&provider, &secret, &redirect).await {
        Ok(b) => b,
        Err(e) => {
            log_refusal(&provider.id, e.kind(), e.detail());
            return problem(
                StatusCode::BAD_GATEWAY,
                "You have not been signed in",
                format!("{}.", super::sign_in::capitalised(&e.to_string())),
                Vec::new(),
            );
        }
    };
    let next = local_path(&next.next).unwrap_or_default().to_owned();
    let kept = ProviderSignIn {
        provider: provider.id.clone(),
        state: begun.state,
        nonce: begun.nonce,
        pkce_verifier: begun.pkce_verifier,
        next,
    };
    let cookie_secret = match state
        .store()
        .begin_provider_sign_in(&kept, state.now())
        .await
    {
        Ok(s) => s,
        Err(e) => return super::PageError::from(ApiError::from(e)).into_response(),
    };
    let mut response = Redirect::to(&begun.url).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::SET_COOKIE,
        sign_in_cookie(&cookie_secret, state.secure_cookies()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// What a provider sends back.
#[derive(Debug, Deserialize)]
pub(crate) struct Answer {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    /// RFC 9207: the issuer that answers, where the provider says.
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Takes the provider's answer: checks it, finds the person and signs them
/// in, or says why not.
pub(crate) async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(answer): Query<Answer>,
) -> Response {
    let secure = state.secure_cookies();
    let mut response = finish(&state, &headers, answer).await;
    // The sign-in is used, whatever came of it, unless it now waits for
    // Accord's own code under a new secret.
    let holds_new = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| {
            v.as_bytes()
                .starts_with(format!("{SIGN_IN_COOKIE}=").as_bytes())
        });
    if !holds_new {
        response
            .headers_mut()
            .append(header::SET_COOKIE, clear_sign_in_cookie(secure));
    }
    response
}

async fn finish(state: &AppState, headers: &HeaderMap, answer: Answer) -> Response {
    let now = state.now();
    let store = state.store();
    let Some(secret) = cookie(headers, SIGN_IN_COOKIE) else {
        return start_again(
            "This browser has no sign-in under way: it may have taken longer than ten minutes, \
             or been started in another browser. Go back to the sign-in page and start again.",
        );
    };
    let begun = match store.take_provider_sign_in(&secret, now).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            return start_again(
                "This sign-in has expired or has already been used. Go back to the sign-in \
                 page and start again.",
            );
        }
        Err(e) => return super::PageError::from(ApiError::from(e)).into_response(),
    };
    let provider = match enabled_provider(state, &begun.provider).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    if let Some(error) = &answer.error {
        // The codes of RFC 6749 §4.1.2.1 and OpenID Connect §3.1.2.6 only:
        // the parameter is whatever the address says, so nothing else of
        // it reaches the log.
        const KNOWN: [&str; 13] = [
            "invalid_request",
            "unauthorized_client",
            "access_denied",
            "unsupported_response_type",
            "invalid_scope",
            "server_error",
            "temporarily_unavailable",
            "interaction_required",
            "login_required",
            "account_selection_required",
            "consent_required",
            "invalid_request_uri",
            "invalid_request_object",
        ];
        let logged = KNOWN
            .iter()
            .find(|k| **k == error)
            .copied()
            .unwrap_or("other");
        log_refusal(&provider.id, "provider_error", logged);
        let message = if error == "access_denied" {
            format!(
                "{} did not let you sign in to Accord. If you think you should be able to, ask \
                 your organisation's IT service desk.",
                provider.name
            )
        } else {
            format!(
                "{} could not sign you in. Go back to the sign-in page and start again.",
                provider.name
            )
        };
        return start_again(message);
    }
    let state_ok = answer.state.as_deref().is_some_and(|s| {
        use subtle::ConstantTimeEq;
        bool::from(s.as_bytes().ct_eq(begun.state.as_bytes()))
    });
    if !state_ok {
        log_refusal(&provider.id, "wrong_state", "");
        return start_again(
            "The answer from your organisation does not match the sign-in started in this \
             browser, so nobody was signed in. Go back to the sign-in page and start again.",
        );
    }
    if let Some(iss) = &answer.iss
        && iss.trim_end_matches('/') != provider.issuer.trim_end_matches('/')
    {
        log_refusal(&provider.id, "wrong_issuer_parameter", "");
        return start_again(
            "The answer came from another provider than the one you chose, so nobody was \
             signed in. Go back to the sign-in page and start again.",
        );
    }
    let Some(code) = answer.code.filter(|c| !c.is_empty() && c.len() <= 2000) else {
        log_refusal(&provider.id, "no_code", "");
        return start_again(format!(
            "{} sent no sign-in. Go back to the sign-in page and start again.",
            provider.name
        ));
    };
    let (Some(redirect), Ok(Some(client_secret))) = (
        redirect_url(state),
        store.identity_provider_secret(&provider.id).await,
    ) else {
        return start_again("Single sign-on is not set up any more. Ask your administrator.");
    };
    let verified = match state
        .providers()
        .finish(
            &provider,
            &client_secret,
            &redirect,
            oidc::Returned {
                code: &code,
                pkce_verifier: &begun.pkce_verifier,
                nonce: &begun.nonce,
            },
            now,
        )
        .await
    {
        Ok(v) => v,
        Err(e) => {
            log_refusal(&provider.id, e.kind(), e.detail());
            return problem(
                StatusCode::UNAUTHORIZED,
                "You have not been signed in",
                format!("{}.", super::sign_in::capitalised(&e.to_string())),
                Vec::new(),
            );
        }
    };
    let person = match identify(state, &provider, &verified).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    match store.account_disabled(&person.id).await {
        Ok(false) => {}
        Ok(true) => {
            log_refusal(&provider.id, "account_disabled", "");
            return problem(
                StatusCode::FORBIDDEN,
                "Your Accord account is disabled",
                "Your organisation signed you in, but your account in Accord is disabled. If you \
                 still need Accord, ask your partnership's administrator to enable it."
                    .into(),
                admins(state, &person.partnership).await,
            );
        }
        Err(e) => return super::PageError::from(ApiError::from(e)).into_response(),
    }
    let person = match mapped_roles(state, &provider, person, &verified.groups).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let mfa = verified.second_factor_shown(&provider);
    let standing = match store.second_factor_standing(&person).await {
        Ok(s) => s,
        Err(e) => return super::PageError::from(ApiError::from(e)).into_response(),
    };
    if standing.enrolled && !mfa {
        let waiting = AwaitingCode {
            provider: provider.id.clone(),
            person: person.id.clone(),
            id_token: verified.id_token.clone(),
            next: begun.next.clone(),
        };
        return match store.hold_for_code(&waiting, now).await {
            Ok(held) => {
                let mut response = Redirect::to("/sign-in/provider/code").into_response();
                response.headers_mut().insert(
                    header::SET_COOKIE,
                    sign_in_cookie(&held, state.secure_cookies()),
                );
                response
            }
            Err(e) => super::PageError::from(ApiError::from(e)).into_response(),
        };
    }
    signed_in(
        state,
        &person,
        &provider.id,
        &verified.id_token,
        mfa,
        &begun.next,
    )
    .await
}

/// Starts the session and sends them on.
async fn signed_in(
    state: &AppState,
    person: &Person,
    provider: &str,
    id_token: &str,
    mfa: bool,
    next: &str,
) -> Response {
    let store = state.store();
    let session = match store.create_session(&person.id, state.now()).await {
        Ok(s) => s,
        Err(e) => return super::PageError::from(ApiError::from(e)).into_response(),
    };
    if let Err(e) = store
        .mark_provider_session(&session, provider, id_token, mfa)
        .await
    {
        return super::PageError::from(ApiError::from(e)).into_response();
    }
    tracing::info!(provider, "signed in through an identity provider");
    let to = if next.is_empty() { "/" } else { next };
    let mut response = continue_to("Signing you in", to, "Continue to Accord");
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_session_cookie(&session, state.secure_cookies()),
    );
    response
}

/// The directory person `verified` names at `provider`, or the page that
/// says why nobody.
async fn identify(
    state: &AppState,
    provider: &IdentityProvider,
    verified: &oidc::Verified,
) -> Result<Person, Response> {
    let store = state.store();
    let page_error =
        |e: accord_store::AccountError| super::PageError::from(ApiError::from(e)).into_response();
    let Some(email) = verified.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        log_refusal(&provider.id, "no_email", "");
        return Err(problem(
            StatusCode::FORBIDDEN,
            "You have not been signed in",
            format!(
                "{} did not give Accord your email address, which Accord needs to know who you \
                 are. Ask your partnership's administrator.",
                provider.name
            ),
            admins(state, &provider.partnership).await,
        ));
    };
    if !verified.email_verified {
        log_refusal(&provider.id, "email_not_verified", "");
        return Err(problem(
            StatusCode::FORBIDDEN,
            "You have not been signed in",
            format!(
                "{} has not confirmed that your email address is yours, so Accord cannot tell \
                 who you are. Ask your organisation's IT service desk to verify it, or your \
                 partnership's administrator.",
                provider.name
            ),
            admins(state, &provider.partnership).await,
        ));
    }
    if !provider.serves(email) {
        log_refusal(&provider.id, "email_outside_domains", "");
        return Err(problem(
            StatusCode::FORBIDDEN,
            "You have not been signed in",
            format!(
                "Your email address is not of a domain {} signs in for ({}). Sign in through \
                 your own organisation's button, or ask your partnership's administrator.",
                provider.name,
                provider.domains.join(", ")
            ),
            admins(state, &provider.partnership).await,
        ));
    }
    let subject = match provider.claim {
        IdentityClaim::Email => None,
        IdentityClaim::Subject => Some(verified.subject.clone()),
        IdentityClaim::ObjectId => match &verified.object_id {
            Some(oid) => Some(oid.clone()),
            None => {
                log_refusal(&provider.id, "no_oid", "");
                return Err(problem(
                    StatusCode::FORBIDDEN,
                    "You have not been signed in",
                    format!(
                        "{} did not give Accord the claim it identifies people by (oid). Ask \
                         your partnership's administrator to check how it is set up.",
                        provider.name
                    ),
                    admins(state, &provider.partnership).await,
                ));
            }
        },
    };
    let linked = match &subject {
        Some(subject) => store
            .person_by_provider_subject(&provider.id, subject)
            .await
            .map_err(page_error)?
            .filter(|p| p.partnership == provider.partnership),
        None => None,
    };
    let person = match linked {
        Some(p) => Some(p),
        None => store
            .person_by_email(&provider.partnership, email)
            .await
            .map_err(page_error)?,
    };
    let Some(person) = person else {
        log_refusal(&provider.id, "not_in_directory", "");
        if let Err(e) = store
            .record_unknown_sign_in(
                &provider.id,
                email,
                verified.name.as_deref().unwrap_or_default(),
                state.now(),
            )
            .await
        {
            return Err(super::PageError::from(ApiError::from(e)).into_response());
        }
        return Err(not_in_directory(state, provider, email).await);
    };
    if let Some(subject) = &subject
        && let Err(e) = store
            .link_provider_subject(&provider.id, subject, &person.id, state.now())
            .await
    {
        return Err(super::PageError::from(ApiError::from(e)).into_response());
    }
    Ok(person)
}

/// `person` with the roles the administrator mapped from `provider`'s
/// group claim brought up to date (issue 16: roles "never come from the
/// provider, unless an administrator maps a group claim to a role"): each
/// mapped role of their own tier is held while the token names its group,
/// and given up once it does not. Roles not mapped stay as the directory
/// has them. A change is written to the directory, with its audit, as made
/// by the provider.
async fn mapped_roles(
    state: &AppState,
    provider: &IdentityProvider,
    person: Person,
    groups: &[String],
) -> Result<Person, Response> {
    if provider.group_roles.is_empty() {
        return Ok(person);
    }
    let fail = |e: ApiError| super::PageError::from(e).into_response();
    let partnership = state
        .store()
        .partnerships()
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .find(|p| p.id == person.partnership)
        .ok_or_else(|| fail(super::no_such_page()))?;
    let policy = state
        .current_policy(&partnership.policy)
        .await
        .map_err(fail)?;
    let mut roles = person.declared_roles.clone();
    for (group, role) in &provider.group_roles {
        let Some(role) = policy.roles.iter().find(|r| r.id.as_str() == role) else {
            continue;
        };
        if role.tier != person.tier {
            continue;
        }
        let wanted = groups.iter().any(|g| g == group);
        let held = roles.contains(&role.id);
        if wanted && !held {
            roles.push(role.id.clone());
        } else if !wanted && held {
            roles.retain(|r| *r != role.id);
        }
    }
    if roles == person.declared_roles {
        return Ok(person);
    }
    let changed = Person {
        declared_roles: roles,
        ..person
    };
    state
        .store()
        .put_directory(
            accord_store::Directory {
                partnerships: &[],
                agencies: &[],
                people: std::slice::from_ref(&changed),
            },
            &accord_store::ChangedBy::System(format!("identity provider {}", provider.id).into()),
            state.now(),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    tracing::info!(provider = %provider.id, "a group claim changed a person's roles");
    Ok(changed)
}

/// The page for someone the provider vouched for whom the directory does
/// not know.
#[derive(Template)]
#[template(path = "sign_in_unknown.html")]
struct UnknownPage {
    chrome: Chrome,
    provider: String,
    email: String,
    partnership: String,
    ask: Vec<String>,
}

async fn not_in_directory(state: &AppState, provider: &IdentityProvider, email: &str) -> Response {
    let partnership = state
        .store()
        .partnerships()
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|p| p.id == provider.partnership))
        .map(|p| p.name)
        .unwrap_or_else(|| provider.partnership.clone());
    let mut response = html_with_status(
        StatusCode::FORBIDDEN,
        &UnknownPage {
            chrome: Chrome::new("Accord does not know you yet", Section::None, None),
            provider: provider.name.clone(),
            email: email.trim().to_lowercase(),
            partnership,
            ask: admins(state, &provider.partnership).await,
        },
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The partnership's administrators, as `name (email)`, whom to ask.
async fn admins(state: &AppState, partnership: &str) -> Vec<String> {
    let disabled = state
        .store()
        .disabled_people(partnership)
        .await
        .unwrap_or_default();
    state
        .store()
        .people(partnership)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.tier == RoleTier::Admin && !disabled.contains(&p.id))
        .map(|p| format!("{} ({})", p.name, p.email))
        .collect()
}

/// The page that asks Accord's own code after a provider's sign-in.
#[derive(Template)]
#[template(path = "sign_in_code.html")]
struct CodePage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    provider: String,
}

impl CodePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn waiting(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, AwaitingCode), Response> {
    let gone = || {
        start_again(
            "This sign-in has expired, or had too many wrong codes. Go back to the sign-in page \
             and start again.",
        )
    };
    let Some(secret) = cookie(headers, SIGN_IN_COOKIE) else {
        return Err(gone());
    };
    match state.store().awaiting_code(&secret, state.now()).await {
        Ok(Some(w)) => Ok((secret, w)),
        Ok(None) => Err(gone()),
        Err(e) => Err(super::PageError::from(ApiError::from(e)).into_response()),
    }
}

fn code_page(status: StatusCode, provider: String, errors: Vec<FieldError>) -> Response {
    let mut chrome = Chrome::new(
        "Enter the code from your authenticator app",
        Section::None,
        None,
    );
    chrome.has_errors = !errors.is_empty();
    html_with_status(
        status,
        &CodePage {
            chrome,
            errors,
            provider,
        },
    )
}

/// Asks the code.
pub(crate) async fn code_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match waiting(&state, &headers).await {
        Ok((_, w)) => {
            let name = provider_name(&state, &w.provider).await;
            code_page(StatusCode::OK, name, Vec::new())
        }
        Err(page) => page,
    }
}

async fn provider_name(state: &AppState, id: &str) -> String {
    state
        .store()
        .identity_provider(id)
        .await
        .ok()
        .flatten()
        .map(|p| p.name)
        .unwrap_or_else(|| id.to_owned())
}

/// What the code form sends.
#[derive(Debug, Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Checks the code, and signs them in.
pub(crate) async fn code_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let (secret, waiting) = match waiting(&state, &headers).await {
        Ok(w) => w,
        Err(page) => return page,
    };
    let name = provider_name(&state, &waiting.provider).await;
    let code = form.code.trim();
    if code.is_empty() || code.len() > 20 {
        return code_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            name,
            vec![FieldError::new(
                "code",
                "Enter the 6-digit code from your authenticator app",
            )],
        );
    }
    let checked = state
        .store()
        .check_second_factor(&waiting.person, code, state.now())
        .await;
    match checked {
        Ok(SecondFactorCheck::Accepted) => {}
        Ok(_) => {
            return match state.store().provider_code_failed(&secret).await {
                Ok(true) => code_page(
                    StatusCode::UNAUTHORIZED,
                    name,
                    vec![FieldError::new(
                        "code",
                        "The code is not right or has been used: enter the code your app shows \
                         now",
                    )],
                ),
                Ok(false) => start_again(
                    "That was the fifth wrong code, so this sign-in has ended. Go back to the \
                     sign-in page and start again.",
                ),
                Err(e) => super::PageError::from(ApiError::from(e)).into_response(),
            };
        }
        Err(e) => return super::PageError::from(ApiError::from(e)).into_response(),
    }
    if let Err(e) = state.store().forget_provider_sign_in(&secret).await {
        return super::PageError::from(ApiError::from(e)).into_response();
    }
    let person = match state.store().person(&waiting.person).await {
        Ok(Some(p)) => p,
        Ok(None) => return start_again("Your account is no longer in the directory."),
        Err(e) => return super::PageError::from(ApiError::from(e)).into_response(),
    };
    let mut response = signed_in(
        &state,
        &person,
        &waiting.provider,
        &waiting.id_token,
        false,
        &waiting.next,
    )
    .await;
    response.headers_mut().append(
        header::SET_COOKIE,
        clear_sign_in_cookie(state.secure_cookies()),
    );
    response
}

/// After the Accord session has ended: where to send the browser to sign
/// out at the provider the session began through too, if it offers that.
pub(crate) async fn sign_out_at_provider(state: &AppState, session: &str) -> Option<Response> {
    let begun = state.store().session_provider(session).await.ok()??;
    let provider = state
        .store()
        .identity_provider(&begun.provider)
        .await
        .ok()??;
    let after = format!("{}/sign-in", state.base_url()?.trim_end_matches('/'));
    let url = state
        .providers()
        .sign_out_url(&provider, &begun.id_token, &after)
        .await?;
    Some(continue_to(
        &format!("Signing you out of {}", provider.name),
        &url,
        &format!("Sign out of {} too", provider.name),
    ))
}
