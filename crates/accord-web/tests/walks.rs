//! One case per policy walked through the JSON API from raise to close, on
//! SQLite and on PostgreSQL, by the people of the partnership each signing
//! in for their own step (issue 4: "different users doing each step").
//!
//! The walks are the demo's closed cases, which `accord-demo` makes by
//! running each policy's stages with the people its documents name: the
//! practitioner raises, managers and senior managers hold their stages'
//! discussions and escalate, the chair convenes the panel or decides, each
//! party confirms the outcome, and the case closes. Every step of such a
//! case is sent here as the request a person's screen would send, as the
//! person who took it, with the server's clock at the moment they took it.
//! The server must then hold exactly the record the engine made: every
//! event, and every notification the policy requires (Havering's IRO,
//! Plymouth's Business Manager, East Riding's Appendix A…), in order.

mod common;

use std::collections::BTreeSet;

use accord_case::{Case, CaseId, Event, EventBody, Status};
use accord_demo::DemoCase;
use common::{Backend, TestApp, TestClock, post_as, sign_in, spawn_app_with_directory};
use serde_json::{Value, json};

/// Monday 2 June 2025, 10:30 BST, as the test clock starts.
fn demo() -> accord_demo::Demo {
    let calendars = accord_calendar::Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    accord_demo::demo(TestClock::new().now(), &calendars, &policies).expect("the demo builds")
}

/// For each built-in policy, its demo case that closed (not withdrawn)
/// with the most people taking its steps, then the longest record.
fn closed_case_per_policy(demo: &accord_demo::Demo) -> Vec<&DemoCase> {
    let mut walks = Vec::new();
    for partnership in &demo.partnerships {
        let walk = demo
            .cases
            .iter()
            .filter(|c| c.partnership == partnership.id)
            .filter(|c| Case::fold(&c.events).unwrap().status() == Status::Closed)
            .max_by_key(|c| {
                let people: BTreeSet<_> = c.events.iter().map(|e| &e.actor.person).collect();
                (people.len(), c.events.len())
            })
            .unwrap_or_else(|| panic!("{} has a closed demo case", partnership.id));
        walks.push(walk);
    }
    walks
}

