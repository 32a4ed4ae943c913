//! Computed deadlines (DOMAIN.md's table): one pure function per kind from a case's facts, each with
//! its citation, a one-sentence explanation, an alternative date for closures, and whether it is met.

use super::calendar::{day_label, describe_skips, Calendar};
use super::ead_clock::ead_clock;
pub use super::ead_clock::{ClockEvent as ClockEventFact, ClockKind, EadWaits};
use std::collections::HashSet;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use DeadlineKind::*;

pub use super::vocab::{
    Authority, DeadlineKind, DeadlineStatus, DecisionKind, FilingStatus, Form, HearingKind,
    HearingOutcome, Relationship,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingFact {
    pub id: String,
    pub form: Form,
    pub filed_on: NaiveDate,
    pub approved_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub status: FilingStatus,
}

impl FilingFact {
    /// Whether the filing counts as filed: a rejected (returned, incomplete) application does
    /// not (DOMAIN.md, "The EAD clock": "A rejected, incomplete application does not start it";
    /// 8 CFR 208.3(c)(3)). Every rule on filings reads only filed ones.
    pub fn is_filed(&self) -> bool {
        self.status != FilingStatus::Rejected
    }
}

/// The I-589 that starts the asylum EAD clock: the earliest one filed and not rejected.
pub fn clock_filing(filings: &[FilingFact]) -> Option<&FilingFact> {
    filings
        .iter()
        .filter(|f| f.form == Form::I589 && f.is_filed())
        .min_by(|a, b| (a.filed_on, &a.id).cmp(&(b.filed_on, &b.id)))
}

/// The date the asylum EAD clock starts, if it has (see [`clock_filing`]).
pub fn clock_start(filings: &[FilingFact]) -> Option<NaiveDate> {
    clock_filing(filings).map(|f| f.filed_on)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HearingFact {
    pub id: String,
    pub kind: HearingKind,
    /// The local date at the court or office.
    pub on: NaiveDate,
    pub cancelled: bool,
    /// What happened, once recorded (`cancelled` mirrors the `Cancelled` outcome).
    pub outcome: Option<HearingOutcome>,
}

/// An Order of Supervision (Form I-220B; INA 241(a)(3), 8 CFR 241.5): reporting to an ICE field
/// office every `interval_days` from `ordered_on` until it ends (if it does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionFact {
    pub id: String,
    pub ordered_on: NaiveDate,
    pub interval_days: u32,
    pub ended_on: Option<NaiveDate>,
}

/// A period in immigration detention: open (the client is detained) while `released_on` is none.
/// `bond_decided_on` is the day of an immigration judge's custody redetermination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyFact {
    pub id: String,
    pub detained_on: NaiveDate,
    pub released_on: Option<NaiveDate>,
    pub bond_decided_on: Option<NaiveDate>,
    pub bond_appeal_filed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionFact {
    pub id: String,
    pub kind: DecisionKind,
    pub authority: Authority,
    pub decided_on: NaiveDate,
    pub voluntary_departure_days: Option<u32>,
    pub appeal_waived: bool,
}

/// A spouse or child recorded on the case (one not removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyFact {
    pub id: String,
    pub relationship: Relationship,
    pub date_of_birth: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub last_arrival_on: Option<NaiveDate>,
    pub filings: Vec<FilingFact>,
    pub clock_events: Vec<ClockEventFact>,
    pub hearings: Vec<HearingFact>,
    /// In the order recorded (by date, then entry): the first of a day names that day's deadlines.
    pub decisions: Vec<DecisionFact>,
    /// Orders of Supervision, in any order.
    pub supervision: Vec<SupervisionFact>,
    /// The spouse and children on the case, as recorded.
    pub family: Vec<FamilyFact>,
    /// Periods in immigration detention, in any order.
    pub custody: Vec<CustodyFact>,
}

/// One computed deadline. `(kind, trigger)` is unique within a case and stable across recomputes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputedDeadline {
    pub kind: DeadlineKind,
    /// "arrival", "filing:<id>", "hearing:<id>", "decision:<id>", "family:<id>" or "custody:<id>".
    pub trigger: String,
    pub due_on: NaiveDate,
    pub rule: String,
    pub explanation: String,
    pub alternative_due_on: Option<NaiveDate>,
    pub alternative_reason: Option<String>,
    pub met_on: Option<NaiveDate>,
}

