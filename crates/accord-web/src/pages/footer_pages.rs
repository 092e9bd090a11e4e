//! The pages every public-sector service links from its footer (issue 14
//! §8): the accessibility statement, the privacy notice, help, and
//! contact, at `/about/{page}`.
//!
//! Anyone may read them, signed in or not: a privacy notice has to be
//! readable before someone signs in. Someone signed in reads their own
//! partnership's; someone signed out reads Accord's standard words, with a
//! link to each partnership's own where it has set them
//! (`/about/privacy?partnership=havering`).
//!
//! A partnership's administrators set its own words, the address of its
//! own page elsewhere (its council's privacy notice, say), or both, at
//! `/admin/pages`; each change is in the directory audit.

use accord_store::{FooterPage, Partnership, PartnershipPage};
use askama::Template;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::admin::admin;
use super::extract::{Form, Path, Query};
use super::form::QuestionPage;
use super::form::{Errors, Posted, Question};
use super::notifications::paragraphs;
use super::{Chrome, Done, PageError, Section, Viewer, html, html_with_status};
use crate::{ApiError, AppState};

/// The most a partnership's own words may run to, in characters.
pub(crate) const MOST_WORDS: usize = 20_000;

/// The longest address of a partnership's own page.
const MOST_ADDRESS: usize = 2_000;

/// A page's heading.
fn title(page: FooterPage) -> &'static str {
    match page {
        FooterPage::Accessibility => "Accessibility statement",
        FooterPage::Privacy => "Privacy notice",
        FooterPage::Help => "Help",
        FooterPage::Contact => "Contact",
    }
}

