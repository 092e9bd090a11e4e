//! What changes between two versions of a policy, as a list a Business
//! Manager can read before the new version takes effect (issue 13 §2).
//!
//! [`changes`] compares the version in force with the one about to be
//! installed and says, one plain-English sentence per change, what would
//! happen differently to a case: stages, timescales, leads, required
//! records, forms, notifications, panels, decisions, roles, areas. Each
//! change also carries its heading ([`ChangePart`]), its track and stage,
//! and what it is about ([`PolicyItem`]), so a page can group it and a CLI can
//! print it as JSON. Sentences use the policy's own names: role names,
//! stage names, form titles, field labels, with ids where a name is
//! missing or is what changed.
//!
//! The policy's `id` and `version` are never changes: the caller shows
//! them. Text that changes nothing that happens to a case, the `[[notes]]`,
//! every `section` reference and the document's file name, is summarised
//! in one last change rather than listed.
//!
//! ```
//! use accord_calendar::Calendars;
//! use accord_policy::{BUILTIN, Policy, changes};
//! let calendars = Calendars::builtin();
//! let havering = BUILTIN.iter().find(|(id, _)| *id == "havering-2022").unwrap().1;
//! let before = Policy::from_toml(havering, &calendars).unwrap();
//! let after = Policy::from_toml(
//!     &havering.replace(r#"title = "Escalation & Dispute Resolution Policy""#,
//!                       r#"title = "Escalation Policy""#),
//!     &calendars,
//! ).unwrap();
//! let list = changes(&before, &after);
//! assert_eq!(
//!     list[0].to_string(),
//!     r#"The policy's title changes from "Escalation & Dispute Resolution Policy" to "Escalation Policy""#
//! );
//! ```

use std::fmt;

use serde::Serialize;

use crate::{
    AnswerNotification, Area, Before, Condition, CountFrom, DirectEntry, Field, FieldKind,
    FieldRequired, Form, FormNeeded, Inclusion, Leads, Notification, PanelRule, Policy, RecordKind,
    Relation, Requirement, ResolutionRoute, RoleRef, RoleTier, Stage, StageForm, StageNumber,
    StageTimescale, SubjectKind, Track, TrackId, Trigger,
};
use crate::{AreaId, FieldId, FormId, RoleId, SignpostId, ThemeId};

/// One difference between two versions of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct PolicyChange {
    /// The heading it goes under.
    pub part: ChangePart,
    /// Whether something is new, gone, or different.
    pub kind: ChangeKind,
    /// What it is about.
    pub about: PolicyItem,
    /// The track it is on, for a change to a track or one of its stages.
    pub track: Option<TrackId>,
    /// The stage it is at, for a change to a stage: its number in the new
    /// version, or in the old one for a stage that is removed.
    pub stage: Option<StageNumber>,
    /// The change in one plain-English sentence, without a full stop.
    pub sentence: String,
}

impl fmt::Display for PolicyChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence)
    }
}

/// The heading a change goes under on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ChangePart {
    /// Tracks and stages: added, removed, renamed, renumbered, what they
    /// involve, direct entry, what entering records.
    Stages,
    /// How long stages take, and the calendar working days are counted on.
    Timescales,
    /// Who leads each side, decides or chairs.
    Leads,
    /// The records a stage needs before it can be left.
    Records,
    /// Forms, their fields, and the forms a stage needs.
    Forms,
    /// Who is told what, and when.
    Notifications,
    /// Resolution Panels: who sits, how many agencies, who records.
    Panels,
    /// How a stage is resolved, which decisions are final, written
    /// confirmation of the outcome.
    Decisions,
    /// What a partnership does when a child is at immediate risk.
    ImmediateRisk,
    /// The roles the policy names.
    Roles,
    /// The areas of disagreement, and concerns signposted elsewhere.
    Areas,
    /// Anything else: title, partnership, subjects, learning, documentation.
    Other,
}

impl ChangePart {
    /// The heading, as a page shows it.
    pub fn label(self) -> &'static str {
        match self {
            ChangePart::Stages => "Stages",
            ChangePart::Timescales => "Timescales",
            ChangePart::Leads => "Leads",
            ChangePart::Records => "Required records",
            ChangePart::Forms => "Forms",
            ChangePart::Notifications => "Notifications",
            ChangePart::Panels => "Panels",
            ChangePart::Decisions => "Decisions",
            ChangePart::ImmediateRisk => "Immediate risk",
            ChangePart::Roles => "Roles",
            ChangePart::Areas => "Areas of disagreement",
            ChangePart::Other => "Other",
        }
    }
}

impl fmt::Display for ChangePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Whether something is new, gone, or different.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// It is in the new version only.
    Added,
    /// It is in the old version only.
    Removed,
    /// It is in both, differently.
    Changed,
}

/// What part of the policy a change is about. Track and stage are on the
/// [`PolicyChange`] itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "what", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PolicyItem {
    /// The policy's title.
    Title,
    /// The partnership's name.
    Partnership,
    /// The calendar working days are counted on.
    Calendar,
    /// Whom the policy protects.
    Subjects,
    /// The document the policy encodes.
    Document,
    /// A role the policy declares.
    Role {
        /// Its id.
        role: RoleId,
    },
    /// An area of disagreement, or the areas' order.
    Area {
        /// Its id; `None` for the order of the list.
        area: Option<AreaId>,
    },
    /// A concern signposted out of the procedure.
    OutOfScope {
        /// Its id.
        signpost: SignpostId,
    },
    /// What the policy says to do at immediate risk, or a track's
    /// immediate-risk entry stages.
    ImmediateRisk,
    /// A form, or one of its sections or fields.
    Form {
        /// The form.
        form: FormId,
        /// The field, for a change to one field (or a column of one).
        field: Option<FieldId>,
    },
    /// A track: added, removed, its name, description, default, or whether
    /// it names a subject.
    Track,
    /// A stage: added, removed, renumbered, renamed, its summary or what it
    /// may involve.
    Stage,
    /// A stage's timescale, or whether it may be agreed for the case.
    Timescale,
    /// A stage's leads: raising, other, decides, chairs.
    Leads,
    /// A record a stage requires.
    Requirement,
    /// A form a stage needs.
    StageForm {
        /// The form.
        form: FormId,
    },
    /// A notification a stage sends.
    Notification,
    /// How a stage may be resolved, which decisions there are final, and who
    /// records an ending without agreement.
    Resolution,
    /// A stage's Resolution Panel rule.
    Panel,
    /// A route straight to a stage past the stages between.
    DirectEntry,
    /// What entering a stage records about the case's subjects.
    OnEntry,
    /// How an outcome is confirmed and fed back.
    Outcome,
    /// Learning themes and where learning goes.
    Learning {
        /// The theme, for a change to one theme.
        theme: Option<ThemeId>,
    },
    /// Reminders and the alerts Accord sends beyond a stage's own.
    Alerts,
    /// Notes, section references and the document's file name, summarised.
    Documentation,
}

/// Every change between `from`, the version in force, and `to`, the
/// version about to take effect: the policy as a whole first, then roles,
/// areas, immediate risk and forms, then each track and its stages in the
/// new version's order, then outcomes, learning and alerts, and last one
/// summary of documentation-only changes. Empty when the two say the same.
pub fn changes(from: &Policy, to: &Policy) -> Vec<PolicyChange> {
    let mut diff = Diff {
        from,
        to,
        out: Vec::new(),
        track: None,
        stage: None,
        notes: false,
        sections: false,
    };
    diff.policy();
    diff.out
}

/// The comparison under way: the two versions, the changes found so far,
/// and where in the policy it has got to.
struct Diff<'a> {
    from: &'a Policy,
    to: &'a Policy,
    out: Vec<PolicyChange>,
    track: Option<TrackId>,
    stage: Option<StageNumber>,
    /// Whether the `[[notes]]` differ.
    notes: bool,
    /// Whether a section reference (or the document's file) differs.
    sections: bool,
}

impl<'a> Diff<'a> {
    fn push(&mut self, part: ChangePart, about: PolicyItem, kind: ChangeKind, sentence: String) {
        self.out.push(PolicyChange {
            part,
            kind,
            about,
            track: self.track.clone(),
            stage: self.stage,
            sentence: capitalised(&sentence),
        });
    }

    fn section(&mut self, from: &str, to: &str) {
        self.sections |= from != to;
    }

