//! No secret and no client identity in the log or in e-mail. The real binary (`serve`) runs as a
//! child process logging at `debug`, so that every line any crate writes is caught, not only our
//! own `info` lines; canary values go through every endpoint that takes them (an A-number, names,
//! passwords right and wrong, access and refresh tokens, a forged token, TOTP secrets, codes and
//! recovery codes, a calendar feed token, a reset link's new password; a child on the case with its
//! own A-number, an Order of Supervision's conditions, the case overview), mail is sent (reminders,
//! a child's age-out reminder, reset link, MFA reset notice), and then neither stderr, stdout nor any message holds one.

use std::process::{Child, Command};
use std::time::Duration;

use asylum_tracker::auth::totp::code_at;
use serde_json::{json, Value};

use crate::helpers::{fresh_database, reset_link_token, Backend, Inbox, JWT_SECRET};

crate::each_backend!(no_secret_or_identity_reaches_the_log_or_mail);

const A_NUMBER_DIGITS: &str = "208413957";
const CHILD_A_NUMBER_DIGITS: &str = "307715243";
const FAMILY_NAME: &str = "Zhangcanarywei";
const NATIVE_NAME: &str = "张金丝雀";
const LAWYER_PASSWORD: &str = "Canary lawyer passphrase 4711";
const WRONG_PASSWORD: &str = "Canary wrong guess passphrase 0815";
const CHANGED_PASSWORD: &str = "Canary changed passphrase 2342";
const RESET_PASSWORD: &str = "Canary after reset passphrase 9876";
/// Signed with another key: refused, and must not be logged while being refused.
const FORGED_JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Y2FuYXJ5Zm9yZ2Vkc2lnbmF0dXJl";

