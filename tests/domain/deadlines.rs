//! Deadline tests: one table row per case of DOMAIN.md's rules (each citing its rule), then
//! explanations, status, and the API spellings.

use super::d;
use asylum_tracker::domain::calendar::Calendar;
use asylum_tracker::domain::deadlines::{
    compute, status, Authority as A, CaseFacts, ClockEventFact, ClockKind, ComputedDeadline,
    DeadlineKind as K, DeadlineStatus, DecisionFact, DecisionKind as Dk, EadWaits, FamilyFact,
    FilingFact, FilingStatus, Form as F, HearingFact, HearingKind as H, HearingOutcome,
    Relationship as Rel,
};
use serde::de::{value::Error as DeError, Deserialize, IntoDeserializer};

const ONE_YEAR: &str = "INA 208(a)(2)(B); 8 CFR 208.4(a)(2)(ii), 1208.4(a)(2)(ii); Minasyan v. Mukasey (9th Cir. 2009)";
const EAD_FILE: &str = "8 CFR 208.7(a)(1), (a)(2)";
const EAD_GRANT: &str = "INA 208(d)(2); 8 CFR 208.7(a)(1)";
const BIA: &str = "8 CFR 1003.38(b)";
const PFR: &str = "INA 242(b)(1); FRAP 26(a)(1)(C)";
const VD: &str = "INA 240B; 8 CFR 1240.26; Monsalvo Velázquez v. Bondi (2025)";
const RENEW: &str = "USCIS guidance on (c)(8) renewals";
const PRE: &str = "EOIR Policy Manual, Appendix C";
const AGE_OUT: &str = "INA 208(b)(3)(B); INA 101(b)(1)";

/// Chained builders so each table row states its facts in one line.
trait Build {
    fn arrived(self, on: &str) -> Self;
    fn filed(self, id: &str, form: F, on: &str) -> Self;
    fn ead(self, id: &str, filed: &str, approved: Option<&str>, until: &str) -> Self;
    fn clock(self, kind: ClockKind, on: &str) -> Self;
    /// The last filing was rejected (returned as incomplete).
    fn rejected(self) -> Self;
    fn hearing(self, kind: H, on: &str, cancelled: bool) -> Self;
    fn decided(self, kind: Dk, by: A, on: &str, vd_days: Option<u32>, waived: bool) -> Self;
    /// A family member `k` on the case.
    fn member(self, relationship: Rel, born: Option<&str>) -> Self;
}

impl Build for CaseFacts {
    fn arrived(mut self, on: &str) -> Self {
        self.last_arrival_on = Some(d(on));
        self
    }
    fn filed(mut self, id: &str, form: F, on: &str) -> Self {
        let (id, filed_on) = (id.to_string(), d(on));
        self.filings.push(FilingFact {
            id,
            form,
            filed_on,
            approved_on: None,
            valid_until: None,
            status: FilingStatus::Pending,
        });
        self
    }
    fn rejected(mut self) -> Self {
        if let Some(f) = self.filings.last_mut() {
            f.status = FilingStatus::Rejected;
        }
        self
    }
    fn ead(mut self, id: &str, filed: &str, approved: Option<&str>, until: &str) -> Self {
        let (id, filed_on, approved_on, valid_until) =
            (id.to_string(), d(filed), approved.map(d), Some(d(until)));
        self.filings.push(FilingFact {
            id,
            form: F::I765,
            filed_on,
            approved_on,
            valid_until,
            status: FilingStatus::Approved,
        });
        self
    }
    fn clock(mut self, kind: ClockKind, on: &str) -> Self {
        self.clock_events.push(ClockEventFact { kind, on: d(on) });
        self
    }
    fn hearing(mut self, kind: H, on: &str, cancelled: bool) -> Self {
        self.hearings.push(HearingFact {
            id: "h".into(),
            kind,
            on: d(on),
            cancelled,
            outcome: cancelled.then_some(HearingOutcome::Cancelled),
        });
        self
    }
    fn decided(mut self, kind: Dk, by: A, on: &str, vd_days: Option<u32>, waived: bool) -> Self {
        let (id, decided_on) = ("x".to_string(), d(on));
        self.decisions.push(DecisionFact {
            id,
            kind,
            authority: by,
            decided_on,
            voluntary_departure_days: vd_days,
            appeal_waived: waived,
        });
        self
    }
    fn member(mut self, relationship: Rel, born: Option<&str>) -> Self {
        self.family.push(FamilyFact {
            id: "k".into(),
            relationship,
            date_of_birth: born.map(d),
        });
        self
    }
}

fn child(born: &str) -> CaseFacts {
    case().member(Rel::Child, Some(born))
}

fn case() -> CaseFacts {
    CaseFacts::default()
}

fn i589(on: &str) -> CaseFacts {
    case().filed("a", F::I589, on)
}

fn ij(kind: Dk, on: &str) -> CaseFacts {
    case().decided(kind, A::ImmigrationJudge, on, None, false)
}

fn bia(kind: Dk, on: &str) -> CaseFacts {
    case().decided(kind, A::Bia, on, None, false)
}

struct Row {
    facts: CaseFacts,
    kind: K,
    trigger: &'static str,
    /// `None`: no deadline of this kind and trigger.
    due: Option<&'static str>,
    alt: Option<&'static str>,
    met: Option<&'static str>,
    rule: &'static str,
    why: &'static str,
}

