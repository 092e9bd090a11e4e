//! A professional with no account in Accord who took part in a discussion
//! (a GP, a school's designated safeguarding lead) is written down by name,
//! role and agency, as text (issue 14 §3). Havering §2.3 and Stage 1 ask
//! that the discussion's outcome is recorded (HAV-4) and shared (HAV-8):
//! the record must say who was in the room, account or not.

mod common;

use accord_case::{Command, DiscussionRecord, Refusal, UnlistedParticipant};
use accord_policy::RoleTier;
use common::*;

const POLICY: &str = "havering-2022";
const RAISED: &str = "2025-03-03T10:00:00Z";

fn gp() -> UnlistedParticipant {
    UnlistedParticipant {
        name: text("Dr Priya Okafor"),
        role: Some(text("GP")),
        agency: text("Harold Hill Surgery"),
    }
}

fn raised() -> (Harness, accord_case::Actor, accord_case::Actor) {
    let hv = actor("hv", "nhs-trust", RoleTier::Practitioner);
    let sw = actor("sw", "childrens-social-care", RoleTier::Practitioner);
    let (policy, _) = policy(POLICY);
    let h = Harness::raise(
        POLICY,
        raise(policy, "childrens-social-care"),
        &hv,
        at(RAISED),
    )
    .unwrap();
    (h, hv, sw)
}

fn with_unlisted(command: Command, unlisted: Vec<UnlistedParticipant>) -> Command {
    match command {
        Command::RecordDiscussion { mut record } => {
            record.unlisted_participants = unlisted;
            Command::RecordDiscussion { record }
        }
        other => other,
    }
}

// HAV-4, HAV-8
#[test]
fn a_discussion_records_a_professional_without_an_account_beside_the_leads() {
    let (mut h, hv, sw) = raised();
    let command = with_unlisted(
        discussion(
            at("2025-03-04T10:00:00Z"),
            &[(&hv, "practitioner"), (&sw, "practitioner")],
            false,
        ),
        vec![gp()],
    );
    h.ok(command, &hv, at("2025-03-04T12:00:00Z"));
    let recorded = &h.case.discussions()[0].record;
    assert_eq!(recorded.participants.len(), 2);
    assert_eq!(recorded.unlisted_participants, vec![gp()]);
}

// HAV-4: a discussion needs someone who took part; a professional without
// an account is someone.
#[test]
fn a_discussion_with_only_unlisted_professionals_is_someone_taking_part() {
    let (mut h, hv, _) = raised();
    let nobody = discussion(at("2025-03-04T10:00:00Z"), &[], false);
    let refused = h
        .run(nobody.clone(), &hv, at("2025-03-04T12:00:00Z"))
        .unwrap_err();
    assert!(
        matches!(refused, Refusal::NoParticipants { .. }),
        "{refused:?}"
    );
    h.ok(
        with_unlisted(nobody, vec![gp()]),
        &hv,
        at("2025-03-04T12:00:00Z"),
    );
    assert_eq!(h.case.discussions().len(), 1);
}

// A professional without an account is of no agency in the directory, so
// they never stand in for the other side's lead at Stage 1 (HAV-4).
#[test]
fn an_unlisted_professional_does_not_meet_the_stage_s_discussion_with_the_other_side() {
    let (mut h, hv, _) = raised();
    let before = h
        .case
        .outstanding(h.policy, accord_policy::Before::Escalate);
    h.ok(
        with_unlisted(
            discussion(at("2025-03-04T10:00:00Z"), &[(&hv, "practitioner")], false),
            vec![UnlistedParticipant {
                agency: text("Havering Children's Social Care"),
                ..gp()
            }],
        ),
        &hv,
        at("2025-03-04T12:00:00Z"),
    );
    let after = h
        .case
        .outstanding(h.policy, accord_policy::Before::Escalate);
    assert!(!before.is_empty());
    assert_eq!(
        before, after,
        "still waiting for a discussion between the sides"
    );
}

#[test]
fn discussions_recorded_before_unlisted_professionals_read_and_write_as_they_did() {
    let old = r#"{"held_at":"2025-03-04T10:00:00Z","how":"phone","participants":[{"person":"hv","agency":"nhs-trust","role":"practitioner"}],"summary":"Talked it through.","ended_in_agreement":false}"#;
    let record: DiscussionRecord = serde_json::from_str(old).unwrap();
    assert!(record.unlisted_participants.is_empty());
    assert_eq!(serde_json::to_string(&record).unwrap(), old);
}

#[test]
fn an_unlisted_professional_needs_a_name_and_an_agency() {
    let blank_name = r#"{"name":"  ","agency":"Harold Hill Surgery"}"#;
    let no_agency = r#"{"name":"Dr Priya Okafor","role":"GP"}"#;
    assert!(serde_json::from_str::<UnlistedParticipant>(blank_name).is_err());
    assert!(serde_json::from_str::<UnlistedParticipant>(no_agency).is_err());
    let no_role: UnlistedParticipant =
        serde_json::from_str(r#"{"name":"Dr Priya Okafor","agency":"Harold Hill Surgery"}"#)
            .unwrap();
    assert_eq!(no_role.role, None);
}
