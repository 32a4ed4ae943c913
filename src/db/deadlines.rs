//! Materialised deadlines and closure days: replacing a case's computed rows (ids kept stable by
//! (kind, trigger)), manual rows, status marks, and the agenda query.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::page::{Cursor, Page};
use super::schema::{closures, deadlines};
use super::scope::Scope;
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
}

impl Deadline {
    /// open, met, missed or waived as of `today` (the organisation's date).
    pub fn status(&self, today: NaiveDate) -> DeadlineStatus {
        match self.resolution.as_deref() {
            Some("waived") => DeadlineStatus::Waived,
            Some(_) => DeadlineStatus::Met,
            None if !self.never_missed && today > self.due_on => DeadlineStatus::Missed,
            None => DeadlineStatus::Open,
        }
    }
}

/// A person's mark wins over the computed one: a waiver stands even if the act is recorded later.
fn resolution(manual: Option<&str>, met_on: Option<NaiveDate>) -> Option<String> {
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
    let mut q = deadlines::table
        .filter(deadlines::case_id.eq(case_id.to_string()))
        .select(Deadline::as_select())
        .into_boxed();
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

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Deadline> {
    deadlines::table
        .find(id)
        .select(Deadline::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// What a recompute did, for the audit row and the reminder planner.
#[derive(Debug, Default)]
pub struct Replaced {
    pub inserted: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

/// Replaces the computed rows of a case with `computed`: rows whose (kind, trigger) still exists
/// are updated in place (keeping id and any person's mark), new ones inserted, vanished ones
/// deleted. Manual rows are not touched.
pub fn replace_computed(
    conn: &mut DbConnection,
    case_id: &str,
    computed: &[ComputedDeadline],
    today: NaiveDate,
) -> AppResult<Replaced> {
    let existing: Vec<Deadline> = computed_of(conn, case_id)?;
    let now = super::now();
    let mut out = Replaced::default();
    for c in computed {
        let kind = c.kind.as_str();
        match existing
            .iter()
            .find(|e| e.kind == kind && e.trigger_key == c.trigger)
        {
            Some(e) => {
                let same = e.due_on == c.due_on
                    && e.alternative_due_on == c.alternative_due_on
                    && e.explanation == c.explanation
                    && e.rule == c.rule
                    && e.met_on == c.met_on;
                if !same {
                    diesel::update(deadlines::table.find(&e.id))
                        .set((
                            deadlines::due_on.eq(c.due_on),
                            deadlines::alternative_due_on.eq(c.alternative_due_on),
                            deadlines::alternative_reason.eq(&c.alternative_reason),
                            deadlines::rule.eq(&c.rule),
                            deadlines::explanation.eq(&c.explanation),
                            deadlines::met_on.eq(c.met_on),
                            deadlines::resolution
                                .eq(resolution(e.manual_status.as_deref(), c.met_on)),
                            deadlines::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    out.changed.push(e.id.clone());
                }
            }
            None => {
                let id = super::new_id();
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
                        deadlines::resolution.eq(resolution(None, c.met_on)),
                        deadlines::never_missed.eq(c.kind.is_earliest_date()),
                        deadlines::missed_alerted.eq(c.due_on < today),
                        deadlines::created_at.eq(now),
                        deadlines::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                out.inserted.push(id);
            }
        }
    }
    for e in &existing {
        if !computed
            .iter()
            .any(|c| c.kind.as_str() == e.kind && c.trigger == e.trigger_key)
        {
            diesel::delete(deadlines::table.find(&e.id)).execute(conn)?;
            out.removed.push(e.id.clone());
        }
    }
    Ok(out)
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
            deadlines::resolution.eq(resolution(mark, d.met_on)),
            deadlines::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The agenda: visible deadlines in a date range and status, soonest first (index `deadlines_due`,
/// or `deadlines_open_due` when a status is asked for).
pub fn agenda(
    conn: &mut DbConnection,
    scope: &Scope,
    range: (Option<NaiveDate>, Option<NaiveDate>),
    status: Option<DeadlineStatus>,
    today: NaiveDate,
    page: &Page,
) -> AppResult<(Vec<Deadline>, Option<String>)> {
    let mut q = deadlines::table.select(Deadline::as_select()).into_boxed();
    if let Some(cond) = scope.deadlines() {
        q = q.filter(cond);
    }
    if let Some(from) = range.0 {
        q = q.filter(deadlines::due_on.ge(from));
    }
    if let Some(to) = range.1 {
        q = q.filter(deadlines::due_on.le(to));
    }
    q = match status {
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
        None => q,
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
    Ok(page.finish(&mut rows, |d| Cursor {
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