use ClockKind::{Resume, Stop};
const X: &str = "decision:x";
const KID: &str = "family:k";

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    let r = |facts, kind, trigger, due, alt, met, rule, why| Row { facts, kind, trigger, due, alt, met, rule, why };
    vec![
        r(case().arrived("2023-03-05"), K::OneYearFiling, "arrival", Some("2024-03-05"), None, None, ONE_YEAR, "anniversary on a Tuesday"),
        r(case().arrived("2024-02-29"), K::OneYearFiling, "arrival", Some("2025-02-28"), None, None, ONE_YEAR, "Feb 29 arrival: Feb 28 in a common year"),
        r(case().arrived("2023-02-28"), K::OneYearFiling, "arrival", Some("2024-02-28"), None, None, ONE_YEAR, "anniversary in a leap year stays Feb 28"),
        r(case().arrived("2023-03-01"), K::OneYearFiling, "arrival", Some("2024-03-01"), None, None, ONE_YEAR, "leap year: +365 days would give Feb 29, the anniversary is Mar 1"),
        r(case().arrived("2020-02-29"), K::OneYearFiling, "arrival", Some("2021-03-01"), None, None, ONE_YEAR, "Feb 28 2021 is a Sunday: rolled to Monday"),
        r(case().arrived("2022-12-31"), K::OneYearFiling, "arrival", Some("2024-01-02"), None, None, ONE_YEAR, "Sunday then New Year's Day: double roll across the year"),
        r(case().arrived("2021-07-04"), K::OneYearFiling, "arrival", Some("2022-07-05"), None, None, ONE_YEAR, "Independence Day on Monday"),
        r(case().arrived("2024-11-28"), K::OneYearFiling, "arrival", Some("2025-11-28"), None, None, ONE_YEAR, "day after Thanksgiving is a business day"),
        r(case().arrived("2019-06-19"), K::OneYearFiling, "arrival", Some("2020-06-19"), None, None, ONE_YEAR, "Juneteenth was no holiday in 2020"),
        r(case().arrived("2023-01-15"), K::OneYearFiling, "arrival", Some("2024-01-16"), None, None, ONE_YEAR, "MLK Day 2024-01-15"),
        r(case().arrived("2023-03-05").filed("a", F::I589, "2024-02-01"), K::OneYearFiling, "arrival", Some("2024-03-05"), None, Some("2024-02-01"), ONE_YEAR, "I-589 in time"),
        r(case().arrived("2023-03-05").filed("a", F::I589, "2024-03-05"), K::OneYearFiling, "arrival", Some("2024-03-05"), None, Some("2024-03-05"), ONE_YEAR, "I-589 on the last day"),
        r(case().arrived("2023-03-05").filed("a", F::I589, "2024-03-06"), K::OneYearFiling, "arrival", Some("2024-03-05"), None, None, ONE_YEAR, "I-589 a day late"),
        r(case().arrived("2023-03-05").filed("a", F::I589, "2023-01-01"), K::OneYearFiling, "arrival", Some("2024-03-05"), None, None, ONE_YEAR, "I-589 before the last arrival does not count"),
        r(case(), K::OneYearFiling, "arrival", None, None, None, ONE_YEAR, "no arrival date, no deadline"),
        // EAD clock: I-589 filed 2025-01-10 (DOMAIN.md worked example).
        r(i589("2025-01-10"), K::EadEarliestFiling, "filing:a", Some("2025-06-09"), None, None, EAD_FILE, "worked example day 150"),
        r(i589("2025-01-10"), K::EadEarliestGrant, "filing:a", Some("2025-07-09"), None, None, EAD_GRANT, "worked example day 180"),
        // DOMAIN.md, "The EAD clock": "A rejected, incomplete application does not start it."
        r(i589("2025-01-10").rejected(), K::EadEarliestFiling, "filing:a", None, None, None, EAD_FILE, "a rejected I-589 does not start the clock"),
        r(i589("2025-01-10").rejected(), K::EadEarliestGrant, "filing:a", None, None, None, EAD_GRANT, "a rejected I-589 does not start the clock"),
        r(i589("2025-01-10").rejected().filed("b", F::I589, "2025-02-03"), K::EadEarliestFiling, "filing:b", Some("2025-07-03"), None, None, EAD_FILE, "the clock starts with the complete I-589 filed after the rejected one"),
        r(i589("2025-01-10").rejected().filed("b", F::I589, "2025-02-03"), K::EadEarliestFiling, "filing:a", None, None, None, EAD_FILE, "not from the rejected one"),
        r(case().arrived("2024-03-05").filed("a", F::I589, "2025-02-01").rejected(), K::OneYearFiling, "arrival", Some("2025-03-05"), None, None, ONE_YEAR, "a rejected I-589 was not filed: the one-year deadline is not met"),
        r(i589("2025-01-10").clock(Stop, "2025-03-01").clock(Resume, "2025-03-21"), K::EadEarliestFiling, "filing:a", Some("2025-06-29"), None, None, EAD_FILE, "20 days stopped; Sunday not rolled"),
        r(i589("2025-01-10").clock(Stop, "2025-03-01").clock(Resume, "2025-03-21"), K::EadEarliestGrant, "filing:a", Some("2025-07-29"), None, None, EAD_GRANT, "20 days stopped"),
        r(i589("2025-01-10").clock(Stop, "2025-02-01").clock(Resume, "2025-02-11").clock(Stop, "2025-04-01").clock(Resume, "2025-04-06"), K::EadEarliestFiling, "filing:a", Some("2025-06-24"), None, None, EAD_FILE, "two stops, 15 days"),
        r(i589("2025-01-10").clock(Stop, "2025-02-01").clock(Resume, "2025-02-11").clock(Stop, "2025-04-01").clock(Resume, "2025-04-06"), K::EadEarliestGrant, "filing:a", Some("2025-07-24"), None, None, EAD_GRANT, "two stops, 15 days"),
        r(i589("2025-01-10").clock(Stop, "2025-02-01"), K::EadEarliestFiling, "filing:a", None, None, None, EAD_FILE, "open stop: no date"),
        r(i589("2025-01-10").clock(Stop, "2025-02-01"), K::EadEarliestGrant, "filing:a", None, None, None, EAD_GRANT, "open stop: no date"),
        r(i589("2025-01-10").clock(Stop, "2025-06-20").clock(Resume, "2025-06-30"), K::EadEarliestFiling, "filing:a", Some("2025-06-09"), None, None, EAD_FILE, "stop after day 150 does not move it"),
        r(i589("2025-01-10").clock(Stop, "2025-06-20").clock(Resume, "2025-06-30"), K::EadEarliestGrant, "filing:a", Some("2025-07-19"), None, None, EAD_GRANT, "stop before day 180 moves it; Saturday not rolled"),
        r(i589("2025-03-01").filed("b", F::I589, "2025-01-10"), K::EadEarliestFiling, "filing:b", Some("2025-06-09"), None, None, EAD_FILE, "the earliest I-589 starts the clock"),
        r(i589("2025-03-01").filed("b", F::I589, "2025-01-10"), K::EadEarliestFiling, "filing:a", None, None, None, EAD_FILE, "no row for a later I-589"),
        r(i589("2025-01-10").ead("e", "2025-06-10", Some("2025-08-01"), "2027-08-01"), K::EadEarliestFiling, "filing:a", Some("2025-06-09"), None, Some("2025-06-10"), EAD_FILE, "met by the I-765 filing"),
        r(i589("2025-01-10").ead("e", "2025-06-10", Some("2025-08-01"), "2027-08-01"), K::EadEarliestGrant, "filing:a", Some("2025-07-09"), None, Some("2025-08-01"), EAD_GRANT, "met by the I-765 approval"),
        r(i589("2024-01-10"), K::EadEarliestFiling, "filing:a", Some("2024-06-08"), None, None, EAD_FILE, "leap year, Saturday not rolled"),
        r(i589("2024-09-01"), K::EadEarliestGrant, "filing:a", Some("2025-02-28"), None, None, EAD_GRANT, "across the year end"),
        r(case().ead("a", "2025-01-10", None, "2027-01-10"), K::EadEarliestFiling, "filing:a", None, None, None, EAD_FILE, "no I-589, no EAD clock"),
        // BIA appeal: adverse IJ decision + 30 days, rolled forward.
        r(ij(Dk::Denied, "2023-09-14"), K::BiaAppeal, X, Some("2023-10-16"), None, None, BIA, "Saturday to Monday"),
        r(ij(Dk::RemovalOrdered, "2023-09-08"), K::BiaAppeal, X, Some("2023-10-10"), None, None, BIA, "Sunday then Columbus Day"),
        r(case().decided(Dk::VoluntaryDeparture, A::ImmigrationJudge, "2024-08-02", Some(30), false), K::BiaAppeal, X, Some("2024-09-03"), None, None, BIA, "Sunday then Labor Day"),
        r(case().decided(Dk::Denied, A::ImmigrationJudge, "2023-09-14", None, true), K::BiaAppeal, X, None, None, None, BIA, "appeal waived"),
        r(ij(Dk::AsylumGranted, "2023-09-14"), K::BiaAppeal, X, None, None, None, BIA, "not adverse"),
        r(bia(Dk::Denied, "2023-09-14"), K::BiaAppeal, X, None, None, None, BIA, "a BIA decision is not appealed to the BIA"),
        r(ij(Dk::Denied, "2025-11-24"), K::BiaAppeal, X, Some("2025-12-24"), Some("2025-12-29"), None, BIA, "closure 12-24, Christmas, closure 12-26, weekend"),
        r(ij(Dk::Denied, "2024-11-24"), K::BiaAppeal, X, Some("2024-12-24"), Some("2024-12-26"), None, BIA, "closure then Christmas"),
        r(ij(Dk::Denied, "2024-12-10"), K::BiaAppeal, X, Some("2025-01-09"), Some("2025-01-10"), None, BIA, "Carter day of mourning"),
        r(ij(Dk::Denied, "2018-11-05"), K::BiaAppeal, X, Some("2018-12-05"), Some("2018-12-06"), None, BIA, "Bush day of mourning"),
        r(ij(Dk::Denied, "2021-11-24"), K::BiaAppeal, X, Some("2021-12-27"), None, None, BIA, "Christmas observed Friday, then weekend"),
        r(ij(Dk::Denied, "2021-12-01"), K::BiaAppeal, X, Some("2022-01-03"), None, None, BIA, "New Year's Day observed 2021-12-31"),
        r(ij(Dk::Denied, "2024-10-29"), K::BiaAppeal, X, Some("2024-11-29"), None, None, BIA, "Thanksgiving"),
        r(ij(Dk::Denied, "2023-09-14").filed("n", F::Eoir26, "2023-10-16"), K::BiaAppeal, X, Some("2023-10-16"), None, Some("2023-10-16"), BIA, "EOIR-26 on the rolled last day"),
        r(ij(Dk::Denied, "2023-09-14").filed("n", F::Eoir26, "2023-10-17"), K::BiaAppeal, X, Some("2023-10-16"), None, None, BIA, "EOIR-26 late"),
        r(ij(Dk::Denied, "2023-09-14").filed("n", F::Eoir26, "2023-09-14"), K::BiaAppeal, X, Some("2023-10-16"), None, Some("2023-09-14"), BIA, "an EOIR-26 the day of an oral decision counts"),
        r(ij(Dk::Denied, "2023-09-14").filed("n", F::Eoir26, "2023-09-13"), K::BiaAppeal, X, Some("2023-10-16"), None, None, BIA, "an EOIR-26 before the decision is of another decision"),
        // Motions: final administrative order + 30 / + 90.
        r(bia(Dk::AppealDismissed, "2024-03-01"), K::MotionToReconsider, X, Some("2024-04-01"), None, None, "8 CFR 1003.2(b)(2)", "Sunday to Monday"),
        r(bia(Dk::AppealDismissed, "2024-03-01"), K::MotionToReopen, X, Some("2024-05-30"), None, None, "8 CFR 1003.2(c)(2)", "90 days, a Thursday"),
        r(case().decided(Dk::RemovalOrdered, A::ImmigrationJudge, "2024-04-26", None, true), K::MotionToReconsider, X, Some("2024-05-28"), None, None, "8 CFR 1003.23(b)(1)", "appeal waived: Sunday then Memorial Day"),
        r(case().decided(Dk::RemovalOrdered, A::ImmigrationJudge, "2024-04-26", None, true), K::MotionToReopen, X, Some("2024-07-25"), None, None, "8 CFR 1003.23(b)(1)", "appeal waived, 90 days"),
        r(ij(Dk::Denied, "2024-04-26"), K::MotionToReconsider, X, None, None, None, "8 CFR 1003.23(b)(1)", "appeal not waived: not final"),
        r(bia(Dk::Remanded, "2024-03-01"), K::MotionToReopen, X, None, None, None, "8 CFR 1003.2(c)(2)", "a remand is not a final order"),
        r(bia(Dk::AppealDismissed, "2024-03-01").filed("m", F::MotionToReopen, "2024-05-01"), K::MotionToReopen, X, Some("2024-05-30"), None, Some("2024-05-01"), "8 CFR 1003.2(c)(2)", "motion filed in time"),
        // Petition for review: adverse BIA decision + 30 days.
        r(bia(Dk::AppealDismissed, "2024-03-01"), K::PetitionForReview, X, Some("2024-04-01"), None, None, PFR, "Sunday to Monday"),
        r(bia(Dk::Denied, "2025-06-04"), K::PetitionForReview, X, Some("2025-07-07"), None, None, PFR, "Independence Day Friday, then weekend"),
        r(bia(Dk::Denied, "2025-06-04").filed("p", F::PetitionForReview, "2025-07-07"), K::PetitionForReview, X, Some("2025-07-07"), None, Some("2025-07-07"), PFR, "petition on the last day"),
        r(bia(Dk::AsylumGranted, "2025-06-04"), K::PetitionForReview, X, None, None, None, PFR, "not adverse"),
        r(case().decided(Dk::Denied, A::ImmigrationJudge, "2025-06-04", None, true), K::PetitionForReview, X, None, None, None, PFR, "only BIA decisions"),
        // Voluntary departure: grant + N days, rolled forward (Monsalvo Velázquez).
        r(case().decided(Dk::VoluntaryDeparture, A::ImmigrationJudge, "2023-07-14", Some(120), false), K::VoluntaryDeparture, X, Some("2023-11-13"), None, None, VD, "Saturday Veterans Day: Monday, not the observed Friday"),
        r(case().decided(Dk::VoluntaryDeparture, A::ImmigrationJudge, "2024-08-02", Some(30), false), K::VoluntaryDeparture, X, Some("2024-09-03"), None, None, VD, "Sunday then Labor Day"),
        r(case().decided(Dk::VoluntaryDeparture, A::Bia, "2024-08-02", Some(60), false), K::VoluntaryDeparture, X, Some("2024-10-01"), None, None, VD, "60 days, a Tuesday"),
        r(case().decided(Dk::VoluntaryDeparture, A::ImmigrationJudge, "2024-08-02", None, false), K::VoluntaryDeparture, X, None, None, None, VD, "no period recorded"),
        // EAD renewal window: expiry - 180 days, never rolled.
        r(case().ead("e", "2024-02-01", Some("2024-05-01"), "2026-05-01"), K::EadRenewalWindow, "filing:e", Some("2025-11-02"), None, None, RENEW, "Sunday not rolled"),
        r(case().ead("e", "2024-02-01", Some("2024-05-01"), "2026-05-01").ead("r", "2025-11-03", None, "2028-01-01"), K::EadRenewalWindow, "filing:e", Some("2025-11-02"), None, Some("2025-11-03"), RENEW, "renewal filed in the window"),
        r(case().ead("e", "2024-02-01", Some("2024-05-01"), "2026-05-01").ead("r", "2025-11-01", None, "2028-01-01"), K::EadRenewalWindow, "filing:e", Some("2025-11-02"), None, None, RENEW, "renewal filed before the window opens"),
        r(case().ead("e", "2026-01-02", Some("2026-03-15"), "2028-03-15"), K::EadRenewalWindow, "filing:e", Some("2027-09-17"), None, None, RENEW, "window across a leap February"),
        r(case().ead("e", "2024-02-01", None, "2026-05-01"), K::EadRenewalWindow, "filing:e", None, None, None, RENEW, "not approved"),
        // Pre-hearing filings: counted backwards, previous business day.
        r(case().hearing(H::Individual, "2025-03-17", false), K::PreHearingFiling, "hearing:h", Some("2025-02-14"), None, None, PRE, "Saturday back to Friday"),
        r(case().hearing(H::MasterCalendar, "2025-09-16", false), K::PreHearingFiling, "hearing:h", Some("2025-08-29"), None, None, PRE, "Labor Day then weekend"),
        r(case().hearing(H::Individual, "2026-08-03", false), K::PreHearingFiling, "hearing:h", Some("2026-07-02"), None, None, PRE, "Saturday July 4, observed Friday"),
        r(case().hearing(H::MasterCalendar, "2024-01-16", false), K::PreHearingFiling, "hearing:h", Some("2023-12-29"), None, None, PRE, "New Year's Day and weekend, into the previous year"),
        r(case().hearing(H::Individual, "2025-01-23", false), K::PreHearingFiling, "hearing:h", Some("2024-12-24"), None, None, PRE, "closure: no move, no later alternative"),
        r(case().hearing(H::MasterCalendar, "2024-06-04", false), K::PreHearingFiling, "hearing:h", Some("2024-05-20"), None, None, PRE, "business day"),
        r(case().hearing(H::Individual, "2024-07-19", false), K::PreHearingFiling, "hearing:h", Some("2024-06-18"), None, None, PRE, "Juneteenth 2024"),
        r(case().hearing(H::MasterCalendar, "2020-07-06", false), K::PreHearingFiling, "hearing:h", Some("2020-06-19"), None, None, PRE, "2020-06-19 was a business day"),
        r(case().hearing(H::AsylumInterview, "2025-03-17", false), K::PreHearingFiling, "hearing:h", None, None, None, PRE, "interviews have no such filing"),
        r(case().hearing(H::Individual, "2025-03-17", true), K::PreHearingFiling, "hearing:h", None, None, None, PRE, "cancelled hearing"),
        // Derivative age-out: INA 208(b)(3)(B) keeps a child (INA 101(b)(1): under 21) a derivative if under
        // 21 when the I-589 is filed, so it is due the day before the 21st birthday, never rolled.
        r(child("2006-05-10"), K::DerivativeAgeOut, KID, Some("2027-05-09"), None, None, AGE_OUT, "I-589 unfiled: the day before the 21st birthday, a Sunday, not rolled"),
        r(child("2006-05-10").filed("a", F::I589, "2027-05-09"), K::DerivativeAgeOut, KID, Some("2027-05-09"), None, Some("2027-05-09"), AGE_OUT, "I-589 filed the day before the birthday: the child is still 20"),
        r(child("2006-05-10").filed("a", F::I589, "2027-05-10"), K::DerivativeAgeOut, KID, Some("2027-05-09"), None, None, AGE_OUT, "I-589 filed on the 21st birthday: too late, stays missed"),
        r(child("2006-05-10").filed("a", F::I589, "2026-01-05"), K::DerivativeAgeOut, KID, Some("2027-05-09"), None, Some("2026-01-05"), AGE_OUT, "I-589 filed long before"),
        r(child("2006-05-10").filed("a", F::I589, "2027-01-05").rejected(), K::DerivativeAgeOut, KID, Some("2027-05-09"), None, None, AGE_OUT, "a rejected I-589 was not filed: not met"),
        r(child("2006-05-10").filed("a", F::I589, "2027-01-05").rejected().filed("b", F::I589, "2027-05-20"), K::DerivativeAgeOut, KID, Some("2027-05-09"), None, None, AGE_OUT, "rejected in time, refiled after the birthday: not met"),
        r(child("2006-05-10").filed("a", F::I765, "2027-01-05"), K::DerivativeAgeOut, KID, Some("2027-05-09"), None, None, AGE_OUT, "only an I-589 meets it"),
        r(child("2004-02-29"), K::DerivativeAgeOut, KID, Some("2025-02-27"), None, None, AGE_OUT, "born Feb 29: turns 21 on Feb 28 of a common year (the earlier reading), due Feb 27"),
        r(child("2006-07-05"), K::DerivativeAgeOut, KID, Some("2027-07-04"), None, None, AGE_OUT, "Independence Day on a Sunday: not rolled"),
        r(child("2001-01-15").filed("a", F::I589, "2025-03-01"), K::DerivativeAgeOut, KID, Some("2022-01-14"), None, None, AGE_OUT, "already 21 when the I-589 was filed: the row stays, missed"),
        r(child("1990-03-10"), K::DerivativeAgeOut, KID, Some("2011-03-09"), None, None, AGE_OUT, "already 21 when recorded, no I-589: the row stays (missed by status)"),
        r(case().member(Rel::Spouse, Some("1990-04-02")), K::DerivativeAgeOut, KID, None, None, None, AGE_OUT, "a spouse does not age out"),
        r(case().member(Rel::Child, None), K::DerivativeAgeOut, KID, None, None, None, AGE_OUT, "a child without a date of birth: no date to warn of"),
    ]
}

