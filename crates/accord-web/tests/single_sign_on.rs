//! Single sign-on through a real OpenID Provider (issue 16): the certified
//! `oidc-provider` from npm, started by the test from
//! `tests/oidc-provider/provider.mjs` (`scripts/test` installs it), with
//! Accord served over loopback on SQLite and PostgreSQL. Each sign-in walks
//! the whole authorization code flow with PKCE as a browser would: Accord's
//! sign-in button, the provider's own sign-in form, its redirect back, and
//! Accord's callback, which exchanges the code and checks the ID token.
//!
//! - Signed in to My work as the directory person, with their own roles,
//!   and out again at the provider too (RP-initiated logout).
//! - Every forged or broken answer refused with a page saying so, and
//!   nobody signed in: a wrong signature, `alg: none`, another issuer,
//!   another audience, an expired token, a wrong nonce, a wrong state, a
//!   replayed answer, an email the provider has not verified, one outside
//!   the provider's domains. A key rotated at the provider is accepted
//!   once Accord has read its keys again.
//! - Someone the directory does not know is told whom to ask, and written
//!   down for the administrator; a person disabled in Accord cannot sign
//!   in through the provider.
//! - A partnership that requires a second factor accepts the provider's
//!   own, and otherwise asks Accord's code.
//! - Two providers at once: two agencies' people, each through their own,
//!   read the same case.
//! - Local passwords switched off for a provider's domains.
//! - In real Chromium: the sign-in page offers the provider, the provider's
//!   own form signs in to My work, and signing out signs out at the
//!   provider and comes back; the sign-in page and the "not in the
//!   directory" page pass axe-core.

mod browser;
mod common;

use std::collections::HashMap;
use std::process::Stdio;

use accord_store::{ChangedBy, IdentityClaim, IdentityProvider, ProviderSettings};
use accord_web::AppState;
use common::{Backend, TestClock};
use tokio::io::{AsyncBufReadExt, BufReader};

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

both_backends!(
    signs_in_to_my_work_with_directory_roles_and_out_at_the_provider,
    forged_and_broken_answers_are_refused_and_sign_nobody_in,
    unknown_people_leavers_second_factors_two_providers_and_passwords_off,
);

/// A running provider: its issuer, and the process, killed on drop.
struct Provider {
    issuer: String,
    _child: tokio::process::Child,
    _config: tempfile::TempDir,
}

/// An account at the provider.
struct Account<'a> {
    login: &'a str,
    email: &'a str,
    verified: bool,
    oid: &'a str,
}

async fn start_provider(accord: &str, clients: &[&str], accounts: &[Account<'_>]) -> Provider {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("provider.json");
    let clients: Vec<_> = clients
        .iter()
        .map(|id| {
            serde_json::json!({
                "client_id": id,
                "client_secret": format!("{id}-secret"),
                "redirect_uris": [format!("{accord}/sign-in/provider/callback")],
                "post_logout_redirect_uris": [format!("{accord}/sign-in")],
            })
        })
        .collect();
    let accounts: Vec<_> = accounts
        .iter()
        .map(|a| {
            serde_json::json!({
                "login": a.login, "sub": format!("sub-{}", a.login), "email": a.email,
                "email_verified": a.verified, "name": format!("{} at the provider", a.login),
                "oid": a.oid, "groups": ["accord-users"],
            })
        })
        .collect();
    std::fs::write(
        &config,
        serde_json::json!({"port": 0, "clients": clients, "accounts": accounts}).to_string(),
    )
    .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oidc-provider/provider.mjs"
    );
    let mut child = tokio::process::Command::new("node")
        .arg(script)
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect(
            "node runs the test OpenID Provider (scripts/test installs it with npm ci in \
             crates/accord-web/tests/oidc-provider)",
        );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the provider starts within 30 seconds")
        .unwrap()
        .expect("the provider says where it listens");
    let issuer = line
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected: {line}"))
        .to_owned();
    Provider {
        issuer,
        _child: child,
        _config: dir,
    }
}

