-- Invitations and password resets (issue 13 §4): a single-use link, sent
-- by email, with which someone sets their own password. Applied
-- migrations are never edited; change the schema in a new file.
--
-- The link's secret token is never stored, not even in the email's
-- delivery row: the row written when the invitation or reset is asked for
-- holds only words about the link, and the job runner makes the token at
-- the moment it sends the email, keeping its SHA-256 here (see
-- accord-store's src/account_links.rs). A resend after a crash makes a
-- new token and replaces the hash, so one link of each email works.
--
-- Email about an account belongs to no case: its delivery's case_id is ''.
CREATE TABLE account_links (
    id              INTEGER PRIMARY KEY,
    delivery_id     INTEGER NOT NULL UNIQUE REFERENCES deliveries (id),
    person_id       TEXT    NOT NULL REFERENCES people (id),
    purpose         TEXT    NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    created_at_us   INTEGER NOT NULL,
    -- The SHA-256 (hex) of the token in the email, once it is sent.
    token_hash      TEXT    UNIQUE,
    sent_at_us      INTEGER,
    expires_at_us   INTEGER,
    -- Spent: the password was set with it.
    used_at_us      INTEGER,
    -- Replaced by a newer link to the same person, or no longer needed.
    revoked_at_us   INTEGER
) STRICT;
CREATE INDEX account_links_person ON account_links (person_id);
