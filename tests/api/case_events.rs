//! Filings, EAD clock events and decisions: who may record and read them, validation, audit.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{
    anon, audit_rows, body, invalid, list_ids, problem, sees_case, team, TestApp,
};

both!(
    event_visibility_matrix,
    receipt_numbers_are_normalised,
    clock_events_follow_the_i589_and_each_other,
    unknown_values_name_the_field_and_the_allowed_ones,
    event_writes_are_audited,
    a_motion_to_reopen_on_changed_country_conditions_is_recorded_without_a_deadline,
);

const KINDS: [&str; 3] = ["filings", "clock-events", "decisions"];

fn i589() -> Value {
    json!({"form": "I-589", "filed_on": "2026-03-02", "receipt_number": "ZLA2612345678"})
}

fn clock(kind: &str, on: &str) -> Value {
    json!({"kind": kind, "on": on, "reason": "applicant asked to reschedule"})
}

/// How many filings, clock events and decisions `token` reads on the case.
async fn counts(app: &TestApp, case: &str, token: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for what in KINDS {
        out.push(list_ids(app, &format!("{case}/{what}"), token).await.len());
    }
    out
}

/// The message of the error on `field` in a problem.
fn message(p: &Value, field: &str) -> String {
    let errors = p["errors"].as_array().unwrap();
    let e = errors
        .iter()
        .find(|e| e["field"] == field)
        .expect("field named");
    e["message"].as_str().unwrap().to_string()
}

async fn event_visibility_matrix(app: TestApp) {
    let t = team(&app).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    let sub = |what: &str| format!("{case}/{what}");
    let denial = json!({"kind": "denied", "authority": "immigration_judge",
                        "decided_on": "2026-10-01"});
    // Insiders record and read each kind of fact.
    body(app.post(&sub("filings"), &t.lawyer, &i589()).await, 201).await;
    let stop = clock("stop", "2026-04-01");
    body(
        app.post(&sub("clock-events"), &t.caseworker, &stop).await,
        201,
    )
    .await;
    let resume = clock("resume", "2026-04-15");
    body(app.post(&sub("clock-events"), &t.admin, &resume).await, 201).await;
    body(app.post(&sub("decisions"), &t.lawyer, &denial).await, 201).await;
    for token in t.insiders() {
        assert_eq!(counts(&app, &case, token).await, [1, 2, 1]);
    }
    // Outsiders: 404 on reading and writing each, as for an absent case; nothing is written.
    let eoir26 = json!({"form": "EOIR-26", "filed_on": "2026-10-15"});
    let bia = json!({"kind": "remanded", "authority": "bia", "decided_on": "2026-11-01"});
    let writes = [eoir26.clone(), clock("stop", "2026-05-01"), bia];
    let absent = |what: &str| format!("/api/v1/cases/no-such-case/{what}");
    for token in t.outsiders() {
        assert!(!sees_case(&app, token, t.case_id()).await);
        for (what, b) in KINDS.iter().zip(&writes) {
            let hidden = problem(app.get(&sub(what), token).await, 404).await;
            assert_eq!(
                hidden,
                problem(app.get(&absent(what), token).await, 404).await
            );
            let hidden = problem(app.post(&sub(what), token, b).await, 404).await;
            assert_eq!(
                hidden,
                problem(app.post(&absent(what), token, b).await, 404).await
            );
        }
    }
    assert_eq!(counts(&app, &case, &t.admin).await, [1, 2, 1]);
    let status = body(app.get(&case, &t.admin).await, 200).await["status"].clone();
    assert_eq!(status, "decided", "no refused write reached the case");

    // Assignment grants at once; unassignment removes at once.
    let assign = format!("{case}/assignments/{}", t.other_caseworker_id);
    let role = json!({"role": "caseworker"});
    body(app.put(&assign, &t.lawyer, &role).await, 200).await;
    assert_eq!(counts(&app, &case, &t.other_caseworker).await, [1, 2, 1]);
    body(
        app.post(&sub("filings"), &t.other_caseworker, &eoir26)
            .await,
        201,
    )
    .await;
    body(app.delete(&assign, &t.admin).await, 204).await;
    assert!(!sees_case(&app, &t.other_caseworker, t.case_id()).await);
    problem(
        app.post(&sub("filings"), &t.other_caseworker, &eoir26)
            .await,
        404,
    )
    .await;
    assert_eq!(counts(&app, &case, &t.lawyer).await, [2, 2, 1]);
    // No token: 401.
    for what in KINDS {
        problem(anon(&app, "GET", &sub(what)).await, 401).await;
        problem(anon(&app, "POST", &sub(what)).await, 401).await;
    }
}

