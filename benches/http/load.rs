//! Load on the server over HTTP: closed loops (N connections, each sends its next request when
//! the last one is answered), open loops (a fixed rate, latency counted from when a request was
//! due, so that a stalled server is not excused by sending less), and a sign-in storm.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{json, Value};

/// One request of an endpoint's rotation.
#[derive(Clone, Debug)]
pub struct Call {
    pub post: bool,
    pub path: String,
    pub body: Option<Value>,
}

impl Call {
    pub fn get(path: String) -> Call {
        Call {
            post: false,
            path,
            body: None,
        }
    }

    pub fn post(path: String, body: Value) -> Call {
        Call {
            post: true,
            path,
            body: Some(body),
        }
    }

    fn request(&self, http: &reqwest::Client, base: &str, token: &str) -> reqwest::RequestBuilder {
        let url = format!("{base}{}", self.path);
        let r = if self.post {
            http.post(url)
                .json(self.body.as_ref().unwrap_or(&Value::Null))
        } else {
            http.get(url)
        };
        r.bearer_auth(token)
    }
}

/// Latencies in microseconds, 1 µs to 10 minutes, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

/// What one phase measured.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub errors: u64,
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub first_error: Option<String>,
}

impl Figures {
    pub fn of(
        h: &Histogram<u64>,
        errors: u64,
        first_error: Option<String>,
        took: Duration,
    ) -> Figures {
        let ms = |q: f64| {
            if h.is_empty() {
                f64::NAN
            } else {
                h.value_at_quantile(q) as f64 / 1000.0
            }
        };
        Figures {
            errors,
            rate: h.len() as f64 / took.as_secs_f64(),
            p50_ms: ms(0.50),
            p99_ms: ms(0.99),
            first_error,
        }
    }
}

