//! `accord identity-provider list|add|set|remove|unknown`, run as a
//! process (issue 16: "Configure them in the admin pages and the CLI.
//! Secrets are never shown back."): a provider added with its secret read
//! from a file or standard input, never an argument; listed without its
//! secret; changed with the secret kept unless a new one is given;
//! removed; a mistake refused in one line naming the option and what to
//! fix; and the people a provider vouched for whom the directory does not
//! know, listed. Beside it, `accord webhook …` (issue 19), the other
//! setting a partnership's integrators ask its administrator for.

#[path = "../../accord-store/tests/common/master_key.rs"]
mod master_key;
#[path = "../../accord-store/tests/common/sample.rs"]
mod sample;

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use accord_store::Store;
use tempfile::TempDir;

const SECRET: &str = "cli-secret-7f3a9c";
const NEW_SECRET: &str = "cli-secret-rotated-2b8e";

/// A SQLite file holding the demo directory, and its URL.
fn directory() -> (TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let (calendars, policies) = sample::world();
        let demo =
            accord_demo::demo(sample::at("2025-06-02T09:30:00Z"), calendars, policies).unwrap();
        store
            .put_directory(
                (&demo).into(),
                &accord_store::ChangedBy::COMMAND_LINE,
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
        store.close().await;
    });
    (dir, url)
}

/// Runs `accord --database-url URL ARGS…` with `stdin` piped in.
fn accord(url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .env_remove("ACCORD_DATABASE_URL")
        .env_remove("ACCORD_DATA_DIR")
        .env("ACCORD_MASTER_KEY_FILE", master_key::master_key_file())
        .env_remove("ACCORD_CALENDAR_DIR")
        .arg("--database-url")
        .arg(url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("accord runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Its output, once it succeeded without printing a secret.
fn succeeded(o: &Output) -> String {
    let out = text(&o.stdout);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    for secret in [SECRET, NEW_SECRET] {
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "printed a secret: {out}{err}"
        );
    }
    out
}

/// Its one line of error, once it failed.
fn refused(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

/// What the store holds: the provider's name, whether it is enabled and its
/// passwords off, and its secret.
fn stored(url: &str, id: &str) -> Option<(accord_store::IdentityProvider, String)> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let provider = store.identity_provider(id).await.unwrap();
        let secret = store.identity_provider_secret(id).await.unwrap();
        store.close().await;
        provider.map(|p| (p, secret.unwrap()))
    })
}

const ADD: &[&str] = &[
    "identity-provider",
    "add",
    "--partnership",
    "havering",
    "--id",
    "havering-entra",
    "--name",
    "London Borough of Havering",
    "--client-id",
    "accord-havering",
    "--domains",
    "Havering.gov.uk, onesource.co.uk",
    "--claim",
    "oid",
    "--group-role",
    "hscp-chairs=hscp-chair",
];

