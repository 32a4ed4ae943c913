//! Storage: the two-backend `DbConnection`, its pool, `run_db`, write transactions and migrations.

pub mod audit;
pub mod backup;
pub mod calendar;
pub mod cases;
pub mod clients;
pub mod custody;
pub mod deadlines;
pub mod erasure;
pub mod events;
pub mod family;
pub mod mfa;
pub mod notes;
pub mod one_year_exceptions;
pub mod page;
pub mod retention;
pub mod schema;
pub mod scope;
pub mod sessions;
pub mod supervision;
pub mod tasks;
pub mod users;

use std::time::Duration;

use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::connection::{
    AnsiTransactionManager, Connection, SimpleConnection, TransactionManager,
};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{database_kind, DatabaseKind};
use crate::error::{AppError, AppResult};

pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// One connection type for both backends; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection pool, with a gate in front of it that holds one permit per connection.
///
/// Database work runs on blocking threads; without the gate, every request waiting for a
/// connection waited on a blocking thread of its own. Measured on the release binary (SQLite,
/// 300 agenda requests at once): 315 threads and RSS 74 -> 236 MiB, kept after. Waiting for a
/// permit is a future on the async workers instead, so blocking threads stay at about the pool's
/// size whatever the queue.
#[derive(Clone)]
pub struct DbPool {
    pool: r2d2::Pool<Manager>,
    gate: std::sync::Arc<tokio::sync::Semaphore>,
    queue: std::sync::Arc<Queue>,
}

/// Who waits at the gate, and for how long a permit is held (a moving mean): enough to tell,
/// when a request arrives, whether it would wait past the pool's time-out anyway.
///
/// Under sustained overload a first-come queue makes every request wait about the whole
/// time-out, so most answers came after their clients had given up (issue 14: 500 agenda
/// requests a second against a capacity of 358 got 168 answers a second in time and 2,480
/// time-outs). Refused at once instead (503 with `Retry-After`), the excess costs nothing and the
/// rest are answered within about the time-out. A burst the pool can serve within the time-out
/// still queues whole.
#[derive(Default)]
struct Queue {
    waiting: std::sync::atomic::AtomicUsize,
    /// Mean time a permit is held, in microseconds (exponentially weighted, 1/16 per sample); 0
    /// until one was given back.
    held_us: std::sync::atomic::AtomicU64,
    /// The second (since the process started) a refusal was last logged: one line a second.
    logged_at: std::sync::atomic::AtomicU64,
}

impl Queue {
    /// How long a request arriving now would wait: those ahead of it, served `permits` at a time.
    fn expected_wait(&self, permits: usize) -> Duration {
        let ahead = self.waiting.load(std::sync::atomic::Ordering::Relaxed) as u64 + 1;
        let held = self.held_us.load(std::sync::atomic::Ordering::Relaxed);
        Duration::from_micros(ahead.saturating_mul(held) / permits.max(1) as u64)
    }

    fn record_held(&self, held: Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        let sample = held.as_micros().min(u64::MAX as u128) as u64;
        // A lost update between two racing permits only delays the mean by one sample.
        let mean = self.held_us.load(Relaxed);
        let next = if mean == 0 {
            sample
        } else {
            mean - mean / 16 + sample / 16
        };
        self.held_us.store(next, Relaxed);
    }

    /// Whether to log this refusal: the first of each second.
    fn log_now(&self) -> bool {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let second = START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs()
            + 1;
        self.logged_at
            .swap(second, std::sync::atomic::Ordering::Relaxed)
            != second
    }
}

/// The gate's permit for one check-out; giving it back records how long it was held.
pub struct Permit {
    _permit: tokio::sync::OwnedSemaphorePermit,
    since: std::time::Instant,
    queue: std::sync::Arc<Queue>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.queue.record_held(self.since.elapsed());
    }
}

