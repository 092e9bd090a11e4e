//! The policies' own forms as web forms: Sutton's Appendix 1, East
//! Riding's Appendix A, the Isle of Man's referral form, and any form a
//! policy file declares. Each field becomes the GOV.UK question for its
//! kind — a text input, a textarea, radios, a date — under its section's
//! heading, in the document's own words; a table of rows becomes a few
//! rows of questions, one more than are filled in.
//!
//! The same questions serve submitting a form on a case (`/cases/{id}/
//! submit-form?form=…`, prefilled with the latest version so a fuller one
//! can follow) and a stage's entry form asked for when raising.
//!
//! A section the form says another role completes (`completed_by`: Sutton
//! Appendix 1's "Safeguarding Advisor: Sign: ___ Date: ___") is not asked
//! of someone without the role: it is shown as it stands, and the engine
//! keeps it as it was. Someone whose only part in the case is such a
//! section is asked that section alone, and the rest of the form keeps its
//! answers.

use accord_case::{Command, FieldValue, FormValues, Refusal};
use accord_policy::{Field, FieldKind, FieldRequired, Form, FormId, FormSection, Policy};
use accord_store::Person;

use super::{
    case_actions::{Ctx, View},
    case_page,
    form::{Block, Choice, Errors, Posted, Question},
    words,
};

/// Whether `person`'s page asks the questions of `section`: a section
/// another role completes only of that role's holders; any other section
/// unless they are asked for their own section alone (`only_theirs`).
pub(crate) fn asks(section: &FormSection, person: &Person, only_theirs: bool) -> bool {
    match &section.completed_by {
        Some(role) => person.holds(role),
        None => !only_theirs,
    }
}

/// The sections of `form` the page does not ask, each as a part that says
/// who completes it and what it says now (`values`, the latest version).
pub(crate) fn not_asked(
    policy: &Policy,
    form: &Form,
    values: Option<&FormValues>,
    asked: impl Fn(&FormSection) -> bool,
) -> Vec<Block> {
    form.sections
        .iter()
        .filter(|s| !asked(s))
        .map(|section| {
            let by = match &section.completed_by {
                Some(role) => format!(
                    "The {} completes this part: it is not yours to fill in.",
                    words::role(policy, role)
                ),
                None => "This part is not yours to fill in: it stays as it stands.".to_owned(),
            };
            let fields: Vec<&Field> = section.fields.iter().collect();
            let answered = values
                .map(|v| case_page::answers(&fields, v))
                .unwrap_or_default();
            let mut block = Block::new(section.title.clone()).paragraph(by);
            if answered.is_empty() {
                block = block.paragraph("Not completed yet.");
            }
            block.items = answered
                .into_iter()
                .map(|a| {
                    // The document's labels end in a colon or a question
                    // mark ("Name of Referrer:"); others take a colon.
                    let key = a.key.trim_end();
                    if key.ends_with(':') || key.ends_with('?') {
                        format!("{key} {}", a.value)
                    } else {
                        format!("{key}: {}", a.value)
                    }
                })
                .collect();
            block
        })
        .collect()
}

/// The question name of the field at `path` ("actions/1/who").
pub(crate) fn name(path: &str) -> String {
    format!("f-{}", path.replace('/', "-"))
}

/// The form `id` of `policy`, if it has one.
fn form<'p>(policy: &'p Policy, id: &str) -> Option<&'p Form> {
    id.parse::<FormId>().ok().and_then(|id| policy.form(&id))
}

/// The heading of the page submitting form `id`.
pub(crate) fn title(ctx: &Ctx, id: &str) -> String {
    form(ctx.policy, id).map_or_else(|| "Submit a form".to_owned(), |f| f.title.clone())
}

/// How many rows a table offers: those filled in, and at least one blank.
fn rows_shown(field: &Field, posted: &Posted) -> usize {
    let filled = (1..=50)
        .take_while(|row| {
            field.columns.iter().any(|c| {
                let n = name(&format!("{}/{row}/{}", field.id, c.id));
                !posted.get(&n).trim().is_empty()
                    || !posted.get(&format!("{n}-day")).trim().is_empty()
            })
        })
        .count();
    (filled + 1).max(3)
}

/// The questions of `form`, with what was posted and the mistakes found.
pub(crate) fn questions(
    policy: &Policy,
    form: &Form,
    posted: &Posted,
    errors: &Errors,
    asked: impl Fn(&FormSection) -> bool,
) -> Vec<Question> {
    let mut out = Vec::new();
    for section in form.sections.iter().filter(|s| asked(s)) {
        let mut first = true;
        for field in &section.fields {
            let mut asked = if field.kind == FieldKind::Rows {
                let mut qs = Vec::new();
                for row in 1..=rows_shown(field, posted) {
                    for (i, column) in field.columns.iter().enumerate() {
                        let path = format!("{}/{row}/{}", field.id, column.id);
                        let mut q = question(column, &name(&path), posted);
                        q.label = format!("{} (row {row})", column.label);
                        if i == 0 && row == 1 {
                            q.before_minor = field.label.clone();
                        }
                        qs.push(q);
                    }
                }
                qs
            } else {
                vec![question(field, &name(field.id.as_str()), posted)]
            };
            if first && let Some(q) = asked.first_mut() {
                q.before = section.title.clone();
                if let Some(by) = &section.completed_by {
                    q.before_note = format!("Completed by the {}.", words::role(policy, by));
                }
                first = false;
            }
            out.extend(asked.into_iter().map(|q| q.checked(errors)));
        }
    }
    out
}

