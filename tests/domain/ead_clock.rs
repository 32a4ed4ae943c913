//! EAD clock tests: days elapsed and stopped, earliest dates with and without stops, validation.

use super::d;
use asylum_tracker::domain::ead_clock::{
    ead_clock, validate_events, validate_sequence, ClockError, ClockEvent, ClockKind, EadWaits,
};
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

const CLOCK: &str = "8 CFR 208.7(a)(1), (a)(2)";

fn stop(on: &str) -> ClockEvent {
    ClockEvent {
        kind: ClockKind::Stop,
        on: d(on),
    }
}

fn resume(on: &str) -> ClockEvent {
    ClockEvent {
        kind: ClockKind::Resume,
        on: d(on),
    }
}

struct Row {
    events: Vec<ClockEvent>,
    as_of: &'static str,
    elapsed: i64,
    stopped: i64,
    running: bool,
    filing: Option<&'static str>,
    grant: Option<&'static str>,
    rule: &'static str,
    why: &'static str,
}

/// All rows use the I-589 filed 2025-01-10 (DOMAIN.md's worked example) and 150/180 days.
#[rustfmt::skip]
fn rows() -> Vec<Row> {
    vec![
        Row { events: vec![], as_of: "2025-02-09", elapsed: 30, stopped: 0, running: true, filing: Some("2025-06-09"), grant: Some("2025-07-09"), rule: CLOCK, why: "worked example, no stop" },
        Row { events: vec![], as_of: "2025-01-10", elapsed: 0, stopped: 0, running: true, filing: Some("2025-06-09"), grant: Some("2025-07-09"), rule: CLOCK, why: "filing day is day 0" },
        Row { events: vec![], as_of: "2024-12-31", elapsed: 0, stopped: 0, running: false, filing: Some("2025-06-09"), grant: Some("2025-07-09"), rule: CLOCK, why: "as_of before filing: not started, 0 days" },
        Row { events: vec![stop("2025-03-01"), resume("2025-03-21")], as_of: "2025-04-01", elapsed: 61, stopped: 20, running: true, filing: Some("2025-06-29"), grant: Some("2025-07-29"), rule: CLOCK, why: "one 20-day stop; Sunday 2025-06-29 is not rolled" },
        Row { events: vec![stop("2025-03-01"), resume("2025-03-21")], as_of: "2025-03-11", elapsed: 50, stopped: 10, running: false, filing: None, grant: None, rule: CLOCK, why: "stopped as of as_of: dates unknown" },
        Row { events: vec![stop("2025-03-01"), resume("2025-03-21")], as_of: "2025-03-01", elapsed: 50, stopped: 0, running: false, filing: None, grant: None, rule: CLOCK, why: "stop day itself: stopped, 0 days stopped yet" },
        Row { events: vec![stop("2025-03-01"), resume("2025-03-21")], as_of: "2025-02-01", elapsed: 22, stopped: 0, running: true, filing: Some("2025-06-09"), grant: Some("2025-07-09"), rule: CLOCK, why: "a later stop is not yet known as of as_of" },
        Row { events: vec![stop("2025-02-01"), resume("2025-02-11"), stop("2025-04-01"), resume("2025-04-06")], as_of: "2025-05-01", elapsed: 96, stopped: 15, running: true, filing: Some("2025-06-24"), grant: Some("2025-07-24"), rule: CLOCK, why: "two stops, 10 + 5 days" },
        Row { events: vec![stop("2025-02-01")], as_of: "2025-12-31", elapsed: 22, stopped: 333, running: false, filing: None, grant: None, rule: CLOCK, why: "open stop: never guess" },
        Row { events: vec![stop("2025-06-01"), resume("2025-06-11")], as_of: "2025-08-01", elapsed: 193, stopped: 10, running: true, filing: Some("2025-06-19"), grant: Some("2025-07-19"), rule: CLOCK, why: "stop at day 142 straddles day 150" },
        Row { events: vec![stop("2025-06-20"), resume("2025-06-30")], as_of: "2025-08-01", elapsed: 193, stopped: 10, running: true, filing: Some("2025-06-09"), grant: Some("2025-07-19"), rule: CLOCK, why: "stop after day 150 delays only day 180" },
        Row { events: vec![stop("2025-03-01"), resume("2025-03-01")], as_of: "2025-04-01", elapsed: 81, stopped: 0, running: true, filing: Some("2025-06-09"), grant: Some("2025-07-09"), rule: CLOCK, why: "same-day resume stops nothing" },
    ]
}