/// Every computed deadline of a case, soonest first.
pub fn compute(facts: &CaseFacts, cal: &Calendar, waits: &EadWaits) -> Vec<ComputedDeadline> {
    let mut out: Vec<ComputedDeadline> = [one_year_filing(facts, cal)]
        .into_iter()
        .chain(ead_earliest_dates(facts, waits))
        .flatten()
        .collect();
    // One deadline per rule and decision date (8 CFR 1003.38(b): the appeal is from the day's
    // decision, however many adverse rulings it holds): the first decision recorded that day
    // names it, so a later one that day changes nothing.
    let mut seen: HashSet<(&'static str, String, NaiveDate)> = HashSet::new();
    for d in &facts.decisions {
        let rows = [
            BiaAppeal,
            MotionToReconsider,
            MotionToReopen,
            PetitionForReview,
        ]
        .into_iter()
        .filter_map(|kind| decision_deadline(facts, d, cal, kind))
        .chain(voluntary_departure(d, cal));
        for row in rows {
            if seen.insert((row.kind.as_str(), row.rule.clone(), d.decided_on)) {
                out.push(row);
            }
        }
    }
    out.extend(
        facts
            .filings
            .iter()
            .filter_map(|f| ead_renewal_window(facts, f)),
    );
    out.extend(
        facts
            .hearings
            .iter()
            .filter_map(|h| pre_hearing_filing(h, cal)),
    );
    out.extend(check_ins(facts, cal));
    out.extend(
        facts
            .family
            .iter()
            .filter_map(|m| derivative_age_out(facts, m)),
    );
    for c in &facts.custody {
        out.extend(bond_appeal(c, cal));
        out.extend(zadvydas_review(facts, c, cal));
    }
    out.sort_by(|a, b| {
        (a.due_on, a.kind.as_str(), &a.trigger).cmp(&(b.due_on, b.kind.as_str(), &b.trigger))
    });
    out
}

/// Waived wins, then met; an open deadline is missed once `today` is after its day, except the
/// earliest-date kinds, which are permissions, not obligations, and so stay open.
pub fn status(
    due_on: NaiveDate,
    met_on: Option<NaiveDate>,
    waived: bool,
    today: NaiveDate,
    kind: DeadlineKind,
) -> DeadlineStatus {
    if waived {
        DeadlineStatus::Waived
    } else if met_on.is_some() {
        DeadlineStatus::Met
    } else if today > due_on && !kind.is_earliest_date() {
        DeadlineStatus::Missed
    } else {
        DeadlineStatus::Open
    }
}

/// The anniversary of the last arrival (Feb 29 → Feb 28), rolled forward. Met by an I-589 filed on
/// or after that arrival (one filed before it belongs to an earlier stay) and by the due date.
pub fn one_year_filing(facts: &CaseFacts, cal: &Calendar) -> Option<ComputedDeadline> {
    let arrived = facts.last_arrival_on?;
    let raw = arrived.checked_add_months(Months::new(12))?; // chrono clamps Feb 29 to Feb 28
    let leap = if (arrived.month(), arrived.day()) == (2, 29) && raw.day() == 28 {
        " (Feb 29 has no anniversary in a common year, so Feb 28 is taken)"
    } else {
        ""
    };
    let lead = format!("One year after the last arrival on {}{leap}", ymd(arrived));
    let rule = "INA 208(a)(2)(B); 8 CFR 208.4(a)(2)(ii), 1208.4(a)(2)(ii); Minasyan v. Mukasey (9th Cir. 2009)";
    let mut d = Basis::new(OneYearFiling, "arrival", rule).forward(cal, raw, &lead);
    d.met_on = first_filing(facts, Form::I589, |on| arrived <= on && on <= d.due_on);
    Some(d)
}

/// `ead_earliest_filing` and `ead_earliest_grant` from the earliest I-589, never rolled. Absent while
/// the clock is stopped as of its last recorded event (the record, not today, says whether it is).
/// Met by an I-765 filed after the I-589 (filing), or approved (grant).
pub fn ead_earliest_dates(facts: &CaseFacts, waits: &EadWaits) -> [Option<ComputedDeadline>; 2] {
    let Some(i589) = clock_filing(&facts.filings) else {
        return [None, None];
    };
    let filed = i589.filed_on;
    let last_event = facts.clock_events.iter().map(|e| e.on).max();
    let as_of = last_event.unwrap_or(filed).max(filed);
    let clock = ead_clock(filed, &facts.clock_events, as_of, waits);
    let i765s = || {
        facts
            .filings
            .iter()
            .filter(|f| f.form == Form::I765 && f.is_filed() && f.filed_on > filed)
    };
    let row = |kind, due: Option<NaiveDate>, wait: u32, rule: &str, met_on| {
        let due = due?;
        let stopped = (due - filed).num_days() - i64::from(wait);
        let plus = match stopped {
            0 => String::new(),
            n => format!(", plus {n} days the clock was stopped,"),
        };
        let explanation = format!(
            "{wait} days on the asylum EAD clock from the I-589 filed on {}{plus} is {}, not moved for weekends or holidays because it is an earliest date ({rule}).",
            ymd(filed), day_label(due)
        );
        let mut out = Basis::new(kind, format!("filing:{}", i589.id), rule).row(due, explanation);
        out.met_on = met_on;
        Some(out)
    };
    let first_filed = i765s().map(|f| f.filed_on).min();
    let first_approved = i765s().filter_map(|f| f.approved_on).min();
    [
        row(
            EadEarliestFiling,
            clock.earliest_filing_on,
            waits.filing_wait_days,
            "8 CFR 208.7(a)(1), (a)(2)",
            first_filed,
        ),
        row(
            EadEarliestGrant,
            clock.earliest_grant_on,
            waits.grant_wait_days,
            "INA 208(d)(2); 8 CFR 208.7(a)(1)",
            first_approved,
        ),
    ]
}

/// An adverse IJ decision the BIA can hear: denied, removal ordered, voluntary departure.
fn appealable_ij_decision(d: &DecisionFact) -> bool {
    use DecisionKind::*;
    d.authority == Authority::ImmigrationJudge
        && matches!(d.kind, Denied | RemovalOrdered | VoluntaryDeparture)
}

/// A final administrative order: an adverse BIA decision, or an appealable IJ decision whose
/// appeal was waived.
pub fn is_final_order(d: &DecisionFact) -> bool {
    (d.authority == Authority::Bia && d.kind.is_adverse())
        || (appealable_ij_decision(d) && d.appeal_waived)
}

/// The deadlines a decision starts, all rolled forward and met by a filing of the matching form
/// made on or after the day of the decision and by the due date: `bia_appeal` (appealable IJ decision, appeal not
/// waived, + 30), `motion_to_reconsider` (final order + 30), `motion_to_reopen` (final order + 90),
/// `petition_for_review` (adverse BIA decision + 30). `None` for other kinds or other decisions.
pub fn decision_deadline(
    facts: &CaseFacts,
    d: &DecisionFact,
    cal: &Calendar,
    kind: DeadlineKind,
) -> Option<ComputedDeadline> {
    let on = ymd(d.decided_on);
    let bia = d.authority == Authority::Bia;
    // A motion goes to the body that made the final order: the BIA, or the IJ if appeal was waived.
    let order = if bia {
        format!("the Board's final decision of {on}")
    } else {
        format!("the immigration judge's decision of {on} (final because the appeal was waived)")
    };
    let (days, form, rule, trigger) = match kind {
        BiaAppeal if appealable_ij_decision(d) && !d.appeal_waived => (
            30,
            Form::Eoir26,
            "8 CFR 1003.38(b)",
            format!("the immigration judge's decision of {on}"),
        ),
        MotionToReconsider if is_final_order(d) => {
            let rule = if bia {
                "8 CFR 1003.2(b)(2)"
            } else {
                "8 CFR 1003.23(b)(1)"
            };
            (30, Form::MotionToReconsider, rule, order)
        }
        MotionToReopen if is_final_order(d) => {
            let rule = if bia {
                "8 CFR 1003.2(c)(2)"
            } else {
                "8 CFR 1003.23(b)(1)"
            };
            (90, Form::MotionToReopen, rule, order)
        }
        PetitionForReview if bia && d.kind.is_adverse() => (
            30,
            Form::PetitionForReview,
            "INA 242(b)(1); FRAP 26(a)(1)(C)",
            format!("the Board's decision of {on}"),
        ),
        _ => return None,
    };
    let raw = d.decided_on.checked_add_days(Days::new(days))?;
    let lead = format!("{days} days after {trigger}");
    let mut out = Basis::new(kind, decision_key(d), rule).forward(cal, raw, &lead);
    // On the day of the decision counts: an appeal is often filed the day an oral decision is
    // given, and showing a filed appeal as open would send a false "missed" alarm.
    out.met_on = first_filing(facts, form, |f| d.decided_on <= f && f <= out.due_on);
    Some(out)
}

/// Whether a filing of `form` may say it rests on changed country conditions. Only a motion to
/// reopen can: one based on changed conditions in the country of nationality or removal, on
/// evidence that was not available before, has no time or number limit (8 CFR 1003.2(c)(3)(ii)
/// before the Board; 8 CFR 1003.23(b)(4)(i) before an immigration judge; INA 240(c)(7)(C)(ii)).
/// So it is recorded without a deadline, and the 90 days of `motion_to_reopen` do not bar it.
pub fn reopen_basis_fits(form: Form, changed_country_conditions: bool) -> Result<(), &'static str> {
    if changed_country_conditions && form != Form::MotionToReopen {
        return Err("only a motion_to_reopen rests on changed country conditions");
    }
    Ok(())
}

