//! Issue 5: "Every page works without JavaScript." A browser with no
//! scripts sends plain HTML form posts and follows redirects; this test is
//! such a browser. It signs in through the sign-in form, raises a Havering
//! disagreement through the question pages (the CSRF token read from each
//! page's hidden field, as a form sends it), records a discussion and
//! escalates, and signs out, all with `application/x-www-form-urlencoded`
//! posts and no `X-CSRF-Token` header.

mod common;

use common::{PASSWORD, TestApp, spawn_app_with_demo_and_clock};

/// A page of raising: its address, what it is sent, where it leads.
type Step<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

/// A browser without JavaScript: a cookie, forms and redirects.
struct Plain<'a> {
    app: &'a TestApp,
    cookie: String,
}

impl Plain<'_> {
    async fn get(&self, path: &str) -> (u16, String, String) {
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let location = location(&response);
        (status, location, response.text().await.unwrap())
    }

    /// Posts `fields` as the form on the page at `from` would, with its
    /// CSRF token; the status and where it redirects.
    async fn post(&mut self, from: &str, to: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let (_, _, page) = self.get(from).await;
        let token = token_of(&page);
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = self
            .app
            .client
            .post(self.app.url(to))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if let Some(set) = response.headers().get("set-cookie") {
            self.cookie = set.to_str().unwrap().split(';').next().unwrap().to_owned();
        }
        (status, location(&response))
    }
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The case version a form carries.
fn version_of(page: &str) -> String {
    page.split("name=\"expected_version\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the form carries the case's version")
        .to_owned()
}

fn token_of(page: &str) -> String {
    page.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_disagreement_is_raised_and_worked_with_plain_html_forms() {
    let (app, _state, clock) = spawn_app_with_demo_and_clock().await;
    let mut b = Plain {
        app: &app,
        cookie: String::new(),
    };
    let (status, to) = b
        .post(
            "/sign-in",
            "/sign-in",
            &[("sign_in", "hav-csc-practitioner"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/"));
    assert!(b.cookie.starts_with("accord_session="));

    let steps: [Step; 7] = [
        ("scope", &[("scope", "none")], "/raise/policy"),
        (
            "policy",
            &[("policy", "havering-2022")],
            "/raise/other-agency",
        ),
        (
            "other-agency",
            &[("other_agency", "hav-police")],
            "/raise/other-professional",
        ),
        (
            "other-professional",
            &[("other_professional", "unknown")],
            "/raise/who-it-is-about",
        ),
        (
            "who-it-is-about",
            &[
                ("subject_count", "1"),
                ("s1-name", "Noah Bright"),
                ("s1-flags", "looked_after"),
            ],
            "/raise/area",
        ),
        (
            "area",
            &[("area", "roles-and-responsibilities")],
            "/raise/concern",
        ),
        (
            "concern",
            &[
                ("disputed", "Police did not share the incident log."),
                ("evidence", "The log number given at the strategy meeting."),
                ("outcome_sought", "The log shared today."),
            ],
            "/raise/check",
        ),
    ];
    for (step, fields, next) in steps {
        let path = format!("/raise/{step}");
        let (status, to) = b.post(&path, &path, fields).await;
        assert_eq!((status, to.as_str()), (303, next), "{step}");
    }
    // A page sent with a mistake is shown again, not redirected.
    let (status, _) = b.post("/raise/concern", "/raise/concern", &[]).await;
    assert_eq!(status, 422);
    // Put right again.
    let (status, _) = b
        .post(
            "/raise/concern",
            "/raise/concern",
            &[
                ("disputed", "Police did not share the incident log."),
                ("evidence", "The log number given at the strategy meeting."),
                ("outcome_sought", "The log shared today."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, to) = b.post("/raise/check", "/raise/check", &[]).await;
    assert_eq!(status, 303);
    let case = to
        .strip_prefix("/cases/")
        .and_then(|p| p.strip_suffix("?done=raised"))
        .unwrap_or_else(|| panic!("raised: {to}"))
        .to_owned();
    let (status, _, page) = b.get(&format!("/cases/{case}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Noah Bright"));

    clock.advance(60 * 60);
    let discussion = format!("/cases/{case}/record-discussion");
    let (_, _, form) = b.get(&discussion).await;
    let version = version_of(&form);
    let (status, to) = b
        .post(
            &discussion,
            &discussion,
            &[
                ("expected_version", version.as_str()),
                ("held_on-day", "2"),
                ("held_on-month", "6"),
                ("held_on-year", "2025"),
                ("held_at", "10:45am"),
                ("how", "phone"),
                ("participants", "hav-csc-practitioner"),
                ("participants", "hav-police-practitioner"),
                (
                    "summary",
                    "Police will not share the log without a request.",
                ),
                ("agreed", "no"),
            ],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (
            303,
            format!("/cases/{case}?done=record-discussion").as_str()
        )
    );
    let escalate = format!("/cases/{case}/escalate");
    let (_, _, form) = b.get(&escalate).await;
    let version = version_of(&form);
    let (status, to) = b
        .post(
            &escalate,
            &escalate,
            &[
                ("expected_version", version.as_str()),
                ("to", "2"),
                ("reason", "The log is still not shared."),
            ],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/cases/{case}?done=escalate").as_str())
    );
    let (_, _, page) = b.get(&format!("/cases/{case}")).await;
    // HAV-5: a Looked After Child, so the IRO is told at Stage Two (§2.5).
    assert!(page.contains("to the Independent Reviewing Officer (IRO)"));

    // A form sent without its token is refused with a page, not acted on.
    let response = app
        .client
        .post(app.url(&escalate))
        .header("cookie", &b.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("to=3&reason=x&expected_version=99")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<h1 class=\"govuk-heading-l\">You cannot do that</h1>")
    );

    let (status, to) = b.post("/my-work", "/sign-out", &[]).await;
    assert_eq!((status, to.as_str()), (303, "/sign-in"));
}
