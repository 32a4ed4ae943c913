//! The second factor (TOTP): enrolment, sign-in in two steps, single-use codes and recovery
//! codes, the required mode's gate, and an admin's reset. Codes are computed from the secret.

use asylum_tracker::auth::totp::code_at;
use asylum_tracker::config::MfaMode;
use serde_json::{json, Value};

use crate::each_backend;
use crate::helpers::*;

each_backend!(
    required_mode_opens_only_enrolment_until_a_code_confirms_it,
    a_code_works_once_and_a_recovery_code_works_once,
    a_challenge_allows_five_tries,
    an_admin_resets_a_lost_authenticator,
    a_password_reset_keeps_the_second_factor,
);

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

async fn required(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.auth.mfa = MfaMode::Required).await
}

/// Enrols `email`'s authenticator with the token given; returns (secret, recovery codes).
async fn enrol(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let started = body(
        app.post("/api/v1/me/mfa/totp", token, &json!({})).await,
        201,
    )
    .await;
    let secret = started["secret"].as_str().unwrap().to_string();
    assert!(started["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/asylum-tracker:"));
    assert!(started["qr_svg"].as_str().unwrap().contains("<svg"));
    let wrong = problem(
        app.post(
            "/api/v1/me/mfa/totp/confirm",
            token,
            &json!({"code": "000000"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&wrong), vec!["code"]);
    let code = code_at(&secret, now()).unwrap();
    let confirmed = body(
        app.post("/api/v1/me/mfa/totp/confirm", token, &json!({"code": code}))
            .await,
        200,
    )
    .await;
    let codes: Vec<String> = confirmed["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// The first step: a challenge, and no token.
async fn challenge(app: &TestApp, email: &str) -> String {
    let first = body(app.login(email, USER_PASSWORD).await, 200).await;
    assert_eq!(first["mfa_required"], true);
    assert!(first.get("access_token").is_none(), "{first}");
    assert_eq!(first["expires_in"], 300);
    first["challenge_token"].as_str().unwrap().to_string()
}

async fn second(app: &TestApp, challenge: &str, factor: Value) -> reqwest::Response {
    let mut b = factor;
    b["challenge_token"] = json!(challenge);
    app.post_anon("/api/v1/auth/mfa", &b).await
}

async fn required_mode_opens_only_enrolment_until_a_code_confirms_it(backend: Backend) {
    let app = required(backend).await;
    app.create_user("ana@test.org", "caseworker", USER_PASSWORD)
        .await;
    let pair = app.session("ana@test.org", USER_PASSWORD).await;
    assert_eq!(pair["mfa_enrolment_required"], true);
    let token = pair["access_token"].as_str().unwrap().to_string();
    for path in [
        "/api/v1/cases",
        "/api/v1/clients?q=wang",
        "/api/v1/deadlines",
    ] {
        let p = problem(app.get(path, &token).await, 403).await;
        assert_eq!(
            p["type"], "urn:asylum-tracker:problem:mfa-enrolment-required",
            "{path}"
        );
    }
    let me = body(app.get("/api/v1/me", &token).await, 200).await;
    assert_eq!(me["mfa_enrolled"], false);
    let (secret, _) = enrol(&app, &token).await;
    // Enrolled: the same token now reaches case data.
    body(app.get("/api/v1/cases", &token).await, 200).await;
    assert_eq!(
        body(app.get("/api/v1/me", &token).await, 200).await["mfa_enrolled"],
        true
    );
    // Signing in again takes two steps; the confirming code is spent, the next step's works.
    let ch = challenge(&app, "ana@test.org").await;
    let next = code_at(&secret, now() + 30).unwrap();
    let tokens = body(second(&app, &ch, json!({"code": next})).await, 200).await;
    assert_eq!(tokens["mfa_enrolment_required"], false);
    let access = tokens["access_token"].as_str().unwrap();
    body(app.get("/api/v1/cases", access).await, 200).await;
    // A finished challenge does not open a second session.
    problem(second(&app, &ch, json!({"code": next})).await, 401).await;
}

async fn a_code_works_once_and_a_recovery_code_works_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token_for("ben@test.org", "lawyer").await;
    let (secret, codes) = enrol(&app, &token).await;
    let code = code_at(&secret, now() + 30).unwrap();
    let ch = challenge(&app, "ben@test.org").await;
    body(second(&app, &ch, json!({"code": code})).await, 200).await;
    // Replay of the same code on a new challenge: refused.
    let ch = challenge(&app, "ben@test.org").await;
    problem(second(&app, &ch, json!({"code": code})).await, 401).await;
    // A recovery code, typed in capitals without dashes, works once.
    let typed = codes[3].to_uppercase().replace('-', "");
    let ch = challenge(&app, "ben@test.org").await;
    body(
        second(&app, &ch, json!({"recovery_code": typed})).await,
        200,
    )
    .await;
    let ch = challenge(&app, "ben@test.org").await;
    problem(
        second(&app, &ch, json!({"recovery_code": codes[3]})).await,
        401,
    )
    .await;
    // Neither or both factors: 422.
    let ch = challenge(&app, "ben@test.org").await;
    problem(second(&app, &ch, json!({})).await, 422).await;
}

async fn a_challenge_allows_five_tries(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token_for("cy@test.org", "caseworker").await;
    let (secret, _) = enrol(&app, &token).await;
    let ch = challenge(&app, "cy@test.org").await;
    for _ in 0..5 {
        let status = second(&app, &ch, json!({"code": "123456"})).await.status();
        assert!(status == 401 || status == 429, "{status}");
    }
    // Spent (and wrong codes count against the account): the right code no longer opens it.
    let right = code_at(&secret, now() + 30).unwrap();
    let status = second(&app, &ch, json!({"code": right})).await.status();
    assert!(status == 401 || status == 429, "{status}");
    // An unknown challenge token: 401.
    problem(
        second(&app, "not-a-challenge", json!({"code": right})).await,
        401,
    )
    .await;
}

async fn an_admin_resets_a_lost_authenticator(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let token = app.token_for("dee@test.org", "caseworker").await;
    let id = user_id(&app, &token).await;
    enrol(&app, &token).await;
    let other = app.token_for("eve@test.org", "caseworker").await;
    problem(
        app.delete(&format!("/api/v1/users/{id}/mfa"), &other).await,
        403,
    )
    .await;
    let res = app.delete(&format!("/api/v1/users/{id}/mfa"), &admin).await;
    assert_eq!(res.status(), 204);
    // Every session of the user ended; the user is told; the password alone signs in again.
    problem(app.get("/api/v1/me", &token).await, 401).await;
    let mails = app.inbox.wait_for(1).await;
    assert!(
        mails.iter().any(|m| m.raw.contains("sign-in changed")),
        "mail"
    );
    let pair = app.session("dee@test.org", USER_PASSWORD).await;
    assert_eq!(pair["user"]["mfa_enrolled"], false);
    // A second reset: nothing to remove.
    problem(
        app.delete(&format!("/api/v1/users/{id}/mfa"), &admin).await,
        409,
    )
    .await;
    assert!(user_audit_actions(&app, &id)
        .await
        .contains(&"mfa_reset".to_string()));
}

/// A reset link replaces the password, never the second factor (ASVS 5.0 6.4.3): the confirm
/// answers no token, and the new password still leads to the second step.
async fn a_password_reset_keeps_the_second_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token_for("fay@test.org", "lawyer").await;
    enrol(&app, &token).await;
    let res = app
        .post_anon(
            "/api/v1/auth/password-reset",
            &json!({"email": "fay@test.org"}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let mails = app.inbox.wait_for(1).await;
    let mail = mails
        .iter()
        .find(|m| m.raw.contains("reset-password?token="))
        .expect("reset mail");
    let new_password = "Quiet orchard beyond the river 19";
    let res = app
        .post_anon(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": reset_link_token(&mail.raw), "new_password": new_password}),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let text = res.text().await.unwrap();
    assert!(!text.contains("access_token"), "{text}");
    let first = body(app.login("fay@test.org", new_password).await, 200).await;
    assert_eq!(first["mfa_required"], true, "{first}");
    assert!(first.get("access_token").is_none(), "{first}");
}
