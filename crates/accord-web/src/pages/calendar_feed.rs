//! Your deadlines in a calendar app: a private iCalendar feed (RFC 5545)
//! that Outlook, Google Calendar and the rest subscribe to.
//!
//! `GET /calendar-feed` says whether the signed-in person has a feed and
//! since when; `POST /calendar-feed` makes one (replacing any before) and
//! shows its address, the only time it is shown, since the store keeps
//! only the token's hash; `POST /calendar-feed/revoke` turns it off.
//!
//! `GET /calendar/{token}` (or `{token}.ics`) is the feed itself, read by a
//! calendar app with no session: the secret in the address is the only
//! key, so anything but a live feed of an account that may sign in is
//! answered as a page that does not exist. It lists every open deadline
//! (the stage's own and its forms') of the cases that person's My work
//! would list as awaiting them or due, and of those they are personally
//! involved in, asking the access rules of each exactly as My work does.
//! It also lists the learning follow-ups they own that are not done, each
//! on its last day (issue 15 §2).
//! Each event names its case by reference and the stage or form due,
//! never a child: a calendar is read on a phone's lock screen and often
//! shared. The request log names the route, never the token.

use std::collections::HashMap;

use super::extract::{Path, Query};
use accord_calendar::Due;
use accord_case::CaseId;
use accord_store::{DeadlineEntry, FollowUpEntry, Person, RegisterEntry};
use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Redirect, Response},
};

use jiff::Timestamp;

use super::{Chrome, Done, PageError, Section, Viewer, html, my_work, no_such_page, words};
use crate::{ApiError, AppState, api::register::visible_to};

#[derive(Template)]
#[template(path = "calendar_feed.html")]
struct FeedPage {
    chrome: Chrome,
    /// When their feed was made, in words, if they have one.
    since: Option<String>,
    /// The address of the feed just made: shown this once.
    new_url: Option<String>,
    csrf_token: String,
    done: Option<&'static str>,
}

fn done_words(done: &str) -> Option<&'static str> {
    Some(match done {
        "revoked" => {
            "Your calendar address is turned off: calendars using it get no more deadlines"
        }
        _ => return None,
    })
}

/// The address people reach Accord at: the one it was told
/// ([`AppState::with_base_url`]), else the request's own host, over HTTPS
/// where the session cookie is `Secure` (served behind TLS).
pub(crate) fn base_url(state: &AppState, uri: &Uri, headers: &HeaderMap) -> String {
    if let Some(base) = state.base_url() {
        return base.to_owned();
    }
    let host = uri
        .authority()
        .map(|a| a.as_str())
        .or_else(|| headers.get(header::HOST).and_then(|v| v.to_str().ok()))
        .filter(|h| plain_host(h))
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// Whether `host` is a host name or address with an optional port, and
/// nothing else (no user, path or markup).
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']'))
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    new_url: Option<String>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let since = state
        .store()
        .calendar_feed_since(viewer.principal.id())
        .await
        .map_err(|e| PageError::new(e.into(), viewer))?;
    Ok(html(&FeedPage {
        chrome: Chrome::new(
            "Your deadlines in Outlook or Google Calendar",
            Section::MyWork,
            Some(viewer),
        ),
        since: since.map(words::when),
        new_url,
        csrf_token: viewer.csrf_token().to_owned(),
        done,
    }))
}

/// `GET /calendar-feed`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    page(&state, &viewer, None, done_words(&done.done)).await
}

/// `POST /calendar-feed`: a new feed, replacing any before, shown once.
pub(crate) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let token = state
        .store()
        .new_calendar_feed(viewer.principal.id(), state.now())
        .await
        .map_err(|e| PageError::new(e.into(), &viewer))?;
    tracing::info!("someone made a calendar feed");
    let url = format!("{}/calendar/{token}.ics", base_url(&state, &uri, &headers));
    page(
        &state,
        &viewer,
        Some(url),
        Some("Your calendar address is ready: copy it into your calendar app now"),
    )
    .await
}

/// `POST /calendar-feed/revoke`: turns the feed off.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    state
        .store()
        .revoke_calendar_feed(viewer.principal.id())
        .await
        .map_err(|e| PageError::new(e.into(), &viewer))?;
    tracing::info!("someone turned off their calendar feed");
    Ok(Redirect::to("/calendar-feed?done=revoked").into_response())
}

/// `GET /calendar/{token}`: the feed, as `text/calendar`.
pub(crate) async fn feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&state, &uri, &headers);
    match calendar(&state, &token, &base).await {
        Ok(Some(body)) => {
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(None) => PageError::from(no_such_page()).into_response(),
        Err(error) => PageError::from(error).into_response(),
    }
}

