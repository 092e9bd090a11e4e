//! `/retention` (issue 17 §2): the partnership's retention schedule and
//! what it makes due. Its administrators set the schedule; the partnership
//! team, who are told before a case is erased, place and release legal
//! holds. Both read the plan, which names cases by reference only and
//! changes nothing: the job runner erases what falls due, after the notice.

use accord_case::CaseId;
use accord_store::{ChangedBy, PlanEntry, RetentionDue, RetentionError, RetentionSchedule};
use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use super::{
    Chrome, Done, PageError, Section, Viewer,
    extract::{Form, Path, Query},
    form::{Errors, FieldError, Posted, Question},
    html, html_with_status, words,
};
use crate::{ApiError, AppState, access};

/// One closed case in the plan.
struct PlanRow {
    case: String,
    /// Whether the reader may open it (the team; administrators see no
    /// case).
    link: bool,
    closed_on: String,
    due: String,
    rule: String,
    /// The notice given, in words, or empty.
    notice: String,
    /// The hold's reason and who placed it when, if held; its reason only
    /// for the team.
    hold: Option<String>,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
    /// The schedule in words, if one is set.
    schedule: Option<String>,
    /// The schedule's questions, for an administrator.
    set: Vec<Question>,
    /// The legal hold's questions, for the team.
    hold: Vec<Question>,
    rows: Vec<PlanRow>,
    csrf_token: String,
}

fn done_words(done: &str) -> Option<&'static str> {
    Some(match done {
        "schedule" => "The retention schedule is saved",
        "removed" => "The retention schedule is removed: no case will be erased",
        "held" => "The case is held: the schedule will not erase it until the hold is released",
        "released" => "The hold is released: the schedule applies to the case again",
        _ => return None,
    })
}

/// The schedule in words.
pub(crate) fn schedule_words(schedule: &RetentionSchedule) -> String {
    let mut rules = Vec::new();
    if let Some(years) = schedule.years_after_closure {
        rules.push(format!(
            "{years} {} after it closed",
            if years == 1 { "year" } else { "years" }
        ));
    }
    if let Some(age) = schedule.until_birthday {
        rules.push(format!("until the youngest child's {}", ordinal(age)));
    }
    let notice = match schedule.notice_days {
        0 => "The partnership team is told when one is erased.".to_owned(),
        1 => "The partnership team is told 1 day before one is erased.".to_owned(),
        n => format!("The partnership team is told {n} days before one is erased."),
    };
    format!(
        "Each closed case is kept {}{}. {notice}",
        rules.join(" and "),
        if rules.len() > 1 {
            ", whichever is later"
        } else {
            ""
        }
    )
}

/// "18th birthday", "21st birthday", "22nd birthday", "23rd birthday".
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix} birthday")
}

fn forbidden(viewer: &Viewer, message: &str) -> PageError {
    PageError::new(
        ApiError::Forbidden {
            code: "not_for_your_role",
            message: message.to_owned(),
        },
        viewer,
    )
}

fn partnership(viewer: &Viewer) -> String {
    viewer.principal.person.partnership.clone()
}

/// The page, with what was `posted` and the `errors` to fix.
async fn page(
    state: &AppState,
    viewer: &Viewer,
    posted: &Posted,
    errors: &Errors,
    done: Option<&'static str>,
) -> Result<RetentionPage, PageError> {
    let fail = |e: ApiError| PageError::new(e, viewer);
    let store = state.store();
    let partnership = partnership(viewer);
    let schedule = store
        .retention_schedule(&partnership)
        .await
        .map_err(|e| fail(e.into()))?;
    let team = access::may_hold_cases(&viewer.principal.person);
    let names = words::Names::load(state, &partnership)
        .await
        .map_err(fail)?;
    let plan = store
        .retention_plan(&partnership, |at| at.to_zoned_datetime(words::uk()).date())
        .await
        .map_err(|e| fail(e.into()))?;
    let rows = plan.iter().map(|e| plan_row(e, team, &names)).collect();
    let mut set = Vec::new();
    if access::may_set_retention(&viewer.principal.person) {
        let mut shown = posted.clone();
        if let (Some(s), true) = (schedule, posted.get("notice_days").is_empty()) {
            let n = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
            shown.set("years_after_closure", n(s.years_after_closure));
            shown.set("until_birthday", n(s.until_birthday));
            shown.set("notice_days", s.notice_days.to_string());
        } else if posted.get("notice_days").is_empty() && errors.is_empty() {
            shown.set("notice_days", "30");
        }
        set = vec![
            Question::text("years_after_closure", "Years after closure", &shown)
                .hint("Keep each case this many years after it closed or was withdrawn. Leave empty for no such rule.")
                .width("govuk-input--width-3")
                .numeric()
                .checked(errors),
            Question::text("until_birthday", "Until the youngest child's birthday of this age", &shown)
                .hint("For example, 25 keeps a case until the youngest child it is about is 25. Leave empty for no such rule.")
                .width("govuk-input--width-3")
                .numeric()
                .checked(errors),
            Question::text("notice_days", "Days of notice to the partnership team", &shown)
                .hint("How many days before a case is erased the partnership team is emailed, so that they can place a legal hold. From 0 to 365.")
                .width("govuk-input--width-3")
                .numeric()
                .checked(errors),
        ];
    }
    let hold = if team {
        vec![
            Question::text("case", "Case reference", posted)
                .width("govuk-input--width-20")
                .checked(errors),
            Question::textarea("reason", "Why it must be kept", posted)
                .hint(
                    "For example, an ongoing Child Safeguarding Practice Review, or court \
                     proceedings. Only the partnership team reads this.",
                )
                .checked(errors),
        ]
    } else {
        Vec::new()
    };
    let mut chrome = Chrome::new(
        "Retention and legal holds",
        if access::may_set_retention(&viewer.principal.person) {
            Section::Admin
        } else {
            Section::None
        },
        Some(viewer),
    );
    chrome.has_errors = !errors.is_empty();
    Ok(RetentionPage {
        chrome,
        errors: errors.0.clone(),
        done,
        schedule: schedule.as_ref().map(schedule_words),
        set,
        hold,
        rows,
        csrf_token: viewer.csrf_token().to_owned(),
    })
}

