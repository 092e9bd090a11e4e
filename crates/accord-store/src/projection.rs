//! Projections: the case register, the deadline index and the notification
//! outbox, computed from a case's events. They are written in the same
//! transaction as each append and can be rebuilt from the log at any time
//! (`accord rebuild`), so nothing here is a source of truth.
//!
//! The row types here are what the database holds (integers and text, the
//! same on both backends); the public types are what callers read.

use std::{collections::HashMap, str::FromStr, sync::Arc};

use accord_case::{
    AgencyId, Attachment, Case, CaseId, Event, EventBody, Involvement, Occasion, Sequence, Status,
};
use accord_policy::{AreaId, FormId, Policy, PolicyId, RoleRef, StageNumber, TrackId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{StoreError, canonical::Hash};

/// The policies a store knows, by id and version: the built-in ones it was
/// opened with and the versions partnerships installed
/// (`policy_versions.rs`). Projections need them to name a stage and its
/// leads. Cheap to clone: each policy is shared.
#[derive(Debug, Default, Clone)]
pub struct Policies(HashMap<(PolicyId, u32), Arc<Policy>>);

impl Policies {
    /// Indexes `policies` by id and version.
    pub fn new(policies: impl IntoIterator<Item = Policy>) -> Policies {
        let mut known = Policies::default();
        for p in policies {
            known.insert(Arc::new(p));
        }
        known
    }

    /// Adds `policy`, replacing any with the same id and version.
    pub fn insert(&mut self, policy: Arc<Policy>) {
        self.0.insert((policy.id.clone(), policy.version), policy);
    }

    /// The policy `id` at `version`.
    pub fn get(&self, id: &PolicyId, version: u32) -> Option<&Arc<Policy>> {
        self.0.get(&(id.clone(), version))
    }

    /// Whether `id` at `version` is known.
    pub fn contains(&self, id: &PolicyId, version: u32) -> bool {
        self.0.contains_key(&(id.clone(), version))
    }

    /// The newest version known of policy `id`.
    pub fn newest(&self, id: &PolicyId) -> Option<&Arc<Policy>> {
        self.0
            .iter()
            .filter(|((pid, _), _)| pid == id)
            .max_by_key(|((_, v), _)| *v)
            .map(|(_, p)| p)
    }

    /// Every policy known, by id and then version.
    pub fn all(&self) -> Vec<&Arc<Policy>> {
        let mut all: Vec<&Arc<Policy>> = self.0.values().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id).then(a.version.cmp(&b.version)));
        all
    }

    /// Every policy known, by id and then version.
    pub fn iter(&self) -> impl Iterator<Item = &Policy> {
        self.all().into_iter().map(|p| &**p)
    }

    /// The newest version of each policy, by id.
    pub fn newest_of_each(&self) -> Vec<&Arc<Policy>> {
        let mut all = self.all();
        all.retain(|p| self.newest(&p.id).is_some_and(|n| n.version == p.version));
        all
    }
}

/// Who leads each side at a stage, as the policy names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageLeads {
    /// The raising agency's side.
    pub raising: Vec<RoleRef>,
    /// The other agency's side (empty where the stage is internal).
    pub other: Vec<RoleRef>,
    /// Who decides, where one person leads both sides.
    pub decides: Vec<RoleRef>,
}

/// One disagreement on the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterEntry {
    /// The case.
    pub case: CaseId,
    /// The policy it is bound to.
    pub policy: PolicyId,
    /// That policy's version.
    pub policy_version: u32,
    /// Its track.
    pub track: TrackId,
    /// The stage it is at.
    pub stage: StageNumber,
    /// That stage's name, as the document writes it.
    pub stage_name: String,
    /// Who leads the stage.
    pub leads: StageLeads,
    /// The agency that raised it.
    pub raising_agency: AgencyId,
    /// The agency whose decision is disputed.
    pub other_agency: AgencyId,
    /// The area of disagreement.
    pub area: AreaId,
    /// When it was raised (to the microsecond).
    pub raised_at: Timestamp,
    /// Where it stands.
    pub status: Status,
    /// When the current stage is due, if it has a deadline; overdue from
    /// this instant on (to the microsecond).
    pub due: Option<Timestamp>,
    /// The stream version the entry reflects.
    pub version: Sequence,
    /// Who is personally involved and whom the case has told, for the
    /// access rules.
    pub involvement: Involvement,
}

