//! Retention (issue 13, item 6): audit rows older than `audit.retention_days` keep ids only, and
//! finished reminders older than `reminders.retention_days` lose the SMTP server's answer; newer
//! ones stay whole. The reminder worker sweeps at the end of each tick (its clock injected
//! here), `send-reminders` does for cron, and instances sweeping at once share the work.

use std::process::Command;

use asylum_tracker::reminders::worker;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{
    audit_rows, body, create_case, create_client, fresh_database, id, spawn_app_on, user_id,
    Backend, DbGuard, Inbox, TestApp, JWT_SECRET,
};

both!(
    old_audit_rows_keep_ids_only_and_recent_ones_stay_whole,
    send_reminders_sweeps_for_cron_deployments,
);
crate::each_backend!(instances_sweeping_at_once_reduce_each_row_once);

/// Every table's rows as text, lower-cased, with the lines holding any of `needles`.
pub async fn found_in_database(app: &TestApp, needles: &[&str]) -> Vec<String> {
    let needles: Vec<String> = needles.iter().map(|n| n.to_lowercase()).collect();
    let tables = asylum_tracker::db::run_db(&app.pool, |conn| {
        asylum_tracker::db::backup::table_lines(conn)
    })
    .await
    .expect("every table");
    let mut hits = Vec::new();
    for (table, lines) in tables {
        for line in lines {
            let low = line.to_lowercase();
            for n in &needles {
                if low.contains(n.as_str()) {
                    hits.push(format!("{table}: {n} in {line}"));
                }
            }
        }
    }
    hits
}

/// Every audit row, as the admin reads them (all pages).
pub async fn whole_audit(app: &TestApp, admin: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/audit?limit=200&cursor={c}"),
            None => "/api/v1/audit?limit=200".to_string(),
        };
        let page = body(app.get(&path, admin).await, 200).await;
        rows.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return rows,
        }
    }
}

const CANARIES: &[&str] = &[
    "zephyrine",
    "quorvath",
    "a098765432",
    "1987-03-14",
    "555 014 223",
    "zq.canary@mail.test",
    "fled across the rio canario",
];

fn canary_client() -> Value {
    json!({"given_name": "Zephyrine", "family_name": "Quorvath", "a_number": "A098765432",
           "date_of_birth": "1987-03-14", "phone": "+1 555 014 2231",
           "email": "zq.canary@mail.test", "last_arrival_on": "2025-12-01"})
}

/// Moves audit rows matching `filter` (SQL) into the past, as if written in 2020.
async fn backdate_audit(app: &TestApp, filter: &str) {
    app.sql(format!(
        "UPDATE audit_log SET at = '2020-01-01 00:00:00' WHERE {filter}"
    ))
    .await;
}

fn leaks(rows: &[Value]) -> Vec<&'static str> {
    let text = serde_json::to_string(rows).unwrap().to_lowercase();
    CANARIES
        .iter()
        .copied()
        .filter(|c| text.contains(c))
        .collect()
}

async fn failed_reminder(app: &TestApp, admin: &str, id: &str) -> Value {
    let failed = body(
        app.get("/api/v1/reminders?status=failed&limit=200", admin)
            .await,
        200,
    )
    .await;
    failed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("reminder {id} is failed: {failed}"))
}

