-- What a client's retry of a POST is answered with (issue 11): a request
-- sent with an `Idempotency-Key` header is answered once, and a retry with
-- the same key and credential gets the first answer again rather than
-- raising a second case or recording a discussion twice. Kept for a day.
-- (0008 is the directory's audit.)
-- Applied migrations are never edited; change the schema in a new file.
CREATE TABLE idempotency_keys (
    -- SHA-256 (hex) of the credential the request was sent with (the
    -- bearer token or the session secret), so one client's key never
    -- answers another's request, and no credential is kept.
    credential_hash  TEXT NOT NULL,
    -- The key as the client sent it.
    idempotency_key  TEXT NOT NULL,
    -- SHA-256 (hex) of the method, path and body: the same key sent with a
    -- different request is a mistake, refused rather than answered.
    request_hash     TEXT NOT NULL,
    -- The answer, once there is one: NULL while the first request is being
    -- answered.
    status           INTEGER,
    content_type     TEXT,
    body             BLOB,
    -- When the key was first seen, in microseconds since 1970 (UTC).
    created_at_us    INTEGER NOT NULL,
    PRIMARY KEY (credential_hash, idempotency_key)
) STRICT;

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_us);
