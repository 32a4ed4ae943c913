//! Use cases for accounts.
