//! The checks that span more than one field: the shape of tracks and
//! stages, calendars, ids, forms and areas. References to roles and forms
//! are in [`references`](super::references).
//!
//! Two readings are chosen here:
//!
//! - `final_decision` may only be set on the last stage of a track. A final
//!   decision closes the case (DESIGN.md §5), so a later stage could never
//!   be reached; the two documents with final decisions (Plymouth Stage Five,
//!   Sutton §7d) put them last. It also needs someone who decides, so the
//!   stage's `resolution` must include `"decision"`, `"panel"` or
//!   `"without-agreement"` (the decision finalised as it stands). Its
//!   `final_routes`, where it lists any, must be routes of the stage, and
//!   only a final stage may list them.
//! - Deadlines counted from raising (`from = "raised"`, East Riding) must not
//!   go backwards along a track. Only timescales in the same unit are
//!   compared: how many hours a number of working days spans depends on the
//!   date, so a mixed comparison could be wrong either way.

use std::collections::HashMap;

use accord_calendar::Calendars;

use super::{
    Report,
    locate::{At, Path},
    suggest::{did_you_mean, nearest, one_of},
};
use crate::{
    CountFrom, Field, FieldKind, FieldRequired, Policy, RecordKind, Relation, ResolutionRoute,
    RoleRef, Stage, TimescaleSpec, Track,
};

/// Runs every cross-field check on a policy that has passed the schema.
pub(super) fn check(policy: &Policy, calendars: &Calendars, report: &mut Report<'_, '_>) {
    calendar(policy, calendars, report);
    if policy.version == 0 {
        report.value(
            &Path::root().key("version"),
            "a policy's versions start at 1",
            "set `version = 1` for the first version, and raise it by one for each new version",
        );
    }
    duplicate_ids(policy, report);
    declared_roles(policy, report);
    if policy.tracks.is_empty() {
        report.value(
            &Path::root().key("tracks"),
            "the policy has no tracks",
            "add a `[[tracks]]` table, with its stages in `[[tracks.stages]]` tables",
        );
    }
    for (t, track) in policy.tracks.iter().enumerate() {
        stages(t, track, policy, report);
    }
    forms(policy, report);
    areas(policy, report);
    super::references::check(policy, report);
}

/// Where track `t` is.
pub(super) fn track_path(t: usize) -> Path {
    Path::root().key("tracks").index(t)
}

/// Where stage `s` of track `t` is.
pub(super) fn stage_path(t: usize, s: usize) -> Path {
    track_path(t).key("stages").index(s)
}

/// "stage 3 on track `professional`", as messages name a stage.
pub(super) fn stage_label(track: &Track, stage: &Stage) -> String {
    format!("stage {} on track `{}`", stage.number, track.id)
}

fn calendar(policy: &Policy, calendars: &Calendars, report: &mut Report<'_, '_>) {
    if calendars.get(&policy.calendar).is_ok() {
        return;
    }
    let known: Vec<&str> = calendars.iter().map(|c| c.id().as_str()).collect();
    let id = policy.calendar.as_str();
    let hint = match nearest(id, known.iter().copied()) {
        Some(best) => format!(
            "did you mean `{best}`? The calendars Accord knows are {}",
            one_of(known.iter().copied())
        ),
        None => format!(
            "use one of the calendars Accord knows: {}",
            one_of(known.iter().copied())
        ),
    };
    report.value(
        &Path::root().key("calendar"),
        format!("there is no calendar `{id}`"),
        hint,
    );
}

/// Reports every id that repeats an earlier one in the same list.
fn unique<'p>(
    what: &str,
    ids: impl IntoIterator<Item = (Path, &'p str)>,
    report: &mut Report<'_, '_>,
) {
    let mut first: HashMap<&str, Path> = HashMap::new();
    for (path, id) in ids {
        match first.get(id) {
            Some(earlier) => {
                let (line, _) = report.position(earlier, At::Value);
                report.value(
                    &path,
                    format!("this {what} has the same id, `{id}`, as the one on line {line}"),
                    format!("give each {what} an id of its own"),
                );
            }
            None => {
                first.insert(id, path);
            }
        }
    }
}

