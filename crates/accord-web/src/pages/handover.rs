//! Handing a leaver's open work to someone else (issue 13 §3, "Leavers"),
//! for a partnership's administrators: `/admin/people/{id}/handover`.
//! Disabling someone leads here. The page lists every case that is not
//! closed where the case gives them work by name (the raiser's part, the
//! other agency's named professional, actions not yet done, panel seats:
//! `Case::open_work_of`), each piece with who may take it on, and the
//! stages only they lead by role, which an administrator mends by giving
//! someone else the role. Each handover is the engine's
//! `Command::HandOver`, recorded on the case as its chronology shows.
//!
//! Administrators see no case content: the page names a case by its
//! reference, stage, agencies and due date, and an action by its due
//! date, never what is disputed or whom it is about. The people offered
//! for each piece are those the engine would accept (asked, not guessed),
//! so a stale or altered form is the only way to meet a refusal, which is
//! put in words in the page's error summary.

use accord_case::{Case, Command, Context, DirectoryEntry, OpenWork, Refusal, Text};
use accord_policy::{Policy, RoleTier};
use accord_store::{Person, RegisterEntry};
use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use super::{
    Chrome, Done, PageError, Viewer,
    admin::{Admin, admin},
    extract::{Form, Path, Query},
    form::{Choice, Errors, Posted, Question},
    html_with_status, words,
};
use crate::{ApiError, AppState};

/// The piece `key` names ([`OpenWork::key`]), while `person` holds it.
fn parse_work(key: &str, case: &Case, person: &Person) -> Option<OpenWork> {
    OpenWork::from_key(key).filter(|w| case.open_work_of(&person.id).contains(w))
}

/// One piece of open work, with its question.
struct PieceRow {
    /// What it is, in words.
    what: String,
    /// The piece's key.
    work: String,
    /// "Who takes it on".
    to: Question,
    /// "Why".
    why: Question,
    /// Nobody may take it on: the words say what to do instead.
    nobody: Option<String>,
}

/// One case with open work.
struct CaseRow {
    reference: String,
    stage: String,
    parties: String,
    due: String,
    pieces: Vec<PieceRow>,
    /// The roles leading its stage that only the leaver held, in words.
    sole_lead: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_handover.html")]
struct HandoverPage {
    chrome: Chrome,
    errors: Vec<super::form::FieldError>,
    id: String,
    name: String,
    disabled: bool,
    cases: Vec<CaseRow>,
    csrf_token: String,
    done: Option<&'static str>,
}

fn done_words(done: &str) -> Option<&'static str> {
    Some(match done {
        "disabled" => {
            "Their account is disabled, and they are taken out of every list of people to choose \
             from. Hand over their open work below"
        }
        "handed-over" => "The work is handed over, and the handover is recorded on the case",
        _ => return None,
    })
}

/// The field names of a piece's questions: unique on the page, so that
/// the error summary links to the right one.
fn field(prefix: &str, case: &str, work: &str) -> String {
    format!("{prefix}-{case}-{work}")
}

/// The people the engine would let take `work` over from `leaver` on
/// `case`: working now, and of the agency and role the piece needs.
fn successors<'p>(
    people: &'p [Person],
    disabled: &[accord_case::PersonId],
    case: &Case,
    (policy, calendar): (&Policy, &accord_calendar::Calendar),
    leaver: &Person,
    work: OpenWork,
    by: &Context,
) -> Vec<&'p Person> {
    people
        .iter()
        .filter(|p| p.id != leaver.id && p.tier != RoleTier::Admin && !disabled.contains(&p.id))
        .filter(|p| {
            let command = hand_over(leaver, p, work, "who may take it on");
            let ctx = Context {
                people: vec![DirectoryEntry {
                    person: p.actor(),
                    active: true,
                }],
                ..by.clone()
            };
            case.decide(policy, calendar, command, &ctx).is_ok()
        })
        .collect()
}

fn hand_over(from: &Person, to: &Person, work: OpenWork, reason: &str) -> Command {
    Command::HandOver {
        from: from.id.clone(),
        to: to.id.clone(),
        work,
        reason: Text::parse(reason).expect("a reason the page writes is text"),
    }
}

