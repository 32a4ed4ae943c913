//! The data set, built from a seed through the server's own API (the same code paths as any
//! client): accounts, clients, cases with their I-589 filings, hearings and decisions; the
//! deadline engine computes the deadlines from those events.
//!
//! At scale 1: 2,000 clients, 2,500 cases (500 clients have two), 2.6 hearings a case on
//! average, an I-589 on 85% of cases, an adverse decision on 12% of defensive ones; one lawyer
//! (`lawyer0`) has 400 cases, seven others share the rest. Dates spread from about two and a
//! half years ago to ten months ahead of today, so that any 30-day window holds a share of them.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

pub const PASSWORD: &str = "Sturdy lantern over quiet harbor 7";
pub const LAWYER: &str = "lawyer0@bench.test";
const OTHER_LAWYERS: usize = 7;
pub const STORM_USERS: usize = 20;
/// Requests in flight while building.
const BUILDERS: usize = 8;

const GIVEN: &[&str] = &[
    "Amina", "Jose", "Maria", "Yusuf", "Fatima", "Luis", "Ana", "Omar", "Sofia", "Carlos", "Leila",
    "Pedro", "Nadia", "Jorge", "Rosa", "Ali", "Mariam", "Tenzin", "Daniel", "Grace",
];
pub const FAMILY: &[&str] = &[
    "Hernandez",
    "Garcia",
    "Rodriguez",
    "Lopez",
    "Martinez",
    "Gonzalez",
    "Perez",
    "Sanchez",
    "Ramirez",
    "Torres",
    "Flores",
    "Rivera",
    "Gomez",
    "Diaz",
    "Reyes",
    "Morales",
    "Cruz",
    "Ortiz",
    "Gutierrez",
    "Chavez",
    "Haile",
    "Tesfaye",
    "Abdi",
    "Mohammed",
    "Ahmadi",
    "Karimi",
    "Nguyen",
    "Tran",
    "Osei",
    "Mensah",
];
const NATIONALITIES: &[&str] = &["HN", "GT", "SV", "VE", "ER", "AF", "CN", "HT"];
const COURTS: &[&str] = &[
    "new-york-broadway",
    "newark",
    "los-angeles-west",
    "san-francisco",
    "houston-greenspoint",
    "miami",
    "chicago",
    "dallas",
    "el-paso",
    "phoenix",
    "seattle",
    "boston",
];

/// One of the bench lawyer's cases.
#[derive(Clone, Debug)]
pub struct BenchCase {
    pub id: String,
    pub defensive: bool,
}

#[derive(Debug)]
pub struct Dataset {
    pub clients: usize,
    pub cases: usize,
    pub hearings: usize,
    pub filings: usize,
    pub decisions: usize,
    /// The bench lawyer's cases, in creation order.
    pub lawyer_cases: Vec<BenchCase>,
    pub storm_emails: Vec<String>,
    pub seconds: f64,
}

