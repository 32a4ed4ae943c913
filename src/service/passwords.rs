//! Passwords: a reset link by e-mail (at most three an hour per account, through the outbox)
//! and its confirmation, a change by the account's owner, and what every new password ends
//! (access tokens, sessions, outstanding reset links, the calendar feed; a change by the owner
//! keeps the session it was made from).

use std::sync::Arc;

use chrono::Duration;

use crate::auth::extract::AuthUser;
use crate::auth::password;
use crate::auth::refresh::{derived_secret, hash_secret};
use crate::config::Settings;
use crate::db::{self, audit, calendar, run_db, sessions, users, DbConnection};
use crate::error::{AppError, AppResult, FieldError};
use crate::reminders::outbox;
use crate::state::AppState;

const RESET_VALID_MINUTES: i64 = 60;
/// Reset mails one account may be sent in an hour, however often it is asked for (by anyone).
const RESETS_PER_HOUR: i64 = 3;
const RESET_PURPOSE: &str = "password-reset";

/// Queues a reset link and returns at once, before any lookup, so that neither the answer nor
/// its time tells whether the e-mail has an account. The mail goes through the outbox: sent at
/// once from here, retried by the worker if SMTP fails. Failures are only logged.
pub fn request_password_reset(app: Arc<AppState>, email: String) {
    actix_web::rt::spawn(async move {
        if let Err(e) = send_reset_link(&app, email).await {
            tracing::error!(event = "password_reset", error = %e, "reset e-mail not queued");
        }
    });
}

async fn send_reset_link(app: &AppState, email: String) -> AppResult<()> {
    let key = reset_key(&app.settings)?.to_string();
    let queued = run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| queue_reset(conn, &key, email.trim()))
    })
    .await?;
    if let Some(row) = queued {
        crate::reminders::worker::send_now(&app.worker(), vec![row]).await?;
    }
    Ok(())
}

/// In one transaction: a new link for an active account unless it had its hourly share, the
/// older links void, and the mail's outbox row. Returns the row's id.
fn queue_reset(conn: &mut DbConnection, key: &str, email: &str) -> AppResult<Option<String>> {
    let Some(user) = users::find_by_email(conn, email)?.filter(|u| u.active) else {
        return Ok(None);
    };
    let now = db::now();
    sessions::lock_resets(conn, &user.id)?;
    if sessions::resets_since(conn, &user.id, now - Duration::hours(1))? >= RESETS_PER_HOUR {
        tracing::warn!(event = "password_reset", user_id = %user.id, outcome = "capped");
        return Ok(None);
    }
    sessions::void_resets(conn, &user.id, now)?;
    let id = db::new_id();
    let token = derived_secret(key.as_bytes(), RESET_PURPOSE, &id);
    sessions::insert_reset(
        conn,
        &id,
        &user.id,
        &hash_secret(&token),
        now,
        now + Duration::minutes(RESET_VALID_MINUTES),
    )?;
    let row = outbox::queue_now(conn, outbox::PASSWORD_RESET, &id, &user.id)?;
    audit::record(
        conn,
        None,
        "password_reset_requested",
        "user",
        &user.id,
        serde_json::json!({}),
    )?;
    Ok(Some(row))
}

/// The key reset tokens derive from: the JWT secret (resolved at start-up, `startup`), which
/// every instance shares and which already guards everything a reset link could open.
fn reset_key(settings: &Settings) -> AppResult<&str> {
    settings
        .auth
        .jwt_secret
        .as_deref()
        .ok_or_else(|| AppError::internal("no JWT secret to derive reset links from"))
}

/// The link of reset `id` for its mail, rebuilt from the key: `None` once it no longer works
/// (used, replaced by a newer one, expired, or made under another key). The outbox row holds
/// only the id, so no live link sits in the database or reaches a log.
pub fn reset_link(
    conn: &mut DbConnection,
    settings: &Settings,
    id: &str,
) -> AppResult<Option<String>> {
    let Some(reset) = sessions::find_reset_by_id(conn, id)? else {
        return Ok(None);
    };
    let token = derived_secret(reset_key(settings)?.as_bytes(), RESET_PURPOSE, &reset.id);
    if reset.used_at.is_some()
        || reset.expires_at <= db::now()
        || hash_secret(&token) != reset.token_hash
    {
        return Ok(None);
    }
    let base = settings.server.public_url.trim_end_matches('/');
    Ok(Some(format!("{base}/reset-password?token={token}")))
}

