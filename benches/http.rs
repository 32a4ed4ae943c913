//! The HTTP service under load, measured through its real server.
//!
//! Today: **reads while a sign-in storm runs.** A lawyer's case list (`GET /api/v1/cases`) is
//! read in a closed loop by 4 clients, first alone, then while 50 clients sign in over and over
//! (argon2 at the configured cost). Password hashing runs off the database connections behind a
//! semaphore sized to the cores, so the reads are meant to stay fast: the figure is the ratio of
//! the reads' p50 and p99 during the storm to the same without it, measured in one run.
//!
//! Run: `cargo bench --bench http` (SQLite in a temporary file; PostgreSQL too when
//! `TEST_DATABASE_URL` names a server: a fresh database is created and dropped). Optional:
//! `BENCH_SECONDS` per phase (default 10). Results and how to read them: benches/README.md.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use asylum_tracker::config::{MailTransportKind, MfaMode, Settings};
use asylum_tracker::db::run_db;
use asylum_tracker::service::accounts;
use asylum_tracker::startup::Application;
use diesel::prelude::*;
use serde_json::{json, Value};

const JWT_SECRET: &str = "bench-secret-that-is-long-enough-0123456789";
const PASSWORD: &str = "Sturdy lantern over quiet harbor 7";
const READERS: usize = 4;
const SIGN_INS: usize = 50;
const CASES: usize = 100;

fn main() {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let mut rows = Vec::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    rows.push(("SQLite", run("SQLite", &sqlite, dir.path(), seconds)));
    if let Ok(server) = std::env::var("TEST_DATABASE_URL") {
        let name = format!("asylum_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&server).expect("connect");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .expect("create bench database");
        let mut url = url::Url::parse(&server).expect("URL");
        url.set_path(&name);
        rows.push((
            "PostgreSQL",
            run("PostgreSQL", url.as_str(), dir.path(), seconds),
        ));
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin);
    }
    println!();
    println!(
        "| backend | reads/s alone | p50 / p99 alone (ms) | reads/s in storm | p50 / p99 in storm (ms) | p50 ratio | p99 ratio | sign-ins/s | sign-in p99 (ms) | 503s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, r) in rows {
        println!(
            "| {name} | {:.0} | {:.1} / {:.1} | {:.0} | {:.1} / {:.1} | {:.2} | {:.2} | {:.1} | {:.0} | {} |",
            r.alone.rate,
            r.alone.p50,
            r.alone.p99,
            r.storm.rate,
            r.storm.p50,
            r.storm.p99,
            r.storm.p50 / r.alone.p50,
            r.storm.p99 / r.alone.p99,
            r.sign_ins.rate,
            r.sign_ins.p99,
            r.refused,
        );
    }
}

struct Figures {
    rate: f64,
    p50: f64,
    p99: f64,
}

struct Outcome {
    alone: Figures,
    storm: Figures,
    sign_ins: Figures,
    refused: usize,
}

fn figures(mut ms: Vec<f64>, elapsed: Duration) -> Figures {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| {
        if ms.is_empty() {
            f64::NAN
        } else {
            ms[((ms.len() as f64 - 1.0) * q).round() as usize]
        }
    };
    Figures {
        rate: ms.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn settings(url: &str, dir: &std::path::Path) -> Settings {
    let mut s = Settings::load(None).expect("default settings");
    s.server.bind = "127.0.0.1:0".to_string();
    s.server.workers = Some(2);
    s.database.url = url.to_string();
    s.auth.jwt_secret = Some(JWT_SECRET.to_string());
    s.auth.mfa = MfaMode::Optional;
    s.mail.transport = MailTransportKind::File;
    s.mail.file_dir = dir.join("outbox");
    // All clients are on 127.0.0.1: the per-address limit would measure itself, not hashing.
    s.limits.sign_in_per_minute = 1_000_000;
    s.limits.refresh_per_minute = 1_000_000;
    s
}

fn run(name: &str, url: &str, dir: &std::path::Path, seconds: u64) -> Outcome {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings(url, dir))
            .await
            .expect("application builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        actix_web::rt::spawn(app.run_until_stopped());
        // The storm's accounts and the reader, through the library's own account code.
        for i in 0..=SIGN_INS {
            let role = if i == 0 { "lawyer" } else { "caseworker" };
            let account = accounts::prepare(
                &state.hasher,
                &format!("user{i}@bench.test"),
                "Bench User",
                role,
                PASSWORD,
                "America/New_York",
            )
            .await
            .expect("account");
            run_db(&state.pool, move |conn| {
                accounts::create(conn, None, &account).map(|_| ())
            })
            .await
            .expect("create");
        }
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let token = sign_in(&http, &base, "user0@bench.test")
            .await
            .expect("reader signs in");
        for i in 0..CASES {
            let client: Value = http
                .post(format!("{base}/api/v1/clients"))
                .bearer_auth(&token)
                .json(&json!({"given_name": "Bench", "family_name": format!("Client {i}")}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            http.post(format!("{base}/api/v1/cases"))
                .bearer_auth(&token)
                .json(&json!({"client_id": client["id"], "kind": "affirmative"}))
                .send()
                .await
                .unwrap();
        }
        let secs = Duration::from_secs(seconds);
        // Warm-up, then the reads alone.
        reads(&http, &base, &token, Duration::from_secs(1)).await;
        let alone = reads(&http, &base, &token, secs).await;
        // The storm: 50 clients signing in back to back, while the readers read.
        let stop = Arc::new(AtomicBool::new(false));
        let refused = Arc::new(AtomicUsize::new(0));
        let mut storm = Vec::new();
        let started = Instant::now();
        for i in 1..=SIGN_INS {
            let (http, base, stop, refused) =
                (http.clone(), base.clone(), stop.clone(), refused.clone());
            storm.push(actix_web::rt::spawn(async move {
                let mut ms = Vec::new();
                let email = format!("user{i}@bench.test");
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    match sign_in(&http, &base, &email).await {
                        Some(_) => ms.push(t.elapsed().as_secs_f64() * 1000.0),
                        None => {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                ms
            }));
        }
        // Let the queue for the hasher fill before reading.
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        let during = reads(&http, &base, &token, secs).await;
        stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for t in storm {
            all.extend(t.await.unwrap_or_default());
        }
        let sign_ins = figures(all, started.elapsed());
        eprintln!(
            "{name}: alone {:.0} reads/s, storm {:.0} reads/s, {:.1} sign-ins/s",
            alone.rate, during.rate, sign_ins.rate
        );
        Outcome {
            alone,
            storm: during,
            sign_ins,
            refused: refused.load(Ordering::Relaxed),
        }
    })
}

/// The access token, or None for a refusal (503 when the hasher's queue is full).
async fn sign_in(http: &reqwest::Client, base: &str, email: &str) -> Option<String> {
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    let v: Value = res.json().await.ok()?;
    v["access_token"].as_str().map(String::from)
}

/// READERS clients reading the case list in a closed loop for `length`.
async fn reads(http: &reqwest::Client, base: &str, token: &str, length: Duration) -> Figures {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..READERS {
        let (http, url, token) = (
            http.clone(),
            format!("{base}/api/v1/cases?assigned_to=me&limit=50"),
            token.to_string(),
        );
        tasks.push(actix_web::rt::spawn(async move {
            let mut ms = Vec::new();
            while started.elapsed() < length {
                let t = Instant::now();
                let res = http.get(&url).bearer_auth(&token).send().await;
                let ok = match res {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                assert!(ok, "a read failed");
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            ms
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    figures(all, started.elapsed())
}