struct Served {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Served {
    async fn send(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Value {
        let (status, v) = self.call(method, path, token, body).await;
        assert!(status < 300, "{method} {path}: {status} {v}");
        v
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if !body.is_null() {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn serve(url: &str, inbox: &Inbox, dir: &std::path::Path) -> Served {
    let port = crate::helpers::free_port();
    let stderr = std::fs::File::create(dir.join("stderr.log")).unwrap();
    let stdout = std::fs::File::create(dir.join("stdout.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
        .arg("serve")
        .current_dir(dir)
        .env("ASYLUM_TRACKER__DATABASE__URL", url)
        .env("ASYLUM_TRACKER__AUTH__JWT_SECRET", JWT_SECRET)
        .env("ASYLUM_TRACKER__AUTH__MFA", "required")
        .env("ASYLUM_TRACKER__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("ASYLUM_TRACKER__SERVER__WORKERS", "2")
        .env("ASYLUM_TRACKER__SERVER__PUBLIC_URL", "https://tracker.test")
        .env("ASYLUM_TRACKER__MAIL__TRANSPORT", "smtp")
        .env(
            "ASYLUM_TRACKER__MAIL__SMTP_URL",
            format!("smtp://127.0.0.1:{}", inbox.port),
        )
        // Every reminder due at once, and the worker looking often.
        .env("ASYLUM_TRACKER__REMINDERS__TIME_ZONE", "UTC")
        .env("ASYLUM_TRACKER__REMINDERS__SEND_TIME", "00:00")
        .env("ASYLUM_TRACKER__REMINDERS__POLL_SECONDS", "1")
        .env("RUST_LOG", "debug")
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("run serve");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..400 {
        if let Ok(r) = http.get(format!("{base}/health")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    Served { child, base, http }
}

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

/// Signs in with the password and then a recovery code (the app's current code may already be
/// spent by the confirmation a moment ago: codes work once). Returns (access, refresh).
async fn sign_in(s: &Served, email: &str, password: &str, recovery: &str) -> (String, String) {
    let first = s
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await;
    let challenge = first["challenge_token"].as_str().expect("challenge");
    let pair = s
        .send(
            "POST",
            "/api/v1/auth/mfa",
            None,
            json!({"challenge_token": challenge, "recovery_code": recovery}),
        )
        .await;
    (
        pair["access_token"].as_str().unwrap().to_string(),
        pair["refresh_token"].as_str().unwrap().to_string(),
    )
}

/// Enrols the token's account; returns (secret, otpauth URI, recovery codes).
async fn enrol(s: &Served, token: &str) -> (String, String, Vec<String>) {
    let started = s
        .send("POST", "/api/v1/me/mfa/totp", Some(token), json!({}))
        .await;
    let secret = started["secret"].as_str().unwrap().to_string();
    let uri = started["otpauth_uri"].as_str().unwrap().to_string();
    let code = code_at(&secret, now()).unwrap();
    let confirmed = s
        .send(
            "POST",
            "/api/v1/me/mfa/totp/confirm",
            Some(token),
            json!({"code": code}),
        )
        .await;
    let codes = confirmed["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (secret, uri, codes)
}

/// A message as a reader sees it: quoted-printable soft breaks undone, base64 parts decoded.
fn readable(raw: &str) -> String {
    use base64::Engine;
    let mut out = raw.replace("=\r\n", "").replace("=3D", "=");
    let mut lines = raw.lines().peekable();
    while let Some(line) = lines.next() {
        if line
            .to_ascii_lowercase()
            .starts_with("content-transfer-encoding: base64")
        {
            // Headers end at the first blank line; the body runs to the next blank line.
            for l in lines.by_ref() {
                if l.trim().is_empty() {
                    break;
                }
            }
            let mut b64 = String::new();
            for l in lines.by_ref() {
                if l.trim().is_empty() || l.starts_with("--") {
                    break;
                }
                b64.push_str(l.trim());
            }
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&b64) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    out
}

async fn no_secret_or_identity_reaches_the_log_or_mail(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let (url, _guard) = fresh_database(backend);
    let inbox = Inbox::start();
    let dir = tempfile::tempdir().unwrap();
    let mut s = serve(&url, &inbox, dir.path()).await;
    let mut canaries: Vec<(String, String)> = vec![
        ("A-number".into(), A_NUMBER_DIGITS.into()),
        ("family name".into(), FAMILY_NAME.into()),
        ("native name".into(), NATIVE_NAME.into()),
        ("lawyer's password".into(), LAWYER_PASSWORD.into()),
        ("wrong password".into(), WRONG_PASSWORD.into()),
        ("changed password".into(), CHANGED_PASSWORD.into()),
        ("password set by reset".into(), RESET_PASSWORD.into()),
        ("forged JWT".into(), FORGED_JWT.into()),
    ];

    // The first run's admin, its password left in a private file.
    let admin_password = std::fs::read_to_string(dir.path().join("data/initial-admin-password"))
        .expect("bootstrap password file")
        .trim()
        .to_string();
    canaries.push(("bootstrap admin password".into(), admin_password.clone()));
    let first = s
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"email": "admin@localhost", "password": admin_password}),
        )
        .await;
    let enrolling = first["access_token"].as_str().unwrap().to_string();
    canaries.push(("admin's first access token".into(), enrolling.clone()));
    let (admin_secret, admin_uri, admin_codes) = enrol(&s, &enrolling).await;
    canaries.push(("admin's TOTP secret".into(), admin_secret));
    canaries.push(("admin's otpauth URI".into(), admin_uri));
    let (admin, admin_refresh) =
        sign_in(&s, "admin@localhost", &admin_password, &admin_codes[0]).await;
    for (i, c) in admin_codes.iter().enumerate() {
        canaries.push((format!("admin's recovery code {i}"), c.clone()));
    }
    canaries.push(("admin's access token".into(), admin.clone()));
    canaries.push(("admin's refresh token".into(), admin_refresh.clone()));
    let renewed = s
        .send(
            "POST",
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": admin_refresh}),
        )
        .await;
    canaries.push((
        "admin's rotated refresh token".into(),
        renewed["refresh_token"].as_str().unwrap().to_string(),
    ));

    // A lawyer: created with a password, a wrong guess, then enrolment and sign-in.
    let lawyer_id = s
        .send(
            "POST",
            "/api/v1/users",
            Some(&admin),
            json!({"email": "lawyer@canary.test", "name": "Lee Lawyer", "role": "lawyer",
                   "password": LAWYER_PASSWORD}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = s
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"email": "lawyer@canary.test", "password": WRONG_PASSWORD}),
        )
        .await;
    assert_eq!(status, 401);
    let first = s
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"email": "lawyer@canary.test", "password": LAWYER_PASSWORD}),
        )
        .await;
    let enrolling = first["access_token"].as_str().unwrap().to_string();
    let (secret, uri, codes) = enrol(&s, &enrolling).await;
    canaries.push(("lawyer's TOTP secret".into(), secret.clone()));
    canaries.push(("lawyer's otpauth URI".into(), uri));
    for (i, c) in codes.iter().enumerate() {
        canaries.push((format!("lawyer's recovery code {i}"), c.clone()));
    }
    // A wrong recovery code and a wrong TOTP code are refused without being logged.
    let challenge = s
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"email": "lawyer@canary.test", "password": LAWYER_PASSWORD}),
        )
        .await["challenge_token"]
        .as_str()
        .unwrap()
        .to_string();
    canaries.push(("MFA challenge token".into(), challenge.clone()));
    let (status, _) = s
        .call(
            "POST",
            "/api/v1/auth/mfa",
            None,
            json!({"challenge_token": challenge, "recovery_code": "canary-rc-wrong-12345"}),
        )
        .await;
    assert_eq!(status, 401);
    canaries.push(("wrong recovery code".into(), "canary-rc-wrong-12345".into()));
    let (lawyer, _) = sign_in(&s, "lawyer@canary.test", LAWYER_PASSWORD, &codes[1]).await;
    canaries.push(("lawyer's access token".into(), lawyer.clone()));

    // A forged token is refused, quietly.
    let (status, _) = s
        .call("GET", "/api/v1/cases", Some(FORGED_JWT), Value::Null)
        .await;
    assert_eq!(status, 401);

    // The client's identity: created, searched for (query and body), corrected, refused.
    let client = s
        .send(
            "POST",
            "/api/v1/clients",
            Some(&lawyer),
            json!({"given_name": "Jin", "family_name": FAMILY_NAME, "native_name": NATIVE_NAME,
                   "a_number": format!("A{A_NUMBER_DIGITS}"), "date_of_birth": "1991-03-04",
                   "last_arrival_on": "2026-09-01"}),
        )
        .await;
    let client_id = client["id"].as_str().unwrap().to_string();
    let dashed = format!(
        "{}-{}-{}",
        &A_NUMBER_DIGITS[..3],
        &A_NUMBER_DIGITS[3..6],
        &A_NUMBER_DIGITS[6..]
    );
    let found = s
        .send(
            "GET",
            &format!("/api/v1/clients?q={dashed}"),
            Some(&lawyer),
            Value::Null,
        )
        .await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1), "{found}");
    s.send(
        "POST",
        "/api/v1/clients/search",
        Some(&lawyer),
        json!({"q": FAMILY_NAME}),
    )
    .await;
    s.send(
        "PATCH",
        &format!("/api/v1/clients/{client_id}"),
        Some(&lawyer),
        json!({"native_name": NATIVE_NAME, "a_number": A_NUMBER_DIGITS}),
    )
    .await;
    // An A-number that is not one: 422, and the value is not echoed into the log.
    let (status, _) = s
        .call(
            "POST",
            "/api/v1/clients",
            Some(&lawyer),
            json!({"given_name": "X", "family_name": FAMILY_NAME,
                   "a_number": format!("{A_NUMBER_DIGITS}77")}),
        )
        .await;
    assert_eq!(status, 422);
    let case = s
        .send(
            "POST",
            "/api/v1/cases",
            Some(&lawyer),
            json!({"client_id": client_id, "kind": "affirmative"}),
        )
        .await;
    let case_id = case["id"].as_str().unwrap().to_string();
    let soon = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    s.send(
        "POST",
        &format!("/api/v1/cases/{case_id}/deadlines"),
        Some(&lawyer),
        json!({"kind": "other", "title": format!("Brief for {FAMILY_NAME}"), "due_on": soon}),
    )
    .await;

