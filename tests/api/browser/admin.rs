//! An admin manages accounts (creates a user, deactivates it) and retries a failed reminder.

use chrono::{Days, Local};
use serde_json::{json, Value};

use super::Browser;
use crate::browser_both;
use crate::helpers::{body, id, TestApp, ADMIN_PASSWORD};

browser_both!(
    admin_creates_and_deactivates_a_user,
    admin_retries_a_failed_reminder
);

async fn admin_creates_and_deactivates_a_user(app: &TestApp, b: &Browser) {
    let admin = app.admin_token().await;
    b.sign_in_at("/admin/users", "admin@test.org", ADMIN_PASSWORD, "Users")
        .await;
    b.axe("users").await;
    b.fill("user-form", "email", "new.lawyer@test.org").await;
    b.fill("user-form", "name", "Nadia Lawyer").await;
    b.fill("user-form", "role", "lawyer").await;
    b.fill("user-form", "password", "Brisk walnut under amber skies 9")
        .await;
    b.click("form#user-form", "Create user").await;
    let row = "ul#users li.user[data-email=\"new.lawyer@test.org\"]";
    b.find_text(row, "Active").await;
    b.find_text(row, "Nadia Lawyer").await;
    b.click(row, "Deactivate").await;
    b.find_text(row, "Inactive").await;
    b.button(row, "Reactivate").await;

    // The account is really inactive: the API says so and it cannot sign in.
    let users: Value = body(app.get("/api/v1/users?limit=200", &admin).await, 200).await;
    let user = users["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["email"] == "new.lawyer@test.org")
        .expect("the new user")
        .clone();
    assert_eq!(user["active"], false, "deactivated: {user}");
    assert_eq!(user["role"], "lawyer");
    let res = app
        .login("new.lawyer@test.org", "Brisk walnut under amber skies 9")
        .await;
    assert_eq!(res.status(), 401, "an inactive account cannot sign in");
}

async fn admin_retries_a_failed_reminder(app: &TestApp, b: &Browser) {
    let admin = app.admin_token().await;
    let (lawyer, case) = super::lawyers_case(app, json!({})).await;
    let due = Local::now().date_naive() + Days::new(7);
    let res = app
        .post(
            &format!("/api/v1/cases/{}/deadlines", id(&case)),
            &lawyer,
            &json!({"kind": "other", "title": "File evidence", "due_on": due}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // The reminders the deadline planned, failed as after five refused deliveries (as
    // tests/api/reminders.rs does: the worker is not running in tests).
    app.sql(
        "UPDATE reminders SET state = 'failed', attempts = 5, last_error = 'SMTP refused (test)'"
            .into(),
    )
    .await;
    let failed: Value = body(
        app.get("/api/v1/reminders?status=failed", &admin).await,
        200,
    )
    .await;
    let reminder = id(&failed["items"][0]);

    b.sign_in_at(
        "/admin/reminders",
        "admin@test.org",
        ADMIN_PASSWORD,
        "Reminders",
    )
    .await;
    let row = format!("ul#reminders li.reminder[data-id=\"{reminder}\"]");
    b.find(&format!("{row}[data-status=\"failed\"]")).await;
    b.find_text(&row, "SMTP refused (test)").await;
    b.click(&row, "Retry").await;
    b.find_text(&row, "Queued for retry").await;
    let pending: Value = body(
        app.get("/api/v1/reminders?status=pending", &admin).await,
        200,
    )
    .await;
    let again = pending["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["id"] == reminder.as_str())
        .expect("the reminder is pending again")
        .clone();
    assert_eq!(again["attempts"], 0, "attempts start over: {again}");
}
