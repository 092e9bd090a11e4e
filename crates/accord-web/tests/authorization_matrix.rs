//! The authorization matrix (issue 4), against the real server on the
//! seeded demo: every case-data endpoint × every role tier × a case of their
//! own agency (or one the rules make theirs), another agency's case in the
//! same partnership, and another partnership's case. One table, asserted row
//! by row: `GET /api/v1/cases/{id}` answers 200 or 404 (never 403, so that a
//! case's existence is not revealed), and the two lists hold the case or
//! leave it out.
//!
//! The demo clock is Monday 2 June 2025. Every open Havering case but
//! HAV-DEMO-0007 (no deadline: a panel is convened) is overdue or due within
//! five working days, so is on "my deadlines" for whoever may see it.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{PASSWORD, TestApp, spawn_app_with_demo};
use serde_json::{Value, json};

/// `GET /api/v1/cases/{id}`.
const SHOWN: u16 = 200;
/// Not found: not theirs to see (or not there).
const HIDDEN: u16 = 404;
/// On the list.
const LISTED: bool = true;
/// Left off the list.
const ABSENT: bool = false;

/// One row: who (a demo person of the tier), which case and how it relates
/// to them, then what each endpoint answers: the case's status code, whether
/// the register lists it, whether "my deadlines" lists it.
struct Row {
    tier: &'static str,
    who: &'static str,
    relation: &'static str,
    case: &'static str,
    show: u16,
    register: bool,
    deadlines: bool,
}

const fn row(
    tier: &'static str,
    who: &'static str,
    relation: &'static str,
    case: &'static str,
    show: u16,
    register: bool,
    deadlines: bool,
) -> Row {
    Row {
        tier,
        who,
        relation,
        case,
        show,
        register,
        deadlines,
    }
}

const OWN: &str = "own";
const OTHER_AGENCY: &str = "other agency";
const OTHER_PARTNERSHIP: &str = "other partnership";

#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //   tier                 who                             relation           case             cases/{id} register deadlines
    row("practitioner",      "hav-school-practitioner",      OWN,               "HAV-DEMO-0001", SHOWN,  LISTED, LISTED), // raised it
    row("practitioner",      "hav-school-practitioner",      OTHER_AGENCY,      "HAV-DEMO-0005", HIDDEN, ABSENT, ABSENT),
    row("practitioner",      "hav-school-practitioner",      OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT),
    row("manager",           "hav-police-manager",           OWN,               "HAV-DEMO-0005", SHOWN,  LISTED, LISTED), // raising agency
    row("manager",           "hav-police-manager",           OWN,               "HAV-DEMO-0010", SHOWN,  ABSENT, ABSENT), // closed: off both lists
    row("manager",           "hav-police-manager",           OTHER_AGENCY,      "HAV-DEMO-0001", HIDDEN, ABSENT, ABSENT),
    row("manager",           "hav-police-manager",           OTHER_PARTNERSHIP, "SUT-DEMO-0004", HIDDEN, ABSENT, ABSENT),
    row("safeguarding-lead", "hav-health-safeguarding-lead", OWN,               "HAV-DEMO-0003", SHOWN,  LISTED, LISTED),
    row("safeguarding-lead", "hav-health-safeguarding-lead", OTHER_AGENCY,      "HAV-DEMO-0005", HIDDEN, ABSENT, ABSENT),
    row("safeguarding-lead", "hav-health-safeguarding-lead", OTHER_PARTNERSHIP, "SUT-DEMO-0003", HIDDEN, ABSENT, ABSENT),
    row("senior-manager",    "hav-csc-senior-manager",       OWN,               "HAV-DEMO-0001", SHOWN,  LISTED, LISTED), // the other agency
    row("senior-manager",    "hav-csc-senior-manager",       OTHER_AGENCY,      "HAV-DEMO-0006", HIDDEN, ABSENT, ABSENT),
    row("senior-manager",    "hav-csc-senior-manager",       OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT),
    row("head-of-service",   "hav-school-head-of-service",   OWN,               "HAV-DEMO-0002", SHOWN,  LISTED, LISTED), // overdue
    row("head-of-service",   "hav-school-head-of-service",   OTHER_AGENCY,      "HAV-DEMO-0005", HIDDEN, ABSENT, ABSENT),
    row("head-of-service",   "hav-school-head-of-service",   OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT),
    row("partnership-team",  "hav-partnership-team",         OWN,               "HAV-DEMO-0001", SHOWN,  LISTED, LISTED), // their partnership
    row("partnership-team",  "hav-partnership-team",         OTHER_AGENCY,      "HAV-DEMO-0005", SHOWN,  LISTED, LISTED),
    row("partnership-team",  "hav-partnership-team",         OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT),
    row("chair",             "hav-chair",                    OWN,               "HAV-DEMO-0001", SHOWN,  LISTED, LISTED),
    row("chair",             "hav-chair",                    OTHER_AGENCY,      "HAV-DEMO-0005", SHOWN,  LISTED, LISTED),
    row("chair",             "hav-chair",                    OTHER_PARTNERSHIP, "IOM-DEMO-0001", HIDDEN, ABSENT, ABSENT),
    row("panel-member",      "hav-panel-member",             OWN,               "HAV-DEMO-0007", SHOWN,  LISTED, ABSENT), // convened; no deadline
    row("panel-member",      "hav-panel-member",             OTHER_AGENCY,      "HAV-DEMO-0001", HIDDEN, ABSENT, ABSENT),
    row("panel-member",      "hav-panel-member",             OTHER_PARTNERSHIP, "PLY-DEMO-0006", HIDDEN, ABSENT, ABSENT), // a panel there
    row("iro",               "hav-iro",                      OWN,               "HAV-DEMO-0003", SHOWN,  LISTED, LISTED), // notified
    row("iro",               "hav-iro",                      OTHER_AGENCY,      "HAV-DEMO-0001", HIDDEN, ABSENT, ABSENT), // own agency, not notified
    row("iro",               "hav-iro",                      OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT),
    row("admin",             "hav-admin",                    OWN,               "HAV-DEMO-0001", HIDDEN, ABSENT, ABSENT), // admins see no case
    row("admin",             "hav-admin",                    OTHER_AGENCY,      "HAV-DEMO-0005", HIDDEN, ABSENT, ABSENT),
    row("admin",             "hav-admin",                    OTHER_PARTNERSHIP, "SUT-DEMO-0001", HIDDEN, ABSENT, ABSENT),
];

