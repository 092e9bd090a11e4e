//! The scope matrix (issue 11, finding 1): every page route and every API
//! route, under each credential — a session cookie, a `read` token, a
//! `write` token, a token with both, a revoked token, and a disabled
//! account's — asserting what each may do. A page may never do more than
//! the same credential may do through the API: pages take the session
//! cookie only, and the API asks `read` of a GET and `write` of anything
//! else.
//!
//! The routes are one table, [`ROUTES`]. The test reads the routers' source
//! (`src/api/mod.rs`, `src/pages/mod.rs`) and fails if a route there has no
//! row here, so a route added later cannot escape the matrix.
//!
//! Every request is one that changes nothing even where it is let through:
//! an empty body the route refuses, a case version long stale, a token id
//! that does not exist. Signing out comes last.

mod common;

use std::collections::BTreeSet;

use common::{Session, TestApp, bearer_token, sign_in, spawn_app_with_demo};
use serde_json::json;

/// What a route asks of whoever calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// Nothing: reference data, signing in and out, the sign-in page, a
    /// calendar feed's own secret address, a link to set a password, and
    /// asking for one.
    Nobody,
    /// An API read: a session, or a token with `read`.
    Read,
    /// An API change: a session, or a token with `write`.
    Write,
    /// A password session, never a token: making tokens, setting up a
    /// second factor.
    Session,
    /// A page: the session cookie, and nothing else.
    Page,
}

/// What the credential got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Got {
    /// Let through to the route's own work (which may still refuse the
    /// empty body, the stale version, or the person's tier).
    Through,
    /// 403 `insufficient_scope`: the token lacks the scope.
    NeedsScope,
    /// 403 `session_required`: a token may not do this at all.
    NeedsSession,
    /// 401, or a page's redirect to sign in: nobody signed in.
    SignedOut,
}

use Got::{NeedsScope, NeedsSession, SignedOut, Through};

/// The credentials, in the order of the expectations below.
const CREDENTIALS: [&str; 6] = [
    "session",
    "read token",
    "write token",
    "read and write token",
    "revoked token",
    "disabled account",
];

/// What each credential gets, by what the route needs.
#[rustfmt::skip]
const EXPECT: &[(Needs, [Got; 6])] = &[
    //                session  read        write         both          revoked    disabled
    (Needs::Nobody,  [Through, Through,    Through,      Through,      Through,   Through]),
    (Needs::Read,    [Through, Through,    NeedsScope,   Through,      SignedOut, SignedOut]),
    (Needs::Write,   [Through, NeedsScope, Through,      Through,      SignedOut, SignedOut]),
    (Needs::Session, [Through, NeedsScope, NeedsSession, NeedsSession, SignedOut, SignedOut]),
    (Needs::Page,    [Through, SignedOut,  SignedOut,    SignedOut,    SignedOut, SignedOut]),
];

/// One route: its method, its pattern as the router writes it, a concrete
/// path to send, and what it needs.
struct Route {
    method: &'static str,
    pattern: &'static str,
    path: &'static str,
    needs: Needs,
}

const fn r(method: &'static str, pattern: &'static str, path: &'static str, needs: Needs) -> Route {
    Route {
        method,
        pattern,
        path,
        needs,
    }
}

const CASE: &str = "/api/v1/cases/HAV-DEMO-0001";

