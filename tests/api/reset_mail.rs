//! Password-reset mail: at most three an hour per account, only the newest link works, and the
//! mail goes through the outbox, so that SMTP being down delays it instead of losing it.

use std::time::{Duration, Instant};

use asylum_tracker::db::{run_db, sessions};
use asylum_tracker::reminders::mail::Mailer;
use asylum_tracker::reminders::worker;
use serde_json::{json, Value};

use crate::auth::reset_token;
use crate::helpers::{all_at_once, problem, spawn_app_with, Backend, TestApp, USER_PASSWORD};
use crate::{both, each_backend};

both!(
    ten_requests_send_three_mails_and_only_the_newest_link_works,
    a_burst_of_requests_makes_at_most_three_links,
);
each_backend!(with_smtp_down_the_request_answers_at_once_and_the_mail_comes_later);

const RESET: &str = "/api/v1/auth/password-reset";
const CONFIRM: &str = "/api/v1/auth/password-reset/confirm";
const NEW_PASSWORD: &str = "Fresh orchard ladder 2026 blue";

async fn ask(app: &TestApp, email: &str) {
    let res = app.post_anon(RESET, &json!({"email": email})).await;
    assert_eq!(res.status(), 202);
}

/// Whether the link of `token` still works, without using it: a weak password is refused for
/// the password when the token is good, for the token when it is not.
async fn link_works(app: &TestApp, token: &str) -> bool {
    let res = app
        .post_anon(
            CONFIRM,
            &json!({"token": token, "new_password": "password123"}),
        )
        .await;
    let field = problem(res, 422).await["errors"][0]["field"].clone();
    assert!(field == "token" || field == "new_password", "{field}");
    field == "new_password"
}

/// The reset links the user was given in the last day.
async fn links_made(app: &TestApp, user_id: &str) -> i64 {
    let user_id = user_id.to_string();
    run_db(&app.pool, move |conn| {
        sessions::resets_since(
            conn,
            &user_id,
            chrono::Utc::now().naive_utc() - chrono::Duration::days(1),
        )
    })
    .await
    .expect("count")
}

async fn ten_requests_send_three_mails_and_only_the_newest_link_works(app: TestApp) {
    app.create_user("reset@test.org", "lawyer", USER_PASSWORD)
        .await;
    for i in 0..10 {
        ask(&app, "reset@test.org").await;
        if i < 3 {
            assert_eq!(
                app.inbox.wait_for(i + 1).await.len(),
                i + 1,
                "mail {}",
                i + 1
            );
        }
    }
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let mails = app.inbox.messages();
    assert_eq!(mails.len(), 3, "three an hour");
    let tokens: Vec<String> = mails.iter().map(|m| reset_token(&m.raw)).collect();
    assert!(
        !link_works(&app, &tokens[0]).await,
        "the first link was replaced"
    );
    assert!(
        !link_works(&app, &tokens[1]).await,
        "the second link was replaced"
    );
    assert!(link_works(&app, &tokens[2]).await, "the newest link works");
    let ok = app
        .post_anon(
            CONFIRM,
            &json!({"token": tokens[2], "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(ok.status(), 204);
    assert_eq!(
        app.login("reset@test.org", NEW_PASSWORD).await.status(),
        200
    );
}

async fn a_burst_of_requests_makes_at_most_three_links(app: TestApp) {
    let id = app
        .create_user("burst@test.org", "lawyer", USER_PASSWORD)
        .await;
    let body = json!({"email": "burst@test.org"});
    let statuses = all_at_once(16, || app.post_anon(RESET, &body)).await;
    assert_eq!(statuses, vec![202; 16]);
    // The requests answered first; their work goes on. Wait until it is done.
    let mut made = 0;
    for _ in 0..100 {
        made = links_made(&app, &id).await;
        if made >= 3 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(made, 3);
    assert_eq!(links_made(&app, &id).await, 3, "no more after a while");
    let mails = app.inbox.messages();
    // A link replaced before its mail went out is not sent: one to three mails.
    assert!((1..=3).contains(&mails.len()), "{} mails", mails.len());
    let mut working = 0;
    for mail in &mails {
        if link_works(&app, &reset_token(&mail.raw)).await {
            working += 1;
        }
    }
    assert_eq!(working, 1, "only the newest link works");
}

async fn with_smtp_down_the_request_answers_at_once_and_the_mail_comes_later(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let app = spawn_app_with(backend, |s| {
        s.mail.smtp_url = Some(format!("smtp://127.0.0.1:{dead_port}"));
    })
    .await;
    app.create_user("down@test.org", "lawyer", USER_PASSWORD)
        .await;
    let admin = app.admin_token().await;
    let started = Instant::now();
    ask(&app, "down@test.org").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered at once"
    );

    // The try failed; the mail waits in the outbox for the worker's retry.
    let mut row = Value::Null;
    for _ in 0..100 {
        let list: Value = app
            .get("/api/v1/reminders?status=pending", &admin)
            .await
            .json()
            .await
            .unwrap();
        if let Some(r) = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "password_reset" && r["attempts"] == 1)
        {
            row = r.clone();
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        row["kind"], "password_reset",
        "a failed try, kept for retry"
    );
    assert!(row["last_error"].is_string());
    assert!(app.inbox.messages().is_empty());

    // SMTP is back (the in-test server) and the short backoff of a reset mail has run out.
    app.sql(
        "UPDATE reminders SET next_attempt_at = '2000-01-01 00:00:00' WHERE state = 'pending'"
            .into(),
    )
    .await;
    let mut w = app.state.worker();
    let mut mail = app.settings.mail.clone();
    mail.smtp_url = Some(format!("smtp://127.0.0.1:{}", app.inbox.port));
    w.mailer = Mailer::from_settings(&mail, app.settings.reminders.concurrency).unwrap();
    assert_eq!(worker::tick(&w).await.unwrap().sent, 1);
    let mails = app.inbox.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["down@test.org".to_string()]);
    let token = reset_token(&mails[0].raw);

    // The outbox never held the link: neither the admin's view nor any stored row shows it.
    let all = app
        .get("/api/v1/reminders?limit=200", &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(all.contains("password_reset"));
    assert!(!all.contains(&token), "the admin view shows no link");
    let stored: Vec<(String, Option<String>, Option<String>)> = run_db(&app.pool, |conn| {
        use asylum_tracker::db::schema::reminders::dsl::*;
        use diesel::prelude::*;
        Ok(reminders
            .select((item_key, payload, last_error))
            .load(conn)?)
    })
    .await
    .unwrap();
    let stored = format!("{stored:?}");
    assert!(!stored.contains(&token), "no stored row holds the link");
    let ok = app
        .post_anon(
            CONFIRM,
            &json!({"token": token, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(ok.status(), 204);
}
