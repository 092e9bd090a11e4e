//! The policy schema: what a policy TOML file says, as Rust types.
//!
//! Every type here derives `Deserialize` with `deny_unknown_fields`, so a
//! misspelt key is a mistake, not a silently ignored line. The only way to
//! get a [`Policy`] from outside this crate is [`Policy::from_toml`] (or the
//! built-ins), which also checks everything that spans more than one field:
//! stage order, known calendar, known roles, panel rules on panel stages.

use std::{fmt, num::NonZeroU8, str::FromStr};

use accord_calendar::{CalendarId, Timescale};
use serde::{Deserialize, Deserializer, Serialize, de};

/// Declares a kebab-case identifier newtype whose only constructor is
/// `parse()`, so an id with spaces or capitals cannot exist.
macro_rules! slug {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(into = "String")]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(s: &str) -> Result<Self, BadId> {
                parse_slug(s).map(|s| $name(s.to_owned()))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(de::Error::custom)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        #[cfg(feature = "openapi")]
        accord_calendar::schema_as!(
            $name,
            accord_calendar::openapi::string(
                concat!($(stringify!($doc), " "),*),
                Some(accord_calendar::openapi::SLUG_PATTERN),
                Some(1),
                Some(80)
            )
        );
    };
}

/// An id that is not lowercase words joined by single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a valid id: use lowercase letters, digits and single hyphens, like `stage-four`"
)]
pub struct BadId(pub String);

fn parse_slug(s: &str) -> Result<&str, BadId> {
    let ok = !s.is_empty()
        && s.len() <= 80
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok { Ok(s) } else { Err(BadId(s.to_owned())) }
}

slug!(
    /// A policy's id, such as `havering-2022`.
    PolicyId
);
slug!(
    /// A track's id within its policy, such as `professional`.
    TrackId
);
slug!(
    /// An area of disagreement's id, such as `levels-of-need`.
    AreaId
);
slug!(
    /// A form's id within its policy, such as `appendix-a`.
    FormId
);
slug!(
    /// A form field's id within its form, such as `date-of-referral`.
    FieldId
);
slug!(
    /// A role's id: a tier, a policy-declared role, or a relation to the case.
    /// See [`RoleRef`].
    RoleId
);
slug!(
    /// An out-of-scope signpost's id, such as `whistleblowing`.
    SignpostId
);
slug!(
    /// A learning theme's id, such as `training-needs`.
    ThemeId
);
slug!(
    /// The id of a group learning is forwarded to, such as
    /// `service-manager`.
    GroupId
);

/// A stage's number on its track's ladder: 1, 2, 3… Never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "u8")]
pub struct StageNumber(NonZeroU8);

impl StageNumber {
    /// The first stage of every track.
    pub const FIRST: StageNumber = StageNumber(NonZeroU8::MIN);

    /// `None` for zero.
    pub fn new(n: u8) -> Option<StageNumber> {
        NonZeroU8::new(n).map(StageNumber)
    }

    /// The number.
    pub fn get(self) -> u8 {
        self.0.get()
    }

    /// The stage after this one, if the number does not overflow.
    pub fn next(self) -> Option<StageNumber> {
        self.0.checked_add(1).map(StageNumber)
    }
}

impl From<StageNumber> for u8 {
    fn from(n: StageNumber) -> u8 {
        n.get()
    }
}

impl<'de> Deserialize<'de> for StageNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u8::deserialize(d)?;
        StageNumber::new(n).ok_or_else(|| de::Error::custom("stage numbers start at 1"))
    }
}

impl fmt::Display for StageNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// The role tiers every partnership has (DESIGN.md §2, "Person").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RoleTier {
    /// Social worker, health visitor, teacher, police officer…
    Practitioner,
    /// Supervisor, line manager, team manager.
    Manager,
    /// Designated safeguarding lead, named or designated professional.
    SafeguardingLead,
    /// Senior or operations manager.
    SeniorManager,
    /// Head of service or director in an agency.
    HeadOfService,
    /// The partnership's Business Manager or team.
    PartnershipTeam,
    /// The partnership's chair.
    Chair,
    /// A member of a Resolution Panel.
    PanelMember,
    /// Independent Reviewing Officer.
    Iro,
    /// Administers users, agencies and calendars.
    Admin,
}

impl RoleTier {
    /// The tier in words, as a sentence names it after "a" or "the":
    /// "safeguarding lead", "partnership chair".
    pub fn words(self) -> &'static str {
        match self {
            RoleTier::Practitioner => "practitioner",
            RoleTier::Manager => "line manager",
            RoleTier::SafeguardingLead => "safeguarding lead",
            RoleTier::SeniorManager => "senior manager",
            RoleTier::HeadOfService => "head of service",
            RoleTier::PartnershipTeam => "partnership team",
            RoleTier::Chair => "partnership chair",
            RoleTier::PanelMember => "panel member",
            RoleTier::Iro => "Independent Reviewing Officer (IRO)",
            RoleTier::Admin => "administrator",
        }
    }

    /// Every tier, lowest first.
    pub const ALL: [RoleTier; 10] = [
        RoleTier::Practitioner,
        RoleTier::Manager,
        RoleTier::SafeguardingLead,
        RoleTier::SeniorManager,
        RoleTier::HeadOfService,
        RoleTier::PartnershipTeam,
        RoleTier::Chair,
        RoleTier::PanelMember,
        RoleTier::Iro,
        RoleTier::Admin,
    ];

    /// The kebab-case id used in policy files, such as `safeguarding-lead`.
    pub fn id(self) -> &'static str {
        match self {
            RoleTier::Practitioner => "practitioner",
            RoleTier::Manager => "manager",
            RoleTier::SafeguardingLead => "safeguarding-lead",
            RoleTier::SeniorManager => "senior-manager",
            RoleTier::HeadOfService => "head-of-service",
            RoleTier::PartnershipTeam => "partnership-team",
            RoleTier::Chair => "chair",
            RoleTier::PanelMember => "panel-member",
            RoleTier::Iro => "iro",
            RoleTier::Admin => "admin",
        }
    }
}

