//! Family members of a case (spouse and children, issue 12): recording, correcting and removing
//! them (kept in history), who may, validation, audit, and the `derivative_age_out` deadline a
//! child's 21st birthday starts while the I-589 is unfiled (INA 208(b)(3)(B)).

use chrono::{Days, Months, NaiveDate};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{anon, audit_actions, audit_rows, body, id, invalid, problem, team, TestApp};

both!(
    family_members_are_recorded_corrected_and_removed_with_audit,
    outsiders_get_404_and_nothing_changes,
    a_child_turning_21_before_the_i589_is_warned_until_it_is_filed,
    invalid_fields_are_422_per_field_and_nothing_is_written,
);

fn child(given: &str, born: &str) -> Value {
    json!({"relationship": "child", "given_name": given, "family_name": "Haidari",
           "date_of_birth": born, "derivative": true, "in_united_states": true})
}

fn spouse() -> Value {
    json!({"relationship": "spouse", "given_name": "Karim", "family_name": "Haidari",
           "native_name": "کریم حیدری", "a_number": "123-456-78", "derivative": true})
}

async fn delete_with(app: &TestApp, path: &str, token: &str, b: &Value) -> reqwest::Response {
    app.client
        .delete(app.url(path))
        .bearer_auth(token)
        .json(b)
        .send()
        .await
        .expect("request")
}

/// Every family member of the case as `token` reads it (removed ones included).
async fn members(app: &TestApp, token: &str, case: &str) -> Vec<Value> {
    let list = body(
        app.get(&format!("/api/v1/cases/{case}/family-members"), token)
            .await,
        200,
    )
    .await;
    assert!(list["next_cursor"].is_null(), "one page");
    list["items"].as_array().expect("items").clone()
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
        .expect("items")
        .iter()
        .filter(|d| d["kind"] == kind)
        .cloned()
        .collect()
}

/// Today in the organisation's zone, as the server counts it.
fn org_today(app: &TestApp) -> NaiveDate {
    asylum_tracker::service::org_today(&app.settings)
}

async fn family_members_are_recorded_corrected_and_removed_with_audit(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let path = format!("/api/v1/cases/{case}/family-members");
    let wife = body(app.post(&path, &t.lawyer, &spouse()).await, 201).await;
    assert_eq!(wife["relationship"], "spouse");
    assert_eq!(wife["case_id"], case);
    assert_eq!(wife["a_number"], "A012345678", "normalised like a client's");
    assert_eq!(wife["native_name"], "کریم حیدری");
    assert_eq!(wife["derivative"], true);
    assert_eq!(wife["in_united_states"], false, "absent booleans are false");
    assert!(wife["date_of_birth"].is_null() && wife["turns_21_on"].is_null());
    assert!(wife["removed_at"].is_null());
    let son = body(
        app.post(&path, &t.caseworker, &child("Omid", "2010-06-15"))
            .await,
        201,
    )
    .await;
    assert_eq!(son["turns_21_on"], "2031-06-15");
    // Born on Feb 29: 21 on Feb 28 of the common year (the earlier, safer reading).
    let leap = body(
        app.post(&path, &t.admin, &child("Leila", "2008-02-29"))
            .await,
        201,
    )
    .await;
    assert_eq!(leap["turns_21_on"], "2029-02-28");
    let listed: Vec<String> = members(&app, &t.admin, case).await.iter().map(id).collect();
    assert_eq!(
        listed,
        [id(&wife), id(&son), id(&leap)],
        "in the order recorded"
    );

    // Correct: an absent field is unchanged, null clears an optional one.
    let fix = json!({"given_name": " Omid Reza ", "date_of_birth": "2010-06-16", "a_number": null,
                     "in_united_states": false});
    let son_path = format!("/api/v1/family-members/{}", id(&son));
    let fixed = body(app.patch(&son_path, &t.lawyer, &fix).await, 200).await;
    assert_eq!(fixed["given_name"], "Omid Reza", "trimmed");
    assert_eq!(fixed["family_name"], "Haidari");
    assert_eq!(fixed["turns_21_on"], "2031-06-16");
    assert_eq!(fixed["in_united_states"], false);
    assert_eq!(fixed["derivative"], true);
    let wife_path = format!("/api/v1/family-members/{}", id(&wife));
    let cleared = body(
        app.patch(
            &wife_path,
            &t.lawyer,
            &json!({"a_number": null, "native_name": null}),
        )
        .await,
        200,
    )
    .await;
    assert!(cleared["a_number"].is_null() && cleared["native_name"].is_null());

    // Remove: kept in the list with when, why and by whom; not changed again.
    let why = json!({"reason": "recorded on the wrong case"});
    let removed = body(delete_with(&app, &son_path, &t.caseworker, &why).await, 200).await;
    assert_eq!(removed["removed_reason"], "recorded on the wrong case");
    assert_eq!(removed["removed_by"], t.caseworker_id.as_str());
    assert!(removed["removed_at"].is_string());
    let after = members(&app, &t.lawyer, case).await;
    assert_eq!(after.len(), 3, "a removed member stays in the list");
    assert_eq!(after[1]["removed_reason"], "recorded on the wrong case");
    let again = problem(app.patch(&son_path, &t.lawyer, &fix).await, 409).await;
    assert_eq!(again["errors"][0]["field"], "id");
    problem(delete_with(&app, &son_path, &t.lawyer, &why).await, 409).await;

    // Every write audited, by whom, with what changed and the reason.
    assert_eq!(
        audit_actions(&app, "family_member", &id(&son)).await,
        ["create", "update", "remove"]
    );
    let rows = audit_rows(&app, "family_member", &id(&son)).await; // newest first
    assert_eq!(rows[0]["actor_id"], t.caseworker_id.as_str());
    assert_eq!(rows[0]["changes"]["reason"], "recorded on the wrong case");
    assert_eq!(rows[1]["actor_id"], t.lawyer_id.as_str());
    assert_eq!(rows[1]["changes"]["given_name"]["to"], "Omid Reza");
    assert_eq!(rows[1]["changes"]["date_of_birth"]["from"], "2010-06-15");
    assert!(
        rows[1]["changes"].get("family_name").is_none(),
        "only what changed"
    );
    assert_eq!(rows[2]["actor_id"], t.caseworker_id.as_str());
    assert_eq!(rows[2]["changes"]["case_id"]["to"], case);
    assert_eq!(
        audit_actions(&app, "family_member", &id(&wife)).await,
        ["create", "update"]
    );
    assert_eq!(
        audit_actions(&app, "family_member", &id(&leap)).await,
        ["create"]
    );
}

