//! Sign-in, refresh, sign-out and password reset. Login, refresh and reset are public; logout
//! needs a valid access token.

use actix_web::{post, web, HttpResponse};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::UserView;
use crate::auth::extract::AuthUser;
use crate::auth::{password, refresh::hash_secret, refresh::new_secret};
use crate::db::{self, audit, run_db, sessions, users, DbConnection};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::body::ApiJson;
use crate::http::doc::{BadCredential, TooManyAttempts};
use crate::reminders::mail;
use crate::state::AppState;

/// Failed logins within this window lock the account for the same time.
const LOCK_WINDOW_MINUTES: i64 = 15;
const MAX_FAILURES: i32 = 5;
const RESET_VALID_MINUTES: i64 = 60;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(password_reset)
        .service(password_reset_confirm);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    pub user: UserView,
}

fn bad_credentials() -> AppError {
    AppError::Unauthorized("the e-mail or password is wrong".to_string())
}

fn log_sign_in(user_id: Option<&str>, outcome: &str) {
    tracing::info!(
        event = "sign_in",
        user_id = user_id.unwrap_or("-"),
        route = "/api/v1/auth/login",
        outcome
    );
}

/// Opens a session for `user` and returns the token pair. Inside the caller's transaction.
fn open_session(
    conn: &mut DbConnection,
    state: &AppState,
    user: &users::User,
    signed_in_at: chrono::NaiveDateTime,
) -> AppResult<TokenPair> {
    let (refresh_token, hashed) = new_secret();
    sessions::insert(conn, &user.id, &hashed, signed_in_at, db::now())?;
    Ok(TokenPair {
        access_token: state.jwt.issue(&user.id, &user.role, user.token_version)?,
        token_type: "Bearer",
        expires_in: state.jwt.lifetime_secs,
        refresh_token,
        user: UserView::from(user),
    })
}

/// Sign in. Public. A wrong password and an unknown e-mail answer the same 401 in the same time;
/// five failures within 15 minutes lock the account for 15 minutes (429).
#[utoipa::path(
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenPair),
        BadCredential,
        TooManyAttempts
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> AppResult<HttpResponse> {
    let LoginRequest {
        email,
        password: pw,
    } = body.0;
    let st = state.clone();
    let pair = run_db(&state.pool, move |conn| {
        let now = db::now();
        let Some(user) = users::find_by_email(conn, email.trim())? else {
            password::verify_dummy(&pw);
            log_sign_in(None, "unknown_email");
            return Err(bad_credentials());
        };
        if let Some(until) = user.locked_until.filter(|t| *t > now) {
            // Verify anyway, so that a locked account answers in the usual time.
            let _ = password::verify(&pw, &user.password_hash);
            log_sign_in(Some(&user.id), "locked");
            return Err(AppError::TooManyRequests {
                retry_after_secs: (until - now).num_seconds().max(1) as u64,
            });
        }
        if !password::verify(&pw, &user.password_hash) || !user.active {
            let window = Duration::minutes(LOCK_WINDOW_MINUTES);
            let locked = db::transaction(conn, |conn| {
                let locked = users::record_failed_login(conn, &user, now, window, MAX_FAILURES)?;
                let changes = serde_json::json!({"locked_until": locked.map(|t| db::page::format_instant(&t))});
                audit::record(conn, Some(&user.id), "login_failed", "user", &user.id, changes)?;
                Ok(locked)
            })?;
            log_sign_in(Some(&user.id), if locked.is_some() { "failed_and_locked" } else { "failed" });
            return Err(bad_credentials());
        }
        let pair = db::transaction(conn, |conn| {
            users::clear_failed_logins(conn, &user.id)?;
            audit::record(conn, Some(&user.id), "login", "user", &user.id, serde_json::json!({}))?;
            open_session(conn, &st, &user, now)
        })?;
        log_sign_in(Some(&user.id), "success");
        Ok(pair)
    })
    .await?;
    Ok(HttpResponse::Ok().json(pair))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

enum Rotation {
    Rotated(Box<TokenPair>),
    Refused(&'static str),
    Reused(String),
}

/// Exchange a refresh token for a new pair. Public (the refresh token is the credential). A
/// refresh token works once; presenting a used one ends every session of its user.
#[utoipa::path(
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair),
        BadCredential
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let hashed = hash_secret(&body.0.refresh_token);
    let st = state.clone();
    let outcome = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let now = db::now();
            let Some(session) = sessions::find_by_hash(conn, &hashed)? else {
                return Ok(Rotation::Refused("unknown refresh token"));
            };
            if session.used_at.is_some() {
                return reuse_detected(conn, &session.user_id, now);
            }
            let idle = Duration::minutes(st.settings.auth.session_idle_minutes);
            let max = Duration::hours(st.settings.auth.session_max_hours);
            if session.revoked_at.is_some() {
                return Ok(Rotation::Refused("session revoked"));
            }
            if now - session.last_used_at > idle || now - session.signed_in_at > max {
                return Ok(Rotation::Refused("session expired"));
            }
            let user = match users::find(conn, &session.user_id)? {
                Some(u) if u.active => u,
                _ => return Ok(Rotation::Refused("user inactive")),
            };
            if !sessions::mark_used(conn, &session.id, now)? {
                return reuse_detected(conn, &session.user_id, now);
            }
            Ok(Rotation::Rotated(Box::new(open_session(
                conn,
                &st,
                &user,
                session.signed_in_at,
            )?)))
        })
    })
    .await?;
    match outcome {
        Rotation::Rotated(pair) => Ok(HttpResponse::Ok().json(pair)),
        Rotation::Refused(reason) => {
            tracing::warn!(
                event = "refresh",
                outcome = "refused",
                route = "/api/v1/auth/refresh",
                reason
            );
            Err(AppError::Unauthorized(
                "the refresh token is not valid".to_string(),
            ))
        }
        Rotation::Reused(user_id) => {
            tracing::warn!(event = "refresh", outcome = "reuse_detected", user_id = %user_id, route = "/api/v1/auth/refresh");
            Err(AppError::Unauthorized(
                "the refresh token is not valid".to_string(),
            ))
        }
    }
}

