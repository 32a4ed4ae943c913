//! Backups that restore: `asylum-tracker backup` copies the SQLite database while the service
//! serves and writes; `restore` puts the copy in place of a lost database; on PostgreSQL,
//! `pg_dump -Fc` and `pg_restore` as README documents. Each restore is compared with its source,
//! table by table (row count and a digest of the rows), and a service on the restored database
//! serves the same case.

use std::path::Path;
use std::process::{Command, Output};

use asylum_tracker::db::backup::{digests, TableDigest};
use serde_json::{json, Value};

use crate::helpers::{
    body, fresh_database, spawn_app, spawn_app_on, team, Backend, DbGuard, Inbox, Team, TestApp,
    JWT_SECRET,
};

fn cli(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
        .args(args)
        .env("ASYLUM_TRACKER__DATABASE__URL", url)
        .env("ASYLUM_TRACKER__AUTH__JWT_SECRET", JWT_SECRET)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run asylum-tracker")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn digests_of(app: &TestApp) -> Vec<TableDigest> {
    let mut conn = app.pool.get().expect("connection");
    digests(&mut conn).expect("digests")
}

/// A case with something in most tables: events, hearings moved, family, an order of
/// supervision, deadlines and their reminders, audit rows, sessions.
async fn fill(app: &TestApp) -> Team {
    let t = team(app).await;
    let case = format!("/api/v1/cases/{}", t.case_id());
    for (path, b) in [
        (
            "filings",
            json!({"form": "I-589", "filed_on": "2026-03-02"}),
        ),
        (
            "clock-events",
            json!({"kind": "stop", "on": "2026-04-01", "reason": "asked for time"}),
        ),
        (
            "hearings",
            json!({"kind": "master_calendar", "starts_at_local": "2027-02-02T09:00"}),
        ),
        (
            "family-members",
            json!({"relationship": "child", "given_name": "Lan", "family_name": "Chen",
                   "date_of_birth": "2012-05-01"}),
        ),
        (
            "supervision-orders",
            json!({"ordered_on": "2026-11-02", "field_office_code": "ero-new-york",
                   "interval_days": 90}),
        ),
    ] {
        body(
            app.post(&format!("{case}/{path}"), &t.lawyer, &b).await,
            201,
        )
        .await;
    }
    t
}

/// What a person sees of the case (the overview minus the audit it writes itself).
async fn seen(app: &TestApp, t: &Team) -> Value {
    let o = body(
        app.get(
            &format!("/api/v1/cases/{}/overview", t.case_id()),
            &t.lawyer,
        )
        .await,
        200,
    )
    .await;
    json!([
        o["case"],
        o["client"],
        o["timeline"],
        o["deadlines"],
        o["family_members"],
        o["supervision_orders"]
    ])
}

/// A second service on the restored database, with the same settings otherwise.
async fn serve_restored(app: &TestApp, url: &str) -> TestApp {
    spawn_app_on(app.backend, url, DbGuard::Borrowed, Inbox::start(), |_| {}).await
}

