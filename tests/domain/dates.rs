//! Dates a person may enter (issue 9, item 6): `YYYY-MM-DD` from 1900-01-01 to 2199-12-31.

use asylum_tracker::domain::dates::{parse_local_time, Day, DATE_MESSAGE, RANGE_MESSAGE};

#[test]
fn day_accepts_the_range_and_says_the_form() {
    for ok in ["1900-01-01", "2199-12-31", "2024-02-29", "2026-11-29"] {
        assert_eq!(
            Day::parse(ok).map(|d| d.to_string()),
            Ok(ok.to_string()),
            "{ok}"
        );
    }
    for (bad, why) in [
        ("0001-01-01", RANGE_MESSAGE),
        ("1899-12-31", RANGE_MESSAGE),
        ("2200-01-01", RANGE_MESSAGE),
        ("262142-01-01", RANGE_MESSAGE),
        ("+262142-01-01", RANGE_MESSAGE),
        ("2025-02-29", DATE_MESSAGE),
        ("03/15/2025", DATE_MESSAGE),
        ("2025-3-5", DATE_MESSAGE),
        ("", DATE_MESSAGE),
        ("2025-03-05T10:00", DATE_MESSAGE),
    ] {
        assert_eq!(Day::parse(bad), Err(why), "{bad}");
    }
}

#[test]
fn local_times_share_the_range() {
    assert!(parse_local_time("2199-12-31T23:59").is_ok());
    assert!(parse_local_time("1900-01-01T00:00").is_ok());
    for bad in [
        "262142-01-01T09:00",
        "2200-01-01T00:00",
        "1899-12-31T23:59",
        "2025-02-29T09:00",
        "2025-03-05T9:00",
        "2025-03-05T24:00",
        "2025-03-05 09:00",
    ] {
        assert!(parse_local_time(bad).is_err(), "{bad}");
    }
}

#[test]
fn days_deserialise_from_json_strings_only() {
    let d: Day = serde_json::from_str("\"2026-01-02\"").unwrap();
    assert_eq!(d.to_string(), "2026-01-02");
    assert!(serde_json::from_str::<Day>("20260102").is_err());
    let e = serde_json::from_str::<Day>("\"0001-01-01\"").unwrap_err();
    assert!(e.to_string().contains("1900-01-01"), "{e}");
}
