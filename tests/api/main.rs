//! API tests: the real server over HTTP, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

mod helpers;

mod auth;
mod cli;
mod deadlines;
mod errors;
mod openapi;
mod tokens;
mod users;
