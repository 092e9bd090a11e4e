-- The directory audit (DESIGN.md §4: "Changes to the directory … are
-- recorded too: who, whom, before and after, when") and sign-in names
-- unique whatever their case (issue 11). Applied migrations are never
-- edited; change the schema in a new file.

-- One row per change to a partnership, agency, person, account, second
-- factor or partnership setting, in one hash chain of its own beside the
-- case events' (see accord-store's src/audit.rs). `canonical` is the exact
-- byte string that was hashed; the other columns repeat what it says, and
-- `accord verify` checks they agree. `before_json` and `after_json` are
-- canonical JSON of ids and values only: never a password hash, a
-- second-factor secret or a token's secret. The audit starts with this
-- migration: records written before it have no entry until they change.
CREATE TABLE directory_audit (
    seq             INTEGER PRIMARY KEY,
    at              TEXT    NOT NULL,
    at_us           INTEGER NOT NULL,
    partnership_id  TEXT    NOT NULL,
    actor_kind      TEXT    NOT NULL,
    actor_id        TEXT    NOT NULL,
    subject_kind    TEXT    NOT NULL,
    subject_id      TEXT    NOT NULL,
    what            TEXT    NOT NULL,
    before_json     TEXT    NOT NULL,
    after_json      TEXT    NOT NULL,
    canonical       BLOB    NOT NULL,
    prev_hash       BLOB    NOT NULL CHECK (length(prev_hash) = 32),
    hash            BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;
CREATE INDEX directory_audit_partnership ON directory_audit (partnership_id, seq);
CREATE TRIGGER directory_audit_no_update BEFORE UPDATE ON directory_audit
BEGIN
    SELECT RAISE(ABORT, 'the directory audit is append-only: record a new change instead');
END;
CREATE TRIGGER directory_audit_no_delete BEFORE DELETE ON directory_audit
BEGIN
    SELECT RAISE(ABORT, 'the directory audit is append-only: record a new change instead');
END;

-- The end of the audit chain, as chain_head is for events: it lets
-- `verify` notice entries missing from the end.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

-- `HAV-CSC-MANAGER` beside `hav-csc-manager` is one account twice: refuse
-- it. Sign-in names are ASCII (see `PersonId`), which lower() folds. If two
-- names already differ only in case, this migration fails and Accord will
-- not open: change one of the two sign_in values in the people table, then
-- start Accord again.
CREATE UNIQUE INDEX people_sign_in_any_case ON people (lower(sign_in));
