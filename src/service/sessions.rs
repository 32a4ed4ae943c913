//! Sessions: login (lockout, timing, audit), refresh-token rotation with reuse detection, and
//! logout. Passwords (reset, change) are `service::passwords`.

use crate::service::in_transaction;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::jwt::JwtKeys;
use crate::auth::password;
use crate::auth::refresh::{hash_secret, new_secret};
use crate::config::MfaMode;
use crate::db::{self, audit, run_db, sessions, users, DbConnection};
use crate::error::{AppError, AppResult};
use crate::service::accounts::UserView;
use crate::service::mfa::{self, MfaChallenge};
use crate::state::AppState;

/// Failed logins within this window lock the account for the same time.
pub const LOCK_WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES: i32 = 5;
/// How much of a sign-in's User-Agent header a session keeps.
pub const USER_AGENT_CHARS: usize = 200;

/// The User-Agent header as a session keeps it: trimmed, at most [`USER_AGENT_CHARS`]
/// characters, none when empty.
pub fn user_agent(header: Option<&str>) -> Option<String> {
    let ua: String = header?.trim().chars().take(USER_AGENT_CHARS).collect();
    (!ua.is_empty()).then_some(ua)
}

#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Absent in cookie mode (`X-Asylum-Session: cookie`), where the token travels in the
    /// `asylum_refresh` cookie instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub refresh_token: Option<String>,
    pub user: UserView,
    /// True when `auth.mfa = "required"` and the account has no second factor yet: the tokens
    /// open only `/api/v1/me`, `/api/v1/me/mfa/*` and logout until it enrols.
    pub mfa_enrolment_required: bool,
}

/// What a right password gets: tokens, or (an account with a second factor) the second step.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum SignIn {
    Tokens(Box<TokenPair>),
    SecondFactor(MfaChallenge),
}

fn bad_credentials() -> AppError {
    AppError::Unauthorized("the e-mail or password is wrong".to_string())
}

fn log_sign_in(user_id: Option<&str>, outcome: &str) {
    log_attempt(LOGIN_ROUTE, user_id, outcome);
}

fn log_attempt(route: &str, user_id: Option<&str>, outcome: &str) {
    let event = if route == LOGIN_ROUTE {
        "sign_in"
    } else {
        "password_check"
    };
    tracing::info!(event, user_id = user_id.unwrap_or("-"), route, outcome);
}

/// What a new refresh-token row continues: a sign-in starts a session, a rotation carries the
/// session's id, sign-in time and user agent over to the new row.
pub enum Start<'a> {
    SignIn { user_agent: Option<&'a str> },
    Rotation(&'a sessions::Session),
}

/// Opens a session for `user` (or continues one, at a rotation) and returns the token pair.
/// Inside the caller's transaction. `mfa_mandatory`: whether the settings require a second factor.
pub fn open_session(
    conn: &mut DbConnection,
    jwt: &JwtKeys,
    user: &users::User,
    start: Start<'_>,
    mfa_mandatory: bool,
) -> AppResult<TokenPair> {
    let now = db::now();
    let new_family;
    let (family_id, signed_in_at, user_agent) = match start {
        Start::SignIn { user_agent } => {
            new_family = db::new_id();
            (new_family.as_str(), now, user_agent)
        }
        Start::Rotation(s) => (
            s.family_id.as_str(),
            s.signed_in_at,
            s.user_agent.as_deref(),
        ),
    };
    let (refresh_token, hashed) = new_secret();
    let row = sessions::NewSession {
        family_id,
        user_id: &user.id,
        token_hash: &hashed,
        signed_in_at,
        user_agent,
    };
    sessions::insert(conn, row, now)?;
    Ok(TokenPair {
        access_token: jwt.issue(&user.id, &user.role, user.token_version, family_id)?,
        token_type: "Bearer",
        expires_in: jwt.lifetime_secs,
        refresh_token: Some(refresh_token),
        user: UserView::from(user),
        mfa_enrolment_required: mfa_mandatory && user.mfa_enrolled_at.is_none(),
    })
}

/// A password guess, counted before it is checked (see [`users::claim_attempt`]) and checked
/// off any database connection: sign-in and password change both go through it, so a stolen
/// access token guesses the current password no faster than a stranger at the sign-in form.
/// `Ok(false)` is a wrong password, already counted and audited; a spent window is 429.
pub async fn counted_check(
    app: &AppState,
    user: &users::User,
    password: String,
    route: &'static str,
) -> AppResult<bool> {
    let id = user.id.clone();
    let window = Duration::minutes(LOCK_WINDOW_MINUTES);
    let now = db::now();
    let attempt = run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            users::claim_attempt(conn, &id, now, window, MAX_FAILURES)
        })
    })
    .await?;
    if let users::Attempt::Refused { until } = attempt {
        log_attempt(route, Some(&user.id), "locked");
        return Err(AppError::TooManyRequests {
            retry_after_secs: (until - now).num_seconds().max(1) as u64,
        });
    }
    if app
        .hasher
        .verify(password, user.password_hash.clone())
        .await?
    {
        return Ok(true);
    }
    let id = user.id.clone();
    let action = if route == LOGIN_ROUTE {
        "login_failed"
    } else {
        "password_change_failed"
    };
    let locked = run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            let now = db::now();
            let locked = users::lock_if_spent(conn, &id, now, window, MAX_FAILURES)?;
            let changes =
                serde_json::json!({"locked_until": locked.map(|t| db::page::format_instant(&t))});
            audit::record(conn, Some(&id), action, "user", &id, changes)?;
            Ok(locked)
        })
    })
    .await?;
    log_attempt(
        route,
        Some(&user.id),
        if locked.is_some() {
            "failed_and_locked"
        } else {
            "failed"
        },
    );
    Ok(false)
}