/// A dated deadline of an open case's current stage: the stage's own or a
/// pending form's (see `Case::open_deadlines`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineEntry {
    /// The case.
    pub case: CaseId,
    /// The stage that falls due.
    pub stage: StageNumber,
    /// The form it is for; `None` for the stage's own.
    pub form: Option<FormId>,
    /// When (to the microsecond).
    pub due: Timestamp,
    /// The local date whose end is the deadline.
    pub last_day: jiff::civil::Date,
    /// Whether its breach is on record.
    pub breached: bool,
}

/// A notification waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The `notification_due` event's global sequence number.
    pub global_seq: u64,
    /// The case.
    pub case: CaseId,
    /// The `notification_due` event's place in the case's stream.
    pub event: Sequence,
    /// Whom to tell.
    pub recipient: RoleRef,
    /// What caused it.
    pub occasion: Occasion,
    /// The stage the case was at or entered.
    pub stage: StageNumber,
    /// What they are told.
    pub message: String,
    /// The policy section that requires it.
    pub section: String,
    /// Forms to send with it.
    pub attachments: Vec<Attachment>,
    /// When it fell due (to the microsecond).
    pub due_at: Timestamp,
    /// Unique per notification and stable across rebuilds (the hex hash of
    /// its event), so a retried delivery can be recognised and never sent
    /// twice.
    pub idempotency_key: String,
}

/// A register row as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct RegisterRow {
    pub case_id: String,
    pub policy_id: String,
    pub policy_version: i64,
    pub track: String,
    pub stage: i64,
    pub stage_name: String,
    pub leads: String,
    pub raising_agency: String,
    pub other_agency: String,
    pub area: String,
    pub raised_at_us: i64,
    pub status: String,
    pub due_at_us: Option<i64>,
    pub version: i64,
    /// `None` only on rows written before migration 0004; opening the
    /// store rebuilds them.
    pub involvement: Option<String>,
}

/// A deadline row as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct DeadlineRow {
    pub case_id: String,
    /// The form's id; empty for the stage's own.
    pub form: String,
    pub stage: i64,
    pub due_at_us: i64,
    pub last_day: String,
    /// 1 once the breach is recorded, else 0.
    pub breached: i64,
}

/// An outbox row as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct OutboxRow {
    pub global_seq: i64,
    pub case_id: String,
    pub case_seq: i64,
    pub recipient: String,
    pub occasion: String,
    pub stage: i64,
    pub message: String,
    pub section: String,
    pub attachments: String,
    pub due_at_us: i64,
    pub idempotency_key: String,
}

/// The register row and deadline for `case` as its events leave it.
pub(crate) fn case_rows(
    case: &Case,
    policies: &Policies,
) -> Result<(RegisterRow, Vec<DeadlineRow>), StoreError> {
    let policy = policies
        .get(case.policy(), case.policy_version())
        .ok_or_else(|| StoreError::UnknownPolicy {
            case: case.id().clone(),
            policy: case.policy().to_string(),
            version: case.policy_version(),
        })?;
    let mismatch = |what: String| StoreError::PolicyMismatch {
        case: case.id().clone(),
        policy: case.policy().to_string(),
        version: case.policy_version(),
        what,
    };
    let track = policy
        .track(case.track())
        .ok_or_else(|| mismatch(format!("track {}", case.track())))?;
    let stage = track
        .stage(case.stage())
        .ok_or_else(|| mismatch(format!("stage {} of track {}", case.stage(), track.id)))?;
    let leads = StageLeads {
        raising: stage.leads.raising.clone(),
        other: stage.leads.other.clone(),
        decides: stage.leads.decides.clone(),
    };
    let due = case.due().instant().map(|t| t.as_microsecond());
    let [raising_agency, other_agency] = case.parties();
    let register = RegisterRow {
        case_id: case.id().to_string(),
        policy_id: case.policy().to_string(),
        policy_version: i64::from(case.policy_version()),
        track: case.track().to_string(),
        stage: i64::from(case.stage().get()),
        stage_name: stage.name.clone(),
        leads: serde_json::to_string(&leads).expect("role ids always serialise"),
        raising_agency: raising_agency.to_string(),
        other_agency: other_agency.to_string(),
        area: case.area().to_string(),
        raised_at_us: case.raised_at().as_microsecond(),
        status: status_name(case.status()).to_owned(),
        due_at_us: due,
        version: to_i64(case.version().get()),
        involvement: Some(
            serde_json::to_string(&case.involvement(policy))
                .expect("ids and roles always serialise"),
        ),
    };
    // Only a case being worked has a running clock: a resolved case awaits
    // confirmation, a closed one nothing, and "as soon as possible" no date.
    let deadlines = case
        .open_deadlines()
        .into_iter()
        .filter_map(|d| {
            let accord_calendar::Due::At { last_day, .. } = d.due else {
                return None;
            };
            Some(DeadlineRow {
                case_id: register.case_id.clone(),
                form: d.form.map(|f| f.to_string()).unwrap_or_default(),
                stage: register.stage,
                due_at_us: d.instant.as_microsecond(),
                last_day: last_day.to_string(),
                breached: i64::from(d.breached),
            })
        })
        .collect();
    Ok((register, deadlines))
}

