//! Issue 13, "A new partnership, end to end": Northshire is set up from
//! nothing by following the README's "Setting up your partnership" as it
//! is written. Every command in its shell blocks is run with the real
//! `accord` binary, its CSV blocks are the files imported, and the edits its
//! words ask of the policy file are made: a copy of a built-in with a
//! changed timescale, a renamed role and an extra notification. Then
//! `accord serve` runs with a real SMTP server; an invited practitioner
//! follows the link from the email in Chromium, chooses a password, signs
//! in and raises a disagreement; and another agency's manager, invited the
//! same way, escalates it. Every page passes axe-core.

#[path = "../../accord-web/tests/browser/mod.rs"]
mod browser;
#[path = "../../accord-jobs/tests/common/mod.rs"]
mod common;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use browser::Browser;
use common::{Mail, SmtpSink, free_port};
use jiff::{Timestamp, tz::TimeZone};

/// The README's section, from its heading to the next.
fn section() -> String {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("\n## Setting up your partnership\n")
        .expect("the README has the section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    rest[..end].to_owned()
}

/// The section's fenced blocks of `language`, in order.
fn blocks(section: &str, language: &str) -> Vec<String> {
    let fence = format!("```{language}\n");
    let mut found = Vec::new();
    let mut rest = section;
    while let Some(at) = rest.find(&fence) {
        let body = &rest[at + fence.len()..];
        let end = body.find("```").expect("a block ends");
        found.push(body[..end].to_owned());
        rest = &body[end..];
    }
    found
}

/// What the section asks of the copy of Havering's policy: its own id and
/// partnership, Stage One in 3 working days, the chair's role renamed, and
/// the partnership team told when a disagreement leaves Stage One.
fn make_northshire_policy(file: &Path) {
    let source = std::fs::read_to_string(file).unwrap();
    let stage_two = "[[tracks.stages]]\nnumber = 2\n";
    let at = source.find(stage_two).expect("Havering has a Stage Two");
    let extra = "[[tracks.stages.notifications]]\non = \"exit\"\nto = \"partnership-team\"\n\
                 message = \"A Northshire disagreement has left Stage One: the workers could not \
                 resolve it between them.\"\nsection = \"Northshire §2.1\"\n\n";
    let source = format!("{}{extra}{}", &source[..at], &source[at..])
        .replacen("id = \"havering-2022\"", "id = \"northshire-2026\"", 1)
        .replacen(
            "partnership = \"Havering Safeguarding Children Partnership\"",
            "partnership = \"Northshire Safeguarding Children Partnership\"",
            1,
        )
        .replacen(
            "[tracks.stages.timescale]\nworking_days = 5",
            "[tracks.stages.timescale]\nworking_days = 3",
            1,
        )
        .replacen(
            "name = \"HSCP Chair\"",
            "name = \"Northshire Partnership Chair\"",
            1,
        );
    std::fs::write(file, source).unwrap();
}

/// A folder holding only a link named `accord` to the binary under test,
/// to put first on `PATH`, so the README's commands run as written.
fn bin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_accord"), dir.path().join("accord")).unwrap();
    dir
}

/// Runs one of the README's command lines with `sh`, in `work`.
fn run(line: &str, work: &Path, bin: &Path) -> String {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = Command::new("sh")
        .args(["-c", line])
        .current_dir(work)
        .env("PATH", path)
        .env("ACCORD_DATA_DIR", work.join("data"))
        .env_remove("ACCORD_DATABASE_URL")
        .env_remove("ACCORD_CALENDAR_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "`{line}` failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `accord serve` as the README runs it, with the test's own mail server
/// and port in place of Northshire's, running the jobs every second.
fn serve(work: &Path, sink: &SmtpSink) -> (Child, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--jobs-every",
            "1",
        ])
        .current_dir(work)
        .env("ACCORD_DATA_DIR", work.join("data"))
        .env_remove("ACCORD_DATABASE_URL")
        .env("ACCORD_BASE_URL", &base)
        .env("ACCORD_SMTP_HOST", "127.0.0.1")
        .env("ACCORD_SMTP_PORT", sink.port.to_string())
        .env("ACCORD_SMTP_SECURITY", "none")
        .env("ACCORD_MAIL_FROM", "Accord <accord@northshire.example>")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("Accord is serving on http://"), "{line}");
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (child, base)
}

