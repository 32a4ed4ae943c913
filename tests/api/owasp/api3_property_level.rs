//! OWASP API3 broken object-property-level authorisation: no body sets a property the server
//! owns or another role decides (mass assignment), and no answer carries a property its caller
//! may not see (excessive data exposure).
//!
//! Both are derived from the served document: a property an operation answers with but does not
//! take (`id`, `created_at`, `created_by`, `reference`, a deadline's computed `due_on` and
//! `rule`, `role` and `active` on `/me`, ...) and a list of privileged names are sent in each
//! operation's valid body and must be 422 naming them, with nothing changed; and every read any
//! role can make is searched for secrets by name and by value.

use serde_json::{json, Value};

use super::doc::{self, allows, properties, request_schema, resolve, response_schema};
use super::matrix::{concrete, concrete_body, fixture, send, state, Who, ROWS};
use crate::both;
use crate::helpers::{body, enrol_totp, error_fields, TestApp};

both!(
    no_body_sets_a_property_the_server_or_another_role_owns,
    no_answer_carries_a_secret_or_a_field_its_reader_may_not_see,
);

/// Names no request body takes, whatever the document's answers say: privilege and ownership.
const PRIVILEGED: [&str; 10] = [
    "role",
    "active",
    "is_admin",
    "admin",
    "user_id",
    "owner_id",
    "created_by",
    "token_version",
    "password_hash",
    "mfa_secret",
];

/// A value of the property's type, so that a field taken by mistake would be written.
fn forged(schema: &Value) -> Value {
    if allows(schema, "boolean") {
        json!(false)
    } else if allows(schema, "integer") || allows(schema, "number") {
        json!(1)
    } else if allows(schema, "array") {
        json!([])
    } else if schema["format"] == "date" {
        json!("2020-01-02")
    } else if schema["format"] == "date-time" {
        json!("2020-01-02T03:04:05Z")
    } else {
        json!("admin")
    }
}

async fn no_body_sets_a_property_the_server_or_another_role_owns(app: TestApp) {
    let document = doc::document(&app).await;
    let f = fixture(&app).await;
    let before = state(&app, &f).await;
    let mut tried = 0;
    for &(method, template, who, text) in ROWS {
        let Some(valid) = concrete_body(&f, text) else {
            continue;
        };
        if template == "/api/v1/auth/logout" {
            continue;
        }
        let op = &document["paths"][template][method.to_lowercase()];
        let Some(request) = request_schema(op) else {
            continue;
        };
        let takes = properties(&document, request);
        let mut owned: Vec<(String, Value)> = response_schema(op)
            .map(|s| properties(&document, s))
            .unwrap_or_default()
            .into_iter()
            .filter(|(name, _)| !takes.contains_key(name))
            .map(|(name, s)| {
                let v = forged(resolve(&document, &s));
                (name, v)
            })
            .collect();
        for name in PRIVILEGED {
            if !takes.contains_key(name) && !owned.iter().any(|(n, _)| n == name) {
                owned.push((name.to_string(), json!("admin")));
            }
        }
        let path = concrete(&f, template, false);
        let token = match who {
            Who::Public | Who::Credential => None,
            Who::Author | Who::Own => Some(f.team.lawyer.as_str()),
            _ => Some(f.team.admin.as_str()),
        };
        for (name, value) in owned {
            let mut b = valid.clone();
            b[&name] = value;
            let (status, got) = send(&app, method, &path, token, &Some(b)).await;
            let what = format!("{method} {template} with `{name}`");
            assert_eq!(status, 422, "{what}: {got}");
            assert!(
                error_fields(&got).contains(&name),
                "{what}: the 422 names {:?}",
                error_fields(&got)
            );
            tried += 1;
        }
    }
    assert!(tried > 300, "only {tried} forged properties tried");
    let after = state(&app, &f).await;
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        assert!(b == a, "a refused body changed something (part {i}): {a}");
    }
}

