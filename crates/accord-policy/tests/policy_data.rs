//! The built-in policies say what their documents say: one test per line of
//! `POLICY-CHECKLIST.md`, each citing its id and the document's words, plus
//! checks that every built-in loads, round-trips, and records each vague
//! passage's reading in its notes.

use std::sync::OnceLock;

use accord_calendar::{Calendars, WorkingDays};
use accord_policy::{
    BUILTIN, Before, CountFrom, Field, FieldKind, FieldRequired, Form, FormNeeded, Inclusion,
    Notification, Policy, RecordKind, Relation, ResolutionRoute, RoleRef, RoleTier, SignpostEffect,
    Stage, SubjectKind, TimescaleSpec, Track, Trigger,
};

// ---------------------------------------------------------------------------
// Helpers

/// Every built-in, loaded and checked once, as the application loads them.
fn policies() -> &'static [Policy] {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| accord_policy::builtin(calendars()))
}

fn calendars() -> &'static Calendars {
    static CALENDARS: OnceLock<Calendars> = OnceLock::new();
    CALENDARS.get_or_init(Calendars::builtin)
}

fn policy(id: &str) -> &'static Policy {
    policies()
        .iter()
        .find(|p| p.id.as_str() == id)
        .unwrap_or_else(|| panic!("no built-in policy {id}"))
}

fn sutton() -> &'static Policy {
    policy("sutton-2015")
}
fn isle_of_man() -> &'static Policy {
    policy("isle-of-man-2023")
}
fn havering() -> &'static Policy {
    policy("havering-2022")
}
fn plymouth() -> &'static Policy {
    policy("plymouth-2025")
}
fn east_riding() -> &'static Policy {
    policy("east-riding-2018")
}

fn track<'a>(p: &'a Policy, id: &str) -> &'a Track {
    p.track(&id.parse().unwrap())
        .unwrap_or_else(|| panic!("{} has no track {id}", p.id))
}

fn stage(t: &Track, n: u8) -> &Stage {
    t.stages
        .iter()
        .find(|s| s.number.get() == n)
        .unwrap_or_else(|| panic!("track {} has no stage {n}", t.id))
}

/// Stage `n` of the policy's first (default) track.
fn default_stage(p: &Policy, n: u8) -> &Stage {
    stage(p.default_track(), n)
}

fn ids(refs: &[RoleRef]) -> Vec<&str> {
    refs.iter().map(RoleRef::id).collect()
}

fn notification<'a>(s: &'a Stage, on: Trigger, to: &str) -> &'a Notification {
    s.notifications
        .iter()
        .find(|n| n.on == on && n.to.id() == to)
        .unwrap_or_else(|| panic!("stage {} has no {on:?} notification to {to}", s.name))
}

fn form<'a>(p: &'a Policy, id: &str) -> &'a Form {
    p.form(&id.parse().unwrap())
        .unwrap_or_else(|| panic!("{} has no form {id}", p.id))
}

fn fields(f: &Form) -> impl Iterator<Item = &Field> {
    f.sections.iter().flat_map(|s| s.fields.iter())
}

fn field<'a>(f: &'a Form, id: &str) -> &'a Field {
    fields(f)
        .find(|x| x.id.as_str() == id)
        .unwrap_or_else(|| panic!("form {} has no field {id}", f.id))
}

fn column_ids(f: &Field) -> Vec<&str> {
    f.columns.iter().map(|c| c.id.as_str()).collect()
}

fn working_days(n: u32) -> TimescaleSpec {
    TimescaleSpec::WorkingDays(WorkingDays::new(n).unwrap())
}

fn role_name<'a>(p: &'a Policy, id: &str) -> &'a str {
    &p.role(&id.parse().unwrap())
        .unwrap_or_else(|| panic!("{} declares no role {id}", p.id))
        .name
}

fn area_ids(p: &Policy) -> Vec<&str> {
    p.areas.iter().map(|a| a.id.as_str()).collect()
}

fn area_labels(p: &Policy) -> Vec<&str> {
    p.areas.iter().map(|a| a.label.as_str()).collect()
}

fn mentions(haystack: &[String], needle: &str) -> bool {
    haystack
        .iter()
        .any(|s| s.to_lowercase().contains(&needle.to_lowercase()))
}

fn note_for<'a>(p: &'a Policy, id: &str) -> &'a accord_policy::Note {
    p.notes
        .iter()
        .find(|n| n.checklist.iter().any(|c| c == id))
        .unwrap_or_else(|| panic!("{} has no note citing {id}", p.id))
}

fn reading_for<'a>(p: &'a Policy, id: &str) -> &'a accord_policy::Note {
    p.notes
        .iter()
        .find(|n| n.reading && n.checklist.iter().any(|c| c == id))
        .unwrap_or_else(|| panic!("{} has no reading note citing {id}", p.id))
}

// ---------------------------------------------------------------------------
// Every built-in

/// Each document in `policy-documents/` ships as one built-in with its
/// fixed id, and each file's `id` is the id it is listed under.
#[test]
fn every_builtin_loads_under_its_fixed_id() {
    let listed: Vec<&str> = BUILTIN.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        listed,
        [
            "east-riding-2018",
            "havering-2022",
            "isle-of-man-2023",
            "plymouth-2025",
            "sutton-2015"
        ]
    );
    for ((id, _), p) in BUILTIN.iter().zip(policies()) {
        assert_eq!(p.id.as_str(), *id);
        assert!(p.version >= 1, "{id}: versions start at 1");
        assert!(!p.tracks.is_empty(), "{id}: no tracks");
    }
    let files: Vec<&str> = policies()
        .iter()
        .map(|p| p.document.file.as_str())
        .collect();
    assert_eq!(
        files,
        [
            "east-riding-erscp-2018.txt",
            "havering-hscp-2022.txt",
            "isle-of-man-2023.txt",
            "plymouth-pscb-2025.txt",
            "sutton-lscb-2015.txt"
        ]
    );
}

/// Writing a built-in back out as TOML and reading it again loses nothing,
/// so `accord policy` can export a built-in for a partnership to edit.
#[test]
fn every_builtin_round_trips_through_toml() {
    for p in policies() {
        let written = toml::to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        let reread = Policy::from_toml(&written, calendars())
            .unwrap_or_else(|d| panic!("{} no longer checks after a round trip: {d:?}", p.id));
        assert_eq!(
            serde_json::to_value(p).unwrap(),
            serde_json::to_value(&reread).unwrap(),
            "{} changed on a round trip",
            p.id
        );
    }
}

/// Every *(reading)* line of the checklist, the Isle of Man's unprinted
/// referral form and timed attempts, Sutton's entry stages and Plymouth's
/// final panel have a note marked `reading`; every reading note says how to
/// change it.
#[test]
fn every_reading_is_recorded_in_notes_with_how_to_change_it() {
    for (policy_id, line) in [
        ("sutton-2015", "SUT-12"),
        ("sutton-2015", "SUT-4"),
        ("sutton-2015", "SUT-5"),
        ("sutton-2015", "SUT-7"),
        ("sutton-2015", "SUT-11"),
        ("havering-2022", "HAV-2"),
        ("east-riding-2018", "ER-3"),
        ("east-riding-2018", "ER-10"),
        ("east-riding-2018", "ER-12"),
        ("isle-of-man-2023", "IOM-4"),
        ("isle-of-man-2023", "IOM-5"),
        ("isle-of-man-2023", "IOM-6"),
        ("isle-of-man-2023", "IOM-9"),
        ("plymouth-2025", "PLY-7"),
    ] {
        reading_for(policy(policy_id), line);
    }
    for p in policies() {
        for note in p.notes.iter().filter(|n| n.reading) {
            assert!(
                note.text.contains("edit") || note.text.contains("To change"),
                "{} \"{}\": the note must say how to change the reading",
                p.id,
                note.topic
            );
        }
    }
}

/// DESIGN.md §3: "A breach notifies the case's leads and the next tier up.
/// East Riding: 'involving managers at the next level'" (ER-4, §3). Every
/// stage with a deadline — its own, a `to-leave` form's `within`, or the
/// `within` of a form the next stage needs to be entered, which runs from
/// this stage's end (Isle of Man Stage Three, for Stage Four's referral
/// form) — has a breach notification to `stage-leads` and one to
/// `next-tier-up`, each saying what its reader must do; a stage with no
/// deadline has none.
#[test]
fn every_timed_stage_breach_tells_the_leads_and_the_next_tier_up() {
    for p in policies() {
        for t in &p.tracks {
            for s in &t.stages {
                let breaches: Vec<&Notification> = s
                    .notifications
                    .iter()
                    .filter(|n| n.on == Trigger::Breach)
                    .collect();
                let own_form = s
                    .forms
                    .iter()
                    .any(|f| f.needed == FormNeeded::ToLeave && f.within.is_some());
                let entry_form = t.next_stage(s.number).is_some_and(|next| {
                    next.forms
                        .iter()
                        .any(|f| f.needed == FormNeeded::ToEnter && f.within.is_some())
                });
                let form_deadline = own_form || entry_form;
                if s.timescale.length == TimescaleSpec::None && !form_deadline {
                    assert!(breaches.is_empty(), "{} {} {}", p.id, t.id, s.number);
                    continue;
                }
                for to in ["stage-leads", "next-tier-up"] {
                    let n = notification(s, Trigger::Breach, to);
                    assert!(
                        n.message.contains(": "),
                        "{} {} stage {} to {to}: say what has happened, then what to do",
                        p.id,
                        t.id,
                        s.number
                    );
                }
            }
        }
    }
}

/// Notes cite only lines of their own document's part of the checklist, and
/// only lines that exist.
#[test]
fn notes_cite_only_their_own_documents_checklist_lines() {
    for (policy_id, prefix, last) in [
        ("sutton-2015", "SUT-", 12),
        ("isle-of-man-2023", "IOM-", 10),
        ("havering-2022", "HAV-", 8),
        ("plymouth-2025", "PLY-", 9),
        ("east-riding-2018", "ER-", 13),
    ] {
        for note in &policy(policy_id).notes {
            assert!(!note.text.trim().is_empty(), "{policy_id}: empty note");
            for id in &note.checklist {
                let n: u32 = id
                    .strip_prefix(prefix)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{policy_id}: `{id}` is not a {prefix} line"));
                assert!((1..=last).contains(&n), "{policy_id}: no line {id}");
            }
        }
    }
}