fn plan_row(e: &PlanEntry, team: bool, names: &words::Names) -> PlanRow {
    let long = |d: jiff::civil::Date| d.strftime("%-d %B %Y").to_string();
    let (due, rule) = match e.due {
        RetentionDue::On { date, rule } => (long(date), rule.to_string()),
        RetentionDue::NoDateOfBirth => (
            "Not by the schedule".to_owned(),
            "No child on it has a date of birth: the partnership team decides".to_owned(),
        ),
    };
    PlanRow {
        case: e.case.to_string(),
        link: team,
        closed_on: long(e.closed_on),
        due,
        rule,
        notice: e.notice.as_ref().map_or_else(String::new, |n| {
            format!(
                "Told on {}; to be erased on or after {}",
                words::day(n.noticed_at),
                long(n.erase_on)
            )
        }),
        hold: e.hold.as_ref().map(|h| {
            let by = format!(
                "placed by {} on {}",
                names.person(&h.placed_by),
                words::day(h.placed_at)
            );
            if team {
                format!("{} ({by})", h.reason)
            } else {
                format!("A hold {by}: its reason is the partnership team's")
            }
        }),
    }
}

/// `GET /retention`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    if !access::may_see_retention(&viewer.principal.person) {
        return Err(forbidden(
            &viewer,
            "the retention schedule is for the partnership team and administrators",
        ));
    }
    let page = page(
        &state,
        &viewer,
        &Posted::default(),
        &Errors::default(),
        done_words(&done.done),
    )
    .await?;
    Ok(html(&page))
}

/// A rule's years as typed: empty for none.
fn years(posted: &Posted, name: &str, what: &str, e: &mut Errors) -> Option<u32> {
    if posted.get(name).trim().is_empty() {
        return None;
    }
    e.take(
        name,
        posted.number(name, what, RetentionSchedule::MAX_YEARS),
    )
}

