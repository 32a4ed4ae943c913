//! A case's status, derived from its recorded facts so that it can never disagree with them.
//!
//! The path: `intake` -> `filed` (an I-589 is recorded) -> `interview_scheduled` (affirmative: an
//! asylum interview is on the calendar) or `in_proceedings` (defensive: a master calendar or
//! individual hearing is on the calendar) -> `decided` (a decision is recorded) -> `on_appeal` (an
//! EOIR-26 was filed after an adverse immigration judge decision) -> `final_order` (any BIA decision
//! but a remand, or an adverse IJ decision with appeal waived) -> `closed` (set by a person; the
//! only status that is). A remand sends the case back to `in_proceedings`.

use super::deadlines::CaseFacts;
use super::vocab::{Authority, CaseKind, CaseStatus, DecisionKind, Form, HearingKind};

pub fn derive(kind: CaseKind, facts: &CaseFacts, closed: bool) -> CaseStatus {
    if closed {
        return CaseStatus::Closed;
    }
    // The latest decision governs; on the same day the later-recorded one (input order) wins.
    let last = facts
        .decisions
        .iter()
        .enumerate()
        .max_by_key(|(i, d)| (d.decided_on, *i))
        .map(|(_, d)| d);
    if let Some(d) = last {
        if d.kind == DecisionKind::Remanded {
            return CaseStatus::InProceedings;
        }
        return match d.authority {
            Authority::Bia => CaseStatus::FinalOrder,
            Authority::ImmigrationJudge if d.kind.is_adverse() && d.appeal_waived => {
                CaseStatus::FinalOrder
            }
            Authority::ImmigrationJudge if d.kind.is_adverse() => {
                let appealed = facts
                    .filings
                    .iter()
                    .any(|f| f.form == Form::Eoir26 && f.is_filed() && f.filed_on >= d.decided_on);
                if appealed {
                    CaseStatus::OnAppeal
                } else {
                    CaseStatus::Decided
                }
            }
            _ => CaseStatus::Decided,
        };
    }
    let scheduled = |kinds: &[HearingKind]| {
        facts
            .hearings
            .iter()
            .any(|h| !h.cancelled && kinds.contains(&h.kind))
    };
    match kind {
        CaseKind::Affirmative if scheduled(&[HearingKind::AsylumInterview]) => {
            CaseStatus::InterviewScheduled
        }
        CaseKind::Defensive
            if scheduled(&[HearingKind::MasterCalendar, HearingKind::Individual]) =>
        {
            CaseStatus::InProceedings
        }
        _ if super::deadlines::clock_filing(&facts.filings).is_some() => CaseStatus::Filed,
        _ => CaseStatus::Intake,
    }
}
