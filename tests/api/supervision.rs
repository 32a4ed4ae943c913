//! Orders of Supervision and ICE check-ins (INA 241(a)(3); 8 CFR 241.5): the next check-in is
//! planned from the order's interval or set by the officer, a missed one alerts the whole case
//! team, and a check-in is at an ICE field office (its zone, its name in e-mails and feeds), not
//! at the case's immigration court.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

use crate::helpers::{
    anon, audit_actions, body, error_fields, problem, team, Backend, Team, TestApp,
};
use crate::reminders::app;
use crate::{both, each_backend};

each_backend!(
    an_order_plans_check_ins_from_its_interval_or_the_officers_date,
    a_check_in_that_passes_unheld_alerts_the_whole_case_team,
    a_recorded_no_show_alerts_the_case_team_at_once,
    a_check_in_at_a_field_office_carries_its_zone_and_name,
);
both!(
    offices_are_listed_by_kind,
    appointments_are_at_an_office_of_their_kind,
    orders_of_supervision_are_checked_audited_and_follow_the_case,
);

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

async fn order(app: &TestApp, token: &str, case: &str, ordered: i64, interval: i64) -> Value {
    body(
        app.post(
            &format!("/api/v1/cases/{case}/supervision-orders"),
            token,
            &json!({"ordered_on": day(ordered), "field_office_code": "ero-new-york",
                    "interval_days": interval, "conditions": "Report in person; no travel outside NY"}),
        )
        .await,
        201,
    )
    .await
}

