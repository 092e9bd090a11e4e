//! The figures made safe to publish, for the report to the board (issue 15
//! §3): "Counts under 5 show as 'fewer than 5', so a small partnership
//! cannot identify a child from a cell."
//!
//! [`anonymise`] is one pass over an [`Insight`] that gives an
//! [`Anonymised`] of the same shape, every count a [`Shown`] and every
//! time a [`Days`], by three rules:
//!
//! 1. **Small counts.** A count of 1 to 4 is [`Shown::FewerThanFive`]. A
//!    count of 0 is shown: nothing happened, and nobody can be identified
//!    from nothing.
//! 2. **Figures of few cases.** A median or 90th percentile of fewer than 5
//!    measured times is [`Days::FewerThanFiveCases`]: with one case the
//!    median *is* that child's time.
//! 3. **No working back by subtraction.** Where cells add up to a total
//!    (the stages reached, the areas, the matrix, the months and the
//!    quarters add up to the disagreements raised; the stages resolved at
//!    and the outcomes to the resolved; the breaches by stage and by month
//!    to the breaches; the learning themes to the learning recorded), a
//!    group with exactly one hidden cell would give it away as the total
//!    less the others. So the smallest other count above 0 in that group
//!    is hidden too, as [`Shown::Withheld`] (it is 5 or more, so "fewer
//!    than 5" would be untrue), and the pass repeats until no group has
//!    one hidden cell. A total the report does not show (the breaches, the
//!    learning) is treated as known all the same, since a reader may know
//!    it from elsewhere. A cell that appears twice (the resolved beside the
//!    cases timed to resolution, the withdrawn among the outcomes) is one
//!    cell, hidden in both places or neither. The months and quarters are
//!    grouped by the resolved and withdrawn too, although a case resolved
//!    twice counts in two months: hiding more than needed is the safe side.
//!
//! What the rules do not do: two hidden cells in a group give away their
//! sum, so where two "fewer than 5" cells add to 2 a reader knows that each
//! is one. That tells them no more than that small numbers were involved,
//! never which child: the cells say nothing about any child, and the report
//! holds no name, date of birth, identifier or free text.

use accord_case::AgencyId;
use accord_policy::{AreaId, StageNumber, ThemeId};
use serde::{Deserialize, Serialize};

use crate::{Insight, Period, Question, Spread};

/// The smallest count a published report shows as it is (other than 0).
pub const SMALLEST_SHOWN: u32 = 5;

/// A count as a published report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ShownRepr", into = "ShownRepr")]
pub enum Shown {
    /// 0, or 5 or more.
    Count(u32),
    /// 1 to 4.
    FewerThanFive,
    /// 5 or more, hidden so that a count under 5 beside it cannot be
    /// worked out from a total.
    Withheld,
}

impl Shown {
    /// Words for [`Shown::FewerThanFive`].
    pub const FEWER_THAN_FIVE: &'static str = "fewer than 5";
    /// Words for [`Shown::Withheld`].
    pub const WITHHELD: &'static str = "withheld";