/// Grant of voluntary departure + its N days, rolled forward; a person marks it met (departure).
pub fn voluntary_departure(d: &DecisionFact, cal: &Calendar) -> Option<ComputedDeadline> {
    let days = d
        .voluntary_departure_days
        .filter(|_| d.kind == DecisionKind::VoluntaryDeparture)?;
    let raw = d.decided_on.checked_add_days(Days::new(days.into()))?;
    let lead = format!(
        "{days} days after the grant of voluntary departure on {}",
        ymd(d.decided_on)
    );
    let rule = "INA 240B; 8 CFR 1240.26; Monsalvo Velázquez v. Bondi (2025)";
    Some(Basis::new(VoluntaryDeparture, decision_key(d), rule).forward(cal, raw, &lead))
}

/// Card expiry - 180 days for an approved I-765, never rolled; met by another I-765 filed from then on.
pub fn ead_renewal_window(facts: &CaseFacts, f: &FilingFact) -> Option<ComputedDeadline> {
    let expiry = f
        .valid_until
        .filter(|_| f.form == Form::I765 && f.is_filed() && f.approved_on.is_some())?;
    let opens = expiry.checked_sub_days(Days::new(180))?;
    let renewals = facts
        .filings
        .iter()
        .filter(|g| g.form == Form::I765 && g.is_filed() && g.id != f.id);
    let met_on = renewals.map(|g| g.filed_on).filter(|&on| on >= opens).min();
    let rule = "USCIS guidance on (c)(8) renewals";
    let explanation = format!(
        "180 days before the work permit's expiry on {} is {}, when the renewal window opens, not moved for weekends or holidays because it is an earliest date ({rule}).",
        ymd(expiry), day_label(opens)
    );
    let mut out =
        Basis::new(EadRenewalWindow, format!("filing:{}", f.id), rule).row(opens, explanation);
    out.met_on = met_on;
    Some(out)
}

