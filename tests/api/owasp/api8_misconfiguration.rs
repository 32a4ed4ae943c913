//! OWASP API8 security misconfiguration: the security headers on every kind of response (API
//! answers, HTML, problems of every status, unknown routes, 405, 413, 414), CORS only for the
//! origins of `server.cors_allowed_origins` (none by default, never a wildcard), and error
//! bodies that never show a stack trace, SQL, a database's words or a file path, not even for an
//! internal error. (`headers` covers `Cache-Control` and `nosniff` in more detail.)

use reqwest::{Method, Response};
use serde_json::{json, Value};

use super::doc;
use super::matrix::{concrete, fixture, send};
use crate::both;
use crate::helpers::{body, problem, spawn_app_with, Backend, TestApp};

both!(
    every_kind_of_response_carries_the_security_headers,
    no_error_body_shows_internals,
);
crate::each_backend!(cors_follows_the_allow_list_and_is_off_by_default);

fn header(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn raw(app: &TestApp, method: Method, path: &str, accept: &str) -> Response {
    app.client
        .request(method, app.url(path))
        .header("accept", accept)
        .send()
        .await
        .expect("request")
}

/// The headers every response carries, whatever answered it. `public_url` is https in the
/// tests, so HSTS is sent (a deployment on plain http gets none).
async fn every_kind_of_response_carries_the_security_headers(app: TestApp) {
    let admin = app.admin_token().await;
    let json_ = "application/json";
    let mut responses: Vec<(&str, Response)> = vec![
        ("an API answer", app.get("/api/v1/me", &admin).await),
        ("a 401", raw(&app, Method::GET, "/api/v1/me", json_).await),
        (
            "a 404",
            app.get("/api/v1/clients/no-such-client", &admin).await,
        ),
        (
            "an unknown route",
            app.get("/api/v1/no-such-route", &admin).await,
        ),
        (
            "a 405",
            raw(&app, Method::PUT, "/api/v1/courts", json_).await,
        ),
        (
            "a 422",
            app.post("/api/v1/clients", &admin, &json!({})).await,
        ),
        (
            "a 413",
            app.post(
                "/api/v1/clients",
                &admin,
                &json!({"x": "y".repeat(300_000)}),
            )
            .await,
        ),
        (
            "a 414",
            app.get(
                &format!("/api/v1/cases?court_code={}", "a".repeat(9000)),
                &admin,
            )
            .await,
        ),
        (
            "a 403",
            app.get(
                "/api/v1/users",
                &app.token_for("cw@test.org", "caseworker").await,
            )
            .await,
        ),
        ("the page", raw(&app, Method::GET, "/", "text/html").await),
        (
            "an asset",
            raw(&app, Method::GET, "/assets/app.css", "text/css").await,
        ),
        (
            "an unknown asset",
            raw(&app, Method::GET, "/assets/nope.js", "*/*").await,
        ),
        (
            "the health check",
            raw(&app, Method::GET, "/health", json_).await,
        ),
        (
            "the document",
            raw(&app, Method::GET, "/api/v1/openapi.json", json_).await,
        ),
        (
            "an unknown feed",
            raw(&app, Method::GET, "/calendar/nope.ics", "text/calendar").await,
        ),
        (
            "a preflight",
            app.client
                .request(Method::OPTIONS, app.url("/api/v1/me"))
                .header("origin", "https://elsewhere.example")
                .header("access-control-request-method", "GET")
                .send()
                .await
                .expect("preflight"),
        ),
        ("TRACE", raw(&app, Method::TRACE, "/api/v1/me", json_).await),
    ];
    for (what, res) in responses.drain(..) {
        let h = |n: &str| header(&res, n).unwrap_or_default();
        assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{what}");
        assert_eq!(h("x-frame-options"), "DENY", "{what}");
        let csp = h("content-security-policy");
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
            "{what}: CSP `{csp}`"
        );
        assert!(
            h("strict-transport-security").starts_with("max-age="),
            "{what}: HSTS"
        );
        assert!(
            h("access-control-allow-origin").is_empty(),
            "{what}: CORS is off"
        );
        for leaky in ["server", "x-powered-by", "x-aspnet-version", "x-runtime"] {
            assert!(header(&res, leaky).is_none(), "{what}: `{leaky}` sent");
        }
        let status = res.status().as_u16();
        assert!(status < 500, "{what}: {status}");
        if status >= 400 {
            let ct = h("content-type");
            assert_eq!(ct, "application/problem+json", "{what}: {status}");
            let p: Value = res.json().await.expect("problem");
            assert!(p["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("urn:asylum-tracker:problem:")));
        }
    }
}

/// What an error body must never hold: the words of a stack trace, of SQL and of the two
/// databases, and file paths.
const INTERNALS: [&str; 20] = [
    "panicked",
    "backtrace",
    "stack",
    "thread '",
    ".rs:",
    "/src/",
    "/root",
    "/home/",
    "/tmp/",
    "/work/",
    "diesel",
    "sqlite",
    "postgres",
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "syntax error",
    "constraint",
    "relation \"",
    "no such table",
];

fn assert_no_internals(what: &str, status: u16, text: &str) {
    assert!(status < 500 || status == 503, "{what}: {status} {text}");
    let lower = text.to_lowercase();
    for marker in INTERNALS {
        assert!(
            !lower.contains(&marker.to_lowercase()),
            "{what}: the error shows `{marker}`: {text}"
        );
    }
}

/// Every operation of the document, sent wrong in the ways a probe would (unparseable JSON,
/// every property of the wrong type, SQL and path fragments in every string and in the path's
/// ids), answers a problem without internals; and an internal error (a table gone) is a 500
/// whose body says nothing of what broke.
async fn no_error_body_shows_internals(app: TestApp) {
    let document = doc::document(&app).await;
    let f = fixture(&app).await;
    let admin = f.team.admin.clone();
    let probes = [
        json!("' OR '1'='1' --"),
        json!("\"; DROP TABLE users; --"),
        json!("../../../../etc/passwd"),
        json!({"$gt": ""}),
        json!([1, {"a": null}]),
        json!(1e308),
        json!(-9223372036854775808i64),
    ];
    let mut seen = 0;
    for o in doc::operations(&document) {
        let what = format!("{} {}", o.method, o.path);
        if o.path == "/api/v1/auth/logout" {
            continue;
        }
        let path = concrete(&f, &o.path, false);
        // The path's ids replaced by SQL and traversal fragments (percent-encoded).
        if o.path.contains("{id}") {
            for id in [
                "1' OR '1'='1",
                "..%2F..%2Fetc%2Fpasswd",
                "9999999999999999999999",
            ] {
                let target = replace_id(&o.path, &path, id);
                let (status, got) = send(&app, &o.method, &target, Some(&admin), &None).await;
                assert_no_internals(&format!("{what} id {id}"), status, &got.to_string());
                seen += 1;
            }
        }
        let Some(schema) = doc::request_schema(o.op) else {
            continue;
        };
        let res = app
            .client
            .request(o.method.parse().expect("method"), app.url(&path))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body("{\"a\": [1, 2,, }")
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        assert_no_internals(&what, status, &res.text().await.unwrap_or_default());
        for (name, _) in doc::properties(&document, schema) {
            for probe in &probes {
                let b = Some(json!({ name.clone(): probe }));
                let (status, got) = send(&app, &o.method, &path, Some(&admin), &b).await;
                assert_no_internals(&format!("{what} `{name}`"), status, &got.to_string());
                seen += 1;
            }
        }
    }
    assert!(seen > 500, "only {seen} probes sent");
    // An internal error: the closures table gone under the service.
    app.sql("ALTER TABLE closures RENAME TO closures_gone".to_string())
        .await;
    let res = app.get("/api/v1/closures", &admin).await;
    let p = problem(res, 500).await;
    assert_eq!(p["type"], "urn:asylum-tracker:problem:internal");
    let text = p.to_string();
    for marker in INTERNALS
        .iter()
        .chain(&["closures", "no such", "does not exist"])
    {
        assert!(
            !text.to_lowercase().contains(&marker.to_lowercase()),
            "the internal error shows `{marker}`: {text}"
        );
    }
    app.sql("ALTER TABLE closures_gone RENAME TO closures".to_string())
        .await;
    body(app.get("/api/v1/closures", &admin).await, 200).await;
}

/// `path` (the concrete form of `template`) with its first `{id}` segment replaced by `id`.
fn replace_id(template: &str, path: &str, id: &str) -> String {
    let t: Vec<&str> = template.split('/').collect();
    let mut p: Vec<String> = path.split('/').map(str::to_string).collect();
    if let Some(i) = t.iter().position(|s| *s == "{id}") {
        p[i] = id.to_string();
    }
    p.join("/")
}

/// Off by default (no CORS header, even for a preflight); with an allow-list, a listed origin's
/// preflight is answered with its own origin, credentials and the API's methods, its requests
/// readable; an unlisted origin gets no CORS header (its preflight a 403 problem); and a
/// wildcard, alone or in a host, stops start-up naming the key.
async fn cors_follows_the_allow_list_and_is_off_by_default(backend: Backend) {
    let listed = "https://office.example.org";
    let app = spawn_app_with(backend, |s| {
        s.server.cors_allowed_origins = vec![listed.to_string()];
    })
    .await;
    let admin = app.admin_token().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/clients"))
            .header("origin", origin)
            .header("access-control-request-method", "PATCH")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let res = preflight(listed).await.expect("preflight");
    assert!(
        res.status().is_success(),
        "listed preflight: {}",
        res.status()
    );
    let h = |r: &Response, n: &str| header(r, n).unwrap_or_default();
    assert_eq!(h(&res, "access-control-allow-origin"), listed);
    assert_eq!(h(&res, "access-control-allow-credentials"), "true");
    assert!(h(&res, "access-control-allow-methods").contains("PATCH"));
    assert!(h(&res, "access-control-allow-headers")
        .to_lowercase()
        .contains("authorization"));
    let res = preflight("https://evil.example").await.expect("preflight");
    assert!(h(&res, "access-control-allow-origin").is_empty());
    assert!(h(&res, "access-control-allow-credentials").is_empty());
    problem(res, 403).await;
    for (origin, allowed) in [
        (listed, true),
        ("https://evil.example", false),
        ("null", false),
    ] {
        let res = app
            .client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&admin)
            .header("origin", origin)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "{origin}");
        let acao = h(&res, "access-control-allow-origin");
        assert_ne!(acao, "*", "{origin}: never a wildcard");
        assert_eq!(acao == origin, allowed, "{origin}: `{acao}`");
        if !allowed {
            assert!(h(&res, "access-control-allow-credentials").is_empty());
        }
    }
    for bad in [
        "*",
        "https://*.example.org",
        "https://office.example.org/app",
        "null",
    ] {
        let mut s = app.settings.clone();
        s.server.cors_allowed_origins = vec![bad.to_string()];
        let e = s.validate().expect_err(bad).to_string();
        assert!(e.contains("server.cors_allowed_origins"), "{bad}: {e}");
    }
    // Off by default: the same requests get no CORS header at all.
    let plain = spawn_app_with(backend, |_| {}).await;
    let res = plain
        .client
        .request(Method::OPTIONS, plain.url("/api/v1/clients"))
        .header("origin", listed)
        .header("access-control-request-method", "PATCH")
        .send()
        .await
        .expect("preflight");
    assert!(header(&res, "access-control-allow-origin").is_none());
    let token = plain.admin_token().await;
    let res = plain
        .client
        .get(plain.url("/api/v1/me"))
        .bearer_auth(&token)
        .header("origin", listed)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert!(header(&res, "access-control-allow-origin").is_none());
}