/// Accord, served with its public address known, over the demo (people
/// and cases) on `backend`, on a clock at the real time (the provider's
/// tokens are dated by the real clock).
async fn accord(backend: Backend) -> (common::TestApp, AppState) {
    let clock = TestClock::new();
    clock.set(jiff::Timestamp::now());
    let (state, dir) = match backend {
        Backend::Sqlite => {
            let (state, dir) = common::state().await;
            (state, Some(dir))
        }
        Backend::Postgres => (
            common::state_at(&common::postgres::fresh_database().await).await,
            None,
        ),
    };
    let state = common::with_people(state, &["hav-admin"], &clock).await;
    let calendars = accord_calendar::Calendars::builtin();
    let demo =
        accord_demo::demo(clock.now(), &calendars, &accord_policy::builtin(&calendars)).unwrap();
    state.store().seed((&demo).into()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let state = state.with_base_url(Some(address));
    let app = common::serve_on(listener, state.clone(), dir).await;
    (app, state)
}

async fn set_up(
    state: &AppState,
    id: &str,
    issuer: &str,
    tweak: impl FnOnce(&mut IdentityProvider),
) {
    let mut provider = IdentityProvider {
        id: id.into(),
        partnership: "havering".into(),
        name: format!("Provider {id}"),
        issuer: issuer.into(),
        client_id: id.into(),
        domains: vec!["havering-scp.example.org".into()],
        claim: IdentityClaim::ObjectId,
        mfa_acr: Vec::new(),
        group_roles: Vec::new(),
        passwords_off: false,
        enabled: true,
    };
    tweak(&mut provider);
    let settings = ProviderSettings {
        provider,
        client_secret: Some(format!("{id}-secret")),
    };
    let roles: Vec<String> = havering_policy(state)
        .await
        .roles
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(settings.problems(&roles, true), Vec::new());
    state
        .store()
        .save_identity_provider(&settings, jiff::Timestamp::now(), &ChangedBy::COMMAND_LINE)
        .await
        .unwrap();
}

/// The policy Havering runs now.
async fn havering_policy(state: &AppState) -> std::sync::Arc<accord_policy::Policy> {
    let id = state
        .store()
        .partnerships()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == "havering")
        .unwrap()
        .policy;
    state.current_policy(&id).await.unwrap()
}

/// A browser's cookies, by name (Accord and the provider are both on
/// 127.0.0.1, and their cookies' names differ).
#[derive(Default)]
struct Browser {
    cookies: HashMap<String, String>,
    client: reqwest::Client,
}

