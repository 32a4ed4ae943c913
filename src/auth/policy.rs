//! Who may do what: roles, the checks every handler asks for, and the visibility filters every
//! list and lookup applies (never hand-rolled in handlers).
//!
//! Roles: admins see and change everything. A lawyer or caseworker sees a case only while assigned
//! to it, and a client only while assigned to one of the client's cases, or as the client's creator
//! while the client has no case. What is not visible answers 404, as if absent. Account management
//! and the audit log are admin-only (403). Assigning is for admins and the case's lawyers (403 for an
//! assigned caseworker).

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::AuthUser;
use crate::db::schema::{case_assignments, cases, clients, deadlines};
use crate::db::MultiBackend;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Lawyer,
    Caseworker,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Lawyer, Role::Caseworker];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Lawyer => "lawyer",
            Role::Caseworker => "caseworker",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// For 422 messages: "one of admin, lawyer, caseworker".
    pub fn allowed() -> String {
        format!("must be one of {}", Role::ALL.map(Role::as_str).join(", "))
    }
}

/// Account management and the audit log: admins only.
pub fn require_admin(user: &AuthUser) -> AppResult<()> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        refuse(user, "admin only")
    }
}

/// Logs a refused authorisation (who, which route) and answers 403.
pub fn refuse(user: &AuthUser, why: &str) -> AppResult<()> {
    tracing::warn!(
        event = "authorization",
        outcome = "refused",
        user_id = %user.id,
        role = user.role.as_str(),
        route = %user.route,
        reason = why,
    );
    Err(AppError::Forbidden)
}

/// A boxed SQL condition on one table, for the visibility filters below.
pub type Condition<T> = Box<dyn BoxableExpression<T, MultiBackend, SqlType = Bool>>;

/// Cases the user sees: admins all; others the cases they are assigned to. `None` means no filter.
pub fn visible_cases(user: &AuthUser) -> Option<Condition<cases::table>> {
    if user.role == Role::Admin {
        return None;
    }
    Some(Box::new(cases::id.eq_any(assigned_case_ids(&user.id))))
}

/// Clients the user sees: admins all; others the clients of their assigned cases, and the clients
/// they created while those have no case yet.
pub fn visible_clients(user: &AuthUser) -> Option<Condition<clients::table>> {
    if user.role == Role::Admin {
        return None;
    }
    let via_case = clients::id.eq_any(
        case_assignments::table
            .inner_join(cases::table)
            .filter(case_assignments::user_id.eq(user.id.clone()))
            .select(cases::client_id),
    );
    let own_without_case = clients::created_by.eq(user.id.clone()).and(not(exists(
        cases::table.filter(cases::client_id.eq(clients::id)),
    )));
    Some(Box::new(via_case.or(own_without_case)))
}

/// The ids of the cases a user is assigned to (a subquery, served by `case_assignments_user`).
pub fn assigned_case_ids(
    user_id: &str,
) -> diesel::helper_types::Select<
    diesel::helper_types::Filter<
        case_assignments::table,
        diesel::helper_types::Eq<case_assignments::user_id, String>,
    >,
    case_assignments::case_id,
> {
    case_assignments::table
        .filter(case_assignments::user_id.eq(user_id.to_string()))
        .select(case_assignments::case_id)
}

/// Assigning and unassigning: admins, and lawyers assigned to the case.
pub fn may_assign(user: &AuthUser, assigned_as_lawyer: bool) -> AppResult<()> {
    if user.role == Role::Admin || assigned_as_lawyer {
        Ok(())
    } else {
        refuse(user, "only admins and the case's lawyers assign")
    }
}

/// Deadlines of the cases the user sees.
pub fn visible_deadlines(user: &AuthUser) -> Option<Condition<deadlines::table>> {
    if user.role == Role::Admin {
        return None;
    }
    Some(Box::new(
        deadlines::case_id.eq_any(assigned_case_ids(&user.id)),
    ))
}