async fn check_in(app: &TestApp, token: &str, case: &str, offset: i64, extra: Value) -> Value {
    let mut req =
        json!({"kind": "ice_check_in", "starts_at_local": format!("{}T09:00", day(offset))});
    if let (Some(r), Some(e)) = (req.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    body(
        app.post(&format!("/api/v1/cases/{case}/hearings"), token, &req)
            .await,
        201,
    )
    .await
}

async fn outcome(app: &TestApp, token: &str, hearing: &Value, outcome: &str) {
    let path = format!("/api/v1/hearings/{}", hearing["id"].as_str().unwrap());
    body(
        app.patch(&path, token, &json!({"outcome": outcome})).await,
        200,
    )
    .await;
}

/// The case's `ice_check_in` deadlines (superseded ones included), soonest first.
async fn check_ins(app: &TestApp, token: &str, case: &str) -> Vec<Value> {
    let list = body(
        app.get(&format!("/api/v1/cases/{case}/deadlines?limit=200"), token)
            .await,
        200,
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "ice_check_in")
        .cloned()
        .collect()
}

fn live(rows: &[Value]) -> Vec<&Value> {
    rows.iter()
        .filter(|d| d["status"] != "superseded")
        .collect()
}

fn due(row: &Value) -> NaiveDate {
    row["due_on"].as_str().unwrap().parse().unwrap()
}

/// Planned dates move to the previous business day: at most four days earlier (a weekend next
/// to a holiday), never later.
fn planned_near(row: &Value, raw: i64) {
    let raw = today() + Duration::days(raw);
    let d = due(row);
    assert!(d <= raw && d >= raw - Duration::days(4), "{d} for {raw}");
}

async fn an_order_plans_check_ins_from_its_interval_or_the_officers_date(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let t = team(&app).await;
    let case = t.case_id().to_string();
    let osup = order(&app, &t.caseworker, &case, -30, 90).await;
    assert_eq!(osup["interval_days"], 90);
    assert_eq!(
        osup["field_office"],
        "ERO New York Field Office, New York, NY"
    );

    // Planned from the order: 90 days after it, open, citing the regulation.
    let rows = check_ins(&app, &t.lawyer, &case).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    planned_near(&rows[0], 60);
    assert_eq!(rows[0]["status"], "open");
    assert_eq!(rows[0]["rule"], "INA 241(a)(3); 8 CFR 241.5(a)");
    assert!(rows[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("90 days (the order's reporting interval) after the Order of Supervision"));

    // The client reported yesterday: that check-in is met, the next is planned 90 days from it.
    let held = check_in(&app, &t.caseworker, &case, -1, json!({})).await;
    outcome(&app, &t.caseworker, &held, "held").await;
    let rows = check_ins(&app, &t.lawyer, &case).await;
    let live_rows = live(&rows);
    assert_eq!(live_rows.len(), 2, "{rows:?}");
    assert_eq!(live_rows[0]["status"], "met");
    assert_eq!(live_rows[0]["due_on"], day(-1));
    planned_near(live_rows[1], 89);
    assert!(live_rows[1]["explanation"]
        .as_str()
        .unwrap()
        .contains("after the check-in held on"));
    assert_eq!(
        rows.iter().filter(|d| d["status"] == "superseded").count(),
        1,
        "the plan from the order gave way to the check-in"
    );

    // The officer gave a date: the plan by interval gives way to it.
    let next = check_in(&app, &t.caseworker, &case, 20, json!({})).await;
    let rows = check_ins(&app, &t.lawyer, &case).await;
    let live_rows = live(&rows);
    assert_eq!(live_rows.len(), 2, "{rows:?}");
    assert_eq!(live_rows[1]["due_on"], day(20));
    assert_eq!(live_rows[1]["status"], "open");

    // Cancelled by the officer: planned from the interval again.
    outcome(&app, &t.caseworker, &next, "cancelled").await;
    let rows = check_ins(&app, &t.lawyer, &case).await;
    let live_rows = live(&rows);
    assert_eq!(live_rows.len(), 2, "{rows:?}");
    planned_near(live_rows[1], 89);

    // Ending the order (the client was granted status, say) plans nothing after it.
    let path = format!(
        "/api/v1/supervision-orders/{}",
        osup["id"].as_str().unwrap()
    );
    body(
        app.patch(&path, &t.lawyer, &json!({"ended_on": day(0)}))
            .await,
        200,
    )
    .await;
    let rows = check_ins(&app, &t.lawyer, &case).await;
    let live_rows = live(&rows);
    assert_eq!(live_rows.len(), 1, "only the held one: {rows:?}");
    assert_eq!(live_rows[0]["status"], "met");
}

/// Moves the case's entry back, as time would: a deadline due before the case was entered was
/// never the office's to meet and alerts no one.
async fn entered_days_ago(app: &TestApp, case: &str, days: i64) {
    app.sql(format!(
        "UPDATE cases SET created_at = '{} 00:00:00' WHERE id = '{case}'",
        today() - Duration::days(days)
    ))
    .await;
}

fn recipients(mails: &[crate::helpers::Mail]) -> Vec<String> {
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    to
}

async fn a_check_in_that_passes_unheld_alerts_the_whole_case_team(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let t = team(&app).await;
    let case = t.case_id().to_string();
    order(&app, &t.caseworker, &case, -60, 30).await;
    // The officer set it; the day passes as time would pass it (moved into the past), and nobody
    // records that the client came.
    let visit = check_in(&app, &t.caseworker, &case, 5, json!({})).await;
    app.sql(format!(
        "UPDATE deadlines SET due_on = '{}' WHERE trigger_key = 'hearing:{}'",
        day(-2),
        visit["id"].as_str().unwrap()
    ))
    .await;
    entered_days_ago(&app, &case, 90).await;
    app.sql("DELETE FROM reminders".into()).await;
    let rows = check_ins(&app, &t.lawyer, &case).await;
    let missed: Vec<&Value> = rows.iter().filter(|d| d["status"] == "missed").collect();
    assert_eq!(missed.len(), 1, "{rows:?}");
    assert_eq!(missed[0]["due_on"], day(-2));
    assert_eq!(visit["office_code"], "ero-new-york");

    let report = asylum_tracker::reminders::worker::tick(&app.state.worker())
        .await
        .unwrap();
    assert!(report.missed_alerted >= 1);
    // Other deadlines of the case may be missed too (its one-year filing): all mails are in.
    let mails = app.inbox.wait_for(report.sent).await;
    let alerts: Vec<_> = mails
        .iter()
        .filter(|m| m.raw.contains("MISSED: ICE check-in"))
        .cloned()
        .collect();
    assert_eq!(
        recipients(&alerts),
        ["admin@test.org", "cw@test.org", "lawyer@test.org"],
        "lawyer, caseworker and every admin"
    );
    for m in &alerts {
        assert!(!m.raw.contains("Haidari") && !m.raw.contains("201234567"));
    }
}

async fn a_recorded_no_show_alerts_the_case_team_at_once(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let t = team(&app).await;
    let case = t.case_id().to_string();
    order(&app, &t.caseworker, &case, -60, 30).await;
    // Today's check-in, at 00:00 so it has begun whatever the hour: the caseworker hears from
    // the client that they did not go.
    let mut req = json!({"kind": "ice_check_in", "starts_at_local": format!("{}T00:00", day(0)),
                         "time_zone": "UTC"});
    req["office_code"] = json!("ero-new-york");
    let visit = body(
        app.post(
            &format!("/api/v1/cases/{case}/hearings"),
            &t.caseworker,
            &req,
        )
        .await,
        201,
    )
    .await;
    app.sql("DELETE FROM reminders".into()).await;
    outcome(&app, &t.caseworker, &visit, "no_show").await;
    // Not missed yet by the calendar (it is today), but alerted now, not tomorrow.
    let pending = body(
        app.get("/api/v1/reminders?status=pending&limit=200", &t.admin)
            .await,
        200,
    )
    .await;
    let alerts: Vec<&Value> = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "missed")
        .collect();
    assert_eq!(alerts.len(), 3, "{pending}");
    let w = app.state.worker();
    asylum_tracker::reminders::worker::tick(&w).await.unwrap();
    let mails = app.inbox.wait_for(3).await;
    assert_eq!(
        recipients(&mails),
        ["admin@test.org", "cw@test.org", "lawyer@test.org"]
    );
    assert!(mails.iter().all(|m| m.raw.contains("MISSED: ICE check-in")));
    // Tomorrow's sweep does not alert it again.
    entered_days_ago(&app, &case, 90).await;
    let row = check_ins(&app, &t.lawyer, &case).await;
    let id = row.iter().find(|d| d["due_on"] == day(0)).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.sql(format!(
        "UPDATE deadlines SET due_on = '{}' WHERE id = '{id}'",
        day(-1)
    ))
    .await;
    let report = asylum_tracker::reminders::worker::tick(&w).await.unwrap();
    assert_eq!(report.missed_alerted, 0);
}

async fn a_check_in_at_a_field_office_carries_its_zone_and_name(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    // The case is in El Paso's court (America/Denver); the client reports in New York.
    let t: Team = team(&app).await;
    let case = t.case_id().to_string();
    let visit = check_in(
        &app,
        &t.lawyer,
        &case,
        7,
        json!({"office_code": "ero-new-york"}),
    )
    .await;
    assert_eq!(visit["office_code"], "ero-new-york");
    assert_eq!(visit["court_code"], Value::Null, "not at the case's court");
    assert_eq!(visit["time_zone"], "America/New_York");
    let local = (today() + Duration::days(7)).and_hms_opt(9, 0, 0).unwrap();
    let utc = chrono_tz::America::New_York
        .from_local_datetime(&local)
        .unwrap()
        .naive_utc();
    assert_eq!(
        visit["starts_at"],
        utc.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    );

    // The 7-day reminder names the office, not the court.
    asylum_tracker::reminders::worker::tick(&app.state.worker())
        .await
        .unwrap();
    let mails = app.inbox.wait_for(2).await;
    let reminders: Vec<_> = mails
        .iter()
        .filter(|m| m.raw.contains("ICE check-in"))
        .collect();
    assert_eq!(reminders.len(), 2, "lawyer and caseworker");
    for m in reminders {
        let raw = m.raw.replace("=\r\n", "");
        assert!(raw.contains("ERO New York Field Office"), "{raw}");
        assert!(raw.contains("America/New_York"));
        assert!(!raw.contains("El Paso"));
    }

    // So does the calendar feed.
    let feed = body(
        app.post("/api/v1/me/calendar-token", &t.lawyer, &json!({}))
            .await,
        200,
    )
    .await;
    let url = feed["url"].as_str().unwrap();
    let path = &url[url.find("/calendar/").unwrap()..];
    let ics = reqwest::get(app.url(path))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("LOCATION:ERO New York Field Office"),
        "{unfolded}"
    );
    assert!(!unfolded.contains("El Paso Immigration Court"));
}

