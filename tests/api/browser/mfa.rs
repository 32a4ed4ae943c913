//! Two-step sign-in in the web client: enrolment where it is required (the key read off the
//! page, as a person types it into an app), removal, and an admin's reset of a lost phone.

use asylum_tracker::auth::totp::code_at;
use asylum_tracker::config::{MfaMode, Settings};
use serde_json::{json, Value};

use super::Browser;
use crate::browser_both;
use crate::helpers::{body, TestApp, ADMIN_PASSWORD, USER_PASSWORD};

browser_both!(settings = mfa_required; a_new_user_is_led_to_enrolment_and_then_works);
browser_both!(an_admin_resets_a_users_two_step_sign_in);

fn mfa_required(s: &mut Settings) {
    s.auth.mfa = MfaMode::Required;
}

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

/// A six-digit code that is none of the ones the app could show now (a wrong code).
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = [now() - 30, now(), now() + 30]
        .iter()
        .map(|t| code_at(secret, *t).unwrap())
        .collect();
    ["000000", "111111", "222222", "333333"]
        .iter()
        .find(|c| !near.iter().any(|n| n == *c))
        .expect("a wrong code")
        .to_string()
}

async fn a_new_user_is_led_to_enrolment_and_then_works(app: &TestApp, b: &Browser) {
    app.create_user("new@test.org", "caseworker", USER_PASSWORD)
        .await;
    b.goto("/").await;
    b.sign_in_here("new@test.org", USER_PASSWORD).await;
    // Not the agenda (its calls would answer 403): the enrolment, with the reason.
    b.heading("Set up two-step sign-in").await;
    assert_eq!(b.path().await, "/account");
    b.find_text(
        "#mfa-required",
        "Your organisation requires two-step sign-in",
    )
    .await;
    assert_eq!(b.nav_links().await, vec!["Account".to_string()]);
    b.axe("enrolment").await;

    b.click("#mfa", "Set up authenticator app").await;
    b.find("#mfa-qr").await;
    // The QR code is an image (a data: URL the CSP allows), and it loads.
    b.until(
        "the QR code image to load",
        "const img = document.querySelector('#mfa-qr');
         return img.complete && img.naturalWidth > 0 && img.src.startsWith('data:image/svg+xml;base64,');",
        vec![],
    )
    .await;
    let shown = b
        .js(
            "return document.querySelector('#mfa-secret').textContent;",
            vec![],
        )
        .await;
    let shown = shown.as_str().expect("the key as text");
    assert!(
        shown.contains(' '),
        "the key is grouped for typing: {shown}"
    );
    let secret: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
    b.axe("enrolment-key").await;
    b.at_both_widths("enrolment").await;

    // A wrong code is refused next to the field.
    b.fill("mfa-confirm-form", "code", &wrong_code(&secret))
        .await;
    b.click("form#mfa-confirm-form", "Confirm").await;
    b.find_text(
        "#mfa-confirm-form-code-error",
        "is not the authenticator's current code",
    )
    .await;

    b.fill(
        "mfa-confirm-form",
        "code",
        &code_at(&secret, now()).unwrap(),
    )
    .await;
    b.click("form#mfa-confirm-form", "Confirm").await;
    b.find_text(
        "#recovery-warning",
        "Save these codes now: they will not be shown again.",
    )
    .await;
    let codes = b
        .js(
            "return [...document.querySelectorAll('#recovery-codes li')].map((li) => li.textContent.trim());",
            vec![],
        )
        .await;
    let codes: Vec<String> = serde_json::from_value(codes).expect("codes");
    assert_eq!(codes.len(), 10, "ten recovery codes: {codes:?}");
    let download = b
        .js(
            "const a = document.querySelector('#recovery-download');
             return [a.getAttribute('download'), a.href.slice(0, 5)];",
            vec![],
        )
        .await;
    assert_eq!(
        download,
        json!(["asylum-tracker-recovery-codes.txt", "blob:"])
    );
    b.button("#mfa", "Copy codes").await;
    b.axe("recovery-codes").await;
    b.at_both_widths("recovery-codes").await;
    b.click("#mfa", "I have saved them, continue").await;

    // The same session now opens everything.
    b.heading("Agenda").await;
    assert_eq!(
        b.nav_links().await,
        vec!["Agenda", "Clients", "Account"],
        "the whole navigation"
    );
    b.nav("Clients", "Clients").await;

    // The next sign-in asks for a code; one recovery code from the page works once.
    let res: Value = body(app.login("new@test.org", USER_PASSWORD).await, 200).await;
    assert_eq!(res["mfa_required"], true, "enrolled: {res}");
    let second = app
        .post_anon(
            "/api/v1/auth/mfa",
            &json!({"challenge_token": res["challenge_token"], "recovery_code": codes[3]}),
        )
        .await;
    assert_eq!(second.status(), 200, "a recovery code from the page works");

    // Removing the app (password and a current code) leads back to enrolment, as it is required.
    b.nav("Account", "Account").await;
    b.find_text("#mfa-state", "Two-step sign-in is on").await;
    b.fill("mfa-remove-form", "password", USER_PASSWORD).await;
    b.fill(
        "mfa-remove-form",
        "code",
        &code_at(&secret, now() + 30).unwrap(),
    )
    .await;
    b.click("form#mfa-remove-form", "Remove authenticator app")
        .await;
    b.heading("Set up two-step sign-in").await;
    assert_eq!(b.nav_links().await, vec!["Account".to_string()]);
}

async fn an_admin_resets_a_users_two_step_sign_in(app: &TestApp, b: &Browser) {
    let admin = app.admin_token().await;
    let token = app.token_for("phone@test.org", "lawyer").await;
    crate::helpers::enrol_totp(app, &token).await;

    b.sign_in_at("/admin/users", "admin@test.org", ADMIN_PASSWORD, "Users")
        .await;
    let row = "ul#users li.user[data-email=\"phone@test.org\"]";
    b.find_text(row, "Two-step sign-in: On").await;
    // Asked first; Cancel changes nothing.
    b.click(row, "Reset two-step sign-in").await;
    b.find_text(row, "Reset two-step sign-in of phone@test.org?")
        .await;
    b.axe("users-reset-question").await;
    b.at_both_widths("users-reset-question").await;
    b.click(row, "Cancel").await;
    b.click(row, "Reset two-step sign-in").await;
    b.click(row, "Yes, reset").await;
    b.find_text(row, "Two-step sign-in has been reset").await;
    b.find_text(row, "Two-step sign-in: Off").await;
    let again = b
        .js(
            "return [...document.querySelectorAll(arguments[0] + ' button')].some((x) => x.textContent.includes('Reset two-step'));",
            vec![json!(row)],
        )
        .await;
    assert_eq!(again, json!(false), "nothing left to reset");

    let users: Value = body(app.get("/api/v1/users?limit=200", &admin).await, 200).await;
    let user = users["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["email"] == "phone@test.org")
        .expect("the user")
        .clone();
    assert_eq!(user["mfa_enrolled"], false, "reset: {user}");
    assert_eq!(
        app.get("/api/v1/me", &token).await.status(),
        401,
        "the user's sessions ended"
    );
    let mails = app.inbox.wait_for(1).await;
    assert_eq!(mails.len(), 1, "the user is told by e-mail");
}
