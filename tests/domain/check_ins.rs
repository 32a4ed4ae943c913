//! ICE check-ins under Orders of Supervision (INA 241(a)(3); 8 CFR 241.5(a)): each table row
//! cites the rule; the expected dates were counted by hand on a 2026 calendar.

use super::d;
use asylum_tracker::domain::calendar::Calendar;
use asylum_tracker::domain::deadlines::{
    check_ins, CaseFacts, ComputedDeadline, HearingFact, HearingKind, HearingOutcome,
    SupervisionFact,
};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

fn order(id: &str, on: &str, interval: u32, ended: Option<&str>) -> SupervisionFact {
    SupervisionFact {
        id: id.into(),
        ordered_on: d(on),
        interval_days: interval,
        ended_on: ended.map(d),
    }
}

fn visit(id: &str, on: &str, outcome: Option<HearingOutcome>) -> HearingFact {
    HearingFact {
        id: id.into(),
        kind: HearingKind::IceCheckIn,
        on: d(on),
        cancelled: outcome == Some(HearingOutcome::Cancelled),
        outcome,
    }
}

fn rows(orders: Vec<SupervisionFact>, visits: Vec<HearingFact>) -> Vec<ComputedDeadline> {
    let facts = CaseFacts {
        supervision: orders,
        hearings: visits,
        ..CaseFacts::default()
    };
    check_ins(&facts, &Calendar::default())
}

/// (trigger, due, met on) of each row.
fn summary(rows: &[ComputedDeadline]) -> Vec<(String, NaiveDate, Option<NaiveDate>)> {
    rows.iter()
        .map(|r| (r.trigger.clone(), r.due_on, r.met_on))
        .collect()
}

use HearingOutcome::{Cancelled, Held, NoShow};

