//! Outgoing e-mail: transports and message building (the reminder planner and outbox join later).

pub mod mail;
