//! Accord's background work: the job runner that `accord serve` runs beside
//! the web application, and `accord jobs run-once` runs by hand. Each pass
//! ([`Runner::run_once`]):
//!
//! 1. records a **breach** at every deadline that has passed with none on
//!    record, as an event by Accord itself, so the stage's breach
//!    notifications (or the policy's `alerts.breach_to`) go to the outbox
//!    in the same transaction;
//! 2. sends each **reminder** due before a deadline, when and to whom the
//!    policy's `[alerts]` says (by default one working day before, to the
//!    stage's leads), and one to the owner of each learning follow-up the
//!    day after its last day passes with it not done (issue 15 §2);
//! 3. turns each **notification** in the outbox into deliveries to people:
//!    one in the app, and one by email for each person with an address
//!    when email is set up;
//! 4. **sends email** that is due, retrying with exponential backoff and
//!    giving up (for an administrator to see) only on a permanent refusal
//!    or after [`MAX_ATTEMPTS`];
//! 5. **tells webhook endpoints** of their partnership's events, in order,
//!    signed, pausing an endpoint after [`MAX_ATTEMPTS`] failures in a row
//!    (see [`webhook`]).
//!
//! Every step is safe to run on several servers against one PostgreSQL at
//! once: breaches are appends at an expected version, reminders and
//! deliveries have unique keys, and emails are claimed with `FOR UPDATE
//! SKIP LOCKED` before they are sent (see `accord_store`'s delivery
//! module). Time comes from one [`Clock`], which tests set.

mod mail;
pub mod message;
pub mod webhook;

use std::{collections::HashMap, future::Future, sync::Arc, time::Duration};

use accord_calendar::{Calendar, Calendars};
use accord_case::{Actor, AgencyId, Case, CaseId, Command, Context, PersonId};
use accord_policy::{Policy, Relation, RoleRef, RoleTier};
use accord_store::{
    AgencyKind, AppendError, Attempt, Channel, DeadlineEntry, Delivery, DirectoryError,
    NewDelivery, OutboxEntry, Person, PolicyLoadError, Store, StoreError, delivery_key,
    reminder_key,
};
use jiff::{SignedDuration, Timestamp, ToSpan, civil::Date, tz::TimeZone};

pub use accord_store::recipients;
pub use mail::{MailConfigError, MailSettings, Mailer, Security, SendFailure};

/// Where the runner reads the time: the system clock in the product, a
/// settable one in tests.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// How many times an email is tried before an administrator is asked to
/// look at it: with the backoff below, about a day and a half of trying.
pub const MAX_ATTEMPTS: u32 = 12;

/// How long a runner holds an email it has claimed. A runner renews each
/// email's claim for this long just before sending it, and gives the send
/// half of it, so a claim lapses only on a runner that died, and no email
/// goes after its claim has lapsed (issue 20 §2).
pub const LEASE: SignedDuration = SignedDuration::from_mins(5);

/// The person id breaches are recorded under: Accord itself.
pub const ACCORD: &str = "accord";

/// How many rows one step takes at a time.
const BATCH: u32 = 500;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Breaches recorded.
    pub breaches: usize,
    /// Reminders sent.
    pub reminders: usize,
    /// Notifications turned into deliveries.
    pub notifications: usize,
    /// Emails the SMTP server accepted.
    pub emails_sent: usize,
    /// Emails that failed and will be tried again.
    pub emails_retrying: usize,
    /// Emails given up on.
    pub emails_failed: usize,
    /// Cases the partnership team was told will be erased under its
    /// retention schedule.
    pub retention_notices: usize,
    /// Cases whose personal data the schedule erased.
    pub erasures: usize,
    /// Events delivered to webhook endpoints.
    pub webhooks_delivered: usize,
    /// Webhook deliveries that failed and will be tried again (or whose
    /// endpoint was paused).
    pub webhooks_failed: usize,
}

impl Pass {
    /// Whether it did anything.
    pub fn is_idle(&self) -> bool {
        *self == Pass::default()
    }
}

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Reading or writing the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A case due under its retention schedule could not be erased.
    #[error(transparent)]
    Erase(accord_store::EraseError),
    /// Reading the directory failed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// An installed policy version could not be loaded.
    #[error(transparent)]
    Policy(#[from] PolicyLoadError),
}

