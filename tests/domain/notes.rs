//! The rules of notes and tasks (issue 12, item 6): a note's edit window, after which notes are
//! append-only, and the limits of their text.

use asylum_tracker::domain::notes::{
    edit_closes_at, editable, optional_text, required_text, NOTE_MAX_CHARS, TITLE_MAX_CHARS,
};
use chrono::NaiveDateTime;

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

/// (written, now, window minutes, editable, why).
#[rustfmt::skip]
const WINDOW: &[(&str, &str, u32, bool, &str)] = &[
    ("2026-12-06 10:00:00", "2026-12-06 10:00:00", 15, true,  "at once"),
    ("2026-12-06 10:00:00", "2026-12-06 10:14:59", 15, true,  "inside the window"),
    ("2026-12-06 10:00:00", "2026-12-06 10:15:00", 15, false, "the window closes at created + 15 min"),
    ("2026-12-06 10:00:00", "2026-12-07 10:00:00", 15, false, "a day later: append-only"),
    ("2026-12-06 23:55:00", "2026-12-07 00:05:00", 15, true,  "across midnight"),
    ("2026-12-06 10:00:00", "2026-12-06 10:00:00", 0,  false, "a window of 0: never editable"),
];

#[test]
fn a_note_is_editable_only_inside_its_window() {
    for (written, now, minutes, want, why) in WINDOW {
        assert_eq!(editable(at(written), at(now), *minutes), *want, "{why}");
    }
    assert_eq!(
        edit_closes_at(at("2026-12-06 10:00:00"), 15),
        at("2026-12-06 10:15:00")
    );
}

/// (input, max, result, why).
#[rustfmt::skip]
const REQUIRED: &[(&str, usize, Result<&str, &str>, &str)] = &[
    ("  call the client  ", 200, Ok("call the client"), "trimmed"),
    ("   ", 200, Err("must not be blank"), "blank after trimming"),
    ("", 200, Err("must not be blank"), "empty"),
    ("ééé", 3, Ok("ééé"), "characters, not bytes"),
    ("abcd", 3, Err("must be at most 3 characters"), "too long"),
];

#[test]
fn required_text_is_trimmed_and_bounded() {
    for (input, max, want, why) in REQUIRED {
        let got = required_text(input, *max);
        assert_eq!(got.as_deref().map_err(String::as_str), *want, "{why}");
    }
    assert!(required_text(&"x".repeat(NOTE_MAX_CHARS), NOTE_MAX_CHARS).is_ok());
    assert!(required_text(&"x".repeat(NOTE_MAX_CHARS + 1), NOTE_MAX_CHARS).is_err());
    assert!(required_text(&"x".repeat(TITLE_MAX_CHARS + 1), TITLE_MAX_CHARS).is_err());
}

#[test]
fn optional_text_blank_is_none() {
    assert_eq!(optional_text(None, 10), Ok(None));
    assert_eq!(optional_text(Some("  "), 10), Ok(None));
    assert_eq!(optional_text(Some(" a "), 10), Ok(Some("a".into())));
    assert!(optional_text(Some("abcdefghijk"), 10).is_err());
}
