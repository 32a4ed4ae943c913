//! Pure rules: no I/O, no diesel, no actix. Each function takes what it needs (including "today").

pub mod calendar;
pub mod case_status;
pub mod charging;
pub mod courts;
pub mod dates;
pub mod deadlines;
pub mod ead_clock;
pub mod email;
pub mod identifiers;
pub mod notes;
pub mod offices;
pub mod place_list;
pub mod retention;
pub mod search;
pub mod vocab;
pub mod vtimezone;