async fn receipt_numbers_are_normalised(app: TestApp) {
    let t = team(&app).await;
    let path = format!("/api/v1/cases/{}/filings", t.case_id());
    let filing = |r: &str| json!({"form": "other", "filed_on": "2026-05-01", "receipt_number": r});
    for (input, stored) in [
        ("EAC-22-123-45678", "EAC2212345678"),
        ("ioe 0912345678", "IOE0912345678"),
        ("XYZ2212345678", "XYZ2212345678"),
    ] {
        let f = body(app.post(&path, &t.lawyer, &filing(input)).await, 201).await;
        assert_eq!(f["receipt_number"], stored, "{input}");
    }
    for bad in [
        "EAC-22-123-4567",
        "EAC22123456789",
        "E1C2212345678",
        "2212345678EAC",
        "EAC.2212345678",
    ] {
        let res = app.post(&path, &t.lawyer, &filing(bad)).await;
        assert_eq!(invalid(res).await, ["receipt_number"], "{bad}");
    }
    let listed = body(app.get(&path, &t.lawyer).await, 200).await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        3,
        "refused filings not stored"
    );
    assert_eq!(listed["items"][0]["receipt_number"], "EAC2212345678");
}

async fn clock_events_follow_the_i589_and_each_other(app: TestApp) {
    let t = team(&app).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    let path = format!("{case}/clock-events");
    let send = |b: Value| {
        let (app, path, token) = (&app, &path, &t.lawyer);
        async move { app.post(path, token, &b).await }
    };
    // No I-589 yet: the clock has not started.
    let p = problem(send(clock("stop", "2026-04-01")).await, 422).await;
    assert_eq!(
        message(&p, "on"),
        "the EAD clock has not started: no I-589 filing is recorded"
    );
    // An I-765 is not an I-589.
    let i765 = json!({"form": "I-765", "filed_on": "2026-02-01"});
    body(
        app.post(&format!("{case}/filings"), &t.lawyer, &i765).await,
        201,
    )
    .await;
    assert_eq!(
        invalid(send(clock("stop", "2026-04-01")).await).await,
        ["on"]
    );
    body(
        app.post(&format!("{case}/filings"), &t.lawyer, &i589())
            .await,
        201,
    )
    .await;
    // A stop before the filing date.
    let p = problem(send(clock("stop", "2026-03-01")).await, 422).await;
    assert!(
        message(&p, "on").contains("before the I-589 filing date 2026-03-02"),
        "{p}"
    );
    // A resume without an open stop.
    let p = problem(send(clock("resume", "2026-04-01")).await, 422).await;
    assert!(message(&p, "kind").contains("needs an open stop"), "{p}");
    body(send(clock("stop", "2026-04-01")).await, 201).await;
    // A second stop while stopped; a resume before its stop; then a valid resume.
    let p = problem(send(clock("stop", "2026-04-10")).await, 422).await;
    assert!(
        message(&p, "on").contains("already stopped since 2026-04-01"),
        "{p}"
    );
    assert_eq!(
        invalid(send(clock("resume", "2026-03-20")).await).await,
        ["on"]
    );
    let r = body(send(clock("resume", "2026-04-20")).await, 201).await;
    assert_eq!(
        (&r["kind"], &r["on"]),
        (&json!("resume"), &json!("2026-04-20"))
    );
    // Out of date order, in the future, without a reason, or of an unknown kind.
    assert_eq!(
        invalid(send(clock("stop", "2026-04-19")).await).await,
        ["on"]
    );
    assert_eq!(
        invalid(send(clock("stop", "2099-01-01")).await).await,
        ["on"]
    );
    let blank = json!({"kind": "stop", "on": "2026-05-01", "reason": "  "});
    assert_eq!(invalid(send(blank).await).await, ["reason"]);
    let p = problem(send(clock("pause", "2026-05-01")).await, 422).await;
    assert!(message(&p, "kind").contains("stop, resume"), "{p}");
    let events = body(app.get(&path, &t.lawyer).await, 200).await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["stop", "resume"]);
}