fn find<'a>(all: &'a [ComputedDeadline], kind: K, trigger: &str) -> Option<&'a ComputedDeadline> {
    all.iter().find(|c| c.kind == kind && c.trigger == trigger)
}

#[test]
fn deadline_table() {
    let cal = Calendar::with_default_closures();
    let rows = rows();
    assert!(rows.len() >= 60);
    for row in &rows {
        let all = compute(&row.facts, &cal, &EadWaits::default());
        let got = find(&all, row.kind, row.trigger);
        let msg = format!(
            "{} {}: {} ({})",
            row.kind.as_str(),
            row.trigger,
            row.why,
            row.rule
        );
        assert_eq!(got.map(|c| c.due_on), row.due.map(d), "{msg}");
        let Some(got) = got else { continue };
        assert_eq!(got.rule, row.rule, "{msg}");
        assert_eq!(got.alternative_due_on, row.alt.map(d), "{msg}");
        assert_eq!(got.alternative_reason.is_some(), row.alt.is_some(), "{msg}");
        assert_eq!(got.met_on, row.met.map(d), "{msg}");
        assert!(one_sentence(&got.explanation), "{msg}: {}", got.explanation);
        assert!(
            got.explanation
                .contains(&got.due_on.format("%Y-%m-%d").to_string()),
            "{msg}"
        );
    }
}

