//! Custody, bond and release on a case: the periods are checked, audited and visible to the case
//! team only; a bond decision plans `bond_appeal` (8 CFR 1003.19(f), 1003.38(b)), detention under
//! a final order plans `zadvydas_review` (8 CFR 241.13; Zadvydas v. Davis); detained cases are
//! flagged in case reads, case lists (with a filter) and agenda rows.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{audit_actions, body, error_fields, problem, team, TestApp};

both!(
    custody_and_bond_recorded_and_listed,
    a_final_order_while_detained_plans_the_zadvydas_review,
    custody_is_checked_and_only_for_the_case_team,
);

async fn record(app: &TestApp, token: &str, case: &str, req: Value) -> Value {
    let path = format!("/api/v1/cases/{case}/custody");
    body(app.post(&path, token, &req).await, 201).await
}

async fn patch(app: &TestApp, token: &str, period: &Value, req: Value) -> Value {
    let path = format!("/api/v1/custody/{}", period["id"].as_str().unwrap());
    body(app.patch(&path, token, &req).await, 200).await
}

/// The case's deadlines of `kind`, superseded ones included.
async fn of_kind(app: &TestApp, token: &str, case: &str, kind: &str) -> Vec<Value> {
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
        .filter(|d| d["kind"] == kind)
        .cloned()
        .collect()
}

async fn case_ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let list = body(app.get(&format!("/api/v1/cases{query}"), token).await, 200).await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

async fn custody_and_bond_recorded_and_listed(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id().to_string();
    let case_path = format!("/api/v1/cases/{case}");
    let got = body(app.get(&case_path, &t.lawyer).await, 200).await;
    assert_eq!(got["detained"], false);

    // Detained, then a bond hearing and decision on Thursday 2025-06-05: 30 days later is
    // Saturday 2025-07-05, after Independence Day (Friday): the appeal is due Monday 2025-07-07.
    let p = record(
        &app,
        &t.caseworker,
        &case,
        json!({"detained_on": "2025-05-01", "facility": "  El Paso Service Processing Center "}),
    )
    .await;
    assert_eq!(p["facility"], "El Paso Service Processing Center");
    assert_eq!(p["detained"], true);
    let got = body(app.get(&case_path, &t.lawyer).await, 200).await;
    assert_eq!(got["detained"], true);
    assert!(of_kind(&app, &t.lawyer, &case, "bond_appeal")
        .await
        .is_empty());

    let p = patch(
        &app,
        &t.lawyer,
        &p,
        json!({"bond_hearing_on": "2025-06-05", "bond_decided_on": "2025-06-05",
               "bond_decision": "granted", "bond_amount_usd": 7500}),
    )
    .await;
    assert_eq!(p["bond_amount_usd"], 7500);
    let rows = of_kind(&app, &t.lawyer, &case, "bond_appeal").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["due_on"], "2025-07-07");
    assert_eq!(
        rows[0]["rule"],
        "8 CFR 1003.19(f), 1236.1(d)(3), 1003.38(b)"
    );
    let why = rows[0]["explanation"].as_str().unwrap();
    assert!(
        why.contains("30 days after the immigration judge's bond decision of 2025-06-05"),
        "{why}"
    );
    assert!(why.contains("moved to"), "{why}");
    assert_eq!(rows[0]["status"], "missed", "past and no appeal recorded");

    // The appeal recorded filed in time meets it.
    let p = patch(
        &app,
        &t.lawyer,
        &p,
        json!({"bond_appeal_filed_on": "2025-07-03"}),
    )
    .await;
    let rows = of_kind(&app, &t.lawyer, &case, "bond_appeal").await;
    assert_eq!(rows[0]["status"], "met");

    // Listed as detained, and found by the filter; another case of the team is not.
    let client = t.client_id().to_string();
    let other = body(
        app.post(
            "/api/v1/cases",
            &t.lawyer,
            &json!({"client_id": client, "kind": "affirmative"}),
        )
        .await,
        201,
    )
    .await;
    let other_id = other["id"].as_str().unwrap().to_string();
    assert_eq!(other["detained"], false);
    let list = body(app.get("/api/v1/cases", &t.admin).await, 200).await;
    let flag = |id: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["detained"].clone())
    };
    assert_eq!(flag(&case), Some(json!(true)));
    assert_eq!(flag(&other_id), Some(json!(false)));
    assert_eq!(
        case_ids(&app, &t.lawyer, "?detained=true").await,
        [case.as_str()]
    );
    assert_eq!(
        case_ids(&app, &t.lawyer, "?detained=false").await,
        [other_id.as_str()]
    );
    let p422 = problem(app.get("/api/v1/cases?detained=yes", &t.lawyer).await, 422).await;
    assert_eq!(error_fields(&p422), ["detained"]);

    // Agenda rows say so too.
    let agenda = body(
        app.get("/api/v1/deadlines?from=2025-07-01&to=2025-07-31", &t.lawyer)
            .await,
        200,
    )
    .await;
    let row = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "bond_appeal")
        .cloned()
        .expect("bond_appeal on the agenda");
    assert_eq!(row["detained"], true);
    assert_eq!(row["case_id"], case.as_str());

    // Released on bond: no longer detained anywhere it is listed.
    let p = patch(
        &app,
        &t.caseworker,
        &p,
        json!({"bond_posted_on": "2025-07-10", "released_on": "2025-07-10", "release_basis": "bond"}),
    )
    .await;
    assert_eq!(p["detained"], false);
    assert_eq!(p["release_basis"], "bond");
    let got = body(app.get(&case_path, &t.lawyer).await, 200).await;
    assert_eq!(got["detained"], false);
    assert!(case_ids(&app, &t.lawyer, "?detained=true").await.is_empty());
    let list = body(
        app.get(&format!("/api/v1/cases/{case}/custody"), &t.lawyer)
            .await,
        200,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["bond_decision"], "granted");
    assert_eq!(items[0]["released_on"], "2025-07-10");
    let id = p["id"].as_str().unwrap();
    assert_eq!(
        audit_actions(&app, "custody_period", id).await,
        ["create", "update", "update", "update"]
    );
}

