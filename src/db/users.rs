//! Queries on users: lookup, creation, updates, login-failure counters.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::users;
use super::DbConnection;
use crate::db::page::{Cursor, Page};
use crate::domain::email;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub token_version: i64,
    pub failed_logins: i32,
    pub failed_window_start: Option<NaiveDateTime>,
    pub locked_until: Option<NaiveDateTime>,
    pub time_zone: String,
    pub reminders_enabled: bool,
    pub reminder_digest: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub time_zone: &'a str,
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// The account of `email` in any of its written forms (see `domain::email`).
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email::normalise(email)))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn email_conflict() -> AppError {
    AppError::conflict("email", "an account with this e-mail already exists")
}

pub fn email_taken(conn: &mut DbConnection, email: &str) -> AppResult<bool> {
    Ok(find_by_email(conn, email)?.is_some())
}

pub fn count(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn count_active_admins(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)?)
}

pub fn insert(conn: &mut DbConnection, new: &NewUser) -> AppResult<User> {
    let id = super::new_id();
    let now = super::now();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(email::normalise(new.email)),
            users::name.eq(new.name),
            users::role.eq(new.role),
            users::password_hash.eq(new.password_hash),
            users::active.eq(true),
            users::token_version.eq(0i64),
            users::failed_logins.eq(0),
            users::time_zone.eq(new.time_zone),
            users::reminders_enabled.eq(true),
            users::reminder_digest.eq(false),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(super::unique_violation("users_email", email_conflict))?;
    Ok(users::table
        .find(&id)
        .select(User::as_select())
        .first(conn)?)
}

/// Users in creation order.
pub fn list(conn: &mut DbConnection, page: &Page) -> AppResult<(Vec<User>, Option<String>)> {
    let mut q = users::table.select(User::as_select()).into_boxed();
    q = crate::keyset_filter!(q, page, users::created_at, users::id, gt);
    let mut rows = q
        .order((users::created_at.asc(), users::id.asc()))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |u| Cursor {
        at: u.created_at,
        id: u.id.clone(),
    }))
}

/// Active lawyers and caseworkers as (id, name, role): who can be assigned to a case. Admins are
/// left out (they see every case without an assignment); e-mail addresses are never read.
pub fn assignable(conn: &mut DbConnection) -> AppResult<Vec<(String, String, String)>> {
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["lawyer", "caseworker"]))
        .order((users::name, users::id))
        .select((users::id, users::name, users::role))
        .load(conn)?)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    pub time_zone: Option<String>,
    pub reminders_enabled: Option<bool>,
    pub reminder_digest: Option<bool>,
    pub password_hash: Option<String>,
    pub token_version: Option<i64>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update(conn: &mut DbConnection, id: &str, mut changes: UserChanges) -> AppResult<User> {
    changes.updated_at = Some(super::now());
    changes.email = changes.email.as_deref().map(email::normalise);
    diesel::update(users::table.find(id))
        .set(&changes)
        .execute(conn)
        .map_err(super::unique_violation("users_email", email_conflict))?;
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)?)
}

/// Gives the normal form to addresses stored before there was one (run by `migrate`: SQL cannot
/// fold Unicode). An address whose normal form another account holds already is left as it is
/// and logged (by account id), for an admin to resolve. Returns how many were changed.
pub fn normalise_stored_emails(conn: &mut DbConnection) -> AppResult<usize> {
    let stored: Vec<(String, String)> =
        users::table.select((users::id, users::email)).load(conn)?;
    let mut changed = 0;
    for (id, stored_email) in stored {
        let normal = email::normalise(&stored_email);
        if normal == stored_email {
            continue;
        }
        let holder: Option<String> = users::table
            .filter(users::email.eq(&normal))
            .select(users::id)
            .first(conn)
            .optional()?;
        if let Some(holder) = holder {
            tracing::warn!(
                event = "email_normalisation",
                user_id = %id,
                same_as = %holder,
                "two accounts have one e-mail address in different forms; this one keeps its form"
            );
            continue;
        }
        diesel::update(users::table.find(&id))
            .set(users::email.eq(&normal))
            .execute(conn)?;
        changed += 1;
    }
    Ok(changed)
}

/// Cuts every access token of the user at once.
pub fn bump_token_version(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set(users::token_version.eq(users::token_version + 1))
        .execute(conn)?;
    Ok(())
}

/// Counts a failed login in a sliding window; locks the account once `max` failures fall within it.
pub fn record_failed_login(
    conn: &mut DbConnection,
    user: &User,
    now: NaiveDateTime,
    window: Duration,
    max: i32,
) -> AppResult<Option<NaiveDateTime>> {
    let in_window = user
        .failed_window_start
        .is_some_and(|start| now - start < window);
    let (count, start) = if in_window {
        (user.failed_logins + 1, user.failed_window_start)
    } else {
        (1, Some(now))
    };
    let locked_until = (count >= max).then(|| now + window);
    diesel::update(users::table.find(&user.id))
        .set((
            users::failed_logins.eq(if locked_until.is_some() { 0 } else { count }),
            users::failed_window_start.eq(if locked_until.is_some() { None } else { start }),
            users::locked_until.eq(locked_until.or(user.locked_until)),
        ))
        .execute(conn)?;
    Ok(locked_until)
}

pub fn clear_failed_logins(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::failed_window_start.eq(None::<NaiveDateTime>),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}
