//! Hearings: who sees them, local time + zone to UTC across DST changes, validation, moves
//! with history, and audit.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{
    anon, audit_rows, body, client_body, create_case, create_client, error_fields, id, invalid,
    list_ids, problem, team, TestApp,
};

both!(
    hearing_visibility_matrix,
    el_paso_in_march_after_the_change_is_mdt,
    new_york_in_november_after_the_change_is_est,
    dst_gap_and_overlap_are_422_with_a_clear_message,
    unknown_court_zone_and_kind_are_422,
    reschedule_keeps_history_and_is_audited,
    outcomes_need_the_hearing_to_have_happened_and_a_move_clears_them,
    mode_and_interpreter_language_are_recorded_checked_and_cleared,
);

async fn schedule(app: &TestApp, token: &str, case_id: &str, req: &Value) -> Value {
    let path = format!("/api/v1/cases/{case_id}/hearings");
    body(app.post(&path, token, req).await, 201).await
}

/// Whether `token` sees hearing `id` of case `case`: asserts that the hearing (200 or 404), the
/// case's hearings, the February range and the whole calendar agree, and returns the answer.
async fn sees_hearing(app: &TestApp, token: &str, case: &str, id: &str) -> bool {
    let res = app.get(&format!("/api/v1/hearings/{id}"), token).await;
    let seen = res.status() == 200;
    if !seen {
        problem(res, 404).await;
    }
    let in_case = app
        .get(&format!("/api/v1/cases/{case}/hearings"), token)
        .await;
    assert_eq!(in_case.status().as_u16(), if seen { 200 } else { 404 });
    for calendar in [
        "/api/v1/hearings?from=2027-02-01&to=2027-02-28",
        "/api/v1/hearings",
    ] {
        let listed = list_ids(app, calendar, token).await;
        assert_eq!(listed.iter().any(|i| i == id), seen, "{calendar}");
    }
    seen
}

async fn hearing_visibility_matrix(app: TestApp) {
    let t = team(&app).await;
    let case_hearings = format!("/api/v1/cases/{}/hearings", t.case_id());
    let req = json!({"kind": "master_calendar", "starts_at_local": "2027-02-02T09:00"});
    let h = schedule(&app, &t.caseworker, t.case_id(), &req).await;
    let hid = id(&h);
    let path = format!("/api/v1/hearings/{hid}");
    for token in t.insiders() {
        assert!(sees_hearing(&app, token, t.case_id(), &hid).await);
    }
    let judge = json!({"judge": "IJ Rivera"});
    body(app.patch(&path, &t.lawyer, &judge).await, 200).await;
    // Outsiders: 404 on every hearing route, and the hearing is in none of their lists.
    let moved = json!({"starts_at_local": "2027-02-03T09:00"});
    let cancelled = json!({"outcome": "cancelled"});
    for token in t.outsiders() {
        assert!(!sees_hearing(&app, token, t.case_id(), &hid).await);
        let hidden = problem(app.get(&path, token).await, 404).await;
        let absent = app.get("/api/v1/hearings/no-such-id", token).await;
        assert_eq!(hidden, problem(absent, 404).await);
        problem(app.patch(&path, token, &moved).await, 404).await;
        problem(app.patch(&path, token, &cancelled).await, 404).await;
        problem(app.post(&case_hearings, token, &req).await, 404).await;
    }
    let kept = body(app.get(&path, &t.admin).await, 200).await;
    assert_eq!(kept["starts_at_local"], "2027-02-02T09:00", "refused move");
    assert!(kept["outcome"].is_null());
    assert_eq!(kept["judge"], "IJ Rivera");
    assert_eq!(
        list_ids(&app, &case_hearings, &t.admin).await,
        [hid.as_str()]
    );
    // Out-of-range dates leave it out for everyone.
    let later = list_ids(&app, "/api/v1/hearings?from=2027-03-01", &t.admin).await;
    assert!(later.is_empty());
    let backwards = "/api/v1/hearings?from=2027-03-01&to=2027-02-01";
    assert_eq!(invalid(app.get(backwards, &t.admin).await).await, ["to"]);
    // Assignment grants at once, unassignment removes at once.
    let assign = format!(
        "/api/v1/cases/{}/assignments/{}",
        t.case_id(),
        t.other_lawyer_id
    );
    let lawyer = json!({"role": "lawyer"});
    body(app.put(&assign, &t.admin, &lawyer).await, 200).await;
    assert!(sees_hearing(&app, &t.other_lawyer, t.case_id(), &hid).await);
    let room = json!({"location": "Courtroom 3"});
    body(app.patch(&path, &t.other_lawyer, &room).await, 200).await;
    body(app.delete(&assign, &t.lawyer).await, 204).await;
    assert!(!sees_hearing(&app, &t.other_lawyer, t.case_id(), &hid).await);
    // No token: 401.
    for (method, p) in [
        ("GET", path.as_str()),
        ("PATCH", &path),
        ("GET", "/api/v1/hearings"),
        ("GET", &case_hearings),
        ("POST", &case_hearings),
    ] {
        problem(anon(&app, method, p).await, 401).await;
    }
}

