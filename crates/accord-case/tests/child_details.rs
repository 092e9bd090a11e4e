//! How the child is named on the record (issue 14 §2): a date of birth, an
//! NHS number and a local identifier travel with the subject on the raise
//! and on a correction, a date of birth in the future is refused, and
//! events written before these were asked still read.

mod common;

use accord_case::{
    Amendment, Command, Event, EventBody, LocalId, NhsNumber, Refusal, Sequence, Subject,
};
use accord_policy::RoleTier;
use common::*;

const POLICY: &str = "havering-2022";

/// Monday 3 March 2025, 10:00 (GMT).
const RAISED: &str = "2025-03-03T10:00:00Z";

fn named_child() -> Subject {
    let mut child = child("c1", false, false, false);
    child.date_of_birth = Some(date("2019-04-12"));
    child.nhs_number = Some(NhsNumber::parse("943 476 5919").unwrap());
    child.local_id = Some(LocalId::parse("LCS-12345").unwrap());
    child
}

/// HAV-8: what is recorded on the child's file names the child the way the
/// file does.
#[test]
fn the_raise_records_the_childs_date_of_birth_and_identifiers() {
    let hv = actor("hv", "nhs-trust", RoleTier::Practitioner);
    let mut raise = raise(policy(POLICY).0, "childrens-social-care");
    raise.subjects = vec![named_child()];
    let h = Harness::raise(POLICY, raise, &hv, at(RAISED)).unwrap();
    let subject = &h.case.subjects()[0];
    assert_eq!(subject.date_of_birth, Some(date("2019-04-12")));
    assert_eq!(subject.nhs_number.as_ref().unwrap().digits(), "9434765919");
    assert_eq!(subject.local_id.as_ref().unwrap().as_str(), "LCS-12345");
}

#[test]
fn a_date_of_birth_in_the_future_is_refused_naming_the_field() {
    let hv = actor("hv", "nhs-trust", RoleTier::Practitioner);
    let mut raise = raise(policy(POLICY).0, "childrens-social-care");
    let mut child = named_child();
    // The day after the raise is in the future, by the UK's date.
    child.date_of_birth = Some(date("2025-03-04"));
    raise.subjects = vec![child];
    match Harness::raise(POLICY, raise.clone(), &hv, at(RAISED)) {
        Err(Refusal::DateOutOfRange { field, problem, .. }) => {
            assert_eq!(field, "subjects[0].date_of_birth");
            assert!(problem.contains("today or in the past"), "{problem}");
        }
        Err(other) => panic!("expected the date to be refused, got {other:?}"),
        Ok(_) => panic!("a date of birth in the future was accepted"),
    }
    // Born the day of the raise is fine.
    raise.subjects[0].date_of_birth = Some(date("2025-03-03"));
    assert!(Harness::raise(POLICY, raise, &hv, at(RAISED)).is_ok());
}

#[test]
fn a_correction_of_the_subjects_carries_their_details() {
    let hv = actor("hv", "nhs-trust", RoleTier::Practitioner);
    let mut h = Harness::raise(
        POLICY,
        raise(policy(POLICY).0, "childrens-social-care"),
        &hv,
        at(RAISED),
    )
    .unwrap();
    assert_eq!(h.case.subjects()[0].nhs_number, None);
    let correct = |subject: Subject| Command::Correct {
        corrects: Sequence::FIRST,
        reason: text("The NHS number was left out at the raise."),
        amendment: Amendment::Subjects {
            subjects: vec![subject],
        },
    };
    let mut future = named_child();
    future.date_of_birth = Some(date("2030-01-01"));
    assert!(matches!(
        h.run(correct(future), &hv, at("2025-03-04T10:00:00Z")),
        Err(Refusal::DateOutOfRange { field, .. }) if field == "amendment.subjects[0].date_of_birth"
    ));
    h.ok(correct(named_child()), &hv, at("2025-03-04T10:00:00Z"));
    assert_eq!(h.case.subjects()[0], named_child());
}

/// Events stored before the details were asked have no such fields: they
/// still read, with none given, and a subject without them writes exactly
/// what it wrote before, so the hash chain of old events is unchanged.
#[test]
fn events_from_before_the_details_still_read_and_hash_alike() {
    let hv = actor("hv", "nhs-trust", RoleTier::Practitioner);
    let h = Harness::raise(
        POLICY,
        raise(policy(POLICY).0, "childrens-social-care"),
        &hv,
        at(RAISED),
    )
    .unwrap();
    let json = serde_json::to_string(&h.events[0]).unwrap();
    assert!(!json.contains("date_of_birth") && !json.contains("nhs_number"));
    let read: Event = serde_json::from_str(&json).unwrap();
    let EventBody::Raised(raised) = &read.body else {
        panic!("the first event is the raise");
    };
    assert_eq!(raised.subjects[0].local_id, None);
}
