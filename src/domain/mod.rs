//! Pure rules: no I/O, no diesel, no actix. Each function takes what it needs (including "today").

pub mod calendar;
pub mod courts;
pub mod deadlines;
pub mod ead_clock;
pub mod identifiers;