fn duplicate_ids(policy: &Policy, report: &mut Report<'_, '_>) {
    let root = Path::root();
    let list = |key: &str, i: usize| root.key(key).index(i).key("id");
    unique(
        "track",
        policy
            .tracks
            .iter()
            .enumerate()
            .map(|(i, t)| (list("tracks", i), t.id.as_str())),
        report,
    );
    unique(
        "form",
        policy
            .forms
            .iter()
            .enumerate()
            .map(|(i, f)| (list("forms", i), f.id.as_str())),
        report,
    );
    unique(
        "role",
        policy
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| (list("roles", i), r.id.as_str())),
        report,
    );
    unique(
        "area",
        policy
            .areas
            .iter()
            .enumerate()
            .map(|(i, a)| (list("areas", i), a.id.as_str())),
        report,
    );
    unique(
        "out-of-scope signpost",
        policy
            .out_of_scope
            .iter()
            .enumerate()
            .map(|(i, s)| (list("out_of_scope", i), s.id.as_str())),
        report,
    );
    unique(
        "learning theme",
        policy.learning.themes.iter().enumerate().map(|(i, th)| {
            (
                root.key("learning").key("themes").index(i).key("id"),
                th.id.as_str(),
            )
        }),
        report,
    );
    unique(
        "learning group",
        policy.learning.forward_to.iter().enumerate().map(|(i, g)| {
            (
                root.key("learning").key("forward_to").index(i).key("id"),
                g.id.as_str(),
            )
        }),
        report,
    );
    for (f, form) in policy.forms.iter().enumerate() {
        let form_path = root.key("forms").index(f);
        let fields = form.sections.iter().enumerate().flat_map(|(s, section)| {
            let section_path = form_path.key("sections").index(s);
            section
                .fields
                .iter()
                .enumerate()
                .map(move |(i, field)| (section_path.key("fields").index(i), field))
        });
        let fields: Vec<(Path, &Field)> = fields.collect();
        unique(
            &format!("field in form `{}`", form.id),
            fields
                .iter()
                .map(|(path, field)| (path.key("id"), field.id.as_str())),
            report,
        );
        for (path, field) in &fields {
            unique(
                &format!("column in field `{}`", field.id),
                field.columns.iter().enumerate().map(|(c, column)| {
                    (path.key("columns").index(c).key("id"), column.id.as_str())
                }),
                report,
            );
        }
    }
}

/// A declared role whose id is already a relation or a tier could never be
/// referred to: ids resolve to relations and tiers first (see `RoleRef`).
fn declared_roles(policy: &Policy, report: &mut Report<'_, '_>) {
    for (r, role) in policy.roles.iter().enumerate() {
        if let Ok(RoleRef::Relation(_) | RoleRef::Tier(_)) = RoleRef::parse(role.id.as_str()) {
            report.value(
                &Path::root().key("roles").index(r).key("id"),
                format!("`{}` is already a role every policy has, so this declaration would never be used", role.id),
                format!("remove this role and write `{}` where you need it, or give this role an id of its own", role.id),
            );
        }
    }
}

fn stages(t: usize, track: &Track, policy: &Policy, report: &mut Report<'_, '_>) {
    if track.stages.is_empty() {
        report.value(
            &track_path(t).key("stages"),
            format!("track `{}` has no stages", track.id),
            "add its stages, each in a `[[tracks.stages]]` table, numbered from 1",
        );
    }
    stage_numbers(t, track, report);
    immediate_risk_entry(t, track, report);
    for (s, stage) in track.stages.iter().enumerate() {
        resolution(t, s, track, stage, report);
        requirements(t, s, track, stage, report);
        each_side(t, s, track, stage, report);
        without_agreement(t, s, track, stage, report);
        direct_entry(t, s, track, stage, policy, report);
        on_entry(t, s, track, stage, policy, report);
    }
    raised_deadlines(t, track, report);
}

/// A stage that may end without agreement names who records it, and only
/// such a stage has the rule.
fn without_agreement(
    t: usize,
    s: usize,
    track: &Track,
    stage: &Stage,
    report: &mut Report<'_, '_>,
) {
    let path = stage_path(t, s);
    let label = stage_label(track, stage);
    let by_route = stage
        .resolution
        .contains(&ResolutionRoute::WithoutAgreement);
    match (&stage.without_agreement, by_route) {
        (Some(_), false) => report.key(
            &path.key("without_agreement"),
            format!("{label} says who records that it ended without agreement, but its `resolution` does not include \"without-agreement\""),
            "add \"without-agreement\" to this stage's `resolution`, like `resolution = [\"agreement\", \"without-agreement\"]`, or remove the `without_agreement` table",
        ),
        (None, true) => report.value(
            &path.key("resolution"),
            format!("{label} may end without agreement, but names nobody who records it"),
            "add a `[tracks.stages.without_agreement]` table with `recorded_by` (the role that records it, like the meeting's chair) and `section`",
        ),
        (Some(rule), true) if rule.recorded_by.is_empty() => report.value(
            &path.key("without_agreement").key("recorded_by"),
            format!("{label} may end without agreement, but names nobody who records it"),
            "name the role that records it, like `recorded_by = [\"mediation-chair\"]`",
        ),
        _ => {}
    }
}

