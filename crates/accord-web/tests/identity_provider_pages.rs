//! Single sign-on in the admin pages (issue 16: "An administrator
//! configures each one: its name on the sign-in page, issuer, client id and
//! secret, the email domains it serves, and which claim identifies a
//! person. Configure them in the admin pages and the CLI. Secrets are never
//! shown back."), on the real server over SQLite and PostgreSQL: a
//! partnership's administrator adds, changes and removes its providers,
//! each mistake named by its field; the client secret is kept when left
//! empty and never written into a page; another partnership's
//! administrator finds nothing, and nobody else may look; and the people a
//! provider vouched for whom the directory does not know are listed, to
//! add.

mod browser;
mod common;

use accord_store::{ChangedBy, IdentityClaim};
use browser::Browser;
use common::{
    Backend, Session, TestApp, TestClock, page_as, post_form_as, serve, sign_in,
    spawn_app_with_demo, spawn_app_with_directory, state, with_people,
};

const ADMIN: &str = "hav-admin";
const OTHER_ADMIN: &str = "sut-admin";
const MANAGER: &str = "hav-csc-manager";
const SECRET: &str = "first-secret-abc123";
const NEW_SECRET: &str = "second-secret-def456";

/// The form as an administrator fills it in, with `changes` made.
fn form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("id", "havering-entra"),
        ("name", "London Borough of Havering"),
        ("issuer", "https://login.microsoftonline.com/tenant/v2.0"),
        ("client_id", "accord-havering"),
        ("client_secret", SECRET),
        ("domains", "Havering.gov.uk, onesource.co.uk"),
        ("claim", "oid"),
        ("mfa_acr", "possessionorinherence"),
        ("group_roles", "hscp-chairs=hscp-chair"),
        ("enabled", "yes"),
    ];
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        if !value.is_empty() || *name == "client_secret" {
            fields.push((name, value));
        }
    }
    fields
}

/// Every page read, to check no secret is in any of them.
struct Pages(Vec<String>);

impl Pages {
    async fn get(&mut self, app: &TestApp, session: &Session, path: &str) -> (u16, String) {
        let (status, page) = page_as(app, session, path).await;
        self.0.push(page.clone());
        (status, page)
    }

    async fn post(
        &mut self,
        app: &TestApp,
        session: &Session,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String, String) {
        let response = post_form_as(app, session, path, fields).await;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let page = response.text().await.unwrap();
        self.0.push(page.clone());
        (status, location, page)
    }
}

