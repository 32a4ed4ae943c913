//! The second factor (TOTP, RFC 6238): enrolment by the account's owner, the second step of a
//! sign-in, removal by the owner (password and a current code) or by an admin (audited, the
//! user told by e-mail). ASVS 5.0 6.3.3 (Level 2: multi-factor authentication); 6.5 (a code
//! and a recovery code are good once; a challenge lives 5 minutes and allows 5 tries).

use chrono::Duration;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::policy::require_admin;
use crate::auth::refresh::{hash_secret, new_secret};
use crate::auth::totp;
use crate::db::{self, audit, mfa, run_db, sessions, users, DbConnection};
use crate::error::{AppError, AppResult};
use crate::reminders::outbox;
use crate::service::sessions::{open_session, Start, TokenPair, LOCK_WINDOW_MINUTES, MAX_FAILURES};
use crate::state::AppState;

pub const CHALLENGE_MINUTES: i64 = 5;
pub const CHALLENGE_TRIES: i32 = 5;
/// The outbox kind of the e-mail that tells a user an admin removed their second factor.
pub const MFA_RESET_MAIL: &str = "mfa_reset";

/// A new secret, pending until confirmed with a code from the app.
#[derive(Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// Base32: for typing into an app by hand.
    pub secret: String,
    /// `otpauth://totp/asylum-tracker:EMAIL?secret=...&issuer=asylum-tracker`
    pub otpauth_uri: String,
    /// The same URI as a QR code (an SVG document).
    pub qr_svg: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes, shown this once (only their hashes are kept).
    pub recovery_codes: Vec<String>,
}

/// The answer of a sign-in whose account has a second factor: no token yet.
#[derive(Serialize, ToSchema)]
pub struct MfaChallenge {
    /// Always true.
    pub mfa_required: bool,
    /// For `POST /api/v1/auth/mfa`; good for `expires_in` seconds and five tries.
    pub challenge_token: String,
    pub expires_in: i64,
}

/// Opens the second step of a sign-in. Inside the caller's transaction.
pub fn open_challenge(conn: &mut DbConnection, user_id: &str) -> AppResult<MfaChallenge> {
    let (token, hashed) = new_secret();
    let now = db::now();
    mfa::insert_challenge(
        conn,
        user_id,
        &hashed,
        now,
        now + Duration::minutes(CHALLENGE_MINUTES),
    )?;
    Ok(MfaChallenge {
        mfa_required: true,
        challenge_token: token,
        expires_in: CHALLENGE_MINUTES * 60,
    })
}

fn unix_now() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

/// Starts (or restarts) enrolment: a new pending secret. 409 when one is already confirmed.
pub async fn begin(app: &AppState, caller: &AuthUser) -> AppResult<TotpEnrolment> {
    let (id, email) = (caller.id.clone(), caller.email.clone());
    let secret = totp::new_secret();
    let (otpauth_uri, qr_svg) = totp::enrolment(&secret, &email)?;
    let stored = secret.clone();
    run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            if mfa::totp_of(conn, &id)?.is_some_and(|t| t.confirmed_at.is_some()) {
                return Err(AppError::conflict(
                    "mfa",
                    "an authenticator is already enrolled; remove it first",
                ));
            }
            mfa::put_pending(conn, &id, &stored, db::now())?;
            audit::record(
                conn,
                Some(&id),
                "mfa_enrolment_started",
                "user",
                &id,
                serde_json::json!({}),
            )
        })
    })
    .await?;
    Ok(TotpEnrolment {
        secret,
        otpauth_uri,
        qr_svg,
    })
}

