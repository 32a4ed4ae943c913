//! Use cases for audit.
