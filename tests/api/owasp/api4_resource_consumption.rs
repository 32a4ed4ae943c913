//! OWASP API4 unrestricted resource consumption: what one request may make the service read,
//! store or loop over is bounded. Bodies over 256 KiB are 413 (also when sent in chunks without
//! a length); every array of a request body declares `maxItems` and every declared bound is
//! enforced; no string of any body is stored at 20,000 characters; `limit` is capped at 200 on
//! every list and paging is by opaque keyset cursor (no offset to page deep with); deep JSON,
//! a huge URL and a client that never finishes its request are answered or cut off without
//! harming the server. Per-address limits on the credential endpoints are in `limits`.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::doc::{self, allows, properties, request_schema, resolve};
use super::matrix::{concrete, concrete_body, fixture, send, Fixture, Who, ROWS};
use crate::both;
use crate::helpers::{body, client_body, create_client, error_fields, problem, team, TestApp};

both!(
    team_lists_and_languages_in_bodies_are_capped,
    every_body_bound_is_declared_and_enforced,
    no_body_string_is_stored_at_twenty_thousand_characters,
    every_list_caps_limit_and_pages_by_cursor,
    oversized_bodies_deep_json_and_huge_urls_are_refused,
    every_operation_with_a_path_or_query_declares_414,
);

/// The findings of this module, kept as regression tests: a case opened naming one lawyer 5,000
/// times held the write lock for 8 s (one lookup and assignment each), a client stored 5,000
/// languages, and an interpreter language of 100,000 characters (a well-formed private-use tag)
/// was stored although the document says 35 at most.
async fn team_lists_and_languages_in_bodies_are_capped(app: TestApp) {
    let t = team(&app).await;
    let client = create_client(&app, &t.admin, &client_body("Lina", "Sadat")).await;
    let client_id = client["id"].as_str().expect("id");
    for field in ["lawyer_ids", "caseworker_ids"] {
        let person = if field == "lawyer_ids" {
            &t.lawyer_id
        } else {
            &t.caseworker_id
        };
        let named = vec![person.clone(); 21];
        let case = json!({"client_id": client_id, "kind": "affirmative", field: named});
        let p = problem(app.post("/api/v1/cases", &t.admin, &case).await, 422).await;
        assert_eq!(error_fields(&p), vec![field], "{field}: {p}");
    }
    let many = [
        "en", "es", "fr", "de", "ar", "fa", "ps", "zh", "cmn", "yue", "ru", "uk", "pt", "tr", "ku",
        "so", "am", "ti", "ht", "hi", "ur",
    ];
    let mut c = client_body("Omar", "Nazari");
    c["languages"] = json!(many);
    let p = problem(app.post("/api/v1/clients", &t.admin, &c).await, 422).await;
    assert_eq!(error_fields(&p), vec!["languages"], "{p}");
    // A well-formed private-use tag (`x-` and subtags of up to 8 characters) of 92 characters.
    let long_tag = format!("x-{}", "abcdefgh-".repeat(10).trim_end_matches('-'));
    c["languages"] = json!([long_tag]);
    let p = problem(app.post("/api/v1/clients", &t.admin, &c).await, 422).await;
    assert_eq!(error_fields(&p), vec!["languages[0]"], "{p}");
    let hearings = format!("/api/v1/cases/{}/hearings", t.case_id());
    let hearing = json!({"kind": "other", "starts_at_local": "2027-02-01T09:00",
                         "interpreter_language": long_tag});
    let p = problem(app.post(&hearings, &t.lawyer, &hearing).await, 422).await;
    assert_eq!(error_fields(&p), vec!["interpreter_language"], "{p}");
    // The bounds themselves are accepted.
    c["languages"] = json!(many[..20]);
    create_client(&app, &t.admin, &c).await;
    let case = json!({"client_id": client_id, "kind": "affirmative",
                      "lawyer_ids": vec![t.lawyer_id.clone(); 20]});
    body(app.post("/api/v1/cases", &t.admin, &case).await, 201).await;
}

/// Who sends an operation's body in these checks: its credential holders anonymously, a note's
/// author, an admin for the rest (who may call everything else).
fn caller(f: &Fixture, who: Who) -> Option<&str> {
    match who {
        Who::Public | Who::Credential => None,
        Who::Author | Who::Own => Some(&f.team.lawyer),
        _ => Some(&f.team.admin),
    }
}

