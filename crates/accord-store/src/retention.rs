//! Retention (issue 17 §2, migration 0022): each partnership's schedule,
//! when each closed case falls due under it, legal holds that pause it,
//! and the notice the partnership team is given before a case is erased.
//!
//! A schedule's rules combine: a case is kept while any rule set keeps it,
//! so it falls due on the latest of their days, and the rule of that day
//! is the one its erasure names. A birthday rule needs a subject's date of
//! birth: a case with none is listed for the team to decide, never erased
//! by the schedule. Erasing is [`Store::erase`]; the job runner does it
//! once the notice has run.

use std::collections::HashMap;

use accord_case::{Case, CaseId, ErasureRule, PersonId, Status};
use jiff::{Timestamp, ToSpan, civil::Date};
use serde_json::json;

use crate::{
    ChangedBy, NewDelivery, Store, StoreError,
    audit::{AuditSubject, Draft},
};

/// A schedule could not be set.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    /// The schedule does not make sense; says what to fix.
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A partnership's retention schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSchedule {
    /// Keep a case this many years after it closed or was withdrawn.
    pub years_after_closure: Option<u32>,
    /// Keep a case until its youngest subject's birthday of this age.
    pub until_birthday: Option<u32>,
    /// How many days the partnership team is told before a case due is
    /// erased.
    pub notice_days: u32,
}

/// When a case falls due under a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionDue {
    /// On this day, under this rule.
    On {
        /// The day.
        date: Date,
        /// The rule whose day it is.
        rule: ErasureRule,
    },
    /// Never by the schedule: a birthday rule is set and no subject has a
    /// date of birth. The partnership team decides.
    NoDateOfBirth,
}

impl RetentionSchedule {
    /// The longest a rule may say, in years.
    pub const MAX_YEARS: u32 = 120;

    /// What is wrong with it, if anything: a rule of 0 or more than
    /// [`RetentionSchedule::MAX_YEARS`] years, or no rule at all.
    pub fn problem(&self) -> Option<String> {
        let out_of_range = |n: Option<u32>| n.is_some_and(|n| n == 0 || n > Self::MAX_YEARS);
        if self.years_after_closure.is_none() && self.until_birthday.is_none() {
            Some("a schedule needs a rule: years after closure, a birthday, or both".to_owned())
        } else if out_of_range(self.years_after_closure) || out_of_range(self.until_birthday) {
            Some(format!(
                "a rule's years must be from 1 to {}",
                Self::MAX_YEARS
            ))
        } else if self.notice_days > 365 {
            Some("the notice must be at most 365 days".to_owned())
        } else {
            None
        }
    }

    /// When `case` falls due: `None` while it is open. Its closure is its
    /// last closing or withdrawal, on the day `closed_on` says.
    pub fn due(&self, case: &Case, closed_on: impl Fn(Timestamp) -> Date) -> Option<RetentionDue> {
        if !matches!(case.status(), Status::Closed | Status::Withdrawn) {
            return None;
        }
        let closed = closed_on(case.closures().last()?.at);
        let mut days: Vec<(Date, ErasureRule)> = Vec::new();
        if let Some(years) = self.years_after_closure {
            let date = closed
                .checked_add(i64::from(years).years())
                .unwrap_or(Date::MAX);
            days.push((date, ErasureRule::YearsAfterClosure { years }));
        }
        if let Some(age) = self.until_birthday {
            let youngest = case.subjects().iter().filter_map(|s| s.date_of_birth).max();
            let Some(born) = youngest else {
                return Some(RetentionDue::NoDateOfBirth);
            };
            let date = born
                .checked_add(i64::from(age).years())
                .unwrap_or(Date::MAX);
            days.push((date, ErasureRule::UntilBirthday { age }));
        }
        let (date, rule) = days.into_iter().max_by_key(|d| d.0)?;
        Some(RetentionDue::On { date, rule })
    }
}

/// A legal hold on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalHold {
    /// The case.
    pub case: CaseId,
    /// Why, such as "Child Safeguarding Practice Review under way".
    pub reason: String,
    /// Who placed it.
    pub placed_by: PersonId,
    /// When.
    pub placed_at: Timestamp,
}

/// The notice given for a case that fell due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionNotice {
    /// The day it fell due.
    pub due_on: Date,
    /// The first day it may be erased.
    pub erase_on: Date,
    /// When the notice was given.
    pub noticed_at: Timestamp,
}

/// One closed case of a partnership under its schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    /// The case.
    pub case: CaseId,
    /// The day it closed.
    pub closed_on: Date,
    /// When it falls due.
    pub due: RetentionDue,
    /// The hold on it, if any.
    pub hold: Option<LegalHold>,
    /// The notice given, if any.
    pub notice: Option<RetentionNotice>,
}