/// The request that makes `event` (and whatever the engine adds with it),
/// as the path under the case and the body, or `None` for the raise.
fn request(event: &Event) -> (String, Value) {
    match &event.body {
        EventBody::DiscussionRecorded { record, .. } => {
            ("discussions".into(), json!({ "record": v(record) }))
        }
        EventBody::DiscussionApproved {
            discussion,
            approved_on,
        } => (
            format!("discussions/{}/approval", discussion.get()),
            json!({ "approved_on": approved_on }),
        ),
        EventBody::ActionAgreed { details, .. } => {
            ("actions".into(), json!({ "details": v(details) }))
        }
        EventBody::ActionCompleted { action, note } => (
            format!("actions/{}/completion", action.get()),
            json!({ "note": note }),
        ),
        EventBody::FormSubmitted { form, values, .. } => {
            (format!("forms/{form}"), json!({ "values": v(values) }))
        }
        EventBody::Escalated { to, reason, .. }
        | EventBody::EscalationDecided { to, reason, .. } => {
            ("escalation".into(), json!({ "to": to, "reason": reason }))
        }
        EventBody::DeadlineExtended { by, reason, .. } => (
            "extensions".into(),
            json!({ "by": v(by), "reason": reason }),
        ),
        EventBody::BreachRecorded { .. } => ("breaches".into(), json!({})),
        EventBody::TimescaleAgreed {
            timescale, reason, ..
        } => (
            "timescale".into(),
            json!({ "timescale": v(timescale), "reason": reason }),
        ),
        EventBody::ConcurrenceRecorded {
            concurs, reason, ..
        } => (
            "concurrence".into(),
            json!({ "concurs": concurs, "reason": reason }),
        ),
        EventBody::PanelConvened {
            members,
            shortfall_reason,
            ..
        } => (
            "panel".into(),
            json!({ "members": v(members), "shortfall_reason": shortfall_reason }),
        ),
        EventBody::RepresentationRecorded {
            agency, summary, ..
        } => (
            "panel/representations".into(),
            json!({ "agency": agency, "summary": summary }),
        ),
        EventBody::Resolved {
            route,
            outcome,
            outstanding_issues,
            ..
        } => (
            "outcome".into(),
            json!({ "route": route, "outcome": outcome, "outstanding_issues": outstanding_issues }),
        ),
        EventBody::OutcomeConfirmed { statement, .. } => (
            "outcome/confirmations".into(),
            json!({ "statement": statement }),
        ),
        EventBody::LearningRecorded {
            theme,
            forwarded_to,
            note,
        } => (
            "learning".into(),
            json!({ "theme": theme, "forwarded_to": forwarded_to, "note": note }),
        ),
        EventBody::FollowUpAgreed { learning, details } => (
            format!("learning/{}/follow-ups", learning.get()),
            json!({ "details": v(details) }),
        ),
        EventBody::FollowUpCompleted { follow_up, note } => (
            format!("follow-ups/{}/completion", follow_up.get()),
            json!({ "note": note }),
        ),
        EventBody::Withdrawn { reason, .. } => ("withdrawal".into(), json!({ "reason": reason })),
        EventBody::Closed {
            missing_confirmations,
            ..
        } => (
            "closure".into(),
            json!({ "missing_confirmations": v(missing_confirmations) }),
        ),
        EventBody::Reopened { reason, .. } => ("reopening".into(), json!({ "reason": reason })),
        EventBody::CircumstancesChanged {
            subject,
            child_protection_plan,
            looked_after,
            immediate_risk,
            reason,
            ..
        } => (
            "circumstances".into(),
            json!({
                "subject": subject,
                "child_protection_plan": child_protection_plan,
                "looked_after": looked_after,
                "immediate_risk": immediate_risk,
                "reason": reason,
            }),
        ),
        EventBody::Corrected {
            corrects,
            reason,
            amendment,
        } => (
            "corrections".into(),
            json!({ "corrects": corrects, "reason": reason, "amendment": v(amendment) }),
        ),
        EventBody::Erased { .. } => panic!(
            "event {} is an erasure, made by the retention schedule, which no demo case has",
            event.sequence
        ),
        EventBody::HandedOver { .. } => panic!(
            "event {} is a handover, made on the administration pages, which no demo case has",
            event.sequence
        ),
        EventBody::Raised(_) | EventBody::NotificationDue(_) => {
            panic!(
                "event {} is not made by a command of its own",
                event.sequence
            )
        }
    }
}

/// A record as JSON.
fn v(record: &impl serde::Serialize) -> Value {
    serde_json::to_value(record).expect("case records serialise")
}

/// The raise request that makes `events[0]`, with the forms the raise
/// submitted with it (the form submissions that follow it at the same
/// instant, before anything else is decided).
fn raise_request(events: &[Event]) -> Value {
    let EventBody::Raised(raised) = &events[0].body else {
        panic!("a case starts with its raise");
    };
    let mut forms = serde_json::Map::new();
    for e in events[1..].iter().take_while(|e| {
        e.at == events[0].at
            && matches!(
                e.body,
                EventBody::FormSubmitted { .. } | EventBody::NotificationDue(_)
            )
    }) {
        if let EventBody::FormSubmitted { form, values, .. } = &e.body {
            forms.insert(form.to_string(), serde_json::to_value(values).unwrap());
        }
    }
    let start_at = raised
        .later_start_reason
        .as_ref()
        .map(|reason| json!({ "stage": raised.stage, "reason": reason }));
    json!({
        "track": raised.track,
        "area": raised.area,
        "other_agency": raised.other_agency,
        "other_professional": raised.other_professional,
        "subjects": raised.subjects,
        "concern": raised.concern,
        "start_at": start_at,
        "forms": forms,
    })
}

/// The event list as JSON with the case's id replaced, to compare a walk's
/// record with the demo's.
fn comparable(events: &[Event], id: &CaseId) -> Value {
    let text = serde_json::to_string(events).unwrap();
    serde_json::from_str(&text.replace(id.as_str(), "CASE")).unwrap()
}

