//! What the web client reads besides the resources themselves: names on agenda rows and on
//! assignments, the directory of assignable people, and revoking a calendar feed.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{
    audit_actions, body, client_body, create_case, create_client, problem, team, user_id, TestApp,
};

both!(
    agenda_rows_carry_the_case_and_client,
    assignments_carry_names,
    directory_lists_active_lawyers_and_caseworkers_without_emails,
    revoked_calendar_feed_is_404,
);

async fn agenda_rows_carry_the_case_and_client(app: TestApp) {
    let t = team(&app).await;
    let mut c = client_body("Leyla", "Rahimi");
    c["native_name"] = json!("لیلا رحیمی");
    let client = create_client(&app, &t.admin, &c).await;
    let client_id = client["id"].as_str().unwrap();
    let lawyer_id = t.lawyer_id.clone();
    let case = create_case(
        &app,
        &t.admin,
        client_id,
        json!({"kind": "defensive", "court_code": "el-paso", "lawyer_ids": [lawyer_id]}),
    )
    .await;
    let case_id = case["id"].as_str().unwrap();
    body(
        app.post(
            &format!("/api/v1/cases/{case_id}/deadlines"),
            &t.lawyer,
            &json!({"kind": "other", "title": "Send evidence", "due_on": "2027-02-10"}),
        )
        .await,
        201,
    )
    .await;
    body(
        app.post(
            &format!("/api/v1/cases/{case_id}/hearings"),
            &t.lawyer,
            &json!({"kind": "master_calendar", "starts_at_local": "2027-02-11T09:00"}),
        )
        .await,
        201,
    )
    .await;
    let deadlines = body(
        app.get("/api/v1/deadlines?from=2027-02-10&to=2027-02-10", &t.lawyer)
            .await,
        200,
    )
    .await;
    let hearings = body(
        app.get("/api/v1/hearings?from=2027-02-11&to=2027-02-11", &t.lawyer)
            .await,
        200,
    )
    .await;
    for list in [&deadlines, &hearings] {
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        let row = &items[0];
        assert_eq!(row["case_id"], case_id);
        assert_eq!(row["case_reference"], case["reference"]);
        assert_eq!(row["client_id"], client_id);
        assert_eq!(row["client_name"], "Leyla Rahimi");
        assert_eq!(row["client_native_name"], "لیلا رحیمی");
    }
    // The team's own case (a client without a native name) says null; visibility still holds.
    let hearing = json!({"kind": "individual", "starts_at_local": "2027-03-01T09:00"});
    let path = format!("/api/v1/cases/{}/hearings", t.case_id());
    body(app.post(&path, &t.lawyer, &hearing).await, 201).await;
    let rows = body(
        app.get("/api/v1/hearings?from=2027-03-01", &t.caseworker)
            .await,
        200,
    )
    .await;
    let items = rows["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["client_name"], "Amina Haidari");
    assert!(items[0]["client_native_name"].is_null());
    let outsider = body(app.get("/api/v1/hearings", &t.other_lawyer).await, 200).await;
    assert!(outsider["items"].as_array().unwrap().is_empty());
}

async fn assignments_carry_names(app: TestApp) {
    let t = team(&app).await;
    app.patch(
        &format!("/api/v1/users/{}", t.lawyer_id),
        &t.admin,
        &json!({"name": "Lena Ortiz"}),
    )
    .await;
    let case = body(
        app.get(&format!("/api/v1/cases/{}", t.case_id()), &t.admin)
            .await,
        200,
    )
    .await;
    let named = |case: &Value, id: &str| {
        case["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["user_id"] == id)
            .map(|a| a["name"].clone())
    };
    assert_eq!(named(&case, &t.lawyer_id), Some(json!("Lena Ortiz")));
    assert_eq!(named(&case, &t.caseworker_id), Some(json!("Test User")));
    // The list shows the same names.
    let list = body(app.get("/api/v1/cases", &t.admin).await, 200).await;
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == t.case_id())
        .unwrap()
        .clone();
    assert_eq!(named(&listed, &t.lawyer_id), Some(json!("Lena Ortiz")));
}

async fn directory_lists_active_lawyers_and_caseworkers_without_emails(app: TestApp) {
    let admin = app.admin_token().await;
    let caseworker = app.token_for("cw@test.org", "caseworker").await;
    let mut ids = std::collections::HashMap::new();
    for (email, name, role) in [
        ("zoe@test.org", "zoe Quinn", "lawyer"),
        ("adam@test.org", "Adam Bell", "caseworker"),
        ("gone@test.org", "Bob Gone", "lawyer"),
        ("boss@test.org", "Carl Boss", "admin"),
    ] {
        let user = body(
            app.post(
                "/api/v1/users",
                &admin,
                &json!({"email": email, "name": name, "role": role,
                        "password": "Sturdy lantern over quiet harbor 7"}),
            )
            .await,
            201,
        )
        .await;
        ids.insert(name, user["id"].as_str().unwrap().to_string());
    }
    let gone = &ids["Bob Gone"];
    app.patch(
        &format!("/api/v1/users/{gone}"),
        &admin,
        &json!({"active": false}),
    )
    .await;
    for token in [&caseworker, &admin] {
        let list = body(app.get("/api/v1/users/directory", token).await, 200).await;
        let items = list["items"].as_array().unwrap();
        let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Adam Bell", "Test User", "zoe Quinn"]);
        for item in items {
            let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["id", "name", "role"], "{item}");
        }
        assert_eq!(items[0]["id"], json!(ids["Adam Bell"]));
        assert_eq!(items[0]["role"], "caseworker");
        assert_eq!(items[2]["role"], "lawyer");
        assert!(!list.to_string().contains("@test.org"));
    }
    assert_eq!(
        items_of(&app, &caseworker).await[1]["id"],
        json!(user_id(&app, &caseworker).await)
    );
    // Not a user id: the directory is not read as /users/{id} (which is admin-only).
    problem(
        app.client
            .get(app.url("/api/v1/users/directory"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
}

async fn items_of(app: &TestApp, token: &str) -> Vec<Value> {
    body(app.get("/api/v1/users/directory", token).await, 200).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn revoked_calendar_feed_is_404(app: TestApp) {
    let token = app.token_for("cal@test.org", "lawyer").await;
    let created = body(
        app.post("/api/v1/me/calendar-token", &token, &json!({}))
            .await,
        200,
    )
    .await;
    let path = created["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://tracker.test")
        .to_string();
    assert_eq!(
        app.client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let res = app.delete("/api/v1/me/calendar-token", &token).await;
    assert_eq!(res.status(), 204);
    problem(app.client.get(app.url(&path)).send().await.unwrap(), 404).await;
    // Audited like the creation, and revoking again is no error.
    let me = user_id(&app, &token).await;
    let actions = audit_actions(&app, "user", &me).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "calendar_token").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        app.delete("/api/v1/me/calendar-token", &token)
            .await
            .status(),
        204
    );
    problem(
        app.client
            .delete(app.url("/api/v1/me/calendar-token"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
}
