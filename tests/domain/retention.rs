//! What an audit snapshot keeps once reduced (issue 13, item 6; `domain::retention`): ids and
//! field names, never a value a person could be recognised by.

use asylum_tracker::domain::retention::{is_id, is_reduced, only_ids, reduce, REMOVED};
use proptest::prelude::*;
use serde_json::{json, Value};

const CLIENT: &str = "6f1c2a4e-8b0d-4c3e-9a7f-1d2e3f4a5b6c";
const USER: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// (snapshot, reduced, why).
fn table() -> Vec<(Value, Value, &'static str)> {
    vec![
        (
            json!({"given_name": {"from": null, "to": "Zephyrine"}, "created_by": {"from": null, "to": USER}}),
            json!({"given_name": REMOVED, "created_by": {"from": null, "to": USER}}),
            "a created client: the name goes, its creator's id stays",
        ),
        (
            json!({"a_number": {"from": "A098765432", "to": null}}),
            json!({"a_number": REMOVED}),
            "an A-number cleared: the old value goes, the field's name says what changed",
        ),
        (
            json!({"date_of_birth": {"from": null, "to": "1987-03-14"}}),
            json!({"date_of_birth": REMOVED}),
            "a date of birth",
        ),
        (
            json!({"body": {"from": null, "to": "fled in March"}, "client_id": {"from": null, "to": CLIENT}, "case_id": {"from": null, "to": null}}),
            json!({"body": REMOVED, "client_id": {"from": null, "to": CLIENT}, "case_id": {"from": null, "to": null}}),
            "a note: its text goes, where it was stays",
        ),
        (
            json!({"interpreter_needed": {"from": false, "to": true}, "bond_amount_usd": {"from": null, "to": 1500}}),
            json!({"interpreter_needed": REMOVED, "bond_amount_usd": REMOVED}),
            "booleans and numbers about a person are not ids",
        ),
        (
            json!({"because": format!("client {CLIENT} updated"), "inserted": [USER, CLIENT]}),
            json!({"because": REMOVED, "inserted": [USER, CLIENT]}),
            "a recompute: free text goes, a list of ids stays whatever its field is called",
        ),
        (
            json!({"lawyer_ids": {"from": [], "to": [USER]}}),
            json!({"lawyer_ids": {"from": [], "to": [USER]}}),
            "a list of ids",
        ),
        (
            json!({"external_id": {"from": null, "to": "Maria's file 12"}}),
            json!({"external_id": REMOVED}),
            "a field named like an id but holding text: the value decides, not the name",
        ),
        (
            json!({"Zephyrine Quorvath": USER, "ok": {"Quorvath": USER}}),
            json!({"ok": REMOVED}),
            "data used as a key goes with its value",
        ),
        (json!({}), json!({}), "a read: nothing to reduce"),
        (json!("text"), json!({}), "not an object: nothing kept"),
        (Value::Null, json!({}), "no snapshot"),
        (
            json!({"given_name": REMOVED, "client_id": CLIENT}),
            json!({"given_name": REMOVED, "client_id": CLIENT}),
            "already reduced: unchanged",
        ),
    ]
}

#[test]
fn a_reduced_snapshot_keeps_ids_and_field_names_only() {
    for (snapshot, want, why) in table() {
        assert_eq!(reduce(&snapshot), want, "{why}");
        assert!(is_reduced(&want), "{why}: reducing again changes nothing");
    }
}

#[test]
fn ids_are_hyphenated_uuids() {
    assert!(is_id(CLIENT));
    assert!(
        !is_id("6f1c2a4e8b0d4c3e9a7f1d2e3f4a5b6c"),
        "the simple form is no id of ours"
    );
    assert!(!is_id("A098765432"));
    assert!(!is_id("C-2026-0042"), "a case reference is not a record id");
    assert!(only_ids(&json!({"from": null, "to": [CLIENT]})));
    assert!(!only_ids(&json!({"from": CLIENT, "to": "x"})));
}

/// Any JSON a snapshot could hold (strings drawn from ids and free text).
fn snapshot() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z0-9 '.-]{0,20}".prop_map(Value::String),
        Just(Value::String(CLIENT.to_string())),
        Just(Value::String(USER.to_string())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_ A-Z]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every string left in a reduced snapshot: ids, field names and the marker.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            out.push(k.clone());
            strings(x, out)
        }),
        _ => {}
    }
}

proptest! {
    #[test]
    fn reducing_is_idempotent_and_leaves_no_free_text(v in snapshot()) {
        let once = reduce(&v);
        prop_assert_eq!(reduce(&once), once.clone());
        let mut left = Vec::new();
        strings(&once, &mut left);
        for s in left {
            let field = !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            prop_assert!(is_id(&s) || s == REMOVED || field, "{:?} left in {}", s, once);
        }
        // Nothing but ids, nulls and the marker as values: no number or boolean survives.
        let mut values = Vec::new();
        fn leaves(v: &Value, out: &mut Vec<Value>) {
            match v {
                Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
                Value::Object(m) => m.values().for_each(|x| leaves(x, out)),
                other => out.push(other.clone()),
            }
        }
        leaves(&once, &mut values);
        for x in values {
            prop_assert!(x.is_null() || x.is_string(), "{} left", x);
        }
    }
}