    /// The count, where it is shown.
    pub fn count(self) -> Option<u32> {
        match self {
            Shown::Count(n) => Some(n),
            _ => None,
        }
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Count(n) => write!(f, "{n}"),
            Shown::FewerThanFive => f.write_str(Shown::FEWER_THAN_FIVE),
            Shown::Withheld => f.write_str(Shown::WITHHELD),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Shown {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([Shown::FEWER_THAN_FIVE, Shown::WITHHELD])),
            )
            .description(Some(
                "A count: a whole number (0, or 5 or more); the words `fewer than 5` for 1 to 4; \
                 or `withheld` for a count of 5 or more hidden so that a count under 5 cannot be \
                 worked out by subtraction from a total.",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Shown {}

/// How a [`Shown`] is written in JSON: a number, or its words.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ShownRepr {
    Count(u32),
    Words(String),
}

impl From<Shown> for ShownRepr {
    fn from(shown: Shown) -> ShownRepr {
        match shown {
            Shown::Count(n) => ShownRepr::Count(n),
            other => ShownRepr::Words(other.to_string()),
        }
    }
}

impl TryFrom<ShownRepr> for Shown {
    type Error = String;
    fn try_from(repr: ShownRepr) -> Result<Shown, String> {
        match repr {
            ShownRepr::Count(n) if n == 0 || n >= SMALLEST_SHOWN => Ok(Shown::Count(n)),
            ShownRepr::Count(n) => Err(format!("{n} is under {SMALLEST_SHOWN}")),
            ShownRepr::Words(w) if w == Shown::FEWER_THAN_FIVE => Ok(Shown::FewerThanFive),
            ShownRepr::Words(w) if w == Shown::WITHHELD => Ok(Shown::Withheld),
            ShownRepr::Words(w) => Err(format!("`{w}` is not a count")),
        }
    }
}

/// A median or 90th percentile as a published report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DaysRepr", into = "DaysRepr")]
pub enum Days {
    /// Working days, of 5 or more times.
    Measured(f64),
    /// Nothing was measured.
    NoneMeasured,
    /// Fewer than 5 times were measured, so the figure is not shown.
    FewerThanFiveCases,
}

impl Days {
    /// Words for [`Days::FewerThanFiveCases`].
    pub const FEWER_THAN_FIVE_CASES: &'static str = "fewer than 5 cases";
}

impl std::fmt::Display for Days {
    /// Working days to one decimal place, "–" when none were measured.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Days::Measured(d) => write!(f, "{d:.1}"),
            Days::NoneMeasured => f.write_str("–"),
            Days::FewerThanFiveCases => f.write_str(Days::FEWER_THAN_FIVE_CASES),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Days {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([Days::FEWER_THAN_FIVE_CASES])),
            )
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some(
                "Working days to one decimal place; null when nothing was measured; or the words \
                 `fewer than 5 cases` when fewer than 5 times were measured.",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Days {}

/// How a [`Days`] is written in JSON: a number, null, or its words.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum DaysRepr {
    Measured(f64),
    Words(String),
    None(Option<()>),
}

impl From<Days> for DaysRepr {
    fn from(days: Days) -> DaysRepr {
        match days {
            Days::Measured(d) => DaysRepr::Measured(d),
            Days::NoneMeasured => DaysRepr::None(None),
            Days::FewerThanFiveCases => DaysRepr::Words(Days::FEWER_THAN_FIVE_CASES.to_owned()),
        }
    }
}

impl TryFrom<DaysRepr> for Days {
    type Error = String;
    fn try_from(repr: DaysRepr) -> Result<Days, String> {
        match repr {
            DaysRepr::Measured(d) => Ok(Days::Measured(d)),
            DaysRepr::None(_) => Ok(Days::NoneMeasured),
            DaysRepr::Words(w) if w == Days::FEWER_THAN_FIVE_CASES => Ok(Days::FewerThanFiveCases),
            DaysRepr::Words(w) => Err(format!("`{w}` is not a time")),
        }
    }
}

/// A [`Spread`] as published: how many were timed, and the median and
/// 90th percentile only where 5 or more were.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpreadShown {
    /// How many times were measured.
    pub cases: Shown,
    /// Their median.
    pub median: Days,
    /// Their 90th percentile.
    pub p90: Days,
}

/// A count of one thing: a stage, an agency, an area, a theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted<K> {
    /// What it counts.
    pub of: K,
    /// How many.
    pub count: Shown,
}

/// A count of one pair of agencies: who raised, about whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairShown {
    /// The agency that raised them.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub raising: AgencyId,
    /// The agency whose decision they dispute.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub other: AgencyId,
    /// How many.
    pub count: Shown,
}

/// The time at one stage, as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageTimeShown {
    /// The stage.
    #[cfg_attr(feature = "openapi", schema(value_type = u8))]
    pub stage: StageNumber,
    /// The stays, in working days.
    pub time: SpreadShown,
}

/// [`Counts`](crate::Counts), as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountsShown {
    /// Raised in the period.
    pub raised: Shown,
    /// Resolved in the period.
    pub resolved: Shown,
    /// Withdrawn in the period.
    pub withdrawn: Shown,
    /// Open at the start of the period.
    pub open_at_start: Shown,
    /// Open at the end of the period.
    pub open_at_end: Shown,
}

