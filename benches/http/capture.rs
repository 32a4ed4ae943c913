//! Which statements the service runs for a request: the same requests once through an
//! in-process instance of the service (the library's `Application`, same settings, same
//! database) with diesel's instrumentation on every connection of its pool. Each statement is
//! kept with its bind values, so that the ceiling replays exactly what the service ran.
//!
//! diesel prints a statement as `SQL -- binds: [v1, v2, ...]`, each value by its `Debug`: strings
//! quoted, `Some(..)`/`None`, numbers, booleans, dates and timestamps bare, lists in brackets. The
//! schema has no other types (no JSON, no floats, no binary), so that is all there is to read.
//! Statements diesel sends as text (`BEGIN IMMEDIATE`, `COMMIT`) have no binds part.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use asylum_tracker::config::{MailTransportKind, MfaMode, Settings};
use asylum_tracker::startup::Application;
use diesel::connection::{Connection, InstrumentationEvent};

use crate::load::Call;

#[derive(Clone, Debug, PartialEq)]
pub enum Bind {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    /// A date or timestamp, as `Debug` printed it (`2026-12-07`, `2026-12-07T14:00:00.123456`).
    Time(String),
    List(Vec<Bind>),
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub sql: String,
    pub binds: Vec<Bind>,
    /// Sent as plain text without binds (transaction control).
    pub batch: bool,
}

/// The statements of one request, and the ids of the rows it inserted (a replay gives those
/// rows fresh ids, so that it inserts new rows as the service does).
#[derive(Clone, Debug)]
pub struct Template {
    pub stmts: Vec<Stmt>,
    pub new_ids: Vec<String>,
}

/// Captures the statements of every call of every endpoint, in order.
pub fn capture(
    url: &str,
    dir: &std::path::Path,
    jwt_secret: &str,
    token: &str,
    endpoints: &[Vec<Call>],
) -> Vec<Vec<Template>> {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let (url, dir, secret, token) = (
        url.to_string(),
        dir.to_path_buf(),
        jwt_secret.to_string(),
        token.to_string(),
    );
    let endpoints = endpoints.to_vec();
    actix_web::rt::System::new().block_on(async move {
        let mut s = Settings::load(None).expect("default settings");
        s.server.bind = "127.0.0.1:0".to_string();
        s.server.workers = Some(1);
        s.database.url = url;
        s.auth.jwt_secret = Some(secret);
        s.auth.mfa = MfaMode::Optional;
        s.auth.access_token_minutes = 600;
        s.mail.transport = MailTransportKind::File;
        s.mail.file_dir = dir.join("capture-outbox");
        let app = Application::build(s).await.expect("in-process service");
        let base = format!("http://127.0.0.1:{}", app.port());
        let pool = app.state.pool.clone();
        let server = actix_web::rt::spawn(app.run_until_stopped());
        // Every connection of the pool at once, so that each one gets the recorder.
        let conns: Vec<_> = (0..pool.max_size())
            .map(|_| pool.get().expect("a connection"))
            .collect();
        for mut conn in conns {
            let log = log.clone();
            conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                if let InstrumentationEvent::StartQuery { query, .. } = event {
                    log.lock().expect("log lock").push(query.to_string());
                }
            });
        }
        let http = reqwest::Client::new();
        let mut out = Vec::new();
        for calls in &endpoints {
            let mut templates = Vec::new();
            for call in calls {
                log.lock().expect("log lock").clear();
                let r = if call.post {
                    http.post(format!("{base}{}", call.path))
                        .json(call.body.as_ref().expect("a body"))
                } else {
                    http.get(format!("{base}{}", call.path))
                };
                let res = r.bearer_auth(&token).send().await.expect("capture request");
                let status = res.status();
                let body = res.text().await.unwrap_or_default();
                assert!(
                    status.is_success(),
                    "capture {}: {status} {body}",
                    call.path
                );
                let stmts: Vec<Stmt> = log
                    .lock()
                    .expect("log lock")
                    .drain(..)
                    .map(|s| parse(&s))
                    .collect();
                let new_ids = inserted_ids(&stmts);
                templates.push(Template { stmts, new_ids });
            }
            out.push(templates);
        }
        server.abort();
        out
    })
}