async fn outsiders_get_404_and_nothing_changes(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let path = format!("/api/v1/cases/{case}/family-members");
    let absent = "/api/v1/cases/no-such-case/family-members";
    let son = body(
        app.post(&path, &t.lawyer, &child("Omid", "2010-06-15"))
            .await,
        201,
    )
    .await;
    let son_path = format!("/api/v1/family-members/{}", id(&son));
    let nobody = "/api/v1/family-members/no-such-member";
    let before = members(&app, &t.admin, case).await;
    let deadlines = of_kind(&app, &t.admin, case, "derivative_age_out").await;
    assert_eq!(deadlines.len(), 1);
    let why = json!({"reason": "not ours"});
    let fix = json!({"given_name": "Changed"});
    for token in t.outsiders() {
        // Each answer is the one for something absent.
        let hidden = problem(app.get(&path, token).await, 404).await;
        assert_eq!(hidden, problem(app.get(absent, token).await, 404).await);
        let hidden = problem(app.post(&path, token, &child("X", "2012-01-01")).await, 404).await;
        assert_eq!(
            hidden,
            problem(
                app.post(absent, token, &child("X", "2012-01-01")).await,
                404
            )
            .await
        );
        let hidden = problem(app.patch(&son_path, token, &fix).await, 404).await;
        assert_eq!(
            hidden,
            problem(app.patch(nobody, token, &fix).await, 404).await
        );
        let hidden = problem(delete_with(&app, &son_path, token, &why).await, 404).await;
        assert_eq!(
            hidden,
            problem(delete_with(&app, nobody, token, &why).await, 404).await
        );
    }
    assert_eq!(
        members(&app, &t.admin, case).await,
        before,
        "nothing changed"
    );
    assert_eq!(
        of_kind(&app, &t.admin, case, "derivative_age_out").await,
        deadlines
    );
    assert_eq!(
        audit_actions(&app, "family_member", &id(&son)).await,
        ["create"],
        "no refused write is audited"
    );
    // The case's insiders all read it.
    for token in t.insiders() {
        assert_eq!(members(&app, token, case).await.len(), 1);
    }
    // No token: 401.
    problem(anon(&app, "GET", &path).await, 401).await;
    problem(anon(&app, "POST", &path).await, 401).await;
    problem(anon(&app, "PATCH", &son_path).await, 401).await;
    problem(anon(&app, "DELETE", &son_path).await, 401).await;
}

