//! Queries on refresh-token sessions and password-reset tokens (both stored only as hashes).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{password_resets, sessions, users};
use super::DbConnection;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub signed_in_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// The session a person sees: every row of one sign-in's rotation chain shares it.
    pub family_id: String,
    pub user_agent: Option<String>,
}

/// A new refresh-token row of session `family_id` (a new id at sign-in, the old row's at
/// rotation).
pub struct NewSession<'a> {
    pub family_id: &'a str,
    pub user_id: &'a str,
    pub token_hash: &'a str,
    pub signed_in_at: NaiveDateTime,
    pub user_agent: Option<&'a str>,
}

pub fn insert(conn: &mut DbConnection, new: NewSession<'_>, now: NaiveDateTime) -> AppResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(super::new_id()),
            sessions::family_id.eq(new.family_id),
            sessions::user_id.eq(new.user_id),
            sessions::token_hash.eq(new.token_hash),
            sessions::signed_in_at.eq(new.signed_in_at),
            sessions::last_used_at.eq(now),
            sessions::user_agent.eq(new.user_agent),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_by_hash(conn: &mut DbConnection, token_hash: &str) -> AppResult<Option<Session>> {
    Ok(sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .select(Session::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a token used; false when another request used it first (so rotation is single-use
/// even under a race).
pub fn mark_used(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<bool> {
    let n = diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::used_at.is_null())
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// The live head of each of the user's sessions (the one row of a chain neither rotated nor
/// revoked) that was used after `idle_since` and signed in after `signed_in_since`, newest
/// sign-in first.
pub fn live_heads(
    conn: &mut DbConnection,
    user_id: &str,
    idle_since: NaiveDateTime,
    signed_in_since: NaiveDateTime,
) -> AppResult<Vec<Session>> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::used_at.is_null())
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::last_used_at.gt(idle_since))
        .filter(sessions::signed_in_at.gt(signed_in_since))
        .order((sessions::signed_in_at.desc(), sessions::family_id.asc()))
        .select(Session::as_select())
        .load(conn)?)
}

/// User `user_id` and whether its session `family_id` has not been ended (its chain has a head
/// that was neither rotated nor revoked), in one statement: asked on every authenticated request.
pub fn user_with_live_session(
    conn: &mut DbConnection,
    user_id: &str,
    family_id: &str,
) -> AppResult<Option<(super::users::User, bool)>> {
    let live = diesel::dsl::exists(
        sessions::table
            .filter(sessions::family_id.eq(family_id.to_string()))
            .filter(sessions::user_id.eq(users::id))
            .filter(sessions::used_at.is_null())
            .filter(sessions::revoked_at.is_null()),
    );
    Ok(users::table
        .find(user_id.to_string())
        .select((super::users::User::as_select(), live))
        .first(conn)
        .optional()?)
}

/// Ends session `family_id` of `user_id`: every row of its chain is revoked. The number of rows
/// revoked (0: no such live session of this user).
pub fn revoke_family(
    conn: &mut DbConnection,
    user_id: &str,
    family_id: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::family_id.eq(family_id))
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?)
}

/// Ends every session of a user but `keep` (the caller's own, at a password change).
pub fn revoke_all_but(
    conn: &mut DbConnection,
    user_id: &str,
    keep: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::family_id.ne(keep))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?)
}

/// Ends every session of a user.
pub fn revoke_all(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = password_resets)]
pub struct PasswordReset {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert_reset(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> AppResult<()> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::id.eq(id),
            password_resets::user_id.eq(user_id),
            password_resets::token_hash.eq(token_hash),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_reset(conn: &mut DbConnection, token_hash: &str) -> AppResult<Option<PasswordReset>> {
    Ok(password_resets::table
        .filter(password_resets::token_hash.eq(token_hash))
        .select(PasswordReset::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_reset_by_id(conn: &mut DbConnection, id: &str) -> AppResult<Option<PasswordReset>> {
    Ok(password_resets::table
        .find(id)
        .select(PasswordReset::as_select())
        .first(conn)
        .optional()?)
}

/// Takes the user's reset lock until the transaction ends, so that concurrent requests count
/// and add reset links one at a time (the per-account cap holds under a burst): PostgreSQL
/// `FOR NO KEY UPDATE` of the user row; SQLite's `BEGIN IMMEDIATE` already serialises writers.
pub fn lock_resets(conn: &mut DbConnection, user_id: &str) -> AppResult<()> {
    if let DbConnection::Postgres(c) = conn {
        users::table
            .find(user_id)
            .select(users::id)
            .for_no_key_update()
            .load::<String>(c)?;
    }
    Ok(())
}

/// How many reset links the user was sent since `since` (used or not).
pub fn resets_since(
    conn: &mut DbConnection,
    user_id: &str,
    since: NaiveDateTime,
) -> AppResult<i64> {
    Ok(password_resets::table
        .filter(password_resets::user_id.eq(user_id))
        .filter(password_resets::created_at.gt(since))
        .count()
        .get_result(conn)?)
}

/// Voids every unused reset link of a user: called whenever the password changes, and before a
/// new link is made (only the newest works).
pub fn void_resets(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    Ok(())
}