#[test]
fn a_provider_is_added_listed_changed_and_removed_without_its_secret_ever_shown() {
    let (dir, url) = directory();
    let secret_file = dir.path().join("secret.txt");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let secret_path = secret_file.to_str().unwrap();

    // A secret is never an argument, which `ps` would show.
    let mut args = ADD.to_vec();
    args.extend(["--issuer", "https://login.microsoftonline.com/t/v2.0"]);
    args.extend(["--client-secret", SECRET]);
    let o = accord(&url, &args, "");
    assert_eq!(o.status.code(), Some(2), "clap refuses an unknown option");
    assert!(stored(&url, "havering-entra").is_none());

    // A bad issuer is refused, saying what to fix, and nothing is kept.
    let mut args = ADD.to_vec();
    args.extend(["--issuer", "login.microsoftonline.com/t/v2.0"]);
    args.extend(["--client-secret-file", secret_path]);
    let err = refused(&accord(&url, &args, ""));
    assert!(
        err.contains(
            "--issuer: Enter the issuer's address as the provider gives it, starting https://"
        ),
        "{err}"
    );
    assert!(stored(&url, "havering-entra").is_none());
    // So is a group given a role the policy does not have, and a missing
    // secret.
    let mut args = ADD.to_vec();
    args.extend(["--issuer", "https://login.microsoftonline.com/t/v2.0"]);
    args.extend(["--group-role", "leads=queen"]);
    let err = refused(&accord(&url, &args, ""));
    assert!(
        err.contains("--group-role: Write each mapping as group=role"),
        "{err}"
    );
    assert!(err.contains("hscp-chair"), "{err}");
    assert!(
        err.contains("--client-secret-file (or --client-secret-stdin): Enter the client secret"),
        "{err}"
    );

    // Added, the secret read from its file.
    let mut args = ADD.to_vec();
    args.extend(["--issuer", "https://login.microsoftonline.com/t/v2.0"]);
    args.extend(["--client-secret-file", secret_path]);
    let out = succeeded(&accord(&url, &args, ""));
    assert!(
        out.contains("Added identity provider havering-entra for havering"),
        "{out}"
    );
    assert!(out.contains("/sign-in/provider/callback"));
    let (p, secret) = stored(&url, "havering-entra").unwrap();
    assert_eq!(secret, SECRET);
    assert_eq!(p.domains, ["havering.gov.uk", "onesource.co.uk"]);
    assert_eq!(p.claim, accord_store::IdentityClaim::ObjectId);
    assert!(p.enabled && !p.passwords_off);
    // The same id again is refused.
    let err = refused(&accord(&url, &args, ""));
    assert!(err.contains("there is an identity provider `havering-entra` already"));

    // Listed, the secret never.
    let out = succeeded(&accord(&url, &["identity-provider", "list"], ""));
    assert!(
        out.contains("havering-entra (havering): London Borough of Havering"),
        "{out}"
    );
    assert!(out.contains("https://login.microsoftonline.com/t/v2.0"));
    assert!(out.contains("client secret:   set (never shown)"));
    assert!(out.contains("domains:         havering.gov.uk onesource.co.uk"));
    assert!(out.contains("group roles:     hscp-chairs=hscp-chair"));
    let out = succeeded(&accord(
        &url,
        &["identity-provider", "list", "--partnership", "sutton"],
        "",
    ));
    assert!(out.contains("No identity providers for sutton"), "{out}");

    // Changed: only what is given; the secret kept.
    let out = succeeded(&accord(
        &url,
        &[
            "identity-provider",
            "set",
            "havering-entra",
            "--name",
            "Havering staff",
            "--passwords-off",
            "--disabled",
        ],
        "",
    ));
    assert!(out.contains("its client secret kept"), "{out}");
    let (p, secret) = stored(&url, "havering-entra").unwrap();
    assert_eq!(p.name, "Havering staff");
    assert_eq!(p.issuer, "https://login.microsoftonline.com/t/v2.0");
    assert!(!p.enabled && p.passwords_off);
    assert_eq!(secret, SECRET);
    // A bad change is refused and changes nothing.
    let err = refused(&accord(
        &url,
        &[
            "identity-provider",
            "set",
            "havering-entra",
            "--domains",
            "nodot",
            "--enabled",
        ],
        "",
    ));
    assert!(err.contains("--domains: Enter the email domains"), "{err}");
    assert!(!stored(&url, "havering-entra").unwrap().0.enabled);
    // A new secret read from standard input replaces it.
    let out = succeeded(&accord(
        &url,
        &[
            "identity-provider",
            "set",
            "havering-entra",
            "--client-secret-stdin",
            "--enabled",
            "--passwords-on",
            "--no-group-roles",
        ],
        &format!("{NEW_SECRET}\n"),
    ));
    assert!(out.contains("with its new client secret"), "{out}");
    let (p, secret) = stored(&url, "havering-entra").unwrap();
    assert_eq!(secret, NEW_SECRET);
    assert!(p.enabled && !p.passwords_off && p.group_roles.is_empty());
    let err = refused(&accord(&url, &["identity-provider", "set", "nowhere"], ""));
    assert!(
        err.contains("there is no identity provider `nowhere`"),
        "{err}"
    );

    // Removed.
    let out = succeeded(&accord(
        &url,
        &["identity-provider", "remove", "havering-entra"],
        "",
    ));
    assert!(out.contains("Removed identity provider havering-entra"));
    assert!(stored(&url, "havering-entra").is_none());
    let err = refused(&accord(
        &url,
        &["identity-provider", "remove", "havering-entra"],
        "",
    ));
    assert!(err.contains("there is no identity provider"), "{err}");
}

#[test]
fn the_people_a_provider_vouched_for_whom_the_directory_does_not_know_are_listed() {
    let (dir, url) = directory();
    let secret_file = dir.path().join("secret.txt");
    std::fs::write(&secret_file, SECRET).unwrap();
    let mut args = ADD.to_vec();
    args.extend(["--issuer", "https://login.microsoftonline.com/t/v2.0"]);
    args.extend(["--client-secret-file", secret_file.to_str().unwrap()]);
    succeeded(&accord(&url, &args, ""));
    let out = succeeded(&accord(
        &url,
        &["identity-provider", "unknown", "--partnership", "havering"],
        "",
    ));
    assert!(
        out.contains("Nobody havering's identity providers vouched for"),
        "{out}"
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        for _ in 0..3 {
            store
                .record_unknown_sign_in(
                    "havering-entra",
                    "Jo.Bloggs@havering.gov.uk",
                    "Jo Bloggs",
                    sample::at("2026-12-07T09:30:00Z"),
                )
                .await
                .unwrap();
        }
        store.close().await;
    });
    let out = succeeded(&accord(
        &url,
        &["identity-provider", "unknown", "--partnership", "havering"],
        "",
    ));
    assert!(
        out.contains(
            "jo.bloggs@havering.gov.uk  Jo Bloggs  via havering-entra  first Mon 7 Dec 2026 09:30"
        ),
        "{out}"
    );
    assert!(out.contains("3 attempts"), "{out}");
}

