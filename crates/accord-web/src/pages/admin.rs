//! Administration, for a partnership's administrators (the `admin` tier)
//! and nobody else: its agencies; its people, their roles and their
//! accounts (an invitation to choose their own password, sent again if
//! need be; a link to reset it; disabling and enabling; resetting a lost
//! second factor); whether everyone must use a second factor; the
//! bank-holiday calendars its deadlines are counted on; and the email to
//! its people that could not be sent, to try again. An administrator never
//! sees or types anyone's password (issue 13 §4).
//!
//! Administrators see no case: these pages show the directory and the
//! accounts, never a disagreement. What they change is logged without
//! naming anyone, and recorded in full in the directory audit (who, whom,
//! before and after, when), which `/admin/audit` shows them.
//!
//! Nobody changes their own role or policy roles, or disables themselves:
//! an administrator who could would give themselves access to cases (issue
//! 11). Another administrator, or the command line at the server, does it.

use super::extract::{Form, Path, Query};
use accord_case::{AgencyId, PersonId};
use accord_policy::{RoleId, RoleTier};
use accord_store::{
    AUDIT_SHOWN, Agency, AgencyKind, AuditEntry, AuditSubject, ChangedBy, Channel, Delivery,
    DeliveryStatus, Directory, DirectoryError, LinkPurpose, Partnership, Person,
};
use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use super::{
    Chrome, Done, PageError, Section, Viewer,
    form::{Choice, Errors, FieldError, Posted, Question, QuestionPage},
    html, html_with_status, words,
};
use crate::{ApiError, AppState};

/// The kinds of agency, as the pages name them.
pub(super) const KINDS: [(AgencyKind, &str, &str); 11] = [
    (
        AgencyKind::ChildrensSocialCare,
        "childrens-social-care",
        "Children's social care",
    ),
    (AgencyKind::Police, "police", "Police"),
    (
        AgencyKind::Health,
        "health",
        "Health: an NHS trust, the Integrated Care Board or a GP practice",
    ),
    (
        AgencyKind::Education,
        "education",
        "Education and early years",
    ),
    (AgencyKind::Probation, "probation", "Probation"),
    (AgencyKind::YouthJustice, "youth-justice", "Youth justice"),
    (AgencyKind::Housing, "housing", "Housing"),
    (
        AgencyKind::AdultSocialCare,
        "adult-social-care",
        "Adult social care",
    ),
    (
        AgencyKind::VoluntarySector,
        "voluntary-sector",
        "Voluntary and community sector",
    ),
    (AgencyKind::Other, "other", "Another kind of partner"),
    (
        AgencyKind::PartnershipTeam,
        "partnership-team",
        "The partnership's own team",
    ),
];

fn kind_words(kind: AgencyKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("", |(_, _, w)| w)
}

fn tier_words(tier: RoleTier) -> String {
    super::capitalised(&words::role_of_tier(tier))
}

/// What every administration page needs: the administrator and their
/// partnership's directory.
pub(super) struct Admin<'a> {
    pub(super) viewer: &'a Viewer,
    pub(super) partnership: Partnership,
    pub(super) agencies: Vec<Agency>,
    pub(super) people: Vec<Person>,
}

pub(super) async fn admin<'a>(
    state: &AppState,
    viewer: &'a Viewer,
) -> Result<Admin<'a>, PageError> {
    let fail = |e: ApiError| PageError::new(e, viewer);
    if viewer.principal.tier() != RoleTier::Admin {
        return Err(fail(ApiError::Forbidden {
            code: "admins_only",
            message: "administration is for your partnership's administrators: ask one of them \
                      to make the change"
                .to_owned(),
        }));
    }
    let store = state.store();
    let partnership = store
        .partnerships()
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .find(|p| p.id == viewer.principal.partnership())
        .ok_or_else(|| fail(ApiError::Internal("a person has no partnership".into())))?;
    let agencies = store
        .agencies(&partnership.id)
        .await
        .map_err(|e| fail(e.into()))?;
    let people = store
        .people(&partnership.id)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(Admin {
        viewer,
        partnership,
        agencies,
        people,
    })
}

impl Admin<'_> {
    pub(super) fn fail(&self, e: impl Into<ApiError>) -> PageError {
        PageError::new(e.into(), self.viewer)
    }

    /// Who the directory audit records as making the change: this
    /// administrator.
    pub(super) fn by(&self) -> ChangedBy {
        ChangedBy::Person(self.viewer.principal.id().clone())
    }

    /// The email to the partnership's people that could not be sent,
    /// newest first (of the latest [`FAILED_READ`] failed everywhere).
    async fn failed_email(&self, state: &AppState) -> Result<Vec<Delivery>, PageError> {
        let theirs: std::collections::HashSet<&PersonId> =
            self.people.iter().map(|p| &p.id).collect();
        Ok(state
            .store()
            .deliveries_with_status(DeliveryStatus::Failed, FAILED_READ)
            .await
            .map_err(|e| self.fail(e))?
            .into_iter()
            .filter(|d| d.channel == Channel::Email && theirs.contains(&d.person))
            .collect())
    }

    pub(super) fn person_name(&self, id: &PersonId) -> String {
        self.people
            .iter()
            .find(|p| &p.id == id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    }

    pub(super) fn agency_name(&self, id: &AgencyId) -> String {
        self.agencies
            .iter()
            .find(|a| &a.id == id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    }

    pub(super) fn chrome(&self, title: impl Into<String>, errors: &Errors) -> Chrome {
        let mut chrome = Chrome::new(title, Section::Admin, Some(self.viewer));
        chrome.has_errors = !errors.is_empty();
        chrome
    }

    /// A page of questions under "Administration".
    #[allow(clippy::too_many_arguments)]
    fn form_page(
        &self,
        title: &str,
        back: &str,
        action: &str,
        intro: Vec<String>,
        questions: Vec<Question>,
        errors: &Errors,
        button: &str,
    ) -> Response {
        // The error summary lists the mistakes in the order of the questions.
        let mut listed = errors.0.clone();
        listed.sort_by_key(|e| questions.iter().position(|q| q.name == e.field));
        let page = QuestionPage {
            chrome: self.chrome(title, errors),
            errors: listed,
            caption: format!("Administration: {}", self.partnership.name),
            back: (back.to_owned(), "Back".to_owned()),
            action: action.to_owned(),
            intro,
            blocks: Vec::new(),
            questions: questions.into_iter().map(|q| q.checked(errors)).collect(),
            hidden: Vec::new(),
            csrf_token: self.viewer.csrf_token().to_owned(),
            button: button.to_owned(),
            warning_button: false,
            cancel: Some((back.to_owned(), "Cancel".to_owned())),
            secondary: None,
        };
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        html_with_status(status, &page)
    }
}

// --- The hub -------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_home.html")]
struct HomePage {
    chrome: Chrome,
    partnership: String,
    policy: String,
    policy_version: u32,
    agencies: usize,
    people: usize,
    /// How many emails could not be sent.
    failed: usize,
    second_factor_required: bool,
    /// How many identity providers the partnership has.
    providers: usize,
    /// How many people its providers vouched for whom the directory does
    /// not know.
    unknown: usize,
    /// Whether the partnership has a retention schedule.
    retention: bool,
    /// How many webhook endpoints it has, and how many of them are paused.
    webhooks: usize,
    webhooks_paused: usize,
    csrf_token: String,
    done: Option<&'static str>,
}

fn done_words(done: &str) -> Option<&'static str> {
    Some(match done {
        "agency" => "The agency is saved",
        "person" => "The person is saved",
        "invited" => {
            "Accord is emailing them an invitation to choose their own password. The link in it \
             works once; any earlier invitation's link no longer works"
        }
        "reset-link" => {
            "Accord is emailing them a link to choose a new password. Until they use it, their \
             password, sessions, API tokens and calendar feed stay as they are; using it ends \
             them all"
        }
        "disabled" => {
            "Their account is disabled: their sessions have ended, and their API tokens and \
             calendar feed are revoked for good"
        }
        "enabled" => {
            "Their account is enabled again. The API tokens and calendar feed revoked when it \
             was disabled stay revoked: they make new ones"
        }
        "second-factor" => {
            "Their second factor is reset: they set up a new one when they next sign in"
        }
        "rule" => "The second-factor rule is saved",
        "retried" => "Accord will try to send the email again in the next few minutes",
        "not-failed" => "That email is no longer waiting: it has been tried again already",
        _ => return None,
    })
}