/// The outbox row for event `global_seq` with `hash`, if it is a
/// `notification_due`.
pub(crate) fn outbox_row(event: &Event, global_seq: u64, hash: &Hash) -> Option<OutboxRow> {
    let EventBody::NotificationDue(n) = &event.body else {
        return None;
    };
    Some(OutboxRow {
        global_seq: to_i64(global_seq),
        case_id: event.case.to_string(),
        case_seq: to_i64(event.sequence.get()),
        recipient: n.to.id().to_owned(),
        occasion: json_name(&n.occasion),
        stage: i64::from(n.stage.get()),
        message: n.message.clone(),
        section: n.section.clone(),
        attachments: serde_json::to_string(&n.attach).expect("attachments always serialise"),
        due_at_us: event.at.as_microsecond(),
        idempotency_key: hex::encode(hash),
    })
}

/// The stable snake_case name a status is stored under.
pub(crate) fn status_name(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Resolved => "resolved",
        Status::Closed => "closed",
        Status::Withdrawn => "withdrawn",
    }
}

fn parse_status(s: &str) -> Option<Status> {
    [
        Status::Open,
        Status::Resolved,
        Status::Closed,
        Status::Withdrawn,
    ]
    .into_iter()
    .find(|st| status_name(*st) == s)
}

/// How a unit enum serialises, without the quotes.
fn json_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => panic!("expected a unit variant to serialise as a string, got {other:?}"),
    }
}

/// A count or sequence number as the databases store it. Counts beyond
/// `i64::MAX` cannot occur: that is 292,000 years of a million events a
/// second.
pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).expect("sequence numbers stay below i64::MAX")
}

fn damaged(case: &str, what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Damaged {
        case: case.to_owned(),
        reason: format!("{what} `{value}` is not valid"),
    }
}

fn parse<T: FromStr>(case: &str, what: &str, value: &str) -> Result<T, StoreError> {
    value.parse().map_err(|_| damaged(case, what, value))
}

fn instant(case: &str, what: &str, us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| damaged(case, what, us))
}

fn sequence(case: &str, what: &str, n: i64) -> Result<Sequence, StoreError> {
    u64::try_from(n)
        .ok()
        .and_then(|n| Sequence::new(n).ok())
        .ok_or_else(|| damaged(case, what, n))
}

fn stage_number(case: &str, n: i64) -> Result<StageNumber, StoreError> {
    u8::try_from(n)
        .ok()
        .and_then(StageNumber::new)
        .ok_or_else(|| damaged(case, "stage", n))
}

impl TryFrom<RegisterRow> for RegisterEntry {
    type Error = StoreError;
    fn try_from(r: RegisterRow) -> Result<Self, StoreError> {
        let c = r.case_id.as_str();
        Ok(RegisterEntry {
            case: parse(c, "case id", c)?,
            policy: parse(c, "policy id", &r.policy_id)?,
            policy_version: u32::try_from(r.policy_version)
                .map_err(|_| damaged(c, "policy version", r.policy_version))?,
            track: parse(c, "track", &r.track)?,
            stage: stage_number(c, r.stage)?,
            stage_name: r.stage_name.clone(),
            leads: serde_json::from_str(&r.leads).map_err(|_| damaged(c, "leads", &r.leads))?,
            raising_agency: parse(c, "agency", &r.raising_agency)?,
            other_agency: parse(c, "agency", &r.other_agency)?,
            area: parse(c, "area", &r.area)?,
            raised_at: instant(c, "raised at", r.raised_at_us)?,
            status: parse_status(&r.status).ok_or_else(|| damaged(c, "status", &r.status))?,
            due: r.due_at_us.map(|us| instant(c, "due", us)).transpose()?,
            version: sequence(c, "version", r.version)?,
            // A row from before the column existed involves nobody: the
            // access rules then fall back to agency and partnership.
            involvement: match &r.involvement {
                Some(json) => {
                    serde_json::from_str(json).map_err(|_| damaged(c, "involvement", json))?
                }
                None => Involvement::default(),
            },
        })
    }
}