async fn an_administrator_adds_changes_and_removes_a_provider(backend: Backend) {
    let (app, state, _clock) =
        spawn_app_with_directory(backend, &[ADMIN, OTHER_ADMIN, MANAGER]).await;
    let store = state.store();
    let admin = sign_in(&app, ADMIN).await;
    let mut pages = Pages(Vec::new());

    let (status, list) = pages.get(&app, &admin, "/admin/sign-in").await;
    assert_eq!(status, 200);
    assert!(
        list.contains("You have not added an identity provider"),
        "{list}"
    );
    assert!(list.contains("href=\"/admin/sign-in/new\""));
    // Without its own address Accord cannot give a redirect URL.
    assert!(list.contains("ACCORD_BASE_URL"), "{list}");
    let (_, home) = pages.get(&app, &admin, "/admin").await;
    assert!(home.contains("href=\"/admin/sign-in\""), "{home}");
    assert!(home.contains("Not set up"));

    let (status, blank) = pages.get(&app, &admin, "/admin/sign-in/new").await;
    assert_eq!(status, 200);
    assert!(
        blank.contains("name=\"client_secret\" type=\"password\" value=\"\""),
        "{blank}"
    );
    assert!(blank.contains("<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">Which claim identifies a person</legend>"));

    // Each mistake is named, in the summary and by its field; what was
    // typed is kept, but never the secret.
    let long_acr = "a".repeat(201);
    let bad = form(&[
        ("id", "Havering Entra"),
        ("name", " "),
        ("issuer", "ftp://login.example.com"),
        ("client_id", " "),
        ("domains", "nodot"),
        ("claim", ""),
        ("mfa_acr", &long_acr),
        ("group_roles", "leads=queen"),
    ]);
    let (status, _, page) = pages.post(&app, &admin, "/admin/sign-in/new", &bad).await;
    assert_eq!(status, 422);
    for (field, message) in [
        (
            "id",
            "Enter an id of lower-case letters, digits and hyphens",
        ),
        ("name", "as people will see it on the sign-in page"),
        ("issuer", "starting https://, such as"),
        (
            "client_id",
            "Enter the client id (application id) the provider gave Accord",
        ),
        ("domains", "Enter the email domains the provider serves"),
        ("claim", "Select which claim identifies a person"),
        ("mfa_acr", "Enter each acr value as the provider sends it"),
        ("group_roles", "`leads=queen` is not one"),
    ] {
        assert!(
            page.contains(&format!("href=\"#{field}\"")),
            "{field}: {page}"
        );
        assert!(page.contains(&format!("id=\"{field}-error\"")), "{field}");
        assert!(page.contains(message), "{field}: {message}: {page}");
    }
    assert!(page.contains("value=\"ftp://login.example.com\""));
    assert!(!page.contains(SECRET));
    let (status, _, page) = pages
        .post(
            &app,
            &admin,
            "/admin/sign-in/new",
            &form(&[("client_secret", "")]),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Enter the client secret the provider gave Accord"));
    let (status, _, page) = pages
        .post(&app, &admin, "/admin/sign-in/new", &form(&[("id", "new")]))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("The id new is kept"), "{page}");

    // Added.
    let (status, location, _) = pages
        .post(&app, &admin, "/admin/sign-in/new", &form(&[]))
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/admin/sign-in?done=added")
    );
    let saved = store
        .identity_provider("havering-entra")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.partnership, "havering");
    assert_eq!(saved.domains, ["havering.gov.uk", "onesource.co.uk"]);
    assert_eq!(saved.claim, IdentityClaim::ObjectId);
    assert_eq!(saved.mfa_acr, ["possessionorinherence"]);
    assert_eq!(
        saved.group_roles,
        [("hscp-chairs".to_owned(), "hscp-chair".to_owned())]
    );
    assert!(saved.enabled && !saved.passwords_off);
    assert_eq!(
        store
            .identity_provider_secret("havering-entra")
            .await
            .unwrap()
            .as_deref(),
        Some(SECRET)
    );
    let (_, list) = pages.get(&app, &admin, "/admin/sign-in?done=added").await;
    assert!(list.contains("The identity provider is added"));
    assert!(list.contains("London Borough of Havering"));
    assert!(list.contains("https://login.microsoftonline.com/tenant/v2.0"));
    assert!(list.contains("havering.gov.uk, onesource.co.uk"));
    assert!(list.contains("Entra object id (oid)"));
    assert!(list.contains("href=\"/admin/sign-in/havering-entra\""));
    let (_, home) = pages.get(&app, &admin, "/admin").await;
    assert!(home.contains("1 provider"));

    // The same id again is refused.
    let (status, _, page) = pages
        .post(&app, &admin, "/admin/sign-in/new", &form(&[]))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("There is an identity provider with this id already"));

    // Changed without a secret, the secret set stays.
    let (status, edit) = pages
        .get(&app, &admin, "/admin/sign-in/havering-entra")
        .await;
    assert_eq!(status, 200);
    assert!(edit.contains("value=\"accord-havering\""));
    assert!(edit.contains("name=\"client_secret\" type=\"password\" value=\"\""));
    assert!(edit.contains("Leave it empty to keep the secret you set"));
    assert!(!edit.contains("name=\"id\""), "the id is not changed");
    let change = form(&[
        ("id", ""),
        ("name", "Havering staff"),
        ("client_secret", ""),
        ("enabled", ""),
        ("passwords_off", "yes"),
        ("claim", "email"),
    ]);
    let (status, location, _) = pages
        .post(&app, &admin, "/admin/sign-in/havering-entra", &change)
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/admin/sign-in?done=saved")
    );
    let saved = store
        .identity_provider("havering-entra")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.name, "Havering staff");
    assert_eq!(saved.claim, IdentityClaim::Email);
    assert!(!saved.enabled && saved.passwords_off);
    assert_eq!(
        store
            .identity_provider_secret("havering-entra")
            .await
            .unwrap()
            .as_deref(),
        Some(SECRET)
    );
    // A mistake on a change is named too, and keeps the secret.
    let (status, _, page) = pages
        .post(
            &app,
            &admin,
            "/admin/sign-in/havering-entra",
            &form(&[
                ("id", ""),
                ("issuer", "login.example.com"),
                ("client_secret", NEW_SECRET),
            ]),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("starting https://, such as"));
    assert_eq!(
        store
            .identity_provider_secret("havering-entra")
            .await
            .unwrap()
            .as_deref(),
        Some(SECRET)
    );
    // A new secret replaces it.
    let (status, _, _) = pages
        .post(
            &app,
            &admin,
            "/admin/sign-in/havering-entra",
            &form(&[("id", ""), ("client_secret", NEW_SECRET)]),
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        store
            .identity_provider_secret("havering-entra")
            .await
            .unwrap()
            .as_deref(),
        Some(NEW_SECRET)
    );
    let (_, list) = pages.get(&app, &admin, "/admin/sign-in").await;
    assert!(list.contains("London Borough of Havering"));

    // Each change is audited as the administrator's, the secret never in it.
    let audit = store.directory_audit("havering", 50).await.unwrap();
    let changes: Vec<_> = audit
        .iter()
        .filter(|e| e.what == "setting.identity_provider.havering-entra")
        .collect();
    assert_eq!(changes.len(), 3, "{audit:?}");
    for entry in &audit {
        let text = format!("{:?} {:?}", entry.before, entry.after);
        assert!(
            !text.contains(SECRET) && !text.contains(NEW_SECRET),
            "{text}"
        );
    }
    assert!(
        changes
            .iter()
            .all(|e| e.by == ChangedBy::Person(ADMIN.parse().unwrap()))
    );

    // Another partnership's administrator finds nothing of it.
    let other = sign_in(&app, OTHER_ADMIN).await;
    let (status, _) = pages
        .get(&app, &other, "/admin/sign-in/havering-entra")
        .await;
    assert_eq!(status, 404);
    for path in [
        "/admin/sign-in/havering-entra",
        "/admin/sign-in/havering-entra/remove",
    ] {
        let (status, _, _) = pages
            .post(&app, &other, path, &form(&[("id", ""), ("confirm", "yes")]))
            .await;
        assert_eq!(status, 404, "{path}");
    }
    let (_, list) = pages.get(&app, &other, "/admin/sign-in").await;
    assert!(!list.contains("havering-entra"));
    // Nor may anyone who is not an administrator.
    let manager = sign_in(&app, MANAGER).await;
    let (status, _) = pages.get(&app, &manager, "/admin/sign-in").await;
    assert_eq!(status, 403);
    let (status, _) = pages
        .get(&app, &manager, "/admin/sign-in/havering-entra")
        .await;
    assert_eq!(status, 403);
    let (status, _, _) = pages
        .post(
            &app,
            &manager,
            "/admin/sign-in/new",
            &form(&[("id", "mine")]),
        )
        .await;
    assert_eq!(status, 403);
    assert!(store.identity_provider("mine").await.unwrap().is_none());
    let (status, _, _) = pages
        .post(
            &app,
            &manager,
            "/admin/sign-in/havering-entra/remove",
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        store
            .identity_provider("havering-entra")
            .await
            .unwrap()
            .unwrap()
            .name,
        "London Borough of Havering"
    );

    // Removing asks first, then removes.
    let (status, _, ask) = pages
        .post(
            &app,
            &admin,
            "/admin/sign-in/havering-entra",
            &[("remove", "ask")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(ask.contains("Yes, remove it"), "{ask}");
    assert!(ask.contains("action=\"/admin/sign-in/havering-entra/remove\""));
    let (status, _, again) = pages
        .post(&app, &admin, "/admin/sign-in/havering-entra/remove", &[])
        .await;
    assert_eq!(status, 200);
    assert!(again.contains("Yes, remove it"));
    assert!(
        store
            .identity_provider("havering-entra")
            .await
            .unwrap()
            .is_some()
    );
    let (status, location, _) = pages
        .post(
            &app,
            &admin,
            "/admin/sign-in/havering-entra/remove",
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/admin/sign-in?done=removed")
    );
    assert!(
        store
            .identity_provider("havering-entra")
            .await
            .unwrap()
            .is_none()
    );
    let (status, _) = pages
        .get(&app, &admin, "/admin/sign-in/havering-entra")
        .await;
    assert_eq!(status, 404);
    let (_, list) = pages.get(&app, &admin, "/admin/sign-in?done=removed").await;
    assert!(list.contains("The identity provider is removed"));

    // No page ever held either secret.
    for page in &pages.0 {
        assert!(
            !page.contains(SECRET) && !page.contains(NEW_SECRET),
            "{page}"
        );
    }
}

#[tokio::test]
async fn an_administrator_adds_changes_and_removes_a_provider_on_sqlite() {
    an_administrator_adds_changes_and_removes_a_provider(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_administrator_adds_changes_and_removes_a_provider_on_postgres() {
    an_administrator_adds_changes_and_removes_a_provider(Backend::Postgres).await;
}

/// "Someone the directory does not know … is written down for the
/// administrator to add": listed with the provider, when they tried and how
/// often, and a link that adds them with their email and name filled in;
/// once added, they are no longer listed. With Accord's address set, the
/// page gives the redirect URL to register.
#[tokio::test]
async fn people_a_provider_vouched_for_are_listed_to_add() {
    let clock = TestClock::new();
    let (state, dir) = state().await;
    let state = state.with_base_url(Some("https://accord.example.gov.uk/".to_owned()));
    let state = with_people(state, &[ADMIN], &clock).await;
    let app = serve(state.clone(), Some(dir)).await;
    let store = state.store();
    add_entra(store, clock.now()).await;
    for _ in 0..2 {
        store
            .record_unknown_sign_in(
                "havering-entra",
                "Jo.Bloggs@havering.gov.uk",
                "Jo Bloggs",
                clock.now(),
            )
            .await
            .unwrap();
    }
    let admin = sign_in(&app, ADMIN).await;
    let (status, list) = page_as(&app, &admin, "/admin/sign-in").await;
    assert_eq!(status, 200);
    assert!(
        list.contains("<code>https://accord.example.gov.uk/sign-in/provider/callback</code>"),
        "{list}"
    );
    assert!(list.contains("People who could not sign in"));
    assert!(list.contains("jo.bloggs@havering.gov.uk"), "{list}");
    assert!(list.contains("Jo Bloggs"));
    assert!(list.contains(
        "<td data-label=\"Provider\" class=\"govuk-table__cell\">London Borough of Havering</td>"
    ));
    assert!(list.contains(
        "<td data-label=\"Attempts\" class=\"govuk-table__cell govuk-table__cell--numeric\">2</td>"
    ));
    let link = "/admin/people/new?email=jo.bloggs%40havering.gov.uk&#38;name=Jo+Bloggs";
    assert!(list.contains(link), "{list}");
    let (_, home) = page_as(&app, &admin, "/admin").await;
    assert!(home.contains("1 could not sign in"), "{home}");

    let (status, add) = page_as(&app, &admin, &link.replace("&#38;", "&")).await;
    assert_eq!(status, 200);
    assert!(add.contains("value=\"jo.bloggs@havering.gov.uk\""), "{add}");
    assert!(add.contains("value=\"Jo Bloggs\""));
    let response = post_form_as(
        &app,
        &admin,
        "/admin/people/new",
        &[
            ("name", "Jo Bloggs"),
            ("sign_in", "hav-jo-bloggs"),
            ("job_title", "Social worker"),
            ("email", "jo.bloggs@havering.gov.uk"),
            ("agency", "hav-csc"),
            ("tier", "practitioner"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let (_, list) = page_as(&app, &admin, "/admin/sign-in").await;
    assert!(list.contains("Nobody has been turned away"), "{list}");
    assert!(store.unknown_sign_ins("havering").await.unwrap().is_empty());
}

/// Havering's Entra ID, set up as the command line would, with the
/// secret [`SECRET`].
async fn add_entra(store: &accord_store::Store, now: jiff::Timestamp) {
    store
        .save_identity_provider(
            &accord_store::ProviderSettings {
                provider: accord_store::IdentityProvider {
                    id: "havering-entra".into(),
                    partnership: "havering".into(),
                    name: "London Borough of Havering".into(),
                    issuer: "https://login.microsoftonline.com/tenant/v2.0".into(),
                    client_id: "accord-havering".into(),
                    domains: vec!["havering.gov.uk".into()],
                    claim: IdentityClaim::Email,
                    mfa_acr: Vec::new(),
                    group_roles: Vec::new(),
                    passwords_off: false,
                    enabled: true,
                },
                client_secret: Some(SECRET.into()),
            },
            now,
            &ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
}

/// Every single sign-on page, in every state, passes axe-core in real
/// Chromium, and reflows on a phone without scrolling sideways: the list
/// with a provider and someone turned away, the form empty and with its
/// mistakes, a provider's form, and the question before removing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_single_sign_on_pages_pass_axe_on_a_desktop_and_a_phone() {
    let (app, state) = spawn_app_with_demo().await;
    let store = state.store();
    add_entra(store, jiff::Timestamp::now()).await;
    store
        .record_unknown_sign_in(
            "havering-entra",
            "jo.bloggs@havering.gov.uk",
            "Jo Bloggs",
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let mut b = Browser::start("single-sign-on", &app.address).await;
    b.sign_in(ADMIN).await;
    b.open("/admin").await;
    b.follow("Single sign-on").await;
    assert_eq!(b.path().await, "/admin/sign-in");
    b.axe("the single sign-on page").await;
    b.at_phone_width("single-sign-on").await;

    b.follow("Add an identity provider").await;
    assert_eq!(b.path().await, "/admin/sign-in/new");
    b.axe("adding an identity provider").await;
    b.fill("client_secret", "typed-but-wrong").await;
    b.submit().await;
    assert!(b.present(".govuk-error-summary").await);
    assert!(b.present("#issuer-error").await);
    b.axe("adding an identity provider, with its mistakes")
        .await;
    b.at_phone_width("add-provider-mistakes").await;

    b.open("/admin/sign-in/havering-entra").await;
    b.axe("changing an identity provider").await;
    b.at_phone_width("change-provider").await;
    b.click_and_wait("button[name=remove]").await;
    assert!(
        b.text("h1")
            .await
            .starts_with("Remove London Borough of Havering")
    );
    b.axe("removing an identity provider").await;
    b.submit().await;
    assert_eq!(b.path().await, "/admin/sign-in?done=removed");
    b.axe("the single sign-on page, the provider removed").await;
    assert!(
        store
            .identity_provider("havering-entra")
            .await
            .unwrap()
            .is_none()
    );
    b.close().await;
}

/// Issue 19: the webhook pages pass axe on a desktop and a phone: the list
/// empty and with a paused endpoint, the form with its mistakes, and the
/// page that shows the secret once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_pages_pass_axe_on_a_desktop_and_a_phone() {
    let (app, state) = spawn_app_with_demo().await;
    let mut b = Browser::start("webhooks", &app.address).await;
    b.sign_in(ADMIN).await;
    b.open("/admin").await;
    b.follow("Webhooks").await;
    assert_eq!(b.path().await, "/admin/webhooks");
    b.axe("the webhooks page, with no endpoint").await;

    b.follow("Add an endpoint").await;
    assert_eq!(b.path().await, "/admin/webhooks/new");
    b.axe("adding a webhook endpoint").await;
    b.fill("url", "http://integration.havering.gov.uk/accord")
        .await;
    b.submit().await;
    assert!(b.present(".govuk-error-summary").await);
    assert!(b.present("#url-error").await);
    b.axe("adding a webhook endpoint, with its mistakes").await;
    b.at_phone_width("add-webhook-mistakes").await;

    b.fill("url", "https://integration.havering.gov.uk/accord")
        .await;
    b.submit().await;
    assert_eq!(b.text("h1").await, "The endpoint is added");
    let shown = b
        .find("#secret")
        .await
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    assert!(shown.starts_with("whsec_"), "{shown}");
    b.axe("the secret of a new endpoint").await;
    b.at_phone_width("webhook-secret").await;

    b.open("/admin/webhooks").await;
    b.click_and_wait("form[action$='/pause'] button").await;
    assert_eq!(b.path().await, "/admin/webhooks?done=paused");
    b.axe("the webhooks page, with a paused endpoint").await;
    b.at_phone_width("webhooks").await;
    let endpoints = state.store().webhooks("havering").await.unwrap();
    assert!(endpoints.len() == 1 && endpoints[0].paused);
    b.close().await;
}
