//! The authorization matrix (issue 4), against the real server on the
//! seeded demo: every endpoint that reads or changes case data, and the
//! directory, × every role tier × a case of their own agency (or one the
//! rules make theirs), another agency's case in the same partnership, and
//! another partnership's case. One table, asserted row by row:
//!
//! - `GET /api/v1/cases/{id}` answers 200 or 404 (never 403, so that a
//!   case's existence is not revealed);
//! - the register and "my deadlines" hold the case or leave it out;
//! - every command under `/api/v1/cases/{id}/…`, sent with a stale
//!   `expected_version`, answers 409 where the reader works on the case
//!   (the access rules let it through to the version check, and nothing is
//!   written), 403 where they may only read it (an IRO told of it), and the
//!   same 404 as for no case where they may not see it;
//! - the list of partnerships holds only their own; the partnership's
//!   agencies and people, and the pickers' suggestions of people: 200 for
//!   their own partnership, 404 for another;
//! - raising a disagreement about an agency: their own is refused by the
//!   policy (422), another of their partnership's is raised (201), one of
//!   another partnership is not in their directory (422); administrators
//!   raise nothing (403).
//!
//! The demo clock is Monday 2 June 2025. Every open Havering case but
//! HAV-DEMO-0007 (no deadline: a panel is convened) is overdue or due within
//! five working days, so is on "my deadlines" for whoever may see it.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{
    Session, TestApp, get_as, page_as, post_as, post_form_as, sign_in, spawn_app_with_demo,
};
use serde_json::{Value, json};

/// `GET /api/v1/cases/{id}` shows it; the directory is served.
const SHOWN: u16 = 200;
/// Not found: not theirs to see (or not there).
const HIDDEN: u16 = 404;
/// A command reached the case and was refused only for its stale version.
const ACTS: u16 = 409;
/// A command from someone who may read the case, as they were told of it,
/// but does not work on it.
const READS_ONLY: u16 = 403;
/// Raised.
const RAISED: u16 = 201;
/// Refused: raising about their own agency (the policy), or an agency not
/// in their directory.
const REFUSED: u16 = 422;
/// Forbidden: administrators raise nothing.
const FORBIDDEN: u16 = 403;
/// On the list.
const LISTED: bool = true;
/// Left off the list.
const ABSENT: bool = false;

/// One row: who (a demo person of the tier), which case and how it relates
/// to them, then what each endpoint answers: the case's status code,
/// whether the register lists it, whether "my deadlines" lists it, what
/// every command on it answers, what the case's partnership's directory
/// answers, and what raising a disagreement about an agency so related to
/// them (their own, another of their partnership's, another
/// partnership's) answers.
struct Row {
    tier: &'static str,
    who: &'static str,
    relation: &'static str,
    case: &'static str,
    show: u16,
    register: bool,
    deadlines: bool,
    commands: u16,
    directory: u16,
    raise: u16,
}

#[allow(clippy::too_many_arguments)]
const fn row(
    tier: &'static str,
    who: &'static str,
    relation: &'static str,
    case: &'static str,
    show: u16,
    register: bool,
    deadlines: bool,
    commands: u16,
    directory: u16,
    raise: u16,
) -> Row {
    Row {
        tier,
        who,
        relation,
        case,
        show,
        register,
        deadlines,
        commands,
        directory,
        raise,
    }
}

const OWN: &str = "own";
const OTHER_AGENCY: &str = "other agency";
const OTHER_PARTNERSHIP: &str = "other partnership";

