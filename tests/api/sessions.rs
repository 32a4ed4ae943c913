//! The caller's sessions: one entry per sign-in (refreshes do not add any), exactly one
//! `current`; ending one cuts its refresh and access tokens at once; another user's session is
//! 404; a password change ends the other sessions and keeps the current one.

use asylum_tracker::config::MfaMode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::{both, each_backend};

both!(
    two_sign_ins_list_two_sessions_one_current,
    refreshes_keep_one_entry_per_sign_in,
    ending_the_other_session_cuts_it_at_once,
    ending_the_current_session_signs_it_out,
    a_peers_session_is_404_and_keeps_working,
    password_change_ends_the_other_sessions_only,
    unauthenticated_is_401,
);
each_backend!(an_account_yet_to_enrol_reaches_its_sessions);

const PATH: &str = "/api/v1/me/sessions";

fn access(pair: &Value) -> &str {
    pair["access_token"].as_str().expect("access token")
}

fn refresh_token(pair: &Value) -> &str {
    pair["refresh_token"].as_str().expect("refresh token")
}

/// A sign-in sending `user_agent`.
async fn session_from(app: &TestApp, email: &str, user_agent: &str) -> Value {
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("User-Agent", user_agent)
        .json(&json!({"email": email, "password": USER_PASSWORD}))
        .send()
        .await
        .expect("request");
    body(res, 200).await
}

async fn sessions(app: &TestApp, token: &str) -> Vec<Value> {
    let list = body(app.get(PATH, token).await, 200).await;
    assert!(list["next_cursor"].is_null());
    list["items"].as_array().expect("items").clone()
}

/// The id of the session `token` belongs to (the one listed as current), asserting that
/// exactly one is.
async fn current_id(app: &TestApp, token: &str) -> String {
    let current: Vec<Value> = sessions(app, token)
        .await
        .into_iter()
        .filter(|s| s["current"] == true)
        .collect();
    assert_eq!(current.len(), 1, "exactly one current session");
    id(&current[0])
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": token}))
        .await
}

async fn two_sign_ins_list_two_sessions_one_current(app: TestApp) {
    app.create_user("two@test.org", "lawyer", USER_PASSWORD)
        .await;
    let laptop = session_from(&app, "two@test.org", "Firefox/140.0 (laptop)").await;
    let long = format!("Phone/{}", "x".repeat(300));
    let phone = session_from(&app, "two@test.org", &long).await;
    let listed = sessions(&app, access(&laptop)).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let on_laptop = current_id(&app, access(&laptop)).await;
    let on_phone = current_id(&app, access(&phone)).await;
    assert_ne!(on_laptop, on_phone);
    for s in &listed {
        assert!(s["signed_in_at"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert!(s["last_used_at"].as_str().is_some());
        assert!(s.get("token_hash").is_none() && s.get("refresh_token").is_none());
        let ua = s["user_agent"].as_str().unwrap();
        if id(s) == on_laptop {
            assert_eq!(ua, "Firefox/140.0 (laptop)");
        } else {
            assert_eq!(ua.chars().count(), 200, "cut to 200 characters");
            assert!(long.starts_with(ua));
        }
    }
    // The newest sign-in first.
    assert_eq!(id(&listed[0]), on_phone);
}

async fn refreshes_keep_one_entry_per_sign_in(app: TestApp) {
    app.create_user("rot@test.org", "caseworker", USER_PASSWORD)
        .await;
    let first = app.session("rot@test.org", USER_PASSWORD).await;
    let other = app.session("rot@test.org", USER_PASSWORD).await;
    let before = current_id(&app, access(&first)).await;
    let mut pair = first;
    for _ in 0..3 {
        pair = body(refresh(&app, refresh_token(&pair)).await, 200).await;
    }
    let listed = sessions(&app, access(&pair)).await;
    assert_eq!(listed.len(), 2, "still one entry per sign-in: {listed:?}");
    assert_eq!(current_id(&app, access(&pair)).await, before, "a stable id");
    assert_ne!(current_id(&app, access(&other)).await, before);
}

async fn ending_the_other_session_cuts_it_at_once(app: TestApp) {
    let user = app
        .create_user("end@test.org", "lawyer", USER_PASSWORD)
        .await;
    let mine = app.session("end@test.org", USER_PASSWORD).await;
    let lost = app.session("end@test.org", USER_PASSWORD).await;
    let lost_id = current_id(&app, access(&lost)).await;
    let res = app
        .delete(&format!("{PATH}/{lost_id}"), access(&mine))
        .await;
    assert_eq!(res.status(), 204);
    // Its refresh token and its access token stop at once.
    problem(refresh(&app, refresh_token(&lost)).await, 401).await;
    problem(app.get("/api/v1/me", access(&lost)).await, 401).await;
    let listed = sessions(&app, access(&mine)).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["current"], true);
    // Ended once; again it is unknown.
    problem(
        app.delete(&format!("{PATH}/{lost_id}"), access(&mine))
            .await,
        404,
    )
    .await;
    // This session goes on.
    assert_eq!(app.get("/api/v1/me", access(&mine)).await.status(), 200);
    assert_eq!(refresh(&app, refresh_token(&mine)).await.status(), 200);
    let rows = audit_rows(&app, "user", &user).await;
    let ended: Vec<&Value> = rows
        .iter()
        .filter(|r| r["action"] == "session_ended")
        .collect();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["actor_id"], user.as_str());
    assert_eq!(ended[0]["changes"]["session_id"], lost_id.as_str());
    let text = ended[0].to_string();
    assert!(!text.contains(refresh_token(&lost)) && !text.contains(access(&lost)));
}

