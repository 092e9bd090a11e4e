//! `accord policy check`: each kind of mistake in a policy file is reported
//! at its exact line and column, with a hint saying what to write instead.
//!
//! Every test starts from `fixtures/minimal.toml`, a small valid policy,
//! and makes one mistake in it.

use accord_calendar::Calendars;
use accord_policy::{BUILTIN, Diagnostic, Policy, ResolutionRoute};

const MINIMAL: &str = include_str!("fixtures/minimal.toml");

/// Replacements to make in the fixture, each `(from, to)`.
type Changes<'a> = &'a [(&'a str, &'a str)];

/// The fixture with each `(from, to)` replacement made. Each `from` must
/// occur exactly once, so a test can never pass by changing nothing.
fn mutate(changes: Changes) -> String {
    let mut source = MINIMAL.to_owned();
    for (from, to) in changes {
        assert_eq!(
            source.matches(from).count(),
            1,
            "`{from}` must occur exactly once"
        );
        source = source.replacen(from, to, 1);
    }
    source
}

fn mistakes(source: &str) -> Vec<Diagnostic> {
    match Policy::from_toml(source, &Calendars::builtin()) {
        Ok(_) => panic!("expected mistakes, but the policy is valid"),
        Err(mistakes) => mistakes,
    }
}

/// The only mistake in `source`, as `(line, column, message, hint)`.
fn only_mistake(source: &str) -> (usize, usize, String, String) {
    let found = mistakes(source);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one mistake, found {found:#?}"
    );
    let d = found.into_iter().next().expect("one mistake");
    (d.line, d.column, d.message, d.hint)
}

fn at(line: usize, column: usize, message: &str, hint: &str) -> (usize, usize, String, String) {
    (line, column, message.to_owned(), hint.to_owned())
}

#[test]
fn the_minimal_fixture_is_valid() {
    let policy = Policy::from_toml(MINIMAL, &Calendars::builtin()).expect("valid");
    assert_eq!(policy.id.as_str(), "example-2026");
}

#[test]
fn a_toml_syntax_error_is_reported_where_the_parser_stopped() {
    assert_eq!(
        only_mistake(&mutate(&[("number = 2", "number = = 2")])),
        at(
            65,
            10,
            "this is not valid TOML: extra `=`, expected nothing",
            "check this line: each setting is `key = value`, text goes in \"double quotes\", \
             lists in [square brackets] and tables start with [name] or [[name]]"
        )
    );
}

#[test]
fn every_unknown_field_is_reported_at_its_key_with_the_nearest_field_name() {
    let source = mutate(&[
        ("version = 1\n", "version = 1\ntitel = \"Escalation\"\n"),
        (
            "tier = \"partnership-team\"\n",
            "tier = \"partnership-team\"\nemial = \"bm@example.org\"\n",
        ),
        ("final_decision = true", "final_decison = true"),
    ]);
    let found: Vec<_> = mistakes(&source)
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    assert_eq!(
        found,
        [
            at(
                5,
                1,
                "`titel` is not a setting here",
                "did you mean `title`?"
            ),
            at(
                20,
                1,
                "`emial` is not a setting here",
                "did you mean `email`?"
            ),
            at(
                89,
                1,
                "`final_decison` is not a setting here",
                "did you mean `final_decision`?"
            ),
        ]
    );
}

#[test]
fn an_unknown_field_with_no_near_name_lists_the_fields_that_belong_there() {
    let (line, column, message, hint) = only_mistake(&mutate(&[(
        "dated = \"January 2026\"",
        "dated = \"January 2026\"\nauthor = \"A. Person\"",
    )]));
    assert_eq!(
        (line, column, message.as_str()),
        (14, 1, "`author` is not a setting here")
    );
    assert_eq!(
        hint,
        "remove it; the settings here are `title`, `file`, `dated` or `review`"
    );
}

#[test]
fn an_unknown_field_inside_an_inline_table_is_found() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "other = [\"manager\"] }",
            "other = [\"manager\"], decieds = [\"chair\"] }"
        )])),
        at(
            69,
            55,
            "`decieds` is not a setting here",
            "did you mean `decides`?"
        )
    );
}

#[test]
fn a_value_of_the_wrong_type_is_explained_in_words() {
    assert_eq!(
        only_mistake(&mutate(&[("version = 1", "version = \"one\"")])),
        at(
            4,
            11,
            "expected a whole number here, not the text \"one\"",
            "write a whole number from 0 to 4294967295 without quotes, like `3`"
        )
    );
}

#[test]
fn a_misspelt_word_suggests_the_allowed_one() {
    assert_eq!(
        only_mistake(&mutate(&[("on = \"entry\"", "on = \"entrance\"")])),
        at(
            73,
            6,
            "`entrance` is not one of the words allowed here",
            "did you mean `entry`?"
        )
    );
}

#[test]
fn a_missing_field_points_at_its_table() {
    assert_eq!(
        only_mistake(&mutate(&[("name = \"Manager to manager\"\n", "")])),
        at(
            64,
            1,
            "this table is missing `name`",
            "add `name = …` to it"
        )
    );
}

#[test]
fn a_stage_number_that_goes_backwards_is_reported_at_the_number() {
    assert_eq!(
        only_mistake(&mutate(&[("number = 3", "number = 1")])),
        at(
            79,
            10,
            "stage 1 comes after stage 2 on track `professional`: stage numbers go backwards here",
            "number it 3: stages are numbered 1, 2, 3… in the order they are written"
        )
    );
}

