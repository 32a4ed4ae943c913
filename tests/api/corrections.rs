//! The record stays right (issue 9): one writer per case at a time, superseded (never deleted)
//! deadlines that keep a person's mark, and corrections (PATCH) and withdrawals (DELETE) of
//! filings, clock events and decisions, each with a reason, audited and recomputed.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{anon, audit_rows, body, invalid, problem, team, TestApp};

both!(
    sixteen_writers_on_one_case_keep_every_deadline,
    a_superseded_deadline_keeps_its_mark_and_comes_back,
    filings_are_corrected_and_withdrawn,
    a_rejected_i589_does_not_start_the_clock,
    an_i765_approval_is_added_by_patch,
    clock_events_are_corrected_and_withdrawn,
    decisions_are_corrected_and_withdrawn,
    duplicate_receipt_numbers_conflict,
    duplicate_receipt_numbers_sent_at_once_conflict,
    correction_visibility_matrix,
);

async fn delete_with(app: &TestApp, path: &str, token: &str, b: &Value) -> reqwest::Response {
    app.client
        .delete(app.url(path))
        .bearer_auth(token)
        .json(b)
        .send()
        .await
        .expect("request")
}

async fn deadlines(app: &TestApp, token: &str, case: &str) -> Vec<Value> {
    // Every page: a case's lists are paged (50 by default).
    let (mut all, mut cursor) = (Vec::new(), String::new());
    loop {
        let res = app
            .get(
                &format!("/api/v1/cases/{case}/deadlines?limit=200{cursor}"),
                token,
            )
            .await;
        let page = body(res, 200).await;
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return all,
        }
    }
}

/// The case's deadlines of `kind`, superseded ones included.
async fn of_kind(app: &TestApp, token: &str, case: &str, kind: &str) -> Vec<Value> {
    deadlines(app, token, case)
        .await
        .into_iter()
        .filter(|d| d["kind"] == kind)
        .collect()
}

/// The case's live (not superseded) deadlines of `kind`.
async fn live(app: &TestApp, token: &str, case: &str, kind: &str) -> Vec<Value> {
    of_kind(app, token, case, kind)
        .await
        .into_iter()
        .filter(|d| d["status"] != "superseded")
        .collect()
}

fn reason() -> Value {
    json!({"reason": "entered on the wrong case"})
}

async fn sixteen_writers_on_one_case_keep_every_deadline(app: TestApp) {
    let t = team(&app).await;
    let mut cases = vec![t.case_id().to_string()];
    for _ in 0..3 {
        let c = crate::helpers::create_case(
            &app,
            &t.admin,
            t.client_id(),
            json!({"kind": "defensive", "court_code": "el-paso"}),
        )
        .await;
        cases.push(c["id"].as_str().unwrap().to_string());
    }
    let mut day = 0u32;
    // Three rounds of 16 writers on one case, then 16 spread over four cases.
    for round in 0..4 {
        let mut sends = Vec::new();
        for i in 0..16 {
            day += 1;
            let case = if round < 3 { &cases[0] } else { &cases[i % 4] };
            let path = format!("/api/v1/cases/{case}/hearings");
            let at = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()
                + chrono::Duration::days(i64::from(day));
            let b = json!({"kind": "individual",
                           "starts_at_local": format!("{}T09:00", at.format("%Y-%m-%d"))});
            let (app, token) = (&app, &t.admin);
            sends.push(async move { app.post(&path, token, &b).await });
        }
        let responses = futures_util::future::join_all(sends).await;
        let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
        assert!(
            statuses.iter().all(|s| *s == 201),
            "round {round}: {statuses:?}"
        );
    }
    for case in &cases {
        let hearings = body(
            app.get(
                &format!("/api/v1/cases/{case}/hearings?limit=200"),
                &t.admin,
            )
            .await,
            200,
        )
        .await["items"]
            .as_array()
            .unwrap()
            .len();
        let pre = live(&app, &t.admin, case, "pre_hearing_filing").await.len();
        assert_eq!(
            pre, hearings,
            "every hearing keeps its pre-hearing deadline"
        );
    }
}