/// Whom a lead, a notification or a form goes to. In a policy file it is a
/// single id, resolved in this order:
///
/// 1. a relation to the case: `raiser` (the professional who raised it),
///    `raiser-agency-lead` and `other-agency-lead` (whoever leads each side
///    at the current stage), `stage-leads` (both), `next-tier-up` (the tier
///    above each current lead, in each agency), `area-route` (the role the
///    case's area of disagreement routes to, as Sutton's strategic track
///    routes to a subgroup chair), `panel` (the convened panel's members);
/// 2. a tier every partnership has, such as `iro` or `safeguarding-lead`;
/// 3. a role the policy declares in `[[roles]]`, such as `business-manager`.
///
/// Anything else is "a notification to an unknown role", and
/// [`Policy::from_toml`] refuses it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub enum RoleRef {
    /// A relation to the case.
    Relation(Relation),
    /// A tier every partnership has.
    Tier(RoleTier),
    /// A role declared in the policy's `[[roles]]`.
    Declared(RoleId),
}

/// A role defined by its relation to one case rather than by title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// The professional who raised the disagreement.
    Raiser,
    /// Whoever leads the raising agency's side at the current stage.
    RaiserAgencyLead,
    /// Whoever leads the other agency's side at the current stage.
    OtherAgencyLead,
    /// Both sides' current leads.
    StageLeads,
    /// The tier above each current lead, in each agency (East Riding §3:
    /// "involving managers at the next level").
    NextTierUp,
    /// The role the case's area of disagreement routes to.
    AreaRoute,
    /// The members of the convened panel.
    Panel,
}

impl Relation {
    /// Every relation.
    pub const ALL: [Relation; 7] = [
        Relation::Raiser,
        Relation::RaiserAgencyLead,
        Relation::OtherAgencyLead,
        Relation::StageLeads,
        Relation::NextTierUp,
        Relation::AreaRoute,
        Relation::Panel,
    ];

    /// The kebab-case id used in policy files.
    pub fn id(self) -> &'static str {
        match self {
            Relation::Raiser => "raiser",
            Relation::RaiserAgencyLead => "raiser-agency-lead",
            Relation::OtherAgencyLead => "other-agency-lead",
            Relation::StageLeads => "stage-leads",
            Relation::NextTierUp => "next-tier-up",
            Relation::AreaRoute => "area-route",
            Relation::Panel => "panel",
        }
    }
}

impl RoleRef {
    /// Resolves an id as relation, then tier, then declared role. Whether a
    /// declared role exists is checked by [`Policy::from_toml`], which knows
    /// the policy's `[[roles]]`.
    pub fn parse(s: &str) -> Result<RoleRef, BadId> {
        if let Some(r) = Relation::ALL.into_iter().find(|r| r.id() == s) {
            return Ok(RoleRef::Relation(r));
        }
        if let Some(t) = RoleTier::ALL.into_iter().find(|t| t.id() == s) {
            return Ok(RoleRef::Tier(t));
        }
        s.parse().map(RoleRef::Declared)
    }

    /// The id as written in a policy file.
    pub fn id(&self) -> &str {
        match self {
            RoleRef::Relation(r) => r.id(),
            RoleRef::Tier(t) => t.id(),
            RoleRef::Declared(id) => id.as_str(),
        }
    }
}

#[cfg(feature = "openapi")]
accord_calendar::schema_as!(
    RoleRef,
    accord_calendar::openapi::string(
        "A role: a tier (`manager`, `iro`…), a role the policy declares (`business-manager`), or a relation to the case (`raiser`, `stage-leads`…).",
        Some(accord_calendar::openapi::SLUG_PATTERN),
        Some(1),
        Some(80)
    )
);

#[cfg(feature = "openapi")]
accord_calendar::schema_as!(
    StageNumber,
    accord_calendar::openapi::integer("A stage's number on its ladder, from 1.", 1, 255)
);

impl<'de> Deserialize<'de> for RoleRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RoleRef::parse(&s).map_err(de::Error::custom)
    }
}

impl From<RoleRef> for String {
    fn from(r: RoleRef) -> String {
        r.id().to_owned()
    }
}