async fn a_final_order_while_detained_plans_the_zadvydas_review(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id().to_string();
    let p = record(&app, &t.lawyer, &case, json!({"detained_on": "2025-12-01"})).await;
    assert!(
        of_kind(&app, &t.lawyer, &case, "zadvydas_review")
            .await
            .is_empty(),
        "no order yet"
    );

    // An IJ removal order with the appeal waived is final that day: removal period from
    // 2026-01-10, review from 180 days later, an earliest date (open, never missed).
    body(
        app.post(
            &format!("/api/v1/cases/{case}/decisions"),
            &t.lawyer,
            &json!({"kind": "removal_ordered", "authority": "immigration_judge",
                    "decided_on": "2026-01-10", "appeal_waived": true}),
        )
        .await,
        201,
    )
    .await;
    let rows = of_kind(&app, &t.lawyer, &case, "zadvydas_review").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["due_on"], "2026-07-09");
    assert_eq!(rows[0]["status"], "open");
    assert!(rows[0]["rule"]
        .as_str()
        .unwrap()
        .contains("Zadvydas v. Davis, 533 U.S. 678 (2001)"));
    assert!(rows[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("when the removal order became final on 2026-01-10"));

    // Detained only after the order: the period runs from the detention.
    let p = patch(&app, &t.lawyer, &p, json!({"detained_on": "2026-02-01"})).await;
    let rows = of_kind(&app, &t.lawyer, &case, "zadvydas_review").await;
    let live: Vec<&Value> = rows
        .iter()
        .filter(|d| d["status"] != "superseded")
        .collect();
    assert_eq!(live.len(), 1, "{rows:?}");
    assert_eq!(live[0]["due_on"], "2026-07-31");

    // Released under an Order of Supervision: the review gives way.
    patch(
        &app,
        &t.lawyer,
        &p,
        json!({"released_on": "2026-08-15", "release_basis": "order_of_supervision"}),
    )
    .await;
    let rows = of_kind(&app, &t.lawyer, &case, "zadvydas_review").await;
    assert!(rows.iter().all(|d| d["status"] == "superseded"), "{rows:?}");
}