/// Where a walk ended: the last response's status, its body, and the
/// address it came from.
struct Landed {
    status: u16,
    body: String,
    url: String,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            cookies: HashMap::new(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, content) = pair.split_once('=').unwrap();
            if content.is_empty() || value.contains("Max-Age=0") || value.contains("max-age=0") {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), content.to_owned());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let response = self
            .client
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.take(&response);
        response
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)], origin: &str) -> reqwest::Response {
        let response = self
            .client
            .post(url)
            .header("cookie", self.cookie_header())
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            )
            .send()
            .await
            .unwrap();
        self.take(&response);
        response
    }

    /// Follows redirects from `url`, signing in at the provider's form as
    /// `login` (with its second factor if `mfa`), until a page answers;
    /// stops before Accord's callback when `stop_at_callback`, returning its
    /// address.
    async fn walk(&mut self, url: &str, login: &str, mfa: bool, stop_at_callback: bool) -> Landed {
        let mut url = url.to_owned();
        for _ in 0..20 {
            if stop_at_callback && url.contains("/sign-in/provider/callback") {
                return Landed {
                    status: 0,
                    body: String::new(),
                    url,
                };
            }
            let response = self.get(&url).await;
            let status = response.status().as_u16();
            if (300..400).contains(&status) {
                let location = response.headers()["location"].to_str().unwrap().to_owned();
                url = reqwest::Url::parse(&url)
                    .unwrap()
                    .join(&location)
                    .unwrap()
                    .to_string();
                continue;
            }
            let body = response.text().await.unwrap();
            if status == 200 && body.contains("id=\"login\"") && body.contains("id=\"mfa\"") {
                let action = body
                    .split("<form method=\"post\" action=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                let action = reqwest::Url::parse(&url)
                    .unwrap()
                    .join(action)
                    .unwrap()
                    .to_string();
                let mut form = vec![("login", login)];
                if mfa {
                    form.push(("mfa", "yes"));
                }
                let origin = reqwest::Url::parse(&url)
                    .unwrap()
                    .origin()
                    .ascii_serialization();
                let posted = self.post(&action, &form, &origin).await;
                assert_eq!(
                    posted.status().as_u16(),
                    303,
                    "the provider's form signs in"
                );
                let location = posted.headers()["location"].to_str().unwrap().to_owned();
                url = reqwest::Url::parse(&action)
                    .unwrap()
                    .join(&location)
                    .unwrap()
                    .to_string();
                continue;
            }
            return Landed { status, body, url };
        }
        panic!("too many redirects from {url}");
    }

    /// Signs in through provider `id` of Accord at `accord` as `login`.
    async fn sign_in(&mut self, accord: &str, id: &str, login: &str, mfa: bool) -> Landed {
        self.walk(
            &format!("{accord}/sign-in/provider/{id}"),
            login,
            mfa,
            false,
        )
        .await
    }

    fn signed_in(&self) -> bool {
        self.cookies.contains_key("accord_session")
    }
}

async fn mode(provider: &Provider, mode: &str) {
    let answer = reqwest::Client::new()
        .post(format!("{}/__test/mode", provider.issuer))
        .json(&serde_json::json!({ "mode": mode }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{mode}");
}

fn practitioner() -> Account<'static> {
    Account {
        login: "practitioner",
        email: "",
        verified: true,
        oid: "oid-practitioner",
    }
}

/// The demo person's directory email.
async fn email_of(state: &AppState, sign_in: &str) -> String {
    state
        .store()
        .person_by_sign_in(sign_in)
        .await
        .unwrap()
        .unwrap()
        .email
}

async fn signs_in_to_my_work_with_directory_roles_and_out_at_the_provider(backend: Backend) {
    let (app, state) = accord(backend).await;
    let email = email_of(&state, "hav-csc-practitioner").await;
    let provider = start_provider(
        &app.address,
        &["havering-entra"],
        &[Account {
            email: &email.to_uppercase(),
            ..practitioner()
        }],
    )
    .await;
    set_up(&state, "havering-entra", &provider.issuer, |_| {}).await;

    // The sign-in page offers the provider.
    let mut browser = Browser::new();
    let page = browser.get(&format!("{}/sign-in", app.address)).await;
    let page = page.text().await.unwrap();
    assert!(
        page.contains("href=\"/sign-in/provider/havering-entra\"")
            && page.contains("Sign in with Provider havering-entra"),
        "{page}"
    );

    let landed = browser
        .sign_in(&app.address, "havering-entra", "practitioner", false)
        .await;
    assert_eq!(landed.status, 200, "{}", landed.body);
    assert!(landed.body.contains("Signing you in"), "{}", landed.body);
    assert!(browser.signed_in());
    let home = browser
        .walk(&format!("{}/", app.address), "", false, false)
        .await;
    assert!(home.url.ends_with("/my-work"), "{}", home.url);
    assert!(home.body.contains("My work"));
    // Who they are, with the roles the directory gives them, not the
    // provider's groups.
    let me = browser.get(&format!("{}/api/v1/me", app.address)).await;
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["id"], "hav-csc-practitioner", "{me}");
    let person = state
        .store()
        .person_by_sign_in("hav-csc-practitioner")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        me["tier"],
        serde_json::to_value(person.tier).unwrap(),
        "{me}"
    );
    // Linked by oid: the same person next time, whatever the email says.
    assert_eq!(
        state
            .store()
            .person_by_provider_subject("havering-entra", "oid-practitioner")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(person.id.clone())
    );

    // Signing out ends the session and goes on to the provider's sign-out,
    // which comes back to Accord's sign-in page.
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();
    let out = browser
        .post(
            &format!("{}/sign-out", app.address),
            &[("csrf_token", &csrf)],
            &app.address,
        )
        .await;
    assert!(!browser.signed_in());
    let body = out.text().await.unwrap();
    let end = format!("{}/session/end", provider.issuer);
    assert!(body.contains(&end), "{body}");
    let to = body
        .split("id=\"continue\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(to.starts_with(&end) && to.contains("id_token_hint"), "{to}");
    let back = browser.walk(&to, "", false, false).await;
    // The provider's own page submits itself with a line of script; a
    // browser without it presses the button.
    assert!(
        back.body.contains("logout") || back.url.contains("/sign-in"),
        "{}",
        back.url
    );
    let mine = browser.get(&format!("{}/my-work", app.address)).await;
    assert_eq!(mine.status().as_u16(), 303, "signed out of Accord");
}

