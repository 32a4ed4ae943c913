//! Use cases of closure days by executive order: they give deadlines near them an
//! `alternative_due_on` (never a new `due_on`), so adding or removing one recomputes those cases.
//! Admins only (403 for others).

use crate::service::in_transaction;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::recompute;
use crate::auth::extract::AuthUser;
use crate::auth::policy::require_admin;
use crate::db::deadlines::{self as store, Closure};
use crate::db::page::ser_instant;
use crate::db::{audit, run_db};
use crate::error::AppResult;
use crate::http::list::List;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureView {
    pub id: String,
    pub day: NaiveDate,
    pub reason: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
}

impl From<&Closure> for ClosureView {
    fn from(c: &Closure) -> Self {
        ClosureView {
            id: c.id.clone(),
            day: c.day,
            reason: c.reason.clone(),
            created_at: c.created_at,
        }
    }
}

/// Every closure day, by date.
pub async fn list(app: &AppState, caller: &AuthUser) -> AppResult<List<ClosureView>> {
    require_admin(caller)?;
    let items = run_db(&app.pool, |conn| {
        Ok(store::list_closures(conn)?
            .iter()
            .map(ClosureView::from)
            .collect())
    })
    .await?;
    Ok(List::all(items))
}

/// A new closure day; `reason` trimmed, 1 to 200 characters.
#[derive(Debug, Clone)]
pub struct NewClosure {
    pub day: NaiveDate,
    pub reason: String,
}

/// Adds a closure day (409 if the day is one already) and recomputes the cases near it.
///
/// `input` is the caller's parsed request as is: a non-admin hears 403 before any 422 about
/// what was sent.
pub async fn create(
    app: &AppState,
    caller: &AuthUser,
    input: AppResult<NewClosure>,
) -> AppResult<ClosureView> {
    require_admin(caller)?;
    let input = input?;
    let actor = caller.id.clone();
    in_transaction(app, move |conn, ctx| {
        let c = store::insert_closure(conn, input.day, &input.reason)?;
        let near = store::cases_near(conn, c.day)?;
        recompute::cases_changed(conn, &near, ctx, &format!("closure day {} added", c.day))?;
        let v = ClosureView::from(&c);
        audit::record(
            conn,
            Some(&actor),
            "create",
            "closure",
            &c.id,
            audit::created(&serde_json::to_value(&v).unwrap_or_default()),
        )?;
        Ok(v)
    })
    .await
}

/// Removes a closure day and recomputes the cases near it.
pub async fn delete(app: &AppState, caller: &AuthUser, id: String) -> AppResult<()> {
    require_admin(caller)?;
    let actor = caller.id.clone();
    in_transaction(app, move |conn, ctx| {
        let c = store::delete_closure(conn, &id)?;
        let near = store::cases_near(conn, c.day)?;
        recompute::cases_changed(conn, &near, ctx, &format!("closure day {} removed", c.day))?;
        let changes = serde_json::json!({
            "day": {"from": c.day, "to": null},
            "reason": {"from": c.reason, "to": null},
        });
        audit::record(conn, Some(&actor), "delete", "closure", &c.id, changes)
    })
    .await
}
