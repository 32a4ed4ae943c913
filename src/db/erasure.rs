//! Erasing a client, in the caller's transaction: every row holding their personal data is
//! deleted (the client, their cases and everything recorded on them, their reminders), and every
//! audit row about those records is reduced to ids (`domain::retention`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::schema::{
    audit_log, case_assignments, cases, client_name_tokens, clients, clock_events, custody_periods,
    deadlines, decisions, family_members, filings, hearing_changes, hearings, notes,
    one_year_exceptions, reminders, supervision_orders, tasks,
};
use super::DbConnection;
use crate::error::AppResult;

/// Rows deleted, per table, and audit rows reduced to ids.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct Removed {
    pub clients: usize,
    /// The folded name tokens client search uses.
    pub name_tokens: usize,
    pub cases: usize,
    pub case_assignments: usize,
    pub filings: usize,
    pub clock_events: usize,
    pub hearings: usize,
    /// Earlier times of moved hearings.
    pub hearing_changes: usize,
    pub decisions: usize,
    pub supervision_orders: usize,
    pub family_members: usize,
    pub one_year_exceptions: usize,
    pub deadlines: usize,
    pub custody_periods: usize,
    pub notes: usize,
    pub tasks: usize,
    /// Reminder outbox rows of every state (pending, sent, failed).
    pub reminders: usize,
    /// Audit rows about the erased records whose snapshots were reduced to ids here (those
    /// already reduced by retention are not counted).
    pub audit_rows_reduced: usize,
}

/// One erased case: what an organisation may count, nothing to recognise the person by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErasedCase {
    pub id: String,
    #[schema(value_type = crate::domain::vocab::CaseKind)]
    pub kind: String,
    #[schema(value_type = Option<crate::domain::vocab::ClosedReason>)]
    pub closed_reason: Option<String>,
}

/// The client's row locked against every other writer until the transaction ends, then its
/// cases' (sorted, the order every multi-case writer uses). PostgreSQL: `FOR UPDATE`, the lock a
/// delete takes, so that no row referring to them can be added meanwhile (a writer that tries
/// waits, then answers 404: `AppError` from a foreign-key violation); SQLite's `BEGIN IMMEDIATE`
/// already holds the only write lock.
/// Returns the cases, or `None` when there is no such client.
pub fn lock_client(
    conn: &mut DbConnection,
    client_id: &str,
) -> AppResult<Option<Vec<(ErasedCase, bool)>>> {
    let found: Vec<String> = match conn {
        DbConnection::Postgres(c) => clients::table
            .find(client_id)
            .select(clients::id)
            .for_update()
            .load(c)?,
        DbConnection::Sqlite(c) => clients::table.find(client_id).select(clients::id).load(c)?,
    };
    if found.is_empty() {
        return Ok(None);
    }
    let of_client = cases::table
        .filter(cases::client_id.eq(client_id))
        .order(cases::id)
        .select((cases::id, cases::kind, cases::closed_reason, cases::closed));
    let rows: Vec<(String, String, Option<String>, bool)> = match conn {
        DbConnection::Postgres(c) => of_client.for_update().load(c)?,
        DbConnection::Sqlite(c) => of_client.load(c)?,
    };
    Ok(Some(
        rows.into_iter()
            .map(|(id, kind, closed_reason, closed)| {
                (
                    ErasedCase {
                        id,
                        kind,
                        closed_reason,
                    },
                    closed,
                )
            })
            .collect(),
    ))
}

