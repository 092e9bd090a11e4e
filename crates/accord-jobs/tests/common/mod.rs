//! What the job tests share: a real SMTP server (aiosmtpd, started as a
//! process and read back from the files it writes), a clock the tests move,
//! and stores seeded with the demo as of a fixed moment.
#![allow(dead_code)]

#[path = "../../../accord-store/tests/common/postgres.rs"]
pub mod postgres;

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{Arc, Mutex, OnceLock},
};

use accord_calendar::Calendars;
use accord_case::{
    Actor, AgencyId, Case, Concern, Context, PersonId, Raise, Subject, SubjectId, Text,
};
use accord_jobs::{Clock, MailSettings, Mailer, Runner};
use accord_policy::{Policy, RoleTier, SubjectKind};
use accord_store::Store;
use jiff::{SignedDuration, Timestamp};

/// The built-in calendars and policies, loaded once.
pub fn world() -> &'static (Calendars, Vec<Policy>) {
    static WORLD: OnceLock<(Calendars, Vec<Policy>)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let calendars = Calendars::builtin();
        let policies = accord_policy::builtin(&calendars);
        (calendars, policies)
    })
}

/// An instant, written as UTC.
pub fn at(s: &str) -> Timestamp {
    s.parse().expect("a valid instant")
}

/// A clock the test sets.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<Timestamp>>);

impl TestClock {
    /// A clock showing `now`.
    pub fn new(now: Timestamp) -> TestClock {
        TestClock(Arc::new(Mutex::new(now)))
    }
    /// Sets it to `now`.
    pub fn set(&self, now: Timestamp) {
        *self.0.lock().unwrap() = now;
    }
    /// Moves it on by `by`.
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.0.lock().unwrap();
        *now = now.checked_add(by).unwrap();
    }
    /// What it shows.
    pub fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
    /// As the runner reads it.
    pub fn clock(&self) -> Clock {
        let inner = self.0.clone();
        Arc::new(move || *inner.lock().unwrap())
    }
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The envelope recipients.
    pub to: String,
    /// The Subject header.
    pub subject: String,
    /// The Message-ID header.
    pub message_id: String,
    /// The whole message as received.
    pub raw: String,
    /// The body as a reader sees it: decoded from its transfer encoding
    /// (quoted-printable, whose soft line breaks can split a word across
    /// lines of `raw`, or base64).
    pub body: String,
}

/// A real SMTP server, run as a separate process.
pub struct SmtpSink {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<(Child, ChildStdin)>,
}

impl SmtpSink {
    /// Starts one on a free port.
    pub fn start() -> SmtpSink {
        SmtpSink::start_with_delay(0.0)
    }

    /// Starts one that waits `delay` seconds before accepting each message.
    pub fn start_with_delay(delay: f64) -> SmtpSink {
        let port = free_port();
        let mut sink = SmtpSink {
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        sink.up(delay);
        sink
    }

    fn up(&mut self, delay: f64) {
        // From accord-jobs or a crate beside it that includes this file.
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../accord-jobs/tests/smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .args([
                "--port",
                &self.port.to_string(),
                "--delay",
                &delay.to_string(),
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect(
                "python3 runs the test SMTP server: install python3 and python3-aiosmtpd \
                 (scripts/test does)",
            );
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("ready"),
            "the SMTP server did not start (is python3-aiosmtpd installed?): {line:?}"
        );
        let stdin = child.stdin.take().unwrap();
        self.child = Some((child, stdin));
    }

    /// Stops the server: connections are refused until [`SmtpSink::restart`].
    pub fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            drop(stdin);
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.up(0.0);
    }

    /// Every message received so far, in the order received.
    pub fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| parse(&std::fs::read_to_string(f).unwrap()))
            .collect()
    }

    /// Points an `accord` command's email at this server, through the
    /// environment, as an administrator would.
    pub fn configure(&self, command: &mut Command) {
        command
            .env("ACCORD_SMTP_HOST", "127.0.0.1")
            .env("ACCORD_SMTP_PORT", self.port.to_string())
            .env("ACCORD_SMTP_SECURITY", "none")
            .env(
                "ACCORD_MAIL_FROM",
                "Accord <accord@partnership.example.org>",
            );
    }

    /// Mail settings for a runner sending here.
    pub fn settings(&self) -> MailSettings {
        MailSettings::from_vars(|name| match name {
            "ACCORD_SMTP_HOST" => Some("127.0.0.1".into()),
            "ACCORD_SMTP_PORT" => Some(self.port.to_string()),
            "ACCORD_SMTP_SECURITY" => Some("none".into()),
            "ACCORD_MAIL_FROM" => Some("Accord <accord@partnership.example.org>".into()),
            _ => None,
        })
        .unwrap()
        .unwrap()
    }

    /// A mailer sending here.
    pub fn mailer(&self) -> Mailer {
        let mut settings = self.settings();
        settings.timeout = std::time::Duration::from_secs(5);
        Mailer::new(&settings).unwrap()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Headers read as the SMTP server wrote them, folded lines unfolded, and
/// the body decoded.
pub fn parse(raw: &str) -> Mail {
    let head = raw
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .replace("\r\n ", " ");
    let header = |name: &str| {
        head.split("\r\n")
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let body = match header("Content-Transfer-Encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "quoted-printable" => quoted_printable(body),
        "base64" => {
            use base64::Engine;
            let packed: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(packed)
                .expect("a base64 body");
            String::from_utf8(bytes).expect("a UTF-8 body")
        }
        _ => body.to_owned(),
    };
    Mail {
        to: header("X-Envelope-To"),
        subject: decode_words(&header("Subject")),
        message_id: header("Message-ID"),
        raw: raw.to_owned(),
        body,
    }
}

/// Quoted-printable (RFC 2045 §6.7) decoded: soft line breaks (`=` at a
/// line's end) joined, `=XX` bytes put back, then read as UTF-8.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("a UTF-8 body")
}

/// The Python with aiosmtpd: Debian's (`python3-aiosmtpd` installs into
/// it) where there is one, since a `python3` earlier on the path may be
/// another.
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// A header with its RFC 2047 `=?utf-8?b?…?=` words decoded, as a mail
/// client shows it.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        out.push_str(&rest[..start]);
        let word = &rest[start + 2..];
        let parts: Vec<&str> = word.splitn(3, '?').collect();
        let Some(end) = parts.get(2).and_then(|p| p.find("?=")) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let encoded = &parts[2][..end];
        if parts[1].eq_ignore_ascii_case("b") {
            out.push_str(&String::from_utf8_lossy(&base64(encoded)));
        } else {
            out.push_str(&encoded.replace('_', " "));
        }
        rest = &parts[2][end + 2..];
        // Whitespace between two encoded words is not part of the text.
        if rest.trim_start().starts_with("=?") {
            rest = rest.trim_start();
        }
    }
    out.push_str(rest);
    out
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        bits = (bits << 6) | v as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