/// One block of a page's standard words.
pub(crate) enum Block {
    Heading(&'static str),
    Paragraph(String),
    Bullets(Vec<&'static str>),
}

/// Accord's standard words for `page`, for `whose` partnership ("the
/// Havering Safeguarding Children Partnership", or "your partnership").
fn standard(page: FooterPage, whose: &str) -> Vec<Block> {
    use Block::{Bullets, Heading, Paragraph};
    let p = |s: &str| Paragraph(s.replace("{whose}", whose));
    match page {
        FooterPage::Accessibility => vec![
            p(
                "This statement is for Accord, the service {whose} uses to resolve \
               professional disagreements about the safety of children.",
            ),
            Heading("Using Accord"),
            p("Accord is meant to be usable by as many people as possible. You should be able to:"),
            Bullets(vec![
                "change colours, contrast and fonts in your browser or device settings",
                "zoom in up to 400% without the text spilling off the screen",
                "use it on a phone 320 pixels wide without scrolling sideways",
                "move through it using just a keyboard",
                "use it with speech recognition software",
                "use it with a screen reader",
            ]),
            Heading("How accessible Accord is"),
            p(
                "Accord is built to meet the Web Content Accessibility Guidelines (WCAG) version \
               2.2 at level AA. Its pages follow the GOV.UK Design System's patterns. Each time \
               Accord is changed, every page is checked in Chromium with the axe-core \
               accessibility engine, at a desktop's width and at 320 pixels wide, and the main \
               journeys are tested with a keyboard alone and without JavaScript.",
            ),
            p("Some parts are harder to use:"),
            Bullets(vec![
                "each policy's flowchart is a picture whose words are small on a phone: the same \
                 stages are written out in full below it",
                "the PDF copy of a case is made for filing: the print view of the case, a web \
                 page, holds the same record and works with a screen reader",
            ]),
            p(
                "Accord has not yet been audited by an independent accessibility specialist: the \
               checks above are automated tests and its developers' own.",
            ),
            Heading("Reporting problems"),
            p(
                "If you find a problem, or need something in a different format, contact {whose}: \
               see the Contact page.",
            ),
            Heading("Enforcement procedure"),
            p(
                "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the \
               Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility \
               Regulations 2018. If you are not happy with how your complaint is answered, \
               contact the Equality Advisory and Support Service (EASS).",
            ),
            p("This statement was prepared on 6 December 2026."),
        ],
        FooterPage::Privacy => vec![
            p(
                "{whose} is the controller of the personal data Accord holds for it. This notice \
               says what Accord itself records and why.",
            ),
            Heading("What Accord records"),
            p(
                "About the professionals who use it: their name, email address, agency, job title \
               and roles; when they signed in; and each time they read or changed a case (the \
               access log).",
            ),
            p(
                "About the children and adults a disagreement is about: the name, date of birth, \
               NHS number or local identifier the practitioner gives; whether they are subject \
               to a Child Protection Plan, Looked After, or at immediate risk; and what \
               professionals write about the disagreement.",
            ),
            Heading("Why, and the lawful basis"),
            p(
                "To resolve professional disagreements about children's safety as {whose}'s \
               escalation policy sets out, under Working Together to Safeguard Children. The \
               lawful basis is public task (UK GDPR Article 6(1)(e)). Details of a child's \
               health and welfare are special category data, processed for the safeguarding of \
               children and of individuals at risk (Data Protection Act 2018, Schedule 1, \
               paragraph 18).",
            ),
            Heading("Who sees it"),
            p(
                "Only the people the policy gives a part in a case, the partnership's own team, \
               and those they involve. Every reading of a case is recorded. Email from Accord \
               names a case by its reference only, never a child's details.",
            ),
            Heading("How long it is kept"),
            p(
                "As long as {whose}'s retention schedule says. A case's record is never rewritten: \
               a correction is added to it, so the record shows what was known when.",
            ),
            Heading("Your rights"),
            p(
                "You may ask to see the information held about you (a subject access request) \
               and to have it corrected: contact {whose} (see the Contact page). If you are \
               unhappy with how your data is handled, you can complain to the Information \
               Commissioner's Office: ico.org.uk, 0303 123 1113.",
            ),
        ],
        FooterPage::Help => vec![
            Heading("If a child is at immediate risk"),
            p(
                "Do not wait for Accord. Follow your agency's safeguarding procedures and contact \
               children's social care, or the police on 999, at once.",
            ),
            Heading("Raising a disagreement"),
            p(
                "Choose Raise a disagreement. Accord asks the questions {whose}'s policy asks, \
               then tells the other professional and anyone else the policy names. You can \
               check your answers before anything is sent.",
            ),
            Heading("What is waiting for you"),
            p(
                "My work lists the disagreements waiting for you, soonest deadline first. \
               Deadlines are counted in working days: weekends and bank holidays do not count. \
               Notifications lists what Accord has told you.",
            ),
            Heading("The policy"),
            p(
                "Policies shows the escalation policy stage by stage: who leads each stage, its \
               timescale, and who is told.",
            ),
            Heading("Signing in"),
            p(
                "If you have forgotten your password, choose \u{201c}Forgotten your \
               password?\u{201d} on the sign-in page. Your partnership's administrators can \
               help with anything else about your account.",
            ),
            p("For anything else, contact {whose}: see the Contact page."),
        ],
        FooterPage::Contact => vec![
            p(
                "Contact {whose}'s business unit about Accord, the escalation policy, or a \
               disagreement. It has not set its contact details in Accord yet: your line \
               manager or your agency's safeguarding lead will know them.",
            ),
            p(
                "If a child is at immediate risk of significant harm, do not wait: contact \
               children's social care, or the police on 999.",
            ),
        ],
    }
}

#[derive(Template)]
#[template(path = "footer_page.html")]
struct FooterPageView {
    chrome: Chrome,
    /// The partnership whose page it is, if any.
    partnership: Option<String>,
    /// Accord's standard words, when the partnership has set none.
    standard: Vec<Block>,
    /// The partnership's own words, as paragraphs of lines.
    own: Vec<Vec<String>>,
    /// The address of the partnership's own page, and the link's words.
    address: Option<(String, String)>,
    /// Signed out: each partnership that has set its own, with the link.
    others: Vec<(String, String)>,
}

/// Which partnership a signed-out reader asks for.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Whose {
    #[serde(default)]
    partnership: Option<String>,
}

/// `GET /about/{page}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    Path(slug): Path<String>,
    Query(whose): Query<Whose>,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| match &viewer {
        Some(v) => PageError::new(e, v),
        None => PageError::from(e),
    };
    let page = FooterPage::from_slug(&slug).ok_or_else(|| fail(super::no_such_page()))?;
    let store = state.store();
    let partnerships = store.partnerships().await.map_err(|e| fail(e.into()))?;
    let wanted = match &viewer {
        Some(v) => Some(v.principal.partnership().to_owned()),
        None => whose.partnership.clone(),
    };
    let partnership: Option<&Partnership> = match &wanted {
        Some(id) => Some(
            partnerships
                .iter()
                .find(|p| &p.id == id)
                .ok_or_else(|| fail(super::no_such_page()))?,
        ),
        None => None,
    };
    let own = match partnership {
        Some(p) => store
            .partnership_pages(&p.id)
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .find(|set| set.page == page),
        None => None,
    };
    let whose = partnership.map_or_else(
        || "your partnership".to_owned(),
        |p| format!("the {}", p.name),
    );
    let mut others = Vec::new();
    if viewer.is_none() && partnership.is_none() {
        for p in &partnerships {
            let set = store
                .partnership_pages(&p.id)
                .await
                .map_err(|e| fail(e.into()))?;
            if set.iter().any(|s| s.page == page) {
                others.push((
                    p.name.clone(),
                    format!("/about/{slug}?partnership={}", p.id),
                ));
            }
        }
    }
    let (own_words, address) = match own {
        Some(PartnershipPage { words, address, .. }) => (
            paragraphs(&words),
            address.map(|a| {
                let words = format!(
                    "Read {}'s own {}",
                    partnership.map_or("the partnership", |p| p.name.as_str()),
                    title(page).to_lowercase()
                );
                (a, words)
            }),
        ),
        None => (Vec::new(), None),
    };
    let view = FooterPageView {
        chrome: Chrome::new(title(page), Section::None, viewer.as_ref()),
        partnership: partnership.map(|p| p.name.clone()),
        standard: if own_words.is_empty() {
            standard(page, &whose)
        } else {
            Vec::new()
        },
        own: own_words,
        address,
        others,
    };
    Ok(html(&view))
}

