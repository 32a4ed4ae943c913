-- Issue 12, item 6: notes on a client or a case, and tasks with an assignee and a due date.
-- A note is on a case, or on the client when case_id is null; it follows the visibility of what
-- it is on. Its author may correct it for `notes.edit_minutes` after writing it; after that it
-- is append-only (never edited, never deleted).
CREATE TABLE notes (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients (id),
    case_id TEXT REFERENCES cases (id), -- null: a note on the client
    author_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,                 -- trimmed, 1 to 10000 characters
    created_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP                 -- the author's last correction, inside the window
);
-- a case's notes, newest first (GET /cases/{id}/notes, the case overview)
CREATE INDEX notes_case ON notes (case_id, created_at, id);
-- a client's own notes, newest first (GET /clients/{id}/notes)
CREATE INDEX notes_client ON notes (client_id, created_at, id);

-- A task on a case for one person of its team (or an admin) by a date. Its assignee gets the
-- deadline reminder ladder (outbox kind `task_due`) and sees it in their agenda and feed.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    title TEXT NOT NULL,                -- 1 to 200 characters; free text: never in mail or feeds
    details TEXT,
    assignee_id TEXT NOT NULL REFERENCES users (id),
    due_on DATE NOT NULL,
    status TEXT NOT NULL,               -- open | done
    done_at TIMESTAMP,
    done_by TEXT,                       -- a users.id
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- a case's tasks by due date (GET /cases/{id}/tasks, re-planning a case)
CREATE INDEX tasks_case ON tasks (case_id, due_on, id);
-- a person's tasks by due date (GET /tasks, the calendar feed)
CREATE INDEX tasks_assignee ON tasks (assignee_id, status, due_on, id);
