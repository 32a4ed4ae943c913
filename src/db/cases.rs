//! Queries on cases and their assignments.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::page::{Cursor, Page};
use super::schema::{case_assignments, cases, clients, users};
use super::scope::Scope;
use super::DbConnection;
use crate::domain::charging::NoticeToAppear;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct Case {
    pub id: String,
    pub reference: String,
    pub client_id: String,
    pub kind: String,
    pub court_code: Option<String>,
    pub status: String,
    pub closed: bool,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Why it was closed (`ClosedReason`); set exactly while `closed`.
    pub closed_reason: Option<String>,
    pub closed_note: Option<String>,
    /// The Notice to Appear (`domain::charging`).
    pub nta_issued_on: Option<NaiveDate>,
    pub nta_served_on: Option<NaiveDate>,
    pub nta_filed_on: Option<NaiveDate>,
    pub nta_time_and_place: Option<bool>,
    /// Whether the client is in custody on this case (an open custody period): selected with
    /// the row (a correlated EXISTS), so lists flag detained cases without a query per row.
    #[diesel(select_expression = super::custody::detained())]
    #[diesel(select_expression_type = super::custody::detained)]
    pub detained: bool,
}

impl Case {
    /// The case's Notice to Appear as stored.
    pub fn nta(&self) -> NoticeToAppear {
        NoticeToAppear {
            issued_on: self.nta_issued_on,
            served_on: self.nta_served_on,
            filed_on: self.nta_filed_on,
            time_and_place: self.nta_time_and_place,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_assignments)]
pub struct Assignment {
    pub case_id: String,
    pub user_id: String,
    pub role: String,
    pub assigned_by: Option<String>,
    pub assigned_at: NaiveDateTime,
}

/// What a list row of another table says about its case: the reference, the client's names and
/// whether the client is detained. Select [`label_columns`] from a query joined with `cases` and
/// `clients`.
#[derive(Debug, Clone, Queryable)]
pub struct Label {
    pub reference: String,
    pub client_id: String,
    pub given_name: String,
    pub family_name: String,
    pub native_name: Option<String>,
    pub detained: bool,
}

pub type LabelColumns = (
    cases::reference,
    cases::client_id,
    clients::given_name,
    clients::family_name,
    clients::native_name,
    super::custody::detained,
);

pub fn label_columns() -> LabelColumns {
    (
        cases::reference,
        cases::client_id,
        clients::given_name,
        clients::family_name,
        clients::native_name,
        super::custody::detained(),
    )
}

#[derive(QueryableByName)]
struct Counter {
    #[diesel(sql_type = Integer)]
    last: i32,
}

/// The next human reference of a year, `C-2026-0042`. One upsert statement, so that concurrent
/// openings (several instances on PostgreSQL) never get the same number.
pub fn next_reference(conn: &mut DbConnection, year: i32) -> AppResult<String> {
    let sql = format!(
        "INSERT INTO case_counters (year, last) VALUES ({year}, 1) \
         ON CONFLICT (year) DO UPDATE SET last = case_counters.last + 1 RETURNING last"
    );
    let counter: Counter = crate::on_backend!(conn, |c| diesel::sql_query(&sql).get_result(c))?;
    Ok(format!("C-{year}-{:04}", counter.last))
}

/// Takes the case's writer lock until the transaction ends, so that one writer at a time changes
/// a case's facts and recomputes them: PostgreSQL `SELECT ... FOR NO KEY UPDATE` of the case row
/// (the strongest row lock that does not also block the foreign-key checks of rows inserted for
/// the case); SQLite's `BEGIN IMMEDIATE` already holds the database's only write lock. Take it
/// before reading what a write depends on. An absent id locks nothing.
pub fn lock(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    if let DbConnection::Postgres(c) = conn {
        cases::table
            .find(id)
            .select(cases::id)
            .for_no_key_update()
            .load::<String>(c)?;
    }
    Ok(())
}

/// [`find`] under the case's writer lock ([`lock`]): for every transaction that changes a case.
pub fn find_for_write(conn: &mut DbConnection, id: &str, scope: &Scope) -> AppResult<Case> {
    lock(conn, id)?;
    find(conn, id, scope)
}

pub struct NewCase<'a> {
    pub id: &'a str,
    pub reference: &'a str,
    pub client_id: &'a str,
    pub kind: &'a str,
    pub court_code: Option<&'a str>,
    pub status: &'a str,
    pub opened_on: NaiveDate,
    pub created_by: &'a str,
    pub nta: NoticeToAppear,
}

