//! A client's erasure (issue 13, item 6): admins only; every row holding the client's personal
//! data gone from every table (each column of each table scanned for canary values, as the
//! backup test reads them), the audit snapshots about their records reduced to ids, the erasure
//! audited by id; refused while a case is open; nothing half-done when writers race it.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{body, client_body, create_case, create_client, id, problem, team, TestApp};
use crate::retention::{found_in_database, whole_audit};

both!(
    erasure_leaves_no_trace_of_the_client_and_spares_the_others,
    erasure_is_for_admins_and_refuses_absent_clients_and_open_cases,
    writers_racing_an_erasure_get_no_5xx_and_leave_nothing,
);

/// Values that exist only in the erased client's records (lower case: the scan folds case, so
/// that the folded search tokens count too).
pub const CANARIES: &[&str] = &[
    "zephyrine",
    "quorvath",
    "ゼフィリン",
    "a098765432",
    "1987-03-14",
    "555 014 223",
    "zq.canary@mail.test",
    "larkspur lane",
    "canarytown",
    "ioe0987654321",
    "pellucida",
    "a087654321",
    "2010-06-21",
    "judge canaryson",
    "canary detention",
    "fled across the rio canario",
];

async fn created(app: &TestApp, token: &str, path: &str, b: Value) -> Value {
    body(app.post(path, token, &b).await, 201).await
}

