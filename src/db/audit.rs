//! The audit log: one row per write (and per full read of a client), in the writer's transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Map, Value};

use super::schema::audit_log;
use super::DbConnection;
use crate::db::page::{Cursor, Page};
use crate::error::AppResult;

/// Appends one audit row. Call it inside the transaction of the change it records.
pub fn record(
    conn: &mut DbConnection,
    actor_id: Option<&str>,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    changes: Value,
) -> AppResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(super::new_id()),
            audit_log::at.eq(super::now()),
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::entity_type.eq(entity_type),
            audit_log::entity_id.eq(entity_id),
            audit_log::changes.eq(changes.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The fields that differ between two JSON objects, as `{"field": {"from": a, "to": b}}`.
/// Records an `update`: the fields that changed between two views of the record, leaving out
/// bookkeeping that changes on every write (`updated_at`) and lists kept elsewhere (`history`).
pub fn record_update(
    conn: &mut DbConnection,
    actor_id: &str,
    entity_type: &str,
    entity_id: &str,
    before: &Value,
    after: &Value,
) -> AppResult<()> {
    let mut changes = diff(before, after);
    if let Some(o) = changes.as_object_mut() {
        o.remove("updated_at");
        o.remove("history");
    }
    record(
        conn,
        Some(actor_id),
        "update",
        entity_type,
        entity_id,
        changes,
    )
}

pub fn diff(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    for (key, new) in a {
        let old = b.get(key).unwrap_or(&Value::Null);
        if old != new {
            out.insert(key.clone(), serde_json::json!({"from": old, "to": new}));
        }
    }
    for (key, old) in b {
        if !a.contains_key(key) {
            out.insert(key.clone(), serde_json::json!({"from": old, "to": null}));
        }
    }
    Value::Object(out)
}

/// Every field of a newly created entity, as `{"field": {"from": null, "to": v}}`.
pub fn created(after: &Value) -> Value {
    diff(&Value::Object(Map::new()), after)
}

/// One stored audit row; `changes` is JSON text.
#[derive(Debug, Queryable)]
pub struct AuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub changes: String,
    /// When `changes` was reduced to ids (retention or erasure); null while whole.
    pub reduced_at: Option<NaiveDateTime>,
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
}

/// Newest first; the cursor is the last row's (at, id), so inserts never shift a later page.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: &Page,
) -> AppResult<(Vec<AuditRow>, Option<String>)> {
    let mut q = audit_log::table.into_boxed();
    if let Some(t) = &filter.entity_type {
        q = q.filter(audit_log::entity_type.eq(t.clone()));
    }
    if let Some(e) = &filter.entity_id {
        q = q.filter(audit_log::entity_id.eq(e.clone()));
    }
    if let Some(a) = &filter.actor_id {
        q = q.filter(audit_log::actor_id.eq(a.clone()));
    }
    q = crate::keyset_filter!(q, page, audit_log::at, audit_log::id, lt);
    let mut rows: Vec<AuditRow> = q
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |r| Cursor {
        at: r.at,
        id: r.id.clone(),
    }))
}
