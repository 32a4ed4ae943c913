//! Use cases for calendar.
