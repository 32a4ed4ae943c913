ALTER TABLE hearings DROP COLUMN interpreter_language;
ALTER TABLE hearings DROP COLUMN mode;
