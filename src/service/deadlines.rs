//! Use cases for deadlines.