#[rustfmt::skip]
const ROUTES: &[Route] = &[
    // The API's reference data and signing in.
    r("GET",    "/api/v1/health", "/api/v1/health", Needs::Nobody),
    r("GET",    "/api/v1/policies", "/api/v1/policies", Needs::Nobody),
    r("GET",    "/api/v1/policies/{id}", "/api/v1/policies/havering-hscp-2022", Needs::Nobody),
    r("GET",    "/api/v1/policies/{id}/timeline", "/api/v1/policies/havering-hscp-2022/timeline", Needs::Nobody),
    r("POST",   "/api/v1/policy-checks", "/api/v1/policy-checks", Needs::Nobody),
    r("GET",    "/api/v1/calendars", "/api/v1/calendars", Needs::Nobody),
    r("GET",    "/api/v1/calendars/{id}/holidays/{year}", "/api/v1/calendars/england-and-wales/holidays/2026", Needs::Nobody),
    r("POST",   "/api/v1/session", "/api/v1/session", Needs::Nobody),
    // Who is signed in, the directory, cases.
    r("GET",    "/api/v1/me", "/api/v1/me", Needs::Read),
    r("POST",   "/api/v1/me/second-factor", "/api/v1/me/second-factor", Needs::Session),
    r("POST",   "/api/v1/me/second-factor/confirmation", "/api/v1/me/second-factor/confirmation", Needs::Session),
    r("POST",   "/api/v1/me/password", "/api/v1/me/password", Needs::Session),
    r("POST",   "/api/v1/tokens", "/api/v1/tokens", Needs::Session),
    r("DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/0000000000000000", Needs::Write),
    r("GET",    "/api/v1/partnerships", "/api/v1/partnerships", Needs::Read),
    r("GET",    "/api/v1/partnerships/{id}/agencies", "/api/v1/partnerships/havering/agencies", Needs::Read),
    r("GET",    "/api/v1/partnerships/{id}/people", "/api/v1/partnerships/havering/people", Needs::Read),
    r("GET",    "/api/v1/partnerships/{id}/people/suggestions", "/api/v1/partnerships/havering/people/suggestions?q=csc", Needs::Read),
    r("GET",    "/api/v1/partnerships/{id}/insight", "/api/v1/partnerships/havering/insight", Needs::Read),
    r("GET",    "/api/v1/partnerships/{id}/insight.csv", "/api/v1/partnerships/havering/insight.csv", Needs::Read),
    r("GET",    "/api/v1/partnerships/{id}/reports/{number}", "/api/v1/partnerships/havering/reports/1", Needs::Read),
    r("GET",    "/api/v1/partnerships/{id}/reports/{number}/report.csv", "/api/v1/partnerships/havering/reports/1/report.csv", Needs::Read),
    r("POST",   "/api/v1/cases", "/api/v1/cases", Needs::Write),
    r("GET",    "/api/v1/cases/{id}", CASE, Needs::Read),
    r("GET",    "/api/v1/cases/{id}/people/suggestions", "/api/v1/cases/HAV-DEMO-0001/people/suggestions?q=csc&for=action-owner", Needs::Read),
    r("POST",   "/api/v1/cases/{id}/discussions", "/api/v1/cases/HAV-DEMO-0001/discussions", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/discussions/{discussion}/approval", "/api/v1/cases/HAV-DEMO-0001/discussions/2/approval", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/actions", "/api/v1/cases/HAV-DEMO-0001/actions", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/actions/{action}/completion", "/api/v1/cases/HAV-DEMO-0001/actions/2/completion", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/forms/{form}", "/api/v1/cases/HAV-DEMO-0001/forms/appendix-a", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/escalation", "/api/v1/cases/HAV-DEMO-0001/escalation", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/extensions", "/api/v1/cases/HAV-DEMO-0001/extensions", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/breaches", "/api/v1/cases/HAV-DEMO-0001/breaches", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/timescale", "/api/v1/cases/HAV-DEMO-0001/timescale", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/concurrence", "/api/v1/cases/HAV-DEMO-0001/concurrence", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/panel", "/api/v1/cases/HAV-DEMO-0001/panel", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/panel/representations", "/api/v1/cases/HAV-DEMO-0001/panel/representations", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/outcome", "/api/v1/cases/HAV-DEMO-0001/outcome", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/outcome/confirmations", "/api/v1/cases/HAV-DEMO-0001/outcome/confirmations", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/learning", "/api/v1/cases/HAV-DEMO-0001/learning", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/learning/{learning}/follow-ups", "/api/v1/cases/HAV-DEMO-0001/learning/2/follow-ups", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/follow-ups/{follow_up}/completion", "/api/v1/cases/HAV-DEMO-0001/follow-ups/2/completion", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/withdrawal", "/api/v1/cases/HAV-DEMO-0001/withdrawal", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/closure", "/api/v1/cases/HAV-DEMO-0001/closure", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/reopening", "/api/v1/cases/HAV-DEMO-0001/reopening", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/circumstances", "/api/v1/cases/HAV-DEMO-0001/circumstances", Needs::Write),
    r("POST",   "/api/v1/cases/{id}/corrections", "/api/v1/cases/HAV-DEMO-0001/corrections", Needs::Write),
    r("GET",    "/api/v1/register", "/api/v1/register", Needs::Read),
    r("GET",    "/api/v1/cases", "/api/v1/cases?status=closed", Needs::Read),
    r("GET",    "/api/v1/me/deadlines", "/api/v1/me/deadlines", Needs::Read),
    r("GET",    "/api/v1/events", "/api/v1/events", Needs::Read),
    // The pages.
    r("GET",    "/", "/", Needs::Page),
    r("GET",    "/sign-in", "/sign-in", Needs::Nobody),
    r("POST",   "/sign-in", "/sign-in", Needs::Nobody),
    r("GET",    "/sign-in/provider/{id}", "/sign-in/provider/no-such-provider", Needs::Nobody),
    r("GET",    "/sign-in/provider/callback", "/sign-in/provider/callback", Needs::Nobody),
    r("GET",    "/sign-in/provider/code", "/sign-in/provider/code", Needs::Nobody),
    r("POST",   "/sign-in/provider/code", "/sign-in/provider/code", Needs::Nobody),
    r("GET",    "/second-factor", "/second-factor", Needs::Page),
    r("POST",   "/second-factor", "/second-factor", Needs::Page),
    r("POST",   "/second-factor/confirm", "/second-factor/confirm", Needs::Page),
    r("GET",    "/my-work", "/my-work", Needs::Page),
    r("GET",    "/account/password", "/account/password", Needs::Page),
    r("POST",   "/account/password", "/account/password", Needs::Page),
    // A link from an invitation or reset: its secret is the only key, and
    // one that is not a link's sets nothing.
    r("GET",    "/account/set-password/{token}", "/account/set-password/not-a-link", Needs::Nobody),
    r("GET",    "/account/set-password", "/account/set-password", Needs::Nobody),
    r("POST",   "/account/set-password", "/account/set-password", Needs::Nobody),
    // An empty address is refused, and sends nothing.
    r("GET",    "/account/forgotten-password", "/account/forgotten-password", Needs::Nobody),
    r("POST",   "/account/forgotten-password", "/account/forgotten-password", Needs::Nobody),
    r("GET",    "/notifications", "/notifications", Needs::Page),
    // Nobody in the matrix has been told anything (the jobs have not run),
    // so marking all read changes nothing, and notification 0 is nobody's.
    r("POST",   "/notifications/read-all", "/notifications/read-all", Needs::Page),
    r("POST",   "/notifications/{id}/read", "/notifications/0/read", Needs::Page),
    r("GET",    "/calendar-feed", "/calendar-feed", Needs::Page),
    r("POST",   "/calendar-feed", "/calendar-feed", Needs::Page),
    r("POST",   "/calendar-feed/revoke", "/calendar-feed/revoke", Needs::Page),
    r("GET",    "/calendar/{token}", "/calendar/not-a-feed", Needs::Nobody),
    r("GET",    "/cases/{id}", "/cases/HAV-DEMO-0001", Needs::Page),
    r("GET",    "/cases/{id}/print", "/cases/HAV-DEMO-0001/print", Needs::Page),
    r("GET",    "/cases/{id}/print.pdf", "/cases/HAV-DEMO-0001/print.pdf", Needs::Page),
    r("GET",    "/cases/{id}/{action}", "/cases/HAV-DEMO-0001/record-discussion", Needs::Page),
    r("POST",   "/cases/{id}/{action}", "/cases/HAV-DEMO-0001/record-discussion", Needs::Page),
    r("GET",    "/raise", "/raise", Needs::Page),
    r("POST",   "/raise/start-again", "/raise/start-again", Needs::Page),
    r("GET",    "/raise/check", "/raise/check", Needs::Page),
    r("POST",   "/raise/check", "/raise/check", Needs::Page),
    r("GET",    "/raise/elsewhere", "/raise/elsewhere", Needs::Page),
    r("GET",    "/raise/{step}", "/raise/area", Needs::Page),
    r("POST",   "/raise/{step}", "/raise/area", Needs::Page),
    r("GET",    "/admin", "/admin", Needs::Page),
    r("POST",   "/admin/second-factor", "/admin/second-factor", Needs::Page),
    r("GET",    "/admin/agencies", "/admin/agencies", Needs::Page),
    r("GET",    "/admin/agencies/new", "/admin/agencies/new", Needs::Page),
    r("POST",   "/admin/agencies/new", "/admin/agencies/new", Needs::Page),
    r("GET",    "/admin/agencies/{id}", "/admin/agencies/hav-police", Needs::Page),
    r("POST",   "/admin/agencies/{id}", "/admin/agencies/hav-police", Needs::Page),
    r("GET",    "/admin/people", "/admin/people", Needs::Page),
    r("GET",    "/admin/people/new", "/admin/people/new", Needs::Page),
    r("POST",   "/admin/people/new", "/admin/people/new", Needs::Page),
    r("GET",    "/admin/people/{id}", "/admin/people/hav-police-manager", Needs::Page),
    r("POST",   "/admin/people/{id}", "/admin/people/hav-police-manager", Needs::Page),
    r("GET",    "/admin/people/{id}/handover", "/admin/people/hav-police-manager/handover", Needs::Page),
    r("POST",   "/admin/people/{id}/handover", "/admin/people/hav-police-manager/handover", Needs::Page),
    r("GET",    "/admin/people/{id}/{action}", "/admin/people/hav-police-manager/disable", Needs::Page),
    r("POST",   "/admin/people/{id}/{action}", "/admin/people/hav-police-manager/disable", Needs::Page),
    r("GET",    "/admin/directory/import", "/admin/directory/import", Needs::Page),
    r("POST",   "/admin/directory/import", "/admin/directory/import", Needs::Page),
    r("POST",   "/admin/directory/import/confirm", "/admin/directory/import/confirm", Needs::Page),
    r("GET",    "/admin/directory/agencies.csv", "/admin/directory/agencies.csv", Needs::Page),
    r("GET",    "/admin/directory/people.csv", "/admin/directory/people.csv", Needs::Page),
    r("GET",    "/admin/calendars", "/admin/calendars", Needs::Page),
    r("GET",    "/admin/sign-in", "/admin/sign-in", Needs::Page),
    r("GET",    "/admin/sign-in/new", "/admin/sign-in/new", Needs::Page),
    r("POST",   "/admin/sign-in/new", "/admin/sign-in/new", Needs::Page),
    r("GET",    "/admin/sign-in/{id}", "/admin/sign-in/havering-entra", Needs::Page),
    r("POST",   "/admin/sign-in/{id}", "/admin/sign-in/havering-entra", Needs::Page),
    r("POST",   "/admin/sign-in/{id}/remove", "/admin/sign-in/havering-entra/remove", Needs::Page),
    r("GET",    "/admin/webhooks", "/admin/webhooks", Needs::Page),
    r("GET",    "/admin/webhooks/new", "/admin/webhooks/new", Needs::Page),
    r("POST",   "/admin/webhooks/new", "/admin/webhooks/new", Needs::Page),
    r("POST",   "/admin/webhooks/{id}/pause", "/admin/webhooks/wh-0000000000000000/pause", Needs::Page),
    r("POST",   "/admin/webhooks/{id}/resume", "/admin/webhooks/wh-0000000000000000/resume", Needs::Page),
    r("POST",   "/admin/webhooks/{id}/remove", "/admin/webhooks/wh-0000000000000000/remove", Needs::Page),
    r("GET",    "/admin/pages", "/admin/pages", Needs::Page),
    r("GET",    "/admin/pages/{page}", "/admin/pages/privacy", Needs::Page),
    r("POST",   "/admin/pages/{page}", "/admin/pages/privacy", Needs::Page),
    // The footer's pages: a privacy notice is read before signing in.
    r("GET",    "/about/{page}", "/about/privacy", Needs::Nobody),
    r("GET",    "/admin/policy", "/admin/policy", Needs::Page),
    r("GET",    "/admin/policy/file", "/admin/policy/file", Needs::Page),
    r("POST",   "/admin/policy/check", "/admin/policy/check", Needs::Page),
    r("POST",   "/admin/policy/install", "/admin/policy/install", Needs::Page),
    r("GET",    "/admin/messages", "/admin/messages", Needs::Page),
    r("GET",    "/admin/audit", "/admin/audit", Needs::Page),
    r("POST",   "/admin/messages/{id}/retry", "/admin/messages/1/retry", Needs::Page),
    r("GET",    "/policies", "/policies", Needs::Page),
    r("GET",    "/policies/{id}", "/policies/havering-hscp-2022", Needs::Page),
    r("GET",    "/policies/{id}/versions/{version}", "/policies/havering-2022/versions/1", Needs::Page),
    r("GET",    "/register", "/register", Needs::Page),
    r("GET",    "/insight", "/insight", Needs::Page),
    r("GET",    "/insight/cases", "/insight/cases?figure=raised", Needs::Page),
    r("GET",    "/learning", "/learning", Needs::Page),
    r("GET",    "/reports", "/reports", Needs::Page),
    // An empty narrative: refused, nothing issued.
    r("POST",   "/reports", "/reports", Needs::Page),
    r("GET",    "/reports/new", "/reports/new", Needs::Page),
    r("GET",    "/reports/{number}", "/reports/1", Needs::Page),
    r("GET",    "/reports/{number}/report.pdf", "/reports/1/report.pdf", Needs::Page),
    r("GET",    "/search", "/search?nhs_number=9434765919", Needs::Page),
    r("GET",    "/my-disagreements", "/my-disagreements", Needs::Page),
    r("GET",    "/register.csv", "/register.csv", Needs::Page),
    r("GET",    "/retention", "/retention", Needs::Page),
    // Empty answers, a case with no hold: refused, nothing changed.
    r("POST",   "/retention/schedule", "/retention/schedule", Needs::Page),
    r("POST",   "/retention/holds", "/retention/holds", Needs::Page),
    r("POST",   "/retention/holds/{case}/release", "/retention/holds/HAV-NONE-0000/release", Needs::Page),
    r("GET",    "/subject-access", "/subject-access", Needs::Page),
    // Nobody named: refused, no export made.
    r("POST",   "/subject-access", "/subject-access", Needs::Page),
    // Signing out, last: it ends the session the rows above used.
    r("DELETE", "/api/v1/session", "/api/v1/session", Needs::Nobody),
    r("POST",   "/sign-out", "/sign-out", Needs::Nobody),
];

