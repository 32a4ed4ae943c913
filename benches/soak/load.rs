//! The clients: each signs in as one user and, until the soak ends, sends one request after
//! another (a closed loop, no think time), chosen at random with the weights of [`MIX`]: mostly
//! what people read all day, and the writes of a working legal aid office.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

use crate::ledger::Ledger;
use crate::people::{Role, User};
use crate::tally::Tally;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Op {
    Agenda,
    MyCases,
    SearchClients,
    OneCase,
    CaseDeadlines,
    HearingsList,
    OpenCase,
    FileI589,
    AddHearing,
    MoveHearing,
    AddDeadline,
    MarkMet,
    AddNote,
}

/// Reads 70 %, writes 30 % (opening a case is two writes: its client, then the case).
const MIX: &[(Op, u32)] = &[
    (Op::Agenda, 14),
    (Op::MyCases, 12),
    (Op::SearchClients, 10),
    (Op::OneCase, 14),
    (Op::CaseDeadlines, 12),
    (Op::HearingsList, 8),
    (Op::OpenCase, 4),
    (Op::FileI589, 3),
    (Op::AddHearing, 5),
    (Op::MoveHearing, 5),
    (Op::AddDeadline, 4),
    (Op::MarkMet, 3),
    (Op::AddNote, 6),
];

const GIVEN: &[&str] = &[
    "Amina", "Wei", "Leyla", "Jose", "Maryam", "Tesfaye", "Olga", "Ahmad", "Nadia", "Carlos",
];
const FAMILY: &[&str] = &[
    "Haidari",
    "Chen",
    "Rahimi",
    "Hernandez",
    "Tesfay",
    "Petrenko",
    "Karimi",
    "Diallo",
    "Lopez",
    "Nguyen",
];
const COURTS: &[&str] = &["el-paso", "newark", "chicago", "miami", "san-francisco"];
const TIMES: &[&str] = &["08:30", "09:00", "10:30", "13:00", "14:30"];

/// What every client shares.
pub struct Shared {
    pub base: String,
    pub http: reqwest::Client,
    pub until: Instant,
    pub users: Vec<User>,
    /// By user index: the cases that user is assigned to (an admin: the cases their own
    /// clients opened), so that a caseworker reads and writes notes on the cases a lawyer or
    /// an admin put them on.
    pub assigned: Vec<Mutex<Vec<String>>>,
    pub today: NaiveDate,
}

/// A case this client opened: it alone adds to and changes its hearings and deadlines, so
/// that the values it last saw acknowledged are the ones to find at the end.
struct MyCase {
    id: String,
    filed: bool,
}

pub struct Client {
    shared: Arc<Shared>,
    user: usize,
    token: String,
    rng: StdRng,
    pub tally: Tally,
    pub ledger: Ledger,
    mine: Vec<MyCase>,
    /// (case, hearing, its current local time)
    hearings: Vec<(String, String, String)>,
    /// (case, deadline) not yet marked met
    open_deadlines: Vec<(String, String)>,
    count: u64,
}

enum Sent {
    Ok(Value),
    Failed,
}

impl Client {
    pub fn new(shared: Arc<Shared>, user: usize, token: String, seed: u64) -> Client {
        Client {
            shared,
            user,
            token,
            rng: StdRng::seed_from_u64(seed),
            tally: Tally::default(),
            ledger: Ledger::default(),
            mine: Vec::new(),
            hearings: Vec::new(),
            open_deadlines: Vec::new(),
            count: 0,
        }
    }

    pub async fn run(mut self) -> Client {
        let total: u32 = MIX.iter().map(|(_, w)| w).sum();
        while Instant::now() < self.shared.until {
            let mut pick = self.rng.random_range(0..total);
            let mut op = MIX[0].0;
            for (o, w) in MIX {
                if pick < *w {
                    op = *o;
                    break;
                }
                pick -= w;
            }
            self.step(op).await;
        }
        self
    }

