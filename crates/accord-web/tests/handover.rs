//! Leavers, through the administration pages on the real server (issue 13
//! §3, "How we will know it works": "Disabling a stage lead lists their
//! open work; handing it over moves the notifications and the My work
//! entries to the new person, and the chronology shows the handover"), on
//! SQLite and PostgreSQL, over the demo's Havering cases.

mod common;

use accord_case::{OpenWork, PersonId};
use accord_policy::RoleTier;
use accord_store::Person;
use common::{Backend, run_jobs, sign_in, spawn_app_with_demo_on};

const ADMIN: &str = "hav-admin";

use common::post_form_as as post_form;

use common::page_as as page;

/// The cases `person` has been notified of in the app.
async fn told_of(state: &accord_web::AppState, person: &PersonId) -> Vec<String> {
    let mut cases: Vec<String> = state
        .store()
        .notifications_for(person, 1_000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|d| d.case.map(|c| c.to_string()))
        .collect();
    cases.sort();
    cases.dedup();
    cases
}

async fn disabling_a_stage_lead_lists_their_work_and_handing_it_over_moves_it(backend: Backend) {
    let (app, state, clock) = spawn_app_with_demo_on(backend).await;
    run_jobs(&state, &clock).await;
    let store = state.store();
    // The health visitor who raised open cases the demo has told them
    // about, and a colleague who joins their agency to take them on.
    let leaver = store
        .person_by_sign_in("hav-health-practitioner")
        .await
        .unwrap()
        .unwrap();
    let told = told_of(&state, &leaver.id).await;
    let case = store
        .open_work_of(&leaver)
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.work == [OpenWork::Raiser] && told.contains(&w.entry.case.to_string()))
        .expect("the demo's health visitor raised an open case they were told of")
        .entry
        .case
        .to_string();
    let successor = Person {
        id: PersonId::parse("hav-health-practitioner-2").unwrap(),
        sign_in: "hav-health-practitioner-2".to_owned(),
        name: "Robin Okafor".to_owned(),
        job_title: "Health visitor".to_owned(),
        email: "robin.okafor@example.org".to_owned(),
        ..leaver.clone()
    };
    let by = accord_store::ChangedBy::COMMAND_LINE;
    store
        .put_directory(
            accord_store::Directory {
                partnerships: &[],
                agencies: &[],
                people: std::slice::from_ref(&successor),
            },
            &by,
            clock.now(),
        )
        .await
        .unwrap();
    store
        .set_password(
            &successor.id,
            &accord_store::Password::parse(common::PASSWORD).unwrap(),
            clock.now(),
            &by,
        )
        .await
        .unwrap();
    let people = store.people("havering").await.unwrap();
    let admin = sign_in(&app, ADMIN).await;
    let newcomer = sign_in(&app, successor.sign_in.as_str()).await;
    let (_, before) = page(&app, &newcomer, "/my-work").await;
    assert!(!before.contains(&case), "not theirs yet: {before}");
    assert!(!told_of(&state, &successor.id).await.contains(&case));

    // Disabling asks first: without its confirmation it only leads to the
    // question, and nothing changes (issue 14 §7).
    let asked = post_form(
        &app,
        &admin,
        &format!("/admin/people/{}/disable", leaver.id),
        &[],
    )
    .await;
    assert_eq!(asked.status(), 303);
    assert_eq!(
        asked.headers()["location"],
        format!("/admin/people/{}/disable", leaver.id).as_str()
    );
    let (status, question) = page(
        &app,
        &admin,
        &format!("/admin/people/{}/disable", leaver.id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        question.contains("name=\"confirm\" value=\"yes\""),
        "{question}"
    );
    assert!(
        !store
            .account_states("havering")
            .await
            .unwrap()
            .iter()
            .any(|s| s.person == leaver.id && s.disabled),
        "asking disabled nothing"
    );
    // Confirmed, disabling leads to the list of their open work.
    let disabled = post_form(
        &app,
        &admin,
        &format!("/admin/people/{}/disable", leaver.id),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(disabled.status(), 303);
    let to = disabled.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        to,
        format!("/admin/people/{}/handover?done=disabled", leaver.id)
    );
    let (status, listed) = page(&app, &admin, &to).await;
    assert_eq!(status, 200);
    assert!(listed.contains("Their account is disabled"), "{listed}");
    assert!(listed.contains(&format!("Case {case}")), "{listed}");
    assert!(
        listed.contains("The raiser&#39;s part in the disagreement"),
        "{listed}"
    );
    let to_field = format!("to-{case}-raiser");
    let why_field = format!("why-{case}-raiser");
    assert!(listed.contains(&format!("id=\"{to_field}\"")), "{listed}");
    // Only people who could carry it are offered: not the leaver, nobody of
    // another agency.
    let other_agency = people
        .iter()
        .find(|p| p.agency != leaver.agency && p.tier == RoleTier::Practitioner)
        .unwrap();
    assert!(listed.contains(&format!("value=\"{}\"", successor.id)));
    assert!(!listed.contains(&format!("value=\"{}\"", other_agency.id)));

    // Someone of the other agency, and no reason, are refused, each with
    // what to fix in the error summary, and nothing is written.
    let path = format!("/admin/people/{}/handover", leaver.id);
    let refused = post_form(
        &app,
        &admin,
        &path,
        &[
            ("case", case.as_str()),
            ("work", "raiser"),
            (to_field.as_str(), other_agency.id.as_str()),
            (why_field.as_str(), ""),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("There is a problem"), "{refused}");
    assert!(
        refused.contains(&format!(
            "href=\"#{why_field}\">Enter why it is handed over"
        )),
        "{refused}"
    );
    let refused = post_form(
        &app,
        &admin,
        &path,
        &[
            ("case", case.as_str()),
            ("work", "raiser"),
            (to_field.as_str(), other_agency.id.as_str()),
            (why_field.as_str(), "Left the service on Friday"),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains(&format!("href=\"#{to_field}\""))
            && refused.contains("but this work belongs to"),
        "{refused}"
    );
    let id = accord_case::CaseId::parse(&case).unwrap();
    assert!(
        store
            .load_case(&id)
            .await
            .unwrap()
            .unwrap()
            .handovers()
            .is_empty()
    );

    // Handed to the colleague.
    let handed = post_form(
        &app,
        &admin,
        &path,
        &[
            ("case", case.as_str()),
            ("work", "raiser"),
            (to_field.as_str(), successor.id.as_str()),
            (why_field.as_str(), "Left the service on Friday"),
        ],
    )
    .await;
    assert_eq!(handed.status(), 303);
    let (_, after) = page(&app, &admin, &format!("{path}?done=handed-over")).await;
    assert!(after.contains("The work is handed over"), "{after}");
    assert!(!after.contains(&format!("id=\"{to_field}\"")), "{after}");

    // The newcomer has the case in My work, and the notifications the
    // leaver had of it.
    let (_, mine) = page(&app, &newcomer, "/my-work").await;
    assert!(mine.contains(&case), "{mine}");
    assert!(told_of(&state, &successor.id).await.contains(&case));
    // The chronology shows the handover, in words.
    let (status, shown) = page(&app, &newcomer, &format!("/cases/{case}")).await;
    assert_eq!(status, 200);
    let admin_name = &store.person_by_sign_in(ADMIN).await.unwrap().unwrap().name;
    let words = format!(
        "Open work handed over from {} to {} by {} (administrator)",
        leaver.name, successor.name, admin_name
    );
    let escaped = words.replace('\'', "&#39;");
    assert!(shown.contains(&escaped), "{words} in {shown}");
}

#[tokio::test]
async fn disabling_a_stage_lead_lists_their_work_and_handing_it_over_moves_it_on_sqlite() {
    disabling_a_stage_lead_lists_their_work_and_handing_it_over_moves_it(Backend::Sqlite).await;
}

#[tokio::test]
async fn disabling_a_stage_lead_lists_their_work_and_handing_it_over_moves_it_on_postgres() {
    disabling_a_stage_lead_lists_their_work_and_handing_it_over_moves_it(Backend::Postgres).await;
}