/// A hearing request: `kind` at `local`, plus the members of `extra`.
fn hearing(kind: &str, local: &str, extra: Value) -> Value {
    let mut req = json!({"kind": kind, "starts_at_local": local});
    if let (Some(r), Some(e)) = (req.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    req
}

/// A client with a case at `court` (none if `None`), opened by `token`; the case id.
async fn case_at(app: &TestApp, token: &str, court: Option<&str>) -> String {
    let client = id(&create_client(app, token, &client_body("Ibrahim", "Diallo")).await);
    let extra = match court {
        Some(c) => json!({"kind": "defensive", "court_code": c}),
        None => json!({}),
    };
    id(&create_case(app, token, &client, extra).await)
}

async fn el_paso_in_march_after_the_change_is_mdt(app: TestApp) {
    let t = team(&app).await; // its case is at el-paso
    let req = hearing("individual", "2027-03-16T09:00", json!({}));
    let h = schedule(&app, &t.lawyer, t.case_id(), &req).await;
    assert_eq!(h["court_code"], "el-paso", "the case's court by default");
    assert_eq!(h["time_zone"], "America/Denver", "the court's zone");
    assert_eq!(h["starts_at_local"], "2027-03-16T09:00");
    assert_eq!(h["starts_at"], "2027-03-16T15:00:00Z");
    // The week before the change it is MST (UTC-7).
    let req = hearing("master_calendar", "2027-03-09T09:00", json!({}));
    let before = schedule(&app, &t.lawyer, t.case_id(), &req).await;
    assert_eq!(before["starts_at"], "2027-03-09T16:00:00Z");
    // Read back, the same; the case's list is in time order.
    let path = format!("/api/v1/hearings/{}", id(&h));
    let read = body(app.get(&path, &t.lawyer).await, 200).await;
    assert_eq!(read["starts_at"], "2027-03-16T15:00:00Z");
    assert_eq!(read["time_zone"], "America/Denver");
    let path = format!("/api/v1/cases/{}/hearings", t.case_id());
    assert_eq!(
        list_ids(&app, &path, &t.lawyer).await,
        [id(&before), id(&h)]
    );
}

async fn new_york_in_november_after_the_change_is_est(app: TestApp) {
    let admin = app.admin_token().await;
    let case = case_at(&app, &admin, Some("new-york-broadway")).await;
    for (kind, local, extra, zone, utc) in [
        (
            "master_calendar",
            "2026-11-10T09:00",
            json!({}),
            "America/New_York",
            "2026-11-10T14:00:00Z",
        ),
        (
            "master_calendar",
            "2026-10-20T09:00",
            json!({}),
            "America/New_York",
            "2026-10-20T13:00:00Z",
        ),
        // At another court than the case's: that court's zone.
        (
            "individual",
            "2026-11-10T09:00",
            json!({"court_code": "el-paso"}),
            "America/Denver",
            "2026-11-10T16:00:00Z",
        ),
        // An explicit zone wins (an ICE check-in in Phoenix time, no DST).
        (
            "ice_check_in",
            "2027-07-01T09:00",
            json!({"time_zone": "America/Phoenix"}),
            "America/Phoenix",
            "2027-07-01T16:00:00Z",
        ),
    ] {
        let h = schedule(&app, &admin, &case, &hearing(kind, local, extra)).await;
        assert_eq!(
            (h["time_zone"].as_str(), h["starts_at"].as_str()),
            (Some(zone), Some(utc))
        );
        assert_eq!(h["starts_at_local"], local);
    }
}

async fn dst_gap_and_overlap_are_422_with_a_clear_message(app: TestApp) {
    let admin = app.admin_token().await;
    let case = case_at(&app, &admin, Some("new-york-broadway")).await;
    let path = format!("/api/v1/cases/{case}/hearings");
    for (local, words) in [
        ("2027-03-14T02:30", "does not exist"),
        ("2026-11-01T01:30", "happens twice"),
    ] {
        let req = hearing("master_calendar", local, json!({}));
        let p = problem(app.post(&path, &admin, &req).await, 422).await;
        assert_eq!(error_fields(&p), ["starts_at_local"], "{local}");
        let m = p["errors"][0]["message"].as_str().unwrap();
        for part in [words, local, "America/New_York", "daylight saving"] {
            assert!(m.contains(part), "{part} in {m}");
        }
    }
    // Also when moving an existing hearing into the gap; then the hearing is unchanged.
    let req = hearing("master_calendar", "2027-03-14T09:00", json!({}));
    let hp = format!(
        "/api/v1/hearings/{}",
        id(&schedule(&app, &admin, &case, &req).await)
    );
    let gap = json!({"starts_at_local": "2027-03-14T02:00"});
    assert_eq!(
        invalid(app.patch(&hp, &admin, &gap).await).await,
        ["starts_at_local"]
    );
    let kept = body(app.get(&hp, &admin).await, 200).await;
    assert_eq!(kept["starts_at"], "2027-03-14T13:00:00Z");
    assert!(kept["history"].as_array().unwrap().is_empty());
    // In a zone without DST the same local time is fine.
    let phx = json!({"time_zone": "America/Phoenix"});
    let h = schedule(
        &app,
        &admin,
        &case,
        &hearing("biometrics", "2027-03-14T02:30", phx),
    )
    .await;
    assert_eq!(h["starts_at"], "2027-03-14T09:30:00Z");
}

async fn unknown_court_zone_and_kind_are_422(app: TestApp) {
    let admin = app.admin_token().await;
    let case = case_at(&app, &admin, None).await; // an affirmative case: no court
    let path = format!("/api/v1/cases/{case}/hearings");
    let chicago = json!({"time_zone": "America/Chicago"});
    for (req, field) in [
        (
            hearing("asylum_interview", "2027-01-05T10:00", json!({})),
            "time_zone",
        ),
        (
            hearing(
                "individual",
                "2027-01-05T10:00",
                json!({"court_code": "atlantis"}),
            ),
            "court_code",
        ),
        (
            hearing(
                "individual",
                "2027-01-05T10:00",
                json!({"time_zone": "Mars/Olympus"}),
            ),
            "time_zone",
        ),
        (
            hearing("hearing", "2027-01-05T10:00", chicago.clone()),
            "kind",
        ),
        (
            hearing("individual", "2027-01-05 10:00", chicago.clone()),
            "starts_at_local",
        ),
        (
            json!({"kind": "individual", "time_zone": "America/Chicago"}),
            "starts_at_local",
        ),
    ] {
        let p = problem(app.post(&path, &admin, &req).await, 422).await;
        assert_eq!(error_fields(&p), [field], "{req}");
        if field == "kind" {
            let m = p["errors"][0]["message"].as_str().unwrap();
            let all =
                "master_calendar, individual, asylum_interview, biometrics, ice_check_in, other";
            assert!(m.contains(all), "{m}");
        }
    }
    assert!(
        list_ids(&app, &path, &admin).await.is_empty(),
        "nothing created"
    );
    // With a zone, a hearing needs no court.
    let h = schedule(
        &app,
        &admin,
        &case,
        &hearing("asylum_interview", "2027-01-05T10:00", chicago),
    )
    .await;
    assert_eq!(h["starts_at"], "2027-01-05T16:00:00Z");
    assert!(h["court_code"].is_null());
    // Unknown outcomes list the allowed ones; unknown zones are refused on PATCH too.
    let hp = format!("/api/v1/hearings/{}", id(&h));
    let p = problem(
        app.patch(&hp, &admin, &json!({"outcome": "adjourned"}))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), ["outcome"]);
    let all = "held, continued_by_applicant, continued_by_court, no_show, cancelled";
    assert!(p["errors"][0]["message"].as_str().unwrap().contains(all));
    let zone = json!({"time_zone": "Nowhere/Land"});
    assert_eq!(
        invalid(app.patch(&hp, &admin, &zone).await).await,
        ["time_zone"]
    );
}

