//! Access tokens that must be refused: tampered, expired, foreign, unsigned, or of a deactivated user.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::both;
use crate::helpers::{problem, TestApp, JWT_SECRET, USER_PASSWORD};

both!(bad_tokens_are_401, deactivated_user_is_cut_off_at_once);

fn sign(secret: &str, claims: &serde_json::Value) -> String {
    let key = EncodingKey::from_secret(secret.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).unwrap()
}

async fn bad_tokens_are_401(app: TestApp) {
    let id = app
        .create_user("tok@test.org", "lawyer", USER_PASSWORD)
        .await;
    let good = app.session("tok@test.org", USER_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.get("/api/v1/me", &good).await.status(), 200);
    let parts: Vec<&str> = good.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    // The session the token belongs to: a token must name a live session of its user.
    let sid = payload["sid"].as_str().unwrap().to_string();
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64| {
        json!({"sub": id, "role": "admin", "iss": "asylum-tracker", "aud": "asylum-tracker-api",
               "exp": exp, "iat": now, "jti": "x", "ver": 0, "sid": sid})
    };
    // Sanity: our own construction is accepted when nothing is wrong with it.
    assert_eq!(
        app.get("/api/v1/me", &sign(JWT_SECRET, &claims(now + 60)))
            .await
            .status(),
        200
    );

    payload["role"] = json!("admin");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!(
        "{none_header}.{}.",
        URL_SAFE_NO_PAD.encode(claims(now + 60).to_string())
    );
    let mut wrong_aud = claims(now + 60);
    wrong_aud["aud"] = json!("someone-else");
    let mut no_exp = claims(now + 60);
    no_exp.as_object_mut().unwrap().remove("exp");
    // Tokens from before sessions had ids carry no `sid`.
    let mut no_sid = claims(now + 60);
    no_sid.as_object_mut().unwrap().remove("sid");
    let mut unknown_sid = claims(now + 60);
    unknown_sid["sid"] = json!(uuid::Uuid::new_v4().to_string());

    let cases = [
        ("tampered payload", tampered),
        ("expired beyond leeway", sign(JWT_SECRET, &claims(now - 60))),
        (
            "other secret",
            sign(
                "another-secret-that-is-long-enough-000000",
                &claims(now + 60),
            ),
        ),
        ("alg none", alg_none),
        ("wrong audience", sign(JWT_SECRET, &wrong_aud)),
        ("no exp", sign(JWT_SECRET, &no_exp)),
        ("no sid", sign(JWT_SECRET, &no_sid)),
        ("unknown sid", sign(JWT_SECRET, &unknown_sid)),
        ("garbage", "not.a.jwt".to_string()),
    ];
    for (what, token) in cases {
        let res = app.get("/api/v1/me", &token).await;
        assert_eq!(res.status(), 401, "{what}");
        problem(res, 401).await;
    }
    problem(
        app.client.get(app.url("/api/v1/me")).send().await.unwrap(),
        401,
    )
    .await;
}

async fn deactivated_user_is_cut_off_at_once(app: TestApp) {
    let admin = app.admin_token().await;
    let id = app
        .create_user("gone@test.org", "caseworker", USER_PASSWORD)
        .await;
    let s = app.session("gone@test.org", USER_PASSWORD).await;
    let access = s["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", access).await.status(), 200);
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    problem(app.get("/api/v1/me", access).await, 401).await;
    let refresh = s["refresh_token"].as_str().unwrap();
    problem(
        app.post_anon("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await,
        401,
    )
    .await;
    problem(app.login("gone@test.org", USER_PASSWORD).await, 401).await;
}