/// Individual hearing - 30 days, master calendar - 15, landing on the previous business day; none
/// for other kinds or cancelled hearings. Never auto-met: a person marks it. A closure can only make
/// a backward count earlier, never later, so there is no alternative date.
pub fn pre_hearing_filing(h: &HearingFact, cal: &Calendar) -> Option<ComputedDeadline> {
    let (days, what) = match (h.kind, h.cancelled) {
        (HearingKind::Individual, false) => (30, "individual hearing"),
        (HearingKind::MasterCalendar, false) => (15, "master calendar hearing"),
        _ => return None,
    };
    let raw = h.on.checked_sub_days(Days::new(days))?;
    let (due, skipped) = cal.roll_backward(raw);
    let rule = "EOIR Policy Manual, Appendix C";
    let lead = format!(
        "{days} days before the {what} on {} is {}",
        day_label(h.on),
        day_label(raw)
    );
    let explanation = if skipped.is_empty() {
        format!("{lead}, a business day ({rule}).")
    } else {
        let why = describe_skips(&skipped, "the count fell on a weekend");
        format!(
            "{lead}; moved to the previous business day, {}, because {why} ({rule}).",
            day_label(due)
        )
    };
    Some(Basis::new(PreHearingFiling, format!("hearing:{}", h.id), rule).row(due, explanation))
}