/// Ends with a period and has no other sentence end (the abbreviations "v.", "Cir." and "Jr." aside).
fn one_sentence(s: &str) -> bool {
    let body = s
        .replace(" v. ", " v ")
        .replace("Cir.", "Cir")
        .replace("Jr.", "Jr");
    body.ends_with('.') && !body[..body.len() - 1].contains(". ")
}

#[test]
fn explanations_are_truthful() {
    let cal = Calendar::with_default_closures();
    let waits = EadWaits::default();
    let one = |facts: CaseFacts, kind| {
        compute(&facts, &cal, &waits)
            .into_iter()
            .find(|c| c.kind == kind)
            .expect("row")
            .explanation
    };
    let cases = [
        (one(ij(Dk::Denied, "2023-09-14"), K::BiaAppeal), "30 days after the immigration judge's decision of 2023-09-14 is Saturday 2023-10-14; moved to Monday 2023-10-16 because the last day fell on a weekend (8 CFR 1003.38(b))."),
        (one(ij(Dk::Denied, "2023-09-08"), K::BiaAppeal), "30 days after the immigration judge's decision of 2023-09-08 is Sunday 2023-10-08; moved to Tuesday 2023-10-10 because the last day fell on a weekend and Monday 2023-10-09 is Columbus Day (8 CFR 1003.38(b))."),
        (one(ij(Dk::Denied, "2024-10-29"), K::BiaAppeal), "30 days after the immigration judge's decision of 2024-10-29 is Thursday 2024-11-28; moved to Friday 2024-11-29 because Thursday 2024-11-28 is Thanksgiving Day (8 CFR 1003.38(b))."),
        (one(ij(Dk::Denied, "2021-11-24"), K::BiaAppeal), "30 days after the immigration judge's decision of 2021-11-24 is Friday 2021-12-24; moved to Monday 2021-12-27 because Friday 2021-12-24 is the observed Christmas Day (which falls on Saturday 2021-12-25) and Saturday 2021-12-25 and Sunday 2021-12-26 are weekend days (8 CFR 1003.38(b))."),
        (one(case().hearing(H::MasterCalendar, "2025-09-16", false), K::PreHearingFiling), "15 days before the master calendar hearing on Tuesday 2025-09-16 is Monday 2025-09-01; moved to the previous business day, Friday 2025-08-29, because Monday 2025-09-01 is Labor Day and Sunday 2025-08-31 and Saturday 2025-08-30 are weekend days (EOIR Policy Manual, Appendix C)."),
        (one(i589("2025-01-10"), K::EadEarliestFiling), "150 days on the asylum EAD clock from the I-589 filed on 2025-01-10 is Monday 2025-06-09, not moved for weekends or holidays because it is an earliest date (8 CFR 208.7(a)(1), (a)(2))."),
        (one(i589("2025-01-10").clock(Stop, "2025-03-01").clock(Resume, "2025-03-21"), K::EadEarliestFiling), "150 days on the asylum EAD clock from the I-589 filed on 2025-01-10, plus 20 days the clock was stopped, is Sunday 2025-06-29, not moved for weekends or holidays because it is an earliest date (8 CFR 208.7(a)(1), (a)(2))."),
    ];
    let leap = one(case().arrived("2024-02-29"), K::OneYearFiling);
    assert!(leap.starts_with("One year after the last arrival on 2024-02-29 (Feb 29 has no anniversary in a common year, so Feb 28 is taken) is Friday 2025-02-28, a business day"), "{leap}");
    for (got, want) in cases {
        assert_eq!(got, want);
    }
    let alt = compute(&ij(Dk::Denied, "2025-11-24"), &cal, &waits).remove(0);
    assert_eq!(alt.alternative_reason.as_deref(), Some("If closures of federal offices by executive order extend deadlines (unsettled), the last day would be Monday 2025-12-29 because Wednesday 2025-12-24 is a closure of federal offices by executive order, Thursday 2025-12-25 is Christmas Day, Friday 2025-12-26 is a closure of federal offices by executive order and Saturday 2025-12-27 and Sunday 2025-12-28 are weekend days."));
    let no_closures =
        compute(&ij(Dk::Denied, "2025-11-24"), &Calendar::default(), &waits).remove(0);
    assert_eq!(
        (no_closures.due_on, no_closures.alternative_due_on),
        (d("2025-12-24"), None),
        "closures are data"
    );
}

