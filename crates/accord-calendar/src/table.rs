//! A precomputed index of working days over a wide range of years, so that
//! "the nth working day after" is two array reads in the hot path.

use jiff::civil::Date;

use crate::days;

/// The first year the index covers. Earlier dates are worked out by rules.
pub(crate) const FIRST_YEAR: i16 = 1970;
/// The last year the index covers. Later dates are worked out by rules.
pub(crate) const LAST_YEAR: i16 = 2200;

/// Working days from 1 January [`FIRST_YEAR`] to 31 December [`LAST_YEAR`].
pub(crate) struct WorkingDayIndex {
    /// Day number of 1 January [`FIRST_YEAR`].
    first_day: i32,
    /// `working_before[i]` counts the working days in the first `i` days.
    working_before: Vec<u32>,
    /// Every working day in the range, in order.
    working: Vec<Date>,
}

/// What the index can say about "the nth working day after a day".
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The answer.
    Found(Date),
    /// The day is covered but the answer lies after the range: count on
    /// `remaining` more working days after the range's last working day.
    Beyond { last_working: i32, remaining: u32 },
    /// The day is not covered.
    Outside,
}

impl WorkingDayIndex {
    /// Builds the index from the bank holidays in the range, as sorted day
    /// numbers.
    pub(crate) fn build(holidays: &[i32]) -> WorkingDayIndex {
        let first_day = days::number(Date::constant(FIRST_YEAR, 1, 1));
        let end_day = days::number(Date::constant(LAST_YEAR, 12, 31)) + 1;
        let len = usize::try_from(end_day - first_day).expect("the range runs forwards");
        let mut working_before = Vec::with_capacity(len + 1);
        let mut working = Vec::with_capacity(len * 5 / 7);
        let mut holidays = holidays.iter().copied().peekable();
        working_before.push(0);
        for day in first_day..end_day {
            let is_holiday = holidays.next_if_eq(&day).is_some();
            if !is_holiday && !days::is_weekend(day) {
                working.push(days::date(day));
            }
            let count = u32::try_from(working.len()).expect("fewer than 2^32 days");
            working_before.push(count);
        }
        WorkingDayIndex {
            first_day,
            working_before,
            working,
        }
    }

    /// The position of `day` in the range, if it is covered.
    fn offset(&self, day: i32) -> Option<usize> {
        let offset = usize::try_from(day.checked_sub(self.first_day)?).ok()?;
        (offset + 1 < self.working_before.len()).then_some(offset)
    }

    /// Whether `day` is a working day, if it is covered.
    pub(crate) fn is_working_day(&self, day: i32) -> Option<bool> {
        let offset = self.offset(day)?;
        Some(self.working_before[offset + 1] != self.working_before[offset])
    }

    /// How many working days fall strictly after `from` and on or before
    /// `to` (none when `to` is not after `from`), if both are covered.
    pub(crate) fn count_after(&self, from: i32, to: i32) -> Option<u32> {
        let (from, to) = (self.offset(from)?, self.offset(to)?);
        Some(self.working_before[to + 1].saturating_sub(self.working_before[from + 1]))
    }

    /// The `n`th working day strictly after `day` (n ≥ 1).
    pub(crate) fn nth_after(&self, day: i32, n: u32) -> Lookup {
        let Some(offset) = self.offset(day) else {
            return Lookup::Outside;
        };
        // Working days up to and including `day` is the index of the first
        // working day after it.
        let first_after = self.working_before[offset + 1] as usize;
        let target = first_after + n as usize - 1;
        match self.working.get(target) {
            Some(&found) => Lookup::Found(found),
            None => {
                let last = self.working.len() - 1;
                Lookup::Beyond {
                    last_working: days::number(self.working[last]),
                    remaining: u32::try_from(target - last).expect("n fits in u32"),
                }
            }
        }
    }
}

impl std::fmt::Debug for WorkingDayIndex {
    // Tens of thousands of entries say nothing useful in a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkingDayIndex")
            .field("years", &(FIRST_YEAR..=LAST_YEAR))
            .field("working_days", &self.working.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn counts_past_weekends_and_holidays() {
        let christmas = [date(2027, 12, 27), date(2027, 12, 28)].map(days::number);
        let index = WorkingDayIndex::build(&christmas);
        let friday = days::number(date(2027, 12, 24));
        assert_eq!(
            index.nth_after(friday, 1),
            Lookup::Found(date(2027, 12, 29))
        );
        assert_eq!(
            index.nth_after(friday, 2),
            Lookup::Found(date(2027, 12, 30))
        );
        assert_eq!(index.is_working_day(christmas[0]), Some(false));
        assert_eq!(index.is_working_day(friday), Some(true));
    }

    #[test]
    fn says_when_it_cannot_answer() {
        let index = WorkingDayIndex::build(&[]);
        let before = days::number(date(1969, 12, 31));
        assert_eq!(index.nth_after(before, 1), Lookup::Outside);
        assert_eq!(index.is_working_day(before), None);
        // Wednesday 31 December 2200 is the last working day covered, so
        // three working days after Tuesday the 30th leaves two to count on.
        let tuesday = days::number(date(2200, 12, 30));
        assert_eq!(
            index.is_working_day(days::number(date(2200, 12, 31))),
            Some(true)
        );
        assert_eq!(
            index.nth_after(tuesday, 3),
            Lookup::Beyond {
                last_working: days::number(date(2200, 12, 31)),
                remaining: 2
            }
        );
    }
}
