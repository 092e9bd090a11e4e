-- The record of truth (DESIGN.md §4): an append-only, hash-chained log of
-- case events, the projections kept beside it, and the access log.
-- Applied migrations are never edited; change the schema in a new file.

-- One row per event, in global order. `canonical` is the exact byte string
-- that was hashed (see src/canonical.rs); the other columns repeat what it
-- says so the log can be queried, and `accord verify` checks they agree.
CREATE TABLE events (
    global_seq  INTEGER PRIMARY KEY,
    case_id     TEXT    NOT NULL,
    case_seq    INTEGER NOT NULL CHECK (case_seq >= 1),
    event_type  TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    canonical   BLOB    NOT NULL,
    prev_hash   BLOB    NOT NULL CHECK (length(prev_hash) = 32),
    hash        BLOB    NOT NULL CHECK (length(hash) = 32),
    UNIQUE (case_id, case_seq)
) STRICT;

-- Events are never edited or removed in place: a correction is a new event.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: record a correction instead');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: record a correction instead');
END;

-- The end of the global chain: the last global sequence and its hash. It
-- lets `verify` notice events missing from the end of the log too.
CREATE TABLE chain_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    global_seq  INTEGER NOT NULL,
    hash        BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;
INSERT INTO chain_head (id, global_seq, hash) VALUES (1, 0, zeroblob(32));

-- Projection: every disagreement with where it stands (DESIGN.md §1, the
-- Business Manager's register). Instants are microseconds since 1970 UTC.
CREATE TABLE case_register (
    case_id         TEXT    PRIMARY KEY,
    policy_id       TEXT    NOT NULL,
    policy_version  INTEGER NOT NULL,
    track           TEXT    NOT NULL,
    stage           INTEGER NOT NULL,
    stage_name      TEXT    NOT NULL,
    leads           TEXT    NOT NULL,
    raising_agency  TEXT    NOT NULL,
    other_agency    TEXT    NOT NULL,
    area            TEXT    NOT NULL,
    raised_at_us    INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    due_at_us       INTEGER,
    version         INTEGER NOT NULL
) STRICT;
CREATE INDEX case_register_status ON case_register (status, raised_at_us);

-- Projection: the next deadline of every open case with one.
CREATE TABLE deadlines (
    case_id    TEXT    PRIMARY KEY,
    stage      INTEGER NOT NULL,
    due_at_us  INTEGER NOT NULL
) STRICT;
CREATE INDEX deadlines_due ON deadlines (due_at_us);

-- Projection: one row per `notification_due` event, written in the same
-- transaction as the event. Delivery state (`status`) belongs to the
-- delivery job, so a rebuild keeps it.
CREATE TABLE outbox (
    global_seq       INTEGER PRIMARY KEY,
    case_id          TEXT    NOT NULL,
    case_seq         INTEGER NOT NULL,
    recipient        TEXT    NOT NULL,
    occasion         TEXT    NOT NULL,
    stage            INTEGER NOT NULL,
    message          TEXT    NOT NULL,
    section          TEXT    NOT NULL,
    attachments      TEXT    NOT NULL,
    due_at_us        INTEGER NOT NULL,
    idempotency_key  TEXT    NOT NULL UNIQUE,
    status           TEXT    NOT NULL DEFAULT 'pending'
) STRICT;
CREATE INDEX outbox_status ON outbox (status, global_seq);

-- Who read which case, and when (DESIGN.md §4). Append-only like events.
CREATE TABLE access_log (
    id        INTEGER PRIMARY KEY,
    case_id   TEXT    NOT NULL,
    person_id TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    at_us     INTEGER NOT NULL,
    purpose   TEXT    NOT NULL
) STRICT;
CREATE INDEX access_log_case ON access_log (case_id, id);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