#[test]
fn a_whole_case_is_sorted_with_stable_keys() {
    let facts = case()
        .arrived("2023-03-05")
        .filed("a", F::I589, "2024-02-01")
        .decided(
            Dk::VoluntaryDeparture,
            A::ImmigrationJudge,
            "2024-08-02",
            Some(30),
            false,
        )
        .hearing(H::Individual, "2024-07-19", false);
    let all = compute(&facts, &Calendar::default(), &EadWaits::default());
    let keys: Vec<(K, &str)> = all.iter().map(|c| (c.kind, c.trigger.as_str())).collect();
    assert_eq!(
        keys,
        [
            (K::OneYearFiling, "arrival"),
            (K::PreHearingFiling, "hearing:h"),
            (K::EadEarliestFiling, "filing:a"),
            (K::EadEarliestGrant, "filing:a"),
            (K::BiaAppeal, X),
            (K::VoluntaryDeparture, X)
        ]
    );
    assert!(all.windows(2).all(|w| w[0].due_on <= w[1].due_on));
}

struct StatusRow {
    due: &'static str,
    met: Option<&'static str>,
    waived: bool,
    today: &'static str,
    kind: K,
    want: DeadlineStatus,
    rule: &'static str,
    why: &'static str,
}

const STATUS: &str = "DOMAIN.md: met, missed, waived";

