//! `accord user add|reset-password|disable`, run as a process: `user add`
//! invites by email and takes no password (issue 13 §4); the operator's
//! `reset-password` takes one piped on standard input. Accounts that sign
//! in, passwords that are never printed, and one clear error line for bad
//! input.

#[path = "../../accord-store/tests/common/master_key.rs"]
mod master_key;
#[path = "../../accord-store/tests/common/sample.rs"]
mod sample;

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use accord_store::{SignInCheck, Store};
use tempfile::TempDir;

const PASSWORD: &str = "three random words";

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

fn assert_succeeded(o: &Output) -> String {
    let out = text(&o.stdout);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for secret in [PASSWORD, "argon2"] {
        assert!(!out.contains(secret), "printed a secret: {out}");
        assert!(!text(&o.stderr).contains(secret), "printed a secret");
    }
    out
}

fn assert_one_error_line(o: &Output) -> String {
    let err = text(&o.stderr);
    assert!(!o.status.success(), "expected failure: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

fn check(url: &str, sign_in: &str, password: &str) -> SignInCheck {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let found = store.check_password(sign_in, password).await.unwrap();
        store.close().await;
        found
    })
}

fn add_args<'a>(sign_in: &'a str, agency: &'a str) -> Vec<&'a str> {
    vec![
        "user",
        "add",
        "--sign-in",
        sign_in,
        "--partnership",
        "havering",
        "--agency",
        agency,
        "--name",
        "Sam Okafor",
        "--email",
        "sam.okafor@example.org",
        "--tier",
        "practitioner",
    ]
}

/// The agency of a demo Havering person, so the test follows the data.
fn havering_agency(url: &str) -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let p = store
            .person_by_sign_in("hav-police-manager")
            .await
            .unwrap()
            .unwrap();
        p.agency.to_string()
    })
}

/// The emails waiting to be sent from the store at `url`: (to, occasion,
/// body).
fn waiting_email(url: &str) -> Vec<(String, String, String)> {
    with_store(url, async |store| {
        store
            .deliveries_with_status(accord_store::DeliveryStatus::Pending, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.address, d.occasion, d.body))
            .collect()
    })
}

/// Issue 13 §4: "Administrators never see or type someone else's
/// password": `user add` takes none, and invites them by email instead;
/// someone already there with a password is sent a reset link.
#[test]
fn user_add_puts_someone_in_the_directory_and_invites_them_by_email() {
    let (_dir, url) = directory();
    let agency = havering_agency(&url);
    let out = assert_succeeded(&accord(&url, &add_args("hav-new-worker", &agency), ""));
    assert!(out.contains("Added hav-new-worker to havering."), "{out}");
    assert!(
        out.contains("Accord emails them an invitation to choose their own password at sam.okafor@example.org"),
        "{out}"
    );
    assert!(
        out.contains("accord user reset-password hav-new-worker"),
        "{out}"
    );
    // In the directory, with no password until they choose one.
    assert!(matches!(
        check(&url, "hav-new-worker", PASSWORD),
        SignInCheck::Refused
    ));
    let waiting = waiting_email(&url);
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    let (to, occasion, body) = &waiting[0];
    assert_eq!(to, "sam.okafor@example.org");
    assert_eq!(occasion, "invitation");
    // The link is made only as the email is sent: it is not stored.
    assert!(!body.contains("/account/set-password/"), "{body}");

    // Someone already in the directory with a password gets a reset link.
    assert_succeeded(&accord(
        &url,
        &["user", "reset-password", "hav-police-manager"],
        &format!("{PASSWORD}\n"),
    ));
    let out = assert_succeeded(&accord(&url, &add_args("hav-police-manager", &agency), ""));
    assert!(out.contains("already in havering"), "{out}");
    assert!(out.contains("a link to choose a new password"), "{out}");
    assert!(
        waiting_email(&url)
            .iter()
            .any(|(_, occasion, _)| occasion == "password_reset")
    );
    // Their password stays until they use the link.
    assert!(matches!(
        check(&url, "hav-police-manager", PASSWORD),
        SignInCheck::Verified(_)
    ));
}