/// A port nobody is listening on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database URL on `backend`, kept by the returned folder
/// for SQLite.
pub async fn fresh_url(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
            (url, Some(dir))
        }
        Backend::Postgres => (postgres::fresh_database().await, None),
    }
}

/// The master key of every store these tests open: one per test process,
/// so a store opened twice on one database reads what it wrote.
pub fn master_key() -> std::sync::Arc<dyn accord_store::MasterKey> {
    static KEY: std::sync::OnceLock<std::sync::Arc<dyn accord_store::MasterKey>> =
        std::sync::OnceLock::new();
    KEY.get_or_init(|| std::sync::Arc::new(accord_store::LocalMasterKey::generate()))
        .clone()
}

/// A store on `url` seeded with the demo as of `now`.
pub async fn demo_store(url: &str, now: Timestamp) -> Store {
    let (calendars, policies) = world();
    let store = Store::open(url, policies.clone(), master_key())
        .await
        .unwrap();
    let demo = accord_demo::demo(now, calendars, policies).unwrap();
    store.seed((&demo).into()).await.unwrap();
    store
}

fn text(s: &str) -> Text {
    Text::parse(s).unwrap()
}

/// Raises a Havering case at `now` by the demo's health practitioner
/// against children's social care, and stores it.
pub async fn raise_havering(store: &Store, id: &str, now: Timestamp) -> Case {
    raise_havering_about(store, id, now, None).await
}

/// As [`raise_havering`], about a child born on `born`, where given.
pub async fn raise_havering_about(
    store: &Store,
    id: &str,
    now: Timestamp,
    born: Option<jiff::civil::Date>,
) -> Case {
    let (calendars, policies) = world();
    let policy = policies
        .iter()
        .find(|p| p.id.as_str() == "havering-2022")
        .unwrap();
    let calendar = calendars.get(&policy.calendar).unwrap();
    let raise = Raise {
        case: accord_case::CaseId::parse(id).unwrap(),
        track: None,
        area: policy.areas[0].id.clone(),
        signpost: None,
        other_agency: AgencyId::parse("hav-csc").unwrap(),
        other_professional: Some(PersonId::parse("hav-csc-practitioner").unwrap()),
        subjects: vec![Subject {
            id: SubjectId::parse("c1").unwrap(),
            name: text("Child Z"),
            kind: SubjectKind::Child,
            child_protection_plan: false,
            looked_after: false,
            immediate_risk: false,
            date_of_birth: born,
            nhs_number: None,
            local_id: None,
        }],
        concern: Concern {
            disputed: text("The referral was closed with no further action."),
            evidence: text("Three attendances at A&E in two months."),
            outcome_sought: text("A strategy discussion."),
        },
        start_at: None,
        forms: Vec::new(),
    };
    let actor = Actor {
        person: PersonId::parse("hav-health-practitioner").unwrap(),
        agency: AgencyId::parse("hav-health").unwrap(),
        tier: RoleTier::Practitioner,
        roles: Vec::new(),
    };
    let events = Case::raise(policy, calendar, raise, &Context::new(now, actor)).unwrap();
    store.append(None, &events).await.unwrap().case
}

/// A runner on `store` at `clock`, emailing `sink` if given.
pub fn runner(store: &Store, clock: &TestClock, sink: Option<&SmtpSink>) -> Runner {
    let (calendars, policies) = world();
    Runner::new(
        store.clone(),
        policies.clone(),
        calendars.clone(),
        sink.map(SmtpSink::mailer),
        "https://accord.example.org",
    )
    .with_clock(clock.clock())
}

/// How many breaches `store`'s cases hold, asserting that none is recorded
/// twice (the same form's, or the stage's, deadline at the same instant),
/// however job runners raced to record them.
pub async fn breaches_each_recorded_once(store: &Store) -> usize {
    let mut breaches = 0;
    for entry in store.all_cases().await.unwrap() {
        let case = store.load_case(&entry.case).await.unwrap().unwrap();
        for visit in case.stage_history() {
            let dues: Vec<_> = visit.breaches.iter().map(|b| (&b.form, b.due)).collect();
            let twice = dues
                .iter()
                .enumerate()
                .any(|(i, due)| dues[..i].contains(due));
            assert!(!twice, "{} has a breach recorded twice", entry.case);
            breaches += dues.len();
        }
    }
    breaches
}