    fn policy(&mut self) {
        let (from, to) = (self.from, self.to);
        use ChangeKind::Changed as C;
        if from.title != to.title {
            self.push(
                ChangePart::Other,
                PolicyItem::Title,
                C,
                format!(
                    "the policy's title changes from \"{}\" to \"{}\"",
                    from.title, to.title
                ),
            );
        }
        if from.partnership != to.partnership {
            self.push(
                ChangePart::Other,
                PolicyItem::Partnership,
                C,
                format!(
                    "the partnership's name changes from \"{}\" to \"{}\"",
                    from.partnership, to.partnership
                ),
            );
        }
        if from.calendar != to.calendar {
            self.push(
                ChangePart::Timescales,
                PolicyItem::Calendar,
                C,
                format!(
                    "working days are counted on the `{}` calendar instead of `{}`",
                    to.calendar, from.calendar
                ),
            );
        }
        for (subject, covered) in set_diff(&from.subjects, &to.subjects) {
            let (kind, now) = if covered {
                (ChangeKind::Added, "now covers")
            } else {
                (ChangeKind::Removed, "no longer covers")
            };
            self.push(
                ChangePart::Other,
                PolicyItem::Subjects,
                kind,
                format!("the policy {now} {}", subject_words(*subject)),
            );
        }
        let document = |p: &Policy| {
            let d = &p.document;
            let review = d.review.as_ref().map(|r| format!(", review {r}"));
            format!(
                "\"{}\" ({}{})",
                d.title,
                d.dated,
                review.unwrap_or_default()
            )
        };
        if document(from) != document(to) {
            self.push(
                ChangePart::Other,
                PolicyItem::Document,
                C,
                format!(
                    "the document this policy encodes changes from {} to {}",
                    document(from),
                    document(to)
                ),
            );
        }
        self.section(&from.document.file, &to.document.file);
        self.notes = json(&from.notes) != json(&to.notes);

        self.roles();
        self.areas();
        self.out_of_scope();
        self.immediate_risk();
        self.forms();
        self.tracks();
        self.outcome();
        self.learning();
        self.alerts();

        if self.notes || self.sections {
            let what = match (self.notes, self.sections) {
                (true, true) => "notes and section references change",
                (true, false) => "notes change",
                _ => "section references change",
            };
            self.push(
                ChangePart::Other,
                PolicyItem::Documentation,
                C,
                format!("the policy's {what}; they change nothing that happens to a case"),
            );
        }
    }

    fn roles(&mut self) {
        let (from, to) = (self.from, self.to);
        let paired = by_key(&from.roles, &to.roles, |r| &r.id);
        for old in paired.removed {
            self.push(
                ChangePart::Roles,
                PolicyItem::Role {
                    role: old.id.clone(),
                },
                ChangeKind::Removed,
                format!("role `{}` (\"{}\") is removed", old.id, old.name),
            );
        }
        for item in paired.new {
            let new = item.new;
            let about = PolicyItem::Role {
                role: new.id.clone(),
            };
            let Some(old) = item.old else {
                let email = new
                    .email
                    .as_ref()
                    .map(|e| format!(", with the mailbox {e}"))
                    .unwrap_or_default();
                self.push(
                    ChangePart::Roles,
                    about,
                    ChangeKind::Added,
                    format!(
                        "new role `{}`: \"{}\", at the {} tier{email}",
                        new.id,
                        new.name,
                        tier_words(new.tier)
                    ),
                );
                continue;
            };
            if old.name != new.name {
                self.push(
                    ChangePart::Roles,
                    about.clone(),
                    ChangeKind::Changed,
                    format!(
                        "role `{}` is renamed from \"{}\" to \"{}\"",
                        new.id, old.name, new.name
                    ),
                );
            }
            if old.tier != new.tier {
                self.push(
                    ChangePart::Roles,
                    about.clone(),
                    ChangeKind::Changed,
                    format!(
                        "role `{}` (\"{}\") moves from the {} tier to the {} tier",
                        new.id,
                        new.name,
                        tier_words(old.tier),
                        tier_words(new.tier)
                    ),
                );
            }
            if old.email != new.email {
                let mailbox = |e: &Option<String>| e.clone().unwrap_or_else(|| "none".into());
                self.push(
                    ChangePart::Roles,
                    about,
                    ChangeKind::Changed,
                    format!(
                        "role `{}` (\"{}\"): its mailbox changes from {} to {}",
                        new.id,
                        new.name,
                        mailbox(&old.email),
                        mailbox(&new.email)
                    ),
                );
            }
            self.section(
                old.section.as_deref().unwrap_or_default(),
                new.section.as_deref().unwrap_or_default(),
            );
        }
    }

    fn areas(&mut self) {
        let (from, to) = (self.from, self.to);
        let paired = by_key(&from.areas, &to.areas, |a| &a.id);
        let about = |a: &Area| PolicyItem::Area {
            area: Some(a.id.clone()),
        };
        for old in &paired.removed {
            self.push(
                ChangePart::Areas,
                about(old),
                ChangeKind::Removed,
                format!("the area of disagreement \"{}\" is removed", old.label),
            );
        }
        let mut same_order = true;
        let mut last_old = 0;
        for item in &paired.new {
            let new = item.new;
            let Some(old) = item.old else {
                self.push(
                    ChangePart::Areas,
                    about(new),
                    ChangeKind::Added,
                    format!("new area of disagreement: \"{}\"", new.label),
                );
                continue;
            };
            let position = from.areas.iter().position(|a| a.id == old.id).unwrap_or(0);
            same_order &= position >= last_old;
            last_old = position;
            let c = ChangeKind::Changed;
            if old.label != new.label {
                self.push(
                    ChangePart::Areas,
                    about(new),
                    c,
                    format!(
                        "the area of disagreement `{}` is reworded from \"{}\" to \"{}\"",
                        new.id, old.label, new.label
                    ),
                );
            }
            if old.tracks != new.tracks {
                self.push(
                    ChangePart::Areas,
                    about(new),
                    c,
                    format!(
                        "the area of disagreement \"{}\" is offered on {} instead of {}",
                        new.label,
                        tracks_words(to, &new.tracks),
                        tracks_words(from, &old.tracks)
                    ),
                );
            }
            if old.routes_to != new.routes_to {
                let route = |p: &Policy, r: &Option<RoleRef>| {
                    r.as_ref()
                        .map_or_else(|| "no one in particular".to_owned(), |r| the(p, r))
                };
                self.push(
                    ChangePart::Areas,
                    about(new),
                    c,
                    format!(
                        "cases in the area \"{}\" go first to {} instead of {}",
                        new.label,
                        route(to, &new.routes_to),
                        route(from, &old.routes_to)
                    ),
                );
            }
            if old.entry_stage != new.entry_stage {
                let stage = |s: Option<StageNumber>| {
                    s.map_or_else(
                        || "the track's first stage".to_owned(),
                        |n| format!("Stage {n}"),
                    )
                };
                self.push(
                    ChangePart::Areas,
                    about(new),
                    c,
                    format!(
                        "cases in the area \"{}\" start at {} instead of {}",
                        new.label,
                        stage(new.entry_stage),
                        stage(old.entry_stage)
                    ),
                );
            }
        }
        if !same_order {
            self.push(
                ChangePart::Areas,
                PolicyItem::Area { area: None },
                ChangeKind::Changed,
                "the areas of disagreement are listed in a different order".into(),
            );
        }
    }

    fn out_of_scope(&mut self) {
        let (from, to) = (self.from, self.to);
        let paired = by_key(&from.out_of_scope, &to.out_of_scope, |s| &s.id);
        for old in paired.removed {
            self.push(
                ChangePart::Areas,
                PolicyItem::OutOfScope {
                    signpost: old.id.clone(),
                },
                ChangeKind::Removed,
                format!(
                    "concerns of the kind \"{}\" are no longer pointed to \"{}\"",
                    old.concern, old.go_to
                ),
            );
        }
        for item in paired.new {
            let new = item.new;
            let about = PolicyItem::OutOfScope {
                signpost: new.id.clone(),
            };
            let effect = |e: crate::SignpostEffect| match e {
                crate::SignpostEffect::OutOfScope => {
                    "they are outside the procedure and cannot be raised"
                }
                crate::SignpostEffect::Advice => "they may still be raised",
            };
            let Some(old) = item.old else {
                self.push(
                    ChangePart::Areas,
                    about,
                    ChangeKind::Added,
                    format!(
                        "new signpost: concerns of the kind \"{}\" are pointed to \"{}\"; {}",
                        new.concern,
                        new.go_to,
                        effect(new.effect)
                    ),
                );
                continue;
            };
            let c = ChangeKind::Changed;
            if old.concern != new.concern {
                self.push(
                    ChangePart::Areas,
                    about.clone(),
                    c,
                    format!(
                        "the signposted concern `{}` is reworded from \"{}\" to \"{}\"",
                        new.id, old.concern, new.concern
                    ),
                );
            }
            if old.go_to != new.go_to {
                self.push(
                    ChangePart::Areas,
                    about.clone(),
                    c,
                    format!(
                        "concerns of the kind \"{}\" are now pointed to \"{}\" instead of \"{}\"",
                        new.concern, new.go_to, old.go_to
                    ),
                );
            }
            if old.effect != new.effect {
                self.push(
                    ChangePart::Areas,
                    about,
                    c,
                    match new.effect {
                        crate::SignpostEffect::OutOfScope => format!(
                            "concerns of the kind \"{}\" are now outside the procedure and can no longer be raised",
                            new.concern
                        ),
                        crate::SignpostEffect::Advice => format!(
                            "concerns of the kind \"{}\" are no longer outside the procedure: they may be raised, and the raiser is told where else to take them",
                            new.concern
                        ),
                    },
                );
            }
            self.section(&old.section, &new.section);
        }
    }

