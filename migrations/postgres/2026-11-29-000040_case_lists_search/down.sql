DROP TABLE client_name_tokens;
DROP INDEX reminders_item;
DROP INDEX deadlines_case_source;
DROP INDEX deadlines_case_due;