/// Confirms enrolment with a current code; returns the recovery codes, shown this once.
pub async fn confirm(app: &AppState, caller: &AuthUser, code: String) -> AppResult<RecoveryCodes> {
    let id = caller.id.clone();
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|(_, h)| h.clone()).collect();
    run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            users::lock(conn, &id)?;
            let pending = match mfa::totp_of(conn, &id)? {
                Some(t) if t.confirmed_at.is_none() => t,
                Some(_) => {
                    return Err(AppError::conflict(
                        "mfa",
                        "an authenticator is already enrolled",
                    ))
                }
                None => {
                    return Err(AppError::conflict(
                        "mfa",
                        "no enrolment in progress: start with POST /api/v1/me/mfa/totp",
                    ))
                }
            };
            let Some(step) =
                totp::accepted_step(&pending.secret, &code, unix_now(), pending.last_step)?
            else {
                return Err(AppError::field(
                    "code",
                    "is not the authenticator's current code",
                ));
            };
            mfa::confirm(conn, &id, step, &hashes, db::now())?;
            audit::record(
                conn,
                Some(&id),
                "mfa_enrolled",
                "user",
                &id,
                serde_json::json!({}),
            )
        })
    })
    .await?;
    Ok(RecoveryCodes {
        recovery_codes: codes.into_iter().map(|(shown, _)| shown).collect(),
    })
}

/// Removes the caller's own second factor: needs the password (counted like a sign-in guess)
/// and a current code.
pub async fn remove(
    app: &AppState,
    caller: &AuthUser,
    password: String,
    code: String,
) -> AppResult<()> {
    if crate::auth::password::too_long(&password) {
        return Err(AppError::field("password", "is not your password"));
    }
    let id = caller.id.clone();
    let user = run_db(&app.pool, move |conn| users::find(conn, &id))
        .await?
        .ok_or(AppError::NotFound)?;
    if user.mfa_enrolled_at.is_none() {
        return Err(AppError::conflict("mfa", "no authenticator is enrolled"));
    }
    let route = "/api/v1/me/mfa/totp";
    if !crate::service::sessions::counted_check(app, &user, password, route).await? {
        return Err(AppError::field("password", "is not your password"));
    }
    let id = caller.id.clone();
    run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            users::lock(conn, &id)?;
            let t = mfa::totp_of(conn, &id)?.ok_or(AppError::NotFound)?;
            let accepted = totp::accepted_step(&t.secret, &code, unix_now(), t.last_step)?;
            match accepted {
                Some(step) if mfa::use_step(conn, &id, step)? => {}
                _ => {
                    return Err(AppError::field(
                        "code",
                        "is not the authenticator's current code (or was used already)",
                    ))
                }
            }
            mfa::remove(conn, &id)?;
            audit::record(
                conn,
                Some(&id),
                "mfa_removed",
                "user",
                &id,
                serde_json::json!({}),
            )
        })
    })
    .await
}

/// An admin removes a user's second factor (a lost phone): every session of the user ends,
/// the user is told by e-mail, and signs in next with the password alone (then, where MFA is
/// required, enrols again before anything else).
pub async fn admin_reset(app: &AppState, caller: &AuthUser, user_id: String) -> AppResult<()> {
    require_admin(caller)?;
    let actor = caller.id.clone();
    let row = run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            let user = users::find(conn, &user_id)?.ok_or(AppError::NotFound)?;
            let had = mfa::remove(conn, &user.id)?;
            if !had {
                return Err(AppError::conflict(
                    "mfa",
                    "this user has no authenticator enrolled",
                ));
            }
            sessions::revoke_all(conn, &user.id, db::now())?;
            users::bump_token_version(conn, &user.id)?;
            audit::record(
                conn,
                Some(&actor),
                "mfa_reset",
                "user",
                &user.id,
                serde_json::json!({}),
            )?;
            outbox::queue_now(conn, MFA_RESET_MAIL, &user.id, &user.id)
        })
    })
    .await?;
    // Sent now (and retried by the worker if SMTP fails); the answer does not wait for it.
    let worker = app.worker();
    actix_web::rt::spawn(async move {
        if let Err(e) = crate::reminders::worker::send_now(&worker, vec![row]).await {
            tracing::warn!(event = "mfa_reset_mail", error = %e, "left for the worker");
        }
    });
    Ok(())
}

/// How the second step proves the factor.
pub enum Factor {
    Code(String),
    RecoveryCode(String),
}

enum Step {
    Done(Box<TokenPair>),
    Wrong,
    Expired,
    Locked(i64),
}