#[test]
fn user_add_refuses_bad_input_with_one_line() {
    let (_dir, url) = directory();
    let agency = havering_agency(&url);
    let short = assert_one_error_line(&accord(
        &url,
        &["user", "reset-password", "hav-police-manager"],
        "short\n",
    ));
    assert!(short.contains("at least 12"), "{short}");
    assert!(
        !short.contains("short\n") && !short.contains("`short`"),
        "{short}"
    );
    let mut bad_tier = add_args("hav-new-worker", &agency);
    bad_tier[13] = "boss";
    let err = assert_one_error_line(&accord(&url, &bad_tier, &format!("{PASSWORD}\n")));
    assert!(err.contains("practitioner"), "{err}");
    let err = assert_one_error_line(&accord(
        &url,
        &add_args("hav-new-worker", "no-such-agency"),
        &format!("{PASSWORD}\n"),
    ));
    assert!(err.contains("not an agency of havering"), "{err}");
    let err = assert_one_error_line(&accord(
        &url,
        &add_args("has spaces", &agency),
        &format!("{PASSWORD}\n"),
    ));
    assert!(err.contains("sign-in name"), "{err}");
    assert!(matches!(
        check(&url, "hav-new-worker", PASSWORD),
        SignInCheck::Refused
    ));
}

#[test]
fn reset_password_replaces_the_old_one_and_disable_stops_sign_in() {
    let (_dir, url) = directory();
    let agency = havering_agency(&url);
    assert_succeeded(&accord(&url, &add_args("hav-new-worker", &agency), ""));
    // The operator's tool, for when email cannot reach someone.
    let out = assert_succeeded(&accord(
        &url,
        &["user", "reset-password", "hav-new-worker"],
        &format!("{PASSWORD}\n"),
    ));
    assert!(
        out.contains("Set a new password for hav-new-worker"),
        "{out}"
    );
    let out = assert_succeeded(&accord(&url, &["user", "disable", "hav-new-worker"], ""));
    assert!(out.contains("Disabled hav-new-worker"), "{out}");
    assert!(matches!(
        check(&url, "hav-new-worker", PASSWORD),
        SignInCheck::Disabled
    ));
    let out = assert_succeeded(&accord(
        &url,
        &["user", "reset-password", "hav-new-worker"],
        "a different long password\r\n",
    ));
    assert!(out.contains("enabled"), "{out}");
    assert!(matches!(
        check(&url, "hav-new-worker", PASSWORD),
        SignInCheck::Refused
    ));
    assert!(matches!(
        check(&url, "hav-new-worker", "a different long password"),
        SignInCheck::Verified(_)
    ));
    let err = assert_one_error_line(&accord(
        &url,
        &["user", "reset-password", "hav-nobody"],
        &format!("{PASSWORD}\n"),
    ));
    assert!(err.contains("nobody signs in as `hav-nobody`"), "{err}");
    let err = assert_one_error_line(&accord(&url, &["user", "disable", "hav-nobody"], ""));
    assert!(err.contains("nobody signs in as `hav-nobody`"), "{err}");
}

/// Runs `body` against the store at `url`.
fn with_store<T>(url: &str, body: impl AsyncFnOnce(&Store) -> T) -> T {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let out = body(&store).await;
        store.close().await;
        out
    })
}

#[test]
fn partnership_require_second_factor_turns_the_rule_on_and_off() {
    let (_dir, url) = directory();
    let out = assert_succeeded(&accord(
        &url,
        &["partnership", "require-second-factor", "havering"],
        "",
    ));
    assert!(
        out.contains("havering now requires a second factor"),
        "{out}"
    );
    assert!(with_store(&url, async |s| s
        .second_factor_required("havering")
        .await
        .unwrap()));
    let out = assert_succeeded(&accord(
        &url,
        &["partnership", "require-second-factor", "havering", "--off"],
        "",
    ));
    assert!(out.contains("no longer requires"), "{out}");
    assert!(!with_store(&url, async |s| s
        .second_factor_required("havering")
        .await
        .unwrap()));
    let err = assert_one_error_line(&accord(
        &url,
        &["partnership", "require-second-factor", "nowhere"],
        "",
    ));
    assert!(err.contains("no partnership `nowhere`"), "{err}");
}

