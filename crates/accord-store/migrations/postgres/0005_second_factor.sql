-- The TOTP second factor (RFC 6238) and a partnership's rule that everyone
-- in it has one. Whether someone must still set one up is worked out at each
-- request from these two tables, so it holds for sessions and tokens that
-- began before the rule did. Like passwords, the shared secret lives apart from the
-- directory, so listing people never reads it. Applied migrations are
-- never edited; change the schema in a new file.

-- A person's authenticator: the base32 secret their app holds, when a first
-- code proved the app has it (NULL until then: enrolment started, not
-- finished), and the last 30-second step whose code was accepted, so each
-- code signs in once.
CREATE TABLE second_factors (
    person_id     TEXT PRIMARY KEY REFERENCES people (id),
    secret        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    confirmed_at  TEXT,
    last_step     BIGINT
);

-- What a partnership asks of everyone who signs in to it.
CREATE TABLE partnership_settings (
    partnership_id          TEXT PRIMARY KEY REFERENCES partnerships (id),
    second_factor_required  BOOLEAN NOT NULL DEFAULT FALSE
);
