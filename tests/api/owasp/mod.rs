//! The OWASP API Security Top 10 (2023) as tests, one module per risk that applies.
//!
//! - API1 broken object-level authorisation: [`matrix`] (every id-taking operation × every role ×
//!   a peer of the same role) and [`api1_object_level`] (what the matrix cannot hold: lists,
//!   ids inside bodies, a creator's own client, unguessable ids).
//! - API2 broken authentication: [`api2_authentication`], with the token, session, lockout and
//!   reset tests of `auth`, `tokens`, `sessions`, `password_guesses`, `mfa` and `limits`.
//! - API3 broken object-property-level authorisation: [`api3_property_level`].
//! - API4 unrestricted resource consumption: [`api4_resource_consumption`], with `limits`.
//! - API5 broken function-level authorisation: [`matrix`] and [`api5_function_level`].
//! - API7 server-side request forgery: [`api7_ssrf`].
//! - API8 security misconfiguration: [`api8_misconfiguration`], with `headers`.
//!
//! Left out, and why:
//! - API6 unrestricted access to sensitive business flows: the flows worth automating against
//!   are sign-in, password reset and the second factor, and they are limited per address and
//!   per account (`limits`, `password_guesses`, `reset_mail`: three reset mails an hour); the
//!   service has no purchase, booking or sign-up flow to abuse.
//! - API9 improper inventory management: one version (`/api/v1`), and the document is the
//!   inventory: `openapi::openapi_lists_every_route` fails for a route outside it, [`matrix`]
//!   for an operation without an authorisation row, and [`api5_function_level`] answers 404
//!   for other versions and debug paths.
//! - API10 unsafe consumption of APIs: the service calls no third-party API; its only outbound
//!   connection is to the configured SMTP server, whose silence and refusals are faults tested
//!   in `reminders` (a stalled server, refusals through every retry but the last).

mod api1_object_level;
mod api2_authentication;
mod api3_property_level;
mod api4_resource_consumption;
mod api5_function_level;
mod api7_ssrf;
mod api8_misconfiguration;
mod doc;
pub mod matrix;
