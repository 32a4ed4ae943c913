//! OWASP API1 broken object-level authorisation, beyond the matrix (`matrix`: every id-taking
//! operation × every role × a peer of the same role): no list, search or feed shows a peer a
//! record of a case they are not on; an id inside a body (a case's client) is authorised like an
//! id in a path; a client its creator made, before it has a case, is that creator's alone (a
//! peer of the same role gets 404 exactly as for an absent id); and ids cannot be guessed
//! (random UUIDs; a case's human reference opens nothing).

use serde_json::{json, Value};

use super::doc;
use super::matrix::{fixture, send};
use crate::both;
use crate::helpers::{
    body, client_body, create_case, create_client, id, problem, sees_client, TestApp,
};

both!(
    no_list_search_or_feed_shows_a_peer_a_record,
    an_id_in_a_body_is_authorised_like_one_in_a_path,
    a_creators_client_is_theirs_alone_until_it_has_a_case,
    ids_cannot_be_guessed,
);

/// Every GET of the document without a path id (the lists), the search and each outsider's own
/// calendar feed, as the two peers who are not on the case: none carries an id of the case's
/// records, its reference, or its client's names or A-number.
async fn no_list_search_or_feed_shows_a_peer_a_record(app: TestApp) {
    let document = doc::document(&app).await;
    let f = fixture(&app).await;
    let t = &f.team;
    let mut secret: Vec<String> = f
        .ids
        .iter()
        .filter(|(k, _)| !["users", "user_id", "sessions", "token"].contains(k))
        .map(|(_, v)| v.clone())
        .collect();
    let reference = t.case["reference"].as_str().expect("reference").to_string();
    secret.extend([reference, "Haidari".to_string(), "201234567".to_string()]);
    let mut lists = 0;
    for o in doc::operations(&document) {
        if o.method != "GET" || o.path.contains('{') || o.path == "/api/v1/openapi.json" {
            continue;
        }
        for (who, token) in [
            ("other lawyer", &t.other_lawyer),
            ("other caseworker", &t.other_caseworker),
        ] {
            // Wide open filters, where the list has them.
            let path = match o.path.as_str() {
                "/api/v1/hearings" | "/api/v1/deadlines" => {
                    format!("{}?from=1900-01-01&to=2199-12-31&limit=200", o.path)
                }
                "/api/v1/clients" => format!("{}?include_archived=true&limit=200", o.path),
                p => format!("{p}?limit=200"),
            };
            let (status, got) = send(&app, "GET", &path, Some(token), &None).await;
            if status == 403 {
                continue;
            }
            assert_eq!(status, 200, "GET {path} as {who}: {got}");
            lists += 1;
            let text = got.to_string();
            for s in &secret {
                assert!(!text.contains(s.as_str()), "GET {path} shows {who} `{s}`");
            }
        }
    }
    assert!(lists >= 16, "only {lists} lists read");
    for token in t.outsiders() {
        for q in ["Haidari", "Amina", "A201234567", "201-234-567"] {
            let found = app
                .post("/api/v1/clients/search", token, &json!({"q": q}))
                .await;
            assert_eq!(body(found, 200).await["items"], json!([]), "search {q}");
        }
        let filtered = format!("/api/v1/cases?client_id={}", t.client_id());
        let (status, got) = send(&app, "GET", &filtered, Some(token), &None).await;
        assert!(status == 200 && got["items"] == json!([]) || status == 404 || status == 422);
        let feed = body(
            app.post("/api/v1/me/calendar-token", token, &json!({}))
                .await,
            200,
        )
        .await;
        let url = feed["url"].as_str().expect("url");
        let path = url.trim_start_matches("https://tracker.test");
        let ics = app.client.get(app.url(path)).send().await.expect("feed");
        let text = ics.text().await.expect("feed text");
        for s in &secret {
            assert!(!text.contains(s.as_str()), "a peer's feed shows `{s}`");
        }
    }
}

