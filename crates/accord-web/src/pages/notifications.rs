//! Your notifications: everything Accord has shown the signed-in person in
//! the app (the job runner writes one for each notification the policy
//! requires and each reminder before a deadline; see `accord_jobs`),
//! newest first, each marked read or unread. Each is a line to act on in
//! the app's own words (`accord_store::Notice`, made from the same facts
//! as the email but not from its text): what happened, and what to do and
//! by when only when there is something to do, with a link named by the
//! case's reference. The case page asks the access rules as always.
//!
//! Marking one read, or all of them, is a plain form post, so it works
//! without JavaScript; a notification that is not the reader's own is
//! answered as one that does not exist.

use accord_store::Delivery;
use askama::Template;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};

use super::extract::{Path, Query};
use super::{Chrome, Done, PageError, Section, Viewer, html, no_such_page, words};
use crate::AppState;

/// How many notifications the page lists.
const SHOWN: u32 = 100;

/// One notification, as the page shows it.
pub(crate) struct Notice {
    /// Its delivery's id, which its "Mark as read" form names.
    pub(crate) id: i64,
    /// What happened: one sentence naming the case by its reference.
    pub(crate) happened: String,
    /// What the policy says beside it, when it asks nothing of the reader.
    pub(crate) detail: String,
    /// What to do, when there is something.
    pub(crate) todo: Option<String>,
    /// By when, when there is something to do by a time.
    pub(crate) by_when: Option<String>,
    /// When Accord showed it, in words.
    pub(crate) when: String,
    /// The case it is about.
    pub(crate) case: String,
    /// Whether the reader has not yet marked it read.
    pub(crate) unread: bool,
    /// For one written before Accord kept the app's words: its message's
    /// paragraphs as they were written, so that nothing is lost.
    pub(crate) written: Vec<Vec<String>>,
}

impl Notice {
    pub(crate) fn of(delivery: Delivery) -> Notice {
        let (happened, detail, todo, by_when, written) = match delivery.notice {
            Some(n) => (n.happened, n.detail, n.todo, n.by_when, Vec::new()),
            None => (
                delivery.subject,
                String::new(),
                None,
                None,
                paragraphs(&delivery.body),
            ),
        };
        Notice {
            id: delivery.id,
            happened,
            detail,
            todo,
            by_when,
            when: words::when(delivery.created_at),
            case: delivery.case.map(|c| c.to_string()).unwrap_or_default(),
            unread: delivery.read_at.is_none(),
            written,
        }
    }
}

/// `body`, plain text whose paragraphs are separated by blank lines, as
/// paragraphs of lines.
pub(crate) fn paragraphs(body: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for line in body.lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line.to_owned());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    notices: Vec<Notice>,
    /// How many are unread, of all of them (not only those listed).
    unread: u64,
    shown: u32,
    /// Whether there may be older ones not shown.
    full: bool,
    csrf_token: String,
    done: Option<&'static str>,
}

fn done_words(done: &str) -> Option<&'static str> {
    Some(match done {
        "all-read" => "All your notifications are marked as read",
        _ => return None,
    })
}

/// `GET /notifications`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let notices = state
        .store()
        .notifications_for(viewer.principal.id(), SHOWN)
        .await
        .map_err(|e| PageError::new(e.into(), &viewer))?
        .into_iter()
        .map(Notice::of)
        .collect::<Vec<_>>();
    Ok(html(&NotificationsPage {
        chrome: Chrome::new("Notifications", Section::Notifications, Some(&viewer)),
        full: notices.len() >= SHOWN as usize,
        unread: viewer.unread,
        notices,
        shown: SHOWN,
        csrf_token: viewer.csrf_token().to_owned(),
        done: done_words(&done.done),
    }))
}

/// `POST /notifications/{id}/read`: marks one of the reader's own
/// notifications read, and goes back to it on the list.
pub(crate) async fn mark_read(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let not_found = || PageError::new(no_such_page(), &viewer);
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let marked = state
        .store()
        .mark_notification_read(viewer.principal.id(), id, state.now())
        .await
        .map_err(|e| PageError::new(e.into(), &viewer))?;
    if !marked {
        return Err(not_found());
    }
    Ok(Redirect::to(&format!("/notifications#notice-{id}")).into_response())
}

/// `POST /notifications/read-all`: marks all the reader's notifications read.
pub(crate) async fn mark_all_read(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    state
        .store()
        .mark_all_notifications_read(viewer.principal.id(), state.now())
        .await
        .map_err(|e| PageError::new(e.into(), &viewer))?;
    Ok(Redirect::to("/notifications?done=all-read").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_paragraphs_of_lines() {
        let body = "It is now at Stage 2.\n\nWhat you need to do:\nRecord it.\n\n\n\
                    Open the case:\nhttps://accord.example.org/cases/HAV-2026-0001\n";
        assert_eq!(
            paragraphs(body),
            vec![
                vec!["It is now at Stage 2.".to_owned()],
                vec!["What you need to do:".to_owned(), "Record it.".to_owned()],
                vec![
                    "Open the case:".to_owned(),
                    "https://accord.example.org/cases/HAV-2026-0001".to_owned()
                ],
            ]
        );
        assert!(paragraphs("\n \n").is_empty());
    }
}
