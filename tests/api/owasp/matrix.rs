//! The authorisation matrix (OWASP API1 object level, API5 function level): every operation of
//! the served OpenAPI document has a row here saying who may call it, and a document operation
//! without a row (or a row without an operation) fails the test, so a new endpoint cannot ship
//! without its rule. Each row is then tried for real on one fixture: anonymous callers get 401,
//! roles that may not call it 403, peers of the same role who are not on the case 404 exactly as
//! for an absent id (and nothing changes), and those who may are let through (any answer but
//! 401/403/404: 422 and 409 still prove the request passed authorisation).
//!
//! Bodies are valid ones, not `{}`: the body's shape (and a correction's `reason`) is checked
//! before the case's visibility, for any id alike, so an outsider's `{}` is 422 whether or not
//! the record exists (no existence leaks) and would never reach the check this test is about.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{body, id, team, user_id, Team, TestApp};

both!(every_operation_has_an_authorisation_row_and_keeps_it);

/// Who may call an operation (README "Who may call what", and each route's doc comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// No credential at all.
    Public,
    /// No bearer token: the credential is in the body or the path (sign-in, reset, the feed).
    Credential,
    /// Any signed-in user; lists show visible records only.
    AnySignedIn,
    /// Any signed-in user, their own record only (a peer's is 404).
    Own,
    /// Admins only (403 for others).
    Admin,
    /// Admins and users assigned to the case (404 for others, as for an absent id).
    CaseTeam,
    /// Admins and the case's lawyers (403 for its caseworkers, 404 for others).
    CaseLawyersAndAdmins,
    /// The note's author (403 for others who see it, 404 for those who do not).
    Author,
}

use Who::*;