    fn role(&self) -> Role {
        self.shared.users[self.user].role
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.shared.base)
    }

    /// One request, timed and tallied; the JSON of a 2xx (null for an empty body).
    async fn send(&mut self, kind: &'static str, req: RequestBuilder) -> Sent {
        let started = Instant::now();
        let res = req.bearer_auth(&self.token).send().await;
        let (status, body) = match res {
            Ok(r) => {
                let status = r.status();
                (Some(status), r.bytes().await)
            }
            Err(e) => (None, Err(e)),
        };
        self.tally.record(kind, started.elapsed());
        match (status, body) {
            (Some(s), Ok(b)) if s.is_success() => {
                Sent::Ok(serde_json::from_slice(&b).unwrap_or(Value::Null))
            }
            (Some(s), Ok(b)) => {
                self.tally
                    .failed(kind, Some(s.as_u16()), &String::from_utf8_lossy(&b));
                Sent::Failed
            }
            // Cut off before the whole answer came: not acknowledged.
            (_, Err(e)) => {
                self.tally.failed(kind, None, &e.without_url().to_string());
                Sent::Failed
            }
            (None, Ok(_)) => unreachable!("a body without a response"),
        }
    }

    async fn get(&mut self, kind: &'static str, path: &str) {
        let req = self.shared.http.get(self.url(path));
        let _ = self.send(kind, req).await;
    }

    async fn write(
        &mut self,
        kind: &'static str,
        method: Method,
        path: &str,
        body: Value,
    ) -> Option<Value> {
        let req = self.shared.http.request(method, self.url(path)).json(&body);
        match self.send(kind, req).await {
            Sent::Ok(v) => Some(v),
            Sent::Failed => None,
        }
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.rng.random_range(0..items.len())].clone())
        }
    }

    /// A case this client's user may see and write notes on.
    fn visible_case(&mut self) -> Option<String> {
        let n = {
            let list = self.shared.assigned[self.user].lock().expect("lock");
            list.len()
        };
        if n == 0 {
            return None;
        }
        let i = self.rng.random_range(0..n);
        let list = self.shared.assigned[self.user].lock().expect("lock");
        list.get(i).cloned()
    }

    fn someone(&mut self, role: Role) -> usize {
        let of_role: Vec<usize> = (0..self.shared.users.len())
            .filter(|i| self.shared.users[*i].role == role)
            .collect();
        of_role[self.rng.random_range(0..of_role.len())]
    }

    fn local_time(&mut self) -> String {
        let day = self.shared.today + Days::days(self.rng.random_range(3..180));
        let at = TIMES[self.rng.random_range(0..TIMES.len())];
        format!("{day}T{at}")
    }

    async fn step(&mut self, op: Op) {
        self.count += 1;
        let today = self.shared.today;
        match op {
            Op::Agenda => self.get("agenda", "/deadlines?status=open&limit=50").await,
            Op::MyCases => {
                let path = if self.role() == Role::Admin {
                    "/cases?limit=50"
                } else {
                    "/cases?assigned_to=me&limit=50"
                };
                self.get("case list", path).await
            }
            Op::SearchClients => {
                let q = self.pick(FAMILY).expect("names");
                let req = self
                    .shared
                    .http
                    .post(self.url("/clients/search"))
                    .json(&json!({"q": q, "limit": 20}));
                let _ = self.send("client search", req).await;
            }
            Op::OneCase => match self.visible_case() {
                Some(id) => self.get("one case", &format!("/cases/{id}")).await,
                None => self.open_case().await,
            },
            Op::CaseDeadlines => match self.visible_case() {
                Some(id) => {
                    self.get("case deadlines", &format!("/cases/{id}/deadlines?limit=50"))
                        .await
                }
                None => self.open_case().await,
            },
            Op::HearingsList => {
                let to = today + Days::days(90);
                self.get(
                    "hearings list",
                    &format!("/hearings?from={today}&to={to}&limit=50"),
                )
                .await
            }
            Op::OpenCase => self.open_case().await,
            Op::FileI589 => {
                let unfiled: Vec<usize> = (0..self.mine.len())
                    .filter(|i| !self.mine[*i].filed)
                    .collect();
                let Some(i) = self.pick(&unfiled) else {
                    return self.open_case().await;
                };
                let id = self.mine[i].id.clone();
                let body = json!({"form": "I-589", "filed_on": (today - Days::days(10)).to_string(),
                                  "receipt_number": format!("ZLA{:010}", self.rng.random_range(0..10_000_000_000u64))});
                if let Some(v) = self
                    .write(
                        "I-589 filing",
                        Method::POST,
                        &format!("/cases/{id}/filings"),
                        body,
                    )
                    .await
                {
                    self.mine[i].filed = true;
                    let filing = v["id"].as_str().unwrap_or_default().to_string();
                    self.ledger.case(&id).filings.push(filing);
                }
            }
            Op::AddHearing => {
                let Some(case) = self.own_case() else {
                    return self.open_case().await;
                };
                let at = self.local_time();
                let body = json!({"kind": "master_calendar", "starts_at_local": at});
                if let Some(v) = self
                    .write(
                        "add hearing",
                        Method::POST,
                        &format!("/cases/{case}/hearings"),
                        body,
                    )
                    .await
                {
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let local = v["starts_at_local"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    self.ledger
                        .case(&case)
                        .hearings
                        .insert(id.clone(), vec![local.clone()]);
                    self.hearings.push((case, id, local));
                }
            }
            Op::MoveHearing => {
                if self.hearings.is_empty() {
                    return self.open_case().await;
                }
                let i = self.rng.random_range(0..self.hearings.len());
                let (case, id, now) = self.hearings[i].clone();
                let mut at = self.local_time();
                while at == now {
                    at = self.local_time();
                }
                let body = json!({"starts_at_local": at});
                if let Some(v) = self
                    .write(
                        "move hearing",
                        Method::PATCH,
                        &format!("/hearings/{id}"),
                        body,
                    )
                    .await
                {
                    let local = v["starts_at_local"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    if let Some(times) = self.ledger.case(&case).hearings.get_mut(&id) {
                        times.push(local.clone());
                    }
                    self.hearings[i].2 = local;
                }
            }
            Op::AddDeadline => {
                let Some(case) = self.own_case() else {
                    return self.open_case().await;
                };
                // Due within the reminder leads, so the reminder worker has work too.
                let due = today + Days::days(self.rng.random_range(1..40));
                let body = json!({"kind": "other", "title": format!("Evidence packet {}", self.count), "due_on": due.to_string()});
                if let Some(v) = self
                    .write(
                        "add deadline",
                        Method::POST,
                        &format!("/cases/{case}/deadlines"),
                        body,
                    )
                    .await
                {
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    self.ledger.case(&case).deadlines.insert(id.clone(), false);
                    self.open_deadlines.push((case, id));
                }
            }
            Op::MarkMet => {
                if self.open_deadlines.is_empty() {
                    return Box::pin(self.step(Op::AddDeadline)).await;
                }
                let i = self.rng.random_range(0..self.open_deadlines.len());
                let (case, id) = self.open_deadlines[i].clone();
                let body = json!({"status": "met", "note": "sent to the court"});
                if self
                    .write(
                        "mark deadline met",
                        Method::PATCH,
                        &format!("/deadlines/{id}"),
                        body,
                    )
                    .await
                    .is_some()
                {
                    self.ledger.case(&case).deadlines.insert(id, true);
                    self.open_deadlines.swap_remove(i);
                }
            }
            Op::AddNote => {
                let Some(case) = self.visible_case() else {
                    return self.open_case().await;
                };
                let body = json!({"body": format!("Called the client about the hearing ({}).", self.count)});
                if let Some(v) = self
                    .write(
                        "add note",
                        Method::POST,
                        &format!("/cases/{case}/notes"),
                        body,
                    )
                    .await
                {
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    self.ledger.case(&case).notes.push(id);
                }
            }
        }
    }

    fn own_case(&mut self) -> Option<String> {
        if self.mine.is_empty() {
            return None;
        }
        let i = self.rng.random_range(0..self.mine.len());
        Some(self.mine[i].id.clone())
    }

    /// A new client, then a defensive case for them with a team: a lawyer names a caseworker,
    /// an admin a lawyer and a caseworker, a caseworker only themself (all a caseworker may).
    async fn open_case(&mut self) {
        let today = self.shared.today;
        let given = self.pick(GIVEN).expect("names");
        let family = self.pick(FAMILY).expect("names");
        let arrived = today - Days::days(self.rng.random_range(60..330));
        let body = json!({"given_name": given, "family_name": family,
                          "last_arrival_on": arrived.to_string(), "languages": ["es"]});
        let Some(client) = self
            .write("create client", Method::POST, "/clients", body)
            .await
        else {
            return;
        };
        let client_id = client["id"].as_str().unwrap_or_default().to_string();
        self.ledger.clients.push(client_id.clone());
        let mut team = vec![self.user];
        let (mut lawyers, mut caseworkers) = (Vec::new(), Vec::new());
        if self.role() != Role::Caseworker {
            let cw = self.someone(Role::Caseworker);
            caseworkers.push(self.shared.users[cw].id.clone());
            team.push(cw);
        }
        if self.role() == Role::Admin {
            let l = self.someone(Role::Lawyer);
            lawyers.push(self.shared.users[l].id.clone());
            team.push(l);
        }
        let court = self.pick(COURTS).expect("courts");
        let body = json!({"client_id": client_id, "kind": "defensive", "court_code": court,
                          "lawyer_ids": lawyers, "caseworker_ids": caseworkers});
        let Some(case) = self.write("open case", Method::POST, "/cases", body).await else {
            return;
        };
        let id = case["id"].as_str().unwrap_or_default().to_string();
        self.ledger.case(&id).opened = true;
        for u in team {
            self.shared.assigned[u]
                .lock()
                .expect("lock")
                .push(id.clone());
        }
        self.mine.push(MyCase { id, filed: false });
    }
}

/// Signs in as `email`; the access token.
pub async fn sign_in(http: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    for _ in 0..3 {
        let res = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .timeout(Duration::from_secs(120))
            .send()
            .await
            .expect("sign-in answered");
        if res.status().is_success() {
            let v: Value = res.json().await.expect("sign-in JSON");
            return v["access_token"]
                .as_str()
                .expect("access token")
                .to_string();
        }
        eprintln!("sign-in as {email}: {}; trying again", res.status());
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    panic!("could not sign in as {email}");
}
