//! The JSON API served for real on port 0 against SQLite: every route's
//! answer and its errors, the OpenAPI document, the docs, and the headers
//! every response carries.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::spawn_app;
use serde_json::{Value, json};

const HAVERING: &str = "/api/v1/policies/havering-2022";

#[tokio::test]
async fn health_says_the_database_answers() {
    let app = spawn_app().await;
    let body = app.get_json("/api/v1/health", 200).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
}

#[tokio::test]
async fn policies_lists_the_five_built_in_policies() {
    let app = spawn_app().await;
    let body = app.get_json("/api/v1/policies", 200).await;
    let ids: BTreeSet<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from([
            "east-riding-2018",
            "havering-2022",
            "isle-of-man-2023",
            "plymouth-2025",
            "sutton-2015"
        ])
    );
}

#[tokio::test]
async fn a_policy_shows_its_ladders_and_its_whole_definition() {
    let app = spawn_app().await;
    let body = app.get_json(HAVERING, 200).await;
    assert_eq!(body["calendar"], "england-and-wales");
    let stages = body["ladders"][0]["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 4, "Havering has four stages");
    assert_eq!(stages[0]["number"], 1);
    assert_eq!(stages[0]["timescale"]["unit"], "working_days");
    assert_eq!(body["definition"]["id"], "havering-2022");
    assert!(
        body["definition"]["areas"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
}

#[tokio::test]
async fn an_unknown_policy_is_a_404_naming_the_policies_there_are() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/policies/havering-2099",
        "/api/v1/policies/NOT%20AN%20ID",
        "/api/v1/policies/havering-2099/timeline?raised=2027-12-23T10:00",
    ] {
        let body = app.get_json(path, 404).await;
        assert_eq!(body["code"], "unknown_policy", "{path}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("havering-2022"), "{path}: {message}");
    }
}

#[tokio::test]
async fn a_timeline_counts_working_days_over_christmas() {
    let app = spawn_app().await;
    let body = app
        .get_json(&format!("{HAVERING}/timeline?raised=2027-12-23T10:00"), 200)
        .await;
    assert_eq!(body["track"], "professional");
    assert_eq!(body["raised"], "2027-12-23T10:00:00Z");
    // Five working days after Thu 23 Dec 2027: Fri 24, then the substitute
    // days 27 and 28 and the New Year substitute Mon 3 Jan are skipped.
    let first = &body["stages"][0];
    assert_eq!(first["starts"], "2027-12-23T10:00:00Z");
    assert_eq!(first["due"]["kind"], "at");
    assert_eq!(first["due"]["last_day"], "2028-01-04");
    assert_eq!(first["due"]["instant"], "2028-01-05T00:00:00Z");
    let last = body["stages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["due"]["kind"], "as_soon_as_possible");
    assert!(last["due"].get("instant").is_none_or(Value::is_null));
}

#[tokio::test]
async fn raised_may_be_uk_local_time_or_an_instant() {
    let app = spawn_app().await;
    // 10:00 in London in July is 09:00 UTC.
    let local = app
        .get_json(&format!("{HAVERING}/timeline?raised=2027-07-01T10:00"), 200)
        .await;
    let instant = app
        .get_json(
            &format!("{HAVERING}/timeline?raised=2027-07-01T09:00:00Z"),
            200,
        )
        .await;
    assert_eq!(local["raised"], "2027-07-01T09:00:00Z");
    assert_eq!(local, instant);
}

#[tokio::test]
async fn a_timeline_follows_the_track_asked_for() {
    let app = spawn_app().await;
    let body = app
        .get_json(
            "/api/v1/policies/sutton-2015/timeline?track=strategic&raised=2026-03-27T16:00",
            200,
        )
        .await;
    assert_eq!(body["track"], "strategic");
}

#[tokio::test]
async fn a_bad_timeline_query_is_a_400_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, field, says) in [
        ("", "raised", "raised"),
        ("?raised=", "raised", "raised"),
        ("?raised=yesterday", "raised", "YYYY-MM-DDTHH:MM"),
        ("?raised=2027-02-30T10:00", "raised", "not a date and time"),
        ("?raised=2300-01-01T10:00", "raised", "outside the years"),
        (
            "?raised=2027-12-23T10:00&track=nope",
            "track",
            "professional",
        ),
    ] {
        let body = app
            .get_json(&format!("{HAVERING}/timeline{query}"), 400)
            .await;
        assert_eq!(body["code"], "invalid_parameter", "{query}");
        assert_eq!(body["field"], field, "{query}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(says), "{query}: {message}");
    }
}

#[tokio::test]
async fn calendars_lists_the_four_uk_calendars() {
    let app = spawn_app().await;
    let body = app.get_json("/api/v1/calendars", 200).await;
    let ids: BTreeSet<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from([
            "england-and-wales",
            "isle-of-man",
            "northern-ireland",
            "scotland"
        ])
    );
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .all(|c| c["time_zone"] == "Europe/London")
    );
}

