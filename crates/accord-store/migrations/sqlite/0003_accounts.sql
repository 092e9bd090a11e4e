-- Sign-in: local passwords, sessions, API tokens and the throttle on
-- failed sign-ins. Secrets live here, apart from the directory, so that
-- listing people never reads them; every secret is stored only as a hash.
-- Times are RFC 3339 text, as everywhere else in Accord's schema.

-- A person's password, as an argon2id PHC string (algorithm, parameters,
-- salt and hash in one). `disabled` refuses sign-in and ends every
-- session and token without losing the record of who they were.
CREATE TABLE credentials (
    person_id       TEXT PRIMARY KEY REFERENCES people (id),
    password_hash   TEXT NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at      TEXT NOT NULL,
    changed_at      TEXT NOT NULL
) STRICT;

-- Failed sign-ins, per account (by the sign-in name as typed, so unknown
-- names are throttled exactly like real ones and reveal nothing) and per
-- client address. See accord-store's src/accounts.rs for the rule.
CREATE TABLE sign_in_failures (
    throttle_key    TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    locked_until    TEXT
) STRICT;

-- A signed-in browser. The cookie holds 256 random bits; only their
-- SHA-256 is kept, so a copy of the database signs nobody in.
CREATE TABLE sessions (
    id_hash         TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES people (id),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_person ON sessions (person_id);

-- A bearer token for another system, with the scopes it was given
-- (space-separated). Shown once; only its SHA-256 is kept. A revoked token
-- keeps its row, so its id is never reused and the revocation is on record.
CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES people (id),
    token_hash      TEXT NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    label           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    revoked_at      TEXT
) STRICT;
CREATE INDEX api_tokens_person ON api_tokens (person_id);