/// [`Outcomes`](crate::Outcomes), as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutcomesShown {
    /// Agreed.
    pub agreed: Shown,
    /// Decided.
    pub decided: Shown,
    /// By a Resolution Panel.
    pub panel: Shown,
    /// Finalised without agreement.
    pub without_agreement: Shown,
    /// Withdrawn.
    pub withdrawn: Shown,
}

/// [`ImmediateRisk`](crate::ImmediateRisk), as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImmediateRiskShown {
    /// Raised with a subject at immediate risk.
    pub raised: Shown,
    /// Of those, started above the first stage.
    pub started_above_first_stage: Shown,
}

/// One month or quarter, as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendShown {
    /// Its name: `2025-04`, or `2025-04 to 2025-06`.
    pub label: String,
    /// Its days, clipped to the period.
    pub period: Period,
    /// Raised, resolved, withdrawn and open.
    pub counts: CountsShown,
    /// Deadlines breached in it.
    pub breaches: Shown,
    /// Of those resolved in it, the working days from raise to outcome.
    pub time_to_resolution: SpreadShown,
}

/// Every figure of an [`Insight`], made safe to publish by [`anonymise`].
/// Each field holds the figure of the same name, defined on [`Insight`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Anonymised {
    /// What was asked.
    pub question: Question,
    /// Raised, resolved, withdrawn and open.
    pub counts: CountsShown,
    /// The highest stage reached, by stage.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub stage_reached: Vec<Counted<StageNumber>>,
    /// The stage resolved at, by stage.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub resolved_at_stage: Vec<Counted<StageNumber>>,
    /// Time to resolution.
    pub time_to_resolution: SpreadShown,
    /// Time at each stage.
    pub time_at_stage: Vec<StageTimeShown>,
    /// Deadlines breached, by stage.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub breaches_by_stage: Vec<Counted<StageNumber>>,
    /// Deadlines breached, by agency.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub breaches_by_agency: Vec<Counted<AgencyId>>,
    /// Who disagrees with whom.
    pub matrix: Vec<PairShown>,
    /// Areas of disagreement.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub areas: Vec<Counted<AreaId>>,
    /// Outcomes.
    pub outcomes: OutcomesShown,
    /// Immediate-risk entries.
    pub immediate_risk: ImmediateRiskShown,
    /// Learning recorded, by theme.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub learning_themes: Vec<Counted<ThemeId>>,
    /// Each month.
    pub months: Vec<TrendShown>,
    /// Each quarter.
    pub quarters: Vec<TrendShown>,
}

/// Whether a cell is shown, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hidden {
    No,
    Small,
    Withheld,
}

/// Every count of the report as one list, with the groups that add up to
/// a total, so that rule 3 can be applied across all of them at once.
#[derive(Default)]
struct Ledger {
    values: Vec<u32>,
    hidden: Vec<Hidden>,
    /// Whether the report shows the cell (a total it does not show is
    /// still known to a reader, by the module's rule 3).
    shown_in_report: Vec<bool>,
    /// Each group: its total and the cells adding up to it.
    groups: Vec<(usize, Vec<usize>)>,
}

impl Ledger {
    /// A count the report shows; rule 1 applies to it.
    fn cell(&mut self, value: u32) -> usize {
        self.values.push(value);
        self.hidden.push(if (1..SMALLEST_SHOWN).contains(&value) {
            Hidden::Small
        } else {
            Hidden::No
        });
        self.shown_in_report.push(true);
        self.values.len() - 1
    }

    /// A total the report does not show.
    fn unshown(&mut self, value: u32) -> usize {
        self.values.push(value);
        self.hidden.push(Hidden::No);
        self.shown_in_report.push(false);
        self.values.len() - 1
    }

    fn group(&mut self, total: usize, cells: Vec<usize>) {
        self.groups.push((total, cells));
    }

    /// Whether a reader knows the value of `total`.
    fn known(&self, total: usize) -> bool {
        !self.shown_in_report[total]
            || self.hidden[total] == Hidden::No
            || self.groups.iter().any(|(t, cells)| {
                *t == total && cells.iter().all(|c| self.hidden[*c] == Hidden::No)
            })
    }

