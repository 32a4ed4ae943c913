//! One backend's run: the release server as a child process (`asylum-tracker serve`, configured
//! by environment variables as an operator would), the data set, the phases, its peak memory,
//! and on SQLite the `backup` and `restore` commands.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Days;
use diesel::{QueryDsl, RunQueryDsl};
use serde_json::json;

use crate::capture::{self, Template};
use crate::ceiling::{self, Mode};
use crate::dataset::{self, Dataset, LAWYER, PASSWORD};
use crate::load::{self, Call, Figures, Storm};
use crate::{Backend, Options};

const JWT_SECRET: &str = "bench-secret-that-is-long-enough-0123456789";
/// Connections of the closed loops (HTTP and direct SQL alike).
pub const CONNECTIONS: usize = 16;
/// Requests a second of the open loops.
pub const RATE: f64 = 500.0;
/// The storm: this many accounts signing in back to back.
pub const SIGN_INS: usize = dataset::STORM_USERS;
/// Requests taken in turn for the endpoints about one case (and their captured statements).
const ROTATION: usize = 32;

pub struct Endpoint {
    pub name: &'static str,
    pub service: Figures,
    pub ceilings: Vec<(Mode, Figures)>,
    /// Statements of the first captured request.
    pub statements: usize,
}

pub struct Backup {
    pub bytes: u64,
    pub backup_seconds: f64,
    pub restore_seconds: f64,
}

pub struct BackendResult {
    pub backend: Backend,
    pub dataset: Dataset,
    pub deadlines: i64,
    pub agenda_items: usize,
    pub endpoints: Vec<Endpoint>,
    pub open_agenda: Figures,
    pub open_case_deadlines: Figures,
    pub storm_agenda: Figures,
    pub storm_sign_ins: Figures,
    pub peak_rss_kib: u64,
    pub backup: Option<Backup>,
}

struct Served {
    child: Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(url: &str, dir: &Path) -> Served {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("address").port()
    };
    let log = std::fs::File::create(dir.join("server.log")).expect("server log");
    let unlimited = "1000000";
    let child = Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
        .arg("serve")
        .current_dir(dir)
        .env("ASYLUM_TRACKER__DATABASE__URL", url)
        .env("ASYLUM_TRACKER__AUTH__JWT_SECRET", JWT_SECRET)
        .env("ASYLUM_TRACKER__AUTH__MFA", "optional")
        .env("ASYLUM_TRACKER__AUTH__ACCESS_TOKEN_MINUTES", "600")
        .env("ASYLUM_TRACKER__SERVER__BIND", format!("127.0.0.1:{port}"))
        // Every client is 127.0.0.1: per-address limits would measure themselves.
        .env("ASYLUM_TRACKER__LIMITS__SIGN_IN_PER_MINUTE", unlimited)
        .env("ASYLUM_TRACKER__LIMITS__MFA_PER_MINUTE", unlimited)
        .env(
            "ASYLUM_TRACKER__LIMITS__PASSWORD_RESET_PER_MINUTE",
            unlimited,
        )
        .env("ASYLUM_TRACKER__LIMITS__REFRESH_PER_MINUTE", unlimited)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("run asylum-tracker serve");
    let served = Served {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /ready HTTP/1.0\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200") {
                return served;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "the server did not become ready; see {}",
        dir.join("server.log").display()
    );
}

/// The peak resident memory of a process so far (kiB).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("HTTP client")
}

fn rt<F: std::future::Future>(f: F) -> F::Output {
    actix_web::rt::System::new().block_on(f)
}

