//! Rebuilds when a migration is added (embed_migrations! does not notice new folders), and marks
//! the PostgreSQL test variants ignored when no test server is named, so that a run without one
//! reports them as ignored instead of passing them.
fn main() {
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rustc-check-cfg=cfg(no_test_database)");
    if std::env::var_os("TEST_DATABASE_URL").is_none() {
        println!("cargo::rustc-cfg=no_test_database");
    }
}
