//! My work: what the signed-in person should look at first. The cases
//! awaiting them (whose current stage their role leads on their agency's
//! side, or decides, or asks them to complete a section of its form, or
//! that they are personally working on), the
//! deadlines in the next five working days with the overdue first, and the
//! latest notifications Accord has shown them (see `notifications`), and
//! the learning follow-ups they own that are not done (issue 15 §2).
//! Every case here is one the access rules let them see; the same choice
//! of cases makes their calendar feed (see `calendar_feed`).

use accord_policy::RoleRef;
use accord_store::{Person, RegisterEntry};
use askama::Template;
use axum::{extract::State, response::Response};
use jiff::Timestamp;

use super::{Chrome, PageError, Section, Viewer, html, words};
use crate::{
    AppState,
    api::register::{due_soon, overdue, visible},
};

/// How many notifications My work lists.
const NOTIFICATIONS: u32 = 5;

/// One case, as a row of My work.
pub(crate) struct CaseRow {
    /// Its id, for the link.
    pub(crate) id: String,
    /// Its current stage: "Stage 2: Line manager".
    pub(crate) stage: String,
    /// The agencies in disagreement, by name: "School to Children's Social Care".
    pub(crate) parties: String,
    /// When it is due, in words, or "As soon as possible".
    pub(crate) due: String,
    /// Whether that has passed.
    pub(crate) overdue: bool,
}

/// One notification, as My work lists it.
pub(crate) struct NoticeRow {
    /// The case it is about.
    pub(crate) case: String,
    /// What happened, in the app's words (its subject line, for one
    /// written before Accord kept them).
    pub(crate) what: String,
    /// When Accord showed it.
    pub(crate) when: String,
    /// Whether its reader has not marked it read.
    pub(crate) unread: bool,
}

/// A learning follow-up someone owns, as My work lists it.
pub(crate) struct FollowUpRow {
    /// The case whose learning it follows up.
    pub(crate) case: String,
    /// What is to be done.
    pub(crate) what: String,
    /// By when, in words.
    pub(crate) due: String,
    /// Whether its last day has passed.
    pub(crate) overdue: bool,
}

#[derive(Template)]
#[template(path = "my_work.html")]
struct MyWorkPage {
    chrome: Chrome,
    name: String,
    awaiting: Vec<CaseRow>,
    deadlines: Vec<CaseRow>,
    follow_ups: Vec<FollowUpRow>,
    notices: Vec<NoticeRow>,
    /// Whether they answer subject access requests and hold cases: the
    /// partnership team.
    records: bool,
}

/// The learning follow-ups `person` owns that are not done, soonest due
/// first, as of `today`. What each asks is read from its case.
async fn follow_up_rows(
    state: &AppState,
    person: &Person,
    today: jiff::civil::Date,
) -> Result<Vec<FollowUpRow>, crate::ApiError> {
    let mut rows = Vec::new();
    for entry in state.store().open_follow_ups_of(&person.id).await? {
        let what = state
            .store()
            .load_case(&entry.case)
            .await?
            .and_then(|case| {
                case.follow_up(entry.follow_up)
                    .map(|(_, f)| f.details.what.to_string())
            })
            .unwrap_or_default();
        let day = entry.due_on.strftime("%A %-d %B %Y");
        let overdue = entry.due_on < today;
        rows.push(FollowUpRow {
            case: entry.case.to_string(),
            what,
            due: if overdue {
                format!("Was due by the end of {day}")
            } else {
                format!("Due by the end of {day}")
            },
            overdue,
        });
    }
    Ok(rows)
}

/// Whether the current stage of `entry` waits on `person`: their tier or
/// declared role leads their agency's side, or decides, or they are
/// personally involved in it now and the stage is led by a relation to
/// the case (the raiser, the stage's leads).
fn awaits(person: &Person, entry: &RegisterEntry) -> bool {
    let leads = &entry.leads;
    let mut roles: Vec<&RoleRef> = leads.decides.iter().collect();
    if person.agency == entry.raising_agency {
        roles.extend(&leads.raising);
    }
    if person.agency == entry.other_agency {
        roles.extend(&leads.other);
    }
    let involved = entry.involvement.people.contains(&person.id);
    // A section of a form the stage needs that their role completes
    // (Sutton Appendix 1: the Safeguarding Advisor signs at Stage 2).
    let asked = entry
        .involvement
        .acting
        .iter()
        .any(|role| !matches!(role, RoleRef::Relation(_)) && person.holds(role));
    asked
        || roles.iter().any(|role| match role {
            RoleRef::Relation(_) => involved,
            role => person.holds(role),
        })
}

/// Whether `entry`, a case `person` may see, is one of theirs for their
/// calendar: open, and awaiting them, in their deadlines on My work, or
/// one they are personally involved in.
pub(crate) fn in_calendar_of(
    state: &AppState,
    person: &Person,
    entry: &RegisterEntry,
    now: Timestamp,
) -> bool {
    entry.status == accord_case::Status::Open
        && (awaits(person, entry)
            || entry.involvement.people.contains(&person.id)
            || due_soon(state, entry, now))
}

fn row(entry: &RegisterEntry, names: &words::Names, now: Timestamp) -> CaseRow {
    CaseRow {
        id: entry.case.to_string(),
        stage: super::stage_words(entry.stage, &entry.stage_name),
        parties: format!(
            "{} to {}",
            names.agency(&entry.raising_agency),
            names.agency(&entry.other_agency)
        ),
        // A resolved case waits only for its closure: the stage's old
        // deadline is no longer anyone's to meet.
        due: match entry.due {
            _ if entry.status == accord_case::Status::Resolved => {
                "Resolved, awaiting closure".to_owned()
            }
            None => "As soon as possible".to_owned(),
            Some(d) if overdue(entry, now) => {
                format!("Was due by the end of {}", words::due_day(d))
            }
            Some(d) => format!("Due by the end of {}", words::due_day(d)),
        },
        overdue: overdue(entry, now),
    }
}

/// My work.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let principal = &viewer.principal;
    let now = state.now();
    let fail = |e| PageError::new(e, &viewer);
    let entries = visible(&state, principal, now).await.map_err(fail)?;
    let names = words::Names::load(&state, principal.partnership())
        .await
        .map_err(fail)?;
    let person = &principal.person;
    let awaiting = entries
        .iter()
        .filter(|e| awaits(person, e))
        .map(|e| row(e, &names, now))
        .collect();
    let deadlines = entries
        .iter()
        .filter(|e| e.status == accord_case::Status::Open && due_soon(&state, e, now))
        .map(|e| row(e, &names, now))
        .collect();
    let today = now.to_zoned_datetime(words::uk()).date();
    let follow_ups = follow_up_rows(&state, person, today).await.map_err(fail)?;
    let notices = state
        .store()
        .notifications_for(&person.id, NOTIFICATIONS)
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .map(|n| NoticeRow {
            case: n.case.map(|c| c.to_string()).unwrap_or_default(),
            what: n.notice.map_or(n.subject, |words| words.happened),
            when: words::when(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(html(&MyWorkPage {
        chrome: Chrome::new("My work", Section::MyWork, Some(&viewer)),
        name: person.name.clone(),
        awaiting,
        deadlines,
        follow_ups,
        notices,
        records: crate::access::may_answer_subject_access(person),
    }))
}
