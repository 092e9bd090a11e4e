-- Insight's projection (issue 15 §1, "Speed"): each case's facts as
-- accord-insight reads them from its events (who raised it about whom,
-- its track and area, each stay at a stage, each outcome, withdrawal,
-- closure, reopening, breach and learning record, with when), written in
-- the same transaction as every append and rebuilt with the register, so
-- insight reads one row a case and never the events.
-- Applied migrations are never edited; change the schema in a new file.

-- One row a case. The raising agency says whose partnership it is, as on
-- the register; `facts` is JSON, read only by accord-store's facts.rs.
CREATE TABLE case_facts (
    case_id        TEXT NOT NULL PRIMARY KEY,
    raising_agency TEXT NOT NULL,
    facts          TEXT NOT NULL
) STRICT;
CREATE INDEX case_facts_raising_agency ON case_facts (raising_agency);

-- The version of the facts written for each register row's case
-- (facts.rs's FACTS_VERSION); NULL on rows written before this migration.
-- Opening a store with a row of another version, or none, rebuilds the
-- projections from the log, which fills case_facts for cases already
-- stored.
ALTER TABLE case_register ADD COLUMN facts_version INTEGER;