// --- Administration ------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_pages.html")]
struct AdminPagesView {
    chrome: Chrome,
    partnership: String,
    /// Each page: its address here, its heading, and what is set.
    pages: Vec<(String, &'static str, &'static str)>,
    done: Option<String>,
}

/// `GET /admin/pages`: the footer's pages, and what the partnership has
/// set for each.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let set = state
        .store()
        .partnership_pages(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?;
    let pages = FooterPage::ALL
        .into_iter()
        .map(|page| {
            let status = match set.iter().find(|s| s.page == page) {
                None => "Accord's standard words",
                Some(s) if s.words.is_empty() => "A link to your own page",
                Some(s) if s.address.is_none() => "Your own words",
                Some(_) => "Your own words and a link",
            };
            (format!("/admin/pages/{}", page.slug()), title(page), status)
        })
        .collect();
    let done = FooterPage::from_slug(&done.done)
        .map(|p| format!("The {} is saved", title(p).to_lowercase()));
    Ok(html(&AdminPagesView {
        chrome: a.chrome("Pages in the footer", &Errors::default()),
        partnership: a.partnership.name.clone(),
        pages,
        done,
    }))
}

fn page_questions(page: FooterPage, posted: &Posted) -> Vec<Question> {
    vec![
        Question::textarea("words", "Your own words", posted).hint(format!(
            "They replace Accord's standard words on the {} page. Separate paragraphs with a \
             blank line. Leave it empty to use the standard words.",
            title(page).to_lowercase()
        )),
        Question::text("address", "The address of your own page (optional)", posted).hint(
            "Such as your council's page, starting https://. Accord links to it from this page.",
        ),
    ]
}

/// The words and address posted, checked.
fn read_page(posted: &Posted) -> Result<(String, Option<String>), Errors> {
    let mut e = Errors::default();
    let words = posted.get("words").trim().replace("\r\n", "\n");
    if words.chars().count() > MOST_WORDS {
        e.add(
            "words",
            format!(
                "Your own words must be {} characters or fewer",
                super::words::thousands(MOST_WORDS)
            ),
        );
    }
    let address = posted.get("address").trim();
    let address = if address.is_empty() {
        None
    } else if address.chars().count() > MOST_ADDRESS {
        e.add(
            "address",
            format!(
                "The address must be {} characters or fewer",
                super::words::thousands(MOST_ADDRESS)
            ),
        );
        None
    } else {
        match url::Url::parse(address) {
            Ok(u) if u.scheme() == "https" && u.host().is_some() => Some(u.to_string()),
            _ => {
                e.add(
                    "address",
                    "Enter the page's full address, starting https://, such as \
                     https://www.example.gov.uk/privacy",
                );
                None
            }
        }
    };
    if e.is_empty() {
        Ok((words, address))
    } else {
        Err(e)
    }
}

/// `GET /admin/pages/{page}`.
pub(crate) async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let page = FooterPage::from_slug(&slug).ok_or_else(|| a.fail(super::no_such_page()))?;
    let mut posted = Posted::default();
    if let Some(set) = state
        .store()
        .partnership_pages(&a.partnership.id)
        .await
        .map_err(|e| a.fail(e))?
        .into_iter()
        .find(|s| s.page == page)
    {
        posted.set("words", set.words);
        posted.set("address", set.address.unwrap_or_default());
    }
    Ok(edit_page(&a, page, &posted, &Errors::default()))
}

