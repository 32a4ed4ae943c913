-- A user-visible session is a chain of refresh-token rows (each refresh rotates the token into a
-- new row): `family_id` names the chain, set at sign-in and carried over at every rotation. It
-- is the session's public id (`GET /api/v1/me/sessions`) and the `sid` claim of its access
-- tokens. Rows from before this migration are each their own family.
-- SQLite adds a NOT NULL column only with a default; the service always sets it.
ALTER TABLE sessions ADD COLUMN family_id TEXT NOT NULL DEFAULT '';
UPDATE sessions SET family_id = id;
-- The sign-in's User-Agent header, at most 200 characters, to help a person recognise a
-- session in the list; never an IP address.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
-- end a session; the per-request check that an access token's session is still live
CREATE INDEX sessions_family ON sessions (family_id);
