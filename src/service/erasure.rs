//! Erasing a client (admins only): their personal data removed everywhere in one transaction,
//! the audit snapshots about their records included, and the erasure itself audited by id.
//!
//! The client's cases go too, with every fact, deadline, hearing, note, task and reminder: what
//! remains of a case (its court, hearing dates, decision dates, custody, family) would point back
//! to the person in a small office's files or the court's public records, so a "reduced" case
//! would not be anonymous. What an organisation may need to count (how many cases, of which kind,
//! how each was closed) is kept in the erasure's audit row. Every case must be closed first: an
//! open case still has deadlines whose reminders keep someone from being deported.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::policy::require_admin;
use crate::db::erasure::{self, ErasedCase, Removed};
use crate::db::page::ser_instant;
use crate::domain::vocab::ErasureReason;
use crate::error::{AppError, AppResult};
use crate::service::in_transaction;
use crate::state::AppState;

/// What was erased: the receipt, and the content of the erasure's audit row.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureView {
    pub client_id: String,
    pub reason: ErasureReason,
    pub erased_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub erased_at: NaiveDateTime,
    /// The erased cases: id, kind and how each was closed.
    pub cases: Vec<ErasedCase>,
    pub removed: Removed,
}

/// Erases client `client_id`: 403 for anyone but an admin (before any check of `reason`, which
/// the route parsed), 404 when there is no such client, 409 while any of its cases is open.
pub async fn erase(
    app: &AppState,
    caller: &AuthUser,
    client_id: String,
    reason: AppResult<ErasureReason>,
) -> AppResult<ErasureView> {
    require_admin(caller)?;
    let reason = reason?;
    let actor = caller.id.clone();
    in_transaction(app, move |conn, _| {
        let cases = erasure::lock_client(conn, &client_id)?.ok_or(AppError::NotFound)?;
        let open = cases.iter().filter(|(_, closed)| !closed).count();
        if open > 0 {
            return Err(AppError::Conflict {
                detail: format!(
                    "{open} of the client's cases {} open: close every case first (with its \
                     reason), so that no deadline still being followed is lost",
                    if open == 1 { "is" } else { "are" }
                ),
                errors: Vec::new(),
            });
        }
        let cases: Vec<ErasedCase> = cases.into_iter().map(|(c, _)| c).collect();
        let case_ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
        let now = crate::db::now();
        let removed = erasure::erase(conn, &client_id, &case_ids, now)?;
        let view = ErasureView {
            client_id,
            reason,
            erased_by: actor,
            erased_at: now,
            cases,
            removed,
        };
        let changes = serde_json::json!({
            "reason": view.reason,
            "cases": view.cases,
            "removed": view.removed,
        });
        erasure::record_erasure(conn, &view.erased_by, &view.client_id, &changes, now)?;
        tracing::info!(event = "erasure", client_id = %view.client_id, cases = view.cases.len(), "client erased");
        Ok(view)
    })
    .await
}