/// The six endpoints, each as the requests a rotation takes in turn (as the bench lawyer).
fn endpoints(data: &Dataset) -> Vec<(&'static str, Vec<Call>)> {
    let today = dataset::today();
    let to = today + Days::new(30);
    let cases: Vec<_> = data.lawyer_cases.iter().take(ROTATION).collect();
    let hearing = |k: usize, id: &str| {
        // Far ahead, so that the new hearings' deadlines stay out of the agenda's window.
        let on = today + Days::new(400 + (k % 200) as u64);
        Call::post(
            format!("/api/v1/cases/{id}/hearings"),
            json!({"kind": "master_calendar", "starts_at_local": format!("{on}T10:00")}),
        )
    };
    let defensive: Vec<_> = data.lawyer_cases.iter().filter(|c| c.defensive).collect();
    assert!(
        !defensive.is_empty(),
        "the bench lawyer has no defensive case"
    );
    vec![
        (
            "agenda (30 days)",
            vec![Call::get(format!(
                "/api/v1/deadlines?status=open&from={today}&to={to}&limit=200"
            ))],
        ),
        (
            "case list (assigned_to=me)",
            vec![Call::get("/api/v1/cases?assigned_to=me".to_string())],
        ),
        (
            "client search",
            dataset::FAMILY
                .iter()
                .take(8)
                .map(|f| Call::post("/api/v1/clients/search".to_string(), json!({"q": f})))
                .collect(),
        ),
        (
            "one case",
            cases
                .iter()
                .map(|c| Call::get(format!("/api/v1/cases/{}", c.id)))
                .collect(),
        ),
        (
            "one case's deadlines",
            cases
                .iter()
                .map(|c| Call::get(format!("/api/v1/cases/{}/deadlines", c.id)))
                .collect(),
        ),
        (
            "create a hearing",
            defensive
                .iter()
                .enumerate()
                .map(|(k, c)| hearing(k, &c.id))
                .collect(),
        ),
    ]
}

fn ceilings(
    backend: Backend,
    url: &str,
    templates: &[Template],
    options: &Options,
) -> Vec<(Mode, Figures)> {
    [Mode::Prepared, Mode::PerExecution]
        .iter()
        .map(|&m| {
            let f = ceiling::run(m, backend, url, templates, CONNECTIONS, options.seconds);
            show(m.label(), &f);
            (m, f)
        })
        .collect()
}