async fn offices_are_listed_by_kind(app: TestApp) {
    let token = app.token_for("cw@test.org", "caseworker").await;
    let all = body(app.get("/api/v1/offices", &token).await, 200).await;
    let items = all["items"].as_array().unwrap();
    for kind in [
        "ice_field_office",
        "asylum_office",
        "application_support_center",
    ] {
        let some = body(
            app.get(&format!("/api/v1/offices?kind={kind}"), &token)
                .await,
            200,
        )
        .await;
        let some = some["items"].as_array().unwrap();
        assert!(!some.is_empty());
        assert!(some.iter().all(|o| o["kind"] == kind));
    }
    let field_offices = items.iter().filter(|o| o["kind"] == "ice_field_office");
    assert_eq!(field_offices.count(), 25, "ERO's 25 field offices");
    let el_paso = items.iter().find(|o| o["code"] == "ero-el-paso").unwrap();
    assert_eq!(el_paso["time_zone"], "America/Denver");
    let p = problem(app.get("/api/v1/offices?kind=court", &token).await, 422).await;
    assert_eq!(error_fields(&p), ["kind"]);
    assert_eq!(anon(&app, "GET", "/api/v1/offices").await.status(), 401);
}

async fn appointments_are_at_an_office_of_their_kind(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/cases/{}/hearings", t.case_id());
    let at = |kind: &str, office: Option<&str>, court: Option<&str>| {
        let mut req = json!({"kind": kind, "starts_at_local": format!("{}T10:00", day(30))});
        if let Some(o) = office {
            req["office_code"] = json!(o);
        }
        if let Some(c) = court {
            req["court_code"] = json!(c);
        }
        req
    };
    let ok = body(
        app.post(
            &path,
            &t.lawyer,
            &at("biometrics", Some("asc-honolulu"), None),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(ok["time_zone"], "Pacific/Honolulu");
    let ok = body(
        app.post(
            &path,
            &t.lawyer,
            &at("asylum_interview", Some("asylum-newark"), None),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(ok["office_code"], "asylum-newark");
    assert_eq!(ok["court_code"], Value::Null);
    // Without an office, the contract's default stands: the case's court and its zone.
    let ok = body(
        app.post(&path, &t.lawyer, &at("biometrics", None, None))
            .await,
        201,
    )
    .await;
    assert_eq!(ok["court_code"], "el-paso");
    assert_eq!(ok["time_zone"], "America/Denver");

    for (req, field) in [
        (
            at("ice_check_in", Some("asylum-newark"), None),
            "office_code",
        ),
        (at("biometrics", Some("ero-new-york"), None), "office_code"),
        (at("ice_check_in", Some("ero-nowhere"), None), "office_code"),
        (
            at("master_calendar", Some("ero-new-york"), None),
            "office_code",
        ),
        (
            at("ice_check_in", Some("ero-new-york"), Some("el-paso")),
            "court_code",
        ),
    ] {
        let p = problem(app.post(&path, &t.lawyer, &req).await, 422).await;
        assert_eq!(error_fields(&p), [field], "{req}");
    }
    // Moving an appointment to an office leaves its court.
    let h = body(
        app.post(&path, &t.lawyer, &at("ice_check_in", None, None))
            .await,
        201,
    )
    .await;
    assert_eq!(
        h["court_code"], "el-paso",
        "no order: the contract's default"
    );
    let moved = body(
        app.patch(
            &format!("/api/v1/hearings/{}", h["id"].as_str().unwrap()),
            &t.lawyer,
            &json!({"office_code": "ero-el-paso"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(moved["office_code"], "ero-el-paso");
    assert_eq!(moved["court_code"], Value::Null);
    assert_eq!(moved["history"].as_array().unwrap().len(), 0, "same time");
}

async fn orders_of_supervision_are_checked_audited_and_follow_the_case(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id().to_string();
    let path = format!("/api/v1/cases/{case}/supervision-orders");
    let good =
        json!({"ordered_on": day(-10), "field_office_code": "ero-el-paso", "interval_days": 90});
    for token in t.outsiders() {
        problem(app.post(&path, token, &good).await, 404).await;
        problem(app.get(&path, token).await, 404).await;
    }
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for (req, field) in [
        (with("interval_days", json!(0)), "interval_days"),
        (with("interval_days", json!(3650)), "interval_days"),
        (
            with("field_office_code", json!("asylum-chicago")),
            "field_office_code",
        ),
        (
            with("field_office_code", json!("nowhere")),
            "field_office_code",
        ),
        (with("ordered_on", json!(day(3))), "ordered_on"),
        (with("conditions", json!("x".repeat(2001))), "conditions"),
    ] {
        let p = problem(app.post(&path, &t.lawyer, &req).await, 422).await;
        assert_eq!(error_fields(&p), [field], "{req}");
    }
    let unknown = with("reporting", json!("monthly"));
    problem(app.post(&path, &t.lawyer, &unknown).await, 422).await;
    let list = body(app.get(&path, &t.lawyer).await, 200).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing written"
    );

    let o = body(app.post(&path, &t.lawyer, &good).await, 201).await;
    let id = o["id"].as_str().unwrap().to_string();
    let one = format!("/api/v1/supervision-orders/{id}");
    for token in t.outsiders() {
        problem(
            app.patch(&one, token, &json!({"interval_days": 30})).await,
            404,
        )
        .await;
    }
    let p = problem(
        app.patch(&one, &t.lawyer, &json!({"ended_on": day(-11)}))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&p), ["ended_on"]);
    let changed = body(
        app.patch(
            &one,
            &t.caseworker,
            &json!({"interval_days": 30, "conditions": null}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["interval_days"], 30);
    assert_eq!(
        audit_actions(&app, "supervision_order", &id).await,
        ["create", "update"]
    );
    let list = body(app.get(&path, &t.admin).await, 200).await;
    assert_eq!(list["items"][0]["field_office_code"], "ero-el-paso");
    // A check-in with neither office nor court goes to the order's field office.
    let h = check_in(&app, &t.caseworker, &case, 5, json!({})).await;
    assert_eq!(h["office_code"], "ero-el-paso");
    assert_eq!(h["time_zone"], "America/Denver");
}
