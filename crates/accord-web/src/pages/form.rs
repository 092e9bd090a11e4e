//! The pages' forms: what a form posted ([`Posted`]), the questions a page
//! asks ([`Question`], drawn by `templates/question.html` as the GOV.UK
//! Design System's text input, textarea, radios, checkboxes, select and
//! date input), and the mistakes to show ([`FieldError`], in the error
//! summary and by the question).
//!
//! A question is built with what was posted, so a page shown again after
//! a mistake keeps everything typed. The readers here (`text`, `date`,
//! `time`, `number`) turn answers into values or say, the GOV.UK way, what
//! to fix.

use std::collections::HashMap;

use accord_case::Text;
use askama::Template;
use jiff::{
    Timestamp,
    civil::{Date, Time},
};

use super::{Chrome, words};

/// A mistake to show: the question it concerns (the `id` of its first
/// input, which the error summary links to) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    /// The question's first input's `id`.
    pub(crate) field: String,
    /// What to do, as GOV.UK error messages say it.
    pub(crate) message: String,
}

impl FieldError {
    /// A mistake on `field`.
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The mistakes found in what a form posted, in the order of its
/// questions.
#[derive(Debug, Default, Clone)]
pub(crate) struct Errors(pub(crate) Vec<FieldError>);

impl Errors {
    /// Notes a mistake on `field`, unless it already has one: a question
    /// shows one message, the first.
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(FieldError::new(field, message));
        }
    }

    /// Whether nothing was wrong.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field`, if it has one.
    pub(crate) fn on(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }

    /// `value`, or a note that `field` was wrong.
    pub(crate) fn take<T>(&mut self, field: &str, value: Result<T, String>) -> Option<T> {
        match value {
            Ok(v) => Some(v),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }
}

/// What a form posted: every name and value, as the browser sent them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Posted {
    values: HashMap<String, Vec<String>>,
}

impl Posted {
    /// The fields of a urlencoded body.
    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Posted {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in pairs {
            values.entry(name).or_default().push(value);
        }
        Posted { values }
    }

