-- The register a page at a time (issue 18): filters, order and paging in
-- the query, and who may see each case checked there too, so a page of
-- the register costs what the page holds, not what the register holds.
-- Applied migrations are never edited; change the schema in a new file.

-- Where each case stands in the register's order: its running deadline
-- (microseconds), or the largest number for a case with none running
-- (resolved, awaiting confirmation); NULL once closed or withdrawn, so off
-- the register. Overdue first, then soonest due, then the rest, each by
-- case id: the order the register has always had, without a clock.
ALTER TABLE case_register ADD COLUMN queue_us BIGINT;
CREATE INDEX case_register_queue ON case_register (queue_us, case_id);
CREATE INDEX case_register_stage_queue ON case_register (stage, queue_us, case_id);
CREATE INDEX case_register_area_queue ON case_register (area, queue_us, case_id);
CREATE INDEX case_register_raising_queue ON case_register (raising_agency, queue_us, case_id);
CREATE INDEX case_register_other_queue ON case_register (other_agency, queue_us, case_id);

-- Who each case's involvement lets see it (accord-web's access rules 6 and
-- 7): `person:ID` for each person involved, `role:ID` for each declared
-- role it notified or asks a form of, `tier:iro` for the IRO.
CREATE TABLE case_involvement (
    case_id TEXT NOT NULL,
    who     TEXT NOT NULL,
    PRIMARY KEY (case_id, who)
);
CREATE INDEX case_involvement_who ON case_involvement (who, case_id);

-- Written by the next rebuild, which opening the store starts for rows
-- without involvement.
UPDATE case_register SET involvement = NULL;