#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //   tier                 who                             relation           case             cases/{id} register deadlines commands directory raise
    row("practitioner",      "hav-school-practitioner",      OWN,               "HAV-DEMO-0001", SHOWN,  LISTED, LISTED, ACTS,   SHOWN,  REFUSED), // raised it
    row("practitioner",      "hav-school-practitioner",      OTHER_AGENCY,      "HAV-DEMO-0005", HIDDEN, ABSENT, ABSENT, HIDDEN, SHOWN,  RAISED),
    row("practitioner",      "hav-school-practitioner",      OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, REFUSED),
    row("manager",           "hav-police-manager",           OWN,               "HAV-DEMO-0005", SHOWN,  LISTED, LISTED, ACTS,   SHOWN,  REFUSED), // raising agency
    row("manager",           "hav-police-manager",           OWN,               "HAV-DEMO-0010", SHOWN,  ABSENT, ABSENT, ACTS,   SHOWN,  REFUSED), // closed: off both lists
    row("manager",           "hav-police-manager",           OTHER_AGENCY,      "HAV-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, SHOWN,  RAISED),
    row("manager",           "hav-police-manager",           OTHER_PARTNERSHIP, "SUT-DEMO-0004", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, REFUSED),
    row("safeguarding-lead", "hav-health-safeguarding-lead", OWN,               "HAV-DEMO-0003", SHOWN,  LISTED, LISTED, ACTS,   SHOWN,  REFUSED),
    row("safeguarding-lead", "hav-health-safeguarding-lead", OTHER_AGENCY,      "HAV-DEMO-0005", HIDDEN, ABSENT, ABSENT, HIDDEN, SHOWN,  RAISED),
    row("safeguarding-lead", "hav-health-safeguarding-lead", OTHER_PARTNERSHIP, "SUT-DEMO-0003", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, REFUSED),
    row("senior-manager",    "hav-csc-senior-manager",       OWN,               "HAV-DEMO-0001", SHOWN,  LISTED, LISTED, ACTS,   SHOWN,  REFUSED), // the other agency
    row("senior-manager",    "hav-csc-senior-manager",       OTHER_AGENCY,      "HAV-DEMO-0006", HIDDEN, ABSENT, ABSENT, HIDDEN, SHOWN,  RAISED),
    row("senior-manager",    "hav-csc-senior-manager",       OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, REFUSED),
    row("head-of-service",   "hav-school-head-of-service",   OWN,               "HAV-DEMO-0002", SHOWN,  LISTED, LISTED, ACTS,   SHOWN,  REFUSED), // overdue
    row("head-of-service",   "hav-school-head-of-service",   OTHER_AGENCY,      "HAV-DEMO-0005", HIDDEN, ABSENT, ABSENT, HIDDEN, SHOWN,  RAISED),
    row("head-of-service",   "hav-school-head-of-service",   OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, REFUSED),
    row("partnership-team",  "hav-partnership-team",         OWN,               "HAV-DEMO-0001", SHOWN,  LISTED, LISTED, ACTS,   SHOWN,  REFUSED), // their partnership
    row("partnership-team",  "hav-partnership-team",         OTHER_AGENCY,      "HAV-DEMO-0005", SHOWN,  LISTED, LISTED, ACTS,   SHOWN,  RAISED),
    row("partnership-team",  "hav-partnership-team",         OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, REFUSED),
    row("chair",             "hav-chair",                    OWN,               "HAV-DEMO-0001", SHOWN,  LISTED, LISTED, ACTS,   SHOWN,  REFUSED),
    row("chair",             "hav-chair",                    OTHER_AGENCY,      "HAV-DEMO-0005", SHOWN,  LISTED, LISTED, ACTS,   SHOWN,  RAISED),
    row("chair",             "hav-chair",                    OTHER_PARTNERSHIP, "IOM-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, REFUSED),
    row("panel-member",      "hav-panel-member",             OWN,               "HAV-DEMO-0007", SHOWN,  LISTED, ABSENT, ACTS,   SHOWN,  REFUSED), // convened; no deadline
    row("panel-member",      "hav-panel-member",             OTHER_AGENCY,      "HAV-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, SHOWN,  RAISED),
    row("panel-member",      "hav-panel-member",             OTHER_PARTNERSHIP, "PLY-DEMO-0006", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, REFUSED), // a panel there
    row("iro",               "hav-iro",                      OWN,               "HAV-DEMO-0003", SHOWN,  LISTED, LISTED, READS_ONLY, SHOWN, REFUSED), // notified
    row("iro",               "hav-iro",                      OTHER_AGENCY,      "HAV-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, SHOWN,  RAISED), // own agency, not notified
    row("iro",               "hav-iro",                      OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, REFUSED),
    row("admin",             "hav-admin",                    OWN,               "HAV-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, SHOWN,  FORBIDDEN), // admins see no case
    row("admin",             "hav-admin",                    OTHER_AGENCY,      "HAV-DEMO-0005", HIDDEN, ABSENT, ABSENT, HIDDEN, SHOWN,  FORBIDDEN),
    row("admin",             "hav-admin",                    OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT, HIDDEN, HIDDEN, FORBIDDEN),
];

/// Every command on a case, with a body of the right shape and a stale
/// version, so that one that gets past the access rules is refused (409)
/// without writing anything.
fn commands() -> Vec<(&'static str, Value)> {
    let person = json!({ "person": "hav-csc-manager", "agency": "hav-csc" });
    vec![
        (
            "discussions",
            json!({ "record": {
            "held_at": "2025-06-02T08:00:00Z", "how": "phone",
            "participants": [{ "person": "hav-csc-manager", "agency": "hav-csc", "role": "manager" }],
            "summary": "Talked it through.", "ended_in_agreement": false } }),
        ),
        (
            "discussions/2/approval",
            json!({ "approved_on": "2025-06-02" }),
        ),
        (
            "actions",
            json!({ "details": {
            "who": "hav-csc-manager", "agency": "hav-csc", "what": "Share the chronology.",
            "by_when": "2025-06-06" } }),
        ),
        ("actions/2/completion", json!({})),
        ("forms/appendix-1", json!({ "values": {} })),
        ("escalation", json!({ "to": 2, "reason": "Not resolved." })),
        (
            "extensions",
            json!({ "by": { "working_days": 5 }, "reason": "Waiting for a report." }),
        ),
        ("breaches", json!({})),
        (
            "timescale",
            json!({ "timescale": { "working_days": 3 }, "reason": "Agreed on the referral form." }),
        ),
        (
            "concurrence",
            json!({ "concurs": true, "reason": "I concur with the professional's concerns." }),
        ),
        ("panel", json!({ "members": [person] })),
        (
            "panel/representations",
            json!({ "agency": "hav-csc", "summary": "Our view." }),
        ),
        (
            "outcome",
            json!({ "route": "agreement", "outcome": "Agreed.", "outstanding_issues": "None." }),
        ),
        (
            "outcome/confirmations",
            json!({ "statement": "Confirmed by letter." }),
        ),
        (
            "learning",
            json!({ "theme": "training-needs", "note": "Screening training." }),
        ),
        (
            "learning/2/follow-ups",
            json!({ "details": {
            "who": "hav-csc-manager", "agency": "hav-csc", "what": "Brief the team.",
            "by_when": "2025-07-01" } }),
        ),
        ("follow-ups/2/completion", json!({})),
        ("withdrawal", json!({ "reason": "Resolved informally." })),
        ("closure", json!({})),
        ("reopening", json!({ "reason": "New information." })),
        (
            "circumstances",
            json!({ "subject": "c1", "child_protection_plan": true,
            "looked_after": false, "immediate_risk": false, "reason": "A plan was made." }),
        ),
        (
            "corrections",
            json!({ "corrects": 1, "reason": "A typing slip.",
            "amendment": { "kind": "erratum", "note": "The date was 2 June." } }),
        ),
    ]
}

/// Every case a search with no criteria finds (`GET /api/v1/cases`),
/// page by page: issue 14 §1, a search answers only with cases the
/// searcher may see.
async fn searched(app: &TestApp, cookie: &Session) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for page in 1.. {
        let (status, body) = get_as(app, cookie, &format!("/api/v1/cases?page={page}")).await;
        assert_eq!(status, 200, "GET /api/v1/cases?page={page}");
        let cases = body["cases"].as_array().unwrap();
        found.extend(cases.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        if cases.is_empty() || found.len() as u64 >= body["total"].as_u64().unwrap() {
            assert_eq!(found.len() as u64, body["total"].as_u64().unwrap());
            break;
        }
    }
    found
}

async fn listed(app: &TestApp, cookie: &Session, path: &str) -> BTreeSet<String> {
    let (status, body) = get_as(app, cookie, path).await;
    assert_eq!(status, 200, "GET {path}");
    body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The partnership a demo case id belongs to.
fn partnership_of(case: &str) -> &'static str {
    match &case[..3] {
        "HAV" => "havering",
        "SUT" => "sutton",
        "IOM" => "isle-of-man",
        "PLY" => "plymouth",
        "ERY" => "east-riding",
        other => panic!("no demo partnership for {other}"),
    }
}

#[tokio::test]
async fn every_case_endpoint_by_every_tier_by_own_other_agency_and_other_partnership() {
    let (app, state) = spawn_app_with_demo().await;
    let events_before = state.store().event_count().await.unwrap();
    let mut cookies = BTreeMap::new();
    let mut lists = BTreeMap::new();
    let mut searches = BTreeMap::new();
    for row in MATRIX {
        if !cookies.contains_key(row.who) {
            let cookie = sign_in(&app, row.who).await;
            let register = listed(&app, &cookie, "/api/v1/register").await;
            let deadlines = listed(&app, &cookie, "/api/v1/me/deadlines").await;
            // Nothing is listed that the reader could not open.
            for id in register.union(&deadlines) {
                let (status, _) = get_as(&app, &cookie, &format!("/api/v1/cases/{id}")).await;
                assert_eq!(status, 200, "{} lists {id} but may not open it", row.who);
            }
            assert!(deadlines.is_subset(&register), "{}", row.who);
            // A search finds every case they may open, in any state, and
            // nothing else.
            let found = searched(&app, &cookie).await;
            for id in &found {
                let (status, _) = get_as(&app, &cookie, &format!("/api/v1/cases/{id}")).await;
                assert_eq!(status, 200, "{} finds {id} but may not open it", row.who);
            }
            assert!(register.is_subset(&found), "{}", row.who);
            searches.insert(row.who, found);
            // Everyone's list of partnerships is their own, whatever their tier.
            let (status, partnerships) = get_as(&app, &cookie, "/api/v1/partnerships").await;
            assert_eq!(status, 200, "{}", row.who);
            assert_eq!(partnerships.as_array().unwrap().len(), 1, "{}", row.who);
            assert_eq!(partnerships[0]["id"], "havering", "{}", row.who);
            lists.insert(row.who, (register, deadlines));
            cookies.insert(row.who, cookie);
        }
        let cookie = &cookies[row.who];
        let (register, deadlines) = &lists[row.who];
        let what = format!(
            "{} ({}) × {} ({})",
            row.who, row.tier, row.case, row.relation
        );

        let (status, body) = get_as(&app, cookie, &format!("/api/v1/cases/{}", row.case)).await;
        assert_eq!(status, row.show, "GET /api/v1/cases/{{id}}: {what}");
        assert_eq!(
            searches[row.who].contains(row.case),
            row.show == SHOWN,
            "GET /api/v1/cases (search): {what}"
        );
        if status == 200 {
            assert_eq!(body["id"], row.case, "{what}");
        } else {
            assert_eq!(body["code"], "unknown_case", "{what}");
        }
        // The print view and its PDF are the case: shown to whoever may
        // see it, and the same "not found" as no case to anyone else
        // (issue 14 §5).
        for page in ["print", "print.pdf"] {
            let (status, _) = page_as(&app, cookie, &format!("/cases/{}/{page}", row.case)).await;
            assert_eq!(status, row.show, "GET /cases/{{id}}/{page}: {what}");
        }
        assert_eq!(
            register.contains(row.case),
            row.register,
            "GET /api/v1/register: {what}"
        );
        assert_eq!(
            deadlines.contains(row.case),
            row.deadlines,
            "GET /api/v1/me/deadlines: {what}"
        );
        for (command, body) in commands() {
            let mut body = body;
            body["expected_version"] = json!(99_999);
            let path = format!("/api/v1/cases/{}/{command}", row.case);
            let (status, answer) = post_as(&app, cookie, &path, &body).await;
            assert_eq!(status, row.commands, "POST …/{command}: {what}: {answer}");
            let code = match status {
                ACTS => "stale_version",
                READS_ONLY => "not_working_on_this_case",
                _ => "unknown_case",
            };
            assert_eq!(answer["code"], code, "POST …/{command}: {what}");
        }
        let partnership = partnership_of(row.case);
        for list in ["agencies", "people"] {
            let path = format!("/api/v1/partnerships/{partnership}/{list}");
            let (status, answer) = get_as(&app, cookie, &path).await;
            assert_eq!(status, row.directory, "GET {path}: {what}");
            if status == 200 {
                assert!(!answer.as_array().unwrap().is_empty(), "{path}");
            }
        }
        // The people pickers' suggestions (issue 14 §3): the same
        // partnership's directory, and nobody else's.
        let path = format!("/api/v1/partnerships/{partnership}/people/suggestions?q=a");
        let (status, answer) = get_as(&app, cookie, &path).await;
        assert_eq!(status, row.directory, "GET {path}: {what}");
        if status == 200 {
            assert!(answer["total"].as_u64().unwrap() > 0, "{path}: {answer}");
        }
        // A case's pickers suggest people only to those who may see it.
        let path = format!("/api/v1/cases/{}/people/suggestions?q=a", row.case);
        let (status, _) = get_as(&app, cookie, &path).await;
        assert_eq!(status, row.show, "GET {path}: {what}");
    }
    // Nothing the refused or stale commands sent was written.
    assert_eq!(state.store().event_count().await.unwrap(), events_before);

    // Raising, last, since it adds cases.
    for row in MATRIX {
        let cookie = &cookies[row.who];
        let (_, me) = get_as(&app, cookie, "/api/v1/me").await;
        let own = me["agency"].as_str().unwrap().to_owned();
        let about = match row.relation {
            OWN => own.clone(),
            OTHER_AGENCY if own == "hav-csc" => "hav-police".to_owned(),
            OTHER_AGENCY => "hav-csc".to_owned(),
            _ => "sut-csc".to_owned(),
        };
        let raise = json!({
            "area": "levels-of-need",
            "other_agency": about,
            "subjects": [{ "id": "c1", "name": "Child Q", "kind": "child",
                "child_protection_plan": false, "looked_after": false, "immediate_risk": false }],
            "concern": { "disputed": "The referral was closed.", "evidence": "Three A&E visits.",
                "outcome_sought": "A strategy discussion." },
        });
        let (status, answer) = post_as(&app, cookie, "/api/v1/cases", &raise).await;
        let what = format!(
            "{} ({}) raising about {about} ({})",
            row.who, row.tier, row.relation
        );
        assert_eq!(status, row.raise, "POST /api/v1/cases: {what}: {answer}");
        if status == RAISED {
            // They may open what they raised.
            let id = answer["id"].as_str().unwrap();
            assert_eq!(
                get_as(&app, cookie, &format!("/api/v1/cases/{id}")).await.0,
                SHOWN
            );
        }
    }

    // The table covers every tier, each against all three kinds of case.
    let tiers: BTreeSet<&str> = MATRIX.iter().map(|r| r.tier).collect();
    assert_eq!(tiers.len(), accord_policy::RoleTier::ALL.len());
    for tier in tiers {
        for relation in [OWN, OTHER_AGENCY, OTHER_PARTNERSHIP] {
            assert!(
                MATRIX
                    .iter()
                    .any(|r| r.tier == tier && r.relation == relation),
                "{tier} × {relation} has a row"
            );
        }
    }
    // And every command the API documents is in it.
    let doc = app.get_json("/api/openapi.json", 200).await;
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, methods)| methods.get("post").is_some())
        .filter_map(|(p, _)| p.strip_prefix("/api/v1/cases/{id}/"))
        .map(|p| {
            p.replace("{discussion}", "2")
                .replace("{action}", "2")
                .replace("{learning}", "2")
                .replace("{follow_up}", "2")
                .replace("{form}", "appendix-1")
        })
        .collect();
    let tested: BTreeSet<String> = commands().iter().map(|(c, _)| c.to_string()).collect();
    assert_eq!(documented, tested);
}

/// Sutton Appendix 1 (SUT-11): the Safeguarding Advisor's only part in a
/// Stage 2 case is their section of the form the stage needs. They may
/// read the case and submit that form, and change nothing else: another
/// of the policy's forms, or any other command, is refused (403), and so
/// is their typing over a section of the form that is not theirs only in
/// the engine's sense (the referrer's answers are kept as they were).
#[tokio::test]
async fn a_form_role_submits_the_form_asked_of_them_and_no_other() {
    let (app, _state) = spawn_app_with_demo().await;
    let advisor = sign_in(&app, "sut-safeguarding-advisor").await;
    let (status, register) = get_as(&app, &advisor, "/api/v1/register").await;
    assert_eq!(status, 200);
    let case = register["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["track"] == "professional" && c["stage"] == 2 && c["status"] == "open")
        .expect("the Advisor sees an open Stage 2 case, asked for their signature")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, shown) = get_as(&app, &advisor, &format!("/api/v1/cases/{case}")).await;
    assert_eq!(status, 200);
    let version = shown["version"].as_u64().unwrap();

    // Not the form asked of them: refused, naming the one that is.
    let (status, body) = post_as(
        &app,
        &advisor,
        &format!("/api/v1/cases/{case}/forms/written-report-to-heads-of-service"),
        &json!({ "expected_version": version, "values": {
            "nature-of-dispute": { "text": "A dispute." },
            "attempts-made": { "text": "Several." } } }),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "not_working_on_this_case");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Local Safeguarding Children Board"),
        "{body}"
    );
    // Nor any other command.
    let (status, _) = post_as(
        &app,
        &advisor,
        &format!("/api/v1/cases/{case}/escalation"),
        &json!({ "expected_version": version, "to": 3, "reason": "Not resolved." }),
    )
    .await;
    assert_eq!(status, 403);

    // Their own section of Appendix 1, alone: on the record, with the
    // referrer's answers kept.
    let (status, body) = post_as(
        &app,
        &advisor,
        &format!("/api/v1/cases/{case}/forms/appendix-1"),
        &json!({ "expected_version": version, "values": {
            "safeguarding-advisor-name": { "text": "Robin Advisor" },
            "safeguarding-advisor-signature": { "text": "Robin Advisor" },
            "safeguarding-advisor-date": { "date": "2025-06-02" } } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let submitted = body["forms"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|f| f["form"] == "appendix-1")
        .expect("the form is on the case");
    assert_eq!(
        submitted["values"]["safeguarding-advisor-signature"]["text"],
        "Robin Advisor"
    );
    assert!(
        submitted["values"]["the-problem"]["text"].is_string(),
        "{submitted}"
    );

    // Someone working on the case who does not hold the role may not type
    // the Advisor's signature: 403, naming the role.
    let manager = sign_in(&app, "sut-csc-manager").await;
    let version = body["version"].as_u64().unwrap();
    let (status, body) = post_as(
        &app,
        &manager,
        &format!("/api/v1/cases/{case}/forms/appendix-1"),
        &json!({ "expected_version": version, "values": {
            "safeguarding-advisor-signature": { "text": "Someone Else" } } }),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "not_the_sections_completer");
    assert_eq!(body["section"], "Appendix 1");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Safeguarding Advisor"),
        "{body}"
    );
}

/// Issue 20 §1, through the pages and the register's CSV: Sutton's
/// Safeguarding Advisor, whose only part in a Stage 2 case is their section
/// of Appendix 1, is refused (403) every action page's form but that one:
/// another of the policy's forms, a discussion, an escalation, a
/// withdrawal. Nothing is written. Their register, as CSV, lists the cases
/// their register lists and no other. (Of the demo's partnerships only
/// Sutton has someone whose only part in a case is a form: East Riding's
/// policy gives no form section to a role, and Isle of Man's one such
/// section is the partnership team's, who may see every case anyway.)
#[tokio::test]
async fn a_form_role_is_refused_every_other_action_through_the_pages() {
    let (app, _state) = spawn_app_with_demo().await;
    let advisor = sign_in(&app, "sut-safeguarding-advisor").await;
    let (_, register) = get_as(&app, &advisor, "/api/v1/register").await;
    let theirs: BTreeSet<String> = register["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let case = register["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["track"] == "professional" && c["stage"] == 2 && c["status"] == "open")
        .expect("the Advisor sees an open Stage 2 case")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, shown) = get_as(&app, &advisor, &format!("/api/v1/cases/{case}")).await;
    let version = shown["version"].as_u64().unwrap().to_string();

    for (action, fields) in [
        (
            "submit-form",
            vec![
                ("form", "written-report-to-heads-of-service"),
                ("nature-of-dispute", "A dispute."),
            ],
        ),
        (
            "record-discussion",
            vec![("summary", "Discussed."), ("how", "phone")],
        ),
        ("escalate", vec![("to", "3"), ("reason", "Not resolved.")]),
        ("withdraw", vec![("reason", "Resolved informally.")]),
    ] {
        let mut fields = fields;
        fields.push(("expected_version", version.as_str()));
        let answer =
            post_form_as(&app, &advisor, &format!("/cases/{case}/{action}"), &fields).await;
        assert_eq!(answer.status().as_u16(), 403, "{action}");
        let page = answer.text().await.unwrap();
        assert!(
            page.contains("Appendix 1") || page.contains("your section"),
            "{action}: the refusal names what is theirs: {page}"
        );
    }
    let (_, after) = get_as(&app, &advisor, &format!("/api/v1/cases/{case}")).await;
    assert_eq!(after["version"], shown["version"], "nothing was written");

    // The CSV holds their register, no more and no less.
    let (status, csv) = page_as(&app, &advisor, "/register.csv").await;
    assert_eq!(status, 200);
    let listed: BTreeSet<String> = csv
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .map(|id| id.trim_matches('"').to_owned())
        .collect();
    assert_eq!(listed, theirs, "{csv}");
}

/// Issue 14 §6: a notification is its reader's own, whatever their tier.
/// Each person in the matrix, of every tier (an administrator and someone
/// of another partnership too), may mark their own notifications read
/// (`POST /notifications/{id}/read` answers 303) and never another's
/// (404, as for one that does not exist, leaving it unread); marking all
/// read (`POST /notifications/read-all`) touches only their own.
#[tokio::test]
async fn a_notification_is_marked_read_by_its_reader_only_whatever_their_tier() {
    let (app, state, clock) = common::spawn_app_with_demo_and_clock().await;
    common::run_jobs(&state, &clock).await;
    let store = state.store();
    let people: BTreeSet<&str> = MATRIX
        .iter()
        .map(|r| r.who)
        .chain(["hav-admin", "sut-csc-manager"])
        .collect();
    let id_of = |p: &str| accord_case::PersonId::parse(p).unwrap();
    let mut own = BTreeMap::new();
    for p in &people {
        let theirs = store.notifications_for(&id_of(p), 1_000).await.unwrap();
        own.insert(*p, theirs.iter().map(|d| d.id).collect::<Vec<i64>>());
    }
    let told: Vec<&str> = own
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(p, _)| *p)
        .collect();
    assert!(
        told.len() >= 3,
        "several of them were told something: {own:?}"
    );

    let form = |session: &Session, path: String| {
        app.client
            .post(app.url(&path))
            .header("cookie", &session.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf_token={}", session.csrf))
            .send()
    };
    for p in &people {
        let session = sign_in(&app, p).await;
        for other in told.iter().filter(|o| *o != p) {
            let id = own[other][0];
            let answer = form(&session, format!("/notifications/{id}/read"))
                .await
                .unwrap();
            assert_eq!(answer.status(), 404, "{p} marking {other}'s {id}");
        }
        let before: BTreeMap<&str, u64> = {
            let mut counts = BTreeMap::new();
            for o in &told {
                counts.insert(*o, store.unread_notifications(&id_of(o)).await.unwrap());
            }
            counts
        };
        if let Some(id) = own[p].first() {
            let answer = form(&session, format!("/notifications/{id}/read"))
                .await
                .unwrap();
            assert_eq!(answer.status(), 303, "{p} marking their own {id}");
        }
        let answer = form(&session, "/notifications/read-all".to_owned())
            .await
            .unwrap();
        assert_eq!(answer.status(), 303, "{p}");
        assert_eq!(store.unread_notifications(&id_of(p)).await.unwrap(), 0);
        for o in told.iter().filter(|o| *o != p) {
            assert_eq!(
                store.unread_notifications(&id_of(o)).await.unwrap(),
                before[o],
                "{p} marked all theirs read, and {o}'s are as they were"
            );
        }
    }
}
