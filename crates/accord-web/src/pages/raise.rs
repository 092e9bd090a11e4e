//! Raising a disagreement in the browser: a start page, then one question
//! page at a time, then a page to check the answers before anything goes
//! on the record.
//!
//! `GET /raise` says what the policy does not cover and where such a
//! concern goes instead, and what to do at once if a child is at immediate
//! risk, before the first question. The questions are: whether the concern
//! is one of those the policy sends elsewhere; which partnership's policy
//! applies (and which of its tracks); the other agency, and the other
//! professional where known; the child or adult, with the Child Protection
//! Plan, Looked After and immediate-risk flags; with immediate risk, the
//! policy's instruction to tell the safeguarding lead now, and the later
//! stage the policy lets the case start at; the area of disagreement, from
//! the policy's own list; what was decided or not done, the evidence and
//! the outcome sought; and the form the starting stage needs, if any.
//!
//! Each page's answers are saved as a draft ([`accord_store::Store::
//! save_raise_draft`]) before they are checked, so nothing typed is lost
//! on a mistake, between pages or if the browser closes. Raising goes
//! through the same function as the API's `POST /api/v1/cases`, and the
//! draft goes once the case exists.

use super::extract::{Form, Path, Query};
use accord_case::{
    AgencyId, Concern, LaterStart, LocalId, NhsNumber, PersonId, Subject, SubjectId, Text,
};
use accord_policy::{
    FieldKind, FormNeeded, FormSection, Policy, Signpost, SignpostEffect, Stage, SubjectKind, Track,
};
use accord_store::{Agency, AgencyKind, Partnership, Person};
use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use serde::Deserialize;

use super::{
    Chrome, PageError, Section, Viewer,
    form::{
        Block, Choice, Errors, FieldError, Picker, PickerAsk, Posted, Question, QuestionPage,
        not_chosen,
    },
    html, html_with_status, policy_forms, sentence, stage_words, words,
};
use crate::{
    ApiError, AppState,
    api::cases::{RaiseRequest, raise_case},
};

/// The most children or adults one disagreement is raised about.
const MAX_SUBJECTS: usize = 10;

/// A question page of the journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Scope,
    Policy,
    OtherAgency,
    OtherProfessional,
    Subjects,
    ImmediateRisk,
    Area,
    Concern,
    EntryForm,
}

const STEPS: [Step; 9] = [
    Step::Scope,
    Step::Policy,
    Step::OtherAgency,
    Step::OtherProfessional,
    Step::Subjects,
    Step::ImmediateRisk,
    Step::Area,
    Step::Concern,
    Step::EntryForm,
];

impl Step {
    fn slug(self) -> &'static str {
        match self {
            Step::Scope => "scope",
            Step::Policy => "policy",
            Step::OtherAgency => "other-agency",
            Step::OtherProfessional => "other-professional",
            Step::Subjects => "who-it-is-about",
            Step::ImmediateRisk => "immediate-risk",
            Step::Area => "area",
            Step::Concern => "concern",
            Step::EntryForm => "form",
        }
    }

    fn from_slug(slug: &str) -> Option<Step> {
        STEPS.into_iter().find(|s| s.slug() == slug)
    }

    /// Whether a posted name is one of this page's answers.
    fn owns(self, name: &str) -> bool {
        match self {
            Step::Scope => name == "scope",
            Step::Policy => name == "track",
            Step::OtherAgency => name == "other_agency",
            Step::OtherProfessional => matches!(
                name,
                "other_professional" | "other_professional-find" | "professional_unknown"
            ),
            Step::Subjects => {
                name == "no_subject"
                    || (name.starts_with('s')
                        && name[1..]
                            .split('-')
                            .next()
                            .is_some_and(|n| n.parse::<usize>().is_ok()))
            }
            Step::ImmediateRisk => matches!(name, "start_at" | "start_reason"),
            Step::Area => name == "area",
            Step::Concern => matches!(name, "disputed" | "evidence" | "outcome_sought"),
            Step::EntryForm => name.starts_with("f-"),
        }
    }
}

/// What the journey needs to know of the person raising and their
/// partnership.
struct Journey<'a> {
    viewer: &'a Viewer,
    partnership: &'a Partnership,
    policy: &'a Policy,
    agencies: &'a [Agency],
    people: &'a [Person],
    /// Now, by the service's clock: a date of birth may not be after it.
    now: jiff::Timestamp,
}

impl Journey<'_> {
    /// Whether the raiser is asked a section of an entry form: not one the
    /// form says another role completes (Sutton Appendix 1's Safeguarding
    /// Advisor signs once the case is raised).
    fn asks(&self, section: &FormSection) -> bool {
        policy_forms::asks(section, &self.viewer.principal.person, false)
    }

    /// The track chosen, or the policy's first.
    fn track(&self, draft: &Posted) -> &Track {
        self.policy
            .tracks
            .iter()
            .find(|t| t.id.as_str() == draft.get("track"))
            .unwrap_or(&self.policy.tracks[0])
    }

    /// The stage the case will start at, as answered so far.
    fn start_stage(&self, draft: &Posted) -> &Stage {
        let track = self.track(draft);
        let later = draft
            .get("start_at")
            .parse::<u8>()
            .ok()
            .and_then(|n| track.stages.iter().find(|s| s.number.get() == n));
        later.unwrap_or_else(|| match draft.get("area").parse() {
            Ok(area) => self.policy.entry_stage(track, &area),
            Err(_) => track.first_stage(),
        })
    }

    /// The forms the starting stage needs to be entered.
    fn entry_forms(&self, draft: &Posted) -> Vec<&accord_policy::Form> {
        self.start_stage(draft)
            .forms
            .iter()
            .filter(|f| f.needed == FormNeeded::ToEnter)
            .filter_map(|f| self.policy.form(&f.form))
            .collect()
    }

    /// The agencies a disagreement can be with: the partnership's member
    /// agencies other than the raiser's own.
    fn other_agencies(&self) -> Vec<&Agency> {
        self.agencies
            .iter()
            .filter(|a| {
                &a.id != self.viewer.principal.agency() && a.kind != AgencyKind::PartnershipTeam
            })
            .collect()
    }

    fn agency_name(&self, id: &str) -> String {
        self.agencies
            .iter()
            .find(|a| a.id.as_str() == id)
            .map_or_else(|| id.to_owned(), |a| a.name.clone())
    }

    /// How many children or adults the page asks about.
    fn subject_count(&self, draft: &Posted) -> usize {
        let filled = (1..=MAX_SUBJECTS)
            .rev()
            .find(|n| {
                !draft.get(&format!("s{n}-name")).trim().is_empty()
                    || !draft.all(&format!("s{n}-flags")).is_empty()
                    || has_details(draft, *n)
            })
            .unwrap_or(1);
        let wanted = draft.get("subject_count").parse::<usize>().unwrap_or(1);
        filled.max(wanted).clamp(1, MAX_SUBJECTS)
    }

    /// Whether the steps applies to what has been answered.
    fn applies(&self, step: Step, draft: &Posted) -> bool {
        match step {
            Step::Scope => out_of_scope(self.policy).next().is_some(),
            Step::Policy => self.policy.tracks.len() > 1,
            Step::ImmediateRisk => {
                draft.get("no_subject") != "yes"
                    && (1..=self.subject_count(draft))
                        .any(|n| draft.has(&format!("s{n}-flags"), "immediate_risk"))
            }
            Step::EntryForm => !self.entry_forms(draft).is_empty(),
            _ => true,
        }
    }
}

