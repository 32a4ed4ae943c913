//! The reminder outbox, for administrators: parse the request, call `service::reminders`, respond.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::extract::AuthUser;
use crate::db::page::Page;
use crate::error::{AppError, AppResult};
use crate::http::body::ApiQuery;
use crate::http::doc::{Conflict, Forbidden};
use crate::http::list::List;
use crate::service::reminders::{self as service, ReminderFilter, ReminderState, ReminderView};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_reminders).service(retry_reminder);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReminderQuery {
    #[param(value_type = Option<ReminderState>)]
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl ReminderQuery {
    fn parse(self) -> AppResult<ReminderFilter> {
        let status = match self.status.as_deref() {
            Some(s) => Some(
                ReminderState::parse(s)
                    .ok_or_else(|| AppError::field("status", ReminderState::allowed()))?,
            ),
            None => None,
        };
        let page = Page::from_params(self.limit, self.cursor.as_deref())?;
        Ok(ReminderFilter { status, page })
    }
}

/// The outbox by next attempt (index `reminders_due`). Admins only.
#[utoipa::path(
    params(ReminderQuery),
    responses(
        (status = 200, body = List<ReminderView>),
        Forbidden
    ),
    tag = "reminders"
)]
#[get("/reminders")]
pub async fn list_reminders(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ApiQuery<ReminderQuery>,
) -> AppResult<HttpResponse> {
    // Parsed here, judged after the role check in the service (403 before 422).
    let list = service::list(&state, &user, q.into_inner().parse()).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Try a failed (or waiting) reminder again now, with a fresh set of tries. Admins only; a sent
/// reminder is 409.
#[utoipa::path(
    params(("id" = String, Path, description = "Reminder id")),
    responses(
        (status = 200, body = ReminderView),
        Forbidden,
        Conflict
    ),
    tag = "reminders"
)]
#[post("/reminders/{id}/retry")]
pub async fn retry_reminder(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let v = service::retry(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(v))
}
