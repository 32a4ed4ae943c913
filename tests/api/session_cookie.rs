//! Cookie session mode (`X-Asylum-Session: cookie`): the refresh token in an HttpOnly cookie,
//! the CSRF refusal of a cookie without the header, and JSON mode left as it was.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{body, problem, spawn_app_with, TestApp, USER_PASSWORD};

both!(
    cookie_login_sets_the_cookie_and_keeps_the_token_out_of_the_body,
    cookie_refresh_rotates_and_a_reused_cookie_is_401_and_cleared,
    a_cookie_without_the_header_is_refused_as_csrf,
    logout_in_cookie_mode_clears_the_cookie,
    json_mode_is_unchanged,
);

const HEADER: &str = "X-Asylum-Session";

async fn cookie_login(app: &TestApp, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header(HEADER, "cookie")
        .json(&json!({"email": email, "password": USER_PASSWORD}))
        .send()
        .await
        .unwrap()
}

/// The one `asylum_refresh` Set-Cookie line of a response.
fn set_cookie(res: &reqwest::Response) -> String {
    let lines: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .filter(|v| v.starts_with("asylum_refresh="))
        .collect();
    assert_eq!(lines.len(), 1, "one asylum_refresh cookie: {lines:?}");
    lines[0].clone()
}

/// The cookie's value (what a browser would send back).
fn value_of(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("asylum_refresh=")
        .to_string()
}

fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_string())
        .collect()
}

async fn refresh_with(app: &TestApp, cookie: Option<&str>, header: bool) -> reqwest::Response {
    let mut req = app.client.post(app.url("/api/v1/auth/refresh"));
    if let Some(c) = cookie {
        req = req.header("cookie", format!("asylum_refresh={c}"));
    }
    if header {
        req = req.header(HEADER, "cookie");
    }
    req.send().await.unwrap()
}

fn no_store(res: &reqwest::Response) {
    assert_eq!(res.headers()["cache-control"], "no-store");
}

async fn cookie_login_sets_the_cookie_and_keeps_the_token_out_of_the_body(app: TestApp) {
    app.create_user("c@test.org", "lawyer", USER_PASSWORD).await;
    let res = cookie_login(&app, "c@test.org").await;
    assert_eq!(res.status(), 200);
    no_store(&res);
    let line = set_cookie(&res);
    let attrs = attributes(&line);
    assert!(!value_of(&line).is_empty());
    for want in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth", "Secure"] {
        assert!(attrs.iter().any(|a| a == want), "{want} in {line}");
    }
    let max_age = format!("Max-Age={}", app.settings.auth.session_max_hours * 3600);
    assert!(attrs.contains(&max_age), "{max_age} in {line}");
    let pair: Value = res.json().await.unwrap();
    assert!(pair.get("refresh_token").is_none(), "no token in {pair}");
    assert!(pair["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["user"]["email"], "c@test.org");

    // Behind plain http the cookie is not Secure (a browser would drop it otherwise).
    let plain = spawn_app_with(app.backend, |s| {
        s.server.public_url = "http://127.0.0.1:8080".to_string()
    })
    .await;
    plain
        .create_user("c@test.org", "lawyer", USER_PASSWORD)
        .await;
    let res = cookie_login(&plain, "c@test.org").await;
    assert_eq!(res.status(), 200);
    assert!(!attributes(&set_cookie(&res)).iter().any(|a| a == "Secure"));
    // An unknown mode is refused, not read as JSON mode.
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header(HEADER, "json")
        .json(&json!({"email": "c@test.org", "password": USER_PASSWORD}))
        .send()
        .await
        .unwrap();
    problem(res, 400).await;
}

async fn cookie_refresh_rotates_and_a_reused_cookie_is_401_and_cleared(app: TestApp) {
    app.create_user("r@test.org", "caseworker", USER_PASSWORD)
        .await;
    let first = value_of(&set_cookie(&cookie_login(&app, "r@test.org").await));
    // An empty body and `{}` both do.
    let res = refresh_with(&app, Some(&first), true).await;
    assert_eq!(res.status(), 200);
    no_store(&res);
    let second = value_of(&set_cookie(&res));
    assert_ne!(first, second);
    let pair: Value = res.json().await.unwrap();
    assert!(pair.get("refresh_token").is_none());
    let access = pair["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/v1/me", &access).await.status(), 200);
    let res = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header(HEADER, "cookie")
        .header("cookie", format!("asylum_refresh={second}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let third = value_of(&set_cookie(&res));

    // The used cookie again: 401, the cookie cleared, and (reuse) every session of the user ends.
    let res = refresh_with(&app, Some(&first), true).await;
    let line = set_cookie(&res);
    assert_eq!(value_of(&line), "");
    assert!(
        attributes(&line).contains(&"Max-Age=0".to_string()),
        "{line}"
    );
    assert!(attributes(&line).contains(&"Path=/api/v1/auth".to_string()));
    problem(res, 401).await;
    problem(refresh_with(&app, Some(&third), true).await, 401).await;
    // No cookie at all in cookie mode: 401 with a clearing cookie too.
    let res = refresh_with(&app, None, true).await;
    assert_eq!(value_of(&set_cookie(&res)), "");
    problem(res, 401).await;
}

async fn a_cookie_without_the_header_is_refused_as_csrf(app: TestApp) {
    app.create_user("x@test.org", "lawyer", USER_PASSWORD).await;
    let cookie = value_of(&set_cookie(&cookie_login(&app, "x@test.org").await));
    let res = refresh_with(&app, Some(&cookie), false).await;
    let p = problem(res, 403).await;
    assert_eq!(p["type"], "urn:asylum-tracker:problem:csrf-header-required");
    let res = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", format!("asylum_refresh={cookie}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 403).await["type"], p["type"]);
    // The refusal did not spend the token: with the header it still works.
    assert_eq!(refresh_with(&app, Some(&cookie), true).await.status(), 200);
}

async fn logout_in_cookie_mode_clears_the_cookie(app: TestApp) {
    app.create_user("o@test.org", "lawyer", USER_PASSWORD).await;
    let res = cookie_login(&app, "o@test.org").await;
    let cookie = value_of(&set_cookie(&res));
    let access = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&access)
        .header(HEADER, "cookie")
        .header("cookie", format!("asylum_refresh={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let line = set_cookie(&res);
    assert_eq!(value_of(&line), "");
    assert!(attributes(&line).contains(&"Max-Age=0".to_string()));
    // The cookie a browser might still hold no longer works.
    problem(refresh_with(&app, Some(&cookie), true).await, 401).await;
    // Logout still needs the access token.
    let res = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header(HEADER, "cookie")
        .send()
        .await
        .unwrap();
    problem(res, 401).await;
}

async fn json_mode_is_unchanged(app: TestApp) {
    app.create_user("j@test.org", "lawyer", USER_PASSWORD).await;
    let res = app.login("j@test.org", USER_PASSWORD).await;
    assert!(res.headers().get("set-cookie").is_none());
    no_store(&res);
    let pair = body(res, 200).await;
    let refresh = pair["refresh_token"].as_str().unwrap();
    let res = app
        .post_anon("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
        .await;
    assert!(res.headers().get("set-cookie").is_none());
    let again = body(res, 200).await;
    assert!(again["refresh_token"]
        .as_str()
        .is_some_and(|t| t != refresh));
    // Without a token and without a cookie: 422 naming the field, as before.
    let p = problem(app.post_anon("/api/v1/auth/refresh", &json!({})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "refresh_token");
}