/// The job runner.
#[derive(Clone)]
pub struct Runner {
    store: Store,
    calendars: Arc<Calendars>,
    clock: Clock,
    mailer: Option<Mailer>,
    base_url: String,
    lease: SignedDuration,
    invitation_lifetime: SignedDuration,
    webhooks: webhook::Senders,
}

/// One partnership's people and the agencies they belong to, read once a
/// pass.
struct Directory {
    people: HashMap<String, Vec<Person>>,
    partnership_of: HashMap<AgencyId, String>,
    team_of: HashMap<String, AgencyId>,
}

impl Runner {
    /// A runner over `store`, whose cases are bound to `policies` counted
    /// on `calendars`, sending email with `mailer` (in the app only when
    /// `None`), linking to cases under `base_url` (such as
    /// `https://accord.example.org`), on the system clock.
    pub fn new(
        store: Store,
        policies: Vec<Policy>,
        calendars: Calendars,
        mailer: Option<Mailer>,
        base_url: &str,
    ) -> Runner {
        store.know_policies(policies.into_iter().map(Arc::new));
        Runner {
            store,
            calendars: Arc::new(calendars),
            clock: Arc::new(Timestamp::now),
            mailer,
            base_url: base_url.trim_end_matches('/').to_owned(),
            lease: LEASE,
            invitation_lifetime: SignedDuration::from_hours(
                24 * i64::from(accord_store::DEFAULT_INVITATION_DAYS),
            ),
            webhooks: webhook::Senders::new(),
        }
    }

    /// The same runner sending invitations whose links work for `days`
    /// days from when they are sent, instead of
    /// [`accord_store::DEFAULT_INVITATION_DAYS`] (`ACCORD_INVITATION_DAYS`,
    /// or `invitation_days` in `accord serve`'s config file). A password
    /// reset's link always works for [`accord_store::RESET_LINK_LIFETIME`].
    pub fn with_invitation_days(mut self, days: u16) -> Runner {
        self.invitation_lifetime = SignedDuration::from_hours(24 * i64::from(days));
        self
    }

    /// The same runner holding each email it claims for `lease` instead of
    /// [`LEASE`]: how long a runner that died mid-send keeps others from
    /// sending it. Keep it longer than the SMTP timeout.
    pub fn with_lease(mut self, lease: SignedDuration) -> Runner {
        self.lease = lease;
        self
    }

