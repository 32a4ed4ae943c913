//! `GET /api/v1/cases/{id}/overview`: the case page in one call. Each part equals what its own
//! endpoint gives, it follows the case's visibility, and the number of queries it takes does not
//! grow with the case (counted on the connection by diesel's instrumentation).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use asylum_tracker::db::scope::Scope;
use asylum_tracker::service::overview::{load, Inputs};
use diesel::connection::{Connection, InstrumentationEvent};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{anon, audit_actions, body, id, problem, team, TestApp};

both!(
    the_overview_holds_what_each_endpoint_gives_to_the_case_team_only,
    the_overview_takes_the_same_number_of_queries_whatever_the_case_size,
);

/// Records `n` of each kind of fact on the case: filings, clock events, hearings each moved
/// once (so each has a history), decisions and family members.
async fn grow(app: &TestApp, token: &str, case_id: &str, n: usize) {
    let case = format!("/api/v1/cases/{case_id}");
    let post =
        |path: String, b: Value| async move { body(app.post(&path, token, &b).await, 201).await };
    post(
        format!("{case}/filings"),
        json!({"form": "I-589", "filed_on": "2026-03-02"}),
    )
    .await;
    for i in 0..n {
        let day = 10 + i;
        post(
            format!("{case}/filings"),
            json!({"form": "other", "filed_on": format!("2026-03-{day:02}")}),
        )
        .await;
        post(
            format!("{case}/clock-events"),
            json!({"kind": "stop", "on": format!("2026-04-{day:02}"), "reason": "asked for time"}),
        )
        .await;
        post(
            format!("{case}/clock-events"),
            json!({"kind": "resume", "on": format!("2026-04-{:02}", day + 1), "reason": "ready"}),
        )
        .await;
        let h = post(
            format!("{case}/hearings"),
            json!({"kind": "master_calendar", "starts_at_local": format!("2027-02-{day:02}T09:00")}),
        )
        .await;
        post(
            format!("{case}/notes"),
            json!({"body": format!("Called the client about hearing {i}")}),
        )
        .await;
        post(
            format!("{case}/tasks"),
            json!({"title": format!("Gather evidence {i}"), "due_on": format!("2027-01-{day:02}")}),
        )
        .await;
        let moved = json!({"starts_at_local": format!("2027-03-{day:02}T10:00")});
        body(
            app.patch(&format!("/api/v1/hearings/{}", id(&h)), token, &moved)
                .await,
            200,
        )
        .await;
        post(
            format!("{case}/family-members"),
            json!({"relationship": "child", "given_name": format!("Child{i}"),
                   "family_name": "Haidari", "date_of_birth": "2015-01-01"}),
        )
        .await;
    }
    post(
        format!("{case}/decisions"),
        json!({"kind": "denied", "authority": "immigration_judge", "decided_on": "2026-10-01"}),
    )
    .await;
    post(
        format!("{case}/supervision-orders"),
        json!({"ordered_on": "2026-11-02", "field_office_code": "ero-new-york",
               "interval_days": 90}),
    )
    .await;
    post(
        format!("{case}/custody"),
        json!({"detained_on": "2026-10-05", "facility": "Elizabeth Detention Center",
               "bond_hearing_on": "2026-10-20", "bond_decided_on": "2026-10-20",
               "bond_decision": "granted", "bond_amount_usd": 5000}),
    )
    .await;
    body(
        app.put(
            &format!("{case}/one-year-exception"),
            token,
            &json!({"kind": "changed_circumstances"}),
        )
        .await,
        200,
    )
    .await;
}

async fn items(app: &TestApp, path: &str, token: &str) -> Value {
    body(app.get(path, token).await, 200).await["items"].clone()
}