/// The rows that take a body, with their concrete path and valid body. Logout is left out: it
/// ends the caller's sessions, and its body is ignored.
fn body_rows(f: &Fixture) -> Vec<(&'static str, &'static str, String, Value, Option<&str>)> {
    ROWS.iter()
        .filter(|(_, p, _, b)| !b.is_empty() && *p != "/api/v1/auth/logout")
        .map(|&(m, p, who, b)| {
            let valid = concrete_body(f, b).expect("body");
            (m, p, concrete(f, p, false), valid, caller(f, who))
        })
        .collect()
}

/// Every array in a request body declares `maxItems`, and no body is let through with a string
/// one past its declared `maxLength`, or an array one past its `maxItems`.
async fn every_body_bound_is_declared_and_enforced(app: TestApp) {
    let document = doc::document(&app).await;
    let mut unbounded = Vec::new();
    let f = fixture(&app).await;
    for (method, template, path, valid, token) in body_rows(&f) {
        let op = &document["paths"][template][method.to_lowercase()];
        let Some(schema) = request_schema(op) else {
            continue;
        };
        for (name, prop) in properties(&document, schema) {
            let prop = resolve(&document, &prop);
            let what = format!("{method} {template} `{name}`");
            let over = if allows(prop, "array") {
                let Some(max) = prop["maxItems"].as_u64() else {
                    unbounded.push(what);
                    continue;
                };
                let item = valid[&name].get(0).cloned().unwrap_or(json!("a"));
                json!(vec![item; max as usize + 1])
            } else if let Some(max) = prop["maxLength"].as_u64() {
                json!("a".repeat(max as usize + 1))
            } else {
                continue;
            };
            let mut b = valid.clone();
            b[&name] = over;
            let (status, got) = send(&app, method, &path, token, &Some(b)).await;
            assert!(
                (400..500).contains(&status),
                "{what}: one past its bound got {status}: {got}"
            );
        }
    }
    assert!(
        unbounded.is_empty(),
        "request arrays without maxItems: {unbounded:?}"
    );
}

/// Each string of each body, at 20,000 characters in three shapes (plain letters, a
/// well-formed private-use language tag, an e-mail address), is refused: nothing stores or
/// loops over it. The reset request is the one exception the contract makes: 202 always,
/// answered before any lookup, and nothing is stored.
async fn no_body_string_is_stored_at_twenty_thousand_characters(app: TestApp) {
    let document = doc::document(&app).await;
    let f = fixture(&app).await;
    let shapes = [
        "a".repeat(20_000),
        format!("x-{}", "abcdefgh-".repeat(2_222).trim_end_matches('-')),
        format!("n@{}.org", "e".repeat(19_990)),
    ];
    for (method, template, path, valid, token) in body_rows(&f) {
        if template == "/api/v1/auth/password-reset" {
            continue;
        }
        let op = &document["paths"][template][method.to_lowercase()];
        let Some(schema) = request_schema(op) else {
            continue;
        };
        for (name, prop) in properties(&document, schema) {
            let prop = resolve(&document, &prop);
            if !allows(prop, "string") || prop.get("enum").is_some() {
                continue;
            }
            for shape in &shapes {
                let mut b = valid.clone();
                b[&name] = json!(shape);
                let (status, got) = send(&app, method, &path, token, &Some(b)).await;
                assert!(
                    (400..500).contains(&status),
                    "{method} {template} `{name}` of 20,000 characters got {status}: {got}"
                );
            }
        }
    }
}

/// Every list in the document takes `limit` up to 200 (201 is 422 naming it) and `cursor`, an
/// opaque token (a forged one is 422), and none takes an offset or page number: a keyset cursor
/// costs the same on the thousandth page as on the first.
async fn every_list_caps_limit_and_pages_by_cursor(app: TestApp) {
    let document = doc::document(&app).await;
    let f = fixture(&app).await;
    let mut lists = 0;
    for o in doc::operations(&document) {
        let params = o.op["parameters"].as_array().cloned().unwrap_or_default();
        let named = |n: &str| params.iter().find(|p| p["name"] == n).cloned();
        for deep in ["offset", "page", "skip"] {
            assert!(
                named(deep).is_none(),
                "{} {} takes `{deep}`",
                o.method,
                o.path
            );
        }
        let Some(limit) = named("limit") else {
            continue;
        };
        lists += 1;
        let what = format!("{} {}", o.method, o.path);
        assert_eq!(limit["schema"]["maximum"], 200, "{what}: limit's maximum");
        assert!(
            named("cursor").is_some(),
            "{what}: a limit without a cursor"
        );
        let row = ROWS
            .iter()
            .find(|r| r.0 == o.method && r.1 == o.path)
            .expect("a matrix row");
        let path = concrete(&f, &o.path, false);
        let token = caller(&f, row.2).or(Some(&f.team.admin));
        let sep = if path.contains('?') { '&' } else { '?' };
        for (query, status) in [
            ("limit=200", 200),
            ("limit=201", 422),
            ("cursor=forged", 422),
        ] {
            let (got, b) = send(
                &app,
                &o.method,
                &format!("{path}{sep}{query}"),
                token,
                &None,
            )
            .await;
            assert_eq!(got, status, "{what}?{query}: {b}");
            if status == 422 {
                assert_eq!(error_fields(&b), vec![query.split('=').next().unwrap()]);
            }
        }
    }
    assert!(lists >= 15, "only {lists} lists found in the document");
}