    /// Rule 3, to a fixed point: no group of a known total has exactly one
    /// hidden cell.
    fn settle(&mut self) {
        loop {
            let mut changed = false;
            for g in 0..self.groups.len() {
                let (total, cells) = self.groups[g].clone();
                if !self.known(total) {
                    continue;
                }
                let hidden = cells
                    .iter()
                    .filter(|c| self.hidden[**c] != Hidden::No)
                    .count();
                if hidden != 1 {
                    continue;
                }
                let next = cells
                    .iter()
                    .copied()
                    .filter(|c| self.hidden[*c] == Hidden::No && self.values[*c] > 0)
                    .min_by_key(|c| (self.values[*c], *c));
                match next {
                    Some(c) => self.hidden[c] = Hidden::Withheld,
                    // The others are all 0, so the hidden cell is the
                    // total: the total is hidden too.
                    None if self.shown_in_report[total] => {
                        self.hidden[total] = Hidden::Withheld;
                    }
                    None => continue,
                }
                changed = true;
            }
            if !changed {
                break;
            }
        }
    }

    fn shown(&self, cell: usize) -> Shown {
        match self.hidden[cell] {
            Hidden::No => Shown::Count(self.values[cell]),
            Hidden::Small => Shown::FewerThanFive,
            Hidden::Withheld => Shown::Withheld,
        }
    }

    /// A spread whose count of cases is `cases`.
    fn spread(&self, cases: usize, spread: &Spread) -> SpreadShown {
        let days = |d: Option<f64>| match d {
            None => Days::NoneMeasured,
            Some(_) if spread.cases < SMALLEST_SHOWN => Days::FewerThanFiveCases,
            Some(d) => Days::Measured(d),
        };
        SpreadShown {
            cases: self.shown(cases),
            median: days(spread.median),
            p90: days(spread.p90),
        }
    }
}

/// Cell numbers of one [`crate::Counts`].
struct CountCells {
    raised: usize,
    resolved: usize,
    withdrawn: usize,
    open_at_start: usize,
    open_at_end: usize,
}

impl CountCells {
    fn of(ledger: &mut Ledger, c: &crate::Counts) -> CountCells {
        CountCells {
            raised: ledger.cell(c.raised),
            resolved: ledger.cell(c.resolved),
            withdrawn: ledger.cell(c.withdrawn),
            open_at_start: ledger.cell(c.open_at_start),
            open_at_end: ledger.cell(c.open_at_end),
        }
    }

    fn shown(&self, ledger: &Ledger) -> CountsShown {
        CountsShown {
            raised: ledger.shown(self.raised),
            resolved: ledger.shown(self.resolved),
            withdrawn: ledger.shown(self.withdrawn),
            open_at_start: ledger.shown(self.open_at_start),
            open_at_end: ledger.shown(self.open_at_end),
        }
    }
}

