//! A lawyer records an adverse decision, sees the BIA appeal deadline it starts and its
//! explanation, and marks a deadline met with a note; records the Notice to Appear and closes a
//! case with a reason.

use chrono::{Days, Local, NaiveDate};
use serde_json::{json, Value};

use super::Browser;
use crate::browser_both;
use crate::helpers::{body, id, TestApp};

browser_both!(
    lawyer_decision_starts_bia_appeal_and_marks_met,
    lawyer_records_the_nta_and_closes_the_case_with_a_reason,
    lawyer_claims_and_withdraws_a_one_year_bar_exception
);

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

async fn lawyer_records_the_nta_and_closes_the_case_with_a_reason(app: &TestApp, b: &Browser) {
    let (lawyer, case) =
        super::lawyers_case(app, json!({"kind": "defensive", "court_code": "el-paso"})).await;
    let case_id = id(&case);
    let path = format!("/api/v1/cases/{case_id}");
    b.sign_in_at(
        &format!("/cases/{case_id}"),
        "lawyer@test.org",
        crate::helpers::USER_PASSWORD,
        &format!("Case {}", case["reference"].as_str().expect("reference")),
    )
    .await;
    fact(b, "NTA named time and place", "Not known").await;

    // The Notice to Appear: served before issued is refused next to its field, and what was
    // typed stays; corrected, it is saved and shown in the facts.
    b.fill("nta-form", "nta_issued_on", "2026-02-10").await;
    b.fill("nta-form", "nta_served_on", "2026-02-01").await;
    b.fill("nta-form", "nta_time_and_place", "false").await;
    b.click("form#nta-form", "Save notice to appear").await;
    b.find_text("#nta-form-nta_served_on-error", "must not be before")
        .await;
    let typed = b
        .js(
            "return document.querySelector('#nta-form-nta_issued_on').value;",
            vec![],
        )
        .await;
    assert_eq!(typed, "2026-02-10", "nothing typed is lost");
    b.fill("nta-form", "nta_served_on", "2026-02-12").await;
    b.click("form#nta-form", "Save notice to appear").await;
    b.find_text("#nta-form-status", "Notice to appear saved.")
        .await;
    fact(b, "NTA served on", "Thu 2026-02-12").await;
    fact(b, "NTA named time and place", "No").await;

    // Closing without a reason: the server's 422 is shown by the select; the note stays.
    b.fill(
        "close-form",
        "closed_note",
        "Represented by new counsel in Denver",
    )
    .await;
    b.click("form#close-form", "Close case").await;
    b.find_text(
        "#close-form-closed_reason-error",
        "is required to close a case",
    )
    .await;
    let note = b
        .js(
            "return document.querySelector('#close-form-closed_note').value;",
            vec![],
        )
        .await;
    assert_eq!(note, "Represented by new counsel in Denver");
    let read = body(app.get(&path, &lawyer).await, 200).await;
    assert_eq!(read["status"], "intake", "not closed: {read}");

    // With a reason: closed, and the header says why.
    b.fill("close-form", "closed_reason", "transferred").await;
    b.click("form#close-form", "Close case").await;
    fact(b, "Status", "Closed (Transferred)").await;
    fact(b, "Closing note", "Represented by new counsel in Denver").await;
    b.button("form#reopen-form", "Reopen case").await;
    let read: Value = body(app.get(&path, &lawyer).await, 200).await;
    assert_eq!(read["status"], "closed");
    assert_eq!(read["closed_reason"], "transferred");
    assert_eq!(read["closed_note"], "Represented by new counsel in Denver");
    assert_eq!(read["nta_issued_on"], "2026-02-10");
    assert_eq!(read["nta_served_on"], "2026-02-12");
    assert_eq!(read["nta_time_and_place"], false);
}

/// The exception to the one-year filing bar: a claim without its kind is refused by the select
/// with the note kept, then claimed, shown and withdrawn with a reason, as the API then says.
async fn lawyer_claims_and_withdraws_a_one_year_bar_exception(app: &TestApp, b: &Browser) {
    let (lawyer, case) = super::lawyers_case(app, json!({})).await;
    let case_id = id(&case);
    let path = format!("/api/v1/cases/{case_id}/one-year-exception");
    b.sign_in_at(
        &format!("/cases/{case_id}"),
        "lawyer@test.org",
        crate::helpers::USER_PASSWORD,
        &format!("Case {}", case["reference"].as_str().expect("reference")),
    )
    .await;
    b.find_text(
        "#one-year-claim",
        "No exception to the one-year filing bar is claimed.",
    )
    .await;
    let why = "Arrived with PTSD documented by the clinic; filed within months of treatment";
    b.fill("one-year-form", "note", why).await;
    b.click("form#one-year-form", "Claim the exception").await;
    b.find("#one-year-form-kind-error:not(:empty)").await;
    let kept = b
        .js(
            "return document.querySelector('#one-year-form-note').value;",
            vec![],
        )
        .await;
    assert_eq!(kept, why, "nothing typed is lost");
    let read = body(app.get(&path, &lawyer).await, 200).await;
    assert!(read["kind"].is_null(), "nothing claimed yet: {read}");

    b.fill("one-year-form", "kind", "extraordinary_circumstances")
        .await;
    b.click("form#one-year-form", "Claim the exception").await;
    b.find_text(
        "#one-year-claim[data-kind=\"extraordinary_circumstances\"]",
        "Extraordinary circumstances (8 CFR 208.4(a)(5))",
    )
    .await;
    b.find_text("#one-year-claim", why).await;
    let read = body(app.get(&path, &lawyer).await, 200).await;
    assert_eq!(read["kind"], "extraordinary_circumstances");
    assert_eq!(read["note"], why);

    b.fill(
        "one-year-withdraw-form",
        "reason",
        "Client now says arrival was in 2024",
    )
    .await;
    b.click("form#one-year-withdraw-form", "Withdraw the claim")
        .await;
    b.find_text(
        "#one-year-claim",
        "No exception to the one-year filing bar is claimed.",
    )
    .await;
    let read = body(app.get(&path, &lawyer).await, 200).await;
    assert!(read["kind"].is_null(), "withdrawn: {read}");
}

/// Waits for the case facts to show `value` as the fact `label`.
async fn fact(b: &Browser, label: &str, value: &str) {
    b.until(
        &format!("the fact {label:?} reading {value:?}"),
        "const [label, value] = arguments;
         return [...document.querySelectorAll('#case-facts > div')].some((d) =>
           d.querySelector('dt').textContent === label && d.querySelector('dd').textContent === value);",
        vec![json!(label), json!(value)],
    )
    .await;
}
