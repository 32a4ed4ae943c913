//! The reminder rows of tasks (outbox kind `task_due`): a task's assignee gets the deadline
//! ladder (`reminders.deadline_lead_days`) before its due date, while the task is open, its case
//! followed and the assignee active with reminders on. Keyed by task and due date, so a moved
//! date or a new assignee drops the stale rows and plans new ones; idempotent like the rest of
//! the outbox (unique item key, recipient, lead).

use std::collections::HashSet;

use diesel::prelude::*;

use super::outbox::{insert, NewRow};
use super::planner::{self, Schedule};
use crate::db::schema::{reminders, users};
use crate::db::tasks::{self, Task};
use crate::db::{self, DbConnection};
use crate::error::AppResult;

pub const TASK_DUE: &str = "task_due";

/// The item key of a task's reminders at its current due date.
pub fn key(task: &Task) -> String {
    format!("task:{}:{}", task.id, task.due_on)
}

/// Brings one task's pending reminders in line with it, in the caller's transaction.
pub fn replan_task(conn: &mut DbConnection, task: &Task, ctx: &Schedule) -> AppResult<()> {
    let recipient: Option<bool> = users::table
        .find(&task.assignee_id)
        .filter(users::active.eq(true))
        .filter(users::reminders_enabled.eq(true))
        .select(users::reminder_digest)
        .first(conn)
        .optional()?;
    let wanted = task.status == tasks::OPEN && db::cases::is_active(conn, &task.case_id)?;
    let recipient = recipient.filter(|_| wanted);
    let key = key(task);
    let pending: Vec<(String, String, String)> = reminders::table
        .filter(reminders::kind.eq(TASK_DUE))
        .filter(reminders::item_id.eq(&task.id))
        .filter(reminders::state.eq("pending"))
        .select((reminders::id, reminders::item_key, reminders::recipient_id))
        .load(conn)?;
    let stale: Vec<String> = pending
        .into_iter()
        .filter(|(_, k, to)| recipient.is_none() || *k != key || *to != task.assignee_id)
        .map(|(id, _, _)| id)
        .collect();
    if !stale.is_empty() {
        diesel::delete(reminders::table.filter(reminders::id.eq_any(&stale))).execute(conn)?;
    }
    let Some(digest) = recipient else {
        return Ok(());
    };
    let existing: HashSet<i32> = reminders::table
        .filter(reminders::item_key.eq(&key))
        .filter(reminders::recipient_id.eq(&task.assignee_id))
        .select(reminders::lead_days)
        .load::<i32>(conn)?
        .into_iter()
        .collect();
    for p in planner::plan(task.due_on, &ctx.deadline_ladder, ctx.now) {
        let lead = p.lead_days as i32;
        if existing.contains(&lead) {
            continue;
        }
        insert(
            conn,
            &NewRow {
                kind: TASK_DUE,
                item_id: Some(&task.id),
                item_key: &key,
                case_id: Some(&task.case_id),
                recipient_id: &task.assignee_id,
                lead_days: lead,
                due_at: p.due_at,
                digest,
                payload: None,
            },
        )?;
    }
    Ok(())
}

/// Every open task of a case (the case reopened, its client restored, its team changed).
/// A closed case's rows are dropped by `outbox::replan` before this is reached.
pub fn replan_case_tasks(conn: &mut DbConnection, case_id: &str, ctx: &Schedule) -> AppResult<()> {
    for task in tasks::open_of_case(conn, case_id)? {
        replan_task(conn, &task, ctx)?;
    }
    Ok(())
}

/// A person's open tasks, wherever they are (their activity or preferences changed; an admin's
/// tasks may be on cases they are not assigned to).
pub fn replan_user_tasks(conn: &mut DbConnection, user_id: &str, ctx: &Schedule) -> AppResult<()> {
    for case_id in tasks::cases_with_open_tasks_of(conn, user_id)? {
        replan_case_tasks(conn, &case_id, ctx)?;
    }
    Ok(())
}
