//! Reminders: the planner (pure), the outbox (planning, claiming, marking), the worker, the
//! messages and the mail transports.

pub mod mail;
pub mod messages;
pub mod outbox;
pub mod planner;
pub mod tasks;
pub mod worker;