async fn a_superseded_deadline_keeps_its_mark_and_comes_back(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let h = body(
        app.post(
            &format!("/api/v1/cases/{case}/hearings"),
            &t.lawyer,
            &json!({"kind": "individual", "starts_at_local": "2027-02-17T09:00"}),
        )
        .await,
        201,
    )
    .await;
    let hearing = format!("/api/v1/hearings/{}", h["id"].as_str().unwrap());
    let pre = of_kind(&app, &t.lawyer, case, "pre_hearing_filing").await;
    assert_eq!(pre.len(), 1);
    let id = pre[0]["id"].as_str().unwrap().to_string();
    let note = "judge excused the pre-hearing filing";
    body(
        app.patch(
            &format!("/api/v1/deadlines/{id}"),
            &t.lawyer,
            &json!({"status": "waived", "note": note}),
        )
        .await,
        200,
    )
    .await;

    // Cancelled: kept, superseded, with its mark and note; out of the open agenda.
    body(
        app.patch(&hearing, &t.lawyer, &json!({"outcome": "cancelled"}))
            .await,
        200,
    )
    .await;
    let pre = of_kind(&app, &t.lawyer, case, "pre_hearing_filing").await;
    assert_eq!(pre.len(), 1, "kept, not deleted");
    assert_eq!(pre[0]["id"], id.as_str());
    assert_eq!(pre[0]["status"], "superseded");
    assert_eq!(pre[0]["mark"], "waived");
    assert_eq!(pre[0]["note"], note);
    assert!(pre[0]["superseded_at"].is_string());
    let agenda = body(app.get("/api/v1/deadlines?limit=200", &t.lawyer).await, 200).await;
    assert!(
        !crate::helpers::ids(&agenda).contains(&id),
        "a superseded deadline is off the agenda"
    );

    // Un-cancelled: the same row comes back with its mark and note.
    body(
        app.patch(&hearing, &t.lawyer, &json!({"outcome": null}))
            .await,
        200,
    )
    .await;
    let pre = of_kind(&app, &t.lawyer, case, "pre_hearing_filing").await;
    assert_eq!(pre.len(), 1);
    assert_eq!(pre[0]["id"], id.as_str(), "the same id");
    assert_eq!(pre[0]["status"], "waived");
    assert_eq!(pre[0]["mark"], "waived");
    assert_eq!(pre[0]["note"], note);
    assert!(pre[0]["superseded_at"].is_null());

    // Each recompute that superseded or revived says which and why.
    let rows = audit_rows(&app, "case", case).await;
    let recomputes: Vec<&Value> = rows.iter().filter(|r| r["action"] == "recompute").collect();
    let names = |key: &str| -> bool {
        recomputes.iter().any(|r| {
            r["changes"][key]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v == id.as_str()))
                && r["changes"]["because"].is_string()
        })
    };
    assert!(names("superseded"), "{recomputes:?}");
    assert!(names("revived"), "{recomputes:?}");

    // An unmarked deadline superseded: out of the open agenda and the calendar feed, listed
    // under `status=superseded`.
    let h2 = body(
        app.post(
            &format!("/api/v1/cases/{case}/hearings"),
            &t.lawyer,
            &json!({"kind": "master_calendar", "starts_at_local": "2027-04-14T09:00"}),
        )
        .await,
        201,
    )
    .await;
    let pre: Vec<Value> = live(&app, &t.lawyer, case, "pre_hearing_filing")
        .await
        .into_iter()
        .filter(|d| d["id"] != id.as_str())
        .collect();
    let id2 = pre[0]["id"].as_str().unwrap().to_string();
    let open = body(
        app.get("/api/v1/deadlines?status=open&limit=200", &t.lawyer)
            .await,
        200,
    )
    .await;
    assert!(crate::helpers::ids(&open).contains(&id2));
    let token = body(
        app.post("/api/v1/me/calendar-token", &t.lawyer, &json!({}))
            .await,
        200,
    )
    .await;
    let url = token["url"].as_str().unwrap();
    let feed_path = &url[url.find("/calendar/").unwrap()..];
    let feed = app.client.get(app.url(feed_path)).send().await.unwrap();
    assert!(feed
        .text()
        .await
        .unwrap()
        .contains(&format!("deadline-{id2}@")));
    let hearing2 = format!("/api/v1/hearings/{}", h2["id"].as_str().unwrap());
    body(
        app.patch(&hearing2, &t.lawyer, &json!({"outcome": "cancelled"}))
            .await,
        200,
    )
    .await;
    let open = body(
        app.get("/api/v1/deadlines?status=open&limit=200", &t.lawyer)
            .await,
        200,
    )
    .await;
    assert!(!crate::helpers::ids(&open).contains(&id2));
    let gone = body(
        app.get("/api/v1/deadlines?status=superseded&limit=200", &t.lawyer)
            .await,
        200,
    )
    .await;
    assert_eq!(crate::helpers::ids(&gone), [id2.as_str()]);
    let feed = app.client.get(app.url(feed_path)).send().await.unwrap();
    assert!(!feed
        .text()
        .await
        .unwrap()
        .contains(&format!("deadline-{id2}@")));
}