fn question(field: &Field, name: &str, posted: &Posted) -> Question {
    let optional = field.required == FieldRequired::Optional;
    let label = if optional {
        format!("{} (optional)", field.label)
    } else {
        field.label.clone()
    };
    let mut q = match field.kind {
        FieldKind::Text => Question::text(name, &label, posted),
        FieldKind::Signature => Question::text(name, &label, posted)
            .hint("Type your full name: it stands for your signature")
            .width("govuk-!-width-two-thirds"),
        FieldKind::LongText | FieldKind::Address | FieldKind::Rows => {
            Question::textarea(name, &label, posted)
        }
        FieldKind::Date => Question::date(name, &label, posted).hint("For example, 27 3 2026"),
        FieldKind::YesNo => Question::yes_no(name, &label, posted),
        FieldKind::Choice => Question::radios(
            name,
            &label,
            field
                .options
                .iter()
                .map(|o| Choice::new(o.clone(), o.clone()))
                .collect(),
            posted,
        ),
    };
    if let Some(hint) = &field.hint {
        q.hint = hint.clone();
    } else if field.required == FieldRequired::BeforeStageEnds {
        // A signature keeps its own hint, and says when it is needed.
        let later = "You can leave this until the stage ends.";
        q.hint = if q.hint.is_empty() {
            later.to_owned()
        } else {
            format!("{}. {later}", q.hint.trim_end_matches('.'))
        };
    }
    q
}

/// The answers to the sections of `form` the page asked, posted, or the
/// mistakes in them. Which answers the document requires is the engine's
/// to say when the form is submitted; this reads what was typed.
pub(crate) fn read(
    form: &Form,
    posted: &Posted,
    asked: impl Fn(&FormSection) -> bool,
) -> Result<FormValues, Errors> {
    let mut e = Errors::default();
    let mut values = FormValues::new();
    for field in form
        .sections
        .iter()
        .filter(|s| asked(s))
        .flat_map(|s| &s.fields)
    {
        if field.kind == FieldKind::Rows {
            let mut rows = Vec::new();
            for row in 1..=rows_shown(field, posted) {
                let mut row_values = FormValues::new();
                for column in &field.columns {
                    let path = format!("{}/{row}/{}", field.id, column.id);
                    if let Some(v) = value(column, &name(&path), posted, &mut e) {
                        row_values = row_values.with(column.id.clone(), v);
                    }
                }
                if !row_values.0.is_empty() {
                    rows.push(row_values);
                }
            }
            if !rows.is_empty() {
                values = values.with(field.id.clone(), FieldValue::Rows(rows));
            }
        } else if let Some(v) = value(field, &name(field.id.as_str()), posted, &mut e) {
            values = values.with(field.id.clone(), v);
        }
    }
    if e.is_empty() { Ok(values) } else { Err(e) }
}

fn value(field: &Field, name: &str, posted: &Posted, e: &mut Errors) -> Option<FieldValue> {
    match field.kind {
        FieldKind::Date => {
            let typed = ["day", "month", "year"]
                .iter()
                .any(|p| !posted.get(&format!("{name}-{p}")).trim().is_empty());
            if !typed {
                return None;
            }
            e.take(
                name,
                posted.date(name, &format!("the date for “{}”", field.label)),
            )
            .map(FieldValue::Date)
        }
        FieldKind::YesNo => match posted.get(name) {
            "yes" => Some(FieldValue::YesNo(true)),
            "no" => Some(FieldValue::YesNo(false)),
            _ => None,
        },
        _ => {
            let text = posted.get(name).trim();
            if text.is_empty() {
                None
            } else if text.chars().count() > accord_case::Text::MAX_CHARS {
                e.add(
                    name,
                    format!(
                        "“{}” must be {} characters or fewer",
                        field.label,
                        accord_case::Text::MAX_CHARS
                    ),
                );
                None
            } else {
                Some(FieldValue::Text(text.to_owned()))
            }
        }
    }
}

/// `values` as the form's questions start: a later, fuller version of a
/// form begins from the last one.
pub(crate) fn prefill(form: &Form, values: &FormValues) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for field in form.sections.iter().flat_map(|s| &s.fields) {
        match values.get(&field.id) {
            Some(FieldValue::Rows(rows)) => {
                for (i, row) in rows.iter().enumerate() {
                    for column in &field.columns {
                        let path = format!("{}/{}/{}", field.id, i + 1, column.id);
                        if let Some(v) = row.get(&column.id) {
                            put(&mut out, &name(&path), v);
                        }
                    }
                }
            }
            Some(v) => put(&mut out, &name(field.id.as_str()), v),
            None => {}
        }
    }
    out
}