/// ICE check-ins under Orders of Supervision (INA 241(a)(3); 8 CFR 241.5(a)(1): periodic
/// reporting is a condition of release). Each check-in recorded (a hearing of kind `ice_check_in`,
/// on the date the officer gave) is a row due that day, met once recorded `held`: one that passes
/// unheld is missed, which alerts the case team, because a missed check-in can lead to
/// re-detention. After the last held check-in (or the order itself) and with none scheduled, the
/// next one is planned `interval_days` later, moved to the previous business day if it falls on a
/// weekend or holiday (reporting early is never late). An order is in force from its date until it
/// ends or the next order is made; each check-in belongs to the order in force on its day.
pub fn check_ins(facts: &CaseFacts, cal: &Calendar) -> Vec<ComputedDeadline> {
    let rule = "INA 241(a)(3); 8 CFR 241.5(a)";
    let mut orders: Vec<&SupervisionFact> = facts.supervision.iter().collect();
    orders.sort_by(|a, b| (a.ordered_on, &a.id).cmp(&(b.ordered_on, &b.id)));
    let mut out = Vec::new();
    for (i, o) in orders.iter().enumerate() {
        let next_order = orders.get(i + 1).map(|n| n.ordered_on);
        let in_force = |on: NaiveDate| {
            on >= o.ordered_on
                && next_order.is_none_or(|n| on < n)
                && o.ended_on.is_none_or(|end| on <= end)
        };
        let mut visits: Vec<&HearingFact> = facts
            .hearings
            .iter()
            .filter(|h| h.kind == HearingKind::IceCheckIn && !h.cancelled && in_force(h.on))
            .collect();
        visits.sort_by(|a, b| (a.on, &a.id).cmp(&(b.on, &b.id)));
        let mut last_held = None;
        for h in &visits {
            let explanation = format!(
                "The check-in the officer set for {} at the ICE field office ({rule}); \
                 record it as held once the client has reported.",
                day_label(h.on)
            );
            let mut row =
                Basis::new(IceCheckIn, format!("hearing:{}", h.id), rule).row(h.on, explanation);
            if h.outcome == Some(HearingOutcome::Held) {
                row.met_on = Some(h.on);
                last_held = Some(h.on);
            }
            out.push(row);
        }
        let scheduled = visits
            .last()
            .is_some_and(|h| h.outcome != Some(HearingOutcome::Held));
        if scheduled {
            continue;
        }
        let base = last_held.unwrap_or(o.ordered_on);
        let Some(raw) = base.checked_add_days(Days::new(o.interval_days.into())) else {
            continue;
        };
        let (due, skipped) = cal.roll_backward(raw);
        if !in_force(due) {
            continue;
        }
        let since = match last_held {
            Some(on) => format!("the check-in held on {}", day_label(on)),
            None => format!("the Order of Supervision of {}", day_label(o.ordered_on)),
        };
        let lead = format!(
            "{} days (the order's reporting interval) after {since} is {}",
            o.interval_days,
            day_label(raw)
        );
        let explanation = if skipped.is_empty() {
            format!("{lead} ({rule}); schedule the date the officer gives.")
        } else {
            let why = describe_skips(&skipped, "it fell on a weekend");
            format!(
                "{lead}; planned for the previous business day, {}, because {why} ({rule}); \
                 schedule the date the officer gives.",
                day_label(due)
            )
        };
        let trigger = format!("supervision:{}:after:{}", o.id, ymd(base));
        out.push(Basis::new(IceCheckIn, trigger, rule).row(due, explanation));
    }
    out
}

/// The 21st birthday of someone born on `born`: the calendar anniversary. Someone born on Feb 29
/// turns 21 on Feb 28, because the 21st anniversary of a Feb 29 always falls in a common year and
/// DOMAIN.md's counting conventions read a Feb 29 anniversary as Feb 28, the earlier, safer
/// reading (no authority settles it; some state laws and much practice take Mar 1). For an
/// age-out warning the earlier day is the safe one: it warns a day early, never a day late.
pub fn turns_21_on(born: NaiveDate) -> Option<NaiveDate> {
    born.checked_add_months(Months::new(21 * 12)) // chrono clamps Feb 29 to Feb 28
}