#[tokio::test]
async fn holidays_include_the_christmas_substitute_days() {
    let app = spawn_app().await;
    let body = app
        .get_json("/api/v1/calendars/england-and-wales/holidays/2027", 200)
        .await;
    assert_eq!(body["year"], 2027);
    let dates: Vec<&str> = body["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates.len(), 8, "{dates:?}");
    assert!(dates.contains(&"2027-12-27") && dates.contains(&"2027-12-28"));
}

#[tokio::test]
async fn a_bad_year_is_a_400_and_an_unknown_calendar_a_404() {
    let app = spawn_app().await;
    for year in ["twenty", "2300", "1899", "99999"] {
        let body = app
            .get_json(
                &format!("/api/v1/calendars/england-and-wales/holidays/{year}"),
                400,
            )
            .await;
        assert_eq!(body["field"], "year", "{year}");
    }
    for id in ["wales", "Not-An-Id"] {
        let body = app
            .get_json(&format!("/api/v1/calendars/{id}/holidays/2027"), 404)
            .await;
        assert_eq!(body["code"], "unknown_calendar", "{id}");
    }
    let body = app
        .get_json("/api/v1/calendars/wales/holidays/2027", 404)
        .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("england-and-wales")
    );
}

fn policy_file(name: &str) -> String {
    let path = format!(
        "{}/../accord-policy/policies/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn a_built_in_policy_file_checks_valid() {
    let app = spawn_app().await;
    let body = serde_json::json!({ "source": policy_file("havering-2022.toml") });
    let response = app
        .post(
            "/api/v1/policy-checks",
            "application/json",
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(response.status(), 200);
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["valid"], true);
    assert_eq!(result["policy"], "havering-2022");
    assert_eq!(result["mistakes"], serde_json::json!([]));
}

#[tokio::test]
async fn a_broken_policy_file_gets_each_mistake_with_its_line() {
    let app = spawn_app().await;
    let source = policy_file("havering-2022.toml")
        .replace("calendar = \"england-and-wales\"", "calendar = \"england\"");
    let body = serde_json::json!({ "source": source });
    let response = app
        .post(
            "/api/v1/policy-checks",
            "application/json",
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(response.status(), 200);
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["valid"], false);
    let mistake = &result["mistakes"][0];
    assert!(mistake["line"].as_u64().unwrap() > 1);
    assert!(mistake["message"].as_str().unwrap().contains("england"));
}

#[tokio::test]
async fn malformed_json_is_a_400_that_says_where() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/policy-checks",
            "application/json",
            br#"{"source": "x",}"#.to_vec(),
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "malformed_json");
    assert!(
        body["message"].as_str().unwrap().contains("line 1 column"),
        "{body}"
    );
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_422_naming_the_field() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/policy-checks",
            "application/json",
            br#"{"source": 42}"#.to_vec(),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_body");
    assert_eq!(body["field"], "source");
}

#[tokio::test]
async fn a_body_not_labelled_json_is_a_415() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/policy-checks",
            "text/plain",
            br#"{"source": "x"}"#.to_vec(),
        )
        .await;
    assert_eq!(response.status(), 415);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unsupported_media_type");
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_in_json() {
    let app = spawn_app().await;
    let source = "#".repeat(accord_web::BODY_LIMIT);
    let body = serde_json::json!({ "source": source });
    let response = app
        .post(
            "/api/v1/policy-checks",
            "application/json",
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "body_too_large");
    // And one just under the limit is read.
    let source = "#".repeat(accord_web::BODY_LIMIT - 64);
    let body = serde_json::json!({ "source": source });
    let response = app
        .post(
            "/api/v1/policy-checks",
            "application/json",
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_unknown_api_route_is_a_404_in_json() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/nothing",
        "/api/v2/policies",
        "/api/v1/cases/HAV-2027-0001/nothing",
    ] {
        let body = app.get_json(path, 404).await;
        assert_eq!(body["code"], "no_such_route", "{path}");
        assert!(body["message"].as_str().unwrap().contains("/api/docs/"));
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_in_json() {
    let app = spawn_app().await;
    let response = app
        .post("/api/v1/policies", "application/json", b"{}".to_vec())
        .await;
    assert_eq!(response.status(), 405);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
}

fn assert_hardened(response: &reqwest::Response, what: &str) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let csp = header("content-security-policy");
    assert_eq!(csp, accord_web::CONTENT_SECURITY_POLICY, "{what}");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "same-origin", "{what}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/health",
        "/api/v1/policies/nope",
        "/api/v1/nothing",
        "/api/openapi.json",
        "/api/docs/",
        "/api/docs/swagger-ui-bundle.js",
        "/",
        "/no-such-page",
    ] {
        let response = app.get(path).await;
        assert_hardened(&response, path);
    }
    let response = app
        .post("/api/v1/policy-checks", "text/plain", vec![])
        .await;
    assert_hardened(&response, "a 415");
}

