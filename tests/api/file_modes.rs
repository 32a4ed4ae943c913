//! Files that hold client data or live credentials are private whatever the umask: the SQLite
//! database's directory (when the app creates it) 0700, the database and its `-wal` and `-shm`
//! files 0600, the file mail transport's directory 0700 and each `.eml` (reset links) 0600.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use asylum_tracker::config::MailTransportKind;
use serde_json::json;

use crate::each_backend;
use crate::helpers::{
    fresh_database, spawn_app_on, Backend, DbGuard, Inbox, TestApp, USER_PASSWORD,
};

each_backend!(
    new_data_files_are_private_whatever_the_umask,
    existing_database_files_are_tightened_at_start_up,
);

/// The permission bits of `path`, in octal.
fn mode(path: &Path) -> String {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:o}", meta.permissions().mode() & 0o777)
}

/// A permissive umask, as on many servers (group and others may read what is created). The
/// umask is the process's: 0o022 is the usual default, so other tests are not affected.
fn permissive_umask() {
    // SAFETY: umask only swaps the process's file-mode mask; it cannot fail.
    unsafe {
        libc::umask(0o022);
    }
}

/// An app with the file mail transport writing into `outbox`; on SQLite its database is `db`.
async fn app_with_files(backend: Backend, db: &Path, outbox: PathBuf) -> Option<TestApp> {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return None;
    }
    let (url, guard) = match backend {
        Backend::Sqlite => (format!("sqlite://{}", db.display()), DbGuard::Borrowed),
        Backend::Postgres => fresh_database(backend),
    };
    let app = spawn_app_on(backend, &url, guard, Inbox::start(), move |s| {
        s.mail.transport = MailTransportKind::File;
        s.mail.file_dir = outbox;
    })
    .await;
    Some(app)
}

/// Asks for a reset link and waits for its `.eml` file in `outbox`.
async fn reset_mail_file(app: &TestApp, outbox: &Path) -> PathBuf {
    app.create_user("files@test.org", "lawyer", USER_PASSWORD)
        .await;
    let res = app
        .post_anon(
            "/api/v1/auth/password-reset",
            &json!({"email": "files@test.org"}),
        )
        .await;
    assert_eq!(res.status(), 202);
    for _ in 0..200 {
        let found = std::fs::read_dir(outbox)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "eml"));
        if let Some(file) = found {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(text.contains("reset-password?token="), "the reset mail");
            return file;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no .eml file in {}", outbox.display());
}

async fn new_data_files_are_private_whatever_the_umask(backend: Backend) {
    permissive_umask();
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let db = data.join("tracker.db");
    let outbox = root.path().join("mail").join("outbox");
    let Some(app) = app_with_files(backend, &db, outbox.clone()).await else {
        return;
    };
    let eml = reset_mail_file(&app, &outbox).await;
    assert_eq!(mode(&outbox), "700", "the mail directory");
    assert_eq!(mode(&eml), "600", "the .eml file");
    if backend == Backend::Sqlite {
        assert_eq!(mode(&data), "700", "the database's directory");
        for file in ["tracker.db", "tracker.db-wal", "tracker.db-shm"] {
            assert_eq!(mode(&data.join(file)), "600", "{file}");
        }
    }
}

/// Files an earlier version left readable are tightened; a mail directory that exists is too.
async fn existing_database_files_are_tightened_at_start_up(backend: Backend) {
    permissive_umask();
    let root = tempfile::tempdir().unwrap();
    let db = root.path().join("tracker.db");
    let outbox = root.path().join("outbox");
    std::fs::create_dir(&outbox).unwrap();
    std::fs::set_permissions(&outbox, std::fs::Permissions::from_mode(0o755)).unwrap();
    if backend == Backend::Sqlite {
        // An empty file is an empty SQLite database (and an empty -wal an empty log).
        for file in ["tracker.db", "tracker.db-wal"] {
            let path = root.path().join(file);
            std::fs::write(&path, b"").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let Some(app) = app_with_files(backend, &db, outbox.clone()).await else {
        return;
    };
    let eml = reset_mail_file(&app, &outbox).await;
    assert_eq!(mode(&outbox), "700", "the mail directory");
    assert_eq!(mode(&eml), "600", "the .eml file");
    if backend == Backend::Sqlite {
        for file in ["tracker.db", "tracker.db-wal", "tracker.db-shm"] {
            assert_eq!(mode(&root.path().join(file)), "600", "{file}");
        }
    }
}
