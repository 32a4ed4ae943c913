//! The `create-admin` command against a real database.

use std::process::Command;

use crate::helpers::{fresh_database, Backend, JWT_SECRET};

fn create_admin(url: &str, email: &str, password: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
        .args(["create-admin", "--email", email, "--name", "First Admin"])
        .env("ASYLUM_TRACKER__DATABASE__URL", url)
        .env("ASYLUM_TRACKER__AUTH__JWT_SECRET", JWT_SECRET)
        .env("ASYLUM_TRACKER_ADMIN_PASSWORD", password)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run asylum-tracker")
}

fn check(backend: Backend) {
    let (url, _guard) = fresh_database(backend);
    let ok = create_admin(&url, "boss@test.org", "Quiet meadow under silver moon 5");
    assert!(
        ok.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("boss@test.org"));

    let dup = create_admin(&url, "BOSS@test.org", "Another quiet meadow passphrase 6");
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    // In full-width letters it is still the same address (NFKC, then case folding).
    let look_alike = "\u{ff22}\u{ff2f}\u{ff33}\u{ff33}@test.org";
    let dup = create_admin(&url, look_alike, "Another quiet meadow passphrase 6");
    assert!(!dup.status.success(), "a look-alike is refused");
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    let weak = create_admin(&url, "weak@test.org", "password123");
    assert!(!weak.status.success());
    let err = String::from_utf8_lossy(&weak.stderr);
    assert!(err.contains("password"), "names the password: {err}");
    assert!(!err.contains("password123"), "never echoes it");
}

#[test]
fn create_admin_sqlite() {
    check(Backend::Sqlite);
}

#[test]
#[cfg_attr(
    no_test_database,
    ignore = "needs TEST_DATABASE_URL (a PostgreSQL server)"
)]
fn create_admin_postgres() {
    check(Backend::Postgres);
}

/// `send-reminders`, as cron would run it, against a database the service wrote.
async fn send_reminders_once(backend: crate::helpers::Backend) {
    use serde_json::json;
    if backend == crate::helpers::Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let app = crate::helpers::spawn_app_with(backend, crate::reminders::midnight_utc).await;
    let lawyer = app.token_for("cron@test.org", "lawyer").await;
    let client: serde_json::Value = app
        .post(
            "/api/v1/clients",
            &lawyer,
            // Arrived a month ago: the one-year deadline is far off, so the only reminder due
            // is the manual deadline's, whatever the date the suite runs on.
            &json!({"given_name": "A", "family_name": "B",
                    "last_arrival_on": chrono::Utc::now().date_naive() - chrono::Duration::days(30)}),
        )
        .await
        .json()
        .await
        .unwrap();
    let case: serde_json::Value = app
        .post(
            "/api/v1/cases",
            &lawyer,
            &json!({"client_id": client["id"], "kind": "affirmative"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let due = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    app.post(
        &format!("/api/v1/cases/{}/deadlines", case["id"].as_str().unwrap()),
        &lawyer,
        &json!({"kind": "other", "title": "t", "due_on": due}),
    )
    .await;
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
            .env("ASYLUM_TRACKER__REMINDERS__TIME_ZONE", "UTC")
            .env("ASYLUM_TRACKER__REMINDERS__SEND_TIME", "00:00")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run send-reminders")
    };
    let first = run();
    assert!(
        first.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("sent 1,"),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    assert_eq!(app.inbox.wait_for(1).await.len(), 1);
    let second = run();
    assert!(String::from_utf8_lossy(&second.stdout).contains("sent 0,"));
}

crate::each_backend!(send_reminders_once);

/// `migrate` needs only the database: no JWT secret (a SQLite file outside data/ and PostgreSQL
/// would otherwise demand one), and a second run is a no-op.
async fn migrate_needs_only_the_database(backend: Backend) {
    let (url, _guard) = fresh_database(backend);
    for _ in 0..2 {
        let out = Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
            .args(["migrate"])
            .env("ASYLUM_TRACKER__DATABASE__URL", &url)
            .env_remove("ASYLUM_TRACKER__AUTH__JWT_SECRET")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run asylum-tracker");
        assert!(
            out.status.success(),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

crate::each_backend!(migrate_needs_only_the_database);

/// `serve` with SMTP configured stops cleanly on SIGTERM: lettre's pool, dropped at shutdown
/// outside the runtime, panicked "there is no reactor running".
async fn serve_with_smtp_shuts_down_without_panic(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let (url, _guard) = fresh_database(backend);
    let inbox = crate::helpers::Inbox::start();
    let dir = tempfile::tempdir().unwrap();
    let port = crate::helpers::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
        .arg("serve")
        .current_dir(dir.path())
        .env("ASYLUM_TRACKER__DATABASE__URL", &url)
        .env("ASYLUM_TRACKER__AUTH__JWT_SECRET", JWT_SECRET)
        .env("ASYLUM_TRACKER__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("ASYLUM_TRACKER__SERVER__WORKERS", "2")
        .env("ASYLUM_TRACKER__MAIL__TRANSPORT", "smtp")
        .env(
            "ASYLUM_TRACKER__MAIL__SMTP_URL",
            format!("smtp://127.0.0.1:{}", inbox.port),
        )
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run serve");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await
        {
            up = r.status().is_success();
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let out = actix_web::rt::task::spawn_blocking(move || {
        let _ = &mut child;
        child.wait_with_output()
    })
    .await
    .unwrap()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(up, "served: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}

crate::each_backend!(serve_with_smtp_shuts_down_without_panic);

/// `asylum-tracker migrate` on `url`, warnings logged.
fn migrate(url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
        .arg("migrate")
        .env("ASYLUM_TRACKER__DATABASE__URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run asylum-tracker")
}

/// Start-up leaves SQLite with planner statistics (`PRAGMA optimize` after migrating), so the
/// agenda and lists use their indexes from the first request (issue 14: without ANALYZE the
/// agenda walked every case).
#[test]
fn migrate_leaves_sqlite_with_statistics() {
    use diesel::{sql_query, RunQueryDsl};
    let (url, _guard) = fresh_database(Backend::Sqlite);
    let out = migrate(&url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pool = asylum_tracker::db::build_pool(&url, Some(1)).expect("pool");
    let mut conn = pool.get().expect("connection");
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let stat: N = sql_query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'")
        .get_result(&mut *conn)
        .expect("query");
    assert_eq!(stat.n, 1, "ANALYZE has run: sqlite_stat1 exists");
}

/// On a PostgreSQL server whose autovacuum is off, start-up analyses the tables itself (and says
/// so in a warning), as `PRAGMA optimize` does on SQLite: the bench's server had autovacuum off,
/// and the agenda planned without statistics read 5,716 buffers instead of 1,337. Where
/// autovacuum is on, it is left to it, and this test only checks that `migrate` succeeds.
#[test]
fn migrate_leaves_postgres_with_statistics_when_autovacuum_is_off() {
    use diesel::{sql_query, RunQueryDsl};
    if std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let (url, _guard) = fresh_database(Backend::Postgres);
    let out = migrate(&url);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let pool = asylum_tracker::db::build_pool(&url, Some(1)).expect("pool");
    let mut conn = pool.get().expect("connection");
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        autovacuum: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        analysed: bool,
    }
    let row: Row = sql_query(
        "SELECT current_setting('autovacuum') AS autovacuum, \
         (SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'deadlines') \
         AS analysed",
    )
    .get_result(&mut *conn)
    .expect("query");
    if row.autovacuum == "off" {
        assert!(row.analysed, "ANALYZE has run on deadlines");
        assert!(stderr.contains("autovacuum is off"), "{stderr}");
    }
}