async fn a_child_turning_21_before_the_i589_is_warned_until_it_is_filed(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let today = org_today(&app);
    // A child whose 21st birthday is 60 days away, and a spouse (who never ages out).
    let birthday = today + Days::new(60);
    let born = birthday - Months::new(21 * 12);
    let path = format!("/api/v1/cases/{case}/family-members");
    body(app.post(&path, &t.lawyer, &spouse()).await, 201).await;
    let kid = body(
        app.post(&path, &t.lawyer, &child("Omid", &born.to_string()))
            .await,
        201,
    )
    .await;
    // The same day, unless that is a Feb 29 (then `born` is a Feb 28 and so is the birthday).
    let birthday = born + Months::new(21 * 12);
    assert_eq!(kid["turns_21_on"], birthday.to_string());
    // A child without a date of birth gives no row.
    body(
        app.post(
            &path,
            &t.lawyer,
            &json!({"relationship": "child", "given_name": "Sara", "family_name": "Haidari"}),
        )
        .await,
        201,
    )
    .await;

    let rows = of_kind(&app, &t.lawyer, case, "derivative_age_out").await;
    assert_eq!(
        rows.len(),
        1,
        "one row, for the child with a date of birth: {rows:?}"
    );
    let row = &rows[0];
    let due = birthday - Days::new(1);
    assert_eq!(
        row["due_on"],
        due.to_string(),
        "the day before the 21st birthday, not rolled"
    );
    assert_eq!(row["status"], "open");
    assert_eq!(row["source"], "computed");
    assert_eq!(row["rule"], "INA 208(b)(3)(B); INA 101(b)(1)");
    let explanation = row["explanation"].as_str().expect("explanation");
    assert!(explanation.contains(&due.to_string()), "{explanation}");
    for leak in ["Omid", "Haidari", &born.to_string(), &birthday.to_string()] {
        assert!(!explanation.contains(leak), "{leak} in {explanation}");
    }
    // Correcting the date of birth moves it, keeping its id.
    let kid_path = format!("/api/v1/family-members/{}", id(&kid));
    let earlier = born - Days::new(1);
    body(
        app.patch(&kid_path, &t.lawyer, &json!({"date_of_birth": earlier}))
            .await,
        200,
    )
    .await;
    let moved = of_kind(&app, &t.lawyer, case, "derivative_age_out").await;
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["id"], row["id"]);
    assert_eq!(moved[0]["due_on"], (due - Days::new(1)).to_string());
    body(
        app.patch(&kid_path, &t.lawyer, &json!({"date_of_birth": born}))
            .await,
        200,
    )
    .await;

    // A rejected I-589 does not meet it; one filed (today, before the due date) does.
    let filings = format!("/api/v1/cases/{case}/filings");
    let rejected = json!({"form": "I-589", "filed_on": today, "status": "rejected"});
    body(app.post(&filings, &t.lawyer, &rejected).await, 201).await;
    let still = of_kind(&app, &t.lawyer, case, "derivative_age_out").await;
    assert_eq!(still[0]["status"], "open", "a rejected I-589 was not filed");
    let i589 = json!({"form": "I-589", "filed_on": today});
    body(app.post(&filings, &t.caseworker, &i589).await, 201).await;
    let met = of_kind(&app, &t.lawyer, case, "derivative_age_out").await;
    assert_eq!(met.len(), 1);
    assert_eq!(met[0]["id"], row["id"], "the same deadline");
    assert_eq!(met[0]["status"], "met");
    assert_eq!(met[0]["due_on"], due.to_string());

    // Removing the child supersedes it (kept, out of the open lists), never deletes it.
    let why = json!({"reason": "the child is recorded on the other parent's case"});
    body(delete_with(&app, &kid_path, &t.lawyer, &why).await, 200).await;
    let gone = of_kind(&app, &t.lawyer, case, "derivative_age_out").await;
    assert_eq!(gone.len(), 1, "kept");
    assert_eq!(gone[0]["id"], row["id"]);
    assert_eq!(gone[0]["status"], "superseded");
    let recomputes = audit_rows(&app, "case", case).await;
    assert!(
        recomputes.iter().any(|r| r["action"] == "recompute"
            && r["changes"]["because"]
                .as_str()
                .is_some_and(|b| b.contains("removed"))
            && r["changes"]["superseded"] == json!([row["id"]])),
        "the recompute says which and why: {recomputes:?}"
    );

    // A child already 21 when recorded still gets the row: missed, since the I-589 on file
    // went in after the birthday (the child needs an application of their own).
    let adult = body(
        app.post(&path, &t.lawyer, &child("Farid", "1990-03-10"))
            .await,
        201,
    )
    .await;
    let late: Vec<Value> = of_kind(&app, &t.lawyer, case, "derivative_age_out")
        .await
        .into_iter()
        .filter(|d| d["status"] != "superseded")
        .collect();
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0]["due_on"], "2011-03-09");
    assert_eq!(
        late[0]["status"], "missed",
        "not met by an I-589 filed at 21 or older"
    );
    assert_eq!(adult["turns_21_on"], "2011-03-10");
}

