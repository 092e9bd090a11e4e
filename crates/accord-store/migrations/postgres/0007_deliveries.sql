-- Deadlines, reminders and the delivery of notifications (issue 6).
-- Applied migrations are never edited; change the schema in a new file.

-- Projection: every dated deadline of an open case's current stage, the
-- stage's own (form '') and each pending form's, with whether its breach
-- is on record. Replaces the one-row-per-case index of 0001; the register
-- rows are marked for a rebuild so that opening the store refills it.
DROP TABLE deadlines;
CREATE TABLE deadlines (
    case_id    TEXT    NOT NULL,
    form       TEXT    NOT NULL,
    stage      BIGINT NOT NULL,
    due_at_us  BIGINT NOT NULL,
    -- The local (Europe/London) date whose end is the deadline.
    last_day   TEXT    NOT NULL,
    breached   BIGINT NOT NULL,
    PRIMARY KEY (case_id, form)
);
CREATE INDEX deadlines_due ON deadlines (breached, due_at_us);
UPDATE case_register SET involvement = NULL;

-- Reminders sent: one per deadline, so none is sent twice. Delivery
-- state, like the outbox's status, so a rebuild keeps it.
CREATE TABLE reminders (
    case_id     TEXT    NOT NULL,
    form        TEXT    NOT NULL,
    due_at_us   BIGINT NOT NULL,
    sent_at_us  BIGINT NOT NULL,
    PRIMARY KEY (case_id, form, due_at_us)
);

-- One message to one person by one channel: in the app, or by email.
-- Written when a notification or a reminder is resolved to people, in the
-- same transaction that marks the outbox row done. `key` is the
-- notification's idempotency key with the person and the channel, and is
-- the email's Message-ID, so a retry after a crash can be recognised.
-- Email rows go pending -> sending (claimed until claimed_until_us) ->
-- sent, or back to pending with a later next_attempt_at_us, or failed.
CREATE TABLE deliveries (
    id                  BIGSERIAL PRIMARY KEY,
    key                 TEXT    NOT NULL UNIQUE,
    case_id             TEXT    NOT NULL,
    person_id           TEXT    NOT NULL,
    channel             TEXT    NOT NULL,
    address             TEXT    NOT NULL,
    subject             TEXT    NOT NULL,
    body                TEXT    NOT NULL,
    occasion            TEXT    NOT NULL,
    created_at_us       BIGINT NOT NULL,
    status              TEXT    NOT NULL,
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_us  BIGINT NOT NULL,
    claimed_until_us    BIGINT,
    sent_at_us          BIGINT,
    last_error          TEXT
);
CREATE INDEX deliveries_due ON deliveries (channel, status, next_attempt_at_us);
CREATE INDEX deliveries_person ON deliveries (person_id, channel, id);

-- Each person's private calendar feed: the SHA-256 of its secret token.
-- Revoking deletes the row, and a new token makes a new one.
CREATE TABLE calendar_feeds (
    token_hash     TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL UNIQUE REFERENCES people (id),
    created_at_us  BIGINT NOT NULL
);
