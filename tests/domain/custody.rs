//! Custody rules: `bond_appeal` (8 CFR 1003.19(f), 1236.1(d)(3), 1003.38(b): 30 days from the IJ's
//! bond decision, rolled forward) and `zadvydas_review` (INA 241(a)(1)(B); 8 CFR 241.4(k)(1)(i),
//! 241.13; Zadvydas v. Davis, 533 U.S. 678 (2001): removal-period start + 180 days, an earliest
//! date), with invariants over many dates.

use super::d;
use asylum_tracker::domain::calendar::Calendar;
use asylum_tracker::domain::deadlines::{
    bond_appeal, compute, final_order_on, status, zadvydas_review, Authority as A, CaseFacts,
    CustodyFact, DeadlineKind as K, DeadlineStatus, DecisionFact, DecisionKind as Dk, EadWaits,
    FilingFact, FilingStatus, Form,
};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

fn period(detained: &str, released: Option<&str>, decided: Option<&str>) -> CustodyFact {
    CustodyFact {
        id: "p1".into(),
        detained_on: d(detained),
        released_on: released.map(d),
        bond_decided_on: decided.map(d),
        bond_appeal_filed_on: None,
    }
}

fn decision(id: &str, kind: Dk, by: A, on: &str, waived: bool) -> DecisionFact {
    DecisionFact {
        id: id.into(),
        kind,
        authority: by,
        decided_on: d(on),
        voluntary_departure_days: None,
        appeal_waived: waived,
    }
}

fn eoir26(on: &str) -> FilingFact {
    FilingFact {
        id: "f1".into(),
        form: Form::Eoir26,
        filed_on: d(on),
        approved_on: None,
        valid_until: None,
        status: FilingStatus::Pending,
    }
}

/// (bond decided on, due, why): 8 CFR 1003.38(b) via 1003.19(f): 30 days, rolled forward past
/// weekends and 5 U.S.C. 6103(a) holidays.
#[rustfmt::skip]
const BOND_APPEALS: &[(&str, &str, &str)] = &[
    ("2026-03-02", "2026-04-01", "30 days later is a Wednesday"),
    ("2025-06-05", "2025-07-07", "Saturday 2025-07-05, after Independence Day (Friday): Monday"),
    ("2026-10-12", "2026-11-12", "Veterans Day (Wednesday 2026-11-11): the next day"),
    ("2026-11-29", "2026-12-29", "a Tuesday"),
    ("2026-08-08", "2026-09-08", "Monday 2026-09-07 is Labor Day: Tuesday"),
];

#[test]
fn a_bond_appeal_is_due_30_days_after_the_decision_rolled_forward() {
    let cal = Calendar::with_default_closures();
    for (decided, due, why) in BOND_APPEALS {
        let row = bond_appeal(&period("2025-01-01", None, Some(decided)), &cal).expect(why);
        assert_eq!(row.due_on, d(due), "{decided}: {why}");
        assert_eq!(row.kind, K::BondAppeal);
        assert_eq!(row.trigger, "custody:p1");
        assert_eq!(row.rule, "8 CFR 1003.19(f), 1236.1(d)(3), 1003.38(b)");
        assert!(row.explanation.contains(decided), "{}", row.explanation);
    }
    assert_eq!(
        bond_appeal(&period("2025-01-01", None, None), &cal),
        None,
        "no decision"
    );
}

#[test]
fn a_bond_appeal_is_met_by_an_appeal_filed_in_time_only() {
    let cal = Calendar::with_default_closures();
    let mut p = period("2026-01-05", None, Some("2026-03-02"));
    for (filed, met) in [
        ("2026-03-02", true),  // the day of the decision counts
        ("2026-04-01", true),  // the last day
        ("2026-04-02", false), // late
        ("2026-03-01", false), // before the decision: not an appeal of it
    ] {
        p.bond_appeal_filed_on = Some(d(filed));
        let row = bond_appeal(&p, &cal).unwrap();
        assert_eq!(row.met_on.is_some(), met, "{filed}");
    }
}

