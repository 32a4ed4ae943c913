//! Use case of the audit log: reading it, newest first. Admins only (403 for others). Writes
//! append rows through `db::audit::record` inside their own transaction.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::policy::require_admin;
use crate::db::audit::{self, AuditRow};
use crate::db::page::{ser_instant, ser_opt_instant, Page};
use crate::db::run_db;
use crate::error::AppResult;
use crate::http::list::List;
use crate::state::AppState;

/// Which rows to read: by entity type, entity id and actor, each optional.
pub use crate::db::audit::AuditFilter;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    /// `{"field": {"from": a, "to": b}}`. Once reduced (`reduced_at`), only fields holding ids
    /// keep their values; every other value reads `"(removed)"`.
    #[schema(value_type = Object)]
    pub changes: Value,
    /// When the snapshot was reduced to ids: `audit.retention_days` after `at`, or when its
    /// client was erased; null while it is whole.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "ser_opt_instant")]
    pub reduced_at: Option<NaiveDateTime>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            // Written by `record` from a JSON value; anything else shows as null.
            changes: serde_json::from_str(&r.changes).unwrap_or(Value::Null),
            reduced_at: r.reduced_at,
        }
    }
}

/// Audit rows matching `filter`, newest first, a page at a time.
///
/// `query` is the caller's parsed query as is: a non-admin hears 403 before any 422 about it.
pub async fn list(
    app: &AppState,
    caller: &AuthUser,
    query: AppResult<(AuditFilter, Page)>,
) -> AppResult<List<AuditEntry>> {
    require_admin(caller)?;
    let (filter, page) = query?;
    let (rows, next) = run_db(&app.pool, move |conn| audit::list(conn, &filter, &page)).await?;
    Ok(List::page(
        rows.into_iter().map(AuditEntry::from).collect(),
        next,
    ))
}
