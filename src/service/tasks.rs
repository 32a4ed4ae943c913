//! Tasks on a case (issue 12, item 6): a title, an assignee and a due date. The case team (and
//! admins) create, list and edit them; the assignee must be an active account that may see the
//! case (422 on `assignee_id` otherwise). Each write is one transaction that re-plans the task's
//! reminders (kind `task_due`, the deadline ladder, to the assignee only) and is audited (entity
//! `task`). `mine` is a person's task list with each case's label, like the deadline agenda.
//! Tasks are not facts of the case: no recompute.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::in_transaction;
use super::labels::CaseLabel;
use super::org_today;
use crate::auth::extract::AuthUser;
use crate::auth::policy::{may_be_given_task, may_list_tasks_of, scope, Role};
use crate::db::page::{ser_instant, ser_opt_instant, Page};
use crate::db::tasks::{self as store, Task, TaskFilter};
use crate::db::{self, audit, cases, run_db, users, DbConnection};
use crate::domain::vocab::TaskStatus;
use crate::error::{AppError, AppResult};
use crate::http::list::List;
use crate::reminders::tasks::replan_task;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: String,
    pub case_id: String,
    pub title: String,
    pub details: Option<String>,
    /// Who is to do it (a user id).
    pub assignee_id: String,
    pub due_on: NaiveDate,
    #[schema(value_type = TaskStatus)]
    pub status: String,
    /// Open and due before today (the organisation's).
    pub overdue: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "ser_opt_instant")]
    pub done_at: Option<NaiveDateTime>,
    /// Who marked it done (a user id).
    pub done_by: Option<String>,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
}

impl TaskView {
    pub(crate) fn of(t: &Task, today: NaiveDate) -> Self {
        TaskView {
            id: t.id.clone(),
            case_id: t.case_id.clone(),
            title: t.title.clone(),
            details: t.details.clone(),
            assignee_id: t.assignee_id.clone(),
            due_on: t.due_on,
            status: t.status.clone(),
            overdue: t.status == store::OPEN && t.due_on < today,
            done_at: t.done_at,
            done_by: t.done_by.clone(),
            created_by: t.created_by.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }

    /// The audited fields (not the derived `overdue`, not bookkeeping).
    fn json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("overdue");
            o.remove("updated_at");
        }
        v
    }
}

/// A task's fields, checked by the route (title trimmed 1 to 200 characters, details trimmed,
/// blank none). On create `title` and `due_on` are present; an absent `assignee_id` is the
/// caller. On edit each field given replaces the stored one (`details: Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct TaskFields {
    pub title: Option<String>,
    pub details: Option<Option<String>>,
    pub assignee_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: Option<TaskStatus>,
}

/// 422 on `assignee_id` unless it names an active account that may see the case.
fn check_assignee(conn: &mut DbConnection, case_id: &str, user_id: &str) -> AppResult<()> {
    let account = users::find(conn, user_id)?;
    let ok = match account {
        Some(u) => {
            let on_team = cases::assignment(conn, case_id, &u.id)?.is_some();
            let role = Role::parse(&u.role).unwrap_or(Role::Caseworker);
            may_be_given_task(role, u.active, on_team)
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "assignee_id",
            "must be an active user on the case's team, or an admin",
        ))
    }
}

/// Creates a task on a visible case and plans its assignee's reminders.
pub async fn create(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    fields: TaskFields,
) -> AppResult<TaskView> {
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        // The case's writer lock: a close at the same moment must not miss this task's rows.
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let assignee = fields.assignee_id.unwrap_or_else(|| caller.id.clone());
        check_assignee(conn, &case.id, &assignee)?;
        let now = db::now();
        let row = Task {
            id: db::new_id(),
            case_id: case.id.clone(),
            title: fields.title.unwrap_or_default(),
            details: fields.details.flatten(),
            assignee_id: assignee,
            due_on: fields.due_on.unwrap_or(ctx.today()),
            status: store::OPEN.to_string(),
            done_at: None,
            done_by: None,
            created_by: caller.id.clone(),
            created_at: now,
            updated_at: now,
        };
        store::insert(conn, &row)?;
        replan_task(conn, &row, &ctx.schedule)?;
        let view = TaskView::of(&row, ctx.today());
        audit::record(
            conn,
            Some(&caller.id),
            "create",
            "task",
            &row.id,
            audit::created(&view.json()),
        )?;
        Ok(view)
    })
    .await
}

