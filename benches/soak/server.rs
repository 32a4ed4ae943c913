//! The release binary as a child process: set up (migrate, the first admin through the CLI),
//! served on a free port, its resident memory read from /proc, its log kept in a file.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The log line `From<r2d2::Error>` writes when a request waited `database.timeout_seconds`
/// for a connection in vain (src/error.rs).
pub const POOL_TIMEOUT_LINE: &str = "database connection unavailable";

pub const ADMIN_EMAIL: &str = "admin-0@soak.test";

pub struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

/// The environment every command of one run shares: the bench's own secret, no second factor
/// (the soak's users have no authenticator), per-address limits lifted (every client is
/// 127.0.0.1), mail to files, and reminders due at once and looked for every 5 s so that the
/// worker runs beside the requests as it would in production.
fn configure(cmd: &mut Command, url: &str, dir: &Path, port: u16, password: &str) {
    cmd.current_dir(dir)
        .env("ASYLUM_TRACKER__DATABASE__URL", url)
        .env(
            "ASYLUM_TRACKER__AUTH__JWT_SECRET",
            "soak-bench-secret-that-is-long-enough-0123456789",
        )
        .env("ASYLUM_TRACKER__AUTH__MFA", "optional")
        // Longer than the longest soak plus its verification: no refreshes to orchestrate.
        .env("ASYLUM_TRACKER__AUTH__ACCESS_TOKEN_MINUTES", "120")
        .env("ASYLUM_TRACKER__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("ASYLUM_TRACKER__MAIL__TRANSPORT", "file")
        .env("ASYLUM_TRACKER__MAIL__FILE_DIR", dir.join("outbox"))
        .env("ASYLUM_TRACKER__LIMITS__SIGN_IN_PER_MINUTE", "1000000")
        .env("ASYLUM_TRACKER__LIMITS__MFA_PER_MINUTE", "1000000")
        .env(
            "ASYLUM_TRACKER__LIMITS__PASSWORD_RESET_PER_MINUTE",
            "1000000",
        )
        .env("ASYLUM_TRACKER__LIMITS__REFRESH_PER_MINUTE", "1000000")
        .env("ASYLUM_TRACKER__REMINDERS__TIME_ZONE", "UTC")
        .env("ASYLUM_TRACKER__REMINDERS__SEND_TIME", "00:00")
        .env("ASYLUM_TRACKER__REMINDERS__POLL_SECONDS", "5")
        .env("ASYLUM_TRACKER_ADMIN_PASSWORD", password)
        // Warnings and errors only: a line per request would be hundreds of MB in 10 minutes.
        .env("RUST_LOG", "warn");
}

fn run_cli(url: &str, dir: &Path, password: &str, args: &[&str]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_asylum-tracker"));
    cmd.args(args);
    configure(&mut cmd, url, dir, 0, password);
    let out = cmd.output().expect("run asylum-tracker");
    assert!(
        out.status.success(),
        "asylum-tracker {} failed: {}",
        args[0],
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Server {
    /// Migrates `url`, creates the first admin, then serves from `dir` until dropped.
    pub async fn start(url: &str, dir: &Path, password: &str) -> Server {
        std::fs::create_dir_all(dir).expect("server directory");
        run_cli(url, dir, password, &["migrate"]);
        run_cli(
            url,
            dir,
            password,
            &[
                "create-admin",
                "--email",
                ADMIN_EMAIL,
                "--name",
                "Soak admin 0",
            ],
        );
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let log = dir.join("serve.log");
        let file = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_asylum-tracker"));
        cmd.arg("serve")
            .stdout(Stdio::from(file.try_clone().expect("log file")))
            .stderr(Stdio::from(file));
        configure(&mut cmd, url, dir, port, password);
        let child = cmd.spawn().expect("run asylum-tracker serve");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = http.get(format!("{}/ready", server.base)).send().await {
                if r.status().is_success() {
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "serve did not become ready in 60 s; its log: {}",
            server.log.display()
        );
    }

    /// Resident memory in KiB (VmRSS), None once the process is gone.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// VmRSS split into anonymous memory (the heap), file mappings and shared memory (SQLite's
    /// WAL index is a shared mapping), to tell a growing heap from growing mappings.
    pub fn rss_parts(&self) -> String {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .filter(|l| {
                ["RssAnon:", "RssFile:", "RssShmem:", "Threads:"]
                    .iter()
                    .any(|k| l.starts_with(k))
            })
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the process is still running (a crash is a failure of its own).
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The log's lines containing `needle`, and the first few of them.
    pub fn log_lines(&self, needle: &str) -> (usize, Vec<String>) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let hits: Vec<&str> = text.lines().filter(|l| l.contains(needle)).collect();
        (
            hits.len(),
            hits.iter().take(3).map(|s| s.to_string()).collect(),
        )
    }

    /// Every line at level ERROR (a 500 logs one; so would a failing reminder worker).
    pub fn error_lines(&self) -> (usize, Vec<String>) {
        self.log_lines("\"level\":\"ERROR\"")
    }

    /// SIGTERM, then wait (the service drains within server.shutdown_seconds).
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // After `stop` this finds the process gone; after a panic it ends it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
