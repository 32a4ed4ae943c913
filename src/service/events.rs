//! Case events: filings, clock events and decisions.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::events::ClockEventRow;
use crate::db::page::ser_instant;

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockEventView {
    pub id: String,
    pub case_id: String,
    /// `stop` or `resume`.
    pub kind: String,
    pub on: NaiveDate,
    pub reason: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
}

impl From<&ClockEventRow> for ClockEventView {
    fn from(e: &ClockEventRow) -> Self {
        ClockEventView {
            id: e.id.clone(),
            case_id: e.case_id.clone(),
            kind: e.kind.clone(),
            on: e.occurred_on,
            reason: e.reason.clone(),
            created_at: e.created_at,
        }
    }
}
