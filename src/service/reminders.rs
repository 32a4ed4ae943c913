//! Use cases for reminders.