async fn signed_in(app: &TestApp, name: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "sign_in": name, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{name} signs in");
    let set = response.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn get(app: &TestApp, cookie: &str, path: &str) -> (u16, Value) {
    let response = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn listed(app: &TestApp, cookie: &str, path: &str) -> BTreeSet<String> {
    let (status, body) = get(app, cookie, path).await;
    assert_eq!(status, 200, "GET {path}");
    body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_case_endpoint_by_every_tier_by_own_other_agency_and_other_partnership() {
    let (app, _state) = spawn_app_with_demo().await;
    let mut cookies = BTreeMap::new();
    let mut lists = BTreeMap::new();
    for row in MATRIX {
        if !cookies.contains_key(row.who) {
            let cookie = signed_in(&app, row.who).await;
            let register = listed(&app, &cookie, "/api/v1/register").await;
            let deadlines = listed(&app, &cookie, "/api/v1/me/deadlines").await;
            // Nothing is listed that the reader could not open.
            for id in register.union(&deadlines) {
                let (status, _) = get(&app, &cookie, &format!("/api/v1/cases/{id}")).await;
                assert_eq!(status, 200, "{} lists {id} but may not open it", row.who);
            }
            assert!(deadlines.is_subset(&register), "{}", row.who);
            lists.insert(row.who, (register, deadlines));
            cookies.insert(row.who, cookie);
        }
        let cookie = &cookies[row.who];
        let (register, deadlines) = &lists[row.who];
        let what = format!(
            "{} ({}) × {} ({})",
            row.who, row.tier, row.case, row.relation
        );

        let (status, body) = get(&app, cookie, &format!("/api/v1/cases/{}", row.case)).await;
        assert_eq!(status, row.show, "GET /api/v1/cases/{{id}}: {what}");
        if status == 200 {
            assert_eq!(body["id"], row.case, "{what}");
        } else {
            assert_eq!(body["code"], "unknown_case", "{what}");
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
}
