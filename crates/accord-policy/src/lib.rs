//! Escalation policies as data.
//!
//! A [`Policy`] is one partnership's procedure for resolving professional
//! disagreements: its tracks, stages, leads, timescales, required records,
//! forms, notifications, panel rules, final decisions, immediate-risk entry,
//! out-of-scope signposting, areas of disagreement, calendar and notes
//! (DESIGN.md §2–§5). Policies are TOML files; the five documents in
//! `policy-documents/` ship built in ([`builtin`]). [`changes`] says what
//! a new version changes against the one in force, in words.
//!
//! ```
//! use accord_calendar::Calendars;
//! let calendars = Calendars::builtin();
//! let policies = accord_policy::builtin(&calendars);
//! assert!(policies.iter().any(|p| p.id.as_str() == "havering-2022"));
//! ```

mod builtin;
mod changes;
mod check;
mod model;
mod timeline;

pub use builtin::{BUILTIN, builtin};
pub use changes::{ChangeKind, ChangePart, PolicyChange, PolicyItem, changes};
pub use check::Diagnostic;
pub use model::*;
pub use timeline::{Timeline, TimelineStage, timeline};

use accord_calendar::Calendars;

impl Policy {
    /// Reads and checks a policy file. Every mistake found is returned, each
    /// with the line and column it is at and a hint saying what to write
    /// instead.
    pub fn from_toml(source: &str, calendars: &Calendars) -> Result<Policy, Vec<Diagnostic>> {
        check::check(source, calendars)
    }

    /// The track with this id.
    pub fn track(&self, id: &TrackId) -> Option<&Track> {
        self.tracks.iter().find(|t| &t.id == id)
    }

    /// The first track, which a case uses unless told otherwise.
    pub fn default_track(&self) -> &Track {
        &self.tracks[0]
    }

    /// The form with this id.
    pub fn form(&self, id: &FormId) -> Option<&Form> {
        self.forms.iter().find(|f| &f.id == id)
    }

    /// The declared role with this id.
    pub fn role(&self, id: &RoleId) -> Option<&Role> {
        self.roles.iter().find(|r| &r.id == id)
    }

    /// The stage a case in area `area` starts at on `track`, without
    /// immediate risk: the area's `entry_stage` where it names one on this
    /// track, and otherwise the track's first stage.
    pub fn entry_stage<'a>(&'a self, track: &'a Track, area: &AreaId) -> &'a Stage {
        self.areas
            .iter()
            .find(|a| &a.id == area)
            .and_then(|a| a.entry_stage)
            .and_then(|n| track.stage(n))
            .unwrap_or_else(|| track.first_stage())
    }

    /// The areas of disagreement offered on `track`.
    pub fn areas_for<'a>(&'a self, track: &'a TrackId) -> impl Iterator<Item = &'a Area> + 'a {
        self.areas
            .iter()
            .filter(move |a| a.tracks.is_empty() || a.tracks.contains(track))
    }
}

impl Track {
    /// The stage with this number.
    pub fn stage(&self, number: StageNumber) -> Option<&Stage> {
        self.stages.iter().find(|s| s.number == number)
    }

    /// The first stage.
    pub fn first_stage(&self) -> &Stage {
        &self.stages[0]
    }

    /// The stage after `number`, if there is one.
    pub fn next_stage(&self, number: StageNumber) -> Option<&Stage> {
        number.next().and_then(|n| self.stage(n))
    }
}

impl Stage {
    /// Whether resolving this stage by `route` is final and closes the
    /// case: the stage is `final_decision`, and `route` is one of its
    /// `final_routes` or it lists none.
    pub fn is_final(&self, route: ResolutionRoute) -> bool {
        self.final_decision && (self.final_routes.is_empty() || self.final_routes.contains(&route))
    }

    /// The roles that may record the Resolution Panel's decision at this
    /// stage: those the panel rule names in `recorded_by`, else the stage's
    /// deciders, who convene it. Empty where the stage has no panel.
    pub fn panel_recorders(&self) -> &[RoleRef] {
        match &self.panel {
            Some(rule) if !rule.recorded_by.is_empty() => &rule.recorded_by,
            Some(_) => &self.leads.decides,
            None => &[],
        }
    }

    /// The roles that may record that this stage ended without agreement
    /// (East Riding Stage Five: the mediation meeting's chair). Empty where
    /// the stage cannot end so.
    pub fn without_agreement_recorders(&self) -> &[RoleRef] {
        self.without_agreement
            .as_ref()
            .map_or(&[], |rule| &rule.recorded_by)
    }
}
