-- Single sign-on through each organisation's own OpenID Provider (issue
-- 16). Applied migrations are never edited; change the schema in a new
-- file.

-- The identity providers an administrator has set up for a partnership:
-- its name on the sign-in page, the issuer Accord discovers it from, the
-- client Accord is registered as there, the email domains it serves
-- (lower case, separated by spaces), which claim identifies a person
-- ('email', or a stable subject: 'sub', or Entra ID's 'oid'), the acr
-- values that show its own second factor (separated by spaces), a group
-- claim's values mapped to roles (one 'group=role' a line), and whether
-- people of its domains may still sign in with a local password. The
-- client secret is never shown back.
CREATE TABLE identity_providers (
    id              TEXT NOT NULL PRIMARY KEY,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id),
    name            TEXT NOT NULL,
    issuer          TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    client_secret   TEXT NOT NULL,
    domains         TEXT NOT NULL,
    claim           TEXT NOT NULL CHECK (claim IN ('email', 'sub', 'oid')),
    mfa_acr         TEXT NOT NULL DEFAULT '',
    group_roles     TEXT NOT NULL DEFAULT '',
    passwords_off   INTEGER NOT NULL DEFAULT 0 CHECK (passwords_off IN (0, 1)),
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
) STRICT;
CREATE INDEX identity_providers_partnership ON identity_providers (partnership_id);

-- A person's stable subject at a provider ('sub' or 'oid'), linked the
-- first time they sign in through it with a verified email of the
-- directory, so that a later change of email does not lose them.
CREATE TABLE provider_identities (
    provider_id     TEXT NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
    subject         TEXT NOT NULL,
    person_id       TEXT NOT NULL REFERENCES people (id),
    linked_at       TEXT NOT NULL,
    PRIMARY KEY (provider_id, subject)
) STRICT;

-- A sign-in under way at a provider, by the hash of the secret in the
-- browser's cookie: the state, nonce and PKCE verifier sent, where to go
-- after, and, once the provider has answered and Accord asks its own code,
-- the person waiting for it. Each is used once and lasts ten minutes.
CREATE TABLE provider_sign_ins (
    id_hash         TEXT NOT NULL PRIMARY KEY,
    provider_id     TEXT NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
    state           TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    next            TEXT NOT NULL,
    person_id       TEXT,
    id_token        TEXT,
    code_failures   INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
) STRICT;

-- Someone the provider vouched for whom the directory does not know,
-- written down for the administrator to add.
CREATE TABLE unknown_sign_ins (
    provider_id     TEXT NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    first_at        TEXT NOT NULL,
    last_at         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (provider_id, email)
) STRICT;

-- A session started through a provider names it, with the ID token it
-- gave, for signing out there too (RP-initiated logout).
ALTER TABLE sessions ADD COLUMN provider_id TEXT;
ALTER TABLE sessions ADD COLUMN id_token TEXT;
-- Whether that provider showed its own second factor (an amr of mfa, or an
-- acr the administrator named), which stands in for Accord's own.
ALTER TABLE sessions ADD COLUMN provider_mfa INTEGER NOT NULL DEFAULT 0;
