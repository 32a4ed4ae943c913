//! Calendar tests: 5 U.S.C. 6103(a) holidays and observed days, rolling forward and backward,
//! closures, and the largest forward gap.

use super::d;
use asylum_tracker::domain::calendar::{
    federal_holidays, Calendar, DEFAULT_CLOSURES, MAX_FORWARD_GAP,
};
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

const HOLIDAYS: &str = "5 U.S.C. 6103(a)";
const OBSERVED: &str = "5 U.S.C. 6103(b); Executive Order 11582";

struct HolidayRow {
    date: &'static str,
    holiday: Option<&'static str>,
    rule: &'static str,
    why: &'static str,
}

const NEW_YEAR: &str = "New Year's Day";
const MLK: &str = "Birthday of Martin Luther King, Jr.";
const JUNETEENTH: &str = "Juneteenth National Independence Day";
const JULY_4: &str = "Independence Day";
const VETERANS: &str = "Veterans Day";
const CHRISTMAS: &str = "Christmas Day";

#[rustfmt::skip]
const HOLIDAY_ROWS: &[HolidayRow] = &[
    HolidayRow { date: "2024-01-01", holiday: Some(NEW_YEAR), rule: HOLIDAYS, why: "New Year's Day on a Monday" },
    HolidayRow { date: "2021-12-31", holiday: Some(NEW_YEAR), rule: OBSERVED, why: "Saturday 2022-01-01 observed on Friday of the previous year" },
    HolidayRow { date: "2023-01-02", holiday: Some(NEW_YEAR), rule: OBSERVED, why: "Sunday 2023-01-01 observed Monday" },
    HolidayRow { date: "2024-01-15", holiday: Some(MLK), rule: HOLIDAYS, why: "third Monday of January 2024" },
    HolidayRow { date: "1990-01-15", holiday: Some(MLK), rule: HOLIDAYS, why: "third Monday of January 1990, first supported year" },
    HolidayRow { date: "2024-02-19", holiday: Some("Washington's Birthday"), rule: HOLIDAYS, why: "third Monday of February 2024" },
    HolidayRow { date: "2024-05-27", holiday: Some("Memorial Day"), rule: HOLIDAYS, why: "last Monday of May 2024" },
    HolidayRow { date: "2100-05-31", holiday: Some("Memorial Day"), rule: HOLIDAYS, why: "last Monday of May 2100 is the 31st" },
    HolidayRow { date: "2024-06-19", holiday: Some(JUNETEENTH), rule: HOLIDAYS, why: "Juneteenth on a Wednesday" },
    HolidayRow { date: "2020-06-19", holiday: None, rule: HOLIDAYS, why: "Juneteenth became a holiday only in 2021" },
    HolidayRow { date: "2021-06-18", holiday: Some(JUNETEENTH), rule: OBSERVED, why: "Saturday 2021-06-19 observed Friday" },
    HolidayRow { date: "2022-06-20", holiday: Some(JUNETEENTH), rule: OBSERVED, why: "Sunday 2022-06-19 observed Monday" },
    HolidayRow { date: "2026-07-03", holiday: Some(JULY_4), rule: OBSERVED, why: "Saturday 2026-07-04 observed Friday" },
    HolidayRow { date: "2026-07-04", holiday: Some(JULY_4), rule: HOLIDAYS, why: "the named Saturday itself is reported too" },
    HolidayRow { date: "2021-07-05", holiday: Some(JULY_4), rule: OBSERVED, why: "Sunday 2021-07-04 observed Monday" },
    HolidayRow { date: "2024-09-02", holiday: Some("Labor Day"), rule: HOLIDAYS, why: "first Monday of September 2024" },
    HolidayRow { date: "2023-10-09", holiday: Some("Columbus Day"), rule: HOLIDAYS, why: "second Monday of October 2023" },
    HolidayRow { date: "2023-11-10", holiday: Some(VETERANS), rule: OBSERVED, why: "Saturday 2023-11-11 observed Friday" },
    HolidayRow { date: "2024-11-11", holiday: Some(VETERANS), rule: HOLIDAYS, why: "Veterans Day on a Monday" },
    HolidayRow { date: "2024-11-28", holiday: Some("Thanksgiving Day"), rule: HOLIDAYS, why: "fourth Thursday of November 2024" },
    HolidayRow { date: "2024-11-29", holiday: None, rule: HOLIDAYS, why: "the Friday after Thanksgiving is not a holiday" },
    HolidayRow { date: "2021-12-24", holiday: Some(CHRISTMAS), rule: OBSERVED, why: "Saturday 2021-12-25 observed Friday" },
    HolidayRow { date: "2022-12-26", holiday: Some(CHRISTMAS), rule: OBSERVED, why: "Sunday 2022-12-25 observed Monday" },
    HolidayRow { date: "2100-12-24", holiday: Some(CHRISTMAS), rule: OBSERVED, why: "Saturday 2100-12-25 observed Friday, last supported year" },
    HolidayRow { date: "2021-01-20", holiday: None, rule: "5 U.S.C. 6103(c)", why: "Inauguration Day is only a DC-area holiday" },
    HolidayRow { date: "2025-12-24", holiday: None, rule: HOLIDAYS, why: "a closure by executive order is not a 6103(a) holiday" },
];

