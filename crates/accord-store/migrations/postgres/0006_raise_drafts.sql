-- A disagreement being raised in the browser, one question page at a time:
-- the answers so far, so that nothing typed is lost between the pages or if
-- the browser closes. One draft per person. It holds a child's details
-- before they are on any case, so it goes as soon as the case is raised or
-- its author starts again, and Accord removes any left for 30 days.
-- Applied migrations are never edited; change the schema in a new file.
CREATE TABLE raise_drafts (
    person_id   TEXT PRIMARY KEY REFERENCES people (id),
    -- The answers as a JSON array of [name, value] pairs.
    answers     TEXT NOT NULL,
    -- When it was last saved, in microseconds since 1970 (UTC).
    updated_at_us  BIGINT NOT NULL
);
