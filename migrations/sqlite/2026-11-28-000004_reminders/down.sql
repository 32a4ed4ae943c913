DROP INDEX users_calendar_token;
ALTER TABLE users DROP COLUMN calendar_token_hash;
DROP INDEX deadlines_missed_sweep;
ALTER TABLE deadlines DROP COLUMN missed_alerted;
DROP TABLE reminders;
