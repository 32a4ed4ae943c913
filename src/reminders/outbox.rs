//! The reminder outbox: planning rows (idempotent by item-at-its-date, recipient and lead),
//! re-planning inside the writer's transaction, the missed-deadline sweep, claiming with a lease,
//! and marking the outcome of a send.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::dsl::not;
use diesel::prelude::*;

use super::planner;
use crate::db::schema::{case_assignments, cases, deadlines, hearings, reminders, users};
use crate::db::{self, DbConnection};
use crate::domain::vocab::DeadlineKind;
use crate::error::AppResult;
use crate::reminders::planner::Schedule;

pub const MAX_ATTEMPTS: i32 = 5;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reminders)]
pub struct Reminder {
    pub id: String,
    pub kind: String,
    pub item_id: Option<String>,
    pub item_key: String,
    pub case_id: Option<String>,
    pub recipient_id: String,
    pub lead_days: i32,
    pub due_at: NaiveDateTime,
    pub state: String,
    pub digest: bool,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub message_id: String,
    pub last_error: Option<String>,
    pub payload: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Waits before tries 2 to 5: five tries over about a day.
pub fn backoff(attempts_so_far: i32) -> Duration {
    match attempts_so_far {
        1 => Duration::minutes(15),
        2 => Duration::hours(1),
        3 => Duration::hours(6),
        _ => Duration::hours(16),
    }
}

/// The wait before the next try of a row of `kind`. A reset link is valid for an hour, so its
/// mail tries again within minutes (1, 5, 15, 30): every try falls inside the hour.
pub fn backoff_for(kind: &str, attempts_so_far: i32) -> Duration {
    if kind != PASSWORD_RESET {
        return backoff(attempts_so_far);
    }
    match attempts_so_far {
        1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(15),
        _ => Duration::minutes(30),
    }
}

/// The kind of a password-reset mail's row: `item_id` is the `password_resets` row, whose link
/// the sender rebuilds (`service::passwords::reset_link`); the row itself holds no secret.
pub const PASSWORD_RESET: &str = "password_reset";

pub struct NewRow<'a> {
    pub kind: &'a str,
    pub item_id: Option<&'a str>,
    pub item_key: &'a str,
    pub case_id: Option<&'a str>,
    pub recipient_id: &'a str,
    pub lead_days: i32,
    pub due_at: NaiveDateTime,
    pub digest: bool,
    pub payload: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &NewRow) -> AppResult<()> {
    insert_many(conn, std::slice::from_ref(row))
}

/// Rows a batch insert carries at most: 16 values a row stays far below either backend's limit
/// on bound parameters.
const INSERT_BATCH: usize = 500;

