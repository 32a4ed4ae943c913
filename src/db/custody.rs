//! Custody periods of a case: rows, the open one, the facts the custody rules read, and the
//! `detained` expression every case read and list row selects (one EXISTS, no extra query).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{cases, custody_periods};
use super::DbConnection;
use crate::domain::deadlines::CustodyFact;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = custody_periods)]
pub struct CustodyPeriod {
    pub id: String,
    pub case_id: String,
    pub detained_on: NaiveDate,
    pub facility: Option<String>,
    pub released_on: Option<NaiveDate>,
    /// `ReleaseBasis`; set exactly when `released_on` is.
    pub release_basis: Option<String>,
    pub bond_amount_usd: Option<i32>,
    pub bond_hearing_on: Option<NaiveDate>,
    pub bond_decided_on: Option<NaiveDate>,
    /// `BondDecision`; set exactly when `bond_decided_on` is.
    pub bond_decision: Option<String>,
    pub bond_posted_on: Option<NaiveDate>,
    pub bond_appeal_filed_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Changes to a period: `None` keeps a field, `Some(None)` clears it.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = custody_periods)]
pub struct CustodyChanges {
    pub detained_on: Option<NaiveDate>,
    pub facility: Option<Option<String>>,
    pub released_on: Option<Option<NaiveDate>>,
    pub release_basis: Option<Option<String>>,
    pub bond_amount_usd: Option<Option<i32>>,
    pub bond_hearing_on: Option<Option<NaiveDate>>,
    pub bond_decided_on: Option<Option<NaiveDate>>,
    pub bond_decision: Option<Option<String>>,
    pub bond_posted_on: Option<Option<NaiveDate>>,
    pub bond_appeal_filed_on: Option<Option<NaiveDate>>,
    pub note: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Whether the case of the row being selected has an open custody period: for `cases` queries
/// (a correlated EXISTS on index `custody_periods_open`).
#[diesel::dsl::auto_type]
pub fn detained() -> _ {
    diesel::dsl::exists(
        custody_periods::table
            .filter(custody_periods::case_id.eq(cases::id))
            .filter(custody_periods::released_on.is_null())
            .select(custody_periods::id),
    )
}

pub fn insert(conn: &mut DbConnection, row: &CustodyPeriod) -> AppResult<()> {
    diesel::insert_into(custody_periods::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, id: &str, mut changes: CustodyChanges) -> AppResult<()> {
    changes.updated_at = Some(super::now());
    diesel::update(custody_periods::table.find(id))
        .set(&changes)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<CustodyPeriod> {
    custody_periods::table
        .find(id)
        .select(CustodyPeriod::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// A case's periods, oldest first.
pub fn of_case(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<CustodyPeriod>> {
    Ok(custody_periods::table
        .filter(custody_periods::case_id.eq(case_id))
        .order((custody_periods::detained_on, custody_periods::id))
        .select(CustodyPeriod::as_select())
        .load(conn)?)
}

/// The id of the case's open period other than `except`, if any (at most one is open).
pub fn open_other(
    conn: &mut DbConnection,
    case_id: &str,
    except: Option<&str>,
) -> AppResult<Option<String>> {
    let mut q = custody_periods::table
        .filter(custody_periods::case_id.eq(case_id))
        .filter(custody_periods::released_on.is_null())
        .select(custody_periods::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(custody_periods::id.ne(id.to_string()));
    }
    Ok(q.first(conn).optional()?)
}

pub fn facts(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<CustodyFact>> {
    Ok(of_case(conn, case_id)?
        .into_iter()
        .map(|c| CustodyFact {
            id: c.id,
            detained_on: c.detained_on,
            released_on: c.released_on,
            bond_decided_on: c.bond_decided_on,
            bond_appeal_filed_on: c.bond_appeal_filed_on,
        })
        .collect())
}