/// Issue 19: generators name each method after its `operationId`, and most
/// Java and C# generators put every operation in one class, so each id is
/// unique and reads as a verb and a noun (`listPartnerships`, not `list`).
#[tokio::test]
async fn every_operation_id_is_unique_and_reads_as_a_verb_and_a_noun() {
    const VERBS: [&str; 26] = [
        "agree", "approve", "begin", "change", "check", "close", "complete", "confirm", "convene",
        "correct", "create", "download", "escalate", "extend", "list", "raise", "record", "reopen",
        "resolve", "revoke", "search", "show", "sign", "submit", "suggest", "withdraw",
    ];
    let app = spawn_app().await;
    let doc = app.get_json("/api/openapi.json", 200).await;
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let here = format!("{} {path}", method.to_uppercase());
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{here} has no operationId"));
            let verb: String = id.chars().take_while(char::is_ascii_lowercase).collect();
            let noun = &id[verb.len()..];
            assert!(
                VERBS.contains(&verb.as_str())
                    && noun.starts_with(|c: char| c.is_ascii_uppercase())
                    && noun.chars().all(|c| c.is_ascii_alphanumeric()),
                "{here}: operationId {id:?} is not a verb then a noun in camelCase"
            );
            if let Some(other) = seen.insert(id.to_owned(), here.clone()) {
                panic!("operationId {id:?} is used by both {other} and {here}");
            }
        }
    }
    assert!(seen.len() >= 51, "{seen:?}");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_app().await;
    let doc = app.get_json("/api/openapi.json", 200).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let operations: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    let expected: BTreeSet<String> = [
        "GET /api/v1/health",
        "GET /api/v1/policies",
        "GET /api/v1/policies/{id}",
        "GET /api/v1/policies/{id}/timeline",
        "POST /api/v1/policy-checks",
        "GET /api/v1/calendars",
        "GET /api/v1/calendars/{id}/holidays/{year}",
        "POST /api/v1/session",
        "DELETE /api/v1/session",
        "GET /api/v1/me",
        "POST /api/v1/me/password",
        "POST /api/v1/me/second-factor",
        "POST /api/v1/me/second-factor/confirmation",
        "POST /api/v1/tokens",
        "DELETE /api/v1/tokens/{id}",
        "GET /api/v1/partnerships",
        "GET /api/v1/partnerships/{id}/agencies",
        "GET /api/v1/partnerships/{id}/people",
        "GET /api/v1/partnerships/{id}/people/suggestions",
        "GET /api/v1/partnerships/{id}/insight",
        "GET /api/v1/partnerships/{id}/insight.csv",
        "GET /api/v1/partnerships/{id}/reports/{number}",
        "GET /api/v1/partnerships/{id}/reports/{number}/report.csv",
        "POST /api/v1/cases",
        "GET /api/v1/cases",
        "GET /api/v1/cases/{id}",
        "GET /api/v1/cases/{id}/people/suggestions",
        "POST /api/v1/cases/{id}/discussions",
        "POST /api/v1/cases/{id}/discussions/{discussion}/approval",
        "POST /api/v1/cases/{id}/actions",
        "POST /api/v1/cases/{id}/actions/{action}/completion",
        "POST /api/v1/cases/{id}/forms/{form}",
        "POST /api/v1/cases/{id}/escalation",
        "POST /api/v1/cases/{id}/extensions",
        "POST /api/v1/cases/{id}/breaches",
        "POST /api/v1/cases/{id}/timescale",
        "POST /api/v1/cases/{id}/concurrence",
        "POST /api/v1/cases/{id}/panel",
        "POST /api/v1/cases/{id}/panel/representations",
        "POST /api/v1/cases/{id}/outcome",
        "POST /api/v1/cases/{id}/outcome/confirmations",
        "POST /api/v1/cases/{id}/learning",
        "POST /api/v1/cases/{id}/learning/{learning}/follow-ups",
        "POST /api/v1/cases/{id}/follow-ups/{follow_up}/completion",
        "POST /api/v1/cases/{id}/withdrawal",
        "POST /api/v1/cases/{id}/closure",
        "POST /api/v1/cases/{id}/reopening",
        "POST /api/v1/cases/{id}/circumstances",
        "POST /api/v1/cases/{id}/corrections",
        "GET /api/v1/register",
        "GET /api/v1/me/deadlines",
        "GET /api/v1/events",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(operations, expected);
    // Every route the document lists answers (not the JSON 404 for routes
    // that do not exist), so the document and the router agree.
    for (path, status) in [
        ("/api/v1/health", 200),
        ("/api/v1/policies", 200),
        ("/api/v1/policies/havering-2022", 200),
        (
            "/api/v1/policies/havering-2022/timeline?raised=2027-12-23T10:00",
            200,
        ),
        ("/api/v1/calendars", 200),
        ("/api/v1/calendars/scotland/holidays/2027", 200),
    ] {
        assert_eq!(app.get(path).await.status(), status, "{path}");
    }
    // The routes that need someone signed in answer 401, not 404.
    assert_eq!(app.get("/api/v1/me").await.status(), 401);
    assert_eq!(app.get("/api/v1/cases/HAV-DEMO-0001").await.status(), 401);
    assert_eq!(app.get("/api/v1/register").await.status(), 401);
    assert_eq!(app.get("/api/v1/me/deadlines").await.status(), 401);
    assert_eq!(app.get("/api/v1/events").await.status(), 401);
    for schema in [
        "ErrorBody",
        "PolicySummary",
        "TimelineBody",
        "HolidayList",
        "SignIn",
        "Me",
        "NewTokenBody",
        "CaseView",
        "Case",
        "RaiseRequest",
        "RecordDiscussion",
        "Correct",
        "RegisterList",
        "PersonInfo",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema} is described"
        );
    }
    // A change made with the session cookie is documented as needing the
    // session's CSRF token too; a bearer token needs nothing more.
    assert_eq!(
        doc["components"]["securitySchemes"]["csrf"]["name"],
        "x-csrf-token"
    );
    assert_eq!(
        doc["paths"]["/api/v1/cases"]["post"]["security"],
        json!([{ "session": [], "csrf": [] }, { "token": [] }])
    );
    assert_eq!(
        doc["paths"]["/api/v1/cases/{id}"]["get"]["security"],
        json!([{ "session": [] }, { "token": [] }])
    );
    // Every reference in the document names a schema it describes.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 50, "{} references", refs.len());
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r} is not a schema reference"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} is described"
        );
    }
}