/// Decrements the count of waiters however the wait ends (permit, time-out, request dropped).
struct Waiting<'a>(&'a Queue);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0
            .waiting
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl DbPool {
    fn new(pool: r2d2::Pool<Manager>) -> DbPool {
        let permits = pool.max_size() as usize;
        DbPool {
            pool,
            gate: std::sync::Arc::new(tokio::sync::Semaphore::new(permits)),
            queue: std::sync::Arc::default(),
        }
    }

    /// A permit to check a connection out, waited for up to the pool's time-out (then 503, as
    /// the pool itself answers); refused at once when the queue ahead would take longer than
    /// that (see [`Queue`]).
    async fn permit(&self) -> AppResult<Permit> {
        let wrap = |permit| Permit {
            _permit: permit,
            since: std::time::Instant::now(),
            queue: self.queue.clone(),
        };
        if let Ok(permit) = self.gate.clone().try_acquire_owned() {
            return Ok(wrap(permit));
        }
        let wait = self.pool.connection_timeout();
        let expected = self.queue.expected_wait(self.pool.max_size() as usize);
        if expected > wait {
            if self.queue.log_now() {
                tracing::warn!(
                    expected_wait_ms = expected.as_millis() as u64,
                    "database busy: the queue is longer than the time-out; refused at once"
                );
            }
            return Err(AppError::database_busy());
        }
        self.queue
            .waiting
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _waiting = Waiting(&self.queue);
        match tokio::time::timeout(wait, self.gate.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(wrap(permit)),
            _ => {
                tracing::warn!(
                    waited_ms = wait.as_millis() as u64,
                    "database connection unavailable: every connection busy"
                );
                Err(AppError::database_unavailable())
            }
        }
    }
}

impl std::ops::Deref for DbPool {
    type Target = r2d2::Pool<Manager>;
    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

/// Runs `$body` with `$c` bound to the inner connection, for the few things MultiConnection
/// cannot express (`ON CONFLICT`, `FOR UPDATE SKIP LOCKED`, ...).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Chooses the backend by URL scheme so that a refused connection reports its real cause
/// (the derived `establish` only says "invalid connection url").
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    kind: DatabaseKind,
}

impl Manager {
    pub fn new(url: &str) -> AppResult<Manager> {
        let kind = database_kind(url).map_err(AppError::internal)?;
        Ok(Manager {
            url: url.to_string(),
            kind,
        })
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match &self.kind {
            DatabaseKind::Postgres => {
                PgConnection::establish(&self.url).map(DbConnection::Postgres)
            }
            DatabaseKind::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    diesel::ConnectionError::InvalidConnectionUrl("path is not UTF-8".into())
                })?;
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers run beside the one writer; busy_timeout makes writers queue
                // instead of failing, and comes first because switching to WAL takes a lock
                // too (the pool opens its connections at once: the 10-minute soak logged
                // "database is locked" at start-up); foreign keys are off by default in SQLite.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), diesel::ConnectionError> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection handed back inside a transaction (a panic mid-write) must not be reused.
        !matches!(
            DbConnection::transaction_manager_status_mut(conn).transaction_depth(),
            Ok(None)
        )
    }
}

/// Builds the pool with the default timeout and start-up tries (see [`build_pool_for`]).
pub fn build_pool(url: &str, size: Option<u32>) -> AppResult<DbPool> {
    build_pool_with(url, size, Duration::from_secs(5), 1)
}

/// Builds the pool the settings describe: `database.timeout_seconds` for a connection, and
/// `database.connect_attempts` tries to reach the database at start-up.
pub fn build_pool_for(
    settings: &crate::config::DatabaseSettings,
    size: Option<u32>,
) -> AppResult<DbPool> {
    build_pool_with(
        &settings.url,
        size.or(settings.pool_size),
        Duration::from_secs(settings.timeout_seconds),
        settings.connect_attempts,
    )
}

/// Builds the pool; after `attempts` failed tries to connect (one log line each, waiting a
/// second longer each time) it fails with the real connection error.
fn build_pool_with(
    url: &str,
    size: Option<u32>,
    timeout: Duration,
    attempts: u32,
) -> AppResult<DbPool> {
    let manager = Manager::new(url)?;
    if let DatabaseKind::Sqlite(path) = &manager.kind {
        private_sqlite_files(path)?;
    }
    let default_size = match manager.kind {
        DatabaseKind::Postgres => 10,
        DatabaseKind::Sqlite(_) => 4,
    };
    // Connect first so that start-up reports why the database is unreachable; a database still
    // starting (or restarting beside us) gets a few tries.
    let attempts = attempts.max(1);
    for attempt in 1..=attempts {
        match r2d2::ManageConnection::connect(&manager) {
            Ok(probe) => {
                drop(probe);
                break;
            }
            Err(e) if attempt < attempts => {
                tracing::warn!(attempt, attempts, error = %e, "cannot connect to the database; trying again");
                std::thread::sleep(Duration::from_secs(attempt.into()));
            }
            Err(e) => {
                return Err(AppError::internal(format!(
                    "cannot connect to the database after {attempts} tries: {e}"
                )))
            }
        }
    }
    r2d2::Pool::builder()
        .max_size(size.unwrap_or(default_size))
        .connection_timeout(timeout)
        // No `SELECT 1` before every check-out (a round trip per request on PostgreSQL): a
        // connection lost under a request fails that request with 503 and is then discarded
        // (`run_db` marks it, `has_broken` drops it), and the pool's reaper retires idle ones.
        .test_on_check_out(false)
        .build(manager)
        .map(DbPool::new)
        .map_err(|e| AppError::internal(format!("cannot build the database pool: {e}")))
}

