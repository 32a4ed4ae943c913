//! OWASP API7 server-side request forgery: no endpoint fetches a URL a client supplies. The
//! service makes no outbound HTTP request at all (its only outbound connection is to the
//! configured SMTP server), and this test shows it from outside: a listener of the test's own
//! is named, as URLs of several schemes, in every string property of every request body of the
//! document, in every query parameter, and in the `Host`, `X-Forwarded-Host`, `Referer` and
//! `Origin` headers; the listener must see no connection. Links the service writes (reset
//! mail, calendar feed address) come from `server.public_url`, never from the request's host.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::doc::{self, allows, properties, request_schema, resolve};
use super::matrix::{concrete, concrete_body, fixture, send, Who, ROWS};
use crate::both;
use crate::helpers::{body, reset_link_token, TestApp};

both!(no_request_makes_the_service_connect_to_a_url_it_names);

/// A listener that counts the connections made to it, in a thread of its own.
fn listener() -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            if conn.is_ok() {
                count.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, seen)
}

async fn no_request_makes_the_service_connect_to_a_url_it_names(app: TestApp) {
    let (port, seen) = listener();
    let urls: Vec<String> = vec![
        format!("http://127.0.0.1:{port}/ssrf"),
        format!("https://127.0.0.1:{port}/ssrf"),
        format!("http://localhost:{port}/ssrf"),
        format!("//127.0.0.1:{port}/ssrf"),
        format!("gopher://127.0.0.1:{port}/_ssrf"),
        format!("ftp://127.0.0.1:{port}/ssrf"),
        format!("smtp://127.0.0.1:{port}"),
        "file:///etc/passwd".to_string(),
    ];
    let document = doc::document(&app).await;
    let f = fixture(&app).await;
    let mut sent = 0;
    for &(method, template, who, text) in ROWS {
        if template == "/api/v1/auth/logout" {
            continue;
        }
        let token = match who {
            Who::Public | Who::Credential => None,
            Who::Author | Who::Own => Some(f.team.lawyer.as_str()),
            _ => Some(f.team.admin.as_str()),
        };
        let path = concrete(&f, template, false);
        let op = &document["paths"][template][method.to_lowercase()];
        // Every query parameter a URL.
        let params: Vec<String> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for name in &params {
            for url in &urls {
                let q = format!("{name}={}", urlencode(url));
                let sep = if path.contains('?') { '&' } else { '?' };
                send(&app, method, &format!("{path}{sep}{q}"), token, &None).await;
                sent += 1;
            }
        }
        // Every string property of the body a URL, one at a time.
        if let (Some(valid), Some(schema)) = (concrete_body(&f, text), request_schema(op)) {
            for (name, prop) in properties(&document, schema) {
                let prop = resolve(&document, &prop);
                let as_list = allows(prop, "array");
                if !allows(prop, "string") && !as_list {
                    continue;
                }
                for url in &urls {
                    let mut b: Value = valid.clone();
                    b[&name] = if as_list { json!([url]) } else { json!(url) };
                    send(&app, method, &path, token, &Some(b)).await;
                    sent += 1;
                }
            }
        }
    }
    // The headers a proxy or browser sets, on a sample of reads and writes.
    let evil = format!("127.0.0.1:{port}");
    for path in ["/api/v1/me", "/api/v1/cases", "/", "/health"] {
        for (name, value) in [
            ("host", evil.clone()),
            ("x-forwarded-host", evil.clone()),
            ("referer", format!("http://{evil}/")),
            ("origin", format!("http://{evil}")),
        ] {
            let res = app
                .client
                .get(app.url(path))
                .bearer_auth(&f.team.admin)
                .header(name, value)
                .header("accept", "text/html, application/json")
                .send()
                .await
                .expect("request");
            assert!(res.status().as_u16() < 500, "{path} with {name}");
            sent += 1;
        }
    }
    // Links in mail and feeds are built from server.public_url, whatever host was asked.
    app.create_user("linked@test.org", "lawyer", crate::helpers::USER_PASSWORD)
        .await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/password-reset"))
        .header("host", &evil)
        .header("x-forwarded-host", &evil)
        .json(&json!({"email": "linked@test.org"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status(), 202);
    let mail = app
        .inbox
        .wait_for(1)
        .await
        .into_iter()
        .find(|m| m.to.iter().any(|t| t.contains("linked@test.org")))
        .expect("the reset mail");
    assert!(!reset_link_token(&mail.raw).is_empty());
    assert!(
        !mail.raw.contains(&evil),
        "the mail links to the asked host"
    );
    let feed = app
        .client
        .post(app.url("/api/v1/me/calendar-token"))
        .bearer_auth(&f.team.lawyer)
        .header("host", &evil)
        .header("x-forwarded-host", &evil)
        .json(&json!({}))
        .send()
        .await
        .expect("feed");
    let url = body(feed, 200).await["url"]
        .as_str()
        .expect("url")
        .to_string();
    assert!(url.starts_with("https://tracker.test/calendar/"), "{url}");
    assert!(sent > 400, "only {sent} requests named the listener");
    // Whatever the service does later with what it stored (the reminder worker included).
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "the service connected to a URL a request named"
    );
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
