//! The ceiling: the statements the service ran for each request (`capture`), replayed straight
//! on a connection pool with the same concurrency as the HTTP load and no HTTP, JSON, tokens or
//! Rust-side rules. Each replay checks a connection out of a pool of the service's default size
//! (4 on SQLite, 10 on PostgreSQL), as the service does once per request. Two variants:
//!
//! - *prepared*: each statement prepared once per connection, then executed (what diesel's
//!   statement cache does for most of the service's statements);
//! - *per execution*: prepared and executed each time; on PostgreSQL that is a plan made with
//!   that execution's values (what diesel does for the statements it does not cache, as the
//!   agendas' on PostgreSQL, `db::planned_per_execution`).
//!
//! SQLite through rusqlite (same bundled SQLite, same pragmas as the service's connections),
//! every row stepped through and every column read; PostgreSQL through the `postgres` crate, the
//! bind values sent as text for the server to type from the statement.
//!
//! A write replays with fresh ids for the rows it inserts, so that it inserts new rows as the
//! service does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use postgres::types::{Format, IsNull, ToSql, Type};

use crate::capture::{Bind, Template};
use crate::load::{histogram, Figures};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Prepared,
    PerExecution,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Prepared => "direct SQL, prepared",
            Mode::PerExecution => "direct SQL, prepared per execution",
        }
    }
}

/// A replay's bind values with the request's inserted ids swapped for fresh ones.
fn fresh(template: &Template) -> impl Fn(&Bind) -> Bind {
    let swaps: Vec<(String, String)> = template
        .new_ids
        .iter()
        .map(|old| (old.clone(), uuid::Uuid::new_v4().to_string()))
        .collect();
    move |b: &Bind| swap(b, &swaps)
}

fn swap(b: &Bind, swaps: &[(String, String)]) -> Bind {
    match b {
        Bind::Text(s) => {
            let mut s = s.clone();
            for (old, new) in swaps {
                if s.contains(old.as_str()) {
                    s = s.replace(old.as_str(), new);
                }
            }
            Bind::Text(s)
        }
        Bind::List(v) => Bind::List(v.iter().map(|b| swap(b, swaps)).collect()),
        other => other.clone(),
    }
}

/// `connections` threads replaying `templates` in turn for `length`.
pub fn run(
    mode: Mode,
    backend: crate::Backend,
    url: &str,
    templates: &[Template],
    connections: usize,
    length: Duration,
) -> Figures {
    let next = AtomicUsize::new(0);
    let sqlite = (backend == crate::Backend::Sqlite).then(|| {
        r2d2::Pool::builder()
            .max_size(4)
            .build(SqliteManager {
                path: url.trim_start_matches("sqlite://").to_string(),
            })
            .expect("SQLite pool for the ceiling")
    });
    let pg = (backend == crate::Backend::Postgres).then(|| {
        r2d2::Pool::builder()
            .max_size(10)
            .build(PgManager {
                url: url.to_string(),
            })
            .expect("PostgreSQL pool for the ceiling")
    });
    let started_at = Instant::now();
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..connections)
            .map(|_| {
                let (next, sqlite, pg) = (&next, sqlite.as_ref(), pg.as_ref());
                scope.spawn(move || {
                    let mut h = histogram();
                    let (mut errors, mut first) = (0u64, None::<String>);
                    while started_at.elapsed() < length {
                        let template =
                            &templates[next.fetch_add(1, Ordering::Relaxed) % templates.len()];
                        let t = Instant::now();
                        let outcome = match (sqlite, pg) {
                            (Some(pool), _) => {
                                let conn = pool.get().expect("a pooled SQLite connection");
                                replay_sqlite(&conn, template, mode == Mode::Prepared)
                            }
                            (None, Some(pool)) => {
                                let mut conn = pool.get().expect("a pooled PostgreSQL connection");
                                replay_pg(&mut conn, template, mode == Mode::Prepared)
                            }
                            _ => unreachable!("one pool"),
                        };
                        match outcome {
                            Ok(()) => h.saturating_record(t.elapsed().as_micros() as u64),
                            Err(e) => {
                                errors += 1;
                                first.get_or_insert(e);
                            }
                        }
                    }
                    (h, errors, first)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a ceiling thread panicked"))
            .collect()
    });
    let took = started_at.elapsed();
    let mut all = histogram();
    let (mut errors, mut first) = (0, None);
    for (h, e, f) in results {
        all.add(&h).expect("histograms of the same bounds");
        errors += e;
        first = first.or(f);
    }
    Figures::of(&all, errors, first, took)
}

fn is_begin(sql: &str) -> bool {
    sql.starts_with("BEGIN")
}

fn is_end(sql: &str) -> bool {
    sql.starts_with("COMMIT") || sql.starts_with("ROLLBACK")
}

/// The service's connection set-up (`db::Manager`): WAL, writers queue on the busy timeout.
#[derive(Debug)]
pub struct SqliteManager {
    path: String,
}

impl r2d2::ManageConnection for SqliteManager {
    type Connection = rusqlite::Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<rusqlite::Connection, rusqlite::Error> {
        let conn = rusqlite::Connection::open(&self.path)?;
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
             PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
        )?;
        // Room for every statement of a write (about 30).
        conn.set_prepared_statement_cache_capacity(256);
        Ok(conn)
    }

    fn is_valid(&self, _conn: &mut rusqlite::Connection) -> Result<(), rusqlite::Error> {
        Ok(())
    }

    fn has_broken(&self, _conn: &mut rusqlite::Connection) -> bool {
        false
    }
}