/// `GET /admin`.
pub(crate) async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let required = state
        .store()
        .second_factor_required(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?;
    let (policy, policy_version) = state
        .current_policy(&a.partnership.policy)
        .await
        .map(|p| (p.title.clone(), p.version))
        .map_err(|e| a.fail(e))?;
    let failed = a.failed_email(&state).await?.len();
    let providers = state
        .store()
        .identity_providers(Some(&a.partnership.id))
        .await
        .map_err(|e| a.fail(e))?
        .len();
    let unknown = state
        .store()
        .unknown_sign_ins(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?
        .len();
    let retention = state
        .store()
        .retention_schedule(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?
        .is_some();
    let webhooks = state
        .store()
        .webhooks(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?;
    let page = HomePage {
        retention,
        webhooks: webhooks.len(),
        webhooks_paused: webhooks.iter().filter(|w| w.paused).count(),
        chrome: a.chrome("Administration", &Errors::default()),
        partnership: a.partnership.name.clone(),
        policy,
        policy_version,
        agencies: a.agencies.len(),
        people: a.people.len(),
        failed,
        second_factor_required: required,
        providers,
        unknown,
        csrf_token: viewer.csrf_token().to_owned(),
        done: done_words(&done.done),
    };
    Ok(html(&page))
}

/// `POST /admin/second-factor`: requires a second factor of everyone, or
/// stops requiring it.
pub(crate) async fn second_factor_rule(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let posted = Posted::from_pairs(pairs);
    let required = posted.get("required") == "yes";
    state
        .store()
        .require_second_factor(&a.partnership.id, required, state.now(), &a.by())
        .await
        .map_err(|e| a.fail(ApiError::Internal(Box::new(e))))?;
    tracing::info!(required, "an administrator set the second-factor rule");
    Ok(Redirect::to("/admin?done=rule").into_response())
}

// --- Agencies ------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_agencies.html")]
struct AgenciesPage {
    chrome: Chrome,
    /// Each agency: id, name, kind, how many people.
    agencies: Vec<(String, String, &'static str, usize)>,
    done: Option<&'static str>,
}

/// `GET /admin/agencies`.
pub(crate) async fn agencies(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let mut rows: Vec<(String, String, &'static str, usize)> = a
        .agencies
        .iter()
        .map(|ag| {
            (
                ag.id.to_string(),
                ag.name.clone(),
                kind_words(ag.kind),
                a.people.iter().filter(|p| p.agency == ag.id).count(),
            )
        })
        .collect();
    rows.sort_by(|x, y| x.1.cmp(&y.1));
    let page = AgenciesPage {
        chrome: a.chrome("Agencies", &Errors::default()),
        agencies: rows,
        done: done_words(&done.done),
    };
    Ok(html(&page))
}

fn agency_questions(posted: &Posted) -> Vec<Question> {
    vec![
        Question::text("name", "Its name", posted)
            .hint("As people in the partnership know it, such as Metropolitan Police, East Area"),
        Question::radios(
            "kind",
            "What kind of agency is it?",
            KINDS.iter().map(|(_, v, w)| Choice::new(*v, *w)).collect(),
            posted,
        ),
    ]
}

fn read_agency(posted: &Posted) -> Result<(String, AgencyKind), Errors> {
    let mut e = Errors::default();
    let name = posted.get("name").trim().to_owned();
    if name.is_empty() {
        e.add("name", "Enter the agency's name");
    } else if name.chars().count() > crate::api::limits::MAX_NAME_CHARS {
        e.add(
            "name",
            format!(
                "The name must be {} characters or fewer",
                crate::api::limits::MAX_NAME_CHARS
            ),
        );
    }
    let kind = KINDS
        .iter()
        .find(|(_, v, _)| *v == posted.get("kind"))
        .map(|(k, _, _)| *k);
    if kind.is_none() {
        e.add("kind", "Select what kind of agency it is");
    }
    match kind {
        Some(kind) if e.is_empty() => Ok((name, kind)),
        _ => Err(e),
    }
}

/// `GET /admin/agencies/new` and `GET /admin/agencies/{id}`.
pub(crate) async fn agency_form(
    State(state): State<AppState>,
    viewer: Viewer,
    id: Option<Path<String>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let mut posted = Posted::default();
    let (title, action) = match &id {
        Some(Path(id)) => {
            let agency = a
                .agencies
                .iter()
                .find(|ag| ag.id.as_str() == id)
                .ok_or_else(|| a.fail(super::no_such_page()))?;
            posted.set("name", agency.name.clone());
            if let Some((_, v, _)) = KINDS.iter().find(|(k, _, _)| *k == agency.kind) {
                posted.set("kind", *v);
            }
            (
                format!("Change {}", agency.name),
                format!("/admin/agencies/{id}"),
            )
        }
        None => ("Add an agency".to_owned(), "/admin/agencies/new".to_owned()),
    };
    Ok(a.form_page(
        &title,
        "/admin/agencies",
        &action,
        Vec::new(),
        agency_questions(&posted),
        &Errors::default(),
        "Save the agency",
    ))
}

/// A new id for `name` in the partnership: its sign-in prefix, then the
/// name's words, made unique with a number.
fn new_id(prefix: &str, name: &str, taken: &[&str]) -> String {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .take(4)
        .collect::<Vec<_>>()
        .join("-");
    let base: String = format!("{prefix}-{slug}").chars().take(56).collect();
    let base = base.trim_end_matches('-').to_owned();
    if !taken.contains(&base.as_str()) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken.contains(&id.as_str()))
        .expect("some number is free")
}

/// `POST /admin/agencies/new` and `POST /admin/agencies/{id}`.
pub(crate) async fn save_agency(
    State(state): State<AppState>,
    viewer: Viewer,
    id: Option<Path<String>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let posted = Posted::from_pairs(pairs);
    let (title, action) = match &id {
        Some(Path(id)) => (
            "Change the agency".to_owned(),
            format!("/admin/agencies/{id}"),
        ),
        None => ("Add an agency".to_owned(), "/admin/agencies/new".to_owned()),
    };
    let (name, kind) = match read_agency(&posted) {
        Ok(v) => v,
        Err(errors) => {
            return Ok(a.form_page(
                &title,
                "/admin/agencies",
                &action,
                Vec::new(),
                agency_questions(&posted),
                &errors,
                "Save the agency",
            ));
        }
    };
    let agency_id = match &id {
        Some(Path(id)) => {
            if !a.agencies.iter().any(|ag| ag.id.as_str() == id) {
                return Err(a.fail(super::no_such_page()));
            }
            id.clone()
        }
        None => {
            let taken: Vec<&str> = a.agencies.iter().map(|ag| ag.id.as_str()).collect();
            new_id(&a.partnership.sign_in_prefix, &name, &taken)
        }
    };
    let agency = Agency {
        id: AgencyId::parse(&agency_id).map_err(|_| a.fail(super::no_such_page()))?,
        partnership: a.partnership.id.clone(),
        name,
        kind,
    };
    state
        .store()
        .put_directory(
            Directory {
                partnerships: &[],
                agencies: std::slice::from_ref(&agency),
                people: &[],
            },
            &a.by(),
            state.now(),
        )
        .await
        .map_err(|e| a.fail(e))?;
    tracing::info!("an administrator saved an agency");
    Ok(Redirect::to("/admin/agencies?done=agency").into_response())
}

// --- People --------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_people.html")]
struct PeoplePage {
    chrome: Chrome,
    /// Each person: id, name, job title, agency, role, account.
    people: Vec<PersonRow>,
    done: Option<&'static str>,
}

struct PersonRow {
    id: String,
    name: String,
    job_title: String,
    agency: String,
    role: String,
    account: &'static str,
}

/// How someone's account stands, in words.
fn account_words(state: Option<&accord_store::AccountState>) -> &'static str {
    match state {
        None => "No password yet",
        Some(s) if s.disabled => "Disabled",
        Some(s) if s.second_factor => "Can sign in, with a second factor",
        Some(_) => "Can sign in",
    }
}

fn role_words(policy: Option<&accord_policy::Policy>, person: &Person) -> String {
    let mut parts = vec![tier_words(person.tier)];
    for role in &person.declared_roles {
        parts.push(
            policy
                .and_then(|p| p.role(role))
                .map_or_else(|| role.to_string(), |r| r.name.clone()),
        );
    }
    parts.join("; ")
}

/// `GET /admin/people`.
pub(crate) async fn people(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let states = state
        .store()
        .account_states(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?;
    let policy = state.current_policy(&a.partnership.policy).await.ok();
    let mut rows: Vec<PersonRow> = a
        .people
        .iter()
        .map(|p| PersonRow {
            id: p.id.to_string(),
            name: p.name.clone(),
            job_title: p.job_title.clone(),
            agency: a.agency_name(&p.agency),
            role: role_words(policy.as_deref(), p),
            account: account_words(states.iter().find(|s| s.person == p.id)),
        })
        .collect();
    rows.sort_by(|x, y| x.agency.cmp(&y.agency).then(x.name.cmp(&y.name)));
    let page = PeoplePage {
        chrome: a.chrome("People and roles", &Errors::default()),
        people: rows,
        done: done_words(&done.done),
    };
    Ok(html(&page))
}

fn person_questions(
    a: &Admin,
    policy: Option<&accord_policy::Policy>,
    posted: &Posted,
    new: bool,
) -> Vec<Question> {
    let mut questions = vec![
        Question::text("name", "Full name", posted).width("govuk-!-width-two-thirds"),
        Question::text("job_title", "Job title", posted).width("govuk-!-width-two-thirds"),
        Question::text("email", "Email address", posted)
            .email()
            .hint("Accord sends their notifications here")
            .width("govuk-!-width-two-thirds"),
    ];
    if new {
        questions.push(
            Question::text("sign_in", "Sign-in name", posted)
                .hint("Letters, numbers, hyphens and underscores, such as hav-police-manager")
                .width("govuk-!-width-one-half"),
        );
    }
    let mut agencies: Vec<Choice> = vec![Choice::new("", "Choose their agency")];
    let mut sorted: Vec<&Agency> = a.agencies.iter().collect();
    sorted.sort_by(|x, y| x.name.cmp(&y.name));
    agencies.extend(
        sorted
            .into_iter()
            .map(|ag| Choice::new(ag.id.as_str(), ag.name.clone())),
    );
    questions.push(Question::select("agency", "Agency", agencies, posted));
    questions.push(Question::radios(
        "tier",
        "Their role",
        RoleTier::ALL
            .iter()
            .map(|t| Choice::new(t.id(), tier_words(*t)))
            .collect(),
        posted,
    ));
    if let Some(policy) = policy.filter(|p| !p.roles.is_empty()) {
        questions.push(
            Question::checkboxes(
                "roles",
                "Roles the policy names that they hold (optional)",
                policy
                    .roles
                    .iter()
                    .map(|r| {
                        Choice::new(r.id.as_str(), r.name.clone())
                            .hint(format!("Held by a {}", words::role_of_tier(r.tier)))
                    })
                    .collect(),
                posted,
            )
            .hint("Each is held at the role shown under it."),
        );
    }
    questions
}

struct PersonAnswers {
    name: String,
    job_title: String,
    email: String,
    agency: AgencyId,
    tier: RoleTier,
    roles: Vec<RoleId>,
}

fn read_person(
    a: &Admin,
    policy: Option<&accord_policy::Policy>,
    posted: &Posted,
) -> Result<PersonAnswers, Errors> {
    let mut e = Errors::default();
    let max = crate::api::limits::MAX_NAME_CHARS;
    let text = |name: &str, blank: &str, e: &mut Errors| {
        let v = posted.get(name).trim().to_owned();
        if v.is_empty() {
            e.add(name, blank);
        } else if v.chars().count() > max {
            e.add(name, format!("This must be {max} characters or fewer"));
        }
        v
    };
    let name = text("name", "Enter their full name", &mut e);
    let job_title = posted.get("job_title").trim().to_owned();
    let email = text("email", "Enter their email address", &mut e);
    if !email.is_empty() && (!email.contains('@') || email.contains(' ')) {
        e.add(
            "email",
            "Enter an email address in the correct format, like name@agency.example",
        );
    }
    let agency = a
        .agencies
        .iter()
        .find(|ag| ag.id.as_str() == posted.get("agency"))
        .map(|ag| ag.id.clone());
    if agency.is_none() {
        e.add("agency", "Select their agency");
    }
    let tier = RoleTier::ALL
        .iter()
        .copied()
        .find(|t| t.id() == posted.get("tier"));
    if tier.is_none() {
        e.add("tier", "Select their role");
    }
    let mut roles = Vec::new();
    for id in posted.all("roles") {
        // A role in their agency is of their tier; a Board or panel role
        // may be held beside it (`Person::may_hold`).
        match policy.and_then(|p| p.roles.iter().find(|r| r.id.as_str() == id).map(|r| (p, r))) {
            Some((p, role)) if tier.is_none_or(|t| Person::may_hold(p, role, t)) => {
                roles.push(role.id.clone())
            }
            Some((_, role)) => e.add(
                "roles",
                format!(
                    "{} is held by a {}: choose that role for them, or untick it",
                    role.name,
                    words::role_of_tier(role.tier)
                ),
            ),
            None => e.add("roles", "Choose roles from the list"),
        }
    }
    match (agency, tier) {
        (Some(agency), Some(tier)) if e.is_empty() => Ok(PersonAnswers {
            name,
            job_title,
            email,
            agency,
            tier,
            roles,
        }),
        _ => Err(e),
    }
}

/// Who to add, when the address says: someone an identity provider
/// vouched for whom the directory did not know (`/admin/sign-in`).
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Prefill {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

/// `GET /admin/people/new`, the email and name filled in if the address
/// gives them.
pub(crate) async fn new_person(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(prefill): Query<Prefill>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let policy = state.current_policy(&a.partnership.policy).await.ok();
    let mut posted = Posted::default();
    posted.set("email", prefill.email.trim());
    posted.set("name", prefill.name.trim());
    Ok(a.form_page(
        "Add a person",
        "/admin/people",
        "/admin/people/new",
        Vec::new(),
        person_questions(&a, policy.as_deref(), &posted, true),
        &Errors::default(),
        "Add them",
    ))
}

/// `POST /admin/people/new`.
pub(crate) async fn add_person(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let policy = state.current_policy(&a.partnership.policy).await.ok();
    let posted = Posted::from_pairs(pairs);
    let mut errors = match read_person(&a, policy.as_deref(), &posted) {
        Ok(_) => Errors::default(),
        Err(e) => e,
    };
    let sign_in = posted.get("sign_in").trim().to_owned();
    let id = PersonId::parse(&sign_in).ok();
    if sign_in.is_empty() {
        errors.add("sign_in", "Enter a sign-in name for them");
    } else if id.is_none() {
        errors.add(
            "sign_in",
            "A sign-in name is 1 to 64 letters, numbers, hyphens or underscores",
        );
    } else if sign_in.eq_ignore_ascii_case(words::ACCORD) {
        // Accord's own events are recorded under this id.
        errors.add(
            "sign_in",
            "That sign-in name is kept for Accord itself: choose another",
        );
    } else if let Some(taken) = state
        .store()
        .person_by_sign_in(&sign_in)
        .await
        .map_err(|e| a.fail(e))?
    {
        errors.add("sign_in", taken_sign_in(&sign_in, &taken.sign_in));
    }
    let answers = read_person(&a, policy.as_deref(), &posted);
    let (Ok(answers), Some(id), true) = (answers, id, errors.is_empty()) else {
        return Ok(a.form_page(
            "Add a person",
            "/admin/people",
            "/admin/people/new",
            Vec::new(),
            person_questions(&a, policy.as_deref(), &posted, true),
            &errors,
            "Add them",
        ));
    };
    let person = Person {
        id: id.clone(),
        sign_in,
        name: answers.name,
        job_title: answers.job_title,
        email: answers.email,
        partnership: a.partnership.id.clone(),
        agency: answers.agency,
        tier: answers.tier,
        declared_roles: answers.roles,
    };
    let store = state.store();
    let written = store
        .put_directory(
            Directory {
                partnerships: &[],
                agencies: &[],
                people: std::slice::from_ref(&person),
            },
            &a.by(),
            state.now(),
        )
        .await;
    match written {
        Ok(()) => {}
        // Someone took the name (in any case) since the check above.
        Err(DirectoryError::Refused { .. }) => {
            let mut errors = Errors::default();
            errors.add("sign_in", taken_sign_in(&person.sign_in, ""));
            return Ok(a.form_page(
                "Add a person",
                "/admin/people",
                "/admin/people/new",
                Vec::new(),
                person_questions(&a, policy.as_deref(), &posted, true),
                &errors,
                "Add them",
            ));
        }
        Err(e) => return Err(a.fail(e)),
    }
    // Whoever an identity provider vouched for under this address is no
    // longer unknown.
    store
        .forget_unknown_sign_ins(&person.email)
        .await
        .map_err(|e| a.fail(e))?;
    // Issue 13 §4: they choose their own password, with the link this
    // sends them; nobody else ever knows it.
    let invited = store
        .send_account_link(&id, LinkPurpose::Invitation, state.now(), &a.by())
        .await
        .map_err(|e| a.fail(e))?;
    tracing::info!("an administrator added a person");
    let done = if invited { "invited" } else { "person" };
    Ok(Redirect::to(&format!("/admin/people/{id}?done={done}")).into_response())
}

/// The error for a sign-in name that is taken: exactly, or by a name that
/// differs from it only in capital letters (`taken`, when known).
fn taken_sign_in(wanted: &str, taken: &str) -> String {
    if !taken.is_empty() && taken != wanted {
        format!(
            "Someone already signs in as {taken}, which differs from this name only in capital \
             letters: choose another"
        )
    } else {
        "Someone already signs in with that name: choose another".to_owned()
    }
}

#[derive(Template)]
#[template(path = "admin_person.html")]
struct PersonPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    id: String,
    details: Vec<(&'static str, String)>,
    account: &'static str,
    disabled: bool,
    has_password: bool,
    second_factor: bool,
    /// The server sends email: invitations and reset links can go.
    email: bool,
    questions: Vec<Question>,
    csrf_token: String,
    done: Option<&'static str>,
}

async fn person_page(
    state: &AppState,
    a: &Admin<'_>,
    id: &str,
    posted: Option<&Posted>,
    errors: &Errors,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let person = a
        .people
        .iter()
        .find(|p| p.id.as_str() == id)
        .ok_or_else(|| a.fail(super::no_such_page()))?;
    let policy = state.current_policy(&a.partnership.policy).await.ok();
    let states = state
        .store()
        .account_states(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?;
    let account = states.iter().find(|s| s.person == person.id);
    let mut current = Posted::default();
    current.set("name", person.name.clone());
    current.set("job_title", person.job_title.clone());
    current.set("email", person.email.clone());
    current.set("agency", person.agency.to_string());
    current.set("tier", person.tier.id());
    let mut pairs = current.pairs();
    pairs.extend(
        person
            .declared_roles
            .iter()
            .map(|r| ("roles".to_owned(), r.to_string())),
    );
    let current = Posted::from_pairs(pairs);
    let shown = posted.unwrap_or(&current);
    let page = PersonPage {
        chrome: a.chrome(person.name.clone(), errors),
        errors: errors.0.clone(),
        id: person.id.to_string(),
        details: vec![
            ("Sign-in name", person.sign_in.clone()),
            ("Agency", a.agency_name(&person.agency)),
            ("Role", role_words(policy.as_deref(), person)),
            ("Email", person.email.clone()),
        ],
        account: account_words(account),
        disabled: account.is_some_and(|s| s.disabled),
        has_password: account.is_some(),
        second_factor: account.is_some_and(|s| s.second_factor),
        email: state.email(),
        questions: person_questions(a, policy.as_deref(), shown, false)
            .into_iter()
            .map(|q| q.checked(errors))
            .collect(),
        csrf_token: a.viewer.csrf_token().to_owned(),
        done,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html_with_status(status, &page))
}

/// `GET /admin/people/{id}`.
pub(crate) async fn person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    // Without email the link waits: say so rather than that it is going.
    let words = match done.done.as_str() {
        "invited" | "reset-link" if !state.email() => Some(
            "The link is saved, and goes by email once this server sends email: the warning \
             below says what to do meanwhile",
        ),
        other => done_words(other),
    };
    person_page(&state, &a, &id, None, &Errors::default(), words).await
}

/// `POST /admin/people/{id}`: their details and roles.
pub(crate) async fn save_person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let policy = state.current_policy(&a.partnership.policy).await.ok();
    let posted = Posted::from_pairs(pairs);
    let Some(existing) = a.people.iter().find(|p| p.id.as_str() == id) else {
        return Err(a.fail(super::no_such_page()));
    };
    let answers = match read_person(&a, policy.as_deref(), &posted) {
        Ok(answers) => answers,
        Err(errors) => return person_page(&state, &a, &id, Some(&posted), &errors, None).await,
    };
    if existing.id == *viewer.principal.id() {
        let errors = own_role_changes(existing, &answers);
        if !errors.is_empty() {
            return person_page(&state, &a, &id, Some(&posted), &errors, None).await;
        }
    }
    let person = Person {
        name: answers.name,
        job_title: answers.job_title,
        email: answers.email,
        agency: answers.agency,
        tier: answers.tier,
        declared_roles: answers.roles,
        ..existing.clone()
    };
    state
        .store()
        .put_directory(
            Directory {
                partnerships: &[],
                agencies: &[],
                people: std::slice::from_ref(&person),
            },
            &a.by(),
            state.now(),
        )
        .await
        .map_err(|e| a.fail(e))?;
    tracing::info!("an administrator changed a person's details");
    Ok(Redirect::to(&format!("/admin/people/{id}?done=person")).into_response())
}

/// The mistakes in an administrator's answers about themselves: a change
/// to their own role or policy roles, which only someone else may make.
fn own_role_changes(me: &Person, answers: &PersonAnswers) -> Errors {
    let mut errors = Errors::default();
    if answers.tier != me.tier {
        errors.add(
            "tier",
            "You cannot change your own role: ask another administrator to do it",
        );
    }
    let mut had: Vec<&RoleId> = me.declared_roles.iter().collect();
    let mut asked: Vec<&RoleId> = answers.roles.iter().collect();
    had.sort();
    had.dedup();
    asked.sort();
    asked.dedup();
    if had != asked {
        errors.add(
            "roles",
            "You cannot change the policy roles you hold: ask another administrator to do it",
        );
    }
    errors
}

/// `GET /admin/people/{id}/disable`: what disabling their account does,
/// and the button that does it. No other account action asks first: each
/// of them can be undone or changes nothing until the person acts.
pub(crate) async fn confirm_account(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let Some(person) = a.people.iter().find(|p| p.id.as_str() == id).cloned() else {
        return Err(a.fail(super::no_such_page()));
    };
    if action != "disable" {
        return Err(a.fail(super::no_such_page()));
    }
    if person.id == *viewer.principal.id() {
        let mut errors = Errors::default();
        errors.add(
            "disable",
            "You cannot disable your own account: ask another administrator",
        );
        return person_page(&state, &a, &id, None, &errors, None).await;
    }
    let back = format!("/admin/people/{id}");
    let errors = Errors::default();
    let page = QuestionPage {
        chrome: a.chrome(
            format!("Disable {}\u{2019}s account?", person.name),
            &errors,
        ),
        errors: Vec::new(),
        caption: format!("Administration: {}", a.partnership.name),
        back: (back.clone(), "Back".to_owned()),
        action: format!("/admin/people/{id}/disable"),
        intro: vec![
            format!(
                "{} will be signed out at once, and will not be able to sign in until an \
                 administrator enables their account again.",
                person.name
            ),
            "Their API tokens and calendar feed stop working for good: enabling the account \
             again does not bring them back."
                .to_owned(),
            "Their name stays on every case they worked on. Next, you can hand over their \
             open work to someone else."
                .to_owned(),
        ],
        blocks: Vec::new(),
        questions: Vec::new(),
        hidden: vec![("confirm".to_owned(), "yes".to_owned())],
        csrf_token: viewer.csrf_token().to_owned(),
        button: "Disable their account".to_owned(),
        warning_button: true,
        cancel: Some((back, "Cancel".to_owned())),
        secondary: None,
    };
    Ok(html(&page))
}

/// `POST /admin/people/{id}/{account action}`: an invitation sent again
/// (`invite`), a password reset link (`reset-link`), disabling, enabling,
/// or resetting the second factor.
pub(crate) async fn account(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let Some(person) = a.people.iter().find(|p| p.id.as_str() == id).cloned() else {
        return Err(a.fail(super::no_such_page()));
    };
    if person.id == *viewer.principal.id() && action == "disable" {
        let mut errors = Errors::default();
        errors.add(
            "disable",
            "You cannot disable your own account: ask another administrator",
        );
        return person_page(&state, &a, &id, None, &errors, None).await;
    }
    // Disabling ends someone's sessions and tokens for good: it is done
    // only from its confirmation page (issue 14 §7: "Disabling an account
    // takes one click with no confirmation").
    if action == "disable" && Posted::from_pairs(pairs).get("confirm") != "yes" {
        return Ok(Redirect::to(&format!("/admin/people/{id}/disable")).into_response());
    }
    let store = state.store();
    let now = state.now();
    let by = a.by();
    let internal = |e: accord_store::AccountError| a.fail(ApiError::Internal(Box::new(e)));
    let done = match action.as_str() {
        "invite" | "reset-link" => {
            let (purpose, done, field) = if action == "invite" {
                (LinkPurpose::Invitation, "invited", "invite")
            } else {
                (LinkPurpose::Reset, "reset-link", "reset-link")
            };
            if !store
                .send_account_link(&person.id, purpose, now, &by)
                .await
                .map_err(|e| a.fail(e))?
            {
                let mut errors = Errors::default();
                errors.add(
                    field,
                    "They have no email address: add it under Their details and roles, then \
                     send the link",
                );
                return person_page(&state, &a, &id, None, &errors, None).await;
            }
            done
        }
        "disable" => {
            store
                .disable_account(&person.sign_in, now, &by)
                .await
                .map_err(internal)?;
            "disabled"
        }
        "enable" => {
            store
                .enable_account(&person.sign_in, now, &by)
                .await
                .map_err(internal)?;
            "enabled"
        }
        "reset-second-factor" => {
            store
                .reset_second_factor(&person.sign_in, now, &by)
                .await
                .map_err(internal)?;
            "second-factor"
        }
        _ => return Err(a.fail(super::no_such_page())),
    };
    tracing::info!(action = done, "an administrator changed an account");
    if done == "disabled" {
        // A leaver's open work is listed for handing over at once.
        return Ok(
            Redirect::to(&format!("/admin/people/{id}/handover?done=disabled")).into_response(),
        );
    }
    Ok(Redirect::to(&format!("/admin/people/{id}?done={done}")).into_response())
}

// --- Email that could not be sent ---------------------------------------

/// How many failed emails, across every partnership, are read to find an
/// administrator's own.
const FAILED_READ: u32 = 5_000;

/// How many the page lists.
const FAILED_SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "admin_messages.html")]
struct MessagesPage {
    chrome: Chrome,
    rows: Vec<MessageRow>,
    /// Whether there are more than are listed.
    more: bool,
    /// Notifications nobody in the directory could receive.
    unaddressed: Vec<UnaddressedRow>,
    csrf_token: String,
    done: Option<&'static str>,
}

/// One email that could not be sent.
struct MessageRow {
    id: i64,
    when: String,
    case: String,
    name: String,
    address: String,
    subject: String,
    attempts: u32,
    error: String,
}

/// A notification the policy requires that nobody received, because
/// nobody in the directory holds its role.
struct UnaddressedRow {
    when: String,
    case: String,
    role: String,
    message: String,
}

impl Admin<'_> {
    /// The partnership's notifications that reached nobody, newest first.
    async fn unaddressed(&self, state: &AppState) -> Result<Vec<UnaddressedRow>, PageError> {
        let entries = state
            .store()
            .unaddressed_notifications(FAILED_READ)
            .await
            .map_err(|e| self.fail(e))?;
        let ours: std::collections::HashSet<&AgencyId> =
            self.agencies.iter().map(|a| &a.id).collect();
        let mut rows = Vec::new();
        let mut cases = std::collections::HashMap::new();
        for entry in entries {
            if !cases.contains_key(&entry.case) {
                let case = state
                    .store()
                    .load_case(&entry.case)
                    .await
                    .map_err(|e| self.fail(e))?;
                cases.insert(entry.case.clone(), case);
            }
            let Some(case) = cases.get(&entry.case).and_then(Option::as_ref) else {
                continue;
            };
            if !ours.contains(case.parties()[0]) {
                continue;
            }
            let role = match state.policy_of(case).await {
                Ok((policy, _)) => words::role(&policy, &entry.recipient),
                Err(_) => entry.recipient.to_string(),
            };
            rows.push(UnaddressedRow {
                when: words::when(entry.due_at),
                case: entry.case.to_string(),
                role,
                message: entry.message,
            });
            if rows.len() == FAILED_SHOWN {
                break;
            }
        }
        Ok(rows)
    }
}

/// `GET /admin/messages`: the email to the partnership's people that
/// could not be sent, and the notifications nobody could receive.
pub(crate) async fn messages(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let failed = a.failed_email(&state).await?;
    let more = failed.len() > FAILED_SHOWN;
    let rows = failed
        .into_iter()
        .take(FAILED_SHOWN)
        .map(|d| MessageRow {
            id: d.id,
            when: words::when(d.created_at),
            case: d
                .case
                .map_or_else(|| "Their account".to_owned(), |c| c.to_string()),
            name: a.person_name(&d.person),
            address: d.address,
            subject: d.subject,
            attempts: d.attempts,
            error: d
                .last_error
                .unwrap_or_else(|| "No reason was given".to_owned()),
        })
        .collect();
    let unaddressed = a.unaddressed(&state).await?;
    let page = MessagesPage {
        chrome: a.chrome("Email that could not be sent", &Errors::default()),
        rows,
        more,
        unaddressed,
        csrf_token: viewer.csrf_token().to_owned(),
        done: done_words(&done.done),
    };
    Ok(html(&page))
}

/// `POST /admin/messages/{id}/retry`: puts a failed email back to be sent.
pub(crate) async fn retry_message(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let id: i64 = id.parse().map_err(|_| a.fail(super::no_such_page()))?;
    // Only the partnership's own: another's is answered as one no longer
    // waiting, as is one another administrator has just put back.
    let theirs = a.failed_email(&state).await?.iter().any(|d| d.id == id);
    let retried = theirs
        && state
            .store()
            .retry_delivery(id, state.now())
            .await
            .map_err(|e| a.fail(e))?;
    let done = if retried { "retried" } else { "not-failed" };
    tracing::info!(done, "an administrator asked for an email to be sent again");
    Ok(Redirect::to(&format!("/admin/messages?done={done}")).into_response())
}

// --- Changes to the directory -------------------------------------------

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<AuditRow>,
    /// Whether there are more than are listed.
    more: bool,
}