/// Deletes the client `client_id`, locked by [`lock_client`], with its cases `case_ids` and
/// everything on them, and reduces the audit snapshots about all of it to ids (marked reduced at
/// `now`). Children go before their parents (the foreign keys).
pub fn erase(
    conn: &mut DbConnection,
    client_id: &str,
    case_ids: &[String],
    now: NaiveDateTime,
) -> AppResult<Removed> {
    let mut r = Removed::default();
    // Every record the audit log may speak of, before it goes.
    let mut about: Vec<String> = vec![client_id.to_string()];
    about.extend(case_ids.iter().cloned());
    let hearing_ids: Vec<String> = hearings::table
        .filter(hearings::case_id.eq_any(case_ids))
        .select(hearings::id)
        .load(conn)?;
    about.extend(hearing_ids.iter().cloned());
    macro_rules! ids_of {
        ($table:ident) => {
            $table::table
                .filter($table::case_id.eq_any(case_ids))
                .select($table::id)
                .load::<String>(conn)?
        };
    }
    about.extend(ids_of!(filings));
    about.extend(ids_of!(clock_events));
    about.extend(ids_of!(decisions));
    about.extend(ids_of!(supervision_orders));
    about.extend(ids_of!(family_members));
    about.extend(ids_of!(one_year_exceptions));
    about.extend(ids_of!(custody_periods));
    about.extend(ids_of!(tasks));
    let deadline_ids = ids_of!(deadlines);
    about.extend(deadline_ids.iter().cloned());
    about.extend(
        notes::table
            .filter(notes::client_id.eq(client_id))
            .select(notes::id)
            .load::<String>(conn)?,
    );
    // Reminders of the cases (deadlines, hearings, tasks, missed alerts all carry their case),
    // whatever their state: a sent one says who was reminded of what, when.
    let reminder_ids: Vec<String> = reminders::table
        .filter(reminders::case_id.eq_any(case_ids))
        .select(reminders::id)
        .load(conn)?;
    for chunk in reminder_ids.chunks(500) {
        r.reminders +=
            diesel::delete(reminders::table.filter(reminders::id.eq_any(chunk))).execute(conn)?;
    }
    about.extend(reminder_ids);

    r.hearing_changes = diesel::delete(
        hearing_changes::table.filter(hearing_changes::hearing_id.eq_any(&hearing_ids)),
    )
    .execute(conn)?;
    macro_rules! delete_of_cases {
        ($table:ident) => {
            diesel::delete($table::table.filter($table::case_id.eq_any(case_ids))).execute(conn)?
        };
    }
    r.case_assignments = delete_of_cases!(case_assignments);
    r.filings = delete_of_cases!(filings);
    r.clock_events = delete_of_cases!(clock_events);
    r.hearings = delete_of_cases!(hearings);
    r.decisions = delete_of_cases!(decisions);
    r.supervision_orders = delete_of_cases!(supervision_orders);
    r.family_members = delete_of_cases!(family_members);
    r.one_year_exceptions = delete_of_cases!(one_year_exceptions);
    r.deadlines = delete_of_cases!(deadlines);
    r.custody_periods = delete_of_cases!(custody_periods);
    r.tasks = delete_of_cases!(tasks);
    // A note is on the client, or on one of its cases: it always names the client.
    r.notes = diesel::delete(notes::table.filter(notes::client_id.eq(client_id))).execute(conn)?;
    r.cases = diesel::delete(cases::table.filter(cases::client_id.eq(client_id))).execute(conn)?;
    r.name_tokens = diesel::delete(
        client_name_tokens::table.filter(client_name_tokens::client_id.eq(client_id)),
    )
    .execute(conn)?;
    r.clients = diesel::delete(clients::table.find(client_id)).execute(conn)?;

    r.audit_rows_reduced = reduce_audit_about(conn, &about, now)?;
    Ok(r)
}

/// Reduces every audit row whose entity is one of `ids`, whatever its type (ids are UUIDs, unique
/// across tables), to ids. Index `audit_entity_id`.
fn reduce_audit_about(
    conn: &mut DbConnection,
    ids: &[String],
    now: NaiveDateTime,
) -> AppResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> = audit_log::table
            .filter(audit_log::entity_id.eq_any(chunk))
            .filter(audit_log::reduced_at.is_null())
            .select((audit_log::id, audit_log::changes))
            .load(conn)?;
        for (id, changes) in rows {
            super::retention::reduce_row(conn, &id, &changes, now)?;
            n += 1;
        }
    }
    Ok(n)
}

/// The erasure's own audit row: who erased which client, when, with ids, codes and counts only,
/// so it is written reduced (`reduced_at` = `now`: retention has nothing left to take from it).
pub fn record_erasure(
    conn: &mut DbConnection,
    actor_id: &str,
    client_id: &str,
    changes: &serde_json::Value,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(super::new_id()),
            audit_log::at.eq(now),
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq("erase"),
            audit_log::entity_type.eq("client"),
            audit_log::entity_id.eq(client_id),
            audit_log::changes.eq(changes.to_string()),
            audit_log::reduced_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