#[test]
fn a_repeated_stage_number_is_reported_at_the_second() {
    assert_eq!(
        only_mistake(&mutate(&[("number = 3", "number = 2")])),
        at(
            79,
            10,
            "track `professional` has two stages numbered 2",
            "number it 3: stages are numbered 1, 2, 3… in the order they are written"
        )
    );
}

#[test]
fn a_skipped_stage_number_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[("number = 3", "number = 4")])),
        at(
            79,
            10,
            "stage 4 follows stage 2 on track `professional`, so there is no stage 3",
            "number it 3: stages are numbered 1, 2, 3… in the order they are written"
        )
    );
}

#[test]
fn a_track_must_start_at_stage_one() {
    let found = mistakes(&mutate(&[
        ("number = 1", "number = 2"),
        (
            "number = 2\nname = \"Manager",
            "number = 3\nname = \"Manager",
        ),
        (
            "number = 3\nname = \"Partnership",
            "number = 4\nname = \"Partnership",
        ),
    ]));
    let first = &found[0];
    assert_eq!(
        (first.line, first.column, first.message.as_str()),
        (
            57,
            10,
            "the first stage on track `professional` is numbered 2"
        )
    );
}

#[test]
fn an_unknown_calendar_lists_the_calendars_accord_knows() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "calendar = \"england-and-wales\"",
            "calendar = \"england\""
        )])),
        at(
            7,
            12,
            "there is no calendar `england`",
            "did you mean `england-and-wales`? The calendars Accord knows are \
             `england-and-wales`, `isle-of-man`, `northern-ireland` or `scotland`"
        )
    );
}

#[test]
fn a_notification_to_an_unknown_role_suggests_the_nearest_role() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "to = \"business-manager\"",
            "to = \"business-manger\""
        )])),
        at(
            74,
            6,
            "`business-manger` is not a role in this policy",
            "did you mean `business-manager`?"
        )
    );
}

#[test]
fn a_role_with_no_near_name_says_how_to_declare_one() {
    let (_, _, message, hint) = only_mistake(&mutate(&[(
        "to = \"business-manager\"",
        "to = \"youth-offending-team\"",
    )]));
    assert_eq!(
        message,
        "`youth-offending-team` is not a role in this policy"
    );
    assert_eq!(
        hint,
        "declare it in a `[[roles]]` table with `id`, `name` and `tier`, or use a role every \
         policy has, such as `manager`, `safeguarding-lead` or `partnership-team`"
    );
}

/// Every field that names a role is checked, each at its own value.
#[test]
fn every_role_reference_is_checked() {
    let cases: &[(Changes, usize, usize)] = &[
        (
            &[(
                "raising = [\"practitioner\"]",
                "raising = [\"nobody-here\"]",
            )],
            61,
            22,
        ),
        (
            &[("other = [\"practitioner\"]", "other = [\"nobody-here\"]")],
            61,
            48,
        ),
        (
            &[("decides = [\"chair\"]", "decides = [\"nobody-here\"]")],
            83,
            82,
        ),
        (
            &[(
                "decides = [\"chair\"]",
                "decides = [\"chair\"], chairs = [\"nobody-here\"]",
            )],
            83,
            102,
        ),
        (
            &[(
                "notify = [\"safeguarding-lead\"]",
                "notify = [\"nobody-here\"]",
            )],
            26,
            11,
        ),
        (
            &[(
                "send_to = [\"business-manager\"]",
                "send_to = [\"nobody-here\"]",
            )],
            33,
            12,
        ),
        (
            &[(
                "send_to = [\"business-manager\"]",
                "send_to = [\"business-manager\"]\nreturned_to = \"nobody-here\"",
            )],
            34,
            15,
        ),
        (
            // A section another role completes asks nothing on submission
            // (`a_field_someone_else_completes_is_not_required_on_submission`).
            &[
                (
                    "title = \"The disagreement\"",
                    "title = \"The disagreement\"\ncompleted_by = \"nobody-here\"",
                ),
                (
                    "kind = \"long-text\"",
                    "kind = \"long-text\"\nrequired = \"optional\"",
                ),
                (
                    "options = [\"Yes\", \"No\"]",
                    "options = [\"Yes\", \"No\"]\nrequired = \"before-stage-ends\"",
                ),
            ],
            37,
            16,
        ),
        (
            &[(
                "label = \"Levels of need\"",
                "label = \"Levels of need\"\nroutes_to = \"nobody-here\"",
            )],
            23,
            13,
        ),
        (
            &[(
                "feedback_to = [\"raiser\"]",
                "feedback_to = [\"nobody-here\"]",
            )],
            103,
            16,
        ),
        (
            &[(
                "timescale = { working_days = 2 }",
                "timescale = { working_days = 2 }\nrequirements = [{ record = \"discussion\", with = \"nobody-here\", description = \"d\", section = \"2.2\" }]",
            )],
            71,
            49,
        ),
        (
            &[(
                "label = \"The Partnership's learning subgroup\" }",
                "label = \"The Partnership's learning subgroup\", role = \"nobody-here\" }",
            )],
            108,
            97,
        ),
    ];
    for (changes, line, column) in cases {
        let (l, c, message, _) = only_mistake(&mutate(changes));
        assert_eq!(
            (l, c, message.as_str()),
            (*line, *column, "`nobody-here` is not a role in this policy"),
            "after {changes:?}"
        );
    }
}