/// One change to the directory, in words.
struct AuditRow {
    when: String,
    who: String,
    whom: String,
    what: String,
    before: Vec<String>,
    after: Vec<String>,
}

impl Admin<'_> {
    /// An entry of the directory audit in plain words.
    fn audit_row(&self, policy: Option<&accord_policy::Policy>, e: &AuditEntry) -> AuditRow {
        let person_name = |id: &str| {
            self.people
                .iter()
                .find(|p| p.id.as_str() == id)
                .map_or_else(|| id.to_owned(), |p| p.name.clone())
        };
        let who = match &e.by {
            ChangedBy::Person(id) => person_name(id.as_str()),
            ChangedBy::System(name) if name == ChangedBy::COMMAND_LINE.id() => {
                "The accord command, at the server".to_owned()
            }
            ChangedBy::System(name) if name == ChangedBy::DEMO.id() => {
                "The demo data, when it was loaded".to_owned()
            }
            ChangedBy::System(name) if name == accord_store::FORGOTTEN_PASSWORD.id() => {
                "Someone who asked at \"Forgotten your password?\"".to_owned()
            }
            ChangedBy::System(name) => format!("Accord ({name})"),
        };
        let whom = match e.subject {
            AuditSubject::Person | AuditSubject::Account | AuditSubject::SecondFactor => {
                person_name(&e.subject_id)
            }
            AuditSubject::Agency => self
                .agencies
                .iter()
                .find(|ag| ag.id.as_str() == e.subject_id)
                .map_or_else(|| e.subject_id.clone(), |ag| ag.name.clone()),
            AuditSubject::Partnership | AuditSubject::Setting => self.partnership.name.clone(),
            AuditSubject::Case if e.subject_id == self.partnership.id.as_str() => {
                self.partnership.name.clone()
            }
            AuditSubject::Case => format!("Disagreement {}", e.subject_id),
        };
        AuditRow {
            when: words::when(e.at),
            who,
            whom,
            what: audit_what(&e.what),
            before: self.audit_values(policy, &e.before),
            after: self.audit_values(policy, &e.after),
        }
    }

    /// The values an entry records, one line each: "Role: Chair".
    fn audit_values(
        &self,
        policy: Option<&accord_policy::Policy>,
        values: &serde_json::Value,
    ) -> Vec<String> {
        use serde_json::Value;
        let Value::Object(map) = values else {
            return vec!["Nothing".to_owned()];
        };
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Bool(true) => "Yes".to_owned(),
            Value::Bool(false) => "No".to_owned(),
            Value::Null => "None".to_owned(),
            other => other.to_string(),
        };
        // A yes-or-no value in the words of what it says.
        let flag = |v: &Value, yes: &str, no: &str| {
            if v == &Value::Bool(true) { yes } else { no }.to_owned()
        };
        let list = |v: &Value, each: &dyn Fn(&str) -> String| match v {
            Value::Array(items) if items.is_empty() => "None".to_owned(),
            Value::Array(items) => items
                .iter()
                .map(|i| each(i.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", "),
            other => text(other),
        };
        map.iter()
            .map(|(key, v)| {
                let (label, value) = match key.as_str() {
                    "name" => ("Name", text(v)),
                    "job_title" => ("Job title", text(v)),
                    "email" => ("Email", text(v)),
                    "sign_in" => ("Sign-in name", text(v)),
                    "partnership" => ("Partnership", text(v)),
                    "agency" => ("Agency", {
                        let id = text(v);
                        self.agencies
                            .iter()
                            .find(|ag| ag.id.as_str() == id)
                            .map_or(id, |ag| ag.name.clone())
                    }),
                    "tier" => ("Role", {
                        let id = text(v);
                        RoleTier::ALL
                            .iter()
                            .find(|t| t.id() == id)
                            .map_or(id, |t| tier_words(*t))
                    }),
                    "declared_roles" => (
                        "Policy roles",
                        list(v, &|id| {
                            policy
                                .and_then(|p| p.roles.iter().find(|r| r.id.as_str() == id))
                                .map_or_else(|| id.to_owned(), |r| r.name.clone())
                        }),
                    ),
                    "kind" => ("Kind", {
                        let id = text(v);
                        KINDS
                            .iter()
                            .find(|(_, name, _)| *name == id)
                            .map_or(id, |(_, _, w)| (*w).to_owned())
                    }),
                    "policy" => ("Policy", text(v)),
                    "case_prefix" => ("Case reference prefix", text(v)),
                    "sign_in_prefix" => ("Sign-in name prefix", text(v)),
                    "disabled" => ("Account", flag(v, "Disabled", "Enabled")),
                    "password" => (
                        "Password",
                        match v.as_str() {
                            Some("none") => "None set",
                            Some("new") => "A new one set",
                            _ => "Set",
                        }
                        .to_owned(),
                    ),
                    "sessions_ended" => ("Sessions ended", text(v)),
                    "earlier_links_revoked" => ("Earlier links that stopped working", text(v)),
                    "with_link" => (
                        "Chosen by them",
                        match v.as_str() {
                            Some("invitation") => "With an invitation's link",
                            Some("reset") => "With a password reset link",
                            _ => "With a link",
                        }
                        .to_owned(),
                    ),
                    "tokens_revoked" => ("API tokens revoked", list(v, &str::to_owned)),
                    "calendar_feed_revoked" => ("Calendar feed revoked", text(v)),
                    "token" => ("API token", text(v)),
                    "scopes" => ("Scopes", list(v, &str::to_owned)),
                    "label" => ("Label", text(v)),
                    "revoked" => ("Revoked", text(v)),
                    "confirmed" => ("Second factor", flag(v, "Set up", "Not set up")),
                    "second_factor_required" => ("Second factor required of everyone", text(v)),
                    "report" => ("Report", text(v)),
                    "from" => ("From", text(v)),
                    "to" => ("To", text(v)),
                    _ => ("", format!("{key}: {}", text(v))),
                };
                if label.is_empty() {
                    value
                } else {
                    format!("{label}: {value}")
                }
            })
            .collect()
    }
}

