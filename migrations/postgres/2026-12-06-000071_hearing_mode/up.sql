-- How a hearing is held (EOIR holds many by video or telephone) and the interpreter's language.
ALTER TABLE hearings ADD COLUMN mode TEXT;
ALTER TABLE hearings ADD COLUMN interpreter_language TEXT;
