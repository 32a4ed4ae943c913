//! Response headers that keep personal data out of caches and browsers from guessing types:
//! `Cache-Control: no-store` on every API and calendar-feed response a handler leaves without
//! its own, and `X-Content-Type-Options: nosniff` on every response.

use reqwest::Response;
use serde_json::json;

use crate::both;
use crate::helpers::{body, client_body, create_case, create_client, id, TestApp};

both!(api_responses_are_never_stored, every_response_is_nosniff);

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_string()
}

/// Asserts `res` has `status` and `Cache-Control: no-store`.
fn not_stored(res: &Response, status: u16, what: &str) {
    assert_eq!(res.status().as_u16(), status, "{what}");
    assert_eq!(header(res, "cache-control"), "no-store", "{what}");
}

async fn get_anon(app: &TestApp, path: &str, accept: &str) -> Response {
    app.client
        .get(app.url(path))
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

async fn api_responses_are_never_stored(app: TestApp) {
    let login = app.login("admin@test.org", "wrong password entirely").await;
    not_stored(&login, 401, "a refused sign-in");
    let admin = app.admin_token().await;
    let tokens = app
        .post_anon(
            "/api/v1/auth/login",
            &json!({"email": "admin@test.org", "password": crate::helpers::ADMIN_PASSWORD}),
        )
        .await;
    not_stored(&tokens, 200, "sign-in tokens");
    let client = create_client(&app, &admin, &client_body("Nadia", "Rahimi")).await;
    let case = create_case(&app, &admin, &id(&client), json!({})).await;
    for (path, what) in [
        (format!("/api/v1/clients/{}", id(&client)), "a client"),
        (format!("/api/v1/cases/{}", id(&case)), "a case"),
        ("/api/v1/clients".to_string(), "the client list"),
        ("/api/v1/me".to_string(), "the caller"),
    ] {
        not_stored(&app.get(&path, &admin).await, 200, what);
    }
    let created = app
        .post("/api/v1/clients", &admin, &client_body("Omid", "Karimi"))
        .await;
    not_stored(&created, 201, "a created client");
    let feed = app
        .post("/api/v1/me/calendar-token", &admin, &json!({}))
        .await;
    not_stored(&feed, 200, "a feed address");
    // Errors too: they may echo what was asked for.
    not_stored(
        &app.get("/api/v1/clients/no-such-client", &admin).await,
        404,
        "an unknown client",
    );
    not_stored(
        &get_anon(&app, "/api/v1/me", "application/json").await,
        401,
        "no token",
    );
    not_stored(
        &app.get("/api/v1/no-such-route", &admin).await,
        404,
        "an unknown route",
    );
    not_stored(
        &app.post("/api/v1/clients", &admin, &json!({})).await,
        422,
        "invalid input",
    );
    not_stored(
        &app.get("/api/v1/clients/a%00b", &admin).await,
        404,
        "a control character in the path",
    );
    not_stored(
        &get_anon(&app, "/calendar/no-such-token.ics", "text/calendar").await,
        404,
        "an unknown feed",
    );
    // A handler's own policy stands: the feed is private and revalidated, the web client's files
    // are revalidated on every load.
    let url = body(feed, 200).await["url"].as_str().unwrap().to_string();
    let path = url.trim_start_matches("https://tracker.test");
    let res = get_anon(&app, path, "text/calendar").await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control"), "private, max-age=300");
    for (path, accept) in [("/assets/app.css", "text/css"), ("/cases", "text/html")] {
        let res = get_anon(&app, path, accept).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(header(&res, "cache-control"), "no-cache", "{path}");
    }
}

async fn every_response_is_nosniff(app: TestApp) {
    let admin = app.admin_token().await;
    let mut responses = vec![
        ("an API response", app.get("/api/v1/me", &admin).await, 200),
        (
            "a 404 problem",
            app.get("/api/v1/clients/no-such-client", &admin).await,
            404,
        ),
        (
            "a 401 problem",
            get_anon(&app, "/api/v1/me", "application/json").await,
            401,
        ),
    ];
    for (what, path, accept) in [
        ("a static asset", "/assets/js/main.js", "*/*"),
        ("an HTML page", "/", "text/html"),
        ("a page of the client", "/cases", "text/html"),
        ("an unknown asset", "/assets/nope.js", "*/*"),
        ("the health check", "/health", "application/json"),
    ] {
        let status = if what == "an unknown asset" { 404 } else { 200 };
        responses.push((what, get_anon(&app, path, accept).await, status));
    }
    for (what, res, status) in responses {
        assert_eq!(res.status().as_u16(), status, "{what}");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{what}");
    }
}
