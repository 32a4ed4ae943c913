//! Closure days by executive order (admin-managed): parse the request, call `service::closures`,
//! respond. They give deadlines an `alternative_due_on`, never a new `due_on`.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::domain::dates::Day;
use crate::error::{AppResult, Fields};
use crate::http::body::ApiJson;
use crate::http::doc::{Conflict, Forbidden};
use crate::http::list::List;
use crate::service::closures::{self, ClosureView};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_closures)
        .service(create_closure)
        .service(delete_closure);
}

/// Closure days by executive order (they give `alternative_due_on`, never `due_on`). Admins only.
#[utoipa::path(
    responses(
        (status = 200, body = List<ClosureView>),
        Forbidden
    ),
    tag = "deadlines"
)]
#[get("/closures")]
pub async fn list_closures(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    let list = closures::list(&state, &user).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClosure {
    /// `YYYY-MM-DD`, from 1900 to 2199.
    pub day: Day,
    /// Trimmed; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

impl NewClosure {
    fn parse(self) -> AppResult<closures::NewClosure> {
        let reason = self.reason.trim().to_string();
        let mut errors = Fields::new();
        if reason.is_empty() || reason.chars().count() > 200 {
            errors.push("reason", "must be 1 to 200 characters");
        }
        errors.finish()?;
        Ok(closures::NewClosure {
            day: self.day.date(),
            reason,
        })
    }
}

/// Add a closure day; deadlines near it get their alternative dates recomputed. Admins only.
#[utoipa::path(
    request_body = NewClosure,
    responses(
        (status = 201, body = ClosureView),
        Forbidden,
        Conflict
    ),
    tag = "deadlines"
)]
#[post("/closures")]
pub async fn create_closure(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<NewClosure>,
) -> AppResult<HttpResponse> {
    // Parsed here, judged after the role check in the service (403 before 422).
    let v = closures::create(&state, &user, body.0.parse()).await?;
    Ok(HttpResponse::Created().json(v))
}

/// Remove a closure day; alternative dates near it are recomputed. Admins only.
#[utoipa::path(
    params(("id" = String, Path, description = "Closure id")),
    responses(
        (status = 204, description = "Removed"),
        Forbidden
    ),
    tag = "deadlines"
)]
#[delete("/closures/{id}")]
pub async fn delete_closure(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    closures::delete(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
