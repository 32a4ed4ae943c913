//! The audit log. Admins only.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::auth::policy::require_admin;
use crate::db::audit::{self, AuditEntry, AuditFilter};
use crate::db::page::Page;
use crate::db::run_db;
use crate::error::AppResult;
use crate::http::doc::Forbidden;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// Audit rows, newest first. Admins only.
#[utoipa::path(
    params(AuditQuery),
    responses(
        (status = 200, body = AuditList),
        Forbidden
    ),
    tag = "audit"
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    require_admin(&user)?;
    let q = q.into_inner();
    let page = Page::from_params(q.limit, q.cursor.as_deref())?;
    let filter = AuditFilter {
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        actor_id: q.actor_id,
    };
    let (items, next_cursor) =
        run_db(&state.pool, move |conn| audit::list(conn, &filter, &page)).await?;
    Ok(HttpResponse::Ok().json(AuditList { items, next_cursor }))
}
