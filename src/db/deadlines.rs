//! Materialised deadlines and closure days: replacing a case's computed rows (ids kept stable by
//! (kind, trigger)), manual rows, status marks, and the agenda query.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::cases::{label_columns, Label};
use super::page::{Cursor, Page, PageOf};
use super::schema::{cases, clients, closures, deadlines};
use super::scope::{assigned_case_ids, Scope};
use super::DbConnection;
use crate::domain::calendar::Calendar;
use crate::domain::deadlines::ComputedDeadline;
use crate::domain::vocab::{DeadlineKind, DeadlineStatus};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deadlines)]
pub struct Deadline {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub source: String,
    pub trigger_key: String,
    pub title: Option<String>,
    pub due_on: NaiveDate,
    pub alternative_due_on: Option<NaiveDate>,
    pub alternative_reason: Option<String>,
    pub rule: String,
    pub explanation: String,
    pub met_on: Option<NaiveDate>,
    pub manual_status: Option<String>,
    pub status_note: Option<String>,
    pub status_by: Option<String>,
    pub status_at: Option<NaiveDateTime>,
    pub resolution: Option<String>,
    pub never_missed: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub missed_alerted: bool,
    /// Set while the trigger of a computed deadline has vanished: kept (with any mark), out of
    /// open lists, the agenda, reminders and feeds; cleared when the trigger returns.
    pub superseded_at: Option<NaiveDateTime>,
    pub superseded_reason: Option<String>,
}

impl Deadline {
    /// open, met, missed or waived as of `today` (the organisation's date).
    pub fn status(&self, today: NaiveDate) -> DeadlineStatus {
        match self.resolution.as_deref() {
            Some(SUPERSEDED) => DeadlineStatus::Superseded,
            Some("waived") => DeadlineStatus::Waived,
            Some(_) => DeadlineStatus::Met,
            None if !self.never_missed && today > self.due_on => DeadlineStatus::Missed,
            None => DeadlineStatus::Open,
        }
    }
}

/// The `resolution` of a superseded row: every query of open items (agenda, reminders, feeds,
/// missed alerts) asks for a null resolution, so a superseded row drops out of all of them.
const SUPERSEDED: &str = "superseded";

/// A person's mark wins over the computed one: a waiver stands even if the act is recorded later.
/// A superseded row stays superseded whatever its mark (the mark is kept for its return).
fn resolution(manual: Option<&str>, met_on: Option<NaiveDate>, superseded: bool) -> Option<String> {
    if superseded {
        return Some(SUPERSEDED.to_string());
    }
    manual
        .map(str::to_string)
        .or(met_on.map(|_| "met".to_string()))
}

pub fn calendar(conn: &mut DbConnection) -> AppResult<Calendar> {
    let days: Vec<NaiveDate> = closures::table.select(closures::day).load(conn)?;
    Ok(Calendar::new(days))
}

