//! Account management: who may call it, validation, duplicates, the last admin, audit.

use serde_json::json;

use crate::both;
use crate::helpers::{body, error_fields, problem, TestApp, USER_PASSWORD};

both!(
    admin_endpoints_refuse_others,
    admin_creates_lists_and_updates_users,
    duplicate_email_is_409,
    invalid_fields_are_422_per_field,
    last_admin_is_protected,
    role_change_cuts_old_tokens,
    me_can_be_read_and_changed,
    look_alike_emails_are_one_account,
    stored_emails_are_normalised_at_migration,
);

async fn admin_endpoints_refuse_others(app: TestApp) {
    let admin = app.admin_token().await;
    let target = app
        .create_user("target@test.org", "lawyer", USER_PASSWORD)
        .await;
    let lawyer = app.token_for("law@test.org", "lawyer").await;
    let caseworker = app.token_for("cw@test.org", "caseworker").await;
    let new_user =
        json!({"email": "x@test.org", "name": "X", "role": "lawyer", "password": USER_PASSWORD});
    for token in [&lawyer, &caseworker] {
        problem(app.get("/api/v1/users", token).await, 403).await;
        problem(app.post("/api/v1/users", token, &new_user).await, 403).await;
        problem(
            app.get(&format!("/api/v1/users/{target}"), token).await,
            403,
        )
        .await;
        problem(
            app.patch(
                &format!("/api/v1/users/{target}"),
                token,
                &json!({"role": "admin"}),
            )
            .await,
            403,
        )
        .await;
        problem(app.get("/api/v1/audit", token).await, 403).await;
    }
    for (method, path) in [
        ("GET", "/api/v1/users".to_string()),
        ("POST", "/api/v1/users".to_string()),
        ("GET", format!("/api/v1/users/{target}")),
        ("PATCH", format!("/api/v1/users/{target}")),
        ("GET", "/api/v1/audit".to_string()),
    ] {
        let req = app
            .client
            .request(method.parse().unwrap(), app.url(&path))
            .json(&new_user);
        problem(req.send().await.unwrap(), 401).await;
    }
    // Nothing changed through the refused calls.
    let u: serde_json::Value = app
        .get(&format!("/api/v1/users/{target}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(u["role"], "lawyer");
    let list: serde_json::Value = app.get("/api/v1/users", &admin).await.json().await.unwrap();
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["email"] != "x@test.org"));
}

