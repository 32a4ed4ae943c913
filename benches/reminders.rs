//! Reminder worker at scale, on PostgreSQL.
//!
//! Issue: "With 1,000,000 deadlines and 200,000 hearings in the database: a worker tick with
//! nothing due takes under 50 ms (index-backed), and sending to a local SMTP server sustains at
//! least 200 messages/s." Speed is measured here, not timed in tests, and reported as ratios taken
//! in one run: the service against the same SQL (or the same SMTP traffic) run directly.
//!
//! Run: `cargo bench --bench reminders`. The server is `BENCH_DATABASE_URL`, else
//! `TEST_DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/postgres`; a fresh database
//! `asylum_bench_<random>` is created on it and dropped at the end (kept, for EXPLAIN by hand,
//! when `BENCH_KEEP_DATABASE` is set). Without a reachable server the bench says so and exits 0.
//!
//! What it prints: population times; every tick's time with nothing due, against the same two
//! SELECTs run directly; EXPLAIN (ANALYZE, BUFFERS) of both, as custom and as generic plans; the
//! send rate of worker ticks over 2,000 due rows, against lettre alone on the same SMTP server;
//! a transport probe; and a summary with PASS/FAIL against 50 ms and 200 messages/s.

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use asylum_tracker::config::{MailTransportKind, Settings};
use asylum_tracker::db::schema::{cases, deadlines, reminders};
use asylum_tracker::db::{self, DbPool};
use asylum_tracker::reminders::mail::{self, Mailer};
use asylum_tracker::reminders::messages::{self, DeadlineNote};
use asylum_tracker::reminders::worker::{self, TickReport, Worker};
use asylum_tracker::service::Context;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text, Timestamp};
use futures_util::stream::{self, StreamExt};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use mailin_embedded::{response, Handler, Response, Server};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const JWT_SECRET: &str = "bench-secret-that-is-long-enough-0123456789";

const LAWYERS: i64 = 50;
const CASES: i64 = 50_000;
const DEADLINES: i64 = 1_000_000;
const HEARINGS: i64 = 200_000;
const SENT_HISTORY: i64 = 200_000;

const WARMUP: usize = 3;
const RUNS: usize = 30;
/// Due rows for the send measurement: deadline reminders, then hearing reminders.
const SEND_DEADLINE_ROWS: i64 = 1_600;
const SEND_HEARING_ROWS: i64 = 400;
/// The sweep's limit in `worker::tick`.
const SWEEP_LIMIT: i64 = 1000;

/// Messages per transport probe, and the wider concurrency tried.
const PROBE_MESSAGES: usize = 100;
const PROBE_WIDE: usize = 32;
/// lettre's `PoolConfig` default `max_size`.
const LETTRE_POOL_DEFAULT: usize = 10;

const TICK_TARGET_MS: f64 = 50.0;
const SEND_TARGET_PER_S: f64 = 200.0;

fn main() {
    let server_url = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .unwrap_or_else(|_| DEFAULT_SERVER.to_string());
    let shown = redact(&server_url);
    let mut admin = match PgConnection::establish(&server_url) {
        Ok(c) => c,
        Err(e) => {
            println!(
                "reminders bench skipped: no PostgreSQL at {shown} ({e}). \
                 Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a server URL."
            );
            return;
        }
    };
    let mut url = match url::Url::parse(&server_url) {
        Ok(u) => u,
        Err(e) => {
            println!("reminders bench skipped: {shown} is not a URL ({e})");
            return;
        }
    };
    let name = format!("asylum_bench_{}", uuid::Uuid::new_v4().simple());
    if let Err(e) = diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut admin) {
        println!("reminders bench skipped: cannot create a database on {shown} ({e})");
        return;
    }
    drop(admin);
    url.set_path(&name);
    println!("database {name} on {shown}");

    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| run(url.as_str())));

    if std::env::var_os("BENCH_KEEP_DATABASE").is_some() {
        println!(
            "kept database {name} (BENCH_KEEP_DATABASE is set): {}",
            redact(url.as_str())
        );
    } else {
        drop_database(&server_url, &name);
    }
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("reminders bench failed: {e}");
            std::process::exit(1);
        }
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn drop_database(server_url: &str, name: &str) {
    match PgConnection::establish(server_url).and_then(|mut c| {
        diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut c)
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }) {
        Ok(_) => println!("dropped database {name}"),
        Err(e) => eprintln!("could not drop database {name}: {e}"),
    }
}

/// The server URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The SMTP server: accepts everything, counts what it accepted.

#[derive(Clone)]
struct Counter(Arc<AtomicUsize>);

impl Handler for Counter {
    fn data(&mut self, _buf: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        self.0.fetch_add(1, Ordering::SeqCst);
        response::OK
    }
}

/// An SMTP server on a free port in a detached thread; returns its port and delivery counter.
fn start_smtp() -> BenchResult<(u16, Arc<AtomicUsize>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let delivered = Arc::new(AtomicUsize::new(0));
    let handler = Counter(delivered.clone());
    std::thread::spawn(move || {
        let mut server = Server::new(handler);
        server
            .with_name("inbox.bench")
            .with_tcp_listener(listener)
            .with_num_threads(64);
        if let Err(e) = server.serve() {
            eprintln!("smtp server stopped: {e}");
        }
    });
    Ok((port, delivered))
}

// ---------------------------------------------------------------------------------------------
// Settings and data.

fn bench_settings(database_url: &str, smtp_port: u16) -> BenchResult<Settings> {
    let mut s = Settings::load(None)?;
    s.server.public_url = "https://tracker.bench".to_string();
    s.database.url = database_url.to_string();
    s.auth.jwt_secret = Some(JWT_SECRET.to_string());
    s.mail.transport = MailTransportKind::Smtp;
    s.mail.smtp_url = Some(format!("smtp://127.0.0.1:{smtp_port}"));
    s.reminders.time_zone = "UTC".to_string();
    s.reminders.send_time = "00:00".to_string();
    s.validate()?;
    Ok(s)
}

