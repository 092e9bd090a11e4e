//! Writing the demo data (`accord-demo`) into a store, for `accord demo
//! seed`: the directory is upserted, and each demo case whose stream does
//! not exist yet is appended as a new stream, so seeding again adds
//! nothing. Each demo person without a password is given the demo
//! password, [`accord_demo::DEMO_PASSWORD`].

use accord_case::CaseId;
use accord_demo::Demo;

use crate::{
    AccountError, Append, AppendError, Backend, ChangedBy, DirectoryError, Password, Store,
    StoreError, hash_gate::HASHING, hash_password,
};

/// What [`Store::seed_demo`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    /// Partnerships written (new or replaced).
    pub partnerships: usize,
    /// Agencies written.
    pub agencies: usize,
    /// People written.
    pub people: usize,
    /// The cases appended, in the demo's order.
    pub added: Vec<CaseId>,
    /// The cases already in the store, left as they were.
    pub skipped: Vec<CaseId>,
    /// How many events were appended.
    pub events: u64,
    /// How many demo people were given the demo password (those who had
    /// no password yet).
    pub passwords: usize,
}

/// The demo could not be seeded. The directory is written in one
/// transaction and the new cases in another, so a failure leaves either
/// all of each or none.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The directory could not be written.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The cases could not be appended.
    #[error(transparent)]
    Append(#[from] AppendError),
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The demo password could not be set.
    #[error(transparent)]
    Account(#[from] AccountError),
}

/// How often to look again for the cases still to add when another writer
/// adds some of them at the same time (a second `accord demo seed`).
const ATTEMPTS: usize = 3;

impl Store {
    /// Writes `demo` into the store: upserts its directory, then appends
    /// every case whose stream does not exist yet, all in one transaction,
    /// each as a new stream (expected version: none). Cases already stored
    /// are skipped whatever their events, so seeding twice, or later with a
    /// demo built for a later time (same ids, later events), adds nothing.
    pub async fn seed_demo(&self, demo: &Demo) -> Result<Seeded, SeedError> {
        self.put_directory(demo.into(), &ChangedBy::DEMO, jiff::Timestamp::now())
            .await?;
        let passwords = self.set_demo_passwords(demo).await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut added = Vec::new();
            let mut skipped = Vec::new();
            for case in &demo.cases {
                if self.has_case(&case.id).await? {
                    skipped.push(case.id.clone());
                } else {
                    added.push(case);
                }
            }
            let streams: Vec<Append<'_>> = added
                .iter()
                .map(|c| Append {
                    expected: None,
                    events: &c.events,
                })
                .collect();
            let events = if streams.is_empty() {
                0
            } else {
                match self.append_all(&streams).await {
                    Ok(appended) => appended
                        .iter()
                        .map(|a| a.global.clone().count() as u64)
                        .sum(),
                    Err(AppendError::Conflict(_)) if attempt < ATTEMPTS => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            return Ok(Seeded {
                partnerships: demo.partnerships.len(),
                agencies: demo.agencies.len(),
                people: demo.people.len(),
                added: added.into_iter().map(|c| c.id.clone()).collect(),
                skipped,
                events,
                passwords,
            });
        }
    }

    /// Gives every demo person without a password
    /// [`accord_demo::DEMO_PASSWORD`], hashed once for them all: it is
    /// published in the README, so one salt hides nothing. A password
    /// someone has since changed is kept.
    async fn set_demo_passwords(&self, demo: &Demo) -> Result<usize, AccountError> {
        let password =
            Password::parse(accord_demo::DEMO_PASSWORD).expect("the demo password is long enough");
        let hash = HASHING.run(move || hash_password(&password)).await??;
        let people: Vec<&accord_case::PersonId> = demo.people.iter().map(|p| &p.id).collect();
        self.set_missing_passwords(&people, &hash, jiff::Timestamp::now(), &ChangedBy::DEMO)
            .await
    }

    /// Whether `case` has a stream.
    pub async fn has_case(&self, case: &CaseId) -> Result<bool, StoreError> {
        // The first event of a stream is the raise; `(case_id, case_seq)`
        // is unique, so this is one index lookup.
        const SQL: &str = "SELECT COUNT(*) FROM events WHERE case_id = $1 AND case_seq = 1";
        let n: i64 = match &self.backend {
            Backend::Sqlite(b) => {
                sqlx::query_scalar(SQL)
                    .bind(case.as_str())
                    .fetch_one(b.read_pool())
                    .await?
            }
            Backend::Postgres(b) => {
                sqlx::query_scalar(SQL)
                    .bind(case.as_str())
                    .fetch_one(b.read_pool())
                    .await?
            }
        };
        Ok(n > 0)
    }
}
