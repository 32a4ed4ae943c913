//! What every write to a case's facts runs before its transaction commits: the case's status and
//! its computed deadlines are derived again from the facts, so that nothing derived is ever stale.

use diesel::prelude::*;

use super::cases::{self, Case};
use super::schema::cases as cases_t;
use super::{deadlines, events, DbConnection};
use crate::domain::case_status;
use crate::domain::deadlines::{compute, EadWaits};
use crate::domain::vocab::CaseKind;
use crate::error::AppResult;

/// Re-derives everything that depends on the facts of `case`. Inside the writer's transaction.
pub fn case_changed(
    conn: &mut DbConnection,
    case: &Case,
    waits: &EadWaits,
) -> AppResult<deadlines::Replaced> {
    let facts = events::load_facts(conn, &case.id, &case.client_id)?;
    let calendar = deadlines::calendar(conn)?;
    let replaced = deadlines::replace_computed(conn, &case.id, &compute(&facts, &calendar, waits))?;
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
    Ok(replaced)
}

/// A client's arrival date feeds every one of its cases.
pub fn client_changed(conn: &mut DbConnection, client_id: &str, waits: &EadWaits) -> AppResult<()> {
    let ids: Vec<String> = cases_t::table
        .filter(cases_t::client_id.eq(client_id))
        .select(cases_t::id)
        .load(conn)?;
    for id in ids {
        let case = cases::find(conn, &id, None)?;
        case_changed(conn, &case, waits)?;
    }
    Ok(())
}

/// Recomputes the given cases (after a closure day was added or removed).
pub fn cases_changed(
    conn: &mut DbConnection,
    case_ids: &[String],
    waits: &EadWaits,
) -> AppResult<()> {
    for id in case_ids {
        let case = cases::find(conn, id, None)?;
        case_changed(conn, &case, waits)?;
    }
    Ok(())
}