/// Keeps the SQLite database (client records) readable by the service's user alone, whatever
/// the umask: its directory 0700 when created here; the file 0600 before SQLite first opens it,
/// since SQLite gives its `-wal` and `-shm` files the database file's mode; and what an earlier
/// run left readable tightened.
fn private_sqlite_files(path: &std::path::Path) -> AppResult<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::fsutil::create_private_dir(dir)?;
    }
    crate::fsutil::private_file(path)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        crate::fsutil::restrict(std::path::Path::new(&side), 0o600)?;
    }
    Ok(())
}

/// A checked-out connection with the gate's permit it was checked out under.
type Pooled = (r2d2::PooledConnection<Manager>, Option<Permit>);

tokio::task_local! {
    /// The connection the caller's check (`auth::extract`) used, kept for the same request's
    /// next database work: one check-out per request, so a request queues for the pool once.
    static HANDED_ON: std::cell::RefCell<Option<Pooled>>;
}

/// Runs `request` with a slot for the connection handed from the caller's check to the
/// handler (see [`run_db_and_hand_on`]); whatever is left in it goes back to the pool at the end.
pub async fn with_request_connection<F: std::future::Future>(request: F) -> F::Output {
    HANDED_ON
        .scope(std::cell::RefCell::new(None), request)
        .await
}

/// Gives back the connection a request holds between its caller's check and its first database
/// work: before work that does not need it (argon2), so that no connection waits on a hash.
pub fn release_request_connection() {
    let _ = HANDED_ON.try_with(|slot| slot.borrow_mut().take());
}

/// Runs blocking database work off the async workers, on the connection the request's
/// caller check left (if any), else on one from the pool.
pub async fn run_db<T, F>(pool: &DbPool, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let handed = HANDED_ON
        .try_with(|slot| slot.borrow_mut().take())
        .ok()
        .flatten();
    let (handed, permit) = match handed {
        Some((conn, permit)) => (Some(conn), permit),
        None => (None, Some(pool.permit().await?)),
    };
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = match handed {
            Some(conn) => conn,
            None => pool.get()?,
        };
        let out = f(&mut conn);
        discard_if_lost(&mut conn, &out);
        // The connection goes back before its permit, so a permit always finds one free.
        drop(conn);
        drop(permit);
        out
    })
    .await?
}

/// [`run_db`] for a request's caller check: on success the connection is kept for the same
/// request's next [`run_db`] instead of going back to the pool (outside a request, it goes back).
pub async fn run_db_and_hand_on<T, F>(pool: &DbPool, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let permit = pool.permit().await?;
    let pool = pool.clone();
    let (out, conn) = actix_web::web::block(move || -> AppResult<(AppResult<T>, Pooled)> {
        let mut conn = pool.get()?;
        let out = f(&mut conn);
        discard_if_lost(&mut conn, &out);
        Ok((out, (conn, Some(permit))))
    })
    .await??;
    if out.is_ok() {
        let _ = HANDED_ON.try_with(|slot| *slot.borrow_mut() = Some(conn));
    }
    out
}

/// A connection whose work failed because the database went away is not reused: marked in
/// error, `has_broken` drops it when it goes back (the pool no longer tests on check-out).
fn discard_if_lost<T>(conn: &mut DbConnection, out: &AppResult<T>) {
    if matches!(out, Err(AppError::Unavailable(_))) {
        discard(conn);
    }
}

/// Marks a connection not to be reused: the pool drops it when it comes back (`has_broken`).
pub fn discard(conn: &mut DbConnection) {
    DbConnection::transaction_manager_status_mut(conn).set_in_error();
}

/// SQLite's writers in this process, one at a time, in turn. SQLite allows one writer anyway,
/// but a writer that finds the database locked sleeps in SQLite's busy handler (1, 2, 5, ... up to
/// 100 ms) and wakes long after the lock was free: creating hearings from 16 connections ran at
/// 303/s with p99 230 ms. Queued here, the next writer starts when the last one commits. Another
/// process on the same file still queues on `busy_timeout`; the wait here is bounded by the same
/// 10 s, after which the writer goes on to SQLite's own locking.
static SQLITE_WRITER: parking_lot::Mutex<()> = parking_lot::Mutex::new(());

