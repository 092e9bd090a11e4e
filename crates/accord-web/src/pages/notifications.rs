//! Your notifications: everything Accord has shown the signed-in person in
//! the app (the job runner writes one for each notification the policy
//! requires and each reminder before a deadline; see `accord_jobs`),
//! newest first. Each names its case by reference only, as the email of
//! the same words does, and links to it: the case page asks the access
//! rules as always.

use accord_store::Delivery;
use askama::Template;
use axum::{extract::State, response::Response};

use super::{Chrome, PageError, Section, Viewer, html, words};
use crate::AppState;

/// How many notifications the page lists.
const SHOWN: u32 = 100;

/// One notification, as the page shows it.
pub(crate) struct Notice {
    /// Its subject line, as its heading.
    pub(crate) subject: String,
    /// When Accord showed it, in words.
    pub(crate) when: String,
    /// The case it is about.
    pub(crate) case: String,
    /// Its paragraphs, each as its lines.
    pub(crate) paragraphs: Vec<Vec<String>>,
}

impl Notice {
    fn of(delivery: Delivery) -> Notice {
        Notice {
            paragraphs: paragraphs(&delivery.body),
            subject: delivery.subject,
            when: words::when(delivery.created_at),
            case: delivery.case.map(|c| c.to_string()).unwrap_or_default(),
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
    shown: u32,
    /// Whether there may be older ones not shown.
    full: bool,
}

/// `GET /notifications`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
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
        notices,
        shown: SHOWN,
    }))
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