async fn admin_creates_lists_and_updates_users(app: TestApp) {
    let admin = app.admin_token().await;
    let res = app
        .post("/api/v1/users", &admin, &json!({"email": "New@Test.org", "name": "Nuevo Núñez", "role": "caseworker", "password": USER_PASSWORD}))
        .await;
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(created["email"], "new@test.org");
    assert_eq!(created["name"], "Nuevo Núñez");
    assert_eq!(created["active"], true);
    assert_eq!(created["time_zone"], "America/New_York");
    assert!(created.get("password_hash").is_none());
    let id = created["id"].as_str().unwrap();
    // The new user can sign in.
    assert_eq!(app.login("new@test.org", USER_PASSWORD).await.status(), 200);

    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &json!({"name": "N. Núñez", "role": "lawyer"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: serde_json::Value = res.json().await.unwrap();
    assert_eq!(updated["role"], "lawyer");

    // Paging through users: limit 1 walks every user exactly once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=1&cursor={c}"),
            None => "/api/v1/users?limit=1".to_string(),
        };
        let page: serde_json::Value = app.get(&path, &admin).await.json().await.unwrap();
        for u in page["items"].as_array().unwrap() {
            seen.push(u["email"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, vec!["admin@test.org", "new@test.org"]);

    // Both writes are audited with their changes.
    let audit: serde_json::Value = app
        .get(
            &format!("/api/v1/audit?entity_type=user&entity_id={id}"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let items = audit["items"].as_array().unwrap();
    let update = items
        .iter()
        .find(|r| r["action"] == "update")
        .expect("update audited");
    assert_eq!(update["changes"]["role"]["from"], "caseworker");
    assert_eq!(update["changes"]["role"]["to"], "lawyer");
    assert!(update["actor_id"].is_string());
    let create = items
        .iter()
        .find(|r| r["action"] == "create")
        .expect("create audited");
    assert_eq!(create["changes"]["email"]["to"], "new@test.org");
    assert!(
        !create["changes"].to_string().contains("argon2"),
        "no hash in the audit log"
    );
}

async fn duplicate_email_is_409(app: TestApp) {
    let admin = app.admin_token().await;
    let body =
        json!({"email": "dup@test.org", "name": "A", "role": "lawyer", "password": USER_PASSWORD});
    assert_eq!(app.post("/api/v1/users", &admin, &body).await.status(), 201);
    let again = json!({"email": "DUP@test.org", "name": "B", "role": "caseworker", "password": USER_PASSWORD});
    let p = problem(app.post("/api/v1/users", &admin, &again).await, 409).await;
    assert_eq!(error_fields(&p), vec!["email"]);
}

async fn invalid_fields_are_422_per_field(app: TestApp) {
    let admin = app.admin_token().await;
    let body = json!({"email": "not-an-email", "name": "", "role": "judge", "password": "short"});
    let p = problem(app.post("/api/v1/users", &admin, &body).await, 422).await;
    let mut fields = error_fields(&p);
    fields.sort();
    assert_eq!(fields, vec!["email", "name", "password", "role"]);
    assert!(
        p.to_string().contains("admin, lawyer, caseworker"),
        "allowed roles named"
    );
    // A common password of the right length is refused too.
    let common =
        json!({"email": "c@test.org", "name": "C", "role": "lawyer", "password": "password1234"});
    let p = problem(app.post("/api/v1/users", &admin, &common).await, 422).await;
    assert_eq!(error_fields(&p), vec!["password"]);
    // Missing field and wrong type name the field.
    let p = problem(
        app.post("/api/v1/users", &admin, &json!({"email": "m@test.org"}))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["name"]);
    let p = problem(
        app.patch("/api/v1/me", &admin, &json!({"reminders_enabled": "yes"}))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["reminders_enabled"]);
    let p = problem(
        app.patch("/api/v1/me", &admin, &json!({"nmae": "typo"}))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["nmae"]);
    // Nothing was created.
    let list: serde_json::Value = app.get("/api/v1/users", &admin).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

async fn last_admin_is_protected(app: TestApp) {
    let admin = app.admin_token().await;
    let me: serde_json::Value = app.get("/api/v1/me", &admin).await.json().await.unwrap();
    let id = me["id"].as_str().unwrap();
    problem(
        app.patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &json!({"role": "lawyer"}),
        )
        .await,
        409,
    )
    .await;
    problem(
        app.patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &json!({"active": false}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(
        app.get("/api/v1/me", &admin).await.status(),
        200,
        "still an admin"
    );
    // With a second admin, the first may step down.
    app.create_user("admin2@test.org", "admin", USER_PASSWORD)
        .await;
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &json!({"role": "lawyer"}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

async fn role_change_cuts_old_tokens(app: TestApp) {
    let admin = app.admin_token().await;
    let id = app
        .create_user("promo@test.org", "caseworker", USER_PASSWORD)
        .await;
    let old = app.session("promo@test.org", USER_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &json!({"role": "admin"})
        )
        .await
        .status(),
        200
    );
    problem(app.get("/api/v1/me", &old).await, 401).await;
    let new = app.session("promo@test.org", USER_PASSWORD).await;
    assert_eq!(new["user"]["role"], "admin");
    assert_eq!(
        app.get("/api/v1/users", new["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

async fn me_can_be_read_and_changed(app: TestApp) {
    let token = app.token_for("self@test.org", "lawyer").await;
    let res = app
        .patch("/api/v1/me", &token, &json!({"name": "Ana Silva", "time_zone": "America/Denver", "reminders_enabled": false, "reminder_digest": true}))
        .await;
    assert_eq!(res.status(), 200);
    let me: serde_json::Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["name"], "Ana Silva");
    assert_eq!(me["time_zone"], "America/Denver");
    assert_eq!(me["reminders_enabled"], false);
    assert_eq!(me["reminder_digest"], true);
    let p = problem(
        app.patch("/api/v1/me", &token, &json!({"time_zone": "Mars/Olympus"}))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["time_zone"]);
    // Fields reserved to admins cannot be set through /me (ASVS 5.0 8.2.3).
    for reserved in [
        json!({"role": "admin"}),
        json!({"email": "boss@test.org"}),
        json!({"active": true}),
    ] {
        let res = app.patch("/api/v1/me", &token, &reserved).await;
        assert_eq!(res.status(), 422, "{reserved}");
    }
    let me: serde_json::Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["role"], "lawyer");
    assert_eq!(me["email"], "self@test.org");
    assert_eq!(
        me["time_zone"], "America/Denver",
        "a refused change changes nothing"
    );
}

/// E-mail addresses are compared and stored in one form (Unicode NFKC, then full case folding,
/// trimmed), so that an address written another way (decomposed accents, full-width letters,
/// upper case, ß for ss) is the same account: never a second account beside it, and it signs in.
async fn look_alike_emails_are_one_account(app: TestApp) {
    let admin = app.admin_token().await;
    let new_user = |email: &str| json!({"email": email, "name": "José", "role": "lawyer", "password": USER_PASSWORD});
    let jose = body(
        app.post(
            "/api/v1/users",
            &admin,
            &new_user(" Jos\u{e9}@Example.org "),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(jose["email"], "jos\u{e9}@example.org", "stored in one form");
    let strasse = body(
        app.post("/api/v1/users", &admin, &new_user("strasse@example.org"))
            .await,
        201,
    )
    .await;
    for (look_alike, account) in [
        ("jose\u{301}@example.org", &jose),
        ("\u{ff4a}\u{ff4f}\u{ff53}e\u{301}@example.org", &jose),
        ("JOS\u{c9}@EXAMPLE.ORG", &jose),
        ("JOSE\u{301}@example.org", &jose),
        ("\u{ff2a}\u{ff2f}\u{ff33}\u{c9}\u{ff20}\u{ff45}\u{ff58}\u{ff41}\u{ff4d}\u{ff50}\u{ff4c}\u{ff45}\u{ff0e}\u{ff4f}\u{ff52}\u{ff47}", &jose),
        ("Stra\u{df}e@example.org", &strasse),
        ("STRA\u{1e9e}E@Example.org", &strasse),
    ] {
        let p = problem(
            app.post("/api/v1/users", &admin, &new_user(look_alike)).await,
            409,
        )
        .await;
        assert_eq!(error_fields(&p), vec!["email"], "{look_alike}");
        let signed_in = body(app.login(look_alike, USER_PASSWORD).await, 200).await;
        assert_eq!(signed_in["user"]["id"], account["id"], "{look_alike}");
    }
    // An admin's edit cannot give another account a look-alike either.
    let other = app
        .create_user("other@example.org", "caseworker", USER_PASSWORD)
        .await;
    let edit = json!({"email": "Jose\u{301}@example.org"});
    let p = problem(
        app.patch(&format!("/api/v1/users/{other}"), &admin, &edit)
            .await,
        409,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["email"]);
    // A reset asked for with a look-alike reaches the account's address.
    let res = app
        .post_anon(
            "/api/v1/auth/password-reset",
            &json!({"email": "Stra\u{df}e@Example.org"}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let mails = app.inbox.wait_for(1).await;
    assert_eq!(mails.len(), 1, "one reset mail");
    assert_eq!(mails[0].to, vec!["strasse@example.org".to_string()]);
}

/// Accounts stored before e-mails were normalised get the normal form at start-up (when no
/// other account has it already), so that they still sign in.
async fn stored_emails_are_normalised_at_migration(app: TestApp) {
    app.create_user("olga@test.org", "lawyer", USER_PASSWORD)
        .await;
    app.create_user("mika@test.org", "lawyer", USER_PASSWORD)
        .await;
    let twin = app
        .create_user("twin@test.org", "lawyer", USER_PASSWORD)
        .await;
    // What the former lower-casing stored for full-width input: full-width lower case.
    app.sql("UPDATE users SET email = '\u{ff4f}\u{ff4c}\u{ff47}\u{ff41}@test.org' WHERE email = 'olga@test.org'".to_string())
        .await;
    app.sql(format!(
        "UPDATE users SET email = '\u{ff4d}\u{ff49}\u{ff4b}\u{ff41}@test.org' WHERE id = '{twin}'"
    ))
    .await;
    asylum_tracker::db::run_db(&app.pool, asylum_tracker::db::migrate)
        .await
        .expect("migrate normalises and does not fail on a clash");
    body(app.login("olga@test.org", USER_PASSWORD).await, 200).await;
    body(app.login("OLGA@test.org", USER_PASSWORD).await, 200).await;
    // Two rows that now mean one address: the one already in normal form keeps it.
    let mika = body(app.login("mika@test.org", USER_PASSWORD).await, 200).await;
    assert_ne!(mika["user"]["id"], twin.as_str());
}
