//! The reminder outbox, for administrators: what is pending, sent or failed, and a retry.
//! Admins only (403 for others).

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::auth::policy::require_admin;
use crate::db::page::{ser_instant, Cursor, Page};
use crate::db::schema::reminders;
use crate::db::{self, audit, run_db};
use crate::error::{AppError, AppResult};
use crate::http::doc::{Conflict, Forbidden};
use crate::reminders::outbox::{self, Reminder};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_reminders).service(retry_reminder);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReminderView {
    pub id: String,
    /// `deadline`, `hearing`, `missed` or `failure_notice`.
    pub kind: String,
    pub item_id: Option<String>,
    pub case_id: Option<String>,
    pub recipient_id: String,
    /// Days before the item; -1 for alerts and notices.
    pub lead_days: i32,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub due_at: NaiveDateTime,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub message_id: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "ser_opt_instant")]
    pub sent_at: Option<NaiveDateTime>,
}

fn ser_opt_instant<S: serde::Serializer>(
    t: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser_instant(t, s),
        None => s.serialize_none(),
    }
}

impl From<&Reminder> for ReminderView {
    fn from(r: &Reminder) -> Self {
        ReminderView {
            id: r.id.clone(),
            kind: r.kind.clone(),
            item_id: r.item_id.clone(),
            case_id: r.case_id.clone(),
            recipient_id: r.recipient_id.clone(),
            lead_days: r.lead_days,
            due_at: r.due_at,
            status: r.state.clone(),
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error.clone(),
            message_id: r.message_id.clone(),
            sent_at: r.sent_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReminderList {
    pub items: Vec<ReminderView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReminderQuery {
    /// `pending`, `sent` or `failed`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The outbox by next attempt (index `reminders_due`). Admins only.
#[utoipa::path(
    params(ReminderQuery),
    responses(
        (status = 200, body = ReminderList),
        Forbidden
    ),
    tag = "reminders"
)]
#[get("/reminders")]
pub async fn list_reminders(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<ReminderQuery>,
) -> AppResult<HttpResponse> {
    require_admin(&user)?;
    let q = q.into_inner();
    if let Some(s) = &q.status {
        if !["pending", "sent", "failed"].contains(&s.as_str()) {
            return Err(AppError::field(
                "status",
                "must be one of pending, sent, failed",
            ));
        }
    }
    let page = Page::from_params(q.limit, q.cursor.as_deref())?;
    let (items, next_cursor) = run_db(&state.pool, move |conn| {
        let mut query = reminders::table.select(Reminder::as_select()).into_boxed();
        if let Some(s) = q.status {
            query = query.filter(reminders::state.eq(s));
        }
        if let Some(Cursor { at, id }) = &page.cursor {
            query = query.filter(
                reminders::next_attempt_at
                    .gt(*at)
                    .or(reminders::next_attempt_at
                        .eq(*at)
                        .and(reminders::id.gt(id.clone()))),
            );
        }
        let mut rows: Vec<Reminder> = query
            .order((reminders::next_attempt_at, reminders::id))
            .limit(page.limit + 1)
            .load(conn)?;
        let (rows, next) = page.finish(&mut rows, |r| Cursor {
            at: r.next_attempt_at,
            id: r.id.clone(),
        });
        Ok((
            rows.iter().map(ReminderView::from).collect::<Vec<_>>(),
            next,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(ReminderList { items, next_cursor }))
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
    require_admin(&user)?;
    let id = id.into_inner();
    let v = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let r = outbox::find(conn, &id)?.ok_or(AppError::NotFound)?;
            if r.state == "sent" {
                return Err(AppError::Conflict { detail: "this reminder was already sent".into(), errors: vec![] });
            }
            outbox::retry(conn, &id, db::now())?;
            let changes = serde_json::json!({"status": {"from": r.state, "to": "pending"}, "attempts": {"from": r.attempts, "to": 0}});
            audit::record(conn, Some(&user.id), "retry", "reminder", &id, changes)?;
            let after = outbox::find(conn, &id)?.ok_or(AppError::NotFound)?;
            Ok(ReminderView::from(&after))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}