impl fmt::Display for RoleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One partnership's escalation procedure, as a versioned data file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Policy {
    /// Stable id, such as `havering-2022`.
    pub id: PolicyId,
    /// Bumped on every change; a case stays bound to the version it was
    /// raised under.
    pub version: u32,
    /// The policy's own title.
    pub title: String,
    /// The partnership that owns it.
    pub partnership: String,
    /// The document this file encodes.
    pub document: SourceDocument,
    /// The bank-holiday calendar its working days are counted on.
    pub calendar: CalendarId,
    /// Whom the policy protects: children, and for the Isle of Man also
    /// vulnerable adults (IOM-1).
    pub subjects: Vec<SubjectKind>,
    /// Roles this partnership names beyond the common tiers, such as the
    /// Business Manager or the Director of Multi-agency Safeguarding.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// The areas of disagreement the policy lists, offered when raising.
    pub areas: Vec<Area>,
    /// Disagreements outside the procedure, signposted before raising and
    /// never recorded as cases.
    #[serde(default)]
    pub out_of_scope: Vec<Signpost>,
    /// What the policy says to do when a subject is at immediate risk.
    pub immediate_risk: ImmediateRisk,
    /// The written forms the policy uses.
    #[serde(default)]
    pub forms: Vec<Form>,
    /// The ladders a disagreement can climb. The first is the default.
    pub tracks: Vec<Track>,
    /// How a resolution is confirmed and fed back.
    pub outcome: OutcomeRules,
    /// Learning themes and where learning is forwarded.
    pub learning: Learning,
    /// Readings of vague passages, and anything else a reader should know.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// Reminders before deadlines, and who hears of a breach or a
    /// resolution where a stage names nobody. Optional: the defaults are
    /// [`Alerts::default`].
    #[serde(default)]
    pub alerts: Alerts,
}

/// What Accord tells people about deadlines and resolutions beyond the
/// notifications a stage lists. In a policy file it is an optional
/// `[alerts]` table; every key has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Alerts {
    /// How many working days before a deadline its reminder goes: at the
    /// start of that working day. Default 1: on the morning of the last
    /// working day. 0 sends none.
    #[serde(default = "Alerts::default_remind_days")]
    pub remind_working_days_before: u8,
    /// Who is reminded. Default: the stage's leads.
    #[serde(default = "Alerts::default_remind_to")]
    pub remind_to: Vec<RoleRef>,
    /// Who is told when a deadline passes, on a stage whose own
    /// notifications say nothing of a breach. Default: the stage's leads
    /// and the tier above each (DESIGN.md §3; East Riding's "involving
    /// managers at the next level").
    #[serde(default = "Alerts::default_breach_to")]
    pub breach_to: Vec<RoleRef>,
    /// Who is told when the case is resolved, unless the stage or the
    /// outcome rules already tell them. Default: the person who raised it.
    #[serde(default = "Alerts::default_resolved_to")]
    pub resolved_to: Vec<RoleRef>,
    /// Who is told when a disagreement is raised, with what is disputed,
    /// what the stage asks of them and by when, unless the stage's own
    /// notifications already tell them. Default: the stage's leads, which
    /// on the other side is the professional named on the case or, where
    /// none is named, the other agency's lead for the stage. The person who
    /// raised it is never told of their own raise. Accord's own rule: the
    /// documents take it for granted that the other side hears of a
    /// disagreement about its work.
    #[serde(default = "Alerts::default_stage_leads")]
    pub raised_to: Vec<RoleRef>,
    /// Who is told when a case enters a stage by escalation, unless the
    /// stage's own notifications already tell them. Default: the new
    /// stage's leads on each side, who now have to act. (Whoever escalated
    /// is told too where they also lead the new stage.)
    #[serde(default = "Alerts::default_stage_leads")]
    pub escalated_to: Vec<RoleRef>,
}

impl Alerts {
    fn default_remind_days() -> u8 {
        1
    }
    fn default_remind_to() -> Vec<RoleRef> {
        vec![RoleRef::Relation(Relation::StageLeads)]
    }
    fn default_breach_to() -> Vec<RoleRef> {
        vec![
            RoleRef::Relation(Relation::StageLeads),
            RoleRef::Relation(Relation::NextTierUp),
        ]
    }
    fn default_resolved_to() -> Vec<RoleRef> {
        vec![RoleRef::Relation(Relation::Raiser)]
    }
    fn default_stage_leads() -> Vec<RoleRef> {
        vec![RoleRef::Relation(Relation::StageLeads)]
    }
}

impl Default for Alerts {
    fn default() -> Alerts {
        Alerts {
            remind_working_days_before: Alerts::default_remind_days(),
            remind_to: Alerts::default_remind_to(),
            breach_to: Alerts::default_breach_to(),
            resolved_to: Alerts::default_resolved_to(),
            raised_to: Alerts::default_stage_leads(),
            escalated_to: Alerts::default_stage_leads(),
        }
    }
}

/// The document a policy file encodes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SourceDocument {
    /// The document's title.
    pub title: String,
    /// Its file name under `policy-documents/`.
    pub file: String,
    /// The date it carries, as printed ("August 2022").
    pub dated: String,
    /// Its review date, where it gives one.
    #[serde(default)]
    pub review: Option<String>,
}

/// Whom a disagreement can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    /// A child or young person.
    Child,
    /// A vulnerable adult, or adult at risk.
    VulnerableAdult,
}

