-- Finding any case (issue 14 §1): what search needs of each case, kept
-- beside its register row and rebuilt with it from the log, so a search
-- never folds or scans events.
-- Applied migrations are never edited; change the schema in a new file.

-- Each case's children or adults at risk, as search compares them: the
-- name in lower case, the date of birth as YYYY-MM-DD, the NHS number's
-- ten digits and the local identifier in lower case.
CREATE TABLE case_subjects (
    case_id         TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    name_folded     TEXT NOT NULL,
    date_of_birth   TEXT,
    nhs_number      TEXT,
    local_id_folded TEXT,
    PRIMARY KEY (case_id, subject_id)
) STRICT;
CREATE INDEX case_subjects_nhs_number ON case_subjects (nhs_number);
CREATE INDEX case_subjects_local_id ON case_subjects (local_id_folded);
CREATE INDEX case_subjects_date_of_birth ON case_subjects (date_of_birth);

-- Everyone who has taken part in each case, at any stage: who raised it and
-- whom its part was handed to, the named other professional, every
-- discussion's participants, every action's owner, the panel, and whoever
-- recorded any of its events. "Person involved" and My disagreements read it.
CREATE TABLE case_people (
    case_id   TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (case_id, person_id)
) STRICT;
CREATE INDEX case_people_person ON case_people (person_id, case_id);

-- 1 once a register row's search rows above are written; NULL on rows
-- written before this migration, which opening the store rebuilds.
ALTER TABLE case_register ADD COLUMN searchable INTEGER;

-- Every search, in the database and never in a log line, since what is
-- asked may be a child's name (DESIGN.md §4): who searched, when, what
-- they asked (JSON) and which cases they were shown (a JSON array of ids).
-- Append-only like the access log.
CREATE TABLE search_log (
    id        INTEGER PRIMARY KEY,
    person_id TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    at_us     INTEGER NOT NULL,
    query     TEXT    NOT NULL,
    shown     TEXT    NOT NULL
) STRICT;
CREATE INDEX search_log_person ON search_log (person_id, id);
CREATE TRIGGER search_log_no_update BEFORE UPDATE ON search_log
BEGIN
    SELECT RAISE(ABORT, 'the search log is append-only');
END;
CREATE TRIGGER search_log_no_delete BEFORE DELETE ON search_log
BEGIN
    SELECT RAISE(ABORT, 'the search log is append-only');
END;