/// The population, set-based. `{TS}` is now (UTC), `{TODAY}` today (UTC, the org's zone here).
///
/// Deadlines, by `n % 20`: 0..=14 met (75 %, due over the past and next two years); 15..=18 open
/// and due from the day after tomorrow up to two years on (20 %); 19 open and past (5 %), already
/// alerted as missed, or one in five of them an earliest-date kind that is never missed. So the
/// sweep's partial index `deadlines_missed_sweep` is empty, as on a quiet day. Pending reminders
/// are what the planner leaves: every lead of every open future item, all due more than a day
/// from now. 200,000 sent rows stand for history.
const POPULATION: &[(&str, &str)] = &[
    (
        "users",
        r#"INSERT INTO users (id, email, name, role, password_hash, active, time_zone,
                   reminders_enabled, reminder_digest, created_at, updated_at)
           SELECT md5('user-' || i)::uuid::text, 'lawyer' || i || '@bench.test', 'Lawyer ' || i,
                  'lawyer', '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2g$YmVuY2g', true, 'UTC', true,
                  false, {TS}, {TS}
           FROM generate_series(0, {LAWYERS} - 1) AS i
           UNION ALL
           SELECT md5('user-admin')::uuid::text, 'admin@bench.test', 'Admin', 'admin',
                  '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2g$YmVuY2g', true, 'UTC', true, false,
                  {TS}, {TS}"#,
    ),
    (
        "clients",
        r#"INSERT INTO clients (id, given_name, family_name, languages, interpreter_needed,
                   last_arrival_on, search_key, created_by, archived, created_at, updated_at)
           SELECT md5('client-' || i)::uuid::text, 'Given' || i, f, '["en"]', false,
                  DATE '2024-01-01' + i % 700, lower('given' || i || ' ' || f),
                  md5('user-' || i % {LAWYERS})::uuid::text, false, {TS}, {TS}
           FROM (SELECT i, (ARRAY['Haidari', 'Okafor', 'Nguyen', 'Mendoza', 'Yusuf', 'Tesfaye',
                                  'Rahimi'])[1 + i % 7] AS f
                 FROM generate_series(0, {CASES} - 1) AS i) s"#,
    ),
    (
        "cases",
        r#"INSERT INTO cases (id, reference, client_id, kind, court_code, status, closed,
                   opened_on, created_by, created_at, updated_at)
           SELECT md5('case-' || i)::uuid::text, 'C-2026-' || lpad(i::text, 5, '0'),
                  md5('client-' || i)::uuid::text,
                  CASE WHEN i % 2 = 0 THEN 'affirmative' ELSE 'defensive' END,
                  CASE WHEN i % 2 = 1 THEN 'el-paso' END, 'filed', false,
                  DATE '2025-01-01' + i % 300, md5('user-' || i % {LAWYERS})::uuid::text, {TS}, {TS}
           FROM generate_series(0, {CASES} - 1) AS i"#,
    ),
    (
        "case_assignments",
        r#"INSERT INTO case_assignments (case_id, user_id, role, assigned_at)
           SELECT md5('case-' || i)::uuid::text, md5('user-' || i % {LAWYERS})::uuid::text,
                  'lawyer', {TS}
           FROM generate_series(0, {CASES} - 1) AS i"#,
    ),
    (
        "deadlines",
        r#"INSERT INTO deadlines (id, case_id, kind, source, trigger_key, due_on, rule,
                   explanation, met_on, resolution, never_missed, missed_alerted, created_at,
                   updated_at)
           SELECT md5('deadline-' || n)::uuid::text, md5('case-' || n % {CASES})::uuid::text,
                  (ARRAY['one_year_filing', 'bia_appeal', 'pre_hearing_filing',
                         'motion_to_reopen', 'ead_renewal_window'])[1 + (n / {CASES}) % 5],
                  'computed', 'bench:' || n, due_on, '8 C.F.R. 1003.38(b)',
                  'Thirty days from the decision of the immigration judge.',
                  CASE WHEN b < 15 THEN due_on - 3 END, CASE WHEN b < 15 THEN 'met' END,
                  b = 19 AND n % 100 = 19, b = 19 AND n % 100 <> 19, {TS}, {TS}
           FROM (SELECT n, n % 20 AS b,
                        CASE WHEN n % 20 < 15 THEN {TODAY} + (n * 17) % 1461 - 730
                             WHEN n % 20 < 19 THEN {TODAY} + 2 + (n * 7) % 729
                             ELSE {TODAY} - 1 - (n * 13) % 730 END AS due_on
                 FROM generate_series(0, {DEADLINES} - 1) AS n) s"#,
    ),
    (
        "hearings",
        r#"INSERT INTO hearings (id, case_id, kind, starts_at_local, time_zone, starts_at,
                   court_code, outcome, created_by, created_at, updated_at)
           SELECT md5('hearing-' || h)::uuid::text, md5('case-' || h % {CASES})::uuid::text,
                  (ARRAY['master_calendar', 'individual', 'asylum_interview',
                         'biometrics'])[1 + h % 4],
                  to_char(at, 'YYYY-MM-DD"T"HH24:MI'), 'UTC', at, 'el-paso',
                  CASE WHEN at < {TS} THEN 'held' END,
                  md5('user-' || h % {LAWYERS})::uuid::text, {TS}, {TS}
           FROM (SELECT h, {TODAY} + ((h * 7919) % 1461 - 730)
                           + make_interval(hours => 8 + h % 9) AS at
                 FROM generate_series(0, {HEARINGS} - 1) AS h) s"#,
    ),
    (
        "reminders: pending, deadlines",
        r#"INSERT INTO reminders (id, kind, item_id, item_key, case_id, recipient_id, lead_days,
                   due_at, state, digest, attempts, next_attempt_at, message_id, created_at,
                   updated_at)
           SELECT id, 'deadline', item_id, item_key, case_id, recipient_id, lead, due_at,
                  'pending', false, 0, due_at, id || '@asylum-tracker', {TS}, {TS}
           FROM (SELECT gen_random_uuid()::text AS id, d.id AS item_id,
                        'deadline:' || d.id || ':' || to_char(d.due_on, 'YYYY-MM-DD') AS item_key,
                        d.case_id, a.user_id AS recipient_id, l.lead,
                        (d.due_on - l.lead)::timestamp AS due_at
                 FROM deadlines d
                 JOIN case_assignments a ON a.case_id = d.case_id
                 CROSS JOIN (VALUES (30), (7), (1), (0)) AS l (lead)
                 WHERE d.resolution IS NULL AND d.due_on >= {TODAY}
                   AND (d.due_on - l.lead)::timestamp > {TS} + interval '1 day') s"#,
    ),
    (
        "reminders: pending, hearings",
        r#"INSERT INTO reminders (id, kind, item_id, item_key, case_id, recipient_id, lead_days,
                   due_at, state, digest, attempts, next_attempt_at, message_id, created_at,
                   updated_at)
           SELECT id, 'hearing', item_id, item_key, case_id, recipient_id, lead, due_at,
                  'pending', false, 0, due_at, id || '@asylum-tracker', {TS}, {TS}
           FROM (SELECT gen_random_uuid()::text AS id, h.id AS item_id,
                        'hearing:' || h.id || ':' || to_char(h.starts_at, 'YYYY-MM-DD"T"HH24:MI')
                            AS item_key,
                        h.case_id, a.user_id AS recipient_id, l.lead,
                        (h.starts_at::date - l.lead)::timestamp AS due_at
                 FROM hearings h
                 JOIN case_assignments a ON a.case_id = h.case_id
                 CROSS JOIN (VALUES (7), (1)) AS l (lead)
                 WHERE h.outcome IS NULL AND h.starts_at > {TS}
                   AND (h.starts_at::date - l.lead)::timestamp > {TS} + interval '1 day') s"#,
    ),
    (
        "reminders: sent history",
        r#"INSERT INTO reminders (id, kind, item_id, item_key, case_id, recipient_id, lead_days,
                   due_at, state, digest, attempts, next_attempt_at, message_id, sent_at,
                   created_at, updated_at)
           SELECT id, 'deadline', item_id, item_key, case_id, recipient_id, 7, due_at, 'sent',
                  false, 1, due_at, id || '@asylum-tracker', due_at, due_at, due_at
           FROM (SELECT gen_random_uuid()::text AS id, d.id AS item_id,
                        'deadline:' || d.id || ':' || to_char(d.due_on, 'YYYY-MM-DD') AS item_key,
                        d.case_id, a.user_id AS recipient_id,
                        (d.due_on - 7)::timestamp AS due_at
                 FROM deadlines d
                 JOIN case_assignments a ON a.case_id = d.case_id
                 WHERE d.resolution = 'met' AND d.due_on < {TODAY} - 7
                 LIMIT {SENT_HISTORY}) s"#,
    ),
];

