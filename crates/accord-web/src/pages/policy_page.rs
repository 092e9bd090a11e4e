//! The policies Accord runs, as pages: `GET /policies` lists them, and
//! `GET /policies/{id}` draws each of a policy's tracks as a flowchart
//! (an SVG, with the same said in words beside it for anyone who cannot see
//! it) of its stages, their timescales, who leads them, what they need and
//! whom they tell, then the policy's areas, what it does not cover, its
//! forms, and its notes, including where Accord has had to read an unclear
//! passage one way.
//!
//! A policy is public: every signed-in person may read every policy, which
//! holds no case and no person.

use super::extract::Path;
use accord_policy::{
    Condition, FormNeeded, Policy, ResolutionRoute, SignpostEffect, Stage, Track, Trigger,
};
use askama::Template;
use axum::{extract::State, response::Response};

use super::{Chrome, PageError, Section, Viewer, capitalised, html, stage_words, words};
use crate::{ApiError, AppState};

#[derive(Template)]
#[template(path = "policy_list.html")]
struct ListPage {
    chrome: Chrome,
    /// Each policy: its id, title, partnership, date, and whether it is
    /// the viewer's partnership's.
    policies: Vec<(String, String, String, String, bool)>,
}

/// `GET /policies`.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let own = own_policy(&state, &viewer).await?;
    let known = state.policies();
    let mut policies: Vec<(String, String, String, String, bool)> = known
        .newest_of_each()
        .into_iter()
        .map(|p| {
            (
                p.id.to_string(),
                p.title.clone(),
                p.partnership.clone(),
                p.document.dated.clone(),
                Some(&p.id) == own.as_ref(),
            )
        })
        .collect();
    // The viewer's own first, then by partnership.
    policies.sort_by(|a, b| b.4.cmp(&a.4).then(a.2.cmp(&b.2)));
    policies.dedup_by(|a, b| a.0 == b.0);
    let page = ListPage {
        chrome: Chrome::new("Policies", Section::Policies, Some(&viewer)),
        policies,
    };
    Ok(html(&page))
}

async fn own_policy(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Option<accord_policy::PolicyId>, PageError> {
    Ok(state
        .store()
        .partnerships()
        .await
        .map_err(|e| PageError::new(e.into(), viewer))?
        .into_iter()
        .find(|p| p.id == viewer.principal.partnership())
        .map(|p| p.policy))
}

/// One box of the flowchart.
pub(crate) struct ChartStage {
    pub(crate) y: u32,
    pub(crate) height: u32,
    pub(crate) lines: Vec<(u32, String, bool)>,
    /// Where the arrow to the next stage runs, if there is one.
    pub(crate) arrow: Option<(u32, u32)>,
    /// The "resolved" branch: its label's lines.
    pub(crate) resolved: Vec<(u32, String)>,
    pub(crate) resolved_y: u32,
    pub(crate) resolved_height: u32,
    pub(crate) final_decision: bool,
}

/// A track's flowchart.
pub(crate) struct Chart {
    pub(crate) id: String,
    pub(crate) height: u32,
    pub(crate) label: String,
    pub(crate) stages: Vec<ChartStage>,
}

/// A stage, in words.
pub(crate) struct StageWords {
    pub(crate) heading: String,
    pub(crate) section: String,
    pub(crate) summary: String,
    pub(crate) facts: Vec<(String, String)>,
    pub(crate) notifications: Vec<String>,
    pub(crate) may: Vec<String>,
}

pub(crate) struct TrackView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) section: String,
    pub(crate) chart: Chart,
    pub(crate) stages: Vec<StageWords>,
}

/// One installed version of a policy, as the page lists it.
pub(crate) struct VersionRow {
    pub(crate) number: u32,
    pub(crate) href: String,
    /// When it took effect, in words.
    pub(crate) since: String,
    /// Who installed it: a person's name, or the command line.
    pub(crate) by: String,
    pub(crate) in_force: bool,
    /// Whether it is the version this page shows.
    pub(crate) shown: bool,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    chrome: Chrome,
    /// Which version this is, and whether it is in force, in words.
    version: String,
    /// A link to the version in force when this is an older one.
    in_force_href: Option<String>,
    /// Every installed version, oldest first; empty for a built-in policy.
    history: Vec<VersionRow>,
    partnership: String,
    document: String,
    calendar: String,
    covers: String,
    immediate_risk: String,
    tracks: Vec<TrackView>,
    areas: Vec<(String, String)>,
    out_of_scope: Vec<(String, String)>,
    /// Routes the document points to without putting anything out of
    /// scope (Sutton §1's whistle blowing policies).
    other_routes: Vec<(String, String)>,
    forms: Vec<(String, String)>,
    outcome: Vec<String>,
    notes: Vec<(String, String, bool)>,
}

