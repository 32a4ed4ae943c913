//! Who may do what: roles and the checks every handler asks for (never hand-rolled in handlers).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::AuthUser;
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
