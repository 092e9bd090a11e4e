#[test]
fn the_named_other_professional_goes_to_a_colleague_in_the_other_agency() {
    let (policy, _) = policy(POLICY);
    let sw = social_worker();
    let mut named = raise(policy, "childrens-social-care");
    named.other_professional = Some(sw.person.clone());
    let mut h = Harness::raise(POLICY, named, &teacher(), at(RAISED)).unwrap();
    assert_eq!(
        h.case.open_work_of(&sw.person),
        vec![OpenWork::OtherProfessional]
    );
    disable(&sw);
    let colleague = actor("sw-2", "childrens-social-care", RoleTier::Practitioner);
    assert!(matches!(
        h.run(
            hand_over(&sw, &new_teacher(), OpenWork::OtherProfessional),
            &administrator(),
            at(LATER)
        ),
        Err(Refusal::SuccessorNotOfAgency { .. })
    ));
    h.ok(
        hand_over(&sw, &colleague, OpenWork::OtherProfessional),
        &administrator(),
        at(LATER),
    );
    assert_eq!(h.case.other_professional(), Some(&colleague.person));
    assert!(
        h.case
            .involvement(h.policy)
            .people
            .contains(&colleague.person)
    );
}