/// A visible case's tasks by due date, optionally of one status.
pub async fn list_of_case(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    status: Option<TaskStatus>,
    page: Page,
) -> AppResult<List<TaskView>> {
    let scope = scope(caller);
    let today = org_today(&app.settings);
    let (items, next) = run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope)?;
        let (rows, next) =
            store::page_of_case(conn, &case.id, status.map(TaskStatus::as_str), &page)?;
        Ok((rows.iter().map(|t| TaskView::of(t, today)).collect(), next))
    })
    .await?;
    Ok(List::page(items, next))
}

/// Edits a task of a visible case: each field given replaces the stored one; `done` records
/// when and by whom, `open` again clears that. Re-plans its reminders (a new date or assignee
/// moves them; done stops them).
pub async fn update(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    fields: TaskFields,
) -> AppResult<TaskView> {
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case_id = store::find(conn, &id)?.case_id;
        cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let mut row = store::find(conn, &id)?;
        let before = TaskView::of(&row, ctx.today());
        if let Some(a) = fields.assignee_id {
            if a != row.assignee_id {
                check_assignee(conn, &row.case_id, &a)?;
            }
            row.assignee_id = a;
        }
        if let Some(t) = fields.title {
            row.title = t;
        }
        if let Some(d) = fields.details {
            row.details = d;
        }
        if let Some(d) = fields.due_on {
            row.due_on = d;
        }
        let now = db::now();
        match fields.status {
            Some(TaskStatus::Done) if row.status != store::DONE => {
                row.status = store::DONE.to_string();
                row.done_at = Some(now);
                row.done_by = Some(caller.id.clone());
            }
            Some(TaskStatus::Open) if row.status != store::OPEN => {
                row.status = store::OPEN.to_string();
                row.done_at = None;
                row.done_by = None;
            }
            _ => {}
        }
        let after = TaskView::of(&row, ctx.today());
        let changes = audit::diff(&before.json(), &after.json());
        if changes.as_object().is_some_and(|o| o.is_empty()) {
            return Ok(after);
        }
        row.updated_at = now;
        store::update(conn, &row)?;
        replan_task(conn, &row, &ctx.schedule)?;
        audit::record(conn, Some(&caller.id), "update", "task", &id, changes)?;
        Ok(TaskView::of(&row, ctx.today()))
    })
    .await
}

/// A row of a person's task list: the task and its case's reference and client.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaTask {
    #[serde(flatten)]
    pub task: TaskView,
    #[serde(flatten)]
    pub case: CaseLabel,
}

/// Whose tasks, and which.
#[derive(Debug, Clone, Default)]
pub struct MineFilter {
    /// A user id; `None` is the caller.
    pub assigned_to: Option<String>,
    pub status: Option<TaskStatus>,
    pub due_after: Option<NaiveDate>,
    pub due_before: Option<NaiveDate>,
}

/// A person's tasks (the caller's, or for admins anyone's) on followed cases the caller may see,
/// soonest first, each with its case's label (one query).
pub async fn mine(
    app: &AppState,
    caller: &AuthUser,
    filter: MineFilter,
    page: Page,
) -> AppResult<List<AgendaTask>> {
    let assignee = filter.assigned_to.unwrap_or_else(|| caller.id.clone());
    may_list_tasks_of(caller, &assignee)?;
    let scope = scope(caller);
    let today = org_today(&app.settings);
    let query = TaskFilter {
        assignee_id: assignee,
        status: filter.status.map(|s| s.as_str().to_string()),
        due_after: filter.due_after,
        due_before: filter.due_before,
    };
    let (items, next) = run_db(&app.pool, move |conn| {
        let (rows, next) = store::of_assignee(conn, &scope, &query, &page)?;
        let items = rows
            .into_iter()
            .map(|(t, label)| AgendaTask {
                task: TaskView::of(&t, today),
                case: label.into(),
            })
            .collect();
        Ok((items, next))
    })
    .await?;
    Ok(List::page(items, next))
}
