//! OWASP API5 broken function-level authorisation, beyond the matrix (`matrix`: every admin
//! operation refused to lawyers and caseworkers, 403): the document's own words ("Admins only.")
//! and the matrix's admin rows name the same operations; every admin operation is refused to an
//! admin demoted to lawyer (401 for the old token, 403 for a new one), to a deactivated admin,
//! and, where a second factor is required, to an admin who has not enrolled one; and no method
//! override, path spelling, other API version or debug path reaches a function another way.

use reqwest::Method;
use serde_json::json;

use super::doc;
use super::matrix::{concrete, concrete_body, fixture, send, Who, ROWS};
use crate::helpers::{body, problem, spawn_app_with, user_id, Backend, TestApp, ADMIN_PASSWORD};
use crate::{both, each_backend};

both!(
    the_document_and_the_matrix_agree_on_admin_only,
    admin_functions_refuse_a_demoted_or_deactivated_admin,
    no_method_override_path_spelling_or_other_version_reaches_a_function,
);
each_backend!(an_admin_without_a_second_factor_reaches_no_admin_function);

fn admin_rows() -> Vec<(&'static str, &'static str, &'static str)> {
    ROWS.iter()
        .filter(|r| r.2 == Who::Admin)
        .map(|r| (r.0, r.1, r.3))
        .collect()
}

async fn the_document_and_the_matrix_agree_on_admin_only(app: TestApp) {
    let document = doc::document(&app).await;
    let mut said = Vec::new();
    for o in doc::operations(&document) {
        let text = o.op["description"].as_str().unwrap_or_default().to_string()
            + o.op["summary"].as_str().unwrap_or_default();
        if text.contains("Admins only") {
            said.push((o.method.clone(), o.path.clone()));
        }
    }
    said.sort();
    let mut tabled: Vec<(String, String)> = admin_rows()
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    tabled.sort();
    assert_eq!(
        said, tabled,
        "\"Admins only.\" in the document vs the matrix's admin rows"
    );
    assert!(tabled.len() >= 10, "only {} admin operations", tabled.len());
}

/// Sends every admin row as `token` and asserts `status` (and nothing let through).
async fn every_admin_row(
    app: &TestApp,
    f: &super::matrix::Fixture,
    token: &str,
    status: u16,
    what: &str,
) {
    for (method, template, text) in admin_rows() {
        let path = concrete(f, template, false);
        let (got, b) = send(app, method, &path, Some(token), &concrete_body(f, text)).await;
        assert_eq!(got, status, "{method} {template} as {what}: {b}");
    }
}

async fn admin_functions_refuse_a_demoted_or_deactivated_admin(app: TestApp) {
    let f = fixture(&app).await;
    let admin = &f.team.admin;
    let demoted = app.token_for("demoted@test.org", "admin").await;
    let demoted_id = user_id(&app, &demoted).await;
    let role = json!({"role": "lawyer"});
    body(
        app.patch(&format!("/api/v1/users/{demoted_id}"), admin, &role)
            .await,
        200,
    )
    .await;
    every_admin_row(&app, &f, &demoted, 401, "a demoted admin's old token").await;
    let fresh = app.session("demoted@test.org", ADMIN_PASSWORD).await;
    let fresh = fresh["access_token"].as_str().expect("token").to_string();
    every_admin_row(&app, &f, &fresh, 403, "a demoted admin").await;
    let gone = app.token_for("gone-admin@test.org", "admin").await;
    let gone_id = user_id(&app, &gone).await;
    let off = json!({"active": false});
    body(
        app.patch(&format!("/api/v1/users/{gone_id}"), admin, &off)
            .await,
        200,
    )
    .await;
    every_admin_row(&app, &f, &gone, 401, "a deactivated admin").await;
}

