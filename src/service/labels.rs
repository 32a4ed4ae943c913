//! What an agenda row says about its case and client (the case reference and the client's
//! names), so that a list of hearings or deadlines reads without a request per row.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::cases::Label;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseLabel {
    /// The case's reference, e.g. `C-2026-0042`.
    pub case_reference: String,
    pub client_id: String,
    /// "Given Family".
    pub client_name: String,
    /// The name in the client's own script, if recorded.
    pub client_native_name: Option<String>,
    /// Whether the client is in custody on this case (an open custody period).
    pub detained: bool,
}

impl From<Label> for CaseLabel {
    fn from(l: Label) -> Self {
        CaseLabel {
            case_reference: l.reference,
            client_id: l.client_id,
            client_name: format!("{} {}", l.given_name, l.family_name),
            client_native_name: l.native_name,
            detained: l.detained,
        }
    }
}
