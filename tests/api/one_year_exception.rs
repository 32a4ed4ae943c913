//! The exception to the one-year filing bar a case claims (8 CFR 208.4(a)(4) changed, (a)(5)
//! extraordinary circumstances): claimed, replaced and withdrawn, kept in history and audited;
//! the one-year deadline does not move; outsiders 404; invalid bodies 422 per field.

use asylum_tracker::db::run_db;
use asylum_tracker::db::schema::one_year_exceptions;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{audit_actions, audit_rows, body, invalid, problem, team, TestApp};

both!(
    an_exception_is_claimed_replaced_and_withdrawn_with_audit,
    outsiders_get_404_and_invalid_bodies_422,
);

async fn delete_with(app: &TestApp, path: &str, token: &str, b: &Value) -> reqwest::Response {
    app.client
        .delete(app.url(path))
        .bearer_auth(token)
        .json(b)
        .send()
        .await
        .expect("request")
}

/// The case's one-year filing deadline (due date, explanation, id).
async fn one_year(app: &TestApp, token: &str, case: &str) -> Value {
    let list = body(
        app.get(&format!("/api/v1/cases/{case}/deadlines"), token)
            .await,
        200,
    )
    .await;
    let row = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["kind"] == "one_year_filing")
        .expect("one_year_filing")
        .clone();
    json!({"id": row["id"], "due_on": row["due_on"], "explanation": row["explanation"]})
}

/// Every claim row of a case, withdrawn ones included (nothing is deleted).
async fn stored(app: &TestApp, case: &str) -> Vec<(String, Option<String>)> {
    let case = case.to_string();
    run_db(&app.pool, move |conn| {
        Ok(one_year_exceptions::table
            .filter(one_year_exceptions::case_id.eq(case))
            .order(one_year_exceptions::claimed_at)
            .select((
                one_year_exceptions::kind,
                one_year_exceptions::withdrawn_reason,
            ))
            .load(conn)?)
    })
    .await
    .expect("claims")
}

async fn an_exception_is_claimed_replaced_and_withdrawn_with_audit(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let path = format!("/api/v1/cases/{case}/one-year-exception");
    let none = body(app.get(&path, &t.caseworker).await, 200).await;
    assert_eq!(
        none,
        json!({"case_id": case, "kind": null, "note": null, "claimed_by": null, "claimed_at": null}),
        "none claimed: 200 with nulls, not 404"
    );
    let deadline = one_year(&app, &t.admin, case).await;

    let changed = json!({"kind": "changed_circumstances", "note": "  coup in March  "});
    let claimed = body(app.put(&path, &t.lawyer, &changed).await, 200).await;
    assert_eq!(claimed["kind"], "changed_circumstances");
    assert_eq!(claimed["note"], "coup in March", "trimmed");
    assert_eq!(claimed["claimed_by"], t.lawyer_id.as_str());
    assert!(claimed["claimed_at"].is_string());
    assert_eq!(body(app.get(&path, &t.admin).await, 200).await, claimed);
    // The same claim again writes nothing.
    assert_eq!(
        body(app.put(&path, &t.lawyer, &changed).await, 200).await,
        claimed
    );
    assert_eq!(
        audit_actions(&app, "one_year_exception", case).await,
        ["claim"]
    );

    let other = json!({"kind": "extraordinary_circumstances"});
    let replaced = body(app.put(&path, &t.caseworker, &other).await, 200).await;
    assert_eq!(replaced["kind"], "extraordinary_circumstances");
    assert!(replaced["note"].is_null());
    assert_eq!(replaced["claimed_by"], t.caseworker_id.as_str());

    let why = json!({"reason": "the new counsel argues the bar does not apply"});
    let withdrawn = body(delete_with(&app, &path, &t.lawyer, &why).await, 200).await;
    assert_eq!(withdrawn, none);
    assert_eq!(body(app.get(&path, &t.lawyer).await, 200).await, none);
    // Withdrawing with none standing writes nothing.
    assert_eq!(
        body(delete_with(&app, &path, &t.lawyer, &why).await, 200).await,
        none
    );

    assert_eq!(
        audit_actions(&app, "one_year_exception", case).await,
        ["claim", "claim", "withdraw"]
    );
    let rows = audit_rows(&app, "one_year_exception", case).await; // newest first
    assert_eq!(rows[0]["actor_id"], t.lawyer_id.as_str());
    assert_eq!(
        rows[0]["changes"]["reason"],
        "the new counsel argues the bar does not apply"
    );
    assert_eq!(
        rows[0]["changes"]["kind"]["from"],
        "extraordinary_circumstances"
    );
    assert_eq!(rows[1]["changes"]["kind"]["from"], "changed_circumstances");
    assert_eq!(
        rows[1]["changes"]["kind"]["to"],
        "extraordinary_circumstances"
    );
    assert_eq!(rows[2]["changes"]["note"]["to"], "coup in March");
    // Every claim is kept, each replaced or withdrawn one with its reason.
    assert_eq!(
        stored(&app, case).await,
        [
            (
                "changed_circumstances".to_string(),
                Some("replaced by a new claim".to_string())
            ),
            (
                "extraordinary_circumstances".to_string(),
                Some("the new counsel argues the bar does not apply".to_string())
            ),
        ]
    );
    // An argument, not a date: the one-year deadline is untouched.
    assert_eq!(one_year(&app, &t.admin, case).await, deadline);
}

async fn outsiders_get_404_and_invalid_bodies_422(app: TestApp) {
    let t = team(&app).await;
    let case = t.case_id();
    let path = format!("/api/v1/cases/{case}/one-year-exception");
    let absent = "/api/v1/cases/no-such-case/one-year-exception";
    let claim = json!({"kind": "changed_circumstances"});
    let why = json!({"reason": "no"});
    for token in t.outsiders() {
        let hidden = problem(app.get(&path, token).await, 404).await;
        assert_eq!(hidden, problem(app.get(absent, token).await, 404).await);
        let hidden = problem(app.put(&path, token, &claim).await, 404).await;
        assert_eq!(
            hidden,
            problem(app.put(absent, token, &claim).await, 404).await
        );
        let hidden = problem(delete_with(&app, &path, token, &why).await, 404).await;
        assert_eq!(
            hidden,
            problem(delete_with(&app, absent, token, &why).await, 404).await
        );
    }
    assert!(stored(&app, case).await.is_empty(), "nothing written");

    let bad = json!({"kind": "hardship", "note": "x".repeat(2001)});
    let mut fields = invalid(app.put(&path, &t.lawyer, &bad).await).await;
    fields.sort();
    assert_eq!(fields, ["kind", "note"]);
    let unknown = json!({"kind": "changed_circumstances", "filed_within": "6 months"});
    assert_eq!(
        invalid(app.put(&path, &t.lawyer, &unknown).await).await,
        ["filed_within"]
    );
    assert_eq!(
        invalid(app.put(&path, &t.lawyer, &json!({})).await).await,
        ["kind"]
    );
    body(app.put(&path, &t.lawyer, &claim).await, 200).await;
    assert_eq!(
        invalid(delete_with(&app, &path, &t.lawyer, &json!({"reason": ""})).await).await,
        ["reason"]
    );
    assert_eq!(
        body(app.get(&path, &t.lawyer).await, 200).await["kind"],
        "changed_circumstances",
        "a refused withdrawal leaves the claim"
    );
    assert_eq!(
        audit_actions(&app, "one_year_exception", case).await,
        ["claim"]
    );
}
