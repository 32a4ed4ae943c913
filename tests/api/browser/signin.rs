//! Signing in, and a password reset from the link in the e-mail.

use super::Browser;
use crate::browser_both;
use crate::helpers::{TestApp, USER_PASSWORD};

browser_both!(
    reset_link_from_the_mail_sets_a_new_password,
    an_enrolled_user_signs_in_with_a_code
);

/// The second step: a wrong code is refused on the form, the app's current code opens the agenda.
async fn an_enrolled_user_signs_in_with_a_code(app: &TestApp, b: &Browser) {
    use asylum_tracker::auth::totp::code_at;
    let token = app.token_for("two@test.org", "caseworker").await;
    let (secret, _) = crate::helpers::enrol_totp(app, &token).await;
    let now = || chrono::Utc::now().timestamp() as u64;

    b.goto("/").await;
    b.sign_in_here("two@test.org", USER_PASSWORD).await;
    b.heading("Enter your code").await;
    b.axe("second-step").await;
    b.fill("mfa-form", "code", "000000").await;
    b.click("form#mfa-form", "Continue").await;
    b.find_text("form#mfa-form .form-error", "That code did not work.")
        .await;
    // The confirming code is spent; the next step's code is the one the app shows next.
    b.fill("mfa-form", "code", &code_at(&secret, now() + 30).unwrap())
        .await;
    b.click("form#mfa-form", "Continue").await;
    b.heading("Agenda").await;
}

async fn reset_link_from_the_mail_sets_a_new_password(app: &TestApp, b: &Browser) {
    app.create_user("reset@test.org", "lawyer", USER_PASSWORD)
        .await;
    b.goto("/").await;
    b.heading("Sign in").await;
    b.axe("sign-in").await;

    // A wrong password is refused on the form.
    b.fill("signin-form", "email", "reset@test.org").await;
    b.fill("signin-form", "password", "not the password at all")
        .await;
    b.click("form#signin-form", "Sign in").await;
    b.find_text("form#signin-form .form-error", "Wrong e-mail or password.")
        .await;

    b.control("main", "Forgot password?", true)
        .await
        .click()
        .await
        .expect("click Forgot password?");
    b.heading("Reset your password").await;
    b.fill("forgot-form", "email", "reset@test.org").await;
    b.click("form#forgot-form", "Send reset link").await;
    b.find_text(
        "main",
        "If an account uses that address, we have sent it a link.",
    )
    .await;

    let mails = app.inbox.wait_for(1).await;
    assert_eq!(mails.len(), 1, "one reset mail");
    let link = reset_link(&mails[0].raw, &b.url("/reset-password?token="));
    b.client.goto(&link).await.expect("open the link");
    b.heading("Choose a new password").await;
    // The token leaves the address bar at once.
    let path = b.path().await;
    assert!(
        !path.contains("token"),
        "token removed from the address: {path}"
    );

    // A mismatch is caught on the page.
    let new_password = "Velvet compass beyond the ridge 3";
    b.fill("reset-form", "new_password", new_password).await;
    b.fill("reset-form", "confirm_password", "something else")
        .await;
    b.click("form#reset-form", "Set password").await;
    b.find("#reset-form-confirm_password-error").await;

    b.fill("reset-form", "confirm_password", new_password).await;
    b.click("form#reset-form", "Set password").await;
    b.find_text(
        "#reset-done",
        "Your password has been changed. Sign in with the new password.",
    )
    .await;
    assert_eq!(b.path().await, "/");
    b.sign_in_here("reset@test.org", new_password).await;
    b.heading("Agenda").await;
    assert_eq!(
        app.login("reset@test.org", USER_PASSWORD).await.status(),
        401,
        "the old password is gone"
    );
}

/// The reset link in a raw mail (quoted-printable may fold lines and encode '=').
fn reset_link(raw: &str, prefix: &str) -> String {
    let unfolded = raw.replace("=\r\n", "").replace("=3D", "=");
    let start = unfolded.find(prefix).expect("reset link in the mail");
    let token: String = unfolded[start + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(!token.is_empty(), "a token in the link");
    format!("{prefix}{token}")
}