async fn forged_and_broken_answers_are_refused_and_sign_nobody_in(backend: Backend) {
    let (app, state) = accord(backend).await;
    let email = email_of(&state, "hav-csc-practitioner").await;
    let provider = start_provider(
        &app.address,
        &["havering-entra"],
        &[
            Account {
                email: &email,
                ..practitioner()
            },
            Account {
                login: "unverified",
                email: &email,
                verified: false,
                oid: "oid-unverified",
            },
            Account {
                login: "elsewhere",
                email: "jo.bloggs@another-council.example.org",
                verified: true,
                oid: "oid-elsewhere",
            },
        ],
    )
    .await;
    set_up(&state, "havering-entra", &provider.issuer, |_| {}).await;
    let refused = |landed: &Landed, browser: &Browser, words: &str| {
        assert!(
            (400..500).contains(&landed.status),
            "{} {}",
            landed.status,
            landed.body
        );
        assert!(landed.body.contains(words), "{words}: {}", landed.body);
        assert!(
            landed.body.contains("You have not been signed in") || landed.body.contains("Accord")
        );
        assert!(!browser.signed_in(), "nobody is signed in: {words}");
    };
    for (forgery, words) in [
        ("wrong-signature", "its signature is not right"),
        ("alg-none", "it was not signed"),
        ("wrong-issuer", "it came from another issuer"),
        ("wrong-audience", "it was meant for another service"),
        ("expired", "it had expired"),
        (
            "wrong-nonce",
            "it did not belong to the sign-in you started",
        ),
    ] {
        mode(&provider, forgery).await;
        let mut browser = Browser::new();
        let landed = browser
            .sign_in(&app.address, "havering-entra", "practitioner", false)
            .await;
        refused(&landed, &browser, words);
    }
    mode(&provider, "normal").await;

    // A wrong state: the answer does not match the sign-in begun here.
    let mut browser = Browser::new();
    let callback = browser
        .walk(
            &format!("{}/sign-in/provider/havering-entra", app.address),
            "practitioner",
            false,
            true,
        )
        .await
        .url;
    let forged =
        reqwest::Url::parse_with_params(&callback, &[("state", "not-the-state-sent")]).unwrap();
    let mut query: Vec<(String, String)> = reqwest::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .filter(|(k, _)| k != "state")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    query.push(("state".into(), "not-the-state-sent".into()));
    let mut tampered = forged.clone();
    tampered.query_pairs_mut().clear().extend_pairs(&query);
    let landed = browser.walk(tampered.as_str(), "", false, false).await;
    refused(
        &landed,
        &browser,
        "does not match the sign-in started in this browser",
    );

    // A replayed answer: the first use signs in, the second finds nothing.
    let mut browser = Browser::new();
    let callback = browser
        .walk(
            &format!("{}/sign-in/provider/havering-entra", app.address),
            "practitioner",
            false,
            true,
        )
        .await
        .url;
    let cookies = browser.cookies.clone();
    let first = browser.walk(&callback, "", false, false).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(browser.signed_in());
    let mut replayer = Browser::new();
    replayer.cookies = cookies;
    let again = replayer.walk(&callback, "", false, false).await;
    assert!(!again.body.contains("Signing you in"));
    assert!(
        again.body.contains("expired or has already been used"),
        "{}",
        again.body
    );

    // An email the provider has not verified, and one of another domain.
    let mut browser = Browser::new();
    let landed = browser
        .sign_in(&app.address, "havering-entra", "unverified", false)
        .await;
    refused(
        &landed,
        &browser,
        "has not confirmed that your email address is yours",
    );
    let mut browser = Browser::new();
    let landed = browser
        .sign_in(&app.address, "havering-entra", "elsewhere", false)
        .await;
    refused(
        &landed,
        &browser,
        "is not of a domain Provider havering-entra signs in for",
    );

    // A key rotated at the provider: accepted once Accord reads its keys
    // again (the first sign-in above read them).
    let rotated = reqwest::Client::new()
        .post(format!("{}/__test/rotate", provider.issuer))
        .send()
        .await
        .unwrap();
    assert!(rotated.status().is_success());
    let mut browser = Browser::new();
    let landed = browser
        .sign_in(&app.address, "havering-entra", "practitioner", false)
        .await;
    assert_eq!(landed.status, 200, "{}", landed.body);
    assert!(browser.signed_in(), "signed in with the new key");
}

