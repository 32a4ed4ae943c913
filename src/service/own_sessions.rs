//! The caller's own sessions: the list (one entry per sign-in, however often its refresh token
//! was rotated) and ending one. A session is a chain of refresh-token rows sharing
//! `sessions.family_id`; its id is that family id, which is also the `sid` of its access tokens.

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::db::page::ser_instant;
use crate::db::{self, audit, run_db, sessions};
use crate::error::{AppError, AppResult};
use crate::http::list::List;
use crate::service::in_transaction;
use crate::state::AppState;

/// One of the caller's active sessions (signed in, not ended, not expired).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The session's id: the same from sign-in to its end, across refreshes.
    pub id: String,
    /// When the session began: the sign-in (password, and second factor if any).
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub signed_in_at: NaiveDateTime,
    /// The last sign-in or refresh of this session (requests with its access token are not
    /// counted).
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub last_used_at: NaiveDateTime,
    /// The User-Agent header of the sign-in, at most 200 characters; null when none was sent.
    /// Never an IP address.
    pub user_agent: Option<String>,
    /// Whether this is the session of the access token making the request.
    pub current: bool,
}

/// The caller's active sessions, the newest sign-in first. Never paged (`next_cursor` null).
pub async fn list(app: &AppState, caller: &AuthUser) -> AppResult<List<SessionView>> {
    let now = db::now();
    let idle_since = now - Duration::minutes(app.settings.auth.session_idle_minutes);
    let signed_in_since = now - Duration::hours(app.settings.auth.session_max_hours);
    let id = caller.id.clone();
    let heads = run_db(&app.pool, move |conn| {
        sessions::live_heads(conn, &id, idle_since, signed_in_since)
    })
    .await?;
    let items = heads
        .into_iter()
        .map(|s| SessionView {
            current: s.family_id == caller.session_id,
            id: s.family_id,
            signed_in_at: s.signed_in_at,
            last_used_at: s.last_used_at,
            user_agent: s.user_agent,
        })
        .collect();
    Ok(List::all(items))
}

/// Ends session `id` of the caller: its refresh token stops working at once, and so do its
/// access tokens (the caller extractor checks the session on every request). The caller's own
/// current session may be ended too (a sign-out of this session only). 404 for an id that is
/// not a session of the caller or one already ended: another user's session looks unknown.
pub async fn end(app: &AppState, caller: &AuthUser, id: String) -> AppResult<()> {
    let user_id = caller.id.clone();
    let current = id == caller.session_id;
    let session_id = id.clone();
    in_transaction(app, move |conn, _| {
        if sessions::revoke_family(conn, &user_id, &session_id, db::now())? == 0 {
            return Err(AppError::NotFound);
        }
        let changes = serde_json::json!({"session_id": session_id, "current": current});
        audit::record(
            conn,
            Some(&user_id),
            "session_ended",
            "user",
            &user_id,
            changes,
        )
    })
    .await?;
    tracing::info!(event = "session_ended", user_id = %caller.id, session_id = %id, current, route = %caller.route);
    Ok(())
}
