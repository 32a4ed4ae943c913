//! Statements per request, counted over every connection of the app's pool by diesel's
//! instrumentation (issue 14): a list takes the same number whatever its page size (no query
//! per row) and at most four (no validity check per check-out, the caller checked in one), a
//! write the same number whatever the case team's or the name's size (no insert per reminder or
//! per search token).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use diesel::connection::{Connection, InstrumentationEvent};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{body, client_body, create_case, create_client, id, team, TestApp};

both!(
    every_list_takes_the_same_number_of_statements_whatever_its_page_size,
    writes_take_the_same_number_of_statements_whatever_the_team_or_the_name,
);

/// Counts the statements every connection of the pool runs from now on: all of them are
/// checked out at once (so each one is reached), given the counter and handed back.
fn count_statements(app: &TestApp) -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let conns: Vec<_> = (0..app.pool.max_size())
        .map(|_| app.pool.get().expect("connection"))
        .collect();
    for mut conn in conns {
        let seen = count.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { .. } = event {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    count
}

/// The statements one request took, and its answer (which must be a success).
async fn measured(
    app: &TestApp,
    count: &AtomicUsize,
    token: &str,
    method: &str,
    path: &str,
    payload: Option<Value>,
) -> (usize, Value) {
    let before = count.load(Ordering::SeqCst);
    let res = match method {
        "GET" => app.get(path, token).await,
        _ => app.post(path, token, &payload.unwrap_or(Value::Null)).await,
    };
    let status = res.status().as_u16();
    assert!(status == 200 || status == 201, "{method} {path}: {status}");
    let json = res.json().await.expect("json");
    (count.load(Ordering::SeqCst) - before, json)
}

fn with_limit(path: &str, limit: usize) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}limit={limit}")
}