pub fn of_case(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<Deadline>> {
    Ok(deadlines::table
        .filter(deadlines::case_id.eq(case_id))
        .order((deadlines::due_on, deadlines::kind, deadlines::id))
        .select(Deadline::as_select())
        .load(conn)?)
}

/// One page of a case's deadlines, soonest first, ties by id (index `deadlines_case_due`).
pub fn page_of_case(
    conn: &mut DbConnection,
    case_id: &str,
    page: &Page,
) -> AppResult<(Vec<Deadline>, Option<String>)> {
    // Not boxed, so that diesel keeps both shapes prepared per connection (issue 14).
    let first = deadlines::table
        .filter(deadlines::case_id.eq(case_id))
        .select(Deadline::as_select())
        .order((deadlines::due_on, deadlines::id))
        .limit(page.limit + 1);
    let mut rows = match &page.cursor {
        None => first.load(conn)?,
        Some(c) => {
            let at = c.at.date();
            first
                .filter(
                    deadlines::due_on
                        .gt(at)
                        .or(deadlines::due_on.eq(at).and(deadlines::id.gt(&c.id))),
                )
                .load(conn)?
        }
    };
    Ok(page.finish(&mut rows, |d| Cursor {
        at: d.due_on.and_hms_opt(0, 0, 0).unwrap_or_default(),
        id: d.id.clone(),
    }))
}

/// A case's computed deadlines only: what a recompute compares against. Manual rows, however
/// many, are not read (index `deadlines_case_kind_trigger` leads with `case_id`).
pub fn computed_of(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<Deadline>> {
    Ok(deadlines::table
        .filter(deadlines::case_id.eq(case_id))
        .filter(deadlines::source.eq("computed"))
        .order((deadlines::due_on, deadlines::kind, deadlines::id))
        .select(Deadline::as_select())
        .load(conn)?)
}

/// The open computed row of `(kind, trigger)` of a case not yet alerted as missed, if any.
pub fn unalerted(
    conn: &mut DbConnection,
    case_id: &str,
    kind: DeadlineKind,
    trigger: &str,
) -> AppResult<Option<String>> {
    Ok(deadlines::table
        .filter(deadlines::case_id.eq(case_id))
        .filter(deadlines::kind.eq(kind.as_str()))
        .filter(deadlines::trigger_key.eq(trigger))
        .filter(deadlines::resolution.is_null())
        .filter(deadlines::missed_alerted.eq(false))
        .select(deadlines::id)
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Deadline> {
    deadlines::table
        .find(id)
        .select(Deadline::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// What a recompute did, for the audit row and the reminder planner (deadline ids).
#[derive(Debug, Default)]
pub struct Replaced {
    pub inserted: Vec<String>,
    pub changed: Vec<String>,
    /// Computed rows whose trigger vanished: kept, with their marks, out of every open list.
    pub superseded: Vec<String>,
    /// Superseded rows whose trigger came back: the same id and mark again.
    pub revived: Vec<String>,
}

impl Replaced {
    pub fn is_empty(&self) -> bool {
        self.inserted.is_empty()
            && self.changed.is_empty()
            && self.superseded.is_empty()
            && self.revived.is_empty()
    }
}

/// Replaces the computed rows of a case with `computed`: rows whose (kind, trigger) still exists
/// are updated in place (keeping id and any person's mark; a superseded one is revived), new ones
/// inserted, vanished ones superseded, never deleted (they may carry a person's mark and note).
/// Manual rows are not touched. Run it under the case's lock (`cases::lock`); should an insert
/// still meet the row of another writer, it updates that row instead of failing.
pub fn replace_computed(
    conn: &mut DbConnection,
    case_id: &str,
    computed: &[ComputedDeadline],
    today: NaiveDate,
    because: &str,
) -> AppResult<Replaced> {
    let existing: Vec<Deadline> = computed_of(conn, case_id)?;
    let now = super::now();
    let mut out = Replaced::default();
    for c in computed {
        let kind = c.kind.as_str();
        let found = existing
            .iter()
            .find(|e| e.kind == kind && e.trigger_key == c.trigger)
            .cloned();
        let e = match found {
            Some(e) => e,
            None => match insert_computed(conn, case_id, c, today, now)? {
                Inserted::New(id) => {
                    out.inserted.push(id);
                    continue;
                }
                // Another writer got there first (it should have waited on the case's lock):
                // take its row as the existing one.
                Inserted::Taken(e) => *e,
            },
        };
        let revive = e.superseded_at.is_some();
        let same = e.due_on == c.due_on
            && e.alternative_due_on == c.alternative_due_on
            && e.explanation == c.explanation
            && e.rule == c.rule
            && e.met_on == c.met_on;
        if same && !revive {
            continue;
        }
        diesel::update(deadlines::table.find(&e.id))
            .set((
                deadlines::due_on.eq(c.due_on),
                deadlines::alternative_due_on.eq(c.alternative_due_on),
                deadlines::alternative_reason.eq(&c.alternative_reason),
                deadlines::rule.eq(&c.rule),
                deadlines::explanation.eq(&c.explanation),
                deadlines::met_on.eq(c.met_on),
                deadlines::resolution.eq(resolution(e.manual_status.as_deref(), c.met_on, false)),
                deadlines::superseded_at.eq(None::<NaiveDateTime>),
                deadlines::superseded_reason.eq(None::<String>),
                deadlines::updated_at.eq(now),
            ))
            .execute(conn)?;
        if revive {
            out.revived.push(e.id.clone());
        } else {
            out.changed.push(e.id.clone());
        }
    }
    for e in &existing {
        let vanished = !computed
            .iter()
            .any(|c| c.kind.as_str() == e.kind && c.trigger == e.trigger_key);
        if vanished && e.superseded_at.is_none() {
            diesel::update(deadlines::table.find(&e.id))
                .set((
                    deadlines::resolution.eq(resolution(None, None, true)),
                    deadlines::superseded_at.eq(now),
                    deadlines::superseded_reason.eq(because),
                    deadlines::updated_at.eq(now),
                ))
                .execute(conn)?;
            out.superseded.push(e.id.clone());
        }
    }
    Ok(out)
}

enum Inserted {
    New(String),
    Taken(Box<Deadline>),
}

/// Inserts one computed row in a savepoint; a unique conflict on (case, kind, trigger) answers
/// the row already there instead of failing the transaction.
fn insert_computed(
    conn: &mut DbConnection,
    case_id: &str,
    c: &ComputedDeadline,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<Inserted> {
    use diesel::result::{DatabaseErrorKind, Error};
    let id = super::new_id();
    let kind = c.kind.as_str();
    let inserted = conn.transaction::<_, Error, _>(|conn| {
        diesel::insert_into(deadlines::table)
            .values((
                deadlines::id.eq(&id),
                deadlines::case_id.eq(case_id),
                deadlines::kind.eq(kind),
                deadlines::source.eq("computed"),
                deadlines::trigger_key.eq(&c.trigger),
                deadlines::due_on.eq(c.due_on),
                deadlines::alternative_due_on.eq(c.alternative_due_on),
                deadlines::alternative_reason.eq(&c.alternative_reason),
                deadlines::rule.eq(&c.rule),
                deadlines::explanation.eq(&c.explanation),
                deadlines::met_on.eq(c.met_on),
                deadlines::resolution.eq(resolution(None, c.met_on, false)),
                deadlines::never_missed.eq(c.kind.is_earliest_date()),
                deadlines::missed_alerted.eq(c.due_on < today),
                deadlines::created_at.eq(now),
                deadlines::updated_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(Inserted::New(id)),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            let taken = deadlines::table
                .filter(deadlines::case_id.eq(case_id))
                .filter(deadlines::kind.eq(kind))
                .filter(deadlines::trigger_key.eq(&c.trigger))
                .select(Deadline::as_select())
                .first(conn)?;
            Ok(Inserted::Taken(Box::new(taken)))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn insert_manual(
    conn: &mut DbConnection,
    case_id: &str,
    title: &str,
    due_on: NaiveDate,
    explanation: &str,
    today: NaiveDate,
) -> AppResult<Deadline> {
    let id = super::new_id();
    let now = super::now();
    diesel::insert_into(deadlines::table)
        .values((
            deadlines::id.eq(&id),
            deadlines::case_id.eq(case_id),
            deadlines::kind.eq(DeadlineKind::Other.as_str()),
            deadlines::source.eq("manual"),
            deadlines::trigger_key.eq(format!("manual:{id}")),
            deadlines::title.eq(title),
            deadlines::due_on.eq(due_on),
            deadlines::rule.eq("entered by a person"),
            deadlines::explanation.eq(explanation),
            deadlines::never_missed.eq(false),
            deadlines::missed_alerted.eq(due_on < today),
            deadlines::created_at.eq(now),
            deadlines::updated_at.eq(now),
        ))
        .execute(conn)?;
    find(conn, &id)
}

/// A person marks a deadline met or waived (with a note), or `None` to take the mark back.
pub fn set_mark(
    conn: &mut DbConnection,
    d: &Deadline,
    mark: Option<&str>,
    note: Option<&str>,
    by: &str,
) -> AppResult<()> {
    diesel::update(deadlines::table.find(&d.id))
        .set((
            deadlines::manual_status.eq(mark),
            deadlines::status_note.eq(note),
            deadlines::status_by.eq(by),
            deadlines::status_at.eq(super::now()),
            deadlines::resolution.eq(resolution(mark, d.met_on, d.superseded_at.is_some())),
            deadlines::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The agenda: visible deadlines in a date range and status, soonest first, each with its case's
/// label (one query: joined with cases and clients, which also keeps only followed cases).
///
/// A lawyer's or caseworker's starts from their assignments: SQLite lists them
/// (`case_assignments_user`) and reads each case's deadlines in the range (`deadlines_case_due`),
/// bounded by the caller's cases whatever the range. Written from `case_assignments` instead,
/// SQLite walked the range's dates (`deadlines_due`): fewer steps for a lawyer with 400 cases
/// (7,709 VM instructions against 21,285) but 25,635 against 27 for someone with no case.
/// PostgreSQL plans it at each execution ([`super::planned_per_execution`]) from its per-user
/// statistics; an administrator's walks the dates.
pub fn agenda(
    conn: &mut DbConnection,
    scope: &Scope,
    range: (Option<NaiveDate>, Option<NaiveDate>),
    status: Option<DeadlineStatus>,
    today: NaiveDate,
    page: &Page,
) -> AppResult<PageOf<(Deadline, Label)>> {
    let mut q = deadlines::table
        .inner_join(cases::table.inner_join(clients::table))
        .select((Deadline::as_select(), label_columns()))
        .filter(cases::closed.eq(false))
        .filter(clients::archived.eq(false))
        .into_boxed();
    if let Some(user) = scope.assigned_user() {
        q = q.filter(deadlines::case_id.eq_any(assigned_case_ids(user)));
    }
    if super::is_postgres(conn) {
        q = q.filter(super::planned_per_execution());
    }
    if let Some(from) = range.0 {
        q = q.filter(deadlines::due_on.ge(from));
    }
    if let Some(to) = range.1 {
        q = q.filter(deadlines::due_on.le(to));
    }
    q = match status {
        Some(DeadlineStatus::Superseded) => q.filter(deadlines::resolution.eq(SUPERSEDED)),
        Some(DeadlineStatus::Met) => q.filter(deadlines::resolution.eq("met")),
        Some(DeadlineStatus::Waived) => q.filter(deadlines::resolution.eq("waived")),
        Some(DeadlineStatus::Open) => q.filter(deadlines::resolution.is_null()).filter(
            deadlines::due_on
                .ge(today)
                .or(deadlines::never_missed.eq(true)),
        ),
        Some(DeadlineStatus::Missed) => q
            .filter(deadlines::resolution.is_null())
            .filter(deadlines::due_on.lt(today))
            .filter(deadlines::never_missed.eq(false)),
        // Superseded rows only when asked for by name.
        None => q.filter(
            deadlines::resolution
                .is_null()
                .or(deadlines::resolution.ne(SUPERSEDED)),
        ),
    };
    q = crate::keyset_filter!(
        q,
        page,
        deadlines::due_on,
        deadlines::id,
        gt,
        |t: chrono::NaiveDateTime| t.date()
    );
    let mut rows = q
        .order((deadlines::due_on, deadlines::id))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |(d, _)| Cursor {
        at: d.due_on.and_hms_opt(0, 0, 0).unwrap_or_default(),
        id: d.id.clone(),
    }))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = closures)]
pub struct Closure {
    pub id: String,
    pub day: NaiveDate,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

pub fn list_closures(conn: &mut DbConnection) -> AppResult<Vec<Closure>> {
    Ok(closures::table
        .order(closures::day)
        .select(Closure::as_select())
        .load(conn)?)
}

fn closure_conflict() -> AppError {
    AppError::conflict("day", "this day is already a closure")
}

pub fn insert_closure(conn: &mut DbConnection, day: NaiveDate, reason: &str) -> AppResult<Closure> {
    if closures::table
        .filter(closures::day.eq(day))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        return Err(closure_conflict());
    }
    let id = super::new_id();
    diesel::insert_into(closures::table)
        .values((
            closures::id.eq(&id),
            closures::day.eq(day),
            closures::reason.eq(reason),
            closures::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map_err(super::unique_violation("closures_day", closure_conflict))?;
    Ok(closures::table
        .find(&id)
        .select(Closure::as_select())
        .first(conn)?)
}

pub fn delete_closure(conn: &mut DbConnection, id: &str) -> AppResult<Closure> {
    let c = closures::table
        .find(id)
        .select(Closure::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    diesel::delete(closures::table.find(id)).execute(conn)?;
    Ok(c)
}

/// Cases with a deadline a closure on `day` could give another alternative date: a closure moves
/// only dates that fall on it or roll across it, so due dates up to ten days before it.
pub fn cases_near(conn: &mut DbConnection, day: NaiveDate) -> AppResult<Vec<String>> {
    let from = day - chrono::Days::new(10);
    Ok(deadlines::table
        .filter(deadlines::due_on.between(from, day))
        .filter(deadlines::source.eq("computed"))
        .select(deadlines::case_id)
        .distinct()
        .load(conn)?)
}
