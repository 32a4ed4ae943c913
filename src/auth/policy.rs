//! Who may do what: roles, the checks every handler asks for, and the visibility filters every
//! list and lookup applies (never hand-rolled in handlers).
//!
//! Roles: admins see and change everything. A lawyer or caseworker sees a case only while assigned
//! to it, and a client only while assigned to one of the client's cases, or as the client's creator
//! while the client has no case. What is not visible answers 404, as if absent. Account management
//! and the audit log are admin-only (403). Assigning is for admins and the case's lawyers (403 for an
//! assigned caseworker), naming assignees when opening a case too. The directory of assignable people is for everyone signed in.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::AuthUser;
use crate::db::scope::Scope;
use crate::domain::vocab::AssignmentRole;
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

/// The directory of people who can be assigned (names and roles, no e-mail addresses): every
/// signed-in user, since lawyers assign colleagues to their cases. A new role decides here.
pub fn may_read_directory(user: &AuthUser) -> AppResult<()> {
    match user.role {
        Role::Admin | Role::Lawyer | Role::Caseworker => Ok(()),
    }
}

/// Logs a refused authorisation (who, which route) and answers 403.
pub fn refuse(user: &AuthUser, why: &str) -> AppResult<()> {
    log_refusal(user, why);
    Err(AppError::Forbidden)
}

fn log_refusal(user: &AuthUser, why: &str) {
    tracing::warn!(
        event = "authorization",
        outcome = "refused",
        user_id = %user.id,
        role = user.role.as_str(),
        route = %user.route,
        reason = why,
    );
}

/// The rows a caller may see: admins everything, others what they are assigned to.
pub fn scope(user: &AuthUser) -> Scope {
    if user.role == Role::Admin {
        Scope::All
    } else {
        Scope::AssignedTo(user.id.clone())
    }
}

/// Assigning and unassigning: admins, and lawyers assigned to the case.
pub fn may_assign(user: &AuthUser, assigned_as_lawyer: bool) -> AppResult<()> {
    if user.role == Role::Admin || assigned_as_lawyer {
        Ok(())
    } else {
        refuse(user, "only admins and the case's lawyers assign")
    }
}

/// A new case's creator is assigned to it in their account's role; admins are not assigned.
pub fn assigned_on_create(user: &AuthUser) -> Option<AssignmentRole> {
    match user.role {
        Role::Admin => None,
        Role::Lawyer => Some(AssignmentRole::Lawyer),
        Role::Caseworker => Some(AssignmentRole::Caseworker),
    }
}

/// Naming people (`named`, user ids) when opening a case assigns them, so it is allowed as
/// assigning is on any case: to admins, and to lawyers, who become the new case's lawyer. A
/// caseworker may name only themself: otherwise a colleague would get the client's whole record
/// from someone who may not assign (403, with a detail saying so).
pub fn may_name_assignees<'a>(
    user: &AuthUser,
    named: impl IntoIterator<Item = &'a str>,
) -> AppResult<()> {
    let lawyer_of_new_case = assigned_on_create(user) == Some(AssignmentRole::Lawyer);
    let names_others = named.into_iter().any(|id| id != user.id);
    if !names_others || user.role == Role::Admin || lawyer_of_new_case {
        return Ok(());
    }
    log_refusal(
        user,
        "only admins and lawyers name others when opening a case",
    );
    Err(AppError::ForbiddenBecause(
        "only admins and lawyers may assign other people when opening a case; leave lawyer_ids \
         and caseworker_ids out (you are assigned yourself) and ask an admin or the case's \
         lawyer to assign colleagues"
            .to_string(),
    ))
}

/// An account may be assigned to a case in its own role; an admin account in either.
pub fn assignable_as(account: Role, role: AssignmentRole) -> bool {
    account == Role::Admin || account.as_str() == role.as_str()
}

/// A note is corrected by its author only (inside its edit window): a note is its author's
/// record of what they did or heard, so nobody else may change their words (403, saying so).
pub fn may_correct_note(user: &AuthUser, author_id: &str) -> AppResult<()> {
    if user.id == author_id {
        return Ok(());
    }
    log_refusal(user, "only a note's author may correct it");
    Err(AppError::ForbiddenBecause(
        "only a note's author may correct it; add a new note instead".to_string(),
    ))
}

/// Whose task list a caller may read: their own, and anyone's for admins (who balance work).
pub fn may_list_tasks_of(user: &AuthUser, assignee_id: &str) -> AppResult<()> {
    if user.id == assignee_id || user.role == Role::Admin {
        Ok(())
    } else {
        refuse(user, "only admins list other people's tasks")
    }
}

/// Who may be given a task on a case: an active account that may see the case (on its team, or
/// an admin), since the task's reminders and agenda row lead to the case.
pub fn may_be_given_task(account: Role, active: bool, on_team: bool) -> bool {
    active && (on_team || account == Role::Admin)
}