async fn every_list_takes_the_same_number_of_statements_whatever_its_page_size(app: TestApp) {
    let t = team(&app).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    let post = |path: String, b: Value| {
        let app = &app;
        let token = t.lawyer.clone();
        async move { body(app.post(&path, &token, &b).await, 201).await }
    };
    post(
        format!("{case}/filings"),
        json!({"form": "I-589", "filed_on": "2026-03-02"}),
    )
    .await;
    // Six of everything a list shows, each hearing moved once (so each has a history).
    for i in 0..6 {
        let day = 10 + i;
        post(
            format!("{case}/filings"),
            json!({"form": "other", "filed_on": format!("2026-03-{day:02}")}),
        )
        .await;
        post(
            format!("{case}/clock-events"),
            json!({"kind": "stop", "on": format!("2026-04-{:02}", 2 * i + 1), "reason": "asked for time"}),
        )
        .await;
        post(
            format!("{case}/clock-events"),
            json!({"kind": "resume", "on": format!("2026-04-{:02}", 2 * i + 2), "reason": "ready"}),
        )
        .await;
        let h = post(
            format!("{case}/hearings"),
            json!({"kind": "master_calendar", "starts_at_local": format!("2027-02-{day:02}T09:00")}),
        )
        .await;
        let moved = json!({"starts_at_local": format!("2027-03-{day:02}T10:00")});
        body(
            app.patch(&format!("/api/v1/hearings/{}", id(&h)), &t.lawyer, &moved)
                .await,
            200,
        )
        .await;
        post(
            format!("{case}/notes"),
            json!({"body": format!("Note {i}")}),
        )
        .await;
        post(
            format!("/api/v1/clients/{}/notes", t.client_id()),
            json!({"body": format!("Client note {i}")}),
        )
        .await;
        post(
            format!("{case}/tasks"),
            json!({"title": format!("Task {i}"), "due_on": format!("2027-01-{day:02}")}),
        )
        .await;
        post(
            format!("{case}/family-members"),
            json!({"relationship": "child", "given_name": format!("Child{i}"),
                   "family_name": "Haidari", "date_of_birth": "2015-01-01"}),
        )
        .await;
        post(
            format!("{case}/deadlines"),
            json!({"kind": "other", "title": format!("Brief {i}"),
                   "due_on": format!("2027-01-{day:02}")}),
        )
        .await;
        post(
            format!("{case}/decisions"),
            json!({"kind": "remanded", "authority": "bia",
                   "decided_on": format!("2026-05-{day:02}")}),
        )
        .await;
        let client = create_client(
            &app,
            &t.admin,
            &client_body(&format!("Amina{i}"), "Haidari"),
        )
        .await;
        create_case(
            &app,
            &t.admin,
            &id(&client),
            json!({"kind": "affirmative", "lawyer_ids": [t.lawyer_id],
                   "caseworker_ids": [t.caseworker_id]}),
        )
        .await;
        body(
            app.post(
                "/api/v1/closures",
                &t.admin,
                &json!({"day": format!("2027-06-{day:02}"), "reason": "closed"}),
            )
            .await,
            201,
        )
        .await;
    }
    let client_notes = format!("/api/v1/clients/{}/notes", t.client_id());
    let lists: Vec<(&str, String, &str, Option<Value>)> = vec![
        (
            "lawyer",
            "/api/v1/hearings?from=2027-01-01&to=2027-12-31".into(),
            "GET",
            None,
        ),
        (
            "lawyer",
            "/api/v1/deadlines?from=2026-01-01&to=2027-12-31".into(),
            "GET",
            None,
        ),
        ("lawyer", "/api/v1/tasks".into(), "GET", None),
        ("lawyer", "/api/v1/cases?assigned_to=me".into(), "GET", None),
        ("lawyer", "/api/v1/cases".into(), "GET", None),
        ("lawyer", "/api/v1/clients".into(), "GET", None),
        (
            "lawyer",
            "/api/v1/clients/search".into(),
            "POST",
            Some(json!({"q": "haidari amina"})),
        ),
        ("lawyer", format!("{case}/hearings"), "GET", None),
        ("lawyer", format!("{case}/deadlines"), "GET", None),
        ("lawyer", format!("{case}/filings"), "GET", None),
        ("lawyer", format!("{case}/clock-events"), "GET", None),
        ("lawyer", format!("{case}/decisions"), "GET", None),
        ("lawyer", format!("{case}/notes"), "GET", None),
        ("lawyer", format!("{case}/tasks"), "GET", None),
        ("lawyer", format!("{case}/family-members"), "GET", None),
        ("lawyer", client_notes, "GET", None),
        ("admin", "/api/v1/reminders".into(), "GET", None),
        ("admin", "/api/v1/audit".into(), "GET", None),
        ("admin", "/api/v1/users".into(), "GET", None),
    ];
    let count = count_statements(&app);
    let mut report = Vec::new();
    for (who, path, method, payload) in lists {
        let token = if who == "admin" { &t.admin } else { &t.lawyer };
        let with_payload = |limit: usize| -> (String, Option<Value>) {
            match &payload {
                Some(p) => {
                    let mut p = p.clone();
                    p["limit"] = json!(limit);
                    (path.clone(), Some(p))
                }
                None => (with_limit(&path, limit), None),
            }
        };
        let (p1, b1) = with_payload(1);
        let (one, first) = measured(&app, &count, token, method, &p1, b1).await;
        let (p6, b6) = with_payload(6);
        let (six, page) = measured(&app, &count, token, method, &p6, b6).await;
        let items = |v: &Value| v["items"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(items(&first), 1, "{path}: one item at limit=1");
        assert!(
            items(&page) >= 5,
            "{path}: {} items at limit=6",
            items(&page)
        );
        report.push((format!("{method} {path}"), one, six));
    }
    for (what, one, six) in &report {
        println!("{what}: {one} statements at limit=1, {six} at limit=6");
    }
    let growing: Vec<&String> = report
        .iter()
        .filter(|(_, one, six)| one != six)
        .map(|(what, ..)| what)
        .collect();
    assert!(
        growing.is_empty(),
        "more statements for a longer page: {growing:?}"
    );
    // One statement checks the caller (user and session together, on the connection the
    // handler then uses: no `SELECT 1` per check-out); the rest are the page, the case it
    // belongs to and, for hearings, their histories.
    let heavy: Vec<&(String, usize, usize)> =
        report.iter().filter(|(_, one, _)| *one > 4).collect();
    assert!(
        heavy.is_empty(),
        "lists of more than 4 statements: {heavy:?}"
    );
}

async fn writes_take_the_same_number_of_statements_whatever_the_team_or_the_name(app: TestApp) {
    let t = team(&app).await;
    let admin = t.admin.clone();
    // A case with a team of two, and one with a team of five (each gets every reminder).
    let small = t.case_id().to_string();
    let mut ids = vec![t.lawyer_id.clone()];
    for i in 0..3 {
        let token = app
            .token_for(&format!("extra-{i}@test.org"), "lawyer")
            .await;
        ids.push(crate::helpers::user_id(&app, &token).await);
    }
    let client = create_client(&app, &admin, &client_body("Wei", "Zhang")).await;
    let big = create_case(
        &app,
        &admin,
        &id(&client),
        json!({"kind": "defensive", "court_code": "el-paso",
               "lawyer_ids": ids, "caseworker_ids": [t.caseworker_id]}),
    )
    .await;
    let count = count_statements(&app);
    let hearing = |day: u32| json!({"kind": "individual", "starts_at_local": format!("2027-02-{day:02}T09:00")});
    let (on_small, _) = measured(
        &app,
        &count,
        &admin,
        "POST",
        &format!("/api/v1/cases/{small}/hearings"),
        Some(hearing(10)),
    )
    .await;
    let (on_big, _) = measured(
        &app,
        &count,
        &admin,
        "POST",
        &format!("/api/v1/cases/{}/hearings", id(&big)),
        Some(hearing(11)),
    )
    .await;
    println!("creating a hearing: {on_small} statements (team of 2), {on_big} (team of 5)");
    assert_eq!(on_small, on_big, "creating a hearing, team of 2 and of 5");
    // A client with a short name and one with long names (many more search prefixes).
    let (short, _) = measured(
        &app,
        &count,
        &admin,
        "POST",
        "/api/v1/clients",
        Some(client_body("Li", "Wu")),
    )
    .await;
    let (long, _) = measured(
        &app,
        &count,
        &admin,
        "POST",
        "/api/v1/clients",
        Some(
            json!({"given_name": "Maximiliana Guadalupe", "family_name": "Hernandez-Villanueva",
                    "native_name": "Максимилиана Эрнандес", "last_arrival_on": "2025-12-01"}),
        ),
    )
    .await;
    println!("creating a client: {short} statements (short name), {long} (long names)");
    assert_eq!(short, long, "creating a client, short and long names");
}
