//! Password guesses are counted before they are checked (so a parallel burst gets at most five
//! checks), wherever a password is checked; weak stored hashes are upgraded at sign-in.

use asylum_tracker::auth::password::hash_with;
use asylum_tracker::db::{run_db, users};
use serde_json::json;

use crate::both;
use crate::helpers::*;

both!(
    thirty_parallel_wrong_passwords_check_at_most_five,
    wrong_current_passwords_count_like_sign_in_failures,
    a_weak_stored_hash_is_upgraded_at_sign_in,
    an_overlong_password_is_refused_before_hashing,
);

async fn audited(app: &TestApp, id: &str, action: &str) -> usize {
    user_audit_actions(app, id)
        .await
        .iter()
        .filter(|a| *a == action)
        .count()
}

async fn thirty_parallel_wrong_passwords_check_at_most_five(app: TestApp) {
    let id = app
        .create_user("burst@test.org", "caseworker", USER_PASSWORD)
        .await;
    let statuses = all_at_once(30, || {
        app.login("burst@test.org", "a wrong guess, number n")
    })
    .await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(checked <= 5, "{checked} guesses were checked: {statuses:?}");
    assert_eq!(checked + refused, 30, "only 401 and 429: {statuses:?}");
    assert_eq!(audited(&app, &id, "login_failed").await, checked);
    // The account is locked now: the right password gets 429 too.
    problem(app.login("burst@test.org", USER_PASSWORD).await, 429).await;
}

async fn wrong_current_passwords_count_like_sign_in_failures(app: TestApp) {
    let token = app.token_for("changer@test.org", "caseworker").await;
    let change = |current: &'static str| {
        let body = json!({"current_password": current, "new_password": "Another sturdy lantern 99 quietly"});
        let token = token.clone();
        let app = &app;
        async move { app.post("/api/v1/me/password", &token, &body).await }
    };
    for _ in 0..5 {
        let p = problem(change("not the current password").await, 422).await;
        assert_eq!(error_fields(&p), vec!["current_password"]);
    }
    // A stolen access token guesses no faster than the sign-in form: the sixth guess, even the
    // right one, is refused, and sign-in is locked too.
    let res = change(USER_PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    problem(res, 429).await;
    problem(app.login("changer@test.org", USER_PASSWORD).await, 429).await;
}

async fn a_weak_stored_hash_is_upgraded_at_sign_in(app: TestApp) {
    let id = app
        .create_user("old@test.org", "lawyer", USER_PASSWORD)
        .await;
    let weak = hash_with(
        &argon2::Params::new(8192, 1, 1, None).unwrap(),
        USER_PASSWORD,
    )
    .unwrap();
    app.sql(format!(
        "UPDATE users SET password_hash = '{weak}' WHERE id = '{id}'"
    ))
    .await;
    let stored = || {
        let id = id.clone();
        run_db(&app.pool, move |conn| {
            Ok(users::find(conn, &id)?.unwrap().password_hash)
        })
    };
    assert!(stored().await.unwrap().contains("m=8192,t=1,p=1"));
    app.session("old@test.org", USER_PASSWORD).await;
    let upgraded = stored().await.unwrap();
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{upgraded}"
    );
    assert_ne!(upgraded, weak);
    assert_eq!(audited(&app, &id, "login").await, 1);
    // The new hash still opens the account; a second sign-in leaves it as it is.
    app.session("old@test.org", USER_PASSWORD).await;
    assert_eq!(stored().await.unwrap(), upgraded);
}

async fn an_overlong_password_is_refused_before_hashing(app: TestApp) {
    app.create_user("long@test.org", "caseworker", USER_PASSWORD)
        .await;
    let long = "x".repeat(100_000);
    let p = problem(app.login("long@test.org", &long).await, 422).await;
    assert_eq!(error_fields(&p), vec!["password"]);
    // Not counted as a guess: the right password still works at once.
    app.session("long@test.org", USER_PASSWORD).await;
}