#[rustfmt::skip]
const STATUS_ROWS: &[StatusRow] = &[
    StatusRow { due: "2024-05-01", met: None, waived: false, today: "2024-05-01", kind: K::BiaAppeal, want: DeadlineStatus::Open, rule: STATUS, why: "the last day itself is still open" },
    StatusRow { due: "2024-05-01", met: None, waived: false, today: "2024-05-02", kind: K::BiaAppeal, want: DeadlineStatus::Missed, rule: STATUS, why: "the day after" },
    StatusRow { due: "2024-05-01", met: Some("2024-04-20"), waived: false, today: "2024-06-01", kind: K::BiaAppeal, want: DeadlineStatus::Met, rule: STATUS, why: "met before the day" },
    StatusRow { due: "2024-05-01", met: Some("2024-04-20"), waived: true, today: "2024-06-01", kind: K::OneYearFiling, want: DeadlineStatus::Waived, rule: STATUS, why: "waived wins" },
    StatusRow { due: "2024-05-01", met: None, waived: true, today: "2024-06-01", kind: K::PreHearingFiling, want: DeadlineStatus::Waived, rule: STATUS, why: "waived, past due" },
    StatusRow { due: "2024-05-01", met: None, waived: false, today: "2025-01-01", kind: K::EadEarliestFiling, want: DeadlineStatus::Open, rule: "8 CFR 208.7(a)(1)", why: "an earliest date is never missed" },
    StatusRow { due: "2024-05-01", met: None, waived: false, today: "2025-01-01", kind: K::EadEarliestGrant, want: DeadlineStatus::Open, rule: "INA 208(d)(2)", why: "an earliest date is never missed" },
    StatusRow { due: "2024-05-01", met: None, waived: false, today: "2025-01-01", kind: K::EadRenewalWindow, want: DeadlineStatus::Open, rule: RENEW, why: "a window opening is never missed" },
    StatusRow { due: "2024-05-01", met: None, waived: false, today: "2024-05-02", kind: K::Other, want: DeadlineStatus::Missed, rule: STATUS, why: "manual deadlines are missed like any other" },
];