async fn unknown_values_name_the_field_and_the_allowed_ones(app: TestApp) {
    let t = team(&app).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    let (filings, decisions) = (format!("{case}/filings"), format!("{case}/decisions"));
    let i590 = json!({"form": "I-590", "filed_on": "2026-05-01"});
    let p = problem(app.post(&filings, &t.lawyer, &i590).await, 422).await;
    let m = message(&p, "form");
    for allowed in [
        "I-589",
        "I-765",
        "EOIR-26",
        "motion_to_reopen",
        "petition_for_review",
    ] {
        assert!(m.contains(allowed), "{allowed} in {m}");
    }
    let req = json!({"kind": "granted", "authority": "judge", "decided_on": "2026-05-01"});
    let p = problem(app.post(&decisions, &t.lawyer, &req).await, 422).await;
    assert_eq!(p["errors"].as_array().unwrap().len(), 2);
    assert!(message(&p, "authority").contains("immigration_judge, bia, uscis"));
    let m = message(&p, "kind");
    for allowed in [
        "asylum_granted",
        "withholding_granted",
        "cat_granted",
        "denied",
        "removal_ordered",
        "voluntary_departure",
        "terminated",
        "appeal_dismissed",
        "remanded",
    ] {
        assert!(m.contains(allowed), "{allowed} in {m}");
    }
    // Future dates, misplaced or missing fields, wrong types.
    for (req, field) in [
        (
            json!({"form": "I-589", "filed_on": "2099-01-01"}),
            "filed_on",
        ),
        (
            json!({"form": "I-589", "filed_on": "2026-05-01", "valid_until": "2028-01-01"}),
            "valid_until",
        ),
        (json!({"form": "I-589"}), "filed_on"),
        (json!({"form": "I-589", "filed_on": "May 1"}), "filed_on"),
        (json!({"form": ["I-589"], "filed_on": "2026-05-01"}), "form"),
    ] {
        assert_eq!(
            invalid(app.post(&filings, &t.lawyer, &req).await).await,
            [field],
            "{req}"
        );
    }
    for (req, field) in [
        (
            json!({"kind": "voluntary_departure", "authority": "immigration_judge",
                "decided_on": "2026-05-01"}),
            "voluntary_departure_days",
        ),
        (
            json!({"kind": "voluntary_departure", "authority": "immigration_judge",
                "decided_on": "2026-05-01", "voluntary_departure_days": 121}),
            "voluntary_departure_days",
        ),
        (
            json!({"kind": "voluntary_departure", "authority": "immigration_judge",
                "decided_on": "2026-05-01", "voluntary_departure_days": 7.5}),
            "voluntary_departure_days",
        ),
        (
            json!({"kind": "denied", "authority": "bia", "decided_on": "2099-05-01"}),
            "decided_on",
        ),
    ] {
        assert_eq!(
            invalid(app.post(&decisions, &t.lawyer, &req).await).await,
            [field],
            "{req}"
        );
    }
    assert_eq!(
        counts(&app, &case, &t.admin).await,
        [0, 0, 0],
        "nothing recorded"
    );
    // `60.0` is the whole number 60, as JSON Schema counts integers (schemathesis sent `7.0`
    // to PATCH /decisions/{id} and got 422).
    let vd = body(
        app.post(
            &decisions,
            &t.lawyer,
            &json!({"kind": "voluntary_departure", "authority": "immigration_judge",
                    "decided_on": "2026-05-01", "voluntary_departure_days": 60.0}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(vd["voluntary_departure_days"], 60);
    let path = format!("/api/v1/decisions/{}", vd["id"].as_str().unwrap());
    let fixed = body(
        app.patch(
            &path,
            &t.lawyer,
            &json!({"voluntary_departure_days": 90.0, "reason": "the order says 90 days"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(fixed["voluntary_departure_days"], 90);
}

async fn event_writes_are_audited(app: TestApp) {
    let t = team(&app).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    let post = |what: &str, token: &str, b: Value| {
        let (app, p, token) = (&app, format!("{case}/{what}"), token.to_string());
        async move { body(app.post(&p, &token, &b).await, 201).await }
    };
    let filing = post("filings", &t.lawyer, i589()).await;
    let stop = post("clock-events", &t.caseworker, clock("stop", "2026-04-01")).await;
    let grant = json!({"kind": "asylum_granted", "authority": "immigration_judge",
                       "decided_on": "2026-10-01"});
    let decision = post("decisions", &t.lawyer, grant).await;
    for (entity, row, actor, field, value) in [
        (
            "filing",
            &filing,
            &t.lawyer_id,
            "receipt_number",
            "ZLA2612345678",
        ),
        (
            "clock_event",
            &stop,
            &t.caseworker_id,
            "reason",
            "applicant asked to reschedule",
        ),
        (
            "decision",
            &decision,
            &t.lawyer_id,
            "kind",
            "asylum_granted",
        ),
    ] {
        let id = row["id"].as_str().unwrap();
        let rows = audit_rows(&app, entity, id).await;
        assert_eq!(rows.len(), 1, "{entity}");
        assert_eq!(rows[0]["action"], "create");
        assert_eq!(rows[0]["actor_id"], actor.as_str());
        assert_eq!(rows[0]["entity_id"], id);
        assert_eq!(rows[0]["changes"][field]["to"], value, "{entity}");
        assert_eq!(rows[0]["changes"]["case_id"]["to"], t.case_id());
    }
    // A refused write is not audited.
    let again = clock("stop", "2026-04-05");
    problem(
        app.post(&format!("{case}/clock-events"), &t.lawyer, &again)
            .await,
        422,
    )
    .await;
    let admin = app.admin_token().await;
    let all = body(
        app.get("/api/v1/audit?entity_type=clock_event", &admin)
            .await,
        200,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

/// A motion to reopen on changed country conditions has no time limit (8 CFR 1003.2(c)(3)(ii),
/// 1003.23(b)(4)(i)): it is recorded as such long after the 90 days, starts no deadline, and
/// only that form may say so.
async fn a_motion_to_reopen_on_changed_country_conditions_is_recorded_without_a_deadline(
    app: TestApp,
) {
    let t = team(&app).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    let order = json!({"kind": "removal_ordered", "authority": "immigration_judge",
                       "decided_on": "2025-01-10", "appeal_waived": true});
    body(
        app.post(&format!("{case}/decisions"), &t.lawyer, &order)
            .await,
        201,
    )
    .await;
    let kinds = |list: &Value| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["kind"].to_string(), d["due_on"].to_string()))
            .collect();
        v.sort();
        v
    };
    let before = body(app.get(&format!("{case}/deadlines"), &t.lawyer).await, 200).await;
    assert!(kinds(&before)
        .iter()
        .any(|(k, _)| k == "\"motion_to_reopen\""));

    let mtr = json!({"form": "motion_to_reopen", "filed_on": "2026-06-01",
                     "changed_country_conditions": true});
    let f = body(
        app.post(&format!("{case}/filings"), &t.lawyer, &mtr).await,
        201,
    )
    .await;
    assert_eq!(f["changed_country_conditions"], true);
    let after = body(app.get(&format!("{case}/deadlines"), &t.lawyer).await, 200).await;
    assert_eq!(
        kinds(&after),
        kinds(&before),
        "no deadline is added or moved"
    );
    let listed = body(
        app.get(&format!("{case}/filings"), &t.caseworker).await,
        200,
    )
    .await;
    assert_eq!(listed["items"][0]["changed_country_conditions"], true);

    // Another form may not claim it, on create or by correction; nothing is written.
    let wrong = json!({"form": "EOIR-26", "filed_on": "2026-06-01",
                       "changed_country_conditions": true});
    let p = problem(
        app.post(&format!("{case}/filings"), &t.lawyer, &wrong)
            .await,
        422,
    )
    .await;
    assert!(message(&p, "changed_country_conditions").contains("motion_to_reopen"));
    assert_eq!(counts(&app, &case, &t.lawyer).await, [1, 0, 1]);
    let path = format!("/api/v1/filings/{}", f["id"].as_str().unwrap());
    let to_eoir = json!({"form": "EOIR-26", "reason": "entered as the wrong form"});
    let p = problem(app.patch(&path, &t.lawyer, &to_eoir).await, 422).await;
    assert!(message(&p, "form").contains("changed country conditions"));
    let plain = json!({"changed_country_conditions": false, "reason": "an ordinary motion"});
    let f = body(app.patch(&path, &t.lawyer, &plain).await, 200).await;
    assert_eq!(f["changed_country_conditions"], false);
    // An ordinary motion filed by default says false.
    let ordinary = json!({"form": "motion_to_reconsider", "filed_on": "2026-06-02"});
    let r = body(
        app.post(&format!("{case}/filings"), &t.lawyer, &ordinary)
            .await,
        201,
    )
    .await;
    assert_eq!(r["changed_country_conditions"], false);
}