/// The canary client, with something in every table that can hold their data; its one case
/// (with the lawyer assigned) closed at the end. Returns (client, case).
async fn canary_client(
    app: &TestApp,
    admin: &str,
    lawyer: &str,
    lawyer_id: &str,
) -> (Value, Value) {
    let client = create_client(
        app,
        admin,
        &json!({"given_name": "Zephyrine", "family_name": "Quorvath", "native_name": "ゼフィリン",
                "a_number": "A098765432", "date_of_birth": "1987-03-14",
                "phone": "+1 555 014 2231", "email": "zq.canary@mail.test",
                "address": "17 Larkspur Lane", "arrival_place": "Canarytown crossing",
                "last_arrival_on": "2025-12-01", "languages": ["es"]}),
    )
    .await;
    let client_path = format!("/api/v1/clients/{}", id(&client));
    // A correction: the audit row holds the old and the new number.
    body(
        app.patch(&client_path, admin, &json!({"phone": "+1 555 014 2232"}))
            .await,
        200,
    )
    .await;
    let case = create_case(
        app,
        admin,
        &id(&client),
        json!({"kind": "defensive", "court_code": "el-paso", "lawyer_ids": [lawyer_id]}),
    )
    .await;
    let c = format!("/api/v1/cases/{}", id(&case));
    let l = lawyer;
    created(
        app,
        l,
        &format!("{c}/filings"),
        json!({"form": "I-589", "filed_on": "2026-03-02", "receipt_number": "IOE0987654321"}),
    )
    .await;
    let stop = created(
        app,
        l,
        &format!("{c}/clock-events"),
        json!({"kind": "stop", "on": "2026-04-01", "reason": "Zephyrine asked for time"}),
    )
    .await;
    body(
        app.patch(
            &format!("/api/v1/clock-events/{}", id(&stop)),
            l,
            &json!({"on": "2026-04-02", "reason": "Quorvath's letter was dated the 2nd"}),
        )
        .await,
        200,
    )
    .await;
    let hearing = created(app, l, &format!("{c}/hearings"), json!({"kind": "master_calendar", "starts_at_local": "2027-03-16T09:00", "judge": "Judge Canaryson", "location": "Courtroom of Quorvath"})).await;
    body(
        app.patch(
            &format!("/api/v1/hearings/{}", id(&hearing)),
            l,
            &json!({"starts_at_local": "2027-03-17T10:00"}),
        )
        .await,
        200,
    )
    .await;
    created(
        app,
        l,
        &format!("{c}/decisions"),
        json!({"kind": "denied", "authority": "immigration_judge", "decided_on": "2026-10-01"}),
    )
    .await;
    created(app, l, &format!("{c}/family-members"), json!({"relationship": "child", "given_name": "Pellucida", "family_name": "Quorvath", "date_of_birth": "2010-06-21", "a_number": "A087654321"})).await;
    created(app, l, &format!("{c}/supervision-orders"), json!({"ordered_on": "2026-11-02", "field_office_code": "ero-new-york", "interval_days": 90, "conditions": "Zephyrine reports monthly"})).await;
    created(app, l, &format!("{c}/custody"), json!({"detained_on": "2026-09-01", "facility": "Canary Detention Center", "released_on": "2026-09-10", "release_basis": "parole", "note": "Quorvath released"})).await;
    body(
        app.put(
            &format!("{c}/one-year-exception"),
            l,
            &json!({"kind": "changed_circumstances", "note": "Quorvath's country changed"}),
        )
        .await,
        200,
    )
    .await;
    let due = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    let deadline = created(
        app,
        l,
        &format!("{c}/deadlines"),
        json!({"kind": "other", "title": "Quorvath affidavit", "due_on": due}),
    )
    .await;
    let waived = created(
        app,
        l,
        &format!("{c}/deadlines"),
        json!({"kind": "other", "title": "Zephyrine letter", "due_on": due}),
    )
    .await;
    body(
        app.patch(
            &format!("/api/v1/deadlines/{}", id(&waived)),
            l,
            &json!({"status": "waived", "note": "Zephyrine brought it in person"}),
        )
        .await,
        200,
    )
    .await;
    created(
        app,
        l,
        &format!("{c}/notes"),
        json!({"body": "Zephyrine fled across the Rio Canario"}),
    )
    .await;
    created(
        app,
        l,
        &format!("/api/v1/clients/{}/notes", id(&client)),
        json!({"body": "Quorvath prefers Spanish"}),
    )
    .await;
    created(app, l, &format!("{c}/tasks"), json!({"title": "Call Zephyrine", "due_on": due, "details": "about the Quorvath affidavit"})).await;
    // A reminder was planned for the deadline a week away; one already failed, with an SMTP
    // answer, as the worker would leave it.
    let rows: Vec<String> = {
        let reminders = body(
            app.get("/api/v1/reminders?status=pending&limit=200", admin)
                .await,
            200,
        )
        .await;
        reminders["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|r| r["item_id"] == deadline["id"])
            .map(id)
            .collect()
    };
    assert!(!rows.is_empty(), "the deadline has reminders planned");
    app.sql(format!(
        "UPDATE reminders SET state = 'failed', attempts = 5, last_error = '550 mailbox full' WHERE id = '{}'",
        rows[0]
    ))
    .await;
    // A full read, audited.
    body(app.get(&client_path, lawyer).await, 200).await;
    let closed = body(
        app.patch(&c, l, &json!({"status": "closed", "closed_reason": "transferred", "closed_note": "Zephyrine moved to Quorvath's cousin"}))
            .await,
        200,
    )
    .await;
    (client, closed)
}

async fn erasure_leaves_no_trace_of_the_client_and_spares_the_others(app: TestApp) {
    let admin = app.admin_token().await;
    let admin_id = crate::helpers::user_id(&app, &admin).await;
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let lawyer_id = crate::helpers::user_id(&app, &lawyer).await;
    let feed = body(
        app.post("/api/v1/me/calendar-token", &lawyer, &json!({}))
            .await,
        200,
    )
    .await;
    let feed = feed["url"]
        .as_str()
        .expect("url")
        .trim_start_matches("https://tracker.test")
        .to_string();
    let (client, case) = canary_client(&app, &admin, &lawyer, &lawyer_id).await;
    // Someone else's client and case, which must stay whole.
    let other = create_client(&app, &admin, &client_body("Bystander", "Unrelated")).await;
    let other_case = create_case(
        &app,
        &admin,
        &id(&other),
        json!({"lawyer_ids": [lawyer_id]}),
    )
    .await;
    let other_note = created(
        &app,
        &lawyer,
        &format!("/api/v1/cases/{}/notes", id(&other_case)),
        json!({"body": "bystander note stays"}),
    )
    .await;

    // The scan sees the canaries before (so that it could fail after).
    let before = found_in_database(&app, CANARIES).await;
    for canary in CANARIES {
        assert!(
            before
                .iter()
                .any(|h| h.contains(&format!(": {canary} in "))),
            "{canary} is stored before"
        );
    }
    let before_audit = whole_audit(&app, &admin).await.len();

    let path = format!("/api/v1/clients/{}/erasure", id(&client));
    let receipt = body(
        app.post(&path, &admin, &json!({"reason": "client_request"}))
            .await,
        200,
    )
    .await;
    assert_eq!(receipt["client_id"], client["id"]);
    assert_eq!(receipt["reason"], "client_request");
    assert_eq!(receipt["erased_by"], admin_id.as_str());
    assert_eq!(
        receipt["cases"],
        json!([{"id": case["id"], "kind": "defensive", "closed_reason": "transferred"}])
    );
    let removed = &receipt["removed"];
    for (table, n) in [
        ("clients", 1),
        ("cases", 1),
        ("filings", 1),
        ("clock_events", 1),
        ("hearings", 1),
        ("hearing_changes", 1),
        ("decisions", 1),
        ("supervision_orders", 1),
        ("family_members", 1),
        ("one_year_exceptions", 1),
        ("custody_periods", 1),
        ("notes", 2),
        ("tasks", 1),
    ] {
        assert_eq!(removed[table], n, "{table}: {removed}");
    }
    for table in [
        "deadlines",
        "reminders",
        "name_tokens",
        "case_assignments",
        "audit_rows_reduced",
    ] {
        assert!(
            removed[table].as_u64().is_some_and(|n| n > 0),
            "{table}: {removed}"
        );
    }

    // Nothing of the client is left in any column of any table, the audit log included.
    let after = found_in_database(&app, CANARIES).await;
    assert!(after.is_empty(), "left after erasure: {after:#?}");
    let audit = whole_audit(&app, &admin).await;
    assert_eq!(
        audit.len(),
        before_audit + 1,
        "audit rows are reduced, not deleted; one added"
    );
    let text = serde_json::to_string(&audit).unwrap().to_lowercase();
    for canary in CANARIES {
        assert!(!text.contains(canary), "the audit log still says {canary}");
    }
    // The erasure's own row: who, which client id, when, the reason, ids and counts only.
    let row = audit
        .iter()
        .find(|r| r["action"] == "erase")
        .expect("the erasure is audited");
    assert_eq!(row["entity_type"], "client");
    assert_eq!(row["entity_id"], client["id"]);
    assert_eq!(row["actor_id"], admin_id.as_str());
    assert!(
        row["reduced_at"].is_string(),
        "written with ids only: {row}"
    );
    let keys: Vec<&String> = row["changes"]
        .as_object()
        .expect("changes")
        .keys()
        .collect();
    assert_eq!(keys, ["cases", "reason", "removed"], "{row}");
    assert_eq!(row["changes"]["cases"], receipt["cases"]);
    // The earlier rows about the client's records are still there, reduced: who did what, when.
    let about_client: Vec<&Value> = audit
        .iter()
        .filter(|r| r["entity_id"] == client["id"] && r["action"] != "erase")
        .collect();
    let actions: Vec<&str> = about_client
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"create") && actions.contains(&"update") && actions.contains(&"read"),
        "{actions:?}"
    );
    for r in &about_client {
        assert!(r["reduced_at"].is_string(), "{r}");
    }
    let create = about_client
        .iter()
        .find(|r| r["action"] == "create")
        .unwrap();
    assert_eq!(create["changes"]["given_name"], "(removed)");
    assert_eq!(
        create["changes"]["created_by"]["to"],
        admin_id.as_str(),
        "ids stay"
    );

    // Gone for everyone, everywhere.
    for path in [
        format!("/api/v1/clients/{}", id(&client)),
        format!("/api/v1/cases/{}", id(&case)),
        format!("/api/v1/clients/{}/notes", id(&client)),
    ] {
        problem(app.get(&path, &admin).await, 404).await;
    }
    let found = body(
        app.post(
            "/api/v1/clients/search",
            &admin,
            &json!({"q": "Quorvath", "include_archived": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(found["items"], json!([]), "search");
    let found = body(
        app.post(
            "/api/v1/clients/search",
            &admin,
            &json!({"q": "A098765432"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(found["items"], json!([]), "A-number search");
    let cases = body(app.get("/api/v1/cases?limit=200", &admin).await, 200).await;
    assert!(
        !cases
            .to_string()
            .contains(case["reference"].as_str().unwrap()),
        "case list"
    );
    let ics = app.client.get(app.url(&feed)).send().await.unwrap();
    assert_eq!(ics.status(), 200, "the lawyer's feed still works");
    let ics = ics.text().await.unwrap();
    assert!(
        !ics.contains(case["reference"].as_str().unwrap()),
        "feed: {ics}"
    );
    let reminders = body(app.get("/api/v1/reminders?limit=200", &admin).await, 200).await;
    assert!(
        reminders["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["case_id"] != case["id"]),
        "reminders of the case: {reminders}"
    );
    // A second erasure: nothing left to erase.
    problem(
        app.post(&path, &admin, &json!({"reason": "client_request"}))
            .await,
        404,
    )
    .await;

    // The bystander is whole.
    let seen = body(
        app.get(&format!("/api/v1/clients/{}", id(&other)), &lawyer)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["family_name"], "Unrelated");
    let notes = body(
        app.get(&format!("/api/v1/cases/{}/notes", id(&other_case)), &lawyer)
            .await,
        200,
    )
    .await;
    assert_eq!(notes["items"][0]["id"], other_note["id"]);
    let kept = found_in_database(&app, &["bystander note stays", "unrelated"]).await;
    assert!(kept.iter().any(|h| h.starts_with("notes:")), "{kept:?}");
    assert!(
        kept.iter().any(|h| h.starts_with("audit_log:")),
        "its audit rows are whole: {kept:?}"
    );
}

async fn erasure_is_for_admins_and_refuses_absent_clients_and_open_cases(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/clients/{}/erasure", t.client_id());
    let reason = json!({"reason": "entered_in_error"});
    let res = app
        .client
        .post(app.url(&path))
        .json(&reason)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "anonymous");
    // Lawyers and caseworkers, on the case or not, may never erase: 403, a bad body too.
    for token in [
        &t.lawyer,
        &t.caseworker,
        &t.other_lawyer,
        &t.other_caseworker,
    ] {
        problem(app.post(&path, token, &reason).await, 403).await;
        problem(
            app.post(&path, token, &json!({"reason": "because"})).await,
            403,
        )
        .await;
    }
    let absent = format!("/api/v1/clients/{}/erasure", uuid::Uuid::new_v4());
    problem(app.post(&absent, &t.admin, &reason).await, 404).await;
    let bad = problem(
        app.post(&path, &t.admin, &json!({"reason": "Amina asked"}))
            .await,
        422,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "reason", "{bad}");
    assert!(
        bad["detail"].as_str().unwrap().contains("client_request"),
        "{bad}"
    );
    problem(app.post(&path, &t.admin, &json!({})).await, 422).await;

    // An open case: 409, and nothing changes.
    let before = found_in_database(&app, &["haidari", "a201234567"]).await;
    let open = problem(app.post(&path, &t.admin, &reason).await, 409).await;
    assert!(
        open["detail"]
            .as_str()
            .unwrap()
            .contains("close every case"),
        "{open}"
    );
    assert_eq!(
        found_in_database(&app, &["haidari", "a201234567"]).await,
        before
    );
    body(
        app.get(&format!("/api/v1/cases/{}", t.case_id()), &t.lawyer)
            .await,
        200,
    )
    .await;

    // Closed: the admin erases it.
    body(
        app.patch(
            &format!("/api/v1/cases/{}", t.case_id()),
            &t.lawyer,
            &json!({"status": "closed", "closed_reason": "withdrew"}),
        )
        .await,
        200,
    )
    .await;
    let receipt = body(app.post(&path, &t.admin, &reason).await, 200).await;
    assert_eq!(receipt["reason"], "entered_in_error");
    assert!(found_in_database(&app, &["haidari", "a201234567"])
        .await
        .is_empty());
    // A client without a case at all is erased as well.
    let lone = create_client(&app, &t.lawyer, &client_body("Lone", "Walker")).await;
    let lone_path = format!("/api/v1/clients/{}/erasure", id(&lone));
    let receipt = body(
        app.post(&lone_path, &t.admin, &json!({"reason": "duplicate"}))
            .await,
        200,
    )
    .await;
    assert_eq!(receipt["cases"], json!([]));
    assert!(found_in_database(&app, &["walker"]).await.is_empty());
}

/// Eight writers add notes and filings to the client's closed case while an admin erases the
/// client: each writer's answer is its 201 (written before, then erased with the rest) or 404
/// (the case was gone), never a 5xx, and nothing they wrote survives.
async fn writers_racing_an_erasure_get_no_5xx_and_leave_nothing(app: TestApp) {
    let t = team(&app).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    body(
        app.patch(
            &case,
            &t.lawyer,
            &json!({"status": "closed", "closed_reason": "other"}),
        )
        .await,
        200,
    )
    .await;
    let writers = futures_util::future::join_all((0..8).map(|i| {
        let (app, token, case) = (&app, t.lawyer.clone(), case.clone());
        async move {
            let mut statuses = Vec::new();
            for n in 0..4 {
                let res = if (i + n) % 2 == 0 {
                    app.post(&format!("{case}/notes"), &token, &json!({"body": format!("racing canary {i}-{n}")})).await
                } else {
                    app.post(&format!("{case}/filings"), &token, &json!({"form": "other", "filed_on": "2026-05-02", "receipt_number": format!("RCE00000000{i}{n}")})).await
                };
                statuses.push(res.status().as_u16());
            }
            statuses
        }
    }));
    let erase = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(30)).await;
        let path = format!("/api/v1/clients/{}/erasure", t.client_id());
        app.post(&path, &t.admin, &json!({"reason": "client_request"}))
            .await
            .status()
            .as_u16()
    };
    let (statuses, erased) = futures_util::join!(writers, erase);
    assert_eq!(erased, 200, "the erasure");
    let statuses: Vec<u16> = statuses.into_iter().flatten().collect();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 404),
        "{statuses:?}"
    );
    let left = found_in_database(&app, &["racing canary", "rce00000000", "haidari"]).await;
    assert!(left.is_empty(), "left after erasure: {left:#?}");
}