const LOGIN_ROUTE: &str = "/api/v1/auth/login";

/// Signs in. A wrong password and an unknown e-mail answer the same 401 in the same time (the
/// dummy hash); at most five guesses within 15 minutes are checked, after which the account is
/// locked for 15 minutes (429). A hash weaker than the configured cost is replaced.
/// `user_agent` (already cut to [`USER_AGENT_CHARS`]) is kept with the session to help its owner
/// recognise it.
pub async fn login(
    app: &AppState,
    email: String,
    pw: String,
    user_agent: Option<String>,
) -> AppResult<SignIn> {
    if password::too_long(&pw) {
        return Err(AppError::field(
            "password",
            format!(
                "is longer than any password here ({} characters at most)",
                password::MAX_LENGTH
            ),
        ));
    }
    let found = run_db(&app.pool, move |conn| {
        users::find_by_email(conn, email.trim())
    })
    .await?;
    let Some(user) = found.filter(|u| u.active) else {
        // Unknown and deactivated accounts look alike: same answer, same time, nothing counted.
        app.hasher.verify_dummy(pw).await?;
        log_sign_in(None, "unknown_email");
        return Err(bad_credentials());
    };
    if !counted_check(app, &user, pw.clone(), LOGIN_ROUTE).await? {
        return Err(bad_credentials());
    }
    let rehash = if app.hasher.needs_rehash(&user.password_hash) {
        Some(app.hasher.hash(pw).await?)
    } else {
        None
    };
    let jwt = app.jwt.clone();
    let user_id = user.id.clone();
    let mandatory = app.settings.auth.mfa == MfaMode::Required;
    let signed_in = run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            if let Some(hash) = &rehash {
                users::set_password_hash(conn, &user.id, hash)?;
            }
            if user.mfa_enrolled_at.is_some() {
                // The guess stays counted until the second step succeeds.
                let changes = serde_json::json!({"password": if rehash.is_some() { "rehashed" } else { "right" }});
                audit::record(conn, Some(&user.id), "login_password_accepted", "user", &user.id, changes)?;
                return Ok(SignIn::SecondFactor(mfa::open_challenge(conn, &user.id)?));
            }
            users::clear_failed_logins(conn, &user.id)?;
            let changes = match rehash {
                Some(_) => serde_json::json!({"password": "rehashed"}),
                None => serde_json::json!({}),
            };
            audit::record(conn, Some(&user.id), "login", "user", &user.id, changes)?;
            let start = Start::SignIn {
                user_agent: user_agent.as_deref(),
            };
            Ok(SignIn::Tokens(Box::new(open_session(
                conn, &jwt, &user, start, mandatory,
            )?)))
        })
    })
    .await?;
    let outcome = match &signed_in {
        SignIn::Tokens(_) => "success",
        SignIn::SecondFactor(_) => "second_factor_asked",
    };
    log_sign_in(Some(&user_id), outcome);
    Ok(signed_in)
}

enum Rotation {
    Rotated(Box<TokenPair>),
    Refused(&'static str),
    Reused(String),
}

/// Exchanges a refresh token for a new pair. A refresh token works once; presenting a used one
/// ends every session and access token of its user.
pub async fn refresh(app: &AppState, refresh_token: String) -> AppResult<TokenPair> {
    let hashed = hash_secret(&refresh_token);
    let jwt = app.jwt.clone();
    let idle = Duration::minutes(app.settings.auth.session_idle_minutes);
    let mandatory = app.settings.auth.mfa == MfaMode::Required;
    let max = Duration::hours(app.settings.auth.session_max_hours);
    let outcome = in_transaction(app, move |conn, _| {
        let now = db::now();
        let Some(session) = sessions::find_by_hash(conn, &hashed)? else {
            return Ok(Rotation::Refused("unknown refresh token"));
        };
        if session.used_at.is_some() {
            return reuse_detected(conn, &session.user_id, now);
        }
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
            &jwt,
            &user,
            Start::Rotation(&session),
            mandatory,
        )?)))
    })
    .await?;
    let refused = || AppError::Unauthorized("the refresh token is not valid".to_string());
    match outcome {
        Rotation::Rotated(pair) => Ok(*pair),
        Rotation::Refused(reason) => {
            tracing::warn!(
                event = "refresh",
                outcome = "refused",
                route = "/api/v1/auth/refresh",
                reason
            );
            Err(refused())
        }
        Rotation::Reused(user_id) => {
            tracing::warn!(event = "refresh", outcome = "reuse_detected", user_id = %user_id, route = "/api/v1/auth/refresh");
            Err(refused())
        }
    }
}

/// A used token presented again means it was copied: end every session and access token.
fn reuse_detected(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
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

/// Signs the caller out: their refresh tokens and access tokens stop working.
pub async fn logout(app: &AppState, caller: &AuthUser) -> AppResult<()> {
    let id = caller.id.clone();
    in_transaction(app, move |conn, _| {
        sessions::revoke_all(conn, &id, db::now())?;
        users::bump_token_version(conn, &id)?;
        audit::record(
            conn,
            Some(&id),
            "logout",
            "user",
            &id,
            serde_json::json!({}),
        )
    })
    .await
}
