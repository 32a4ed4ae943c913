//! Queries on the second factor: a user's TOTP secret, recovery codes (hashed) and the pending
//! second step of a sign-in (its token hashed).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{mfa_challenges, mfa_recovery_codes, mfa_totp, users};
use super::DbConnection;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mfa_totp)]
pub struct Totp {
    pub user_id: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: i64,
}

pub fn totp_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Option<Totp>> {
    Ok(mfa_totp::table
        .find(user_id)
        .select(Totp::as_select())
        .first(conn)
        .optional()?)
}

/// A new pending (unconfirmed) secret, replacing any earlier pending one.
pub fn put_pending(
    conn: &mut DbConnection,
    user_id: &str,
    secret: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::delete(mfa_totp::table.find(user_id)).execute(conn)?;
    diesel::insert_into(mfa_totp::table)
        .values((
            mfa_totp::user_id.eq(user_id),
            mfa_totp::secret.eq(secret),
            mfa_totp::created_at.eq(now),
            mfa_totp::last_step.eq(0i64),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the secret confirmed and the user enrolled; replaces the recovery codes.
pub fn confirm(
    conn: &mut DbConnection,
    user_id: &str,
    step: i64,
    recovery_hashes: &[String],
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(mfa_totp::table.find(user_id))
        .set((
            mfa_totp::confirmed_at.eq(Some(now)),
            mfa_totp::last_step.eq(step),
        ))
        .execute(conn)?;
    diesel::update(users::table.find(user_id))
        .set(users::mfa_enrolled_at.eq(Some(now)))
        .execute(conn)?;
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    for hash in recovery_hashes {
        diesel::insert_into(mfa_recovery_codes::table)
            .values((
                mfa_recovery_codes::id.eq(super::new_id()),
                mfa_recovery_codes::user_id.eq(user_id),
                mfa_recovery_codes::code_hash.eq(hash),
                mfa_recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records the step of an accepted code; false when a concurrent sign-in used it (or a later
/// one) first, so that one code opens one session.
pub fn use_step(conn: &mut DbConnection, user_id: &str, step: i64) -> AppResult<bool> {
    let n = diesel::update(
        mfa_totp::table
            .find(user_id)
            .filter(mfa_totp::last_step.lt(step)),
    )
    .set(mfa_totp::last_step.eq(step))
    .execute(conn)?;
    Ok(n == 1)
}

/// Uses a recovery code of the user; false when it is not one of theirs or was used.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    user_id: &str,
    code_hash: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let n = diesel::update(
        mfa_recovery_codes::table
            .filter(mfa_recovery_codes::user_id.eq(user_id))
            .filter(mfa_recovery_codes::code_hash.eq(code_hash))
            .filter(mfa_recovery_codes::used_at.is_null()),
    )
    .set(mfa_recovery_codes::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn unused_recovery_codes(conn: &mut DbConnection, user_id: &str) -> AppResult<i64> {
    Ok(mfa_recovery_codes::table
        .filter(mfa_recovery_codes::user_id.eq(user_id))
        .filter(mfa_recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Removes the second factor entirely: secret, recovery codes, pending sign-ins, the mark.
pub fn remove(conn: &mut DbConnection, user_id: &str) -> AppResult<bool> {
    let had = diesel::delete(mfa_totp::table.find(user_id)).execute(conn)? > 0;
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(mfa_challenges::table.filter(mfa_challenges::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::update(users::table.find(user_id))
        .set(users::mfa_enrolled_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(had)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mfa_challenges)]
pub struct Challenge {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub attempts: i32,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert_challenge(
    conn: &mut DbConnection,
    user_id: &str,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> AppResult<()> {
    diesel::insert_into(mfa_challenges::table)
        .values((
            mfa_challenges::id.eq(super::new_id()),
            mfa_challenges::user_id.eq(user_id),
            mfa_challenges::token_hash.eq(token_hash),
            mfa_challenges::created_at.eq(now),
            mfa_challenges::expires_at.eq(expires_at),
            mfa_challenges::attempts.eq(0),
        ))
        .execute(conn)?;
    // Spent and expired challenges of this user are of no further use.
    diesel::delete(
        mfa_challenges::table
            .filter(mfa_challenges::user_id.eq(user_id))
            .filter(
                mfa_challenges::expires_at
                    .le(now)
                    .or(mfa_challenges::used_at.is_not_null()),
            ),
    )
    .execute(conn)?;
    Ok(())
}

pub fn find_challenge(conn: &mut DbConnection, token_hash: &str) -> AppResult<Option<Challenge>> {
    Ok(mfa_challenges::table
        .filter(mfa_challenges::token_hash.eq(token_hash))
        .select(Challenge::as_select())
        .first(conn)
        .optional()?)
}

/// Counts one try; returns the count after it.
pub fn count_try(conn: &mut DbConnection, id: &str) -> AppResult<i32> {
    diesel::update(mfa_challenges::table.find(id))
        .set(mfa_challenges::attempts.eq(mfa_challenges::attempts + 1))
        .execute(conn)?;
    Ok(mfa_challenges::table
        .find(id)
        .select(mfa_challenges::attempts)
        .first(conn)?)
}

pub fn finish_challenge(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(mfa_challenges::table.find(id))
        .set(mfa_challenges::used_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}
