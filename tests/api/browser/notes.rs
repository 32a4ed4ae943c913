//! A lawyer writes a note on the case page (shown newest first with the author, correctable
//! while its window is open), adds a task for themself, finds it on the Agenda, and marks it done.

use chrono::Days;
use serde_json::json;

use super::Browser;
use crate::browser_both;
use crate::helpers::{body, id, TestApp};

browser_both!(a_note_and_a_task_on_the_case_page);

async fn a_note_and_a_task_on_the_case_page(app: &TestApp, b: &Browser) {
    let (lawyer, case) = super::lawyers_case(app, json!({"kind": "affirmative"})).await;
    let case_id = id(&case);
    let reference = case["reference"].as_str().expect("reference").to_string();
    let heading = format!("Case {reference}");
    b.sign_in_at(
        &format!("/cases/{case_id}"),
        "lawyer@test.org",
        crate::helpers::USER_PASSWORD,
        &heading,
    )
    .await;
    b.heading(&heading).await;
    b.find_text("section[aria-labelledby=notes-h]", "No notes yet.")
        .await;

    b.fill("note-form", "body", "Client called about the lease.")
        .await;
    b.click("form#note-form", "Add note").await;
    b.find_text("ul#notes li.note", "Client called about the lease.")
        .await;
    // Its author may correct it while the window is open.
    b.click("ul#notes li.note", "Correct").await;
    b.fill_in(
        "ul#notes li.note form.note-edit-form",
        "body",
        "Client called about the new lease.",
    )
    .await;
    b.click("ul#notes li.note form.note-edit-form", "Save correction")
        .await;
    b.find_text("ul#notes li.note", "corrected").await;
    let notes = body(
        app.get(&format!("/api/v1/cases/{case_id}/notes"), &lawyer)
            .await,
        200,
    )
    .await;
    assert_eq!(
        notes["items"][0]["body"],
        "Client called about the new lease."
    );

    let due = asylum_tracker::service::org_today(&app.settings) + Days::new(2);
    b.fill("task-form", "title", "Ask for the police report")
        .await;
    b.fill("task-form", "due_on", &due.to_string()).await;
    b.click("form#task-form", "Add task").await;
    b.find_text(
        "ul#tasks li.task[data-status=\"open\"]",
        "Ask for the police report",
    )
    .await;
    b.axe("case with notes and tasks").await;

    // On the Agenda, beside deadlines.
    b.nav("Agenda", "Agenda").await;
    b.find_text(
        "ul#agenda li.agenda-item[data-kind=\"task\"]",
        "Task: Ask for the police report",
    )
    .await;
    b.find_text("ul#agenda li.agenda-item[data-kind=\"task\"]", &reference)
        .await;

    // Marked done on the case page.
    b.goto(&format!("/cases/{case_id}")).await;
    b.heading(&heading).await;
    b.click("ul#tasks li.task", "Mark done").await;
    b.find("ul#tasks li.task[data-status=\"done\"]").await;
    let tasks = body(
        app.get(&format!("/api/v1/cases/{case_id}/tasks"), &lawyer)
            .await,
        200,
    )
    .await;
    assert_eq!(tasks["items"][0]["status"], "done");
}