async fn reschedule_keeps_history_and_is_audited(app: TestApp) {
    let t = team(&app).await;
    let req = hearing(
        "master_calendar",
        "2026-03-16T09:00",
        json!({"judge": "IJ Ortiz"}),
    );
    let h = schedule(&app, &t.lawyer, t.case_id(), &req).await;
    let hid = id(&h);
    let path = format!("/api/v1/hearings/{hid}");
    assert!(h["history"].as_array().unwrap().is_empty());
    let patch = |token: &str, b: Value| {
        let (app, path, token) = (&app, &path, token.to_string());
        async move { body(app.patch(path, &token, &b).await, 200).await }
    };
    // An outcome is no move: no history.
    let held = patch(&t.lawyer, json!({"outcome": "continued_by_court"})).await;
    assert_eq!(held["outcome"], "continued_by_court");
    assert!(held["history"].as_array().unwrap().is_empty());
    // Move 1: a new local time.
    let m1 = patch(
        &t.caseworker,
        json!({"starts_at_local": "2027-04-20T13:30"}),
    )
    .await;
    assert_eq!(m1["starts_at"], "2027-04-20T19:30:00Z");
    let history = m1["history"].as_array().unwrap();
    assert!(m1["outcome"].is_null(), "a move clears the outcome");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["starts_at_local"], "2026-03-16T09:00");
    assert_eq!(history[0]["time_zone"], "America/Denver");
    assert_eq!(history[0]["starts_at"], "2026-03-16T15:00:00Z");
    assert_eq!(history[0]["changed_by"], t.caseworker_id.as_str());
    // Move 2: to another court, whose zone comes with it; the same local time.
    let m2 = patch(&t.lawyer, json!({"court_code": "new-york-broadway"})).await;
    assert_eq!(m2["court_code"], "new-york-broadway");
    assert_eq!(m2["time_zone"], "America/New_York");
    assert_eq!(m2["starts_at_local"], "2027-04-20T13:30");
    assert_eq!(m2["starts_at"], "2027-04-20T17:30:00Z");
    let read = body(app.get(&path, &t.admin).await, 200).await;
    let history: Vec<&str> = read["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        ["2026-03-16T15:00:00Z", "2027-04-20T19:30:00Z"],
        "oldest first"
    );
    assert_eq!(read["judge"], "IJ Ortiz");
    // Audit: the creation and each change, with what changed.
    let rows = audit_rows(&app, "hearing", &hid).await;
    let actions: Vec<&str> = rows
        .iter()
        .rev()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "update", "update"]);
    let [moved2, moved1, outcome, create] = &rows[..] else {
        panic!("four rows")
    };
    assert_eq!(create["actor_id"], t.lawyer_id.as_str());
    assert_eq!(create["changes"]["starts_at"]["to"], "2026-03-16T15:00:00Z");
    assert_eq!(outcome["changes"]["outcome"]["to"], "continued_by_court");
    assert_eq!(moved1["actor_id"], t.caseworker_id.as_str());
    let change = &moved1["changes"]["starts_at"];
    assert_eq!(
        (&change["from"], &change["to"]),
        (
            &json!("2026-03-16T15:00:00Z"),
            &json!("2027-04-20T19:30:00Z")
        )
    );
    assert_eq!(moved2["changes"]["time_zone"]["to"], "America/New_York");
    assert!(moved2["changes"].get("history").is_none());
}