#[test]
fn holidays_and_observed_days() {
    let cal = Calendar::with_default_closures();
    for row in HOLIDAY_ROWS {
        let day = d(row.date);
        assert_eq!(
            cal.is_legal_holiday(day),
            row.holiday,
            "{} ({}): {}",
            row.date,
            row.rule,
            row.why
        );
        let weekday = !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        let expect_business = weekday && row.holiday.is_none();
        assert_eq!(
            cal.is_business_day(day),
            expect_business,
            "{}: {}",
            row.date,
            row.why
        );
    }
}

#[test]
fn holiday_counts_and_observed_in_previous_year() {
    assert_eq!(
        federal_holidays(2020).len(),
        10,
        "no Juneteenth before 2021"
    );
    assert_eq!(federal_holidays(2021).len(), 11);
    let new_year_2022 = federal_holidays(2022)[0];
    assert_eq!(new_year_2022, (d("2022-01-01"), d("2021-12-31"), NEW_YEAR));
}

#[test]
fn default_closures_are_the_eight_dates() {
    assert_eq!(DEFAULT_CLOSURES.len(), 8);
    let cal = Calendar::with_default_closures();
    assert_eq!(cal.closures().len(), 8, "every seed date parses");
    assert!(cal.is_closure(d("2025-12-26")));
    assert!(
        cal.is_business_day(d("2025-12-26")),
        "closures never make a day non-business"
    );
    assert!(!cal.is_business_day_with_closures(d("2025-12-26")));
    assert!(Calendar::default().closures().is_empty());
}

struct RollRow {
    raw: &'static str,
    expect: &'static str,
    closures: bool,
    rule: &'static str,
    why: &'static str,
}

const FWD: &str = "8 CFR 1003.38(b); FRAP 26(a)(1)(C)";
const BACK: &str = "DOMAIN.md: backward counts land on the previous business day";
const ALT: &str = "DOMAIN.md: closures by executive order give an alternative date only";

#[rustfmt::skip]
const FORWARD_ROWS: &[RollRow] = &[
    RollRow { raw: "2023-10-14", expect: "2023-10-16", closures: false, rule: FWD, why: "Saturday to Monday" },
    RollRow { raw: "2023-10-07", expect: "2023-10-10", closures: false, rule: FWD, why: "Saturday, Sunday, then Columbus Day Monday" },
    RollRow { raw: "2024-09-01", expect: "2024-09-03", closures: false, rule: FWD, why: "Sunday before Labor Day: double roll" },
    RollRow { raw: "2024-01-14", expect: "2024-01-16", closures: false, rule: FWD, why: "Sunday before MLK Day: double roll" },
    RollRow { raw: "2026-07-04", expect: "2026-07-06", closures: false, rule: FWD, why: "Saturday holiday: never pulled back to the observed Friday" },
    RollRow { raw: "2026-07-03", expect: "2026-07-06", closures: false, rule: FWD, why: "observed Friday, then the weekend" },
    RollRow { raw: "2023-11-11", expect: "2023-11-13", closures: false, rule: FWD, why: "Veterans Day on Saturday rolls to Monday, not Friday" },
    RollRow { raw: "2021-12-31", expect: "2022-01-03", closures: false, rule: FWD, why: "New Year's Day observed in the previous year, across the year" },
    RollRow { raw: "2021-12-24", expect: "2021-12-27", closures: false, rule: FWD, why: "Christmas observed Friday plus weekend: the 3-day gap" },
    RollRow { raw: "2024-11-28", expect: "2024-11-29", closures: false, rule: FWD, why: "Thanksgiving to the Friday after" },
    RollRow { raw: "2024-06-19", expect: "2024-06-20", closures: false, rule: FWD, why: "Juneteenth 2024" },
    RollRow { raw: "2020-06-19", expect: "2020-06-19", closures: false, rule: FWD, why: "no Juneteenth in 2020" },
    RollRow { raw: "2022-06-18", expect: "2022-06-21", closures: false, rule: FWD, why: "weekend then Juneteenth observed Monday" },
    RollRow { raw: "2024-05-27", expect: "2024-05-28", closures: false, rule: FWD, why: "Memorial Day" },
    RollRow { raw: "2024-02-19", expect: "2024-02-20", closures: false, rule: FWD, why: "Washington's Birthday" },
    RollRow { raw: "2023-01-01", expect: "2023-01-03", closures: false, rule: FWD, why: "Sunday New Year's Day observed Monday" },
    RollRow { raw: "2023-12-31", expect: "2024-01-02", closures: false, rule: FWD, why: "Sunday then New Year's Day, across the year" },
    RollRow { raw: "2025-12-24", expect: "2025-12-24", closures: false, rule: FWD, why: "a closure does not move the due date" },
    RollRow { raw: "2025-12-24", expect: "2025-12-29", closures: true, rule: ALT, why: "closure, Christmas, closure, weekend" },
    RollRow { raw: "2024-12-24", expect: "2024-12-26", closures: true, rule: ALT, why: "closure then Christmas" },
];