fn sqlite_value(b: &Bind) -> Result<rusqlite::types::Value, String> {
    use rusqlite::types::Value;
    Ok(match b {
        Bind::Null => Value::Null,
        Bind::Int(i) => Value::Integer(*i),
        Bind::Bool(v) => Value::Integer(i64::from(*v)),
        Bind::Text(s) => Value::Text(s.clone()),
        // diesel stores SQLite timestamps as `YYYY-MM-DD HH:MM:SS.ffffff`.
        Bind::Time(s) => Value::Text(s.replace('T', " ")),
        Bind::List(_) => return Err("a list bind on SQLite".to_string()),
    })
}

fn replay_sqlite(
    conn: &rusqlite::Connection,
    template: &Template,
    prepared: bool,
) -> Result<(), String> {
    let swap = fresh(template);
    let mut in_transaction = false;
    for st in &template.stmts {
        let done: Result<(), String> = if st.batch {
            let r = conn.execute_batch(&st.sql);
            if r.is_ok() {
                in_transaction = (in_transaction || is_begin(&st.sql)) && !is_end(&st.sql);
            }
            r.map_err(|e| e.to_string())
        } else {
            st.binds
                .iter()
                .map(|b| sqlite_value(&swap(b)))
                .collect::<Result<Vec<_>, _>>()
                .and_then(|values| {
                    let run = |stmt: &mut rusqlite::Statement<'_>| -> rusqlite::Result<()> {
                        let columns = stmt.column_count();
                        let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                        while let Some(row) = rows.next()? {
                            for i in 0..columns {
                                std::hint::black_box(row.get_ref(i)?);
                            }
                        }
                        Ok(())
                    };
                    let r = if prepared {
                        conn.prepare_cached(&st.sql).and_then(|mut s| run(&mut s))
                    } else {
                        conn.prepare(&st.sql).and_then(|mut s| run(&mut s))
                    };
                    r.map_err(|e| e.to_string())
                })
        };
        if let Err(e) = done {
            if in_transaction {
                let _ = conn.execute_batch("ROLLBACK");
            }
            return Err(format!("{e}: {}", st.sql));
        }
    }
    Ok(())
}

/// A bind value in PostgreSQL's text form, typed by the server from the statement.
#[derive(Debug)]
struct TextParam(Option<String>);

impl ToSql for TextParam {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match &self.0 {
            None => Ok(IsNull::Yes),
            Some(s) => {
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Text
    }

    postgres::types::to_sql_checked!();
}

fn pg_text(b: &Bind) -> Option<String> {
    match b {
        Bind::Null => None,
        Bind::Int(i) => Some(i.to_string()),
        Bind::Bool(v) => Some(v.to_string()),
        Bind::Text(s) | Bind::Time(s) => Some(s.clone()),
        Bind::List(items) => Some(format!(
            "{{{}}}",
            items
                .iter()
                .map(|i| match pg_text(i) {
                    None => "NULL".to_string(),
                    Some(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
                })
                .collect::<Vec<_>>()
                .join(",")
        )),
    }
}

pub struct PgConn {
    client: postgres::Client,
    prepared: HashMap<String, postgres::Statement>,
}

#[derive(Debug)]
pub struct PgManager {
    url: String,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        Ok(PgConn {
            client: postgres::Client::connect(&self.url, postgres::NoTls)?,
            prepared: HashMap::new(),
        })
    }

    fn is_valid(&self, _conn: &mut PgConn) -> Result<(), postgres::Error> {
        Ok(())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

fn replay_pg(conn: &mut PgConn, template: &Template, prepared: bool) -> Result<(), String> {
    let swap = fresh(template);
    let mut in_transaction = false;
    for st in &template.stmts {
        let done = if st.batch {
            let r = conn.client.batch_execute(&st.sql);
            if r.is_ok() {
                in_transaction = (in_transaction || is_begin(&st.sql)) && !is_end(&st.sql);
            }
            r
        } else {
            let params: Vec<TextParam> = st
                .binds
                .iter()
                .map(|b| TextParam(pg_text(&swap(b))))
                .collect();
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            if prepared {
                let statement = match conn.prepared.get(&st.sql) {
                    Some(s) => Ok(s.clone()),
                    None => conn.client.prepare(&st.sql).inspect(|s| {
                        conn.prepared.insert(st.sql.clone(), s.clone());
                    }),
                };
                statement.and_then(|s| {
                    conn.client.query(&s, &refs).map(|rows| {
                        std::hint::black_box(rows.len());
                    })
                })
            } else {
                conn.client.query(st.sql.as_str(), &refs).map(|rows| {
                    std::hint::black_box(rows.len());
                })
            }
        };
        if let Err(e) = done {
            if in_transaction {
                let _ = conn.client.batch_execute("ROLLBACK");
            }
            return Err(format!("{e}: {}", st.sql));
        }
    }
    Ok(())
}