    /// The first value sent for `name`, or "" if none was.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// Every value sent for `name` (the checkboxes ticked), blanks left out.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.values.get(name).map_or_else(Vec::new, |v| {
            v.iter()
                .map(String::as_str)
                .filter(|s| !s.trim().is_empty())
                .collect()
        })
    }

    /// Sets `name` to `value`, as if it had been sent.
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_owned(), vec![value.into()]);
    }

    /// Every name and value, to keep (as a draft does).
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .values
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
            .collect();
        pairs.sort();
        pairs
    }

    /// Whether `name` was sent with `value` among its values.
    pub(crate) fn has(&self, name: &str, value: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|v| v.iter().any(|s| s == value))
    }

    /// The answer to `name` as text on the record, or what to fix:
    /// `blank` says what to enter when nothing was.
    pub(crate) fn text(&self, name: &str, blank: &str) -> Result<Text, String> {
        Text::parse(self.get(name)).map_err(|e| match e {
            accord_case::BadInput::TooLong { chars } => format!(
                "{} must be {} characters or fewer; it has {}",
                field_words(blank),
                super::words::thousands(Text::MAX_CHARS),
                super::words::thousands(chars)
            ),
            _ => blank.to_owned(),
        })
    }

    /// The answer to `name` if one was given.
    pub(crate) fn optional_text(&self, name: &str) -> Result<Option<Text>, String> {
        let raw = self.get(name);
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Text::parse(raw).map(Some).map_err(|_| {
                format!(
                    "Keep this to {} characters or fewer",
                    super::words::thousands(Text::MAX_CHARS)
                )
            })
        }
    }

    /// The date entered in the day, month and year boxes of `name`; `what`
    /// names it in messages ("the date of the discussion").
    pub(crate) fn date(&self, name: &str, what: &str) -> Result<Date, String> {
        let part = |p: &str| self.get(&format!("{name}-{p}")).trim().to_owned();
        let (day, month, year) = (part("day"), part("month"), part("year"));
        let missing: Vec<&str> = [("day", &day), ("month", &month), ("year", &year)]
            .into_iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(n, _)| n)
            .collect();
        match missing.len() {
            3 => return Err(format!("Enter {what}")),
            0 => {}
            _ => {
                return Err(format!(
                    "{} must include a {}",
                    capital(what),
                    missing.join(" and a ")
                ));
            }
        }
        let number = |s: &str| s.parse::<i32>().ok();
        let (Some(d), Some(m), Some(y)) = (number(&day), number(&month), number(&year)) else {
            return Err(format!("{} must be a real date", capital(what)));
        };
        if !(1000..=9999).contains(&y) {
            return Err("The year must include 4 numbers".to_owned());
        }
        Date::new(y as i16, m as i8, d as i8)
            .map_err(|_| format!("{} must be a real date", capital(what)))
            .and_then(|date| {
                if (1..=31).contains(&d) && (1..=12).contains(&m) {
                    Ok(date)
                } else {
                    Err(format!("{} must be a real date", capital(what)))
                }
            })
    }

    /// The time of day entered in `name`: "9:30am", "2pm", "14:30" or
    /// "14.30".
    pub(crate) fn time(&self, name: &str, what: &str) -> Result<Time, String> {
        let raw = self.get(name).trim().to_lowercase().replace(' ', "");
        if raw.is_empty() {
            return Err(format!("Enter {what}"));
        }
        parse_time(&raw)
            .ok_or_else(|| format!("Enter {what} as a time of day, like 9:30am, 2pm or 14:30"))
    }

    /// A whole number from 1 to `max` entered in `name`.
    pub(crate) fn number(&self, name: &str, what: &str, max: u32) -> Result<u32, String> {
        let raw = self.get(name).trim();
        if raw.is_empty() {
            return Err(format!("Enter {what}"));
        }
        match raw.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            Ok(_) => Err(format!("{} must be between 1 and {max}", capital(what))),
            Err(_) => Err(format!("{} must be a whole number, like 5", capital(what))),
        }
    }
}

fn parse_time(raw: &str) -> Option<Time> {
    let (body, offset) = if let Some(b) = raw.strip_suffix("am") {
        (b, Some(0))
    } else if let Some(b) = raw.strip_suffix("pm") {
        (b, Some(12))
    } else {
        (raw, None)
    };
    let (h, m) = match body.split_once([':', '.']) {
        Some((h, m)) if m.len() == 2 => (h.parse::<i8>().ok()?, m.parse::<i8>().ok()?),
        Some(_) => return None,
        None => (body.parse::<i8>().ok()?, 0),
    };
    let hour = match offset {
        Some(add) if (1..=12).contains(&h) => h % 12 + add,
        Some(_) => return None,
        None if (0..=23).contains(&h) => h,
        None => return None,
    };
    Time::new(hour, m, 0, 0).ok()
}

/// A date and time of day in UK time as an instant.
pub(crate) fn uk_instant(date: Date, time: Time) -> Option<Timestamp> {
    date.to_datetime(time)
        .to_zoned_datetime(words::uk())
        .ok()
        .map(|z| z.timestamp())
}

fn capital(s: &str) -> String {
    super::capitalised(s)
}

/// "Enter what was decided" → "What was decided".
fn field_words(blank: &str) -> String {
    capital(
        blank
            .strip_prefix("Enter ")
            .or_else(|| blank.strip_prefix("Say "))
            .unwrap_or(blank),
    )
}