/// The routes a router's source declares: each `.route("PATTERN", …)` with
/// the methods its handler chain names (`get(…).post(…)`).
fn declared(source: &str, prefix: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let Some(open) = rest.trim_start().strip_prefix('"') else {
            continue; // a route made from data, such as the assets'
        };
        let Some(close) = open.find('"') else { break };
        let pattern = &open[..close];
        // The handler chain runs to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let chain = &rest[..end];
        for method in ["get", "post", "put", "patch", "delete"] {
            let call = format!("{method}(");
            let named = chain.match_indices(&call).any(|(i, _)| {
                i == 0 || !chain[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if named {
                found.insert((method.to_uppercase(), format!("{prefix}{pattern}")));
            }
        }
    }
    found
}

/// A request for `route` carrying `credential`: the session's cookie (and
/// its CSRF token, on a page's form) or `Authorization`.
fn request(app: &TestApp, route: &Route, credential: &Credential) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(route.method.as_bytes()).unwrap();
    let mut request = app.client.request(method, app.url(route.path));
    let page = !route.path.starts_with("/api/");
    match credential {
        Credential::Cookie(session) => {
            request = request.header("cookie", &session.cookie);
            if page {
                if route.method == "POST" {
                    return request
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(format!("csrf_token={}", session.csrf));
                }
                return request;
            }
            request = request.header("x-csrf-token", &session.csrf);
        }
        Credential::Bearer(token) => request = request.header("authorization", token),
    }
    if route.method == "GET" || route.method == "DELETE" {
        request
    } else if page {
        request
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
    } else {
        // An empty object: every route that takes a body refuses it.
        request.json(&json!({}))
    }
}

enum Credential {
    Cookie(Session),
    Bearer(String),
}

/// What the answer says the credential got. A page that sends its caller
/// to sign in has signed nobody in; signing out sends everyone there.
async fn got(response: reqwest::Response, needs: Needs) -> (Got, String) {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await.unwrap_or_default();
    let code = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let said = format!("{status} {location} {code}");
    let got = match (status, code.as_str()) {
        (401, _) => SignedOut,
        (300..=399, _) if needs == Needs::Page && location.starts_with("/sign-in") => SignedOut,
        (403, "insufficient_scope") => NeedsScope,
        (403, "session_required") => NeedsSession,
        _ => Through,
    };
    (got, said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_under_every_credential_does_only_what_that_credential_may() {
    // Every route in the routers has a row.
    let api = declared(include_str!("../src/api/mod.rs"), "/api");
    let pages = declared(include_str!("../src/pages/mod.rs"), "");
    let rows: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.pattern.to_owned()))
        .collect();
    let missing: Vec<_> = api.union(&pages).filter(|r| !rows.contains(*r)).collect();
    assert!(
        missing.is_empty(),
        "routes with no row in the scope matrix: add each to ROUTES: {missing:?}"
    );
    assert!(api.len() > 30 && pages.len() > 30, "{api:?} {pages:?}");
    let stale: Vec<_> = rows
        .iter()
        .filter(|r| !api.contains(*r) && !pages.contains(*r))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for routes that no longer exist: {stale:?}"
    );

    let (app, state) = spawn_app_with_demo().await;
    let team = sign_in(&app, "hav-partnership-team").await;
    let read = bearer_token(&app, &team, &["read"]).await;
    let write = bearer_token(&app, &team, &["write"]).await;
    let both = bearer_token(&app, &team, &["read", "write"]).await;
    let revoked = bearer_token(&app, &team, &["read", "write"]).await;
    let revoked_id = revoked
        .trim_start_matches("Bearer accord_")
        .split('_')
        .next()
        .unwrap()
        .to_owned();
    let response = team
        .on(app
            .client
            .delete(app.url(&format!("/api/v1/tokens/{revoked_id}"))))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204, "the token is revoked");
    // A disabled account's session (for pages) and token (for the API).
    let manager = sign_in(&app, "hav-police-manager").await;
    let manager_token = bearer_token(&app, &manager, &["read", "write"]).await;
    assert!(
        state
            .store()
            .disable_account(
                "hav-police-manager",
                state.now(),
                &accord_store::ChangedBy::COMMAND_LINE,
            )
            .await
            .unwrap()
    );

    let mut wrong = Vec::new();
    for route in ROUTES {
        let expected = EXPECT
            .iter()
            .find(|(needs, _)| *needs == route.needs)
            .map(|(_, got)| got)
            .unwrap();
        let page = !route.path.starts_with("/api/");
        for (i, name) in CREDENTIALS.iter().enumerate() {
            // Signing out ends the session; each sign-out row gets its own.
            let session = if route.needs == Needs::Nobody && route.path.contains("sign") {
                sign_in(&app, "hav-partnership-team").await
            } else {
                team.clone()
            };
            let credential = match i {
                0 => Credential::Cookie(session),
                1 => Credential::Bearer(read.clone()),
                2 => Credential::Bearer(write.clone()),
                3 => Credential::Bearer(both.clone()),
                4 => Credential::Bearer(revoked.clone()),
                _ if page => Credential::Cookie(manager.clone()),
                _ => Credential::Bearer(manager_token.clone()),
            };
            let response = request(&app, route, &credential)
                .send()
                .await
                .expect("the server answers");
            let (got, said) = got(response, route.needs).await;
            if got != expected[i] {
                wrong.push(format!(
                    "{} {} with a {name}: expected {:?}, got {got:?} ({said})",
                    route.method, route.path, expected[i]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