async fn invalid_fields_are_422_per_field_and_nothing_is_written(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let path = format!("/api/v1/cases/{case}/family-members");
    let tomorrow = org_today(&app) + Days::new(1);
    let long = "x".repeat(201);
    let bad = json!({"relationship": "cousin", "given_name": "  ", "family_name": long,
                     "native_name": long, "date_of_birth": tomorrow, "a_number": "A12"});
    let mut fields = invalid(app.post(&path, &t.lawyer, &bad).await).await;
    fields.sort();
    assert_eq!(
        fields,
        [
            "a_number",
            "date_of_birth",
            "family_name",
            "given_name",
            "native_name",
            "relationship"
        ]
    );
    let mut missing = invalid(app.post(&path, &t.lawyer, &json!({})).await).await;
    missing.sort();
    assert_eq!(missing, ["family_name", "given_name", "relationship"]);
    let unknown = json!({"relationship": "child", "given_name": "A", "family_name": "B",
                         "married": false});
    assert_eq!(
        invalid(app.post(&path, &t.lawyer, &unknown).await).await,
        ["married"]
    );
    let not_a_date = json!({"relationship": "child", "given_name": "A", "family_name": "B",
                            "date_of_birth": "2010-02-30"});
    assert_eq!(
        invalid(app.post(&path, &t.lawyer, &not_a_date).await).await,
        ["date_of_birth"]
    );
    let null_name = json!({"relationship": "child", "given_name": null, "family_name": "B"});
    assert_eq!(
        invalid(app.post(&path, &t.lawyer, &null_name).await).await,
        ["given_name"]
    );
    assert!(
        members(&app, &t.admin, case).await.is_empty(),
        "nothing written"
    );
    assert!(of_kind(&app, &t.admin, case, "derivative_age_out")
        .await
        .is_empty());

    // A correction is checked the same way, every field at once, and changes nothing when refused.
    let son = body(
        app.post(&path, &t.lawyer, &child("Omid", "2010-06-15"))
            .await,
        201,
    )
    .await;
    let son_path = format!("/api/v1/family-members/{}", id(&son));
    // What does not parse (null for a field that cannot be cleared, an unknown field) is named
    // before the values are judged.
    let unparsed = json!({"relationship": null, "derivative": null, "nickname": "O"});
    let mut fields = invalid(app.patch(&son_path, &t.lawyer, &unparsed).await).await;
    fields.sort();
    assert_eq!(fields, ["derivative", "nickname", "relationship"]);
    let bad_fix = json!({"relationship": "niece", "family_name": "", "date_of_birth": tomorrow,
                         "a_number": "0000000"});
    let mut fields = invalid(app.patch(&son_path, &t.lawyer, &bad_fix).await).await;
    fields.sort();
    assert_eq!(
        fields,
        ["a_number", "date_of_birth", "family_name", "relationship"]
    );
    assert_eq!(
        members(&app, &t.admin, case).await,
        vec![son.clone()],
        "unchanged"
    );
    let blank =
        invalid(delete_with(&app, &son_path, &t.lawyer, &json!({"reason": " "})).await).await;
    assert_eq!(blank, ["reason"]);
    assert_eq!(
        invalid(delete_with(&app, &son_path, &t.lawyer, &json!({})).await).await,
        ["reason"]
    );
    assert_eq!(
        members(&app, &t.admin, case).await,
        vec![son.clone()],
        "still there"
    );
    assert_eq!(
        audit_actions(&app, "family_member", &id(&son)).await,
        ["create"]
    );
}
