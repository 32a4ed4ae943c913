//! Calendar feeds: RFC 5545 that an independent parser reads, hearings with their zone, no names,
//! conditional requests, and token rotation.

use std::io::BufReader;

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{body, problem, reset_link_token, user_id, TestApp, USER_PASSWORD};

both!(
    feed_is_icalendar_with_zones_and_no_names,
    rotated_token_revokes_the_old_feed,
    feed_follows_rfc5545_and_leaves_out_closed_cases,
    password_change_reset_and_deactivation_revoke_the_feed,
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

/// A case of `token`'s user at the El Paso court (America/Denver) with a hearing at `at`.
async fn case_with_hearing(app: &TestApp, token: &str, at: &str) -> (String, String) {
    let client = body(
        app.post(
            "/api/v1/clients",
            token,
            &json!({"given_name": "Ana", "family_name": "Pérez", "last_arrival_on": "2026-02-01"}),
        )
        .await,
        201,
    )
    .await;
    let case = body(
        app.post(
            "/api/v1/cases",
            token,
            &json!({"client_id": client["id"], "kind": "defensive", "court_code": "el-paso"}),
        )
        .await,
        201,
    )
    .await;
    let id = case["id"].as_str().unwrap().to_string();
    body(
        app.post(
            &format!("/api/v1/cases/{id}/hearings"),
            token,
            &json!({"kind": "individual", "starts_at_local": at}),
        )
        .await,
        201,
    )
    .await;
    (id, case["reference"].as_str().unwrap().to_string())
}

fn prop<'a>(
    props: &'a [ical::property::Property],
    name: &str,
) -> Option<&'a ical::property::Property> {
    props.iter().find(|p| p.name == name)
}

fn param(p: &ical::property::Property, name: &str) -> Option<String> {
    p.params
        .as_ref()?
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.first().cloned())
}

/// RFC 5545 through an independent parser: a VTIMEZONE for every TZID used, with the zone's
/// transitions (§3.6.5); all-day events end the next day (§3.6.1: DTEND is exclusive); hearings
/// carry a LOCATION (the court); a closed case's items are left out.
async fn feed_follows_rfc5545_and_leaves_out_closed_cases(app: TestApp) {
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let (_open, open_ref) = case_with_hearing(&app, &lawyer, "2027-03-16T09:00").await;
    let (closed, closed_ref) = case_with_hearing(&app, &lawyer, "2027-04-20T10:00").await;
    body(
        app.patch(
            &format!("/api/v1/cases/{closed}"),
            &lawyer,
            &json!({"status": "closed", "closed_reason": "other"}),
        )
        .await,
        200,
    )
    .await;
    let url: Value = body(
        app.post("/api/v1/me/calendar-token", &lawyer, &json!({}))
            .await,
        200,
    )
    .await;
    let path = url["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://tracker.test")
        .to_string();
    let res = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(text.contains(&open_ref));
    assert!(
        !text.contains(&closed_ref),
        "a closed case's items are in the feed"
    );

    let cal = ical::IcalParser::new(BufReader::new(text.as_bytes()))
        .next()
        .expect("one calendar")
        .expect("parses as iCalendar");
    // Every TZID used has its VTIMEZONE.
    let mut used: Vec<String> = cal
        .events
        .iter()
        .flat_map(|e| e.properties.iter())
        .filter_map(|p| param(p, "TZID"))
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used, ["America/Denver"]);
    for tzid in &used {
        let zone = cal
            .timezones
            .iter()
            .find(|z| prop(&z.properties, "TZID").and_then(|p| p.value.as_deref()) == Some(tzid))
            .unwrap_or_else(|| panic!("no VTIMEZONE for {tzid}: {text}"));
        // Denver in 2027: daylight time from 14 March 02:00 (-0700 -> -0600), standard from
        // 7 November 02:00 (-0600 -> -0700).
        let found = |kind: &str, start: &str, from: &str, to: &str| {
            zone.transitions.iter().any(|t| {
                format!("{:?}", t.transition).to_uppercase() == kind
                    && prop(&t.properties, "DTSTART").and_then(|p| p.value.as_deref())
                        == Some(start)
                    && prop(&t.properties, "TZOFFSETFROM").and_then(|p| p.value.as_deref())
                        == Some(from)
                    && prop(&t.properties, "TZOFFSETTO").and_then(|p| p.value.as_deref())
                        == Some(to)
            })
        };
        assert!(
            found("DAYLIGHT", "20270314T020000", "-0700", "-0600"),
            "{text}"
        );
        assert!(
            found("STANDARD", "20271107T020000", "-0600", "-0700"),
            "{text}"
        );
    }
    // The hearing: in its zone, at its court.
    let hearing = cal
        .events
        .iter()
        .find(|e| {
            prop(&e.properties, "DTSTART").and_then(|p| p.value.as_deref())
                == Some("20270316T090000")
        })
        .expect("the open case's hearing");
    let location = prop(&hearing.properties, "LOCATION")
        .and_then(|p| p.value.clone())
        .expect("LOCATION");
    assert!(location.contains("El Paso Immigration Court"), "{location}");
    // All-day events (deadlines) end the next day.
    let mut all_day = 0;
    for e in &cal.events {
        let start = prop(&e.properties, "DTSTART").unwrap();
        if param(start, "VALUE").as_deref() != Some("DATE") {
            continue;
        }
        all_day += 1;
        let end = prop(&e.properties, "DTEND").expect("DTEND on an all-day event");
        assert_eq!(param(end, "VALUE").as_deref(), Some("DATE"));
        let day = |p: &ical::property::Property| {
            chrono::NaiveDate::parse_from_str(p.value.as_deref().unwrap(), "%Y%m%d").unwrap()
        };
        assert_eq!(day(end), day(start).succ_opt().unwrap());
    }
    assert!(all_day > 0, "the open case's deadlines are all-day events");
}

