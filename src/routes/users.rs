//! Account management. Admins only (403 for lawyers and caseworkers), but for the directory of
//! assignable people, which every signed-in user reads.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::policy::Role;
use crate::db::page::PageParams;
use crate::error::AppResult;
use crate::http::body::{not_null, ApiJson, ApiQuery};
use crate::http::doc::TimeZoneName;
use crate::http::doc::{Conflict, Forbidden};
use crate::http::list::List;
use crate::service::accounts::{self, NewUser, UserEdit, UserView};
use crate::service::directory::{self as service_directory, DirectoryEntry};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // The directory before `/users/{id}`, which would otherwise take "directory" for an id.
    cfg.service(list_users)
        .service(directory)
        .service(create_user)
        .service(get_user)
        .service(patch_user);
}

/// All accounts, oldest first. Admins only.
#[utoipa::path(
    params(PageParams),
    responses(
        (status = 200, body = List<UserView>),
        Forbidden
    ),
    tag = "users"
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    user: AuthUser,
    params: ApiQuery<PageParams>,
) -> AppResult<HttpResponse> {
    let (items, next_cursor) = accounts::list(&state, &user, &params).await?;
    Ok(HttpResponse::Ok().json(List::page(items, next_cursor)))
}

/// The people who can be assigned to a case: active lawyers and caseworkers, sorted by name,
/// as `{id, name, role}` (no e-mail addresses). Any signed-in user; never paged.
#[utoipa::path(
    responses(
        (status = 200, body = List<DirectoryEntry>)
    ),
    tag = "users"
)]
#[get("/users/directory")]
pub async fn directory(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    let list = service_directory::list(&state, &user).await?;
    Ok(HttpResponse::Ok().json(list))
}

// The bodies of this admin-only resource are checked by the service after the role check, so
// that other roles are refused (403) whatever they send.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub email: String,
    /// Trimmed; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `admin`, `lawyer` or `caseworker`.
    #[schema(value_type = Role)]
    pub role: String,
    /// 12 to 128 characters, and not easy to guess.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    /// IANA zone; defaults to the organisation's.
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
}

impl From<NewUserRequest> for NewUser {
    fn from(r: NewUserRequest) -> NewUser {
        NewUser {
            email: r.email,
            name: r.name,
            role: r.role,
            password: r.password,
            time_zone: r.time_zone,
        }
    }
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
    let created = accounts::create_user(&state, &user, body.0.into()).await?;
    Ok(HttpResponse::Created().json(created))
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
    let found = accounts::get(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// A new sign-in address (lower-cased; unique, else 409). The user's tokens end.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_length = 254)]
    pub email: Option<String>,
    /// Trimmed; 1 to 200 characters.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Role>, nullable = false)]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

impl From<UserPatch> for UserEdit {
    fn from(p: UserPatch) -> UserEdit {
        UserEdit {
            email: p.email,
            name: p.name,
            role: p.role,
            active: p.active,
        }
    }
}

/// Rename, change the e-mail or role of, deactivate or reactivate an account. Admins only. An
/// e-mail already in use is 409. A role or e-mail change or a deactivation ends the user's tokens
/// at once; the last active admin cannot be demoted or
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
    let updated = accounts::update(&state, &user, id.into_inner(), body.0.into()).await?;
    Ok(HttpResponse::Ok().json(updated))
}