/// One write transaction. On SQLite it is `BEGIN IMMEDIATE`, so that two writers queue on the
/// busy timeout instead of one failing when it upgrades a read lock. Top level only.
pub fn transaction<T, F>(conn: &mut DbConnection, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<T>,
{
    let _writer = match conn {
        DbConnection::Sqlite(c) => {
            let writer = SQLITE_WRITER.try_lock_for(Duration::from_secs(10));
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            writer
        }
        DbConnection::Postgres(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            None
        }
    };
    match f(conn) {
        Ok(value) => {
            DbConnection::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = DbConnection::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

/// Runs pending migrations of the connection's backend. On PostgreSQL an advisory lock keeps
/// several instances starting together from racing.
pub fn migrate(conn: &mut DbConnection) -> AppResult<()> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| {
        AppError::internal(format!("migration failed: {e}"))
    };
    match conn {
        DbConnection::Postgres(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7414021)")?;
            let result = c
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|_| ())
                .map_err(failed);
            c.batch_execute("SELECT pg_advisory_unlock(7414021)")?;
            result
        }
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|_| ())
            .map_err(failed),
    }?;
    // What SQL cannot compute on both backends: the folded search tokens of older clients, the
    // normal form of older accounts' e-mail addresses.
    clients::backfill_name_tokens(conn)?;
    users::normalise_stored_emails(conn)?;
    optimize(conn, true)
}

/// Keeps SQLite's planner statistics current: without them (no `ANALYZE` ever run) it walks a
/// lawyer's every case for the agenda instead of using the index (measured in issue 14: 417 ->
/// 3,298 req/s after ANALYZE). `PRAGMA optimize` analyses only what changed enough; at start-up
/// (`0x10002`) it also covers tables never analysed, bounded by `analysis_limit`. PostgreSQL's
/// autovacuum does this by itself; where it is turned off, `ANALYZE` here at the same times
/// (a server without it planned the agenda from guesses: 5,716 buffers read against 1,337).
pub fn optimize(conn: &mut DbConnection, at_start: bool) -> AppResult<()> {
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute(if at_start {
            "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;"
        } else {
            "PRAGMA analysis_limit = 1000; PRAGMA optimize;"
        })?,
        DbConnection::Postgres(c) => {
            #[derive(diesel::QueryableByName)]
            struct Setting {
                #[diesel(sql_type = diesel::sql_types::Text)]
                setting: String,
            }
            let autovacuum: Setting =
                diesel::sql_query("SELECT current_setting('autovacuum') AS setting")
                    .get_result(c)?;
            if autovacuum.setting == "off" {
                if at_start {
                    tracing::warn!(
                        "PostgreSQL's autovacuum is off: the service analyses its tables at start-up and hourly, but nothing vacuums them; turn it on (the default)"
                    );
                }
                c.batch_execute("ANALYZE")?;
            }
        }
    }
    Ok(())
}

/// An always-true condition that keeps diesel from caching its statement as a named prepared
/// statement: PostgreSQL then plans it with each execution's own values (a custom plan) instead
/// of settling on a generic plan after five executions. For the agenda queries, whose best plan
/// depends on the values (issue 14: the generic plan of `GET /deadlines` hashed every deadline
/// of the range, 8.4 ms against 2.4 ms for the custom plan, in 227 of 229 executions).
pub fn planned_per_execution() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>("TRUE")
}

/// Whether the connection is PostgreSQL's (where [`planned_per_execution`] matters).
pub fn is_postgres(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Postgres(_))
}

/// Now, in UTC, truncated to microseconds (PostgreSQL's precision) so that both backends agree.
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// Maps the unique violation of `index` to `conflict` (a concurrent writer got there first: the
/// index has the last word, and the loser deserves a 409, not a 500).
pub fn unique_violation(
    index: &'static str,
    conflict: fn() -> AppError,
) -> impl Fn(diesel::result::Error) -> AppError {
    move |e| {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info)
                if info.constraint_name().is_none_or(|name| name == index) =>
            {
                conflict()
            }
            other => other.into(),
        }
    }
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A trivial round trip: does the database answer?
pub fn ping(conn: &mut DbConnection) -> AppResult<()> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}