/// Keys no answer may carry, and the values of the fixture's secrets, searched for in every
/// GET answer of the document as every role (and the feed). Lists of clients leave out what
/// only a full read shows (A-number, birth date, contact), and the directory leaves out e-mail
/// addresses.
async fn no_answer_carries_a_secret_or_a_field_its_reader_may_not_see(app: TestApp) {
    let document = doc::document(&app).await;
    let f = fixture(&app).await;
    let t = &f.team;
    // A second factor on the caseworker, so that its secret and codes exist to be leaked.
    let (secret, codes) = enrol_totp(&app, &t.caseworker).await;
    let pair = app
        .session("lawyer@test.org", crate::helpers::USER_PASSWORD)
        .await;
    let refresh = pair["refresh_token"].as_str().expect("refresh").to_string();
    let hashes: Vec<String> = {
        let pool = app.pool.clone();
        asylum_tracker::db::run_db(&pool, |conn| {
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct H {
                #[diesel(sql_type = diesel::sql_types::Text)]
                h: String,
            }
            let rows: Vec<H> =
                diesel::sql_query("SELECT password_hash AS h FROM users").load(conn)?;
            Ok(rows.into_iter().map(|r| r.h).collect())
        })
        .await
        .expect("hashes")
    };
    let mut secrets: Vec<String> = vec![
        secret,
        refresh,
        crate::helpers::JWT_SECRET.to_string(),
        crate::helpers::USER_PASSWORD.to_string(),
        crate::helpers::ADMIN_PASSWORD.to_string(),
        "$argon2".to_string(),
    ];
    secrets.extend(codes);
    secrets.extend(hashes);
    secrets.push(f.ids["token"].clone());
    // By name: any key holding these words, and the tokens of the sign-in answers.
    let forbidden_words = ["hash", "secret", "password", "salt", "recovery"];
    let forbidden_keys = ["token", "access_token", "refresh_token", "challenge_token"];
    let readers = [
        ("admin", &t.admin),
        ("lawyer", &t.lawyer),
        ("caseworker", &t.caseworker),
        ("other lawyer", &t.other_lawyer),
    ];
    let mut read = 0;
    for o in doc::operations(&document) {
        if o.method != "GET" {
            continue;
        }
        let path = concrete(&f, &o.path, false);
        for (who, token) in readers {
            let (status, got) = send(&app, "GET", &path, Some(token), &None).await;
            if status != 200 {
                continue;
            }
            read += 1;
            let what = format!("GET {} as {who}", o.path);
            let text = got.to_string();
            for s in &secrets {
                assert!(!text.contains(s.as_str()), "{what} carries a secret");
            }
            // The document names its schemas' properties (`password`, ...): values only there.
            if o.path == "/api/v1/openapi.json" {
                continue;
            }
            for key in keys(&got) {
                let k = key.to_lowercase();
                assert!(
                    !forbidden_words.iter().any(|w| k.contains(w))
                        && !forbidden_keys.contains(&k.as_str()),
                    "{what} carries `{key}`"
                );
            }
        }
    }
    assert!(read > 100, "only {read} answers read");
    // Summaries show less than the full record, to everyone.
    let full_only = [
        "a_number",
        "date_of_birth",
        "phone",
        "email",
        "address",
        "arrival_place",
    ];
    for (_, token) in readers {
        for path in ["/api/v1/clients?limit=200", "/api/v1/users/directory"] {
            let list = body(app.get(path, token).await, 200).await;
            for item in list["items"].as_array().expect("items") {
                for key in full_only {
                    assert!(item.get(key).is_none(), "{path} rows carry `{key}`");
                }
            }
        }
        let found = app
            .post("/api/v1/clients/search", token, &json!({"q": "Haidari"}))
            .await;
        for item in body(found, 200).await["items"].as_array().expect("items") {
            for key in full_only {
                assert!(item.get(key).is_none(), "search rows carry `{key}`");
            }
        }
    }
}

/// Every object key anywhere in `v`.
fn keys(v: &Value) -> Vec<String> {
    match v {
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.clone()).chain(keys(v)))
            .collect(),
        Value::Array(items) => items.iter().flat_map(keys).collect(),
        _ => Vec::new(),
    }
}