async fn old_audit_rows_keep_ids_only_and_recent_ones_stay_whole(app: TestApp) {
    let admin = app.admin_token().await;
    let admin_id = user_id(&app, &admin).await;
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let lawyer_id = user_id(&app, &lawyer).await;
    let client = create_client(&app, &admin, &canary_client()).await;
    let client_path = format!("/api/v1/clients/{}", id(&client));
    body(
        app.patch(&client_path, &admin, &json!({"phone": "+1 555 014 2232"}))
            .await,
        200,
    )
    .await;
    let case = create_case(
        &app,
        &admin,
        &id(&client),
        json!({"lawyer_ids": [lawyer_id]}),
    )
    .await;
    let c = format!("/api/v1/cases/{}", id(&case));
    let note = body(
        app.post(
            &format!("{c}/notes"),
            &lawyer,
            &json!({"body": "Zephyrine fled across the Rio Canario"}),
        )
        .await,
        201,
    )
    .await;
    // Two reminders that failed for good, one long ago: the SMTP server's answer quotes an address.
    let due = Utc::now().date_naive() + Duration::days(7);
    let deadline = body(
        app.post(
            &format!("{c}/deadlines"),
            &lawyer,
            &json!({"kind": "other", "title": "Brief", "due_on": due}),
        )
        .await,
        201,
    )
    .await;
    let planned = body(
        app.get("/api/v1/reminders?status=pending&limit=200", &admin)
            .await,
        200,
    )
    .await;
    let rows: Vec<String> = planned["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["item_id"] == deadline["id"])
        .map(id)
        .collect();
    assert!(rows.len() >= 2, "the deadline has reminders: {planned}");
    let (old, recent) = (&rows[0], &rows[1]);
    app.sql(format!(
        "UPDATE reminders SET state = 'failed', attempts = 5, \
         last_error = '550 5.1.1 <zq.canary@mail.test>: mailbox unavailable', \
         updated_at = '2020-01-01 00:00:00' WHERE id = '{old}'"
    ))
    .await;
    app.sql(format!(
        "UPDATE reminders SET state = 'failed', attempts = 5, \
         last_error = '550 5.1.1 <recent@mail.test>: mailbox unavailable' WHERE id = '{recent}'"
    ))
    .await;
    // The client's rows were written long ago; the case's and the note's now.
    backdate_audit(&app, "entity_type = 'client'").await;
    let whole = audit_rows(&app, "client", &id(&client)).await;
    assert_eq!(whole.len(), 2, "create and update: {whole:?}");
    assert!(
        !leaks(&whole).is_empty(),
        "the scan sees the canaries before"
    );

    let w = app.state.worker();
    let now = Utc::now().naive_utc();
    worker::tick_at(&w, now).await.expect("tick");

    // Old: reduced to ids; action, actor, time and entity as they were.
    let reduced = audit_rows(&app, "client", &id(&client)).await;
    assert_eq!(reduced.len(), 2, "rows are kept");
    assert!(
        leaks(&reduced).is_empty(),
        "{:?} left: {reduced:?}",
        leaks(&reduced)
    );
    for (before, after) in whole.iter().zip(&reduced) {
        for key in ["id", "at", "actor_id", "action", "entity_type", "entity_id"] {
            assert_eq!(before[key], after[key], "{key}");
        }
        assert!(after["reduced_at"].is_string(), "{after}");
    }
    let create = reduced.iter().find(|r| r["action"] == "create").unwrap();
    assert_eq!(create["changes"]["given_name"], "(removed)");
    assert_eq!(create["changes"]["a_number"], "(removed)");
    assert_eq!(
        create["changes"]["created_by"],
        json!({"from": null, "to": admin_id})
    );
    assert_eq!(create["changes"]["id"]["to"], client["id"]);
    let update = reduced.iter().find(|r| r["action"] == "update").unwrap();
    assert_eq!(update["changes"], json!({"phone": "(removed)"}));
    // Recent: whole.
    let note_rows = audit_rows(&app, "note", &id(&note)).await;
    assert_eq!(
        note_rows[0]["changes"]["body"]["to"],
        "Zephyrine fled across the Rio Canario"
    );
    assert!(note_rows[0]["reduced_at"].is_null());
    let case_rows = audit_rows(&app, "case", &id(&case)).await;
    assert!(
        case_rows.iter().all(|r| r["reduced_at"].is_null()),
        "{case_rows:?}"
    );
    // Reminders: the old failure forgot its SMTP answer, the recent one keeps it.
    assert!(failed_reminder(&app, &admin, old).await["last_error"].is_null());
    let kept = failed_reminder(&app, &admin, recent).await;
    assert!(
        kept["last_error"]
            .as_str()
            .unwrap()
            .contains("recent@mail.test"),
        "{kept}"
    );
    let left = found_in_database(&app, &["zq.canary@mail.test"]).await;
    assert!(
        left.iter().all(|h| h.starts_with("clients:")),
        "only the client's own record: {left:#?}"
    );

    // A tick again changes nothing.
    worker::tick_at(&w, now).await.expect("tick");
    assert_eq!(audit_rows(&app, "client", &id(&client)).await, reduced);

    // A year and a day on, every row is past `audit.retention_days` (365) and the failure past
    // `reminders.retention_days` (90): nothing of the client is left in the log.
    worker::tick_at(&w, now + Duration::days(366))
        .await
        .expect("tick");
    let all = whole_audit(&app, &admin).await;
    assert!(leaks(&all).is_empty(), "{:?} left", leaks(&all));
    assert!(
        all.iter().all(|r| r["reduced_at"].is_string()),
        "every row reduced"
    );
    assert!(failed_reminder(&app, &admin, recent).await["last_error"].is_null());
    // The client's own record is not the log's: it stays until the client is erased.
    let seen = body(app.get(&client_path, &admin).await, 200).await;
    assert_eq!(seen["a_number"], "A098765432");
}

/// `send-reminders`, as cron runs it, sweeps too, and says how many rows it reduced.
async fn send_reminders_sweeps_for_cron_deployments(app: TestApp) {
    let admin = app.admin_token().await;
    let client = create_client(&app, &admin, &canary_client()).await;
    backdate_audit(&app, "1 = 1").await;
    let old = whole_audit(&app, &admin).await.len();
    assert!(old >= 2, "the admin's account and the client");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
            .arg("send-reminders")
            .env("ASYLUM_TRACKER__DATABASE__URL", app.database_url())
            .env("ASYLUM_TRACKER__AUTH__JWT_SECRET", JWT_SECRET)
            .env("ASYLUM_TRACKER__MAIL__TRANSPORT", "smtp")
            .env(
                "ASYLUM_TRACKER__MAIL__SMTP_URL",
                format!("smtp://127.0.0.1:{}", app.inbox.port),
            )
            .env("RUST_LOG", "warn")
            .output()
            .expect("run send-reminders")
    };
    let out = run();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains(&format!("audit rows reduced to ids {old},")),
        "{said}"
    );
    let rows = audit_rows(&app, "client", &id(&client)).await;
    assert!(leaks(&rows).is_empty(), "{rows:?}");
    let again = run();
    let said = String::from_utf8_lossy(&again.stdout).to_string();
    assert!(
        said.contains("audit rows reduced to ids 0,"),
        "nothing twice: {said}"
    );
}

