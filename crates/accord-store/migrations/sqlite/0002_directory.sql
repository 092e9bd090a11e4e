-- The directory: partnerships, their agencies and their people. This is
-- ordinary data, upserted in place; only events and reads are append-only.
-- Secrets (password hashes, TOTP keys, API tokens) do not belong here: they
-- go in their own table keyed by person, so that listing people never reads
-- them. Applied migrations are never edited; change the schema in a new file.

-- A Safeguarding Children Partnership: the tenant, running one policy.
CREATE TABLE partnerships (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    policy_id       TEXT NOT NULL,
    case_prefix     TEXT NOT NULL,
    sign_in_prefix  TEXT NOT NULL
) STRICT;

-- A member agency of a partnership, or the partnership's own team. Agency
-- ids are unique across partnerships because cases name agencies by id.
CREATE TABLE agencies (
    id              TEXT PRIMARY KEY,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id),
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    UNIQUE (id, partnership_id)
) STRICT;
CREATE INDEX agencies_partnership ON agencies (partnership_id, id);

-- Someone who signs in. Their agency is in their own partnership: the
-- two-column reference makes the database refuse anything else.
-- `declared_roles` is a JSON array of the policy's role ids.
CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id),
    agency_id       TEXT NOT NULL,
    sign_in         TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    job_title       TEXT NOT NULL,
    email           TEXT NOT NULL,
    tier            TEXT NOT NULL,
    declared_roles  TEXT NOT NULL,
    FOREIGN KEY (agency_id, partnership_id) REFERENCES agencies (id, partnership_id)
) STRICT;
CREATE INDEX people_partnership ON people (partnership_id, id);