/// A role a partnership names beyond the common tiers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Role {
    /// Its id, used in leads, notifications and forms.
    pub id: RoleId,
    /// Its title, as the document writes it.
    pub name: String,
    /// The tier people in this role hold.
    pub tier: RoleTier,
    /// A shared mailbox the document names for it, if any.
    #[serde(default)]
    pub email: Option<String>,
    /// The section that names it.
    #[serde(default)]
    pub section: Option<String>,
}

/// An area of disagreement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Area {
    /// Its id.
    pub id: AreaId,
    /// Its words, as the document lists them.
    pub label: String,
    /// The tracks it is offered on; every track when empty.
    #[serde(default)]
    pub tracks: Vec<TrackId>,
    /// The role a case in this area goes to first (Sutton §6: each area of
    /// LSCB business has its subgroup chair). Referred to as `area-route`.
    #[serde(default)]
    pub routes_to: Option<RoleRef>,
    /// The stage a case in this area starts at, where the document starts it
    /// past its track's first stage (Sutton §7b: a disagreement in
    /// assessment and care planning begins with the children's social care
    /// team manager and the first line manager, not with §7a's re-visit of
    /// the referral). `None`: the track's first stage. It must be a stage on
    /// every track the area is offered on. Immediate risk may still start a
    /// case at a later stage the track allows in `immediate_risk_entry`.
    /// See [`Policy::entry_stage`](crate::Policy::entry_stage).
    #[serde(default)]
    pub entry_stage: Option<StageNumber>,
}

/// A disagreement the procedure does not cover, and where to take it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Signpost {
    /// Its id.
    pub id: SignpostId,
    /// What kind of concern it is ("a complaint about one person's practice").
    pub concern: String,
    /// Where to take it instead ("the complaint or grievance process").
    pub go_to: String,
    /// Whether the concern is outside the procedure (the default), or only
    /// pointed elsewhere by a document that does not put it out of scope.
    #[serde(default)]
    pub effect: SignpostEffect,
    /// The section that says so.
    pub section: String,
}

/// What a signpost does for a raiser whose concern matches it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignpostEffect {
    /// The concern is outside the procedure: it is never a case, and a
    /// raise naming it is refused with where to take it instead
    /// (DESIGN.md §5; the Isle of Man's §2 list, IOM-3).
    #[default]
    OutOfScope,
    /// The document points such concerns to another route without putting
    /// them outside the procedure: the raiser is told of that route and may
    /// still raise the disagreement (Sutton §1 speaks of internal whistle
    /// blowing policies, but excludes nothing).
    Advice,
}

/// What the policy requires when a subject is at immediate risk of
/// significant harm (DESIGN.md §5).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ImmediateRisk {
    /// The instruction shown to the person raising, in the policy's words.
    pub instruction: String,
    /// Who is notified at once when a case is raised with immediate risk.
    pub notify: Vec<RoleRef>,
    /// The section that says so.
    pub section: String,
}

/// A written form: a referral, a monitoring return, an outcome record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Form {
    /// Its id.
    pub id: FormId,
    /// Its title, as the document prints it.
    pub title: String,
    /// The section or appendix that holds it.
    pub section: String,
    /// Who receives it when it is submitted.
    #[serde(default)]
    pub send_to: Vec<RoleRef>,
    /// The address the document gives for returning it, if any.
    #[serde(default)]
    pub address: Option<String>,
    /// Who it is returned to once completed (Isle of Man: the referring
    /// agency, with the outcome section filled in).
    #[serde(default)]
    pub returned_to: Option<RoleRef>,
    /// Its parts, in order.
    pub sections: Vec<FormSection>,
}

/// A part of a form, such as the Isle of Man's "outcome of agreed actions".
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FormSection {
    /// Its heading.
    pub title: String,
    /// Who fills it in, when that is someone other than the submitter.
    #[serde(default)]
    pub completed_by: Option<RoleRef>,
    /// Its fields, in order.
    pub fields: Vec<Field>,
}

/// One question on a form.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Field {
    /// Its id, unique within the form.
    pub id: FieldId,
    /// Its words, as the document prints them.
    pub label: String,
    /// What kind of answer it takes.
    pub kind: FieldKind,
    /// When it must be answered.
    #[serde(default)]
    pub required: FieldRequired,
    /// For `choice`: the options.
    #[serde(default)]
    pub options: Vec<String>,
    /// For `rows`: the columns of each row.
    #[serde(default)]
    pub columns: Vec<Field>,
    /// Help text shown under the label.
    #[serde(default)]
    pub hint: Option<String>,
    /// Who is told when this field is given an answer (Sutton Appendix 1:
    /// "Should the Head of Service be contacted? Yes No"). Only `yes-no`
    /// and `choice` fields take them.
    #[serde(default)]
    pub on_answer: Vec<AnswerNotification>,
}

/// A notification a form's answer sends: fired when a submission gives the
/// field `answer` and the form's previous submission did not.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AnswerNotification {
    /// The answer that fires it: `yes` or `no` for a `yes-no` field, one of
    /// the `options` of a `choice`.
    pub answer: String,
    /// Whom it goes to. The form is attached.
    pub to: RoleRef,
    /// What the reader is told, in a sentence.
    pub message: String,
    /// The section that requires it.
    pub section: String,
}

/// The kind of answer a form field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Paragraphs of text.
    LongText,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// Yes or no.
    YesNo,
    /// An email or postal address.
    Address,
    /// One of `options`.
    Choice,
    /// A typed name standing for a signature.
    Signature,
    /// A table of rows with `columns`.
    Rows,
}

