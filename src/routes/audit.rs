//! The audit log, for administrators: parse the query, call `service::audit`, respond.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::extract::AuthUser;
use crate::db::page::Page;
use crate::error::AppResult;
use crate::http::body::ApiQuery;
use crate::http::doc::Forbidden;
use crate::http::list::List;
use crate::service::audit::{self as service, AuditEntry, AuditFilter};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl AuditQuery {
    fn parse(self) -> AppResult<(AuditFilter, Page)> {
        let page = Page::from_params(self.limit, self.cursor.as_deref())?;
        let filter = AuditFilter {
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            actor_id: self.actor_id,
        };
        Ok((filter, page))
    }
}

/// Audit rows, newest first. Admins only.
#[utoipa::path(
    params(AuditQuery),
    responses(
        (status = 200, body = List<AuditEntry>),
        Forbidden
    ),
    tag = "audit"
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ApiQuery<AuditQuery>,
) -> AppResult<HttpResponse> {
    // Parsed here, judged after the role check in the service (403 before 422).
    let list = service::list(&state, &user, q.into_inner().parse()).await?;
    Ok(HttpResponse::Ok().json(list))
}