/// What an entry's kind of change means, in words.
fn audit_what(what: &str) -> String {
    let fixed = match what {
        "partnership.added" => "Added the partnership",
        "agency.added" => "Added an agency",
        "person.added" => "Added a person",
        "account.password" => "Set a new password",
        "account.invitation_sent" => "Sent an invitation to choose a password",
        "account.reset_link_sent" => "Sent a link to reset their password",
        "account.disabled" => "Disabled their account",
        "account.enabled" => "Enabled their account",
        "token.created" => "Made an API token",
        "token.revoked" => "Revoked an API token",
        "second_factor.confirmed" => "Set up a second factor",
        "second_factor.reset" => "Reset their second factor",
        "setting.second_factor_required" => "Changed whether everyone needs a second factor",
        "policy.installed" => "Installed a version of the policy",
        "report.issued" => "Issued a report to the board",
        "setting.retention" => "Changed the retention schedule",
        "case.legal_hold" => "Placed or released a legal hold",
        "subject_access.export" => "Made a subject access export",
        "webhook.added" => "Added a webhook endpoint",
        "webhook.paused" => "Paused a webhook endpoint",
        "webhook.resumed" => "Resumed a webhook endpoint",
        "webhook.removed" => "Removed a webhook endpoint",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_owned();
    }
    if let Some(id) = what.strip_prefix("setting.identity_provider.") {
        return format!("Added, changed or removed the identity provider {id}");
    }
    let Some((kind, fields)) = what.split_once('.') else {
        return what.to_owned();
    };
    let whose = match kind {
        "person" => "Changed their",
        "agency" => "Changed the agency's",
        "partnership" => "Changed the partnership's",
        _ => return what.to_owned(),
    };
    let fields: Vec<&str> = fields
        .split('+')
        .map(|f| match f {
            "tier" => "role",
            "declared_roles" => "policy roles",
            "job_title" => "job title",
            "sign_in" => "sign-in name",
            "case_prefix" => "case reference prefix",
            "sign_in_prefix" => "sign-in name prefix",
            other => other,
        })
        .collect();
    format!("{whose} {}", fields.join(" and "))
}

