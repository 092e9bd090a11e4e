//! Issue 14 §3, "Pick people from thousands", over HTTP: the pickers'
//! suggestions (`GET /api/v1/partnerships/{id}/people/suggestions`, and a
//! case's, `GET /api/v1/cases/{id}/people/suggestions`, of those who may
//! own an action or sit on its panel), the
//! plain form's "Find people" without JavaScript, and professionals with no
//! account recorded on a discussion through the API and the page. The same
//! picker in Chromium, with and without JavaScript, is `tests/picker.rs`.

mod common;

use common::{
    Session, TestApp, get_as, page_as, post_as, sign_in, spawn_app_with_demo,
    spawn_app_with_demo_and_clock,
};
use serde_json::{Value, json};

const SUGGESTIONS: &str = "/api/v1/partnerships/havering/people/suggestions";

async fn raised(app: &TestApp, session: &Session) -> Value {
    let (status, case) = post_as(app, session, "/api/v1/cases", &common::havering_raise()).await;
    assert_eq!(status, 201, "{case}");
    case
}

fn ids(answer: &Value) -> Vec<String> {
    answer["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Posts the page form at `path` as a browser without JavaScript would:
/// the status, and where it leads or the page it shows.
async fn post_form(
    app: &TestApp,
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let response = common::post_form_as(app, session, path, fields).await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location.unwrap_or(response.text().await.unwrap()))
}

fn version_of(page: &str) -> String {
    let marker = "name=\"expected_version\" value=\"";
    let at = page.find(marker).unwrap() + marker.len();
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn suggestions_find_people_of_your_partnership_by_name_job_title_or_agency() {
    let (app, _) = spawn_app_with_demo().await;
    let me = sign_in(&app, "hav-school-practitioner").await;
    let (status, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=ifan")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(ids(&answer)[0], "hav-csc-practitioner", "{answer}");
    assert_eq!(answer["people"][0]["name"], "Ifan Kinvig");
    assert_eq!(
        answer["people"][0]["agency_name"],
        "Havering Children's Social Care"
    );
    assert!(
        answer["people"][0]["label"]
            .as_str()
            .unwrap()
            .starts_with("Ifan Kinvig, "),
        "{answer}"
    );
    // Every word must match: a name and an agency.
    let (_, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=kinvig%20social")).await;
    assert_eq!(ids(&answer), ["hav-csc-practitioner"], "{answer}");
    // Never another partnership's people (Mabli Kinvig is Plymouth's).
    let (_, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=mabli%20kinvig")).await;
    assert_eq!(answer["total"], 0, "{answer}");
    let (status, _) = get_as(
        &app,
        &me,
        "/api/v1/partnerships/plymouth/people/suggestions?q=kinvig",
    )
    .await;
    assert_eq!(status, 404);
    // A blank search offers nobody, and the limit is kept to.
    let (_, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=%20")).await;
    assert_eq!(answer["total"], 0);
    let (_, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=a&limit=3")).await;
    assert_eq!(ids(&answer).len(), 3);
    assert!(answer["total"].as_u64().unwrap() > 3, "{answer}");
    for bad in ["0", "51", "many"] {
        let (status, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=a&limit={bad}")).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains("limit"),
            "{answer}"
        );
    }
}

/// Issue 14 §3: "Disabled people never appear in pickers", nor in their
/// suggestions, nor in what the plain form's "Find people" finds; and an
/// administrator, who works on no case, is never offered.
#[tokio::test]
async fn a_disabled_person_is_never_suggested() {
    let (app, state) = spawn_app_with_demo().await;
    let me = sign_in(&app, "hav-school-practitioner").await;
    let case = raised(&app, &me).await;
    let id = case["id"].as_str().unwrap();
    let form = format!("/cases/{id}/record-discussion");
    let find = |page: &str| page.contains("value=\"hav-csc-manager\"");
    let (_, page) = page_as(&app, &me, &form).await;
    let version = version_of(&page);
    let search = [
        ("expected_version", version.as_str()),
        ("participants-find", "Jude Loxley"),
        ("find", "participants"),
    ];
    let (status, page) = post_form(&app, &me, &form, &search).await;
    assert_eq!(status, 200, "{page}");
    assert!(find(&page), "found before they leave");
    let (_, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=jude%20loxley")).await;
    assert_eq!(ids(&answer), ["hav-csc-manager"]);

    state
        .store()
        .disable_account(
            "hav-csc-manager",
            state.now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();
    let (_, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=jude%20loxley")).await;
    assert_eq!(answer["total"], 0, "{answer}");
    let (_, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=loxley")).await;
    assert!(
        !ids(&answer).contains(&"hav-csc-manager".to_owned()),
        "{answer}"
    );
    let (_, page) = post_form(&app, &me, &form, &search).await;
    assert!(!find(&page), "{page}");
    assert!(page.contains("Nobody else matches “Jude Loxley”"), "{page}");

    // The administrator (Tess Rendell) is never offered.
    let (_, answer) = get_as(&app, &me, &format!("{SUGGESTIONS}?q=rendell")).await;
    assert_eq!(answer["total"], 0, "{answer}");
}

/// Without JavaScript the form never lists the partnership: it shows the
/// person recording, and "Find people" shows it again with whom the search
/// found, keeping everything chosen and typed.
#[tokio::test]
async fn find_people_shows_the_form_again_with_the_matches_and_keeps_what_was_typed() {
    let (app, state) = spawn_app_with_demo().await;
    let me = sign_in(&app, "hav-school-practitioner").await;
    let case = raised(&app, &me).await;
    let id = case["id"].as_str().unwrap();
    let form = format!("/cases/{id}/record-discussion");
    let (_, page) = page_as(&app, &me, &form).await;
    let everyone = state.store().people("havering").await.unwrap().len();
    let boxes = |page: &str| page.matches("type=\"checkbox\"").count();
    assert_eq!(boxes(&page), 1, "only the person recording, of {everyone}");
    assert!(page.contains("value=\"hav-school-practitioner\" checked"));
    let version = version_of(&page);
    let (status, page) = post_form(
        &app,
        &me,
        &form,
        &[
            ("expected_version", version.as_str()),
            ("held_at", "9:30am"),
            ("participants", "hav-school-practitioner"),
            ("participants-find", "a"),
            ("summary", "Kept while finding people."),
            ("unlisted-1-name", "Dr Priya Okafor"),
            ("find", "participants"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("people match “a”. The first 20 are shown"),
        "{page}"
    );
    assert_eq!(boxes(&page), 21, "the one chosen and the first 20 found");
    assert!(page.contains("value=\"9:30am\""));
    assert!(page.contains("Kept while finding people."));
    assert!(page.contains("value=\"Dr Priya Okafor\""));
    assert!(page.contains("value=\"hav-school-practitioner\" checked"));
    assert!(
        !page.contains("govuk-error-summary"),
        "finding is not a mistake"
    );
}

/// Issue 14 §3: "A professional who has no account can still be recorded:
/// name, role and agency, as text", through the page without JavaScript;
/// a row without a name or an agency says what to fix.
#[tokio::test]
async fn the_page_records_an_unlisted_professional_and_says_what_is_missing() {
    let (app, _, clock) = spawn_app_with_demo_and_clock().await;
    let me = sign_in(&app, "hav-school-practitioner").await;
    let case = raised(&app, &me).await;
    clock.advance(60 * 60);
    let id = case["id"].as_str().unwrap();
    let form = format!("/cases/{id}/record-discussion");
    let (_, page) = page_as(&app, &me, &form).await;
    let version = version_of(&page);
    let (day, month, year) = ("2", "6", "2025");
    let mut fields = vec![
        ("expected_version", version.as_str()),
        ("held_on-day", day),
        ("held_on-month", month),
        ("held_on-year", year),
        ("held_at", "10:45am"),
        ("how", "phone"),
        ("participants", "hav-school-practitioner"),
        ("summary", "The GP shared the attendance history."),
        ("agreed", "no"),
        ("unlisted-1-name", "Dr Priya Okafor"),
        ("unlisted-1-role", "GP"),
        ("unlisted-2-role", "Health visitor"),
    ];
    let (status, page) = post_form(&app, &me, &form, &fields).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Enter the agency or organisation professional 1 works for"),
        "{page}"
    );
    assert!(page.contains("Enter the name of professional 2, or clear their row"));
    assert!(page.contains("href=\"#unlisted-1-agency\""));
    assert!(page.contains("href=\"#unlisted-2-name\""));
    fields.retain(|(k, _)| *k != "unlisted-2-role");
    fields.push(("unlisted-1-agency", "Harold Hill Surgery"));
    let (status, to) = post_form(&app, &me, &form, &fields).await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/cases/{id}?done=record-discussion").as_str())
    );
    let (_, case) = get_as(&app, &me, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        case["discussions"][0]["record"]["unlisted_participants"],
        json!([{ "name": "Dr Priya Okafor", "role": "GP", "agency": "Harold Hill Surgery" }]),
        "{case}"
    );
    let (_, page) = page_as(&app, &me, &format!("/cases/{id}")).await;
    assert!(
        page.contains("Dr Priya Okafor (GP, Harold Hill Surgery; no Accord account)"),
        "{page}"
    );
}

/// The API's discussion carries `unlisted_participants`: each needs a
/// name and an agency (a 422 naming the field), a role is optional, and
/// the record shows them back.
#[tokio::test]
async fn the_api_records_unlisted_participants_and_refuses_one_without_a_name_or_agency() {
    let (app, _, clock) = spawn_app_with_demo_and_clock().await;
    let me = sign_in(&app, "hav-school-practitioner").await;
    let case = raised(&app, &me).await;
    clock.advance(60 * 60);
    let id = case["id"].as_str().unwrap();
    let path = format!("/api/v1/cases/{id}/discussions");
    let body = |unlisted: Value| {
        json!({
            "expected_version": case["version"],
            "record": {
                "held_at": "2025-06-02T09:45:00Z",
                "how": "phone",
                "participants": [{ "person": "hav-school-practitioner", "agency": "hav-school",
                    "role": "practitioner" }],
                "unlisted_participants": unlisted,
                "summary": "The school nurse joined the call.",
                "ended_in_agreement": false
            }
        })
    };
    for (unlisted, field) in [
        (
            json!([{ "name": " ", "agency": "Harold Hill Surgery" }]),
            "name",
        ),
        (json!([{ "name": "Sam Reyes" }]), "agency"),
        (
            json!([{ "name": "x".repeat(201), "agency": "Harold Hill Surgery" }]),
            "name",
        ),
    ] {
        let (status, answer) = post_as(&app, &me, &path, &body(unlisted)).await;
        assert_eq!(status, 422, "{answer}");
        assert!(
            answer["field"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("unlisted_participants[0].{field}"))
                || answer["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
    let (status, answer) = post_as(
        &app,
        &me,
        &path,
        &body(json!([{ "name": "Sam Reyes", "agency": "Hylands Primary School" }])),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["discussions"][0]["record"]["unlisted_participants"],
        json!([{ "name": "Sam Reyes", "agency": "Hylands Primary School" }])
    );
}

/// Issue 14 §3: an action's owner and a panel's members are picked by
/// typing too, and a case's suggestions offer only whom the engine would
/// accept: an action goes to someone of an agency in the disagreement or
/// of the partnership's team (issue 12 §2), and Havering's panel seats
/// only "senior officer[s] from three agencies who are members of the
/// full Board of the HSCP" (§2.12; HAV-11).
#[tokio::test]
async fn a_cases_suggestions_offer_only_who_may_own_its_action_or_sit_on_its_panel() {
    let (app, state) = spawn_app_with_demo().await;
    let me = sign_in(&app, "hav-school-practitioner").await;
    let case = raised(&app, &me).await;
    let id = case["id"].as_str().unwrap();
    let owners = |q: &str| format!("/api/v1/cases/{id}/people/suggestions?for=action-owner&q={q}");

    // Of the police, in neither agency nor the partnership's team, nobody.
    let (status, answer) = get_as(&app, &me, &owners("police")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["total"], 0, "{answer}");
    // Of children's social care, in the disagreement, its people; the
    // partnership's team too.
    let (_, answer) = get_as(&app, &me, &owners("manager")).await;
    let found = ids(&answer);
    assert!(found.contains(&"hav-csc-manager".to_owned()), "{answer}");
    assert!(
        found.contains(&"hav-partnership-team".to_owned()),
        "{answer}"
    );
    assert!(
        !found.iter().any(|p| p.starts_with("hav-police")),
        "{answer}"
    );
    let (_, answer) = get_as(&app, &me, &owners("academy")).await;
    assert!(
        ids(&answer).contains(&"hav-school-practitioner".to_owned()),
        "{answer}"
    );
    // Every suggestion is someone the engine accepts as the owner.
    let people = state.store().people("havering").await.unwrap();
    for suggested in ids(&get_as(&app, &me, &owners("a")).await.1) {
        let person = people.iter().find(|p| p.id.as_str() == suggested).unwrap();
        assert!(
            ["hav-school", "hav-csc"].contains(&person.agency.as_str())
                || matches!(
                    person.tier,
                    accord_policy::RoleTier::PartnershipTeam | accord_policy::RoleTier::Chair
                ),
            "{suggested} may not own an action on {id}"
        );
    }
    // A discussion's participants may be anyone who works on cases.
    let (_, answer) = get_as(
        &app,
        &me,
        &format!("/api/v1/cases/{id}/people/suggestions?q=police"),
    )
    .await;
    assert!(answer["total"].as_u64().unwrap() > 0, "{answer}");
    // At Stage One there is no panel to sit on.
    let (_, answer) = get_as(
        &app,
        &me,
        &format!("/api/v1/cases/{id}/people/suggestions?for=panel-member&q=a"),
    )
    .await;
    assert_eq!(answer["total"], 0, "{answer}");

    // At Stage Four, only those holding a seat the panel rule names.
    let chair = sign_in(&app, "hav-chair").await;
    let (_, register) = get_as(&app, &chair, "/api/v1/register?stage=4").await;
    let at_four = register["cases"][0]["id"]
        .as_str()
        .expect("a case at Stage Four");
    let (status, answer) = get_as(
        &app,
        &chair,
        &format!("/api/v1/cases/{at_four}/people/suggestions?for=panel-member&q=a&limit=50"),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let seated = ids(&answer);
    assert!(
        seated.contains(&"hav-police-head-of-service".to_owned()),
        "{answer}"
    );
    for suggested in &seated {
        let person = people.iter().find(|p| p.id.as_str() == suggested).unwrap();
        let hscp = accord_policy::RoleRef::parse("hscp-member").unwrap();
        assert!(
            person.holds(&hscp) || person.tier == accord_policy::RoleTier::PanelMember,
            "{suggested} holds no Board seat (§2.12)"
        );
    }
    assert!(
        !seated.iter().any(|p| p.ends_with("-practitioner")),
        "{answer}"
    );

    // What they are picked for must be one Accord knows.
    let (status, answer) = get_as(
        &app,
        &me,
        &format!("/api/v1/cases/{id}/people/suggestions?for=chair&q=a"),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    // A case one may not see is one that does not exist.
    let police = sign_in(&app, "hav-police-practitioner").await;
    let (status, _) = get_as(&app, &police, &owners("a")).await;
    assert_eq!(status, 404);
}

/// Issue 14 §3 without JavaScript: the action's owner is found with "Find
/// people" and chosen from radios (one person, not several), and the
/// action is agreed with them.
#[tokio::test]
async fn an_actions_owner_is_found_and_chosen_without_javascript() {
    let (app, _state) = spawn_app_with_demo().await;
    let me = sign_in(&app, "hav-school-practitioner").await;
    let case = raised(&app, &me).await;
    let id = case["id"].as_str().unwrap();
    let form = format!("/cases/{id}/agree-action");
    let (_, page) = page_as(&app, &me, &form).await;
    assert!(page.contains("Nobody is chosen yet."), "{page}");
    assert!(!page.contains("type=\"radio\" value=\"hav-csc-manager\""));
    let version = version_of(&page);
    let typed = [
        ("expected_version", version.as_str()),
        ("what", "Share the chronology."),
        ("by_when-day", "10"),
        ("by_when-month", "6"),
        ("by_when-year", "2031"),
    ];

    // A name typed but not looked up: the error says what to do.
    let mut fields = typed.to_vec();
    fields.push(("who-find", "Jude"));
    let (status, page) = post_form(&app, &me, &form, &fields).await;
    assert_eq!(status, 422);
    assert!(
        page.contains(
            "Select who will do it: press “Find people”, then choose from the people found"
        ),
        "{page}"
    );

    let mut fields = typed.to_vec();
    fields.extend([("who-find", "manager"), ("find", "who")]);
    let (status, page) = post_form(&app, &me, &form, &fields).await;
    assert_eq!(status, 200);
    assert!(page.contains("Choose who will do it."), "{page}");
    assert!(
        page.contains("type=\"radio\" value=\"hav-csc-manager\""),
        "{page}"
    );
    assert!(!page.contains("type=\"checkbox\" value=\"hav-csc-manager\""));
    assert!(
        !page.contains("value=\"hav-police-"),
        "not in the disagreement"
    );
    assert!(
        page.contains("Share the chronology."),
        "what was typed is kept"
    );

    let mut fields = typed.to_vec();
    fields.push(("who", "hav-csc-manager"));
    let (status, to) = post_form(&app, &me, &form, &fields).await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/cases/{id}?done=agree-action").as_str())
    );
    let (_, page) = page_as(&app, &me, &format!("/cases/{id}")).await;
    assert!(page.contains("Share the chronology."), "{page}");
}

/// Issue 14 §3 in the raise: the professional at the other agency is
/// found by typing, among that agency's people only, and "I do not know who
/// it is" stands in for a name; choosing someone and ticking it is a
/// mistake that says so.
#[tokio::test]
async fn the_raise_finds_the_other_agencys_professional_by_typing() {
    let (app, _state) = spawn_app_with_demo().await;
    let me = sign_in(&app, "hav-school-practitioner").await;
    for (step, fields) in [
        ("scope", vec![("scope", "none")]),
        ("other-agency", vec![("other_agency", "hav-csc")]),
    ] {
        let (status, _) = post_form(&app, &me, &format!("/raise/{step}"), &fields).await;
        assert_eq!(status, 303, "{step}");
    }
    let form = "/raise/other-professional";
    let (_, page) = page_as(&app, &me, form).await;
    assert!(page.contains("Nobody is chosen yet."), "{page}");
    assert!(
        page.contains("/api/v1/partnerships/havering/people/suggestions?agency=hav-csc"),
        "{page}"
    );
    assert!(
        !page.contains("value=\"hav-csc-practitioner\""),
        "nobody is listed"
    );

    // Found among the agency's people only, to choose one of.
    let (status, page) = post_form(
        &app,
        &me,
        form,
        &[
            ("other_professional-find", "a"),
            ("find", "other_professional"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("type=\"radio\" value=\"hav-csc-practitioner\""),
        "{page}"
    );
    assert!(!page.contains("value=\"hav-police-"), "{page}");
    assert!(!page.contains("value=\"hav-school-"), "{page}");

    // The agency's suggestions say the same.
    let (_, answer) = get_as(
        &app,
        &me,
        &format!("{SUGGESTIONS}?q=a&agency=hav-csc&limit=50"),
    )
    .await;
    let found = ids(&answer);
    assert!(
        found.contains(&"hav-csc-practitioner".to_owned()),
        "{answer}"
    );
    assert!(
        answer["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["agency"] == "hav-csc"),
        "{answer}"
    );

    // Both a name and "I do not know" is a mistake.
    let (status, page) = post_form(
        &app,
        &me,
        form,
        &[
            ("other_professional", "hav-csc-practitioner"),
            ("professional_unknown", "yes"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Choose the professional, or tick that you do not know who it is, not both"),
        "{page}"
    );
    // Neither, with a name typed but not looked up, says what to do.
    let (status, page) = post_form(&app, &me, form, &[("other_professional-find", "Ifan")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("press “Find people”"), "{page}");
    // "I do not know" alone goes on; so does a name alone.
    let (status, to) = post_form(&app, &me, form, &[("professional_unknown", "yes")]).await;
    assert_eq!((status, to.as_str()), (303, "/raise/who-it-is-about"));
    let (_, page) = page_as(&app, &me, form).await;
    assert!(
        page.contains("value=\"yes\" checked"),
        "the tick is kept: {page}"
    );
    let (status, to) = post_form(
        &app,
        &me,
        form,
        &[("other_professional", "hav-csc-practitioner")],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, "/raise/who-it-is-about"));
}