/// What a legal hold's reason is sealed for.
pub(crate) fn hold_context(case: &str) -> String {
    format!("legal hold\0{case}")
}

fn day(text: &str) -> Result<Date, StoreError> {
    text.parse().map_err(|_| StoreError::Damaged {
        case: "(retention)".into(),
        reason: format!("{text} is not a date"),
    })
}

macro_rules! retention_queries {
    ($begin:literal) => {
        use accord_case::CaseId;
        use jiff::Timestamp;
        use sqlx::Pool;

        use crate::{ChangedBy, NewDelivery, audit::Draft};

        async fn begin_write(
            pool: &Pool<Db>,
        ) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
            pool.begin_with($begin).await
        }

        pub(super) async fn schedule(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Option<(Option<i64>, Option<i64>, i64)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT years_after_closure, until_birthday, notice_days \
                 FROM retention_schedules WHERE partnership_id = $1",
            )
            .bind(partnership)
            .fetch_optional(reader)
            .await
        }

        pub(super) async fn set_schedule(
            writer: &Pool<Db>,
            partnership: &str,
            schedule: Option<(Option<i64>, Option<i64>, i64)>,
            draft: Draft,
            by: &ChangedBy,
            at: Timestamp,
        ) -> Result<(), sqlx::Error> {
            let mut tx = begin_write(writer).await?;
            match schedule {
                Some((years, age, notice)) => {
                    sqlx::query(
                        "INSERT INTO retention_schedules (partnership_id, years_after_closure, \
                         until_birthday, notice_days) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (partnership_id) DO UPDATE SET \
                         years_after_closure = excluded.years_after_closure, \
                         until_birthday = excluded.until_birthday, \
                         notice_days = excluded.notice_days",
                    )
                    .bind(partnership)
                    .bind(years)
                    .bind(age)
                    .bind(notice)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM retention_schedules WHERE partnership_id = $1")
                        .bind(partnership)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await
        }

        /// The closed and withdrawn cases of `partnership` not yet erased.
        pub(super) async fn closed_cases(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Vec<(String,)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT r.case_id FROM case_register r \
                 LEFT JOIN case_keys k ON k.case_id = r.case_id \
                 WHERE r.status IN ('closed', 'withdrawn') AND k.erased_at_us IS NULL \
                 AND r.raising_agency IN (SELECT id FROM agencies WHERE partnership_id = $1) \
                 ORDER BY r.case_id",
            )
            .bind(partnership)
            .fetch_all(reader)
            .await
        }

        pub(super) async fn holds(
            reader: &Pool<Db>,
        ) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT case_id, reason, placed_by, placed_at_us FROM legal_holds ORDER BY case_id",
            )
            .fetch_all(reader)
            .await
        }

        pub(super) async fn notices(
            reader: &Pool<Db>,
        ) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT case_id, due_on, erase_on, noticed_at_us FROM retention_notices \
                 ORDER BY case_id",
            )
            .fetch_all(reader)
            .await
        }

        /// Places (`reason` given) or releases a hold, with its audit
        /// entry; whether anything changed.
        pub(super) async fn hold(
            writer: &Pool<Db>,
            case: &CaseId,
            hold: Option<(&str, &str)>,
            draft: Draft,
            by: &ChangedBy,
            at: Timestamp,
        ) -> Result<bool, sqlx::Error> {
            let mut tx = begin_write(writer).await?;
            let changed = match hold {
                Some((reason, person)) => sqlx::query(
                    "INSERT INTO legal_holds (case_id, reason, placed_by, placed_at_us) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING",
                )
                .bind(case.as_str())
                .bind(reason)
                .bind(person)
                .bind(at.as_microsecond())
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                None => {
                    let released = sqlx::query("DELETE FROM legal_holds WHERE case_id = $1")
                        .bind(case.as_str())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    // A notice given before the hold is spent: the team is
                    // told afresh, with a full notice, before the case is
                    // erased.
                    if released == 1 {
                        sqlx::query("DELETE FROM retention_notices WHERE case_id = $1")
                            .bind(case.as_str())
                            .execute(&mut *tx)
                            .await?;
                    }
                    released
                }
            } == 1;
            if changed {
                audit::append(&mut *tx, by, at, &[draft]).await?;
            }
            tx.commit().await?;
            Ok(changed)
        }

        /// Records the notice for `case` with its deliveries, once.
        pub(super) async fn notice(
            writer: &Pool<Db>,
            case: &CaseId,
            due_on: &str,
            erase_on: &str,
            deliveries: &[NewDelivery],
            at: Timestamp,
        ) -> Result<bool, sqlx::Error> {
            let mut tx = begin_write(writer).await?;
            let fresh = sqlx::query(
                "INSERT INTO retention_notices (case_id, due_on, erase_on, noticed_at_us) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING",
            )
            .bind(case.as_str())
            .bind(due_on)
            .bind(erase_on)
            .bind(at.as_microsecond())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if fresh {
                insert_deliveries(&mut tx, deliveries, at.as_microsecond()).await?;
            }
            tx.commit().await?;
            Ok(fresh)
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::{audit::sqlite as audit, delivery::sqlite::insert_all as insert_deliveries};
    retention_queries!("BEGIN IMMEDIATE");
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::{audit::postgres as audit, delivery::postgres::insert_all as insert_deliveries};
    retention_queries!("BEGIN");
}

