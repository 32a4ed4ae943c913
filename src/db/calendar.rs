//! Calendar feeds: the per-user feed token (stored as a hash) and the feed's hearings and open
//! deadlines, of followed cases only (open, client not archived).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{case_assignments, cases, clients, deadlines, hearings, users};
use super::scope::{assigned_case_ids, Scope};
use super::DbConnection;
use crate::error::AppResult;

/// Sets (a new token's hash) or clears (`None`: no address works until a new one is created) a
/// user's feed token.
pub fn set_token_hash(
    conn: &mut DbConnection,
    user_id: &str,
    hashed: Option<&str>,
) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::calendar_token_hash.eq(hashed))
        .execute(conn)?;
    Ok(())
}

/// The active user whose feed token hashes to `hashed`.
pub fn user_by_token(conn: &mut DbConnection, hashed: &str) -> AppResult<Option<String>> {
    Ok(users::table
        .filter(users::calendar_token_hash.eq(hashed))
        .filter(users::active.eq(true))
        .select(users::id)
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Queryable)]
pub struct FeedHearing {
    pub id: String,
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM` in `time_zone`.
    pub starts_at_local: String,
    pub time_zone: String,
    pub case_id: String,
    pub reference: String,
    pub updated_at: NaiveDateTime,
    /// The hearing's court, else the case's.
    pub court_code: Option<String>,
    pub case_court_code: Option<String>,
    /// Where the hearing is, as a person entered it (when no court is named).
    pub location: Option<String>,
    /// The office of an appointment not in court (then the case's court is not where it is).
    pub office_code: Option<String>,
}

#[derive(Debug, Clone, Queryable)]
pub struct FeedDeadline {
    pub id: String,
    pub kind: String,
    pub title: Option<String>,
    pub due_on: NaiveDate,
    pub reference: String,
    pub updated_at: NaiveDateTime,
}

/// The user a scope is narrowed to; the joins below cannot take the scope's one-table condition.
fn assigned_to(scope: &Scope) -> Option<&str> {
    match scope {
        Scope::AssignedTo(user) => Some(user),
        Scope::All | Scope::Internal => None,
    }
}

/// Hearings of the open cases in scope starting at `since` or later, not cancelled, soonest
/// first. A closed case's items leave the feed.
pub fn hearings_since(
    conn: &mut DbConnection,
    scope: &Scope,
    since: NaiveDateTime,
) -> AppResult<Vec<FeedHearing>> {
    let mut q = hearings::table
        .inner_join(cases::table)
        .filter(cases::closed.eq(false))
        .filter(cases::client_id.eq_any(super::cases::live_client_ids()))
        .filter(hearings::starts_at.ge(since))
        .filter(
            hearings::outcome
                .is_null()
                .or(hearings::outcome.ne("cancelled")),
        )
        .select((
            hearings::id,
            hearings::kind,
            hearings::starts_at_local,
            hearings::time_zone,
            hearings::case_id,
            cases::reference,
            hearings::updated_at,
            hearings::court_code,
            cases::court_code,
            hearings::location,
            hearings::office_code,
        ))
        .into_boxed();
    if let Some(user) = assigned_to(scope) {
        q = q.filter(hearings::case_id.eq_any(assigned_case_ids(user)));
    }
    Ok(q.order((hearings::starts_at, hearings::id)).load(conn)?)
}

/// Unresolved deadlines of the open cases in scope due on `since` or later, soonest first.
pub fn open_deadlines_since(
    conn: &mut DbConnection,
    scope: &Scope,
    since: NaiveDate,
) -> AppResult<Vec<FeedDeadline>> {
    let mut q = deadlines::table
        .inner_join(cases::table)
        .filter(cases::closed.eq(false))
        .filter(cases::client_id.eq_any(super::cases::live_client_ids()))
        .filter(deadlines::resolution.is_null())
        .filter(deadlines::due_on.ge(since))
        .select((
            deadlines::id,
            deadlines::kind,
            deadlines::title,
            deadlines::due_on,
            cases::reference,
            deadlines::updated_at,
        ))
        .into_boxed();
    if let Some(user) = assigned_to(scope) {
        q = q.filter(deadlines::case_id.eq_any(assigned_case_ids(user)));
    }
    Ok(q.order((deadlines::due_on, deadlines::id)).load(conn)?)
}

/// The newest change to a user's assigned cases or their clients: closing, reopening, archiving
/// or restoring takes items out of the feed or brings them back, so it counts for `Last-Modified`
/// even though no item of the feed changed.
pub fn cases_changed_at(
    conn: &mut DbConnection,
    user_id: &str,
) -> AppResult<Option<NaiveDateTime>> {
    let mine = case_assignments::table
        .inner_join(cases::table.inner_join(clients::table))
        .filter(case_assignments::user_id.eq(user_id));
    let case_at: Option<NaiveDateTime> = mine
        .select(diesel::dsl::max(cases::updated_at))
        .first(conn)?;
    let client_at: Option<NaiveDateTime> = mine
        .select(diesel::dsl::max(clients::updated_at))
        .first(conn)?;
    Ok(case_at.max(client_at))
}