/// Three instances on one database tick at once: every old row is reduced exactly once between
/// them (PostgreSQL: `SKIP LOCKED`; SQLite: one writer at a time), and none fails.
async fn instances_sweeping_at_once_reduce_each_row_once(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let inbox = Inbox::start();
    let (url, guard) = fresh_database(backend);
    let a = spawn_app_on(backend, &url, guard, inbox.clone(), |_| {}).await;
    let b = spawn_app_on(backend, &url, DbGuard::Borrowed, inbox.clone(), |_| {}).await;
    let c = spawn_app_on(backend, &url, DbGuard::Borrowed, inbox.clone(), |_| {}).await;
    let admin = a.admin_token().await;
    for n in 0..40 {
        let mut client = canary_client();
        client["a_number"] = json!(format!("A1000000{n:02}"));
        create_client(&a, &admin, &client).await;
    }
    backdate_audit(&a, "1 = 1").await;
    let old = whole_audit(&a, &admin).await.len();
    let now = Utc::now().naive_utc();
    let (wa, wb, wc) = (a.state.worker(), b.state.worker(), c.state.worker());
    let (ra, rb, rc) = futures_util::join!(
        worker::tick_at(&wa, now),
        worker::tick_at(&wb, now),
        worker::tick_at(&wc, now)
    );
    let (ra, rb, rc) = (ra.expect("a"), rb.expect("b"), rc.expect("c"));
    assert_eq!(
        ra.audit_reduced + rb.audit_reduced + rc.audit_reduced,
        old,
        "each row once: {ra:?} {rb:?} {rc:?}"
    );
    let all = whole_audit(&a, &admin).await;
    assert!(leaks(&all).is_empty(), "{:?} left", leaks(&all));
}