/// Issue 15: whoever holds a learning group's role sees the partnership's
/// insight and the learning sent to the group, so the role must be one the
/// partnership fills, not someone's part in one case.
#[test]
fn a_learning_group_is_held_by_a_role_not_by_a_relation_to_a_case() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "label = \"The Partnership's learning subgroup\" }",
            "label = \"The Partnership's learning subgroup\", role = \"raiser\" }",
        )])),
        at(
            108,
            97,
            "`raiser` is someone's part in one case, so it cannot hold a group learning goes to",
            "name a role declared in `[[roles]]`, such as the group's chair, or a tier such as `partnership-team`"
        )
    );
    let twice = mutate(&[(
        "forward_to = [{ id = \"learning-subgroup\", label = \"The Partnership's learning subgroup\" }]",
        "forward_to = [{ id = \"learning-subgroup\", label = \"One\" }, { id = \"learning-subgroup\", label = \"Two\" }]",
    )]);
    let (line, _, message, _) = only_mistake(&twice);
    assert_eq!(line, 108);
    assert!(message.contains("learning group"), "{message}");
}

#[test]
fn a_panel_rule_on_a_stage_without_a_panel_is_reported_with_the_notification_to_its_panel() {
    let found = mistakes(&mutate(&[(
        "resolution = [\"decision\", \"panel\"]",
        "resolution = [\"decision\"]",
    )]));
    let found: Vec<_> = found
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    assert_eq!(
        found,
        [
            at(
                89,
                16,
                "stage 3 on track `professional` has a panel rule, but its `resolution` does not include \"panel\"",
                "add \"panel\" to this stage's `resolution`, like `resolution = [\"decision\", \"panel\"]`, or remove the panel table"
            ),
            at(
                97,
                6,
                "stage 3 on track `professional` has no Resolution Panel, so `panel` means nobody here",
                "name the person instead, such as `chair`, or let this stage be resolved by a panel: \
                 add \"panel\" to its `resolution` and a panel rule"
            ),
        ]
    );
}

#[test]
fn a_panel_route_without_a_panel_rule_is_reported_at_the_resolution() {
    let source = mutate(&[(
        "[tracks.stages.panel]\nmin_agencies = 3\ninclude_disputing = \"required\"\nmembership = \"Senior officers from three agencies on the Partnership\"\nsection = \"2.3\"\n",
        "",
    )]);
    assert_eq!(
        only_mistake(&source),
        at(
            86,
            14,
            "stage 3 on track `professional` may be resolved by a Resolution Panel, but has no panel rule",
            "add a `[tracks.stages.panel]` table with `min_agencies`, `include_disputing`, `membership` and `section`"
        )
    );
}

#[test]
fn a_notification_to_the_panel_at_a_stage_without_one_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[("to = \"business-manager\"", "to = \"panel\"")])),
        at(
            74,
            6,
            "stage 2 on track `professional` has no Resolution Panel, so `panel` means nobody here",
            "name the person instead, such as `chair`, or let this stage be resolved by a panel: \
             add \"panel\" to its `resolution` and a panel rule"
        )
    );
}

#[test]
fn a_panel_of_fewer_than_two_agencies_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[("min_agencies = 3", "min_agencies = 1")])),
        at(
            90,
            16,
            "a Resolution Panel needs at least two agencies, but stage 3 on track `professional` allows 1",
            "write `min_agencies = 2` or more; Havering and Plymouth ask for three"
        )
    );
}

/// East Riding Stage Five (ER-10): a decider "from an uninvolved agency"
/// means nothing unless the stage names a decider.
#[test]
fn an_uninvolved_decider_needs_a_decider() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "leads = { raising = [\"manager\"], other = [\"manager\"] }",
            "leads = { raising = [\"manager\"], other = [\"manager\"], decides_from_uninvolved_agency = true }"
        )])),
        at(
            69,
            88,
            "stage 2 on track `professional` says its decider must come from an uninvolved agency, but names no decider",
            "add who decides, like `decides = [\"chair\"]`, or who chairs the stage's meeting, \
             like `chairs = [\"chair\"]`, or remove `decides_from_uninvolved_agency`"
        )
    );
}

/// East Riding Stage Five (ER-10): the Partnership Member from an
/// uninvolved agency chairs the meeting but does not decide, so a stage
/// that names only who `chairs` may still require them to be uninvolved.
#[test]
fn an_uninvolved_chair_is_enough_for_an_uninvolved_agency_rule() {
    let source = mutate(&[(
        "leads = { raising = [\"manager\"], other = [\"manager\"] }",
        "leads = { raising = [\"manager\"], other = [\"manager\"], chairs = [\"business-manager\"], decides_from_uninvolved_agency = true }",
    )]);
    let policy = Policy::from_toml(&source, &Calendars::builtin()).expect("valid");
    let stage = &policy.default_track().stages[1];
    assert_eq!(stage.leads.chairs[0].id(), "business-manager");
    assert!(stage.leads.decides.is_empty());
}

/// Plymouth Stage Five (PLY-7): only the Resolution Panel's decision is
/// final, so `final_routes = ["panel"]` leaves the Chair's direct decision
/// open to closure in the ordinary way.
#[test]
fn final_routes_narrow_a_final_stage_to_the_routes_listed() {
    let source = mutate(&[(
        "final_decision = true",
        "final_decision = true\nfinal_routes = [\"panel\"]",
    )]);
    let policy = Policy::from_toml(&source, &Calendars::builtin()).expect("valid");
    let stage = &policy.default_track().stages[2];
    assert!(stage.is_final(ResolutionRoute::Panel));
    assert!(!stage.is_final(ResolutionRoute::Decision));
    // With no `final_routes`, every route of a final stage is final.
    let policy = Policy::from_toml(MINIMAL, &Calendars::builtin()).expect("valid");
    let stage = &policy.default_track().stages[2];
    assert!(stage.is_final(ResolutionRoute::Panel) && stage.is_final(ResolutionRoute::Decision));
    assert!(!policy.default_track().stages[1].is_final(ResolutionRoute::Agreement));
}