async fn filings_are_corrected_and_withdrawn(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let f = body(
        app.post(
            &format!("/api/v1/cases/{case}/filings"),
            &t.lawyer,
            &json!({"form": "I-589", "filed_on": "2025-01-10"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(f["status"], "pending");
    let path = format!("/api/v1/filings/{}", f["id"].as_str().unwrap());
    let ead = of_kind(&app, &t.lawyer, case, "ead_earliest_filing").await;
    assert_eq!(ead[0]["due_on"], "2025-06-09");
    // A reason is required.
    let res = app
        .patch(&path, &t.lawyer, &json!({"filed_on": "2025-01-20"}))
        .await;
    assert_eq!(invalid(res).await, ["reason"]);
    let res = delete_with(&app, &path, &t.lawyer, &json!({})).await;
    assert_eq!(invalid(res).await, ["reason"]);
    // Corrected: the deadline moves in the same response cycle, same id.
    let fixed = body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"filed_on": "2025-01-20", "reason": "typo in the date"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(fixed["filed_on"], "2025-01-20");
    let moved = of_kind(&app, &t.lawyer, case, "ead_earliest_filing").await;
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["id"], ead[0]["id"]);
    assert_eq!(moved[0]["due_on"], "2025-06-19");
    // Withdrawn: kept in the list with its withdrawal; its deadlines superseded.
    let gone = body(delete_with(&app, &path, &t.lawyer, &reason()).await, 200).await;
    assert!(gone["withdrawn_at"].is_string());
    assert_eq!(gone["withdrawn_reason"], "entered on the wrong case");
    let list = body(
        app.get(&format!("/api/v1/cases/{case}/filings"), &t.lawyer)
            .await,
        200,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        list["items"][0]["withdrawn_reason"],
        "entered on the wrong case"
    );
    assert!(live(&app, &t.lawyer, case, "ead_earliest_filing")
        .await
        .is_empty());
    // A withdrawn filing is not corrected again, nor withdrawn twice.
    problem(delete_with(&app, &path, &t.lawyer, &reason()).await, 409).await;
    problem(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"filed_on": "2025-01-21", "reason": "x"}),
        )
        .await,
        409,
    )
    .await;
    let actions: Vec<String> = audit_rows(&app, "filing", f["id"].as_str().unwrap())
        .await
        .iter()
        .rev()
        .map(|r| r["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["create", "update", "withdraw"]);
    let rows = audit_rows(&app, "filing", f["id"].as_str().unwrap()).await;
    assert_eq!(rows[0]["changes"]["reason"], "entered on the wrong case");
}

async fn a_rejected_i589_does_not_start_the_clock(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let f = body(
        app.post(
            &format!("/api/v1/cases/{case}/filings"),
            &t.lawyer,
            &json!({"form": "I-589", "filed_on": "2025-01-10"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        live(&app, &t.lawyer, case, "ead_earliest_grant")
            .await
            .len(),
        1
    );
    let path = format!("/api/v1/filings/{}", f["id"].as_str().unwrap());
    let rejected = body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"status": "rejected", "status_on": "2025-01-25",
                    "reason": "USCIS returned it as incomplete"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["status_on"], "2025-01-25");
    assert!(live(&app, &t.lawyer, case, "ead_earliest_grant")
        .await
        .is_empty());
    assert!(live(&app, &t.lawyer, case, "ead_earliest_filing")
        .await
        .is_empty());
    problem(
        app.get(&format!("/api/v1/cases/{case}/ead-clock"), &t.lawyer)
            .await,
        422,
    )
    .await;
    // A status outside the vocabulary names the field.
    let res = app
        .patch(&path, &t.lawyer, &json!({"status": "lost", "reason": "x"}))
        .await;
    assert_eq!(invalid(res).await, ["status"]);
    // Accepted again: the clock runs from the filing date.
    body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"status": "accepted", "reason": "re-checked"}),
        )
        .await,
        200,
    )
    .await;
    let g = live(&app, &t.lawyer, case, "ead_earliest_grant").await;
    assert_eq!(g[0]["due_on"], "2025-07-09");
}

