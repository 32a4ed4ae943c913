//! Use cases for who works on a case: assign (or change the role of) and unassign a user. Only
//! admins and the case's lawyers may (policy); the case must be visible to the caller (404).

use super::cases::{view, CaseView};
use crate::auth::extract::AuthUser;
use crate::auth::policy::{assignable_as, may_assign, scope, Role};
use crate::db::cases::{self, Case};
use crate::db::{audit, users, DbConnection};
use crate::domain::vocab::AssignmentRole;
use crate::error::{AppError, AppResult};
use crate::reminders::outbox;
use crate::service::in_transaction;
use crate::state::AppState;

/// 422 against `field` unless `user_id` names an active user whose account may take `role`.
pub(super) fn check_assignee(
    conn: &mut DbConnection,
    user_id: &str,
    role: AssignmentRole,
    field: &str,
) -> AppResult<()> {
    let user = users::find(conn, user_id)?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::field(field, "names no active user"))?;
    let account = Role::parse(&user.role);
    if !account.is_some_and(|account| assignable_as(account, role)) {
        return Err(AppError::field(
            field,
            format!(
                "names a {}, who cannot be assigned as {}",
                user.role,
                role.as_str()
            ),
        ));
    }
    Ok(())
}

/// The visible case `case_id`, once the caller is known to be allowed to assign on it (403).
fn case_to_assign(conn: &mut DbConnection, caller: &AuthUser, case_id: &str) -> AppResult<Case> {
    let case = cases::find(conn, case_id, &scope(caller))?;
    let mine = cases::assignment(conn, &case.id, &caller.id)?;
    may_assign(
        caller,
        mine.is_some_and(|a| a.role == AssignmentRole::Lawyer.as_str()),
    )?;
    Ok(case)
}

/// Assigns `user_id` to a case as `role`, or changes their role on it; their reminders follow.
pub async fn assign(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    user_id: String,
    role: AssignmentRole,
) -> AppResult<CaseView> {
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case = case_to_assign(conn, &caller, &case_id)?;
        users::find(conn, &user_id)?.ok_or(AppError::NotFound)?;
        check_assignee(conn, &user_id, role, "user_id")?;
        let before = cases::assignment(conn, &case.id, &user_id)?;
        cases::assign(conn, &case.id, &user_id, role.as_str(), Some(&caller.id))?;
        outbox::replan_case(conn, &case.id, &ctx.schedule)?;
        let changes = serde_json::json!({"assignment": {"user_id": user_id, "from": before.map(|a| a.role), "to": role.as_str()}});
        audit::record(conn, Some(&caller.id), "assign", "case", &case.id, changes)?;
        view(conn, &case)
    })
    .await
}

/// Removes `user_id` from a case (404 when not assigned); their access ends at once.
pub async fn unassign(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    user_id: String,
) -> AppResult<()> {
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case = case_to_assign(conn, &caller, &case_id)?;
        let before = cases::assignment(conn, &case.id, &user_id)?.ok_or(AppError::NotFound)?;
        cases::unassign(conn, &case.id, &user_id)?;
        outbox::replan_case(conn, &case.id, &ctx.schedule)?;
        let changes = serde_json::json!({"assignment": {"user_id": user_id, "from": before.role, "to": null}});
        audit::record(conn, Some(&caller.id), "unassign", "case", &case.id, changes)
    })
    .await
}
