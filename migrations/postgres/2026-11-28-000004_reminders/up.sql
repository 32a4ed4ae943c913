-- The reminder outbox, missed-deadline alerts, per-user calendar feed tokens.
CREATE TABLE reminders (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,                 -- deadline | hearing | missed | failure_notice
    item_id TEXT,                       -- the deadline or hearing
    item_key TEXT NOT NULL,             -- the item at its current date: a moved item gets new rows
    case_id TEXT,
    recipient_id TEXT NOT NULL REFERENCES users (id),
    lead_days INTEGER NOT NULL,         -- -1 for alerts and notices
    due_at TIMESTAMP NOT NULL,          -- UTC
    state TEXT NOT NULL,                -- pending | sent | failed
    digest BOOLEAN NOT NULL,            -- goes out in the recipient's morning digest
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    message_id TEXT NOT NULL,           -- stable across retries, so a receiver can drop a duplicate
    last_error TEXT,
    payload TEXT,                       -- JSON, for failure notices
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- planning is idempotent: one row per (item at its date, recipient, lead)
CREATE UNIQUE INDEX reminders_item_recipient_lead ON reminders (item_key, recipient_id, lead_days);
-- the worker's claim: due pending rows
CREATE INDEX reminders_due ON reminders (state, next_attempt_at);
-- re-planning a case or a user, the admin view
CREATE INDEX reminders_case ON reminders (case_id, state);
CREATE INDEX reminders_recipient ON reminders (recipient_id, state);

ALTER TABLE deadlines ADD COLUMN missed_alerted BOOLEAN NOT NULL DEFAULT FALSE;
-- the missed-deadline sweep: open, unalerted, dated deadlines (partial, so it stays small)
CREATE INDEX deadlines_missed_sweep ON deadlines (due_on) WHERE resolution IS NULL AND NOT missed_alerted AND NOT never_missed;

ALTER TABLE users ADD COLUMN calendar_token_hash TEXT;
CREATE UNIQUE INDEX users_calendar_token ON users (calendar_token_hash);
