//! The words of a message: what happened, what the reader must do, by
//! when, and a link to the case. Each notification and reminder has two
//! sets, made from the same facts (its occasion, case, stage, deadline and
//! the policy's words): the email's subject and body, which stand alone
//! and carry the case's address, and the app's [`Notice`], a line read by
//! someone already signed in beside a link to the case, which says what to
//! do and by when only when there is something to do. Both name the case
//! by its reference only, never a child: email leaves the partnership's
//! systems, and a subject line is read on a lock screen.

use accord_calendar::Due;
use accord_case::{Case, CaseId, Occasion, Status};
use accord_policy::{FormId, Policy, Relation, RoleRef, StageNumber};
use accord_store::{DeadlineEntry, FollowUpEntry, Notice, OutboxEntry};
use jiff::civil::Date;

/// A message's words: the email's subject line and plain-text body, and
/// the app's notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    /// The email's subject.
    pub subject: String,
    /// The email's body.
    pub body: String,
    /// The same message in the app's words.
    pub notice: Notice,
}

/// The words of notification `entry` on `case`.
pub fn notification(entry: &OutboxEntry, case: &Case, policy: &Policy, base_url: &str) -> Words {
    let id = &entry.case;
    let stage = stage_label(policy, case, entry.stage);
    let (headline, happened) = match entry.occasion {
        Occasion::Raised => (
            format!("raised with you at {stage}"),
            format!(
                "A professional disagreement, {id}, has been raised between your agency and \
                 another, and is at {stage}, where you lead your agency's part in it."
            ),
        ),
        Occasion::StageEntry => (
            format!("now at {stage}"),
            format!("The disagreement {id} is now at {stage}."),
        ),
        Occasion::StageExit => (
            format!("escalated from {stage}"),
            format!("The disagreement {id} has been escalated from {stage} to the next stage."),
        ),
        Occasion::Resolved => (
            "resolved".to_owned(),
            format!("The disagreement {id} has been resolved at {stage}."),
        ),
        Occasion::OutcomeFeedback => (
            "outcome agreed".to_owned(),
            format!(
                "The disagreement {id} has been resolved at {stage}, and its outcome is on the case."
            ),
        ),
        Occasion::Closed => (
            "closed".to_owned(),
            format!("The disagreement {id} has been closed at {stage}."),
        ),
        Occasion::Breach => (
            format!("deadline passed at {stage}"),
            format!("A deadline on the disagreement {id} has passed at {stage}."),
        ),
        Occasion::ImmediateRisk => (
            "raised with immediate risk".to_owned(),
            format!(
                "The disagreement {id} was raised about a child or adult at immediate risk of \
                 significant harm."
            ),
        ),
        Occasion::FormSubmitted => (
            "form sent to you".to_owned(),
            format!(
                "A form on the disagreement {id} has been sent to you: {}.",
                forms(policy, entry)
            ),
        ),
        Occasion::FormReturned => (
            "form returned".to_owned(),
            format!(
                "A form on the disagreement {id} has been completed and returned: {}.",
                forms(policy, entry)
            ),
        ),
        Occasion::CircumstancesChanged => (
            "circumstances changed".to_owned(),
            format!(
                "A child's circumstances on the disagreement {id} have changed: they are now \
                 Looked After or have a Child Protection Plan."
            ),
        ),
    };
    // Only a stage being entered has a deadline the reader is asked to meet.
    let by_when = match entry.occasion {
        Occasion::Raised | Occasion::StageEntry | Occasion::ImmediateRisk
            if case.stage() == entry.stage =>
        {
            Some(due_words(case.due()))
        }
        Occasion::Breach => Some("Today: the deadline has already passed.".to_owned()),
        _ => None,
    };
    // Forms hold the child's details, so they are never emailed: the
    // reader opens them on the case.
    let happened = if entry.attachments.is_empty() || entry.occasion == Occasion::FormSubmitted {
        happened
    } else {
        format!(
            "{happened} It comes with the {}: read it on the case.",
            forms(policy, entry)
        )
    };
    let mut words = compose(
        id,
        &headline,
        &happened,
        &entry.message,
        by_when.as_deref(),
        &format!("{}, {}", policy.title, entry.section),
        base_url,
    );
    words.notice = notice(entry, case, policy);
    words
}