/// Every figure of `insight`, made safe to publish by the module's three
/// rules.
pub fn anonymise(insight: &Insight) -> Anonymised {
    let mut l = Ledger::default();
    let i = insight;
    let counts = CountCells::of(&mut l, &i.counts);
    let cells = |l: &mut Ledger, values: &mut dyn Iterator<Item = u32>| -> Vec<usize> {
        values.map(|v| l.cell(v)).collect()
    };

    let stage_reached = cells(&mut l, &mut i.stage_reached.iter().map(|s| s.count));
    l.group(counts.raised, stage_reached.clone());
    let resolved_at_stage = cells(&mut l, &mut i.resolved_at_stage.iter().map(|s| s.count));
    l.group(counts.resolved, resolved_at_stage.clone());
    let time_at_stage = cells(&mut l, &mut i.time_at_stage.iter().map(|s| s.time.cases));

    let breaches_total: u32 = i.breaches_by_stage.iter().map(|s| s.count).sum();
    let breaches = l.unshown(breaches_total);
    let breaches_by_stage = cells(&mut l, &mut i.breaches_by_stage.iter().map(|s| s.count));
    l.group(breaches, breaches_by_stage.clone());
    let twice_breaches = l.unshown(breaches_total * 2);
    let breaches_by_agency = cells(&mut l, &mut i.breaches_by_agency.iter().map(|s| s.count));
    l.group(twice_breaches, breaches_by_agency.clone());

    let matrix = cells(&mut l, &mut i.matrix.iter().map(|p| p.count));
    l.group(counts.raised, matrix.clone());
    let areas = cells(&mut l, &mut i.areas.iter().map(|a| a.count));
    l.group(counts.raised, areas.clone());

    let o = i.outcomes;
    let agreed = l.cell(o.agreed);
    let decided = l.cell(o.decided);
    let panel = l.cell(o.panel);
    let without_agreement = l.cell(o.without_agreement);
    l.group(
        counts.resolved,
        vec![agreed, decided, panel, without_agreement],
    );
    let risk_raised = l.cell(i.immediate_risk.raised);
    let risk_above = l.cell(i.immediate_risk.started_above_first_stage);

    let learning_total: u32 = i.learning_themes.iter().map(|t| t.count).sum();
    let learning = l.unshown(learning_total);
    let themes = cells(&mut l, &mut i.learning_themes.iter().map(|t| t.count));
    l.group(learning, themes.clone());

    let trend_cells = |l: &mut Ledger, trends: &[crate::Trend]| -> Vec<(CountCells, usize)> {
        trends
            .iter()
            .map(|t| (CountCells::of(l, &t.counts), l.cell(t.breaches)))
            .collect()
    };
    let months = trend_cells(&mut l, &i.months);
    let quarters = trend_cells(&mut l, &i.quarters);
    for trends in [&months, &quarters] {
        l.group(counts.raised, trends.iter().map(|t| t.0.raised).collect());
        l.group(
            counts.resolved,
            trends.iter().map(|t| t.0.resolved).collect(),
        );
        l.group(
            counts.withdrawn,
            trends.iter().map(|t| t.0.withdrawn).collect(),
        );
        l.group(breaches, trends.iter().map(|t| t.1).collect());
    }
    // The months of each quarter add up to it.
    for (q, quarter) in i.quarters.iter().zip(&quarters) {
        let within: Vec<&(CountCells, usize)> = i
            .months
            .iter()
            .zip(&months)
            .filter(|(m, _)| q.period.from <= m.period.from && m.period.to <= q.period.to)
            .map(|(_, cells)| cells)
            .collect();
        l.group(
            quarter.0.raised,
            within.iter().map(|m| m.0.raised).collect(),
        );
        l.group(
            quarter.0.resolved,
            within.iter().map(|m| m.0.resolved).collect(),
        );
        l.group(
            quarter.0.withdrawn,
            within.iter().map(|m| m.0.withdrawn).collect(),
        );
        l.group(quarter.1, within.iter().map(|m| m.1).collect());
    }

    l.settle();

    let counted =
        |l: &Ledger, cells: &[usize]| -> Vec<Shown> { cells.iter().map(|c| l.shown(*c)).collect() };
    let trends = |l: &Ledger, trends: &[crate::Trend], cells: &[(CountCells, usize)]| {
        trends
            .iter()
            .zip(cells)
            .map(|(t, (counts, breaches))| TrendShown {
                label: t.label.clone(),
                period: t.period,
                counts: counts.shown(l),
                breaches: l.shown(*breaches),
                // The cases timed are the resolved in it.
                time_to_resolution: l.spread(counts.resolved, &t.time_to_resolution),
            })
            .collect()
    };
    let by_stage = |l: &Ledger, of: &[crate::StageCount], cells: &[usize]| {
        of.iter()
            .zip(counted(l, cells))
            .map(|(s, count)| Counted { of: s.stage, count })
            .collect()
    };
    Anonymised {
        question: i.question.clone(),
        counts: counts.shown(&l),
        stage_reached: by_stage(&l, &i.stage_reached, &stage_reached),
        resolved_at_stage: by_stage(&l, &i.resolved_at_stage, &resolved_at_stage),
        // The cases timed to resolution are the resolved: one cell.
        time_to_resolution: l.spread(counts.resolved, &i.time_to_resolution),
        time_at_stage: i
            .time_at_stage
            .iter()
            .zip(&time_at_stage)
            .map(|(s, c)| StageTimeShown {
                stage: s.stage,
                time: l.spread(*c, &s.time),
            })
            .collect(),
        breaches_by_stage: by_stage(&l, &i.breaches_by_stage, &breaches_by_stage),
        breaches_by_agency: i
            .breaches_by_agency
            .iter()
            .zip(counted(&l, &breaches_by_agency))
            .map(|(a, count)| Counted {
                of: a.agency.clone(),
                count,
            })
            .collect(),
        matrix: i
            .matrix
            .iter()
            .zip(counted(&l, &matrix))
            .map(|(p, count)| PairShown {
                raising: p.raising.clone(),
                other: p.other.clone(),
                count,
            })
            .collect(),
        areas: i
            .areas
            .iter()
            .zip(counted(&l, &areas))
            .map(|(a, count)| Counted {
                of: a.area.clone(),
                count,
            })
            .collect(),
        outcomes: OutcomesShown {
            agreed: l.shown(agreed),
            decided: l.shown(decided),
            panel: l.shown(panel),
            without_agreement: l.shown(without_agreement),
            // The withdrawn among the outcomes are the withdrawn: one cell.
            withdrawn: l.shown(counts.withdrawn),
        },
        immediate_risk: ImmediateRiskShown {
            raised: l.shown(risk_raised),
            started_above_first_stage: l.shown(risk_above),
        },
        learning_themes: i
            .learning_themes
            .iter()
            .zip(counted(&l, &themes))
            .map(|(t, count)| Counted {
                of: t.theme.clone(),
                count,
            })
            .collect(),
        months: trends(&l, &i.months, &months),
        quarters: trends(&l, &i.quarters, &quarters),
    }
}