async fn an_i765_approval_is_added_by_patch(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let filings = format!("/api/v1/cases/{case}/filings");
    body(
        app.post(
            &filings,
            &t.lawyer,
            &json!({"form": "I-589", "filed_on": "2025-01-10"}),
        )
        .await,
        201,
    )
    .await;
    let i765 = body(
        app.post(
            &filings,
            &t.lawyer,
            &json!({"form": "I-765", "filed_on": "2025-06-10"}),
        )
        .await,
        201,
    )
    .await;
    assert!(of_kind(&app, &t.lawyer, case, "ead_renewal_window")
        .await
        .is_empty());
    let path = format!("/api/v1/filings/{}", i765["id"].as_str().unwrap());
    // An approval on a form other than the I-765 is refused, naming the field.
    let approved = body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"status": "approved", "approved_on": "2025-08-01",
                    "valid_until": "2027-08-01", "reason": "card arrived"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(approved["approved_on"], "2025-08-01");
    assert_eq!(approved["status"], "approved");
    let w = live(&app, &t.lawyer, case, "ead_renewal_window").await;
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["due_on"], "2027-02-02");
    let res = app
        .patch(
            &path,
            &t.lawyer,
            &json!({"valid_until": "2025-07-01", "reason": "x"}),
        )
        .await;
    assert_eq!(invalid(res).await, ["valid_until"]);
}