#[test]
fn a_final_route_the_stage_cannot_be_resolved_by_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "final_decision = true",
            "final_decision = true\nfinal_routes = [\"panel\", \"agreement\"]",
        )])),
        at(
            88,
            26,
            "stage 3 on track `professional` makes \"agreement\" final, but cannot be resolved by \"agreement\"",
            "add \"agreement\" to this stage's `resolution`, or remove it from `final_routes`; its \
             routes are `decision` or `panel`"
        )
    );
}

#[test]
fn final_routes_on_a_stage_that_is_not_final_are_reported() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "timescale = { working_days = 2 }",
            "timescale = { working_days = 2 }\nfinal_routes = [\"agreement\"]",
        )])),
        at(
            71,
            1,
            "stage 2 on track `professional` lists `final_routes`, but is not marked final",
            "add `final_decision = true` to this stage, or remove `final_routes`"
        )
    );
}

#[test]
fn a_final_decision_before_the_last_stage_is_reported() {
    let source = mutate(&[
        (
            "leads = { raising = [\"manager\"], other = [\"manager\"] }",
            "leads = { raising = [\"manager\"], other = [\"manager\"], decides = [\"chair\"] }",
        ),
        (
            "timescale = { working_days = 2 }",
            "timescale = { working_days = 2 }\nresolution = [\"decision\"]\nfinal_decision = true",
        ),
    ]);
    assert_eq!(
        only_mistake(&source),
        at(
            72,
            18,
            "stage 2 on track `professional` is marked final, but stage 3 follows it",
            "a final decision closes the case, so no later stage could be reached: mark only the \
             last stage final, or remove the stages after this one"
        )
    );
}

#[test]
fn a_final_decision_needs_someone_who_decides() {
    let source = mutate(&[
        (
            "resolution = [\"decision\", \"panel\"]",
            "resolution = [\"agreement\"]",
        ),
        (
            "[tracks.stages.panel]\nmin_agencies = 3\ninclude_disputing = \"required\"\nmembership = \"Senior officers from three agencies on the Partnership\"\nsection = \"2.3\"\n",
            "",
        ),
        ("to = \"panel\"", "to = \"chair\""),
    ]);
    assert_eq!(
        only_mistake(&source),
        at(
            87,
            18,
            "stage 3 on track `professional` is marked final, but nobody decides there: it is resolved only by agreement",
            "add \"decision\", \"panel\" or \"without-agreement\" to this stage's `resolution`, or remove `final_decision`"
        )
    );
}

#[test]
fn a_deadline_from_raising_that_goes_backwards_is_reported() {
    let source = mutate(&[
        (
            "timescale = { working_days = 1 }",
            "timescale = { working_days = 5, from = \"raised\" }",
        ),
        (
            "timescale = { working_days = 2 }",
            "timescale = { working_days = 3, from = \"raised\" }",
        ),
    ]);
    assert_eq!(
        only_mistake(&source),
        at(
            70,
            13,
            "stage 2 on track `professional` is due 3 working days after the disagreement was raised, \
             before stage 1, which is due 5 working days after it",
            "give this stage at least `working_days = 5` from raising, or count it from its own \
             start with `from = \"stage-start\"`"
        )
    );
}

#[test]
fn a_stage_form_naming_an_unknown_form_suggests_the_nearest() {
    assert_eq!(
        only_mistake(&mutate(&[("form = \"referral\"", "form = \"referal\"")])),
        at(
            85,
            19,
            "there is no form `referal` in this policy",
            "did you mean `referral`?"
        )
    );
}

#[test]
fn a_notification_attaching_an_unknown_form_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "message = \"A disagreement has reached Stage 2.\"",
            "message = \"A disagreement has reached Stage 2.\"\nattach = [\"appendix-a\"]"
        )])),
        at(
            76,
            11,
            "there is no form `appendix-a` in this policy",
            "declare it in a `[[forms]]` table, or use `referral`"
        )
    );
}

#[test]
fn an_area_offered_on_an_unknown_track_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "label = \"Levels of need\"",
            "label = \"Levels of need\"\ntracks = [\"profesional\"]"
        )])),
        at(
            23,
            11,
            "area `levels-of-need` is offered on track `profesional`, but there is no such track",
            "did you mean `professional`?"
        )
    );
}

#[test]
fn duplicate_ids_are_reported_at_the_second_with_the_line_of_the_first() {
    let source = mutate(&[(
        "[[areas]]",
        "[[roles]]\nid = \"business-manager\"\nname = \"Business Manager\"\ntier = \"partnership-team\"\n\n[[areas]]",
    )]);
    assert_eq!(
        only_mistake(&source),
        at(
            21,
            6,
            "this role has the same id, `business-manager`, as the one on line 16",
            "give each role an id of its own"
        )
    );
}