#[test]
fn user_reset_second_factor_removes_a_lost_one() {
    let (_dir, url) = directory();
    with_store(&url, async |store| {
        let person = store
            .person_by_sign_in("hav-police-manager")
            .await
            .unwrap()
            .unwrap();
        let now = jiff::Timestamp::now();
        let enrolment = store
            .begin_second_factor(&person, "Accord havering", now)
            .await
            .unwrap()
            .unwrap();
        let code = accord_store::code_at(&enrolment.secret, now).unwrap();
        assert!(
            store
                .confirm_second_factor(
                    &person.id,
                    &code,
                    now,
                    &accord_store::ChangedBy::COMMAND_LINE
                )
                .await
                .unwrap()
        );
    });
    let out = assert_succeeded(&accord(
        &url,
        &["user", "reset-second-factor", "hav-police-manager"],
        "",
    ));
    assert!(
        out.contains("Removed hav-police-manager's second factor"),
        "{out}"
    );
    let out = assert_succeeded(&accord(
        &url,
        &["user", "reset-second-factor", "hav-police-manager"],
        "",
    ));
    assert!(out.contains("has no second factor"), "{out}");
    let err = assert_one_error_line(&accord(
        &url,
        &["user", "reset-second-factor", "hav-nobody"],
        "",
    ));
    assert!(err.contains("nobody signs in as `hav-nobody`"), "{err}");
}

/// Issue 11, finding 11: `HAV-POLICE-MANAGER` is refused beside
/// `hav-police-manager`, rather than taken for them (which would have set
/// their password).
#[test]
fn user_add_refuses_a_name_differing_only_in_case() {
    let (_dir, url) = directory();
    let agency = havering_agency(&url);
    let err = assert_one_error_line(&accord(
        &url,
        &add_args("HAV-POLICE-MANAGER", &agency),
        &format!("{PASSWORD}\n"),
    ));
    assert!(
        err.contains("differs only in capital letters from `hav-police-manager`"),
        "{err}"
    );
    assert!(matches!(
        check(&url, "hav-police-manager", PASSWORD),
        SignInCheck::Refused
    ));
    // Their own name, typed in capitals, finds them.
    let out = assert_succeeded(&accord(
        &url,
        &["user", "reset-password", "HAV-POLICE-MANAGER"],
        &format!("{PASSWORD}\n"),
    ));
    assert!(out.contains("Set a new password"), "{out}");
    assert!(matches!(
        check(&url, "hav-police-manager", PASSWORD),
        SignInCheck::Verified(_)
    ));
}

