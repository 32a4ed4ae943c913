//! asylum-tracker: asylum clients, their cases, clocks, deadlines and reminders.
//!
//! Module map (data flows one way: HTTP -> route -> domain rules -> database):
//! - [`config`]: layered settings and their validation.
//! - [`startup`]: `Application::build`, the seam the binary and every test use.
//! - [`error`]: `AppError`, the one error type, rendered as problem+json.
//! - [`telemetry`]: logging and the per-request log line.
//! - [`domain`]: pure rules (identifiers, courts, calendar, clocks, deadlines); no I/O.
//! - [`db`]: the two-backend connection, pool, migrations and query functions per aggregate.
//! - [`auth`]: passwords, tokens, the caller extractor and the policy of who may do what.
//! - [`routes`]: one module per resource; registration also builds the OpenAPI document.
//! - [`reminders`]: outgoing e-mail.
//! - [`cli`]: the commands of the binary.

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

/// The old path of `service::accounts`: `tests/api/helpers.rs` and `routes::clients` still name it.
pub use service::accounts;
