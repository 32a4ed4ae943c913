//! Calendar feeds: RFC 5545 that an independent parser reads, hearings with their zone, no names,
//! conditional requests, and token rotation.

use std::io::BufReader;

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{problem, TestApp};

both!(
    feed_is_icalendar_with_zones_and_no_names,
    rotated_token_revokes_the_old_feed
);

async fn feed_is_icalendar_with_zones_and_no_names(app: TestApp) {
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let client: Value = app
        .post("/api/v1/clients", &lawyer, &json!({"given_name": "Wei", "family_name": "Zhang", "native_name": "张伟", "a_number": "A087654321", "last_arrival_on": "2026-02-01"}))
        .await
        .json()
        .await
        .unwrap();
    let case: Value = app
        .post(
            "/api/v1/cases",
            &lawyer,
            &json!({"client_id": client["id"], "kind": "defensive", "court_code": "el-paso"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let case_id = case["id"].as_str().unwrap();
    let reference = case["reference"].as_str().unwrap();
    app.post(
        &format!("/api/v1/cases/{case_id}/hearings"),
        &lawyer,
        &json!({"kind": "master_calendar", "starts_at_local": "2027-03-16T09:00"}),
    )
    .await;

    let res = app
        .post("/api/v1/me/calendar-token", &lawyer, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with("https://tracker.test/calendar/") && url.ends_with(".ics"));
    let path = url.trim_start_matches("https://tracker.test");
    let res = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert!(res.headers().contains_key("last-modified"));
    let body = res.text().await.unwrap();

    for leak in ["Zhang", "张伟", "Wei", "087654321"] {
        assert!(!body.contains(leak), "feed leaks {leak}");
    }
    let mut parser = ical::IcalParser::new(BufReader::new(body.as_bytes()));
    let cal = parser
        .next()
        .expect("one calendar")
        .expect("parses as iCalendar");
    let hearing = cal
        .events
        .iter()
        .find(|e| {
            e.properties.iter().any(|p| {
                p.name == "SUMMARY"
                    && p.value
                        .as_deref()
                        .is_some_and(|v| v.contains("Master calendar"))
            })
        })
        .expect("the hearing is an event");
    let start = hearing
        .properties
        .iter()
        .find(|p| p.name == "DTSTART")
        .unwrap();
    let params = start.params.clone().unwrap_or_default();
    assert!(
        params
            .iter()
            .any(|(k, v)| k == "TZID" && v == &vec!["America/Denver".to_string()]),
        "TZID: {params:?}"
    );
    assert_eq!(start.value.as_deref(), Some("20270316T090000"));
    let summary = hearing
        .properties
        .iter()
        .find(|p| p.name == "SUMMARY")
        .unwrap()
        .value
        .clone()
        .unwrap();
    assert!(summary.contains(reference));
    // Deadlines are all-day events (the one-year filing deadline).
    let all_day = cal.events.iter().any(|e| {
        e.properties.iter().any(|p| {
            p.name == "DTSTART"
                && p.params
                    .clone()
                    .unwrap_or_default()
                    .iter()
                    .any(|(k, v)| k == "VALUE" && v == &vec!["DATE".to_string()])
        })
    });
    assert!(all_day);

    // Unchanged: 304 for the same ETag.
    let res = app
        .client
        .get(app.url(path))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    // The feed endpoint does not take bearer tokens in place of the secret.
    problem(
        app.client
            .get(app.url("/calendar/not-a-token.ics"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(
        app.client
            .post(app.url("/api/v1/me/calendar-token"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
}

async fn rotated_token_revokes_the_old_feed(app: TestApp) {
    let token = app.token_for("cw@test.org", "caseworker").await;
    let first: Value = app
        .post("/api/v1/me/calendar-token", &token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let second: Value = app
        .post("/api/v1/me/calendar-token", &token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let p1 = first["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://tracker.test")
        .to_string();
    let p2 = second["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://tracker.test")
        .to_string();
    assert_ne!(p1, p2);
    problem(app.client.get(app.url(&p1)).send().await.unwrap(), 404).await;
    assert_eq!(
        app.client.get(app.url(&p2)).send().await.unwrap().status(),
        200
    );
    // A deactivated user's feed stops too.
    let admin = app.admin_token().await;
    let me: Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
    app.patch(
        &format!("/api/v1/users/{}", me["id"].as_str().unwrap()),
        &admin,
        &json!({"active": false}),
    )
    .await;
    problem(app.client.get(app.url(&p2)).send().await.unwrap(), 404).await;
}
