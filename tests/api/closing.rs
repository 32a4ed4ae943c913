//! Closing a case: a reason is required (and a note may go with it), the list filters by it,
//! closing drops the case's pending reminders and reopening plans them again, both audited;
//! only those who see the case may close it.

use asylum_tracker::db::{self, run_db, DbConnection};
use asylum_tracker::error::AppError;
use chrono::{Duration, Utc};
use diesel_migrations::MigrationHarness;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{audit_rows, body, invalid, list_ids, problem, team, TestApp};

both!(
    closing_without_a_reason_is_refused_and_changes_nothing,
    closing_with_a_reason_drops_reminders_and_reopening_plans_them,
    the_case_list_filters_by_closed_reason,
    only_those_who_see_the_case_close_it,
    migration_gives_cases_closed_before_it_a_reason,
);

const ALLOWED: &str = "granted, removed, transferred, withdrew, lost_contact, other";

/// The case's pending reminders (the admin's outbox view), of every item.
async fn pending_of_case(app: &TestApp, items: &[&str]) -> usize {
    let admin = app.admin_token().await;
    let list = body(
        app.get("/api/v1/reminders?status=pending&limit=200", &admin)
            .await,
        200,
    )
    .await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| items.iter().any(|i| r["item_id"] == *i))
        .count()
}

/// The actions of [`case_rows`].
async fn actions(app: &TestApp, case: &str) -> Vec<String> {
    case_rows(app, case)
        .await
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The audit rows of a case other than recomputes (issue 9's own rows), oldest first.
async fn case_rows(app: &TestApp, case: &str) -> Vec<Value> {
    let mut rows: Vec<Value> = audit_rows(app, "case", case)
        .await
        .into_iter()
        .filter(|r| r["action"] != "recompute")
        .collect();
    rows.reverse();
    rows
}

async fn closing_without_a_reason_is_refused_and_changes_nothing(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/cases/{}", t.case_id());
    let before = body(app.get(&path, &t.lawyer).await, 200).await;
    assert!(before["closed_reason"].is_null(), "{before}");
    assert!(before["closed_note"].is_null(), "{before}");

    // No reason, or one not in the list: 422 on closed_reason, naming the allowed values.
    for req in [
        json!({"status": "closed"}),
        json!({"status": "closed", "closed_note": "moved away"}),
        json!({"status": "closed", "closed_reason": null}),
        json!({"status": "closed", "closed_reason": "deported"}),
        json!({"status": "closed", "closed_reason": "Granted"}),
    ] {
        let p = problem(app.patch(&path, &t.lawyer, &req).await, 422).await;
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["closed_reason"], "{req}: {p}");
        let message = p["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(ALLOWED), "{req}: {message}");
    }
    // A reason or a note without closing, with reopening, or a note too long: 422 on the field.
    let long = "n".repeat(2001);
    for (req, field) in [
        (json!({"closed_reason": "granted"}), "closed_reason"),
        (
            json!({"closed_note": "granted at the interview"}),
            "closed_note",
        ),
        (
            json!({"status": "open", "closed_reason": "granted"}),
            "closed_reason",
        ),
        (
            json!({"court_code": "el-paso", "closed_reason": "other"}),
            "closed_reason",
        ),
        (
            json!({"status": "closed", "closed_reason": "other", "closed_note": long}),
            "closed_note",
        ),
    ] {
        let res = app.patch(&path, &t.lawyer, &req).await;
        assert_eq!(invalid(res).await, [field], "{req}");
    }
    // A wrong kind and a missing reason are told together.
    let both = json!({"kind": "asylum", "status": "closed"});
    let mut fields = invalid(app.patch(&path, &t.lawyer, &both).await).await;
    fields.sort();
    assert_eq!(fields, ["closed_reason", "kind"]);

    let after = body(app.get(&path, &t.lawyer).await, 200).await;
    assert_eq!(after, before, "refused PATCHes changed nothing");
    assert_eq!(after["status"], "intake");
    assert!(after["closed_on"].is_null());
    assert_eq!(
        actions(&app, t.case_id()).await,
        ["create"],
        "no audit row for a refused close"
    );
}

async fn closing_with_a_reason_drops_reminders_and_reopening_plans_them(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let path = format!("/api/v1/cases/{case}");
    // A deadline and a hearing three weeks out: the assigned lawyer and caseworker get reminders.
    let due = (Utc::now().date_naive() + Duration::days(21)).to_string();
    let deadline = body(
        app.post(
            &format!("{path}/deadlines"),
            &t.lawyer,
            &json!({"kind": "other", "title": "File the evidence", "due_on": due}),
        )
        .await,
        201,
    )
    .await;
    let hearing = body(
        app.post(
            &format!("{path}/hearings"),
            &t.lawyer,
            &json!({"kind": "master_calendar", "starts_at_local": format!("{due}T09:00")}),
        )
        .await,
        201,
    )
    .await;
    let (did, hid) = (
        deadline["id"].as_str().unwrap(),
        hearing["id"].as_str().unwrap(),
    );
    let planned = pending_of_case(&app, &[did, hid]).await;
    assert!(planned >= 4, "reminders planned: {planned}");

    let closed = body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"status": "closed", "closed_reason": "removed",
                    "closed_note": "  Removed to Guatemala on the 3rd; family informed.  "}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closed_reason"], "removed");
    assert_eq!(
        closed["closed_note"], "Removed to Guatemala on the 3rd; family informed.",
        "trimmed"
    );
    assert!(closed["closed_on"].is_string());
    let read = body(app.get(&path, &t.caseworker).await, 200).await;
    assert_eq!(read["closed_reason"], "removed");
    assert_eq!(read["closed_note"], closed["closed_note"]);
    assert_eq!(
        pending_of_case(&app, &[did, hid]).await,
        0,
        "a closed case has no pending reminders"
    );

    // Closing again replaces the reason and note, and keeps the day it was closed on.
    let again = body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"status": "closed", "closed_reason": "other", "closed_note": "   "}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again["closed_reason"], "other");
    assert!(again["closed_note"].is_null(), "a blank note is none");
    assert_eq!(again["closed_on"], closed["closed_on"]);

    let reopened = body(
        app.patch(&path, &t.lawyer, &json!({"status": "open"}))
            .await,
        200,
    )
    .await;
    assert_eq!(reopened["status"], "in_proceedings");
    assert!(reopened["closed_on"].is_null());
    assert!(reopened["closed_reason"].is_null(), "{reopened}");
    assert!(reopened["closed_note"].is_null(), "{reopened}");
    assert_eq!(
        pending_of_case(&app, &[did, hid]).await,
        planned,
        "planned again"
    );

    // Each close and the reopening is audited with the reason.
    assert_eq!(
        actions(&app, case).await,
        ["create", "update", "update", "update"]
    );
    let rows = case_rows(&app, case).await;
    let (close, reclose, reopen) = (
        &rows[1]["changes"],
        &rows[2]["changes"],
        &rows[3]["changes"],
    );
    assert_eq!(rows[1]["actor_id"], t.lawyer_id.as_str());
    assert_eq!(close["status"]["to"], "closed");
    assert_eq!(
        close["closed_reason"],
        json!({"from": null, "to": "removed"})
    );
    assert_eq!(close["closed_note"]["to"], closed["closed_note"]);
    assert_eq!(
        reclose["closed_reason"],
        json!({"from": "removed", "to": "other"})
    );
    assert!(reclose.get("closed_on").is_none(), "{reclose}");
    assert_eq!(reopen["status"]["from"], "closed");
    assert_eq!(
        reopen["closed_reason"],
        json!({"from": "other", "to": null})
    );
}

