//! API tests: the real server over HTTP, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

mod helpers;

mod auth;
mod backup;
mod browser;
mod calendar;
mod case_events;
mod cases;
mod cli;
mod clients;
mod closing;
mod corrections;
mod custody;
mod deadlines;
mod disk_full;
mod erasure;
mod errors;
mod family;
mod faults;
mod file_modes;
mod headers;
mod hearings;
mod inputs;
mod limits;
mod mfa;
mod no_leaks;
mod notes;
mod one_year_exception;
mod openapi;
mod overview;
mod owasp;
mod password_guesses;
mod people_and_agenda;
mod query_counts;
mod reminders;
mod reset_mail;
mod retention;
mod session_cookie;
mod sessions;
mod supervision;
mod tasks;
mod tokens;
mod users;
mod web;

/// In CI every PostgreSQL variant must run: a CI run without a test server fails here instead of
/// looking twice as thorough as it is.
#[test]
fn ci_runs_the_postgresql_variants() {
    if std::env::var_os("CI").is_some() {
        assert!(
            std::env::var_os("TEST_DATABASE_URL").is_some() && !cfg!(no_test_database),
            "CI is set but TEST_DATABASE_URL is not (at build and run time): the PostgreSQL variants would not run"
        );
    }
}