pub fn insert(conn: &mut DbConnection, new: &NewCase) -> AppResult<Case> {
    let now = super::now();
    diesel::insert_into(cases::table)
        .values((
            cases::id.eq(new.id),
            cases::reference.eq(new.reference),
            cases::client_id.eq(new.client_id),
            cases::kind.eq(new.kind),
            cases::court_code.eq(new.court_code),
            cases::status.eq(new.status),
            cases::closed.eq(false),
            cases::opened_on.eq(new.opened_on),
            cases::created_by.eq(new.created_by),
            cases::nta_issued_on.eq(new.nta.issued_on),
            cases::nta_served_on.eq(new.nta.served_on),
            cases::nta_filed_on.eq(new.nta.filed_on),
            cases::nta_time_and_place.eq(new.nta.time_and_place),
            cases::created_at.eq(now),
            cases::updated_at.eq(now),
        ))
        .execute(conn)?;
    find(conn, new.id, &Scope::Internal)
}

/// A case the caller may see (`visible` from the policy), else NotFound.
///
/// Two fixed shapes rather than one boxed query: diesel keeps a statement prepared per connection
/// only when its shape is known at compile time, and this is every case page's first read (issue
/// 14: on PostgreSQL a boxed statement is parsed and planned at each request).
pub fn find(conn: &mut DbConnection, id: &str, scope: &Scope) -> AppResult<Case> {
    let found = match scope.assigned_user() {
        Some(user) => cases::table
            .filter(cases::id.eq(id))
            .filter(super::scope::assigned_to_case(user))
            .select(Case::as_select())
            .first(conn)
            .optional()?,
        None => cases::table
            .filter(cases::id.eq(id))
            .select(Case::as_select())
            .first(conn)
            .optional()?,
    };
    found.ok_or(AppError::NotFound)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub kind: Option<String>,
    pub court_code: Option<Option<String>>,
    pub status: Option<String>,
    pub closed: Option<bool>,
    pub closed_on: Option<Option<NaiveDate>>,
    pub closed_reason: Option<Option<String>>,
    pub closed_note: Option<Option<String>>,
    pub nta_issued_on: Option<Option<NaiveDate>>,
    pub nta_served_on: Option<Option<NaiveDate>>,
    pub nta_filed_on: Option<Option<NaiveDate>>,
    pub nta_time_and_place: Option<Option<bool>>,
    pub opened_on: Option<NaiveDate>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update(conn: &mut DbConnection, id: &str, mut changes: CaseChanges) -> AppResult<()> {
    changes.updated_at = Some(super::now());
    diesel::update(cases::table.find(id))
        .set(&changes)
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct CaseFilter {
    pub assigned_to: Option<String>,
    pub status: Option<String>,
    pub court_code: Option<String>,
    pub client_id: Option<String>,
    pub closed_reason: Option<String>,
    /// Only cases whose client is (or is not) in custody.
    pub detained: Option<bool>,
}

/// Visible cases in opening order. Indexes: `cases_created`, `cases_status`, `cases_court`,
/// `cases_client`, `cases_closed_reason`, `custody_periods_open` for `detained`, and `case_assignments_user` for the visibility and `assigned_to` subqueries.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &CaseFilter,
    page: &Page,
) -> AppResult<(Vec<Case>, Option<String>)> {
    let mut q = cases::table.select(Case::as_select()).into_boxed();
    if let Some(cond) = scope.cases() {
        q = q.filter(cond);
    }
    if let Some(user) = &filter.assigned_to {
        q = q.filter(cases::id.eq_any(super::scope::assigned_case_ids(user)));
    }
    if let Some(s) = &filter.status {
        q = q.filter(cases::status.eq(s.clone()));
    }
    if let Some(c) = &filter.court_code {
        q = q.filter(cases::court_code.eq(c.clone()));
    }
    if let Some(c) = &filter.client_id {
        q = q.filter(cases::client_id.eq(c.clone()));
    }
    if let Some(r) = &filter.closed_reason {
        q = q.filter(cases::closed_reason.eq(r.clone()));
    }
    match filter.detained {
        Some(true) => q = q.filter(super::custody::detained()),
        Some(false) => q = q.filter(diesel::dsl::not(super::custody::detained())),
        None => {}
    }
    q = crate::keyset_filter!(q, page, cases::created_at, cases::id, gt);
    let mut rows = q
        .order((cases::created_at.asc(), cases::id.asc()))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |c| Cursor {
        at: c.created_at,
        id: c.id.clone(),
    }))
}

