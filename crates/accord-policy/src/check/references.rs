//! References from one part of a policy to another: every role and every
//! form named anywhere must exist, and the relations `panel` and
//! `area-route` must mean someone where they are used.
//!
//! When a field holding a [`RoleRef`] or a [`FormId`] is added to
//! `model.rs`, add its site to [`check`].

use super::{
    Report,
    locate::Path,
    rules::{stage_label, stage_path},
    suggest::{did_you_mean, nearest, one_of},
};
use crate::{FormId, Policy, Relation, ResolutionRoute, RoleRef, RoleTier, Stage, Track};

/// Where a role is named: within one stage, or anywhere in the case.
#[derive(Clone, Copy)]
enum Scope<'p> {
    Stage(&'p Track, &'p Stage),
    Policy,
}

/// Checks every role and form reference in `policy`.
pub(super) fn check(policy: &Policy, report: &mut Report<'_, '_>) {
    let mut refs = References { policy, report };
    let root = Path::root();
    let policy_wide = Scope::Policy;

    for (i, role) in policy.immediate_risk.notify.iter().enumerate() {
        refs.role(
            &root.key("immediate_risk").key("notify").index(i),
            role,
            policy_wide,
        );
    }
    for (i, role) in policy.outcome.feedback_to.iter().enumerate() {
        refs.role(
            &root.key("outcome").key("feedback_to").index(i),
            role,
            policy_wide,
        );
    }
    let alerts = root.key("alerts");
    for (key, roles) in [
        ("remind_to", &policy.alerts.remind_to),
        ("breach_to", &policy.alerts.breach_to),
        ("resolved_to", &policy.alerts.resolved_to),
        ("raised_to", &policy.alerts.raised_to),
        ("escalated_to", &policy.alerts.escalated_to),
    ] {
        for (i, role) in roles.iter().enumerate() {
            refs.role(&alerts.key(key).index(i), role, policy_wide);
        }
    }
    for (i, group) in policy.learning.forward_to.iter().enumerate() {
        if let Some(role) = &group.role {
            let path = root.key("learning").key("forward_to").index(i).key("role");
            if let RoleRef::Relation(relation) = role {
                refs.report.value(
                    &path,
                    format!(
                        "`{}` is someone's part in one case, so it cannot hold a group learning goes to",
                        relation.id()
                    ),
                    "name a role declared in `[[roles]]`, such as the group's chair, or a tier such as `partnership-team`",
                );
            } else {
                refs.role(&path, role, policy_wide);
            }
        }
    }
    for (a, area) in policy.areas.iter().enumerate() {
        if let Some(role) = &area.routes_to {
            refs.area_route(&root.key("areas").index(a).key("routes_to"), role);
        }
    }
    for (f, form) in policy.forms.iter().enumerate() {
        let path = root.key("forms").index(f);
        for (i, role) in form.send_to.iter().enumerate() {
            refs.role(&path.key("send_to").index(i), role, policy_wide);
        }
        if let Some(role) = &form.returned_to {
            refs.role(&path.key("returned_to"), role, policy_wide);
        }
        for (s, section) in form.sections.iter().enumerate() {
            if let Some(role) = &section.completed_by {
                refs.role(
                    &path.key("sections").index(s).key("completed_by"),
                    role,
                    policy_wide,
                );
            }
            for (i, field) in section.fields.iter().enumerate() {
                for (n, on) in field.on_answer.iter().enumerate() {
                    refs.role(
                        &path
                            .key("sections")
                            .index(s)
                            .key("fields")
                            .index(i)
                            .key("on_answer")
                            .index(n)
                            .key("to"),
                        &on.to,
                        policy_wide,
                    );
                }
            }
        }
    }
    for (t, track) in policy.tracks.iter().enumerate() {
        for (s, stage) in track.stages.iter().enumerate() {
            let path = stage_path(t, s);
            let here = Scope::Stage(track, stage);
            let leads = path.key("leads");
            for (side, roles) in [
                ("raising", &stage.leads.raising),
                ("other", &stage.leads.other),
                ("decides", &stage.leads.decides),
                ("chairs", &stage.leads.chairs),
            ] {
                for (i, role) in roles.iter().enumerate() {
                    refs.role(&leads.key(side).index(i), role, here);
                }
            }
            if let Some(panel) = &stage.panel {
                for (i, role) in panel.recorded_by.iter().enumerate() {
                    refs.role(&path.key("panel").key("recorded_by").index(i), role, here);
                }
                for (i, role) in panel.seats.iter().enumerate() {
                    refs.role(&path.key("panel").key("seats").index(i), role, here);
                }
            }
            if let Some(rule) = &stage.without_agreement {
                for (i, role) in rule.recorded_by.iter().enumerate() {
                    refs.role(
                        &path.key("without_agreement").key("recorded_by").index(i),
                        role,
                        here,
                    );
                }
            }
            if let Some(direct) = &stage.direct_entry {
                refs.form(&path.key("direct_entry").key("form"), &direct.form);
            }
            for (r, requirement) in stage.requirements.iter().enumerate() {
                if let Some(role) = &requirement.with {
                    refs.role(&path.key("requirements").index(r).key("with"), role, here);
                }
                for (i, role) in requirement.by.iter().enumerate() {
                    refs.role(
                        &path.key("requirements").index(r).key("by").index(i),
                        role,
                        here,
                    );
                }
            }
            for (i, form) in stage.forms.iter().enumerate() {
                refs.form(&path.key("forms").index(i).key("form"), &form.form);
            }
            for (n, notification) in stage.notifications.iter().enumerate() {
                let path = path.key("notifications").index(n);
                refs.role(&path.key("to"), &notification.to, here);
                for (i, form) in notification.attach.iter().enumerate() {
                    refs.form(&path.key("attach").index(i), form);
                }
            }
        }
    }
}

