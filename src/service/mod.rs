//! Use cases: each public function is one unit of work (validate, open the transaction, write,
//! recompute, re-plan reminders, audit) taking plain typed inputs and a caller. Routes, the
//! command line and the reminder worker call these; nothing below them knows about HTTP.

pub mod accounts;
pub mod assignments;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod clients;
pub mod closures;
pub mod corrections;
pub mod custody;
pub mod deadlines;
pub mod directory;
pub mod erasure;
pub mod events;
pub mod family;
pub mod hearings;
pub mod labels;
pub mod mfa;
pub mod notes;
pub mod one_year_exception;
pub mod overview;
pub mod own_sessions;
pub mod passwords;
pub mod profile;
pub mod recompute;
pub mod reminders;
pub mod retention;
pub mod sessions;
pub mod supervision;
pub mod tasks;

use chrono::{NaiveDate, NaiveDateTime};

use crate::config::Settings;
use crate::domain::deadlines::EadWaits;
use crate::reminders::planner::Schedule;

/// What derived state depends on besides the facts: the settings' rules and the moment.
#[derive(Debug, Clone)]
pub struct Context {
    pub waits: EadWaits,
    pub schedule: Schedule,
}

impl Context {
    /// The context at this moment.
    pub fn now(settings: &Settings) -> Context {
        Context::at(settings, crate::db::now())
    }

    pub fn at(settings: &Settings, now: NaiveDateTime) -> Context {
        Context {
            waits: settings.ead_waits(),
            schedule: Schedule::at(settings, now),
        }
    }

    /// Today in the organisation's zone.
    pub fn today(&self) -> NaiveDate {
        self.schedule.today
    }
}

/// Today in the organisation's zone (`reminders.time_zone`).
pub fn org_today(settings: &Settings) -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&settings.org_tz())
        .date_naive()
}

/// Readiness: the database answers a trivial query, else 503.
pub async fn ready(app: &crate::state::AppState) -> crate::error::AppResult<()> {
    // A load balancer's probe: answered within 2 s whatever `database.timeout_seconds` is.
    let wait = std::time::Duration::from_secs(app.settings.database.timeout_seconds.min(2));
    let pool = app.pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get_timeout(wait)?;
        let answered = crate::db::ping(&mut conn);
        if answered.is_err() {
            // Not handed out again (the pool does not test connections on check-out).
            crate::db::discard(&mut conn);
        }
        answered
    })
    .await
    .map_err(crate::error::AppError::from)
    .and_then(|r| r)
    .map_err(|_| crate::error::AppError::Unavailable("the database does not answer".into()))
}

/// One unit of work that writes: a transaction on the blocking pool (never on an actix worker),
/// given the moment's [`Context`] for recomputes and re-planning.
pub async fn in_transaction<T, F>(
    app: &crate::state::AppState,
    work: F,
) -> crate::error::AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::DbConnection, &Context) -> crate::error::AppResult<T>
        + Send
        + 'static,
{
    let ctx = Context::now(&app.settings);
    crate::db::run_db(&app.pool, move |conn| {
        crate::db::transaction(conn, |conn| work(conn, &ctx))
    })
    .await
}