#[test]
fn check_in_table() {
    type Row = (
        &'static str,
        Vec<SupervisionFact>,
        Vec<HearingFact>,
        Vec<(&'static str, &'static str, Option<&'static str>)>,
    );
    let table: Vec<Row> = vec![
        (
            "8 CFR 241.5(a)(1): 90 days after the order is Sun 2026-04-05; reporting early is never late: Fri 04-03",
            vec![order("o", "2026-01-05", 90, None)],
            vec![],
            vec![("supervision:o:after:2026-01-05", "2026-04-03", None)],
        ),
        (
            "a held check-in is met on its day, and the next is planned from it (Sun 06-28 -> Fri 06-26)",
            vec![order("o", "2026-01-05", 90, None)],
            vec![visit("v", "2026-03-30", Some(Held))],
            vec![
                ("hearing:v", "2026-03-30", Some("2026-03-30")),
                ("supervision:o:after:2026-03-30", "2026-06-26", None),
            ],
        ),
        (
            "the officer's date replaces the plan: the scheduled check-in is the only row",
            vec![order("o", "2026-01-05", 90, None)],
            vec![visit("v", "2026-04-02", None)],
            vec![("hearing:v", "2026-04-02", None)],
        ),
        (
            "a no-show stays unmet (missed once its day passes) and nothing is planned past it",
            vec![order("o", "2026-01-05", 90, None)],
            vec![visit("v", "2026-04-02", Some(NoShow))],
            vec![("hearing:v", "2026-04-02", None)],
        ),
        (
            "a cancelled check-in is no check-in: planned from the order again",
            vec![order("o", "2026-01-05", 90, None)],
            vec![visit("v", "2026-04-02", Some(Cancelled))],
            vec![("supervision:o:after:2026-01-05", "2026-04-03", None)],
        ),
        (
            "an order that ended plans nothing after its end, and later check-ins are not its own",
            vec![order("o", "2026-01-05", 90, Some("2026-02-01"))],
            vec![visit("v", "2026-03-01", Some(Held))],
            vec![],
        ),
        (
            "a new order takes over from its date: the old one plans nothing past it",
            vec![
                order("o1", "2026-01-05", 90, None),
                order("o2", "2026-02-02", 30, None),
            ],
            vec![visit("v", "2026-01-20", Some(Held))],
            vec![
                ("hearing:v", "2026-01-20", Some("2026-01-20")),
                ("supervision:o2:after:2026-02-02", "2026-03-04", None),
            ],
        ),
        (
            "90 days after 2026-04-05 is Sat 07-04; Fri 07-03 is Independence Day observed: Thu 07-02",
            vec![order("o", "2026-04-05", 90, None)],
            vec![],
            vec![("supervision:o:after:2026-04-05", "2026-07-02", None)],
        ),
    ];
    for (why, orders, visits, want) in table {
        let got = rows(orders, visits);
        let want: Vec<(String, NaiveDate, Option<NaiveDate>)> = want
            .into_iter()
            .map(|(t, due, met)| (t.to_string(), d(due), met.map(d)))
            .collect();
        assert_eq!(summary(&got), want, "{why}");
        for r in &got {
            assert_eq!(r.rule, "INA 241(a)(3); 8 CFR 241.5(a)", "{why}");
        }
    }
}

#[test]
fn explanations_say_where_the_date_comes_from() {
    let got = rows(vec![order("o", "2026-01-05", 90, None)], vec![]);
    assert_eq!(
        got[0].explanation,
        "90 days (the order's reporting interval) after the Order of Supervision of \
         Monday 2026-01-05 is Sunday 2026-04-05; planned for the previous business day, \
         Friday 2026-04-03, because it fell on a weekend (INA 241(a)(3); 8 CFR 241.5(a)); \
         schedule the date the officer gives."
    );
}

proptest! {
    /// Whatever the order and the check-ins: every planned date is a business day no later than
    /// the interval allows and inside the order's time in force, triggers are unique, and at most
    /// one check-in is planned per order.
    #[test]
    fn planned_check_ins_are_early_business_days(
        start in 0u64..3000,
        interval in 1u32..367,
        held in proptest::collection::vec(0u64..400, 0..6),
        ended in proptest::option::of(0u64..500),
    ) {
        let base = d("2024-01-01");
        let on = |n: u64| base.checked_add_days(Days::new(start + n)).unwrap();
        let o = SupervisionFact {
            id: "o".into(),
            ordered_on: on(0),
            interval_days: interval,
            ended_on: ended.map(on),
        };
        let visits: Vec<HearingFact> = held
            .iter()
            .enumerate()
            .map(|(i, n)| HearingFact {
                id: format!("v{i}"),
                kind: HearingKind::IceCheckIn,
                on: on(*n),
                cancelled: false,
                outcome: Some(Held),
            })
            .collect();
        let cal = Calendar::default();
        let got = check_ins(
            &CaseFacts { supervision: vec![o.clone()], hearings: visits.clone(), ..CaseFacts::default() },
            &cal,
        );
        let mut triggers: Vec<&str> = got.iter().map(|r| r.trigger.as_str()).collect();
        triggers.sort();
        triggers.dedup();
        prop_assert_eq!(triggers.len(), got.len());
        let planned: Vec<&ComputedDeadline> =
            got.iter().filter(|r| r.trigger.starts_with("supervision:")).collect();
        prop_assert!(planned.len() <= 1);
        let last = visits
            .iter()
            .map(|v| v.on)
            .filter(|v| *v >= o.ordered_on && o.ended_on.is_none_or(|e| *v <= e))
            .max()
            .unwrap_or(o.ordered_on);
        for p in planned {
            prop_assert!(cal.is_business_day(p.due_on));
            prop_assert!(p.due_on <= last.checked_add_days(Days::new(interval.into())).unwrap());
            prop_assert!(p.due_on >= o.ordered_on);
            prop_assert!(o.ended_on.is_none_or(|e| p.due_on <= e));
            prop_assert!(p.met_on.is_none());
        }
        // Every held check-in in force is met on its own day.
        for r in got.iter().filter(|r| r.trigger.starts_with("hearing:")) {
            prop_assert_eq!(r.met_on, Some(r.due_on));
        }
    }
}
