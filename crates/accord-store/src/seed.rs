//! Writing a [`Seed`] into a store, for `accord demo seed` (the demo is one,
//! `accord-demo`'s `Seed::from(&demo)`): the directory is upserted, and
//! each case whose stream does not exist yet is appended as a new stream,
//! so seeding again adds nothing. Each person of the seed without a
//! password is given the seed's password (the demo's published one).

use accord_case::CaseId;
use accord_directory::Seed;

use crate::{
    AccountError, Append, AppendError, Backend, ChangedBy, DirectoryError, Password, Store,
    StoreError, hash_gate::HASHING, hash_password,
};

/// What [`Store::seed`] wrote.
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
    /// The seed's password could not be set.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The seed's password is not one Accord accepts.
    #[error("the seed's password cannot be used: {0}")]
    Password(crate::PasswordError),
}

/// How often to look again for the cases still to add when another writer
/// adds some of them at the same time (a second `accord demo seed`).
const ATTEMPTS: usize = 3;

impl Store {
    /// Writes `seed` into the store: upserts its directory, then appends
    /// every case whose stream does not exist yet, all in one transaction,
    /// each as a new stream (expected version: none). Cases already stored
    /// are skipped whatever their events, so seeding twice, or later with a
    /// demo built for a later time (same ids, later events), adds nothing.
    pub async fn seed(&self, seed: Seed<'_>) -> Result<Seeded, SeedError> {
        self.put_directory(seed.directory, &ChangedBy::DEMO, jiff::Timestamp::now())
            .await?;
        let passwords = self.set_seed_passwords(&seed).await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut added = Vec::new();
            let mut skipped = Vec::new();
            for case in &seed.cases {
                if self.has_case(case.0).await? {
                    skipped.push(case.0.clone());
                } else {
                    added.push(case);
                }
            }
            let streams: Vec<Append<'_>> = added
                .iter()
                .map(|(_, events)| Append {
                    expected: None,
                    events,
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
                partnerships: seed.directory.partnerships.len(),
                agencies: seed.directory.agencies.len(),
                people: seed.directory.people.len(),
                added: added.into_iter().map(|(id, _)| (*id).clone()).collect(),
                skipped,
                events,
                passwords,
            });
        }
    }

    /// Gives every person of the seed without a password the seed's
    /// password, hashed once for them all: the demo's is published in the
    /// README, so one salt hides nothing. A password someone has since
    /// changed is kept.
    async fn set_seed_passwords(&self, seed: &Seed<'_>) -> Result<usize, SeedError> {
        let password = Password::parse(seed.password).map_err(SeedError::Password)?;
        let hash = HASHING.run(move || hash_password(&password)).await??;
        let people: Vec<&accord_case::PersonId> =
            seed.directory.people.iter().map(|p| &p.id).collect();
        Ok(self
            .set_missing_passwords(&people, &hash, jiff::Timestamp::now(), &ChangedBy::DEMO)
            .await?)
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
