DROP INDEX cases_closed_reason;
ALTER TABLE cases DROP COLUMN closed_note;
ALTER TABLE cases DROP COLUMN closed_reason;