async fn page(
    state: &AppState,
    a: &Admin<'_>,
    leaver: &Person,
    posted: Option<(&str, &Posted)>,
    errors: &Errors,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let store = state.store();
    let now = state.now();
    let disabled = store
        .disabled_people(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?;
    let work = store.open_work_of(leaver).await.map_err(|e| a.fail(e))?;
    let by = Context::new(now, a.viewer.principal.person.actor());
    let mut cases = Vec::new();
    for w in work {
        let Some(case) = store
            .load_case(&w.entry.case)
            .await
            .map_err(|e| a.fail(e))?
        else {
            continue;
        };
        let (policy, calendar) = state.policy_of(&case).await.map_err(|e| a.fail(e))?;
        let reference = case.id().to_string();
        let mut pieces = Vec::new();
        for piece in w.work {
            let key = piece.key();
            let empty = Posted::default();
            let shown = posted
                .filter(|(c, _)| *c == format!("{reference}/{key}"))
                .map_or(&empty, |(_, p)| p);
            let to_name = field("to", &reference, &key);
            let why_name = field("why", &reference, &key);
            let people = successors(
                &a.people,
                &disabled,
                &case,
                (&policy, calendar),
                leaver,
                piece,
                &by,
            );
            let mut options = vec![Choice::new("", "Choose who takes it on")];
            options.extend(people.iter().map(|p| {
                Choice::new(
                    p.id.to_string(),
                    format!(
                        "{}, {}",
                        p.name,
                        if p.job_title.is_empty() {
                            a.agency_name(&p.agency)
                        } else {
                            format!("{}, {}", p.job_title, a.agency_name(&p.agency))
                        }
                    ),
                )
            }));
            pieces.push(PieceRow {
                what: super::capitalised(&piece_words(&case, piece)),
                work: key,
                nobody: people.is_empty().then(|| nobody_words(&case, piece, a)),
                to: Question::select(&to_name, "Who takes it on", options, shown).checked(errors),
                why: Question::text(&why_name, "Why", shown)
                    .hint("For example, left the service on 31 March")
                    .checked(errors),
            });
        }
        cases.push(CaseRow {
            stage: super::stage_words(w.entry.stage, &w.entry.stage_name),
            parties: parties(a, &w.entry),
            due: match w.entry.due {
                Some(d) => format!("Due by the end of {}", words::due_day(d)),
                None => "As soon as possible".to_owned(),
            },
            sole_lead: w
                .sole_lead
                .iter()
                .map(|r| {
                    format!(
                        "Nobody else working in {} is a {}, which leads {} of this case. Give \
                         someone that role on their page in People and roles.",
                        a.agency_name(&leaver.agency),
                        words::role(&policy, r),
                        format_args!("Stage {}", w.entry.stage)
                    )
                })
                .collect(),
            reference,
            pieces,
        });
    }
    let mut chrome = a.chrome(format!("Hand over {}'s open work", leaver.name), errors);
    chrome.has_errors = !errors.is_empty();
    let page = HandoverPage {
        chrome,
        errors: errors.0.clone(),
        id: leaver.id.to_string(),
        name: leaver.name.clone(),
        disabled: disabled.contains(&leaver.id),
        cases,
        csrf_token: a.viewer.csrf_token().to_owned(),
        done,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html_with_status(status, &page))
}

fn parties(a: &Admin<'_>, entry: &RegisterEntry) -> String {
    format!(
        "{} to {}",
        a.agency_name(&entry.raising_agency),
        a.agency_name(&entry.other_agency)
    )
}

/// A piece in words an administrator may read: never the action's words,
/// which are case content, only when it is due.
fn piece_words(case: &Case, work: OpenWork) -> String {
    match work {
        OpenWork::Action { action } => match case.actions().iter().find(|x| x.sequence == action) {
            Some(found) => format!(
                "an action, not yet done, due by {}",
                jiff::fmt::strtime::format("%-d %B %Y", found.details.by_when)
                    .unwrap_or_else(|_| found.details.by_when.to_string())
            ),
            None => words::open_work(work),
        },
        work => words::open_work(work),
    }
}

/// What to do when nobody may take a piece on.
fn nobody_words(case: &Case, work: OpenWork, a: &Admin<'_>) -> String {
    let agency = match work {
        OpenWork::Raiser => a.agency_name(&case.raised_by().agency),
        OpenWork::OtherProfessional => a.agency_name(case.other_agency()),
        OpenWork::Action { .. } => "either agency in the disagreement".to_owned(),
        OpenWork::PanelSeat => "the seat's agency with a role the panel seats".to_owned(),
    };
    format!(
        "Nobody working in {agency} can take this on. Add them, or enable their account, in \
         People and roles first."
    )
}

/// `GET /admin/people/{id}/handover`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let leaver = a
        .people
        .iter()
        .find(|p| p.id.as_str() == id)
        .ok_or_else(|| a.fail(super::no_such_page()))?;
    page(
        &state,
        &a,
        leaver,
        None,
        &Errors::default(),
        done_words(&done.done),
    )
    .await
}

