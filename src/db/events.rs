//! Queries on the facts of a case: filings, clock events, hearings (and their earlier times) and
//! decisions; and loading them all as the pure `CaseFacts` the rules work on.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::cases::{label_columns, Label};
use super::page::{Cursor, Page, PageOf};
use super::schema::{cases, clients, clock_events, decisions, filings, hearing_changes, hearings};
use super::scope::{assigned_case_ids, Scope};
use super::DbConnection;
use crate::domain::deadlines::{
    CaseFacts, ClockEventFact, ClockKind, DecisionFact, FilingFact, HearingFact,
};
use crate::domain::vocab::{
    Authority, DecisionKind, FilingStatus, Form, HearingKind, HearingOutcome,
};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = filings)]
pub struct Filing {
    pub id: String,
    pub case_id: String,
    pub form: String,
    pub filed_on: NaiveDate,
    pub receipt_number: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// `pending`, `accepted`, `rejected`, `approved` or `denied`.
    pub status: String,
    pub status_on: Option<NaiveDate>,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_reason: Option<String>,
    pub withdrawn_by: Option<String>,
    /// A motion to reopen based on changed country conditions (no time limit).
    pub changed_country_conditions: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clock_events)]
pub struct ClockEventRow {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub reason: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_reason: Option<String>,
    pub withdrawn_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = hearings)]
pub struct Hearing {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub starts_at_local: String,
    pub time_zone: String,
    pub starts_at: NaiveDateTime,
    pub court_code: Option<String>,
    pub judge: Option<String>,
    pub location: Option<String>,
    pub outcome: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// An ICE field office or USCIS office (`config/offices.csv`), for appointments not in court.
    pub office_code: Option<String>,
    /// `in_person`, `video` or `telephone`, as the notice says.
    pub mode: Option<String>,
    /// The BCP 47 tag of the interpreter's language.
    pub interpreter_language: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = hearing_changes)]
pub struct HearingChange {
    pub id: String,
    pub hearing_id: String,
    pub previous_starts_at_local: String,
    pub previous_time_zone: String,
    pub previous_starts_at: NaiveDateTime,
    pub changed_by: String,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = decisions)]
pub struct Decision {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub authority: String,
    pub decided_on: NaiveDate,
    pub voluntary_departure_days: Option<i32>,
    pub appeal_waived: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_reason: Option<String>,
    pub withdrawn_by: Option<String>,
}

fn receipt_conflict() -> AppError {
    AppError::conflict(
        "receipt_number",
        "a filing with this receipt number is already recorded",
    )
}

/// 409 when another standing (not withdrawn) filing has `receipt_number`; the unique index
/// `filings_receipt_number` has the last word for concurrent writers.
fn check_receipt(conn: &mut DbConnection, row: &Filing) -> AppResult<()> {
    let Some(receipt) = &row.receipt_number else {
        return Ok(());
    };
    let taken: i64 = filings::table
        .filter(filings::receipt_number.eq(receipt))
        .filter(filings::withdrawn_at.is_null())
        .filter(filings::id.ne(&row.id))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(receipt_conflict());
    }
    Ok(())
}

pub fn insert_filing(conn: &mut DbConnection, row: &Filing) -> AppResult<()> {
    check_receipt(conn, row)?;
    diesel::insert_into(filings::table)
        .values(row.clone())
        .execute(conn)
        .map_err(super::unique_violation(
            "filings_receipt_number",
            receipt_conflict,
        ))?;
    Ok(())
}

/// Writes a corrected filing (every field a correction may change, and its withdrawal).
pub fn update_filing(conn: &mut DbConnection, row: &Filing) -> AppResult<()> {
    if row.withdrawn_at.is_none() {
        check_receipt(conn, row)?;
    }
    diesel::update(filings::table.find(&row.id))
        .set((
            filings::form.eq(&row.form),
            filings::filed_on.eq(row.filed_on),
            filings::receipt_number.eq(&row.receipt_number),
            filings::approved_on.eq(row.approved_on),
            filings::valid_until.eq(row.valid_until),
            filings::status.eq(&row.status),
            filings::status_on.eq(row.status_on),
            filings::withdrawn_at.eq(row.withdrawn_at),
            filings::withdrawn_reason.eq(&row.withdrawn_reason),
            filings::withdrawn_by.eq(&row.withdrawn_by),
            filings::changed_country_conditions.eq(row.changed_country_conditions),
        ))
        .execute(conn)
        .map_err(super::unique_violation(
            "filings_receipt_number",
            receipt_conflict,
        ))?;
    Ok(())
}

