//! asylum-tracker: asylum clients, their cases, clocks, deadlines and reminders.
//!
//! Module map (data flows one way: HTTP -> route -> use case -> database; the CLI and the
//! reminder worker call the same use cases):
//! - [`config`]: layered settings and their validation.
//! - [`startup`]: `Application::build`, the seam the binary and every test use.
//! - [`state`]: `AppState`, what the use cases reach (pool, settings, keys, mailer, courts, offices).
//! - [`error`]: `AppError`, the one error type, rendered as problem+json; `Fields` gathers errors.
//! - [`telemetry`]: logging, the request's root span (request id, route pattern).
//! - [`http`]: what routes share: JSON bodies, the list shape, OpenAPI error responses, limits,
//!   caching and CORS.
//! - [`routes`]: one module per resource (parse -> call a use case -> respond); registration
//!   also builds the OpenAPI document. No queries, no role checks, no route imports another.
//! - [`service`]: the use cases, one module per aggregate; each public function one unit of work
//!   (validate, transaction, write, recompute, re-plan reminders, audit).
//! - [`auth`]: passwords, tokens, the caller extractor and the policy of who may do what.
//! - [`domain`]: pure rules (identifiers, e-mail addresses, courts and offices, calendar, clocks,
//!   deadlines); no I/O.
//! - [`db`]: the two-backend connection, pool, migrations, storage scopes and query functions
//!   per aggregate; imports neither `auth` nor `reminders`.
//! - [`reminders`]: the planner (pure), the outbox, the worker and outgoing e-mail.
//! - [`cli`]: the commands of the binary.
//! - [`fsutil`]: files written private to the owner.
//! - [`web`]: the web client's files (embedded) and the page served for browser navigation.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod fsutil;
pub mod http;
pub mod reminders;
pub mod routes;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;