#[rustfmt::skip]
const BACKWARD_ROWS: &[RollRow] = &[
    RollRow { raw: "2024-09-01", expect: "2024-08-30", closures: false, rule: BACK, why: "Sunday back to Friday" },
    RollRow { raw: "2024-09-02", expect: "2024-08-30", closures: false, rule: BACK, why: "Labor Day and the weekend before it" },
    RollRow { raw: "2026-07-04", expect: "2026-07-02", closures: false, rule: BACK, why: "Saturday holiday, then its observed Friday" },
    RollRow { raw: "2022-01-02", expect: "2021-12-30", closures: false, rule: BACK, why: "weekend, then New Year's observed in the previous year" },
    RollRow { raw: "2024-12-24", expect: "2024-12-24", closures: false, rule: BACK, why: "closure is a business day for due dates" },
    RollRow { raw: "2024-12-24", expect: "2024-12-23", closures: true, rule: ALT, why: "closure-aware backward roll" },
];

fn check_rolls(rows: &[RollRow], forward: bool) {
    let cal = Calendar::with_default_closures();
    for row in rows {
        let raw = d(row.raw);
        let (got, skipped) = match (forward, row.closures) {
            (true, false) => cal.roll_forward(raw),
            (true, true) => cal.roll_forward_with_closures(raw),
            (false, false) => cal.roll_backward(raw),
            (false, true) => cal.roll_backward_with_closures(raw),
        };
        assert_eq!(
            got,
            d(row.expect),
            "{} ({}): {}",
            row.raw,
            row.rule,
            row.why
        );
        let moved = (got - raw).num_days().unsigned_abs() as usize;
        assert_eq!(
            skipped.len(),
            moved,
            "one reason per skipped day: {}",
            row.why
        );
    }
}

#[test]
fn roll_forward_table() {
    check_rolls(FORWARD_ROWS, true);
}

#[test]
fn roll_backward_table() {
    check_rolls(BACKWARD_ROWS, false);
}

const FIRST: i64 = 0; // 1990-01-01
const SPAN: i64 = 40541; // days from 1990-01-01 to 2100-12-31

fn day(offset: i64) -> NaiveDate {
    d("1990-01-01") + chrono::Duration::days(offset)
}

#[test]
fn max_forward_gap_by_brute_force() {
    let cal = Calendar::default();
    assert_eq!(day(SPAN), d("2100-12-31"));
    let largest = (FIRST..=SPAN)
        .map(|i| (cal.roll_forward(day(i)).0 - day(i)).num_days())
        .max();
    assert_eq!(largest, Some(MAX_FORWARD_GAP));
}

proptest! {
    #[test]
    fn rolled_forward_is_a_nearby_business_day(i in FIRST..=SPAN) {
        let cal = Calendar::with_default_closures();
        let (rolled, _) = cal.roll_forward(day(i));
        prop_assert!(cal.is_business_day(rolled));
        prop_assert!(rolled >= day(i));
        prop_assert!((rolled - day(i)).num_days() <= MAX_FORWARD_GAP);
        let (with_closures, _) = cal.roll_forward_with_closures(day(i));
        prop_assert!(with_closures >= rolled, "closures can only give a later date");
    }

    #[test]
    fn rolled_backward_is_an_earlier_business_day(i in FIRST..=SPAN) {
        let cal = Calendar::default();
        let (rolled, _) = cal.roll_backward(day(i));
        prop_assert!(cal.is_business_day(rolled));
        prop_assert!(rolled <= day(i));
    }
}