/// A body over 256 KiB is 413 with or without a Content-Length; JSON nested 100,000 deep is a
/// 4xx (serde's recursion limit, no stack overflow); a URL over 8 KiB is 414, a head of 200 headers
/// is refused with a 4xx; a client that sends half a request head is cut off within 10 s;
/// and the server answers normally afterwards.
async fn oversized_bodies_deep_json_and_huge_urls_are_refused(app: TestApp) {
    let admin = app.admin_token().await;
    let big = format!(r#"{{"given_name":"{}"}}"#, "x".repeat(300 * 1024));
    let status = chunked_post(&app.address, "/api/v1/clients", &admin, big.as_bytes()).await;
    assert_eq!(status, 413, "a chunked body over 256 KiB");
    let res = app
        .client
        .post(app.url("/api/v1/clients"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("request");
    problem(res, 413).await;
    for nested in [
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!(
            r#"{{"given_name":"A","family_name":"B","last_arrival_on":"2025-12-01","languages":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    ] {
        let res = app
            .client
            .post(app.url("/api/v1/clients"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(nested)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "deep JSON got {status}");
    }
    let long_query = format!("/api/v1/cases?court_code={}", "a".repeat(64_000));
    let p = problem(app.get(&long_query, &admin).await, 414).await;
    assert_eq!(p["type"], "urn:asylum-tracker:problem:uri-too-long");
    let mut many = app.client.get(app.url("/api/v1/me")).bearer_auth(&admin);
    for i in 0..200 {
        many = many.header(format!("x-filler-{i}"), "x");
    }
    let status = many.send().await.expect("request").status().as_u16();
    assert!((400..500).contains(&status), "200 headers got {status}");
    let address = app.address.clone();
    actix_web::rt::task::spawn_blocking(move || slow_head_is_cut_off(&address))
        .await
        .expect("slow head");
    body(app.get("/api/v1/me", &admin).await, 200).await;
}

/// POSTs `body` in 16 KiB chunks (`Transfer-Encoding: chunked`, no Content-Length) over a
/// plain connection; returns the answer's status.
async fn chunked_post(address: &str, path: &str, token: &str, body: &[u8]) -> u16 {
    let addr = address.trim_start_matches("http://").to_string();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(16 * 1024) {
        request.extend(format!("{:x}\r\n", chunk.len()).bytes());
        request.extend(chunk);
        request.extend(b"\r\n");
    }
    request.extend(b"0\r\n\r\n");
    actix_web::rt::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        // The server may answer 413 and close before reading it all.
        let _ = s.write_all(&request);
        let mut head = Vec::new();
        let _ = s.read_to_end(&mut head);
        let text = String::from_utf8_lossy(&head);
        text.split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    })
    .await
    .expect("chunked request")
}

/// A connection that sends part of a request head and then nothing is closed by the server
/// (actix-web's client request timeout), so idle half-open requests cannot pile up.
fn slow_head_is_cut_off(address: &str) {
    let addr = address.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n")
        .expect("half a head");
    s.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let start = Instant::now();
    let mut buf = Vec::new();
    // The server answers 408 and closes, or closes: either way the read ends.
    let _ = s.read_to_end(&mut buf);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "a half-sent request head held its connection for {:?}",
        start.elapsed()
    );
}

/// Schemathesis's finding (`.ci/run`, GET /api/v1/audit with a QR code's SVG from an earlier
/// answer as `entity_id`): a long address is 414, which the document did not declare. Every
/// operation whose address a client varies (a path id or a query) declares it.
async fn every_operation_with_a_path_or_query_declares_414(app: TestApp) {
    let document = doc::document(&app).await;
    for o in doc::operations(&document) {
        let varies = o.op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path" || p["in"] == "query"));
        if varies {
            assert!(
                o.op["responses"].get("414").is_some(),
                "{} {} does not declare 414",
                o.method,
                o.path
            );
        }
    }
}
