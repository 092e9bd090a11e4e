//! The learning log (issue 15 §2): `GET /learning` lists the learning
//! recorded on the partnership's cases, by the policy's themes or by the
//! groups it was forwarded to, with the follow-ups agreed on each: who will
//! do what, by when, what was done and what is overdue. Sutton §7e: "any
//! issues for learning and improvement should be identified and considered
//! by the relevant LSCB sub-group"; East Riding §6 forwards learning to the
//! ERSCP Service Manager.
//!
//! The partnership team and the chair read all of it; whoever holds the
//! role of a group the policy forwards learning to reads what went to
//! their groups ([`access::learning_log_reach`]). It is read from the
//! events of the three kinds it needs, in one query, so that it says what
//! the case record says.

use std::collections::{BTreeMap, HashSet};

use askama::Template;
use axum::{extract::State, response::Response};
use jiff::{Timestamp, civil::Date};
use serde::Deserialize;

use accord_case::{ActionDetails, CaseId, Event, EventBody, Sequence, Text};
use accord_policy::{GroupId, Policy, ThemeId};

use super::{
    Chrome, PageError, Section, Viewer, capitalised, extract::Query, html, register_page::Choice,
    words,
};
use crate::{
    ApiError, AppState,
    access::{self, LogReach},
};

/// The event kinds the log is made of.
pub(crate) const LOG_EVENTS: &[&str] = &[
    "learning_recorded",
    "follow_up_agreed",
    "follow_up_completed",
];

/// Learning as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Logged {
    pub(crate) case: CaseId,
    pub(crate) sequence: Sequence,
    pub(crate) at: Timestamp,
    pub(crate) theme: ThemeId,
    pub(crate) group: Option<GroupId>,
    pub(crate) note: Text,
    pub(crate) follow_ups: Vec<LoggedFollowUp>,
}

/// A follow-up as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoggedFollowUp {
    pub(crate) sequence: Sequence,
    pub(crate) agreed_at: Timestamp,
    pub(crate) details: ActionDetails,
    pub(crate) done: Option<(Timestamp, Option<Text>)>,
}

/// Where a follow-up stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    Done,
    Overdue,
    Due,
}

impl LoggedFollowUp {
    /// Where it stands on `today`: overdue once its last day has passed.
    pub(crate) fn standing(&self, today: Date) -> Standing {
        if self.done.is_some() {
            Standing::Done
        } else if self.details.by_when < today {
            Standing::Overdue
        } else {
            Standing::Due
        }
    }
}

/// The learning in `histories` (each a case's events of [`LOG_EVENTS`]),
/// newest first.
pub(crate) fn logged(histories: &[Vec<Event>]) -> Vec<Logged> {
    let mut out = Vec::new();
    for events in histories {
        let mut case: Vec<Logged> = Vec::new();
        for event in events {
            match &event.body {
                EventBody::LearningRecorded {
                    theme,
                    forwarded_to,
                    note,
                } => case.push(Logged {
                    case: event.case.clone(),
                    sequence: event.sequence,
                    at: event.at,
                    theme: theme.clone(),
                    group: forwarded_to.clone(),
                    note: note.clone(),
                    follow_ups: Vec::new(),
                }),
                EventBody::FollowUpAgreed { learning, details } => {
                    if let Some(l) = case.iter_mut().find(|l| l.sequence == *learning) {
                        l.follow_ups.push(LoggedFollowUp {
                            sequence: event.sequence,
                            agreed_at: event.at,
                            details: details.clone(),
                            done: None,
                        });
                    }
                }
                EventBody::FollowUpCompleted { follow_up, note } => {
                    if let Some(f) = case
                        .iter_mut()
                        .flat_map(|l| &mut l.follow_ups)
                        .find(|f| f.sequence == *follow_up)
                    {
                        f.done = Some((event.at, note.clone()));
                    }
                }
                _ => {}
            }
        }
        out.extend(case);
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then(b.case.cmp(&a.case)));
    out
}

