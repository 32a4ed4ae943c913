//! The caller's own account and sessions. Any signed-in user.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::error::{AppResult, Fields};
use crate::http::body::{not_null, ApiJson};
use crate::http::doc::{TimeZoneName, TooManyAttempts};
use crate::http::list::List;
use crate::service::accounts::{check_name, parse_time_zone, UserView};
use crate::service::own_sessions::{self, SessionView};
use crate::service::passwords;
use crate::service::profile::{self, MeEdit};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_me)
        .service(patch_me)
        .service(change_password)
        .service(list_sessions)
        .service(end_session);
}

/// The caller's account. Any signed-in user.
#[utoipa::path(
    responses((status = 200, body = UserView)
    ),
    tag = "me"
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    let me = profile::get_me(&state, &user).await?;
    Ok(HttpResponse::Ok().json(me))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeChanges {
    /// Trimmed; 1 to 200 characters.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<TimeZoneName>, nullable = false)]
    pub time_zone: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub reminders_enabled: Option<bool>,
    /// One morning digest instead of one e-mail per reminder.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub reminder_digest: Option<bool>,
}

impl MeChanges {
    /// Every mistake at once: the name and the zone.
    fn parse(self) -> AppResult<MeEdit> {
        let mut fields = Fields::new();
        let name = self.name.and_then(|n| fields.check("name", check_name(&n)));
        let time_zone = self
            .time_zone
            .and_then(|t| fields.check("time_zone", parse_time_zone(&t)));
        fields.finish()?;
        Ok(MeEdit {
            name,
            time_zone,
            reminders_enabled: self.reminders_enabled,
            reminder_digest: self.reminder_digest,
        })
    }
}

/// Change the caller's name, time zone or reminder preferences. Any signed-in user.
#[utoipa::path(
    request_body = MeChanges,
    responses(
        (status = 200, body = UserView)
    ),
    tag = "me"
)]
#[patch("/me")]
pub async fn patch_me(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<MeChanges>,
) -> AppResult<HttpResponse> {
    let edit = body.0.parse()?;
    let me = profile::update_me(&state, &user, edit).await?;
    Ok(HttpResponse::Ok().json(me))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 12 to 128 characters, and not easy to guess.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
}

/// Change the caller's password. Any signed-in user. Every other session of the user ends at
/// once (refresh and access tokens); this one goes on, its tokens still working. Outstanding
/// reset links and the calendar feed address end too.
#[utoipa::path(
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; this session goes on, the others have ended"),
        TooManyAttempts
    ),
    tag = "me"
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<PasswordChange>,
) -> AppResult<HttpResponse> {
    let PasswordChange {
        current_password,
        new_password,
    } = body.0;
    passwords::change_password(&state, &user, current_password, new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's active sessions (signed in, not ended, not expired), one per sign-in however
/// often it was refreshed, the newest first; `current` marks the one making the request. Any
/// signed-in user, also an account that must still enrol a second factor.
#[utoipa::path(
    responses(
        (status = 200, body = List<SessionView>)
    ),
    tag = "me"
)]
#[get("/me/sessions")]
pub async fn list_sessions(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    let list = own_sessions::list(&state, &user).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// End one of the caller's sessions: its refresh token and its access tokens stop working at
/// once (ending the current one signs this session out). Any signed-in user, also an account
/// that must still enrol a second factor. 404 for an unknown or already ended session and for
/// another user's: the answer does not tell them apart.
#[utoipa::path(
    params(("id" = String, Path, description = "Session id, from `GET /api/v1/me/sessions`")),
    responses(
        (status = 204, description = "Ended")
    ),
    tag = "me"
)]
#[delete("/me/sessions/{id}")]
pub async fn end_session(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    own_sessions::end(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
