//! Notes on cases and clients: visibility follows the case (or the client), the author corrects
//! a note inside the edit window and not after (409 append-only), nobody else may; 422s; audit.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{audit_rows, body, id, invalid, problem, team, TestApp};

both!(
    a_case_note_follows_the_case,
    a_client_note_follows_the_client,
    only_the_author_edits_and_only_inside_the_window,
    bad_notes_are_422_and_change_nothing,
);

fn note(text: &str) -> Value {
    json!({ "body": text })
}

async fn note_ids(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    body(app.get(path, token).await, 200).await["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(id)
        .collect()
}

async fn a_case_note_follows_the_case(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/cases/{}/notes", t.case_id());
    let first = body(
        app.post(
            &path,
            &t.caseworker,
            &note("  Called; she will bring the lease.  "),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        first["body"], "Called; she will bring the lease.",
        "trimmed"
    );
    assert_eq!(first["case_id"], t.case_id());
    assert_eq!(first["client_id"], t.client_id());
    assert_eq!(first["author_id"], t.caseworker_id.as_str());
    assert!(first["author_name"].is_string());
    assert!(first["edited_at"].is_null());
    let second = body(
        app.post(&path, &t.lawyer, &note("Declaration drafted."))
            .await,
        201,
    )
    .await;

    // The team and an admin read it, newest first.
    for token in t.insiders() {
        assert_eq!(
            note_ids(&app, &path, token).await,
            vec![id(&second), id(&first)],
            "newest first"
        );
    }
    // Others get the case's 404, for reading, writing and editing alike.
    for token in t.outsiders() {
        problem(app.get(&path, token).await, 404).await;
        problem(app.post(&path, token, &note("x")).await, 404).await;
        let edit = format!("/api/v1/notes/{}", id(&first));
        problem(app.patch(&edit, token, &note("x")).await, 404).await;
    }
    // Assigned, the other caseworker reads them at once.
    let assign = format!(
        "/api/v1/cases/{}/assignments/{}",
        t.case_id(),
        t.other_caseworker_id
    );
    body(
        app.put(&assign, &t.admin, &json!({"role": "caseworker"}))
            .await,
        200,
    )
    .await;
    assert_eq!(note_ids(&app, &path, &t.other_caseworker).await.len(), 2);
    // Case notes are not the client's own notes.
    let client_notes = format!("/api/v1/clients/{}/notes", t.client_id());
    assert!(note_ids(&app, &client_notes, &t.admin).await.is_empty());

    // Audited, with the text (the audit log is admin-only).
    let rows = audit_rows(&app, "note", &id(&first)).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["action"], "create");
    assert_eq!(rows[0]["actor_id"], t.caseworker_id.as_str());
    assert_eq!(
        rows[0]["changes"]["body"]["to"],
        "Called; she will bring the lease."
    );
    // The db function the case overview uses: one query, newest first, with authors.
    let case = t.case_id().to_string();
    let all = asylum_tracker::db::run_db(&app.pool, move |conn| {
        asylum_tracker::db::notes::of_case(conn, &case)
    })
    .await
    .expect("of_case");
    let got: Vec<String> = all.iter().map(|(n, _)| n.id.clone()).collect();
    assert_eq!(got, vec![id(&second), id(&first)]);
}

async fn a_client_note_follows_the_client(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/clients/{}/notes", t.client_id());
    let n = body(
        app.post(&path, &t.lawyer, &note("Prefers Dari.")).await,
        201,
    )
    .await;
    assert!(n["case_id"].is_null());
    for token in t.insiders() {
        assert_eq!(note_ids(&app, &path, token).await, vec![id(&n)]);
    }
    for token in t.outsiders() {
        problem(app.get(&path, token).await, 404).await;
        problem(app.post(&path, token, &note("x")).await, 404).await;
    }
    // Not on the case's list.
    let case_notes = format!("/api/v1/cases/{}/notes", t.case_id());
    assert!(note_ids(&app, &case_notes, &t.admin).await.is_empty());
    // Visible through any of the client's cases: assigned to the case, the other lawyer sees it.
    let assign = format!(
        "/api/v1/cases/{}/assignments/{}",
        t.case_id(),
        t.other_lawyer_id
    );
    body(
        app.put(&assign, &t.admin, &json!({"role": "lawyer"})).await,
        200,
    )
    .await;
    assert_eq!(note_ids(&app, &path, &t.other_lawyer).await, vec![id(&n)]);
    // Unassigned again, the note is gone for them (404 like the client).
    let res = app.delete(&assign, &t.admin).await;
    assert!(res.status().is_success(), "{}", res.status());
    problem(app.get(&path, &t.other_lawyer).await, 404).await;
    // An unknown client is the same 404.
    problem(app.get("/api/v1/clients/nope/notes", &t.admin).await, 404).await;
}

async fn only_the_author_edits_and_only_inside_the_window(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/cases/{}/notes", t.case_id());
    let n = body(
        app.post(&path, &t.lawyer, &note("Hearing moved?")).await,
        201,
    )
    .await;
    let edit = format!("/api/v1/notes/{}", id(&n));

    // The author, inside the window.
    let fixed = body(
        app.patch(&edit, &t.lawyer, &note("Hearing moved to March."))
            .await,
        200,
    )
    .await;
    assert_eq!(fixed["body"], "Hearing moved to March.");
    assert!(fixed["edited_at"].is_string());
    assert_eq!(fixed["editable_until"], n["editable_until"]);

    // Not the others on the case, not an admin: 403, unchanged.
    for token in [&t.caseworker, &t.admin] {
        let p = problem(app.patch(&edit, token, &note("mine now")).await, 403).await;
        assert!(p["detail"].as_str().unwrap().contains("author"), "{p}");
    }
    // After the window (the note written long ago): 409 append-only, unchanged.
    app.sql(format!(
        "UPDATE notes SET created_at = '2000-01-01 00:00:00' WHERE id = '{}'",
        id(&n)
    ))
    .await;
    let p = problem(app.patch(&edit, &t.lawyer, &note("too late")).await, 409).await;
    assert_eq!(p["type"], "urn:asylum-tracker:problem:append-only");
    let listed = body(app.get(&path, &t.lawyer).await, 200).await;
    assert_eq!(listed["items"][0]["body"], "Hearing moved to March.");
    // No DELETE.
    let res = app.delete(&edit, &t.lawyer).await;
    assert_eq!(res.status(), 405);

    // Audited: the create and the one correction, with the old and the new text.
    let rows = audit_rows(&app, "note", &id(&n)).await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["update", "create"], "newest first");
    assert_eq!(rows[0]["changes"]["body"]["from"], "Hearing moved?");
    assert_eq!(rows[0]["changes"]["body"]["to"], "Hearing moved to March.");
}

