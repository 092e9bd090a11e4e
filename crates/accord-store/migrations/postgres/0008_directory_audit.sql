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
-- migration: records written before it have no entry until they change. JSON text, not JSONB, for the
-- reasons the events table gives.
CREATE TABLE directory_audit (
    seq             BIGINT PRIMARY KEY,
    at              TEXT   NOT NULL,
    at_us           BIGINT NOT NULL,
    partnership_id  TEXT   NOT NULL,
    actor_kind      TEXT   NOT NULL,
    actor_id        TEXT   NOT NULL,
    subject_kind    TEXT   NOT NULL,
    subject_id      TEXT   NOT NULL,
    what            TEXT   NOT NULL,
    before_json     TEXT   NOT NULL,
    after_json      TEXT   NOT NULL,
    canonical       BYTEA  NOT NULL,
    prev_hash       BYTEA  NOT NULL CHECK (length(prev_hash) = 32),
    hash            BYTEA  NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX directory_audit_partnership ON directory_audit (partnership_id, seq);
CREATE TRIGGER directory_audit_append_only BEFORE UPDATE OR DELETE ON directory_audit
    FOR EACH ROW EXECUTE FUNCTION accord_append_only();
CREATE TRIGGER directory_audit_no_truncate BEFORE TRUNCATE ON directory_audit
    FOR EACH STATEMENT EXECUTE FUNCTION accord_append_only();

-- The end of the audit chain. Every audited change locks this one row FOR
-- UPDATE as its transaction's last step, which serialises audit appends
-- across all connections and servers, as chain_head does for events.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  BYTEA  NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- `HAV-CSC-MANAGER` beside `hav-csc-manager` is one account twice: refuse
-- it. Sign-in names are ASCII (see `PersonId`), which lower() folds. If two
-- names already differ only in case, this migration fails and Accord will
-- not open: change one of the two sign_in values in the people table, then
-- start Accord again.
CREATE UNIQUE INDEX people_sign_in_any_case ON people (lower(sign_in));