/// When a form field must be answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldRequired {
    /// On every submission.
    #[default]
    OnSubmit,
    /// By the time the stage that requires the form is left or resolved
    /// (East Riding Appendix A's "Outcome").
    BeforeStageEnds,
    /// Never required.
    Optional,
}

/// One ladder of stages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Track {
    /// Its id, such as `professional`, `strategic` or `conference-dissent`.
    pub id: TrackId,
    /// Its name.
    pub name: String,
    /// What kind of disagreement it is for.
    pub description: String,
    /// The section that sets it out.
    pub section: String,
    /// The later stages a case may start at when a subject is at immediate
    /// risk (Plymouth: "discretion … as to which stage is initiated").
    /// Empty: immediate risk expedites but never skips.
    #[serde(default)]
    pub immediate_risk_entry: Vec<StageNumber>,
    /// Whether a case on this track must name at least one child (or, where
    /// the policy covers them, adult at risk). Default true: a disagreement
    /// about a child's safety is about a named child, and conditions such
    /// as Havering §2.5's IRO notification read the subjects. `false` for a
    /// track about the partnership's own business (Sutton §6's strategic
    /// issues), which names nobody.
    #[serde(default = "yes")]
    pub needs_subject: bool,
    /// The stages, numbered 1, 2, 3… in order.
    pub stages: Vec<Stage>,
}

/// One rung of a track's ladder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Stage {
    /// Its number on the ladder.
    pub number: StageNumber,
    /// Its name, as the document writes it.
    pub name: String,
    /// The section that sets it out.
    pub section: String,
    /// What happens at this stage, in a sentence or two.
    pub summary: String,
    /// Who leads each side.
    pub leads: Leads,
    /// How long it may take.
    pub timescale: StageTimescale,
    /// Whether the case's own timescale for this stage may be agreed,
    /// shorter or longer than `timescale` (Sutton §5: the referral form
    /// agrees "the timescale given the specific circumstances of each
    /// case"). `None`: only extensions move the deadline, and only later.
    #[serde(default)]
    pub agreed_timescale: Option<AgreedTimescale>,
    /// Records that must exist before the stage can be left.
    #[serde(default)]
    pub requirements: Vec<Requirement>,
    /// Forms needed to enter or leave it.
    #[serde(default)]
    pub forms: Vec<StageForm>,
    /// Who is told what, and when.
    #[serde(default)]
    pub notifications: Vec<Notification>,
    /// How a decision is reached at this stage. Defaults to `["agreement"]`.
    #[serde(default = "default_resolution")]
    pub resolution: Vec<ResolutionRoute>,
    /// The Resolution Panel rule. Only a stage whose `resolution` includes
    /// `"panel"` may have one, and such a stage must.
    #[serde(default)]
    pub panel: Option<PanelRule>,
    /// Whether a decision here is final and closes the case (the Plymouth
    /// panel; Sutton's Independent Chair). Which routes are final is
    /// narrowed by `final_routes`.
    #[serde(default)]
    pub final_decision: bool,
    /// The resolution routes whose outcome is final, when `final_decision`
    /// is true. Empty: every route in `resolution` is final. Plymouth Stage
    /// Five lists `["panel"]`: "The decision of the Plymouth Safeguarding
    /// Children Board Resolution Panel will be final in this matter", which
    /// says nothing of the Chair resolving the issue direct. Each route
    /// listed must be in `resolution`, and listing routes on a stage that
    /// is not `final_decision` is a mistake. See
    /// [`Stage::is_final`](crate::Stage::is_final).
    #[serde(default)]
    pub final_routes: Vec<ResolutionRoute>,
    /// Things the stage may involve that the engine does not enforce, such
    /// as "a professionals meeting may be held".
    #[serde(default)]
    pub may: Vec<String>,
    /// Who records that the stage ended without agreement. Only a stage
    /// whose `resolution` includes `"without-agreement"` may have it, and
    /// such a stage must.
    #[serde(default)]
    pub without_agreement: Option<WithoutAgreementRule>,
    /// Earlier stages from which a case may be escalated straight to this
    /// one, passing over the stages between, and the answer on an entry
    /// form that says why (Isle of Man Stage Four: "and/or the discussions
    /// raise significant policy issues, the matter should be urgently
    /// referred to the Safeguarding Board").
    #[serde(default)]
    pub direct_entry: Option<DirectEntry>,
    /// What entering this stage puts on record about the case's subjects
    /// (East Riding §5: "In the interim period, the child should be the
    /// subject of a Child Protection Plan").
    #[serde(default)]
    pub on_entry: Option<OnEntry>,
}

/// Who records that a stage ended without agreement, and where the
/// document says the decision is then finalised.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WithoutAgreementRule {
    /// The roles that record it, such as the chair of the meeting. Only
    /// holders of one of them may (DESIGN.md §2: "A tier is never a
    /// stand-in for a role"). Where the stage's leads set
    /// `decides_from_uninvolved_agency`, they must also come from an
    /// agency not in dispute.
    pub recorded_by: Vec<RoleRef>,
    /// The section that says so.
    pub section: String,
}