/// Every `$ref` in `value`.
fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Every `src="…"` and `href="…"` in `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            found.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    found
}

#[tokio::test]
async fn the_docs_are_served_from_the_binary_and_fetch_nothing_elsewhere() {
    let app = spawn_app().await;
    // The home page is the service's: signing in, for someone who has not.
    let home = app.get("/").await;
    assert_eq!(home.status(), 303);
    assert_eq!(home.headers()["location"], "/sign-in");
    let redirect = app.get("/api/docs").await;
    assert!(redirect.status().is_redirection());
    let response = app.get("/api/docs/").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "no inline script: {html}");
    assert!(!html.contains("<style"), "no inline style: {html}");
    let files = references(&html);
    assert!(files.iter().any(|f| f.ends_with("swagger-initializer.js")));
    for file in files {
        assert!(!file.contains("//"), "{file} is on another site");
        let path = format!("/api/docs/{}", file.trim_start_matches("./"));
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        let text = response.text().await.unwrap();
        for cdn in [
            "unpkg.com",
            "jsdelivr",
            "cdnjs",
            "googleapis",
            "petstore.swagger.io",
        ] {
            assert!(!text.contains(cdn), "{path} mentions {cdn}");
        }
        if path.ends_with("swagger-initializer.js") {
            assert!(text.contains("\"/api/openapi.json\""), "{text}");
            assert!(text.contains("\"validatorUrl\": \"none\""), "{text}");
            assert!(
                !text.contains("http://") && !text.contains("https://"),
                "{text}"
            );
        }
    }
}