#[actix_web::test]
async fn an_sqlite_backup_taken_while_writing_restores_table_for_table() {
    let app = spawn_app(Backend::Sqlite).await;
    let t = fill(&app).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = app.database_url();

    // A backup while 8 writers keep recording: it succeeds, and the copy is sound.
    let during = dir.path().join("during.db");
    let writers = futures_util::future::join_all((0..8).map(|i| {
        let (app, token, case) = (&app, t.lawyer.clone(), t.case_id().to_string());
        async move {
            let mut statuses = Vec::new();
            for n in 0..5 {
                let b = json!({"kind": "other", "title": format!("Brief {i}-{n}"),
                               "due_on": "2027-01-15"});
                let res = app
                    .post(&format!("/api/v1/cases/{case}/deadlines"), &token, &b)
                    .await;
                statuses.push(res.status().as_u16());
            }
            statuses
        }
    }));
    let during_path = during.clone();
    let url2 = url.clone();
    let backup = actix_web::rt::task::spawn_blocking(move || {
        cli(&url2, &["backup", during_path.to_str().expect("utf-8")])
    });
    let (statuses, out) = futures_util::join!(writers, backup);
    assert!(statuses.iter().flatten().all(|s| *s == 201), "{statuses:?}");
    let said = ok(&out.expect("backup ran"));
    assert!(said.contains("backup written and checked"), "{said}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&during)
            .expect("backup file")
            .permissions(),
    );
    assert_eq!(
        mode & 0o777,
        0o600,
        "a backup holds client data: owner only"
    );

    // Quiet now: a backup equals its source table for table; it never overwrites.
    let quiet = dir.path().join("quiet.db");
    ok(&cli(&url, &["backup", quiet.to_str().expect("utf-8")]));
    let source = digests_of(&app);
    assert!(source.iter().any(|d| d.table == "cases" && d.rows == 1));
    assert!(
        source.iter().filter(|d| d.rows > 0).count() >= 10,
        "{source:?}"
    );
    let again = cli(&url, &["backup", quiet.to_str().expect("utf-8")]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));

    // Restore into a fresh place: refused over an existing database, and for a file that is
    // not a backup; then the restored database equals the source and serves the same case.
    let restored = dir.path().join("restored/asylum.db");
    let restored_url = format!("sqlite://{}", restored.display());
    let over = cli(&url, &["restore", quiet.to_str().expect("utf-8")]);
    assert!(!over.status.success(), "never over the live database");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").expect("junk");
    let refused = cli(&restored_url, &["restore", junk.to_str().expect("utf-8")]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a usable backup"));
    assert!(!restored.exists(), "nothing is left behind");
    let said = ok(&cli(
        &restored_url,
        &["restore", quiet.to_str().expect("utf-8")],
    ));
    assert!(said.contains("restored"), "{said}");
    let before = seen(&app, &t).await;
    let back = serve_restored(&app, &restored_url).await;
    let source = digests_of(&app);
    let copy = digests_of(&back);
    // The overview just read on the source wrote one audit row; the copy predates it.
    let (src, cp): (Vec<_>, Vec<_>) = (
        source.iter().filter(|d| d.table != "audit_log").collect(),
        copy.iter().filter(|d| d.table != "audit_log").collect(),
    );
    assert_eq!(src, cp, "every table but the audit log, row for row");
    assert_eq!(
        seen(&back, &t).await,
        before,
        "the restored service serves the same case"
    );
    assert_restored_backup_restores(&during, dir.path()).await;
}

/// The copy taken under load restores too, with every case the source had when it was taken.
async fn assert_restored_backup_restores(file: &Path, dir: &Path) {
    let target = dir.join("from-during/asylum.db");
    let url = format!("sqlite://{}", target.display());
    ok(&cli(&url, &["restore", file.to_str().expect("utf-8")]));
    let pool = asylum_tracker::db::build_pool(&url, Some(1)).expect("pool");
    let mut conn = pool.get().expect("connection");
    let d = digests(&mut conn).expect("digests");
    assert!(d.iter().any(|t| t.table == "cases" && t.rows == 1), "{d:?}");
}

#[actix_web::test]
#[cfg_attr(
    no_test_database,
    ignore = "needs TEST_DATABASE_URL (a PostgreSQL server)"
)]
async fn a_postgres_dump_restores_table_for_table() {
    let app = spawn_app(Backend::Postgres).await;
    let t = fill(&app).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("asylum.dump");
    // The documented commands (README, "Backups"): a custom-format dump, restored into a new,
    // empty database.
    let url = app.database_url();
    let out = Command::new("pg_dump")
        .args([
            "-Fc",
            "--no-owner",
            "-f",
            dump.to_str().expect("utf-8"),
            &url,
        ])
        .output()
        .expect("pg_dump runs");
    ok(&out);
    let (restored_url, guard) = fresh_database(Backend::Postgres);
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "-d", &restored_url])
        .arg(&dump)
        .output()
        .expect("pg_restore runs");
    ok(&out);
    let before = seen(&app, &t).await;
    let back = serve_restored(&app, &restored_url).await;
    let (source, copy) = (digests_of(&app), digests_of(&back));
    let (src, cp): (Vec<_>, Vec<_>) = (
        source.iter().filter(|d| d.table != "audit_log").collect(),
        copy.iter().filter(|d| d.table != "audit_log").collect(),
    );
    assert!(src.iter().filter(|d| d.rows > 0).count() >= 10, "{src:?}");
    assert_eq!(src, cp, "every table but the audit log, row for row");
    assert_eq!(seen(&back, &t).await, before);
    // `backup` says where PostgreSQL's tools are documented rather than half-doing it.
    let said = cli(
        &url,
        &["backup", dir.path().join("x").to_str().expect("utf-8")],
    );
    assert!(!said.status.success());
    assert!(String::from_utf8_lossy(&said.stderr).contains("pg_dump"));
    drop(back);
    drop(guard);
}