#[test]
fn clock_table() {
    let filed = d("2025-01-10");
    for row in rows() {
        let c = ead_clock(filed, &row.events, d(row.as_of), &EadWaits::default());
        let msg = format!("{} as of {} ({})", row.why, row.as_of, row.rule);
        assert_eq!(c.started_on, filed, "{msg}");
        assert_eq!(
            (c.days_elapsed, c.stopped_days, c.running),
            (row.elapsed, row.stopped, row.running),
            "{msg}"
        );
        assert_eq!(c.earliest_filing_on, row.filing.map(d), "{msg}");
        assert_eq!(c.earliest_grant_on, row.grant.map(d), "{msg}");
    }
}

#[test]
fn leap_year_and_year_boundary_and_settings() {
    let waits = EadWaits::default();
    // 2024 is a leap year: Jan 10 + 150 days = Saturday 2024-06-08 (not rolled), + 180 = 2024-07-08.
    let c = ead_clock(d("2024-01-10"), &[], d("2024-01-10"), &waits);
    assert_eq!(
        (c.earliest_filing_on, c.earliest_grant_on),
        (Some(d("2024-06-08")), Some(d("2024-07-08")))
    );
    // Across a year end: 2024-09-01 + 150 = 2025-01-29, + 180 = 2025-02-28.
    let c = ead_clock(d("2024-09-01"), &[], d("2024-09-01"), &waits);
    assert_eq!(
        (c.earliest_filing_on, c.earliest_grant_on),
        (Some(d("2025-01-29")), Some(d("2025-02-28")))
    );
    // Waiting periods are settings (a proposed rule would lengthen them): 365 days from 2025-01-10.
    let long = EadWaits {
        filing_wait_days: 365,
        grant_wait_days: 365,
    };
    let c = ead_clock(d("2025-01-10"), &[], d("2025-01-10"), &long);
    assert_eq!(c.earliest_filing_on, Some(d("2026-01-10")));
    assert_eq!(
        EadWaits::default(),
        EadWaits {
            filing_wait_days: 150,
            grant_wait_days: 180
        }
    );
}

#[test]
fn validation_rules() {
    let filed = d("2025-01-10");
    let closed = [stop("2025-03-01"), resume("2025-03-21")];
    let open = [stop("2025-03-01")];
    assert_eq!(
        validate_events(filed, &[], stop("2025-01-09")),
        Err(ClockError::BeforeFiling {
            on: d("2025-01-09"),
            filed_on: filed
        })
    );
    assert_eq!(
        validate_events(filed, &[], resume("2025-02-01")),
        Err(ClockError::NoOpenStop)
    );
    assert_eq!(
        validate_events(filed, &closed, resume("2025-04-01")),
        Err(ClockError::NoOpenStop)
    );
    assert_eq!(
        validate_events(filed, &open, stop("2025-03-05")),
        Err(ClockError::AlreadyStopped {
            since: d("2025-03-01")
        })
    );
    assert_eq!(
        validate_events(filed, &open, resume("2025-02-20")),
        Err(ClockError::ResumeBeforeStop {
            on: d("2025-02-20"),
            stopped_on: d("2025-03-01")
        })
    );
    assert_eq!(
        validate_events(filed, &closed, stop("2025-03-10")),
        Err(ClockError::OutOfOrder {
            on: d("2025-03-10"),
            last_on: d("2025-03-21")
        })
    );
    assert_eq!(
        validate_events(filed, &[], stop("2025-01-10")),
        Ok(()),
        "a stop on the filing day is allowed"
    );
    assert_eq!(validate_events(filed, &open, resume("2025-03-01")), Ok(()));
    assert_eq!(validate_events(filed, &closed, stop("2025-03-21")), Ok(()));
    assert!(validate_sequence(
        filed,
        &[stop("2025-02-01"), resume("2025-02-11"), stop("2025-04-01")]
    )
    .is_ok());
    assert_eq!(
        validate_sequence(filed, &[resume("2025-02-01")]),
        Err(ClockError::NoOpenStop)
    );
    let message = ClockError::BeforeFiling {
        on: d("2025-01-09"),
        filed_on: filed,
    }
    .to_string();
    assert!(
        message.contains("2025-01-09") && message.contains("2025-01-10"),
        "{message}"
    );
    assert_eq!(ClockError::NoOpenStop.code(), "no_open_stop");
    assert_eq!(ClockKind::parse("stop"), Some(ClockKind::Stop));
    assert_eq!(ClockKind::Resume.as_str(), "resume");
    assert_eq!(ClockKind::parse("Stop"), None);
}