    fn immediate_risk(&mut self) {
        let (old, new) = (&self.from.immediate_risk, &self.to.immediate_risk);
        if old.instruction != new.instruction {
            self.push(
                ChangePart::ImmediateRisk,
                PolicyItem::ImmediateRisk,
                ChangeKind::Changed,
                format!(
                    "the instruction shown when {} is at immediate risk changes to \"{}\"",
                    subject_one(self.to),
                    new.instruction
                ),
            );
        }
        for (role, now) in set_diff(&old.notify, &new.notify) {
            let (kind, policy, told) = if now {
                (ChangeKind::Added, self.to, "now told")
            } else {
                (ChangeKind::Removed, self.from, "no longer told")
            };
            self.push(
                ChangePart::ImmediateRisk,
                PolicyItem::ImmediateRisk,
                kind,
                format!(
                    "{} {} {told} at once when a case is raised with immediate risk",
                    the(policy, role),
                    is_are(role)
                ),
            );
        }
        self.section(&old.section, &new.section);
    }

    fn forms(&mut self) {
        let (from, to) = (self.from, self.to);
        let paired = by_key(&from.forms, &to.forms, |f| &f.id);
        let about = |f: &Form| PolicyItem::Form {
            form: f.id.clone(),
            field: None,
        };
        for old in paired.removed {
            self.push(
                ChangePart::Forms,
                about(old),
                ChangeKind::Removed,
                format!("form `{}` (\"{}\") is removed", old.id, old.title),
            );
        }
        for item in paired.new {
            let new = item.new;
            let Some(old) = item.old else {
                self.push(
                    ChangePart::Forms,
                    about(new),
                    ChangeKind::Added,
                    format!("new form `{}`: \"{}\"", new.id, new.title),
                );
                continue;
            };
            self.form(old, new);
        }
    }

    fn form(&mut self, old: &Form, new: &Form) {
        let (from, to) = (self.from, self.to);
        let about = PolicyItem::Form {
            form: new.id.clone(),
            field: None,
        };
        let c = ChangeKind::Changed;
        let name = form_words(new);
        if old.title != new.title {
            self.push(
                ChangePart::Forms,
                about.clone(),
                c,
                format!(
                    "form `{}` is retitled from \"{}\" to \"{}\"",
                    new.id, old.title, new.title
                ),
            );
        }
        self.section(&old.section, &new.section);
        if old.send_to != new.send_to {
            self.push(
                ChangePart::Forms,
                about.clone(),
                c,
                format!(
                    "{name}, once submitted, now goes to {} instead of {}",
                    and_list(to, &new.send_to),
                    and_list(from, &old.send_to)
                ),
            );
        }
        if old.address != new.address {
            let address = |a: &Option<String>| a.clone().unwrap_or_else(|| "none".into());
            self.push(
                ChangePart::Forms,
                about.clone(),
                c,
                format!(
                    "{name}: the address it is returned to changes from {} to {}",
                    address(&old.address),
                    address(&new.address)
                ),
            );
        }
        if old.returned_to != new.returned_to {
            let back = |p: &Policy, r: &Option<RoleRef>| {
                r.as_ref()
                    .map_or_else(|| "no one".to_owned(), |r| the(p, r))
            };
            self.push(
                ChangePart::Forms,
                about.clone(),
                c,
                format!(
                    "{name}, once completed, is now returned to {} instead of {}",
                    back(to, &new.returned_to),
                    back(from, &old.returned_to)
                ),
            );
        }
        let sections = by_key(&old.sections, &new.sections, |s| &s.title);
        for gone in sections.removed {
            self.push(
                ChangePart::Forms,
                about.clone(),
                ChangeKind::Removed,
                format!("{name} loses the section \"{}\"", gone.title),
            );
        }
        for item in sections.new {
            let Some(was) = item.old else {
                self.push(
                    ChangePart::Forms,
                    about.clone(),
                    ChangeKind::Added,
                    format!("{name} gains a section \"{}\"", item.new.title),
                );
                continue;
            };
            if was.completed_by != item.new.completed_by {
                let by = |p: &Policy, r: &Option<RoleRef>| {
                    r.as_ref()
                        .map_or_else(|| "whoever submits the form".to_owned(), |r| the(p, r))
                };
                self.push(
                    ChangePart::Forms,
                    about.clone(),
                    c,
                    format!(
                        "{name}: the section \"{}\" is now completed by {} instead of {}",
                        item.new.title,
                        by(to, &item.new.completed_by),
                        by(from, &was.completed_by)
                    ),
                );
            }
        }
        // Fields are matched by id across the whole form, so that one moved
        // to another section is a move, not a removal and an addition.
        fn in_section(form: &Form) -> Vec<(&str, &Field)> {
            form.sections
                .iter()
                .flat_map(|s| s.fields.iter().map(move |f| (s.title.as_str(), f)))
                .collect()
        }
        let (old_fields, new_fields) = (in_section(old), in_section(new));
        for (title, field) in &new_fields {
            if let Some((was, _)) = old_fields.iter().find(|(_, f)| f.id == field.id)
                && was != title
            {
                self.push(
                    ChangePart::Forms,
                    PolicyItem::Form {
                        form: new.id.clone(),
                        field: Some(field.id.clone()),
                    },
                    c,
                    format!(
                        "{name}: the field \"{}\" moves from the section \"{was}\" to \"{title}\"",
                        field.label
                    ),
                );
            }
        }
        let old_fields: Vec<Field> = old_fields.into_iter().map(|(_, f)| f.clone()).collect();
        let new_fields: Vec<Field> = new_fields.into_iter().map(|(_, f)| f.clone()).collect();
        self.fields(&new.id, &name, "field", &old_fields, &new_fields);
    }

    /// Compares a form's fields, or a table's columns, saying each change
    /// as of `owner` ("form `appendix-a`", "form `x`'s table \"Actions\"").
    fn fields(&mut self, form: &FormId, owner: &str, noun: &str, old: &[Field], new: &[Field]) {
        let about = |f: &Field| PolicyItem::Form {
            form: form.clone(),
            field: Some(f.id.clone()),
        };
        let paired = by_key(old, new, |f| &f.id);
        for gone in paired.removed {
            self.push(
                ChangePart::Forms,
                about(gone),
                ChangeKind::Removed,
                format!("{owner} loses the {noun} \"{}\"", gone.label),
            );
        }
        let c = ChangeKind::Changed;
        for item in paired.new {
            let new = item.new;
            let Some(old) = item.old else {
                let article = match new.required {
                    FieldRequired::Optional => "an",
                    _ => "a",
                };
                let required = match new.required {
                    FieldRequired::OnSubmit => "required",
                    FieldRequired::BeforeStageEnds => "required-by-the-stage's-end",
                    FieldRequired::Optional => "optional",
                };
                let required = required.replace('-', " ");
                self.push(
                    ChangePart::Forms,
                    about(new),
                    ChangeKind::Added,
                    format!(
                        "{owner} gains {article} {required} {noun} \"{}\"",
                        new.label
                    ),
                );
                continue;
            };
            let label = &new.label;
            let say = |this: &mut Self, sentence: String| {
                this.push(ChangePart::Forms, about(new), c, sentence);
            };
            if old.label != new.label {
                say(
                    self,
                    format!(
                        "{owner}: the {noun} `{}` is reworded from \"{}\" to \"{}\"",
                        new.id, old.label, new.label
                    ),
                );
            }
            if old.kind != new.kind {
                say(
                    self,
                    format!(
                        "{owner}: the {noun} \"{label}\" now takes {} instead of {}",
                        kind_words(new.kind),
                        kind_words(old.kind)
                    ),
                );
            }
            if old.required != new.required {
                say(
                    self,
                    format!(
                        "{owner}: the {noun} \"{label}\" is now {} instead of {}",
                        required_words(new.required),
                        required_words(old.required)
                    ),
                );
            }
            for (option, now) in set_diff(&old.options, &new.options) {
                let gains = if now { "gains" } else { "loses" };
                say(
                    self,
                    format!("{owner}: the {noun} \"{label}\" {gains} the option \"{option}\""),
                );
            }
            if old.hint != new.hint {
                let sentence = match &new.hint {
                    Some(hint) => format!(
                        "{owner}: the hint under the {noun} \"{label}\" changes to \"{hint}\""
                    ),
                    None => format!("{owner}: the {noun} \"{label}\" no longer has a hint"),
                };
                say(self, sentence);
            }
            self.answers(form, owner, noun, old, new);
            let table = format!("{owner}'s table \"{label}\"");
            self.fields(form, &table, "column", &old.columns, &new.columns);
        }
    }

