//! The reminder worker: one `tick` sweeps newly missed deadlines, then claims due rows with a
//! lease, writes each message, sends it, and records the outcome. `serve` runs a tick every
//! `reminders.poll_seconds`; `send-reminders` runs one. Any number of instances may run it. Each
//! tick ends with the retention sweep (`service::retention`).

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use chrono::Duration;
use diesel::prelude::*;
use futures_util::stream::{self, StreamExt};

use super::messages::{self, Composed, DeadlineNote, HearingNote};
use super::outbox::{self, Reminder};
use super::{mail, mail::Mailer};
use crate::config::Settings;
use crate::db::schema::{cases, clients, deadlines, hearings, users};
use crate::db::{self, run_db, DbConnection, DbPool};
use crate::domain::courts::Court;
use crate::domain::offices::Office;
use crate::error::{AppError, AppResult};
use crate::reminders::planner::Schedule;

/// The court and office lists, for where an appointment is.
type Places<'a> = (&'a [Court], &'a [Office]);

/// What the worker needs; `AppState` has it all, `send-reminders` builds it alone.
#[derive(Clone)]
pub struct Worker {
    pub pool: DbPool,
    pub settings: Settings,
    pub mailer: Mailer,
    pub courts: std::sync::Arc<Vec<Court>>,
    pub offices: std::sync::Arc<Vec<Office>>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub missed_alerted: usize,
    pub sent: usize,
    pub failed_tries: usize,
    pub cancelled: usize,
    /// Audit rows past `audit.retention_days` reduced to ids by this tick's retention sweep.
    pub audit_reduced: usize,
    /// Finished reminders past `reminders.retention_days` that lost the SMTP server's answer.
    pub reminders_reduced: usize,
}

impl TickReport {
    fn add(&mut self, other: TickReport) {
        self.missed_alerted += other.missed_alerted;
        self.sent += other.sent;
        self.failed_tries += other.failed_tries;
        self.cancelled += other.cancelled;
        self.audit_reduced += other.audit_reduced;
        self.reminders_reduced += other.reminders_reduced;
    }
}

/// One e-mail to send for one or more rows (several in a digest).
struct Job {
    ids: Vec<String>,
    rows: Vec<Reminder>,
    message: lettre::Message,
}

/// Runs ticks forever, `poll_seconds` apart. Errors are logged and the next tick tries again.
pub async fn run(worker: Worker) {
    let (_keep, stop) = tokio::sync::watch::channel(false);
    run_until(worker, stop).await
}

