//! Pure rules: no I/O, no diesel, no actix. Each function takes what it needs (including "today").

pub mod courts;
pub mod identifiers;
