//! A lawyer records a detention on the case page: the case header and the custody list say
//! "Detained" in text, and a release on bond takes the badge away.

use serde_json::json;

use super::Browser;
use crate::browser_both;
use crate::helpers::{id, TestApp};

browser_both!(a_detention_recorded_on_the_case_page_shows_the_detained_badge);

async fn a_detention_recorded_on_the_case_page_shows_the_detained_badge(
    app: &TestApp,
    b: &Browser,
) {
    let (_lawyer, case) = super::lawyers_case(app, json!({"kind": "affirmative"})).await;
    let case_id = id(&case);
    let reference = case["reference"].as_str().expect("reference").to_string();
    b.sign_in_at(
        &format!("/cases/{case_id}"),
        "lawyer@test.org",
        crate::helpers::USER_PASSWORD,
        &format!("Case {reference}"),
    )
    .await;
    b.find_text(
        "section[aria-labelledby=custody-h]",
        "No detention recorded.",
    )
    .await;
    b.fill("custody-form", "detained_on", "2026-11-02").await;
    b.fill("custody-form", "facility", "Otay Mesa Detention Center")
        .await;
    b.click("form#custody-form", "Save detention").await;
    b.find_text(
        "ul#custody li.custody[data-detained=\"true\"]",
        "Detained on",
    )
    .await;
    b.find_text("h1 .badge.detained", "Detained").await;
    b.axe("case with a detention").await;

    // Released on bond: the badge goes.
    let li = "ul#custody li.custody";
    b.fill_in(&format!("{li} form"), "released_on", "2026-11-20")
        .await;
    b.fill_in(&format!("{li} form"), "release_basis", "bond")
        .await;
    b.click(&format!("{li} form"), "Save custody").await;
    b.find_text("ul#custody li.custody[data-detained=\"false\"]", "released")
        .await;
    b.until(
        "the Detained badge to leave the header",
        "return !document.querySelector('h1 .badge.detained');",
        vec![],
    )
    .await;
}