/// The app's words for notification `entry` on `case`. The reader has
/// something to do only when it asks them to act on the stage the case is
/// still at (it was raised with them, entered the stage, came with an
/// immediate risk, or passed the stage's deadline) and they lead that
/// stage; then the policy's words are what to do, and the stage's deadline
/// is by when. Otherwise the policy's words are told beside what happened.
fn notice(entry: &OutboxEntry, case: &Case, policy: &Policy) -> Notice {
    let id = &entry.case;
    let stage = stage_label(policy, case, entry.stage);
    let mut happened = match entry.occasion {
        Occasion::Raised => format!("{id} has been raised with your agency, at {stage}."),
        Occasion::StageEntry => format!("{id} is now at {stage}."),
        Occasion::StageExit => format!("{id} has been escalated from {stage}."),
        Occasion::Resolved => format!("{id} has been resolved at {stage}."),
        Occasion::OutcomeFeedback => format!("The outcome of {id} has been agreed at {stage}."),
        Occasion::Closed => format!("{id} has been closed at {stage}."),
        Occasion::Breach => format!("The deadline for {stage} on {id} has passed."),
        Occasion::ImmediateRisk => {
            format!("{id} was raised about a child at immediate risk of significant harm.")
        }
        Occasion::FormSubmitted => {
            format!(
                "{} on {id} has been sent to you.",
                sentence_start(&forms(policy, entry))
            )
        }
        Occasion::FormReturned => format!(
            "{} on {id} has been completed and returned.",
            sentence_start(&forms(policy, entry))
        ),
        Occasion::CircumstancesChanged => {
            format!("A child on {id} is now Looked After or has a Child Protection Plan.")
        }
    };
    // Forms hold the child's details: they are read on the case.
    if !entry.attachments.is_empty() && entry.occasion != Occasion::FormSubmitted {
        happened.push_str(&format!(" The {} is on the case.", forms(policy, entry)));
    }
    let asks = matches!(
        entry.occasion,
        Occasion::Raised | Occasion::StageEntry | Occasion::ImmediateRisk | Occasion::Breach
    ) && case.status() == Status::Open
        && case.stage() == entry.stage
        && leads_the_stage(&entry.recipient, case, policy);
    if !asks {
        return Notice {
            happened,
            detail: entry.message.clone(),
            todo: None,
            by_when: None,
        };
    }
    let by_when = match (entry.occasion, case.due()) {
        (Occasion::Breach, _) => "Now: the deadline has passed.".to_owned(),
        (_, Due::At { last_day, .. }) => {
            format!("By the end of {}.", last_day.strftime("%A %-d %B %Y"))
        }
        (_, Due::AsSoonAsPossible) => {
            "As soon as possible: this stage has no set timescale.".to_owned()
        }
    };
    Notice {
        happened,
        detail: String::new(),
        todo: Some(entry.message.clone()),
        by_when: Some(by_when),
    }
}

/// Whether `role` is someone who works the case's current stage: either
/// side's lead, the tier above them (East Riding §3), the panel, or a role
/// the stage names to lead, decide or chair it.
fn leads_the_stage(role: &RoleRef, case: &Case, policy: &Policy) -> bool {
    match role {
        RoleRef::Relation(
            Relation::StageLeads
            | Relation::RaiserAgencyLead
            | Relation::OtherAgencyLead
            | Relation::NextTierUp
            | Relation::Panel,
        ) => true,
        RoleRef::Relation(Relation::Raiser | Relation::AreaRoute) => false,
        named => case.current_stage(policy).is_some_and(|s| {
            [
                &s.leads.raising,
                &s.leads.other,
                &s.leads.decides,
                &s.leads.chairs,
            ]
            .iter()
            .any(|roles| roles.contains(named))
        }),
    }
}