/// Every role a policy declares is used, and every declared role it uses,
/// and every form it names, exists: a misspelt id is a test failure here
/// even before `accord policy check` reports it.
#[test]
fn every_declared_role_and_form_is_used_and_every_used_one_is_declared() {
    for p in policies() {
        let mut used_roles: Vec<&RoleRef> = Vec::new();
        let mut used_forms: Vec<&str> = Vec::new();
        used_roles.extend(p.immediate_risk.notify.iter());
        used_roles.extend(p.outcome.feedback_to.iter());
        used_roles.extend(p.areas.iter().filter_map(|a| a.routes_to.as_ref()));
        for f in &p.forms {
            used_roles.extend(f.send_to.iter());
            used_roles.extend(f.returned_to.iter());
            used_roles.extend(f.sections.iter().filter_map(|s| s.completed_by.as_ref()));
            used_roles.extend(
                f.sections
                    .iter()
                    .flat_map(|s| &s.fields)
                    .flat_map(|field| field.on_answer.iter().map(|on| &on.to)),
            );
        }
        for t in &p.tracks {
            for s in &t.stages {
                used_roles.extend(s.leads.raising.iter());
                used_roles.extend(s.leads.other.iter());
                used_roles.extend(s.leads.decides.iter());
                used_roles.extend(s.leads.chairs.iter());
                used_roles.extend(s.requirements.iter().filter_map(|r| r.with.as_ref()));
                used_roles.extend(s.requirements.iter().flat_map(|r| &r.by));
                if let Some(panel) = &s.panel {
                    used_roles.extend(panel.seats.iter());
                    used_roles.extend(panel.recorded_by.iter());
                }
                for n in &s.notifications {
                    used_roles.push(&n.to);
                    used_forms.extend(n.attach.iter().map(|f| f.as_str()));
                }
                used_forms.extend(s.forms.iter().map(|f| f.form.as_str()));
            }
        }
        for r in &used_roles {
            if let RoleRef::Declared(id) = r {
                assert!(p.role(id).is_some(), "{}: role {id} is not declared", p.id);
            }
        }
        for role in &p.roles {
            assert!(
                used_roles.iter().any(|r| r.id() == role.id.as_str()),
                "{}: role {} is declared but never used",
                p.id,
                role.id
            );
        }
        for f in &used_forms {
            assert!(
                p.form(&f.parse().unwrap()).is_some(),
                "{}: no form {f}",
                p.id
            );
        }
        for f in &p.forms {
            assert!(
                used_forms.contains(&f.id.as_str()),
                "{}: form {} is never used",
                p.id,
                f.id
            );
        }
    }
}

