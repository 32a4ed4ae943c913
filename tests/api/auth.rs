//! Sign-in, lockout, refresh rotation, logout, password reset and change.

use serde_json::json;

use crate::both;
use crate::helpers::{problem, TestApp, USER_PASSWORD};

both!(
    login_right_wrong_and_unknown,
    lockout_then_expiry,
    refresh_rotates_and_reuse_revokes_everything,
    refresh_refused_after_idle_and_max_lifetime,
    logout_ends_tokens,
    password_reset_end_to_end,
    password_reset_for_unknown_email_sends_nothing,
    change_password_keeps_this_session,
);

async fn login_right_wrong_and_unknown(app: TestApp) {
    app.create_user("Lena@Test.org", "lawyer", USER_PASSWORD)
        .await;
    // E-mail is matched case-insensitively.
    let ok = app.session("lena@test.ORG", USER_PASSWORD).await;
    assert_eq!(ok["token_type"], "Bearer");
    assert_eq!(ok["expires_in"], 900);
    assert_eq!(ok["user"]["email"], "lena@test.org");
    assert_eq!(ok["user"]["role"], "lawyer");
    assert!(ok["user"].get("password_hash").is_none());
    assert!(
        ok["refresh_token"].as_str().unwrap().len() >= 22,
        "at least 128 bits"
    );
    let me = app
        .get("/api/v1/me", ok["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me.status(), 200);

    let wrong = problem(
        app.login("lena@test.org", "Not the right password 1").await,
        401,
    )
    .await;
    let unknown = problem(app.login("nobody@test.org", USER_PASSWORD).await, 401).await;
    assert_eq!(
        wrong, unknown,
        "wrong password and unknown e-mail answer alike"
    );
}

async fn lockout_then_expiry(app: TestApp) {
    let id = app
        .create_user("lock@test.org", "caseworker", USER_PASSWORD)
        .await;
    for _ in 0..5 {
        problem(
            app.login("lock@test.org", "wrong password, wrong").await,
            401,
        )
        .await;
    }
    // Locked: even the right password gets 429 with Retry-After.
    let res = app.login("lock@test.org", USER_PASSWORD).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "retry-after {retry}");
    problem(res, 429).await;

    // Failures are audited.
    let admin = app.admin_token().await;
    let audit: serde_json::Value = app
        .get(
            &format!("/api/v1/audit?entity_type=user&entity_id={id}"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let failures = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "login_failed")
        .count();
    assert_eq!(failures, 5);

    // 15 minutes later the lock is gone.
    app.sql(format!(
        "UPDATE users SET locked_until = '2000-01-01 00:00:00' WHERE id = '{id}'"
    ))
    .await;
    assert_eq!(
        app.login("lock@test.org", USER_PASSWORD).await.status(),
        200
    );
}

async fn refresh_rotates_and_reuse_revokes_everything(app: TestApp) {
    app.create_user("rot@test.org", "lawyer", USER_PASSWORD)
        .await;
    let first = app.session("rot@test.org", USER_PASSWORD).await;
    let other_device = app.session("rot@test.org", USER_PASSWORD).await;
    let r1 = first["refresh_token"].as_str().unwrap();

    let res = app
        .post_anon("/api/v1/auth/refresh", &json!({"refresh_token": r1}))
        .await;
    assert_eq!(res.status(), 200);
    let second: serde_json::Value = res.json().await.unwrap();
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2, "rotated");
    let a2 = second["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", a2).await.status(), 200);

    // Presenting the used token again is theft: every session and access token of the user ends.
    problem(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": r1}))
            .await,
        401,
    )
    .await;
    problem(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": r2}))
            .await,
        401,
    )
    .await;
    let other = other_device["refresh_token"].as_str().unwrap();
    problem(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": other}))
            .await,
        401,
    )
    .await;
    problem(app.get("/api/v1/me", a2).await, 401).await;
    problem(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": "made-up"}))
            .await,
        401,
    )
    .await;
}

async fn refresh_refused_after_idle_and_max_lifetime(app: TestApp) {
    app.create_user("idle@test.org", "lawyer", USER_PASSWORD)
        .await;
    let s = app.session("idle@test.org", USER_PASSWORD).await;
    let token = s["refresh_token"].as_str().unwrap();
    // Unused for longer than auth.session_idle_minutes (30).
    let idle = (chrono::Utc::now() - chrono::Duration::minutes(31)).format("%Y-%m-%d %H:%M:%S");
    app.sql(format!("UPDATE sessions SET last_used_at = '{idle}'"))
        .await;
    problem(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": token}))
            .await,
        401,
    )
    .await;

    let s = app.session("idle@test.org", USER_PASSWORD).await;
    let token = s["refresh_token"].as_str().unwrap();
    // Active, but signed in longer ago than auth.session_max_hours (12).
    let old = (chrono::Utc::now() - chrono::Duration::hours(13)).format("%Y-%m-%d %H:%M:%S");
    app.sql(format!(
        "UPDATE sessions SET signed_in_at = '{old}' WHERE revoked_at IS NULL AND used_at IS NULL"
    ))
    .await;
    problem(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": token}))
            .await,
        401,
    )
    .await;
}