/// One printed statement.
pub fn parse(printed: &str) -> Stmt {
    match printed.rfind(" -- binds: ") {
        None => Stmt {
            sql: printed.to_string(),
            binds: Vec::new(),
            batch: true,
        },
        Some(at) => {
            let mut p = Parser {
                s: &printed.as_bytes()[at + " -- binds: ".len()..],
                i: 0,
            };
            let binds = match p.value() {
                Bind::List(v) => v,
                other => panic!("binds are a list, not {other:?}: {printed}"),
            };
            Stmt {
                sql: printed[..at].to_string(),
                binds,
                batch: false,
            }
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> u8 {
        self.s.get(self.i).copied().unwrap_or(0)
    }

    fn skip_spaces(&mut self) {
        while self.peek() == b' ' {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Bind {
        self.skip_spaces();
        if self.eat("None") {
            Bind::Null
        } else if self.eat("Some(") {
            let v = self.value();
            self.skip_spaces();
            assert!(self.eat(")"), "unbalanced Some(");
            v
        } else if self.peek() == b'"' {
            Bind::Text(self.string())
        } else if self.eat("[") {
            let mut items = Vec::new();
            loop {
                self.skip_spaces();
                if self.eat("]") {
                    break;
                }
                items.push(self.value());
                self.skip_spaces();
                self.eat(",");
            }
            Bind::List(items)
        } else {
            let start = self.i;
            while !matches!(self.peek(), b',' | b']' | b')' | 0) {
                self.i += 1;
            }
            let word = std::str::from_utf8(&self.s[start..self.i]).expect("UTF-8");
            match word.trim() {
                "true" => Bind::Bool(true),
                "false" => Bind::Bool(false),
                w => w
                    .parse::<i64>()
                    .map(Bind::Int)
                    .unwrap_or_else(|_| Bind::Time(w.to_string())),
            }
        }
    }

    /// A string as Rust's `Debug` writes it.
    fn string(&mut self) -> String {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek();
            self.i += 1;
            match c {
                b'"' => break,
                0 => panic!("unterminated string"),
                b'\\' => {
                    let e = self.peek();
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'0' => out.push(0),
                        b'u' => {
                            // \u{XXXX}
                            self.i += 1;
                            let start = self.i;
                            while self.peek() != b'}' {
                                self.i += 1;
                            }
                            let hex = std::str::from_utf8(&self.s[start..self.i]).expect("hex");
                            self.i += 1;
                            let ch = u32::from_str_radix(hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .expect("a \\u escape");
                            out.extend(ch.to_string().as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).expect("UTF-8 string")
    }
}

/// The `id` values of the rows the statements insert (`INSERT INTO t (.., id, ..) VALUES (..),
/// (..)`), found through the column list and the placeholders (`$n` on PostgreSQL, `?` in order
/// on SQLite).
fn inserted_ids(stmts: &[Stmt]) -> Vec<String> {
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    for st in stmts
        .iter()
        .filter(|s| !s.batch && s.sql.starts_with("INSERT INTO"))
    {
        let sql = &st.sql;
        let Some(open) = sql.find('(') else { continue };
        let Some(close) = sql[open..].find(')').map(|c| open + c) else {
            continue;
        };
        let columns: Vec<String> = sql[open + 1..close]
            .split(',')
            .map(|c| c.trim().trim_matches(|q| q == '"' || q == '`').to_string())
            .collect();
        let Some(id_col) = columns.iter().position(|c| c == "id") else {
            continue;
        };
        let Some(values) = sql[close..].find(" VALUES ").map(|v| close + v + 8) else {
            continue;
        };
        let bytes = sql.as_bytes();
        let mut i = values;
        loop {
            while bytes.get(i) == Some(&b' ') {
                i += 1;
            }
            if bytes.get(i) != Some(&b'(') {
                break;
            }
            let end = match sql[i..].find(')') {
                Some(e) => i + e,
                None => break,
            };
            let mut offset = i + 1;
            for (k, element) in sql[i + 1..end].split(',').enumerate() {
                if k == id_col {
                    let e = element.trim();
                    let bind = if let Some(n) = e.strip_prefix('$') {
                        n.parse::<usize>().ok().and_then(|n| st.binds.get(n - 1))
                    } else if e == "?" {
                        let before = sql[..offset].matches('?').count();
                        st.binds.get(before)
                    } else {
                        None
                    };
                    if let Some(Bind::Text(id)) = bind {
                        if id.len() == 36 && seen.insert(id.clone()) {
                            ids.push(id.clone());
                        }
                    }
                }
                offset += element.len() + 1;
            }
            i = end + 1;
            while bytes.get(i) == Some(&b' ') {
                i += 1;
            }
            if bytes.get(i) == Some(&b',') {
                i += 1;
            } else {
                break;
            }
        }
    }
    ids
}