/// Inserts rows in one statement a batch (a re-plan plans a dozen or more at once; one
/// statement each was most of a hearing's cost). MultiConnection has no batch insert, hence
/// `on_backend!`.
pub fn insert_many(conn: &mut DbConnection, rows: &[NewRow]) -> AppResult<()> {
    let now = db::now();
    for chunk in rows.chunks(INSERT_BATCH) {
        let values: Vec<_> = chunk
            .iter()
            .map(|row| {
                let id = db::new_id();
                (
                    reminders::message_id.eq(format!("{id}@asylum-tracker")),
                    reminders::id.eq(id),
                    reminders::kind.eq(row.kind),
                    reminders::item_id.eq(row.item_id),
                    reminders::item_key.eq(row.item_key),
                    reminders::case_id.eq(row.case_id),
                    reminders::recipient_id.eq(row.recipient_id),
                    reminders::lead_days.eq(row.lead_days),
                    reminders::due_at.eq(row.due_at),
                    reminders::state.eq("pending"),
                    reminders::digest.eq(row.digest),
                    reminders::attempts.eq(0),
                    reminders::next_attempt_at.eq(row.due_at),
                    reminders::payload.eq(&row.payload),
                    reminders::created_at.eq(now),
                    reminders::updated_at.eq(now),
                )
            })
            .collect();
        // Two writers re-planning one case at once may plan the same row: the unique index
        // keeps one, and the other writer carries on instead of failing.
        crate::on_backend!(conn, |c| diesel::insert_into(reminders::table)
            .values(&values)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// A mail of `kind` about `item_id` for `recipient_id`, due now; returns the row's id.
pub fn queue_now(
    conn: &mut DbConnection,
    kind: &str,
    item_id: &str,
    recipient_id: &str,
) -> AppResult<String> {
    let id = db::new_id();
    let now = db::now();
    diesel::insert_into(reminders::table)
        .values((
            reminders::id.eq(&id),
            reminders::kind.eq(kind),
            reminders::item_id.eq(item_id),
            reminders::item_key.eq(format!("{kind}:{item_id}")),
            reminders::recipient_id.eq(recipient_id),
            reminders::lead_days.eq(-1),
            reminders::due_at.eq(now),
            reminders::state.eq("pending"),
            reminders::digest.eq(false),
            reminders::attempts.eq(0),
            reminders::next_attempt_at.eq(now),
            reminders::message_id.eq(format!("{id}@asylum-tracker")),
            reminders::created_at.eq(now),
            reminders::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// One item that wants reminders: its key at its current date, and that date.
struct Item {
    kind: &'static str,
    id: String,
    key: String,
    day: chrono::NaiveDate,
    hearing: bool,
}

/// Which of a case's items a re-plan looks at.
#[derive(Debug, Clone, Copy)]
pub enum Items<'a> {
    /// Every deadline and hearing: after assignments or preferences changed.
    All,
    /// What a change of the case's facts can move: its hearings and computed deadlines, and the
    /// computed deadlines the recompute just removed. Bounded by the facts, not by how many
    /// deadlines people added by hand.
    Facts { removed: &'a [String] },
    /// One deadline (a manual one added, or any one marked).
    Deadline(&'a str),
}

/// Brings a case's pending reminders in line with its current deadlines, hearings and
/// assignments: drops what is stale (a moved, met, waived or cancelled item, an unassigned,
/// deactivated or unsubscribed recipient) and plans what is missing. In the caller's transaction.
pub fn replan_case(conn: &mut DbConnection, case_id: &str, ctx: &Schedule) -> AppResult<()> {
    replan(conn, case_id, Items::All, ctx)
}

/// `replan_case` for some of a case's items only: the pending rows of other items are neither
/// read nor touched, so that a write costs the same however long the case's history is.
pub fn replan(
    conn: &mut DbConnection,
    case_id: &str,
    which: Items,
    ctx: &Schedule,
) -> AppResult<()> {
    // A closed case, or an archived client's, is not followed: nothing of it waits to be sent.
    // Reopening (or restoring the client) re-plans from its items as they are then.
    if !db::cases::is_active(conn, case_id)? {
        diesel::delete(
            reminders::table
                .filter(reminders::case_id.eq(case_id))
                .filter(reminders::state.eq("pending")),
        )
        .execute(conn)?;
        return Ok(());
    }
    if let Items::All = which {
        super::tasks::replan_case_tasks(conn, case_id, ctx)?;
    }
    let recipients: Vec<(String, bool)> = case_assignments::table
        .inner_join(users::table)
        .filter(case_assignments::case_id.eq(case_id))
        .filter(users::active.eq(true))
        .filter(users::reminders_enabled.eq(true))
        .select((users::id, users::reminder_digest))
        .load(conn)?;
    let mut open = deadlines::table
        .filter(deadlines::case_id.eq(case_id.to_string()))
        .filter(deadlines::resolution.is_null())
        .filter(deadlines::due_on.ge(ctx.today))
        // A check-in that is an appointment gets the appointment's reminders (with its time and
        // office); its deadline row is there for the missed alert only.
        .filter(not(deadlines::kind
            .eq(DeadlineKind::IceCheckIn.as_str())
            .and(deadlines::trigger_key.like("hearing:%"))))
        .select((deadlines::id, deadlines::due_on))
        .into_boxed();
    // The items whose pending rows this re-plan may drop (None: all of the case's).
    let mut candidates: Option<Vec<String>> = None;
    match which {
        Items::All => {}
        Items::Facts { removed } => {
            open = open.filter(deadlines::source.eq("computed"));
            let mut ids: Vec<String> = deadlines::table
                .filter(deadlines::case_id.eq(case_id))
                .filter(deadlines::source.eq("computed"))
                .select(deadlines::id)
                .load(conn)?;
            ids.extend(
                hearings::table
                    .filter(hearings::case_id.eq(case_id))
                    .select(hearings::id)
                    .load::<String>(conn)?,
            );
            ids.extend(removed.iter().cloned());
            candidates = Some(ids);
        }
        Items::Deadline(id) => {
            open = open.filter(deadlines::id.eq(id.to_string()));
            candidates = Some(vec![id.to_string()]);
        }
    }
    let mut items: Vec<Item> = open
        .load::<(String, chrono::NaiveDate)>(conn)?
        .into_iter()
        .map(|(id, day)| Item {
            kind: "deadline",
            key: format!("deadline:{id}:{day}"),
            id,
            day,
            hearing: false,
        })
        .collect();
    let hs: Vec<(String, String, NaiveDateTime)> = match which {
        Items::Deadline(_) => Vec::new(),
        Items::All | Items::Facts { .. } => hearings::table
            .filter(hearings::case_id.eq(case_id))
            .filter(hearings::outcome.is_null())
            .filter(hearings::starts_at.gt(ctx.now))
            .select((hearings::id, hearings::starts_at_local, hearings::starts_at))
            .load(conn)?,
    };
    for (id, local, at) in hs {
        if let Some(day) = local.get(..10).and_then(|d| d.parse().ok()) {
            items.push(Item {
                kind: "hearing",
                key: format!("hearing:{id}:{}", at.format("%Y-%m-%dT%H:%M")),
                id,
                day,
                hearing: true,
            });
        }
    }
    let keys: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
    let eligible: Vec<String> = recipients.iter().map(|(u, _)| u.clone()).collect();
    // Stale pending rows go: their item moved or closed, or their recipient no longer qualifies.
    // Found in Rust rather than with `item_key <> ALL(keys)`, which compared every pending row
    // with every key (quadratic: 1.7 s a write on a case with 3,000 open deadlines).
    let mut pending = reminders::table
        .filter(reminders::case_id.eq(case_id.to_string()))
        .filter(reminders::state.eq("pending"))
        .filter(reminders::kind.eq_any(["deadline", "hearing"]))
        .select((reminders::id, reminders::item_key, reminders::recipient_id))
        .into_boxed();
    if let Some(ids) = &candidates {
        pending = pending.filter(reminders::item_id.eq_any(ids.clone()));
    }
    let current: HashSet<&str> = keys.iter().map(String::as_str).collect();
    let stale: Vec<String> = pending
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .filter(|(_, key, user)| !current.contains(key.as_str()) || !eligible.contains(user))
        .map(|(id, _, _)| id)
        .collect();
    for chunk in stale.chunks(500) {
        diesel::delete(reminders::table.filter(reminders::id.eq_any(chunk))).execute(conn)?;
    }
    let existing: HashSet<(String, String, i32)> = reminders::table
        .filter(reminders::case_id.eq(case_id))
        .filter(reminders::item_key.eq_any(&keys))
        .select((
            reminders::item_key,
            reminders::recipient_id,
            reminders::lead_days,
        ))
        .load::<(String, String, i32)>(conn)?
        .into_iter()
        .collect();
    let mut planned: Vec<NewRow> = Vec::new();
    for item in &items {
        let ladder = if item.hearing {
            &ctx.hearing_ladder
        } else {
            &ctx.deadline_ladder
        };
        for p in planner::plan(item.day, ladder, ctx.now) {
            let lead = p.lead_days as i32;
            for (user, digest) in &recipients {
                if existing.contains(&(item.key.clone(), user.clone(), lead)) {
                    continue;
                }
                planned.push(NewRow {
                    kind: item.kind,
                    item_id: Some(&item.id),
                    item_key: &item.key,
                    case_id: Some(case_id),
                    recipient_id: user,
                    lead_days: lead,
                    due_at: p.due_at,
                    digest: *digest,
                    payload: None,
                });
            }
        }
    }
    insert_many(conn, &planned)
}

/// After a user's activity or preferences changed: their pending rows follow at once.
pub fn replan_user(conn: &mut DbConnection, user_id: &str, ctx: &Schedule) -> AppResult<()> {
    let Some((active, enabled, digest)) = users::table
        .find(user_id)
        .select((
            users::active,
            users::reminders_enabled,
            users::reminder_digest,
        ))
        .first::<(bool, bool, bool)>(conn)
        .optional()?
    else {
        return Ok(());
    };
    let mine = reminders::table
        .filter(reminders::recipient_id.eq(user_id))
        .filter(reminders::state.eq("pending"));
    if !active {
        diesel::delete(mine).execute(conn)?;
        return Ok(());
    }
    // Tasks first: an admin's may be on cases they are not assigned to.
    super::tasks::replan_user_tasks(conn, user_id, ctx)?;
    diesel::update(mine)
        .set(reminders::digest.eq(digest))
        .execute(conn)?;
    let case_ids: Vec<String> = case_assignments::table
        .filter(case_assignments::user_id.eq(user_id))
        .select(case_assignments::case_id)
        .load(conn)?;
    // Disabled reminders drop out as "recipient no longer qualifies" inside replan_case.
    let _ = enabled;
    for case_id in case_ids {
        replan_case(conn, &case_id, ctx)?;
    }
    Ok(())
}

/// Open deadlines of followed cases that passed unmet get one "missed" alert (see
/// [`alert_missed`] for who is told).
/// Returns how many deadlines were alerted. Index: `deadlines_missed_sweep` (partial).
/// A deadline due before the day its case was entered (an old case recorded now, or a date
/// corrected into the past) was never the office's to meet: it is settled without an alert.
pub fn sweep_missed(conn: &mut DbConnection, ctx: &Schedule, limit: i64) -> AppResult<usize> {
    // ORDER BY due_on lets the planner walk the partial index instead of scanning the table
    // in hope of an early LIMIT; NOT literals (not bound booleans) keep the index usable in a
    // generic plan too (measured: 168 ms -> under 1 ms with 1M deadlines, benches/reminders.rs).
    let found: Vec<(String, String, String, NaiveDate, NaiveDateTime)> = deadlines::table
        .inner_join(cases::table)
        .filter(deadlines::resolution.is_null())
        .filter(not(deadlines::missed_alerted))
        .filter(not(deadlines::never_missed))
        .filter(deadlines::due_on.lt(ctx.today))
        // Followed cases only (see db::cases::active_ids; the case is already joined here).
        .filter(cases::closed.eq(false))
        .filter(cases::client_id.eq_any(db::cases::live_client_ids()))
        .order(deadlines::due_on)
        .select((
            deadlines::id,
            deadlines::case_id,
            deadlines::kind,
            deadlines::due_on,
            cases::created_at,
        ))
        .limit(limit)
        .load(conn)?;
    let (missed, before_entry): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|(_, _, _, due_on, entered)| *due_on >= entered.date());
    let settled: Vec<String> = before_entry.into_iter().map(|(id, ..)| id).collect();
    if !settled.is_empty() {
        diesel::update(deadlines::table.filter(deadlines::id.eq_any(&settled)))
            .set(deadlines::missed_alerted.eq(true))
            .execute(conn)?;
    }
    let admins = if missed.is_empty() {
        Vec::new()
    } else {
        active_admins(conn)?
    };
    for (deadline_id, case_id, kind, ..) in &missed {
        alert_missed(conn, deadline_id, case_id, kind, &admins, ctx.now)?;
    }
    Ok(missed.len())
}

/// The ids of the active administrators, who are told of every missed deadline.
pub fn active_admins(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    Ok(users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .select(users::id)
        .load(conn)?)
}

/// Plans the one "missed" alert of a deadline, due `now`, and marks it alerted. It goes to the
/// case's lawyers and every admin; for a missed ICE check-in to the caseworkers too, because a
/// missed check-in can lead to re-detention and the whole case team must act that day
/// (8 CFR 241.4(l)(1): release may be revoked for a violation of its conditions).
pub fn alert_missed(
    conn: &mut DbConnection,
    deadline_id: &str,
    case_id: &str,
    kind: &str,
    admins: &[String],
    now: NaiveDateTime,
) -> AppResult<()> {
    let mut roles = vec!["lawyer"];
    if kind == DeadlineKind::IceCheckIn.as_str() {
        roles.push("caseworker");
    }
    let team: Vec<String> = case_assignments::table
        .inner_join(users::table)
        .filter(case_assignments::case_id.eq(case_id))
        .filter(case_assignments::role.eq_any(roles))
        .filter(users::active.eq(true))
        .select(users::id)
        .load(conn)?;
    let mut to: Vec<String> = team;
    for a in admins {
        if !to.contains(a) {
            to.push(a.clone());
        }
    }
    let key = format!("missed:{deadline_id}");
    for user in &to {
        // The unique index (item_key, recipient, lead) keeps a second alert from being planned.
        insert(
            conn,
            &NewRow {
                kind: "missed",
                item_id: Some(deadline_id),
                item_key: &key,
                case_id: Some(case_id),
                recipient_id: user,
                lead_days: -1,
                due_at: now,
                digest: false,
                payload: None,
            },
        )?;
    }
    diesel::update(deadlines::table.find(deadline_id))
        .set(deadlines::missed_alerted.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Claims up to `limit` due rows for `owner` until `lease_until`. On PostgreSQL the rows are
/// locked with `FOR UPDATE SKIP LOCKED`, so concurrent instances claim disjoint sets; SQLite has
/// one writer at a time. A lease that expired (its holder crashed) makes a row claimable again.
pub fn claim(
    conn: &mut DbConnection,
    owner: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<Reminder>> {
    db::transaction(conn, |conn| {
        let due = reminders::table
            .filter(reminders::state.eq("pending"))
            .filter(reminders::next_attempt_at.le(now))
            .filter(
                reminders::lease_until
                    .is_null()
                    .or(reminders::lease_until.lt(now)),
            )
            .order(reminders::next_attempt_at)
            .select(reminders::id)
            .limit(limit);
        let ids: Vec<String> = match conn {
            DbConnection::Postgres(c) => due.for_update().skip_locked().load(c)?,
            DbConnection::Sqlite(c) => due.load(c)?,
        };
        lease(conn, owner, &ids, lease_until)
    })
}

/// Leases the rows just selected (under their locks) to `owner` and reads them, soonest first.
fn lease(
    conn: &mut DbConnection,
    owner: &str,
    ids: &[String],
    lease_until: NaiveDateTime,
) -> AppResult<Vec<Reminder>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(reminders::table.filter(reminders::id.eq_any(ids)))
        .set((
            reminders::lease_owner.eq(owner),
            reminders::lease_until.eq(lease_until),
        ))
        .execute(conn)?;
    Ok(reminders::table
        .filter(reminders::id.eq_any(ids))
        .order(reminders::next_attempt_at)
        .select(Reminder::as_select())
        .load(conn)?)
}

/// [`claim`] for these rows only, if they are due and nobody holds them: the sender of a mail
/// that should not wait for the next tick.
pub fn claim_ids(
    conn: &mut DbConnection,
    owner: &str,
    ids: &[String],
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> AppResult<Vec<Reminder>> {
    db::transaction(conn, |conn| {
        let free = reminders::table
            .filter(reminders::id.eq_any(ids))
            .filter(reminders::state.eq("pending"))
            .filter(reminders::next_attempt_at.le(now))
            .filter(
                reminders::lease_until
                    .is_null()
                    .or(reminders::lease_until.lt(now)),
            )
            .select(reminders::id);
        let ids: Vec<String> = match conn {
            DbConnection::Postgres(c) => free.for_update().skip_locked().load(c)?,
            DbConnection::Sqlite(c) => free.load(c)?,
        };
        lease(conn, owner, &ids, lease_until)
    })
}

/// Extends the lease of rows this owner still holds, pending, until `until`; `true` when it holds
/// every one of `ids` (else the message for them must not be sent by this owner).
pub fn hold(
    conn: &mut DbConnection,
    ids: &[String],
    owner: &str,
    until: NaiveDateTime,
) -> AppResult<bool> {
    let n = diesel::update(
        reminders::table
            .filter(reminders::id.eq_any(ids))
            .filter(reminders::lease_owner.eq(owner))
            .filter(reminders::state.eq("pending")),
    )
    .set(reminders::lease_until.eq(until))
    .execute(conn)?;
    Ok(n == ids.len())
}

/// The SMTP server accepted these: they are sent. Only rows this owner still holds.
pub fn mark_sent(
    conn: &mut DbConnection,
    ids: &[String],
    owner: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(
        reminders::table
            .filter(reminders::id.eq_any(ids))
            .filter(reminders::lease_owner.eq(owner)),
    )
    .set((
        reminders::state.eq("sent"),
        reminders::sent_at.eq(now),
        reminders::attempts.eq(reminders::attempts + 1),
        reminders::lease_owner.eq(None::<String>),
        reminders::lease_until.eq(None::<NaiveDateTime>),
        reminders::last_error.eq(None::<String>),
        reminders::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Rows that no longer need sending (their item vanished or closed while they waited).
pub fn cancel(conn: &mut DbConnection, ids: &[String]) -> AppResult<()> {
    diesel::delete(
        reminders::table
            .filter(reminders::id.eq_any(ids))
            .filter(reminders::state.eq("pending")),
    )
    .execute(conn)?;
    Ok(())
}

/// A failed try: back off, or after the last try mark the row failed. Returns the rows that
/// failed for good.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    rows: &[Reminder],
    owner: &str,
    error: &str,
    now: NaiveDateTime,
) -> AppResult<Vec<Reminder>> {
    let mut failed = Vec::new();
    for r in rows {
        let attempts = r.attempts + 1;
        let done = attempts >= MAX_ATTEMPTS;
        let n = diesel::update(
            reminders::table
                .find(&r.id)
                .filter(reminders::lease_owner.eq(owner)),
        )
        .set((
            reminders::attempts.eq(attempts),
            reminders::state.eq(if done { "failed" } else { "pending" }),
            reminders::next_attempt_at.eq(if done {
                r.next_attempt_at
            } else {
                now + backoff_for(&r.kind, attempts)
            }),
            reminders::last_error.eq(error.chars().take(500).collect::<String>()),
            reminders::lease_owner.eq(None::<String>),
            reminders::lease_until.eq(None::<NaiveDateTime>),
            reminders::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n == 1 && done {
            failed.push(r.clone());
        }
    }
    Ok(failed)
}

/// One e-mail to every active admin naming reminders that failed for good. Notices about
/// notices are not sent (no loop).
pub fn queue_failure_notice(
    conn: &mut DbConnection,
    failed: &[Reminder],
    now: NaiveDateTime,
) -> AppResult<()> {
    let failed: Vec<&Reminder> = failed
        .iter()
        .filter(|r| r.kind != "failure_notice")
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = failed.iter().map(|r| r.id.as_str()).collect();
    let payload = serde_json::json!({ "failed": ids }).to_string();
    let key = format!("failure:{}", db::new_id());
    let admins: Vec<String> = users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .select(users::id)
        .load(conn)?;
    for admin in &admins {
        insert(
            conn,
            &NewRow {
                kind: "failure_notice",
                item_id: None,
                item_key: &key,
                case_id: None,
                recipient_id: admin,
                lead_days: -1,
                due_at: now,
                digest: false,
                payload: Some(payload.clone()),
            },
        )?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<Reminder>> {
    Ok(reminders::table
        .find(id)
        .select(Reminder::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_many(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<Reminder>> {
    Ok(reminders::table
        .filter(reminders::id.eq_any(ids))
        .select(Reminder::as_select())
        .load(conn)?)
}

/// The admin's retry: due now, with a fresh set of tries.
pub fn retry(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(reminders::table.find(id))
        .set((
            reminders::state.eq("pending"),
            reminders::attempts.eq(0),
            reminders::next_attempt_at.eq(now),
            reminders::lease_owner.eq(None::<String>),
            reminders::lease_until.eq(None::<NaiveDateTime>),
            reminders::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The admin's list: rows in a state (or all), by next attempt (index `reminders_due`).
pub fn list(
    conn: &mut DbConnection,
    state: Option<&str>,
    page: &crate::db::page::Page,
) -> AppResult<(Vec<Reminder>, Option<String>)> {
    let mut q = reminders::table.select(Reminder::as_select()).into_boxed();
    if let Some(s) = state {
        q = q.filter(reminders::state.eq(s.to_string()));
    }
    q = crate::keyset_filter!(q, page, reminders::next_attempt_at, reminders::id, gt);
    let mut rows: Vec<Reminder> = q
        .order((reminders::next_attempt_at, reminders::id))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |r| crate::db::page::Cursor {
        at: r.next_attempt_at,
        id: r.id.clone(),
    }))
}