pub fn update_clock_event(conn: &mut DbConnection, row: &ClockEventRow) -> AppResult<()> {
    diesel::update(clock_events::table.find(&row.id))
        .set((
            clock_events::kind.eq(&row.kind),
            clock_events::occurred_on.eq(row.occurred_on),
            clock_events::reason.eq(&row.reason),
            clock_events::withdrawn_at.eq(row.withdrawn_at),
            clock_events::withdrawn_reason.eq(&row.withdrawn_reason),
            clock_events::withdrawn_by.eq(&row.withdrawn_by),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn update_decision(conn: &mut DbConnection, row: &Decision) -> AppResult<()> {
    diesel::update(decisions::table.find(&row.id))
        .set((
            decisions::kind.eq(&row.kind),
            decisions::authority.eq(&row.authority),
            decisions::decided_on.eq(row.decided_on),
            decisions::voluntary_departure_days.eq(row.voluntary_departure_days),
            decisions::appeal_waived.eq(row.appeal_waived),
            decisions::withdrawn_at.eq(row.withdrawn_at),
            decisions::withdrawn_reason.eq(&row.withdrawn_reason),
            decisions::withdrawn_by.eq(&row.withdrawn_by),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_filing(conn: &mut DbConnection, id: &str) -> AppResult<Filing> {
    filings::table
        .find(id)
        .select(Filing::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn find_clock_event(conn: &mut DbConnection, id: &str) -> AppResult<ClockEventRow> {
    clock_events::table
        .find(id)
        .select(ClockEventRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn find_decision(conn: &mut DbConnection, id: &str) -> AppResult<Decision> {
    decisions::table
        .find(id)
        .select(Decision::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The filings the rules read: standing (not withdrawn) ones, as facts.
pub fn filing_facts(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<FilingFact>> {
    Ok(filings_of(conn, case_id)?
        .iter()
        .filter(|f| f.withdrawn_at.is_none())
        .filter_map(Filing::fact)
        .collect())
}

impl Filing {
    /// The filing as the rules read it; `None` for a form or status that cannot be written
    /// through the API.
    pub fn fact(&self) -> Option<FilingFact> {
        Some(FilingFact {
            form: Form::parse(&self.form)?,
            status: FilingStatus::parse(&self.status)?,
            id: self.id.clone(),
            filed_on: self.filed_on,
            approved_on: self.approved_on,
            valid_until: self.valid_until,
        })
    }
}

/// The standing (not withdrawn) clock events, in recorded order.
pub fn clock_facts(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<ClockEventFact>> {
    Ok(clock_events_of(conn, case_id)?
        .iter()
        .filter(|e| e.withdrawn_at.is_none())
        .filter_map(ClockEventRow::fact)
        .collect())
}

impl ClockEventRow {
    /// The event as the rules read it; `None` for a kind that cannot be written through the API.
    pub fn fact(&self) -> Option<ClockEventFact> {
        Some(ClockEventFact {
            kind: ClockKind::parse(&self.kind)?,
            on: self.occurred_on,
        })
    }
}

pub fn insert_clock_event(conn: &mut DbConnection, row: &ClockEventRow) -> AppResult<()> {
    diesel::insert_into(clock_events::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn insert_hearing(conn: &mut DbConnection, row: &Hearing) -> AppResult<()> {
    diesel::insert_into(hearings::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn insert_hearing_change(conn: &mut DbConnection, row: &HearingChange) -> AppResult<()> {
    diesel::insert_into(hearing_changes::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn insert_decision(conn: &mut DbConnection, row: &Decision) -> AppResult<()> {
    diesel::insert_into(decisions::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn filings_of(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<Filing>> {
    Ok(filings::table
        .filter(filings::case_id.eq(case_id))
        .order((filings::filed_on, filings::created_at, filings::id))
        .select(Filing::as_select())
        .load(conn)?)
}

pub fn clock_events_of(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<ClockEventRow>> {
    Ok(clock_events::table
        .filter(clock_events::case_id.eq(case_id))
        .order((
            clock_events::occurred_on,
            clock_events::created_at,
            clock_events::id,
        ))
        .select(ClockEventRow::as_select())
        .load(conn)?)
}

pub fn hearings_of(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<Hearing>> {
    Ok(hearings::table
        .filter(hearings::case_id.eq(case_id))
        .order((hearings::starts_at, hearings::id))
        .select(Hearing::as_select())
        .load(conn)?)
}

pub fn decisions_of(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<Decision>> {
    Ok(decisions::table
        .filter(decisions::case_id.eq(case_id))
        .order((decisions::decided_on, decisions::created_at, decisions::id))
        .select(Decision::as_select())
        .load(conn)?)
}

/// One page of a case's facts of one table, in (date, recorded at, id) order: the order of the
/// whole list, so that facts of one day stay in the order they were recorded. The cursor names
/// the last row's recording instant and `date~id`.
macro_rules! case_page {
    ($conn:expr, $page:expr, $table:ident, $row:ty, $case_id:expr, $date:ident) => {{
        let mut q = $table::table
            .filter($table::case_id.eq($case_id.to_string()))
            .select(<$row>::as_select())
            .into_boxed();
        if let Some(c) = &$page.cursor {
            let (day, id) = split_cursor(&c.id)?;
            let at = c.at;
            q = q.filter(
                $table::$date.gt(day).or($table::$date.eq(day).and(
                    $table::created_at
                        .gt(at)
                        .or($table::created_at.eq(at).and($table::id.gt(id))),
                )),
            );
        }
        let mut rows: Vec<$row> = q
            .order(($table::$date, $table::created_at, $table::id))
            .limit($page.limit + 1)
            .load($conn)?;
        Ok($page.finish(&mut rows, |r| Cursor {
            at: r.created_at,
            id: format!("{}~{}", r.$date, r.id),
        }))
    }};
}

/// The `date~id` of a case-fact cursor; a cursor of another list is refused like a forged one.
fn split_cursor(key: &str) -> AppResult<(NaiveDate, String)> {
    key.split_once('~')
        .and_then(|(day, id)| Some((day.parse().ok()?, id.to_string())))
        .ok_or_else(|| AppError::field("cursor", "is not a cursor this service issued"))
}

/// One page of a case's filings, by filing date, then as recorded (index `filings_case`).
pub fn filings_page(
    conn: &mut DbConnection,
    case_id: &str,
    page: &Page,
) -> AppResult<(Vec<Filing>, Option<String>)> {
    case_page!(conn, page, filings, Filing, case_id, filed_on)
}

/// One page of a case's clock events, by date, then as recorded (index `clock_events_case`).
pub fn clock_events_page(
    conn: &mut DbConnection,
    case_id: &str,
    page: &Page,
) -> AppResult<(Vec<ClockEventRow>, Option<String>)> {
    case_page!(
        conn,
        page,
        clock_events,
        ClockEventRow,
        case_id,
        occurred_on
    )
}

/// One page of a case's decisions, by decision date, then as recorded (index `decisions_case`).
pub fn decisions_page(
    conn: &mut DbConnection,
    case_id: &str,
    page: &Page,
) -> AppResult<(Vec<Decision>, Option<String>)> {
    case_page!(conn, page, decisions, Decision, case_id, decided_on)
}

/// One page of a case's hearings, soonest first (index `hearings_case`).
pub fn hearings_page(
    conn: &mut DbConnection,
    case_id: &str,
    page: &Page,
) -> AppResult<(Vec<Hearing>, Option<String>)> {
    let mut q = hearings::table
        .filter(hearings::case_id.eq(case_id.to_string()))
        .select(Hearing::as_select())
        .into_boxed();
    q = crate::keyset_filter!(q, page, hearings::starts_at, hearings::id, gt);
    let mut rows = q
        .order((hearings::starts_at, hearings::id))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |h| Cursor {
        at: h.starts_at,
        id: h.id.clone(),
    }))
}

pub fn find_hearing(conn: &mut DbConnection, id: &str) -> AppResult<Hearing> {
    hearings::table
        .find(id)
        .select(Hearing::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn hearing_history(conn: &mut DbConnection, hearing_id: &str) -> AppResult<Vec<HearingChange>> {
    Ok(hearing_changes::table
        .filter(hearing_changes::hearing_id.eq(hearing_id))
        .order((hearing_changes::changed_at, hearing_changes::id))
        .select(HearingChange::as_select())
        .load(conn)?)
}

/// The earlier times of several hearings at once (one query for a whole list), each oldest first.
pub fn hearing_histories(
    conn: &mut DbConnection,
    hearing_ids: &[String],
) -> AppResult<HashMap<String, Vec<HearingChange>>> {
    let rows: Vec<HearingChange> = hearing_changes::table
        .filter(hearing_changes::hearing_id.eq_any(hearing_ids))
        .order((
            hearing_changes::hearing_id,
            hearing_changes::changed_at,
            hearing_changes::id,
        ))
        .select(HearingChange::as_select())
        .load(conn)?;
    let mut by_hearing: HashMap<String, Vec<HearingChange>> = HashMap::new();
    for row in rows {
        by_hearing
            .entry(row.hearing_id.clone())
            .or_default()
            .push(row);
    }
    Ok(by_hearing)
}

/// Hearings in scope starting in `[from, to)` (UTC instants; either end open), soonest first
/// (index `hearings_starts_at`), each with its case's label (one query: joined with cases and
/// clients, which also keeps only followed cases).
pub fn hearings_between(
    conn: &mut DbConnection,
    scope: &Scope,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
    page: &Page,
) -> AppResult<PageOf<(Hearing, Label)>> {
    let mut q = hearings::table
        .inner_join(cases::table.inner_join(clients::table))
        .select((Hearing::as_select(), label_columns()))
        .filter(cases::closed.eq(false))
        .filter(clients::archived.eq(false))
        .into_boxed();
    if let Some(user) = scope.assigned_user() {
        q = q.filter(hearings::case_id.eq_any(assigned_case_ids(user)));
    }
    // Planned with each request's values on PostgreSQL, like the deadline agenda.
    if super::is_postgres(conn) {
        q = q.filter(super::planned_per_execution());
    }
    if let Some(f) = from {
        q = q.filter(hearings::starts_at.ge(f));
    }
    if let Some(t) = to {
        q = q.filter(hearings::starts_at.lt(t));
    }
    q = crate::keyset_filter!(q, page, hearings::starts_at, hearings::id, gt);
    let mut rows = q
        .order((hearings::starts_at, hearings::id))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |(h, _)| Cursor {
        at: h.starts_at,
        id: h.id.clone(),
    }))
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = hearings)]
pub struct HearingChanges {
    pub starts_at_local: Option<String>,
    pub time_zone: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub court_code: Option<Option<String>>,
    pub office_code: Option<Option<String>>,
    pub mode: Option<Option<String>>,
    pub interpreter_language: Option<Option<String>>,
    pub judge: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub outcome: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_hearing(
    conn: &mut DbConnection,
    id: &str,
    mut changes: HearingChanges,
) -> AppResult<()> {
    changes.updated_at = Some(super::now());
    diesel::update(hearings::table.find(id))
        .set(&changes)
        .execute(conn)?;
    Ok(())
}

/// Everything the pure rules need about one case. Unknown stored spellings are skipped rather
/// than guessed (they cannot be written through the API).
pub fn load_facts(conn: &mut DbConnection, case_id: &str, client_id: &str) -> AppResult<CaseFacts> {
    let last_arrival_on = clients::table
        .find(client_id)
        .select(clients::last_arrival_on)
        .first::<NaiveDate>(conn)
        .optional()?;
    // Withdrawn facts are history, not facts: the rules never see them.
    let filings = filing_facts(conn, case_id)?;
    let clock_events = clock_facts(conn, case_id)?;
    let hearings = hearings_of(conn, case_id)?
        .into_iter()
        .filter_map(|h| {
            let on = NaiveDate::parse_from_str(h.starts_at_local.get(..10)?, "%Y-%m-%d").ok()?;
            Some(HearingFact {
                kind: HearingKind::parse(&h.kind)?,
                cancelled: h.outcome.as_deref() == Some(HearingOutcome::Cancelled.as_str()),
                outcome: h.outcome.as_deref().and_then(HearingOutcome::parse),
                id: h.id,
                on,
            })
        })
        .collect();
    let decisions = decisions_of(conn, case_id)?
        .into_iter()
        .filter(|d| d.withdrawn_at.is_none())
        .filter_map(|d| {
            Some(DecisionFact {
                kind: DecisionKind::parse(&d.kind)?,
                authority: Authority::parse(&d.authority)?,
                id: d.id,
                decided_on: d.decided_on,
                voluntary_departure_days: d
                    .voluntary_departure_days
                    .and_then(|n| u32::try_from(n).ok()),
                appeal_waived: d.appeal_waived,
            })
        })
        .collect();
    let supervision = super::supervision::facts(conn, case_id)?;
    // Removed family members are history, like withdrawn facts.
    let family = super::family::facts(conn, case_id)?;
    let custody = super::custody::facts(conn, case_id)?;
    Ok(CaseFacts {
        last_arrival_on,
        filings,
        clock_events,
        hearings,
        decisions,
        supervision,
        family,
        custody,
    })
}