async fn unknown_people_leavers_second_factors_two_providers_and_passwords_off(backend: Backend) {
    let (app, state) = accord(backend).await;
    let practitioner_email = email_of(&state, "hav-csc-practitioner").await;
    // A case the practitioner's agency raised, and a manager of the other
    // agency, who signs in through a provider of their own.
    let agency = state
        .store()
        .person_by_sign_in("hav-csc-practitioner")
        .await
        .unwrap()
        .unwrap()
        .agency;
    let mut shared = None;
    for entry in state.store().register_of("havering").await.unwrap() {
        if entry.raising_agency != agency {
            continue;
        }
        let manager = format!("{}-manager", entry.other_agency);
        if let Some(person) = state.store().person_by_sign_in(&manager).await.unwrap() {
            shared = Some((entry.case, person.email, manager));
            break;
        }
    }
    let (case, police_email, _) =
        shared.expect("the demo has a case the council raised about another agency");
    let chair_email = email_of(&state, "hav-chair").await;
    // Someone of a tier that has a role of Havering's policy they do not
    // hold, for the group claim's mapping.
    let policy = havering_policy(&state).await;
    let (lead, role) = state
        .store()
        .people("havering")
        .await
        .unwrap()
        .into_iter()
        .find_map(|p| {
            let role = policy
                .roles
                .iter()
                .find(|r| r.tier == p.tier && !p.declared_roles.contains(&r.id))?
                .id
                .clone();
            Some((p, role))
        })
        .expect("someone with a role of their tier to gain");
    let council = start_provider(
        &app.address,
        &["council"],
        &[
            Account {
                email: &practitioner_email,
                ..practitioner()
            },
            Account {
                login: "newstarter",
                email: "new.starter@havering-scp.example.org",
                verified: true,
                oid: "oid-new",
            },
            Account {
                login: "chair",
                email: &chair_email,
                verified: true,
                oid: "oid-chair",
            },
            Account {
                login: "lead",
                email: &lead.email,
                verified: true,
                oid: "oid-lead",
            },
        ],
    )
    .await;
    let police = start_provider(
        &app.address,
        &["police"],
        &[Account {
            login: "officer",
            email: &police_email,
            verified: true,
            oid: "oid-officer",
        }],
    )
    .await;
    set_up(&state, "council", &council.issuer, |_| {}).await;
    set_up(&state, "police", &police.issuer, |p| {
        p.claim = IdentityClaim::Email;
    })
    .await;

    // Someone the directory does not know: told whom to ask, and written
    // down for the administrator.
    let mut browser = Browser::new();
    let landed = browser
        .sign_in(&app.address, "council", "newstarter", false)
        .await;
    assert_eq!(landed.status, 403);
    assert!(
        landed.body.contains("Accord does not know you yet"),
        "{}",
        landed.body
    );
    let admin = state
        .store()
        .person_by_sign_in("hav-admin")
        .await
        .unwrap()
        .unwrap();
    assert!(landed.body.contains(&admin.name) && landed.body.contains(&admin.email));
    assert!(!browser.signed_in());
    let unknown = state.store().unknown_sign_ins("havering").await.unwrap();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].email, "new.starter@havering-scp.example.org");

    // Two providers at once: the council's practitioner and the police's
    // manager, each through their own, read the same case.
    let mut council_browser = Browser::new();
    council_browser
        .sign_in(&app.address, "council", "practitioner", false)
        .await;
    let mut police_browser = Browser::new();
    police_browser
        .sign_in(&app.address, "police", "officer", false)
        .await;
    assert!(council_browser.signed_in() && police_browser.signed_in());
    for browser in [&mut council_browser, &mut police_browser] {
        let page = browser.get(&format!("{}/cases/{case}", app.address)).await;
        assert_eq!(page.status().as_u16(), 200, "{case}");
    }

    // A group claim mapped to a role of the partnership's policy: held
    // while the provider names the group, given up once it does not, and
    // each change in the directory's audit as the provider's.
    for (group, holds) in [("accord-users", true), ("someone-elses-group", false)] {
        set_up(&state, "council", &council.issuer, |p| {
            p.group_roles = vec![(group.to_owned(), role.to_string())];
        })
        .await;
        let mut browser = Browser::new();
        browser
            .sign_in(&app.address, "council", "lead", false)
            .await;
        assert!(browser.signed_in());
        let now = state.store().person(&lead.id).await.unwrap().unwrap();
        assert_eq!(now.declared_roles.contains(&role), holds, "{group}");
    }
    let audit = state.store().directory_audit("havering", 20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.by == ChangedBy::System("identity provider council".into())),
        "{audit:#?}"
    );

    // A leaver: disabled in Accord, the provider still signs them in, and
    // Accord refuses.
    state
        .store()
        .disable_account(
            "hav-chair",
            jiff::Timestamp::now(),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let mut browser = Browser::new();
    let landed = browser
        .sign_in(&app.address, "council", "chair", false)
        .await;
    assert_eq!(landed.status, 403);
    assert!(
        landed.body.contains("Your Accord account is disabled"),
        "{}",
        landed.body
    );
    assert!(!browser.signed_in());

    // A partnership that requires a second factor: the provider's own
    // (amr mfa) stands in for Accord's; without it, someone with Accord's
    // own is asked its code.
    state
        .store()
        .require_second_factor(
            "havering",
            true,
            jiff::Timestamp::now(),
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let mut browser = Browser::new();
    browser
        .sign_in(&app.address, "police", "officer", true)
        .await;
    let mine = browser.get(&format!("{}/my-work", app.address)).await;
    assert_eq!(
        mine.status().as_u16(),
        200,
        "no enrolment asked after the provider's mfa"
    );
    let mut browser = Browser::new();
    browser
        .sign_in(&app.address, "police", "officer", false)
        .await;
    let mine = browser.get(&format!("{}/my-work", app.address)).await;
    assert_eq!(
        mine.status().as_u16(),
        303,
        "without it, Accord's own is set up first"
    );
    assert!(
        mine.headers()["location"]
            .to_str()
            .unwrap()
            .contains("second-factor")
    );

    let person = state
        .store()
        .person_by_sign_in("hav-csc-practitioner")
        .await
        .unwrap()
        .unwrap();
    // Codes by the server's clock, which the test set at its start.
    let now = state.now();
    let enrolment = state
        .store()
        .begin_second_factor(&person, "Accord", now)
        .await
        .unwrap()
        .expect("an enrolment");
    let code = accord_store::code_at(&enrolment.secret, now).unwrap();
    state
        .store()
        .confirm_second_factor(&person.id, &code, now, &ChangedBy::COMMAND_LINE)
        .await
        .unwrap();
    let mut browser = Browser::new();
    let landed = browser
        .sign_in(&app.address, "council", "practitioner", false)
        .await;
    assert!(
        landed.url.ends_with("/sign-in/provider/code"),
        "{}",
        landed.url
    );
    assert!(
        landed
            .body
            .contains("Enter the code from your authenticator app")
    );
    assert!(!browser.signed_in());
    let wrong = browser
        .post(
            &format!("{}/sign-in/provider/code", app.address),
            &[("code", "000000")],
            &app.address,
        )
        .await;
    assert_eq!(wrong.status().as_u16(), 401);
    assert!(!browser.signed_in());
    // The next step's code: the enrolment's own step was used.
    let later = now + jiff::SignedDuration::from_secs(30);
    let code = accord_store::code_at(&enrolment.secret, later).unwrap();
    let right = browser
        .post(
            &format!("{}/sign-in/provider/code", app.address),
            &[("code", &code)],
            &app.address,
        )
        .await;
    assert_eq!(right.status().as_u16(), 200);
    assert!(browser.signed_in(), "signed in after Accord's code");

    // Local passwords switched off for the council's domains: the password
    // sign-in says which button to use.
    set_up(&state, "council", &council.issuer, |p| {
        p.passwords_off = true
    })
    .await;
    let answer = app
        .client
        .post(format!("{}/api/v1/session", app.address))
        .json(&serde_json::json!({"sign_in": "hav-admin", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 403);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "password_sign_in_off", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Sign in with Provider council")
    );
}

/// In real Chromium, through the provider's own pages: sign in to My work,
/// sign out there too, and back; someone the directory does not know; both
/// Accord pages checked with axe-core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_through_the_provider_and_out_again() {
    let (app, state) = accord(Backend::Sqlite).await;
    let email = email_of(&state, "hav-csc-practitioner").await;
    let provider = start_provider(
        &app.address,
        &["havering-entra"],
        &[
            Account {
                email: &email,
                ..practitioner()
            },
            Account {
                login: "newstarter",
                email: "new.starter@havering-scp.example.org",
                verified: true,
                oid: "oid-new",
            },
        ],
    )
    .await;
    set_up(&state, "havering-entra", &provider.issuer, |p| {
        p.name = "London Borough of Havering".into();
    })
    .await;
    let mut b = browser::Browser::start("single-sign-on", &app.address).await;
    b.open("/sign-in").await;
    b.axe("the sign-in page with an identity provider").await;
    b.screenshot("sign-in-with-provider").await;
    b.follow("Sign in with London Borough of Havering").await;
    b.wait_for(|p| p.starts_with("/interaction/")).await;
    b.fill("login", "practitioner").await;
    b.click("#submit").await;
    b.wait_for(|p| p == "/my-work").await;
    assert_eq!(b.text("h1").await, "My work");
    let header = b.text("header").await;
    let person = state
        .store()
        .person_by_sign_in("hav-csc-practitioner")
        .await
        .unwrap()
        .unwrap();
    assert!(header.contains(&person.name), "{header}");
    b.sign_out().await;
    // Signed out of Accord: My work asks to sign in again.
    b.open("/my-work").await;
    b.wait_for(|p| p.starts_with("/sign-in")).await;

    // Someone the directory does not know.
    b.open("/sign-in").await;
    b.follow("Sign in with London Borough of Havering").await;
    b.wait_for(|p| p.starts_with("/interaction/")).await;
    b.fill("login", "newstarter").await;
    b.click("#submit").await;
    b.wait_for(|p| p.starts_with("/sign-in/provider/callback"))
        .await;
    assert_eq!(b.text("h1").await, "Accord does not know you yet");
    b.axe("the page for someone not in the directory").await;
    b.screenshot("sign-in-not-in-directory").await;
}