fn put(out: &mut Vec<(String, String)>, name: &str, value: &FieldValue) {
    match value {
        FieldValue::Text(t) => out.push((name.to_owned(), t.clone())),
        FieldValue::YesNo(b) => out.push((name.to_owned(), if *b { "yes" } else { "no" }.into())),
        FieldValue::Date(d) => {
            out.push((format!("{name}-day"), d.day().to_string()));
            out.push((format!("{name}-month"), d.month().to_string()));
            out.push((format!("{name}-year"), d.year().to_string()));
        }
        FieldValue::Rows(_) => {}
    }
}

/// The question a field's `path` is asked by: a table's first cell for
/// the table itself.
pub(crate) fn question_of(form: Option<&Form>, path: &str) -> String {
    let table = form.and_then(|f| {
        f.sections
            .iter()
            .flat_map(|s| &s.fields)
            .find(|field| field.id.as_str() == path && field.kind == FieldKind::Rows)
    });
    match table.and_then(|t| t.columns.first()) {
        Some(column) => name(&format!("{path}/1/{}", column.id)),
        None => name(path),
    }
}

/// The title of the part of `form` that asks the field at `path`.
fn section_of<'f>(form: Option<&'f Form>, path: &str) -> Option<&'f str> {
    let id = path.split('/').next().unwrap_or(path);
    form?
        .sections
        .iter()
        .find(|s| s.fields.iter().any(|f| f.id.as_str() == id))
        .map(|s| s.title.as_str())
}

/// The mistakes a refusal of a form names, by question; `false` when it
/// is not about a form's answers.
pub(crate) fn refusal_errors(policy: &Policy, refusal: &Refusal, errors: &mut Errors) -> bool {
    match refusal {
        Refusal::FormIncomplete {
            form,
            missing_fields,
            section,
            ..
        } => {
            let form = policy.form(form);
            for f in missing_fields {
                let under = section_of(form, &f.path)
                    .map(|t| format!(" under {t}"))
                    .unwrap_or_default();
                errors.add(
                    &question_of(form, &f.path),
                    format!(
                        "Answer “{}”{under}: the form needs it ({section})",
                        f.label.trim_end_matches(':')
                    ),
                );
            }
            !missing_fields.is_empty()
        }
        Refusal::FormInvalid { form, problems, .. } => {
            let form = policy.form(form);
            for p in problems {
                errors.add(
                    &question_of(form, &p.field.path),
                    format!("“{}”: {}", p.field.label, p.problem),
                );
            }
            !problems.is_empty()
        }
        _ => false,
    }
}

/// The page submitting the form named in `posted`.
pub(crate) fn view(ctx: &Ctx, posted: &Posted, errors: &Errors) -> View {
    let id = posted.get("form");
    let Some(form) = form(ctx.policy, id) else {
        return View {
            intro: vec!["This policy has no such form.".to_owned()],
            blocks: Vec::new(),
            questions: Vec::new(),
            hidden: Vec::new(),
        };
    };
    let mut blocks = Vec::new();
    let mut about = Block::new("About this form").paragraph(format!(
        "It is the policy's {} ({}).",
        form.title, form.section
    ));
    if !form.send_to.is_empty() {
        let to: Vec<String> = form
            .send_to
            .iter()
            .map(|r| words::role(ctx.policy, r))
            .collect();
        about = about.paragraph(format!("Submitting it sends it to the {}.", to.join(", ")));
    }
    let latest = ctx.case.latest_form(&form.id).map(|s| &s.values);
    if latest.is_some() {
        about = about.paragraph(
            "It starts from the version last submitted; submitting again puts a fuller version \
             on the record beside it.",
        );
    }
    if ctx.form_role_only {
        about = about.paragraph(
            "You are asked for your part of it only: the rest is shown as it stands and is \
             kept as it is.",
        );
    }
    blocks.push(about);
    let asked = |s: &FormSection| asks(s, &ctx.viewer.principal.person, ctx.form_role_only);
    blocks.extend(not_asked(ctx.policy, form, latest, asked));
    View {
        intro: Vec::new(),
        blocks,
        questions: questions(ctx.policy, form, posted, errors, asked),
        hidden: vec![("form".to_owned(), form.id.to_string())],
    }
}

/// What submitting starts with: the latest version, if there is one.
pub(crate) fn defaults(ctx: &Ctx, id: &str) -> Vec<(String, String)> {
    let Some(form) = form(ctx.policy, id) else {
        return Vec::new();
    };
    ctx.case
        .latest_form(&form.id)
        .map(|s| prefill(form, &s.values))
        .unwrap_or_default()
}

/// The submission posted.
pub(crate) fn command(ctx: &Ctx, posted: &Posted) -> Result<Command, Errors> {
    let Some(form) = form(ctx.policy, posted.get("form")) else {
        let mut e = Errors::default();
        e.add("form", "Choose a form from the case page");
        return Err(e);
    };
    let asked = |s: &FormSection| asks(s, &ctx.viewer.principal.person, ctx.form_role_only);
    Ok(Command::SubmitForm {
        form: form.id.clone(),
        values: read(form, posted, asked)?,
    })
}