/// A direct entry comes from earlier stages that are not the one just
/// before (escalating from there needs no rule), and its reason is a
/// yes-or-no question on a form needed to enter the stage.
fn direct_entry(
    t: usize,
    s: usize,
    track: &Track,
    stage: &Stage,
    policy: &Policy,
    report: &mut Report<'_, '_>,
) {
    let Some(direct) = &stage.direct_entry else {
        return;
    };
    let path = stage_path(t, s).key("direct_entry");
    let label = stage_label(track, stage);
    if direct.from.is_empty() {
        report.value(
            &path.key("from"),
            format!("{label} allows direct entry from no stage"),
            "list the earlier stages a case may come straight from, like `from = [1, 2]`, or remove the `direct_entry` table",
        );
    }
    for (i, from) in direct.from.iter().enumerate() {
        if from.get().saturating_add(1) >= stage.number.get() || track.stage(*from).is_none() {
            report.value(
                &path.key("from").index(i),
                format!("{label} cannot be entered directly from stage {from}"),
                format!(
                    "list only stages from 1 to {} on this track: earlier stages that escalating one stage at a time would pass through",
                    stage.number.get().saturating_sub(2)
                ),
            );
        }
    }
    let entry_form = stage
        .forms
        .iter()
        .any(|f| f.form == direct.form && f.needed == crate::FormNeeded::ToEnter);
    if !entry_form {
        report.value(
            &path.key("form"),
            format!("{label} takes its direct entry's reason from form `{}`, which it does not need to be entered", direct.form),
            format!("add `[[tracks.stages.forms]]` with `form = \"{}\"` and `needed = \"to-enter\"` to this stage, or name a form it needs to be entered", direct.form),
        );
    }
    let Some(form) = policy.form(&direct.form) else {
        // An unknown form is reported with the other references.
        return;
    };
    match form
        .sections
        .iter()
        .flat_map(|s| &s.fields)
        .find(|f| f.id == direct.yes_to)
    {
        Some(field) if field.kind == FieldKind::YesNo => {}
        Some(field) => report.value(
            &path.key("yes_to"),
            format!("field `{}` of form `{}` is not a yes-or-no question", field.id, form.id),
            "name a field with `kind = \"yes-no\"`, whose \"yes\" says why the stages between are passed over",
        ),
        None => report.value(
            &path.key("yes_to"),
            format!("form `{}` has no field `{}`", form.id, direct.yes_to),
            did_you_mean(
                direct.yes_to.as_str(),
                form.sections.iter().flat_map(|s| &s.fields).filter(|f| f.kind == FieldKind::YesNo).map(|f| f.id.as_str()),
                || String::from("name one of the form's yes-or-no fields"),
            ),
        ),
    }
}

/// What entering a stage records must say something, and a Child
/// Protection Plan is only for children. A stage that records something on
/// entry is entered only by escalation or reopening: never the stage a
/// case is raised at.
fn on_entry(
    t: usize,
    s: usize,
    track: &Track,
    stage: &Stage,
    policy: &Policy,
    report: &mut Report<'_, '_>,
) {
    let Some(effects) = &stage.on_entry else {
        return;
    };
    let path = stage_path(t, s).key("on_entry");
    let label = stage_label(track, stage);
    if !effects.child_protection_plan {
        report.value(
            &path,
            format!("{label} records nothing on entry"),
            "write `child_protection_plan = true`, or remove the `on_entry` table",
        );
    } else if !policy.subjects.contains(&crate::SubjectKind::Child) {
        report.value(
            &path.key("child_protection_plan"),
            format!("{label} puts children on a Child Protection Plan, but the policy covers no children"),
            "add \"child\" to the policy's `subjects`, or remove `child_protection_plan`",
        );
    }
    let raised_here = s == 0
        || track.immediate_risk_entry.contains(&stage.number)
        || policy
            .areas_for(&track.id)
            .any(|a| a.entry_stage == Some(stage.number));
    if raised_here {
        report.value(
            &path,
            format!("{label} records something on entry, but a case can be raised there"),
            "put `on_entry` on a stage a case reaches only by escalation: not the first stage, an `immediate_risk_entry` stage or an area's `entry_stage`",
        );
    }
}

