//! Orders of Supervision of a case: rows, the active one, and the facts the check-in rule reads.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::supervision_orders;
use super::DbConnection;
use crate::domain::deadlines::SupervisionFact;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = supervision_orders)]
pub struct SupervisionOrder {
    pub id: String,
    pub case_id: String,
    pub ordered_on: NaiveDate,
    pub field_office_code: String,
    pub interval_days: i32,
    pub conditions: Option<String>,
    pub ended_on: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = supervision_orders)]
pub struct SupervisionChanges {
    pub ordered_on: Option<NaiveDate>,
    pub field_office_code: Option<String>,
    pub interval_days: Option<i32>,
    pub conditions: Option<Option<String>>,
    pub ended_on: Option<Option<NaiveDate>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &SupervisionOrder) -> AppResult<()> {
    diesel::insert_into(supervision_orders::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, id: &str, mut changes: SupervisionChanges) -> AppResult<()> {
    changes.updated_at = Some(super::now());
    diesel::update(supervision_orders::table.find(id))
        .set(&changes)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<SupervisionOrder> {
    supervision_orders::table
        .find(id)
        .select(SupervisionOrder::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// A case's orders, oldest first.
pub fn of_case(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<SupervisionOrder>> {
    Ok(supervision_orders::table
        .filter(supervision_orders::case_id.eq(case_id))
        .order((supervision_orders::ordered_on, supervision_orders::id))
        .select(SupervisionOrder::as_select())
        .load(conn)?)
}

/// The field office of the case's latest order still in force: where its check-ins are.
pub fn current_field_office(conn: &mut DbConnection, case_id: &str) -> AppResult<Option<String>> {
    Ok(supervision_orders::table
        .filter(supervision_orders::case_id.eq(case_id))
        .filter(supervision_orders::ended_on.is_null())
        .order((
            supervision_orders::ordered_on.desc(),
            supervision_orders::id.desc(),
        ))
        .select(supervision_orders::field_office_code)
        .first(conn)
        .optional()?)
}

pub fn facts(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<SupervisionFact>> {
    Ok(of_case(conn, case_id)?
        .into_iter()
        .filter_map(|o| {
            Some(SupervisionFact {
                interval_days: u32::try_from(o.interval_days).ok()?,
                id: o.id,
                ordered_on: o.ordered_on,
                ended_on: o.ended_on,
            })
        })
        .collect())
}
