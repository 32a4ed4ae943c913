//! Cases: who sees them, who assigns, validation, references, the derived status and audit.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{
    all_at_once, anon, audit_rows, body, client_body, create_case, create_client, id, invalid,
    list_ids, problem, roles, sees_case, sees_client, status_of, team, user_id, TestApp,
};

both!(
    case_visibility_matrix,
    assignment_rules_and_immediate_effect,
    concurrent_identical_assignments_all_succeed,
    case_validation,
    case_reference_is_formatted_and_unique,
    status_follows_recorded_events,
    case_writes_and_assignments_are_audited,
    only_admins_and_lawyers_name_assignees_when_opening_a_case,
    notice_to_appear_dates_are_recorded_in_order,
);

async fn case_visibility_matrix(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id().to_string();
    let path = format!("/api/v1/cases/{case}");
    let same_court = json!({"court_code": "el-paso"});
    for token in t.insiders() {
        assert!(sees_case(&app, token, &case).await);
        body(app.patch(&path, token, &same_court).await, 200).await;
    }
    for token in [&t.lawyer, &t.caseworker] {
        let mine = list_ids(&app, "/api/v1/cases?assigned_to=me", token).await;
        assert_eq!(mine, [case.as_str()]);
    }
    assert!(list_ids(&app, "/api/v1/cases?assigned_to=me", &t.admin)
        .await
        .is_empty());
    let move_court = json!({"court_code": "new-york-broadway"});
    let close = json!({"status": "closed", "closed_reason": "other"});
    for token in t.outsiders() {
        assert!(!sees_case(&app, token, &case).await);
        problem(app.patch(&path, token, &move_court).await, 404).await;
        problem(app.patch(&path, token, &close).await, 404).await;
        // Filtering by the client or by an insider finds nothing either.
        let by_client = format!("/api/v1/cases?client_id={}", t.client_id());
        assert!(list_ids(&app, &by_client, token).await.is_empty());
        let by_user = format!("/api/v1/cases?assigned_to={}", t.lawyer_id);
        assert!(list_ids(&app, &by_user, token).await.is_empty());
        // The 404 of an invisible case is that of an absent one.
        let hidden = problem(app.get(&path, token).await, 404).await;
        let absent = problem(app.get("/api/v1/cases/nope", token).await, 404).await;
        assert_eq!(hidden, absent);
        // Opening another case for a client they cannot see: refused like an absent client.
        let req = json!({"client_id": t.client_id(), "kind": "affirmative"});
        let hidden = problem(app.post("/api/v1/cases", token, &req).await, 422).await;
        let req = json!({"client_id": "no-such-client", "kind": "affirmative"});
        let absent = problem(app.post("/api/v1/cases", token, &req).await, 422).await;
        assert_eq!(hidden, absent);
    }
    let read = body(app.get(&path, &t.admin).await, 200).await;
    assert_eq!(
        read["court_code"], "el-paso",
        "refused PATCHes changed nothing"
    );
    assert_eq!(read["status"], "intake");
    assert_eq!(
        list_ids(&app, "/api/v1/cases", &t.admin).await,
        [case.as_str()]
    );
    // No token: 401.
    let assign = format!("{path}/assignments/{}", t.other_lawyer_id);
    for (method, p) in [
        ("GET", "/api/v1/cases"),
        ("POST", "/api/v1/cases"),
        ("GET", &path),
        ("PATCH", &path),
        ("PUT", &assign),
        ("DELETE", &assign),
        ("GET", "/api/v1/courts"),
    ] {
        problem(anon(&app, method, p).await, 401).await;
    }
}

