//! Input ranges and messages people can act on (issue 9, items 6 and 10): dates from 1900-01-01
//! to 2199-12-31, `null` on PATCH, a backdated case that raises no false alarm, every invalid
//! field at once, plain words for a wrong shape, the parameter named, and a user's e-mail.

use asylum_tracker::reminders::worker;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::helpers::{
    audit_rows, body, client_body, create_case, create_client, id, invalid, problem,
    spawn_app_with, Backend, TestApp,
};
use crate::{both, each_backend};

both!(
    absurd_dates_are_refused_and_the_bounds_accepted,
    null_clears_an_optional_field_and_is_refused_on_a_required_one,
    a_case_can_be_backdated,
    date_errors_say_the_form_and_every_field_is_named,
    wrong_shapes_and_queries_are_named_in_plain_words,
    an_admin_changes_a_users_email,
);

each_backend!(items_dated_before_the_case_was_entered_raise_no_missed_alert);

async fn case_of(app: &TestApp, token: &str) -> String {
    let client = create_client(app, token, &client_body("Lina", "Haddad")).await;
    id(&create_case(app, token, &id(&client), json!({})).await)
}

async fn absurd_dates_are_refused_and_the_bounds_accepted(app: TestApp) {
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let case = case_of(&app, &lawyer).await;

    // A filing on 0001-01-01.
    let filings = format!("/api/v1/cases/{case}/filings");
    let res = app
        .post(
            &filings,
            &lawyer,
            &json!({"form": "I-589", "filed_on": "0001-01-01"}),
        )
        .await;
    assert_eq!(invalid(res).await, vec!["filed_on"]);
    let res = app
        .post(
            &filings,
            &lawyer,
            &json!({"form": "I-589", "filed_on": "1899-12-31"}),
        )
        .await;
    assert_eq!(invalid(res).await, vec!["filed_on"]);

    // A hearing in year 262142, in either spelling chrono would read.
    let hearings = format!("/api/v1/cases/{case}/hearings");
    for when in [
        "262142-01-01T09:00",
        "+262142-01-01T09:00",
        "2200-01-01T09:00",
        "1899-12-31T09:00",
    ] {
        let res = app
            .post(
                &hearings,
                &lawyer,
                &json!({"kind": "master_calendar", "starts_at_local": when,
                        "time_zone": "America/New_York"}),
            )
            .await;
        assert_eq!(invalid(res).await, vec!["starts_at_local"], "{when}");
    }
    // The last day accepted, late in the evening: the feed still renders.
    body(
        app.post(
            &hearings,
            &lawyer,
            &json!({"kind": "master_calendar", "starts_at_local": "2199-12-31T23:30",
                    "time_zone": "America/New_York"}),
        )
        .await,
        201,
    )
    .await;

    // A manual deadline in year 262142.
    let deadlines = format!("/api/v1/cases/{case}/deadlines");
    for due in ["262142-01-01", "+262142-01-01", "2200-01-01", "1899-12-31"] {
        let res = app
            .post(
                &deadlines,
                &lawyer,
                &json!({"kind": "other", "title": "Brief", "due_on": due}),
            )
            .await;
        let p = problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], "due_on", "{due}");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("YYYY-MM-DD"),
            "{p}"
        );
    }
    // The bounds themselves.
    for due in ["1900-01-01", "2199-12-31"] {
        let d = body(
            app.post(
                &deadlines,
                &lawyer,
                &json!({"kind": "other", "title": "Brief", "due_on": due}),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(d["due_on"], due);
    }
    body(
        app.post(
            &filings,
            &lawyer,
            &json!({"form": "I-589", "filed_on": "1900-01-01"}),
        )
        .await,
        201,
    )
    .await;

    // Query dates too, naming the parameter.
    let p = problem(
        app.get("/api/v1/deadlines?from=0001-01-01", &lawyer).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "from");
    let p = problem(
        app.get("/api/v1/hearings?to=262142-01-01", &lawyer).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "to");
    body(
        app.get("/api/v1/deadlines?from=1900-01-01&to=2199-12-31", &lawyer)
            .await,
        200,
    )
    .await;

    // The calendar feed of everyone on the case renders.
    let token = body(
        app.post("/api/v1/me/calendar-token", &lawyer, &json!({}))
            .await,
        200,
    )
    .await;
    let path = token["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(app.settings.server.public_url.trim_end_matches('/'))
        .to_string();
    let res = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // A hearing stored before the range was enforced (year 262142) is left out of the feed
    // rather than failing it for everyone on the case.
    app.sql(format!(
        "UPDATE hearings SET starts_at_local = '262142-01-01T09:00' WHERE case_id = '{case}'"
    ))
    .await;
    let res = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(!res.text().await.unwrap().contains("262142"));
}

async fn null_clears_an_optional_field_and_is_refused_on_a_required_one(app: TestApp) {
    let admin = app.admin_token().await;
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let mut c = client_body("Lina", "Haddad");
    c["native_name"] = json!("لينا");
    c["date_of_birth"] = json!("1990-02-03");
    let client = create_client(&app, &lawyer, &c).await;
    let path = format!("/api/v1/clients/{}", id(&client));

    for field in [
        "given_name",
        "family_name",
        "last_arrival_on",
        "languages",
        "interpreter_needed",
        "archived",
    ] {
        let res = app.patch(&path, &lawyer, &json!({ field: null })).await;
        assert_eq!(invalid(res).await, vec![field], "{field}: null");
    }
    let res = app
        .patch(
            &path,
            &lawyer,
            &json!({"given_name": null, "family_name": null}),
        )
        .await;
    let mut both = invalid(res).await;
    both.sort();
    assert_eq!(both, vec!["family_name", "given_name"]);
    let after = body(app.get(&path, &lawyer).await, 200).await;
    assert_eq!(
        after["given_name"], "Lina",
        "a refused PATCH changes nothing"
    );

    let cleared = body(
        app.patch(
            &path,
            &lawyer,
            &json!({"native_name": null, "date_of_birth": null}),
        )
        .await,
        200,
    )
    .await;
    assert!(cleared["native_name"].is_null() && cleared["date_of_birth"].is_null());
    assert_eq!(cleared["given_name"], "Lina");

    // Cases, hearings, users, me, deadlines.
    let case = id(&create_case(&app, &lawyer, &id(&client), json!({})).await);
    let res = app
        .patch(
            &format!("/api/v1/cases/{case}"),
            &lawyer,
            &json!({"kind": null}),
        )
        .await;
    assert_eq!(invalid(res).await, vec!["kind"]);
    body(
        app.patch(
            &format!("/api/v1/cases/{case}"),
            &lawyer,
            &json!({"court_code": null}),
        )
        .await,
        200,
    )
    .await;
    let hearing = body(
        app.post(
            &format!("/api/v1/cases/{case}/hearings"),
            &lawyer,
            &json!({"kind": "biometrics", "starts_at_local": "2030-03-04T09:00",
                    "time_zone": "America/New_York", "location": "Room 2"}),
        )
        .await,
        201,
    )
    .await;
    let hpath = format!("/api/v1/hearings/{}", id(&hearing));
    for field in ["starts_at_local", "time_zone", "court_code"] {
        let res = app.patch(&hpath, &lawyer, &json!({ field: null })).await;
        assert_eq!(invalid(res).await, vec![field], "hearing {field}: null");
    }
    let h = body(
        app.patch(&hpath, &lawyer, &json!({"location": null})).await,
        200,
    )
    .await;
    assert!(h["location"].is_null());

    let lawyer_id = crate::helpers::user_id(&app, &lawyer).await;
    for field in ["name", "role", "active", "email"] {
        let res = app
            .patch(
                &format!("/api/v1/users/{lawyer_id}"),
                &admin,
                &json!({ field: null }),
            )
            .await;
        assert_eq!(invalid(res).await, vec![field], "user {field}: null");
    }
    for field in ["name", "time_zone", "reminders_enabled", "reminder_digest"] {
        let res = app
            .patch("/api/v1/me", &lawyer, &json!({ field: null }))
            .await;
        assert_eq!(invalid(res).await, vec![field], "me {field}: null");
    }
    let d = body(
        app.post(
            &format!("/api/v1/cases/{case}/deadlines"),
            &lawyer,
            &json!({"kind": "other", "title": "Brief", "due_on": "2030-01-01"}),
        )
        .await,
        201,
    )
    .await;
    let res = app
        .patch(
            &format!("/api/v1/deadlines/{}", id(&d)),
            &lawyer,
            &json!({"status": null}),
        )
        .await;
    assert_eq!(invalid(res).await, vec!["status"]);
}

async fn a_case_can_be_backdated(app: TestApp) {
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let client = create_client(&app, &lawyer, &client_body("Lina", "Haddad")).await;
    let today = Utc::now().date_naive();
    let fresh = create_case(&app, &lawyer, &id(&client), json!({})).await;
    assert!(
        (fresh["opened_on"].as_str().unwrap() >= (today - Duration::days(1)).to_string().as_str()),
        "defaults to today: {fresh}"
    );
    let old = create_case(
        &app,
        &lawyer,
        &id(&client),
        json!({"opened_on": "2019-03-01"}),
    )
    .await;
    assert_eq!(old["opened_on"], "2019-03-01");
    for bad in [
        (today + Duration::days(2)).to_string(),
        "1899-12-31".to_string(),
        "2019-02-30".to_string(),
    ] {
        let res = app
            .post(
                "/api/v1/cases",
                &lawyer,
                &json!({"client_id": id(&client), "kind": "affirmative", "opened_on": bad}),
            )
            .await;
        assert_eq!(invalid(res).await, vec!["opened_on"], "{bad}");
    }
    let path = format!("/api/v1/cases/{}", id(&fresh));
    let moved = body(
        app.patch(&path, &lawyer, &json!({"opened_on": "2018-07-09"}))
            .await,
        200,
    )
    .await;
    assert_eq!(moved["opened_on"], "2018-07-09");
    let res = app
        .patch(
            &path,
            &lawyer,
            &json!({"opened_on": (today + Duration::days(2)).to_string()}),
        )
        .await;
    assert_eq!(invalid(res).await, vec!["opened_on"]);
    let res = app.patch(&path, &lawyer, &json!({"opened_on": null})).await;
    assert_eq!(invalid(res).await, vec!["opened_on"]);
    let rows = audit_rows(&app, "case", &id(&fresh)).await;
    assert!(
        rows.iter()
            .any(|r| r["changes"].to_string().contains("2018-07-09")),
        "audited: {rows:?}"
    );
}

/// Entering an old case today: correcting the arrival date years back, and a hearing entered
/// first with a wrong date then corrected into the past, move deadlines to dates long before the
/// case was entered; none of them is "missed" news to anyone.
async fn items_dated_before_the_case_was_entered_raise_no_missed_alert(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let app = spawn_app_with(backend, crate::reminders::midnight_utc).await;
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let today = Utc::now().date_naive();
    let mut c = client_body("Lina", "Haddad");
    c["last_arrival_on"] = json!((today - Duration::days(30)).to_string());
    let client = create_client(&app, &lawyer, &c).await;
    let case = id(&create_case(
        &app,
        &lawyer,
        &id(&client),
        json!({"opened_on": "2019-03-01"}),
    )
    .await);
    let hearing = body(
        app.post(
            &format!("/api/v1/cases/{case}/hearings"),
            &lawyer,
            &json!({"kind": "individual", "starts_at_local": format!("{}T09:00", today + Duration::days(60)),
                    "time_zone": "America/New_York"}),
        )
        .await,
        201,
    )
    .await;
    // The real dates, years back.
    body(
        app.patch(
            &format!("/api/v1/clients/{}", id(&client)),
            &lawyer,
            &json!({"last_arrival_on": "2019-01-15"}),
        )
        .await,
        200,
    )
    .await;
    body(
        app.patch(
            &format!("/api/v1/hearings/{}", id(&hearing)),
            &lawyer,
            &json!({"starts_at_local": "2020-06-01T09:00"}),
        )
        .await,
        200,
    )
    .await;
    let list = body(
        app.get(&format!("/api/v1/cases/{case}/deadlines"), &lawyer)
            .await,
        200,
    )
    .await;
    let items = list["items"].as_array().cloned().unwrap_or_default();
    assert!(
        items.iter().any(|d| d["status"] == "missed"),
        "shown as missed in the record: {list}"
    );
    let report = worker::tick(&app.state.worker()).await.expect("tick");
    assert_eq!(report.missed_alerted, 0, "no false alarm");
    tokio_sleep().await;
    let missed: Vec<Value> = app
        .inbox
        .messages()
        .into_iter()
        .filter(|m| m.raw.contains("MISSED"))
        .map(|m| json!(m.to))
        .collect();
    assert!(missed.is_empty(), "{missed:?}");

    // A deadline due after the case was entered that passes unmet still alerts.
    let d = body(
        app.post(
            &format!("/api/v1/cases/{case}/deadlines"),
            &lawyer,
            &json!({"kind": "other", "title": "Brief", "due_on": (today + Duration::days(3)).to_string()}),
        )
        .await,
        201,
    )
    .await;
    app.sql(format!(
        "UPDATE deadlines SET due_on = '{}' WHERE id = '{}'",
        today - Duration::days(1),
        id(&d)
    ))
    .await;
    app.sql(format!(
        "UPDATE cases SET created_at = '{} 00:00:00' WHERE id = '{case}'",
        today - Duration::days(10)
    ))
    .await;
    let report = worker::tick(&app.state.worker()).await.expect("tick");
    assert_eq!(report.missed_alerted, 1);
}

async fn tokio_sleep() {
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
}

async fn date_errors_say_the_form_and_every_field_is_named(app: TestApp) {
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    for (value, label) in [("2025-02-29", "no such day"), ("03/15/2025", "US order")] {
        let mut c = client_body("Lina", "Haddad");
        c["last_arrival_on"] = json!(value);
        let p = problem(app.post("/api/v1/clients", &lawyer, &c).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "last_arrival_on", "{label}");
        let message = p["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("YYYY-MM-DD"), "{label}: {message}");
    }
    // Several fields wrong, each on its own: all named at once.
    let p = problem(
        app.post(
            "/api/v1/clients",
            &lawyer,
            &json!({"given_name": "Lina", "family_name": 7, "date_of_birth": "03/15/1990",
                    "last_arrival_on": "2025-02-29", "interpreter_needed": "maybe",
                    "languages": "es"}),
        )
        .await,
        422,
    )
    .await;
    let mut fields = crate::helpers::error_fields(&p);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "date_of_birth",
            "family_name",
            "interpreter_needed",
            "languages",
            "last_arrival_on"
        ],
        "{p}"
    );
}

async fn wrong_shapes_and_queries_are_named_in_plain_words(app: TestApp) {
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let p = problem(app.post("/api/v1/clients", &lawyer, &json!([])).await, 422).await;
    assert_eq!(p["errors"][0]["message"], "expected a JSON object", "{p}");
    let p = problem(
        app.post("/api/v1/clients", &lawyer, &json!("Lina")).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["message"], "expected a JSON object", "{p}");
    let mut c = client_body("Lina", "Haddad");
    c["languages"] = json!("es");
    let p = problem(app.post("/api/v1/clients", &lawyer, &c).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "languages");
    assert_eq!(p["errors"][0]["message"], "expected a JSON array", "{p}");

    // Query parameters are named.
    let p = problem(app.get("/api/v1/cases?limit=abc", &lawyer).await, 400).await;
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("limit"), "{detail}");
    assert!(!detail.contains("Query deserialize error"), "{detail}");
    let p = problem(
        app.get("/api/v1/clients?include_archived=perhaps", &lawyer)
            .await,
        400,
    )
    .await;
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("include_archived"), "{detail}");
    // The document still says these are optional query parameters, dates with their range.
    let doc = body(app.get("/api/v1/openapi.json", &lawyer).await, 200).await;
    for path in [
        "/api/v1/deadlines",
        "/api/v1/hearings",
        "/api/v1/users",
        "/api/v1/cases",
    ] {
        for p in doc["paths"][path]["get"]["parameters"].as_array().unwrap() {
            assert_eq!(p["in"], "query", "{path}: {p}");
            assert_eq!(p["required"], false, "{path}: {p}");
        }
    }
    let from = &doc["paths"]["/api/v1/deadlines"]["get"]["parameters"][0];
    assert_eq!(from["schema"]["format"], "date", "{from}");
    assert_eq!(
        from["schema"]["pattern"], "^(?:19|20|21)[0-9]{2}-",
        "{from}"
    );
    // A malformed date in a query stays a 400 (as before), now naming it and its form.
    let p = problem(
        app.get("/api/v1/deadlines?from=03/15/2025", &lawyer).await,
        400,
    )
    .await;
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("from") && detail.contains("YYYY-MM-DD"),
        "{detail}"
    );
}