/// The concerns the policy puts outside the procedure: asked about first,
/// and never raised. A signpost that is advice only is not among them.
fn out_of_scope(policy: &Policy) -> impl Iterator<Item = &Signpost> {
    policy
        .out_of_scope
        .iter()
        .filter(|s| s.effect == SignpostEffect::OutOfScope)
}

/// The draft of `viewer`, or an empty one.
async fn draft(state: &AppState, viewer: &Viewer) -> Result<Posted, PageError> {
    let saved = state
        .store()
        .raise_draft(viewer.principal.id())
        .await
        .map_err(|e| PageError::new(e.into(), viewer))?;
    Ok(Posted::from_pairs(saved.unwrap_or_default()))
}

/// Loads what a page of the journey needs and runs `f` with it.
macro_rules! with_journey {
    ($state:expr, $viewer:expr, |$j:ident| $body:expr) => {{
        let state: &AppState = $state;
        let viewer: &Viewer = $viewer;
        let fail = |e: ApiError| PageError::new(e, viewer);
        let principal = &viewer.principal;
        if principal.tier() == accord_policy::RoleTier::Admin {
            return Err(fail(ApiError::Forbidden {
                code: "admins_do_not_raise",
                message: "administrators look after accounts, agencies and calendars and do not \
                          work on cases: raise it from your practitioner or manager account"
                    .to_owned(),
            }));
        }
        let store = state.store();
        let partnership = store
            .partnerships()
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .find(|p| p.id == principal.partnership())
            .ok_or_else(|| fail(ApiError::Internal("a person has no partnership".into())))?;
        let policy = state
            .current_policy(&partnership.policy)
            .await
            .map_err(fail)?;
        let agencies = store
            .agencies(principal.partnership())
            .await
            .map_err(|e| fail(e.into()))?;
        let mut people = store
            .people(principal.partnership())
            .await
            .map_err(|e| fail(e.into()))?;
        // Someone who has left (their account disabled) is named by nobody.
        let disabled = store
            .disabled_people(principal.partnership())
            .await
            .map_err(|e| fail(e.into()))?;
        people.retain(|p| !disabled.contains(&p.id));
        let $j = Journey {
            viewer,
            partnership: &partnership,
            policy: &policy,
            agencies: &agencies,
            people: &people,
            now: state.now(),
        };
        $body
    }};
}

// --- The start page ------------------------------------------------------

#[derive(Template)]
#[template(path = "raise_start.html")]
struct StartPage {
    chrome: Chrome,
    policy_title: String,
    partnership: String,
    out_of_scope: Vec<(String, String)>,
    /// Routes the policy points to without putting anything out of scope
    /// (Sutton §1's whistle blowing policies): shown, never a reason to stop.
    other_routes: Vec<(String, String)>,
    immediate_risk: String,
    immediate_risk_section: String,
    draft_saved: bool,
    csrf_token: String,
    /// The first question's address.
    first: String,
}

/// `GET /raise`: what the policy covers, what it does not, and what to do
/// now if a child is at immediate risk; then the first question.
pub(crate) async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let saved = draft(&state, &viewer).await?;
    with_journey!(&state, &viewer, |j| {
        let page = StartPage {
            chrome: Chrome::new("Raise a disagreement", Section::Raise, Some(&viewer)),
            policy_title: j.policy.title.clone(),
            partnership: j.partnership.name.clone(),
            out_of_scope: out_of_scope(j.policy)
                .map(|s| (s.concern.clone(), format!("{} ({})", s.go_to, s.section)))
                .collect(),
            other_routes: j
                .policy
                .out_of_scope
                .iter()
                .filter(|s| s.effect == SignpostEffect::Advice)
                .map(|s| (s.concern.clone(), format!("{} ({})", s.go_to, s.section)))
                .collect(),
            immediate_risk: j.policy.immediate_risk.instruction.clone(),
            immediate_risk_section: j.policy.immediate_risk.section.clone(),
            draft_saved: !saved.pairs().is_empty(),
            csrf_token: viewer.csrf_token().to_owned(),
            first: STEPS
                .into_iter()
                .find(|s| j.applies(*s, &saved))
                .map_or_else(
                    || "/raise/check".to_owned(),
                    |s| format!("/raise/{}", s.slug()),
                ),
        };
        Ok(html(&page))
    })
}

/// `POST /raise/start-again`: the draft goes.
pub(crate) async fn start_again(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    state
        .store()
        .discard_raise_draft(viewer.principal.id())
        .await
        .map_err(|e| PageError::new(e.into(), &viewer))?;
    Ok(Redirect::to("/raise").into_response())
}

// --- The question pages --------------------------------------------------