#[test]
fn tolerant_of_invalid_records() {
    // Not accepted by validate_events, but a stored record may still be like this (e.g. after the
    // I-589 date was corrected): the clock must not panic and must not give an earlier date.
    let filed = d("2025-01-10");
    let events = [
        stop("2025-01-01"),
        resume("2025-01-20"),
        resume("2025-02-01"),
        stop("2025-03-01"),
        stop("2025-03-05"),
        resume("2025-03-11"),
    ];
    let c = ead_clock(filed, &events, d("2025-04-01"), &EadWaits::default());
    // Stops counted: [01-10, 01-20) = 10 days and [03-01, 03-11) = 10 days.
    assert_eq!(c.stopped_days, 20);
    assert_eq!(c.earliest_filing_on, Some(d("2025-06-29")));
}

/// A filing date in 1990..=2100 and a valid sequence of closed stops as day offsets from it.
fn clock_case() -> impl Strategy<Value = (NaiveDate, Vec<(i64, i64)>, i64)> {
    (
        0i64..40_000,
        prop::collection::vec((0i64..60, 0i64..60), 0..5),
        0i64..800,
    )
        .prop_map(|(start, gaps, as_of)| {
            let filed = d("1990-01-01") + Duration::days(start);
            let mut at = 0;
            let stops = gaps
                .into_iter()
                .map(|(run, len)| {
                    let s = at + run;
                    at = s + len;
                    (s, at)
                })
                .collect();
            (filed, stops, as_of)
        })
}

fn events(filed: NaiveDate, stops: &[(i64, i64)]) -> Vec<ClockEvent> {
    stops
        .iter()
        .flat_map(|&(s, r)| {
            [
                ClockEvent {
                    kind: ClockKind::Stop,
                    on: filed + Duration::days(s),
                },
                ClockEvent {
                    kind: ClockKind::Resume,
                    on: filed + Duration::days(r),
                },
            ]
        })
        .collect()
}

proptest! {
    #[test]
    fn elapsed_plus_stopped_is_days_since_filing((filed, stops, as_of) in clock_case()) {
        let ev = events(filed, &stops);
        prop_assert!(validate_sequence(filed, &ev).is_ok());
        let as_of = filed + Duration::days(as_of);
        let c = ead_clock(filed, &ev, as_of, &EadWaits::default());
        prop_assert_eq!(c.days_elapsed + c.stopped_days, (as_of - filed).num_days());
        prop_assert!(c.days_elapsed >= 0 && c.stopped_days >= 0);
    }

    #[test]
    fn adding_a_stop_never_makes_a_date_earlier((filed, stops, _) in clock_case(), drop in 0usize..5) {
        prop_assume!(drop < stops.len());
        let mut fewer = stops.clone();
        fewer.remove(drop);
        let far = filed + Duration::days(2000);
        let waits = EadWaits::default();
        let with = ead_clock(filed, &events(filed, &stops), far, &waits);
        let without = ead_clock(filed, &events(filed, &fewer), far, &waits);
        prop_assert!(with.earliest_filing_on >= without.earliest_filing_on);
        prop_assert!(with.earliest_grant_on >= without.earliest_grant_on);
    }

    #[test]
    fn the_earliest_date_is_where_the_count_reaches_the_wait((filed, stops, _) in clock_case()) {
        let ev = events(filed, &stops);
        let waits = EadWaits::default();
        let far = filed + Duration::days(2000);
        let day150 = ead_clock(filed, &ev, far, &waits).earliest_filing_on.expect("running");
        prop_assert_eq!(ead_clock(filed, &ev, day150, &waits).days_elapsed, 150);
        let day_before = day150 - Duration::days(1);
        prop_assert_eq!(ead_clock(filed, &ev, day_before, &waits).days_elapsed, 149);
    }
}