#[test]
fn duplicate_ids_of_every_kind_are_reported() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "id = \"levels-of-need\"\nlabel = \"Levels of need\"\n",
            "id = \"levels-of-need\"\nlabel = \"Levels of need\"\n\n[[areas]]\nid = \"levels-of-need\"\nlabel = \"Need\"\n",
            "this area has the same id, `levels-of-need`, as the one on line 21",
        ),
        (
            "id = \"head-of-service-contacted\"",
            "id = \"summary\"",
            "this field in form `referral` has the same id, `summary`, as the one on line 39",
        ),
        (
            "[outcome]",
            "[[tracks]]\nid = \"professional\"\nname = \"n\"\ndescription = \"d\"\nsection = \"s\"\n\n[[tracks.stages]]\nnumber = 1\nname = \"n\"\nsection = \"s\"\nsummary = \"s\"\nleads = { raising = [\"manager\"] }\ntimescale = { none = true }\n\n[outcome]",
            "this track has the same id, `professional`, as the one on line 50",
        ),
        (
            "[[tracks]]",
            "[[forms]]\nid = \"referral\"\ntitle = \"t\"\nsection = \"s\"\nsections = []\n\n[[tracks]]",
            "this form has the same id, `referral`, as the one on line 30",
        ),
    ];
    for (from, to, message) in cases {
        let found = mistakes(&mutate(&[(from, to)]));
        assert!(
            found.iter().any(|d| d.message == *message),
            "expected {message:?} in {found:#?}"
        );
    }
}

#[test]
fn a_declared_role_that_is_already_a_tier_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[
            ("id = \"business-manager\"", "id = \"iro\""),
            ("[\"business-manager\"]", "[\"iro\"]"),
            ("to = \"business-manager\"", "to = \"iro\"")
        ])),
        at(
            16,
            6,
            "`iro` is already a role every policy has, so this declaration would never be used",
            "remove this role and write `iro` where you need it, or give this role an id of its own"
        )
    );
}

#[test]
fn immediate_risk_entry_at_a_stage_that_does_not_exist_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "immediate_risk_entry = [2]",
            "immediate_risk_entry = [2, 4]"
        )])),
        at(
            54,
            28,
            "track `professional` has no stage 4",
            "use a stage number from 2 to 3 (the later stages a case may start at), or remove it"
        )
    );
}

/// Sutton §7b (SUT-5): an area may start past its track's first stage.
#[test]
fn an_area_starts_at_its_entry_stage() {
    let source = mutate(&[(
        "label = \"Levels of need\"",
        "label = \"Levels of need\"\nentry_stage = 2",
    )]);
    let policy = Policy::from_toml(&source, &Calendars::builtin()).expect("valid");
    let track = policy.default_track();
    let area = "levels-of-need".parse().unwrap();
    assert_eq!(policy.entry_stage(track, &area).number.get(), 2);
    let policy = Policy::from_toml(MINIMAL, &Calendars::builtin()).expect("valid");
    assert_eq!(
        policy
            .entry_stage(policy.default_track(), &area)
            .number
            .get(),
        1
    );
}

#[test]
fn an_entry_stage_missing_from_a_track_the_area_is_offered_on_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "label = \"Levels of need\"",
            "label = \"Levels of need\"\nentry_stage = 4",
        )])),
        at(
            23,
            15,
            "area `levels-of-need` starts at stage 4, but track `professional` has no stage 4",
            "use a stage number from 1 to 3, offer the area only on tracks that have stage 4 with \
             `tracks = [...]`, or remove `entry_stage`"
        )
    );
}

#[test]
fn area_route_with_no_area_that_routes_is_reported() {
    assert_eq!(
        only_mistake(&mutate(&[(
            "to = \"business-manager\"",
            "to = \"area-route\""
        )])),
        at(
            74,
            6,
            "no area of disagreement on track `professional` has `routes_to`, so `area-route` means nobody here",
            "add `routes_to = \"…\"` to the areas that go to a particular role, or name the role here directly"
        )
    );
}

#[test]
fn an_area_cannot_route_to_itself() {
    let (line, column, message, _) = only_mistake(&mutate(&[(
        "label = \"Levels of need\"",
        "label = \"Levels of need\"\nroutes_to = \"area-route\"",
    )]));
    assert_eq!(
        (line, column, message.as_str()),
        (
            23,
            13,
            "an area cannot route to `area-route`: that would send it to itself"
        )
    );
}

#[test]
fn a_policy_with_no_tracks_is_reported() {
    let before_tracks = &MINIMAL[..MINIMAL.find("[[tracks]]").expect("tracks")];
    let after_tracks = &MINIMAL[MINIMAL.find("[outcome]").expect("outcome")..];
    let source = format!(
        "tracks = []\n{}{after_tracks}",
        before_tracks.replace("to = \"panel\"", "")
    );
    assert_eq!(
        only_mistake(&source),
        at(
            1,
            10,
            "the policy has no tracks",
            "add a `[[tracks]]` table, with its stages in `[[tracks.stages]]` tables"
        )
    );
}

#[test]
fn a_track_with_no_stages_is_reported() {
    let before_stages = &MINIMAL[..MINIMAL.find("[[tracks.stages]]").expect("stages")];
    let after_stages = &MINIMAL[MINIMAL.find("[outcome]").expect("outcome")..];
    let source = format!(
        "{}stages = []\n\n{after_stages}",
        before_stages.replace("immediate_risk_entry = [2]\n", "")
    );
    assert_eq!(
        only_mistake(&source),
        at(
            55,
            10,
            "track `professional` has no stages",
            "add its stages, each in a `[[tracks.stages]]` table, numbered from 1"
        )
    );
}

#[test]
fn a_rows_field_needs_columns() {
    assert_eq!(
        only_mistake(&mutate(&[("kind = \"long-text\"", "kind = \"rows\"")])),
        at(
            41,
            8,
            "field `summary` is a table of rows, but has no columns",
            "add its columns, like `columns = [{ id = \"who\", label = \"Who\", kind = \"text\" }]`"
        )
    );
}