/// A page of questions: a command on a case, or a step of raising one.
#[derive(Template)]
#[template(path = "question_page.html")]
pub(crate) struct QuestionPage {
    pub(crate) chrome: Chrome,
    pub(crate) errors: Vec<FieldError>,
    /// The words above the heading: the case, or "Raise a disagreement".
    pub(crate) caption: String,
    /// The back link: where, and its words.
    pub(crate) back: (String, String),
    /// Where the form posts.
    pub(crate) action: String,
    pub(crate) intro: Vec<String>,
    pub(crate) blocks: Vec<Block>,
    pub(crate) questions: Vec<Question>,
    pub(crate) hidden: Vec<(String, String)>,
    pub(crate) csrf_token: String,
    pub(crate) button: String,
    /// The button is a warning one (withdrawing, closing).
    pub(crate) warning_button: bool,
    /// A link beside the button, such as "Cancel".
    pub(crate) cancel: Option<(String, String)>,
    /// A second button, after the first: the name and value it sends, and
    /// its words ("Add another child").
    pub(crate) secondary: Option<(String, String, String)>,
}

impl QuestionPage {
    /// Whether a question's words are the page's heading, so the page
    /// has no heading of its own.
    pub(crate) fn heading_in_question(&self) -> bool {
        self.questions.iter().any(|q| q.is_heading)
    }
}

/// A part of a page of questions that is not a question: what the next
/// stage asks, who will be told, what the policy says to do now.
pub(crate) struct Block {
    pub(crate) heading: String,
    pub(crate) paragraphs: Vec<String>,
    pub(crate) items: Vec<String>,
    /// Drawn as a warning: something stands in the way, or must be done now.
    pub(crate) warning: bool,
}

impl Block {
    /// A part headed `heading`.
    pub(crate) fn new(heading: impl Into<String>) -> Block {
        Block {
            heading: heading.into(),
            paragraphs: Vec::new(),
            items: Vec::new(),
            warning: false,
        }
    }

    /// With the paragraph `p`.
    pub(crate) fn paragraph(mut self, p: impl Into<String>) -> Block {
        self.paragraphs.push(p.into());
        self
    }

    /// Drawn as a warning.
    pub(crate) fn warning(mut self) -> Block {
        self.warning = true;
        self
    }
}

/// Which GOV.UK component a question is drawn as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// One line: a text input.
    Text,
    /// Paragraphs: a textarea.
    Textarea,
    /// One of a few: radios.
    Radios,
    /// Any of a few: checkboxes.
    Checkboxes,
    /// One of many: a select.
    Select,
    /// A date: day, month and year boxes.
    Date,
    /// People out of thousands: those chosen, ticked, and a box to find
    /// more by typing ([`Picker`]).
    People,
    /// Professionals without an account: a name, role and agency for
    /// each, as text ([`UnlistedRow`]).
    Unlisted,
}

/// What a people picker shows without JavaScript: the people chosen so
/// far, ticked, and the people a search found, to tick. It never lists the
/// whole partnership, which may be thousands (issue 14 §3); with
/// JavaScript, `accord.mjs` makes the search box a combobox that asks
/// `source` for suggestions as someone types.
#[derive(Debug, Clone, Default)]
pub(crate) struct Picker {
    /// The people chosen, ticked.
    pub(crate) chosen: Vec<Choice>,
    /// The people the search found who are not chosen yet.
    pub(crate) found: Vec<Choice>,
    /// What was typed to find people.
    pub(crate) query: String,
    /// What the search found, in words; empty when nobody searched.
    pub(crate) found_words: String,
    /// Where the combobox asks for suggestions (a JSON list).
    pub(crate) source: String,
    /// One person only (an action's owner): radios, not checkboxes, and
    /// choosing someone else replaces whoever was chosen.
    pub(crate) single: bool,
}

/// What a people picker is built from ([`Picker::build`]).
pub(crate) struct PickerAsk<'a> {
    /// Everyone of the partnership.
    pub(crate) people: &'a [accord_store::Person],
    /// The partnership's agencies, to name each person's.
    pub(crate) agencies: &'a [accord_store::Agency],
    /// What was sent: who is chosen (`name`) and what was typed to find
    /// people (`{name}-find`).
    pub(crate) posted: &'a Posted,
    /// The picker's name.
    pub(crate) name: &'a str,
    /// One person only.
    pub(crate) single: bool,
    /// What to do with the people found, such as "Tick the people who
    /// took part."
    pub(crate) what: &'a str,
    /// Where the combobox asks for suggestions.
    pub(crate) source: String,
}