fn invalid_reset_token() -> AppError {
    AppError::field(
        "token",
        "this reset link is not valid: it was used, has expired or was replaced",
    )
}

/// Sets a new password with a reset token. The token works once; every session of the user ends.
pub async fn confirm_password_reset(
    app: &AppState,
    token: String,
    new_password: String,
) -> AppResult<()> {
    let hashed = hash_secret(&token);
    let lookup = hashed.clone();
    let user = run_db(&app.pool, move |conn| {
        let now = db::now();
        let reset = sessions::find_reset(conn, &lookup)?
            .filter(|r| r.used_at.is_none() && r.expires_at > now)
            .ok_or_else(invalid_reset_token)?;
        users::find(conn, &reset.user_id)?
            .filter(|u| u.active)
            .ok_or_else(invalid_reset_token)
    })
    .await?;
    password::check_strength(&new_password, &[&user.email, &user.name])
        .map_err(|m| AppError::invalid(vec![FieldError::new("new_password", m)]))?;
    let new_hash = app.hasher.hash(new_password).await?;
    run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            // Re-checked inside the transaction: two confirms racing with one token, one wins.
            let still_valid =
                sessions::find_reset(conn, &hashed)?.is_some_and(|r| r.used_at.is_none());
            if !still_valid {
                return Err(invalid_reset_token());
            }
            set_password(conn, &user.id, new_hash, "password_reset", None)
        })
    })
    .await
}

/// Changes the caller's password after checking the current one, counted like a sign-in guess
/// (five wrong ones lock the account). Every other session of the caller ends, with its refresh
/// and access tokens; the session the change was made from goes on (its access token and its
/// refresh token keep working), so that the person changing it is not signed out by it. Hence
/// no token-version bump here: the other sessions' access tokens are cut by the per-request
/// session check (`auth::extract`), which a bump would duplicate at the cost of this one.
pub async fn change_password(
    app: &AppState,
    caller: &AuthUser,
    current_password: String,
    new_password: String,
) -> AppResult<()> {
    if password::too_long(&current_password) {
        return Err(AppError::field(
            "current_password",
            "is not your current password",
        ));
    }
    let id = caller.id.clone();
    let found = run_db(&app.pool, move |conn| users::find(conn, &id))
        .await?
        .ok_or(AppError::NotFound)?;
    let route = "/api/v1/me/password";
    if !crate::service::sessions::counted_check(app, &found, current_password.clone(), route)
        .await?
    {
        return Err(AppError::field(
            "current_password",
            "is not your current password",
        ));
    }
    if current_password == new_password {
        return Err(AppError::field(
            "new_password",
            "must differ from the current password",
        ));
    }
    password::check_strength(&new_password, &[&found.email, &found.name])
        .map_err(|m| AppError::field("new_password", m))?;
    let new_hash = app.hasher.hash(new_password).await?;
    let id = caller.id.clone();
    let keep = caller.session_id.clone();
    run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            set_password(conn, &id, new_hash, "password_change", Some(&keep))
        })
    })
    .await
}

/// Replaces a password and ends everything the old one opened: access tokens, sessions (all of
/// them, or all but `keep`), outstanding reset links and the calendar feed address. Inside the
/// caller's transaction.
fn set_password(
    conn: &mut DbConnection,
    user_id: &str,
    new_hash: String,
    action: &str,
    keep: Option<&str>,
) -> AppResult<()> {
    let now = db::now();
    users::update(
        conn,
        user_id,
        users::UserChanges {
            password_hash: Some(new_hash),
            ..Default::default()
        },
    )?;
    users::clear_failed_logins(conn, user_id)?;
    match keep {
        Some(current) => {
            sessions::revoke_all_but(conn, user_id, current, now)?;
        }
        None => {
            users::bump_token_version(conn, user_id)?;
            sessions::revoke_all(conn, user_id, now)?;
        }
    }
    sessions::void_resets(conn, user_id, now)?;
    // The feed address is a credential too: whoever had the old password may have it.
    calendar::set_token_hash(conn, user_id, None)?;
    let sessions_ended = if keep.is_some() { "others" } else { "all" };
    audit::record(
        conn,
        Some(user_id),
        action,
        "user",
        user_id,
        serde_json::json!({"password": "changed", "sessions_ended": sessions_ended}),
    )
}
