//! What every write to a case's facts runs before its transaction commits: the case's status and
//! its computed deadlines are derived again from the facts, so that nothing derived is ever stale.

use super::Context;
use crate::db::cases::{self, Case};
use crate::db::scope::Scope;
use crate::db::{deadlines, events, DbConnection};
use crate::domain::case_status;
use crate::domain::deadlines::compute;
use crate::domain::vocab::CaseKind;
use crate::error::AppResult;
use crate::reminders::outbox;

/// Re-derives everything that depends on the facts of `case`. Inside the writer's transaction.
pub fn case_changed(
    conn: &mut DbConnection,
    case: &Case,
    ctx: &Context,
) -> AppResult<deadlines::Replaced> {
    let facts = events::load_facts(conn, &case.id, &case.client_id)?;
    let calendar = deadlines::calendar(conn)?;
    let replaced = deadlines::replace_computed(
        conn,
        &case.id,
        &compute(&facts, &calendar, &ctx.waits),
        ctx.schedule.today,
    )?;
    let kind = CaseKind::parse(&case.kind).unwrap_or(CaseKind::Affirmative);
    let status = case_status::derive(kind, &facts, case.closed);
    if status.as_str() != case.status {
        cases::update(
            conn,
            &case.id,
            cases::CaseChanges {
                status: Some(status.as_str().to_string()),
                ..Default::default()
            },
        )?;
    }
    // Only what facts can move is re-planned: hand-added deadlines keep their reminders (their own
    // writes re-plan them), so a write costs the same however many of them the case has.
    outbox::replan(
        conn,
        &case.id,
        outbox::Items::Facts {
            removed: &replaced.removed,
        },
        &ctx.schedule,
    )?;
    Ok(replaced)
}

/// A client's arrival date feeds every one of its cases.
pub fn client_changed(conn: &mut DbConnection, client_id: &str, ctx: &Context) -> AppResult<()> {
    let ids = cases::ids_of_client(conn, client_id)?;
    for id in ids {
        let case = cases::find(conn, &id, &Scope::Internal)?;
        case_changed(conn, &case, ctx)?;
    }
    Ok(())
}

/// Recomputes the given cases (after a closure day was added or removed).
pub fn cases_changed(conn: &mut DbConnection, case_ids: &[String], ctx: &Context) -> AppResult<()> {
    for id in case_ids {
        let case = cases::find(conn, id, &Scope::Internal)?;
        case_changed(conn, &case, ctx)?;
    }
    Ok(())
}