/// `derivative_age_out`: a child (INA 101(b)(1): unmarried and under 21) included in the parent's
/// I-589 stays a child if under 21 on the day the I-589 is filed, however long it then pends
/// (INA 208(b)(3)(B), the Child Status Protection Act). So for each child with a date of birth
/// the I-589 is due the day before the 21st birthday, never rolled (a birthday does not move for
/// weekends or holidays: filing on the next business day would be too late). Met by an I-589
/// filed (not rejected) on or before that day; one filed later does not meet it, and the
/// deadline stays missed. Spouses and children without a date of birth give no row. A child
/// already 21 when recorded still gets its row, missed unless an I-589 went in in time: that is
/// what the case team must know (the child needs an application of their own), and a row
/// already past when entered alerts no one (`missed_alerted` is set on insert).
///
/// The explanation names no one and gives no date of birth: it goes into reminder e-mails; who
/// the child is and the birthday are shown only in the family member's own view.
pub fn derivative_age_out(facts: &CaseFacts, m: &FamilyFact) -> Option<ComputedDeadline> {
    let born = m
        .date_of_birth
        .filter(|_| m.relationship == Relationship::Child)?;
    let due = turns_21_on(born)?.pred_opt()?;
    let rule = "INA 208(b)(3)(B); INA 101(b)(1)";
    let explanation = format!(
        "{} is the last day to file the I-589 while a child on the case is under 21 and so stays a derivative (the child turns 21 the next day), not moved for weekends or holidays because a birthday does not move ({rule}).",
        day_label(due)
    );
    let mut out =
        Basis::new(DerivativeAgeOut, format!("family:{}", m.id), rule).row(due, explanation);
    out.met_on = first_filing(facts, Form::I589, |on| on <= due);
    Some(out)
}

/// `bond_appeal`: an immigration judge's custody (bond) redetermination may be appealed to the
/// BIA within 30 days (8 CFR 1003.19(f), 1236.1(d)(3), 1003.38(b)), rolled forward like
/// `bia_appeal`. Any decision counts (granted, denied, no jurisdiction): the client may appeal the
/// amount too; a team that will not appeal marks it waived. Met by the bond appeal recorded filed
/// on the period (`bond_appeal_filed_on`, not an `EOIR-26` filing, which meets the merits appeal)
/// on or after the decision and by the due date. It stays after release: the window runs anyway.
pub fn bond_appeal(c: &CustodyFact, cal: &Calendar) -> Option<ComputedDeadline> {
    let decided = c.bond_decided_on?;
    let raw = decided.checked_add_days(Days::new(30))?;
    let lead = format!(
        "30 days after the immigration judge's bond decision of {}",
        ymd(decided)
    );
    let rule = "8 CFR 1003.19(f), 1236.1(d)(3), 1003.38(b)";
    let mut out = Basis::new(BondAppeal, custody_key(c), rule).forward(cal, raw, &lead);
    out.met_on = c
        .bond_appeal_filed_on
        .filter(|&f| decided <= f && f <= out.due_on);
    Some(out)
}

/// The day the case's removal order became administratively final, as far as the record shows,
/// read from its latest decision (a later remand or grant undoes an earlier order): a final order
/// ([`is_final_order`]: an adverse BIA decision, or an IJ order with appeal waived) on its day; an
/// appealable IJ decision with no `EOIR-26` filed in time becomes final when the time to appeal
/// expires (8 CFR 1241.1(c)), taken as the last day of that window (the earlier reading: the
/// review date it gives never comes late). Simplification: stays of removal on judicial review
/// (INA 241(a)(1)(B)(ii)) are not recorded, so they are not counted.
pub fn final_order_on(facts: &CaseFacts, cal: &Calendar) -> Option<NaiveDate> {
    let last = facts.decisions.iter().max_by_key(|d| d.decided_on)?;
    if is_final_order(last) {
        return Some(last.decided_on);
    }
    let appeal = decision_deadline(facts, last, cal, BiaAppeal)?;
    appeal.met_on.is_none().then_some(appeal.due_on)
}

