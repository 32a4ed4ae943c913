-- Why a case was closed (domain::vocab::ClosedReason: granted, removed, transferred, withdrew,
-- lost_contact, other), required on every close and cleared on reopening, and an optional note
-- beside it (at most 2000 characters). Cases closed before this migration get `other`, so that
-- no closed case lacks a reason.
ALTER TABLE cases ADD COLUMN closed_reason TEXT;
ALTER TABLE cases ADD COLUMN closed_note TEXT;
UPDATE cases SET closed_reason = 'other' WHERE closed;
-- GET /cases?closed_reason=, with the cursor order
CREATE INDEX cases_closed_reason ON cases (closed_reason, created_at, id);
