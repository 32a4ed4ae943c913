//! Reminders that arrive: through the real worker and the in-test SMTP server.
//!
//! The apps here send at 00:00 UTC, so that "today's" reminder moment has always passed and a
//! new item's nearest reminder is due at once, whatever the wall clock says.

use std::collections::HashSet;

use asylum_tracker::config::Settings;
use asylum_tracker::reminders::mail::Mailer;
use asylum_tracker::reminders::worker::{self, Worker};
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::each_backend;
use crate::helpers::{
    fresh_database, problem, spawn_app_on, spawn_app_with, Backend, DbGuard, Inbox, TestApp,
};

each_backend!(
    seven_day_reminder_goes_once_to_each_recipient_without_identity,
    moved_hearing_replans_and_met_deadline_stops,
    smtp_down_keeps_rows_then_delivers_each_once,
    smtp_refusing_every_try_but_the_last_delivers_each_once,
    lease_of_a_crashed_worker_expires_and_another_sends,
    missed_deadline_alerts_once_and_history_alerts_no_one,
    failed_reminders_tell_the_admins,
    digest_users_get_one_morning_mail,
    admin_view_and_retry,
);

pub fn midnight_utc(s: &mut Settings) {
    s.reminders.time_zone = "UTC".to_string();
    s.reminders.send_time = "00:00".to_string();
}

pub async fn app(backend: Backend) -> Option<TestApp> {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return None;
    }
    Some(spawn_app_with(backend, midnight_utc).await)
}

/// An app whose SMTP server is down: nothing listens on its port.
async fn app_with_smtp_down(backend: Backend) -> TestApp {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    spawn_app_with(backend, |s| {
        midnight_utc(s);
        s.mail.smtp_url = Some(format!("smtp://127.0.0.1:{dead_port}"));
    })
    .await
}

/// The same app's worker, with the SMTP server back (the in-test one).
fn worker_with_smtp_back(app: &TestApp) -> Worker {
    let mut w: Worker = app.state.worker();
    let mut mail = app.settings.mail.clone();
    mail.smtp_url = Some(format!("smtp://127.0.0.1:{}", app.inbox.port));
    w.mailer = Mailer::from_settings(&mail, app.settings.reminders.concurrency).unwrap();
    w
}

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

/// A case with a lawyer and a caseworker assigned; returns (case id, lawyer token).
async fn staffed_case(app: &TestApp) -> (String, String) {
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let cw_id = app
        .create_user("cw@test.org", "caseworker", crate::helpers::USER_PASSWORD)
        .await;
    let client: Value = app
        .post(
            "/api/v1/clients",
            &lawyer,
            &json!({"given_name": "Ana María", "family_name": "Quispe", "native_name": "アナ",
                    "a_number": "A123456789", "date_of_birth": "1990-05-17", "phone": "+1 555 010 9999",
                    "address": "12 Elm Street",
                    // Yesterday in UTC is on or before today in every zone the apps use, so the
                    // arrival is never "in the future" for the server, whatever the hour.
                    "last_arrival_on": (today() - Duration::days(1)).to_string()}),
        )
        .await
        .json()
        .await
        .unwrap();
    let case: Value = app
        .post(
            "/api/v1/cases",
            &lawyer,
            &json!({"client_id": client["id"], "kind": "affirmative", "caseworker_ids": [cw_id]}),
        )
        .await
        .json()
        .await
        .unwrap();
    (case["id"].as_str().unwrap().to_string(), lawyer)
}

async fn manual_deadline(app: &TestApp, token: &str, case: &str, days: i64) -> Value {
    let due = today() + Duration::days(days);
    let res = app
        .post(
            &format!("/api/v1/cases/{case}/deadlines"),
            token,
            &json!({"kind": "other", "title": "File evidence for Ana María Quispe", "due_on": due}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn tick(app: &TestApp) -> worker::TickReport {
    worker::tick(&app.state.worker()).await.expect("tick")
}

async fn pending_for(app: &TestApp, item: &str) -> Vec<Value> {
    let admin = app.admin_token().await;
    let list: Value = app
        .get("/api/v1/reminders?status=pending&limit=200", &admin)
        .await
        .json()
        .await
        .unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["item_id"] == item)
        .cloned()
        .collect()
}

fn assert_no_identity(raw: &str) {
    // Undo quoted-printable soft line breaks, which could split a name across lines.
    let raw = &raw.replace("=\r\n", "");
    for secret in [
        "Quispe",
        "123456789",
        "1990-05-17",
        "555 010",
        "Elm Street",
        "Ana Mar",
        "アナ",
    ] {
        assert!(!raw.contains(secret), "mail leaks {secret}");
    }
}

async fn seven_day_reminder_goes_once_to_each_recipient_without_identity(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let (case, lawyer) = staffed_case(&app).await;
    manual_deadline(&app, &lawyer, &case, 7).await;
    let report = tick(&app).await;
    assert_eq!(report.sent, 2);
    let mails = app.inbox.wait_for(2).await;
    assert_eq!(mails.len(), 2);
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, vec!["cw@test.org", "lawyer@test.org"]);
    for m in &mails {
        assert!(m.raw.contains("(in 7 days)"), "subject names the lead");
        assert!(m.raw.contains("C-20"), "case reference");
        assert!(m.raw.contains("https://tracker.test/cases/"));
        assert!(m.raw.contains("Message-ID: <"));
        assert_no_identity(&m.raw);
    }
    // The next tick sends nothing more.
    assert_eq!(tick(&app).await.sent, 0);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.inbox.messages().len(), 2);
}

