-- Issue 9: nothing a person wrote is deleted by the system, and the record can be corrected.
-- A computed deadline whose trigger vanished is superseded (kept with its mark), not deleted.
ALTER TABLE deadlines ADD COLUMN superseded_at TIMESTAMP;
ALTER TABLE deadlines ADD COLUMN superseded_reason TEXT;

-- Filings gain a status with its date; facts are withdrawn (kept in history), never deleted.
ALTER TABLE filings ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'; -- pending | accepted | rejected | approved | denied
ALTER TABLE filings ADD COLUMN status_on DATE;
ALTER TABLE filings ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE filings ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE filings ADD COLUMN withdrawn_by TEXT; -- a users.id
UPDATE filings SET status = 'approved' WHERE approved_on IS NOT NULL;
ALTER TABLE clock_events ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE clock_events ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE clock_events ADD COLUMN withdrawn_by TEXT; -- a users.id
ALTER TABLE decisions ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE decisions ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE decisions ADD COLUMN withdrawn_by TEXT; -- a users.id

-- Receipt numbers become unique among standing filings: a later duplicate already stored is
-- withdrawn (kept, with the reason) rather than deleted.
UPDATE filings SET withdrawn_at = CURRENT_TIMESTAMP,
    withdrawn_reason = 'duplicate receipt number: withdrawn when receipt numbers became unique'
WHERE receipt_number IS NOT NULL AND EXISTS (
    SELECT 1 FROM filings f2
    WHERE f2.receipt_number = filings.receipt_number
      AND (f2.created_at < filings.created_at
           OR (f2.created_at = filings.created_at AND f2.id < filings.id)));
-- the duplicate check of a new or corrected filing (409)
CREATE UNIQUE INDEX filings_receipt_number ON filings (receipt_number)
    WHERE receipt_number IS NOT NULL AND withdrawn_at IS NULL;
