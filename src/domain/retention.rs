//! What of an audit snapshot survives once its retention period has passed (`audit.retention_days`)
//! or its client was erased: the ids, nothing a person could be recognised by.
//!
//! An audit row's `changes` is a JSON object, mostly `{"field": {"from": a, "to": b}}`. Reduced,
//! a field whose every value is an id (a UUID: `client_id`, `created_by`, `lawyer_ids`, the
//! deadlines a recompute inserted) or null stays as it was; any other field keeps its name, so the
//! log still says *what* was changed, and its value becomes [`REMOVED`]. Whether a value is kept
//! depends on the value, not on the field's name, so a new field holding free text is removed
//! without anyone listing it. The row's own columns (time, actor, action, entity) are ids and
//! codes and stay.

use serde_json::{Map, Value};

/// What a removed value reads as.
pub const REMOVED: &str = "(removed)";

/// The reduced snapshot. Idempotent: reducing a reduced snapshot changes nothing.
pub fn reduce(changes: &Value) -> Value {
    let Some(fields) = changes.as_object() else {
        // `record` writes objects only; anything else keeps nothing.
        return Value::Object(Map::new());
    };
    let mut out = Map::new();
    for (name, value) in fields {
        // A field name is the schema's, never a person's; one that is not a plain identifier
        // could be data used as a key, and goes with its value.
        if !is_field_name(name) {
            continue;
        }
        let kept = if only_ids(value) {
            value.clone()
        } else {
            Value::String(REMOVED.to_string())
        };
        out.insert(name.clone(), kept);
    }
    Value::Object(out)
}

/// Whether `changes` is already reduced (nothing but ids, nulls and [`REMOVED`]).
pub fn is_reduced(changes: &Value) -> bool {
    reduce(changes) == *changes
}

/// Nothing but ids and nulls, in arrays or in objects keyed by field names (`from`, `to`).
pub fn only_ids(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => is_id(s),
        Value::Array(items) => items.iter().all(only_ids),
        Value::Object(map) => map.iter().all(|(k, v)| is_field_name(k) && only_ids(v)),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// A record id: a UUID in its hyphenated form, as `db::new_id` makes them.
pub fn is_id(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// `snake_case` of at most 64 characters: a field of a view, never free text.
pub fn is_field_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