/// A route straight to a stage from earlier stages, passing over those
/// between, for a reason an entry form records as a "yes".
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DirectEntry {
    /// The stages a case may be escalated from, straight to this one.
    pub from: Vec<StageNumber>,
    /// The form, needed to enter this stage, that says why.
    pub form: FormId,
    /// Its yes-or-no question that must be answered "yes".
    pub yes_to: FieldId,
    /// The section that allows it.
    pub section: String,
}

/// What entering a stage records about the case's subjects.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OnEntry {
    /// Every child the case is about is recorded as subject to a Child
    /// Protection Plan from entry (the interim plan of East Riding §5).
    #[serde(default)]
    pub child_protection_plan: bool,
    /// Why, in the document's words: the reason on the record.
    pub reason: String,
    /// The section that says so.
    pub section: String,
}

fn yes() -> bool {
    true
}

fn default_resolution() -> Vec<ResolutionRoute> {
    vec![ResolutionRoute::Agreement]
}

/// A way a disagreement can be resolved at a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ResolutionRoute {
    /// The two sides' leads reach agreement.
    Agreement,
    /// The stage's decider decides directly (a partnership chair "may seek
    /// to resolve the issue direct"; Sutton's Independent Chair's written
    /// response).
    Decision,
    /// A Resolution Panel is convened, hears representations and decides.
    Panel,
    /// The stage's meeting ends without agreement and the decision is
    /// finalised as it stands, recorded by a role the stage names in
    /// `[tracks.stages.without_agreement]` (East Riding §4, Stage Five: the
    /// mediation meeting is "a final opportunity for the involved agencies
    /// to ensure that there is a full understanding of the issues before
    /// the decision is finalised").
    WithoutAgreement,
}

/// Who leads each side at a stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Leads {
    /// The raising agency's side.
    pub raising: Vec<RoleRef>,
    /// The other agency's side; empty where the stage is internal to the
    /// raising agency (East Riding Stage 1).
    #[serde(default)]
    pub other: Vec<RoleRef>,
    /// Who decides, where a stage is led by one person for both sides (a
    /// partnership chair, an independent chair). Only holders of one of
    /// these roles decide directly, convene a panel or arbitrate: a tier is
    /// never a stand-in for a role (DESIGN.md §2).
    #[serde(default)]
    pub decides: Vec<RoleRef>,
    /// Whether whoever fills `decides` must come from an agency that is not
    /// a party to the disagreement. On a stage that names no decider but
    /// names `chairs`, it applies to whoever chairs instead (East Riding
    /// Stage Five: "a Partnership Member from an uninvolved agency" chairs
    /// the mediation meeting). A stage naming neither may not set it.
    #[serde(default)]
    pub decides_from_uninvolved_agency: bool,
    /// Who chairs the stage's meeting without deciding it: the two sides
    /// still resolve by agreement (East Riding Stage Five: the mediation
    /// chair runs a meeting of the most senior operational managers, but
    /// "Operational issues must be resolved by the agencies identified
    /// directly involved in the case").
    #[serde(default)]
    pub chairs: Vec<RoleRef>,
}

/// A stage's timescale and when its clock starts. Written in a policy file
/// as exactly one of `working_days = N`, `hours = N`, `calendar_days = N`
/// or `none = true`, with an optional `from = "stage-start" | "raised"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawTimescale", into = "RawTimescale")]
#[non_exhaustive]
pub struct StageTimescale {
    /// Working days, hours, calendar days, or none.
    pub length: TimescaleSpec,
    /// From the stage's start, or from when the disagreement was raised.
    pub from: CountFrom,
}

/// The timescale table as written, before it is known to name exactly one
/// length.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimescale {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    working_days: Option<accord_calendar::WorkingDays>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hours: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calendar_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    none: Option<bool>,
    #[serde(default)]
    from: CountFrom,
}

impl TryFrom<RawTimescale> for StageTimescale {
    type Error = String;
    fn try_from(raw: RawTimescale) -> Result<Self, String> {
        let mut lengths = Vec::new();
        if let Some(n) = raw.working_days {
            lengths.push(TimescaleSpec::WorkingDays(n));
        }
        if let Some(n) = raw.hours {
            if n == 0 {
                return Err(
                    "hours must be at least 1; for no timescale write `none = true`".into(),
                );
            }
            lengths.push(TimescaleSpec::Hours(n));
        }
        if let Some(n) = raw.calendar_days {
            if n == 0 {
                return Err(
                    "calendar_days must be at least 1; for no timescale write `none = true`".into(),
                );
            }
            lengths.push(TimescaleSpec::CalendarDays(n));
        }
        match raw.none {
            Some(true) => lengths.push(TimescaleSpec::None),
            Some(false) => {
                return Err("`none = false` says nothing: give `working_days`, `hours` or `calendar_days` instead".into());
            }
            None => {}
        }
        match lengths.as_slice() {
            [length] => Ok(StageTimescale { length: *length, from: raw.from }),
            [] => Err("a timescale needs one of `working_days = N`, `hours = N`, `calendar_days = N` or `none = true`".into()),
            _ => Err("a timescale takes only one of `working_days`, `hours`, `calendar_days` and `none`".into()),
        }
    }
}