async fn assignment_rules_and_immediate_effect(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id().to_string();
    let at = |user: &str| format!("/api/v1/cases/{case}/assignments/{user}");
    let (lawyer, caseworker) = (json!({"role": "lawyer"}), json!({"role": "caseworker"}));
    let (other_cw, other_law) = (at(&t.other_caseworker_id), at(&t.other_lawyer_id));
    // An assigned caseworker may not assign or unassign: 403.
    problem(app.put(&other_cw, &t.caseworker, &caseworker).await, 403).await;
    problem(app.delete(&at(&t.lawyer_id), &t.caseworker).await, 403).await;
    // Unassigned lawyers and caseworkers: 404, as if the case did not exist.
    problem(app.put(&other_law, &t.other_lawyer, &lawyer).await, 404).await;
    problem(
        app.put(&other_cw, &t.other_caseworker, &caseworker).await,
        404,
    )
    .await;
    problem(app.delete(&at(&t.lawyer_id), &t.other_lawyer).await, 404).await;
    let read = body(
        app.get(&format!("/api/v1/cases/{case}"), &t.admin).await,
        200,
    )
    .await;
    assert_eq!(roles(&read).len(), 2, "nothing changed");
    assert!(!sees_case(&app, &t.other_caseworker, &case).await);

    // The assigned lawyer assigns the other caseworker: 200, access at once (same token).
    let read = body(app.put(&other_cw, &t.lawyer, &caseworker).await, 200).await;
    assert!(roles(&read).contains(&(t.other_caseworker_id.clone(), "caseworker".into())));
    assert!(sees_case(&app, &t.other_caseworker, &case).await);
    // The admin assigns the other lawyer: 200; that lawyer may now assign too.
    body(app.put(&other_law, &t.admin, &lawyer).await, 200).await;
    assert!(sees_case(&app, &t.other_lawyer, &case).await);
    // Unassignment removes access at once, from the case and its sub-resources.
    body(app.delete(&other_cw, &t.other_lawyer).await, 204).await;
    assert!(!sees_case(&app, &t.other_caseworker, &case).await);
    body(app.delete(&other_law, &t.admin).await, 204).await;
    assert!(!sees_case(&app, &t.other_lawyer, &case).await);
    problem(app.put(&other_cw, &t.other_lawyer, &caseworker).await, 404).await;

    // Validation: a caseworker account cannot be a lawyer; unknown roles list the allowed ones;
    // unassigning someone not assigned, or an unknown user, is 404.
    assert_eq!(
        invalid(app.put(&other_cw, &t.admin, &lawyer).await).await,
        ["user_id"]
    );
    let judge = json!({"role": "judge"});
    let p = problem(app.put(&other_cw, &t.admin, &judge).await, 422).await;
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("lawyer, caseworker"));
    problem(app.delete(&other_cw, &t.admin).await, 404).await;
    problem(app.put(&at("no-such-user"), &t.admin, &lawyer).await, 404).await;
    // A lawyer may change a role on the case; an admin account may be assigned either way.
    let admin_id = user_id(&app, &t.admin).await;
    body(app.put(&at(&admin_id), &t.lawyer, &caseworker).await, 200).await;
    let read = body(app.put(&at(&admin_id), &t.lawyer, &lawyer).await, 200).await;
    assert_eq!(roles(&read).len(), 3);
    assert!(roles(&read).contains(&(admin_id, "lawyer".into())));
}

async fn concurrent_identical_assignments_all_succeed(app: TestApp) {
    let t = team(&app).await;
    // PUT is idempotent: the same assignment sent at once (a double click, a retry) is 200 each.
    for (user, role) in [
        (&t.other_lawyer_id, "lawyer"),
        (&t.other_caseworker_id, "caseworker"),
    ] {
        let path = format!("/api/v1/cases/{}/assignments/{user}", t.case_id());
        let role = json!({"role": role});
        let statuses = all_at_once(8, || app.put(&path, &t.admin, &role)).await;
        assert_eq!(statuses, [200; 8]);
    }
    let path = format!("/api/v1/cases/{}", t.case_id());
    assert_eq!(
        roles(&body(app.get(&path, &t.admin).await, 200).await).len(),
        4
    );
}

