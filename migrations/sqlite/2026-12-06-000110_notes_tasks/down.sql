DROP INDEX tasks_assignee;
DROP INDEX tasks_case;
DROP TABLE tasks;
DROP INDEX notes_client;
DROP INDEX notes_case;
DROP TABLE notes;