/// The feed `token` opens, as iCalendar text; `None` if it opens none, or
/// its person may not sign in (their account is disabled, or they have
/// yet to set up the second factor their partnership requires).
async fn calendar(state: &AppState, token: &str, base: &str) -> Result<Option<String>, ApiError> {
    let token = token.strip_suffix(".ics").unwrap_or(token);
    if token.is_empty() || token.len() > 128 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let store = state.store();
    let Some(id) = store.calendar_feed_owner(token).await? else {
        return Ok(None);
    };
    let Some(person) = store.person(&id).await? else {
        return Ok(None);
    };
    let disabled = store
        .account_states(&person.partnership)
        .await?
        .iter()
        .any(|s| s.person == person.id && s.disabled);
    if disabled || store.second_factor_standing(&person).await?.must_enrol() {
        return Ok(None);
    }
    let now = state.now();
    let events = events(state, &person, now, base).await?;
    Ok(Some(ics::calendar(&events, now)))
}

/// The events of `person`'s feed at `now`, soonest first.
async fn events(
    state: &AppState,
    person: &Person,
    now: Timestamp,
    base: &str,
) -> Result<Vec<ics::Event>, ApiError> {
    let entries = visible_to(state, person, now).await?;
    let theirs: HashMap<&CaseId, &RegisterEntry> = entries
        .iter()
        .filter(|e| my_work::in_calendar_of(state, person, e, now))
        .map(|e| (&e.case, e))
        .collect();
    let mut events: Vec<ics::Event> = state
        .store()
        .deadlines_before(Timestamp::MAX)
        .await?
        .iter()
        .filter_map(|d| Some(event(state, theirs.get(&d.case)?, d, base)))
        .collect();
    // The learning follow-ups they own (issue 15 §2), each on its last day.
    events.extend(
        state
            .store()
            .open_follow_ups_of(&person.id)
            .await?
            .iter()
            .map(|f| follow_up_event(f, now, base)),
    );
    events.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.uid.cmp(&b.uid)));
    Ok(events)
}

/// The event of learning follow-up `f`, on its last day.
fn follow_up_event(f: &FollowUpEntry, now: Timestamp, base: &str) -> ics::Event {
    let case = &f.case;
    let link = format!("{base}/cases/{case}");
    let overdue = f.due_on < now.to_zoned_datetime(words::uk()).date();
    let day = f.due_on.strftime("%A %-d %B %Y");
    ics::Event {
        uid: format!("{case}-follow-up-{}@accord", f.follow_up),
        date: f.due_on,
        summary: if overdue {
            format!("{case}: learning follow-up overdue")
        } else {
            format!("{case}: learning follow-up due")
        },
        description: format!(
            "A follow-up you own of the learning from the disagreement {case} is due by the end \
             of {day}.\n\nOpen the case: {link}\n\nThis event names the case by its reference \
             only. Sign in to Accord to read it."
        ),
        url: link,
    }
}

/// The event of deadline `d` on the case of `entry`.
fn event(state: &AppState, entry: &RegisterEntry, d: &DeadlineEntry, base: &str) -> ics::Event {
    let case = &entry.case;
    let policies = state.policies();
    let policy = policies
        .iter()
        .find(|p| p.id == entry.policy && p.version == entry.policy_version);
    let stage_name = policy
        .and_then(|p| p.track(&entry.track))
        .and_then(|t| t.stage(d.stage))
        .map(|s| super::stage_words(d.stage, &s.name))
        .unwrap_or_else(|| format!("Stage {}", d.stage));
    let (what, long) = match &d.form {
        Some(form) => {
            let title = policy
                .and_then(|p| p.form(form))
                .map_or_else(|| form.to_string(), |f| f.title.clone());
            let long = format!("The {title} for {stage_name}");
            (title, long)
        }
        None => (format!("Stage {}", d.stage), stage_name),
    };
    let by = words::due(&Due::At {
        instant: d.due,
        last_day: d.last_day,
    });
    let link = format!("{base}/cases/{case}");
    let overdue = if d.breached {
        " It has passed, and the breach is on the case's record."
    } else {
        ""
    };
    ics::Event {
        uid: format!(
            "{case}-{}-{}@accord",
            d.form
                .as_ref()
                .map_or_else(|| format!("stage-{}", d.stage), |f| f.to_string()),
            d.due.as_microsecond()
        ),
        date: d.last_day,
        summary: if d.breached {
            format!("{case}: {what} overdue")
        } else {
            format!("{case}: {what} due")
        },
        description: format!(
            "{long} on the disagreement {case} is due {by}.{overdue}\n\nOpen the case: {link}\n\n\
             This event names the case by its reference only. Sign in to Accord to read it."
        ),
        url: link,
    }
}

