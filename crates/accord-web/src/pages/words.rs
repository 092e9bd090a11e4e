//! Dates, times and names as the pages say them: in UK time (Europe/London,
//! which the Isle of Man shares), the GOV.UK way ("Monday 9 June 2025",
//! "10:30am"), and people and agencies by name rather than id.

use std::{collections::HashMap, sync::LazyLock};

use accord_calendar::Due;
use accord_case::{AgencyId, PersonId};
use accord_policy::{Policy, RoleRef};
use jiff::{Timestamp, tz::TimeZone};

use crate::{ApiError, AppState};

static UK: LazyLock<TimeZone> =
    LazyLock::new(|| TimeZone::get("Europe/London").expect("the bundled tz database has London"));

/// UK time: Europe/London, which the Isle of Man shares.
pub(crate) fn uk() -> TimeZone {
    UK.clone()
}

/// The local date of `at`: "Monday 9 June 2025".
pub(crate) fn day(at: Timestamp) -> String {
    at.to_zoned_datetime(UK.clone())
        .strftime("%A %-d %B %Y")
        .to_string()
}

/// What identifies a child or adult besides their name, in the order
/// practitioners read them: "born 12 April 2019", "NHS number 943 476
/// 5919", "local identifier LCS-12345"; only those given (issue 14 §2).
pub(crate) fn subject_details(subject: &accord_case::Subject) -> Vec<String> {
    let mut details = Vec::new();
    if let Some(born) = subject.date_of_birth {
        details.push(format!("born {}", born.strftime("%-d %B %Y")));
    }
    if let Some(nhs) = &subject.nhs_number {
        details.push(format!("NHS number {nhs}"));
    }
    if let Some(id) = &subject.local_id {
        details.push(format!("local identifier {id}"));
    }
    details
}

/// The local date and time of `at`: "9 June 2025 at 10:30am".
pub(crate) fn when(at: Timestamp) -> String {
    let zoned = at.to_zoned_datetime(UK.clone());
    format!("{} at {}", zoned.strftime("%-d %B %Y"), clock_time(&zoned))
}

fn clock_time(zoned: &jiff::ZonedDateTime) -> String {
    let time = zoned.strftime("%-I:%M%P").to_string();
    time.replace(":00", "")
}

/// A deadline in words: "by the end of Monday 9 June 2025" for a day-based
/// timescale, "by 3:30pm on Monday 9 June 2025" for hours, and "as soon as
/// possible" where the policy sets no timescale (never an invented date).
pub(crate) fn due(due: &Due) -> String {
    match due {
        Due::AsSoonAsPossible => "as soon as possible".to_owned(),
        Due::At { instant, last_day } => {
            let zoned = instant.to_zoned_datetime(UK.clone());
            if zoned.date() == last_day.tomorrow().unwrap_or(*last_day) && zoned.hour() == 0 {
                format!("by the end of {}", last_day.strftime("%A %-d %B %Y"))
            } else {
                format!(
                    "by {} on {}",
                    clock_time(&zoned),
                    zoned.strftime("%A %-d %B %Y")
                )
            }
        }
    }
}

/// The last day of a deadline that ends at `instant` (a register entry
/// keeps only the instant): the local date just before it.
pub(crate) fn due_day(instant: Timestamp) -> String {
    day(instant - jiff::SignedDuration::from_secs(1))
}

/// The UK date of `at` as a spreadsheet sorts it: "2026-11-25".
pub(crate) fn iso_day(at: Timestamp) -> String {
    at.to_zoned_datetime(UK.clone()).date().to_string()
}

/// The last day before a deadline, as [`iso_day`] writes it.
pub(crate) fn iso_due_day(instant: Timestamp) -> String {
    iso_day(instant - jiff::SignedDuration::from_secs(1))
}

