//! A full disk (issue 13): the SQLite file's and the mail directory's file systems filled to the
//! last byte. Each test mounts a small tmpfs of its own (the machine and CI run as root; where
//! mounting is not permitted it prints why it is skipped and passes). Writes refused for want
//! of space are 507 problem+json `insufficient-storage`, never a 500; the database stays sound
//! (`PRAGMA integrity_check`) with every acknowledged write in it; a reminder whose mail could
//! not be written leaves no partial file, is retried, and is delivered once when space returns.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use asylum_tracker::config::MailTransportKind;
use asylum_tracker::db::run_db;
use asylum_tracker::reminders::outbox::backoff;
use asylum_tracker::reminders::worker;
use chrono::{Duration, Utc};
use diesel::RunQueryDsl;
use serde_json::json;

use crate::helpers::{
    body, client_body, fresh_database, id, problem, spawn_app_on, Backend, DbGuard, Inbox,
};
use crate::{each_backend, reminders::midnight_utc};

each_backend!(a_full_mail_directory_delays_reminders_and_loses_none);

/// A tmpfs mounted on a temporary directory, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts one of `size` (e.g. `16m`), or says why it cannot.
    fn mount(size: &str) -> Result<Tmpfs, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the file system with one file until a write fails for want of space.
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut f = std::fs::File::create(&filler).expect("filler");
        let block = vec![0u8; 4096];
        loop {
            if let Err(e) = f.write_all(&block).and_then(|_| f.sync_all()) {
                assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "filling: {e}");
                // Also the last partial page, so that not one byte is left.
                let _ = f.write_all(&[0u8; 1]);
                return filler;
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}

fn mounted(size: &str) -> Option<Tmpfs> {
    match Tmpfs::mount(size) {
        Ok(t) => Some(t),
        Err(why) => {
            eprintln!(
                "skipped: cannot mount a tmpfs to fill ({why}); run as root to test a full disk"
            );
            None
        }
    }
}

#[actix_web::test]
async fn a_full_disk_under_sqlite_refuses_writes_with_507_and_recovers() {
    let Some(disk) = mounted("16m") else {
        return;
    };
    let url = format!("sqlite://{}", disk.path().join("test.db").display());
    let app = spawn_app_on(
        Backend::Sqlite,
        &url,
        DbGuard::Borrowed,
        Inbox::start(),
        |_| {},
    )
    .await;
    let admin = app.admin_token().await;
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let c = client_body(&format!("Before{i}"), "Full");
        acknowledged.push(id(&body(
            app.post("/api/v1/clients", &admin, &c).await,
            201,
        )
        .await));
    }
    // No slack left in the write-ahead log: the next write needs new space.
    app.sql("PRAGMA wal_checkpoint(TRUNCATE)".to_string()).await;
    let filler = disk.fill();
    let mut refused = 0;
    for i in 0..200 {
        let c = client_body(&format!("During{i}"), "Full");
        let res = app.post("/api/v1/clients", &admin, &c).await;
        match res.status().as_u16() {
            201 => acknowledged.push(id(&res.json().await.expect("client"))),
            507 => {
                let p = problem(res, 507).await;
                assert_eq!(p["type"], "urn:asylum-tracker:problem:insufficient-storage");
                refused += 1;
                if refused >= 5 {
                    break;
                }
            }
            other => panic!(
                "a write on a full disk got {other}: {}",
                res.text().await.unwrap_or_default()
            ),
        }
    }
    assert!(refused >= 5, "the full disk refused no write");
    // Reads go on.
    let listed = body(app.get("/api/v1/clients?limit=200", &admin).await, 200).await;
    assert!(!listed["items"].as_array().expect("items").is_empty());
    // Space returns: writes succeed again by themselves.
    std::fs::remove_file(filler).expect("free the space");
    let c = client_body("After", "Full");
    acknowledged.push(id(&body(
        app.post("/api/v1/clients", &admin, &c).await,
        201,
    )
    .await));
    assert_eq!(integrity(&app.pool).await, "ok");
    for client in &acknowledged {
        body(
            app.get(&format!("/api/v1/clients/{client}"), &admin).await,
            200,
        )
        .await;
    }
    let all = body(app.get("/api/v1/clients?limit=200", &admin).await, 200).await;
    assert_eq!(
        all["items"].as_array().expect("items").len(),
        acknowledged.len(),
        "nothing more"
    );
    drop(app);
}