async fn the_overview_holds_what_each_endpoint_gives_to_the_case_team_only(app: TestApp) {
    let t = team(&app).await;
    grow(&app, &t.lawyer, t.case_id(), 2).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    let path = format!("{case}/overview");
    for token in t.insiders() {
        let o = body(app.get(&path, token).await, 200).await;
        assert_eq!(o["case"], body(app.get(&case, token).await, 200).await);
        let client = format!("/api/v1/clients/{}", t.client_id());
        assert_eq!(o["client"], body(app.get(&client, token).await, 200).await);
        let tl = &o["timeline"];
        assert_eq!(
            tl["filings"],
            items(&app, &format!("{case}/filings"), token).await
        );
        assert_eq!(tl["filings"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            tl["clock_events"],
            items(&app, &format!("{case}/clock-events"), token).await
        );
        let hearings = items(&app, &format!("{case}/hearings"), token).await;
        assert_eq!(tl["hearings"], hearings);
        assert_eq!(
            tl["hearings"][0]["history"].as_array().map(Vec::len),
            Some(1),
            "each hearing comes with its reschedule history"
        );
        assert_eq!(
            tl["decisions"],
            items(&app, &format!("{case}/decisions"), token).await
        );
        assert_eq!(
            tl["notes"],
            items(&app, &format!("{case}/notes"), token).await
        );
        assert_eq!(tl["notes"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            o["tasks"],
            items(&app, &format!("{case}/tasks"), token).await
        );
        assert_eq!(o["tasks"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            o["custody_periods"],
            items(&app, &format!("{case}/custody"), token).await
        );
        assert_eq!(o["custody_periods"].as_array().map(Vec::len), Some(1));
        assert_eq!(o["case"]["detained"], true);
        assert_eq!(
            o["deadlines"],
            items(&app, &format!("{case}/deadlines"), token).await
        );
        assert_eq!(
            o["ead_clock"],
            body(app.get(&format!("{case}/ead-clock"), token).await, 200).await
        );
        assert_eq!(
            o["family_members"],
            items(&app, &format!("{case}/family-members"), token).await
        );
        assert_eq!(
            o["supervision_orders"],
            items(&app, &format!("{case}/supervision-orders"), token).await
        );
        assert_eq!(
            o["one_year_exception"],
            body(
                app.get(&format!("{case}/one-year-exception"), token).await,
                200
            )
            .await
        );
    }
    // Reading the client through the overview is audited like reading the client.
    let before = audit_actions(&app, "client", t.client_id()).await;
    body(app.get(&path, &t.caseworker).await, 200).await;
    let after = audit_actions(&app, "client", t.client_id()).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last().map(String::as_str), Some("read"));
    // Outsiders get what an absent case gives; no token, 401.
    let absent = problem(
        app.get("/api/v1/cases/no-such-case/overview", &t.other_lawyer)
            .await,
        404,
    )
    .await;
    for token in t.outsiders() {
        assert_eq!(problem(app.get(&path, token).await, 404).await, absent);
    }
    problem(anon(&app, "GET", &path).await, 401).await;
    // A case without an I-589 has no clock yet: null, not an error.
    let other = crate::helpers::create_case(
        &app,
        &t.admin,
        t.client_id(),
        json!({"kind": "affirmative"}),
    )
    .await;
    let o = body(
        app.get(&format!("/api/v1/cases/{}/overview", id(&other)), &t.admin)
            .await,
        200,
    )
    .await;
    assert_eq!(o["ead_clock"], Value::Null);
    assert_eq!(o["timeline"]["filings"], json!([]));
}

/// The statements `load` runs for the case, on a connection of the app's pool.
fn queries(app: &TestApp, scope: &Scope, reader: &str, case_id: &str) -> usize {
    let count = Arc::new(AtomicUsize::new(0));
    let mut conn = app.pool.get().expect("connection");
    let seen = count.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = event {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let waits = app.settings.ead_waits();
    let inputs = Inputs {
        offices: &app.state.offices,
        today: asylum_tracker::service::org_today(&app.settings),
        waits: &waits,
        note_edit_minutes: app.settings.notes.edit_minutes,
    };
    let o = load(&mut conn, scope, reader, case_id, &inputs).expect("overview loads");
    assert_eq!(o.case.id, case_id);
    // The pooled connection goes back without the counter.
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
    count.load(Ordering::SeqCst)
}

async fn the_overview_takes_the_same_number_of_queries_whatever_the_case_size(app: TestApp) {
    let small = team(&app).await;
    grow(&app, &small.lawyer, small.case_id(), 1).await;
    // A second case for another client, many times the size.
    let admin = small.admin.clone();
    let client =
        crate::helpers::create_client(&app, &admin, &crate::helpers::client_body("Wei", "Zhang"))
            .await;
    let case = crate::helpers::create_case(
        &app,
        &admin,
        &id(&client),
        json!({"kind": "defensive", "court_code": "el-paso",
               "lawyer_ids": [small.lawyer_id], "caseworker_ids": [small.caseworker_id]}),
    )
    .await;
    let big_case = id(&case);
    grow(&app, &small.lawyer, &big_case, 8).await;
    let lawyer = Scope::AssignedTo(small.lawyer_id.clone());
    let blocking = |scope: Scope, case: String| {
        let (app, reader) = (&app, small.lawyer_id.clone());
        move || queries(app, &scope, &reader, &case)
    };
    let few = blocking(lawyer.clone(), small.case_id().to_string())();
    let many = blocking(lawyer, big_case.clone())();
    assert_eq!(
        few, many,
        "the overview of a case with 8 times the facts takes the same number of queries"
    );
    // One per part (case, client, the audit row, assignments, each list, hearing histories).
    assert!(
        (12..=16).contains(&few),
        "one query per part, not per row: {few}"
    );
    let everything = blocking(Scope::All, big_case)();
    assert_eq!(everything, many, "an administrator's overview too");
}