/// Where a page was opened from.
#[derive(Debug, Deserialize)]
pub(crate) struct CameFrom {
    #[serde(default)]
    from: String,
}

/// `GET /raise/{step}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(step): Path<String>,
    Query(from): Query<CameFrom>,
) -> Result<Response, PageError> {
    let step = Step::from_slug(&step).ok_or_else(|| not_found(&viewer))?;
    let saved = draft(&state, &viewer).await?;
    with_journey!(&state, &viewer, |j| {
        Ok(question_page(
            &j,
            step,
            &saved,
            &Errors::default(),
            from.from == "check",
            StatusCode::OK,
        ))
    })
}

/// `POST /raise/{step}`: saves the answers, then checks them.
pub(crate) async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(step): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let step = Step::from_slug(&step).ok_or_else(|| not_found(&viewer))?;
    let posted = Posted::from_pairs(pairs);
    let from_check = posted.get("from") == "check";
    // "Add another" or, without JavaScript, a people picker's "Find
    // people": the page again, with nothing checked yet.
    let adding = posted.get("add") == "yes" || !posted.get("find").is_empty();
    let mut saved = draft(&state, &viewer).await?;
    // This page's answers replace what the draft had for them.
    let mut kept: Vec<(String, String)> = saved
        .pairs()
        .into_iter()
        .filter(|(k, _)| !step.owns(k) && k != "subject_count")
        .collect();
    kept.extend(posted.pairs().into_iter().filter(|(k, _)| step.owns(k)));
    // "I do not know who it is", with nobody chosen, is the professional
    // not known.
    if step == Step::OtherProfessional
        && posted.get("professional_unknown") == "yes"
        && posted.all("other_professional").is_empty()
    {
        kept.push(("other_professional".to_owned(), "unknown".to_owned()));
    }
    if step == Step::Subjects {
        let shown = posted.get("subject_count").parse::<usize>().unwrap_or(1);
        let count = if adding { shown + 1 } else { shown };
        kept.push((
            "subject_count".to_owned(),
            count.clamp(1, MAX_SUBJECTS).to_string(),
        ));
    }
    saved = Posted::from_pairs(kept);
    state
        .store()
        .save_raise_draft(viewer.principal.id(), &saved.pairs(), state.now())
        .await
        .map_err(|e| PageError::new(e.into(), &viewer))?;
    with_journey!(&state, &viewer, |j| {
        if adding {
            return Ok(question_page(
                &j,
                step,
                &saved,
                &Errors::default(),
                from_check,
                StatusCode::OK,
            ));
        }
        let errors = check(&j, step, &saved);
        if !errors.is_empty() {
            return Ok(question_page(
                &j,
                step,
                &saved,
                &errors,
                from_check,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        if step == Step::Scope && saved.get("scope") != "none" {
            return Ok(Redirect::to("/raise/elsewhere").into_response());
        }
        let next = if from_check {
            first_incomplete(&j, &saved)
        } else {
            STEPS
                .iter()
                .skip_while(|s| **s != step)
                .skip(1)
                .copied()
                .find(|s| j.applies(*s, &saved))
        };
        let to = next.map_or_else(
            || "/raise/check".to_owned(),
            |s| {
                if from_check {
                    format!("/raise/{}?from=check", s.slug())
                } else {
                    format!("/raise/{}", s.slug())
                }
            },
        );
        Ok(Redirect::to(&to).into_response())
    })
}

fn not_found(viewer: &Viewer) -> PageError {
    PageError::new(super::no_such_page(), viewer)
}

/// The first page that applies whose answers are missing or wrong.
fn first_incomplete(j: &Journey, draft: &Posted) -> Option<Step> {
    STEPS
        .into_iter()
        .filter(|s| j.applies(*s, draft))
        .find(|s| !check(j, *s, draft).is_empty())
}

/// The page before `step` that applies.
fn previous(j: &Journey, step: Step, draft: &Posted) -> Option<Step> {
    STEPS
        .iter()
        .take_while(|s| **s != step)
        .copied()
        .filter(|s| j.applies(*s, draft))
        .last()
}

fn question_page(
    j: &Journey,
    step: Step,
    draft: &Posted,
    errors: &Errors,
    from_check: bool,
    status: StatusCode,
) -> Response {
    let (title, intro, blocks, questions) = ask(j, step, draft);
    let mut chrome = Chrome::new(title, Section::Raise, Some(j.viewer));
    chrome.has_errors = !errors.is_empty();
    let back = if from_check {
        ("/raise/check".to_owned(), "Back to your answers".to_owned())
    } else {
        match previous(j, step, draft) {
            Some(p) => (format!("/raise/{}", p.slug()), "Back".to_owned()),
            None => ("/raise".to_owned(), "Back".to_owned()),
        }
    };
    let mut hidden = Vec::new();
    if from_check {
        hidden.push(("from".to_owned(), "check".to_owned()));
    }
    if step == Step::Subjects {
        hidden.push((
            "subject_count".to_owned(),
            j.subject_count(draft).to_string(),
        ));
    }
    let page = QuestionPage {
        chrome,
        errors: errors.0.clone(),
        caption: "Raise a disagreement".to_owned(),
        back,
        action: format!("/raise/{}", step.slug()),
        intro,
        blocks,
        questions: questions.into_iter().map(|q| q.checked(errors)).collect(),
        hidden,
        csrf_token: j.viewer.csrf_token().to_owned(),
        button: "Continue".to_owned(),
        warning_button: false,
        cancel: None,
        secondary: (step == Step::Subjects && j.subject_count(draft) < MAX_SUBJECTS).then(|| {
            (
                "add".to_owned(),
                "yes".to_owned(),
                "Add another child".to_owned(),
            )
        }),
    };
    html_with_status(status, &page)
}

type Asked = (String, Vec<String>, Vec<Block>, Vec<Question>);

fn flag_choices(kind: &str) -> Vec<Choice> {
    let mut flags = Vec::new();
    if kind != "vulnerable-adult" {
        flags.push(Choice::new(
            "child_protection_plan",
            "Subject to a Child Protection Plan",
        ));
        flags.push(Choice::new("looked_after", "A Looked After Child"));
    }
    flags.push(Choice::new(
        "immediate_risk",
        "Thought to be at immediate risk of significant harm",
    ));
    flags
}

/// What `step` asks: its heading, words, parts and questions.
fn ask(j: &Journey, step: Step, draft: &Posted) -> Asked {
    let policy = j.policy;
    let mut intro = Vec::new();
    let mut blocks = Vec::new();
    let (title, questions) =
        match step {
            Step::Scope => {
                let mut options: Vec<Choice> = out_of_scope(policy)
                    .map(|s| Choice::new(s.id.as_str(), sentence(&s.concern)))
                    .collect();
                options.push(
                    Choice::new(
                        "none",
                        "No: it is about another agency's decision, action or inaction",
                    )
                    .hint(
                        if policy.subjects.contains(&SubjectKind::VulnerableAdult) {
                            "You believe it leaves a child or an adult at risk unsafe."
                        } else {
                            "You believe it leaves a child unsafe."
                        },
                    ),
                );
                (
                    "Is your concern one of these?".to_owned(),
                    vec![
                        Question::radios("scope", "Is your concern one of these?", options, draft)
                            .hint(format!(
                                "{} does not cover these: each has its own route.",
                                the_title(&policy.title)
                            ))
                            .page_heading(),
                    ],
                )
            }
            // Asked only of a policy with more than one track (issue 14
            // §7: a question of one choice is no question): which policy
            // applies is said on the start page, as Accord runs one.
            Step::Policy => {
                intro.push(format!(
                    "{} has more than one procedure, for different kinds of disagreement.",
                    the_title(&policy.title)
                ));
                (
                    "What kind of disagreement is it?".to_owned(),
                    vec![
                        Question::radios(
                            "track",
                            "What kind of disagreement is it?",
                            policy
                                .tracks
                                .iter()
                                .map(|t| {
                                    Choice::new(t.id.as_str(), t.name.clone())
                                        .hint(format!("{} ({})", t.description, t.section))
                                })
                                .collect(),
                            draft,
                        )
                        .page_heading(),
                    ],
                )
            }
            Step::OtherAgency => (
                "Which agency do you disagree with?".to_owned(),
                vec![
                    Question::agency(
                        "other_agency",
                        "Which agency do you disagree with?",
                        j.other_agencies()
                            .into_iter()
                            .map(|a| Choice::new(a.id.as_str(), a.name.clone())),
                        draft,
                    )
                    .hint("The agency whose decision, action or inaction concerns you.")
                    .page_heading(),
                ],
            ),
            Step::OtherProfessional => {
                let agency = draft.get("other_agency");
                let heading = format!("Who is the professional at {}?", j.agency_name(agency));
                // The agency's people, found by typing: an agency may have
                // hundreds (issue 14 §3).
                let picker = Picker::build(
                    PickerAsk {
                        people: j.people,
                        agencies: j.agencies,
                        posted: draft,
                        name: "other_professional",
                        single: true,
                        what: "Choose the professional.",
                        source: format!(
                            "/api/v1/partnerships/{}/people/suggestions?agency={agency}",
                            j.partnership.id
                        ),
                    },
                    |p| p.agency.as_str() == agency && p.tier != accord_policy::RoleTier::Admin,
                );
                let mut unknown = Question::checkboxes(
                    "professional_unknown",
                    "If you cannot name them",
                    vec![Choice::new(
                        "yes",
                        "I do not know who it is, or it is not one person",
                    )],
                    draft,
                );
                if draft.get("other_professional") == "unknown" {
                    unknown.options[0].checked = true;
                }
                (
                    heading.clone(),
                    vec![
                        Question::people("other_professional", &heading, picker, draft)
                            .hint(
                                "The person whose decision you disagree with, where you know: \
                                 find them by name or job title.",
                            )
                            .page_heading(),
                        unknown,
                    ],
                )
            }
            Step::Subjects => {
                let kinds = &policy.subjects;
                let adults = kinds.contains(&SubjectKind::VulnerableAdult);
                let children = kinds.contains(&SubjectKind::Child);
                intro.push(if adults && children {
                    "Give the name of each child or adult at risk it is about, as it is on your \
                 agency's records."
                        .to_owned()
                } else {
                    "Give the name of each child it is about, as it is on your agency's records."
                        .to_owned()
                });
                let mut questions = Vec::new();
                for n in 1..=j.subject_count(draft) {
                    let who = if adults && children {
                        "Child or adult"
                    } else {
                        "Child"
                    };
                    let mut name = Question::text(&format!("s{n}-name"), "Their full name", draft)
                        .width("govuk-!-width-two-thirds");
                    name.before = format!("{who} {n}");
                    questions.push(name);
                    questions.push(
                        Question::date(&format!("s{n}-dob"), "Date of birth (optional)", draft)
                            .hint("For example, 27 3 2019"),
                    );
                    questions.push(
                        Question::text(&format!("s{n}-nhs"), "NHS number (optional)", draft)
                            .hint("10 digits, like 943 476 5919")
                            .width("govuk-input--width-10")
                            .numeric(),
                    );
                    questions.push(
                        Question::text(
                            &format!("s{n}-local_id"),
                            "Local identifier (optional)",
                            draft,
                        )
                        .hint(
                            "Their number on the children's social care system, such as an LCS \
                             or Mosaic id",
                        )
                        .width("govuk-input--width-20"),
                    );
                    if adults && children {
                        questions.push(Question::radios(
                            &format!("s{n}-kind"),
                            "Are they a child or an adult at risk?",
                            vec![
                                Choice::new("child", "A child"),
                                Choice::new("vulnerable-adult", "An adult at risk"),
                            ],
                            draft,
                        ));
                    }
                    questions.push(
                        Question::checkboxes(
                            &format!("s{n}-flags"),
                            "Which of these are true?",
                            flag_choices(draft.get(&format!("s{n}-kind"))),
                            draft,
                        )
                        .hint("Tick all that are true. Leave them all unticked if none is."),
                    );
                }
                let mut none = Question::checkboxes(
                    "no_subject",
                    "Or is it about how agencies work together?",
                    vec![Choice::new(
                        "yes",
                        "It is not about a particular child or adult: it is a partnership issue",
                    )],
                    draft,
                );
                none.before = "Not about one child".to_owned();
                questions.push(none);
                ("Who is it about?".to_owned(), questions)
            }
            Step::ImmediateRisk => {
                let risk = &policy.immediate_risk;
                let notified: Vec<String> =
                    risk.notify.iter().map(|r| words::role(policy, r)).collect();
                blocks.push(
                    Block::new("Do this now")
                        .paragraph(format!("{} ({})", risk.instruction, risk.section))
                        .warning(),
                );
                if !notified.is_empty() {
                    intro.push(format!(
                        "When you raise it, Accord also tells your agency's {} at once.",
                        notified.join(" and ")
                    ));
                }
                let track = j.track(draft);
                let entry = match draft.get("area").parse() {
                    Ok(area) => policy.entry_stage(track, &area),
                    Err(_) => track.first_stage(),
                };
                let later: Vec<&Stage> = track
                    .stages
                    .iter()
                    .filter(|s| {
                        track.immediate_risk_entry.contains(&s.number) && s.number > entry.number
                    })
                    .collect();
                let questions =
                    if later.is_empty() {
                        intro.push(format!(
                    "{} does not let a disagreement skip a stage because of immediate risk: it \
                     starts at {} and is resolved as quickly as the child's safety needs.",
                    policy.title,
                    stage_words(entry.number, &entry.name)
                ));
                        Vec::new()
                    } else {
                        let mut options = vec![
                            Choice::new("", stage_words(entry.number, &entry.name))
                                .hint("Where it starts without immediate risk."),
                        ];
                        options.extend(later.iter().map(|s| {
                            Choice::new(s.number.to_string(), stage_words(s.number, &s.name))
                        }));
                        vec![
                    Question::radios("start_at", "Which stage should it start at?", options, draft)
                        .hint(
                            "The policy lets you start at a later stage when a child is at \
                             immediate risk.",
                        ),
                    Question::textarea(
                        "start_reason",
                        "If you start at a later stage, why pass over the stages below it?",
                        draft,
                    )
                    .hint("Leave this blank if it starts where it would without immediate risk."),
                ]
                    };
                ("A child is at immediate risk".to_owned(), questions)
            }
            Step::Area => {
                let track = j.track(draft);
                let options = policy
                    .areas_for(&track.id)
                    .map(|a| {
                        let mut c = Choice::new(a.id.as_str(), super::capitalised(&a.label));
                        if let Some(n) = a.entry_stage
                            && let Some(s) = track.stage(n)
                        {
                            c = c.hint(format!("Starts at {}.", stage_words(s.number, &s.name)));
                        }
                        c
                    })
                    .collect();
                (
                    "What is the disagreement about?".to_owned(),
                    vec![
                        Question::radios("area", "What is the disagreement about?", options, draft)
                            .hint(format!("The areas {} names.", policy.title))
                            .page_heading(),
                    ],
                )
            }
            Step::Concern => (
                "What has happened".to_owned(),
                vec![
                    Question::textarea(
                        "disputed",
                        "What was decided, done or not done that you disagree with?",
                        draft,
                    ),
                    Question::textarea("evidence", "What is your evidence?", draft)
                        .hint("Say what you know and where it comes from."),
                    Question::textarea("outcome_sought", "What outcome do you want?", draft)
                        .hint("What would keep the child safe, in your view."),
                ],
            ),
            Step::EntryForm => {
                let forms = j.entry_forms(draft);
                let start = j.start_stage(draft);
                match forms.first() {
                    Some(form) => {
                        intro.push(format!(
                            "{} needs the {} to begin ({}).",
                            stage_words(start.number, &start.name),
                            form.title,
                            form.section
                        ));
                        let asked = |s: &FormSection| j.asks(s);
                        blocks.extend(policy_forms::not_asked(policy, form, None, asked));
                        (
                            form.title.clone(),
                            policy_forms::questions(policy, form, draft, &Errors::default(), asked),
                        )
                    }
                    None => ("No form is needed".to_owned(), Vec::new()),
                }
            }
        };
    (title, intro, blocks, questions)
}

/// The mistakes in `step`'s answers in `draft`.
fn check(j: &Journey, step: Step, draft: &Posted) -> Errors {
    let policy = j.policy;
    let mut e = Errors::default();
    match step {
        Step::Scope => {
            let v = draft.get("scope");
            if v != "none" && !out_of_scope(policy).any(|s| s.id.as_str() == v) {
                e.add("scope", "Select whether your concern is one of these");
            }
        }
        Step::Policy => {
            if policy.tracks.len() > 1
                && !policy
                    .tracks
                    .iter()
                    .any(|t| t.id.as_str() == draft.get("track"))
            {
                e.add("track", "Select what kind of disagreement it is");
            }
        }
        Step::OtherAgency => {
            let v = draft.get("other_agency");
            if !j.other_agencies().iter().any(|a| a.id.as_str() == v) {
                e.add("other_agency", "Select the agency you disagree with");
            }
        }
        Step::OtherProfessional => {
            let v = draft.get("other_professional");
            let agency = draft.get("other_agency");
            let known = j
                .people
                .iter()
                .any(|p| p.id.as_str() == v && p.agency.as_str() == agency);
            if known && draft.get("professional_unknown") == "yes" {
                e.add(
                    "other_professional",
                    "Choose the professional, or tick that you do not know who it is, not both",
                );
            } else if v != "unknown" && !known {
                e.add(
                    "other_professional",
                    not_chosen(
                        draft,
                        "other_professional",
                        "Select the professional, or that you do not know who it is",
                    ),
                );
            }
        }
        Step::Subjects => {
            let none = draft.get("no_subject") == "yes";
            let named: Vec<usize> = (1..=j.subject_count(draft))
                .filter(|n| !draft.get(&format!("s{n}-name")).trim().is_empty())
                .collect();
            if !none {
                let both = policy.subjects.len() > 1;
                for n in 1..=j.subject_count(draft) {
                    let name = draft.get(&format!("s{n}-name")).trim();
                    let flags = draft.all(&format!("s{n}-flags"));
                    if name.is_empty() && (!flags.is_empty() || has_details(draft, n)) {
                        e.add(&format!("s{n}-name"), "Enter their full name");
                    }
                    let details = SubjectDetails::read(draft, n, j.now);
                    for (field, problem) in details.problems {
                        e.add(&format!("s{n}-{field}"), problem);
                    }
                    if name.chars().count() > crate::api::limits::MAX_NAME_CHARS {
                        e.add(
                            &format!("s{n}-name"),
                            format!(
                                "Their name must be {} characters or fewer",
                                crate::api::limits::MAX_NAME_CHARS
                            ),
                        );
                    }
                    if both
                        && !name.is_empty()
                        && !matches!(
                            draft.get(&format!("s{n}-kind")),
                            "child" | "vulnerable-adult"
                        )
                    {
                        e.add(
                            &format!("s{n}-kind"),
                            "Select whether they are a child or an adult at risk",
                        );
                    }
                }
            }
            if none && !named.is_empty() {
                e.add(
                    "no_subject",
                    "Either give the names of those it is about, or tick that it is a \
                     partnership issue, not both",
                );
            } else if !none && named.is_empty() {
                e.add(
                    "s1-name",
                    "Enter the name of the child it is about, or tick that it is a partnership \
                     issue",
                );
            }
        }
        Step::ImmediateRisk => {
            let v = draft.get("start_at");
            if !v.is_empty() && draft.get("start_reason").trim().is_empty() {
                e.add(
                    "start_reason",
                    "Enter why the stages below it are passed over, or start where it would \
                     without immediate risk",
                );
            }
            if !v.is_empty() && v.parse::<u8>().is_err() {
                e.add("start_at", "Select the stage it should start at");
            }
        }
        Step::Area => {
            let track = j.track(draft);
            if !policy
                .areas_for(&track.id)
                .any(|a| a.id.as_str() == draft.get("area"))
            {
                e.add("area", "Select what the disagreement is about");
            }
        }
        Step::Concern => {
            e.take(
                "disputed",
                draft.text("disputed", "Enter what was decided, done or not done"),
            );
            e.take("evidence", draft.text("evidence", "Enter your evidence"));
            e.take(
                "outcome_sought",
                draft.text("outcome_sought", "Enter the outcome you want"),
            );
        }
        Step::EntryForm => {
            if let Some(form) = j.entry_forms(draft).first() {
                match policy_forms::read(form, draft, |s| j.asks(s)) {
                    Err(errors) => e = errors,
                    // What the document requires on submission, as the
                    // engine will ask for it, by the question that asks it.
                    Ok(values) => {
                        for section in form.sections.iter().filter(|s| j.asks(s)) {
                            for field in &section.fields {
                                let required =
                                    field.required == accord_policy::FieldRequired::OnSubmit;
                                if required && values.get(&field.id).is_none() {
                                    e.add(
                                        &policy_forms::question_of(Some(form), field.id.as_str()),
                                        format!(
                                            "Answer “{}” under {}",
                                            field.label.trim_end_matches(':'),
                                            section.title
                                        ),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    e
}

// --- Checking the answers and raising ------------------------------------

#[derive(Template)]
#[template(path = "raise_check.html")]
struct CheckPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    sections: Vec<(String, Vec<Answer>)>,
    csrf_token: String,
}

/// One answer on the check page.
struct Answer {
    key: String,
    value: Vec<String>,
    change: String,
    /// What the visually hidden part of "Change" says.
    change_what: String,
    /// The change link's `id`, on the first answer of each page, for the
    /// error summary to link to.
    anchor: String,
}

/// `GET /raise/check`: every answer, each with a link to change it.
pub(crate) async fn check_answers(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let saved = draft(&state, &viewer).await?;
    with_journey!(&state, &viewer, |j| {
        if let Some(step) = first_incomplete(&j, &saved) {
            return Ok(Redirect::to(&format!("/raise/{}", step.slug())).into_response());
        }
        Ok(check_page(&j, &saved, Vec::new(), StatusCode::OK))
    })
}

fn check_page(
    j: &Journey,
    draft: &Posted,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let policy = j.policy;
    let change = |s: Step| format!("/raise/{}?from=check", s.slug());
    let answer = |key: &str, value: Vec<String>, step: Step| Answer {
        key: key.to_owned(),
        change_what: key.to_lowercase(),
        value,
        change: change(step),
        anchor: format!("change-{}", step.slug()),
    };
    // The policy is the one Accord runs for the partnership: said, not
    // changed here.
    let mut about = vec![Answer {
        change: String::new(),
        anchor: String::new(),
        ..answer(
            "Policy",
            vec![format!("{}: {}", j.partnership.name, policy.title)],
            Step::Policy,
        )
    }];
    if policy.tracks.len() > 1 {
        about.push(answer(
            "Kind of disagreement",
            vec![j.track(draft).name.clone()],
            Step::Policy,
        ));
    }
    about.push(answer(
        "Agency you disagree with",
        vec![j.agency_name(draft.get("other_agency"))],
        Step::OtherAgency,
    ));
    about.push(answer(
        "The professional",
        vec![
            j.people
                .iter()
                .find(|p| p.id.as_str() == draft.get("other_professional"))
                .map_or_else(|| "Not known".to_owned(), |p| p.name.clone()),
        ],
        Step::OtherProfessional,
    ));
    let subjects = subjects(j, draft);
    about.push(answer(
        "Who it is about",
        if subjects.is_empty() {
            vec!["Not a particular child or adult: a partnership issue".to_owned()]
        } else {
            subjects
                .iter()
                .map(|s| {
                    let mut flags = Vec::new();
                    if s.child_protection_plan {
                        flags.push("Child Protection Plan");
                    }
                    if s.looked_after {
                        flags.push("Looked After");
                    }
                    if s.immediate_risk {
                        flags.push("at immediate risk of significant harm");
                    }
                    let details = super::words::subject_details(s);
                    let name = if details.is_empty() {
                        s.name.to_string()
                    } else {
                        format!("{} ({})", s.name, details.join(", "))
                    };
                    if flags.is_empty() {
                        name
                    } else {
                        format!("{name}: {}", flags.join(", "))
                    }
                })
                .collect()
        },
        Step::Subjects,
    ));
    let start = j.start_stage(draft);
    if j.applies(Step::ImmediateRisk, draft) {
        let mut v = vec![stage_words(start.number, &start.name)];
        if !draft.get("start_at").is_empty() {
            v.push(draft.get("start_reason").trim().to_owned());
        }
        about.push(answer("Starting stage", v, Step::ImmediateRisk));
    }
    about.push(answer(
        "Area of disagreement",
        vec![
            policy
                .areas
                .iter()
                .find(|a| a.id.as_str() == draft.get("area"))
                .map_or_else(String::new, |a| super::capitalised(&a.label)),
        ],
        Step::Area,
    ));
    let concern = vec![
        answer(
            "What was decided or not done",
            vec![draft.get("disputed").trim().to_owned()],
            Step::Concern,
        ),
        answer(
            "Your evidence",
            vec![draft.get("evidence").trim().to_owned()],
            Step::Concern,
        ),
        answer(
            "The outcome you want",
            vec![draft.get("outcome_sought").trim().to_owned()],
            Step::Concern,
        ),
    ];
    let mut sections = vec![
        ("The disagreement".to_owned(), about),
        ("What has happened".to_owned(), concern),
    ];
    if let Some(form) = j.entry_forms(draft).first() {
        let values = policy_forms::read(form, draft, |s| j.asks(s)).unwrap_or_default();
        let rows = form
            .sections
            .iter()
            .flat_map(|s| &s.fields)
            .filter(|f| f.kind != FieldKind::Rows)
            .filter_map(|f| {
                let v = values.get(&f.id)?;
                let text = match v {
                    accord_case::FieldValue::Text(t) => t.clone(),
                    accord_case::FieldValue::Date(d) => d.strftime("%-d %B %Y").to_string(),
                    accord_case::FieldValue::YesNo(b) => if *b { "Yes" } else { "No" }.to_owned(),
                    accord_case::FieldValue::Rows(_) => return None,
                };
                Some(answer(&f.label, vec![text], Step::EntryForm))
            })
            .collect();
        sections.push((form.title.clone(), rows));
    }
    // Only the first answer of each page carries the page's anchor.
    let mut seen = std::collections::HashSet::new();
    for (_, answers) in &mut sections {
        for a in answers.iter_mut() {
            if !seen.insert(a.anchor.clone()) {
                a.anchor.clear();
            }
        }
    }
    let mut chrome = Chrome::new("Check your answers", Section::Raise, Some(j.viewer));
    chrome.has_errors = !errors.is_empty();
    let page = CheckPage {
        chrome,
        errors,
        sections,
        csrf_token: j.viewer.csrf_token().to_owned(),
    };
    html_with_status(status, &page)
}

/// The children or adults answered, with ids `s1`, `s2`… in order.
fn subjects(j: &Journey, draft: &Posted) -> Vec<Subject> {
    if draft.get("no_subject") == "yes" {
        return Vec::new();
    }
    (1..=j.subject_count(draft))
        .filter_map(|n| {
            let name = Text::parse(draft.get(&format!("s{n}-name"))).ok()?;
            let flags = format!("s{n}-flags");
            let details = SubjectDetails::read(draft, n, j.now);
            Some(Subject {
                id: SubjectId::parse(&format!("s{n}")).ok()?,
                name,
                kind: if draft.get(&format!("s{n}-kind")) == "vulnerable-adult" {
                    SubjectKind::VulnerableAdult
                } else {
                    SubjectKind::Child
                },
                child_protection_plan: draft.has(&flags, "child_protection_plan"),
                looked_after: draft.has(&flags, "looked_after"),
                immediate_risk: draft.has(&flags, "immediate_risk"),
                date_of_birth: details.date_of_birth,
                nhs_number: details.nhs_number,
                local_id: details.local_id,
            })
        })
        .collect()
}

/// Whether any of child `n`'s date of birth and identifiers is typed.
fn has_details(draft: &Posted, n: usize) -> bool {
    ["dob-day", "dob-month", "dob-year", "nhs", "local_id"]
        .iter()
        .any(|f| !draft.get(&format!("s{n}-{f}")).trim().is_empty())
}

/// A child's date of birth and identifiers as typed on the raise, each
/// optional (issue 14 §2), and what is wrong with any of them.
struct SubjectDetails {
    date_of_birth: Option<jiff::civil::Date>,
    nhs_number: Option<NhsNumber>,
    local_id: Option<LocalId>,
    /// The field (`dob`, `nhs`, `local_id`) and what to fix in it.
    problems: Vec<(&'static str, String)>,
}

impl SubjectDetails {
    fn read(draft: &Posted, n: usize, now: jiff::Timestamp) -> SubjectDetails {
        let mut problems = Vec::new();
        let field = |f: &str| format!("s{n}-{f}");
        let date_of_birth = if ["day", "month", "year"]
            .iter()
            .all(|p| draft.get(&field(&format!("dob-{p}"))).trim().is_empty())
        {
            None
        } else {
            match draft.date(&field("dob"), "their date of birth") {
                Ok(born) if born > accord_case::dates::uk_date(now) => {
                    problems.push((
                        "dob",
                        "Their date of birth must be today or in the past".to_owned(),
                    ));
                    None
                }
                Ok(born) => match accord_case::dates::FORM_ANSWERS.problem(born) {
                    Some(_) => {
                        problems.push((
                            "dob",
                            "Their date of birth must be after 1 January 1900".to_owned(),
                        ));
                        None
                    }
                    None => Some(born),
                },
                Err(problem) => {
                    problems.push(("dob", problem));
                    None
                }
            }
        };
        let mut optional = |f: &'static str, parse: &dyn Fn(&str) -> Result<(), String>| {
            let typed = draft.get(&field(f)).trim().to_owned();
            if typed.is_empty() {
                return None;
            }
            match parse(&typed) {
                Ok(()) => Some(typed),
                Err(problem) => {
                    problems.push((f, problem));
                    None
                }
            }
        };
        let nhs_number = optional("nhs", &|t| {
            NhsNumber::parse(t).map(|_| ()).map_err(|e| e.to_string())
        })
        .and_then(|t| NhsNumber::parse(&t).ok());
        let local_id = optional("local_id", &|t| {
            LocalId::parse(t).map(|_| ()).map_err(|e| e.to_string())
        })
        .and_then(|t| LocalId::parse(&t).ok());
        SubjectDetails {
            date_of_birth,
            nhs_number,
            local_id,
            problems,
        }
    }
}

/// The raise the answers make, or the page to fix first.
fn request(j: &Journey, draft: &Posted) -> Result<RaiseRequest, Step> {
    let text = |name: &str| Text::parse(draft.get(name)).map_err(|_| Step::Concern);
    let track = j.track(draft);
    let area = draft.get("area").parse().map_err(|_| Step::Area)?;
    let other_agency = AgencyId::parse(draft.get("other_agency")).map_err(|_| Step::OtherAgency)?;
    let other_professional = match draft.get("other_professional") {
        "unknown" => None,
        id => Some(PersonId::parse(id).map_err(|_| Step::OtherProfessional)?),
    };
    let start_at = match draft.get("start_at") {
        "" => None,
        n => Some(LaterStart {
            stage: n
                .parse::<u8>()
                .ok()
                .and_then(accord_policy::StageNumber::new)
                .ok_or(Step::ImmediateRisk)?,
            reason: Text::parse(draft.get("start_reason")).map_err(|_| Step::ImmediateRisk)?,
        }),
    };
    let mut forms = std::collections::BTreeMap::new();
    for form in j.entry_forms(draft) {
        let values = policy_forms::read(form, draft, |s| j.asks(s)).map_err(|_| Step::EntryForm)?;
        forms.insert(form.id.clone(), values);
    }
    Ok(RaiseRequest {
        track: (j.policy.tracks.len() > 1).then(|| track.id.clone()),
        area,
        signpost: None,
        other_agency,
        other_professional,
        subjects: subjects(j, draft),
        concern: Concern {
            disputed: text("disputed")?,
            evidence: text("evidence")?,
            outcome_sought: text("outcome_sought")?,
        },
        start_at,
        forms,
    })
}

/// Which page a refusal of the raise is about.
fn step_for(field: Option<&str>) -> Step {
    match field.unwrap_or("") {
        "track" => Step::Policy,
        "other_agency" => Step::OtherAgency,
        "other_professional" => Step::OtherProfessional,
        "area" => Step::Area,
        f if f.starts_with("subjects") => Step::Subjects,
        f if f.starts_with("start_at") => Step::ImmediateRisk,
        f if f.starts_with("forms") => Step::EntryForm,
        "signpost" => Step::Scope,
        _ => Step::Concern,
    }
}

/// `POST /raise/check`: raises it.
pub(crate) async fn raise(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let saved = draft(&state, &viewer).await?;
    with_journey!(&state, &viewer, |j| {
        if let Some(step) = first_incomplete(&j, &saved) {
            return Ok(Redirect::to(&format!("/raise/{}", step.slug())).into_response());
        }
        let body = match request(&j, &saved) {
            Ok(body) => body,
            Err(step) => {
                return Ok(Redirect::to(&format!("/raise/{}", step.slug())).into_response());
            }
        };
        match raise_case(&state, &viewer.principal, body, "page: raised").await {
            Ok((case, _, _)) => {
                state
                    .store()
                    .discard_raise_draft(viewer.principal.id())
                    .await
                    .map_err(|e| PageError::new(e.into(), &viewer))?;
                Ok(Redirect::to(&format!("/cases/{}?done=raised", case.id())).into_response())
            }
            Err(error) => {
                let (message, field) = match &error {
                    ApiError::Refused { refusal, field } => (
                        format!(
                            "{} ({})",
                            sentence(&refusal.to_string()).trim_end_matches('.'),
                            refusal.section()
                        ),
                        field.clone(),
                    ),
                    ApiError::Unprocessable { message, field, .. } => (
                        sentence(message).trim_end_matches('.').to_owned(),
                        field.clone(),
                    ),
                    ApiError::Conflict(_) => (
                        "Another disagreement was raised at the same moment and took its number: \
                         raise it again"
                            .to_owned(),
                        None,
                    ),
                    _ => return Err(PageError::new(error, &viewer)),
                };
                let step = step_for(field.as_deref());
                // The error summary links to the answer to change.
                let errors = vec![FieldError::new(format!("change-{}", step.slug()), message)];
                Ok(check_page(
                    &j,
                    &saved,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))
            }
        }
    })
}

// --- Out of scope --------------------------------------------------------

#[derive(Template)]
#[template(path = "raise_elsewhere.html")]
struct ElsewherePage {
    chrome: Chrome,
    concern: String,
    go_to: String,
    section: String,
    policy_title: String,
}

/// `GET /raise/elsewhere`: where a concern the policy does not cover goes.
pub(crate) async fn elsewhere(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let saved = draft(&state, &viewer).await?;
    with_journey!(&state, &viewer, |j| {
        let Some(signpost) = out_of_scope(j.policy).find(|s| s.id.as_str() == saved.get("scope"))
        else {
            return Ok(Redirect::to("/raise/scope").into_response());
        };
        let page = ElsewherePage {
            chrome: Chrome::new(
                "This policy does not cover your concern",
                Section::Raise,
                Some(&viewer),
            ),
            concern: sentence(&signpost.concern),
            go_to: sentence(&signpost.go_to),
            section: signpost.section.clone(),
            policy_title: j.policy.title.clone(),
        };
        Ok(html(&page))
    })
}

/// A policy's title to start a sentence: "The Escalation & Dispute
/// Resolution Policy", not "Escalation & Dispute Resolution Policy".
fn the_title(title: &str) -> String {
    if title.starts_with("The ") {
        title.to_owned()
    } else {
        format!("The {title}")
    }
}
