//! The API's vocabulary: every enum with its exact spelling, `as_str`, `parse`, `ALL` and the
//! message naming the allowed values.

use serde::{Deserialize, Serialize};

/// An enum with the exact API spellings, `as_str`, `parse` and `ALL`.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
        // Every variant names its spelling (no rename_all: utoipa would let it win; `tt`, not
        // `literal`, because utoipa does not see a rename passed as a `literal` fragment).
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
            /// For 422 messages: "must be one of a, b, c".
            pub fn allowed() -> String {
                let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                format!("must be one of {}", names.join(", "))
            }
        }
    };
}

text_enum!(Form {
    I589 = "I-589", I765 = "I-765", Eoir26 = "EOIR-26", MotionToReopen = "motion_to_reopen",
    MotionToReconsider = "motion_to_reconsider", PetitionForReview = "petition_for_review",
    Other = "other",
});
text_enum!(HearingKind {
    MasterCalendar = "master_calendar", Individual = "individual",
    AsylumInterview = "asylum_interview", Biometrics = "biometrics", IceCheckIn = "ice_check_in",
    Other = "other",
});
text_enum!(DecisionKind {
    AsylumGranted = "asylum_granted", WithholdingGranted = "withholding_granted",
    CatGranted = "cat_granted", Denied = "denied", RemovalOrdered = "removal_ordered",
    VoluntaryDeparture = "voluntary_departure", Terminated = "terminated",
    AppealDismissed = "appeal_dismissed", Remanded = "remanded",
});
text_enum!(Authority { ImmigrationJudge = "immigration_judge", Bia = "bia", Uscis = "uscis" });
text_enum!(DeadlineKind {
    OneYearFiling = "one_year_filing", EadEarliestFiling = "ead_earliest_filing",
    EadEarliestGrant = "ead_earliest_grant", BiaAppeal = "bia_appeal",
    MotionToReconsider = "motion_to_reconsider", MotionToReopen = "motion_to_reopen",
    PetitionForReview = "petition_for_review", VoluntaryDeparture = "voluntary_departure",
    EadRenewalWindow = "ead_renewal_window", PreHearingFiling = "pre_hearing_filing",
    IceCheckIn = "ice_check_in",
    DerivativeAgeOut = "derivative_age_out",
    BondAppeal = "bond_appeal", ZadvydasReview = "zadvydas_review", Other = "other",
});
text_enum!(DeadlineStatus {
    Open = "open", Met = "met", Missed = "missed", Waived = "waived", Superseded = "superseded",
});
text_enum!(FilingStatus {
    Pending = "pending", Accepted = "accepted", Rejected = "rejected", Approved = "approved",
    Denied = "denied",
});

impl DecisionKind {
    /// The adverse kinds of API.md.
    pub fn is_adverse(self) -> bool {
        use DecisionKind::*;
        matches!(
            self,
            Denied | RemovalOrdered | VoluntaryDeparture | AppealDismissed
        )
    }
}

impl DeadlineKind {
    /// Permissive dates (the earliest day something may be done), not deadlines: never `missed`.
    pub fn is_earliest_date(self) -> bool {
        use DeadlineKind::*;
        matches!(
            self,
            EadEarliestFiling | EadEarliestGrant | EadRenewalWindow | ZadvydasReview
        )
    }
}

text_enum!(CaseKind { Affirmative = "affirmative", Defensive = "defensive" });
text_enum!(CaseStatus {
    Intake = "intake", Filed = "filed", InProceedings = "in_proceedings",
    InterviewScheduled = "interview_scheduled", Decided = "decided", OnAppeal = "on_appeal",
    FinalOrder = "final_order", Closed = "closed",
});
text_enum!(
    /// Why a case was closed: relief granted, the client removed, the case transferred to other
    /// counsel, the client withdrew, contact lost, or another reason (say which in the note).
    ClosedReason {
        Granted = "granted", Removed = "removed", Transferred = "transferred",
        Withdrew = "withdrew", LostContact = "lost_contact", Other = "other",
    }
);
text_enum!(MannerOfEntry {
    WithoutInspection = "without_inspection", Parole = "parole", Visa = "visa", Other = "other",
});
text_enum!(HearingOutcome {
    Held = "held", ContinuedByApplicant = "continued_by_applicant",
    ContinuedByCourt = "continued_by_court", NoShow = "no_show", Cancelled = "cancelled",
});
text_enum!(HearingMode { InPerson = "in_person", Video = "video", Telephone = "telephone" });
text_enum!(OfficeKind {
    IceFieldOffice = "ice_field_office", AsylumOffice = "asylum_office",
    ApplicationSupportCenter = "application_support_center",
});

impl HearingKind {
    /// The kind of office an appointment of this kind is held at; none for court hearings.
    /// Check-ins are at ICE field offices (8 CFR 241.5(a)), asylum interviews at USCIS asylum
    /// offices (8 CFR 208.9), biometrics at application support centres (8 CFR 103.16).
    pub fn office_kind(self) -> Option<OfficeKind> {
        match self {
            HearingKind::IceCheckIn => Some(OfficeKind::IceFieldOffice),
            HearingKind::AsylumInterview => Some(OfficeKind::AsylumOffice),
            HearingKind::Biometrics => Some(OfficeKind::ApplicationSupportCenter),
            HearingKind::MasterCalendar | HearingKind::Individual | HearingKind::Other => None,
        }
    }
}

text_enum!(AssignmentRole { Lawyer = "lawyer", Caseworker = "caseworker" });
text_enum!(
    /// A family member's relationship to the client: a spouse or a child may be included in the
    /// I-589 as a derivative (INA 208(b)(3)(A)).
    Relationship { Spouse = "spouse", Child = "child" }
);
text_enum!(
    /// The exception to the one-year filing bar a case claims: changed circumstances (8 CFR
    /// 208.4(a)(4)) or extraordinary circumstances (8 CFR 208.4(a)(5)).
    OneYearException {
        ChangedCircumstances = "changed_circumstances",
        ExtraordinaryCircumstances = "extraordinary_circumstances",
    }
);
text_enum!(
    /// A task's state: `open` until someone marks it `done` (which stops its reminders).
    TaskStatus { Open = "open", Done = "done" }
);
text_enum!(
    /// How a detained client was released: on bond (INA 236(a)(2)(A)), on parole (INA
    /// 212(d)(5)(A); 8 CFR 212.5), under an Order of Supervision (INA 241(a)(3)), on their own
    /// recognizance (INA 236(a)(2)(B)), or otherwise (say how in the note).
    ReleaseBasis {
        Bond = "bond", Parole = "parole", OrderOfSupervision = "order_of_supervision",
        Recognizance = "recognizance", Other = "other",
    }
);
text_enum!(
    /// An immigration judge's custody (bond) redetermination (8 CFR 1236.1(d)(1), 1003.19): bond
    /// granted (set or lowered), denied, or no jurisdiction over custody (e.g. mandatory
    /// detention, 8 CFR 1003.19(h)).
    BondDecision { Granted = "granted", Denied = "denied", NoJurisdiction = "no_jurisdiction" }
);
text_enum!(
    /// Why a client's records were erased: a code, never free text, so that the erasure's own
    /// audit row cannot hold the identity it removed. The client asked; the record was entered in
    /// error or is a duplicate of another; the office's retention period for the file ended; or
    /// another reason (kept by the office outside the system, if at all).
    ErasureReason {
        ClientRequest = "client_request", EnteredInError = "entered_in_error",
        Duplicate = "duplicate", RetentionPeriodEnded = "retention_period_ended", Other = "other",
    }
);