/// A case opened by a peer for the team's client is refused exactly as for an absent client
/// (the same status and body), and nothing is opened.
async fn an_id_in_a_body_is_authorised_like_one_in_a_path(app: TestApp) {
    let f = fixture(&app).await;
    let t = &f.team;
    let cases_before = body(app.get("/api/v1/cases?limit=200", &t.admin).await, 200).await;
    let absent = json!({"client_id": uuid::Uuid::new_v4().to_string(), "kind": "affirmative"});
    let theirs = json!({"client_id": t.client_id(), "kind": "affirmative"});
    for token in t.outsiders() {
        let none = send(
            &app,
            "POST",
            "/api/v1/cases",
            Some(token),
            &Some(absent.clone()),
        )
        .await;
        let real = send(
            &app,
            "POST",
            "/api/v1/cases",
            Some(token),
            &Some(theirs.clone()),
        )
        .await;
        assert!(
            matches!(real.0, 404 | 422),
            "a peer's case for the team's client: {real:?}"
        );
        assert_eq!(
            none, real,
            "a peer's case for the team's client: as for an absent one"
        );
    }
    let cases_after = body(app.get("/api/v1/cases?limit=200", &t.admin).await, 200).await;
    assert_eq!(cases_before, cases_after, "nothing was opened");
    // The path ids are the matrix's; the same id under another case's path is no way in.
    let other_client = create_client(&app, &t.other_lawyer, &client_body("Sami", "Rostami")).await;
    let other_case = create_case(&app, &t.other_lawyer, &id(&other_client), json!({})).await;
    let notes = format!("/api/v1/cases/{}/notes", id(&other_case));
    let listed = body(app.get(&notes, &t.other_lawyer).await, 200).await;
    assert_eq!(
        listed["items"],
        json!([]),
        "another case lists none of the team's notes"
    );
}

/// A client a caseworker creates, before any case: only they (and admins) see it; the other
/// caseworker and the lawyers get 404 exactly as for an absent client on every client
/// operation, and lists and search agree; once a case is opened without them, the creator no
/// longer sees it either.
async fn a_creators_client_is_theirs_alone_until_it_has_a_case(app: TestApp) {
    let f = fixture(&app).await;
    let t = &f.team;
    let mine = create_client(&app, &t.other_caseworker, &client_body("Zahra", "Ebrahimi")).await;
    let client = id(&mine);
    let absent = uuid::Uuid::new_v4().to_string();
    let note = json!({"body": "Asked about school"});
    let rename = json!({"native_name": "Zara"});
    for (who, token) in [
        ("a caseworker", &t.caseworker),
        ("a lawyer", &t.lawyer),
        ("another lawyer", &t.other_lawyer),
    ] {
        for (method, sub, b) in [
            ("GET", "", None),
            ("PATCH", "", Some(rename.clone())),
            ("GET", "/notes", None),
            ("POST", "/notes", Some(note.clone())),
        ] {
            let real = send(
                &app,
                method,
                &format!("/api/v1/clients/{client}{sub}"),
                Some(token),
                &b,
            )
            .await;
            let none = send(
                &app,
                method,
                &format!("/api/v1/clients/{absent}{sub}"),
                Some(token),
                &b,
            )
            .await;
            assert_eq!(real.0, 404, "{method} {sub} as {who}: {}", real.1);
            assert_eq!(
                real, none,
                "{method} {sub} as {who}: as for an absent client"
            );
        }
        assert!(
            !sees_client(&app, token, &client, "Ebrahimi").await,
            "{who}"
        );
    }
    assert!(sees_client(&app, &t.other_caseworker, &client, "Ebrahimi").await);
    assert!(sees_client(&app, &t.admin, &client, "Ebrahimi").await);
    let unchanged = body(
        app.get(&format!("/api/v1/clients/{client}"), &t.admin)
            .await,
        200,
    )
    .await;
    assert_eq!(unchanged["native_name"], Value::Null, "no peer renamed it");
    // A case without the creator: the client is the case team's now.
    create_case(
        &app,
        &t.admin,
        &client,
        json!({"lawyer_ids": [t.lawyer_id]}),
    )
    .await;
    assert!(!sees_client(&app, &t.other_caseworker, &client, "Ebrahimi").await);
    assert!(sees_client(&app, &t.lawyer, &client, "Ebrahimi").await);
}

/// Ids are random UUIDs (version 4, so nothing counts up), and a case's human reference,
/// which reminders carry, opens nothing.
async fn ids_cannot_be_guessed(app: TestApp) {
    let f = fixture(&app).await;
    for (what, v) in f.ids.iter().filter(|(k, _)| **k != "token") {
        let parsed = uuid::Uuid::parse_str(v).unwrap_or_else(|_| panic!("{what} id {v}"));
        assert_eq!(parsed.get_version_num(), 4, "{what} id {v}");
    }
    let reference = f.team.case["reference"].as_str().expect("reference");
    problem(
        app.get(&format!("/api/v1/cases/{reference}"), &f.team.admin)
            .await,
        404,
    )
    .await;
}
