-- Personal data encrypted per case (issue 17 §1). Each case's personal data
-- is sealed in its events with a data key of its own, kept here wrapped by
-- the master key, which is never in the database (src/keys.rs). Erasing a
-- case destroys its data key: its events keep their shape, and the chain,
-- which hashes what is stored, still holds.
-- Applied migrations are never edited; change the schema in a new file.

-- Keys other than the cases': the blind index key, wrapped by the master
-- key whose id is beside it, so the wrong master key is named at start-up.
CREATE TABLE key_ring (
    name       TEXT PRIMARY KEY,
    wrapped    BLOB NOT NULL,
    master_id  TEXT NOT NULL
) STRICT;

-- Each case's data key, wrapped by the master key (bound to the case, so a
-- key moved to another case does not open). Once the case is erased,
-- `wrapped` and `master_id` are NULL and `erased_at_us` says when.
CREATE TABLE case_keys (
    case_id       TEXT PRIMARY KEY,
    wrapped       BLOB,
    master_id     TEXT,
    erased_at_us  INTEGER
) STRICT;
CREATE INDEX case_keys_master ON case_keys (master_id);

-- Search finds children by keyed blind indexes (HMAC-SHA-256 under the
-- index key) of their name's words and the beginnings of those words, their
-- date of birth, NHS number and local identifier: never a plain copy of
-- what is sealed. Rebuilt from the log when the store next opens.
DROP TABLE case_subjects;
CREATE TABLE case_subjects (
    case_id     TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    blind       TEXT NOT NULL,
    PRIMARY KEY (case_id, subject_id, blind)
) STRICT;
CREATE INDEX case_subjects_blind ON case_subjects (blind, case_id);
UPDATE case_register SET searchable = NULL;

-- A database written before this migration holds personal data and secrets
-- in plain text. When the store next opens it checks the old chain, seals
-- every event, every search asked and every second factor's and identity
-- provider's secret, and hashes the chain again (README, "Carrying over a
-- database written before issue 17"); this row says it is still to be done.
CREATE TABLE log_carry_over (
    id  INTEGER PRIMARY KEY CHECK (id = 1)
) STRICT;
INSERT INTO log_carry_over (id) VALUES (1);