fn fill(template: &str, now: NaiveDateTime, today: NaiveDate) -> String {
    template
        .replace("{TS}", &format!("TIMESTAMP '{now}'"))
        .replace("{TODAY}", &format!("DATE '{today}'"))
        .replace("{LAWYERS}", &LAWYERS.to_string())
        .replace("{CASES}", &CASES.to_string())
        .replace("{DEADLINES}", &DEADLINES.to_string())
        .replace("{HEARINGS}", &HEARINGS.to_string())
        .replace("{SENT_HISTORY}", &SENT_HISTORY.to_string())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str) -> BenchResult<i64> {
    Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n)
}

#[derive(QueryableByName)]
struct IndexDef {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
}

/// The big tables' indexes other than primary keys: dropped for the bulk load and rebuilt from
/// their own definitions (as the migrations made them) afterwards, which is several times faster
/// than maintaining six indexes on random UUID keys row by row.
const BULK_TABLES: &str = "'deadlines', 'hearings', 'reminders'";

fn populate(conn: &mut PgConnection, now: NaiveDateTime, today: NaiveDate) -> BenchResult<f64> {
    conn.batch_execute("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'")?;
    let all = Instant::now();
    let indexes: Vec<IndexDef> = diesel::sql_query(format!(
        "SELECT i.relname::text AS name, pg_get_indexdef(i.oid) AS def \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         WHERE t.relname IN ({BULK_TABLES}) AND NOT x.indisprimary \
           AND t.relnamespace = 'public'::regnamespace ORDER BY 1"
    ))
    .load(conn)?;
    for i in &indexes {
        conn.batch_execute(&format!("DROP INDEX \"{}\"", i.name))?;
    }
    // Foreign-key triggers off for the load where the role may (superuser); the data is
    // consistent by construction.
    let fk_off = conn
        .batch_execute("SET session_replication_role = replica")
        .is_ok();
    for (label, template) in POPULATION {
        let started = Instant::now();
        let rows = diesel::sql_query(fill(template, now, today)).execute(conn)?;
        println!(
            "  {label:<30} {rows:>9} rows  {:>6.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    if fk_off {
        conn.batch_execute("SET session_replication_role = DEFAULT")?;
    }
    let started = Instant::now();
    for i in &indexes {
        conn.batch_execute(&i.def)?;
    }
    println!(
        "  {:<30} {:>9}       {:>6.1} s",
        format!("rebuild {} indexes", indexes.len()),
        "",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    conn.batch_execute("ANALYZE")?;
    println!(
        "  {:<30} {:>9}       {:>6.1} s",
        "ANALYZE",
        "",
        started.elapsed().as_secs_f64()
    );
    println!(
        "  (foreign-key checks {} during the load)",
        if fk_off { "off" } else { "on" }
    );
    let total = all.elapsed().as_secs_f64();
    let shape = [
        ("deadlines met", "SELECT count(*) AS n FROM deadlines WHERE resolution IS NOT NULL"),
        (
            "deadlines open, future",
            "SELECT count(*) AS n FROM deadlines WHERE resolution IS NULL AND due_on >= {TODAY}",
        ),
        (
            "deadlines open, past, alerted",
            "SELECT count(*) AS n FROM deadlines WHERE resolution IS NULL AND due_on < {TODAY} AND missed_alerted",
        ),
        (
            "deadlines open, past, never_missed",
            "SELECT count(*) AS n FROM deadlines WHERE resolution IS NULL AND due_on < {TODAY} AND never_missed",
        ),
        (
            "deadlines in the sweep's partial index",
            "SELECT count(*) AS n FROM deadlines WHERE resolution IS NULL AND missed_alerted = FALSE AND never_missed = FALSE",
        ),
        ("hearings", "SELECT count(*) AS n FROM hearings"),
        (
            "reminders pending (all future)",
            "SELECT count(*) AS n FROM reminders WHERE state = 'pending'",
        ),
        (
            "reminders pending and due now",
            "SELECT count(*) AS n FROM reminders WHERE state = 'pending' AND next_attempt_at <= {TS}",
        ),
        (
            "reminders sent",
            "SELECT count(*) AS n FROM reminders WHERE state = 'sent'",
        ),
    ];
    for (label, sql) in shape {
        println!("  {label:<40} {:>9}", count(conn, &fill(sql, now, today))?);
    }
    Ok(total)
}

// ---------------------------------------------------------------------------------------------
// Statistics.

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn p95(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let rank = ((s.len() as f64) * 0.95).ceil() as usize;
    s[rank.clamp(1, s.len()) - 1]
}

fn series(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.2}"))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------
// The queries a tick issues when nothing is due, built exactly as outbox::sweep_missed and
// outbox::claim build them (the SQL text is printed; it is what the worker sends). Keep these
// in step with src/reminders/outbox.rs.

macro_rules! sweep_dsl {
    ($today:expr) => {
        deadlines::table
            .inner_join(cases::table)
            .filter(deadlines::resolution.is_null())
            .filter(diesel::dsl::not(deadlines::missed_alerted))
            .filter(diesel::dsl::not(deadlines::never_missed))
            .filter(deadlines::due_on.lt($today))
            .order(deadlines::due_on)
            .select((
                deadlines::id,
                deadlines::case_id,
                deadlines::due_on,
                cases::created_at,
            ))
            .limit(SWEEP_LIMIT)
    };
}

macro_rules! claim_dsl {
    ($now:expr, $limit:expr) => {
        reminders::table
            .filter(reminders::state.eq("pending"))
            .filter(reminders::next_attempt_at.le($now))
            .filter(
                reminders::lease_until
                    .is_null()
                    .or(reminders::lease_until.lt($now)),
            )
            .order(reminders::next_attempt_at)
            .select(reminders::id)
            .limit($limit)
            .for_update()
            .skip_locked()
    };
}

fn sweep_sql(today: NaiveDate) -> String {
    let q = sweep_dsl!(today);
    sql_only(&diesel::debug_query::<Pg, _>(&q).to_string())
}

fn claim_sql(now: NaiveDateTime, limit: i64) -> String {
    let q = claim_dsl!(now, limit);
    sql_only(&diesel::debug_query::<Pg, _>(&q).to_string())
}

/// `debug_query` prints "SQL -- binds: [...]".
fn sql_only(debug: &str) -> String {
    debug
        .split(" -- binds:")
        .next()
        .unwrap_or(debug)
        .to_string()
}

#[derive(QueryableByName)]
struct SweepRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    case_id: String,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

#[derive(QueryableByName)]
struct PlanCache {
    #[diesel(sql_type = Text)]
    statement: String,
    #[diesel(sql_type = BigInt)]
    generic_plans: i64,
    #[diesel(sql_type = BigInt)]
    custom_plans: i64,
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

fn nothing_found(sweep: &[SweepRow], claim: &[IdRow]) -> BenchResult<()> {
    if let Some(r) = sweep.first() {
        return Err(format!("deadline {} of case {} is newly missed", r.id, r.case_id).into());
    }
    if let Some(r) = claim.first() {
        return Err(format!("reminder {} is due", r.id).into());
    }
    Ok(())
}

/// The two SELECTs through `sql_query` (an unnamed statement each time, so PostgreSQL plans
/// with the bound values), each in its own transaction as in a tick. Returns ms per pair.
fn direct_unprepared(
    conn: &mut PgConnection,
    sweep: &str,
    claim: &str,
    today: NaiveDate,
    batch: i64,
) -> BenchResult<Vec<f64>> {
    let mut out = Vec::new();
    for i in 0..WARMUP + RUNS {
        let started = Instant::now();
        let s: Vec<SweepRow> = conn.transaction(|c| {
            diesel::sql_query(sweep)
                .bind::<Date, _>(today)
                .bind::<BigInt, _>(SWEEP_LIMIT)
                .load(c)
        })?;
        let now = db::now();
        let c: Vec<IdRow> = conn.transaction(|c| {
            diesel::sql_query(claim)
                .bind::<Text, _>("pending")
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(now)
                .bind::<BigInt, _>(batch)
                .load(c)
        })?;
        let took = ms(started.elapsed());
        nothing_found(&s, &c)?;
        if i >= WARMUP {
            out.push(took);
        }
    }
    Ok(out)
}

/// The same two queries through diesel's query builder on a plain connection: diesel keeps them
/// as named prepared statements, as it does for the worker. Returns ms per query, every run
/// (warm-ups included, to show PostgreSQL's switch to a generic plan after five executions).
fn direct_prepared(
    conn: &mut PgConnection,
    today: NaiveDate,
    batch: i64,
) -> BenchResult<(Vec<f64>, Vec<f64>)> {
    let (mut sweep_ms, mut claim_ms) = (Vec::new(), Vec::new());
    for _ in 0..WARMUP + RUNS {
        let started = Instant::now();
        let s: Vec<(String, String, NaiveDate, NaiveDateTime)> =
            conn.transaction(|c| sweep_dsl!(today).load(c))?;
        sweep_ms.push(ms(started.elapsed()));
        let started = Instant::now();
        let now = db::now();
        let c: Vec<String> = conn.transaction(|c| claim_dsl!(now, batch).load(c))?;
        claim_ms.push(ms(started.elapsed()));
        if !s.is_empty() || !c.is_empty() {
            return Err("found due work while nothing should be due".into());
        }
    }
    Ok((sweep_ms, claim_ms))
}

fn print_plan(title: &str, lines: Vec<PlanLine>) {
    println!("  -- {title}");
    for l in lines {
        println!("     {}", l.line);
    }
}

/// EXPLAIN (ANALYZE, BUFFERS) of both queries: as planned for the bound values (what a fresh
/// statement gets), and as a generic plan (what a prepared statement gets once PostgreSQL's
/// plan cache settles on one).
fn explain(conn: &mut PgConnection, sweep: &str, claim: &str, today: NaiveDate) -> BenchResult<()> {
    let now = db::now();
    let lines: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sweep}"))
        .bind::<Date, _>(today)
        .bind::<BigInt, _>(SWEEP_LIMIT)
        .load(conn)?;
    print_plan("sweep, planned for the bound values (custom plan)", lines);
    let lines: Vec<PlanLine> = conn.transaction(|c| {
        diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {claim}"))
            .bind::<Text, _>("pending")
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(100i64)
            .load(c)
    })?;
    print_plan("claim, planned for the bound values (custom plan)", lines);

    conn.batch_execute(&format!(
        "PREPARE bench_sweep (date, bigint) AS {sweep}; \
         PREPARE bench_claim (text, timestamp, timestamp, bigint) AS {claim}; \
         SET plan_cache_mode = force_generic_plan;"
    ))?;
    let generic = (|| -> BenchResult<()> {
        let lines: Vec<PlanLine> = diesel::sql_query(format!(
            "EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_sweep(DATE '{today}', {SWEEP_LIMIT})"
        ))
        .load(conn)?;
        print_plan(
            "sweep, generic plan (forced; a prepared statement may get it after 5 runs)",
            lines,
        );
        let lines: Vec<PlanLine> = conn.transaction(|c| {
            diesel::sql_query(format!(
                "EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_claim('pending', TIMESTAMP '{now}', TIMESTAMP '{now}', 100)"
            ))
            .load(c)
        })?;
        print_plan(
            "claim, generic plan (forced; a prepared statement may get it after 5 runs)",
            lines,
        );
        Ok(())
    })();
    conn.batch_execute("RESET plan_cache_mode; DEALLOCATE bench_sweep; DEALLOCATE bench_claim;")?;
    generic
}

// ---------------------------------------------------------------------------------------------
// Sending.

/// Makes `SEND_*_ROWS` reminder rows due now, for real open items, to their cases' lawyers, with
/// the item keys `outbox::replan_case` builds (so `worker::content` sends rather than drops them).
/// `lead` (3, 4) is on neither ladder, so the rows never collide with the planned ones.
fn insert_due(
    conn: &mut PgConnection,
    now: NaiveDateTime,
    today: NaiveDate,
    lead: i32,
) -> BenchResult<usize> {
    let due = now - chrono::Duration::minutes(1);
    let deadline_rows = diesel::sql_query(format!(
        r#"INSERT INTO reminders (id, kind, item_id, item_key, case_id, recipient_id, lead_days,
                   due_at, state, digest, attempts, next_attempt_at, message_id, created_at,
                   updated_at)
           SELECT id, 'deadline', item_id, item_key, case_id, recipient_id, {lead},
                  TIMESTAMP '{due}', 'pending', false, 0, TIMESTAMP '{due}',
                  id || '@asylum-tracker', TIMESTAMP '{due}', TIMESTAMP '{due}'
           FROM (SELECT gen_random_uuid()::text AS id, d.id AS item_id,
                        'deadline:' || d.id || ':' || to_char(d.due_on, 'YYYY-MM-DD') AS item_key,
                        d.case_id, a.user_id AS recipient_id
                 FROM deadlines d
                 JOIN case_assignments a ON a.case_id = d.case_id
                 JOIN users u ON u.id = a.user_id AND u.active
                 WHERE d.resolution IS NULL AND d.due_on > DATE '{today}'
                 ORDER BY d.id
                 LIMIT {SEND_DEADLINE_ROWS}) s"#
    ))
    .execute(conn)?;
    let hearing_rows = diesel::sql_query(format!(
        r#"INSERT INTO reminders (id, kind, item_id, item_key, case_id, recipient_id, lead_days,
                   due_at, state, digest, attempts, next_attempt_at, message_id, created_at,
                   updated_at)
           SELECT id, 'hearing', item_id, item_key, case_id, recipient_id, {lead},
                  TIMESTAMP '{due}', 'pending', false, 0, TIMESTAMP '{due}',
                  id || '@asylum-tracker', TIMESTAMP '{due}', TIMESTAMP '{due}'
           FROM (SELECT gen_random_uuid()::text AS id, h.id AS item_id,
                        'hearing:' || h.id || ':' || to_char(h.starts_at, 'YYYY-MM-DD"T"HH24:MI')
                            AS item_key,
                        h.case_id, a.user_id AS recipient_id
                 FROM hearings h
                 JOIN case_assignments a ON a.case_id = h.case_id
                 JOIN users u ON u.id = a.user_id AND u.active
                 WHERE h.outcome IS NULL AND h.starts_at > TIMESTAMP '{now}'
                 ORDER BY h.id
                 LIMIT {SEND_HEARING_ROWS}) s"#
    ))
    .execute(conn)?;
    Ok(deadline_rows + hearing_rows)
}