/// With `auth.mfa = "required"`, an admin who has not enrolled gets 403
/// `mfa-enrolment-required` from every admin operation (and every other one outside their own
/// account), until the enrolment is confirmed.
async fn an_admin_without_a_second_factor_reaches_no_admin_function(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.auth.mfa = asylum_tracker::config::MfaMode::Required;
    })
    .await;
    let admin = app.admin_token().await;
    for (method, template, text) in admin_rows() {
        let path = template.replace("{id}", &uuid::Uuid::new_v4().to_string());
        let b = (!text.is_empty()).then(|| serde_json::from_str(text).expect("row body"));
        let (status, got) = send(&app, method, &path, Some(&admin), &b).await;
        assert_eq!(status, 403, "{method} {template}: {got}");
        assert_eq!(
            got["type"],
            "urn:asylum-tracker:problem:mfa-enrolment-required"
        );
    }
    crate::helpers::enrol_totp(&app, &admin).await;
    body(app.get("/api/v1/users", &admin).await, 200).await;
}

/// A lawyer reaches no admin function by another method (HEAD, a method-override header), by
/// another spelling of the path (case, doubled or trailing slashes, dot segments, percent
/// escapes, matrix parameters), through another API version or a debug path.
async fn no_method_override_path_spelling_or_other_version_reaches_a_function(app: TestApp) {
    let lawyer = app.token_for("tricks@test.org", "lawyer").await;
    let admin = app.admin_token().await;
    let send_as = |method: Method, path: &str, token: &str| {
        app.client
            .request(method, app.url(path))
            .bearer_auth(token)
            .header("accept", "application/json")
    };
    // HEAD of an admin list, and method overrides on a read a lawyer may make.
    let res = send_as(Method::HEAD, "/api/v1/users", &lawyer)
        .send()
        .await
        .expect("head");
    assert!(
        !res.status().is_success(),
        "HEAD /api/v1/users: {}",
        res.status()
    );
    for header in [
        "x-http-method-override",
        "x-http-method",
        "x-method-override",
    ] {
        let res = send_as(Method::GET, "/api/v1/me", &lawyer)
            .header(header, "DELETE")
            .send()
            .await
            .expect("override");
        assert_eq!(res.status(), 200, "{header}: read as what it is");
        let res = send_as(Method::POST, "/api/v1/users/directory", &lawyer)
            .header(header, "GET")
            .json(&json!({}))
            .send()
            .await
            .expect("override");
        assert_eq!(res.status(), 405, "{header}: POST stays POST");
    }
    let users_before = body(app.get("/api/v1/users?limit=200", &admin).await, 200).await;
    for path in [
        "/API/v1/users",
        "/api/V1/users",
        "/api/v1//users",
        "/api//v1/users",
        "/api/v1/users/",
        "/api/v1/./users",
        "/api/v1/x/../users",
        "/api/v1/%75sers",
        "/api/v1/users%2F",
        "/api/v1/users;x=1",
        "/api/v1/users%00",
        "/api/v1/audit/",
        "/api/v1/reminders/.",
        "/api/v2/users",
        "/api/v0/users",
        "/api/users",
        "/api/v1/debug",
        "/api/v1/admin",
        "/debug",
        "/metrics",
        "/actuator/health",
        "/.env",
        "/.git/config",
        "/swagger-ui/",
        "/api/v1/swagger.json",
    ] {
        for method in [Method::GET, Method::POST] {
            let res = send_as(method.clone(), path, &lawyer)
                .json(&json!({"email": "x@test.org", "name": "X", "role": "admin",
                              "password": "Quiet orchards beneath winter 9"}))
                .send()
                .await
                .expect("request");
            let status = res.status().as_u16();
            assert!(
                matches!(status, 400 | 403 | 404 | 405),
                "{method} {path} as a lawyer: {status}"
            );
            let ct = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            assert_eq!(ct, "application/problem+json", "{method} {path}");
        }
    }
    let users_after = body(app.get("/api/v1/users?limit=200", &admin).await, 200).await;
    assert_eq!(users_before, users_after, "no account was made");
    // A browser asking for one of those paths gets the web client's page, never a file.
    let res = app
        .client
        .get(app.url("/.env"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    let page = res.text().await.expect("page text");
    assert!(
        page.to_lowercase().contains("<!doctype html"),
        "the client page"
    );
    problem(
        send_as(Method::GET, "/api/v1/users", &lawyer)
            .send()
            .await
            .expect("users"),
        403,
    )
    .await;
}