/// A `concurrence` names who concurs (DESIGN.md §2: a role, never anyone
/// at all), and only a concurrence takes `by` and `by_raising_agency`.
fn requirements(t: usize, s: usize, track: &Track, stage: &Stage, report: &mut Report<'_, '_>) {
    let label = stage_label(track, stage);
    for (r, requirement) in stage.requirements.iter().enumerate() {
        let path = stage_path(t, s).key("requirements").index(r);
        if requirement.record == RecordKind::Concurrence {
            if requirement.by.is_empty() {
                report.value(
                    &path.key("record"),
                    format!("{label} requires a concurrence, but names nobody who concurs"),
                    "name the role whose holders concur, like `by = [\"designated-safeguarding-lead\"]`",
                );
            }
            for (i, role) in requirement.by.iter().enumerate() {
                if matches!(role, RoleRef::Relation(r) if *r != Relation::AreaRoute) {
                    report.value(
                        &path.key("by").index(i),
                        format!("`{role}` is a relation to the case, which nobody holds, so nobody could concur"),
                        "name a role people hold: a tier such as `safeguarding-lead`, or a role from `[[roles]]`",
                    );
                }
            }
        } else {
            if !requirement.by.is_empty() {
                report.key(
                    &path.key("by"),
                    "only a concurrence is given by someone: this requirement is for a record, which anyone working on the case keeps",
                    "remove `by`, or write `record = \"concurrence\"`",
                );
            }
            if requirement.by_raising_agency {
                report.key(
                    &path.key("by_raising_agency"),
                    "only a concurrence is given from the raising agency",
                    "remove `by_raising_agency`, or write `record = \"concurrence\"`",
                );
            }
        }
    }
}

/// Stages are numbered 1, 2, 3… in the order they are written, so a case's
/// "next stage" is never ambiguous. Each stage is held to its position; the
/// message says how it relates to the stage before, which is usually what
/// went wrong.
fn stage_numbers(t: usize, track: &Track, report: &mut Report<'_, '_>) {
    let mut previous: Option<u8> = None;
    for (s, stage) in track.stages.iter().enumerate() {
        let n = stage.number.get();
        let position = s + 1;
        if usize::from(n) != position {
            let id = &track.id;
            let message = match previous {
                None => format!("the first stage on track `{id}` is numbered {n}"),
                Some(p) if n == p => format!("track `{id}` has two stages numbered {n}"),
                Some(p) if n < p => format!(
                    "stage {n} comes after stage {p} on track `{id}`: stage numbers go backwards here"
                ),
                Some(p) if n == p + 2 => format!(
                    "stage {n} follows stage {p} on track `{id}`, so there is no stage {}",
                    p + 1
                ),
                Some(p) if n > p + 2 => format!(
                    "stage {n} follows stage {p} on track `{id}`, so there are no stages {} to {}",
                    p + 1,
                    n - 1
                ),
                Some(_) => format!(
                    "stage {n} is written in position {position} on track `{id}`, after a stage numbered wrongly"
                ),
            };
            report.value(
                &stage_path(t, s).key("number"),
                message,
                format!(
                    "number it {position}: stages are numbered 1, 2, 3… in the order they are written"
                ),
            );
        }
        previous = Some(n);
    }
}

fn immediate_risk_entry(t: usize, track: &Track, report: &mut Report<'_, '_>) {
    for (i, number) in track.immediate_risk_entry.iter().enumerate() {
        if track.stage(*number).is_some() {
            continue;
        }
        let hint = match track.stages.last() {
            Some(last) if last.number.get() > 1 => format!(
                "use a stage number from 2 to {} (the later stages a case may start at), or remove it",
                last.number
            ),
            _ => String::from("remove it: this track has no later stage to start at"),
        };
        report.value(
            &track_path(t).key("immediate_risk_entry").index(i),
            format!("track `{}` has no stage {number}", track.id),
            hint,
        );
    }
}

