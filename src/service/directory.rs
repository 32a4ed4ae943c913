//! The directory of people who can be assigned to a case: names and roles for the "assign a
//! person" picker, without e-mail addresses (those are for account management, admins only).

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::policy::may_read_directory;
use crate::db::{run_db, users};
use crate::domain::vocab::AssignmentRole;
use crate::error::AppResult;
use crate::http::list::List;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryEntry {
    pub id: String,
    pub name: String,
    /// The account's role, which is also the role it may take on a case.
    #[schema(value_type = AssignmentRole)]
    pub role: String,
}

/// Active lawyers and caseworkers sorted by name (case-insensitively, then by id, the same on
/// both backends whatever the database's collation). Never paged: a team is small.
pub async fn list(app: &AppState, caller: &AuthUser) -> AppResult<List<DirectoryEntry>> {
    may_read_directory(caller)?;
    let mut rows = run_db(&app.pool, users::assignable).await?;
    rows.sort_by_cached_key(|(id, name, _)| (name.to_lowercase(), id.clone()));
    Ok(List::all(
        rows.into_iter()
            .map(|(id, name, role)| DirectoryEntry { id, name, role })
            .collect(),
    ))
}
