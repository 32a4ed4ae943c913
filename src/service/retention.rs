//! The retention sweep: audit rows older than `audit.retention_days` keep ids only, finished
//! reminders older than `reminders.retention_days` lose the SMTP server's answer. The reminder
//! worker runs it at the end of every tick (so every instance, and `send-reminders` from cron);
//! instances sweeping at once take disjoint rows, and a sweep with nothing old is two index probes.

use chrono::{Duration, NaiveDateTime};

use crate::config::Settings;
use crate::db::{retention, run_db, DbPool};
use crate::error::AppResult;

/// Rows reduced by one sweep.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub audit_rows: usize,
    pub reminders: usize,
}

/// Rows per transaction.
const BATCH: i64 = 500;
/// The most one sweep reduces of each: a backlog (the first sweep after an upgrade, or after the
/// setting was shortened) is worked off over a few ticks, so that no tick is held long.
const MAX_PER_SWEEP: usize = 10_000;

/// Sweeps as of the instant `at` (UTC; the tick's clock, which tests move): rows older than the
/// retention periods before `at` are reduced, and marked reduced at `at`.
pub async fn sweep(pool: &DbPool, settings: &Settings, at: NaiveDateTime) -> AppResult<Swept> {
    let audit_cutoff = at - Duration::days(settings.audit.retention_days.into());
    let reminder_cutoff = at - Duration::days(settings.reminders.retention_days.into());
    let mut swept = Swept::default();
    while swept.audit_rows < MAX_PER_SWEEP {
        let n = run_db(pool, move |conn| {
            retention::reduce_audit(conn, audit_cutoff, at, BATCH)
        })
        .await?;
        swept.audit_rows += n;
        if (n as i64) < BATCH {
            break;
        }
    }
    while swept.reminders < MAX_PER_SWEEP {
        let n = run_db(pool, move |conn| {
            retention::reduce_reminders(conn, reminder_cutoff, BATCH)
        })
        .await?;
        swept.reminders += n;
        if (n as i64) < BATCH {
            break;
        }
    }
    Ok(swept)
}
