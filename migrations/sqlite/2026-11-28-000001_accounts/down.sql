DROP TABLE audit_log;
DROP TABLE password_resets;
DROP TABLE sessions;
DROP TABLE users;