/// Sends a request as `token`; the answer's body, or a panic naming what failed (a bench must
/// not measure a data set it could not build).
pub async fn call(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> Value {
    let res = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert!(status.is_success(), "POST {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn rng(seed: u64, stream: u64, i: usize) -> StdRng {
    StdRng::seed_from_u64(
        seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream.wrapping_mul(1_000_003) ^ i as u64,
    )
}

fn day(today: NaiveDate, offset: i64) -> NaiveDate {
    if offset >= 0 {
        today + Days::new(offset as u64)
    } else {
        today - Days::new(offset.unsigned_abs())
    }
}

/// The organisation's date, as the server (default settings) has it: not UTC's, which runs ahead
/// of it in the evening, when a decision dated today by UTC would be refused as in the future.
pub fn today() -> NaiveDate {
    let settings = asylum_tracker::config::Settings::load(None).expect("default settings");
    asylum_tracker::service::org_today(&settings)
}

/// Runs `f(i)` for i in 0..n with BUILDERS requests in flight.
async fn each<F, Fut, T>(n: usize, f: F) -> Vec<T>
where
    F: Fn(usize) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = T> + 'static,
    T: 'static,
{
    let mut tasks = Vec::new();
    for b in 0..BUILDERS {
        let f = f.clone();
        tasks.push(actix_web::rt::spawn(async move {
            let mut out = Vec::new();
            let mut i = b;
            while i < n {
                out.push((i, f(i).await));
                i += BUILDERS;
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("a builder panicked"));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, v)| v).collect()
}

pub async fn build(
    http: &reqwest::Client,
    base: &str,
    admin_token: &str,
    scale: f64,
    seed: u64,
) -> Dataset {
    let started = Instant::now();
    let n_clients = ((2000.0 * scale).round() as usize).max(1);
    let n_cases = ((2500.0 * scale).round() as usize).max(n_clients);
    let n_lawyer = ((400.0 * scale).round() as usize).clamp(1, n_cases);
    let today = today();

    // Accounts: the bench lawyer, the others, and the sign-in storm's caseworkers.
    let mut lawyers = Vec::new();
    for i in 0..=OTHER_LAWYERS {
        let u = call(
            http,
            base,
            admin_token,
            "/api/v1/users",
            json!({"email": format!("lawyer{i}@bench.test"), "name": format!("Lawyer {i}"),
                   "role": "lawyer", "password": PASSWORD}),
        )
        .await;
        lawyers.push(u["id"].as_str().expect("user id").to_string());
    }
    let mut storm_emails = Vec::new();
    for i in 0..STORM_USERS {
        let email = format!("storm{i}@bench.test");
        call(
            http,
            base,
            admin_token,
            "/api/v1/users",
            json!({"email": email, "name": format!("Caseworker {i}"),
                   "role": "caseworker", "password": PASSWORD}),
        )
        .await;
        storm_emails.push(email);
    }
    eprintln!("  accounts: {:.1} s", started.elapsed().as_secs_f64());

    // Clients, each with their last arrival (the one-year clock).
    let ctx = Arc::new((http.clone(), base.to_string(), admin_token.to_string()));
    let clients: Vec<String> = each(n_clients, {
        let ctx = ctx.clone();
        move |i| {
            let ctx = ctx.clone();
            async move {
                let (http, base, token) = &*ctx;
                let mut r = rng(seed, 1, i);
                let arrival = day(today, -r.random_range(60..=900i64));
                let given = GIVEN[r.random_range(0..GIVEN.len())];
                let family = FAMILY[r.random_range(0..FAMILY.len())];
                let nationality = NATIONALITIES[r.random_range(0..NATIONALITIES.len())];
                let body = json!({
                    "given_name": given,
                    "family_name": family,
                    "last_arrival_on": arrival.to_string(),
                    "nationality": nationality,
                });
                let c = call(http, base, token, "/api/v1/clients", body).await;
                c["id"].as_str().expect("client id").to_string()
            }
        }
    })
    .await;
    eprintln!(
        "  {n_clients} clients: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Cases and their events; each write recomputes the case's deadlines.
    let clients = Arc::new(clients);
    let lawyers = Arc::new(lawyers);
    let made: Vec<(BenchCase, usize, usize, usize)> = each(n_cases, {
        let (ctx, clients, lawyers) = (ctx.clone(), clients.clone(), lawyers.clone());
        move |i| {
            let (ctx, clients, lawyers) = (ctx.clone(), clients.clone(), lawyers.clone());
            async move {
                let (http, base, token) = &*ctx;
                let mut r = rng(seed, 2, i);
                let client = &clients[i % clients.len()];
                let lawyer = if i < n_lawyer {
                    &lawyers[0]
                } else {
                    &lawyers[1 + i % OTHER_LAWYERS]
                };
                let defensive = r.random_bool(0.65);
                let kind = if defensive { "defensive" } else { "affirmative" };
                let mut body = json!({"client_id": client, "lawyer_ids": [lawyer], "kind": kind});
                if defensive {
                    body["court_code"] = json!(COURTS[r.random_range(0..COURTS.len())]);
                }
                let case = call(http, base, token, "/api/v1/cases", body).await;
                let id = case["id"].as_str().expect("case id").to_string();
                let (mut filings, mut hearings, mut decisions) = (0, 0, 0);
                if r.random_bool(0.85) {
                    // After the client's arrival (the same draw as the client's), before today.
                    let since = rng(seed, 1, i % clients.len()).random_range(60..=900i64);
                    let filed = day(today, -since + r.random_range(20..since));
                    call(
                        http,
                        base,
                        token,
                        &format!("/api/v1/cases/{id}/filings"),
                        json!({"form": "I-589", "filed_on": filed.to_string()}),
                    )
                    .await;
                    filings += 1;
                }
                let n = 2 + usize::from(r.random_bool(0.6));
                for j in 0..n {
                    let kind = if defensive {
                        ["master_calendar", "individual", "biometrics"][j]
                    } else {
                        ["biometrics", "asylum_interview", "other"][j]
                    };
                    let on = day(today, r.random_range(-150..=300));
                    let mut body = json!({
                        "kind": kind,
                        "starts_at_local": format!("{on}T{:02}:{:02}", r.random_range(8..16), [0, 30][r.random_range(0..2)]),
                    });
                    if !defensive {
                        body["time_zone"] = json!("America/New_York");
                    }
                    call(http, base, token, &format!("/api/v1/cases/{id}/hearings"), body).await;
                    hearings += 1;
                }
                if defensive && r.random_bool(0.12) {
                    let on = day(today, -r.random_range(0..=90));
                    call(
                        http,
                        base,
                        token,
                        &format!("/api/v1/cases/{id}/decisions"),
                        json!({"kind": "denied", "authority": "immigration_judge",
                               "decided_on": on.to_string()}),
                    )
                    .await;
                    decisions += 1;
                }
                (BenchCase { id, defensive }, filings, hearings, decisions)
            }
        }
    })
    .await;
    let lawyer_cases = made
        .iter()
        .take(n_lawyer)
        .map(|(c, ..)| c.clone())
        .collect();
    let dataset = Dataset {
        clients: n_clients,
        cases: n_cases,
        filings: made.iter().map(|m| m.1).sum(),
        hearings: made.iter().map(|m| m.2).sum(),
        decisions: made.iter().map(|m| m.3).sum(),
        lawyer_cases,
        storm_emails,
        seconds: started.elapsed().as_secs_f64(),
    };
    eprintln!(
        "  {} cases, {} filings, {} hearings, {} decisions: {:.1} s",
        dataset.cases, dataset.filings, dataset.hearings, dataset.decisions, dataset.seconds
    );
    dataset
}
