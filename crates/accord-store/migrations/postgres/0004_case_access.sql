-- What the access rules need of each case, kept on its register row so
-- that the register and "my deadlines" are filtered without folding every
-- case: who is personally involved and whom it has told, as the JSON of
-- accord-case's `Involvement`. NULL on rows written before this migration;
-- opening the store rebuilds the projections when it finds one.
-- Applied migrations are never edited; change the schema in a new file.
ALTER TABLE case_register ADD COLUMN involvement TEXT;

-- The register is read per partnership, through the raising agency.
CREATE INDEX case_register_raising_agency ON case_register (raising_agency, status);

-- The last case number issued per partnership prefix and year, so new
-- case ids (HAV-2026-0001, HAV-2026-0002…) are issued without gaps in the
-- same transaction as the raise.
CREATE TABLE case_numbers (
    prefix  TEXT    NOT NULL,
    year    BIGINT  NOT NULL,
    last    BIGINT  NOT NULL,
    PRIMARY KEY (prefix, year)
);
