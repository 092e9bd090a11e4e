//! What a new version of a policy changes, in words (issue 13 §2): each test
//! edits a built-in policy's TOML as a partnership would, checks it, and
//! reads the list a Business Manager sees before the new version takes
//! effect.

use std::{collections::HashMap, sync::OnceLock};

use accord_calendar::Calendars;
use accord_policy::{BUILTIN, ChangeKind, ChangePart, Policy, PolicyChange, PolicyItem, changes};
use serde_json::Value;

fn calendars() -> &'static Calendars {
    static CALENDARS: OnceLock<Calendars> = OnceLock::new();
    CALENDARS.get_or_init(Calendars::builtin)
}

fn source(id: &str) -> &'static str {
    BUILTIN
        .iter()
        .find(|(builtin, _)| *builtin == id)
        .unwrap_or_else(|| panic!("no built-in policy {id}"))
        .1
}

fn parse(source: &str) -> Policy {
    Policy::from_toml(source, calendars()).unwrap_or_else(|d| panic!("invalid policy: {d:#?}"))
}

/// The built-in's source with each `(from, to)` replacement made. Each
/// `from` must occur exactly once, so a test can never pass by changing
/// nothing.
fn edited(id: &str, edits: &[(&str, &str)]) -> String {
    let mut text = source(id).to_owned();
    for (from, to) in edits {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` must occur exactly once in {id}"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

/// The changes from the built-in `id` to the same file with `edits` made.
fn changes_after(id: &str, edits: &[(&str, &str)]) -> Vec<PolicyChange> {
    changes(&parse(source(id)), &parse(&edited(id, edits)))
}

fn sentences(list: &[PolicyChange]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

#[test]
fn every_built_in_compared_with_itself_changes_nothing() {
    for (id, text) in BUILTIN {
        assert_eq!(changes(&parse(text), &parse(text)), vec![], "{id}");
    }
}

#[test]
fn a_new_id_or_version_is_not_a_change_the_caller_shows_them() {
    let list = changes_after(
        "havering-2022",
        &[
            ("id = \"havering-2022\"", "id = \"havering-2026\""),
            ("version = 1", "version = 2"),
        ],
    );
    assert_eq!(list, vec![]);
}

#[test]
fn a_shorter_timescale_is_said_with_the_stage_name_and_both_lengths() {
    // Havering Stage One's timescale, found by the requirement after it.
    let list = changes_after(
        "havering-2022",
        &[(
            "working_days = 5\nfrom = \"raised\"\n\n[[tracks.stages.requirements]]\nrecord = \"discussion\"\ndescription = \"Record the outcome",
            "working_days = 3\nfrom = \"raised\"\n\n[[tracks.stages.requirements]]\nrecord = \"discussion\"\ndescription = \"Record the outcome",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "Stage 1 (Discuss with the other worker): timescale changes from 5 working days to 3 working days"
        ]
    );
    let change = &list[0];
    assert_eq!(change.part, ChangePart::Timescales);
    assert_eq!(change.kind, ChangeKind::Changed);
    assert_eq!(change.about, PolicyItem::Timescale);
    assert_eq!(
        change.track.as_ref().map(|t| t.as_str()),
        Some("professional")
    );
    assert_eq!(change.stage.map(|s| s.get()), Some(1));
}

#[test]
fn counting_from_the_stage_start_instead_of_the_raise_says_both_clocks() {
    let list = changes_after(
        "havering-2022",
        &[(
            "working_days = 5\nfrom = \"raised\"\n\n[[tracks.stages.requirements]]\nrecord = \"discussion\"\ndescription = \"Record the actions",
            "working_days = 5\n\n[[tracks.stages.requirements]]\nrecord = \"discussion\"\ndescription = \"Record the actions",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "Stage 2 (Escalate to line manager): timescale changes from 5 working days from when the disagreement was raised to 5 working days from the start of the stage"
        ]
    );
}

#[test]
fn a_renamed_role_is_one_change_and_names_its_id() {
    // Both roles are named elsewhere: as a decider, a panel's recorder, a
    // required record's participant and a panel seat. Those say nothing new.
    let list = changes_after(
        "havering-2022",
        &[
            ("name = \"HSCP Chair\"", "name = \"Chair of the HSCP\""),
            (
                "name = \"Agency member on the Havering Safeguarding Children Partnership (HSCP)\"",
                "name = \"HSCP member\"",
            ),
        ],
    );
    assert_eq!(
        sentences(&list),
        [
            r#"Role `hscp-member` is renamed from "Agency member on the Havering Safeguarding Children Partnership (HSCP)" to "HSCP member""#,
            r#"Role `hscp-chair` is renamed from "HSCP Chair" to "Chair of the HSCP""#,
        ]
    );
    assert_eq!(list[0].part, ChangePart::Roles);
}

#[test]
fn an_extra_notification_says_who_is_told_and_when() {
    let list = changes_after(
        "havering-2022",
        &[(
            "[tracks.stages.panel]\nmin_agencies = 3",
            "[[tracks.stages.notifications]]\non = \"entry\"\nto = \"partnership-team\"\nwhen = \"looked-after\"\nmessage = \"A case has reached the HSCP Chair.\"\nsection = \"§2.11\"\n\n[tracks.stages.panel]\nmin_agencies = 3",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "New notification: the partnership team is told when a case enters Stage 4 (Resolution by HSCP Chair), if a child is Looked After"
        ]
    );
    assert_eq!(list[0].part, ChangePart::Notifications);
    assert_eq!(list[0].kind, ChangeKind::Added);
}

#[test]
fn a_notification_to_someone_else_is_one_change_not_a_removal_and_an_addition() {
    let list = changes_after(
        "havering-2022",
        &[(
            "on = \"entry\"\nto = \"iro\"",
            "on = \"entry\"\nto = \"safeguarding-lead\"",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "Notification changed: the safeguarding lead is told when a case enters Stage 2 (Escalate to line manager), if a child is subject to a Child Protection Plan or Looked After, instead of the Independent Reviewing Officer (IRO)"
        ]
    );
}

#[test]
fn a_removed_notification_says_who_is_no_longer_told() {
    let list = changes_after(
        "havering-2022",
        &[(
            "[[tracks.stages.notifications]]\non = \"exit\"\nto = \"raiser\"\nmessage = \"The disagreement you raised has been escalated to Stage Two; the actions and decisions so far are recorded on the child's file.\"\nsection = \"§3.1\"\n",
            "",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "Notification removed: the person who raised it is no longer told when a case is escalated from Stage 1 (Discuss with the other worker)"
        ]
    );
    assert_eq!(list[0].kind, ChangeKind::Removed);
}

#[test]
fn a_new_required_record_says_what_and_before_which_move() {
    let list = changes_after(
        "havering-2022",
        &[(
            "[[tracks.stages.notifications]]\non = \"entry\"\nto = \"iro\"",
            "[[tracks.stages.requirements]]\nrecord = \"approved-discussion\"\nbefore = \"escalate\"\nwith = \"hscp-member\"\ndescription = \"Approve it.\"\nsection = \"§3.1\"\n\n[[tracks.stages.notifications]]\non = \"entry\"\nto = \"iro\"",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "Stage 2 (Escalate to line manager) now needs an approved discussion record with the Agency member on the Havering Safeguarding Children Partnership (HSCP) before escalating"
        ]
    );
    assert_eq!(list[0].part, ChangePart::Records);
}

#[test]
fn a_changed_lead_names_both_sides_roles_by_the_policy() {
    let list = changes_after(
        "havering-2022",
        &[(
            "other = [\"senior-manager\", \"health-designated-safeguarding-representative\"]",
            "other = [\"head-of-service\"]",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "Stage 3 (Escalate to senior managers): the other agency's lead changes from senior manager or Health Designated Safeguarding Representative to head of service"
        ]
    );
    assert_eq!(list[0].part, ChangePart::Leads);
}

#[test]
fn a_changed_panel_seat_says_who_may_and_may_no_longer_sit() {
    let list = changes_after(
        "havering-2022",
        &[(
            "seats = [\"hscp-member\", \"panel-member\"]",
            "seats = [\"hscp-member\", \"head-of-service\"]",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "Stage 4 (Resolution by HSCP Chair): the panel member may no longer take a seat on the Resolution Panel",
            "Stage 4 (Resolution by HSCP Chair): the head of service may now take a seat on the Resolution Panel",
        ]
    );
    assert!(list.iter().all(|c| c.part == ChangePart::Panels));
}

#[test]
fn a_removed_stage_is_removed_and_the_next_one_moves_up_without_other_noise() {
    let text = source("havering-2022");
    let three = text
        .find("[[tracks.stages]]\nnumber = 3\n")
        .expect("Stage Three");
    let four = text
        .find("[[tracks.stages]]\nnumber = 4\n")
        .expect("Stage Four");
    let without_three =
        format!("{}{}", &text[..three], &text[four..]).replacen("number = 4\n", "number = 3\n", 1);
    let list = changes(&parse(text), &parse(&without_three));
    assert_eq!(
        sentences(&list),
        [
            "Stage 3 (Escalate to senior managers) is removed",
            "Stage 4 (Resolution by HSCP Chair) becomes Stage 3",
        ]
    );
    assert_eq!(list[0].stage.map(|s| s.get()), Some(3));
    assert_eq!(list[0].kind, ChangeKind::Removed);
    assert_eq!(list[1].stage.map(|s| s.get()), Some(3));
}

#[test]
fn a_removed_form_field_and_a_new_required_one_are_said_by_label() {
    let list = changes_after(
        "isle-of-man-2023",
        &[
            (
                "[[forms.sections.fields]]\nid = \"other-agency\"\nlabel = \"The other agency in the disagreement\"\nkind = \"text\"\nrequired = \"optional\"\n",
                "[[forms.sections.fields]]\nid = \"follow-up-actions\"\nlabel = \"Agreed follow-up actions\"\nkind = \"long-text\"\n",
            ),
            (
                "{ id = \"surname\", label = \"Surname\", kind = \"text\" }",
                "{ id = \"surname\", label = \"Family name\", kind = \"text\" }",
            ),
        ],
    );
    assert_eq!(
        sentences(&list),
        [
            r#"Form "Resolving Professional Differences Escalation Referral Form" loses the field "The other agency in the disagreement""#,
            r#"Form "Resolving Professional Differences Escalation Referral Form" gains a required field "Agreed follow-up actions""#,
            r#"Form "Resolving Professional Differences Escalation Referral Form"'s table "The child(ren), young people or vulnerable adults concerned": the column `surname` is reworded from "Surname" to "Family name""#,
        ]
    );
    assert_eq!(
        list[1].about,
        PolicyItem::Form {
            form: "referral-form".parse().unwrap(),
            field: Some("follow-up-actions".parse().unwrap()),
        }
    );
}

#[test]
fn a_referral_form_due_later_and_a_narrower_direct_entry_are_said_in_the_forms_words() {
    let list = changes_after(
        "isle-of-man-2023",
        &[
            (
                "within = { working_days = 5 }",
                "within = { working_days = 10 }",
            ),
            ("from = [1, 2]", "from = [1]"),
        ],
    );
    assert_eq!(
        sentences(&list),
        [
            r#"Stage 4 (Isle of Man Safeguarding Board): form "Resolving Professional Differences Escalation Referral Form" is now due within 10 working days, instead of within 5 working days"#,
            r#"Stage 4 (Isle of Man Safeguarding Board): a case may be escalated straight here from Stage 1, when form "Resolving Professional Differences Escalation Referral Form" answers "yes" to "Do the discussions raise significant policy issues?", instead of from Stage 1 or Stage 2, when form "Resolving Professional Differences Escalation Referral Form" answers "yes" to "Do the discussions raise significant policy issues?""#,
        ]
    );
    assert_eq!(
        list.iter().map(|c| c.part).collect::<Vec<_>>(),
        [ChangePart::Forms, ChangePart::Stages]
    );
}

#[test]
fn which_decisions_are_final_is_said_by_route() {
    // Plymouth Stage Five: only the panel's decision is final.
    let list = changes_after("plymouth-2025", &[("final_routes = [\"panel\"]\n", "")]);
    assert_eq!(
        sentences(&list),
        [
            "Stage 5: which decisions are final changes from a Resolution Panel to every way it can be resolved"
        ]
    );
    assert_eq!(list[0].part, ChangePart::Decisions);
}

#[test]
fn an_answer_that_tells_someone_else_is_said_with_the_forms_question() {
    let list = changes_after(
        "sutton-2015",
        &[(
            "answer = \"yes\"\nto = \"head-of-service\"",
            "answer = \"yes\"\nto = \"senior-manager\"",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "Form `appendix-1`: answering \"yes\" to the field \"Should the Head of Service be contacted?\" now tells the senior manager instead of the head of service"
        ]
    );
    assert_eq!(list[0].part, ChangePart::Notifications);
}

#[test]
fn the_mediation_chair_no_longer_from_an_uninvolved_agency_is_a_change_of_lead() {
    let list = changes_after(
        "east-riding-2018",
        &[(
            "decides_from_uninvolved_agency = true",
            "decides_from_uninvolved_agency = false",
        )],
    );
    assert_eq!(
        sentences(&list),
        [
            "Stage 5 (resolution through mediation using an ERSCP chaired meeting) on the track \"Resolving inter-agency disagreements\": whoever decides or chairs no longer needs to come from an agency not in the disagreement"
        ]
    );
}

#[test]
fn a_concurrence_from_anyone_instead_of_the_raising_agency_names_the_role_as_written() {
    // Sutton §7c: the dissenting professional's own designated lead.
    let list = changes_after("sutton-2015", &[("by_raising_agency = true\n", "")]);
    assert_eq!(
        sentences(&list),
        [
            "Stage 2 (Raised with the agency's designated safeguarding lead) on the track \"Professional disagreement arising from a Child Protection Conference\" now needs the concurrence of the agency's designated safeguarding lead before escalating, instead of the concurrence of the agency's designated safeguarding lead from the raising agency before escalating"
        ]
    );
}

#[test]
fn a_signpost_that_now_puts_a_concern_out_of_scope_says_it_can_no_longer_be_raised() {
    let list = changes_after("sutton-2015", &[("effect = \"advice\"\n", "")]);
    assert_eq!(
        sentences(&list),
        [
            "Concerns of the kind \"Concerns about how your own organisation is protecting children from the risk of abuse\" are now outside the procedure and can no longer be raised"
        ]
    );
    assert_eq!(list[0].part, ChangePart::Areas);
}

#[test]
fn several_tracks_name_the_track_beside_the_stage() {
    // East Riding's conference-dissent track: its adjournment of at most
    // 72 hours.
    let list = changes_after("east-riding-2018", &[("hours = 72", "hours = 48")]);
    assert_eq!(
        sentences(&list),
        [
            r#"Stage 2 (Conference adjourned) on the track "Differences of opinion arising during a Child Protection Conference": timescale changes from 72 hours to 48 hours"#
        ]
    );
}

#[test]
fn notes_and_section_references_are_one_summarised_change() {
    let list = changes_after(
        "havering-2022",
        &[
            (
                "topic = \"Immediate harm\"",
                "topic = \"Immediate harm to a child\"",
            ),
            ("section = \"§2.12\"", "section = \"§2.12–2.13\""),
        ],
    );
    assert_eq!(
        sentences(&list),
        [
            "The policy's notes and section references change; they change nothing that happens to a case"
        ]
    );
    assert_eq!(list[0].about, PolicyItem::Documentation);
    assert_eq!(list[0].part, ChangePart::Other);
}

#[test]
fn a_change_prints_as_json_with_its_part_and_place() {
    let list = changes_after("havering-2022", &[("min_agencies = 3", "min_agencies = 4")]);
    let json = serde_json::to_value(&list).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!([{
            "part": "panels",
            "kind": "changed",
            "about": { "what": "panel" },
            "track": "professional",
            "stage": 4,
            "sentence": "Stage 4 (Resolution by HSCP Chair): the Resolution Panel needs at least 4 agencies instead of 3",
        }])
    );
}

/// Every value a policy holds, changed one at a time, is reported: a value
/// that only documents (a `section`, a note, the document's file name) as
/// the one summarised change, and any other as at least one change that is
/// not that summary. A field added to the schema and forgotten in
/// `changes` fails this test rather than slipping past a Business Manager.
#[test]
fn every_value_in_every_built_in_when_changed_is_reported() {
    // Each field of the schema, as a path with its list indices left out,
    // is changed in up to `TRIES` places in each built-in: enough to
    // meet it in different settings, few enough to run in seconds.
    const TRIES: usize = 3;
    let mut covered: HashMap<String, usize> = HashMap::new();
    for (id, text) in BUILTIN {
        let mut tried: HashMap<String, usize> = HashMap::new();
        let policy = parse(text);
        let mut whole = serde_json::to_value(&policy).expect("serialises");
        without_nulls(&mut whole);
        let mut leaves = Vec::new();
        paths(&whole, &mut Vec::new(), &mut leaves);
        for path in leaves {
            let at = path.join(".");
            let field = path
                .iter()
                .filter(|p| p.parse::<usize>().is_err())
                .cloned()
                .collect::<Vec<_>>()
                .join(".");
            if at == "id" || at == "version" || tried.get(&field) >= Some(&TRIES) {
                continue;
            }
            *tried.entry(field.clone()).or_default() += 1;
            let Some(changed) = mutated(&mut whole, &path) else {
                continue;
            };
            let list = changes(&policy, &changed);
            let key = path.last().map(String::as_str);
            let documentation_only =
                key == Some("section") || path[0] == "notes" || at == "document.file";
            if documentation_only {
                assert_eq!(
                    list.iter().map(|c| &c.about).collect::<Vec<_>>(),
                    [&PolicyItem::Documentation],
                    "{id}: {at}: {:#?}",
                    sentences(&list)
                );
            } else {
                assert!(
                    list.iter().any(|c| c.about != PolicyItem::Documentation),
                    "{id}: changing {at} is not reported: {:#?}",
                    sentences(&list)
                );
            }
            *covered.entry(field).or_default() += 1;
        }
    }
    // The built-ins use some 130 of the schema's fields, and about 110 of
    // them can be changed alone and still pass the check (an id, a stage's
    // number or a form a stage names cannot); a walk that could change few
    // of them would prove nothing.
    assert!(covered.len() > 100, "only {} fields checked", covered.len());
}

/// The path to every leaf of `value`: each string, number and boolean,
/// including each element of an array of them (roles, stage numbers).
fn paths(value: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                at.push(key.clone());
                paths(v, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(i.to_string());
                paths(v, at, out);
                at.pop();
            }
        }
        Value::Null => {}
        _ => out.push(at.clone()),
    }
}

/// Words an id or a kebab-case value may become: the schema's enum
/// variants and ids every partnership has, tried in turn.
const CANDIDATES: &[&str] = &[
    "manager",
    "iro",
    "yes",
    "no",
    "agreement",
    "panel",
    "exit",
    "breach",
    "resolved",
    "closed",
    "entry",
    "always",
    "looked-after",
    "child-protection-plan",
    "immediate-risk",
    "where-possible",
    "required",
    "to-leave",
    "to-enter",
    "escalate",
    "resolve",
    "leaving-stage",
    "discussion",
    "approved-discussion",
    "stage-start",
    "raised",
    "optional",
    "on-submit",
    "text",
    "long-text",
    "vulnerable-adult",
    "child",
    "advice",
    "out-of-scope",
    "scotland",
    "england-and-wales",
];

/// The policy with the value at `path` changed to a different value that
/// passes the same check an installed file does, or `None` where there is
/// none: a change no partnership could install needs no words. `whole` is
/// left as it was.
fn mutated(whole: &mut Value, path: &[String]) -> Option<Policy> {
    use serde::Deserialize;
    let original = leaf_mut(whole, path).clone();
    let tries: Vec<Value> = match &original {
        Value::Bool(b) => vec![Value::Bool(!b)],
        Value::Number(n) => {
            let n = n.as_u64()?;
            vec![Value::from(n + 1), Value::from(n.saturating_sub(1))]
        }
        // Prose gains words; an id or a kebab-case value becomes another.
        Value::String(s) if s.contains(' ') || s.chars().any(|c| c.is_uppercase()) => {
            vec![Value::from(format!("{s} changed"))]
        }
        Value::String(s) => std::iter::once(format!("{s}-changed"))
            .chain(CANDIDATES.iter().map(|c| c.to_string()))
            .map(Value::from)
            .collect(),
        _ => return None,
    };
    // A quick read first: most candidates are not even the right kind. Of
    // those that are, a few at most go through the whole check, which is
    // the slow part.
    let mut found = None;
    let mut checks = 0;
    for v in tries.into_iter().filter(|v| *v != original) {
        *leaf_mut(whole, path) = v;
        if checks == 4 {
            break;
        }
        if Policy::deserialize(&*whole).is_err() {
            continue;
        }
        checks += 1;
        let Ok(toml) = toml::to_string(&*whole) else {
            continue;
        };
        if let Ok(policy) = Policy::from_toml(&toml, calendars()) {
            found = Some(policy);
            break;
        }
    }
    *leaf_mut(whole, path) = original;
    found
}

/// TOML has no null: an absent optional key is left out.
fn without_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(without_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(without_nulls),
        _ => {}
    }
}

fn leaf_mut<'v>(value: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(value, |v, key| match v {
        Value::Array(items) => &mut items[key.parse::<usize>().expect("index")],
        _ => &mut v[key.as_str()],
    })
}

/// The whole list between two partnerships' policies, as a page would show
/// it under its headings.
#[test]
fn havering_to_plymouth_reads_as_a_list_under_headings() {
    let list = changes(
        &parse(source("havering-2022")),
        &parse(source("plymouth-2025")),
    );
    let mut parts: Vec<ChangePart> = Vec::new();
    for change in &list {
        if !parts.contains(&change.part) {
            parts.push(change.part);
        }
    }
    let mut text = String::new();
    for part in parts {
        text.push_str(&format!("## {part}\n"));
        for change in list.iter().filter(|c| c.part == part) {
            text.push_str(&format!("- {change}\n"));
        }
        text.push('\n');
    }
    insta::assert_snapshot!(text);
}
