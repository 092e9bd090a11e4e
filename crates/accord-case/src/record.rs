//! The things written on a case record: subjects, the concern, discussions,
//! actions, panel seats, extensions. Commands carry them in; events carry
//! them onto the record unchanged.

use accord_calendar::{Timescale, WorkingDays};
use accord_policy::{RoleId, RoleRef, RoleTier, SubjectKind};
use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

use crate::{AgencyId, LocalId, NhsNumber, PersonId, SubjectId, Text};

/// Who is acting: passed in with every command, recorded on every event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    /// The person.
    pub person: PersonId,
    /// Their agency.
    pub agency: AgencyId,
    /// Their role tier, as the directory holds it when they act.
    pub tier: RoleTier,
    /// The roles of the case's policy they hold, as the directory holds
    /// them when they act, such as Sutton's `independent-lscb-chair`. Who
    /// decides, convenes or arbitrates is one of these, never a tier
    /// (DESIGN.md §2). Left out of the record when empty, so events written
    /// before roles were recorded read and hash as they did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleId>,
}

impl Actor {
    /// A line manager or anyone above them in an agency or the partnership:
    /// manager, safeguarding lead, senior manager, head of service,
    /// partnership team or chair. Panel members, IROs and administrators
    /// take no management decisions on a case.
    pub fn is_manager_or_above(&self) -> bool {
        (RoleTier::Manager..=RoleTier::Chair).contains(&self.tier)
    }

    /// Whether they hold `role`: their tier where the policy names a tier,
    /// or one of their declared roles. A relation to a case (`raiser`,
    /// `area-route`…) is resolved against the case before it is asked.
    pub fn holds(&self, role: &RoleRef) -> bool {
        match role {
            RoleRef::Tier(tier) => self.tier == *tier,
            RoleRef::Declared(id) => self.roles.contains(id),
            RoleRef::Relation(_) => false,
        }
    }
}

/// Everything a command needs from outside: the time, who is acting, and
/// what the directory says of everyone the command names. The case never
/// reads a clock or a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Now.
    pub now: Timestamp,
    /// Who is acting.
    pub actor: Actor,
    /// The directory's entry for each person the command names
    /// ([`Command::people_named`](crate::Command::people_named)): a
    /// discussion's participants, an action's owner, a panel's seats. A
    /// person named and not here is refused, so a caller that forgets to
    /// look them up is told, never trusted.
    pub people: Vec<DirectoryEntry>,
}

impl Context {
    /// A context for `actor` at `now` that names nobody else.
    pub fn new(now: Timestamp, actor: Actor) -> Context {
        Context {
            now,
            actor,
            people: Vec::new(),
        }
    }

    /// The directory's entry for `person`, if the caller gave one.
    pub fn person(&self, person: &PersonId) -> Option<&DirectoryEntry> {
        self.people.iter().find(|p| &p.person.person == person)
    }
}

/// What the partnership's directory says of someone a command names, as it
/// holds them when the command is decided: their agency, tier and roles,
/// and whether they may still sign in. A participant's role, an action's
/// owner and a panel's seat are checked against it (issue 12 §2), never
/// taken from the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// Who they are, as they would act.
    pub person: Actor,
    /// False when an administrator has disabled their account: they can do
    /// nothing, so nothing new is given to them to do.
    pub active: bool,
}

/// A child, young person or adult at risk the disagreement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subject {
    /// Their id within the case.
    pub id: SubjectId,
    /// Their name, as the raiser gives it.
    pub name: Text,
    /// A child, or a vulnerable adult (Isle of Man, IOM-1).
    pub kind: SubjectKind,
    /// Subject to a Child Protection Plan.
    pub child_protection_plan: bool,
    /// A Looked After Child.
    pub looked_after: bool,
    /// Thought to be at immediate risk of significant harm.
    pub immediate_risk: bool,
    /// Their date of birth, where the raiser knows it (issue 14 §2). This
    /// and the two identifiers below are left out of the record when not
    /// given, so events written before they were asked read and hash as
    /// they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub date_of_birth: Option<Date>,
    /// Their NHS number, check digit checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<NhsNumber>,
    /// Their identifier in the local children's social care system (an
    /// LCS or Mosaic id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_id: Option<LocalId>,
}