async fn case_validation(app: TestApp) {
    let lawyer = app.token_for("law@test.org", "lawyer").await;
    let cw_id = user_id(&app, &app.token_for("cw@test.org", "caseworker").await).await;
    let cid = id(&create_client(&app, &lawyer, &client_body("Omar", "Said")).await);
    let req = |kind: &str, extra: Value| {
        let mut r = json!({"client_id": cid, "kind": kind});
        r.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        r
    };
    let atlantis = json!({"court_code": "atlantis"});
    for (req, field) in [
        (req("defensive", json!({})), "court_code"),
        (req("defensive", atlantis.clone()), "court_code"),
        (req("affirmative", atlantis), "court_code"),
        (
            req("affirmative", json!({"lawyer_ids": [cw_id]})),
            "lawyer_ids[0]",
        ),
        (req("asylum", json!({})), "kind"),
        (json!({"kind": "affirmative"}), "client_id"),
    ] {
        let p = problem(app.post("/api/v1/cases", &lawyer, &req).await, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{req}");
        if field == "kind" {
            let m = p["errors"][0]["message"].as_str().unwrap();
            assert!(m.contains("affirmative, defensive"), "{m}");
        }
    }
    assert!(
        list_ids(&app, "/api/v1/cases", &lawyer).await.is_empty(),
        "nothing created"
    );

    let path = format!(
        "/api/v1/cases/{}",
        id(&create_case(&app, &lawyer, &cid, json!({})).await)
    );
    let patch = |b: Value| {
        let (app, lawyer, path) = (&app, &lawyer, &path);
        async move { app.patch(path, lawyer, &b).await }
    };
    assert_eq!(
        invalid(patch(json!({"kind": "defensive"})).await).await,
        ["court_code"]
    );
    let moved = body(
        patch(json!({"kind": "defensive", "court_code": "el-paso"})).await,
        200,
    )
    .await;
    assert_eq!(moved["kind"], "defensive");
    assert_eq!(
        invalid(patch(json!({"court_code": null})).await).await,
        ["court_code"]
    );
    assert_eq!(
        invalid(patch(json!({"court_code": "atlantis"})).await).await,
        ["court_code"]
    );
    let p = problem(app.get("/api/v1/cases?status=pending", &lawyer).await, 422).await;
    assert!(
        p.to_string().contains("intake, filed, in_proceedings"),
        "{p}"
    );
    // The courts list knows El Paso's zone.
    let courts = body(app.get("/api/v1/courts", &lawyer).await, 200).await;
    let items = courts["items"].as_array().unwrap();
    let el_paso = items
        .iter()
        .find(|c| c["code"] == "el-paso")
        .expect("el-paso");
    assert_eq!(el_paso["time_zone"], "America/Denver");
}

async fn case_reference_is_formatted_and_unique(app: TestApp) {
    let admin = app.admin_token().await;
    let lawyer = app.token_for("law@test.org", "lawyer").await;
    let lawyer_id = user_id(&app, &lawyer).await;
    let year = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::New_York)
        .format("%Y")
        .to_string();
    let mut refs = HashSet::new();
    for i in 0..6 {
        let token = if i % 2 == 0 { &admin } else { &lawyer };
        let client = create_client(&app, token, &client_body("Ref", &format!("Case{i}"))).await;
        let case = create_case(&app, token, &id(&client), json!({})).await;
        let r = case["reference"].as_str().unwrap().to_string();
        let parts: Vec<&str> = r.split('-').collect();
        assert_eq!(parts.len(), 3, "{r}");
        assert_eq!((parts[0], parts[1]), ("C", year.as_str()), "{r}");
        assert!(
            parts[2].len() == 4 && parts[2].bytes().all(|b| b.is_ascii_digit()),
            "{r}"
        );
        assert!(refs.insert(r.clone()), "duplicate reference {r}");
        assert_eq!(case["status"], "intake");
        // The creator is assigned unless admin.
        if i % 2 == 0 {
            assert!(roles(&case).is_empty(), "an admin creator is not assigned");
        } else {
            assert_eq!(roles(&case), [(lawyer_id.clone(), "lawyer".to_string())]);
        }
    }
    // Two cases of one client get different references too.
    let client = id(&create_client(&app, &admin, &client_body("Twice", "Opened")).await);
    let a = create_case(&app, &admin, &client, json!({})).await;
    let b = create_case(&app, &admin, &client, json!({})).await;
    assert_ne!(a["reference"], b["reference"]);
    assert!(!refs.contains(a["reference"].as_str().unwrap()));
}