/// Issue 11, finding 4: after `disable` then `reset-password`, the old
/// token stays revoked, as the command says; both changes are on record
/// as the command line's.
#[test]
fn disable_then_reset_password_never_revives_a_token_and_both_are_recorded() {
    let (_dir, url) = directory();
    let agency = havering_agency(&url);
    assert_succeeded(&accord(&url, &add_args("hav-new-worker", &agency), ""));
    assert_succeeded(&accord(
        &url,
        &["user", "reset-password", "hav-new-worker"],
        &format!("{PASSWORD}\n"),
    ));
    let token = with_store(&url, async |store| {
        let person = store
            .person_by_sign_in("hav-new-worker")
            .await
            .unwrap()
            .unwrap();
        store
            .create_token(
                &person.id,
                &[accord_store::Scope::Read],
                "reports",
                jiff::Timestamp::now(),
                &accord_store::ChangedBy::Person(person.id.clone()),
            )
            .await
            .unwrap()
            .secret
    });
    let out = assert_succeeded(&accord(&url, &["user", "disable", "hav-new-worker"], ""));
    assert!(
        out.contains("API tokens and calendar feed are revoked for good"),
        "{out}"
    );
    let out = assert_succeeded(&accord(
        &url,
        &["user", "reset-password", "hav-new-worker"],
        "a different long password\n",
    ));
    assert!(
        out.contains("API tokens and calendar feed have ended"),
        "{out}"
    );
    let (live, entries) = with_store(&url, async |store| {
        (
            store.token_person(&token).await.unwrap().is_some(),
            store.directory_audit("havering", 100).await.unwrap(),
        )
    });
    assert!(!live, "the old token works again");
    let ours: Vec<(&str, &accord_store::ChangedBy)> = entries
        .iter()
        .filter(|e| e.subject_id == "hav-new-worker")
        .rev()
        .map(|e| (e.what.as_str(), &e.by))
        .collect();
    let cli = &accord_store::ChangedBy::COMMAND_LINE;
    let worker =
        &accord_store::ChangedBy::Person(accord_case::PersonId::parse("hav-new-worker").unwrap());
    assert_eq!(
        ours,
        [
            ("person.added", cli),
            ("account.invitation_sent", cli),
            ("account.password", cli),
            ("token.created", worker),
            ("account.disabled", cli),
            ("account.password", cli),
        ]
    );
}

/// Issue 13 §1: "`accord user add --partnership croydon …` answers 'there
/// is no partnership `croydon`: add its directory first'", and no command
/// created one. `accord partnership create` makes a partnership from
/// nothing, with its own team as its first agency, and says how to add its
/// first administrator; that command then works, and the administrator
/// signs in. A second partnership with the same id or case prefix, an id
/// that is not one, and a policy Accord does not have are each one clear
/// error line, and write nothing.
#[test]
fn a_partnership_is_created_from_nothing_and_gets_its_first_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    let create = |args: &[&str]| {
        let mut all = vec!["partnership", "create"];
        all.extend_from_slice(args);
        accord(&url, &all, "")
    };
    let made = create(&[
        "northshire",
        "--name",
        "Northshire Safeguarding Children Partnership",
        "--policy",
        "havering-2022",
    ]);
    let out = assert_succeeded(&made);
    assert!(out.contains("Created Northshire Safeguarding Children Partnership (northshire), running havering-2022 version 1; its case ids start NOR."), "{out}");
    assert!(
        out.contains("accord user add northshire-admin --partnership northshire --agency northshire-team --tier admin"),
        "{out}"
    );

    let admin = accord(
        &url,
        &[
            "user",
            "add",
            "--sign-in",
            "northshire-admin",
            "--partnership",
            "northshire",
            "--agency",
            "northshire-team",
            "--name",
            "Ade Bello",
            "--email",
            "ade.bello@northshire.example",
            "--tier",
            "admin",
        ],
        "",
    );
    assert!(assert_succeeded(&admin).contains("an invitation"));
    // Where email is not set up yet, the operator sets a first password.
    assert_succeeded(&accord(
        &url,
        &["user", "reset-password", "northshire-admin"],
        &format!("{PASSWORD}\n"),
    ));
    assert!(matches!(
        check(&url, "northshire-admin", PASSWORD),
        SignInCheck::Verified(p) if p.partnership == "northshire"
    ));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (partnerships, agencies) = runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let found = (
            store.partnerships().await.unwrap(),
            store.agencies("northshire").await.unwrap(),
        );
        store.close().await;
        found
    });
    assert_eq!(partnerships.len(), 1);
    assert_eq!(partnerships[0].policy.as_str(), "havering-2022");
    assert_eq!(partnerships[0].case_prefix, "NOR");
    assert_eq!(agencies.len(), 1);
    assert_eq!(agencies[0].id.as_str(), "northshire-team");
    assert_eq!(
        agencies[0].name,
        "Northshire Safeguarding Children Partnership team"
    );
    assert_eq!(agencies[0].kind, accord_store::AgencyKind::PartnershipTeam);

    for (args, says) in [
        (
            vec!["northshire", "--name", "Again", "--policy", "havering-2022"],
            "there is already a partnership `northshire`",
        ),
        (
            vec!["north", "--name", "North", "--policy", "havering-2022"],
            "already start `NOR`: give --case-prefix",
        ),
        (
            vec![
                "North Shire",
                "--name",
                "North",
                "--policy",
                "havering-2022",
            ],
            "cannot be a partnership id",
        ),
        (
            vec!["southshire", "--name", "South", "--policy", "ours.toml"],
            "there is no built-in policy `ours.toml` and no such file",
        ),
        (
            vec!["southshire", "--name", "  ", "--policy", "havering-2022"],
            "--name cannot be blank",
        ),
    ] {
        let err = assert_one_error_line(&create(&args));
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let after = runtime.block_on(async {
        let store = Store::open(&url, sample::policies(), master_key::master_key())
            .await
            .unwrap();
        let found = store.partnerships().await.unwrap();
        store.close().await;
        found
    });
    assert_eq!(after.len(), 1, "nothing else was written");
}