/// What to fix when nobody is chosen in the picker `name`: `none`, or,
/// where a name was typed in its box but not looked up (without
/// JavaScript), to find them first.
pub(crate) fn not_chosen(posted: &Posted, name: &str, none: &str) -> String {
    if posted.get(&format!("{name}-find")).trim().is_empty() {
        none.to_owned()
    } else {
        format!("{none}: press \u{201c}Find people\u{201d}, then choose from the people found")
    }
}

/// The most people a picker's plain search shows at once.
pub(crate) const FOUND_AT_MOST: usize = 20;

impl Picker {
    /// The picker `ask` describes: who is chosen, and whom the text typed
    /// in its search box finds, of the people `keep` allows.
    pub(crate) fn build(ask: PickerAsk, keep: impl Fn(&accord_store::Person) -> bool) -> Picker {
        let person = |id: &str| ask.people.iter().find(|p| p.id.as_str() == id);
        let mut chosen: Vec<&accord_store::Person> = Vec::new();
        for id in ask.posted.all(ask.name) {
            if let Some(p) = person(id)
                && keep(p)
                && !chosen.iter().any(|c| c.id == p.id)
            {
                chosen.push(p);
            }
        }
        if ask.single {
            chosen.truncate(1);
        }
        let query = ask
            .posted
            .get(&format!("{}-find", ask.name))
            .trim()
            .to_owned();
        let found = accord_directory::search::find_people(
            ask.people,
            ask.agencies,
            &query,
            FOUND_AT_MOST,
            |p| keep(p) && !chosen.iter().any(|c| c.id == p.id),
        );
        let quoted = format!("\u{201c}{query}\u{201d}");
        let found_words = match found.total {
            _ if query.is_empty() => String::new(),
            0 => format!(
                "Nobody else matches {quoted}. Check the spelling, or type part of their name, \
                 job title or agency."
            ),
            1 if ask.single => format!("1 person matches {quoted}. Choose them if it is them."),
            1 => format!("1 person matches {quoted}. Tick them to add them."),
            n if n <= FOUND_AT_MOST => format!("{n} people match {quoted}. {}", ask.what),
            n => format!(
                "{} people match {quoted}. The first {FOUND_AT_MOST} are shown: type more of \
                 the name to find fewer.",
                words::thousands(n)
            ),
        };
        let choice = |p: &accord_store::Person| {
            let words = match ask.agencies.iter().find(|a| a.id == p.agency) {
                Some(agency) => accord_directory::search::label(p, &agency.name),
                None => p.name.clone(),
            };
            Choice::new(p.id.as_str(), words)
        };
        Picker {
            chosen: chosen.iter().map(|p| choice(p)).collect(),
            found: found.people.iter().map(|p| choice(p)).collect(),
            query,
            found_words,
            source: ask.source,
            single: ask.single,
        }
    }

    /// The GOV.UK Frontend component its people are drawn as: radios for
    /// one person, checkboxes for several.
    pub(crate) fn item_class(&self) -> &'static str {
        if self.single {
            "govuk-radios"
        } else {
            "govuk-checkboxes"
        }
    }

    /// The `type` of its inputs.
    pub(crate) fn input_type(&self) -> &'static str {
        if self.single { "radio" } else { "checkbox" }
    }
}

/// One professional without an account, as typed: `{name}-{n}-name`,
/// `-role` and `-agency`.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnlistedRow {
    /// Its number, from 1.
    pub(crate) number: usize,
    /// Their name, as typed.
    pub(crate) name: String,
    /// Their role, as typed.
    pub(crate) role: String,
    /// Their agency, as typed.
    pub(crate) agency: String,
    /// What to fix in the name.
    pub(crate) name_error: Option<String>,
    /// What to fix in the agency.
    pub(crate) agency_error: Option<String>,
}

/// One option of radios, checkboxes or a select.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    /// What is sent.
    pub(crate) value: String,
    /// Its words.
    pub(crate) label: String,
    /// More words under it; empty for none.
    pub(crate) hint: String,
    /// Whether it is chosen.
    pub(crate) checked: bool,
}

