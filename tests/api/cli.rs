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
fn create_admin_postgres() {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        check(Backend::Postgres);
    }
}
