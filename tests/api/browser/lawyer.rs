//! A lawyer records an adverse decision, sees the BIA appeal deadline it starts and its
//! explanation, and marks a deadline met with a note.

use chrono::{Days, Local, NaiveDate};
use serde_json::{json, Value};

use super::Browser;
use crate::browser_both;
use crate::helpers::{body, id, TestApp};

browser_both!(lawyer_decision_starts_bia_appeal_and_marks_met);

async fn lawyer_decision_starts_bia_appeal_and_marks_met(app: &TestApp, b: &Browser) {
    let (lawyer, case) =
        super::lawyers_case(app, json!({"kind": "defensive", "court_code": "el-paso"})).await;
    let case_id = id(&case);
    let decided = Local::now().date_naive() - Days::new(3);

    b.sign_in_at(
        &format!("/cases/{case_id}"),
        "lawyer@test.org",
        crate::helpers::USER_PASSWORD,
        &format!("Case {}", case["reference"].as_str().expect("reference")),
    )
    .await;
    b.fill("decision-form", "kind", "removal_ordered").await;
    b.fill("decision-form", "authority", "immigration_judge")
        .await;
    b.fill("decision-form", "decided_on", &decided.to_string())
        .await;
    b.click("form#decision-form", "Save decision").await;

    // The API's own row: 30 days from the decision, rolled past a weekend or holiday.
    let row = b
        .find("ul#deadlines li.deadline[data-kind=\"bia_appeal\"]")
        .await;
    let deadlines: Value = body(
        app.get(&format!("/api/v1/cases/{case_id}/deadlines"), &lawyer)
            .await,
        200,
    )
    .await;
    let bia = deadlines["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["kind"] == "bia_appeal")
        .expect("a bia_appeal deadline")
        .clone();
    let due: NaiveDate = bia["due_on"]
        .as_str()
        .expect("due_on")
        .parse()
        .expect("date");
    assert!(
        due >= decided + Days::new(30) && due <= decided + Days::new(34),
        "30 days, rolled forward at most a long weekend: {due}"
    );
    let text = row.text().await.expect("row text");
    assert!(
        text.contains(&due.format("%a %Y-%m-%d").to_string()),
        "the row shows the due date {due}: {text}"
    );
    assert_eq!(
        row.attr("data-status").await.ok().flatten().as_deref(),
        Some("open")
    );
    // The rule and its explanation are in the row's details (opened, as a person would).
    b.js(
        "document.querySelector('ul#deadlines li.deadline[data-kind=\"bia_appeal\"] details').open = true;",
        vec![],
    )
    .await;
    let li = "ul#deadlines li.deadline[data-kind=\"bia_appeal\"]";
    b.find_text(
        &format!("{li} details"),
        bia["rule"].as_str().expect("rule"),
    )
    .await;
    b.find_text(
        &format!("{li} details"),
        bia["explanation"].as_str().expect("explanation"),
    )
    .await;

    b.click(li, "Mark met").await;
    b.fill_in(
        &format!("{li} form.deadline-mark-form"),
        "note",
        "EOIR-26 sent by courier",
    )
    .await;
    b.click(&format!("{li} form.deadline-mark-form"), "Save")
        .await;
    b.find("ul#deadlines li.deadline[data-kind=\"bia_appeal\"][data-status=\"met\"]")
        .await;
    let list: Value = body(
        app.get(&format!("/api/v1/cases/{case_id}/deadlines"), &lawyer)
            .await,
        200,
    )
    .await;
    let after = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["id"] == bia["id"])
        .expect("the deadline")
        .clone();
    assert_eq!(after["status"], "met", "saved: {after}");
    assert!(
        after.to_string().contains("EOIR-26 sent by courier"),
        "the note is saved: {after}"
    );
}
