//! The pages a public-sector service links from its footer (issue 14 §8):
//! an accessibility statement, a privacy notice, help, and how to contact
//! the partnership (migration `0015_partnership_pages.sql`).
//!
//! Accord has standard words for each (the web crate's); a partnership may
//! set its own words, the address of its own page elsewhere (its council's
//! privacy notice, say), or both. Setting both empty goes back to the
//! standard words. Each change is written to the directory audit, with the
//! words and address before and after, in the change's own transaction.

use jiff::Timestamp;

use crate::audit::{AuditSubject, Draft};
use crate::{AccountError, ChangedBy, Store, StoreError};

/// One of the footer's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FooterPage {
    /// The accessibility statement (the Public Sector Bodies Accessibility
    /// Regulations 2018 ask every public-sector website for one).
    Accessibility,
    /// The privacy notice (UK GDPR Articles 13 and 14).
    Privacy,
    /// Help using Accord.
    Help,
    /// Whom to contact at the partnership.
    Contact,
}

impl FooterPage {
    /// Every page, in the footer's order.
    pub const ALL: [FooterPage; 4] = [
        FooterPage::Accessibility,
        FooterPage::Privacy,
        FooterPage::Help,
        FooterPage::Contact,
    ];

    /// Its name in addresses and in the database: `privacy`.
    pub fn slug(self) -> &'static str {
        match self {
            FooterPage::Accessibility => "accessibility",
            FooterPage::Privacy => "privacy",
            FooterPage::Help => "help",
            FooterPage::Contact => "contact",
        }
    }

    /// The page named `slug`, if there is one.
    pub fn from_slug(slug: &str) -> Option<FooterPage> {
        FooterPage::ALL.into_iter().find(|p| p.slug() == slug)
    }
}

/// What a partnership has set for one of its footer's pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnershipPage {
    /// Which page.
    pub page: FooterPage,
    /// Its own words, as paragraphs separated by blank lines; empty for
    /// Accord's standard words.
    pub words: String,
    /// The address of its own page elsewhere, if it has one.
    pub address: Option<String>,
}

macro_rules! page_queries {
    ($begin:literal) => {
        use jiff::Timestamp;
        use serde_json::json;
        use sqlx::Pool;

        use super::{AuditSubject, ChangedBy, Draft};

        pub(crate) async fn all(
            reader: &Pool<Db>,
            partnership: &str,
        ) -> Result<Vec<(String, String, String)>, sqlx::Error> {
            sqlx::query_as(
                "SELECT page, words, address FROM partnership_pages \
                 WHERE partnership_id = $1 ORDER BY page",
            )
            .bind(partnership)
            .fetch_all(reader)
            .await
        }

        /// Sets one page, recording the change if there is one, in one
        /// transaction.
        pub(crate) async fn set(
            writer: &Pool<Db>,
            partnership: &str,
            page: &str,
            words: &str,
            address: &str,
            at: Timestamp,
            by: &ChangedBy,
        ) -> Result<(), sqlx::Error> {
            let mut tx = writer.begin_with($begin).await?;
            let before: Option<(String, String)> = sqlx::query_as(
                "SELECT words, address FROM partnership_pages \
                 WHERE partnership_id = $1 AND page = $2",
            )
            .bind(partnership)
            .bind(page)
            .fetch_optional(&mut *tx)
            .await?;
            let before = before.unwrap_or_default();
            if before.0 == words && before.1 == address {
                return tx.commit().await;
            }
            if words.is_empty() && address.is_empty() {
                sqlx::query(
                    "DELETE FROM partnership_pages WHERE partnership_id = $1 AND page = $2",
                )
                .bind(partnership)
                .bind(page)
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query(
                    "INSERT INTO partnership_pages (partnership_id, page, words, address) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (partnership_id, page) DO UPDATE SET \
                     words = excluded.words, address = excluded.address",
                )
                .bind(partnership)
                .bind(page)
                .bind(words)
                .bind(address)
                .execute(&mut *tx)
                .await?;
            }
            let draft = Draft::new(
                partnership,
                AuditSubject::Setting,
                partnership,
                &format!("setting.page.{page}"),
                json!({"words": before.0, "address": before.1}),
                json!({"words": words, "address": address}),
            );
            audit::append(&mut *tx, by, at, &[draft]).await?;
            tx.commit().await
        }
    };
}

mod sqlite {
    type Db = sqlx::Sqlite;
    use crate::audit::sqlite as audit;
    // Audited changes take the write lock at once, as appends do.
    page_queries!("BEGIN IMMEDIATE");
}

mod postgres {
    type Db = sqlx::Postgres;
    use crate::audit::postgres as audit;
    page_queries!("BEGIN");
}

impl Store {
    /// What `partnership` has set for its footer's pages: only the pages it
    /// has set, in [`FooterPage::ALL`]'s order.
    pub async fn partnership_pages(
        &self,
        partnership: &str,
    ) -> Result<Vec<PartnershipPage>, StoreError> {
        let rows = on_pool!(self, read_pool, pool, m => m::all(pool, partnership).await)?;
        let mut pages: Vec<PartnershipPage> = rows
            .into_iter()
            .filter_map(|(page, words, address)| {
                Some(PartnershipPage {
                    page: FooterPage::from_slug(&page)?,
                    words,
                    address: (!address.is_empty()).then_some(address),
                })
            })
            .collect();
        pages.sort_by_key(|p| p.page);
        Ok(pages)
    }

    /// Sets `partnership`'s own words and address for `page` (empty words
    /// and no address go back to Accord's standard words), recorded as set
    /// `by` someone at `now`. The web pages check the words and the
    /// address before they come here.
    pub async fn set_partnership_page(
        &self,
        partnership: &str,
        page: FooterPage,
        words: &str,
        address: Option<&str>,
        now: Timestamp,
        by: &ChangedBy,
    ) -> Result<(), AccountError> {
        if !self
            .partnerships()
            .await?
            .iter()
            .any(|p| p.id == partnership)
        {
            return Err(AccountError::NoSuchPartnership {
                partnership: partnership.to_owned(),
            });
        }
        let address = address.unwrap_or_default();
        on_pool!(self, write_pool, pool, m =>
            m::set(pool, partnership, page.slug(), words, address, now, by).await)?;
        Ok(())
    }
}
