//! A client's erasure over HTTP (admins only): parse the reason, call `service::erasure`, answer
//! with what was removed.

use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::domain::vocab::ErasureReason;
use crate::error::{AppError, AppResult};
use crate::http::body::ApiJson;
use crate::http::doc::{Conflict, Forbidden};
use crate::service::erasure::{self, ErasureView};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(erase_client);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// Why the client is erased, as a code (free text could name the person the erasure removes).
    #[schema(value_type = ErasureReason)]
    pub reason: String,
}

impl ErasureRequest {
    fn parse(self) -> AppResult<ErasureReason> {
        ErasureReason::parse(&self.reason)
            .ok_or_else(|| AppError::field("reason", ErasureReason::allowed()))
    }
}

/// Erase a client: the client, their cases with every fact, deadline, hearing, family member,
/// custody period, Order of Supervision, note and task, their reminders (and so their calendar
/// feed entries), and the personal data in every audit snapshot about those records, in one
/// transaction. It cannot be undone (backups still hold the data: README, Backups). Every case
/// must be closed first (409 otherwise). Audited by id, with the reason and counts. Admins only.
#[utoipa::path(
    params(("id" = String, Path, description = "Client id")),
    request_body = ErasureRequest,
    responses(
        (status = 200, body = ErasureView),
        Forbidden,
        Conflict
    ),
    tag = "clients"
)]
#[post("/clients/{id}/erasure")]
pub async fn erase_client(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ErasureRequest>,
) -> AppResult<HttpResponse> {
    // Parsed here, judged after the role check in the service (403 before 422).
    let view = erasure::erase(&state, &user, id.into_inner(), body.0.parse()).await?;
    Ok(HttpResponse::Ok().json(view))
}