/// `each_side` asks for `with` from each side, so it means nothing without
/// `with`.
fn each_side(t: usize, s: usize, track: &Track, stage: &Stage, report: &mut Report<'_, '_>) {
    for (r, req) in stage.requirements.iter().enumerate() {
        if req.each_side && req.with.is_none() {
            report.value(
                &stage_path(t, s).key("requirements").index(r).key("each_side"),
                format!(
                    "{} asks for someone from each side, but names no role in `with`",
                    stage_label(track, stage)
                ),
                "name the role each side must bring, like `with = \"hscp-member\"`, or remove `each_side`",
            );
        }
    }
}

/// A stage's `resolution`, its decider, its panel rule and its final
/// decision must agree.
fn resolution(t: usize, s: usize, track: &Track, stage: &Stage, report: &mut Report<'_, '_>) {
    let path = stage_path(t, s);
    let label = stage_label(track, stage);
    let by_panel = stage.resolution.contains(&ResolutionRoute::Panel);
    if stage.resolution.is_empty() {
        report.value(
            &path.key("resolution"),
            format!("{label} has no way to be resolved"),
            "write `resolution = [\"agreement\"]`, adding \"decision\" or \"panel\" where someone decides or a panel may be convened",
        );
    }
    match (&stage.panel, by_panel) {
        (Some(_), false) => report.key(
            &path.key("panel"),
            format!("{label} has a panel rule, but its `resolution` does not include \"panel\""),
            "add \"panel\" to this stage's `resolution`, like `resolution = [\"decision\", \"panel\"]`, or remove the panel table",
        ),
        (None, true) => report.value(
            &path.key("resolution"),
            format!("{label} may be resolved by a Resolution Panel, but has no panel rule"),
            "add a `[tracks.stages.panel]` table with `min_agencies`, `include_disputing`, `membership` and `section`",
        ),
        _ => {}
    }
    // DESIGN.md §2: who decides, convenes or records a panel's decision is
    // a role the policy names, so a stage that may be decided must name it.
    if stage.resolution.contains(&ResolutionRoute::Decision) && stage.leads.decides.is_empty() {
        report.value(
            &path.key("resolution"),
            format!("{label} may be resolved by a decision, but names nobody who decides"),
            "name the role that decides in `[tracks.stages.leads]`, like `decides = [\"hscp-chair\"]`, or remove \"decision\" from `resolution`",
        );
    }
    if stage.panel.is_some() && stage.panel_recorders().is_empty() {
        report.value(
            &path.key("resolution"),
            format!("{label} may be resolved by a Resolution Panel, but names nobody who convenes it or records its decision"),
            "name the role that convenes it in `[tracks.stages.leads]`, like `decides = [\"hscp-chair\"]`, or who records its decision in the panel rule, like `recorded_by = [\"hscp-chair\"]`",
        );
    }
    if stage.leads.decides_from_uninvolved_agency
        && stage.leads.decides.is_empty()
        && stage.leads.chairs.is_empty()
    {
        report.value(
            &path.key("leads").key("decides_from_uninvolved_agency"),
            format!("{label} says its decider must come from an uninvolved agency, but names no decider"),
            "add who decides, like `decides = [\"chair\"]`, or who chairs the stage's meeting, like `chairs = [\"chair\"]`, or remove `decides_from_uninvolved_agency`",
        );
    }
    if let Some(panel) = stage.panel.as_ref().filter(|p| p.min_agencies < 2) {
        report.value(
            &path.key("panel").key("min_agencies"),
            format!(
                "a Resolution Panel needs at least two agencies, but {label} allows {}",
                panel.min_agencies
            ),
            "write `min_agencies = 2` or more; Havering and Plymouth ask for three",
        );
    }
    final_routes(t, s, track, stage, report);
    if stage.final_decision {
        if let Some(next) = track.stages.get(s + 1) {
            report.value(
                &path.key("final_decision"),
                format!("{label} is marked final, but stage {} follows it", next.number),
                "a final decision closes the case, so no later stage could be reached: mark only the last stage final, or remove the stages after this one",
            );
        }
        let decides = stage.resolution.iter().any(|r| {
            matches!(
                r,
                ResolutionRoute::Decision
                    | ResolutionRoute::Panel
                    | ResolutionRoute::WithoutAgreement
            )
        });
        if !decides {
            report.value(
                &path.key("final_decision"),
                format!("{label} is marked final, but nobody decides there: it is resolved only by agreement"),
                "add \"decision\", \"panel\" or \"without-agreement\" to this stage's `resolution`, or remove `final_decision`",
            );
        }
    }
}

