//! An admin manages accounts (creates a user, deactivates it) and retries a failed reminder.

use chrono::{Days, Local};
use serde_json::{json, Value};

use super::Browser;
use crate::browser_both;
use crate::helpers::{body, id, TestApp, ADMIN_PASSWORD};

browser_both!(
    admin_creates_and_deactivates_a_user,
    admin_retries_a_failed_reminder,
    admin_filters_the_audit_log_and_adds_a_closure_day
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
    b.axe("reminders").await;
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

/// The audit log narrows to one entity, and a closure day added on its page is what the API
/// then lists; both pages pass axe.
async fn admin_filters_the_audit_log_and_adds_a_closure_day(app: &TestApp, b: &Browser) {
    let admin = app.admin_token().await;
    let (_, case) = super::lawyers_case(app, json!({})).await;
    let case_id = id(&case);
    b.sign_in_at(
        "/admin/audit",
        "admin@test.org",
        ADMIN_PASSWORD,
        "Audit log",
    )
    .await;
    b.axe("audit").await;
    b.fill("audit-filter", "entity_type", "case").await;
    b.fill("audit-filter", "entity_id", &case_id).await;
    b.click("form#audit-filter", "Filter").await;
    // Only the case's own rows remain: every entry names it.
    let entity = format!("Entity: case {case_id}");
    b.find_text("ul#audit li.audit-entry", &entity).await;
    let names: Value = b
        .until(
            "the audit list shows only the case's rows",
            "const rows = [...document.querySelectorAll('ul#audit li.audit-entry')];
             return rows.length > 0 && rows.every((r) => r.textContent.includes(arguments[0]))
               ? rows.length : null;",
            vec![json!(entity)],
        )
        .await;
    assert!(names.as_u64().unwrap_or(0) >= 1, "rows: {names}");

    b.nav("Closures", "Closures").await;
    b.axe("closures").await;
    b.fill("closure-form", "day", "2027-12-24").await;
    b.fill("closure-form", "reason", "Executive order (test)")
        .await;
    b.click("form#closure-form", "Add closure").await;
    b.find_text(
        "ul#closures li.closure[data-day=\"2027-12-24\"]",
        "Executive order (test)",
    )
    .await;
    let closures: Value = body(app.get("/api/v1/closures", &admin).await, 200).await;
    assert!(
        closures["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|c| c["day"] == "2027-12-24" && c["reason"] == "Executive order (test)"),
        "the API lists the new closure: {closures}"
    );
}
