-- Notifications that read as the app, not as an email (issue 14 §6).
-- Applied migrations are never edited; change the schema in a new file.

-- The app's own words for a delivery, made by the job runner from the
-- same facts as the email's (`accord_jobs::message`): what happened, the
-- policy's words beside it when there is nothing to do, and what to do
-- and by when when there is. Empty in a row written before this
-- migration, which the notifications page shows as it was written.
ALTER TABLE deliveries ADD COLUMN happened TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN detail   TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN todo     TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN by_when  TEXT NOT NULL DEFAULT '';

-- When its reader marked an in-app notification read; NULL while unread.
ALTER TABLE deliveries ADD COLUMN read_at_us BIGINT;

-- The header counts a person's unread notifications on every page: this
-- index holds only the unread ones, so the count reads just those.
CREATE INDEX deliveries_unread ON deliveries (person_id)
    WHERE channel = 'in_app' AND read_at_us IS NULL;
