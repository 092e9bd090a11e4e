-- The learning log (issue 15 §2): the actions agreed to follow up learning,
-- each with an owner and a due date, tracked to done, so that My work, the
-- calendar feed and the overdue reminder find them without reading every
-- case. A projection of the event log, rewritten with the case's register
-- row in the append's transaction; it holds ids and dates only, and the
-- words stay in the events.
-- Applied migrations are never edited; change the schema in a new file.
CREATE TABLE follow_ups (
    case_id         TEXT NOT NULL,
    follow_up_seq   BIGINT NOT NULL,
    learning_seq    BIGINT NOT NULL,
    owner           TEXT NOT NULL,
    -- The last day it is due on, YYYY-MM-DD.
    due_on          TEXT NOT NULL,
    agreed_at_us    BIGINT NOT NULL,
    done_at_us      BIGINT,
    PRIMARY KEY (case_id, follow_up_seq)
);

CREATE INDEX follow_ups_open_by_owner ON follow_ups (owner, due_on) WHERE done_at_us IS NULL;

-- The reminder sent when a follow-up became overdue: kept apart from the
-- projection, which a rebuild rewrites, so that it is sent once.
CREATE TABLE follow_up_reminders (
    case_id         TEXT NOT NULL,
    follow_up_seq   BIGINT NOT NULL,
    sent_at_us      BIGINT NOT NULL,
    PRIMARY KEY (case_id, follow_up_seq)
);

-- Cases recorded before this migration have their learning projected when
-- the store next opens: it rebuilds every projection when a register row
-- has not been made searchable.
UPDATE case_register SET searchable = NULL;
