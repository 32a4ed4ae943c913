//! The ceiling: the statements the service ran for each request (`capture`), replayed straight
//! on a connection pool with the same concurrency as the HTTP load and no HTTP, JSON, tokens or
//! Rust-side rules. Each replay checks a connection out of a pool of the service's default size
//! (4 on SQLite, 10 on PostgreSQL), as the service does once per request.
//!
//! - SQLite: diesel's `SqliteConnection` from the crate's own pool (same pragmas), each
//!   statement as `sql_query` with its binds, every row stepped through.
//! - PostgreSQL, with the `postgres` crate, bind values sent as text for the server to type:
//!   *prepared*: each statement prepared once per connection, then executed (what diesel's
//!   statement cache does); *per execution*: prepared and executed each time, so planned with
//!   that execution's values (what diesel does for statements it does not cache).
//!
//! A write replays with fresh ids for the rows it inserts, so that it inserts new rows as the
//! service does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use diesel::connection::{LoadConnection, SimpleConnection};
use diesel::row::{Field, Row};
use diesel::sqlite::{Sqlite, SqliteConnection};
use postgres::types::{Format, IsNull, ToSql, Type};

use crate::capture::{Bind, Template};
use crate::load::{histogram, Figures};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sqlite,
    PgPrepared,
    PgPerExecution,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Sqlite => "direct SQL",
            Mode::PgPrepared => "direct SQL, prepared",
            Mode::PgPerExecution => "direct SQL, planned per execution",
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
    url: &str,
    templates: &[Template],
    connections: usize,
    length: Duration,
) -> Figures {
    let next = AtomicUsize::new(0);
    let sqlite = (mode == Mode::Sqlite)
        .then(|| asylum_tracker::db::build_pool(url, None).expect("SQLite pool for the ceiling"));
    let pg = (mode != Mode::Sqlite).then(|| {
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
                                let mut conn = pool.get().expect("a pooled SQLite connection");
                                match &mut *conn {
                                    asylum_tracker::db::DbConnection::Sqlite(c) => {
                                        replay_sqlite(c, template)
                                    }
                                    _ => Err("not SQLite".to_string()),
                                }
                            }
                            (None, Some(pool)) => {
                                let mut conn = pool.get().expect("a pooled PostgreSQL connection");
                                replay_pg(&mut conn, template, mode == Mode::PgPrepared)
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

fn replay_sqlite(conn: &mut SqliteConnection, template: &Template) -> Result<(), String> {
    let swap = fresh(template);
    let mut in_transaction = false;
    for st in &template.stmts {
        let done = if st.batch {
            let r = conn.batch_execute(&st.sql);
            if r.is_ok() {
                in_transaction = (in_transaction || is_begin(&st.sql)) && !is_end(&st.sql);
            }
            r.map(|_| ())
        } else {
            let mut q = diesel::sql_query(st.sql.as_str()).into_boxed::<Sqlite>();
            for b in &st.binds {
                q = match swap(b) {
                    Bind::Null => q
                        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(
                            None::<String>,
                        ),
                    Bind::Int(i) => q.bind::<diesel::sql_types::BigInt, _>(i),
                    Bind::Bool(v) => q.bind::<diesel::sql_types::Bool, _>(v),
                    Bind::Text(s) => q.bind::<diesel::sql_types::Text, _>(s),
                    // diesel stores SQLite timestamps as `YYYY-MM-DD HH:MM:SS.ffffff`.
                    Bind::Time(s) => q.bind::<diesel::sql_types::Text, _>(s.replace('T', " ")),
                    Bind::List(_) => return Err(format!("a list bind on SQLite: {}", st.sql)),
                };
            }
            step_through(conn, q)
        };
        if let Err(e) = done {
            if in_transaction {
                let _ = conn.batch_execute("ROLLBACK");
            }
            return Err(format!("{e}: {}", st.sql));
        }
    }
    Ok(())
}

/// Runs a statement and steps through every row it returns, reading each column.
fn step_through(
    conn: &mut SqliteConnection,
    q: diesel::query_builder::BoxedSqlQuery<'static, Sqlite, diesel::query_builder::SqlQuery>,
) -> diesel::QueryResult<()> {
    let cursor = <SqliteConnection as LoadConnection>::load(conn, q)?;
    for row in cursor {
        let row = row?;
        for i in 0..row.field_count() {
            if let Some(f) = row.get(i) {
                std::hint::black_box(f.is_null());
            }
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