async fn an_admin_changes_a_users_email(app: TestApp) {
    let admin = app.admin_token().await;
    // An admin with the bootstrap address, changing its own.
    let boss_id = app
        .create_user("admin@localhost", "admin", crate::helpers::USER_PASSWORD)
        .await;
    let boss = crate::helpers::body(
        app.login("admin@localhost", crate::helpers::USER_PASSWORD)
            .await,
        200,
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = body(
        app.patch(
            &format!("/api/v1/users/{boss_id}"),
            &boss,
            &json!({"email": "  Boss@Example.ORG "}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(me["email"], "boss@example.org");
    // Its tokens end, as for a role change; the new address signs in.
    assert_eq!(app.get("/api/v1/me", &boss).await.status(), 401);
    body(
        app.login("boss@example.org", crate::helpers::USER_PASSWORD)
            .await,
        200,
    )
    .await;
    assert_eq!(
        app.login("admin@localhost", crate::helpers::USER_PASSWORD)
            .await
            .status(),
        401
    );
    let rows = audit_rows(&app, "user", &boss_id).await;
    assert!(
        rows.iter()
            .any(|r| r["action"] == "update"
                && r["changes"].to_string().contains("boss@example.org")),
        "audited: {rows:?}"
    );

    // Unique (409), checked (422), admins only (403).
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let lawyer_id = crate::helpers::user_id(&app, &lawyer).await;
    let res = app
        .patch(
            &format!("/api/v1/users/{lawyer_id}"),
            &admin,
            &json!({"email": "BOSS@example.org"}),
        )
        .await;
    problem(res, 409).await;
    let res = app
        .patch(
            &format!("/api/v1/users/{lawyer_id}"),
            &admin,
            &json!({"email": "not an address"}),
        )
        .await;
    assert_eq!(invalid(res).await, vec!["email"]);
    let res = app
        .patch(
            &format!("/api/v1/users/{lawyer_id}"),
            &lawyer,
            &json!({"email": "me@test.org"}),
        )
        .await;
    problem(res, 403).await;
    // The same address again changes nothing and keeps the tokens.
    body(
        app.patch(
            &format!("/api/v1/users/{lawyer_id}"),
            &admin,
            &json!({"email": "lawyer@test.org"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(app.get("/api/v1/me", &lawyer).await.status(), 200);
}
