//! Account management. Admins only (403 for lawyers and caseworkers).

use actix_web::{get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::{self, UserView};
use crate::auth::extract::AuthUser;
use crate::auth::policy::{require_admin, Role};
use crate::db::page::{Page, PageParams};
use crate::db::{self, audit, run_db, sessions, users};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::body::ApiJson;
use crate::http::doc::{Conflict, Forbidden};
use crate::reminders::outbox;
use crate::service::Context;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(patch_user);
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserView>,
    pub next_cursor: Option<String>,
}

/// All accounts, oldest first. Admins only.
#[utoipa::path(
    params(PageParams),
    responses(
        (status = 200, body = UserList),
        Forbidden
    ),
    tag = "users"
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    user: AuthUser,
    params: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    require_admin(&user)?;
    let page = Page::try_from(&params.into_inner())?;
    let (rows, next_cursor) = run_db(&state.pool, move |conn| users::list(conn, &page)).await?;
    Ok(HttpResponse::Ok().json(UserList {
        items: rows.iter().map(UserView::from).collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub email: String,
    pub name: String,
    /// `admin`, `lawyer` or `caseworker`.
    pub role: String,
    pub password: String,
    /// IANA zone; defaults to the organisation's.
    pub time_zone: Option<String>,
}

/// Create an account. Admins only. 409 when the e-mail is taken.
#[utoipa::path(
    request_body = NewUserRequest,
    responses(
        (status = 201, body = UserView),
        Forbidden,
        Conflict
    ),
    tag = "users"
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<NewUserRequest>,
) -> AppResult<HttpResponse> {
    require_admin(&user)?;
    let req = body.0;
    let tz = req
        .time_zone
        .unwrap_or_else(|| state.settings.reminders.time_zone.clone());
    let created = run_db(&state.pool, move |conn| {
        let account = accounts::prepare(&req.email, &req.name, &req.role, &req.password, &tz)?;
        accounts::create(conn, Some(&user.id), &account)
    })
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(&created)))
}

/// One account. Admins only.
#[utoipa::path(
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, body = UserView),
        Forbidden
    ),
    tag = "users"
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    require_admin(&user)?;
    let id = id.into_inner();
    let found = run_db(&state.pool, move |conn| users::find(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&found.ok_or(AppError::NotFound)?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// Rename, change the role of, deactivate or reactivate an account. Admins only. A role change or
/// deactivation ends the user's tokens at once; the last active admin cannot be demoted or
/// deactivated (409).
#[utoipa::path(
    params(("id" = String, Path, description = "User id")),
    request_body = UserPatch,
    responses(
        (status = 200, body = UserView),
        Forbidden,
        Conflict
    ),
    tag = "users"
)]
#[patch("/users/{id}")]
pub async fn patch_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<UserPatch>,
) -> AppResult<HttpResponse> {
    require_admin(&user)?;
    let id = id.into_inner();
    let input = body.0;
    let mut errors = Vec::new();
    let name = match input.name {
        Some(n) => accounts::check_name(&n)
            .map_err(|m| errors.push(FieldError::new("name", m)))
            .ok(),
        None => None,
    };
    let role = match input.role.as_deref() {
        Some(r) => {
            let parsed = Role::parse(r);
            if parsed.is_none() {
                errors.push(FieldError::new("role", Role::allowed()));
            }
            parsed
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let actor = user.id.clone();
    let ctx = Context::now(&state.settings);
    let updated = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let before = users::find(conn, &id)?.ok_or(AppError::NotFound)?;
            let demoted = before.role == "admin" && role.is_some_and(|r| r != Role::Admin);
            let deactivated = before.active && input.active == Some(false);
            if before.role == "admin"
                && before.active
                && (demoted || deactivated)
                && users::count_active_admins(conn)? <= 1
            {
                return Err(AppError::Conflict {
                    detail: "this is the last active admin; make another admin first".to_string(),
                    errors: vec![],
                });
            }
            let role_changed = role.is_some_and(|r| r.as_str() != before.role);
            let after = users::update(
                conn,
                &id,
                users::UserChanges {
                    name,
                    role: role.map(|r| r.as_str().to_string()),
                    active: input.active,
                    ..Default::default()
                },
            )?;
            if role_changed || deactivated {
                users::bump_token_version(conn, &id)?;
                sessions::revoke_all(conn, &id, db::now())?;
            }
            if input.active.is_some() {
                outbox::replan_user(conn, &id, &ctx.schedule)?;
            }
            let diff = audit::diff(
                &UserView::from(&before).json(),
                &UserView::from(&after).json(),
            );
            audit::record(conn, Some(&actor), "update", "user", &id, diff)?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserView::from(&updated)))
}