/// `POST /retention/schedule`: an administrator sets the schedule, or
/// with `remove` removes it.
pub(crate) async fn set_schedule(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !access::may_set_retention(&viewer.principal.person) {
        return Err(forbidden(
            &viewer,
            "the retention schedule is set by the partnership's administrators",
        ));
    }
    let posted = Posted::from_pairs(pairs);
    let partnership = partnership(&viewer);
    let by = ChangedBy::Person(viewer.principal.person.id.clone());
    let fail = |e: ApiError| PageError::new(e, &viewer);
    if posted.get("remove") == "yes" {
        state
            .store()
            .set_retention_schedule(&partnership, None, state.now(), &by)
            .await
            .map_err(|e| fail(ApiError::Internal(Box::new(e))))?;
        return Ok(Redirect::to("/retention?done=removed").into_response());
    }
    let mut e = Errors::default();
    let years_after_closure = years(
        &posted,
        "years_after_closure",
        "the years after closure",
        &mut e,
    );
    let until_birthday = years(&posted, "until_birthday", "the birthday's age", &mut e);
    let notice = posted.get("notice_days").trim();
    let notice_days = match notice.parse::<u32>() {
        Ok(n) if n <= 365 => Some(n),
        Ok(_) => {
            e.add("notice_days", "The days of notice must be from 0 to 365");
            None
        }
        Err(_) if notice.is_empty() => {
            e.add(
                "notice_days",
                "Enter how many days of notice the partnership team has, from 0 to 365",
            );
            None
        }
        Err(_) => {
            e.add(
                "notice_days",
                "The days of notice must be a whole number, like 30",
            );
            None
        }
    };
    if e.is_empty() && years_after_closure.is_none() && until_birthday.is_none() {
        e.add(
            "years_after_closure",
            "Enter the years after closure, the birthday's age, or both",
        );
    }
    if let (true, Some(notice_days)) = (e.is_empty(), notice_days) {
        let schedule = RetentionSchedule {
            years_after_closure,
            until_birthday,
            notice_days,
        };
        match state
            .store()
            .set_retention_schedule(&partnership, Some(schedule), state.now(), &by)
            .await
        {
            Ok(()) => {
                tracing::info!("an administrator set the retention schedule");
                return Ok(Redirect::to("/retention?done=schedule").into_response());
            }
            Err(RetentionError::Invalid(problem)) => e.add("years_after_closure", problem),
            Err(other) => return Err(fail(ApiError::Internal(Box::new(other)))),
        }
    }
    let page = page(&state, &viewer, &posted, &e, None).await?;
    Ok(html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The most characters of a hold's reason.
const MOST_REASON: usize = 2_000;

/// `POST /retention/holds`: the team places a legal hold on a closed or
/// open case of the partnership, with its reason.
pub(crate) async fn place_hold(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !access::may_hold_cases(&viewer.principal.person) {
        return Err(forbidden(
            &viewer,
            "legal holds are placed by the partnership team",
        ));
    }
    let posted = Posted::from_pairs(pairs);
    let partnership = partnership(&viewer);
    let fail = |e: ApiError| PageError::new(e, &viewer);
    let mut e = Errors::default();
    let typed = posted.get("case").trim().to_owned();
    let case = if typed.is_empty() {
        e.add("case", "Enter the reference of the case to hold");
        None
    } else {
        let mut found = None;
        // References are written in capitals; one typed in small letters
        // is the same case.
        for tried in [typed.clone(), typed.to_uppercase()] {
            let Ok(id) = CaseId::parse(&tried) else {
                continue;
            };
            if state
                .store()
                .register_entry(&id, &partnership)
                .await
                .map_err(|e| fail(e.into()))?
                .is_some()
            {
                found = Some(id);
                break;
            }
        }
        if found.is_none() {
            e.add(
                "case",
                format!(
                    "Your partnership has no case \u{201c}{typed}\u{201d}: enter its reference as the case shows it"
                ),
            );
        }
        found
    };
    let reason = posted.get("reason").trim().replace("\r\n", "\n");
    if reason.is_empty() {
        e.add(
            "reason",
            "Enter why the case must be kept, such as the review or proceedings it is needed for",
        );
    } else if reason.chars().count() > MOST_REASON {
        e.add(
            "reason",
            format!(
                "The reason must be {} characters or fewer; it has {}",
                words::thousands(MOST_REASON),
                words::thousands(reason.chars().count())
            ),
        );
    }
    if let (true, Some(case)) = (e.is_empty(), case.as_ref()) {
        let placed = state
            .store()
            .place_legal_hold(
                case,
                &partnership,
                &reason,
                &viewer.principal.person.id,
                state.now(),
            )
            .await
            .map_err(|e| fail(e.into()))?;
        if placed {
            return Ok(Redirect::to("/retention?done=held").into_response());
        }
        e.add(
            "case",
            format!("{case} is held already: release its hold first to give another reason"),
        );
    }
    let page = page(&state, &viewer, &posted, &e, None).await?;
    Ok(html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// `POST /retention/holds/{case}/release`: the team releases a hold.
pub(crate) async fn release_hold(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(case): Path<String>,
) -> Result<Response, PageError> {
    if !access::may_hold_cases(&viewer.principal.person) {
        return Err(forbidden(
            &viewer,
            "legal holds are released by the partnership team",
        ));
    }
    let partnership = partnership(&viewer);
    let fail = |e: ApiError| PageError::new(e, &viewer);
    let not_found = || {
        fail(ApiError::NotFound {
            code: "no_such_hold",
            message: "there is no legal hold on that case".to_owned(),
        })
    };
    let id = CaseId::parse(&case).map_err(|_| not_found())?;
    if state
        .store()
        .register_entry(&id, &partnership)
        .await
        .map_err(|e| fail(e.into()))?
        .is_none()
    {
        return Err(not_found());
    }
    let by = ChangedBy::Person(viewer.principal.person.id.clone());
    let released = state
        .store()
        .release_legal_hold(&id, &partnership, state.now(), &by)
        .await
        .map_err(|e| fail(e.into()))?;
    if !released {
        return Err(not_found());
    }
    Ok(Redirect::to("/retention?done=released").into_response())
}