/// As [`run`], until `stop` says `true`: a tick in progress finishes (its messages sent and
/// their outcomes recorded, so no row stays leased), then the loop ends.
pub async fn run_until(worker: Worker, mut stop: tokio::sync::watch::Receiver<bool>) {
    let every = StdDuration::from_secs(worker.settings.reminders.poll_seconds.max(1));
    // SQLite's statistics are refreshed about hourly as well as at start-up (`db::optimize`).
    let mut optimized = std::time::Instant::now();
    loop {
        if optimized.elapsed() >= StdDuration::from_secs(3600) {
            optimized = std::time::Instant::now();
            if let Err(e) = run_db(&worker.pool, |conn| db::optimize(conn, false)).await {
                tracing::warn!(event = "optimize", error = %e, "PRAGMA optimize failed");
            }
        }
        match tick(&worker).await {
            Ok(r) if r != TickReport::default() => tracing::info!(
                event = "reminders",
                sent = r.sent,
                failed_tries = r.failed_tries,
                missed_alerted = r.missed_alerted,
                cancelled = r.cancelled,
                audit_reduced = r.audit_reduced,
                reminders_reduced = r.reminders_reduced
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(event = "reminders", error = %e, "tick failed"),
        }
        if *stop.borrow() {
            return;
        }
        tokio::select! {
            _ = actix_web::rt::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

pub async fn tick(w: &Worker) -> AppResult<TickReport> {
    tick_at(w, db::now()).await
}

/// A tick as if run at the UTC instant `at` (rows due by then are claimed, and "today" in the
/// messages is `at`'s date in the organisation's zone, `reminders.time_zone`, never the UTC date;
/// the retention sweep counts its periods back from `at`).
pub async fn tick_at(w: &Worker, at: chrono::NaiveDateTime) -> AppResult<TickReport> {
    let started = db::now();
    let mut report = TickReport::default();
    let ctx = Schedule::at(&w.settings, at);
    let sweep_ctx = ctx.clone();
    report.missed_alerted = run_db(&w.pool, move |conn| {
        db::transaction(conn, |conn| outbox::sweep_missed(conn, &sweep_ctx, 1000))
    })
    .await?;
    let batch = w.settings.reminders.batch_size.max(1);
    loop {
        let owner = db::new_id();
        let now = at + (db::now() - started);
        let lease_until = now + Duration::seconds(w.settings.reminders.lease_seconds as i64);
        let (o, n) = (owner.clone(), now);
        let rows = run_db(&w.pool, move |conn| {
            outbox::claim(conn, &o, n, lease_until, batch)
        })
        .await?;
        if rows.is_empty() {
            break;
        }
        let claimed = rows.len();
        report.add(send_claimed(w, &owner, rows, ctx.today, at - started).await?);
        if (claimed as i64) < batch {
            break;
        }
    }
    // Last, so that it never delays a reminder: personal data past its retention period goes.
    let swept = crate::service::retention::sweep(&w.pool, &w.settings, at).await?;
    report.audit_reduced = swept.audit_rows;
    report.reminders_reduced = swept.reminders;
    Ok(report)
}

/// Sends rows at once instead of at the next tick: a password-reset mail. They are claimed
/// like any others (so no tick sends them too), and a failed try is left to the worker's
/// retries. Rows another sender holds, or not yet due, are skipped.
pub async fn send_now(w: &Worker, ids: Vec<String>) -> AppResult<TickReport> {
    let owner = db::new_id();
    let now = db::now();
    let lease_until = now + Duration::seconds(w.settings.reminders.lease_seconds as i64);
    let o = owner.clone();
    let rows = run_db(&w.pool, move |conn| {
        outbox::claim_ids(conn, &o, &ids, now, lease_until)
    })
    .await?;
    if rows.is_empty() {
        return Ok(TickReport::default());
    }
    send_claimed(
        w,
        &owner,
        rows,
        Schedule::at(&w.settings, now).today,
        Duration::zero(),
    )
    .await
}

/// Writes, sends and records the claimed rows of `owner`: stale ones are dropped, each message
/// marked sent or failed as it finishes, and the rows that failed for good told to the admins.
/// `skew` is the tick's clock minus the real one (zero but in tests that move the clock), so
/// that a failed try's backoff counts from the tick's time.
async fn send_claimed(
    w: &Worker,
    owner: &str,
    rows: Vec<Reminder>,
    today: chrono::NaiveDate,
    skew: Duration,
) -> AppResult<TickReport> {
    let mut report = TickReport::default();
    let (settings, places) = (w.settings.clone(), (w.courts.clone(), w.offices.clone()));
    let (jobs, cancelled) = run_db(&w.pool, move |conn| {
        compose(conn, rows, &settings, (&places.0, &places.1), today)
    })
    .await?;
    report.cancelled += cancelled.len();
    if !cancelled.is_empty() {
        run_db(&w.pool, move |conn| outbox::cancel(conn, &cancelled)).await?;
    }
    // Each message is marked sent or failed as soon as it finishes: a slow one holds back
    // no other, and a row whose lease ran out is never re-sent after it was delivered.
    let outcomes: Vec<AppResult<Outcome>> = stream::iter(jobs)
        .map(|job| deliver(w, owner, job, skew))
        .buffer_unordered(w.settings.reminders.concurrency.max(1))
        .collect()
        .await;
    let mut first_error = None;
    let mut gave_up = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(Outcome::Sent(n)) => report.sent += n,
            Ok(Outcome::Failed(n, failed)) => {
                report.failed_tries += n;
                gave_up.extend(failed);
            }
            Ok(Outcome::NotHeld) => {}
            Err(e) => {
                tracing::error!(event = "reminders", error = %e, "recording a delivery failed");
                first_error.get_or_insert(e);
            }
        }
    }
    // One notice to the admins for the rows of this round that failed for good.
    if !gave_up.is_empty() {
        run_db(&w.pool, move |conn| {
            outbox::queue_failure_notice(conn, &gave_up, db::now() + skew)
        })
        .await?;
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// What became of one job's rows.
enum Outcome {
    Sent(usize),
    /// How many rows failed this try, and those that failed for good (after the last try).
    Failed(usize, Vec<Reminder>),
    /// The lease ran out before the message's turn and the rows went elsewhere (another
    /// instance, or a re-plan dropped them): not sent here.
    NotHeld,
}

/// Sends one job's message and records its outcome at once. The rows' lease is first extended
/// past the longest the send may take (`mail.timeout_seconds`), and only if this worker still
/// holds every row; so no other instance can claim them while the message is on its way.
async fn deliver(w: &Worker, owner: &str, job: Job, skew: Duration) -> AppResult<Outcome> {
    let Job { ids, rows, message } = job;
    let hold_for = Duration::seconds(w.mailer.timeout().as_secs() as i64 + HOLD_MARGIN_SECONDS);
    let (held_ids, o) = (ids.clone(), owner.to_string());
    let held = run_db(&w.pool, move |conn| {
        outbox::hold(conn, &held_ids, &o, db::now() + skew + hold_for)
    })
    .await?;
    if !held {
        return Ok(Outcome::NotHeld);
    }
    let result = w.mailer.send(message).await;
    let o = owner.to_string();
    run_db(&w.pool, move |conn| {
        db::transaction(conn, |conn| {
            let now = db::now() + skew;
            match &result {
                Ok(()) => {
                    outbox::mark_sent(conn, &ids, &o, now)?;
                    Ok(Outcome::Sent(ids.len()))
                }
                Err(error) => {
                    tracing::warn!(event = "reminders", error = %error, rows = rows.len(), "delivery failed");
                    let gave_up = outbox::mark_attempt_failed(conn, &rows, &o, error, now)?;
                    Ok(Outcome::Failed(rows.len(), gave_up))
                }
            }
        })
    })
    .await
}

/// Time beyond `mail.timeout_seconds` a held row keeps its lease: enough to record the outcome.
const HOLD_MARGIN_SECONDS: i64 = 60;

/// Writes the messages for claimed rows. Rows whose item vanished, closed or moved since they
/// were planned, or whose recipient left, are returned to be dropped instead of sent.
fn compose(
    conn: &mut DbConnection,
    rows: Vec<Reminder>,
    settings: &Settings,
    places: Places,
    today: chrono::NaiveDate,
) -> AppResult<(Vec<Job>, Vec<String>)> {
    let base = settings.server.public_url.trim_end_matches('/').to_string();
    let mut cancelled = Vec::new();
    let mut single: Vec<(Reminder, String, Composed)> = Vec::new();
    let mut digests: BTreeMap<String, Vec<(Reminder, Composed)>> = BTreeMap::new();
    for r in rows {
        let Some(email) = users::table
            .find(&r.recipient_id)
            .filter(users::active.eq(true))
            .select(users::email)
            .first::<String>(conn)
            .optional()?
        else {
            cancelled.push(r.id.clone());
            continue;
        };
        match content(conn, &r, &base, settings, places, today)? {
            None => cancelled.push(r.id.clone()),
            Some(c) if r.digest => digests.entry(email).or_default().push((r, c)),
            Some(c) => single.push((r, email, c)),
        }
    }
    let mut jobs = Vec::new();
    for (r, email, c) in single {
        jobs.push(job(settings, vec![r], &email, c)?);
    }
    for (email, parts) in digests {
        let composed: Vec<Composed> = parts.iter().map(|(_, c)| c.clone()).collect();
        let digest = messages::digest(&composed, today);
        jobs.push(job(
            settings,
            parts.into_iter().map(|(r, _)| r).collect(),
            &email,
            digest,
        )?);
    }
    Ok((jobs, cancelled))
}

fn job(settings: &Settings, rows: Vec<Reminder>, to: &str, c: Composed) -> AppResult<Job> {
    let message = mail::build(
        &settings.mail.from,
        mail::Outgoing {
            to: to.to_string(),
            subject: c.subject,
            text: c.text,
            // Empty: a plain-text message (the reset link, which should appear once).
            html: (!c.html.is_empty()).then_some(c.html),
            message_id: rows.first().map(|r| r.message_id.clone()),
        },
    )
    .map_err(AppError::internal)?;
    Ok(Job {
        ids: rows.iter().map(|r| r.id.clone()).collect(),
        rows,
        message,
    })
}

/// The case reference and family-name initial: all a reminder may say about who it concerns.
/// `None` for a case no longer followed (closed, or its client archived) when `followed` is asked.
fn case_label(
    conn: &mut DbConnection,
    case_id: &str,
    followed: bool,
) -> AppResult<Option<(String, Option<char>)>> {
    if followed && !db::cases::is_active(conn, case_id)? {
        return Ok(None);
    }
    Ok(cases::table
        .inner_join(clients::table)
        .filter(cases::id.eq(case_id))
        .select((cases::reference, clients::family_name))
        .first::<(String, String)>(conn)
        .optional()?
        .map(|(r, f)| {
            (
                r,
                f.chars()
                    .next()
                    .map(|c| c.to_uppercase().next().unwrap_or(c)),
            )
        }))
}

type DeadlineRow = (
    String,
    String,
    Option<String>,
    chrono::NaiveDate,
    String,
    String,
    Option<chrono::NaiveDate>,
    Option<String>,
);

fn content(
    conn: &mut DbConnection,
    r: &Reminder,
    base: &str,
    settings: &Settings,
    (courts, offices): Places,
    today: chrono::NaiveDate,
) -> AppResult<Option<Composed>> {
    let item = r.item_id.clone().unwrap_or_default();
    match r.kind.as_str() {
        "deadline" | "missed" => {
            let Some((case_id, kind, title, due_on, rule, explanation, alt, resolution)) =
                deadlines::table
                    .find(&item)
                    .select((
                        deadlines::case_id,
                        deadlines::kind,
                        deadlines::title,
                        deadlines::due_on,
                        deadlines::rule,
                        deadlines::explanation,
                        deadlines::alternative_due_on,
                        deadlines::resolution,
                    ))
                    .first::<DeadlineRow>(conn)
                    .optional()?
            else {
                return Ok(None);
            };
            // Met, waived or moved since planned: nothing stale goes out.
            if resolution.is_some()
                || (r.kind == "deadline" && r.item_key != format!("deadline:{item}:{due_on}"))
            {
                return Ok(None);
            }
            let Some((case_reference, family_initial)) = case_label(conn, &case_id, true)? else {
                return Ok(None);
            };
            // A hand-entered title may name the client: e-mail gives the kind and the case only.
            let _ = title;
            let note = DeadlineNote {
                kind,
                title: None,
                due_on,
                rule,
                explanation,
                alternative_due_on: alt,
                case_reference,
                family_initial,
                link: format!("{base}/cases/{case_id}"),
            };
            Ok(Some(if r.kind == "missed" {
                messages::missed_alert(&note, today)
            } else {
                messages::deadline_reminder(&note, today)
            }))
        }
        "hearing" => {
            let Some((case_id, kind, local, tz, at, (court, office), outcome)) = hearings::table
                .find(&item)
                .select((
                    hearings::case_id,
                    hearings::kind,
                    hearings::starts_at_local,
                    hearings::time_zone,
                    hearings::starts_at,
                    (hearings::court_code, hearings::office_code),
                    hearings::outcome,
                ))
                .first::<(
                    String,
                    String,
                    String,
                    String,
                    chrono::NaiveDateTime,
                    (Option<String>, Option<String>),
                    Option<String>,
                )>(conn)
                .optional()?
            else {
                return Ok(None);
            };
            if outcome.is_some()
                || r.item_key != format!("hearing:{item}:{}", at.format("%Y-%m-%dT%H:%M"))
            {
                return Ok(None);
            }
            let Some((case_reference, family_initial)) = case_label(conn, &case_id, true)? else {
                return Ok(None);
            };
            // An office is named with its city (field offices are known by it); a court by name.
            let place = match office {
                Some(o) => offices.iter().find(|k| k.code == o).map(Office::place),
                None => {
                    court.and_then(|c| courts.iter().find(|k| k.code == c).map(|k| k.name.clone()))
                }
            };
            let note = HearingNote {
                kind,
                starts_at_local: local,
                time_zone: tz,
                place,
                case_reference,
                family_initial,
                link: format!("{base}/cases/{case_id}"),
            };
            Ok(Some(messages::hearing_reminder(&note, today)))
        }
        super::tasks::TASK_DUE => {
            let task = match crate::db::tasks::find(conn, &item) {
                Ok(t) => t,
                Err(AppError::NotFound) => return Ok(None),
                Err(e) => return Err(e),
            };
            // Done, moved or reassigned since planned: nothing stale goes out.
            if task.status != crate::db::tasks::OPEN
                || r.item_key != super::tasks::key(&task)
                || r.recipient_id != task.assignee_id
            {
                return Ok(None);
            }
            let Some((case_reference, family_initial)) = case_label(conn, &task.case_id, true)?
            else {
                return Ok(None);
            };
            let note = messages::TaskNote {
                due_on: task.due_on,
                case_reference,
                family_initial,
                link: format!("{base}/cases/{}", task.case_id),
            };
            Ok(Some(messages::task_reminder(&note, today)))
        }
        "failure_notice" => {
            let ids: Vec<String> = r
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                .and_then(|v| v["failed"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            let mut lines = Vec::new();
            for f in outbox::find_many(conn, &ids)? {
                let reference = match &f.case_id {
                    Some(c) => case_label(conn, c, false)?
                        .map(|(r, _)| r)
                        .unwrap_or_default(),
                    None => String::new(),
                };
                let to: String = users::table
                    .find(&f.recipient_id)
                    .select(users::email)
                    .first(conn)
                    .optional()?
                    .unwrap_or_default();
                lines.push(format!(
                    "reminder {} ({} {}, lead {} days) for case {} to {}: {}",
                    f.id,
                    f.kind,
                    f.item_id.as_deref().unwrap_or("-"),
                    f.lead_days,
                    reference,
                    to,
                    f.last_error.as_deref().unwrap_or("unknown error")
                ));
            }
            Ok((!lines.is_empty()).then(|| messages::failure_notice(&lines)))
        }
        // Only while the link still works: a link replaced by a newer one, used, or expired
        // while SMTP was down is dropped, not sent.
        crate::service::mfa::MFA_RESET_MAIL => Ok(Some(messages::mfa_reset())),
        outbox::PASSWORD_RESET => {
            let link = crate::service::passwords::reset_link(conn, settings, &item)?;
            Ok(link.map(|link| messages::password_reset(&link)))
        }
        _ => Ok(None),
    }
}