/// The second step of a sign-in. A wrong code counts against the challenge (5 tries) and
/// against the account like a wrong password (so that new challenges do not give new tries).
/// `user_agent` is kept with the new session, as at a one-step sign-in.
pub async fn second_step(
    app: &AppState,
    challenge: String,
    factor: Factor,
    user_agent: Option<String>,
) -> AppResult<TokenPair> {
    let hashed = hash_secret(&challenge);
    let jwt = app.jwt.clone();
    let required = app.settings.auth.mfa == crate::config::MfaMode::Required;
    let step = run_db(&app.pool, move |conn| {
        db::transaction(conn, |conn| {
            let now = db::now();
            let Some(found) = mfa::find_challenge(conn, &hashed)? else {
                return Ok(Step::Expired);
            };
            users::lock(conn, &found.user_id)?;
            // Read again under the lock: a concurrent try may have counted or finished it.
            let Some(ch) = mfa::find_challenge(conn, &hashed)? else {
                return Ok(Step::Expired);
            };
            if ch.used_at.is_some() || ch.expires_at <= now || ch.attempts >= CHALLENGE_TRIES {
                return Ok(Step::Expired);
            }
            let user = match users::find(conn, &ch.user_id)? {
                Some(u) if u.active => u,
                _ => return Ok(Step::Expired),
            };
            if let Some(until) = user.locked_until.filter(|t| *t > now) {
                return Ok(Step::Locked((until - now).num_seconds().max(1)));
            }
            let Some(t) = mfa::totp_of(conn, &user.id)?.filter(|t| t.confirmed_at.is_some())
            else {
                return Ok(Step::Expired);
            };
            let tries = mfa::count_try(conn, &ch.id)?;
            let (ok, how) = match &factor {
                Factor::Code(code) => {
                    let ok = match totp::accepted_step(&t.secret, code, unix_now(), t.last_step)? {
                        Some(step) => mfa::use_step(conn, &user.id, step)?,
                        None => false,
                    };
                    (ok, "totp")
                }
                Factor::RecoveryCode(code) => (
                    mfa::use_recovery_code(conn, &user.id, &totp::recovery_hash(code), now)?,
                    "recovery_code",
                ),
            };
            let window = Duration::minutes(LOCK_WINDOW_MINUTES);
            if !ok {
                users::claim_attempt(conn, &user.id, now, window, MAX_FAILURES)?;
                let locked = users::lock_if_spent(conn, &user.id, now, window, MAX_FAILURES)?;
                if tries >= CHALLENGE_TRIES || locked.is_some() {
                    mfa::finish_challenge(conn, &ch.id, now)?;
                }
                audit::record(
                    conn,
                    Some(&user.id),
                    "mfa_failed",
                    "user",
                    &user.id,
                    serde_json::json!({"factor": how, "locked_until": locked.map(|t| db::page::format_instant(&t))}),
                )?;
                return Ok(Step::Wrong);
            }
            mfa::finish_challenge(conn, &ch.id, now)?;
            users::clear_failed_logins(conn, &user.id)?;
            let mut changes = serde_json::json!({ "second_factor": how });
            if how == "recovery_code" {
                changes["recovery_codes_left"] = mfa::unused_recovery_codes(conn, &user.id)?.into();
            }
            audit::record(conn, Some(&user.id), "login", "user", &user.id, changes)?;
            let user = users::find(conn, &user.id)?.ok_or(AppError::NotFound)?;
            let start = Start::SignIn {
                user_agent: user_agent.as_deref(),
            };
            Ok(Step::Done(Box::new(open_session(conn, &jwt, &user, start, required)?)))
        })
    })
    .await?;
    match step {
        Step::Done(pair) => {
            tracing::info!(event = "sign_in", user_id = %pair.user.id, route = "/api/v1/auth/mfa", outcome = "success");
            Ok(*pair)
        }
        Step::Wrong => {
            tracing::info!(
                event = "sign_in",
                route = "/api/v1/auth/mfa",
                outcome = "wrong_code"
            );
            Err(AppError::Unauthorized(
                "the code is wrong or was used already".to_string(),
            ))
        }
        Step::Expired => Err(AppError::Unauthorized(
            "this sign-in has expired or was finished; sign in again".to_string(),
        )),
        Step::Locked(secs) => Err(AppError::TooManyRequests {
            retry_after_secs: secs as u64,
        }),
    }
}