/// `GET /policies/{id}`: the version in force.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    draw(&state, &viewer, &id, None).await
}

/// `GET /policies/{id}/versions/{version}`: any version, in force or not,
/// as cases raised under it still run.
pub(crate) async fn show_version(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let not_found = || {
        PageError::new(
            ApiError::NotFound {
                code: "unknown_policy",
                message: String::new(),
            },
            &viewer,
        )
    };
    let version: u32 = version.parse().map_err(|_| not_found())?;
    draw(&state, &viewer, &id, Some(version)).await
}

/// The page of policy `id` at `version` (the version in force for `None`).
async fn draw(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    version: Option<u32>,
) -> Result<Response, PageError> {
    let not_found = || {
        PageError::new(
            ApiError::NotFound {
                code: "unknown_policy",
                message: String::new(),
            },
            viewer,
        )
    };
    let fail =
        |e: accord_store::PolicyLoadError| PageError::new(ApiError::Internal(Box::new(e)), viewer);
    let Ok(policy_id) = id.parse::<accord_policy::PolicyId>() else {
        return Err(not_found());
    };
    let store = state.store();
    let in_force = store
        .policy_in_force(&policy_id, state.calendars())
        .await
        .map_err(fail)?
        .ok_or_else(not_found)?;
    let policy = match version {
        None => in_force.clone(),
        Some(v) => store
            .policy_version(&policy_id, v, state.calendars())
            .await
            .map_err(fail)?
            .ok_or_else(not_found)?,
    };
    let installed: Vec<accord_store::InstalledPolicy> = store
        .installed_policies(None)
        .await
        .map_err(|e| PageError::new(e.into(), viewer))?
        .into_iter()
        .filter(|h| h.policy == policy_id)
        .collect();
    let mut history = Vec::new();
    for h in &installed {
        // The command line first: its name is also a valid person id.
        // A person is named only within the partnership that installed it.
        let by = if h.installed_by == accord_store::ChangedBy::COMMAND_LINE.id() {
            "The command line at the server".to_owned()
        } else {
            match accord_case::PersonId::parse(&h.installed_by) {
                Ok(person) => store
                    .person(&person)
                    .await
                    .ok()
                    .flatten()
                    .filter(|p| p.partnership == h.partnership)
                    .map_or_else(|| "An administrator".to_owned(), |p| p.name),
                Err(_) => "An administrator".to_owned(),
            }
        };
        history.push(VersionRow {
            number: h.version,
            href: format!("/policies/{}/versions/{}", h.policy, h.version),
            since: words::day(h.installed_at),
            by,
            in_force: h.version == in_force.version,
            shown: h.version == policy.version,
        });
    }
    let since = installed
        .iter()
        .find(|h| h.version == policy.version)
        .map(|h| format!(", installed {}", words::day(h.installed_at)))
        .unwrap_or_default();
    let (version_words, in_force_href) = if policy.version == in_force.version {
        (format!("Version {}, in force{since}", policy.version), None)
    } else {
        (
            format!(
                "Version {}{since}. No longer in force: version {} is. Disagreements raised \
                 under version {} carry on under it.",
                policy.version, in_force.version, policy.version
            ),
            Some(format!("/policies/{}", policy.id)),
        )
    };
    let policy = &*policy;
    let viewer = viewer.clone();
    let covers: Vec<&str> = policy
        .subjects
        .iter()
        .map(|k| match k {
            accord_policy::SubjectKind::Child => "children",
            accord_policy::SubjectKind::VulnerableAdult => "adults at risk",
        })
        .collect();
    let page = PolicyPage {
        chrome: Chrome::new(policy.title.clone(), Section::Policies, Some(&viewer)),
        version: version_words,
        in_force_href,
        history,
        partnership: policy.partnership.clone(),
        document: format!(
            "{}, {}{}",
            policy.document.title,
            policy.document.dated,
            policy
                .document
                .review
                .as_ref()
                .map(|r| format!(" (review due {r})"))
                .unwrap_or_default()
        ),
        // The calendar's own name, "England and Wales", as the
        // administration pages give it.
        calendar: state
            .calendars()
            .get(&policy.calendar)
            .map_or_else(|_| policy.calendar.to_string(), |c| c.name().to_owned()),
        covers: covers.join(" and "),
        immediate_risk: format!(
            "{} ({})",
            policy.immediate_risk.instruction, policy.immediate_risk.section
        ),
        tracks: policy
            .tracks
            .iter()
            .map(|t| TrackView {
                id: t.id.to_string(),
                name: t.name.clone(),
                description: t.description.clone(),
                section: t.section.clone(),
                chart: chart(policy, t),
                stages: t
                    .stages
                    .iter()
                    .map(|s| stage_words_of(policy, t, s))
                    .collect(),
            })
            .collect(),
        areas: policy
            .areas
            .iter()
            .map(|a| {
                let mut note = Vec::new();
                if let Some(n) = a.entry_stage {
                    note.push(format!("starts at Stage {n}"));
                }
                if !a.tracks.is_empty() && policy.tracks.len() > 1 {
                    let names: Vec<String> = a
                        .tracks
                        .iter()
                        .filter_map(|t| policy.track(t).map(|t| t.name.clone()))
                        .collect();
                    note.push(format!("on: {}", names.join("; ")));
                }
                (capitalised(&a.label), capitalised(&note.join(", ")))
            })
            .collect(),
        out_of_scope: signposts(policy, SignpostEffect::OutOfScope),
        other_routes: signposts(policy, SignpostEffect::Advice),
        forms: policy
            .forms
            .iter()
            .map(|f| {
                let fields: usize = f.sections.iter().map(|s| s.fields.len()).sum();
                (
                    f.title.clone(),
                    format!(
                        "{}: {fields} questions in {} parts",
                        f.section,
                        f.sections.len()
                    ),
                )
            })
            .collect(),
        outcome: outcome_words(policy),
        notes: policy
            .notes
            .iter()
            .map(|n| (n.topic.clone(), n.text.trim().to_owned(), n.reading))
            .collect(),
    };
    Ok(html(&page))
}