fn edit_page(
    a: &super::admin::Admin<'_>,
    page: FooterPage,
    posted: &Posted,
    errors: &Errors,
) -> Response {
    let mut listed = errors.0.clone();
    let questions = page_questions(page, posted);
    listed.sort_by_key(|e| questions.iter().position(|q| q.name == e.field));
    let view = QuestionPage {
        chrome: a.chrome(format!("Your {}", title(page).to_lowercase()), errors),
        errors: listed,
        caption: format!("Administration: {}", a.partnership.name),
        back: ("/admin/pages".to_owned(), "Back".to_owned()),
        action: format!("/admin/pages/{}", page.slug()),
        intro: vec![format!(
            "What everyone in {} reads when they choose \u{201c}{}\u{201d} at the foot of any \
             page. You can see it as it stands at /about/{}.",
            a.partnership.name,
            title(page),
            page.slug()
        )],
        blocks: Vec::new(),
        questions: questions.into_iter().map(|q| q.checked(errors)).collect(),
        hidden: Vec::new(),
        csrf_token: a.viewer.csrf_token().to_owned(),
        button: "Save the page".to_owned(),
        warning_button: false,
        cancel: Some(("/admin/pages".to_owned(), "Cancel".to_owned())),
        secondary: None,
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    html_with_status(status, &view)
}

/// `POST /admin/pages/{page}`.
pub(crate) async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let a = admin(&state, &viewer).await?;
    let page = FooterPage::from_slug(&slug).ok_or_else(|| a.fail(super::no_such_page()))?;
    let posted = Posted::from_pairs(pairs);
    let (words, address) = match read_page(&posted) {
        Ok(v) => v,
        Err(errors) => return Ok(edit_page(&a, page, &posted, &errors)),
    };
    state
        .store()
        .set_partnership_page(
            &a.partnership.id,
            page,
            &words,
            address.as_deref(),
            state.now(),
            &a.by(),
        )
        .await
        .map_err(|e| a.fail(ApiError::Internal(Box::new(e))))?;
    tracing::info!(
        page = page.slug(),
        "an administrator set a page of the footer"
    );
    Ok(Redirect::to(&format!("/admin/pages?done={}", page.slug())).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(words: &str, address: &str) -> Posted {
        Posted::from_pairs(vec![
            ("words".to_owned(), words.to_owned()),
            ("address".to_owned(), address.to_owned()),
        ])
    }

    #[test]
    fn an_address_must_be_a_whole_https_address() {
        for bad in [
            "www.havering.gov.uk/privacy",
            "http://www.havering.gov.uk/privacy",
            "javascript:alert(1)",
            "https://",
        ] {
            let errors = read_page(&posted("", bad)).expect_err(bad);
            assert_eq!(
                errors.on("address").as_deref(),
                Some(
                    "Enter the page's full address, starting https://, such as \
                     https://www.example.gov.uk/privacy"
                ),
                "{bad}"
            );
        }
        assert_eq!(
            read_page(&posted(
                " Our words.\r\n\r\nMore. ",
                "https://www.havering.gov.uk/privacy"
            ))
            .unwrap(),
            (
                "Our words.\n\nMore.".to_owned(),
                Some("https://www.havering.gov.uk/privacy".to_owned())
            )
        );
        assert_eq!(read_page(&posted("", "")).unwrap(), (String::new(), None));
    }

    #[test]
    fn words_are_held_to_twenty_thousand_characters() {
        let errors = read_page(&posted(&"a".repeat(MOST_WORDS + 1), "")).unwrap_err();
        assert_eq!(
            errors.on("words").as_deref(),
            Some("Your own words must be 20,000 characters or fewer")
        );
        assert!(read_page(&posted(&"a".repeat(MOST_WORDS), "")).is_ok());
    }

    #[test]
    fn every_page_has_standard_words_naming_the_partnership() {
        for page in FooterPage::ALL {
            let blocks = standard(page, "the Havering Safeguarding Children Partnership");
            let text: String = blocks
                .iter()
                .filter_map(|b| match b {
                    Block::Paragraph(p) => Some(p.as_str()),
                    _ => None,
                })
                .collect();
            assert!(!text.contains("{whose}"), "{page:?}");
            assert!(text.contains("Havering"), "{page:?}: {text}");
        }
    }
}