    /// The notifications a field's answers send.
    fn answers(&mut self, form: &FormId, owner: &str, noun: &str, old: &Field, new: &Field) {
        let (from, to) = (self.from, self.to);
        let about = PolicyItem::Form {
            form: form.clone(),
            field: Some(new.id.clone()),
        };
        let label = &new.label;
        let told = |p: &Policy, a: &AnswerNotification| {
            format!(
                "answering \"{}\" to the {noun} \"{label}\" tells {}",
                a.answer,
                the(p, &a.to)
            )
        };
        let paired = pair(
            &old.on_answer,
            &new.on_answer,
            &[
                &|a: &AnswerNotification, b: &AnswerNotification| {
                    a.answer == b.answer && a.to == b.to
                },
                &|a: &AnswerNotification, b: &AnswerNotification| a.answer == b.answer,
            ],
        );
        for gone in paired.removed {
            self.push(
                ChangePart::Notifications,
                about.clone(),
                ChangeKind::Removed,
                format!(
                    "{owner}: {}",
                    told(from, gone).replacen(" tells ", " no longer tells ", 1)
                ),
            );
        }
        for item in paired.new {
            let new = item.new;
            let Some(old) = item.old else {
                self.push(
                    ChangePart::Notifications,
                    about.clone(),
                    ChangeKind::Added,
                    format!(
                        "{owner}: {}",
                        told(to, new).replace(" tells ", " now tells ")
                    ),
                );
                continue;
            };
            if old.to != new.to {
                self.push(
                    ChangePart::Notifications,
                    about.clone(),
                    ChangeKind::Changed,
                    format!(
                        "{owner}: {} instead of {}",
                        told(to, new).replace(" tells ", " now tells "),
                        the(from, &old.to)
                    ),
                );
            }
            if old.message != new.message {
                self.push(
                    ChangePart::Notifications,
                    about.clone(),
                    ChangeKind::Changed,
                    format!(
                        "{owner}: the message sent to {} when the {noun} \"{label}\" is answered \"{}\" changes to \"{}\"",
                        the(to, &new.to),
                        new.answer,
                        new.message
                    ),
                );
            }
            self.section(&old.section, &new.section);
        }
    }

    fn tracks(&mut self) {
        let (from, to) = (self.from, self.to);
        if let (Some(was), Some(now)) = (from.tracks.first(), to.tracks.first())
            && was.id != now.id
            && from.track(&now.id).is_some()
        {
            self.push(
                ChangePart::Stages,
                PolicyItem::Track,
                ChangeKind::Changed,
                format!(
                    "the track a case uses unless told otherwise changes from \"{}\" to \"{}\"",
                    was.name, now.name
                ),
            );
        }
        let paired = by_key(&from.tracks, &to.tracks, |t| &t.id);
        for old in paired.removed {
            self.track = Some(old.id.clone());
            self.push(
                ChangePart::Stages,
                PolicyItem::Track,
                ChangeKind::Removed,
                format!("the track \"{}\" is removed", old.name),
            );
        }
        for item in paired.new {
            let new = item.new;
            self.track = Some(new.id.clone());
            match item.old {
                None => self.push(
                    ChangePart::Stages,
                    PolicyItem::Track,
                    ChangeKind::Added,
                    format!(
                        "new track \"{}\", with {} stage{}",
                        new.name,
                        new.stages.len(),
                        if new.stages.len() == 1 { "" } else { "s" }
                    ),
                ),
                Some(old) => self.track_pair(old, new),
            }
        }
        self.track = None;
    }

    fn track_pair(&mut self, old: &'a Track, new: &'a Track) {
        let c = ChangeKind::Changed;
        if old.name != new.name {
            self.push(
                ChangePart::Stages,
                PolicyItem::Track,
                c,
                format!(
                    "the track `{}` is renamed from \"{}\" to \"{}\"",
                    new.id, old.name, new.name
                ),
            );
        }
        if old.description != new.description {
            self.push(
                ChangePart::Stages,
                PolicyItem::Track,
                c,
                format!(
                    "the track \"{}\" is now described as \"{}\"",
                    new.name, new.description
                ),
            );
        }
        self.section(&old.section, &new.section);
        if old.needs_subject != new.needs_subject {
            let now = if new.needs_subject {
                format!("must now name {}", subject_one(self.to))
            } else {
                format!("no longer need to name {}", subject_one(self.to))
            };
            self.push(
                ChangePart::Stages,
                PolicyItem::Track,
                c,
                format!("cases on the track \"{}\" {now}", new.name),
            );
        }
        if old.immediate_risk_entry != new.immediate_risk_entry {
            let stages = |s: &[StageNumber]| {
                if s.is_empty() {
                    "none (immediate risk never skips a stage)".to_owned()
                } else {
                    join(s.iter().map(|n| format!("Stage {n}")).collect(), "or")
                }
            };
            self.push(
                ChangePart::ImmediateRisk,
                PolicyItem::ImmediateRisk,
                c,
                format!(
                    "{}the later stages a case at immediate risk may start at change from {} to {}",
                    self.on_track(new),
                    stages(&old.immediate_risk_entry),
                    stages(&new.immediate_risk_entry)
                ),
            );
        }

        let paired = align_stages(&old.stages, &new.stages);
        for gone in paired.removed {
            self.stage = Some(gone.number);
            let label = stage_words(self.from, old, gone);
            self.push(
                ChangePart::Stages,
                PolicyItem::Stage,
                ChangeKind::Removed,
                format!("{label} is removed"),
            );
        }
        for item in paired.new {
            self.stage = Some(item.new.number);
            match item.old {
                None => {
                    let label = stage_words(self.to, new, item.new);
                    self.push(
                        ChangePart::Stages,
                        PolicyItem::Stage,
                        ChangeKind::Added,
                        match item.new.timescale.length {
                            crate::TimescaleSpec::None => {
                                format!("new stage: {label}, with no set timescale")
                            }
                            _ => format!(
                                "new stage: {label}, with a timescale of {}",
                                timescale_words(&item.new.timescale, false)
                            ),
                        },
                    );
                }
                Some(was) => self.stage_pair(old, was, new, item.new),
            }
        }
        self.stage = None;
    }

    /// `on the track "…", ` to open a sentence about a track where the new
    /// version has several, and nothing where it has one.
    fn on_track(&self, track: &Track) -> String {
        if self.to.tracks.len() > 1 {
            format!("on the track \"{}\", ", track.name)
        } else {
            String::new()
        }
    }