#[test]
fn a_choice_field_needs_options() {
    assert_eq!(
        only_mistake(&mutate(&[("options = [\"Yes\", \"No\"]\n", "")])),
        at(
            46,
            8,
            "field `head-of-service-contacted` is a choice, but has no options to choose from",
            "add the answers, like `options = [\"Yes\", \"No\"]`"
        )
    );
}

#[test]
fn a_column_inside_a_rows_field_is_checked_too() {
    let source = mutate(&[(
        "kind = \"long-text\"",
        "kind = \"rows\"\ncolumns = [{ id = \"done\", label = \"Done?\", kind = \"choice\" }]",
    )]);
    let (line, column, message, _) = only_mistake(&source);
    assert_eq!(
        (line, column, message.as_str()),
        (
            42,
            51,
            "field `done` is a choice, but has no options to choose from"
        )
    );
}

#[test]
fn three_different_mistakes_are_all_reported_in_file_order() {
    let source = mutate(&[
        ("calendar = \"england-and-wales\"", "calendar = \"wales\""),
        ("number = 3", "number = 2"),
        ("to = \"business-manager\"", "to = \"business-manger\""),
    ]);
    let found: Vec<_> = mistakes(&source)
        .into_iter()
        .map(|d| (d.line, d.column))
        .collect();
    assert_eq!(found, [(7, 12), (74, 6), (79, 10)]);
}

#[test]
fn a_diagnostic_renders_as_file_line_column_message_and_hint() {
    let found = mistakes(&mutate(&[(
        "to = \"business-manager\"",
        "to = \"business-manger\"",
    )]));
    assert_eq!(
        found[0].render("example.toml"),
        "example.toml:74:6: `business-manger` is not a role in this policy\n  hint: did you mean `business-manager`?"
    );
}

#[test]
fn every_built_in_policy_passes_the_checks() {
    let calendars = Calendars::builtin();
    for (id, source) in BUILTIN {
        if source.trim().is_empty() {
            continue;
        }
        if let Err(mistakes) = Policy::from_toml(source, &calendars) {
            let rendered: Vec<String> = mistakes.iter().map(|m| m.render(id)).collect();
            panic!(
                "built-in policy {id} fails its check:\n{}",
                rendered.join("\n")
            );
        }
    }
}

/// Reminders and breach alerts come from the policy, with defaults: one
/// working day before, to the stage leads; a breach on a stage that names
/// nobody tells the leads and the tier above; the raiser hears of the
/// resolution.
#[test]
fn alerts_default_and_can_be_set_and_their_roles_are_checked() {
    let calendars = Calendars::builtin();
    let default = Policy::from_toml(MINIMAL, &calendars).expect("the fixture is valid");
    assert_eq!(default.alerts.remind_working_days_before, 1);
    let ids = |roles: &[accord_policy::RoleRef]| {
        roles.iter().map(|r| r.id().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&default.alerts.remind_to), ["stage-leads"]);
    assert_eq!(
        ids(&default.alerts.breach_to),
        ["stage-leads", "next-tier-up"]
    );
    assert_eq!(ids(&default.alerts.resolved_to), ["raiser"]);

    let set = format!(
        "{MINIMAL}\n[alerts]\nremind_working_days_before = 2\nremind_to = [\"stage-leads\", \"partnership-team\"]\n"
    );
    let policy = Policy::from_toml(&set, &calendars).expect("alerts are valid");
    assert_eq!(policy.alerts.remind_working_days_before, 2);
    assert_eq!(
        ids(&policy.alerts.remind_to),
        ["stage-leads", "partnership-team"]
    );
    assert_eq!(
        ids(&policy.alerts.breach_to),
        ["stage-leads", "next-tier-up"]
    );

    let wrong = format!("{MINIMAL}\n[alerts]\nremind_to = [\"stage-leeds\"]\n");
    let (_, _, message, hint) = only_mistake(&wrong);
    assert_eq!(message, "`stage-leeds` is not a role in this policy");
    assert_eq!(hint, "did you mean `stage-leads`?");
}

/// DESIGN.md §2: "Where a policy names who decides, approves, convenes or
/// arbitrates, it names a role". A stage that may be decided must name it.
#[test]
fn a_decision_with_nobody_named_to_decide_is_reported() {
    let source = mutate(&[(
        "timescale = { working_days = 2 }",
        "timescale = { working_days = 2 }\nresolution = [\"agreement\", \"decision\"]",
    )]);
    assert_eq!(
        only_mistake(&source),
        at(
            71,
            14,
            "stage 2 on track `professional` may be resolved by a decision, but names nobody who decides",
            "name the role that decides in `[tracks.stages.leads]`, like `decides = [\"hscp-chair\"]`, \
             or remove \"decision\" from `resolution`"
        )
    );
}

/// PLY-7: only the panel decides, and whoever records its decision is a
/// role the policy declares.
#[test]
fn a_panel_recorder_that_is_not_a_role_is_reported() {
    let source = mutate(&[(
        "membership = \"Senior officers from three agencies on the Partnership\"\n",
        "membership = \"Senior officers from three agencies on the Partnership\"\nrecorded_by = [\"chiar\"]\n",
    )]);
    let (line, _, message, hint) = only_mistake(&source);
    assert_eq!(line, 93);
    assert_eq!(message, "`chiar` is not a role in this policy");
    assert_eq!(hint, "did you mean `chair`?");
}

