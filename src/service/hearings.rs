//! Use cases for hearings.