    fn stage_pair(&mut self, old_track: &Track, old: &'a Stage, track: &Track, new: &'a Stage) {
        let (from, to) = (self.from, self.to);
        let c = ChangeKind::Changed;
        let s = stage_words(to, track, new);
        if old.number != new.number {
            self.push(
                ChangePart::Stages,
                PolicyItem::Stage,
                c,
                format!(
                    "{} becomes Stage {}",
                    stage_words(from, old_track, old),
                    new.number
                ),
            );
        }
        if old.name != new.name {
            self.push(
                ChangePart::Stages,
                PolicyItem::Stage,
                c,
                format!(
                    "Stage {} is renamed from \"{}\" to \"{}\"",
                    new.number, old.name, new.name
                ),
            );
        }
        self.section(&old.section, &new.section);
        if old.summary != new.summary {
            self.push(
                ChangePart::Stages,
                PolicyItem::Stage,
                c,
                format!(
                    "{s}: the summary of what happens changes to \"{}\"",
                    new.summary
                ),
            );
        }
        for (item, now) in set_diff(&old.may, &new.may) {
            let says = if now { "now says" } else { "no longer says" };
            self.push(
                ChangePart::Stages,
                PolicyItem::Stage,
                if now {
                    ChangeKind::Added
                } else {
                    ChangeKind::Removed
                },
                format!("{s}: {says} it may involve \"{item}\""),
            );
        }

        // Timescales.
        if old.timescale != new.timescale {
            let counted = old.timescale.from != new.timescale.from;
            self.push(
                ChangePart::Timescales,
                PolicyItem::Timescale,
                c,
                format!(
                    "{s}: timescale changes from {} to {}",
                    timescale_words(&old.timescale, counted),
                    timescale_words(&new.timescale, counted)
                ),
            );
        }
        match (&old.agreed_timescale, &new.agreed_timescale) {
            (None, Some(_)) => self.push(
                ChangePart::Timescales,
                PolicyItem::Timescale,
                c,
                format!("{s}: the timescale may now be agreed for each case"),
            ),
            (Some(_), None) => self.push(
                ChangePart::Timescales,
                PolicyItem::Timescale,
                c,
                format!(
                    "{s}: the timescale may no longer be agreed for each case; only an extension moves the deadline"
                ),
            ),
            (Some(a), Some(b)) => self.section(&a.section, &b.section),
            (None, None) => {}
        }

        self.leads(&s, &old.leads, &new.leads);
        self.requirements(&s, &old.requirements, &new.requirements);
        self.stage_forms(&s, &old.forms, &new.forms);
        self.notifications(old_track, old, track, new);
        self.decisions(&s, old, new);
        self.panel(&s, old.panel.as_ref(), new.panel.as_ref());
        self.direct_entry(&s, old.direct_entry.as_ref(), new.direct_entry.as_ref());

        let cpp = |s: &Stage| s.on_entry.as_ref().is_some_and(|e| e.child_protection_plan);
        if cpp(old) != cpp(new) {
            let records = if cpp(new) {
                "now records"
            } else {
                "no longer records"
            };
            self.push(
                ChangePart::Stages,
                PolicyItem::OnEntry,
                c,
                format!(
                    "{s}: entering it {records} every child as subject to a Child Protection Plan"
                ),
            );
        }
        match (&old.on_entry, &new.on_entry) {
            (Some(a), Some(b)) => {
                if a.reason != b.reason {
                    self.push(
                        ChangePart::Stages,
                        PolicyItem::OnEntry,
                        c,
                        format!(
                            "{s}: the reason recorded on entering it changes to \"{}\"",
                            b.reason
                        ),
                    );
                }
                self.section(&a.section, &b.section);
            }
            (None, Some(b)) if !b.child_protection_plan => self.push(
                ChangePart::Stages,
                PolicyItem::OnEntry,
                c,
                format!("{s}: entering it now records the reason \"{}\"", b.reason),
            ),
            _ => {}
        }
    }

    fn leads(&mut self, s: &str, old: &Leads, new: &Leads) {
        let (from, to) = (self.from, self.to);
        let sides: [(&str, &[RoleRef], &[RoleRef]); 4] = [
            ("the raising agency's lead", &old.raising, &new.raising),
            ("the other agency's lead", &old.other, &new.other),
            ("who decides", &old.decides, &new.decides),
            ("who chairs the stage's meeting", &old.chairs, &new.chairs),
        ];
        for (who, was, now) in sides {
            if was != now {
                self.push(
                    ChangePart::Leads,
                    PolicyItem::Leads,
                    ChangeKind::Changed,
                    format!(
                        "{s}: {who} changes from {} to {}",
                        or_list(from, was),
                        or_list(to, now)
                    ),
                );
            }
        }
        if old.decides_from_uninvolved_agency != new.decides_from_uninvolved_agency {
            let must = if new.decides_from_uninvolved_agency {
                "must now come"
            } else {
                "no longer needs to come"
            };
            self.push(
                ChangePart::Leads,
                PolicyItem::Leads,
                ChangeKind::Changed,
                format!(
                    "{s}: whoever decides or chairs {must} from an agency not in the disagreement"
                ),
            );
        }
    }

    fn requirements(&mut self, s: &str, old: &[Requirement], new: &[Requirement]) {
        let (from, to) = (self.from, self.to);
        let paired = pair(
            old,
            new,
            &[
                &|a: &Requirement, b: &Requirement| {
                    a.record == b.record && a.before == b.before && a.with == b.with
                },
                &|a: &Requirement, b: &Requirement| a.record == b.record,
            ],
        );
        for gone in paired.removed {
            self.push(
                ChangePart::Records,
                PolicyItem::Requirement,
                ChangeKind::Removed,
                format!("{s} no longer needs {}", requirement_words(from, gone)),
            );
        }
        for item in paired.new {
            let now = requirement_words(to, item.new);
            let Some(was) = item.old else {
                self.push(
                    ChangePart::Records,
                    PolicyItem::Requirement,
                    ChangeKind::Added,
                    format!("{s} now needs {now}"),
                );
                continue;
            };
            // Compared as written, not as worded: renaming a role it names
            // is the role's change, not this one's.
            let same = was.record == item.new.record
                && was.before == item.new.before
                && was.with == item.new.with
                && was.each_side == item.new.each_side
                && was.by == item.new.by
                && was.by_raising_agency == item.new.by_raising_agency;
            if !same {
                let before = requirement_words(from, was);
                self.push(
                    ChangePart::Records,
                    PolicyItem::Requirement,
                    ChangeKind::Changed,
                    format!("{s} now needs {now}, instead of {before}"),
                );
            }
            if was.description != item.new.description {
                self.push(
                    ChangePart::Records,
                    PolicyItem::Requirement,
                    ChangeKind::Changed,
                    format!(
                        "{s}: the rule for {} is now worded \"{}\"",
                        record_words(to, item.new),
                        item.new.description
                    ),
                );
            }
            self.section(&was.section, &item.new.section);
        }
    }

    fn stage_forms(&mut self, s: &str, old: &[StageForm], new: &[StageForm]) {
        let (from, to) = (self.from, self.to);
        let name = |p: &Policy, id: &FormId| {
            p.form(id)
                .map_or_else(|| format!("form `{id}`"), form_words)
        };
        let needed = |f: &StageForm| match f.needed {
            FormNeeded::ToEnter => "before a case can enter it",
            FormNeeded::ToLeave => "before a case can leave it",
        };
        // A form's clock starts where the stage's would (for a `to-enter`
        // form, at the decision to escalate), so only a count from the
        // raise needs saying.
        let due = |f: &StageForm| match &f.within {
            None => "no set time".to_owned(),
            Some(t) => {
                let raised = t.from == CountFrom::Raised;
                let length = timescale_words(t, raised);
                format!("within {length}")
            }
        };
        let when = |f: &StageForm| match f.within {
            None => needed(f).to_owned(),
            Some(_) => format!("{}, {}", needed(f), due(f)),
        };
        let paired = by_key(old, new, |f| &f.form);
        for gone in paired.removed {
            self.push(
                ChangePart::Forms,
                PolicyItem::StageForm {
                    form: gone.form.clone(),
                },
                ChangeKind::Removed,
                format!("{s} no longer needs {}", name(from, &gone.form)),
            );
        }
        for item in paired.new {
            let about = PolicyItem::StageForm {
                form: item.new.form.clone(),
            };
            let Some(was) = item.old else {
                self.push(
                    ChangePart::Forms,
                    about,
                    ChangeKind::Added,
                    format!(
                        "{s} now needs {} {}",
                        name(to, &item.new.form),
                        when(item.new)
                    ),
                );
                continue;
            };
            let sentence = if was.needed != item.new.needed {
                format!(
                    "{s} now needs {} {}, instead of {}",
                    name(to, &item.new.form),
                    when(item.new),
                    when(was)
                )
            } else {
                format!(
                    "{s}: {} is now due {}, instead of {}",
                    name(to, &item.new.form),
                    due(item.new),
                    due(was)
                )
            };
            if when(was) != when(item.new) {
                self.push(ChangePart::Forms, about, ChangeKind::Changed, sentence);
            }
            self.section(&was.section, &item.new.section);
        }
    }

