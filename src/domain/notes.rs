//! Rules of notes and tasks (issue 12, item 6): what a note's or task's text may be, and how
//! long a note's author may still correct it. Notes are the case file's running record, so once
//! the window closes a note is append-only: a later correction is a new note, never an edit.

use chrono::{Duration, NaiveDateTime};

/// The longest note body, in characters (a page or two of text).
pub const NOTE_MAX_CHARS: usize = 10_000;
/// The longest task title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// The longest task details, in characters.
pub const DETAILS_MAX_CHARS: usize = 10_000;

/// The moment a note written at `created_at` stops being editable by its author, with a window
/// of `window_minutes` (`notes.edit_minutes`; 0: never editable).
pub fn edit_closes_at(created_at: NaiveDateTime, window_minutes: u32) -> NaiveDateTime {
    created_at + Duration::minutes(i64::from(window_minutes))
}

/// Whether a note written at `created_at` may still be edited at `now`: strictly before the
/// window closes (so a window of 0 allows no edit at all).
pub fn editable(created_at: NaiveDateTime, now: NaiveDateTime, window_minutes: u32) -> bool {
    now < edit_closes_at(created_at, window_minutes)
}

/// A required text: trimmed, 1 to `max` characters; else the message for the field.
pub fn required_text(raw: &str, max: usize) -> Result<String, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("must not be blank".into());
    }
    if t.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(t.to_string())
}

/// An optional text: trimmed, blank is none, at most `max` characters.
pub fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    let Some(t) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(Some(t.to_string()))
}
