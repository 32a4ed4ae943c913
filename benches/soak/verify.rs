//! After the load: every acknowledged write looked for through the API, as an admin (who sees
//! everything), with a few requests in flight at a time.

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::ledger::{CaseWrites, Ledger};

pub struct Verified {
    pub found: u64,
    pub missing: u64,
    pub samples: Vec<String>,
}

struct Api<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    token: &'a str,
}

impl Api<'_> {
    async fn get(&self, path: &str) -> Result<Value, String> {
        let res = self
            .http
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(self.token)
            .send()
            .await
            .map_err(|e| format!("GET {path}: {}", e.without_url()))?;
        let status = res.status();
        if !status.is_success() {
            return Err(format!("GET {path}: {status}"));
        }
        res.json().await.map_err(|e| format!("GET {path}: {e}"))
    }

    /// Every item of a list, page by page.
    async fn all(&self, path: &str) -> Result<Vec<Value>, String> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut page = format!("{path}?limit=200");
            if let Some(c) = &cursor {
                page.push_str(&format!("&cursor={c}"));
            }
            let v = self.get(&page).await?;
            items.extend(v["items"].as_array().cloned().unwrap_or_default());
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return Ok(items),
            }
        }
    }
}

fn ids(items: &[Value]) -> std::collections::HashMap<String, &Value> {
    items
        .iter()
        .filter_map(|v| Some((v["id"].as_str()?.to_string(), v)))
        .collect()
}

/// (found, missing with what was wrong) for one case's writes.
async fn case(api: &Api<'_>, id: &str, w: &CaseWrites) -> (u64, Vec<String>) {
    let mut found = 0;
    let mut wrong = Vec::new();
    let miss = |what: String, n: u64, wrong: &mut Vec<String>| {
        wrong.push(format!("case {id}: {what}"));
        n
    };
    let mut missing = 0;
    if w.opened {
        match api.get(&format!("/cases/{id}")).await {
            Ok(_) => found += 1,
            Err(e) => missing += miss(e, 1, &mut wrong),
        }
    }
    if !w.filings.is_empty() {
        match api.all(&format!("/cases/{id}/filings")).await {
            Ok(items) => {
                let have = ids(&items);
                for f in &w.filings {
                    if have.contains_key(f) {
                        found += 1;
                    } else {
                        missing += miss(format!("filing {f} missing"), 1, &mut wrong);
                    }
                }
            }
            Err(e) => missing += miss(e, w.filings.len() as u64, &mut wrong),
        }
    }
    if !w.hearings.is_empty() {
        match api.all(&format!("/cases/{id}/hearings")).await {
            Ok(items) => {
                let have = ids(&items);
                for (h, times) in &w.hearings {
                    let n = times.len() as u64;
                    let Some(v) = have.get(h) else {
                        missing += miss(format!("hearing {h} missing"), n, &mut wrong);
                        continue;
                    };
                    // Its time is the last acknowledged one, and its history every earlier
                    // one in order: every move is there.
                    let mut seen: Vec<String> = v["history"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|e| {
                                    e["starts_at_local"]
                                        .as_str()
                                        .unwrap_or_default()
                                        .to_string()
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    seen.push(
                        v["starts_at_local"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    );
                    if &seen == times {
                        found += n;
                    } else {
                        missing += miss(
                            format!("hearing {h}: times {seen:?}, acknowledged {times:?}"),
                            n,
                            &mut wrong,
                        );
                    }
                }
            }
            Err(e) => {
                let n = w.hearings.values().map(|t| t.len() as u64).sum();
                missing += miss(e, n, &mut wrong);
            }
        }
    }
    if !w.deadlines.is_empty() {
        match api.all(&format!("/cases/{id}/deadlines")).await {
            Ok(items) => {
                let have = ids(&items);
                for (d, met) in &w.deadlines {
                    let n = 1 + u64::from(*met);
                    match have.get(d) {
                        None => missing += miss(format!("deadline {d} missing"), n, &mut wrong),
                        Some(v) if *met && v["status"] != "met" => {
                            found += 1;
                            missing += miss(
                                format!("deadline {d} acknowledged met, is {}", v["status"]),
                                1,
                                &mut wrong,
                            );
                        }
                        Some(_) => found += n,
                    }
                }
            }
            Err(e) => {
                let n = w.deadlines.values().map(|m| 1 + u64::from(*m)).sum();
                missing += miss(e, n, &mut wrong);
            }
        }
    }
    if !w.notes.is_empty() {
        match api.all(&format!("/cases/{id}/notes")).await {
            Ok(items) => {
                let have = ids(&items);
                for n in &w.notes {
                    if have.contains_key(n) {
                        found += 1;
                    } else {
                        missing += miss(format!("note {n} missing"), 1, &mut wrong);
                    }
                }
            }
            Err(e) => missing += miss(e, w.notes.len() as u64, &mut wrong),
        }
    }
    debug_assert_eq!(found + missing, w.writes());
    (found, wrong)
}

pub async fn everything(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    ledger: &Ledger,
) -> Verified {
    let api = Api { http, base, token };
    let api = &api;
    let mut out = Verified {
        found: 0,
        missing: 0,
        samples: Vec::new(),
    };
    let note = |out: &mut Verified, found: u64, wrong: Vec<String>, expected: u64| {
        out.found += found;
        out.missing += expected - found;
        for w in wrong {
            if out.samples.len() < 10 {
                out.samples.push(w);
            }
        }
    };
    let mut clients = stream::iter(&ledger.clients)
        .map(|id| async move { api.get(&format!("/clients/{id}")).await })
        .buffer_unordered(8);
    while let Some(r) = clients.next().await {
        match r {
            Ok(_) => note(&mut out, 1, Vec::new(), 1),
            Err(e) => note(&mut out, 0, vec![e], 1),
        }
    }
    let mut cases = stream::iter(&ledger.cases)
        .map(|(id, w)| async move { (case(api, id, w).await, w.writes()) })
        .buffer_unordered(8);
    while let Some(((found, wrong), expected)) = cases.next().await {
        note(&mut out, found, wrong, expected);
    }
    out
}