async fn moved_hearing_replans_and_met_deadline_stops(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let (case, lawyer) = staffed_case(&app).await;
    let day = today() + Duration::days(20);
    let res = app
        .post(&format!("/api/v1/cases/{case}/hearings"), &lawyer, &json!({"kind": "asylum_interview", "starts_at_local": format!("{day}T10:00"), "time_zone": "UTC"}))
        .await;
    assert_eq!(res.status(), 201);
    let hearing: Value = res.json().await.unwrap();
    let hid = hearing["id"].as_str().unwrap();
    let before = pending_for(&app, hid).await;
    // Leads 7 and 1, for two recipients.
    assert_eq!(before.len(), 4);
    let old_due: HashSet<String> = before
        .iter()
        .map(|r| r["due_at"].as_str().unwrap().to_string())
        .collect();
    assert!(old_due.contains(&format!("{}T00:00:00Z", day - Duration::days(7))));

    let new_day = today() + Duration::days(40);
    let res = app
        .patch(
            &format!("/api/v1/hearings/{hid}"),
            &lawyer,
            &json!({"starts_at_local": format!("{new_day}T10:00")}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let after = pending_for(&app, hid).await;
    assert_eq!(after.len(), 4);
    let new_due: HashSet<String> = after
        .iter()
        .map(|r| r["due_at"].as_str().unwrap().to_string())
        .collect();
    assert!(new_due.contains(&format!("{}T00:00:00Z", new_day - Duration::days(1))));
    assert!(old_due.is_disjoint(&new_due), "nothing stale left");

    // A deadline 20 days out: its 30-day moment passed, so that one goes now; 7, 1, 0 wait.
    let d = manual_deadline(&app, &lawyer, &case, 20).await;
    let did = d["id"].as_str().unwrap();
    assert_eq!(pending_for(&app, did).await.len(), 8);
    let res = app
        .patch(
            &format!("/api/v1/deadlines/{did}"),
            &lawyer,
            &json!({"status": "met", "note": "filed"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        pending_for(&app, did).await.is_empty(),
        "a met deadline sends nothing more"
    );
    assert_eq!(tick(&app).await.sent, 0);
}

async fn smtp_down_keeps_rows_then_delivers_each_once(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    // Nothing listens on this port.
    let app = app_with_smtp_down(backend).await;
    let (case, lawyer) = staffed_case(&app).await;
    let d = manual_deadline(&app, &lawyer, &case, 7).await;
    let report = tick(&app).await;
    assert_eq!(report.sent, 0);
    assert_eq!(report.failed_tries, 2);
    let rows = pending_for(&app, d["id"].as_str().unwrap()).await;
    let due_now: Vec<&Value> = rows.iter().filter(|r| r["lead_days"] == 7).collect();
    assert_eq!(due_now.len(), 2, "nothing lost");
    assert!(due_now
        .iter()
        .all(|r| r["attempts"] == 1 && r["last_error"].is_string()));

    // SMTP is back (the in-test server), and the backoff has run out.
    app.sql("UPDATE reminders SET next_attempt_at = '2000-01-01 00:00:00' WHERE state = 'pending' AND attempts > 0".into()).await;
    let w = worker_with_smtp_back(&app);
    assert_eq!(worker::tick(&w).await.unwrap().sent, 2);
    assert_eq!(worker::tick(&w).await.unwrap().sent, 0);
    let mails = app.inbox.wait_for(2).await;
    assert_eq!(mails.len(), 2);
}

/// SMTP refuses connections through every try but the last (5 tries over about a day; the
/// worker's clock is moved past each backoff, so the test waits no real hours): nothing is lost
/// or given up, and when SMTP answers at the last try each reminder is delivered once.
async fn smtp_refusing_every_try_but_the_last_delivers_each_once(backend: Backend) {
    use asylum_tracker::reminders::outbox::{backoff, MAX_ATTEMPTS};
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let app = app_with_smtp_down(backend).await;
    let (case, lawyer) = staffed_case(&app).await;
    let d = manual_deadline(&app, &lawyer, &case, 7).await;
    let down = app.state.worker();
    let mut at = Utc::now().naive_utc();
    for tried in 1..MAX_ATTEMPTS {
        let report = worker::tick_at(&down, at).await.expect("tick");
        assert_eq!((report.sent, report.failed_tries), (0, 2), "try {tried}");
        let rows = pending_for(&app, d["id"].as_str().unwrap()).await;
        let due: Vec<&Value> = rows.iter().filter(|r| r["lead_days"] == 7).collect();
        assert_eq!(due.len(), 2, "try {tried}: still pending, nothing given up");
        assert!(
            due.iter().all(|r| r["attempts"] == tried),
            "try {tried}: {due:?}"
        );
        // Not before its backoff: a tick a minute early sends nothing and counts no try.
        let early = at + backoff(tried) - Duration::minutes(1);
        assert_eq!(
            worker::tick_at(&down, early)
                .await
                .expect("tick")
                .failed_tries,
            0
        );
        at += backoff(tried) + Duration::minutes(1);
    }
    let up = worker_with_smtp_back(&app);
    let last = worker::tick_at(&up, at).await.expect("tick");
    assert_eq!(last.sent, 2, "delivered at the last try");
    assert_eq!(app.inbox.wait_for(2).await.len(), 2);
    for later in [Duration::minutes(5), Duration::days(1)] {
        assert_eq!(
            worker::tick_at(&up, at + later).await.expect("tick").sent,
            0
        );
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.inbox.messages().len(), 2, "each reminder once");
}

async fn lease_of_a_crashed_worker_expires_and_another_sends(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let (case, lawyer) = staffed_case(&app).await;
    manual_deadline(&app, &lawyer, &case, 7).await;
    // A worker claims the due rows, then dies before sending.
    let claimed = asylum_tracker::db::run_db(&app.pool, |conn| {
        let now = asylum_tracker::db::now();
        asylum_tracker::reminders::outbox::claim(
            conn,
            "crashed-worker",
            now,
            now + Duration::minutes(5),
            100,
        )
    })
    .await
    .unwrap();
    assert_eq!(claimed.len(), 2);
    assert_eq!(tick(&app).await.sent, 0, "leased rows are not taken");
    // The lease runs out.
    app.sql("UPDATE reminders SET lease_until = '2000-01-01 00:00:00' WHERE lease_owner = 'crashed-worker'".into()).await;
    assert_eq!(tick(&app).await.sent, 2);
    assert_eq!(app.inbox.wait_for(2).await.len(), 2);
}

async fn missed_deadline_alerts_once_and_history_alerts_no_one(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    let (case, lawyer) = staffed_case(&app).await;
    // Entered after the fact: shown as missed, alerts no one.
    let old = manual_deadline(&app, &lawyer, &case, -3).await;
    assert_eq!(old["status"], "missed");
    // A deadline that passes unmet (moved into the past as time would move it).
    let d = manual_deadline(&app, &lawyer, &case, 5).await;
    app.sql(format!(
        "DELETE FROM reminders WHERE item_id = '{}'",
        d["id"].as_str().unwrap()
    ))
    .await;
    app.sql(format!(
        "UPDATE deadlines SET due_on = '{}' WHERE id = '{}'",
        today() - Duration::days(1),
        d["id"].as_str().unwrap()
    ))
    .await;
    // ... and as time would have moved the day the case was entered (a deadline due before that
    // day alerts no one).
    app.sql(format!(
        "UPDATE cases SET created_at = '{} 00:00:00' WHERE id = '{case}'",
        today() - Duration::days(10)
    ))
    .await;
    let report = tick(&app).await;
    assert_eq!(report.missed_alerted, 1);
    let mails = app.inbox.wait_for(2).await;
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        vec!["admin@test.org", "lawyer@test.org"],
        "its lawyer and every admin, not the caseworker"
    );
    assert!(mails.iter().all(|m| m.raw.contains("MISSED")));
    assert_eq!(tick(&app).await.missed_alerted, 0, "once");
    let _ = admin;
}

async fn failed_reminders_tell_the_admins(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let app = app_with_smtp_down(backend).await;
    let admin = app.admin_token().await;
    let (case, lawyer) = staffed_case(&app).await;
    manual_deadline(&app, &lawyer, &case, 7).await;
    // Four tries already failed; this is the fifth and last.
    app.sql("UPDATE reminders SET attempts = 4 WHERE lead_days = 7".into())
        .await;
    tick(&app).await;
    let failed: Value = app
        .get("/api/v1/reminders?status=failed", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(failed["items"].as_array().unwrap().len(), 2);
    let failed_id = failed["items"][0]["id"].as_str().unwrap().to_string();
    // The notice waits in the outbox (SMTP is still down); once SMTP is back it reaches the admin.
    let w = worker_with_smtp_back(&app);
    app.sql("UPDATE reminders SET next_attempt_at = '2000-01-01 00:00:00' WHERE kind = 'failure_notice'".into()).await;
    worker::tick(&w).await.unwrap();
    let mails = app.inbox.wait_for(1).await;
    assert_eq!(mails.len(), 1, "one notice");
    assert_eq!(mails[0].to, vec!["admin@test.org".to_string()]);
    let unfolded = mails[0].raw.replace("=\r\n", "");
    assert!(unfolded.contains(&failed_id), "names the failed reminder");
}

async fn digest_users_get_one_morning_mail(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let (case, lawyer) = staffed_case(&app).await;
    let res = app
        .patch("/api/v1/me", &lawyer, &json!({"reminder_digest": true}))
        .await;
    assert_eq!(res.status(), 200);
    manual_deadline(&app, &lawyer, &case, 7).await;
    manual_deadline(&app, &lawyer, &case, 1).await;
    let report = tick(&app).await;
    assert_eq!(report.sent, 4, "four rows");
    let mails = app.inbox.wait_for(3).await;
    let to_lawyer: Vec<_> = mails
        .iter()
        .filter(|m| m.to == vec!["lawyer@test.org".to_string()])
        .collect();
    assert_eq!(to_lawyer.len(), 1, "one digest for the lawyer");
    assert!(to_lawyer[0].raw.contains("2 reminders"));
    let to_cw = mails
        .iter()
        .filter(|m| m.to == vec!["cw@test.org".to_string()])
        .count();
    assert_eq!(to_cw, 2, "one e-mail each for the caseworker");
}

async fn admin_view_and_retry(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    let (case, lawyer) = staffed_case(&app).await;
    manual_deadline(&app, &lawyer, &case, 7).await;
    problem(app.get("/api/v1/reminders", &lawyer).await, 403).await;
    problem(
        app.client
            .get(app.url("/api/v1/reminders"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(app.get("/api/v1/reminders?status=lost", &admin).await, 422).await;
    app.sql("UPDATE reminders SET state = 'failed', attempts = 5 WHERE lead_days = 7".into())
        .await;
    let failed: Value = app
        .get("/api/v1/reminders?status=failed", &admin)
        .await
        .json()
        .await
        .unwrap();
    let id = failed["items"][0]["id"].as_str().unwrap().to_string();
    problem(
        app.post(
            &format!("/api/v1/reminders/{id}/retry"),
            &lawyer,
            &json!({}),
        )
        .await,
        403,
    )
    .await;
    let res = app
        .post(&format!("/api/v1/reminders/{id}/retry"), &admin, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["status"], "pending");
    assert_eq!(r["attempts"], 0);
    assert_eq!(tick(&app).await.sent, 1);
    problem(
        app.post(&format!("/api/v1/reminders/{id}/retry"), &admin, &json!({}))
            .await,
        409,
    )
    .await;
    problem(
        app.post("/api/v1/reminders/nope/retry", &admin, &json!({}))
            .await,
        404,
    )
    .await;
}

/// Three instances on one PostgreSQL database and one SMTP server: 300 due reminders arrive
/// exactly once each.
#[actix_web::test]
#[cfg_attr(
    no_test_database,
    ignore = "needs TEST_DATABASE_URL (a PostgreSQL server)"
)]
async fn three_instances_send_each_reminder_once() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL-only test skipped");
        return;
    }
    let inbox = Inbox::start();
    let (url, guard) = fresh_database(Backend::Postgres);
    let small_batches = |s: &mut Settings| {
        midnight_utc(s);
        s.reminders.batch_size = 15;
    };
    let a = spawn_app_on(Backend::Postgres, &url, guard, inbox.clone(), small_batches).await;
    let b = spawn_app_on(
        Backend::Postgres,
        &url,
        DbGuard::Borrowed,
        inbox.clone(),
        small_batches,
    )
    .await;
    let c = spawn_app_on(
        Backend::Postgres,
        &url,
        DbGuard::Borrowed,
        inbox.clone(),
        small_batches,
    )
    .await;
    let (case, lawyer) = staffed_case(&a).await;
    let cw2 = a
        .create_user("cw2@test.org", "caseworker", crate::helpers::USER_PASSWORD)
        .await;
    let admin = a.admin_token().await;
    a.put(
        &format!("/api/v1/cases/{case}/assignments/{cw2}"),
        &admin,
        &json!({"role": "caseworker"}),
    )
    .await;
    for _ in 0..100 {
        manual_deadline(&a, &lawyer, &case, 7).await;
    }
    let (ra, rb, rc) = futures_util::join!(tick(&a), tick(&b), tick(&c));
    assert_eq!(ra.sent + rb.sent + rc.sent, 300);
    assert!(
        ra.sent > 0 && rb.sent + rc.sent > 0,
        "work was shared: {ra:?} {rb:?} {rc:?}"
    );
    let mails = inbox.wait_for(300).await;
    assert_eq!(mails.len(), 300);
    let ids: HashSet<String> = mails
        .iter()
        .filter_map(|m| {
            m.raw
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_string)
        })
        .collect();
    assert_eq!(ids.len(), 300, "no duplicate Message-ID");
    let sent: Value = a
        .get("/api/v1/reminders?status=sent&limit=200", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sent["items"].as_array().unwrap().len(), 200);
    let pending: Value = a
        .get("/api/v1/reminders?status=pending&limit=200", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["lead_days"] != 7),
        "every due row sent"
    );
}

each_backend!(
    unassigned_or_deactivated_people_get_nothing_more,
    file_transport_writes_eml_files
);

async fn unassigned_or_deactivated_people_get_nothing_more(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    let (case, lawyer) = staffed_case(&app).await;
    let d = manual_deadline(&app, &lawyer, &case, 20).await;
    let did = d["id"].as_str().unwrap();
    let recipients = |rows: Vec<Value>| {
        rows.iter()
            .map(|r| r["recipient_id"].as_str().unwrap().to_string())
            .collect::<HashSet<_>>()
    };
    assert_eq!(recipients(pending_for(&app, did).await).len(), 2);
    let case_view: Value = app
        .get(&format!("/api/v1/cases/{case}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    let cw = case_view["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "caseworker")
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .delete(&format!("/api/v1/cases/{case}/assignments/{cw}"), &admin)
        .await;
    assert_eq!(res.status(), 204);
    assert!(
        !recipients(pending_for(&app, did).await).contains(&cw),
        "unassigned: dropped"
    );
    let me: Value = app.get("/api/v1/me", &lawyer).await.json().await.unwrap();
    let lawyer_id = me["id"].as_str().unwrap();
    assert_eq!(
        app.patch(
            &format!("/api/v1/users/{lawyer_id}"),
            &admin,
            &json!({"active": false})
        )
        .await
        .status(),
        200
    );
    assert!(
        pending_for(&app, did).await.is_empty(),
        "deactivated: dropped"
    );
    assert_eq!(tick(&app).await.sent, 0);
}

async fn file_transport_writes_eml_files(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outbox");
    let o = out.clone();
    let app = spawn_app_with(backend, move |s| {
        midnight_utc(s);
        s.mail.transport = asylum_tracker::config::MailTransportKind::File;
        s.mail.file_dir = o;
    })
    .await;
    let (case, lawyer) = staffed_case(&app).await;
    manual_deadline(&app, &lawyer, &case, 7).await;
    assert_eq!(tick(&app).await.sent, 2);
    let files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    assert_eq!(
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .count(),
        2
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("(in 7 days)"));
    // Private whatever the umask (see file_modes).
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o700);
    assert!(files.iter().all(|f| mode(f) == 0o600), "every .eml is 0600");
    assert!(app.inbox.messages().is_empty(), "nothing went over SMTP");
}

// Issue 9: reminders follow the case; delivery never stalls.
each_backend!(
    closed_case_sends_nothing_and_leaves_agenda_and_feed,
    archived_client_cancels_its_cases_reminders,
    stalled_smtp_holds_back_nothing_and_sends_each_once,
    same_day_denial_and_removal_make_one_appeal_and_one_set_of_reminders,
    days_ahead_are_counted_in_the_organisations_zone,
);

/// Ids in a list answer.
fn item_ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// The caller's calendar feed, as text.
async fn feed(app: &TestApp, token: &str) -> String {
    let res = app
        .post("/api/v1/me/calendar-token", token, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = url.trim_start_matches("https://tracker.test");
    let res = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// The feed's path for the caller (a fresh token).
async fn feed_path(app: &TestApp, token: &str) -> String {
    let res = app
        .post("/api/v1/me/calendar-token", token, &json!({}))
        .await;
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    url.trim_start_matches("https://tracker.test").to_string()
}

async fn feed_last_modified(app: &TestApp, token: &str) -> String {
    let path = feed_path(app, token).await;
    let res = app.client.get(app.url(&path)).send().await.unwrap();
    res.headers()["last-modified"].to_str().unwrap().to_string()
}

/// The feed's status for a calendar asking "changed since `since`?".
async fn conditional_feed(app: &TestApp, token: &str, since: &str) -> u16 {
    let path = feed_path(app, token).await;
    let res = app
        .client
        .get(app.url(&path))
        .header("if-modified-since", since)
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

/// A case with a deadline in 7 days and a hearing in 10; returns (case, lawyer, deadline, hearing).
async fn case_with_items(app: &TestApp) -> (String, String, String, String) {
    let (case, lawyer) = staffed_case(app).await;
    let d = manual_deadline(app, &lawyer, &case, 7).await;
    let day = today() + Duration::days(10);
    let res = app
        .post(
            &format!("/api/v1/cases/{case}/hearings"),
            &lawyer,
            &json!({"kind": "asylum_interview", "starts_at_local": format!("{day}T10:00"), "time_zone": "UTC"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let h: Value = res.json().await.unwrap();
    (
        case,
        lawyer,
        d["id"].as_str().unwrap().to_string(),
        h["id"].as_str().unwrap().to_string(),
    )
}

/// Whether the case's deadline and hearing are on the agenda, the hearings list and the feed.
async fn visible_everywhere(
    app: &TestApp,
    token: &str,
    deadline: &str,
    hearing: &str,
) -> [bool; 4] {
    let (from, to) = (today(), today() + Duration::days(30));
    let agenda: Value = app
        .get(&format!("/api/v1/deadlines?from={from}&to={to}"), token)
        .await
        .json()
        .await
        .unwrap();
    let hearings: Value = app
        .get(&format!("/api/v1/hearings?from={from}&to={to}"), token)
        .await
        .json()
        .await
        .unwrap();
    let ics = feed(app, token).await;
    [
        item_ids(&agenda).contains(&deadline.to_string()),
        item_ids(&hearings).contains(&hearing.to_string()),
        ics.contains(&format!("deadline-{deadline}@")),
        ics.contains(&format!("hearing-{hearing}@")),
    ]
}

async fn closed_case_sends_nothing_and_leaves_agenda_and_feed(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let (case, lawyer, did, hid) = case_with_items(&app).await;
    assert_eq!(pending_for(&app, &did).await.len(), 6);
    assert_eq!(pending_for(&app, &hid).await.len(), 4);
    assert_eq!(
        visible_everywhere(&app, &lawyer, &did, &hid).await,
        [true; 4]
    );
    // What a calendar app last saw (Last-Modified has whole seconds).
    let seen_at = feed_last_modified(&app, &lawyer).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;

    let res = app
        .patch(
            &format!("/api/v1/cases/{case}"),
            &lawyer,
            &json!({"status": "closed", "closed_reason": "other"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(pending_for(&app, &did).await.is_empty(), "cancelled");
    assert!(pending_for(&app, &hid).await.is_empty(), "cancelled");
    assert_eq!(tick(&app).await.sent, 0, "a closed case sends nothing");
    assert_eq!(
        conditional_feed(&app, &lawyer, &seen_at).await,
        200,
        "closing changes the feed: no 304 to a calendar asking since before"
    );
    assert_eq!(
        visible_everywhere(&app, &lawyer, &did, &hid).await,
        [false; 4],
        "off the agenda, the hearings list and the feed"
    );

    let res = app
        .patch(
            &format!("/api/v1/cases/{case}"),
            &lawyer,
            &json!({"status": "open"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(pending_for(&app, &did).await.len(), 6, "planned again");
    assert_eq!(pending_for(&app, &hid).await.len(), 4, "planned again");
    assert_eq!(
        visible_everywhere(&app, &lawyer, &did, &hid).await,
        [true; 4]
    );
    assert_eq!(tick(&app).await.sent, 2, "the 7-day reminder, to both");
}

/// A closed case's reminder claimed before the close (already due) is dropped, not sent.
async fn archived_client_cancels_its_cases_reminders(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let (case, lawyer, did, hid) = case_with_items(&app).await;
    let c: Value = app
        .get(&format!("/api/v1/cases/{case}"), &lawyer)
        .await
        .json()
        .await
        .unwrap();
    let client = c["client_id"].as_str().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/clients/{client}"),
            &lawyer,
            &json!({"archived": true}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(pending_for(&app, &did).await.is_empty(), "cancelled");
    assert!(pending_for(&app, &hid).await.is_empty(), "cancelled");
    assert_eq!(tick(&app).await.sent, 0);
    assert_eq!(
        visible_everywhere(&app, &lawyer, &did, &hid).await,
        [false; 4]
    );
    let res = app
        .patch(
            &format!("/api/v1/clients/{client}"),
            &lawyer,
            &json!({"archived": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(pending_for(&app, &did).await.len(), 6, "planned again");
    assert_eq!(tick(&app).await.sent, 2);
}

/// A TCP proxy to the in-test SMTP server whose first `stalled` connections say nothing for
/// `silence`, then answer normally (they are proxied like the others).
fn stalling_proxy(upstream: u16, stalled: usize, silence: std::time::Duration) -> u16 {
    use std::io::copy;
    use std::net::{Shutdown, TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(client) = conn else { continue };
            std::thread::spawn(move || {
                if n < stalled {
                    std::thread::sleep(silence);
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    return;
                };
                let (mut c_in, mut s_out) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let up = std::thread::spawn(move || {
                    let _ = copy(&mut c_in, &mut s_out);
                    let _ = s_out.shutdown(Shutdown::Write);
                });
                let (mut s_in, mut c_out) = (server, client);
                let _ = copy(&mut s_in, &mut c_out);
                let _ = c_out.shutdown(Shutdown::Both);
                let _ = up.join();
            });
        }
    });
    port
}

async fn count_sent(app: &TestApp) -> i64 {
    use asylum_tracker::db::schema::reminders;
    use diesel::prelude::*;
    asylum_tracker::db::run_db(&app.pool, |conn| {
        Ok(reminders::table
            .filter(reminders::state.eq("sent"))
            .count()
            .get_result::<i64>(conn)?)
    })
    .await
    .unwrap()
}

/// The stalled server: it accepts and says nothing for 20 s, then answers. With
/// `mail.timeout_seconds = 3` the message on that connection fails its try after 3 s while the
/// others go out and are marked sent one by one; once retried, every reminder has arrived exactly
/// once, and the late answer of the stalled connection delivers nothing more.
async fn stalled_smtp_holds_back_nothing_and_sends_each_once(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let silence = std::time::Duration::from_secs(20);
    let started = std::time::Instant::now();
    let inbox = crate::helpers::Inbox::start();
    let proxy = stalling_proxy(inbox.port, 1, silence);
    let (url, guard) = fresh_database(backend);
    let app = spawn_app_on(backend, &url, guard, inbox, |s| {
        midnight_utc(s);
        s.mail.smtp_url = Some(format!("smtp://127.0.0.1:{proxy}"));
        s.mail.timeout_seconds = 3;
        s.reminders.concurrency = 2;
    })
    .await;
    let (case, lawyer) = staffed_case(&app).await;
    let mut deadlines = Vec::new();
    for _ in 0..3 {
        let d = manual_deadline(&app, &lawyer, &case, 7).await;
        deadlines.push(d["id"].as_str().unwrap().to_string());
    }
    // Six messages due now (three deadlines, two recipients); one lands on the silent connection.
    let w = app.state.worker();
    let mut running = Box::pin(worker::tick(&w));
    let mut sent_while_running = 0;
    let report = tokio::time::timeout(std::time::Duration::from_secs(15), async {
        loop {
            tokio::select! {
                r = &mut running => break r,
                _ = tokio::time::sleep(std::time::Duration::from_millis(100)) => {
                    sent_while_running = sent_while_running.max(count_sent(&app).await);
                }
            }
        }
    })
    .await
    .expect("a silent SMTP server does not stall the tick beyond mail.timeout_seconds")
    .expect("tick");
    assert_eq!(report.sent, 5);
    assert_eq!(report.failed_tries, 1);
    assert_eq!(
        sent_while_running, 5,
        "each message is marked sent as it finishes, not when the slow one does"
    );

    // The failed try is retried (its backoff run out): every reminder arrives exactly once.
    app.sql("UPDATE reminders SET next_attempt_at = '2000-01-01 00:00:00' WHERE state = 'pending' AND attempts > 0".into()).await;
    assert_eq!(tick(&app).await.sent, 1);
    assert_eq!(tick(&app).await.sent, 0);
    assert_eq!(count_sent(&app).await, 6);
    // The stalled connection answers after its silence: nothing more may arrive then.
    let wake = silence + std::time::Duration::from_secs(1);
    if let Some(rest) = wake.checked_sub(started.elapsed()) {
        actix_web::rt::time::sleep(rest).await;
    }
    let mails = app.inbox.wait_for(6).await;
    let ids: HashSet<String> = mails
        .iter()
        .filter_map(|m| {
            m.raw
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(|l| l.to_string())
        })
        .collect();
    assert_eq!(mails.len(), 6, "each delivered once");
    assert_eq!(ids.len(), 6, "six different reminders");
    for d in &deadlines {
        let held: Vec<Value> = pending_for(&app, d)
            .await
            .into_iter()
            .filter(|r| r["lead_days"] == 7)
            .collect();
        assert!(held.is_empty(), "nothing held: {held:?}");
    }
}

/// lettre's pooled SMTP transport spawns its shutdown when dropped, which panicked ("there is
/// no reactor running") when the last mailer went away outside the runtime, as at shutdown.
#[test]
fn dropping_the_smtp_mailer_outside_a_runtime_does_not_panic() {
    let inbox = crate::helpers::Inbox::start();
    let mut mail = Settings::load(None).unwrap().mail;
    mail.transport = asylum_tracker::config::MailTransportKind::Smtp;
    mail.smtp_url = Some(format!("smtp://127.0.0.1:{}", inbox.port));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mailer = rt.block_on(async {
        let m = Mailer::from_settings(&mail, 2).unwrap();
        let message = asylum_tracker::reminders::mail::build(
            &mail.from,
            asylum_tracker::reminders::mail::Outgoing {
                to: "someone@test.org".into(),
                subject: "hello".into(),
                text: "hello".into(),
                html: None,
                message_id: None,
            },
        )
        .unwrap();
        m.send(message).await.unwrap();
        m
    });
    drop(rt);
    let dropped = std::thread::spawn(move || drop(mailer)).join();
    assert!(dropped.is_ok(), "dropping the mailer panicked");
}

/// A denial and a removal order decided the same day: one `bia_appeal`, one set of reminders.
async fn same_day_denial_and_removal_make_one_appeal_and_one_set_of_reminders(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let (case, lawyer) = staffed_case(&app).await;
    // Due 25 to 29 days ahead (rolled): its 30-day moment has passed whatever the weekday.
    let on = today() - Duration::days(5);
    for kind in ["denied", "removal_ordered"] {
        let res = app
            .post(
                &format!("/api/v1/cases/{case}/decisions"),
                &lawyer,
                &json!({"kind": kind, "authority": "immigration_judge", "decided_on": on}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let list: Value = app
        .get(&format!("/api/v1/cases/{case}/deadlines"), &lawyer)
        .await
        .json()
        .await
        .unwrap();
    let appeals: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "bia_appeal")
        .collect();
    assert_eq!(appeals.len(), 1, "one appeal deadline: {appeals:?}");
    let id = appeals[0]["id"].as_str().unwrap();
    // One set for two recipients: leads 7, 1 and 0 still ahead (30 passed: sent at once).
    let rows = pending_for(&app, id).await;
    assert_eq!(rows.len(), 8, "one set of reminders");
    let report = tick(&app).await;
    assert_eq!(report.sent, 2, "the due 30-day reminder, once to each");
}

/// "(in N days)" counts from today in the organisation's zone (`reminders.time_zone`), not
/// from the UTC date: at 2026-12-01T02:00Z it is still Nov 30 in New York, so a deadline on
/// 2026-12-07 is "in 7 days", in a single reminder and in a digest alike.
async fn days_ahead_are_counted_in_the_organisations_zone(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    // The default zone and send time: America/New_York, 08:00.
    let app = spawn_app_with(backend, |s| {
        assert_eq!(s.reminders.time_zone, "America/New_York");
    })
    .await;
    let (case, lawyer) = staffed_case(&app).await;
    let res = app
        .patch("/api/v1/me", &lawyer, &json!({"reminder_digest": true}))
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post(
            &format!("/api/v1/cases/{case}/deadlines"),
            &lawyer,
            &json!({"kind": "other", "title": "Brief", "due_on": "2026-12-07"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let did = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c: Value = app
        .get(&format!("/api/v1/cases/{case}"), &lawyer)
        .await
        .json()
        .await
        .unwrap();
    let people: Vec<(String, bool)> = c["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["user_id"].as_str().unwrap().to_string(),
                a["role"] == "lawyer",
            )
        })
        .collect();
    // Whatever today is, the 7-day reminders of that deadline: due 2026-11-30 08:00 in New York.
    let (item, key) = (did.clone(), format!("deadline:{did}:2026-12-07"));
    asylum_tracker::db::run_db(&app.pool, move |conn| {
        use asylum_tracker::db::schema::reminders;
        use asylum_tracker::reminders::outbox::{insert, NewRow};
        use diesel::prelude::*;
        diesel::delete(reminders::table.filter(reminders::item_id.eq(&item))).execute(conn)?;
        let due_at = "2026-11-30T13:00:00".parse().unwrap();
        for (user, digest) in &people {
            insert(
                conn,
                &NewRow {
                    kind: "deadline",
                    item_id: Some(&item),
                    item_key: &key,
                    case_id: None,
                    recipient_id: user,
                    lead_days: 7,
                    due_at,
                    digest: *digest,
                    payload: None,
                },
            )?;
        }
        Ok(())
    })
    .await
    .unwrap();
    let evening = "2026-12-01T02:00:00".parse().unwrap(); // 21:00 on Nov 30 in New York
    let report = worker::tick_at(&app.state.worker(), evening).await.unwrap();
    assert_eq!(report.sent, 2);
    let mails = app.inbox.wait_for(2).await;
    assert_eq!(mails.len(), 2);
    let subject = |m: &crate::helpers::Mail| {
        m.raw
            .lines()
            .find(|l| l.starts_with("Subject:"))
            .unwrap_or_default()
            .to_string()
    };
    let single = mails
        .iter()
        .find(|m| m.to == ["cw@test.org"])
        .expect("the caseworker's reminder");
    assert!(
        subject(single).contains("due Mon 2026-12-07 (in 7 days)"),
        "{}",
        subject(single)
    );
    let digest = mails
        .iter()
        .find(|m| m.to == ["lawyer@test.org"])
        .expect("the lawyer's digest");
    assert!(
        subject(digest).contains("1 reminder for Mon 2026-11-30"),
        "{}",
        subject(digest)
    );
    assert!(digest.raw.replace("=\r\n", "").contains("(in 7 days)"));
}
