//! Queries on the one-year-bar exception a case claims: the standing claim (at most one, index
//! `one_year_exceptions_standing`), a new claim, and a withdrawal (kept in history).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::one_year_exceptions;
use super::DbConnection;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = one_year_exceptions)]
pub struct OneYearExceptionRow {
    pub id: String,
    pub case_id: String,
    /// `changed_circumstances` or `extraordinary_circumstances`.
    pub kind: String,
    pub note: Option<String>,
    pub claimed_by: String,
    pub claimed_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_reason: Option<String>,
    pub withdrawn_by: Option<String>,
}

/// The case's standing (not withdrawn) claim, if any.
pub fn standing(conn: &mut DbConnection, case_id: &str) -> AppResult<Option<OneYearExceptionRow>> {
    Ok(one_year_exceptions::table
        .filter(one_year_exceptions::case_id.eq(case_id))
        .filter(one_year_exceptions::withdrawn_at.is_null())
        .select(OneYearExceptionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConnection, row: &OneYearExceptionRow) -> AppResult<()> {
    diesel::insert_into(one_year_exceptions::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Marks a claim withdrawn (replaced by a new one, or taken back).
pub fn withdraw(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
    reason: &str,
    by: &str,
) -> AppResult<()> {
    diesel::update(one_year_exceptions::table.find(id))
        .set((
            one_year_exceptions::withdrawn_at.eq(at),
            one_year_exceptions::withdrawn_reason.eq(reason),
            one_year_exceptions::withdrawn_by.eq(by),
        ))
        .execute(conn)?;
    Ok(())
}