async fn custody_is_checked_and_only_for_the_case_team(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id().to_string();
    let path = format!("/api/v1/cases/{case}/custody");
    let good = json!({"detained_on": "2026-10-01"});
    for token in t.outsiders() {
        problem(app.post(&path, token, &good).await, 404).await;
        problem(app.get(&path, token).await, 404).await;
    }
    let with = |pairs: &[(&str, Value)]| {
        let mut b = good.clone();
        for (k, v) in pairs {
            b[*k] = v.clone();
        }
        b
    };
    for (req, fields) in [
        (
            with(&[("detained_on", json!("2099-01-01"))]),
            vec!["detained_on"],
        ),
        (
            with(&[
                ("released_on", json!("2026-09-30")),
                ("release_basis", json!("bond")),
            ]),
            vec!["released_on"],
        ),
        (
            with(&[("released_on", json!("2026-10-05"))]),
            vec!["release_basis"],
        ),
        (
            with(&[("release_basis", json!("parole"))]),
            vec!["release_basis"],
        ),
        (
            with(&[
                ("released_on", json!("2026-10-05")),
                ("release_basis", json!("escape")),
            ]),
            vec!["release_basis"],
        ),
        (
            with(&[
                ("bond_decided_on", json!("2026-10-10")),
                ("bond_decision", json!("maybe")),
            ]),
            vec!["bond_decision"],
        ),
        (
            with(&[("bond_decided_on", json!("2026-10-10"))]),
            vec!["bond_decision"],
        ),
        (
            with(&[
                ("bond_hearing_on", json!("2026-10-12")),
                ("bond_decided_on", json!("2026-10-10")),
                ("bond_decision", json!("denied")),
            ]),
            vec!["bond_decided_on"],
        ),
        (
            with(&[
                ("bond_decided_on", json!("2026-10-10")),
                ("bond_decision", json!("granted")),
                ("bond_posted_on", json!("2026-10-09")),
            ]),
            vec!["bond_posted_on"],
        ),
        (
            with(&[("bond_appeal_filed_on", json!("2026-10-10"))]),
            vec!["bond_appeal_filed_on"],
        ),
        (
            with(&[("bond_amount_usd", json!(500))]),
            vec!["bond_amount_usd"],
        ),
        (
            with(&[("bond_amount_usd", json!(1500.5))]),
            vec!["bond_amount_usd"],
        ),
        (
            with(&[("facility", json!("x".repeat(201)))]),
            vec!["facility"],
        ),
        (
            with(&[("detained_on", json!("2026-13-01"))]),
            vec!["detained_on"],
        ),
    ] {
        let p = problem(app.post(&path, &t.lawyer, &req).await, 422).await;
        assert_eq!(error_fields(&p), fields, "{req}");
    }
    problem(
        app.post(&path, &t.lawyer, &with(&[("parole", json!(true))]))
            .await,
        422,
    )
    .await;
    let list = body(app.get(&path, &t.lawyer).await, 200).await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );

    let p = record(&app, &t.caseworker, &case, good.clone()).await;
    // One open period at a time.
    let twice = problem(app.post(&path, &t.lawyer, &good).await, 422).await;
    assert_eq!(error_fields(&twice), ["released_on"]);
    let one = format!("/api/v1/custody/{}", p["id"].as_str().unwrap());
    for token in t.outsiders() {
        let req = json!({"released_on": "2026-10-05", "release_basis": "parole"});
        problem(app.patch(&one, token, &req).await, 404).await;
    }
    let bad = problem(
        app.patch(
            &one,
            &t.lawyer,
            &json!({"released_on": "2026-09-01", "release_basis": "parole"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&bad), ["released_on"]);
    problem(
        app.patch(&one, &t.lawyer, &json!({"detained_on": null}))
            .await,
        422,
    )
    .await;
    let still = body(app.get(&path, &t.admin).await, 200).await;
    assert_eq!(
        still["items"][0]["released_on"],
        Value::Null,
        "nothing changed"
    );
    let id = p["id"].as_str().unwrap();
    assert_eq!(audit_actions(&app, "custody_period", id).await, ["create"]);
}