    fn notifications(&mut self, old_track: &Track, old: &Stage, track: &Track, new: &Stage) {
        let (from, to) = (self.from, self.to);
        let told = |p: &Policy, t: &Track, s: &Stage, n: &Notification| {
            format!(
                "{} {} told when {}{}",
                the(p, &n.to),
                is_are(&n.to),
                trigger_words(n.on, &stage_words(p, t, s)),
                condition_words(n.when, subject_one(p))
            )
        };
        let paired = pair(
            &old.notifications,
            &new.notifications,
            &[
                &|a: &Notification, b: &Notification| {
                    a.on == b.on && a.to == b.to && a.when == b.when
                },
                &|a: &Notification, b: &Notification| a.on == b.on && a.to == b.to,
                &|a: &Notification, b: &Notification| a.on == b.on && a.when == b.when,
            ],
        );
        for gone in paired.removed {
            self.push(
                ChangePart::Notifications,
                PolicyItem::Notification,
                ChangeKind::Removed,
                format!(
                    "notification removed: {}",
                    told(from, old_track, old, gone).replacen(" told ", " no longer told ", 1)
                ),
            );
        }
        for item in paired.new {
            let now = item.new;
            let attached = |p: &Policy, n: &Notification| {
                join(
                    n.attach
                        .iter()
                        .map(|id| {
                            p.form(id)
                                .map_or_else(|| format!("form `{id}`"), form_words)
                        })
                        .collect(),
                    "and",
                )
            };
            let Some(was) = item.old else {
                let with = if now.attach.is_empty() {
                    String::new()
                } else {
                    format!(", with {} attached", attached(to, now))
                };
                self.push(
                    ChangePart::Notifications,
                    PolicyItem::Notification,
                    ChangeKind::Added,
                    format!("new notification: {}{with}", told(to, track, new, now)),
                );
                continue;
            };
            let c = ChangeKind::Changed;
            if was.to != now.to {
                self.push(
                    ChangePart::Notifications,
                    PolicyItem::Notification,
                    c,
                    format!(
                        "notification changed: {}, instead of {}",
                        told(to, track, new, now),
                        the(from, &was.to)
                    ),
                );
            } else if was.when != now.when {
                self.push(
                    ChangePart::Notifications,
                    PolicyItem::Notification,
                    c,
                    format!(
                        "notification changed: {} (before: {})",
                        told(to, track, new, now),
                        told(from, old_track, old, was)
                    ),
                );
            }
            let about = || {
                format!(
                    "the notification to {} when {}",
                    the(to, &now.to),
                    trigger_words(now.on, &stage_words(to, track, new))
                )
            };
            if was.attach != now.attach {
                let forms = if now.attach.is_empty() {
                    "no form".to_owned()
                } else {
                    attached(to, now)
                };
                self.push(
                    ChangePart::Notifications,
                    PolicyItem::Notification,
                    c,
                    format!("{} now comes with {forms} attached", about()),
                );
            }
            if was.message != now.message {
                self.push(
                    ChangePart::Notifications,
                    PolicyItem::Notification,
                    c,
                    format!("{}: the message changes to \"{}\"", about(), now.message),
                );
            }
            self.section(&was.section, &now.section);
        }
    }

    fn decisions(&mut self, s: &str, old: &Stage, new: &Stage) {
        let (from, to) = (self.from, self.to);
        let c = ChangeKind::Changed;
        for (route, now) in set_diff(&old.resolution, &new.resolution) {
            let (kind, can) = if now {
                (ChangeKind::Added, "can now")
            } else {
                (ChangeKind::Removed, "can no longer")
            };
            self.push(
                ChangePart::Decisions,
                PolicyItem::Resolution,
                kind,
                format!("{s} {can} be resolved by {}", route_words(*route)),
            );
        }
        if old.final_decision != new.final_decision {
            let is = if new.final_decision {
                "is now final and closes the case"
            } else {
                "is no longer final"
            };
            self.push(
                ChangePart::Decisions,
                PolicyItem::Resolution,
                c,
                format!("{s}: a decision here {is}"),
            );
        }
        if old.final_routes != new.final_routes {
            let routes = |r: &[ResolutionRoute]| {
                if r.is_empty() {
                    "every way it can be resolved".to_owned()
                } else {
                    join(r.iter().map(|r| route_words(*r).to_owned()).collect(), "or")
                }
            };
            self.push(
                ChangePart::Decisions,
                PolicyItem::Resolution,
                c,
                format!(
                    "{s}: which decisions are final changes from {} to {}",
                    routes(&old.final_routes),
                    routes(&new.final_routes)
                ),
            );
        }
        let recorders = |p: &Policy, s: &Stage| {
            s.without_agreement
                .as_ref()
                .map(|w| or_list(p, &w.recorded_by))
                .unwrap_or_else(|| "no one".to_owned())
        };
        let recorded_by = |s: &Stage| s.without_agreement.as_ref().map(|w| w.recorded_by.clone());
        if recorded_by(old) != recorded_by(new) {
            self.push(
                ChangePart::Decisions,
                PolicyItem::Resolution,
                c,
                format!(
                    "{s}: who records that the stage ended without agreement changes from {} to {}",
                    recorders(from, old),
                    recorders(to, new)
                ),
            );
        }
        if let (Some(a), Some(b)) = (&old.without_agreement, &new.without_agreement) {
            self.section(&a.section, &b.section);
        }
    }

    fn panel(&mut self, s: &str, old: Option<&PanelRule>, new: Option<&PanelRule>) {
        let (from, to) = (self.from, self.to);
        let c = ChangeKind::Changed;
        let (old, new) = match (old, new) {
            (None, None) => return,
            (Some(_), None) => {
                self.push(
                    ChangePart::Panels,
                    PolicyItem::Panel,
                    ChangeKind::Removed,
                    format!("{s} no longer has a Resolution Panel"),
                );
                return;
            }
            (None, Some(new)) => {
                let seats = if new.seats.is_empty() {
                    String::new()
                } else {
                    format!(", seating {}", or_list(to, &new.seats))
                };
                self.push(
                    ChangePart::Panels,
                    PolicyItem::Panel,
                    ChangeKind::Added,
                    format!(
                        "{s} now has a Resolution Panel of at least {} agencies{seats}",
                        new.min_agencies
                    ),
                );
                return;
            }
            (Some(old), Some(new)) => (old, new),
        };
        if old.min_agencies != new.min_agencies {
            self.push(
                ChangePart::Panels,
                PolicyItem::Panel,
                c,
                format!(
                    "{s}: the Resolution Panel needs at least {} agencies instead of {}",
                    new.min_agencies, old.min_agencies
                ),
            );
        }
        if old.include_disputing != new.include_disputing {
            let must = match new.include_disputing {
                Inclusion::Required => "must now sit on the Resolution Panel",
                Inclusion::WherePossible => "now sit on the Resolution Panel only where possible",
            };
            self.push(
                ChangePart::Panels,
                PolicyItem::Panel,
                c,
                format!("{s}: the agencies in dispute {must}"),
            );
        }
        if old.membership != new.membership {
            self.push(
                ChangePart::Panels,
                PolicyItem::Panel,
                c,
                format!(
                    "{s}: who may sit on the Resolution Panel is now described as \"{}\"",
                    new.membership
                ),
            );
        }
        if old.hears_representations != new.hears_representations {
            let hears = if new.hears_representations {
                "now hears"
            } else {
                "no longer hears"
            };
            self.push(
                ChangePart::Panels,
                PolicyItem::Panel,
                c,
                format!("{s}: the Resolution Panel {hears} representations from those in dispute"),
            );
        }
        match (old.seats.is_empty(), new.seats.is_empty()) {
            (true, true) => {}
            (false, true) => self.push(
                ChangePart::Panels,
                PolicyItem::Panel,
                c,
                format!(
                    "{s}: anyone in the partnership may now take a seat on the Resolution Panel, not only {}",
                    or_list(from, &old.seats)
                ),
            ),
            (true, false) => self.push(
                ChangePart::Panels,
                PolicyItem::Panel,
                c,
                format!(
                    "{s}: only {} may now take a seat on the Resolution Panel, instead of anyone in the partnership",
                    or_list(to, &new.seats)
                ),
            ),
            (false, false) => {
                for (role, now) in set_diff(&old.seats, &new.seats) {
                    let (kind, policy, may) = if now {
                        (ChangeKind::Added, to, "may now")
                    } else {
                        (ChangeKind::Removed, from, "may no longer")
                    };
                    self.push(
                        ChangePart::Panels,
                        PolicyItem::Panel,
                        kind,
                        format!(
                            "{s}: {} {may} take a seat on the Resolution Panel",
                            the(policy, role)
                        ),
                    );
                }
            }
        }
        if old.recorded_by != new.recorded_by {
            let by = |p: &Policy, r: &[RoleRef]| {
                if r.is_empty() {
                    "whoever decides at the stage".to_owned()
                } else {
                    or_list(p, r)
                }
            };
            self.push(
                ChangePart::Panels,
                PolicyItem::Panel,
                c,
                format!(
                    "{s}: who records the Resolution Panel's decision changes from {} to {}",
                    by(from, &old.recorded_by),
                    by(to, &new.recorded_by)
                ),
            );
        }
        self.section(&old.section, &new.section);
    }