/// `final_routes` narrows a final stage to some of its routes, so each must
/// be a route of the stage, and the stage must be final.
fn final_routes(t: usize, s: usize, track: &Track, stage: &Stage, report: &mut Report<'_, '_>) {
    let path = stage_path(t, s).key("final_routes");
    let label = stage_label(track, stage);
    if !stage.final_routes.is_empty() && !stage.final_decision {
        report.key(
            &path,
            format!("{label} lists `final_routes`, but is not marked final"),
            "add `final_decision = true` to this stage, or remove `final_routes`",
        );
    }
    for (i, route) in stage.final_routes.iter().enumerate() {
        if stage.resolution.contains(route) {
            continue;
        }
        let word = route_id(*route);
        report.value(
            &path.index(i),
            format!("{label} makes \"{word}\" final, but cannot be resolved by \"{word}\""),
            format!(
                "add \"{word}\" to this stage's `resolution`, or remove it from `final_routes`; its routes are {}",
                one_of(stage.resolution.iter().map(|r| route_id(*r)))
            ),
        );
    }
}

/// A resolution route as a policy file writes it.
fn route_id(route: ResolutionRoute) -> &'static str {
    match route {
        ResolutionRoute::Agreement => "agreement",
        ResolutionRoute::Decision => "decision",
        ResolutionRoute::Panel => "panel",
        ResolutionRoute::WithoutAgreement => "without-agreement",
    }
}

/// Deadlines counted from raising must not go backwards along a track: a
/// later stage due before an earlier one could never be met.
fn raised_deadlines(t: usize, track: &Track, report: &mut Report<'_, '_>) {
    // The longest earlier `from = "raised"` length in each unit, and its stage.
    let mut longest: HashMap<&str, (u32, &Stage)> = HashMap::new();
    for (s, stage) in track.stages.iter().enumerate() {
        if stage.timescale.from != CountFrom::Raised {
            continue;
        }
        let (unit, length) = match stage.timescale.length {
            TimescaleSpec::WorkingDays(n) => ("working_days", n.get()),
            TimescaleSpec::Hours(n) => ("hours", n),
            TimescaleSpec::CalendarDays(n) => ("calendar_days", n),
            TimescaleSpec::None => continue,
        };
        match longest.get(unit) {
            Some(&(earlier_length, earlier)) if length < earlier_length => {
                report.value(
                    &stage_path(t, s).key("timescale"),
                    format!(
                        "{} is due {} after the disagreement was raised, before stage {}, which is due {} after it",
                        stage_label(track, stage),
                        stage.timescale.timescale(),
                        earlier.number,
                        earlier.timescale.timescale(),
                    ),
                    format!(
                        "give this stage at least `{unit} = {earlier_length}` from raising, or count it from its own start with `from = \"stage-start\"`"
                    ),
                );
            }
            Some(&(earlier_length, _)) if length <= earlier_length => {}
            _ => {
                longest.insert(unit, (length, stage));
            }
        }
    }
}

/// Checks one form field and, for tables of rows, its columns.
fn field(path: &Path, field: &Field, report: &mut Report<'_, '_>) {
    let id = &field.id;
    answers(path, field, report);
    match field.kind {
        FieldKind::Rows if field.columns.is_empty() => report.value(
            &path.key("kind"),
            format!("field `{id}` is a table of rows, but has no columns"),
            "add its columns, like `columns = [{ id = \"who\", label = \"Who\", kind = \"text\" }]`",
        ),
        FieldKind::Rows => {}
        _ if !field.columns.is_empty() => report.key(
            &path.key("columns"),
            format!("field `{id}` has columns, but only a `rows` field has columns"),
            "remove `columns`, or write `kind = \"rows\"`",
        ),
        _ => {}
    }
    match field.kind {
        FieldKind::Choice if field.options.is_empty() => report.value(
            &path.key("kind"),
            format!("field `{id}` is a choice, but has no options to choose from"),
            "add the answers, like `options = [\"Yes\", \"No\"]`",
        ),
        FieldKind::Choice => {}
        _ if !field.options.is_empty() => report.key(
            &path.key("options"),
            format!("field `{id}` has options, but only a `choice` field has options"),
            "remove `options`, or write `kind = \"choice\"`",
        ),
        _ => {}
    }
    for (c, column) in field.columns.iter().enumerate() {
        self::field(&path.key("columns").index(c), column, report);
    }
}