/// Issue 13 §3: `accord directory import` reads a partnership's agencies
/// and people from CSV. A file with mistakes prints each as FILE:LINE:COLUMN
/// and writes nothing; `--dry-run` says what would change and writes
/// nothing; the import writes; importing again adds nobody; and `accord
/// directory export` writes the same files back.
#[test]
fn a_partnerships_directory_is_imported_from_csv_and_exported_again() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    assert_succeeded(&accord(
        &url,
        &[
            "partnership",
            "create",
            "northshire",
            "--name",
            "Northshire Safeguarding Children Partnership",
            "--policy",
            "havering-2022",
        ],
        "",
    ));
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let agencies = file(
        "agencies.csv",
        "id,name,kind\nnorthshire-police,Northshire Police,police\nnorthshire-csc,Northshire Children's Social Care,childrens-social-care\n",
    );
    let bad_people = file(
        "bad-people.csv",
        "sign_in,name,email,agency,tier,roles,job_title\nnor-pc,Asha Patel,not-an-email,northshire-police,practitioner,,\nnor-sw,Ben Osei,ben.osei@csc.example,northshire-fire,practitioner,,\n",
    );
    let people = file(
        "people.csv",
        "sign_in,name,email,agency,tier,roles,job_title\nnor-pc,Asha Patel,asha.patel@police.example,northshire-police,practitioner,,Detective constable\nnor-sw,Ben Osei,ben.osei@csc.example,northshire-csc,practitioner,,Social worker\nnor-hos,Cara Lund,cara.lund@csc.example,northshire-csc,head-of-service,hscp-member,Head of service\n",
    );
    let import = |people: &str, extra: &[&str]| {
        let mut args = vec![
            "directory",
            "import",
            agencies.as_str(),
            people,
            "--partnership",
            "northshire",
        ];
        args.extend_from_slice(extra);
        accord(&url, &args, "")
    };
    let people_now = || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let store = Store::open(&url, sample::policies(), master_key::master_key())
                .await
                .unwrap();
            let found = store.people("northshire").await.unwrap().len();
            store.close().await;
            found
        })
    };

    let refused = import(&bad_people, &[]);
    let err = assert_one_error_line(&refused);
    assert!(
        err.contains("2 mistakes in the files: nothing was imported"),
        "{err}"
    );
    let said = text(&refused.stdout);
    assert!(
        said.contains("bad-people.csv:2:3: `not-an-email` is not an email address"),
        "{said}"
    );
    assert!(
        said.contains("bad-people.csv:3:4: there is no agency `northshire-fire`"),
        "{said}"
    );
    assert_eq!(people_now(), 0);

    let dry = assert_succeeded(&import(&people, &["--dry-run"]));
    assert!(
        dry.contains("Would import 2 agencies (2 new) and 3 people (3 new) into northshire."),
        "{dry}"
    );
    assert_eq!(people_now(), 0);

    let done = assert_succeeded(&import(&people, &[]));
    assert!(
        done.contains("Imported 2 agencies (2 new) and 3 people (3 new)"),
        "{done}"
    );
    assert_eq!(people_now(), 3);
    let again = assert_succeeded(&import(&people, &[]));
    assert!(again.contains("(0 new) and 3 people (0 new)"), "{again}");
    assert_eq!(people_now(), 3);

    let out_agencies = dir.path().join("out-agencies.csv");
    let out_people = dir.path().join("out-people.csv");
    assert_succeeded(&accord(
        &url,
        &[
            "directory",
            "export",
            "--partnership",
            "northshire",
            "--agencies",
            out_agencies.to_str().unwrap(),
            "--people",
            out_people.to_str().unwrap(),
        ],
        "",
    ));
    let exported = std::fs::read_to_string(&out_people).unwrap();
    assert!(
        exported.starts_with("sign_in,name,email,agency,tier,roles,job_title\n"),
        "{exported}"
    );
    assert!(exported.contains("nor-hos,Cara Lund,cara.lund@csc.example,northshire-csc,head-of-service,hscp-member,Head of service"), "{exported}");
    let agencies_out = std::fs::read_to_string(&out_agencies).unwrap();
    assert!(agencies_out.contains("northshire-team,"), "{agencies_out}");
    // The export imports as it is, changing nothing.
    let round = accord(
        &url,
        &[
            "directory",
            "import",
            out_agencies.to_str().unwrap(),
            out_people.to_str().unwrap(),
            "--partnership",
            "northshire",
        ],
        "",
    );
    assert!(assert_succeeded(&round).contains("(0 new) and 3 people (0 new)"));
}