/// A length of time agreed or added, in words: "3 working days".
pub(crate) fn length(length: accord_case::Extension) -> String {
    let (n, unit) = match length {
        accord_case::Extension::WorkingDays(n) => (n.get(), "working day"),
        accord_case::Extension::CalendarDays(n) => (n.get(), "calendar day"),
        accord_case::Extension::Hours(n) => (n.get(), "hour"),
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// A length of time in words: "3 days", "5 hours", "20 minutes".
pub(crate) fn duration(minutes: i64) -> String {
    let (n, unit) = match minutes {
        m if m >= 2 * 24 * 60 => (m / (24 * 60), "day"),
        m if m >= 120 => (m / 60, "hour"),
        m => (m.max(0), "minute"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Breaks `text` into lines of at most `width` characters, at spaces (a
/// longer word has a line to itself), for the SVG drawings, whose text
/// does not wrap by itself.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// The person id the job runner records its own events under, such as a
/// breach at a deadline that passed (`accord_jobs::ACCORD`). Nobody in a
/// directory may have it (see the administration pages).
pub(crate) const ACCORD: &str = "accord";

/// The names of a partnership's people and agencies, to show instead of
/// their ids.
pub(crate) struct Names {
    people: HashMap<PersonId, String>,
    agencies: HashMap<AgencyId, String>,
}

impl Names {
    /// The directory of `partnership`.
    pub(crate) async fn load(state: &AppState, partnership: &str) -> Result<Names, ApiError> {
        let store = state.store();
        let people = store
            .people(partnership)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let agencies = store
            .agencies(partnership)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        Ok(Names { people, agencies })
    }

    /// A person's name, or their id if the directory no longer has them.
    /// Accord itself ([`ACCORD`], under which the job runner records a
    /// breach) is named as what it is.
    pub(crate) fn person(&self, id: &PersonId) -> String {
        if id.as_str() == ACCORD {
            return "Accord (automatic deadline check)".to_owned();
        }
        self.people
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// An agency's name, or its id.
    pub(crate) fn agency(&self, id: &AgencyId) -> String {
        self.agencies
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The agencies, by name.
    pub(crate) fn agencies(&self) -> Vec<(&AgencyId, &str)> {
        let mut all: Vec<(&AgencyId, &str)> = self
            .agencies
            .iter()
            .map(|(id, n)| (id, n.as_str()))
            .collect();
        all.sort_by(|a, b| a.1.cmp(b.1));
        all
    }
}

/// A tier in words, as a sentence names it after "a" or "the".
pub(crate) fn role_of_tier(tier: accord_policy::RoleTier) -> String {
    tier.words().to_owned()
}

/// A role in words, as a sentence names it after "the": a declared role by
/// its name in the policy ("HSCP Chair"), a tier or a relation to the case
/// spelled out ("safeguarding lead", "Independent Reviewing Officer",
/// "stage's leads").
pub(crate) fn role(policy: &Policy, role: &RoleRef) -> String {
    use accord_policy::Relation;
    match role {
        RoleRef::Declared(id) => policy
            .role(id)
            .map_or_else(|| id.to_string(), |r| r.name.clone()),
        RoleRef::Tier(tier) => role_of_tier(*tier),
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

/// A piece of someone's open work on a case, as the handover page and the
/// chronology name it (issue 13 §3).
pub(crate) fn open_work(work: accord_case::OpenWork) -> String {
    match work {
        accord_case::OpenWork::Raiser => "the raiser's part in the disagreement".to_owned(),
        accord_case::OpenWork::OtherProfessional => {
            "the part of the professional whose decision is disputed".to_owned()
        }
        accord_case::OpenWork::Action { action } => format!("action {action}, not yet done"),
        accord_case::OpenWork::PanelSeat => "their seat on the Resolution Panel".to_owned(),
    }
}

/// A count as GOV.UK writes it, with a comma between thousands: "20,000".
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Text someone typed as paragraphs of lines, split at blank lines, for the
/// pages' `prose` macro; the PDF splits it the same way
/// ([`accord_pdf::Prose`]).
pub(crate) fn paragraphs(text: &str) -> Vec<Vec<String>> {
    accord_pdf::Prose::new(text).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_commas_between_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(20000), "20,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn dates_and_times_are_said_in_uk_time() {
        let summer: Timestamp = "2025-06-09T09:30:00Z".parse().unwrap();
        assert_eq!(day(summer), "Monday 9 June 2025");
        assert_eq!(when(summer), "9 June 2025 at 10:30am");
        let winter: Timestamp = "2025-12-01T15:00:00Z".parse().unwrap();
        assert_eq!(when(winter), "1 December 2025 at 3pm");
    }

    #[test]
    fn deadlines_are_said_as_days_or_times_never_invented() {
        let by_day = Due::At {
            instant: "2025-06-09T23:00:00Z".parse().unwrap(),
            last_day: "2025-06-09".parse().unwrap(),
        };
        assert_eq!(due(&by_day), "by the end of Monday 9 June 2025");
        let by_hour = Due::At {
            instant: "2025-06-09T14:30:00Z".parse().unwrap(),
            last_day: "2025-06-09".parse().unwrap(),
        };
        assert_eq!(due(&by_hour), "by 3:30pm on Monday 9 June 2025");
        assert_eq!(due(&Due::AsSoonAsPossible), "as soon as possible");
        assert_eq!(
            due_day("2025-06-09T23:00:00Z".parse().unwrap()),
            "Monday 9 June 2025"
        );
    }

    #[test]
    fn accord_itself_is_named_as_what_it_is() {
        let names = Names {
            people: HashMap::from([(PersonId::parse("hv-1").unwrap(), "Ana Lee".to_owned())]),
            agencies: HashMap::new(),
        };
        assert_eq!(
            names.person(&PersonId::parse(ACCORD).unwrap()),
            "Accord (automatic deadline check)"
        );
        assert_eq!(names.person(&PersonId::parse("hv-1").unwrap()), "Ana Lee");
        assert_eq!(names.person(&PersonId::parse("gone").unwrap()), "gone");
    }

    #[test]
    fn lengths_of_time_are_in_the_largest_sensible_unit() {
        assert_eq!(duration(5), "5 minutes");
        assert_eq!(duration(60), "60 minutes");
        assert_eq!(duration(180), "3 hours");
        assert_eq!(duration(3 * 24 * 60), "3 days");
        assert_eq!(duration(1), "1 minute");
    }
}