fn to_i64(n: u32) -> i64 {
    i64::from(n)
}

fn to_u32(n: i64) -> Option<u32> {
    u32::try_from(n).ok()
}

impl Store {
    /// `partnership`'s retention schedule, if it has set one.
    pub async fn retention_schedule(
        &self,
        partnership: &str,
    ) -> Result<Option<RetentionSchedule>, StoreError> {
        let row = on_pool!(self, read_pool, pool, m => m::schedule(pool, partnership).await)?;
        Ok(row.map(|(years, age, notice)| RetentionSchedule {
            years_after_closure: years.and_then(to_u32),
            until_birthday: age.and_then(to_u32),
            notice_days: to_u32(notice).unwrap_or(0),
        }))
    }

    /// Sets (or, with `None`, removes) `partnership`'s schedule, recorded
    /// in the directory audit as made `by` someone at `at`.
    pub async fn set_retention_schedule(
        &self,
        partnership: &str,
        schedule: Option<RetentionSchedule>,
        at: Timestamp,
        by: &ChangedBy,
    ) -> Result<(), RetentionError> {
        if let Some(problem) = schedule.as_ref().and_then(RetentionSchedule::problem) {
            return Err(RetentionError::Invalid(problem));
        }
        let shown = |s: Option<RetentionSchedule>| {
            s.map_or(serde_json::Value::Null, |s| {
                json!({
                    "years_after_closure": s.years_after_closure,
                    "until_birthday": s.until_birthday,
                    "notice_days": s.notice_days,
                })
            })
        };
        let before = self.retention_schedule(partnership).await?;
        let draft = Draft::new(
            partnership,
            AuditSubject::Setting,
            partnership,
            "setting.retention",
            shown(before),
            shown(schedule),
        );
        let row = schedule.map(|s| {
            (
                s.years_after_closure.map(to_i64),
                s.until_birthday.map(to_i64),
                to_i64(s.notice_days),
            )
        });
        on_pool!(self, write_pool, pool, m =>
            m::set_schedule(pool, partnership, row, draft, by, at).await)
        .map_err(StoreError::from)?;
        Ok(())
    }

