//! Use cases for cases.
