-- A partnership's own policy, in versions (issue 13 §2). Applied
-- migrations are never edited; change the schema in a new file.
--
-- One row per version a partnership installed: the policy file exactly as
-- it was checked, when, and by whom. The built-in policies are in the
-- binary and have no row. The version in force for a partnership is the
-- newest version of the policy its `partnerships.policy_id` names; cases
-- keep the version they were raised under (case_register.policy_version),
-- so an installed version is never changed or removed: the database
-- refuses it, as it refuses edits to events.
CREATE TABLE policy_versions (
    policy_id       TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version > 0),
    partnership_id  TEXT    NOT NULL REFERENCES partnerships (id),
    source          TEXT    NOT NULL,
    source_sha256   TEXT    NOT NULL,
    installed_at_us INTEGER NOT NULL,
    installed_by    TEXT    NOT NULL,
    PRIMARY KEY (policy_id, version)
) STRICT;
CREATE INDEX policy_versions_partnership ON policy_versions (partnership_id, installed_at_us);
CREATE TRIGGER policy_versions_no_update BEFORE UPDATE ON policy_versions
BEGIN
    SELECT RAISE(ABORT, 'installed policy versions are kept as they were: install a new version instead');
END;
CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions
BEGIN
    SELECT RAISE(ABORT, 'installed policy versions are kept as they were: install a new version instead');
END;
