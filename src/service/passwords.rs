//! Passwords: a reset link by e-mail and its confirmation, a change by the account's owner, and
//! what every new password ends (access tokens, sessions, outstanding reset links, the feed).

use std::sync::Arc;

use chrono::Duration;

use crate::auth::extract::AuthUser;
use crate::auth::password;
use crate::auth::refresh::{hash_secret, new_secret};
use crate::db::{self, audit, calendar, run_db, sessions, users, DbConnection};
use crate::error::{AppError, AppResult, FieldError};
use crate::reminders::mail;
use crate::state::AppState;

const RESET_VALID_MINUTES: i64 = 60;

/// Starts sending a reset link and returns at once, before any lookup, so that neither the
/// answer nor its time tells whether the e-mail has an account. Failures are only logged.
pub fn request_password_reset(app: Arc<AppState>, email: String) {
    actix_web::rt::spawn(async move {
        if let Err(e) = send_reset_link(&app, email).await {
            tracing::error!(event = "password_reset", error = %e, "reset e-mail not sent");
        }
    });
}

async fn send_reset_link(app: &AppState, email: String) -> AppResult<()> {
    let found = run_db(&app.pool, move |conn| {
        let Some(user) = users::find_by_email(conn, email.trim())?.filter(|u| u.active) else {
            return Ok(None);
        };
        let (token, hashed) = new_secret();
        let now = db::now();
        db::transaction(conn, |conn| {
            sessions::insert_reset(
                conn,
                &user.id,
                &hashed,
                now,
                now + Duration::minutes(RESET_VALID_MINUTES),
            )?;
            audit::record(
                conn,
                None,
                "password_reset_requested",
                "user",
                &user.id,
                serde_json::json!({}),
            )
        })?;
        Ok(Some((user, token)))
    })
    .await?;
    let Some((user, token)) = found else {
        return Ok(());
    };
    let base = app.settings.server.public_url.trim_end_matches('/');
    let link = format!("{base}/reset-password?token={token}");
    let text = format!(
        "Someone asked to reset the password of your asylum-tracker account.\n\n\
         To choose a new password, open this link within one hour:\n{link}\n\n\
         If you did not ask for this, ignore this e-mail; your password stays as it is.\n"
    );
    let message = mail::build(
        &app.settings.mail.from,
        mail::Outgoing {
            to: user.email.clone(),
            subject: "Reset your asylum-tracker password".to_string(),
            text,
            html: None,
            message_id: None,
        },
    )
    .map_err(AppError::internal)?;
    app.mailer.send(message).await.map_err(AppError::internal)?;
    tracing::info!(event = "password_reset", user_id = %user.id, outcome = "sent");
    Ok(())
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
    run_db(&app.pool, move |conn| {
        let now = db::now();
        let reset = sessions::find_reset(conn, &hashed)?
            .filter(|r| r.used_at.is_none() && r.expires_at > now)
            .ok_or_else(invalid_reset_token)?;
        let user = users::find(conn, &reset.user_id)?
            .filter(|u| u.active)
            .ok_or_else(invalid_reset_token)?;
        password::check_strength(&new_password, &[&user.email, &user.name])
            .map_err(|m| AppError::invalid(vec![FieldError::new("new_password", m)]))?;
        let new_hash = password::hash(&new_password)?;
        db::transaction(conn, |conn| {
            // Re-checked inside the transaction: two confirms racing with one token, one wins.
            let still_valid =
                sessions::find_reset(conn, &hashed)?.is_some_and(|r| r.used_at.is_none());
            if !still_valid {
                return Err(invalid_reset_token());
            }
            set_password(conn, &user.id, new_hash, "password_reset")
        })
    })
    .await
}

/// Changes the caller's password after checking the current one. Every token and session of
/// the caller ends, this one included.
pub async fn change_password(
    app: &AppState,
    caller: &AuthUser,
    current_password: String,
    new_password: String,
) -> AppResult<()> {
    let id = caller.id.clone();
    run_db(&app.pool, move |conn| {
        let found = users::find(conn, &id)?.ok_or(AppError::NotFound)?;
        if !password::verify(&current_password, &found.password_hash) {
            audit::record(
                conn,
                Some(&id),
                "password_change_failed",
                "user",
                &id,
                serde_json::json!({}),
            )?;
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
        let new_hash = password::hash(&new_password)?;
        db::transaction(conn, |conn| {
            set_password(conn, &id, new_hash, "password_change")
        })
    })
    .await
}

/// Replaces a password and ends everything the old one opened: access tokens, sessions,
/// outstanding reset links and the calendar feed address. Inside the caller's transaction.
fn set_password(
    conn: &mut DbConnection,
    user_id: &str,
    new_hash: String,
    action: &str,
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
    users::bump_token_version(conn, user_id)?;
    users::clear_failed_logins(conn, user_id)?;
    sessions::revoke_all(conn, user_id, now)?;
    sessions::void_resets(conn, user_id, now)?;
    // The feed address is a credential too: whoever had the old password may have it.
    calendar::set_token_hash(conn, user_id, None)?;
    audit::record(
        conn,
        Some(user_id),
        action,
        "user",
        user_id,
        serde_json::json!({"password": "changed"}),
    )
}