/// Issue 12 §2: `each_side` (Havering §2.8's "respective agency members")
/// asks each side for the role in `with`, so without `with` it is a mistake
/// named at the key.
#[test]
fn each_side_without_a_role_is_a_mistake() {
    let source = mutate(&[(
        "timescale = { working_days = 1 }\n",
        "timescale = { working_days = 1 }\n\n[[tracks.stages.requirements]]\nrecord = \"discussion\"\neach_side = true\ndescription = \"Both sides meet.\"\nsection = \"2.1\"\n",
    )]);
    let (line, _, message, hint) = only_mistake(&source);
    assert_eq!(line, 66);
    assert_eq!(
        message,
        "stage 1 on track `professional` asks for someone from each side, but names no role in `with`"
    );
    assert!(hint.contains("like `with = \"hscp-member\"`"), "{hint}");
}

/// Issue 12 §2 and §6: a panel's `seats` and the `[alerts]` for the raise
/// and each escalation name roles that must exist, and a track may say it
/// names no child.
#[test]
fn panel_seats_and_new_alerts_name_roles_that_exist() {
    let source = mutate(&[(
        "immediate_risk_entry = [2]\n",
        "immediate_risk_entry = [2]\nneeds_subject = false\n",
    )]);
    let policy = Policy::from_toml(&source, &Calendars::builtin()).expect("valid");
    assert!(!policy.tracks[0].needs_subject);
    let mistakes = mistakes(&format!(
        "{MINIMAL}\n[alerts]\nraised_to = [\"nobody-at-all\"]\n"
    ));
    assert!(
        mistakes.iter().any(|d| d.message.contains("nobody-at-all")),
        "{mistakes:#?}"
    );
}

/// A stage that may end without agreement must name who records it (East
/// Riding Stage Five: the mediation chair), as a decision names its decider.
#[test]
fn ending_without_agreement_needs_someone_to_record_it() {
    let source = mutate(&[(
        "resolution = [\"decision\", \"panel\"]",
        "resolution = [\"decision\", \"panel\", \"without-agreement\"]",
    )]);
    assert_eq!(
        only_mistake(&source),
        at(
            86,
            14,
            "stage 3 on track `professional` may end without agreement, but names nobody who records it",
            "add a `[tracks.stages.without_agreement]` table with `recorded_by` (the role that records it, like the meeting's chair) and `section`"
        )
    );
    let source = mutate(&[(
        "final_decision = true\n",
        "final_decision = true\nwithout_agreement = { recorded_by = [\"chair\"], section = \"2.3\" }\n",
    )]);
    let (line, _, message, _) = only_mistake(&source);
    assert_eq!(line, 88);
    assert_eq!(
        message,
        "stage 3 on track `professional` says who records that it ended without agreement, but its `resolution` does not include \"without-agreement\""
    );
}

/// A direct entry's reason is a yes-or-no question on a form needed to
/// enter the stage (Isle of Man Stage Four: "the discussions raise
/// significant policy issues"), and it comes from a stage escalating one at
/// a time would pass through.
#[test]
fn a_direct_entry_is_checked_against_its_form_and_its_stages() {
    let direct = |from: &str, field: &str| {
        mutate(&[(
            "final_decision = true\n",
            &format!(
                "final_decision = true\ndirect_entry = {{ from = [{from}], form = \"referral\", yes_to = \"{field}\", section = \"2.3\" }}\n"
            ),
        )])
    };
    assert_eq!(
        only_mistake(&direct("1", "head-of-service-contacted")),
        at(
            88,
            58,
            "field `head-of-service-contacted` of form `referral` is not a yes-or-no question",
            "name a field with `kind = \"yes-no\"`, whose \"yes\" says why the stages between are passed over"
        )
    );
    let (line, _, message, hint) =
        only_mistake(&direct("2", "summary").replace("kind = \"long-text\"", "kind = \"yes-no\""));
    assert_eq!(line, 88);
    assert_eq!(
        message,
        "stage 3 on track `professional` cannot be entered directly from stage 2"
    );
    assert!(hint.contains("from 1 to 1"), "{hint}");
    let (_, _, message, _) =
        only_mistake(&direct("1", "sumary").replace("kind = \"long-text\"", "kind = \"yes-no\""));
    assert_eq!(message, "form `referral` has no field `sumary`");
}

/// What entering a stage records is for stages reached by escalation: a
/// case raised there would never have entered it (East Riding §5's interim
/// Child Protection Plan, on adjourning the conference).
#[test]
fn recording_on_entry_is_only_for_stages_reached_by_escalation() {
    let source = mutate(&[(
        "timescale = { working_days = 1 }\n",
        "timescale = { working_days = 1 }\non_entry = { child_protection_plan = true, reason = \"In the interim.\", section = \"2.1\" }\n",
    )]);
    let (line, _, message, _) = only_mistake(&source);
    assert_eq!(line, 63);
    assert_eq!(
        message,
        "stage 1 on track `professional` records something on entry, but a case can be raised there"
    );
    let source = mutate(&[(
        "forms = [{ form = \"referral\", needed = \"to-enter\", section = \"2.3\" }]\n",
        "forms = [{ form = \"referral\", needed = \"to-enter\", section = \"2.3\" }]\non_entry = { reason = \"In the interim.\", section = \"2.3\" }\n",
    )]);
    let (line, _, message, _) = only_mistake(&source);
    assert_eq!(line, 86);
    assert_eq!(
        message,
        "stage 3 on track `professional` records nothing on entry"
    );
}

