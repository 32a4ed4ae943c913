//! API tests: the real server over HTTP, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

mod helpers;

mod auth;
mod calendar;
mod cli;
mod deadlines;
mod errors;
mod openapi;
mod reminders;
mod tokens;
mod users;
