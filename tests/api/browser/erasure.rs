//! An admin erases a client from the client page: not while a case is open, and only after the
//! confirmation step (a reason, ERASE typed); a lawyer sees no such action.

use serde_json::{json, Value};

use super::Browser;
use crate::browser_both;
use crate::helpers::{body, id, TestApp, ADMIN_PASSWORD, USER_PASSWORD};

browser_both!(an_admin_erases_a_client_after_confirming);

async fn an_admin_erases_a_client_after_confirming(app: &TestApp, b: &Browser) {
    let admin = app.admin_token().await;
    let (_lawyer, case) = super::lawyers_case(app, json!({"kind": "affirmative"})).await;
    let client_id = case["client_id"].as_str().expect("client id").to_string();
    let page = format!("/clients/{client_id}");

    // A lawyer on the case sees the client, and no way to erase it.
    b.sign_in_at(&page, "lawyer@test.org", USER_PASSWORD, "Amina Haidari")
        .await;
    b.find("ul#client-cases").await;
    let none = b
        .js(
            "return document.querySelector('#erase-client') === null;",
            vec![],
        )
        .await;
    assert_eq!(none, json!(true), "no erase action for a lawyer");
    b.click("header", "Sign out").await;

    // The admin: closed to erasure while the case is open.
    b.sign_in_at(&page, "admin@test.org", ADMIN_PASSWORD, "Amina Haidari")
        .await;
    b.find_text(
        "#erase-client-open",
        "Close every case first: 1 is still open.",
    )
    .await;
    let disabled = b
        .js(
            "return document.querySelector('#erase-client-start').disabled;",
            vec![],
        )
        .await;
    assert_eq!(
        disabled,
        json!(true),
        "the button waits for the case to close"
    );
    b.axe("client with erasure").await;

    // (The lawyer's tokens ended with the sign-out: the admin closes the case.)
    let closing = json!({"status": "closed", "closed_reason": "withdrew"});
    body(
        app.patch(&format!("/api/v1/cases/{}", id(&case)), &admin, &closing)
            .await,
        200,
    )
    .await;
    b.goto(&page).await;
    b.heading("Amina Haidari").await;
    b.click("#erase-client", "Erase this client").await;
    // The confirmation must be typed as asked: nothing is erased otherwise.
    b.fill("erase-form", "reason", "client_request").await;
    b.fill("erase-form", "confirm", "erase").await;
    b.click("form#erase-form", "Erase permanently").await;
    b.find_text(
        "#erase-form-confirm-error",
        "Type ERASE, in capitals, to confirm.",
    )
    .await;
    b.at_both_widths("erase-confirmation").await;
    let still: Value = body(
        app.get(&format!("/api/v1/clients/{client_id}"), &admin)
            .await,
        200,
    )
    .await;
    assert_eq!(still["family_name"], "Haidari");

    b.fill("erase-form", "confirm", "ERASE").await;
    b.click("form#erase-form", "Erase permanently").await;
    b.heading("Client erased").await;
    b.find_text("#client-erased", "were erased").await;
    let res = app
        .get(&format!("/api/v1/clients/{client_id}"), &admin)
        .await;
    assert_eq!(res.status(), 404, "erased");
    let audit = body(
        app.get(
            &format!("/api/v1/audit?entity_type=client&entity_id={client_id}&limit=200"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(audit["items"][0]["action"], "erase");
    assert_eq!(audit["items"][0]["changes"]["reason"], "client_request");
}
