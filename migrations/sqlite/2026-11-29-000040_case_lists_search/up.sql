-- A case's deadlines one page at a time, soonest first (GET /cases/{id}/deadlines).
CREATE INDEX deadlines_case_due ON deadlines (case_id, due_on, id);
-- A recompute reads a case's computed deadlines only (deadlines::computed_of, outbox::replan),
-- however many the case has by hand.
CREATE INDEX deadlines_case_source ON deadlines (case_id, source);
-- Re-planning some items' reminders (outbox::replan) reads only those items' rows.
CREATE INDEX reminders_item ON reminders (item_id, state);
