//! The OpenAPI document lists every route the app serves, with the bearer scheme.

use std::collections::BTreeSet;

use crate::both;
use crate::helpers::TestApp;

both!(openapi_lists_every_route, undocumented_methods_answer_405);

/// Every `#[get("/..")]`-style route attribute in src/routes, as (METHOD, full path).
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let line = line.trim();
            for method in ["get", "post", "put", "patch", "delete"] {
                let prefix = format!("#[{method}(\"");
                if let Some(rest) = line.strip_prefix(&prefix) {
                    let path = rest.split('"').next().unwrap();
                    // Operations routes sit at the root; everything else under /api/v1.
                    let full = if ["/health", "/ready"].contains(&path)
                        || path.starts_with("/calendar/")
                    {
                        path.to_string()
                    } else {
                        format!("/api/v1{path}")
                    };
                    found.insert((method.to_uppercase(), full));
                }
            }
        }
    }
    found
}

async fn openapi_lists_every_route(app: TestApp) {
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let served = routes_in_source();
    assert!(served.len() >= 16, "found {} routes", served.len());
    let missing: Vec<_> = served.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
    // And nothing is documented that is not served.
    for (method, path) in &documented {
        let concrete = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{user_id}", "x")
            .replace("{token}", "x");
        let res = app
            .client
            .request(method.parse().unwrap(), app.url(&concrete))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        assert_ne!(
            body["type"], "urn:asylum-tracker:problem:no-route",
            "{method} {path} is documented but routes nowhere"
        );
    }
}

async fn fetch_doc(app: &TestApp) -> serde_json::Value {
    app.client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The contract as a snapshot: any change to a path, schema or response shows in review
/// (`cargo insta review`, or INSTA_UPDATE=always to accept). Identical on both backends.
#[actix_web::test]
async fn openapi_document_snapshot() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let doc = fetch_doc(&app).await;
    insta::assert_json_snapshot!("openapi", doc);
}

/// Every operation declares a description on every response, the bearer scheme globally, and
/// the errors its shape makes possible (what openapi-spec-validator and schemathesis check).
#[actix_web::test]
async fn every_response_is_described_and_errors_declared() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let doc = fetch_doc(&app).await;
    assert_eq!(doc["security"], serde_json::json!([{"bearer": []}]));
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for (status, r) in responses {
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status} has no description"
                );
            }
            let public = op["security"] == serde_json::json!([]);
            assert_eq!(
                responses.contains_key("401"),
                !public
                    || path.starts_with("/api/v1/auth/login")
                    || path.starts_with("/api/v1/auth/refresh")
                    || path.starts_with("/api/v1/auth/mfa"),
                "{method} {path}: 401"
            );
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
            }
            if path.contains('{') && !public {
                assert!(responses.contains_key("404"), "{method} {path}: 404");
            }
        }
    }
}

/// Every `$ref` names a schema the document defines (openapi-spec-validator refuses the whole
/// document otherwise, and clients generated from it fail to build).
#[actix_web::test]
async fn every_reference_resolves() {
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r.to_string());
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let doc = fetch_doc(&app).await;
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty(), "the document uses references");
    let dangling: Vec<_> = found
        .iter()
        .filter(|r| {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
            doc["components"]["schemas"].get(name).is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

/// A known address with a method it does not take: 405 naming the methods it does.
async fn undocumented_methods_answer_405(app: TestApp) {
    let res = app
        .client
        .request(reqwest::Method::TRACE, app.url("/api/v1/auth/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    let res = app
        .client
        .delete(app.url("/api/v1/cases/some-id/hearings"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, POST");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["type"],
        "urn:asylum-tracker:problem:method-not-allowed"
    );
    // An address nothing serves is still the 404 of a wrong address.
    let res = app
        .client
        .get(app.url("/api/v1/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// Every operation that counts password or code guesses, or is limited per address, declares
/// its 429 (schemathesis found `POST /me/password` answering an undocumented 429).
#[actix_web::test]
async fn guess_counting_operations_declare_429() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let doc = fetch_doc(&app).await;
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/mfa",
        "/api/v1/auth/refresh",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/password-reset/confirm",
        "/api/v1/me/password",
    ] {
        assert!(
            doc["paths"][path]["post"]["responses"].get("429").is_some(),
            "POST {path}: 429"
        );
    }
}

/// The admin's outbox lists account mail too (reset links, MFA-reset notices): their kinds are
/// in the document's `ReminderKind` (schemathesis found `password_reset` outside the enum).
#[actix_web::test]
async fn every_outbox_kind_is_in_the_document() {
    use serde_json::json;
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let admin = app.admin_token().await;
    let token = app.token_for("kim@test.org", "lawyer").await;
    let id = crate::helpers::user_id(&app, &token).await;
    app.post_anon(
        "/api/v1/auth/password-reset",
        &json!({"email": "kim@test.org"}),
    )
    .await;
    // A task due in two days (before the token is revoked below) plans `task_due` rows for its assignee.
    let client =
        crate::helpers::create_client(&app, &token, &crate::helpers::client_body("Ana", "Quispe"))
            .await;
    let case =
        crate::helpers::create_case(&app, &token, client["id"].as_str().unwrap(), json!({})).await;
    let due = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    let res = app
        .post(
            &format!("/api/v1/cases/{}/tasks", case["id"].as_str().unwrap()),
            &token,
            &json!({"title": "t", "due_on": due}),
        )
        .await;
    assert_eq!(res.status(), 201);
    crate::helpers::enrol_totp(&app, &token).await;
    let res = app.delete(&format!("/api/v1/users/{id}/mfa"), &admin).await;
    assert_eq!(res.status(), 204);
    let doc = fetch_doc(&app).await;
    let allowed: BTreeSet<String> = doc["components"]["schemas"]["ReminderKind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let list: serde_json::Value = app
        .get("/api/v1/reminders", &admin)
        .await
        .json()
        .await
        .unwrap();
    let kinds: BTreeSet<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(
        kinds.contains("password_reset")
            && kinds.contains("mfa_reset")
            && kinds.contains("task_due"),
        "{kinds:?}"
    );
    assert!(
        kinds.is_subset(&allowed),
        "{kinds:?} not all in {allowed:?}"
    );
}

/// Every date the document describes states the range the service accepts (years 1900 to
/// 2199, `domain::dates::Day`), so a schema-valid date is never refused. Schemathesis found
/// custody's dates as plain `format: date`, answered 422 for the year 1622.
#[actix_web::test]
async fn every_date_states_its_range() {
    fn walk(v: &serde_json::Value, at: &str, bad: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                if o.get("format").and_then(|f| f.as_str()) == Some("date")
                    && o.get("pattern").is_none()
                {
                    bad.push(at.to_string());
                }
                for (k, child) in o {
                    walk(child, &format!("{at}/{k}"), bad);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    walk(child, &format!("{at}/{i}"), bad);
                }
            }
            _ => {}
        }
    }
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let doc = fetch_doc(&app).await;
    let mut bad = Vec::new();
    // Request bodies and parameters: what a client sends (responses may carry any stored date).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            walk(
                &op["parameters"],
                &format!("{method} {path} parameters"),
                &mut bad,
            );
            walk(
                &op["requestBody"],
                &format!("{method} {path} body"),
                &mut bad,
            );
        }
    }
    // Request schemas by reference (named *Request, *Patch, *Input or *Query).
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if ["Request", "Patch", "Input", "Query"]
            .iter()
            .any(|s| name.ends_with(s))
        {
            walk(schema, &format!("schema {name}"), &mut bad);
        }
    }
    assert!(bad.is_empty(), "dates without their range: {bad:#?}");
}
