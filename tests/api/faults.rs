//! Faults survived: the real binary killed with SIGKILL during a burst of writes loses no
//! acknowledged write, and stopped with SIGTERM finishes what it accepted; the database going away while serving gives 503 within the configured
//! time (never a hang, never a 500), `/ready` says so within 2 s, and the service comes back by
//! itself; start-up against a database that is down retries a bounded number of times, one log
//! line each, and exits non-zero.

use std::io::ErrorKind;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{
    body, client_body, create_client, fresh_database, spawn_app_on, Backend, Inbox, JWT_SECRET,
};

crate::each_backend!(
    sigkill_during_eight_writers_loses_no_acknowledged_write,
    sigterm_under_load_finishes_what_it_accepted,
    a_queue_for_the_pool_holds_no_thread,
    a_queue_longer_than_the_time_out_is_refused_at_once,
);

/// The binary serving `url` from `dir` on a free port.
struct Served {
    child: Child,
    base: String,
}

async fn serve(url: &str, dir: &std::path::Path) -> Served {
    serve_with(url, dir, &[]).await
}

/// [`serve`] with more settings (`ASYLUM_TRACKER__...` variables).
async fn serve_with(url: &str, dir: &std::path::Path, settings: &[(&str, &str)]) -> Served {
    let port = crate::helpers::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
        .arg("serve")
        .current_dir(dir)
        .env("ASYLUM_TRACKER__DATABASE__URL", url)
        .env("ASYLUM_TRACKER__AUTH__JWT_SECRET", JWT_SECRET)
        .env("ASYLUM_TRACKER__AUTH__MFA", "optional")
        .env("ASYLUM_TRACKER__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("ASYLUM_TRACKER__SERVER__WORKERS", "2")
        .env("ASYLUM_TRACKER__LIMITS__SIGN_IN_PER_MINUTE", "100000")
        // Reminders due at once and looked for every second, so the worker is busy too.
        .env("ASYLUM_TRACKER__REMINDERS__TIME_ZONE", "UTC")
        .env("ASYLUM_TRACKER__REMINDERS__SEND_TIME", "00:00")
        .env("ASYLUM_TRACKER__REMINDERS__POLL_SECONDS", "1")
        .env("ASYLUM_TRACKER__SERVER__SHUTDOWN_SECONDS", "20")
        .env("RUST_LOG", "warn")
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run serve");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(r) = http.get(format!("{base}/ready")).send().await {
            if r.status().is_success() {
                return Served { child, base };
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve did not become ready");
}

async fn sign_in(http: &reqwest::Client, base: &str, password: &str) -> String {
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "admin@localhost", "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    v["access_token"].as_str().expect("token").to_string()
}

/// Threads of a process, from /proc.
fn threads_of(pid: u32) -> usize {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// A served binary for a burst at its pool: signed in as the bootstrap admin, with `clients`
/// clients to list. The database and directory last as long as this.
struct Queued {
    s: Served,
    http: reqwest::Client,
    token: String,
    _db: crate::helpers::DbGuard,
    _dir: tempfile::TempDir,
}

async fn queued(backend: Backend, settings: &[(&str, &str)], clients: usize) -> Queued {
    let (url, db) = fresh_database(backend);
    let dir = tempfile::tempdir().expect("tempdir");
    let s = serve_with(&url, dir.path(), settings).await;
    let password = std::fs::read_to_string(dir.path().join("data/initial-admin-password"))
        .expect("bootstrap password");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(700)
        .build()
        .expect("client");
    let token = sign_in(&http, &s.base, password.trim()).await;
    for i in 0..clients {
        let res = http
            .post(format!("{}/api/v1/clients", s.base))
            .bearer_auth(&token)
            .json(&client_body("Wei", &format!("Chen{i}")))
            .send()
            .await
            .expect("client");
        assert_eq!(res.status(), 201);
    }
    Queued {
        s,
        http,
        token,
        _db: db,
        _dir: dir,
    }
}

/// 300 requests at once against a pool of two connections: they wait for a connection as
/// futures, not each on a blocking thread of its own (issue 14: 300 agenda requests at once took
/// the server to 315 threads and RSS 74 -> 236 MiB). Every request is still answered 200.
async fn a_queue_for_the_pool_holds_no_thread(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let Queued {
        mut s,
        http,
        token,
        _db,
        _dir,
    } = queued(
        backend,
        &[
            ("ASYLUM_TRACKER__DATABASE__POOL_SIZE", "2"),
            // The whole burst queues (none is refused as too late): this is about threads.
            ("ASYLUM_TRACKER__DATABASE__TIMEOUT_SECONDS", "120"),
        ],
        20,
    )
    .await;
    let pid = s.child.id();
    let before = threads_of(pid);
    let most = Arc::new(std::sync::atomic::AtomicUsize::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (most, done) = (most.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                most.fetch_max(threads_of(pid), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let answers = futures_util::future::join_all((0..300).map(|_| {
        http.get(format!("{}/api/v1/clients?limit=50", s.base))
            .bearer_auth(&token)
            .send()
    }))
    .await;
    done.store(true, Ordering::SeqCst);
    sampler.join().expect("sampler");
    let statuses: Vec<u16> = answers
        .into_iter()
        .map(|r| r.map(|r| r.status().as_u16()).unwrap_or(0))
        .collect();
    let _ = s.child.kill();
    let _ = s.child.wait();
    assert!(
        statuses.iter().all(|&c| c == 200),
        "every request answered 200: {statuses:?}"
    );
    let most = most.load(Ordering::SeqCst);
    println!("threads: {before} before the burst, at most {most} during it");
    // Two workers, two connections' blocking threads, the reminder worker, runtimes: about 20.
    assert!(
        most <= before + 12,
        "threads rose from {before} to {most} for 300 requests on a pool of 2"
    );
}

/// 600 requests at once against one connection and a time-out of 1 s: those that would wait past
/// the time-out are refused at once, 503 with `Retry-After` and a detail saying the service is
/// busy, rather than each after waiting the second out (issue 14: under sustained overload every
/// request waited about the whole time-out, and most answers came after their clients had given
/// up). The rest are answered 200, and nothing else happens.
async fn a_queue_longer_than_the_time_out_is_refused_at_once(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let Queued {
        mut s,
        http,
        token,
        _db,
        _dir,
    } = queued(
        backend,
        &[
            ("ASYLUM_TRACKER__DATABASE__POOL_SIZE", "1"),
            ("ASYLUM_TRACKER__DATABASE__TIMEOUT_SECONDS", "1"),
        ],
        100,
    )
    .await;
    let answers = futures_util::future::join_all((0..600).map(|_| async {
        let res = http
            .get(format!("{}/api/v1/clients?limit=100", s.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("an answer");
        let status = res.status().as_u16();
        let retry = res.headers().get("retry-after").is_some();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        (status, retry, v)
    }))
    .await;
    let _ = s.child.kill();
    let _ = s.child.wait();
    let ok = answers.iter().filter(|a| a.0 == 200).count();
    let busy: Vec<_> = answers.iter().filter(|a| a.0 == 503).collect();
    let others: Vec<u16> = answers
        .iter()
        .map(|a| a.0)
        .filter(|c| *c != 200 && *c != 503)
        .collect();
    println!("{ok} answered, {} refused", busy.len());
    assert!(others.is_empty(), "only 200 or 503: {others:?}");
    assert!(ok > 0, "some requests are answered");
    assert!(
        !busy.is_empty(),
        "600 requests on one connection: some refused"
    );
    for (_, retry, v) in &busy {
        assert!(retry, "a refusal says when to retry");
        assert_eq!(v["status"], 503);
    }
    // A request the estimate let in may still wait the second out (503 "not reachable"); most
    // of the excess is refused at once.
    let at_once = busy
        .iter()
        .filter(|(_, _, v)| v["detail"].as_str().unwrap_or_default().contains("busy"))
        .count();
    assert!(
        at_once * 2 > busy.len(),
        "refused at once as busy, not after waiting out the time-out: {at_once} of {}",
        busy.len()
    );
}

/// Connections beyond `server.max_connections` (per worker) wait in the listen backlog until one
/// closes, rather than each being served at once and costing the server memory (issue 14: an
/// open-loop client holding about 2,500 connections took the server from about 80 to over 200
/// MiB). One worker, three connections: a fourth is answered only once one of them closes.
#[actix_web::test]
async fn connections_beyond_the_limit_wait_for_one_to_close() {
    use std::io::{Read, Write};
    let (url, _guard) = fresh_database(Backend::Sqlite);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = serve_with(
        &url,
        dir.path(),
        &[
            ("ASYLUM_TRACKER__SERVER__WORKERS", "1"),
            ("ASYLUM_TRACKER__SERVER__MAX_CONNECTIONS", "3"),
        ],
    )
    .await;
    // The readiness probe's connection has closed (its client is gone); give the server a moment.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let ask = |c: &mut TcpStream| {
        c.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .expect("send");
    };
    // Reads until an answer's body has arrived, or the read time-out passes.
    let answered = |c: &mut TcpStream, wait: Duration| -> bool {
        c.set_read_timeout(Some(wait)).expect("timeout");
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        let until = Instant::now() + wait;
        while Instant::now() < until {
            match c.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if String::from_utf8_lossy(&got).contains("\"ok\"") {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    };
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut c = TcpStream::connect(&addr).expect("connect");
            ask(&mut c);
            assert!(answered(&mut c, Duration::from_secs(10)), "served");
            c
        })
        .collect();
    // Accepted by the kernel, not yet by the server: its request waits.
    let mut fourth = TcpStream::connect(&addr).expect("connect");
    ask(&mut fourth);
    let early = answered(&mut fourth, Duration::from_millis(1500));
    // One of the three closes: the fourth is taken in and answered.
    let first = held.remove(0);
    first.shutdown(Shutdown::Both).expect("close");
    drop(first);
    let later = answered(&mut fourth, Duration::from_secs(10));
    drop(held);
    let _ = s.child.kill();
    let _ = s.child.wait();
    assert!(
        !early,
        "a fourth connection is not served while three are open"
    );
    assert!(later, "the fourth is served once one of the three closes");
}

/// Writes acknowledged before the process is signalled.
const ACKNOWLEDGED_BEFORE_STOP: usize = 300;

/// How the burst of writes is ended.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stop {
    /// SIGKILL: nothing may be lost that was acknowledged.
    Kill,
    /// SIGTERM: besides, every request that got an answer got a 201 (what was accepted
    /// finished), the process exits 0, and no reminder is left leased.
    Term,
}

/// Eight clients record manual deadlines (due in three days, so reminders are due at once) as
/// fast as they can; the process is stopped in the middle. After a restart on the same database
/// every deadline whose creation was answered 201 is there.
async fn sigkill_during_eight_writers_loses_no_acknowledged_write(backend: Backend) {
    burst_then(backend, Stop::Kill).await;
}

async fn sigterm_under_load_finishes_what_it_accepted(backend: Backend) {
    burst_then(backend, Stop::Term).await;
}

async fn burst_then(backend: Backend, how: Stop) {
    if backend == Backend::Postgres && std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let (url, _guard) = fresh_database(backend);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = serve(&url, dir.path()).await;
    let password = std::fs::read_to_string(dir.path().join("data/initial-admin-password"))
        .expect("bootstrap password");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let token = sign_in(&http, &s.base, password.trim()).await;
    let post = |path: &str, b: Value| {
        http.post(format!("{}{path}", s.base))
            .bearer_auth(&token)
            .json(&b)
            .send()
    };
    let lawyer: Value = post(
        "/api/v1/users",
        json!({"email": "lee@test.org", "name": "Lee", "role": "lawyer",
               "password": crate::helpers::USER_PASSWORD}),
    )
    .await
    .expect("user")
    .json()
    .await
    .expect("json");
    let client: Value = post("/api/v1/clients", client_body("Wei", "Chen"))
        .await
        .expect("client")
        .json()
        .await
        .expect("json");
    let case: Value = post(
        "/api/v1/cases",
        json!({"client_id": client["id"], "kind": "affirmative", "lawyer_ids": [lawyer["id"]]}),
    )
    .await
    .expect("case")
    .json()
    .await
    .expect("json");
    let path = format!(
        "/api/v1/cases/{}/deadlines",
        case["id"].as_str().expect("id")
    );
    let due = (chrono::Utc::now().date_naive() + chrono::Duration::days(3)).to_string();

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let answered_otherwise = Arc::new(Mutex::new(Vec::<u16>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers = (0..8).map(|w| {
        let (acknowledged, otherwise, stop, post, path, due) = (
            acknowledged.clone(),
            answered_otherwise.clone(),
            stop.clone(),
            &post,
            &path,
            &due,
        );
        async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let b = json!({"kind": "other", "title": format!("Brief {w}-{n}"), "due_on": due});
                match post(path, b).await {
                    Ok(r) if r.status() == 201 => match r.json::<Value>().await {
                        Ok(v) => {
                            let id = v["id"].as_str().unwrap_or_default().to_string();
                            acknowledged.lock().expect("lock").push(id);
                        }
                        // Cut off while the answer was read: not acknowledged.
                        Err(_) => break,
                    },
                    Ok(r) => {
                        otherwise.lock().expect("lock").push(r.status().as_u16());
                        break;
                    }
                    // Refused or cut off: not accepted, so nothing is owed.
                    Err(_) => break,
                }
            }
        }
    });
    let stopper = async {
        // Until a good number of writes are in (enough that some are in flight at the signal),
        // then at once.
        while acknowledged.lock().expect("lock").len() < ACKNOWLEDGED_BEFORE_STOP {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        match how {
            Stop::Kill => {
                let _ = s.child.kill();
            }
            Stop::Term => {
                let _ = Command::new("kill")
                    .args(["-TERM", &s.child.id().to_string()])
                    .status();
            }
        }
        // The writers go on until the service stops answering.
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::SeqCst);
    };
    futures_util::join!(futures_util::future::join_all(writers), stopper);
    let exited = actix_web::rt::task::spawn_blocking(move || {
        let status = s.child.wait();
        (s, status)
    });
    let (s, status) = actix_web::rt::time::timeout(Duration::from_secs(40), exited)
        .await
        .expect("the process exits within server.shutdown_seconds")
        .expect("joined");
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() >= ACKNOWLEDGED_BEFORE_STOP,
        "{}",
        acknowledged.len()
    );
    if how == Stop::Term {
        assert!(status.expect("status").success(), "SIGTERM is a clean exit");
        let otherwise = answered_otherwise.lock().expect("lock").clone();
        assert!(
            otherwise.is_empty(),
            "requests accepted before SIGTERM finished: {otherwise:?}"
        );
        let pool = asylum_tracker::db::build_pool(&url, Some(1)).expect("pool");
        let mut conn = pool.get().expect("connection");
        use asylum_tracker::db::schema::reminders;
        use diesel::prelude::*;
        let leased: i64 = reminders::table
            .filter(reminders::lease_owner.is_not_null())
            .count()
            .get_result(&mut *conn)
            .expect("count");
        assert_eq!(
            leased, 0,
            "the worker finished its tick: no reminder left leased"
        );
    }
    drop(s);

    let mut s = serve(&url, dir.path()).await;
    let token = sign_in(&http, &s.base, password.trim()).await;
    let mut found = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = format!("{}{path}?limit=200", s.base);
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let page: Value = http
            .get(q)
            .bearer_auth(&token)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        for d in page["items"].as_array().expect("items") {
            found.insert(d["id"].as_str().unwrap_or_default().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !found.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost",
        lost.len(),
        acknowledged.len()
    );
    // The figure the resilience issue asks for (seen with --nocapture).
    println!(
        "{how:?}: {} of {} acknowledged writes found after restart",
        acknowledged.len() - lost.len(),
        acknowledged.len()
    );
    let _ = s.child.kill();
    let _ = s.child.wait();
}

/// A TCP forwarder to PostgreSQL that can be cut (every connection closed, nothing accepted:
/// what clients see when the server stops) and restored on the same port.
struct Outage {
    port: u16,
    target: u16,
    down: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Outage {
    fn start(target: u16) -> Outage {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let o = Outage {
            port,
            target,
            down: Arc::new(AtomicBool::new(false)),
            open: Arc::new(Mutex::new(Vec::new())),
        };
        o.accept(listener);
        o
    }

    fn accept(&self, listener: TcpListener) {
        listener.set_nonblocking(true).expect("nonblocking");
        let (down, open, target) = (self.down.clone(), self.open.clone(), self.target);
        std::thread::spawn(move || loop {
            if down.load(Ordering::SeqCst) {
                return; // the listener is dropped: connections are refused
            }
            match listener.accept() {
                Ok((client, _)) => {
                    let _ = client.set_nonblocking(false);
                    let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                        continue;
                    };
                    for (from, to) in [(&client, &server), (&server, &client)] {
                        let (mut from, mut to) = (
                            from.try_clone().expect("clone"),
                            to.try_clone().expect("clone"),
                        );
                        std::thread::spawn(move || {
                            let _ = std::io::copy(&mut from, &mut to);
                            let _ = to.shutdown(Shutdown::Both);
                        });
                    }
                    open.lock().expect("lock").extend([client, server]);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(_) => return,
            }
        });
    }

    /// The database goes away.
    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for s in self.open.lock().expect("lock").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    /// The database is back, on the same address.
    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("rebind");
        self.accept(listener);
    }
}

#[actix_web::test]
#[cfg_attr(
    no_test_database,
    ignore = "needs TEST_DATABASE_URL (a PostgreSQL server)"
)]
async fn postgres_going_away_gives_503_fast_and_the_service_comes_back_by_itself() {
    let (url, guard) = fresh_database(Backend::Postgres);
    let mut parsed = url::Url::parse(&url).expect("url");
    let outage = Outage::start(parsed.port().unwrap_or(5432));
    parsed.set_port(Some(outage.port)).expect("port");
    let app = spawn_app_on(
        Backend::Postgres,
        parsed.as_str(),
        guard,
        Inbox::start(),
        |s| s.database.timeout_seconds = 2,
    )
    .await;
    let admin = app.admin_token().await;
    let client = create_client(&app, &admin, &client_body("Wei", "Chen")).await;
    let path = format!("/api/v1/clients/{}", client["id"].as_str().expect("id"));

    outage.cut();
    let started = Instant::now();
    let ready = app
        .client
        .get(app.url("/ready"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status(), 503);
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "/ready answered in {:?}",
        started.elapsed()
    );
    for (method, res) in [
        ("GET", app.get(&path, &admin).await),
        (
            "POST",
            app.post("/api/v1/clients", &admin, &client_body("Lan", "Chen"))
                .await,
        ),
    ] {
        assert_eq!(res.status(), 503, "{method} while the database is away");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{method}"
        );
        assert_eq!(res.headers()["retry-after"], "5", "{method}");
        let p: Value = res.json().await.expect("problem");
        assert_eq!(p["type"], "urn:asylum-tracker:problem:unavailable", "{p}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(2 + 2 + 2 + 3),
        "each request gave up within database.timeout_seconds: {:?}",
        started.elapsed()
    );

    outage.restore();
    let back = Instant::now();
    loop {
        let r = app
            .client
            .get(app.url("/ready"))
            .send()
            .await
            .expect("ready");
        if r.status() == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(15),
            "not back by itself"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    let again = body(app.get(&path, &admin).await, 200).await;
    assert_eq!(again["family_name"], "Chen");
    // Nothing half-written while it was away: the refused client is not there.
    let listed = body(app.get("/api/v1/clients", &admin).await, 200).await;
    let names: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["given_name"].as_str())
        .collect();
    assert_eq!(names, ["Wei"]);
}

/// Start-up with the database down: a bounded number of tries, one log line each, then a
/// clear message and a non-zero exit (not a hang, not a panic).
#[test]
fn start_up_with_the_database_down_retries_then_exits_non_zero() {
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    }; // dropped: nothing listens there
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_asylum-tracker"))
        .arg("migrate")
        .env(
            "ASYLUM_TRACKER__DATABASE__URL",
            format!("postgres://postgres@127.0.0.1:{closed}/asylum?sslmode=disable"),
        )
        .env("ASYLUM_TRACKER__DATABASE__CONNECT_ATTEMPTS", "3")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run");
    let elapsed = started.elapsed();
    assert!(!out.status.success());
    let log =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(log.matches("trying again").count(), 2, "{log}");
    assert!(log.contains("after 3 tries"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
    // 1 s and 2 s between the tries.
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(20),
        "{elapsed:?}"
    );
}