/// Issue 13 §4: the people a directory import adds are invited by email,
/// once: importing the same file again invites nobody twice, and someone
/// who already has a password is not invited.
#[test]
fn importing_people_invites_each_new_person_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accord.sqlite").display());
    assert_succeeded(&accord(
        &url,
        &[
            "partnership",
            "create",
            "northshire",
            "--name",
            "Northshire Safeguarding Children Partnership",
            "--policy",
            "havering-2022",
        ],
        "",
    ));
    let agencies = dir.path().join("agencies.csv");
    std::fs::write(
        &agencies,
        "id,name,kind\nnorthshire-police,Northshire Police,police\n",
    )
    .unwrap();
    let people = dir.path().join("people.csv");
    std::fs::write(
        &people,
        "sign_in,name,email,agency,tier,roles,job_title\nnor-pc,Asha Patel,asha.patel@police.example,northshire-police,practitioner,,\nnor-ds,Dev Shah,dev.shah@police.example,northshire-police,manager,,\n",
    )
    .unwrap();
    let import = || {
        accord(
            &url,
            &[
                "directory",
                "import",
                agencies.to_str().unwrap(),
                people.to_str().unwrap(),
                "--partnership",
                "northshire",
            ],
            "",
        )
    };
    let dry = assert_succeeded(&accord(
        &url,
        &[
            "directory",
            "import",
            agencies.to_str().unwrap(),
            people.to_str().unwrap(),
            "--partnership",
            "northshire",
            "--dry-run",
        ],
        "",
    ));
    assert!(!dry.contains("invitation"), "{dry}");
    assert!(waiting_email(&url).is_empty());
    let out = assert_succeeded(&import());
    assert!(
        out.contains("Accord emails 2 new people an invitation to choose their own password"),
        "{out}"
    );
    let mut to: Vec<String> = waiting_email(&url)
        .into_iter()
        .map(|(to, occasion, _)| format!("{to} {occasion}"))
        .collect();
    to.sort();
    assert_eq!(
        to,
        [
            "asha.patel@police.example invitation",
            "dev.shah@police.example invitation"
        ]
    );
    let again = assert_succeeded(&import());
    assert!(!again.contains("invitation"), "{again}");
    assert_eq!(waiting_email(&url).len(), 2);
}