async fn the_case_list_filters_by_closed_reason(app: TestApp) {
    let t = team(&app).await;
    let client = t.client_id();
    let new_case = || async {
        let req = json!({"client_id": client, "kind": "affirmative"});
        body(app.post("/api/v1/cases", &t.admin, &req).await, 201).await["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (removed, granted, open) = (t.case_id().to_string(), new_case().await, new_case().await);
    for (case, reason) in [(&removed, "removed"), (&granted, "granted")] {
        let close = json!({"status": "closed", "closed_reason": reason});
        body(
            app.patch(&format!("/api/v1/cases/{case}"), &t.admin, &close)
                .await,
            200,
        )
        .await;
    }
    let list = |q: &str| {
        let (app, admin, q) = (&app, &t.admin, q.to_string());
        async move { list_ids(app, &format!("/api/v1/cases?{q}"), admin).await }
    };
    assert_eq!(list("closed_reason=removed").await, [removed.as_str()]);
    assert_eq!(list("closed_reason=granted").await, [granted.as_str()]);
    assert!(list("closed_reason=withdrew").await.is_empty());
    // Alongside the other filters.
    assert_eq!(
        list("closed_reason=removed&status=closed&court_code=el-paso").await,
        [removed.as_str()]
    );
    assert!(list("closed_reason=granted&court_code=el-paso")
        .await
        .is_empty());
    assert_eq!(list("status=closed").await.len(), 2);
    // The lawyer assigned to the removed case only sees that one.
    assert_eq!(
        list_ids(&app, "/api/v1/cases?closed_reason=granted", &t.lawyer).await,
        Vec::<String>::new()
    );
    assert_eq!(
        list_ids(&app, "/api/v1/cases?closed_reason=removed", &t.lawyer).await,
        [removed.as_str()]
    );
    // Reopened, a case leaves the filter.
    let reopen = json!({"status": "open"});
    body(
        app.patch(&format!("/api/v1/cases/{removed}"), &t.admin, &reopen)
            .await,
        200,
    )
    .await;
    assert!(list("closed_reason=removed").await.is_empty());
    assert!(list("").await.contains(&open));
    // An unknown reason: 422 naming the parameter and the allowed values.
    let p = problem(
        app.get("/api/v1/cases?closed_reason=deported", &t.admin)
            .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "closed_reason", "{p}");
    assert!(p.to_string().contains(ALLOWED), "{p}");
}

async fn only_those_who_see_the_case_close_it(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/cases/{}", t.case_id());
    let close = json!({"status": "closed", "closed_reason": "transferred"});
    let before = body(app.get(&path, &t.admin).await, 200).await;
    // Outsiders get the 404 of an absent case, and nothing changes.
    for token in t.outsiders() {
        let hidden = problem(app.patch(&path, token, &close).await, 404).await;
        let absent = problem(app.patch("/api/v1/cases/nope", token, &close).await, 404).await;
        assert_eq!(hidden, absent);
    }
    assert_eq!(body(app.get(&path, &t.admin).await, 200).await, before);
    assert_eq!(actions(&app, t.case_id()).await, ["create"]);

    // The assigned caseworker may close it, as any PATCH of a visible case.
    let closed = body(app.patch(&path, &t.caseworker, &close).await, 200).await;
    assert_eq!(closed["closed_reason"], "transferred");
    // Outsiders can neither reopen it nor change its reason.
    let reopen = json!({"status": "open"});
    let withdrew = json!({"status": "closed", "closed_reason": "withdrew"});
    for token in t.outsiders() {
        problem(app.patch(&path, token, &reopen).await, 404).await;
        problem(app.patch(&path, token, &withdrew).await, 404).await;
    }
    let read = body(app.get(&path, &t.admin).await, 200).await;
    assert_eq!(read["status"], "closed");
    assert_eq!(read["closed_reason"], "transferred");
    assert_eq!(actions(&app, t.case_id()).await, ["create", "update"]);
}

/// Reverts migrations down to and including `2026-12-06-000080_case_closing`, on the app's own
/// database, so that its cases look as they did before it.
async fn revert_to_before_case_closing(app: &TestApp) {
    run_db(&app.pool, |conn| loop {
        let version = match conn {
            DbConnection::Postgres(c) => c.revert_last_migration(db::PG_MIGRATIONS),
            DbConnection::Sqlite(c) => c.revert_last_migration(db::SQLITE_MIGRATIONS),
        }
        .map_err(AppError::internal)?
        .to_string();
        if version.replace('-', "").ends_with("000080") {
            return Ok(());
        }
    })
    .await
    .expect("revert");
}

async fn migration_gives_cases_closed_before_it_a_reason(app: TestApp) {
    let t = team(&app).await;
    let closed = t.case_id().to_string();
    let req = json!({"client_id": t.client_id(), "kind": "affirmative"});
    let open = body(app.post("/api/v1/cases", &t.admin, &req).await, 201).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let close = json!({"status": "closed", "closed_reason": "granted", "closed_note": "at last"});
    body(
        app.patch(&format!("/api/v1/cases/{closed}"), &t.admin, &close)
            .await,
        200,
    )
    .await;
    // Down: the reason and note columns go; the case stays closed.
    revert_to_before_case_closing(&app).await;
    // Up again, as `migrate` (and `serve`) would.
    run_db(&app.pool, db::migrate).await.expect("migrate");
    let read = |id: String| {
        let (app, admin) = (&app, &t.admin);
        async move { body(app.get(&format!("/api/v1/cases/{id}"), admin).await, 200).await }
    };
    let was_closed = read(closed).await;
    assert_eq!(was_closed["status"], "closed");
    assert_eq!(
        was_closed["closed_reason"], "other",
        "no closed case lacks a reason"
    );
    assert!(was_closed["closed_note"].is_null());
    let still_open = read(open).await;
    assert!(still_open["closed_reason"].is_null(), "{still_open}");
}
