//! API tests: the real server over HTTP, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

mod helpers;

mod auth;
mod calendar;
mod case_events;
mod cases;
mod cli;
mod clients;
mod deadlines;
mod errors;
mod hearings;
mod openapi;
mod reminders;
mod tokens;
mod users;