async fn bad_notes_are_422_and_change_nothing(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/cases/{}/notes", t.case_id());
    let long = "x".repeat(10_001);
    for bad in [
        json!({"body": "   "}),
        json!({"body": ""}),
        json!({"body": long}),
    ] {
        assert_eq!(
            invalid(app.post(&path, &t.lawyer, &bad).await).await,
            ["body"]
        );
    }
    assert_eq!(
        invalid(app.post(&path, &t.lawyer, &json!({})).await).await,
        ["body"],
        "missing"
    );
    let res = app
        .post(&path, &t.lawyer, &json!({"body": "ok", "author_id": "x"}))
        .await;
    assert!(res.status().is_client_error());
    assert!(body(app.get(&path, &t.lawyer).await, 200).await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let n = body(app.post(&path, &t.lawyer, &note("ok")).await, 201).await;
    let edit = format!("/api/v1/notes/{}", id(&n));
    assert_eq!(
        invalid(app.patch(&edit, &t.lawyer, &json!({"body": " "})).await).await,
        ["body"]
    );
    assert_eq!(
        body(app.get(&path, &t.lawyer).await, 200).await["items"][0]["body"],
        "ok"
    );
    problem(
        app.patch("/api/v1/notes/nope", &t.admin, &note("x")).await,
        404,
    )
    .await;
    // Nothing but the one create was audited.
    assert_eq!(audit_rows(&app, "note", &id(&n)).await.len(), 1);
}
