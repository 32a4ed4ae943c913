//! HTTP for tasks on cases: create, a case's list, edit (mark done), and a person's task list.
//! Bodies and queries are parsed here (every field error at once); the work is `service::tasks`.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::db::page::Page;
use crate::domain::dates::Day;
use crate::domain::notes::{optional_text, required_text, DETAILS_MAX_CHARS, TITLE_MAX_CHARS};
use crate::domain::vocab::TaskStatus;
use crate::error::{AppResult, Fields};
use crate::http::body::{not_null, nullable, ApiJson, ApiQuery};
use crate::http::doc::Forbidden;
use crate::http::list::List;
use crate::service::tasks::{self, AgendaTask, MineFilter, TaskFields, TaskView};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_task)
        .service(list_case_tasks)
        .service(patch_task)
        .service(my_tasks);
}

/// The body of POST (`title` and `due_on` required; `assignee_id` defaults to the caller) and
/// PATCH (all optional; `details: null` clears it).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    /// Trimmed; 1 to 200 characters. Shown in the app only: e-mails and feeds say "Task".
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "not_null")]
    pub title: Option<String>,
    /// Trimmed; at most 10000 characters; blank clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub details: Option<Option<String>>,
    /// A user id: an active account on the case's team, or an admin.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "not_null")]
    pub assignee_id: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(value_type = Option<Day>, nullable = false)]
    #[serde(default, deserialize_with = "not_null")]
    pub due_on: Option<Day>,
    /// PATCH only: `done` (stops its reminders) or `open` again.
    #[schema(value_type = Option<TaskStatus>, nullable = false)]
    #[serde(default, deserialize_with = "not_null")]
    pub status: Option<String>,
}

impl TaskInput {
    fn parse(self, creating: bool) -> AppResult<TaskFields> {
        let mut errors = Fields::new();
        if creating {
            for (field, present) in [
                ("title", self.title.is_some()),
                ("due_on", self.due_on.is_some()),
            ] {
                if !present {
                    errors.push(field, "is required");
                }
            }
            if self.status.is_some() {
                errors.push("status", "a new task is open; mark it done with PATCH");
            }
        }
        let title = self
            .title
            .and_then(|t| errors.check("title", required_text(&t, TITLE_MAX_CHARS)));
        let details = self.details.map(|d| {
            errors
                .check("details", optional_text(d.as_deref(), DETAILS_MAX_CHARS))
                .flatten()
        });
        let assignee_id = self.assignee_id.map(|a| a.trim().to_string());
        if assignee_id.as_deref() == Some("") {
            errors.push("assignee_id", "must be a user id");
        }
        let status = self.status.and_then(|s| {
            errors.check(
                "status",
                TaskStatus::parse(&s).ok_or_else(TaskStatus::allowed),
            )
        });
        errors.finish()?;
        Ok(TaskFields {
            title,
            details,
            assignee_id,
            due_on: self.due_on.map(Day::date),
            status,
        })
    }
}

/// Create a task on a case for someone who may see it (its team, or an admin; else 422 on
/// `assignee_id`). Its assignee gets reminders before `due_on` like a deadline's. Anyone who
/// may read the case may create its tasks (others 404). Audited.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = TaskInput,
    responses(
        (status = 201, body = TaskView)
    ),
    tag = "tasks"
)]
#[post("/cases/{id}/tasks")]
pub async fn create_task(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<TaskInput>,
) -> AppResult<HttpResponse> {
    let fields = body.0.parse(true)?;
    let view = tasks::create(&state, &user, id.into_inner(), fields).await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseTasksQuery {
    #[param(value_type = Option<TaskStatus>)]
    pub status: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn status_of(raw: Option<&str>, errors: &mut Fields) -> Option<TaskStatus> {
    raw.and_then(|s| {
        errors.check(
            "status",
            TaskStatus::parse(s).ok_or_else(TaskStatus::allowed),
        )
    })
}

/// A case's tasks by due date, optionally of one status. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), CaseTasksQuery),
    responses(
        (status = 200, body = List<TaskView>)
    ),
    tag = "tasks"
)]
#[get("/cases/{id}/tasks")]
pub async fn list_case_tasks(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: ApiQuery<CaseTasksQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = Page::from_params(q.limit, q.cursor.as_deref())?;
    let mut errors = Fields::new();
    let status = status_of(q.status.as_deref(), &mut errors);
    errors.finish()?;
    let list = tasks::list_of_case(&state, &user, id.into_inner(), status, page).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Edit a task (an absent field is unchanged): title, details, due date, assignee (who must
/// be able to see the case), status (`done` stops its reminders). Anyone who may read the case
/// may edit its tasks (others 404). Audited; re-plans its reminders.
#[utoipa::path(
    params(("id" = String, Path, description = "Task id")),
    request_body = TaskInput,
    responses(
        (status = 200, body = TaskView)
    ),
    tag = "tasks"
)]
#[patch("/tasks/{id}")]
pub async fn patch_task(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<TaskInput>,
) -> AppResult<HttpResponse> {
    let fields = body.0.parse(false)?;
    let view = tasks::update(&state, &user, id.into_inner(), fields).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyTasksQuery {
    /// `me` (the default) or a user id; another person's tasks are for admins only (403).
    pub assigned_to: Option<String>,
    #[param(value_type = Option<TaskStatus>)]
    pub status: Option<String>,
    /// Only tasks due strictly after this date.
    #[param(value_type = Option<String>, format = Date, pattern = "^(?:19|20|21)[0-9]{2}-")]
    pub due_after: Option<Day>,
    /// Only tasks due strictly before this date.
    #[param(value_type = Option<String>, format = Date, pattern = "^(?:19|20|21)[0-9]{2}-")]
    pub due_before: Option<Day>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A person's tasks, soonest first, each with its case's reference and client (the agenda's
/// tasks): the caller's own by default; admins may ask for anyone's (`assigned_to`), others
/// get 403. Only tasks of open cases of active clients the caller may see.
#[utoipa::path(
    params(MyTasksQuery),
    responses(
        (status = 200, body = List<AgendaTask>),
        Forbidden
    ),
    tag = "tasks"
)]
#[get("/tasks")]
pub async fn my_tasks(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ApiQuery<MyTasksQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = Page::from_params(q.limit, q.cursor.as_deref())?;
    let mut errors = Fields::new();
    let status = status_of(q.status.as_deref(), &mut errors);
    if let (Some(a), Some(b)) = (q.due_after, q.due_before) {
        if b <= a {
            errors.push("due_before", "must be after due_after");
        }
    }
    errors.finish()?;
    let assigned_to = q
        .assigned_to
        .filter(|a| a != "me")
        .map(|a| a.trim().to_string());
    let filter = MineFilter {
        assigned_to,
        status,
        due_after: q.due_after.map(Day::date),
        due_before: q.due_before.map(Day::date),
    };
    let list = tasks::mine(&state, &user, filter, page).await?;
    Ok(HttpResponse::Ok().json(list))
}
