-- A case's deadlines one page at a time, soonest first (GET /cases/{id}/deadlines).
CREATE INDEX deadlines_case_due ON deadlines (case_id, due_on, id);
-- A recompute reads a case's computed deadlines only (deadlines::computed_of, outbox::replan),
-- however many the case has by hand.
CREATE INDEX deadlines_case_source ON deadlines (case_id, source);
-- Re-planning some items' reminders (outbox::replan) reads only those items' rows.
CREATE INDEX reminders_item ON reminders (item_id, state);

-- Client search: every prefix of every folded word of a client's names (domain::search), filled
-- on each write of the names and, for clients written before this table, by db::migrate.
-- The primary key serves the search (exact token lookups); the second index rewrites a client's.
CREATE TABLE client_name_tokens (
    token TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients (id),
    PRIMARY KEY (token, client_id)
);
CREATE INDEX client_name_tokens_client ON client_name_tokens (client_id);
