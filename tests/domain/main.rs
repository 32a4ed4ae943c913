//! Tests of the pure domain modules: the calendar, the EAD clock, the deadline rules and a
//! child's 21st birthday. Every table row cites its rule; expected dates were worked out by hand
//! against a real calendar.

mod calendar;
mod check_ins;
mod custody;
mod dates;
mod deadlines;
mod ead_clock;
mod family;
mod notes;
mod retention;

use chrono::NaiveDate;

/// A `YYYY-MM-DD` literal from a table row.
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("bad date {s}: {e}"))
}
