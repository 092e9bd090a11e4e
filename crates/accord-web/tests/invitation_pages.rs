//! Issue 13 §4 in real Chromium, with axe-core on every new page and
//! state: an administrator adds someone without typing a password; the
//! invitation arrives through a real SMTP server; its link opens the page
//! where they choose their password (a mistake shown in the error
//! summary); they sign in and are led into setting up the second factor
//! their partnership requires; the spent link says what to do; and
//! "Forgotten your password?" is reached from the sign-in page.

mod browser;
mod common;

/// The job tests' real SMTP server. It brings its own copy of the store's
/// PostgreSQL harness, which `common` holds too: two copies of one file.
#[allow(clippy::duplicate_mod)]
#[path = "../../accord-jobs/tests/common/mod.rs"]
mod mail;

use std::sync::Arc;

use accord_calendar::Calendars;
use browser::Browser;
use common::{Backend, spawn_app_with_directory};
use mail::SmtpSink;

const CHOSEN: &str = "kettle orchard lantern";
const ADDRESS: &str = "robin.ashby@met.example.org";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_person_follows_the_link_chooses_a_password_and_signs_in() {
    let (app, state, clock) = spawn_app_with_directory(Backend::Sqlite, &["hav-admin"]).await;
    let sink = SmtpSink::start();
    let police = state
        .store()
        .person_by_sign_in("hav-police-manager")
        .await
        .unwrap()
        .unwrap()
        .agency;
    let mut b = Browser::start("invitation", &app.address).await;

    // The administrator adds someone, and is asked for no password.
    b.sign_in("hav-admin").await;
    b.open("/admin/people/new").await;
    let form = b.text("main").await;
    assert!(!form.contains("password"), "{form}");
    b.axe("adding a person").await;
    b.fill("name", "Robin Ashby").await;
    b.fill("job_title", "Detective Constable").await;
    b.fill("email", ADDRESS).await;
    b.fill("sign_in", "hav-robin").await;
    b.client
        .execute(
            &format!("document.getElementById('agency').value = '{police}'; return true;"),
            vec![],
        )
        .await
        .unwrap();
    b.choose("tier", "practitioner").await;
    b.submit().await;
    assert_eq!(b.path().await, "/admin/people/hav-robin?done=invited");
    let banner = b.text("main").await;
    assert!(
        banner.contains("goes by email once this server sends email"),
        "{banner}"
    );
    assert!(banner.contains("Send the invitation again"), "{banner}");
    // This test's server is not told that it sends email (the test runs
    // the job runner itself), so the page says what to do meanwhile.
    assert!(banner.contains("does not send email yet"), "{banner}");
    b.axe("a person just invited").await;
    b.screenshot("invited").await;
    b.sign_out().await;

    // Havering now asks everyone for a second factor.
    state
        .store()
        .require_second_factor(
            "havering",
            true,
            clock.now(),
            &accord_store::ChangedBy::COMMAND_LINE,
        )
        .await
        .unwrap();

    // The invitation arrives by email.
    let calendars = Calendars::builtin();
    let policies = accord_policy::builtin(&calendars);
    let runner_clock = clock.clone();
    accord_jobs::Runner::new(
        state.store().clone(),
        policies,
        calendars,
        Some(sink.mailer()),
        &app.address,
    )
    .with_clock(Arc::new(move || runner_clock.now()))
    .run_once()
    .await
    .unwrap();
    let mail = sink.messages();
    let invitation = mail
        .iter()
        .find(|m| m.to.contains(ADDRESS))
        .expect("the invitation arrived");
    // The link, unfolded from the message as a mail program would.
    let raw = invitation.raw.replace("=\r\n", "");
    let start = raw
        .find("/account/set-password/")
        .expect("the email holds the link");
    let token: String = raw[start + "/account/set-password/".len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64);

    // The link leads to the page, without the secret in its address.
    b.open(&format!("/account/set-password/{token}")).await;
    assert_eq!(b.path().await, "/account/set-password");
    assert_eq!(b.text("h1").await, "Choose your password");
    b.axe("choosing a password").await;
    b.screenshot("choose").await;

    b.fill("new_password", CHOSEN).await;
    b.fill("confirm_password", "not the same at all").await;
    b.submit().await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("Type the password again, exactly as above")
    );
    assert!(b.client.title().await.unwrap().starts_with("Error: "));
    b.axe("choosing a password, with a mistake").await;
    b.screenshot("choose-error").await;

    b.fill("new_password", CHOSEN).await;
    b.fill("confirm_password", CHOSEN).await;
    b.submit().await;
    assert_eq!(b.text("h1").await, "Your password is set");
    let done = b.text("main").await;
    assert!(done.contains("set up an authenticator app"), "{done}");
    b.axe("the password is set").await;
    b.screenshot("set").await;

    // The link is spent, and says what to do.
    b.open(&format!("/account/set-password/{token}")).await;
    assert_eq!(b.text("h1").await, "This link does not work");
    b.axe("a link that does not work").await;
    b.screenshot("spent").await;

    // They sign in with it, and set up the second factor first.
    b.open("/sign-in").await;
    b.fill("sign_in", "hav-robin").await;
    b.fill("password", CHOSEN).await;
    b.submit().await;
    assert_eq!(b.path().await, "/second-factor");
    b.sign_out().await;

    // Forgotten your password? is on the sign-in page.
    b.follow("Forgotten your password?").await;
    assert_eq!(b.path().await, "/account/forgotten-password");
    b.axe("asking for a reset link").await;
    b.screenshot("forgotten").await;
    b.submit().await;
    assert!(
        b.text(".govuk-error-summary")
            .await
            .contains("Enter your email address")
    );
    b.axe("asking for a reset link, with a mistake").await;
    b.screenshot("forgotten-error").await;
    b.fill("email", ADDRESS).await;
    b.submit().await;
    assert_eq!(b.text("h1").await, "Check your email");
    b.axe("a reset link asked for").await;
    b.screenshot("forgotten-sent").await;
    b.close().await;
}
