//! A child's 21st birthday and `derivative_age_out` (INA 208(b)(3)(B), the Child Status
//! Protection Act; INA 101(b)(1)): the birthday as the counting conventions read it, an
//! explanation that names no one, and invariants over many birth and filing dates.

use super::d;
use asylum_tracker::domain::calendar::Calendar;
use asylum_tracker::domain::deadlines::{
    compute, status, turns_21_on, CaseFacts, DeadlineKind as K, DeadlineStatus, EadWaits,
    FamilyFact, FilingFact, FilingStatus, Form, Relationship,
};
use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;

/// (born, turns 21 on, why): the calendar anniversary; Feb 29 read as Feb 28 of the common year
/// (DOMAIN.md, "Counting conventions": the earlier, safer reading).
#[rustfmt::skip]
const BIRTHDAYS: &[(&str, &str, &str)] = &[
    ("2006-05-10", "2027-05-10", "the calendar anniversary"),
    ("2004-02-29", "2025-02-28", "Feb 29: Feb 28, the earlier reading (the 21st anniversary is always in a common year)"),
    ("2008-02-29", "2029-02-28", "Feb 29 again"),
    ("2005-02-28", "2026-02-28", "Feb 28 stays Feb 28"),
    ("2004-03-01", "2025-03-01", "Mar 1 stays Mar 1"),
    ("2005-12-31", "2026-12-31", "year end"),
];

#[test]
fn the_21st_birthday_is_the_calendar_anniversary() {
    for (born, turns, why) in BIRTHDAYS {
        assert_eq!(turns_21_on(d(born)), Some(d(turns)), "{born}: {why}");
    }
}

fn facts(relationship: Relationship, born: &str) -> CaseFacts {
    CaseFacts {
        family: vec![FamilyFact {
            id: "m1".into(),
            relationship,
            date_of_birth: Some(d(born)),
        }],
        ..CaseFacts::default()
    }
}

/// Reminder e-mails and calendar feeds carry the explanation: it must give no date of birth, no
/// birthday and no identity, only the due date (which a reminder shows anyway) and the rule.
#[test]
fn the_explanation_names_no_one_and_no_birthday() {
    let all = compute(
        &facts(Relationship::Child, "2006-05-10"),
        &Calendar::with_default_closures(),
        &EadWaits::default(),
    );
    let [row] = all.as_slice() else {
        panic!("one row: {all:?}")
    };
    assert_eq!(row.kind, K::DerivativeAgeOut);
    assert_eq!(row.trigger, "family:m1");
    assert_eq!(
        row.explanation,
        "Sunday 2027-05-09 is the last day to file the I-589 while a child on the case is under 21 and so stays a derivative (the child turns 21 the next day), not moved for weekends or holidays because a birthday does not move (INA 208(b)(3)(B); INA 101(b)(1))."
    );
    for leak in ["2006", "05-10", "m1"] {
        assert!(!row.explanation.contains(leak), "{leak} in the explanation");
    }
    assert_eq!(
        row.alternative_due_on, None,
        "closures do not move a birthday"
    );
}

fn day(i: u32) -> NaiveDate {
    d("1990-01-01") + Days::new(u64::from(i))
}

proptest! {
    /// Whatever the birth date and the calendar: due the day before the 21st birthday, never
    /// moved for weekends, holidays or closures; met exactly when an I-589 was filed (not
    /// rejected) on or before that day, and then met whatever today is; otherwise open or
    /// missed, never met by a late or rejected filing.
    #[test]
    fn due_the_day_before_the_21st_birthday_and_met_only_by_an_i589_in_time(
        born in 0u32..20_000,
        // The I-589 is filed this many days from the 21st birthday (none: not filed); half the
        // time within 3 days of it, so that the day before, the day itself and the days around
        // are all tried often.
        filed in proptest::option::of(prop_oneof![-3i64..4, -800i64..800]),
        rejected in any::<bool>(),
        today in -800i64..800,
    ) {
        let born = day(born);
        // The oracle: the same month and day 21 years on, Feb 29 read as Feb 28.
        let birthday = born
            .with_year(born.year() + 21)
            .or_else(|| NaiveDate::from_ymd_opt(born.year() + 21, 2, 28))
            .expect("a date");
        let from_birthday = |n: i64| birthday + chrono::Duration::days(n);
        let mut case = facts(Relationship::Child, &born.to_string());
        if let Some(n) = filed {
            case.filings.push(FilingFact {
                id: "a".into(),
                form: Form::I589,
                filed_on: from_birthday(n),
                approved_on: None,
                valid_until: None,
                status: if rejected { FilingStatus::Rejected } else { FilingStatus::Pending },
            });
        }
        let waits = EadWaits::default();
        let with_closures = compute(&case, &Calendar::with_default_closures(), &waits);
        let plain = compute(&case, &Calendar::default(), &waits);
        let age_out = |all: &[asylum_tracker::domain::deadlines::ComputedDeadline]| {
            all.iter().find(|c| c.kind == K::DerivativeAgeOut).cloned()
        };
        let row = age_out(&with_closures).expect("a child with a date of birth has a row");
        prop_assert_eq!(Some(row.clone()), age_out(&plain), "the calendar changes nothing");
        prop_assert_eq!(row.due_on, birthday - Days::new(1), "the day before, never moved");
        prop_assert_eq!(turns_21_on(born), Some(birthday));
        prop_assert_eq!(row.alternative_due_on, None);
        let in_time = filed.filter(|&n| !rejected && n < 0).map(from_birthday);
        prop_assert_eq!(row.met_on, in_time);
        let st = status(row.due_on, row.met_on, false, from_birthday(today), row.kind);
        if in_time.is_some() {
            prop_assert_eq!(st, DeadlineStatus::Met);
        } else {
            prop_assert_ne!(st, DeadlineStatus::Met);
        }
    }

    /// A spouse, whatever the date of birth, has no age-out row.
    #[test]
    fn a_spouse_never_ages_out(born in 0u32..20_000) {
        let all = compute(
            &facts(Relationship::Spouse, &day(born).to_string()),
            &Calendar::default(),
            &EadWaits::default(),
        );
        prop_assert!(all.iter().all(|c| c.kind != K::DerivativeAgeOut));
    }
}