fn outcome_words(policy: &Policy) -> Vec<String> {
    let outcome = &policy.outcome;
    let mut out = Vec::new();
    out.push(if outcome.written_confirmation {
        format!(
            "Each agency in the disagreement confirms the outcome in writing before the case \
             is closed ({}).",
            outcome.section
        )
    } else {
        format!(
            "The policy does not ask the agencies to confirm the outcome in writing ({}).",
            outcome.section
        )
    });
    if !outcome.feedback_to.is_empty() {
        let to: Vec<String> = outcome
            .feedback_to
            .iter()
            .map(|r| words::role(policy, r))
            .collect();
        out.push(format!(
            "The outcome is fed back to the {}.",
            to.join(" and ")
        ));
    }
    if !policy.learning.themes.is_empty() {
        let themes: Vec<String> = policy
            .learning
            .themes
            .iter()
            .map(|t| t.label.clone())
            .collect();
        out.push(format!(
            "Learning is recorded under: {} ({}).",
            themes.join("; "),
            policy.learning.section
        ));
    }
    out
}

fn leads_words(policy: &Policy, stage: &Stage) -> String {
    let names = |roles: &[accord_policy::RoleRef]| -> String {
        roles
            .iter()
            .map(|r| words::role(policy, r))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let leads = &stage.leads;
    let mut parts = Vec::new();
    if !leads.raising.is_empty() {
        parts.push(format!("raising agency: {}", names(&leads.raising)));
    }
    if !leads.other.is_empty() {
        parts.push(format!("other agency: {}", names(&leads.other)));
    }
    if !leads.decides.is_empty() {
        parts.push(format!("decides: {}", names(&leads.decides)));
    }
    if !leads.chairs.is_empty() {
        parts.push(format!("chaired by: {}", names(&leads.chairs)));
    }
    capitalised(&parts.join("; "))
}

fn condition_words(when: Condition) -> &'static str {
    match when {
        Condition::Always => "",
        Condition::ChildProtectionPlan => ", if a child is subject to a Child Protection Plan",
        Condition::LookedAfter => ", if a child is Looked After",
        Condition::ChildProtectionPlanOrLookedAfter => {
            ", if a child is subject to a Child Protection Plan or Looked After"
        }
        Condition::ImmediateRisk => ", if a child is at immediate risk",
    }
}