async fn ending_the_current_session_signs_it_out(app: TestApp) {
    app.create_user("self@test.org", "caseworker", USER_PASSWORD)
        .await;
    let here = app.session("self@test.org", USER_PASSWORD).await;
    let there = app.session("self@test.org", USER_PASSWORD).await;
    let here_id = current_id(&app, access(&here)).await;
    let res = app
        .delete(&format!("{PATH}/{here_id}"), access(&here))
        .await;
    assert_eq!(res.status(), 204);
    problem(app.get("/api/v1/me", access(&here)).await, 401).await;
    problem(refresh(&app, refresh_token(&here)).await, 401).await;
    // Only this one: the other goes on.
    assert_eq!(sessions(&app, access(&there)).await.len(), 1);
    assert_eq!(refresh(&app, refresh_token(&there)).await.status(), 200);
}

async fn a_peers_session_is_404_and_keeps_working(app: TestApp) {
    app.create_user("me@test.org", "lawyer", USER_PASSWORD)
        .await;
    app.create_user("peer@test.org", "lawyer", USER_PASSWORD)
        .await;
    let mine = app.session("me@test.org", USER_PASSWORD).await;
    let peer = app.session("peer@test.org", USER_PASSWORD).await;
    let peer_id = current_id(&app, access(&peer)).await;
    let theirs = problem(
        app.delete(&format!("{PATH}/{peer_id}"), access(&mine))
            .await,
        404,
    )
    .await;
    let unknown = format!("{PATH}/{}", uuid::Uuid::new_v4());
    let nobodys = problem(app.delete(&unknown, access(&mine)).await, 404).await;
    assert_eq!(theirs, nobodys, "a peer's session looks unknown");
    // The list shows the caller's own only.
    let listed = sessions(&app, access(&mine)).await;
    assert_eq!(listed.len(), 1);
    assert_ne!(id(&listed[0]), peer_id);
    // The peer's session still works.
    assert_eq!(app.get("/api/v1/me", access(&peer)).await.status(), 200);
    assert_eq!(refresh(&app, refresh_token(&peer)).await.status(), 200);
}

async fn password_change_ends_the_other_sessions_only(app: TestApp) {
    let user = app
        .create_user("pw@test.org", "caseworker", USER_PASSWORD)
        .await;
    let here = app.session("pw@test.org", USER_PASSWORD).await;
    let there = app.session("pw@test.org", USER_PASSWORD).await;
    let here_id = current_id(&app, access(&here)).await;
    let new_password = "Brand new passphrase river 8";
    let res = app
        .post(
            "/api/v1/me/password",
            access(&here),
            &json!({"current_password": USER_PASSWORD, "new_password": new_password}),
        )
        .await;
    assert_eq!(res.status(), 204);
    // The other session ends at once, both tokens.
    problem(refresh(&app, refresh_token(&there)).await, 401).await;
    problem(app.get("/api/v1/me", access(&there)).await, 401).await;
    // This one goes on: its access token, then its refresh token, then the new access token.
    assert_eq!(app.get("/api/v1/me", access(&here)).await.status(), 200);
    let renewed = body(refresh(&app, refresh_token(&here)).await, 200).await;
    assert_eq!(app.get("/api/v1/me", access(&renewed)).await.status(), 200);
    let listed = sessions(&app, access(&renewed)).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(id(&listed[0]), here_id);
    assert_eq!(listed[0]["current"], true);
    let rows = audit_rows(&app, "user", &user).await;
    let change = rows
        .iter()
        .find(|r| r["action"] == "password_change")
        .expect("audited");
    assert_eq!(change["changes"]["sessions_ended"], "others");
}

async fn unauthenticated_is_401(app: TestApp) {
    problem(anon(&app, "GET", PATH).await, 401).await;
    let one = format!("{PATH}/{}", uuid::Uuid::new_v4());
    problem(anon(&app, "DELETE", &one).await, 401).await;
    problem(app.get(PATH, "not.a.jwt").await, 401).await;
}

async fn an_account_yet_to_enrol_reaches_its_sessions(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.mfa = MfaMode::Required).await;
    app.create_user("new@test.org", "caseworker", USER_PASSWORD)
        .await;
    let here = app.session("new@test.org", USER_PASSWORD).await;
    let there = app.session("new@test.org", USER_PASSWORD).await;
    assert_eq!(here["mfa_enrolment_required"], true);
    // Still gated elsewhere.
    problem(app.get("/api/v1/cases", access(&here)).await, 403).await;
    assert_eq!(sessions(&app, access(&here)).await.len(), 2);
    let there_id = current_id(&app, access(&there)).await;
    let res = app
        .delete(&format!("{PATH}/{there_id}"), access(&here))
        .await;
    assert_eq!(res.status(), 204);
    problem(refresh(&app, refresh_token(&there)).await, 401).await;
}