    // The family: a child on the case with the family's names and an A-number of their own,
    // turning 21 within days (so `derivative_age_out` reminds at once); an Order of Supervision
    // whose conditions name the family; a check-in; the overview that reads it all back.
    canaries.push(("child's A-number".into(), CHILD_A_NUMBER_DIGITS.into()));
    let turns_21 = chrono::Utc::now().date_naive() + chrono::Duration::days(5);
    let born = turns_21
        .checked_sub_months(chrono::Months::new(21 * 12))
        .unwrap();
    s.send(
        "POST",
        &format!("/api/v1/cases/{case_id}/family-members"),
        Some(&lawyer),
        json!({"relationship": "child", "given_name": "Mei", "family_name": FAMILY_NAME,
               "native_name": NATIVE_NAME, "a_number": format!("A{CHILD_A_NUMBER_DIGITS}"),
               "date_of_birth": born, "derivative": true}),
    )
    .await;
    let ordered = chrono::Utc::now().date_naive() - chrono::Duration::days(80);
    s.send(
        "POST",
        &format!("/api/v1/cases/{case_id}/supervision-orders"),
        Some(&lawyer),
        json!({"ordered_on": ordered, "field_office_code": "ero-new-york", "interval_days": 90,
               "conditions": format!("Report with {FAMILY_NAME}'s passport")}),
    )
    .await;
    let overview = s
        .send(
            "GET",
            &format!("/api/v1/cases/{case_id}/overview"),
            Some(&lawyer),
            Value::Null,
        )
        .await;
    assert_eq!(
        overview["family_members"][0]["family_name"], FAMILY_NAME,
        "{overview}"
    );