/// The assignments of several cases (a page of them) with each assignee's name, in one query.
pub fn assignments(
    conn: &mut DbConnection,
    case_ids: &[String],
) -> AppResult<Vec<(Assignment, String)>> {
    Ok(case_assignments::table
        .inner_join(users::table)
        .filter(case_assignments::case_id.eq_any(case_ids))
        .order((
            case_assignments::case_id,
            case_assignments::assigned_at,
            case_assignments::user_id,
        ))
        .select((Assignment::as_select(), users::name))
        .load(conn)?)
}

pub fn assignment(
    conn: &mut DbConnection,
    case_id: &str,
    user_id: &str,
) -> AppResult<Option<Assignment>> {
    Ok(case_assignments::table
        .find((case_id, user_id))
        .select(Assignment::as_select())
        .first(conn)
        .optional()?)
}

/// Assigns, or changes the role of an existing assignment. One upsert statement, so that the same
/// assignment sent twice at once (a double click, a retry) cannot trip the primary key.
pub fn assign(
    conn: &mut DbConnection,
    case_id: &str,
    user_id: &str,
    role: &str,
    by: Option<&str>,
) -> AppResult<()> {
    let now = super::now();
    crate::on_backend!(conn, |c| diesel::insert_into(case_assignments::table)
        .values((
            case_assignments::case_id.eq(case_id),
            case_assignments::user_id.eq(user_id),
            case_assignments::role.eq(role),
            case_assignments::assigned_by.eq(by),
            case_assignments::assigned_at.eq(now),
        ))
        .on_conflict((case_assignments::case_id, case_assignments::user_id))
        .do_update()
        .set(case_assignments::role.eq(role))
        .execute(c))?;
    Ok(())
}

pub fn unassign(conn: &mut DbConnection, case_id: &str, user_id: &str) -> AppResult<bool> {
    Ok(diesel::delete(case_assignments::table.find((case_id, user_id))).execute(conn)? > 0)
}

/// The ids of a client's cases (index `cases_client`).
pub fn ids_of_client(conn: &mut DbConnection, client_id: &str) -> AppResult<Vec<String>> {
    Ok(cases::table
        .filter(cases::client_id.eq(client_id))
        .select(cases::id)
        .load(conn)?)
}

/// The ids of the cases that are followed: open, of a client not archived (a subquery). A closed
/// case or an archived client's cases send no reminders and stay off the agenda, the hearings
/// list and calendar feeds; their own pages still show everything.
#[diesel::dsl::auto_type]
pub fn active_ids() -> _ {
    cases::table
        .filter(cases::closed.eq(false))
        .filter(cases::client_id.eq_any(live_client_ids()))
        .select(cases::id)
}

/// The ids of clients not archived (a subquery).
#[diesel::dsl::auto_type]
pub fn live_client_ids() -> _ {
    clients::table
        .filter(clients::archived.eq(false))
        .select(clients::id)
}

/// Whether a case is followed (see [`active_ids`]); `false` when there is no such case.
pub fn is_active(conn: &mut DbConnection, case_id: &str) -> AppResult<bool> {
    Ok(cases::table
        .inner_join(clients::table)
        .filter(cases::id.eq(case_id))
        .filter(cases::closed.eq(false))
        .filter(clients::archived.eq(false))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}
