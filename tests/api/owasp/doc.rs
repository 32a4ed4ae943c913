//! Reading the served OpenAPI document: its operations, and the properties of their request and
//! response bodies with `$ref`s resolved, so that the OWASP modules derive their cases from the
//! contract instead of a hand-kept list that a new endpoint would escape.

use serde_json::{Map, Value};

use crate::helpers::TestApp;

/// The served document.
pub async fn document(app: &TestApp) -> Value {
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("document");
    assert_eq!(res.status(), 200, "the served document");
    res.json().await.expect("document JSON")
}

/// One operation: its method (upper case), path template and object.
pub struct Operation<'a> {
    pub method: String,
    pub path: String,
    pub op: &'a Value,
}

pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    op,
                });
            }
        }
    }
    out
}

/// `schema` with its `$ref` (and a `oneOf`/`anyOf` of one schema and `null`) followed.
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().expect("ref name");
        return resolve(doc, &doc["components"]["schemas"][name]);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let real: Vec<&Value> = options.iter().filter(|o| o["type"] != "null").collect();
            if let [one] = real.as_slice() {
                return resolve(doc, one);
            }
        }
    }
    schema
}

/// The properties of an object schema (empty when it is not one).
pub fn properties<'a>(doc: &'a Value, schema: &'a Value) -> Map<String, Value> {
    let schema = resolve(doc, schema);
    let mut out = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            out.extend(properties(doc, part));
        }
    }
    out
}

/// The JSON request body's schema of an operation, if it takes one.
pub fn request_schema(op: &Value) -> Option<&Value> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    (!schema.is_null()).then_some(schema)
}

/// The schema of an operation's first 2xx JSON answer, if it has one.
pub fn response_schema(op: &Value) -> Option<&Value> {
    let responses = op["responses"].as_object()?;
    responses
        .iter()
        .filter(|(code, _)| code.starts_with('2'))
        .map(|(_, r)| &r["content"]["application/json"]["schema"])
        .find(|s| !s.is_null())
}

/// Whether a (resolved) property schema allows `kind` (`"string"`, `"array"`, ...).
pub fn allows(schema: &Value, kind: &str) -> bool {
    match &schema["type"] {
        Value::String(t) => t == kind,
        Value::Array(ts) => ts.iter().any(|t| t == kind),
        _ => false,
    }
}