    /// Every legal hold, by case.
    pub async fn legal_holds(&self) -> Result<Vec<LegalHold>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m => m::holds(pool).await)?;
        rows.into_iter()
            .map(|(case, reason, by, at)| {
                let damaged = || StoreError::Damaged {
                    case: case.clone(),
                    reason: "a legal hold cannot be read".into(),
                };
                Ok(LegalHold {
                    reason: self.keys.open_text(&hold_context(&case), &reason)?,
                    case: CaseId::parse(&case).map_err(|_| damaged())?,
                    placed_by: PersonId::parse(&by).map_err(|_| damaged())?,
                    placed_at: Timestamp::from_microsecond(at).map_err(|_| damaged())?,
                })
            })
            .collect()
    }

    /// Places a legal hold on `case` of `partnership`, by `person` for
    /// `reason`: the schedule does not erase it until the hold is
    /// released. `false` if it was held already.
    pub async fn place_legal_hold(
        &self,
        case: &CaseId,
        partnership: &str,
        reason: &str,
        person: &PersonId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let sealed = self.keys.seal_text(&hold_context(case.as_str()), reason)?;
        let draft = Draft::new(
            partnership,
            AuditSubject::Case,
            case.as_str(),
            "case.legal_hold",
            serde_json::Value::Null,
            json!({ "held": true }),
        );
        let by = ChangedBy::Person(person.clone());
        Ok(on_pool!(self, write_pool, pool, m =>
            m::hold(pool, case, Some((&sealed, person.as_str())), draft, &by, at).await)?)
    }

    /// Releases the legal hold on `case`; `false` if there was none.
    pub async fn release_legal_hold(
        &self,
        case: &CaseId,
        partnership: &str,
        at: Timestamp,
        by: &ChangedBy,
    ) -> Result<bool, StoreError> {
        let draft = Draft::new(
            partnership,
            AuditSubject::Case,
            case.as_str(),
            "case.legal_hold",
            json!({ "held": true }),
            serde_json::Value::Null,
        );
        Ok(on_pool!(self, write_pool, pool, m =>
            m::hold(pool, case, None, draft, by, at).await)?)
    }

    /// What `partnership`'s schedule makes of each of its closed cases not
    /// yet erased, soonest due first, changing nothing: when each falls
    /// due and under which rule, its hold and its notice. Empty without a
    /// schedule. `closed_on` gives the day of an instant in the
    /// partnership's time zone.
    ///
    /// A case's closure is read from insight's projection, so a schedule of
    /// years after closure alone opens no case. A birthday rule reads the
    /// subjects' dates of birth, so each case it could make due is opened.
    pub async fn retention_plan(
        &self,
        partnership: &str,
        closed_on: impl Fn(Timestamp) -> Date,
    ) -> Result<Vec<PlanEntry>, StoreError> {
        self.plan(partnership, closed_on, None).await
    }

    /// The entries of [`Store::retention_plan`] due on or before `today`:
    /// what the job runner works. A case whose years after closure have
    /// not run by `today` is passed over unopened, since a schedule keeps
    /// a case until the later of its rules' days; so each pass opens only
    /// the cases old enough to be due.
    pub async fn retention_due(
        &self,
        partnership: &str,
        closed_on: impl Fn(Timestamp) -> Date,
        today: Date,
    ) -> Result<Vec<PlanEntry>, StoreError> {
        let mut plan = self.plan(partnership, closed_on, Some(today)).await?;
        plan.retain(|e| matches!(e.due, RetentionDue::On { date, .. } if date <= today));
        Ok(plan)
    }

    async fn plan(
        &self,
        partnership: &str,
        closed_on: impl Fn(Timestamp) -> Date,
        due_by: Option<Date>,
    ) -> Result<Vec<PlanEntry>, StoreError> {
        let Some(schedule) = self.retention_schedule(partnership).await? else {
            return Ok(Vec::new());
        };
        let ids = on_pool!(self, read_pool, pool, m => m::closed_cases(pool, partnership).await)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let facts = self.facts_of(partnership).await?;
        let closures: HashMap<&str, Timestamp> = facts
            .iter()
            .filter_map(|f| {
                let closed = f.closures.last().copied();
                let withdrawn = f.withdrawals.last().map(|w| w.1);
                Some((f.case.as_str(), closed.max(withdrawn)?))
            })
            .collect();
        let holds = self.legal_holds().await?;
        let notices = on_pool!(self, read_pool, pool, m => m::notices(pool).await)?;
        let mut plan = Vec::new();
        for (id,) in ids {
            let Ok(id) = CaseId::parse(&id) else { continue };
            let Some(closed) = closures.get(id.as_str()).map(|at| closed_on(*at)) else {
                continue;
            };
            let years_due = schedule.years_after_closure.map(|years| {
                (
                    closed
                        .checked_add(i64::from(years).years())
                        .unwrap_or(Date::MAX),
                    years,
                )
            });
            if let (Some(by), Some((date, _))) = (due_by, years_due)
                && date > by
            {
                continue;
            }
            let due = match (schedule.until_birthday, years_due) {
                (None, Some((date, years))) => RetentionDue::On {
                    date,
                    rule: ErasureRule::YearsAfterClosure { years },
                },
                _ => {
                    let Some(case) = self.load_case(&id).await? else {
                        continue;
                    };
                    let Some(due) = schedule.due(&case, &closed_on) else {
                        continue;
                    };
                    due
                }
            };
            let notice = notices
                .iter()
                .find(|n| n.0 == id.as_str())
                .map(|(_, due_on, erase_on, at)| {
                    Ok::<_, StoreError>(RetentionNotice {
                        due_on: day(due_on)?,
                        erase_on: day(erase_on)?,
                        noticed_at: Timestamp::from_microsecond(*at).unwrap_or_default(),
                    })
                })
                .transpose()?;
            plan.push(PlanEntry {
                closed_on: closed,
                hold: holds.iter().find(|h| h.case == id).cloned(),
                case: id,
                due,
                notice,
            });
        }
        plan.sort_by_key(|e| match e.due {
            RetentionDue::On { date, .. } => (0, date),
            RetentionDue::NoDateOfBirth => (1, Date::MAX),
        });
        Ok(plan)
    }

    /// Records that the partnership team was told that `case`, due on
    /// `due_on`, will be erased on or after `erase_on`, with the
    /// deliveries that tell them, once: `false` if it was told already.
    pub async fn give_retention_notice(
        &self,
        case: &CaseId,
        due_on: Date,
        erase_on: Date,
        deliveries: &[NewDelivery],
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let (due_on, erase_on) = (due_on.to_string(), erase_on.to_string());
        Ok(on_pool!(self, write_pool, pool, m =>
            m::notice(pool, case, &due_on, &erase_on, deliveries, at).await)?)
    }
}
