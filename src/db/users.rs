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
    /// Set while a confirmed second factor (TOTP) is enrolled.
    pub mfa_enrolled_at: Option<NaiveDateTime>,
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

/// The row lock of a user until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's
/// `BEGIN IMMEDIATE` already holds the only write lock), so that counters read and written in
/// one transaction cannot interleave with another's.
pub fn lock(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    if let DbConnection::Postgres(c) = conn {
        users::table
            .find(id)
            .select(users::id)
            .for_update()
            .load::<String>(c)?;
    }
    Ok(())
}

/// What a sign-in attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted; the password may be checked.
    Admitted,
    /// Locked, or every attempt of the window is spent (some may still be running).
    Refused { until: NaiveDateTime },
}

/// Counts an attempt *before* its password is checked, under the user's row lock: a burst of
/// parallel guesses gets at most `max` checks, whatever their timing. A successful sign-in
/// clears the count ([`clear_failed_logins`]); a failed one may lock ([`lock_if_spent`]).
/// Inside the caller's transaction.
pub fn claim_attempt(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
    window: Duration,
    max: i32,
) -> AppResult<Attempt> {
    lock(conn, id)?;
    let user = find(conn, id)?.ok_or(AppError::NotFound)?;
    if let Some(until) = user.locked_until.filter(|t| *t > now) {
        return Ok(Attempt::Refused { until });
    }
    let (count, start) = match user.failed_window_start {
        Some(start) if now - start < window => (user.failed_logins + 1, start),
        _ => (1, now),
    };
    if count > max {
        return Ok(Attempt::Refused {
            until: start + window,
        });
    }
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(count),
            users::failed_window_start.eq(Some(start)),
        ))
        .execute(conn)?;
    Ok(Attempt::Admitted)
}

/// After a failed check: once `max` attempts fall in the window, locks the account for the
/// window's length from now. Inside the caller's transaction; returns the lock's end.
pub fn lock_if_spent(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
    window: Duration,
    max: i32,
) -> AppResult<Option<NaiveDateTime>> {
    lock(conn, id)?;
    let user = find(conn, id)?.ok_or(AppError::NotFound)?;
    let spent = user.failed_logins >= max
        && user
            .failed_window_start
            .is_some_and(|start| now - start < window);
    if !spent {
        return Ok(None);
    }
    let until = now + window;
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::failed_window_start.eq(None::<NaiveDateTime>),
            users::locked_until.eq(Some(until)),
        ))
        .execute(conn)?;
    Ok(Some(until))
}

/// Replaces the stored hash without ending anything: a re-hash at a higher cost at sign-in.
pub fn set_password_hash(conn: &mut DbConnection, id: &str, hash: &str) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
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