async fn status_follows_recorded_events(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/cases/{}", t.case_id());
    let status = || status_of(&app, &path, &t.lawyer);
    assert_eq!(status().await, "intake");
    let post = |what: &str, b: Value| {
        let (app, p, token) = (&app, format!("{path}/{what}"), &t.lawyer);
        async move { body(app.post(&p, token, &b).await, 201).await }
    };
    post(
        "filings",
        json!({"form": "I-589", "filed_on": "2026-03-02"}),
    )
    .await;
    assert_eq!(status().await, "filed");
    let hearing = json!({"kind": "master_calendar", "starts_at_local": "2027-01-12T08:30"});
    post("hearings", hearing).await;
    assert_eq!(status().await, "in_proceedings");
    let denial =
        json!({"kind": "denied", "authority": "immigration_judge", "decided_on": "2026-11-02"});
    post("decisions", denial).await;
    assert_eq!(status().await, "decided");
    // Filtering by status follows the derived one.
    let decided = list_ids(&app, "/api/v1/cases?status=decided", &t.lawyer).await;
    assert_eq!(decided, [t.case_id().to_string()]);
    post(
        "filings",
        json!({"form": "EOIR-26", "filed_on": "2026-11-20"}),
    )
    .await;
    assert_eq!(status().await, "on_appeal");
    assert!(list_ids(&app, "/api/v1/cases?status=decided", &t.lawyer)
        .await
        .is_empty());
    // Only closing (and reopening) can be set by hand.
    let refused = [
        "intake",
        "filed",
        "in_proceedings",
        "interview_scheduled",
        "decided",
        "on_appeal",
    ];
    for s in refused.into_iter().chain(["final_order", "reopened"]) {
        let res = app.patch(&path, &t.lawyer, &json!({"status": s})).await;
        assert_eq!(invalid(res).await, ["status"], "{s}");
    }
    assert_eq!(status().await, "on_appeal");
    let closed = body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"status": "closed", "closed_reason": "other"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_on"].is_string());
    // A new fact does not reopen a closed case.
    post(
        "filings",
        json!({"form": "other", "filed_on": "2026-11-21"}),
    )
    .await;
    assert_eq!(status().await, "closed");
    let reopened = body(
        app.patch(&path, &t.lawyer, &json!({"status": "open"}))
            .await,
        200,
    )
    .await;
    assert_eq!(reopened["status"], "on_appeal");
    assert!(reopened["closed_on"].is_null());
}

async fn case_writes_and_assignments_are_audited(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let path = format!("/api/v1/cases/{case}");
    let to_ny = json!({"court_code": "new-york-broadway"});
    body(app.patch(&path, &t.lawyer, &to_ny).await, 200).await;
    let assign = format!("{path}/assignments/{}", t.other_caseworker_id);
    let caseworker = json!({"role": "caseworker"});
    body(app.put(&assign, &t.lawyer, &caseworker).await, 200).await;
    body(app.delete(&assign, &t.admin).await, 204).await;
    // Refused writes leave no trace.
    problem(app.put(&assign, &t.caseworker, &caseworker).await, 403).await;
    problem(
        app.patch(
            &path,
            &t.other_lawyer,
            &json!({"status": "closed", "closed_reason": "other"}),
        )
        .await,
        404,
    )
    .await;

    // A recompute that changed deadlines has its own row on the case (issue 9); not asserted here.
    let rows: Vec<Value> = audit_rows(&app, "case", case)
        .await
        .into_iter()
        .filter(|r| r["action"] != "recompute")
        .collect();
    let actions: Vec<&str> = rows
        .iter()
        .rev()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "assign", "unassign"]);
    let admin_id = user_id(&app, &t.admin).await;
    let [unassign, assigned, update, create] = &rows[..] else {
        panic!("four rows")
    };
    assert_eq!(create["actor_id"], admin_id.as_str());
    assert_eq!(create["changes"]["reference"]["to"], t.case["reference"]);
    assert_eq!(update["actor_id"], t.lawyer_id.as_str());
    assert_eq!(update["changes"]["court_code"]["from"], "el-paso");
    assert_eq!(update["changes"]["court_code"]["to"], "new-york-broadway");
    assert_eq!(
        assigned["changes"]["assignment"]["user_id"],
        t.other_caseworker_id.as_str()
    );
    assert_eq!(assigned["changes"]["assignment"]["to"], "caseworker");
    assert_eq!(unassign["actor_id"], admin_id.as_str());
    assert_eq!(unassign["changes"]["assignment"]["from"], "caseworker");
    assert!(unassign["changes"]["assignment"]["to"].is_null());
}