struct References<'p, 'r, 'd, 's> {
    policy: &'p Policy,
    report: &'r mut Report<'d, 's>,
}

impl References<'_, '_, '_, '_> {
    /// A role named at `path` exists and, for `panel` and `area-route`,
    /// means someone in `scope`.
    fn role(&mut self, path: &Path, role: &RoleRef, scope: Scope<'_>) {
        match role {
            RoleRef::Declared(id) if self.policy.role(id).is_none() => {
                let declared = self.policy.roles.iter().map(|r| r.id.as_str());
                let candidates = declared
                    .chain(RoleTier::ALL.iter().map(|t| t.id()))
                    .chain(Relation::ALL.iter().map(|r| r.id()));
                let hint = match nearest(id.as_str(), candidates) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => String::from(
                        "declare it in a `[[roles]]` table with `id`, `name` and `tier`, or use a role every policy has, such as `manager`, `safeguarding-lead` or `partnership-team`",
                    ),
                };
                self.report
                    .value(path, format!("`{id}` is not a role in this policy"), hint);
            }
            RoleRef::Relation(Relation::Panel) => self.panel(path, scope),
            RoleRef::Relation(Relation::AreaRoute) => self.area_route_used(path, scope),
            _ => {}
        }
    }

    /// `panel` is the convened panel's members, so it needs a panel.
    fn panel(&mut self, path: &Path, scope: Scope<'_>) {
        let has_panel = |stage: &Stage| stage.resolution.contains(&ResolutionRoute::Panel);
        match scope {
            Scope::Stage(track, stage) if !has_panel(stage) => self.report.value(
                path,
                format!("{} has no Resolution Panel, so `panel` means nobody here", stage_label(track, stage)),
                "name the person instead, such as `chair`, or let this stage be resolved by a panel: add \"panel\" to its `resolution` and a panel rule",
            ),
            Scope::Policy
                if !self.policy.tracks.iter().flat_map(|t| &t.stages).any(has_panel) =>
            {
                self.report.value(
                    path,
                    "no stage in this policy has a Resolution Panel, so `panel` means nobody",
                    "name the person instead, such as `chair` or `partnership-team`",
                )
            }
            _ => {}
        }
    }

    /// `area-route` is the role the case's area routes to, so some area
    /// that can be chosen here must route somewhere.
    fn area_route_used(&mut self, path: &Path, scope: Scope<'_>) {
        let (routed, place) = match scope {
            Scope::Stage(track, _) => (
                self.policy
                    .areas_for(&track.id)
                    .any(|a| a.routes_to.is_some()),
                format!("on track `{}`", track.id),
            ),
            Scope::Policy => (
                self.policy.areas.iter().any(|a| a.routes_to.is_some()),
                String::from("in this policy"),
            ),
        };
        if !routed {
            self.report.value(
                path,
                format!("no area of disagreement {place} has `routes_to`, so `area-route` means nobody here"),
                "add `routes_to = \"…\"` to the areas that go to a particular role, or name the role here directly",
            );
        }
    }

    /// An area's `routes_to` names a real role, and not `area-route`,
    /// which would route the area to itself.
    fn area_route(&mut self, path: &Path, role: &RoleRef) {
        if let RoleRef::Relation(Relation::AreaRoute) = role {
            self.report.value(
                path,
                "an area cannot route to `area-route`: that would send it to itself",
                "name the role this area goes to, such as `chair` or a role from `[[roles]]`",
            );
        } else {
            self.role(path, role, Scope::Policy);
        }
    }

    /// A form named at `path` is declared in `[[forms]]`.
    fn form(&mut self, path: &Path, form: &FormId) {
        if self.policy.form(form).is_some() {
            return;
        }
        let forms = self.policy.forms.iter().map(|f| f.id.as_str());
        let hint = did_you_mean(form.as_str(), forms.clone(), || {
            if self.policy.forms.is_empty() {
                String::from("declare it in a `[[forms]]` table with its sections and fields")
            } else {
                format!(
                    "declare it in a `[[forms]]` table, or use {}",
                    one_of(forms)
                )
            }
        });
        self.report.value(
            path,
            format!("there is no form `{form}` in this policy"),
            hint,
        );
    }
}
