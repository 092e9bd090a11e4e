-- Insight keeps every case's facts in memory between questions (issue 15
-- §1, "Speed": under 300 ms at 100,000 cases), and asks the store only for
-- the rows written since it last looked.
-- Applied migrations are never edited; change the schema in a new file.

-- Each case_facts row is stamped with the chain head's global sequence
-- number after the append that wrote it. Appends take the chain head's
-- lock, so stamps are issued in commit order, and a reader that read the
-- head as N, in the same snapshot as the rows, has seen every row stamped
-- N or less. Rows written before this migration are stamped 0.
ALTER TABLE case_facts ADD COLUMN stamp BIGINT NOT NULL DEFAULT 0;
CREATE INDEX case_facts_stamp ON case_facts (stamp);

-- How many times the projections have been rebuilt. A rebuild rewrites
-- every row without moving the head, so a reader that finds this changed
-- reads every row again.
ALTER TABLE chain_head ADD COLUMN rebuilds BIGINT NOT NULL DEFAULT 0;