/// Naming colleagues when opening a case is assigning them, so the rule of
/// `PUT /cases/{id}/assignments` holds: a caseworker may name only themself (403 otherwise, and
/// nothing is created); a lawyer, who becomes the new case's lawyer, and an admin may name anyone.
async fn only_admins_and_lawyers_name_assignees_when_opening_a_case(app: TestApp) {
    let t = team(&app).await;
    let cw_id = t.caseworker_id.clone();
    let client = create_client(&app, &t.caseworker, &client_body("Layla", "Nouri")).await;
    let cid = id(&client);
    let cases_before = list_ids(&app, "/api/v1/cases?limit=200", &t.admin).await;
    for extra in [
        json!({"caseworker_ids": [t.other_caseworker_id]}),
        json!({"caseworker_ids": [cw_id, t.other_caseworker_id]}),
        json!({"lawyer_ids": [t.other_lawyer_id]}),
    ] {
        let mut req = json!({"client_id": cid, "kind": "affirmative"});
        req.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let p = problem(app.post("/api/v1/cases", &t.caseworker, &req).await, 403).await;
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains("assign"), "{detail}");
    }
    assert_eq!(
        list_ids(&app, "/api/v1/cases?limit=200", &t.admin).await,
        cases_before,
        "nothing created"
    );
    // The colleagues named still cannot see the client.
    assert!(!sees_client(&app, &t.other_caseworker, &cid, "Nouri").await);
    assert!(!sees_client(&app, &t.other_lawyer, &cid, "Nouri").await);

    // Naming only themself is allowed (it is what happens anyway).
    let own = create_case(
        &app,
        &t.caseworker,
        &cid,
        json!({"caseworker_ids": [cw_id]}),
    )
    .await;
    assert_eq!(roles(&own), [(cw_id.clone(), "caseworker".to_string())]);
    assert!(!sees_client(&app, &t.other_caseworker, &cid, "Nouri").await);

    // A lawyer names colleagues: they are assigned, the lawyer too, as a lawyer.
    let lawyer_client = create_client(&app, &t.lawyer, &client_body("Samir", "Haddad")).await;
    let staffed = create_case(
        &app,
        &t.lawyer,
        &id(&lawyer_client),
        json!({"lawyer_ids": [t.other_lawyer_id], "caseworker_ids": [t.other_caseworker_id]}),
    )
    .await;
    let got: HashSet<(String, String)> = roles(&staffed).into_iter().collect();
    let want: HashSet<(String, String)> = [
        (t.lawyer_id.clone(), "lawyer".to_string()),
        (t.other_lawyer_id.clone(), "lawyer".to_string()),
        (t.other_caseworker_id.clone(), "caseworker".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    assert!(sees_case(&app, &t.other_caseworker, &id(&staffed)).await);
    // An admin names anyone (the team's case was opened so); here a caseworker alone.
    let admin_case = create_case(
        &app,
        &t.admin,
        &id(&lawyer_client),
        json!({"caseworker_ids": [cw_id]}),
    )
    .await;
    assert_eq!(
        roles(&admin_case),
        [(cw_id.clone(), "caseworker".to_string())]
    );

    // Each opening's audit row names who was assigned, and as what.
    for (case, actor) in [
        (&own, &cw_id),
        (&staffed, &t.lawyer_id),
        (&admin_case, &user_id(&app, &t.admin).await),
    ] {
        let rows = audit_rows(&app, "case", &id(case)).await;
        let create = rows
            .iter()
            .find(|r| r["action"] == "create")
            .expect("a create row");
        assert_eq!(create["actor_id"], actor.as_str());
        let named: HashSet<(String, String)> = create["changes"]["assignments"]["to"]
            .as_array()
            .expect("the assignments are recorded")
            .iter()
            .map(|a| {
                let text = |k: &str| a[k].as_str().unwrap().to_string();
                (text("user_id"), text("role"))
            })
            .collect();
        assert_eq!(named, roles(case).into_iter().collect::<HashSet<_>>());
    }
    // The refused attempts left no case row in the audit log.
    let admin = &t.admin;
    let by_cw = body(
        app.get(
            &format!("/api/v1/audit?actor_id={cw_id}&entity_type=case&limit=200"),
            admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(by_cw["items"].as_array().unwrap().len(), 1, "{by_cw}");
}

/// The charging document: the Notice to Appear's dates (issued, served, filed with the court,
/// which begins proceedings: 8 CFR 1003.14(a)) and whether it named the time and place, set on
/// opening and changed or cleared by PATCH; served or filed before issued, or any date in the
/// future, is 422 naming the field, and changes nothing.
async fn notice_to_appear_dates_are_recorded_in_order(app: TestApp) {
    let t = team(&app).await;
    let nta = |c: &Value| {
        [
            "nta_issued_on",
            "nta_served_on",
            "nta_filed_on",
            "nta_time_and_place",
        ]
        .map(|k| c[k].clone())
    };
    assert_eq!(
        nta(&t.case),
        [Value::Null, Value::Null, Value::Null, Value::Null]
    );
    let opened = create_case(
        &app,
        &t.lawyer,
        t.client_id(),
        json!({"kind": "defensive", "court_code": "el-paso", "nta_issued_on": "2026-01-05",
               "nta_served_on": "2026-01-20", "nta_filed_on": "2026-01-12",
               "nta_time_and_place": false}),
    )
    .await;
    let path = format!("/api/v1/cases/{}", id(&opened));
    let want = [
        json!("2026-01-05"),
        json!("2026-01-20"),
        json!("2026-01-12"),
        json!(false),
    ];
    assert_eq!(nta(&opened), want);
    assert_eq!(nta(&body(app.get(&path, &t.admin).await, 200).await), want);

    // Out of order or in the future: 422 on the field, on opening and on change.
    let future = (chrono::Utc::now().date_naive() + chrono::Duration::days(3)).to_string();
    let cases_before = list_ids(&app, "/api/v1/cases?limit=200", &t.admin).await;
    for (extra, fields) in [
        (
            json!({"nta_issued_on": "2026-01-05", "nta_served_on": "2026-01-04"}),
            vec!["nta_served_on"],
        ),
        (
            json!({"nta_issued_on": "2026-01-05", "nta_filed_on": "2025-12-31"}),
            vec!["nta_filed_on"],
        ),
        (json!({"nta_issued_on": future}), vec!["nta_issued_on"]),
        (
            json!({"nta_served_on": future, "nta_filed_on": future}),
            vec!["nta_served_on", "nta_filed_on"],
        ),
        (
            json!({"nta_time_and_place": "yes"}),
            vec!["nta_time_and_place"],
        ),
    ] {
        let mut req = json!({"client_id": t.client_id(), "kind": "affirmative"});
        req.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let res = app.post("/api/v1/cases", &t.lawyer, &req).await;
        assert_eq!(invalid(res).await, fields, "POST {extra}");
        let res = app.patch(&path, &t.lawyer, &extra).await;
        assert_eq!(invalid(res).await, fields, "PATCH {extra}");
    }
    // Against the dates recorded: a served date before the recorded issue date names the served
    // date; a new issue date after the recorded served and filed dates names the issue date.
    let res = app
        .patch(&path, &t.lawyer, &json!({"nta_served_on": "2026-01-04"}))
        .await;
    assert_eq!(invalid(res).await, ["nta_served_on"]);
    let res = app
        .patch(&path, &t.lawyer, &json!({"nta_issued_on": "2026-01-15"}))
        .await;
    assert_eq!(invalid(res).await, ["nta_issued_on"]);
    assert_eq!(
        list_ids(&app, "/api/v1/cases?limit=200", &t.admin).await,
        cases_before,
        "nothing created"
    );
    assert_eq!(
        nta(&body(app.get(&path, &t.lawyer).await, 200).await),
        want,
        "nothing changed"
    );

    // Changed together, in order; then cleared with null (the others stay).
    let moved = json!({"nta_issued_on": "2026-01-15", "nta_served_on": "2026-01-15",
                       "nta_filed_on": "2026-02-02", "nta_time_and_place": true});
    let changed = body(app.patch(&path, &t.lawyer, &moved).await, 200).await;
    assert_eq!(
        nta(&changed),
        [
            json!("2026-01-15"),
            json!("2026-01-15"),
            json!("2026-02-02"),
            json!(true)
        ]
    );
    let cleared = json!({"nta_issued_on": null, "nta_time_and_place": null});
    let cleared = body(app.patch(&path, &t.lawyer, &cleared).await, 200).await;
    assert_eq!(
        nta(&cleared),
        [
            Value::Null,
            json!("2026-01-15"),
            json!("2026-02-02"),
            Value::Null
        ]
    );
    // With no issue date recorded, served and filed are compared with nothing.
    let early = json!({"nta_served_on": "2025-06-01"});
    assert_eq!(
        body(app.patch(&path, &t.lawyer, &early).await, 200).await["nta_served_on"],
        "2025-06-01"
    );

    // Audited, each change from and to.
    let rows = audit_rows(&app, "case", &id(&opened)).await;
    let update = rows
        .iter()
        .find(|r| r["action"] == "update" && r["changes"].get("nta_filed_on").is_some())
        .expect("the change is audited");
    assert_eq!(
        update["changes"]["nta_filed_on"],
        json!({"from": "2026-01-12", "to": "2026-02-02"})
    );
    assert_eq!(
        update["changes"]["nta_time_and_place"],
        json!({"from": false, "to": true})
    );
}