/// Every stage says who leads the raising side, is numbered in order, and
/// cites the section it comes from.
#[test]
fn every_stage_has_a_raising_lead_an_order_and_a_section() {
    for p in policies() {
        for t in &p.tracks {
            for (i, s) in t.stages.iter().enumerate() {
                assert_eq!(usize::from(s.number.get()), i + 1, "{} {}", p.id, t.id);
                assert!(!s.leads.raising.is_empty(), "{} {} {}", p.id, t.id, s.name);
                assert!(!s.section.trim().is_empty(), "{} {} {}", p.id, t.id, s.name);
                for n in &s.notifications {
                    assert!(!n.section.trim().is_empty() && !n.message.trim().is_empty());
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Sutton LSCB, 2015

/// SUT-1: "a process that is set out in two parts. The first part relates to
/// strategic escalations ... the second part is a resolution process for
/// differences in professional judgments" (§2), with its own route for a
/// Child Protection Conference (§7c).
#[test]
fn sutton_has_strategic_professional_and_conference_tracks() {
    let p = sutton();
    let tracks: Vec<(&str, &str)> = p
        .tracks
        .iter()
        .map(|t| (t.id.as_str(), t.section.as_str()))
        .collect();
    assert_eq!(
        tracks,
        [
            ("professional", "§7"),
            ("strategic", "§6"),
            ("conference-dissent", "§7c")
        ]
    );
    assert_eq!(p.default_track().id.as_str(), "professional");
}

/// SUT-2: "concerns would organise themselves into the specific areas of LSCB
/// business: learning and development, policy and practice, quality
/// assurance, case review and CDOP ..., HR matters and Multi-Agency Child
/// Sexual Exploitation (CSE). Each Chair is responsible for seeking a
/// resolution ... and if not resolved refer matters directly to the
/// Independent LSCB Chair" (§6).
#[test]
fn sutton_strategic_issue_goes_to_its_areas_subgroup_chair_then_the_independent_chair() {
    let p = sutton();
    let strategic = "strategic".parse().unwrap();
    let areas: Vec<_> = p.areas_for(&strategic).collect();
    let expected = [
        ("learning-and-development", "learning and development"),
        ("policy-and-practice", "policy and practice"),
        ("quality-assurance", "quality assurance"),
        ("case-review-and-cdop", "case review and cdop"),
        ("hr-matters", "hr matters"),
        ("multi-agency-cse", "multi-agency child sexual exploitation"),
    ];
    assert_eq!(areas.len(), expected.len());
    let mut chairs = Vec::new();
    for (area, (id, words)) in areas.iter().zip(expected) {
        assert_eq!(area.id.as_str(), id);
        assert_eq!(
            area.tracks,
            std::slice::from_ref(&strategic),
            "{id} is a strategic area only"
        );
        let route = area
            .routes_to
            .as_ref()
            .expect("each area routes to a chair");
        let name = role_name(p, route.id()).to_lowercase();
        assert!(
            name.contains("chair") && name.contains(words),
            "{id} routes to {name}"
        );
        assert_eq!(
            p.role(&route.id().parse().unwrap()).unwrap().tier.id(),
            "chair"
        );
        chairs.push(route.id());
    }
    chairs.sort_unstable();
    chairs.dedup();
    assert_eq!(chairs.len(), 6, "each area has its own subgroup chair");

    let t = track(p, "strategic");
    assert_eq!(t.stages.len(), 2);
    let subgroup = stage(t, 1);
    assert_eq!(ids(&subgroup.leads.decides), ["area-route"]);
    notification(subgroup, Trigger::Entry, "area-route");
    let chair = stage(t, 2);
    assert_eq!(ids(&chair.leads.decides), ["independent-lscb-chair"]);
    assert_eq!(ids(&chair.leads.raising), ["area-route"]);
    assert!(mentions(&chair.may, "Chief Executive of the Council"));
    assert!(mentions(&chair.may, "political leadership"));
    assert!(chair.resolution.contains(&ResolutionRoute::Decision));
}

/// SUT-3: "Recognition that there is a disagreement ... through a decision at
/// management and/or safeguarding lead level; A formal resolution process
/// (completion of a referral form, in Appendix 1) which involves defining the
/// problem ..., agree the outcome to be achieved and the timescale; Taking
/// new learning forward through changes to policies, procedures, systems or
/// practices" (§5).
#[test]
fn sutton_formal_resolution_is_recognised_by_managers_defined_on_the_form_and_learned_from() {
    let p = sutton();
    let recognition = default_stage(p, 1);
    let raising = ids(&recognition.leads.raising);
    assert!(raising.contains(&"manager") && raising.contains(&"safeguarding-lead"));

    let formal = default_stage(p, 2);
    let needs = &formal.forms[0];
    assert_eq!(
        (needs.form.as_str(), needs.needed),
        ("appendix-1", FormNeeded::ToEnter)
    );
    let f = form(p, "appendix-1");
    for id in ["the-problem", "outcome-to-be-achieved", "timescale"] {
        assert_eq!(field(f, id).required, FieldRequired::OnSubmit, "{id}");
    }

    let themes: Vec<&str> = p.learning.themes.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(themes, ["policies", "procedures", "systems", "practices"]);
    note_for(p, "SUT-3");
}

/// SUT-4: "The referrer and their Manager and/or the Safeguarding Lead
/// re-visit the referral ... attempt to resolve difference through discussion
/// or by arranging a professionals meeting. Consideration should be given to
/// inviting a facilitator, who is independent of the cases" (§7a).
#[test]
fn sutton_referral_is_revisited_then_discussed_possibly_with_an_independent_facilitator() {
    let s = default_stage(sutton(), 1);
    assert_eq!(s.section, "§7a");
    assert_eq!(
        ids(&s.leads.raising),
        ["practitioner", "manager", "safeguarding-lead"]
    );
    assert_eq!(ids(&s.leads.other), ["practitioner"]);
    assert!(mentions(&s.may, "professionals meeting"));
    assert!(mentions(&s.may, "facilitator who is independent"));
    assert!(s.summary.contains("re-visit the referral"));
    // §7c: "If there is dissent regarding the implementation of a child
    // protection plan, it is the responsibility of professionals in each
    // agency to call a meeting to address the issues and/or use the
    // escalation process".
    assert!(mentions(
        &s.may,
        "professionals in each agency call a meeting to address the issues and/or use the escalation process"
    ));
    let p = sutton();
    let t = p.default_track();
    for area in [
        "point-of-referral",
        "child-protection-plan-implementation",
        "quality-assurance-findings",
        "professional-conduct",
    ] {
        assert_eq!(
            p.entry_stage(t, &area.parse().unwrap()).number.get(),
            1,
            "{area}"
        );
    }
    assert!(
        reading_for(p, "SUT-4")
            .text
            .contains("re-visit the referral")
    );
}

/// SUT-5: "a children's social care team manager to liaise with the first
/// line manager equivalent ... advice from their agency's named/designated
/// child protection adviser. If agreement cannot be reached ... within the
/// stipulated timescale ..., the issue must be referred without delay through
/// the line management to a senior manager. In the health service, input may
/// be sought directly from the designated nurse or doctor" (§7b).
#[test]
fn sutton_team_manager_and_first_line_manager_then_senior_manager_without_delay() {
    let p = sutton();
    let managers = default_stage(p, 2);
    assert_eq!(managers.section, "§7b");
    for side in [&managers.leads.raising, &managers.leads.other] {
        assert_eq!(
            ids(side),
            [
                "csc-team-manager",
                "first-line-manager",
                "designated-nurse-or-doctor"
            ]
        );
    }
    assert!(role_name(p, "csc-team-manager").contains("team manager"));
    assert!(role_name(p, "first-line-manager").contains("First line manager"));
    assert!(role_name(p, "designated-nurse-or-doctor").contains("health"));
    assert!(mentions(
        &managers.may,
        "named/designated child protection adviser"
    ));
    assert!(mentions(&managers.may, "designated nurse or doctor"));
    let breach = notification(managers, Trigger::Breach, "next-tier-up");
    assert!(breach.message.contains("without delay"));
    let leads = notification(managers, Trigger::Breach, "stage-leads");
    assert!(leads.message.contains("refer the issue now, without delay"));

    // "Most day to day inter-agency differences of opinion will require a
    // children's social care team manager to liaise with the first line
    // manager": a §7b disagreement starts here, not at §7a's re-visit of the
    // referral.
    let area = p
        .areas
        .iter()
        .find(|a| a.id.as_str() == "assessment-and-care-planning")
        .unwrap();
    assert_eq!(area.entry_stage.map(|n| n.get()), Some(2));
    assert_eq!(
        p.entry_stage(p.default_track(), &area.id).number,
        managers.number
    );
    let note = reading_for(p, "SUT-5");
    assert!(note.text.contains("entry_stage = 2"));
    assert!(
        note.text
            .contains("Most day to day inter-agency differences")
    );

    let senior = default_stage(p, 3);
    assert_eq!(ids(&senior.leads.raising), ["senior-manager"]);
    assert_eq!(ids(&senior.leads.other), ["senior-manager"]);
}

/// SUT-6: "must contemporaneously record each intra and multi-agency
/// discussion ... The records must be formally approved, with the date
/// entered on the record, and a copy should be placed on the child's file"
/// (§7b).
#[test]
fn sutton_discussion_records_are_approved_with_their_date_and_copied_to_the_childs_file() {
    for n in [2, 3] {
        let s = default_stage(sutton(), n);
        let r = s
            .requirements
            .iter()
            .find(|r| r.record == RecordKind::ApprovedDiscussion)
            .unwrap_or_else(|| panic!("stage {n} needs approved discussion records"));
        assert_eq!(r.section, "§7b");
        assert_eq!(r.before, Before::LeavingStage);
        assert!(r.description.contains("date") && r.description.contains("child's file"));
    }
}

/// SUT-7: "a decision will be made with a note of the dissenting views ...
/// formally raised with the agency's designated safeguarding lead. If the
/// designated lead concurs ..., the Children's social care safeguarding
/// manager should be informed in writing. The safeguarding manager must
/// determine whether to uphold the decision ... or ... bring the review
/// conference forward. If ... fail to satisfy the concerned professional, ...
/// the agency's representative on the LSCB ... the Independent LSCB Chair"
/// (§7c).
#[test]
fn sutton_conference_dissent_follows_its_five_steps_in_order() {
    let p = sutton();
    let t = track(p, "conference-dissent");
    assert_eq!(t.stages.len(), 5);
    assert!(t.stages.iter().all(|s| s.section == "§7c"));

    let chair = stage(t, 1);
    assert_eq!(ids(&chair.leads.decides), ["conference-chair"]);
    assert!(
        chair.requirements[0]
            .description
            .contains("dissenting views")
    );

    let dsl = stage(t, 2);
    assert!(ids(&dsl.leads.raising).contains(&"safeguarding-lead"));
    assert!(
        dsl.leads.other.is_empty(),
        "raised within the professional's own agency"
    );

    let informed = stage(t, 3);
    let written = notification(informed, Trigger::Entry, "csc-safeguarding-manager");
    assert!(written.message.contains("in writing"));

    let manager = stage(t, 4);
    assert_eq!(ids(&manager.leads.decides), ["csc-safeguarding-manager"]);
    assert!(mentions(
        &manager.may,
        "bring the review conference forward"
    ));

    let independent = stage(t, 5);
    assert_eq!(ids(&independent.leads.raising), ["lscb-member"]);
    assert_eq!(ids(&independent.leads.decides), ["independent-lscb-chair"]);
    assert!(role_name(p, "lscb-member").contains("representative on the LSCB"));
}

/// SUT-8: "the matter must be referred to the heads of service ... Any verbal
/// report should be followed up in writing ... discussed with the LSCB member
/// for the organisation and then be referred to the Independent LSCB Chair
/// ... must include a written account of the dispute, what attempts have been
/// made ..., an assessment of risk ... and what resolution is sought. A
/// written response will be provided to confirm the decision by the Chair,
/// which is the final stage of the process" (§7d).
#[test]
fn sutton_unresolved_dispute_climbs_to_the_independent_chair_whose_written_response_is_final() {
    let p = sutton();
    let t = p.default_track();
    assert_eq!(t.stages.len(), 6);

    let heads = stage(t, 4);
    assert_eq!(ids(&heads.leads.raising), ["head-of-service"]);
    assert_eq!(ids(&heads.leads.other), ["head-of-service"]);
    // "Any verbal report should be followed up in writing": only where a
    // report was verbal, so the written follow-up never blocks Stage 4. It
    // goes to the heads of service when submitted, and on to the LSCB
    // member as the dispute leaves Stage 4.
    assert!(heads.forms.is_empty());
    let follow_up = form(p, "written-report-to-heads-of-service");
    field(follow_up, "nature-of-dispute");
    field(follow_up, "attempts-made");
    assert_eq!(ids(&follow_up.send_to), ["stage-leads"]);
    let onward = notification(heads, Trigger::Exit, "lscb-member");
    assert_eq!(
        onward.attach.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        ["written-report-to-heads-of-service"]
    );
    assert!(
        note_for(p, "SUT-10")
            .text
            .contains("not required to leave it")
    );

    // "the matter should be discussed with the LSCB member for the
    // organisation and then be referred to the Independent LSCB Chair": a
    // breach here tells the members to refer it, with what the referral
    // must include.
    let member = stage(t, 5);
    assert_eq!(ids(&member.leads.raising), ["lscb-member"]);
    assert_eq!(member.section, "§7d");
    assert_eq!(member.timescale.length, working_days(5));
    let refer = notification(member, Trigger::Breach, "stage-leads");
    assert!(refer.message.contains("Independent LSCB Chair"));
    assert!(refer.message.contains("assessment of risk"));
    assert_eq!(refer.section, "§7d");
    assert_eq!(
        notification(member, Trigger::Breach, "next-tier-up").section,
        "§7d"
    );

    let chair = stage(t, 6);
    assert_eq!(ids(&chair.leads.decides), ["independent-lscb-chair"]);
    assert_eq!(chair.resolution, [ResolutionRoute::Decision]);
    assert!(chair.final_decision);
    assert!(!t.stages[..5].iter().any(|s| s.final_decision));
    let entry = &chair.forms[0];
    assert_eq!(
        (entry.form.as_str(), entry.needed),
        ("referral-to-independent-chair", FormNeeded::ToEnter)
    );
    let referral = form(p, "referral-to-independent-chair");
    for id in [
        "written-account",
        "attempts-made",
        "risk-assessment",
        "resolution-sought",
    ] {
        assert_eq!(
            field(referral, id).required,
            FieldRequired::OnSubmit,
            "{id}"
        );
    }
    let response = referral
        .sections
        .iter()
        .find(|s| s.title == "Written response")
        .unwrap();
    assert_eq!(
        response.completed_by.as_ref().unwrap().id(),
        "independent-lscb-chair"
    );
    assert_eq!(ids(&referral.send_to), ["independent-lscb-chair"]);
    notification(chair, Trigger::Resolved, "raiser");
}

/// SUT-9: "any issues for learning and improvement should be identified and
/// considered by the relevant LSCB sub-group ... consideration should be
/// given to seeking expert advice ... It may also be useful for individuals
/// to be debriefed" (§7e).
#[test]
fn sutton_learning_goes_to_the_relevant_subgroup_with_expert_advice_and_a_debrief() {
    let l = &sutton().learning;
    // "the relevant LSCB sub-group": one of the six §6 names, each held by
    // its chair.
    let groups: Vec<(&str, Option<String>)> = l
        .forward_to
        .iter()
        .map(|g| (g.id.as_str(), g.role.as_ref().map(|r| r.id().to_owned())))
        .collect();
    assert_eq!(
        groups,
        [
            "learning-and-development",
            "policy-and-practice",
            "quality-assurance",
            "case-review-and-cdop",
            "hr-matters",
            "multi-agency-cse",
        ]
        .map(|g| (g, Some(format!("{g}-subgroup-chair"))))
    );
    assert!(l.forward_to.iter().all(|g| g.label.contains("(§7e)")));
    assert!(mentions(&l.may, "expert advice"));
    assert!(mentions(&l.may, "debrief"));
    assert!(l.section.contains("§7e"));
}

/// SUT-10: "A clear and accurate record should be kept at all stages, by all
/// parties, which includes written confirmation between the parties about an
/// agreed outcome ... and how any outstanding issues will be pursued" (§7f).
#[test]
fn sutton_parties_keep_records_at_every_stage_and_confirm_the_outcome_in_writing() {
    let p = sutton();
    assert!(p.outcome.written_confirmation);
    assert_eq!(p.outcome.section, "§7f");
    // Every stage reached by discussion requires a record; the Chair's
    // stage is recorded on the referral form's written response.
    for s in &p.default_track().stages[..5] {
        assert!(
            !s.requirements.is_empty(),
            "stage {} keeps no record",
            s.number
        );
    }
    note_for(p, "SUT-10");
}

/// SUT-11: "Should the Head of Service be contacted? Yes No ... Who will do
/// what? What will be undertaken? By when? ... Outcome achieved following
/// completion of actions ... Name of Referrer ... Department ... Sign ...
/// Date ... Safeguarding Advisor: ... Sign ... Date" (Appendix 1).
#[test]
fn sutton_appendix_1_form_carries_every_printed_field() {
    let p = sutton();
    let f = form(p, "appendix-1");
    assert_eq!(f.section, "Appendix 1");
    let hos = field(f, "head-of-service-contacted");
    assert_eq!(
        (hos.label.as_str(), hos.kind),
        ("Should the Head of Service be contacted?", FieldKind::YesNo)
    );
    let actions = field(f, "actions");
    assert_eq!(actions.kind, FieldKind::Rows);
    assert_eq!(column_ids(actions), ["who", "what", "by-when"]);
    let labels: Vec<&str> = actions.columns.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        ["Who will do what?", "What will be undertaken?", "By when?"]
    );
    assert_eq!(actions.columns[2].kind, FieldKind::Date);
    // "Outcome achieved following completion of actions": known only when
    // the actions are done, so it never holds up an escalation that "must
    // be referred without delay" (§7b).
    let outcome = field(f, "outcome-achieved");
    assert_eq!(outcome.kind, FieldKind::LongText);
    assert_eq!(outcome.required, FieldRequired::Optional);
    assert!(
        note_for(p, "SUT-11")
            .text
            .contains("must be referred without delay")
    );
    assert_eq!(field(f, "name-of-referrer").kind, FieldKind::Text);
    assert_eq!(field(f, "department").kind, FieldKind::Text);
    assert_eq!(field(f, "referrer-signature").kind, FieldKind::Signature);
    assert_eq!(field(f, "referrer-date").kind, FieldKind::Date);
    let advisor = f
        .sections
        .iter()
        .find(|s| s.title == "Safeguarding Advisor")
        .unwrap();
    let advisor_fields: Vec<(&str, FieldKind)> = advisor
        .fields
        .iter()
        .map(|x| (x.id.as_str(), x.kind))
        .collect();
    assert_eq!(
        advisor_fields,
        [
            ("safeguarding-advisor-name", FieldKind::Text),
            ("safeguarding-advisor-signature", FieldKind::Signature),
            ("safeguarding-advisor-date", FieldKind::Date)
        ]
    );
    assert_eq!(advisor.fields[0].label, "Safeguarding Advisor:");
    assert_eq!(
        advisor.completed_by.as_ref().unwrap().id(),
        "safeguarding-advisor"
    );
}

/// SUT-12 (reading): "If professionals are unable to resolve differences
/// within the given timescale (see flowchart)" (§7) — and the flowchart is
/// missing.
#[test]
fn sutton_missing_flowchart_timescales_are_a_recorded_local_reading() {
    let p = sutton();
    for s in &p.default_track().stages[..5] {
        assert_eq!(s.timescale.length, working_days(5), "stage {}", s.number);
        assert_eq!(s.timescale.from, CountFrom::StageStart);
    }
    assert_eq!(default_stage(p, 6).timescale.length, TimescaleSpec::None);
    for t in ["strategic", "conference-dissent"] {
        assert!(
            track(p, t)
                .stages
                .iter()
                .all(|s| s.timescale.length == TimescaleSpec::None)
        );
    }
    let note = reading_for(p, "SUT-12");
    assert!(note.text.contains("flowchart") && note.text.contains("working_days"));
    // §5: the referral form agrees "the timescale given the specific
    // circumstances of each case"; Accord keeps it as an extension with a
    // reason. "within one working week" is not this document's wording.
    assert!(
        note.text
            .contains("the timescale given the specific circumstances of each case")
    );
    assert!(note.text.contains("extension"));
    assert!(!note.text.contains("within one working week"));
    field(form(p, "appendix-1"), "timescale");
}

/// §1: "The Government also recently set out an expectation that all
/// organisations should have internal whistle blowing policies in place".
/// The document puts nothing out of scope; signposting whistleblowing is a
/// reading (DESIGN.md §5), recorded as one.
#[test]
fn sutton_whistleblowing_signpost_is_a_recorded_reading() {
    let p = sutton();
    let signpost = p
        .out_of_scope
        .iter()
        .find(|s| s.id.as_str() == "whistleblowing")
        .unwrap();
    assert_eq!(signpost.section, "§1");
    let note = p
        .notes
        .iter()
        .find(|n| n.topic == "Whistleblowing")
        .unwrap();
    assert!(note.reading);
    assert!(note.text.contains("internal whistle blowing policies"));
    // Advice, never a refusal: the document excludes nothing.
    assert_eq!(signpost.effect, SignpostEffect::Advice);
    assert!(
        p.out_of_scope
            .iter()
            .all(|s| s.effect == SignpostEffect::Advice)
    );
}

/// SUT-11: Appendix 1's answers have effects and wait until they can be
/// known. The Safeguarding Advisor's section is theirs, needed before
/// Stage 2 ends; "Should the Head of Service be contacted?" Yes tells the
/// heads of service; the actions, agreed at Stage 2, are not required to
/// enter it. SUT-3: the timescale agreed on the form may be set for the
/// case at Stages 2 to 5. SUT-7: the designated lead's concurrence is
/// required before the conference dissent goes to Stage 3.
#[test]
fn sutton_appendix_1_answers_and_the_designated_leads_concurrence_are_policy_data() {
    let p = sutton();
    let f = form(p, "appendix-1");
    let advisor = f
        .sections
        .iter()
        .find(|s| {
            s.completed_by
                .as_ref()
                .is_some_and(|r| r.id() == "safeguarding-advisor")
        })
        .unwrap();
    for x in &advisor.fields {
        assert_eq!(x.required, FieldRequired::BeforeStageEnds, "{}", x.id);
    }
    assert_eq!(field(f, "actions").required, FieldRequired::Optional);
    let contacted = field(f, "head-of-service-contacted");
    assert_eq!(contacted.on_answer.len(), 1);
    assert_eq!(contacted.on_answer[0].answer, "yes");
    assert_eq!(contacted.on_answer[0].to.id(), "head-of-service");
    assert_eq!(contacted.on_answer[0].section, "Appendix 1");

    let professional = p.default_track();
    let agreed: Vec<u8> = professional
        .stages
        .iter()
        .filter(|s| s.agreed_timescale.is_some())
        .map(|s| s.number.get())
        .collect();
    assert_eq!(agreed, [2, 3, 4, 5]);
    assert!(
        professional
            .stages
            .iter()
            .filter_map(|s| s.agreed_timescale.as_ref())
            .all(|a| a.section == "§5")
    );

    let dissent = p.track(&"conference-dissent".parse().unwrap()).unwrap();
    let concurrence: Vec<(u8, &accord_policy::Requirement)> = dissent
        .stages
        .iter()
        .flat_map(|s| s.requirements.iter().map(move |r| (s.number.get(), r)))
        .filter(|(_, r)| r.record == RecordKind::Concurrence)
        .collect();
    assert_eq!(concurrence.len(), 1);
    let (at, req) = concurrence[0];
    assert_eq!(at, 2);
    assert_eq!(ids(&req.by), ["designated-safeguarding-lead"]);
    assert!(req.by_raising_agency);
    assert_eq!(req.before, Before::Escalate);
    assert_eq!(req.section, "§7c");
    assert_eq!(
        p.role(&"designated-safeguarding-lead".parse().unwrap())
            .unwrap()
            .tier,
        RoleTier::SafeguardingLead
    );
}

// ---------------------------------------------------------------------------
// Isle of Man Safeguarding Board, 2023

/// IOM-1: "This policy and guidance focusses on all organisations who work
/// with children, young people and vulnerable adults" (§1).
#[test]
fn isle_of_man_covers_children_and_vulnerable_adults() {
    assert_eq!(
        isle_of_man().subjects,
        [SubjectKind::Child, SubjectKind::VulnerableAdult]
    );
    for other in [
        "sutton-2015",
        "havering-2022",
        "plymouth-2025",
        "east-riding-2018",
    ] {
        assert_eq!(policy(other).subjects, [SubjectKind::Child], "{other}");
    }
}

/// IOM-2: "potential areas where practitioners may disagree" (§2): threshold,
/// power and authority, a Strategy discussion, a Child Protection or Adult
/// Protection Case Conference, the plan, levels of risk, roles, information
/// sharing, assessment outcome, and serious general issues.
#[test]
fn isle_of_man_lists_its_areas_of_disagreement_in_its_own_words() {
    let p = isle_of_man();
    assert_eq!(
        area_ids(p),
        [
            "threshold",
            "power-and-authority",
            "strategy-discussion",
            "child-protection-case-conference",
            "adult-protection-case-conference",
            "interagency-decision-making",
            "inadequate-plan",
            "levels-of-risk",
            "roles-and-responsibilities",
            "information-sharing",
            "assessment-outcome",
            "general-issues",
            "other"
        ]
    );
    let labels = area_labels(p);
    assert!(labels[0].contains(
        "threshold criteria for assessment by Children and Families Division or Adult Social Care"
    ));
    assert!(labels[1].contains("managing power and authority"));
    assert_eq!(labels[7], "Perceived levels of risk");
    assert!(labels[12].contains("not an exhaustive list"));
}

/// IOM-3: "a direct complaint about an individual's poor practice ... through
/// the complaint or grievance process"; poor practice within their own
/// organisation ... "the Whistle-blowing policy"; a disagreement about a
/// child protection case conference: "See Child Protection Conference
/// Procedure" (Areas falling outside of this Procedure).
#[test]
fn isle_of_man_signposts_its_three_out_of_scope_concerns() {
    let p = isle_of_man();
    let signposts: Vec<(&str, &str)> = p
        .out_of_scope
        .iter()
        .map(|s| (s.id.as_str(), s.go_to.as_str()))
        .collect();
    assert_eq!(signposts.len(), 3);
    assert_eq!(signposts[0].0, "complaint-about-individual");
    assert!(signposts[0].1.contains("complaint or grievance process"));
    assert_eq!(signposts[1].0, "whistleblowing");
    assert!(signposts[1].1.contains("Whistle-blowing policy"));
    assert_eq!(signposts[2].0, "child-protection-conference");
    assert!(
        signposts[2]
            .1
            .contains("Child Protection Conference Procedure")
    );
    assert!(
        p.out_of_scope
            .iter()
            .all(|s| s.section == "Areas falling outside of this Procedure")
    );
}

/// IOM-4 (reading): "There should be no deviation ... unless information
/// indicates that a child or vulnerable adult is at immediate risk of
/// significant harm and only then must the process be urgently expedited"
/// (Resolving Professional Differences). Expedited: a case with immediate
/// risk may start at Stage Two or Three, not at the Board.
#[test]
fn isle_of_man_immediate_risk_is_expedited_by_a_later_entry_stage() {
    let p = isle_of_man();
    assert!(p.immediate_risk.instruction.contains("urgently expedited"));
    assert!(p.immediate_risk.instruction.contains("no deviation"));
    assert_eq!(
        p.immediate_risk.section,
        "Resolving Professional Differences"
    );
    assert_eq!(
        p.default_track()
            .immediate_risk_entry
            .iter()
            .map(|n| n.get())
            .collect::<Vec<_>>(),
        [2, 3]
    );
    let note = reading_for(p, "IOM-4");
    assert!(note.text.contains("later entry stage"));
    assert!(note.text.contains("immediate_risk_entry"));
}

/// IOM-5: "the practitioners should be able to resolve the disagreement,
/// either through face to face or telephone discussion" (Stage One);
/// "Initial attempts to resolve the disagreement within 1 working day
/// should be made" (Appendix 1). The deadline stands for the attempt.
#[test]
fn isle_of_man_stage1_is_practitioner_to_practitioner_within_1_working_day() {
    let p = isle_of_man();
    let s = default_stage(p, 1);
    assert_eq!(ids(&s.leads.raising), ["practitioner"]);
    assert_eq!(ids(&s.leads.other), ["practitioner"]);
    assert_eq!(s.timescale.length, working_days(1));
    assert_eq!(s.timescale.from, CountFrom::StageStart);
    assert!(s.summary.contains("face to face or telephone"));
    assert!(s.section.starts_with("Stage One"));
    let leads = notification(s, Trigger::Breach, "stage-leads");
    assert!(leads.message.contains("for the initial attempt"));
    assert!(leads.message.contains("if you have not yet discussed it"));
    notification(s, Trigger::Breach, "next-tier-up");
    let note = reading_for(p, "IOM-5");
    assert!(note.text.contains(
        "Initial attempts to resolve the disagreement within 1 working day should be made"
    ));
    assert!(note.text.contains("stands for that attempt"));
}

/// IOM-6: "each practitioner should discuss this with their line manager and
/// or Designated Safeguarding Lead ... contact their representative
/// counterpart ... This could involve a professional's meeting" (Stage Two);
/// "within 2 working days" (Appendix 1).
#[test]
fn isle_of_man_stage2_is_line_manager_or_dsl_to_counterpart_within_2_working_days() {
    let s = default_stage(isle_of_man(), 2);
    assert_eq!(ids(&s.leads.raising), ["manager", "safeguarding-lead"]);
    assert_eq!(ids(&s.leads.other), ["manager", "safeguarding-lead"]);
    assert_eq!(s.timescale.length, working_days(2));
    assert!(mentions(&s.may, "professional's meeting"));
    // "request a conversation between peers within 2 working days"
    // (Appendix 1): the deadline stands for the request.
    let leads = notification(s, Trigger::Breach, "stage-leads");
    assert!(
        leads
            .message
            .contains("to request a conversation between peers")
    );
    notification(s, Trigger::Breach, "next-tier-up");
    assert!(
        reading_for(isle_of_man(), "IOM-6")
            .text
            .contains("request a conversation between peers within 2 working days")
    );
}

/// IOM-7: "a senior manager to senior manager discussion ... This could
/// involve a professional's meeting" (Stage Three), with no time in
/// Appendix 1.
#[test]
fn isle_of_man_stage3_is_senior_manager_to_senior_manager_with_no_fixed_timescale() {
    let s = default_stage(isle_of_man(), 3);
    assert_eq!(ids(&s.leads.raising), ["senior-manager"]);
    assert_eq!(ids(&s.leads.other), ["senior-manager"]);
    assert_eq!(s.timescale.length, TimescaleSpec::None);
    assert!(mentions(&s.may, "professional's meeting"));
}

/// IOM-8: "where the management chain has already been exhausted, the most
/// senior staff member should escalate their concerns to the next tier of
/// management in the other agency. This principle applies to all escalation
/// sections" (Stage Two).
#[test]
fn isle_of_man_exhausted_management_chain_escalates_to_the_next_tier_in_the_other_agency() {
    let p = isle_of_man();
    for n in [2, 3] {
        assert!(
            mentions(
                &default_stage(p, n).may,
                "next tier of management in the other agency"
            ),
            "stage {n}"
        );
    }
    assert!(
        note_for(p, "IOM-8")
            .text
            .contains("all escalation sections")
    );
}

/// IOM-9: "the senior manager from the concerned agency should notify the
/// Director of Multi-Agency Safeguarding by completing the referral form ...
/// within 5 working days. The Director will then liaise with the Independent
/// Chair ... who will consult with the relevant senior officer" (Appendix 1);
/// "recorded on the 'outcome of agreed actions section' of the referral form
/// and returned back to the responsible agency who made the referral" (Stage
/// Four).
#[test]
fn isle_of_man_stage4_referral_form_goes_to_the_director_within_5_working_days_and_returns_with_the_outcome()
 {
    let p = isle_of_man();
    let s = default_stage(p, 4);
    assert_eq!(s.name, "Stage Four: Isle of Man Safeguarding Board");
    assert_eq!(ids(&s.leads.raising), ["senior-manager"]);
    assert_eq!(ids(&s.leads.decides), ["independent-chair"]);
    assert_eq!(s.resolution, [ResolutionRoute::Decision]);
    assert!(s.panel.is_none());

    // "If stages 1-3 have been exhausted ... the senior manager ... should
    // notify the Director ... by completing the referral form ... within 5
    // working days": the form is how the case enters Stage Four, due within
    // 5 working days of the end of Stage Three.
    let needs = &s.forms[0];
    assert_eq!(
        (needs.form.as_str(), needs.needed),
        ("referral-form", FormNeeded::ToEnter)
    );
    let within = needs.within.expect("the form has its own 5 working days");
    assert_eq!(within.length, working_days(5));
    assert_eq!(within.from, CountFrom::StageStart);
    assert_eq!(s.timescale.length, TimescaleSpec::None);
    let clock = p
        .notes
        .iter()
        .find(|n| {
            n.topic
                .starts_with("Referral form: how the matter reaches the Board")
        })
        .unwrap();
    assert!(clock.reading);
    assert!(clock.text.contains("run from the end of Stage Three"));
    assert!(clock.text.contains("needed = \"to-enter\""));
    // A late form is Stage Three's breach: the case is not yet at the Board.
    let stage_three = default_stage(p, 3);
    let late = notification(stage_three, Trigger::Breach, "stage-leads");
    assert!(late.message.contains("referral form"));
    assert!(s.notifications.iter().all(|n| n.on != Trigger::Breach));

    let director = notification(s, Trigger::Entry, "director-of-multi-agency-safeguarding");
    assert!(director.message.contains("with the attached referral form"));
    assert_eq!(
        director
            .attach
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>(),
        ["referral-form"]
    );
    let returned = notification(s, Trigger::Resolved, "raiser-agency-lead");
    assert!(
        returned
            .attach
            .iter()
            .any(|f| f.as_str() == "referral-form")
    );

    let f = form(p, "referral-form");
    assert_eq!(
        f.title,
        "Resolving Professional Differences Escalation Referral Form"
    );
    assert_eq!(ids(&f.send_to), ["director-of-multi-agency-safeguarding"]);
    assert!(
        f.address
            .as_deref()
            .unwrap()
            .contains("safeguardingboard.co@gov.im")
    );
    assert_eq!(f.returned_to.as_ref().unwrap().id(), "raiser-agency-lead");
    let outcome = f
        .sections
        .iter()
        .find(|x| x.title.eq_ignore_ascii_case("outcome of agreed actions"))
        .expect("the outcome of agreed actions section");
    // "The outcome of the discussion and any agreed actions should be
    // recorded on the 'outcome of agreed actions section'": the outcome is
    // required before the stage ends; "any" actions may be none.
    assert_eq!(
        field(f, "outcome-of-discussion").required,
        FieldRequired::BeforeStageEnds
    );
    assert!(
        outcome
            .fields
            .iter()
            .any(|x| x.id.as_str() == "agreed-actions")
    );
    assert_eq!(field(f, "agreed-actions").required, FieldRequired::Optional);
    // "sufficient relevant information for the Director to be able to
    // liaise with the Independent Chair ... to advise of the issues that
    // have arisen" (Stage Four), "highlighting the issues/ concerns"
    // (Appendix 1): the one field required on submission. The document
    // prints no other field, so every other one is optional.
    assert_eq!(
        field(f, "issues-and-concerns").required,
        FieldRequired::OnSubmit
    );
    for x in fields(f) {
        if !["issues-and-concerns", "outcome-of-discussion"].contains(&x.id.as_str()) {
            assert_eq!(x.required, FieldRequired::Optional, "{}", x.id);
        }
    }
    field(f, "significant-policy-issues");
    let no_panel = p
        .notes
        .iter()
        .find(|n| n.topic == "Stage Four: no panel")
        .unwrap();
    assert!(no_panel.reading);
    assert_eq!(
        p.role(&"director-of-multi-agency-safeguarding".parse().unwrap())
            .unwrap()
            .email
            .as_deref(),
        Some("safeguardingboard.co@gov.im")
    );
    assert!(
        reading_for(p, "IOM-9")
            .text
            .contains("does not print the form")
    );
}

/// IOM-10: working days on the Isle of Man, with "Tynwald Day" and the TT
/// bank holiday, not England and Wales.
#[test]
fn isle_of_man_counts_working_days_on_the_isle_of_man_calendar() {
    let p = isle_of_man();
    assert_eq!(p.calendar.as_str(), "isle-of-man");
    let calendar = calendars().get(&p.calendar).unwrap();
    let names: Vec<String> = calendar
        .holidays(2025)
        .into_iter()
        .map(|h| h.name)
        .collect();
    assert!(mentions(&names, "Tynwald Day"), "{names:?}");
    assert!(mentions(&names, "TT"), "{names:?}");
    // Tynwald Day 2025 falls on Saturday 5 July, so Monday 7 July is its
    // substitute: a working day in England but not on the Isle of Man. A
    // 1-working-day Stage One entered on Friday 4 July is due on Tuesday 8 July.
    let friday = jiff::civil::date(2025, 7, 4);
    let one = WorkingDays::new(1).unwrap();
    assert_eq!(
        calendar.add_working_days(friday, one),
        jiff::civil::date(2025, 7, 8)
    );
    for other in [
        "sutton-2015",
        "havering-2022",
        "plymouth-2025",
        "east-riding-2018",
    ] {
        assert_eq!(
            policy(other).calendar.as_str(),
            "england-and-wales",
            "{other}"
        );
    }
}

// ---------------------------------------------------------------------------
// Havering HSCP, 2022

/// HAV-1: "most likely to arise around: levels of need, roles and
/// responsibilities, the need for action, progressing plans and
/// communication" (§1.3).
#[test]
fn havering_lists_its_four_areas_of_disagreement() {
    assert_eq!(
        area_labels(havering()),
        [
            "levels of need",
            "roles and responsibilities",
            "the need for action",
            "progressing plans and communication"
        ]
    );
}

/// HAV-2 (reading): "professionals should attempt to resolve differences
/// through discussion within one working week or a timescale that protects
/// the child from harm (whichever is shortest)" (§1.4). Counted from the
/// raise, so a stage entered after the week is already overdue; a breach
/// tells the leads and the next tier ("escalation continues through the
/// appropriate tiers of management", §2.8).
#[test]
fn havering_one_working_week_is_read_as_5_working_days_from_the_raise() {
    let p = havering();
    for n in 1..=3 {
        let s = default_stage(p, n);
        let t = s.timescale;
        assert_eq!(
            (t.length, t.from),
            (working_days(5), CountFrom::Raised),
            "stage {n}"
        );
        let leads = notification(s, Trigger::Breach, "stage-leads");
        assert!(leads.message.contains("One working week has passed"));
        let next = notification(s, Trigger::Breach, "next-tier-up");
        assert!(next.message.contains("within one working week"));
        assert_eq!(next.section, "§1.4; §2.8");
    }
    assert_eq!(default_stage(p, 4).timescale.length, TimescaleSpec::None);
    let note = reading_for(p, "HAV-2");
    assert!(note.text.contains("one working week"));
    assert!(note.text.contains("already overdue when it is entered"));
    assert!(note.text.contains("As a guide"));
}

/// HAV-3: "If a child is thought to be at immediate harm, the Designated
/// Safeguarding Lead in your agency should be informed immediately" (§1.5).
#[test]
fn havering_immediate_harm_tells_the_dsl_immediately() {
    let r = &havering().immediate_risk;
    assert_eq!(ids(&r.notify), ["safeguarding-lead"]);
    assert_eq!(r.section, "§1.5");
    assert!(r.instruction.contains("informed immediately"));
}

/// HAV-4: "The people who disagree have a discussion ... as soon as
/// possible" (§2.2); "Record the outcome" (§4).
#[test]
fn havering_stage1_is_a_discussion_with_the_other_worker_with_its_outcome_recorded() {
    let s = default_stage(havering(), 1);
    assert_eq!(s.section, "§2.1");
    assert_eq!(ids(&s.leads.raising), ["practitioner"]);
    assert_eq!(ids(&s.leads.other), ["practitioner"]);
    assert!(s.summary.contains("as soon as possible"));
    let record = &s.requirements[0];
    assert_eq!(record.record, RecordKind::Discussion);
    assert!(record.description.contains("Record the outcome"));
}

/// HAV-5: "If the case involves a child subject to a Child Protection Plan or
/// a Looked After Child, the Independent Reviewing Officer (IRO) must also be
/// notified" (§2.5).
#[test]
fn havering_stage2_notifies_iro_for_cp_plan_or_looked_after_child() {
    let s = default_stage(havering(), 2);
    assert_eq!(s.section, "§2.3");
    let iro = notification(s, Trigger::Entry, "iro");
    assert_eq!(
        iro.when,
        accord_policy::Condition::ChildProtectionPlanOrLookedAfter
    );
    assert_eq!(iro.section, "§2.5");
    // §2.4: "supervisor / manager /Named Safeguarding Professional within
    // their own agency who should have a discussion with the equivalent
    // supervisor/ manager in the other agency".
    assert_eq!(
        ids(&s.leads.raising),
        ["manager", "named-safeguarding-professional"]
    );
    assert_eq!(ids(&s.leads.other), ["manager"]);
    // Only Stage Two tells the IRO.
    for n in [1, 3, 4] {
        assert!(
            default_stage(havering(), n)
                .notifications
                .iter()
                .all(|x| x.to.id() != "iro")
        );
    }
}

/// HAV-6: "the supervisor/ manager reports to their respective manager or
/// Health Designated Safeguarding Representative" (§2.7); "The respective
/// agency members on the ... HSCP should be engaged in seeking resolution
/// before the case is raised with the HSCP Chair" (§2.8).
#[test]
fn havering_stage3_engages_the_agencies_hscp_members_before_stage4() {
    let p = havering();
    let s = default_stage(p, 3);
    assert_eq!(
        ids(&s.leads.raising),
        [
            "senior-manager",
            "health-designated-safeguarding-representative"
        ]
    );
    assert!(mentions(&s.may, "tiers of management"));
    let engaged = s
        .requirements
        .iter()
        .find(|r| r.with.is_some())
        .expect("HSCP members engaged");
    assert_eq!(engaged.with.as_ref().unwrap().id(), "hscp-member");
    assert_eq!(engaged.before, Before::Escalate);
    assert_eq!(engaged.section, "§2.8");
    assert!(role_name(p, "hscp-member").contains("Havering Safeguarding Children Partnership"));
}

/// HAV-7: "referred by the concerned agency to the HSCP Chair, who may seek to
/// resolve the issue direct ... or convene a Resolution Panel" (§2.10); "must
/// e-mail the details through to safeguardingpartnerships@havering.gov.uk"
/// (§2.11); "senior officer from three agencies who are members of the full
/// Board ... must include the agencies concerned" (§2.12); "will receive
/// representations ... and will collectively resolve" (§2.13).
#[test]
fn havering_stage4_chair_resolves_directly_or_by_a_three_agency_panel_including_the_disputing_agencies()
 {
    let p = havering();
    let s = default_stage(p, 4);
    assert_eq!(ids(&s.leads.decides), ["hscp-chair"]);
    assert_eq!(
        s.resolution,
        [ResolutionRoute::Decision, ResolutionRoute::Panel]
    );
    let panel = s.panel.as_ref().expect("a Resolution Panel rule");
    assert_eq!(panel.min_agencies, 3);
    assert_eq!(panel.include_disputing, Inclusion::Required);
    assert!(panel.hears_representations);
    assert!(panel.membership.contains("full Board"));
    assert_eq!(panel.section, "§2.12");
    let mailbox = notification(s, Trigger::Entry, "partnership-mailbox");
    assert_eq!(mailbox.section, "§2.11");
    assert_eq!(
        p.role(&"partnership-mailbox".parse().unwrap())
            .unwrap()
            .email
            .as_deref(),
        Some("safeguardingpartnerships@havering.gov.uk")
    );
    assert!(s.summary.contains("collectively"));
}

/// HAV-8: "At all stages of the process, actions and decisions must be
/// recorded in writing on the child's file and shared with relevant
/// personnel, to include the worker who raised the initial concern" (§3.1).
#[test]
fn havering_records_every_stage_on_the_childs_file_and_shares_it_with_the_raiser() {
    let p = havering();
    for s in &p.default_track().stages {
        assert!(
            s.requirements
                .iter()
                .any(|r| r.record == RecordKind::Discussion
                    && r.description.contains("child's file")),
            "stage {}",
            s.number
        );
    }
    for n in 1..=3 {
        assert_eq!(
            notification(default_stage(p, n), Trigger::Exit, "raiser").section,
            "§3.1"
        );
    }
    assert_eq!(ids(&p.outcome.feedback_to), ["raiser"]);
    assert_eq!(p.outcome.section, "§3.1");
}

// ---------------------------------------------------------------------------
// Plymouth PSCB, 2025

/// PLY-1: "most likely to arise around: Levels of Need, Roles and
/// responsibilities, The need for action, Communication" (Introduction).
#[test]
fn plymouth_lists_its_four_areas_of_disagreement() {
    assert_eq!(
        area_labels(plymouth()),
        [
            "Levels of Need",
            "Roles and responsibilities",
            "The need for action",
            "Communication"
        ]
    );
}

/// PLY-2: "if a child is thought to be at risk of immediate harm, discretion
/// should be used as to which stage is initiated" (Introduction).
#[test]
fn plymouth_immediate_risk_may_start_at_any_later_stage() {
    let p = plymouth();
    assert_eq!(
        p.default_track()
            .immediate_risk_entry
            .iter()
            .map(|n| n.get())
            .collect::<Vec<_>>(),
        [2, 3, 4, 5]
    );
    assert!(
        p.immediate_risk
            .instruction
            .contains("discretion should be used as to which stage is initiated")
    );
    // The other documents allow no skip.
    // The Isle of Man allows Stages Two and Three (IOM-4).
    for other in ["sutton-2015", "havering-2022", "east-riding-2018"] {
        assert!(
            policy(other)
                .tracks
                .iter()
                .all(|t| t.immediate_risk_entry.is_empty()),
            "{other}"
        );
    }
}

/// PLY-3: "initially consult one of the designated persons to clarify their
/// thinking in order to identify the problem, to be specific as to what the
/// disagreement is about and what they aim to achieve ... evidence the nature
/// and source of their concerns and should keep a record" (Stage One).
#[test]
fn plymouth_stage1_consults_a_designated_person_and_keeps_a_record() {
    let s = default_stage(plymouth(), 1);
    assert_eq!(ids(&s.leads.raising), ["practitioner", "designated-person"]);
    assert!(s.leads.other.is_empty());
    let record = &s.requirements[0];
    for words in [
        "problem",
        "disagreement is about",
        "aims to achieve",
        "evidence",
    ] {
        assert!(record.description.contains(words), "{words}");
    }
}

/// PLY-4: "This would normally be between the people who disagree" (Stage
/// Two).
#[test]
fn plymouth_stage2_is_between_the_people_who_disagree() {
    let s = default_stage(plymouth(), 2);
    assert_eq!(ids(&s.leads.raising), ["practitioner"]);
    assert_eq!(ids(&s.leads.other), ["practitioner"]);
}

/// PLY-5: "contact a supervisor/manager ... who should raise the concerns with
/// the equivalent supervisor/manager in the other agency. The manager should
/// also notify the PSCB Business Manager, who will keep a record of all
/// on-going disagreements" (Stage Three).
#[test]
fn plymouth_stage3_notifies_the_business_manager_who_keeps_the_register() {
    let p = plymouth();
    let s = default_stage(p, 3);
    assert_eq!(ids(&s.leads.raising), ["manager"]);
    assert_eq!(ids(&s.leads.other), ["manager"]);
    // Issue 12 §6: however the case gets to Stage Three or beyond, by
    // escalation or by starting at Stage Four or Five for immediate risk,
    // it reaches the record: `reached`, not only `entry`.
    let n = notification(s, Trigger::Reached, "business-manager");
    assert!(n.message.contains("record of all on-going disagreements"));
    assert_eq!(n.section, "Stage Three");
    // The only email the document prints is the Business Unit's (Contact):
    // "please contact the PSCB Safeguarding Business Unit ... Email:
    // pscb@plymouth.gov.uk". The role's name says whose address it is.
    let bm = p.role(&"business-manager".parse().unwrap()).unwrap();
    assert_eq!(
        bm.name,
        "PSCB Business Manager (email: the PSCB Safeguarding Business Unit)"
    );
    assert_eq!(bm.email.as_deref(), Some("pscb@plymouth.gov.uk"));
    // Stages One and Two are not reported to the Business Manager.
    for n in [1, 2] {
        assert!(
            default_stage(p, n)
                .notifications
                .iter()
                .all(|x| x.to.id() != "business-manager")
        );
    }
}

/// PLY-6: "reports to their respective operations manager or named/designated
/// safeguarding representative ... The PSCB Buisness Manager should be
/// advised of any outcome" (Stage Four).
#[test]
fn plymouth_stage4_tells_the_business_manager_of_any_outcome() {
    let s = default_stage(plymouth(), 4);
    assert_eq!(
        ids(&s.leads.raising),
        [
            "operations-manager",
            "named-designated-safeguarding-representative"
        ]
    );
    notification(s, Trigger::Resolved, "business-manager");
    notification(s, Trigger::Exit, "business-manager");
}

/// PLY-7: "referred to the Chair ... (via the PSCB Business Manager) who may
/// either seek to resolve the issue direct or to convene a Resolution Panel
/// ... from three agencies (including the agencies concerned ..., where
/// possible). The panel will receive representations ... The decision of
/// the Plymouth Safeguarding Children Board Resolution Panel will be final
/// in this matter" (Stage Five). Only the panel's decision is final; the
/// Chair's direct resolution is not called final.
#[test]
fn plymouth_stage5_chair_via_business_manager_decides_directly_or_by_panel_and_the_decision_is_final()
 {
    let s = default_stage(plymouth(), 5);
    assert_eq!(ids(&s.leads.decides), ["pscb-chair"]);
    assert_eq!(
        s.resolution,
        [ResolutionRoute::Decision, ResolutionRoute::Panel]
    );
    assert!(s.final_decision);
    assert_eq!(s.final_routes, [ResolutionRoute::Panel]);
    assert!(s.is_final(ResolutionRoute::Panel));
    assert!(!s.is_final(ResolutionRoute::Decision));
    assert!(
        notification(s, Trigger::Resolved, "business-manager")
            .message
            .contains("A Resolution Panel's decision is final")
    );
    let note = reading_for(plymouth(), "PLY-7");
    assert!(note.text.contains("final_routes"));
    assert!(!note.text.contains("schema would need"));
    notification(s, Trigger::Entry, "business-manager");
    let panel = s.panel.as_ref().unwrap();
    assert_eq!(panel.min_agencies, 3);
    assert_eq!(panel.include_disputing, Inclusion::WherePossible);
    assert!(panel.hears_representations);
    assert!(panel.membership.contains("where possible"));
}

/// The document's own title, "ESCALATION POLICY" (its first line), and the
/// Introduction's purpose (c), quoted exactly as the learning theme:
/// "Identifying problem areas in working together where there is a lack of
/// clarity and to promote the resolution via amendment to protocols and
/// procedures".
#[test]
fn plymouth_title_and_learning_theme_are_the_documents_own_words() {
    let p = plymouth();
    assert_eq!(p.document.title, "Escalation Policy");
    let labels: Vec<&str> = p.learning.themes.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Identifying problem areas in working together where there is a lack of clarity and \
          to promote the resolution via amendment to protocols and procedures"
        ]
    );
}

/// PLY-8: "written confirmation between the parties about an agreed outcome
/// ... and how any outstanding issues will be pursued. It may be useful for
/// individuals to debrief" (Stage Five); "Designated lead for Child
/// Protection feeds back to professionals with original concerns"
/// (flowchart).
#[test]
fn plymouth_confirms_the_outcome_in_writing_and_feeds_back_to_the_raiser() {
    let p = plymouth();
    assert!(p.outcome.written_confirmation);
    assert_eq!(ids(&p.outcome.feedback_to), ["raiser"]);
    assert!(mentions(&p.learning.may, "debrief"));
    assert!(
        note_for(p, "PLY-8")
            .text
            .contains("feeds back to professionals")
    );
}

/// PLY-9: "Some matters may be resolved very quickly, and this will be
/// determined locally by the complexity of the issues. In all cases, the
/// matter will be resolved as speedily as possible" (Timescales).
#[test]
fn plymouth_sets_no_fixed_timescale_at_any_stage() {
    let p = plymouth();
    assert_eq!(p.default_track().stages.len(), 5);
    for s in &p.default_track().stages {
        assert_eq!(
            s.timescale.length,
            TimescaleSpec::None,
            "stage {}",
            s.number
        );
        assert!(s.notifications.iter().all(|n| n.on != Trigger::Breach));
    }
}

// ---------------------------------------------------------------------------
// East Riding ERSCP, 2018

/// ER-1: "Disagreements are most likely to arise around: Levels of
/// need/thresholds, Concern about the response of a key agency to a reported
/// concern, Lack of clarity about roles and responsibilities, Decision
/// making, Progressing plans, Communication" (§1).
#[test]
fn east_riding_lists_its_six_areas_of_disagreement() {
    assert_eq!(
        area_labels(east_riding()),
        [
            "Levels of need/thresholds",
            "Concern about the response of a key agency to a reported concern",
            "Lack of clarity about roles and responsibilities",
            "Decision making",
            "Progressing plans",
            "Communication"
        ]
    );
}

/// ER-2: "a child is thought to be at risk of immediate harm, the designated
/// safeguarding lead in your agency should be consulted immediately" (§1).
#[test]
fn east_riding_immediate_risk_consults_the_dsl_immediately() {
    let r = &east_riding().immediate_risk;
    assert_eq!(ids(&r.notify), ["safeguarding-lead"]);
    assert!(r.instruction.contains("consulted immediately"));
    assert_eq!(r.section, "§1");
}

/// ER-3 (reading): "The maximum timescale for completion of a dispute up to
/// Stage 4 is 5 days ... Stage 5 ... should be begun 5 days from the original
/// dispute being raised and completed within a further 5 days" (§3).
/// The days are calendar days: the document uses "72 hours" elsewhere and
/// sets timescales by "the needs of the child, not the convenience of the
/// professionals" (§3).
#[test]
fn east_riding_5_days_reading_counts_calendar_days_from_the_raise() {
    let p = east_riding();
    for n in 1..=4 {
        let t = default_stage(p, n).timescale;
        assert_eq!(
            (t.length, t.from),
            (TimescaleSpec::CalendarDays(5), CountFrom::Raised),
            "stage {n}"
        );
    }
    let t = default_stage(p, 5).timescale;
    assert_eq!(
        (t.length, t.from),
        (TimescaleSpec::CalendarDays(10), CountFrom::Raised)
    );
    let note = reading_for(p, "ER-3");
    assert!(note.text.contains("5 days"));
    assert!(note.text.contains("calendar days"));
    assert!(note.text.contains("72 hours"));
    assert!(
        note.text
            .contains("not the convenience of the professionals")
    );
}

/// ER-4: "For a variety of reasons there may be a delay at any stage ...
/// careful consideration should be given to involving managers at the next
/// level of the structure by letting them know there is a disagreement, that
/// a speedy response is required ... and that in the absence of such a
/// response, they will be contacted" (§3). The stage's own leads are told
/// too, with what to do next (DESIGN.md §3).
#[test]
fn east_riding_delay_at_any_stage_involves_the_next_tier_up() {
    let p = east_riding();
    for s in &p.default_track().stages {
        let n = notification(s, Trigger::Breach, "next-tier-up");
        assert_eq!(n.section, "§3");
        assert!(n.message.contains("speedy response"));
        assert!(n.message.contains("you will be contacted"));
        let leads = notification(s, Trigger::Breach, "stage-leads");
        assert_eq!(leads.section, "§3");
        assert!(
            leads
                .message
                .contains("managers at the next level have been told")
        );
    }
    // The conference adjournment's 72 hours breach the same way.
    let adjourned = stage(track(p, "conference-dissent"), 2);
    assert!(
        notification(adjourned, Trigger::Breach, "next-tier-up")
            .message
            .contains("speedy response")
    );
    assert!(
        notification(adjourned, Trigger::Breach, "stage-leads")
            .message
            .contains("ERSCP to arbitrate")
    );
    assert!(note_for(p, "ER-4").text.contains("stage-leads"));
}

/// ER-5: "initially consult their own supervisor/manager to clarify their
/// thinking in order to identify the problem ... and to identify the desired
/// outcome" (§4, Stage One).
#[test]
fn east_riding_stage1_involves_your_own_line_manager() {
    let s = default_stage(east_riding(), 1);
    assert_eq!(ids(&s.leads.raising), ["practitioner", "manager"]);
    assert!(
        s.leads.other.is_empty(),
        "Stage One is internal to the raising agency"
    );
    assert!(s.requirements[0].description.contains("desired outcome"));
    // The duty to record is §2's: "At all stages of the process actions and
    // decisions must be recorded in writing by the agencies involved".
    assert_eq!(s.requirements[0].section, "§2");
}

/// ER-6: "The people who disagree should have a discussion ... as soon as
/// possible" (§4, Stage Two).
#[test]
fn east_riding_stage2_involves_the_worker_from_the_other_agency() {
    let s = default_stage(east_riding(), 2);
    assert_eq!(ids(&s.leads.raising), ["practitioner"]);
    assert_eq!(ids(&s.leads.other), ["practitioner"]);
    assert!(s.summary.contains("as soon as possible"));
}

/// ER-7: "the worker should contact their supervisor/manager ... who should
/// have a discussion with the equivalent supervisor/manager in the other
/// agency" (§4, Stage Three).
#[test]
fn east_riding_stage3_is_line_manager_to_line_manager() {
    let s = default_stage(east_riding(), 3);
    assert_eq!(ids(&s.leads.raising), ["manager"]);
    assert_eq!(ids(&s.leads.other), ["manager"]);
}

/// ER-8: "raise the issue with their respective operational manager or
/// named/designated safeguarding representative ... up to Head of Service or
/// Director level ... the ERSCP Team should be made aware ... should advise
/// the other organisation of their intention to do so and complete Appendix
/// A, and return it to the ERSCP Team" (§4, Stage Four). The intention is
/// advised as the case leaves Stage Three, since that escalation is the
/// step the other organisation is to be told of.
#[test]
fn east_riding_stage4_tells_the_erscp_team_with_appendix_a_and_the_other_agency_of_the_escalation()
{
    let s = default_stage(east_riding(), 4);
    assert_eq!(
        ids(&s.leads.raising),
        [
            "operational-manager",
            "named-designated-safeguarding-representative",
            "head-of-service"
        ]
    );
    assert!(mentions(&s.may, "Head of Service or Director"));
    let needs = &s.forms[0];
    assert_eq!(
        (needs.form.as_str(), needs.needed),
        ("appendix-a", FormNeeded::ToEnter)
    );
    let team = notification(s, Trigger::Entry, "erscp-team");
    assert_eq!(
        team.attach.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        ["appendix-a"]
    );
    assert!(
        s.notifications
            .iter()
            .all(|n| n.to.id() != "other-agency-lead"),
        "the other agency is told before Stage Four, not on entering it"
    );
    let other = notification(
        default_stage(east_riding(), 3),
        Trigger::Exit,
        "other-agency-lead",
    );
    assert!(other.message.contains("intention to escalate"));
    assert!(other.message.contains("completing Appendix A"));
    assert_eq!(other.section, "§4, Stage Four");
}

/// ER-9: Appendix A, "Stage 4 Monitoring Information": "Date of Referral,
/// Name of Referrer, Job Title, Agency, Address/Email Address, Family Details
/// – First Name, Surname and DOB, Parents, Children, Family Address, Agencies
/// involved, Issues of Concern/Nature of Disagreement, Dates and Outcomes of
/// Stages 1, 2 and 3, Date of Stage 4 Meeting/Discussion, Names of Senior
/// Officers involved at Stage 4 and their Agency, Outcome".
#[test]
fn east_riding_appendix_a_carries_every_field_and_goes_to_the_erscp() {
    let p = east_riding();
    let f = form(p, "appendix-a");
    assert_eq!(
        (f.section.as_str(), f.title.as_str()),
        ("Appendix A", "Stage 4 Monitoring Information")
    );
    let all: Vec<&str> = fields(f).map(|x| x.id.as_str()).collect();
    assert_eq!(
        all,
        [
            "date-of-referral",
            "name-of-referrer",
            "job-title",
            "agency",
            "address-email",
            "parents",
            "children",
            "family-address",
            "agencies-involved",
            "issues-of-concern",
            "stages-1-2-3",
            "date-of-stage-4-meeting",
            "senior-officers-at-stage-4",
            "outcome"
        ]
    );
    for family in ["parents", "children"] {
        let x = field(f, family);
        assert_eq!(x.kind, FieldKind::Rows);
        assert_eq!(column_ids(x), ["first-name", "surname", "date-of-birth"]);
    }
    assert_eq!(field(f, "date-of-referral").kind, FieldKind::Date);
    assert_eq!(field(f, "address-email").kind, FieldKind::Address);
    assert_eq!(
        column_ids(field(f, "senior-officers-at-stage-4")),
        ["name", "agency"]
    );
    for known_during_stage_4 in [
        "date-of-stage-4-meeting",
        "senior-officers-at-stage-4",
        "outcome",
    ] {
        assert_eq!(
            field(f, known_during_stage_4).required,
            FieldRequired::BeforeStageEnds
        );
    }
    for known_on_entry in &all[..11] {
        assert_eq!(
            field(f, known_on_entry).required,
            FieldRequired::OnSubmit,
            "{known_on_entry}"
        );
    }
    assert_eq!(ids(&f.send_to), ["erscp-team", "erscp-service-manager"]);
    let address = f.address.as_deref().unwrap();
    assert!(address.contains("Room AF56, County Hall, Beverley, HU17 9BA"));
    assert!(address.contains("child.protection@eastriding.gcsx.gov.uk"));
}

/// ER-10: "the Chair of the ERSCP should be approached to identify a
/// Partnership Member from an uninvolved agency to chair a meeting of the
/// most senior managers with operational responsibility ... report ... to the
/// ERSCP Management, Evaluation and Effectiveness Group" (§4, Stage Five).
/// The chair chairs and does not decide: "Operational issues must be
/// resolved by the agencies identified directly involved in the case".
#[test]
fn east_riding_stage5_mediation_is_chaired_from_an_uninvolved_agency_and_reported_to_the_group() {
    let p = east_riding();
    let s = default_stage(p, 5);
    assert_eq!(ids(&s.leads.chairs), ["mediation-chair"]);
    assert!(s.leads.decides.is_empty());
    // "before the decision is finalised": by agreement, or without it, and
    // then the decision is final.
    assert_eq!(
        s.resolution,
        [
            ResolutionRoute::Agreement,
            ResolutionRoute::WithoutAgreement
        ]
    );
    assert!(s.is_final(ResolutionRoute::WithoutAgreement));
    assert!(!s.is_final(ResolutionRoute::Agreement));
    assert_eq!(ids(s.without_agreement_recorders()), ["mediation-chair"]);
    assert!(reading_for(p, "ER-10").text.contains("without-agreement"));
    assert!(s.leads.decides_from_uninvolved_agency);
    assert!(s.summary.contains("Operational issues must be resolved"));
    assert!(note_for(p, "ER-10").text.contains("`chairs`"));
    assert!(
        !p.tracks
            .iter()
            .flat_map(|t| &t.stages)
            .filter(|x| x.number != s.number || x.name != s.name)
            .any(|x| x.leads.decides_from_uninvolved_agency),
        "only Stage Five needs an uninvolved chair"
    );
    assert!(role_name(p, "mediation-chair").contains("uninvolved agency"));
    notification(s, Trigger::Entry, "erscp-chair");
    notification(
        s,
        Trigger::Resolved,
        "management-evaluation-and-effectiveness-group",
    );
    assert_eq!(
        role_name(p, "management-evaluation-and-effectiveness-group"),
        "ERSCP Management, Evaluation and Effectiveness Group"
    );
}

/// ER-11: "Where there is an immediate safeguarding concern under Section 47
/// of the Children Act, the Local Authority Children's Social Care have lead
/// responsibility for decision making regarding the level of need" (§5).
#[test]
fn east_riding_section_47_level_of_need_is_led_by_childrens_social_care() {
    let note = note_for(east_riding(), "ER-11");
    assert!(note.text.contains("Section 47"));
    assert!(
        note.text
            .contains("Children's Social Care have lead responsibility")
    );
}

/// ER-12: "Differences in view arising during conferences should be managed
/// by the conference chair. If the issue is not resolved, the conference
/// should be adjourned for a maximum of 72 hours ... In the interim period,
/// the child should be the subject of a Child Protection Plan. If there is
/// still no resolution, the ERSCP should be asked to arbitrate. The areas of
/// disagreement should be recorded on the conference minutes" (§5).
#[test]
fn east_riding_conference_dissent_adjourns_at_most_72_hours_under_a_cp_plan_then_erscp_arbitrates()
{
    let p = east_riding();
    let t = track(p, "conference-dissent");
    assert_eq!(t.stages.len(), 3);
    assert_eq!(ids(&stage(t, 1).leads.decides), ["conference-chair"]);
    // "Sharing information and reports prior to conference will highlight
    // potential areas of difference to the conference chair. The family's
    // social worker should also discuss potential areas of conflict with the
    // conference chair in advance."
    let before = &stage(t, 1).may;
    assert!(mentions(
        before,
        "Sharing information and reports prior to conference"
    ));
    assert!(mentions(
        before,
        "discuss potential areas of conflict with the conference chair in advance"
    ));

    let adjourned = stage(t, 2);
    assert_eq!(adjourned.timescale.length, TimescaleSpec::Hours(72));
    assert_eq!(adjourned.timescale.from, CountFrom::StageStart);
    let interim = notification(adjourned, Trigger::Entry, "stage-leads");
    assert!(
        interim
            .message
            .contains("subject of a Child Protection Plan")
    );
    notification(adjourned, Trigger::Breach, "conference-chair");
    // The interim plan is recorded on adjourning, and the chair's
    // discussion with the named senior managers before it ends.
    let interim_plan = adjourned.on_entry.as_ref().expect("the interim plan");
    assert!(interim_plan.child_protection_plan);
    assert_eq!(interim_plan.section, "§5");
    assert_eq!(
        adjourned.requirements[0].with.as_ref().unwrap().id(),
        "conference-chair"
    );

    let arbitration = stage(t, 3);
    assert_eq!(arbitration.resolution, [ResolutionRoute::Decision]);
    // "along with the final decision".
    assert!(arbitration.is_final(ResolutionRoute::Decision));
    let note = p
        .notes
        .iter()
        .find(|n| n.reading && n.topic.starts_with("Conference dissent"))
        .unwrap();
    assert!(note.checklist.iter().any(|c| c == "ER-12"));
    assert!(note.text.contains("final decision"));
    assert!(note.text.contains("interim"));
    notification(arbitration, Trigger::Entry, "erscp-team");
    assert!(
        arbitration.requirements[0]
            .description
            .contains("conference minutes")
    );
    // Whether to hold a conference at all is a separate procedure.
    assert_eq!(
        p.out_of_scope[0].go_to,
        "The existing ERSCP policy and procedures"
    );
}

/// ER-13: "Identification of training needs, Commissioning needs, New agency
/// practice guidance, New ERSCP practice guidance ... forwarded to the ERSCP
/// Service Manager for consideration of any multi-agency learning" (§6).
#[test]
fn east_riding_learning_themes_go_to_the_erscp_service_manager() {
    let l = &east_riding().learning;
    let themes: Vec<&str> = l.themes.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        themes,
        [
            "training-needs",
            "commissioning-needs",
            "agency-practice-guidance",
            "erscp-practice-guidance"
        ]
    );
    assert!(
        l.forward_to[0]
            .label
            .starts_with("the ERSCP Service Manager")
    );
    assert_eq!(
        l.forward_to[0].role.as_ref().map(RoleRef::id),
        Some("erscp-service-manager")
    );
    // Stage Five's chair "will then report on issues arising from this
    // process to the ERSCP Management, Evaluation and Effectiveness Group".
    assert_eq!(
        l.forward_to[1].role.as_ref().map(RoleRef::id),
        Some("management-evaluation-and-effectiveness-group")
    );
    assert_eq!(l.section, "§6");
}

/// DESIGN.md §2: "Where a policy names who decides, approves, convenes or
/// arbitrates, it names a role, and only holders of that role may do it. A
/// tier is never a stand-in for a role." In every built-in policy, each
/// stage that may be decided or go to a panel names who decides (and who
/// records the panel's decision) by a role the policy declares, or by the
/// area's own route (Sutton §6, SUT-2), never by a bare tier. Sutton §7d
/// (SUT-8), East Riding §5 (ER-12), Havering §2.10 (HAV-7), Plymouth Stage
/// Five (PLY-7), Isle of Man Stage Four (IOM-9).
#[test]
fn every_decider_and_panel_recorder_is_a_declared_role() {
    for policy in policies() {
        for track in &policy.tracks {
            for stage in &track.stages {
                let decided = stage
                    .resolution
                    .iter()
                    .any(|r| matches!(r, ResolutionRoute::Decision | ResolutionRoute::Panel));
                if !decided {
                    continue;
                }
                let named = stage.leads.decides.iter().chain(stage.panel_recorders());
                for role in named {
                    let declared = match role {
                        RoleRef::Declared(id) => policy.role(id).is_some(),
                        RoleRef::Relation(Relation::AreaRoute) => policy
                            .areas_for(&track.id)
                            .all(|a| matches!(a.routes_to, Some(RoleRef::Declared(_)))),
                        _ => false,
                    };
                    assert!(
                        declared,
                        "{} track {} stage {} names `{role}`, not a declared role",
                        policy.id, track.id, stage.number
                    );
                }
                assert!(
                    !stage.leads.decides.is_empty(),
                    "{} track {} stage {} names nobody who decides",
                    policy.id,
                    track.id,
                    stage.number
                );
            }
        }
    }
    // PLY-7 and HAV-7: the panel's decision is recorded by the Chair who
    // convened it, as each policy's reading note says.
    let recorders = |id: &str| -> Vec<String> {
        policy(id)
            .tracks
            .iter()
            .flat_map(|t| &t.stages)
            .filter_map(|s| s.panel.as_ref())
            .flat_map(|p| p.recorded_by.iter().map(ToString::to_string))
            .collect()
    };
    assert_eq!(recorders("plymouth-2025"), ["pscb-chair"]);
    assert_eq!(recorders("havering-2022"), ["hscp-chair"]);
}

/// IOM-9 and IOM-4 (reading): "In the unlikely event that the issue is not
/// resolved by the steps described above and/or the discussions raise
/// significant policy issues, the matter should be urgently referred to the
/// Safeguarding Board for resolution" (Stage Four). Policy issues are a
/// route to the Board of their own: from Stage One or Two, when the referral
/// form answers Yes to its policy-issues question.
#[test]
fn isle_of_man_significant_policy_issues_are_a_route_to_the_board() {
    let p = isle_of_man();
    let s = default_stage(p, 4);
    let direct = s.direct_entry.as_ref().expect("a route for policy issues");
    assert_eq!(
        direct.from.iter().map(|n| n.get()).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(direct.form.as_str(), "referral-form");
    assert_eq!(direct.yes_to.as_str(), "significant-policy-issues");
    assert_eq!(direct.section, "Stage Four");
    let question = field(form(p, "referral-form"), "significant-policy-issues");
    assert_eq!(question.kind, FieldKind::YesNo);
    assert!(
        question
            .hint
            .as_deref()
            .unwrap()
            .contains("Stage One or Stage Two")
    );
    let note = p
        .notes
        .iter()
        .find(|n| n.topic.starts_with("Significant policy issues"))
        .unwrap();
    assert!(note.reading);
    assert!(note.text.contains("direct_entry"));
}
