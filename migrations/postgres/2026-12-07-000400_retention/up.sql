-- Issue 13, item 6: retention and erasure.
-- When an audit row's snapshot was reduced to ids (domain::retention): after
-- `audit.retention_days`, or at once when its client was erased. Null while it holds what was
-- written; a row written with ids only (an erasure's own) is reduced from the start.
ALTER TABLE audit_log ADD COLUMN reduced_at TIMESTAMP;
-- the retention sweep: the oldest rows not reduced yet (db::retention::reduce_audit)
CREATE INDEX audit_unreduced ON audit_log (at) WHERE reduced_at IS NULL;
-- erasure: every audit row about an erased record, whatever its entity type (db::erasure)
CREATE INDEX audit_entity_id ON audit_log (entity_id);
-- the retention sweep of the outbox: finished rows still holding an SMTP server's answer, which
-- may quote the recipient's address (db::retention::reduce_reminders)
CREATE INDEX reminders_error_kept ON reminders (updated_at) WHERE last_error IS NOT NULL;