/// A used token presented again means it was copied: end every session and access token.
fn reuse_detected(
    conn: &mut DbConnection,
    user_id: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<Rotation> {
    sessions::revoke_all(conn, user_id, now)?;
    users::bump_token_version(conn, user_id)?;
    audit::record(
        conn,
        None,
        "refresh_token_reuse",
        "user",
        user_id,
        serde_json::json!({}),
    )?;
    Ok(Rotation::Reused(user_id.to_string()))
}

/// Sign out: the caller's refresh tokens and access tokens stop working. Any signed-in user.
#[utoipa::path(
    responses(
        (status = 204, description = "Signed out")
    ),
    tag = "auth"
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            sessions::revoke_all(conn, &user.id, db::now())?;
            users::bump_token_version(conn, &user.id)?;
            audit::record(
                conn,
                Some(&user.id),
                "logout",
                "user",
                &user.id,
                serde_json::json!({}),
            )
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// Ask for a reset link by e-mail. Public. Always 202, answered before any lookup, so that
/// neither the status nor the time tells whether the e-mail has an account.
#[utoipa::path(
    request_body = ResetRequest,
    responses((status = 202, description = "If the account exists, a link is on its way")
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/password-reset")]
pub async fn password_reset(
    state: web::Data<AppState>,
    body: ApiJson<ResetRequest>,
) -> HttpResponse {
    let email = body.0.email;
    actix_web::rt::spawn(async move {
        if let Err(e) = send_reset_link(state, email).await {
            tracing::error!(event = "password_reset", error = %e, "reset e-mail not sent");
        }
    });
    HttpResponse::Accepted().finish()
}

async fn send_reset_link(state: web::Data<AppState>, email: String) -> AppResult<()> {
    let found = run_db(&state.pool, move |conn| {
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
    let base = state.settings.server.public_url.trim_end_matches('/');
    let link = format!("{base}/reset-password?token={token}");
    let text = format!(
        "Someone asked to reset the password of your asylum-tracker account.\n\n\
         To choose a new password, open this link within one hour:\n{link}\n\n\
         If you did not ask for this, ignore this e-mail; your password stays as it is.\n"
    );
    let message = mail::build(
        &state.settings.mail.from,
        mail::Outgoing {
            to: user.email.clone(),
            subject: "Reset your asylum-tracker password".to_string(),
            text,
            html: None,
            message_id: None,
        },
    )
    .map_err(AppError::internal)?;
    state
        .mailer
        .send(message)
        .await
        .map_err(AppError::internal)?;
    tracing::info!(event = "password_reset", user_id = %user.id, outcome = "sent");
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    pub new_password: String,
}

fn invalid_reset_token() -> AppError {
    AppError::field(
        "token",
        "this reset link is not valid: it was used, has expired or was replaced",
    )
}

/// Set a new password with a reset token. Public (the token is the credential). The token works
/// once; every session of the user ends.
#[utoipa::path(
    request_body = ResetConfirm,
    responses(
        (status = 204, description = "Password changed")
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/password-reset/confirm")]
pub async fn password_reset_confirm(
    state: web::Data<AppState>,
    body: ApiJson<ResetConfirm>,
) -> AppResult<HttpResponse> {
    let ResetConfirm {
        token,
        new_password,
    } = body.0;
    let hashed = hash_secret(&token);
    run_db(&state.pool, move |conn| {
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
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces a password and ends everything the old one opened: access tokens, sessions and
/// outstanding reset links. Inside the caller's transaction.
pub fn set_password(
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
    audit::record(
        conn,
        Some(user_id),
        action,
        "user",
        user_id,
        serde_json::json!({"password": "changed"}),
    )
}