impl Anonymised {
    /// Every count it shows, each once per place it is shown, for checks
    /// that none is 1 to 4.
    pub fn every_count(&self) -> Vec<Shown> {
        let c = |x: &CountsShown| {
            [
                x.raised,
                x.resolved,
                x.withdrawn,
                x.open_at_start,
                x.open_at_end,
            ]
        };
        let mut out: Vec<Shown> = c(&self.counts).to_vec();
        out.extend(self.stage_reached.iter().map(|s| s.count));
        out.extend(self.resolved_at_stage.iter().map(|s| s.count));
        out.push(self.time_to_resolution.cases);
        out.extend(self.time_at_stage.iter().map(|s| s.time.cases));
        out.extend(self.breaches_by_stage.iter().map(|s| s.count));
        out.extend(self.breaches_by_agency.iter().map(|s| s.count));
        out.extend(self.matrix.iter().map(|s| s.count));
        out.extend(self.areas.iter().map(|s| s.count));
        let o = self.outcomes;
        out.extend([
            o.agreed,
            o.decided,
            o.panel,
            o.without_agreement,
            o.withdrawn,
        ]);
        out.extend([
            self.immediate_risk.raised,
            self.immediate_risk.started_above_first_stage,
        ]);
        out.extend(self.learning_themes.iter().map(|s| s.count));
        for t in self.months.iter().chain(&self.quarters) {
            out.extend(c(&t.counts));
            out.push(t.breaches);
            out.push(t.time_to_resolution.cases);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use accord_calendar::Calendars;

    use super::*;
    use crate::{Filter, insight};

    fn ledger_of(values: &[u32]) -> (Ledger, Vec<usize>) {
        let mut l = Ledger::default();
        let cells = values.iter().map(|v| l.cell(*v)).collect();
        (l, cells)
    }

    #[test]
    fn a_count_of_one_to_four_is_fewer_than_five_and_zero_stays() {
        let (l, cells) = ledger_of(&[0, 1, 4, 5, 120]);
        let shown: Vec<String> = cells.iter().map(|c| l.shown(*c).to_string()).collect();
        assert_eq!(
            shown,
            ["0", "fewer than 5", "fewer than 5", "5", "120"].map(str::to_owned)
        );
    }

    #[test]
    fn a_lone_hidden_cell_takes_the_smallest_other_with_it() {
        // 20 raised: 3 + 6 + 11. Without rule 3, the 3 is 20 − 6 − 11.
        let (mut l, cells) = ledger_of(&[20, 3, 11, 6]);
        l.group(cells[0], cells[1..].to_vec());
        l.settle();
        assert_eq!(l.shown(cells[0]), Shown::Count(20));
        assert_eq!(l.shown(cells[1]), Shown::FewerThanFive);
        assert_eq!(l.shown(cells[2]), Shown::Count(11));
        assert_eq!(l.shown(cells[3]), Shown::Withheld);
    }

    #[test]
    fn two_hidden_cells_need_no_third_and_zeros_are_never_withheld() {
        let (mut l, cells) = ledger_of(&[12, 2, 3, 7, 0]);
        l.group(cells[0], cells[1..].to_vec());
        l.settle();
        let shown: Vec<Shown> = cells.iter().map(|c| l.shown(*c)).collect();
        assert_eq!(
            shown,
            [
                Shown::Count(12),
                Shown::FewerThanFive,
                Shown::FewerThanFive,
                Shown::Count(7),
                Shown::Count(0),
            ]
        );
    }

    #[test]
    fn withholding_carries_through_every_group_a_cell_is_in() {
        // Months of a quarter (2 + 9 + 10 = 21) and quarters of the
        // period (21 + 30 = 51): withholding the 9 in the quarter leaves
        // the other groups as they were, but a cell shared by two groups
        // that each end with one hidden is settled in both.
        let (mut l, c) = ledger_of(&[51, 21, 30, 2, 9, 10]);
        l.group(c[0], vec![c[1], c[2]]);
        l.group(c[1], vec![c[3], c[4], c[5]]);
        l.settle();
        assert_eq!(l.shown(c[3]), Shown::FewerThanFive);
        assert_eq!(l.shown(c[4]), Shown::Withheld);
        assert_eq!(l.shown(c[1]), Shown::Count(21));
        // A hidden total of its own hidden cell's group with nothing else
        // to withhold is withheld.
        let (mut l, c) = ledger_of(&[8, 8, 0]);
        l.hidden[c[1]] = Hidden::Withheld;
        l.group(c[0], vec![c[1], c[2]]);
        l.settle();
        assert_eq!(l.shown(c[0]), Shown::Withheld);
    }

    #[test]
    fn a_time_of_fewer_than_five_cases_is_not_shown() {
        let (l, c) = ledger_of(&[4, 5]);
        let few = l.spread(c[0], &Spread::of(vec![1, 2, 3, 9]));
        assert_eq!(few.cases, Shown::FewerThanFive);
        assert_eq!(few.median, Days::FewerThanFiveCases);
        assert_eq!(few.p90, Days::FewerThanFiveCases);
        let five = l.spread(c[1], &Spread::of(vec![1, 2, 3, 9, 10]));
        assert_eq!(five.median, Days::Measured(3.0));
        let none = l.spread(c[0], &Spread::of(vec![]));
        assert_eq!(none.median, Days::NoneMeasured);
    }

    #[test]
    fn shown_counts_are_written_as_numbers_or_words_and_read_back() {
        let json = serde_json::to_string(&[
            Shown::Count(0),
            Shown::Count(7),
            Shown::FewerThanFive,
            Shown::Withheld,
        ])
        .unwrap();
        assert_eq!(json, r#"[0,7,"fewer than 5","withheld"]"#);
        let back: Vec<Shown> = serde_json::from_str(&json).unwrap();
        assert_eq!(back[2], Shown::FewerThanFive);
        assert!(
            serde_json::from_str::<Shown>("3").is_err(),
            "3 is never shown"
        );
        let days = serde_json::to_string(&[
            Days::Measured(4.5),
            Days::NoneMeasured,
            Days::FewerThanFiveCases,
        ])
        .unwrap();
        assert_eq!(days, r#"[4.5,null,"fewer than 5 cases"]"#);
        let back: Vec<Days> = serde_json::from_str(&days).unwrap();
        assert_eq!(back[1], Days::NoneMeasured);
    }

    /// Over a generated history small enough to have small counts, every
    /// count anonymised is 0 or 5 or more, and no group adding up to a
    /// shown total has exactly one hidden cell.
    #[test]
    fn a_small_partnerships_figures_show_no_count_under_five() {
        let calendars = Calendars::builtin();
        let policies = accord_policy::builtin(&calendars);
        let now = "2026-11-30T12:00:00Z".parse().unwrap();
        let history =
            accord_demo::history("east-riding-2018", 40, 2015, now, &calendars, &policies).unwrap();
        let facts: Vec<crate::CaseFacts> = history
            .cases
            .iter()
            .map(|c| crate::CaseFacts::from_events(&c.events).unwrap())
            .collect();
        let england = calendars
            .get(&"england-and-wales".parse().unwrap())
            .unwrap();
        let question = Question {
            period: Period::new("2025-12-01".parse().unwrap(), "2026-11-30".parse().unwrap())
                .unwrap(),
            filter: Filter::default(),
        };
        let figures = insight(&facts, england, &question);
        // Every quarter and every year of the history, too: the rules hold
        // whatever the period.
        let mut from: jiff::civil::Date = "2024-10-01".parse().unwrap();
        while from < "2026-10-01".parse().unwrap() {
            let to = from
                .checked_add(jiff::Span::new().months(3))
                .unwrap()
                .yesterday()
                .unwrap();
            let year = from
                .checked_add(jiff::Span::new().years(1))
                .unwrap()
                .yesterday()
                .unwrap();
            for to in [to, year] {
                let q = Question {
                    period: Period::new(from, to).unwrap(),
                    filter: Filter::default(),
                };
                holds(&anonymise(&insight(&facts, england, &q)));
            }
            from = from.checked_add(jiff::Span::new().months(3)).unwrap();
        }
        // The history has small counts, or this test proves nothing.
        assert!(figures.areas.iter().any(|a| (1..5).contains(&a.count)));
        let shown = anonymise(&figures);
        assert!(shown.every_count().contains(&Shown::FewerThanFive));
        holds(&shown);
    }

    /// The three rules, checked on what `shown` shows.
    fn holds(shown: &Anonymised) {
        for s in shown.every_count() {
            if let Shown::Count(n) = s {
                assert!(n == 0 || n >= 5, "{n} shown");
            }
        }
        // Where a total is shown, its parts never have exactly one hidden.
        let one_hidden = |total: Shown, parts: Vec<Shown>| {
            let hidden = parts.iter().filter(|p| p.count().is_none()).count();
            assert!(
                total.count().is_none() || hidden != 1,
                "{total} with parts {parts:?}"
            );
        };
        let c = shown.counts;
        one_hidden(c.raised, shown.areas.iter().map(|a| a.count).collect());
        one_hidden(c.raised, shown.matrix.iter().map(|a| a.count).collect());
        one_hidden(
            c.raised,
            shown.stage_reached.iter().map(|a| a.count).collect(),
        );
        one_hidden(
            c.raised,
            shown.months.iter().map(|m| m.counts.raised).collect(),
        );
        one_hidden(
            c.raised,
            shown.quarters.iter().map(|m| m.counts.raised).collect(),
        );
        let o = shown.outcomes;
        one_hidden(
            c.resolved,
            vec![o.agreed, o.decided, o.panel, o.without_agreement],
        );
        one_hidden(
            c.resolved,
            shown.resolved_at_stage.iter().map(|a| a.count).collect(),
        );
        // The cases timed to resolution are the resolved, hidden alike.
        assert_eq!(shown.time_to_resolution.cases, c.resolved);
        assert_eq!(o.withdrawn, c.withdrawn);
        // A spread of fewer than 5 cases shows no median.
        for s in shown
            .time_at_stage
            .iter()
            .map(|s| s.time)
            .chain([shown.time_to_resolution])
        {
            if s.cases == Shown::FewerThanFive {
                assert_eq!(s.median, Days::FewerThanFiveCases);
                assert_eq!(s.p90, Days::FewerThanFiveCases);
            }
        }
    }
}