    // The calendar feed: its token is in the path, which the log must not hold.
    let feed = s
        .send(
            "POST",
            "/api/v1/me/calendar-token",
            Some(&lawyer),
            json!({}),
        )
        .await;
    let feed_url = feed["url"].as_str().expect("feed url").to_string();
    let feed_token = feed_url
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_string();
    canaries.push(("calendar feed token".into(), feed_token.clone()));
    let (status, _) = s
        .call(
            "GET",
            &format!("/calendar/{feed_token}.ics"),
            None,
            Value::Null,
        )
        .await;
    assert_eq!(status, 200);

    // Password change: a wrong current password, then the right one.
    let (status, _) = s
        .call(
            "POST",
            "/api/v1/me/password",
            Some(&lawyer),
            json!({"current_password": WRONG_PASSWORD, "new_password": CHANGED_PASSWORD}),
        )
        .await;
    assert!(status == 401 || status == 422, "{status}");
    s.send(
        "POST",
        "/api/v1/me/password",
        Some(&lawyer),
        json!({"current_password": LAWYER_PASSWORD, "new_password": CHANGED_PASSWORD}),
    )
    .await;

    // A reset by e-mail link, to a password that is a canary too.
    s.send(
        "POST",
        "/api/v1/auth/password-reset",
        None,
        json!({"email": "lawyer@canary.test"}),
    )
    .await;
    let mut reset = None;
    for _ in 0..200 {
        if let Some(m) = inbox
            .messages()
            .into_iter()
            .find(|m| m.raw.contains("reset-password?token="))
        {
            reset = Some(m);
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let token = reset_link_token(&reset.expect("reset mail").raw);
    canaries.push(("reset link token".into(), token.clone()));
    s.send(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "new_password": RESET_PASSWORD}),
    )
    .await;

    // The admin resets the lawyer's second factor: the lawyer is told by e-mail.
    s.send(
        "DELETE",
        &format!("/api/v1/users/{lawyer_id}/mfa"),
        Some(&admin),
        Value::Null,
    )
    .await;

    // The deadline's reminders (7 days ahead, due at once) and the MFA notice arrive.
    let mut mail = Vec::new();
    for _ in 0..400 {
        mail = inbox.messages();
        let reminded = mail
            .iter()
            .any(|m| readable(&m.raw).contains("Open the case"));
        let family = mail
            .iter()
            .any(|m| readable(&m.raw).contains("derivative child turns 21"));
        if reminded && family && mail.len() >= 3 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        mail.iter()
            .any(|m| readable(&m.raw).contains("Open the case")),
        "a reminder arrived: {} messages: {:?}",
        mail.len(),
        mail.iter().map(|m| readable(&m.raw)).collect::<Vec<_>>()
    );

    assert!(
        mail.iter()
            .any(|m| readable(&m.raw).contains("derivative child turns 21")),
        "the child's age-out reminder arrived, and is checked below"
    );

    let _ = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status();
    let _ = actix_web::rt::task::spawn_blocking(move || s.child.wait()).await;
    let log = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap()
        + &std::fs::read_to_string(dir.path().join("stdout.log")).unwrap();
    // The log is there to be searched: requests were logged, at debug level.
    assert!(
        log.matches("\"request\"").count() > 30,
        "request lines: {log}"
    );
    assert!(log.contains("DEBUG"), "debug lines were written");
    for (what, value) in &canaries {
        assert!(!value.is_empty(), "{what}");
        assert!(
            !log.contains(value.as_str()),
            "the {what} is in the log: {}",
            log.lines().find(|l| l.contains(value.as_str())).unwrap()
        );
        for m in &mail {
            // A reset mail carries its own link, and only that: the token is a canary for the log.
            if what == "reset link token" {
                continue;
            }
            assert!(
                !readable(&m.raw).contains(value.as_str()),
                "the {what} is in an e-mail to {:?}",
                m.to
            );
        }
    }
    // The A-number in the forms people write it, not only the bare digits.
    for form in [dashed.as_str(), &format!("A{A_NUMBER_DIGITS}")] {
        assert!(!log.contains(form), "A-number {form} in the log");
    }
}
