//! Insight's projection (issue 15 §1, migration 0016): each case's
//! [`CaseFacts`], as `accord-insight` reads them from its events, kept in
//! `case_facts` beside its register row, written in the same transaction as
//! every append and rebuilt with the other projections. Insight then reads
//! one row a case instead of a third of every event of the partnership and
//! folding them on each question ("Speed": under 300 ms at 100,000 cases
//! and 1,000,000 events).
//!
//! A row holds what `CaseFacts::from_events` gives, as compact JSON:
//! instants as nanoseconds since the Unix epoch in 64 bits (exactly the
//! events' `at`, with none of a date's parsing, for any instant from 1677
//! to 2262), and empty lists left out.

use std::collections::HashMap;
use std::sync::Arc;

use accord_case::{AgencyId, CaseId, Event};
use accord_insight::{CaseFacts, Resolution, Visit};
use accord_policy::{AreaId, ResolutionRoute, StageNumber, ThemeId, TrackId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// The version of what a `case_facts` row holds: how `accord-insight`
/// reads a case's events into [`CaseFacts`], and how this module writes
/// them. Each register row records the version its facts were written at
/// (`case_register.facts_version`), and opening a store whose rows are of
/// another (or none, as before migration 0016) rebuilds the projections.
/// Bump it when `CaseFacts` or `CaseFacts::from_events` changes, or the
/// stored form below does.
pub(crate) const FACTS_VERSION: i64 = 1;

/// An instant as a row stores it: nanoseconds since the Unix epoch. 64
/// bits, not `Timestamp`'s 128: serde_json reads a 128-bit number through
/// a string of its own, which costs more than the rest of the row.
type Nanos = i64;

/// A case's facts as the `facts` column holds them. The case and its
/// raising agency are columns of their own.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    track: TrackId,
    area: AreaId,
    other: AgencyId,
    raised: Nanos,
    #[serde(default, skip_serializing_if = "is_false")]
    risk: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    above: bool,
    /// Stage, entered, ended.
    visits: Vec<(StageNumber, Nanos, Option<Nanos>)>,
    /// Stage, route, when.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    resolutions: Vec<(StageNumber, ResolutionRoute, Nanos)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    withdrawals: Vec<(StageNumber, Nanos)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    closures: Vec<Nanos>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    reopenings: Vec<Nanos>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    breaches: Vec<(StageNumber, Nanos)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    learning: Vec<(ThemeId, Nanos)>,
}

fn is_false(b: &bool) -> bool {
    !b
}

/// A `case_facts` row as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FactsRow {
    pub case_id: String,
    pub raising_agency: String,
    pub facts: String,
}

/// The facts row of the case whose whole stream is `events`.
pub(crate) fn facts_row(events: &[Event]) -> Result<FactsRow, StoreError> {
    let case = || {
        events
            .first()
            .map(|e| e.case.to_string())
            .unwrap_or_default()
    };
    let facts = CaseFacts::from_events(events).map_err(|e| StoreError::Damaged {
        case: case(),
        reason: e.to_string(),
    })?;
    encode(&facts).ok_or_else(|| StoreError::Damaged {
        case: case(),
        reason: "an event is dated before 1677 or after 2262, which no clock gives".into(),
    })
}

/// `facts` as a row; `None` if an instant is outside what [`Nanos`] holds.
fn encode(facts: &CaseFacts) -> Option<FactsRow> {
    // Every field by name, so that a field added to `CaseFacts` fails to
    // compile here until it is stored (and `FACTS_VERSION` bumped).
    let CaseFacts {
        case,
        track,
        area,
        raising_agency,
        other_agency,
        raised_at,
        immediate_risk,
        started_above_first_stage,
        visits,
        resolutions,
        withdrawals,
        closures,
        reopenings,
        breaches,
        learning,
    } = facts;
    let n = |t: &Timestamp| Nanos::try_from(t.as_nanosecond()).ok();
    let stored = Stored {
        track: track.clone(),
        area: area.clone(),
        other: other_agency.clone(),
        raised: n(raised_at)?,
        risk: *immediate_risk,
        above: *started_above_first_stage,
        visits: visits
            .iter()
            .map(|v| {
                let ended = match &v.ended_at {
                    Some(t) => Some(n(t)?),
                    None => None,
                };
                Some((v.stage, n(&v.entered_at)?, ended))
            })
            .collect::<Option<_>>()?,
        resolutions: resolutions
            .iter()
            .map(|r| Some((r.stage, r.route, n(&r.at)?)))
            .collect::<Option<_>>()?,
        withdrawals: withdrawals
            .iter()
            .map(|(s, t)| Some((*s, n(t)?)))
            .collect::<Option<_>>()?,
        closures: closures.iter().map(n).collect::<Option<_>>()?,
        reopenings: reopenings.iter().map(n).collect::<Option<_>>()?,
        breaches: breaches
            .iter()
            .map(|(s, t)| Some((*s, n(t)?)))
            .collect::<Option<_>>()?,
        learning: learning
            .iter()
            .map(|(th, t)| Some((th.clone(), n(t)?)))
            .collect::<Option<_>>()?,
    };
    Some(FactsRow {
        case_id: case.to_string(),
        raising_agency: raising_agency.to_string(),
        facts: serde_json::to_string(&stored).expect("ids, numbers and routes always serialise"),
    })
}