#[test]
fn status_table() {
    for row in STATUS_ROWS {
        let got = status(
            d(row.due),
            row.met.map(d),
            row.waived,
            d(row.today),
            row.kind,
        );
        assert_eq!(got, row.want, "{} ({})", row.why, row.rule);
    }
}

fn spellings<T: Copy + PartialEq + std::fmt::Debug + for<'de> Deserialize<'de>>(
    all: &[T],
    as_str: fn(T) -> &'static str,
    parse: fn(&str) -> Option<T>,
) -> Vec<&'static str> {
    for &v in all {
        assert_eq!(parse(as_str(v)), Some(v));
        let de: serde::de::value::StrDeserializer<DeError> = as_str(v).into_deserializer();
        assert_eq!(
            T::deserialize(de).ok(),
            Some(v),
            "serde spelling of {}",
            as_str(v)
        );
    }
    all.iter().map(|&v| as_str(v)).collect()
}

#[test]
fn api_spellings() {
    assert_eq!(
        spellings(F::ALL, F::as_str, F::parse),
        [
            "I-589",
            "I-765",
            "EOIR-26",
            "motion_to_reopen",
            "motion_to_reconsider",
            "petition_for_review",
            "other"
        ]
    );
    assert_eq!(
        spellings(H::ALL, H::as_str, H::parse),
        [
            "master_calendar",
            "individual",
            "asylum_interview",
            "biometrics",
            "ice_check_in",
            "other"
        ]
    );
    assert_eq!(
        spellings(Dk::ALL, Dk::as_str, Dk::parse),
        [
            "asylum_granted",
            "withholding_granted",
            "cat_granted",
            "denied",
            "removal_ordered",
            "voluntary_departure",
            "terminated",
            "appeal_dismissed",
            "remanded"
        ]
    );
    assert_eq!(
        spellings(A::ALL, A::as_str, A::parse),
        ["immigration_judge", "bia", "uscis"]
    );
    assert_eq!(
        spellings(K::ALL, K::as_str, K::parse),
        [
            "one_year_filing",
            "ead_earliest_filing",
            "ead_earliest_grant",
            "bia_appeal",
            "motion_to_reconsider",
            "motion_to_reopen",
            "petition_for_review",
            "voluntary_departure",
            "ead_renewal_window",
            "pre_hearing_filing",
            "ice_check_in",
            "derivative_age_out",
            "bond_appeal",
            "zadvydas_review",
            "other"
        ]
    );
    assert_eq!(
        spellings(
            DeadlineStatus::ALL,
            DeadlineStatus::as_str,
            DeadlineStatus::parse
        ),
        // `superseded` added by issue 9: a deadline whose trigger vanished, kept with its mark.
        ["open", "met", "missed", "waived", "superseded"]
    );
    assert_eq!(
        spellings(FilingStatus::ALL, FilingStatus::as_str, FilingStatus::parse),
        ["pending", "accepted", "rejected", "approved", "denied"]
    );
    assert_eq!(
        spellings(Rel::ALL, Rel::as_str, Rel::parse),
        ["spouse", "child"]
    );
    assert_eq!(F::parse("i-589"), None, "exact spellings only");
    let adverse: Vec<Dk> = Dk::ALL.iter().copied().filter(|k| k.is_adverse()).collect();
    assert_eq!(
        adverse,
        [
            Dk::Denied,
            Dk::RemovalOrdered,
            Dk::VoluntaryDeparture,
            Dk::AppealDismissed
        ]
    );
}

