//! The HTTP service under load, measured through its real release server (issue 14 item 1).
//!
//! One run, per backend (SQLite in a temporary file; PostgreSQL too when `TEST_DATABASE_URL`
//! names a server, on a fresh database created and dropped here):
//! 1. builds a data set from a seed through the server's own API (`dataset`): by default 2,000
//!    clients, 2,500 cases, about 6,500 hearings and the deadlines the engine computes from
//!    filings, hearings and decisions, one lawyer with 400 cases; `--scale F` (or `BENCH_SCALE`)
//!    multiplies the counts;
//! 2. records which statements the service runs for each measured request (`capture`: the same
//!    requests once through an in-process instance with diesel's instrumentation on its pool);
//! 3. measures six endpoints closed-loop (16 connections, `BENCH_SECONDS` each) against the same
//!    statements replayed straight on a connection pool with the same concurrency (`ceiling`;
//!    on PostgreSQL both as prepared statements and planned per execution);
//! 4. p99 at a fixed 500 requests/s for the agenda and one case's deadlines, and the agenda's
//!    with 20 sign-ins running at once; the server's peak resident memory (VmHWM);
//! 5. on SQLite, times `asylum-tracker backup` and `restore` of the data set;
//!
//! then prints a markdown table of the figures, ratios and targets. Results: benches/README.md.

mod capture;
mod ceiling;
mod dataset;
mod load;
mod report;
mod server;

use std::time::Duration;

use diesel::{Connection, RunQueryDsl};

/// What a run is asked for: from the command line (`-- --scale 0.1`) or the environment.
#[derive(Clone, Debug)]
pub struct Options {
    pub scale: f64,
    pub seed: u64,
    pub seconds: Duration,
}

impl Options {
    fn from_env() -> Options {
        let env = |k: &str| std::env::var(k).ok();
        let mut scale: f64 = env("BENCH_SCALE")
            .and_then(|s| s.parse().ok())
            .unwrap_or(1.0);
        let mut seed: u64 = env("BENCH_SEED").and_then(|s| s.parse().ok()).unwrap_or(14);
        let mut args = std::env::args().skip(1);
        // `cargo bench` passes `--bench`; anything we do not know is ignored.
        while let Some(a) = args.next() {
            match a.as_str() {
                "--scale" => {
                    scale = args
                        .next()
                        .and_then(|s| s.parse().ok())
                        .expect("--scale takes a number, e.g. 0.1")
                }
                "--seed" => {
                    seed = args
                        .next()
                        .and_then(|s| s.parse().ok())
                        .expect("--seed takes a number")
                }
                _ => {}
            }
        }
        assert!(scale > 0.0, "the scale must be positive");
        let seconds = env("BENCH_SECONDS")
            .and_then(|s| s.parse().ok())
            .unwrap_or(10u64);
        Options {
            scale,
            seed,
            seconds: Duration::from_secs(seconds.max(1)),
        }
    }
}

/// Which database a run is on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

fn main() {
    let options = Options::from_env();
    eprintln!(
        "bench http: scale {}, seed {}, {} s a phase",
        options.scale,
        options.seed,
        options.seconds.as_secs()
    );
    let started = std::time::Instant::now();
    let keep = std::env::var("BENCH_KEEP").ok();
    let mut results = Vec::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    results.push(server::run_backend(
        Backend::Sqlite,
        &sqlite,
        dir.path(),
        &options,
    ));
    if let Ok(server) = std::env::var("TEST_DATABASE_URL") {
        let name = format!("asylum_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&server).expect("connect to PostgreSQL");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .expect("create the bench database");
        let mut url = url::Url::parse(&server).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        let pg_dir = dir.path().join("pg");
        std::fs::create_dir_all(&pg_dir).expect("pg dir");
        let outcome = std::panic::catch_unwind(|| {
            server::run_backend(Backend::Postgres, url.as_str(), &pg_dir, &options)
        });
        // BENCH_KEEP: the database stays for profiling its statements by hand.
        if keep.is_some() {
            eprintln!("kept: PostgreSQL database {name}");
        } else {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin);
        }
        match outcome {
            Ok(r) => results.push(r),
            Err(e) => std::panic::resume_unwind(e),
        }
    }
    if let Some(keep) = keep {
        let to = std::path::Path::new(&keep).join("bench.db");
        std::fs::copy(dir.path().join("backup.db"), &to).expect("copy the SQLite backup");
        eprintln!("kept: SQLite database {}", to.display());
    }
    report::print(&results, &options, started.elapsed());
}