async fn integrity(pool: &asylum_tracker::db::DbPool) -> String {
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    run_db(pool, |conn| {
        let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(conn)?;
        Ok(rows
            .into_iter()
            .map(|r| r.integrity_check)
            .collect::<Vec<_>>()
            .join("; "))
    })
    .await
    .expect("integrity check")
}

/// The `.eml` files in `dir`, and any other file but the filler (a partial or temporary one).
fn outbox(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut eml = Vec::new();
    let mut other = Vec::new();
    for entry in std::fs::read_dir(dir).expect("outbox") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if name == "filler" {
            continue;
        }
        if name.ends_with(".eml") {
            eml.push(std::fs::read_to_string(&path).expect("eml"));
        } else {
            other.push(name);
        }
    }
    (eml, other)
}

async fn a_full_mail_directory_delays_reminders_and_loses_none(backend: Backend) {
    let Some(disk) = mounted("256k") else {
        return;
    };
    let (url, guard) = fresh_database(backend);
    let dir = disk.path().to_path_buf();
    let app = spawn_app_on(backend, &url, guard, Inbox::start(), |s| {
        midnight_utc(s);
        s.mail.transport = MailTransportKind::File;
        s.mail.file_dir = dir.clone();
    })
    .await;
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let cw = app.token_for("cw@test.org", "caseworker").await;
    let cw_id = crate::helpers::user_id(&app, &cw).await;
    let client = body(
        app.post("/api/v1/clients", &lawyer, &client_body("Mona", "Karimi"))
            .await,
        201,
    )
    .await;
    let case = body(
        app.post(
            "/api/v1/cases",
            &lawyer,
            &json!({"client_id": id(&client), "kind": "affirmative", "caseworker_ids": [cw_id]}),
        )
        .await,
        201,
    )
    .await;
    let due = (Utc::now().date_naive() + Duration::days(7)).to_string();
    let deadline = json!({"kind": "other", "title": "Evidence", "due_on": due});
    body(
        app.post(
            &format!("/api/v1/cases/{}/deadlines", id(&case)),
            &lawyer,
            &deadline,
        )
        .await,
        201,
    )
    .await;
    let filler = disk.fill();
    let w = app.state.worker();
    let at = Utc::now().naive_utc();
    let report = worker::tick_at(&w, at).await.expect("tick");
    assert_eq!(
        (report.sent, report.failed_tries),
        (0, 2),
        "both tries fail for want of space"
    );
    let (eml, other) = outbox(&dir);
    assert!(
        eml.is_empty(),
        "a mail that could not be written left {} .eml file(s)",
        eml.len()
    );
    assert!(other.is_empty(), "left behind: {other:?}");
    std::fs::remove_file(filler).expect("free the space");
    // Not before the backoff; then both, once.
    let early = worker::tick_at(&w, at + backoff(1) - Duration::minutes(1))
        .await
        .expect("tick");
    assert_eq!(early.sent, 0);
    let retried = worker::tick_at(&w, at + backoff(1) + Duration::minutes(1))
        .await
        .expect("tick");
    assert_eq!(retried.sent, 2, "delivered when space returned");
    for later in [Duration::hours(2), Duration::days(1)] {
        assert_eq!(worker::tick_at(&w, at + later).await.expect("tick").sent, 0);
    }
    let (eml, other) = outbox(&dir);
    assert_eq!(eml.len(), 2, "each reminder once");
    assert!(other.is_empty(), "left behind: {other:?}");
    for m in &eml {
        assert!(
            m.contains("Message-ID:") && m.contains("Subject:"),
            "a whole message: {m}"
        );
    }
    let mut ids: Vec<&str> = eml
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID:")))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2, "two distinct messages");
    drop(app);
}