    fn direct_entry(&mut self, s: &str, old: Option<&DirectEntry>, new: Option<&DirectEntry>) {
        let (from, to) = (self.from, self.to);
        let words = |p: &Policy, d: &DirectEntry| {
            let form = p.form(&d.form);
            let question = form
                .and_then(|f| {
                    f.sections
                        .iter()
                        .flat_map(|s| &s.fields)
                        .find(|q| q.id == d.yes_to)
                })
                .map_or_else(|| format!("`{}`", d.yes_to), |q| format!("\"{}\"", q.label));
            format!(
                "from {}, when {} answers \"yes\" to {question}",
                join(d.from.iter().map(|n| format!("Stage {n}")).collect(), "or"),
                form.map_or_else(|| format!("form `{}`", d.form), form_words)
            )
        };
        let sentence = match (old, new) {
            (None, None) => return,
            (None, Some(new)) => format!(
                "{s}: a case may now be escalated straight here {}",
                words(to, new)
            ),
            (Some(_), None) => format!(
                "{s}: a case may no longer be escalated straight here past the stages between"
            ),
            (Some(old), Some(new)) => {
                self.section(&old.section, &new.section);
                if (&old.from, &old.form, &old.yes_to) == (&new.from, &new.form, &new.yes_to) {
                    return;
                }
                format!(
                    "{s}: a case may be escalated straight here {}, instead of {}",
                    words(to, new),
                    words(from, old)
                )
            }
        };
        let kind = match (old, new) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        self.push(ChangePart::Stages, PolicyItem::DirectEntry, kind, sentence);
    }

    fn outcome(&mut self) {
        let (from, to) = (self.from, self.to);
        let (old, new) = (&from.outcome, &to.outcome);
        if old.written_confirmation != new.written_confirmation {
            let must = if new.written_confirmation {
                "must now confirm"
            } else {
                "no longer need to confirm"
            };
            self.push(
                ChangePart::Decisions,
                PolicyItem::Outcome,
                ChangeKind::Changed,
                format!("each side {must} the agreed outcome in writing before the case closes"),
            );
        }
        for (role, now) in set_diff(&old.feedback_to, &new.feedback_to) {
            let (kind, policy, told) = if now {
                (ChangeKind::Added, to, "now told")
            } else {
                (ChangeKind::Removed, from, "no longer told")
            };
            self.push(
                ChangePart::Notifications,
                PolicyItem::Outcome,
                kind,
                format!(
                    "{} {} {told} the outcome when a case is resolved",
                    the(policy, role),
                    is_are(role)
                ),
            );
        }
        self.section(&old.section, &new.section);
    }

    fn learning(&mut self) {
        let (old, new) = (&self.from.learning, &self.to.learning);
        let themes = by_key(&old.themes, &new.themes, |t| &t.id);
        for gone in themes.removed {
            self.push(
                ChangePart::Other,
                PolicyItem::Learning {
                    theme: Some(gone.id.clone()),
                },
                ChangeKind::Removed,
                format!("the learning theme \"{}\" is removed", gone.label),
            );
        }
        for item in themes.new {
            let about = PolicyItem::Learning {
                theme: Some(item.new.id.clone()),
            };
            match item.old {
                None => self.push(
                    ChangePart::Other,
                    about,
                    ChangeKind::Added,
                    format!("new learning theme: \"{}\"", item.new.label),
                ),
                Some(was) if was.label != item.new.label => self.push(
                    ChangePart::Other,
                    about,
                    ChangeKind::Changed,
                    format!(
                        "the learning theme `{}` is reworded from \"{}\" to \"{}\"",
                        item.new.id, was.label, item.new.label
                    ),
                ),
                Some(_) => {}
            }
        }
        for (place, now) in set_diff(&old.forward_to, &new.forward_to) {
            let (kind, is) = if now {
                (ChangeKind::Added, "is now")
            } else {
                (ChangeKind::Removed, "is no longer")
            };
            self.push(
                ChangePart::Other,
                PolicyItem::Learning { theme: None },
                kind,
                format!("learning {is} forwarded to \"{}\"", place.label),
            );
        }
        for (may, now) in set_diff(&old.may, &new.may) {
            let (kind, says) = if now {
                (ChangeKind::Added, "now says")
            } else {
                (ChangeKind::Removed, "no longer says")
            };
            self.push(
                ChangePart::Other,
                PolicyItem::Learning { theme: None },
                kind,
                format!("the policy {says} this may follow a resolution: \"{may}\""),
            );
        }
        self.section(&old.section, &new.section);
    }

    fn alerts(&mut self) {
        let (from, to) = (self.from, self.to);
        let (old, new) = (&from.alerts, &to.alerts);
        let days = |n: u8| match n {
            0 => "none".to_owned(),
            1 => "1 working day before".to_owned(),
            n => format!("{n} working days before"),
        };
        if old.remind_working_days_before != new.remind_working_days_before {
            self.push(
                ChangePart::Notifications,
                PolicyItem::Alerts,
                ChangeKind::Changed,
                format!(
                    "reminders of a deadline change from {} to {}",
                    days(old.remind_working_days_before),
                    days(new.remind_working_days_before)
                ),
            );
        }
        let lists: [(&str, &[RoleRef], &[RoleRef]); 5] = [
            ("a reminder of a deadline", &old.remind_to, &new.remind_to),
            (
                "the alert when a deadline passes, where the stage names nobody to tell,",
                &old.breach_to,
                &new.breach_to,
            ),
            (
                "the alert when a case is resolved",
                &old.resolved_to,
                &new.resolved_to,
            ),
            (
                "the alert when a disagreement is raised",
                &old.raised_to,
                &new.raised_to,
            ),
            (
                "the alert when a case is escalated",
                &old.escalated_to,
                &new.escalated_to,
            ),
        ];
        for (what, was, now) in lists {
            if was != now {
                self.push(
                    ChangePart::Notifications,
                    PolicyItem::Alerts,
                    ChangeKind::Changed,
                    format!(
                        "{what} now goes to {} instead of {}",
                        and_list(to, now),
                        and_list(from, was)
                    ),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Pairing the items of the two versions.

/// An item of the new version and, where there is one, its counterpart in
/// the old.
struct Item<'a, T> {
    old: Option<&'a T>,
    new: &'a T,
}

/// The new version's items in order, each with its counterpart, and the old
/// version's items that have none.
struct Paired<'a, T> {
    new: Vec<Item<'a, T>>,
    removed: Vec<&'a T>,
}

/// Whether two items, one of each version, are the same item.
type Same<'f, T> = dyn Fn(&T, &T) -> bool + 'f;

/// Pairs items in passes: first those the first test calls the same, then,
/// among those left, those the second calls the same, and so on. Each item
/// pairs at most once, with the earliest candidate, so repeated items pair
/// in order.
fn pair<'a, T>(old: &'a [T], new: &'a [T], passes: &[&Same<'_, T>]) -> Paired<'a, T> {
    let mut counterpart: Vec<Option<usize>> = vec![None; new.len()];
    let mut taken = vec![false; old.len()];
    for same in passes {
        for (n, item) in new.iter().enumerate() {
            if counterpart[n].is_some() {
                continue;
            }
            if let Some(o) = (0..old.len()).find(|&o| !taken[o] && same(&old[o], item)) {
                taken[o] = true;
                counterpart[n] = Some(o);
            }
        }
    }
    Paired {
        new: new
            .iter()
            .zip(counterpart)
            .map(|(item, o)| Item {
                old: o.map(|o| &old[o]),
                new: item,
            })
            .collect(),
        removed: old
            .iter()
            .zip(taken)
            .filter(|(_, t)| !t)
            .map(|(item, _)| item)
            .collect(),
    }
}

/// Pairs items that carry the same key, such as an id.
fn by_key<'a, T, K: PartialEq + ?Sized>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&T) -> &K,
) -> Paired<'a, T> {
    pair(old, new, &[&|a: &T, b: &T| key(a) == key(b)])
}

