//! Use cases of the reminder outbox for administrators: what is pending, sent or failed, and a
//! retry. Admins only (403 for others).

use crate::service::in_transaction;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::policy::require_admin;
use crate::db::page::{ser_instant, Page};
use crate::db::{self, audit, run_db};
use crate::error::{AppError, AppResult};
use crate::http::list::List;
use crate::reminders::outbox::{self, Reminder};
use crate::state::AppState;

/// Where a reminder is in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderState {
    Pending,
    Sent,
    Failed,
}

impl ReminderState {
    pub const ALL: [ReminderState; 3] = [
        ReminderState::Pending,
        ReminderState::Sent,
        ReminderState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReminderState::Pending => "pending",
            ReminderState::Sent => "sent",
            ReminderState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<ReminderState> {
        ReminderState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// For 422 messages: "must be one of pending, sent, failed".
    pub fn allowed() -> String {
        let names = ReminderState::ALL.map(ReminderState::as_str);
        format!("must be one of {}", names.join(", "))
    }
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    Deadline,
    Hearing,
    /// An alert that a deadline passed unmet.
    Missed,
    /// Tells administrators that a reminder failed for good.
    FailureNotice,
    /// A password-reset link (sent through the outbox so a stalled SMTP server blocks no request).
    PasswordReset,
    /// Tells a user that an administrator removed their authenticator app.
    MfaReset,
    /// A task's due date nears: to its assignee only (the deadline ladder).
    TaskDue,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReminderView {
    pub id: String,
    #[schema(value_type = ReminderKind)]
    pub kind: String,
    pub item_id: Option<String>,
    pub case_id: Option<String>,
    pub recipient_id: String,
    /// Days before the item; -1 for alerts and notices.
    pub lead_days: i32,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub due_at: NaiveDateTime,
    #[schema(value_type = ReminderState)]
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

/// Which reminders to list: those in a state (or all), a page at a time.
#[derive(Debug)]
pub struct ReminderFilter {
    pub status: Option<ReminderState>,
    pub page: Page,
}

/// The outbox by next attempt.
///
/// `filter` is the caller's parsed query as is: a non-admin hears 403 before any 422 about it.
pub async fn list(
    app: &AppState,
    caller: &AuthUser,
    filter: AppResult<ReminderFilter>,
) -> AppResult<List<ReminderView>> {
    require_admin(caller)?;
    let filter = filter?;
    let (items, next) = run_db(&app.pool, move |conn| {
        let state = filter.status.map(ReminderState::as_str);
        let (rows, next) = outbox::list(conn, state, &filter.page)?;
        Ok((rows.iter().map(ReminderView::from).collect(), next))
    })
    .await?;
    Ok(List::page(items, next))
}

/// Tries a failed (or waiting) reminder again now, with a fresh set of tries; 409 if it was sent.
pub async fn retry(app: &AppState, caller: &AuthUser, id: String) -> AppResult<ReminderView> {
    require_admin(caller)?;
    let actor = caller.id.clone();
    in_transaction(app, move |conn, _| {
        let r = outbox::find(conn, &id)?.ok_or(AppError::NotFound)?;
        if r.state == ReminderState::Sent.as_str() {
            return Err(AppError::Conflict {
                detail: "this reminder was already sent".into(),
                errors: vec![],
            });
        }
        outbox::retry(conn, &id, db::now())?;
        let changes = serde_json::json!({
            "status": {"from": r.state, "to": "pending"},
            "attempts": {"from": r.attempts, "to": 0},
        });
        audit::record(conn, Some(&actor), "retry", "reminder", &id, changes)?;
        let after = outbox::find(conn, &id)?.ok_or(AppError::NotFound)?;
        Ok(ReminderView::from(&after))
    })
    .await
}
