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

    let steps: [Step; 6] = [
        ("scope", &[("scope", "none")], "/raise/other-agency"),
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
    // Issue 14 §3: without JavaScript the agency is chosen from a plain
    // select of the partnership's other agencies, the one chosen kept.
    let (status, _, page) = b.get("/raise/other-agency").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<select class=\"govuk-select\" id=\"other_agency\" name=\"other_agency\""),
        "{page}"
    );
    assert!(
        page.contains(
            "<option value=\"hav-police\" selected>Metropolitan Police, East Area</option>"
        ),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"hav-school\">Hornchurch Fields Academy</option>"),
        "{page}"
    );
    assert!(
        !page.contains("<option value=\"hav-csc\""),
        "not the raiser's own agency"
    );
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
    // Issue 14 §3: the people picker without JavaScript. The form lists
    // only who is chosen; "Find people" shows it again with the matches to
    // tick, keeping what was typed.
    assert!(!form.contains("value=\"hav-police-practitioner\""));
    let mut typed = vec![
        ("expected_version", version.as_str()),
        ("held_on-day", "2"),
        ("held_on-month", "6"),
        ("held_on-year", "2025"),
        ("held_at", "10:45am"),
        ("how", "phone"),
        ("participants", "hav-csc-practitioner"),
    ];
    let mut finding = typed.clone();
    finding.extend([("participants-find", "police"), ("find", "participants")]);
    let response = b
        .app
        .client
        .post(b.app.url(&discussion))
        .header("cookie", &b.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(
                    [("csrf_token", token_of(&form).as_str())]
                        .into_iter()
                        .chain(finding),
                )
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let found = response.text().await.unwrap();
    assert!(found.contains("people match “police”"), "{found}");
    assert!(
        found.contains("value=\"hav-police-practitioner\">"),
        "found, to tick"
    );
    assert!(
        found.contains("value=\"hav-csc-practitioner\" checked"),
        "kept"
    );
    assert!(found.contains("value=\"10:45am\""), "kept");
    typed.push(("participants", "hav-police-practitioner"));
    let (status, to) = b
        .post(
            &discussion,
            &discussion,
            &[
                typed.as_slice(),
                &[
                    (
                        "summary",
                        "Police will not share the log without a request.",
                    ),
                    ("agreed", "no"),
                ],
            ]
            .concat(),
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

/// IOM-9 and IOM-4 (reading): "and/or the discussions raise significant
/// policy issues, the matter should be urgently referred to the Safeguarding
/// Board" (Isle of Man, Stage Four). Once the referral form says the
/// discussions raise significant policy issues, a Stage One case offers to
/// escalate straight to Stage Four, and plain HTML forms take it there. A
/// case whose Stage Three has ended says it waits for its referral form.
#[tokio::test]
async fn isle_of_man_policy_issues_go_straight_to_the_board_with_plain_html_forms() {
    let (app, _state, clock) = spawn_app_with_demo_and_clock().await;
    let calendars = accord_calendar::Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let demo = accord_demo::demo(clock.now(), &calendars, &policies).expect("the demo");
    let cases: Vec<(accord_case::Case, usize)> = demo
        .cases
        .iter()
        .filter(|c| c.policy.as_str() == "isle-of-man-2023")
        .map(|c| (accord_case::Case::fold(&c.events).unwrap(), c.events.len()))
        .collect();
    let senior_manager_of = |case: &accord_case::Case| {
        demo.people
            .iter()
            .find(|p| {
                p.partnership == "isle-of-man"
                    && p.tier == accord_policy::RoleTier::SeniorManager
                    && p.agency == case.raised_by().agency
            })
            .expect("the raising agency has a senior manager")
            .sign_in
            .clone()
    };

    // Stage Three has ended; the referral form is awaited.
    let (awaiting, _) = cases
        .iter()
        .find(|(c, _)| c.awaiting_entry().is_some())
        .expect("an Isle of Man case waits for its referral form");
    let mut b = Plain {
        app: &app,
        cookie: String::new(),
    };
    let who = senior_manager_of(awaiting);
    let (status, _) = b
        .post(
            "/sign-in",
            "/sign-in",
            &[("sign_in", who.as_str()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _, page) = b.get(&format!("/cases/{}", awaiting.id())).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Stage 3 has ended: the case enters Stage 4 when the Resolving Professional Differences Escalation Referral Form is submitted"),
        "{page}"
    );
    assert!(!page.contains(&format!("/cases/{}/escalate", awaiting.id())));

    // A Stage One case, its referral form saying "yes" to policy issues.
    let (case, version) = cases
        .iter()
        .find(|(c, _)| c.status() == accord_case::Status::Open && c.stage().get() == 1)
        .expect("an open Isle of Man case at Stage One");
    let id = case.id().to_string();
    let who = senior_manager_of(case);
    let session = common::sign_in(&app, &who).await;
    let values = accord_case::FormValues::new()
        .with(
            "issues-and-concerns".parse().unwrap(),
            accord_case::FieldValue::Text(
                "The threshold guidance gives no answer for adults with fluctuating capacity."
                    .into(),
            ),
        )
        .with(
            "significant-policy-issues".parse().unwrap(),
            accord_case::FieldValue::YesNo(true),
        );
    let (status, body) = common::post_as(
        &app,
        &session,
        &format!("/api/v1/cases/{id}/forms/referral-form"),
        &serde_json::json!({ "expected_version": version, "values": values }),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let mut b = Plain {
        app: &app,
        cookie: String::new(),
    };
    let (status, _) = b
        .post(
            "/sign-in",
            "/sign-in",
            &[("sign_in", who.as_str()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, _, page) = b.get(&format!("/cases/{id}")).await;
    let straight = format!("/cases/{id}/escalate?to=4");
    assert!(page.contains(&straight), "{page}");
    assert!(page.contains("Escalate straight to Stage 4"), "{page}");
    let (status, _, form) = b.get(&straight).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("Stage Four: Isle of Man Safeguarding Board"),
        "{form}"
    );
    assert!(form.contains("name=\"to\" value=\"4\""), "{form}");
    let version = version_of(&form);
    let (status, to) = b
        .post(
            &straight,
            &format!("/cases/{id}/escalate"),
            &[
                ("expected_version", version.as_str()),
                ("to", "4"),
                (
                    "reason",
                    "The discussions raise a significant policy issue for the Board.",
                ),
            ],
        )
        .await;
    assert_eq!(status, 303, "{to}");
    let (_, _, page) = b.get(&format!("/cases/{id}")).await;
    assert!(page.contains("Escalated from Stage 1 to Stage 4"), "{page}");
}

/// Issue 14 §7's words: the scope question names "The" policy, a
/// children's partnership speaks of children only, and the policy page
/// gives the calendar's own name.
#[tokio::test]
async fn the_pages_say_it_properly() {
    let (app, _state, _clock) = spawn_app_with_demo_and_clock().await;
    let mut b = Plain {
        app: &app,
        cookie: String::new(),
    };
    b.post(
        "/sign-in",
        "/sign-in",
        &[("sign_in", "hav-csc-practitioner"), ("password", PASSWORD)],
    )
    .await;
    let (status, _, scope) = b.get("/raise/scope").await;
    assert_eq!(status, 200, "{scope}");
    assert!(
        scope.contains("The Escalation &amp; Dispute Resolution Policy does not cover these")
            || scope
                .contains("The Escalation &#38; Dispute Resolution Policy does not cover these"),
        "{scope}"
    );
    assert!(
        scope.contains("You believe it leaves a child unsafe."),
        "{scope}"
    );
    assert!(!scope.contains("adult at risk"), "{scope}");
    let (_, _, policy) = b.get("/policies/havering-2022").await;
    assert!(
        policy.contains("Counted on the England and Wales bank-holiday calendar"),
        "{policy}"
    );
}