impl Choice {
    /// An option sending `value`, labelled `label`.
    pub(crate) fn new(value: impl Into<String>, label: impl Into<String>) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            hint: String::new(),
            checked: false,
        }
    }

    /// With `hint` under it.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Choice {
        self.hint = hint.into();
        self
    }
}

/// A question on a page.
#[derive(Debug, Clone)]
pub(crate) struct Question {
    /// The name it is sent as, and its first input's `id`.
    pub(crate) name: String,
    /// Its words.
    pub(crate) label: String,
    /// Help under the words; empty for none.
    pub(crate) hint: String,
    /// What to fix, after a mistake.
    pub(crate) error: Option<String>,
    /// How it is drawn.
    pub(crate) control: Control,
    /// The answer so far (text, textarea, select).
    pub(crate) value: String,
    /// The options (radios, checkboxes, select).
    pub(crate) options: Vec<Choice>,
    /// The day, month and year so far (date).
    pub(crate) date: [String; 3],
    /// The input's width class, such as `govuk-input--width-10`.
    pub(crate) width: &'static str,
    /// `inputmode`, such as `numeric`; empty for none.
    pub(crate) input_mode: &'static str,
    /// `autocomplete`; empty for none.
    pub(crate) autocomplete: &'static str,
    /// The text input's `type`: `text`, or `email` for an address.
    pub(crate) input_type: &'static str,
    /// Radios side by side (yes and no).
    pub(crate) inline: bool,
    /// The question is the page's heading: its label or legend is the h1.
    pub(crate) is_heading: bool,
    /// A heading shown above it, starting a part of the form; empty for
    /// none.
    pub(crate) before: String,
    /// Words under that heading; empty for none.
    pub(crate) before_note: String,
    /// A smaller heading above it (a table's name); empty for none.
    pub(crate) before_minor: String,
    /// The people picker (people).
    pub(crate) picker: Picker,
    /// The professionals without an account so far (unlisted).
    pub(crate) rows: Vec<UnlistedRow>,
    /// A select that scripts make a box to choose from by typing (an
    /// agency, out of many).
    pub(crate) typeahead: bool,
}

impl Question {
    fn new(control: Control, name: &str, label: &str, posted: &Posted) -> Question {
        Question {
            name: name.to_owned(),
            label: label.to_owned(),
            hint: String::new(),
            error: None,
            control,
            value: posted.get(name).to_owned(),
            options: Vec::new(),
            date: ["day", "month", "year"].map(|p| posted.get(&format!("{name}-{p}")).to_owned()),
            width: "",
            input_mode: "",
            autocomplete: "",
            input_type: "text",
            inline: false,
            is_heading: false,
            before: String::new(),
            before_note: String::new(),
            before_minor: String::new(),
            picker: Picker::default(),
            rows: Vec::new(),
            typeahead: false,
        }
    }

    /// A people picker: `picker` drawn under the words, its search box
    /// the input the error summary links to.
    pub(crate) fn people(name: &str, label: &str, picker: Picker, posted: &Posted) -> Question {
        let mut q = Question::new(Control::People, name, label, posted);
        q.picker = picker;
        q
    }

    /// Professionals without an account, `rows` of name, role and agency.
    pub(crate) fn unlisted(
        name: &str,
        label: &str,
        rows: Vec<UnlistedRow>,
        posted: &Posted,
    ) -> Question {
        let mut q = Question::new(Control::Unlisted, name, label, posted);
        q.rows = rows;
        q
    }

    /// A text input.
    pub(crate) fn text(name: &str, label: &str, posted: &Posted) -> Question {
        Question::new(Control::Text, name, label, posted)
    }

    /// A textarea.
    pub(crate) fn textarea(name: &str, label: &str, posted: &Posted) -> Question {
        Question::new(Control::Textarea, name, label, posted)
    }

