//! OWASP API2 broken authentication: what the other modules do not already show. Forged,
//! expired, tampered, `alg: none`, foreign-audience, session-less and deactivated tokens are in
//! `tokens`; refresh rotation and reuse, idle and absolute session limits, logout, lockout and
//! reset in `auth`, `sessions`, `session_cookie`, `password_guesses`, `mfa` and `limits`. Here:
//! the access token is taken only from the `Authorization: Bearer` header (never a query string,
//! a cookie or another scheme); only HS256 is accepted (HS384/HS512 signed with the real secret,
//! an RS256 header, a `jku`/`kid` pointing elsewhere are refused); issuer and subject are
//! checked; no other credential of the service (refresh, challenge, reset, feed, recovery) opens
//! the API as a bearer token; the stored role decides, not the token's `role` claim; and
//! credentials are never taken from a URL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{body, enrol_totp, problem, TestApp, JWT_SECRET, USER_PASSWORD};

both!(
    the_access_token_is_read_from_the_bearer_header_only,
    only_hs256_tokens_of_this_issuer_for_a_known_subject_pass,
    no_other_credential_opens_the_api,
);

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("claims")
}

fn sign(header: Header, claims: &Value) -> String {
    let key = EncodingKey::from_secret(JWT_SECRET.as_bytes()).expect("key");
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

async fn status_of(build: reqwest::RequestBuilder) -> u16 {
    build.send().await.expect("request").status().as_u16()
}

async fn the_access_token_is_read_from_the_bearer_header_only(app: TestApp) {
    let token = app.token_for("header@test.org", "lawyer").await;
    let me = app.url("/api/v1/me");
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
    let c = &app.client;
    let refused = [
        ("query", c.get(format!("{me}?access_token={token}"))),
        ("query (token)", c.get(format!("{me}?token={token}"))),
        (
            "cookie",
            c.get(&me).header("cookie", format!("access_token={token}")),
        ),
        (
            "another scheme",
            c.get(&me).header("authorization", format!("Token {token}")),
        ),
        (
            "basic",
            c.get(&me).header(
                "authorization",
                format!("Basic {}", URL_SAFE_NO_PAD.encode(format!("x:{token}"))),
            ),
        ),
        (
            "no scheme",
            c.get(&me).header("authorization", token.clone()),
        ),
        (
            "two tokens",
            c.get(&me)
                .header("authorization", format!("Bearer {token}, Bearer {token}")),
        ),
    ];
    for (what, req) in refused {
        assert_eq!(status_of(req).await, 401, "{what}");
    }
    // Credentials in a URL are not read either: sign-in takes a JSON body only.
    let q = format!(
        "/api/v1/auth/login?email=header%40test.org&password={}",
        USER_PASSWORD.replace(' ', "%20")
    );
    let res = app.client.post(app.url(&q)).send().await.expect("login");
    let status = res.status().as_u16();
    assert!(
        status == 415 || status == 400,
        "sign-in from the query string: {status}"
    );
}

async fn only_hs256_tokens_of_this_issuer_for_a_known_subject_pass(app: TestApp) {
    let lawyer = app.token_for("alg@test.org", "lawyer").await;
    let claims = claims_of(&lawyer);
    // Sanity: the same claims re-signed as HS256 pass.
    let same = sign(Header::new(Algorithm::HS256), &claims);
    assert_eq!(app.get("/api/v1/me", &same).await.status(), 200);
    let mut refused: Vec<(&str, String)> = vec![
        ("HS384", sign(Header::new(Algorithm::HS384), &claims)),
        ("HS512", sign(Header::new(Algorithm::HS512), &claims)),
    ];
    // An RS256 header over an HMAC signature (the key-confusion attack).
    let hs = same.split('.').collect::<Vec<_>>();
    let rs_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    refused.push(("RS256 header", format!("{rs_header}.{}.{}", hs[1], hs[2])));
    // Key-locating headers are never followed (and the signature is ours, so only they differ).
    let mut jku = Header::new(Algorithm::HS256);
    jku.jku = Some("http://127.0.0.1:9/keys.json".to_string());
    jku.kid = Some("../../../../dev/null".to_string());
    let with_jku = sign(jku, &claims);
    let mut wrong_iss = claims.clone();
    wrong_iss["iss"] = json!("someone-else");
    refused.push((
        "wrong issuer",
        sign(Header::new(Algorithm::HS256), &wrong_iss),
    ));
    let mut unknown_sub = claims.clone();
    unknown_sub["sub"] = json!(uuid::Uuid::new_v4().to_string());
    refused.push((
        "unknown subject",
        sign(Header::new(Algorithm::HS256), &unknown_sub),
    ));
    let mut no_iss = claims.clone();
    no_iss.as_object_mut().expect("claims").remove("iss");
    refused.push(("no issuer", sign(Header::new(Algorithm::HS256), &no_iss)));
    for (what, token) in refused {
        let res = app.get("/api/v1/me", &token).await;
        assert_eq!(res.status(), 401, "{what}");
        problem(res, 401).await;
    }
    // A `jku` or `kid` changes nothing: the key is the configured secret, whatever they say.
    assert_eq!(app.get("/api/v1/me", &with_jku).await.status(), 200);
    // The stored role decides, not the token's claim: a lawyer's own token re-signed with
    // `role: admin` still reads only what a lawyer may.
    let mut raised = claims.clone();
    raised["role"] = json!("admin");
    let raised = sign(Header::new(Algorithm::HS256), &raised);
    assert_eq!(app.get("/api/v1/me", &raised).await.status(), 200);
    problem(app.get("/api/v1/users", &raised).await, 403).await;
    problem(app.get("/api/v1/audit", &raised).await, 403).await;
}

/// The service's other credentials, each sent as a bearer token: 401 every time.
async fn no_other_credential_opens_the_api(app: TestApp) {
    app.create_user("creds@test.org", "lawyer", USER_PASSWORD)
        .await;
    let pair = app.session("creds@test.org", USER_PASSWORD).await;
    let access = pair["access_token"].as_str().expect("access").to_string();
    let refresh = pair["refresh_token"].as_str().expect("refresh").to_string();
    let feed = body(
        app.post("/api/v1/me/calendar-token", &access, &json!({}))
            .await,
        200,
    )
    .await;
    let feed_token = feed["url"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .and_then(|f| f.strip_suffix(".ics"))
        .expect("feed token")
        .to_string();
    let (_, recovery) = enrol_totp(&app, &access).await;
    let challenge = body(app.login("creds@test.org", USER_PASSWORD).await, 200).await;
    let challenge = challenge["challenge_token"]
        .as_str()
        .expect("challenge")
        .to_string();
    app.post_anon(
        "/api/v1/auth/password-reset",
        &json!({"email": "creds@test.org"}),
    )
    .await;
    let mail = app.inbox.wait_for(1).await;
    let reset = crate::helpers::reset_link_token(&mail.last().expect("reset mail").raw);
    for (what, credential) in [
        ("refresh token", refresh.clone()),
        ("feed token", feed_token),
        ("recovery code", recovery[0].clone()),
        ("MFA challenge", challenge),
        ("reset token", reset),
        ("the JWT secret", JWT_SECRET.to_string()),
    ] {
        let res = app.get("/api/v1/me", &credential).await;
        assert_eq!(res.status(), 401, "{what}");
        let p = problem(res, 401).await;
        assert_eq!(
            p["type"], "urn:asylum-tracker:problem:unauthorized",
            "{what}"
        );
    }
    // And the access token is no refresh token.
    problem(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": access}))
            .await,
        401,
    )
    .await;
    // Nothing above used up the real refresh token.
    body(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await,
        200,
    )
    .await;
}
