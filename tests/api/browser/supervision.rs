//! A caseworker records an Order of Supervision on the case page, then a check-in without naming
//! a place: it is at the order's ICE field office in that office's zone, not at the case's court,
//! and the next check-in is planned from the interval; then the order is corrected and ended.

use chrono::Days;
use serde_json::json;

use super::Browser;
use crate::browser_both;
use crate::helpers::{id, TestApp};

browser_both!(an_order_of_supervision_puts_check_ins_at_its_field_office);

async fn an_order_of_supervision_puts_check_ins_at_its_field_office(app: &TestApp, b: &Browser) {
    let (_, case) =
        super::lawyers_case(app, json!({"kind": "defensive", "court_code": "el-paso"})).await;
    let case_id = id(&case);
    let reference = case["reference"].as_str().expect("reference").to_string();
    let today = asylum_tracker::service::org_today(&app.settings);
    b.sign_in_at(
        &format!("/cases/{case_id}"),
        "lawyer@test.org",
        crate::helpers::USER_PASSWORD,
        &format!("Case {reference}"),
    )
    .await;
    b.heading(&format!("Case {reference}")).await;

    let ordered = today - Days::new(10);
    b.fill("supervision-form", "ordered_on", &ordered.to_string())
        .await;
    b.fill("supervision-form", "field_office_code", "ero-new-york")
        .await;
    b.fill("supervision-form", "interval_days", "90").await;
    b.click("form#supervision-form", "Save order").await;
    b.find_text(
        "ul#supervision-orders",
        "ERO New York Field Office, New York, NY, every 90 days",
    )
    .await;
    b.find_text(
        "ul#deadlines li.deadline[data-kind=\"ice_check_in\"]",
        "ICE check-in",
    )
    .await;

    // The officer's date, with no place chosen: at the field office, at 09:00 New York time.
    let day = today + Days::new(20);
    b.fill("hearing-form", "kind", "ice_check_in").await;
    b.fill("hearing-form", "starts_at_local", &format!("{day}T09:00"))
        .await;
    b.click("form#hearing-form", "Save hearing").await;
    let when = format!("{} 09:00 America/New_York", day.format("%a %Y-%m-%d"));
    let row = b
        .find_text("ol#timeline li.timeline-item[data-type=\"hearing\"]", &when)
        .await;
    let text = row.text().await.expect("row text");
    assert!(
        text.contains("ERO New York Field Office, New York, NY"),
        "{text}"
    );
    assert!(!text.contains("El Paso"), "not at the case's court: {text}");
    b.axe("case-supervision").await;

    // The order is corrected and ended on the page: the list says so, and the API has it.
    b.click("ul#supervision-orders", "Correct or end").await;
    b.fill_in("form.supervision-edit-form", "interval_days", "60")
        .await;
    b.fill_in("form.supervision-edit-form", "ended_on", &today.to_string())
        .await;
    b.click("form.supervision-edit-form", "Save order").await;
    let ended = format!("every 60 days, ended {}", today.format("%a %Y-%m-%d"));
    b.find_text("ul#supervision-orders", &ended).await;
    let orders = crate::helpers::body(
        app.get(
            &format!("/api/v1/cases/{case_id}/supervision-orders"),
            &app.admin_token().await,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(orders["items"][0]["ended_on"], json!(today.to_string()));
    assert_eq!(orders["items"][0]["interval_days"], 60);
    b.axe("case-supervision-ended").await;
}
