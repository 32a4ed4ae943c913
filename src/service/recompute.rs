//! What every write to a case's facts runs before its transaction commits: the case's status and
//! its computed deadlines are derived again from the facts, so that nothing derived is ever stale.

use super::Context;
use crate::db::cases::{self, Case};
use crate::db::scope::Scope;
use crate::db::{audit, deadlines, events, DbConnection};
use crate::domain::case_status;
use crate::domain::deadlines::compute;
use crate::domain::vocab::CaseKind;
use crate::error::AppResult;
use crate::reminders::outbox;

/// Re-derives everything that depends on the facts of `case`. Inside the writer's transaction,
/// under the case's writer lock (taken here if the writer has not yet). `because` says what changed
/// (e.g. "hearing <id> updated"); a recompute that inserts, changes, supersedes or revives
/// deadlines writes one audit row (`recompute` on the case) naming them and `because`.
pub fn case_changed(
    conn: &mut DbConnection,
    case: &Case,
    ctx: &Context,
    because: &str,
) -> AppResult<deadlines::Replaced> {
    let case = cases::find_for_write(conn, &case.id, &Scope::Internal)?;
    let facts = events::load_facts(conn, &case.id, &case.client_id)?;
    let calendar = deadlines::calendar(conn)?;
    let replaced = deadlines::replace_computed(
        conn,
        &case.id,
        &compute(&facts, &calendar, &ctx.waits),
        ctx.schedule.today,
        because,
    )?;
    if !replaced.is_empty() {
        audit::record(
            conn,
            None,
            "recompute",
            "case",
            &case.id,
            serde_json::json!({
                "because": because,
                "inserted": replaced.inserted,
                "changed": replaced.changed,
                "superseded": replaced.superseded,
                "revived": replaced.revived,
            }),
        )?;
    }
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
            removed: &replaced.superseded,
        },
        &ctx.schedule,
    )?;
    Ok(replaced)
}

/// A case closed or reopened, or its client archived or restored: every item's reminders are
/// re-planned (dropped while the case is not followed; planned again, manual deadlines included,
/// when it is followed again). `case_changed` re-plans only what facts can move.
pub fn following_changed(conn: &mut DbConnection, case_id: &str, ctx: &Context) -> AppResult<()> {
    outbox::replan_case(conn, case_id, &ctx.schedule)
}

/// A client's arrival date feeds every one of its cases.
pub fn client_changed(conn: &mut DbConnection, client_id: &str, ctx: &Context) -> AppResult<()> {
    let mut ids = cases::ids_of_client(conn, client_id)?;
    // One lock order for every writer that takes several cases' locks.
    ids.sort();
    let because = format!("client {client_id} updated");
    for id in ids {
        let case = cases::find_for_write(conn, &id, &Scope::Internal)?;
        case_changed(conn, &case, ctx, &because)?;
    }
    Ok(())
}

/// Recomputes the given cases (after a closure day was added or removed).
pub fn cases_changed(
    conn: &mut DbConnection,
    case_ids: &[String],
    ctx: &Context,
    because: &str,
) -> AppResult<()> {
    let mut ids = case_ids.to_vec();
    // One lock order for every writer that takes several cases' locks.
    ids.sort();
    for id in &ids {
        let case = cases::find_for_write(conn, id, &Scope::Internal)?;
        case_changed(conn, &case, ctx, because)?;
    }
    Ok(())
}
