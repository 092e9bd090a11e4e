-- The report to the board (issue 15 §3): "Keep every issued report, as
-- issued, with who issued it and when." Applied migrations are never
-- edited; change the schema in a new file.
--
-- One row per report a partnership issued, numbered from 1 in each
-- partnership: its period, the business manager's narrative, and its
-- content exactly as it was shown (the anonymised figures and the names
-- of stages, agencies, areas and themes as they were, as JSON), so that a
-- later case, correction or rename never changes what the board was
-- given. Who issued it is also in the directory audit. Like the events,
-- an issued report is never changed or removed: the database refuses it.
CREATE TABLE board_reports (
    partnership_id  TEXT    NOT NULL REFERENCES partnerships (id),
    number          BIGINT  NOT NULL CHECK (number > 0),
    period_from     TEXT    NOT NULL,
    period_to       TEXT    NOT NULL,
    narrative       TEXT    NOT NULL,
    content         TEXT    NOT NULL,
    issued_at_us    BIGINT  NOT NULL,
    issued_by       TEXT    NOT NULL,
    PRIMARY KEY (partnership_id, number)
);
CREATE TRIGGER board_reports_append_only BEFORE UPDATE OR DELETE ON board_reports
    FOR EACH ROW EXECUTE FUNCTION accord_append_only();
CREATE TRIGGER board_reports_no_truncate BEFORE TRUNCATE ON board_reports
    FOR EACH STATEMENT EXECUTE FUNCTION accord_append_only();
