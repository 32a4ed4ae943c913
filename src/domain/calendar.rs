//! Business days: the legal holidays of 5 U.S.C. 6103(a), weekends, closures by executive order, and
//! rolling a date to the next (or previous) business day, with the reasons for each day skipped.

use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::BTreeSet;

/// Years the domain is meant for: callers should refuse user dates outside them. Nothing here panics
/// beyond them; the holiday rules (the law as it stands since 2021) are applied to any year.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Largest number of days a forward roll (without closures) can move a date. The longest run of
/// 6103(a) non-business days is 3: a holiday observed on a Friday or a Monday next to the weekend
/// (e.g. Christmas on Saturday 2021-12-25 observed Friday 12-24, then Saturday and Sunday). No two
/// holidays fall on adjacent days (the closest, Christmas and New Year's Day, are a week apart;
/// Thanksgiving's Friday is not a holiday), so no run of 4 exists. Checked by brute force in tests.
pub const MAX_FORWARD_GAP: i64 = 3;

/// Closures of federal offices by executive order, as seed data (YYYY-MM-DD, reason). They are not
/// 6103(a) holidays: they never move a due date, they only produce an alternative date.
pub const DEFAULT_CLOSURES: &[(&str, &str)] = &[
    (
        "2018-12-05",
        "national day of mourning for President George H. W. Bush",
    ),
    ("2018-12-24", "Christmas Eve closure by executive order"),
    ("2019-12-24", "Christmas Eve closure by executive order"),
    ("2020-12-24", "Christmas Eve closure by executive order"),
    ("2024-12-24", "Christmas Eve closure by executive order"),
    (
        "2025-01-09",
        "national day of mourning for President Jimmy Carter",
    ),
    ("2025-12-24", "Christmas Eve closure by executive order"),
    (
        "2025-12-26",
        "day after Christmas closure by executive order",
    ),
];

/// One 6103(a) holiday: the day the statute names and the day it is observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    pub name: &'static str,
    pub actual: NaiveDate,
    pub observed: NaiveDate,
}

/// Why a day is not a business day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    Weekend,
    Holiday(Holiday),
    Closure,
}

/// A day passed over while rolling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    pub date: NaiveDate,
    pub reason: SkipReason,
}

/// `n`-th `weekday` of a month (n = 1..=5), or the last one when `n` is 0.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    if n > 0 {
        return NaiveDate::from_weekday_of_month_opt(year, month, weekday, n);
    }
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, 5)
        .or_else(|| NaiveDate::from_weekday_of_month_opt(year, month, weekday, 4))
}

/// Saturday holidays are observed the Friday before, Sunday ones the Monday after (5 U.S.C. 6103(b),
/// Executive Order 11582).
fn observed_day(actual: NaiveDate) -> Option<NaiveDate> {
    match actual.weekday() {
        Weekday::Sat => actual.pred_opt(),
        Weekday::Sun => actual.succ_opt(),
        _ => Some(actual),
    }
}

/// The holidays of 5 U.S.C. 6103(a) in `year` as (actual, observed, name); the observed day may fall in
/// the year before (New Year's Day on a Saturday). Inauguration Day (6103(c)) is left out on purpose:
/// it is a holiday only for federal employees in the Washington, DC area, not for courts or USCIS
/// nationally. Correct for 1990..=2100 (every holiday here existed by 1986, Juneteenth from 2021).
pub fn federal_holidays(year: i32) -> Vec<(NaiveDate, NaiveDate, &'static str)> {
    use Weekday::{Mon, Thu};
    let fixed = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let juneteenth = if year >= 2021 { fixed(6, 19) } else { None };
    let days = [
        (fixed(1, 1), "New Year's Day"),
        (
            nth_weekday(year, 1, Mon, 3),
            "Birthday of Martin Luther King, Jr.",
        ),
        (nth_weekday(year, 2, Mon, 3), "Washington's Birthday"),
        (nth_weekday(year, 5, Mon, 0), "Memorial Day"),
        (juneteenth, "Juneteenth National Independence Day"),
        (fixed(7, 4), "Independence Day"),
        (nth_weekday(year, 9, Mon, 1), "Labor Day"),
        (nth_weekday(year, 10, Mon, 2), "Columbus Day"),
        (fixed(11, 11), "Veterans Day"),
        (nth_weekday(year, 11, Thu, 4), "Thanksgiving Day"),
        (fixed(12, 25), "Christmas Day"),
    ];
    days.into_iter()
        .filter_map(|(day, name)| {
            let actual = day?;
            Some((actual, observed_day(actual)?, name))
        })
        .collect()
}

/// The 6103(a) holiday that `d` is, either as the named day or as its observed day. Both count: the
/// observed Friday/Monday is a non-business day, and the named Saturday/Sunday is one anyway.
pub fn legal_holiday(d: NaiveDate) -> Option<Holiday> {
    // The next year's New Year's Day can be observed on December 31 of this year.
    [d.year(), d.year().saturating_add(1)]
        .into_iter()
        .flat_map(federal_holidays)
        .find(|&(actual, observed, _)| actual == d || observed == d)
        .map(|(actual, observed, name)| Holiday {
            name,
            actual,
            observed,
        })
}

