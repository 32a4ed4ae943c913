//! The retention sweeps: audit rows older than `audit.retention_days` reduced to ids
//! (`domain::retention`), and finished reminders older than `reminders.retention_days` stripped
//! of the SMTP server's last answer. Each takes a batch in one transaction; on PostgreSQL the
//! batch is locked with `SKIP LOCKED`, so instances sweeping at once take disjoint rows (SQLite
//! has one writer), and a swept row no longer matches, so a sweep repeated changes nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{audit_log, reminders};
use super::DbConnection;
use crate::domain::retention;
use crate::error::AppResult;

/// Reduces up to `limit` audit rows written before `cutoff` and not reduced yet, oldest first,
/// marking them reduced at `now`; returns how many. Index `audit_unreduced` (partial).
pub fn reduce_audit(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
    limit: i64,
) -> AppResult<usize> {
    // Looked for first outside a transaction: an idle sweep takes no write lock (on SQLite a
    // write transaction is the database's one write lock).
    let any = audit_log::table
        .filter(audit_log::reduced_at.is_null())
        .filter(audit_log::at.lt(cutoff))
        .select(audit_log::id)
        .first::<String>(conn)
        .optional()?;
    if any.is_none() {
        return Ok(0);
    }
    super::transaction(conn, |conn| {
        let due = audit_log::table
            .filter(audit_log::reduced_at.is_null())
            .filter(audit_log::at.lt(cutoff))
            .order(audit_log::at)
            .select((audit_log::id, audit_log::changes))
            .limit(limit);
        let rows: Vec<(String, String)> = match conn {
            DbConnection::Postgres(c) => due.for_update().skip_locked().load(c)?,
            DbConnection::Sqlite(c) => due.load(c)?,
        };
        for (id, changes) in &rows {
            reduce_row(conn, id, changes, now)?;
        }
        Ok(rows.len())
    })
}

/// Writes the reduced form of one audit row's `changes` (JSON text) and marks it reduced at `now`.
pub fn reduce_row(
    conn: &mut DbConnection,
    id: &str,
    changes: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    // Text that is not JSON (never written by `audit::record`) keeps nothing.
    let value = serde_json::from_str(changes).unwrap_or(serde_json::Value::Null);
    diesel::update(audit_log::table.find(id))
        .set((
            audit_log::changes.eq(retention::reduce(&value).to_string()),
            audit_log::reduced_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Clears `last_error` of up to `limit` sent or failed reminders last changed before `cutoff`:
/// an SMTP server's answer may quote the recipient's address, and the rest of the row is ids,
/// times and states. Pending rows (still being retried) keep it. Index `reminders_error_kept`.
pub fn reduce_reminders(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    limit: i64,
) -> AppResult<usize> {
    let any = reminders::table
        .filter(reminders::last_error.is_not_null())
        .filter(reminders::updated_at.lt(cutoff))
        .filter(reminders::state.ne("pending"))
        .select(reminders::id)
        .first::<String>(conn)
        .optional()?;
    if any.is_none() {
        return Ok(0);
    }
    super::transaction(conn, |conn| {
        let due = reminders::table
            .filter(reminders::last_error.is_not_null())
            .filter(reminders::updated_at.lt(cutoff))
            .filter(reminders::state.ne("pending"))
            .order(reminders::updated_at)
            .select(reminders::id)
            .limit(limit);
        let ids: Vec<String> = match conn {
            DbConnection::Postgres(c) => due.for_update().skip_locked().load(c)?,
            DbConnection::Sqlite(c) => due.load(c)?,
        };
        if ids.is_empty() {
            return Ok(0);
        }
        Ok(
            diesel::update(reminders::table.filter(reminders::id.eq_any(&ids)))
                .set(reminders::last_error.eq(None::<String>))
                .execute(conn)?,
        )
    })
}