impl From<StageTimescale> for RawTimescale {
    fn from(t: StageTimescale) -> RawTimescale {
        let mut raw = RawTimescale {
            from: t.from,
            ..RawTimescale::default()
        };
        match t.length {
            TimescaleSpec::WorkingDays(n) => raw.working_days = Some(n),
            TimescaleSpec::Hours(n) => raw.hours = Some(n),
            TimescaleSpec::CalendarDays(n) => raw.calendar_days = Some(n),
            TimescaleSpec::None => raw.none = Some(true),
        }
        raw
    }
}

/// A timescale's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimescaleSpec {
    /// `working_days = N`
    WorkingDays(accord_calendar::WorkingDays),
    /// `hours = N`
    Hours(u32),
    /// `calendar_days = N`
    CalendarDays(u32),
    /// `none = true`: "as soon as possible".
    None,
}

impl TimescaleSpec {
    /// The calendar crate's timescale.
    pub fn timescale(self) -> Timescale {
        match self {
            TimescaleSpec::WorkingDays(n) => Timescale::WorkingDays(n),
            TimescaleSpec::Hours(n) => Timescale::Hours(n),
            TimescaleSpec::CalendarDays(n) => Timescale::CalendarDays(n),
            TimescaleSpec::None => Timescale::None,
        }
    }
}

impl StageTimescale {
    /// The calendar crate's timescale.
    pub fn timescale(&self) -> Timescale {
        self.length.timescale()
    }
}

/// A stage's leave to agree a case-specific timescale.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AgreedTimescale {
    /// The section that allows it.
    pub section: String,
}

/// When a timescale's clock starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountFrom {
    /// When the case entered the stage.
    #[default]
    StageStart,
    /// When the disagreement was raised (East Riding's overall limits).
    Raised,
}

/// A record that must exist before a stage can be left.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Requirement {
    /// The kind of record.
    pub record: RecordKind,
    /// Before which move it is needed.
    #[serde(default)]
    pub before: Before,
    /// A role who must have taken part (Havering §2.8: the agencies' HSCP
    /// members before Stage 4).
    #[serde(default)]
    pub with: Option<RoleRef>,
    /// Whether `with` is wanted from each side in dispute rather than from
    /// anyone: Havering §2.8's "The respective agency members on the HSCP
    /// should be engaged" is one member for each agency, not one member of
    /// any agency.
    #[serde(default)]
    pub each_side: bool,
    /// For a `concurrence`: the roles whose holders give it (Sutton §7c:
    /// "If the designated lead concurs with the concerns of the
    /// professional"). Only they may record it: a tier is never a stand-in
    /// for a role (DESIGN.md §2). Required for a `concurrence`, and taken
    /// by no other kind of record.
    #[serde(default)]
    pub by: Vec<RoleRef>,
    /// For a `concurrence`: whether it is given from the raising agency
    /// only (Sutton §7c: "the agency's designated safeguarding lead", the
    /// dissenting professional's own).
    #[serde(default)]
    pub by_raising_agency: bool,
    /// The rule in words, for refusals.
    pub description: String,
    /// The section it comes from.
    pub section: String,
}

/// A kind of record a stage can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    /// A discussion record at this stage.
    Discussion,
    /// A discussion record at this stage that has been formally approved,
    /// with its date of approval (Sutton §7b).
    ApprovedDiscussion,
    /// The concurrence, at this stage, of a holder of a role the
    /// requirement names in `by`, recorded before the move it allows
    /// (Sutton §7c: "If the designated lead concurs with the concerns of
    /// the professional, the Children's social care safeguarding manager
    /// should be informed in writing"). The latest such record counts: one
    /// that withholds concurrence leaves the requirement unmet.
    Concurrence,
}

/// Which move a requirement guards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Before {
    /// Escalating to the next stage.
    Escalate,
    /// Resolving at this stage.
    Resolve,
    /// Either.
    #[default]
    LeavingStage,
}

/// A form a stage needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StageForm {
    /// The form.
    pub form: FormId,
    /// When it must be complete.
    pub needed: FormNeeded,
    /// How soon it is due, where the document gives a time for the form
    /// itself rather than for the stage (Isle of Man Stage Four: the senior
    /// manager completes the referral form "within 5 working days" of
    /// Stages One to Three being exhausted). For a `to-leave` form the
    /// clock starts at the instant the case enters the stage, and the form
    /// is due as a stage timescale of the same length would be (DESIGN.md
    /// §3). For a `to-enter` form it starts when the previous stage's leads
    /// decide to escalate: the escalation is then recorded as decided, the
    /// previous stage is over, and the case enters this stage when the form
    /// is submitted. `from = "raised"` counts from when the disagreement
    /// was raised instead.
    #[serde(default)]
    pub within: Option<StageTimescale>,
    /// The section that requires it.
    pub section: String,
}

/// When a stage's form must be complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormNeeded {
    /// Submitted before the case can enter the stage.
    ToEnter,
    /// Submitted before the case can leave the stage.
    ToLeave,
}

/// Who is told what, and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Notification {
    /// The moment it fires.
    pub on: Trigger,
    /// Whom it goes to.
    pub to: RoleRef,
    /// The condition under which it fires.
    #[serde(default)]
    pub when: Condition,
    /// Forms sent with it.
    #[serde(default)]
    pub attach: Vec<FormId>,
    /// What the reader is told, in a sentence.
    pub message: String,
    /// The section that requires it.
    pub section: String,
}