    /// The same runner reading the time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Runner {
        self.clock = clock;
        self
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Runs passes every `every` until `stop` completes. A failed pass is
    /// logged and the next one tries again.
    pub async fn run(self, every: Duration, stop: impl Future<Output = ()>) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = ticks.tick() => {}
            }
            match self.run_once().await {
                Ok(pass) if pass.is_idle() => {}
                Ok(pass) => tracing::info!(
                    breaches = pass.breaches,
                    reminders = pass.reminders,
                    notifications = pass.notifications,
                    emails_sent = pass.emails_sent,
                    emails_retrying = pass.emails_retrying,
                    emails_failed = pass.emails_failed,
                    webhooks_delivered = pass.webhooks_delivered,
                    webhooks_failed = pass.webhooks_failed,
                    "background jobs ran"
                ),
                Err(cause) => {
                    tracing::warn!(cause = %cause, "background jobs failed; trying again")
                }
            }
        }
    }

    /// One pass of every job, in order: breaches, reminders, retention,
    /// notifications, email, webhooks.
    pub async fn run_once(&self) -> Result<Pass, JobError> {
        // Versions a partnership installed since the last pass.
        self.store.load_installed_policies(&self.calendars).await?;
        let directory = self.directory().await?;
        let mut pass = Pass {
            breaches: self.record_breaches(&directory).await?,
            ..Pass::default()
        };
        pass.reminders = self.send_reminders(&directory).await?
            + self.remind_overdue_follow_ups(&directory).await?;
        (pass.retention_notices, pass.erasures) = self.keep_retention(&directory).await?;
        pass.notifications = self.resolve_notifications(&directory).await?;
        if let Some(mailer) = &self.mailer {
            self.send_email(mailer, &mut pass).await?;
        }
        let sent = webhook::deliver(
            &self.store,
            &self.webhooks,
            self.now(),
            self.lease,
            &self.base_url,
        )
        .await?;
        pass.webhooks_delivered = sent.delivered;
        pass.webhooks_failed = sent.failed;
        Ok(pass)
    }

    async fn directory(&self) -> Result<Directory, JobError> {
        let mut directory = Directory {
            people: HashMap::new(),
            partnership_of: HashMap::new(),
            team_of: HashMap::new(),
        };
        for partnership in self.store.partnerships().await? {
            let id = partnership.id.clone();
            for agency in self.store.agencies(&id).await? {
                if agency.kind == AgencyKind::PartnershipTeam {
                    directory.team_of.insert(id.clone(), agency.id.clone());
                }
                directory.partnership_of.insert(agency.id, id.clone());
            }
            directory
                .people
                .insert(id.clone(), self.store.people(&id).await?);
        }
        Ok(directory)
    }

    fn policy_of(&self, case: &Case) -> Option<(Arc<Policy>, &Calendar)> {
        let policy = self
            .store
            .policies()
            .get(case.policy(), case.policy_version())?
            .clone();
        let calendar = self.calendars.get(&policy.calendar).ok()?;
        Some((policy, calendar))
    }

    async fn case(&self, id: &CaseId) -> Result<Option<Case>, JobError> {
        Ok(self.store.load_case(id).await?)
    }

    /// Records one breach per passed deadline. A case changed meanwhile by
    /// someone else (or another runner) is left for the next pass.
    async fn record_breaches(&self, directory: &Directory) -> Result<usize, JobError> {
        let now = self.now();
        let mut recorded = 0;
        let due = self.store.unbreached_deadlines(now, BATCH).await?;
        // Each case once, soonest deadline first: a case's stage and form
        // deadlines need not be next to each other.
        let mut seen = std::collections::HashSet::new();
        let cases: Vec<&CaseId> = due
            .iter()
            .map(|d| &d.case)
            .filter(|c| seen.insert(*c))
            .collect();
        for id in cases {
            let Some(mut case) = self.case(id).await? else {
                continue;
            };
            let Some((policy, calendar)) = self.policy_of(&case) else {
                tracing::warn!(case = %id, "no policy for this case's version; breach not recorded");
                continue;
            };
            let Some(actor) = accord_actor(&case, directory) else {
                tracing::warn!(case = %id, "the case's partnership has no team agency; breach not recorded");
                continue;
            };
            // A stage and a form both late are two breaches, one a command.
            loop {
                let ctx = Context::new(now, actor.clone());
                let Ok(events) = case.decide(&policy, calendar, Command::RecordBreach, &ctx) else {
                    break;
                };
                match self.store.append(Some(case.version()), &events).await {
                    Ok(appended) => {
                        recorded += 1;
                        case = appended.case;
                    }
                    Err(AppendError::Conflict(_)) => break,
                    Err(AppendError::Store(e)) => return Err(e.into()),
                    Err(other) => {
                        tracing::warn!(case = %id, cause = %other, "breach not recorded");
                        break;
                    }
                }
            }
        }
        Ok(recorded)
    }

    /// Sends the reminders that are due: each deadline's once.
    async fn send_reminders(&self, directory: &Directory) -> Result<usize, JobError> {
        let now = self.now();
        let until = now
            .checked_add(reminder_window(self.store.policies().iter()))
            .unwrap_or(Timestamp::MAX);
        let mut sent = 0;
        for deadline in self.store.unreminded_deadlines(until, BATCH * 4).await? {
            let Some(case) = self.case(&deadline.case).await? else {
                continue;
            };
            let Some((policy, calendar)) = self.policy_of(&case) else {
                continue;
            };
            let alerts = &policy.alerts;
            let deliveries = if alerts.remind_working_days_before == 0 {
                // This policy sends none: mark it so it is not read again.
                Vec::new()
            } else {
                let at = reminder_at(&deadline, alerts.remind_working_days_before, calendar);
                if at > now {
                    continue;
                }
                let words = message::reminder(&deadline, &case, &policy, &self.base_url);
                let source = reminder_key(&deadline.case, deadline.form.as_ref(), deadline.due);
                let people = directory.people_of(&case);
                let mut to: Vec<&Person> = alerts
                    .remind_to
                    .iter()
                    .flat_map(|role| recipients(role, &case, &policy, people))
                    .collect();
                to.sort_by(|a, b| a.id.cmp(&b.id));
                to.dedup_by(|a, b| a.id == b.id);
                self.deliveries(&source, &case, &to, &words, "reminder")
            };
            if self
                .store
                .send_reminder(&deadline, &deliveries, now)
                .await?
                && !deliveries.is_empty()
            {
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// Reminds the owner of each learning follow-up whose last day has
    /// passed, in its case's calendar, with it not done: once. Where the
    /// owner is no longer in the directory, the partnership team is told
    /// instead, so the follow-up is not lost.
    async fn remind_overdue_follow_ups(&self, directory: &Directory) -> Result<usize, JobError> {
        let now = self.now();
        // Tomorrow in UTC is after today in any calendar Accord keeps; each
        // is checked against its own calendar below.
        let bound = now
            .to_zoned_datetime(TimeZone::UTC)
            .date()
            .tomorrow()
            .unwrap_or(Date::MAX);
        let mut sent = 0;
        for follow_up in self
            .store
            .unreminded_overdue_follow_ups(bound, BATCH)
            .await?
        {
            let Some(case) = self.case(&follow_up.case).await? else {
                continue;
            };
            let Some((policy, calendar)) = self.policy_of(&case) else {
                continue;
            };
            let today = now.to_zoned_datetime(calendar.time_zone().clone()).date();
            if follow_up.due_on >= today {
                continue;
            }
            let people = directory.people_of(&case);
            let mut to: Vec<&Person> = people.iter().filter(|p| p.id == follow_up.owner).collect();
            if to.is_empty() {
                to = recipients(
                    &RoleRef::Tier(RoleTier::PartnershipTeam),
                    &case,
                    &policy,
                    people,
                );
            }
            let words = message::follow_up_overdue(&follow_up, &case, &policy, &self.base_url);
            let source = follow_up_key(&follow_up.case, follow_up.follow_up);
            let deliveries = self.deliveries(&source, &case, &to, &words, "follow_up_overdue");
            if self
                .store
                .remind_follow_up(&follow_up, &deliveries, now)
                .await?
                && !deliveries.is_empty()
            {
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// Works each partnership's retention schedule (issue 17 §2): a case
    /// that fell due and is not held is first given notice to the
    /// partnership team, then erased once the notice has run, as Accord,
    /// under the rule that made it due. Held cases, and cases a birthday
    /// rule cannot date, are left alone. Returns the notices given and the
    /// cases erased.
    async fn keep_retention(&self, directory: &Directory) -> Result<(usize, usize), JobError> {
        let now = self.now();
        let london = TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC);
        let today = now.to_zoned_datetime(london.clone()).date();
        let (mut noticed, mut erased) = (0, 0);
        for partnership in directory.people.keys() {
            let plan = self
                .store
                .retention_due(
                    partnership,
                    |at| at.to_zoned_datetime(london.clone()).date(),
                    today,
                )
                .await?;
            for entry in plan {
                let accord_store::RetentionDue::On { date, rule } = entry.due else {
                    continue;
                };
                if date > today || entry.hold.is_some() {
                    continue;
                }
                let Some(case) = self.case(&entry.case).await? else {
                    continue;
                };
                match entry.notice {
                    None => {
                        let schedule = self.store.retention_schedule(partnership).await?;
                        let days = schedule.map_or(0, |s| s.notice_days);
                        let erase_on = today.checked_add(i64::from(days).days()).unwrap_or(today);
                        let Some((policy, _)) = self.policy_of(&case) else {
                            continue;
                        };
                        let to = recipients(
                            &RoleRef::Tier(RoleTier::PartnershipTeam),
                            &case,
                            &policy,
                            directory.people_of(&case),
                        );
                        let words =
                            message::retention_notice(&case, rule, date, erase_on, &self.base_url);
                        let source = format!("retention\n{}", case.id());
                        let deliveries =
                            self.deliveries(&source, &case, &to, &words, "retention_notice");
                        if self
                            .store
                            .give_retention_notice(case.id(), date, erase_on, &deliveries, now)
                            .await?
                        {
                            noticed += 1;
                        }
                    }
                    Some(notice) if notice.erase_on <= today => {
                        let Some(actor) = accord_actor(&case, directory) else {
                            continue;
                        };
                        match self.store.erase(case.id(), rule, date, now, actor).await {
                            Ok(_) => erased += 1,
                            // Changed meanwhile, or erased by another
                            // runner: the next pass sees it afresh.
                            Err(accord_store::EraseError::Append(
                                accord_store::AppendError::Conflict(_),
                            ))
                            | Err(accord_store::EraseError::AlreadyErased { .. }) => {}
                            Err(e) => return Err(JobError::Erase(e)),
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        Ok((noticed, erased))
    }

    /// Turns each notification in the outbox into its deliveries. One that
    /// nobody in the directory could receive is kept for administrators
    /// and tried again each pass, so it reaches whoever is given the role.
    async fn resolve_notifications(&self, directory: &Directory) -> Result<usize, JobError> {
        let now = self.now();
        let mut resolved = 0;
        let mut cases: HashMap<CaseId, Option<Case>> = HashMap::new();
        let pending = self.store.pending_notifications(BATCH).await?;
        let unaddressed = self.store.unaddressed_notifications(BATCH).await?;
        for (entry, first_try) in pending
            .into_iter()
            .map(|e| (e, true))
            .chain(unaddressed.into_iter().map(|e| (e, false)))
        {
            if !cases.contains_key(&entry.case) {
                let case = self.case(&entry.case).await?;
                cases.insert(entry.case.clone(), case);
            }
            let Some(case) = cases.get(&entry.case).and_then(Option::as_ref) else {
                continue;
            };
            let Some((policy, _)) = self.policy_of(case) else {
                continue;
            };
            let deliveries = self.notification_deliveries(&entry, case, &policy, directory);
            // The role is held, but only by whoever the news is about (the
            // raiser, of their own raise), and the stage names nobody else
            // to tell: nobody is missing it. Where the other side has
            // nobody yet, it is kept, and reaches whoever is added.
            let only_the_raiser = matches!(
                entry.recipient,
                RoleRef::Relation(Relation::Raiser | Relation::RaiserAgencyLead)
            ) || case
                .current_stage(&policy)
                .is_some_and(|s| s.leads.other.is_empty());
            if deliveries.is_empty()
                && only_the_raiser
                && !accord_store::recipients(
                    &entry.recipient,
                    case,
                    &policy,
                    directory.people_of(case),
                )
                .is_empty()
            {
                self.store
                    .settle_notification(entry.global_seq, now)
                    .await?;
                continue;
            }
            if deliveries.is_empty() {
                if !first_try {
                    continue;
                }
                tracing::warn!(
                    case = %entry.case,
                    role = %entry.recipient,
                    "nobody in the directory holds the role this notification is for; \
                     administrators see it under Email and notifications"
                );
            }
            self.store
                .deliver_notification(entry.global_seq, &deliveries, now)
                .await?;
            resolved += usize::from(!deliveries.is_empty());
        }
        Ok(resolved)
    }

    fn notification_deliveries(
        &self,
        entry: &OutboxEntry,
        case: &Case,
        policy: &Policy,
        directory: &Directory,
    ) -> Vec<NewDelivery> {
        let people = directory.people_of(case);
        let to = accord_store::told(&entry.recipient, entry.occasion, case, policy, people);
        let words = message::notification(entry, case, policy, &self.base_url);
        let occasion = serde_json::to_value(entry.occasion)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        self.deliveries(&entry.idempotency_key, case, &to, &words, &occasion)
    }

    fn deliveries(
        &self,
        source: &str,
        case: &Case,
        to: &[&Person],
        words: &message::Words,
        occasion: &str,
    ) -> Vec<NewDelivery> {
        let mut out = Vec::new();
        for person in to {
            let mut channels = vec![(Channel::InApp, String::new())];
            if self.mailer.is_some() && !person.email.trim().is_empty() {
                channels.push((Channel::Email, person.email.clone()));
            }
            for (channel, address) in channels {
                out.push(NewDelivery {
                    key: delivery_key(source, &person.id, channel),
                    case: case.id().clone(),
                    person: person.id.clone(),
                    channel,
                    address,
                    subject: words.subject.clone(),
                    body: words.body.clone(),
                    occasion: occasion.to_owned(),
                    notice: words.notice.clone(),
                });
            }
        }
        out
    }

    /// Claims and sends the email that is due, a batch at a time.
    async fn send_email(&self, mailer: &Mailer, pass: &mut Pass) -> Result<(), JobError> {
        loop {
            let claimed = self.store.claim_emails(self.now(), self.lease, 50).await?;
            if claimed.is_empty() {
                return Ok(());
            }
            for delivery in claimed {
                // The batch's claim was taken before the emails ahead of
                // this one were sent, and may have lapsed while a slow
                // server took them: another runner may hold it now. So the
                // claim is renewed for a whole lease first, and the send
                // is cut off at half of it, long before the claim lapses.
                if !self
                    .store
                    .renew_email_claim(&delivery, self.now(), self.lease)
                    .await?
                {
                    tracing::info!(
                        delivery = delivery.id,
                        "an email's claim lapsed before it was sent; left to the runner holding it"
                    );
                    continue;
                }
                let bound = self.lease.unsigned_abs() / 2;
                let sending = async {
                    match self.with_link(&delivery).await? {
                        Some(Ok(message)) => Ok(mailer.send(&message).await),
                        Some(Err(withdrawn)) => Ok(Err(withdrawn)),
                        None => Ok::<_, JobError>(mailer.send(&delivery).await),
                    }
                };
                let result = match tokio::time::timeout(bound, sending).await {
                    Ok(sent) => sent?,
                    Err(_) => Err(SendFailure {
                        permanent: false,
                        reason: format!(
                            "the SMTP server took longer than {} seconds to take the message",
                            bound.as_secs()
                        ),
                    }),
                };
                let now = self.now();
                let attempt = outcome(&delivery, result, now);
                match &attempt {
                    Attempt::Sent => pass.emails_sent += 1,
                    Attempt::Retry { .. } => pass.emails_retrying += 1,
                    Attempt::Failed { .. } => pass.emails_failed += 1,
                }
                if !matches!(attempt, Attempt::Sent) {
                    // The id only: the server's words may quote the address.
                    tracing::warn!(
                        delivery = delivery.id,
                        attempt = delivery.attempts,
                        gave_up = matches!(attempt, Attempt::Failed { .. }),
                        "an email was not accepted by the SMTP server"
                    );
                }
                self.store.finish_attempt(&delivery, &attempt, now).await?;
            }
            if pass.emails_retrying > 0 {
                // The server is failing: leave the rest for their next turn.
                return Ok(());
            }
        }
    }
}

impl Runner {
    /// For an invitation or password reset (`None` for any other email):
    /// the message to send, with a link made now
    /// ([`Store::mint_account_link`]), which exists only in the message
    /// sent; or, if the link is no longer wanted (used, or replaced by a
    /// newer one), the permanent failure that keeps it from going.
    async fn with_link(
        &self,
        delivery: &Delivery,
    ) -> Result<Option<Result<Delivery, SendFailure>>, JobError> {
        let Some(purpose) = accord_store::LinkPurpose::of_occasion(&delivery.occasion) else {
            return Ok(None);
        };
        if delivery.case.is_some() {
            return Ok(None);
        }
        let invitation = self.invitation_lifetime;
        let minted = self
            .store
            .mint_account_link(delivery.id, self.now(), |p| match p {
                accord_store::LinkPurpose::Invitation => invitation,
                accord_store::LinkPurpose::Reset => accord_store::RESET_LINK_LIFETIME,
            })
            .await?;
        let link = match minted {
            accord_store::Mint::Made(link) => link,
            accord_store::Mint::Withdrawn => {
                return Ok(Some(Err(SendFailure {
                    permanent: true,
                    reason: "not sent: the link was used, or a newer one replaced it, before \
                             this email could go"
                        .to_owned(),
                })));
            }
        };
        debug_assert_eq!(link.purpose, purpose);
        let person = self.store.person(&link.person).await?;
        let name = person.as_ref().map_or("Hello", |p| p.name.as_str());
        let partnership = match &person {
            Some(p) => self
                .store
                .partnerships()
                .await?
                .into_iter()
                .find(|x| x.id == p.partnership)
                .map_or_else(|| p.partnership.clone(), |x| x.name),
            None => "your partnership".to_owned(),
        };
        let url = format!("{}/account/set-password/{}", self.base_url, link.token);
        let words = message::account_link(link.purpose, name, &partnership, &url, link.expires_at);
        Ok(Some(Ok(Delivery {
            subject: words.subject,
            body: words.body,
            ..delivery.clone()
        })))
    }
}

/// The next step for `delivery` after a send that ended with `result`.
fn outcome(delivery: &Delivery, result: Result<(), SendFailure>, now: Timestamp) -> Attempt {
    match result {
        Ok(()) => Attempt::Sent,
        Err(f) if f.permanent || delivery.attempts >= MAX_ATTEMPTS => {
            Attempt::Failed { error: f.reason }
        }
        Err(f) => Attempt::Retry {
            next: now.checked_add(backoff(delivery.attempts)).unwrap_or(now),
            error: f.reason,
        },
    }
}

/// How long to wait after failed attempt `n` (from 1): 30 seconds,
/// doubling each time, at most four hours.
pub fn backoff(n: u32) -> SignedDuration {
    let seconds = 30_i64.saturating_mul(1_i64 << n.saturating_sub(1).min(20));
    SignedDuration::from_secs(seconds.min(4 * 60 * 60))
}

/// How far ahead of now a deadline can be and still have its reminder due:
/// a reminder one working day before goes at the start of the deadline's
/// last day, 24 hours before it ends (25 across a clock change); each
/// further working day may add a weekend and a run of bank holidays.
pub fn reminder_window<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> SignedDuration {
    let days = policies
        .into_iter()
        .map(|p| i64::from(p.alerts.remind_working_days_before))
        .max()
        .unwrap_or(0);
    SignedDuration::from_hours(25 + 24 * 6 * (days - 1).max(0))
}

/// When the reminder before `deadline` goes: the start (local midnight) of
/// the working day `days` working days before the deadline ends, counting
/// its last day as the first. One working day before a deadline at the end
/// of Friday is the start of Friday.
pub fn reminder_at(deadline: &DeadlineEntry, days: u8, calendar: &Calendar) -> Timestamp {
    let mut day: Date = deadline.last_day;
    for _ in 1..days {
        day = previous_working_day(day, calendar);
    }
    let zone: &TimeZone = calendar.time_zone();
    let start = zone
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .unwrap_or(deadline.due);
    // Never after the deadline itself (an hours-based one may fall early
    // on its last day).
    start.min(deadline.due.checked_sub(1.hour()).unwrap_or(deadline.due))
}

fn previous_working_day(mut day: Date, calendar: &Calendar) -> Date {
    for _ in 0..60 {
        day = day.yesterday().unwrap_or(day);
        if calendar.is_working_day(day) {
            break;
        }
    }
    day
}

/// The source key of the overdue reminder of one learning follow-up.
pub fn follow_up_key(case: &CaseId, follow_up: accord_case::Sequence) -> String {
    format!("follow-up-overdue\n{case}\n{follow_up}")
}

/// Accord itself, acting for `case`'s partnership team.
fn accord_actor(case: &Case, directory: &Directory) -> Option<Actor> {
    let [raising, _] = case.parties();
    let partnership = directory.partnership_of.get(raising)?;
    Some(Actor {
        person: PersonId::parse(ACCORD).ok()?,
        agency: directory.team_of.get(partnership)?.clone(),
        tier: RoleTier::PartnershipTeam,
        roles: Vec::new(),
    })
}

impl Directory {
    fn people_of(&self, case: &Case) -> &[Person] {
        let [raising, _] = case.parties();
        self.partnership_of
            .get(raising)
            .and_then(|p| self.people.get(p))
            .map_or(&[], Vec::as_slice)
    }
}