/// A new feed address of `token`'s user, as a path, after checking that it works.
async fn working_feed(app: &TestApp, token: &str) -> String {
    let res = app
        .post("/api/v1/me/calendar-token", token, &json!({}))
        .await;
    let url = body(res, 200).await["url"].as_str().unwrap().to_string();
    let path = url.trim_start_matches("https://tracker.test").to_string();
    let res = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "the new feed works");
    path
}

async fn feed_gone(app: &TestApp, path: &str, after: &str) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 404, "feed still answers after {after}");
    problem(res, 404).await;
}

/// The feed address is a credential of the account: whatever ends the account's other
/// credentials (a new password, by change or by reset link; deactivation) ends it too, and a
/// reactivated account does not get the old address back.
async fn password_change_reset_and_deactivation_revoke_the_feed(app: TestApp) {
    let email = "feed@test.org";
    let token = app.token_for(email, "caseworker").await;
    let path = working_feed(&app, &token).await;
    let changed = "Quiet meadow under copper sky 31";
    let res = app
        .post(
            "/api/v1/me/password",
            &token,
            &json!({"current_password": USER_PASSWORD, "new_password": changed}),
        )
        .await;
    assert_eq!(res.status(), 204);
    feed_gone(&app, &path, "a password change").await;

    let token = app.session(email, changed).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let path = working_feed(&app, &token).await;
    let res = app
        .post_anon("/api/v1/auth/password-reset", &json!({"email": email}))
        .await;
    assert_eq!(res.status(), 202);
    let mails = app.inbox.wait_for(1).await;
    let reset = reset_link_token(&mails.last().expect("a reset mail").raw);
    let reset_to = "Amber lighthouse beyond the dunes 58";
    let res = app
        .post_anon(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": reset, "new_password": reset_to}),
        )
        .await;
    assert_eq!(res.status(), 204);
    feed_gone(&app, &path, "a password reset").await;

    let token = app.session(email, reset_to).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let path = working_feed(&app, &token).await;
    let admin = app.admin_token().await;
    let user = format!("/api/v1/users/{}", user_id(&app, &token).await);
    body(
        app.patch(&user, &admin, &json!({"active": false})).await,
        200,
    )
    .await;
    feed_gone(&app, &path, "deactivation").await;
    body(
        app.patch(&user, &admin, &json!({"active": true})).await,
        200,
    )
    .await;
    feed_gone(&app, &path, "deactivation and reactivation").await;
}