async fn clock_events_are_corrected_and_withdrawn(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let sub = |w: &str| format!("/api/v1/cases/{case}/{w}");
    body(
        app.post(
            &sub("filings"),
            &t.lawyer,
            &json!({"form": "I-589", "filed_on": "2025-01-10"}),
        )
        .await,
        201,
    )
    .await;
    let ev =
        |kind: &str, on: &str| json!({"kind": kind, "on": on, "reason": "asked to reschedule"});
    let stop = body(
        app.post(&sub("clock-events"), &t.lawyer, &ev("stop", "2025-02-01"))
            .await,
        201,
    )
    .await;
    let resume = body(
        app.post(&sub("clock-events"), &t.lawyer, &ev("resume", "2025-02-11"))
            .await,
        201,
    )
    .await;
    // 150 + 10 stopped days.
    let d = live(&app, &t.lawyer, case, "ead_earliest_filing").await;
    assert_eq!(d[0]["due_on"], "2025-06-19");
    let resume_path = format!("/api/v1/clock-events/{}", resume["id"].as_str().unwrap());
    let stop_path = format!("/api/v1/clock-events/{}", stop["id"].as_str().unwrap());
    let fixed = body(
        app.patch(
            &resume_path,
            &t.lawyer,
            &json!({"on": "2025-02-21", "reason": "the notice said the 21st"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(fixed["on"], "2025-02-21");
    let d2 = live(&app, &t.lawyer, case, "ead_earliest_filing").await;
    assert_eq!(d2[0]["due_on"], "2025-06-29");
    assert_eq!(d2[0]["id"], d[0]["id"]);
    // A correction that breaks the sequence is 422.
    let res = app
        .patch(
            &resume_path,
            &t.lawyer,
            &json!({"on": "2025-01-20", "reason": "x"}),
        )
        .await;
    assert_eq!(invalid(res).await, ["on"]);
    // Withdrawing the stop while its resume stands would leave a resume with no stop.
    let res = delete_with(&app, &stop_path, &t.lawyer, &reason()).await;
    problem(res, 422).await;
    // Withdrawing the resume: the clock is stopped, so the earliest dates are unknown.
    let gone = body(
        delete_with(&app, &resume_path, &t.lawyer, &reason()).await,
        200,
    )
    .await;
    assert!(gone["withdrawn_at"].is_string());
    assert!(live(&app, &t.lawyer, case, "ead_earliest_filing")
        .await
        .is_empty());
    let clock = body(
        app.get(
            &format!("/api/v1/cases/{case}/ead-clock?as_of=2025-03-01"),
            &t.lawyer,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(clock["running"], false);
    let listed = body(app.get(&sub("clock-events"), &t.lawyer).await, 200).await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        2,
        "kept in history"
    );
    let actions: Vec<String> = audit_rows(&app, "clock_event", resume["id"].as_str().unwrap())
        .await
        .iter()
        .rev()
        .map(|r| r["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["create", "update", "withdraw"]);
}

async fn decisions_are_corrected_and_withdrawn(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let d = body(
        app.post(
            &format!("/api/v1/cases/{case}/decisions"),
            &t.lawyer,
            &json!({"kind": "denied", "authority": "immigration_judge", "decided_on": "2026-10-01"}),
        )
        .await,
        201,
    )
    .await;
    let bia = live(&app, &t.lawyer, case, "bia_appeal").await;
    assert_eq!(bia[0]["due_on"], "2026-11-02");
    let path = format!("/api/v1/decisions/{}", d["id"].as_str().unwrap());
    let fixed = body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"decided_on": "2026-10-05", "reason": "the written decision was mailed later"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(fixed["decided_on"], "2026-10-05");
    let moved = live(&app, &t.lawyer, case, "bia_appeal").await;
    assert_eq!(moved[0]["id"], bia[0]["id"]);
    assert_eq!(moved[0]["due_on"], "2026-11-04");
    body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"appeal_waived": true, "reason": "waived at the hearing"}),
        )
        .await,
        200,
    )
    .await;
    assert!(live(&app, &t.lawyer, case, "bia_appeal").await.is_empty());
    assert_eq!(
        live(&app, &t.lawyer, case, "motion_to_reopen").await.len(),
        1
    );
    let gone = body(delete_with(&app, &path, &t.lawyer, &reason()).await, 200).await;
    assert_eq!(gone["withdrawn_reason"], "entered on the wrong case");
    assert!(live(&app, &t.lawyer, case, "motion_to_reopen")
        .await
        .is_empty());
    let listed = body(
        app.get(&format!("/api/v1/cases/{case}/decisions"), &t.lawyer)
            .await,
        200,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

async fn duplicate_receipt_numbers_conflict(app: TestApp) {
    let t = team(&app).await;
    let other = crate::helpers::create_case(
        &app,
        &t.admin,
        t.client_id(),
        json!({"kind": "defensive", "court_code": "el-paso"}),
    )
    .await;
    let filing = |r: &str| json!({"form": "other", "filed_on": "2025-05-01", "receipt_number": r});
    let path = format!("/api/v1/cases/{}/filings", t.case_id());
    let first = body(
        app.post(&path, &t.admin, &filing("EAC2212345678")).await,
        201,
    )
    .await;
    let p = problem(
        app.post(&path, &t.admin, &filing("EAC-22-123-45678")).await,
        409,
    )
    .await;
    assert_eq!(crate::helpers::error_fields(&p), ["receipt_number"]);
    let elsewhere = format!("/api/v1/cases/{}/filings", other["id"].as_str().unwrap());
    problem(
        app.post(&elsewhere, &t.admin, &filing("EAC2212345678"))
            .await,
        409,
    )
    .await;
    // A correction to a number already taken is 409 too.
    let second = body(
        app.post(&path, &t.admin, &filing("EAC2212345679")).await,
        201,
    )
    .await;
    let second_path = format!("/api/v1/filings/{}", second["id"].as_str().unwrap());
    problem(
        app.patch(
            &second_path,
            &t.admin,
            &json!({"receipt_number": "EAC2212345678", "reason": "x"}),
        )
        .await,
        409,
    )
    .await;
    // A withdrawn filing frees its number.
    let first_path = format!("/api/v1/filings/{}", first["id"].as_str().unwrap());
    body(
        delete_with(&app, &first_path, &t.admin, &reason()).await,
        200,
    )
    .await;
    body(
        app.post(&elsewhere, &t.admin, &filing("EAC2212345678"))
            .await,
        201,
    )
    .await;
}

async fn duplicate_receipt_numbers_sent_at_once_conflict(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/cases/{}/filings", t.case_id());
    let b = json!({"form": "other", "filed_on": "2025-05-01", "receipt_number": "IOE0912345678"});
    let statuses = crate::helpers::all_at_once(8, || app.post(&path, &t.admin, &b)).await;
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
}

async fn correction_visibility_matrix(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let sub = |w: &str| format!("/api/v1/cases/{case}/{w}");
    let f = body(
        app.post(
            &sub("filings"),
            &t.admin,
            &json!({"form": "I-589", "filed_on": "2025-01-10"}),
        )
        .await,
        201,
    )
    .await;
    let e = body(
        app.post(
            &sub("clock-events"),
            &t.admin,
            &json!({"kind": "stop", "on": "2025-02-01", "reason": "asked to reschedule"}),
        )
        .await,
        201,
    )
    .await;
    let d = body(
        app.post(
            &sub("decisions"),
            &t.admin,
            &json!({"kind": "denied", "authority": "immigration_judge", "decided_on": "2026-10-01"}),
        )
        .await,
        201,
    )
    .await;
    let items = [
        (
            "clock-events",
            e,
            json!({"on": "2025-02-02", "reason": "x"}),
        ),
        (
            "decisions",
            d,
            json!({"decided_on": "2026-10-02", "reason": "x"}),
        ),
        (
            "filings",
            f,
            json!({"receipt_number": "ZLA2612345678", "reason": "x"}),
        ),
    ];
    for (what, item, patch) in &items {
        let path = format!("/api/v1/{what}/{}", item["id"].as_str().unwrap());
        let absent = format!("/api/v1/{what}/no-such-id");
        // Anonymous: 401.
        problem(anon(&app, "PATCH", &path).await, 401).await;
        problem(anon(&app, "DELETE", &path).await, 401).await;
        // Not assigned: 404, exactly as if absent.
        for token in t.outsiders() {
            let hidden = problem(app.patch(&path, token, patch).await, 404).await;
            assert_eq!(
                hidden,
                problem(app.patch(&absent, token, patch).await, 404).await
            );
            let hidden = problem(delete_with(&app, &path, token, &reason()).await, 404).await;
            assert_eq!(
                hidden,
                problem(delete_with(&app, &absent, token, &reason()).await, 404).await
            );
        }
        // Assigned and admin: allowed.
        for token in [&t.caseworker, &t.lawyer, &t.admin] {
            body(app.patch(&path, token, patch).await, 200).await;
        }
        body(delete_with(&app, &path, &t.lawyer, &reason()).await, 200).await;
    }
}
