-- Retention (issue 17 §2): each partnership's schedule, legal holds that
-- pause it for a case, and the notice given to the partnership team before
-- a case due under it is erased.
-- Applied migrations are never edited; change the schema in a new file.

-- A partnership's schedule. Each rule set keeps a closed or withdrawn case
-- until it passes; a case falls due when every rule set has passed: this
-- many years after it closed, and the youngest subject's birthday of this
-- age. The notice is how many days the partnership team is told before
-- the case is erased.
CREATE TABLE retention_schedules (
    partnership_id       TEXT PRIMARY KEY REFERENCES partnerships (id),
    years_after_closure  INTEGER,
    until_birthday       INTEGER,
    notice_days          INTEGER NOT NULL
) STRICT;

-- A case kept whatever the schedule says, such as during a Child
-- Safeguarding Practice Review or court proceedings. The reason is sealed
-- by the master key, since it may name people.
CREATE TABLE legal_holds (
    case_id       TEXT PRIMARY KEY,
    reason        TEXT NOT NULL,
    placed_by     TEXT NOT NULL,
    placed_at_us  INTEGER NOT NULL
) STRICT;

-- The notice given for a case that fell due: the day it fell due, and the
-- first day it may be erased.
CREATE TABLE retention_notices (
    case_id        TEXT PRIMARY KEY,
    due_on         TEXT NOT NULL,
    erase_on       TEXT NOT NULL,
    noticed_at_us  INTEGER NOT NULL
) STRICT;