/// A day `days` from today (UTC) at 10:00, as a local time.
fn local_in(days: i64) -> String {
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    format!("{day}T10:00")
}

/// What happened at a hearing (held, continued, no-show) can be recorded only once it has
/// taken place; a cancellation any time; a hearing moved to a new date starts with no outcome.
async fn outcomes_need_the_hearing_to_have_happened_and_a_move_clears_them(app: TestApp) {
    let t = team(&app).await;
    let ahead = schedule(
        &app,
        &t.lawyer,
        t.case_id(),
        &hearing("individual", &local_in(60), json!({"time_zone": "UTC"})),
    )
    .await;
    let path = format!("/api/v1/hearings/{}", id(&ahead));
    for outcome in [
        "held",
        "continued_by_applicant",
        "continued_by_court",
        "no_show",
    ] {
        let p = problem(
            app.patch(&path, &t.lawyer, &json!({"outcome": outcome}))
                .await,
            422,
        )
        .await;
        assert_eq!(error_fields(&p), ["outcome"], "{outcome}");
        let message = p.to_string();
        assert!(
            message.contains("has taken place") && message.contains("cancelled"),
            "{outcome}: a clear message: {message}"
        );
    }
    let read = body(app.get(&path, &t.lawyer).await, 200).await;
    assert!(read["outcome"].is_null(), "nothing recorded");
    // A cancellation may come any time, and be taken back.
    let cancelled = body(
        app.patch(&path, &t.lawyer, &json!({"outcome": "cancelled"}))
            .await,
        200,
    )
    .await;
    assert_eq!(cancelled["outcome"], "cancelled");
    // Moved to a new date: it starts with no outcome (the cancellation does not follow it).
    let moved = body(
        app.patch(&path, &t.lawyer, &json!({"starts_at_local": local_in(90)}))
            .await,
        200,
    )
    .await;
    assert!(moved["outcome"].is_null(), "a move clears the outcome");

    // A hearing that has taken place: what happened may be recorded.
    let past = schedule(
        &app,
        &t.lawyer,
        t.case_id(),
        &hearing(
            "master_calendar",
            &local_in(-3),
            json!({"time_zone": "UTC"}),
        ),
    )
    .await;
    let past_path = format!("/api/v1/hearings/{}", id(&past));
    let held = body(
        app.patch(
            &past_path,
            &t.lawyer,
            &json!({"outcome": "continued_by_court"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(held["outcome"], "continued_by_court");
    // Continued to a new date: the hearing at that date has not happened yet.
    let continued = body(
        app.patch(
            &past_path,
            &t.lawyer,
            &json!({"starts_at_local": local_in(30)}),
        )
        .await,
        200,
    )
    .await;
    assert!(continued["outcome"].is_null(), "a move clears the outcome");
    // A move and an outcome in one request: the outcome is judged at the new date.
    let p = problem(
        app.patch(
            &past_path,
            &t.lawyer,
            &json!({"starts_at_local": local_in(40), "outcome": "held"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), ["outcome"]);
    // A judge's name changed on a hearing that was held keeps its outcome.
    let back = body(
        app.patch(
            &past_path,
            &t.lawyer,
            &json!({"starts_at_local": local_in(-2), "outcome": "held"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(back["outcome"], "held");
    let judged = body(
        app.patch(&past_path, &t.lawyer, &json!({"judge": "IJ Ortiz"}))
            .await,
        200,
    )
    .await;
    assert_eq!(judged["outcome"], "held", "no move, outcome kept");
}

async fn mode_and_interpreter_language_are_recorded_checked_and_cleared(app: TestApp) {
    let t = team(&app).await;
    let req = hearing(
        "master_calendar",
        "2027-03-16T09:00",
        json!({"mode": "video", "interpreter_language": "cmn"}),
    );
    let h = schedule(&app, &t.lawyer, t.case_id(), &req).await;
    assert_eq!(h["mode"], "video");
    assert_eq!(h["interpreter_language"], "cmn");
    let path = format!("/api/v1/cases/{}/hearings", t.case_id());
    for (extra, field) in [
        (json!({"mode": "zoom"}), "mode"),
        (
            json!({"interpreter_language": "not a language"}),
            "interpreter_language",
        ),
    ] {
        let bad = hearing("master_calendar", "2027-03-16T09:00", extra);
        let p = problem(app.post(&path, &t.lawyer, &bad).await, 422).await;
        assert_eq!(error_fields(&p), [field]);
    }
    let one = format!("/api/v1/hearings/{}", h["id"].as_str().unwrap());
    let changed = body(
        app.patch(
            &one,
            &t.caseworker,
            &json!({"mode": "in_person", "interpreter_language": null}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["mode"], "in_person");
    assert_eq!(changed["interpreter_language"], Value::Null);
    assert_eq!(
        changed["history"].as_array().unwrap().len(),
        0,
        "not a move"
    );
    let rows = audit_rows(&app, "hearing", h["id"].as_str().unwrap()).await;
    assert!(rows.iter().any(|r| r["action"] == "update"));
}
