-- The record of truth (DESIGN.md §4): an append-only, hash-chained log of
-- case events, the projections kept beside it, and the access log.
-- Applied migrations are never edited; change the schema in a new file.

-- One row per event, in global order. `canonical` is the exact byte string
-- that was hashed (see src/canonical.rs); the other columns repeat what it
-- says so the log can be queried, and `accord verify` checks they agree.
-- `actor` and `body` are JSON text, not JSONB: JSONB would refuse a \u0000
-- someone typed and reorder what it stores; cast with `body::jsonb` to query.
CREATE TABLE events (
    global_seq  BIGINT PRIMARY KEY,
    case_id     TEXT   NOT NULL,
    case_seq    BIGINT NOT NULL CHECK (case_seq >= 1),
    event_type  TEXT   NOT NULL,
    at          TEXT   NOT NULL,
    actor       TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    canonical   BYTEA  NOT NULL,
    prev_hash   BYTEA  NOT NULL CHECK (length(prev_hash) = 32),
    hash        BYTEA  NOT NULL CHECK (length(hash) = 32),
    UNIQUE (case_id, case_seq)
);

-- The end of the global chain. Every append locks this one row FOR UPDATE,
-- which serialises appends across all connections and servers, so the
-- global sequence has no gaps and each event links to the one before.
CREATE TABLE chain_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    global_seq  BIGINT NOT NULL,
    hash        BYTEA  NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO chain_head (id, global_seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- Events and reads are never edited, removed or truncated: the database
-- refuses it for every role that does not own the schema's triggers.
CREATE FUNCTION accord_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: record a correction instead', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION accord_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION accord_append_only();

-- Projection: every disagreement with where it stands (DESIGN.md §1, the
-- Business Manager's register). Instants are microseconds since 1970 UTC.
CREATE TABLE case_register (
    case_id         TEXT    PRIMARY KEY,
    policy_id       TEXT    NOT NULL,
    policy_version  BIGINT  NOT NULL,
    track           TEXT    NOT NULL,
    stage           BIGINT  NOT NULL,
    stage_name      TEXT    NOT NULL,
    leads           TEXT    NOT NULL,
    raising_agency  TEXT    NOT NULL,
    other_agency    TEXT    NOT NULL,
    area            TEXT    NOT NULL,
    raised_at_us    BIGINT  NOT NULL,
    status          TEXT    NOT NULL,
    due_at_us       BIGINT,
    version         BIGINT  NOT NULL
);
CREATE INDEX case_register_status ON case_register (status, raised_at_us);

-- Projection: the next deadline of every open case with one.
CREATE TABLE deadlines (
    case_id    TEXT   PRIMARY KEY,
    stage      BIGINT NOT NULL,
    due_at_us  BIGINT NOT NULL
);
CREATE INDEX deadlines_due ON deadlines (due_at_us);

-- Projection: one row per `notification_due` event, written in the same
-- transaction as the event. Delivery state (`status`) belongs to the
-- delivery job, so a rebuild keeps it.
CREATE TABLE outbox (
    global_seq       BIGINT PRIMARY KEY,
    case_id          TEXT   NOT NULL,
    case_seq         BIGINT NOT NULL,
    recipient        TEXT   NOT NULL,
    occasion         TEXT   NOT NULL,
    stage            BIGINT NOT NULL,
    message          TEXT   NOT NULL,
    section          TEXT   NOT NULL,
    attachments      TEXT   NOT NULL,
    due_at_us        BIGINT NOT NULL,
    idempotency_key  TEXT   NOT NULL UNIQUE,
    status           TEXT   NOT NULL DEFAULT 'pending'
);
CREATE INDEX outbox_status ON outbox (status, global_seq);

-- Who read which case, and when (DESIGN.md §4). Append-only like events.
CREATE TABLE access_log (
    id        BIGSERIAL PRIMARY KEY,
    case_id   TEXT   NOT NULL,
    person_id TEXT   NOT NULL,
    at        TEXT   NOT NULL,
    at_us     BIGINT NOT NULL,
    purpose   TEXT   NOT NULL
);
CREATE INDEX access_log_case ON access_log (case_id, id);
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION accord_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION accord_append_only();