/// Pairs a track's stages by name, keeping their order (the longest common
/// run of names), and then by number among those left: removing Stage 3 of
/// four leaves the old Stage 4 paired with the new Stage 3 it became, not
/// with whatever the new ladder numbers 4.
fn align_stages<'a>(old: &'a [Stage], new: &'a [Stage]) -> Paired<'a, Stage> {
    let (m, n) = (old.len(), new.len());
    // lcs[i][j]: the longest common run of names of old[i..] and new[j..].
    let mut lcs = vec![vec![0usize; n + 1]; m + 1];
    for i in (0..m).rev() {
        for j in (0..n).rev() {
            lcs[i][j] = if old[i].name == new[j].name {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut counterpart: Vec<Option<usize>> = vec![None; n];
    let mut taken = vec![false; m];
    let (mut i, mut j) = (0, 0);
    while i < m && j < n {
        if old[i].name == new[j].name {
            counterpart[j] = Some(i);
            taken[i] = true;
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    for (j, stage) in new.iter().enumerate() {
        if counterpart[j].is_none()
            && let Some(i) = (0..m).find(|&i| !taken[i] && old[i].number == stage.number)
        {
            counterpart[j] = Some(i);
            taken[i] = true;
        }
    }
    Paired {
        new: new
            .iter()
            .zip(counterpart)
            .map(|(stage, i)| Item {
                old: i.map(|i| &old[i]),
                new: stage,
            })
            .collect(),
        removed: old
            .iter()
            .zip(taken)
            .filter(|(_, t)| !t)
            .map(|(stage, _)| stage)
            .collect(),
    }
}

/// What is in one list and not the other, each with `true` when it is in
/// the new list only: the old list's leavers first, then the new list's
/// joiners, each in its list's order.
fn set_diff<'a, T: PartialEq>(old: &'a [T], new: &'a [T]) -> Vec<(&'a T, bool)> {
    old.iter()
        .filter(|x| !new.contains(x))
        .map(|x| (x, false))
        .chain(new.iter().filter(|x| !old.contains(x)).map(|x| (x, true)))
        .collect()
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

// ---------------------------------------------------------------------------
// Words.

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "a", "a or b", "a, b or c".
fn join(items: Vec<String>, conjunction: &str) -> String {
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

/// Roles any of whom will do, as leads and seats are: "manager or Named
/// Safeguarding Professional"; "no one" for none.
fn or_list(policy: &Policy, roles: &[RoleRef]) -> String {
    if roles.is_empty() {
        return "no one".into();
    }
    join(roles.iter().map(|r| role_words(policy, r)).collect(), "or")
}

/// Roles all of whom are told: "the stage's leads and the managers above
/// them"; "no one" for none.
fn and_list(policy: &Policy, roles: &[RoleRef]) -> String {
    if roles.is_empty() {
        return "no one".into();
    }
    join(roles.iter().map(|r| the(policy, r)).collect(), "and")
}

/// The verb for a role told something: the relations that stand for
/// several people take "are".
fn is_are(role: &RoleRef) -> &'static str {
    match role {
        RoleRef::Relation(Relation::StageLeads | Relation::NextTierUp | Relation::Panel) => "are",
        _ => "is",
    }
}

/// A role after "the": a name that has its own "The" keeps one.
fn the(policy: &Policy, role: &RoleRef) -> String {
    let words = role_words(policy, role);
    if words.starts_with("the ") {
        words
    } else {
        format!("the {words}")
    }
}

/// A role in words: a declared role by its name in the policy, a tier or a
/// relation to the case spelled out.
fn role_words(policy: &Policy, role: &RoleRef) -> String {
    match role {
        // Mid-sentence, Sutton's "The agency's designated safeguarding
        // lead" reads "the agency's…".
        RoleRef::Declared(id) => policy.role(id).map_or_else(
            || format!("`{id}`"),
            |r| match r.name.strip_prefix("The ") {
                Some(rest) => format!("the {rest}"),
                None => r.name.clone(),
            },
        ),
        RoleRef::Tier(tier) => tier_words(*tier).to_owned(),
        RoleRef::Relation(relation) => match relation {
            Relation::Raiser => "person who raised it",
            Relation::RaiserAgencyLead => "raising agency's lead",
            Relation::OtherAgencyLead => "other agency's lead",
            Relation::StageLeads => "stage's leads",
            Relation::NextTierUp => "managers above the stage's leads",
            Relation::AreaRoute => "person the area of disagreement goes to",
            Relation::Panel => "Resolution Panel's members",
        }
        .to_owned(),
    }
}

fn tier_words(tier: RoleTier) -> &'static str {
    tier.words()
}

fn subject_words(subject: SubjectKind) -> &'static str {
    match subject {
        SubjectKind::Child => "children",
        SubjectKind::VulnerableAdult => "vulnerable adults",
    }
}

/// "a child", or "a child or vulnerable adult" for a policy that covers
/// both (Isle of Man).
fn subject_one(policy: &Policy) -> &'static str {
    match policy.subjects.as_slice() {
        [SubjectKind::VulnerableAdult] => "a vulnerable adult",
        s if s.contains(&SubjectKind::VulnerableAdult) => "a child or vulnerable adult",
        _ => "a child",
    }
}

/// A form by its title, or by its id where the title is too long to read
/// in a sentence (Sutton's Appendix 1).
fn form_words(form: &Form) -> String {
    if form.title.chars().count() <= 80 {
        format!("form \"{}\"", form.title)
    } else {
        format!("form `{}`", form.id)
    }
}

/// "Stage 2 (Escalate to line manager)": the number, and the stage's name
/// without the "Stage Two:" it repeats; where the new version has several
/// tracks, the track's name too.
fn stage_words(policy: &Policy, track: &Track, stage: &Stage) -> String {
    let name = stage.name.trim();
    let rest = match name.strip_prefix("Stage ") {
        Some(after) => {
            let word_end = after
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(after.len());
            after[word_end..]
                .trim_start_matches(|c: char| {
                    c.is_whitespace() || matches!(c, ':' | '–' | '-' | '—')
                })
                .to_owned()
        }
        None => name.to_owned(),
    };
    let stage_name = if rest.is_empty() {
        format!("Stage {}", stage.number)
    } else {
        format!("Stage {} ({rest})", stage.number)
    };
    if policy.tracks.len() > 1 {
        format!("{stage_name} on the track \"{}\"", track.name)
    } else {
        stage_name
    }
}

/// "5 working days", with when it counts from where `counted` asks for it.
fn timescale_words(t: &StageTimescale, counted: bool) -> String {
    let length = match t.length {
        // No clock, so nothing to count from.
        crate::TimescaleSpec::None => return "none (as soon as possible)".to_owned(),
        _ => t.timescale().to_string(),
    };
    if !counted {
        return length;
    }
    match t.from {
        CountFrom::StageStart => format!("{length} from the start of the stage"),
        CountFrom::Raised => format!("{length} from when the disagreement was raised"),
    }
}

/// The record a requirement asks for, and before which move.
fn requirement_words(policy: &Policy, r: &Requirement) -> String {
    let before = match r.before {
        Before::Escalate => "before escalating",
        Before::Resolve => "before resolving",
        Before::LeavingStage => "before the stage can be left",
    };
    format!("{} {before}", record_words(policy, r))
}

fn record_words(policy: &Policy, r: &Requirement) -> String {
    let mut words = match r.record {
        RecordKind::Discussion => "a discussion record".to_owned(),
        RecordKind::ApprovedDiscussion => "an approved discussion record".to_owned(),
        RecordKind::Concurrence => format!("the concurrence of {}", or_list(policy, &r.by)),
    };
    if r.by_raising_agency {
        words.push_str(" from the raising agency");
    }
    if let Some(with) = &r.with {
        words.push_str(&format!(" with {}", the(policy, with)));
        if r.each_side {
            words.push_str(" of each side");
        }
    }
    words
}

fn trigger_words(on: Trigger, stage: &str) -> String {
    match on {
        Trigger::Entry => format!("a case enters {stage}"),
        Trigger::Reached => format!("a case reaches {stage} or starts past it"),
        Trigger::Exit => format!("a case is escalated from {stage}"),
        Trigger::Resolved => format!("a case is resolved at {stage}"),
        Trigger::Breach => format!("the deadline at {stage} passes"),
        Trigger::Closed => format!("a case is closed at {stage}"),
    }
}

fn condition_words(when: Condition, subject: &str) -> String {
    match when {
        Condition::Always => String::new(),
        Condition::ChildProtectionPlan => {
            format!(", if {subject} is subject to a Child Protection Plan")
        }
        Condition::LookedAfter => format!(", if {subject} is Looked After"),
        Condition::ChildProtectionPlanOrLookedAfter => {
            format!(", if {subject} is subject to a Child Protection Plan or Looked After")
        }
        Condition::ImmediateRisk => format!(", if {subject} is at immediate risk"),
    }
}

fn route_words(route: ResolutionRoute) -> &'static str {
    match route {
        ResolutionRoute::Agreement => "agreement between the two sides",
        ResolutionRoute::Decision => "a direct decision",
        ResolutionRoute::Panel => "a Resolution Panel",
        ResolutionRoute::WithoutAgreement => {
            "ending without agreement, with the decision finalised as it stands"
        }
    }
}

fn kind_words(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "one line of text",
        FieldKind::LongText => "paragraphs of text",
        FieldKind::Date => "a date",
        FieldKind::YesNo => "yes or no",
        FieldKind::Address => "an address",
        FieldKind::Choice => "a choice of options",
        FieldKind::Signature => "a typed signature",
        FieldKind::Rows => "a table of rows",
    }
}

fn required_words(required: FieldRequired) -> &'static str {
    match required {
        FieldRequired::OnSubmit => "required on every submission",
        FieldRequired::BeforeStageEnds => "required by the end of the stage",
        FieldRequired::Optional => "optional",
    }
}

fn tracks_words(policy: &Policy, tracks: &[TrackId]) -> String {
    if tracks.is_empty() {
        return "every track".into();
    }
    join(
        tracks
            .iter()
            .map(|id| {
                policy
                    .track(id)
                    .map_or_else(|| format!("`{id}`"), |t| format!("\"{}\"", t.name))
            })
            .collect(),
        "and",
    )
}