/// Writing iCalendar (RFC 5545): content lines ending in CRLF and folded
/// at 75 octets, TEXT values escaped.
pub(crate) mod ics {
    use jiff::{Timestamp, civil::Date};

    /// One all-day event.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) struct Event {
        /// Its unique id, stable while the deadline stands.
        pub(crate) uid: String,
        /// Its day.
        pub(crate) date: Date,
        /// Its title.
        pub(crate) summary: String,
        /// Its notes, as plain text.
        pub(crate) description: String,
        /// The page it is about.
        pub(crate) url: String,
    }

    /// `text` as a TEXT value: backslashes, semicolons, commas and line
    /// breaks escaped, other control characters (which TEXT may not hold)
    /// left out.
    pub(crate) fn escape(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                ';' => out.push_str("\\;"),
                ',' => out.push_str("\\,"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push('\t'),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
        out
    }

    /// `line` as a content line: folded so that no line is longer than 75
    /// octets (never inside a character), each ending in CRLF.
    pub(crate) fn fold(line: &str) -> String {
        let mut out = String::with_capacity(line.len() + 8);
        let mut octets = 0;
        for c in line.chars() {
            let n = c.len_utf8();
            if octets + n > 75 {
                out.push_str("\r\n ");
                octets = 1;
            }
            out.push(c);
            octets += n;
        }
        out.push_str("\r\n");
        out
    }

    fn date(d: Date) -> String {
        d.strftime("%Y%m%d").to_string()
    }

    /// The calendar of `events`, stamped `now`.
    pub(crate) fn calendar(events: &[Event], now: Timestamp) -> String {
        let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
        let mut lines: Vec<String> = vec![
            "BEGIN:VCALENDAR".into(),
            "VERSION:2.0".into(),
            "PRODID:-//Accord//Deadlines//EN".into(),
            "CALSCALE:GREGORIAN".into(),
            "METHOD:PUBLISH".into(),
            "NAME:Accord deadlines".into(),
            "X-WR-CALNAME:Accord deadlines".into(),
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H".into(),
            "X-PUBLISHED-TTL:PT1H".into(),
        ];
        for e in events {
            let next = e.date.tomorrow().unwrap_or(e.date);
            lines.extend([
                "BEGIN:VEVENT".to_owned(),
                format!("UID:{}", escape(&e.uid)),
                format!("DTSTAMP:{stamp}"),
                format!("DTSTART;VALUE=DATE:{}", date(e.date)),
                format!("DTEND;VALUE=DATE:{}", date(next)),
                format!("SUMMARY:{}", escape(&e.summary)),
                format!("DESCRIPTION:{}", escape(&e.description)),
                format!("URL;VALUE=URI:{}", e.url),
                "TRANSP:TRANSPARENT".to_owned(),
                "END:VEVENT".to_owned(),
            ]);
        }
        lines.push("END:VCALENDAR".into());
        lines.iter().map(|l| fold(l)).collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn text_is_escaped() {
            assert_eq!(
                escape("a\\b;c,d\ne\r\u{7}f"),
                "a\\\\b\\;c\\,d\\ne".to_owned() + "f"
            );
        }

        #[test]
        fn long_lines_fold_at_75_octets_never_inside_a_character() {
            let line = format!("SUMMARY:{}", "é".repeat(100));
            let folded = fold(&line);
            assert!(folded.ends_with("\r\n"));
            for (i, part) in folded.trim_end_matches("\r\n").split("\r\n").enumerate() {
                assert!(part.len() <= 75, "{part}");
                if i > 0 {
                    assert!(part.starts_with(' '));
                }
            }
            let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
            assert_eq!(unfolded, line);
            assert_eq!(fold("SHORT:yes"), "SHORT:yes\r\n");
        }

        #[test]
        fn a_calendar_has_one_all_day_event_per_deadline() {
            let event = Event {
                uid: "HAV-2026-0001-stage-2-1@accord".into(),
                date: "2026-03-31".parse().unwrap(),
                summary: "HAV-2026-0001: Stage 2 due".into(),
                description: "Due, today.\n\nOpen it".into(),
                url: "https://accord.example.org/cases/HAV-2026-0001".into(),
            };
            let text = calendar(&[event], "2026-03-02T09:00:00Z".parse().unwrap());
            assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
            assert!(text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
            assert!(!text.replace("\r\n", "").contains('\n'), "CRLF only");
            for needle in [
                "DTSTAMP:20260302T090000Z",
                "DTSTART;VALUE=DATE:20260331",
                "DTEND;VALUE=DATE:20260401",
                "SUMMARY:HAV-2026-0001: Stage 2 due",
                "DESCRIPTION:Due\\, today.\\n\\nOpen it",
            ] {
                assert!(text.contains(needle), "{needle} in {text}");
            }
        }
    }
}