/// The first email to `address` whose text holds `has`, waiting for the
/// job runner to send it.
fn mail_to(sink: &SmtpSink, address: &str, has: &str) -> Mail {
    let started = Instant::now();
    loop {
        if let Some(m) = sink
            .messages()
            .into_iter()
            .find(|m| m.to.contains(address) && m.raw.replace("=\r\n", "").contains(has))
        {
            return m;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no email to {address} about {has:?}: {:?}",
            sink.messages()
                .iter()
                .map(|m| (&m.to, &m.subject))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The set-password link's secret in `mail`, unfolded as a mail program
/// would.
fn token(mail: &Mail) -> String {
    let raw = mail.raw.replace("=\r\n", "");
    let start = raw
        .find("/account/set-password/")
        .expect("the email holds the link");
    raw[start + "/account/set-password/".len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

/// Follows an invitation, chooses `password`, and signs in as `sign_in`.
async fn accept(b: &mut Browser, mail: &Mail, sign_in: &str, password: &str, name: &str) {
    b.open(&format!("/account/set-password/{}", token(mail)))
        .await;
    assert_eq!(b.path().await, "/account/set-password");
    b.axe(&format!("{name}: choosing a password")).await;
    b.fill("new_password", password).await;
    b.fill("confirm_password", password).await;
    b.submit().await;
    b.open("/sign-in").await;
    b.fill("sign_in", sign_in).await;
    b.fill("password", password).await;
    b.submit().await;
    assert_eq!(b.path().await, "/my-work", "{}", b.text("main").await);
    b.axe(&format!("{name}: My work")).await;
    b.screenshot(&format!("{name}-my-work")).await;
}

/// Waits for the next minute to begin, and gives it as the time a
/// discussion started, as "6:47pm" in UK time: a discussion cannot start
/// before the case was raised, nor in the future.
fn this_minute() -> String {
    let now = Timestamp::now();
    let into = now.as_second().rem_euclid(60);
    std::thread::sleep(Duration::from_secs((61 - into) as u64));
    Timestamp::now()
        .to_zoned_datetime(TimeZone::get("Europe/London").unwrap())
        .strftime("%-I:%M%P")
        .to_string()
}

/// Records a discussion on `case` with `others` picked by typing their
/// names, not agreed.
async fn record_discussion(b: &mut Browser, case: &str, others: &[&str], name: &str) {
    let held = this_minute();
    b.open(&format!("/cases/{case}")).await;
    b.follow("Record a discussion").await;
    b.fill("held_at", &held).await;
    b.choose("how", "phone").await;
    for p in others {
        b.pick_person("participants", p).await;
    }
    b.fill(
        "summary",
        "Each side set out its view of the referral; the disagreement stands.",
    )
    .await;
    b.choose("agreed", "no").await;
    b.axe(name).await;
    b.submit().await;
    assert!(
        b.path().await.ends_with("?done=record-discussion"),
        "{}",
        b.text("main").await
    );
}

/// Escalates `case` to Stage `to`.
async fn escalate(b: &mut Browser, case: &str, to: u8, name: &str) {
    b.open(&format!("/cases/{case}")).await;
    b.follow(&format!("Escalate to Stage {to}")).await;
    b.fill(
        "reason",
        "The agencies still disagree about whether the threshold is met.",
    )
    .await;
    b.axe(name).await;
    b.submit().await;
    assert!(
        b.path().await.ends_with("?done=escalate"),
        "{}",
        b.text("main").await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn northshire_is_set_up_from_the_readme_and_its_people_work_a_case() {
    let section = section();
    let work = tempfile::tempdir().unwrap();
    let bin = bin_dir();
    let sink = SmtpSink::start();

    // The CSV files, as the section gives them.
    let csv = blocks(&section, "csv");
    assert_eq!(csv.len(), 2, "agencies.csv and people.csv");
    std::fs::write(work.path().join("agencies.csv"), &csv[0]).unwrap();
    std::fs::write(work.path().join("people.csv"), &csv[1]).unwrap();

    // Every command of the section, in order.
    let mut server = None;
    for line in blocks(&section, "sh")
        .iter()
        .flat_map(|b| b.lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    {
        if line.contains("accord serve") {
            server = Some(serve(work.path(), &sink));
            continue;
        }
        let out = run(&line, work.path(), bin.path());
        if line.contains("accord policy new") {
            make_northshire_policy(&work.path().join("northshire-2026.toml"));
        }
        if line.starts_with("accord policy check") {
            assert!(
                out.contains("valid policy northshire-2026 version 1"),
                "{out}"
            );
        }
        if line.starts_with("accord partnership create") {
            assert!(out.contains("running northshire-2026 version 1"), "{out}");
        }
        if line.contains("--dry-run") {
            assert!(
                out.contains("Nothing was written") || out.contains("would"),
                "{out}"
            );
        }
    }
    let (mut child, base) = server.expect("the section serves Accord");

    // The invitations, through the real mail server.
    let priya = mail_to(
        &sink,
        "priya.shah@northshire.example",
        "/account/set-password/",
    );
    let sam = mail_to(
        &sink,
        "sam.lowe@northshire.example",
        "/account/set-password/",
    );
    assert_eq!(token(&priya).len(), 64);

    let mut b = Browser::start("northshire", &base).await;

    // --- Priya Shah, a social worker, raises a disagreement -------------
    accept(
        &mut b,
        &priya,
        "nor-csc-practitioner",
        "a long northshire password",
        "priya",
    )
    .await;
    b.open("/raise").await;
    b.follow("Start now").await;
    b.choose("scope", "none").await;
    b.submit().await;
    assert_eq!(b.path().await, "/raise/other-agency");
    b.choose_agency("other_agency", "nor-health").await;
    b.submit().await;
    b.pick_person("other_professional", "nor-health-practitioner")
        .await;
    b.submit().await;
    b.fill("s1-name", "Ellie Rowe").await;
    b.submit().await;
    assert_eq!(b.path().await, "/raise/area", "{}", b.text("main").await);
    b.choose("area", "need-for-action").await;
    b.submit().await;
    b.fill(
        "disputed",
        "The referral about Ellie was closed with no further action.",
    )
    .await;
    b.fill(
        "evidence",
        "The health visitor saw bruising on two visits in May.",
    )
    .await;
    b.fill("outcome_sought", "A strategy discussion this week.")
        .await;
    b.submit().await;
    assert_eq!(b.path().await, "/raise/check");
    b.axe("priya: checking the raise").await;
    b.submit().await;
    let path = b.path().await;
    let main = b.text("main").await;
    let case = path
        .strip_prefix("/cases/")
        .and_then(|p| p.strip_suffix("?done=raised"))
        .unwrap_or_else(|| panic!("raised, at {path}: {main}"))
        .to_owned();
    assert!(case.starts_with("NOR-"), "{case}");
    let page = b.text("main").await;
    assert!(
        page.contains("Escalation & Dispute Resolution Policy, version 1"),
        "{page}"
    );
    b.axe("priya: the case raised").await;
    b.screenshot("raised").await;

    // Stage One: the workers' discussion, then up to their managers.
    record_discussion(
        &mut b,
        &case,
        &["nor-health-practitioner"],
        "priya: a discussion",
    )
    .await;
    escalate(&mut b, &case, 2, "priya: escalating").await;
    // The extra notification of Northshire's own policy reaches its
    // business manager.
    let told = mail_to(&sink, "jo.park@northshire.example", "has left Stage One");
    assert!(told.raw.contains(&case), "{}", told.raw);
    b.sign_out().await;

    // --- Sam Lowe, the health visitor's manager, escalates it ------------
    accept(
        &mut b,
        &sam,
        "nor-health-manager",
        "another long password",
        "sam",
    )
    .await;
    b.open(&format!("/cases/{case}")).await;
    let page = b.text("main").await;
    assert!(page.contains("Stage Two"), "{page}");
    record_discussion(&mut b, &case, &["nor-csc-manager"], "sam: a discussion").await;
    escalate(&mut b, &case, 3, "sam: escalating").await;
    let page = b.text("main").await;
    assert!(page.contains("Stage Three"), "{page}");
    b.screenshot("escalated-by-the-other-agency").await;
    b.close().await;

    child.kill().unwrap();
    child.wait().unwrap();
}
