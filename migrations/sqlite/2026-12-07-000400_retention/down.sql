DROP INDEX reminders_error_kept;
DROP INDEX audit_entity_id;
DROP INDEX audit_unreduced;
ALTER TABLE audit_log DROP COLUMN reduced_at;
