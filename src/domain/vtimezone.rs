//! RFC 5545 §3.6.5 time zone components, built from the IANA data in chrono-tz: one STANDARD or
//! DAYLIGHT observance per transition in the years a feed covers, so that a calendar reading a
//! `TZID` needs no zone database of its own.

use chrono::{Duration, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::{OffsetComponents, Tz};

/// One observance: from `starts_local` (wall time in the offset before it) the zone is `to`
/// seconds east of UTC, with abbreviation `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observance {
    pub daylight: bool,
    pub starts_local: NaiveDateTime,
    pub from: i32,
    pub to: i32,
    pub name: String,
}

/// The zone's state at a UTC instant: offset, daylight saving or not, abbreviation.
fn state(tz: Tz, utc: NaiveDateTime) -> (i32, bool, String) {
    let local = tz.from_utc_datetime(&utc);
    let offset = local.offset();
    (
        offset.fix().local_minus_utc(),
        !offset.dst_offset().is_zero(),
        local.format("%Z").to_string(),
    )
}

fn from_secs(secs: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .naive_utc()
}

/// The observances of `tz` in `first_year..=last_year` (UTC years). A zone without transitions in
/// them gets one STANDARD observance from the start of `first_year`, so that every VTIMEZONE
/// has at least one (RFC 5545 requires it).
pub fn observances(tz: Tz, first_year: i32, last_year: i32) -> Vec<Observance> {
    let start = NaiveDate::from_ymd_opt(first_year, 1, 1)
        .unwrap_or_default()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let end = NaiveDate::from_ymd_opt(last_year + 1, 1, 1)
        .unwrap_or_default()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut t = start;
    let mut before = state(tz, t);
    while t < end {
        let next = (t + Duration::days(1)).min(end);
        let after = state(tz, next);
        if after != before {
            // The first second of the new state, by bisection within the day.
            let (mut lo, mut hi) = (t.and_utc().timestamp(), next.and_utc().timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if state(tz, from_secs(mid)) == before {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let hi = from_secs(hi);
            let now = state(tz, hi);
            out.push(Observance {
                daylight: now.1,
                starts_local: hi + Duration::seconds(i64::from(before.0)),
                from: before.0,
                to: now.0,
                name: now.2.clone(),
            });
            before = now;
            // A second transition on the same day is found from `hi` on.
            t = hi;
            continue;
        }
        before = after;
        t = next;
    }
    if out.is_empty() {
        let (offset, daylight, name) = state(tz, start);
        out.push(Observance {
            daylight,
            starts_local: start + Duration::seconds(i64::from(offset)),
            from: offset,
            to: offset,
            name,
        });
    }
    out
}

/// `-0700`, or `+053000` when seconds are needed (RFC 5545 §3.3.14).
fn utc_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let s = secs.abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// The VTIMEZONE component of `tz` for the given years, CRLF-terminated lines.
pub fn vtimezone(tz: Tz, first_year: i32, last_year: i32) -> String {
    let mut s = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    for o in observances(tz, first_year, last_year) {
        let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
        s.push_str(&format!(
            "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{}\r\nEND:{kind}\r\n",
            o.starts_local.format("%Y%m%dT%H%M%S"),
            utc_offset(o.from),
            utc_offset(o.to),
            o.name,
        ));
    }
    s.push_str("END:VTIMEZONE\r\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    /// US rule since 2007: second Sunday of March and first Sunday of November, at 02:00 local.
    #[test]
    fn denver_2027_has_its_two_transitions_at_local_2am() {
        let o = observances(chrono_tz::America::Denver, 2027, 2027);
        assert_eq!(
            o,
            vec![
                Observance {
                    daylight: true,
                    starts_local: at("2027-03-14T02:00:00"),
                    from: -7 * 3600,
                    to: -6 * 3600,
                    name: "MDT".into(),
                },
                Observance {
                    daylight: false,
                    starts_local: at("2027-11-07T02:00:00"),
                    from: -6 * 3600,
                    to: -7 * 3600,
                    name: "MST".into(),
                },
            ]
        );
    }

    #[test]
    fn a_zone_without_transitions_gets_one_standard_observance() {
        let o = observances(chrono_tz::America::Phoenix, 2026, 2027);
        assert_eq!(o.len(), 1);
        assert!(!o[0].daylight);
        assert_eq!((o[0].from, o[0].to), (-7 * 3600, -7 * 3600));
    }

    #[test]
    fn offsets_are_formatted_per_rfc5545() {
        assert_eq!(utc_offset(-7 * 3600), "-0700");
        assert_eq!(utc_offset(5 * 3600 + 1800), "+0530");
        assert_eq!(utc_offset(0), "+0000");
        assert_eq!(utc_offset(-(3600 + 61)), "-010101");
    }

    #[test]
    fn the_component_names_the_zone() {
        let v = vtimezone(chrono_tz::America::New_York, 2027, 2027);
        assert!(v.starts_with("BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"));
        assert!(v.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270314T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT\r\n"));
        assert!(v.ends_with("END:VTIMEZONE\r\n"));
    }
}