/// method, path template, who, a valid body (`""`: none; `{client_id}` is filled in). Rows that
/// would end what later checks need are aimed at records of their own: logout at a throwaway
/// user (it ends every session of the caller), session deletion at the lawyer's second session,
/// the admin's user edits and MFA reset at a user no other check uses (renamed, not
/// deactivated: deactivation is an edit of the same operation, left to tests/api/users.rs).
#[rustfmt::skip]
pub const ROWS: &[(&str, &str, Who, &str)] = &[
    ("GET", "/health", Public, ""),
    ("GET", "/ready", Public, ""),
    ("GET", "/api/v1/openapi.json", Public, ""),
    ("GET", "/calendar/{token}.ics", Credential, ""),
    ("POST", "/api/v1/auth/login", Credential, r#"{"email":"nobody@test.org","password":"Not the password at all 1"}"#),
    ("POST", "/api/v1/auth/mfa", Credential, r#"{"challenge_token":"not-a-challenge","code":"000000"}"#),
    ("POST", "/api/v1/auth/refresh", Credential, r#"{"refresh_token":"not-a-refresh-token"}"#),
    ("POST", "/api/v1/auth/password-reset", Credential, r#"{"email":"nobody@test.org"}"#),
    ("POST", "/api/v1/auth/password-reset/confirm", Credential, r#"{"token":"not-a-reset-token","new_password":"Quiet orchards beneath winter 9"}"#),
    // Logout ends every session of the caller: only a throwaway user's is ended.
    ("POST", "/api/v1/auth/logout", AnySignedIn, "{}"),
    ("GET", "/api/v1/me", AnySignedIn, ""),
    ("PATCH", "/api/v1/me", AnySignedIn, "{}"),
    // A wrong current password: 401/422, and so nobody's password changes here.
    ("POST", "/api/v1/me/password", AnySignedIn, r#"{"current_password":"Not the password at all 1","new_password":"Quiet orchards beneath winter 9"}"#),
    ("POST", "/api/v1/me/mfa/totp", AnySignedIn, "{}"),
    ("POST", "/api/v1/me/mfa/totp/confirm", AnySignedIn, r#"{"code":"000000"}"#),
    ("DELETE", "/api/v1/me/mfa/totp", AnySignedIn, r#"{"password":"Not the password at all 1","code":"000000"}"#),
    ("POST", "/api/v1/me/calendar-token", AnySignedIn, "{}"),
    ("DELETE", "/api/v1/me/calendar-token", AnySignedIn, ""),
    ("GET", "/api/v1/me/sessions", AnySignedIn, ""),
    ("DELETE", "/api/v1/me/sessions/{id}", Own, ""),
    ("GET", "/api/v1/users", Admin, ""),
    ("POST", "/api/v1/users", Admin, r#"{"email":"made-by-matrix@test.org","name":"Made","role":"caseworker","password":"Quiet orchards beneath winter 9"}"#),
    ("GET", "/api/v1/users/directory", AnySignedIn, ""),
    ("GET", "/api/v1/users/{id}", Admin, ""),
    ("PATCH", "/api/v1/users/{id}", Admin, r#"{"name":"Renamed by matrix"}"#),
    ("DELETE", "/api/v1/users/{id}/mfa", Admin, ""),
    ("GET", "/api/v1/audit", Admin, ""),
    ("GET", "/api/v1/clients", AnySignedIn, ""),
    ("POST", "/api/v1/clients", AnySignedIn, r#"{"given_name":"Nadia","family_name":"Rahimi","last_arrival_on":"2025-12-01"}"#),
    ("POST", "/api/v1/clients/search", AnySignedIn, r#"{"q":"Haidari"}"#),
    // Whoever sees the client: here the team of its one case.
    ("GET", "/api/v1/clients/{id}", CaseTeam, ""),
    ("PATCH", "/api/v1/clients/{id}", CaseTeam, r#"{"native_name":"Amina"}"#),
    ("GET", "/api/v1/clients/{id}/notes", CaseTeam, ""),
    ("POST", "/api/v1/clients/{id}/notes", CaseTeam, r#"{"body":"Called about documents"}"#),
    // The fixture's case is open: the admin's erasure is 409 (past authorisation), so nothing
    // later checks needs is erased.
    ("POST", "/api/v1/clients/{id}/erasure", Admin, r#"{"reason":"client_request"}"#),
    ("GET", "/api/v1/cases", AnySignedIn, ""),
    ("POST", "/api/v1/cases", AnySignedIn, r#"{"client_id":"{client_id}","kind":"affirmative"}"#),
    ("GET", "/api/v1/cases/{id}", CaseTeam, ""),
    ("PATCH", "/api/v1/cases/{id}", CaseTeam, r#"{"court_code":"el-paso"}"#),
    ("GET", "/api/v1/cases/{id}/overview", CaseTeam, ""),
    ("PUT", "/api/v1/cases/{id}/assignments/{user_id}", CaseLawyersAndAdmins, r#"{"role":"caseworker"}"#),
    ("DELETE", "/api/v1/cases/{id}/assignments/{user_id}", CaseLawyersAndAdmins, ""),
    ("GET", "/api/v1/cases/{id}/filings", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/filings", CaseTeam, r#"{"form":"other","filed_on":"2026-05-02"}"#),
    ("PATCH", "/api/v1/filings/{id}", CaseTeam, r#"{"filed_on":"2026-05-03","reason":"typo"}"#),
    ("DELETE", "/api/v1/filings/{id}", CaseTeam, r#"{"reason":"entered twice"}"#),
    ("GET", "/api/v1/cases/{id}/clock-events", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/clock-events", CaseTeam, r#"{"kind":"resume","on":"2026-06-10","reason":"ready"}"#),
    ("PATCH", "/api/v1/clock-events/{id}", CaseTeam, r#"{"on":"2026-06-02","reason":"typo"}"#),
    ("DELETE", "/api/v1/clock-events/{id}", CaseTeam, r#"{"reason":"entered twice"}"#),
    ("GET", "/api/v1/cases/{id}/decisions", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/decisions", CaseTeam, r#"{"kind":"denied","authority":"immigration_judge","decided_on":"2026-10-02"}"#),
    ("PATCH", "/api/v1/decisions/{id}", CaseTeam, r#"{"decided_on":"2026-10-03","reason":"typo"}"#),
    ("DELETE", "/api/v1/decisions/{id}", CaseTeam, r#"{"reason":"entered twice"}"#),
    ("GET", "/api/v1/cases/{id}/hearings", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/hearings", CaseTeam, r#"{"kind":"master_calendar","starts_at_local":"2027-03-17T09:00"}"#),
    ("GET", "/api/v1/hearings/{id}", CaseTeam, ""),
    ("PATCH", "/api/v1/hearings/{id}", CaseTeam, r#"{"starts_at_local":"2027-03-18T10:00"}"#),
    ("GET", "/api/v1/cases/{id}/deadlines", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/deadlines", CaseTeam, r#"{"kind":"other","title":"Evidence","due_on":"2027-01-20"}"#),
    ("PATCH", "/api/v1/deadlines/{id}", CaseTeam, r#"{"status":"met","note":"filed"}"#),
    ("GET", "/api/v1/cases/{id}/ead-clock", CaseTeam, ""),
    ("GET", "/api/v1/cases/{id}/family-members", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/family-members", CaseTeam, r#"{"relationship":"child","given_name":"Omid","family_name":"Haidari","date_of_birth":"2016-02-02"}"#),
    ("PATCH", "/api/v1/family-members/{id}", CaseTeam, r#"{"given_name":"Omeed"}"#),
    ("DELETE", "/api/v1/family-members/{id}", CaseTeam, r#"{"reason":"entered twice"}"#),
    ("GET", "/api/v1/cases/{id}/one-year-exception", CaseTeam, ""),
    ("PUT", "/api/v1/cases/{id}/one-year-exception", CaseTeam, r#"{"kind":"changed_circumstances"}"#),
    ("DELETE", "/api/v1/cases/{id}/one-year-exception", CaseTeam, r#"{"reason":"claim dropped"}"#),
    ("GET", "/api/v1/cases/{id}/supervision-orders", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/supervision-orders", CaseTeam, r#"{"ordered_on":"2026-11-03","field_office_code":"ero-new-york","interval_days":60}"#),
    ("PATCH", "/api/v1/supervision-orders/{id}", CaseTeam, r#"{"interval_days":30}"#),
    ("GET", "/api/v1/cases/{id}/custody", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/custody", CaseTeam, r#"{"detained_on":"2026-09-01","released_on":"2026-09-10","release_basis":"parole"}"#),
    ("PATCH", "/api/v1/custody/{id}", CaseTeam, r#"{"facility":"Otay Mesa Detention Center"}"#),
    ("GET", "/api/v1/cases/{id}/notes", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/notes", CaseTeam, r#"{"body":"Spoke with the client"}"#),
    ("PATCH", "/api/v1/notes/{id}", Author, r#"{"body":"Spoke with the client, edited"}"#),
    ("GET", "/api/v1/cases/{id}/tasks", CaseTeam, ""),
    ("POST", "/api/v1/cases/{id}/tasks", CaseTeam, r#"{"title":"Translate letters","due_on":"2027-01-21"}"#),
    ("PATCH", "/api/v1/tasks/{id}", CaseTeam, r#"{"title":"Translate the letters"}"#),
    // Own tasks; `assigned_to` someone else is admins only (checked after the matrix).
    ("GET", "/api/v1/tasks", AnySignedIn, ""),
    ("GET", "/api/v1/hearings", AnySignedIn, ""),
    ("GET", "/api/v1/deadlines", AnySignedIn, ""),
    ("GET", "/api/v1/courts", AnySignedIn, ""),
    ("GET", "/api/v1/offices", AnySignedIn, ""),
    ("GET", "/api/v1/closures", Admin, ""),
    ("POST", "/api/v1/closures", Admin, r#"{"day":"2027-02-16","reason":"snow"}"#),
    ("DELETE", "/api/v1/closures/{id}", Admin, ""),
    ("GET", "/api/v1/reminders", Admin, ""),
    ("POST", "/api/v1/reminders/{id}/retry", Admin, ""),
];

/// The ids the paths name, created through the API as the team's lawyer.
pub struct Fixture {
    pub team: Team,
    /// Path segment before `{id}` (e.g. `filings`) -> a real id; also `user_id` and `token`.
    pub ids: BTreeMap<&'static str, String>,
    /// A signed-in user whose session the logout row ends.
    pub throwaway: String,
}

async fn created(app: &TestApp, token: &str, path: &str, b: Value) -> String {
    id(&body(app.post(path, token, &b).await, 201).await)
}

pub async fn fixture(app: &TestApp) -> Fixture {
    let t = team(app).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    let l = &t.lawyer;
    let mut ids = BTreeMap::new();
    ids.insert("cases", t.case_id().to_string());
    ids.insert("clients", t.client_id().to_string());
    let today = chrono::Utc::now().date_naive();
    let subs = [
        (
            "filings",
            json!({"form": "I-589", "filed_on": "2026-03-02"}),
        ),
        (
            "clock-events",
            json!({"kind": "stop", "on": "2026-06-01", "reason": "asked for time"}),
        ),
        (
            "decisions",
            json!({"kind": "denied", "authority": "immigration_judge",
                             "decided_on": "2026-10-01"}),
        ),
        (
            "hearings",
            json!({"kind": "master_calendar", "starts_at_local": "2027-03-16T09:00"}),
        ),
        // A week away, so that a reminder is planned for the retry row.
        (
            "deadlines",
            json!({"kind": "other", "title": "Brief",
                             "due_on": today + chrono::Duration::days(7)}),
        ),
        (
            "family-members",
            json!({"relationship": "child", "given_name": "Mina",
                                  "family_name": "Haidari", "date_of_birth": "2015-01-01"}),
        ),
        (
            "supervision-orders",
            json!({"ordered_on": "2026-11-02",
                                      "field_office_code": "ero-new-york", "interval_days": 90}),
        ),
        (
            "custody",
            json!({"detained_on": "2026-10-05", "facility": "Elizabeth Detention Center"}),
        ),
        ("notes", json!({"body": "Called the client"})),
        (
            "tasks",
            json!({"title": "Gather evidence", "due_on": "2027-01-10"}),
        ),
    ];
    for (sub, b) in subs {
        ids.insert(sub, created(app, l, &format!("{case}/{sub}"), b).await);
    }
    let client_notes = format!("/api/v1/clients/{}/notes", t.client_id());
    created(app, l, &client_notes, json!({"body": "Prefers Dari"})).await;
    put_exception(app, &t).await;
    let admin = &t.admin;
    let closure = json!({"day": "2027-01-15", "reason": "executive order"});
    ids.insert(
        "closures",
        created(app, admin, "/api/v1/closures", closure).await,
    );
    let reminders = body(app.get("/api/v1/reminders?limit=200", admin).await, 200).await;
    let reminder = reminders["items"]
        .get(0)
        .map(id)
        .expect("the deadline a week away has a reminder planned");
    ids.insert("reminders", reminder);
    // A user for the admin rows: renamed and MFA-reset (not enrolled: 409) by the admin.
    let target = app.token_for("target@test.org", "caseworker").await;
    ids.insert("users", user_id(app, &target).await);
    // The lawyer's second session, for the `Own` row: a peer's attempt is 404, theirs ends it.
    let spare = app
        .session("lawyer@test.org", crate::helpers::USER_PASSWORD)
        .await;
    let spare = spare["access_token"].as_str().expect("token").to_string();
    let sessions = body(app.get("/api/v1/me/sessions", &spare).await, 200).await;
    let current = sessions["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["current"] == true)
        .map(id)
        .expect("current session");
    ids.insert("sessions", current);
    let feed = body(
        app.post("/api/v1/me/calendar-token", l, &json!({})).await,
        200,
    )
    .await;
    let token = feed["url"].as_str().expect("url").rsplit('/').next();
    let token = token.and_then(|f| f.strip_suffix(".ics")).expect("token");
    ids.insert("token", token.to_string());
    let assignee = app.token_for("assignee@test.org", "caseworker").await;
    // A caseworker on no case: the assignments rows assign and unassign them.
    ids.insert("user_id", user_id(app, &assignee).await);
    let throwaway = app.token_for("throwaway@test.org", "caseworker").await;
    Fixture {
        team: t,
        ids,
        throwaway,
    }
}

async fn put_exception(app: &TestApp, t: &Team) {
    let path = format!("/api/v1/cases/{}/one-year-exception", t.case_id());
    let claim = json!({"kind": "changed_circumstances"});
    body(app.put(&path, &t.admin, &claim).await, 200).await;
}

/// The concrete path: each `{...}` filled from the fixture by the segment before it (with
/// `absent`, `{id}` and the feed token are well-formed ones of nothing, for comparing with an
/// absent record).
pub fn concrete(f: &Fixture, template: &str, absent: bool) -> String {
    let segments: Vec<&str> = template.split('/').collect();
    let mut out = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        let filled = if *seg == "{id}" {
            let key = segments[i - 1];
            if absent {
                uuid::Uuid::new_v4().to_string()
            } else {
                f.ids
                    .get(key)
                    .unwrap_or_else(|| panic!("no fixture id for {template}"))
                    .clone()
            }
        } else if *seg == "{user_id}" {
            f.ids["user_id"].clone()
        } else if *seg == "{token}.ics" && absent {
            format!("{}.ics", uuid::Uuid::new_v4().simple())
        } else if *seg == "{token}.ics" {
            format!("{}.ics", f.ids["token"])
        } else {
            seg.to_string()
        };
        out.push(filled);
    }
    out.join("/")
}

pub fn concrete_body(f: &Fixture, text: &str) -> Option<Value> {
    if text.is_empty() {
        return None;
    }
    let text = text.replace("{client_id}", f.team.client_id());
    Some(serde_json::from_str(&text).expect("row body is JSON"))
}

/// Sends one request; `None` token: anonymous. Returns the status and the body.
pub async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    b: &Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method.parse().expect("method"), app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = b {
        req = req.json(b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Everything a refused request could have changed, as the admin reads it.
pub async fn state(app: &TestApp, f: &Fixture) -> Vec<Value> {
    let t = &f.team;
    let mut out = Vec::new();
    for path in [
        format!("/api/v1/cases/{}/overview", t.case_id()),
        format!("/api/v1/clients/{}/notes", t.client_id()),
        format!("/api/v1/users/{}", t.lawyer_id),
        "/api/v1/clients?include_archived=true&limit=200".to_string(),
        "/api/v1/cases?limit=200".to_string(),
        "/api/v1/users?limit=200".to_string(),
        "/api/v1/closures".to_string(),
        "/api/v1/reminders?limit=200".to_string(),
    ] {
        out.push(body(app.get(&path, &t.admin).await, 200).await);
    }
    // Reading a client is audited (`read`), these reads included: only the other rows count.
    let audit = body(app.get("/api/v1/audit?limit=200", &t.admin).await, 200).await;
    let writes: Vec<Value> = audit["items"]
        .as_array()
        .expect("audit items")
        .iter()
        .filter(|r| r["action"] != "read")
        .map(|r| json!([r["action"], r["entity_type"], r["entity_id"]]))
        .collect();
    out.push(Value::Array(writes));
    out
}

pub fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

fn passed(status: u16) -> bool {
    !matches!(status, 401 | 403 | 404) && status < 500
}

async fn every_operation_has_an_authorisation_row_and_keeps_it(app: TestApp) {
    // 1. The table and the served document name the same operations.
    let (status, doc) = send(&app, "GET", "/api/v1/openapi.json", None, &None).await;
    assert_eq!(status, 200, "the served document");
    let documented = operations(&doc);
    let tabled: BTreeSet<(String, String)> = ROWS
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(tabled.len(), ROWS.len(), "a row appears twice");
    let missing: Vec<_> = documented.difference(&tabled).collect();
    assert!(
        missing.is_empty(),
        "operations without an authorisation row in tests/api/owasp/matrix.rs: {missing:?}"
    );
    let stale: Vec<_> = tabled.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "rows for operations the document lacks: {stale:?}"
    );

    let f = fixture(&app).await;
    let t = &f.team;
    let before = state(&app, &f).await;

    // 2. The refusals: anonymous, roles that may not, peers not on the case.
    for &(method, template, who, text) in ROWS {
        let path = concrete(&f, template, false);
        let b = concrete_body(&f, text);
        let what = format!("{method} {template}");
        let (status, _) = send(&app, method, &path, None, &b).await;
        match who {
            Public => assert_eq!(status, 200, "{what}: anonymous"),
            // The feed's token is its credential: the fixture's works, an unknown one is 404.
            Credential if template.starts_with("/calendar/") => {
                assert_eq!(status, 200, "{what}: with its token");
                let (status, _) = send(&app, method, &concrete(&f, template, true), None, &b).await;
                assert_eq!(status, 404, "{what}: an unknown token");
            }
            // Wrong credentials in the body: refused on their merits (401, 422, ...), not 403.
            Credential => assert!(
                status != 403 && status < 500,
                "{what}: anonymous got {status}"
            ),
            _ => assert_eq!(status, 401, "{what}: anonymous"),
        }
        let forbidden: Vec<&str> = match who {
            Admin => vec![&t.lawyer, &t.caseworker, &t.other_lawyer],
            CaseLawyersAndAdmins => vec![&t.caseworker],
            Author => vec![&t.admin, &t.caseworker],
            _ => vec![],
        };
        for token in forbidden {
            let (status, got) = send(&app, method, &path, Some(token), &b).await;
            assert_eq!(status, 403, "{what}: a role that may not: {got}");
        }
        let peers: Vec<&str> = match who {
            CaseTeam | CaseLawyersAndAdmins | Author => t.outsiders().to_vec(),
            // Another user's session is 404 to everyone, admins included.
            Own => vec![&t.other_lawyer, &t.caseworker, &t.admin],
            _ => vec![],
        };
        if !peers.is_empty() {
            let absent = concrete(&f, template, true);
            let (status, expected) = send(&app, method, &absent, Some(&t.admin), &b).await;
            assert_eq!(status, 404, "{what}: an absent id, as admin: {expected}");
            for token in peers {
                let (status, got) = send(&app, method, &path, Some(token), &b).await;
                assert_eq!(status, 404, "{what}: a peer not on the case: {got}");
                assert_eq!(got["type"], expected["type"], "{what}: as for an absent id");
                assert_eq!(
                    got["detail"], expected["detail"],
                    "{what}: as for an absent id"
                );
                // An invalid body must not tell a real id from an absent one either (whatever
                // the answer, 404 or a shape check's 422, it is the same for both).
                if b.is_some() {
                    let empty = Some(json!({}));
                    let real = send(&app, method, &path, Some(token), &empty).await;
                    let none = send(&app, method, &absent, Some(token), &empty).await;
                    assert_eq!(real.0, none.0, "{what}: `{{}}` from a peer: {}", real.1);
                    assert_eq!(real.1["type"], none.1["type"], "{what}: `{{}}` from a peer");
                    assert_eq!(
                        real.1["detail"], none.1["detail"],
                        "{what}: `{{}}` from a peer"
                    );
                }
            }
        }
    }
    let after = state(&app, &f).await;
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        assert!(
            b == a,
            "a refused request changed something (state part {i}): {a}"
        );
    }

    // 3. Those who may are let through. Reads first, then writes, deletions last, so that no
    // check removes a record a later one needs. A withdrawal repeated by the next caller is 409
    // (already withdrawn: still past authorisation); the one-year exception and the assignment
    // are put back before each caller's DELETE, which would otherwise be 404.
    let order = |m: &str| {
        ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .iter()
            .position(|x| *x == m)
    };
    let mut rows: Vec<_> = ROWS.to_vec();
    rows.sort_by_key(|r| order(r.0));
    for (method, template, who, text) in rows {
        let what = format!("{method} {template}");
        let b = concrete_body(&f, text);
        let callers: Vec<&str> = match who {
            // Checked with the anonymous answers above.
            Public | Credential => vec![],
            AnySignedIn if template == "/api/v1/auth/logout" => vec![&f.throwaway],
            AnySignedIn | CaseTeam => t.insiders().to_vec(),
            Own => vec![&t.lawyer],
            Admin => vec![&t.admin],
            CaseLawyersAndAdmins => vec![&t.admin, &t.lawyer],
            Author => vec![&t.lawyer],
        };
        for token in callers {
            if method == "DELETE" && template.ends_with("/one-year-exception") {
                put_exception(&app, t).await;
            }
            if method == "DELETE" && template.ends_with("/assignments/{user_id}") {
                let path = concrete(&f, template, false);
                let role = json!({"role": "caseworker"});
                body(app.put(&path, &t.admin, &role).await, 200).await;
            }
            let path = concrete(&f, template, false);
            let (status, got) = send(&app, method, &path, Some(token), &b).await;
            assert!(
                passed(status),
                "{what}: an allowed caller got {status}: {got}"
            );
        }
    }

    // 4. The variant the table cannot hold: someone else's tasks are admins only.
    let theirs = format!("/api/v1/tasks?assigned_to={}", t.caseworker_id);
    for token in [&t.lawyer, &t.other_lawyer, &t.other_caseworker] {
        let (status, _) = send(&app, "GET", &theirs, Some(token), &None).await;
        assert_eq!(status, 403, "GET /api/v1/tasks?assigned_to= someone else");
    }
    let (status, _) = send(&app, "GET", &theirs, Some(&t.admin), &None).await;
    assert_eq!(status, 200, "an admin reads anyone's tasks");
    // A caseworker may open a case naming only themself; naming a lawyer assigns them: 403.
    let naming = Some(json!({"client_id": t.client_id(), "kind": "affirmative",
                             "lawyer_ids": [t.other_lawyer_id]}));
    let (status, _) = send(&app, "POST", "/api/v1/cases", Some(&t.caseworker), &naming).await;
    assert_eq!(
        status, 403,
        "POST /api/v1/cases naming others, as a caseworker"
    );
}
