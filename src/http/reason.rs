//! The reason every correction, withdrawal or removal of a record needs (kept in its history and
//! the audit log): one rule and one body for all the routes that take it.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppResult, Fields};

/// The reason for a correction or withdrawal: trimmed, 1 to 500 characters.
pub fn reason(raw: &str, errors: &mut Fields) -> String {
    let r = raw.trim().to_string();
    if r.is_empty() || r.chars().count() > 500 {
        errors.push("reason", "must be 1 to 500 characters");
    }
    r
}

/// Why a record is withdrawn or removed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    /// Why the record is withdrawn or removed (kept in its history and the audit log). Trimmed;
    /// 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

impl WithdrawRequest {
    pub fn parse(self) -> AppResult<String> {
        let mut errors = Fields::new();
        let r = reason(&self.reason, &mut errors);
        errors.finish()?;
        Ok(r)
    }
}