impl TryFrom<DeadlineRow> for DeadlineEntry {
    type Error = StoreError;
    fn try_from(r: DeadlineRow) -> Result<Self, StoreError> {
        let c = r.case_id.as_str();
        Ok(DeadlineEntry {
            case: parse(c, "case id", c)?,
            stage: stage_number(c, r.stage)?,
            form: match r.form.as_str() {
                "" => None,
                f => Some(parse(c, "form", f)?),
            },
            due: instant(c, "due", r.due_at_us)?,
            last_day: r
                .last_day
                .parse()
                .map_err(|_| damaged(c, "last day", &r.last_day))?,
            breached: r.breached != 0,
        })
    }
}

impl TryFrom<OutboxRow> for OutboxEntry {
    type Error = StoreError;
    fn try_from(r: OutboxRow) -> Result<Self, StoreError> {
        let c = r.case_id.as_str();
        Ok(OutboxEntry {
            global_seq: u64::try_from(r.global_seq)
                .map_err(|_| damaged(c, "global sequence", r.global_seq))?,
            case: parse(c, "case id", c)?,
            event: sequence(c, "event", r.case_seq)?,
            recipient: RoleRef::parse(&r.recipient)
                .map_err(|_| damaged(c, "recipient", &r.recipient))?,
            occasion: serde_json::from_value(serde_json::Value::String(r.occasion.clone()))
                .map_err(|_| damaged(c, "occasion", &r.occasion))?,
            stage: stage_number(c, r.stage)?,
            message: r.message,
            section: r.section,
            attachments: serde_json::from_str(&r.attachments)
                .map_err(|_| damaged(c, "attachments", &r.attachments))?,
            due_at: instant(c, "due at", r.due_at_us)?,
            idempotency_key: r.idempotency_key,
        })
    }
}

/// Where `case` stands in the register's order (migration 0023): its
/// running deadline, or `i64::MAX` when none runs; `None` once closed or
/// withdrawn, so off the register. Sorting by it, then by case id, is
/// overdue first, then soonest due, then the rest, whatever the time.
pub(crate) fn queue_us(case: &Case) -> Option<i64> {
    match case.status() {
        Status::Closed | Status::Withdrawn => None,
        Status::Open => Some(
            case.due()
                .instant()
                .map_or(i64::MAX, |t| t.as_microsecond()),
        ),
        Status::Resolved => Some(i64::MAX),
    }
}

/// The key under which `person` is found among those a case's
/// involvement lets see it.
pub(crate) fn person_key(person: &accord_case::PersonId) -> String {
    format!("person:{person}")
}

/// The key of a role a case's involvement counts (accord-web's access
/// rules 6 and 7): a role the policy declares, or the IRO's. Other roles
/// let nobody see a case through its involvement.
pub(crate) fn role_key(role: &RoleRef) -> Option<String> {
    match role {
        RoleRef::Declared(id) => Some(format!("role:{id}")),
        RoleRef::Tier(accord_policy::RoleTier::Iro) => Some("tier:iro".to_owned()),
        RoleRef::Tier(_) | RoleRef::Relation(_) => None,
    }
}

/// The keys of everyone `case`'s involvement lets see it: each person
/// involved, and each counted role it notified or asks a form of.
pub(crate) fn involvement_keys(case: &Case, policies: &Policies) -> Vec<String> {
    let Some(policy) = policies.get(case.policy(), case.policy_version()) else {
        return Vec::new();
    };
    let involvement = case.involvement(policy);
    let mut keys: Vec<String> = involvement
        .people
        .iter()
        .map(person_key)
        .chain(
            involvement
                .notified
                .iter()
                .chain(&involvement.acting)
                .filter_map(role_key),
        )
        .collect();
    keys.sort();
    keys.dedup();
    keys
}
