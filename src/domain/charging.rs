//! The charging document of removal proceedings, the Notice to Appear (Form I-862): when it was
//! issued, served and filed, whether it named the time and place of the first hearing, and the
//! order those dates must come in.

use chrono::NaiveDate;

/// A case's Notice to Appear as recorded; each part `None` while not known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoticeToAppear {
    pub issued_on: Option<NaiveDate>,
    pub served_on: Option<NaiveDate>,
    /// Proceedings begin when the NTA is filed with the immigration court (8 CFR 1003.14(a)).
    pub filed_on: Option<NaiveDate>,
    /// Whether it named the time and place of the first hearing. One that did not does not stop
    /// the continuous-residence clock (INA 240A(d)(1); *Pereira v. Sessions*, 2018; *Niz-Chavez
    /// v. Garland*, 2021), so it must be recorded either way.
    pub time_and_place: Option<bool>,
}

impl NoticeToAppear {
    /// The dates out of order, as (field, message): DHS issues the notice before it is served on
    /// the person or filed with the immigration court, which is when proceedings begin (8 CFR
    /// 1003.14(a)); so neither may come before `nta_issued_on`. Service and filing may come in
    /// either order. A date not known is not compared.
    pub fn order_errors(&self) -> Vec<(&'static str, &'static str)> {
        let Some(issued) = self.issued_on else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if self.served_on.is_some_and(|d| d < issued) {
            out.push(("nta_served_on", "must not be before nta_issued_on"));
        }
        if self.filed_on.is_some_and(|d| d < issued) {
            out.push(("nta_filed_on", "must not be before nta_issued_on"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issued, served, filed, and the fields refused.
    type Row = (
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<NaiveDate>,
        &'static [&'static str],
    );

    fn day(s: &str) -> Option<NaiveDate> {
        Some(s.parse().unwrap())
    }

    /// One row per rule case of 8 CFR 1003.14(a): issued, served, filed -> the fields refused.
    #[test]
    fn served_and_filed_come_no_earlier_than_issued() {
        let rows: [Row; 8] = [
            (day("2026-01-05"), day("2026-01-05"), day("2026-01-05"), &[]),
            (day("2026-01-05"), day("2026-01-20"), day("2026-01-10"), &[]),
            (
                day("2026-01-05"),
                day("2026-01-04"),
                None,
                &["nta_served_on"],
            ),
            (
                day("2026-01-05"),
                None,
                day("2026-01-04"),
                &["nta_filed_on"],
            ),
            (
                day("2026-01-05"),
                day("2025-12-31"),
                day("2025-12-31"),
                &["nta_served_on", "nta_filed_on"],
            ),
            // Nothing to compare with while the issue date is not known.
            (None, day("2020-01-01"), day("2019-01-01"), &[]),
            (None, None, None, &[]),
            (day("2026-01-05"), None, None, &[]),
        ];
        for (issued_on, served_on, filed_on, want) in rows {
            let nta = NoticeToAppear {
                issued_on,
                served_on,
                filed_on,
                time_and_place: None,
            };
            let got: Vec<&str> = nta.order_errors().iter().map(|(f, _)| *f).collect();
            assert_eq!(got, want, "{nta:?}");
        }
    }
}