/// What the disagreement is about, in the raiser's words (DESIGN.md §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Concern {
    /// The decision, action or inaction disputed.
    pub disputed: Text,
    /// The evidence for the concern (Plymouth Stage One: "evidence the
    /// nature and source of their concerns").
    pub evidence: Text,
    /// The outcome sought.
    pub outcome_sought: Text,
}

/// How a discussion was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DiscussionMode {
    /// By telephone.
    Phone,
    /// Face to face.
    FaceToFace,
    /// A meeting, in person or online.
    Meeting,
    /// A professionals meeting (Isle of Man Stages Two and Three; Sutton §7a).
    ProfessionalsMeeting,
}

/// Someone who took part in a discussion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participant {
    /// The person.
    pub person: PersonId,
    /// Their agency.
    pub agency: AgencyId,
    /// The role they took part in, such as `safeguarding-lead` or a
    /// policy's `hscp-member`; stage requirements name roles who must have
    /// taken part (Havering §2.8).
    pub role: RoleRef,
}

/// A professional who took part in a discussion and has no account in
/// Accord, as the person recording it wrote them down. A name and an agency
/// are required (each [`Text`], never blank); their role is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnlistedParticipant {
    /// Their name.
    pub name: Text,
    /// Their role or job title, such as "GP" or "Designated safeguarding
    /// lead"; left out when not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Text>,
    /// The organisation they work for, as written.
    pub agency: Text,
}

/// A discussion, recorded at the time (Sutton §7b).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscussionRecord {
    /// When it took place.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub held_at: Timestamp,
    /// How.
    pub how: DiscussionMode,
    /// Who took part, of the partnership's directory.
    pub participants: Vec<Participant>,
    /// The professionals who took part without an account in Accord (a GP,
    /// a school's designated lead), written down as text: they are named on
    /// the record but are not people of the directory, so they lead no
    /// stage and meet no requirement for a role to take part (issue 14 §3).
    /// Left out of the record when empty, so discussions recorded before
    /// they could be named read and hash as they did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlisted_participants: Vec<UnlistedParticipant>,
    /// What was said and decided.
    pub summary: Text,
    /// Whether it ended in agreement.
    pub ended_in_agreement: bool,
}

/// An agreed action: "Who will do what? / What will be undertaken? /
/// By when?" (Sutton Appendix 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionDetails {
    /// Who will do it.
    pub who: PersonId,
    /// Their agency.
    pub agency: AgencyId,
    /// What will be undertaken.
    pub what: Text,
    /// By when.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub by_when: Date,
}

/// A seat on a Resolution Panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PanelSeat {
    /// The senior officer or Board representative.
    pub person: PersonId,
    /// The agency they represent.
    pub agency: AgencyId,
}

/// How much longer a deadline is given. Never "pause": DESIGN.md §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extension {
    /// N more working days after the current due date.
    WorkingDays(WorkingDays),
    /// N more hours after the current deadline.
    Hours(std::num::NonZeroU32),
    /// N more calendar days after the current due date.
    CalendarDays(std::num::NonZeroU32),
}

impl Extension {
    /// The longest extension in hours: a year.
    pub const MAX_HOURS: u32 = 365 * 24;
    /// The longest extension in calendar days: a year.
    pub const MAX_CALENDAR_DAYS: u32 = 366;
    /// The longest extension in working days: a year of them.
    pub const MAX_WORKING_DAYS: u32 = 260;