/// The moment a notification fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The case enters the stage.
    Entry,
    /// The case reaches the stage or passes over it: it enters it, or it is
    /// raised at a later stage for immediate risk. Plymouth Stage Three's
    /// Business Manager "will keep a record of all on-going disagreements",
    /// so a case started at Stage Four or Five is on their record too.
    Reached,
    /// The case leaves the stage by escalation.
    Exit,
    /// The case is resolved at the stage.
    Resolved,
    /// The stage's deadline passes.
    Breach,
    /// The case is closed at the stage.
    Closed,
}

impl Trigger {
    /// Whether it fires when the case enters the stage: `entry`, and
    /// `reached`, which also fires when the stage is passed over.
    pub fn on_entry(self) -> bool {
        matches!(self, Trigger::Entry | Trigger::Reached)
    }
}

/// A condition on a notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// Always.
    #[default]
    Always,
    /// A subject has a Child Protection Plan.
    ChildProtectionPlan,
    /// A subject is Looked After.
    LookedAfter,
    /// A subject has a Child Protection Plan or is Looked After (Havering §2.5).
    ChildProtectionPlanOrLookedAfter,
    /// A subject is at immediate risk of significant harm.
    ImmediateRisk,
}

/// The rule for a Resolution Panel (DESIGN.md §5).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PanelRule {
    /// The fewest agencies it may have.
    pub min_agencies: u8,
    /// Whether the agencies in dispute must sit on it.
    pub include_disputing: Inclusion,
    /// Who may sit, in the document's words ("senior officers … on the
    /// full Board").
    pub membership: String,
    /// Whether it hears representations from those in dispute.
    #[serde(default)]
    pub hears_representations: bool,
    /// Who may take a seat: only holders of one of these roles sit, and
    /// only their agencies count towards `min_agencies` (Havering §2.12:
    /// "a senior officer from three agencies who are members of the full
    /// Board"; Plymouth Stage Five: "Board representatives from three
    /// agencies"). Empty: anyone of the partnership may sit.
    #[serde(default)]
    pub seats: Vec<RoleRef>,
    /// Who records the panel's decision: the roles the policy names for
    /// the panel. Only the panel decides (Plymouth Stage Five: "The
    /// decision of the Plymouth Safeguarding Children Board Resolution
    /// Panel will be final in this matter"), so recording it is reserved
    /// like deciding is (DESIGN.md §2: "A tier is never a stand-in for a
    /// role"). When empty, the stage's `decides`, who convened the panel,
    /// records it.
    #[serde(default)]
    pub recorded_by: Vec<RoleRef>,
    /// The section that sets it out.
    pub section: String,
}

/// How strictly the disputing agencies must sit on a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Inclusion {
    /// They must: a panel without them is refused (Havering §2.12).
    Required,
    /// Where possible: a shortfall is a warning with a recorded reason
    /// (Plymouth Stage Five).
    WherePossible,
}

/// How a resolution is confirmed and fed back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OutcomeRules {
    /// Whether each party must confirm the agreed outcome in writing
    /// before the case closes.
    pub written_confirmation: bool,
    /// Who is told of the outcome when the case is resolved.
    #[serde(default)]
    pub feedback_to: Vec<RoleRef>,
    /// The section that says so.
    pub section: String,
}

/// Learning themes and where learning goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Learning {
    /// The themes the policy names.
    pub themes: Vec<Theme>,
    /// The groups learning is forwarded to, in the document's words
    /// (Sutton §7e: "the relevant LSCB sub-group"; East Riding §6: the
    /// ERSCP Service Manager).
    pub forward_to: Vec<LearningGroup>,
    /// Things that may follow a resolution that the engine does not enforce,
    /// in the document's words (Sutton §7e: expert advice, a debrief).
    #[serde(default)]
    pub may: Vec<String>,
    /// The section that says so.
    pub section: String,
}

impl Learning {
    /// The theme `id`.
    pub fn theme(&self, id: &ThemeId) -> Option<&Theme> {
        self.themes.iter().find(|t| &t.id == id)
    }

    /// The group `id` learning goes to.
    pub fn group(&self, id: &GroupId) -> Option<&LearningGroup> {
        self.forward_to.iter().find(|g| &g.id == id)
    }
}

/// A group learning is forwarded to: a subgroup, a board or an officer the
/// policy names. Whoever holds its role sees the partnership's insight and
/// the learning forwarded to it (issue 15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LearningGroup {
    /// Its id.
    pub id: GroupId,
    /// Its words, as the document names it.
    pub label: String,
    /// The declared role whose holders are the group or speak for it, such
    /// as a subgroup's chair; `None` when the policy names nobody.
    #[serde(default)]
    pub role: Option<RoleRef>,
}

/// A learning theme.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Theme {
    /// Its id.
    pub id: ThemeId,
    /// Its words.
    pub label: String,
}

/// A note on the policy: a reading of a vague passage, or a fact a reader
/// should know.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Note {
    /// What it is about, such as "Timescales".
    pub topic: String,
    /// The note.
    pub text: String,
    /// True when it records a reading chosen where the document is vague.
    #[serde(default)]
    pub reading: bool,
    /// The POLICY-CHECKLIST.md ids it concerns, such as `HAV-2`.
    #[serde(default)]
    pub checklist: Vec<String>,
}
