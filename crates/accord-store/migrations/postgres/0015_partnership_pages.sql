-- The pages every public-sector service links from its footer (issue 14
-- §8): an accessibility statement, a privacy notice, help, and how to
-- contact the partnership. Accord has standard words for each; a
-- partnership may set its own words, the address of its own page (its
-- council's privacy notice, say), or both. A row exists only for a page a
-- partnership has set; who changed it, and from what, is in the directory
-- audit. Applied migrations are never edited; change the schema in a new
-- file.
CREATE TABLE partnership_pages (
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id),
    page            TEXT NOT NULL CHECK (page IN ('accessibility', 'privacy', 'help', 'contact')),
    words           TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (partnership_id, page)
);