/// The webhook endpoints and their secrets, as the store holds them.
fn stored_webhooks(url: &str) -> Vec<(accord_store::WebhookEndpoint, String)> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let mut out = Vec::new();
        for endpoint in store.webhooks("havering").await.unwrap() {
            let secret = store.webhook_secret(&endpoint.id).await.unwrap().unwrap();
            out.push((endpoint, secret));
        }
        store.close().await;
        out
    })
}

/// Issue 19: `accord webhook list|add|pause|resume|remove`, as on the
/// Webhooks page: each mistake refused in one line saying what to fix; the
/// secret printed once, when added, and never by `list`; another
/// partnership's endpoint not found; each change audited as made at the
/// command line.
#[test]
fn a_webhook_endpoint_is_added_listed_paused_resumed_and_removed() {
    let (_dir, url) = directory();
    let list = ["webhook", "list", "--partnership", "havering"];
    assert_eq!(
        succeeded(&accord(&url, &list, "")),
        "havering has no webhook endpoint.\n"
    );
    let add = |more: &[&str]| {
        let mut args = vec!["webhook", "add", "--partnership", "havering"];
        args.extend_from_slice(more);
        accord(&url, &args, "")
    };
    for (more, says) in [
        (
            vec!["--url", "http://integration.havering.gov.uk/accord"],
            "url: Enter an address starting https://",
        ),
        (
            vec!["--url", "https://10.0.0.5/accord"],
            "(at the command line, --allow-private)",
        ),
        (
            vec![
                "--url",
                "https://integration.havering.gov.uk/accord",
                "--kind",
                "breach",
            ],
            "`breach` is not a kind of event: use raised, escalated, deadline_breached",
        ),
    ] {
        let err = refused(&add(&more));
        assert!(err.contains(says), "{more:?}: {err}");
    }
    let err = refused(&accord(
        &url,
        &["webhook", "list", "--partnership", "nowhere"],
        "",
    ));
    assert!(err.contains("there is no partnership `nowhere`"), "{err}");
    assert!(stored_webhooks(&url).is_empty());

    let added = succeeded(&add(&[
        "--url",
        "https://integration.havering.gov.uk/accord",
        "--kind",
        "escalated",
        "--kind",
        "closed",
    ]));
    let [(endpoint, secret)]: [_; 1] = stored_webhooks(&url).try_into().unwrap();
    assert_eq!(
        added,
        format!(
            "Added {} for https://integration.havering.gov.uk/accord.\nIts signing secret, shown \
             this once; give it to whoever runs the receiver:\n{secret}\n",
            endpoint.id
        )
    );
    assert_eq!(
        endpoint.kinds,
        [
            accord_store::EventKind::Escalated,
            accord_store::EventKind::Closed
        ]
    );
    let listed = succeeded(&accord(&url, &list, ""));
    assert!(!listed.contains(&secret), "{listed}");
    assert_eq!(
        listed,
        format!(
            "{}  https://integration.havering.gov.uk/accord  active\n    events: escalated, \
             closed\n    last delivered: nothing yet\n",
            endpoint.id
        )
    );

    let act = |action: &str, partnership: &str| {
        accord(
            &url,
            &[
                "webhook",
                action,
                &endpoint.id,
                "--partnership",
                partnership,
            ],
            "",
        )
    };
    let err = refused(&act("pause", "sutton"));
    assert!(err.contains("sutton has no webhook endpoint"), "{err}");
    assert!(succeeded(&act("pause", "havering")).contains("is paused"));
    assert!(succeeded(&accord(&url, &list, "")).contains("  paused\n"));
    assert!(succeeded(&act("resume", "havering")).contains("is resumed"));
    assert!(succeeded(&accord(&url, &list, "")).contains("  active\n"));
    assert!(succeeded(&act("remove", "havering")).contains("is removed"));
    assert!(stored_webhooks(&url).is_empty());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let audit = runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let audit = store.directory_audit("havering", 50).await.unwrap();
        store.close().await;
        audit
    });
    let mut whats: Vec<&str> = audit
        .iter()
        .filter(|e| e.subject_id == endpoint.id)
        .map(|e| e.what.as_str())
        .collect();
    whats.reverse();
    assert_eq!(
        whats,
        [
            "webhook.added",
            "webhook.paused",
            "webhook.resumed",
            "webhook.removed"
        ]
    );
    assert!(
        audit
            .iter()
            .filter(|e| e.subject_id == endpoint.id)
            .all(|e| e.by == accord_store::ChangedBy::COMMAND_LINE)
    );
}