pub fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// English weekday name, for explanations.
pub fn weekday_name(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// "Monday 2023-10-16".
pub fn day_label(d: NaiveDate) -> String {
    format!("{} {}", weekday_name(d), d.format("%Y-%m-%d"))
}

/// Holidays come from the law; closures by executive order are data the caller supplies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    closures: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn new(closures: impl IntoIterator<Item = NaiveDate>) -> Self {
        Calendar {
            closures: closures.into_iter().collect(),
        }
    }

    /// A calendar seeded with [`DEFAULT_CLOSURES`].
    pub fn with_default_closures() -> Self {
        Self::new(
            DEFAULT_CLOSURES
                .iter()
                .filter_map(|(day, _)| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()),
        )
    }

    pub fn closures(&self) -> &BTreeSet<NaiveDate> {
        &self.closures
    }

    pub fn is_closure(&self, d: NaiveDate) -> bool {
        self.closures.contains(&d)
    }

    /// Name of the 6103(a) holiday on `d` (named or observed day), see [`legal_holiday`].
    pub fn is_legal_holiday(&self, d: NaiveDate) -> Option<&'static str> {
        legal_holiday(d).map(|h| h.name)
    }

    /// Why `d` is not a business day, or `None` if it is one. The weekend wins over a holiday named
    /// on a Saturday or Sunday, so explanations say what actually moved the date.
    pub fn non_business_reason(&self, d: NaiveDate, with_closures: bool) -> Option<SkipReason> {
        if is_weekend(d) {
            Some(SkipReason::Weekend)
        } else if let Some(h) = legal_holiday(d) {
            Some(SkipReason::Holiday(h))
        } else if with_closures && self.is_closure(d) {
            Some(SkipReason::Closure)
        } else {
            None
        }
    }

    /// Not a weekend and not a 6103(a) holiday; closures are ignored here (they never move due dates).
    pub fn is_business_day(&self, d: NaiveDate) -> bool {
        self.non_business_reason(d, false).is_none()
    }

    /// Like [`Calendar::is_business_day`], but closures count as non-business days too.
    pub fn is_business_day_with_closures(&self, d: NaiveDate) -> bool {
        self.non_business_reason(d, true).is_none()
    }

    /// The first business day on or after `d`, with each day skipped. Only ever moves forward, so an
    /// observed Friday holiday can never pull a Saturday date back.
    pub fn roll_forward(&self, d: NaiveDate) -> (NaiveDate, Vec<Skipped>) {
        self.roll(d, false, NaiveDate::succ_opt)
    }

    /// The last business day on or before `d`, with each day skipped.
    pub fn roll_backward(&self, d: NaiveDate) -> (NaiveDate, Vec<Skipped>) {
        self.roll(d, false, NaiveDate::pred_opt)
    }

    /// [`Calendar::roll_forward`] treating closures as non-business days (for `alternative_due_on`).
    pub fn roll_forward_with_closures(&self, d: NaiveDate) -> (NaiveDate, Vec<Skipped>) {
        self.roll(d, true, NaiveDate::succ_opt)
    }

    /// [`Calendar::roll_backward`] treating closures as non-business days.
    pub fn roll_backward_with_closures(&self, d: NaiveDate) -> (NaiveDate, Vec<Skipped>) {
        self.roll(d, true, NaiveDate::pred_opt)
    }

    fn roll(
        &self,
        mut d: NaiveDate,
        with_closures: bool,
        step: fn(&NaiveDate) -> Option<NaiveDate>,
    ) -> (NaiveDate, Vec<Skipped>) {
        let mut skipped = Vec::new();
        while let Some(reason) = self.non_business_reason(d, with_closures) {
            // Only at chrono's date limits (year ±262143) can there be no next day; stop there.
            let Some(next) = step(&d) else { break };
            skipped.push(Skipped { date: d, reason });
            d = next;
        }
        (d, skipped)
    }
}

/// The reasons for a roll as one clause, e.g. "the last day fell on a weekend and Monday 2024-09-02
/// is Labor Day". `first_weekend` is the wording used when the roll starts on a weekend.
pub fn describe_skips(skipped: &[Skipped], first_weekend: &str) -> String {
    let mut clauses: Vec<String> = Vec::new();
    let mut i = 0;
    while i < skipped.len() {
        let s = skipped[i];
        match s.reason {
            SkipReason::Weekend => {
                let run: Vec<String> = skipped[i..]
                    .iter()
                    .take_while(|x| x.reason == SkipReason::Weekend)
                    .map(|x| day_label(x.date))
                    .collect();
                clauses.push(if i == 0 {
                    first_weekend.to_string()
                } else if run.len() == 1 {
                    format!("{} is a weekend day", run[0])
                } else {
                    format!("{} are weekend days", run.join(" and "))
                });
                i += run.len();
                continue;
            }
            SkipReason::Holiday(h) if h.actual == s.date => {
                clauses.push(format!("{} is {}", day_label(s.date), h.name));
            }
            SkipReason::Holiday(h) => clauses.push(format!(
                "{} is the observed {} (which falls on {})",
                day_label(s.date),
                h.name,
                day_label(h.actual)
            )),
            SkipReason::Closure => clauses.push(format!(
                "{} is a closure of federal offices by executive order",
                day_label(s.date)
            )),
        }
        i += 1;
    }
    join_clauses(&clauses)
}

/// "a", "a and b", "a, b and c".
fn join_clauses(clauses: &[String]) -> String {
    match clauses {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}