/// Messages comparable to the worker's: a deadline reminder as `messages` words it, built by
/// `mail::build`, one per row, to the same 50 recipients.
fn direct_messages(
    settings: &Settings,
    today: NaiveDate,
    n: usize,
) -> BenchResult<Vec<lettre::Message>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let note = DeadlineNote {
            kind: "bia_appeal".to_string(),
            title: None,
            due_on: today + chrono::Duration::days(30 + (i % 300) as i64),
            rule: "8 C.F.R. 1003.38(b)".to_string(),
            explanation: "Thirty days from the decision of the immigration judge.".to_string(),
            alternative_due_on: None,
            case_reference: format!("C-2026-{:05}", i % CASES as usize),
            family_initial: Some('H'),
            link: format!("https://tracker.bench/cases/{}", uuid::Uuid::new_v4()),
        };
        let c = messages::deadline_reminder(&note, today);
        out.push(mail::build(
            &settings.mail.from,
            mail::Outgoing {
                to: format!("lawyer{}@bench.test", i % LAWYERS as usize),
                subject: c.subject,
                text: c.text,
                html: Some(c.html),
                message_id: Some(format!("{}@asylum-tracker", uuid::Uuid::new_v4())),
            },
        )?);
    }
    Ok(out)
}

fn wait_for(counter: &AtomicUsize, n: usize) {
    let until = Instant::now() + Duration::from_secs(10);
    while counter.load(Ordering::SeqCst) < n && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ---------------------------------------------------------------------------------------------

/// The outcome of one round of worker ticks over freshly due rows.
struct SendRound {
    rows: usize,
    ticks: usize,
    delivered: usize,
    secs: f64,
    report: TickReport,
    left: i64,
}

/// Makes rows due (with `lead`, so that rounds do not collide), then runs ticks until one finds
/// nothing; the time is up to the end of the last tick that did something.
async fn worker_round(
    worker: &Worker,
    pg: &mut PgConnection,
    delivered: &AtomicUsize,
    today: NaiveDate,
    lead: i32,
) -> BenchResult<SendRound> {
    let rows = insert_due(pg, db::now(), today, lead)?;
    delivered.store(0, Ordering::SeqCst);
    let started = Instant::now();
    let mut report = TickReport::default();
    let (mut ticks, mut secs) = (0, 0.0);
    loop {
        let r = worker::tick(worker).await?;
        if r.sent + r.cancelled + r.failed_tries == 0 {
            break;
        }
        ticks += 1;
        secs = started.elapsed().as_secs_f64();
        report.sent += r.sent;
        report.cancelled += r.cancelled;
        report.failed_tries += r.failed_tries;
        report.missed_alerted += r.missed_alerted;
    }
    wait_for(delivered, report.sent);
    let left = count(
        pg,
        &format!(
            "SELECT count(*) AS n FROM reminders WHERE state = 'pending' \
             AND next_attempt_at <= TIMESTAMP '{}'",
            db::now()
        ),
    )?;
    Ok(SendRound {
        rows,
        ticks,
        delivered: delivered.load(Ordering::SeqCst),
        secs,
        report,
        left,
    })
}

/// Sends `msgs` through a fresh pooled lettre transport, `concurrency` at once, configured as
/// `Mailer::from_settings` configures it (unless `pool_size` is given). Returns what the SMTP
/// server counted and the seconds taken.
async fn lettre_round(
    smtp_url: &str,
    msgs: Vec<lettre::Message>,
    concurrency: usize,
    pool_size: Option<u32>,
    delivered: &AtomicUsize,
) -> BenchResult<(usize, f64)> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)?
        .timeout(Some(Duration::from_secs(20)));
    if let Some(n) = pool_size {
        builder = builder.pool_config(PoolConfig::new().max_size(n));
    }
    let transport = builder.build();
    delivered.store(0, Ordering::SeqCst);
    let started = Instant::now();
    let results: Vec<bool> = stream::iter(msgs)
        .map(|m| {
            let t = &transport;
            async move { t.send(m).await.is_ok() }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    let ok = results.iter().filter(|r| **r).count();
    wait_for(delivered, ok);
    Ok((delivered.load(Ordering::SeqCst), secs))
}

/// A minimal SMTP client on one connection that writes each message the way lettre 0.11 does
/// (`message_iter`: the dot-stuffed body in one write, then `\r\n.\r\n` in another), with or
/// without TCP_NODELAY. Returns ms per message.
fn raw_smtp(port: u16, nodelay: bool, message: &[u8], n: usize) -> BenchResult<f64> {
    fn reply(r: &mut impl BufRead, code: &str) -> BenchResult<()> {
        loop {
            let mut line = String::new();
            if r.read_line(&mut line)? == 0 {
                return Err("the SMTP server closed the connection".into());
            }
            if !line.starts_with(code) {
                return Err(format!("SMTP: expected {code}, got {}", line.trim_end()).into());
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    }
    let text = String::from_utf8_lossy(message).replace("\r\n.", "\r\n..");
    let stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_nodelay(nodelay)?;
    let mut r = BufReader::new(stream.try_clone()?);
    let mut w = stream;
    reply(&mut r, "220")?;
    w.write_all(b"EHLO bench.client\r\n")?;
    reply(&mut r, "250")?;
    let started = Instant::now();
    for _ in 0..n {
        w.write_all(b"MAIL FROM:<no-reply@localhost>\r\n")?;
        reply(&mut r, "250")?;
        w.write_all(b"RCPT TO:<lawyer0@bench.test>\r\n")?;
        reply(&mut r, "250")?;
        w.write_all(b"DATA\r\n")?;
        reply(&mut r, "354")?;
        w.write_all(text.as_bytes())?;
        w.write_all(b"\r\n.\r\n")?;
        reply(&mut r, "250")?;
    }
    let per = ms(started.elapsed()) / n.max(1) as f64;
    let _ = w.write_all(b"QUIT\r\n");
    Ok(per)
}

struct Figures {
    population_s: f64,
    tick_median: f64,
    tick_p95: f64,
    direct_median: f64,
    prepared_sweep_median: f64,
    prepared_claim_median: f64,
    sent_rows: usize,
    send_ticks: usize,
    service_delivered: usize,
    service_s: f64,
    direct_delivered: usize,
    direct_s: f64,
    cancelled: usize,
    failed_tries: usize,
    raw_plain: f64,
    raw_nodelay: f64,
    wide_rate: f64,
    worker10_rate: f64,
}

fn run(url: &str) -> BenchResult<()> {
    let (smtp_port, delivered) = start_smtp()?;
    let settings = bench_settings(url, smtp_port)?;
    let pool: DbPool = db::build_pool(url, settings.database.pool_size)?;
    db::migrate(&mut *pool.get()?)?;
    let ctx = Context::now(&settings);
    let (now, today) = (ctx.schedule.now, ctx.schedule.today);
    println!("now {now} UTC, today {today}");

    println!("\n== population");
    let mut pg = PgConnection::establish(url)?;
    let population_s = populate(&mut pg, now, today)?;
    println!("  population took {population_s:.1} s");

    let batch = settings.reminders.batch_size.max(1);
    let concurrency = settings.reminders.concurrency.max(1);
    let sweep = sweep_sql(today);
    let claim = claim_sql(now, batch);
    println!("\n== the SQL of a tick with nothing due (from the same query builder calls)");
    println!("  sweep: {sweep}");
    println!("  claim: {claim}");

    let figures = actix_web::rt::System::new().block_on(async {
        let worker = Worker {
            pool: pool.clone(),
            mailer: Mailer::from_settings(&settings.mail, settings.reminders.concurrency)?,
            courts: Arc::new(settings.load_courts()?),
            offices: Arc::new(settings.load_offices()?),
            settings: settings.clone(),
        };

        println!("\n== tick with nothing due ({WARMUP} warm-ups, {RUNS} runs)");
        let mut all = Vec::new();
        for _ in 0..WARMUP + RUNS {
            let started = Instant::now();
            let report = worker::tick(&worker).await?;
            all.push(ms(started.elapsed()));
            if report != TickReport::default() {
                return Err(format!("a tick found work: {report:?}").into());
            }
        }
        println!("  every tick, ms: {}", series(&all));
        let ticks = &all[WARMUP..];
        let (tick_median, tick_p95) = (median(ticks), p95(ticks));
        println!("  service tick: median {tick_median:.2} ms, p95 {tick_p95:.2} ms");

        let direct = direct_unprepared(&mut pg, &sweep, &claim, today, batch)?;
        let direct_median = median(&direct);
        println!(
            "  same SQL via sql_query (unnamed statements): median {direct_median:.2} ms, p95 {:.2} ms",
            p95(&direct)
        );
        let mut fresh = PgConnection::establish(url)?;
        let (ps, pc) = direct_prepared(&mut fresh, today, batch)?;
        let cache: Vec<PlanCache> = diesel::sql_query(
            "SELECT left(regexp_replace(statement, '\\s+', ' ', 'g'), 40) AS statement, \
                    generic_plans, custom_plans \
             FROM pg_prepared_statements WHERE statement LIKE 'SELECT%' ORDER BY 1",
        )
        .load(&mut fresh)?;
        drop(fresh);
        println!("  same DSL on a plain connection (named prepared statements), every run, ms:");
        println!("    sweep: {}", series(&ps));
        println!("    claim: {}", series(&pc));
        let (prepared_sweep_median, prepared_claim_median) =
            (median(&ps[WARMUP..]), median(&pc[WARMUP..]));
        for c in &cache {
            println!(
                "    plan cache of \"{}...\": {} generic, {} custom plans",
                c.statement, c.generic_plans, c.custom_plans
            );
        }
        println!(
            "    median after warm-up: sweep {prepared_sweep_median:.2} ms, claim {prepared_claim_median:.2} ms"
        );
        println!(
            "  ratio service/direct: {:.2}",
            tick_median / direct_median
        );

        println!("\n== EXPLAIN (ANALYZE, BUFFERS)");
        explain(&mut pg, &sweep, &claim, today)?;

        println!("\n== sending");
        let round = worker_round(&worker, &mut pg, &delivered, today, 3).await?;
        println!(
            "  worker, concurrency {concurrency}: {} rows due, {} tick(s), sent {}, dropped as \
             stale {}, failed tries {}, {} due rows left; SMTP server counted {} in {:.2} s",
            round.rows,
            round.ticks,
            round.report.sent,
            round.report.cancelled,
            round.report.failed_tries,
            round.left,
            round.delivered,
            round.secs
        );
        let smtp_url = settings.mail.smtp_url.clone().unwrap_or_default();
        let msgs = direct_messages(&settings, today, round.rows)?;
        let probe_body = msgs.first().map(|m| m.formatted()).unwrap_or_default();
        let (direct_delivered, direct_s) =
            lettre_round(&smtp_url, msgs, concurrency, None, &delivered).await?;
        println!(
            "  lettre pooled AsyncSmtpTransport, {concurrency} at once: SMTP server counted \
             {direct_delivered} in {direct_s:.2} s"
        );

        println!("\n== transport probe (why the rate is what it is)");
        let raw_plain = raw_smtp(smtp_port, false, &probe_body, PROBE_MESSAGES)?;
        let raw_nodelay = raw_smtp(smtp_port, true, &probe_body, PROBE_MESSAGES)?;
        println!(
            "  one connection, {PROBE_MESSAGES} messages written as lettre writes them (body, \
             then the \\r\\n.\\r\\n terminator in a second write):"
        );
        println!("    Nagle on (lettre's default; it never sets TCP_NODELAY): {raw_plain:.2} ms/message");
        println!("    TCP_NODELAY set:                                         {raw_nodelay:.2} ms/message");
        let one = direct_messages(&settings, today, PROBE_MESSAGES)?;
        let (one_n, one_s) = lettre_round(&smtp_url, one, 1, None, &delivered).await?;
        println!(
            "  lettre, 1 at once: {:.2} ms/message",
            one_s * 1000.0 / one_n.max(1) as f64
        );
        let wide = direct_messages(&settings, today, round.rows)?;
        let (wide_n, wide_s) =
            lettre_round(&smtp_url, wide, PROBE_WIDE, Some(PROBE_WIDE as u32), &delivered).await?;
        let wide_rate = wide_n as f64 / wide_s;
        println!(
            "  lettre, {PROBE_WIDE} at once, pool max_size {PROBE_WIDE}: {wide_rate:.0} msg/s"
        );
        let mut pooled = worker.clone();
        pooled.settings.reminders.concurrency = LETTRE_POOL_DEFAULT;
        let r10 = worker_round(&pooled, &mut pg, &delivered, today, 4).await?;
        let worker10_rate = r10.delivered as f64 / r10.secs;
        println!(
            "  worker, reminders.concurrency = {LETTRE_POOL_DEFAULT} (lettre's default pool \
             size): {} rows, {worker10_rate:.0} msg/s",
            r10.rows
        );

        Ok::<_, Box<dyn Error>>(Figures {
            population_s,
            tick_median,
            tick_p95,
            direct_median,
            prepared_sweep_median,
            prepared_claim_median,
            sent_rows: round.rows,
            send_ticks: round.ticks,
            service_delivered: round.delivered,
            service_s: round.secs,
            direct_delivered,
            direct_s,
            cancelled: round.report.cancelled,
            failed_tries: round.report.failed_tries,
            raw_plain,
            raw_nodelay,
            wide_rate,
            worker10_rate,
        })
    })?;
    drop(pg);
    drop(pool);
    summary(&figures);
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

fn summary(f: &Figures) {
    let service_rate = f.service_delivered as f64 / f.service_s.max(1e-9);
    let direct_rate = f.direct_delivered as f64 / f.direct_s.max(1e-9);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("\n== summary ({DEADLINES} deadlines, {HEARINGS} hearings, {cores} cores)");
    let row = |m: &str, v: String, t: &str, r: &str| println!("  {m:<52} {v:>12}  {t:>10}  {r}");
    row("measure", "value".to_string(), "target", "result");
    row(
        "population (generate_series + ANALYZE)",
        format!("{:.1} s", f.population_s),
        "",
        "",
    );
    row(
        "tick, nothing due: median",
        format!("{:.2} ms", f.tick_median),
        "",
        "",
    );
    row(
        "tick, nothing due: p95",
        format!("{:.2} ms", f.tick_p95),
        "< 50 ms",
        verdict(f.tick_p95 < TICK_TARGET_MS),
    );
    row(
        "same SQL direct (sql_query, 2 tx): median",
        format!("{:.2} ms", f.direct_median),
        "",
        "",
    );
    row(
        "ratio tick / direct SQL (median)",
        format!("{:.2}", f.tick_median / f.direct_median),
        "",
        "",
    );
    row(
        "same DSL prepared, plain conn: sweep / claim median",
        format!(
            "{:.2}/{:.2} ms",
            f.prepared_sweep_median, f.prepared_claim_median
        ),
        "",
        "",
    );
    row(
        &format!(
            "send via worker ({} rows, {} tick(s))",
            f.sent_rows, f.send_ticks
        ),
        format!("{service_rate:.0} msg/s"),
        ">= 200/s",
        verdict(service_rate >= SEND_TARGET_PER_S && f.service_delivered == f.sent_rows),
    );
    row(
        "send direct (lettre pool, same concurrency)",
        format!("{direct_rate:.0} msg/s"),
        "",
        "",
    );
    row(
        "ratio worker / direct send",
        format!("{:.2}", service_rate / direct_rate),
        "",
        "",
    );
    row(
        "probe: 1 connection, Nagle on (as lettre)",
        format!("{:.2} ms/msg", f.raw_plain),
        "",
        "",
    );
    row(
        "probe: 1 connection, TCP_NODELAY",
        format!("{:.2} ms/msg", f.raw_nodelay),
        "",
        "",
    );
    row(
        &format!("probe: lettre direct, {PROBE_WIDE} at once, pool {PROBE_WIDE}"),
        format!("{:.0} msg/s", f.wide_rate),
        "",
        "",
    );
    row(
        &format!("probe: worker, reminders.concurrency = {LETTRE_POOL_DEFAULT}"),
        format!("{:.0} msg/s", f.worker10_rate),
        "",
        "",
    );
    if f.cancelled + f.failed_tries > 0 || f.service_delivered != f.sent_rows {
        println!(
            "  note: {} delivered of {} rows; {} dropped as stale, {} failed tries",
            f.service_delivered, f.sent_rows, f.cancelled, f.failed_tries
        );
    }
}