/// (decisions, EOIR-26 filed, final on, why).
type FinalRow = (
    Vec<DecisionFact>,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

/// When the order became administratively final (8 CFR 1241.1).
#[test]
fn the_removal_order_is_final_as_the_record_shows() {
    let cal = Calendar::with_default_closures();
    let ij = |kind, on, waived| decision("ij", kind, A::ImmigrationJudge, on, waived);
    let bia = |kind, on| decision("bia", kind, A::Bia, on, false);
    #[rustfmt::skip]
    let rows: Vec<FinalRow> = vec![
        (vec![ij(Dk::RemovalOrdered, "2026-01-10", true)], None, Some("2026-01-10"),
         "IJ order, appeal waived: final that day (8 CFR 1241.1(b))"),
        (vec![ij(Dk::RemovalOrdered, "2026-03-02", false)], None, Some("2026-04-01"),
         "not appealed: final when the time to appeal runs out (8 CFR 1241.1(c)), its last day"),
        (vec![ij(Dk::Denied, "2026-03-02", false)], Some("2026-03-20"), None,
         "appealed in time: not final"),
        (vec![ij(Dk::Denied, "2026-03-02", false), bia(Dk::AppealDismissed, "2026-09-01")],
         Some("2026-03-20"), Some("2026-09-01"), "BIA dismissal: final that day (8 CFR 1241.1(a))"),
        (vec![ij(Dk::Denied, "2026-03-02", false), bia(Dk::Remanded, "2026-09-01")],
         Some("2026-03-20"), None, "remanded: no final order"),
        (vec![ij(Dk::AsylumGranted, "2026-03-02", false)], None, None, "a grant is no removal order"),
        (vec![], None, None, "no decision"),
    ];
    for (decisions, filed, want, why) in rows {
        let facts = CaseFacts {
            decisions,
            filings: filed.map(eoir26).into_iter().collect(),
            ..CaseFacts::default()
        };
        assert_eq!(final_order_on(&facts, &cal), want.map(d), "{why}");
    }
}

/// (detained on, final order on, review due, why): removal-period start + 180 days, never
/// rolled (an earliest date: rolling would delay the client).
#[rustfmt::skip]
const REVIEWS: &[(&str, &str, &str, &str)] = &[
    ("2025-12-01", "2026-01-10", "2026-07-09", "detained before the order: from the order"),
    ("2026-02-01", "2026-01-10", "2026-07-31", "detained after the order: from the detention"),
    ("2026-01-10", "2026-01-10", "2026-07-09", "the same day"),
    ("2026-01-04", "2026-01-04", "2026-07-03", "Friday 2026-07-03, Independence Day observed: not rolled"),
    ("2026-01-05", "2026-01-05", "2026-07-04", "Independence Day, a Saturday: not rolled"),
    ("2026-01-06", "2026-01-06", "2026-07-05", "a Sunday: not rolled"),
];

#[test]
fn the_zadvydas_review_is_180_days_after_the_removal_period_began_never_rolled() {
    let cal = Calendar::with_default_closures();
    for (detained, final_on, due, why) in REVIEWS {
        let facts = CaseFacts {
            decisions: vec![decision(
                "ij",
                Dk::RemovalOrdered,
                A::ImmigrationJudge,
                final_on,
                true,
            )],
            custody: vec![period(detained, None, None)],
            ..CaseFacts::default()
        };
        let row = zadvydas_review(&facts, &facts.custody[0], &cal).expect(why);
        assert_eq!(row.due_on, d(due), "{why}");
        assert_eq!(row.kind, K::ZadvydasReview);
        assert_eq!(row.trigger, "custody:p1");
        assert!(row.rule.contains("8 CFR 241.13") && row.rule.contains("533 U.S. 678 (2001)"));
        assert_eq!(row.alternative_due_on, None);
        // An earliest date: open however long ago.
        assert_eq!(
            status(row.due_on, None, false, d("2030-01-01"), row.kind),
            DeadlineStatus::Open
        );
    }
}

#[test]
fn no_zadvydas_review_when_released_or_without_a_final_order() {
    let cal = Calendar::with_default_closures();
    let order = decision(
        "ij",
        Dk::RemovalOrdered,
        A::ImmigrationJudge,
        "2026-01-10",
        true,
    );
    let released = CaseFacts {
        decisions: vec![order],
        custody: vec![period("2025-12-01", Some("2026-03-01"), None)],
        ..CaseFacts::default()
    };
    assert_eq!(zadvydas_review(&released, &released.custody[0], &cal), None);
    let no_order = CaseFacts {
        custody: vec![period("2025-12-01", None, None)],
        ..CaseFacts::default()
    };
    assert_eq!(zadvydas_review(&no_order, &no_order.custody[0], &cal), None);
    let all = compute(&released, &cal, &EadWaits::default());
    assert!(all.iter().all(|r| r.kind != K::ZadvydasReview), "{all:?}");
}

fn day(i: u32) -> NaiveDate {
    d("2015-01-01") + Days::new(u64::from(i))
}

proptest! {
    /// Whatever the bond decision date: the appeal is due on a business day, no earlier than 30
    /// days after the decision and at most four days later (a weekend next to a holiday).
    #[test]
    fn a_bond_appeal_falls_on_a_business_day_30_days_or_a_little_more_later(decided in 0u32..5000) {
        let cal = Calendar::with_default_closures();
        let on = day(decided);
        let p = CustodyFact { id: "p".into(), detained_on: on, released_on: None,
                              bond_decided_on: Some(on), bond_appeal_filed_on: None };
        let row = bond_appeal(&p, &cal).unwrap();
        let raw = on + Days::new(30);
        prop_assert!(cal.is_business_day(row.due_on));
        prop_assert!(row.due_on >= raw && row.due_on <= raw + Days::new(4));
    }

    /// Whatever the detention and order dates: while detained under a final order, the review is
    /// exactly 180 days after the later of the two, so never before the order + 180 days.
    #[test]
    fn the_zadvydas_review_is_never_before_the_order_plus_180(detained in 0u32..5000, order in 0u32..5000) {
        let cal = Calendar::with_default_closures();
        let facts = CaseFacts {
            decisions: vec![DecisionFact { id: "b".into(), kind: Dk::AppealDismissed,
                authority: A::Bia, decided_on: day(order), voluntary_departure_days: None,
                appeal_waived: false }],
            custody: vec![CustodyFact { id: "p".into(), detained_on: day(detained),
                released_on: None, bond_decided_on: None, bond_appeal_filed_on: None }],
            ..CaseFacts::default()
        };
        let row = zadvydas_review(&facts, &facts.custody[0], &cal).unwrap();
        prop_assert_eq!(row.due_on, day(detained).max(day(order)) + Days::new(180));
        prop_assert!(row.due_on >= day(order) + Days::new(180));
    }
}