fn trigger_words(on: Trigger) -> &'static str {
    match on {
        Trigger::Entry => "On entry",
        Trigger::Reached => "On reaching the stage, or starting past it",
        Trigger::Exit => "On escalation",
        Trigger::Resolved => "On resolution",
        Trigger::Breach => "If the deadline passes",
        Trigger::Closed => "On closing",
    }
}

fn routes_words(stage: &Stage) -> String {
    stage
        .resolution
        .iter()
        .map(|r| match r {
            ResolutionRoute::Agreement => "agreement",
            ResolutionRoute::Decision => "a decision",
            ResolutionRoute::Panel => "a Resolution Panel",
            ResolutionRoute::WithoutAgreement => "ending without agreement, the decision finalised",
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn stage_words_of(policy: &Policy, track: &Track, stage: &Stage) -> StageWords {
    let mut timescale = capitalised(&stage.timescale.timescale().to_string());
    if let Some(agreed) = &stage.agreed_timescale {
        timescale.push_str(&format!(
            ", unless a shorter or longer timescale is agreed for the case ({})",
            agreed.section
        ));
    }
    let mut facts = vec![
        ("Timescale".to_owned(), timescale),
        ("Led by".to_owned(), leads_words(policy, stage)),
        ("Resolved by".to_owned(), capitalised(&routes_words(stage))),
    ];
    if track.immediate_risk_entry.contains(&stage.number) {
        facts.push((
            "Immediate risk".to_owned(),
            "A case may start here when a child is at immediate risk".to_owned(),
        ));
    }
    for req in &stage.requirements {
        facts.push((
            "Needs".to_owned(),
            format!("{} ({})", req.description, req.section),
        ));
    }
    for f in &stage.forms {
        let title = policy
            .form(&f.form)
            .map_or_else(|| f.form.to_string(), |form| form.title.clone());
        facts.push((
            "Form".to_owned(),
            format!(
                "{title}, {} ({})",
                match f.needed {
                    FormNeeded::ToEnter => "to enter the stage",
                    FormNeeded::ToLeave => "before the stage can end",
                },
                f.section
            ),
        ));
    }
    if let Some(panel) = &stage.panel {
        facts.push((
            "Resolution Panel".to_owned(),
            format!(
                "{} At least {} agencies ({}).",
                panel.membership, panel.min_agencies, panel.section
            ),
        ));
    }
    if stage.final_decision {
        facts.push((
            "Final".to_owned(),
            "A decision here is final and closes the case".to_owned(),
        ));
    }
    StageWords {
        heading: stage_words(stage.number, &stage.name),
        section: stage.section.clone(),
        summary: stage.summary.clone(),
        facts,
        notifications: stage
            .notifications
            .iter()
            .map(|n| {
                format!(
                    "{}, the {}{}: {} ({})",
                    trigger_words(n.on),
                    words::role(policy, &n.to),
                    condition_words(n.when),
                    n.message,
                    n.section
                )
            })
            .collect(),
        may: stage.may.clone(),
    }
}

/// The gap between boxes, where the escalation arrow runs.
const GAP: u32 = 56;
/// The height of a line of text in a box.
const LINE: u32 = 20;

/// Draws `track`: a box per stage, top to bottom, an arrow from each to the
/// next ("not resolved: escalate") and to its side how it is resolved.
fn chart(policy: &Policy, track: &Track) -> Chart {
    let mut y = 16;
    let mut stages = Vec::new();
    for (i, stage) in track.stages.iter().enumerate() {
        let mut lines: Vec<(String, bool)> =
            words::wrap(&stage_words(stage.number, &stage.name), 50)
                .into_iter()
                .map(|l| (l, true))
                .collect();
        lines.push((capitalised(&stage.timescale.timescale().to_string()), false));
        for l in words::wrap(&leads_words(policy, stage), 56) {
            lines.push((l, false));
        }
        let told: Vec<String> = stage
            .notifications
            .iter()
            .filter(|n| n.on.on_entry())
            .map(|n| {
                format!(
                    "{}{}",
                    words::role(policy, &n.to),
                    condition_words(n.when).replacen(", if", " if", 1)
                )
            })
            .collect();
        if !told.is_empty() {
            for l in words::wrap(&format!("Tells on entry: {}", told.join("; ")), 56) {
                lines.push((l, false));
            }
        }
        for f in stage
            .forms
            .iter()
            .filter(|f| f.needed == FormNeeded::ToEnter)
        {
            let title = policy
                .form(&f.form)
                .map_or_else(|| f.form.to_string(), |form| form.title.clone());
            for l in words::wrap(&format!("Needs to enter: {title}"), 56) {
                lines.push((l, false));
            }
        }
        let height = 24 + LINE * lines.len() as u32;
        let placed = lines
            .into_iter()
            .enumerate()
            .map(|(n, (text, bold))| (y + 26 + LINE * n as u32, text, bold))
            .collect();
        let resolved_lines: Vec<(u32, String)> = words::wrap(
            &format!(
                "Resolved by {}{}",
                routes_words(stage),
                if stage.final_decision { ": final" } else { "" }
            ),
            26,
        )
        .into_iter()
        .enumerate()
        .map(|(n, l)| (y + 30 + 18 * n as u32, l))
        .collect();
        let last = i + 1 == track.stages.len();
        stages.push(ChartStage {
            y,
            height,
            lines: placed,
            arrow: (!last).then_some((y + height, y + height + GAP - 6)),
            resolved_y: y + 8,
            resolved_height: 16 + 18 * resolved_lines.len() as u32,
            resolved: resolved_lines,
            final_decision: stage.final_decision,
        });
        y += height + GAP;
    }
    Chart {
        id: track.id.to_string(),
        height: y - GAP + 16,
        label: format!(
            "{}: {} stages, from {} to {}. Each stage that does not resolve it escalates to the \
             next.",
            track.name,
            track.stages.len(),
            track
                .stages
                .first()
                .map_or_else(String::new, |s| stage_words(s.number, &s.name)),
            track
                .stages
                .last()
                .map_or_else(String::new, |s| stage_words(s.number, &s.name)),
        ),
        stages,
    }
}

/// The policy's signposts with `effect`, as concern and where to go.
fn signposts(policy: &Policy, effect: SignpostEffect) -> Vec<(String, String)> {
    policy
        .out_of_scope
        .iter()
        .filter(|s| s.effect == effect)
        .map(|s| (s.concern.clone(), format!("{} ({})", s.go_to, s.section)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_policy_draws_one_box_per_stage_with_arrows_between() {
        let calendars = accord_calendar::Calendars::builtin();
        for policy in accord_policy::builtin(&calendars) {
            for track in &policy.tracks {
                let chart = chart(&policy, track);
                assert_eq!(chart.stages.len(), track.stages.len(), "{}", policy.id);
                let arrows = chart.stages.iter().filter(|s| s.arrow.is_some()).count();
                assert_eq!(arrows, track.stages.len() - 1);
                // Boxes do not overlap, and every line is inside its box.
                for pair in chart.stages.windows(2) {
                    assert!(pair[0].y + pair[0].height < pair[1].y);
                }
                for s in &chart.stages {
                    assert!(s.lines.iter().all(|(y, _, _)| *y < s.y + s.height));
                }
            }
        }
    }

    /// Sutton: §5's timescale agreed for the case is said beside the
    /// stages that allow it, and §1's whistle blowing is another route the
    /// policy points to, not something it does not cover.
    #[test]
    fn sutton_page_says_where_a_timescale_may_be_agreed_and_lists_whistle_blowing_as_a_route() {
        let calendars = accord_calendar::Calendars::builtin();
        let policies = accord_policy::builtin(&calendars);
        let sutton = policies
            .iter()
            .find(|p| p.id.as_str() == "sutton-2015")
            .unwrap();
        let track = sutton.default_track();
        let timescale = |n: usize| {
            stage_words_of(sutton, track, &track.stages[n])
                .facts
                .into_iter()
                .find(|(k, _)| k == "Timescale")
                .unwrap()
                .1
        };
        assert_eq!(timescale(0), "5 working days");
        assert_eq!(
            timescale(1),
            "5 working days, unless a shorter or longer timescale is agreed for the case (§5)"
        );
        assert!(signposts(sutton, SignpostEffect::OutOfScope).is_empty());
        let routes = signposts(sutton, SignpostEffect::Advice);
        assert_eq!(routes.len(), 1);
        assert!(routes[0].1.contains("whistle blowing"), "{routes:?}");
    }
}
