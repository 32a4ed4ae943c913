//! Queries on the tasks of a case: insert, update, a case's list, a person's list with each
//! case's label (one query, like the deadline agenda), and the open tasks a feed or re-plan reads.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::cases::{label_columns, Label};
use super::page::{Cursor, Page, PageOf};
use super::schema::{cases, clients, tasks};
use super::scope::{assigned_case_ids, Scope};
use super::DbConnection;
use crate::error::{AppError, AppResult};

pub const OPEN: &str = "open";
pub const DONE: &str = "done";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: String,
    pub case_id: String,
    pub title: String,
    pub details: Option<String>,
    pub assignee_id: String,
    pub due_on: NaiveDate,
    /// `open` or `done`.
    pub status: String,
    pub done_at: Option<NaiveDateTime>,
    pub done_by: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &Task) -> AppResult<()> {
    diesel::insert_into(tasks::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Writes every field an edit may change.
pub fn update(conn: &mut DbConnection, row: &Task) -> AppResult<()> {
    diesel::update(tasks::table.find(&row.id))
        .set((
            tasks::title.eq(&row.title),
            tasks::details.eq(&row.details),
            tasks::assignee_id.eq(&row.assignee_id),
            tasks::due_on.eq(row.due_on),
            tasks::status.eq(&row.status),
            tasks::done_at.eq(row.done_at),
            tasks::done_by.eq(&row.done_by),
            tasks::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Task> {
    tasks::table
        .find(id)
        .select(Task::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// All of a case's tasks by due date (index `tasks_case`): for the case overview.
pub fn of_case(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<Task>> {
    Ok(tasks::table
        .filter(tasks::case_id.eq(case_id))
        .order((tasks::due_on, tasks::id))
        .select(Task::as_select())
        .load(conn)?)
}

/// One page of a case's tasks by due date (index `tasks_case`), optionally of one status.
pub fn page_of_case(
    conn: &mut DbConnection,
    case_id: &str,
    status: Option<&str>,
    page: &Page,
) -> AppResult<PageOf<Task>> {
    let mut q = tasks::table
        .filter(tasks::case_id.eq(case_id.to_string()))
        .select(Task::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(tasks::status.eq(s.to_string()));
    }
    q = crate::keyset_filter!(q, page, tasks::due_on, tasks::id, gt, |t: NaiveDateTime| t
        .date());
    let mut rows: Vec<Task> = q
        .order((tasks::due_on, tasks::id))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, day_cursor))
}

fn day_cursor(t: &Task) -> Cursor {
    Cursor {
        at: t.due_on.and_hms_opt(0, 0, 0).unwrap_or_default(),
        id: t.id.clone(),
    }
}

/// What a person's task list asks for: whose tasks, a status, and due dates strictly after
/// `due_after` and strictly before `due_before`.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub assignee_id: String,
    pub status: Option<String>,
    pub due_after: Option<NaiveDate>,
    pub due_before: Option<NaiveDate>,
}

/// A person's tasks on followed cases the caller may see (`scope`), soonest first, each with its
/// case's label: one query joined with cases and clients (index `tasks_assignee`).
pub fn of_assignee(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &TaskFilter,
    page: &Page,
) -> AppResult<PageOf<(Task, Label)>> {
    let mut q = tasks::table
        .inner_join(cases::table.inner_join(clients::table))
        .select((Task::as_select(), label_columns()))
        .filter(tasks::assignee_id.eq(filter.assignee_id.clone()))
        .filter(cases::closed.eq(false))
        .filter(clients::archived.eq(false))
        .into_boxed();
    // A person taken off a case keeps its tasks until reassigned, but no longer sees the case,
    // so the rows (which name the client) are not listed to them.
    if let Some(user) = scope.assigned_user() {
        q = q.filter(tasks::case_id.eq_any(assigned_case_ids(user)));
    }
    if let Some(s) = &filter.status {
        q = q.filter(tasks::status.eq(s.clone()));
    }
    if let Some(d) = filter.due_after {
        q = q.filter(tasks::due_on.gt(d));
    }
    if let Some(d) = filter.due_before {
        q = q.filter(tasks::due_on.lt(d));
    }
    q = crate::keyset_filter!(q, page, tasks::due_on, tasks::id, gt, |t: NaiveDateTime| t
        .date());
    let mut rows: Vec<(Task, Label)> = q
        .order((tasks::due_on, tasks::id))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |(t, _)| day_cursor(t)))
}

/// The open tasks of a case (re-planning its reminders).
pub fn open_of_case(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<Task>> {
    Ok(tasks::table
        .filter(tasks::case_id.eq(case_id))
        .filter(tasks::status.eq(OPEN))
        .select(Task::as_select())
        .load(conn)?)
}

/// The ids of the cases where a person has open tasks (re-planning after their preferences
/// changed: an admin's tasks may be on cases they are not assigned to).
pub fn cases_with_open_tasks_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<String>> {
    Ok(tasks::table
        .filter(tasks::assignee_id.eq(user_id))
        .filter(tasks::status.eq(OPEN))
        .select(tasks::case_id)
        .distinct()
        .load(conn)?)
}

/// A feed's tasks: a person's open tasks due on or after `since` on followed cases, with each
/// case's reference. A task is its assignee's until reassigned (an admin's need not be on a case
/// they are assigned to); the feed names no client, so visibility of the case is not needed.
pub fn open_for_feed(
    conn: &mut DbConnection,
    user_id: &str,
    since: NaiveDate,
) -> AppResult<Vec<(Task, String)>> {
    Ok(tasks::table
        .inner_join(cases::table)
        .filter(tasks::assignee_id.eq(user_id))
        .filter(tasks::status.eq(OPEN))
        .filter(tasks::due_on.ge(since))
        // Followed cases only (see cases::active_ids; the case is already joined here).
        .filter(cases::closed.eq(false))
        .filter(cases::client_id.eq_any(super::cases::live_client_ids()))
        .order((tasks::due_on, tasks::id))
        .select((Task::as_select(), cases::reference))
        .load(conn)?)
}
