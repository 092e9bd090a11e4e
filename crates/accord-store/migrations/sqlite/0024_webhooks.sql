-- Webhooks (issue 19): the endpoints an administrator registers for a
-- partnership, each told of its cases' events in order. The event log is
-- the outbox: an endpoint keeps how far it has been told (`delivered_seq`,
-- a global sequence number of `events`), and the job runner sends it what
-- follows, so nothing is lost while it is down and nothing is written per
-- event. Applied migrations are never edited; change the schema in a new
-- file.

-- `kinds` are the kinds of event wanted, separated by spaces (raised,
-- escalated, deadline_breached, resolved, withdrawn, closed, reopened).
-- `secret` is the signing secret, sealed by the master key. An endpoint
-- is 'paused' by an administrator, or by Accord after its deliveries have
-- failed too many times in a row; `last_error` says why the last attempt
-- failed. `claimed_until_us` is a job runner's lease on it, so that two
-- runners never send one endpoint's events side by side.
CREATE TABLE webhook_endpoints (
    id                    TEXT NOT NULL PRIMARY KEY,
    partnership_id        TEXT NOT NULL REFERENCES partnerships (id),
    url                   TEXT NOT NULL,
    kinds                 TEXT NOT NULL,
    secret                TEXT NOT NULL,
    allow_private         INTEGER NOT NULL DEFAULT 0 CHECK (allow_private IN (0, 1)),
    status                TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    delivered_seq         INTEGER NOT NULL,
    failures              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_us    INTEGER NOT NULL,
    claimed_until_us      INTEGER NOT NULL DEFAULT 0,
    last_error            TEXT NOT NULL DEFAULT '',
    last_attempt_at_us    INTEGER,
    last_delivered_at_us  INTEGER,
    created_at_us         INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_partnership ON webhook_endpoints (partnership_id);
CREATE INDEX webhook_endpoints_due ON webhook_endpoints (status, next_attempt_at_us);