/// Walks `walk` through the API: each step by the person who took it, at
/// the time they took it. Returns the new case's id.
async fn replay(
    app: &TestApp,
    clock: &TestClock,
    sign_ins: &[(String, String)],
    walk: &DemoCase,
) -> CaseId {
    let name_of = |person: &accord_case::PersonId| {
        sign_ins
            .iter()
            .find(|(id, _)| id == person.as_str())
            .map(|(_, name)| name.clone())
            .unwrap_or_else(|| panic!("{person} can sign in"))
    };
    let events = &walk.events;
    clock.set(events[0].at);
    let raiser = sign_in(app, &name_of(&events[0].actor.person)).await;
    let (status, raised) = post_as(app, &raiser, "/api/v1/cases", &raise_request(events)).await;
    assert_eq!(status, 201, "{}: the raise: {raised}", walk.id);
    let id = CaseId::parse(raised["id"].as_str().unwrap()).unwrap();
    let mut version = raised["version"].as_u64().unwrap();
    while (version as usize) < events.len() {
        let event = &events[version as usize];
        let (path, mut body) = request(event);
        body["expected_version"] = json!(version);
        clock.set(event.at);
        let cookie = sign_in(app, &name_of(&event.actor.person)).await;
        let (status, answer) =
            post_as(app, &cookie, &format!("/api/v1/cases/{id}/{path}"), &body).await;
        assert_eq!(
            status,
            200,
            "{} event {} ({}) by {}: {answer}",
            walk.id,
            event.sequence,
            event.body.name(),
            event.actor.person
        );
        let next = answer["version"].as_u64().unwrap();
        assert!(next > version, "{}: the case moved on", walk.id);
        version = next;
    }
    id
}

async fn every_policy_walks_from_raise_to_close(backend: Backend) {
    let demo = demo();
    let walks = closed_case_per_policy(&demo);
    let actors: BTreeSet<&str> = walks
        .iter()
        .flat_map(|w| w.events.iter().map(|e| e.actor.person.as_str()))
        .collect();
    let sign_ins: Vec<(String, String)> = actors
        .iter()
        .map(|id| {
            let person = demo.people.iter().find(|p| p.id.as_str() == *id).unwrap();
            (id.to_string(), person.sign_in.clone())
        })
        .collect();
    let names: Vec<&str> = sign_ins.iter().map(|(_, n)| n.as_str()).collect();
    let (app, state, clock) = spawn_app_with_directory(backend, &names).await;

    let mut policies = BTreeSet::new();
    for walk in walks {
        let people: BTreeSet<&str> = walk
            .events
            .iter()
            .map(|e| e.actor.person.as_str())
            .collect();
        assert!(
            people.len() >= 3,
            "{} is walked by {} people",
            walk.id,
            people.len()
        );
        let id = replay(&app, &clock, &sign_ins, walk).await;
        // The server holds exactly the record the engine made, with every
        // notification the policy requires, in order.
        let stored = state.store().load(&id).await.unwrap();
        assert_eq!(
            comparable(&stored, &id),
            comparable(&walk.events, &walk.id),
            "{} walked as {id}",
            walk.id
        );
        // And the raiser reads it back closed.
        let raiser = sign_in(
            &app,
            &sign_ins
                .iter()
                .find(|(p, _)| p == walk.events[0].actor.person.as_str())
                .unwrap()
                .1,
        )
        .await;
        let response = raiser
            .on(app.client.get(app.url(&format!("/api/v1/cases/{id}"))))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let case: Value = response.json().await.unwrap();
        assert_eq!(case["status"], "closed", "{id}");
        assert_eq!(
            case["chronology"].as_array().unwrap().len(),
            walk.events.len()
        );
        policies.insert(walk.policy.to_string());
    }
    assert_eq!(policies.len(), 5, "{policies:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_policy_walks_from_raise_to_close_on_sqlite() {
    every_policy_walks_from_raise_to_close(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_policy_walks_from_raise_to_close_on_postgresql() {
    every_policy_walks_from_raise_to_close(Backend::Postgres).await;
}
