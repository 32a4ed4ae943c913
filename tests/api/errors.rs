//! What the framework itself would answer, answered as problem+json: bad JSON, wrong content
//! type, unknown route, oversized body, bad query parameters; and the operations endpoints.

use serde_json::json;

use crate::both;
use crate::helpers::{client_body, error_fields, problem, TestApp};

both!(
    framework_errors_are_problems,
    health_and_ready,
    control_characters_are_refused_before_any_query
);

async fn framework_errors_are_problems(app: TestApp) {
    let admin = app.admin_token().await;
    let login = app.url("/api/v1/auth/login");
    let bad_json = app
        .client
        .post(&login)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    problem(bad_json, 400).await;
    let not_json = app
        .client
        .post(&login)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    problem(not_json, 415).await;
    let no_type = app.client.post(&login).body("{}").send().await.unwrap();
    problem(no_type, 415).await;
    let p = problem(
        app.client
            .get(app.url("/api/v1/nothing-here"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    assert_eq!(p["type"], "urn:asylum-tracker:problem:no-route");
    problem(
        app.client.get(app.url("/nothing")).send().await.unwrap(),
        404,
    )
    .await;

    let big = "x".repeat(300 * 1024);
    let res = app
        .post("/api/v1/users", &admin, &json!({"email": big}))
        .await;
    problem(res, 413).await;

    problem(app.get("/api/v1/users?limit=abc", &admin).await, 400).await;
    let p = problem(app.get("/api/v1/users?limit=0", &admin).await, 422).await;
    assert_eq!(error_fields(&p), vec!["limit"]);
    let p = problem(app.get("/api/v1/users?limit=201", &admin).await, 422).await;
    assert_eq!(error_fields(&p), vec!["limit"]);
    let p = problem(app.get("/api/v1/users?cursor=forged", &admin).await, 422).await;
    assert_eq!(error_fields(&p), vec!["cursor"]);
    problem(app.get("/api/v1/users/no-such-id", &admin).await, 404).await;
    // An empty body where an object is expected, and JSON of the wrong shape.
    let empty = app
        .client
        .post(&login)
        .header("content-type", "application/json")
        .body("")
        .send()
        .await
        .unwrap();
    problem(empty, 400).await;
    let array = app.post_anon("/api/v1/auth/login", &json!([1, 2])).await;
    problem(array, 422).await;
    // Every response carries a request id.
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    assert!(res.headers().contains_key("x-request-id"));
}

async fn health_and_ready(app: TestApp) {
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "ok"})
    );
    let res = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

/// NUL (which PostgreSQL cannot store: it answered 500) and other control characters: 422 in a
/// body naming the field, 400 in a query, 404 in a path; nothing written. Newlines and tabs in
/// free text stay allowed.
async fn control_characters_are_refused_before_any_query(app: TestApp) {
    let admin = app.admin_token().await;
    let p = problem(
        app.post_anon(
            "/api/v1/auth/login",
            &json!({"email": "a\u{0}@example.org", "password": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["email"]);
    let mut body = client_body("Ana\u{0}", "Lopez\u{7}");
    body["address"] = json!("1 Main St\nApt 2\tback");
    let p = problem(app.post("/api/v1/clients", &admin, &body).await, 422).await;
    assert_eq!(error_fields(&p), vec!["family_name", "given_name"]);
    let list: serde_json::Value = app
        .get("/api/v1/clients", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]), "nothing was written");
    let res = app
        .post("/api/v1/clients/search", &admin, &json!({"q": "\u{0}"}))
        .await;
    problem(res, 422).await;
    problem(app.get("/api/v1/cases?status=%00", &admin).await, 400).await;
    problem(app.get("/api/v1/clients/%00", &admin).await, 404).await;
    // Line breaks and tabs in free text are fine.
    body["given_name"] = json!("Ana");
    body["family_name"] = json!("Lopez");
    assert_eq!(
        app.post("/api/v1/clients", &admin, &body).await.status(),
        201
    );
}