/// `text` with its first letter a capital, to start a sentence.
fn sentence_start(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The words of the reminder before `deadline` on `case`.
pub fn reminder(deadline: &DeadlineEntry, case: &Case, policy: &Policy, base_url: &str) -> Words {
    let id = &deadline.case;
    let stage = stage_label(policy, case, deadline.stage);
    let (what, todo) = match &deadline.form {
        Some(form) => (
            format!("{} for {stage}", form_title(policy, form)),
            format!(
                "Complete and submit the {} on the case.",
                form_title(policy, form)
            ),
        ),
        None => (
            stage.clone(),
            "Finish this stage: record the discussion and its outcome, escalate, or resolve. \
             If more time is needed, a manager can extend the deadline with a reason."
                .to_owned(),
        ),
    };
    let day = deadline.last_day.strftime("%A %-d %B %Y");
    let by_when = format!("By the end of {day}.");
    let mut words = compose(
        id,
        "deadline approaching",
        &format!("The deadline for {what} on the disagreement {id} is the end of {day}."),
        &todo,
        Some(&by_when),
        &format!("{}: reminders before each deadline", policy.title),
        base_url,
    );
    // A reminder always asks something of its reader.
    words.notice = Notice {
        happened: format!("The deadline for {what} on {id} is coming up."),
        detail: String::new(),
        todo: Some(todo),
        by_when: Some(by_when),
    };
    words
}

/// The words of the reminder that learning follow-up `follow_up` on `case`
/// is overdue. Like every message, it names the case by its reference
/// only: what is to be done is read on the case.
pub fn follow_up_overdue(
    follow_up: &FollowUpEntry,
    case: &Case,
    policy: &Policy,
    base_url: &str,
) -> Words {
    let id = case.id();
    let day = follow_up.due_on.strftime("%A %-d %B %Y");
    let theme = case
        .follow_up(follow_up.follow_up)
        .and_then(|(learning, _)| policy.learning.theme(&learning.theme))
        .map(|t| format!(" ({})", t.label))
        .unwrap_or_default();
    let happened = format!(
        "A follow-up of the learning{theme} from the disagreement {id} was due by the end of {day}, and is not marked done."
    );
    let todo = "Do the follow-up and mark it done on the case. If it cannot be done, \
                tell the partnership team why, so that they can agree another.";
    let by_when = format!("It was due by the end of {day}.");
    let mut words = compose(
        id,
        "learning follow-up overdue",
        &happened,
        todo,
        Some(&by_when),
        &format!(
            "{}: learning is followed up ({})",
            policy.title, policy.learning.section
        ),
        base_url,
    );
    words.notice = Notice {
        happened: format!("A learning follow-up on {id} is overdue."),
        detail: String::new(),
        todo: Some(todo.to_owned()),
        by_when: Some(by_when),
    };
    words
}

/// The notice to the partnership team that `case`, due under `rule` on
/// `due_on`, will be erased on or after `erase_on` (issue 17 §2).
pub fn retention_notice(
    case: &Case,
    rule: accord_case::ErasureRule,
    due_on: Date,
    erase_on: Date,
    base_url: &str,
) -> Words {
    let id = case.id();
    let due = due_on.strftime("%A %-d %B %Y");
    let erase = erase_on.strftime("%A %-d %B %Y");
    let happened = format!(
        "The disagreement {id} fell due for erasure on {due} under your partnership's retention schedule ({rule}). Its personal data will be erased on or after {erase}: its subjects, free text and form answers, for good. Its stages, dates, agencies and outcome stay for your figures."
    );
    let todo = "Nothing, if it should be erased. If it must be kept, such as for a Child \
                Safeguarding Practice Review or court proceedings, place a legal hold on it \
                before then: accord retention hold CASE --by SIGN-IN --reason \"...\".";
    let by_when = format!("Before {erase}.");
    let mut words = compose(
        id,
        "due for erasure",
        &happened,
        todo,
        Some(&by_when),
        "your partnership's retention schedule gives notice before erasing a case",
        base_url,
    );
    words.notice = Notice {
        happened: format!("{id} will be erased on or after {erase} under the retention schedule."),
        detail: String::new(),
        todo: Some(todo.to_owned()),
        by_when: Some(by_when),
    };
    words
}

fn compose(
    id: &CaseId,
    headline: &str,
    happened: &str,
    todo: &str,
    by_when: Option<&str>,
    why: &str,
    base_url: &str,
) -> Words {
    let mut body = format!("{happened}\n\nWhat you need to do:\n{todo}\n");
    if let Some(by_when) = by_when {
        body.push_str(&format!("\nBy when:\n{by_when}\n"));
    }
    body.push_str(&format!(
        "\nOpen the case:\n{}/cases/{id}\n\nYou are told because: {why}.\n\n\
         This message names the case by its reference only. Sign in to Accord to read it.\n",
        base_url.trim_end_matches('/')
    ));
    Words {
        subject: format!("Accord {id}: {headline}"),
        body,
        notice: Notice::default(),
    }
}

fn stage_label(policy: &Policy, case: &Case, stage: StageNumber) -> String {
    match policy
        .track(case.track())
        .and_then(|t| t.stage(stage))
        .map(|s| s.name.clone())
    {
        Some(name) if name.to_lowercase().starts_with("stage") => name,
        Some(name) => format!("Stage {stage} ({name})"),
        None => format!("Stage {stage}"),
    }
}

fn due_words(due: Due) -> String {
    match due {
        Due::At { last_day, .. } => format!("By the end of {}.", last_day.strftime("%A %-d %B %Y")),
        Due::AsSoonAsPossible => "As soon as possible: this stage has no set timescale.".to_owned(),
    }
}

fn form_title(policy: &Policy, form: &FormId) -> String {
    policy
        .form(form)
        .map_or_else(|| form.to_string(), |f| f.title.clone())
}

fn forms(policy: &Policy, entry: &OutboxEntry) -> String {
    let titles: Vec<String> = entry
        .attachments
        .iter()
        .map(|a| form_title(policy, &a.form))
        .collect();
    if titles.is_empty() {
        "read it on the case".to_owned()
    } else {
        titles.join(", ")
    }
}

/// The words of an invitation or password reset for `name` of
/// `partnership`, with its link `url` (which holds the link's secret, so
/// these words are made only as the email is sent and kept nowhere), which
/// works until `expires_at`.
pub fn account_link(
    purpose: accord_store::LinkPurpose,
    name: &str,
    partnership: &str,
    url: &str,
    expires_at: jiff::Timestamp,
) -> Words {
    let until = expires_at
        .to_zoned_datetime(
            jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC),
        )
        .strftime("%-I:%M%P on %A %-d %B %Y")
        .to_string();
    let (subject, opening, after) = match purpose {
        accord_store::LinkPurpose::Invitation => (
            format!("You are invited to Accord, for {partnership}"),
            format!(
                "{name}, you have been added to Accord, where {partnership} records and \
                 resolves professional disagreements between agencies. Choose your own \
                 password to start."
            ),
            "If you were not expecting this, tell your partnership's administrator.",
        ),
        accord_store::LinkPurpose::Reset => (
            "Reset your password for Accord".to_owned(),
            format!(
                "{name}, someone asked to reset the password of your Accord account for \
                 {partnership}. If it was you, choose a new password with the link below. \
                 Setting it signs you out everywhere you were signed in, and turns off your \
                 API tokens and calendar address."
            ),
            "If you did not ask for this, you need do nothing: your password stays as it is.",
        ),
    };
    let body = format!(
        "{opening}\n\nChoose your password:\n{url}\n\nThe link works once, until {until}. \
         After that, ask for a new one from the sign-in page (\"Forgotten your password?\") \
         or from your partnership's administrator.\n\n{after}\n\nAccord never asks for your \
         password by email or phone.\n"
    );
    Words {
        subject,
        body,
        notice: Notice::default(),
    }
}