    /// Whether it is at most a year: longer is no timescale but a pause,
    /// which DESIGN.md §3 rules out.
    pub fn is_within_a_year(self) -> bool {
        match self {
            Extension::WorkingDays(n) => n.get() <= Extension::MAX_WORKING_DAYS,
            Extension::Hours(n) => n.get() <= Extension::MAX_HOURS,
            Extension::CalendarDays(n) => n.get() <= Extension::MAX_CALENDAR_DAYS,
        }
    }

    /// The calendar crate's timescale for the same length.
    pub fn timescale(self) -> Timescale {
        match self {
            Extension::WorkingDays(n) => Timescale::WorkingDays(n),
            Extension::Hours(n) => Timescale::Hours(n.get()),
            Extension::CalendarDays(n) => Timescale::CalendarDays(n.get()),
        }
    }
}

/// Why a party's written confirmation of the outcome is missing at closure
/// (DESIGN.md §5: "or a recorded reason why it is missing").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissingConfirmation {
    /// The party that has not confirmed.
    pub agency: AgencyId,
    /// Why.
    pub reason: Text,
}

/// What a correction puts right. The corrected event stays in the record;
/// the case page shows the correction alongside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Amendment {
    /// The discussion record as it should have read.
    Discussion {
        /// The corrected record.
        record: DiscussionRecord,
    },
    /// The action as it should have read.
    Action {
        /// The corrected action.
        details: ActionDetails,
    },
    /// The concern as it should have read (corrects the raise).
    Concern {
        /// The corrected concern.
        concern: Concern,
    },
    /// The subjects as they should have read (corrects the raise). A flag
    /// that now holds fires the notifications that depend on it of the
    /// stages the case has been at, such as Havering's IRO (§2.5). For a
    /// subject whose situation changed since, record a change of
    /// circumstances instead.
    Subjects {
        /// The corrected subjects.
        subjects: Vec<Subject>,
    },
    /// A note read alongside any event, changing nothing else.
    Erratum {
        /// What should have been written.
        note: Text,
    },
}

/// A piece of a person's open work on a case, which an administrator hands
/// to someone else when they leave (issue 13 §3: "Their open work (stage
/// leads, actions, panel seats) is listed for an administrator to hand over
/// to someone else, and each handover is recorded on the case"). Each is a
/// part the case gives one person by name, so that nobody else picks it up
/// when they go: a stage led by the raiser, the other agency's named
/// professional, an action not yet done, a seat on the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OpenWork {
    /// The raiser's part: the raising side's practitioner, whom a stage
    /// led by the raiser awaits and whom the raiser's notifications reach.
    Raiser,
    /// The named professional in the agency whose decision is disputed,
    /// who leads that side where a practitioner does.
    OtherProfessional,
    /// An action not yet done, by the event that agreed it.
    Action {
        /// The action's event number.
        action: crate::Sequence,
    },
    /// A seat on the case's Resolution Panel.
    PanelSeat,
}

impl OpenWork {
    /// Its name in a form or on the command line: `raiser`,
    /// `other-professional`, `action-12` (the action's event number),
    /// `panel-seat`.
    pub fn key(self) -> String {
        match self {
            OpenWork::Raiser => "raiser".to_owned(),
            OpenWork::OtherProfessional => "other-professional".to_owned(),
            OpenWork::Action { action } => format!("action-{action}"),
            OpenWork::PanelSeat => "panel-seat".to_owned(),
        }
    }

    /// The piece [`OpenWork::key`] names, if any.
    pub fn from_key(key: &str) -> Option<OpenWork> {
        match key {
            "raiser" => Some(OpenWork::Raiser),
            "other-professional" => Some(OpenWork::OtherProfessional),
            "panel-seat" => Some(OpenWork::PanelSeat),
            key => {
                let n: u64 = key.strip_prefix("action-")?.parse().ok()?;
                Some(OpenWork::Action {
                    action: crate::Sequence::new(n).ok()?,
                })
            }
        }
    }
}
