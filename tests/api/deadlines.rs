//! The deadline engine through the API: recording a fact creates, moves or removes the deadlines
//! that depend on it in the same response cycle; the agenda shows visible cases only; manual
//! deadlines, marks, closures and the EAD clock.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{body, error_fields, problem, Backend, TestApp};

both!(
    facts_create_and_move_deadlines,
    moved_hearing_moves_its_pre_hearing_filing,
    eoir26_marks_the_appeal_met,
    agenda_shows_only_visible_cases,
    manual_deadlines_and_marks,
    closures_give_alternative_dates_and_are_admin_only,
    ead_clock_as_of_a_date,
    a_long_case_pages_its_deadlines,
    every_list_of_a_case_pages,
);

/// A client arrived 2026-01-15 and an affirmative case for it, opened by `token`'s user.
async fn case_for(app: &TestApp, token: &str) -> String {
    let client: Value = app
        .post(
            "/api/v1/clients",
            token,
            &json!({"given_name": "Ana", "family_name": "Pérez", "last_arrival_on": "2026-01-15"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .post(
            "/api/v1/cases",
            token,
            &json!({"client_id": client["id"], "kind": "defensive", "court_code": "el-paso"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The case's standing deadlines: a deadline whose trigger vanished stays in the case's list as
/// `superseded` (issue 9, tests/api/corrections.rs), and is left out here.
async fn deadlines(app: &TestApp, token: &str, case: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/cases/{case}/deadlines"), token)
        .await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] != "superseded")
        .cloned()
        .collect()
}

fn of_kind<'a>(items: &'a [Value], kind: &str) -> Vec<&'a Value> {
    items.iter().filter(|d| d["kind"] == kind).collect()
}

async fn facts_create_and_move_deadlines(app: TestApp) {
    let token = app.token_for("law@test.org", "lawyer").await;
    let case = case_for(&app, &token).await;
    let items = deadlines(&app, &token, &case).await;
    // INA 208(a)(2)(B): one year from the last arrival, 2026-01-15 -> Friday 2027-01-15.
    let one_year = of_kind(&items, "one_year_filing");
    assert_eq!(one_year.len(), 1);
    assert_eq!(one_year[0]["due_on"], "2027-01-15");
    assert_eq!(one_year[0]["status"], "open");
    assert_eq!(one_year[0]["source"], "computed");
    assert!(one_year[0]["rule"].as_str().unwrap().contains("208"));
    assert!(one_year[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("2026-01-15"));

    // The I-589 meets the one-year deadline and starts the EAD clock (8 CFR 208.7).
    let res = app
        .post(
            &format!("/api/v1/cases/{case}/filings"),
            &token,
            &json!({"form": "I-589", "filed_on": "2026-03-02"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let items = deadlines(&app, &token, &case).await;
    assert_eq!(of_kind(&items, "one_year_filing")[0]["status"], "met");
    assert_eq!(
        of_kind(&items, "ead_earliest_filing")[0]["due_on"],
        "2026-07-30"
    );
    assert_eq!(
        of_kind(&items, "ead_earliest_grant")[0]["due_on"],
        "2026-08-29"
    );
    let filing_id = of_kind(&items, "ead_earliest_filing")[0]["id"].clone();

    // A stop removes the projected dates (never guess); the resume brings them back 10 days later.
    let stop = json!({"kind": "stop", "on": "2026-04-01", "reason": "applicant asked to reschedule the interview"});
    assert_eq!(
        app.post(&format!("/api/v1/cases/{case}/clock-events"), &token, &stop)
            .await
            .status(),
        201
    );
    let items = deadlines(&app, &token, &case).await;
    assert!(of_kind(&items, "ead_earliest_filing").is_empty());
    assert!(of_kind(&items, "ead_earliest_grant").is_empty());
    let resume = json!({"kind": "resume", "on": "2026-04-11", "reason": "interview held"});
    assert_eq!(
        app.post(
            &format!("/api/v1/cases/{case}/clock-events"),
            &token,
            &resume
        )
        .await
        .status(),
        201
    );
    let items = deadlines(&app, &token, &case).await;
    assert_eq!(
        of_kind(&items, "ead_earliest_filing")[0]["due_on"],
        "2026-08-09"
    );
    assert_eq!(
        of_kind(&items, "ead_earliest_grant")[0]["due_on"],
        "2026-09-08"
    );
    // Issue 9: superseded while stopped, then revived with the same id (was: a new one).
    assert_eq!(
        of_kind(&items, "ead_earliest_filing")[0]["id"],
        filing_id,
        "superseded while stopped, then revived"
    );
}

async fn moved_hearing_moves_its_pre_hearing_filing(app: TestApp) {
    let token = app.token_for("law@test.org", "lawyer").await;
    let case = case_for(&app, &token).await;
    let res = app
        .post(
            &format!("/api/v1/cases/{case}/hearings"),
            &token,
            &json!({"kind": "individual", "starts_at_local": "2027-02-17T09:00"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let hearing: Value = res.json().await.unwrap();
    // 30 days before 2027-02-17 is Monday 2027-01-18, Martin Luther King Jr. Day: counting
    // backwards lands on the previous business day, Friday 2027-01-15 (EOIR Policy Manual, App. C).
    let items = deadlines(&app, &token, &case).await;
    let pre = of_kind(&items, "pre_hearing_filing");
    assert_eq!(pre.len(), 1);
    assert_eq!(pre[0]["due_on"], "2027-01-15");
    assert!(pre[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("Martin Luther King"));
    let id = pre[0]["id"].clone();

    let res = app
        .patch(
            &format!("/api/v1/hearings/{}", hearing["id"].as_str().unwrap()),
            &token,
            &json!({"starts_at_local": "2027-03-10T09:00"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let items = deadlines(&app, &token, &case).await;
    let pre = of_kind(&items, "pre_hearing_filing");
    assert_eq!(pre.len(), 1);
    assert_eq!(pre[0]["due_on"], "2027-02-08");
    assert_eq!(pre[0]["id"], id, "the same deadline, moved");

    // A cancelled hearing needs no filing.
    let res = app
        .patch(
            &format!("/api/v1/hearings/{}", hearing["id"].as_str().unwrap()),
            &token,
            &json!({"outcome": "cancelled"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(of_kind(&deadlines(&app, &token, &case).await, "pre_hearing_filing").is_empty());
}

async fn eoir26_marks_the_appeal_met(app: TestApp) {
    let token = app.token_for("law@test.org", "lawyer").await;
    let case = case_for(&app, &token).await;
    let today = chrono::Utc::now().date_naive();
    let decided = today - Duration::days(10);
    let res = app
        .post(
            &format!("/api/v1/cases/{case}/decisions"),
            &token,
            &json!({"kind": "removal_ordered", "authority": "immigration_judge", "decided_on": decided}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let items = deadlines(&app, &token, &case).await;
    let appeal = of_kind(&items, "bia_appeal");
    assert_eq!(appeal.len(), 1);
    let due: NaiveDate = appeal[0]["due_on"].as_str().unwrap().parse().unwrap();
    assert!(
        due >= decided + Duration::days(30) && due <= decided + Duration::days(33),
        "8 CFR 1003.38(b): 30 days, rolled forward"
    );
    assert_eq!(appeal[0]["status"], "open");
    assert!(appeal[0]["rule"].as_str().unwrap().contains("1003.38"));

    let filed = today - Duration::days(2);
    let res = app
        .post(
            &format!("/api/v1/cases/{case}/filings"),
            &token,
            &json!({"form": "EOIR-26", "filed_on": filed}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let items = deadlines(&app, &token, &case).await;
    assert_eq!(of_kind(&items, "bia_appeal")[0]["status"], "met");
    assert_eq!(of_kind(&items, "bia_appeal")[0]["met_on"], json!(filed));
    let case_now: Value = app
        .get(&format!("/api/v1/cases/{case}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case_now["status"], "on_appeal");
}

async fn agenda_shows_only_visible_cases(app: TestApp) {
    let a = app.token_for("a@test.org", "lawyer").await;
    let b = app.token_for("b@test.org", "lawyer").await;
    let admin = app.admin_token().await;
    let case_a = case_for(&app, &a).await;
    let case_b = case_for(&app, &b).await;
    let agenda = |token: String| {
        let app = &app;
        async move {
            let res = app
                .get(
                    "/api/v1/deadlines?from=2027-01-01&to=2027-12-31&status=open",
                    &token,
                )
                .await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()["items"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let seen_a = agenda(a.clone()).await;
    assert!(!seen_a.is_empty());
    assert!(seen_a.iter().all(|d| d["case_id"] == case_a.as_str()));
    let seen_b = agenda(b.clone()).await;
    assert!(seen_b.iter().all(|d| d["case_id"] == case_b.as_str()));
    let seen_admin = agenda(admin.clone()).await;
    assert!(seen_admin.iter().any(|d| d["case_id"] == case_a.as_str()));
    assert!(seen_admin.iter().any(|d| d["case_id"] == case_b.as_str()));
    // Soonest first.
    let dates: Vec<&str> = seen_admin
        .iter()
        .map(|d| d["due_on"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    // B cannot read A's deadlines, and bad filters are 422.
    problem(
        app.get(&format!("/api/v1/cases/{case_a}/deadlines"), &b)
            .await,
        404,
    )
    .await;
    let p = problem(app.get("/api/v1/deadlines?status=late", &a).await, 422).await;
    assert_eq!(error_fields(&p), vec!["status"]);
    problem(app.get("/api/v1/deadlines?from=2027-13-01", &a).await, 400).await;
    problem(
        app.client
            .get(app.url("/api/v1/deadlines"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
}

async fn manual_deadlines_and_marks(app: TestApp) {
    let token = app.token_for("law@test.org", "lawyer").await;
    let other = app.token_for("other@test.org", "caseworker").await;
    let admin = app.admin_token().await;
    let case = case_for(&app, &token).await;
    let body = json!({"kind": "other", "title": "Send the country conditions report", "due_on": "2027-01-05"});
    let res = app
        .post(&format!("/api/v1/cases/{case}/deadlines"), &token, &body)
        .await;
    assert_eq!(res.status(), 201);
    let manual: Value = res.json().await.unwrap();
    assert_eq!(manual["source"], "manual");
    assert_eq!(manual["title"], "Send the country conditions report");
    let p = problem(
        app.post(
            &format!("/api/v1/cases/{case}/deadlines"),
            &token,
            &json!({"kind": "bia_appeal", "title": "x", "due_on": "2027-01-05"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["kind"]);
    problem(
        app.post(&format!("/api/v1/cases/{case}/deadlines"), &other, &body)
            .await,
        404,
    )
    .await;

    // Marking needs a note; an invisible deadline is 404; a mark is audited.
    let id = manual["id"].as_str().unwrap();
    let p = problem(
        app.patch(
            &format!("/api/v1/deadlines/{id}"),
            &token,
            &json!({"status": "waived"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["note"]);
    problem(
        app.patch(
            &format!("/api/v1/deadlines/{id}"),
            &other,
            &json!({"status": "met", "note": "x"}),
        )
        .await,
        404,
    )
    .await;
    let res = app
        .patch(
            &format!("/api/v1/deadlines/{id}"),
            &token,
            &json!({"status": "waived", "note": "judge excused it"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let marked: Value = res.json().await.unwrap();
    assert_eq!(marked["status"], "waived");
    assert_eq!(marked["note"], "judge excused it");
    let audit: Value = app
        .get(
            &format!("/api/v1/audit?entity_type=deadline&entity_id={id}"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let mark = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "mark")
        .expect("mark audited");
    assert_eq!(mark["changes"]["status"]["to"], "waived");

    // Recomputes keep manual rows: a new filing does not remove it.
    app.post(
        &format!("/api/v1/cases/{case}/filings"),
        &token,
        &json!({"form": "I-589", "filed_on": "2026-03-02"}),
    )
    .await;
    let items = deadlines(&app, &token, &case).await;
    assert_eq!(of_kind(&items, "other").len(), 1);
    assert_eq!(of_kind(&items, "other")[0]["status"], "waived");
}

async fn closures_give_alternative_dates_and_are_admin_only(app: TestApp) {
    let token = app.token_for("law@test.org", "lawyer").await;
    let admin = app.admin_token().await;
    let case = case_for(&app, &token).await;
    problem(app.get("/api/v1/closures", &token).await, 403).await;
    problem(
        app.post(
            "/api/v1/closures",
            &token,
            &json!({"day": "2027-01-15", "reason": "x"}),
        )
        .await,
        403,
    )
    .await;
    let seeded: Value = app
        .get("/api/v1/closures", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        seeded["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["day"] == "2025-12-26"),
        "seeded from DOMAIN.md"
    );

    // A closure on the one-year due date (Friday 2027-01-15) leaves due_on alone and offers the
    // next day that is neither weekend, holiday nor closure: Tuesday 2027-01-19 (18th is MLK Day).
    let res = app
        .post(
            "/api/v1/closures",
            &admin,
            &json!({"day": "2027-01-15", "reason": "executive order"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let closure: Value = res.json().await.unwrap();
    problem(
        app.post(
            "/api/v1/closures",
            &admin,
            &json!({"day": "2027-01-15", "reason": "again"}),
        )
        .await,
        409,
    )
    .await;
    let items = deadlines(&app, &token, &case).await;
    let one_year = of_kind(&items, "one_year_filing")[0];
    assert_eq!(one_year["due_on"], "2027-01-15");
    assert_eq!(one_year["alternative_due_on"], "2027-01-19");
    assert!(one_year["alternative_reason"].as_str().is_some());

    problem(
        app.delete(
            &format!("/api/v1/closures/{}", closure["id"].as_str().unwrap()),
            &token,
        )
        .await,
        403,
    )
    .await;
    let res = app
        .delete(
            &format!("/api/v1/closures/{}", closure["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(res.status(), 204);
    let items = deadlines(&app, &token, &case).await;
    assert!(of_kind(&items, "one_year_filing")[0]["alternative_due_on"].is_null());
}

async fn ead_clock_as_of_a_date(app: TestApp) {
    let token = app.token_for("law@test.org", "lawyer").await;
    let case = case_for(&app, &token).await;
    let p = problem(
        app.get(&format!("/api/v1/cases/{case}/ead-clock"), &token)
            .await,
        422,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("I-589"));
    app.post(
        &format!("/api/v1/cases/{case}/filings"),
        &token,
        &json!({"form": "I-589", "filed_on": "2025-01-10"}),
    )
    .await;
    // DOMAIN.md's worked example: filed 2025-01-10 -> 2025-06-09 and 2025-07-09.
    let clock: Value = app
        .get(
            &format!("/api/v1/cases/{case}/ead-clock?as_of=2025-02-09"),
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(clock["started_on"], "2025-01-10");
    assert_eq!(clock["days_elapsed"], 30);
    assert_eq!(clock["running"], true);
    assert_eq!(clock["earliest_filing_on"], "2025-06-09");
    assert_eq!(clock["earliest_grant_on"], "2025-07-09");
    app.post(
        &format!("/api/v1/cases/{case}/clock-events"),
        &token,
        &json!({"kind": "stop", "on": "2025-03-01", "reason": "continuance requested"}),
    )
    .await;
    let clock: Value = app
        .get(
            &format!("/api/v1/cases/{case}/ead-clock?as_of=2025-03-11"),
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(clock["running"], false);
    assert_eq!(clock["stopped_days"], 10);
    assert!(clock["earliest_filing_on"].is_null());
    assert_eq!(clock["events"].as_array().unwrap().len(), 1);
    problem(
        app.get(
            &format!("/api/v1/cases/{case}/ead-clock?as_of=someday"),
            &token,
        )
        .await,
        400,
    )
    .await;
}

/// Inserts `n` manual deadlines into `case` with one statement, due over a week from 2030-01-01
/// (so that many share a day and the id must break the tie).
async fn bulk_deadlines(app: &TestApp, case: &str, n: usize) {
    let (due, at) = match app.backend {
        Backend::Sqlite => (
            "date('2030-01-01', '+' || (i % 7) || ' days')",
            "'2026-01-01 00:00:00'",
        ),
        Backend::Postgres => (
            "DATE '2030-01-01' + (i % 7)",
            "TIMESTAMP '2026-01-01 00:00:00'",
        ),
    };
    app.sql(format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
         INSERT INTO deadlines (id, case_id, kind, source, trigger_key, title, due_on, rule, \
         explanation, never_missed, missed_alerted, created_at, updated_at) \
         SELECT 'bulk-' || i, '{case}', 'other', 'manual', 'manual:bulk-' || i, 'Bulk', {due}, \
         'entered by a person', 'entered in bulk', false, false, {at}, {at} FROM n"
    ))
    .await;
}

/// Walks a list page by page with `limit`, returning every item's id in order.
async fn walk(app: &TestApp, token: &str, path: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit={limit}&cursor={c}"),
            None => format!("{path}?limit={limit}"),
        };
        let page = body(app.get(&url, token).await, 200).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{path}: a page longer than its limit");
        ids.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), limit, "{path}: a short page before the last");
                cursor = Some(c.to_string());
            }
            None => return ids,
        }
        assert!(ids.len() <= 10_000, "{path}: the walk does not end");
    }
}

fn assert_each_once(ids: &[String], expected: usize) {
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "an item came back twice");
    assert_eq!(ids.len(), expected);
}

/// A case with 3,000 deadlines answers `limit=1` with one item and a cursor, and walking its
/// pages returns each deadline exactly once, soonest first.
async fn a_long_case_pages_its_deadlines(app: TestApp) {
    let token = app.token_for("law@test.org", "lawyer").await;
    let case = case_for(&app, &token).await;
    let path = format!("/api/v1/cases/{case}/deadlines");
    let computed = walk(&app, &token, &path, 200).await.len();
    bulk_deadlines(&app, &case, 3000).await;
    let first = body(app.get(&format!("{path}?limit=1"), &token).await, 200).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert!(first["next_cursor"].is_string());
    let default = body(app.get(&path, &token).await, 200).await;
    assert_eq!(default["items"].as_array().unwrap().len(), 50);
    let ids = walk(&app, &token, &path, 200).await;
    assert_each_once(&ids, 3000 + computed);
    // Soonest first, and stable: the same walk gives the same order.
    assert_eq!(walk(&app, &token, &path, 200).await, ids);
    let page = body(app.get(&format!("{path}?limit=200"), &token).await, 200).await;
    let dues: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["due_on"].as_str().unwrap())
        .collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "soonest first");
    let p = problem(app.get(&format!("{path}?limit=201"), &token).await, 422).await;
    assert_eq!(error_fields(&p), vec!["limit"]);
    let p = problem(
        app.get(&format!("{path}?cursor=nonsense"), &token).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["cursor"]);
}

/// Hearings, filings, clock events and decisions page the same way.
async fn every_list_of_a_case_pages(app: TestApp) {
    let token = app.token_for("law@test.org", "lawyer").await;
    let case = case_for(&app, &token).await;
    let post = |path: &'static str, b: Value| {
        let (app, token, case) = (&app, &token, &case);
        async move {
            body(
                app.post(&format!("/api/v1/cases/{case}/{path}"), token, &b)
                    .await,
                201,
            )
            .await;
        }
    };
    for f in [
        json!({"form": "I-589", "filed_on": "2025-01-10"}),
        json!({"form": "other", "filed_on": "2025-01-10"}),
        json!({"form": "other", "filed_on": "2025-02-10"}),
    ] {
        post("filings", f).await;
    }
    for e in [
        json!({"kind": "stop", "on": "2025-03-01", "reason": "continuance requested"}),
        json!({"kind": "resume", "on": "2025-04-01", "reason": "hearing held"}),
        json!({"kind": "stop", "on": "2025-05-01", "reason": "continuance requested"}),
    ] {
        post("clock-events", e).await;
    }
    for h in ["2027-03-16T09:00", "2027-03-16T09:00", "2027-04-16T09:00"] {
        post(
            "hearings",
            json!({"kind": "master_calendar", "starts_at_local": h}),
        )
        .await;
    }
    for d in ["2025-06-01", "2025-06-01", "2025-07-01"] {
        post(
            "decisions",
            json!({"kind": "remanded", "authority": "bia", "decided_on": d}),
        )
        .await;
    }
    for list in ["filings", "clock-events", "hearings", "decisions"] {
        let path = format!("/api/v1/cases/{case}/{list}");
        let first = body(app.get(&format!("{path}?limit=1"), &token).await, 200).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 1, "{list}");
        assert!(first["next_cursor"].is_string(), "{list}");
        let ids = walk(&app, &token, &path, 1).await;
        assert_each_once(&ids, 3);
        let all = body(app.get(&path, &token).await, 200).await;
        let whole: Vec<String> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            whole, ids,
            "{list}: paging keeps the order of the whole list"
        );
        assert!(all["next_cursor"].is_null());
    }
}

/// A timed loop to run by hand (`cargo test --test api writes_to_a_long_case -- --ignored
/// --nocapture`): the mean time of a write to a case with 3 and with 3,003 deadlines. It prints
/// figures and asserts nothing about them (timings depend on the machine).
mod writes_to_a_long_case {
    use super::*;
    use crate::helpers::spawn_app;

    async fn mean_write_ms(app: &TestApp, token: &str, case: &str, n: u32) -> f64 {
        let started = std::time::Instant::now();
        for i in 0..n {
            let b = json!({"kind": "other", "title": format!("Write {i}"), "due_on": "2031-01-05"});
            body(
                app.post(&format!("/api/v1/cases/{case}/deadlines"), token, &b)
                    .await,
                201,
            )
            .await;
            body(
                app.post(
                    &format!("/api/v1/cases/{case}/hearings"),
                    token,
                    &json!({"kind": "master_calendar", "starts_at_local": format!("2031-03-{:02}T09:00", i % 28 + 1)}),
                )
                .await,
                201,
            )
            .await;
        }
        started.elapsed().as_secs_f64() * 1000.0 / f64::from(2 * n)
    }

    async fn run(backend: Backend) {
        let app = spawn_app(backend).await;
        let token = app.token_for("law@test.org", "lawyer").await;
        let small = case_for(&app, &token).await;
        let large = case_for(&app, &token).await;
        // Assigned, so that re-planning reminders has recipients.
        bulk_deadlines(&app, &large, 3000).await;
        let _warm = mean_write_ms(&app, &token, &small, 5).await;
        let short = mean_write_ms(&app, &token, &small, 40).await;
        let long = mean_write_ms(&app, &token, &large, 40).await;
        println!("{backend:?}: mean write {short:.1} ms on a short case, {long:.1} ms on a case with 3,000 deadlines");
    }

    #[actix_web::test]
    #[ignore = "a timed loop to run by hand"]
    async fn sqlite() {
        run(Backend::Sqlite).await;
    }

    #[actix_web::test]
    #[ignore = "a timed loop to run by hand"]
    async fn postgres() {
        run(Backend::Postgres).await;
    }
}