/// `POST /admin/people/{id}/handover`: one piece of one case, to one
/// person, with why.
pub(crate) async fn hand(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let leaver = a
        .people
        .iter()
        .find(|p| p.id.as_str() == id)
        .ok_or_else(|| a.fail(super::no_such_page()))?;
    let posted = Posted::from_pairs(pairs);
    let store = state.store();
    // The case must be one of this partnership's; any other reads as a
    // page that does not exist, as a case someone may not see does.
    let case_id = accord_case::CaseId::parse(posted.get("case"))
        .map_err(|_| a.fail(super::no_such_page()))?;
    if store
        .register_entry(&case_id, &a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?
        .is_none()
    {
        return Err(a.fail(super::no_such_page()));
    }
    let Some(case) = store.load_case(&case_id).await.map_err(|e| a.fail(e))? else {
        return Err(a.fail(super::no_such_page()));
    };
    let key = posted.get("work").to_owned();
    let reference = case_id.to_string();
    let to_field = field("to", &reference, &key);
    let why_field = field("why", &reference, &key);
    let mut errors = Errors::default();
    let Some(work) = parse_work(&key, &case, leaver) else {
        errors.add(
            &to_field,
            format!(
                "{} no longer holds this work on case {reference}: it is done or handed over \
                 already",
                leaver.name
            ),
        );
        return page(&state, &a, leaver, None, &errors, None).await;
    };
    let to = a
        .people
        .iter()
        .find(|p| p.id.as_str() == posted.get(&to_field));
    if to.is_none() {
        errors.add(&to_field, "Choose who takes it on");
    }
    let why = errors.take(
        &why_field,
        posted.text(&why_field, "Enter why it is handed over"),
    );
    let (Some(to), Some(why), true) = (to, why, errors.is_empty()) else {
        return page(
            &state,
            &a,
            leaver,
            Some((&format!("{reference}/{key}"), &posted)),
            &errors,
            None,
        )
        .await;
    };
    let (policy, calendar) = state.policy_of(&case).await.map_err(|e| a.fail(e))?;
    let ctx = Context {
        people: vec![DirectoryEntry {
            person: to.actor(),
            active: !store
                .account_disabled(&to.id)
                .await
                .map_err(|e| a.fail(e))?,
        }],
        ..Context::new(state.now(), viewer.principal.person.actor())
    };
    let command = Command::HandOver {
        from: leaver.id.clone(),
        to: to.id.clone(),
        work,
        reason: why,
    };
    let events = match case.decide(&policy, calendar, command, &ctx) {
        Ok(events) => events,
        Err(refusal) => {
            errors.add(&to_field, refusal_words(&refusal, to, &a));
            return page(
                &state,
                &a,
                leaver,
                Some((&format!("{reference}/{key}"), &posted)),
                &errors,
                None,
            )
            .await;
        }
    };
    match store.append(Some(case.version()), &events).await {
        Ok(_) => {}
        Err(accord_store::AppendError::Conflict(_)) => {
            errors.add(
                &to_field,
                format!(
                    "Case {reference} changed while you were choosing: check its open work \
                     below and hand it over again"
                ),
            );
            return page(&state, &a, leaver, None, &errors, None).await;
        }
        Err(e) => return Err(a.fail(ApiError::from(e))),
    }
    tracing::info!("an administrator handed over a leaver's open work");
    Ok(Redirect::to(&format!("/admin/people/{id}/handover?done=handed-over")).into_response())
}

/// A refusal of a handover, in the page's words.
fn refusal_words(refusal: &Refusal, to: &Person, a: &Admin<'_>) -> String {
    match refusal {
        Refusal::SuccessorInactive { .. } => format!(
            "{} can no longer sign in, so cannot take this on: choose someone working now",
            to.name
        ),
        Refusal::SuccessorIsAdministrator { .. } => format!(
            "{} is an administrator, and administrators take no part in cases: choose someone \
             who works on them",
            to.name
        ),
        Refusal::SuccessorNotOfAgency { needed, .. } => format!(
            "{} works for {}, but this work belongs to {}: choose someone there",
            to.name,
            a.agency_name(&to.agency),
            a.agency_name(needed)
        ),
        Refusal::ActionOwnerNotInvolved { .. } => format!(
            "{} works for neither agency in this disagreement nor the partnership's team: choose \
             someone who does",
            to.name
        ),
        Refusal::NotAPanelSeat { seats, .. } => format!(
            "{} cannot sit on the Resolution Panel: its seats are for {}",
            to.name,
            seats.join(" or ")
        ),
        Refusal::HandOverToSamePerson { .. } => {
            "They hold this work already: choose someone else".to_owned()
        }
        other => super::sentence(&other.to_string())
            .trim_end_matches('.')
            .to_owned(),
    }
}
