//! `AuthUser`: the caller, from a bearer access token checked against the user's current state
//! and against its session.
//!
//! Ending one session (`DELETE /api/v1/me/sessions/{id}`, or a password change ending the
//! others) voids that session's access tokens at once, not after their 15 minutes: each request
//! also asks whether the token's session (`sid`) is still live. That costs one indexed lookup per
//! request, in the statement that reads the user, and is the price of "ended" meaning
//! ended on a shared or stolen device. The user and the session are read in one statement, and
//! the connection is handed on to the handler, so that a request checks out one connection.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use super::jwt::JwtKeys;
use super::policy::Role;
use crate::config::MfaMode;
use crate::db::{run_db_and_hand_on, sessions, DbPool};
use crate::error::AppError;

/// What an account without a second factor may reach where `auth.mfa = "required"`: its own
/// account, its enrolment, its sessions (to end one left open elsewhere), and sign-out (route
/// patterns).
pub const OPEN_BEFORE_ENROLMENT: [&str; 6] = [
    "/api/v1/me",
    "/api/v1/me/mfa/totp",
    "/api/v1/me/mfa/totp/confirm",
    "/api/v1/me/sessions",
    "/api/v1/me/sessions/{id}",
    "/api/v1/auth/logout",
];

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: String,
    pub role: Role,
    pub email: String,
    pub name: String,
    /// The session the access token was issued to (the `sid` claim; a `sessions.family_id`).
    pub session_id: String,
    /// The route pattern (never the concrete path), for log lines about this caller.
    pub route: String,
}

fn unauthorized(route: &str, reason: &str, user_id: Option<&str>) -> AppError {
    tracing::warn!(
        event = "authentication",
        outcome = "refused",
        user_id = user_id.unwrap_or("-"),
        route,
        reason,
    );
    AppError::Unauthorized("a valid access token is required".to_string())
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<AuthUser, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let route = req.match_pattern().unwrap_or_else(|| "-".to_string());
        let keys = req.app_data::<web::Data<JwtKeys>>().cloned();
        let pool = req.app_data::<web::Data<DbPool>>().cloned();
        let mfa_mandatory = req
            .app_data::<web::Data<crate::state::AppState>>()
            .is_some_and(|s| s.settings.auth.mfa == MfaMode::Required);
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        Box::pin(async move {
            let (Some(keys), Some(pool)) = (keys, pool) else {
                return Err(AppError::internal("token keys or pool not registered"));
            };
            let token = token.ok_or_else(|| unauthorized(&route, "no bearer token", None))?;
            let claims = keys
                .verify(&token)
                .map_err(|e| unauthorized(&route, &format!("token rejected: {e}"), None))?;
            let (sub, sid) = (claims.sub.clone(), claims.sid.clone());
            // The connection goes on to the handler's database work (one check-out a request).
            let found = run_db_and_hand_on(&pool, move |conn| {
                sessions::user_with_live_session(conn, &sub, &sid)
            })
            .await?;
            let (user, live) = match found {
                Some((user, live)) => (Some(user), live),
                None => (None, false),
            };
            let user = match user {
                Some(u) if u.active && u.token_version == claims.ver && live => u,
                Some(u) if !u.active => {
                    return Err(unauthorized(&route, "user deactivated", Some(&u.id)))
                }
                Some(u) if u.token_version != claims.ver => {
                    return Err(unauthorized(&route, "token version revoked", Some(&u.id)))
                }
                Some(u) => return Err(unauthorized(&route, "session ended", Some(&u.id))),
                None => return Err(unauthorized(&route, "unknown subject", None)),
            };
            if mfa_mandatory
                && user.mfa_enrolled_at.is_none()
                && !OPEN_BEFORE_ENROLMENT.contains(&route.as_str())
            {
                tracing::info!(event = "authorisation", outcome = "refused", user_id = %user.id, route, reason = "mfa enrolment required");
                return Err(AppError::MfaEnrolmentRequired);
            }
            let role =
                Role::parse(&user.role).ok_or_else(|| AppError::internal("stored role unknown"))?;
            Ok(AuthUser {
                id: user.id,
                role,
                email: user.email,
                name: user.name,
                session_id: claims.sid,
                route,
            })
        })
    }
}