/// A decision with its own id (the table's builder gives every decision the id `x`).
fn decision(id: &str, kind: Dk, by: A, on: &str, waived: bool) -> DecisionFact {
    DecisionFact {
        id: id.into(),
        kind,
        authority: by,
        decided_on: d(on),
        voluntary_departure_days: (kind == Dk::VoluntaryDeparture).then_some(60),
        appeal_waived: waived,
    }
}

/// Decisions in the order recorded, the kind, the expected triggers, the rule and why.
type SameDayRow = (
    Vec<DecisionFact>,
    K,
    Vec<&'static str>,
    &'static str,
    &'static str,
);

/// One deadline per rule and decision date. 8 CFR 1003.38(b): the appeal is from the immigration
/// judge's decision, due 30 days after it is rendered; a denial and a removal order given the
/// same day are one decision to appeal, so one `bia_appeal` (and one of each other kind, and one
/// set of reminders). The first decision recorded that day names it (`decision:<id>`), so a later
/// one that day changes nothing. Decisions on different days, or by different bodies (whose
/// motions follow different rules), keep their own.
#[test]
#[rustfmt::skip]
fn same_day_decisions_make_one_deadline_of_each_kind() {
    use Dk::*;
    let ij = A::ImmigrationJudge;
    // (decisions in the order recorded, kind, expected triggers, rule, why)
    let table: Vec<SameDayRow> = vec![
        (vec![decision("a", Denied, ij, "2023-09-14", false), decision("b", RemovalOrdered, ij, "2023-09-14", false)],
            K::BiaAppeal, vec!["decision:a"], BIA, "denial and removal order the same day: one appeal"),
        (vec![decision("b", RemovalOrdered, ij, "2023-09-14", false), decision("a", Denied, ij, "2023-09-14", false)],
            K::BiaAppeal, vec!["decision:b"], BIA, "the first recorded names it"),
        (vec![decision("a", Denied, ij, "2023-09-14", false), decision("b", RemovalOrdered, ij, "2023-09-14", false), decision("c", VoluntaryDeparture, ij, "2023-09-14", false)],
            K::BiaAppeal, vec!["decision:a"], BIA, "three adverse rulings the same day"),
        (vec![decision("a", Denied, ij, "2023-09-14", false), decision("b", RemovalOrdered, ij, "2023-09-15", false)],
            K::BiaAppeal, vec!["decision:a", "decision:b"], BIA, "different days: two appeals"),
        (vec![decision("a", Denied, ij, "2024-04-26", true), decision("b", RemovalOrdered, ij, "2024-04-26", true)],
            K::MotionToReconsider, vec!["decision:a"], "8 CFR 1003.23(b)(1)", "appeal waived: one motion to reconsider"),
        (vec![decision("a", Denied, ij, "2024-04-26", true), decision("b", RemovalOrdered, ij, "2024-04-26", true)],
            K::MotionToReopen, vec!["decision:a"], "8 CFR 1003.23(b)(1)", "appeal waived: one motion to reopen"),
        (vec![decision("a", Denied, A::Bia, "2025-06-04", false), decision("b", AppealDismissed, A::Bia, "2025-06-04", false)],
            K::PetitionForReview, vec!["decision:a"], PFR, "two adverse BIA rulings the same day: one petition"),
        (vec![decision("a", Denied, A::Bia, "2025-06-04", false), decision("b", AppealDismissed, A::Bia, "2025-06-04", false)],
            K::MotionToReopen, vec!["decision:a"], "8 CFR 1003.2(c)(2)", "one motion to reopen before the Board"),
        (vec![decision("a", Denied, ij, "2024-04-26", true), decision("b", AppealDismissed, A::Bia, "2024-04-26", false)],
            K::MotionToReconsider, vec!["decision:a", "decision:b"], "", "the judge's and the Board's orders follow different rules"),
        (vec![decision("a", VoluntaryDeparture, ij, "2024-08-02", false), decision("b", VoluntaryDeparture, ij, "2024-08-02", false)],
            K::VoluntaryDeparture, vec!["decision:a"], VD, "one departure period"),
    ];
    for (decisions, kind, triggers, rule, why) in table {
        let facts = CaseFacts { decisions, ..case() };
        let got: Vec<ComputedDeadline> = compute(&facts, &Calendar::default(), &EadWaits::default())
            .into_iter()
            .filter(|x| x.kind == kind)
            .collect();
        let mut got_triggers: Vec<&str> = got.iter().map(|x| x.trigger.as_str()).collect();
        got_triggers.sort();
        assert_eq!(got_triggers, triggers, "{why}");
        if !rule.is_empty() {
            assert!(got.iter().all(|x| x.rule == rule), "{why}: cites {rule}");
        }
    }
}

/// Only a motion to reopen may rest on changed country conditions, which has no time limit
/// (8 CFR 1003.2(c)(3)(ii); 8 CFR 1003.23(b)(4)(i)); saying nothing is always allowed.
#[test]
fn changed_country_conditions_table() {
    use asylum_tracker::domain::deadlines::reopen_basis_fits;
    use asylum_tracker::domain::vocab::Form;
    for form in Form::ALL.iter().copied() {
        assert_eq!(
            reopen_basis_fits(form, false),
            Ok(()),
            "{form:?} without the claim"
        );
        assert_eq!(
            reopen_basis_fits(form, true).is_ok(),
            form == Form::MotionToReopen,
            "{form:?} claiming changed country conditions"
        );
    }
}