    /// A date input.
    pub(crate) fn date(name: &str, label: &str, posted: &Posted) -> Question {
        Question::new(Control::Date, name, label, posted)
    }

    /// Radios: one of `options`.
    pub(crate) fn radios(
        name: &str,
        label: &str,
        options: Vec<Choice>,
        posted: &Posted,
    ) -> Question {
        Question::choosing(Control::Radios, name, label, options, posted)
    }

    /// Checkboxes: any of `options`.
    pub(crate) fn checkboxes(
        name: &str,
        label: &str,
        options: Vec<Choice>,
        posted: &Posted,
    ) -> Question {
        Question::choosing(Control::Checkboxes, name, label, options, posted)
    }

    /// A select: one of many `options`, the first of which should be a
    /// blank "Choose …".
    pub(crate) fn select(
        name: &str,
        label: &str,
        options: Vec<Choice>,
        posted: &Posted,
    ) -> Question {
        Question::choosing(Control::Select, name, label, options, posted)
    }

    /// An agency out of the partnership's many: a select, first a blank
    /// "Choose an agency", that scripts make a box to choose from by
    /// typing (issue 14 §3).
    pub(crate) fn agency(
        name: &str,
        label: &str,
        agencies: impl IntoIterator<Item = Choice>,
        posted: &Posted,
    ) -> Question {
        let mut options = vec![Choice::new("", "Choose an agency")];
        options.extend(agencies);
        let mut q = Question::choosing(Control::Select, name, label, options, posted);
        q.typeahead = true;
        q
    }

    /// Yes or no, side by side.
    pub(crate) fn yes_no(name: &str, label: &str, posted: &Posted) -> Question {
        let mut q = Question::radios(
            name,
            label,
            vec![Choice::new("yes", "Yes"), Choice::new("no", "No")],
            posted,
        );
        q.inline = true;
        q
    }

    fn choosing(
        control: Control,
        name: &str,
        label: &str,
        mut options: Vec<Choice>,
        posted: &Posted,
    ) -> Question {
        for option in &mut options {
            option.checked = option.checked || posted.has(name, &option.value);
        }
        let mut q = Question::new(control, name, label, posted);
        q.options = options;
        q
    }

    /// With `hint` under the words.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Question {
        self.hint = hint.into();
        self
    }

    /// With the input `width` class.
    pub(crate) fn width(mut self, width: &'static str) -> Question {
        self.width = width;
        self
    }

    /// Asking for digits.
    pub(crate) fn numeric(mut self) -> Question {
        self.input_mode = "numeric";
        self
    }

    /// An email address: the `email` input, which phones give an
    /// address keyboard, unchecked for spelling. No `autocomplete`: the
    /// address is usually someone else's, which the browser cannot know.
    pub(crate) fn email(mut self) -> Question {
        self.input_type = "email";
        self
    }

    /// A secret, such as a client secret: a password input, never filled
    /// with what was stored or sent, so a secret is never written into a
    /// page.
    pub(crate) fn secret(mut self) -> Question {
        self.input_type = "password";
        self.autocomplete = "new-password";
        self.value.clear();
        self
    }

    /// Its words as the page's heading.
    pub(crate) fn page_heading(mut self) -> Question {
        self.is_heading = true;
        self
    }

    /// With the mistake `errors` found in it, if any.
    pub(crate) fn checked(mut self, errors: &Errors) -> Question {
        self.error = errors.on(&self.name);
        self
    }

    /// The `id` of the `index`th (from 0) option's input: the first is the
    /// question's name, as the error summary links to it.
    pub(crate) fn option_id(&self, index: &usize) -> String {
        if *index == 0 {
            self.name.clone()
        } else {
            format!("{}-{}", self.name, index + 1)
        }
    }

    /// The ids its hint and error have, for `aria-describedby`; empty for
    /// neither.
    pub(crate) fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }

    /// Whether it is drawn in a fieldset (radios, checkboxes, a date).
    pub(crate) fn in_fieldset(&self) -> bool {
        matches!(
            self.control,
            Control::Radios
                | Control::Checkboxes
                | Control::Date
                | Control::People
                | Control::Unlisted
        )
    }

    /// Which component it is, as the template asks.
    pub(crate) fn is(&self, control: &str) -> bool {
        let name = match self.control {
            Control::Text => "text",
            Control::Textarea => "textarea",
            Control::Radios => "radios",
            Control::Checkboxes => "checkboxes",
            Control::Select => "select",
            Control::Date => "date",
            Control::People => "people",
            Control::Unlisted => "unlisted",
        };
        name == control
    }
}