/// The page's choices as sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogQuery {
    /// `theme` (the default) or `group`: what the log is listed by.
    #[serde(default)]
    by: String,
    /// Only this theme; empty for every theme.
    #[serde(default)]
    theme: String,
    /// Only this group (`none` for learning forwarded nowhere); empty for
    /// every group.
    #[serde(default)]
    group: String,
    /// `overdue` for learning with a follow-up overdue, `open` for any not
    /// done; empty for all.
    #[serde(default)]
    show: String,
}

#[derive(Template)]
#[template(path = "learning_log.html")]
struct LogPage {
    chrome: Chrome,
    /// What the reader sees of it, in words.
    reach: String,
    by_group: bool,
    themes: Vec<Choice>,
    groups: Vec<Choice>,
    shows: Vec<Choice>,
    recorded: usize,
    follow_ups: usize,
    done: usize,
    overdue: usize,
    headings: Vec<Heading>,
}

/// One theme's or group's learning.
struct Heading {
    title: String,
    id: String,
    entries: Vec<Entry>,
}

struct Entry {
    case: String,
    /// Whether the reader may open the case.
    opens: bool,
    recorded: String,
    /// The theme, or the group, whichever the heading is not.
    aside: String,
    note: String,
    follow_ups: Vec<FollowUpRow>,
}

struct FollowUpRow {
    who: String,
    what: String,
    by_when: String,
    /// "Done", "Overdue" or "Due": the tag's words.
    standing: &'static str,
    tag: &'static str,
    done: Option<String>,
}

/// The learning log of the reader's partnership.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<LogQuery>,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| PageError::new(e, &viewer);
    let person = &viewer.principal.person;
    let partnership_id = viewer.principal.partnership().to_owned();
    let partnership = crate::api::partnerships::own(&state, &viewer.principal, &partnership_id)
        .await
        .map_err(fail)?;
    let policy = state
        .current_policy(&partnership.policy)
        .await
        .map_err(fail)?;
    let Some(reach) = access::learning_log_reach(person, &policy) else {
        return Err(fail(ApiError::Forbidden {
            code: "not_for_your_role",
            message: "the learning log is for the partnership team, the chair and the groups \
                      the policy forwards learning to"
                .to_owned(),
        }));
    };
    let calendar = state.calendar_of(&policy).map_err(fail)?;
    let today = state
        .now()
        .to_zoned_datetime(calendar.time_zone().clone())
        .date();
    let histories = state
        .store()
        .histories_of(&partnership.id, LOG_EVENTS)
        .await
        .map_err(|e| fail(e.into()))?;
    let names = words::Names::load(&state, &partnership.id)
        .await
        .map_err(fail)?;
    // The cases the reader may open: every one for the team and the chair
    // (rule 5); for a group's role-holder, those the access rules give them.
    let opens: HashSet<CaseId> = state
        .store()
        .search_cases(&partnership.id, &accord_store::CaseSearch::default())
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .filter(|e| {
            access::may_see(
                person,
                access::CaseFacts::of_entry(e, Some(&partnership.id)),
            )
        })
        .map(|e| e.case)
        .collect();
    let mut page = log_page(
        &policy,
        &reach,
        logged(&histories),
        &query,
        today,
        &names,
        &opens,
    );
    page.chrome = Chrome::new("Learning log", Section::Insight, Some(&viewer));
    Ok(html(&page))
}