/// `zadvydas_review`: for a client detained under a final order, six months after the removal
/// period began detention is presumptively unreasonable where removal is not reasonably
/// foreseeable (Zadvydas v. Davis, 533 U.S. 678 (2001); 8 CFR 241.13), and ICE's post-order
/// custody review is due before then (8 CFR 241.4(k)(1)(i)). The removal period begins when the
/// order becomes final (INA 241(a)(1)(B), [`final_order_on`]) or, when the client was detained
/// later, on the day of detention (a simplification: release from non-immigration detention,
/// the statute's third start, is read as the day immigration detention began). Due 180 days
/// after, an earliest date: never rolled, never missed. Only while the period is open: released,
/// the row is superseded.
pub fn zadvydas_review(
    facts: &CaseFacts,
    c: &CustodyFact,
    cal: &Calendar,
) -> Option<ComputedDeadline> {
    if c.released_on.is_some() {
        return None;
    }
    let final_on = final_order_on(facts, cal)?;
    let start = final_on.max(c.detained_on);
    let due = start.checked_add_days(Days::new(180))?;
    let rule = "INA 241(a)(1)(B); 8 CFR 241.4(k)(1)(i); 8 CFR 241.13; Zadvydas v. Davis, 533 U.S. 678 (2001)";
    let since = if c.detained_on > final_on {
        format!(
            "on the day of detention, {} (the order became final on {})",
            ymd(c.detained_on),
            ymd(final_on)
        )
    } else {
        format!("when the removal order became final on {}", ymd(final_on))
    };
    let explanation = format!(
        "180 days after the removal period began {since} is {}, from when continued detention is presumptively unreasonable if removal is not reasonably foreseeable, not moved for weekends or holidays because it is an earliest date ({rule}).",
        day_label(due)
    );
    Some(Basis::new(ZadvydasReview, custody_key(c), rule).row(due, explanation))
}

fn custody_key(c: &CustodyFact) -> String {
    format!("custody:{}", c.id)
}

/// What produced a deadline and the rule it follows.
struct Basis<'a> {
    kind: DeadlineKind,
    trigger: String,
    rule: &'a str,
}

impl<'a> Basis<'a> {
    fn new(kind: DeadlineKind, trigger: impl Into<String>, rule: &'a str) -> Self {
        let trigger = trigger.into();
        Basis {
            kind,
            trigger,
            rule,
        }
    }

    fn row(self, due_on: NaiveDate, explanation: String) -> ComputedDeadline {
        ComputedDeadline {
            kind: self.kind,
            trigger: self.trigger,
            due_on,
            rule: self.rule.to_string(),
            explanation,
            alternative_due_on: None,
            alternative_reason: None,
            met_on: None,
        }
    }

    /// `raw` rolled forward with its explanation and, if closures would give a later date, that
    /// date as the alternative (never as `due_on`).
    fn forward(self, cal: &Calendar, raw: NaiveDate, lead: &str) -> ComputedDeadline {
        let (due, skipped) = cal.roll_forward(raw);
        let rule = self.rule;
        let explanation = if skipped.is_empty() {
            format!("{lead} is {}, a business day ({rule}).", day_label(due))
        } else {
            let why = describe_skips(&skipped, "the last day fell on a weekend");
            let (raw, due) = (day_label(raw), day_label(due));
            format!("{lead} is {raw}; moved to {due} because {why} ({rule}).")
        };
        let mut out = self.row(due, explanation);
        let (alt, alt_skipped) = cal.roll_forward_with_closures(raw);
        if alt > due {
            let why = describe_skips(&alt_skipped, "the last day fell on a weekend");
            out.alternative_due_on = Some(alt);
            out.alternative_reason = Some(format!(
                "If closures of federal offices by executive order extend deadlines (unsettled), the last day would be {} because {why}.",
                day_label(alt)
            ));
        }
        out
    }
}

/// The date of the earliest filing of `form` whose date passes `within`.
fn first_filing(
    facts: &CaseFacts,
    form: Form,
    within: impl Fn(NaiveDate) -> bool,
) -> Option<NaiveDate> {
    let dates = facts
        .filings
        .iter()
        .filter(|f| f.form == form && f.is_filed())
        .map(|f| f.filed_on);
    dates.filter(|&on| within(on)).min()
}

fn decision_key(d: &DecisionFact) -> String {
    format!("decision:{}", d.id)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}