/// Today's date in the UK, as the date boxes start.
pub(crate) fn today_parts(name: &str, now: Timestamp) -> Vec<(String, String)> {
    let today = now.to_zoned_datetime(words::uk()).date();
    vec![
        (format!("{name}-day"), today.day().to_string()),
        (format!("{name}-month"), today.month().to_string()),
        (format!("{name}-year"), today.year().to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn dates_are_read_from_three_boxes_and_mistakes_say_what_to_fix() {
        let p = posted(&[("d-day", "9"), ("d-month", "6"), ("d-year", "2025")]);
        assert_eq!(
            p.date("d", "the date").unwrap(),
            jiff::civil::date(2025, 6, 9)
        );
        let p = posted(&[("d-day", ""), ("d-month", "6"), ("d-year", "")]);
        assert_eq!(
            p.date("d", "the date").unwrap_err(),
            "The date must include a day and a year"
        );
        assert_eq!(
            posted(&[]).date("d", "the date").unwrap_err(),
            "Enter the date"
        );
        let p = posted(&[("d-day", "31"), ("d-month", "2"), ("d-year", "2025")]);
        assert_eq!(
            p.date("d", "the date").unwrap_err(),
            "The date must be a real date"
        );
        let p = posted(&[("d-day", "1"), ("d-month", "2"), ("d-year", "25")]);
        assert_eq!(
            p.date("d", "the date").unwrap_err(),
            "The year must include 4 numbers"
        );
    }

    #[test]
    fn times_are_read_as_people_write_them() {
        for (typed, expected) in [
            ("9:30am", (9, 30)),
            ("9am", (9, 0)),
            ("12pm", (12, 0)),
            ("12am", (0, 0)),
            ("2.15 PM", (14, 15)),
            ("14:30", (14, 30)),
            ("0:05", (0, 5)),
        ] {
            let t = posted(&[("t", typed)]).time("t", "the time").unwrap();
            assert_eq!((t.hour(), t.minute()), expected, "{typed}");
        }
        for wrong in ["13pm", "25:00", "9:3", "soon"] {
            assert!(
                posted(&[("t", wrong)]).time("t", "the time").is_err(),
                "{wrong}"
            );
        }
        assert_eq!(
            posted(&[]).time("t", "the time").unwrap_err(),
            "Enter the time"
        );
    }

    #[test]
    fn text_must_not_be_blank_and_checkboxes_keep_what_was_ticked() {
        let p = posted(&[("s", "  "), ("who", "a"), ("who", "c")]);
        assert_eq!(
            p.text("s", "Enter a summary").unwrap_err(),
            "Enter a summary"
        );
        let q = Question::checkboxes(
            "who",
            "Who",
            vec![
                Choice::new("a", "A"),
                Choice::new("b", "B"),
                Choice::new("c", "C"),
            ],
            &p,
        );
        let ticked: Vec<bool> = q.options.iter().map(|o| o.checked).collect();
        assert_eq!(ticked, [true, false, true]);
        assert_eq!(q.option_id(&0), "who");
        assert_eq!(q.option_id(&2), "who-3");
    }

    #[test]
    fn numbers_are_whole_and_in_range() {
        assert_eq!(posted(&[("n", "5")]).number("n", "the number", 10), Ok(5));
        assert!(posted(&[("n", "0")]).number("n", "the number", 10).is_err());
        assert!(
            posted(&[("n", "2.5")])
                .number("n", "the number", 10)
                .is_err()
        );
    }
}