fn log_page(
    policy: &Policy,
    reach: &LogReach,
    all: Vec<Logged>,
    query: &LogQuery,
    today: Date,
    names: &words::Names,
    opens: &HashSet<CaseId>,
) -> LogPage {
    let learning = &policy.learning;
    let by_group = query.by == "group";
    let in_reach: Vec<Logged> = all
        .into_iter()
        .filter(|l| reach.reaches(l.group.as_ref()))
        .collect();
    let shown: Vec<&Logged> = in_reach
        .iter()
        .filter(|l| query.theme.is_empty() || l.theme.as_str() == query.theme)
        .filter(|l| match query.group.as_str() {
            "" => true,
            "none" => l.group.is_none(),
            g => l.group.as_ref().is_some_and(|x| x.as_str() == g),
        })
        .filter(|l| match query.show.as_str() {
            "overdue" => l
                .follow_ups
                .iter()
                .any(|f| f.standing(today) == Standing::Overdue),
            "open" => l.follow_ups.iter().any(|f| f.done.is_none()),
            _ => true,
        })
        .collect();
    let theme_words = |t: &ThemeId| {
        learning
            .theme(t)
            .map_or_else(|| t.to_string(), |t| capitalised(&t.label))
    };
    let group_words = |g: Option<&GroupId>| match g {
        None => "Not forwarded".to_owned(),
        Some(g) => learning
            .group(g)
            .map_or_else(|| g.to_string(), |g| capitalised(&g.label)),
    };
    let all_follow_ups = || shown.iter().flat_map(|l| &l.follow_ups);
    let count = |s: Standing| all_follow_ups().filter(|f| f.standing(today) == s).count();
    let mut grouped: BTreeMap<(usize, String), Heading> = BTreeMap::new();
    for l in &shown {
        // Headings in the policy's own order; anything it no longer names
        // after them.
        let (place, title, id, aside) = if by_group {
            let place = l
                .group
                .as_ref()
                .and_then(|g| learning.forward_to.iter().position(|x| &x.id == g))
                .unwrap_or(usize::MAX);
            (
                place,
                group_words(l.group.as_ref()),
                format!("group-{}", l.group.as_ref().map_or("none", |g| g.as_str())),
                theme_words(&l.theme),
            )
        } else {
            let place = learning
                .themes
                .iter()
                .position(|t| t.id == l.theme)
                .unwrap_or(usize::MAX);
            (
                place,
                theme_words(&l.theme),
                format!("theme-{}", l.theme),
                group_words(l.group.as_ref()),
            )
        };
        let heading = grouped
            .entry((place, title.clone()))
            .or_insert_with(|| Heading {
                title,
                id,
                entries: Vec::new(),
            });
        heading.entries.push(Entry {
            case: l.case.to_string(),
            opens: opens.contains(&l.case),
            recorded: words::day(l.at),
            aside,
            note: l.note.to_string(),
            follow_ups: l
                .follow_ups
                .iter()
                .map(|f| {
                    let (standing, tag) = match f.standing(today) {
                        Standing::Done => ("Done", "govuk-tag--green"),
                        Standing::Overdue => ("Overdue", "govuk-tag--red"),
                        Standing::Due => ("Due", "govuk-tag--blue"),
                    };
                    FollowUpRow {
                        who: format!(
                            "{}, {}",
                            names.person(&f.details.who),
                            names.agency(&f.details.agency)
                        ),
                        what: f.details.what.to_string(),
                        by_when: f.details.by_when.strftime("%-d %B %Y").to_string(),
                        standing,
                        tag,
                        done: f.done.as_ref().map(|(at, note)| match note {
                            Some(note) => format!("{}: {note}", words::day(*at)),
                            None => words::day(*at),
                        }),
                    }
                })
                .collect(),
        });
    }
    let choice = |value: &str, text: String, chosen: &str| Choice {
        selected: value == chosen,
        value: value.to_owned(),
        text,
    };
    let mut groups: Vec<Choice> = learning
        .forward_to
        .iter()
        .filter(|g| reach.reaches(Some(&g.id)))
        .map(|g| choice(g.id.as_str(), capitalised(&g.label), &query.group))
        .collect();
    if *reach == LogReach::All {
        groups.push(choice("none", "Not forwarded".to_owned(), &query.group));
    }
    LogPage {
        chrome: Chrome::new("Learning log", Section::Insight, None),
        reach: match reach {
            LogReach::All => "all the learning recorded on the partnership's cases".to_owned(),
            LogReach::Groups(_) => {
                "the learning forwarded to the groups whose role you hold".to_owned()
            }
        },
        by_group,
        themes: learning
            .themes
            .iter()
            .map(|t| choice(t.id.as_str(), capitalised(&t.label), &query.theme))
            .collect(),
        groups,
        shows: vec![
            choice("open", "With a follow-up not done".to_owned(), &query.show),
            choice(
                "overdue",
                "With a follow-up overdue".to_owned(),
                &query.show,
            ),
        ],
        recorded: shown.len(),
        follow_ups: all_follow_ups().count(),
        done: count(Standing::Done),
        overdue: count(Standing::Overdue),
        headings: grouped.into_values().collect(),
    }
}