/// Sends one request; Ok with its latency, or Err with what went wrong.
async fn send(http: &reqwest::Client, base: &str, token: &str, call: &Call) -> Result<(), String> {
    match call.request(http, base, token).send().await {
        Ok(r) => {
            let status = r.status();
            let body = r.bytes().await.map_err(|e| e.to_string())?;
            if status.is_success() {
                Ok(())
            } else {
                Err(format!(
                    "{} {}: {status} {}",
                    if call.post { "POST" } else { "GET" },
                    call.path,
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                ))
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `connections` clients in a closed loop over `calls` (taken in turn) for `length`.
pub async fn closed(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    calls: &[Call],
    connections: usize,
    length: Duration,
) -> Figures {
    let calls = Arc::new(calls.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (http, base, token, calls, next) = (
            http.clone(),
            base.to_string(),
            token.to_string(),
            calls.clone(),
            next.clone(),
        );
        tasks.push(actix_web::rt::spawn(async move {
            let mut h = histogram();
            let (mut errors, mut first) = (0u64, None);
            while started.elapsed() < length {
                let call = &calls[next.fetch_add(1, Ordering::Relaxed) % calls.len()];
                let t = Instant::now();
                match send(&http, &base, &token, call).await {
                    Ok(()) => h.saturating_record(t.elapsed().as_micros() as u64),
                    Err(e) => {
                        errors += 1;
                        first.get_or_insert(e);
                    }
                }
            }
            (h, errors, first)
        }));
    }
    let mut all = histogram();
    let (mut errors, mut first) = (0, None);
    for t in tasks {
        let (h, e, f) = t.await.expect("a load task panicked");
        all.add(&h).expect("histograms of the same bounds");
        errors += e;
        first = first.or(f);
    }
    Figures::of(&all, errors, first, started.elapsed())
}

/// How long an open-loop request may wait for its answer before it counts as an error.
const OPEN_WAIT: Duration = Duration::from_secs(5);

/// `calls` (in turn) at a fixed `rate` per second for `length`; each latency counts from the
/// moment its request was due.
pub async fn open(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    calls: &[Call],
    rate: f64,
    length: Duration,
) -> Figures {
    let gap = Duration::from_secs_f64(1.0 / rate);
    let hist = Arc::new(Mutex::new(histogram()));
    let errors = Arc::new(Mutex::new((0u64, None::<String>)));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut k: u32 = 0;
    loop {
        let due = started + gap * k;
        if due >= started + length {
            break;
        }
        actix_web::rt::time::sleep_until(due.into()).await;
        let call = calls[k as usize % calls.len()].clone();
        let (http, base, token, hist, errors) = (
            http.clone(),
            base.to_string(),
            token.to_string(),
            hist.clone(),
            errors.clone(),
        );
        tasks.push(actix_web::rt::spawn(async move {
            // A server that cannot keep up fails the phase within OPEN_WAIT of its end, rather
            // than by however long its queue has grown.
            let sent = actix_web::rt::time::timeout(OPEN_WAIT, send(&http, &base, &token, &call))
                .await
                .unwrap_or_else(|_| Err(format!("no answer within {} s", OPEN_WAIT.as_secs())));
            match sent {
                Ok(()) => hist
                    .lock()
                    .expect("histogram lock")
                    .saturating_record(due.elapsed().as_micros() as u64),
                Err(e) => {
                    let mut g = errors.lock().expect("errors lock");
                    g.0 += 1;
                    g.1.get_or_insert(e);
                }
            }
        }));
        k += 1;
    }
    for t in tasks {
        t.await.expect("an open-loop task panicked");
    }
    let took = started.elapsed();
    // Requests given up on may still be queued in the server: the next phase starts once one
    // request is answered within a second again (two minutes at most).
    let drained = Instant::now();
    while drained.elapsed() < Duration::from_secs(120) {
        let t = Instant::now();
        if send(http, base, token, &calls[0]).await.is_ok() && t.elapsed() < Duration::from_secs(1)
        {
            break;
        }
    }
    let h = hist.lock().expect("histogram lock").clone();
    let (e, f) = errors.lock().expect("errors lock").clone();
    Figures::of(&h, e, f, took)
}

/// Signs in; the access token, or what went wrong.
pub async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> Result<String, String> {
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let v: Value = res.json().await.map_err(|e| e.to_string())?;
    match v["access_token"].as_str() {
        Some(t) if status.is_success() => Ok(t.to_string()),
        _ => Err(format!("sign-in answered {status}")),
    }
}

/// Each of `emails` signing in back to back until stopped.
pub struct Storm {
    stop: Arc<AtomicBool>,
    started: Instant,
    tasks: Vec<tokio::task::JoinHandle<(Histogram<u64>, u64)>>,
}

impl Storm {
    pub fn start(http: &reqwest::Client, base: &str, emails: &[String], password: &str) -> Storm {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = emails
            .iter()
            .map(|email| {
                let (http, base, email, password, stop) = (
                    http.clone(),
                    base.to_string(),
                    email.clone(),
                    password.to_string(),
                    stop.clone(),
                );
                actix_web::rt::spawn(async move {
                    let (mut h, mut refused) = (histogram(), 0);
                    while !stop.load(Ordering::Relaxed) {
                        let t = Instant::now();
                        match sign_in(&http, &base, &email, &password).await {
                            Ok(_) => h.saturating_record(t.elapsed().as_micros() as u64),
                            Err(_) => refused += 1,
                        }
                    }
                    (h, refused)
                })
            })
            .collect();
        Storm {
            stop,
            started: Instant::now(),
            tasks,
        }
    }

    /// Stops the storm: its sign-ins (rate, p50, p99) and how many were refused.
    pub async fn finish(self) -> Figures {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = histogram();
        let mut refused = 0;
        for t in self.tasks {
            let (h, r) = t.await.expect("a sign-in task panicked");
            all.add(&h).expect("histograms of the same bounds");
            refused += r;
        }
        Figures::of(&all, refused, None, self.started.elapsed())
    }
}