fn show(what: &str, f: &Figures) {
    eprintln!(
        "    {what}: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, {} errors{}",
        f.rate,
        f.p50_ms,
        f.p99_ms,
        f.errors,
        f.first_error
            .as_deref()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
}

pub fn run_backend(backend: Backend, url: &str, dir: &Path, options: &Options) -> BackendResult {
    eprintln!("{}:", backend.name());
    let served = serve(url, dir);
    let base = served.base.clone();
    let pid = served.child.id();
    let admin_password = std::fs::read_to_string(dir.join("data/initial-admin-password"))
        .expect("the first run's admin password file");
    let admin_password = admin_password.trim().to_string();

    // The data set, and the bench lawyer's token.
    let (data, token) = rt(async {
        let http = http();
        let admin = load::sign_in(&http, &base, "admin@localhost", &admin_password)
            .await
            .expect("admin signs in");
        let data = dataset::build(&http, &base, &admin, options.scale, options.seed).await;
        let token = load::sign_in(&http, &base, LAWYER, PASSWORD)
            .await
            .expect("the bench lawyer signs in");
        (data, token)
    });
    let deadlines = {
        let pool = asylum_tracker::db::build_pool(url, Some(1)).expect("a pool to count rows");
        let mut conn = pool.get().expect("a connection");
        if backend == Backend::Postgres {
            // What autovacuum does after a bulk load, at once: without statistics the planner
            // guesses (the agenda read 5,716 buffers instead of 1,337), and autovacuum may be
            // off or a minute away (the server logs a warning when it is off).
            diesel::sql_query("ANALYZE")
                .execute(&mut *conn)
                .expect("ANALYZE the data set");
        }
        asylum_tracker::db::schema::deadlines::table
            .count()
            .get_result::<i64>(&mut *conn)
            .expect("count deadlines")
    };
    eprintln!("  {deadlines} deadlines");
    // The peak so far after each phase, to tell which phase set it.
    let peak_after = |phase: &str| {
        eprintln!(
            "  server peak RSS after {phase}: {} MiB",
            peak_rss_kib(pid) / 1024
        )
    };
    peak_after("the data set");

    let endpoints = endpoints(&data);
    let calls: Vec<Vec<Call>> = endpoints
        .iter()
        .map(|(name, calls)| {
            if name.starts_with("create") {
                calls.iter().take(ROTATION).cloned().collect()
            } else {
                calls.clone()
            }
        })
        .collect();
    let started = Instant::now();
    let captured = capture::capture(url, dir, JWT_SECRET, &token, &calls);
    eprintln!(
        "  statements captured in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        endpoints
            .iter()
            .zip(&captured)
            .map(|((n, _), t)| format!("{n} {}", t[0].stmts.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let agenda_items = rt(async {
        let http = http();
        let r = http
            .get(format!("{base}{}", endpoints[0].1[0].path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("agenda");
        let v: serde_json::Value = r.json().await.expect("agenda JSON");
        v["items"].as_array().map(|a| a.len()).unwrap_or(0)
    });
    eprintln!("  the bench lawyer's agenda holds {agenda_items} deadlines");

    // Reads: the service, then the same statements straight on a pool.
    let mut results = Vec::new();
    for (k, &(name, ref calls)) in endpoints.iter().enumerate().take(5) {
        eprintln!("  {name}:");
        let service = rt(async {
            let http = http();
            // A short warm-up (connections, caches), not counted.
            load::closed(
                &http,
                &base,
                &token,
                calls,
                CONNECTIONS,
                Duration::from_secs(1),
            )
            .await;
            load::closed(&http, &base, &token, calls, CONNECTIONS, options.seconds).await
        });
        show("service", &service);
        let ceilings = ceilings(backend, url, &captured[k], options);
        results.push(Endpoint {
            name,
            service,
            ceilings,
            statements: captured[k][0].stmts.len(),
        });
    }

    peak_after("the closed-loop reads");
    // Fixed rate: the agenda and one case's deadlines; then the agenda during a sign-in storm.
    let (open_agenda, open_case_deadlines, storm_agenda, storm_sign_ins) = rt(async {
        let http = http();
        let agenda = load::open(&http, &base, &token, &endpoints[0].1, RATE, options.seconds).await;
        show("agenda at 500/s", &agenda);
        peak_after("the agenda at 500/s");
        let case_deadlines =
            load::open(&http, &base, &token, &endpoints[4].1, RATE, options.seconds).await;
        show("one case's deadlines at 500/s", &case_deadlines);
        peak_after("one case's deadlines at 500/s");
        let storm = Storm::start(&http, &base, &data.storm_emails, PASSWORD);
        // Let the hasher's queue fill first.
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        let during = load::open(&http, &base, &token, &endpoints[0].1, RATE, options.seconds).await;
        let sign_ins = storm.finish().await;
        show("agenda at 500/s during the storm", &during);
        show("sign-ins during the storm", &sign_ins);
        peak_after("the storm");
        (agenda, case_deadlines, during, sign_ins)
    });

    // Writes last, so that the reads above saw the data set as built.
    let (name, calls) = (endpoints[5].0, &endpoints[5].1);
    eprintln!("  {name}:");
    let service = rt(async {
        let http = http();
        load::closed(&http, &base, &token, calls, CONNECTIONS, options.seconds).await
    });
    show("service", &service);
    let ceilings = ceilings(backend, url, &captured[5], options);
    results.push(Endpoint {
        name,
        service,
        ceilings,
        statements: captured[5][0].stmts.len(),
    });

    let peak_rss_kib = peak_rss_kib(pid);
    eprintln!("  server peak RSS {} MiB", peak_rss_kib / 1024);
    drop(served);

    let backup = (backend == Backend::Sqlite).then(|| backup_and_restore(url, dir));
    BackendResult {
        backend,
        dataset: data,
        deadlines,
        agenda_items,
        endpoints: results,
        open_agenda,
        open_case_deadlines,
        storm_agenda,
        storm_sign_ins,
        peak_rss_kib,
        backup,
    }
}

/// `asylum-tracker backup FILE` of the data set, then `restore FILE` into a fresh database.
fn backup_and_restore(url: &str, dir: &Path) -> Backup {
    let file = dir.join("backup.db");
    let (backup_seconds, out) = timed_cli("backup", &file, url, dir);
    let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "  backup: {:.2} s, {:.1} MiB: {}",
        backup_seconds,
        bytes as f64 / 1048576.0,
        String::from_utf8_lossy(&out.stdout).trim()
    );
    let restored = format!("sqlite://{}", dir.join("restored/asylum.db").display());
    let (restore_seconds, out) = timed_cli("restore", &file, &restored, dir);
    eprintln!(
        "  restore: {:.2} s: {}",
        restore_seconds,
        String::from_utf8_lossy(&out.stdout).trim()
    );
    Backup {
        bytes,
        backup_seconds,
        restore_seconds,
    }
}

/// Runs `asylum-tracker VERB FILE` on the database at `url`; its wall time and output.
fn timed_cli(verb: &str, file: &Path, url: &str, dir: &Path) -> (f64, std::process::Output) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
        .arg(verb)
        .arg(file)
        .current_dir(dir)
        .env("ASYLUM_TRACKER__DATABASE__URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap_or_else(|e| panic!("run asylum-tracker {verb}: {e}"));
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{verb} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (seconds, out)
}
