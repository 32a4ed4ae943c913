//! A lawyer adds a child to the case on its Family section, sees when the child turns 21 and the
//! `derivative_age_out` deadline it starts; a refused date of birth is shown by its field and
//! nothing typed is lost; removing the child keeps them listed with the reason.

use chrono::{Days, Months};
use serde_json::json;

use super::Browser;
use crate::browser_both;
use crate::helpers::{body, id, TestApp};

browser_both!(a_child_added_on_the_case_page_shows_when_they_turn_21);

async fn a_child_added_on_the_case_page_shows_when_they_turn_21(app: &TestApp, b: &Browser) {
    let (lawyer, case) = super::lawyers_case(app, json!({"kind": "affirmative"})).await;
    let case_id = id(&case);
    let today = asylum_tracker::service::org_today(&app.settings);
    let born = today + Days::new(60) - Months::new(21 * 12);
    let birthday = born + Months::new(21 * 12);

    b.sign_in_at(
        &format!("/cases/{case_id}"),
        "lawyer@test.org",
        crate::helpers::USER_PASSWORD,
        &format!("Case {}", case["reference"].as_str().expect("reference")),
    )
    .await;
    b.heading(&format!("Case {}", case["reference"].as_str().unwrap()))
        .await;
    b.find_text(
        "section[aria-labelledby=family-h]",
        "No spouse or child recorded.",
    )
    .await;
    b.fill("family-form", "relationship", "child").await;
    b.fill("family-form", "given_name", "Omid").await;
    b.fill("family-form", "family_name", "Haidari").await;
    // A date of birth in the future is refused next to its field; what was typed stays.
    let tomorrow = today + Days::new(1);
    b.fill("family-form", "date_of_birth", &tomorrow.to_string())
        .await;
    b.find("form#family-form [name=\"derivative\"]")
        .await
        .click()
        .await
        .expect("tick derivative");
    b.click("form#family-form", "Add family member").await;
    b.find_text(
        "form#family-form #family-form-date_of_birth-error",
        "must not be in the future",
    )
    .await;
    let kept = b
        .js(
            "const f = document.querySelector('form#family-form');
             return [f.given_name.value, f.family_name.value, f.derivative.checked];",
            vec![],
        )
        .await;
    assert_eq!(
        kept,
        json!(["Omid", "Haidari", true]),
        "nothing typed is lost"
    );

    b.fill("family-form", "date_of_birth", &born.to_string())
        .await;
    b.click("form#family-form", "Add family member").await;
    let turns = format!("Turns 21 on {}", birthday.format("%a %Y-%m-%d"));
    b.find_text(
        "ul#family li.family-member[data-relationship=\"child\"]",
        &turns,
    )
    .await;
    b.find_text("ul#family li.family-member", "Child: Omid Haidari")
        .await;
    // The deadline it starts, the day before the birthday, in the case's deadline list.
    let due = birthday - Days::new(1);
    b.find_text(
        "ul#deadlines li.deadline[data-kind=\"derivative_age_out\"][data-status=\"open\"]",
        &due.format("%a %Y-%m-%d").to_string(),
    )
    .await;
    let members = body(
        app.get(&format!("/api/v1/cases/{case_id}/family-members"), &lawyer)
            .await,
        200,
    )
    .await;
    let saved = &members["items"][0];
    assert_eq!(saved["date_of_birth"], born.to_string());
    assert_eq!(saved["derivative"], true);
    assert_eq!(saved["turns_21_on"], birthday.to_string());
    b.axe("case with family").await;
    b.at_both_widths("case-family").await;

    // Removing the child keeps them listed with the reason; their deadline leaves the list.
    let li = "ul#family li.family-member[data-relationship=\"child\"]";
    b.click(li, "Remove").await;
    b.fill_in(
        &format!("{li} form.family-remove-form"),
        "reason",
        "recorded twice",
    )
    .await;
    b.click(
        &format!("{li} form.family-remove-form"),
        "Remove from the case",
    )
    .await;
    b.find_text(
        "ul#family li.family-member[data-removed=\"true\"]",
        "Removed: recorded twice",
    )
    .await;
    b.until(
        "the age-out deadline to leave the list",
        "return !document.querySelector('ul#deadlines li.deadline[data-kind=\"derivative_age_out\"]');",
        vec![],
    )
    .await;
}