async fn logout_ends_tokens(app: TestApp) {
    app.create_user("out@test.org", "caseworker", USER_PASSWORD)
        .await;
    let s = app.session("out@test.org", USER_PASSWORD).await;
    let access = s["access_token"].as_str().unwrap();
    let res = app.post("/api/v1/auth/logout", access, &json!({})).await;
    assert_eq!(res.status(), 204);
    problem(app.get("/api/v1/me", access).await, 401).await;
    let refresh = s["refresh_token"].as_str().unwrap();
    problem(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await,
        401,
    )
    .await;
    problem(
        app.client
            .post(app.url("/api/v1/auth/logout"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
}

pub fn reset_token(raw: &str) -> String {
    // Quoted-printable may fold long lines ("=\r\n") and encode '=' as "=3D".
    let unfolded = raw.replace("=\r\n", "").replace("=3D", "=");
    let start = unfolded
        .find("https://tracker.test/reset-password?token=")
        .expect("link in mail");
    unfolded[start + "https://tracker.test/reset-password?token=".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn password_reset_end_to_end(app: TestApp) {
    app.create_user("reset@test.org", "lawyer", USER_PASSWORD)
        .await;
    let before = app.session("reset@test.org", USER_PASSWORD).await;
    let res = app
        .post_anon(
            "/api/v1/auth/password-reset",
            &json!({"email": "reset@test.org"}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let mails = app.inbox.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["reset@test.org".to_string()]);
    let token = reset_token(&mails[0].raw);
    assert!(token.len() >= 22);

    let new_password = "Fresh orchard ladder 2026 blue";
    let weak = app
        .post_anon(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "new_password": "password123"}),
        )
        .await;
    assert_eq!(
        problem(weak, 422).await["errors"][0]["field"],
        "new_password"
    );
    let ok = app
        .post_anon(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "new_password": new_password}),
        )
        .await;
    assert_eq!(ok.status(), 204);
    // The link works once.
    let again = app
        .post_anon(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "new_password": "Another fine passphrase 99"}),
        )
        .await;
    assert_eq!(problem(again, 422).await["errors"][0]["field"], "token");
    // Old password out, new one in, old sessions ended.
    problem(app.login("reset@test.org", USER_PASSWORD).await, 401).await;
    assert_eq!(
        app.login("reset@test.org", new_password).await.status(),
        200
    );
    problem(
        app.get("/api/v1/me", before["access_token"].as_str().unwrap())
            .await,
        401,
    )
    .await;
    let old_refresh = before["refresh_token"].as_str().unwrap();
    problem(
        app.post_anon(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": old_refresh}),
        )
        .await,
        401,
    )
    .await;
}

async fn password_reset_for_unknown_email_sends_nothing(app: TestApp) {
    let res = app
        .post_anon(
            "/api/v1/auth/password-reset",
            &json!({"email": "ghost@test.org"}),
        )
        .await;
    assert_eq!(res.status(), 202);
    // A known address afterwards does get its mail, so the inbox works and the first sent nothing.
    app.create_user("real@test.org", "lawyer", USER_PASSWORD)
        .await;
    app.post_anon(
        "/api/v1/auth/password-reset",
        &json!({"email": "real@test.org"}),
    )
    .await;
    let mails = app.inbox.wait_for(1).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails_after = app.inbox.messages();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails_after.len(), 1);
    assert_eq!(mails_after[0].to, vec!["real@test.org".to_string()]);
}

async fn change_password_keeps_this_session(app: TestApp) {
    app.create_user("chg@test.org", "caseworker", USER_PASSWORD)
        .await;
    let s = app.session("chg@test.org", USER_PASSWORD).await;
    let access = s["access_token"].as_str().unwrap();
    let wrong = app
        .post("/api/v1/me/password", access, &json!({"current_password": "not it at all 123", "new_password": "Brand new passphrase river 8"}))
        .await;
    assert_eq!(
        problem(wrong, 422).await["errors"][0]["field"],
        "current_password"
    );
    let weak = app
        .post(
            "/api/v1/me/password",
            access,
            &json!({"current_password": USER_PASSWORD, "new_password": "aaaaaaaaaaaa"}),
        )
        .await;
    assert_eq!(
        problem(weak, 422).await["errors"][0]["field"],
        "new_password"
    );
    let ok = app
        .post("/api/v1/me/password", access, &json!({"current_password": USER_PASSWORD, "new_password": "Brand new passphrase river 8"}))
        .await;
    assert_eq!(ok.status(), 204);
    // The session the change was made from goes on (tests/api/sessions.rs: the others end).
    assert_eq!(app.get("/api/v1/me", access).await.status(), 200);
    let refresh = s["refresh_token"].as_str().unwrap();
    assert_eq!(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await
            .status(),
        200
    );
    // The old password is out, the new one in.
    problem(app.login("chg@test.org", USER_PASSWORD).await, 401).await;
    assert_eq!(
        app.login("chg@test.org", "Brand new passphrase river 8")
            .await
            .status(),
        200
    );
}