/// A field's `on_answer` notifications name answers it can be given: a
/// yes-no field's `yes` or `no`, or one of a choice's options. A table's
/// columns take none, since a row is not one answer.
fn answers(path: &Path, field: &Field, report: &mut Report<'_, '_>) {
    let id = &field.id;
    for (c, column) in field.columns.iter().enumerate() {
        if !column.on_answer.is_empty() {
            report.key(
                &path.key("columns").index(c).key("on_answer"),
                format!("column `{}` of table `{id}` notifies on an answer, but a table's rows are not one answer", column.id),
                "move `on_answer` to a `yes-no` or `choice` field of its own",
            );
        }
    }
    for (n, on) in field.on_answer.iter().enumerate() {
        let at = path.key("on_answer").index(n).key("answer");
        match field.kind {
            FieldKind::YesNo if !matches!(on.answer.as_str(), "yes" | "no") => report.value(
                &at,
                format!("field `{id}` is answered yes or no, not `{}`", on.answer),
                "write `answer = \"yes\"` or `answer = \"no\"`",
            ),
            FieldKind::Choice if !field.options.contains(&on.answer) => report.value(
                &at,
                format!("`{}` is not one of the options of field `{id}`", on.answer),
                did_you_mean(&on.answer, field.options.iter().map(String::as_str), || {
                    format!("use {}", one_of(field.options.iter().map(String::as_str)))
                }),
            ),
            FieldKind::YesNo | FieldKind::Choice => {}
            _ => report.key(
                &path.key("on_answer"),
                format!("field `{id}` takes free answers, so no one answer can notify anyone"),
                "notify on a `yes-no` or `choice` field, or remove `on_answer`",
            ),
        }
    }
}

fn forms(policy: &Policy, report: &mut Report<'_, '_>) {
    for (f, form) in policy.forms.iter().enumerate() {
        for (s, section) in form.sections.iter().enumerate() {
            for (i, f_field) in section.fields.iter().enumerate() {
                let path = Path::root()
                    .key("forms")
                    .index(f)
                    .key("sections")
                    .index(s)
                    .key("fields")
                    .index(i);
                field(&path, f_field, report);
                // Only the role that completes a section answers it, so
                // whoever submits the form first may be unable to: its
                // fields wait for the stage's end, or are optional.
                if let Some(by) = &section.completed_by
                    && f_field.required == FieldRequired::OnSubmit
                {
                    report.value(
                        &path.key("id"),
                        format!(
                            "field `{}` is in the section `{}` completes, so it cannot be required on every submission: the form's other parts are submitted by people who may not answer it",
                            f_field.id, by
                        ),
                        "write `required = \"before-stage-ends\"` to need it before the stage that needs the form ends, or `required = \"optional\"`",
                    );
                }
            }
        }
    }
}

/// Every track an area is offered on exists, and has the stage the area
/// starts at.
fn areas(policy: &Policy, report: &mut Report<'_, '_>) {
    let tracks: Vec<&str> = policy.tracks.iter().map(|t| t.id.as_str()).collect();
    for (a, area) in policy.areas.iter().enumerate() {
        if let Some(number) = area.entry_stage {
            for track in policy
                .tracks
                .iter()
                .filter(|t| area.tracks.is_empty() || area.tracks.contains(&t.id))
            {
                if track.stage(number).is_some() {
                    continue;
                }
                let last = track.stages.last().map_or(0, |s| s.number.get());
                report.value(
                    &Path::root().key("areas").index(a).key("entry_stage"),
                    format!(
                        "area `{}` starts at stage {number}, but track `{}` has no stage {number}",
                        area.id, track.id
                    ),
                    format!(
                        "use a stage number from 1 to {last}, offer the area only on tracks that have stage {number} with `tracks = [...]`, or remove `entry_stage`"
                    ),
                );
            }
        }
        for (i, track) in area.tracks.iter().enumerate() {
            if tracks.contains(&track.as_str()) {
                continue;
            }
            report.value(
                &Path::root().key("areas").index(a).key("tracks").index(i),
                format!(
                    "area `{}` is offered on track `{track}`, but there is no such track",
                    area.id
                ),
                did_you_mean(track.as_str(), tracks.iter().copied(), || {
                    format!("use {}", one_of(tracks.iter().copied()))
                }),
            );
        }
    }
}
