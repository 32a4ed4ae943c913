//! Use cases for clients.