/// `GET /admin/audit`: every change to the partnership's directory,
/// accounts and settings, newest first.
pub(crate) async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let policy = state.current_policy(&a.partnership.policy).await.ok();
    let entries = state
        .store()
        .directory_audit(&a.partnership.id, AUDIT_SHOWN + 1)
        .await
        .map_err(|e| a.fail(e))?;
    let more = entries.len() > AUDIT_SHOWN as usize;
    let rows = entries
        .iter()
        .take(AUDIT_SHOWN as usize)
        .map(|e| a.audit_row(policy.as_deref(), e))
        .collect();
    let page = AuditPage {
        chrome: a.chrome("Changes to the directory", &Errors::default()),
        rows,
        more,
    };
    Ok(html(&page))
}

// --- Calendars -----------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_calendars.html")]
struct CalendarsPage {
    chrome: Chrome,
    calendars: Vec<CalendarView>,
}

struct CalendarView {
    name: String,
    id: String,
    time_zone: String,
    published: String,
    used_by: Vec<String>,
    /// Each year shown, with its bank holidays.
    years: Vec<(i16, Vec<(String, String)>)>,
}

/// `GET /admin/calendars`.
pub(crate) async fn calendars(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let year = state.now().to_zoned_datetime(words::uk()).year();
    let mut calendars: Vec<CalendarView> = state
        .calendars()
        .iter()
        .map(|c| CalendarView {
            name: c.name().to_owned(),
            id: c.id().to_string(),
            time_zone: c.time_zone().iana_name().unwrap_or("UTC").to_owned(),
            published: c.published_years().map_or_else(
                || "Worked out from the rules for every year".to_owned(),
                |r| {
                    format!(
                        "Published for {} to {}{}; other years are worked out from the rules",
                        r.start(),
                        r.end(),
                        c.published_source()
                            .map(|s| format!(" ({s})"))
                            .unwrap_or_default()
                    )
                },
            ),
            used_by: state
                .policies()
                .iter()
                .filter(|p| p.calendar == *c.id())
                .map(|p| format!("{} ({})", p.title, p.partnership))
                .collect(),
            years: [year, year + 1]
                .into_iter()
                .map(|y| {
                    (
                        y,
                        c.holidays(y)
                            .into_iter()
                            .map(|h| (h.date.strftime("%A %-d %B %Y").to_string(), h.name))
                            .collect(),
                    )
                })
                .collect(),
        })
        .collect();
    calendars.sort_by(|x, y| {
        y.used_by
            .len()
            .cmp(&x.used_by.len())
            .then(x.name.cmp(&y.name))
    });
    calendars.dedup_by(|x, y| x.id == y.id);
    let page = CalendarsPage {
        chrome: a.chrome("Calendars", &Errors::default()),
        calendars,
    };
    Ok(html(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_administrator_may_not_change_their_own_role_or_policy_roles() {
        let me = Person {
            id: PersonId::parse("hav-admin").unwrap(),
            sign_in: "hav-admin".into(),
            name: "A".into(),
            job_title: String::new(),
            email: "a@example.org".into(),
            partnership: "havering".into(),
            agency: AgencyId::parse("hav-team").unwrap(),
            tier: RoleTier::Admin,
            declared_roles: vec!["x".parse().unwrap(), "y".parse().unwrap()],
        };
        let answers = |tier, roles: &[&str]| PersonAnswers {
            name: "B".into(),
            job_title: "Anything".into(),
            email: "b@example.org".into(),
            agency: me.agency.clone(),
            tier,
            roles: roles.iter().map(|r| r.parse().unwrap()).collect(),
        };
        let fields = |e: Errors| e.0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        // Their name, title, email and the order of their roles are theirs to change.
        assert!(
            fields(own_role_changes(
                &me,
                &answers(RoleTier::Admin, &["y", "x"])
            ))
            .is_empty()
        );
        assert_eq!(
            fields(own_role_changes(
                &me,
                &answers(RoleTier::Chair, &["x", "y"])
            )),
            ["tier"]
        );
        assert_eq!(
            fields(own_role_changes(&me, &answers(RoleTier::Admin, &["x"]))),
            ["roles"]
        );
    }

    #[test]
    fn each_kind_of_change_reads_as_words() {
        assert_eq!(audit_what("person.tier"), "Changed their role");
        assert_eq!(
            audit_what("person.declared_roles+tier"),
            "Changed their policy roles and role"
        );
        assert_eq!(audit_what("account.disabled"), "Disabled their account");
        assert_eq!(audit_what("agency.name"), "Changed the agency's name");
        assert_eq!(
            audit_what("account.invitation_sent"),
            "Sent an invitation to choose a password"
        );
        assert_eq!(
            audit_what("account.reset_link_sent"),
            "Sent a link to reset their password"
        );
    }

    #[test]
    fn new_ids_come_from_the_name_and_never_clash() {
        assert_eq!(
            new_id("hav", "Barking, Havering & Redbridge NHS Trust", &[]),
            "hav-barking-havering-redbridge-nhs"
        );
        assert_eq!(new_id("hav", "Police", &["hav-police"]), "hav-police-2");
        assert_eq!(
            new_id("hav", "Police", &["hav-police", "hav-police-2"]),
            "hav-police-3"
        );
    }
}