/// Sutton Appendix 1: only the Safeguarding Advisor completes their
/// section, so the referrer, who submits the form first, cannot answer it:
/// a field there may wait for the stage's end, or be optional, but is never
/// required on every submission.
#[test]
fn a_field_someone_else_completes_is_not_required_on_submission() {
    let source = mutate(&[
        (
            "title = \"The disagreement\"",
            "title = \"The disagreement\"\ncompleted_by = \"business-manager\"",
        ),
        (
            "options = [\"Yes\", \"No\"]",
            "options = [\"Yes\", \"No\"]\nrequired = \"optional\"",
        ),
    ]);
    assert_eq!(
        only_mistake(&source),
        at(
            40,
            6,
            "field `summary` is in the section `business-manager` completes, so it cannot be required on every submission: the form's other parts are submitted by people who may not answer it",
            "write `required = \"before-stage-ends\"` to need it before the stage that needs the form ends, or `required = \"optional\"`"
        )
    );
}

/// Sutton Appendix 1's "Should the Head of Service be contacted? Yes No"
/// notifies on an answer: the answer must be one the field can be given,
/// and only a yes-no or choice field has such answers.
#[test]
fn a_notification_on_an_answer_names_an_answer_the_field_can_be_given() {
    let on = |answer: &str| {
        format!(
            "options = [\"Yes\", \"No\"]\non_answer = [{{ answer = \"{answer}\", to = \"business-manager\", message = \"m\", section = \"s\" }}]"
        )
    };
    let valid = mutate(&[("options = [\"Yes\", \"No\"]", &on("Yes"))]);
    assert!(Policy::from_toml(&valid, &Calendars::builtin()).is_ok());

    let (line, _, message, hint) =
        only_mistake(&mutate(&[("options = [\"Yes\", \"No\"]", &on("Yse"))]));
    assert_eq!(line, 48);
    assert_eq!(
        message,
        "`Yse` is not one of the options of field `head-of-service-contacted`"
    );
    assert_eq!(hint, "use `Yes` or `No`");

    let (line, _, message, _) = only_mistake(&mutate(&[(
        "kind = \"long-text\"",
        "kind = \"long-text\"\non_answer = [{ answer = \"yes\", to = \"business-manager\", message = \"m\", section = \"s\" }]",
    )]));
    assert_eq!(line, 42);
    assert_eq!(
        message,
        "field `summary` takes free answers, so no one answer can notify anyone"
    );

    let (_, _, message, _) = only_mistake(&mutate(&[(
        "options = [\"Yes\", \"No\"]",
        "options = [\"Yes\", \"No\"]\non_answer = [{ answer = \"Yes\", to = \"nobody-here\", message = \"m\", section = \"s\" }]",
    )]));
    assert_eq!(message, "`nobody-here` is not a role in this policy");
}

/// Sutton §7c: "If the designated lead concurs": a concurrence is given by
/// the holders of a role the policy names, and only a concurrence takes
/// `by` and `by_raising_agency`.
#[test]
fn a_concurrence_names_the_role_that_concurs() {
    let requirement = |fields: &str| {
        format!(
            "timescale = {{ working_days = 2 }}\nrequirements = [{{ {fields}, description = \"d\", section = \"2.2\" }}]"
        )
    };
    let valid = mutate(&[(
        "timescale = { working_days = 2 }",
        &requirement(
            "record = \"concurrence\", by = [\"business-manager\"], by_raising_agency = true",
        ),
    )]);
    assert!(Policy::from_toml(&valid, &Calendars::builtin()).is_ok());

    let (line, _, message, hint) = only_mistake(&mutate(&[(
        "timescale = { working_days = 2 }",
        &requirement("record = \"concurrence\""),
    )]));
    assert_eq!(line, 71);
    assert_eq!(
        message,
        "stage 2 on track `professional` requires a concurrence, but names nobody who concurs"
    );
    assert!(
        hint.starts_with("name the role whose holders concur"),
        "{hint}"
    );

    let (_, _, message, _) = only_mistake(&mutate(&[(
        "timescale = { working_days = 2 }",
        &requirement("record = \"concurrence\", by = [\"raiser\"]"),
    )]));
    assert_eq!(
        message,
        "`raiser` is a relation to the case, which nobody holds, so nobody could concur"
    );

    let (_, _, message, _) = only_mistake(&mutate(&[(
        "timescale = { working_days = 2 }",
        &requirement("record = \"discussion\", by = [\"business-manager\"]"),
    )]));
    assert!(
        message.starts_with("only a concurrence is given by someone"),
        "{message}"
    );

    let (_, _, message, _) = only_mistake(&mutate(&[(
        "timescale = { working_days = 2 }",
        &requirement("record = \"concurrence\", by = [\"nobody-here\"]"),
    )]));
    assert_eq!(message, "`nobody-here` is not a role in this policy");
}

/// Issue 13 §2: installed versions are numbered from 1, and the store
/// refuses a version 0, so the check says so first, where it is.
#[test]
fn a_version_0_is_a_mistake_at_its_line() {
    let source = mutate(&[("version = 1", "version = 0")]);
    let line = source
        .lines()
        .position(|l| l.starts_with("version = 0"))
        .unwrap()
        + 1;
    let (l, c, message, hint) = only_mistake(&source);
    assert_eq!(
        (l, message.as_str()),
        (line, "a policy's versions start at 1")
    );
    assert!(c >= 1);
    assert!(hint.contains("set `version = 1`"), "{hint}");
}
