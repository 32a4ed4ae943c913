//! The caller's own account. Any signed-in user.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::{self, UserView};
use crate::auth::extract::AuthUser;
use crate::auth::password;
use crate::db::{self, audit, run_db, users};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::body::ApiJson;
use crate::reminders::outbox;
use crate::routes::auth::set_password;
use crate::service::Context;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_me)
        .service(patch_me)
        .service(change_password);
}

/// The caller's account. Any signed-in user.
#[utoipa::path(
    responses((status = 200, body = UserView)
    ),
    tag = "me"
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    let found = run_db(&state.pool, move |conn| users::find(conn, &user.id)).await?;
    let found = found.ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(UserView::from(&found)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeChanges {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub reminders_enabled: Option<bool>,
    /// One morning digest instead of one e-mail per reminder.
    pub reminder_digest: Option<bool>,
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
    let input = body.0;
    let mut errors = Vec::new();
    let name = input
        .name
        .map(|n| {
            accounts::check_name(&n)
                .map_err(|m| errors.push(FieldError::new("name", m)))
                .ok()
        })
        .unwrap_or(None);
    let time_zone = input
        .time_zone
        .map(|t| {
            accounts::check_time_zone(&t)
                .map_err(|m| errors.push(FieldError::new("time_zone", m)))
                .ok()
        })
        .unwrap_or(None);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let changes = users::UserChanges {
        name,
        time_zone,
        reminders_enabled: input.reminders_enabled,
        reminder_digest: input.reminder_digest,
        ..Default::default()
    };
    let ctx = Context::now(&state.settings);
    let updated = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let before = users::find(conn, &user.id)?.ok_or(AppError::NotFound)?;
            let after = users::update(conn, &user.id, changes)?;
            if before.reminders_enabled != after.reminders_enabled
                || before.reminder_digest != after.reminder_digest
            {
                outbox::replan_user(conn, &user.id, &ctx.schedule)?;
            }
            let diff = audit::diff(
                &UserView::from(&before).json(),
                &UserView::from(&after).json(),
            );
            audit::record(conn, Some(&user.id), "update", "user", &user.id, diff)?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserView::from(&updated)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change the caller's password. Any signed-in user. Every token and session of the user ends,
/// this one included: sign in again with the new password.
#[utoipa::path(
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; sign in again")
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
    run_db(&state.pool, move |conn| {
        let found = users::find(conn, &user.id)?.ok_or(AppError::NotFound)?;
        if !password::verify(&current_password, &found.password_hash) {
            audit::record(
                conn,
                Some(&user.id),
                "password_change_failed",
                "user",
                &user.id,
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
            set_password(conn, &user.id, new_hash, "password_change")
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