/// The facts a row holds.
pub(crate) fn decode(
    case_id: &str,
    raising_agency: &str,
    facts: &str,
) -> Result<CaseFacts, StoreError> {
    let damaged = |what: &str| StoreError::Damaged {
        case: case_id.to_owned(),
        reason: format!("its insight facts have an unreadable {what}"),
    };
    let s: Stored = serde_json::from_str(facts).map_err(|_| damaged("record"))?;
    let t = |nanos: Nanos| Timestamp::from_nanosecond(nanos.into()).map_err(|_| damaged("instant"));
    let pairs =
        |v: Vec<(StageNumber, Nanos)>| -> Result<Vec<(StageNumber, Timestamp)>, StoreError> {
            v.into_iter().map(|(s, at)| Ok((s, t(at)?))).collect()
        };
    let instants =
        |v: Vec<Nanos>| -> Result<Vec<Timestamp>, StoreError> { v.into_iter().map(t).collect() };
    Ok(CaseFacts {
        case: CaseId::parse(case_id).map_err(|_| damaged("case id"))?,
        track: s.track,
        area: s.area,
        raising_agency: AgencyId::parse(raising_agency).map_err(|_| damaged("agency"))?,
        other_agency: s.other,
        raised_at: t(s.raised)?,
        immediate_risk: s.risk,
        started_above_first_stage: s.above,
        visits: s
            .visits
            .into_iter()
            .map(|(stage, entered, ended)| {
                Ok(Visit {
                    stage,
                    entered_at: t(entered)?,
                    ended_at: ended.map(t).transpose()?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        resolutions: s
            .resolutions
            .into_iter()
            .map(|(stage, route, at)| {
                Ok(Resolution {
                    stage,
                    route,
                    at: t(at)?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        withdrawals: pairs(s.withdrawals)?,
        closures: instants(s.closures)?,
        reopenings: instants(s.reopenings)?,
        breaches: pairs(s.breaches)?,
        learning: s
            .learning
            .into_iter()
            .map(|(theme, at)| Ok((theme, t(at)?)))
            .collect::<Result<_, StoreError>>()?,
    })
}

/// Where a reader of `case_facts` had read to: the chain head and the
/// count of rebuilds, read in the same snapshot as the rows (migration
/// 0019).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub head: i64,
    pub rebuilds: i64,
}

/// What `facts_since` read: every case's facts (`whole`), or those
/// written since the mark it was given, and the mark they were read at.
#[derive(Debug)]
pub(crate) struct Changed {
    pub mark: Mark,
    pub whole: bool,
    pub facts: Vec<CaseFacts>,
}

/// Every partnership's facts as last read, kept between questions so that
/// each question reads only the rows written since (issue 15 §1, "Speed":
/// at 100,000 cases, reading and decoding every row took longer than the
/// target for the whole answer). Shared by every clone of a store.
///
/// Each partnership has its own lock, held while its rows are read and
/// merged, so concurrent questions read the changes once; the facts
/// themselves are shared with the questions being answered and copied
/// only when a change arrives while one still holds them.
#[derive(Debug, Default)]
pub(crate) struct FactsCache {
    partnerships: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<Kept>>>>,
}

#[derive(Debug, Default)]
struct Kept {
    mark: Option<Mark>,
    /// By case id.
    facts: Arc<Vec<CaseFacts>>,
}

impl FactsCache {
    /// `partnership`'s facts, by case id, brought up to date with `read`,
    /// which is given the mark last read to and returns what changed.
    pub(crate) async fn facts_of<F, Fut>(
        &self,
        partnership: &str,
        read: F,
    ) -> Result<Arc<Vec<CaseFacts>>, StoreError>
    where
        F: FnOnce(Option<Mark>) -> Fut,
        Fut: std::future::Future<Output = Result<Changed, StoreError>>,
    {
        let kept = {
            let mut partnerships = self
                .partnerships
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(partnerships.entry(partnership.to_owned()).or_default())
        };
        let mut kept = kept.lock().await;
        let changed = read(kept.mark).await?;
        if changed.whole {
            let mut facts = changed.facts;
            // Sorted here rather than by the database, whose order for
            // text follows its collation: by id, byte by byte, on both.
            facts.sort_unstable_by(|a, b| a.case.cmp(&b.case));
            kept.facts = Arc::new(facts);
        } else if !changed.facts.is_empty() {
            merge(Arc::make_mut(&mut kept.facts), changed.facts);
        }
        kept.mark = Some(changed.mark);
        Ok(Arc::clone(&kept.facts))
    }
}

/// Puts each of `changed` in its place in `facts` (by case id), replacing
/// what it held of the same case.
fn merge(facts: &mut Vec<CaseFacts>, changed: Vec<CaseFacts>) {
    let mut new = Vec::new();
    for case in changed {
        match facts.binary_search_by(|f| f.case.cmp(&case.case)) {
            Ok(at) => facts[at] = case,
            Err(_) => new.push(case),
        }
    }
    if !new.is_empty() {
        facts.extend(new);
        facts.sort_unstable_by(|a, b| a.case.cmp(&b.case));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// Facts with every field set, every list non-empty, and instants to
    /// the nanosecond (as `Timestamp::now()` gives them).
    fn every_field() -> CaseFacts {
        let stage = |n| StageNumber::new(n).unwrap();
        CaseFacts {
            case: CaseId::parse("ERY-HIST-0001").unwrap(),
            track: "professional".parse().unwrap(),
            area: "levels-of-need".parse().unwrap(),
            raising_agency: AgencyId::parse("ery-police").unwrap(),
            other_agency: AgencyId::parse("ery-csc").unwrap(),
            raised_at: at("2025-03-03T10:00:00.123456789Z"),
            immediate_risk: true,
            started_above_first_stage: true,
            visits: vec![
                Visit {
                    stage: stage(2),
                    entered_at: at("2025-03-03T10:00:00.123456789Z"),
                    ended_at: Some(at("2025-03-10T16:30:00Z")),
                },
                Visit {
                    stage: stage(2),
                    entered_at: at("2025-04-01T09:00:00.000000001Z"),
                    ended_at: None,
                },
            ],
            resolutions: vec![Resolution {
                stage: stage(2),
                route: ResolutionRoute::Panel,
                at: at("2025-03-10T16:30:00Z"),
            }],
            withdrawals: vec![(stage(2), at("2025-05-01T09:00:00Z"))],
            closures: vec![at("2025-03-12T09:00:00Z")],
            reopenings: vec![at("2025-04-01T09:00:00.000000001Z")],
            breaches: vec![(stage(2), at("2025-03-08T00:00:00Z"))],
            learning: vec![(
                "training-needs".parse().unwrap(),
                at("2025-03-13T09:00:00Z"),
            )],
        }
    }

    /// Every field, every list non-empty, and instants to the nanosecond,
    /// read back as written.
    #[test]
    fn a_row_reads_back_as_the_facts_it_was_written_from() {
        let facts = every_field();
        let row = encode(&facts).unwrap();
        assert_eq!(row.case_id, "ERY-HIST-0001");
        assert_eq!(row.raising_agency, "ery-police");
        let read = decode(&row.case_id, &row.raising_agency, &row.facts).unwrap();
        assert_eq!(read, facts);
    }

    /// An instant no clock gives, which 64 bits of nanoseconds cannot
    /// hold, is refused rather than stored wrong.
    #[test]
    fn an_instant_beyond_2262_is_not_stored() {
        let facts = CaseFacts {
            raised_at: at("2263-01-01T00:00:00Z"),
            ..every_field()
        };
        assert_eq!(encode(&facts), None);
    }

    #[test]
    fn a_damaged_row_says_which_case() {
        let err = decode("ERY-HIST-0001", "ery-police", "{\"track\":1}").unwrap_err();
        assert!(err.to_string().contains("ERY-HIST-0001"), "{err}");
    }

    /// A changed case replaces what was kept of it; a new one takes its
    /// place by id, wherever its id falls.
    #[test]
    fn merge_replaces_changed_cases_and_places_new_ones_by_id() {
        let case = |id: &str, risk: bool| CaseFacts {
            case: CaseId::parse(id).unwrap(),
            immediate_risk: risk,
            ..every_field()
        };
        let mut kept = vec![
            case("ERY-HIST-0001", false),
            case("ERY-HIST-0003", false),
            case("ERY-HIST-0005", false),
        ];
        merge(
            &mut kept,
            vec![
                case("ERY-HIST-0006", false),
                case("ERY-HIST-0003", true),
                case("ERY-HIST-0002", false),
            ],
        );
        let ids: Vec<&str> = kept.iter().map(|f| f.case.as_str()).collect();
        assert_eq!(
            ids,
            [
                "ERY-HIST-0001",
                "ERY-HIST-0002",
                "ERY-HIST-0003",
                "ERY-HIST-0005",
                "ERY-HIST-0006"
            ]
        );
        let risky: Vec<&str> = kept
            .iter()
            .filter(|f| f.immediate_risk)
            .map(|f| f.case.as_str())
            .collect();
        assert_eq!(risky, ["ERY-HIST-0003"]);
    }
}
