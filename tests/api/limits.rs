//! Per-client-address limits on sign-in, refresh and password reset: 429 problem+json with
//! Retry-After; the trusted proxy header only when configured.

use serde_json::{json, Value};

use crate::each_backend;
use crate::helpers::{problem, spawn_app_with, Backend, TestApp};

each_backend!(
    the_31st_sign_in_a_minute_from_one_address_is_refused,
    behind_a_trusted_proxy_each_client_address_counts_alone,
    an_unconfigured_proxy_header_is_ignored,
    refresh_is_limited_per_address,
    password_reset_and_its_confirm_are_limited_per_address,
);

const LOGIN: &str = "/api/v1/auth/login";

/// `n` requests at once (quick, so that no slot refills meanwhile), the `i`th with the headers
/// `headers(i)`; their statuses in order.
async fn burst(
    app: &TestApp,
    path: &str,
    body: &Value,
    n: usize,
    headers: impl Fn(usize) -> Vec<(&'static str, String)>,
) -> Vec<u16> {
    let requests = (0..n).map(|i| {
        let mut req = app.client.post(app.url(path)).json(body);
        for (name, value) in headers(i) {
            req = req.header(name, value);
        }
        req.send()
    });
    futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.expect("request").status().as_u16())
        .collect()
}

fn none(_: usize) -> Vec<(&'static str, String)> {
    Vec::new()
}

async fn post(
    app: &TestApp,
    path: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).json(body);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.expect("request")
}

/// A refusal by the limiter: 429, our problem type, a whole number of seconds to wait.
async fn limited(res: reqwest::Response) {
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    let body = problem(res, 429).await;
    assert_eq!(body["type"], "urn:asylum-tracker:problem:too-many-attempts");
}

/// An unknown e-mail: no account is locked, so only the address limit can refuse.
fn wrong_sign_in() -> Value {
    json!({"email": "nobody@test.org", "password": "not a password at all"})
}

/// A malformed sign-in (422): it counts too, since the limit stands before the body is read,
/// and it costs no password hashing, so a burst of them is quick.
fn malformed() -> Value {
    json!({})
}

async fn the_31st_sign_in_a_minute_from_one_address_is_refused(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.sign_in_per_minute = 30).await;
    let statuses = burst(&app, LOGIN, &malformed(), 29, none).await;
    assert_eq!(statuses, vec![422; 29]);
    assert_eq!(post(&app, LOGIN, &wrong_sign_in(), &[]).await.status(), 401);
    limited(post(&app, LOGIN, &wrong_sign_in(), &[]).await).await;
    // Other limits keep their own counts.
    let reset = post(
        &app,
        "/api/v1/auth/password-reset",
        &json!({"email": "nobody@test.org"}),
        &[],
    )
    .await;
    assert_eq!(reset.status(), 202);
}

async fn behind_a_trusted_proxy_each_client_address_counts_alone(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.limits.sign_in_per_minute = 30;
        s.server.trusted_proxy_header = Some("X-Forwarded-For".to_string());
    })
    .await;
    // The proxy appends the address it saw: the right-most entry. What the client wrote to its
    // left (here a new address each time) changes nothing.
    let statuses = burst(&app, LOGIN, &malformed(), 30, |i| {
        vec![("X-Forwarded-For", format!("10.9.8.{i}, 198.51.100.1"))]
    })
    .await;
    assert_eq!(statuses, vec![422; 30]);
    let same = [("X-Forwarded-For", "10.9.9.9, 198.51.100.1")];
    limited(post(&app, LOGIN, &wrong_sign_in(), &same).await).await;
    // Another client behind the same proxy is not held up, nor is the one the left entry named.
    let other = [("X-Forwarded-For", "198.51.100.1, 198.51.100.2")];
    assert_eq!(
        post(&app, LOGIN, &wrong_sign_in(), &other).await.status(),
        401
    );
    // Several header lines are one list: the last line's last entry counts.
    let res = app
        .client
        .post(app.url(LOGIN))
        .json(&wrong_sign_in())
        .header("X-Forwarded-For", "198.51.100.1")
        .header("X-Forwarded-For", "198.51.100.3")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // IPv6 clients count by their /64.
    let statuses = burst(&app, LOGIN, &malformed(), 30, |i| {
        vec![("X-Forwarded-For", format!("2001:db8:1:2::{i:x}"))]
    })
    .await;
    assert_eq!(statuses, vec![422; 30]);
    let same_64 = [("X-Forwarded-For", "2001:db8:1:2:ffff::1")];
    limited(post(&app, LOGIN, &wrong_sign_in(), &same_64).await).await;
}

async fn an_unconfigured_proxy_header_is_ignored(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.sign_in_per_minute = 30).await;
    let statuses = burst(&app, LOGIN, &malformed(), 30, |i| {
        vec![("X-Forwarded-For", format!("198.51.100.{i}"))]
    })
    .await;
    assert_eq!(statuses, vec![422; 30]);
    let fresh = [("X-Forwarded-For", "203.0.113.77")];
    limited(post(&app, LOGIN, &wrong_sign_in(), &fresh).await).await;
}

async fn refresh_is_limited_per_address(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.refresh_per_minute = 5).await;
    let body = json!({"refresh_token": "not-a-token"});
    let statuses = burst(&app, "/api/v1/auth/refresh", &body, 5, none).await;
    assert_eq!(statuses, vec![401; 5]);
    limited(post(&app, "/api/v1/auth/refresh", &body, &[]).await).await;
    // Sign-in is not refresh: still answered.
    assert_eq!(post(&app, LOGIN, &wrong_sign_in(), &[]).await.status(), 401);
}

async fn password_reset_and_its_confirm_are_limited_per_address(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.password_reset_per_minute = 3).await;
    let ask = json!({"email": "nobody@test.org"});
    let statuses = burst(&app, "/api/v1/auth/password-reset", &ask, 3, none).await;
    assert_eq!(statuses, vec![202; 3]);
    limited(post(&app, "/api/v1/auth/password-reset", &ask, &[]).await).await;

    let confirm = json!({"token": "not-a-token", "new_password": "Fresh orchard ladder 2026 blue"});
    let path = "/api/v1/auth/password-reset/confirm";
    let statuses = burst(&app, path, &confirm, 3, none).await;
    assert_eq!(statuses, vec![422; 3]);
    limited(post(&app, path, &confirm, &[]).await).await;
}
